//! The entity listing on PostgreSQL (`newsdb entities`): the queries of
//! `store::entity_queries` in PostgreSQL's dialect, the same rows in the same order.

use super::PgStore;
use crate::entities::EntityKind;
use crate::store::{EntityFilter, EntitySummary, StoreError};

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
        Ok(rows
            .iter()
            .map(|row| EntitySummary {
                id: row.get(0),
                name: row.get(1),
                kind: row.get(2),
                mentions: row.get(3),
                articles: row.get(4),
                first_seen: row.get(5),
                last_seen: row.get(6),
                external_id: row.get(7),
            })
            .collect())
    }
}
