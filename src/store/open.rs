//! Opening a store: what `--db` must be, how a file is recognised as a newsdb database before
//! anything is written, and the fallbacks that let read-only commands work where SQLite's usual
//! side files cannot be created.
//!
//! **Foreign databases.** A missing or 0-byte file, or a SQLite file with no schema at all (an
//! interrupted `init`), is a new database. A file with newsdb's migration history (`refinery_schema_history`
//! naming newsdb's migrations) and its `meta` table is a newsdb database. Anything else is another
//! application's database: it is refused before the first write (no WAL switch, no history
//! table), unless [`Store::adopt`] is asked to add newsdb's tables to it, which first checks that
//! none of their names is taken.
//!
//! **Read-only folders.** Reading a WAL database needs its `-shm` file, which SQLite creates next
//! to it. Where the folder cannot be written and no `-wal` file is left over, a read-only store
//! opens the file as immutable instead (no locks, no side files): right for a read-only medium or
//! a snapshot, but a writer that starts meanwhile elsewhere is not seen.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, MAIN_DB, OpenFlags};

use super::cache::Caches;
use super::{
    Context, OpenOptions, Result, Store, StoreError, describe_open_error, embedded,
    latest_known_version, register_functions,
};

/// Prepared statements each connection keeps (rusqlite keeps 16 by default).
const STATEMENT_CACHE_CAPACITY: usize = 128;

/// What the file at a path holds, found before anything is written.
#[derive(Debug, PartialEq, Eq)]
enum Contents {
    /// No schema at all: a new file, or one whose creation was interrupted before migrating.
    Empty,
    /// newsdb's schema, at this migration version.
    Newsdb(i64),
    /// Another application's database; the text says what it holds.
    Foreign(String),
}

/// Whether another application's SQLite database is refused or given newsdb's tables.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ForeignDatabase {
    Refuse,
    Adopt,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`. A file that is not a
    /// newsdb database (another application's SQLite file, a device, a text file) is refused and
    /// left byte-for-byte as it was.
    pub fn open(path: &Path, options: &OpenOptions) -> Result<Store> {
        Store::open_as(path, options, ForeignDatabase::Refuse)
    }

    /// Opens `path` for writing like [`Store::open`]; when it is another application's SQLite
    /// database, adds newsdb's tables to it (and switches it to WAL mode) instead of refusing it,
    /// provided none of newsdb's table, index, view or trigger names is already taken there.
    pub fn adopt(path: &Path, options: &OpenOptions) -> Result<Store> {
        let options = OpenOptions {
            read_only: false,
            ..options.clone()
        };
        Store::open_as(path, &options, ForeignDatabase::Adopt)
    }

    fn open_as(path: &Path, options: &OpenOptions, foreign: ForeignDatabase) -> Result<Store> {
        let open_error = |reason: String| StoreError::Open {
            path: path.to_owned(),
            reason,
        };
        check_path(path, options.read_only).map_err(open_error)?;
        let conn = connect(path, options.read_only).map_err(open_error)?;
        conn.busy_timeout(options.busy_timeout)
            .map_err(|error| open_error(error.to_string()))?;
        // A batch's write runs more distinct statements than the 16 rusqlite keeps by default;
        // re-preparing the others every batch cost a tenth of the writer's time (corpus/feeds).
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        // One plan per statement whatever its bound values: otherwise SQLite marks the search's
        // parameters as plan-changing and prepares the statement again after every new query
        // (5% of a search page), while newsdb binds nothing whose value should change a plan.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
            .map_err(|error| open_error(error.to_string()))?;
        let ranking = register_functions(&conn).map_err(|error| open_error(error.to_string()))?;
        // SQLite opens a file it may not write read-only without a word; writes would then fail
        // one by one with "attempt to write a readonly database" and no file name.
        if !options.read_only && conn.is_readonly(MAIN_DB).unwrap_or(false) {
            return Err(open_error(
                "cannot be written: the file or its file system is read-only \
                 (read-only commands such as `stats` and `query` still work)"
                    .into(),
            ));
        }
        let mut store = Store {
            checkpoints: None,
            conn,
            path: path.to_owned(),
            caches: Caches::default(),
            held: None,
            ranking,
        };
        // Reading the schema is the first real access: it is what fails on a file that is not a
        // database, and it must happen before anything writes.
        let contents = store.contents()?;
        let known = latest_known_version();
        match &contents {
            Contents::Newsdb(found) if *found > known => {
                return Err(StoreError::TooNew {
                    path: path.to_owned(),
                    found: *found,
                    known,
                });
            }
            Contents::Foreign(holds) if foreign == ForeignDatabase::Refuse => {
                return Err(StoreError::NotADatabase {
                    path: path.to_owned(),
                    reason: format!(
                        "{holds}; it was left untouched (`newsdb init --adopt` adds newsdb's \
                         tables to it)"
                    ),
                });
            }
            Contents::Empty if options.read_only => {
                return Err(open_error(
                    "holds no newsdb database yet (create it with `newsdb init` or \
                     `newsdb import`)"
                        .into(),
                ));
            }
            _ => {}
        }
        if options.read_only {
            super::entity_totals::stand_in_if_missing(&store.conn)?;
            store
                .conn
                .execute_batch("PRAGMA query_only = ON; PRAGMA foreign_keys = ON;")
                .context("configuring the read-only connection")?;
            return Ok(store);
        }
        if matches!(contents, Contents::Foreign(_)) {
            store.check_adoptable()?;
            let journal_mode: String = store
                .conn
                .query_row("PRAGMA journal_mode", [], |row| row.get(0))
                .context("reading the journal mode")?;
            let adopted = store
                .configure_writer(options.busy_timeout)
                .and_then(|()| store.migrate());
            if let Err(error) = adopted {
                store.undo_adoption(&journal_mode);
                return Err(error);
            }
        } else {
            store.configure_writer(options.busy_timeout)?;
            store.migrate()?;
        }
        store.check_hash_scheme()?;
        store.fill_external_ids()?;
        Ok(store)
    }

    /// What the file holds: see [`Contents`].
    fn contents(&self) -> Result<Contents> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT type, name FROM sqlite_master
                  WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
            )
            .map_err(|error| self.not_a_database_or(error, "reading the schema"))?;
        let objects: Vec<(String, String)> = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|error| self.not_a_database_or(error, "reading the schema"))?;
        drop(statement);
        // Only refinery's history table: another newsdb process is creating this file right now
        // (the table is made before the migration's transaction); `migrate` waits for it.
        let creating = objects.len() == 1
            && objects[0].1 == "refinery_schema_history"
            && self.history_is_newsdbs_or_empty()?;
        if objects.is_empty() || creating {
            let header = |pragma: &str| {
                self.conn
                    .query_row(&format!("PRAGMA {pragma}"), [], |row| row.get::<_, i64>(0))
                    .context("reading the database header")
            };
            let (application_id, user_version) =
                (header("application_id")?, header("user_version")?);
            if application_id != 0 || user_version != 0 {
                return Ok(Contents::Foreign(format!(
                    "another application's SQLite file (application_id {application_id}, \
                     user_version {user_version})"
                )));
            }
            return Ok(Contents::Empty);
        }
        let table = |name: &str| {
            objects
                .iter()
                .any(|(kind, table)| kind == "table" && table == name)
        };
        if table("refinery_schema_history") && table("meta") && self.history_is_newsdbs()? {
            return Ok(Contents::Newsdb(self.applied_version()?));
        }
        let tables: Vec<&str> = objects
            .iter()
            .filter(|(kind, _)| kind == "table")
            .map(|(_, name)| name.as_str())
            .collect();
        let mut listed = tables
            .iter()
            .take(4)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if tables.len() > 4 {
            listed.push_str(", ...");
        }
        let plural = if tables.len() == 1 { "" } else { "s" };
        Ok(Contents::Foreign(format!(
            "another application's SQLite database ({} table{plural}: {listed})",
            tables.len()
        )))
    }

    fn history_is_newsdbs_or_empty(&self) -> Result<bool> {
        Ok(self.applied_version()? == 0 || self.history_is_newsdbs()?)
    }

    /// Whether `refinery_schema_history` records newsdb's migrations: version 1 and every other
    /// version this binary knows under newsdb's name for it (later ones are judged by version).
    fn history_is_newsdbs(&self) -> Result<bool> {
        let known: Vec<(i64, String)> = embedded::migrations::runner()
            .get_migrations()
            .iter()
            .map(|migration| (i64::from(migration.version()), migration.name().to_owned()))
            .collect();
        let mut statement = self
            .conn
            .prepare("SELECT version, name FROM refinery_schema_history")
            .context("reading the migration history")?;
        let applied: Vec<(i64, String)> = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .and_then(|rows| rows.collect())
            .context("reading the migration history")?;
        let ours = |(version, name): &(i64, String)| {
            known
                .iter()
                .find(|(known_version, _)| known_version == version)
                .is_none_or(|(_, known_name)| known_name == name)
        };
        Ok(applied.iter().any(|(version, _)| *version == 1) && applied.iter().all(ours))
    }

    /// Refuses to adopt a database that already has a table, index, view or trigger under one
    /// of the names newsdb's migrations create: the migration would fail on it half-way.
    fn check_adoptable(&self) -> Result<()> {
        let newsdb = Store::open_in_memory()?;
        let ours = object_names(&newsdb.conn).context("listing newsdb's schema")?;
        let theirs = object_names(&self.conn).context("reading the schema")?;
        let taken: Vec<&String> = theirs
            .iter()
            .filter(|name| ours.iter().any(|own| own.eq_ignore_ascii_case(name)))
            .collect();
        if taken.is_empty() {
            return Ok(());
        }
        let mut listed = taken
            .iter()
            .take(6)
            .map(|name| name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        if taken.len() > 6 {
            listed.push_str(", ...");
        }
        Err(StoreError::NotADatabase {
            path: self.path.clone(),
            reason: format!(
                "cannot add newsdb's tables: it already has {listed}; it was left untouched"
            ),
        })
    }

    /// After a failed adoption: takes out what the attempt left (refinery's empty history
    /// table) and puts the journal mode back. Best effort: the migration itself rolled back.
    fn undo_adoption(&self, journal_mode: &str) {
        let empty_history: bool = self
            .conn
            .query_row(
                "SELECT NOT EXISTS (SELECT 1 FROM refinery_schema_history)",
                [],
                |row| row.get(0),
            )
            .unwrap_or(false);
        if empty_history {
            let _ = self
                .conn
                .execute_batch("DROP TABLE refinery_schema_history");
        }
        let _ = self
            .conn
            .query_row(&format!("PRAGMA journal_mode = {journal_mode}"), [], |_| {
                Ok(())
            });
    }
}

/// Names of the schema's objects, SQLite's own left out.
fn object_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut statement = conn
        .prepare("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")?;
    let names = statement.query_map([], |row| row.get(0))?;
    names.collect()
}

/// What `--db` must be: a regular file (or, to be created, a missing one), never a folder or
/// a device such as `/dev/null`, which SQLite reads as an empty database it cannot write.
fn check_path(path: &Path, read_only: bool) -> std::result::Result<(), String> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err("is a directory".into()),
        Ok(meta) if !meta.is_file() => {
            Err("is not a regular file (a device, FIFO or socket cannot hold a database)".into())
        }
        Ok(_) => Ok(()),
        Err(_) if read_only => {
            Err("no such file (create it with `newsdb init` or `newsdb import`)".into())
        }
        Err(_) => Ok(()),
    }
}

/// Opens the connection. A read-only one whose folder cannot be written (so SQLite cannot
/// create the `-shm` file a WAL database needs) falls back to an immutable open; see the
/// module notes.
fn connect(path: &Path, read_only: bool) -> std::result::Result<Connection, String> {
    let describe = |error: rusqlite::Error| describe_open_error(&error);
    if !read_only {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        return Connection::open_with_flags(path, flags).map_err(describe);
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(describe)?;
    let first_read = conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()));
    match first_read {
        Err(error) if error.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen) => {
            drop(conn);
            let wal = crate::destination::sidecar(path, "-wal");
            if std::fs::metadata(&wal).is_ok_and(|meta| meta.len() > 0) {
                return Err(format!(
                    "cannot read it: SQLite cannot create its -shm file beside it (is the folder \
                     read-only?), which it needs to read the unfinished log {}",
                    wal.display()
                ));
            }
            Connection::open_with_flags(immutable_uri(path), flags | OpenFlags::SQLITE_OPEN_URI)
                .map_err(describe)
        }
        // Any other failure (not a database, ...) is reported by the schema read that follows.
        _ => Ok(conn),
    }
}

/// `file:PATH?immutable=1`, with the characters a URI path cannot hold escaped.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for &byte in path.as_os_str().as_encoded_bytes() {
        match byte {
            b'%' | b'?' | b'#' | b' ' => uri.push_str(&format!("%{byte:02X}")),
            byte if byte.is_ascii() && !byte.is_ascii_control() => uri.push(char::from(byte)),
            byte => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// `PRAGMA journal_mode = WAL`, retried while another connection holds the lock, up to the
/// busy timeout: SQLite does not call the busy handler for this pragma, so processes that
/// create the same new file at once got "database is locked" straight away.
pub(super) fn switch_to_wal(conn: &Connection, busy_timeout: Duration) -> rusqlite::Result<String> {
    let deadline = Instant::now() + busy_timeout;
    let mut pause = Duration::from_millis(1);
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)) {
            Err(error)
                if matches!(
                    error.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ) && Instant::now() < deadline =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            outcome => return outcome,
        }
    }
}

/// A migration error in one line: the failing step and SQLite's reason, never the migration's
/// SQL (which rusqlite quotes whole).
pub(super) fn migration_reason(error: &refinery::Error) -> String {
    let first_line = |text: &str| text.lines().next().unwrap_or_default().trim().to_owned();
    match error.kind() {
        refinery::error::Kind::Connection(what, source) => {
            let reason = match source.downcast_ref::<rusqlite::Error>() {
                Some(rusqlite::Error::SqlInputError { msg, .. }) => first_line(msg),
                _ => first_line(&source.to_string()),
            };
            format!("{what}: {reason}")
        }
        other => first_line(&other.to_string()),
    }
}

/// Where SQLite puts its temporary files (sorts, statement journals), in the order its unix
/// layer looks: `SQLITE_TMPDIR`, `TMPDIR`, then `/var/tmp`, `/usr/tmp`, `/tmp`.
pub fn sqlite_temp_dir() -> std::path::PathBuf {
    let from_environment = ["SQLITE_TMPDIR", "TMPDIR"]
        .into_iter()
        .filter_map(std::env::var_os)
        .map(std::path::PathBuf::from);
    let standard = ["/var/tmp", "/usr/tmp", "/tmp"]
        .into_iter()
        .map(std::path::PathBuf::from);
    from_environment
        .chain(standard)
        .find(|folder| folder.is_dir())
        .unwrap_or_else(|| ".".into())
}

/// Said after "database or disk is full": which of the two disks it may be.
pub fn disk_full_hint(error: &rusqlite::Error) -> String {
    if error.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
        format!(
            " (either the database's file system or {}, where SQLite writes temporary files, is \
             full; set SQLITE_TMPDIR to another folder to move the latter)",
            sqlite_temp_dir().display()
        )
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_migration_error_is_one_line_without_the_sql() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE articles (x)").unwrap();
        let error = embedded::migrations::runner()
            .set_grouped(true)
            .run(&mut conn)
            .unwrap_err();
        // What was printed before: the whole of V1, some 200 lines.
        assert!(error.to_string().lines().count() > 50);
        assert_eq!(
            migration_reason(&error),
            "error applying migrations: table articles already exists"
        );
    }

    #[test]
    fn immutable_uris_escape_what_a_uri_path_cannot_hold() {
        assert_eq!(
            immutable_uri(Path::new("/data/news 100%?#.sqlite")),
            "file:/data/news%20100%25%3F%23.sqlite?immutable=1"
        );
        assert_eq!(
            immutable_uri(Path::new("café.sqlite")),
            "file:caf%C3%A9.sqlite?immutable=1"
        );
    }
}
