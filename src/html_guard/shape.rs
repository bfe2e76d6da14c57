//! A cheap look at a page's tags before any parsing: how many elements, and how deep they nest.
//! One pass over the bytes, no allocation per tag; approximate (it does not run the HTML tree
//! builder), but a crafted page cannot hide its depth from it.

use std::borrow::Cow;

/// Element count and deepest nesting of a page, and how many pieces of markup it has.
#[derive(Debug, PartialEq, Eq)]
pub struct Shape {
    pub elements: usize,
    pub depth: usize,
    /// Start tags, end tags, comments and declarations: a tree built from the page has at most
    /// about twice as many nodes (one text node between two of them), unless the tree builder
    /// invents elements, which a formatting-element bomb makes it do without end.
    pub markup: usize,
    /// The most attributes on one tag (the tokenizer checks each new one against all before it).
    pub attributes: usize,
}

/// Elements with no end tag.
const VOID: [&[u8]; 16] = [
    b"area",
    b"base",
    b"br",
    b"col",
    b"embed",
    b"hr",
    b"img",
    b"input",
    b"link",
    b"meta",
    b"param",
    b"source",
    b"track",
    b"wbr",
    b"keygen",
    b"basefont",
];

/// Elements whose end tag may be left out: an unclosed `<p>` or `<li>` per paragraph would
/// otherwise make an ordinary page look deep.
const OPTIONAL_END: [&[u8]; 17] = [
    b"p",
    b"li",
    b"dt",
    b"dd",
    b"tr",
    b"td",
    b"th",
    b"option",
    b"optgroup",
    b"thead",
    b"tbody",
    b"tfoot",
    b"colgroup",
    b"rt",
    b"rp",
    b"html",
    b"head",
];

/// Elements whose content is text up to their end tag.
const RAW_TEXT: [&[u8]; 6] = [
    b"script",
    b"style",
    b"textarea",
    b"title",
    b"xmp",
    b"noscript",
];

pub fn measure(html: &str) -> Shape {
    let bytes = html.as_bytes();
    let (mut elements, mut depth, mut deepest, mut markup) = (0usize, 0usize, 0usize, 0usize);
    let mut attributes = 0;
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        let at = i + offset;
        let rest = &bytes[at + 1..];
        if rest.starts_with(b"!--") {
            markup += 1;
            i = find(bytes, at + 4, b"-->").map_or(bytes.len(), |end| end + 3);
            continue;
        }
        if rest.starts_with(b"!") || rest.starts_with(b"?") {
            markup += 1;
            i = find(bytes, at + 1, b">").map_or(bytes.len(), |end| end + 1);
            continue;
        }
        let closing = rest.starts_with(b"/");
        let name_start = at + 1 + usize::from(closing);
        let name_length = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b':')
            .count();
        if name_length == 0 || !bytes[name_start].is_ascii_alphabetic() {
            i = at + 1;
            continue;
        }
        markup += 1;
        let name = bytes[name_start..name_start + name_length].to_ascii_lowercase();
        let tag_end = find(bytes, name_start + name_length, b">").unwrap_or(bytes.len());
        let self_closing = tag_end > 0 && bytes.get(tag_end - 1) == Some(&b'/');
        attributes = attributes.max(count_attributes(&bytes[name_start + name_length..tag_end]));
        let counted = !VOID.contains(&name.as_slice()) && !OPTIONAL_END.contains(&name.as_slice());
        i = (tag_end + 1).min(bytes.len());
        if closing {
            if counted {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        elements += 1;
        if RAW_TEXT.contains(&name.as_slice()) {
            let mut end_tag = b"</".to_vec();
            end_tag.extend_from_slice(&name);
            i = find_ignore_case(bytes, i, &end_tag).unwrap_or(bytes.len());
            continue;
        }
        if counted && !self_closing {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    Shape {
        elements,
        depth: deepest,
        markup,
        attributes,
    }
}

/// `html` with the attributes taken off every tag that has more than `limit`, for a reader that
/// cannot afford them (the tokenizer's duplicate check is quadratic in a tag's attributes).
pub fn drop_crowded_attributes(html: &str, limit: usize) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut kept = String::new();
    let mut copied = 0;
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        let at = i + offset + 1;
        let name_start = at + usize::from(bytes.get(at) == Some(&b'/'));
        let name_length = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b':')
            .count();
        let name_end = name_start + name_length;
        let tag_end = find(bytes, name_end, b">").unwrap_or(bytes.len());
        if name_length > 0 && count_attributes(&bytes[name_end..tag_end]) > limit {
            // Both ends are ASCII, so both are character boundaries.
            kept.push_str(&html[copied..name_end]);
            copied = tag_end;
        }
        i = if name_length > 0 { tag_end } else { at };
    }
    if copied == 0 {
        return Cow::Borrowed(html);
    }
    kept.push_str(&html[copied..]);
    Cow::Owned(kept)
}

/// Attributes in the part of a tag after its name: names separated by space or `/`, each with an
/// optional `=value`, quoted or not.
fn count_attributes(tag: &[u8]) -> usize {
    let mut count = 0;
    let mut i = 0;
    let separator = |b: u8| b.is_ascii_whitespace() || b == b'/';
    while i < tag.len() {
        if separator(tag[i]) {
            i += 1;
            continue;
        }
        count += 1;
        // The name (its first character may be `=`).
        i += 1;
        while i < tag.len() && !separator(tag[i]) && tag[i] != b'=' {
            i += 1;
        }
        while i < tag.len() && tag[i].is_ascii_whitespace() {
            i += 1;
        }
        if tag.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < tag.len() && tag[i].is_ascii_whitespace() {
            i += 1;
        }
        match tag.get(i) {
            Some(&quote @ (b'"' | b'\'')) => {
                i = tag[i + 1..]
                    .iter()
                    .position(|&b| b == quote)
                    .map_or(tag.len(), |end| i + 1 + end + 1);
            }
            _ => {
                while i < tag.len() && !tag[i].is_ascii_whitespace() {
                    i += 1;
                }
            }
        }
    }
    count
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn find_ignore_case(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_page() {
        let shape = measure(
            "<!DOCTYPE html><html><head><meta charset=utf-8><script>if (a<b) x='<div>'</script></head>\
             <body><div><p>one<p>two<br><img src=x /></div><!-- <div><div> --></body></html>",
        );
        assert_eq!(
            shape,
            Shape {
                elements: 10,
                depth: 2,
                markup: 17,
                attributes: 1,
            }
        );
    }

    #[test]
    fn attributes_are_counted_per_tag() {
        assert_eq!(count_attributes(br#" a=1 b="x y" c='>' d e = f/"#), 5);
        assert_eq!(count_attributes(b" /"), 0);
        let crowded: String = (0..300).map(|n| format!(" a{n}=\"v\"")).collect();
        let html = format!("<p class=x>one<div{crowded}>two</div{crowded}>");
        assert_eq!(measure(&html).attributes, 300);
        assert_eq!(
            drop_crowded_attributes(&html, 256),
            "<p class=x>one<div>two</div>"
        );
        assert!(matches!(
            drop_crowded_attributes("<p a=1>x", 256),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn nested_divs() {
        let html = format!("{}{}", "<div>".repeat(1000), "</div>".repeat(1000));
        assert_eq!(measure(&html).depth, 1000);
    }
}
