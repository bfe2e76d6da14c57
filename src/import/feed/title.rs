//! The title a feed gives itself, for `feeds list`: a quick look at the channel's (Atom: the
//! feed's, JSON Feed: the top-level) `title`, stopping at the first item, so that polling does
//! not parse every feed twice. The items themselves are read by the feed parser.

use quick_xml::Reader;
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::Event;

use crate::import::charset;

/// The feed's own title, whitespace collapsed; None when it has none or is not a feed.
pub fn feed_title(bytes: &[u8], http_content_type: Option<&str>) -> Option<String> {
    let decoded = charset::decode(bytes, http_content_type);
    let text = decoded.text.trim_start_matches('\u{feff}').trim_start();
    let title = if text.starts_with('{') {
        json_title(text)?
    } else {
        xml_title(text)?
    };
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    (!title.is_empty()).then_some(title)
}

fn json_title(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Head {
        title: Option<String>,
    }
    serde_json::from_str::<Head>(text).ok()?.title
}

fn xml_title(text: &str) -> Option<String> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut title: Option<String> = None;
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_owned();
                if matches!(name.as_str(), "item" | "entry") {
                    return None;
                }
                let parent = stack.last().map(String::as_str);
                let is_feed_title = name == "title"
                    && (parent == Some("channel") || (parent == Some("feed") && stack.len() == 1));
                if is_feed_title {
                    title = Some(String::new());
                }
                stack.push(name);
            }
            Event::End(_) => {
                if title.is_some() {
                    return title;
                }
                stack.pop();
            }
            Event::Text(text) => {
                if let Some(title) = &mut title {
                    title.push_str(&text.xml_content(quick_xml::XmlVersion::Implicit1_0));
                }
            }
            Event::CData(data) => {
                if let Some(title) = &mut title {
                    title.push_str(&data.xml_content(quick_xml::XmlVersion::Implicit1_0));
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(title) = &mut title {
                    if let Ok(Some(ch)) = reference.resolve_char_ref() {
                        title.push(ch);
                    } else {
                        title.push_str(resolve_xml_entity(reference.as_ref()).unwrap_or(""));
                    }
                }
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::feed_title;

    #[test]
    fn rss_atom_and_json_titles() {
        let rss = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><image><title>Logo</title></image>\
                    <title>Harbour &amp; Hill\n  Gazette</title><item><title>An item</title></item></channel></rss>";
        assert_eq!(
            feed_title(rss, None).as_deref(),
            Some("Harbour & Hill Gazette")
        );
        let atom = b"<feed xmlns=\"http://www.w3.org/2005/Atom\"><title><![CDATA[Valley Notes]]></title></feed>";
        assert_eq!(feed_title(atom, None).as_deref(), Some("Valley Notes"));
        let json =
            br#"{"version": "https://jsonfeed.org/version/1.1", "title": "Wire", "items": []}"#;
        assert_eq!(feed_title(json, None).as_deref(), Some("Wire"));
    }

    #[test]
    fn no_title_before_the_items_is_none() {
        let rss =
            b"<rss><channel><item><title>An item</title></item><title>Late</title></channel></rss>";
        assert_eq!(feed_title(rss, None), None);
        assert_eq!(feed_title(b"garbage", None), None);
    }
}
