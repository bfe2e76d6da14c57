//! Which database a command talks to: a SQLite file (the embedded default, [`crate::Store`]) or
//! a PostgreSQL server ([`postgres::PgStore`]), chosen by the `--db` value.
//!
//! Each backend keeps its SQL and its dialect in its own module; the commands ask for a
//! [`Database`] and match on it only where the two differ.

pub mod copy;
pub mod postgres;

use std::path::{Path, PathBuf};

use crate::store::{OpenOptions, Store, StoreError};
pub use postgres::PgStore;

/// Where `--db` (or `NEWSDB_DB`) points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// A SQLite file.
    File(PathBuf),
    /// A `postgres://` or `postgresql://` URL (libpq's URL form).
    Postgres(String),
}

impl DatabaseLocation {
    /// Reads a `--db` value: a PostgreSQL URL, or else a file path.
    pub fn parse(value: &Path) -> DatabaseLocation {
        match value.to_str() {
            Some(text) if is_postgres_url(text) => DatabaseLocation::Postgres(text.to_owned()),
            _ => DatabaseLocation::File(value.to_owned()),
        }
    }
}

/// Whether `text` names a PostgreSQL database rather than a file.
pub fn is_postgres_url(text: &str) -> bool {
    let lower = text.get(..13).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// An open database of either kind (boxed: the two stores differ much in size).
pub enum Database {
    Sqlite(Box<Store>),
    Postgres(Box<PgStore>),
}

impl Database {
    /// Opens (and migrates, unless read-only) the database `location` names.
    pub fn open(
        location: &DatabaseLocation,
        options: &OpenOptions,
    ) -> Result<Database, StoreError> {
        Ok(match location {
            DatabaseLocation::File(path) => Database::Sqlite(Box::new(Store::open(path, options)?)),
            DatabaseLocation::Postgres(url) => {
                Database::Postgres(Box::new(PgStore::open(url, options)?))
            }
        })
    }
}
