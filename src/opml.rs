//! OPML subscription lists, read and written: `newsdb feeds import FILE` and `feeds export`.
//!
//! Reading is pure (bytes in, subscriptions or a located error out) and bounded: a file over
//! [`MAX_OPML_BYTES`] is refused before parsing, outlines nest at most [`MAX_DEPTH`] deep, and no
//! entity is ever expanded beyond XML's five and character references (quick-xml resolves no
//! DTD; a DOCTYPE is skipped, so an external or custom entity is an error on its outline, never
//! a fetch or a blow-up).
//!
//! What real files from feed readers hold, and how it is read:
//! - a feed is an `<outline>` with an `xmlUrl` (any case: `xmlurl` too), with `title` or `text`
//!   as its name, `htmlUrl` as its site; `type="rss"`/`"atom"` or none at all are all feeds;
//! - an `<outline>` without `xmlUrl` is a folder; nested folders make a path joined by "/"
//!   ("News/Tech"); a feed outside any folder but with an OPML 2.0 `category` attribute
//!   ("/News/Tech,/Other") takes the first category as its folder;
//! - a URL given twice keeps its first outline; an `xmlUrl` that is not http(s) is rejected with
//!   its line, and the other outlines are still read.

use std::fmt::Write as _;

use quick_xml::Reader;
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesStart, Event};

use crate::fetch::feed_url;
use crate::import::charset;

/// The largest OPML file read: subscription lists of thousands of feeds are well under 1 MiB.
pub const MAX_OPML_BYTES: usize = 8 << 20;

/// The deepest nesting of outlines read.
pub const MAX_DEPTH: usize = 32;

/// One subscription of an OPML file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subscription {
    /// The feed URL, canonical as `feeds add` stores it.
    pub url: String,
    pub title: Option<String>,
    /// Folder path, "News/Tech"; None at the top level.
    pub folder: Option<String>,
    pub html_url: Option<String>,
}

/// What an OPML file holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Opml {
    pub title: Option<String>,
    pub subscriptions: Vec<Subscription>,
    /// Outlines that could not be read, each with its line.
    pub rejects: Vec<OpmlError>,
}

/// Why a file, or one outline of it, could not be read; `line` counts from 1.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{reason}", line.map(|line| format!("{line}: ")).unwrap_or_default())]
pub struct OpmlError {
    pub line: Option<u64>,
    pub reason: String,
}

impl OpmlError {
    fn at(text: &str, position: u64, reason: impl Into<String>) -> OpmlError {
        OpmlError {
            line: Some(line_of(text, position)),
            reason: reason.into(),
        }
    }
}

/// The line (from 1) of byte `position` in `text`.
fn line_of(text: &str, position: u64) -> u64 {
    let end = (position as usize).min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&byte| byte == b'\n')
        .count() as u64
        + 1
}

/// Reads an OPML file: every feed outline with its folder path (see the module notes).
pub fn parse(bytes: &[u8]) -> Result<Opml, OpmlError> {
    if bytes.len() > MAX_OPML_BYTES {
        return Err(OpmlError {
            line: None,
            reason: format!(
                "larger than {} MiB: not a subscription list",
                MAX_OPML_BYTES >> 20
            ),
        });
    }
    let decoded = charset::decode(bytes, None);
    let text = decoded.text.trim_start_matches('\u{feff}');
    let mut reader = Reader::from_str(text);
    let mut opml = Opml::default();
    // One entry per open element: for an outline, Some(folder name) when it is a folder.
    let mut open: Vec<Open> = Vec::new();
    let mut seen_root = false;
    let mut in_head_title = false;
    let mut head_title = String::new();
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event().map_err(|error| {
            OpmlError::at(
                text,
                reader.error_position(),
                format!("not well-formed XML: {error}"),
            )
        })?;
        match event {
            Event::Start(element) | Event::Empty(element)
                if !seen_root && !matches!(element.local_name().as_ref(), "opml") =>
            {
                let name = element.local_name().as_ref().to_owned();
                return Err(OpmlError::at(
                    text,
                    position,
                    format!("not an OPML file: the root element is <{name}>, not <opml>"),
                ));
            }
            Event::Start(element) => {
                seen_root = true;
                let entry = match element.local_name().as_ref() {
                    "outline" => {
                        if open.len() >= MAX_DEPTH {
                            return Err(OpmlError::at(
                                text,
                                position,
                                format!("outlines nested more than {MAX_DEPTH} deep"),
                            ));
                        }
                        read_outline(&element, text, position, &open, &mut opml)
                    }
                    "title" if open.last() == Some(&Open::Head) => {
                        in_head_title = true;
                        Open::Other
                    }
                    "head" => Open::Head,
                    _ => Open::Other,
                };
                open.push(entry);
            }
            Event::Empty(element) => {
                seen_root = true;
                if element.local_name().as_ref() == "outline" {
                    read_outline(&element, text, position, &open, &mut opml);
                }
            }
            Event::End(_) => {
                in_head_title = false;
                open.pop();
            }
            Event::Text(content) if in_head_title => {
                head_title.push_str(&content.xml_content(quick_xml::XmlVersion::Implicit1_0));
            }
            Event::CData(content) if in_head_title => {
                head_title.push_str(&content.xml_content(quick_xml::XmlVersion::Implicit1_0));
            }
            Event::GeneralRef(reference) if in_head_title => {
                // XML's five and character references only: nothing a DOCTYPE declares.
                match reference.resolve_char_ref() {
                    Ok(Some(ch)) => head_title.push(ch),
                    _ => head_title.push_str(resolve_xml_entity(reference.as_ref()).unwrap_or("")),
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_root {
        return Err(OpmlError {
            line: Some(1),
            reason: "not an OPML file: no <opml> element".into(),
        });
    }
    let head_title = collapse(&head_title);
    opml.title = (!head_title.is_empty()).then_some(head_title);
    let mut seen = std::collections::HashSet::new();
    opml.subscriptions
        .retain(|subscription| seen.insert(subscription.url.clone()));
    Ok(opml)
}

/// An open element, as far as folders are concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Open {
    /// An outline that is a folder, with its name ("" when it has none).
    Folder(String),
    /// A feed outline (its children, if any, are read as if at its parent's level).
    Feed,
    Head,
    Other,
}

/// Reads one `<outline>`: a feed goes to `opml` (or its rejects), a folder is returned.
fn read_outline(
    element: &BytesStart<'_>,
    text: &str,
    position: u64,
    open: &[Open],
    opml: &mut Opml,
) -> Open {
    let mut xml_url = None;
    let mut html_url = None;
    let mut title = None;
    let mut label = None;
    let mut category = None;
    for attribute in element.attributes().with_checks(false) {
        let attribute = match attribute {
            Ok(attribute) => attribute,
            Err(error) => {
                opml.rejects
                    .push(OpmlError::at(text, position, format!("outline: {error}")));
                return Open::Feed;
            }
        };
        let value = match attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
            Ok(value) => value.into_owned(),
            Err(error) => {
                // An entity a DOCTYPE declares is never expanded.
                opml.rejects
                    .push(OpmlError::at(text, position, format!("outline: {error}")));
                return Open::Feed;
            }
        };
        let key = attribute.key.local_name().as_ref().to_lowercase();
        let slot = match key.as_str() {
            "xmlurl" => &mut xml_url,
            "htmlurl" => &mut html_url,
            "title" => &mut title,
            "text" => &mut label,
            "category" => &mut category,
            _ => continue,
        };
        *slot = Some(value);
    }
    let name = title
        .or(label)
        .map(|name| collapse(&name))
        .filter(|name| !name.is_empty());
    let Some(raw_url) = xml_url.map(|url| url.trim().to_owned()) else {
        return Open::Folder(name.unwrap_or_default());
    };
    let Some(url) = feed_url(&raw_url) else {
        opml.rejects.push(OpmlError::at(
            text,
            position,
            format!("outline xmlUrl is not an http or https URL: {raw_url:?}"),
        ));
        return Open::Feed;
    };
    let folders: Vec<&str> = open
        .iter()
        .filter_map(|entry| match entry {
            Open::Folder(name) if !name.is_empty() => Some(folder_segment(name)),
            _ => None,
        })
        .collect();
    let folder = if folders.is_empty() {
        category.as_deref().and_then(first_category)
    } else {
        Some(folders.join("/"))
    };
    opml.subscriptions.push(Subscription {
        url,
        title: name,
        folder,
        html_url: html_url
            .map(|url| url.trim().to_owned())
            .filter(|url| !url.is_empty()),
    });
    Open::Feed
}

/// A folder name as one segment of a path: a "/" inside it would read as nesting on the way back.
fn folder_segment(name: &str) -> &str {
    name.trim_matches('/')
}

/// The first category of an OPML 2.0 `category` attribute ("/News/Tech,/Other" -> "News/Tech").
fn first_category(category: &str) -> Option<String> {
    let first = category.split(',').next()?;
    let path: Vec<&str> = first
        .split('/')
        .map(str::trim)
        .filter(|segment| !segment.is_empty())
        .collect();
    (!path.is_empty()).then(|| path.join("/"))
}

/// Whitespace runs to one space, trimmed.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Writes an OPML 2.0 document: `head` with `title` and `dateCreated` (RFC 822), then the
/// subscriptions at the top level first, then each folder (nested by its path) in name order.
pub fn write(subscriptions: &[Subscription], title: &str, created: &str) -> String {
    let mut sorted: Vec<&Subscription> = subscriptions.iter().collect();
    // Stable: the order within one folder is the caller's.
    sorted.sort_by_key(|subscription| folder_path(subscription));
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n");
    let _ = writeln!(out, "  <head>\n    <title>{}</title>", escape(title));
    let _ = writeln!(
        out,
        "    <dateCreated>{}</dateCreated>\n  </head>\n  <body>",
        escape(created)
    );
    let mut open: Vec<String> = Vec::new();
    for subscription in sorted {
        let path = folder_path(subscription);
        let common = open
            .iter()
            .zip(&path)
            .take_while(|(open, wanted)| open == wanted)
            .count();
        while open.len() > common {
            open.pop();
            let _ = writeln!(out, "{}</outline>", indent(open.len()));
        }
        for segment in &path[common..] {
            let _ = writeln!(
                out,
                "{}<outline text=\"{name}\" title=\"{name}\">",
                indent(open.len()),
                name = escape(segment)
            );
            open.push(segment.clone());
        }
        let name = subscription.title.as_deref().unwrap_or(&subscription.url);
        let _ = write!(
            out,
            "{}<outline type=\"rss\" text=\"{name}\" title=\"{name}\" xmlUrl=\"{}\"",
            indent(open.len()),
            escape(&subscription.url),
            name = escape(name),
        );
        if let Some(html_url) = &subscription.html_url {
            let _ = write!(out, " htmlUrl=\"{}\"", escape(html_url));
        }
        out.push_str("/>\n");
    }
    while !open.is_empty() {
        open.pop();
        let _ = writeln!(out, "{}</outline>", indent(open.len()));
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

fn folder_path(subscription: &Subscription) -> Vec<String> {
    subscription
        .folder
        .as_deref()
        .unwrap_or("")
        .split('/')
        .map(str::trim)
        .filter(|segment| !segment.is_empty())
        .map(str::to_owned)
        .collect()
}

fn indent(depth: usize) -> String {
    "  ".repeat(depth + 2)
}

/// Attribute and text escaping; newlines and tabs as references so attributes keep them.
fn escape(text: &str) -> String {
    quick_xml::escape::escape(text)
        .replace('\n', "&#10;")
        .replace('\t', "&#9;")
}

#[cfg(test)]
mod tests {
    use super::*;

    const READER_EXPORT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>My  feeds</title></head>
  <body>
    <outline text="Top" title="Top" type="rss" xmlUrl="https://top.example/feed" htmlUrl="https://top.example/"/>
    <outline text="News">
      <outline text="Tech" title="Tech">
        <outline type="rss" text="Gadgets" xmlUrl="HTTPS://Gadgets.Example/rss#x"/>
      </outline>
      <outline type="rss" title="Harbour" text="ignored" xmlurl="http://harbour.example/atom.xml"/>
    </outline>
    <outline text="Bad" xmlUrl="ftp://old.example/feed"/>
    <outline text="Again" xmlUrl="https://top.example/feed"/>
    <outline text="Filed" category="/Sport/Sailing,/Other" xmlUrl="https://sail.example/feed"/>
  </body>
</opml>
"#;

    #[test]
    fn nested_outlines_become_folder_paths() {
        let opml = parse(READER_EXPORT.as_bytes()).unwrap();
        assert_eq!(opml.title.as_deref(), Some("My feeds"));
        let got: Vec<(&str, Option<&str>, Option<&str>)> = opml
            .subscriptions
            .iter()
            .map(|s| (s.url.as_str(), s.title.as_deref(), s.folder.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("https://top.example/feed", Some("Top"), None),
                (
                    "https://gadgets.example/rss",
                    Some("Gadgets"),
                    Some("News/Tech")
                ),
                (
                    "http://harbour.example/atom.xml",
                    Some("Harbour"),
                    Some("News")
                ),
                (
                    "https://sail.example/feed",
                    Some("Filed"),
                    Some("Sport/Sailing")
                ),
            ]
        );
        assert_eq!(
            opml.subscriptions[0].html_url.as_deref(),
            Some("https://top.example/")
        );
        assert_eq!(opml.rejects.len(), 1);
        assert_eq!(opml.rejects[0].line, Some(12));
        assert!(opml.rejects[0].reason.contains("ftp://old.example/feed"));
    }

    #[test]
    fn what_is_written_reads_back_the_same() {
        let opml = parse(READER_EXPORT.as_bytes()).unwrap();
        let written = write(
            &opml.subscriptions,
            "newsdb & co",
            "Fri, 04 Dec 2026 16:00:00 +0000",
        );
        assert!(
            written.contains("<title>newsdb &amp; co</title>"),
            "{written}"
        );
        assert!(written.contains("<dateCreated>Fri, 04 Dec 2026 16:00:00 +0000</dateCreated>"));
        let again = parse(written.as_bytes()).unwrap();
        assert!(again.rejects.is_empty());
        let mut expected = opml.subscriptions.clone();
        expected.sort_by_key(folder_path);
        assert_eq!(again.subscriptions, expected);
    }

    #[test]
    fn other_documents_and_damage_are_refused_with_a_line() {
        let error =
            parse(b"<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel/></rss>").unwrap_err();
        assert_eq!(error.line, Some(2));
        assert!(error.reason.contains("<rss>"), "{error}");
        let error = parse(b"<opml>\n<body>\n<outline text=\"a\">\n</body></opml>").unwrap_err();
        assert!(error.reason.contains("not well-formed"), "{error}");
        assert!(parse(b"").is_err());
        let huge = vec![b' '; MAX_OPML_BYTES + 1];
        assert!(parse(&huge).unwrap_err().reason.contains("larger than"));
    }

    #[test]
    fn declared_entities_are_never_expanded() {
        let file = br#"<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd"><!ENTITY y "https://evil.example/">]>
<opml version="2.0"><body>
<outline text="&x;" xmlUrl="&y;feed"/>
<outline text="Fine" xmlUrl="https://fine.example/feed"/>
</body></opml>"#;
        let opml = parse(file).unwrap();
        assert_eq!(opml.subscriptions.len(), 1);
        assert_eq!(opml.subscriptions[0].url, "https://fine.example/feed");
        assert_eq!(opml.rejects.len(), 1);
        assert_eq!(opml.rejects[0].line, Some(4));
    }

    #[test]
    fn nesting_is_bounded() {
        let mut file = String::from("<opml><body>");
        for _ in 0..MAX_DEPTH + 1 {
            file.push_str("<outline text=\"f\">");
        }
        let error = parse(file.as_bytes()).unwrap_err();
        assert!(error.reason.contains("nested"), "{error}");
    }
}
