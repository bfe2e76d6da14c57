//! Page data that is costly to compute, kept in memory and shared by the pool's connections.
//!
//! Some pages cost more than a lookup: an entity's aliases read the surface of each mention in
//! its latest articles, and a search ranks every match of its terms (bm25 over a third of the
//! store for a very common word). Under load the same entities and searches are asked for again
//! and again (pagination, the back button, a popular query), so their data is kept until the
//! database changes: entities by id, searches by their whole form.
//!
//! **When the database changes.** Each connection reads `PRAGMA data_version`, which moves when
//! another connection commits; the pool bumps a shared generation whenever one of its
//! connections sees it move ([`super::pool::ReadPool`]). An entry is used while its generation
//! is current. An entry that took more than [`COSTLY`] to compute is also used for [`STALE_FOR`]
//! after it was made: while an import commits every few seconds, the page of a very frequent
//! entity is recomputed at most that often instead of on every request, and may lag the import
//! by that much. Cheap pages always show the latest commit.
//!
//! **Bounded.** At most [`CAPACITY`] entries; when full, the oldest half is dropped.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries kept at most.
pub const CAPACITY: usize = 1024;

/// How long a costly entry is used after the database changed.
pub const STALE_FOR: Duration = Duration::from_secs(30);

/// What counts as costly to compute.
pub const COSTLY: Duration = Duration::from_millis(250);

struct Entry<T> {
    value: T,
    generation: u64,
    made: Instant,
    cost: Duration,
}

/// A cache of `T` by key (an id by default).
pub struct PageCache<T, K = i64> {
    entries: Mutex<HashMap<K, Entry<T>>>,
}

impl<T: Clone, K> Default for PageCache<T, K> {
    fn default() -> Self {
        PageCache {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Clone, K: Eq + Hash + Clone> PageCache<T, K> {
    /// The value for `id` if it is still good at `generation`.
    pub fn get(&self, id: &K, generation: u64) -> Option<T> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get(id)?;
        let stale_ok = entry.cost >= COSTLY && entry.made.elapsed() < STALE_FOR;
        (entry.generation == generation || stale_ok).then(|| entry.value.clone())
    }

    /// Keeps `value` for `id`, computed at `generation` in `cost`.
    pub fn put(&self, id: K, generation: u64, value: T, cost: Duration) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY && !entries.contains_key(&id) {
            let mut ages: Vec<Instant> = entries.values().map(|entry| entry.made).collect();
            ages.sort();
            let cut = ages[ages.len() / 2];
            entries.retain(|_, entry| entry.made > cut);
        }
        entries.insert(
            id,
            Entry {
                value,
                generation,
                made: Instant::now(),
                cost,
            },
        );
    }

    /// The value for `id`: cached, or computed by `compute` and kept when it succeeds.
    pub fn get_or_compute<E>(
        &self,
        id: K,
        generation: u64,
        compute: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        if let Some(value) = self.get(&id, generation) {
            return Ok(value);
        }
        let started = Instant::now();
        let value = compute()?;
        self.put(id, generation, value.clone(), started.elapsed());
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_serves_its_generation_and_is_computed_once() {
        let cache = PageCache::<String>::default();
        let mut computed = 0;
        for _ in 0..3 {
            let value = cache
                .get_or_compute(7, 1, || {
                    computed += 1;
                    Ok::<_, ()>("seven".to_owned())
                })
                .unwrap();
            assert_eq!(value, "seven");
        }
        assert_eq!(computed, 1);
        assert_eq!(cache.get(&8, 1), None);
        // A cheap entry does not outlive a change.
        assert_eq!(cache.get(&7, 2), None);
        // A costly one does, for STALE_FOR.
        cache.put(9, 1, "nine".into(), COSTLY);
        assert_eq!(cache.get(&9, 2).as_deref(), Some("nine"));
    }

    #[test]
    fn an_old_entry_of_an_old_generation_is_not_served() {
        let cache = PageCache::<i64>::default();
        cache.entries.lock().unwrap().insert(
            1,
            Entry {
                value: 10,
                generation: 1,
                made: Instant::now() - STALE_FOR - Duration::from_secs(1),
                cost: COSTLY,
            },
        );
        assert_eq!(cache.get(&1, 1), Some(10), "unchanged database: still good");
        assert_eq!(cache.get(&1, 2), None, "changed since, and old");
    }

    #[test]
    fn failures_are_not_kept_and_the_size_is_bounded() {
        let cache = PageCache::<i64>::default();
        assert!(cache.get_or_compute(1, 1, || Err::<i64, _>("no")).is_err());
        assert_eq!(cache.get(&1, 1), None);
        for id in 0..(CAPACITY as i64 * 3) {
            cache.put(id, 1, id, Duration::ZERO);
        }
        assert!(cache.entries.lock().unwrap().len() <= CAPACITY);
        assert_eq!(
            cache.get(&(CAPACITY as i64 * 3 - 1), 1),
            Some(CAPACITY as i64 * 3 - 1)
        );
    }
}
