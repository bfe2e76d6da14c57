//! A small pool of read-only stores for the pages, used from tokio's blocking threads.
//!
//! A semaphore bounds how many queries run at once (one per connection); idle stores are kept
//! for the next request, so each keeps its prepared statements. A store whose job panicked is
//! dropped, and a new one opened in its place when needed.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

use super::store::WebStore;
use crate::backend::DatabaseLocation;
use crate::store::{OpenOptions, SharedWordCounts, StoreError};

/// An open read-only store and what was learnt about its database once.
pub struct Reader {
    pub store: WebStore,
    /// Whether the database has stories (the `article_stories` view), checked at open.
    pub has_stories: bool,
    /// The pool's generation when this job started: it moves whenever a connection sees the
    /// database changed (see [`super::cache`]).
    generation: Cell<u64>,
    /// The store's data version (`PRAGMA data_version`, the server's log position) when this
    /// connection last looked.
    data_version: Cell<Option<i64>>,
}

impl Reader {
    fn new(store: WebStore) -> Result<Reader, StoreError> {
        let has_stories = store.has_stories()?;
        Ok(Reader {
            store,
            has_stories,
            generation: Cell::new(0),
            data_version: Cell::new(None),
        })
    }

    /// The generation of the data this job reads, for cached page data.
    pub fn generation(&self) -> u64 {
        self.generation.get()
    }
}

/// Read-only stores shared by the request handlers.
pub struct ReadPool {
    location: DatabaseLocation,
    options: OpenOptions,
    idle: Mutex<Vec<Reader>>,
    permits: Arc<Semaphore>,
    /// Moves when any connection sees the database changed.
    generation: AtomicU64,
    /// Word counts the connections' search ranking shares.
    word_counts: Arc<SharedWordCounts>,
}

/// Why a job on the pool did not give its answer.
#[derive(Debug)]
pub enum PoolError {
    Store(StoreError),
    /// The job panicked or the runtime is shutting down.
    Aborted,
}

impl ReadPool {
    /// A pool of at most `size` stores, starting with `first`.
    pub fn new(
        location: DatabaseLocation,
        options: OpenOptions,
        size: usize,
        first: WebStore,
    ) -> ReadPool {
        let word_counts = Arc::default();
        first.share_word_counts(&word_counts);
        let idle = Reader::new(first)
            .map(|reader| vec![reader])
            .unwrap_or_default();
        ReadPool {
            location,
            options,
            idle: Mutex::new(idle),
            permits: Arc::new(Semaphore::new(size)),
            generation: AtomicU64::new(0),
            word_counts,
        }
    }

    /// Runs `job` with a read-only store on a blocking thread.
    pub async fn read<T, F>(self: &Arc<Self>, job: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce(&Reader) -> T + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| PoolError::Aborted)?;
        let pool = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let reader = pool.take().map_err(PoolError::Store)?;
            pool.observe_changes(&reader);
            let answer = job(&reader);
            pool.give_back(reader);
            drop(permit);
            Ok(answer)
        })
        .await
        .map_err(|_| PoolError::Aborted)?
    }

    fn take(&self) -> Result<Reader, StoreError> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match idle {
            Some(reader) => Ok(reader),
            None => {
                let store = WebStore::open(&self.location, &self.options)?;
                store.share_word_counts(&self.word_counts);
                Reader::new(store)
            }
        }
    }

    /// Moves the generation when `reader`'s connection sees a commit it had not seen (a new
    /// connection counts as one: it may have opened after a change), and stamps the job.
    fn observe_changes(&self, reader: &Reader) {
        let now = reader.store.data_version().ok();
        if now.is_none() || now != reader.data_version.get() {
            self.generation.fetch_add(1, Ordering::SeqCst);
            reader.data_version.set(now);
        }
        reader
            .generation
            .set(self.generation.load(Ordering::SeqCst));
    }

    fn give_back(&self, reader: Reader) {
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(reader);
    }
}
