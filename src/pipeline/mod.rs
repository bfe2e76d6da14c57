//! The import run: inputs -> bytes -> parser -> normaliser -> store, in batches.
//!
//! This room sits between the pure parsers (`import`, bytes in, items or located errors out),
//! the normaliser and extractor, and the store: the one place that wires them together. `fetch`
//! only fetches; polling subscribed feeds ([`poll`]) is orchestration, so it lives here too.
//!
//! Parsing and normalising run on a producer thread (normalising each chunk on the rayon pool),
//! while the calling thread owns the store (an [`ImportTarget`]: a SQLite [`Store`] or a
//! PostgreSQL [`PgStore`](crate::backend::PgStore)) and writes batches, so the second core works
//! while the database writes. Chunks flow through a bounded channel, so memory stays flat however large the
//! input: JSON Lines are streamed, other files are read whole up to a cap (see `read`), and no
//! record larger than `--max-record-size` is ever held.
//!
//! URLs are read on the producer thread too, with the [`fetch::Client`]; `newsdb fetch` hands in
//! bodies it has already downloaded ([`Input::Fetched`]), lazily, so one run covers all its feeds.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError, sync_channel};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::entities::imported::mentions_from_record;
use crate::entities::{ArticleText, Corrections, Extractor, Mention};
use crate::fetch;
use crate::import::limits;
use crate::import::read::{Reading, cannot_read, read_seekable, read_stream};
use crate::import::select::FileSelection;
use crate::import::stream::PausingReader;
use crate::import::walk::{FolderWalk, Pick};
use crate::item::{Format, ImportError, Location, Parsed, Skipped};
use crate::normalize::SourceName;
use crate::normalize::{self, ContentHash, NormalizeOptions};
use crate::store::{
    self, BatchEntry, BatchOutcome, Feed, FeedAdded, ImportCounts, ImportId, NewFeed, OpenOptions,
    PollRecord, Store, SubscriptionsImported, WriteOptions,
};

/// What an import writes to: a store of either backend. The pipeline needs only these.
pub trait ImportTarget {
    /// Starts an import run; its id ties sightings and rejects together.
    fn begin_import(&mut self, command: &str) -> store::Result<ImportId>;
    /// Records the final counts of an import run.
    fn finish_import(&mut self, id: ImportId, counts: &ImportCounts) -> store::Result<()>;
    /// The user's entity corrections, which extraction honours.
    fn corrections(&mut self) -> store::Result<Corrections>;
    /// Writes one batch, entries in input order, committed with the batches held before it
    /// unless `options.more_follow` lets the store hold it too; rolled back unless `commit` (a
    /// dry run).
    fn write_batch(
        &mut self,
        import: Option<ImportId>,
        entries: &[BatchEntry],
        options: WriteOptions,
        commit: bool,
    ) -> store::Result<BatchOutcome>;
    /// Commits the batches a store held open for the ones that were to follow (see
    /// `WriteOptions::more_follow`); a store that commits each batch has nothing to do.
    fn commit_held(&mut self) -> store::Result<()> {
        Ok(())
    }
    /// Whether written batches wait for `commit_held`.
    fn holds_writes(&self) -> bool {
        false
    }
    /// A second, read-only connection for the producer thread, to tell known content from new
    /// (None when none can be opened: extraction is then merely wasted on duplicates).
    fn content_index(&self) -> Option<Box<dyn ContentIndex>>;
    /// The database file, which an import of the folder holding it must not read (None on a
    /// server).
    fn database_file(&self) -> Option<&Path>;
}

/// The subscribed feeds of a store of either backend: what `newsdb feeds` and `newsdb fetch`
/// read and write (see `store::feeds`).
pub trait Subscriptions: ImportTarget {
    /// Every subscribed feed, in the order they were added.
    fn feeds(&mut self) -> store::Result<Vec<Feed>>;
    /// The feed subscribed as `url`, if any.
    fn feed(&mut self, url: &str) -> store::Result<Option<Feed>>;
    /// Subscribes to `url` (already validated), linking `source`.
    fn add_feed(&mut self, feed: &NewFeed, source: Option<&SourceName>)
    -> store::Result<FeedAdded>;
    /// Subscribes to every feed of an OPML file, in one transaction.
    fn import_subscriptions(
        &mut self,
        feeds: &[NewFeed],
        replace: bool,
    ) -> store::Result<SubscriptionsImported>;
    /// Unsubscribes from `url`; false when it was not subscribed.
    fn remove_feed(&mut self, url: &str) -> store::Result<bool>;
    /// Records one poll of feed `id`.
    fn record_poll(&mut self, id: i64, record: &PollRecord<'_>) -> store::Result<()>;
    /// Articles that import run `import` stored for the first time from feed `feed_id`.
    fn new_articles_from_feed(&mut self, import: ImportId, feed_id: i64) -> store::Result<u64>;
}

/// Implements [`Subscriptions`] for a store type whose inherent methods have its signatures.
macro_rules! subscriptions_of {
    ($store:ty) => {
        impl Subscriptions for $store {
            fn feeds(&mut self) -> store::Result<Vec<Feed>> {
                <$store>::feeds(self)
            }
            fn feed(&mut self, url: &str) -> store::Result<Option<Feed>> {
                <$store>::feed(self, url)
            }
            fn add_feed(
                &mut self,
                feed: &NewFeed,
                source: Option<&SourceName>,
            ) -> store::Result<FeedAdded> {
                <$store>::add_feed(self, feed, source)
            }
            fn import_subscriptions(
                &mut self,
                feeds: &[NewFeed],
                replace: bool,
            ) -> store::Result<SubscriptionsImported> {
                <$store>::import_subscriptions(self, feeds, replace)
            }
            fn remove_feed(&mut self, url: &str) -> store::Result<bool> {
                <$store>::remove_feed(self, url)
            }
            fn record_poll(&mut self, id: i64, record: &PollRecord<'_>) -> store::Result<()> {
                <$store>::record_poll(self, id, record)
            }
            fn new_articles_from_feed(
                &mut self,
                import: ImportId,
                feed_id: i64,
            ) -> store::Result<u64> {
                <$store>::new_articles_from_feed(self, import, feed_id)
            }
        }
    };
}

subscriptions_of!(Store);
subscriptions_of!(crate::backend::PgStore);

/// Which content hashes a store has.
pub trait ContentIndex: Send {
    /// Which of these content hashes (lowercase hex) are stored, in one query.
    fn known_hashes(&mut self, hashes: &[String]) -> store::Result<Vec<String>>;
}

impl ImportTarget for Store {
    fn begin_import(&mut self, command: &str) -> store::Result<ImportId> {
        Store::begin_import(self, command)
    }

    fn finish_import(&mut self, id: ImportId, counts: &ImportCounts) -> store::Result<()> {
        Store::finish_import(self, id, counts)
    }

    fn corrections(&mut self) -> store::Result<Corrections> {
        Store::corrections(self)
    }

    fn write_batch(
        &mut self,
        import: Option<ImportId>,
        entries: &[BatchEntry],
        options: WriteOptions,
        commit: bool,
    ) -> store::Result<BatchOutcome> {
        Store::write_batch(self, import, entries, options, commit)
    }

    fn commit_held(&mut self) -> store::Result<()> {
        Store::commit_held(self)
    }

    fn holds_writes(&self) -> bool {
        Store::holds_writes(self)
    }

    fn content_index(&self) -> Option<Box<dyn ContentIndex>> {
        let read_only = OpenOptions {
            read_only: true,
            ..OpenOptions::default()
        };
        let store = Store::open(self.path(), &read_only).ok()?;
        Some(Box::new(store))
    }

    fn database_file(&self) -> Option<&Path> {
        Some(self.path())
    }
}

impl ContentIndex for Store {
    fn known_hashes(&mut self, hashes: &[String]) -> store::Result<Vec<String>> {
        Store::known_hashes(self, hashes)
    }
}

mod check;
mod poll;

pub use check::{CheckedFeed, check_feed};
pub use poll::{FeedPoll, PollOutcome, PollReport, poll};

/// One thing to import, as named on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A file, or a folder read recursively.
    Path(PathBuf),
    /// Standard input (`-`).
    Stdin,
    /// An http:// or https:// URL.
    Url(String),
    /// A response already downloaded (by `newsdb fetch`).
    Fetched(Fetched),
}

/// A downloaded body, imported as if read from `origin`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// The URL recorded as the sightings' origin.
    pub origin: String,
    pub body: Vec<u8>,
    /// The HTTP Content-Type, whose charset the parsers weigh.
    pub content_type: Option<String>,
    /// The subscribed feed it came from, recorded in the sightings.
    pub feed_id: Option<i64>,
    /// Publisher of its items, overriding the run's (a feed subscribed with `--source`).
    pub source: Option<String>,
}

impl Input {
    pub fn from_arg(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else if fetch::is_url(arg) {
            Input::Url(arg.to_owned())
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }
}

/// Settings of one import run.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// Force a format instead of detecting it.
    pub format: Option<Format>,
    /// Publisher for every item (`--source`).
    pub source: Option<String>,
    /// Report what would happen, write nothing.
    pub dry_run: bool,
    /// Keep each new article's original bytes.
    pub keep_raw: bool,
    /// Extract entities and mentions from new articles.
    pub extract_entities: bool,
    /// Place new articles in stories (their near copies); `--no-stories` turns it off.
    pub stories: bool,
    /// Articles per write transaction.
    pub batch_size: usize,
    /// The command line, recorded in `imports.command`.
    pub command: String,
    /// Largest record read (a JSON Lines line, a JSON object, a text file); larger ones are
    /// rejected as they are read, without being held in memory.
    pub max_record_bytes: u64,
    /// Follow symbolic links that lead out of an imported folder.
    pub follow_symlinks: bool,
    /// Which files found in a folder are read (`--include`, `--exclude`, the name rules).
    pub selection: FileSelection,
}

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions {
            format: None,
            source: None,
            dry_run: false,
            keep_raw: true,
            extract_entities: true,
            stories: true,
            batch_size: DEFAULT_BATCH_SIZE,
            command: "import".into(),
            max_record_bytes: limits::DEFAULT_MAX_RECORD_BYTES,
            follow_symlinks: false,
            selection: FileSelection::default(),
        }
    }
}

/// What the run did: the summary printed on stderr, or on stdout with `--json`.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct ImportSummary {
    pub import_id: Option<i64>,
    pub dry_run: bool,
    pub inputs: u64,
    pub items: u64,
    pub new_articles: u64,
    pub duplicates: u64,
    pub new_versions: u64,
    pub rejected: u64,
    pub warnings: u64,
    /// Files found in folders and left out as not articles (not rejects: the exit status
    /// stays 0), in all and by reason (`SkipReason::key`).
    pub skipped: u64,
    pub skipped_by_reason: std::collections::BTreeMap<&'static str, u64>,
    pub elapsed_seconds: f64,
}

impl ImportSummary {
    /// Adds what committed batches did.
    fn count(&mut self, outcome: BatchOutcome) {
        self.new_articles += outcome.new_articles;
        self.duplicates += outcome.duplicates;
        self.new_versions += outcome.new_versions;
    }

    /// True when every input was imported (exit status 0).
    pub fn is_clean(&self) -> bool {
        self.rejected == 0
    }
}

/// Told about what happens during a run; the command line prints and draws a progress bar.
pub trait ImportObserver {
    fn rejected(&mut self, _error: &ImportError) {}
    fn warning(&mut self, _warning: &ImportError) {}
    /// A file found in a folder was left out.
    fn skipped(&mut self, _skipped: &Skipped) {}
    /// Items handled so far (stored, duplicate or rejected).
    fn progress(&mut self, _items: u64) {}
    /// An input was read to its end, giving this many items and rejects.
    fn input_finished(&mut self, _origin: &str, _items: u64) {}
    /// Bytes of the input files read so far (as stored: gzip counts compressed), to set against
    /// [`input_files_size`].
    fn bytes_read(&mut self, _bytes: u64) {}
}

/// The total size of the files `inputs` name (folders walked as the import walks them), or None
/// when some input's size is not known in advance (standard input, a URL).
pub fn input_files_size(
    inputs: &[Input],
    options: &ImportOptions,
    database: Option<&Path>,
) -> Option<u64> {
    let walk = FolderWalk {
        follow_symlinks: options.follow_symlinks,
        database: database.unwrap_or(Path::new("")),
        selection: &options.selection,
    };
    let mut total = 0;
    for input in inputs {
        let Input::Path(path) = input else {
            return None;
        };
        for (file, _) in walk.files(path, &mut |_| {}) {
            // A file that cannot be read is rejected by the import; it adds nothing here.
            total += std::fs::metadata(&file).map_or(0, |metadata| metadata.len());
        }
    }
    Some(total)
}

/// An observer that ignores everything.
pub struct Silent;
impl ImportObserver for Silent {}

/// Articles the writer takes into one batch by default. A batch's articles are all in memory at
/// once, and with those in the channel they are most of an import's peak RSS: 100,000
/// generated articles peaked at 102.9-103.7 MB with 1,000 and 93.5-93.8 MB with 500, for
/// 32.2-33.4 s against 33.8-35.0 s (20,000 more into them: 8.9-9.3 against 9.7 s; 20,000 into
/// an empty database the same 5.4-5.6 s).
pub const DEFAULT_BATCH_SIZE: usize = 500;

/// Parsed items handed to the normaliser at once.
const CHUNK_ITEMS: usize = 256;
/// A writer that has caught up with its input commits what it holds at the latest this long
/// after it began holding it, so a slow stream on stdin still commits as it goes (with
/// `stream::PausingReader`, which hands on what it has parsed whenever the stream pauses).
const MAX_HOLD_WHILE_IDLE: Duration = Duration::from_secs(2);

/// What the producer thread sends to the writer.
enum Event {
    /// Normalised entries of one input, and the feed it came from.
    Entries {
        feed_id: Option<i64>,
        entries: Vec<Entry>,
        /// Bytes of input files read so far.
        bytes_read: u64,
    },
    InputDone {
        origin: String,
        items: u64,
        bytes_read: u64,
    },
}

enum Entry {
    Article(
        Box<normalize::Article>,
        Vec<Mention>,
        Option<Box<store::ArticleSketch>>,
    ),
    Rejected(ImportError),
    Warning(ImportError),
    Skipped(Skipped),
}

/// Imports `inputs` into `store`.
pub fn run(
    store: &mut dyn ImportTarget,
    inputs: &[Input],
    options: &ImportOptions,
    observer: &mut dyn ImportObserver,
) -> store::Result<ImportSummary> {
    run_inputs(store, inputs.iter().cloned(), options, observer)
}

/// Imports inputs as an iterator yields them (on the producer thread, so an iterator that
/// downloads overlaps its network time with the writes).
pub fn run_inputs<I>(
    store: &mut dyn ImportTarget,
    inputs: I,
    options: &ImportOptions,
    observer: &mut dyn ImportObserver,
) -> store::Result<ImportSummary>
where
    I: IntoIterator<Item = Input>,
    I::IntoIter: Send,
{
    let inputs = inputs.into_iter();
    let started = Instant::now();
    let import = if options.dry_run {
        None
    } else {
        Some(store.begin_import(&options.command)?)
    };
    let normalize_options = NormalizeOptions {
        default_source: options.source.clone(),
        now: chrono::Utc::now(),
    };
    let extraction = if options.extract_entities {
        Some(Extraction {
            extractor: Extractor::shared(),
            corrections: store.corrections()?,
            // A second, read-only connection lets the producer skip extraction for content the
            // store already has (a re-import costs no extraction). Without one, it extracts all.
            known: store.content_index().map(std::sync::Mutex::new),
        })
    } else {
        None
    };
    let (sender, receiver) = sync_channel::<Event>(4);
    let mut summary = ImportSummary {
        import_id: import.map(|ImportId(id)| id),
        dry_run: options.dry_run,
        ..ImportSummary::default()
    };
    let database = store
        .database_file()
        .map_or_else(PathBuf::new, Path::to_path_buf);
    let written = std::thread::scope(|scope| {
        scope.spawn(|| {
            produce(
                inputs,
                options,
                &normalize_options,
                extraction,
                &database,
                sender,
            )
        });
        write_all(store, import, options, receiver, observer, &mut summary)
    });
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    if let Some(import) = import {
        let counts = ImportCounts {
            inputs: summary.inputs,
            items: summary.items,
            new_articles: summary.new_articles,
            duplicates: summary.duplicates,
            new_versions: summary.new_versions,
            rejected: summary.rejected,
        };
        // Record the counts even when a write failed, then report the failure.
        let finished = store.finish_import(import, &counts);
        written?;
        finished?;
    } else {
        written?;
    }
    Ok(summary)
}

/// The writer side: batches entries and writes them; owns the store.
fn write_all(
    store: &mut dyn ImportTarget,
    import: Option<ImportId>,
    options: &ImportOptions,
    receiver: Receiver<Event>,
    observer: &mut dyn ImportObserver,
    summary: &mut ImportSummary,
) -> store::Result<()> {
    let mut batch: Vec<BatchEntry> = Vec::with_capacity(options.batch_size);
    // Since when the store holds uncommitted batches, if it holds any.
    let held_since: Cell<Option<Instant>> = Cell::new(None);
    // A batch holds entries of one feed (or of none), since its sightings share one feed_id.
    let mut batch_feed: Option<i64> = None;
    // A dry run rolls every batch back, so it remembers the hashes it has "stored" itself.
    let mut dry_run_seen = std::collections::HashSet::new();
    // What batches the store holds uncommitted did: counted once they are committed, so that
    // a failed write, which takes them back too, leaves the summary true.
    let mut held = BatchOutcome::default();
    // `more_follow`: the batch was cut because it is full or its feed changed, not because the
    // input paused or ended, so the store may commit it together with the next ones.
    let mut flush =
        |batch: &mut Vec<BatchEntry>, feed_id, summary: &mut ImportSummary, more_follow: bool| {
            if batch.is_empty() {
                if !more_follow {
                    store.commit_held()?;
                    summary.count(std::mem::take(&mut held));
                }
                if !store.holds_writes() {
                    held_since.set(None);
                }
                return Ok(());
            }
            let write_options = WriteOptions {
                keep_raw: options.keep_raw,
                feed_id,
                more_follow,
            };
            let mut outcome = BatchOutcome::default();
            if options.dry_run {
                batch.retain(|entry| match entry {
                    BatchEntry::Article { article, .. } if !dry_run_seen.insert(article.hash) => {
                        outcome.duplicates += 1;
                        false
                    }
                    _ => true,
                });
            }
            let written = store.write_batch(import, batch, write_options, !options.dry_run);
            batch.clear();
            match written {
                Ok(written) => held += written,
                Err(error) => {
                    held = BatchOutcome::default();
                    return Err(error);
                }
            }
            held += outcome;
            if store.holds_writes() {
                held_since.set(held_since.get().or_else(|| Some(Instant::now())));
            } else {
                held_since.set(None);
                summary.count(std::mem::take(&mut held));
            }
            Ok::<(), store::StoreError>(())
        };
    loop {
        // A writer that has caught up with its input writes what it has so far (into the open
        // transaction, so small batches cost no extra commits) instead of waiting idle for a
        // full batch: the producer's parsing and the writes then overlap. What it holds is
        // committed when the writer, caught up again, has waited for input until
        // MAX_HOLD_WHILE_IDLE after it began holding (the store also commits every
        // HELD_ARTICLES or HELD_FOR while input keeps it busy).
        let event = match receiver.try_recv() {
            Ok(event) => Ok(event),
            Err(TryRecvError::Disconnected) => Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) => {
                flush(&mut batch, batch_feed, summary, true)?;
                match held_since.get() {
                    Some(since) => {
                        receiver.recv_timeout(MAX_HOLD_WHILE_IDLE.saturating_sub(since.elapsed()))
                    }
                    None => receiver.recv().map_err(|_| RecvTimeoutError::Disconnected),
                }
            }
        };
        let event = match event {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => {
                flush(&mut batch, batch_feed, summary, false)?;
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        match event {
            Event::InputDone {
                origin,
                items,
                bytes_read,
            } => {
                summary.inputs += 1;
                observer.input_finished(&origin, items);
                observer.bytes_read(bytes_read);
            }
            Event::Entries {
                feed_id,
                entries,
                bytes_read,
            } => {
                observer.bytes_read(bytes_read);
                if feed_id != batch_feed {
                    flush(&mut batch, batch_feed, summary, true)?;
                    batch_feed = feed_id;
                }
                for entry in entries {
                    match entry {
                        Entry::Article(article, mentions, sketch) => {
                            summary.items += 1;
                            for warning in &article.warnings {
                                summary.warnings += 1;
                                observer
                                    .warning(&ImportError::new(article.location.clone(), warning));
                            }
                            batch.push(BatchEntry::Article {
                                article,
                                mentions,
                                sketch,
                            });
                        }
                        Entry::Rejected(error) => {
                            summary.items += 1;
                            summary.rejected += 1;
                            observer.rejected(&error);
                            batch.push(BatchEntry::Rejected(error));
                        }
                        Entry::Warning(warning) => {
                            summary.warnings += 1;
                            observer.warning(&warning);
                        }
                        Entry::Skipped(skipped) => {
                            summary.skipped += 1;
                            *summary
                                .skipped_by_reason
                                .entry(skipped.reason.key())
                                .or_default() += 1;
                            observer.skipped(&skipped);
                        }
                    }
                }
                if batch.len() >= options.batch_size {
                    flush(&mut batch, batch_feed, summary, true)?;
                }
                observer.progress(summary.items);
            }
        }
    }
    flush(&mut batch, batch_feed, summary, false)?;
    observer.progress(summary.items);
    Ok(())
}

/// What entity extraction needs on the producer side.
struct Extraction {
    extractor: &'static Extractor,
    corrections: Corrections,
    /// A read-only view of the store, to tell known content from new.
    known: Option<std::sync::Mutex<Box<dyn ContentIndex>>>,
}

impl Extraction {
    /// Which of these content hashes the store already has (one query for a whole chunk).
    fn known_hashes(&self, articles: &[&normalize::Article]) -> HashSet<ContentHash> {
        let Some(index) = &self.known else {
            return HashSet::new();
        };
        let hexes: Vec<String> = articles.iter().map(|a| a.hash.to_hex()).collect();
        // Unknown on error: extraction is then merely wasted on a duplicate.
        let Ok(mut index) = index.lock() else {
            return HashSet::new();
        };
        index
            .known_hashes(&hexes)
            .unwrap_or_default()
            .iter()
            .filter_map(|hex| ContentHash::from_hex(hex))
            .collect()
    }
}

/// The mentions to store with `article`: those its record carried, then those the extractor
/// finds in it unless its content is already stored (duplicates add no mentions, so none are
/// computed).
fn extracted_mentions(
    article: &normalize::Article,
    known: bool,
    extractor: &Extractor,
    corrections: &Corrections,
) -> Result<Vec<Mention>, String> {
    let mut mentions = record_mentions(article)?;
    if !known {
        mentions.extend(extractor.extract(article_text(article), corrections));
    }
    Ok(mentions)
}

/// Imported entities are validated even when extraction is off.
fn record_mentions(article: &normalize::Article) -> Result<Vec<Mention>, String> {
    mentions_from_record(&article.entities, article_text(article))
}

/// What entity extraction reads of `article`: every field a reader sees.
fn article_text(article: &normalize::Article) -> ArticleText<'_> {
    ArticleText {
        title: article.title.as_deref(),
        summary: article.summary.as_deref(),
        body: &article.body,
    }
}

/// The producer side: reads, parses and normalises every input, in order.
fn produce(
    inputs: impl Iterator<Item = Input>,
    options: &ImportOptions,
    normalize_options: &NormalizeOptions,
    extraction: Option<Extraction>,
    database: &Path,
    sender: SyncSender<Event>,
) {
    let bytes_read = Cell::new(0);
    let mut chunker = Chunker {
        pending: Vec::with_capacity(CHUNK_ITEMS),
        bytes_read: &bytes_read,
        input_items: 0,
        normalize_options: normalize_options.clone(),
        extraction: extraction.as_ref(),
        keep_raw: options.keep_raw,
        stories: options.stories,
        feed_id: None,
        sender: &sender,
        open: true,
    };
    // Made on the first URL: most runs read none.
    let mut client: Option<fetch::Client> = None;
    let reading = Reading {
        forced: options.format,
        http_content_type: None,
        max_record: options.max_record_bytes,
        articles_only: false,
    };
    for input in inputs {
        match input {
            Input::Stdin => {
                // Another program may be writing stdin as it goes: whenever it pauses, what has
                // been parsed goes on to the writer (which commits it within MAX_HOLD_WHILE_IDLE).
                let shared = RefCell::new(&mut chunker);
                let stdin = PausingReader::new(io::stdin(), || shared.borrow_mut().flush());
                read_stream(stdin, Location::new("-"), &reading, &mut |parsed| {
                    shared.borrow_mut().push(parsed)
                });
                chunker.input_done("-");
            }
            Input::Url(url) => {
                // The password stays in the request, never in origins or messages.
                let shown = normalize::url::without_credentials(&url).into_owned();
                let origin = Location::new(shown.clone());
                let client = client.get_or_insert_with(fetch::Client::default);
                match client.get(&url, &fetch::Conditional::default()) {
                    // Only a conditional request should get a 304, but some servers answer one
                    // anyway; its empty body is not an "empty file".
                    Ok(response) if response.is_not_modified() => chunker.push(Parsed::Rejected(
                        ImportError::new(origin, "304 Not Modified: nothing to import"),
                    )),
                    Ok(response) => read_seekable(
                        io::Cursor::new(response.body),
                        origin,
                        &Reading {
                            http_content_type: response.content_type.as_deref(),
                            ..reading
                        },
                        &mut |parsed| chunker.push(parsed),
                    ),
                    Err(error) => chunker.push(Parsed::Rejected(ImportError::new(
                        origin,
                        error.to_string(),
                    ))),
                }
                chunker.input_done(&shown);
            }
            Input::Fetched(fetched) => {
                chunker.feed_id = fetched.feed_id;
                if fetched.source.is_some() {
                    chunker.normalize_options.default_source = fetched.source;
                }
                let origin = Location::new(fetched.origin.clone());
                read_seekable(
                    io::Cursor::new(fetched.body),
                    origin,
                    &Reading {
                        http_content_type: fetched.content_type.as_deref(),
                        ..reading
                    },
                    &mut |parsed| chunker.push(parsed),
                );
                chunker.input_done(&fetched.origin);
                chunker.feed_id = None;
                chunker
                    .normalize_options
                    .default_source
                    .clone_from(&normalize_options.default_source);
            }
            Input::Path(path) => {
                let walk = FolderWalk {
                    follow_symlinks: options.follow_symlinks,
                    database,
                    selection: &options.selection,
                };
                for (file, pick) in walk.files(&path, &mut |parsed| chunker.push(parsed)) {
                    let name = file.display().to_string();
                    let origin = Location::new(name.clone());
                    let mut emit = |parsed| chunker.push(parsed);
                    let reading = &Reading {
                        articles_only: pick == Pick::Found,
                        ..reading
                    };
                    let counted_before = bytes_read.get();
                    match File::open(&file) {
                        // A FIFO or a device named on the command line is read as a stream.
                        Ok(handle) if handle.metadata().is_ok_and(|m| !m.is_file()) => {
                            let counted = CountingReader::new(handle, &bytes_read);
                            read_stream(counted, origin, reading, &mut emit)
                        }
                        Ok(handle) => {
                            let counted = CountingReader::new(handle, &bytes_read);
                            read_seekable(counted, origin, reading, &mut emit)
                        }
                        Err(error) => emit(cannot_read(origin, &error)),
                    }
                    // A file skipped after its first bytes still counts whole, as in the total.
                    if let Ok(metadata) = std::fs::metadata(&file) {
                        let whole = counted_before + metadata.len();
                        bytes_read.set(bytes_read.get().max(whole));
                    }
                    chunker.input_done(&name);
                }
            }
        }
        if !chunker.open {
            return;
        }
    }
    chunker.flush();
}

/// A reader that adds what it reads to a count: the progress through the input files. Bytes read
/// again after a seek back (the gzip check reads a file twice) are counted once.
struct CountingReader<'a, R> {
    inner: R,
    count: &'a Cell<u64>,
    position: u64,
    furthest: u64,
}

impl<'a, R> CountingReader<'a, R> {
    fn new(inner: R, count: &'a Cell<u64>) -> Self {
        CountingReader {
            inner,
            count,
            position: 0,
            furthest: 0,
        }
    }
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.position += read as u64;
        if self.position > self.furthest {
            self.count
                .set(self.count.get() + (self.position - self.furthest));
            self.furthest = self.position;
        }
        Ok(read)
    }
}

impl<R: Seek> Seek for CountingReader<'_, R> {
    fn seek(&mut self, target: io::SeekFrom) -> io::Result<u64> {
        self.position = self.inner.seek(target)?;
        Ok(self.position)
    }
}

/// Collects parsed items into chunks, normalises each chunk in parallel and sends it on.
struct Chunker<'a> {
    pending: Vec<Parsed>,
    /// Bytes of input files read so far (by [`CountingReader`]).
    bytes_read: &'a Cell<u64>,
    /// Items and rejects of the current input so far.
    input_items: u64,
    /// The run's options, with the current input's publisher when it has its own.
    normalize_options: NormalizeOptions,
    extraction: Option<&'a Extraction>,
    /// Raw copies are kept: compress them here, on the pool, not on the writer thread.
    keep_raw: bool,
    /// Sketch new articles for their stories, here on the pool (the writer only stores them).
    stories: bool,
    /// The feed the current input came from.
    feed_id: Option<i64>,
    sender: &'a SyncSender<Event>,
    /// False once the writer has gone away (it failed): stop producing.
    open: bool,
}

impl Chunker<'_> {
    fn push(&mut self, parsed: Parsed) {
        if !matches!(parsed, Parsed::Warning(_) | Parsed::Skipped(_)) {
            self.input_items += 1;
        }
        self.pending.push(parsed);
        if self.pending.len() >= CHUNK_ITEMS {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.pending.is_empty() || !self.open {
            return;
        }
        let options = &self.normalize_options;
        let extraction = self.extraction;
        let normalized: Vec<Result<normalize::Article, Parsed>> = std::mem::take(&mut self.pending)
            .into_par_iter()
            .map(|parsed| match parsed {
                Parsed::Item(item) => {
                    normalize::normalize(*item, options).map_err(Parsed::Rejected)
                }
                other => Err(other),
            })
            .collect();
        let known = extraction.map_or_else(HashSet::new, |extraction| {
            let articles: Vec<&normalize::Article> =
                normalized.iter().filter_map(|n| n.as_ref().ok()).collect();
            extraction.known_hashes(&articles)
        });
        // The store handle stays on this thread; the workers get the extractor's parts.
        let extractor =
            extraction.map(|extraction| (extraction.extractor, &extraction.corrections));
        let keep_raw = self.keep_raw;
        let stories = self.stories;
        let entries: Vec<Entry> = normalized
            .into_par_iter()
            .map(|normalized| match normalized {
                Ok(mut article) => {
                    // A content the store already has keeps no second raw copy.
                    if keep_raw && !known.contains(&article.hash) {
                        article.compress_raw();
                    }
                    let mentions = match extractor {
                        Some((extractor, corrections)) => extracted_mentions(
                            &article,
                            known.contains(&article.hash),
                            extractor,
                            corrections,
                        ),
                        None => record_mentions(&article),
                    };
                    // Known content does no similarity work: its story is its article's.
                    let sketch = (stories && !known.contains(&article.hash)).then(|| {
                        Box::new(store::ArticleSketch::of(
                            article.title.as_deref(),
                            &article.body,
                        ))
                    });
                    match mentions {
                        Ok(mentions) => Entry::Article(Box::new(article), mentions, sketch),
                        Err(reason) => Entry::Rejected(ImportError::new(article.location, reason)),
                    }
                }
                Err(Parsed::Rejected(error)) => Entry::Rejected(error),
                Err(Parsed::Warning(warning)) => Entry::Warning(warning),
                Err(Parsed::Skipped(skipped)) => Entry::Skipped(skipped),
                Err(Parsed::Item(_)) => unreachable!("items were normalised above"),
            })
            .collect();
        let event = Event::Entries {
            feed_id: self.feed_id,
            entries,
            bytes_read: self.bytes_read.get(),
        };
        self.open = self.sender.send(event).is_ok();
    }

    fn input_done(&mut self, origin: &str) {
        self.flush();
        let event = Event::InputDone {
            origin: origin.to_owned(),
            items: std::mem::take(&mut self.input_items),
            bytes_read: self.bytes_read.get(),
        };
        self.open = self.open && self.sender.send(event).is_ok();
    }
}
