//! `newsdb compact` on PostgreSQL: the raw copies not yet `zstd-article` frames of their
//! article's current text re-encoded as on SQLite (`store::compact`), a batch per transaction
//! of at most `BATCH_ROWS` rows and `BATCH_BYTES` bytes, read through a portal.
//!
//! PostgreSQL keeps the old row versions until (auto)vacuum marks their space reusable, inside
//! the table's files; `--vacuum` runs `VACUUM FULL article_raw`, which rewrites that table
//! alone and gives the space back to the system, holding an exclusive lock on it meanwhile
//! (importers wait, readers of other tables do not).

use super::PgStore;
use crate::raw_codec::article_dictionary;
use crate::store::compact::{BATCH_BYTES, BATCH_ROWS, StoredCopy, reencode_batch};
use crate::store::{CompactSummary, StoreError};

/// Rows fetched from the portal at a time, so a batch stops near `BATCH_BYTES`.
const FETCH_ROWS: i32 = 100;

impl PgStore {
    /// Re-encodes every raw copy not yet a `zstd-article` frame of its article's current text
    /// (see `Store::compact_raw`), calling `progress` after each committed batch.
    pub fn compact_raw(
        &mut self,
        progress: &mut dyn FnMut(&CompactSummary),
    ) -> Result<CompactSummary, StoreError> {
        let mut summary = CompactSummary {
            file_bytes_before: self.database_bytes()?,
            ..CompactSummary::default()
        };
        let mut after_id = 0_i64;
        loop {
            let batch = self.write_retrying("compressing raw copies", true, |tx, _| {
                let statement = tx.prepare(
                    "SELECT r.article_id, r.codec, r.bytes, r.dictionary, a.title, a.body
                       FROM article_raw AS r JOIN articles AS a ON a.id = r.article_id
                      WHERE r.article_id > $1
                        AND (r.codec <> 'zstd-article' OR r.dictionary IS NOT NULL)
                      ORDER BY r.article_id LIMIT $2
                        FOR NO KEY UPDATE OF r",
                )?;
                let portal = tx.bind(&statement, &[&after_id, &(BATCH_ROWS as i64)])?;
                let mut rows: Vec<StoredCopy> = Vec::new();
                let mut bytes = 0;
                'reading: loop {
                    let fetched = tx.query_portal(&portal, FETCH_ROWS)?;
                    if fetched.is_empty() {
                        break;
                    }
                    for row in fetched {
                        let copy = StoredCopy {
                            article_id: row.get(0),
                            codec: row.get(1),
                            bytes: row.get(2),
                            saved_dictionary: row.get(3),
                            dictionary: article_dictionary(row.get(4), row.get(5)),
                        };
                        bytes += copy.bytes.len() + copy.dictionary.len();
                        rows.push(copy);
                        if bytes >= BATCH_BYTES {
                            break 'reading;
                        }
                    }
                }
                let Some(last) = rows.last().map(|copy| copy.article_id) else {
                    return Ok(None);
                };
                let mut counted = CompactSummary::default();
                let encoded = reencode_batch(rows, &mut counted);
                let ids: Vec<i64> = encoded.iter().map(|copy| copy.article_id).collect();
                let codecs: Vec<&str> = encoded.iter().map(|copy| copy.codec.name()).collect();
                let frames: Vec<&[u8]> = encoded.iter().map(|copy| copy.bytes.as_slice()).collect();
                tx.execute(
                    "UPDATE article_raw AS r
                        SET codec = n.codec, bytes = n.bytes, dictionary = NULL
                       FROM unnest($1::bigint[], $2::text[], $3::bytea[]) AS n (id, codec, bytes)
                      WHERE r.article_id = n.id",
                    &[&ids, &codecs, &frames],
                )?;
                Ok(Some((last, counted)))
            })?;
            // Counted once the batch committed.
            let Some((last, counted)) = batch else {
                break;
            };
            after_id = last;
            summary.rows_read += counted.rows_read;
            summary.rows_compressed += counted.rows_compressed;
            summary.rows_unreadable += counted.rows_unreadable;
            summary.raw_bytes_before += counted.raw_bytes_before;
            summary.raw_bytes_after += counted.raw_bytes_after;
            progress(&summary);
        }
        summary.file_bytes_after = self.database_bytes()?;
        Ok(summary)
    }

    /// `VACUUM FULL article_raw`: the table rewritten without its dead rows, the space given
    /// back to the system.
    pub fn vacuum_raw(&mut self) -> Result<(), StoreError> {
        self.client
            .batch_execute("VACUUM FULL article_raw")
            .map_err(|error| self.error("vacuuming article_raw", &error))
    }

    /// The database's size on the server, in bytes.
    pub fn database_bytes(&mut self) -> Result<u64, StoreError> {
        let size: i64 = self
            .client
            .query_one("SELECT pg_database_size(current_database())", &[])
            .map_err(|error| self.error("reading the database size", &error))?
            .get(0);
        Ok(size.unsigned_abs())
    }
}
