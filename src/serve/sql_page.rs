//! The SQL page: one read-only statement, or a canned query with a form for its parameters,
//! on the read-only connection with `newsdb query`'s time limit; results as a capped table and
//! as CSV and JSON downloads.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::types::Value;
use serde::Serialize;

use super::pool::Reader;
use super::routes::{
    Answer, AppState, Format, PageError, Params, error_response, frame, respond, text_parameter,
};
use super::store::WebQuery;
use super::views;
use crate::query::adhoc::{Parameter, QueryError, QueryLimits};
use crate::query::canned::{self, CannedQuery};
use crate::query::format::{self, OutputFormat, TableStyle, value_to_json};

/// Rows the SQL page shows at most (as `newsdb query`'s table format).
pub const SQL_PAGE_ROWS: usize = format::TABLE_ROWS;
/// Rows a CSV or JSON download of the SQL page holds at most.
pub const SQL_DOWNLOAD_ROWS: usize = 100_000;

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

pub(super) fn canned_list(reader: &Reader) -> Result<Vec<CannedEntry>, PageError> {
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
pub(super) fn run_form<F>(
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
            reader.store.run_query(
                WebQuery::Canned(&query),
                &parameters,
                limits,
                Box::new(consume),
            )
        }
        None => reader
            .store
            .run_query(WebQuery::AdHoc(&form.sql), &[], limits, Box::new(consume)),
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

pub(super) async fn sql(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
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

pub(super) fn sql_data(
    reader: &Reader,
    form: SqlForm,
    timeout: Option<Duration>,
) -> Answer<SqlData> {
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

pub(super) async fn sql_json(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    sql_download(state, Params::parse(query), OutputFormat::Json).await
}

pub(super) async fn sql_csv(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    sql_download(state, Params::parse(query), OutputFormat::Csv).await
}

/// The SQL page's results as `newsdb query --format csv|json` prints them, at most
/// [`SQL_DOWNLOAD_ROWS`] rows.
pub(super) async fn sql_download(
    state: AppState,
    params: Params,
    output: OutputFormat,
) -> Response {
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
