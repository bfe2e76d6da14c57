//! `newsdb copy --to URL`: the whole store, into an empty PostgreSQL database.

use clap::Args;

use newsdb::backend::{DatabaseLocation, copy};

use super::{Context, Failure, Outcome};

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// Where to copy the store: a postgres:// URL of an empty database (made with createdb).
    #[arg(long, value_name = "URL")]
    pub to: String,
}

pub fn run(context: &Context, args: &CopyArgs) -> Outcome {
    if let DatabaseLocation::Postgres(_) = context.location() {
        return Err(Failure::Usage(
            "copying from PostgreSQL is not supported yet: --db must be a SQLite file (to move \
             a PostgreSQL database, use pg_dump and pg_restore)"
                .into(),
        ));
    }
    let Some(to) = context.open_postgres_url(&args.to) else {
        return Err(Failure::Usage(format!(
            "--to {}: copying to a SQLite file is not supported yet; give a postgres:// URL \
             (`newsdb backup FILE` copies a SQLite store to another file)",
            args.to
        )));
    };
    let from = context.open_read_only()?;
    let mut to = to?;
    let summary = copy::sqlite_to_postgres(&from, &mut to).map_err(Failure::from)?;
    let count = |table: &str| summary.rows.get(table).copied().unwrap_or(0);
    context.note(&format!(
        "copied {} articles, {} sightings, {} entities and {} rows in all to {} ({:.2} s)",
        count("articles"),
        count("sightings"),
        count("entities"),
        summary.rows.values().sum::<u64>(),
        to.shown(),
        summary.elapsed_seconds
    ));
    Ok(())
}
