//! Placing a batch's new articles in stories, inside the batch's transaction, on either
//! backend: the rule is here once ([`place_new_articles`]); each backend gives the rows it reads
//! and writes through [`StoryTables`] (SQLite's below, PostgreSQL's in `backend::postgres`).
//!
//! Per batch: every distinct key of the batch is looked up once, in sorted order; the batch's
//! own articles find each other through an in-memory map of their keys, so an article sees
//! exactly the articles before it (stored, or earlier in the batch), as if they had been
//! imported one by one. Each candidate's sketch is read (a primary-key lookup), compared, and a
//! copy joins the two stories. Then the sketches are stored, and the summaries of the stories
//! touched recomputed; SQLite's key rows wait in [`HeldKeyRows`] for the transaction's commit.

use std::collections::BTreeSet;

use rusqlite::{Connection, params};

use super::{ArticleSketch, IdMap, MAX_BUCKET, SketchCache, refresh_summaries, split_articles};
use crate::store::{Context, Result, StoreError};
use crate::stories::{self, Sketch};

/// The story rows placement reads and writes, in one write transaction of a backend.
pub(crate) trait StoryTables {
    type Error;
    /// The threshold the grouping of this database uses.
    fn threshold(&mut self) -> std::result::Result<f64, Self::Error>;
    /// Articles the user took out of their stories (`story split`).
    fn split_articles(
        &mut self,
    ) -> std::result::Result<std::collections::HashSet<i64>, Self::Error>;
    /// Reads the stored articles under each of `keys` (sorted), for [`StoryTables::bucket`]: up
    /// to `MAX_BUCKET + 1` of them, enough to tell a crowded bucket.
    fn load_buckets(&mut self, keys: &BTreeSet<i64>) -> std::result::Result<(), Self::Error>;
    /// The stored articles under `key`, as `load_buckets` read them (None: none).
    fn bucket(&self, key: i64) -> Option<&Bucket>;
    /// Whether `load_buckets` found `key` crowded.
    fn is_crowded(&self, key: i64) -> bool {
        matches!(self.bucket(key), Some(Bucket::Crowded))
    }
    /// Reads ahead the sketches of the stored articles some of `new` may be compared with
    /// ([`stored_candidates`]): a backend that pays a round trip per read gets them in one.
    /// SQLite reads each when needed, from its page cache.
    fn prefetch_sketches(
        &mut self,
        _new: &[(i64, &ArticleSketch)],
    ) -> std::result::Result<(), Self::Error> {
        Ok(())
    }
    /// The sketch of stored article `id` (None when it has none, or it is gone).
    fn sketch(&mut self, id: i64) -> std::result::Result<Option<&Sketch>, Self::Error>;
    /// The story of article `id`: its row in `article_story`, else its own id.
    fn story_of(&mut self, id: i64) -> std::result::Result<i64, Self::Error>;
    /// Moves every article of story `from` into story `into` (`into < from`); returns how many.
    fn move_story(&mut self, from: i64, into: i64) -> std::result::Result<i64, Self::Error>;
    /// Records that an import merged story `from` into `into`, moving `moved` articles.
    fn record_merge(
        &mut self,
        merged_at: &str,
        from: i64,
        into: i64,
        moved: i64,
        article_id: i64,
    ) -> std::result::Result<(), Self::Error>;
    /// Stores the sketches and candidate keys of new articles, after placing them: no key row
    /// for a key `load_buckets` found crowded (see [`key_rows`]).
    fn store_sketches(
        &mut self,
        new: &[(i64, &ArticleSketch)],
    ) -> std::result::Result<(), Self::Error>;
    /// Recomputes the `stories` rows of these stories.
    fn refresh_summaries(&mut self, ids: &BTreeSet<i64>) -> std::result::Result<(), Self::Error>;
}

/// Stores the sketches of new articles (`(id, sketch)` in id order) and places each in a story:
/// the story of a near copy among the articles before it, else a story of its own.
pub(crate) fn place_new_articles<T: StoryTables>(
    tables: &mut T,
    new: &[(i64, &ArticleSketch)],
    seen_at: &str,
) -> std::result::Result<(), T::Error> {
    if new.is_empty() {
        return Ok(());
    }
    let threshold = tables.threshold()?;
    let splits = tables.split_articles()?;
    let keys: BTreeSet<i64> = new
        .iter()
        .flat_map(|(_, article)| article.keys.iter().copied())
        .collect();
    tables.load_buckets(&keys)?;
    tables.prefetch_sketches(new)?;
    let batch: IdMap<&Sketch> = new
        .iter()
        .map(|(id, article)| (*id, &article.sketch))
        .collect();
    let mut in_batch: IdMap<Vec<Member>> = IdMap::default();
    let mut touched = BTreeSet::new();
    let mut candidates: Vec<Member> = Vec::new();
    for &(id, article) in new {
        let short = article.sketch.is_short();
        candidates.clear();
        for key in &article.keys {
            let before = match tables.bucket(*key) {
                Some(Bucket::Crowded) => continue,
                Some(Bucket::Members(members)) => Some(members),
                None => None,
            };
            let batch = in_batch.get(key).map_or(&[][..], Vec::as_slice);
            // The bucket as it is when this article arrives; a crowded one is boilerplate.
            if before.map_or(0, Members::len) + batch.len() <= MAX_BUCKET {
                candidates.extend(before.into_iter().flat_map(Members::iter));
                candidates.extend(batch);
            }
        }
        // Sorted, a candidate appears once per key it shares with the article.
        candidates.sort_unstable();
        for key in &article.keys {
            in_batch
                .entry(*key)
                .or_default()
                .push(Member::new(id, short));
        }
        if splits.contains(&id) {
            continue;
        }
        let mut joined = false;
        for shared in candidates.chunk_by(|a, b| a == b) {
            let candidate = shared[0].id();
            // Decided from the keys alone: most candidates need no sketch read (nor a hash
            // lookup in `splits`).
            if !stories::worth_comparing(shared.len(), short, shared[0].short())
                || splits.contains(&candidate)
            {
                continue;
            }
            let other = match batch.get(&candidate) {
                Some(sketch) => Some(*sketch),
                None => tables.sketch(candidate)?,
            };
            let copy =
                other.is_some_and(|other| stories::is_copy_of(&article.sketch, other, threshold));
            if copy && union(tables, id, candidate, joined, seen_at, &mut touched)? {
                joined = true;
            }
        }
    }
    tables.store_sketches(new)?;
    tables.refresh_summaries(&touched)
}

/// The stored articles some new article will compare with: those sharing enough of its keys in
/// uncrowded buckets (a superset: a bucket the batch itself crowds is skipped later).
pub(crate) fn stored_candidates(new: &[(i64, &ArticleSketch)], stored: &IdMap<Bucket>) -> Vec<i64> {
    let mut wanted = BTreeSet::new();
    let mut candidates: Vec<Member> = Vec::new();
    for (_, article) in new {
        candidates.clear();
        for key in &article.keys {
            if let Some(Bucket::Members(members)) = stored.get(key) {
                candidates.extend(members.iter());
            }
        }
        candidates.sort_unstable();
        let short = article.sketch.is_short();
        for shared in candidates.chunk_by(|a, b| a == b) {
            if stories::worth_comparing(shared.len(), short, shared[0].short()) {
                wanted.insert(shared[0].id());
            }
        }
    }
    wanted.into_iter().collect()
}

/// Puts the new article `id` and article `other` in one story. The first story the new article
/// meets takes it in; any later one it meets is merged (into the older id) and the merge
/// recorded. Returns whether the stories were apart.
fn union<T: StoryTables>(
    tables: &mut T,
    id: i64,
    other: i64,
    already_joined: bool,
    seen_at: &str,
    touched: &mut BTreeSet<i64>,
) -> std::result::Result<bool, T::Error> {
    let mine = tables.story_of(id)?;
    let theirs = tables.story_of(other)?;
    if mine == theirs {
        return Ok(false);
    }
    let (into, from) = (mine.min(theirs), mine.max(theirs));
    let moved = tables.move_story(from, into)?;
    if already_joined {
        tables.record_merge(seen_at, from, into, moved, id)?;
    }
    touched.insert(into);
    touched.insert(from);
    Ok(true)
}

/// An article under a candidate key, and whether its text is short (`story_keys.short`),
/// packed in one integer (`id * 2 + short`) so that an article's candidate list, thousands of
/// them where its keys are common, sorts as plain integers, in id order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Member(u64);

impl Member {
    pub(crate) fn new(id: i64, short: bool) -> Member {
        Member((id as u64) << 1 | u64::from(short))
    }

    pub(crate) fn id(self) -> i64 {
        (self.0 >> 1) as i64
    }

    pub(crate) fn short(self) -> bool {
        self.0 & 1 == 1
    }
}

/// The stored articles under a candidate key.
pub(crate) enum Bucket {
    Members(Members),
    /// More than `MAX_BUCKET`: boilerplate, never compared against.
    Crowded,
}

/// The members of a bucket, in 4 bytes each (`id * 2 + short`, as in [`Member`]) while every id
/// is below 2^31, as in any store whose ids SQLite handed out; 8 bytes otherwise. The writer's
/// cache holds half as many again in less memory: importing 200,000 generated articles, the
/// busy buckets it had to drop were read again and again (14.3 million key rows read with
/// 262,144 members of 8 bytes, 7.4 million with 393,216 of 4; 524,288 read 4.2 million but
/// took the import's peak memory 2 MB up, to the edge of its 100 MB).
#[derive(Clone, Debug)]
pub(crate) enum Members {
    Packed(Vec<u32>),
    Wide(Vec<Member>),
}

impl Default for Members {
    fn default() -> Self {
        Members::Packed(Vec::new())
    }
}

impl Members {
    pub(crate) fn len(&self) -> usize {
        match self {
            Members::Packed(packed) => packed.len(),
            Members::Wide(wide) => wide.len(),
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = Member> + '_ {
        let (packed, wide) = match self {
            Members::Packed(packed) => (packed.as_slice(), &[][..]),
            Members::Wide(wide) => (&[][..], wide.as_slice()),
        };
        packed
            .iter()
            .map(|&member| Member(u64::from(member)))
            .chain(wide.iter().copied())
    }

    pub(crate) fn push(&mut self, member: Member) {
        match self {
            Members::Packed(packed) => match u32::try_from(member.0) {
                Ok(small) => packed.push(small),
                Err(_) => {
                    let mut wide: Vec<Member> = self.iter().collect();
                    wide.push(member);
                    *self = Members::Wide(wide);
                }
            },
            Members::Wide(wide) => wide.push(member),
        }
    }

    pub(crate) fn contains_id(&self, id: i64) -> bool {
        self.iter().any(|member| member.id() == id)
    }
}

impl FromIterator<Member> for Members {
    fn from_iter<I: IntoIterator<Item = Member>>(members: I) -> Self {
        let mut collected = Members::default();
        for member in members {
            collected.push(member);
        }
        collected
    }
}

impl Bucket {
    /// How many rows reading the bucket returns (a crowded one is read up to `MAX_BUCKET + 1`).
    pub(crate) fn rows(&self) -> usize {
        match self {
            Bucket::Members(members) => members.len(),
            Bucket::Crowded => MAX_BUCKET + 1,
        }
    }
}

/// The story rows of a SQLite batch transaction, with the writer's cache of sketches and
/// buckets.
pub(in crate::store) struct SqliteStoryTables<'t> {
    pub tx: &'t Connection,
    pub cache: &'t mut SketchCache,
    pub held: &'t mut HeldKeyRows,
}

/// The `story_keys` rows of the held transaction's articles (see `Store::write_batch`), written
/// together just before it commits instead of batch by batch. A held transaction dirties more
/// pages than the page cache holds, so SQLite spills dirty pages to the WAL as it goes; keys are
/// random, so each batch's rows landed all over the `story_keys` b-tree and dirtied again pages
/// already spilled, each written to the WAL (and read back) again and again. Written at once, in
/// key order, a page is dirtied about once per transaction: importing 200,000 generated articles
/// took 60-62 s instead of 70 s and read 28 GB through system calls instead of 36 (without
/// stories: 52 s, 17 GB). Until then the lookups of later batches find the rows here.
#[derive(Default)]
pub(in crate::store) struct HeldKeyRows {
    /// `(key, member)`: one sorted run per batch, merged only when written (a merge per batch
    /// would move every held row each time and need a buffer as large).
    rows: Vec<(i64, Member)>,
    /// Where each run after the first starts in `rows`.
    run_starts: Vec<usize>,
}

impl HeldKeyRows {
    /// Rows held at most (16 bytes each, 2 MB) before they are written mid-transaction: memory
    /// stays bounded whatever the number of keys per article and of articles held.
    const CAPACITY: usize = 131_072;

    /// Adds a batch's rows (`(key, article id, short)`, sorted).
    pub(super) fn add(&mut self, rows: Vec<(i64, i64, bool)>) {
        if self.rows.capacity() == 0 {
            // Allocated once, at its bound: growing by doubling would overshoot it.
            self.rows.reserve_exact(Self::CAPACITY);
        }
        if !self.rows.is_empty() {
            self.run_starts.push(self.rows.len());
        }
        self.rows.extend(
            rows.into_iter()
                .map(|(key, id, short)| (key, Member::new(id, short))),
        );
    }

    /// The held members of `key`'s bucket.
    pub(super) fn members(&self, key: i64) -> impl Iterator<Item = Member> + '_ {
        let ends = self.run_starts.iter().copied().chain([self.rows.len()]);
        let starts = [0].into_iter().chain(self.run_starts.iter().copied());
        starts.zip(ends).flat_map(move |(start, end)| {
            let run = &self.rows[start..end];
            let first = run.partition_point(|(held, _)| *held < key);
            run[first..]
                .iter()
                .take_while(move |(held, _)| *held == key)
                .map(|(_, member)| *member)
        })
    }

    /// Writes the held rows, in key order, and forgets them.
    pub(in crate::store) fn write(&mut self, tx: &Connection) -> Result<()> {
        self.rows.sort_unstable();
        self.run_starts.clear();
        let mut chunks = self.rows.chunks_exact(ROWS_PER_INSERT);
        if chunks.len() > 0 {
            let mut insert_chunk = tx
                .prepare_cached(&insert_key_rows(ROWS_PER_INSERT))
                .context("storing story keys")?;
            for chunk in chunks.by_ref() {
                insert_chunk
                    .execute(rusqlite::params_from_iter(key_row_values(chunk)))
                    .context("storing story keys")?;
            }
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            tx.prepare(&insert_key_rows(rest.len()))
                .and_then(|mut statement| {
                    statement.execute(rusqlite::params_from_iter(key_row_values(rest)))
                })
                .context("storing story keys")?;
        }
        self.rows.clear();
        Ok(())
    }

    /// The transaction rolled back: its rows are gone with it.
    pub(in crate::store) fn forget(&mut self) {
        self.rows.clear();
        self.run_starts.clear();
    }
}

impl StoryTables for SqliteStoryTables<'_> {
    type Error = StoreError;

    fn threshold(&mut self) -> Result<f64> {
        super::threshold(self.tx)
    }

    fn split_articles(&mut self) -> Result<std::collections::HashSet<i64>> {
        split_articles(self.tx)
    }

    /// Only the keys the cache does not know are read.
    fn load_buckets(&mut self, keys: &BTreeSet<i64>) -> Result<()> {
        self.cache.make_room(keys.len());
        // An empty table says nothing while rows wait to be written.
        if self.held.rows.is_empty() {
            self.cache.check_complete(self.tx)?;
        }
        let mut lookup = self
            .tx
            .prepare_cached("SELECT article_id, short FROM story_keys WHERE key = ?1 LIMIT ?2")
            .context("looking up story candidates")?;
        for &key in keys {
            let bucket = match self.cache.bucket(key) {
                Some(Some(_)) => continue,
                Some(None) => Bucket::Members(Members::default()),
                None => {
                    let mut members = lookup
                        .query_map(params![key, (MAX_BUCKET + 1) as i64], |row| {
                            Ok(Member::new(row.get(0)?, row.get(1)?))
                        })
                        .and_then(|rows| rows.collect::<rusqlite::Result<Members>>())
                        .context("looking up story candidates")?;
                    for held in self.held.members(key) {
                        if !members.contains_id(held.id()) {
                            members.push(held);
                        }
                    }
                    if members.len() > MAX_BUCKET {
                        Bucket::Crowded
                    } else {
                        Bucket::Members(members)
                    }
                }
            };
            self.cache.remember(key, bucket);
        }
        Ok(())
    }

    fn bucket(&self, key: i64) -> Option<&Bucket> {
        self.cache.bucket(key).flatten()
    }

    fn sketch(&mut self, id: i64) -> Result<Option<&Sketch>> {
        self.cache.get(self.tx, id)
    }

    fn story_of(&mut self, id: i64) -> Result<i64> {
        story_of(self.tx, id)
    }

    fn move_story(&mut self, from: i64, into: i64) -> Result<i64> {
        move_story(self.tx, from, into)
    }

    fn record_merge(
        &mut self,
        merged_at: &str,
        from: i64,
        into: i64,
        moved: i64,
        article_id: i64,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO story_merges
                        (merged_at, from_story, into_story, articles, article_id, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'import')",
            )
            .and_then(|mut statement| {
                statement.execute(params![merged_at, from, into, moved, article_id])
            })
            .context("recording a story merge")
            .map(|_| ())
    }

    fn store_sketches(&mut self, new: &[(i64, &ArticleSketch)]) -> Result<()> {
        // An upsert, not `INSERT OR REPLACE`: a replace may delete, so SQLite kept a statement
        // journal for every sketch (6 s of such copies in an import of 200,000 articles, a
        // twelfth of them for the sketches).
        let mut insert_sketch = self
            .tx
            .prepare_cached(
                "INSERT INTO article_sketches (article_id, sketch) VALUES (?1, ?2)
                 ON CONFLICT (article_id) DO UPDATE SET sketch = excluded.sketch",
            )
            .context("storing a sketch")?;
        for (id, article) in new {
            insert_sketch
                .execute(params![id, article.bytes])
                .context("storing a sketch")?;
        }
        let rows = key_rows(new, |key| self.is_crowded(key));
        for &(key, id, short) in &rows {
            self.cache.add_member(key, Member::new(id, short));
        }
        if self.held.rows.len() + rows.len() > HeldKeyRows::CAPACITY {
            self.held.write(self.tx)?;
        }
        self.held.add(rows);
        Ok(())
    }

    fn refresh_summaries(&mut self, ids: &BTreeSet<i64>) -> Result<()> {
        refresh_summaries(self.tx, ids.iter().copied())
    }
}

/// Stores one candidate key of an article (`?3`: whether its text is short).
pub(super) const INSERT_KEY: &str =
    "INSERT OR IGNORE INTO story_keys (key, article_id, short) VALUES (?1, ?2, ?3)";

/// Rows per statement when held key rows are written: a statement per row spent a third of the
/// instructions running the statement (5,000 generated articles: 3,700 instructions per key row
/// with 64 rows to a statement, 5,200 with one).
const ROWS_PER_INSERT: usize = 64;

/// [`INSERT_KEY`] for `rows` rows.
fn insert_key_rows(rows: usize) -> String {
    let mut sql = String::from("INSERT OR IGNORE INTO story_keys (key, article_id, short) VALUES ");
    for row in 0..rows {
        sql.push_str(if row == 0 { "(?, ?, ?)" } else { ", (?, ?, ?)" });
    }
    sql
}

/// The parameters of [`insert_key_rows`] for `rows`.
fn key_row_values(rows: &[(i64, Member)]) -> impl Iterator<Item = i64> + '_ {
    rows.iter()
        .flat_map(|(key, member)| [*key, member.id(), i64::from(member.short())])
}

/// The `story_keys` rows of new articles, `(key, article id, short)`, sorted. A key whose bucket
/// was already crowded before these articles (`crowded`) gets no more rows: it keeps its first
/// `MAX_BUCKET + 1` or more, so it stays crowded for every later article, in an import or a
/// rebuild, exactly as if its rows were all there (a quarter of all key rows on the generated
/// import benchmark, whose stock phrases crowd many keys).
pub(crate) fn key_rows(
    new: &[(i64, &ArticleSketch)],
    crowded: impl Fn(i64) -> bool,
) -> Vec<(i64, i64, bool)> {
    let crowded = &crowded;
    let mut rows: Vec<(i64, i64, bool)> = new
        .iter()
        .flat_map(|(id, article)| {
            let short = article.sketch.is_short();
            article
                .keys
                .iter()
                .filter(move |key| !crowded(**key))
                .map(move |key| (*key, *id, short))
        })
        .collect();
    rows.sort_unstable();
    rows
}

/// The story of article `id`: its row in `article_story`, else its own id.
pub(super) fn story_of(tx: &rusqlite::Connection, id: i64) -> Result<i64> {
    use rusqlite::OptionalExtension;
    let story: Option<i64> = tx
        .prepare_cached(super::STORY_OF)
        .and_then(|mut statement| statement.query_row([id], |row| row.get(0)).optional())
        .context("reading an article's story")?;
    Ok(story.unwrap_or(id))
}

/// Moves every article of story `from` into story `into` (`into < from`); returns how many moved.
pub(super) fn move_story(tx: &rusqlite::Connection, from: i64, into: i64) -> Result<i64> {
    let moved = tx
        .prepare_cached("UPDATE article_story SET story_id = ?2 WHERE story_id = ?1")
        .and_then(|mut statement| statement.execute(params![from, into]))
        .context("merging stories")?;
    let moved = if moved == 0 {
        // A story of one has no row yet: its article is `from` itself.
        tx.prepare_cached("INSERT INTO article_story (article_id, story_id) VALUES (?1, ?2)")
            .and_then(|mut statement| statement.execute(params![from, into]))
            .context("merging stories")?
    } else {
        moved
    };
    tx.prepare_cached("INSERT OR IGNORE INTO article_story (article_id, story_id) VALUES (?1, ?1)")
        .and_then(|mut statement| statement.execute([into]))
        .context("merging stories")?;
    Ok(moved as i64)
}
