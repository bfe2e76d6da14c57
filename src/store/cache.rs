//! Ids the store has looked up by a unique key (sources, authors, entities, aliases), kept across
//! batches so that the thousandth article from the same outlet costs no query. What a batch adds
//! is forgotten again when the batch does not commit, since those rows no longer exist.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

use crate::entities::EntityKind;

/// Ids by key; `V` is the id, or the id with what the store knows of its row.
pub(super) struct IdCache<K, V = i64> {
    ids: HashMap<K, V>,
    /// Keys added since the last commit.
    uncommitted: Vec<K>,
}

impl<K, V> Default for IdCache<K, V> {
    fn default() -> IdCache<K, V> {
        IdCache {
            ids: HashMap::new(),
            uncommitted: Vec::new(),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Copy> IdCache<K, V> {
    pub(super) fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.ids.get(key).copied()
    }

    pub(super) fn insert(&mut self, key: K, value: V) {
        self.uncommitted.push(key.clone());
        self.ids.insert(key, value);
    }

    fn commit(&mut self) {
        self.uncommitted.clear();
    }

    fn rollback(&mut self) {
        for key in self.uncommitted.drain(..) {
            self.ids.remove(&key);
        }
    }

    fn clear(&mut self) {
        self.ids.clear();
        self.uncommitted.clear();
    }
}

/// Every cache of the store.
#[derive(Default)]
pub(super) struct Caches {
    /// `sources.key` -> id, and whether the row has a home URL and a domain (a source first
    /// seen without them learns them from a later article that has them).
    pub sources: IdCache<String, (i64, bool, bool)>,
    /// `authors.key` -> id.
    pub authors: IdCache<String>,
    /// (kind, `entities.key`) -> id.
    pub entities: IdCache<(EntityKind, String)>,
    /// (entity id, alias) pairs known to be in `entity_aliases` (the value is the entity id).
    pub aliases: IdCache<(i64, String)>,
    /// Stored sketches decoded by earlier batches (see `stories::place`).
    /// Boxed: the largest cache by far, and the store is moved by value.
    pub sketches: Box<super::stories::SketchCache>,
    /// Story key rows the held transaction writes when it commits (see `stories::place`).
    pub story_keys: super::stories::HeldKeyRows,
    /// `PRAGMA data_version` when the caches were last checked: it moves when another
    /// connection commits.
    data_version: Option<i64>,
}

impl Caches {
    /// The batch committed: what it added is real.
    pub(super) fn commit(&mut self) {
        self.sources.commit();
        self.authors.commit();
        self.entities.commit();
        self.aliases.commit();
    }

    /// The batch rolled back: forget what it added.
    pub(super) fn rollback(&mut self) {
        self.sources.rollback();
        self.authors.rollback();
        self.entities.rollback();
        self.aliases.rollback();
        self.sketches.clear();
        self.story_keys.forget();
    }

    /// Called at the start of each write transaction. If another connection committed since
    /// the last one, the rows the caches name may have been merged or deleted meanwhile (a
    /// `newsdb entity merge` while an import runs, a source deleted by another tool): forget
    /// them all rather than write ids that no longer exist.
    pub(super) fn check_data_version(&mut self, data_version: i64) {
        if self.data_version != Some(data_version) {
            self.sources.clear();
            self.authors.clear();
            self.forget_entities();
            self.sketches.clear();
            self.data_version = Some(data_version);
        }
    }

    /// Entity rows were merged, renamed or deleted: look them up afresh.
    pub(super) fn forget_entities(&mut self) {
        self.entities.clear();
        self.aliases.clear();
    }
}
