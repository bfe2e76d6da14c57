//! Stories: near copies of one article (reprints, abridged versions, a teaser and its full text)
//! grouped into one story, at import and on demand (issue 13, `migrations/V13__stories.sql`).
//!
//! **The rule.** The stories are the connected components of a graph over the articles: an edge
//! joins two articles that share candidate keys ([`Sketch::candidate_keys`], enough of them for
//! [`stories::worth_comparing`]) and whose sketches compare as copies ([`is_copy`] at the database's threshold), except where a buckets holds more
//! than [`MAX_BUCKET`] articles (boilerplate shared by everything is no evidence). The user's
//! corrections override it: a split article has no similarity edges, a merged pair has an edge
//! whatever its similarity. Components do not depend on the order edges are found in, so the
//! grouping does not depend on import order. A story is named by its smallest article id.
//!
//! **Cost.** Sketches are computed on the normalise workers ([`ArticleSketch::of`]); the writer
//! only stores them and their keys, looks the keys up once per batch (sorted, so neighbouring
//! lookups touch the same pages) and compares sketches: it never reads an article body. Known
//! content (a duplicate) does no similarity work at all. Keys are stored folded to 32 bits
//! (`stored_key`): SQLite then keeps each in 4 bytes instead of 8, which makes `story_keys` a
//! third smaller; a collision merely adds a candidate that the comparison rejects.
//!
//! **Bookkeeping.** `article_story` has a row only for articles of stories of two or more;
//! `stories` keeps those stories' sizes and dates for the listings, maintained as stories change.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Context, ListedArticle, Result, Store};
use crate::stories::{self, Similarity, Sketch};

mod place;
mod regroup;

pub(crate) use place::{
    Bucket, Member, Members, StoryTables, key_rows, place_new_articles, stored_candidates,
};
pub(super) use place::{HeldKeyRows, SqliteStoryTables};
pub(crate) use regroup::{
    Components, EdgeSource, FORCED_MERGES, SKETCH_BATCH, SUMMARISE_ALL_STORIES, group_edges,
    stored_keys,
};
pub use regroup::{RebuildSummary, SimilarArticle, StoryMember};

pub use crate::stories::{DEFAULT_THRESHOLD, MAX_BUCKET};

/// Hashes an integer id or key with one multiplication: the maps of the writer's hot loop hold
/// only integers, which need no protection against chosen collisions.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_i64(&mut self, n: i64) {
        self.0 = (self.0 ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

/// A map keyed by article id or candidate key.
pub(crate) type IdMap<V> = HashMap<i64, V, BuildHasherDefault<IdHasher>>;

/// What the writer remembers of `story_keys` and `article_sketches` between batches, so that
/// the stock phrases every article shares are not read again and again:
/// - the members of every bucket an import has looked up or written (a key's articles, or
///   `Crowded`, which it stays while an import runs: buckets only grow), kept up to date with
///   the rows the import writes;
/// - whether that is the whole table (`complete`: it was empty when the cache began, as in a
///   first import), so that a key it does not hold has no rows and needs no lookup;
/// - the sketches of the articles that keep turning up as candidates.
///
/// Bounded: the sketches are kept by a clock (see [`SketchClock`]) within their capacity (about
/// 4 MB), the buckets keep only the largest when they reach theirs (about 4 MB), so memory stays
/// flat; everything is emptied when another connection commits (it may have deleted articles or
/// added keys), when a batch rolls back, and when something other than an import writes keys
/// (`sketch_missing`).
#[derive(Default)]
pub(crate) struct SketchCache {
    sketches: SketchClock,
    buckets: IdMap<Bucket>,
    /// How many members `buckets` holds.
    members: usize,
    complete: bool,
}

impl SketchCache {
    const BUCKET_CAPACITY: usize = 32_768;
    const MEMBER_CAPACITY: usize = 393_216;

    pub(crate) fn clear(&mut self) {
        self.sketches.clear();
        self.forget_buckets();
    }

    fn forget_buckets(&mut self) {
        self.buckets.clear();
        self.members = 0;
        self.complete = false;
    }

    /// The bucket of `key` when the cache knows it: `Some(None)` for a key with no rows.
    fn bucket(&self, key: i64) -> Option<Option<&Bucket>> {
        match self.buckets.get(&key) {
            Some(bucket) => Some(Some(bucket)),
            None if self.complete => Some(None),
            None => None,
        }
    }

    /// Makes room before a batch whose `keys` could take the buckets past their capacity, so
    /// that nothing is forgotten while the batch uses it. What costs most to read again is
    /// kept, within half the capacity: crowded keys (`MAX_BUCKET + 1` rows each, no members
    /// to hold), then the largest buckets, which are also the ones the next batches look up
    /// most (a key's bucket is large because many articles have it). Dropping the busy buckets
    /// all at once instead made a 200,000-article store read them again batch after batch.
    fn make_room(&mut self, keys: usize) {
        let full = |cache: &SketchCache| {
            cache.buckets.len() + keys > Self::BUCKET_CAPACITY
                || cache.members + keys > Self::MEMBER_CAPACITY
        };
        if !full(self) {
            return;
        }
        self.complete = false;
        let bucket_budget =
            (Self::BUCKET_CAPACITY / 2).min(Self::BUCKET_CAPACITY.saturating_sub(keys));
        let member_budget =
            (Self::MEMBER_CAPACITY / 2).min(Self::MEMBER_CAPACITY.saturating_sub(keys));
        let mut sizes: Vec<usize> = self.buckets.values().map(Bucket::rows).collect();
        sizes.sort_unstable_by(|a, b| b.cmp(a));
        // The smallest size kept, and how many buckets of that size still fit.
        let (mut kept, mut members, mut cut, mut room_at_cut) = (0, 0, usize::MAX, 0);
        for size in sizes {
            let held = if size > MAX_BUCKET { 0 } else { size };
            if kept == bucket_budget || members + held > member_budget {
                break;
            }
            kept += 1;
            members += held;
            room_at_cut = if size == cut { room_at_cut + 1 } else { 1 };
            cut = size;
        }
        self.buckets.retain(|_, bucket| {
            let size = bucket.rows();
            if size == cut && room_at_cut > 0 {
                room_at_cut -= 1;
                return true;
            }
            size > cut
        });
        self.members = members;
    }

    /// Whether the cache can vouch for the whole table: asked when it is empty, before the
    /// batch's lookups.
    fn check_complete(&mut self, conn: &rusqlite::Connection) -> Result<()> {
        if self.buckets.is_empty() && !self.complete {
            self.complete = conn
                .prepare_cached("SELECT NOT EXISTS (SELECT 1 FROM story_keys)")
                .and_then(|mut statement| statement.query_row([], |row| row.get(0)))
                .context("looking up story candidates")?;
        }
        Ok(())
    }

    /// Remembers what a lookup of `key` read (an empty bucket too: the batch is about to add
    /// to it).
    fn remember(&mut self, key: i64, bucket: Bucket) {
        if let Bucket::Members(members) = &bucket {
            self.members += members.len();
        }
        self.buckets.insert(key, bucket);
    }

    /// A key row the batch wrote. A bucket the cache does not hold is left to the next lookup.
    fn add_member(&mut self, key: i64, member: Member) {
        if let Some(Bucket::Members(members)) = self.buckets.get_mut(&key) {
            // A row left by a deleted article whose id was given again is there already.
            if members.contains_id(member.id()) {
                return;
            }
            members.push(member);
            self.members += 1;
            if members.len() > MAX_BUCKET {
                self.members -= members.len();
                self.buckets.insert(key, Bucket::Crowded);
            }
        }
    }

    /// The sketch of stored article `id` (None when it has none), read on first use.
    fn get(&mut self, conn: &rusqlite::Connection, id: i64) -> Result<Option<&Sketch>> {
        let slot = match self.sketches.slot_of(id) {
            Some(slot) => slot,
            None => self.sketches.insert(id, read_sketch(conn, id)?),
        };
        Ok(self.sketches.slots[slot].sketch.as_ref())
    }
}

/// The decoded sketches of stored articles, evicted by the clock algorithm (second chance): a
/// sketch used again since the hand last passed stays for another round. The articles that
/// turn up as candidates are a minority that turns up again and again (stock phrases), so this
/// keeps them where emptying the cache whenever it filled did not: importing 200,000
/// generated articles read 627,000 sketches from the table with 4,096 sketches emptied when
/// full, 238,000 with this clock of 8,192.
#[derive(Default)]
struct SketchClock {
    slots: Vec<ClockSlot>,
    /// Article id -> index in `slots`.
    index: IdMap<usize>,
    hand: usize,
}

struct ClockSlot {
    id: i64,
    sketch: Option<Sketch>,
    used_again: bool,
}

impl SketchClock {
    const CAPACITY: usize = 8_192;

    fn clear(&mut self) {
        self.slots.clear();
        self.index.clear();
        self.hand = 0;
    }

    /// Where `id`'s sketch is, marking it used.
    fn slot_of(&mut self, id: i64) -> Option<usize> {
        let slot = *self.index.get(&id)?;
        self.slots[slot].used_again = true;
        Some(slot)
    }

    /// Keeps `sketch` for `id` (not held yet), in place of the first sketch the hand finds not
    /// used since it last passed.
    fn insert(&mut self, id: i64, sketch: Option<Sketch>) -> usize {
        let fresh = ClockSlot {
            id,
            sketch,
            used_again: false,
        };
        if self.slots.len() < Self::CAPACITY {
            self.index.insert(id, self.slots.len());
            self.slots.push(fresh);
            return self.slots.len() - 1;
        }
        while std::mem::take(&mut self.slots[self.hand].used_again) {
            self.hand = (self.hand + 1) % self.slots.len();
        }
        let slot = self.hand;
        self.index.remove(&self.slots[slot].id);
        self.index.insert(id, slot);
        self.slots[slot] = fresh;
        self.hand = (slot + 1) % self.slots.len();
        slot
    }
}

/// What the store keeps of an article to group it: computed on the worker threads (pure), so
/// the writer only stores it.
#[derive(Debug)]
pub struct ArticleSketch {
    sketch: Sketch,
    bytes: Vec<u8>,
    /// Candidate keys as stored (`stored_key`), sorted, without repeats.
    keys: Vec<i64>,
}

impl ArticleSketch {
    /// The sketch of an article's normalised title and body.
    pub fn of(title: Option<&str>, body: &str) -> ArticleSketch {
        ArticleSketch::from_sketch(Sketch::of(title.unwrap_or(""), body))
    }

    /// The sketch as `article_sketches.sketch` stores it.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn from_sketch(sketch: Sketch) -> ArticleSketch {
        let bytes = sketch.to_bytes();
        let mut keys: Vec<i64> = sketch
            .candidate_keys()
            .into_iter()
            .map(stored_key)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        ArticleSketch {
            sketch,
            bytes,
            keys,
        }
    }
}

/// A candidate key as `story_keys` stores it: folded to 32 bits (see the module header).
pub(crate) fn stored_key(key: i64) -> i64 {
    let folded = (key as u64 ^ ((key as u64) >> 32)) as u32;
    i64::from(folded as i32)
}

/// A story: the near copies of one article, named by the id of its oldest article.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StorySummary {
    pub story_id: i64,
    pub articles: i64,
    /// The publishers of its articles, most frequent first, as `a, b, c`.
    pub sources: Option<String>,
    pub first_published: Option<String>,
    pub last_published: Option<String>,
    /// The title of its earliest article (by publication, then id).
    pub title: Option<String>,
}

/// How the stories listing is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoryOrder {
    /// Most versions first.
    Biggest,
    /// Latest publication first.
    Newest,
}

/// Which stories a listing shows.
#[derive(Clone, Debug)]
pub struct StoryFilter {
    /// Stories with at least this many articles (2 or more: a story of one is just an article).
    pub min_size: i64,
    /// Stories last published at or after this date.
    pub since: Option<String>,
    /// Stories with an article from this source (name or normalised key).
    pub source: Option<String>,
    pub order: StoryOrder,
    pub limit: usize,
    pub offset: usize,
}

impl Default for StoryFilter {
    fn default() -> StoryFilter {
        StoryFilter {
            min_size: 2,
            since: None,
            source: None,
            order: StoryOrder::Biggest,
            limit: 20,
            offset: 0,
        }
    }
}

/// The threshold imports use: the one of the last `stories rebuild --threshold`, else the default.
pub(crate) const THRESHOLD_KEY: &str = "story_threshold";

/// The summary of stories listed by id; the sources and title are looked up per story, so the
/// work is bounded by the page, never by the store.
const STORY_HEAD: &str = "
    SELECT (SELECT group_concat(name, ', ') FROM (
                SELECT s.name FROM article_story AS x
                  JOIN articles AS a ON a.id = x.article_id
                  JOIN sources AS s ON s.id = a.source_id
                 WHERE x.story_id = ?1
                 GROUP BY s.id ORDER BY count(*) DESC, s.name LIMIT 10)),
           (SELECT a.title FROM article_story AS x JOIN articles AS a ON a.id = x.article_id
             WHERE x.story_id = ?1
             ORDER BY a.published_at IS NULL, a.published_at, a.id LIMIT 1)";

const STORIES: &str = "
    SELECT id, size, first_published, last_published FROM stories
     WHERE size >= ?1
       AND (?2 IS NULL OR last_published >= ?2)
       AND (?3 IS NULL OR id IN (
                SELECT x.story_id FROM article_story AS x
                  JOIN article_sources AS l ON l.article_id = x.article_id
                  JOIN sources AS s ON s.id = l.source_id
                 WHERE s.key = source_key(?3) OR s.name = ?3 COLLATE NOCASE))
     ORDER BY CASE WHEN ?4 = 'newest' THEN last_published END DESC,
              size DESC, last_published DESC, id
     LIMIT ?5 OFFSET ?6";

const STORY_BY_ID: &str =
    "SELECT id, size, first_published, last_published FROM stories WHERE id = ?1";

const STORY_OF: &str = "SELECT story_id FROM article_story WHERE article_id = ?1";

fn count(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl Store {
    /// Whether this database has stories (the `article_stories` view, migration 13).
    pub fn has_stories(&self) -> Result<bool> {
        self.conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'article_stories')",
            )
            .and_then(|mut statement| statement.query_row([], |row| row.get(0)))
            .context("looking for stories")
    }

    /// The story article `id` belongs to: its own id when it is alone; `None` when there is no
    /// such article.
    pub fn story_of(&self, id: i64) -> Result<Option<i64>> {
        let grouped: Option<i64> = self
            .conn
            .prepare_cached(STORY_OF)
            .and_then(|mut statement| statement.query_row([id], |row| row.get(0)).optional())
            .context("reading an article's story")?;
        if grouped.is_some() {
            return Ok(grouped);
        }
        let exists: bool = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM articles WHERE id = ?1)")
            .and_then(|mut statement| statement.query_row([id], |row| row.get(0)))
            .context("reading an article's story")?;
        Ok(exists.then_some(id))
    }

    /// Stories of at least `filter.min_size` articles, biggest or newest first.
    pub fn stories(&self, filter: &StoryFilter) -> Result<Vec<StorySummary>> {
        let order = match filter.order {
            StoryOrder::Biggest => "biggest",
            StoryOrder::Newest => "newest",
        };
        let heads = self.query_rows(
            STORIES,
            params![
                filter.min_size.max(2),
                filter.since,
                filter.source,
                order,
                count(filter.limit),
                count(filter.offset)
            ],
            "listing stories",
            story_row,
        )?;
        heads
            .into_iter()
            .map(|story| self.with_head(story))
            .collect()
    }

    /// One story, `None` when there is no such story. A story of one article (an article no
    /// copy has joined) is a story too.
    pub fn story(&self, story_id: i64) -> Result<Option<StorySummary>> {
        let grouped = self
            .conn
            .prepare_cached(STORY_BY_ID)
            .and_then(|mut statement| statement.query_row([story_id], story_row).optional())
            .context("reading a story")?;
        if let Some(story) = grouped {
            return self.with_head(story).map(Some);
        }
        if self.story_of(story_id)? != Some(story_id) {
            return Ok(None);
        }
        self.conn
            .prepare_cached(
                "SELECT a.id, 1, a.published_at, a.published_at, s.name, a.title
                   FROM articles AS a LEFT JOIN sources AS s ON s.id = a.source_id
                  WHERE a.id = ?1",
            )
            .and_then(|mut statement| {
                statement
                    .query_row([story_id], |row| {
                        Ok(StorySummary {
                            story_id: row.get(0)?,
                            articles: row.get(1)?,
                            first_published: row.get(2)?,
                            last_published: row.get(3)?,
                            sources: row.get(4)?,
                            title: row.get(5)?,
                        })
                    })
                    .optional()
            })
            .context("reading a story")
    }

    fn with_head(&self, mut story: StorySummary) -> Result<StorySummary> {
        let (sources, title) = self
            .conn
            .prepare_cached(STORY_HEAD)
            .and_then(|mut statement| {
                statement.query_row([story.story_id], |row| Ok((row.get(0)?, row.get(1)?)))
            })
            .context("reading a story")?;
        story.sources = sources;
        story.title = title;
        Ok(story)
    }

    /// A story's articles, earliest first; at most `limit` (the listings' short form of
    /// [`Store::story_members`], without the similarity scores).
    pub fn story_articles(&self, story_id: i64, limit: usize) -> Result<Vec<ListedArticle>> {
        self.query_rows(
            regroup::MEMBERS,
            params![story_id, count(limit)],
            "reading a story",
            |row| {
                Ok(ListedArticle {
                    id: row.get(0)?,
                    published_at: row.get(1)?,
                    source: row.get(2)?,
                    title: row.get(3)?,
                    word_count: row.get(4)?,
                })
            },
        )
    }

    /// How many articles story `story_id` has (1 for an article alone).
    pub fn story_size(&self, story_id: i64) -> Result<i64> {
        let size: Option<i64> = self
            .conn
            .prepare_cached("SELECT size FROM stories WHERE id = ?1")
            .and_then(|mut statement| statement.query_row([story_id], |row| row.get(0)).optional())
            .context("reading a story")?;
        Ok(size.unwrap_or(1))
    }

    /// The number of stored stories of two or more articles, and of the articles in them.
    pub fn story_counts(&self) -> Result<(i64, i64)> {
        self.conn
            .query_row(
                "SELECT count(*), coalesce(sum(size), 0) FROM stories",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .context("counting stories")
    }

    /// The sketch stored for article `id`, `None` when it has none (imported before migration 13
    /// or with `--no-stories`, until `stories rebuild`).
    fn stored_sketch(&self, id: i64) -> Result<Option<Sketch>> {
        read_sketch(&self.conn, id)
    }
}

fn story_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StorySummary> {
    Ok(StorySummary {
        story_id: row.get(0)?,
        articles: row.get(1)?,
        first_published: row.get(2)?,
        last_published: row.get(3)?,
        sources: None,
        title: None,
    })
}

/// The sketch of article `id`; a blob this newsdb cannot read (a newer format) counts as none.
fn read_sketch(conn: &rusqlite::Connection, id: i64) -> Result<Option<Sketch>> {
    let bytes: Option<Vec<u8>> = conn
        .prepare_cached("SELECT sketch FROM article_sketches WHERE article_id = ?1")
        .and_then(|mut statement| statement.query_row([id], |row| row.get(0)).optional())
        .context("reading a sketch")?;
    Ok(bytes.and_then(|bytes| Sketch::from_bytes(&bytes).ok()))
}

/// The threshold the grouping of this database uses.
fn threshold(conn: &rusqlite::Connection) -> Result<f64> {
    let stored: Option<String> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")
        .and_then(|mut statement| {
            statement
                .query_row([THRESHOLD_KEY], |row| row.get(0))
                .optional()
        })
        .context("reading the story threshold")?;
    Ok(stored
        .and_then(|value| value.parse().ok())
        .unwrap_or(DEFAULT_THRESHOLD))
}

/// Articles the user took out of their stories (`story split`): they have no similarity edges.
fn split_articles(conn: &rusqlite::Connection) -> Result<HashSet<i64>> {
    let mut statement = conn
        .prepare_cached("SELECT article_id FROM story_corrections WHERE kind = 'split'")
        .context("reading story corrections")?;
    let rows = statement
        .query_map([], |row| row.get(0))
        .context("reading story corrections")?;
    rows.collect::<rusqlite::Result<_>>()
        .context("reading story corrections")
}

/// Recomputes the `stories` row of each of these story ids (none when it has fewer than two
/// articles left).
fn refresh_summaries(
    conn: &rusqlite::Connection,
    story_ids: impl IntoIterator<Item = i64>,
) -> Result<()> {
    let mut remove = conn
        .prepare_cached("DELETE FROM stories WHERE id = ?1")
        .context("updating a story")?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO stories (id, size, first_published, last_published)
             SELECT x.story_id, count(*), min(a.published_at), max(a.published_at)
               FROM article_story AS x JOIN articles AS a ON a.id = x.article_id
              WHERE x.story_id = ?1
              GROUP BY x.story_id HAVING count(*) > 1",
        )
        .context("updating a story")?;
    for id in story_ids {
        remove.execute([id]).context("updating a story")?;
        insert.execute([id]).context("updating a story")?;
    }
    Ok(())
}

/// The similarity rule in one place, at a threshold, for two articles sharing `shared_keys`
/// candidate keys.
pub(crate) fn copies(
    shared_keys: usize,
    a: &Sketch,
    b: &Sketch,
    threshold: f64,
) -> (bool, Similarity) {
    let similarity = stories::compare(a, b);
    let copy = stories::worth_comparing(shared_keys, a.is_short(), b.is_short())
        && stories::is_copy(&similarity, threshold);
    (copy, similarity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn held_key_rows_are_found_by_later_lookups_and_written_at_commit() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.connection();
        // A stored row: the table is not empty, so the cache cannot vouch for it and reads it.
        conn.execute(
            "INSERT INTO story_keys (key, article_id, short) VALUES (5, 1, 0)",
            [],
        )
        .unwrap();
        let mut cache = SketchCache::default();
        let mut held = HeldKeyRows::default();
        held.add(vec![(5, 2, true), (9, 2, true)]);
        // (5, 1) is the stored row again (a deleted article's id given again): counted once.
        held.add(vec![(5, 1, false), (5, 3, false)]);
        let mut tables = SqliteStoryTables {
            tx: conn,
            cache: &mut cache,
            held: &mut held,
        };
        tables.load_buckets(&BTreeSet::from([5, 9, 11])).unwrap();
        let members = |key| match tables.bucket(key) {
            Some(Bucket::Members(members)) => members
                .iter()
                .map(|member| (member.id(), member.short()))
                .collect(),
            Some(Bucket::Crowded) => panic!("not crowded"),
            None => Vec::new(),
        };
        assert_eq!(members(5), [(1, false), (2, true), (3, false)]);
        assert_eq!(members(9), [(2, true)]);
        assert_eq!(members(11), []);

        held.write(conn).unwrap();
        held.add(vec![(7, 4, false)]);
        held.forget();
        held.write(conn).unwrap();
        let stored: Vec<(i64, i64, bool)> = conn
            .prepare("SELECT key, article_id, short FROM story_keys ORDER BY key, article_id")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            stored,
            [(5, 1, false), (5, 2, true), (5, 3, false), (9, 2, true)],
            "written once each; forgotten rows (a rollback) never"
        );

        // Two full statements of rows and a shorter one.
        held.add((0..150).map(|n| (1_000 + n, 10, n % 2 == 0)).collect());
        held.write(conn).unwrap();
        let (rows, shorts): (i64, i64) = conn
            .query_row(
                "SELECT count(*), sum(short) FROM story_keys WHERE key >= 1000 AND article_id = 10",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!((rows, shorts), (150, 75));
    }

    #[test]
    fn an_empty_table_is_not_the_whole_story_while_rows_are_held() {
        let store = Store::open_in_memory().unwrap();
        let mut cache = SketchCache::default();
        let mut held = HeldKeyRows::default();
        held.add(vec![(5, 2, false)]);
        let mut tables = SqliteStoryTables {
            tx: store.connection(),
            cache: &mut cache,
            held: &mut held,
        };
        tables.load_buckets(&BTreeSet::from([5])).unwrap();
        assert!(matches!(tables.bucket(5), Some(Bucket::Members(members)) if members.len() == 1));
        assert!(!cache.complete);
    }

    #[test]
    fn bucket_members_are_packed_until_an_id_does_not_fit() {
        let mut members: Members = [Member::new(7, true), Member::new(3, false)]
            .into_iter()
            .collect();
        assert!(matches!(members, Members::Packed(_)));
        let largest_packed = (1 << 31) - 1;
        members.push(Member::new(largest_packed, true));
        assert!(matches!(members, Members::Packed(_)));
        members.push(Member::new(1 << 31, false));
        assert!(matches!(members, Members::Wide(_)), "2^31 needs 8 bytes");
        members.push(Member::new(9, false));
        let listed: Vec<(i64, bool)> = members.iter().map(|m| (m.id(), m.short())).collect();
        assert_eq!(
            listed,
            [
                (7, true),
                (3, false),
                (largest_packed, true),
                (1 << 31, false),
                (9, false)
            ],
            "in the order added, whatever the width"
        );
        assert_eq!(members.len(), 5);
        assert!(members.contains_id(1 << 31) && members.contains_id(3));
        assert!(!members.contains_id(8));
    }

    #[test]
    fn the_sketch_clock_keeps_the_sketches_used_again() {
        let mut clock = SketchClock::default();
        for id in 0..SketchClock::CAPACITY as i64 {
            clock.insert(id, None);
        }
        assert!(clock.slot_of(0).is_some());
        // Full: the hand passes 0 (used again, so it gets a second chance) and takes 1's slot.
        let slot = clock.insert(-1, None);
        assert_eq!(clock.slots[slot].id, -1);
        assert!(
            !clock.index.contains_key(&1),
            "the first sketch not used again goes"
        );
        assert!(clock.slot_of(0).is_some());
        assert!(clock.slot_of(-1).is_some());
        assert_eq!(clock.slots.len(), SketchClock::CAPACITY);
        assert_eq!(clock.index.len(), SketchClock::CAPACITY);
        for (slot, entry) in clock.slots.iter().enumerate() {
            assert_eq!(clock.index[&entry.id], slot);
        }
    }

    #[test]
    fn a_full_bucket_cache_keeps_the_largest_buckets_and_stops_vouching_for_the_table() {
        let store = Store::open_in_memory().unwrap();
        let mut cache = SketchCache::default();
        cache.check_complete(store.connection()).unwrap();
        assert!(cache.complete, "an empty table is wholly known");
        assert!(matches!(cache.bucket(7), Some(None)));

        let members = |first: i64, count: i64| -> Members {
            (first..first + count)
                .map(|id| Member::new(id, false))
                .collect()
        };
        // Far more busy buckets than half the capacity holds, of 10 to 199 members: the largest
        // are kept (they cost most to read again), up to half the member capacity.
        let mut key = 0;
        while cache.members < SketchCache::MEMBER_CAPACITY - 1_000 {
            let size = 10 + key % 190;
            cache.remember(key, Bucket::Members(members(key * 1_000, size)));
            key += 1;
        }
        cache.remember(-1, Bucket::Members(members(1, 150)));
        cache.remember(-2, Bucket::Crowded);
        cache.add_member(-1, Member::new(100_000_000, true));
        let before = cache.buckets.len();
        cache.make_room(2_000);
        assert!(!cache.complete);
        assert!(cache.members <= SketchCache::MEMBER_CAPACITY / 2);
        assert!(
            cache.members > SketchCache::MEMBER_CAPACITY / 2 - 200,
            "{}",
            cache.members
        );
        let counted: usize = cache
            .buckets
            .values()
            .map(|b| match b {
                Bucket::Members(m) => m.len(),
                Bucket::Crowded => 0,
            })
            .sum();
        assert_eq!(cache.members, counted);
        let smallest_kept = cache.buckets.values().map(Bucket::rows).min().unwrap();
        assert!(smallest_kept > 100, "the largest are kept: {smallest_kept}");
        assert!(cache.buckets.len() < before / 2);
        assert!(matches!(cache.bucket(-2), Some(Some(Bucket::Crowded))));
        assert!(cache.bucket(0).is_none(), "a forgotten key is read again");
        let Some(Some(Bucket::Members(kept))) = cache.bucket(-1) else {
            panic!("a large bucket is kept");
        };
        assert_eq!(
            kept.iter().last().map(|m| (m.id(), m.short())),
            Some((100_000_000, true))
        );

        // A bucket that grows past MAX_BUCKET turns crowded and holds no members.
        let held = cache.members - kept.len();
        for id in 0..MAX_BUCKET as i64 {
            cache.add_member(-1, Member::new(200 + id, false));
        }
        assert!(matches!(cache.bucket(-1), Some(Some(Bucket::Crowded))));
        assert_eq!(cache.members, held);
    }

    #[test]
    fn story_statements_prepare_and_only_read() {
        let store = Store::open_in_memory().unwrap();
        for sql in [STORY_HEAD, STORIES, STORY_BY_ID, STORY_OF, regroup::MEMBERS] {
            let statement = store
                .connection()
                .prepare(sql)
                .unwrap_or_else(|error| panic!("{sql}: {error}"));
            assert!(statement.readonly(), "{sql}");
        }
    }

    /// V16's backfill reads shortness from the sketch bytes: it must agree with `is_short`.
    #[test]
    fn the_v16_backfill_marks_exactly_the_short_sketches() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE article_sketches (article_id INTEGER PRIMARY KEY, sketch BLOB);
             CREATE TABLE story_keys (key INTEGER, article_id INTEGER);",
        )
        .unwrap();
        let words: Vec<String> = (0..400).map(|n| format!("word{n}")).collect();
        let mut expected = Vec::new();
        for (id, count) in [0, 3, 5, 20, 60, 68, 69, 70, 131, 132, 133, 200, 400]
            .into_iter()
            .enumerate()
        {
            let sketch = Sketch::of("", &words[..count].join(" "));
            conn.execute(
                "INSERT INTO article_sketches VALUES (?1, ?2)",
                params![id as i64, sketch.to_bytes()],
            )
            .unwrap();
            conn.execute("INSERT INTO story_keys VALUES (1, ?1)", [id as i64])
                .unwrap();
            expected.push((id as i64, sketch.is_short()));
        }
        assert!(expected.iter().any(|(_, short)| *short));
        assert!(expected.iter().any(|(_, short)| !*short));
        conn.execute_batch(include_str!(
            "../../../migrations/sqlite/V16__short_story_keys.sql"
        ))
        .unwrap();
        let marked: Vec<(i64, bool)> = conn
            .prepare("SELECT article_id, short FROM story_keys ORDER BY article_id")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(marked, expected);
    }

    #[test]
    fn stored_keys_fit_in_32_bits_and_keep_small_keys_apart() {
        for key in [0, 1, -1, i64::MAX, i64::MIN, 0x1234_5678_9abc_def0] {
            let stored = stored_key(key);
            assert!(i64::from(i32::MIN) <= stored && stored <= i64::from(i32::MAX));
        }
        assert_ne!(stored_key(1), stored_key(2));
        assert_eq!(stored_key(7), stored_key(7));
    }
}
