//! The store: the only owner of the SQLite connection.
//!
//! **Locking.** The database runs in WAL mode, so readers never block the writer and the writer never
//! blocks readers. Every write is one `BEGIN IMMEDIATE` transaction: it takes the write lock up front,
//! so two writers queue on the busy timeout (30 s by default) instead of failing half-way with
//! `SQLITE_BUSY` on lock upgrade. Imports write in batches, and one transaction holds consecutive
//! batches of up to [`HELD_ARTICLES`] articles or [`HELD_FOR`] (see [`WriteOptions::more_follow`]);
//! it commits whole or not at all, so a killed import loses at most its open transaction and a
//! re-run completes it without duplicates (the unique `content_hash` makes re-inserting a
//! committed article a duplicate, not a second row).
//!
//! **Compatibility.** Migrations are embedded from `migrations/sqlite/` and applied at open. A database that
//! holds a migration newer than this binary knows is refused *before anything is written*: the WAL
//! switch and the migration runner only run after that check, so the file stays byte-for-byte as it
//! was. Another application's SQLite file is refused the same way, unless adopted on purpose
//! (`open`, which also covers devices, read-only files and read-only folders).
//!
//! **Full-text index.** `articles_fts` indexes title, summary and body, and follows `articles`
//! through triggers, whoever writes. It is declared with `content="articles"` so that sqlite-utils
//! and Datasette find it (see `migrations/sqlite/V5__fts_summary.sql`). A batch
//! import pauses the insert trigger inside its own transaction (a row in `fts_sync_pause`) and
//! indexes the articles of the batches it commits together with one `INSERT ... SELECT`, which is
//! markedly faster than a trigger per row; the pause is lifted before commit, so no other
//! connection ever sees it. (Dropping the trigger
//! for the batch instead would save more, but a schema change per batch makes other connections'
//! full-text queries fail now and then with SQLITE_SCHEMA.)
//!
//! **Checkpoints.** While batches are written, WAL checkpoints run on a thread of their own
//! (`checkpoint`), beside the writer rather than inside its commits.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::entities::imported::alias_text;
use crate::entities::{Mention, Method, alias_key};
use crate::item::ImportError;
use crate::normalize::url::without_credentials;
use crate::normalize::{Article, HASH_SCHEME, Person, SourceName};

pub(crate) mod arrivals;
mod cache;
mod checkpoint;
pub(crate) mod compact;
pub(crate) mod entities;
mod entity_ids;
mod entity_totals;
mod open;
pub(crate) mod packed_mentions;
pub use compact::CompactSummary;
pub use open::{disk_full_hint, sqlite_temp_dir};
pub use rank::SharedWordCounts;

use arrivals::Fields;
use cache::Caches;
use checkpoint::BackgroundCheckpoints;
use packed_mentions::MentionRow;

pub use entities::{EntityLookup, EntityRow, ReextractSummary};
mod entity_queries;
pub mod export;

pub use entity_queries::{
    AliasCount, ArticleRef, CoMention, ENTITY_SAMPLE_ARTICLES, EntityDetail, EntityFilter,
    EntitySummary,
};

mod embedded {
    refinery::embed_migrations!("migrations/sqlite");
}

mod feeds;
pub use feeds::{Feed, FeedAdded, NewFeed, PollRecord, SubscriptionsImported, backoff_after};
pub mod lookup;
mod names;
pub use names::nearest;
mod pages;
mod rank;
mod saved;

pub use lookup::{CANDIDATES, Candidate, RawCopy, Resolved};
pub(crate) use pages::without_index_hints;
pub use pages::{
    FACET_MATCHES, FacetCount, KeptArticleFacts, LinkedMention, ListedArticle, PeriodCount,
    SOURCE_ENTITY_ARTICLES, SearchFacets, Sighting, SourceRow,
};
pub(crate) mod stories;
pub use saved::{Saved, SavedQuery};
pub use stories::{
    ArticleSketch, RebuildSummary, SimilarArticle, StoryFilter, StoryMember, StoryOrder,
    StorySummary,
};

/// Errors of the store, each naming the database it concerns.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: cannot open database: {reason}")]
    Open { path: PathBuf, reason: String },
    #[error("{path}: not a newsdb database: {reason}")]
    NotADatabase { path: PathBuf, reason: String },
    #[error(
        "{path}: schema version {found} is newer than this newsdb knows (up to {known}); \
         upgrade newsdb to use this database (it was left untouched)"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{path}: hash scheme {found} differs from this newsdb's scheme {known}")]
    HashScheme {
        path: PathBuf,
        found: String,
        known: u32,
    },
    #[error("{path}: migration failed: {reason}")]
    Migration { path: PathBuf, reason: String },
    #[error("article {article}: cannot read its raw copy: {source}")]
    RawCopy {
        article: i64,
        #[source]
        source: crate::raw_codec::RawDecodeError,
    },
    /// An error of the PostgreSQL backend (src/backend/postgres), described without password.
    #[error("{context}: {reason}")]
    Server { context: String, reason: String },
    #[error("{context}: {source}{hint}", hint = open::disk_full_hint(.source))]
    Sql {
        context: String,
        #[source]
        source: rusqlite::Error,
    },
}

impl StoreError {
    /// Errors that mean the database could not be opened or migrated (exit status 2).
    pub fn is_open_failure(&self) -> bool {
        !matches!(
            self,
            StoreError::Sql { .. } | StoreError::RawCopy { .. } | StoreError::Server { .. }
        )
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Adds a description of what was being done to a rusqlite error.
trait Context<T> {
    fn context(self, what: &str) -> Result<T>;
}

impl<T> Context<T> for rusqlite::Result<T> {
    fn context(self, what: &str) -> Result<T> {
        self.map_err(|source| StoreError::Sql {
            context: what.to_owned(),
            source,
        })
    }
}

/// How to open a store.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    /// How long a writer waits for another writer's lock before giving up.
    pub busy_timeout: Duration,
    /// Open the connection read-only (and `query_only`): no migration, no write of any kind.
    pub read_only: bool,
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions {
            busy_timeout: Duration::from_secs(30),
            read_only: false,
        }
    }
}

/// A migration and whether this database has it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MigrationStatus {
    pub version: i64,
    pub name: String,
    pub applied_on: Option<String>,
}

impl MigrationStatus {
    /// Every embedded migration with its applied time from `applied` (version -> name, applied
    /// on), then any applied one this binary lacks, by version: the list of either backend.
    pub(crate) fn list(
        embedded: &[refinery::Migration],
        mut applied: HashMap<i64, (String, String)>,
    ) -> Vec<MigrationStatus> {
        let mut status: Vec<MigrationStatus> = embedded
            .iter()
            .map(|migration| {
                let version = i64::from(migration.version());
                MigrationStatus {
                    version,
                    name: migration.name().to_owned(),
                    applied_on: applied.remove(&version).map(|(_, applied_on)| applied_on),
                }
            })
            .collect();
        status.extend(
            applied
                .into_iter()
                .map(|(version, (name, applied_on))| MigrationStatus {
                    version,
                    name,
                    applied_on: Some(applied_on),
                }),
        );
        status.sort_by_key(|migration| migration.version);
        status
    }
}

/// What one batch write did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct BatchOutcome {
    pub new_articles: u64,
    pub duplicates: u64,
    /// New articles whose URL or GUID was already known for another article.
    pub new_versions: u64,
    pub rejected: u64,
}

impl std::ops::AddAssign for BatchOutcome {
    fn add_assign(&mut self, other: BatchOutcome) {
        self.new_articles += other.new_articles;
        self.duplicates += other.duplicates;
        self.new_versions += other.new_versions;
        self.rejected += other.rejected;
    }
}

/// One entry of an import batch, in input order.
#[derive(Debug)]
pub enum BatchEntry {
    /// An article and the entity mentions found in it (stored only if the article is new).
    Article {
        article: Box<Article>,
        mentions: Vec<Mention>,
        /// Its sketch, to place it in a story (None: stories are off, or the content is known).
        sketch: Option<Box<ArticleSketch>>,
    },
    Rejected(ImportError),
}

/// Identifies a row of `imports`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportId(pub i64);

impl fmt::Display for ImportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Counts stored for an import run when it finishes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportCounts {
    pub inputs: u64,
    pub items: u64,
    pub new_articles: u64,
    pub duplicates: u64,
    pub new_versions: u64,
    pub rejected: u64,
}

/// Write-side settings of an import.
#[derive(Clone, Copy, Debug)]
pub struct WriteOptions {
    /// Keep each new article's original bytes in `article_raw`.
    pub keep_raw: bool,
    /// The subscribed feed the batch was fetched from, recorded in its sightings.
    pub feed_id: Option<i64>,
    /// More batches follow at once (the writer has input waiting): the store may leave this
    /// batch's transaction open and commit it with the next ones (at most [`HELD_ARTICLES`]
    /// articles or [`HELD_FOR`] in all). The caller commits what is held with
    /// [`Store::commit_held`] before it waits for input or stops writing.
    pub more_follow: bool,
}

/// A transaction holds the batches of up to this many articles. Once the random-key indexes
/// (content hashes, URLs, the entity index, story keys) outgrow the page cache, every batch
/// dirties pages all over them, and each commit writes them to the WAL and has the checkpoint
/// copy them again. Importing 20,000 generated articles (release build, 2 cores), stories on:
/// into 200,000, 15.0-15.3 s with a commit per batch, 11.3-13.3 s holding 5,000 articles or
/// 2 s, 10.2 s holding 20,000 or 10 s; into 1,000,000, 30.0, 30.0 and 24.2 s (at that size
/// 2 s held only about 1,400 articles: 26.7 s with 5,000 or 10 s); into an empty database 5.2 s
/// and 4.8 s.
pub const HELD_ARTICLES: usize = 20_000;

/// Held batches are committed at the latest this long after the first of them began, so readers
/// see a long import's articles as it goes, and other writers wait at most about this long for
/// the write lock.
pub const HELD_FOR: Duration = Duration::from_secs(10);

/// The batches written since the last commit.
struct HeldWrites {
    started: Instant,
    articles: usize,
    /// The first of the held articles not in the full-text index yet (see [`index_held_articles`]).
    unindexed_from: Option<i64>,
}

impl Default for HeldWrites {
    fn default() -> Self {
        HeldWrites {
            started: Instant::now(),
            articles: 0,
            unindexed_from: None,
        }
    }
}

/// The database: one connection, opened, configured and migrated.
///
/// Other Rust programs use it as `newsdb` does: open a store, import through
/// [`pipeline::run`](crate::pipeline::run) (the same normalisation and dedup as
/// `newsdb import`), and query with plain SQL on [`Store::connection`]. Open it with
/// [`OpenOptions::read_only`] to read alongside a running import (WAL mode: readers never block
/// the writer).
///
/// The example uses nothing but `newsdb`: [`rusqlite`] is re-exported as `newsdb::rusqlite`, so
/// a dependent crate needs no `rusqlite` dependency of its own (and cannot pick a second,
/// mismatched version of it).
///
/// ```
/// use newsdb::pipeline::{self, ImportOptions, Input, Silent};
/// use newsdb::rusqlite::named_params;
/// use newsdb::store::{OpenOptions, Store};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let folder = std::env::temp_dir().join(format!("newsdb-doctest-{}", std::process::id()));
/// # std::fs::create_dir_all(&folder)?;
/// # struct Cleanup(std::path::PathBuf);
/// # impl Drop for Cleanup { fn drop(&mut self) { let _ = std::fs::remove_dir_all(&self.0); } }
/// # let _cleanup = Cleanup(folder.clone());
/// let records = folder.join("records.jsonl");
/// std::fs::write(
///     &records,
///     r#"{"title": "Rain in Seoul", "body": "Heavy rain fell on Seoul on Tuesday.", "source": "Example Wire"}"#,
/// )?;
///
/// let mut store = Store::open(&folder.join("news.sqlite"), &OpenOptions::default())?;
/// let inputs = [Input::Path(records.clone())];
/// let summary = pipeline::run(&mut store, &inputs, &ImportOptions::default(), &mut Silent)?;
/// assert_eq!(summary.new_articles, 1);
///
/// // Importing the same input again adds nothing: it is recorded as a duplicate.
/// let again = pipeline::run(&mut store, &inputs, &ImportOptions::default(), &mut Silent)?;
/// assert_eq!((again.new_articles, again.duplicates), (0, 1));
///
/// let (title, source): (String, String) = store.connection().query_row(
///     "SELECT o.title, o.source FROM articles_fts f JOIN article_overview o ON o.id = f.rowid
///       WHERE articles_fts MATCH :terms",
///     named_params! { ":terms": "rain seoul" },
///     |row| Ok((row.get(0)?, row.get(1)?)),
/// )?;
/// assert_eq!((title.as_str(), source.as_str()), ("Rain in Seoul", "Example Wire"));
/// # Ok(())
/// # }
/// ```
pub struct Store {
    /// Declared first so that its thread stops before `conn` closes (fields drop in order).
    checkpoints: Option<BackgroundCheckpoints>,
    conn: Connection,
    path: PathBuf,
    caches: Caches,
    /// Batches written in the open transaction, not yet committed.
    held: Option<HeldWrites>,
    /// What the store keeps of the connection's `newsdb_bm25`: the slot for word counts shared
    /// with other connections (see [`Store::share_word_counts`]) and the recorder of ranked
    /// matches (see [`Store::record_ranked_matches`]).
    ranking: rank::RankingHooks,
}

impl Drop for Store {
    /// Batches already written were reported as written: they are committed, whatever stopped
    /// the writing.
    fn drop(&mut self) {
        let _ = self.commit_held();
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// V21's count of edits to articles already stored (`meta.article_edits`), which caches of
/// per-article data (the server's facts, the ranking's lengths and word counts) are kept by.
const ARTICLE_EDITS: &str = "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'article_edits'";

/// SQL functions on every connection the store opens, for canned, saved and internal queries:
/// `source_key(text)` and `name_key(text)` give the keys newsdb stores in `sources.key` and in
/// `entities.key` / `entity_aliases.key`, so `--source "The Korea Herald"` finds "korea herald"
/// and `--entity "Kim's"` finds Kim. Other tools' connections do not have them. And FTS5's
/// ranking function `newsdb_bm25` (see [`rank`]), which the search query ranks with.
fn register_functions(conn: &Connection) -> rusqlite::Result<rank::RankingHooks> {
    let ranking = rank::register(conn)?;
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("source_key", 1, flags, |context| {
        Ok(context
            .get::<Option<String>>(0)?
            .map(|name| crate::normalize::keys::source_key(&name)))
    })?;
    conn.create_scalar_function("name_key", 1, flags, |context| {
        Ok(context
            .get::<Option<String>>(0)?
            .map(|name| alias_key(&name)))
    })?;
    Ok(ranking)
}

/// The newest migration this binary carries.
pub fn latest_known_version() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|migration| i64::from(migration.version()))
        .max()
        .unwrap_or(0)
}

impl Store {
    /// Opens an in-memory database, migrated; for tests and dry runs of other tools.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory().context("opening an in-memory database")?;
        let ranking = register_functions(&conn).context("registering SQL functions")?;
        let mut store = Store {
            checkpoints: None,
            conn,
            path: PathBuf::from(":memory:"),
            caches: Caches::default(),
            held: None,
            ranking,
        };
        store.configure_writer(Duration::ZERO)?;
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Shares the word counts search ranking keeps with the other connections given the same
    /// `counts` (the web server's pool; see [`SharedWordCounts`]).
    pub fn share_word_counts(&self, counts: &std::sync::Arc<SharedWordCounts>) {
        *self
            .ranking
            .word_counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(std::sync::Arc::clone(counts));
    }

    /// Records the matches this connection's searches rank for `query` (see
    /// [`rank::MatchRecorder`]) until [`Store::ranked_matches`] takes them.
    pub fn record_ranked_matches(&self, query: &str) {
        self.ranking.matches.start(query, FACET_MATCHES as usize);
    }

    /// The [`FACET_MATCHES`] highest rowids ranked since [`Store::record_ranked_matches`], highest
    /// first, and stops recording; None when none were (no match, or no ranked search ran).
    pub fn ranked_matches(&self) -> Option<Vec<i64>> {
        Some(self.ranking.matches.finish()).filter(|matches| !matches.is_empty())
    }

    /// The connection, for the query layer: read-only stores enforce `query_only` on it.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn configure_writer(&self, busy_timeout: Duration) -> Result<()> {
        // Takes effect only on a database not yet written (an existing one keeps its page size).
        // Articles and raw copies are rows of 2-3 KB: a 4 KB page holds one and wastes the rest,
        // so 16 KB pages make new databases about a fifth smaller and imports faster.
        self.conn
            .execute_batch("PRAGMA page_size = 16384")
            .map_err(|error| self.not_a_database_or(error, "setting the page size"))?;
        let journal_mode = open::switch_to_wal(&self.conn, busy_timeout)
            .map_err(|error| self.not_a_database_or(error, "setting WAL mode"))?;
        // An in-memory database reports "memory"; anything else must really be WAL.
        if journal_mode != "wal" && journal_mode != "memory" {
            return Err(StoreError::Open {
                path: self.path.clone(),
                reason: format!("could not switch to WAL mode (journal mode is {journal_mode})"),
            });
        }
        // NORMAL is safe in WAL mode: a crash never corrupts, it can only lose the last commits
        // on power loss, which a re-run of the import restores. The page cache is 32 MB: with
        // 16 MB, importing 20,000 articles into 200,000 read 5.9 GB and wrote 5.6 GB through
        // system calls (pages evicted and read again from the WAL and the file: the random-key
        // indexes outgrow the cache), with 32 MB and checkpoints every 4 commits 4.1 and 3.9 GB;
        // peak RSS 72 -> 88 MB (40 MB gave 97 MB, too close to the 100 MB budget). `temp_store`
        // stays at its default (files) on
        // purpose: a batch's `INSERT ... SELECT`s keep a statement journal, a copy of every index
        // page they touch, and with `temp_store = MEMORY` that copy grew with the database (10 MB
        // at 200,000 articles, peak memory 72 -> 97 MB from 20,000 to 200,000); on file it is
        // spilled past 64 KB and peak memory stays flat, for about 4% more import time.
        self.conn
            .execute_batch(
                "PRAGMA foreign_keys = ON;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA cache_size = -32768;
                 -- See `write_entries`; private to this connection.
                 CREATE TEMP TABLE IF NOT EXISTS staged_articles (
                     id INTEGER PRIMARY KEY, content_hash, title, body, summary, url, language,
                     published_at, published_raw, word_count, source_id
                 );
                 -- See `packed_mentions::stage`.
                 CREATE TEMP TABLE IF NOT EXISTS staged_mentions (
                     article_id, entity_id, field, mention_count, method, confidence, spans
                 );
",
            )
            .context("configuring the connection")
    }

    fn not_a_database_or(&self, error: rusqlite::Error, what: &str) -> StoreError {
        if error.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) {
            StoreError::NotADatabase {
                path: self.path.clone(),
                reason: error.to_string(),
            }
        } else if matches!(
            error.sqlite_error_code(),
            Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::PermissionDenied)
                | Some(rusqlite::ErrorCode::ReadOnly)
        ) {
            StoreError::Open {
                path: self.path.clone(),
                reason: describe_open_error(&error),
            }
        } else {
            StoreError::Sql {
                context: what.to_owned(),
                source: error,
            }
        }
    }

    /// The highest applied migration, 0 for a new or foreign database.
    fn applied_version(&self) -> Result<i64> {
        let has_history: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master
                                 WHERE type = 'table' AND name = 'refinery_schema_history')",
                [],
                |row| row.get(0),
            )
            .map_err(|error| self.not_a_database_or(error, "reading the schema"))?;
        if !has_history {
            return Ok(0);
        }
        self.conn
            .query_row(
                "SELECT coalesce(max(version), 0) FROM refinery_schema_history",
                [],
                |row| row.get(0),
            )
            .map_err(|error| self.not_a_database_or(error, "reading the migration history"))
    }

    /// Applies pending migrations, all in one transaction.
    ///
    /// Two processes opening the same new file race here: both see no schema, one commits, and
    /// the other's transaction fails (busy, or "table already exists"). The loser waits and looks
    /// again: once the schema is complete, someone else's migration is as good as its own.
    fn migrate(&mut self) -> Result<()> {
        const ATTEMPTS: u32 = 5;
        let latest = latest_known_version();
        let mut attempt = 0;
        loop {
            if self.applied_version()? >= latest {
                return Ok(());
            }
            attempt += 1;
            let outcome = embedded::migrations::runner()
                .set_grouped(true)
                .run(&mut self.conn);
            match outcome {
                Ok(_) => return Ok(()),
                Err(_) if attempt < ATTEMPTS => {
                    std::thread::sleep(Duration::from_millis(50 * u64::from(attempt)));
                }
                Err(error) => {
                    return Err(StoreError::Migration {
                        path: self.path.clone(),
                        reason: open::migration_reason(&error),
                    });
                }
            }
        }
    }

    fn check_hash_scheme(&self) -> Result<()> {
        let scheme: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'hash_scheme'",
                [],
                |row| row.get(0),
            )
            .optional()
            .context("reading the hash scheme")?;
        match scheme {
            Some(scheme) if scheme != HASH_SCHEME.to_string() => Err(StoreError::HashScheme {
                path: self.path.clone(),
                found: scheme,
                known: HASH_SCHEME,
            }),
            _ => Ok(()),
        }
    }

    /// Every embedded migration with its applied time, plus any applied one this binary lacks.
    pub fn migration_status(&self) -> Result<Vec<MigrationStatus>> {
        let mut applied: HashMap<i64, (String, String)> = HashMap::new();
        if self.applied_version()? > 0 || self.table_exists("refinery_schema_history")? {
            let mut statement = self
                .conn
                .prepare("SELECT version, name, applied_on FROM refinery_schema_history")
                .context("reading the migration history")?;
            let rows = statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .context("reading the migration history")?;
            for row in rows {
                let (version, name, applied_on) = row.context("reading the migration history")?;
                applied.insert(version, (name, applied_on));
            }
        }
        Ok(MigrationStatus::list(
            embedded::migrations::runner().get_migrations(),
            applied,
        ))
    }

    /// Whether mentions are stored packed (migration V12, `article_entities`); a read-only
    /// database with that migration pending still has the old `mentions` table.
    pub fn stores_packed_mentions(&self) -> Result<bool> {
        self.table_exists("article_entities")
    }

    /// Whether the per-entity totals are kept (V14 applied).
    pub fn keeps_entity_totals(&self) -> Result<bool> {
        self.table_exists("entity_totals")
    }

    fn table_exists(&self, name: &str) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
                [name],
                |row| row.get(0),
            )
            .context("reading the schema")
    }

    /// The schema as SQL: every table, index, view and trigger newsdb created (not SQLite's
    /// internal tables nor the full-text index's shadow tables).
    pub fn schema_sql(&self) -> Result<Vec<String>> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT sql FROM sqlite_master
                  WHERE sql IS NOT NULL
                    AND name NOT GLOB 'sqlite_*'
                    AND NOT (type = 'table' AND name GLOB 'articles_fts_*')
                    AND name <> 'refinery_schema_history'
                  ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1
                                     WHEN 'view' THEN 2 ELSE 3 END, rowid",
            )
            .context("reading the schema")?;
        let rows = statement
            .query_map([], |row| row.get(0))
            .context("reading the schema")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("reading the schema")
    }

    /// Starts an import run; its id ties sightings and rejects together. Like every origin the
    /// store writes, the command line is kept without URL credentials (`user:password@`).
    pub fn begin_import(&mut self, command: &str) -> Result<ImportId> {
        let transaction = self.write_transaction()?;
        let id = transaction
            .query_row(
                "INSERT INTO imports (started_at, command) VALUES (?1, ?2) RETURNING id",
                params![now_utc(), without_credentials(command)],
                |row| row.get(0),
            )
            .context("recording the import run")?;
        transaction.commit().context("recording the import run")?;
        Ok(ImportId(id))
    }

    /// Records the final counts of an import run.
    pub fn finish_import(&mut self, id: ImportId, counts: &ImportCounts) -> Result<()> {
        let transaction = self.write_transaction()?;
        transaction
            .execute(
                "UPDATE imports SET finished_at = ?2, inputs = ?3, items = ?4, new_articles = ?5,
                        duplicates = ?6, new_versions = ?7, rejected = ?8
                  WHERE id = ?1",
                params![
                    id.0,
                    now_utc(),
                    counts.inputs as i64,
                    counts.items as i64,
                    counts.new_articles as i64,
                    counts.duplicates as i64,
                    counts.new_versions as i64,
                    counts.rejected as i64
                ],
            )
            .context("recording the import counts")?;
        transaction.commit().context("recording the import counts")
    }

    fn write_transaction(&mut self) -> Result<rusqlite::Transaction<'_>> {
        self.commit_held()?;
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context("starting a write transaction")
    }

    /// Writes one batch: new articles with everything that hangs off them, sightings of
    /// duplicates, and rejects. It commits, together with the batches held before it, unless
    /// `options.more_follow` lets it be held for the next ones. With `commit` false the
    /// transaction is rolled back (a dry run sees exactly what a real run would do, and writes
    /// nothing). A batch that fails rolls back the held batches too.
    ///
    /// Entries must be in input order: within a batch, the first arrival of a content is stored
    /// and later ones are its duplicates, exactly as across batches.
    pub fn write_batch(
        &mut self,
        import: Option<ImportId>,
        entries: &[BatchEntry],
        options: WriteOptions,
        commit: bool,
    ) -> Result<BatchOutcome> {
        if self.held.is_none() {
            begin_held_writes(&self.conn, &mut self.caches)?;
            self.held = Some(HeldWrites::default());
        }
        let Store {
            conn, caches, held, ..
        } = self;
        let unindexed_from = &mut held.get_or_insert_with(HeldWrites::default).unindexed_from;
        let outcome = match write_in(conn, caches, unindexed_from, import, entries, options) {
            Ok(outcome) if commit => outcome,
            Ok(outcome) => {
                // A dry run: nothing it wrote stays.
                self.roll_back_held();
                return Ok(outcome);
            }
            Err(error) => {
                // SQLite has no cheap way to take back one batch of several (a savepoint per
                // batch journals every page it touches, which costs what holding saves), so a
                // failed batch takes the held ones with it; callers count held batches only once
                // they are committed (`holds_writes`).
                self.roll_back_held();
                return Err(error);
            }
        };
        let held = self.held.get_or_insert_with(HeldWrites::default);
        held.articles += entries.len();
        if !options.more_follow
            || held.articles >= HELD_ARTICLES
            || held.started.elapsed() >= HELD_FOR
        {
            self.commit_held()?;
        }
        Ok(outcome)
    }

    /// Whether written batches wait for their commit (see [`WriteOptions::more_follow`]).
    pub fn holds_writes(&self) -> bool {
        self.held.is_some()
    }

    /// Commits the batches written since the last commit, if any (see [`WriteOptions::more_follow`]).
    pub fn commit_held(&mut self) -> Result<()> {
        let Some(held) = self.held.take() else {
            return Ok(());
        };
        let written = index_held_articles(&self.conn, held.unindexed_from)
            .and_then(|()| resume_full_text_trigger(&self.conn))
            .and_then(|()| self.caches.story_keys.write(&self.conn));
        match written.and_then(|()| {
            self.conn
                .execute_batch("COMMIT")
                .context("committing the batch")
        }) {
            Ok(()) => {
                self.caches.commit();
                self.checkpoint_in_background();
                Ok(())
            }
            Err(error) => {
                self.roll_back_held();
                Err(error)
            }
        }
    }

    fn roll_back_held(&mut self) {
        self.held = None;
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        // The ids created since the last commit are not real.
        self.caches.rollback();
    }

    /// Hands the WAL checkpoint of a committed batch to a thread of its own (see `checkpoint`),
    /// starting it after the first batch. Should it fail to start, SQLite's automatic
    /// checkpoints simply stay on.
    fn checkpoint_in_background(&mut self) {
        if self.checkpoints.is_none() {
            if self.path == Path::new(":memory:") {
                return;
            }
            let Ok(checkpoints) = BackgroundCheckpoints::start(&self.path) else {
                return;
            };
            if self
                .conn
                .execute_batch("PRAGMA wal_autocheckpoint = 0")
                .is_err()
            {
                return;
            }
            self.checkpoints = Some(checkpoints);
        }
        if let Some(checkpoints) = &self.checkpoints {
            checkpoints.after_commit();
        }
    }

    /// Every row of `sql`, mapped by `map`; `what` says what was being done, for the error.
    fn query_rows<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        parameters: P,
        what: &str,
        map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut statement = self.conn.prepare_cached(sql).context(what)?;
        let rows = statement.query_map(parameters, map).context(what)?;
        rows.collect::<rusqlite::Result<_>>().context(what)
    }

    /// Which of these content hashes (lowercase hex) are stored, in one query.
    pub fn known_hashes(&self, hashes: &[String]) -> Result<Vec<String>> {
        if hashes.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = vec!["?"; hashes.len()].join(", ");
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT content_hash FROM articles WHERE content_hash IN ({placeholders})"
            ))
            .context("looking up content hashes")?;
        let rows = statement
            .query_map(rusqlite::params_from_iter(hashes), |row| row.get(0))
            .context("looking up content hashes")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("looking up content hashes")
    }

    /// Whether an article with this hash is stored (a dry run's in-run check uses it too).
    pub fn has_article(&self, hash_hex: &str) -> Result<bool> {
        self.conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM articles WHERE content_hash = ?1)")
            .and_then(|mut statement| statement.query_row([hash_hex], |row| row.get(0)))
            .context("looking up a content hash")
    }
}

/// Writes one batch inside the open transaction: new articles with everything that hangs off
/// them, sightings of duplicates, and rejects. Its new articles join the held ones that wait for
/// the full-text index (from `unindexed_from` on).
fn write_in(
    tx: &Connection,
    caches: &mut Caches,
    unindexed_from: &mut Option<i64>,
    import: Option<ImportId>,
    entries: &[BatchEntry],
    options: WriteOptions,
) -> Result<BatchOutcome> {
    tx.execute(
        "INSERT OR IGNORE INTO fts_sync_pause (paused) VALUES (1)",
        [],
    )
    .context("pausing the full-text trigger")?;
    entity_totals::pause(tx)?;
    let mut writer = BatchWriter {
        tx,
        import: import.map(|ImportId(id)| id),
        options,
        caches,
        unindexed_from,
        first_new_article: None,
        placed: PlacedInBatch::default(),
        seen_at: now_utc(),
    };
    let mut outcome = BatchOutcome::default();
    writer.write_entries(entries, &mut outcome)?;
    let waiting = writer.unindexed_from.or(writer.first_new_article);
    *writer.unindexed_from = waiting;
    if waiting.is_none() {
        // Nothing waits for the index: no pause outlives the batch.
        resume_full_text_trigger(tx)?;
    }
    let stored_mentions = entries
        .iter()
        .any(|entry| matches!(entry, BatchEntry::Article { mentions, .. } if !mentions.is_empty()));
    entity_totals::add_batch_and_resume(tx, writer.first_new_article, stored_mentions)?;
    if stored_mentions {
        entities::record_extractor_version(tx)?;
    }
    Ok(outcome)
}

/// While alive, statements on this connection are compiled without the database's triggers,
/// for the batch's `INSERT ... SELECT`s into `articles` and `article_entities`, whose insert
/// triggers `write_in` has paused for the transaction: paused, they do nothing, yet SQLite still
/// runs each one's program and `WHEN` per row (7% of the writer's instructions importing 2,000
/// generated articles, 4% of its time for 20,000). Turning triggers off or on expires the
/// connection's prepared statements, which SQLite compiles again when they next run (a few dozen
/// a batch, far cheaper). Dropped, even on an error, it turns them on again.
struct PausedTriggersSkipped<'c>(&'c Connection);

/// Whether every trigger on `articles` and `article_entities` is one of newsdb's that an insert
/// does not fire, or one whose `WHEN` (in the text before its first "BEGIN") tests a pause. Any
/// other, another tool's (sqlite-utils' full-text triggers, an audit log), must run: then
/// nothing is skipped. Whatever the text cannot tell counts as such a trigger.
const ONLY_PAUSED_INSERT_TRIGGERS: &str = "
    SELECT NOT EXISTS (
        SELECT 1 FROM (SELECT name, upper(substr(sql, 1, instr(upper(sql), 'BEGIN') - 1)) AS head
                         FROM sqlite_schema
                        WHERE type = 'trigger'
                          AND lower(tbl_name) IN ('articles', 'article_entities'))
         WHERE name NOT IN ('articles_fts_delete', 'articles_fts_update',
                            'entity_totals_article_delete', 'entity_totals_article_date',
                            'article_raw_keep_dictionary', 'article_edits_article',
                            'article_edits_article_delete', 'entity_totals_delete',
                            'entity_totals_recount', 'entity_totals_move',
                            'article_edits_mention_update', 'article_edits_mention_delete')
           AND instr(head, 'WHEN NOT EXISTS (SELECT 1 FROM FTS_SYNC_PAUSE)') = 0
           AND instr(head, 'WHEN NOT EXISTS (SELECT 1 FROM ENTITY_TOTALS_PAUSE)') = 0)";

impl<'c> PausedTriggersSkipped<'c> {
    /// Whether the batch inserts may skip the triggers (see [`ONLY_PAUSED_INSERT_TRIGGERS`]):
    /// asked once a batch, as the schema cannot change inside its transaction.
    fn allowed(tx: &Connection) -> Result<bool> {
        tx.prepare_cached(ONLY_PAUSED_INSERT_TRIGGERS)
            .and_then(|mut statement| statement.query_row([], |row| row.get(0)))
            .context("writing the batch")
    }

    /// Skips triggers until dropped, if `allowed`.
    fn start(tx: &'c Connection, allowed: bool) -> Result<Option<Self>> {
        if !allowed {
            return Ok(None);
        }
        tx.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)
            .context("writing the batch")?;
        Ok(Some(PausedTriggersSkipped(tx)))
    }
}

impl Drop for PausedTriggersSkipped<'_> {
    fn drop(&mut self) {
        // Cannot fail: SQLite only sets a flag of the connection.
        let _ = self
            .0
            .set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, true);
    }
}

/// The state of one batch transaction.
struct BatchWriter<'a> {
    tx: &'a Connection,
    /// None in a dry run, which records no import run.
    import: Option<i64>,
    options: WriteOptions,
    caches: &'a mut Caches,
    /// The first held article not in the full-text index yet (see [`index_held_articles`]).
    unindexed_from: &'a mut Option<i64>,
    first_new_article: Option<i64>,
    placed: PlacedInBatch,
    /// The time of this batch's sightings.
    seen_at: String,
}

/// What phase one of a batch has decided so far, for the entries after it: the new articles are
/// not in `articles` yet, nor anyone's URLs in `article_urls`.
#[derive(Default)]
struct PlacedInBatch {
    /// The id the next new article gets: SQLite's own choice, max(id) + 1, made ahead (the batch
    /// holds the write lock, so no one else inserts meanwhile).
    next_id: Option<i64>,
    new_articles: HashMap<crate::normalize::ContentHash, i64>,
    identifiers: std::collections::HashSet<(&'static str, String)>,
    /// What the articles new in this batch, and those it has filled, still lack.
    gaps: HashMap<i64, Fields>,
}

/// Where phase one put an article entry.
#[derive(Clone, Copy)]
struct Placement {
    article_id: i64,
    new: bool,
    /// What this copy gave a known article that lacked it.
    filled: Fields,
}

impl BatchWriter<'_> {
    /// Writes a batch in two phases. Phase one decides, in input order, which articles are new
    /// and stages their rows in `temp.staged_articles`; one `INSERT ... SELECT` then stores them
    /// all; phase two writes what hangs off each entry. `articles` has triggers, and SQLite keeps
    /// a statement journal (a copy of every page touched) for each insert into such a table: once
    /// per batch instead of once per article saves about a tenth of an import's writing.
    fn write_entries(&mut self, entries: &[BatchEntry], outcome: &mut BatchOutcome) -> Result<()> {
        let mut placements = Vec::with_capacity(entries.len());
        for entry in entries {
            placements.push(match entry {
                BatchEntry::Article { article, .. } => Some(self.place_article(article, outcome)?),
                BatchEntry::Rejected(_) => None,
            });
        }
        let skip_triggers = PausedTriggersSkipped::allowed(self.tx)?;
        {
            let _skipped = PausedTriggersSkipped::start(self.tx, skip_triggers)?;
            self.store_staged_articles()?;
        }
        let new_mentions = entries
            .iter()
            .zip(&placements)
            .filter_map(|(entry, placement)| match (entry, placement) {
                (BatchEntry::Article { mentions, .. }, Some(placement)) if placement.new => {
                    Some(mentions)
                }
                _ => None,
            })
            .flatten();
        entity_ids::resolve_batch(self.tx, self.caches, new_mentions)?;
        let mut sketched: Vec<(i64, &ArticleSketch)> = Vec::new();
        for (entry, placement) in entries.iter().zip(placements) {
            match (entry, placement) {
                (
                    BatchEntry::Article {
                        article,
                        mentions,
                        sketch,
                    },
                    Some(placement),
                ) => {
                    self.write_article_rows(article, mentions, placement)?;
                    if let (true, Some(sketch)) = (placement.new, sketch) {
                        sketched.push((placement.article_id, sketch));
                    }
                }
                (BatchEntry::Rejected(error), _) => {
                    self.write_reject(error)?;
                    outcome.rejected += 1;
                }
                (BatchEntry::Article { .. }, None) => unreachable!("every article is placed"),
            }
        }
        {
            let _skipped = PausedTriggersSkipped::start(self.tx, skip_triggers)?;
            packed_mentions::store_staged(self.tx)?;
        }
        let mut tables = stories::SqliteStoryTables {
            tx: self.tx,
            cache: &mut self.caches.sketches,
            held: &mut self.caches.story_keys,
        };
        stories::place_new_articles(&mut tables, &sketched, &self.seen_at)
    }

    /// Phase one for an article: a known content is a duplicate; a new one gets the next id and
    /// a staged row.
    fn place_article(
        &mut self,
        article: &Article,
        outcome: &mut BatchOutcome,
    ) -> Result<Placement> {
        let placement = match self.existing_article(article)? {
            Some((article_id, stored_gaps)) => {
                outcome.duplicates += 1;
                let filled = self.fill_gaps(article_id, stored_gaps, article)?;
                Placement {
                    article_id,
                    new: false,
                    filled,
                }
            }
            None => {
                if self.identifier_known(article)? {
                    outcome.new_versions += 1;
                }
                let article_id = self.stage_article(article)?;
                self.placed.new_articles.insert(article.hash, article_id);
                self.placed
                    .gaps
                    .insert(article_id, Fields::missing_from(article));
                outcome.new_articles += 1;
                self.first_new_article.get_or_insert(article_id);
                Placement {
                    article_id,
                    new: true,
                    filled: Fields::default(),
                }
            }
        };
        for (kind, value) in article.identifiers() {
            self.placed
                .identifiers
                .insert((kind.name(), value.to_owned()));
        }
        Ok(placement)
    }

    /// The id of the article with this content, stored or placed earlier in the batch, and
    /// what it lacks as stored (see `arrivals`).
    fn existing_article(&self, article: &Article) -> Result<Option<(i64, Fields)>> {
        if let Some(&id) = self.placed.new_articles.get(&article.hash) {
            return Ok(Some((id, Fields::default())));
        }
        self.tx
            .prepare_cached(arrivals::STORED_ARTICLE_SQL)
            .and_then(|mut statement| {
                statement
                    .query_row(
                        params![
                            article.hash.to_hex(),
                            !article.authors.is_empty(),
                            !article.credits.is_empty()
                        ],
                        |row| Ok((row.get(0)?, arrivals::stored_gaps(row)?)),
                    )
                    .optional()
            })
            .context("looking up a content hash")
    }

    /// Phase two for an article: its links, raw copy and mentions when it is new; its URLs and
    /// this sighting in any case.
    fn write_article_rows(
        &mut self,
        article: &Article,
        mentions: &[Mention],
        placement: Placement,
    ) -> Result<()> {
        let article_id = placement.article_id;
        if placement.new {
            self.write_new_article_rows(article, article_id)?;
            stage_mentions(self.tx, self.caches, article_id, mentions)?;
        } else {
            self.link_filled(article_id, placement.filled, article)?;
        }
        // A known article seen under a new URL or GUID remembers it too.
        for (kind, value) in article.identifiers() {
            self.tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO article_urls (article_id, kind, value, first_seen_at)
                     VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                )
                .and_then(|mut statement| {
                    statement.execute(params![article_id, kind.name(), value])
                })
                .context("recording an article URL")?;
        }
        self.record_sighting(article_id, article, placement.filled, placement.new)
    }

    fn identifier_known(&self, article: &Article) -> Result<bool> {
        for (kind, value) in article.identifiers() {
            if self
                .placed
                .identifiers
                .contains(&(kind.name(), value.to_owned()))
            {
                return Ok(true);
            }
            let known: bool = self
                .tx
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM article_urls WHERE kind = ?1 AND value = ?2)",
                )
                .and_then(|mut statement| {
                    statement.query_row(params![kind.name(), value], |row| row.get(0))
                })
                .context("looking up an article URL")?;
            if known {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Stages the row of a new article in `temp.staged_articles` under the next id.
    fn stage_article(&mut self, article: &Article) -> Result<i64> {
        let publisher = article
            .publisher
            .as_ref()
            .map(|source| self.source_id(source))
            .transpose()?;
        let id = match self.placed.next_id {
            Some(id) => id,
            None => self
                .tx
                .query_row("SELECT coalesce(max(id), 0) + 1 FROM articles", [], |row| {
                    row.get(0)
                })
                .context("numbering new articles")?,
        };
        self.placed.next_id = Some(id + 1);
        self.tx
            .prepare_cached(
                "INSERT INTO temp.staged_articles
                        (id, content_hash, title, body, summary, url, language, published_at,
                         published_raw, word_count, source_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    id,
                    article.hash.to_hex(),
                    article.title,
                    article.body,
                    article.summary,
                    article.url,
                    article.language,
                    article.published_at,
                    article.published_raw,
                    article.word_count,
                    publisher,
                ])
            })
            .context("inserting an article")?;
        Ok(id)
    }

    /// Stores the staged articles with one statement, in id order.
    fn store_staged_articles(&mut self) -> Result<()> {
        if self.placed.new_articles.is_empty() {
            return Ok(());
        }
        self.tx
            .prepare_cached(
                "INSERT INTO articles (id, content_hash, title, body, summary, url, language,
                                       published_at, published_raw, imported_at, word_count,
                                       source_id, import_id)
                 SELECT id, content_hash, title, body, summary, url, language, published_at,
                        published_raw, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), word_count,
                        source_id, ?1
                   FROM temp.staged_articles ORDER BY id",
            )
            .and_then(|mut statement| statement.execute([self.import]))
            .context("inserting articles")?;
        self.tx
            .prepare_cached("DELETE FROM temp.staged_articles")
            .and_then(|mut statement| statement.execute([]))
            .context("inserting articles")?;
        Ok(())
    }

    /// The rows of a new article besides its own: publisher and credits, authors, categories,
    /// raw copy.
    fn write_new_article_rows(&mut self, article: &Article, id: i64) -> Result<()> {
        let publisher = article
            .publisher
            .as_ref()
            .map(|source| self.source_id(source))
            .transpose()?;
        if let Some(source_id) = publisher {
            self.link_source(id, source_id, "publisher", 0)?;
        }
        self.link_credits(id, article)?;
        self.link_authors(id, article)?;
        for (position, category) in article.categories.iter().enumerate() {
            self.tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO article_categories (article_id, category, position)
                     VALUES (?1, ?2, ?3)",
                )
                .and_then(|mut statement| statement.execute(params![id, category, position as i64]))
                .context("recording a category")?;
        }
        if self.options.keep_raw {
            self.tx
                .prepare_cached(
                    "INSERT INTO article_raw (article_id, format, origin, locator, codec, bytes)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .and_then(|mut statement| {
                    statement.execute(params![
                        id,
                        article.format.name(),
                        without_credentials(&article.location.origin),
                        article.location.locator(),
                        article.raw_codec.name(),
                        article.raw
                    ])
                })
                .context("keeping the raw copy")?;
        }
        Ok(())
    }

    /// The outlets of `article`'s credit line, in order, as credits of article `id`.
    fn link_credits(&mut self, id: i64, article: &Article) -> Result<()> {
        for (position, credit) in article.credits.iter().enumerate() {
            let source_id = self.source_id(credit)?;
            self.link_source(id, source_id, "credit", position)?;
        }
        Ok(())
    }

    /// The people of `article`'s byline and credit line, in order, as authors of article `id`.
    fn link_authors(&mut self, id: i64, article: &Article) -> Result<()> {
        for (position, person) in article.authors.iter().enumerate() {
            let author_id = self.author_id(person)?;
            self.tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO article_authors (article_id, author_id, position)
                     VALUES (?1, ?2, ?3)",
                )
                .and_then(|mut statement| {
                    statement.execute(params![id, author_id, position as i64])
                })
                .context("crediting an author")?;
        }
        Ok(())
    }

    fn link_source(&self, article: i64, source: i64, role: &str, position: usize) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO article_sources (article_id, source_id, role, position)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut statement| {
                statement.execute(params![article, source, role, position as i64])
            })
            .context("linking an article to its source")
            .map(|_| ())
    }

    /// The id of a source, created on first sight; a known source learns a missing home URL or
    /// domain from the first article that has one.
    fn source_id(&mut self, source: &SourceName) -> Result<i64> {
        if let Some((id, has_home_url, has_domain)) = self.caches.sources.get(source.key.as_str())
            && (has_home_url || source.home_url.is_none())
            && (has_domain || source.domain.is_none())
        {
            return Ok(id);
        }
        let (id, has_home_url, has_domain) = self
            .tx
            .prepare_cached(
                "INSERT INTO sources (name, key, home_url, domain) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key) DO UPDATE
                    SET home_url = coalesce(home_url, excluded.home_url),
                        domain = coalesce(domain, excluded.domain)
                 RETURNING id, home_url IS NOT NULL, domain IS NOT NULL",
            )
            .and_then(|mut statement| {
                statement.query_row(
                    params![source.name, source.key, source.home_url, source.domain],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
            })
            .context("recording a source")?;
        self.caches
            .sources
            .insert(source.key.clone(), (id, has_home_url, has_domain));
        Ok(id)
    }

    fn author_id(&mut self, person: &Person) -> Result<i64> {
        if let Some(id) = self.caches.authors.get(person.key.as_str()) {
            return Ok(id);
        }
        let id = self
            .tx
            .prepare_cached(
                "INSERT INTO authors (name, key) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET name = name
                 RETURNING id",
            )
            .and_then(|mut statement| {
                statement.query_row(params![person.name, person.key], |row| row.get(0))
            })
            .context("recording an author")?;
        self.caches.authors.insert(person.key.clone(), id);
        Ok(id)
    }

    fn write_reject(&self, error: &ImportError) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO import_rejects (import_id, origin, locator, reason)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    self.import,
                    without_credentials(&error.location.origin),
                    error.location.locator(),
                    error.reason
                ])
            })
            .context("recording a rejected item")
            .map(|_| ())
    }

    /// Indexes the held articles now if `article_id` is one of them, before an update of its
    /// row: the update trigger takes the old text out of the index, which must hold it. (This
    /// batch's own new articles are still staged rows then, updated where they are staged.)
    pub(crate) fn index_before_updating(&mut self, article_id: i64) -> Result<()> {
        if self.unindexed_from.is_some_and(|first| article_id >= first) {
            index_held_articles(self.tx, self.unindexed_from.take())?;
        }
        Ok(())
    }
}

/// Lifts the pause of the full-text insert trigger (see [`index_held_articles`]).
fn resume_full_text_trigger(tx: &Connection) -> Result<()> {
    tx.prepare_cached("DELETE FROM fts_sync_pause")
        .and_then(|mut statement| statement.execute([]))
        .context("resuming the full-text trigger")
        .map(|_| ())
}

/// Adds the held articles (ids from `unindexed_from` on) to the full-text index, in one
/// statement; the insert trigger stays paused (a row in `fts_sync_pause`) while any wait. Rows
/// are numbered max(id) + 1 and the held transaction is the only writer, so every id from the
/// first unindexed one on is one of them.
///
/// Indexed once per commit, not per batch: FTS5 writes its pending terms as a new segment
/// whenever a statement writes the index, and every search reads every segment until FTS5 merges
/// them (8 to a level). A writer caught up with a stream writes a small batch every tenth of a
/// second, and indexing each made 7 to 20 segments of a store compacted to one; searches while
/// it ran cost a seventh more CPU.
fn index_held_articles(tx: &Connection, unindexed_from: Option<i64>) -> Result<()> {
    if let Some(first) = unindexed_from {
        tx.prepare_cached(
            "INSERT INTO articles_fts (rowid, title, summary, body)
             SELECT id, title, summary, body FROM articles WHERE id >= ?1",
        )
        .and_then(|mut statement| statement.execute([first]))
        .context("indexing the new articles for full-text search")?;
    }
    Ok(())
}

/// Starts a write transaction that may use `caches`: under the write lock, so nobody else can
/// change the rows they name until it ends, and with the caches emptied first if another
/// connection has committed since (see `Caches::check_data_version`).
fn begin_cached_write<'c>(
    conn: &'c mut Connection,
    caches: &mut Caches,
) -> Result<rusqlite::Transaction<'c>> {
    let transaction = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .context("starting a write transaction")?;
    check_cached_ids(&transaction, caches)?;
    Ok(transaction)
}

/// Begins the transaction that held batches share (see [`WriteOptions::more_follow`]).
fn begin_held_writes(conn: &Connection, caches: &mut Caches) -> Result<()> {
    conn.execute_batch("BEGIN IMMEDIATE")
        .context("starting a write transaction")?;
    check_cached_ids(conn, caches).inspect_err(|_| {
        let _ = conn.execute_batch("ROLLBACK");
    })
}

/// At the start of a write transaction: drops the cached ids if another connection has
/// committed since (see [`Caches::check_data_version`]).
fn check_cached_ids(conn: &Connection, caches: &mut Caches) -> Result<()> {
    let data_version = conn
        .query_row("PRAGMA data_version", [], |row| row.get(0))
        .context("starting a write transaction")?;
    caches.check_data_version(data_version);
    Ok(())
}

/// Stages a new article's mentions for the batch: one `article_entities` row per (entity,
/// field), packed in Rust (see `packed_mentions`).
fn stage_mentions(
    tx: &Connection,
    caches: &mut Caches,
    article_id: i64,
    mentions: &[Mention],
) -> Result<()> {
    if mentions.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::with_capacity(mentions.len());
    resolve_mentions(tx, caches, mentions, &mut rows)?;
    packed_mentions::stage(tx, article_id, &rows)
}

/// Resolves mentions to rows the store writes: each entity found or created by its (kind,
/// key), or through a user alias (a merge or `entity alias add`), each surface recorded as an
/// alias. The rows are appended to `rows`, in the mentions' order.
fn resolve_mentions(
    tx: &Connection,
    caches: &mut Caches,
    mentions: &[Mention],
    rows: &mut Vec<MentionRow>,
) -> Result<()> {
    let mut insert_alias = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO entity_aliases (entity_id, alias, key, origin)
             VALUES (?1, ?2, ?3, ?4)",
        )
        .context("recording an entity alias")?;
    for mention in mentions {
        let entity_id = resolve_entity(tx, caches, mention)?;
        let alias = alias_text(&mention.surface);
        let alias_cache_key = (entity_id, alias.to_owned());
        if caches.aliases.get(&alias_cache_key).is_none() {
            let origin = if mention.method == Method::Import {
                "import"
            } else {
                "extracted"
            };
            insert_alias
                .execute(params![entity_id, alias, alias_key(alias), origin])
                .context("recording an entity alias")?;
            caches.aliases.insert(alias_cache_key, entity_id);
        }
        rows.push(MentionRow {
            field: mention.field,
            start: mention.start as i64,
            end: mention.end as i64,
            entity_id,
            sentence: i64::from(mention.sentence),
            method: mention.method,
            confidence: f64::from(mention.confidence).clamp(0.0, 1.0),
        });
    }
    Ok(())
}

fn resolve_entity(tx: &Connection, caches: &mut Caches, mention: &Mention) -> Result<i64> {
    let cache_key = (mention.kind, mention.key.clone());
    if let Some(id) = caches.entities.get(&cache_key) {
        return Ok(id);
    }
    let kind = mention.kind.name();
    let known: Option<i64> = tx
        .prepare_cached(
            "SELECT id FROM entities WHERE kind = ?1 AND key = ?2
             UNION ALL
             SELECT a.entity_id FROM entity_aliases a JOIN entities e ON e.id = a.entity_id
              WHERE a.key = ?2 AND a.origin = 'user' AND e.kind = ?1
             LIMIT 1",
        )
        .and_then(|mut statement| {
            statement
                .query_row(params![kind, mention.key], |row| row.get(0))
                .optional()
        })
        .context("looking up an entity")?;
    let id = match known {
        Some(id) => id,
        None => tx
            .prepare_cached(
                "INSERT INTO entities (kind, name, key, external_id) VALUES (?1, ?2, ?3, ?4)
                 RETURNING id",
            )
            .and_then(|mut statement| {
                let external_id = crate::entities::external_id(mention.kind, &mention.key);
                statement.query_row(
                    params![kind, mention.name, mention.key, external_id],
                    |row| row.get(0),
                )
            })
            .context("recording an entity")?,
    };
    caches.entities.insert(cache_key, id);
    Ok(id)
}

/// The current time as stored: UTC, second precision, `Z`.
pub fn now_utc() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn describe_open_error(error: &rusqlite::Error) -> String {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::CannotOpen) => {
            "unable to open the file (check that its folder exists and is writable)".into()
        }
        Some(rusqlite::ErrorCode::PermissionDenied) | Some(rusqlite::ErrorCode::ReadOnly) => {
            "permission denied".into()
        }
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only_paused_insert_triggers(store: &Store) -> bool {
        store
            .connection()
            .query_row(ONLY_PAUSED_INSERT_TRIGGERS, [], |row| row.get(0))
            .unwrap()
    }

    /// On newsdb's own schema the batch inserts skip the paused triggers; another tool's
    /// trigger on either table, even one whose name holds "begin", turns that off.
    #[test]
    fn only_newsdbs_own_triggers_let_the_batch_inserts_skip_them() {
        let store = Store::open_in_memory().unwrap();
        assert!(only_paused_insert_triggers(&store));
        for trigger in [
            "CREATE TRIGGER audit AFTER INSERT ON articles BEGIN SELECT 1; END",
            "CREATE TRIGGER begin_audit AFTER INSERT ON Article_Entities BEGIN SELECT 1; END",
        ] {
            let store = Store::open_in_memory().unwrap();
            store.connection().execute_batch(trigger).unwrap();
            assert!(!only_paused_insert_triggers(&store), "{trigger}");
        }
    }
}
