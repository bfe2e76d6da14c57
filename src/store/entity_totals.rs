//! Per-entity totals (`entity_totals`, `entity_months`, see
//! `migrations/sqlite/V14__entity_totals.sql`) as the importer keeps them: one aggregate per
//! batch instead of the row triggers.
//!
//! A batch writes thousands of `article_entities` rows; the triggers would read the article's
//! date and update two totals per row. Inside its own transaction the writer pauses them (a row
//! in `entity_totals_pause`), and once the batch's mentions are stored adds what they count with
//! one statement per table: one upsert per distinct entity (and month) of the batch. The pause is
//! lifted before commit, so no other connection ever sees it and the triggers stay on for every
//! other writer (corrections, re-extraction, other tools).

use rusqlite::Connection;

use super::{Context, Result};

/// Adds the mentions of the batch's new articles (ids from ?1 on: rows are numbered max(id) + 1
/// and the batch is the only writer) to each entity's totals. The `+` keeps SQLite from
/// grouping by walking `article_entities_entity`, which it prefers to sorting the group but
/// which reads every mention row in the store for each batch (120 ms at 100,000 articles,
/// against 15 ms for a range of the primary key and a sort of the batch's rows).
const ADD_BATCH_TOTALS: &str = "
    INSERT INTO entity_totals (entity_id, articles, mentions, first_seen, last_seen)
    SELECT ae.entity_id, count(DISTINCT ae.article_id), sum(ae.mention_count),
           min(coalesce(a.published_at, a.imported_at)), max(coalesce(a.published_at, a.imported_at))
      FROM article_entities ae JOIN articles a ON a.id = ae.article_id
     WHERE ae.article_id >= ?1
     GROUP BY +ae.entity_id
        ON CONFLICT (entity_id) DO UPDATE
       SET articles = articles + excluded.articles,
           mentions = mentions + excluded.mentions,
           first_seen = CASE WHEN first_seen IS NULL OR excluded.first_seen < first_seen
                             THEN excluded.first_seen ELSE first_seen END,
           last_seen = CASE WHEN last_seen IS NULL OR excluded.last_seen > last_seen
                            THEN excluded.last_seen ELSE last_seen END";

/// The same per entity and month. An article has one date, so counting distinct articles per
/// (entity, month) counts each article once whatever fields name the entity. The `+` as above.
const ADD_BATCH_MONTHS: &str = "
    INSERT INTO entity_months (entity_id, month, articles)
    SELECT ae.entity_id, substr(coalesce(a.published_at, a.imported_at), 1, 7) AS month,
           count(DISTINCT ae.article_id)
      FROM article_entities ae JOIN articles a ON a.id = ae.article_id
     WHERE ae.article_id >= ?1
     GROUP BY +ae.entity_id, month
        ON CONFLICT (entity_id, month) DO UPDATE SET articles = articles + excluded.articles";

/// Pauses the row triggers for this transaction.
pub(super) fn pause(tx: &Connection) -> Result<()> {
    tx.prepare_cached("INSERT OR IGNORE INTO entity_totals_pause (paused) VALUES (1)")
        .and_then(|mut statement| statement.execute([]))
        .context("pausing the entity totals")
        .map(|_| ())
}

/// Counts the batch's new articles from `first_new_article` on (if any has mentions) into the
/// totals, then lifts the pause.
pub(super) fn add_batch_and_resume(
    tx: &Connection,
    first_new_article: Option<i64>,
    stored_mentions: bool,
) -> Result<()> {
    let what = "counting the batch's entities";
    if let (Some(first), true) = (first_new_article, stored_mentions) {
        for sql in [ADD_BATCH_TOTALS, ADD_BATCH_MONTHS] {
            tx.prepare_cached(sql)
                .and_then(|mut statement| statement.execute([first]))
                .context(what)?;
        }
    }
    tx.prepare_cached("DELETE FROM entity_totals_pause")
        .and_then(|mut statement| statement.execute([]))
        .context("resuming the entity totals")
        .map(|_| ())
}

/// Read-only connections do not migrate: on a database made before V14 (another newsdb still
/// writes it, or nobody has opened it writable since the upgrade) the totals are stood in for by
/// temporary views that count them, as every query did before V14. Slower, never wrong.
pub(super) fn stand_in_if_missing(conn: &rusqlite::Connection) -> Result<()> {
    let what = "reading an older database's entity counts";
    let has = |name: &str| -> Result<bool> {
        conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = ?1)",
            [name],
            |row| row.get(0),
        )
        .context(what)
    };
    if has("entity_totals")? || !has("article_entities")? {
        return Ok(());
    }
    conn.execute_batch(
        "CREATE TEMP VIEW entity_totals AS
         SELECT ae.entity_id, count(DISTINCT ae.article_id) AS articles,
                sum(ae.mention_count) AS mentions,
                min(coalesce(a.published_at, a.imported_at)) AS first_seen,
                max(coalesce(a.published_at, a.imported_at)) AS last_seen
           FROM article_entities ae LEFT JOIN articles a ON a.id = ae.article_id
          GROUP BY ae.entity_id;
         CREATE TEMP VIEW entity_months AS
         SELECT ae.entity_id, substr(coalesce(a.published_at, a.imported_at), 1, 7) AS month,
                count(DISTINCT ae.article_id) AS articles
           FROM article_entities ae JOIN articles a ON a.id = ae.article_id
          GROUP BY ae.entity_id, month;",
    )
    .context(what)
}

/// Rows where the stored totals differ from counts recomputed from `article_entities` and
/// `articles` (nothing when they agree): what the tests of every writer check.
#[cfg(test)]
pub(crate) const DRIFT: &str = "
    WITH recounted AS (
        SELECT ae.entity_id, count(DISTINCT ae.article_id) AS articles,
               sum(ae.mention_count) AS mentions,
               min(coalesce(a.published_at, a.imported_at)) AS first_seen,
               max(coalesce(a.published_at, a.imported_at)) AS last_seen
          FROM article_entities ae LEFT JOIN articles a ON a.id = ae.article_id
         GROUP BY ae.entity_id
    ),
    months AS (
        SELECT ae.entity_id, substr(coalesce(a.published_at, a.imported_at), 1, 7) AS month,
               count(DISTINCT ae.article_id) AS articles
          FROM article_entities ae JOIN articles a ON a.id = ae.article_id
         GROUP BY ae.entity_id, month
    ),
    stored AS (SELECT entity_id, articles, mentions, first_seen, last_seen FROM entity_totals)
    SELECT 'totals ' || entity_id FROM (SELECT * FROM recounted EXCEPT SELECT * FROM stored)
    UNION ALL
    SELECT 'totals ' || entity_id FROM (SELECT * FROM stored EXCEPT SELECT * FROM recounted)
    UNION ALL
    SELECT 'months ' || entity_id || ' ' || month
      FROM (SELECT * FROM months EXCEPT SELECT entity_id, month, articles FROM entity_months)
    UNION ALL
    SELECT 'months ' || entity_id || ' ' || month
      FROM (SELECT entity_id, month, articles FROM entity_months EXCEPT SELECT * FROM months)";
