//! The routes and what every handler shares: query-string parameters, errors as 4xx/5xx pages,
//! HTML or JSON answers, security headers, 405 for writing methods, the embedded assets.
//!
//! Each handler (in `pages` and `sql_page`) reads its parameters, gathers its page's data on a
//! read-only store (through the canned queries and store methods the CLI uses), and answers HTML
//! or, at the same URL with `.json` or `?format=json`, the same data as JSON with the CLI's keys.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::Markup;
use rusqlite::types::Value;
use serde::Serialize;

use super::cache::PageCache;
use super::pages::EntityData;
use super::pages::{
    article, article_raw, entity, feeds, feeds_json, home, home_json, search, search_json, source,
    stories, stories_json, story,
};
use super::pool::{PoolError, ReadPool, Reader};
use super::sql_page::{sql, sql_csv, sql_json};
use super::store::WebQuery;
use super::views;
use crate::query::adhoc::{Parameter, QueryError, QueryLimits};
use crate::query::canned;
use crate::query::format::value_to_json;
use crate::store::{KeptArticleFacts, StoreError};

/// Rows per page of a listing.
pub const PAGE_ROWS: usize = 20;
/// The deepest page a listing serves: deeper offsets cost a scan of everything before them.
pub const MAX_PAGE: usize = 500;
/// Request bodies are never read; any larger than this is refused outright.
pub(super) const BODY_LIMIT: usize = 16 * 1024;
/// How long the canned queries behind a page may run before they are interrupted.
pub(super) const PAGE_QUERY_LIMIT: Duration = Duration::from_secs(10);

pub(super) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub pool: Arc<ReadPool>,
    pub query_timeout: Option<Duration>,
    /// Entity pages, the costly ones (see [`super::cache`]).
    pub entity_pages: Arc<PageCache<EntityData>>,
    /// Search pages by their form (see [`super::cache`]).
    pub search_pages: Arc<PageCache<super::pages::SearchData, String>>,
    /// Each article's source, month and entities, for search facets (see [`KeptArticleFacts`]).
    pub article_facts: Arc<KeptArticleFacts>,
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

pub(super) async fn security_headers(mut response: Response) -> Response {
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
    pub(super) fn parse(raw: Option<String>) -> Params {
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

    pub(super) fn format(&self) -> Format {
        if self.get("format") == Some("json") {
            Format::Json
        } else {
            Format::Html
        }
    }

    /// The 1-based page number, 1 when absent, at most [`MAX_PAGE`].
    pub(super) fn page(&self) -> Result<usize, PageError> {
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
    pub(super) fn prefixed(&self, prefix: &str) -> Vec<(String, String)> {
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
pub(super) fn split_suffix(segment: &str, format: Format) -> (&str, Format) {
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
    pub(super) fn bad_request(message: impl Into<String>) -> PageError {
        PageError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub(super) fn not_found(message: impl Into<String>) -> PageError {
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

pub(super) type Answer<T> = Result<(T, Frame), PageError>;

pub(super) fn frame(reader: &Reader) -> Frame {
    Frame {
        has_stories: reader.has_stories,
    }
}

/// The page in `format`, or its error page.
pub(super) fn respond<T: Serialize>(
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

pub(super) fn json_response<T: Serialize>(status: StatusCode, data: &T) -> Response {
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

pub(super) fn html_response(status: StatusCode, markup: Markup) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

pub(super) fn error_response(format: Format, error: &PageError) -> Response {
    match format {
        Format::Json => json_response(error.status, &serde_json::json!({ "error": error.message })),
        Format::Html => html_response(error.status, views::error(error.status, &error.message)),
    }
}

pub(super) async fn fallback(method: Method) -> Response {
    if method == Method::GET || method == Method::HEAD {
        error_response(
            Format::Html,
            &PageError::not_found("there is no page at this address"),
        )
    } else {
        method_not_allowed().await
    }
}

pub(super) async fn method_not_allowed() -> Response {
    let mut response = error_response(
        Format::Html,
        &PageError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            message: "this server is read-only: pages answer GET and HEAD only".into(),
        },
    );
    let headers = response.headers_mut();
    headers.insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    // The request's body is left unread, so the server cannot reuse the connection: say so, or a
    // client that pools connections sends its next request down a closed one.
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
// ----- canned queries as JSON records -----

/// One row of a query as an object keyed by column, as `--format json` prints it.
pub type Record = serde_json::Map<String, serde_json::Value>;

pub(super) fn records(columns: &[String], rows: Vec<Vec<Value>>) -> Vec<Record> {
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

pub(super) fn text_parameter(name: &str, value: impl Into<String>) -> Parameter {
    Parameter {
        name: name.into(),
        value: Value::Text(value.into()),
    }
}

pub(super) fn integer_parameter(name: &str, value: usize) -> Parameter {
    Parameter {
        name: name.into(),
        value: Value::Integer(i64::try_from(value).unwrap_or(i64::MAX)),
    }
}

/// Runs the built-in query `name` and keeps its rows as records.
pub(super) fn run_built_in(
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
    reader.store.run_query(
        WebQuery::Canned(query),
        parameters,
        limits,
        Box::new(|columns, rows| {
            kept.0 = columns.to_vec();
            for row in rows {
                kept.1.push(row?);
            }
            Ok(kept.1.len() as u64)
        }),
    )?;
    Ok(records(&kept.0, kept.1))
}

pub(super) fn query_failed(name: &str, error: QueryError) -> PageError {
    PageError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: format!("{name}: {error}"),
    }
}
// ----- assets -----

pub(super) const STYLE: &str = include_str!("assets/style.css");
pub(super) const SCRIPT: &str = include_str!("assets/app.js");
pub(super) const ICON: &str = include_str!("assets/icon.svg");

pub(super) async fn asset(Path(name): Path<String>) -> Response {
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
