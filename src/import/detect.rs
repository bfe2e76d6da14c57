//! Format sniffing: which parser should read these bytes.
//!
//! Content decides; the file extension only breaks ties, because files are often misnamed (a feed
//! saved as `.xml` or `.txt`, a dump called `.json` that is really JSON Lines). Detection looks at
//! a prefix only (the caller may pass just the first 64 KiB), so nothing here needs a complete
//! document. Errors are short reasons without a location; the caller adds `PATH: `.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::import::charset;
use crate::item::Format;

const EMPTY: &str = "empty file";
const BINARY: &str = "binary file";
const UNKNOWN: &str = "cannot detect the format (use --format)";

/// How much of the input the binary and text checks look at.
const SAMPLE_BYTES: usize = 8 * 1024;

/// Root elements of a saved web page (or a fragment of one).
const HTML_ROOTS: &[&str] = &[
    "html", "head", "body", "meta", "title", "link", "script", "style", "article", "main", "div",
    "section", "header",
];
/// Root elements of RSS 0.9x/1.0/2.0 and Atom.
const FEED_ROOTS: &[&str] = &["rss", "rdf:rdf", "rdf", "feed", "atom:feed", "channel"];

/// Detect the format of `bytes` (a whole input or its first bytes). `path`, when known, is used
/// only where the content is ambiguous.
pub fn detect(bytes: &[u8], path: Option<&Path>) -> Result<Format, String> {
    let extension = path
        .and_then(Path::extension)
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase);
    let extension = extension.as_deref().unwrap_or("");

    // UTF-16 and UTF-32 are full of NUL bytes: judge the decoded text instead, before calling
    // them binary. A prefix may end inside a character; that only costs one replacement.
    let content: Cow<[u8]> = match charset::sniff_wide(bytes) {
        Some((wide, bom_length)) => {
            let mut text = String::new();
            charset::WideDecoder::new(wide).decode(&bytes[bom_length..], true, &mut text);
            Cow::Owned(text.into_bytes())
        }
        None => Cow::Borrowed(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)),
    };
    let Some(start) = content.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Err(EMPTY.to_owned());
    };
    if looks_binary(&content) {
        return Err(BINARY.to_owned());
    }
    let content = &content[start..];
    match content[0] {
        b'<' => detect_markup(content, extension),
        b'{' | b'[' => Ok(detect_json(content, extension)),
        _ => detect_text(content, extension),
    }
}

/// NUL bytes, or more than 1 in 32 bytes being control characters other than whitespace.
fn looks_binary(content: &[u8]) -> bool {
    if content.contains(&0) {
        return true;
    }
    let sample = &content[..content.len().min(SAMPLE_BYTES)];
    let controls = sample
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)) || b == 0x7f)
        .count();
    controls * 32 > sample.len()
}

/// XML or HTML: skip the prolog (XML declaration, processing instructions, comments, doctype)
/// and look at the root element.
fn detect_markup(content: &[u8], extension: &str) -> Result<Format, String> {
    let rest = match skip_prolog(content) {
        Prolog::HtmlDoctype => return Ok(Format::Html),
        Prolog::RunsPast => return by_extension(extension),
        Prolog::Root(rest) => rest,
    };
    if let Some(name) = root_name(rest) {
        if FEED_ROOTS.contains(&name.as_str()) {
            return Ok(Format::Feed);
        }
        if HTML_ROOTS.contains(&name.as_str()) {
            return Ok(Format::Html);
        }
    }
    by_extension(extension)
}

/// Where markup's prolog ends.
enum Prolog<'a> {
    /// `<!DOCTYPE html>`.
    HtmlDoctype,
    /// The prolog runs past the sample: nothing to see from content.
    RunsPast,
    /// The rest, from the root element (or whatever follows the prolog).
    Root(&'a [u8]),
}

/// Skips the XML declaration, processing instructions, comments and doctype.
fn skip_prolog(content: &[u8]) -> Prolog<'_> {
    let mut rest = content;
    loop {
        rest = trim_start(rest);
        let skip_to = if rest.starts_with(b"<?") {
            find(rest, b"?>").map(|end| end + 2)
        } else if rest.starts_with(b"<!--") {
            find(rest, b"-->").map(|end| end + 3)
        } else if starts_with_ignore_case(rest, b"<!doctype") {
            if starts_with_ignore_case(trim_start(&rest[b"<!doctype".len()..]), b"html") {
                return Prolog::HtmlDoctype;
            }
            // An internal subset (`<!DOCTYPE rss [ ... ]>`) may contain `>` itself.
            let end_of_subset = match (find(rest, b"["), find(rest, b">")) {
                (Some(open), Some(close)) if open < close => find(rest, b"]").unwrap_or(0),
                _ => 0,
            };
            find(&rest[end_of_subset..], b">").map(|end| end_of_subset + end + 1)
        } else {
            break;
        };
        match skip_to {
            Some(end) => rest = &rest[end..],
            None => return Prolog::RunsPast,
        }
    }
    Prolog::Root(rest)
}

/// The lowercase name of the element `rest` starts with.
fn root_name(rest: &[u8]) -> Option<String> {
    let tag = rest.strip_prefix(b"<")?;
    let name_length = tag
        .iter()
        .position(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'/')
        .unwrap_or(tag.len());
    Some(String::from_utf8_lossy(&tag[..name_length]).to_ascii_lowercase())
}

/// Elements a saved page starts with; a `<div>` or `<article>` first is an extract of one.
const PAGE_ROOTS: &[&str] = &[
    "html", "head", "body", "title", "meta", "link", "script", "style", "base",
];

/// Whether HTML (its first bytes, UTF-8) is a whole page, not a fragment such as an article
/// body extracted by another tool (Readability's `expected.html`): a doctype or a page element
/// first. A fragment found in a folder is left out; named on the command line it is read.
pub fn is_html_page(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    match skip_prolog(trim_start(head)) {
        Prolog::HtmlDoctype | Prolog::RunsPast => true,
        Prolog::Root(rest) => {
            root_name(rest).is_some_and(|name| PAGE_ROOTS.contains(&name.as_str()))
        }
    }
}

/// The extension's say, for markup and text the content alone could not place.
fn by_extension(extension: &str) -> Result<Format, String> {
    match extension {
        "html" | "htm" | "xhtml" | "shtml" => Ok(Format::Html),
        "rss" | "atom" | "rdf" => Ok(Format::Feed),
        "txt" | "text" => Ok(Format::Text),
        _ => Err(UNKNOWN.to_owned()),
    }
}

/// A JSON Feed, JSON Lines, or plain JSON (one object or an array).
fn detect_json(content: &[u8], extension: &str) -> Format {
    if content[0] == b'{' {
        if is_json_feed(content) {
            return Format::Feed;
        }
        if matches!(extension, "jsonl" | "ndjson") {
            return Format::JsonLines;
        }
    }
    // JSON Lines: a complete value on the first line and another object starting the next
    // non-blank line. A pretty-printed object fails the first test, so it stays JSON.
    let (first_line, rest) = split_line(content);
    let next_line = rest
        .split(|&b| b == b'\n')
        .map(trim_start)
        .find(|line| !line.is_empty());
    let complete_first_line = serde_json::from_slice::<IgnoredAny>(first_line).is_ok();
    match next_line {
        Some(next) if complete_first_line && next.starts_with(b"{") => Format::JsonLines,
        _ => Format::Json,
    }
}

/// A top-level `"version"` string naming the JSON Feed spec. Reads only as far as that key, so a
/// truncated document still counts.
fn is_json_feed(content: &[u8]) -> bool {
    let mut version = None;
    // The document may be cut short; any error after the probe has seen the key is irrelevant.
    let _ = serde_json::Deserializer::from_slice(content).deserialize_map(VersionProbe {
        version: &mut version,
    });
    version.is_some_and(|version: String| {
        version.starts_with("https://jsonfeed.org/version/")
            || version.starts_with("http://jsonfeed.org/version/")
    })
}

struct VersionProbe<'a> {
    version: &'a mut Option<String>,
}

impl<'de> Visitor<'de> for VersionProbe<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<str>>()? {
            if key == "version" {
                *self.version = map.next_value::<Option<String>>().ok().flatten();
                // Stop here; serde then complains that the object is unfinished, which is fine.
                return Err(de::Error::custom("probe done"));
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

/// Plain text: printable, with at least one line that reads like words.
fn detect_text(content: &[u8], extension: &str) -> Result<Format, String> {
    let sample = &content[..content.len().min(SAMPLE_BYTES)];
    let decoded = charset::decode(sample, None);
    let text: &str = &decoded.text;
    let has_prose_line = text.lines().any(|line| {
        let letters = line.chars().filter(|c| c.is_alphabetic()).count();
        let visible = line.chars().filter(|c| !c.is_whitespace()).count();
        letters >= 3 && letters * 2 >= visible
    });
    let is_html_extension = matches!(extension, "html" | "htm" | "xhtml");
    if is_html_extension && find(sample, b"</").is_some() {
        // A page fragment that starts with text, saved as HTML.
        return Ok(Format::Html);
    }
    if has_prose_line {
        return Ok(Format::Text);
    }
    match by_extension(extension) {
        Ok(Format::Text) => Ok(Format::Text),
        _ => Err(UNKNOWN.to_owned()),
    }
}

fn split_line(content: &[u8]) -> (&[u8], &[u8]) {
    match content.iter().position(|&b| b == b'\n') {
        Some(end) => (&content[..end], &content[end + 1..]),
        None => (content, &[]),
    }
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

fn starts_with_ignore_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.len() >= prefix.len() && bytes[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(bytes: &[u8]) -> Result<Format, String> {
        detect(bytes, None)
    }

    fn sniff_named(bytes: &[u8], name: &str) -> Result<Format, String> {
        detect(bytes, Some(Path::new(name)))
    }

    #[test]
    fn empty_and_whitespace_only() {
        assert_eq!(sniff(b"").unwrap_err(), "empty file");
        assert_eq!(sniff(b" \n\t\r\n").unwrap_err(), "empty file");
        assert_eq!(sniff(b"\xef\xbb\xbf\n").unwrap_err(), "empty file");
    }

    #[test]
    fn binary_content() {
        assert_eq!(sniff(b"hello\0world").unwrap_err(), "binary file");
        // A gzip stream that was not decompressed first.
        assert_eq!(
            sniff(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03").unwrap_err(),
            "binary file"
        );
        let controls: Vec<u8> = (0..400u32)
            .map(|i| if i % 10 == 0 { 0x01 } else { b'a' })
            .collect();
        assert_eq!(sniff(&controls).unwrap_err(), "binary file");
        // UTF-16 without a BOM is told from binary by its NUL pattern (see charset::sniff_wide).
        let utf16: Vec<u8> = "A title\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(sniff(&utf16), Ok(Format::Text));
        let utf32: Vec<u8> = "<rss version=\"2.0\">"
            .chars()
            .flat_map(|c| u32::from(c).to_be_bytes())
            .collect();
        assert_eq!(sniff(&utf32), Ok(Format::Feed));
    }

    #[test]
    fn plain_text_including_the_seed_shape() {
        let seed = "Kim Jong Un reportedly en route to Russia\n\nEstimated read time 4 min read\n\nA | a-+=\n";
        assert_eq!(sniff(seed.as_bytes()), Ok(Format::Text));
        assert_eq!(sniff(b"Caf\xe9 owners\n"), Ok(Format::Text));
        // Named anything: content wins.
        assert_eq!(sniff_named(seed.as_bytes(), "a.json"), Ok(Format::Text));
    }

    #[test]
    fn the_seed_is_text() {
        let path = "/work/shared/seeds/000_49c2ab0e28656829.txt";
        let Ok(bytes) = std::fs::read(path) else {
            println!("skipped: seed {path} not found");
            return;
        };
        assert_eq!(detect(&bytes, Some(Path::new(path))), Ok(Format::Text));
    }

    #[test]
    fn utf16_text_with_a_bom() {
        for (bom, encode) in [
            (&b"\xff\xfe"[..], u16::to_le_bytes as fn(u16) -> [u8; 2]),
            (&b"\xfe\xff"[..], u16::to_be_bytes),
        ] {
            let bytes: Vec<u8> = bom
                .iter()
                .copied()
                .chain("Titre\n\nCorps du texte.".encode_utf16().flat_map(encode))
                .collect();
            assert_eq!(sniff(&bytes), Ok(Format::Text));
        }
        let json: Vec<u8> = b"\xff\xfe"
            .iter()
            .copied()
            .chain(
                "[{\"title\": \"x\"}]"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        assert_eq!(sniff(&json), Ok(Format::Json));
    }

    #[test]
    fn text_without_words_needs_a_text_extension() {
        assert_eq!(
            sniff(b"12 34 56\n-- ==\n").unwrap_err(),
            "cannot detect the format (use --format)"
        );
        assert_eq!(sniff_named(b"12 34 56\n", "numbers.txt"), Ok(Format::Text));
    }

    #[test]
    fn json_array_and_objects() {
        assert_eq!(
            sniff(b"[{\"title\": \"a\"}, {\"title\": \"b\"}]"),
            Ok(Format::Json)
        );
        assert_eq!(
            sniff(b"\n  [\n  {\"title\": \"a\"},\n  {\"title\": \"b\"}\n]"),
            Ok(Format::Json)
        );
        assert_eq!(sniff(b"{\"title\": \"a\"}\n"), Ok(Format::Json));
    }

    #[test]
    fn pretty_printed_object_stays_json() {
        let pretty = b"{\n  \"title\": \"a\",\n  \"nested\": {\n    \"x\": 1\n  }\n}\n";
        assert_eq!(sniff(pretty), Ok(Format::Json));
        // Even cut off in the middle, as a 64 KiB prefix would be.
        assert_eq!(sniff(&pretty[..20]), Ok(Format::Json));
    }

    #[test]
    fn json_lines() {
        let lines = b"{\"title\": \"a\"}\r\n\r\n{\"title\": \"b\"}\n{\"title\": \"c";
        assert_eq!(sniff(lines), Ok(Format::JsonLines));
        assert_eq!(sniff_named(lines, "dump.json"), Ok(Format::JsonLines));
        // One record alone is JSON, unless the name says JSON Lines.
        assert_eq!(sniff(b"{\"title\": \"a\"}"), Ok(Format::Json));
        assert_eq!(
            sniff_named(b"{\"title\": \"a\"}", "x.jsonl"),
            Ok(Format::JsonLines)
        );
        assert_eq!(
            sniff_named(b"{\n \"title\": 1\n}", "x.NDJSON"),
            Ok(Format::JsonLines)
        );
        // The extension does not turn an array into JSON Lines.
        assert_eq!(sniff_named(b"[{\"a\": 1}]", "x.jsonl"), Ok(Format::Json));
    }

    #[test]
    fn json_feed() {
        let feed =
            br#"{"version": "https://jsonfeed.org/version/1.1", "title": "Blog", "items": []}"#;
        assert_eq!(sniff(feed), Ok(Format::Feed));
        let old = b"{\n  \"title\": \"Blog\",\n  \"version\": \"http://jsonfeed.org/version/1\",\n  \"items\": [";
        assert_eq!(sniff(old), Ok(Format::Feed));
        // "version" nested inside another object is not the feed's.
        let nested = br#"{"meta": {"version": "https://jsonfeed.org/version/1"}, "title": "x"}"#;
        assert_eq!(sniff(nested), Ok(Format::Json));
        let other_version = br#"{"version": "2", "title": "x"}"#;
        assert_eq!(sniff(other_version), Ok(Format::Json));
    }

    #[test]
    fn rss_and_rdf_feeds() {
        let rss = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- generator -->\n<rss version=\"2.0\"><channel>";
        assert_eq!(sniff(rss), Ok(Format::Feed));
        assert_eq!(sniff(b"<rss version=\"0.91\">"), Ok(Format::Feed));
        let rdf = b"<?xml version=\"1.0\"?>\n<?xml-stylesheet href=\"a.xsl\"?>\n<rdf:RDF xmlns:rdf=\"x\">";
        assert_eq!(sniff(rdf), Ok(Format::Feed));
        let doctype = b"<?xml version=\"1.0\"?>\n<!DOCTYPE rss PUBLIC \"-//Netscape\" \"x\" [ <!ENTITY a \"b\"> ]>\n<rss>";
        assert_eq!(sniff(doctype), Ok(Format::Feed));
        // Named .txt, still a feed.
        assert_eq!(sniff_named(rss, "feed.txt"), Ok(Format::Feed));
    }

    #[test]
    fn atom_feed() {
        let atom = b"\xef\xbb\xbf<?xml version='1.0' encoding='utf-8'?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">";
        assert_eq!(sniff(atom), Ok(Format::Feed));
        assert_eq!(
            sniff(b"<feed xmlns=\"http://www.w3.org/2005/Atom\">"),
            Ok(Format::Feed)
        );
    }

    #[test]
    fn html_pages() {
        assert_eq!(
            sniff(b"<!DOCTYPE html>\n<html lang=\"en\">"),
            Ok(Format::Html)
        );
        assert_eq!(
            sniff(b"<!doctype HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">"),
            Ok(Format::Html)
        );
        assert_eq!(
            sniff(b"<!-- saved from url=(0042)https://x -->\n<HTML><HEAD>"),
            Ok(Format::Html)
        );
        assert_eq!(sniff(b"  <head><meta charset=\"utf-8\">"), Ok(Format::Html));
        assert_eq!(sniff(b"<body><p>Hi</p>"), Ok(Format::Html));
        let xhtml = b"<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">";
        assert_eq!(sniff(xhtml), Ok(Format::Html));
    }

    #[test]
    fn unknown_markup_falls_back_to_the_extension() {
        let sitemap = b"<?xml version=\"1.0\"?>\n<urlset xmlns=\"x\">";
        assert_eq!(
            sniff(sitemap).unwrap_err(),
            "cannot detect the format (use --format)"
        );
        assert_eq!(sniff_named(b"<custom>", "page.HTML"), Ok(Format::Html));
        assert_eq!(sniff_named(b"<custom>", "news.rss"), Ok(Format::Feed));
        // A comment running past the sample.
        assert_eq!(sniff_named(b"<!-- very long", "page.htm"), Ok(Format::Html));
        assert!(sniff(b"<!-- very long").is_err());
    }

    #[test]
    fn pages_and_fragments() {
        assert!(is_html_page(b"<!DOCTYPE html>\n<html>"));
        assert!(is_html_page(b"\xef\xbb\xbf  <!-- saved -->\n<HTML><HEAD>"));
        assert!(is_html_page(b"<head><title>T</title>"));
        assert!(is_html_page(b"<meta charset=utf-8><p>x"));
        assert!(!is_html_page(
            b"<div id=\"readability-page-1\" class=\"page\">\n<p>Text</p>"
        ));
        assert!(!is_html_page(b"<article><h1>T</h1>"));
        assert!(!is_html_page(b"Breaking: <b>Kim</b> arrives"));
    }

    #[test]
    fn html_extension_breaks_the_tie_for_a_fragment_starting_with_text() {
        let fragment = b"Breaking: <b>Kim</b> arrives in Russia";
        assert_eq!(sniff(fragment), Ok(Format::Text));
        assert_eq!(sniff_named(fragment, "a.html"), Ok(Format::Html));
    }
}
