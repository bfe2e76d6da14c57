//! The command line: clap types, and one module per subcommand with one `run`.

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use newsdb::store::{OpenOptions, Store, StoreError};

mod articles;
mod backup;
mod compact;
mod entities;
mod entity;
mod entity_edit;
mod export;
mod feeds;
mod fetch;
mod import;
mod init;
mod migrate;
mod output;
pub use output::FormatArgs;
mod queries;
mod query;
mod reextract;
mod run;
mod schema;
mod search;
mod show;
mod sources;
mod stats;
mod timeline;

/// newsdb: a SQLite-backed article database. Import feeds, dumps, pages and scraped text;
/// deduplicate by content hash; query with SQL.
#[derive(Debug, Parser)]
#[command(name = "newsdb", version, about, max_term_width = 100)]
pub struct Cli {
    /// The database file.
    #[arg(
        long,
        global = true,
        env = "NEWSDB_DB",
        default_value = "newsdb.sqlite"
    )]
    pub db: PathBuf,
    /// Seconds a writer waits for another writer's lock (0 to 1000000).
    #[arg(long, global = true, value_name = "SECS", default_value = "30",
          value_parser = parse_seconds, allow_negative_numbers = true)]
    pub busy_timeout: Duration,
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more about what happens.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the database (or migrate an existing one) and print its schema version.
    Init(init::InitArgs),
    /// Apply pending migrations, or list applied and pending ones.
    Migrate(migrate::MigrateArgs),
    /// Print the schema as SQL.
    Schema,
    /// Rows per table, date range, size and schema version.
    Stats(FormatArgs),
    /// Import files, folders, URLs or standard input (`-`).
    Import(import::ImportArgs),
    /// Run one SQL statement (read-only unless --write) and print its rows.
    Query(query::QueryArgs),
    /// Recompute every article's entity mentions, honouring the corrections.
    Reextract(reextract::ReextractArgs),
    /// Compress raw copies stored uncompressed (by an older newsdb), in batches; --vacuum then
    /// shrinks the file.
    Compact(compact::CompactArgs),
    /// Write every article as JSON Lines that `newsdb import` reads back.
    Export(export::ExportArgs),
    /// Copy the database with SQLite's online backup, safely while others use it.
    Backup(backup::BackupArgs),
    /// Subscribe to feed URLs, list or remove subscriptions, import or export them as OPML.
    Feeds(feeds::FeedsArgs),
    /// Poll subscribed feeds (all that are due, or the URLs given) and import what changed.
    ///
    /// A feed that fails is backed off: skipped until one hour after its first failure in a row,
    /// then twice as long after each further one, at most a week (`feeds list` shows
    /// `next_check_at`). A URL named, or `--force`, polls it anyway. Exit status: 0 when every
    /// feed polled was read, or the only failures are of feeds that were already failing before
    /// this run; 1 when a feed newly fails.
    Fetch(fetch::FetchArgs),
    /// Full-text search, best matches first, with a snippet around the matches.
    Search(search::SearchArgs),
    /// Articles newest first, filtered by source, entity and date.
    Articles(articles::ArticlesArgs),
    /// One article by id or content-hash prefix: details and body, raw bytes, or mentions.
    Show(show::ShowArgs),
    /// Sources with their article counts and first and last publication.
    Sources(FormatArgs),
    /// Articles per day, week or month, with a bar chart.
    Timeline(timeline::TimelineArgs),
    /// List, show, save and remove canned queries.
    Queries(queries::QueriesArgs),
    /// Run a built-in or saved query by name.
    Run(run::RunArgs),
    /// List the most mentioned entities, or score the extractor (`entities eval FILE.conll`).
    Entities(entities::EntitiesArgs),
    /// Show one entity (counts, aliases, co-mentioned entities, latest articles), or correct
    /// entities: merge, alias add, rename, ignore.
    Entity(entity::EntityArgs),
}

/// How a command ended, beyond plain success.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage, or the database could not be opened or migrated: exit 2.
    Usage(String),
    /// The command ran but failed or rejected some input: exit 1. An empty message means the
    /// details were already printed.
    Failed(String),
    /// Output went to a closed pipe (`| head`): not an error, exit 0.
    ClosedPipe,
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Failed(_) => 1,
            Failure::ClosedPipe => 0,
        }
    }

    pub fn message(&self) -> Option<&str> {
        match self {
            Failure::Usage(message) | Failure::Failed(message) if !message.is_empty() => {
                Some(message)
            }
            _ => None,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Failure {
        if error.is_open_failure() {
            Failure::Usage(error.to_string())
        } else {
            Failure::Failed(error.to_string())
        }
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Failure {
        if error.kind() == io::ErrorKind::BrokenPipe {
            Failure::ClosedPipe
        } else {
            Failure::Failed(format!("cannot write output: {error}"))
        }
    }
}

pub type Outcome = Result<(), Failure>;

/// Global settings every command sees.
pub struct Context {
    pub db: PathBuf,
    pub busy_timeout: Duration,
    pub quiet: bool,
    pub verbose: bool,
}

impl Context {
    pub fn open(&self) -> Result<Store, Failure> {
        self.open_with(false)
    }

    pub fn open_read_only(&self) -> Result<Store, Failure> {
        self.open_with(true)
    }

    fn open_with(&self, read_only: bool) -> Result<Store, Failure> {
        let options = OpenOptions {
            busy_timeout: self.busy_timeout,
            read_only,
        };
        Ok(Store::open(&self.db, &options)?)
    }

    /// A note on stderr, unless `--quiet`.
    pub fn note(&self, message: &str) {
        if !self.quiet {
            let _ = writeln!(io::stderr(), "newsdb: {message}");
        }
    }
}

/// The largest number of seconds any flag takes (11.6 days): far above any sensible wait, and
/// small enough for SQLite's busy timeout, which counts milliseconds in a 32-bit int.
pub const MAX_SECONDS: f64 = 1_000_000.0;

/// A number of seconds from 0 to [`MAX_SECONDS`], fractions allowed: `--busy-timeout`,
/// `--timeout`.
pub fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    // NaN and the infinities are outside the range too.
    if !(0.0..=MAX_SECONDS).contains(&seconds) {
        return Err(format!(
            "{text} is out of range: use 0 to {MAX_SECONDS} seconds"
        ));
    }
    // -0 passes the range check; abs() keeps Duration from refusing it.
    Duration::try_from_secs_f64(seconds.abs()).map_err(|error| error.to_string())
}

/// A number of seconds above 0 and at most [`MAX_SECONDS`]: `fetch --timeout`.
pub fn parse_positive_seconds(text: &str) -> Result<Duration, String> {
    match parse_seconds(text)? {
        Duration::ZERO => Err(format!(
            "{text} is out of range: use more than 0 and at most {MAX_SECONDS} seconds"
        )),
        seconds => Ok(seconds),
    }
}

/// The time limit of `query` and `run`, which run SQL that can be a runaway.
#[derive(Debug, Args)]
pub struct TimeLimitArgs {
    /// Interrupt the query after this many seconds; 0 means no limit.
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = parse_seconds,
          allow_negative_numbers = true)]
    pub timeout: Duration,
    /// No time limit (the same as --timeout 0).
    #[arg(long, conflicts_with = "timeout")]
    pub no_timeout: bool,
}

impl TimeLimitArgs {
    /// The limit to apply, `None` for none.
    pub fn limit(&self) -> Option<Duration> {
        Some(self.timeout).filter(|timeout| !self.no_timeout && !timeout.is_zero())
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Outcome {
    let context = Context {
        db: cli.db,
        busy_timeout: cli.busy_timeout,
        quiet: cli.quiet,
        verbose: cli.verbose,
    };
    match cli.command {
        Command::Init(args) => init::run(&context, &args),
        Command::Migrate(args) => migrate::run(&context, &args),
        Command::Schema => schema::run(&context),
        Command::Stats(args) => stats::run(&context, &args),
        Command::Import(args) => import::run(&context, &args),
        Command::Query(args) => query::run(&context, &args),
        Command::Reextract(args) => reextract::run(&context, &args),
        Command::Compact(args) => compact::run(&context, &args),
        Command::Export(args) => export::run(&context, &args),
        Command::Backup(args) => backup::run(&context, &args),
        Command::Feeds(args) => feeds::run(&context, &args),
        Command::Fetch(args) => fetch::run(&context, &args),
        Command::Search(args) => search::run(&context, &args),
        Command::Articles(args) => articles::run(&context, &args),
        Command::Show(args) => show::run(&context, &args),
        Command::Sources(args) => sources::run(&context, &args),
        Command::Timeline(args) => timeline::run(&context, &args),
        Command::Queries(args) => queries::run(&context, &args),
        Command::Run(args) => run::run(&context, &args),
        Command::Entities(args) => entities::run(&context, &args),
        Command::Entity(args) => entity::run(&context, &args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_range_checked() {
        assert_eq!(parse_seconds("0"), Ok(Duration::ZERO));
        assert_eq!(parse_seconds("-0"), Ok(Duration::ZERO));
        assert_eq!(parse_seconds("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_seconds("1000000"), Ok(Duration::from_secs(1_000_000)));
        for bad in ["1e30", "1000000.5", "-1", "nan", "inf", "", "ten"] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
        assert!(parse_positive_seconds("0").is_err());
        assert_eq!(parse_positive_seconds("2"), Ok(Duration::from_secs(2)));
    }

    #[test]
    fn queries_have_a_default_time_limit_that_can_be_lifted() {
        let limit = |args: &[&str]| match Cli::try_parse_from(args).unwrap().command {
            Command::Query(query) => query.time_limit.limit(),
            Command::Run(run) => run.time_limit.limit(),
            _ => unreachable!(),
        };
        assert_eq!(
            limit(&["newsdb", "query", "SELECT 1"]),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            limit(&["newsdb", "run", "stats"]),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            limit(&["newsdb", "query", "--timeout", "0", "SELECT 1"]),
            None
        );
        assert_eq!(limit(&["newsdb", "run", "--no-timeout", "stats"]), None);
    }
}
