//! The store a page reads, on either backend: a read-only SQLite [`Store`] or a PostgreSQL
//! [`PgStore`] (whose calls need `&mut`, so it sits in a `RefCell`: a reader serves one job at a
//! time). Each method is the backend's method of the same name, so the pages read alike.
//!
//! SQL the pages run (canned queries, saved ones, the SQL page's) goes through
//! [`WebStore::run_query`]: on SQLite the read-only connection with its limits, on PostgreSQL a
//! `READ ONLY` transaction with a `statement_timeout`, a built-in in its PostgreSQL form.

use std::cell::RefCell;
use std::sync::Arc;

use rusqlite::types::Value;

use crate::backend::postgres::{canned as pg_canned, query as pg_query};
use crate::backend::{DatabaseLocation, PgStore};
use crate::query::adhoc::{self, Parameter, QueryError, QueryLimits};
use crate::query::canned::{self, CannedQuery, Origin};
use crate::store::{
    CoMention, EntityDetail, EntityFilter, EntitySummary, Feed, KeptArticleFacts, LinkedMention,
    ListedArticle, OpenOptions, PeriodCount, RawCopy, SavedQuery, SearchFacets, Sighting,
    SourceRow, Store, StoreError, StoryFilter, StorySummary,
};

/// A read-only store of either backend.
pub enum WebStore {
    Sqlite(Box<Store>),
    Postgres(RefCell<Box<PgStore>>),
}

/// Calls the method of the same name on whichever store this is.
macro_rules! on_either {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            WebStore::Sqlite($store) => $call,
            WebStore::Postgres(cell) => {
                let $store = &mut **cell.borrow_mut();
                $call
            }
        }
    };
}

/// A statement a page runs: a canned query (built-in or saved) or the SQL page's own.
#[derive(Clone, Copy)]
pub enum WebQuery<'a> {
    Canned(&'a CannedQuery),
    AdHoc(&'a str),
}

/// What the rows of a query are handed to.
pub type Consume<'a> = dyn FnOnce(
        &[String],
        &mut dyn Iterator<Item = Result<Vec<Value>, QueryError>>,
    ) -> Result<u64, QueryError>
    + 'a;

impl WebStore {
    /// Opens the database `location` names, read-only.
    pub fn open(
        location: &DatabaseLocation,
        options: &OpenOptions,
    ) -> Result<WebStore, StoreError> {
        Ok(match location {
            DatabaseLocation::File(path) => WebStore::Sqlite(Box::new(Store::open(path, options)?)),
            DatabaseLocation::Postgres(url) => {
                WebStore::Postgres(RefCell::new(Box::new(PgStore::open(url, options)?)))
            }
        })
    }

    /// Lets a SQLite store's search ranking share its word counts with the pool's other
    /// connections (PostgreSQL ranks in the server).
    pub fn share_word_counts(&self, counts: &Arc<crate::store::SharedWordCounts>) {
        if let WebStore::Sqlite(store) = self {
            store.share_word_counts(counts);
        }
    }

    /// Whether the database has stories (a PostgreSQL database always has their tables).
    pub fn has_stories(&self) -> Result<bool, StoreError> {
        match self {
            WebStore::Sqlite(store) => store.has_stories(),
            WebStore::Postgres(_) => Ok(true),
        }
    }

    /// A number that changes when the database changes (see `Store::data_version`).
    pub fn data_version(&self) -> Result<i64, StoreError> {
        on_either!(self, store => store.data_version())
    }

    pub fn top_entities(&self, filter: &EntityFilter) -> Result<Vec<EntitySummary>, StoreError> {
        on_either!(self, store => store.top_entities(filter))
    }

    pub fn feeds(&self) -> Result<Vec<Feed>, StoreError> {
        on_either!(self, store => store.feeds())
    }

    /// On SQLite, records the matches the next search ranks for `query` (see
    /// `Store::record_ranked_matches`); on PostgreSQL, nothing.
    pub fn record_ranked_matches(&self, query: &str) {
        if let WebStore::Sqlite(store) = self {
            store.record_ranked_matches(query);
        }
    }

    /// The matches recorded since [`WebStore::record_ranked_matches`], if any.
    pub fn ranked_matches(&self) -> Option<Vec<i64>> {
        match self {
            WebStore::Sqlite(store) => store.ranked_matches(),
            WebStore::Postgres(_) => None,
        }
    }

    /// The facets of a search, None when they cannot be counted (a query the engine refuses).
    /// On SQLite, articles' facts are taken from and kept in `kept` at `generation`, and the
    /// matches from `ranked` when the search recorded all of them.
    pub fn search_facets(
        &self,
        query: &str,
        limit: usize,
        kept: &KeptArticleFacts,
        generation: u64,
        ranked: Option<Vec<i64>>,
    ) -> Option<SearchFacets> {
        match self {
            WebStore::Sqlite(store) => store
                .search_facets_kept(query, limit, Some((kept, generation)), ranked)
                .ok(),
            WebStore::Postgres(cell) => cell.borrow_mut().search_facets(query, limit).ok(),
        }
    }

    pub fn story_of(&self, id: i64) -> Result<Option<i64>, StoreError> {
        on_either!(self, store => store.story_of(id))
    }

    pub fn story_size(&self, story_id: i64) -> Result<i64, StoreError> {
        on_either!(self, store => store.story_size(story_id))
    }

    pub fn linked_mentions(&self, id: i64, field: &str) -> Result<Vec<LinkedMention>, StoreError> {
        on_either!(self, store => store.linked_mentions(id, field))
    }

    pub fn article_sightings(&self, id: i64, limit: usize) -> Result<Vec<Sighting>, StoreError> {
        on_either!(self, store => store.article_sightings(id, limit))
    }

    pub fn has_raw_copy(&self, id: i64) -> Result<bool, StoreError> {
        on_either!(self, store => store.has_raw_copy(id))
    }

    pub fn article_raw(&self, id: i64) -> Result<Option<RawCopy>, StoreError> {
        on_either!(self, store => store.article_raw(id))
    }

    pub fn entity_detail(&self, id: i64, limit: usize) -> Result<Option<EntityDetail>, StoreError> {
        on_either!(self, store => store.entity_detail(id, limit))
    }

    pub fn entity_months(&self, id: i64) -> Result<Vec<PeriodCount>, StoreError> {
        on_either!(self, store => store.entity_months(id))
    }

    pub fn source_row(&self, id: i64) -> Result<Option<SourceRow>, StoreError> {
        on_either!(self, store => store.source_row(id))
    }

    pub fn source_articles(
        &self,
        id: i64,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<ListedArticle>, StoreError> {
        on_either!(self, store => store.source_articles(id, limit, offset))
    }

    pub fn source_months(&self, id: i64) -> Result<Vec<PeriodCount>, StoreError> {
        on_either!(self, store => store.source_months(id))
    }

    pub fn source_top_entities(&self, id: i64, limit: usize) -> Result<Vec<CoMention>, StoreError> {
        on_either!(self, store => store.source_top_entities(id, limit))
    }

    pub fn stories(&self, filter: &StoryFilter) -> Result<Vec<StorySummary>, StoreError> {
        on_either!(self, store => store.stories(filter))
    }

    pub fn story(&self, story_id: i64) -> Result<Option<StorySummary>, StoreError> {
        on_either!(self, store => store.story(story_id))
    }

    pub fn story_articles(
        &self,
        story_id: i64,
        limit: usize,
    ) -> Result<Vec<ListedArticle>, StoreError> {
        on_either!(self, store => store.story_articles(story_id, limit))
    }

    pub fn saved_queries(&self) -> Result<Vec<SavedQuery>, StoreError> {
        on_either!(self, store => store.saved_queries())
    }

    pub fn saved_query(&self, name: &str) -> Result<Option<SavedQuery>, StoreError> {
        on_either!(self, store => store.saved_query(name))
    }

    /// Runs `query` read-only within `limits` and hands its rows to `consume`.
    pub fn run_query(
        &self,
        query: WebQuery<'_>,
        parameters: &[Parameter],
        limits: QueryLimits,
        consume: Box<Consume<'_>>,
    ) -> Result<u64, QueryError> {
        let cell = match self {
            WebStore::Sqlite(store) => {
                let conn = store.connection();
                return match query {
                    WebQuery::Canned(query) => {
                        canned::run(conn, query, parameters, limits, consume)
                    }
                    WebQuery::AdHoc(sql) => adhoc::run(conn, sql, parameters, limits, consume),
                };
            }
            WebStore::Postgres(cell) => cell,
        };
        let store = &mut **cell.borrow_mut();
        let (sql, parameters) = match query {
            WebQuery::Canned(query) if query.origin == Origin::BuiltIn => {
                let bound = query.bind(parameters)?;
                if query.name == "stats" {
                    return stats_rows(store, consume);
                }
                let Some(sql) = pg_canned::built_in(&query.name) else {
                    return Err(QueryError::Server(format!(
                        "the built-in query `{}` has no PostgreSQL form",
                        query.name
                    )));
                };
                let converted =
                    pg_canned::parameters_for(&query.name, bound).map_err(|error| match error {
                        pg_canned::ParameterError::BadSearch(message) => {
                            QueryError::Syntax(message)
                        }
                        pg_canned::ParameterError::NotADate(message) => QueryError::Server(message),
                    })?;
                (sql.to_owned(), converted)
            }
            WebQuery::Canned(query) => (query.sql.clone(), query.bind(parameters)?),
            WebQuery::AdHoc(sql) => (sql.to_owned(), parameters.to_vec()),
        };
        pg_query::run(
            store,
            &sql,
            &parameters,
            limits.allow_write,
            limits.timeout,
            |columns, rows| {
                let mut rows = rows.map(|row| row.map_err(QueryError::from));
                consume(columns, &mut rows).map_err(pg_query::PgQueryError::from)
            },
        )
        .map_err(QueryError::from)
    }
}

/// The rows of the built-in `stats` on PostgreSQL, counted by `PgStore::stats`.
fn stats_rows(store: &mut PgStore, consume: Box<Consume<'_>>) -> Result<u64, QueryError> {
    let rows = store
        .stats()
        .map_err(|error| QueryError::Server(error.to_string()))?;
    let columns = ["name".to_owned(), "value".to_owned()];
    let mut rows = rows
        .into_iter()
        .map(|(name, value)| Ok(vec![Value::Text(name), value]));
    consume(&columns, &mut rows)
}
