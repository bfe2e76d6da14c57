//! Subscribed feeds on PostgreSQL: the `feeds` rows of `store::feeds` (read that module for their
//! meaning and the back-off rule), with the same methods, so `newsdb feeds` and `newsdb fetch`
//! run on either backend. Several `fetch` processes may poll at once: each poll's record is one
//! `UPDATE` of its row, and the failure count grows in that statement, never from a value read
//! before it.

use postgres::Row;

use super::PgStore;
use crate::normalize::SourceName;
use crate::store::{
    Feed, FeedAdded, ImportId, NewFeed, PollRecord, StoreError, SubscriptionsImported,
    backoff_after, now_utc,
};

/// The columns of [`Feed`], in order (see `store::feeds`).
const FEED_COLUMNS: &str = "f.id, f.url, f.title, s.name, f.etag, f.last_modified, f.last_status,
     f.last_error, f.last_fetched_at, f.last_success_at, f.failure_count, f.added_at,
     f.folder, f.html_url, f.next_check_at,
     (SELECT count(DISTINCT si.article_id) FROM sightings si WHERE si.feed_id = f.id)";

fn feed_from_row(row: &Row) -> Feed {
    Feed {
        id: row.get(0),
        url: row.get(1),
        title: row.get(2),
        source: row.get(3),
        etag: row.get(4),
        last_modified: row.get(5),
        last_status: row.get(6),
        last_error: row.get(7),
        last_fetched_at: row.get(8),
        last_success_at: row.get(9),
        failure_count: row.get(10),
        added_at: row.get(11),
        folder: row.get(12),
        html_url: row.get(13),
        next_check_at: row.get(14),
        articles: row.get(15),
    }
}

impl PgStore {
    /// Every subscribed feed, in the order they were added.
    pub fn feeds(&mut self) -> Result<Vec<Feed>, StoreError> {
        let sql = format!(
            "SELECT {FEED_COLUMNS} FROM feeds f LEFT JOIN sources s ON s.id = f.source_id
              ORDER BY f.id"
        );
        let rows = self
            .client
            .query(&sql, &[])
            .map_err(|error| self.error("listing feeds", &error))?;
        Ok(rows.iter().map(feed_from_row).collect())
    }

    /// The feed subscribed as `url`, if any.
    pub fn feed(&mut self, url: &str) -> Result<Option<Feed>, StoreError> {
        let sql = format!(
            "SELECT {FEED_COLUMNS} FROM feeds f LEFT JOIN sources s ON s.id = f.source_id
              WHERE f.url = $1"
        );
        let row = self
            .client
            .query_opt(&sql, &[&url])
            .map_err(|error| self.error("looking up a feed", &error))?;
        Ok(row.as_ref().map(feed_from_row))
    }

    /// Subscribes to `url`, linking `source` (created by its key if new).
    pub fn add_feed(
        &mut self,
        feed: &NewFeed,
        source: Option<&SourceName>,
    ) -> Result<FeedAdded, StoreError> {
        let add = |client: &mut postgres::Client| -> Result<FeedAdded, postgres::Error> {
            let mut tx = client.transaction()?;
            let source_id: Option<i64> = match source {
                Some(source) => {
                    tx.execute(
                        "INSERT INTO sources (name, key, home_url, domain) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (key) DO NOTHING",
                        &[&source.name, &source.key, &source.home_url, &source.domain],
                    )?;
                    Some(
                        tx.query_one("SELECT id FROM sources WHERE key = $1", &[&source.key])?
                            .get(0),
                    )
                }
                None => None,
            };
            let added = tx.query_opt(
                "INSERT INTO feeds (url, source_id, title, folder, html_url)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (url) DO NOTHING RETURNING id",
                &[
                    &feed.url,
                    &source_id,
                    &feed.title,
                    &feed.folder,
                    &feed.html_url,
                ],
            )?;
            let outcome = match added {
                Some(row) => FeedAdded::Added(row.get(0)),
                None => FeedAdded::AlreadySubscribed(
                    tx.query_one("SELECT id FROM feeds WHERE url = $1", &[&feed.url])?
                        .get(0),
                ),
            };
            tx.commit()?;
            Ok(outcome)
        };
        add(&mut self.client).map_err(|error| self.error("adding a feed", &error))
    }

    /// Subscribes to every feed of an OPML file, in one transaction, as the SQLite store does.
    pub fn import_subscriptions(
        &mut self,
        feeds: &[NewFeed],
        replace: bool,
    ) -> Result<SubscriptionsImported, StoreError> {
        let import = |client: &mut postgres::Client| {
            let mut tx = client.transaction()?;
            let mut done = SubscriptionsImported::default();
            for feed in feeds {
                let added = tx.execute(
                    "INSERT INTO feeds (url, title, folder, html_url) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (url) DO NOTHING",
                    &[&feed.url, &feed.title, &feed.folder, &feed.html_url],
                )?;
                if added > 0 {
                    done.added += 1;
                    continue;
                }
                let updated = tx.execute(
                    "UPDATE feeds
                        SET title = CASE WHEN $5 OR title IS NULL THEN coalesce($2, title)
                                         ELSE title END,
                            folder = CASE WHEN $5 OR folder IS NULL THEN coalesce($3, folder)
                                          ELSE folder END,
                            html_url = CASE WHEN $5 OR html_url IS NULL
                                            THEN coalesce($4, html_url) ELSE html_url END
                      WHERE url = $1
                        AND (($2::text IS NOT NULL AND title IS DISTINCT FROM $2
                              AND ($5 OR title IS NULL))
                          OR ($3::text IS NOT NULL AND folder IS DISTINCT FROM $3
                              AND ($5 OR folder IS NULL))
                          OR ($4::text IS NOT NULL AND html_url IS DISTINCT FROM $4
                              AND ($5 OR html_url IS NULL)))",
                    &[
                        &feed.url,
                        &feed.title,
                        &feed.folder,
                        &feed.html_url,
                        &replace,
                    ],
                )?;
                if updated > 0 {
                    done.updated += 1;
                } else {
                    done.unchanged += 1;
                }
            }
            tx.commit()?;
            Ok::<_, postgres::Error>(done)
        };
        import(&mut self.client).map_err(|error| self.error("importing subscriptions", &error))
    }

    /// Unsubscribes from `url`; false when it was not subscribed.
    pub fn remove_feed(&mut self, url: &str) -> Result<bool, StoreError> {
        let removed = self
            .client
            .execute("DELETE FROM feeds WHERE url = $1", &[&url])
            .map_err(|error| self.error("removing a feed", &error))?;
        Ok(removed > 0)
    }

    /// Records one poll (see `Store::record_poll`): the failure count and the back-off are
    /// computed in the one `UPDATE`, from the row as it is then.
    pub fn record_poll(&mut self, id: i64, record: &PollRecord<'_>) -> Result<(), StoreError> {
        // The back-off of every possible count is tiny: the statement picks the one it reaches.
        let now = chrono::Utc::now();
        let waits: Vec<String> = (1..=16)
            .map(|failures| {
                let wait = chrono::Duration::from_std(backoff_after(failures))
                    .unwrap_or(chrono::Duration::MAX);
                (now + wait).format("%Y-%m-%dT%H:%M:%SZ").to_string()
            })
            .collect();
        let status = record.status.map(i64::from);
        self.client
            .execute(
                "UPDATE feeds
                    SET last_status = $2,
                        last_error = $3,
                        last_fetched_at = $4,
                        last_success_at = CASE WHEN $3::text IS NULL THEN $4
                                               ELSE last_success_at END,
                        failure_count = CASE WHEN $3::text IS NULL THEN 0
                                             ELSE failure_count + 1 END,
                        etag = coalesce($5, etag),
                        last_modified = coalesce($6, last_modified),
                        title = coalesce($7, title),
                        next_check_at = CASE WHEN $3::text IS NULL THEN NULL
                                             ELSE ($9::text[])[least(greatest(failure_count + 1, 1), 16)]
                                        END,
                        url = CASE WHEN $8::text IS NOT NULL
                                    AND NOT EXISTS (SELECT 1 FROM feeds WHERE url = $8)
                                   THEN $8 ELSE url END
                  WHERE id = $1",
                &[
                    &id,
                    &status,
                    &record.error,
                    &now_utc(),
                    &record.etag,
                    &record.last_modified,
                    &record.title,
                    &record.moved_to,
                    &waits,
                ],
            )
            .map_err(|error| self.error("recording a feed poll", &error))?;
        Ok(())
    }

    /// Articles that import run `import` stored for the first time from feed `feed_id`.
    pub fn new_articles_from_feed(
        &mut self,
        import: ImportId,
        feed_id: i64,
    ) -> Result<u64, StoreError> {
        let row = self
            .client
            .query_one(
                "SELECT count(*) FROM sightings si JOIN articles a ON a.id = si.article_id
                  WHERE si.feed_id = $2 AND si.import_id = $1 AND a.import_id = $1
                    AND si.id = (SELECT min(id) FROM sightings WHERE article_id = a.id)",
                &[&import.0, &feed_id],
            )
            .map_err(|error| self.error("counting a feed's new articles", &error))?;
        Ok(row.get::<_, i64>(0) as u64)
    }
}
