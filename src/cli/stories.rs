//! `newsdb stories`, `newsdb story ID`, `newsdb similar ARTICLE`: near copies of an article
//! grouped into stories (issue 13); `stories rebuild`, `story split` and `story merge` change the
//! grouping, and the corrections last through later imports and rebuilds.
//!
//! `story ID --format json` prints `{"story": {...}, "articles": [...]}`, the same object as the
//! web page's `/stories/ID.json`; the listing's JSON rows have the keys of the web listing's
//! `story` objects.

use std::io::{self, Write};

use clap::{Args, Subcommand};
use rusqlite::types::Value;
use serde::Serialize;

use newsdb::backend::PgStore;
use newsdb::normalize::date::since_flag;
use newsdb::query::format::{self, OutputFormat};
use newsdb::query::show::ArticleRef;
use newsdb::store::{Resolved, Store, StoryFilter, StoryMember, StoryOrder, StorySummary};

use super::{Context, Failure, FormatArgs, Outcome, output};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct StoriesArgs {
    #[command(subcommand)]
    pub action: Option<StoriesAction>,
    /// Only stories with an article published at or after DATE: YYYY-MM-DD, YYYY-MM, RFC 3339,
    /// today, yesterday, or an age like 12h, 7d, 2w.
    #[arg(long, value_name = "DATE", value_parser = since_flag)]
    pub since: Option<String>,
    /// Only stories of at least N articles (2 or more: an article alone is not listed).
    #[arg(long, value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(2..))]
    pub min_size: u32,
    /// Only stories with an article this outlet published or is credited in (name or key).
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// Biggest stories first, or those published most recently.
    #[arg(long, value_enum, default_value = "biggest")]
    pub order: Order,
    /// At most this many stories.
    #[arg(long, default_value_t = 20, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
    /// Skip this many stories first (for the next page).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub offset: u32,
    #[command(flatten)]
    pub format: FormatArgs,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Order {
    Biggest,
    Newest,
}

#[derive(Debug, Subcommand)]
pub enum StoriesAction {
    /// Regroup every article from the stored sketches (computing those missing from stored
    /// bodies), honouring `story split` and `story merge`; no raw input is read again.
    #[command(
        after_help = "Examples:\n  newsdb stories rebuild\n  newsdb stories rebuild --threshold 0.6 --json"
    )]
    Rebuild {
        /// The similarity a near copy needs (0 to 1); it becomes this database's threshold,
        /// used by later imports too.
        #[arg(long, value_name = "X", value_parser = parse_threshold)]
        threshold: Option<f64>,
        /// Print the summary as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct StoryArgs {
    #[command(subcommand)]
    pub edit: Option<StoryEdit>,
    /// The story's id (the id of its oldest article).
    #[arg(required = true)]
    pub id: Option<i64>,
    /// At most this many articles.
    #[arg(long, default_value_t = 100, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
    #[command(flatten)]
    pub format: FormatArgs,
}

#[derive(Debug, Subcommand)]
pub enum StoryEdit {
    /// Take an article out of its story for good: later imports and rebuilds keep it apart.
    #[command(after_help = "Examples:\n  newsdb story split 42\n  newsdb story split 3fa2c1")]
    Split {
        /// An article id, or the first characters (4 or more) of its content hash.
        article: String,
    },
    /// Put two articles (and so their stories) in one story for good.
    #[command(
        after_help = "Examples:\n  newsdb story merge 12 40\n  newsdb story merge 3fa2c1 9bd0e4"
    )]
    Merge {
        /// An article id or content-hash prefix.
        a: String,
        /// Another article id or content-hash prefix.
        b: String,
    },
}

#[derive(Debug, Args)]
pub struct SimilarArgs {
    /// An article id, or the first characters (4 or more) of its content hash.
    pub article: String,
    /// At most this many articles.
    #[arg(long, default_value_t = 20, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
    #[command(flatten)]
    pub format: FormatArgs,
}

fn parse_threshold(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{text} is out of range: use 0 to 1"))
    }
}

/// Fails with a hint when the database has no stories (an older schema opened read-only).
fn require_stories(context: &Context, store: &Store) -> Result<(), Failure> {
    if store.has_stories()? {
        Ok(())
    } else {
        Err(Failure::Failed(format!(
            "{}: this database has no stories yet; run `newsdb migrate`, then `newsdb stories rebuild`",
            context.db.display()
        )))
    }
}

pub fn run_stories(context: &Context, args: &StoriesArgs) -> Outcome {
    if let Some(StoriesAction::Rebuild { threshold, json }) = &args.action {
        return rebuild(context, *threshold, *json);
    }
    let filter = StoryFilter {
        min_size: i64::from(args.min_size),
        since: args.since.clone(),
        source: args.source.clone(),
        order: match args.order {
            Order::Biggest => StoryOrder::Biggest,
            Order::Newest => StoryOrder::Newest,
        },
        limit: args.limit as usize,
        offset: args.offset as usize,
    };
    let stories = match context.open_postgres(true)? {
        Some(mut store) => {
            super::articles::check_names(&mut store, "stories", args.source.as_deref(), None)?;
            store.stories(&filter)?
        }
        None => {
            let mut store = context.open_read_only()?;
            require_stories(context, &store)?;
            super::articles::check_names(&mut store, "stories", args.source.as_deref(), None)?;
            store.stories(&filter)?
        }
    };
    output::print(
        &args.format,
        STORY_COLUMNS,
        stories.iter().map(|story| Ok(story_row(story))),
    )
}

const STORY_COLUMNS: &[&str] = &[
    "story_id",
    "articles",
    "sources",
    "first_published",
    "last_published",
    "title",
];

fn story_row(story: &StorySummary) -> Vec<Value> {
    vec![
        Value::Integer(story.story_id),
        Value::Integer(story.articles),
        text(&story.sources),
        text(&story.first_published),
        text(&story.last_published),
        text(&story.title),
    ]
}

fn text(value: &Option<String>) -> Value {
    value.clone().map_or(Value::Null, Value::Text)
}

fn real(value: Option<f64>) -> Value {
    value.map_or(Value::Null, |v| Value::Real((v * 1000.0).round() / 1000.0))
}

fn rebuild(context: &Context, threshold: Option<f64>, json: bool) -> Outcome {
    let summary = match context.open_postgres(false)? {
        Some(mut store) => store.rebuild_stories(threshold)?,
        None => context.open()?.rebuild_stories(threshold)?,
    };
    if json {
        let mut out = io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &summary).map_err(io::Error::from)?;
        writeln!(out)?;
        return Ok(out.flush()?);
    }
    context.note(&format!(
        "stories rebuilt: {} articles grouped ({} sketched from stored text), {} stories of two or more holding {} articles, threshold {}, {:.1} s",
        summary.articles,
        summary.sketched,
        summary.stories,
        summary.grouped_articles,
        summary.threshold,
        summary.elapsed_seconds
    ));
    Ok(())
}

/// `story ID` as JSON: the web page's object.
#[derive(Serialize)]
struct StoryPage {
    story: StorySummary,
    articles: Vec<StoryMember>,
}

pub fn run_story(context: &Context, args: &StoryArgs) -> Outcome {
    let id = match (&args.edit, args.id) {
        (Some(edit), _) => return edit_story(context, edit),
        (None, Some(id)) => id,
        (None, None) => return Err(Failure::Usage("name a story".into())),
    };
    let limit = args.limit as usize;
    let (story, articles, story_of) = match context.open_postgres(true)? {
        Some(mut store) => match store.story(id)? {
            Some(story) => (Some(story), store.story_members(id, limit)?, None),
            None => (None, Vec::new(), store.story_of(id)?),
        },
        None => {
            let store = context.open_read_only()?;
            require_stories(context, &store)?;
            match store.story(id)? {
                Some(story) => (Some(story), store.story_members(id, limit)?, None),
                None => (None, Vec::new(), store.story_of(id)?),
            }
        }
    };
    let Some(story) = story else {
        let hint = match story_of {
            Some(story) => format!(" (article {id} is in story {story})"),
            None => String::new(),
        };
        return Err(Failure::Failed(format!(
            "story: there is no story {id}{hint}"
        )));
    };
    let page = StoryPage { story, articles };
    let output_format = args.format.format();
    let mut out = io::BufWriter::new(io::stdout().lock());
    match output_format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &page).map_err(io::Error::from)?;
            writeln!(out)?;
        }
        OutputFormat::Jsonl => {
            serde_json::to_writer(&mut out, &page).map_err(io::Error::from)?;
            writeln!(out)?;
        }
        _ => {
            let story = &page.story;
            let heading = format!(
                "Story {}: {} article{}, {} to {}: {}",
                story.story_id,
                story.articles,
                if story.articles == 1 { "" } else { "s" },
                story.first_published.as_deref().unwrap_or("(no date)"),
                story.last_published.as_deref().unwrap_or("(no date)"),
                story.title.as_deref().unwrap_or("(no title)")
            );
            match output_format {
                OutputFormat::Table | OutputFormat::Lines => writeln!(out, "{heading}\n")?,
                OutputFormat::Markdown => writeln!(out, "## {heading}\n")?,
                _ => {}
            }
            let columns: Vec<String> = [
                "id",
                "published_at",
                "source",
                "score",
                "containment",
                "jaccard",
                "title",
            ]
            .iter()
            .map(|c| c.to_string())
            .collect();
            let rows = page.articles.iter().map(|member| {
                Ok::<_, io::Error>(vec![
                    Value::Integer(member.id),
                    text(&member.published_at),
                    text(&member.source),
                    real(member.score),
                    real(member.containment),
                    real(member.jaccard),
                    text(&member.title),
                ])
            });
            format::write_rows(
                &mut out,
                output_format,
                &columns,
                rows,
                &args.format.style(),
            )?;
        }
    }
    out.flush().map_err(Failure::from)
}

/// The story corrections, on a store of either backend.
trait StoryCorrections {
    fn resolve_article(&mut self, reference: &ArticleRef) -> Result<Resolved, Failure>;
    fn split_story(&mut self, id: i64) -> Result<Vec<i64>, Failure>;
    fn merge_stories(&mut self, a: i64, b: i64) -> Result<i64, Failure>;
}

/// Implements [`StoryCorrections`] for a store type whose inherent methods have its names.
macro_rules! story_corrections_of {
    ($store:ty) => {
        impl StoryCorrections for $store {
            fn resolve_article(&mut self, reference: &ArticleRef) -> Result<Resolved, Failure> {
                Ok(<$store>::resolve_article(self, reference)?)
            }
            fn split_story(&mut self, id: i64) -> Result<Vec<i64>, Failure> {
                Ok(<$store>::split_story(self, id)?)
            }
            fn merge_stories(&mut self, a: i64, b: i64) -> Result<i64, Failure> {
                Ok(<$store>::merge_stories(self, a, b)?)
            }
        }
    };
}

story_corrections_of!(Store);
story_corrections_of!(PgStore);

fn edit_story(context: &Context, edit: &StoryEdit) -> Outcome {
    let mut store: Box<dyn StoryCorrections> = match context.open_postgres(false)? {
        Some(store) => Box::new(store),
        None => Box::new(context.open()?),
    };
    let store = store.as_mut();
    let mut resolve = |command: &str, given: &str| -> Result<i64, Failure> {
        let reference = article_reference(command, given)?;
        resolved(command, given, store.resolve_article(&reference)?)
    };
    match edit {
        StoryEdit::Split { article } => {
            let id = resolve("story split", article)?;
            let stories = store.split_story(id)?;
            let others: Vec<String> = stories
                .iter()
                .filter(|story| **story != id)
                .map(|story| story.to_string())
                .collect();
            context.note(&format!(
                "article {id} is a story of its own from now on{}",
                if others.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; its former story's articles are in story {}",
                        others.join(", ")
                    )
                }
            ));
        }
        StoryEdit::Merge { a, b } => {
            let (a, b) = (resolve("story merge", a)?, resolve("story merge", b)?);
            if a == b {
                return Err(Failure::Usage(format!(
                    "story merge: both name article {a}"
                )));
            }
            let story = store.merge_stories(a, b)?;
            context.note(&format!(
                "articles {a} and {b} are one story from now on: story {story}"
            ));
        }
    }
    Ok(())
}

pub fn run_similar(context: &Context, args: &SimilarArgs) -> Outcome {
    let limit = args.limit as usize;
    let (id, similar) = match context.open_postgres(true)? {
        Some(mut store) => {
            let reference = article_reference("similar", &args.article)?;
            let id = resolved("similar", &args.article, store.resolve_article(&reference)?)?;
            (id, store.similar_articles(id, limit)?)
        }
        None => {
            let store = context.open_read_only()?;
            require_stories(context, &store)?;
            let id = resolve(&store, "similar", &args.article)?;
            (id, store.similar_articles(id, limit)?)
        }
    };
    let similar =
        similar.ok_or_else(|| Failure::Failed(format!("similar: article {id} is gone")))?;
    output::print(
        &args.format,
        &[
            "id",
            "story_id",
            "copy",
            "score",
            "containment",
            "jaccard",
            "published_at",
            "source",
            "title",
        ],
        similar.iter().map(|article| {
            Ok(vec![
                Value::Integer(article.id),
                Value::Integer(article.story_id),
                Value::Integer(i64::from(article.copy)),
                real(Some(article.score)),
                real(Some(article.containment)),
                real(Some(article.jaccard)),
                text(&article.published_at),
                text(&article.source),
                text(&article.title),
            ])
        }),
    )
}

/// The article an id or hash prefix names, or a failure that says why there is none.
fn resolve(store: &Store, command: &str, given: &str) -> Result<i64, Failure> {
    let reference = article_reference(command, given)?;
    resolved(command, given, store.resolve_article(&reference)?)
}

fn article_reference(command: &str, given: &str) -> Result<ArticleRef, Failure> {
    ArticleRef::parse(given).map_err(|reason| Failure::Usage(format!("{command}: {reason}")))
}

/// The article a reference resolved to, or a failure that says why there is none.
fn resolved(command: &str, given: &str, resolved: Resolved) -> Result<i64, Failure> {
    match resolved {
        Resolved::Found(id) => Ok(id),
        Resolved::NotFound => Err(Failure::Failed(format!(
            "{command}: no article has the id or hash prefix `{given}`"
        ))),
        Resolved::Ambiguous(candidates) => Err(Failure::Failed(format!(
            "{command}: the hash prefix `{given}` is ambiguous ({} articles start with it; `newsdb show {given}` lists them)",
            candidates.len()
        ))),
    }
}

/// Rows a collapsed listing reads for each row it shows: enough for the usual handful of
/// versions per story, bounded.
pub const COLLAPSE_READ_FACTOR: u32 = 10;

/// `--collapse` of `search` and `articles`: keeps the first row of each story (rows in the
/// query's order), adds its `story_id` and `versions` (the story's article count), and at most
/// `limit` rows. A database without stories keeps every row, each its own story.
pub fn collapse(
    store: &Store,
    columns: &mut Vec<String>,
    rows: Vec<Vec<Value>>,
    limit: usize,
) -> Result<Vec<Vec<Value>>, Failure> {
    let has_stories = store.has_stories()?;
    collapse_with(
        &mut |id| {
            if !has_stories {
                return Ok(None);
            }
            let story = store.story_of(id)?.unwrap_or(id);
            Ok(Some((story, store.story_size(story)?)))
        },
        columns,
        rows,
        limit,
    )
}

/// [`collapse`] with the story of an article and its size from `story_of` (None: the database
/// has no stories, every article is its own).
pub fn collapse_with(
    story_of: &mut dyn FnMut(i64) -> Result<Option<(i64, i64)>, Failure>,
    columns: &mut Vec<String>,
    rows: Vec<Vec<Value>>,
    limit: usize,
) -> Result<Vec<Vec<Value>>, Failure> {
    let id_column = columns
        .iter()
        .position(|column| column == "id")
        .ok_or_else(|| Failure::Failed("--collapse: the query has no id column".into()))?;
    columns.push("story_id".into());
    columns.push("versions".into());
    let mut seen = std::collections::HashSet::new();
    let mut kept = Vec::new();
    for mut row in rows {
        let Some(Value::Integer(id)) = row.get(id_column).cloned() else {
            continue;
        };
        let (story, versions) = story_of(id)?.unwrap_or((id, 1));
        if !seen.insert(story) {
            continue;
        }
        row.push(Value::Integer(story));
        row.push(Value::Integer(versions));
        kept.push(row);
        if kept.len() == limit {
            break;
        }
    }
    Ok(kept)
}
