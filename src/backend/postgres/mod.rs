//! PostgreSQL: the second backend, for many importers on several hosts and many readers.
//!
//! One [`PgStore`] owns one connection (the `postgres` crate, synchronous). The schema comes
//! from `migrations/postgres/` (the same tables, columns, views and meanings as
//! `migrations/sqlite/`, version numbers shared), applied at open under an advisory lock so that
//! several processes opening a new database at once migrate it once. Times are stored as the
//! same UTC ISO 8601 text as on SQLite; full-text search is a generated `tsvector` column with a
//! GIN index.
//!
//! **Read-only SQL** runs in a `READ ONLY` transaction with a `statement_timeout` ([`query`]),
//! so the server, not a parser of ours, refuses writes and stops runaways.

mod articles;
pub use articles::ShownRow;
pub mod canned;
mod compact;
mod corrections;
mod entities;
mod export;
mod feeds;
mod import;
mod pages;
pub mod query;
mod regroup;
mod saved;
mod schema;
pub mod search;
mod stories;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use postgres::{Client, NoTls};

use crate::entities::EXTERNAL_IDS_VERSION;
use crate::normalize::HASH_SCHEME;
use crate::normalize::url::without_credentials;
use crate::store::{MigrationStatus, OpenOptions, StoreError};

mod embedded {
    refinery::embed_migrations!("migrations/postgres");
}

/// Waits this long for a server that does not answer, unless the URL sets `connect_timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The advisory lock key that serialises migrations ("newsdb" in ASCII).
const MIGRATION_LOCK: i64 = 0x6e65_7773_6462;

/// The highest migration version of the PostgreSQL schema this binary carries.
pub fn latest_known_version() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|migration| i64::from(migration.version()))
        .max()
        .unwrap_or(0)
}

/// A connection to a newsdb database on a PostgreSQL server.
pub struct PgStore {
    client: Client,
    /// The URL without its password, for messages.
    shown: String,
    /// The URL as given, to open a second connection (never shown).
    url: String,
    /// What the importer has learnt of rows nobody deletes.
    import_caches: import::ImportCaches,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("url", &self.shown).finish()
    }
}

impl PgStore {
    /// Connects to `url` and, unless `options.read_only`, brings its schema up to date.
    pub fn open(url: &str, options: &OpenOptions) -> Result<PgStore, StoreError> {
        let shown = without_credentials(url).into_owned();
        let open_error = |reason: String| StoreError::Open {
            path: PathBuf::from(&shown),
            reason,
        };
        let mut config: postgres::Config = url
            .parse()
            .map_err(|error| open_error(format!("not a PostgreSQL URL: {error}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("newsdb");
        }
        let client = config
            .connect(NoTls)
            .map_err(|error| open_error(describe(&error)))?;
        let mut store = PgStore {
            client,
            shown,
            url: url.to_owned(),
            import_caches: import::ImportCaches::default(),
        };
        store.check_version()?;
        if !options.read_only {
            store.migrate()?;
        }
        store.check_hash_scheme()?;
        if !options.read_only {
            store.fill_external_ids()?;
        }
        Ok(store)
    }

    /// The URL, without its password.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The connection, for SQL of the backend's own modules and of other Rust tools.
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    fn error(&self, context: &str, error: &postgres::Error) -> StoreError {
        StoreError::Server {
            context: format!("{}: {context}", self.shown),
            reason: describe(error),
        }
    }

    /// The highest applied migration, 0 for an empty database.
    fn applied_version(&mut self) -> Result<i64, StoreError> {
        let row = self
            .client
            .query_one(
                "SELECT to_regclass('refinery_schema_history') IS NOT NULL",
                &[],
            )
            .map_err(|error| self.error("reading the schema", &error))?;
        if !row.get::<_, bool>(0) {
            return Ok(0);
        }
        let row = self
            .client
            .query_one(
                "SELECT coalesce(max(version), 0)::bigint FROM refinery_schema_history",
                &[],
            )
            .map_err(|error| self.error("reading the migration history", &error))?;
        Ok(row.get(0))
    }

    /// Refuses a database migrated by a newer newsdb, before writing anything.
    fn check_version(&mut self) -> Result<(), StoreError> {
        let found = self.applied_version()?;
        let known = latest_known_version();
        if found > known {
            return Err(StoreError::TooNew {
                path: PathBuf::from(&self.shown),
                found,
                known,
            });
        }
        Ok(())
    }

    /// Applies pending migrations in one transaction, one process at a time.
    fn migrate(&mut self) -> Result<(), StoreError> {
        if self.applied_version()? >= latest_known_version() {
            return Ok(());
        }
        self.client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
            .map_err(|error| self.error("waiting for the migration lock", &error))?;
        let outcome = embedded::migrations::runner()
            .set_grouped(true)
            .run(&mut self.client);
        let unlocked = self
            .client
            .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
        outcome.map_err(|error| StoreError::Migration {
            path: PathBuf::from(&self.shown),
            reason: error.to_string(),
        })?;
        unlocked.map_err(|error| self.error("releasing the migration lock", &error))?;
        Ok(())
    }

    fn check_hash_scheme(&mut self) -> Result<(), StoreError> {
        if self.applied_version()? == 0 {
            return Ok(());
        }
        let row = self
            .client
            .query_opt("SELECT value FROM meta WHERE key = 'hash_scheme'", &[])
            .map_err(|error| self.error("reading the hash scheme", &error))?;
        match row.map(|row| row.get::<_, String>(0)) {
            Some(found) if found != HASH_SCHEME.to_string() => Err(StoreError::HashScheme {
                path: PathBuf::from(&self.shown),
                found,
                known: HASH_SCHEME,
            }),
            _ => Ok(()),
        }
    }

    /// Gives stored entities the identifiers of their source lists once per version of the
    /// gazetteers, as the SQLite store does at open; an id already there stays.
    fn fill_external_ids(&mut self) -> Result<(), StoreError> {
        let what = "filling in entity identifiers";
        let done = self
            .client
            .query_opt(
                "SELECT value FROM meta WHERE key = 'external_ids_version'",
                &[],
            )
            .map_err(|error| self.error(what, &error))?
            .map(|row| row.get::<_, String>(0));
        if done.as_deref() == Some(EXTERNAL_IDS_VERSION) {
            return Ok(());
        }
        let fill = |client: &mut Client| -> Result<(), postgres::Error> {
            let mut transaction = client.transaction()?;
            let stored: bool = transaction
                .query_one("SELECT EXISTS (SELECT 1 FROM entities)", &[])?
                .get(0);
            if stored {
                let update = transaction.prepare(
                    "UPDATE entities SET external_id = $3
                      WHERE kind = $1 AND key = $2 AND external_id IS NULL",
                )?;
                for (kind, key, id) in crate::entities::external_ids() {
                    transaction.execute(&update, &[&kind.name(), &key, &id])?;
                }
            }
            transaction.execute(
                "INSERT INTO meta (key, value) VALUES ('external_ids_version', $1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&EXTERNAL_IDS_VERSION],
            )?;
            transaction.commit()
        };
        fill(&mut self.client).map_err(|error| self.error(what, &error))
    }

    /// Applied and pending migrations, as `newsdb migrate --status` lists them.
    pub fn migration_status(&mut self) -> Result<Vec<MigrationStatus>, StoreError> {
        let mut applied: HashMap<i64, (String, String)> = HashMap::new();
        if self.applied_version()? > 0 {
            let rows = self
                .client
                .query(
                    "SELECT version::bigint, name, applied_on FROM refinery_schema_history",
                    &[],
                )
                .map_err(|error| self.error("reading the migration history", &error))?;
            for row in rows {
                applied.insert(row.get(0), (row.get(1), row.get(2)));
            }
        }
        Ok(MigrationStatus::list(
            embedded::migrations::runner().get_migrations(),
            applied,
        ))
    }
}

/// A server error with its detail and hint, or the client error; never the password.
pub fn describe(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = db.message().to_owned();
            if let Some(detail) = db.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            if let Some(hint) = db.hint() {
                text.push_str(&format!("; hint: {hint}"));
            }
            text
        }
        None => without_credentials(&error.to_string()).into_owned(),
    }
}
