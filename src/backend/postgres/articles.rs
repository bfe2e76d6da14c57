//! Reading one article on PostgreSQL for `newsdb show`: the same reference rules, columns and
//! raw-copy decoding as the SQLite store's (`store::lookup`, `src/query/canned/show.sql`).

use rusqlite::types::Value;

use super::PgStore;
use crate::raw_codec;
use crate::store::lookup::{ArticleRef, MentionSpan};
use crate::store::{CANDIDATES, Candidate, RawCopy, Resolved, StoreError};

/// The columns of a row and its values, as `show` prints them.
pub type ShownRow = (Vec<String>, Vec<Value>);

impl PgStore {
    /// The article `reference` names: an id when it is one, else the one article whose content
    /// hash starts with it.
    pub fn resolve_article(&mut self, reference: &ArticleRef) -> Result<Resolved, StoreError> {
        let what = "looking up an article";
        if let Some(id) = reference.id {
            let exists: bool = self
                .client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM articles WHERE id = $1)",
                    &[&id],
                )
                .map_err(|error| self.error(what, &error))?
                .get(0);
            if exists {
                return Ok(Resolved::Found(id));
            }
        }
        let Some(prefix) = &reference.hash_prefix else {
            return Ok(Resolved::NotFound);
        };
        let upper = format!("{prefix}g");
        let limit = CANDIDATES as i64 + 1;
        let rows = self
            .client
            .query(
                "SELECT id, content_hash, title, published_at FROM articles
                  WHERE content_hash >= $1 AND content_hash < $2
                  ORDER BY content_hash COLLATE \"C\" LIMIT $3",
                &[prefix, &upper, &limit],
            )
            .map_err(|error| self.error(what, &error))?;
        let mut candidates: Vec<Candidate> = rows
            .iter()
            .map(|row| Candidate {
                id: row.get(0),
                content_hash: row.get(1),
                title: row.get(2),
                published_at: row.get(3),
            })
            .collect();
        Ok(match candidates.len() {
            0 => Resolved::NotFound,
            1 => Resolved::Found(candidates[0].id),
            _ => {
                candidates.truncate(CANDIDATES);
                Resolved::Ambiguous(candidates)
            }
        })
    }

    /// The original bytes of article `id`'s first arrival, decoded.
    pub fn article_raw(&mut self, id: i64) -> Result<Option<RawCopy>, StoreError> {
        let row = self
            .client
            .query_opt(
                "SELECT r.format, r.origin, r.codec, r.bytes,
                        CASE WHEN r.codec = 'zstd-article'
                             THEN coalesce(r.dictionary,
                                           convert_to(coalesce(a.title, '') || chr(10) || a.body,
                                                      'UTF8'))
                        END
                   FROM article_raw AS r LEFT JOIN articles AS a ON a.id = r.article_id
                  WHERE r.article_id = $1",
                &[&id],
            )
            .map_err(|error| self.error("reading the raw copy", &error))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let codec: String = row.get(2);
        let dictionary: Option<Vec<u8>> = row.get(4);
        let bytes = raw_codec::decode(&codec, row.get(3), || dictionary).map_err(|source| {
            StoreError::RawCopy {
                article: id,
                source,
            }
        })?;
        Ok(Some(RawCopy {
            format: row.get(0),
            origin: row.get(1),
            bytes,
        }))
    }

    /// The `show` columns of article `id` (None when it is gone).
    pub fn show_row(&mut self, id: i64) -> Result<Option<ShownRow>, StoreError> {
        use super::query::row_values;
        let what = "reading an article";
        // `show.sql`'s PostgreSQL form, its `:id` numbered.
        let (sql, _) = super::query::number_parameters(super::canned::SHOW);
        let statement = self
            .client
            .prepare(&sql)
            .map_err(|error| self.error(what, &error))?;
        let columns = statement
            .columns()
            .iter()
            .map(|column| column.name().to_owned())
            .collect();
        let row = self
            .client
            .query_opt(&statement, &[&id])
            .map_err(|error| self.error(what, &error))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let values = row_values(&row).map_err(|error| StoreError::Server {
            context: format!("{}: {what}", self.shown),
            reason: error.to_string(),
        })?;
        Ok(Some((columns, values)))
    }

    /// The story of article `id` and its size (1 when it is alone).
    pub fn story_and_size(&mut self, id: i64) -> Result<(i64, i64), StoreError> {
        let row = self
            .client
            .query_one(
                "SELECT coalesce((SELECT story_id FROM article_story WHERE article_id = $1), $1)",
                &[&id],
            )
            .map_err(|error| self.error("reading an article's story", &error))?;
        let story: i64 = row.get(0);
        let size: Option<i64> = self
            .client
            .query_opt("SELECT size FROM stories WHERE id = $1", &[&story])
            .map_err(|error| self.error("reading a story", &error))?
            .map(|row| row.get(0));
        Ok((story, size.unwrap_or(1)))
    }

    /// Whether `name` names a source the way the canned filters match it.
    pub fn source_exists(&mut self, name: &str) -> Result<bool, StoreError> {
        let key = crate::normalize::keys::source_key(name);
        let row = self
            .client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM sources WHERE key = $1 OR lower(name) = lower($2))",
                &[&key, &name],
            )
            .map_err(|error| self.error("looking up a source", &error))?;
        Ok(row.get(0))
    }

    /// Whether `name` names an entity: its key, its name in any case, or an alias's key.
    pub fn entity_exists(&mut self, name: &str) -> Result<bool, StoreError> {
        let key = crate::entities::alias_key(name);
        let row = self
            .client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM entities WHERE key = $1 OR lower(name) = lower($2))
                     OR EXISTS (SELECT 1 FROM entity_aliases WHERE key = $1)",
                &[&key, &name],
            )
            .map_err(|error| self.error("looking up an entity", &error))?;
        Ok(row.get(0))
    }

    /// The source names nearest to `name`, best first.
    pub fn nearest_sources(&mut self, name: &str) -> Result<Vec<String>, StoreError> {
        let names = self.names("SELECT name FROM sources", "listing sources")?;
        Ok(crate::store::nearest(name, names))
    }

    /// The entity names nearest to `name`, best first.
    pub fn nearest_entities(&mut self, name: &str) -> Result<Vec<String>, StoreError> {
        let names = self.names("SELECT DISTINCT name FROM entities", "listing entities")?;
        Ok(crate::store::nearest(name, names))
    }

    fn names(&mut self, sql: &str, what: &str) -> Result<Vec<String>, StoreError> {
        let rows = self
            .client
            .query(sql, &[])
            .map_err(|error| self.error(what, &error))?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    /// The mentions in one field of article `id`, in text order.
    pub fn article_mentions(
        &mut self,
        id: i64,
        field: &str,
    ) -> Result<Vec<MentionSpan>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT m.start, m.\"end\", e.kind, e.name
                   FROM mentions AS m JOIN entities AS e ON e.id = m.entity_id
                  WHERE m.article_id = $1 AND m.field = $2
                  ORDER BY m.start, m.\"end\" DESC",
                &[&id, &field],
            )
            .map_err(|error| self.error("reading mentions", &error))?;
        Ok(rows
            .iter()
            .map(|row| MentionSpan {
                start: row.get::<_, i64>(0).max(0) as usize,
                end: row.get::<_, i64>(1).max(0) as usize,
                kind: row.get(2),
                entity: row.get(3),
            })
            .collect())
    }
}
