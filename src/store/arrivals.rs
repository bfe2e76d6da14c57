//! What an arrival of a known article does: it is counted on its sighting, and it fills the
//! fields the stored article lacks.
//!
//! **Sightings.** A sighting is a place an article arrives from: one row per (article, origin,
//! title as seen), the unique key `sightings_place`. Seeing it again there updates the row
//! (`last_seen_at`, `times_seen`, and `locator`, where it was last seen) with one
//! `INSERT ... ON CONFLICT DO UPDATE`. The locator is not in the key on purpose: a feed item moves
//! down its feed as new items arrive, and every poll would otherwise add a row for each item the
//! feed still carries. The title is: a new headline at the same place is worth keeping.
//!
//! **Gaps.** A later copy gives the stored article each field it lacks and has ([`Field`]), and
//! never overwrites one it has; the sighting records what the copy gave in `filled`. Phase one
//! of a batch decides, in input order, and writes the columns (into the staged row of an article
//! new in this batch, which is not indexed yet, else into `articles`, whose triggers keep the
//! full-text index right); phase two writes the links (publisher, authors, credits). What a batch
//! has filled is remembered in `PlacedInBatch::gaps`, since `articles` lags behind within it.

use rusqlite::params;
use rusqlite::types::Value;

use super::{BatchWriter, Context, Result};
use crate::normalize::Article;
use crate::normalize::url::without_credentials;

/// A field a later copy may give an article that lacks it, in the order `filled` lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Summary,
    Url,
    Language,
    PublishedAt,
    PublishedRaw,
    Publisher,
    Authors,
    Credits,
}

impl Field {
    pub(crate) const ALL: [Field; 8] = [
        Field::Summary,
        Field::Url,
        Field::Language,
        Field::PublishedAt,
        Field::PublishedRaw,
        Field::Publisher,
        Field::Authors,
        Field::Credits,
    ];

    /// The name in `sightings.filled`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Field::Summary => "summary",
            Field::Url => "url",
            Field::Language => "language",
            Field::PublishedAt => "published_at",
            Field::PublishedRaw => "published_raw",
            Field::Publisher => "publisher",
            Field::Authors => "authors",
            Field::Credits => "credits",
        }
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }

    fn offered_by(self, article: &Article) -> bool {
        match self {
            Field::Summary => article.summary.is_some(),
            Field::Url => article.url.is_some(),
            Field::Language => article.language.is_some(),
            Field::PublishedAt => article.published_at.is_some(),
            Field::PublishedRaw => article.published_raw.is_some(),
            Field::Publisher => article.publisher.is_some(),
            Field::Authors => !article.authors.is_empty(),
            Field::Credits => !article.credits.is_empty(),
        }
    }
}

/// A set of [`Field`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fields(u16);

impl Fields {
    /// The fields `article` has.
    pub(crate) fn offered_by(article: &Article) -> Fields {
        Fields::from_iter(Field::ALL.into_iter().filter(|f| f.offered_by(article)))
    }

    /// The fields `article` lacks.
    pub(crate) fn missing_from(article: &Article) -> Fields {
        Fields::from_iter(Field::ALL.into_iter().filter(|f| !f.offered_by(article)))
    }

    pub(crate) fn contains(self, field: Field) -> bool {
        self.0 & field.bit() != 0
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub(crate) fn and(self, other: Fields) -> Fields {
        Fields(self.0 & other.0)
    }

    pub(crate) fn without(self, other: Fields) -> Fields {
        Fields(self.0 & !other.0)
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = Field> {
        Field::ALL.into_iter().filter(move |f| self.contains(*f))
    }

    /// `sightings.filled`: the names, comma-separated; None when empty.
    pub(crate) fn names(self) -> Option<String> {
        (!self.is_empty()).then(|| self.iter().map(Field::name).collect::<Vec<_>>().join(","))
    }
}

impl FromIterator<Field> for Fields {
    fn from_iter<I: IntoIterator<Item = Field>>(fields: I) -> Fields {
        Fields(fields.into_iter().fold(0, |bits, f| bits | f.bit()))
    }
}

/// The lookup of a stored article by content, with what it lacks. The author and credit checks
/// run only when the copy has some to give (`?2`, `?3`), so a plain re-import pays for neither.
pub(crate) const STORED_ARTICLE_SQL: &str = "
    SELECT id, summary IS NULL, url IS NULL, language IS NULL, published_at IS NULL,
           published_raw IS NULL, source_id IS NULL,
           CASE WHEN ?2 THEN NOT EXISTS (SELECT 1 FROM article_authors
                                          WHERE article_id = articles.id) ELSE 0 END,
           CASE WHEN ?3 THEN NOT EXISTS (SELECT 1 FROM article_sources
                                          WHERE article_id = articles.id AND role = 'credit')
                ELSE 0 END
      FROM articles WHERE content_hash = ?1";

/// The gaps `STORED_ARTICLE_SQL` found, from its columns 1 to 8.
pub(crate) fn stored_gaps(row: &rusqlite::Row<'_>) -> rusqlite::Result<Fields> {
    let mut gaps = Fields::default();
    for (column, field) in (1..).zip(Field::ALL) {
        if row.get::<_, bool>(column)? {
            gaps.0 |= field.bit();
        }
    }
    Ok(gaps)
}

impl BatchWriter<'_> {
    /// Phase one for a duplicate: gives the article `article_id` the fields it lacks (`stored`,
    /// as `articles` says) and `article` has, writes the columns among them, and returns them.
    pub(crate) fn fill_gaps(
        &mut self,
        article_id: i64,
        stored: Fields,
        article: &Article,
    ) -> Result<Fields> {
        let gaps = self.placed.gaps.get(&article_id).copied().unwrap_or(stored);
        let filled = gaps.and(Fields::offered_by(article));
        if filled.is_empty() {
            return Ok(filled);
        }
        self.placed.gaps.insert(article_id, gaps.without(filled));
        let mut columns: Vec<&str> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        for field in filled.iter() {
            let (column, value) = match field {
                Field::Summary => ("summary", article.summary.clone()),
                Field::Url => ("url", article.url.clone()),
                Field::Language => ("language", article.language.clone()),
                Field::PublishedAt => ("published_at", article.published_at.clone()),
                Field::PublishedRaw => ("published_raw", article.published_raw.clone()),
                Field::Publisher => {
                    let publisher = article.publisher.as_ref().expect("offered");
                    columns.push("source_id");
                    values.push(Value::Integer(self.source_id(publisher)?));
                    continue;
                }
                Field::Authors | Field::Credits => continue,
            };
            columns.push(column);
            values.push(value.map_or(Value::Null, Value::Text));
        }
        if columns.is_empty() {
            return Ok(filled);
        }
        // An article new in this batch is still a staged row: `articles` has no row to update
        // yet, and its full-text entry is written from the stored row at the end of the batch.
        let staged = self
            .first_new_article
            .is_some_and(|first| article_id >= first);
        let table = if staged {
            "temp.staged_articles"
        } else {
            self.index_before_updating(article_id)?;
            "articles"
        };
        let assignments: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, column)| format!("{column} = ?{}", i + 2))
            .collect();
        values.insert(0, Value::Integer(article_id));
        // Not cached: fills are rare and their shapes many; the hot statements keep their places.
        self.tx
            .prepare(&format!(
                "UPDATE {table} SET {} WHERE id = ?1",
                assignments.join(", ")
            ))
            .and_then(|mut statement| statement.execute(rusqlite::params_from_iter(values)))
            .context("filling an article's missing fields")?;
        Ok(filled)
    }

    /// Phase two for a duplicate: the links among the fields phase one filled.
    pub(crate) fn link_filled(
        &mut self,
        article_id: i64,
        filled: Fields,
        article: &Article,
    ) -> Result<()> {
        if filled.contains(Field::Publisher) {
            let publisher = article.publisher.as_ref().expect("offered");
            let source_id = self.source_id(publisher)?;
            self.link_source(article_id, source_id, "publisher", 0)?;
        }
        if filled.contains(Field::Authors) {
            self.link_authors(article_id, article)?;
        }
        if filled.contains(Field::Credits) {
            self.link_credits(article_id, article)?;
        }
        Ok(())
    }

    /// Counts this arrival on its sighting, adding the row on the first arrival from this place.
    ///
    /// An article new in this batch has no sighting yet, so its row is a plain `INSERT`: the
    /// upsert may update a row instead, and SQLite keeps a statement journal for it (a copy of
    /// each of the three pages it touches, measured as half the pages a batch journaled).
    pub(crate) fn record_sighting(
        &self,
        article_id: i64,
        article: &Article,
        filled: Fields,
        new_article: bool,
    ) -> Result<()> {
        const INSERT: &str = "INSERT INTO sightings (article_id, import_id, feed_id, origin,
                                                     locator, title, first_seen_at, last_seen_at,
                                                     filled)
                              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)";
        const UPSERT: &str = "INSERT INTO sightings (article_id, import_id, feed_id, origin,
                                                     locator, title, first_seen_at, last_seen_at,
                                                     filled)
                              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)
                              ON CONFLICT (article_id, origin, coalesce(title, '')) DO UPDATE
                                 SET last_seen_at = excluded.last_seen_at,
                                     times_seen = times_seen + 1,
                                     locator = excluded.locator,
                                     feed_id = coalesce(feed_id, excluded.feed_id),
                                     filled = CASE WHEN filled IS NULL THEN excluded.filled
                                                   WHEN excluded.filled IS NULL THEN filled
                                                   ELSE filled || ',' || excluded.filled END";
        self.tx
            .prepare_cached(if new_article { INSERT } else { UPSERT })
            .and_then(|mut statement| {
                statement.execute(params![
                    article_id,
                    self.import,
                    self.options.feed_id,
                    without_credentials(&article.location.origin),
                    article.location.locator(),
                    article.title,
                    self.seen_at,
                    filled.names(),
                ])
            })
            .context("recording a sighting")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filled_names_follow_the_documented_order() {
        let fields: Fields = [Field::Credits, Field::PublishedAt, Field::Summary]
            .into_iter()
            .collect();
        assert_eq!(
            fields.names().as_deref(),
            Some("summary,published_at,credits")
        );
        assert_eq!(Fields::default().names(), None);
    }

    #[test]
    fn a_copy_fills_only_what_is_missing_and_it_has() {
        let gaps: Fields = [Field::PublishedAt, Field::Credits, Field::Url]
            .into_iter()
            .collect();
        let offered: Fields = [Field::PublishedAt, Field::Summary, Field::Url]
            .into_iter()
            .collect();
        let filled = gaps.and(offered);
        assert_eq!(filled.names().as_deref(), Some("url,published_at"));
        assert_eq!(gaps.without(filled).names().as_deref(), Some("credits"));
    }
}
