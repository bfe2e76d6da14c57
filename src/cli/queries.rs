//! `newsdb queries [list | show NAME | save NAME SQL | remove NAME]`: the built-in canned queries
//! and the ones users saved in the database.

use std::io::{self, Write};

use clap::{Args, Subcommand};
use rusqlite::types::Value;

use newsdb::backend::PgStore;
use newsdb::query::canned::{self, CannedQuery};
use newsdb::query::saved::{check_name, check_sql};
use newsdb::store::{Saved, SavedQuery, Store};

use super::{Context, Failure, FormatArgs, Outcome, output};

#[derive(Debug, Args)]
pub struct QueriesArgs {
    #[command(subcommand)]
    pub action: Option<Action>,
    #[command(flatten)]
    pub format: FormatArgs,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// List built-in and saved queries with their parameters (the default).
    #[command(
        after_help = "Examples:\n  newsdb queries list\n  newsdb queries list --format markdown"
    )]
    List(FormatArgs),
    /// Print a query's SQL.
    #[command(
        after_help = "Examples:\n  newsdb queries show co-mentions\n  newsdb queries show by-source"
    )]
    Show {
        /// A built-in or saved query's name.
        name: String,
    },
    /// Save a read-only query under NAME, for `newsdb run NAME` and every other tool.
    #[command(
        after_help = "Examples:\n  newsdb queries save by-source \"SELECT title FROM article_overview WHERE source = :source\"\n  newsdb queries save recent \"SELECT title FROM articles LIMIT 9\" --description Latest"
    )]
    Save {
        /// Lowercase letters, digits, `-` and `_`; not a built-in's name.
        name: String,
        /// One read-only SQL statement; named parameters (:name, @name, $name) are found in it.
        sql: String,
        /// What the query answers.
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
        /// Replace a saved query of the same name.
        #[arg(long)]
        replace: bool,
    },
    /// Remove a saved query.
    #[command(after_help = "Examples:\n  newsdb queries remove by-source\n  newsdb queries list")]
    Remove {
        /// A saved query's name (built-in queries cannot be removed).
        name: String,
    },
}

pub fn run(context: &Context, args: &QueriesArgs) -> Outcome {
    match &args.action {
        None => list(context, &args.format),
        Some(Action::List(format)) => list(context, format),
        Some(Action::Show { name }) => show(context, name),
        Some(Action::Save {
            name,
            sql,
            description,
            replace,
        }) => save(context, name, sql, description.as_deref(), *replace),
        Some(Action::Remove { name }) => remove(context, name),
    }
}

fn list(context: &Context, format: &FormatArgs) -> Outcome {
    // Without a database there are still the built-ins to list.
    let saved = if let Some(mut store) = context.open_postgres(true)? {
        store.saved_queries()?
    } else if context.db.exists() {
        context.open_read_only()?.saved_queries()?
    } else {
        Vec::new()
    };
    let saved: Vec<CannedQuery> = saved
        .iter()
        .map(|query| {
            CannedQuery::saved(
                &query.name,
                &query.sql,
                query.description.as_deref(),
                &query.parameters,
            )
        })
        .collect();
    let rows = canned::built_ins().iter().chain(&saved).map(|query| {
        let parameters: Vec<String> = query.parameters.iter().map(|p| p.signature()).collect();
        Ok::<_, io::Error>(vec![
            Value::Text(query.name.clone()),
            Value::Text(query.origin.name().into()),
            Value::Text(parameters.join(", ")),
            Value::Text(query.description.clone()),
        ])
    });
    output::print(
        format,
        &["name", "origin", "parameters", "description"],
        rows,
    )
}

fn show(context: &Context, name: &str) -> Outcome {
    let query = match context.open_postgres(true)? {
        Some(mut store) => match (canned::built_in(name), store.saved_query(name)?) {
            (Some(query), _) => query.clone(),
            (None, Some(saved)) => CannedQuery::saved(
                &saved.name,
                &saved.sql,
                saved.description.as_deref(),
                &saved.parameters,
            ),
            (None, None) => {
                return Err(Failure::Failed(format!(
                    "no query called `{name}` (`newsdb queries list` shows them)"
                )));
            }
        },
        None => super::run::find(&context.open_read_only()?, name)?,
    };
    let mut out = io::stdout().lock();
    out.write_all(query.sql.trim_end().as_bytes())?;
    out.write_all(b"\n")?;
    Ok(out.flush()?)
}

fn save(
    context: &Context,
    name: &str,
    sql: &str,
    description: Option<&str>,
    replace: bool,
) -> Outcome {
    let refuse = |reason: String| Failure::Failed(format!("queries save {name}: {reason}"));
    check_name(name).map_err(|error| refuse(error.to_string()))?;
    let mut store: Box<dyn SavedQueries> = match context.open_postgres(false)? {
        Some(store) => Box::new(store),
        None => Box::new(context.open()?),
    };
    let parameters = store.check_sql(context, sql)?.map_err(refuse)?;
    let query = SavedQuery {
        name: name.to_owned(),
        sql: sql.trim().to_owned(),
        description: description.map(str::to_owned),
        parameters: parameters.clone(),
    };
    let shown = if parameters.is_empty() {
        "no parameters".to_owned()
    } else {
        format!("parameters {}", parameters.join(", "))
    };
    match store.save_query(&query, replace)? {
        Saved::Created => context.note(&format!("saved query `{name}` ({shown})")),
        Saved::Replaced => context.note(&format!("replaced query `{name}` ({shown})")),
        Saved::Exists => {
            return Err(refuse(
                "a saved query of that name exists (pass --replace to replace it)".into(),
            ));
        }
    }
    Ok(())
}

fn remove(context: &Context, name: &str) -> Outcome {
    if canned::built_in(name).is_some() {
        return Err(Failure::Failed(format!(
            "queries remove: `{name}` is a built-in query and cannot be removed"
        )));
    }
    let mut store: Box<dyn SavedQueries> = match context.open_postgres(false)? {
        Some(store) => Box::new(store),
        None => Box::new(context.open()?),
    };
    if store.remove_query(name)? {
        context.note(&format!("removed query `{name}`"));
        Ok(())
    } else {
        Err(Failure::Failed(format!(
            "queries remove: no saved query called `{name}`"
        )))
    }
}

/// What `queries save` and `remove` write, in a store of either backend.
trait SavedQueries {
    /// The SQL's parameter names when it can be saved, else why not (the outer error: the check
    /// could not run).
    fn check_sql(
        &mut self,
        context: &Context,
        sql: &str,
    ) -> Result<Result<Vec<String>, String>, Failure>;
    fn save_query(&mut self, query: &SavedQuery, replace: bool) -> Result<Saved, Failure>;
    fn remove_query(&mut self, name: &str) -> Result<bool, Failure>;
}

impl SavedQueries for Store {
    /// Checked on a read-only connection: preparing must not be able to change anything, and
    /// SQLite tells a read-only statement apart.
    fn check_sql(
        &mut self,
        context: &Context,
        sql: &str,
    ) -> Result<Result<Vec<String>, String>, Failure> {
        let read_only = context.open_read_only()?;
        Ok(check_sql(read_only.connection(), sql).map_err(|error| error.to_string()))
    }

    fn save_query(&mut self, query: &SavedQuery, replace: bool) -> Result<Saved, Failure> {
        Ok(Store::save_query(self, query, replace)?)
    }

    fn remove_query(&mut self, name: &str) -> Result<bool, Failure> {
        Ok(Store::remove_query(self, name)?)
    }
}

impl SavedQueries for PgStore {
    /// Prepared by the server in a read-only transaction; a query that writes is refused when
    /// it runs, by its `READ ONLY` transaction.
    fn check_sql(
        &mut self,
        _context: &Context,
        sql: &str,
    ) -> Result<Result<Vec<String>, String>, Failure> {
        Ok(PgStore::check_saved_sql(self, sql))
    }

    fn save_query(&mut self, query: &SavedQuery, replace: bool) -> Result<Saved, Failure> {
        Ok(PgStore::save_query(self, query, replace)?)
    }

    fn remove_query(&mut self, name: &str) -> Result<bool, Failure> {
        Ok(PgStore::remove_query(self, name)?)
    }
}
