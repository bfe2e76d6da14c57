//! The import run: inputs -> bytes -> parser -> normaliser -> store, in batches.
//!
//! Parsing and normalising run on a producer thread (normalising each chunk on the rayon pool),
//! while the calling thread owns the [`Store`] and writes batches, so the second core works while
//! SQLite writes. Chunks flow through a bounded channel, so memory stays flat however large the
//! input: files other than JSON Lines are read whole (with a size cap), JSON Lines are streamed.
//!
//! URLs are read on the producer thread too, with the [`fetch::Client`]; `newsdb fetch` hands in
//! bodies it has already downloaded ([`Input::Fetched`]), lazily, so one run covers all its feeds.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::entities::imported::mentions_from_record;
use crate::entities::{Corrections, Extractor, Mention};
use crate::fetch;
use crate::import::limits::{self, too_large};
use crate::import::stream::PausingReader;
use crate::import::{detect, feed, html, json, text};
use crate::item::{Format, ImportError, Location, Parsed};
use crate::normalize::{self, ContentHash, NormalizeOptions};
use crate::store::{
    self, BatchEntry, BatchOutcome, ImportCounts, ImportId, OpenOptions, Store, WriteOptions,
};

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
    /// Articles per write transaction.
    pub batch_size: usize,
    /// The command line, recorded in `imports.command`.
    pub command: String,
    /// Largest record read (a JSON Lines line, a JSON object, a text file); larger ones are
    /// rejected as they are read, without being held in memory.
    pub max_record_bytes: u64,
    /// Follow symbolic links that lead out of an imported folder.
    pub follow_symlinks: bool,
}

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions {
            format: None,
            source: None,
            dry_run: false,
            keep_raw: true,
            extract_entities: true,
            batch_size: 1000,
            command: "import".into(),
            max_record_bytes: limits::DEFAULT_MAX_RECORD_BYTES,
            follow_symlinks: false,
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
    pub elapsed_seconds: f64,
}

impl ImportSummary {
    /// True when every input was imported (exit status 0).
    pub fn is_clean(&self) -> bool {
        self.rejected == 0
    }
}

/// Told about what happens during a run; the command line prints and draws a progress bar.
pub trait ImportObserver {
    fn rejected(&mut self, _error: &ImportError) {}
    fn warning(&mut self, _warning: &ImportError) {}
    /// Items handled so far (stored, duplicate or rejected).
    fn progress(&mut self, _items: u64) {}
    /// An input was read to its end, giving this many items and rejects.
    fn input_finished(&mut self, _origin: &str, _items: u64) {}
}

/// An observer that ignores everything.
pub struct Silent;
impl ImportObserver for Silent {}

/// Feeds, pages and JSON arrays larger than this are rejected rather than read whole into memory
/// (JSON Lines stream; a text file or a single JSON object is one record, capped by
/// `--max-record-size`).
const MAX_WHOLE_FILE_BYTES: u64 = 256 << 20;
/// How much of an input is read to detect its format.
const SNIFF_BYTES: usize = 64 << 10;
/// Parsed items handed to the normaliser at once.
const CHUNK_ITEMS: usize = 256;
/// A batch is written at the latest this long after its first item, so a slow stream on stdin
/// still commits as it goes (with `stream::PausingReader`, which hands on what it has parsed
/// whenever the stream pauses).
const MAX_BATCH_AGE: Duration = Duration::from_secs(2);

/// What the producer thread sends to the writer.
enum Event {
    /// Normalised entries of one input, and the feed it came from.
    Entries {
        feed_id: Option<i64>,
        entries: Vec<Entry>,
    },
    InputDone {
        origin: String,
        items: u64,
    },
}

enum Entry {
    Article(Box<normalize::Article>, Vec<Mention>),
    Rejected(ImportError),
    Warning(ImportError),
}

/// Imports `inputs` into `store`.
pub fn run(
    store: &mut Store,
    inputs: &[Input],
    options: &ImportOptions,
    observer: &mut dyn ImportObserver,
) -> store::Result<ImportSummary> {
    run_inputs(store, inputs.iter().cloned(), options, observer)
}

/// Imports inputs as an iterator yields them (on the producer thread, so an iterator that
/// downloads overlaps its network time with the writes).
pub fn run_inputs<I>(
    store: &mut Store,
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
            known: Store::open(
                store.path(),
                &OpenOptions {
                    read_only: true,
                    ..OpenOptions::default()
                },
            )
            .ok(),
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
    let database = store.path().to_owned();
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
    store: &mut Store,
    import: Option<ImportId>,
    options: &ImportOptions,
    receiver: Receiver<Event>,
    observer: &mut dyn ImportObserver,
    summary: &mut ImportSummary,
) -> store::Result<()> {
    let mut batch: Vec<BatchEntry> = Vec::with_capacity(options.batch_size);
    let mut batch_started = Instant::now();
    // A batch holds entries of one feed (or of none), since its sightings share one feed_id.
    let mut batch_feed: Option<i64> = None;
    // A dry run rolls every batch back, so it remembers the hashes it has "stored" itself.
    let mut dry_run_seen = std::collections::HashSet::new();
    let mut flush = |batch: &mut Vec<BatchEntry>, feed_id, summary: &mut ImportSummary| {
        if batch.is_empty() {
            return Ok(());
        }
        let write_options = WriteOptions {
            keep_raw: options.keep_raw,
            feed_id,
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
        outcome += store.write_batch(import, batch, write_options, !options.dry_run)?;
        batch.clear();
        summary.new_articles += outcome.new_articles;
        summary.duplicates += outcome.duplicates;
        summary.new_versions += outcome.new_versions;
        Ok::<(), store::StoreError>(())
    };
    loop {
        // An unfinished batch waits for more entries only until it is MAX_BATCH_AGE old.
        let event = if batch.is_empty() {
            receiver.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            receiver.recv_timeout(MAX_BATCH_AGE.saturating_sub(batch_started.elapsed()))
        };
        let event = match event {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => {
                flush(&mut batch, batch_feed, summary)?;
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        match event {
            Event::InputDone { origin, items } => {
                summary.inputs += 1;
                observer.input_finished(&origin, items);
            }
            Event::Entries { feed_id, entries } => {
                if feed_id != batch_feed {
                    flush(&mut batch, batch_feed, summary)?;
                    batch_feed = feed_id;
                }
                if batch.is_empty() {
                    batch_started = Instant::now();
                }
                for entry in entries {
                    match entry {
                        Entry::Article(article, mentions) => {
                            summary.items += 1;
                            batch.push(BatchEntry::Article { article, mentions });
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
                    }
                }
                if batch.len() >= options.batch_size || batch_started.elapsed() >= MAX_BATCH_AGE {
                    flush(&mut batch, batch_feed, summary)?;
                }
                observer.progress(summary.items);
            }
        }
    }
    flush(&mut batch, batch_feed, summary)?;
    observer.progress(summary.items);
    Ok(())
}

/// What entity extraction needs on the producer side.
struct Extraction {
    extractor: &'static Extractor,
    corrections: Corrections,
    /// A read-only view of the store, to tell known content from new.
    known: Option<Store>,
}

impl Extraction {
    /// Which of these content hashes the store already has (one query for a whole chunk).
    fn known_hashes(&self, articles: &[&normalize::Article]) -> HashSet<ContentHash> {
        let Some(store) = &self.known else {
            return HashSet::new();
        };
        let hexes: Vec<String> = articles.iter().map(|a| a.hash.to_hex()).collect();
        // Unknown on error: extraction is then merely wasted on a duplicate.
        store
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
        mentions.extend(extractor.extract(article.title.as_deref(), &article.body, corrections));
    }
    Ok(mentions)
}

/// Imported entities are validated even when extraction is off.
fn record_mentions(article: &normalize::Article) -> Result<Vec<Mention>, String> {
    mentions_from_record(&article.entities, article.title.as_deref(), &article.body)
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
    let mut chunker = Chunker {
        pending: Vec::with_capacity(CHUNK_ITEMS),
        input_items: 0,
        normalize_options: normalize_options.clone(),
        extraction: extraction.as_ref(),
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
    };
    for input in inputs {
        match input {
            Input::Stdin => {
                // Another program may be writing stdin as it goes: whenever it pauses, what has
                // been parsed goes on to the writer (which commits it within MAX_BATCH_AGE).
                let shared = RefCell::new(&mut chunker);
                let stdin = PausingReader::new(io::stdin(), || shared.borrow_mut().flush());
                read_stream(stdin, Location::new("-"), &reading, &mut |parsed| {
                    shared.borrow_mut().push(parsed)
                });
                chunker.input_done("-");
            }
            Input::Url(url) => {
                let origin = Location::new(url.clone());
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
                chunker.input_done(&url);
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
                };
                for file in walk.files(&path, &mut |parsed| chunker.push(parsed)) {
                    let name = file.display().to_string();
                    let origin = Location::new(name.clone());
                    let mut emit = |parsed| chunker.push(parsed);
                    match File::open(&file) {
                        // A FIFO or a device named on the command line is read as a stream.
                        Ok(handle) if handle.metadata().is_ok_and(|m| !m.is_file()) => {
                            read_stream(handle, origin, &reading, &mut emit)
                        }
                        Ok(handle) => read_seekable(handle, origin, &reading, &mut emit),
                        Err(error) => emit(cannot_read(origin, &error)),
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

/// Collects parsed items into chunks, normalises each chunk in parallel and sends it on.
struct Chunker<'a> {
    pending: Vec<Parsed>,
    /// Items and rejects of the current input so far.
    input_items: u64,
    /// The run's options, with the current input's publisher when it has its own.
    normalize_options: NormalizeOptions,
    extraction: Option<&'a Extraction>,
    /// The feed the current input came from.
    feed_id: Option<i64>,
    sender: &'a SyncSender<Event>,
    /// False once the writer has gone away (it failed): stop producing.
    open: bool,
}

impl Chunker<'_> {
    fn push(&mut self, parsed: Parsed) {
        if !matches!(parsed, Parsed::Warning(_)) {
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
        let entries: Vec<Entry> = normalized
            .into_par_iter()
            .map(|normalized| match normalized {
                Ok(article) => {
                    let mentions = match extractor {
                        Some((extractor, corrections)) => extracted_mentions(
                            &article,
                            known.contains(&article.hash),
                            extractor,
                            corrections,
                        ),
                        None => record_mentions(&article),
                    };
                    match mentions {
                        Ok(mentions) => Entry::Article(Box::new(article), mentions),
                        Err(reason) => Entry::Rejected(ImportError::new(article.location, reason)),
                    }
                }
                Err(Parsed::Rejected(error)) => Entry::Rejected(error),
                Err(Parsed::Warning(warning)) => Entry::Warning(warning),
                Err(Parsed::Item(_)) => unreachable!("items were normalised above"),
            })
            .collect();
        let event = Event::Entries {
            feed_id: self.feed_id,
            entries,
        };
        self.open = self.sender.send(event).is_ok();
    }

    fn input_done(&mut self, origin: &str) {
        self.flush();
        let event = Event::InputDone {
            origin: origin.to_owned(),
            items: std::mem::take(&mut self.input_items),
        };
        self.open = self.open && self.sender.send(event).is_ok();
    }
}

/// How a path named on the command line is walked when it is a folder.
struct FolderWalk<'a> {
    /// Follow symbolic links that lead out of the folder.
    follow_symlinks: bool,
    /// The database being written: a walk through its folder must not import its files.
    database: &'a Path,
}

impl FolderWalk<'_> {
    /// The files to read for `path`: itself when it is not a folder (whatever it is: a FIFO named
    /// on the command line is read as a stream), or every regular file below it, sorted, each
    /// real file once (by device and inode, so link cycles end). Hidden entries and the
    /// database's own files are skipped silently; links out of the folder (unless followed),
    /// broken links, FIFOs, sockets and devices are skipped with a warning.
    fn files(&self, path: &Path, emit: &mut dyn FnMut(Parsed)) -> Vec<PathBuf> {
        let at = || Location::new(path.display().to_string());
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                emit(cannot_read(at(), &error));
                return Vec::new();
            }
        };
        if !metadata.is_dir() {
            return vec![path.to_owned()];
        }
        let root = match std::fs::canonicalize(path) {
            Ok(root) => root,
            Err(error) => {
                emit(cannot_read(at(), &error));
                return Vec::new();
            }
        };
        let own = OwnFiles::of(self.database);
        let mut visited = Visited {
            seen: HashSet::from([FileId::of(path, &metadata)]),
            files: Vec::new(),
            folders: vec![path.to_owned()],
        };
        let mut links = Vec::new();
        // Real entries first, links after, so that a file reached both ways is read under its
        // own name, whatever order the folders list in.
        while !visited.folders.is_empty() || !links.is_empty() {
            while let Some(folder) = visited.folders.pop() {
                let entries = match std::fs::read_dir(&folder) {
                    Ok(entries) => entries,
                    Err(error) => {
                        emit(Parsed::Rejected(ImportError::new(
                            Location::new(folder.display().to_string()),
                            format!("cannot read folder: {}", io_reason(&error)),
                        )));
                        continue;
                    }
                };
                // Sorted, so that of two names for one file the same one is read every time.
                let mut entries: Vec<std::fs::DirEntry> = entries.flatten().collect();
                entries.sort_by_key(std::fs::DirEntry::file_name);
                for entry in entries {
                    if entry.file_name().to_string_lossy().starts_with('.') {
                        continue;
                    }
                    let entry_path = entry.path();
                    // DirEntry::metadata does not follow links.
                    match entry.metadata() {
                        Ok(metadata) if metadata.is_symlink() => links.push(entry_path),
                        Ok(metadata) => visited.visit(entry_path, &metadata, &own, emit),
                        Err(error) => emit(cannot_read(
                            Location::new(entry_path.display().to_string()),
                            &error,
                        )),
                    }
                }
            }
            links.sort();
            for link in std::mem::take(&mut links) {
                if let Some(metadata) = self.resolve(&link, &root, emit) {
                    visited.visit(link, &metadata, &own, emit);
                }
            }
        }
        visited.files.sort();
        visited.files
    }

    /// What `link` points to, if the walk may go there.
    fn resolve(
        &self,
        link: &Path,
        root: &Path,
        emit: &mut dyn FnMut(Parsed),
    ) -> Option<std::fs::Metadata> {
        let mut warn = |reason: String| {
            emit(Parsed::Warning(ImportError::new(
                Location::new(link.display().to_string()),
                reason,
            )))
        };
        let target = match std::fs::canonicalize(link) {
            Ok(target) => target,
            Err(error) => {
                warn(format!(
                    "skipped: symbolic link that cannot be followed ({})",
                    io_reason(&error)
                ));
                return None;
            }
        };
        if !self.follow_symlinks && !target.starts_with(root) {
            warn(format!(
                "skipped: symbolic link to {}, outside the folder (--follow-symlinks follows it)",
                target.display()
            ));
            return None;
        }
        match std::fs::metadata(&target) {
            Ok(metadata) => Some(metadata),
            Err(error) => {
                warn(format!(
                    "skipped: cannot read its target ({})",
                    io_reason(&error)
                ));
                None
            }
        }
    }
}

/// What a folder walk has found so far.
struct Visited {
    /// Every file and folder met, by identity.
    seen: HashSet<FileId>,
    files: Vec<PathBuf>,
    /// Folders still to list.
    folders: Vec<PathBuf>,
}

impl Visited {
    fn visit(
        &mut self,
        path: PathBuf,
        metadata: &std::fs::Metadata,
        own: &OwnFiles,
        emit: &mut dyn FnMut(Parsed),
    ) {
        // Met before: under another name, or a link cycle.
        if !self.seen.insert(FileId::of(&path, metadata)) {
            return;
        }
        let kind = metadata.file_type();
        if kind.is_dir() {
            self.folders.push(path);
        } else if kind.is_file() {
            if !own.contains(&path, metadata) {
                self.files.push(path);
            }
        } else {
            // Reading a FIFO would block until someone writes to it; a device may never end.
            emit(Parsed::Warning(ImportError::new(
                Location::new(path.display().to_string()),
                format!("skipped: {}", special_file_kind(&kind)),
            )));
        }
    }
}

/// A file's identity: its device and inode, so that hard links, symbolic links and link cycles
/// all lead to one visit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct FileId(#[cfg(unix)] (u64, u64), #[cfg(not(unix))] PathBuf);

impl FileId {
    #[cfg(unix)]
    fn of(_path: &Path, metadata: &std::fs::Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId((metadata.dev(), metadata.ino()))
    }

    #[cfg(not(unix))]
    fn of(path: &Path, _metadata: &std::fs::Metadata) -> FileId {
        FileId(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()))
    }
}

#[cfg(unix)]
fn special_file_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO (named pipe), not a regular file"
    } else if kind.is_socket() {
        "a socket, not a regular file"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device, not a regular file"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn special_file_kind(_kind: &std::fs::FileType) -> &'static str {
    "not a regular file"
}

/// The database's files: `NAME` and its `NAME-wal`, `NAME-shm` and `NAME-journal` beside it
/// (`import .` next to `./newsdb.sqlite` must not read them as articles).
struct OwnFiles {
    ids: Vec<FileId>,
    /// The database's folder and the names of its side files, which may appear during the run.
    folder: Option<FileId>,
    side_names: Vec<std::ffi::OsString>,
}

impl OwnFiles {
    fn of(database: &Path) -> OwnFiles {
        let side_names: Vec<std::ffi::OsString> = ["-wal", "-shm", "-journal"]
            .iter()
            .filter_map(|suffix| {
                let mut name = database.file_name()?.to_owned();
                name.push(suffix);
                Some(name)
            })
            .collect();
        let mut paths = vec![database.to_owned()];
        paths.extend(side_names.iter().map(|name| database.with_file_name(name)));
        let identity = |path: &Path| {
            std::fs::metadata(path)
                .ok()
                .map(|metadata| FileId::of(path, &metadata))
        };
        let folder = match database.parent() {
            Some(parent) if parent.as_os_str().is_empty() => identity(Path::new(".")),
            Some(parent) => identity(parent),
            None => None,
        };
        OwnFiles {
            ids: paths.iter().filter_map(|path| identity(path)).collect(),
            folder,
            side_names,
        }
    }

    fn contains(&self, path: &Path, metadata: &std::fs::Metadata) -> bool {
        if self.ids.contains(&FileId::of(path, metadata)) {
            return true;
        }
        let is_side_name = path
            .file_name()
            .is_some_and(|name| self.side_names.iter().any(|side| side == name));
        is_side_name
            && self.folder.is_some()
            && path
                .parent()
                .and_then(|parent| std::fs::metadata(parent).ok().map(|m| (parent, m)))
                .map(|(parent, metadata)| FileId::of(parent, &metadata))
                == self.folder
    }
}

/// How every input of a run is read.
#[derive(Clone, Copy)]
struct Reading<'a> {
    /// `--format`, instead of detecting it.
    forced: Option<Format>,
    /// The HTTP Content-Type of a downloaded body, whose charset the parsers weigh.
    http_content_type: Option<&'a str>,
    /// `--max-record-size`.
    max_record: u64,
}

/// Reads an input that can be read twice (a regular file, a downloaded body). A gzip input is
/// first inflated to nowhere, to check it whole (its CRC and length) before any of its records is
/// stored: a damaged one is refused outright, where a single pass would find the damage at the
/// end, after committing the garbled records. The check costs a second inflate, no memory.
fn read_seekable(
    reader: impl Read + Seek,
    origin: Location,
    reading: &Reading,
    emit: &mut dyn FnMut(Parsed),
) {
    let mut reader = BufReader::with_capacity(SNIFF_BYTES, reader);
    match starts_with_gzip(&mut reader) {
        Err(error) => emit(cannot_read(origin, &error)),
        Ok(false) => read_decompressed(reader, origin, reading, emit),
        Ok(true) => {
            let checked = io::copy(
                &mut flate2::bufread::MultiGzDecoder::new(&mut reader),
                &mut io::sink(),
            );
            if let Err(error) = checked {
                return emit(Parsed::Rejected(ImportError::new(
                    origin,
                    format!(
                        "damaged gzip data ({}): nothing imported from it",
                        io_reason(&error)
                    ),
                )));
            }
            if let Err(error) = reader.rewind() {
                return emit(cannot_read(origin, &error));
            }
            let decoder = flate2::bufread::MultiGzDecoder::new(reader);
            read_decompressed(
                BufReader::with_capacity(SNIFF_BYTES, decoder),
                origin,
                reading,
                emit,
            );
        }
    }
}

/// Reads an input that can be read only once (stdin, a FIFO), as it comes. A gzip stream is
/// first copied to an anonymous temporary file, so that it can be checked whole before anything
/// of it is stored (see [`read_seekable`]): the disk holds the compressed bytes, memory stays flat.
fn read_stream(
    reader: impl Read,
    origin: Location,
    reading: &Reading,
    emit: &mut dyn FnMut(Parsed),
) {
    let mut reader = BufReader::with_capacity(SNIFF_BYTES, reader);
    match starts_with_gzip(&mut reader) {
        Err(error) => emit(cannot_read(origin, &error)),
        Ok(false) => read_decompressed(reader, origin, reading, emit),
        Ok(true) => match spill(&mut reader) {
            Ok(file) => read_seekable(file, origin, reading, emit),
            Err(error) => emit(cannot_read(origin, &error)),
        },
    }
}

fn starts_with_gzip(reader: &mut impl BufRead) -> io::Result<bool> {
    Ok(reader.fill_buf()?.starts_with(&[0x1f, 0x8b]))
}

/// The rest of `reader` in an anonymous temporary file (gone when closed), rewound.
fn spill(reader: &mut impl Read) -> io::Result<File> {
    let mut file = tempfile::tempfile()?;
    io::copy(reader, &mut file)?;
    file.rewind()?;
    Ok(file)
}

/// Detects the format of a (decompressed) input and runs its parser.
fn read_decompressed(
    mut reader: impl BufRead,
    origin: Location,
    reading: &Reading,
    emit: &mut dyn FnMut(Parsed),
) {
    // A forced format needs no head to detect it from, and a stream on stdin must not wait for
    // 64 KB of one before its first line is read. An empty input is still detected, for its error.
    let forced = match reading.forced.map(|format| (format, reader.fill_buf())) {
        Some((format, Ok(first))) => (!first.is_empty()).then_some(format),
        Some((_, Err(error))) => return emit(cannot_read(origin, &error)),
        None => None,
    };
    let (format, head) = match forced {
        Some(format) => (format, Vec::new()),
        None => {
            let head = match peek(&mut reader, SNIFF_BYTES) {
                Ok(head) => head,
                Err(error) => return emit(cannot_read(origin, &error)),
            };
            match detect::detect(&head, Some(Path::new(&origin.origin))) {
                Ok(format) => (format, head),
                Err(reason) => return emit(Parsed::Rejected(ImportError::new(origin, reason))),
            }
        }
    };
    let mut whole = BufReader::with_capacity(SNIFF_BYTES, io::Cursor::new(head).chain(reader));
    if format == Format::JsonLines {
        json::parse_json_lines(whole, origin, reading.max_record, emit);
        return;
    }
    // A text file, or a JSON document that is one object, is one record: read no more of it
    // than the record limit, so that an oversize one costs no memory.
    let one_record = match format {
        Format::Text => true,
        Format::Json => first_significant_byte(&mut whole) == Some(b'{'),
        _ => false,
    };
    let cap = if one_record {
        reading.max_record
    } else {
        MAX_WHOLE_FILE_BYTES.max(reading.max_record)
    };
    let mut bytes = Vec::new();
    if let Err(error) = whole.take(cap.saturating_add(1)).read_to_end(&mut bytes) {
        emit(cannot_read(origin, &error));
        return;
    }
    if bytes.len() as u64 > cap {
        let reason = if one_record {
            too_large(reading.max_record)
        } else {
            format!(
                "larger than {}; split it, or use JSON Lines, which is streamed",
                limits::describe_size(cap)
            )
        };
        emit(Parsed::Rejected(ImportError::new(origin, reason)));
        return;
    }
    match format {
        Format::Text => text::parse_text(&bytes, origin, emit),
        Format::Json => json::parse_json(&bytes, origin, reading.max_record, emit),
        Format::JsonLines => unreachable!("streamed above"),
        Format::Feed => feed::parse_feed(&bytes, origin, reading.http_content_type, emit),
        Format::Html => html::parse_html_page(&bytes, origin, reading.http_content_type, emit),
    }
}

/// The first byte of `reader` that is not whitespace (after a UTF-8 BOM), as far as its buffer
/// shows.
fn first_significant_byte(reader: &mut impl BufRead) -> Option<u8> {
    let buffer = reader.fill_buf().ok()?;
    let buffer = buffer.strip_prefix(b"\xef\xbb\xbf").unwrap_or(buffer);
    buffer.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// Reads up to `limit` bytes from the front of `reader` (returned; the reader goes on after them).
fn peek(reader: &mut impl BufRead, limit: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(limit.min(SNIFF_BYTES));
    reader.take(limit as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// The reject for an input that could not be read.
fn cannot_read(origin: Location, error: &io::Error) -> Parsed {
    Parsed::Rejected(ImportError::new(
        origin,
        format!("cannot read: {}", io_reason(error)),
    ))
}

/// An I/O error in a few words, without Rust's "(os error N)" suffix.
fn io_reason(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file or folder".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::InvalidData => format!("invalid data ({error})"),
        _ => {
            let text = error.to_string();
            match text.find(" (os error") {
                Some(end) => text[..end].to_owned(),
                None => text,
            }
        }
    }
}
