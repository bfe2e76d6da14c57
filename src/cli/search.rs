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
        return search_on_postgres(store, args, parameters);
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

/// The same search on PostgreSQL (see `newsdb::backend::postgres::search`): the built-in's
/// parameters, bound as on SQLite, in the form its PostgreSQL query takes.
fn search_on_postgres(
    mut store: newsdb::backend::PgStore,
    args: &SearchArgs,
    parameters: Vec<Parameter>,
) -> Outcome {
    use newsdb::backend::postgres::canned::SEARCH;
    args.filters.check_names(&mut store, "search")?;
    let query = super::run::built_in("search")?;
    let bound = query
        .bind(&parameters)
        .map_err(|error| Failure::Usage(format!("search: {error}")))?;
    let parameters = newsdb::backend::postgres::canned::parameters_for("search", bound)
        .map_err(|error| Failure::Failed(error.to_string()))?;
    if args.collapse {
        return super::articles::print_collapsed_on_postgres(
            &mut store,
            "search",
            SEARCH,
            parameters,
            &args.format,
            args.filters.limit,
        );
    }
    super::query::print_on_postgres(&mut store, SEARCH, &parameters, false, None, &args.format)
        .map_err(|failure| match failure {
            Failure::Failed(reason) => Failure::Failed(format!("search: {reason}")),
            other => other,
        })
}
