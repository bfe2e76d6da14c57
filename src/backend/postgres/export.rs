//! `newsdb export` on PostgreSQL: the same records as the SQLite store's export
//! (`store::export`), read in one `REPEATABLE READ` read-only transaction, so the stream is a
//! consistent snapshot whoever writes meanwhile. Articles are read through a portal, a thousand
//! at a time, so memory stays flat however large the store.

use postgres::Transaction;

use super::PgStore;
use crate::store::StoreError;
use crate::store::export::{
    ArticleParts, ArticleRow, EXPORT_AUTHORS, EXPORT_CATEGORIES, EXPORT_CREDITS, EXPORT_GUIDS,
    EXPORT_MENTIONS, EXPORT_STORY, EXPORT_URLS, ExportOptions, ExportSummary, ExportedArticle,
    MentionLine, group_mentions, record,
};

/// Articles fetched from the portal at a time.
const PAGE: i32 = 1000;

impl PgStore {
    /// Streams every article (see [`ExportOptions`]) to `emit`, in id order. `emit`'s error
    /// stops the export and is returned.
    pub fn export<E>(
        &mut self,
        options: &ExportOptions,
        mut emit: impl FnMut(&ExportedArticle) -> Result<(), E>,
    ) -> Result<ExportSummary, E>
    where
        E: From<StoreError>,
    {
        let shown = self.shown.clone();
        let fail = move |what: &str, error: postgres::Error| StoreError::Server {
            context: format!("{shown}: {what}"),
            reason: super::describe(&error),
        };
        let mut snapshot = self
            .client
            .build_transaction()
            .read_only(true)
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .start()
            .map_err(|e| fail("starting the export's read transaction", e))?;
        let statement = snapshot
            .prepare(
                "SELECT a.id, a.content_hash, a.title, a.body, a.summary, a.url, a.language,
                        a.published_at, a.published_raw, a.imported_at, s.name, s.home_url
                   FROM articles a LEFT JOIN sources s ON s.id = a.source_id
                  WHERE $1::text IS NULL OR a.imported_at >= $1
                  ORDER BY a.id",
            )
            .map_err(|e| fail("reading the articles", e))?;
        let portal = snapshot
            .bind(&statement, &[&options.since])
            .map_err(|e| fail("reading the articles", e))?;
        let mut summary = ExportSummary::default();
        loop {
            let page = snapshot
                .query_portal(&portal, PAGE)
                .map_err(|e| fail("reading the articles", e))?;
            if page.is_empty() {
                break;
            }
            for row in &page {
                let id: i64 = row.get(0);
                let article = ArticleRow {
                    content_hash: row.get(1),
                    title: row.get(2),
                    body: row.get(3),
                    summary: row.get(4),
                    url: row.get(5),
                    language: row.get(6),
                    published_at: row.get(7),
                    published_raw: row.get(8),
                    imported_at: row.get(9),
                    source_name: row.get(10),
                    source_home: row.get(11),
                };
                let parts =
                    article_parts(&mut snapshot, id).map_err(|e| fail("reading an article", e))?;
                let (exported, credits_rendered) = record(article, parts);
                summary.articles += 1;
                if !credits_rendered {
                    summary.credits_not_rendered += 1;
                }
                emit(&exported)?;
            }
        }
        Ok(summary)
    }
}

/// What hangs off article `id`, with the statements the SQLite export uses.
fn article_parts(tx: &mut Transaction<'_>, id: i64) -> Result<ArticleParts, postgres::Error> {
    let mut strings = |sql: &str| -> Result<Vec<String>, postgres::Error> {
        Ok(tx
            .query(sql, &[&id])?
            .iter()
            .map(|row| row.get(0))
            .collect())
    };
    let authors = strings(EXPORT_AUTHORS)?;
    let credits = strings(EXPORT_CREDITS)?;
    let categories = strings(EXPORT_CATEGORIES)?;
    let urls = strings(EXPORT_URLS)?;
    let guids = strings(EXPORT_GUIDS)?;
    let story = strings(EXPORT_STORY)?.pop();
    let lines = tx
        .query(EXPORT_MENTIONS, &[&id])?
        .iter()
        .map(|row| MentionLine {
            entity_id: row.get(0),
            name: row.get(1),
            kind: row.get(2),
            field: row.get(3),
            start: row.get(4),
            end: row.get(5),
            external_id: row.get(6),
        })
        .collect();
    Ok(ArticleParts {
        authors,
        credits,
        categories,
        urls,
        guids,
        entities: group_mentions(lines),
        story,
    })
}
