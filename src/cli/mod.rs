//! The command line: clap types, and one module per subcommand with one `run`.

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use newsdb::backend::{DatabaseLocation, PgStore};
use newsdb::pipeline::Subscriptions;
use newsdb::store::{OpenOptions, Store, StoreError};

mod articles;
mod backup;
mod compact;
mod completions;
mod copy;
mod entities;
mod entity;
mod entity_edit;
mod export;
mod feeds;
mod fetch;
mod import;
mod init;
mod man;
mod migrate;
mod output;
pub use output::FormatArgs;
mod queries;
mod query;
mod reextract;
mod run;
mod schema;
mod search;
mod serve;
mod show;
mod sources;
mod stats;
mod stories;
mod timeline;

/// newsdb: a SQLite-backed article database (or PostgreSQL for a store many hosts share). Import
/// feeds, dumps, pages and scraped text; deduplicate by content hash; query with SQL.
#[derive(Debug, Parser)]
#[command(name = "newsdb", version, about, max_term_width = 100)]
pub struct Cli {
    /// The database: a SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB).
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
    #[command(after_help = "Examples:\n  newsdb init\n  newsdb --db archive.sqlite init")]
    Init(init::InitArgs),
    /// Apply pending migrations, or list applied and pending ones.
    #[command(after_help = "Examples:\n  newsdb migrate --status\n  newsdb migrate")]
    Migrate(migrate::MigrateArgs),
    /// Print the schema as SQL.
    #[command(after_help = "Examples:\n  newsdb schema\n  newsdb schema > schema.sql")]
    Schema,
    /// Rows per table, date range, size and schema version.
    #[command(after_help = "Examples:\n  newsdb stats\n  newsdb stats --format json")]
    Stats(FormatArgs),
    /// Import files, folders, URLs or standard input (`-`).
    #[command(
        after_help = "Examples:\n  newsdb import data/samples\n  newsdb import feeds/ dumps/*.jsonl.gz --source \"Wire Desk\"\n  producer | newsdb import - --format jsonl"
    )]
    Import(import::ImportArgs),
    /// Run one SQL statement (read-only unless --write) and print its rows.
    #[command(
        after_help = "Examples:\n  newsdb query \"SELECT id, title, source FROM article_overview LIMIT 5\"\n  newsdb query \"SELECT title FROM articles WHERE published_at >= :since\" -p since=2024-01-01"
    )]
    Query(query::QueryArgs),
    /// Recompute every article's entity mentions, honouring the corrections.
    #[command(after_help = "Examples:\n  newsdb reextract\n  newsdb reextract --json")]
    Reextract(reextract::ReextractArgs),
    /// Compress raw copies stored uncompressed (by an older newsdb), in batches; --vacuum then
    /// shrinks the file.
    #[command(after_help = "Examples:\n  newsdb compact\n  newsdb compact --vacuum --json")]
    Compact(compact::CompactArgs),
    /// Write every article as JSON Lines that `newsdb import` reads back.
    #[command(
        after_help = "Examples:\n  newsdb export -o news.jsonl\n  newsdb export --since 2024-06-01 | gzip > june.jsonl.gz"
    )]
    Export(export::ExportArgs),
    /// Copy the database with SQLite's online backup, safely while others use it.
    #[command(
        after_help = "Examples:\n  newsdb backup news-copy.sqlite\n  newsdb --db news.sqlite backup /backups/news.sqlite --force"
    )]
    Backup(backup::BackupArgs),
    /// Copy the whole store (articles, sightings, raw copies, entities, corrections, feeds, saved
    /// queries, ids kept) into an empty PostgreSQL database.
    #[command(
        after_help = "Examples:\n  newsdb --db news.sqlite copy --to postgres://localhost/news\n  NEWSDB_DB=archive.sqlite newsdb copy --to postgresql://newsdb@db.example.org/news"
    )]
    Copy(copy::CopyArgs),
    /// Subscribe to feed URLs, list or remove subscriptions, import or export them as OPML.
    #[command(
        after_help = "Examples:\n  newsdb feeds add https://example.org/rss.xml --source \"Example Gazette\"\n  newsdb feeds import subscriptions.opml\n  newsdb feeds list"
    )]
    Feeds(feeds::FeedsArgs),
    /// Poll subscribed feeds (all that are due, or the URLs given) and import what changed.
    ///
    /// A feed that fails is backed off: skipped until one hour after its first failure in a row,
    /// then twice as long after each further one, at most a week (`feeds list` shows
    /// `next_check_at`). A URL named, or `--force`, polls it anyway. Exit status: 0 when every
    /// feed polled was read, or the only failures are of feeds that were already failing before
    /// this run; 1 when a feed newly fails.
    #[command(
        after_help = "Examples:\n  newsdb fetch\n  newsdb fetch https://example.org/rss.xml --timeout 10\n  newsdb fetch --force --json"
    )]
    Fetch(fetch::FetchArgs),
    /// Full-text search, best matches first, with a snippet around the matches.
    #[command(
        after_help = "Examples:\n  newsdb search \"armored train\"\n  newsdb search 'sanction* OR \"Kim Jong-un\"' --since 2023-09-01 --limit 5"
    )]
    Search(search::SearchArgs),
    /// Articles newest first, filtered by source, entity and date.
    #[command(
        after_help = "Examples:\n  newsdb articles\n  newsdb articles --entity \"Kim Jong Un\" --since 2023-09-01 --format csv"
    )]
    Articles(articles::ArticlesArgs),
    /// One article by id or content-hash prefix: details and body, raw bytes, or mentions.
    #[command(
        after_help = "Examples:\n  newsdb show 1\n  newsdb show 3fa2c1 --mentions\n  newsdb show 1 --raw > original.txt"
    )]
    Show(show::ShowArgs),
    /// Sources with their article counts and first and last publication.
    #[command(after_help = "Examples:\n  newsdb sources\n  newsdb sources --format markdown")]
    Sources(FormatArgs),
    /// Articles per day, week or month, with a bar chart.
    #[command(
        after_help = "Examples:\n  newsdb timeline\n  newsdb timeline --by week --entity Putin"
    )]
    Timeline(timeline::TimelineArgs),
    /// List, show, save and remove canned queries.
    #[command(
        after_help = "Examples:\n  newsdb queries\n  newsdb queries show co-mentions\n  newsdb queries save by-source \"SELECT title FROM article_overview WHERE source = :source\""
    )]
    Queries(queries::QueriesArgs),
    /// Run a built-in or saved query by name.
    #[command(
        after_help = "Examples:\n  newsdb run top-entities -p limit=10\n  newsdb run co-mentions -p entity=Putin --format json"
    )]
    Run(run::RunArgs),
    /// List the most mentioned entities, or score the extractor (`entities eval FILE.conll`).
    #[command(
        after_help = "Examples:\n  newsdb entities --kind person --limit 20\n  newsdb entities eval gold.conll --format json"
    )]
    Entities(entities::EntitiesArgs),
    /// Show one entity (counts, aliases, co-mentioned entities, latest articles), or correct
    /// entities: merge, alias add, rename, ignore.
    #[command(
        after_help = "Examples:\n  newsdb entity \"Kim Jong Un\"\n  newsdb entity merge \"Kim Jong Un\" \"Kim Jong-un\"\n  newsdb entity alias add \"Kim Jong Un\" \"Dear Leader\""
    )]
    Entity(entity::EntityArgs),
    /// Stories: near copies of one article (reprints, abridged versions, teasers) grouped;
    /// biggest first, with size, sources, dates and the earliest title.
    #[command(
        after_help = "Examples:\n  newsdb stories --since 7d --min-size 3\n  newsdb stories --source Reuters --format json\n  newsdb stories rebuild --threshold 0.6"
    )]
    Stories(stories::StoriesArgs),
    /// One story's articles with their similarity to the earliest one; or correct stories:
    /// split, merge.
    #[command(
        after_help = "Examples:\n  newsdb story 12\n  newsdb story split 40\n  newsdb story merge 12 40"
    )]
    Story(stories::StoryArgs),
    /// Near copies of an article with their similarity scores, whatever their story.
    #[command(after_help = "Examples:\n  newsdb similar 12\n  newsdb similar 3fa2c1 --format json")]
    Similar(stories::SimilarArgs),
    /// Browse the database read-only in a web browser: search, articles, entities, sources,
    /// stories, feeds and SQL, each page also as JSON.
    #[command(
        after_help = "Examples:\n  newsdb serve\n  newsdb serve --port 0 --open\n  newsdb --db archive.sqlite serve --host 0.0.0.0 --port 8080"
    )]
    Serve(serve::ServeArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Examples:\n  newsdb completions bash > ~/.local/share/bash-completion/completions/newsdb\n  newsdb completions zsh > ~/.zfunc/_newsdb\n  newsdb completions fish > ~/.config/fish/completions/newsdb.fish"
    )]
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff) of newsdb or of one of its commands.
    #[command(
        after_help = "Examples:\n  newsdb man | man -l -\n  newsdb man import > ~/.local/share/man/man1/newsdb-import.1"
    )]
    Man(man::ManArgs),
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
    /// Where `--db` points: a SQLite file or a PostgreSQL URL.
    pub fn location(&self) -> DatabaseLocation {
        DatabaseLocation::parse(&self.db)
    }

    /// The PostgreSQL database `--db` names, opened (and migrated unless `read_only`); None when
    /// `--db` is a SQLite file.
    pub fn open_postgres(&self, read_only: bool) -> Result<Option<PgStore>, Failure> {
        let DatabaseLocation::Postgres(url) = self.location() else {
            return Ok(None);
        };
        let options = OpenOptions {
            busy_timeout: self.busy_timeout,
            read_only,
        };
        Ok(Some(PgStore::open(&url, &options)?))
    }

    /// The PostgreSQL database `url` names, opened and migrated; None when it is not a URL.
    pub fn open_postgres_url(&self, url: &str) -> Option<Result<PgStore, Failure>> {
        let DatabaseLocation::Postgres(url) = DatabaseLocation::parse(url.as_ref()) else {
            return None;
        };
        let options = OpenOptions {
            busy_timeout: self.busy_timeout,
            read_only: false,
        };
        Some(PgStore::open(&url, &options).map_err(Failure::from))
    }

    /// The store of either backend, for the commands that run on both through a trait
    /// (import, feeds, fetch).
    pub fn open_any(&self, read_only: bool) -> Result<Box<dyn Subscriptions>, Failure> {
        Ok(match self.open_postgres(read_only)? {
            Some(store) => Box::new(store),
            None => Box::new(self.open_with(read_only)?),
        })
    }

    pub fn open(&self) -> Result<Store, Failure> {
        self.open_with(false)
    }

    pub fn open_read_only(&self) -> Result<Store, Failure> {
        self.open_with(true)
    }

    fn open_with(&self, read_only: bool) -> Result<Store, Failure> {
        // A URL is never a file name: every command reads PostgreSQL through its own store.
        if let DatabaseLocation::Postgres(url) = self.location() {
            return Err(Failure::Failed(format!(
                "internal error: a SQLite store was asked for {}",
                newsdb::normalize::url::without_credentials(&url)
            )));
        }
        let options = OpenOptions {
            busy_timeout: self.busy_timeout,
            read_only,
        };
        Ok(Store::open(&self.db, &options)?)
    }

    /// A warning on stderr, even with `--quiet`.
    pub fn warn(&self, message: &str) {
        let _ = writeln!(io::stderr(), "newsdb: warning: {message}");
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
        Command::Copy(args) => copy::run(&context, &args),
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
        Command::Stories(args) => stories::run_stories(&context, &args),
        Command::Story(args) => stories::run_story(&context, &args),
        Command::Similar(args) => stories::run_similar(&context, &args),
        Command::Serve(args) => serve::run(&context, &args),
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(&args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use clap::CommandFactory;

    /// The `newsdb ...` part of an example line, split like a shell would: quotes group, and a
    /// pipe or redirection ends the command.
    fn example_words(line: &str) -> Vec<String> {
        let start = line.find("newsdb").expect("an example runs newsdb");
        let (mut words, mut word, mut quote, mut in_word) =
            (Vec::new(), String::new(), None, false);
        for ch in line[start..].chars() {
            match (quote, ch) {
                (Some(open), _) if ch == open => quote = None,
                (Some(_), _) => word.push(ch),
                (None, '"' | '\'') => {
                    quote = Some(ch);
                    in_word = true;
                }
                (None, '|' | '>' | '<') => break,
                (None, ' ') => {
                    if in_word {
                        words.push(std::mem::take(&mut word));
                    }
                    in_word = false;
                }
                (None, _) => {
                    word.push(ch);
                    in_word = true;
                }
            }
        }
        if in_word {
            words.push(word);
        }
        words
    }

    /// Every command and subcommand, with its path (`["feeds", "add"]`).
    fn every_command(
        command: &clap::Command,
        path: Vec<String>,
        out: &mut Vec<(Vec<String>, clap::Command)>,
    ) {
        for sub in command
            .get_subcommands()
            .filter(|sub| !sub.is_hide_set() && sub.get_name() != "help")
        {
            let mut sub_path = path.clone();
            sub_path.push(sub.get_name().to_string());
            every_command(sub, sub_path.clone(), out);
            out.push((sub_path, sub.clone()));
        }
    }

    /// Issue 12 item 8: every command's help ends with two or three examples that parse, and no
    /// argument goes without a description.
    #[test]
    fn every_command_has_examples_that_parse_and_described_arguments() {
        let mut root = Cli::command();
        root.build();
        let mut commands = Vec::new();
        every_command(&root, Vec::new(), &mut commands);
        commands.push((Vec::new(), root.clone()));
        let mut problems = Vec::new();
        for (path, command) in &commands {
            let name = format!("newsdb {}", path.join(" "));
            for arg in command.get_arguments().filter(|arg| !arg.is_hide_set()) {
                let help = arg
                    .get_help()
                    .map(|help| help.to_string())
                    .unwrap_or_default();
                if help.trim().is_empty() {
                    problems.push(format!(
                        "{name}: argument {} has no description",
                        arg.get_id()
                    ));
                }
            }
            if path.is_empty() {
                continue;
            }
            let after = command.get_after_help().map(|help| help.to_string());
            let Some(examples) = after
                .as_deref()
                .and_then(|help| help.strip_prefix("Examples:\n"))
            else {
                problems.push(format!("{name}: --help does not end with Examples:"));
                continue;
            };
            let lines: Vec<&str> = examples.lines().collect();
            if !(2..=3).contains(&lines.len()) {
                problems.push(format!("{name}: {} examples, not 2 or 3", lines.len()));
            }
            for line in lines {
                // Longer lines are wrapped by clap at 100 columns, which breaks the example.
                if line.len() > 96 {
                    problems.push(format!("{name}: example `{line}` is wider than 96 columns"));
                }
                if let Err(error) = Cli::try_parse_from(example_words(line)) {
                    problems.push(format!("{name}: example `{line}` does not parse: {error}"));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        assert!(commands.len() > 30, "{} commands found", commands.len());
    }

    #[test]
    fn examples_are_split_like_a_shell_would() {
        assert_eq!(
            example_words(r#"producer | newsdb search 'a "b"' --x="c d" e > out"#),
            ["newsdb", "search", "a \"b\"", "--x=c d", "e"]
        );
        assert_eq!(example_words("newsdb show ''"), ["newsdb", "show", ""]);
    }

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
