//! Compaction: compresses the raw copies stored as they were received (`identity` rows, from
//! before migration 10 or from other tools) into zstd, in batches.
//!
//! Each batch is its own `BEGIN IMMEDIATE` transaction of at most [`BATCH_ROWS`] rows and
//! [`BATCH_BYTES`] bytes, so memory stays flat whatever the database size, other writers get
//! their turn between batches, and a killed run keeps every committed batch: running it again
//! goes on with the rows still `identity`. SQLite's automatic checkpoints stay on, so the WAL
//! does not grow past a batch or two.
//!
//! Without `VACUUM` compressing returns almost nothing: each compressed row stays in its page,
//! which is left half empty rather than freed (at 20,000 articles the freelist stayed at 0 bytes
//! while the raw copies went from 48.9 to 23.4 MB), and new rows, appended by article id, do not
//! fill those gaps. `VACUUM` repacks the pages (175 -> 142 MB there), at the cost of rewriting
//! the whole database and needing that much free disk for the copy.

use rayon::prelude::*;
use rusqlite::params;

use super::{Context, Result, Store};
use crate::raw_codec::{self, RawCodec};

/// Rows read, compressed and written per transaction.
pub const BATCH_ROWS: usize = 2_000;
/// A batch also ends once its raw copies pass this many bytes (a few huge pages stay bounded).
pub const BATCH_BYTES: usize = 16 * 1024 * 1024;

/// What a compaction did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CompactSummary {
    /// `identity` rows read.
    pub rows_read: u64,
    /// Rows now stored as zstd.
    pub rows_compressed: u64,
    /// Raw bytes of the rows compressed, and what they take now.
    pub raw_bytes_before: u64,
    pub raw_bytes_after: u64,
    /// Free pages inside the file after compressing, in bytes (what `--vacuum` returns).
    pub free_bytes: u64,
    /// The database file's size before and after (it shrinks only with `--vacuum`).
    pub file_bytes_before: u64,
    pub file_bytes_after: u64,
    pub vacuumed: bool,
}

impl Store {
    /// Compresses every `identity` raw copy that zstd makes smaller, in batches, calling
    /// `progress` after each committed batch. Rows zstd would not shrink stay `identity`.
    pub fn compact_raw(
        &mut self,
        progress: &mut dyn FnMut(&CompactSummary),
    ) -> Result<CompactSummary> {
        let mut summary = CompactSummary {
            file_bytes_before: self.file_bytes()?,
            ..CompactSummary::default()
        };
        // Walks the table once by id, so rows left `identity` are not read again in this run.
        let mut after_id = 0_i64;
        loop {
            let transaction = self.write_transaction()?;
            let mut rows: Vec<(i64, Vec<u8>)> = Vec::new();
            {
                let mut statement = transaction
                    .prepare_cached(
                        "SELECT article_id, bytes FROM article_raw
                          WHERE article_id > ?1 AND codec = 'identity'
                          ORDER BY article_id LIMIT ?2",
                    )
                    .context("reading raw copies to compress")?;
                let mut found = statement
                    .query(params![after_id, BATCH_ROWS as i64])
                    .context("reading raw copies to compress")?;
                let mut bytes = 0;
                while let Some(row) = found.next().context("reading raw copies to compress")? {
                    let stored: Vec<u8> = row.get(1).context("reading raw copies to compress")?;
                    bytes += stored.len();
                    rows.push((
                        row.get(0).context("reading raw copies to compress")?,
                        stored,
                    ));
                    if bytes >= BATCH_BYTES {
                        break;
                    }
                }
            }
            let Some(&(last_id, _)) = rows.last() else {
                break;
            };
            after_id = last_id;
            summary.rows_read += rows.len() as u64;
            let encoded: Vec<(i64, usize, RawCodec, Vec<u8>)> = rows
                .into_par_iter()
                .map(|(id, stored)| {
                    let size = stored.len();
                    let (codec, bytes) = raw_codec::encode(stored);
                    (id, size, codec, bytes)
                })
                .collect();
            {
                let mut update = transaction
                    .prepare_cached(
                        "UPDATE article_raw SET codec = ?2, bytes = ?3 WHERE article_id = ?1",
                    )
                    .context("storing compressed raw copies")?;
                for (id, size, codec, bytes) in &encoded {
                    if *codec == RawCodec::Identity {
                        continue;
                    }
                    update
                        .execute(params![id, codec.name(), bytes])
                        .context("storing compressed raw copies")?;
                    summary.rows_compressed += 1;
                    summary.raw_bytes_before += *size as u64;
                    summary.raw_bytes_after += bytes.len() as u64;
                }
            }
            transaction
                .commit()
                .context("storing compressed raw copies")?;
            progress(&summary);
        }
        summary.free_bytes = self.free_bytes()?;
        summary.file_bytes_after = self.file_bytes()?;
        Ok(summary)
    }

    /// Rewrites the database without its free pages, shrinking the file.
    pub fn vacuum(&mut self) -> Result<()> {
        self.conn.execute_batch("VACUUM").context("vacuuming")?;
        // The rewrite went through the WAL; fold it back so the file on disk is the small one.
        self.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .context("checkpointing after VACUUM")
    }

    /// Bytes of free pages inside the database file.
    pub fn free_bytes(&self) -> Result<u64> {
        self.pages_in_bytes("freelist_count", "reading the free page count")
    }

    /// The database's size in bytes (pages times page size, as `stats` reports it).
    pub fn file_bytes(&self) -> Result<u64> {
        self.pages_in_bytes("page_count", "reading the database size")
    }

    /// A page count (`page_count` or `freelist_count`, read as a pragma) times the page size.
    fn pages_in_bytes(&self, pages: &str, context: &'static str) -> Result<u64> {
        self.conn
            .query_row(
                &format!("SELECT p.{pages} * s.page_size FROM pragma_{pages}() AS p, pragma_page_size() AS s"),
                [],
                |row| row.get::<_, i64>(0),
            )
            .map(|bytes| bytes.max(0) as u64)
            .context(context)
    }
}
