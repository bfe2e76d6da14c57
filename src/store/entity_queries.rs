//! Read queries over entities and mentions: the `entities` listing, one entity's page
//! (`entity NAME`) and the articles that mention an entity (`articles --entity`).
//!
//! **When an entity was seen.** An article's date is `published_at`, or `imported_at` when the
//! date is unknown, so every article counts somewhere on the timeline. `--since` compares that
//! date as text: both sides are UTC `YYYY-MM-DDTHH:MM:SSZ`, which sorts chronologically.
//!
//! **Performance at 100,000 articles.** Ranking every entity has to count every mention, so the
//! listing scans the covering index `mentions_entity_article (entity_id, article_id)` once and
//! never touches `articles`; only the top N rows then look up their articles' dates. With
//! `--since` the scan starts from the articles in range instead, through the expression index
//! `articles_seen` (V3), and their mentions. An entity's page reads its own mentions
//! through `mentions_entity_article`, and co-mentions go from its articles to their mentions
//! through the `(article_id, field, start, end)` unique index. Dates and latest articles of an
//! entity in many articles come from walking `articles_seen` (see `WALK_FROM_ARTICLES`).
//! `EXPLAIN QUERY PLAN` tests below pin those plans; `benches/entities_import.rs` times them.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Context, Result, Store};
use crate::entities::{EntityKind, alias_key, entity_key};

/// What `entities` lists.
#[derive(Clone, Debug)]
pub struct EntityFilter {
    pub kind: Option<EntityKind>,
    /// Only articles dated on or after this UTC time (`YYYY-MM-DDTHH:MM:SSZ`).
    pub since: Option<String>,
    /// At most this many entities...
    pub limit: usize,
    /// ...after skipping this many.
    pub offset: usize,
}

/// An entity with its counts: a row of `entities`, the head of `entity NAME`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntitySummary {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub mentions: i64,
    pub articles: i64,
    /// The identifier of the entity's source list (`iso3166:KP`, `geonames:1835848`), when it
    /// comes from a gazetteer that has one: `entities.external_id`.
    pub external_id: Option<String>,
    /// The earliest and latest date (published, else imported) of the articles that mention it.
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
}

/// A surface form of an entity: a row of `entity_aliases`, or a surface found in its mentions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AliasCount {
    pub alias: String,
    /// `extracted`, `user` or `import`; `null` for a surface that is in the mentions only.
    pub origin: Option<String>,
    /// Mentions written exactly this way.
    pub mentions: i64,
}

/// An entity named in the same articles as another.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoMention {
    pub id: i64,
    pub name: String,
    pub kind: String,
    /// Articles that mention both.
    pub articles: i64,
}

/// An article in a listing, newest first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArticleRef {
    pub id: i64,
    pub published_at: Option<String>,
    pub title: Option<String>,
    /// Mentions of the entity in this article.
    pub mentions: i64,
}

/// Everything `entity NAME` shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntityDetail {
    pub entity: EntitySummary,
    pub aliases: Vec<AliasCount>,
    pub co_mentions: Vec<CoMention>,
    pub articles: Vec<ArticleRef>,
}

/// The most mentioned entities from their stored totals (V14), walking the index
/// `entity_totals_rank` from the top: no mention is read.
const TOP_ENTITIES: &str = "
    SELECT e.id, e.name, e.kind, t.mentions, t.articles, t.first_seen, t.last_seen, e.external_id
      FROM entity_totals t
      JOIN entities e ON e.id = t.entity_id
     WHERE ?1 IS NULL OR e.kind = ?1
     ORDER BY t.articles DESC, t.mentions DESC, e.name, e.id
     LIMIT ?2 OFFSET ?3";

/// The same, restricted to articles dated on or after ?4. `CROSS JOIN` makes SQLite start from
/// the articles in range (index `articles_seen`); left to itself it scans every mention to keep
/// the GROUP BY order, reading one article row per mention.
const TOP_ENTITIES_SINCE: &str = "
    WITH ranked AS (
        SELECT m.entity_id, sum(m.mention_count) AS mentions,
               count(DISTINCT m.article_id) AS articles,
               min(coalesce(a.published_at, a.imported_at)) AS first_seen,
               max(coalesce(a.published_at, a.imported_at)) AS last_seen
          FROM articles a
         CROSS JOIN article_entities m ON m.article_id = a.id
         WHERE coalesce(a.published_at, a.imported_at) >= ?4
         GROUP BY m.entity_id
    )
    SELECT e.id, e.name, e.kind, r.mentions, r.articles, r.first_seen, r.last_seen, e.external_id
      FROM ranked r
      JOIN entities e ON e.id = r.entity_id
     WHERE ?1 IS NULL OR e.kind = ?1
     ORDER BY r.articles DESC, r.mentions DESC, e.name, e.id
     LIMIT ?2 OFFSET ?3";

/// From how many articles on an entity's latest articles are found by walking the date index
/// rather than by reading all of its articles. Reading costs one article row per article;
/// walking costs (all articles / its articles) cheap index probes per row wanted, and never goes
/// back further than the month from which the entity has enough articles (`entity_months`).
const WALK_FROM_ARTICLES: i64 = 500;

/// Aliases' mention counts and co-mentioned entities are counted over this many of the
/// entity's most recently stored articles, so an entity's page costs the same whatever the
/// size of the store or the fame of the entity.
pub const ENTITY_SAMPLE_ARTICLES: i64 = 200;

/// Entities whose key, or one of whose aliases' keys, is ?1 or ?2; exact entity keys first.
const FIND_ENTITIES: &str = "
    WITH matched AS (
        SELECT id AS entity_id, 0 AS rank FROM entities WHERE key IN (?1, ?2)
        UNION ALL
        SELECT entity_id, 1 AS rank FROM entity_aliases WHERE key IN (?1, ?2)
    )
    SELECT e.id, e.name, e.kind, min(matched.rank) AS rank,
           coalesce(t.mentions, 0) AS mentions, coalesce(t.articles, 0) AS articles,
           t.first_seen, t.last_seen, e.external_id
      FROM matched
      JOIN entities e ON e.id = matched.entity_id
      LEFT JOIN entity_totals t ON t.entity_id = e.id
     WHERE ?3 IS NULL OR e.kind = ?3
     GROUP BY e.id
     ORDER BY rank, articles DESC, mentions DESC, e.name, e.id";

const ENTITY_BY_ID: &str = "
    SELECT e.id, e.name, e.kind, coalesce(t.mentions, 0), coalesce(t.articles, 0),
           t.first_seen, t.last_seen, e.external_id
      FROM entities e
      LEFT JOIN entity_totals t ON t.entity_id = e.id
     WHERE e.id = ?1";

/// The entity's [`ENTITY_SAMPLE_ARTICLES`] most recently stored articles (highest ids), from the
/// index `article_entities_entity`.
const SAMPLE: &str = "
    sample AS (SELECT article_id FROM article_entities WHERE entity_id = ?1
                GROUP BY article_id ORDER BY article_id DESC LIMIT ?9)";

/// Stored aliases with how often each was written in the entity's sample of articles, then
/// surfaces that are in those mentions only. Reading a surface reads its article's text: once
/// per (article, field) row, whose spans are then cut from it.
const ALIASES: &str = "
    WITH SAMPLE, seen AS (
        SELECT substr(CASE ae.field WHEN 'title' THEN a.title
                                    WHEN 'summary' THEN a.summary
                                    ELSE a.body END,
                      (span.value ->> 0) + 1, (span.value ->> 1) - (span.value ->> 0)) AS alias,
               count(*) AS mentions
          FROM article_entities ae
          JOIN articles a ON a.id = ae.article_id
          JOIN json_each(ae.spans) AS span
         WHERE ae.entity_id = ?1 AND ae.article_id IN sample
         GROUP BY alias
    )
    SELECT alias, origin, mentions FROM (
        SELECT ea.alias, ea.origin, coalesce(seen.mentions, 0) AS mentions
          FROM entity_aliases ea
          LEFT JOIN seen ON seen.alias = ea.alias
         WHERE ea.entity_id = ?1
        UNION ALL
        SELECT seen.alias, NULL, seen.mentions
          FROM seen
         WHERE seen.alias NOT IN (SELECT alias FROM entity_aliases WHERE entity_id = ?1)
    )
     ORDER BY mentions DESC, alias";

/// Other entities in the entity's sample of articles, by the number of those articles they
/// share. The sample comes from `article_entities_entity`; its rows are read through the
/// `(article_id, ...)` primary key.
const CO_MENTIONS: &str = "
    WITH SAMPLE
    SELECT e.id, e.name, e.kind, shared.articles
      FROM (SELECT entity_id, count(DISTINCT article_id) AS articles
              FROM article_entities
             WHERE article_id IN sample
               AND entity_id <> ?1
             GROUP BY entity_id) AS shared
      JOIN entities e ON e.id = shared.entity_id
     ORDER BY shared.articles DESC, e.name, e.id
     LIMIT ?2";

/// The articles that mention an entity, newest first (published, else imported), from its own
/// articles: for an entity in few articles.
const ARTICLES_MENTIONING: &str = "
    SELECT a.id, a.published_at, a.title, counted.mentions
      FROM (SELECT article_id, sum(mention_count) AS mentions
              FROM article_entities
             WHERE entity_id = ?1
             GROUP BY article_id) AS counted
      JOIN articles a ON a.id = counted.article_id
     ORDER BY coalesce(a.published_at, a.imported_at) DESC, a.id DESC
     LIMIT ?2";

/// The same for an entity in many articles: walk the date index newest first, back to ?3 at
/// most (the start of the month from which the entity has enough articles).
const ARTICLES_MENTIONING_BY_WALK: &str = "
    SELECT a.id, a.published_at, a.title,
           (SELECT sum(m.mention_count) FROM article_entities m
             WHERE m.entity_id = ?1 AND m.article_id = a.id)
      FROM articles a
     WHERE coalesce(a.published_at, a.imported_at) >= ?3
       AND EXISTS (SELECT 1 FROM article_entities m WHERE m.entity_id = ?1 AND m.article_id = a.id)
     ORDER BY coalesce(a.published_at, a.imported_at) DESC, a.id DESC
     LIMIT ?2";

/// The months of an entity, newest first, with its articles in each: where the walk for its
/// latest articles may stop.
const MONTHS_NEWEST_FIRST: &str = "
    SELECT month, articles FROM entity_months WHERE entity_id = ?1 ORDER BY month DESC";

fn summary_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<EntitySummary> {
    Ok(EntitySummary {
        id: row.get("id")?,
        name: row.get("name")?,
        kind: row.get("kind")?,
        mentions: row.get(3)?,
        articles: row.get(4)?,
        external_id: row.get("external_id")?,
        first_seen: row.get("first_seen")?,
        last_seen: row.get("last_seen")?,
    })
}

/// A statement with the entity sample's common table expression in place of `SAMPLE`.
fn with_sample(sql: &str) -> String {
    let sample = SAMPLE.replace("?9", &ENTITY_SAMPLE_ARTICLES.to_string());
    sql.replacen("SAMPLE", sample.trim(), 1)
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store {
    /// The most mentioned entities: by articles, then mentions, then name.
    pub fn top_entities(&self, filter: &EntityFilter) -> Result<Vec<EntitySummary>> {
        let kind = filter.kind.map(EntityKind::name);
        let what = "listing entities";
        if let Some(since) = &filter.since {
            return self.query_rows(
                TOP_ENTITIES_SINCE,
                params![kind, limit(filter.limit), limit(filter.offset), since],
                what,
                summary_from_row,
            );
        }
        self.query_rows(
            TOP_ENTITIES,
            params![kind, limit(filter.limit), limit(filter.offset)],
            what,
            summary_from_row,
        )
    }

    /// The entities a user means by `name`: those whose key is its [`entity_key`] or
    /// [`alias_key`], or that have an alias with that key; optionally of one kind. An exact
    /// entity key ranks before an alias, then the most mentioned first.
    pub fn find_entities(
        &self,
        name: &str,
        kind: Option<EntityKind>,
    ) -> Result<Vec<EntitySummary>> {
        let what = "looking up an entity";
        let mut statement = self.conn.prepare_cached(FIND_ENTITIES).context(what)?;
        let rows = statement
            .query_map(
                params![
                    entity_key(name),
                    alias_key(name),
                    kind.map(EntityKind::name)
                ],
                |row| {
                    Ok(EntitySummary {
                        mentions: row.get("mentions")?,
                        articles: row.get("articles")?,
                        ..summary_from_row(row)?
                    })
                },
            )
            .context(what)?;
        rows.collect::<rusqlite::Result<_>>().context(what)
    }

    /// One entity's page: counts, aliases, the `limit` entities most often named with it and
    /// its `limit` latest articles. `None` if there is no entity with this id.
    pub fn entity_detail(&self, id: i64, limit_rows: usize) -> Result<Option<EntityDetail>> {
        let what = "reading an entity";
        let entity = self
            .conn
            .prepare_cached(ENTITY_BY_ID)
            .and_then(|mut statement| statement.query_row([id], summary_from_row).optional())
            .context(what)?;
        let Some(entity) = entity else {
            return Ok(None);
        };
        let aliases = self.query_rows(
            &with_sample(ALIASES),
            [id],
            "reading an entity's aliases",
            |row| {
                Ok(AliasCount {
                    alias: row.get(0)?,
                    origin: row.get(1)?,
                    mentions: row.get(2)?,
                })
            },
        )?;
        let co_mentions = self.query_rows(
            &with_sample(CO_MENTIONS),
            params![id, limit(limit_rows)],
            "reading co-mentioned entities",
            |row| {
                Ok(CoMention {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    kind: row.get(2)?,
                    articles: row.get(3)?,
                })
            },
        )?;
        let articles = self.latest_articles(id, entity.articles, limit_rows)?;
        Ok(Some(EntityDetail {
            entity,
            aliases,
            co_mentions,
            articles,
        }))
    }

    /// The `limit` latest articles that mention the entity, newest first.
    pub fn articles_mentioning(
        &self,
        entity_id: i64,
        limit_rows: usize,
    ) -> Result<Vec<ArticleRef>> {
        let articles: i64 = self
            .conn
            .prepare_cached(
                "SELECT coalesce(max(articles), 0) FROM entity_totals WHERE entity_id = ?1",
            )
            .and_then(|mut statement| statement.query_row([entity_id], |row| row.get(0)))
            .context("listing an entity's articles")?;
        self.latest_articles(entity_id, articles, limit_rows)
    }

    /// The same for an entity in `articles` articles: read them all when they are few, else walk
    /// the date index from the newest article back to the month from which it has enough.
    fn latest_articles(
        &self,
        entity_id: i64,
        articles: i64,
        limit_rows: usize,
    ) -> Result<Vec<ArticleRef>> {
        let what = "listing an entity's articles";
        let map = |row: &rusqlite::Row<'_>| {
            Ok(ArticleRef {
                id: row.get(0)?,
                published_at: row.get(1)?,
                title: row.get(2)?,
                mentions: row.get(3)?,
            })
        };
        if articles < WALK_FROM_ARTICLES {
            return self.query_rows(
                ARTICLES_MENTIONING,
                params![entity_id, limit(limit_rows)],
                what,
                map,
            );
        }
        let months = self.query_rows(MONTHS_NEWEST_FIRST, [entity_id], what, |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })?;
        let mut floor = String::new();
        let mut enough = 0;
        for (month, count) in months {
            floor = month;
            enough += count;
            if enough >= limit(limit_rows) {
                break;
            }
        }
        self.query_rows(
            ARTICLES_MENTIONING_BY_WALK,
            params![entity_id, limit(limit_rows), floor],
            what,
            map,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store with three articles and a few entities, mentions placed by hand.
    fn store() -> Store {
        let store = Store::open_in_memory().unwrap();
        store
            .conn
            .execute_batch(
                "INSERT INTO articles (id, content_hash, title, body, published_at, imported_at)
                 VALUES (1, printf('%064d', 1), 'Kim meets Putin', 'Kim Jong Un met Putin in Russia.',
                         '2023-09-10T00:00:00Z', '2024-01-01T00:00:00Z'),
                        (2, printf('%064d', 2), 'Summit', 'Kim Jong-un and Putin. Kim left.',
                         NULL, '2023-09-12T00:00:00Z'),
                        (3, printf('%064d', 3), 'Seoul', 'Seoul reacts.',
                         '2023-09-11T00:00:00Z', '2024-01-01T00:00:00Z');
                 INSERT INTO entities (id, kind, name, key) VALUES
                        (1, 'person', 'Kim Jong Un', 'kim jong un'),
                        (2, 'person', 'Vladimir Putin', 'vladimir putin'),
                        (3, 'location', 'Russia', 'russia'),
                        (4, 'location', 'Seoul', 'seoul');
                 INSERT INTO entity_aliases (entity_id, alias, key, origin) VALUES
                        (1, 'Kim Jong Un', 'kim jong un', 'extracted'),
                        (1, 'Kim Jong-un', 'kim jong un', 'extracted'),
                        (1, 'Kim', 'kim', 'extracted'),
                        (1, 'Supreme Leader', 'supreme leader', 'user'),
                        (2, 'Putin', 'putin', 'extracted');
                 INSERT INTO mentions (article_id, entity_id, field, start, \"end\", method) VALUES
                        (1, 1, 'body', 0, 11, 'gazetteer'),
                        (1, 2, 'body', 16, 21, 'rule'),
                        (1, 3, 'body', 25, 31, 'gazetteer'),
                        (1, 1, 'title', 0, 3, 'coreference'),
                        (2, 1, 'body', 0, 11, 'alias'),
                        (2, 2, 'body', 16, 21, 'rule'),
                        (2, 1, 'body', 23, 26, 'coreference'),
                        (3, 4, 'body', 0, 5, 'gazetteer');",
            )
            .unwrap();
        store
    }

    #[test]
    fn top_entities_rank_by_articles_then_mentions() {
        let store = store();
        let all = EntityFilter {
            kind: None,
            since: None,
            limit: 50,
            offset: 0,
        };
        let top = store.top_entities(&all).unwrap();
        let names: Vec<(&str, i64, i64)> = top
            .iter()
            .map(|e| (e.name.as_str(), e.articles, e.mentions))
            .collect();
        assert_eq!(
            names,
            [
                ("Kim Jong Un", 2, 4),
                ("Vladimir Putin", 2, 2),
                ("Russia", 1, 1),
                ("Seoul", 1, 1)
            ]
        );
        // Article 2 has no publication date: its import date counts.
        assert_eq!(top[0].first_seen.as_deref(), Some("2023-09-10T00:00:00Z"));
        assert_eq!(top[0].last_seen.as_deref(), Some("2023-09-12T00:00:00Z"));

        let places = EntityFilter {
            kind: Some(EntityKind::Location),
            limit: 1,
            ..all.clone()
        };
        let top = store.top_entities(&places).unwrap();
        assert_eq!(top.len(), 1);
        assert_eq!(top[0].name, "Russia");
        let next = EntityFilter {
            offset: 1,
            ..places.clone()
        };
        assert_eq!(store.top_entities(&next).unwrap()[0].name, "Seoul");

        let since = EntityFilter {
            since: Some("2023-09-11T00:00:00Z".into()),
            ..all
        };
        let top = store.top_entities(&since).unwrap();
        let names: Vec<(&str, i64, i64)> = top
            .iter()
            .map(|e| (e.name.as_str(), e.articles, e.mentions))
            .collect();
        assert_eq!(
            names,
            [
                ("Kim Jong Un", 1, 2),
                ("Seoul", 1, 1),
                ("Vladimir Putin", 1, 1)
            ]
        );
        assert_eq!(top[0].first_seen.as_deref(), Some("2023-09-12T00:00:00Z"));
    }

    #[test]
    fn find_entities_by_key_and_alias() {
        let store = store();
        let ids = |name: &str| -> Vec<i64> {
            store
                .find_entities(name, None)
                .unwrap()
                .iter()
                .map(|e| e.id)
                .collect()
        };
        assert_eq!(ids("KIM JONG-UN"), [1]);
        assert_eq!(ids("Kim's"), [1]);
        assert_eq!(ids("putin"), [2]);
        assert_eq!(ids("the Supreme Leader"), [1]);
        assert!(ids("Pyongyang").is_empty());
        assert!(
            store
                .find_entities("Seoul", Some(EntityKind::Person))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn entity_detail_has_aliases_co_mentions_and_latest_articles() {
        let store = store();
        let detail = store.entity_detail(1, 10).unwrap().unwrap();
        assert_eq!((detail.entity.mentions, detail.entity.articles), (4, 2));
        let aliases: Vec<(&str, Option<&str>, i64)> = detail
            .aliases
            .iter()
            .map(|a| (a.alias.as_str(), a.origin.as_deref(), a.mentions))
            .collect();
        assert_eq!(
            aliases,
            [
                ("Kim", Some("extracted"), 2),
                ("Kim Jong Un", Some("extracted"), 1),
                ("Kim Jong-un", Some("extracted"), 1),
                ("Supreme Leader", Some("user"), 0)
            ]
        );
        let co: Vec<(&str, i64)> = detail
            .co_mentions
            .iter()
            .map(|c| (c.name.as_str(), c.articles))
            .collect();
        assert_eq!(co, [("Vladimir Putin", 2), ("Russia", 1)]);
        let articles: Vec<(i64, i64)> =
            detail.articles.iter().map(|a| (a.id, a.mentions)).collect();
        assert_eq!(articles, [(2, 2), (1, 2)]);
        assert!(store.entity_detail(99, 10).unwrap().is_none());
    }

    /// Surfaces found in mentions but missing from `entity_aliases` still show, origin unknown.
    #[test]
    fn surfaces_without_an_alias_row_are_listed() {
        let store = store();
        let detail = store.entity_detail(3, 10).unwrap().unwrap();
        assert_eq!(
            detail.aliases,
            [AliasCount {
                alias: "Russia".into(),
                origin: None,
                mentions: 1
            }]
        );
    }

    /// The index walk used for entities in many articles gives what the direct query gives,
    /// and the totals kept by the mentions view's writes agree with a recount.
    #[test]
    fn walk_agrees_with_direct_reads_and_totals_with_a_recount() {
        let store = store();
        for id in 1..=4 {
            let articles = |sql: &str| -> Vec<(i64, i64)> {
                let mut statement = store.conn.prepare(sql).unwrap();
                let count = statement.parameter_count();
                let parameters: Vec<rusqlite::types::Value> = [
                    rusqlite::types::Value::Integer(id),
                    rusqlite::types::Value::Integer(10),
                    rusqlite::types::Value::Text("2023-09".into()),
                ][..count]
                    .to_vec();
                let rows = statement
                    .query_map(rusqlite::params_from_iter(parameters), |row| {
                        Ok((row.get(0)?, row.get(3)?))
                    })
                    .unwrap();
                rows.map(Result::unwrap).collect()
            };
            assert_eq!(
                articles(ARTICLES_MENTIONING_BY_WALK),
                articles(ARTICLES_MENTIONING),
                "entity {id}"
            );
        }
        let drift = |store: &Store| -> Vec<String> {
            let mut statement = store
                .conn
                .prepare(super::super::entity_totals::DRIFT)
                .unwrap();
            let rows = statement.query_map([], |row| row.get(0)).unwrap();
            rows.map(Result::unwrap).collect()
        };
        assert_eq!(drift(&store), Vec::<String>::new());
        // Another tool's writes: a mention removed, a date filled in, an article deleted.
        store
            .conn
            .execute_batch(
                "DELETE FROM mentions WHERE article_id = 2 AND start = 23;
                 UPDATE articles SET published_at = '2023-08-01T00:00:00Z' WHERE id = 2;
                 UPDATE article_entities SET entity_id = 4 WHERE article_id = 1 AND entity_id = 3;",
            )
            .unwrap();
        assert_eq!(drift(&store), Vec::<String>::new());
        let kim = store.entity_detail(1, 10).unwrap().unwrap().entity;
        assert_eq!((kim.articles, kim.mentions), (2, 3));
        assert_eq!(kim.first_seen.as_deref(), Some("2023-08-01T00:00:00Z"));
        store
            .conn
            .execute_batch("DELETE FROM articles WHERE id = 1")
            .unwrap();
        assert_eq!(drift(&store), Vec::<String>::new());
        let kim = store.entity_detail(1, 10).unwrap().unwrap().entity;
        assert_eq!((kim.articles, kim.mentions), (1, 1));
        assert_eq!(kim.last_seen.as_deref(), Some("2023-08-01T00:00:00Z"));
        assert!(
            store.entity_detail(3, 10).unwrap().unwrap().entity.articles == 0,
            "Russia is mentioned nowhere now"
        );
    }

    /// The plan of `sql` as one line per step.
    fn plan(store: &Store, sql: &str) -> String {
        let mut statement = store
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let count = statement.parameter_count();
        let values: Vec<rusqlite::types::Value> = (0..count)
            .map(|_| rusqlite::types::Value::Integer(1))
            .collect();
        let rows = statement
            .query_map(rusqlite::params_from_iter(values), |row| {
                row.get::<_, String>(3)
            })
            .unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
    }

    /// Regression guard for issue 4: every read query finds its rows through an index, never
    /// by scanning `articles` or `article_entities` row by row.
    #[test]
    fn queries_use_indexes() {
        let store = store();
        for (name, sql) in [
            ("top", TOP_ENTITIES),
            ("top since", TOP_ENTITIES_SINCE),
            ("find", FIND_ENTITIES),
            ("by id", ENTITY_BY_ID),
            ("aliases", &with_sample(ALIASES)),
            ("co-mentions", &with_sample(CO_MENTIONS)),
            ("articles", ARTICLES_MENTIONING),
            ("articles by walk", ARTICLES_MENTIONING_BY_WALK),
            ("months", MONTHS_NEWEST_FIRST),
        ] {
            let plan = plan(&store, sql);
            for line in plan.lines() {
                let scanned = line
                    .strip_prefix("SCAN ")
                    .and_then(|rest| rest.split(' ').next());
                let big = [
                    "a",
                    "ae",
                    "articles",
                    "m",
                    "mentions",
                    "article_entities",
                    "own",
                    "other",
                ];
                let full_scan =
                    scanned.is_some_and(|table| big.contains(&table)) && !line.contains("INDEX");
                assert!(!full_scan, "{name}: full scan in\n{plan}");
            }
        }
        // The listing walks the totals' rank index and reads no mention and no article;
        // --since starts from the dates.
        let top = plan(&store, TOP_ENTITIES);
        assert!(top.contains("INDEX entity_totals_rank"), "{top}");
        assert!(!top.contains("article"), "{top}");
        assert!(
            plan(&store, TOP_ENTITIES_SINCE)
                .contains("SEARCH a USING COVERING INDEX articles_seen")
        );
    }
}
