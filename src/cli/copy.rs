//! `newsdb copy --to URL|FILE`: the whole store, into an empty database of the other backend.

use clap::Args;

use newsdb::backend::{DatabaseLocation, copy};

use super::{Context, Failure, Outcome};

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// Where to copy the store: from a SQLite file, a postgres:// URL of an empty database
    /// (made with createdb); from PostgreSQL, a new SQLite file.
    #[arg(long, value_name = "URL|FILE")]
    pub to: String,
}

pub fn run(context: &Context, args: &CopyArgs) -> Outcome {
    if let Some(from) = context.open_postgres(true)? {
        return copy_back(context, from, &args.to);
    }
    let Some(to) = context.open_postgres_url(&args.to) else {
        return Err(Failure::Usage(format!(
            "--to {}: from a SQLite store, copy to a postgres:// URL (`newsdb backup FILE` \
             copies a SQLite store to another file)",
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

/// A PostgreSQL store into a new SQLite file (made here; an existing file is refused unless it
/// is an empty newsdb database).
fn copy_back(context: &Context, mut from: newsdb::backend::PgStore, to: &str) -> Outcome {
    if let DatabaseLocation::Postgres(_) = DatabaseLocation::parse(to.as_ref()) {
        return Err(Failure::Usage(format!(
            "--to {to}: from PostgreSQL, copy to a SQLite file (to move a PostgreSQL database, \
             use pg_dump and pg_restore)"
        )));
    }
    let path = std::path::Path::new(to);
    let options = newsdb::store::OpenOptions {
        busy_timeout: context.busy_timeout,
        read_only: false,
    };
    let mut store = newsdb::store::Store::open(path, &options)?;
    let summary = copy::postgres_to_sqlite(&mut from, &mut store).map_err(Failure::from)?;
    let count = |table: &str| summary.rows.get(table).copied().unwrap_or(0);
    context.note(&format!(
        "copied {} articles, {} sightings, {} entities and {} rows in all to {} ({:.2} s)",
        count("articles"),
        count("sightings"),
        count("entities"),
        summary.rows.values().sum::<u64>(),
        path.display(),
        summary.elapsed_seconds
    ));
    Ok(())
}
