//! Reading one article for `newsdb show`: resolving an id or hash prefix, its raw bytes and its
//! entity mentions.

use rusqlite::{OptionalExtension, params};

use super::{Context, Result, Store, StoreError};
use crate::raw_codec;

/// How `newsdb show REF` reads its argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArticleRef {
    /// Decimal digits: an article id (tried first).
    pub id: Option<i64>,
    /// At least four hex digits, lowercased: a content-hash prefix, as with git.
    pub hash_prefix: Option<String>,
}

/// The shortest hash prefix `show` accepts, as git does.
pub const MIN_PREFIX: usize = 4;

impl ArticleRef {
    /// Reads `text`, or says why it names no article.
    pub fn parse(text: &str) -> Result<ArticleRef, String> {
        let text = text.trim();
        let id = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            text.parse().ok()
        } else {
            None
        };
        let hash_prefix = (text.len() >= MIN_PREFIX
            && text.len() <= 64
            && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| text.to_ascii_lowercase());
        if id.is_none() && hash_prefix.is_none() {
            return Err(format!(
                "`{text}` is neither an article id nor a content-hash prefix \
                 (at least {MIN_PREFIX} hex digits)"
            ));
        }
        Ok(ArticleRef { id, hash_prefix })
    }
}

/// One entity mention inside a field, offsets in Unicode characters as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MentionSpan {
    pub start: usize,
    pub end: usize,
    pub kind: String,
    pub entity: String,
}

/// An article that matched a reference, as `show` lists ambiguous candidates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub id: i64,
    pub content_hash: String,
    pub title: Option<String>,
    pub published_at: Option<String>,
}

/// What a reference resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    Found(i64),
    NotFound,
    /// Several hashes start with the prefix (at most [`CANDIDATES`] listed).
    Ambiguous(Vec<Candidate>),
}

/// How many candidates an ambiguous prefix lists.
pub const CANDIDATES: usize = 20;

/// The original bytes of an article's first arrival, decoded (whatever its stored codec).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawCopy {
    pub format: String,
    pub origin: String,
    pub bytes: Vec<u8>,
}

impl Store {
    /// The article `reference` names: an id when it is one, else the one article whose content
    /// hash starts with it.
    pub fn resolve_article(&self, reference: &ArticleRef) -> Result<Resolved> {
        if let Some(id) = reference.id {
            let exists: bool = self
                .conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM articles WHERE id = ?1)",
                    [id],
                    |row| row.get(0),
                )
                .context("looking up an article")?;
            if exists {
                return Ok(Resolved::Found(id));
            }
        }
        let Some(prefix) = &reference.hash_prefix else {
            return Ok(Resolved::NotFound);
        };
        // A range on the unique index: every hash from the prefix up to the prefix followed by
        // the character after 'f'.
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT id, content_hash, title, published_at FROM articles
                  WHERE content_hash >= ?1 AND content_hash < ?1 || 'g'
                  ORDER BY content_hash LIMIT ?2",
            )
            .context("looking up a hash prefix")?;
        let candidates = statement
            .query_map(params![prefix, CANDIDATES as i64 + 1], |row| {
                Ok(Candidate {
                    id: row.get(0)?,
                    content_hash: row.get(1)?,
                    title: row.get(2)?,
                    published_at: row.get(3)?,
                })
            })
            .context("looking up a hash prefix")?
            .collect::<rusqlite::Result<Vec<_>>>()
            .context("looking up a hash prefix")?;
        Ok(match candidates.len() {
            0 => Resolved::NotFound,
            1 => Resolved::Found(candidates[0].id),
            _ => Resolved::Ambiguous(candidates.into_iter().take(CANDIDATES).collect()),
        })
    }

    /// The raw copy of article `id`, if it was kept, decoded to the bytes as received.
    pub fn article_raw(&self, id: i64) -> Result<Option<RawCopy>> {
        // A read-only open does not migrate: a database from before schema 10 has no `codec`
        // column, and every copy in it is the bytes as received.
        let columns: Vec<String> = self.query_rows(
            "SELECT name FROM pragma_table_info('article_raw')",
            [],
            "reading the raw copy",
            |row| row.get(0),
        )?;
        let has = |column: &str| columns.iter().any(|name| name == column);
        // A `zstd-article` copy is decoded with the text it was made with: the one a trigger
        // saved in `dictionary` when the article's text changed, else the article's own.
        let sql = if has("dictionary") {
            "SELECT r.format, r.origin, r.codec, r.bytes,
                    CASE WHEN r.codec = 'zstd-article'
                         THEN coalesce(r.dictionary,
                                       CAST(coalesce(a.title, '') || char(10) || a.body AS BLOB))
                    END
               FROM article_raw AS r LEFT JOIN articles AS a ON a.id = r.article_id
              WHERE r.article_id = ?1"
        } else if has("codec") {
            "SELECT format, origin, codec, bytes, NULL FROM article_raw WHERE article_id = ?1"
        } else {
            "SELECT format, origin, 'identity', bytes, NULL FROM article_raw WHERE article_id = ?1"
        };
        let stored = self
            .conn
            .query_row(sql, [id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Vec<u8>>(3)?,
                    row.get::<_, Option<Vec<u8>>>(4)?,
                ))
            })
            .optional()
            .context("reading the raw copy")?;
        let Some((format, origin, codec, bytes, dictionary)) = stored else {
            return Ok(None);
        };
        let bytes = raw_codec::decode(&codec, bytes, || dictionary).map_err(|source| {
            StoreError::RawCopy {
                article: id,
                source,
            }
        })?;
        Ok(Some(RawCopy {
            format,
            origin,
            bytes,
        }))
    }

    /// The mentions in one field (`title`, `summary` or `body`) of article `id`, in text order.
    pub fn article_mentions(&self, id: i64, field: &str) -> Result<Vec<MentionSpan>> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT m.start, m.\"end\", e.kind, e.name
                   FROM mentions AS m JOIN entities AS e ON e.id = m.entity_id
                  WHERE m.article_id = ?1 AND m.field = ?2
                  ORDER BY m.start, m.\"end\" DESC",
            )
            .context("reading mentions")?;
        let rows = statement
            .query_map(params![id, field], |row| {
                Ok(MentionSpan {
                    start: row.get::<_, i64>(0)?.max(0) as usize,
                    end: row.get::<_, i64>(1)?.max(0) as usize,
                    kind: row.get(2)?,
                    entity: row.get(3)?,
                })
            })
            .context("reading mentions")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("reading mentions")
    }
}
