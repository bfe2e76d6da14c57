//! `newsdb_bm25`: FTS5's `bm25` ranking, with each term's document count kept between queries.
//!
//! FTS5's `bm25` weighs each phrase of a query by how many rows hold it, and counts those rows
//! anew for every query by reading the phrase's whole posting list. For a search page of three
//! common words at 100,000 articles that counting was a quarter of the page's CPU time, the same
//! counts again for every query sharing a word. This function scores exactly as `bm25` does
//! (same formula, same constants, same arithmetic: the scores are equal, a test checks it) and
//! keeps the counts of plain-word phrases per connection until the database changes.
//!
//! The web server's connections share those counts (see [`SharedWordCounts`]).
//!
//! Scoring sees every match of a ranked query, so it can also tell which rows matched: a search
//! page records them (see [`MatchRecorder`]) and counts its facets from them instead of running
//! the query a second time.
//!
//! A connection that ranks queries again and again (the web server's) also keeps each row's
//! length in tokens, read from `articles_fts_docsize`: FTS5 looks a match's length up in that
//! table, one b-tree search per match, a seventh of a new search page's CPU at 100,000
//! articles. The lengths are read once, then only the rows added since; all again when an
//! article already stored is edited (V21's `meta.article_edits`). They are used only while the
//! rows and tokens they count equal the ranked table's own totals, so a stale set, or another
//! FTS5 table, falls back to FTS5's lookup.
//!
//! SQL: `articles_fts.rank MATCH 'newsdb_bm25(' || quote(:query) || ', 5.0, 2.0, 1.0)'`. The
//! first argument is the query text: a count is reused only when the query is plain words (and
//! `AND`/`OR`/`NOT`), since the FTS5 API names a phrase's tokens but not its column filter
//! (`title:`) or prefix mark (`word*`), which change the count. The rest are column weights, as
//! `bm25` takes them.
//!
//! This is the one module with `unsafe` code: FTS5's auxiliary-function API is C, and rusqlite
//! does not wrap it. Every pointer it touches comes from SQLite for the duration of one call.
#![allow(unsafe_code)]

use std::collections::HashMap;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use rusqlite::ffi;

/// The name the search SQL ranks with.
const FUNCTION_NAME: &CStr = c"newsdb_bm25";

/// BM25's constants, as FTS5 sets them.
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// Counts kept per connection at most; past it the cache starts again (a count costs one read of
/// the phrase's posting list, so a full cache is a cheap loss). About 100 bytes each.
const MAX_KEPT_COUNTS: usize = 8192;

/// Queries a connection ranks before it reads the rows' lengths: a command that ranks one query
/// would spend more reading them than it saves.
const QUERIES_BEFORE_KEEPING_LENGTHS: u32 = 3;

/// Lengths kept for rows numbered up to this at most (16 MB a connection); a table with higher
/// rowids is ranked with FTS5's lookups.
const MAX_KEPT_LENGTH_ID: i64 = 4 << 20;

/// In [`KeptLengths::lengths`]: no row has this id.
const NO_LENGTH: u32 = u32::MAX;

/// Where a connection's `newsdb_bm25` finds the word counts it shares with other connections to
/// the same database, if any (see [`SharedWordCounts`]).
pub type WordCountSharing = Arc<Mutex<Option<Arc<SharedWordCounts>>>>;

/// What the store keeps of a connection's `newsdb_bm25`.
pub struct RankingHooks {
    /// Takes the word counts to share with other connections.
    pub word_counts: WordCountSharing,
    /// Records the rows a query's ranking scores.
    pub matches: MatchRecorder,
}

/// Registers `newsdb_bm25` on `conn` (FTS5 is compiled into the bundled SQLite).
pub fn register(conn: &Connection) -> rusqlite::Result<RankingHooks> {
    // SAFETY: the handle is used only while `conn` is borrowed, and only through SQLite's API.
    let db = unsafe { conn.handle() };
    let api = fts5_api(db)?;
    let hooks = RankingHooks {
        word_counts: WordCountSharing::default(),
        matches: MatchRecorder::default(),
    };
    let counts = Box::into_raw(Box::new(PhraseCounts {
        db,
        kept: Mutex::new(KeptCounts::default()),
        lengths: Mutex::new(KeptLengths::default()),
        sharing: Arc::clone(&hooks.word_counts),
        matches: hooks.matches.clone(),
    }));
    // SAFETY: `api` is the connection's live FTS5 API object; on success SQLite owns `counts`
    // and frees it with `drop_phrase_counts` when the connection closes.
    let rc = unsafe {
        match (*api).xCreateFunction {
            Some(create) => create(
                api,
                FUNCTION_NAME.as_ptr(),
                counts.cast(),
                Some(newsdb_bm25),
                Some(drop_phrase_counts),
            ),
            None => ffi::SQLITE_MISUSE,
        }
    };
    if rc != ffi::SQLITE_OK {
        // SAFETY: SQLite did not take `counts` (xDestroy is not called on failure).
        drop(unsafe { Box::from_raw(counts) });
        return Err(sqlite_error(rc, "cannot register newsdb_bm25"));
    }
    Ok(hooks)
}

/// The rows `newsdb_bm25` scores for one query text on one connection, while asked to record
/// them: the `keep` highest rowids (the most recently stored), at most. A search ranks every
/// match of its query (FTS5 sorts all of them by rank; a date order needs each one's rank too),
/// so when nothing filters the matches the recording is the query's whole match set, and the
/// page's facets need not run the query again (a tenth to an eighth of a new search page's CPU).
#[derive(Clone, Default)]
pub struct MatchRecorder(Arc<Mutex<Recording>>);

#[derive(Default)]
struct Recording {
    /// The query text recorded; None when not recording.
    query: Option<String>,
    /// Moved by every start: a query that began scoring for an earlier recording (a cursor
    /// still open) adds nothing to a later one.
    session: u64,
    keep: usize,
    /// The rows recorded, cut to the `keep` highest whenever it holds twice as many (an ordered
    /// set updated per row was 2% of the server's CPU on new searches, perf).
    rows: Vec<i64>,
}

impl Recording {
    /// Cuts `rows` to its `keep` highest, highest first, each once.
    fn cut(&mut self) {
        self.rows.sort_unstable_by(|a, b| b.cmp(a));
        self.rows.dedup();
        self.rows.truncate(self.keep);
    }
}

impl MatchRecorder {
    /// Records the rows ranked for `query` from now on, forgetting any recorded before.
    pub fn start(&self, query: &str, keep: usize) {
        let mut recording = self.lock();
        recording.query = Some(query.to_owned());
        recording.session += 1;
        recording.keep = keep;
        recording.rows.clear();
    }

    /// Stops recording; the rows recorded, highest first.
    pub fn finish(&self) -> Vec<i64> {
        let mut recording = self.lock();
        recording.query = None;
        recording.cut();
        std::mem::take(&mut recording.rows)
    }

    /// The recording session the rows ranked for `query` go to, if they are to be recorded.
    fn wants(&self, query: Option<&str>) -> Option<u64> {
        let recording = self.lock();
        (query.is_some() && recording.query.as_deref() == query).then_some(recording.session)
    }

    fn record(&self, session: u64, rowid: i64) {
        let mut recording = self.lock();
        if recording.query.is_none() || recording.session != session {
            return;
        }
        recording.rows.push(rowid);
        if recording.rows.len() >= recording.keep.max(1) * 2 {
            recording.cut();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recording> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Word counts shared by the connections to one database (the web server's pool). Each commit
/// of a stream import makes every connection count its words again, and under load four
/// connections did it four times (a tenth of the server's CPU). Shared counts are keyed by what
/// says which rows `articles_fts` holds: `meta.article_edits` and the index's row and token
/// totals (while the count of edits stands still rows are only added, each one a row more),
/// read where the kept lengths vouch for them, so only connections that keep lengths share.
/// Newer keys replace older ones; a connection on an older snapshot counts for itself.
#[derive(Default)]
pub struct SharedWordCounts {
    kept: Mutex<SharedCounts>,
}

#[derive(Default)]
struct SharedCounts {
    /// (edits, rows, tokens): larger is newer.
    key: Option<(i64, i64, i64)>,
    rows_by_phrase: HashMap<String, i64>,
}

impl SharedWordCounts {
    /// The kept count of `phrase` at `key`: `Ok(Some)` kept, `Ok(None)` to be counted and kept,
    /// `Err(())` when `key` is older than the kept ones (count, and keep nothing).
    fn lookup(&self, key: (i64, i64, i64), phrase: &str) -> Result<Option<i64>, ()> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.key.is_none_or(|kept_key| key > kept_key) {
            kept.key = Some(key);
            kept.rows_by_phrase.clear();
        }
        if kept.key != Some(key) {
            return Err(());
        }
        Ok(kept.rows_by_phrase.get(phrase).copied())
    }

    fn keep(&self, key: (i64, i64, i64), phrase: String, rows: i64) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.key == Some(key) {
            if kept.rows_by_phrase.len() >= MAX_KEPT_COUNTS {
                kept.rows_by_phrase.clear();
            }
            kept.rows_by_phrase.insert(phrase, rows);
        }
    }
}

/// Whether every phrase of `query` is a plain word, so that its tokens alone say which rows hold
/// it: barewords (letters, digits, `_`, any non-ASCII character) and the operators `AND`, `OR`
/// and `NOT`. Quotes, `*`, `^`, `:`, `+`, `-`, braces and parentheses (and so `NEAR(...)`) are
/// not plain.
fn plain_words(query: &str) -> bool {
    query.split_whitespace().all(|word| {
        matches!(word, "AND" | "OR" | "NOT")
            || word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii())
    })
}

/// The connection's kept counts and lengths; SQLite holds it as the function's user data.
struct PhraseCounts {
    /// The connection, for its data version.
    db: *mut ffi::sqlite3,
    kept: Mutex<KeptCounts>,
    lengths: Mutex<KeptLengths>,
    sharing: WordCountSharing,
    matches: MatchRecorder,
}

/// Each row's length in tokens (all columns), by rowid, as `articles_fts_docsize` holds it.
#[derive(Default)]
struct KeptLengths {
    /// Queries ranked so far (counted up to [`QUERIES_BEFORE_KEEPING_LENGTHS`]).
    queries: u32,
    /// The data version the lengths were brought up to date at.
    data_version: Option<u32>,
    /// `meta.article_edits` then: while it stands still, rows are only added.
    edits: Option<i64>,
    /// By rowid; [`NO_LENGTH`] where no row has the id. Shared with the queries ranking with
    /// it, so bringing it up to date copies it only while one runs.
    lengths: Arc<Vec<u32>>,
    /// The rows read and the tokens they hold, to compare with the ranked table's totals.
    rows: i64,
    tokens: i64,
    /// The highest id read: the next read starts after it.
    last_id: i64,
    /// The lengths could not be read (no such table, an id too high) at this data version.
    unusable: bool,
}

#[derive(Default)]
struct KeptCounts {
    /// The database's data version the counts were read at; any commit moves it.
    data_version: Option<u32>,
    /// The rows and tokens of the table they were counted in: another FTS5 table (a user's
    /// own, in ad-hoc SQL) has its own counts.
    totals: (i64, i64),
    /// Rows holding each phrase, by its tokens joined with spaces.
    rows_by_phrase: HashMap<String, i64>,
}

/// What one query's scoring needs on every row, made on its first row.
struct QueryScoring {
    idf: Vec<f64>,
    /// The rows' lengths, when they are kept and agree with the table's totals.
    lengths: Option<Arc<Vec<u32>>>,
    /// Column weights (missing ones weigh 1).
    weights: Vec<f64>,
    average_length: f64,
    /// Scratch for the current row's weighted phrase frequencies.
    frequencies: Vec<f64>,
    /// Where the rows scored are recorded, and in which session, when the connection asked for
    /// this query's.
    matches: Option<(MatchRecorder, u64)>,
}

unsafe extern "C" fn drop_phrase_counts(counts: *mut c_void) {
    // SAFETY: `counts` is the Box leaked in `register`, handed back once by SQLite.
    drop(unsafe { Box::from_raw(counts.cast::<PhraseCounts>()) });
}

unsafe extern "C" fn drop_query_scoring(scoring: *mut c_void) {
    // SAFETY: `scoring` is the Box leaked in `query_scoring`, handed back once by FTS5.
    drop(unsafe { Box::from_raw(scoring.cast::<QueryScoring>()) });
}

/// The auxiliary function: the row's BM25 score, negated as `bm25` returns it (lower is better).
unsafe extern "C" fn newsdb_bm25(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    context: *mut ffi::sqlite3_context,
    argument_count: c_int,
    arguments: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: FTS5 passes a live API, cursor context and `argument_count` values.
    let result = unsafe {
        let arguments = if arguments.is_null() {
            &[][..]
        } else {
            std::slice::from_raw_parts(arguments, usize::try_from(argument_count).unwrap_or(0))
        };
        row_score(&*api, fts, arguments)
    };
    // SAFETY: `context` is this call's result slot.
    unsafe {
        match result {
            Ok(score) => ffi::sqlite3_result_double(context, -score),
            Err(rc) => ffi::sqlite3_result_error_code(context, rc),
        }
    }
}

/// An FTS5 API entry point, or SQLITE_MISUSE when this SQLite lacks it.
macro_rules! call {
    ($api:expr, $method:ident ( $($argument:expr),* )) => {
        match $api.$method {
            Some(method) => method($($argument),*),
            None => return Err(ffi::SQLITE_MISUSE),
        }
    };
}

/// # Safety
/// `api` and `fts` must be the ones FTS5 passed to this call; `arguments` its values.
unsafe fn row_score(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    arguments: &[*mut ffi::sqlite3_value],
) -> Result<f64, c_int> {
    // SAFETY (whole body): calls FTS5 with the context it gave, on the current row.
    unsafe {
        let mut scoring = call!(api, xGetAuxdata(fts, 0)).cast::<QueryScoring>();
        if scoring.is_null() {
            let made = Box::into_raw(Box::new(query_scoring(api, fts, arguments)?));
            let rc = call!(api, xSetAuxdata(fts, made.cast(), Some(drop_query_scoring)));
            // On failure FTS5 has already freed `made`.
            if rc != ffi::SQLITE_OK {
                return Err(rc);
            }
            scoring = made;
        }
        let scoring = &mut *scoring;

        scoring.frequencies.fill(0.0);
        let mut instances = 0;
        check(call!(api, xInstCount(fts, &mut instances)))?;
        for instance in 0..instances {
            let (mut phrase, mut column, mut offset) = (0, 0, 0);
            check(call!(
                api,
                xInst(fts, instance, &mut phrase, &mut column, &mut offset)
            ))?;
            let weight = usize::try_from(column)
                .ok()
                .and_then(|column| scoring.weights.get(column))
                .copied()
                .unwrap_or(1.0);
            if let Some(frequency) = usize::try_from(phrase)
                .ok()
                .and_then(|phrase| scoring.frequencies.get_mut(phrase))
            {
                *frequency += weight;
            }
        }
        let rowid = call!(api, xRowid(fts));
        if let Some((matches, session)) = &scoring.matches {
            matches.record(*session, rowid);
        }
        let kept_length = match &scoring.lengths {
            Some(lengths) => usize::try_from(rowid)
                .ok()
                .and_then(|id| lengths.get(id))
                .copied()
                .filter(|&length| length != NO_LENGTH),
            None => None,
        };
        let length = match kept_length {
            Some(length) => {
                #[cfg(test)]
                tests::KEPT_LENGTHS_USED.with(|used| used.set(used.get() + 1));
                f64::from(length)
            }
            None => {
                let mut tokens = 0;
                check(call!(api, xColumnSize(fts, -1, &mut tokens)))?;
                f64::from(tokens)
            }
        };

        let mut score = 0.0;
        for (idf, frequency) in scoring.idf.iter().zip(&scoring.frequencies) {
            score += idf
                * ((frequency * (K1 + 1.0))
                    / (frequency + K1 * (1.0 - B + B * length / scoring.average_length)));
        }
        Ok(score)
    }
}

/// The query's IDFs, weights and average row length, as `bm25` computes them on its first row.
///
/// # Safety
/// As [`row_score`].
unsafe fn query_scoring(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    arguments: &[*mut ffi::sqlite3_value],
) -> Result<QueryScoring, c_int> {
    // SAFETY (whole body): FTS5 calls with its context; values read with SQLite's accessors.
    unsafe {
        let query = arguments.first().and_then(|&value| value_text(value));
        let weights = arguments
            .iter()
            .skip(1)
            .map(|&value| ffi::sqlite3_value_double(value))
            .collect();

        let (mut rows, mut tokens) = (0_i64, 0_i64);
        check(call!(api, xRowCount(fts, &mut rows)))?;
        check(call!(api, xColumnTotalSize(fts, -1, &mut tokens)))?;
        let average_length = tokens as f64 / rows as f64;

        let counts = &*call!(api, xUserData(fts)).cast::<PhraseCounts>();
        let matches = counts
            .matches
            .wants(query.as_deref())
            .map(|session| (counts.matches.clone(), session));
        let lengths = counts.lengths(rows, tokens);
        let reuse = query.is_some_and(|query| plain_words(&query));
        let phrases = call!(api, xPhraseCount(fts));
        let mut idf = Vec::with_capacity(usize::try_from(phrases).unwrap_or(0));
        for phrase in 0..phrases {
            let key = if reuse {
                phrase_key(api, fts, phrase)?
            } else {
                None
            };
            let holding = match key {
                Some(key) => {
                    counts.rows_holding(api, fts, phrase, key, (rows, tokens), lengths.as_ref())?
                }
                None => count_rows_holding(api, fts, phrase)?,
            };
            let value = ((rows - holding) as f64 + 0.5) / (holding as f64 + 0.5);
            let value = value.ln();
            idf.push(if value <= 0.0 { 1e-6 } else { value });
        }
        let frequencies = vec![0.0; idf.len()];
        Ok(QueryScoring {
            idf,
            lengths: lengths.map(|lengths| lengths.lengths),
            weights,
            average_length,
            frequencies,
            matches,
        })
    }
}

impl PhraseCounts {
    /// Rows holding `phrase`: from the counts shared with other connections where `lengths`
    /// vouch for this being `articles_fts` (see [`SharedWordCounts`]), else from this
    /// connection's counts when the database has not changed since and they were counted in a
    /// table of the same `totals` (rows, tokens).
    ///
    /// # Safety
    /// As [`row_score`].
    unsafe fn rows_holding(
        &self,
        api: &ffi::Fts5ExtensionApi,
        fts: *mut ffi::Fts5Context,
        phrase: c_int,
        key: String,
        totals: (i64, i64),
        lengths: Option<&LengthsView>,
    ) -> Result<i64, c_int> {
        let shared = self
            .sharing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        if let (Some(shared), Some(edits)) = (shared, lengths.and_then(|lengths| lengths.edits)) {
            let shared_key = (edits, totals.0, totals.1);
            let kept = shared.lookup(shared_key, &key);
            if let Ok(Some(rows)) = kept {
                return Ok(rows);
            }
            // SAFETY: as the caller's.
            let rows = unsafe { count_rows_holding(api, fts, phrase)? };
            if kept.is_ok() {
                shared.keep(shared_key, key, rows);
            }
            return Ok(rows);
        }
        let Some(data_version) = self.data_version() else {
            // SAFETY: as the caller's.
            return unsafe { count_rows_holding(api, fts, phrase) };
        };
        let mut kept = self
            .kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if kept.data_version != Some(data_version)
            || kept.totals != totals
            || kept.rows_by_phrase.len() >= MAX_KEPT_COUNTS
        {
            kept.rows_by_phrase.clear();
            kept.data_version = Some(data_version);
            kept.totals = totals;
        }
        if let Some(&rows) = kept.rows_by_phrase.get(&key) {
            return Ok(rows);
        }
        // SAFETY: as the caller's.
        let rows = unsafe { count_rows_holding(api, fts, phrase)? };
        kept.rows_by_phrase.insert(key, rows);
        Ok(rows)
    }

    /// The connection's data version (SQLite's, moved by every commit), if SQLite tells it.
    fn data_version(&self) -> Option<u32> {
        let mut data_version = 0_u32;
        // SAFETY: `db` is the connection running this query; the file control only reads.
        let rc = unsafe {
            ffi::sqlite3_file_control(
                self.db,
                c"main".as_ptr(),
                ffi::SQLITE_FCNTL_DATA_VERSION,
                (&raw mut data_version).cast(),
            )
        };
        (rc == ffi::SQLITE_OK).then_some(data_version)
    }

    /// The kept lengths, brought up to date, if this connection keeps them and they count
    /// `rows` rows of `tokens` tokens, the ranked table's totals.
    fn lengths(&self, rows: i64, tokens: i64) -> Option<LengthsView> {
        let mut kept = self
            .lengths
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if kept.queries < QUERIES_BEFORE_KEEPING_LENGTHS {
            kept.queries += 1;
            return None;
        }
        let data_version = self.data_version()?;
        if kept.data_version != Some(data_version) {
            kept.data_version = Some(data_version);
            // SAFETY: the connection outlives this call, and the wrapper does not close it.
            kept.unusable = match unsafe { Connection::from_handle(self.db) } {
                Ok(conn) => kept.read_new_rows(&conn).is_err(),
                Err(_) => true,
            };
        }
        if kept.unusable || kept.rows != rows || kept.tokens != tokens {
            return None;
        }
        Some(LengthsView {
            lengths: Arc::clone(&kept.lengths),
            edits: kept.edits,
        })
    }
}

/// The kept lengths as one query ranks with them: they count the ranked table's rows and tokens,
/// so the table is `articles_fts` as its `%_docsize` stands.
struct LengthsView {
    lengths: Arc<Vec<u32>>,
    /// `meta.article_edits` when the lengths were read.
    edits: Option<i64>,
}

impl KeptLengths {
    /// Reads the rows added since the last read, or all of them again when a stored article
    /// was edited (or the count of edits is missing). Runs inside the ranking query's read
    /// transaction, so it reads the same rows the query ranks.
    fn read_new_rows(&mut self, conn: &Connection) -> Result<(), ReadLengthsError> {
        let edits: Option<i64> = conn
            .query_row(super::ARTICLE_EDITS, [], |row| row.get(0))
            .ok();
        if edits.is_none() || edits != self.edits {
            self.lengths = Arc::default();
            (self.rows, self.tokens, self.last_id) = (0, 0, 0);
        }
        self.edits = edits;
        let lengths = Arc::make_mut(&mut self.lengths);
        let mut statement = conn.prepare(
            "SELECT id, sz FROM articles_fts_docsize WHERE id > ?1 AND id <= ?2 ORDER BY id",
        )?;
        let mut rows = statement.query([self.last_id, MAX_KEPT_LENGTH_ID])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let size = row.get_ref(1)?.as_blob()?;
            let length = row_length(size).ok_or(ReadLengthsError)?;
            let index = usize::try_from(id).map_err(|_| ReadLengthsError)?;
            if lengths.len() <= index {
                lengths.resize(index + 1, NO_LENGTH);
            }
            lengths[index] = length;
            self.rows += 1;
            self.tokens += i64::from(length);
            self.last_id = id;
        }
        Ok(())
    }
}

/// Why the lengths could not be kept; the queries rank with FTS5's lookups instead.
struct ReadLengthsError;

impl From<rusqlite::Error> for ReadLengthsError {
    fn from(_: rusqlite::Error) -> Self {
        ReadLengthsError
    }
}

impl From<rusqlite::types::FromSqlError> for ReadLengthsError {
    fn from(_: rusqlite::types::FromSqlError) -> Self {
        ReadLengthsError
    }
}

/// A row's length in tokens: the sum of the column sizes in a `%_docsize` blob, SQLite
/// varints one after another. None when the blob does not decode.
fn row_length(size: &[u8]) -> Option<u32> {
    let mut total = 0_u32;
    let mut value = 0_u64;
    let mut bytes = 0;
    for &byte in size {
        bytes += 1;
        if bytes == 9 {
            value = (value << 8) | u64::from(byte);
        } else {
            value = (value << 7) | u64::from(byte & 0x7f);
        }
        if bytes == 9 || byte & 0x80 == 0 {
            total = total.checked_add(u32::try_from(value).ok()?)?;
            (value, bytes) = (0, 0);
        }
    }
    (bytes == 0).then_some(total)
}

/// The phrase's tokens joined with spaces, or None for a phrase of no tokens.
///
/// # Safety
/// As [`row_score`].
unsafe fn phrase_key(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    phrase: c_int,
) -> Result<Option<String>, c_int> {
    // SAFETY (whole body): FTS5 returns token text that lives as long as the query.
    unsafe {
        let size = call!(api, xPhraseSize(fts, phrase));
        if size <= 0 {
            return Ok(None);
        }
        let mut key = String::new();
        for token in 0..size {
            let (mut text, mut length): (*const c_char, c_int) = (ptr::null(), 0);
            check(call!(
                api,
                xQueryToken(fts, phrase, token, &mut text, &mut length)
            ))?;
            let bytes = match usize::try_from(length) {
                Ok(length) if !text.is_null() => std::slice::from_raw_parts(text.cast(), length),
                _ => &[][..],
            };
            if token > 0 {
                key.push(' ');
            }
            key.push_str(&String::from_utf8_lossy(bytes));
        }
        Ok(Some(key))
    }
}

/// Counts the rows holding `phrase` (with its column filter), as `bm25` does.
///
/// # Safety
/// As [`row_score`].
unsafe fn count_rows_holding(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    phrase: c_int,
) -> Result<i64, c_int> {
    unsafe extern "C" fn count_row(
        _api: *const ffi::Fts5ExtensionApi,
        _fts: *mut ffi::Fts5Context,
        rows: *mut c_void,
    ) -> c_int {
        // SAFETY: `rows` is the counter passed below, alive for the whole xQueryPhrase call.
        unsafe { *rows.cast::<i64>() += 1 };
        ffi::SQLITE_OK
    }
    #[cfg(test)]
    tests::WORDS_COUNTED.with(|counted| counted.set(counted.get() + 1));
    let mut rows = 0_i64;
    // SAFETY: the counter outlives the call; FTS5 calls `count_row` once per matching row.
    check(unsafe {
        call!(
            api,
            xQueryPhrase(fts, phrase, (&raw mut rows).cast(), Some(count_row))
        )
    })?;
    Ok(rows)
}

/// A value's text, or None for NULL and non-text values.
///
/// # Safety
/// `value` must be a live SQLite value.
unsafe fn value_text(value: *mut ffi::sqlite3_value) -> Option<String> {
    // SAFETY: text and length read as SQLite documents (text first, then bytes).
    unsafe {
        if ffi::sqlite3_value_type(value) != ffi::SQLITE_TEXT {
            return None;
        }
        let text = ffi::sqlite3_value_text(value);
        let length = usize::try_from(ffi::sqlite3_value_bytes(value)).ok()?;
        if text.is_null() {
            return None;
        }
        let bytes = std::slice::from_raw_parts(text, length);
        Some(String::from_utf8_lossy(bytes).into_owned())
    }
}

fn check(rc: c_int) -> Result<(), c_int> {
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(rc)
    }
}

/// The connection's FTS5 API object (`SELECT fts5(?1)` with a pointer bound, as SQLite's
/// documentation gives it).
fn fts5_api(db: *mut ffi::sqlite3) -> rusqlite::Result<*mut ffi::fts5_api> {
    let mut statement: *mut ffi::sqlite3_stmt = ptr::null_mut();
    let mut api: *mut ffi::fts5_api = ptr::null_mut();
    // SAFETY: `db` is an open connection; the statement is finalized before returning and the
    // bound pointer outlives its single step.
    let rc = unsafe {
        let rc = ffi::sqlite3_prepare_v2(
            db,
            c"SELECT fts5(?1)".as_ptr(),
            -1,
            &mut statement,
            ptr::null_mut(),
        );
        if rc != ffi::SQLITE_OK {
            rc
        } else {
            ffi::sqlite3_bind_pointer(
                statement,
                1,
                (&raw mut api).cast(),
                c"fts5_api_ptr".as_ptr(),
                None,
            );
            let stepped = ffi::sqlite3_step(statement);
            let finalized = ffi::sqlite3_finalize(statement);
            if stepped == ffi::SQLITE_ROW || stepped == ffi::SQLITE_DONE {
                finalized
            } else {
                stepped
            }
        }
    };
    if rc != ffi::SQLITE_OK || api.is_null() {
        let rc = if rc == ffi::SQLITE_OK {
            ffi::SQLITE_ERROR
        } else {
            rc
        };
        return Err(sqlite_error(rc, "cannot reach FTS5's API"));
    }
    Ok(api)
}

fn sqlite_error(rc: c_int, message: &str) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(ffi::Error::new(rc), Some(message.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// Rows this thread's queries scored with a kept length.
        pub(super) static KEPT_LENGTHS_USED: Cell<usize> = const { Cell::new(0) };
        /// Phrases this thread's queries counted the rows of.
        pub(super) static WORDS_COUNTED: Cell<usize> = const { Cell::new(0) };
    }

    fn kept_lengths_used() -> usize {
        KEPT_LENGTHS_USED.with(Cell::get)
    }

    #[test]
    fn row_lengths_add_up_the_columns_varints() {
        assert_eq!(row_length(&[]), Some(0));
        assert_eq!(row_length(&[2, 0, 8]), Some(10));
        assert_eq!(row_length(&[0x81, 0x00, 3]), Some(131));
        assert_eq!(row_length(&[0x82, 0x80, 0x01]), Some(32_769));
        assert_eq!(row_length(&[0x81]), None, "cut short");
    }

    #[test]
    fn only_plain_words_reuse_counts() {
        for query in [
            "ferry",
            "okafor berlin plan",
            "a AND b OR NOT c",
            "café Zürich",
            "x_y 42",
        ] {
            assert!(plain_words(query), "{query}");
        }
        for query in [
            "\"armored train\"",
            "sanction*",
            "title:ferry",
            "^start",
            "a + b",
            "{title body}: x",
            "NEAR(a b)",
            "(a OR b) c",
            "-title: x",
            "a-b",
        ] {
            assert!(!plain_words(query), "{query}");
        }
    }

    fn corpus() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE articles_fts USING fts5 (title, summary, body);
             INSERT INTO articles_fts VALUES
                ('Ferry strike', 'Ferries stop', 'The ferry strike in Oslo stopped every ferry.'),
                ('Budget talks', NULL, 'Oslo budget talks went on; the ferry budget was cut.'),
                ('Strike ends', 'A deal', 'The strike ended with a deal on pay and ferries.'),
                ('Weather', NULL, 'Rain in Bergen, sun in Oslo, wind at sea.'),
                ('Café opens', NULL, 'A café opened near the ferry terminal in Zürich.');",
        )
        .unwrap();
        conn
    }

    fn scores(conn: &Connection, query: &str, rank: &str) -> Vec<(i64, f64)> {
        let mut statement = conn
            .prepare(&format!(
                "SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH ?1 AND rank MATCH {rank}
                  ORDER BY rank"
            ))
            .unwrap();
        statement
            .query_map([query], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn scores_equal_fts5_bm25_with_and_without_kept_counts() {
        let conn = corpus();
        for query in [
            "ferry",
            "ferry strike",
            "oslo OR zurich",
            "ferry NOT budget",
            "\"ferry strike\"",
            "ferr*",
            "title:strike ferry",
            "NEAR(ferry oslo, 5)",
            "cafe",
        ] {
            let expected = scores(&conn, query, "'bm25(5.0, 2.0, 1.0)'");
            assert!(!expected.is_empty(), "{query}");
            let spec = "'newsdb_bm25(' || quote(?1) || ', 5.0, 2.0, 1.0)'";
            // Twice: the second run reads the kept counts.
            for _ in 0..2 {
                assert_eq!(scores(&conn, query, spec), expected, "{query}");
            }
        }
        assert!(
            kept_lengths_used() > 0,
            "the later queries rank with kept lengths"
        );
    }

    /// The rows' lengths, kept from a connection's fourth query on: read once, then the rows
    /// added; all again when a stored article is edited (`meta.article_edits` moves). A table
    /// changed behind the count's back, or another FTS5 table, is ranked with FTS5's lookups.
    #[test]
    fn kept_lengths_follow_added_rows_and_edits() {
        let conn = corpus();
        conn.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT INTO meta VALUES ('article_edits', '0');
             CREATE VIRTUAL TABLE other USING fts5 (title, summary, body);
             INSERT INTO other VALUES ('Ferry', NULL, 'One ferry, two ferries, a ferry strike.'),
                                      ('Rain', NULL, 'Rain at sea.');",
        )
        .unwrap();
        let spec = "'newsdb_bm25(' || quote(?1) || ', 5.0, 2.0, 1.0)'";
        let bm25 = "'bm25(5.0, 2.0, 1.0)'";
        // Rows scored with kept lengths, after checking the scores equal bm25's.
        let check = |query: &str| {
            let used = kept_lengths_used();
            let ours = scores(&conn, query, spec);
            assert_eq!(ours, scores(&conn, query, bm25), "{query}");
            assert!(!ours.is_empty());
            kept_lengths_used() - used
        };
        // (FTS5 ranks `ORDER BY rank` in a query of its own, so a search ranks twice.)
        assert_eq!(check("ferry"), 0, "not kept for the first queries");
        let mut checks = 1;
        while check("ferry") == 0 {
            checks += 1;
            assert!(checks <= QUERIES_BEFORE_KEEPING_LENGTHS, "never kept");
        }

        conn.execute_batch(
            "INSERT INTO articles_fts VALUES ('Ferry news', NULL, 'The ferry, the ferry, a ferry.')",
        )
        .unwrap();
        // Kept lengths are used only when they count the table's rows and tokens.
        assert!(check("ferry") > 0, "the added row is read");

        // An edit, with the count moved as V21's triggers move it: everything read again.
        conn.execute_batch(
            "UPDATE articles_fts SET body = 'A ferry.' WHERE rowid = 1;
             UPDATE meta SET value = value + 1 WHERE key = 'article_edits';",
        )
        .unwrap();
        assert!(check("ferry") > 0);

        // An edit the count does not know of: the totals disagree, FTS5 looks lengths up.
        conn.execute_batch("UPDATE articles_fts SET body = 'Ferry.' WHERE rowid = 2")
            .unwrap();
        assert_eq!(check("ferry"), 0);
        conn.execute_batch("UPDATE meta SET value = value + 1 WHERE key = 'article_edits'")
            .unwrap();
        assert!(check("ferry") > 0);

        // Another table's totals are not the kept ones, nor are its words' counts.
        let used = kept_lengths_used();
        let ranked = |rank: &str| -> Vec<(i64, f64)> {
            conn.prepare(&format!(
                "SELECT rowid, rank FROM other WHERE other MATCH 'ferry' AND rank MATCH {rank}
                  ORDER BY rank"
            ))
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
        };
        assert_eq!(
            ranked("'newsdb_bm25(''ferry'', 5.0, 2.0, 1.0)'"),
            ranked(bm25)
        );
        assert_eq!(kept_lengths_used(), used);
    }

    /// A recording keeps the highest rows scored for its query text, whichever order the rows come
    /// in, and nothing of other queries or after it is finished.
    #[test]
    fn recorded_matches_are_the_highest_rows_scored_for_the_query() {
        let conn = Connection::open_in_memory().unwrap();
        let hooks = register(&conn).unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE articles_fts USING fts5 (title, summary, body);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
             INSERT INTO articles_fts (rowid, title, body)
             SELECT i, 'Ferry ' || i, iif(i % 2 = 0, 'A ferry to Oslo.', 'A ferry.') FROM n;",
        )
        .unwrap();
        let spec = "'newsdb_bm25(' || quote(?1) || ', 5.0, 2.0, 1.0)'";
        let in_order = |query: &str, order: &str| {
            let mut statement = conn
                .prepare(&format!(
                    "SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH ?1
                        AND rank MATCH {spec} ORDER BY {order}"
                ))
                .unwrap();
            let rows = statement.query_map([query], |row| row.get::<_, i64>(0));
            rows.unwrap().count()
        };
        for order in ["rank", "rowid", "rowid DESC"] {
            hooks.matches.start("oslo", 5);
            in_order("ferry", order);
            assert_eq!(in_order("oslo", order), 25);
            assert_eq!(hooks.matches.finish(), [50, 48, 46, 44, 42], "by {order}");
        }
        hooks.matches.start("ferry", 100);
        in_order("ferry", "rank");
        assert_eq!(hooks.matches.finish(), (1..=50).rev().collect::<Vec<i64>>());
        in_order("ferry", "rank");
        assert!(hooks.matches.finish().is_empty(), "no longer recording");

        // A query that began scoring for an earlier recording adds nothing to a later one.
        let mut statement = conn
            .prepare(&format!(
                "SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH ?1
                    AND rank MATCH {spec} ORDER BY rowid"
            ))
            .unwrap();
        hooks.matches.start("ferry", 100);
        let mut rows = statement.query(["ferry"]).unwrap();
        assert!(rows.next().unwrap().is_some());
        hooks.matches.start("ferry", 100);
        while rows.next().unwrap().is_some() {}
        drop(rows);
        assert!(
            hooks.matches.finish().is_empty(),
            "an earlier recording's query"
        );
    }

    #[test]
    fn kept_counts_follow_the_data() {
        let conn = corpus();
        let spec = "'newsdb_bm25(' || quote(?1) || ', 5.0, 2.0, 1.0)'";
        let bm25 = "'bm25(5.0, 2.0, 1.0)'";
        let before = scores(&conn, "ferry oslo", spec);
        assert_eq!(before, scores(&conn, "ferry oslo", bm25));
        conn.execute_batch(
            "INSERT INTO articles_fts VALUES ('Oslo ferry', NULL, 'Another ferry from Oslo.'),
                                  ('Oslo', NULL, 'Oslo again.');",
        )
        .unwrap();
        let after = scores(&conn, "ferry oslo", spec);
        assert_ne!(after, before);
        assert_eq!(after, scores(&conn, "ferry oslo", bm25));
    }

    /// Connections given the same [`SharedWordCounts`] count each word once between them, and
    /// again once after a commit; their scores stay bm25's.
    #[test]
    fn connections_sharing_word_counts_count_each_word_once() {
        let path =
            std::env::temp_dir().join(format!("newsdb-shared-{}.sqlite", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 INSERT INTO meta VALUES ('article_edits', '0');
                 CREATE VIRTUAL TABLE articles_fts USING fts5 (title, summary, body);
                 INSERT INTO articles_fts VALUES ('Ferry', NULL, 'A ferry to Oslo.'),
                                                 ('Rain', NULL, 'Rain in Oslo.'),
                                                 ('Strike', NULL, 'A ferry strike.');",
            )
            .unwrap();
        let shared = Arc::new(SharedWordCounts::default());
        let readers: Vec<Connection> = (0..2)
            .map(|_| {
                let reader = Connection::open(&path).unwrap();
                *register(&reader).unwrap().word_counts.lock().unwrap() = Some(Arc::clone(&shared));
                reader
            })
            .collect();
        let spec = "'newsdb_bm25(' || quote(?1) || ', 5.0, 2.0, 1.0)'";
        let bm25 = "'bm25(5.0, 2.0, 1.0)'";
        // Words counted for `query` on `reader`, after checking its scores equal bm25's.
        let counted = |reader: &Connection, query: &str| {
            let before = WORDS_COUNTED.with(Cell::get);
            let ours = scores(reader, query, spec);
            let counted = WORDS_COUNTED.with(Cell::get) - before;
            assert_eq!(ours, scores(reader, query, bm25), "{query}");
            counted
        };
        // Until each keeps lengths (which vouch for what the counts count), each counts alone.
        for reader in &readers {
            for _ in 0..QUERIES_BEFORE_KEEPING_LENGTHS {
                counted(reader, "rain");
            }
        }
        assert_eq!(counted(&readers[0], "oslo"), 1);
        assert_eq!(
            counted(&readers[1], "oslo"),
            0,
            "counted by the other connection"
        );
        writer
            .execute_batch("INSERT INTO articles_fts VALUES ('Oslo', NULL, 'Oslo ferry news.')")
            .unwrap();
        assert_eq!(counted(&readers[1], "oslo ferry"), 2);
        assert_eq!(counted(&readers[0], "oslo ferry"), 0);
        drop((readers, writer));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    #[test]
    fn another_connections_commit_renews_the_counts() {
        let path = std::env::temp_dir().join(format!("newsdb-rank-{}.sqlite", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 CREATE VIRTUAL TABLE articles_fts USING fts5 (title, summary, body);
                 INSERT INTO articles_fts VALUES ('Ferry', NULL, 'A ferry to Oslo.'), ('Rain', NULL, 'Rain.');",
            )
            .unwrap();
        let reader = Connection::open(&path).unwrap();
        register(&reader).unwrap();
        let spec = "'newsdb_bm25(' || quote(?1) || ', 5.0, 2.0, 1.0)'";
        let bm25 = "'bm25(5.0, 2.0, 1.0)'";
        let before = scores(&reader, "ferry", spec);
        writer
            .execute_batch("INSERT INTO articles_fts VALUES ('Ferry again', NULL, 'Ferry, ferry.')")
            .unwrap();
        let after = scores(&reader, "ferry", spec);
        assert_ne!(after, before);
        assert_eq!(after, scores(&reader, "ferry", bm25));
        drop((reader, writer));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
