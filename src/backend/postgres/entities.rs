//! The entity listing on PostgreSQL (`newsdb entities`): the queries of
//! `store::entity_queries` in PostgreSQL's dialect, the same rows in the same order.

use super::PgStore;
use crate::entities::EntityKind;
use crate::store::{
    AliasCount, ArticleRef, CoMention, EntityDetail, EntityFilter, EntitySummary, StoreError,
};

/// The most mentioned entities, from the totals.
const TOP_ENTITIES: &str = "
    SELECT e.id, e.name, e.kind, t.mentions, t.articles, t.first_seen, t.last_seen, e.external_id
      FROM entity_totals t
      JOIN entities e ON e.id = t.entity_id
     WHERE $1::text IS NULL OR e.kind = $1
     ORDER BY t.articles DESC, t.mentions DESC, e.name COLLATE \"C\", e.id
     LIMIT $2 OFFSET $3";

/// The same, counted over the articles dated on or after $4.
const TOP_ENTITIES_SINCE: &str = "
    WITH ranked AS (
        SELECT m.entity_id, sum(m.mention_count)::bigint AS mentions,
               count(DISTINCT m.article_id) AS articles,
               min(coalesce(a.published_at, a.imported_at)) AS first_seen,
               max(coalesce(a.published_at, a.imported_at)) AS last_seen
          FROM articles a
          JOIN article_entities m ON m.article_id = a.id
         WHERE coalesce(a.published_at, a.imported_at) >= $4
         GROUP BY m.entity_id
    )
    SELECT e.id, e.name, e.kind, r.mentions, r.articles, r.first_seen, r.last_seen, e.external_id
      FROM ranked r
      JOIN entities e ON e.id = r.entity_id
     WHERE $1::text IS NULL OR e.kind = $1
     ORDER BY r.articles DESC, r.mentions DESC, e.name COLLATE \"C\", e.id
     LIMIT $2 OFFSET $3";

impl PgStore {
    /// The most mentioned entities: by articles, then mentions, then name.
    pub fn top_entities(
        &mut self,
        filter: &EntityFilter,
    ) -> Result<Vec<EntitySummary>, StoreError> {
        let kind = filter.kind.map(EntityKind::name);
        let limit = i64::try_from(filter.limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(filter.offset).unwrap_or(i64::MAX);
        let rows = match &filter.since {
            Some(since) => self
                .client
                .query(TOP_ENTITIES_SINCE, &[&kind, &limit, &offset, since]),
            None => self.client.query(TOP_ENTITIES, &[&kind, &limit, &offset]),
        }
        .map_err(|error| self.error("listing entities", &error))?;
        Ok(rows.iter().map(summary).collect())
    }
}

/// Entities whose key, or one of whose aliases' keys, is $1 or $2; exact entity keys first.
const FIND_ENTITIES: &str = "
    WITH matched AS (
        SELECT id AS entity_id, 0 AS rank FROM entities WHERE key IN ($1, $2)
        UNION ALL
        SELECT entity_id, 1 AS rank FROM entity_aliases WHERE key IN ($1, $2)
    )
    SELECT e.id, e.name, e.kind, coalesce(t.mentions, 0), coalesce(t.articles, 0),
           t.first_seen, t.last_seen, e.external_id
      FROM (SELECT entity_id, min(rank) AS rank FROM matched GROUP BY entity_id) AS m
      JOIN entities e ON e.id = m.entity_id
      LEFT JOIN entity_totals t ON t.entity_id = e.id
     WHERE $3::text IS NULL OR e.kind = $3
     ORDER BY m.rank, coalesce(t.articles, 0) DESC, coalesce(t.mentions, 0) DESC,
              e.name COLLATE \"C\", e.id";

const ENTITY_BY_ID: &str = "
    SELECT e.id, e.name, e.kind, coalesce(t.mentions, 0), coalesce(t.articles, 0),
           t.first_seen, t.last_seen, e.external_id
      FROM entities e
      LEFT JOIN entity_totals t ON t.entity_id = e.id
     WHERE e.id = $1";

/// The entity's most recently stored articles (highest ids), `$9` of them: the sample aliases
/// and co-mentions are counted over (see `store::entity_queries`).
const SAMPLE: &str = "
    sample AS (SELECT article_id FROM article_entities WHERE entity_id = $1
                GROUP BY article_id ORDER BY article_id DESC LIMIT $9)";

/// Stored aliases with how often each was written in the sample, then surfaces found in the
/// sample's mentions only.
const ALIASES: &str = "
    WITH SAMPLE, seen AS (
        SELECT substr(CASE ae.field WHEN 'title' THEN a.title
                                    WHEN 'summary' THEN a.summary
                                    ELSE a.body END,
                      (span.value ->> 0)::int + 1,
                      (span.value ->> 1)::int - (span.value ->> 0)::int) AS alias,
               count(*) AS mentions
          FROM article_entities ae
          JOIN articles a ON a.id = ae.article_id
          CROSS JOIN LATERAL jsonb_array_elements(ae.spans) AS span (value)
         WHERE ae.entity_id = $1 AND ae.article_id IN (SELECT article_id FROM sample)
         GROUP BY 1
    )
    SELECT alias, origin, mentions FROM (
        SELECT ea.alias, ea.origin, coalesce(seen.mentions, 0) AS mentions
          FROM entity_aliases ea
          LEFT JOIN seen ON seen.alias = ea.alias
         WHERE ea.entity_id = $1
        UNION ALL
        SELECT seen.alias, NULL, seen.mentions
          FROM seen
         WHERE seen.alias NOT IN (SELECT alias FROM entity_aliases WHERE entity_id = $1)
    ) AS listed
     ORDER BY mentions DESC, alias COLLATE \"C\"";

/// Other entities in the sample, by the number of its articles they share.
const CO_MENTIONS: &str = "
    WITH SAMPLE
    SELECT e.id, e.name, e.kind, shared.articles
      FROM (SELECT entity_id, count(DISTINCT article_id) AS articles
              FROM article_entities
             WHERE article_id IN (SELECT article_id FROM sample)
               AND entity_id <> $1
             GROUP BY entity_id) AS shared
      JOIN entities e ON e.id = shared.entity_id
     ORDER BY shared.articles DESC, e.name COLLATE \"C\", e.id
     LIMIT $2";

/// The articles that mention an entity, newest first (published, else imported).
const ARTICLES_MENTIONING: &str = "
    SELECT a.id, a.published_at, a.title, counted.mentions
      FROM (SELECT article_id, sum(mention_count)::bigint AS mentions
              FROM article_entities
             WHERE entity_id = $1
             GROUP BY article_id) AS counted
      JOIN articles a ON a.id = counted.article_id
     ORDER BY coalesce(a.published_at, a.imported_at) DESC, a.id DESC
     LIMIT $2";

/// `SAMPLE` in `sql`, and its size as `$9`'s value in place (a literal: the statements take no
/// ninth parameter).
fn with_sample(sql: &str) -> String {
    let sample = SAMPLE.replace("$9", &crate::store::ENTITY_SAMPLE_ARTICLES.to_string());
    sql.replacen("SAMPLE", sample.trim(), 1)
}

fn summary(row: &postgres::Row) -> EntitySummary {
    EntitySummary {
        id: row.get(0),
        name: row.get(1),
        kind: row.get(2),
        mentions: row.get(3),
        articles: row.get(4),
        first_seen: row.get(5),
        last_seen: row.get(6),
        external_id: row.get(7),
    }
}

impl PgStore {
    /// The entities a user means by `name` (see `Store::find_entities`).
    pub fn find_entities(
        &mut self,
        name: &str,
        kind: Option<EntityKind>,
    ) -> Result<Vec<EntitySummary>, StoreError> {
        let keys = (
            crate::entities::entity_key(name),
            crate::entities::alias_key(name),
        );
        let rows = self
            .client
            .query(
                FIND_ENTITIES,
                &[&keys.0, &keys.1, &kind.map(EntityKind::name)],
            )
            .map_err(|error| self.error("looking up an entity", &error))?;
        Ok(rows.iter().map(summary).collect())
    }

    /// One entity's page (see `Store::entity_detail`): its latest articles are read whole,
    /// where SQLite walks its date index for a frequent entity; the rows are the same.
    pub fn entity_detail(
        &mut self,
        id: i64,
        limit_rows: usize,
    ) -> Result<Option<EntityDetail>, StoreError> {
        let what = "reading an entity";
        let limit = i64::try_from(limit_rows).unwrap_or(i64::MAX);
        let entity = self
            .client
            .query_opt(ENTITY_BY_ID, &[&id])
            .map_err(|error| self.error(what, &error))?;
        let Some(entity) = entity.as_ref().map(summary) else {
            return Ok(None);
        };
        let aliases = self
            .client
            .query(&with_sample(ALIASES), &[&id])
            .map_err(|error| self.error(what, &error))?
            .iter()
            .map(|row| AliasCount {
                alias: row.get(0),
                origin: row.get(1),
                mentions: row.get(2),
            })
            .collect();
        let co_mentions = self
            .client
            .query(&with_sample(CO_MENTIONS), &[&id, &limit])
            .map_err(|error| self.error(what, &error))?
            .iter()
            .map(|row| CoMention {
                id: row.get(0),
                name: row.get(1),
                kind: row.get(2),
                articles: row.get(3),
            })
            .collect();
        let articles = self
            .client
            .query(ARTICLES_MENTIONING, &[&id, &limit])
            .map_err(|error| self.error(what, &error))?
            .iter()
            .map(|row| ArticleRef {
                id: row.get(0),
                published_at: row.get(1),
                title: row.get(2),
                mentions: row.get(3),
            })
            .collect();
        Ok(Some(EntityDetail {
            entity,
            aliases,
            co_mentions,
            articles,
        }))
    }
}
