//! `newsdb query SQL`: one statement, read-only unless `--write`, rows in the chosen format.

use std::io::{self, Write};

use clap::Args;
use rusqlite::types::Value;

use newsdb::query::adhoc::{self, Parameter, QueryError, QueryLimits};
use newsdb::query::format;

use super::{Context, Failure, FormatArgs, Outcome, TimeLimitArgs};

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// One SQL statement.
    pub sql: String,
    /// A named parameter bound to :NAME: NAME=VALUE binds text (SQLite's column affinity turns
    /// it into a number where a column wants one); NAME:int=VALUE, NAME:real=VALUE and
    /// NAME:null= type it.
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE", value_parser = Parameter::parse)]
    pub parameters: Vec<Parameter>,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Allow the statement to modify the database; a statement without result columns then
    /// prints `rows_affected`, the number of rows it changed.
    #[arg(long)]
    pub write: bool,
    #[command(flatten)]
    pub time_limit: TimeLimitArgs,
}

pub fn run(context: &Context, args: &QueryArgs) -> Outcome {
    let timeout = args.time_limit.limit();
    if let Some(store) = context.open_postgres(!args.write)? {
        return run_on_postgres(store, args, timeout);
    }
    let store = if args.write {
        context.open()?
    } else {
        context.open_read_only()?
    };
    let limits = QueryLimits {
        allow_write: args.write,
        timeout,
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    let style = args.format.style();
    let output_format = args.format.format();
    let connection = store.connection();
    let changes_before = connection.total_changes();
    let result = adhoc::run(
        connection,
        &args.sql,
        &args.parameters,
        limits,
        |columns, rows| {
            if !(args.write && columns.is_empty()) {
                return format::write_rows(&mut out, output_format, columns, rows, &style);
            }
            // A write without result columns (UPDATE, INSERT without RETURNING, DDL) says how
            // many rows it changed, as sqlite-utils does: `{"rows_affected": N}`.
            for row in rows {
                row?;
            }
            // changes() keeps the count of an earlier statement when this one was DDL.
            let affected = if connection.total_changes() == changes_before {
                0
            } else {
                connection.changes()
            };
            let columns = ["rows_affected".to_owned()];
            let row = vec![Value::Integer(i64::try_from(affected).unwrap_or(i64::MAX))];
            format::write_rows(
                &mut out,
                output_format,
                &columns,
                [Ok::<_, QueryError>(row)],
                &style,
            )?;
            Ok(0)
        },
    );
    match result.and_then(|_| out.flush().map_err(QueryError::from)) {
        Ok(()) => Ok(()),
        Err(QueryError::Output(error)) => Err(Failure::from(error)),
        Err(error) => Err(Failure::Failed(error.to_string())),
    }
}

/// The same command on PostgreSQL: the transaction is `READ ONLY` unless `--write`, and
/// `statement_timeout` is the time limit.
fn run_on_postgres(
    mut store: newsdb::backend::PgStore,
    args: &QueryArgs,
    timeout: Option<std::time::Duration>,
) -> Outcome {
    print_on_postgres(
        &mut store,
        &args.sql,
        &args.parameters,
        args.write,
        timeout,
        &args.format,
    )
}

/// Runs `sql` on PostgreSQL and prints its rows as `format_args` asks (`query`, and the built-in
/// queries of other commands).
pub fn print_on_postgres(
    store: &mut newsdb::backend::PgStore,
    sql: &str,
    parameters: &[Parameter],
    allow_write: bool,
    timeout: Option<std::time::Duration>,
    format_args: &FormatArgs,
) -> Outcome {
    use newsdb::backend::postgres::query::{self as pg_query, PgQueryError};
    let mut out = io::BufWriter::new(io::stdout().lock());
    let style = format_args.style();
    let output_format = format_args.format();
    let result = pg_query::run(
        store,
        sql,
        parameters,
        allow_write,
        timeout,
        |columns, rows| format::write_rows(&mut out, output_format, columns, rows, &style),
    );
    match result.and_then(|_| out.flush().map_err(PgQueryError::from)) {
        Ok(()) => Ok(()),
        Err(PgQueryError::Output(error)) => Err(Failure::from(error)),
        Err(error) => Err(Failure::Failed(error.to_string())),
    }
}
