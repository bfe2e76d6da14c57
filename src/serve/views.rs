//! The pages' HTML (maud templates: everything interpolated is escaped). Core pages need no
//! JavaScript; `app.js` only adds keyboard shortcuts.

use axum::http::StatusCode;
use maud::{DOCTYPE, Markup, html};
use serde_json::Value as Json;

use super::chart::months_chart;
use super::pages::{
    ArticleData, EntityData, FeedsData, HomeData, SearchData, SourceData, StoriesData, StoryData,
};
use super::routes::{Frame, PAGE_ROWS, Record};
use super::sql_page::{SQL_DOWNLOAD_ROWS, SQL_PAGE_ROWS, SqlData};
use super::text::{Piece, paragraphs, snippet_runs, web_link};
use crate::store::{ENTITY_SAMPLE_ARTICLES, FACET_MATCHES, ListedArticle};

/// Where the header's search box goes: in the header, or left out (the search page has its own).
#[derive(Clone, Copy, PartialEq, Eq)]
enum HeaderSearch {
    Shown,
    Left,
}

fn layout(
    title: &str,
    frame: Frame,
    json_href: Option<&str>,
    search: HeaderSearch,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · newsdb" }
                link rel="stylesheet" href="/assets/style.css";
                link rel="icon" href="/assets/icon.svg" type="image/svg+xml";
                script src="/assets/app.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    nav aria-label="Main" {
                        a.brand href="/" {
                            img src="/assets/icon.svg" alt="" width="20" height="20";
                            " newsdb"
                        }
                        a href="/search" { "Search" }
                        @if frame.has_stories { a href="/stories" { "Stories" } }
                        a href="/feeds" { "Feeds" }
                        a href="/sql" { "SQL" }
                    }
                    @if search == HeaderSearch::Shown {
                        form #search.header-search action="/search" method="get" role="search" {
                            label for="q" { "Search articles" }
                            input #q type="search" name="q" placeholder="Search articles" accesskey="s";
                            button type="submit" { "Search" }
                        }
                    }
                }
                main #main { (body) }
                footer {
                    "newsdb · read-only"
                    @if let Some(href) = json_href {
                        " · " a href=(href) { "this page as JSON" }
                    }
                }
            }
        }
    }
}

fn text_of(value: Option<&Json>) -> Option<String> {
    match value? {
        Json::Null => None,
        Json::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

fn field(record: &Record, name: &str) -> Option<String> {
    text_of(record.get(name))
}

fn id_of(record: &Record) -> i64 {
    record.get("id").and_then(Json::as_i64).unwrap_or_default()
}

/// A date as its day (`2024-09-12`), with the full value as a tooltip.
fn date(value: Option<&str>) -> Markup {
    match value {
        Some(value) => {
            html! { time datetime=(value) title=(value) { (value.get(..10).unwrap_or(value)) } }
        }
        None => html! { span.muted { "undated" } },
    }
}

/// `1 article`, `2 articles`.
fn plural(count: i64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn article_title(title: Option<&str>) -> &str {
    title
        .filter(|t| !t.trim().is_empty())
        .unwrap_or("(untitled)")
}

fn listed_articles(articles: &[ListedArticle]) -> Markup {
    html! {
        ol.articles {
            @for article in articles {
                li {
                    a href={ "/articles/" (article.id) } { (article_title(article.title.as_deref())) }
                    " "
                    span.meta {
                        (date(article.published_at.as_deref()))
                        @if let Some(source) = &article.source { " · " (source) }
                    }
                }
            }
        }
    }
}

fn pager(base: &str, page: usize, has_next: bool) -> Markup {
    let joiner = if base.contains('?') { '&' } else { '?' };
    html! {
        @if page > 1 || has_next {
            nav.pager aria-label="Pages" {
                @if page > 1 {
                    a rel="prev" href={ (base) (joiner) "page=" (page - 1) } { "← Newer" }
                }
                span { "Page " (page) }
                @if has_next {
                    a rel="next" href={ (base) (joiner) "page=" (page + 1) } { "Older →" }
                }
            }
        }
    }
}

pub fn error(status: StatusCode, message: &str) -> Markup {
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    layout(
        &title,
        Frame::default(),
        None,
        HeaderSearch::Shown,
        html! {
            h1 { (title) }
            p.error role="alert" { (message) }
            p { a href="/" { "Back to the start page" } }
        },
    )
}

pub fn home(data: &HomeData, frame: Frame) -> Markup {
    let stat = |name: &str| {
        data.stats
            .iter()
            .find(|row| row.get("name").and_then(Json::as_str) == Some(name))
            .and_then(|row| field(row, "value"))
            .unwrap_or_default()
    };
    layout(
        "Home",
        frame,
        Some("/index.json"),
        HeaderSearch::Shown,
        html! {
            h1 { "Your news archive" }
            dl.counts {
                @for (label, name) in [("articles", "articles"), ("sources", "sources"),
                                       ("entities", "entities"), ("feeds", "feeds")] {
                    div { dt { (label) } dd { (stat(name)) } }
                }
            }
            @let first = stat("first_published");
            @let last = stat("last_published");
            @if !first.is_empty() {
                p.muted { "Published from " (date(Some(&first))) " to " (date(Some(&last))) }
            }
            div.columns {
                section {
                    h2 { "Newest articles" }
                    ol.articles {
                        @for article in &data.newest {
                            li {
                                a href={ "/articles/" (id_of(article)) } {
                                    (article_title(field(article, "title").as_deref()))
                                }
                                " "
                                span.meta {
                                    (date(field(article, "published_at").as_deref()))
                                    @if let Some(source) = field(article, "source") { " · " (source) }
                                }
                            }
                        }
                    }
                }
                section {
                    h2 { "Most mentioned this week" }
                    @if data.top_entities_this_week.is_empty() {
                        p.muted { "No entity was mentioned in the last seven days." }
                    }
                    ol.entities {
                        @for entity in &data.top_entities_this_week {
                            li {
                                a href={ "/entities/" (entity.id) } { (entity.name) }
                                " " span.meta { (entity.kind) " · " (plural(entity.articles, "article")) }
                            }
                        }
                    }
                }
            }
            div.columns {
                section {
                    h2 { "Sources" }
                    table {
                        thead { tr { th scope="col" { "Source" } th.num scope="col" { "Articles" } th scope="col" { "Last published" } } }
                        tbody {
                            @for source in &data.sources {
                                tr {
                                    td { a href={ "/sources/" (id_of(source)) } { (field(source, "name").unwrap_or_default()) } }
                                    td.num { (field(source, "articles").unwrap_or_default()) }
                                    td { (date(field(source, "last_published").as_deref())) }
                                }
                            }
                        }
                    }
                }
                section {
                    h2 { "Feed health" }
                    @if data.feeds.is_empty() { p.muted { "No subscriptions (" code { "newsdb feeds add URL" } ")." } }
                    ul.feeds {
                        @for feed in &data.feeds {
                            li {
                                span class=(if feed.failure_count > 0 { "status bad" } else { "status ok" }) {
                                    @if feed.failure_count > 0 { "failing" } @else { "ok" }
                                }
                                " " (feed.title.as_deref().unwrap_or(&feed.url))
                            }
                        }
                    }
                    p { a href="/feeds" { "All feeds" } }
                }
            }
        },
    )
}

fn search_href(data: &SearchData, overrides: &[(&str, &str)]) -> String {
    let form = &data.form;
    let mut pairs: Vec<(&str, String)> = vec![("q", form.q.clone())];
    for (name, value) in [
        ("source", &form.source),
        ("entity", &form.entity),
        ("since", &form.since),
        ("until", &form.until),
        ("category", &form.category),
    ] {
        if let Some(value) = value {
            pairs.push((name, value.clone()));
        }
    }
    if form.sort != "relevance" {
        pairs.push(("sort", form.sort.clone()));
    }
    if form.per_story {
        pairs.push(("story", "1".into()));
    }
    for (name, value) in overrides {
        pairs.retain(|(key, _)| key != name);
        pairs.push((name, (*value).to_owned()));
    }
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        out.append_pair(name, &value);
    }
    format!("/search?{}", out.finish())
}

pub fn search(data: &SearchData, frame: Frame) -> Markup {
    let form = &data.form;
    let title = if form.q.is_empty() {
        "Search".to_owned()
    } else {
        format!("Search: {}", form.q)
    };
    let json_href = format!("{}&format=json", search_href(data, &[]));
    layout(
        &title,
        frame,
        Some(&json_href),
        HeaderSearch::Left,
        html! {
            h1 { "Search" }
            form #search.search-form action="/search" method="get" role="search" {
                div.field.wide {
                    label for="q" { "Words" }
                    input #q type="search" name="q" value=(form.q) aria-describedby="syntax" autofocus;
                }
                details #syntax.help {
                    summary { "Search syntax" }
                    ul {
                        li { "All words must match: " code { "armored train" } }
                        li { "A phrase: " code { "\"Kim Jong-un\"" } " (quote words with hyphens or dots)" }
                        li { "A prefix: " code { "sanction*" } }
                        li { code { "OR" } ", " code { "NOT" } ", " code { "NEAR(putin kim)" } }
                        li { "One field: " code { "title:summit" } ", " code { "summary:" } ", " code { "body:" } }
                    }
                }
                div.filters {
                    div.field { label for="f-source" { "Source" } input #f-source name="source" value=[form.source.as_deref()]; }
                    div.field { label for="f-entity" { "Entity" } input #f-entity name="entity" value=[form.entity.as_deref()]; }
                    div.field { label for="f-since" { "From" } input #f-since name="since" placeholder="YYYY-MM-DD" value=[form.since.as_deref()]; }
                    div.field { label for="f-until" { "Until" } input #f-until name="until" placeholder="YYYY-MM-DD" value=[form.until.as_deref()]; }
                    div.field { label for="f-category" { "Category" } input #f-category name="category" value=[form.category.as_deref()]; }
                    div.field {
                        label for="f-sort" { "Sort by" }
                        select #f-sort name="sort" {
                            option value="relevance" selected[form.sort == "relevance"] { "relevance" }
                            option value="date" selected[form.sort == "date"] { "date, newest first" }
                        }
                    }
                    @if frame.has_stories {
                        div.field.check {
                            input #f-story type="checkbox" name="story" value="1" checked[form.per_story];
                            label for="f-story" { "One result per story" }
                        }
                    }
                }
                button type="submit" { "Search" }
            }
            @if let Some(error) = &data.error {
                p.error role="alert" { (error) }
            }
            @if !form.q.is_empty() && data.error.is_none() {
                div.results-layout {
                    section.results aria-label="Results" {
                        @if data.results.is_empty() { p { "No article matches." } }
                        ol.results start=((form.page - 1) * PAGE_ROWS + 1) {
                            @for result in &data.results {
                                li.result {
                                    a.result-title href={ "/articles/" (id_of(result)) } {
                                        (article_title(field(result, "title").as_deref()))
                                    }
                                    div.meta {
                                        (date(field(result, "published_at").as_deref()))
                                        @if let Some(source) = field(result, "source") { " · " (source) }
                                    }
                                    @if let Some(snippet) = field(result, "snippet") {
                                        p.snippet {
                                            @for (matched, run) in snippet_runs(&snippet) {
                                                @if matched { mark { (run) } } @else { (run) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        (pager(&search_href(data, &[]), form.page, data.has_next))
                    }
                    @if let Some(facets) = &data.facets {
                        aside.facets aria-label="Facets" {
                            @if facets.counted < FACET_MATCHES {
                                p.muted { "Counts over all " (facets.counted) " matches" }
                            } @else {
                                p.muted { "Counts over the " (FACET_MATCHES) " most recently stored matches" }
                            }
                            @for (heading, name, values) in [("Sources", "source", &facets.sources), ("Months", "since", &facets.months), ("Entities", "entity", &facets.entities)] {
                                @if !values.is_empty() {
                                    h2 { (heading) }
                                    ul {
                                        @for value in values {
                                            @let href = if name == "since" {
                                                search_href(data, &[("since", &value.value), ("until", &value.value)])
                                            } else {
                                                search_href(data, &[(name, &value.value)])
                                            };
                                            li { a href=(href) { (value.value) } " " span.count { (value.articles) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn pieces(pieces: &[Piece<'_>]) -> Markup {
    html! {
        @for piece in pieces {
            @match piece {
                Piece::Text(text) => (text),
                Piece::Mention { text, entity_id, kind, entity } => {
                    a class={ "entity " (kind) } href={ "/entities/" (entity_id) } title={ (entity) " (" (kind) ")" } { (text) }
                }
            }
        }
    }
}

pub fn article(data: &ArticleData, frame: Frame) -> Markup {
    let article = &data.article;
    let id = id_of(article);
    let title = field(article, "title").unwrap_or_default();
    let body = field(article, "body").unwrap_or_default();
    let title_pieces = paragraphs(&title, &data.title_mentions);
    let body_paragraphs = paragraphs(&body, &data.body_mentions);
    let json_href = format!("/articles/{id}.json");
    layout(
        article_title(Some(&title)),
        frame,
        Some(&json_href),
        HeaderSearch::Shown,
        html! {
            article.article {
                h1 {
                    @if title_pieces.is_empty() { "(untitled)" }
                    @for paragraph in &title_pieces { (pieces(paragraph)) }
                }
                dl.facts {
                    @if let Some(authors) = field(article, "authors") { dt { "By" } dd { (authors) } }
                    @if let Some(source) = field(article, "source") { dt { "Publisher" } dd { (source) } }
                    @if let Some(credits) = field(article, "credits") { dt { "Credits" } dd { (credits) } }
                    dt { "Published" }
                    dd {
                        (date(field(article, "published_at").as_deref()))
                        @if let Some(raw) = field(article, "published_raw") { " " span.muted { "(as written: " (raw) ")" } }
                    }
                    dt { "Imported" } dd { (date(field(article, "imported_at").as_deref())) }
                    @if let Some(words) = field(article, "word_count") { dt { "Words" } dd { (words) } }
                    @if let Some(language) = field(article, "language") { dt { "Language" } dd { (language) } }
                    dt { "Content hash" } dd { code { (field(article, "content_hash").unwrap_or_default()) } }
                }
                @if let Some(summary) = field(article, "summary") {
                    p.summary { (summary) }
                }
                div.body {
                    @for paragraph in &body_paragraphs { p { (pieces(paragraph)) } }
                }
            }
            section {
                h2 { "Seen at" }
                div.scroll { table {
                    thead { tr { th scope="col" { "Where" } th scope="col" { "Title as seen" } th scope="col" { "First" } th scope="col" { "Last" } th.num scope="col" { "Times" } } }
                    tbody {
                        @for sighting in &data.sightings {
                            tr {
                                td {
                                    (link_or_text(&sighting.origin))
                                    @if let Some(locator) = &sighting.locator { " " span.muted { (locator) } }
                                }
                                td { (sighting.title.as_deref().unwrap_or("")) }
                                td { (date(Some(&sighting.first_seen_at))) }
                                td { (date(Some(&sighting.last_seen_at))) }
                                td.num { (sighting.times_seen) }
                            }
                        }
                    }
                } }
            }
            @if let Some(urls) = field(article, "urls") {
                section {
                    h2 { "URLs and GUIDs" }
                    ul.urls { @for url in urls.lines() { li { (link_or_text(url)) } } }
                }
            }
            @if let Some(story) = &data.story {
                @if story.articles.len() > 1 {
                    section {
                        h2 { a href={ "/stories/" (story.story.story_id) } { "Its story" } ": " (story.story.articles) " versions" }
                        (listed_articles(&story.articles))
                    }
                }
            }
            p.actions {
                @if data.has_raw { a href={ "/articles/" (id) "/raw" } { "Original bytes" } " · " }
                a href=(json_href) { "JSON" }
            }
        },
    )
}

/// A stored URL as a link when it is http(s), else as inert text.
fn link_or_text(url: &str) -> Markup {
    html! {
        @match web_link(url) {
            Some(href) => a href=(href) rel="noopener noreferrer nofollow" { (url) },
            None => span.url { (url) },
        }
    }
}

pub fn entity(data: &EntityData, frame: Frame) -> Markup {
    let entity = &data.detail.entity;
    let json_href = format!("/entities/{}.json", entity.id);
    layout(
        &entity.name,
        frame,
        Some(&json_href),
        HeaderSearch::Shown,
        html! {
            h1 { (entity.name) " " span.kind { (entity.kind) } }
            p.meta {
                (plural(entity.articles, "article")) ", " (plural(entity.mentions, "mention"))
                @if let (Some(first), Some(last)) = (&entity.first_seen, &entity.last_seen) {
                    ", from " (date(Some(first))) " to " (date(Some(last)))
                }
            }
            @if let Some(external) = external_id(entity) {
                p.meta { "External id: " (link_or_text(&external)) }
            }
            p.muted { "Corrections (merge, alias, rename, ignore) are made with " code { "newsdb entity" } " on the command line; aliases users added show as " i { "user" } "." }
            section {
                h2 { "Articles per month" }
                (months_chart(&data.months, &format!("Articles mentioning {} per month", entity.name)))
            }
            div.columns {
                section {
                    h2 { "Latest articles" }
                    ol.articles {
                        @for article in &data.detail.articles {
                            li {
                                a href={ "/articles/" (article.id) } { (article_title(article.title.as_deref())) }
                                " " span.meta { (date(article.published_at.as_deref())) " · " (plural(article.mentions, "mention")) }
                            }
                        }
                    }
                }
                section {
                    h2 { "Named with" }
                    @if entity.articles > ENTITY_SAMPLE_ARTICLES {
                        p.muted { "In its latest " (ENTITY_SAMPLE_ARTICLES) " articles; so are the counts under " i { "Written as" } "." }
                    }
                    ol.entities {
                        @for other in &data.detail.co_mentions {
                            li {
                                a href={ "/entities/" (other.id) } { (other.name) }
                                " " span.meta { (other.kind) " · " (plural(other.articles, "article")) }
                            }
                        }
                    }
                    h2 { "Written as" }
                    ul.aliases {
                        @for alias in &data.detail.aliases {
                            li {
                                (alias.alias) " " span.count { (alias.mentions) }
                                @if let Some(origin) = &alias.origin { " " span.muted { (origin) } }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The entity's external id (a Wikidata or GeoNames id from a gazetteer) when this build's
/// entities carry one: read through its JSON so the page works with and without that field.
fn external_id(entity: &crate::store::EntitySummary) -> Option<String> {
    let value = serde_json::to_value(entity).ok()?;
    value.get("external_id")?.as_str().map(str::to_owned)
}

pub fn source(data: &SourceData, frame: Frame) -> Markup {
    let source = &data.source;
    let json_href = format!("/sources/{}.json", source.id);
    layout(
        &source.name,
        frame,
        Some(&json_href),
        HeaderSearch::Shown,
        html! {
            h1 { (source.name) }
            p.meta {
                (source.articles) " articles published"
                @if let Some(domain) = &source.domain { " · " (domain) }
                @if let Some(home) = &source.home_url { " · " (link_or_text(home)) }
            }
            section {
                h2 { "Articles per month" }
                (months_chart(&data.months, &format!("Articles by {} per month", source.name)))
            }
            div.columns {
                section {
                    h2 { "Latest articles" }
                    (listed_articles(&data.articles))
                    (pager(&format!("/sources/{}", source.id), data.page, data.has_next))
                }
                section {
                    h2 { "Most named" }
                    p.muted { "In its latest " (crate::store::SOURCE_ENTITY_ARTICLES) " articles" }
                    ol.entities {
                        @for entity in &data.top_entities {
                            li {
                                a href={ "/entities/" (entity.id) } { (entity.name) }
                                " " span.meta { (entity.kind) " · " (plural(entity.articles, "article")) }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub fn stories(data: &StoriesData, frame: Frame) -> Markup {
    let json_href = format!("/stories.json?order={}&page={}", data.order, data.page);
    layout(
        "Stories",
        frame,
        Some(&json_href),
        HeaderSearch::Shown,
        html! {
            h1 { "Stories" }
            @if !data.available {
                p { "This database has no stories yet: a newer newsdb groups near copies of an article into stories." }
            } @else {
                nav.tabs aria-label="Order" {
                    a href="/stories?order=biggest" aria-current=[(data.order == "biggest").then_some("page")] { "Biggest" }
                    a href="/stories?order=newest" aria-current=[(data.order == "newest").then_some("page")] { "Newest" }
                }
                @if data.stories.is_empty() { p { "No story has more than one version." } }
                @for story in &data.stories {
                    section.story {
                        h2 { a href={ "/stories/" (story.story.story_id) } { (article_title(story.story.title.as_deref())) } }
                        p.meta { (story.story.articles) " versions · " (date(story.story.last_published.as_deref())) }
                        (listed_articles(&story.articles))
                    }
                }
                (pager(&format!("/stories?order={}", data.order), data.page, data.has_next))
            }
        },
    )
}

pub fn story(data: &StoryData, frame: Frame) -> Markup {
    let json_href = format!("/stories/{}.json", data.story.story_id);
    layout(
        article_title(data.story.title.as_deref()),
        frame,
        Some(&json_href),
        HeaderSearch::Shown,
        html! {
            h1 { (article_title(data.story.title.as_deref())) }
            p.meta {
                (data.story.articles) " versions, from "
                (date(data.story.first_published.as_deref())) " to " (date(data.story.last_published.as_deref()))
            }
            (listed_articles(&data.articles))
        },
    )
}

pub fn feeds(data: &FeedsData, frame: Frame) -> Markup {
    layout(
        "Feeds",
        frame,
        Some("/feeds.json"),
        HeaderSearch::Shown,
        html! {
            h1 { "Feeds" }
            @if data.feeds.is_empty() {
                p { "No subscriptions yet: " code { "newsdb feeds add URL" } "." }
            } @else {
                div.scroll {
                    table {
                        thead { tr {
                            th scope="col" { "Feed" } th scope="col" { "Status" } th scope="col" { "Last fetch" }
                            th.num scope="col" { "Failures" } th scope="col" { "Next try" } th.num scope="col" { "Articles" }
                        } }
                        tbody {
                            @for feed in &data.feeds {
                                tr {
                                    td {
                                        @if let Some(title) = &feed.title { strong { (title) } br; }
                                        (link_or_text(&feed.url))
                                    }
                                    td {
                                        @if let Some(status) = feed.last_status { (status) " " }
                                        @if let Some(error) = &feed.last_error { span.error { (error) } }
                                    }
                                    td { (date(feed.last_fetched_at.as_deref())) }
                                    td.num { (feed.failure_count) }
                                    td { @if let Some(next) = &feed.next_check_at { (date(Some(next))) } @else { "due" } }
                                    td.num { (feed.articles) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub fn sql(data: &SqlData, frame: Frame) -> Markup {
    let form = &data.form;
    let again = form.query_string();
    layout(
        "SQL",
        frame,
        None,
        HeaderSearch::Shown,
        html! {
            h1 { "SQL" }
            form #sql action="/sql" method="get" {
                label for="sql-text" { "One read-only statement" }
                textarea #sql-text name="sql" rows="6" spellcheck="false" { (form.sql) }
                p.muted {
                    "Runs on a read-only connection"
                    @if let Some(seconds) = data.timeout_seconds { ", interrupted after " (seconds) " s" }
                    "; the page shows the first " (SQL_PAGE_ROWS) " rows, downloads hold up to "
                    (SQL_DOWNLOAD_ROWS) "."
                }
                button type="submit" { "Run" }
            }
            @if let Some(error) = &data.error {
                p.error role="alert" { (error) }
            }
            @if !data.columns.is_empty() {
                section aria-label="Results" {
                    p.actions {
                        (data.rows.len() as u64 + data.more_rows) " rows · "
                        a #download-csv href={ "/sql.csv?" (again) } download="query.csv" { "Download CSV" }
                        " · "
                        a #download-json href={ "/sql.json?" (again) "&download=1" } download="query.json" { "Download JSON" }
                    }
                    div.scroll {
                        table.results {
                            thead { tr { @for column in &data.columns { th scope="col" { (column) } } } }
                            tbody {
                                @for row in &data.rows {
                                    tr { @for value in row { td { (text_of(Some(value)).unwrap_or_default()) } } }
                                }
                            }
                        }
                    }
                    @if data.more_rows > 0 {
                        p.muted { "… " (data.more_rows) " more rows not shown; the downloads hold them." }
                    }
                }
            }
            section {
                h2 { "Canned queries" }
                @for query in &data.canned {
                    details.canned open[form.query.as_deref() == Some(query.name.as_str())] {
                        summary { code { (query.name) } " " span.muted { (query.origin) } " — " (query.description) }
                        form action="/sql" method="get" {
                            input type="hidden" name="query" value=(query.name);
                            @for parameter in &query.parameters {
                                @let id = format!("p-{}-{}", query.name, parameter.name);
                                @let given = form.parameters.iter().rev().find(|(name, _)| form.query.as_deref() == Some(query.name.as_str()) && name == &parameter.name).map(|(_, value)| value.as_str());
                                div.field {
                                    label for=(id) { (parameter.name) " " span.muted { (parameter.default) } }
                                    input id=(id) name={ "p." (parameter.name) } value=[given]
                                        required[parameter.default == "required"] title=(parameter.doc);
                                }
                            }
                            button type="submit" { "Run " (query.name) }
                        }
                    }
                }
            }
        },
    )
}
