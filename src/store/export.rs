//! Export and backup: the store as a stream of import-ready records, and as a sound file copy.
//!
//! **Export.** [`Store::export`] reads every article (or those imported since a time) in one read
//! transaction, so the stream is a consistent snapshot however long it takes and whoever writes
//! meanwhile, and hands them over one at a time: memory stays flat. Each record is in the JSON
//! shape `newsdb import` reads, chosen so that importing an export into an empty database gives
//! the same content hashes, articles, sources, authors and published dates:
//!
//! - the body is exported as stored (it re-normalises to itself); a body that would be mistaken
//!   for HTML is exported as `{"type": "text", "value": ...}` so that it is read as plain text;
//!   a title or summary that would be is HTML-escaped, which the importer undoes;
//! - credited outlets (`article_sources` role `credit`) are listed under `credits`, which the
//!   importer does not read, *and* rendered as a final `(Source: A | B)` line of the body, which
//!   the normaliser takes out again and records as credits, exactly as when they first arrived;
//! - `published` is the raw date as first seen when it still parses to the stored `published_at`
//!   (so both come back), else `published_at` (which parses to itself); the raw string is also
//!   under `published_raw`. A raw date that was unreadable or in the future stays raw, and a
//!   re-import after that future date has passed will accept it.
//!
//! **Backup.** [`Store::backup`] copies the database with SQLite's online backup API, in steps,
//! into a temporary file next to the destination, checks the copy, and renames it into place.
//! The source connection holds one read transaction for the whole copy. In WAL mode that blocks
//! no writer, and it is what makes the copy sound while an import runs: without it, every commit
//! by another connection restarts the backup from the first page, and a busy importer could keep
//! it from ever finishing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OptionalExtension};

use super::{Context, Result, Store, StoreError};
use crate::destination::{Destination, DestinationError, Partial, sidecar};
use crate::normalize::{boilerplate, credits, date, text};

/// Which articles to export.
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// Only articles with `imported_at` at or after this time (UTC, `YYYY-MM-DDTHH:MM:SSZ`, as
    /// [`since_bound`] gives it).
    pub since: Option<String>,
}

/// Turns `--since DATE` into the stored time format, through the one parser of command-line
/// dates ([`date::since_flag`]): `YYYY-MM-DD` (midnight UTC) or RFC 3339 with any offset.
pub fn since_bound(text: &str) -> std::result::Result<String, String> {
    date::since_flag(text)
}

/// One article as `newsdb import` reads it back. Every key is always present (`null` or `[]`
/// when empty), so the shape is stable for other readers too.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ExportedArticle {
    /// For checking: the re-import computes it again from `body` (or title and summary).
    pub content_hash: String,
    pub title: Option<String>,
    pub body: ExportedBody,
    pub summary: Option<ExportedBody>,
    /// The canonical URL.
    pub url: Option<String>,
    /// The first GUID the article was seen under.
    pub guid: Option<String>,
    /// Every URL and GUID in `article_urls`; the importer reads only `url` and `guid`.
    pub urls: Vec<String>,
    pub guids: Vec<String>,
    pub source: Option<ExportedSource>,
    /// Bylines and credited people, in order.
    pub authors: Vec<String>,
    pub published: Option<String>,
    pub published_raw: Option<String>,
    pub language: Option<String>,
    /// Credited outlets in order (also rendered into the body, see the module notes).
    pub credits: Vec<String>,
    /// Categories and tags, in order (the importer reads them back).
    pub categories: Vec<String>,
    pub entities: Vec<ExportedEntity>,
    /// The content hash of the first article of the article's story, when it has near copies
    /// (null when it is a story of its own): the same in every database holding the story. The
    /// importer regroups near copies by their text, so a round trip gives the same stories; it
    /// does not read this key (the user's `story split`/`merge` corrections are not carried).
    pub story: Option<String>,
    pub imported_at: String,
}

/// A text field: a plain string, or `{"type": "text", "value": ...}` when the string would be
/// taken for HTML by the importer's detection.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum ExportedBody {
    Text(String),
    Declared {
        #[serde(rename = "type")]
        kind: &'static str,
        value: String,
    },
}

impl ExportedBody {
    fn new(text: String) -> ExportedBody {
        if text::looks_like_html(&text) {
            ExportedBody::Declared {
                kind: "text",
                value: text,
            }
        } else {
            ExportedBody::Text(text)
        }
    }

    /// The text, whichever way it is written.
    pub fn text(&self) -> &str {
        match self {
            ExportedBody::Text(text) | ExportedBody::Declared { value: text, .. } => text,
        }
    }
}

/// The publisher, as `{"name", "url"}` (its home page, or null).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ExportedSource {
    pub name: String,
    pub url: Option<String>,
}

/// An entity with its mentions in this article, in the importer's `entities` shape.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ExportedEntity {
    pub name: String,
    pub kind: String,
    /// The source list's identifier (`iso3166:KP`), for entities from a gazetteer that has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub mentions: Vec<ExportedMention>,
}

/// Offsets in Unicode characters into `title` or `body` (the stored body, before any credit line).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ExportedMention {
    pub field: String,
    pub start: i64,
    pub end: i64,
}

/// What an export wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExportSummary {
    pub articles: u64,
    /// Articles whose credits could not be rendered as a credit line that reads back the same
    /// (listed under `credits` only; a re-import will not record them).
    pub credits_not_rendered: u64,
}

/// How the backup copies and what it found.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BackupSummary {
    pub path: PathBuf,
    pub size_bytes: u64,
    pub pages: i64,
    pub articles: i64,
    pub elapsed_seconds: f64,
}

/// Errors of a backup: the store's, or the destination's.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Refused(#[from] DestinationError),
    #[error("{path}: {reason}")]
    Destination { path: PathBuf, reason: String },
    #[error("{path}: the copy failed its integrity check: {reason} (the copy was removed)")]
    Unsound { path: PathBuf, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Pages copied per backup step: 1 MiB at the default page size.
const PAGES_PER_STEP: std::ffi::c_int = 256;

impl Store {
    /// Streams every article (see [`ExportOptions`]) to `emit`, in id order, within one read
    /// transaction. `emit`'s error stops the export and is returned.
    pub fn export<E>(
        &self,
        options: &ExportOptions,
        mut emit: impl FnMut(&ExportedArticle) -> std::result::Result<(), E>,
    ) -> std::result::Result<ExportSummary, E>
    where
        E: From<StoreError>,
    {
        // Deferred: the snapshot starts at the first read and holds until the transaction ends
        // (rolled back on drop; nothing was written).
        let snapshot = self
            .conn
            .unchecked_transaction()
            .context("starting the export's read transaction")?;
        let mut articles = snapshot
            .prepare(
                "SELECT a.id, a.content_hash, a.title, a.body, a.summary, a.url, a.language,
                        a.published_at, a.published_raw, a.imported_at, s.name, s.home_url
                   FROM articles a LEFT JOIN sources s ON s.id = a.source_id
                  WHERE ?1 IS NULL OR a.imported_at >= ?1
                  ORDER BY a.id",
            )
            .context("reading the articles")?;
        let mut rows = articles
            .query([&options.since])
            .context("reading the articles")?;
        let mut summary = ExportSummary::default();
        while let Some(row) = rows.next().context("reading the articles")? {
            let id: i64 = row.get(0).context("reading an article")?;
            let read = || -> rusqlite::Result<ArticleRow> {
                Ok(ArticleRow {
                    content_hash: row.get(1)?,
                    title: row.get(2)?,
                    body: row.get(3)?,
                    summary: row.get(4)?,
                    url: row.get(5)?,
                    language: row.get(6)?,
                    published_at: row.get(7)?,
                    published_raw: row.get(8)?,
                    imported_at: row.get(9)?,
                    source_name: row.get(10)?,
                    source_home: row.get(11)?,
                })
            };
            let article = read().context("reading an article")?;
            let (record, credits_rendered) = self.exported_article(id, article)?;
            summary.articles += 1;
            if !credits_rendered {
                summary.credits_not_rendered += 1;
            }
            emit(&record)?;
        }
        Ok(summary)
    }

    /// Builds one record, reading what hangs off the article. Returns false when it has credits
    /// that could not be rendered into the body.
    fn exported_article(&self, id: i64, row: ArticleRow) -> Result<(ExportedArticle, bool)> {
        let mut parts = ArticleParts {
            authors: self.strings(EXPORT_AUTHORS, id, "reading an article's authors")?,
            credits: self.strings(EXPORT_CREDITS, id, "reading an article's credits")?,
            categories: self.strings(EXPORT_CATEGORIES, id, "reading an article's categories")?,
            urls: self.strings(EXPORT_URLS, id, "reading an article's URLs")?,
            guids: self.strings(EXPORT_GUIDS, id, "reading an article's GUIDs")?,
            entities: self.exported_entities(id)?,
            story: None,
        };
        if self.has_stories()? {
            parts.story = self
                .strings(EXPORT_STORY, id, "reading an article's story")?
                .pop();
        }
        Ok(record(row, parts))
    }

    /// The first column of every row of `sql` for this article, as text.
    fn strings(&self, sql: &str, id: i64, what: &str) -> Result<Vec<String>> {
        self.query_rows(sql, [id], what, |row| row.get::<_, String>(0))
    }

    /// The article's mentions grouped by entity, entities in order of their first mention.
    fn exported_entities(&self, id: i64) -> Result<Vec<ExportedEntity>> {
        const WHAT: &str = "reading an article's mentions";
        let rows = self.query_rows(EXPORT_MENTIONS, [id], WHAT, |row| {
            Ok(MentionLine {
                entity_id: row.get(0)?,
                name: row.get(1)?,
                kind: row.get(2)?,
                field: row.get(3)?,
                start: row.get(4)?,
                end: row.get(5)?,
                external_id: row.get(6)?,
            })
        })?;
        Ok(group_mentions(rows))
    }

    /// Copies the database to `dest` with SQLite's online backup, a step of 256 pages at a time,
    /// while other connections go on reading and writing. The copy is written next to `dest`,
    /// passes `PRAGMA integrity_check` and the full-text index's own check, and only then
    /// replaces `dest` (which must not exist unless `overwrite`).
    pub fn backup(
        &self,
        dest: &Path,
        overwrite: bool,
    ) -> std::result::Result<BackupSummary, BackupError> {
        let started = Instant::now();
        let destination_error = |reason: String| BackupError::Destination {
            path: dest.to_owned(),
            reason,
        };
        let target = match Destination::check(dest, &self.path, overwrite)? {
            Destination::File(target) => target,
            _ => return Err(DestinationError::NotARegularFile(dest.to_owned()).into()),
        };
        let partial = Partial::create(&target, "backup")
            .map_err(|error| destination_error(format!("cannot write beside it: {error}")))?;
        let copied = self.copy_to(partial.path());
        let (pages, articles) =
            copied
                .and_then(|()| check_copy(partial.path()))
                .map_err(|error| match error {
                    CopyError::Store(error) => BackupError::Store(error),
                    CopyError::Unsound(reason) => BackupError::Unsound {
                        path: dest.to_owned(),
                        reason,
                    },
                    CopyError::Open(reason) => destination_error(reason),
                })?;
        // An old database's WAL and shared-memory files must not be applied to the new copy.
        for suffix in ["-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(sidecar(&target, suffix));
        }
        partial.persist(&target).map_err(|error| {
            destination_error(format!("cannot move the copy in place: {error}"))
        })?;
        let size_bytes = std::fs::metadata(&target)
            .map(|meta| meta.len())
            .unwrap_or(0);
        Ok(BackupSummary {
            path: dest.to_owned(),
            size_bytes,
            pages,
            articles,
            elapsed_seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// The backup proper, into a new file at `path`.
    fn copy_to(&self, path: &Path) -> std::result::Result<(), CopyError> {
        let mut copy =
            Connection::open(path).map_err(|error| CopyError::Open(error.to_string()))?;
        // One snapshot for every step; see the module notes.
        let snapshot = self
            .conn
            .unchecked_transaction()
            .context("starting the backup's read transaction")?;
        snapshot
            .query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
            .context("starting the backup's read transaction")?;
        let backup = Backup::new(&snapshot, &mut copy).context("starting the backup")?;
        loop {
            match backup.step(PAGES_PER_STEP).context("copying pages")? {
                StepResult::Done => break,
                StepResult::More => {}
                // Only the copy can be locked (by nothing we know of); wait and retry.
                _ => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        drop(backup);
        drop(snapshot);
        copy.close()
            .map_err(|(_, error)| CopyError::Open(error.to_string()))
    }
}

/// The columns of `articles` (and its publisher) an export reads.
pub(crate) struct ArticleRow {
    pub content_hash: String,
    pub title: Option<String>,
    pub body: String,
    pub summary: Option<String>,
    pub url: Option<String>,
    pub language: Option<String>,
    pub published_at: Option<String>,
    pub published_raw: Option<String>,
    pub imported_at: String,
    pub source_name: Option<String>,
    pub source_home: Option<String>,
}

/// What hangs off an exported article, read by either backend.
pub(crate) struct ArticleParts {
    pub authors: Vec<String>,
    pub credits: Vec<String>,
    pub categories: Vec<String>,
    pub urls: Vec<String>,
    pub guids: Vec<String>,
    pub entities: Vec<ExportedEntity>,
    /// The content hash of the article's story's article, when it is in one of two or more.
    pub story: Option<String>,
}

/// One mention as an export reads it, in text order.
pub(crate) struct MentionLine {
    pub entity_id: i64,
    pub name: String,
    pub kind: String,
    pub field: String,
    pub start: i64,
    pub end: i64,
    pub external_id: Option<String>,
}

// The statements an export reads an article's parts with: `$1` is the article's id (SQLite
// reads `$1` as its first parameter too), the same text on both backends.
pub(crate) const EXPORT_AUTHORS: &str =
    "SELECT au.name FROM article_authors aa JOIN authors au ON au.id = aa.author_id
      WHERE aa.article_id = $1 ORDER BY aa.position";
pub(crate) const EXPORT_CREDITS: &str =
    "SELECT s.name FROM article_sources x JOIN sources s ON s.id = x.source_id
      WHERE x.article_id = $1 AND x.role = 'credit' ORDER BY x.position";
pub(crate) const EXPORT_CATEGORIES: &str =
    "SELECT category FROM article_categories WHERE article_id = $1 ORDER BY position";
pub(crate) const EXPORT_URLS: &str = "SELECT value FROM article_urls
      WHERE article_id = $1 AND kind = 'url' ORDER BY first_seen_at, value";
pub(crate) const EXPORT_GUIDS: &str = "SELECT value FROM article_urls
      WHERE article_id = $1 AND kind = 'guid' ORDER BY first_seen_at, value";
pub(crate) const EXPORT_STORY: &str =
    "SELECT r.content_hash FROM article_story AS x JOIN articles AS r ON r.id = x.story_id
      WHERE x.article_id = $1";
pub(crate) const EXPORT_MENTIONS: &str =
    "SELECT m.entity_id, e.name, e.kind, m.field, m.start, m.\"end\", e.external_id
       FROM mentions m JOIN entities e ON e.id = m.entity_id
      WHERE m.article_id = $1
      ORDER BY CASE m.field WHEN 'title' THEN 0 WHEN 'summary' THEN 1 ELSE 2 END,
               m.start, m.\"end\"";

/// Groups an article's mentions by entity, entities in order of their first mention.
pub(crate) fn group_mentions(lines: Vec<MentionLine>) -> Vec<ExportedEntity> {
    let mut entities: Vec<ExportedEntity> = Vec::new();
    let mut index_of: HashMap<i64, usize> = HashMap::new();
    for line in lines {
        let index = *index_of.entry(line.entity_id).or_insert_with(|| {
            entities.push(ExportedEntity {
                name: line.name,
                kind: line.kind,
                external_id: line.external_id,
                mentions: Vec::new(),
            });
            entities.len() - 1
        });
        entities[index].mentions.push(ExportedMention {
            field: line.field,
            start: line.start,
            end: line.end,
        });
    }
    entities
}

/// The record of one article (see the module header for the rules). Returns false when it has
/// credits that could not be rendered into the body.
pub(crate) fn record(row: ArticleRow, parts: ArticleParts) -> (ExportedArticle, bool) {
    let mut body = row.body;
    let credit_line = credit_line(&parts.credits);
    let credits_rendered = parts.credits.is_empty() || credit_line.is_some();
    if let Some(line) = credit_line {
        if !body.is_empty() {
            body.push_str("\n\n");
        }
        body.push_str(&line);
    }
    let record = ExportedArticle {
        content_hash: row.content_hash,
        title: row.title.map(|title| escape_if_html(&title)),
        body: ExportedBody::new(body),
        summary: row.summary.map(ExportedBody::new),
        url: row.url,
        guid: parts.guids.first().cloned(),
        urls: parts.urls,
        guids: parts.guids,
        source: row.source_name.map(|name| ExportedSource {
            name,
            url: row.source_home,
        }),
        authors: parts.authors,
        published: published(row.published_at, row.published_raw.as_deref()),
        published_raw: row.published_raw,
        language: row.language,
        credits: parts.credits,
        categories: parts.categories,
        entities: parts.entities,
        story: parts.story,
        imported_at: row.imported_at,
    };
    (record, credits_rendered)
}

/// `(Source: A | B)` for these outlets, if the normaliser reads exactly them back from it (and
/// does not take it for boilerplate first).
fn credit_line(outlets: &[String]) -> Option<String> {
    if outlets.is_empty() {
        return None;
    }
    let line = format!("(Source: {})", outlets.join(" | "));
    let read = credits::parse_credit_line(&line)?;
    let faithful = !boilerplate::is_boilerplate_line(&line)
        && read.people.is_empty()
        && read.outlets == outlets;
    faithful.then_some(line)
}

/// What to export as `published`: see the module notes.
fn published(published_at: Option<String>, raw: Option<&str>) -> Option<String> {
    let Some(raw) = raw else {
        return published_at;
    };
    // A date that parses now parses the same later: the only time-dependent rule rejects dates
    // more than a day ahead, which only ever lets more through.
    let reparsed = date::parse_published(raw, chrono::Utc::now());
    match published_at {
        Some(at) if reparsed.as_ref() != Some(&at) => Some(at),
        _ => Some(raw.to_owned()),
    }
}

/// HTML-escapes a title the importer would take for HTML, so that it decodes back to itself.
fn escape_if_html(title: &str) -> String {
    if text::looks_like_html(title) {
        title
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    } else {
        title.to_owned()
    }
}

enum CopyError {
    Open(String),
    Unsound(String),
    Store(StoreError),
}

impl From<StoreError> for CopyError {
    fn from(error: StoreError) -> CopyError {
        CopyError::Store(error)
    }
}

/// Checks the copy at `path`: SQLite's integrity check and the full-text index's. Returns its page
/// and article counts.
fn check_copy(path: &Path) -> std::result::Result<(i64, i64), CopyError> {
    let copy = Connection::open(path).map_err(|error| CopyError::Open(error.to_string()))?;
    let problems: Vec<String> = copy
        .prepare("PRAGMA integrity_check")
        .and_then(|mut statement| {
            statement
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()
        })
        .context("checking the copy")?;
    if problems != ["ok"] {
        return Err(CopyError::Unsound(problems.join("; ")));
    }
    let has_fts: Option<i64> = copy
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE name = 'articles_fts'",
            [],
            |row| row.get(0),
        )
        .optional()
        .context("checking the copy")?;
    if has_fts.is_some()
        && let Err(error) = copy.execute(
            "INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')",
            [],
        )
    {
        return Err(CopyError::Unsound(format!("full-text index: {error}")));
    }
    let pages = copy
        .query_row("PRAGMA page_count", [], |row| row.get(0))
        .context("checking the copy")?;
    let articles = copy
        .query_row("SELECT count(*) FROM articles", [], |row| row.get(0))
        .context("checking the copy")?;
    copy.close()
        .map_err(|(_, error)| CopyError::Open(error.to_string()))?;
    Ok((pages, articles))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn credits_render_as_a_line_the_normaliser_reads_back() {
        assert_eq!(
            credit_line(&names(&["The Korea Herald", "CNN"])).as_deref(),
            Some("(Source: The Korea Herald | CNN)")
        );
        assert_eq!(
            credit_line(&names(&["Wikipedia"])).as_deref(),
            Some("(Source: Wikipedia)")
        );
        assert_eq!(credit_line(&[]), None);
        // Two words that read as a person's name would come back as an author, not an outlet.
        assert_eq!(credit_line(&names(&["Jane Doe"])), None);
    }

    #[test]
    fn published_keeps_the_raw_date_when_it_reads_the_same() {
        let at = Some("2023-09-10T23:30:00Z".to_owned());
        assert_eq!(
            published(at.clone(), Some("Mon, 11 Sep 2023 08:30:00 +0900")).as_deref(),
            Some("Mon, 11 Sep 2023 08:30:00 +0900")
        );
        // Read differently (say, by older rules): the stored date wins.
        assert_eq!(
            published(at.clone(), Some("2023-09-11")).as_deref(),
            at.as_deref()
        );
        assert_eq!(published(at.clone(), None), at);
        assert_eq!(
            published(None, Some("in the year 3000")).as_deref(),
            Some("in the year 3000")
        );
        assert_eq!(published(None, None), None);
    }

    #[test]
    fn text_that_looks_like_html_is_protected() {
        assert_eq!(escape_if_html("Fish &amp; chips"), "Fish &amp;amp; chips");
        assert_eq!(escape_if_html("Kim & Putin"), "Kim & Putin");
        assert!(matches!(
            ExportedBody::new("The <p> element".into()),
            ExportedBody::Declared { kind: "text", .. }
        ));
        assert!(matches!(
            ExportedBody::new("Plain 3 < 4".into()),
            ExportedBody::Text(_)
        ));
    }
}
