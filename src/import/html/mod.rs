//! Saved web pages: one article per page, its text found by dom_smoothie (a Readability port) and
//! its metadata completed by the fallbacks in [`meta`].
//!
//! Guards, because a page is hostile input: a size cap ([`MAX_PAGE_BYTES`]), then the guards every
//! piece of HTML gets ([`html_guard`]: depth, element count and a node budget, checked before and
//! while parsing), and a time limit ([`TIME_LIMIT`]). Extraction runs on a worker thread; a page
//! that is not done in time is rejected and its worker told to stop (the parse stops at its next
//! token; readability, which cannot be interrupted, works on a tree the guards kept small). Rust
//! cannot kill a thread, so a worker past its deadline is waited for before the next page starts:
//! at most one parse ever runs past its deadline, and it cannot pile up memory or CPU.

mod byline;
mod meta;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dom_smoothie::{Config, Readability};

use crate::html_guard::{self, Refusal};
use crate::import::charset;
use crate::item::{Format, ImportError, Location, Markup, Parsed, RawItem};

pub use meta::PageMeta;

/// The largest page read.
pub const MAX_PAGE_BYTES: usize = html_guard::MAX_BYTES;
/// How long extraction may take.
pub const TIME_LIMIT: Duration = html_guard::TIME_LIMIT;

/// The worker of the last page that ran out of time, if it has not finished yet.
static OVERDUE: Mutex<Option<JoinHandle<()>>> = Mutex::new(None);

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
    // The scan is cheap: a page it refuses needs no thread.
    match html_guard::check(&html) {
        Err(refusal) => return emit(reject(format!("page {refusal}"))),
        Ok(shape) if shape.elements == 0 => {
            return emit(reject("not an HTML page: no elements".into()));
        }
        Ok(_) => {}
    }

    let extracted = match extract_on_worker(html) {
        Ok(extracted) => extracted,
        Err(reason) => return emit(reject(reason)),
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

/// [`extract_within`] on a worker thread, given [`TIME_LIMIT`]; the reason for a rejection.
fn extract_on_worker(html: String) -> Result<Extracted, String> {
    // The previous page's worker, if it overran, finishes before this one starts.
    let overdue = OVERDUE.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(worker) = overdue {
        let _ = worker.join();
    }
    let deadline = Instant::now() + TIME_LIMIT;
    let cancel = Arc::new(AtomicBool::new(false));
    let (sender, receiver) = mpsc::channel();
    let worker_cancel = Arc::clone(&cancel);
    let worker = std::thread::Builder::new()
        .name("newsdb-html".into())
        .spawn(move || {
            let extracted =
                std::panic::catch_unwind(|| extract_within(&html, deadline, Some(&worker_cancel)));
            let _ = sender.send(extracted);
        })
        .map_err(|e| format!("cannot start the page parser: {e}"))?;
    let outcome = receiver.recv_timeout(TIME_LIMIT);
    if outcome.is_err() {
        cancel.store(true, Ordering::Relaxed);
        *OVERDUE.lock().unwrap_or_else(|e| e.into_inner()) = Some(worker);
    } else {
        let _ = worker.join();
    }
    match outcome {
        Ok(Ok(Ok(extracted))) => Ok(extracted),
        Ok(Ok(Err(refusal))) => Err(format!("page {refusal}")),
        Ok(Err(_)) => Err("the page parser crashed on this page".into()),
        Err(_) => Err(format!("page {}", Refusal::TimedOut)),
    }
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

/// Run readability and the metadata fallbacks on a page's text, within the HTML guards and
/// [`TIME_LIMIT`]; nothing when the guards refuse the page.
pub fn extract(html: &str) -> Extracted {
    extract_within(html, Instant::now() + TIME_LIMIT, None).unwrap_or_default()
}

/// Run readability and the metadata fallbacks on a page's text, within the HTML guards; stops
/// early when `cancel` is set.
pub fn extract_within(
    html: &str,
    deadline: Instant,
    cancel: Option<&AtomicBool>,
) -> Result<Extracted, Refusal> {
    let cancelled = || {
        if cancel.is_some_and(|cancel| cancel.load(Ordering::Relaxed)) {
            Err(Refusal::Cancelled)
        } else {
            Ok(())
        }
    };
    let document = html_guard::parse(html, deadline, cancel)?;
    let config = Config {
        max_elements_to_parse: html_guard::MAX_ELEMENTS,
        ..Config::default()
    };
    let Ok(mut readability) = Readability::with_document(document, None, Some(config)) else {
        return Ok(Extracted::default());
    };
    // Our fallbacks read the document before readability rewrites it.
    let mut meta = meta::page_meta(&readability.doc);
    let bylines = byline::mark(&readability.doc);
    cancelled()?;
    let article = readability.parse().ok();
    cancelled()?;
    let Some(article) = article else {
        return Ok(Extracted {
            title: meta.title.clone(),
            body: None,
            meta,
        });
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
    let content = byline::strip_at_ends(&article.content, &bylines, deadline, cancel)
        .unwrap_or_else(|| article.content.to_string());
    let body = non_empty(&content).map(|_| content);
    Ok(Extracted { title, body, meta })
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
