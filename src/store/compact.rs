//! Compaction: re-encodes the raw copies not stored in the best codec, in batches: `identity`
//! rows (from before migration 10, or from other tools), plain `zstd` rows (before migration 15)
//! and `zstd-article` rows whose article's text changed since (they carry the old text in
//! `dictionary`) all become `zstd-article` frames of the article's current text.
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

use super::{Context, Result, Store, StoreError};
use crate::raw_codec::{self, RawCodec};

/// Rows read, compressed and written per transaction.
pub const BATCH_ROWS: usize = 2_000;
/// A batch also ends once its raw copies pass this many bytes (a few huge pages stay bounded).
pub const BATCH_BYTES: usize = 16 * 1024 * 1024;

/// What a compaction did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CompactSummary {
    /// Rows read: every copy not yet a `zstd-article` frame of its article's current text.
    pub rows_read: u64,
    /// Rows stored again, smaller (as `zstd-article` frames, or plain `zstd` where that is smaller).
    pub rows_compressed: u64,
    /// Rows whose stored bytes cannot be decoded (damaged, or an unknown codec): left as they are.
    pub rows_unreadable: u64,
    /// Raw bytes of the rows compressed, and what they take now.
    pub raw_bytes_before: u64,
    pub raw_bytes_after: u64,
    /// Free pages inside the file after compressing, in bytes (what `--vacuum` returns).
    pub free_bytes: u64,
    /// The database file's size before and after (it shrinks only with `--vacuum`).
    pub file_bytes_before: u64,
    pub file_bytes_after: u64,
    pub vacuumed: bool,
    /// The full-text index's segments before and after merging them (None on PostgreSQL, whose
    /// index has none).
    pub search_segments_before: Option<u64>,
    pub search_segments_after: Option<u64>,
}

impl Store {
    /// Re-encodes every raw copy not yet a `zstd-article` frame of its article's current text
    /// (see the module notes), in batches, calling `progress` after each committed batch. Rows
    /// no codec makes smaller stay as they are.
    pub fn compact_raw(
        &mut self,
        progress: &mut dyn FnMut(&CompactSummary),
    ) -> Result<CompactSummary> {
        let mut summary = CompactSummary {
            file_bytes_before: self.file_bytes()?,
            ..CompactSummary::default()
        };
        // Walks the table once by id, so rows left as they are are not read again in this run.
        let mut after_id = 0_i64;
        loop {
            let transaction = self.write_transaction()?;
            let mut rows: Vec<StoredCopy> = Vec::new();
            {
                let mut statement = transaction
                    .prepare_cached(
                        "SELECT r.article_id, r.codec, r.bytes, r.dictionary,
                                CAST(coalesce(a.title, '') || char(10) || a.body AS BLOB)
                           FROM article_raw AS r JOIN articles AS a ON a.id = r.article_id
                          WHERE r.article_id > ?1
                            AND (r.codec <> 'zstd-article' OR r.dictionary IS NOT NULL)
                          ORDER BY r.article_id LIMIT ?2",
                    )
                    .context("reading raw copies to compress")?;
                let mut found = statement
                    .query(params![after_id, BATCH_ROWS as i64])
                    .context("reading raw copies to compress")?;
                let mut bytes = 0;
                while let Some(row) = found.next().context("reading raw copies to compress")? {
                    let copy = StoredCopy {
                        article_id: row.get(0).context("reading raw copies to compress")?,
                        codec: row.get(1).context("reading raw copies to compress")?,
                        bytes: row.get(2).context("reading raw copies to compress")?,
                        saved_dictionary: row.get(3).context("reading raw copies to compress")?,
                        dictionary: row.get(4).context("reading raw copies to compress")?,
                    };
                    bytes += copy.bytes.len() + copy.dictionary.len();
                    rows.push(copy);
                    if bytes >= BATCH_BYTES {
                        break;
                    }
                }
            }
            let Some(last) = rows.last() else {
                break;
            };
            after_id = last.article_id;
            {
                let mut update = transaction
                    .prepare_cached(
                        "UPDATE article_raw SET codec = ?2, bytes = ?3, dictionary = NULL
                          WHERE article_id = ?1",
                    )
                    .context("storing compressed raw copies")?;
                for copy in reencode_batch(rows, &mut summary) {
                    update
                        .execute(params![copy.article_id, copy.codec.name(), copy.bytes])
                        .context("storing compressed raw copies")?;
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

    /// Merges the full-text index into one segment (FTS5's `optimize`) and records the segment
    /// counts in `summary`. Imports add a segment per batch and FTS5 merges them only as they pile
    /// up (8 to a level, see migration 4), so a large store keeps a dozen or more, and every
    /// search reads each word in each of them: at 100,000 articles 16 segments became 1 in
    /// 1.5 s, and a search page never asked before went from 17 to 13 ms of CPU (relevance order)
    /// and from 21 to 14 ms (date order). One transaction: the index is rewritten whole, so the
    /// log grows by about its size (113 MB at 100,000 articles) until the next checkpoint.
    pub fn merge_search_index(&mut self, summary: &mut CompactSummary) -> Result<()> {
        summary.search_segments_before = Some(self.search_segments()?);
        if summary.search_segments_before > Some(1) {
            self.conn
                .execute(
                    "INSERT INTO articles_fts (articles_fts) VALUES ('optimize')",
                    [],
                )
                .context("merging the full-text index")?;
        }
        summary.search_segments_after = Some(self.search_segments()?);
        Ok(())
    }

    /// Segments in the full-text index (each has at least one row in its `_idx` table).
    fn search_segments(&self) -> Result<u64> {
        let segments: i64 = self
            .conn
            .query_row(
                "SELECT count(DISTINCT segid) FROM articles_fts_idx",
                [],
                |row| row.get(0),
            )
            .context("counting the full-text index's segments")?;
        Ok(segments.unsigned_abs())
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

/// A raw copy as stored, with the article's current text as a dictionary.
pub(crate) struct StoredCopy {
    pub article_id: i64,
    pub codec: String,
    pub bytes: Vec<u8>,
    /// The text a `zstd-article` frame was made with, saved when the article's text changed.
    pub saved_dictionary: Option<Vec<u8>>,
    /// The article's current [`raw_codec::article_dictionary`].
    pub dictionary: Vec<u8>,
}

/// A copy to store again: its new codec and bytes, and how many bytes it took before.
pub(crate) struct NewEncoding {
    pub article_id: i64,
    pub codec: RawCodec,
    pub bytes: Vec<u8>,
    stored_before: usize,
}

/// Re-encodes a batch of copies (in parallel) and counts them in `summary`; returns the copies
/// to store again. A damaged copy is counted and left as it is (`show --raw` names it).
pub(crate) fn reencode_batch(
    rows: Vec<StoredCopy>,
    summary: &mut CompactSummary,
) -> Vec<NewEncoding> {
    summary.rows_read += rows.len() as u64;
    let encoded: Vec<Result<Reencoded>> = rows.into_par_iter().map(reencode).collect();
    let mut changed = Vec::new();
    for copy in encoded {
        match copy {
            Ok(Some(copy)) => {
                summary.rows_compressed += 1;
                summary.raw_bytes_before += copy.stored_before as u64;
                summary.raw_bytes_after += copy.bytes.len() as u64;
                changed.push(copy);
            }
            Ok(None) => {}
            Err(_) => summary.rows_unreadable += 1,
        }
    }
    changed
}

/// The new encoding of a copy, or None when it is not smaller than what is stored (and the
/// stored frame needs no saved text).
type Reencoded = Option<NewEncoding>;

fn reencode(copy: StoredCopy) -> Result<Reencoded> {
    let stored_before = copy.bytes.len();
    let needs_saved_text = copy.saved_dictionary.is_some();
    let saved = copy.saved_dictionary;
    let raw = raw_codec::decode(&copy.codec, copy.bytes, || saved).map_err(|source| {
        StoreError::RawCopy {
            article: copy.article_id,
            source,
        }
    })?;
    let (codec, bytes) = raw_codec::encode_for_article(raw, &copy.dictionary);
    Ok(
        (needs_saved_text || bytes.len() < stored_before).then_some(NewEncoding {
            article_id: copy.article_id,
            codec,
            bytes,
            stored_before,
        }),
    )
}
