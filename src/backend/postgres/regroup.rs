//! `stories rebuild`, `story split` and `story merge` on PostgreSQL: the grouping rule of
//! `store::stories` (its `group_edges` and union-find) over PostgreSQL's rows, with the same
//! results as on SQLite.
//!
//! Each regrouping holds the placement lock ([`STORIES_LOCK`]) until it commits, so importers
//! placing new articles wait for it and then see the new grouping: a rebuild never loses an
//! article an importer placed meanwhile.

use std::collections::{BTreeSet, HashSet};
use std::time::Instant;

use postgres::{Statement, Transaction};
use rayon::prelude::*;

use super::PgStore;
use super::import::WriteError;
use super::stories::{PgStoryTables, STORIES_LOCK, stored_threshold};
use crate::store::stories::{
    ArticleSketch, Components, EdgeSource, FORCED_MERGES, IdMap, MAX_BUCKET, SKETCH_BATCH,
    SUMMARISE_ALL_STORIES, StoryTables, THRESHOLD_KEY, group_edges, stored_keys,
};
use crate::store::{RebuildSummary, StoreError, now_utc};
use crate::stories::Sketch;

/// [`EdgeSource`] on a PostgreSQL transaction. [`EdgeSource::prefetch`] reads a chunk's
/// sketches, the first `MAX_BUCKET + 1` members of each of their keys (by id, so the members
/// before any article of the chunk are a prefix) and the sketches of the candidates those give,
/// in three statements; a read outside what was fetched is one statement. Only the current
/// chunk's reads are kept, so a rebuild of the whole store stays in bounded memory.
struct PgEdges<'t, 'c> {
    tx: &'t mut Transaction<'c>,
    sketch: Statement,
    sketches: IdMap<Option<Sketch>>,
    /// Each key's first `MAX_BUCKET + 1` members, ascending.
    buckets: IdMap<Vec<i64>>,
}

impl<'t, 'c> PgEdges<'t, 'c> {
    fn new(tx: &'t mut Transaction<'c>) -> Result<PgEdges<'t, 'c>, postgres::Error> {
        let sketch = tx.prepare("SELECT sketch FROM article_sketches WHERE article_id = $1")?;
        Ok(PgEdges {
            tx,
            sketch,
            sketches: IdMap::default(),
            buckets: IdMap::default(),
        })
    }

    fn fetch_sketches(&mut self, ids: &[i64]) -> Result<(), postgres::Error> {
        let rows = self.tx.query(
            "SELECT article_id, sketch FROM article_sketches WHERE article_id = ANY ($1)",
            &[&ids],
        )?;
        for &id in ids {
            self.sketches.insert(id, None);
        }
        for row in rows {
            let sketch = Sketch::from_bytes(row.get::<_, &[u8]>(1)).ok();
            self.sketches.insert(row.get(0), sketch);
        }
        Ok(())
    }

    /// The members of a fetched bucket before `id`, as `bucket_before` gives them.
    fn members_before(members: &[i64], id: i64) -> Vec<i64> {
        members
            .iter()
            .copied()
            .filter(|&member| member < id)
            .collect()
    }
}

const BUCKETS: &str = "
    SELECT k.key, m.article_id
      FROM unnest($1::bigint[]) AS k (key)
     CROSS JOIN LATERAL (SELECT article_id FROM story_keys
                          WHERE key = k.key ORDER BY article_id LIMIT $2) AS m
     ORDER BY k.key, m.article_id";

impl EdgeSource for PgEdges<'_, '_> {
    type Error = postgres::Error;

    fn prefetch(&mut self, ids: &[i64]) -> Result<(), postgres::Error> {
        self.sketches.clear();
        self.buckets.clear();
        self.fetch_sketches(ids)?;
        let keys: BTreeSet<i64> = ids
            .iter()
            .filter_map(|id| self.sketches[id].as_ref())
            .flat_map(stored_keys)
            .collect();
        let keys: Vec<i64> = keys.into_iter().collect();
        let limit = (MAX_BUCKET + 1) as i64;
        for row in self.tx.query(BUCKETS, &[&keys, &limit])? {
            self.buckets.entry(row.get(0)).or_default().push(row.get(1));
        }
        let mut candidates: BTreeSet<i64> = BTreeSet::new();
        for &id in ids {
            let Some(sketch) = &self.sketches[&id] else {
                continue;
            };
            for key in stored_keys(sketch) {
                let members = self.buckets.get(&key).map_or(&[][..], Vec::as_slice);
                let before = PgEdges::members_before(members, id);
                if before.len() <= MAX_BUCKET {
                    candidates.extend(before);
                }
            }
        }
        let wanted: Vec<i64> = candidates
            .into_iter()
            .filter(|id| !self.sketches.contains_key(id))
            .collect();
        self.fetch_sketches(&wanted)
    }

    fn bucket_before(&mut self, key: i64, id: i64) -> Result<Vec<i64>, postgres::Error> {
        if let Some(members) = self.buckets.get(&key) {
            return Ok(PgEdges::members_before(members, id));
        }
        let limit = (MAX_BUCKET + 1) as i64;
        let rows = self.tx.query(
            "SELECT article_id FROM story_keys WHERE key = $1 AND article_id < $2
              ORDER BY article_id LIMIT $3",
            &[&key, &id, &limit],
        )?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    fn read_sketch(&mut self, id: i64) -> Result<Option<Sketch>, postgres::Error> {
        if let Some(sketch) = self.sketches.get(&id) {
            return Ok(sketch.clone());
        }
        Ok(self
            .tx
            .query_opt(&self.sketch, &[&id])?
            .and_then(|row| Sketch::from_bytes(row.get::<_, &[u8]>(0)).ok()))
    }
}

/// The user's merges, as pairs of articles.
fn forced_merges(tx: &mut Transaction<'_>) -> Result<Vec<(i64, i64)>, postgres::Error> {
    let rows = tx.query(FORCED_MERGES, &[])?;
    Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
}

/// Stores `(article, story)` rows in `article_story`.
fn insert_story_rows(tx: &mut Transaction<'_>, rows: &[(i64, i64)]) -> Result<(), postgres::Error> {
    let articles: Vec<i64> = rows.iter().map(|row| row.0).collect();
    let stories: Vec<i64> = rows.iter().map(|row| row.1).collect();
    tx.execute(
        "INSERT INTO article_story (article_id, story_id)
         SELECT * FROM unnest($1::bigint[], $2::bigint[])",
        &[&articles, &stories],
    )?;
    Ok(())
}

impl PgStore {
    /// Recomputes every story from the stored sketches (see `Store::rebuild_stories`).
    pub fn rebuild_stories(
        &mut self,
        threshold: Option<f64>,
    ) -> Result<RebuildSummary, StoreError> {
        let started = Instant::now();
        let sketched = self.sketch_missing()?;
        self.write_retrying("rebuilding the stories", true, |tx, _| {
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&STORIES_LOCK])?;
            if let Some(threshold) = threshold {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ($1, $2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    &[&THRESHOLD_KEY, &threshold.to_string()],
                )?;
            }
            let threshold = stored_threshold(tx)?;
            let splits = split_articles(tx)?;
            let ids: Vec<i64> = tx
                .query(
                    "SELECT article_id FROM article_sketches ORDER BY article_id",
                    &[],
                )?
                .iter()
                .map(|row| row.get(0))
                .collect();
            let mut components = Components::default();
            group_edges(
                &mut PgEdges::new(tx)?,
                &ids,
                None,
                threshold,
                &splits,
                &mut components,
            )?;
            for (a, b) in forced_merges(tx)? {
                components.union(a, b);
            }
            tx.batch_execute("DELETE FROM article_story; DELETE FROM stories;")?;
            insert_story_rows(tx, &components.rows())?;
            tx.execute(SUMMARISE_ALL_STORIES, &[])?;
            let counts = tx.query_one(
                "SELECT count(*), coalesce(sum(size), 0)::bigint FROM stories",
                &[],
            )?;
            Ok(RebuildSummary {
                sketched,
                articles: ids.len() as u64,
                stories: counts.get(0),
                grouped_articles: counts.get(1),
                threshold,
                elapsed_seconds: started.elapsed().as_secs_f64(),
            })
        })
    }

    /// Computes and stores the sketches (and keys) of articles that have none, a batch per
    /// transaction.
    fn sketch_missing(&mut self) -> Result<u64, StoreError> {
        let mut after = 0_i64;
        let mut sketched = 0;
        loop {
            let batch = self
                .client
                .query(
                    "SELECT a.id, a.title, a.body FROM articles AS a
                      WHERE a.id > $1
                        AND NOT EXISTS (SELECT 1 FROM article_sketches WHERE article_id = a.id)
                      ORDER BY a.id LIMIT $2",
                    &[&after, &(SKETCH_BATCH as i64)],
                )
                .map_err(|error| self.error("reading articles to sketch", &error))?;
            let Some(last) = batch.last() else {
                return Ok(sketched);
            };
            after = last.get(0);
            let sketches: Vec<(i64, ArticleSketch)> = batch
                .par_iter()
                .map(|row| (row.get(0), ArticleSketch::of(row.get(1), row.get(2))))
                .collect();
            let refs: Vec<(i64, &ArticleSketch)> =
                sketches.iter().map(|(id, sketch)| (*id, sketch)).collect();
            self.write_retrying("storing sketches", true, |tx, _| {
                let mut tables = PgStoryTables::new(tx);
                // Sketches of stored articles: no buckets were read, every key gets its row.
                Ok(tables.store_sketches(&refs)?)
            })?;
            sketched += sketches.len() as u64;
        }
    }

    /// Takes article `id` out of its story for good (see `Store::split_story`). Returns the
    /// stories its old story's articles are in now.
    pub fn split_story(&mut self, id: i64) -> Result<Vec<i64>, StoreError> {
        let members = self.write_retrying("splitting a story", true, |tx, _| {
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&STORIES_LOCK])?;
            tx.execute(
                "DELETE FROM story_corrections
                  WHERE kind = 'merge' AND (article_id = $1 OR other_article_id = $1)",
                &[&id],
            )?;
            tx.execute(
                "INSERT INTO story_corrections (kind, article_id, created_at)
                 SELECT 'split', $1, $2
                  WHERE NOT EXISTS (SELECT 1 FROM story_corrections
                                     WHERE kind = 'split' AND article_id = $1)",
                &[&id, &now_utc()],
            )?;
            let mut tables = PgStoryTables::new(tx);
            let story = tables.story_of(id)?;
            let members: Vec<i64> = tables
                .tx
                .query(
                    "SELECT article_id FROM article_story WHERE story_id = $1 ORDER BY 1",
                    &[&story],
                )?
                .iter()
                .map(|row| row.get(0))
                .collect();
            let within: HashSet<i64> = members.iter().copied().collect();
            let threshold = tables.threshold()?;
            let splits = tables.split_articles()?;
            let mut components = Components::default();
            group_edges(
                &mut PgEdges::new(tables.tx)?,
                &members,
                Some(&within),
                threshold,
                &splits,
                &mut components,
            )?;
            for (a, b) in forced_merges(tables.tx)? {
                if within.contains(&a) && within.contains(&b) {
                    components.union(a, b);
                }
            }
            let rows = components.rows();
            tables.tx.execute(
                "DELETE FROM article_story WHERE article_id = ANY ($1)",
                &[&members],
            )?;
            insert_story_rows(tables.tx, &rows)?;
            let mut stories: BTreeSet<i64> = rows.iter().map(|(_, story)| *story).collect();
            stories.insert(story);
            tables.refresh_summaries(&stories)?;
            Ok(members)
        })?;
        let mut now: BTreeSet<i64> = BTreeSet::new();
        for member in members.into_iter().chain([id]) {
            now.extend(self.story_of(member)?);
        }
        Ok(now.into_iter().collect())
    }

    /// Puts articles `a` and `b` in one story for good (see `Store::merge_stories`). Returns
    /// the story.
    pub fn merge_stories(&mut self, a: i64, b: i64) -> Result<i64, StoreError> {
        let (a, b) = (a.min(b), a.max(b));
        self.write_retrying("merging stories", true, |tx, _| {
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&STORIES_LOCK])?;
            let now = now_utc();
            tx.execute(
                "INSERT INTO story_corrections (kind, article_id, other_article_id, created_at)
                 SELECT 'merge', $1, $2, $3
                  WHERE NOT EXISTS (SELECT 1 FROM story_corrections WHERE kind = 'merge'
                                       AND article_id = $1 AND other_article_id = $2)",
                &[&a, &b, &now],
            )?;
            let mut tables = PgStoryTables::new(tx);
            let (sa, sb) = (tables.story_of(a)?, tables.story_of(b)?);
            let into = sa.min(sb);
            if sa != sb {
                let from = sa.max(sb);
                let moved = tables.move_story(from, into)?;
                tables.tx.execute(
                    "INSERT INTO story_merges
                            (merged_at, from_story, into_story, articles, article_id, reason)
                     VALUES ($1, $2, $3, $4, NULL, 'user')",
                    &[&now, &from, &into, &moved],
                )?;
                tables.refresh_summaries(&BTreeSet::from([into, from]))?;
            }
            Ok(into)
        })
    }
}

/// Articles the user took out of their stories.
fn split_articles(tx: &mut Transaction<'_>) -> Result<HashSet<i64>, WriteError> {
    let mut tables = PgStoryTables::new(tx);
    Ok(tables.split_articles()?)
}
