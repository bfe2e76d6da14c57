//! `newsdb articles`: articles newest first, filtered by source, entity and date (the built-in
//! `articles` query). Its filters are shared with `search`.

use clap::Args;
use rusqlite::types::Value;

use newsdb::normalize::date::{since_flag, until_flag};
use newsdb::query::adhoc::Parameter;

use newsdb::backend::PgStore;
use newsdb::entities::alias_key;
use newsdb::normalize::keys::source_key;
use newsdb::store::Store;

use super::{Context, Failure, FormatArgs, Outcome};

/// Filters shared by `articles` and `search`.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only articles this outlet published or is credited in (its name or normalised key).
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// Only articles that mention this entity (its name or any alias).
    #[arg(long, value_name = "NAME")]
    pub entity: Option<String>,
    /// Only articles published at or after DATE: YYYY-MM-DD, YYYY-MM, RFC 3339, today,
    /// yesterday, or an age like 12h, 7d, 2w.
    #[arg(long, value_name = "DATE", value_parser = since_flag)]
    pub since: Option<String>,
    /// Only articles published at or before DATE (a bare day or month includes all of it).
    #[arg(long, value_name = "DATE", value_parser = until_flag)]
    pub until: Option<String>,
    /// At most this many rows.
    #[arg(long, default_value_t = 20, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..), allow_negative_numbers = true)]
    pub limit: u32,
}

/// What the name checks read, from a store of either backend.
pub trait NameLookup {
    fn source_exists(&mut self, name: &str) -> Result<bool, Failure>;
    fn entity_exists(&mut self, name: &str) -> Result<bool, Failure>;
    fn nearest_sources(&mut self, name: &str) -> Result<Vec<String>, Failure>;
    fn nearest_entities(&mut self, name: &str) -> Result<Vec<String>, Failure>;
}

/// Implements [`NameLookup`] for a store type whose inherent methods have its names.
macro_rules! name_lookup_of {
    ($store:ty) => {
        impl NameLookup for $store {
            fn source_exists(&mut self, name: &str) -> Result<bool, Failure> {
                Ok(<$store>::source_exists(self, name)?)
            }
            fn entity_exists(&mut self, name: &str) -> Result<bool, Failure> {
                Ok(<$store>::entity_exists(self, name)?)
            }
            fn nearest_sources(&mut self, name: &str) -> Result<Vec<String>, Failure> {
                Ok(<$store>::nearest_sources(self, name)?)
            }
            fn nearest_entities(&mut self, name: &str) -> Result<Vec<String>, Failure> {
                Ok(<$store>::nearest_entities(self, name)?)
            }
        }
    };
}

name_lookup_of!(Store);
name_lookup_of!(PgStore);

/// Fails, suggesting the nearest names, when `source` or `entity` names nothing in the store:
/// a typo is an error, not an empty answer.
pub fn check_names(
    store: &mut dyn NameLookup,
    command: &str,
    source: Option<&str>,
    entity: Option<&str>,
) -> Result<(), Failure> {
    if let Some(name) = source
        && !store.source_exists(name)?
    {
        let nearest = store.nearest_sources(name)?;
        return Err(unknown(command, "source", name, &nearest, "newsdb sources"));
    }
    if let Some(name) = entity
        && !store.entity_exists(name)?
    {
        let nearest = store.nearest_entities(name)?;
        return Err(unknown(
            command,
            "entity",
            name,
            &nearest,
            "newsdb entities",
        ));
    }
    Ok(())
}

fn unknown(command: &str, what: &str, name: &str, nearest: &[String], lister: &str) -> Failure {
    let hint = match nearest {
        [] => format!("`{lister}` lists them"),
        names => {
            let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
            format!("did you mean {}?", quoted.join(" or "))
        }
    };
    Failure::Failed(format!("{command}: no {what} named \"{name}\" ({hint})"))
}

impl FilterArgs {
    /// Fails when `--source` or `--entity` names nothing.
    pub fn check_names(&self, store: &mut dyn NameLookup, command: &str) -> Result<(), Failure> {
        check_names(
            store,
            command,
            self.source.as_deref(),
            self.entity.as_deref(),
        )
    }

    /// The filters as query parameters (the dates were checked by the parser).
    pub fn parameters(&self) -> Vec<Parameter> {
        let text = |name: &str, value: &Option<String>| Parameter {
            name: name.to_owned(),
            value: value.clone().map_or(Value::Null, Value::Text),
        };
        vec![
            text("source", &self.source),
            text("entity", &self.entity),
            text("since", &self.since),
            text("until", &self.until),
            Parameter {
                name: "limit".into(),
                value: Value::Integer(i64::from(self.limit)),
            },
        ]
    }
}

#[derive(Debug, Args)]
pub struct ArticlesArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Only articles filed under this category (any case).
    #[arg(long, value_name = "NAME")]
    pub category: Option<String>,
    /// Skip this many articles first (for the next page).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub offset: u32,
    /// One row per story (its first article here), with `story_id` and `versions`.
    #[arg(long)]
    pub collapse: bool,
    #[command(flatten)]
    pub format: FormatArgs,
}

pub fn run(context: &Context, args: &ArticlesArgs) -> Outcome {
    let mut parameters = args.filters.parameters();
    parameters.push(Parameter {
        name: "category".into(),
        value: args.category.clone().map_or(Value::Null, Value::Text),
    });
    parameters.push(Parameter {
        name: "offset".into(),
        value: Value::Integer(i64::from(args.offset)),
    });
    if let Some(mut store) = context.open_postgres(true)? {
        args.filters.check_names(&mut store, "articles")?;
        return run_on_postgres(&mut store, args, parameters);
    }
    let mut store = context.open_read_only()?;
    args.filters.check_names(&mut store, "articles")?;
    let query = super::run::built_in("articles")?;
    if args.collapse {
        return print_collapsed(&store, query, parameters, &args.format, args.filters.limit);
    }
    super::run::print(&store, query, &parameters, &args.format, None)
}

/// The same listing on PostgreSQL: the query in its dialect, given the keys SQLite's SQL
/// functions compute.
fn run_on_postgres(
    store: &mut PgStore,
    args: &ArticlesArgs,
    mut parameters: Vec<Parameter>,
) -> Outcome {
    let key = |name: &str, value: Option<String>| Parameter {
        name: name.to_owned(),
        value: value.map_or(Value::Null, Value::Text),
    };
    parameters.push(key(
        "source_key",
        args.filters.source.as_deref().map(source_key),
    ));
    parameters.push(key(
        "entity_key",
        args.filters.entity.as_deref().map(alias_key),
    ));
    let sql = newsdb::backend::postgres::canned::ARTICLES;
    if !args.collapse {
        return super::query::print_on_postgres(store, sql, &parameters, false, None, &args.format);
    }
    print_collapsed_on_postgres(
        store,
        "articles",
        sql,
        parameters,
        &args.format,
        args.filters.limit,
    )
}

/// Runs `sql` on PostgreSQL reading more rows than `limit`, and prints one row per story
/// (`--collapse`).
pub fn print_collapsed_on_postgres(
    store: &mut PgStore,
    command: &str,
    sql: &str,
    mut parameters: Vec<Parameter>,
    format: &FormatArgs,
    limit: u32,
) -> Outcome {
    for parameter in &mut parameters {
        if parameter.name == "limit" {
            parameter.value =
                Value::Integer(i64::from(limit) * i64::from(super::stories::COLLAPSE_READ_FACTOR));
        }
    }
    let mut columns = Vec::new();
    let mut rows = Vec::new();
    newsdb::backend::postgres::query::run(store, sql, &parameters, false, None, |names, found| {
        columns = names.to_vec();
        for row in found {
            rows.push(row?);
        }
        Ok(rows.len() as u64)
    })
    .map_err(|error| Failure::Failed(format!("{command}: {error}")))?;
    let rows = super::stories::collapse_with(
        &mut |id| Ok(Some(store.story_and_size(id)?)),
        &mut columns,
        rows,
        limit as usize,
    )?;
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    super::output::print(format, &columns, rows.into_iter().map(Ok))
}

/// Runs `query` reading more rows than `limit`, and prints one row per story (`--collapse`).
pub fn print_collapsed(
    store: &Store,
    query: &newsdb::query::canned::CannedQuery,
    mut parameters: Vec<Parameter>,
    format: &FormatArgs,
    limit: u32,
) -> super::Outcome {
    for parameter in &mut parameters {
        if parameter.name == "limit" {
            parameter.value =
                Value::Integer(i64::from(limit) * i64::from(super::stories::COLLAPSE_READ_FACTOR));
        }
    }
    let (mut columns, rows) = super::run::collect(store, query, &parameters)?;
    let rows = super::stories::collapse(store, &mut columns, rows, limit as usize)?;
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    super::output::print(format, &columns, rows.into_iter().map(Ok))
}
