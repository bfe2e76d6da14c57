//! The writer's entity resolution for a whole batch at once: every entity and alias the batch's
//! mentions name that the id caches do not hold yet is looked up with one statement, the new
//! entities created with one more and the new aliases recorded with a third.
//!
//! Resolved one by one, a batch of new text cost a lookup, an insert and an alias insert per new
//! name (about 4,800 statements for the 1,799 real articles of `corpus/feeds`, an eighth of the
//! import's time). The rules are those of `resolve_entity` in the store, which then finds every
//! id in the caches: an entity is found by its (kind, key), else through a user alias of that
//! key (a merge or `entity alias add`), else created under the first name the batch gives it;
//! a surface is recorded once per entity with the origin of its first mention. Ids are given in
//! order of first appearance, as one by one.

use std::collections::HashSet;

use rusqlite::{Connection, params};

use super::cache::Caches;
use super::{Context, Result};
use crate::entities::imported::alias_text;
use crate::entities::{EntityKind, Mention, Method, alias_key};

/// Stored entities of the wanted (kind, key) pairs, by key or else by a user alias of the key.
const FIND: &str = "
    SELECT j.value ->> 0, j.value ->> 1,
           coalesce((SELECT e.id FROM entities e
                      WHERE e.kind = j.value ->> 0 AND e.key = j.value ->> 1),
                    (SELECT a.entity_id FROM entity_aliases a JOIN entities e ON e.id = a.entity_id
                      WHERE a.key = j.value ->> 1 AND a.origin = 'user' AND e.kind = j.value ->> 0
                      LIMIT 1))
      FROM json_each(?1) AS j";

/// New entities, `[kind, key, name, external id]` each, in order.
const CREATE: &str = "
    INSERT INTO entities (kind, name, key, external_id)
    SELECT j.value ->> 0, j.value ->> 2, j.value ->> 1, j.value ->> 3
      FROM json_each(?1) AS j
     ORDER BY j.key
    RETURNING id, kind, key";

/// New aliases, `[entity id, alias, key, origin]` each.
const ADD_ALIASES: &str = "
    INSERT OR IGNORE INTO entity_aliases (entity_id, alias, key, origin)
    SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3
      FROM json_each(?1) AS j
     ORDER BY j.key";

/// Fills `caches` with the ids of every entity the `mentions` name and records their surfaces
/// as aliases, creating what is missing.
pub(super) fn resolve_batch<'m>(
    tx: &Connection,
    caches: &mut Caches,
    mentions: impl Iterator<Item = &'m Mention> + Clone,
) -> Result<()> {
    let what = "looking up the batch's entities";
    let mut wanted: Vec<&Mention> = Vec::new();
    let mut seen = HashSet::new();
    for mention in mentions.clone() {
        let key = (mention.kind, mention.key.as_str());
        if caches.entities.get(&(key.0, key.1.to_owned())).is_none() && seen.insert(key) {
            wanted.push(mention);
        }
    }
    if !wanted.is_empty() {
        let pairs: Vec<[&str; 2]> = wanted
            .iter()
            .map(|m| [m.kind.name(), m.key.as_str()])
            .collect();
        let pairs = serde_json::to_string(&pairs).expect("strings serialise");
        let mut statement = tx.prepare_cached(FIND).context(what)?;
        let mut rows = statement.query([pairs]).context(what)?;
        let mut missing = HashSet::new();
        while let Some(row) = rows.next().context(what)? {
            let kind: String = row.get(0).context(what)?;
            let key: String = row.get(1).context(what)?;
            let Some(kind) = EntityKind::from_name(&kind) else {
                continue;
            };
            match row.get::<_, Option<i64>>(2).context(what)? {
                Some(id) => caches.entities.insert((kind, key), id),
                None => {
                    missing.insert((kind, key));
                }
            }
        }
        let created: Vec<(&str, &str, &str, Option<&str>)> = wanted
            .iter()
            .filter(|m| missing.contains(&(m.kind, m.key.clone())))
            .map(|m| {
                let external_id = crate::entities::external_id(m.kind, &m.key);
                (m.kind.name(), m.key.as_str(), m.name.as_str(), external_id)
            })
            .collect();
        if !created.is_empty() {
            let rows = serde_json::to_string(&created).expect("strings serialise");
            let mut statement = tx
                .prepare_cached(CREATE)
                .context("recording the batch's entities")?;
            let mut rows = statement
                .query([rows])
                .context("recording the batch's entities")?;
            while let Some(row) = rows.next().context("recording the batch's entities")? {
                let id: i64 = row.get(0).context(what)?;
                let kind: String = row.get(1).context(what)?;
                let key: String = row.get(2).context(what)?;
                if let Some(kind) = EntityKind::from_name(&kind) {
                    caches.entities.insert((kind, key), id);
                }
            }
        }
    }
    let mut aliases: Vec<(i64, &str, String, &str)> = Vec::new();
    let mut seen = HashSet::new();
    for mention in mentions {
        let Some(entity_id) = caches.entities.get(&(mention.kind, mention.key.clone())) else {
            continue;
        };
        let alias = alias_text(&mention.surface);
        let pair = (entity_id, alias.to_owned());
        if caches.aliases.get(&pair).is_some() || !seen.insert(pair) {
            continue;
        }
        let origin = if mention.method == Method::Import {
            "import"
        } else {
            "extracted"
        };
        aliases.push((entity_id, alias, alias_key(alias), origin));
    }
    if !aliases.is_empty() {
        let rows = serde_json::to_string(&aliases).expect("strings serialise");
        tx.prepare_cached(ADD_ALIASES)
            .and_then(|mut statement| statement.execute(params![rows]))
            .context("recording the batch's aliases")?;
        for (entity_id, alias, _, _) in aliases {
            caches
                .aliases
                .insert((entity_id, alias.to_owned()), entity_id);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::{Field, entity_key};
    use crate::store::Store;

    fn mention(kind: EntityKind, name: &str, surface: &str) -> Mention {
        Mention {
            field: Field::Body,
            start: 0,
            end: surface.chars().count(),
            sentence: 0,
            surface: surface.into(),
            kind,
            name: name.into(),
            key: entity_key(name),
            method: Method::Rule,
            confidence: 1.0,
        }
    }

    /// Stored entities are found by key or user alias, new ones created in order of first
    /// appearance, each surface recorded once, and the caches then hold every id.
    #[test]
    fn a_batch_is_resolved_like_one_mention_at_a_time() {
        let mut store = Store::open_in_memory().unwrap();
        store
            .conn
            .execute_batch(
                "INSERT INTO entities (id, kind, name, key) VALUES
                        (7, 'person', 'Kim Jong Un', 'kim jong un'),
                        (8, 'location', 'North Korea', 'north korea');
                 INSERT INTO entity_aliases (entity_id, alias, key, origin) VALUES
                        (8, 'DPRK', 'dprk', 'user');",
            )
            .unwrap();
        let mentions = [
            mention(EntityKind::Person, "Vladimir Putin", "Putin"),
            mention(EntityKind::Person, "Kim Jong Un", "Kim's"),
            mention(EntityKind::Location, "DPRK", "DPRK"),
            mention(EntityKind::Location, "Russia", "Russia"),
            mention(EntityKind::Person, "Vladimir Putin", "Vladimir Putin"),
            mention(EntityKind::Person, "Kim Jong Un", "Kim"),
            // The same name as another kind is another entity.
            mention(EntityKind::Organization, "Russia", "Russia"),
        ];
        let Store { conn, caches, .. } = &mut store;
        let tx = conn.transaction().unwrap();
        resolve_batch(&tx, caches, mentions.iter()).unwrap();
        let entities: Vec<(i64, String, String)> = tx
            .prepare("SELECT id, kind, name FROM entities ORDER BY id")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let names: Vec<(i64, &str)> = entities
            .iter()
            .map(|(id, _, n)| (*id, n.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                (7, "Kim Jong Un"),
                (8, "North Korea"),
                (9, "Vladimir Putin"),
                (10, "Russia"),
                (11, "Russia")
            ]
        );
        assert_eq!(entities[4].1, "organization");
        let aliases: Vec<String> = tx
            .prepare(
                "SELECT entity_id || ' ' || alias || ' ' || origin FROM entity_aliases ORDER BY 1",
            )
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            aliases,
            [
                "10 Russia extracted",
                "11 Russia extracted",
                "7 Kim extracted",
                "8 DPRK user",
                "9 Putin extracted",
                "9 Vladimir Putin extracted"
            ]
        );
        for m in &mentions {
            assert!(
                caches.entities.get(&(m.kind, m.key.clone())).is_some(),
                "{}",
                m.name
            );
        }
        assert_eq!(
            caches
                .entities
                .get(&(EntityKind::Location, "dprk".to_owned())),
            Some(8)
        );
    }
}
