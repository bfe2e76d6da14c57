//! The built-in queries of `src/query/canned/` that run on PostgreSQL, in its dialect: the same
//! columns, in the same order, with the same types, so every output format prints alike.

use rusqlite::types::Value;

use super::PgStore;
use crate::store::StoreError;

/// `sources.sql` on PostgreSQL.
pub const SOURCES: &str = "
    SELECT s.id,
           s.name,
           s.key,
           s.domain,
           count(a.id) AS articles,
           (SELECT count(*) FROM article_sources AS x
             WHERE x.source_id = s.id AND x.role = 'credit') AS credited,
           min(a.published_at) AS first_published,
           max(a.published_at) AS last_published
      FROM sources AS s
      LEFT JOIN articles AS a ON a.source_id = s.id
     GROUP BY s.id
     ORDER BY articles DESC, credited DESC, s.name COLLATE \"C\"";

/// The `--source` and `--entity` filters of article `a`, as `articles.sql` and `timeline.sql`
/// write them, with the keys given as `:source_key` and `:entity_key`.
macro_rules! source_and_entity_filter {
    () => {
        "(:source::text IS NULL
          OR a.source_id IN (SELECT id FROM sources
                              WHERE key = :source_key OR lower(name) = lower(:source))
          OR a.id IN (SELECT x.article_id FROM article_sources AS x
                       WHERE x.role = 'credit'
                         AND x.source_id IN (SELECT id FROM sources
                                              WHERE key = :source_key
                                                 OR lower(name) = lower(:source))))
     AND (:entity::text IS NULL
          OR a.id IN (SELECT article_id FROM article_entities
                       WHERE entity_id IN (SELECT id FROM entities
                                            WHERE key = :entity_key
                                               OR lower(name) = lower(:entity)
                                           UNION
                                           SELECT entity_id FROM entity_aliases
                                            WHERE key = :entity_key)))"
    };
}

/// `articles.sql` on PostgreSQL. The keys that SQLite's `source_key()` and `name_key()` compute
/// are given as `:source_key` and `:entity_key` (computed in Rust, the same functions), and the
/// dates as the stored text the command line already made of them.
pub const ARTICLES: &str = concat!(
    "
    SELECT a.id,
           substr(a.content_hash, 1, 12) AS hash,
           a.published_at,
           s.name AS source,
           a.title,
           a.word_count,
           (SELECT count(*) FROM sightings WHERE article_id = a.id) AS sightings
      FROM articles AS a
      LEFT JOIN sources AS s ON s.id = a.source_id
     WHERE ",
    source_and_entity_filter!(),
    "
       AND (:category::text IS NULL
            OR a.id IN (SELECT article_id FROM article_categories
                         WHERE lower(category) = lower(:category)))
       AND (:since::text IS NULL OR a.published_at >= :since)
       AND (:until::text IS NULL OR a.published_at <= :until)
     ORDER BY a.published_at DESC NULLS LAST, a.id DESC
     LIMIT :limit OFFSET :offset"
);

/// `timeline.sql` on PostgreSQL: articles per day, ISO week or month, with the empty periods
/// between two counted ones filled in when they are at most 367 periods apart. Keys and dates
/// are given as for [`ARTICLES`].
pub const TIMELINE: &str = concat!(
    "
    WITH dated AS (
        SELECT substr(a.published_at, 1, 10)::date AS day
          FROM articles AS a
         WHERE a.published_at ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}'
           AND (:since::text IS NULL OR a.published_at >= :since)
           AND (:until::text IS NULL OR a.published_at <= :until)
           AND ",
    source_and_entity_filter!(),
    "
    ),
    counted AS (
        SELECT date_trunc(CASE :by::text WHEN 'day' THEN 'day' WHEN 'week' THEN 'week'
                                         ELSE 'month' END, day)::date AS first_day,
               count(*) AS articles
          FROM dated
         GROUP BY 1
    ),
    spans AS (
        SELECT first_day, next_day,
               CASE :by::text
                   WHEN 'day' THEN next_day - first_day
                   WHEN 'week' THEN (next_day - first_day) / 7
                   ELSE (extract(year FROM next_day) * 12 + extract(month FROM next_day))
                        - (extract(year FROM first_day) * 12 + extract(month FROM first_day))
               END AS apart
          FROM (SELECT first_day, lead(first_day) OVER (ORDER BY first_day) AS next_day
                  FROM counted) AS paired
    ),
    step AS (
        SELECT CASE :by::text WHEN 'day' THEN interval '1 day' WHEN 'week' THEN interval '7 days'
                              ELSE interval '1 month' END AS length
    ),
    calendar AS (
        SELECT first_day FROM counted
        UNION
        SELECT filled::date
          FROM spans, step,
               generate_series(spans.first_day + step.length, spans.next_day - step.length,
                               step.length) AS filled
         WHERE spans.apart <= 367
    )
    SELECT CASE :by::text
               WHEN 'day' THEN to_char(calendar.first_day, 'YYYY-MM-DD')
               WHEN 'week' THEN to_char(calendar.first_day, 'IYYY-\"W\"IW')
               ELSE to_char(calendar.first_day, 'YYYY-MM')
           END AS period,
           coalesce(counted.articles, 0) AS articles
      FROM calendar
      LEFT JOIN counted ON counted.first_day = calendar.first_day
     ORDER BY calendar.first_day"
);

/// The counted tables of `stats.sql`, in its order (mentions from the packed rows' counts).
const COUNTED: [(&str, &str); 16] = [
    ("articles", "SELECT count(*) FROM articles"),
    ("sources", "SELECT count(*) FROM sources"),
    ("article_sources", "SELECT count(*) FROM article_sources"),
    ("authors", "SELECT count(*) FROM authors"),
    ("article_authors", "SELECT count(*) FROM article_authors"),
    (
        "article_categories",
        "SELECT count(*) FROM article_categories",
    ),
    ("article_urls", "SELECT count(*) FROM article_urls"),
    ("sightings", "SELECT count(*) FROM sightings"),
    ("article_raw", "SELECT count(*) FROM article_raw"),
    ("entities", "SELECT count(*) FROM entities"),
    ("entity_aliases", "SELECT count(*) FROM entity_aliases"),
    (
        "mentions",
        "SELECT coalesce(sum(mention_count), 0)::bigint FROM article_entities",
    ),
    ("feeds", "SELECT count(*) FROM feeds"),
    ("imports", "SELECT count(*) FROM imports"),
    ("import_rejects", "SELECT count(*) FROM import_rejects"),
    ("saved_queries", "SELECT count(*) FROM saved_queries"),
];

impl PgStore {
    /// The rows of `newsdb stats` (`stats.sql`): (name, value), in its order; the size is the
    /// database's on the server.
    pub fn stats(&mut self) -> Result<Vec<(String, Value)>, StoreError> {
        let what = "counting rows";
        let shown = self.shown.clone();
        let mut transaction = self
            .client
            .build_transaction()
            .read_only(true)
            .start()
            .map_err(|error| StoreError::Server {
                context: format!("{shown}: {what}"),
                reason: super::describe(&error),
            })?;
        let mut rows = Vec::new();
        let mut fetch = |sql: &str| transaction.query_one(sql, &[]);
        let result = (|| {
            for (name, sql) in COUNTED {
                rows.push((name.to_owned(), Value::Integer(fetch(sql)?.get(0))));
            }
            let text = |value: Option<String>| value.map_or(Value::Null, Value::Text);
            let dates = fetch("SELECT min(published_at), max(published_at) FROM articles")?;
            rows.push(("first_published".into(), text(dates.get(0))));
            rows.push(("last_published".into(), text(dates.get(1))));
            let size: i64 = fetch("SELECT pg_database_size(current_database())")?.get(0);
            rows.push(("size_bytes".into(), Value::Integer(size)));
            let version: Option<i32> =
                fetch("SELECT max(version) FROM refinery_schema_history")?.get(0);
            rows.push((
                "schema_version".into(),
                version.map_or(Value::Null, |v| Value::Integer(i64::from(v))),
            ));
            let scheme: Option<String> =
                fetch("SELECT (SELECT value FROM meta WHERE key = 'hash_scheme')")?.get(0);
            rows.push((
                "hash_scheme".into(),
                scheme
                    .and_then(|s| s.parse::<i64>().ok())
                    .map_or(Value::Null, Value::Integer),
            ));
            Ok::<_, postgres::Error>(())
        })();
        result.map_err(|error| StoreError::Server {
            context: format!("{shown}: {what}"),
            reason: super::describe(&error),
        })?;
        Ok(rows)
    }
}
