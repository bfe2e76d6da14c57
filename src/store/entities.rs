//! Entity corrections and re-extraction: the writes behind `newsdb entity merge | alias add |
//! rename | ignore` and `newsdb reextract`.
//!
//! Corrections are stored, not just applied: an ignored surface in `entity_ignores`, merges,
//! renames and added aliases as `entity_aliases` rows with origin `user`. [`Store::corrections`]
//! loads them for the extractor, so an import or a re-extraction after a gazetteer update
//! honours every correction made before.

use rayon::prelude::*;
use rusqlite::{OptionalExtension, params};

use super::{
    Context, EntitySummary, Result, Store, begin_cached_write, packed_mentions, resolve_mentions,
};
use crate::entities::{
    ArticleText, Corrections, EntityKind, Extractor, Mention, Method, alias_key, entity_key,
};

/// An entity as the correction commands show it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct EntityRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub key: String,
}

impl std::fmt::Display for EntityRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}, #{})", self.name, self.kind, self.id)
    }
}

/// What `reextract` did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReextractSummary {
    pub articles: u64,
    pub mentions_before: u64,
    pub mentions_after: u64,
    pub entities_removed: u64,
}

/// An article's readable fields, as stored, for re-extraction.
struct StoredText {
    id: i64,
    title: Option<String>,
    summary: Option<String>,
    body: String,
}

/// Articles re-extracted per write transaction.
pub(crate) const REEXTRACT_BATCH: i64 = 500;

impl Store {
    /// The stored corrections, for the extractor.
    pub fn corrections(&self) -> Result<Corrections> {
        let mut corrections = Corrections::default();
        let mut ignored = self
            .conn
            .prepare("SELECT key FROM entity_ignores")
            .context("reading ignored surfaces")?;
        for key in ignored
            .query_map([], |row| row.get::<_, String>(0))
            .context("reading ignored surfaces")?
        {
            corrections
                .ignored
                .insert(key.context("reading ignored surfaces")?);
        }
        let mut aliases = self
            .conn
            .prepare(
                "SELECT a.key, e.kind, e.name FROM entity_aliases a
                   JOIN entities e ON e.id = a.entity_id
                  WHERE a.origin = 'user'",
            )
            .context("reading user aliases")?;
        let rows = aliases
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .context("reading user aliases")?;
        for row in rows {
            let (key, kind, name) = row.context("reading user aliases")?;
            if let Some(kind) = EntityKind::from_name(&kind) {
                corrections.aliases.insert(key, (kind, name));
            }
        }
        Ok(corrections)
    }

    fn entity_row(&self, id: i64) -> Result<Option<EntityRow>> {
        self.conn
            .query_row(
                "SELECT id, kind, name, key FROM entities WHERE id = ?1",
                [id],
                |row| {
                    Ok(EntityRow {
                        id: row.get(0)?,
                        kind: row.get(1)?,
                        name: row.get(2)?,
                        key: row.get(3)?,
                    })
                },
            )
            .optional()
            .context("reading an entity")
    }

    /// Gives stored entities the identifiers of their source lists (`entities.external_id`)
    /// once per version of the gazetteers: entities stored before V12, or before a list gained
    /// identifiers. An id already there (set by a user or another tool) stays.
    pub(crate) fn fill_external_ids(&mut self) -> Result<()> {
        let what = "filling in entity identifiers";
        let done: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'external_ids_version'",
                [],
                |row| row.get(0),
            )
            .optional()
            .context(what)?;
        if done.as_deref() == Some(EXTERNAL_IDS_VERSION) {
            return Ok(());
        }
        let stored: bool = self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM entities)", [], |row| {
                row.get(0)
            })
            .context(what)?;
        let transaction = self.write_transaction()?;
        if stored {
            let mut fill = transaction
                .prepare_cached(
                    "UPDATE entities SET external_id = ?3
                      WHERE kind = ?1 AND key = ?2 AND external_id IS NULL",
                )
                .context(what)?;
            for (kind, key, id) in crate::entities::external_ids() {
                fill.execute(params![kind.name(), key, id]).context(what)?;
            }
        }
        transaction
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('external_ids_version', ?1)",
                [EXTERNAL_IDS_VERSION],
            )
            .context(what)?;
        transaction.commit().context(what)
    }

    /// Merges `absorbed` into `kept`: its mentions and aliases move over, its key becomes a user
    /// alias of `kept` (so later extractions name `kept`), and it is removed.
    pub fn merge_entities(&mut self, kept: &EntityRow, absorbed: &EntityRow) -> Result<()> {
        let transaction = self.write_transaction()?;
        // Where both are mentioned in one field their spans become one row: each article that
        // mentions `absorbed` gets its rows for both packed again, as `kept`'s.
        let articles: Vec<i64> = transaction
            .prepare("SELECT DISTINCT article_id FROM article_entities WHERE entity_id = ?1")
            .and_then(|mut statement| {
                statement
                    .query_map([absorbed.id], |row| row.get(0))?
                    .collect::<rusqlite::Result<_>>()
            })
            .context("moving mentions")?;
        for article_id in articles {
            // On a span both name, `kept`'s mention wins.
            let mut moved = packed_mentions::read(
                &transaction,
                "SELECT field, start, \"end\", entity_id, sentence, method, confidence
                   FROM mentions WHERE article_id = ?1 AND entity_id IN (?2, ?3)
                  ORDER BY field, start, \"end\", entity_id <> ?2",
                params![article_id, kept.id, absorbed.id],
            )?;
            for mention in &mut moved {
                mention.entity_id = kept.id;
            }
            transaction
                .prepare_cached(
                    "DELETE FROM article_entities WHERE article_id = ?1 AND entity_id IN (?2, ?3)",
                )
                .and_then(|mut statement| {
                    statement.execute(params![article_id, kept.id, absorbed.id])
                })
                .context("moving mentions")?;
            packed_mentions::insert(&transaction, article_id, &moved)?;
        }
        transaction
            .execute(
                "INSERT OR IGNORE INTO entity_aliases (entity_id, alias, key, origin)
                 SELECT ?1, alias, key, origin FROM entity_aliases WHERE entity_id = ?2",
                params![kept.id, absorbed.id],
            )
            .context("moving aliases")?;
        insert_user_alias(&transaction, kept.id, &absorbed.name, &absorbed.key)?;
        // `kept` keeps its identifier; one it lacks comes from `absorbed`.
        transaction
            .execute(
                "UPDATE entities
                    SET external_id = (SELECT external_id FROM entities WHERE id = ?2)
                  WHERE id = ?1 AND external_id IS NULL",
                params![kept.id, absorbed.id],
            )
            .context("keeping the merged entity's identifier")?;
        transaction
            .execute("DELETE FROM entities WHERE id = ?1", [absorbed.id])
            .context("removing the merged entity")?;
        transaction.commit().context("merging entities")?;
        self.forget_entity_caches();
        Ok(())
    }

    /// Adds a user alias: the extractor will find `alias` as a mention of `entity`.
    pub fn add_entity_alias(&mut self, entity: &EntityRow, alias: &str) -> Result<()> {
        let transaction = self.write_transaction()?;
        insert_user_alias(&transaction, entity.id, alias, &alias_key(alias))?;
        transaction.commit().context("adding an alias")?;
        self.forget_entity_caches();
        Ok(())
    }

    /// Renames an entity. Its key stays, so every mention keeps pointing at it; the new name is
    /// recorded as a user alias so extraction under the new name finds the same entity.
    pub fn rename_entity(&mut self, entity: &EntityRow, name: &str) -> Result<()> {
        let transaction = self.write_transaction()?;
        transaction
            .execute(
                "UPDATE entities SET name = ?2 WHERE id = ?1",
                params![entity.id, name],
            )
            .context("renaming an entity")?;
        insert_user_alias(&transaction, entity.id, name, &entity_key(name))?;
        transaction.commit().context("renaming an entity")?;
        self.forget_entity_caches();
        Ok(())
    }

    /// Never treat `surface` as an entity again; removes its stored mentions now, and entities
    /// left with no mention and no user alias. Returns the number of mentions removed.
    pub fn ignore_surface(&mut self, surface: &str) -> Result<u64> {
        let key = alias_key(surface);
        let transaction = self.write_transaction()?;
        transaction
            .execute(
                "INSERT OR REPLACE INTO entity_ignores (key, surface) VALUES (?1, ?2)",
                params![key, surface],
            )
            .context("recording an ignored surface")?;
        // The rows the `mentions` view's INSTEAD OF trigger removes are not counted as
        // changes, so they are counted first.
        let ignored = "SELECT m.article_id, m.field, m.start, m.\"end\"
                         FROM mentions m JOIN articles a ON a.id = m.article_id
                        WHERE m.method <> 'import'
                          AND name_key(substr(CASE m.field WHEN 'title' THEN a.title
                                                           WHEN 'summary' THEN a.summary
                                                           ELSE a.body END,
                                              m.start + 1, m.\"end\" - m.start)) = ?1";
        let removed: i64 = transaction
            .query_row(
                &format!("SELECT count(*) FROM ({ignored})"),
                [&key],
                |row| row.get(0),
            )
            .context("removing ignored mentions")?;
        transaction
            .execute(
                &format!(
                    "DELETE FROM mentions WHERE (article_id, field, start, \"end\") IN ({ignored})"
                ),
                [&key],
            )
            .context("removing ignored mentions")?;
        transaction
            .execute(
                "DELETE FROM entity_aliases WHERE key = ?1 AND origin = 'extracted'",
                [&key],
            )
            .context("removing ignored aliases")?;
        remove_orphan_entities(&transaction)?;
        transaction.commit().context("ignoring a surface")?;
        self.forget_entity_caches();
        Ok(removed.unsigned_abs())
    }

    /// Recomputes the extracted mentions of every article with the current extractor and the
    /// stored corrections. Imported mentions stay. Idempotent; a killed run is completed by
    /// running it again.
    pub fn reextract(
        &mut self,
        extractor: &Extractor,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ReextractSummary> {
        let corrections = self.corrections()?;
        let mut summary = ReextractSummary {
            mentions_before: self.count(COUNT_MENTIONS)?,
            ..ReextractSummary::default()
        };
        self.forget_entity_caches();
        let mut after_id = 0_i64;
        loop {
            let articles = self.article_texts_after(after_id, REEXTRACT_BATCH)?;
            let Some(last_id) = articles.last().map(|article| article.id) else {
                break;
            };
            let found: Vec<(i64, Vec<Mention>)> = articles
                .into_par_iter()
                .map(|article| {
                    let text = ArticleText {
                        title: article.title.as_deref(),
                        summary: article.summary.as_deref(),
                        body: &article.body,
                    };
                    (article.id, extractor.extract(text, &corrections))
                })
                .collect();
            self.replace_extracted_mentions(&found)?;
            summary.articles += found.len() as u64;
            after_id = last_id;
            progress(summary.articles);
        }
        let transaction = self.write_transaction()?;
        transaction
            .execute(REMOVE_STALE_ALIASES, [])
            .context("removing stale aliases")?;
        summary.entities_removed = remove_orphan_entities(&transaction)?;
        record_extractor_version(&transaction)?;
        transaction
            .commit()
            .context("finishing the re-extraction")?;
        self.forget_entity_caches();
        summary.mentions_after = self.count(COUNT_MENTIONS)?;
        Ok(summary)
    }

    fn article_texts_after(&self, after_id: i64, limit: i64) -> Result<Vec<StoredText>> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT id, title, summary, body FROM articles WHERE id > ?1 ORDER BY id LIMIT ?2",
            )
            .context("reading articles")?;
        let rows = statement
            .query_map(params![after_id, limit], |row| {
                Ok(StoredText {
                    id: row.get(0)?,
                    title: row.get(1)?,
                    summary: row.get(2)?,
                    body: row.get(3)?,
                })
            })
            .context("reading articles")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("reading articles")
    }

    fn replace_extracted_mentions(&mut self, found: &[(i64, Vec<Mention>)]) -> Result<()> {
        let Store { conn, caches, .. } = self;
        let transaction = begin_cached_write(conn, caches)?;
        let extracted = found
            .iter()
            .flat_map(|(_, mentions)| mentions)
            .filter(|mention| mention.method != Method::Import);
        let resolved = super::entity_ids::resolve_batch(&transaction, caches, extracted);
        let written = resolved.and_then(|()| {
            found.iter().try_for_each(|(article_id, mentions)| {
                // Imported mentions stay, ahead of the extracted ones so they keep their spans;
                // the article's rows are then rewritten whole.
                let mut rows = packed_mentions::read(
                    &transaction,
                    "SELECT field, start, \"end\", entity_id, sentence, method, confidence
                   FROM mentions WHERE article_id = ?1 AND method = 'import'",
                    [article_id],
                )?;
                transaction
                    .prepare_cached("DELETE FROM article_entities WHERE article_id = ?1")
                    .and_then(|mut statement| statement.execute([article_id]))
                    .context("removing old mentions")?;
                let extracted: Vec<Mention> = mentions
                    .iter()
                    .filter(|mention| mention.method != Method::Import)
                    .cloned()
                    .collect();
                resolve_mentions(&transaction, caches, &extracted, &mut rows)?;
                packed_mentions::insert(&transaction, *article_id, &rows)
            })
        });
        let committed = written.and_then(|()| transaction.commit().context("storing mentions"));
        if committed.is_ok() {
            caches.commit();
        } else {
            caches.rollback();
        }
        committed
    }

    fn count(&self, sql: &str) -> Result<u64> {
        self.conn
            .query_row(sql, [], |row| row.get::<_, i64>(0))
            .map(|count| count as u64)
            .context("counting rows")
    }

    fn forget_entity_caches(&mut self) {
        self.caches.forget_entities();
    }
}

/// Finds the entity a correction names, on either backend.
pub trait EntityLookup {
    /// The entities a user means by `name`, as `entity NAME` finds them.
    fn lookup_entities(
        &mut self,
        name: &str,
        kind: Option<EntityKind>,
    ) -> Result<Vec<EntitySummary>>;
    /// An entity by id.
    fn lookup_entity(&mut self, id: i64) -> Result<Option<EntityRow>>;

    /// The one entity `reference` names, for a correction: `#ID`, or a name or alias,
    /// optionally as `KIND:NAME`. Several matches are an error listing them: a correction must
    /// not guess.
    fn entity(&mut self, reference: &str) -> Result<EntityRow, String> {
        let ids: Vec<i64> = match reference.strip_prefix('#').and_then(|id| id.parse().ok()) {
            Some(id) => vec![id],
            None => {
                let (kind, name) = match reference.split_once(':') {
                    Some((kind, name)) if EntityKind::from_name(kind).is_some() => {
                        (EntityKind::from_name(kind), name)
                    }
                    _ => (None, reference),
                };
                self.lookup_entities(name, kind)
                    .map_err(|error| error.to_string())?
                    .into_iter()
                    .map(|entity| entity.id)
                    .collect()
            }
        };
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(entity) = self.lookup_entity(id).map_err(|error| error.to_string())? {
                found.push(entity);
            }
        }
        match found.len() {
            0 => Err(format!("no entity named `{reference}`")),
            1 => Ok(found.remove(0)),
            _ => {
                let candidates: Vec<String> = found.iter().map(ToString::to_string).collect();
                Err(format!(
                    "`{reference}` names {} entities: {} (use #ID or KIND:NAME)",
                    found.len(),
                    candidates.join(", ")
                ))
            }
        }
    }
}

impl EntityLookup for Store {
    fn lookup_entities(
        &mut self,
        name: &str,
        kind: Option<EntityKind>,
    ) -> Result<Vec<EntitySummary>> {
        self.find_entities(name, kind)
    }

    fn lookup_entity(&mut self, id: i64) -> Result<Option<EntityRow>> {
        self.entity_row(id)
    }
}

/// Records a correction as a user alias: `key` names `entity_id` from now on, for the extractor
/// (through [`Store::corrections`]) and for the store's entity lookup.
fn insert_user_alias(
    transaction: &rusqlite::Transaction<'_>,
    entity_id: i64,
    alias: &str,
    key: &str,
) -> Result<()> {
    transaction
        .execute(
            "INSERT OR REPLACE INTO entity_aliases (entity_id, alias, key, origin)
             VALUES (?1, ?2, ?3, 'user')",
            params![entity_id, alias, key],
        )
        .context("recording a user alias")
        .map(|_| ())
}

/// Notes in `meta` which extractor version produced the stored mentions.
pub(super) fn record_extractor_version(transaction: &rusqlite::Connection) -> Result<()> {
    transaction
        .prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES ('extractor_version', ?1)")
        .and_then(|mut statement| statement.execute([crate::entities::EXTRACTOR_VERSION]))
        .context("recording the extractor version")
        .map(|_| ())
}

use crate::entities::EXTERNAL_IDS_VERSION;

/// How many mentions are stored: the packed rows' counts.
pub(crate) const COUNT_MENTIONS: &str =
    "SELECT coalesce(sum(mention_count), 0) FROM article_entities";

/// Entities with no mention and no user alias go (the SQL of both backends).
pub(crate) const REMOVE_ORPHAN_ENTITIES: &str = "
    DELETE FROM entities WHERE
       NOT EXISTS (SELECT 1 FROM article_entities m WHERE m.entity_id = entities.id)
       AND NOT EXISTS (SELECT 1 FROM entity_aliases a
                        WHERE a.entity_id = entities.id AND a.origin = 'user')";

/// After a re-extraction, surfaces no extraction produces any more go, except what users and
/// imports said (the SQL of both backends).
pub(crate) const REMOVE_STALE_ALIASES: &str = "
    DELETE FROM entity_aliases WHERE origin = 'extracted'
       AND NOT EXISTS (SELECT 1 FROM article_entities m
                        WHERE m.entity_id = entity_aliases.entity_id)";

/// Removes entities with no mention and no user alias; returns how many.
fn remove_orphan_entities(transaction: &rusqlite::Transaction<'_>) -> Result<u64> {
    transaction
        .execute(REMOVE_ORPHAN_ENTITIES, [])
        .map(|removed| removed as u64)
        .context("removing entities without mentions")
}
