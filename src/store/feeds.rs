//! Subscribed feeds: the `feeds` table, written by `newsdb feeds` and `newsdb fetch`.
//!
//! A feed row remembers what the next poll needs to be polite (the ETag and Last-Modified the
//! server gave, sent back as `If-None-Match` and `If-Modified-Since`) and what the last poll did
//! (status, error, time, consecutive failures). Articles are tied to a feed through
//! `sightings.feed_id`, so "articles of this feed" counts every distinct article the feed
//! delivered, whether it was new then or already known from elsewhere.
//!
//! **Back-off.** A feed that fails is not polled again until `next_check_at`: one hour after its
//! first failure in a row, then twice as long after each further one, never more than a week
//! ([`backoff_after`]). A success clears it. This is the rule Miniflux adopted in place of giving
//! up after a few errors (its "exponential backoff by default, with an upper-limit of one week",
//! miniflux/v2 issue #3334, commit 62c01ab).

use std::time::Duration;

use rusqlite::{OptionalExtension, params};

use super::{Context, ImportId, Result, Store};
use crate::normalize::SourceName;

/// One row of `feeds`, with its source's name and its article count.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Feed {
    pub id: i64,
    pub url: String,
    pub title: Option<String>,
    /// The name of the linked source (`feeds add --source`).
    pub source: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub last_fetched_at: Option<String>,
    pub last_success_at: Option<String>,
    pub failure_count: i64,
    pub added_at: String,
    /// Folder path ("News/Tech"), from OPML or `feeds add --folder`.
    pub folder: Option<String>,
    /// The feed's website (OPML `htmlUrl`).
    pub html_url: Option<String>,
    /// When a failing feed may be polled again; None when it is due.
    pub next_check_at: Option<String>,
    /// Distinct articles seen from this feed (through `sightings.feed_id`).
    pub articles: i64,
}

/// A subscription to add: its URL (already validated) and what is known about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewFeed {
    pub url: String,
    pub title: Option<String>,
    pub folder: Option<String>,
    pub html_url: Option<String>,
}

/// What [`Store::import_subscriptions`] did, feed by feed in total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SubscriptionsImported {
    pub added: u64,
    /// Already subscribed, and given a title, folder or site it lacked (or, with `replace`, a
    /// different one).
    pub updated: u64,
    pub unchanged: u64,
}

/// How long a feed that has now failed `failures` times in a row waits before its next poll:
/// 1 h, 2 h, 4 h, ... capped at 7 days (see the module notes).
pub fn backoff_after(failures: i64) -> Duration {
    const FIRST: u64 = 3600;
    const CAP: u64 = 7 * 24 * 3600;
    let doublings = failures.clamp(1, 16) as u32 - 1;
    Duration::from_secs((FIRST << doublings).min(CAP))
}

impl Feed {
    /// Whether the feed may be polled at `now`: it is not backed off, or its wait is over. A
    /// `next_check_at` that is not an RFC 3339 time (another tool wrote it) does not hold it back.
    pub fn is_due(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        self.next_check_at
            .as_deref()
            .and_then(|next| chrono::DateTime::parse_from_rfc3339(next).ok())
            .is_none_or(|next| next <= now)
    }
}

/// What `add_feed` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedAdded {
    Added(i64),
    AlreadySubscribed(i64),
}

/// The result of one poll of one feed, as recorded in its row.
#[derive(Clone, Debug, Default)]
pub struct PollRecord<'a> {
    /// The HTTP status of the final response; None when there was none (timeout, no route).
    pub status: Option<u16>,
    /// None on success.
    pub error: Option<&'a str>,
    /// Validators of a 200 or 304 response; None keeps the stored ones.
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
    /// The title the feed gives itself; None keeps the stored one.
    pub title: Option<&'a str>,
    /// Where a permanent redirect says the feed now lives.
    pub moved_to: Option<&'a str>,
}

/// The columns of [`Feed`], in order, for every query that reads one.
const FEED_COLUMNS: &str = "f.id, f.url, f.title, s.name, f.etag, f.last_modified, f.last_status,
     f.last_error, f.last_fetched_at, f.last_success_at, f.failure_count, f.added_at,
     f.folder, f.html_url, f.next_check_at,
     (SELECT count(DISTINCT si.article_id) FROM sightings si WHERE si.feed_id = f.id)";

fn feed_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Feed> {
    Ok(Feed {
        id: row.get(0)?,
        url: row.get(1)?,
        title: row.get(2)?,
        source: row.get(3)?,
        etag: row.get(4)?,
        last_modified: row.get(5)?,
        last_status: row.get(6)?,
        last_error: row.get(7)?,
        last_fetched_at: row.get(8)?,
        last_success_at: row.get(9)?,
        failure_count: row.get(10)?,
        added_at: row.get(11)?,
        folder: row.get(12)?,
        html_url: row.get(13)?,
        next_check_at: row.get(14)?,
        articles: row.get(15)?,
    })
}

impl Store {
    /// Subscribes to `url` (already validated), linking `source` (created by its key if new).
    pub fn add_feed(&mut self, feed: &NewFeed, source: Option<&SourceName>) -> Result<FeedAdded> {
        let transaction = self.write_transaction()?;
        let existing: Option<i64> = transaction
            .prepare_cached("SELECT id FROM feeds WHERE url = ?1")
            .and_then(|mut statement| {
                statement
                    .query_row([&feed.url], |row| row.get(0))
                    .optional()
            })
            .context("looking up a feed")?;
        if let Some(id) = existing {
            return Ok(FeedAdded::AlreadySubscribed(id));
        }
        let source_id: Option<i64> = match source {
            Some(source) => Some(
                transaction
                    .prepare_cached(
                        "INSERT INTO sources (name, key, home_url, domain) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (key) DO UPDATE SET name = name
                         RETURNING id",
                    )
                    .and_then(|mut statement| {
                        statement.query_row(
                            params![source.name, source.key, source.home_url, source.domain],
                            |row| row.get(0),
                        )
                    })
                    .context("recording the feed's source")?,
            ),
            None => None,
        };
        let id = transaction
            .prepare_cached(
                "INSERT INTO feeds (url, source_id, title, folder, html_url)
                 VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            )
            .and_then(|mut statement| {
                statement.query_row(
                    params![feed.url, source_id, feed.title, feed.folder, feed.html_url],
                    |row| row.get(0),
                )
            })
            .context("adding a feed")?;
        transaction.commit().context("adding a feed")?;
        Ok(FeedAdded::Added(id))
    }

    /// Subscribes to every feed of an OPML file, in one transaction. A URL already subscribed is
    /// not added again: it gains the title, folder and site it lacks, and with `replace` takes
    /// those the file gives (a value the file lacks never erases one).
    pub fn import_subscriptions(
        &mut self,
        feeds: &[NewFeed],
        replace: bool,
    ) -> Result<SubscriptionsImported> {
        let transaction = self.write_transaction()?;
        let mut done = SubscriptionsImported::default();
        for feed in feeds {
            let added = transaction
                .prepare_cached(
                    "INSERT INTO feeds (url, title, folder, html_url) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (url) DO NOTHING",
                )
                .and_then(|mut statement| {
                    statement.execute(params![feed.url, feed.title, feed.folder, feed.html_url])
                })
                .context("importing subscriptions")?;
            if added > 0 {
                done.added += 1;
                continue;
            }
            // `IS NOT` compares NULLs too: only a real change counts as an update.
            let updated = transaction
                .prepare_cached(
                    "UPDATE feeds
                        SET title = CASE WHEN ?5 OR title IS NULL THEN coalesce(?2, title)
                                         ELSE title END,
                            folder = CASE WHEN ?5 OR folder IS NULL THEN coalesce(?3, folder)
                                          ELSE folder END,
                            html_url = CASE WHEN ?5 OR html_url IS NULL
                                            THEN coalesce(?4, html_url) ELSE html_url END
                      WHERE url = ?1
                        AND ((?2 IS NOT NULL AND title IS NOT ?2 AND (?5 OR title IS NULL))
                          OR (?3 IS NOT NULL AND folder IS NOT ?3 AND (?5 OR folder IS NULL))
                          OR (?4 IS NOT NULL AND html_url IS NOT ?4
                              AND (?5 OR html_url IS NULL)))",
                )
                .and_then(|mut statement| {
                    statement.execute(params![
                        feed.url,
                        feed.title,
                        feed.folder,
                        feed.html_url,
                        replace
                    ])
                })
                .context("importing subscriptions")?;
            if updated > 0 {
                done.updated += 1;
            } else {
                done.unchanged += 1;
            }
        }
        transaction.commit().context("importing subscriptions")?;
        Ok(done)
    }

    /// Unsubscribes from `url`; false when it was not subscribed. Sightings keep their articles
    /// and lose only the link (`ON DELETE SET NULL`).
    pub fn remove_feed(&mut self, url: &str) -> Result<bool> {
        let transaction = self.write_transaction()?;
        let removed = transaction
            .prepare_cached("DELETE FROM feeds WHERE url = ?1")
            .and_then(|mut statement| statement.execute([url]))
            .context("removing a feed")?;
        transaction.commit().context("removing a feed")?;
        Ok(removed > 0)
    }

    /// Every subscribed feed, in the order they were added.
    pub fn feeds(&self) -> Result<Vec<Feed>> {
        let sql = format!(
            "SELECT {FEED_COLUMNS} FROM feeds f LEFT JOIN sources s ON s.id = f.source_id
              ORDER BY f.id"
        );
        let mut statement = self.conn.prepare_cached(&sql).context("listing feeds")?;
        let rows = statement
            .query_map([], feed_from_row)
            .context("listing feeds")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("listing feeds")
    }

    /// The feed subscribed as `url`, if any.
    pub fn feed(&self, url: &str) -> Result<Option<Feed>> {
        let sql = format!(
            "SELECT {FEED_COLUMNS} FROM feeds f LEFT JOIN sources s ON s.id = f.source_id
              WHERE f.url = ?1"
        );
        self.conn
            .prepare_cached(&sql)
            .and_then(|mut statement| statement.query_row([url], feed_from_row).optional())
            .context("looking up a feed")
    }

    /// Records one poll: a success resets the failure count and the back-off, a failure adds one
    /// and sets `next_check_at` by [`backoff_after`]; either way the status and time are kept. A permanent redirect moves the feed to its new URL, unless that
    /// URL is already another subscription (the row then keeps its URL).
    pub fn record_poll(&mut self, id: i64, record: &PollRecord<'_>) -> Result<()> {
        let transaction = self.write_transaction()?;
        let now = chrono::Utc::now();
        let next_check_at = match record.error {
            None => None,
            Some(_) => {
                let failures: i64 = transaction
                    .prepare_cached("SELECT failure_count + 1 FROM feeds WHERE id = ?1")
                    .and_then(|mut statement| statement.query_row([id], |row| row.get(0)))
                    .context("recording a feed poll")?;
                let wait = chrono::Duration::from_std(backoff_after(failures))
                    .unwrap_or(chrono::Duration::MAX);
                Some(iso_utc(now + wait))
            }
        };
        let now = iso_utc(now);
        transaction
            .prepare_cached(
                "UPDATE feeds
                    SET last_status = ?2,
                        last_error = ?3,
                        last_fetched_at = ?4,
                        last_success_at = CASE WHEN ?3 IS NULL THEN ?4 ELSE last_success_at END,
                        failure_count = CASE WHEN ?3 IS NULL THEN 0 ELSE failure_count + 1 END,
                        etag = coalesce(?5, etag),
                        last_modified = coalesce(?6, last_modified),
                        title = coalesce(?7, title),
                        next_check_at = ?9,
                        url = CASE WHEN ?8 IS NOT NULL
                                    AND NOT EXISTS (SELECT 1 FROM feeds WHERE url = ?8)
                                   THEN ?8 ELSE url END
                  WHERE id = ?1",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    id,
                    record.status,
                    record.error,
                    now,
                    record.etag,
                    record.last_modified,
                    record.title,
                    record.moved_to,
                    next_check_at,
                ])
            })
            .context("recording a feed poll")?;
        transaction.commit().context("recording a feed poll")
    }

    /// Articles that import run `import` stored for the first time from feed `feed_id`.
    pub fn new_articles_from_feed(&self, import: ImportId, feed_id: i64) -> Result<u64> {
        self.conn
            .prepare_cached(
                "SELECT count(*) FROM sightings si JOIN articles a ON a.id = si.article_id
                  WHERE si.feed_id = ?2 AND si.import_id = ?1 AND a.import_id = ?1
                    AND si.id = (SELECT min(id) FROM sightings WHERE article_id = a.id)",
            )
            .and_then(|mut statement| {
                statement.query_row(params![import.0, feed_id], |row| row.get::<_, i64>(0))
            })
            .map(|count| count as u64)
            .context("counting a feed's new articles")
    }
}

/// A time as stored: `2026-12-04T16:00:00Z`.
fn iso_utc(time: chrono::DateTime<chrono::Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_back_off_doubles_from_an_hour_up_to_a_week() {
        let hours = |failures| backoff_after(failures).as_secs() / 3600;
        assert_eq!(hours(1), 1);
        assert_eq!(hours(2), 2);
        assert_eq!(hours(3), 4);
        assert_eq!(hours(8), 128);
        assert_eq!(hours(9), 168);
        assert_eq!(hours(1000), 168);
        // A count another tool left at 0 or below still waits the first step.
        assert_eq!(hours(0), 1);
    }
}
