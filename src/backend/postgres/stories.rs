//! The story rows of a PostgreSQL import batch: [`StoryTables`] for the one placement rule of
//! `store::stories` (see `place.rs` there), with the bucket lookups of a batch in one statement.
//!
//! Placement decides with what is stored: two importers placing at once could each miss the
//! other's near copy. So a batch places its articles holding a transaction-level advisory lock
//! ([`STORIES_LOCK`]) until it commits: placements run one at a time, each seeing every story
//! committed before it, and the grouping stays independent of arrival order as on SQLite. The
//! lock is taken last in the batch, after everything else is written, so importers wait on each
//! other only for the placement itself.

use std::collections::{BTreeSet, HashSet};

use postgres::Transaction;

use crate::store::stories::{
    ArticleSketch, Bucket, IdMap, MAX_BUCKET, Member, Members, StoryTables, key_rows,
    stored_candidates,
};
use crate::stories::Sketch;

/// The advisory lock that serialises story placement ("stories" in ASCII).
pub(super) const STORIES_LOCK: i64 = 0x73_746f_7269_6573;

/// The story tables in one batch transaction, with the buckets and sketches read so far.
pub(super) struct PgStoryTables<'t, 'c> {
    pub tx: &'t mut Transaction<'c>,
    buckets: IdMap<Bucket>,
    sketches: IdMap<Option<Sketch>>,
}

impl<'t, 'c> PgStoryTables<'t, 'c> {
    pub(super) fn new(tx: &'t mut Transaction<'c>) -> Self {
        PgStoryTables {
            tx,
            buckets: IdMap::default(),
            sketches: IdMap::default(),
        }
    }
}

impl StoryTables for PgStoryTables<'_, '_> {
    type Error = postgres::Error;

    fn threshold(&mut self) -> Result<f64, postgres::Error> {
        stored_threshold(self.tx)
    }

    fn split_articles(&mut self) -> Result<HashSet<i64>, postgres::Error> {
        let rows = self.tx.query(
            "SELECT article_id FROM story_corrections WHERE kind = 'split'",
            &[],
        )?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    /// Every key's first `MAX_BUCKET + 1` members (enough to tell a crowded bucket) at once.
    fn load_buckets(&mut self, keys: &BTreeSet<i64>) -> Result<(), postgres::Error> {
        let keys: Vec<i64> = keys.iter().copied().collect();
        let limit = (MAX_BUCKET + 1) as i64;
        let rows = self.tx.query(
            "SELECT k.key, m.article_id, m.short
               FROM unnest($1::bigint[]) AS k (key)
              CROSS JOIN LATERAL (SELECT article_id, short FROM story_keys
                                   WHERE key = k.key LIMIT $2) AS m",
            &[&keys, &limit],
        )?;
        let mut members: IdMap<Members> = IdMap::default();
        for row in rows {
            members
                .entry(row.get(0))
                .or_default()
                .push(Member::new(row.get(1), row.get(2)));
        }
        self.buckets = members
            .into_iter()
            .map(|(key, members)| {
                let bucket = if members.len() > MAX_BUCKET {
                    Bucket::Crowded
                } else {
                    Bucket::Members(members)
                };
                (key, bucket)
            })
            .collect();
        Ok(())
    }

    fn bucket(&self, key: i64) -> Option<&Bucket> {
        self.buckets.get(&key)
    }

    fn prefetch_sketches(&mut self, new: &[(i64, &ArticleSketch)]) -> Result<(), postgres::Error> {
        let wanted: Vec<i64> = stored_candidates(new, &self.buckets)
            .into_iter()
            .filter(|id| !self.sketches.contains_key(id))
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let rows = self.tx.query(
            "SELECT article_id, sketch FROM article_sketches WHERE article_id = ANY ($1)",
            &[&wanted],
        )?;
        for id in wanted {
            self.sketches.insert(id, None);
        }
        for row in rows {
            let sketch = Sketch::from_bytes(row.get::<_, &[u8]>(1)).ok();
            self.sketches.insert(row.get(0), sketch);
        }
        Ok(())
    }

    fn sketch(&mut self, id: i64) -> Result<Option<&Sketch>, postgres::Error> {
        if !self.sketches.contains_key(&id) {
            let sketch = self
                .tx
                .query_opt(
                    "SELECT sketch FROM article_sketches WHERE article_id = $1",
                    &[&id],
                )?
                .and_then(|row| Sketch::from_bytes(row.get::<_, &[u8]>(0)).ok());
            self.sketches.insert(id, sketch);
        }
        Ok(self.sketches[&id].as_ref())
    }

    fn story_of(&mut self, id: i64) -> Result<i64, postgres::Error> {
        let story = self
            .tx
            .query_opt(
                "SELECT story_id FROM article_story WHERE article_id = $1",
                &[&id],
            )?
            .map(|row| row.get(0));
        Ok(story.unwrap_or(id))
    }

    fn move_story(&mut self, from: i64, into: i64) -> Result<i64, postgres::Error> {
        let mut moved = self.tx.execute(
            "UPDATE article_story SET story_id = $2 WHERE story_id = $1",
            &[&from, &into],
        )?;
        if moved == 0 {
            // A story of one has no row yet: its article is `from` itself.
            moved = self.tx.execute(
                "INSERT INTO article_story (article_id, story_id) VALUES ($1, $2)",
                &[&from, &into],
            )?;
        }
        self.tx.execute(
            "INSERT INTO article_story (article_id, story_id) VALUES ($1, $1)
             ON CONFLICT (article_id) DO NOTHING",
            &[&into],
        )?;
        Ok(moved as i64)
    }

    fn record_merge(
        &mut self,
        merged_at: &str,
        from: i64,
        into: i64,
        moved: i64,
        article_id: i64,
    ) -> Result<(), postgres::Error> {
        self.tx.execute(
            "INSERT INTO story_merges
                    (merged_at, from_story, into_story, articles, article_id, reason)
             VALUES ($1, $2, $3, $4, $5, 'import')",
            &[&merged_at, &from, &into, &moved, &article_id],
        )?;
        Ok(())
    }

    fn store_sketches(&mut self, new: &[(i64, &ArticleSketch)]) -> Result<(), postgres::Error> {
        let ids: Vec<i64> = new.iter().map(|(id, _)| *id).collect();
        let sketches: Vec<&[u8]> = new.iter().map(|(_, article)| article.bytes()).collect();
        self.tx.execute(
            "INSERT INTO article_sketches (article_id, sketch)
             SELECT * FROM unnest($1::bigint[], $2::bytea[])
             ON CONFLICT (article_id) DO UPDATE SET sketch = excluded.sketch",
            &[&ids, &sketches],
        )?;
        let rows = key_rows(new, |key| self.is_crowded(key));
        let keys: Vec<i64> = rows.iter().map(|row| row.0).collect();
        let articles: Vec<i64> = rows.iter().map(|row| row.1).collect();
        let short: Vec<bool> = rows.iter().map(|row| row.2).collect();
        self.tx.execute(
            "INSERT INTO story_keys (key, article_id, short)
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::boolean[])
             ON CONFLICT DO NOTHING",
            &[&keys, &articles, &short],
        )?;
        Ok(())
    }

    fn refresh_summaries(&mut self, ids: &BTreeSet<i64>) -> Result<(), postgres::Error> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = ids.iter().copied().collect();
        self.tx
            .execute("DELETE FROM stories WHERE id = ANY ($1)", &[&ids])?;
        self.tx.execute(
            "INSERT INTO stories (id, size, first_published, last_published)
             SELECT x.story_id, count(*), min(a.published_at), max(a.published_at)
               FROM article_story AS x JOIN articles AS a ON a.id = x.article_id
              WHERE x.story_id = ANY ($1)
              GROUP BY x.story_id HAVING count(*) > 1",
            &[&ids],
        )?;
        Ok(())
    }
}

/// `newsdb stories` on PostgreSQL: the statements of `store::stories` in its dialect (the
/// source's key is given, computed as SQLite's `source_key()` does).
const STORIES: &str = "
    SELECT id, size, first_published, last_published FROM stories
     WHERE size >= $1
       AND ($2::text IS NULL OR last_published >= $2)
       AND ($3::text IS NULL OR id IN (
                SELECT x.story_id FROM article_story AS x
                  JOIN article_sources AS l ON l.article_id = x.article_id
                  JOIN sources AS s ON s.id = l.source_id
                 WHERE s.key = $7 OR lower(s.name) = lower($3)))
     ORDER BY CASE WHEN $4 = 'newest' THEN last_published END DESC NULLS LAST,
              size DESC, last_published DESC NULLS LAST, id
     LIMIT $5 OFFSET $6";

/// A story's most frequent publishers and its earliest title.
const STORY_HEAD: &str = "
    SELECT (SELECT string_agg(name, ', ' ORDER BY n DESC, name COLLATE \"C\") FROM (
                SELECT s.name, count(*) AS n FROM article_story AS x
                  JOIN articles AS a ON a.id = x.article_id
                  JOIN sources AS s ON s.id = a.source_id
                 WHERE x.story_id = $1
                 GROUP BY s.id ORDER BY count(*) DESC, s.name COLLATE \"C\" LIMIT 10) AS top),
           (SELECT a.title FROM article_story AS x JOIN articles AS a ON a.id = x.article_id
             WHERE x.story_id = $1
             ORDER BY a.published_at IS NULL, a.published_at, a.id LIMIT 1)";

impl super::PgStore {
    /// Stories of at least `filter.min_size` articles, biggest or newest first.
    pub fn stories(
        &mut self,
        filter: &crate::store::StoryFilter,
    ) -> Result<Vec<crate::store::StorySummary>, crate::store::StoreError> {
        use crate::store::{StoryOrder, StorySummary};
        let what = "listing stories";
        let order = match filter.order {
            StoryOrder::Biggest => "biggest",
            StoryOrder::Newest => "newest",
        };
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let source_key = filter
            .source
            .as_deref()
            .map(crate::normalize::keys::source_key);
        let rows = self
            .client
            .query(
                STORIES,
                &[
                    &filter.min_size.max(2),
                    &filter.since,
                    &filter.source,
                    &order,
                    &count(filter.limit),
                    &count(filter.offset),
                    &source_key,
                ],
            )
            .map_err(|error| self.error(what, &error))?;
        let mut stories = Vec::with_capacity(rows.len());
        for row in rows {
            let story_id: i64 = row.get(0);
            let head = self
                .client
                .query_one(STORY_HEAD, &[&story_id])
                .map_err(|error| self.error(what, &error))?;
            stories.push(StorySummary {
                story_id,
                articles: row.get(1),
                first_published: row.get(2),
                last_published: row.get(3),
                sources: head.get(0),
                title: head.get(1),
            });
        }
        Ok(stories)
    }
}

/// A story's articles, earliest first (a story of one is its article).
pub(super) const MEMBERS: &str = "
    SELECT a.id, a.published_at, s.name, a.title, a.word_count
      FROM articles AS a LEFT JOIN sources AS s ON s.id = a.source_id
     WHERE a.id IN (SELECT article_id FROM article_story WHERE story_id = $1)
        OR (a.id = $1 AND NOT EXISTS (SELECT 1 FROM article_story WHERE article_id = $1))
     ORDER BY a.published_at IS NULL, a.published_at, a.id
     LIMIT $2";

impl super::PgStore {
    /// One story, `None` when there is no such story (see `Store::story`).
    pub fn story(
        &mut self,
        story_id: i64,
    ) -> Result<Option<crate::store::StorySummary>, crate::store::StoreError> {
        use crate::store::StorySummary;
        let what = "reading a story";
        let grouped = self
            .client
            .query_opt(
                "SELECT id, size, first_published, last_published FROM stories WHERE id = $1",
                &[&story_id],
            )
            .map_err(|error| self.error(what, &error))?;
        if let Some(row) = grouped {
            let head = self
                .client
                .query_one(STORY_HEAD, &[&story_id])
                .map_err(|error| self.error(what, &error))?;
            return Ok(Some(StorySummary {
                story_id,
                articles: row.get(1),
                first_published: row.get(2),
                last_published: row.get(3),
                sources: head.get(0),
                title: head.get(1),
            }));
        }
        // A story of one: an article no copy has joined.
        let alone = self
            .client
            .query_opt(
                "SELECT a.id, a.published_at, s.name, a.title
                   FROM articles AS a LEFT JOIN sources AS s ON s.id = a.source_id
                  WHERE a.id = $1
                    AND NOT EXISTS (SELECT 1 FROM article_story WHERE article_id = $1)",
                &[&story_id],
            )
            .map_err(|error| self.error(what, &error))?;
        Ok(alone.map(|row| StorySummary {
            story_id: row.get(0),
            articles: 1,
            first_published: row.get(1),
            last_published: row.get(1),
            sources: row.get(2),
            title: row.get(3),
        }))
    }

    /// The story article `id` belongs to; `None` when there is no such article.
    pub fn story_of(&mut self, id: i64) -> Result<Option<i64>, crate::store::StoreError> {
        let row = self
            .client
            .query_one(
                "SELECT coalesce((SELECT story_id FROM article_story WHERE article_id = $1),
                                 (SELECT id FROM articles WHERE id = $1))",
                &[&id],
            )
            .map_err(|error| self.error("reading an article's story", &error))?;
        Ok(row.get(0))
    }

    /// A story's articles, earliest first, each with its similarity to the earliest.
    pub fn story_members(
        &mut self,
        story_id: i64,
        limit: usize,
    ) -> Result<Vec<crate::store::StoryMember>, crate::store::StoreError> {
        use crate::store::StoryMember;
        let what = "reading a story";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .client
            .query(MEMBERS, &[&story_id, &limit])
            .map_err(|error| self.error(what, &error))?;
        let mut members: Vec<StoryMember> = rows
            .iter()
            .map(|row| StoryMember {
                id: row.get(0),
                published_at: row.get(1),
                source: row.get(2),
                title: row.get(3),
                word_count: row.get(4),
                score: None,
                containment: None,
                jaccard: None,
            })
            .collect();
        let ids: Vec<i64> = members.iter().map(|member| member.id).collect();
        let sketches: IdMap<Sketch> = self
            .client
            .query(
                "SELECT article_id, sketch FROM article_sketches WHERE article_id = ANY ($1)",
                &[&ids],
            )
            .map_err(|error| self.error(what, &error))?
            .iter()
            .filter_map(|row| Some((row.get(0), Sketch::from_bytes(row.get::<_, &[u8]>(1)).ok()?)))
            .collect();
        let Some(earliest) = members.first().and_then(|first| sketches.get(&first.id)) else {
            return Ok(members);
        };
        for member in &mut members {
            if let Some(sketch) = sketches.get(&member.id) {
                let similarity = crate::stories::compare(earliest, sketch);
                member.score = Some(similarity.score);
                member.containment = Some(similarity.containment);
                member.jaccard = Some(similarity.jaccard);
            }
        }
        Ok(members)
    }
}

impl super::PgStore {
    /// The articles sharing a candidate key with article `id` (whatever their story), best
    /// first, with their scores (see `Store::similar_articles`); `None` when there is no such
    /// article.
    pub fn similar_articles(
        &mut self,
        id: i64,
        limit: usize,
    ) -> Result<Option<Vec<crate::store::SimilarArticle>>, crate::store::StoreError> {
        use crate::store::SimilarArticle;
        use crate::store::stories::{copies, stored_key};
        let what = "looking up similar articles";
        let fail = |store: &Self, error: postgres::Error| store.error(what, &error);
        let stored = self
            .client
            .query_opt(
                "SELECT s.sketch, a.title, a.body FROM articles AS a
                   LEFT JOIN article_sketches AS s ON s.article_id = a.id
                  WHERE a.id = $1",
                &[&id],
            )
            .map_err(|error| fail(self, error))?;
        let Some(stored) = stored else {
            return Ok(None);
        };
        // An article without a stored sketch is sketched from its stored text.
        let sketch = stored
            .get::<_, Option<&[u8]>>(0)
            .and_then(|bytes| Sketch::from_bytes(bytes).ok())
            .unwrap_or_else(|| {
                Sketch::of(
                    stored.get::<_, Option<&str>>(1).unwrap_or(""),
                    stored.get::<_, &str>(2),
                )
            });
        let threshold = stored_threshold(&mut self.client).map_err(|error| fail(self, error))?;
        let keys: BTreeSet<i64> = sketch
            .candidate_keys()
            .into_iter()
            .map(stored_key)
            .collect();
        let keys: Vec<i64> = keys.into_iter().collect();
        let limit_bucket = (MAX_BUCKET + 1) as i64;
        let rows = self
            .client
            .query(
                "SELECT k.key, m.article_id
                   FROM unnest($1::bigint[]) AS k (key)
                  CROSS JOIN LATERAL (SELECT article_id FROM story_keys
                                       WHERE key = k.key LIMIT $2) AS m",
                &[&keys, &limit_bucket],
            )
            .map_err(|error| fail(self, error))?;
        let mut buckets: IdMap<Vec<i64>> = IdMap::default();
        for row in &rows {
            buckets.entry(row.get(0)).or_default().push(row.get(1));
        }
        let mut shared: std::collections::BTreeMap<i64, usize> = Default::default();
        for members in buckets
            .values()
            .filter(|members| members.len() <= MAX_BUCKET)
        {
            for member in members {
                *shared.entry(*member).or_default() += 1;
            }
        }
        shared.remove(&id);
        let candidates: Vec<i64> = shared.keys().copied().collect();
        let lines = self
            .client
            .query(
                "SELECT a.id, s2.sketch, a.published_at, src.name, a.title,
                        coalesce((SELECT story_id FROM article_story WHERE article_id = a.id), a.id)
                   FROM articles AS a
                   JOIN article_sketches AS s2 ON s2.article_id = a.id
                   LEFT JOIN sources AS src ON src.id = a.source_id
                  WHERE a.id = ANY ($1)",
                &[&candidates],
            )
            .map_err(|error| fail(self, error))?;
        let mut similar = Vec::new();
        for line in &lines {
            let candidate: i64 = line.get(0);
            let Ok(other) = Sketch::from_bytes(line.get::<_, &[u8]>(1)) else {
                continue;
            };
            let (copy, similarity) = copies(shared[&candidate], &sketch, &other, threshold);
            similar.push(SimilarArticle {
                id: candidate,
                story_id: line.get(5),
                copy,
                score: similarity.score,
                containment: similarity.containment,
                jaccard: similarity.jaccard,
                published_at: line.get(2),
                source: line.get(3),
                title: line.get(4),
            });
        }
        similar.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        similar.truncate(limit);
        Ok(Some(similar))
    }
}

/// The threshold the grouping of this database uses: the last `stories rebuild --threshold`,
/// else the default.
pub(super) fn stored_threshold(
    client: &mut impl postgres::GenericClient,
) -> Result<f64, postgres::Error> {
    let stored = client
        .query_opt("SELECT value FROM meta WHERE key = 'story_threshold'", &[])?
        .map(|row| row.get::<_, String>(0));
    Ok(stored
        .and_then(|value| value.parse().ok())
        .unwrap_or(crate::stories::DEFAULT_THRESHOLD))
}
