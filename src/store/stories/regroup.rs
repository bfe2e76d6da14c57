//! Grouping from stored sketches (`stories rebuild`), the user's corrections (`story split`,
//! `story merge`), and the similarity listings (`story ID`, `similar ARTICLE`).
//!
//! A rebuild walks the articles in id order and finds, for each, the candidates before it
//! exactly as an import does (the same keys, the same crowded-bucket rule), so a rebuild gives
//! the partition importing everything in one run would. It holds one union-find entry per
//! article that has a copy, reads sketches one at a time, and computes missing sketches (of
//! articles stored before migration 13, or imported with `--no-stories`) from the stored title
//! and body in batches of [`SKETCH_BATCH`], each committed on its own: memory stays bounded.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Instant;

use rayon::prelude::*;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use super::place::{self, move_story, story_of};
use super::{
    ArticleSketch, MAX_BUCKET, THRESHOLD_KEY, copies, read_sketch, refresh_summaries,
    split_articles, stored_key,
};
use crate::store::{Context, Result, Store, now_utc};
use crate::stories::{self, Sketch};

/// Articles whose missing sketches are computed and committed at once.
pub const SKETCH_BATCH: usize = 1000;

/// What `stories rebuild` did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RebuildSummary {
    /// Sketches computed from stored bodies (articles that had none).
    pub sketched: u64,
    /// Articles grouped (those with a sketch).
    pub articles: u64,
    /// Stories of two or more articles.
    pub stories: i64,
    /// Articles in those stories.
    pub grouped_articles: i64,
    pub threshold: f64,
    pub elapsed_seconds: f64,
}

/// An article of a story, with its similarity to the story's earliest article.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoryMember {
    pub id: i64,
    pub published_at: Option<String>,
    pub source: Option<String>,
    pub title: Option<String>,
    pub word_count: Option<i64>,
    /// None when either article has no sketch yet.
    pub score: Option<f64>,
    pub containment: Option<f64>,
    pub jaccard: Option<f64>,
}

/// A near copy of an article, with its scores.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimilarArticle {
    pub id: i64,
    pub story_id: i64,
    /// Whether the rule counts it as a copy at the database's threshold.
    pub copy: bool,
    pub score: f64,
    pub containment: f64,
    pub jaccard: f64,
    pub published_at: Option<String>,
    pub source: Option<String>,
    pub title: Option<String>,
}

pub(super) const MEMBERS: &str = "
    SELECT a.id, a.published_at, s.name, a.title, a.word_count
      FROM articles AS a LEFT JOIN sources AS s ON s.id = a.source_id
     WHERE a.id IN (SELECT article_id FROM article_story WHERE story_id = ?1)
        OR (a.id = ?1 AND NOT EXISTS (SELECT 1 FROM article_story WHERE article_id = ?1))
     ORDER BY a.published_at IS NULL, a.published_at, a.id
     LIMIT ?2";

const ARTICLE_LINE: &str = "
    SELECT a.published_at, s.name, a.title
      FROM articles AS a LEFT JOIN sources AS s ON s.id = a.source_id WHERE a.id = ?1";

/// Union-find over article ids; a root is its component's smallest id.
#[derive(Default)]
pub(crate) struct Components {
    parent: HashMap<i64, i64>,
}

impl Components {
    fn find(&mut self, id: i64) -> i64 {
        let mut root = id;
        while let Some(&parent) = self.parent.get(&root) {
            if parent == root {
                break;
            }
            root = parent;
        }
        let mut node = id;
        while node != root {
            let next = self.parent.get(&node).copied().unwrap_or(root);
            self.parent.insert(node, root);
            node = next;
        }
        root
    }

    pub(crate) fn union(&mut self, a: i64, b: i64) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (root, child) = (ra.min(rb), ra.max(rb));
            self.parent.insert(child, root);
            self.parent.entry(root).or_insert(root);
        }
    }

    /// (article, story) for every article in a component of two or more.
    pub(crate) fn rows(mut self) -> Vec<(i64, i64)> {
        let ids: Vec<i64> = self.parent.keys().copied().collect();
        let mut rows: Vec<(i64, i64)> = ids.into_iter().map(|id| (id, self.find(id))).collect();
        rows.sort_unstable();
        rows
    }
}

/// What finding similarity edges reads, from a backend's transaction.
pub(crate) trait EdgeSource {
    type Error;
    /// The first `MAX_BUCKET + 1` articles before `id` (smaller ids) under the stored key `key`:
    /// enough to tell a crowded bucket.
    fn bucket_before(&mut self, key: i64, id: i64) -> std::result::Result<Vec<i64>, Self::Error>;
    /// The stored sketch of article `id`, None when it has none.
    fn read_sketch(&mut self, id: i64) -> std::result::Result<Option<Sketch>, Self::Error>;
    /// Reads ahead what the next `ids` (ascending) will ask for: a backend that pays a round
    /// trip per read gets a chunk's sketches and buckets in a few. SQLite reads each when
    /// asked, from its page cache.
    fn prefetch(&mut self, _ids: &[i64]) -> std::result::Result<(), Self::Error> {
        Ok(())
    }
}

/// Articles whose reads [`EdgeSource::prefetch`] gets at once.
pub(crate) const EDGE_CHUNK: usize = 500;

/// [`EdgeSource`] on a SQLite connection.
struct SqliteEdges<'c>(&'c Connection);

impl EdgeSource for SqliteEdges<'_> {
    type Error = crate::store::StoreError;

    fn bucket_before(&mut self, key: i64, id: i64) -> Result<Vec<i64>> {
        self.0
            .prepare_cached(BUCKET_BEFORE)
            .and_then(|mut bucket| {
                bucket
                    .query_map(params![key, id, (MAX_BUCKET + 1) as i64], |row| row.get(0))?
                    .collect::<rusqlite::Result<Vec<i64>>>()
            })
            .context("looking up story candidates")
    }

    fn read_sketch(&mut self, id: i64) -> Result<Option<Sketch>> {
        read_sketch(self.0, id)
    }
}

/// The articles before `?2` under key `?1`, at most `?3`.
const BUCKET_BEFORE: &str =
    "SELECT article_id FROM story_keys WHERE key = ?1 AND article_id < ?2 LIMIT ?3";

/// Finds the similarity edges of each article in `ids` (ascending) to the articles before it,
/// as an import would, and unions them; only articles of `within` when given.
pub(crate) fn group_edges<E: EdgeSource>(
    edges: &mut E,
    ids: &[i64],
    within: Option<&HashSet<i64>>,
    threshold: f64,
    splits: &HashSet<i64>,
    components: &mut Components,
) -> std::result::Result<(), E::Error> {
    for chunk in ids.chunks(EDGE_CHUNK) {
        edges.prefetch(chunk)?;
        for &id in chunk {
            group_article(edges, id, within, threshold, splits, components)?;
        }
    }
    Ok(())
}

/// The edges of article `id` to the articles before it (see [`group_edges`]).
fn group_article<E: EdgeSource>(
    edges: &mut E,
    id: i64,
    within: Option<&HashSet<i64>>,
    threshold: f64,
    splits: &HashSet<i64>,
    components: &mut Components,
) -> std::result::Result<(), E::Error> {
    if splits.contains(&id) {
        return Ok(());
    }
    let Some(sketch) = edges.read_sketch(id)? else {
        return Ok(());
    };
    let mut candidates = SharedKeys::new();
    for key in stored_keys(&sketch) {
        let members = edges.bucket_before(key, id)?;
        if members.len() <= MAX_BUCKET {
            candidates.add(members);
        }
    }
    for (candidate, shared) in candidates.0 {
        if splits.contains(&candidate) || within.is_some_and(|set| !set.contains(&candidate)) {
            continue;
        }
        if components.find(candidate) == components.find(id) {
            continue;
        }
        let copy = edges.read_sketch(candidate)?.is_some_and(|other| {
            stories::worth_comparing(shared, sketch.is_short(), other.is_short())
                && stories::is_copy_of(&sketch, &other, threshold)
        });
        if copy {
            components.union(id, candidate);
        }
    }
    Ok(())
}

/// Every story's summary row from `article_story`, after a rebuild emptied `stories` (both
/// dialects).
pub(crate) const SUMMARISE_ALL_STORIES: &str = "
    INSERT INTO stories (id, size, first_published, last_published)
    SELECT x.story_id, count(*), min(a.published_at), max(a.published_at)
      FROM article_story AS x JOIN articles AS a ON a.id = x.article_id
     GROUP BY x.story_id HAVING count(*) > 1";

/// Candidates in id order, each with the number of candidate keys it shares with the article.
struct SharedKeys(BTreeMap<i64, usize>);

impl SharedKeys {
    fn new() -> SharedKeys {
        SharedKeys(BTreeMap::new())
    }

    fn add(&mut self, bucket: Vec<i64>) {
        for id in bucket {
            *self.0.entry(id).or_default() += 1;
        }
    }
}

/// The candidate keys of a sketch as `story_keys` stores them.
pub(crate) fn stored_keys(sketch: &Sketch) -> BTreeSet<i64> {
    sketch
        .candidate_keys()
        .into_iter()
        .map(stored_key)
        .collect()
}

/// The user's merges: pairs of articles that are one story whatever their similarity (both
/// dialects).
pub(crate) const FORCED_MERGES: &str = "
    SELECT c.article_id, c.other_article_id FROM story_corrections AS c
     WHERE c.kind = 'merge'
       AND EXISTS (SELECT 1 FROM articles WHERE id = c.article_id)
       AND EXISTS (SELECT 1 FROM articles WHERE id = c.other_article_id)";

/// The user's merges: pairs of articles that are one story whatever their similarity.
fn forced_merges(conn: &Connection) -> Result<Vec<(i64, i64)>> {
    let mut statement = conn
        .prepare_cached(FORCED_MERGES)
        .context("reading story corrections")?;
    let rows = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .context("reading story corrections")?;
    rows.collect::<rusqlite::Result<_>>()
        .context("reading story corrections")
}

impl Store {
    /// Recomputes every story from the stored sketches (computing the missing ones first from
    /// stored bodies), honouring the corrections; with `threshold`, that threshold becomes the
    /// database's (later imports use it too).
    pub fn rebuild_stories(&mut self, threshold: Option<f64>) -> Result<RebuildSummary> {
        let started = Instant::now();
        let sketched = self.sketch_missing()?;
        let transaction = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context("starting a write transaction")?;
        if let Some(threshold) = threshold {
            transaction
                .execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                    params![THRESHOLD_KEY, threshold.to_string()],
                )
                .context("recording the story threshold")?;
        }
        let threshold = super::threshold(&transaction)?;
        let splits = split_articles(&transaction)?;
        let ids: Vec<i64> = {
            let mut statement = transaction
                .prepare("SELECT article_id FROM article_sketches ORDER BY article_id")
                .context("listing sketches")?;
            let rows = statement
                .query_map([], |row| row.get(0))
                .context("listing sketches")?;
            rows.collect::<rusqlite::Result<_>>()
                .context("listing sketches")?
        };
        let mut components = Components::default();
        group_edges(
            &mut SqliteEdges(&transaction),
            &ids,
            None,
            threshold,
            &splits,
            &mut components,
        )?;
        for (a, b) in forced_merges(&transaction)? {
            components.union(a, b);
        }
        transaction
            .execute_batch("DELETE FROM article_story; DELETE FROM stories;")
            .context("clearing stories")?;
        {
            let mut insert = transaction
                .prepare("INSERT INTO article_story (article_id, story_id) VALUES (?1, ?2)")
                .context("storing stories")?;
            for (article, story) in components.rows() {
                insert
                    .execute(params![article, story])
                    .context("storing stories")?;
            }
        }
        transaction
            .execute(SUMMARISE_ALL_STORIES, [])
            .context("summarising stories")?;
        transaction.commit().context("committing the stories")?;
        let (stories, grouped_articles) = self.story_counts()?;
        Ok(RebuildSummary {
            sketched,
            articles: ids.len() as u64,
            stories,
            grouped_articles,
            threshold,
            elapsed_seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Computes and stores the sketches (and keys) of articles that have none, in batches.
    fn sketch_missing(&mut self) -> Result<u64> {
        // The keys it writes are not in the importer's cache of buckets.
        self.caches.sketches.clear();
        let mut after = 0i64;
        let mut sketched = 0;
        loop {
            let batch: Vec<(i64, Option<String>, String)> = self.query_rows(
                "SELECT a.id, a.title, a.body FROM articles AS a
                  WHERE a.id > ?1
                    AND NOT EXISTS (SELECT 1 FROM article_sketches WHERE article_id = a.id)
                  ORDER BY a.id LIMIT ?2",
                params![after, SKETCH_BATCH as i64],
                "reading articles to sketch",
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )?;
            let Some(last) = batch.last() else {
                return Ok(sketched);
            };
            after = last.0;
            let sketches: Vec<(i64, ArticleSketch)> = batch
                .into_par_iter()
                .map(|(id, title, body)| (id, ArticleSketch::of(title.as_deref(), &body)))
                .collect();
            let transaction = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .context("starting a write transaction")?;
            {
                let mut insert_sketch = transaction
                    .prepare_cached(
                        "INSERT OR REPLACE INTO article_sketches (article_id, sketch)
                         VALUES (?1, ?2)",
                    )
                    .context("storing a sketch")?;
                let mut insert_key = transaction
                    .prepare_cached(place::INSERT_KEY)
                    .context("storing story keys")?;
                for (id, sketch) in &sketches {
                    insert_sketch
                        .execute(params![id, sketch.bytes])
                        .context("storing a sketch")?;
                    let short = sketch.sketch.is_short();
                    for key in &sketch.keys {
                        insert_key
                            .execute(params![key, id, short])
                            .context("storing story keys")?;
                    }
                }
            }
            transaction.commit().context("committing sketches")?;
            sketched += sketches.len() as u64;
        }
    }

    /// Takes article `id` out of its story for good (`story split`): it keeps no similarity
    /// link, and what remains of its story is regrouped without it. Returns the stories its
    /// old story's articles are in now.
    pub fn split_story(&mut self, id: i64) -> Result<Vec<i64>> {
        let transaction = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context("starting a write transaction")?;
        transaction
            .execute(
                "DELETE FROM story_corrections
                  WHERE kind = 'merge' AND (article_id = ?1 OR other_article_id = ?1)",
                [id],
            )
            .context("recording a story split")?;
        transaction
            .execute(
                "INSERT INTO story_corrections (kind, article_id, created_at)
                 SELECT 'split', ?1, ?2
                  WHERE NOT EXISTS (SELECT 1 FROM story_corrections
                                     WHERE kind = 'split' AND article_id = ?1)",
                params![id, now_utc()],
            )
            .context("recording a story split")?;
        let story = story_of(&transaction, id)?;
        let members: Vec<i64> = {
            let mut statement = transaction
                .prepare("SELECT article_id FROM article_story WHERE story_id = ?1 ORDER BY 1")
                .context("reading a story")?;
            let rows = statement
                .query_map([story], |row| row.get(0))
                .context("reading a story")?;
            rows.collect::<rusqlite::Result<_>>()
                .context("reading a story")?
        };
        let within: HashSet<i64> = members.iter().copied().collect();
        let threshold = super::threshold(&transaction)?;
        let splits = split_articles(&transaction)?;
        let mut components = Components::default();
        group_edges(
            &mut SqliteEdges(&transaction),
            &members,
            Some(&within),
            threshold,
            &splits,
            &mut components,
        )?;
        for (a, b) in forced_merges(&transaction)? {
            if within.contains(&a) && within.contains(&b) {
                components.union(a, b);
            }
        }
        let rows = components.rows();
        {
            let mut remove = transaction
                .prepare_cached("DELETE FROM article_story WHERE article_id = ?1")
                .context("splitting a story")?;
            for member in &members {
                remove.execute([member]).context("splitting a story")?;
            }
            let mut insert = transaction
                .prepare_cached("INSERT INTO article_story (article_id, story_id) VALUES (?1, ?2)")
                .context("splitting a story")?;
            for (article, story) in &rows {
                insert
                    .execute(params![article, story])
                    .context("splitting a story")?;
            }
        }
        let mut stories: BTreeSet<i64> = rows.iter().map(|(_, story)| *story).collect();
        stories.insert(story);
        refresh_summaries(&transaction, stories.iter().copied())?;
        transaction.commit().context("committing the split")?;
        let mut now: BTreeSet<i64> = BTreeSet::new();
        for member in members.iter().copied().chain([id]) {
            now.extend(self.story_of(member)?);
        }
        Ok(now.into_iter().collect())
    }

    /// Puts articles `a` and `b` in one story for good (`story merge`): the younger story moves
    /// into the older, and the merge is recorded. Returns the story.
    pub fn merge_stories(&mut self, a: i64, b: i64) -> Result<i64> {
        let transaction = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context("starting a write transaction")?;
        let (a, b) = (a.min(b), a.max(b));
        transaction
            .execute(
                "INSERT INTO story_corrections (kind, article_id, other_article_id, created_at)
                 SELECT 'merge', ?1, ?2, ?3
                  WHERE NOT EXISTS (SELECT 1 FROM story_corrections WHERE kind = 'merge'
                                       AND article_id = ?1 AND other_article_id = ?2)",
                params![a, b, now_utc()],
            )
            .context("recording a story merge")?;
        let (sa, sb) = (story_of(&transaction, a)?, story_of(&transaction, b)?);
        let into = sa.min(sb);
        if sa != sb {
            let from = sa.max(sb);
            let moved = move_story(&transaction, from, into)?;
            transaction
                .execute(
                    "INSERT INTO story_merges
                            (merged_at, from_story, into_story, articles, article_id, reason)
                     VALUES (?1, ?2, ?3, ?4, NULL, 'user')",
                    params![now_utc(), from, into, moved],
                )
                .context("recording a story merge")?;
            refresh_summaries(&transaction, [into, from])?;
        }
        transaction.commit().context("committing the merge")?;
        Ok(into)
    }

    /// A story's articles, earliest first, each with its similarity to the earliest; at most
    /// `limit`.
    pub fn story_members(&self, story_id: i64, limit: usize) -> Result<Vec<StoryMember>> {
        let mut members = self.query_rows(
            MEMBERS,
            params![story_id, i64::try_from(limit).unwrap_or(i64::MAX)],
            "reading a story",
            |row| {
                Ok(StoryMember {
                    id: row.get(0)?,
                    published_at: row.get(1)?,
                    source: row.get(2)?,
                    title: row.get(3)?,
                    word_count: row.get(4)?,
                    score: None,
                    containment: None,
                    jaccard: None,
                })
            },
        )?;
        let Some(first) = members.first() else {
            return Ok(members);
        };
        let Some(earliest) = self.stored_sketch(first.id)? else {
            return Ok(members);
        };
        for member in &mut members {
            if let Some(sketch) = self.stored_sketch(member.id)? {
                let similarity = stories::compare(&earliest, &sketch);
                member.score = Some(similarity.score);
                member.containment = Some(similarity.containment);
                member.jaccard = Some(similarity.jaccard);
            }
        }
        Ok(members)
    }

    /// The articles sharing a candidate key with article `id` (whatever their story), best
    /// first, with their scores; at most `limit`. An article without a stored sketch is
    /// sketched from its stored body. `None` when there is no such article.
    pub fn similar_articles(&self, id: i64, limit: usize) -> Result<Option<Vec<SimilarArticle>>> {
        let sketch = match self.stored_sketch(id)? {
            Some(sketch) => sketch,
            None => {
                let text: Option<(Option<String>, String)> = self
                    .conn
                    .query_row(
                        "SELECT title, body FROM articles WHERE id = ?1",
                        [id],
                        |row| Ok((row.get(0)?, row.get(1)?)),
                    )
                    .optional()
                    .context("reading an article")?;
                let Some((title, body)) = text else {
                    return Ok(None);
                };
                Sketch::of(title.as_deref().unwrap_or(""), &body)
            }
        };
        let threshold = super::threshold(&self.conn)?;
        let mut candidates = SharedKeys::new();
        for key in stored_keys(&sketch) {
            let members = self.query_rows(
                "SELECT article_id FROM story_keys WHERE key = ?1 LIMIT ?2",
                params![key, (MAX_BUCKET + 1) as i64],
                "looking up similar articles",
                |row| row.get::<_, i64>(0),
            )?;
            if members.len() <= MAX_BUCKET {
                candidates.add(members);
            }
        }
        candidates.0.remove(&id);
        let mut similar = Vec::new();
        for (candidate, shared) in candidates.0 {
            let Some(other) = self.stored_sketch(candidate)? else {
                continue;
            };
            let (copy, similarity) = copies(shared, &sketch, &other, threshold);
            let Some((published_at, source, title)) = self
                .conn
                .prepare_cached(ARTICLE_LINE)
                .and_then(|mut statement| {
                    statement
                        .query_row([candidate], |row| {
                            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                        })
                        .optional()
                })
                .context("reading an article")?
            else {
                continue;
            };
            similar.push(SimilarArticle {
                id: candidate,
                story_id: story_of(&self.conn, candidate)?,
                copy,
                score: similarity.score,
                containment: similarity.containment,
                jaccard: similarity.jaccard,
                published_at,
                source,
                title,
            });
        }
        similar.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        similar.truncate(limit);
        Ok(Some(similar))
    }

    /// Whether article `id` exists.
    pub fn article_exists(&self, id: i64) -> Result<bool> {
        self.conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM articles WHERE id = ?1)")
            .and_then(|mut statement| statement.query_row([id], |row| row.get(0)))
            .context("looking up an article")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_named_by_their_smallest_id_whatever_the_union_order() {
        let mut forward = Components::default();
        forward.union(5, 9);
        forward.union(9, 2);
        forward.union(7, 8);
        let mut backward = Components::default();
        backward.union(8, 7);
        backward.union(2, 9);
        backward.union(9, 5);
        let expected = vec![(2, 2), (5, 2), (7, 7), (8, 7), (9, 2)];
        assert_eq!(forward.rows(), expected);
        assert_eq!(backward.rows(), expected);
    }
}
