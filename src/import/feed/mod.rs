//! Feeds: RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed, bytes in, one [`RawItem`] per item out.
//!
//! feed-rs 3 does the reading, but it is never handed anything it handles badly:
//!
//! - gzip is inflated first; the charset is decoded here ([`charset::decode`]) and feed-rs only
//!   ever sees UTF-8, with the XML declaration rewritten to say so (it panics inside quick-xml on
//!   UTF-16 input whose declaration names another encoding, and reads undeclared Latin-1 as "no
//!   root element"). Each parse still runs under `catch_unwind`.
//! - A feed feed-rs rejects is retried once after the usual repairs ([`repair`]): text before the
//!   XML declaration, HTML named entities (`&nbsp;`), bare `&`, `<rss>` with no or an odd
//!   `version`, JSON Feed `"version": "1.0"`. If feed-rs still refuses it, a tolerant reading walks
//!   the `<item>`/`<entry>` elements (or the JSON `items`) directly.
//! - The tolerance rule: after repairs the document must be well-formed XML ([`xml::scan`]). A
//!   truncated or unbalanced document, or one with an `&name` that has no `;`, is rejected whole
//!   with the line and column of the damage, never half-imported.
//!
//! An RSS description (Atom or JSON Feed summary) is the item's `summary`, its content the `body`;
//! an item that is only a description is kept (see `normalize::hash` for how it is hashed). A title
//! or description that feed-rs does not see (Dublin Core or iTunes spelling, raw HTML elements in
//! a description) is read from the item's element ([`fill_from_extensions`]).
//!
//! Each item keeps its own bytes (the `<item>` element or the JSON object, as UTF-8), its line,
//! its GUID only when the feed gives one (feed-rs's made-up ids are switched off), and its date as
//! the raw string. Duplicate GUIDs inside one feed are all emitted: the store dedups by content.
//!
//! Size: feeds over [`MAX_FEED_TEXT`] of decoded text are rejected (feed-rs builds the whole feed
//! in memory, about 20 times its size); there is no streaming path.

mod json;
mod repair;
mod title;
mod xml;

pub use title::feed_title;

use std::borrow::Cow;
use std::io::Read;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};

use feed_rs::model::{Entry, Feed, FeedType, Link};
use serde_json::Value;

use crate::import::charset;
use crate::item::{Format, ImportError, Location, Markup, Parsed, RawItem};

/// The largest feed read, in bytes of UTF-8 text (and of inflated gzip).
pub const MAX_FEED_TEXT: usize = 16 * 1024 * 1024;

/// Parse one feed. Emits a `Warning` when the charset had to be guessed, one `Item` per entry,
/// and a `Rejected` (with line and column when known) when the feed cannot be read.
pub fn parse_feed(
    bytes: &[u8],
    location: Location,
    http_content_type: Option<&str>,
    emit: &mut dyn FnMut(Parsed),
) {
    let bytes = match inflate(bytes) {
        Ok(bytes) => bytes,
        Err(reason) => return emit(Parsed::Rejected(ImportError::new(location, reason))),
    };
    // UTF-16 can double the size when decoded; anything past this is over the limit either way.
    if bytes.len() > MAX_FEED_TEXT * 2 {
        return emit(too_large(location));
    }
    let decoded = charset::decode(&bytes, http_content_type);
    if let Some(warning) = decoded.warning() {
        emit(Parsed::Warning(ImportError::new(location.clone(), warning)));
    }
    let text = decoded.text.trim_start_matches('\u{feff}');
    if text.len() > MAX_FEED_TEXT {
        return emit(too_large(location));
    }
    match text.trim_start().chars().next() {
        Some('{') => read_json(text, &location, emit),
        Some(_) if text.contains('<') => read_xml(text, &location, emit),
        _ => emit(Parsed::Rejected(ImportError::new(
            location.at_line(1),
            "not a feed: neither XML nor JSON",
        ))),
    }
}

fn too_large(location: Location) -> Parsed {
    Parsed::Rejected(ImportError::new(
        location,
        format!(
            "feed larger than {} MiB; split it",
            MAX_FEED_TEXT / (1024 * 1024)
        ),
    ))
}

/// Inflate gzip (by its magic number), up to the size limit.
fn inflate(bytes: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(MAX_FEED_TEXT as u64 * 2 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("gzip data is corrupt: {e}"))?;
    Ok(Cow::Owned(out))
}

/// feed-rs, isolated: no made-up ids, and a panic is an error like any other.
fn feed_rs(text: &str) -> Result<Feed, String> {
    let parser = feed_rs::parser::Builder::new()
        .id_generator(|_, _, _| String::new())
        .build();
    match catch_unwind(AssertUnwindSafe(|| parser.parse(text.as_bytes()))) {
        Ok(Ok(feed)) => Ok(feed),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the feed parser crashed on this input".into()),
    }
}

/// 1-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (u64, u64) {
    let offset = text.floor_char_boundary(offset.min(text.len()));
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() as u64 + 1;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let column = before[line_start..].chars().count() as u64 + 1;
    (line, column)
}

/// The text items are cut from, with its line starts indexed once (a feed of thousands of items
/// would otherwise count newlines from the top for each one).
struct Source<'a> {
    text: &'a str,
    newlines: Vec<usize>,
    lines_removed: u64,
}

impl<'a> Source<'a> {
    fn new(text: &'a str, lines_removed: u64) -> Source<'a> {
        let newlines = text
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i)
            .collect();
        Source {
            text,
            newlines,
            lines_removed,
        }
    }

    /// 1-based line of a byte offset, in the input as given.
    fn line(&self, offset: usize) -> u64 {
        self.newlines.partition_point(|&n| n < offset) as u64 + 1 + self.lines_removed
    }
}

/// The text as feed-rs gets it: from the first non-blank character, declared as UTF-8.
fn prepare_xml(text: &str) -> (String, u64) {
    let start = text.len() - text.trim_start().len();
    let lines_removed = text[..start].bytes().filter(|&b| b == b'\n').count() as u64;
    let mut text = text[start..].to_string();
    if text.starts_with("<?xml")
        && let Some(end) = text.find("?>")
        && let Some(at) = text[..end].find("encoding")
    {
        let rest = &text[at + "encoding".len()..end];
        let quote_at = rest.find(['"', '\'']);
        if let Some(q) = quote_at {
            let quote = rest.as_bytes()[q] as char;
            if let Some(close) = rest[q + 1..].find(quote) {
                let from = at + "encoding".len() + q + 1;
                text.replace_range(from..from + close, "UTF-8");
            }
        }
    }
    (text, lines_removed)
}

fn read_xml(text: &str, location: &Location, emit: &mut dyn FnMut(Parsed)) {
    let (prepared, lines_removed) = prepare_xml(text);
    if repair::root_name(&prepared).is_some_and(is_html_element) {
        return emit(Parsed::Rejected(ImportError::new(
            location.at_line(1),
            "not a feed: an HTML page",
        )));
    }
    let first_error = match (feed_rs(&prepared), xml::scan(&prepared)) {
        (Ok(feed), Ok(scan)) => {
            return emit_read(feed, &prepared, &scan, lines_removed, location, emit);
        }
        (Ok(_), Err(damage)) => damage.reason,
        (Err(e), _) => e,
    };

    let repaired = repair::repair_xml(&prepared);
    let lines_removed = lines_removed + repaired.lines_removed;
    let text = repaired.text.as_str();
    let scan = match xml::scan(text) {
        Ok(scan) => scan,
        Err(damage) => {
            let (line, column) = line_column(text, damage.offset);
            return emit(Parsed::Rejected(ImportError::new(
                location.at_line(line + lines_removed).with_column(column),
                format!("not well-formed XML: {}", damage.reason),
            )));
        }
    };
    match feed_rs(text) {
        Ok(feed) => emit_read(feed, text, &scan, lines_removed, location, emit),
        Err(_)
            if matches!(
                scan.root.as_str(),
                "rss" | "RDF" | "feed" | "channel" | "entry"
            ) =>
        {
            tolerant_xml(text, &scan, lines_removed, location, emit)
        }
        Err(_) => emit(Parsed::Rejected(ImportError::new(
            location.at_line(1),
            format!("not a feed: root element <{}> ({first_error})", scan.root),
        ))),
    }
}

fn is_html_element(name: &str) -> bool {
    ["html", "head", "body"]
        .iter()
        .any(|html| name.eq_ignore_ascii_case(html))
}

/// feed-rs's reading, unless it found no entries where the scan sees items: RSS 0.90 and feeds
/// that declare an unusual default namespace (`backend.userland.com/rss2`) parse "successfully"
/// into nothing, and the tolerant reading gets them right.
fn emit_read(
    feed: Feed,
    text: &str,
    scan: &xml::Scan,
    lines_removed: u64,
    location: &Location,
    emit: &mut dyn FnMut(Parsed),
) {
    if feed.entries.is_empty() && !scan.items.is_empty() {
        tolerant_xml(text, scan, lines_removed, location, emit)
    } else {
        emit_feed(feed, text, scan, lines_removed, location, emit)
    }
}

fn read_json(text: &str, location: &Location, emit: &mut dyn FnMut(Parsed)) {
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => {
            return emit(Parsed::Rejected(ImportError::new(
                location
                    .at_line(e.line() as u64)
                    .with_column(e.column() as u64),
                format!("not valid JSON: {e}"),
            )));
        }
    };
    let Some(items) = value.get("items").and_then(Value::as_array) else {
        return emit(Parsed::Rejected(ImportError::new(
            location.at_line(1),
            "JSON, but not a JSON Feed: no \"items\" array",
        )));
    };
    let spans = json::item_spans(text);
    let spans = (spans.len() == items.len()).then_some(spans);
    let extras = |n: usize| Extras {
        span: spans.as_ref().map(|spans| spans[n].clone()),
        raw_date: items.get(n).and_then(json::raw_date),
        description: None,
    };
    let source = Source::new(text, 0);
    let feed = feed_rs(text).or_else(|e| match repair::repair_json_version(&value) {
        Some(repaired) => feed_rs(&repaired),
        None => Err(e),
    });
    match feed {
        Ok(feed) if feed.entries.len() == items.len() => {
            let context = FeedContext::of(&feed);
            for (n, entry) in feed.entries.into_iter().enumerate() {
                let item = map_entry(entry, &context, extras(n));
                emit_item(item, n, &source, location, emit);
            }
        }
        _ => {
            let context = FeedContext {
                title: json::string_field(&value, "title"),
                link: json::string_field(&value, "home_page_url"),
                language: json::string_field(&value, "language"),
                authors: json::author_names(&value),
            };
            for (n, item) in items.iter().enumerate() {
                let raw = tolerant_json_item(item, &context, extras(n));
                emit_item(raw, n, &source, location, emit);
            }
        }
    }
    if items.is_empty() {
        emit(no_items(location));
    }
}

fn no_items(location: &Location) -> Parsed {
    Parsed::Warning(ImportError::new(location.clone(), "feed has no items"))
}

/// What every item of one feed shares.
struct FeedContext {
    title: Option<String>,
    link: Option<String>,
    language: Option<String>,
    /// Inherited by entries without authors (Atom and JSON Feed say so).
    authors: Vec<String>,
}

impl FeedContext {
    fn of(feed: &Feed) -> FeedContext {
        let inherit = matches!(feed.feed_type, FeedType::Atom | FeedType::JSON);
        FeedContext {
            title: feed.title.as_ref().and_then(|t| non_empty(&t.content)),
            link: alternate_link(&feed.links),
            language: feed.language.as_deref().and_then(non_empty),
            authors: if inherit {
                person_names(&feed.authors)
            } else {
                Vec::new()
            },
        }
    }
}

/// What the scan found for one entry: where it is, and its date as written.
struct Extras {
    span: Option<Range<usize>>,
    raw_date: Option<String>,
    /// The item's `<description>` as read from its own element (inner markup when it holds raw
    /// HTML elements, which feed-rs cuts at the first one).
    description: Option<String>,
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// The page a feed or entry points to: its `alternate` (or unqualified) link, else the first.
fn alternate_link(links: &[Link]) -> Option<String> {
    links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|rel| rel == "alternate"))
        .or_else(|| links.iter().find(|l| l.rel.as_deref() != Some("self")))
        .or(links.first())
        .and_then(|l| non_empty(&l.href))
}

fn person_names(people: &[feed_rs::model::Person]) -> Vec<String> {
    let mut names: Vec<String> = people
        .iter()
        .filter_map(|p| p.name.as_deref().and_then(non_empty))
        .collect();
    names.dedup();
    names
}

fn emit_feed(
    feed: Feed,
    text: &str,
    scan: &xml::Scan,
    lines_removed: u64,
    location: &Location,
    emit: &mut dyn FnMut(Parsed),
) {
    let source = Source::new(text, lines_removed);
    let spans = (scan.items.len() == feed.entries.len()).then_some(&scan.items);
    let context = FeedContext::of(&feed);
    let empty = feed.entries.is_empty();
    for (n, entry) in feed.entries.into_iter().enumerate() {
        let span = spans.map(|spans| spans[n].clone());
        let fields = span
            .as_ref()
            .map(|span| xml::fields(&text[span.clone()], false));
        let field = |names: &[&str]| {
            fields
                .as_ref()
                .and_then(|fields| fields.first(names).map(str::to_string))
        };
        let extras = Extras {
            raw_date: field(&xml::DATE_FIELDS),
            description: field(&["description"]),
            span,
        };
        let item = map_entry(entry, &context, extras);
        emit_item(item, n, &source, location, emit);
    }
    if empty {
        emit(no_items(location));
    }
}

/// An item with its location and raw bytes filled in from its span.
struct Mapped {
    item: RawItem,
    span: Option<Range<usize>>,
}

fn emit_item(
    mapped: Mapped,
    n: usize,
    source: &Source<'_>,
    location: &Location,
    emit: &mut dyn FnMut(Parsed),
) {
    let text = source.text;
    let Mapped { mut item, span } = mapped;
    let label = format!("item {}", n + 1);
    match span {
        Some(span) => {
            fill_from_extensions(&mut item, &text[span.clone()]);
            item.location = location.at_line(source.line(span.start)).with_item(label);
            item.raw = text[span].as_bytes().to_vec();
        }
        None => {
            item.location = location.clone().with_item(label);
            // Without a span, each item carries the whole feed: only affordable for small feeds.
            if text.len() <= 1024 * 1024 {
                item.raw = text.as_bytes().to_vec();
            }
        }
    }
    emit(Parsed::Item(Box::new(item)));
}

/// An item's text read from its own element when the feed reading found no title, or neither
/// content nor description: the Dublin Core or iTunes spelling (`dc:title`, `dc:description`,
/// `itunes:summary`, `itunes:subtitle`), or a `<description>` holding raw HTML elements, which
/// feed-rs drops (Reddit's feeds). Such an item has text, and is stored like any other.
fn fill_from_extensions(item: &mut RawItem, element: &str) {
    let has_text = item.body.is_some() || item.summary.is_some();
    if (item.title.is_some() && has_text) || !element.starts_with('<') {
        return;
    }
    let fields = xml::fields(element, false);
    if item.title.is_none() {
        item.title = fields.first(&["title"]).map(str::to_string);
    }
    if !has_text {
        item.summary = fields
            .first(&["description", "summary", "subtitle"])
            .map(str::to_string);
    }
}

fn map_entry(entry: Entry, context: &FeedContext, extras: Extras) -> Mapped {
    let (body, body_markup) = match entry.content.as_ref().and_then(|c| {
        let body = non_empty(c.body.as_deref()?)?;
        Some((body, c.content_type.as_str().to_string()))
    }) {
        Some((body, content_type)) if content_type == "text/plain" => (Some(body), Markup::Text),
        Some((body, _)) => (Some(body), Markup::Html),
        None => (None, Markup::Detect),
    };
    let mut authors = person_names(&entry.authors);
    if authors.is_empty() {
        authors = context.authors.clone();
    }
    let published = extras.raw_date.or_else(|| {
        entry
            .published
            .or(entry.updated)
            .map(|date| date.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    });
    let mut summary = entry.summary.as_ref().and_then(|t| non_empty(&t.content));
    // A description of raw HTML elements ("submitted by<a>someone</a>"), which feed-rs cuts at
    // the first element: the item's own reading is longer, and kept.
    if let Some(description) = extras.description
        && description.contains('<')
        && description.len() > summary.as_ref().map_or(0, String::len)
    {
        summary = Some(description);
    }
    let item = RawItem {
        format: Some(Format::Feed),
        title: entry.title.as_ref().and_then(|t| non_empty(&t.content)),
        body,
        body_markup,
        summary,
        url: alternate_link(&entry.links),
        guid: non_empty(&entry.id),
        source: context.title.clone(),
        source_url: context.link.clone(),
        authors,
        published,
        language: entry
            .language
            .as_deref()
            .and_then(non_empty)
            .or_else(|| context.language.clone()),
        categories: entry
            .categories
            .iter()
            .filter_map(|c| non_empty(c.label.as_deref().unwrap_or(&c.term)))
            .collect(),
        ..RawItem::default()
    };
    Mapped {
        item,
        span: extras.span,
    }
}

/// The tolerant reading of a well-formed XML feed that feed-rs refused: the children of each
/// `<item>`/`<entry>` by their usual names, whatever the feed's flavour or version.
fn tolerant_xml(
    text: &str,
    scan: &xml::Scan,
    lines_removed: u64,
    location: &Location,
    emit: &mut dyn FnMut(Parsed),
) {
    let source = Source::new(text, lines_removed);
    let channel = xml::fields(&text[scan.channel.clone()], true);
    let context = FeedContext {
        title: channel.first(&["title"]).map(str::to_string),
        link: link_of(&channel),
        language: channel.first(&["language"]).map(str::to_string),
        authors: authors_of(&channel),
    };
    for (n, span) in scan.items.iter().enumerate() {
        let fields = xml::fields(&text[span.clone()], false);
        let (body, body_markup) = match fields.children.iter().find(|c| {
            matches!(c.name.as_str(), "encoded" | "content") && !c.value.trim().is_empty()
        }) {
            Some(c) if c.attribute("type") == Some("text") => {
                (Some(c.value.trim().to_string()), Markup::Text)
            }
            Some(c) => (Some(c.value.trim().to_string()), Markup::Html),
            None => (None, Markup::Detect),
        };
        let mut authors = authors_of(&fields);
        if authors.is_empty() && scan.root == "feed" {
            authors = context.authors.clone();
        }
        let item = RawItem {
            format: Some(Format::Feed),
            title: fields.first(&["title"]).map(str::to_string),
            body,
            body_markup,
            summary: fields
                .first(&["description", "summary"])
                .map(str::to_string),
            url: link_of(&fields),
            guid: fields.first(&["guid", "id"]).map(str::to_string),
            source: context.title.clone(),
            source_url: context.link.clone(),
            authors,
            published: fields.first(&xml::DATE_FIELDS).map(str::to_string),
            language: fields
                .first(&["language"])
                .map(str::to_string)
                .or_else(|| context.language.clone()),
            categories: fields
                .children
                .iter()
                .filter(|c| matches!(c.name.as_str(), "category" | "subject"))
                .filter_map(|c| non_empty(c.attribute("term").unwrap_or(&c.value)))
                .collect(),
            ..RawItem::default()
        };
        let mapped = Mapped {
            item,
            span: Some(span.clone()),
        };
        emit_item(mapped, n, &source, location, emit);
    }
    if scan.items.is_empty() {
        emit(no_items(location));
    }
}

/// RSS `<link>text</link>`, or Atom `<link rel="alternate" href="..."/>`.
fn link_of(fields: &xml::Fields) -> Option<String> {
    let links: Vec<&xml::Child> = fields.all("link").collect();
    links
        .iter()
        .find_map(|l| non_empty(&l.value).filter(|v| !v.contains('<')))
        .or_else(|| {
            links
                .iter()
                .find(|l| l.attribute("rel").is_none_or(|rel| rel == "alternate"))
                .and_then(|l| l.attribute("href").and_then(non_empty))
        })
}

/// `<author>` (plain, or Atom's `<name>` inside), `<dc:creator>`.
fn authors_of(fields: &xml::Fields) -> Vec<String> {
    fields
        .children
        .iter()
        .filter(|c| matches!(c.name.as_str(), "author" | "creator"))
        .filter_map(|c| {
            if c.value.contains('<') {
                let inner = xml::fields(&format!("<author>{}</author>", c.value), false);
                inner.first(&["name"]).map(str::to_string)
            } else {
                non_empty(&c.value)
            }
        })
        .collect()
}

/// A JSON Feed item read straight from its JSON.
fn tolerant_json_item(item: &Value, context: &FeedContext, extras: Extras) -> Mapped {
    let (body, body_markup) = match (
        json::string_field(item, "content_html"),
        json::string_field(item, "content_text"),
    ) {
        (Some(html), _) => (Some(html), Markup::Html),
        (None, Some(text)) => (Some(text), Markup::Text),
        (None, None) => (None, Markup::Detect),
    };
    let mut authors = json::author_names(item);
    if authors.is_empty() {
        authors = context.authors.clone();
    }
    let raw = RawItem {
        format: Some(Format::Feed),
        title: json::string_field(item, "title"),
        body,
        body_markup,
        summary: json::string_field(item, "summary"),
        url: json::string_field(item, "url").or_else(|| json::string_field(item, "external_url")),
        guid: json::string_field(item, "id"),
        source: context.title.clone(),
        source_url: context.link.clone(),
        authors,
        published: extras.raw_date,
        language: json::string_field(item, "language").or_else(|| context.language.clone()),
        categories: item
            .get("tags")
            .and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(|t| t.as_str().and_then(non_empty))
                    .collect()
            })
            .unwrap_or_default(),
        ..RawItem::default()
    };
    Mapped {
        item: raw,
        span: extras.span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Vec<Parsed> {
        let mut out = Vec::new();
        parse_feed(bytes, Location::new("t.xml"), None, &mut |p| out.push(p));
        out
    }

    fn items(parsed: &[Parsed]) -> Vec<&RawItem> {
        parsed
            .iter()
            .filter_map(|p| match p {
                Parsed::Item(item) => Some(&**item),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn rss_item_fields_raw_and_location() {
        let feed = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>Caf\xe9 News</title><link>http://cafe.example/</link><language>fr</language>\n<item><title>One</title><link>http://cafe.example/1</link><guid>g1</guid><pubDate>Mon, 04 Sep 2023 10:00:00 GMT</pubDate><dc:creator>Ana</dc:creator><category>World</category><description>Short</description><content:encoded><![CDATA[<p>Full</p>]]></content:encoded></item>\n<item><title>Two</title><link>http://cafe.example/2</link></item></channel></rss>";
        let parsed = parse(feed);
        let items = items(&parsed);
        assert_eq!(items.len(), 2);
        let one = items[0];
        assert_eq!(one.title.as_deref(), Some("One"));
        assert_eq!(one.source.as_deref(), Some("Café News"));
        assert_eq!(one.source_url.as_deref(), Some("http://cafe.example/"));
        assert_eq!(one.url.as_deref(), Some("http://cafe.example/1"));
        assert_eq!(one.guid.as_deref(), Some("g1"));
        assert_eq!(
            one.published.as_deref(),
            Some("Mon, 04 Sep 2023 10:00:00 GMT")
        );
        assert_eq!(one.authors, ["Ana"]);
        assert_eq!(one.categories, ["World"]);
        assert_eq!(one.summary.as_deref(), Some("Short"));
        assert_eq!(one.body.as_deref(), Some("<p>Full</p>"));
        assert_eq!(one.body_markup, Markup::Html);
        assert_eq!(one.language.as_deref(), Some("fr"));
        assert_eq!(one.format, Some(Format::Feed));
        assert_eq!(one.location.locator().as_deref(), Some("3 (item 1)"));
        assert!(one.raw.starts_with(b"<item><title>One"));
        // No GUID in the source: none made up.
        assert_eq!(items[1].guid, None);
        assert_eq!(items[1].location.locator().as_deref(), Some("4 (item 2)"));
    }

    #[test]
    fn an_item_may_be_a_description_alone() {
        let feed = b"<rss version=\"2.0\"><channel><title>T</title>\n<item><description>Only &lt;b&gt;this&lt;/b&gt;.</description></item>\n<item><title>Both</title><description>Teaser</description><content:encoded xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">Full</content:encoded></item></channel></rss>";
        let parsed = parse(feed);
        let items = items(&parsed);
        assert_eq!(items.len(), 2, "{parsed:?}");
        assert_eq!(items[0].title, None);
        assert_eq!(items[0].body, None);
        assert_eq!(items[0].summary.as_deref(), Some("Only <b>this</b>."));
        assert_eq!(items[1].body.as_deref(), Some("Full"));
        assert_eq!(items[1].summary.as_deref(), Some("Teaser"));
    }

    #[test]
    fn tolerant_and_json_readings_keep_a_lone_description() {
        // RSS 0.90 goes through the tolerant reading.
        let rss090 = b"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"><channel><title>C</title></channel><item><description>Desc only</description></item></rdf:RDF>";
        let parsed = parse(rss090);
        let items090 = items(&parsed);
        assert_eq!(items090.len(), 1, "{parsed:?}");
        assert_eq!(items090[0].summary.as_deref(), Some("Desc only"));
        let json = br#"{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{"id": "1", "summary": "Sum only"}]}"#;
        let parsed = parse(json);
        let json_items = items(&parsed);
        assert_eq!(
            json_items[0].summary.as_deref(),
            Some("Sum only"),
            "{parsed:?}"
        );
    }

    #[test]
    fn dublin_core_and_itunes_text_is_read_when_nothing_else_is() {
        let feed = b"<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\"><channel><title>T</title>\n<item><dc:title>DC title</dc:title><dc:description>DC text</dc:description></item>\n<item><itunes:summary>Episode notes</itunes:summary></item>\n<item><title>Own</title><dc:title>Other</dc:title><description>Own text</description></item></channel></rss>";
        let parsed = parse(feed);
        let items = items(&parsed);
        assert_eq!(items.len(), 3, "{parsed:?}");
        assert_eq!(items[0].title.as_deref(), Some("DC title"));
        assert_eq!(items[0].summary.as_deref(), Some("DC text"));
        assert_eq!(items[1].title, None);
        assert_eq!(items[1].summary.as_deref(), Some("Episode notes"));
        assert_eq!(items[2].title.as_deref(), Some("Own"));
        assert_eq!(items[2].summary.as_deref(), Some("Own text"));
    }

    #[test]
    fn a_description_of_raw_html_elements_is_read() {
        let feed = b"<rss version=\"2.0\"><channel><title>T</title><item><title>Post</title><description>submitted by <a href=\"http://r/u\">someone</a> to <a href=\"http://r/s\">news</a></description></item></channel></rss>";
        let parsed = parse(feed);
        let items = items(&parsed);
        let summary = items[0].summary.as_deref().unwrap_or_default();
        assert!(summary.starts_with("submitted by"), "{summary:?}");
        assert!(summary.contains("someone"), "{summary}");
    }

    #[test]
    fn repairs_entities_version_and_junk() {
        let feed = b"\n\n<?xml version=\"1.0\"?>\n<rss version=\"0.93\"><channel><title>T</title><item><title>A&nbsp;B &rsquo; Q&A</title></item></channel></rss>";
        let parsed = parse(feed);
        let items = items(&parsed);
        assert_eq!(items.len(), 1, "{parsed:?}");
        assert_eq!(items[0].title.as_deref(), Some("A\u{a0}B \u{2019} Q&A"));
    }

    #[test]
    fn truncated_and_ambiguous_ampersand_are_rejected_with_a_position() {
        let truncated =
            parse(b"<rss version=\"2.0\"><channel><item><title>a</title></item>\n<item><title>b");
        assert!(items(&truncated).is_empty());
        let Some(Parsed::Rejected(error)) = truncated.last() else {
            panic!("{truncated:?}")
        };
        assert_eq!(error.location.line, Some(2));
        assert!(error.reason.contains("truncated"), "{}", error.reason);

        let sax = parse(b"<rss version=\"2.0\"><channel><item><link>http://x/?a=1&b=2</link></item></channel></rss>");
        assert!(items(&sax).is_empty());
        assert!(matches!(sax.last(), Some(Parsed::Rejected(_))));
    }

    #[test]
    fn json_feed_with_old_version() {
        let feed = br#"{"version": "1.0", "title": "J", "home_page_url": "http://j/",
  "items": [
    {"id": "1", "url": "http://j/1", "title": "T", "content_text": "Body", "date_published": "2020-01-02T03:04:05+01:00"},
    {"url": "http://j/2", "content_html": "<p>x</p>"}
  ]}"#;
        let parsed = parse(feed);
        let items = items(&parsed);
        assert_eq!(items.len(), 2, "{parsed:?}");
        assert_eq!(items[0].guid.as_deref(), Some("1"));
        assert_eq!(items[0].body_markup, Markup::Text);
        assert_eq!(
            items[0].published.as_deref(),
            Some("2020-01-02T03:04:05+01:00")
        );
        assert_eq!(items[0].source.as_deref(), Some("J"));
        assert_eq!(items[0].location.locator().as_deref(), Some("3 (item 1)"));
        assert!(items[0].raw.starts_with(b"{\"id\": \"1\""));
        assert_eq!(items[1].guid, None);
        assert_eq!(items[1].body_markup, Markup::Html);
    }

    #[test]
    fn atom_without_ids_and_inherited_author() {
        let feed = b"<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>A</title><author><name>Feed Author</name></author><link href=\"http://a/\"/><link rel=\"self\" href=\"http://a/feed\"/><entry><title>E</title><link href=\"http://a/e\"/><updated>2021-01-01T00:00:00Z</updated><content type=\"text\">plain</content></entry></feed>";
        let parsed = parse(feed);
        let items = items(&parsed);
        assert_eq!(items.len(), 1, "{parsed:?}");
        assert_eq!(items[0].guid, None);
        assert_eq!(items[0].authors, ["Feed Author"]);
        assert_eq!(items[0].source_url.as_deref(), Some("http://a/"));
        assert_eq!(items[0].published.as_deref(), Some("2021-01-01T00:00:00Z"));
        assert_eq!(items[0].body_markup, Markup::Text);
    }

    #[test]
    fn utf16_with_a_lying_declaration_does_not_panic() {
        let text = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>x</title><item><title>é</title></item></channel></rss>";
        let mut bytes = vec![0xff, 0xfe];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let parsed = parse(&bytes);
        assert_eq!(items(&parsed)[0].title.as_deref(), Some("é"));
    }

    #[test]
    fn not_a_feed_and_too_large() {
        let html = parse(b"<!DOCTYPE html><html><head><title>x</title></head><body></body></html>");
        assert!(
            matches!(&html[..], [Parsed::Rejected(e)] if e.reason.contains("not a feed")),
            "{html:?}"
        );
        let big = vec![b' '; MAX_FEED_TEXT + 1];
        assert!(matches!(&parse(&big)[..], [Parsed::Rejected(e)] if e.reason.contains("split it")));
    }
}
