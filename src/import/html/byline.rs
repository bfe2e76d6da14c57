//! Byline and dateline markup around the article text: `<p class="byline">By Jane Doe ·
//! <time>Sept 11, 2023</time></p>`, `<div class="article-meta"><span>By X</span> | <span>Updated
//! 10:32 AM</span></div>`, `<a rel="author">`, `itemprop="author"`.
//!
//! Readability drops the byline element only when the page's metadata names no author, so a page
//! with a meta author would keep "By Jane Doe · Sept 11, 2023" as its first body line: its content
//! hash would differ from the same story read from a feed. The page's metadata already holds the
//! byline and the date, so such markup is taken out of the article, in two steps: [`mark`] reads
//! the text of short byline-like elements of the page before readability runs, and
//! [`strip_at_ends`] removes the elements of the extracted article that come before its first
//! prose or after its last and whose text is (part of) one of those. Text is compared rather than
//! attributes because readability rebuilds elements (a `<div class="date">` becomes a `<p>`
//! without its class) and takes links out of bylines. Byline markup in the middle of the text (a
//! quoted author's name) stays.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use dom_query::{Document, NodeRef};

use crate::html_guard;

/// The texts of a page's byline and date elements, whitespace collapsed.
#[derive(Debug, Default)]
pub struct Bylines(Vec<String>);

impl Bylines {
    /// True when `text` is one of the bylines or a part of one that starts and ends at word
    /// boundaries ("Updated:" of "Updated: Aug 13", never "A" of "Aug").
    fn contain(&self, text: &str) -> bool {
        let text = squash(text);
        !text.is_empty()
            && self.0.iter().any(|byline| {
                byline.match_indices(text.as_str()).any(|(at, _)| {
                    let before = byline[..at].chars().next_back();
                    let after = byline[at + text.len()..].chars().next();
                    !before.is_some_and(char::is_alphanumeric)
                        && !after.is_some_and(char::is_alphanumeric)
                })
            })
    }
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A byline block is short; longer ones are author biographies or whole wrappers.
const MAX_BYLINE_CHARS: usize = 300;

/// Words of a class or id (split at `-`, `_`, spaces and camelCase humps) that name byline or
/// date markup.
const BYLINE_CLASS_WORDS: &[&str] = &[
    "author",
    "authors",
    "byline",
    "bylines",
    "dateline",
    "date",
    "datetime",
    "meta",
    "posted",
    "pubdate",
    "published",
    "time",
    "timestamp",
];

/// `itemprop` values of the same.
const BYLINE_ITEMPROPS: &[&str] = &[
    "author",
    "creator",
    "datecreated",
    "datemodified",
    "datepublished",
];

/// Elements that are never taken as a byline, whatever their class.
const NEVER_BYLINE: &[&str] = &["html", "body", "main", "article", "head"];

/// The texts of the byline and date elements of a page (see the module documentation).
pub fn mark(doc: &Document) -> Bylines {
    // Each part's text too: `text()` runs blocks together ("Jane DoeTopics").
    let mut texts: Vec<String> = doc
        .root()
        .descendants_it()
        .filter(|node| node.is_element() && is_byline_element(node))
        .flat_map(|node| {
            std::iter::once(node)
                .chain(node.descendants_it().filter(NodeRef::is_element))
                .map(|part| squash(&part.text()))
                .collect::<Vec<_>>()
        })
        .filter(|text| text.chars().any(char::is_alphanumeric))
        .collect();
    texts.sort();
    texts.dedup();
    Bylines(texts)
}

fn is_byline_element(node: &NodeRef) -> bool {
    let Some(name) = node.node_name() else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    if NEVER_BYLINE.contains(&name.as_str()) {
        return false;
    }
    let named = matches!(name.as_str(), "time" | "address")
        || node.attr("rel").is_some_and(|rel| {
            rel.split_whitespace()
                .any(|r| r.eq_ignore_ascii_case("author"))
        })
        || node.attr("itemprop").is_some_and(|prop| {
            prop.split_whitespace()
                .any(|p| BYLINE_ITEMPROPS.contains(&p.to_ascii_lowercase().as_str()))
        })
        || ["class", "id"]
            .into_iter()
            .filter_map(|attribute| node.attr(attribute))
            .any(|value| has_byline_word(&value));
    if !named {
        return false;
    }
    let text = node.text();
    let chars = text
        .split_whitespace()
        .map(|w| w.chars().count() + 1)
        .sum::<usize>();
    chars <= MAX_BYLINE_CHARS
}

fn has_byline_word(value: &str) -> bool {
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .flat_map(camel_case_words)
        .any(|word| BYLINE_CLASS_WORDS.contains(&word.to_ascii_lowercase().as_str()))
}

/// "postByline" -> "post", "Byline"; "AUTHOR" stays whole.
fn camel_case_words(word: &str) -> impl Iterator<Item = &str> {
    let bytes = word.as_bytes();
    let mut starts: Vec<usize> = (1..bytes.len())
        .filter(|&i| bytes[i].is_ascii_uppercase() && bytes[i - 1].is_ascii_lowercase())
        .collect();
    starts.insert(0, 0);
    let ends: Vec<usize> = starts.iter().skip(1).copied().chain([word.len()]).collect();
    starts
        .into_iter()
        .zip(ends)
        .map(move |(start, end)| &word[start..end])
        .filter(|w| !w.is_empty())
}

/// Elements whose text is not prose: what comes before the byline in many articles (a headline,
/// a standfirst heading, a lead picture and its caption).
const NOT_PROSE: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption"];

/// The article HTML without the byline elements that come before its first prose text or after
/// its last; `None` when there are none to remove (or the HTML guards refuse the article).
pub fn strip_at_ends(
    article_html: &str,
    bylines: &Bylines,
    deadline: Instant,
    cancel: Option<&AtomicBool>,
) -> Option<String> {
    if bylines.0.is_empty() {
        return None;
    }
    let doc = html_guard::parse(article_html, deadline, cancel).ok()?;
    let runs: Vec<NodeRef> = doc
        .root()
        .descendants_it()
        .filter(|node| node.is_text() && node.text().chars().any(char::is_alphanumeric))
        .collect();
    let mut removed: Vec<NodeRef> = Vec::new();
    let mut decided: Vec<NodeRef> = Vec::new();
    // From the start, then from the end, each up to the first prose text: a block goes when all
    // its text is byline text.
    let forward: &mut dyn Iterator<Item = &NodeRef> = &mut runs.iter();
    let backward: &mut dyn Iterator<Item = &NodeRef> = &mut runs.iter().rev();
    for direction in [forward, backward] {
        for run in direction {
            let block = block_of(run);
            if decided.iter().any(|done| done.id == block.id) {
                // The other direction's first prose block ends this one too.
                if is_prose(run) && !removed.iter().any(|done| done.id == block.id) {
                    break;
                }
                continue;
            }
            decided.push(block);
            if block
                .descendants_it()
                .filter(|node| node.is_text() && node.text().chars().any(char::is_alphanumeric))
                .all(|node| bylines.contain(&node.text()))
            {
                removed.push(block);
            } else if is_prose(run) {
                break;
            }
        }
    }
    for element in &removed {
        element.remove_from_parent();
    }
    (!removed.is_empty()).then(|| doc.html().to_string())
}

/// Elements that sit inside a line of text.
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "data", "em", "font", "i", "label", "mark", "q", "s",
    "small", "span", "strong", "sub", "sup", "time", "u",
];

/// The nearest ancestor of a text node that is not inline: its paragraph, heading or item.
fn block_of<'a>(run: &NodeRef<'a>) -> NodeRef<'a> {
    let mut block = *run;
    while let Some(parent) = block.parent() {
        block = parent;
        let inline = block
            .node_name()
            .is_some_and(|name| INLINE.contains(&name.to_ascii_lowercase().as_str()));
        if block.is_element() && !inline {
            break;
        }
    }
    block
}

/// Text outside headings and figures: where the article proper starts.
fn is_prose(run: &NodeRef) -> bool {
    let mut node = run.parent();
    while let Some(element) = node {
        if element
            .node_name()
            .is_some_and(|name| NOT_PROSE.contains(&name.to_ascii_lowercase().as_str()))
        {
            return false;
        }
        node = element.parent();
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byline texts read from `page`, then stripped from `article` (readability's output).
    fn stripped(page: &str, article: &str) -> String {
        let bylines = mark(&Document::from(page));
        let html = strip_at_ends(
            article,
            &bylines,
            Instant::now() + html_guard::TIME_LIMIT,
            None,
        )
        .unwrap_or_else(|| article.to_string());
        crate::normalize::text::html_to_text(&html)
    }

    fn marked_then_stripped(html: &str) -> String {
        stripped(html, html)
    }

    #[test]
    fn byline_with_a_time_before_the_text_goes() {
        let html = r#"<article><h1>Bridge</h1><p class="byline">By Jane Doe &middot;
            <time datetime="2023-09-11">Sept 11, 2023</time></p><p>The council voted.</p></article>"#;
        assert_eq!(marked_then_stripped(html), "Bridge\n\nThe council voted.");
    }

    #[test]
    fn article_meta_spans_go() {
        let html = r#"<div><div class="article-meta"><span>By Jane Doe</span> | <span>Updated
            10:32 AM</span></div><p>The council voted.</p><p>It was late.</p>
            <div class="postAuthor">Jane Doe writes about towns.</div></div>"#;
        assert_eq!(
            marked_then_stripped(html),
            "The council voted.\n\nIt was late."
        );
    }

    #[test]
    fn author_markup_inside_the_text_stays() {
        let html = r#"<div><p>The council voted.</p><p>As <a rel="author" href="/jd">Jane Doe</a>
            wrote, it was late.</p><p>The end.</p></div>"#;
        assert_eq!(
            marked_then_stripped(html),
            "The council voted.\n\nAs Jane Doe wrote, it was late.\n\nThe end."
        );
    }

    #[test]
    fn rebuilt_elements_are_found_by_their_text() {
        // Readability turned the div into a p and took the author link out.
        let page = r#"<div class="date"><span>Updated: </span>August 13, 2010</div>
            <div class="meta"><h4>By: <a rel="author">Jane Doe</a></h4><h4>Topics: Crack</h4></div>"#;
        let article = "<p><span>Updated: </span>August 13, 2010</p><p><h4>By:</h4>\
            <h4>Topics: Crack</h4></p><p>The council voted.</p>";
        assert_eq!(stripped(page, article), "The council voted.");
    }

    #[test]
    fn long_blocks_are_not_bylines() {
        let long = "word ".repeat(80);
        let html = format!(r#"<div class="post-meta"><p>{long}</p></div><p>Text.</p>"#);
        assert!(mark(&Document::from(html.as_str())).0.is_empty());
    }

    #[test]
    fn class_words() {
        assert!(has_byline_word("post_byline"));
        assert!(has_byline_word("articleMeta"));
        assert!(has_byline_word("entry-date published"));
        assert!(!has_byline_word("metadata authority content"));
    }
}
