//! The pages over articles, entities, sources, stories and feeds: each gathers its data on a
//! read-only store and answers HTML or JSON (see `routes`).

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::pool::{PoolError, Reader};
use super::routes::{
    Answer, AppState, Format, PAGE_ROWS, PageError, Params, Record, error_response, frame,
    integer_parameter, query_failed, respond, run_built_in, split_suffix, text_parameter,
};
use super::views;
use crate::normalize::date::{since_flag, until_flag};
use crate::query::adhoc::{Parameter, QueryError};
use crate::query::search::explain_fts_error;
use crate::store::{
    EntityDetail, EntityFilter, EntitySummary, Feed, KeptArticleFacts, LinkedMention,
    ListedArticle, PeriodCount, SearchFacets, Sighting, SourceRow, StoryFilter, StoryOrder,
    StorySummary,
};

// ----- home -----

#[derive(Debug, Serialize)]
pub struct HomeData {
    pub stats: Vec<Record>,
    pub newest: Vec<Record>,
    pub top_entities_this_week: Vec<EntitySummary>,
    pub sources: Vec<Record>,
    pub feeds: Vec<FeedRow>,
}

pub(super) async fn home(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let format = Params::parse(query).format();
    home_as(state, format).await
}

pub(super) async fn home_json(State(state): State<AppState>) -> Response {
    home_as(state, Format::Json).await
}

pub(super) async fn home_as(state: AppState, format: Format) -> Response {
    let answer = state.pool.read(home_data).await;
    respond(format, answer, views::home)
}

pub(super) fn home_data(reader: &Reader) -> Answer<HomeData> {
    let stats = run_built_in(reader, "stats", &[]).map_err(|e| query_failed("stats", e))?;
    let newest = run_built_in(reader, "articles", &[integer_parameter("limit", 10)])
        .map_err(|e| query_failed("articles", e))?;
    let week_ago = (chrono::Utc::now() - chrono::TimeDelta::days(7))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let top_entities_this_week = reader.store.top_entities(&EntityFilter {
        kind: None,
        since: Some(week_ago),
        limit: 10,
        offset: 0,
    })?;
    let mut sources =
        run_built_in(reader, "sources", &[]).map_err(|e| query_failed("sources", e))?;
    sources.truncate(PAGE_ROWS);
    let feeds = reader
        .store
        .feeds()?
        .into_iter()
        .take(PAGE_ROWS)
        .map(FeedRow::from)
        .collect();
    Ok((
        HomeData {
            stats,
            newest,
            top_entities_this_week,
            sources,
            feeds,
        },
        frame(reader),
    ))
}

// ----- search -----

/// The search form's fields, as given.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SearchForm {
    pub q: String,
    pub source: Option<String>,
    pub entity: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub category: Option<String>,
    /// `relevance` or `date`.
    pub sort: String,
    /// One row per story (when the database has stories).
    pub per_story: bool,
    pub page: usize,
}

impl SearchForm {
    fn read(params: &Params) -> Result<SearchForm, PageError> {
        let sort = match params.get("sort") {
            None | Some("relevance") => "relevance",
            Some("date") => "date",
            Some(other) => {
                return Err(PageError::bad_request(format!(
                    "sort `{other}` is neither relevance nor date"
                )));
            }
        };
        let owned = |name: &str| params.get(name).map(str::to_owned);
        Ok(SearchForm {
            q: params.get("q").unwrap_or_default().to_owned(),
            source: owned("source"),
            entity: owned("entity"),
            since: owned("since"),
            until: owned("until"),
            category: owned("category"),
            sort: sort.into(),
            per_story: params.get("story").is_some(),
            page: params.page()?,
        })
    }

    /// Whether only the words choose the matches: no source, entity, category or dates.
    fn is_unfiltered(&self) -> bool {
        [
            &self.source,
            &self.entity,
            &self.category,
            &self.since,
            &self.until,
        ]
        .iter()
        .all(|filter| filter.is_none())
    }

    /// The `search` query's parameters; dates as the CLI reads them.
    fn parameters(&self) -> Result<Vec<Parameter>, PageError> {
        let mut parameters = vec![
            text_parameter("query", self.q.clone()),
            text_parameter("order", self.sort.clone()),
            // One more than shown tells whether there is a next page.
            integer_parameter("limit", PAGE_ROWS + 1),
            integer_parameter("offset", (self.page - 1) * PAGE_ROWS),
        ];
        for (name, value) in [
            ("source", &self.source),
            ("entity", &self.entity),
            ("category", &self.category),
        ] {
            if let Some(value) = value {
                parameters.push(text_parameter(name, value.clone()));
            }
        }
        if let Some(since) = &self.since {
            let since =
                since_flag(since).map_err(|e| PageError::bad_request(format!("since: {e}")))?;
            parameters.push(text_parameter("since", since));
        }
        if let Some(until) = &self.until {
            let until =
                until_flag(until).map_err(|e| PageError::bad_request(format!("until: {e}")))?;
            parameters.push(text_parameter("until", until));
        }
        Ok(parameters)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SearchData {
    pub form: SearchForm,
    pub results: Vec<Record>,
    pub has_next: bool,
    pub facets: Option<SearchFacets>,
    /// Why the query could not run (its syntax), shown beside the form.
    pub error: Option<String>,
}

pub(super) async fn search(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let params = Params::parse(query);
    search_as(state, params.format(), params).await
}

pub(super) async fn search_json(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Response {
    search_as(state, Format::Json, Params::parse(query)).await
}

pub(super) async fn search_as(state: AppState, format: Format, params: Params) -> Response {
    let form = match SearchForm::read(&params) {
        Ok(form) => form,
        Err(error) => return error_response(format, &error),
    };
    let cache = state.search_pages.clone();
    let article_facts = state.article_facts.clone();
    let key = serde_json::to_string(&form).unwrap_or_default();
    let answer = state
        .pool
        .read(move |reader| {
            let data = cache.get_or_compute(key, reader.generation(), || {
                search_data(reader, form, &article_facts).map(|(data, _)| data)
            })?;
            Ok((data, frame(reader)))
        })
        .await;
    let status_of = |answer: &Result<Answer<SearchData>, PoolError>| match answer {
        Ok(Ok((data, _))) if data.error.is_some() => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let status = status_of(&answer);
    let mut response = respond(format, answer, views::search);
    if response.status() == StatusCode::OK {
        *response.status_mut() = status;
    }
    response
}

pub(super) fn search_data(
    reader: &Reader,
    form: SearchForm,
    article_facts: &KeptArticleFacts,
) -> Answer<SearchData> {
    let mut data = SearchData {
        form,
        results: Vec::new(),
        has_next: false,
        facets: None,
        error: None,
    };
    if data.form.q.is_empty() {
        return Ok((data, frame(reader)));
    }
    let parameters = match data.form.parameters() {
        Ok(parameters) => parameters,
        Err(error) => {
            data.error = Some(error.message);
            return Ok((data, frame(reader)));
        }
    };
    // Unfiltered, the search ranks every match of the query (in either order), so its facets
    // can count what the ranking saw instead of running the query again.
    let unfiltered = data.form.is_unfiltered();
    if unfiltered {
        reader.store.record_ranked_matches(&data.form.q);
    }
    let searched = run_built_in(reader, "search", &parameters);
    let ranked = if unfiltered {
        reader.store.ranked_matches()
    } else {
        None
    };
    match searched {
        Ok(mut results) => {
            data.has_next = results.len() > PAGE_ROWS;
            results.truncate(PAGE_ROWS);
            if data.form.per_story && reader.has_stories {
                results = one_per_story(reader, results)?;
            }
            data.results = results;
        }
        Err(QueryError::Syntax(message)) => {
            data.error = Some(message);
            return Ok((data, frame(reader)));
        }
        Err(QueryError::Sql(error)) => {
            data.error = Some(
                explain_fts_error(&data.form.q, &error)
                    .unwrap_or_else(|| format!("search: {error}")),
            );
            return Ok((data, frame(reader)));
        }
        Err(error) => return Err(query_failed("search", error)),
    }
    data.facets =
        reader
            .store
            .search_facets(&data.form.q, 8, article_facts, reader.generation(), ranked);
    Ok((data, frame(reader)))
}

/// Keeps the first result of each story, with the story's id added.
pub(super) fn one_per_story(
    reader: &Reader,
    results: Vec<Record>,
) -> Result<Vec<Record>, PageError> {
    let mut seen = std::collections::HashSet::new();
    let mut kept = Vec::new();
    for mut record in results {
        let Some(id) = record.get("id").and_then(serde_json::Value::as_i64) else {
            continue;
        };
        let story = reader.store.story_of(id)?.unwrap_or(id);
        if seen.insert(story) {
            record.insert("story_id".into(), story.into());
            kept.push(record);
        }
    }
    Ok(kept)
}

// ----- article -----

#[derive(Debug, Serialize)]
pub struct ArticleData {
    /// The `show` query's row, as `newsdb show ID --format json` prints it.
    pub article: Record,
    pub title_mentions: Vec<LinkedMention>,
    pub body_mentions: Vec<LinkedMention>,
    pub sightings: Vec<Sighting>,
    pub story: Option<StoryData>,
    pub has_raw: bool,
}

/// How many sightings and story versions an article page lists at most.
pub(super) const ARTICLE_LIST_ROWS: usize = 100;

pub(super) async fn article(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (id, format) = split_suffix(&segment, Params::parse(query).format());
    let Ok(id) = id.parse::<i64>() else {
        return error_response(format, &PageError::not_found(format!("no article `{id}`")));
    };
    let answer = state
        .pool
        .read(move |reader| article_data(reader, id))
        .await;
    respond(format, answer, views::article)
}

pub(super) fn article_data(reader: &Reader, id: i64) -> Answer<ArticleData> {
    let mut rows = run_built_in(reader, "show", &[integer_parameter("id", id as usize)])
        .map_err(|e| query_failed("show", e))?;
    let Some(mut article) = rows.pop() else {
        return Err(PageError::not_found(format!("there is no article {id}")));
    };
    let store = &reader.store;
    let story = if reader.has_stories {
        match store.story_of(id)? {
            Some(story_id) => {
                // The keys `newsdb show --format json` adds: its story and other versions.
                article.insert("story_id".into(), story_id.into());
                let others = store.story_size(story_id)? - 1;
                article.insert("other_versions".into(), others.into());
                story_data(reader, story_id)?
            }
            None => None,
        }
    } else {
        None
    };
    Ok((
        ArticleData {
            article,
            title_mentions: store.linked_mentions(id, "title")?,
            body_mentions: store.linked_mentions(id, "body")?,
            sightings: store.article_sightings(id, ARTICLE_LIST_ROWS)?,
            story,
            has_raw: store.has_raw_copy(id)?,
        },
        frame(reader),
    ))
}

pub(super) async fn article_raw(
    State(state): State<AppState>,
    Path(segment): Path<String>,
) -> Response {
    let Ok(id) = segment.parse::<i64>() else {
        return error_response(
            Format::Html,
            &PageError::not_found(format!("no article `{segment}`")),
        );
    };
    let answer = state
        .pool
        .read(move |reader| reader.store.article_raw(id))
        .await;
    match answer {
        Ok(Ok(Some(raw))) => (
            [
                (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"article-{id}.{}\"", raw.format),
                ),
            ],
            Body::from(raw.bytes),
        )
            .into_response(),
        Ok(Ok(None)) => error_response(
            Format::Html,
            &PageError::not_found(format!("article {id} has no raw copy")),
        ),
        Ok(Err(error)) => error_response(Format::Html, &PageError::from(error)),
        Err(error) => error_response(Format::Html, &PageError::from(error)),
    }
}

// ----- entity -----

/// Rows of an entity's co-mentions and latest articles, as `newsdb entity` shows by default.
pub(super) const ENTITY_ROWS: usize = 10;

#[derive(Clone, Debug, Serialize)]
pub struct EntityData {
    /// `entity, aliases, co_mentions, articles`: what `newsdb entity NAME --format json` prints.
    #[serde(flatten)]
    pub detail: EntityDetail,
    pub months: Vec<PeriodCount>,
}

pub(super) async fn entity(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (id, format) = split_suffix(&segment, Params::parse(query).format());
    let Ok(id) = id.parse::<i64>() else {
        return error_response(format, &PageError::not_found(format!("no entity `{id}`")));
    };
    let cache = state.entity_pages.clone();
    let answer = state
        .pool
        .read(move |reader| {
            let data = cache.get_or_compute(id, reader.generation(), || entity_data(reader, id))?;
            Ok((data, frame(reader)))
        })
        .await;
    respond(format, answer, views::entity)
}

pub(super) fn entity_data(reader: &Reader, id: i64) -> Result<EntityData, PageError> {
    let detail = reader
        .store
        .entity_detail(id, ENTITY_ROWS)?
        .ok_or_else(|| PageError::not_found(format!("there is no entity {id}")))?;
    let months = reader.store.entity_months(id)?;
    Ok(EntityData { detail, months })
}

// ----- source -----

#[derive(Debug, Serialize)]
pub struct SourceData {
    pub source: SourceRow,
    pub months: Vec<PeriodCount>,
    pub top_entities: Vec<crate::store::CoMention>,
    pub articles: Vec<ListedArticle>,
    pub page: usize,
    pub has_next: bool,
}

pub(super) async fn source(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query);
    let (id, format) = split_suffix(&segment, params.format());
    let Ok(id) = id.parse::<i64>() else {
        return error_response(format, &PageError::not_found(format!("no source `{id}`")));
    };
    let page = match params.page() {
        Ok(page) => page,
        Err(error) => return error_response(format, &error),
    };
    let answer = state
        .pool
        .read(move |reader| source_data(reader, id, page))
        .await;
    respond(format, answer, views::source)
}

pub(super) fn source_data(reader: &Reader, id: i64, page: usize) -> Answer<SourceData> {
    let store = &reader.store;
    let source = store
        .source_row(id)?
        .ok_or_else(|| PageError::not_found(format!("there is no source {id}")))?;
    let mut articles = store.source_articles(id, PAGE_ROWS + 1, (page - 1) * PAGE_ROWS)?;
    let has_next = articles.len() > PAGE_ROWS;
    articles.truncate(PAGE_ROWS);
    Ok((
        SourceData {
            months: store.source_months(id)?,
            top_entities: store.source_top_entities(id, 15)?,
            source,
            articles,
            page,
            has_next,
        },
        frame(reader),
    ))
}

// ----- stories -----

#[derive(Debug, Serialize)]
pub struct StoryData {
    pub story: StorySummary,
    pub articles: Vec<ListedArticle>,
}

#[derive(Debug, Serialize)]
pub struct StoriesData {
    /// `biggest` or `newest`.
    pub order: String,
    pub stories: Vec<StoryData>,
    pub page: usize,
    pub has_next: bool,
    /// Whether this database has stories at all.
    pub available: bool,
}

/// Versions shown under each story of the listing.
pub(super) const STORY_VERSIONS: usize = 5;

pub(super) async fn stories(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let params = Params::parse(query);
    stories_as(state, params.format(), params).await
}

pub(super) async fn stories_json(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Response {
    stories_as(state, Format::Json, Params::parse(query)).await
}

pub(super) async fn stories_as(state: AppState, format: Format, params: Params) -> Response {
    let order = match params.get("order") {
        None | Some("biggest") => StoryOrder::Biggest,
        Some("newest") => StoryOrder::Newest,
        Some(other) => {
            return error_response(
                format,
                &PageError::bad_request(format!("order `{other}` is neither biggest nor newest")),
            );
        }
    };
    let page = match params.page() {
        Ok(page) => page,
        Err(error) => return error_response(format, &error),
    };
    let answer = state
        .pool
        .read(move |reader| stories_data(reader, order, page))
        .await;
    respond(format, answer, views::stories)
}

pub(super) fn stories_data(reader: &Reader, order: StoryOrder, page: usize) -> Answer<StoriesData> {
    let order_name = match order {
        StoryOrder::Biggest => "biggest",
        StoryOrder::Newest => "newest",
    };
    let mut data = StoriesData {
        order: order_name.into(),
        stories: Vec::new(),
        page,
        has_next: false,
        available: reader.has_stories,
    };
    if !reader.has_stories {
        return Ok((data, frame(reader)));
    }
    let mut stories = reader.store.stories(&StoryFilter {
        order,
        limit: PAGE_ROWS + 1,
        offset: (page - 1) * PAGE_ROWS,
        ..StoryFilter::default()
    })?;
    data.has_next = stories.len() > PAGE_ROWS;
    stories.truncate(PAGE_ROWS);
    for story in stories {
        let articles = reader
            .store
            .story_articles(story.story_id, STORY_VERSIONS)?;
        data.stories.push(StoryData { story, articles });
    }
    Ok((data, frame(reader)))
}

pub(super) fn story_data(reader: &Reader, story_id: i64) -> Result<Option<StoryData>, PageError> {
    let Some(story) = reader.store.story(story_id)? else {
        return Ok(None);
    };
    let articles = reader.store.story_articles(story_id, ARTICLE_LIST_ROWS)?;
    Ok(Some(StoryData { story, articles }))
}

pub(super) async fn story(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (id, format) = split_suffix(&segment, Params::parse(query).format());
    let Ok(id) = id.parse::<i64>() else {
        return error_response(format, &PageError::not_found(format!("no story `{id}`")));
    };
    let answer = state
        .pool
        .read(move |reader| {
            if !reader.has_stories {
                return Err(PageError::not_found("this database has no stories yet"));
            }
            let story = story_data(reader, id)?
                .ok_or_else(|| PageError::not_found(format!("there is no story {id}")))?;
            Ok((story, frame(reader)))
        })
        .await;
    respond(format, answer, views::story)
}

// ----- feeds -----

/// A feed as `newsdb feeds list --format json` prints it, with its id.
#[derive(Debug, Serialize)]
pub struct FeedRow {
    pub id: i64,
    pub url: String,
    pub title: Option<String>,
    pub source: Option<String>,
    pub folder: Option<String>,
    pub last_status: Option<i64>,
    pub last_fetched_at: Option<String>,
    pub failure_count: i64,
    pub last_error: Option<String>,
    pub next_check_at: Option<String>,
    pub articles: i64,
}

impl From<Feed> for FeedRow {
    fn from(feed: Feed) -> FeedRow {
        FeedRow {
            id: feed.id,
            url: feed.url,
            title: feed.title,
            source: feed.source,
            folder: feed.folder,
            last_status: feed.last_status,
            last_fetched_at: feed.last_fetched_at,
            failure_count: feed.failure_count,
            last_error: feed.last_error,
            next_check_at: feed.next_check_at,
            articles: feed.articles,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct FeedsData {
    pub feeds: Vec<FeedRow>,
}

pub(super) async fn feeds(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    feeds_as(state, Params::parse(query).format()).await
}

pub(super) async fn feeds_json(State(state): State<AppState>) -> Response {
    feeds_as(state, Format::Json).await
}

pub(super) async fn feeds_as(state: AppState, format: Format) -> Response {
    let answer = state
        .pool
        .read(|reader| {
            let feeds = reader
                .store
                .feeds()?
                .into_iter()
                .map(FeedRow::from)
                .collect();
            Ok((FeedsData { feeds }, frame(reader)))
        })
        .await;
    respond(format, answer, views::feeds)
}
