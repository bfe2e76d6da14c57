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
//! **Computed once.** Requests that miss the same entry at the same generation while it is being
//! computed wait for that computation (at most [`WAIT_FOR_ANOTHER`]) instead of repeating it: after
//! each commit of an import, a popular page would otherwise be computed by every client asking
//! for it at once, each taking a core from the others.
//!
//! **Bounded.** At most [`CAPACITY`] entries; when full, the oldest half is dropped.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Entries kept at most.
pub const CAPACITY: usize = 1024;

/// How long a costly entry is used after the database changed.
pub const STALE_FOR: Duration = Duration::from_secs(30);

/// What counts as costly to compute.
pub const COSTLY: Duration = Duration::from_millis(250);

/// How long a request waits for another's computation of the same entry before computing it too.
pub const WAIT_FOR_ANOTHER: Duration = Duration::from_secs(10);

struct Entry<T> {
    value: T,
    generation: u64,
    made: Instant,
    cost: Duration,
}

/// A cache of `T` by key (an id by default).
pub struct PageCache<T, K = i64> {
    state: Mutex<State<T, K>>,
    /// Signalled whenever a computation ends.
    computed: Condvar,
}

struct State<T, K> {
    entries: HashMap<K, Entry<T>>,
    /// Entries being computed, with the generation they are computed at.
    computing: HashMap<K, u64>,
}

impl<T: Clone, K> Default for PageCache<T, K> {
    fn default() -> Self {
        PageCache {
            state: Mutex::new(State {
                entries: HashMap::new(),
                computing: HashMap::new(),
            }),
            computed: Condvar::new(),
        }
    }
}

impl<T: Clone, K: Eq + Hash + Clone> State<T, K> {
    fn get(&self, id: &K, generation: u64) -> Option<T> {
        let entry = self.entries.get(id)?;
        let stale_ok = entry.cost >= COSTLY && entry.made.elapsed() < STALE_FOR;
        (entry.generation == generation || stale_ok).then(|| entry.value.clone())
    }
}

/// Ends a computation on drop, kept or not (an error or a panic in `compute` included), and
/// wakes the requests waiting for it.
struct Computing<'a, T: Clone, K: Eq + Hash + Clone> {
    cache: &'a PageCache<T, K>,
    id: K,
    generation: u64,
}

impl<T: Clone, K: Eq + Hash + Clone> Drop for Computing<'_, T, K> {
    fn drop(&mut self) {
        let mut state = self.cache.lock();
        if state.computing.get(&self.id) == Some(&self.generation) {
            state.computing.remove(&self.id);
        }
        drop(state);
        self.cache.computed.notify_all();
    }
}

impl<T: Clone, K: Eq + Hash + Clone> PageCache<T, K> {
    fn lock(&self) -> MutexGuard<'_, State<T, K>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The value for `id` if it is still good at `generation`.
    #[cfg(test)]
    fn get(&self, id: &K, generation: u64) -> Option<T> {
        self.lock().get(id, generation)
    }

    /// Keeps `value` for `id`, computed at `generation` in `cost`.
    pub fn put(&self, id: K, generation: u64, value: T, cost: Duration) {
        let mut state = self.lock();
        let entries = &mut state.entries;
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

    /// The value for `id`: cached, or computed by `compute` and kept when it succeeds. While
    /// another request computes it at the same generation, waits for that one instead.
    pub fn get_or_compute<E>(
        &self,
        id: K,
        generation: u64,
        compute: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        let waited_from = Instant::now();
        let mut state = self.lock();
        loop {
            if let Some(value) = state.get(&id, generation) {
                return Ok(value);
            }
            let waited = waited_from.elapsed();
            if state.computing.get(&id) != Some(&generation) || waited >= WAIT_FOR_ANOTHER {
                break;
            }
            state = self
                .computed
                .wait_timeout(state, WAIT_FOR_ANOTHER - waited)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        state.computing.insert(id.clone(), generation);
        drop(state);
        let _computing = Computing {
            cache: self,
            id: id.clone(),
            generation,
        };
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
    fn requests_meeting_one_computation_wait_for_it_and_a_failure_lets_the_next_compute() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let cache = PageCache::<i64>::default();
        let computed = AtomicUsize::new(0);
        let slow = || {
            computed.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(200));
            Ok::<_, ()>(42)
        };
        std::thread::scope(|scope| {
            let answers: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| cache.get_or_compute(1, 1, slow)))
                .collect();
            for answer in answers {
                assert_eq!(answer.join().unwrap(), Ok(42));
            }
        });
        assert_eq!(computed.load(Ordering::SeqCst), 1);

        // Another generation is computed anew; a failed computation is not waited for again.
        let failed = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            let first = scope.spawn(|| {
                cache.get_or_compute(1, 2, || {
                    failed.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(100));
                    Err("the query failed")
                })
            });
            std::thread::sleep(Duration::from_millis(20));
            let second = cache.get_or_compute(1, 2, || Ok::<_, &str>(43));
            assert_eq!(first.join().unwrap(), Err("the query failed"));
            assert_eq!(second, Ok(43));
        });
        assert_eq!(failed.load(Ordering::SeqCst), 1);
        assert!(cache.lock().computing.is_empty());
    }

    #[test]
    fn an_old_entry_of_an_old_generation_is_not_served() {
        let cache = PageCache::<i64>::default();
        cache.lock().entries.insert(
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
        assert!(cache.lock().entries.len() <= CAPACITY);
        assert_eq!(
            cache.get(&(CAPACITY as i64 * 3 - 1), 1),
            Some(CAPACITY as i64 * 3 - 1)
        );
    }
}
