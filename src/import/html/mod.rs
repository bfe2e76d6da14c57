//! Saved web pages: one article per page, its text found by dom_smoothie (a Readability port) and
//! its metadata completed by the fallbacks in [`meta`].
//!
//! Guards, because a page is hostile input: a size cap ([`MAX_PAGE_BYTES`]); a cheap scan of the
//! tags before any parsing ([`shape`]) that rejects pages nesting elements deeper than
//! [`MAX_DEPTH`] or holding more than [`MAX_ELEMENTS`] (20,000 nested `<div>`s keep every
//! readability crate busy for more than 30 s); and a time limit ([`TIME_LIMIT`]): extraction runs
//! on a worker thread, and a page that is not done in time is rejected. Rust cannot stop that
//! thread; it finishes (or not) in the background while the import goes on, and the guards above
//! make that rare.

mod byline;
mod meta;
mod shape;

use std::sync::mpsc;
use std::time::Duration;

use dom_smoothie::{Config, Readability};

use crate::import::charset;
use crate::item::{Format, ImportError, Location, Markup, Parsed, RawItem};

pub use meta::PageMeta;

/// The largest page read.
pub const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;
/// The deepest element nesting accepted (browsers render fine far below this).
pub const MAX_DEPTH: usize = 512;
/// The most elements accepted in one page.
pub const MAX_ELEMENTS: usize = 200_000;
/// How long extraction may take.
pub const TIME_LIMIT: Duration = Duration::from_secs(5);

/// Parse one saved article page into one item, or a rejection.
pub fn parse_html_page(
    bytes: &[u8],
    location: Location,
    http_content_type: Option<&str>,
    emit: &mut dyn FnMut(Parsed),
) {
    let reject = |reason: String| Parsed::Rejected(ImportError::new(location.clone(), reason));
    if bytes.len() > MAX_PAGE_BYTES {
        return emit(reject(format!(
            "page larger than {} MiB",
            MAX_PAGE_BYTES / (1024 * 1024)
        )));
    }
    let html = match decode_page(bytes, http_content_type) {
        (html, Some(warning)) => {
            emit(Parsed::Warning(ImportError::new(location.clone(), warning)));
            html
        }
        (html, None) => html,
    };
    let shape = shape::measure(&html);
    if shape.depth > MAX_DEPTH {
        return emit(reject(format!(
            "page nests elements {} deep (limit {MAX_DEPTH})",
            shape.depth
        )));
    }
    if shape.elements > MAX_ELEMENTS {
        return emit(reject(format!(
            "page has {} elements (limit {MAX_ELEMENTS})",
            shape.elements
        )));
    }
    if shape.elements == 0 {
        return emit(reject("not an HTML page: no elements".into()));
    }

    let (sender, receiver) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("newsdb-html".into())
        .spawn(move || {
            let extracted = std::panic::catch_unwind(|| extract(&html));
            let _ = sender.send(extracted);
        });
    if let Err(e) = spawned {
        return emit(reject(format!("cannot start the page parser: {e}")));
    }
    let extracted = match receiver.recv_timeout(TIME_LIMIT) {
        Ok(Ok(extracted)) => extracted,
        Ok(Err(_)) => return emit(reject("the page parser crashed on this page".into())),
        Err(_) => return emit(reject("page took too long to parse".into())),
    };
    if extracted.title.is_none() && extracted.body.is_none() {
        return emit(reject("no article found in the page".into()));
    }
    let item = RawItem {
        location,
        format: Some(Format::Html),
        raw: bytes.to_vec(),
        title: extracted.title,
        body: extracted.body,
        body_markup: Markup::Html,
        summary: extracted.meta.description,
        url: extracted.meta.url,
        source: extracted.meta.site_name,
        authors: extracted.meta.authors,
        published: extracted.meta.published,
        language: extracted.meta.language,
        ..RawItem::default()
    };
    emit(Parsed::Item(Box::new(item)));
}

/// The page as text, and a warning when its charset had to be guessed.
///
/// A saved page is usually re-encoded to UTF-8 by the browser that saved it while its `<meta>`
/// still names the original charset: when the meta tag is the only evidence and the bytes are
/// valid, non-ASCII UTF-8 (which text in a legacy encoding practically never is), UTF-8 wins.
pub fn decode_page(bytes: &[u8], http_content_type: Option<&str>) -> (String, Option<String>) {
    let decoded = charset::decode(bytes, http_content_type);
    let warning = decoded.warning();
    (decoded.text.into_owned(), warning)
}

/// What one page gives: the article's HTML and its metadata, best candidates chosen.
#[derive(Debug, Default)]
pub struct Extracted {
    pub title: Option<String>,
    pub body: Option<String>,
    pub meta: PageMeta,
}

/// Run readability and the metadata fallbacks on a page's text. No guards: callers check the
/// page's shape first.
pub fn extract(html: &str) -> Extracted {
    let config = Config {
        max_elements_to_parse: MAX_ELEMENTS,
        ..Config::default()
    };
    let Ok(mut readability) = Readability::new(html, None, Some(config)) else {
        return Extracted::default();
    };
    // Our fallbacks read the document before readability rewrites it.
    let mut meta = meta::page_meta(&readability.doc);
    let bylines = byline::mark(&readability.doc);
    let article = readability.parse().ok();
    let Some(article) = article else {
        return Extracted {
            title: meta.title.clone(),
            body: None,
            meta,
        };
    };

    let non_empty = |s: &str| {
        let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        (!s.is_empty()).then_some(s)
    };
    // Readability's choices first (they are tuned on many sites), ours where it has none.
    if let Some(site) = article.site_name.as_deref().and_then(non_empty) {
        meta.site_name = Some(site);
    }
    // Readability's title, without the site's name ("Story | WIRED") and preferring the headline
    // as displayed (see `meta::article_title`).
    let domain = meta.url.as_deref().and_then(crate::normalize::url::domain);
    let title = non_empty(&article.title)
        .or_else(|| meta.title.clone())
        .map(|title| {
            meta::article_title(
                &title,
                meta.site_name.as_deref(),
                domain.as_deref(),
                meta.headline.as_deref(),
            )
        })
        .filter(|title| !title.is_empty());
    if let Some(byline) = article.byline.as_deref().and_then(meta::clean_byline) {
        let listed = std::mem::take(&mut meta.authors);
        meta.authors = meta::merge_bylines(byline, listed, meta.site_name.as_deref());
    }
    if let Some(published) = article.published_time.as_deref().and_then(non_empty) {
        meta.published = Some(published);
    }
    if let Some(excerpt) = article.excerpt.as_deref().and_then(non_empty) {
        meta.description = Some(excerpt);
    }
    if meta.url.is_none() {
        meta.url = article.url.as_deref().and_then(non_empty);
    }
    if meta.language.is_none() {
        meta.language = article.lang.as_deref().and_then(non_empty);
    }
    // The byline and date are metadata now: off the ends of the text (see `byline`).
    let content = byline::strip_at_ends(&article.content, &bylines)
        .unwrap_or_else(|| article.content.to_string());
    let body = non_empty(&content).map(|_| content);
    Extracted { title, body, meta }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(html: &str) -> Vec<Parsed> {
        let mut out = Vec::new();
        parse_html_page(html.as_bytes(), Location::new("p.html"), None, &mut |p| {
            out.push(p)
        });
        out
    }

    #[test]
    fn article_with_metadata() {
        let paragraph = "<p>The council voted on Tuesday to rebuild the old bridge, a decision that residents had awaited for a decade, and the work will start in the spring.</p>";
        let html = format!(
            r#"<html lang="en"><head><title>Bridge to be rebuilt | Town Times</title>
            <meta property="og:site_name" content="Town Times">
            <meta property="og:title" content="Town Times | Bridge to be rebuilt">
            <meta name="author" content="By Ann Smith">
            <meta property="article:published_time" content="2023-04-01T09:00:00Z">
            <link rel="canonical" href="https://town.example/bridge"></head>
            <body><nav><a href="/">Home</a></nav><article><h1>Bridge to be rebuilt</h1>{}</article>
            <footer>Copyright</footer></body></html>"#,
            paragraph.repeat(5)
        );
        let parsed = parse(&html);
        let [Parsed::Item(item)] = &parsed[..] else {
            panic!("{parsed:?}")
        };
        assert_eq!(item.title.as_deref(), Some("Bridge to be rebuilt"));
        assert_eq!(item.source.as_deref(), Some("Town Times"));
        assert_eq!(item.authors, ["Ann Smith"]);
        assert_eq!(item.published.as_deref(), Some("2023-04-01T09:00:00Z"));
        assert_eq!(item.url.as_deref(), Some("https://town.example/bridge"));
        assert_eq!(item.language.as_deref(), Some("en"));
        assert_eq!(item.format, Some(Format::Html));
        let body = item.body.as_deref().unwrap();
        assert!(body.contains("rebuild the old bridge"));
        assert!(!body.contains("Copyright"));
        assert_eq!(item.raw, html.as_bytes());
    }

    #[test]
    fn deep_nesting_is_rejected_fast() {
        let html = format!(
            "<html><body>{}x{}</body></html>",
            "<div>".repeat(20_000),
            "</div>".repeat(20_000)
        );
        // Rejected by the shape scan, before any parser sees it.
        let parsed = parse(&html);
        assert!(
            matches!(&parsed[..], [Parsed::Rejected(e)] if e.reason.contains("deep")),
            "{parsed:?}"
        );
    }
}
