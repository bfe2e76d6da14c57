//! What the web pages (`newsdb serve`) read beyond the canned queries, on PostgreSQL: the
//! queries of `store::pages` in PostgreSQL's dialect, the same rows in the same order (text
//! ordered by code point, as SQLite's BINARY collation orders it; rows without a date last
//! where SQLite's DESC puts its NULLs).

use postgres::types::ToSql;

use super::PgStore;
use super::search::to_tsquery;
use crate::store::{
    CoMention, FACET_MATCHES, FacetCount, LinkedMention, ListedArticle, PeriodCount,
    SOURCE_ENTITY_ARTICLES, SearchFacets, Sighting, SourceRow, StoreError,
};

const SIGHTINGS: &str = "
    SELECT origin, locator, title, feed_id, first_seen_at, last_seen_at, times_seen
      FROM sightings WHERE article_id = $1
     ORDER BY first_seen_at, id
     LIMIT $2";

const LINKED_MENTIONS: &str = "
    SELECT m.start, m.\"end\", m.entity_id, e.kind, e.name
      FROM mentions AS m JOIN entities AS e ON e.id = m.entity_id
     WHERE m.article_id = $1 AND m.field = $2
     ORDER BY m.start, m.\"end\" DESC";

const SOURCE_BY_ID: &str = "
    SELECT s.id, s.name, s.key, s.domain, s.home_url,
           (SELECT count(*) FROM articles WHERE source_id = s.id)
      FROM sources AS s WHERE s.id = $1";

const SOURCE_MONTHS: &str = "
    SELECT substr(published_at, 1, 7) AS period, count(*)
      FROM articles
     WHERE source_id = $1 AND published_at IS NOT NULL
     GROUP BY period ORDER BY period";

const SOURCE_LATEST: &str = "
    SELECT a.id, a.published_at, s.name, a.title, a.word_count
      FROM articles AS a LEFT JOIN sources AS s ON s.id = a.source_id
     WHERE a.source_id = $1
     ORDER BY a.published_at DESC NULLS LAST, a.id DESC
     LIMIT $2 OFFSET $3";

const SOURCE_TOP_ENTITIES: &str = "
    WITH latest AS (
        SELECT id FROM articles WHERE source_id = $1
         ORDER BY published_at DESC NULLS LAST, id DESC LIMIT $3
    )
    SELECT e.id, e.name, e.kind, count(DISTINCT m.article_id) AS articles
      FROM latest JOIN article_entities AS m ON m.article_id = latest.id
      JOIN entities AS e ON e.id = m.entity_id
     GROUP BY e.id
     ORDER BY articles DESC, e.name COLLATE \"C\"
     LIMIT $2";

const ENTITY_MONTHS: &str = "
    SELECT month, articles FROM entity_months WHERE entity_id = $1 ORDER BY month COLLATE \"C\"";

/// The matches facets count: the [`FACET_MATCHES`] most recently stored (highest ids).
const FACET_HITS: &str = "
    SELECT id FROM articles WHERE search_document @@ to_tsquery('simple', $1)
     ORDER BY id DESC LIMIT $2";

const FACET_SOURCES: &str = "
    SELECT s.name, count(*) AS n
      FROM unnest($1::bigint[]) AS hits (id)
      JOIN articles AS a ON a.id = hits.id JOIN sources AS s ON s.id = a.source_id
     GROUP BY s.id ORDER BY n DESC, s.name COLLATE \"C\" LIMIT $2";

const FACET_MONTHS: &str = "
    SELECT substr(a.published_at, 1, 7) AS period, count(*)
      FROM unnest($1::bigint[]) AS hits (id) JOIN articles AS a ON a.id = hits.id
     WHERE a.published_at IS NOT NULL
     GROUP BY period ORDER BY period DESC LIMIT $2";

const FACET_ENTITIES: &str = "
    SELECT e.name, count(DISTINCT ae.article_id) AS n
      FROM unnest($1::bigint[]) AS hits (id)
      JOIN article_entities AS ae ON ae.article_id = hits.id
      JOIN entities AS e ON e.id = ae.entity_id
     GROUP BY e.id ORDER BY n DESC, e.name COLLATE \"C\" LIMIT $2";

/// Where the server's write-ahead log is: it moves with every commit, on a primary and on a
/// replica replaying it.
const WAL_POSITION: &str = "
    SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
                 ELSE pg_current_wal_lsn() END)::text";

fn count(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

fn listed_article(row: &postgres::Row) -> ListedArticle {
    ListedArticle {
        id: row.get(0),
        published_at: row.get(1),
        source: row.get(2),
        title: row.get(3),
        word_count: row.get(4),
    }
}

fn period_count(row: &postgres::Row) -> PeriodCount {
    PeriodCount {
        period: row.get(0),
        articles: row.get(1),
    }
}

impl PgStore {
    fn read_rows<T>(
        &mut self,
        what: &str,
        sql: &str,
        parameters: &[&(dyn ToSql + Sync)],
        row: impl Fn(&postgres::Row) -> T,
    ) -> Result<Vec<T>, StoreError> {
        let rows = self
            .client
            .query(sql, parameters)
            .map_err(|error| self.error(what, &error))?;
        Ok(rows.iter().map(row).collect())
    }

    /// Changes whenever the server commits (see `Store::data_version`): the position of its
    /// write-ahead log, folded to a number.
    pub fn data_version(&mut self) -> Result<i64, StoreError> {
        let position: String = self
            .client
            .query_one(WAL_POSITION, &[])
            .map_err(|error| self.error("reading the server's log position", &error))?
            .get(0);
        let (high, low) = position.split_once('/').unwrap_or(("0", &position));
        let high = u64::from_str_radix(high, 16).unwrap_or(0);
        let low = u64::from_str_radix(low, 16).unwrap_or(0);
        Ok(((high << 32) | low) as i64)
    }

    /// Whether article `id` has its original bytes stored.
    pub fn has_raw_copy(&mut self, id: i64) -> Result<bool, StoreError> {
        self.client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM article_raw WHERE article_id = $1)",
                &[&id],
            )
            .map(|row| row.get(0))
            .map_err(|error| self.error("looking for a raw copy", &error))
    }

    /// Where article `id` was seen, first arrival first; at most `limit` places.
    pub fn article_sightings(
        &mut self,
        id: i64,
        limit: usize,
    ) -> Result<Vec<Sighting>, StoreError> {
        self.read_rows(
            "reading sightings",
            SIGHTINGS,
            &[&id, &count(limit)],
            |row| Sighting {
                origin: row.get(0),
                locator: row.get(1),
                title: row.get(2),
                feed_id: row.get(3),
                first_seen_at: row.get(4),
                last_seen_at: row.get(5),
                times_seen: row.get(6),
            },
        )
    }

    /// The mentions in one field of article `id`, in text order, each with its entity.
    pub fn linked_mentions(
        &mut self,
        id: i64,
        field: &str,
    ) -> Result<Vec<LinkedMention>, StoreError> {
        self.read_rows("reading mentions", LINKED_MENTIONS, &[&id, &field], |row| {
            LinkedMention {
                start: row.get::<_, i64>(0).max(0) as usize,
                end: row.get::<_, i64>(1).max(0) as usize,
                entity_id: row.get(2),
                kind: row.get(3),
                entity: row.get(4),
            }
        })
    }

    /// A source with the number of articles it published, `None` if there is no such id.
    pub fn source_row(&mut self, id: i64) -> Result<Option<SourceRow>, StoreError> {
        let rows = self.read_rows("reading a source", SOURCE_BY_ID, &[&id], |row| SourceRow {
            id: row.get(0),
            name: row.get(1),
            key: row.get(2),
            domain: row.get(3),
            home_url: row.get(4),
            articles: row.get(5),
        })?;
        Ok(rows.into_iter().next())
    }

    /// Articles a source published per month (dated ones only).
    pub fn source_months(&mut self, id: i64) -> Result<Vec<PeriodCount>, StoreError> {
        self.read_rows(
            "counting a source's articles",
            SOURCE_MONTHS,
            &[&id],
            period_count,
        )
    }

    /// A source's articles, newest first.
    pub fn source_articles(
        &mut self,
        id: i64,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<ListedArticle>, StoreError> {
        self.read_rows(
            "listing a source's articles",
            SOURCE_LATEST,
            &[&id, &count(limit), &count(offset)],
            listed_article,
        )
    }

    /// The entities most often named in a source's latest articles.
    pub fn source_top_entities(
        &mut self,
        id: i64,
        limit: usize,
    ) -> Result<Vec<CoMention>, StoreError> {
        self.read_rows(
            "counting a source's entities",
            SOURCE_TOP_ENTITIES,
            &[&id, &count(limit), &SOURCE_ENTITY_ARTICLES],
            |row| CoMention {
                id: row.get(0),
                name: row.get(1),
                kind: row.get(2),
                articles: row.get(3),
            },
        )
    }

    /// Articles that mention an entity, per month.
    pub fn entity_months(&mut self, entity_id: i64) -> Result<Vec<PeriodCount>, StoreError> {
        self.read_rows(
            "counting an entity's mentions over time",
            ENTITY_MONTHS,
            &[&entity_id],
            period_count,
        )
    }

    /// A story's articles, earliest first; at most `limit`.
    pub fn story_articles(
        &mut self,
        story_id: i64,
        limit: usize,
    ) -> Result<Vec<ListedArticle>, StoreError> {
        self.read_rows(
            "reading a story",
            super::stories::MEMBERS,
            &[&story_id, &count(limit)],
            listed_article,
        )
    }

    /// How many articles story `story_id` has (1 for an article alone).
    pub fn story_size(&mut self, story_id: i64) -> Result<i64, StoreError> {
        let sizes = self.read_rows(
            "reading a story",
            "SELECT size FROM stories WHERE id = $1",
            &[&story_id],
            |row| row.get::<_, i64>(0),
        )?;
        Ok(sizes.first().copied().unwrap_or(1))
    }

    /// Sources, months and entities of the most recently stored matches of a search (see
    /// `Store::search_facets`); `query` is in newsdb's search syntax.
    pub fn search_facets(&mut self, query: &str, limit: usize) -> Result<SearchFacets, StoreError> {
        let tsquery = to_tsquery(query).map_err(|reason| StoreError::Server {
            context: format!("{}: counting search facets", self.shown),
            reason,
        })?;
        let hits = self.read_rows(
            "counting search facets",
            FACET_HITS,
            &[&tsquery, &FACET_MATCHES],
            |row| row.get::<_, i64>(0),
        )?;
        let limit = count(limit);
        let facet = |row: &postgres::Row| FacetCount {
            value: row.get(0),
            articles: row.get(1),
        };
        Ok(SearchFacets {
            counted: hits.len() as i64,
            sources: self.read_rows(
                "counting search facets",
                FACET_SOURCES,
                &[&hits, &limit],
                facet,
            )?,
            months: self.read_rows(
                "counting search facets",
                FACET_MONTHS,
                &[&hits, &limit],
                facet,
            )?,
            entities: self.read_rows(
                "counting search facets",
                FACET_ENTITIES,
                &[&hits, &limit],
                facet,
            )?,
        })
    }
}
