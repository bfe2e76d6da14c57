//! Placing a batch's new articles in stories, inside the batch's transaction.
//!
//! Per batch: every distinct key of the batch is looked up once, in sorted order (one cached
//! statement); the batch's own articles find each other through an in-memory map of their keys,
//! so an article sees exactly the articles before it (stored, or earlier in the batch), as if
//! they had been imported one by one. Each candidate's sketch is read (a primary-key lookup),
//! compared, and a copy joins the two stories. Then the sketches and keys are stored, keys in
//! sorted order, and the summaries of the stories touched are recomputed.

use std::collections::BTreeSet;

use rusqlite::{Transaction, params};

use super::{ArticleSketch, IdMap, MAX_BUCKET, SketchCache, refresh_summaries, split_articles};
use crate::store::{Context, Result};
use crate::stories::{self, Sketch};

/// Stores the sketches of new articles (`(id, sketch)` in id order) and places each in a story:
/// the story of a near copy among the articles before it, else a story of its own.
pub(in crate::store) fn place_new_articles<'t>(
    tx: &'t Transaction<'t>,
    new: &[(i64, &'t ArticleSketch)],
    seen_at: &'t str,
    cache: &'t mut SketchCache,
) -> Result<()> {
    if new.is_empty() {
        return Ok(());
    }
    let threshold = super::threshold(tx)?;
    let splits = split_articles(tx)?;
    let stored = stored_buckets(tx, new, cache)?;
    let mut in_batch: IdMap<Vec<Member>> = IdMap::default();
    let mut placer = Placer {
        tx,
        seen_at,
        batch: new
            .iter()
            .map(|(id, article)| (*id, &article.sketch))
            .collect(),
        stored: cache,
        touched: BTreeSet::new(),
    };
    let mut candidates: Vec<Member> = Vec::new();
    for &(id, article) in new {
        let short = article.sketch.is_short();
        candidates.clear();
        for key in &article.keys {
            let before = match stored.get(key) {
                Some(Bucket::Crowded) => continue,
                Some(Bucket::Members(members)) => members.as_slice(),
                None => &[],
            };
            let batch = in_batch.get(key).map_or(&[][..], Vec::as_slice);
            // The bucket as it is when this article arrives; a crowded one is boilerplate.
            if before.len() + batch.len() <= MAX_BUCKET {
                candidates.extend(before.iter().chain(batch));
            }
        }
        // Sorted, a candidate appears once per key it shares with the article.
        candidates.sort_unstable();
        for key in &article.keys {
            in_batch.entry(*key).or_default().push(Member { id, short });
        }
        if splits.contains(&id) {
            continue;
        }
        let mut joined = false;
        for shared in candidates.chunk_by(|a, b| a == b) {
            let candidate = shared[0].id;
            // Decided from the keys alone: most candidates need no sketch read.
            if splits.contains(&candidate)
                || !stories::worth_comparing(shared.len(), short, shared[0].short)
            {
                continue;
            }
            let copy = placer
                .sketch(candidate)?
                .is_some_and(|other| stories::is_copy_of(&article.sketch, other, threshold));
            if copy {
                joined |= placer.union(id, candidate, joined)?;
            }
        }
    }
    store_sketches(tx, new)?;
    refresh_summaries(tx, placer.touched)
}

/// An article under a candidate key, and whether its text is short (`story_keys.short`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Member {
    id: i64,
    short: bool,
}

/// The stored articles under a candidate key.
enum Bucket {
    Members(Vec<Member>),
    /// More than `MAX_BUCKET`: boilerplate, never compared against.
    Crowded,
}

/// The stored articles under each key of the batch (keys with none are left out). A key is read
/// up to `MAX_BUCKET + 1` rows, enough to tell a crowded bucket, unless `cache` knows it is.
fn stored_buckets(
    tx: &Transaction<'_>,
    new: &[(i64, &ArticleSketch)],
    cache: &mut SketchCache,
) -> Result<IdMap<Bucket>> {
    let keys: BTreeSet<i64> = new
        .iter()
        .flat_map(|(_, article)| article.keys.iter().copied())
        .collect();
    let mut lookup = tx
        .prepare_cached("SELECT article_id, short FROM story_keys WHERE key = ?1 LIMIT ?2")
        .context("looking up story candidates")?;
    let mut buckets = IdMap::default();
    for key in keys {
        if cache.is_crowded(key) {
            buckets.insert(key, Bucket::Crowded);
            continue;
        }
        let members = lookup
            .query_map(params![key, (MAX_BUCKET + 1) as i64], |row| {
                Ok(Member {
                    id: row.get(0)?,
                    short: row.get(1)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<Member>>>())
            .context("looking up story candidates")?;
        if members.len() > MAX_BUCKET {
            cache.mark_crowded(key);
            buckets.insert(key, Bucket::Crowded);
        } else if !members.is_empty() {
            buckets.insert(key, Bucket::Members(members));
        }
    }
    Ok(buckets)
}

/// Stores one candidate key of an article (`?3`: whether its text is short).
pub(super) const INSERT_KEY: &str =
    "INSERT OR IGNORE INTO story_keys (key, article_id, short) VALUES (?1, ?2, ?3)";

fn store_sketches(tx: &Transaction<'_>, new: &[(i64, &ArticleSketch)]) -> Result<()> {
    let mut insert_sketch = tx
        .prepare_cached(
            "INSERT OR REPLACE INTO article_sketches (article_id, sketch) VALUES (?1, ?2)",
        )
        .context("storing a sketch")?;
    for (id, article) in new {
        insert_sketch
            .execute(params![id, article.bytes])
            .context("storing a sketch")?;
    }
    let mut rows: Vec<(i64, i64, bool)> = new
        .iter()
        .flat_map(|(id, article)| {
            let short = article.sketch.is_short();
            article.keys.iter().map(move |key| (*key, *id, short))
        })
        .collect();
    rows.sort_unstable();
    let mut insert_key = tx
        .prepare_cached(INSERT_KEY)
        .context("storing story keys")?;
    for (key, id, short) in rows {
        insert_key
            .execute(params![key, id, short])
            .context("storing story keys")?;
    }
    Ok(())
}

/// Unions stories in the database for one batch.
struct Placer<'t> {
    tx: &'t Transaction<'t>,
    seen_at: &'t str,
    /// The sketches of this batch's new articles.
    batch: IdMap<&'t Sketch>,
    /// Stored sketches, read once (None: the article has none, or it is gone).
    stored: &'t mut SketchCache,
    /// Stories whose summary must be recomputed.
    touched: BTreeSet<i64>,
}

impl Placer<'_> {
    fn sketch(&mut self, id: i64) -> Result<Option<&Sketch>> {
        if let Some(sketch) = self.batch.get(&id) {
            return Ok(Some(*sketch));
        }
        self.stored.get(self.tx, id)
    }

    /// Puts the new article `id` and article `other` in one story. The first story the new
    /// article meets takes it in; any later one it meets is merged (into the older id) and the
    /// merge recorded. Returns whether the stories were apart.
    fn union(&mut self, id: i64, other: i64, already_joined: bool) -> Result<bool> {
        let mine = story_of(self.tx, id)?;
        let theirs = story_of(self.tx, other)?;
        if mine == theirs {
            return Ok(false);
        }
        let (into, from) = (mine.min(theirs), mine.max(theirs));
        let moved = move_story(self.tx, from, into)?;
        if already_joined {
            self.tx
                .prepare_cached(
                    "INSERT INTO story_merges
                            (merged_at, from_story, into_story, articles, article_id, reason)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'import')",
                )
                .and_then(|mut statement| {
                    statement.execute(params![self.seen_at, from, into, moved, id])
                })
                .context("recording a story merge")?;
        }
        self.touched.insert(into);
        self.touched.insert(from);
        Ok(true)
    }
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
