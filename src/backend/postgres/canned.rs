//! The built-in queries of `src/query/canned/` that run on PostgreSQL, in its dialect: the same
//! columns, in the same order, with the same types, so every output format prints alike.

use rusqlite::types::Value;

use super::PgStore;
use super::search::to_tsquery;
use crate::entities::alias_key;
use crate::normalize::date::{DateBound, parse_date_flag};
use crate::normalize::keys::source_key;
use crate::query::adhoc::Parameter;
use crate::store::StoreError;

/// `sources.sql` on PostgreSQL: each source's figures read from the (source, date) index by
/// correlated subqueries, where grouping the join scanned every article (1,000,000 articles:
/// 2.4 s -> 0.2 s); the same rows.
pub const SOURCES: &str = "
    SELECT s.id,
           s.name,
           s.key,
           s.domain,
           (SELECT count(*) FROM articles AS a WHERE a.source_id = s.id) AS articles,
           (SELECT count(*) FROM article_sources AS x
             WHERE x.source_id = s.id AND x.role = 'credit') AS credited,
           (SELECT min(a.published_at) FROM articles AS a WHERE a.source_id = s.id)
               AS first_published,
           (SELECT max(a.published_at) FROM articles AS a WHERE a.source_id = s.id)
               AS last_published
      FROM sources AS s
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

/// The `--category`, `--since` and `--until` filters of article `a`, as `articles.sql` and
/// `search.sql` write them, dates given as stored text.
macro_rules! category_and_date_filter {
    () => {
        "
       AND (:category::text IS NULL
            OR a.id IN (SELECT article_id FROM article_categories
                         WHERE lower(category) = lower(:category)))
       AND (:since::text IS NULL OR a.published_at >= :since)
       AND (:until::text IS NULL OR a.published_at <= :until)"
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
    category_and_date_filter!(),
    "
     ORDER BY a.published_at DESC NULLS LAST, a.id DESC
     LIMIT :limit OFFSET :offset"
);

/// `timeline.sql` on PostgreSQL: articles per day, ISO week or month, with the empty periods
/// between two counted ones filled in when they are at most 367 periods apart. Articles are
/// counted per day of their date text first, and only those few hundred days are checked and
/// turned into dates (1,000,000 articles: 1.9 s -> 0.86 s). Keys and dates
/// are given as for [`ARTICLES`].
pub const TIMELINE: &str = concat!(
    "
    WITH days AS (
        SELECT substr(a.published_at, 1, 10) AS day, count(*) AS articles
          FROM articles AS a
         WHERE a.published_at IS NOT NULL
           AND (:since::text IS NULL OR a.published_at >= :since)
           AND (:until::text IS NULL OR a.published_at <= :until)
           AND ",
    source_and_entity_filter!(),
    "
         GROUP BY 1
    ),
    dated AS (
        SELECT day::date AS day, articles
          FROM days
         WHERE day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}'
    ),
    counted AS (
        SELECT date_trunc(CASE :by::text WHEN 'day' THEN 'day' WHEN 'week' THEN 'week'
                                         ELSE 'month' END, day)::date AS first_day,
               sum(articles)::bigint AS articles
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

/// `search.sql` on PostgreSQL: `:query` is the `tsquery` text [`super::search::to_tsquery`]
/// made of newsdb's search syntax; keys and dates are given as for [`ARTICLES`]. Ranked by
/// `ts_rank_cd` with the weights of title (A), summary (B) and body (C); the snippet is
/// `ts_headline`'s, matches marked «like this», on one line.
pub const SEARCH: &str = concat!(
    "
    SELECT a.id,
           substr(a.content_hash, 1, 12) AS hash,
           a.published_at,
           s.name AS source,
           a.title,
           regexp_replace(
               ts_headline('simple',
                           concat_ws(' ', a.title, a.summary, a.body), q,
                           'StartSel=«, StopSel=», MaxWords=12, MinWords=6, MaxFragments=1, \
                            FragmentDelimiter=…'),
               '\\s*\\n\\s*', ' ', 'g') AS snippet,
           round(ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', a.search_document, q)::numeric, 3)::float8
               AS score
      FROM articles AS a
     CROSS JOIN to_tsquery('simple', :query) AS q
      LEFT JOIN sources AS s ON s.id = a.source_id
     WHERE a.search_document @@ q
       AND ",
    source_and_entity_filter!(),
    category_and_date_filter!(),
    "
     ORDER BY CASE WHEN :order::text = 'date' THEN a.published_at END DESC NULLS LAST,
              score DESC, a.id
     LIMIT :limit OFFSET :offset"
);

/// `show.sql` on PostgreSQL.
pub const SHOW: &str = "
    SELECT a.id,
           a.content_hash,
           a.title,
           s.name AS source,
           (SELECT string_agg(cs.name, ', ' ORDER BY x.position)
              FROM article_sources AS x JOIN sources AS cs ON cs.id = x.source_id
             WHERE x.article_id = a.id AND x.role = 'credit') AS credits,
           (SELECT string_agg(au.name, ', ' ORDER BY x.position)
              FROM article_authors AS x JOIN authors AS au ON au.id = x.author_id
             WHERE x.article_id = a.id) AS authors,
           a.published_at,
           a.published_raw,
           a.language,
           a.url,
           (SELECT string_agg(u.value, E'\\n'
                              ORDER BY u.value IS DISTINCT FROM a.url, u.kind COLLATE \"C\" DESC,
                                       u.first_seen_at, u.value COLLATE \"C\")
              FROM article_urls AS u WHERE u.article_id = a.id) AS urls,
           (SELECT count(*) FROM sightings WHERE article_id = a.id) AS sightings,
           a.word_count,
           a.imported_at,
           a.summary,
           a.body
      FROM articles AS a
      LEFT JOIN sources AS s ON s.id = a.source_id
     WHERE a.id = :id";

/// `top-entities.sql` on PostgreSQL, from the packed rows' counts.
pub const TOP_ENTITIES: &str = "
    SELECT e.id,
           e.name,
           e.kind,
           count(DISTINCT m.article_id) AS articles,
           sum(m.mention_count)::bigint AS mentions
      FROM article_entities AS m
      JOIN entities AS e ON e.id = m.entity_id
     WHERE :kind::text IS NULL OR e.kind = :kind
     GROUP BY e.id
     ORDER BY articles DESC, mentions DESC, e.name COLLATE \"C\"
     LIMIT :limit";

/// `co-mentions.sql` on PostgreSQL; the entity's key is given as `:entity_key`.
pub const CO_MENTIONS: &str = "
    WITH target AS (
        SELECT id FROM entities WHERE key = :entity_key OR lower(name) = lower(:entity)
        UNION
        SELECT entity_id FROM entity_aliases WHERE key = :entity_key
    ),
    mentioning AS (
        SELECT DISTINCT article_id FROM article_entities
         WHERE entity_id IN (SELECT id FROM target)
    )
    SELECT e.id,
           e.name,
           e.kind,
           count(DISTINCT m.article_id) AS articles
      FROM article_entities AS m
      JOIN entities AS e ON e.id = m.entity_id
     WHERE m.article_id IN (SELECT article_id FROM mentioning)
       AND m.entity_id NOT IN (SELECT id FROM target)
     GROUP BY e.id
     ORDER BY articles DESC, e.name COLLATE \"C\"
     LIMIT :limit";

/// `duplicates.sql` on PostgreSQL.
pub const DUPLICATES: &str = "
    SELECT a.id,
           substr(a.content_hash, 1, 12) AS hash,
           a.title,
           si.sightings,
           si.times_seen,
           si.titles,
           si.origins
      FROM (SELECT article_id,
                   count(*) AS sightings,
                   sum(times_seen)::bigint AS times_seen,
                   count(DISTINCT title) AS titles,
                   count(DISTINCT origin) AS origins
              FROM sightings
             GROUP BY article_id
            HAVING count(*) > 1) AS si
      JOIN articles AS a ON a.id = si.article_id
     ORDER BY si.sightings DESC, si.times_seen DESC, a.id
     LIMIT :limit";

/// The PostgreSQL form of the built-in query `name` (`stats` is [`PgStore::stats`]).
pub fn built_in(name: &str) -> Option<&'static str> {
    Some(match name {
        "articles" => ARTICLES,
        "co-mentions" => CO_MENTIONS,
        "duplicates" => DUPLICATES,
        "search" => SEARCH,
        "show" => SHOW,
        "sources" => SOURCES,
        "timeline" => TIMELINE,
        "top-entities" => TOP_ENTITIES,
        _ => return None,
    })
}

/// Why a built-in's parameters have no PostgreSQL form.
#[derive(Debug, thiserror::Error)]
pub enum ParameterError {
    /// A date neither backend reads (a usage error).
    #[error("{0}")]
    NotADate(String),
    /// A search that cannot be translated (it fails on SQLite too).
    #[error("{0}")]
    BadSearch(String),
}

/// A built-in's bound parameters as its PostgreSQL form takes them: what SQLite's SQL computes
/// with its own functions is computed here, with the same Rust functions. Dates become the
/// stored UTC text (`strftime` on SQLite; a bare day given as `until` is its last second), a
/// search becomes a `tsquery`, and `source` and `entity` bring their keys.
pub fn parameters_for(
    built_in: &str,
    parameters: Vec<Parameter>,
) -> Result<Vec<Parameter>, ParameterError> {
    let mut converted = Vec::with_capacity(parameters.len() + 2);
    for Parameter { name, value } in parameters {
        let value = match (name.as_str(), value) {
            (bound @ ("since" | "until"), Value::Text(text)) => {
                let end = if bound == "since" {
                    DateBound::Since
                } else {
                    DateBound::Until
                };
                Value::Text(parse_date_flag(&text, end).map_err(|reason| {
                    ParameterError::NotADate(format!("{built_in}: -p {bound}: {reason}"))
                })?)
            }
            ("query", Value::Text(text)) => Value::Text(to_tsquery(&text).map_err(|reason| {
                ParameterError::BadSearch(format!(
                    "search: cannot parse the query `{text}`: {reason}; put words with \
                     punctuation in double quotes, as in \"Kim Jong-un\""
                ))
            })?),
            (_, value) => value,
        };
        let key = match (name.as_str(), &value) {
            ("source", Value::Text(text)) => Some(("source_key", Value::Text(source_key(text)))),
            ("source", _) => Some(("source_key", Value::Null)),
            ("entity", Value::Text(text)) => Some(("entity_key", Value::Text(alias_key(text)))),
            ("entity", _) => Some(("entity_key", Value::Null)),
            _ => None,
        };
        converted.push(Parameter { name, value });
        if let Some((name, value)) = key {
            converted.push(Parameter {
                name: name.to_owned(),
                value,
            });
        }
    }
    Ok(converted)
}

/// The counted tables of `stats.sql`, in its order.
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
    // The per-entity totals, kept exact, add up to the mentions (see stats.sql).
    (
        "mentions",
        "SELECT coalesce(sum(mentions), 0)::bigint FROM entity_totals",
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
