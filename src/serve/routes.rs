//! The routes: each handler reads its parameters, gathers its page's data on a read-only store
//! (through the canned queries and store methods the CLI uses), and answers HTML or, at the same
//! URL with `.json` or `?format=json`, the same data as JSON with the CLI's keys.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::Markup;
use rusqlite::types::Value;
use serde::Serialize;

use super::pool::{PoolError, ReadPool, Reader};
use super::views;
use crate::normalize::date::{since_flag, until_flag};
use crate::query::adhoc::{self, Parameter, QueryError, QueryLimits};
use crate::query::canned::{self, CannedQuery};
use crate::query::format::{self, OutputFormat, TableStyle, value_to_json};
use crate::query::search::explain_fts_error;
use crate::store::{
    EntityDetail, EntityFilter, EntitySummary, Feed, LinkedMention, ListedArticle, PeriodCount,
    SearchFacets, Sighting, SourceRow, StoreError, StoryOrder, StorySummary,
};

/// Rows per page of a listing.
pub const PAGE_ROWS: usize = 20;
/// The deepest page a listing serves: deeper offsets cost a scan of everything before them.
pub const MAX_PAGE: usize = 500;
/// Rows the SQL page shows at most (as `newsdb query`'s table format).
pub const SQL_PAGE_ROWS: usize = format::TABLE_ROWS;
/// Rows a CSV or JSON download of the SQL page holds at most.
pub const SQL_DOWNLOAD_ROWS: usize = 100_000;
/// Request bodies are never read; any larger than this is refused outright.
const BODY_LIMIT: usize = 16 * 1024;
/// How long the canned queries behind a page may run before they are interrupted.
const PAGE_QUERY_LIMIT: Duration = Duration::from_secs(10);

const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub pool: Arc<ReadPool>,
    pub query_timeout: Option<Duration>,
}

/// The routes, 405 for other methods, 404 elsewhere, and the security headers on every answer.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/index.json", get(home_json))
        .route("/search", get(search))
        .route("/search.json", get(search_json))
        .route("/articles/{id}", get(article))
        .route("/articles/{id}/raw", get(article_raw))
        .route("/entities/{id}", get(entity))
        .route("/sources/{id}", get(source))
        .route("/stories", get(stories))
        .route("/stories.json", get(stories_json))
        .route("/stories/{id}", get(story))
        .route("/feeds", get(feeds))
        .route("/feeds.json", get(feeds_json))
        .route("/sql", get(sql))
        .route("/sql.json", get(sql_json))
        .route("/sql.csv", get(sql_csv))
        .route("/assets/{name}", get(asset))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let fixed = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// HTML or JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    Json,
}

/// The query string's parameters, decoded; never fails (bad escapes decode lossily).
#[derive(Clone, Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    fn parse(raw: Option<String>) -> Params {
        Params(
            url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect(),
        )
    }

    /// The last non-blank value of `name`, trimmed.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(key, value)| key == name && !value.trim().is_empty())
            .map(|(_, value)| value.trim())
    }

    fn format(&self) -> Format {
        if self.get("format") == Some("json") {
            Format::Json
        } else {
            Format::Html
        }
    }

    /// The 1-based page number, 1 when absent, at most [`MAX_PAGE`].
    fn page(&self) -> Result<usize, PageError> {
        match self.get("page") {
            None => Ok(1),
            Some(text) => match text.parse::<usize>() {
                Ok(page) if (1..=MAX_PAGE).contains(&page) => Ok(page),
                _ => Err(PageError::bad_request(format!(
                    "page `{text}` is not a number from 1 to {MAX_PAGE}"
                ))),
            },
        }
    }

    /// Every `p.NAME` parameter as NAME=VALUE, for canned queries.
    fn prefixed(&self, prefix: &str) -> Vec<(String, String)> {
        self.0
            .iter()
            .filter_map(|(key, value)| {
                let name = key.strip_prefix(prefix)?;
                (!name.is_empty() && !value.trim().is_empty())
                    .then(|| (name.to_owned(), value.clone()))
            })
            .collect()
    }
}

/// `5.json` is id `5` in JSON; `5` follows `?format=`.
fn split_suffix(segment: &str, format: Format) -> (&str, Format) {
    match segment.strip_suffix(".json") {
        Some(id) => (id, Format::Json),
        None => (segment, format),
    }
}

/// Why a page has no answer, with its HTTP status.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl PageError {
    fn bad_request(message: impl Into<String>) -> PageError {
        PageError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    fn not_found(message: impl Into<String>) -> PageError {
        PageError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> PageError {
        PageError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: error.to_string(),
        }
    }
}

impl From<PoolError> for PageError {
    fn from(error: PoolError) -> PageError {
        match error {
            PoolError::Store(error) => PageError::from(error),
            PoolError::Aborted => PageError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: "the page could not be read".into(),
            },
        }
    }
}

/// What the layout needs around every page.
#[derive(Clone, Copy, Debug, Default)]
pub struct Frame {
    pub has_stories: bool,
}

type Answer<T> = Result<(T, Frame), PageError>;

fn frame(reader: &Reader) -> Frame {
    Frame {
        has_stories: reader.has_stories,
    }
}

/// The page in `format`, or its error page.
fn respond<T: Serialize>(
    format: Format,
    answer: Result<Answer<T>, PoolError>,
    render: impl FnOnce(&T, Frame) -> Markup,
) -> Response {
    match answer.map_err(PageError::from).and_then(|answer| answer) {
        Ok((data, frame)) => match format {
            Format::Json => json_response(StatusCode::OK, &data),
            Format::Html => html_response(StatusCode::OK, render(&data, frame)),
        },
        Err(error) => error_response(format, &error),
    }
}

fn json_response<T: Serialize>(status: StatusCode, data: &T) -> Response {
    match serde_json::to_vec_pretty(data) {
        Ok(bytes) => (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn html_response(status: StatusCode, markup: Markup) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

fn error_response(format: Format, error: &PageError) -> Response {
    match format {
        Format::Json => json_response(error.status, &serde_json::json!({ "error": error.message })),
        Format::Html => html_response(error.status, views::error(error.status, &error.message)),
    }
}

async fn fallback(method: Method) -> Response {
    if method == Method::GET || method == Method::HEAD {
        error_response(
            Format::Html,
            &PageError::not_found("there is no page at this address"),
        )
    } else {
        method_not_allowed().await
    }
}

async fn method_not_allowed() -> Response {
    let mut response = error_response(
        Format::Html,
        &PageError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            message: "this server is read-only: pages answer GET and HEAD only".into(),
        },
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    response
}

// ----- canned queries as JSON records -----

/// One row of a query as an object keyed by column, as `--format json` prints it.
pub type Record = serde_json::Map<String, serde_json::Value>;

fn records(columns: &[String], rows: Vec<Vec<Value>>) -> Vec<Record> {
    rows.into_iter()
        .map(|row| {
            columns
                .iter()
                .cloned()
                .zip(row.iter().map(value_to_json))
                .collect()
        })
        .collect()
}

fn text_parameter(name: &str, value: impl Into<String>) -> Parameter {
    Parameter {
        name: name.into(),
        value: Value::Text(value.into()),
    }
}

fn integer_parameter(name: &str, value: usize) -> Parameter {
    Parameter {
        name: name.into(),
        value: Value::Integer(i64::try_from(value).unwrap_or(i64::MAX)),
    }
}

/// Runs the built-in query `name` and keeps its rows as records.
fn run_built_in(
    reader: &Reader,
    name: &str,
    parameters: &[Parameter],
) -> Result<Vec<Record>, QueryError> {
    let query = canned::built_in(name).ok_or(QueryError::Empty)?;
    let limits = QueryLimits {
        allow_write: false,
        timeout: Some(PAGE_QUERY_LIMIT),
    };
    let mut kept = (Vec::new(), Vec::new());
    canned::run(
        reader.store.connection(),
        query,
        parameters,
        limits,
        |columns, rows| {
            kept.0 = columns.to_vec();
            for row in rows {
                kept.1.push(row?);
            }
            Ok(kept.1.len() as u64)
        },
    )?;
    Ok(records(&kept.0, kept.1))
}

fn query_failed(name: &str, error: QueryError) -> PageError {
    PageError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: format!("{name}: {error}"),
    }
}

// ----- home -----

#[derive(Debug, Serialize)]
pub struct HomeData {
    pub stats: Vec<Record>,
    pub newest: Vec<Record>,
    pub top_entities_this_week: Vec<EntitySummary>,
    pub sources: Vec<Record>,
    pub feeds: Vec<FeedRow>,
}

async fn home(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let format = Params::parse(query).format();
    home_as(state, format).await
}

async fn home_json(State(state): State<AppState>) -> Response {
    home_as(state, Format::Json).await
}

async fn home_as(state: AppState, format: Format) -> Response {
    let answer = state.pool.read(home_data).await;
    respond(format, answer, views::home)
}

fn home_data(reader: &Reader) -> Answer<HomeData> {
    let stats = run_built_in(reader, "stats", &[]).map_err(|e| query_failed("stats", e))?;
    let newest = run_built_in(reader, "articles", &[integer_parameter("limit", 10)])
        .map_err(|e| query_failed("articles", e))?;
    let week_ago = (chrono::Utc::now() - chrono::TimeDelta::days(7))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let top_entities_this_week = reader.store.top_entities(&EntityFilter {
        kind: None,
        since: Some(week_ago),
        limit: 10,
        offset: 0,
    })?;
    let mut sources =
        run_built_in(reader, "sources", &[]).map_err(|e| query_failed("sources", e))?;
    sources.truncate(PAGE_ROWS);
    let feeds = reader
        .store
        .feeds()?
        .into_iter()
        .take(PAGE_ROWS)
        .map(FeedRow::from)
        .collect();
    Ok((
        HomeData {
            stats,
            newest,
            top_entities_this_week,
            sources,
            feeds,
        },
        frame(reader),
    ))
}

// ----- search -----

/// The search form's fields, as given.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SearchForm {
    pub q: String,
    pub source: Option<String>,
    pub entity: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub category: Option<String>,
    /// `relevance` or `date`.
    pub sort: String,
    /// One row per story (when the database has stories).
    pub per_story: bool,
    pub page: usize,
}

impl SearchForm {
    fn read(params: &Params) -> Result<SearchForm, PageError> {
        let sort = match params.get("sort") {
            None | Some("relevance") => "relevance",
            Some("date") => "date",
            Some(other) => {
                return Err(PageError::bad_request(format!(
                    "sort `{other}` is neither relevance nor date"
                )));
            }
        };
        let owned = |name: &str| params.get(name).map(str::to_owned);
        Ok(SearchForm {
            q: params.get("q").unwrap_or_default().to_owned(),
            source: owned("source"),
            entity: owned("entity"),
            since: owned("since"),
            until: owned("until"),
            category: owned("category"),
            sort: sort.into(),
            per_story: params.get("story").is_some(),
            page: params.page()?,
        })
    }

    /// The `search` query's parameters; dates as the CLI reads them.
    fn parameters(&self) -> Result<Vec<Parameter>, PageError> {
        let mut parameters = vec![
            text_parameter("query", self.q.clone()),
            text_parameter("order", self.sort.clone()),
            // One more than shown tells whether there is a next page.
            integer_parameter("limit", PAGE_ROWS + 1),
            integer_parameter("offset", (self.page - 1) * PAGE_ROWS),
        ];
        for (name, value) in [
            ("source", &self.source),
            ("entity", &self.entity),
            ("category", &self.category),
        ] {
            if let Some(value) = value {
                parameters.push(text_parameter(name, value.clone()));
            }
        }
        if let Some(since) = &self.since {
            let since =
                since_flag(since).map_err(|e| PageError::bad_request(format!("since: {e}")))?;
            parameters.push(text_parameter("since", since));
        }
        if let Some(until) = &self.until {
            let until =
                until_flag(until).map_err(|e| PageError::bad_request(format!("until: {e}")))?;
            parameters.push(text_parameter("until", until));
        }
        Ok(parameters)
    }
}

#[derive(Debug, Serialize)]
pub struct SearchData {
    pub form: SearchForm,
    pub results: Vec<Record>,
    pub has_next: bool,
    pub facets: Option<SearchFacets>,
    /// Why the query could not run (its syntax), shown beside the form.
    pub error: Option<String>,
}

async fn search(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let params = Params::parse(query);
    search_as(state, params.format(), params).await
}

async fn search_json(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    search_as(state, Format::Json, Params::parse(query)).await
}

async fn search_as(state: AppState, format: Format, params: Params) -> Response {
    let form = match SearchForm::read(&params) {
        Ok(form) => form,
        Err(error) => return error_response(format, &error),
    };
    let answer = state
        .pool
        .read(move |reader| search_data(reader, form))
        .await;
    let status_of = |answer: &Result<Answer<SearchData>, PoolError>| match answer {
        Ok(Ok((data, _))) if data.error.is_some() => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let status = status_of(&answer);
    let mut response = respond(format, answer, views::search);
    if response.status() == StatusCode::OK {
        *response.status_mut() = status;
    }
    response
}

fn search_data(reader: &Reader, form: SearchForm) -> Answer<SearchData> {
    let mut data = SearchData {
        form,
        results: Vec::new(),
        has_next: false,
        facets: None,
        error: None,
    };
    if data.form.q.is_empty() {
        return Ok((data, frame(reader)));
    }
    let parameters = match data.form.parameters() {
        Ok(parameters) => parameters,
        Err(error) => {
            data.error = Some(error.message);
            return Ok((data, frame(reader)));
        }
    };
    match run_built_in(reader, "search", &parameters) {
        Ok(mut results) => {
            data.has_next = results.len() > PAGE_ROWS;
            results.truncate(PAGE_ROWS);
            if data.form.per_story && reader.has_stories {
                results = one_per_story(reader, results)?;
            }
            data.results = results;
        }
        Err(QueryError::Sql(error)) => {
            data.error = Some(
                explain_fts_error(&data.form.q, &error)
                    .unwrap_or_else(|| format!("search: {error}")),
            );
            return Ok((data, frame(reader)));
        }
        Err(error) => return Err(query_failed("search", error)),
    }
    data.facets = reader.store.search_facets(&data.form.q, 8).ok();
    Ok((data, frame(reader)))
}

/// Keeps the first result of each story, with the story's id added.
fn one_per_story(reader: &Reader, results: Vec<Record>) -> Result<Vec<Record>, PageError> {
    let mut seen = std::collections::HashSet::new();
    let mut kept = Vec::new();
    for mut record in results {
        let Some(id) = record.get("id").and_then(serde_json::Value::as_i64) else {
            continue;
        };
        let story = reader.store.story_of(id)?.unwrap_or(id);
        if seen.insert(story) {
            record.insert("story_id".into(), story.into());
            kept.push(record);
        }
    }
    Ok(kept)
}

// ----- article -----

#[derive(Debug, Serialize)]
pub struct ArticleData {
    /// The `show` query's row, as `newsdb show ID --format json` prints it.
    pub article: Record,
    pub title_mentions: Vec<LinkedMention>,
    pub body_mentions: Vec<LinkedMention>,
    pub sightings: Vec<Sighting>,
    pub story: Option<StoryData>,
    pub has_raw: bool,
}

/// How many sightings and story versions an article page lists at most.
const ARTICLE_LIST_ROWS: usize = 100;

async fn article(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (id, format) = split_suffix(&segment, Params::parse(query).format());
    let Ok(id) = id.parse::<i64>() else {
        return error_response(format, &PageError::not_found(format!("no article `{id}`")));
    };
    let answer = state
        .pool
        .read(move |reader| article_data(reader, id))
        .await;
    respond(format, answer, views::article)
}

fn article_data(reader: &Reader, id: i64) -> Answer<ArticleData> {
    let mut rows = run_built_in(reader, "show", &[integer_parameter("id", id as usize)])
        .map_err(|e| query_failed("show", e))?;
    let Some(article) = rows.pop() else {
        return Err(PageError::not_found(format!("there is no article {id}")));
    };
    let store = &reader.store;
    let story = if reader.has_stories {
        match store.story_of(id)? {
            Some(story_id) => story_data(reader, story_id)?,
            None => None,
        }
    } else {
        None
    };
    Ok((
        ArticleData {
            article,
            title_mentions: store.linked_mentions(id, "title")?,
            body_mentions: store.linked_mentions(id, "body")?,
            sightings: store.article_sightings(id, ARTICLE_LIST_ROWS)?,
            story,
            has_raw: store.has_raw_copy(id)?,
        },
        frame(reader),
    ))
}

async fn article_raw(State(state): State<AppState>, Path(segment): Path<String>) -> Response {
    let Ok(id) = segment.parse::<i64>() else {
        return error_response(
            Format::Html,
            &PageError::not_found(format!("no article `{segment}`")),
        );
    };
    let answer = state
        .pool
        .read(move |reader| reader.store.article_raw(id))
        .await;
    match answer {
        Ok(Ok(Some(raw))) => (
            [
                (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"article-{id}.{}\"", raw.format),
                ),
            ],
            Body::from(raw.bytes),
        )
            .into_response(),
        Ok(Ok(None)) => error_response(
            Format::Html,
            &PageError::not_found(format!("article {id} has no raw copy")),
        ),
        Ok(Err(error)) => error_response(Format::Html, &PageError::from(error)),
        Err(error) => error_response(Format::Html, &PageError::from(error)),
    }
}

// ----- entity -----

/// Rows of an entity's co-mentions and latest articles, as `newsdb entity` shows by default.
const ENTITY_ROWS: usize = 10;

#[derive(Debug, Serialize)]
pub struct EntityData {
    /// `entity, aliases, co_mentions, articles`: what `newsdb entity NAME --format json` prints.
    #[serde(flatten)]
    pub detail: EntityDetail,
    pub months: Vec<PeriodCount>,
}

async fn entity(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (id, format) = split_suffix(&segment, Params::parse(query).format());
    let Ok(id) = id.parse::<i64>() else {
        return error_response(format, &PageError::not_found(format!("no entity `{id}`")));
    };
    let answer = state.pool.read(move |reader| entity_data(reader, id)).await;
    respond(format, answer, views::entity)
}

fn entity_data(reader: &Reader, id: i64) -> Answer<EntityData> {
    let detail = reader
        .store
        .entity_detail(id, ENTITY_ROWS)?
        .ok_or_else(|| PageError::not_found(format!("there is no entity {id}")))?;
    let months = reader.store.entity_months(id)?;
    Ok((EntityData { detail, months }, frame(reader)))
}

// ----- source -----

#[derive(Debug, Serialize)]
pub struct SourceData {
    pub source: SourceRow,
    pub months: Vec<PeriodCount>,
    pub top_entities: Vec<crate::store::CoMention>,
    pub articles: Vec<ListedArticle>,
    pub page: usize,
    pub has_next: bool,
}

async fn source(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query);
    let (id, format) = split_suffix(&segment, params.format());
    let Ok(id) = id.parse::<i64>() else {
        return error_response(format, &PageError::not_found(format!("no source `{id}`")));
    };
    let page = match params.page() {
        Ok(page) => page,
        Err(error) => return error_response(format, &error),
    };
    let answer = state
        .pool
        .read(move |reader| source_data(reader, id, page))
        .await;
    respond(format, answer, views::source)
}

fn source_data(reader: &Reader, id: i64, page: usize) -> Answer<SourceData> {
    let store = &reader.store;
    let source = store
        .source_row(id)?
        .ok_or_else(|| PageError::not_found(format!("there is no source {id}")))?;
    let mut articles = store.source_articles(id, PAGE_ROWS + 1, (page - 1) * PAGE_ROWS)?;
    let has_next = articles.len() > PAGE_ROWS;
    articles.truncate(PAGE_ROWS);
    Ok((
        SourceData {
            months: store.source_months(id)?,
            top_entities: store.source_top_entities(id, 15)?,
            source,
            articles,
            page,
            has_next,
        },
        frame(reader),
    ))
}

// ----- stories -----

#[derive(Debug, Serialize)]
pub struct StoryData {
    pub story: StorySummary,
    pub articles: Vec<ListedArticle>,
}

#[derive(Debug, Serialize)]
pub struct StoriesData {
    /// `biggest` or `newest`.
    pub order: String,
    pub stories: Vec<StoryData>,
    pub page: usize,
    pub has_next: bool,
    /// Whether this database has stories at all.
    pub available: bool,
}

/// Versions shown under each story of the listing.
const STORY_VERSIONS: usize = 5;

async fn stories(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let params = Params::parse(query);
    stories_as(state, params.format(), params).await
}

async fn stories_json(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    stories_as(state, Format::Json, Params::parse(query)).await
}

async fn stories_as(state: AppState, format: Format, params: Params) -> Response {
    let order = match params.get("order") {
        None | Some("biggest") => StoryOrder::Biggest,
        Some("newest") => StoryOrder::Newest,
        Some(other) => {
            return error_response(
                format,
                &PageError::bad_request(format!("order `{other}` is neither biggest nor newest")),
            );
        }
    };
    let page = match params.page() {
        Ok(page) => page,
        Err(error) => return error_response(format, &error),
    };
    let answer = state
        .pool
        .read(move |reader| stories_data(reader, order, page))
        .await;
    respond(format, answer, views::stories)
}

fn stories_data(reader: &Reader, order: StoryOrder, page: usize) -> Answer<StoriesData> {
    let order_name = match order {
        StoryOrder::Biggest => "biggest",
        StoryOrder::Newest => "newest",
    };
    let mut data = StoriesData {
        order: order_name.into(),
        stories: Vec::new(),
        page,
        has_next: false,
        available: reader.has_stories,
    };
    if !reader.has_stories {
        return Ok((data, frame(reader)));
    }
    let mut stories = reader
        .store
        .stories(order, PAGE_ROWS + 1, (page - 1) * PAGE_ROWS)?;
    data.has_next = stories.len() > PAGE_ROWS;
    stories.truncate(PAGE_ROWS);
    for story in stories {
        let articles = reader
            .store
            .story_articles(story.story_id, STORY_VERSIONS)?;
        data.stories.push(StoryData { story, articles });
    }
    Ok((data, frame(reader)))
}

fn story_data(reader: &Reader, story_id: i64) -> Result<Option<StoryData>, PageError> {
    let Some(story) = reader.store.story(story_id)? else {
        return Ok(None);
    };
    let articles = reader.store.story_articles(story_id, ARTICLE_LIST_ROWS)?;
    Ok(Some(StoryData { story, articles }))
}

async fn story(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (id, format) = split_suffix(&segment, Params::parse(query).format());
    let Ok(id) = id.parse::<i64>() else {
        return error_response(format, &PageError::not_found(format!("no story `{id}`")));
    };
    let answer = state
        .pool
        .read(move |reader| {
            if !reader.has_stories {
                return Err(PageError::not_found("this database has no stories yet"));
            }
            let story = story_data(reader, id)?
                .ok_or_else(|| PageError::not_found(format!("there is no story {id}")))?;
            Ok((story, frame(reader)))
        })
        .await;
    respond(format, answer, views::story)
}

// ----- feeds -----

/// A feed as `newsdb feeds list --format json` prints it, with its id.
#[derive(Debug, Serialize)]
pub struct FeedRow {
    pub id: i64,
    pub url: String,
    pub title: Option<String>,
    pub source: Option<String>,
    pub folder: Option<String>,
    pub last_status: Option<i64>,
    pub last_fetched_at: Option<String>,
    pub failure_count: i64,
    pub last_error: Option<String>,
    pub next_check_at: Option<String>,
    pub articles: i64,
}

impl From<Feed> for FeedRow {
    fn from(feed: Feed) -> FeedRow {
        FeedRow {
            id: feed.id,
            url: feed.url,
            title: feed.title,
            source: feed.source,
            folder: feed.folder,
            last_status: feed.last_status,
            last_fetched_at: feed.last_fetched_at,
            failure_count: feed.failure_count,
            last_error: feed.last_error,
            next_check_at: feed.next_check_at,
            articles: feed.articles,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct FeedsData {
    pub feeds: Vec<FeedRow>,
}

async fn feeds(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    feeds_as(state, Params::parse(query).format()).await
}

async fn feeds_json(State(state): State<AppState>) -> Response {
    feeds_as(state, Format::Json).await
}

async fn feeds_as(state: AppState, format: Format) -> Response {
    let answer = state
        .pool
        .read(|reader| {
            let feeds = reader
                .store
                .feeds()?
                .into_iter()
                .map(FeedRow::from)
                .collect();
            Ok((FeedsData { feeds }, frame(reader)))
        })
        .await;
    respond(format, answer, views::feeds)
}

// ----- SQL -----

/// A canned query as the SQL page lists it.
#[derive(Clone, Debug, Serialize)]
pub struct CannedEntry {
    pub name: String,
    pub origin: String,
    pub description: String,
    pub parameters: Vec<CannedParameter>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CannedParameter {
    pub name: String,
    /// `required`, `optional` or the default value.
    pub default: String,
    pub doc: String,
}

/// What the SQL page runs: typed SQL, or a canned query by name with its parameters.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SqlForm {
    pub sql: String,
    pub query: Option<String>,
    pub parameters: Vec<(String, String)>,
}

#[derive(Debug, Serialize)]
pub struct SqlData {
    pub form: SqlForm,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
    /// Rows the query returned beyond those shown.
    pub more_rows: u64,
    pub error: Option<String>,
    pub canned: Vec<CannedEntry>,
    /// The time limit, in seconds (`null` for none).
    pub timeout_seconds: Option<f64>,
}

impl SqlForm {
    fn read(params: &Params) -> SqlForm {
        SqlForm {
            sql: params.get("sql").unwrap_or_default().to_owned(),
            query: params.get("query").map(str::to_owned),
            parameters: params.prefixed("p."),
        }
    }

    fn is_empty(&self) -> bool {
        self.sql.is_empty() && self.query.is_none()
    }

    /// The query string that runs this again (for downloads).
    pub fn query_string(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        if let Some(query) = &self.query {
            out.append_pair("query", query);
            for (name, value) in &self.parameters {
                out.append_pair(&format!("p.{name}"), value);
            }
        } else {
            out.append_pair("sql", &self.sql);
        }
        out.finish()
    }
}

fn canned_list(reader: &Reader) -> Result<Vec<CannedEntry>, PageError> {
    let mut list: Vec<CannedQuery> = canned::built_ins().to_vec();
    for saved in reader.store.saved_queries()? {
        if canned::built_in(&saved.name).is_none() {
            list.push(CannedQuery::saved(
                &saved.name,
                &saved.sql,
                saved.description.as_deref(),
                &saved.parameters,
            ));
        }
    }
    Ok(list
        .into_iter()
        .map(|query| CannedEntry {
            origin: query.origin.name().into(),
            parameters: query
                .parameters
                .iter()
                .map(|spec| CannedParameter {
                    name: spec.name.clone(),
                    default: match &spec.requirement {
                        canned::Requirement::Required => "required".into(),
                        canned::Requirement::Optional => "optional".into(),
                        canned::Requirement::Default(value) => value.clone(),
                    },
                    doc: spec.doc.clone(),
                })
                .collect(),
            name: query.name,
            description: query.description,
        })
        .collect())
}

/// Runs the form's statement on the read-only connection with `limits`, handing the rows on.
fn run_form<F>(
    reader: &Reader,
    form: &SqlForm,
    timeout: Option<Duration>,
    consume: F,
) -> Result<u64, PageError>
where
    F: FnOnce(
        &[String],
        &mut dyn Iterator<Item = Result<Vec<Value>, QueryError>>,
    ) -> Result<u64, QueryError>,
{
    let limits = QueryLimits {
        allow_write: false,
        timeout,
    };
    let conn = reader.store.connection();
    let result = match &form.query {
        Some(name) => {
            let query = match canned::built_in(name) {
                Some(query) => query.clone(),
                None => match reader.store.saved_query(name)? {
                    Some(saved) => CannedQuery::saved(
                        &saved.name,
                        &saved.sql,
                        saved.description.as_deref(),
                        &saved.parameters,
                    ),
                    None => {
                        return Err(PageError::not_found(format!("no query called `{name}`")));
                    }
                },
            };
            let parameters: Vec<Parameter> = form
                .parameters
                .iter()
                .filter(|(name, _)| query.parameters.iter().any(|p| &p.name == name))
                .map(|(name, value)| text_parameter(name, value.clone()))
                .collect();
            canned::run(conn, &query, &parameters, limits, consume)
        }
        None => adhoc::run(conn, &form.sql, &[], limits, consume),
    };
    result.map_err(|error| {
        PageError::bad_request(match error {
            // The CLI's message names --write, which the web page does not have.
            QueryError::WriteRefused => {
                "the query would write to the database; this page only reads".to_owned()
            }
            QueryError::NotAQuery(shown) => {
                format!("`{shown}` is not a read-only query; this page only reads")
            }
            error => error.to_string(),
        })
    })
}

async fn sql(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let params = Params::parse(query);
    if params.format() == Format::Json {
        return sql_download(state, params, OutputFormat::Json).await;
    }
    let form = SqlForm::read(&params);
    let timeout = state.query_timeout;
    let answer = state
        .pool
        .read(move |reader| sql_data(reader, form, timeout))
        .await;
    let failed = matches!(&answer, Ok(Ok((data, _))) if data.error.is_some());
    let mut response = respond(Format::Html, answer, views::sql);
    if failed && response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

fn sql_data(reader: &Reader, form: SqlForm, timeout: Option<Duration>) -> Answer<SqlData> {
    let mut data = SqlData {
        canned: canned_list(reader)?,
        form,
        columns: Vec::new(),
        rows: Vec::new(),
        more_rows: 0,
        error: None,
        timeout_seconds: timeout.map(|t| t.as_secs_f64()),
    };
    if data.form.is_empty() {
        return Ok((data, frame(reader)));
    }
    let mut columns = Vec::new();
    let mut shown = Vec::new();
    let mut more = 0;
    let result = run_form(reader, &data.form, timeout, |names, rows| {
        columns = names.to_vec();
        for row in rows {
            let row = row?;
            if shown.len() < SQL_PAGE_ROWS {
                shown.push(row.iter().map(value_to_json).collect());
            } else {
                more += 1;
            }
        }
        Ok(0)
    });
    match result {
        Ok(_) => {
            data.columns = columns;
            data.rows = shown;
            data.more_rows = more;
        }
        Err(error) if error.status.is_client_error() => data.error = Some(error.message),
        Err(error) => return Err(error),
    }
    Ok((data, frame(reader)))
}

async fn sql_json(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    sql_download(state, Params::parse(query), OutputFormat::Json).await
}

async fn sql_csv(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    sql_download(state, Params::parse(query), OutputFormat::Csv).await
}

/// The SQL page's results as `newsdb query --format csv|json` prints them, at most
/// [`SQL_DOWNLOAD_ROWS`] rows.
async fn sql_download(state: AppState, params: Params, output: OutputFormat) -> Response {
    let form = SqlForm::read(&params);
    let error_format = if output == OutputFormat::Json {
        Format::Json
    } else {
        Format::Html
    };
    if form.is_empty() {
        return error_response(
            error_format,
            &PageError::bad_request("give the SQL to run: ?sql=SELECT..."),
        );
    }
    let timeout = state.query_timeout;
    let answer = state
        .pool
        .read(move |reader| {
            let mut bytes = Vec::new();
            run_form(reader, &form, timeout, |columns, rows| {
                format::write_rows(
                    &mut bytes,
                    output,
                    columns,
                    rows.take(SQL_DOWNLOAD_ROWS),
                    &TableStyle::default(),
                )
            })?;
            Ok(bytes)
        })
        .await;
    match answer.map_err(PageError::from).and_then(|bytes| bytes) {
        Ok(bytes) => {
            let (content_type, name) = match output {
                OutputFormat::Csv => ("text/csv; charset=utf-8", "query.csv"),
                _ => ("application/json; charset=utf-8", "query.json"),
            };
            let mut response =
                ([(header::CONTENT_TYPE, content_type)], Body::from(bytes)).into_response();
            if params.get("download").is_some() || output == OutputFormat::Csv {
                let disposition = format!("attachment; filename=\"{name}\"");
                if let Ok(value) = HeaderValue::from_str(&disposition) {
                    response
                        .headers_mut()
                        .insert(header::CONTENT_DISPOSITION, value);
                }
            }
            response
        }
        Err(error) => error_response(error_format, &error),
    }
}

// ----- assets -----

const STYLE: &str = include_str!("assets/style.css");
const SCRIPT: &str = include_str!("assets/app.js");
const ICON: &str = include_str!("assets/icon.svg");

async fn asset(Path(name): Path<String>) -> Response {
    let (content_type, body) = match name.as_str() {
        "style.css" => ("text/css; charset=utf-8", STYLE),
        "app.js" => ("text/javascript; charset=utf-8", SCRIPT),
        "icon.svg" => ("image/svg+xml", ICON),
        _ => {
            return error_response(Format::Html, &PageError::not_found("no such asset"));
        }
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_suffix_wins_over_the_query_string() {
        assert_eq!(split_suffix("5.json", Format::Html), ("5", Format::Json));
        assert_eq!(split_suffix("5", Format::Json), ("5", Format::Json));
        assert_eq!(split_suffix("5", Format::Html), ("5", Format::Html));
    }

    #[test]
    fn params_decode_and_bound_pages() {
        let params = Params::parse(Some("q=a+b&page=2&p.limit=5&p.kind=&q=%E2%80%9Cx".into()));
        assert_eq!(params.get("q"), Some("\u{201c}x"));
        assert_eq!(params.page().unwrap(), 2);
        assert_eq!(params.prefixed("p."), [("limit".into(), "5".into())]);
        for bad in ["0", "-1", "x", "501"] {
            let params = Params::parse(Some(format!("page={bad}")));
            assert!(params.page().is_err(), "{bad}");
        }
        // Broken escapes decode lossily instead of failing the request.
        assert_eq!(
            Params::parse(Some("q=%ff%".into())).get("q"),
            Some("\u{fffd}%")
        );
    }
}
