//! The usual repairs for feeds that feed-rs rejects: applied once, to the whole text, before a
//! retry. Each repair is one that a human reading the file would agree with; anything that would
//! mean guessing (an `&name` with no `;`, a truncated document) is left for the rejection.

use std::collections::HashMap;

/// The text after repairs, and how many lines were removed from its start (so that line numbers
/// found in it can be mapped back to the input).
pub struct Repaired {
    pub text: String,
    pub lines_removed: u64,
}

/// Apply every XML repair: leading junk, HTML entities, bare ampersands, the `<rss>` version.
pub fn repair_xml(text: &str) -> Repaired {
    let (text, lines_removed) = drop_leading_junk(text);
    let text = repair_ampersands(text);
    let text = repair_rss_version(&text);
    Repaired {
        text,
        lines_removed,
    }
}

/// Drop whatever precedes the XML declaration (a blank line, a PHP warning, a BOM written as
/// text), or the first `<` when there is no declaration.
fn drop_leading_junk(text: &str) -> (&str, u64) {
    let head_end = text.floor_char_boundary(text.len().min(4096));
    let start = text[..head_end]
        .find("<?xml")
        .or_else(|| text.find('<'))
        .unwrap_or(0);
    let dropped = &text[..start];
    (
        &text[start..],
        dropped.bytes().filter(|&b| b == b'\n').count() as u64,
    )
}

/// HTML named entities to numeric references (`&nbsp;` -> `&#160;`), and an `&` that starts no
/// reference at all (`Q&A`, `fish & chips`) to `&amp;`. CDATA sections and comments are copied
/// as they are. An unescaped URL parameter (`&name=`) is left alone, and the feed is rejected.
pub fn repair_ampersands(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 64);
    let mut cache: HashMap<&str, Option<String>> = HashMap::new();
    let mut rest = text;
    while let Some(position) = rest.find(['&', '<']) {
        out.push_str(&rest[..position]);
        rest = &rest[position..];
        if rest.starts_with('<') {
            // Copy markup that may legitimately hold a raw `&` (CDATA, comments) untouched.
            let end = if rest.starts_with("<![CDATA[") {
                rest.find("]]>").map_or(rest.len(), |e| e + 3)
            } else if rest.starts_with("<!--") {
                rest.find("-->").map_or(rest.len(), |e| e + 3)
            } else {
                1
            };
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        let after = &rest[1..];
        match reference_at(after) {
            Reference::Numeric(length) | Reference::Xml(length) => {
                out.push_str(&rest[..1 + length]);
                rest = &rest[1 + length..];
            }
            Reference::Named(name) => {
                let decoded = cache.entry(name).or_insert_with(|| html_entity(name));
                match decoded {
                    Some(chars) => {
                        for c in chars.chars() {
                            out.push_str(&format!("&#{};", c as u32));
                        }
                    }
                    // Unknown name: keep it visible as text rather than invent a character.
                    None => out.push_str(&format!("&amp;{name};")),
                }
                rest = &after[name.len() + 1..];
            }
            Reference::Unterminated => {
                out.push('&');
                rest = after;
            }
            Reference::Bare => {
                out.push_str("&amp;");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

enum Reference<'a> {
    /// `#123;` or `#x1F;`: its length after the `&`.
    Numeric(usize),
    /// `amp;` and the other four XML entities: its length after the `&`.
    Xml(usize),
    /// `name;` for any other name.
    Named(&'a str),
    /// `name=` (`?a=1&b=2`): an unescaped URL. Escaping it would be easy, but it is the classic
    /// sign of a generator that escapes nothing, whose other text cannot be trusted either: the
    /// feed is rejected with the position so that the publisher can fix it.
    Unterminated,
    /// Anything else (`Q&A`, `AT&T`, `fish & chips`): a literal ampersand.
    Bare,
}

fn reference_at(after: &str) -> Reference<'_> {
    let bytes = after.as_bytes();
    if bytes.first() == Some(&b'#') {
        let (digits, skip) = if matches!(bytes.get(1), Some(b'x' | b'X')) {
            (
                bytes[2..]
                    .iter()
                    .take_while(|b| b.is_ascii_hexdigit())
                    .count(),
                2,
            )
        } else {
            (
                bytes[1..].iter().take_while(|b| b.is_ascii_digit()).count(),
                1,
            )
        };
        return if digits > 0 && bytes.get(skip + digits) == Some(&b';') {
            Reference::Numeric(skip + digits + 1)
        } else {
            Reference::Bare
        };
    }
    if !bytes.first().is_some_and(|b| b.is_ascii_alphabetic()) {
        return Reference::Bare;
    }
    let length = bytes
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    match bytes.get(length) {
        Some(b';') => {}
        Some(b'=') => return Reference::Unterminated,
        _ => return Reference::Bare,
    }
    let name = &after[..length];
    if matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") {
        Reference::Xml(length + 1)
    } else {
        Reference::Named(name)
    }
}

/// Decode one HTML named entity with the HTML5 tokenizer (through dom_query), which knows all
/// 2,231 names; `None` when it is not an entity.
fn html_entity(name: &str) -> Option<String> {
    if name.len() > 32 {
        return None;
    }
    let source = format!("&{name};");
    let text = dom_query::Document::fragment(source.as_str())
        .root()
        .text()
        .to_string();
    // A name that only starts with a legacy entity (`&notit;` -> `¬it;`) is not one.
    (!text.is_empty() && !text.contains(';') && text.chars().count() <= 2).then_some(text)
}

/// `<rss>` without a `version`, or with one feed-rs does not know (0.93, 2.01, 3.0), is read as
/// RSS 2.0: the element set is the same in practice.
fn repair_rss_version(text: &str) -> String {
    let Some(start) = root_start(text) else {
        return text.to_string();
    };
    let tag = &text[start..];
    if !(tag.starts_with("<rss")
        && tag[4..].starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/'))
    {
        return text.to_string();
    }
    let Some(tag_end) = tag.find('>') else {
        return text.to_string();
    };
    let attributes = &tag[4..tag_end];
    let known = [
        "\"2.0\"", "'2.0'", "\"0.91\"", "'0.91'", "\"0.92\"", "'0.92'",
    ];
    if let Some(v) = find_attribute(attributes, "version") {
        let value = &attributes[v.clone()];
        if known.contains(&value) {
            return text.to_string();
        }
        let absolute = start + 4 + v.start..start + 4 + v.end;
        let mut out = text.to_string();
        out.replace_range(absolute, "\"2.0\"");
        return out;
    }
    let mut out = text.to_string();
    out.insert_str(start + 4, " version=\"2.0\"");
    out
}

/// The name of the root element, as written (`rss`, `rdf:RDF`, `html`).
pub fn root_name(text: &str) -> Option<&str> {
    let rest = &text[root_start(text)? + 1..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Byte offset of the root element's `<`, skipping the declaration, comments, PIs and doctype.
fn root_start(text: &str) -> Option<usize> {
    let mut offset = 0;
    loop {
        let rest = &text[offset..];
        let lt = rest.find('<')?;
        let rest = &rest[lt..];
        let skip_to = if rest.starts_with("<?") {
            rest.find("?>").map(|e| e + 2)
        } else if rest.starts_with("<!--") {
            rest.find("-->").map(|e| e + 3)
        } else if rest.starts_with("<!") {
            rest.find('>').map(|e| e + 1)
        } else {
            return Some(offset + lt);
        };
        offset += lt + skip_to?;
    }
}

/// The range of a quoted attribute value (quotes included) inside a tag's attribute text.
fn find_attribute(attributes: &str, name: &str) -> Option<std::ops::Range<usize>> {
    let mut from = 0;
    while let Some(found) = attributes[from..].find(name) {
        let at = from + found;
        from = at + name.len();
        let preceded_ok = at == 0 || attributes.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = attributes[from..].trim_start();
        if !preceded_ok || !rest.starts_with('=') {
            continue;
        }
        let value_start = attributes.len() - rest[1..].trim_start().len();
        let quote = attributes[value_start..].chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let close = attributes[value_start + 1..].find(quote)?;
        return Some(value_start..value_start + close + 2);
    }
    None
}

/// JSON Feed with a `version` feed-rs does not accept ("1.0", "1", a missing or mistyped URL) is
/// read as version 1.1, when it has an `items` array. Returns `None` when nothing changed.
pub fn repair_json_version(value: &serde_json::Value) -> Option<String> {
    let object = value.as_object()?;
    object.get("items")?.as_array()?;
    let version = object.get("version").and_then(|v| v.as_str()).unwrap_or("");
    if version.starts_with("https://jsonfeed.org/version/1") {
        return None;
    }
    let mut object = object.clone();
    object.insert(
        "version".into(),
        serde_json::Value::String("https://jsonfeed.org/version/1.1".into()),
    );
    serde_json::to_string(&object).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_and_bare_ampersands() {
        assert_eq!(
            repair_ampersands("<a>x&nbsp;y &rsquo; Q&A &amp; &#38; fish & chips</a>"),
            "<a>x&#160;y &#8217; Q&amp;A &amp; &#38; fish &amp; chips</a>"
        );
        // Ambiguous: left for the well-formedness check to reject.
        assert_eq!(repair_ampersands("?a=1&b=2"), "?a=1&b=2");
        // CDATA is not touched.
        assert_eq!(
            repair_ampersands("<![CDATA[a & b &nbsp;]]>&hellip;"),
            "<![CDATA[a & b &nbsp;]]>&#8230;"
        );
        assert_eq!(repair_ampersands("&notanentity;"), "&amp;notanentity;");
    }

    #[test]
    fn rss_version() {
        assert_eq!(
            repair_rss_version("<?xml version=\"1.0\"?><rss><channel/></rss>"),
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel/></rss>"
        );
        assert_eq!(
            repair_rss_version("<!-- c --><rss version='0.93' xmlns:a=\"b\">"),
            "<!-- c --><rss version=\"2.0\" xmlns:a=\"b\">"
        );
        let fine = "<rss version=\"2.0\">";
        assert_eq!(repair_rss_version(fine), fine);
    }

    #[test]
    fn leading_junk() {
        let repaired = repair_xml("\n\nWarning: x\n<?xml version=\"1.0\"?><rss/>");
        assert_eq!(
            repaired.text,
            "<?xml version=\"1.0\"?><rss version=\"2.0\"/>"
        );
        assert_eq!(repaired.lines_removed, 3);
    }
}
