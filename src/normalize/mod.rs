//! The one normaliser: every format's raw items become [`Article`]s through here.
//!
//! [`normalize`] cleans the text (markup, Unicode, spaces, paragraphs), removes boilerplate and
//! credit lines, reads credits into outlets and people, parses the date, canonicalises the URL,
//! names the publisher and computes the content hash. It is pure and on the import hot path: the
//! plain-text path does no HTML parsing, skips Unicode normalisation for ASCII or already
//! normalised text, and builds its rule tables once.

pub mod article;
pub mod boilerplate;
pub mod byline;
pub mod credits;
pub mod date;
pub mod hash;
pub mod keys;
pub mod text;
pub mod url;

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::item::{Format, ImportError, Markup, RawItem};
use text::{HtmlKind, HtmlLines};

pub use article::{Article, Person, SourceName, UrlKind};
pub use hash::{ContentHash, HASH_SCHEME};

/// Settings of one import run that change how items are read.
#[derive(Clone, Debug)]
pub struct NormalizeOptions {
    /// `--source NAME`: the publisher of every item, whatever the item says.
    pub default_source: Option<String>,
    /// The import time: dates more than a day after it are not believed.
    pub now: DateTime<Utc>,
}

impl Default for NormalizeOptions {
    fn default() -> NormalizeOptions {
        NormalizeOptions {
            default_source: None,
            now: Utc::now(),
        }
    }
}

/// Normalises one raw item. Rejects an item with no title, body or summary left after cleaning.
pub fn normalize(item: RawItem, options: &NormalizeOptions) -> Result<Article, ImportError> {
    let RawItem {
        location,
        format,
        raw,
        title,
        body,
        body_markup,
        summary,
        url,
        guid,
        source,
        source_url,
        authors,
        published,
        language,
        categories,
        entities,
    } = item;

    let mut warnings = Vec::new();
    let title = title
        .as_deref()
        .map(|title| clean_title(title, "title", &mut warnings))
        .filter(|t| !t.is_empty());
    let body_lines = body
        .as_deref()
        .map(|body| warn_if_flat(&mut warnings, "body", body_to_lines(body, body_markup)))
        .unwrap_or_default();
    let mut paragraphs = text::paragraphs(&body_lines);
    boilerplate::strip_boilerplate(&mut paragraphs);
    let credits = credits::extract_credits(&mut paragraphs);
    let body = text::join_paragraphs(&paragraphs);
    let summary = summary
        .as_deref()
        .map(|summary| clean_summary(summary, &mut warnings))
        .filter(|s| !s.is_empty());
    // Any text keeps an item (DESIGN.md): a summary alone is enough, and is hashed with the title.
    if title.is_none() && body.is_empty() && summary.is_none() {
        return Err(ImportError::new(
            location,
            "item has no text: no title, body or summary",
        ));
    }

    // An item with no content (an RSS item that is only a description) keeps its teaser in
    // `summary`, searchable like the body, and is hashed title + "\n" + summary (step 1 of the
    // scheme; see `hash` for why the body stays empty and the title stays in).
    let hash = if body.is_empty() {
        hash::content_hash(&format!(
            "{}\n{}",
            title.as_deref().unwrap_or_default(),
            summary.as_deref().unwrap_or_default()
        ))
    } else {
        hash::content_hash(&body)
    };

    let url = url.as_deref().and_then(url::canonicalize);
    let publisher = options
        .default_source
        .as_deref()
        .or(source.as_deref())
        .and_then(|name| publisher(name, source_url.as_deref(), url.as_deref()));
    // Author fields are bylines as the input gave them: people, and outlets credited.
    let publisher_name = publisher.as_ref().map(|source| source.name.as_str());
    let (mut byline_people, mut byline_outlets) = (Vec::new(), Vec::new());
    for author in &authors {
        let split = byline::split_byline(author, publisher_name);
        byline_people.extend(split.people);
        byline_outlets.extend(split.outlets);
    }
    byline_outlets.extend(credits.outlets);
    let published_raw = non_empty(published);
    let published_at = published_raw
        .as_deref()
        .and_then(|raw| date::parse_published(raw, options.now));

    Ok(Article {
        hash,
        title,
        word_count: word_count(&body),
        body,
        summary,
        url,
        guid: non_empty(guid),
        language: non_empty(language),
        published_at,
        published_raw,
        publisher,
        credits: credited_sources(byline_outlets),
        authors: people(byline_people.into_iter().chain(credits.people)),
        categories: clean_categories(categories, &mut warnings),
        entities,
        format: format.unwrap_or(Format::Text),
        location,
        raw,
        raw_codec: crate::raw_codec::RawCodec::Identity,
        warnings,
    })
}

/// A body as clean lines, whatever its markup.
fn body_to_lines(body: &str, markup: Markup) -> HtmlLines {
    let plain = |lines| HtmlLines {
        lines,
        flattened: None,
    };
    match markup {
        Markup::Text => plain(text::clean_lines(body)),
        Markup::Html => text::read_html(body),
        Markup::Detect => match text::html_kind(body) {
            HtmlKind::None => plain(text::clean_lines(body)),
            HtmlKind::EntitiesOnly => text::read_entities(body),
            HtmlKind::Markup => text::read_html(body),
        },
    }
}

/// The lines, and a warning for `field` when its HTML was too hostile to parse into a tree.
fn warn_if_flat(warnings: &mut Vec<String>, field: &str, html: HtmlLines) -> String {
    if let Some(refusal) = html.flattened {
        warnings.push(format!(
            "{field}: HTML {refusal}; its text was kept without its structure"
        ));
    }
    html.lines
}

/// A title (or another one-line `field`), plain or HTML.
fn clean_title(title: &str, field: &str, warnings: &mut Vec<String>) -> String {
    if text::looks_like_html(title) {
        let lines = warn_if_flat(warnings, field, text::read_html(title));
        text::clean_line(&text::join_paragraphs(&text::paragraphs(&lines)))
    } else {
        text::clean_line(title)
    }
}

/// A summary, plain or HTML, cleaned like a body but without credit extraction.
fn clean_summary(summary: &str, warnings: &mut Vec<String>) -> String {
    let lines = warn_if_flat(warnings, "summary", body_to_lines(summary, Markup::Detect));
    let mut paragraphs = text::paragraphs(&lines);
    boilerplate::strip_boilerplate(&mut paragraphs);
    text::join_paragraphs(&paragraphs)
}

fn non_empty(value: Option<String>) -> Option<String> {
    let value = value?;
    let trimmed = value.trim();
    match trimmed.len() {
        0 => None,
        len if len == value.len() => Some(value),
        _ => Some(trimmed.to_owned()),
    }
}

/// The publisher: its name, its home page when known, and its domain from the home page or else
/// from the article URL.
fn publisher(name: &str, home_url: Option<&str>, article_url: Option<&str>) -> Option<SourceName> {
    let mut source = keys::source_name(name, home_url);
    if source.key.is_empty() {
        return None;
    }
    if source.domain.is_none() {
        source.domain = article_url.and_then(url::domain);
    }
    Some(source)
}

/// Credited outlets as sources, first spelling kept when one is named twice.
fn credited_sources(outlets: Vec<String>) -> Vec<SourceName> {
    let mut seen = HashSet::new();
    outlets
        .iter()
        .map(|name| keys::source_name(name, None))
        .filter(|source| !source.key.is_empty() && seen.insert(source.key.clone()))
        .collect()
}

/// People in byline order, each once (by key).
fn people(names: impl Iterator<Item = String>) -> Vec<Person> {
    let mut seen = HashSet::new();
    names
        .filter_map(|name| {
            let key = keys::person_key(&name);
            (!key.is_empty() && seen.insert(key.clone())).then_some(Person { name, key })
        })
        .collect()
}

/// Categories cleaned, empty ones dropped, each once (case-insensitively), in order.
fn clean_categories(categories: Vec<String>, warnings: &mut Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    categories
        .iter()
        .map(|category| clean_title(category, "category", warnings))
        .filter(|category| !category.is_empty() && seen.insert(category.to_lowercase()))
        .collect()
}

/// Words: whitespace-separated tokens with at least one letter or digit ("—" is not a word).
fn word_count(body: &str) -> u32 {
    let count = body
        .split_whitespace()
        .filter(|token| token.chars().any(char::is_alphanumeric))
        .count();
    u32::try_from(count).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::Location;

    const SEED: &str = "/work/shared/seeds/000_49c2ab0e28656829.txt";

    fn options() -> NormalizeOptions {
        NormalizeOptions {
            default_source: None,
            now: DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
                .unwrap()
                .to_utc(),
        }
    }

    fn read_seed() -> Option<String> {
        match std::fs::read_to_string(SEED) {
            Ok(seed) => Some(seed),
            Err(error) => {
                eprintln!("skipped: cannot read the seed {SEED}: {error}");
                None
            }
        }
    }

    /// The seed as the text parser hands it over: first line title, the rest body.
    fn text_item(seed: &str) -> RawItem {
        let (title, body) = seed.split_once('\n').unwrap_or((seed, ""));
        RawItem {
            location: Location::new(SEED),
            format: Some(Format::Text),
            raw: seed.as_bytes().to_vec(),
            title: Some(title.to_owned()),
            body: Some(body.to_owned()),
            body_markup: Markup::Text,
            ..RawItem::default()
        }
    }

    #[test]
    fn seed_reads_as_the_design_says() {
        let Some(seed) = read_seed() else { return };
        let article = normalize(text_item(&seed), &options()).unwrap();
        assert_eq!(
            article.title.as_deref(),
            Some(
                "Kim Jong Un reportedly en route to Russia for a summit expected on Tuesday or \
                 Wednesday, as reported by Seoul officials"
            )
        );
        let paragraphs: Vec<&str> = article.body.split("\n\n").collect();
        assert_eq!(paragraphs.len(), 13, "{:#?}", paragraphs);
        assert!(paragraphs[0].starts_with("Government sources have confirmed"));
        assert!(
            paragraphs[12]
                .ends_with("did not provide details regarding these possible consequences.")
        );
        for unwanted in [
            "Estimated read time",
            "A | a-+=",
            "Source:",
            "You May Also Like",
        ] {
            assert!(!article.body.contains(unwanted), "{unwanted}");
        }
        assert!(!article.body.contains("\n\n\n"));
        let credits: Vec<&str> = article.credits.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(credits, ["The Korea Herald", "CNN"]);
        assert_eq!(article.credits[0].key, "korea herald");
        let authors: Vec<&str> = article.authors.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            authors,
            [
                "Ji Da-gyum",
                "Jake Kwon",
                "Gawon Bae",
                "Jessie Yeung",
                "Brad Lendon"
            ]
        );
        assert_eq!(article.hash, hash::content_hash(&article.body));
        assert_eq!(article.format, Format::Text);
        assert_eq!(article.raw, seed.as_bytes());
        assert!(article.word_count > 500, "{}", article.word_count);
    }

    #[test]
    fn seed_as_html_or_retyped_text_has_the_same_hash() {
        let Some(seed) = read_seed() else { return };
        let expected = normalize(text_item(&seed), &options()).unwrap().hash;
        let (_, body) = seed.split_once('\n').unwrap();
        let blocks: Vec<&str> = body
            .split("\n\n")
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .collect();

        // HTML paragraphs with typographic entities, NBSP and CRLF line endings.
        let html: String = blocks
            .iter()
            .map(|block| {
                let escaped = block
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('\u{2019}', "&rsquo;")
                    .replace('\u{201C}', "&ldquo;")
                    .replace('\u{201D}', "&rdquo;")
                    .replacen(' ', "&nbsp;", 1);
                format!("<p>\r\n  {escaped}\r\n</p>\r\n")
            })
            .collect();
        let as_html = RawItem {
            title: Some("Another headline".into()),
            body: Some(format!(
                "<html><body><article>{html}</article></body></html>"
            )),
            body_markup: Markup::Detect,
            ..RawItem::default()
        };
        assert_eq!(normalize(as_html, &options()).unwrap().hash, expected);

        // Plain text with straight quotes and doubled spaces.
        let retyped = body
            .replace(['\u{2019}'], "'")
            .replace(['\u{201C}', '\u{201D}'], "\"")
            .replace(". ", ".  ");
        let as_text = RawItem {
            title: Some("Yet another".into()),
            body: Some(retyped),
            body_markup: Markup::Text,
            ..RawItem::default()
        };
        assert_eq!(normalize(as_text, &options()).unwrap().hash, expected);
    }

    #[test]
    fn rejects_items_without_title_or_body() {
        let item = RawItem {
            location: Location::new("feed.xml").with_item("item 3"),
            title: Some("  ".into()),
            body: Some("<p>&nbsp;</p>\n\nAdvertisement".into()),
            body_markup: Markup::Detect,
            ..RawItem::default()
        };
        let error = normalize(item, &options()).unwrap_err();
        assert_eq!(error.reason, "item has no text: no title, body or summary");
        assert_eq!(error.location.item.as_deref(), Some("item 3"));
    }

    #[test]
    fn title_only_items_hash_the_title() {
        let item = RawItem {
            title: Some("Kim &amp; Putin meet".into()),
            ..RawItem::default()
        };
        let article = normalize(item, &options()).unwrap();
        assert_eq!(article.title.as_deref(), Some("Kim & Putin meet"));
        assert_eq!(article.body, "");
        assert_eq!(article.summary, None);
        assert_eq!(article.hash, hash::content_hash("Kim & Putin meet\n"));
    }

    /// An item without content (an RSS item that is only a description, a record with only a
    /// summary): the teaser stays the summary, the body stays empty, and the hash is title +
    /// "\n" + summary, so databases filled before keep their hashes and exports round-trip.
    #[test]
    fn with_no_content_the_title_and_summary_are_hashed() {
        let item = RawItem {
            title: Some("Kim &amp; Putin meet".into()),
            summary: Some("<p>The two leaders met.</p>".into()),
            ..RawItem::default()
        };
        let article = normalize(item, &options()).unwrap();
        assert_eq!(article.title.as_deref(), Some("Kim & Putin meet"));
        assert_eq!(article.body, "");
        assert_eq!(article.summary.as_deref(), Some("The two leaders met."));
        assert_eq!(
            article.hash,
            hash::content_hash("Kim & Putin meet\nThe two leaders met.")
        );
    }

    #[test]
    fn a_summary_alone_keeps_an_item() {
        let item = RawItem {
            summary: Some("<p>Ferry times change on Monday.</p>".into()),
            ..RawItem::default()
        };
        let article = normalize(item, &options()).unwrap();
        assert_eq!(article.title, None);
        assert_eq!(article.body, "");
        assert_eq!(
            article.summary.as_deref(),
            Some("Ferry times change on Monday.")
        );
        assert_eq!(
            article.hash,
            hash::content_hash("\nFerry times change on Monday.")
        );
    }

    /// The description-only rule (see `hash`): the same teaser under the same headline is one
    /// content; under another headline, or as the summary of a full text, it is another.
    #[test]
    fn description_only_items_hash_title_and_teaser() {
        let teaser = |title: Option<&str>| RawItem {
            title: title.map(str::to_string),
            summary: Some("The harbour bridge reopens on <b>Friday</b>.".into()),
            ..RawItem::default()
        };
        let first = normalize(teaser(Some("Bridge reopens")), &options()).unwrap();
        let again = normalize(teaser(Some("Bridge  reopens")), &options()).unwrap();
        let retitled = normalize(teaser(Some("Harbour bridge: open Friday")), &options()).unwrap();
        let untitled = normalize(teaser(None), &options()).unwrap();
        assert_eq!(
            first.summary.as_deref(),
            Some("The harbour bridge reopens on Friday.")
        );
        assert_eq!(
            first.hash,
            hash::content_hash("Bridge reopens\nThe harbour bridge reopens on Friday.")
        );
        assert_eq!(again.hash, first.hash);
        assert_ne!(retitled.hash, first.hash);
        assert_eq!(
            untitled.hash,
            hash::content_hash("\nThe harbour bridge reopens on Friday.")
        );
        let full = RawItem {
            title: Some("Bridge reopens".into()),
            body: Some(
                "<p>The harbour bridge reopens on Friday.</p><p>Repairs took six weeks.</p>".into(),
            ),
            body_markup: Markup::Html,
            summary: Some("The harbour bridge reopens on Friday.".into()),
            ..RawItem::default()
        };
        let full = normalize(full, &options()).unwrap();
        assert_ne!(full.hash, first.hash);
        assert_eq!(
            full.summary.as_deref(),
            Some("The harbour bridge reopens on Friday.")
        );
    }

    #[test]
    fn fields_are_carried_and_cleaned() {
        let item = RawItem {
            location: Location::new("dump.jsonl").at_line(7),
            format: Some(Format::JsonLines),
            title: Some("Title".into()),
            body: Some("By Jane Doe and John Roe\n\nBody text here.".into()),
            body_markup: Markup::Detect,
            url: Some("HTTPS://Example.com/a?utm_source=x&id=1#top".into()),
            guid: Some("  urn:x:1 ".into()),
            source: Some("Korea Herald".into()),
            source_url: None,
            authors: vec!["By Jane Doe".into(), "Alex Poe".into(), " ".into()],
            published: Some(" Mon, 11 Sep 2023 10:20:00 +0900 ".into()),
            language: Some("en".into()),
            categories: vec![
                "World".into(),
                " world ".into(),
                "".into(),
                "Asia &amp; Pacific".into(),
            ],
            ..RawItem::default()
        };
        let article = normalize(item, &options()).unwrap();
        assert_eq!(article.body, "Body text here.");
        assert_eq!(article.word_count, 3);
        assert_eq!(article.url.as_deref(), Some("https://example.com/a?id=1"));
        assert_eq!(article.guid.as_deref(), Some("urn:x:1"));
        assert_eq!(
            article.published_raw.as_deref(),
            Some("Mon, 11 Sep 2023 10:20:00 +0900")
        );
        assert_eq!(
            article.published_at.as_deref(),
            Some("2023-09-11T01:20:00Z")
        );
        let publisher = article.publisher.unwrap();
        assert_eq!(publisher.key, "korea herald");
        assert_eq!(publisher.domain.as_deref(), Some("example.com"));
        let authors: Vec<&str> = article.authors.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(authors, ["Jane Doe", "Alex Poe", "John Roe"]);
        assert_eq!(article.categories, ["World", "Asia & Pacific"]);
        assert_eq!(article.format, Format::JsonLines);
        assert_eq!(article.location.line, Some(7));
        assert_eq!(article.language.as_deref(), Some("en"));
    }

    proptest::proptest! {
        /// Whatever the input, normalising never panics and cleaning is stable.
        #[test]
        fn arbitrary_input_never_panics(title in "\\PC{0,40}", body in "(\\PC|\n|<p>|&amp;|By |Source: ){0,200}", date in "\\PC{0,30}") {
            let item = RawItem {
                title: Some(title),
                body: Some(body.clone()),
                body_markup: Markup::Detect,
                url: Some(body.clone()),
                published: Some(date),
                authors: vec![body.clone()],
                ..RawItem::default()
            };
            if let Ok(article) = normalize(item, &options()) {
                proptest::prop_assert!(!article.body.contains("\n\n\n"));
                proptest::prop_assert_eq!(text::clean_text(&article.body), article.body);
            }
            let _ = text::html_to_text(&body);
        }
    }

    #[test]
    fn hostile_html_is_read_flat_with_a_warning_per_field() {
        let deep = format!(
            "{}Deep text.{}",
            "<div>".repeat(5_000),
            "</div>".repeat(5_000)
        );
        let item = RawItem {
            title: Some(format!("<b>{}</b>", "<i>".repeat(600))),
            body: Some(deep.clone()),
            body_markup: Markup::Html,
            summary: Some(deep),
            ..RawItem::default()
        };
        let article = normalize(item, &options()).unwrap();
        assert_eq!(article.body, "Deep text.");
        assert_eq!(article.summary.as_deref(), Some("Deep text."));
        assert_eq!(
            article.warnings,
            [
                "title: HTML nests elements 601 deep (limit 512); its text was kept without its \
                 structure",
                "body: HTML nests elements 5000 deep (limit 512); its text was kept without its \
                 structure",
                "summary: HTML nests elements 5000 deep (limit 512); its text was kept without \
                 its structure",
            ]
        );
        let ordinary = RawItem {
            body: Some("<p>One</p><p>Two</p>".into()),
            body_markup: Markup::Html,
            ..RawItem::default()
        };
        assert!(normalize(ordinary, &options()).unwrap().warnings.is_empty());
    }

    #[test]
    fn default_source_overrides_the_item_source() {
        let item = RawItem {
            title: Some("T".into()),
            source: Some("Feed Title".into()),
            source_url: Some("https://www.koreaherald.com/".into()),
            published: Some("in the year 3000".into()),
            ..RawItem::default()
        };
        let options = NormalizeOptions {
            default_source: Some("The Korea Herald".into()),
            ..options()
        };
        let article = normalize(item, &options).unwrap();
        let publisher = article.publisher.unwrap();
        assert_eq!(publisher.name, "The Korea Herald");
        assert_eq!(
            publisher.home_url.as_deref(),
            Some("https://www.koreaherald.com/")
        );
        assert_eq!(publisher.domain.as_deref(), Some("koreaherald.com"));
        assert_eq!(article.published_at, None);
        assert_eq!(article.published_raw.as_deref(), Some("in the year 3000"));
    }
}
