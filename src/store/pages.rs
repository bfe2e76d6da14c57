//! Read queries the web pages (`newsdb serve`) need beyond the canned ones the CLI runs: an
//! article's sightings and linked mentions, one source's page,
//! an entity's mentions over time, search facets.
//!
//! **Stories** are read through the store's story queries (`stories`), the same ones the
//! command line runs.
//!
//! **Bounded work.** Every listing takes a limit; facets and a source's top entities look at a
//! capped number of articles, so no page reads the whole store per request.

use std::sync::{Arc, Mutex};

use rusqlite::{OptionalExtension, params};
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::{Context, Result, Store};

/// One place an article was seen: a row of `sightings`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sighting {
    pub origin: String,
    pub locator: Option<String>,
    pub title: Option<String>,
    pub feed_id: Option<i64>,
    pub first_seen_at: String,
    pub last_seen_at: String,
    pub times_seen: i64,
}

/// One entity mention in a field, with the entity it names.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkedMention {
    pub start: usize,
    pub end: usize,
    pub entity_id: i64,
    pub kind: String,
    pub entity: String,
}

/// An article in a short listing: a story's versions, a source's latest articles.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ListedArticle {
    pub id: i64,
    pub published_at: Option<String>,
    pub source: Option<String>,
    pub title: Option<String>,
    pub word_count: Option<i64>,
}

/// A number of articles in a period (`YYYY-MM`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeriodCount {
    pub period: String,
    pub articles: i64,
}

/// A value of a search facet with how many results have it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FacetCount {
    pub value: String,
    pub articles: i64,
}

/// The facets of a full-text query's matches.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SearchFacets {
    /// How many matches the counts cover: all of them when there are at most
    /// [`FACET_MATCHES`], else the [`FACET_MATCHES`] most recently stored.
    pub counted: i64,
    pub sources: Vec<FacetCount>,
    pub months: Vec<FacetCount>,
    pub entities: Vec<FacetCount>,
}

/// A row of `sources` for its page.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SourceRow {
    pub id: i64,
    pub name: String,
    pub key: String,
    pub domain: Option<String>,
    pub home_url: Option<String>,
    pub articles: i64,
}

/// Facets count the most recently stored matches up to this many: enough to show the spread of a
/// query, cheap whatever the store's size.
pub const FACET_MATCHES: i64 = 1000;

/// A source's top entities are counted over its latest articles up to this many.
pub const SOURCE_ENTITY_ARTICLES: i64 = 500;

const SIGHTINGS: &str = "
    SELECT origin, locator, title, feed_id, first_seen_at, last_seen_at, times_seen
      FROM sightings WHERE article_id = ?1
     ORDER BY first_seen_at, id
     LIMIT ?2";

const LINKED_MENTIONS: &str = "
    SELECT m.start, m.\"end\", m.entity_id, e.kind, e.name
      FROM mentions AS m JOIN entities AS e ON e.id = m.entity_id
     WHERE m.article_id = ?1 AND m.field = ?2
     ORDER BY m.start, m.\"end\" DESC";

const SOURCE_BY_ID: &str = "
    SELECT s.id, s.name, s.key, s.domain, s.home_url,
           (SELECT count(*) FROM articles WHERE source_id = s.id)
      FROM sources AS s WHERE s.id = ?1";

const SOURCE_MONTHS: &str = "
    SELECT substr(published_at, 1, 7) AS period, count(*)
      FROM articles
     WHERE source_id = ?1 AND published_at IS NOT NULL
     GROUP BY period ORDER BY period";

const SOURCE_LATEST: &str = "
    SELECT a.id, a.published_at, s.name, a.title, a.word_count
      FROM articles AS a LEFT JOIN sources AS s ON s.id = a.source_id
     WHERE a.source_id = ?1
     ORDER BY a.published_at DESC, a.id DESC
     LIMIT ?2 OFFSET ?3";

const SOURCE_TOP_ENTITIES: &str = "
    WITH latest AS (
        SELECT id FROM articles WHERE source_id = ?1
         ORDER BY published_at DESC, id DESC LIMIT ?3
    )
    SELECT e.id, e.name, e.kind, count(DISTINCT m.article_id) AS articles
      FROM latest JOIN article_entities AS m ON m.article_id = latest.id
      JOIN entities AS e ON e.id = m.entity_id
     GROUP BY e.id
     ORDER BY articles DESC, e.name
     LIMIT ?2";

/// Articles that mention an entity, per month of their date (published, else imported): the
/// counts kept in `entity_months` (V14).
const ENTITY_MONTHS: &str = "
    SELECT month, articles FROM entity_months WHERE entity_id = ?1 ORDER BY month";

/// The matches facets count: the [`FACET_MATCHES`] most recently stored (highest rowids), which
/// FTS5 gives newest first without ranking every match.
const FACET_HITS: &str = "
    SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2";

/// The facets read the hits as a JSON array of ids (?1) and count in Rust: the full-text query
/// runs once, the articles are read once for sources and months, and no temporary b-tree sorts
/// the rows (grouping 20,000 mention rows in SQL took 13 ms of a 34 ms search page). Articles
/// are read from V19's narrow index: by rowid SQLite would read a whole row, body and all, each.
const FACET_ARTICLES: &str = "
    SELECT a.id, a.source_id, substr(a.published_at, 1, 7)
      FROM json_each(?1) AS hits JOIN articles AS a INDEXED BY articles_facets
           ON a.id = hits.value";

/// An article's rows come together: `article_entities`' primary key starts with its id.
const FACET_ENTITY_ROWS: &str = "
    SELECT ae.article_id, ae.entity_id
      FROM json_each(?1) AS hits JOIN article_entities AS ae ON ae.article_id = hits.value";

const FACET_SOURCE_NAMES: &str = "
    SELECT s.id, s.name FROM json_each(?1) AS wanted JOIN sources AS s ON s.id = wanted.value";

const FACET_ENTITY_NAMES: &str = "
    SELECT e.id, e.name FROM json_each(?1) AS wanted JOIN entities AS e ON e.id = wanted.value";

fn listed_article(row: &rusqlite::Row<'_>) -> rusqlite::Result<ListedArticle> {
    Ok(ListedArticle {
        id: row.get(0)?,
        published_at: row.get(1)?,
        source: row.get(2)?,
        title: row.get(3)?,
        word_count: row.get(4)?,
    })
}

fn count(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl Store {
    /// SQLite's `PRAGMA data_version`: it changes when another connection commits, so a reader
    /// knows whether what it computed before still holds.
    pub fn data_version(&self) -> Result<i64> {
        self.conn
            .prepare_cached("PRAGMA data_version")
            .and_then(|mut statement| statement.query_row([], |row| row.get(0)))
            .context("reading the data version")
    }

    /// Whether article `id` has its original bytes stored.
    pub fn has_raw_copy(&self, id: i64) -> Result<bool> {
        self.conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM article_raw WHERE article_id = ?1)")
            .and_then(|mut statement| statement.query_row([id], |row| row.get(0)))
            .context("looking for a raw copy")
    }

    /// Where article `id` was seen, first arrival first; at most `limit` places.
    pub fn article_sightings(&self, id: i64, limit: usize) -> Result<Vec<Sighting>> {
        self.query_rows(
            SIGHTINGS,
            params![id, count(limit)],
            "reading sightings",
            |row| {
                Ok(Sighting {
                    origin: row.get(0)?,
                    locator: row.get(1)?,
                    title: row.get(2)?,
                    feed_id: row.get(3)?,
                    first_seen_at: row.get(4)?,
                    last_seen_at: row.get(5)?,
                    times_seen: row.get(6)?,
                })
            },
        )
    }

    /// The mentions in one field (`title` or `body`) of article `id`, in text order, each with
    /// its entity's id.
    pub fn linked_mentions(&self, id: i64, field: &str) -> Result<Vec<LinkedMention>> {
        self.query_rows(
            LINKED_MENTIONS,
            params![id, field],
            "reading mentions",
            |row| {
                Ok(LinkedMention {
                    start: row.get::<_, i64>(0)?.max(0) as usize,
                    end: row.get::<_, i64>(1)?.max(0) as usize,
                    entity_id: row.get(2)?,
                    kind: row.get(3)?,
                    entity: row.get(4)?,
                })
            },
        )
    }

    /// A source with the number of articles it published, `None` if there is no such id.
    pub fn source_row(&self, id: i64) -> Result<Option<SourceRow>> {
        self.conn
            .prepare_cached(SOURCE_BY_ID)
            .and_then(|mut statement| {
                statement
                    .query_row([id], |row| {
                        Ok(SourceRow {
                            id: row.get(0)?,
                            name: row.get(1)?,
                            key: row.get(2)?,
                            domain: row.get(3)?,
                            home_url: row.get(4)?,
                            articles: row.get(5)?,
                        })
                    })
                    .optional()
            })
            .context("reading a source")
    }

    /// Articles a source published per month (dated ones only).
    pub fn source_months(&self, id: i64) -> Result<Vec<PeriodCount>> {
        self.query_rows(SOURCE_MONTHS, [id], "counting a source's articles", |row| {
            Ok(PeriodCount {
                period: row.get(0)?,
                articles: row.get(1)?,
            })
        })
    }

    /// A source's articles, newest first.
    pub fn source_articles(
        &self,
        id: i64,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<ListedArticle>> {
        self.query_rows(
            SOURCE_LATEST,
            params![id, count(limit), count(offset)],
            "listing a source's articles",
            listed_article,
        )
    }

    /// The entities most often named in a source's latest [`SOURCE_ENTITY_ARTICLES`] articles.
    pub fn source_top_entities(&self, id: i64, limit: usize) -> Result<Vec<super::CoMention>> {
        self.query_rows(
            SOURCE_TOP_ENTITIES,
            params![id, count(limit), SOURCE_ENTITY_ARTICLES],
            "counting a source's entities",
            |row| {
                Ok(super::CoMention {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    kind: row.get(2)?,
                    articles: row.get(3)?,
                })
            },
        )
    }

    /// Articles that mention an entity, per month.
    pub fn entity_months(&self, entity_id: i64) -> Result<Vec<PeriodCount>> {
        self.query_rows(
            ENTITY_MONTHS,
            [entity_id],
            "counting an entity's mentions over time",
            |row| {
                Ok(PeriodCount {
                    period: row.get(0)?,
                    articles: row.get(1)?,
                })
            },
        )
    }

    /// Sources, months and entities of the [`FACET_MATCHES`] most recently stored matches of a
    /// full-text query, `limit` values each. The query runs once; each facet then reads those
    /// articles only, so the cost is bounded whatever the store's size or the term's frequency.
    pub fn search_facets(&self, query: &str, limit: usize) -> rusqlite::Result<SearchFacets> {
        self.search_facets_kept(query, limit, None, None)
    }

    /// [`Store::search_facets`], taking each article's facts from `kept` where they are still
    /// good, and keeping those it reads there. `generation` (a number that moves whenever the
    /// database changes) says how long they are good on a database without V21's count of edits.
    /// `ranked`: the query's matches as its search just ranked them, all of them (see
    /// [`Store::ranked_matches`]), which spare running the query again.
    pub fn search_facets_kept(
        &self,
        query: &str,
        limit: usize,
        kept: Option<(&KeptArticleFacts, u64)>,
        ranked: Option<Vec<i64>>,
    ) -> rusqlite::Result<SearchFacets> {
        // Read before the facts: facts read after it are at least as new as the count says.
        let kept = match kept {
            Some((kept, generation)) => {
                let good_for = match self.article_edits()? {
                    Some(edits) => FactsGoodFor::Edits(edits),
                    None => FactsGoodFor::Generation(generation),
                };
                Some((kept, good_for))
            }
            None => None,
        };
        let hits: Vec<i64> = match ranked {
            Some(mut ranked) => {
                ranked.truncate(FACET_MATCHES as usize);
                ranked
            }
            None => {
                let mut statement = self.conn.prepare_cached(FACET_HITS)?;
                let rows = statement.query_map(params![query, FACET_MATCHES], |row| row.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            }
        };
        let counted = hits.len() as i64;

        let (mut facts, missing) = match kept {
            Some((kept, good_for)) => kept.lookup(good_for, &hits),
            None => (Vec::new(), hits),
        };
        let read = self.article_facts(&missing)?;
        facts.extend(read.iter().map(|(_, article)| Arc::clone(article)));
        if let Some((kept, good_for)) = kept {
            kept.keep(good_for, read);
        }

        let mut per_source = FxHashMap::default();
        let mut per_month = FxHashMap::default();
        for article in &facts {
            if let Some(source) = article.source {
                *per_source.entry(source).or_insert(0) += 1;
            }
            if let Some(month) = article.month.as_deref() {
                *per_month.entry(month).or_insert(0) += 1;
            }
        }
        let per_source: Vec<(i64, i64)> = per_source.into_iter().collect();
        let per_entity = count_ids(facts.iter().map(|article| &article.entities[..]));

        let mut months: Vec<(&str, i64)> = per_month.into_iter().collect();
        months.sort_unstable_by(|a, b| b.0.cmp(a.0));
        Ok(SearchFacets {
            counted,
            sources: self.top_named(per_source, limit, FACET_SOURCE_NAMES)?,
            months: months
                .into_iter()
                .take(limit)
                .map(|(month, articles)| FacetCount {
                    value: month.to_owned(),
                    articles,
                })
                .collect(),
            entities: self.top_named(per_entity, limit, FACET_ENTITY_NAMES)?,
        })
    }

    /// V21's count of edits to stored articles (`meta.article_edits`); None on a database made
    /// before it (read without migrating) or whose row another tool removed.
    fn article_edits(&self) -> rusqlite::Result<Option<i64>> {
        self.conn
            .prepare_cached(super::ARTICLE_EDITS)?
            .query_row([], |row| row.get(0))
            .optional()
    }

    /// What the facets count of each of `articles` that exists: its source and month from V19's
    /// narrow index, its distinct entities from the packed rows.
    fn article_facts(&self, articles: &[i64]) -> rusqlite::Result<Vec<(i64, Arc<ArticleFacts>)>> {
        if articles.is_empty() {
            return Ok(Vec::new());
        }
        let mut entities = self.article_entities(articles)?;
        let mut facts = Vec::with_capacity(articles.len());
        let mut statement = self.prepare_facet(FACET_ARTICLES)?;
        let mut rows = statement.query([ids_json(articles)])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let month: Option<String> = row.get(2)?;
            facts.push((
                id,
                Arc::new(ArticleFacts {
                    source: row.get(1)?,
                    month: month.map(String::into_boxed_str),
                    entities: entities.remove(&id).unwrap_or_default(),
                }),
            ));
        }
        Ok(facts)
    }

    /// The distinct entities each of `articles` names, in any field, for those that name any.
    /// Counted from the packed rows, not the `mentions` view, which would unpack every span; an
    /// article's rows come together (one primary key range per article).
    fn article_entities(&self, articles: &[i64]) -> rusqlite::Result<FxHashMap<i64, Box<[i64]>>> {
        let mut lists = FxHashMap::with_capacity_and_hasher(articles.len(), Default::default());
        let mut current: Option<(i64, Vec<i64>)> = None;
        let mut finish = |current: Option<(i64, Vec<i64>)>| {
            if let Some((article, mut entities)) = current {
                entities.sort_unstable();
                entities.dedup();
                lists.insert(article, entities.into_boxed_slice());
            }
        };
        let mut statement = self.conn.prepare_cached(FACET_ENTITY_ROWS)?;
        let mut rows = statement.query([ids_json(articles)])?;
        while let Some(row) = rows.next()? {
            let (article, entity): (i64, i64) = (row.get(0)?, row.get(1)?);
            match &mut current {
                Some((id, entities)) if *id == article => entities.push(entity),
                _ => finish(current.replace((article, vec![entity]))),
            }
        }
        finish(current);
        Ok(lists)
    }

    /// A facet statement on V19's index, or on the table alone where a read-only connection
    /// reads a database made before V19 (it does not migrate).
    fn prepare_facet(&self, sql: &str) -> rusqlite::Result<rusqlite::CachedStatement<'_>> {
        self.conn
            .prepare_cached(sql)
            .or_else(|_| self.conn.prepare_cached(&without_index_hints(sql)))
    }

    /// The `limit` ids with the highest counts, named by `names_sql` (ids as a JSON array in ?1,
    /// rows of id and name), most first and then by name. Only the ids that can make the cut
    /// (a count at least the `limit`-th highest) are looked up.
    fn top_named(
        &self,
        counts: Vec<(i64, i64)>,
        limit: usize,
        names_sql: &str,
    ) -> rusqlite::Result<Vec<FacetCount>> {
        if limit == 0 || counts.is_empty() {
            return Ok(Vec::new());
        }
        let mut highest: Vec<i64> = counts.iter().map(|&(_, count)| count).collect();
        let cut_index = limit.min(highest.len()) - 1;
        let (_, &mut cut, _) = highest.select_nth_unstable_by(cut_index, |a, b| b.cmp(a));
        let counts: FxHashMap<i64, i64> = counts
            .into_iter()
            .filter(|&(_, count)| count >= cut)
            .collect();
        let wanted: Vec<i64> = counts.keys().copied().collect();
        let mut named = Vec::with_capacity(wanted.len());
        let mut statement = self.conn.prepare_cached(names_sql)?;
        let mut rows = statement.query([ids_json(&wanted)])?;
        while let Some(row) = rows.next()? {
            let (id, name): (i64, String) = (row.get(0)?, row.get(1)?);
            named.push((counts[&id], name, id));
        }
        named.sort_unstable_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| a.1.cmp(&b.1))
                .then(a.2.cmp(&b.2))
        });
        Ok(named
            .into_iter()
            .take(limit)
            .map(|(articles, value, _)| FacetCount { value, articles })
            .collect())
    }
}

/// Entity ids up to this are counted in an array indexed by id (4 bytes each, allocated zeroed,
/// so only the pages touched cost memory); a store with higher ids counts in a hash map.
const DENSE_IDS: i64 = 1 << 22;

/// How many of `lists` hold each id (each list holds an id once), in no order. Entity ids are
/// rowids, dense in practice: the 20,000 increments of a search's 1,000 matches took about 5%
/// of the server's CPU on new searches in a hash map (perf, while an import ran).
fn count_ids<'a>(lists: impl Iterator<Item = &'a [i64]> + Clone) -> Vec<(i64, i64)> {
    let (smallest, highest) = lists
        .clone()
        .flatten()
        .fold((0, 0), |(low, high), &id| (low.min(id), high.max(id)));
    if smallest < 0 || highest >= DENSE_IDS {
        let mut counts = FxHashMap::default();
        for &id in lists.flatten() {
            *counts.entry(id).or_insert(0) += 1;
        }
        return counts.into_iter().collect();
    }
    let mut counts = vec![0_u32; usize::try_from(highest).unwrap_or(0) + 1];
    let mut seen = Vec::new();
    for &id in lists.flatten() {
        let count = &mut counts[id as usize];
        if *count == 0 {
            seen.push(id);
        }
        *count += 1;
    }
    seen.into_iter()
        .map(|id| (id, i64::from(counts[id as usize])))
        .collect()
}

/// `sql` with its `INDEXED BY name` clauses taken out, line by line (so `--` comments still end
/// where they did), for a database made before the index it names.
pub(crate) fn without_index_hints(sql: &str) -> String {
    let mut lines = Vec::new();
    for line in sql.lines() {
        let mut words = Vec::new();
        let mut rest = line.split_whitespace();
        while let Some(word) = rest.next() {
            if word.eq_ignore_ascii_case("INDEXED") {
                rest.next(); // BY
                rest.next(); // the index's name
            } else {
                words.push(word);
            }
        }
        lines.push(words.join(" "));
    }
    lines.join("\n")
}

/// What the search facets count of one article.
#[derive(Debug, Default)]
struct ArticleFacts {
    source: Option<i64>,
    /// `YYYY-MM` of its publication date.
    month: Option<Box<str>>,
    /// Its distinct entities, in id order.
    entities: Box<[i64]>,
}

/// Each article's facts (source, month, distinct entities), kept between searches for their
/// facets: the facets read up to [`FACET_MATCHES`] articles (at 100,000 articles about 1,000
/// lookups in the narrow index and 21,000 rows from 1,000 places in `article_entities`, a fifth
/// of a new search page), and successive searches meet the same recent articles again.
///
/// They stay good while V21's count of edits to stored articles stands still: new articles
/// arriving do not change the facts of those kept, so an import that commits every two seconds
/// no longer empties them. On a database without that count they are good for one generation
/// (see `serve::cache`). Newer facts replace the kept ones; older ones neither read nor add. At
/// most [`KeptArticleFacts::CAPACITY`] articles (about 15 MB); when full it starts again.
#[derive(Default)]
pub struct KeptArticleFacts {
    kept: Mutex<KeptFacts>,
}

#[derive(Default)]
struct KeptFacts {
    good_for: FactsGoodFor,
    articles: FxHashMap<i64, Arc<ArticleFacts>>,
}

/// How long kept facts are good: while the count of edits has this value, or, on a database
/// without it, for this generation. Ordered oldest first: a count is newer than any generation
/// (a writer migrated the database to V21 while the server ran).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum FactsGoodFor {
    Generation(u64),
    Edits(i64),
}

impl Default for FactsGoodFor {
    fn default() -> Self {
        FactsGoodFor::Generation(0)
    }
}

impl KeptArticleFacts {
    pub const CAPACITY: usize = 65_536;

    /// The kept facts of `articles` that are good for `good_for`, and the articles not kept.
    fn lookup(
        &self,
        good_for: FactsGoodFor,
        articles: &[i64],
    ) -> (Vec<Arc<ArticleFacts>>, Vec<i64>) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if good_for > kept.good_for {
            kept.articles.clear();
            kept.good_for = good_for;
        }
        if good_for < kept.good_for {
            return (Vec::new(), articles.to_vec());
        }
        let mut found = Vec::with_capacity(articles.len());
        let mut missing = Vec::new();
        for id in articles {
            match kept.articles.get(id) {
                Some(facts) => found.push(Arc::clone(facts)),
                None => missing.push(*id),
            }
        }
        (found, missing)
    }

    /// Keeps `read`, read while `good_for` held.
    fn keep(&self, good_for: FactsGoodFor, read: Vec<(i64, Arc<ArticleFacts>)>) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if good_for != kept.good_for {
            return;
        }
        if kept.articles.len() + read.len() > Self::CAPACITY {
            kept.articles.clear();
        }
        kept.articles.extend(read);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.kept.lock().unwrap().articles.len()
    }
}

fn ids_json(ids: &[i64]) -> String {
    serde_json::to_string(&ids).expect("integers serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids counted in the array and in the map (a negative id, or one past the array's
    /// bound) give the same counts.
    #[test]
    fn ids_are_counted_alike_in_the_array_and_the_map() {
        let sorted = |mut counts: Vec<(i64, i64)>| {
            counts.sort_unstable();
            counts
        };
        let lists: [&[i64]; 3] = [&[1, 5, 9], &[5, 9], &[9, 0]];
        let expected = vec![(0, 1), (1, 1), (5, 2), (9, 3)];
        assert_eq!(sorted(count_ids(lists.iter().copied())), expected);
        for outlier in [-3, DENSE_IDS] {
            let with_outlier: [&[i64]; 4] = [&[1, 5, 9], &[5, 9], &[9, 0], &[outlier]];
            let mut expected = expected.clone();
            expected.push((outlier, 1));
            assert_eq!(
                sorted(count_ids(with_outlier.iter().copied())),
                sorted(expected)
            );
        }
        assert!(count_ids(std::iter::empty::<&[i64]>()).is_empty());
    }

    #[test]
    fn every_statement_prepares_on_the_current_schema() {
        let store = Store::open_in_memory().unwrap();
        for sql in [
            SIGHTINGS,
            LINKED_MENTIONS,
            SOURCE_BY_ID,
            SOURCE_MONTHS,
            SOURCE_LATEST,
            SOURCE_TOP_ENTITIES,
            ENTITY_MONTHS,
            FACET_HITS,
            FACET_ARTICLES,
            FACET_ENTITY_ROWS,
            FACET_SOURCE_NAMES,
            FACET_ENTITY_NAMES,
        ] {
            let statement = store
                .connection()
                .prepare(sql)
                .unwrap_or_else(|error| panic!("{sql}: {error}"));
            assert!(statement.readonly(), "{sql}");
        }
    }

    /// Facets count the matches' sources, months and entities, each article once.
    #[test]
    fn index_hints_come_out_and_comments_still_end_their_lines() {
        let sql = "-- the articles INDEXED BY x\nSELECT a.id FROM articles AS a INDEXED BY articles_facets\n WHERE a.id = 1";
        assert_eq!(
            without_index_hints(sql),
            "-- the articles\nSELECT a.id FROM articles AS a\nWHERE a.id = 1"
        );
    }

    #[test]
    fn kept_article_facts_last_while_no_stored_article_is_edited() {
        let store = Store::open_in_memory().unwrap();
        let run = |sql: &str| store.connection().execute_batch(sql).unwrap();
        run("INSERT INTO articles (id, content_hash, title, body) VALUES
                    (1, printf('%064d', 1), 'Summit', 'A summit in Seoul.'),
                    (2, printf('%064d', 2), 'Summit again', 'Summit talk.'),
                    (3, printf('%064d', 3), 'Summit budget', 'No names.');
             INSERT INTO entities (id, kind, name, key) VALUES
                    (1, 'location', 'Seoul', 'seoul'), (2, 'person', 'Kim', 'kim');
             INSERT INTO mentions (article_id, entity_id, field, start, \"end\", method) VALUES
                    (1, 1, 'body', 12, 17, 'rule'), (1, 1, 'title', 0, 3, 'rule'),
                    (2, 2, 'body', 0, 3, 'rule');");
        let kept = KeptArticleFacts::default();
        let kept_facets = || {
            store
                .search_facets_kept("summit", 8, Some((&kept, 1)), None)
                .unwrap()
        };
        let good_for = || FactsGoodFor::Edits(store.article_edits().unwrap().unwrap());
        let kept_of = |ids: &[i64]| kept.lookup(good_for(), ids).1;
        assert_eq!(kept_facets(), store.search_facets("summit", 8).unwrap());
        assert_eq!(kept.len(), 3, "the article naming nothing is kept too");
        assert_eq!(kept_facets(), store.search_facets("summit", 8).unwrap());

        // A new article arrives the importer's way (its mentions written with the totals'
        // triggers paused): the count stands still and only the new article is read.
        let before = store.article_edits().unwrap();
        run("INSERT INTO articles (id, content_hash, title, body) VALUES
                    (4, printf('%064d', 4), 'Summit news', 'Kim at the summit.');
             INSERT INTO entity_totals_pause (paused) VALUES (1);
             INSERT INTO article_entities (article_id, entity_id, field, mention_count, method, spans)
                    VALUES (4, 2, 'body', 1, 'rule', '[[0,3,0]]');
             DELETE FROM entity_totals_pause;");
        assert_eq!(store.article_edits().unwrap(), before);
        assert_eq!(kept_of(&[1, 2, 3, 4]), [4]);
        assert_eq!(kept_facets(), store.search_facets("summit", 8).unwrap());
        assert_eq!(kept.len(), 4);

        // Each kind of edit to a stored article moves the count, and the facets are counted
        // anew: they equal counting without kept facts, which sees the edit.
        run("INSERT INTO sources (id, name, key) VALUES (1, 'Herald', 'herald')");
        for edit in [
            "INSERT INTO mentions (article_id, entity_id, field, start, \"end\", method)
             VALUES (3, 2, 'body', 0, 2, 'rule')",
            "UPDATE article_entities SET entity_id = 1 WHERE article_id = 4",
            "DELETE FROM mentions WHERE article_id = 1",
            "DELETE FROM article_entities WHERE article_id = 2",
            "UPDATE articles SET source_id = 1 WHERE id = 2",
            "UPDATE articles SET published_at = '2024-03-01T00:00:00Z' WHERE id = 2",
            "DELETE FROM articles WHERE id = 3",
        ] {
            let before = store.article_edits().unwrap().unwrap();
            let facets_before = kept_facets();
            run(edit);
            assert!(store.article_edits().unwrap().unwrap() > before, "{edit}");
            let changed = store.search_facets("summit", 8).unwrap();
            assert_ne!(changed, facets_before, "{edit}");
            assert_eq!(kept_facets(), changed, "{edit}");
        }
        // A row's spans rewritten in place (the `mentions` view adds one) moves it too.
        let before = store.article_edits().unwrap().unwrap();
        run(
            "INSERT INTO mentions (article_id, entity_id, field, start, \"end\", method)
             VALUES (4, 1, 'body', 4, 6, 'rule')",
        );
        assert!(store.article_edits().unwrap().unwrap() > before);
        // A column the facts do not read leaves the count alone.
        let before = store.article_edits().unwrap();
        run("UPDATE articles SET language = 'en' WHERE id = 1");
        assert_eq!(store.article_edits().unwrap(), before);
    }

    /// On a database without the count (made before V21 and read without migrating) the kept
    /// facts are good for one generation: a newer one reads again, an older one is not served.
    #[test]
    fn without_the_count_kept_facts_last_one_generation() {
        let store = Store::open_in_memory().unwrap();
        store
            .connection()
            .execute_batch(
                "INSERT INTO articles (id, content_hash, title, body) VALUES
                        (1, printf('%064d', 1), 'Summit', 'A summit in Seoul.');
                 INSERT INTO entities (id, kind, name, key) VALUES (1, 'location', 'Seoul', 'seoul');
                 DELETE FROM meta WHERE key = 'article_edits';",
            )
            .unwrap();
        let kept = KeptArticleFacts::default();
        let facets = |generation| {
            store
                .search_facets_kept("summit", 8, Some((&kept, generation)), None)
                .unwrap()
        };
        assert_eq!(facets(1), store.search_facets("summit", 8).unwrap());
        assert_eq!(kept.len(), 1);
        // Written the importer's way, so no trigger would tell.
        store
            .connection()
            .execute_batch(
                "INSERT INTO entity_totals_pause (paused) VALUES (1);
                 INSERT INTO article_entities (article_id, entity_id, field, mention_count, method, spans)
                        VALUES (1, 1, 'body', 1, 'rule', '[[12,17,0]]');
                 DELETE FROM entity_totals_pause;",
            )
            .unwrap();
        let changed = store.search_facets("summit", 8).unwrap();
        assert_eq!(changed.entities.len(), 1);
        assert_eq!(facets(2), changed);
        assert_eq!(facets(1), changed);
    }

    /// A search ranks every match of its query, in either order and on any page, so the matches
    /// it records are the ones the facets' own query finds: the [`FACET_MATCHES`] most recently
    /// stored.
    #[test]
    fn a_search_records_every_match_it_ranks() {
        let store = Store::open_in_memory().unwrap();
        store
            .connection()
            .execute_batch(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)
                 INSERT INTO articles (id, content_hash, title, body, published_at)
                 SELECT i, printf('%064d', i), 'Harbour ' || i,
                        iif(i % 3 = 0, 'The ferry left the harbour.', 'The harbour.'),
                        printf('2024-%02d-%02dT00:00:00Z', i % 12 + 1, i % 28 + 1)
                   FROM n;",
            )
            .unwrap();
        let search = include_str!("../query/canned/search.sql");
        for query in ["harbour", "ferry harbour", "ferry OR left", "nowhere"] {
            let scanned: Vec<i64> = store
                .connection()
                .prepare(FACET_HITS)
                .unwrap()
                .query_map(params![query, FACET_MATCHES], |row| row.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            for (order, offset) in [
                ("relevance", 0),
                ("date", 0),
                ("relevance", 20),
                ("date", 40),
            ] {
                store.record_ranked_matches(query);
                let shown = store
                    .connection()
                    .prepare(search)
                    .unwrap()
                    .query_map(
                        rusqlite::named_params! {
                            ":query": query, ":order": order, ":limit": 21, ":offset": offset,
                        },
                        |row| row.get::<_, i64>(0),
                    )
                    .unwrap()
                    .count();
                assert!(shown <= 21);
                assert_eq!(
                    store.ranked_matches().unwrap_or_default(),
                    scanned,
                    "{query}, {order} order, offset {offset}"
                );
            }
        }
        // Recording stops when the matches are taken.
        store
            .connection()
            .query_row(
                "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'harbour'
                    AND rank MATCH 'newsdb_bm25(''harbour'')'",
                [],
                |row| row.get::<_, i64>(0),
            )
            .unwrap();
        assert_eq!(store.ranked_matches(), None);
    }

    #[test]
    fn facets_count_the_matches() {
        let store = Store::open_in_memory().unwrap();
        store
            .connection()
            .execute_batch(
                "INSERT INTO sources (id, name, key) VALUES (1, 'Herald', 'herald'), (2, 'Post', 'post');
                 INSERT INTO articles (id, content_hash, title, body, published_at, source_id) VALUES
                        (1, printf('%064d', 1), 'Summit', 'A summit in Seoul.', '2024-01-05T00:00:00Z', 1),
                        (2, printf('%064d', 2), 'Summit again', 'Summit talk.', '2024-02-05T00:00:00Z', 1),
                        (3, printf('%064d', 3), 'Budget', 'The summit budget.', '2024-02-06T00:00:00Z', 2),
                        (4, printf('%064d', 4), 'Other', 'Nothing here.', '2024-02-07T00:00:00Z', 2);
                 INSERT INTO entities (id, kind, name, key) VALUES
                        (1, 'location', 'Seoul', 'seoul'), (2, 'person', 'Kim', 'kim');
                 INSERT INTO mentions (article_id, entity_id, field, start, \"end\", method) VALUES
                        (1, 1, 'body', 12, 17, 'rule'), (1, 1, 'title', 0, 3, 'rule'),
                        (2, 1, 'body', 0, 3, 'rule'), (3, 2, 'body', 0, 3, 'rule'),
                        (4, 2, 'body', 0, 3, 'rule');",
            )
            .unwrap();
        let facets = store.search_facets("summit", 8).unwrap();
        let pairs = |values: &[FacetCount]| -> Vec<(String, i64)> {
            values
                .iter()
                .map(|v| (v.value.clone(), v.articles))
                .collect()
        };
        assert_eq!(facets.counted, 3);
        assert_eq!(
            pairs(&facets.sources),
            [("Herald".into(), 2), ("Post".into(), 1)]
        );
        assert_eq!(
            pairs(&facets.months),
            [("2024-02".into(), 2), ("2024-01".into(), 1)]
        );
        assert_eq!(
            pairs(&facets.entities),
            [("Seoul".into(), 2), ("Kim".into(), 1)]
        );
        // The top one of each; only values that can make the cut are named.
        let first = store.search_facets("summit", 1).unwrap();
        assert_eq!(pairs(&first.sources), [("Herald".into(), 2)]);
        assert_eq!(pairs(&first.months), [("2024-02".into(), 2)]);
        assert_eq!(pairs(&first.entities), [("Seoul".into(), 2)]);
        assert_eq!(
            store.search_facets("nowhere", 8).unwrap(),
            SearchFacets::default()
        );
        // A database made before V19, as a read-only connection sees it: the same counts.
        store
            .connection()
            .execute_batch("DROP INDEX articles_facets")
            .unwrap();
        store.connection().flush_prepared_statement_cache();
        assert_eq!(store.search_facets("summit", 8).unwrap(), facets);
    }
}
