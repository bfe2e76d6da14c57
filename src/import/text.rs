//! Plain scraped text, one article per file: the first non-blank line is the title, the rest is
//! the body.
//!
//! The body is handed on as written (only leading blank lines dropped): boilerplate such as
//! "Estimated read time" and credit lines are the normaliser's business, so that every format is
//! cleaned by the same rules.

use crate::import::charset;
use crate::item::{Format, ImportError, Location, Markup, Parsed, RawItem};

/// A first line longer than this is a paragraph, not a headline: the text then has no title.
const MAX_TITLE_CHARS: usize = 200;

/// Parse one plain-text article. A charset fallback is reported as a warning before the item.
pub fn parse_text(bytes: &[u8], location: Location, emit: &mut dyn FnMut(Parsed)) {
    let decoded = charset::decode(bytes, None);
    if let Some(warning) = decoded.warning() {
        emit(Parsed::Warning(ImportError::new(location.clone(), warning)));
    }
    let text = skip_blank_lines(&decoded.text);
    if text.is_empty() {
        emit(Parsed::Rejected(ImportError::new(location, "empty file")));
        return;
    }
    let (first_line, rest) = text.split_once('\n').unwrap_or((text, ""));
    let first_line = first_line.trim();
    let rest = skip_blank_lines(rest);
    let (title, body) = if first_line.chars().count() > MAX_TITLE_CHARS {
        (None, Some(text.to_owned()))
    } else {
        let body = (!rest.trim().is_empty()).then(|| rest.to_owned());
        (Some(first_line.to_owned()), body)
    };
    emit(Parsed::Item(Box::new(RawItem {
        location,
        format: Some(Format::Text),
        raw: bytes.to_vec(),
        title,
        body,
        body_markup: Markup::Text,
        ..RawItem::default()
    })));
}

/// `text` from its first line that has something on it.
fn skip_blank_lines(text: &str) -> &str {
    let mut rest = text;
    while let Some((line, after)) = rest.split_once('\n') {
        if !line.trim().is_empty() {
            break;
        }
        rest = after;
    }
    if rest.trim().is_empty() { "" } else { rest }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Vec<Parsed> {
        let mut out = Vec::new();
        parse_text(bytes, Location::new("a.txt"), &mut |parsed| {
            out.push(parsed)
        });
        out
    }

    fn only_item(bytes: &[u8]) -> RawItem {
        match parse(bytes).as_slice() {
            [Parsed::Item(item)] => (**item).clone(),
            other => panic!("expected one item, got {other:?}"),
        }
    }

    #[test]
    fn first_non_blank_line_is_the_title_and_the_rest_the_body() {
        let input = b"\n  \n  Kim heads to Russia  \r\n\r\n\nEstimated read time 4 min read\n\nFirst paragraph.\n";
        let item = only_item(input);
        assert_eq!(item.title.as_deref(), Some("Kim heads to Russia"));
        assert_eq!(
            item.body.as_deref(),
            Some("Estimated read time 4 min read\n\nFirst paragraph.\n")
        );
        assert_eq!(item.body_markup, Markup::Text);
        assert_eq!(item.format, Some(Format::Text));
        assert_eq!(item.raw, input);
        assert_eq!(item.location, Location::new("a.txt"));
    }

    #[test]
    fn a_single_short_line_is_a_title_only() {
        let item = only_item(b"Just a headline\n\n  \n");
        assert_eq!(item.title.as_deref(), Some("Just a headline"));
        assert_eq!(item.body, None);
    }

    #[test]
    fn a_long_first_line_is_body_without_title() {
        let paragraph = "word ".repeat(60);
        let item = only_item(paragraph.as_bytes());
        assert_eq!(item.title, None);
        assert_eq!(item.body.as_deref(), Some(paragraph.as_str()));

        let two_paragraphs = format!("{paragraph}\n\nSecond paragraph.");
        let item = only_item(two_paragraphs.as_bytes());
        assert_eq!(item.title, None);
        assert_eq!(item.body.as_deref(), Some(two_paragraphs.as_str()));
    }

    #[test]
    fn empty_and_blank_files_are_rejected() {
        for input in [&b""[..], b"\n \r\n\t\n", b"\xef\xbb\xbf\n"] {
            match parse(input).as_slice() {
                [Parsed::Rejected(error)] => {
                    assert_eq!(error.to_string(), "a.txt: empty file");
                }
                other => panic!("expected a rejection, got {other:?}"),
            }
        }
    }

    #[test]
    fn windows_1252_text_gives_a_warning_then_the_item() {
        let parsed = parse(b"Caf\xe9 society\n\n\x93Quoted\x94 text.\n");
        assert_eq!(parsed.len(), 2);
        match &parsed[0] {
            Parsed::Warning(warning) => {
                assert_eq!(warning.location, Location::new("a.txt"));
                assert!(warning.reason.contains("windows-1252"), "{warning}");
            }
            other => panic!("expected a warning, got {other:?}"),
        }
        match &parsed[1] {
            Parsed::Item(item) => {
                assert_eq!(item.title.as_deref(), Some("Café society"));
                assert_eq!(item.body.as_deref(), Some("\u{201c}Quoted\u{201d} text.\n"));
                assert_eq!(item.raw, b"Caf\xe9 society\n\n\x93Quoted\x94 text.\n");
            }
            other => panic!("expected an item, got {other:?}"),
        }
    }

    #[test]
    fn windows_1252_fixture_with_crlf() {
        let bytes = include_bytes!("../../tests/fixtures/parsers/windows-1252.txt");
        let parsed = parse(bytes);
        assert!(matches!(&parsed[0], Parsed::Warning(_)));
        let Parsed::Item(item) = &parsed[1] else {
            panic!("expected an item, got {:?}", parsed[1]);
        };
        assert_eq!(
            item.title.as_deref(),
            Some("Café owners in Seoul brace for \u{201c}record\u{201d} tourist season")
        );
        assert!(
            item.body
                .as_deref()
                .unwrap()
                .starts_with("By Ji Da-gyum\r\n\r\nCafé")
        );
    }

    #[test]
    fn utf8_bom_and_utf16_text() {
        let item = only_item(b"\xef\xbb\xbfTitle\nBody");
        assert_eq!(item.title.as_deref(), Some("Title"));
        let utf16: Vec<u8> = b"\xff\xfe"
            .iter()
            .copied()
            .chain("Titre\n\nCorps".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let item = only_item(&utf16);
        assert_eq!(item.title.as_deref(), Some("Titre"));
        assert_eq!(item.body.as_deref(), Some("Corps"));
    }

    #[test]
    fn the_seed_gives_its_title_line_and_a_body() {
        let path = "/work/shared/seeds/000_49c2ab0e28656829.txt";
        let Ok(bytes) = std::fs::read(path) else {
            println!("skipped: seed {path} not found");
            return;
        };
        let item = only_item(&bytes);
        assert_eq!(
            item.title.as_deref(),
            Some(
                "Kim Jong Un reportedly en route to Russia for a summit expected on Tuesday or \
                 Wednesday, as reported by Seoul officials"
            )
        );
        let body = item.body.unwrap();
        assert!(body.starts_with("Estimated read time 4 min read"), "{body}");
        assert!(body.contains("Government sources have confirmed"));
        assert!(body.contains("did not provide details regarding these possible consequences."));
    }
}
