//! `newsdb run NAME -p KEY=VALUE...`: run a built-in or saved query; and the helpers every canned
//! subcommand (`articles`, `sources`, `timeline`, `search`, `show`) runs its `.sql` file with.

use std::io::{self, Write};
use std::time::Duration;

use clap::Args;
use rusqlite::types::Value;

use newsdb::backend::PgStore;
use newsdb::backend::postgres::canned as pg_canned;
use newsdb::query::adhoc::{Parameter, QueryError, QueryLimits};
use newsdb::query::canned::{self, CannedQuery, Origin};
use newsdb::query::format;
use newsdb::store::Store;

use super::{Context, Failure, FormatArgs, Outcome, TimeLimitArgs};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The query's name (`newsdb queries list` shows them).
    pub name: String,
    /// A parameter bound to :NAME: NAME=VALUE binds text (column affinity converts it where a
    /// column wants a number); NAME:int=VALUE, NAME:real=VALUE and NAME:null= type it.
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE", value_parser = Parameter::parse)]
    pub parameters: Vec<Parameter>,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub time_limit: TimeLimitArgs,
}

pub fn run(context: &Context, args: &RunArgs) -> Outcome {
    let timeout = args.time_limit.limit();
    if let Some(mut store) = context.open_postgres(true)? {
        return run_on_postgres(&mut store, args, timeout);
    }
    let store = context.open_read_only()?;
    let query = find(&store, &args.name)?;
    print(&store, &query, &args.parameters, &args.format, timeout)
}

/// `run` on PostgreSQL: a saved query (in the server's dialect) or a built-in, run in its
/// PostgreSQL form.
fn run_on_postgres(store: &mut PgStore, args: &RunArgs, timeout: Option<Duration>) -> Outcome {
    let name = args.name.as_str();
    if let Some(query) = canned::built_in(name) {
        let parameters = query
            .bind(&args.parameters)
            .map_err(|error| failure(query, error))?;
        if name == "stats" {
            return super::stats::print_on_postgres(store, &args.format);
        }
        let sql = pg_canned::built_in(name).ok_or_else(|| {
            Failure::Failed(format!(
                "the built-in query `{name}` has no PostgreSQL form in this newsdb"
            ))
        })?;
        let parameters =
            pg_canned::parameters_for(name, parameters).map_err(|error| match error {
                pg_canned::ParameterError::NotADate(message) => Failure::Usage(message),
                pg_canned::ParameterError::BadSearch(message) => Failure::Failed(message),
            })?;
        return super::query::print_on_postgres(
            store,
            sql,
            &parameters,
            false,
            timeout,
            &args.format,
        )
        .map_err(|failure| match failure {
            Failure::Failed(reason) => Failure::Failed(format!("{name}: {reason}")),
            other => other,
        });
    }
    let Some(saved) = store.saved_query(name)? else {
        return Err(Failure::Failed(format!(
            "no query called `{name}` (`newsdb queries list` shows them)"
        )));
    };
    // Named, as on SQLite; the transaction is READ ONLY whatever the SQL says.
    super::query::print_on_postgres(
        store,
        &saved.sql,
        &args.parameters,
        false,
        timeout,
        &args.format,
    )
    .map_err(|failure| match failure {
        Failure::Failed(reason) if reason.contains("would write") => Failure::Failed(format!(
            "{name}: the query would write to the database; canned and saved queries are \
                 read-only"
        )),
        Failure::Failed(reason) => Failure::Failed(format!("{name}: {reason}")),
        other => other,
    })
}

/// The built-in or saved query called `name`.
pub fn find(store: &Store, name: &str) -> Result<CannedQuery, Failure> {
    if let Some(query) = canned::built_in(name) {
        return Ok(query.clone());
    }
    match store.saved_query(name)? {
        Some(saved) => Ok(CannedQuery::saved(
            &saved.name,
            &saved.sql,
            saved.description.as_deref(),
            &saved.parameters,
        )),
        None => Err(Failure::Failed(format!(
            "no query called `{name}` (`newsdb queries list` shows them)"
        ))),
    }
}

/// The message for a query that failed, naming the query.
pub fn failure(query: &CannedQuery, error: QueryError) -> Failure {
    match error {
        QueryError::Output(error) => Failure::from(error),
        QueryError::WriteRefused => Failure::Failed(format!(
            "{}: the query would write to the database; canned and saved queries are read-only",
            query.name
        )),
        QueryError::NotAQuery(shown) => Failure::Failed(format!(
            "{}: `{shown}` is not a read-only query; canned and saved queries only read",
            query.name
        )),
        error => Failure::Failed(format!("{}: {error}", query.name)),
    }
}

/// Runs `query` on the read-only `store` and prints its rows in `output_format`.
pub fn print(
    store: &Store,
    query: &CannedQuery,
    parameters: &[Parameter],
    format_args: &FormatArgs,
    timeout: Option<Duration>,
) -> Outcome {
    print_or_explain(store, query, parameters, format_args, timeout, |_| None)
}

/// [`print`], with `explain` turning an SQLite error into a better message when it can.
pub fn print_or_explain(
    store: &Store,
    query: &CannedQuery,
    parameters: &[Parameter],
    format_args: &FormatArgs,
    timeout: Option<Duration>,
    explain: impl Fn(&rusqlite::Error) -> Option<String>,
) -> Outcome {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let style = format_args.style();
    let output_format = format_args.format();
    let limits = QueryLimits {
        allow_write: false,
        timeout,
    };
    let result = canned::run(
        store.connection(),
        query,
        parameters,
        limits,
        |columns, rows| format::write_rows(&mut out, output_format, columns, rows, &style),
    );
    match result.and_then(|_| out.flush().map_err(QueryError::from)) {
        Ok(()) => Ok(()),
        Err(QueryError::Sql(error)) if explain(&error).is_some() => {
            Err(Failure::Failed(explain(&error).unwrap_or_default()))
        }
        Err(error) => Err(failure(query, error)),
    }
}

/// Runs `query` and keeps its columns and rows, for commands that reshape a small result.
pub fn collect(
    store: &Store,
    query: &CannedQuery,
    parameters: &[Parameter],
) -> Result<(Vec<String>, Vec<Vec<Value>>), Failure> {
    let mut columns = Vec::new();
    let mut kept = Vec::new();
    let result = canned::run(
        store.connection(),
        query,
        parameters,
        QueryLimits::default(),
        |names, rows| {
            columns = names.to_vec();
            for row in rows {
                kept.push(row?);
            }
            Ok(kept.len() as u64)
        },
    );
    result.map_err(|error| failure(query, error))?;
    Ok((columns, kept))
}

/// The built-in query a subcommand runs; its file is compiled in, so it is always there.
pub fn built_in(name: &str) -> Result<&'static CannedQuery, Failure> {
    canned::built_in(name)
        .filter(|query| query.origin == Origin::BuiltIn)
        .ok_or_else(|| Failure::Failed(format!("the built-in query `{name}` is missing")))
}
