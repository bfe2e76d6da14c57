//! `newsdb import` (and so `fetch`) into PostgreSQL: the batches of the import pipeline written
//! with the same meanings as the SQLite store's writer (see `store::write_batch` and
//! `store::arrivals`), by several importers at once.
//!
//! **One batch, one transaction, a few statements.** The batch is decided in Rust first, in input
//! order, exactly as the SQLite writer decides it: which articles are new (their content is not
//! stored, nor earlier in the batch), which are copies of stored ones and which fields a copy
//! fills, which new articles are new versions of a known URL. Then each table gets its rows with
//! one `INSERT ... SELECT FROM unnest(arrays)`: a round trip per table, not per row.
//!
//! **Many writers.** Every statement that may meet another importer's rows takes its locks in a
//! fixed key order (`ORDER BY` the unique key): sources, authors, entities, aliases, articles by
//! content hash, sightings by their place, entity totals by entity. Dictionary rows (sources,
//! authors, entities, aliases, URLs) are `ON CONFLICT DO NOTHING` and read again, so two importers
//! naming the same new source both get its one id. Articles are inserted `ON CONFLICT DO
//! NOTHING` under a savepoint: when another importer stored some of the batch's contents
//! meanwhile (the insert waits for it to commit), the insert is undone and the batch decided
//! again in the same transaction, with those contents now known (their arrivals become
//! sightings); each such round settles at least one content. A deadlock or a serialization
//! failure rolls the batch back and tries it again, up to [`ATTEMPTS`] times.
//!
//! **Entity totals** are counted by this writer, not by the per-statement recount triggers of
//! `V14__entity_totals.sql` (paused for the transaction with the `newsdb.entity_totals` setting,
//! `V17`): a batch adds its new mentions to the totals with increments, which commute, after
//! locking its entities' rows in id order, so importers that share entities never lose an update.
//! A stored article whose date a copy fills has its entities recounted under the same locks.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Duration;

use postgres::Transaction;
use postgres::error::SqlState;

use super::stories::{PgStoryTables, STORIES_LOCK};
use super::{PgStore, describe};
use crate::entities::imported::alias_text;
use crate::entities::{Corrections, EntityKind, Mention, Method, alias_key};
use crate::item::ImportError;
use crate::normalize::url::without_credentials;
use crate::normalize::{Article, Person, SourceName};
use crate::pipeline::{ContentIndex, ImportTarget};
use crate::store::arrivals::{Field, Fields};
use crate::store::packed_mentions::{MentionRow, PackedRow, pack};
use crate::store::stories::{ArticleSketch, place_new_articles};
use crate::store::{
    BatchEntry, BatchOutcome, ImportCounts, ImportId, OpenOptions, StoreError, WriteOptions,
    now_utc,
};

/// How many times a batch is tried when it meets another writer (a deadlock, a serialization
/// failure, content stored meanwhile).
pub const ATTEMPTS: u32 = 8;

/// The ids this connection has learnt of rows nobody deletes (sources, authors). Emptied when a
/// batch rolls back: the ids it created are not real.
#[derive(Debug, Default)]
pub(super) struct ImportCaches {
    sources: HashMap<String, i64>,
    authors: HashMap<String, i64>,
}

impl PgStore {
    /// Starts an import run, as the SQLite store does.
    pub fn begin_import(&mut self, command: &str) -> Result<ImportId, StoreError> {
        let row = self
            .client
            .query_one(
                "INSERT INTO imports (started_at, command) VALUES ($1, $2) RETURNING id",
                &[&now_utc(), &without_credentials(command).as_ref()],
            )
            .map_err(|error| self.error("recording the import run", &error))?;
        Ok(ImportId(row.get(0)))
    }

    /// Records the final counts of an import run.
    pub fn finish_import(&mut self, id: ImportId, counts: &ImportCounts) -> Result<(), StoreError> {
        self.client
            .execute(
                "UPDATE imports SET finished_at = $2, inputs = $3, items = $4, new_articles = $5,
                        duplicates = $6, new_versions = $7, rejected = $8
                  WHERE id = $1",
                &[
                    &id.0,
                    &now_utc(),
                    &(counts.inputs as i64),
                    &(counts.items as i64),
                    &(counts.new_articles as i64),
                    &(counts.duplicates as i64),
                    &(counts.new_versions as i64),
                    &(counts.rejected as i64),
                ],
            )
            .map_err(|error| self.error("recording the import counts", &error))?;
        Ok(())
    }

    /// The user's entity corrections: ignored surfaces and user aliases.
    pub fn corrections(&mut self) -> Result<Corrections, StoreError> {
        let what = "reading the entity corrections";
        let mut corrections = Corrections::default();
        let ignored = self
            .client
            .query("SELECT key FROM entity_ignores", &[])
            .map_err(|error| self.error(what, &error))?;
        corrections
            .ignored
            .extend(ignored.iter().map(|row| row.get::<_, String>(0)));
        let aliases = self
            .client
            .query(
                "SELECT a.key, e.kind, e.name FROM entity_aliases a
                   JOIN entities e ON e.id = a.entity_id
                  WHERE a.origin = 'user'",
                &[],
            )
            .map_err(|error| self.error(what, &error))?;
        for row in aliases {
            if let Some(kind) = EntityKind::from_name(row.get(1)) {
                corrections.aliases.insert(row.get(0), (kind, row.get(2)));
            }
        }
        Ok(corrections)
    }

    /// Which of these content hashes (lowercase hex) are stored.
    pub fn known_hashes(&mut self, hashes: &[String]) -> Result<Vec<String>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT content_hash FROM articles WHERE content_hash = ANY ($1)",
                &[&hashes],
            )
            .map_err(|error| self.error("looking up content hashes", &error))?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    /// Writes one batch in one transaction (see the module header), trying again when another
    /// writer got in the way; with `commit` false it is rolled back (a dry run).
    pub fn write_batch(
        &mut self,
        import: Option<ImportId>,
        entries: &[BatchEntry],
        options: WriteOptions,
        commit: bool,
    ) -> Result<BatchOutcome, StoreError> {
        let import = import.map(|ImportId(id)| id);
        self.write_retrying("writing a batch", commit, |tx, caches| {
            Batch {
                tx,
                caches,
                import,
                options,
                seen_at: now_utc(),
            }
            .write(entries)
        })
    }

    /// Runs `work` in a transaction, committed (or with `commit` false rolled back), and runs
    /// it again when it met another writer (a deadlock, a serialization failure, a row stored
    /// meanwhile), up to [`ATTEMPTS`] times. The import caches are emptied when the
    /// transaction does not commit: the ids it created are not real.
    pub(super) fn write_retrying<T>(
        &mut self,
        what: &str,
        commit: bool,
        mut work: impl FnMut(&mut Transaction<'_>, &mut ImportCaches) -> Result<T, WriteError>,
    ) -> Result<T, StoreError> {
        let mut attempt = 1;
        loop {
            let mut transaction =
                self.client
                    .transaction()
                    .map_err(|error| StoreError::Server {
                        context: format!("{}: {what}", self.shown),
                        reason: describe(&error),
                    })?;
            let finished = match work(&mut transaction, &mut self.import_caches) {
                Ok(done) if commit => transaction.commit().map(|()| done).map_err(From::from),
                Ok(done) => transaction.rollback().map(|()| done).map_err(From::from),
                Err(error) => Err(error),
            };
            if !commit || finished.is_err() {
                self.import_caches = ImportCaches::default();
            }
            match finished {
                Err(error) if attempt < ATTEMPTS && error.is_contention() => {
                    // Let the writer we met commit first, then read what it stored.
                    std::thread::sleep(Duration::from_millis(20 * u64::from(attempt)));
                    attempt += 1;
                }
                Err(error) => {
                    return Err(StoreError::Server {
                        context: format!("{}: {what}", self.shown),
                        reason: error.describe(),
                    });
                }
                Ok(done) => return Ok(done),
            }
        }
    }
}

impl ImportTarget for PgStore {
    fn begin_import(&mut self, command: &str) -> Result<ImportId, StoreError> {
        PgStore::begin_import(self, command)
    }

    fn finish_import(&mut self, id: ImportId, counts: &ImportCounts) -> Result<(), StoreError> {
        PgStore::finish_import(self, id, counts)
    }

    fn corrections(&mut self) -> Result<Corrections, StoreError> {
        PgStore::corrections(self)
    }

    fn write_batch(
        &mut self,
        import: Option<ImportId>,
        entries: &[BatchEntry],
        options: WriteOptions,
        commit: bool,
    ) -> Result<BatchOutcome, StoreError> {
        PgStore::write_batch(self, import, entries, options, commit)
    }

    fn content_index(&self) -> Option<Box<dyn ContentIndex>> {
        let read_only = OpenOptions {
            read_only: true,
            ..OpenOptions::default()
        };
        let store = PgStore::open(&self.url, &read_only).ok()?;
        Some(Box::new(store))
    }

    fn database_file(&self) -> Option<&std::path::Path> {
        None
    }
}

impl ContentIndex for PgStore {
    fn known_hashes(&mut self, hashes: &[String]) -> Result<Vec<String>, StoreError> {
        PgStore::known_hashes(self, hashes)
    }
}

/// Why a write failed.
#[derive(Debug)]
pub(super) enum WriteError {
    Server(postgres::Error),
    /// Another writer changed rows this batch relies on.
    Contention(String),
    /// Something no retry changes.
    Failed(String),
}

impl From<postgres::Error> for WriteError {
    fn from(error: postgres::Error) -> WriteError {
        WriteError::Server(error)
    }
}

impl WriteError {
    /// Whether it came from meeting another writer: worth trying the batch again.
    fn is_contention(&self) -> bool {
        match self {
            WriteError::Contention(_) => true,
            WriteError::Failed(_) => false,
            WriteError::Server(error) => matches!(
                error.code(),
                Some(&SqlState::T_R_DEADLOCK_DETECTED)
                    | Some(&SqlState::T_R_SERIALIZATION_FAILURE)
                    | Some(&SqlState::UNIQUE_VIOLATION)
                    // An entity merged away (`entity merge`) after this writer looked it up:
                    // tried again, its key finds the entity it went into.
                    | Some(&SqlState::FOREIGN_KEY_VIOLATION)
            ),
        }
    }

    fn describe(&self) -> String {
        match self {
            WriteError::Server(error) => describe(error),
            WriteError::Contention(reason) | WriteError::Failed(reason) => reason.clone(),
        }
    }
}

/// An article of the batch: new (its index among the batch's new articles) or stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum ArticleRef {
    New(usize),
    Stored(i64),
}

/// A new article as it will be stored: its first arrival, with what later copies in the batch
/// filled in.
struct NewArticle<'a> {
    article: &'a Article,
    mentions: &'a [Mention],
    /// Its sketch, to place it in a story (None: stories are off).
    sketch: Option<&'a ArticleSketch>,
    summary: Option<&'a str>,
    url: Option<&'a str>,
    language: Option<&'a str>,
    published_at: Option<&'a str>,
    published_raw: Option<&'a str>,
    publisher: Option<&'a SourceName>,
    authors: &'a [Person],
    credits: &'a [SourceName],
}

impl<'a> NewArticle<'a> {
    fn of(
        article: &'a Article,
        mentions: &'a [Mention],
        sketch: Option<&'a ArticleSketch>,
    ) -> NewArticle<'a> {
        NewArticle {
            article,
            mentions,
            sketch,
            summary: article.summary.as_deref(),
            url: article.url.as_deref(),
            language: article.language.as_deref(),
            published_at: article.published_at.as_deref(),
            published_raw: article.published_raw.as_deref(),
            publisher: article.publisher.as_ref(),
            authors: &article.authors,
            credits: &article.credits,
        }
    }

    /// Takes the `filled` fields from a later copy.
    fn fill(&mut self, filled: Fields, copy: &'a Article) {
        for field in filled.iter() {
            match field {
                Field::Summary => self.summary = copy.summary.as_deref(),
                Field::Url => self.url = copy.url.as_deref(),
                Field::Language => self.language = copy.language.as_deref(),
                Field::PublishedAt => self.published_at = copy.published_at.as_deref(),
                Field::PublishedRaw => self.published_raw = copy.published_raw.as_deref(),
                Field::Publisher => self.publisher = copy.publisher.as_ref(),
                Field::Authors => self.authors = &copy.authors,
                Field::Credits => self.credits = &copy.credits,
            }
        }
    }
}

/// What copies fill in a stored article: each column from the first copy that has it.
#[derive(Default)]
struct StoredFill<'a> {
    summary: Option<&'a str>,
    url: Option<&'a str>,
    language: Option<&'a str>,
    published_at: Option<&'a str>,
    published_raw: Option<&'a str>,
    publisher: Option<&'a SourceName>,
}

/// One sighting row as the batch leaves it: arrivals from one place under one title, counted.
struct Sighting<'a> {
    article: ArticleRef,
    origin: String,
    locator: Option<String>,
    title: Option<&'a str>,
    times: i64,
    filled: Vec<String>,
}

/// The state of one batch transaction.
struct Batch<'t, 'c> {
    tx: &'t mut Transaction<'c>,
    caches: &'t mut ImportCaches,
    import: Option<i64>,
    options: WriteOptions,
    seen_at: String,
}

/// The stored article of a content: its id and the fields it lacks.
type Stored = HashMap<String, (i64, Fields)>;

impl<'a> Batch<'_, '_> {
    fn write(&mut self, entries: &'a [BatchEntry]) -> Result<BatchOutcome, WriteError> {
        self.tx
            .batch_execute("SET LOCAL newsdb.entity_totals = 'paused'")?;
        let articles: Vec<&Article> = entries
            .iter()
            .filter_map(|entry| match entry {
                BatchEntry::Article { article, .. } => Some(article.as_ref()),
                BatchEntry::Rejected(_) => None,
            })
            .collect();
        // A round that meets contents another importer stored meanwhile decides again with them
        // stored; each such round settles at least one content, so rounds are few and bounded.
        for _ in 0..=articles.len() {
            let stored = self.stored_articles(&articles)?;
            let known_identifiers = self.known_identifiers(&articles, &stored)?;
            let plan = plan(entries, &stored, &known_identifiers);
            self.resolve_names(&plan.new, &plan.fills, &plan.filled_links)?;
            if let Some(ids) = self.store_new_articles(&plan.new)? {
                return self.write_rows(plan, &ids);
            }
        }
        Err(WriteError::Contention(
            "other importers kept storing this batch's articles first".into(),
        ))
    }

    /// Phase two: the rows of a planned batch whose new articles are stored under `ids`.
    fn write_rows(&mut self, plan: Plan<'a>, ids: &[i64]) -> Result<BatchOutcome, WriteError> {
        let Plan {
            outcome,
            new,
            fills,
            filled_links,
            urls,
            sightings,
            rejects,
        } = plan;
        let id = |target: ArticleRef| match target {
            ArticleRef::New(index) => ids[index],
            ArticleRef::Stored(id) => id,
        };
        let dated = self.fill_stored_articles(&fills)?;
        self.link_sources_and_authors(&new, ids, &filled_links, &id)?;
        self.store_categories_and_raw(&new, ids)?;
        self.store_urls(&urls, &id)?;
        self.store_sightings(&sightings, &id)?;
        let stored_mentions = self.store_mentions(&new, ids)?;
        self.count_entity_totals(ids, stored_mentions, &dated)?;
        if stored_mentions {
            self.record_extractor_version()?;
        }
        self.store_rejects(&rejects)?;
        self.place_in_stories(&new, ids)?;
        Ok(outcome)
    }

    /// Places the new articles in stories, one batch at a time across importers (see
    /// `stories`); last, so the lock is held only while placing.
    fn place_in_stories(&mut self, new: &[NewArticle<'_>], ids: &[i64]) -> Result<(), WriteError> {
        let sketched: Vec<(i64, &ArticleSketch)> = new
            .iter()
            .zip(ids)
            .filter_map(|(article, &id)| article.sketch.map(|sketch| (id, sketch)))
            .collect();
        if sketched.is_empty() {
            return Ok(());
        }
        self.tx
            .execute("SELECT pg_advisory_xact_lock($1)", &[&STORIES_LOCK])?;
        let mut tables = PgStoryTables::new(self.tx);
        place_new_articles(&mut tables, &sketched, &self.seen_at)?;
        Ok(())
    }

    /// The stored articles among the batch's contents, with the fields each lacks.
    fn stored_articles(&mut self, articles: &[&Article]) -> Result<Stored, postgres::Error> {
        let hashes: Vec<String> = articles.iter().map(|a| a.hash.to_hex()).collect();
        let rows = self.tx.query(
            "SELECT content_hash, id, summary IS NULL, url IS NULL, language IS NULL,
                    published_at IS NULL, published_raw IS NULL, source_id IS NULL,
                    NOT EXISTS (SELECT 1 FROM article_authors WHERE article_id = articles.id),
                    NOT EXISTS (SELECT 1 FROM article_sources
                                 WHERE article_id = articles.id AND role = 'credit')
               FROM articles WHERE content_hash = ANY ($1)",
            &[&hashes],
        )?;
        Ok(rows
            .iter()
            .map(|row| {
                let gaps: Fields = (2..)
                    .zip(Field::ALL)
                    .filter(|(column, _)| row.get::<_, bool>(*column))
                    .map(|(_, field)| field)
                    .collect();
                (row.get(0), (row.get(1), gaps))
            })
            .collect())
    }

    /// The URLs and GUIDs of the batch's unstored articles that some stored article has.
    fn known_identifiers(
        &mut self,
        articles: &[&Article],
        stored: &Stored,
    ) -> Result<HashSet<(String, String)>, postgres::Error> {
        let (kinds, values): (Vec<&str>, Vec<&str>) = articles
            .iter()
            .filter(|article| !stored.contains_key(&article.hash.to_hex()))
            .flat_map(|article| article.identifiers())
            .map(|(kind, value)| (kind.name(), value))
            .unzip();
        if kinds.is_empty() {
            return Ok(HashSet::new());
        }
        let rows = self.tx.query(
            "SELECT DISTINCT u.kind, u.value
               FROM unnest($1::text[], $2::text[]) AS w (kind, value)
               JOIN article_urls u ON u.kind = w.kind AND u.value = w.value",
            &[&kinds, &values],
        )?;
        Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
    }

    /// Finds or creates every source and author the batch's rows name.
    fn resolve_names(
        &mut self,
        new: &[NewArticle<'_>],
        fills: &HashMap<i64, StoredFill<'_>>,
        filled_links: &[(ArticleRef, Fields, &Article)],
    ) -> Result<(), WriteError> {
        let mut sources: Vec<&SourceName> = Vec::new();
        let mut authors: Vec<&Person> = Vec::new();
        for article in new {
            sources.extend(article.publisher);
            sources.extend(article.credits);
            authors.extend(article.authors);
        }
        sources.extend(fills.values().filter_map(|fill| fill.publisher));
        for (_, filled, article) in filled_links {
            if filled.contains(Field::Credits) {
                sources.extend(&article.credits);
            }
            if filled.contains(Field::Authors) {
                authors.extend(&article.authors);
            }
        }
        sources.retain(|source| !self.caches.sources.contains_key(&source.key));
        authors.retain(|author| !self.caches.authors.contains_key(&author.key));
        if !sources.is_empty() {
            let found = upsert_names(self.tx, &sources)?;
            self.caches.sources.extend(found);
        }
        if !authors.is_empty() {
            let found = upsert_authors(self.tx, &authors)?;
            self.caches.authors.extend(found);
        }
        Ok(())
    }

    fn source_id(&self, source: &SourceName) -> i64 {
        self.caches.sources[&source.key]
    }

    /// Stores the new articles under ids taken from the sequence in input order, inserting in
    /// content-hash order; returns their ids.
    fn store_new_articles(
        &mut self,
        new: &[NewArticle<'_>],
    ) -> Result<Option<Vec<i64>>, postgres::Error> {
        if new.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let count = new.len() as i64;
        let mut ids: Vec<i64> = self
            .tx
            .query(
                "SELECT nextval(pg_get_serial_sequence('articles', 'id'))
                   FROM generate_series(1, $1::bigint)",
                &[&count],
            )?
            .iter()
            .map(|row| row.get(0))
            .collect();
        ids.sort_unstable();
        let hashes: Vec<String> = new.iter().map(|a| a.article.hash.to_hex()).collect();
        let titles: Vec<Option<&str>> = new.iter().map(|a| a.article.title.as_deref()).collect();
        let bodies: Vec<&str> = new.iter().map(|a| a.article.body.as_str()).collect();
        let summaries: Vec<Option<&str>> = new.iter().map(|a| a.summary).collect();
        let urls: Vec<Option<&str>> = new.iter().map(|a| a.url).collect();
        let languages: Vec<Option<&str>> = new.iter().map(|a| a.language).collect();
        let published: Vec<Option<&str>> = new.iter().map(|a| a.published_at).collect();
        let published_raw: Vec<Option<&str>> = new.iter().map(|a| a.published_raw).collect();
        let word_counts: Vec<i64> = new
            .iter()
            .map(|a| i64::from(a.article.word_count))
            .collect();
        let publishers: Vec<Option<i64>> = new
            .iter()
            .map(|a| a.publisher.map(|source| self.source_id(source)))
            .collect();
        // A content another importer stored meanwhile (this insert waits for it to commit) is
        // not inserted: the insert is then undone and the batch decided again.
        self.tx.batch_execute("SAVEPOINT new_articles")?;
        let inserted = self.tx.execute(
            "INSERT INTO articles (id, content_hash, title, body, summary, url, language,
                                   published_at, published_raw, word_count, source_id, import_id)
             SELECT a.*, $12::bigint
               FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                           $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[],
                           $11::bigint[])
                    AS a (id, content_hash, title, body, summary, url, language, published_at,
                          published_raw, word_count, source_id)
              ORDER BY a.content_hash
             ON CONFLICT (content_hash) DO NOTHING",
            &[
                &ids,
                &hashes,
                &titles,
                &bodies,
                &summaries,
                &urls,
                &languages,
                &published,
                &published_raw,
                &word_counts,
                &publishers,
                &self.import,
            ],
        )?;
        if inserted == count as u64 {
            self.tx.batch_execute("RELEASE SAVEPOINT new_articles")?;
            Ok(Some(ids))
        } else {
            self.tx
                .batch_execute("ROLLBACK TO SAVEPOINT new_articles")?;
            Ok(None)
        }
    }

    /// Gives stored articles the columns their copies filled (never overwriting one another
    /// writer filled first); returns the ids whose date changed.
    fn fill_stored_articles(
        &mut self,
        fills: &HashMap<i64, StoredFill<'_>>,
    ) -> Result<Vec<i64>, postgres::Error> {
        if fills.is_empty() {
            return Ok(Vec::new());
        }
        let mut ids: Vec<i64> = fills.keys().copied().collect();
        ids.sort_unstable();
        let fill = |id: &i64| &fills[id];
        let summaries: Vec<Option<&str>> = ids.iter().map(|id| fill(id).summary).collect();
        let urls: Vec<Option<&str>> = ids.iter().map(|id| fill(id).url).collect();
        let languages: Vec<Option<&str>> = ids.iter().map(|id| fill(id).language).collect();
        let published: Vec<Option<&str>> = ids.iter().map(|id| fill(id).published_at).collect();
        let published_raw: Vec<Option<&str>> =
            ids.iter().map(|id| fill(id).published_raw).collect();
        let publishers: Vec<Option<i64>> = ids
            .iter()
            .map(|id| fills[id].publisher.map(|source| self.source_id(source)))
            .collect();
        self.tx.execute(
            "UPDATE articles AS a
                SET summary = coalesce(a.summary, f.summary),
                    url = coalesce(a.url, f.url),
                    language = coalesce(a.language, f.language),
                    published_at = coalesce(a.published_at, f.published_at),
                    published_raw = coalesce(a.published_raw, f.published_raw),
                    source_id = coalesce(a.source_id, f.source_id)
               FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                           $6::text[], $7::bigint[])
                    AS f (id, summary, url, language, published_at, published_raw, source_id)
              WHERE a.id = f.id",
            &[
                &ids,
                &summaries,
                &urls,
                &languages,
                &published,
                &published_raw,
                &publishers,
            ],
        )?;
        Ok(ids
            .iter()
            .copied()
            .filter(|id| fills[id].published_at.is_some())
            .collect())
    }

    /// Publishers, credits and authors of the new articles, and those copies gave stored ones.
    fn link_sources_and_authors(
        &mut self,
        new: &[NewArticle<'_>],
        ids: &[i64],
        filled_links: &[(ArticleRef, Fields, &Article)],
        id: &dyn Fn(ArticleRef) -> i64,
    ) -> Result<(), WriteError> {
        let mut sources: BTreeSet<(i64, i64, &str, i64)> = BTreeSet::new();
        let mut authors: BTreeSet<(i64, i64, i64)> = BTreeSet::new();
        let mut link = |article_id: i64,
                        publisher: Option<&SourceName>,
                        credits: &[SourceName],
                        people: &[Person]| {
            if let Some(source) = publisher {
                sources.insert((article_id, self.source_id(source), "publisher", 0));
            }
            for (position, credit) in credits.iter().enumerate() {
                let key = (article_id, self.source_id(credit), "credit");
                if !sources.iter().any(|s| (s.0, s.1, s.2) == key) {
                    sources.insert((key.0, key.1, key.2, position as i64));
                }
            }
            for (position, person) in people.iter().enumerate() {
                let author = self.caches.authors[&person.key];
                if !authors.iter().any(|a| (a.0, a.1) == (article_id, author)) {
                    authors.insert((article_id, author, position as i64));
                }
            }
        };
        for (article, &article_id) in new.iter().zip(ids) {
            link(
                article_id,
                article.publisher,
                article.credits,
                article.authors,
            );
        }
        for &(target, filled, article) in filled_links {
            let publisher = article
                .publisher
                .as_ref()
                .filter(|_| filled.contains(Field::Publisher));
            let credits: &[SourceName] = if filled.contains(Field::Credits) {
                &article.credits
            } else {
                &[]
            };
            let people: &[Person] = if filled.contains(Field::Authors) {
                &article.authors
            } else {
                &[]
            };
            link(id(target), publisher, credits, people);
        }
        if !sources.is_empty() {
            let (articles, rest): (Vec<i64>, Vec<_>) =
                sources.iter().map(|s| (s.0, (s.1, s.2, s.3))).unzip();
            let source_ids: Vec<i64> = rest.iter().map(|r| r.0).collect();
            let roles: Vec<&str> = rest.iter().map(|r| r.1).collect();
            let positions: Vec<i64> = rest.iter().map(|r| r.2).collect();
            self.tx.execute(
                "INSERT INTO article_sources (article_id, source_id, role, position)
                 SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[])
                 ON CONFLICT DO NOTHING",
                &[&articles, &source_ids, &roles, &positions],
            )?;
        }
        if !authors.is_empty() {
            let articles: Vec<i64> = authors.iter().map(|a| a.0).collect();
            let author_ids: Vec<i64> = authors.iter().map(|a| a.1).collect();
            let positions: Vec<i64> = authors.iter().map(|a| a.2).collect();
            self.tx.execute(
                "INSERT INTO article_authors (article_id, author_id, position)
                 SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])
                 ON CONFLICT DO NOTHING",
                &[&articles, &author_ids, &positions],
            )?;
        }
        Ok(())
    }

    /// Categories (the first position of a repeated one) and raw copies of the new articles.
    fn store_categories_and_raw(
        &mut self,
        new: &[NewArticle<'_>],
        ids: &[i64],
    ) -> Result<(), WriteError> {
        let mut category_rows: Vec<(i64, &str, i64)> = Vec::new();
        for (article, &id) in new.iter().zip(ids) {
            let mut seen = HashSet::new();
            for (position, category) in article.article.categories.iter().enumerate() {
                if seen.insert(category.as_str()) {
                    category_rows.push((id, category, position as i64));
                }
            }
        }
        if !category_rows.is_empty() {
            let articles: Vec<i64> = category_rows.iter().map(|c| c.0).collect();
            let categories: Vec<&str> = category_rows.iter().map(|c| c.1).collect();
            let positions: Vec<i64> = category_rows.iter().map(|c| c.2).collect();
            self.tx.execute(
                "INSERT INTO article_categories (article_id, category, position)
                 SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[])",
                &[&articles, &categories, &positions],
            )?;
        }
        if self.options.keep_raw && !new.is_empty() {
            let formats: Vec<&str> = new.iter().map(|a| a.article.format.name()).collect();
            let origins: Vec<String> = new
                .iter()
                .map(|a| without_credentials(&a.article.location.origin).into_owned())
                .collect();
            let locators: Vec<Option<String>> =
                new.iter().map(|a| a.article.location.locator()).collect();
            let codecs: Vec<&str> = new.iter().map(|a| a.article.raw_codec.name()).collect();
            let bytes: Vec<&[u8]> = new.iter().map(|a| a.article.raw.as_slice()).collect();
            self.tx.execute(
                "INSERT INTO article_raw (article_id, format, origin, locator, codec, bytes)
                 SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[],
                                      $5::text[], $6::bytea[])",
                &[&ids, &formats, &origins, &locators, &codecs, &bytes],
            )?;
        }
        Ok(())
    }

    /// Every URL and GUID an arrival came under, for its article.
    fn store_urls(
        &mut self,
        urls: &[(ArticleRef, &str, &str)],
        id: &dyn Fn(ArticleRef) -> i64,
    ) -> Result<(), WriteError> {
        let rows: BTreeSet<(&str, &str, i64)> = urls
            .iter()
            .map(|&(target, kind, value)| (kind, value, id(target)))
            .collect();
        if rows.is_empty() {
            return Ok(());
        }
        let kinds: Vec<&str> = rows.iter().map(|r| r.0).collect();
        let values: Vec<&str> = rows.iter().map(|r| r.1).collect();
        let articles: Vec<i64> = rows.iter().map(|r| r.2).collect();
        self.tx.execute(
            "INSERT INTO article_urls (kind, value, article_id)
             SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
             ON CONFLICT DO NOTHING",
            &[&kinds, &values, &articles],
        )?;
        Ok(())
    }

    /// Counts the batch's arrivals on their sightings (see `store::arrivals`), in place order.
    fn store_sightings(
        &mut self,
        sightings: &[Sighting<'_>],
        id: &dyn Fn(ArticleRef) -> i64,
    ) -> Result<(), WriteError> {
        if sightings.is_empty() {
            return Ok(());
        }
        let mut rows: Vec<(i64, &Sighting<'_>)> =
            sightings.iter().map(|s| (id(s.article), s)).collect();
        rows.sort_by(|a, b| {
            (a.0, &a.1.origin, a.1.title.unwrap_or("")).cmp(&(
                b.0,
                &b.1.origin,
                b.1.title.unwrap_or(""),
            ))
        });
        let articles: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let origins: Vec<&str> = rows.iter().map(|r| r.1.origin.as_str()).collect();
        let locators: Vec<Option<&str>> = rows.iter().map(|r| r.1.locator.as_deref()).collect();
        let titles: Vec<Option<&str>> = rows.iter().map(|r| r.1.title).collect();
        let times: Vec<i64> = rows.iter().map(|r| r.1.times).collect();
        let filled: Vec<Option<String>> = rows
            .iter()
            .map(|r| (!r.1.filled.is_empty()).then(|| r.1.filled.join(",")))
            .collect();
        self.tx.execute(
            "INSERT INTO sightings (article_id, import_id, feed_id, origin, locator, title,
                                    first_seen_at, last_seen_at, times_seen, filled)
             SELECT s.article_id, $7::bigint, $8::bigint, s.origin, s.locator, s.title, $9, $9,
                    s.times_seen, s.filled
               FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[],
                           $6::text[])
                    AS s (article_id, origin, locator, title, times_seen, filled)
             ON CONFLICT (article_id, origin, (coalesce(title, ''))) DO UPDATE
                SET last_seen_at = excluded.last_seen_at,
                    times_seen = sightings.times_seen + excluded.times_seen,
                    locator = excluded.locator,
                    feed_id = coalesce(sightings.feed_id, excluded.feed_id),
                    filled = CASE WHEN sightings.filled IS NULL THEN excluded.filled
                                  WHEN excluded.filled IS NULL THEN sightings.filled
                                  ELSE sightings.filled || ',' || excluded.filled END",
            &[
                &articles,
                &origins,
                &locators,
                &titles,
                &times,
                &filled,
                &self.import,
                &self.options.feed_id,
                &self.seen_at,
            ],
        )?;
        Ok(())
    }

    /// The new articles' mentions (see [`write_mentions`]). Returns whether any were stored.
    fn store_mentions(&mut self, new: &[NewArticle<'_>], ids: &[i64]) -> Result<bool, WriteError> {
        let articles: Vec<(i64, &[Mention])> = ids
            .iter()
            .zip(new)
            .map(|(&id, article)| (id, article.mentions))
            .collect();
        write_mentions(self.tx, &articles, &HashMap::new())
    }

    /// Adds the batch's new mentions to the entity totals and recounts the entities of stored
    /// articles whose date was filled, under the entities' row locks taken in id order.
    fn count_entity_totals(
        &mut self,
        new_ids: &[i64],
        stored_mentions: bool,
        dated: &[i64],
    ) -> Result<(), WriteError> {
        if !stored_mentions && dated.is_empty() {
            return Ok(());
        }
        let new_ids: &[i64] = if stored_mentions { new_ids } else { &[] };
        let recount: Vec<i64> = if dated.is_empty() {
            Vec::new()
        } else {
            self.tx
                .query(
                    "SELECT DISTINCT entity_id FROM article_entities WHERE article_id = ANY ($1)",
                    &[&dated],
                )?
                .iter()
                .map(|row| row.get(0))
                .collect()
        };
        self.tx.execute(
            "SELECT id FROM entities
              WHERE id IN (SELECT entity_id FROM article_entities WHERE article_id = ANY ($1))
                 OR id = ANY ($2)
              ORDER BY id
                FOR NO KEY UPDATE",
            &[&new_ids, &recount],
        )?;
        if !new_ids.is_empty() {
            self.tx.execute(
                "INSERT INTO entity_totals (entity_id, articles, mentions, first_seen, last_seen)
                 SELECT ae.entity_id, count(DISTINCT ae.article_id), sum(ae.mention_count),
                        min(coalesce(a.published_at, a.imported_at)),
                        max(coalesce(a.published_at, a.imported_at))
                   FROM article_entities ae JOIN articles a ON a.id = ae.article_id
                  WHERE ae.article_id = ANY ($1)
                  GROUP BY ae.entity_id
                  ORDER BY ae.entity_id
                 ON CONFLICT (entity_id) DO UPDATE
                    SET articles = entity_totals.articles + excluded.articles,
                        mentions = entity_totals.mentions + excluded.mentions,
                        first_seen = least(entity_totals.first_seen, excluded.first_seen),
                        last_seen = greatest(entity_totals.last_seen, excluded.last_seen)",
                &[&new_ids],
            )?;
            self.tx.execute(
                "INSERT INTO entity_months (entity_id, month, articles)
                 SELECT ae.entity_id, substr(coalesce(a.published_at, a.imported_at), 1, 7),
                        count(DISTINCT ae.article_id)
                   FROM article_entities ae JOIN articles a ON a.id = ae.article_id
                  WHERE ae.article_id = ANY ($1)
                  GROUP BY 1, 2
                  ORDER BY 1, 2
                 ON CONFLICT (entity_id, month) DO UPDATE
                    SET articles = entity_months.articles + excluded.articles",
                &[&new_ids],
            )?;
        }
        if !recount.is_empty() {
            self.tx
                .execute("SELECT entity_totals_refresh($1)", &[&recount])?;
        }
        Ok(())
    }

    /// Records the extractor version, unless it is already the stored one (an update would
    /// lock the row every importer's batch reads).
    fn record_extractor_version(&mut self) -> Result<(), WriteError> {
        let version = crate::entities::EXTRACTOR_VERSION;
        let stored = self
            .tx
            .query_opt(
                "SELECT value FROM meta WHERE key = 'extractor_version'",
                &[],
            )?
            .map(|row| row.get::<_, String>(0));
        if stored.as_deref() != Some(version) {
            self.tx.execute(
                "INSERT INTO meta (key, value) VALUES ('extractor_version', $1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&version],
            )?;
        }
        Ok(())
    }

    fn store_rejects(&mut self, rejects: &[&ImportError]) -> Result<(), WriteError> {
        if rejects.is_empty() {
            return Ok(());
        }
        let origins: Vec<String> = rejects
            .iter()
            .map(|e| without_credentials(&e.location.origin).into_owned())
            .collect();
        let locators: Vec<Option<String>> = rejects.iter().map(|e| e.location.locator()).collect();
        let reasons: Vec<&str> = rejects.iter().map(|e| e.reason.as_str()).collect();
        self.tx.execute(
            "INSERT INTO import_rejects (import_id, origin, locator, reason)
             SELECT $1::bigint, r.* FROM unnest($2::text[], $3::text[], $4::text[])
                    AS r (origin, locator, reason)",
            &[&self.import, &origins, &locators, &reasons],
        )?;
        Ok(())
    }
}

/// What a batch writes, decided in input order before anything is written: what is new, what
/// is a copy of what and which fields it fills, URLs and sightings.
struct Plan<'a> {
    outcome: BatchOutcome,
    new: Vec<NewArticle<'a>>,
    fills: HashMap<i64, StoredFill<'a>>,
    filled_links: Vec<(ArticleRef, Fields, &'a Article)>,
    urls: Vec<(ArticleRef, &'static str, &'a str)>,
    sightings: Vec<Sighting<'a>>,
    rejects: Vec<&'a ImportError>,
}

/// Phase one, decided as the SQLite writer decides it (see `store::write_batch`): `stored` holds
/// the stored contents among the batch's, `known_identifiers` the URLs and GUIDs of stored
/// articles among the new ones'.
fn plan<'a>(
    entries: &'a [BatchEntry],
    stored: &Stored,
    known_identifiers: &HashSet<(String, String)>,
) -> Plan<'a> {
    let mut outcome = BatchOutcome::default();
    let mut new: Vec<NewArticle<'a>> = Vec::new();
    let mut new_by_hash: HashMap<String, usize> = HashMap::new();
    let mut gaps: HashMap<ArticleRef, Fields> = HashMap::new();
    let mut fills: HashMap<i64, StoredFill<'a>> = HashMap::new();
    let mut filled_links: Vec<(ArticleRef, Fields, &'a Article)> = Vec::new();
    let mut identifiers_seen: HashSet<(&'static str, &'a str)> = HashSet::new();
    let mut urls: Vec<(ArticleRef, &'static str, &'a str)> = Vec::new();
    let mut sightings: Vec<Sighting<'a>> = Vec::new();
    let mut sighting_index: HashMap<(ArticleRef, String, &'a str), usize> = HashMap::new();
    let mut rejects: Vec<&'a ImportError> = Vec::new();
    for entry in entries {
        let (article, mentions, sketch) = match entry {
            BatchEntry::Article {
                article,
                mentions,
                sketch,
            } => (article.as_ref(), mentions.as_slice(), sketch.as_deref()),
            BatchEntry::Rejected(error) => {
                rejects.push(error);
                outcome.rejected += 1;
                continue;
            }
        };
        let hash = article.hash.to_hex();
        let known = match new_by_hash.get(&hash) {
            Some(&index) => Some(ArticleRef::New(index)),
            None => stored.get(&hash).map(|&(id, _)| ArticleRef::Stored(id)),
        };
        let (target, filled) = match known {
            Some(target) => {
                outcome.duplicates += 1;
                let lacking = match target {
                    ArticleRef::Stored(_) => *gaps.entry(target).or_insert(stored[&hash].1),
                    ArticleRef::New(_) => gaps[&target],
                };
                let filled = lacking.and(Fields::offered_by(article));
                gaps.insert(target, lacking.without(filled));
                if !filled.is_empty() {
                    match target {
                        ArticleRef::New(index) => new[index].fill(filled, article),
                        ArticleRef::Stored(id) => {
                            fill_stored(fills.entry(id).or_default(), filled, article);
                            filled_links.push((target, filled, article));
                        }
                    }
                }
                (target, filled)
            }
            None => {
                let is_version = article.identifiers().any(|(kind, value)| {
                    identifiers_seen.contains(&(kind.name(), value))
                        || known_identifiers.contains(&(kind.name().to_owned(), value.to_owned()))
                });
                if is_version {
                    outcome.new_versions += 1;
                }
                outcome.new_articles += 1;
                let index = new.len();
                new.push(NewArticle::of(article, mentions, sketch));
                new_by_hash.insert(hash, index);
                let target = ArticleRef::New(index);
                gaps.insert(target, Fields::missing_from(article));
                (target, Fields::default())
            }
        };
        for (kind, value) in article.identifiers() {
            identifiers_seen.insert((kind.name(), value));
            urls.push((target, kind.name(), value));
        }
        let origin = without_credentials(&article.location.origin).into_owned();
        let place = (
            target,
            origin.clone(),
            article.title.as_deref().unwrap_or(""),
        );
        let index = *sighting_index.entry(place).or_insert_with(|| {
            sightings.push(Sighting {
                article: target,
                origin,
                locator: None,
                title: article.title.as_deref(),
                times: 0,
                filled: Vec::new(),
            });
            sightings.len() - 1
        });
        let sighting = &mut sightings[index];
        sighting.times += 1;
        sighting.locator = article.location.locator();
        if let Some(names) = filled.names() {
            sighting.filled.push(names);
        }
    }

    Plan {
        outcome,
        new,
        fills,
        filled_links,
        urls,
        sightings,
        rejects,
    }
}

/// Records in `fill` the columns a copy gives a stored article (the first copy's win).
fn fill_stored<'a>(fill: &mut StoredFill<'a>, filled: Fields, copy: &'a Article) {
    for field in filled.iter() {
        match field {
            Field::Summary => fill.summary = fill.summary.or(copy.summary.as_deref()),
            Field::Url => fill.url = fill.url.or(copy.url.as_deref()),
            Field::Language => fill.language = fill.language.or(copy.language.as_deref()),
            Field::PublishedAt => {
                fill.published_at = fill.published_at.or(copy.published_at.as_deref());
            }
            Field::PublishedRaw => {
                fill.published_raw = fill.published_raw.or(copy.published_raw.as_deref());
            }
            Field::Publisher => fill.publisher = fill.publisher.or(copy.publisher.as_ref()),
            Field::Authors | Field::Credits => {}
        }
    }
}

/// The first of `items` with each key, sorted by key: the order every writer locks rows in.
fn first_by_key<'a, T>(items: &[&'a T], key: impl Fn(&T) -> &str) -> Vec<&'a T> {
    let mut seen = HashSet::new();
    let mut unique: Vec<&'a T> = items
        .iter()
        .copied()
        .filter(|item| seen.insert(key(item)))
        .collect();
    unique.sort_by(|a, b| key(a).cmp(key(b)));
    unique
}

/// Finds or creates sources by key, in key order; a known source learns a home URL and domain
/// it lacked. Returns key -> id.
fn upsert_names(
    tx: &mut Transaction<'_>,
    sources: &[&SourceName],
) -> Result<Vec<(String, i64)>, postgres::Error> {
    let unique = first_by_key(sources, |source| source.key.as_str());
    let names: Vec<&str> = unique.iter().map(|s| s.name.as_str()).collect();
    let keys: Vec<&str> = unique.iter().map(|s| s.key.as_str()).collect();
    let homes: Vec<Option<&str>> = unique.iter().map(|s| s.home_url.as_deref()).collect();
    let domains: Vec<Option<&str>> = unique.iter().map(|s| s.domain.as_deref()).collect();
    tx.execute(
        "INSERT INTO sources (name, key, home_url, domain)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
                AS s (name, key, home_url, domain)
          ORDER BY s.key
         ON CONFLICT (key) DO NOTHING",
        &[&names, &keys, &homes, &domains],
    )?;
    // Only where something is missing and offered: an update locks the row until commit.
    tx.execute(
        "UPDATE sources AS s
            SET home_url = coalesce(s.home_url, w.home_url),
                domain = coalesce(s.domain, w.domain)
           FROM unnest($1::text[], $2::text[], $3::text[]) AS w (key, home_url, domain)
          WHERE s.key = w.key
            AND ((s.home_url IS NULL AND w.home_url IS NOT NULL)
                 OR (s.domain IS NULL AND w.domain IS NOT NULL))",
        &[&keys, &homes, &domains],
    )?;
    let rows = tx.query("SELECT key, id FROM sources WHERE key = ANY ($1)", &[&keys])?;
    Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
}

/// Finds or creates authors by key, in key order. Returns key -> id.
fn upsert_authors(
    tx: &mut Transaction<'_>,
    authors: &[&Person],
) -> Result<Vec<(String, i64)>, postgres::Error> {
    let unique = first_by_key(authors, |author| author.key.as_str());
    let names: Vec<&str> = unique.iter().map(|a| a.name.as_str()).collect();
    let keys: Vec<&str> = unique.iter().map(|a| a.key.as_str()).collect();
    tx.execute(
        "INSERT INTO authors (name, key)
         SELECT * FROM unnest($1::text[], $2::text[]) AS a (name, key)
          ORDER BY a.key
         ON CONFLICT (key) DO NOTHING",
        &[&names, &keys],
    )?;
    let rows = tx.query("SELECT key, id FROM authors WHERE key = ANY ($1)", &[&keys])?;
    Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
}

/// Stores the mentions of articles that have none stored (new ones, or ones whose rows were
/// just deleted): entities found or created (by key, else through a user alias of the key),
/// surfaces recorded as aliases, one packed row per (article, entity, field). An article's
/// `kept` rows (its imported mentions, on re-extraction) come first, so they keep their spans.
/// Returns whether any were stored.
pub(super) fn write_mentions(
    tx: &mut Transaction<'_>,
    articles: &[(i64, &[Mention])],
    kept: &HashMap<i64, Vec<MentionRow>>,
) -> Result<bool, WriteError> {
    let all = || articles.iter().flat_map(|(_, mentions)| mentions.iter());
    if all().next().is_none() && kept.is_empty() {
        return Ok(false);
    }
    let entities = resolve_entities(tx, all())?;
    // Each surface once per entity, with the origin of its first mention.
    let mut aliases: HashMap<(i64, &str), (String, &str)> = HashMap::new();
    for mention in all() {
        let entity = entities[&(mention.kind, mention.key.as_str())];
        let alias = alias_text(&mention.surface);
        if let Entry::Vacant(slot) = aliases.entry((entity, alias)) {
            let origin = if mention.method == Method::Import {
                "import"
            } else {
                "extracted"
            };
            slot.insert((alias_key(alias), origin));
        }
    }
    let mut alias_rows: Vec<_> = aliases.into_iter().collect();
    alias_rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let alias_entities: Vec<i64> = alias_rows.iter().map(|r| r.0.0).collect();
    let alias_texts: Vec<&str> = alias_rows.iter().map(|r| r.0.1).collect();
    let alias_keys: Vec<&str> = alias_rows.iter().map(|r| r.1.0.as_str()).collect();
    let alias_origins: Vec<&str> = alias_rows.iter().map(|r| r.1.1).collect();
    tx.execute(
        "INSERT INTO entity_aliases (entity_id, alias, key, origin)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[])
         ON CONFLICT DO NOTHING",
        &[&alias_entities, &alias_texts, &alias_keys, &alias_origins],
    )?;
    let mut packed = Vec::new();
    for &(id, mentions) in articles {
        let mut rows: Vec<MentionRow> = kept.get(&id).cloned().unwrap_or_default();
        rows.extend(mentions.iter().map(|mention| MentionRow {
            field: mention.field,
            start: mention.start as i64,
            end: mention.end as i64,
            entity_id: entities[&(mention.kind, mention.key.as_str())],
            sentence: i64::from(mention.sentence),
            method: mention.method,
            confidence: f64::from(mention.confidence).clamp(0.0, 1.0),
        }));
        packed.extend(pack(&rows).into_iter().map(|row| (id, row)));
    }
    insert_packed(tx, &packed)?;
    Ok(!packed.is_empty())
}

/// Inserts packed `article_entities` rows with one statement.
pub(super) fn insert_packed(
    tx: &mut Transaction<'_>,
    rows: &[(i64, PackedRow)],
) -> Result<(), postgres::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let articles: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let entity_ids: Vec<i64> = rows.iter().map(|(_, row)| row.entity_id).collect();
    let fields: Vec<&str> = rows.iter().map(|(_, row)| row.field.name()).collect();
    let counts: Vec<i64> = rows.iter().map(|(_, row)| row.mention_count).collect();
    let methods: Vec<&str> = rows.iter().map(|(_, row)| row.method.name()).collect();
    let confidences: Vec<f64> = rows.iter().map(|(_, row)| row.confidence).collect();
    let spans: Vec<&str> = rows.iter().map(|(_, row)| row.spans.as_str()).collect();
    tx.execute(
        "INSERT INTO article_entities (article_id, entity_id, field, mention_count, method,
                                       confidence, spans)
         SELECT m.article_id, m.entity_id, m.field, m.mention_count, m.method, m.confidence,
                m.spans::jsonb
           FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[],
                       $6::float8[], $7::text[])
                AS m (article_id, entity_id, field, mention_count, method, confidence, spans)",
        &[
            &articles,
            &entity_ids,
            &fields,
            &counts,
            &methods,
            &confidences,
            &spans,
        ],
    )?;
    Ok(())
}

/// The ids of every entity the mentions name: found by (kind, key), else through a user alias
/// of the key (a merge or `entity alias add`), else created under the first name given, in
/// (kind, key) order.
fn resolve_entities<'m>(
    tx: &mut Transaction<'_>,
    mentions: impl Iterator<Item = &'m Mention>,
) -> Result<HashMap<(EntityKind, &'m str), i64>, WriteError> {
    let mut wanted: Vec<&Mention> = Vec::new();
    let mut seen = HashSet::new();
    for mention in mentions {
        if seen.insert((mention.kind, mention.key.as_str())) {
            wanted.push(mention);
        }
    }
    const FIND: &str = "
        SELECT w.kind, w.key,
               coalesce((SELECT e.id FROM entities e WHERE e.kind = w.kind AND e.key = w.key),
                        (SELECT a.entity_id FROM entity_aliases a
                           JOIN entities e ON e.id = a.entity_id
                          WHERE a.key = w.key AND a.origin = 'user' AND e.kind = w.kind
                          ORDER BY a.entity_id LIMIT 1))
          FROM unnest($1::text[], $2::text[]) AS w (kind, key)";
    let mut ids: HashMap<(EntityKind, &'m str), i64> = HashMap::new();
    let find = |tx: &mut Transaction<'_>,
                wanted: &[&'m Mention],
                ids: &mut HashMap<(EntityKind, &'m str), i64>|
     -> Result<Vec<&'m Mention>, postgres::Error> {
        let kinds: Vec<&str> = wanted.iter().map(|m| m.kind.name()).collect();
        let keys: Vec<&str> = wanted.iter().map(|m| m.key.as_str()).collect();
        let rows = tx.query(FIND, &[&kinds, &keys])?;
        let mut missing = Vec::new();
        for (mention, row) in wanted.iter().zip(&rows) {
            match row.get::<_, Option<i64>>(2) {
                Some(id) => {
                    ids.insert((mention.kind, mention.key.as_str()), id);
                }
                None => missing.push(*mention),
            }
        }
        Ok(missing)
    };
    let mut missing = find(tx, &wanted, &mut ids)?;
    if !missing.is_empty() {
        missing.sort_by(|a, b| (a.kind.name(), &a.key).cmp(&(b.kind.name(), &b.key)));
        let kinds: Vec<&str> = missing.iter().map(|m| m.kind.name()).collect();
        let names: Vec<&str> = missing.iter().map(|m| m.name.as_str()).collect();
        let keys: Vec<&str> = missing.iter().map(|m| m.key.as_str()).collect();
        let external: Vec<Option<&str>> = missing
            .iter()
            .map(|m| crate::entities::external_id(m.kind, &m.key))
            .collect();
        tx.execute(
            "INSERT INTO entities (kind, name, key, external_id)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
                    AS e (kind, name, key, external_id)
              ORDER BY e.kind, e.key
             ON CONFLICT (kind, key) DO NOTHING",
            &[&kinds, &names, &keys, &external],
        )?;
        let still = find(tx, &missing, &mut ids)?;
        if let Some(mention) = still.first() {
            // Created above or by another writer: only one deleted meanwhile can be missing.
            return Err(WriteError::Contention(format!(
                "the entity {} was deleted while this batch named it",
                mention.key
            )));
        }
    }
    Ok(ids)
}
