//! `newsdb search TEXT`: ranked full-text search (the built-in `search` query), with FTS5's
//! syntax errors explained in newsdb's words.

use clap::Args;
use rusqlite::types::Value;

use newsdb::query::adhoc::Parameter;
use newsdb::query::search::explain_fts_error;

use super::articles::FilterArgs;
use super::{Context, Failure, FormatArgs, Outcome};

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to find in titles, summaries and bodies: words (all must match), "a phrase",
    /// prefix*, AND / OR / NOT, NEAR(a b), title:word, summary:word, body:word.
    pub text: String,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// One row per story (its best match), with `story_id` and `versions`.
    #[arg(long)]
    pub collapse: bool,
    #[command(flatten)]
    pub format: FormatArgs,
}

pub fn run(context: &Context, args: &SearchArgs) -> Outcome {
    if args.text.trim().is_empty() {
        return Err(Failure::Usage("search: the query is empty".into()));
    }
    let mut parameters = args.filters.parameters();
    parameters.push(Parameter {
        name: "query".into(),
        value: Value::Text(args.text.clone()),
    });
    if let Some(store) = context.open_postgres(true)? {
        return search_on_postgres(store, args);
    }
    let mut store = context.open_read_only()?;
    // Reading never migrates: a database an older newsdb made keeps its older index (without
    // summaries, before V5) until a command that writes, or `newsdb migrate`, upgrades it.
    if store
        .migration_status()?
        .iter()
        .any(|migration| migration.applied_on.is_none())
    {
        context.note(&format!(
            "{}: migrations are pending, so search reads the index an older newsdb made (summaries are searched from migration 5 on); run `newsdb migrate` to upgrade",
            context.db.display()
        ));
    }
    args.filters.check_names(&mut store, "search")?;
    let query = super::run::built_in("search")?;
    if args.collapse {
        return super::articles::print_collapsed(
            &store,
            query,
            parameters,
            &args.format,
            args.filters.limit,
        );
    }
    super::run::print_or_explain(&store, query, &parameters, &args.format, None, |error| {
        explain_fts_error(&args.text, error)
    })
}

/// The same search on PostgreSQL (see `newsdb::backend::postgres::search`).
fn search_on_postgres(mut store: newsdb::backend::PgStore, args: &SearchArgs) -> Outcome {
    use newsdb::backend::postgres::query::{self as pg_query, PgQueryError};
    use newsdb::backend::postgres::search::{SEARCH_SQL, to_tsquery};
    use newsdb::query::format;
    use std::io::Write;
    let filters = &args.filters;
    if filters.source.is_some()
        || filters.entity.is_some()
        || filters.since.is_some()
        || filters.until.is_some()
    {
        return Err(Failure::Usage(
            "search on PostgreSQL takes --limit but not yet --source, --entity, --since or \
             --until"
                .into(),
        ));
    }
    let tsquery = to_tsquery(&args.text).map_err(|reason| {
        Failure::Failed(format!(
            "search: cannot parse the query `{}`: {reason}; put words with punctuation in \
             double quotes, as in \"Kim Jong-un\"",
            args.text
        ))
    })?;
    let parameters = [
        Parameter {
            name: "query".into(),
            value: Value::Text(tsquery),
        },
        Parameter {
            name: "limit".into(),
            value: Value::Integer(filters.limit.into()),
        },
    ];
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let style = args.format.style();
    let output_format = args.format.format();
    let result = pg_query::run(
        &mut store,
        SEARCH_SQL,
        &parameters,
        false,
        None,
        |columns, rows| format::write_rows(&mut out, output_format, columns, rows, &style),
    );
    match result.and_then(|_| out.flush().map_err(PgQueryError::from)) {
        Ok(()) => Ok(()),
        Err(PgQueryError::Output(error)) => Err(Failure::from(error)),
        Err(error) => Err(Failure::Failed(error.to_string())),
    }
}
