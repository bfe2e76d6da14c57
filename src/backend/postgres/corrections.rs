//! Entity corrections and re-extraction on PostgreSQL (`newsdb entity merge | alias add | rename
//! | ignore`, `newsdb reextract`): the writes of `store::entities` with the same meanings, made
//! safe next to running importers.
//!
//! Each correction is one transaction, tried again when it meets an importer (see
//! [`PgStore::write_retrying`]). Like the importer, it pauses the per-statement recount triggers
//! for its own transaction and recounts the totals of the entities it touched itself, after
//! locking their rows in id order (the order importers lock them in), so an importer's
//! increments are never lost between the two.

use std::collections::{BTreeSet, HashMap};

use postgres::Transaction;
use rayon::prelude::*;

use super::PgStore;
use super::import::{WriteError, insert_packed, write_mentions};
use crate::entities::{
    ArticleText, EntityKind, Extractor, Field, Mention, Method, alias_key, entity_key,
};
use crate::store::entities::{
    COUNT_MENTIONS, REEXTRACT_BATCH, REMOVE_ORPHAN_ENTITIES, REMOVE_STALE_ALIASES,
};
use crate::store::packed_mentions::{MentionRow, pack};
use crate::store::{EntityLookup, EntityRow, EntitySummary, ReextractSummary, StoreError};

/// The mentions view's columns as [`MentionRow`] reads them, then the article.
const MENTION_COLUMNS: &str =
    "m.field, m.start, m.\"end\", m.entity_id, m.sentence, m.method, m.confidence, m.article_id";

impl EntityLookup for PgStore {
    fn lookup_entities(
        &mut self,
        name: &str,
        kind: Option<EntityKind>,
    ) -> Result<Vec<EntitySummary>, StoreError> {
        self.find_entities(name, kind)
    }

    fn lookup_entity(&mut self, id: i64) -> Result<Option<EntityRow>, StoreError> {
        let row = self
            .client
            .query_opt(
                "SELECT id, kind, name, key FROM entities WHERE id = $1",
                &[&id],
            )
            .map_err(|error| self.error("reading an entity", &error))?;
        Ok(row.map(|row| EntityRow {
            id: row.get(0),
            kind: row.get(1),
            name: row.get(2),
            key: row.get(3),
        }))
    }
}

impl PgStore {
    /// Merges `absorbed` into `kept` (see `Store::merge_entities`).
    pub fn merge_entities(
        &mut self,
        kept: &EntityRow,
        absorbed: &EntityRow,
    ) -> Result<(), StoreError> {
        let (kept_id, absorbed_id) = (kept.id, absorbed.id);
        self.write_retrying("merging entities", true, |tx, _| {
            pause_totals(tx)?;
            // Both rows, in id order; an importer naming either waits for the merge.
            let locked = tx.query(
                "SELECT id FROM entities WHERE id IN ($1, $2) ORDER BY id FOR UPDATE",
                &[&kept_id, &absorbed_id],
            )?;
            if locked.len() != 2 {
                return Err(WriteError::Failed(
                    "the entity was removed meanwhile (by another correction?)".into(),
                ));
            }
            // Where both are mentioned in one field their spans become one row; on a span
            // both name, `kept`'s mention wins.
            let rows = tx.query(
                &format!(
                    "SELECT {MENTION_COLUMNS} FROM mentions m
                      WHERE m.entity_id IN ($1, $2)
                        AND m.article_id IN (SELECT article_id FROM article_entities
                                              WHERE entity_id = $2)
                      ORDER BY m.article_id, m.field, m.start, m.\"end\", m.entity_id <> $1"
                ),
                &[&kept_id, &absorbed_id],
            )?;
            let mut by_article: Vec<(i64, Vec<MentionRow>)> = Vec::new();
            for row in &rows {
                let (article, mut mention) = mention_row(row)?;
                mention.entity_id = kept_id;
                match by_article.last_mut() {
                    Some((last, mentions)) if *last == article => mentions.push(mention),
                    _ => by_article.push((article, vec![mention])),
                }
            }
            let articles: Vec<i64> = by_article.iter().map(|(id, _)| *id).collect();
            tx.execute(
                "DELETE FROM article_entities
                  WHERE article_id = ANY ($1) AND entity_id IN ($2, $3)",
                &[&articles, &kept_id, &absorbed_id],
            )?;
            let packed: Vec<_> = by_article
                .iter()
                .flat_map(|(id, mentions)| pack(mentions).into_iter().map(|row| (*id, row)))
                .collect();
            insert_packed(tx, &packed)?;
            tx.execute(
                "INSERT INTO entity_aliases (entity_id, alias, key, origin)
                 SELECT $1, alias, key, origin FROM entity_aliases WHERE entity_id = $2
                  ORDER BY alias
                 ON CONFLICT DO NOTHING",
                &[&kept_id, &absorbed_id],
            )?;
            insert_user_alias(tx, kept_id, &absorbed.name, &absorbed.key)?;
            // `kept` keeps its identifier; one it lacks comes from `absorbed`.
            tx.execute(
                "UPDATE entities
                    SET external_id = (SELECT external_id FROM entities WHERE id = $2)
                  WHERE id = $1 AND external_id IS NULL",
                &[&kept_id, &absorbed_id],
            )?;
            tx.execute("DELETE FROM entities WHERE id = $1", &[&absorbed_id])?;
            recount_totals(tx, &[kept_id])?;
            Ok(())
        })
    }

    /// Adds a user alias (see `Store::add_entity_alias`).
    pub fn add_entity_alias(&mut self, entity: &EntityRow, alias: &str) -> Result<(), StoreError> {
        self.write_retrying("adding an alias", true, |tx, _| {
            insert_user_alias(tx, entity.id, alias, &alias_key(alias))
        })
    }

    /// Renames an entity (see `Store::rename_entity`).
    pub fn rename_entity(&mut self, entity: &EntityRow, name: &str) -> Result<(), StoreError> {
        self.write_retrying("renaming an entity", true, |tx, _| {
            tx.execute(
                "UPDATE entities SET name = $2 WHERE id = $1",
                &[&entity.id, &name],
            )?;
            insert_user_alias(tx, entity.id, name, &entity_key(name))
        })
    }

    /// Never treat `surface` as an entity again (see `Store::ignore_surface`). Returns the
    /// number of mentions removed.
    ///
    /// The mentions to remove are looked for among the entities that have `surface` as an
    /// alias (every stored surface is recorded as one), and each is checked against the text
    /// it spans, as SQLite checks every mention: the same mentions go, without reading them
    /// all.
    pub fn ignore_surface(&mut self, surface: &str) -> Result<u64, StoreError> {
        let key = alias_key(surface);
        self.write_retrying("ignoring a surface", true, |tx, _| {
            pause_totals(tx)?;
            tx.execute(
                "INSERT INTO entity_ignores (key, surface) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE
                    SET surface = excluded.surface, added_at = excluded.added_at",
                &[&key, &surface],
            )?;
            let candidates = tx.query(
                "SELECT m.article_id, m.field, m.start, m.\"end\", m.entity_id,
                        substr(CASE m.field WHEN 'title' THEN a.title
                                            WHEN 'summary' THEN a.summary
                                            ELSE a.body END,
                               (m.start + 1)::int, (m.\"end\" - m.start)::int)
                   FROM mentions m JOIN articles a ON a.id = m.article_id
                  WHERE m.method <> 'import'
                    AND m.entity_id IN (SELECT entity_id FROM entity_aliases WHERE key = $1
                                        UNION SELECT id FROM entities WHERE key = $1)",
                &[&key],
            )?;
            let ignored: Vec<&postgres::Row> = candidates
                .iter()
                .filter(|row| {
                    row.get::<_, Option<&str>>(5)
                        .is_some_and(|text| alias_key(text) == key)
                })
                .collect();
            let articles: Vec<i64> = ignored.iter().map(|row| row.get(0)).collect();
            let fields: Vec<&str> = ignored.iter().map(|row| row.get(1)).collect();
            let starts: Vec<i64> = ignored.iter().map(|row| row.get(2)).collect();
            let ends: Vec<i64> = ignored.iter().map(|row| row.get(3)).collect();
            let touched: BTreeSet<i64> = ignored.iter().map(|row| row.get(4)).collect();
            // The view's INSTEAD OF trigger takes each span out of its packed row.
            tx.execute(
                "DELETE FROM mentions
                  WHERE (article_id, field, start, \"end\") IN
                        (SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[],
                                              $4::bigint[]))",
                &[&articles, &fields, &starts, &ends],
            )?;
            tx.execute(
                "DELETE FROM entity_aliases WHERE key = $1 AND origin = 'extracted'",
                &[&key],
            )?;
            tx.execute(REMOVE_ORPHAN_ENTITIES, &[])?;
            recount_totals(tx, &touched.into_iter().collect::<Vec<_>>())?;
            Ok(ignored.len() as u64)
        })
    }

    /// Recomputes the extracted mentions of every article (see `Store::reextract`), a batch of
    /// articles per transaction. Imported mentions stay. Idempotent; a killed run is completed
    /// by running it again.
    pub fn reextract(
        &mut self,
        extractor: &Extractor,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ReextractSummary, StoreError> {
        let corrections = self.corrections()?;
        let mut summary = ReextractSummary {
            mentions_before: self.count_mentions()?,
            ..ReextractSummary::default()
        };
        let mut after_id = 0_i64;
        loop {
            let articles = self
                .client
                .query(
                    "SELECT id, title, summary, body FROM articles
                      WHERE id > $1 ORDER BY id LIMIT $2",
                    &[&after_id, &REEXTRACT_BATCH],
                )
                .map_err(|error| self.error("reading articles", &error))?;
            let Some(last) = articles.last() else {
                break;
            };
            after_id = last.get(0);
            let found: Vec<(i64, Vec<Mention>)> = articles
                .par_iter()
                .map(|row| {
                    let text = ArticleText {
                        title: row.get(1),
                        summary: row.get(2),
                        body: row.get(3),
                    };
                    let mut mentions = extractor.extract(text, &corrections);
                    mentions.retain(|mention| mention.method != Method::Import);
                    (row.get(0), mentions)
                })
                .collect();
            let extracted: Vec<(i64, &[Mention])> = found
                .iter()
                .map(|(id, mentions)| (*id, mentions.as_slice()))
                .collect();
            self.write_retrying("storing mentions", true, |tx, _| {
                replace_extracted_mentions(tx, &extracted)
            })?;
            summary.articles += found.len() as u64;
            progress(summary.articles);
        }
        summary.entities_removed =
            self.write_retrying("finishing the re-extraction", true, |tx, _| {
                tx.execute(REMOVE_STALE_ALIASES, &[])?;
                let removed = tx.execute(REMOVE_ORPHAN_ENTITIES, &[])?;
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('extractor_version', $1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    &[&crate::entities::EXTRACTOR_VERSION],
                )?;
                Ok(removed)
            })?;
        summary.mentions_after = self.count_mentions()?;
        Ok(summary)
    }

    fn count_mentions(&mut self) -> Result<u64, StoreError> {
        let count: i64 = self
            .client
            .query_one(&format!("SELECT ({COUNT_MENTIONS})::bigint"), &[])
            .map_err(|error| self.error("counting mentions", &error))?
            .get(0);
        Ok(count.unsigned_abs())
    }
}

/// One batch of a re-extraction: the articles' imported mentions kept, their other rows
/// replaced by `extracted`, the touched entities' totals counted again.
fn replace_extracted_mentions(
    tx: &mut Transaction<'_>,
    extracted: &[(i64, &[Mention])],
) -> Result<(), WriteError> {
    pause_totals(tx)?;
    let ids: Vec<i64> = extracted.iter().map(|(id, _)| *id).collect();
    let mut kept: HashMap<i64, Vec<MentionRow>> = HashMap::new();
    for row in tx.query(
        &format!(
            "SELECT {MENTION_COLUMNS} FROM mentions m
              WHERE m.article_id = ANY ($1) AND m.method = 'import'
              ORDER BY m.article_id, m.field, m.start, m.\"end\""
        ),
        &[&ids],
    )? {
        let (article, mention) = mention_row(&row)?;
        kept.entry(article).or_default().push(mention);
    }
    let touched_sql = "SELECT DISTINCT entity_id FROM article_entities WHERE article_id = ANY ($1)";
    let mut touched: BTreeSet<i64> = tx
        .query(touched_sql, &[&ids])?
        .iter()
        .map(|row| row.get(0))
        .collect();
    tx.execute(
        "DELETE FROM article_entities WHERE article_id = ANY ($1)",
        &[&ids],
    )?;
    write_mentions(tx, extracted, &kept)?;
    touched.extend(
        tx.query(touched_sql, &[&ids])?
            .iter()
            .map(|row| row.get::<_, i64>(0)),
    );
    recount_totals(tx, &touched.into_iter().collect::<Vec<_>>())?;
    Ok(())
}

/// A row of [`MENTION_COLUMNS`]: the article and its mention.
fn mention_row(row: &postgres::Row) -> Result<(i64, MentionRow), WriteError> {
    let field: &str = row.get(0);
    let method: &str = row.get(5);
    let (Some(field), Some(method)) = (Field::from_name(field), Method::from_name(method)) else {
        return Err(WriteError::Failed(format!(
            "a stored mention has an unknown field or method ({field}, {method})"
        )));
    };
    Ok((
        row.get(7),
        MentionRow {
            field,
            start: row.get(1),
            end: row.get(2),
            entity_id: row.get(3),
            sentence: row.get(4),
            method,
            confidence: row.get(6),
        },
    ))
}

/// Pauses the per-statement recount triggers for this transaction: the writer recounts what it
/// touched with [`recount_totals`].
fn pause_totals(tx: &mut Transaction<'_>) -> Result<(), postgres::Error> {
    tx.batch_execute("SET LOCAL newsdb.entity_totals = 'paused'")
}

/// Counts the totals of these entities again, after locking their rows in id order.
fn recount_totals(tx: &mut Transaction<'_>, entity_ids: &[i64]) -> Result<(), postgres::Error> {
    if entity_ids.is_empty() {
        return Ok(());
    }
    tx.execute(
        "SELECT id FROM entities WHERE id = ANY ($1) ORDER BY id FOR NO KEY UPDATE",
        &[&entity_ids],
    )?;
    tx.execute("SELECT entity_totals_refresh($1)", &[&entity_ids])?;
    Ok(())
}

/// Records a correction as a user alias: `key` names `entity_id` from now on.
fn insert_user_alias(
    tx: &mut Transaction<'_>,
    entity_id: i64,
    alias: &str,
    key: &str,
) -> Result<(), WriteError> {
    tx.execute(
        "INSERT INTO entity_aliases (entity_id, alias, key, origin) VALUES ($1, $2, $3, 'user')
         ON CONFLICT (entity_id, alias) DO UPDATE SET key = excluded.key, origin = 'user'",
        &[&entity_id, &alias, &key],
    )?;
    Ok(())
}
