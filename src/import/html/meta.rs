//! Page metadata that readability extraction alone misses: the fallbacks for title, site name,
//! byline, publication time, canonical URL, language and description, from OpenGraph and other
//! `<meta>` tags, JSON-LD (including `@graph` and `@id` references), microdata and common markup.

use dom_query::{Document, NodeRef, Selection};
use serde_json::Value;

use crate::normalize::byline::split_byline;
use crate::normalize::credits::is_person_name;
use crate::normalize::keys::person_key;

/// What the page says about itself, each field the first good candidate in priority order.
#[derive(Debug, Default, Clone)]
pub struct PageMeta {
    pub title: Option<String>,
    /// The headline as displayed: the page's first `<h1>` outside sidebars and widgets.
    pub headline: Option<String>,
    pub site_name: Option<String>,
    pub authors: Vec<String>,
    pub published: Option<String>,
    pub url: Option<String>,
    pub language: Option<String>,
    pub description: Option<String>,
}

/// Read the metadata of a parsed page (before readability changes the document).
pub fn page_meta(doc: &Document) -> PageMeta {
    let metas = Metas::of(doc);
    let ld = JsonLd::of(doc);
    let site_name = metas
        .get(&["og:site_name", "application-name", "twitter:site:name"])
        .or_else(|| ld.publisher_name());
    let title = metas
        .get(&["og:title", "twitter:title", "dc.title", "title"])
        .or_else(|| ld.headline())
        .or_else(|| title_element(doc, site_name.as_deref()))
        .or_else(|| first_text(doc, "h1"));
    PageMeta {
        title,
        headline: first_text(doc, "h1"),
        authors: authors(doc, &metas, &ld, site_name.as_deref()),
        site_name,
        published: published(doc, &metas, &ld),
        url: canonical_url(doc, &metas, &ld),
        language: language(doc, &metas),
        description: metas.get(&[
            "description",
            "og:description",
            "twitter:description",
            "dc.description",
        ]),
    }
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn non_empty(text: &str) -> Option<String> {
    let text = squash(text);
    (!text.is_empty()).then_some(text)
}

/// `<meta>` tags by their `property`, `name` or `itemprop`, lowercased.
struct Metas(Vec<(String, String)>);

impl Metas {
    fn of(doc: &Document) -> Metas {
        let mut pairs = Vec::new();
        for node in doc.select("meta").nodes() {
            let Some(content) = node.attr("content") else {
                continue;
            };
            for key in ["property", "name", "itemprop", "http-equiv"] {
                if let Some(name) = node.attr(key) {
                    // `property` may hold several space-separated names.
                    for name in name.split_whitespace() {
                        pairs.push((name.to_ascii_lowercase(), content.to_string()));
                    }
                }
            }
        }
        Metas(pairs)
    }

    fn get(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|name| {
            self.0
                .iter()
                .filter(|(key, _)| key == name)
                .find_map(|(_, content)| non_empty(content))
        })
    }
}

/// Every JSON-LD node of the page, `@graph` members flattened out.
struct JsonLd(Vec<Value>);

const ARTICLE_TYPES: [&str; 8] = [
    "NewsArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "Article",
    "BlogPosting",
    "Report",
    "ScholarlyArticle",
    "TechArticle",
];

impl JsonLd {
    fn of(doc: &Document) -> JsonLd {
        let mut nodes = Vec::new();
        for script in doc.select("script[type=\"application/ld+json\"]").nodes() {
            let text = script.text();
            let text = text
                .trim()
                .trim_start_matches("<![CDATA[")
                .trim_end_matches("]]>")
                .trim()
                .trim_end_matches(';');
            let Ok(value) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            flatten(value, &mut nodes, 0);
        }
        JsonLd(nodes)
    }

    /// The article node: the first node of an article type, else the first with a headline.
    fn article(&self) -> Option<&Value> {
        self.0
            .iter()
            .find(|node| has_type(node, &ARTICLE_TYPES))
            .or_else(|| self.0.iter().find(|node| node.get("headline").is_some()))
    }

    /// Follow `{"@id": "..."}` to the node with that id.
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        if let Some(id) = value.get("@id").and_then(Value::as_str)
            && value.as_object().is_some_and(|o| o.len() == 1)
            && let Some(node) = self.0.iter().find(|node| {
                node.get("@id").and_then(Value::as_str) == Some(id)
                    && node.as_object().is_some_and(|o| o.len() > 1)
            })
        {
            return node;
        }
        value
    }

    fn headline(&self) -> Option<String> {
        let article = self.article()?;
        string(article.get("headline")?).or_else(|| string(article.get("name")?))
    }

    fn publisher_name(&self) -> Option<String> {
        let publisher = self.article().and_then(|a| a.get("publisher"));
        publisher
            .and_then(|p| {
                let p = self.resolve(first(p));
                p.get("name").and_then(string).or_else(|| string(p))
            })
            .or_else(|| {
                // A WebSite node names the site.
                self.0
                    .iter()
                    .find(|node| has_type(node, &["WebSite"]))
                    .and_then(|node| node.get("name").and_then(string))
            })
    }

    fn authors(&self) -> Vec<String> {
        let Some(author) = self
            .article()
            .and_then(|a| a.get("author").or(a.get("creator")))
        else {
            return Vec::new();
        };
        let list: Vec<&Value> = match author {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        list.into_iter()
            .filter_map(|a| {
                let a = self.resolve(a);
                a.get("name").and_then(string).or_else(|| string(a))
            })
            .collect()
    }

    fn date_published(&self) -> Option<String> {
        let article = self.article();
        article
            .and_then(|a| a.get("datePublished").and_then(date))
            .or_else(|| {
                self.0
                    .iter()
                    .find_map(|n| n.get("datePublished").and_then(date))
            })
            .or_else(|| article.and_then(|a| a.get("dateCreated").and_then(date)))
    }

    fn url(&self) -> Option<String> {
        let article = self.article()?;
        article.get("url").and_then(string).or_else(|| {
            article
                .get("mainEntityOfPage")
                .map(|m| self.resolve(m))
                .and_then(|m| m.get("@id").and_then(string).or_else(|| string(m)))
        })
    }
}

fn flatten(value: Value, out: &mut Vec<Value>, depth: usize) {
    if depth > 4 {
        return;
    }
    match value {
        Value::Array(items) => items.into_iter().for_each(|v| flatten(v, out, depth + 1)),
        Value::Object(mut object) => {
            if let Some(graph) = object.remove("@graph") {
                flatten(graph, out, depth + 1);
            }
            if !object.is_empty() {
                out.push(Value::Object(object));
            }
        }
        _ => {}
    }
}

fn has_type(node: &Value, types: &[&str]) -> bool {
    match node.get("@type") {
        Some(Value::String(t)) => types.contains(&t.as_str()),
        Some(Value::Array(ts)) => ts
            .iter()
            .any(|t| t.as_str().is_some_and(|t| types.contains(&t))),
        _ => false,
    }
}

/// A JSON-LD date: a string as written, or a Unix time in seconds or milliseconds (as RFC 3339,
/// since a bare number is no date string a parser would recognise).
fn date(value: &Value) -> Option<String> {
    if let Some(number) = value.as_i64() {
        let seconds = if number > 100_000_000_000 {
            number / 1000
        } else {
            number
        };
        return chrono::DateTime::from_timestamp(seconds, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    string(value)
}

fn first(value: &Value) -> &Value {
    match value {
        Value::Array(items) => items.first().unwrap_or(value),
        other => other,
    }
}

fn string(value: &Value) -> Option<String> {
    value.as_str().and_then(non_empty)
}

/// The text of the first element matching `selector` outside sidebars and widgets.
fn first_text(doc: &Document, selector: &str) -> Option<String> {
    doc.select(selector)
        .nodes()
        .iter()
        .filter(|node| !in_sidebar(node))
        .find_map(|node| non_empty(&node.text()))
}

/// Words of a class or id that mark a block beside the article: other stories, their bylines
/// and dates.
const SIDEBAR_WORDS: &[&str] = &[
    "aside",
    "comment",
    "comments",
    "outbrain",
    "popular",
    "promo",
    "rail",
    "recommendations",
    "recommended",
    "related",
    "sidebar",
    "taboola",
    "teaser",
    "teasers",
    "trending",
    "widget",
    "widgets",
];

/// True when the node or an ancestor is a sidebar, a related-stories widget, navigation or a
/// footer: a byline or date found there belongs to another story.
fn in_sidebar(node: &NodeRef) -> bool {
    let mut current = Some(*node);
    while let Some(element) = current {
        if let Some(name) = element.node_name() {
            let name = name.to_ascii_lowercase();
            if matches!(name.as_str(), "aside" | "nav" | "footer") {
                return true;
            }
        }
        let marked = ["class", "id"]
            .into_iter()
            .filter_map(|attribute| element.attr(attribute))
            .any(|value| {
                value
                    .to_ascii_lowercase()
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .any(|word| SIDEBAR_WORDS.contains(&word))
            });
        if marked {
            return true;
        }
        current = element.parent();
    }
    false
}

/// `<title>` without the site's name: " | Site", " - Site", " — Site" at the end (or start).
fn title_element(doc: &Document, site_name: Option<&str>) -> Option<String> {
    let title = first_text(doc, "title")?;
    Some(strip_site_suffix(&title, site_name))
}

const SEPARATORS: [&str; 6] = [" | ", " - ", " – ", " — ", " :: ", " · "];

/// The article's title from the page's title (Readability's, `og:title` or `<title>`):
/// - the displayed headline when the title is that headline followed by a short segment ("Story
///   | WIRED" over `<h1>Story</h1>`), or when the title names only the site;
/// - else the title without a first or last segment that names the site, by its name or its
///   domain ("Story - Telegraph" on The Telegraph, "Story | TechCrunch" on techcrunch.com);
/// - else the title as it is.
pub fn article_title(
    title: &str,
    site: Option<&str>,
    domain: Option<&str>,
    headline: Option<&str>,
) -> String {
    let title = squash(title);
    let names_site = |segment: &str| names_site(segment, site, domain);
    if let Some(headline) = headline
        .map(squash)
        .filter(|h| !h.is_empty() && *h != title)
    {
        for separator in SEPARATORS {
            // Only a headline in front: a title that ends with the `<h1>` ("Story · V8") has
            // the site's logo for a heading (below).
            let rest = title.strip_prefix(&format!("{headline}{separator}"));
            if rest.is_some_and(|rest| {
                !rest.trim().is_empty() && rest.split_whitespace().count() <= MAX_SITE_WORDS
            }) {
                return headline;
            }
        }
        if names_site(&title) && headline.split_whitespace().count() >= 2 {
            return headline;
        }
        // A short heading that ends the title is the site's logo ("Story · V8" over `<h1>V8`).
        for separator in SEPARATORS {
            if let Some(head) = title.strip_suffix(&format!("{separator}{headline}"))
                && headline.split_whitespace().count() <= 3
                && head.split_whitespace().count() > headline.split_whitespace().count()
            {
                return head.trim().to_string();
            }
        }
    }
    for separator in SEPARATORS {
        // "| Site" alone: no title at all.
        if title
            .strip_prefix(separator.trim_start())
            .is_some_and(&names_site)
        {
            return String::new();
        }
        if let Some((head, tail)) = title.rsplit_once(separator)
            && !head.trim().is_empty()
            && names_site(tail)
        {
            return head.trim().to_string();
        }
        if let Some((head, tail)) = title.split_once(separator)
            && !tail.trim().is_empty()
            && names_site(head)
        {
            return tail.trim().to_string();
        }
    }
    title
}

/// A site's name in a title is a few words.
const MAX_SITE_WORDS: usize = 6;

/// True when `segment` of a title is the site: its name or its domain's name, ignoring case,
/// spaces, punctuation and a leading "The" ("WIRED" for Wired, "Telegraph" for The Telegraph,
/// "BusinessWeek" for businessweek.com, "BBC News" for BBC).
fn names_site(segment: &str, site: Option<&str>, domain: Option<&str>) -> bool {
    let key = |text: &str| -> String {
        let lower = text.trim().to_lowercase();
        let lower = lower.strip_prefix("the ").unwrap_or(&lower);
        lower.chars().filter(|c| c.is_alphanumeric()).collect()
    };
    let segment = key(segment);
    if segment.is_empty() || segment.len() > 40 {
        return false;
    }
    let mut names: Vec<String> = site.map(key).into_iter().collect();
    if let Some(domain) = domain {
        names.push(key(domain));
        // "telegraph.co.uk" -> "telegraph"; "edition.cnn.com" -> "cnn".
        let labels: Vec<&str> = domain.split('.').collect();
        let main = labels
            .iter()
            .rev()
            .find(|label| {
                label.len() > 3
                    || !matches!(
                        **label,
                        "com" | "net" | "org" | "co" | "uk" | "au" | "de" | "fr"
                    )
            })
            .or(labels.first());
        names.extend(main.map(|label| key(label)));
    }
    names.iter().filter(|name| name.len() >= 2).any(|name| {
        *name == segment
            || (name.len().min(segment.len()) >= 3
                && (name.starts_with(&segment) || segment.starts_with(name.as_str())))
    })
}

/// `title` without a leading or trailing `site` set off by a separator; unchanged otherwise.
pub fn strip_known_site(title: &str, site: &str) -> String {
    let title = title.trim();
    for separator in SEPARATORS {
        let rest = title
            .strip_suffix(&format!("{separator}{site}"))
            .or_else(|| title.strip_prefix(&format!("{site}{separator}")));
        if let Some(rest) = rest.map(str::trim).filter(|rest| !rest.is_empty()) {
            return rest.to_string();
        }
    }
    title.to_string()
}

pub fn strip_site_suffix(title: &str, site_name: Option<&str>) -> String {
    if let Some(site) = site_name.filter(|s| !s.is_empty()) {
        let stripped = strip_known_site(title, site);
        if stripped != title {
            return stripped;
        }
    }
    // Without a known site name, cut the last segment when it is short next to the rest.
    for separator in SEPARATORS {
        if let Some((head, tail)) = title.rsplit_once(separator)
            && tail.split_whitespace().count() <= 4
            && head.split_whitespace().count() >= 3
        {
            return head.trim().to_string();
        }
    }
    title.to_string()
}

/// Clean one byline candidate: whitespace collapsed within its lines, a leading "By " dropped;
/// `None` when it is a sidebar's worth of text, a link, or names nobody and no outlet (a date, a
/// "Follow" button). The byline cleaner splits it into people and outlets later.
pub fn clean_byline(text: &str) -> Option<String> {
    let text = text
        .lines()
        .map(squash)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let lower = text.to_lowercase();
    let text = if lower.starts_with("by ") || lower.starts_with("by:") {
        text[3..].trim().to_string()
    } else {
        text
    };
    let text = text.trim_matches(|c: char| c == ',' || c == '|' || c.is_whitespace());
    if text.is_empty()
        || text.chars().count() > MAX_BYLINE_CHARS
        || text.split_whitespace().count() > MAX_BYLINE_WORDS
        || text.starts_with("http")
    {
        return None;
    }
    let credits = split_byline(text, None);
    (!credits.people.is_empty() || !credits.outlets.is_empty()).then(|| text.to_string())
}

/// The page's bylines: Readability's (`found`, cleaned), unless the page's data (`listed`: meta
/// tags, JSON-LD, microdata) names more of the same people, or names people where Readability
/// found only an outlet (then both: the outlet is credited).
pub fn merge_bylines(found: String, listed: Vec<String>, site_name: Option<&str>) -> Vec<String> {
    let people = |bylines: &[String]| -> Vec<(String, bool)> {
        bylines
            .iter()
            .flat_map(|byline| split_byline(byline, site_name).people)
            .map(|name| {
                let words: Vec<&str> = name.split_whitespace().collect();
                (
                    person_key(&name),
                    words.len() >= 2 && is_person_name(&words),
                )
            })
            .collect()
    };
    let in_found: Vec<String> = people(std::slice::from_ref(&found))
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    let in_listed = people(&listed);
    // The data's extra people must read as full names: an author card's "Journaliste au Monde"
    // or "Suivre" is no co-author.
    let more_of_the_same = in_listed.len() > in_found.len()
        && in_found
            .iter()
            .all(|p| in_listed.iter().any(|(key, _)| key == p))
        && in_listed
            .iter()
            .all(|(key, full_name)| *full_name || in_found.contains(key));
    if in_found.is_empty() && !in_listed.is_empty() {
        let mut merged = listed;
        merged.push(found);
        merged
    } else if more_of_the_same {
        listed
    } else {
        vec![found]
    }
}

/// A byline is short; longer text is a biography or a block of the page.
const MAX_BYLINE_CHARS: usize = 200;
const MAX_BYLINE_WORDS: usize = 24;

fn authors(doc: &Document, metas: &Metas, ld: &JsonLd, site_name: Option<&str>) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    if let Some(author) = metas
        .get(&[
            "author",
            "article:author",
            "dc.creator",
            "parsely-author",
            "sailthru.author",
        ])
        .or_else(|| parsely_page(metas, "author"))
        && !author.starts_with("http")
    {
        found.push(author);
    }
    // An organisation as the author ("Ediciones El País", "lefigaro.fr") is credited, and the
    // people are looked for further on.
    let names_people = |found: &[String]| {
        found
            .iter()
            .any(|author| !split_byline(author, site_name).people.is_empty())
    };
    if !names_people(&found) {
        found.extend(ld.authors());
    }
    if !names_people(&found) {
        for selector in [
            "[itemprop~=\"author\"] [itemprop~=\"name\"]",
            "[itemprop~=\"author\"]",
            "[rel=\"author\"]",
            ".byline",
            ".author",
            ".byline-author",
            "[class*=\"byline\"]",
        ] {
            let in_markup: Vec<String> = doc
                .select(selector)
                .nodes()
                .iter()
                .filter(|node| !in_sidebar(node))
                .filter_map(|node| {
                    node.attr("content")
                        .map(|c| c.to_string())
                        .or_else(|| Some(node.text().to_string()))
                })
                .filter_map(|t| clean_byline(&t))
                // Microdata and author links mark each author; with class names, later matches
                // are usually other stories' bylines in a sidebar, so only the first counts.
                .take(
                    if selector.contains("itemprop") || selector.contains("rel") {
                        8
                    } else {
                        1
                    },
                )
                .collect();
            if !in_markup.is_empty() {
                found.extend(in_markup);
                break;
            }
        }
    }
    let mut cleaned: Vec<String> = Vec::new();
    for author in found.iter().filter_map(|a| clean_byline(a)) {
        if !cleaned.contains(&author) {
            cleaned.push(author);
        }
    }
    cleaned
}

fn published(doc: &Document, metas: &Metas, ld: &JsonLd) -> Option<String> {
    metas
        .get(&[
            "article:published_time",
            "og:article:published_time",
            "datepublished",
            "parsely-pub-date",
            "sailthru.date",
            "dc.date",
            "dc.date.issued",
            "dcterms.created",
            "date",
            "pubdate",
            "publishdate",
            "publish-date",
            "article.published",
            "og:published_time",
            "rnews:datepublished",
            "originalpublicationdate",
            "publication_date",
            "article_date_original",
            "dc.date.created",
        ])
        .or_else(|| ld.date_published())
        .or_else(|| parsely_page(metas, "pub_date"))
        .or_else(|| {
            doc.select("[itemprop=\"datePublished\"]")
                .nodes()
                .iter()
                .filter(|n| !in_sidebar(n))
                .find_map(|n| {
                    n.attr("content")
                        .or_else(|| n.attr("datetime"))
                        .and_then(|v| non_empty(&v))
                        .or_else(|| non_empty(&n.text()))
                })
        })
        .or_else(|| {
            doc.select("time[datetime]")
                .nodes()
                .iter()
                .filter(|n| !in_sidebar(n))
                .find_map(|n| n.attr("datetime").and_then(|v| non_empty(&v)))
        })
        .or_else(|| {
            // Markup named for the date, when its text is short and has digits.
            doc.select(".pubdate, .published, .publish-date, .date-published, .article-date")
                .nodes()
                .iter()
                .filter(|n| !in_sidebar(n))
                .filter_map(|n| non_empty(&n.text()))
                .find(|t| t.len() <= 60 && t.chars().filter(char::is_ascii_digit).count() >= 4)
        })
}

/// A field of Parse.ly's `parsely-page` meta tag, which holds JSON.
fn parsely_page(metas: &Metas, field: &str) -> Option<String> {
    let page: Value = serde_json::from_str(&metas.get(&["parsely-page"])?).ok()?;
    page.get(field).and_then(string)
}

fn canonical_url(doc: &Document, metas: &Metas, ld: &JsonLd) -> Option<String> {
    attr_of(&doc.select("link[rel=\"canonical\"]"), "href")
        .or_else(|| metas.get(&["og:url", "twitter:url"]))
        .or_else(|| ld.url())
        .filter(|url| url.starts_with("http"))
}

fn attr_of(selection: &Selection<'_>, name: &str) -> Option<String> {
    selection
        .nodes()
        .iter()
        .find_map(|n| n.attr(name).and_then(|v| non_empty(&v)))
}

fn language(doc: &Document, metas: &Metas) -> Option<String> {
    attr_of(&doc.select("html"), "lang")
        .or_else(|| attr_of(&doc.select("html"), "xml:lang"))
        .or_else(|| metas.get(&["og:locale", "content-language", "language", "dc.language"]))
        .map(|lang| lang.replace('_', "-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_suffixes() {
        assert_eq!(
            strip_site_suffix("A Story | The Site", Some("The Site")),
            "A Story"
        );
        assert_eq!(
            strip_site_suffix("Big news about things - BBC News", None),
            "Big news about things"
        );
        assert_eq!(strip_site_suffix("Plain title", None), "Plain title");
    }

    #[test]
    fn titles_lose_the_site_name_found_by_name_or_domain() {
        // Issue 11: "... | WIRED", "... - Telegraph".
        assert_eq!(
            article_title("Why the Sky Is Blue | WIRED", Some("Wired"), None, None),
            "Why the Sky Is Blue"
        );
        assert_eq!(
            article_title(
                "Zimbabwe coup: Mugabe insists he finishes his term - Telegraph",
                Some("The Telegraph"),
                None,
                None
            ),
            "Zimbabwe coup: Mugabe insists he finishes his term"
        );
        assert_eq!(
            article_title(
                "Five Social Media Lessons for Business - BusinessWeek",
                None,
                Some("businessweek.com"),
                None
            ),
            "Five Social Media Lessons for Business"
        );
        assert_eq!(
            article_title(
                "TechCrunch | Good article title",
                Some("TechCrunch"),
                None,
                None
            ),
            "Good article title"
        );
        // A segment that is not the site stays: "Review - Part 2".
        assert_eq!(
            article_title("Review - Part 2", Some("Wired"), Some("wired.com"), None),
            "Review - Part 2"
        );
        assert_eq!(
            article_title("| Some Title", Some("Some Title"), None, None),
            ""
        );
    }

    #[test]
    fn titles_prefer_the_displayed_headline() {
        assert_eq!(
            article_title(
                "Samantha and The Great Big Lie - John C. Welch - Medium",
                None,
                None,
                Some("Samantha and The Great Big Lie")
            ),
            "Samantha and The Great Big Lie"
        );
        // A generic title: only the site's name.
        assert_eq!(
            article_title(
                "Yahoo News",
                Some("Yahoo News"),
                None,
                Some("Space ship breaks up over Siberia")
            ),
            "Space ship breaks up over Siberia"
        );
        // A heading that is the site's logo ends the title; it is not the headline.
        assert_eq!(
            article_title(
                "standalone WebAssembly binaries using Emscripten \u{b7} V8",
                None,
                None,
                Some("V8")
            ),
            "standalone WebAssembly binaries using Emscripten"
        );
    }

    #[test]
    fn sidebar_bylines_dates_and_headlines_are_not_the_article_s() {
        let html = r#"<html><body>
            <aside class="related"><h1>Other story</h1><span class="byline">By Sam Side</span>
              <time datetime="2014-01-01T00:00:00Z">Jan 1</time></aside>
            <div class="trending-widget"><time datetime="2014-02-02T00:00:00Z">Feb 2</time></div>
            <article><h1>Bridge to be rebuilt</h1><span class="byline">By Ann Smith</span>
              <time datetime="2014-12-12T15:20:00Z">Dec 12</time><p>Text.</p></article>
            </body></html>"#;
        let meta = page_meta(&Document::from(html));
        assert_eq!(meta.headline.as_deref(), Some("Bridge to be rebuilt"));
        assert_eq!(meta.authors, ["Ann Smith"]);
        assert_eq!(meta.published.as_deref(), Some("2014-12-12T15:20:00Z"));
    }

    #[test]
    fn an_organisation_as_author_is_kept_and_the_people_looked_for() {
        let html = r#"<html><head><meta name="author" content="Ediciones El País">
            <meta property="og:site_name" content="EL PAÍS"></head><body>
            <article><h1>Story</h1><p><a rel="author" href="/a">María R. Sahuquillo</a> and
            <a rel="author" href="/b">Emilio de Benito</a></p><p>Text.</p></article>
            <div class="comments"><a rel="author" href="/c">Commenter</a></div></body></html>"#;
        let meta = page_meta(&Document::from(html));
        assert_eq!(
            meta.authors,
            [
                "Ediciones El País",
                "María R. Sahuquillo",
                "Emilio de Benito"
            ]
        );
    }

    #[test]
    fn readability_s_byline_against_the_page_s_data() {
        let listed = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        // The data names more of the same people: all of them.
        assert_eq!(
            merge_bylines(
                "Tariq Panja".into(),
                listed(&["Tariq Panja", "David Streitfeld"]),
                None
            ),
            ["Tariq Panja", "David Streitfeld"]
        );
        // Readability found only an agency: the data's people, and the agency credited.
        assert_eq!(
            merge_bylines("AFP".into(), listed(&["Jane Doe"]), None),
            ["Jane Doe", "AFP"]
        );
        // An author card's job title and "Follow" button are no co-authors.
        assert_eq!(
            merge_bylines(
                "Martin Untersinger (avec Damien Leloup et Morgane Tual)".into(),
                listed(&[
                    "Martin Untersinger (avec Damien Leloup et Morgane Tual)",
                    "Martin Untersinger\nJournaliste au Monde\nSuivre"
                ]),
                None
            ),
            ["Martin Untersinger (avec Damien Leloup et Morgane Tual)"]
        );
        // Otherwise Readability's byline.
        assert_eq!(
            merge_bylines("Jane Doe".into(), listed(&["John Roe"]), None),
            ["Jane Doe"]
        );
    }

    #[test]
    fn bylines() {
        assert_eq!(clean_byline("By  Jane Doe ").as_deref(), Some("Jane Doe"));
        assert_eq!(clean_byline("September 5, 2023"), None);
        assert_eq!(clean_byline("2023-09-05T10:00"), None);
        assert_eq!(clean_byline(&"word ".repeat(40)), None);
        // A date after the name no longer hides the name; the byline cleaner drops the date.
        assert_eq!(
            clean_byline("By GILLIAN MOHNEY\n   March 11, 2015 3:46 PM").as_deref(),
            Some("GILLIAN MOHNEY\nMarch 11, 2015 3:46 PM")
        );
        assert_eq!(clean_byline("Follow Author"), None);
    }

    #[test]
    fn json_ld_graph_with_references() {
        let html = r##"<html><head><script type="application/ld+json">{"@context":"https://schema.org","@graph":[
            {"@type":"Organization","@id":"#org","name":"Daily Planet"},
            {"@type":"Person","@id":"#lois","name":"Lois Lane"},
            {"@type":"NewsArticle","headline":"Hero saves city","author":[{"@id":"#lois"},{"@type":"Person","name":"Clark Kent"}],
             "publisher":{"@id":"#org"},"datePublished":"2020-05-01T10:00:00Z"}]}</script></head><body></body></html>"##;
        let meta = page_meta(&Document::from(html));
        assert_eq!(meta.title.as_deref(), Some("Hero saves city"));
        assert_eq!(meta.site_name.as_deref(), Some("Daily Planet"));
        assert_eq!(meta.authors, ["Lois Lane", "Clark Kent"]);
        assert_eq!(meta.published.as_deref(), Some("2020-05-01T10:00:00Z"));
    }
}
