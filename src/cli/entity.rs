//! `newsdb entity NAME`: one entity's page: its counts, aliases, the entities most often named
//! with it and its latest articles.
//!
//! Counts and first/last dates are the entity's totals over the whole store (kept as mentions
//! are written, V14). Alias mention counts and co-mentioned entities are counted over the
//! entity's 200 most recently stored articles (`ENTITY_SAMPLE_ARTICLES`), so the page costs the
//! same for a rare name and for one in half the store.
//!
//! NAME is matched by key, so "KIM JONG-UN", "Kim Jong Un" and "Kim's" all find Kim Jong Un, and
//! any alias finds its entity. When several entities match ("Georgia" the place and the person),
//! an exact entity key wins over an alias, then the most mentioned; the others are named on
//! stderr so the user can narrow with `--kind` or a fuller name.
//!
//! Output: `json` is one object `{"entity", "aliases", "co_mentions", "articles"}` and `jsonl`
//! the same object on one line. The other formats print four tables in that order: table and
//! markdown under a heading each, csv and tsv as blocks (each with its own header row)
//! separated by a blank line.

use std::io::{self, Write};

use clap::Args;
use rusqlite::types::Value;

use newsdb::backend::PgStore;
use newsdb::entities::EntityKind;
use newsdb::query::format::{self, OutputFormat};
use newsdb::store::{EntityDetail, EntitySummary, Store};

use super::entities::kind_parser;
use super::entity_edit::EntityEdit;
use super::{Context, Failure, FormatArgs, Outcome};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct EntityArgs {
    /// Correct entities instead of showing one.
    #[command(subcommand)]
    pub edit: Option<EntityEdit>,
    /// The entity's name or any of its aliases, in any case or spelling of spaces and hyphens.
    #[arg(required = true)]
    pub name: Option<String>,
    /// Only an entity of this kind.
    #[arg(long, value_parser = kind_parser())]
    pub kind: Option<EntityKind>,
    /// Rows in the co-mentions and latest-articles sections. Co-mentions and the aliases'
    /// mention counts are counted over the entity's 200 most recently stored articles.
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: u64,
    #[command(flatten)]
    pub format: FormatArgs,
}

/// What an entity's page reads, from a store of either backend.
trait EntityReader {
    fn find_entities(
        &mut self,
        name: &str,
        kind: Option<EntityKind>,
    ) -> Result<Vec<EntitySummary>, Failure>;
    fn entity_detail(&mut self, id: i64, limit: usize) -> Result<Option<EntityDetail>, Failure>;
}

/// Implements [`EntityReader`] for a store type whose inherent methods have its names.
macro_rules! entity_reader_of {
    ($store:ty) => {
        impl EntityReader for $store {
            fn find_entities(
                &mut self,
                name: &str,
                kind: Option<EntityKind>,
            ) -> Result<Vec<EntitySummary>, Failure> {
                Ok(<$store>::find_entities(self, name, kind)?)
            }
            fn entity_detail(
                &mut self,
                id: i64,
                limit: usize,
            ) -> Result<Option<EntityDetail>, Failure> {
                Ok(<$store>::entity_detail(self, id, limit)?)
            }
        }
    };
}

entity_reader_of!(Store);
entity_reader_of!(PgStore);

pub fn run(context: &Context, args: &EntityArgs) -> Outcome {
    let name = match (&args.edit, &args.name) {
        (Some(edit), _) => return super::entity_edit::run(context, edit),
        (None, Some(name)) => name,
        (None, None) => return Err(Failure::Usage("name an entity".into())),
    };
    let mut store: Box<dyn EntityReader> = match context.open_postgres(true)? {
        Some(store) => Box::new(store),
        None => Box::new(context.open_read_only()?),
    };
    let matches = store.find_entities(name, args.kind)?;
    let Some(chosen) = matches.first() else {
        let kind = args
            .kind
            .map_or(String::new(), |k| format!(" of kind {}", k.name()));
        return Err(Failure::Failed(format!("no entity named {name:?}{kind}")));
    };
    if matches.len() > 1 {
        let others: Vec<String> = matches[1..].iter().map(describe).collect();
        context.note(&format!(
            "{name:?} also names {}; narrow with --kind or a fuller name",
            others.join(", ")
        ));
    }
    let limit = usize::try_from(args.limit).unwrap_or(usize::MAX);
    let detail = store
        .entity_detail(chosen.id, limit)?
        .ok_or_else(|| Failure::Failed(format!("entity {} vanished while reading", chosen.id)))?;
    print_detail(&args.format, &detail)
}

fn describe(entity: &EntitySummary) -> String {
    format!(
        "{} ({}, id {}, {} articles)",
        entity.name, entity.kind, entity.id, entity.articles
    )
}

/// One section of the page: a heading, column names and rows.
struct Section {
    heading: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Value>>,
}

fn text(value: &Option<String>) -> Value {
    value.clone().map_or(Value::Null, Value::Text)
}

fn sections(detail: &EntityDetail) -> [Section; 4] {
    let entity = &detail.entity;
    [
        Section {
            heading: "Entity",
            columns: &[
                "id",
                "name",
                "kind",
                "external_id",
                "mentions",
                "articles",
                "first_seen",
                "last_seen",
            ],
            rows: vec![vec![
                Value::Integer(entity.id),
                Value::Text(entity.name.clone()),
                Value::Text(entity.kind.clone()),
                text(&entity.external_id),
                Value::Integer(entity.mentions),
                Value::Integer(entity.articles),
                text(&entity.first_seen),
                text(&entity.last_seen),
            ]],
        },
        Section {
            heading: "Aliases",
            columns: &["alias", "origin", "mentions"],
            rows: detail
                .aliases
                .iter()
                .map(|alias| {
                    vec![
                        Value::Text(alias.alias.clone()),
                        text(&alias.origin),
                        Value::Integer(alias.mentions),
                    ]
                })
                .collect(),
        },
        Section {
            heading: "Co-mentioned entities",
            columns: &["id", "name", "kind", "articles"],
            rows: detail
                .co_mentions
                .iter()
                .map(|other| {
                    vec![
                        Value::Integer(other.id),
                        Value::Text(other.name.clone()),
                        Value::Text(other.kind.clone()),
                        Value::Integer(other.articles),
                    ]
                })
                .collect(),
        },
        Section {
            heading: "Latest articles",
            columns: &["id", "published_at", "title", "mentions"],
            rows: detail
                .articles
                .iter()
                .map(|article| {
                    vec![
                        Value::Integer(article.id),
                        text(&article.published_at),
                        text(&article.title),
                        Value::Integer(article.mentions),
                    ]
                })
                .collect(),
        },
    ]
}

fn print_detail(format_args: &FormatArgs, detail: &EntityDetail) -> Outcome {
    let output_format = format_args.format();
    let mut out = io::BufWriter::new(io::stdout().lock());
    match output_format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, detail).map_err(io::Error::from)?;
            writeln!(out)?;
        }
        OutputFormat::Jsonl => {
            serde_json::to_writer(&mut out, detail).map_err(io::Error::from)?;
            writeln!(out)?;
        }
        _ => {
            let style = format_args.style();
            for (n, section) in sections(detail).into_iter().enumerate() {
                if n > 0 {
                    writeln!(out)?;
                }
                match output_format {
                    OutputFormat::Table | OutputFormat::Lines => {
                        writeln!(out, "{}", section.heading)?
                    }
                    OutputFormat::Markdown => writeln!(out, "## {}\n", section.heading)?,
                    _ => {}
                }
                let columns: Vec<String> = section.columns.iter().map(|c| c.to_string()).collect();
                let rows = section.rows.into_iter().map(Ok::<_, io::Error>);
                format::write_rows(&mut out, output_format, &columns, rows, &style)?;
            }
        }
    }
    out.flush().map_err(Failure::from)
}
