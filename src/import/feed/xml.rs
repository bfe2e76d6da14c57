//! A quick-xml pass over a feed's text, independent of feed-rs: it checks that the document is
//! well-formed (this decides what is rejected), finds the byte range of every item so that each
//! item keeps its own raw bytes and line, and reads an item's fields for the tolerant fallback and
//! for the raw date strings that feed-rs only returns parsed.

use std::ops::Range;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// What the structural pass found.
#[derive(Debug)]
pub struct Scan {
    /// Local name of the root element (`rss`, `RDF`, `feed`, `entry`, ...).
    pub root: String,
    /// Byte ranges of the item (`<item>`) or entry (`<entry>`) elements directly under the root or
    /// the channel, in document order.
    pub items: Vec<Range<usize>>,
    /// Byte range of the channel element (RSS 0.9x/2.0), or of the root otherwise: where the feed's
    /// own title and link are.
    pub channel: Range<usize>,
}

/// Why the text is not well-formed XML, and where.
#[derive(Debug)]
pub struct ScanError {
    pub offset: usize,
    pub reason: String,
}

/// Local name of a (possibly prefixed) element name: `dc:date` -> `date`.
fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn is_item(name: &str) -> bool {
    matches!(name, "item" | "entry")
}

fn is_item_parent(name: &str) -> bool {
    matches!(name, "channel" | "rss" | "RDF" | "feed")
}

/// Check that `text` is one well-formed element tree and find its items.
///
/// This is the tolerance rule: a document that is truncated, has unbalanced or mismatched tags, or
/// an `&` that is neither a reference nor repairable is rejected whole, even when a lenient reader
/// could salvage the items before the damage, because a half-imported feed looks complete to the
/// user and hides the error.
pub fn scan(text: &str) -> Result<Scan, ScanError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut root: Option<String> = None;
    let mut items = Vec::new();
    let mut channel: Option<Range<usize>> = None;
    let mut root_range = 0..text.len();
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| ScanError {
            offset: reader.error_position() as usize,
            reason: e.to_string(),
        })?;
        let after = reader.buffer_position() as usize;
        match event {
            Event::Start(start) => {
                let name = local(start.name().as_ref()).to_string();
                if stack.is_empty() {
                    if root.is_some() {
                        return Err(ScanError {
                            offset: before,
                            reason: format!("a second root element <{name}> after the first"),
                        });
                    }
                    root = Some(name.clone());
                }
                stack.push((name, before));
            }
            Event::Empty(start) => {
                let name = local(start.name().as_ref()).to_string();
                if stack.is_empty() {
                    if root.is_some() {
                        return Err(ScanError {
                            offset: before,
                            reason: format!("a second root element <{name}> after the first"),
                        });
                    }
                    root = Some(name.clone());
                    root_range = before..after;
                }
                let parent = stack.last().map(|(parent, _)| parent.as_str());
                if is_item(&name) && parent.is_some_and(is_item_parent) {
                    items.push(before..after);
                }
            }
            Event::End(_) => {
                let Some((name, start)) = stack.pop() else {
                    // check_end_names reports this; kept for safety.
                    return Err(ScanError {
                        offset: before,
                        reason: "closing tag without an opening tag".into(),
                    });
                };
                let parent = stack.last().map(|(parent, _)| parent.as_str());
                if is_item(&name) && parent.is_some_and(is_item_parent) {
                    items.push(start..after);
                }
                if name == "channel" && channel.is_none() {
                    channel = Some(start..after);
                }
                if stack.is_empty() {
                    root_range = start..after;
                }
            }
            Event::Text(t) if stack.is_empty() && !t.trim().is_empty() => {
                let what = if root.is_some() { "after" } else { "before" };
                return Err(ScanError {
                    offset: before,
                    reason: format!("text {what} the root element"),
                });
            }
            Event::GeneralRef(r) => {
                check_reference(&r, before)?;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some((name, _)) = stack.last() {
        return Err(ScanError {
            offset: text.len(),
            reason: format!("document ends inside <{name}> (truncated?)"),
        });
    }
    let Some(root) = root else {
        return Err(ScanError {
            offset: 0,
            reason: "no root element".into(),
        });
    };
    if root == "entry" {
        // An Atom entry document is one item.
        items = vec![root_range.clone()];
    }
    Ok(Scan {
        root,
        items,
        channel: channel.unwrap_or(root_range),
    })
}

/// A reference is fine when it is a character reference or one of XML's five entities; others
/// (an HTML `&nbsp;` left after repairs) are not well-formed without a DTD.
fn check_reference(r: &quick_xml::events::BytesRef<'_>, offset: usize) -> Result<(), ScanError> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(_)) => Ok(()),
            _ => Err(ScanError {
                offset,
                reason: format!("invalid character reference &{};", r.as_ref() as &str),
            }),
        };
    }
    match &**r {
        "amp" | "lt" | "gt" | "quot" | "apos" => Ok(()),
        other => Err(ScanError {
            offset,
            reason: format!("undefined entity &{other};"),
        }),
    }
}

/// The children of one item, as text: what the tolerant reader maps to a [`crate::item::RawItem`].
#[derive(Debug, Default)]
pub struct Fields {
    /// `(local name, attributes, value)` of each direct child, in order. The value is the decoded
    /// text, or the inner markup when the child contains elements (XHTML content).
    pub children: Vec<Child>,
}

#[derive(Debug, Default)]
pub struct Child {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub value: String,
}

impl Child {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

impl Fields {
    /// The value of the first child named one of `names` (local names), in the order of `names`.
    pub fn first(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|name| {
            self.children
                .iter()
                .find(|child| child.name == *name && !child.value.trim().is_empty())
                .map(|child| child.value.trim())
        })
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Child> + 'a {
        self.children.iter().filter(move |child| child.name == name)
    }
}

/// Read the direct children of the element spanning `element` (a well-formed fragment, as found by
/// [`scan`]). `stop_at_items` skips item/entry children (for reading a channel's own fields).
pub fn fields(element: &str, stop_at_items: bool) -> Fields {
    let mut reader = Reader::from_str(element);
    let mut fields = Fields::default();
    let mut depth = 0usize;
    // The child being read: its data, where its content starts, and whether it nests elements.
    let mut current: Option<(Child, usize, bool)> = None;
    let mut skipping = false;
    loop {
        let before = reader.buffer_position() as usize;
        let Ok(event) = reader.read_event() else {
            break;
        };
        let after = reader.buffer_position() as usize;
        match event {
            Event::Start(start) => {
                depth += 1;
                if depth == 2 {
                    let name = local(start.name().as_ref()).to_string();
                    skipping = stop_at_items && is_item(&name);
                    if !skipping {
                        current = Some((child_of(&start, name), after, false));
                    }
                } else if depth > 2
                    && let Some((_, _, nested)) = current.as_mut()
                {
                    *nested = true;
                }
            }
            Event::Empty(start) => {
                if depth == 1 {
                    let name = local(start.name().as_ref()).to_string();
                    if !(stop_at_items && is_item(&name)) {
                        fields.children.push(child_of(&start, name));
                    }
                } else if let Some((_, _, nested)) = current.as_mut() {
                    *nested = true;
                }
            }
            Event::End(_) => {
                if depth == 2 {
                    if let Some((mut child, content_start, nested)) = current.take() {
                        if nested {
                            child.value = element[content_start..before].trim().to_string();
                        }
                        fields.children.push(child);
                    }
                    skipping = false;
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(text) if depth >= 2 && !skipping => {
                if let Some((child, _, _)) = current.as_mut() {
                    child.value.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) if depth >= 2 && !skipping => {
                if let Some((child, _, _)) = current.as_mut() {
                    child.value.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(r) if depth >= 2 && !skipping => {
                if let Some((child, _, _)) = current.as_mut() {
                    push_reference(&mut child.value, &r);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    fields
}

fn child_of(start: &BytesStart<'_>, name: String) -> Child {
    let attributes = start
        .attributes()
        .flatten()
        .map(|attribute| {
            let key = local(attribute.key.as_ref()).to_string();
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| attribute.value.to_string());
            (key, value)
        })
        .collect();
    Child {
        name,
        attributes,
        value: String::new(),
    }
}

fn push_reference(out: &mut String, r: &quick_xml::events::BytesRef<'_>) {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        out.push(c);
        return;
    }
    match &**r {
        "amp" => out.push('&'),
        "lt" => out.push('<'),
        "gt" => out.push('>'),
        "quot" => out.push('"'),
        "apos" => out.push('\''),
        other => {
            out.push('&');
            out.push_str(other);
            out.push(';');
        }
    }
}

/// Item children that carry the publication date, best first: the first date an item was
/// published beats when it was last updated.
pub const DATE_FIELDS: [&str; 7] = [
    "pubDate",
    "published",
    "issued",
    "date",
    "created",
    "updated",
    "modified",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_items_and_channel() {
        let text = "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>T</title>\n<item><title>a</title></item>\n<item/></channel></rss>";
        let scan = scan(text).unwrap();
        assert_eq!(scan.root, "rss");
        assert_eq!(scan.items.len(), 2);
        assert_eq!(
            &text[scan.items[0].clone()],
            "<item><title>a</title></item>"
        );
        assert_eq!(&text[scan.items[1].clone()], "<item/>");
        assert!(text[scan.channel].starts_with("<channel>"));
    }

    #[test]
    fn truncated_and_unbalanced_are_errors() {
        let truncated = scan("<rss><channel><item><title>a</title>").unwrap_err();
        assert!(truncated.reason.contains("truncated"), "{truncated:?}");
        assert!(scan("<rss><channel></rss>").is_err());
        assert!(scan("<rss><a>x &bar=2</a></rss>").is_err());
        assert!(scan("<rss><a>&nbsp;</a></rss>").is_err());
        assert!(scan("<rss><a>&#8217; &amp;</a></rss>").is_ok());
    }

    #[test]
    fn reads_child_fields() {
        let item = "<item><title>A &amp; B</title><link>http://x/</link><content:encoded><![CDATA[<p>hi</p>]]></content:encoded><dc:creator>Me</dc:creator><category term=\"t\"/></item>";
        let fields = fields(item, false);
        assert_eq!(fields.first(&["title"]), Some("A & B"));
        assert_eq!(fields.first(&["encoded"]), Some("<p>hi</p>"));
        assert_eq!(fields.first(&["creator"]), Some("Me"));
        assert_eq!(
            fields.all("category").next().unwrap().attribute("term"),
            Some("t")
        );
    }
}
