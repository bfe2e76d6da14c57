//! WAL checkpoints on a thread of their own while the store writes batches.
//!
//! SQLite's automatic checkpoint runs inside the `COMMIT` that crosses the threshold, on the
//! writer's thread: it copies the new pages from the WAL into the database file and syncs both,
//! which measured about 12% of an import's writer time. A second connection can do the same work
//! with a PASSIVE checkpoint while the writer goes on with its next batch (WAL lets one
//! checkpointer run beside one writer), so the store turns its own automatic checkpoints off and
//! asks this thread for one after every fourth committed batch.
//!
//! The WAL only starts again from its beginning when a write transaction begins after a checkpoint
//! has copied every frame; a writer that begins its next batch at once never sees that moment, and
//! the WAL would grow by the whole import. So once the WAL is past [`WAL_RESTART_FRAMES`], the
//! writer waits for the checkpoint of its last commit (by then only that batch is left to copy)
//! before it begins the next one. The WAL file keeps its largest size until the last connection
//! closes and removes it.
//!
//! Nothing here changes what is durable: committed transactions are in the WAL either way, and
//! closing the last connection still checkpoints whatever is left.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

use rusqlite::{Connection, OpenFlags};

/// WAL frames (pages) past which the writer lets the checkpoint catch up so the WAL can restart:
/// 16,384 frames of 16 KB pages is 256 MB. Each wait includes the checkpoint's sync of the
/// database file, so waiting rarely pays: at 100,000 articles a limit of 4,096 frames made the
/// import 10% slower, while 32,768 gained only 2% more.
const WAL_RESTART_FRAMES: i64 = 16_384;

/// Commits between two checkpoint requests. A batch dirties the same pages as the batches before
/// it (the ends of the tables, the entity index's hot pages, random-key index pages it hits
/// again): a checkpoint after each copied every such page each time, one after every 4 copies it
/// once. Importing 20,000 articles into 200,000, this cut the bytes read and written through
/// system calls by 14% (5.9 -> 5.1 GB read, 5.6 -> 4.7 GB written). The WAL holds at most this
/// many batches more, and closing the store still checkpoints everything.
const CHECKPOINT_EVERY_COMMITS: u64 = 4;

/// Commits the writer may make beyond the last finished checkpoint before it waits for the
/// checkpoint thread: only a thread far behind makes the writer wait.
const MAX_CHECKPOINT_LAG: u64 = 4;

pub(super) struct BackgroundCheckpoints {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    /// [`WAL_RESTART_FRAMES`], but for tests.
    restart_frames: i64,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// Checkpoints asked for so far; each covers every commit made before it was asked for.
    requested: u64,
    /// The last request whose checkpoint has finished.
    finished: u64,
    /// Frames in the WAL at the end of the last checkpoint.
    wal_frames: i64,
    /// Commits reported so far.
    commits: u64,
    stop: bool,
}

impl BackgroundCheckpoints {
    /// Opens a connection of its own to the database at `path` and starts the thread.
    pub(super) fn start(path: &Path) -> std::io::Result<BackgroundCheckpoints> {
        BackgroundCheckpoints::start_restarting_at(path, WAL_RESTART_FRAMES)
    }

    fn start_restarting_at(
        path: &Path,
        restart_frames: i64,
    ) -> std::io::Result<BackgroundCheckpoints> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(std::io::Error::other)?;
        let shared = Arc::new(Shared::default());
        let thread = thread::Builder::new()
            .name("newsdb-checkpoint".into())
            .spawn({
                let shared = Arc::clone(&shared);
                move || shared.serve(&conn)
            })?;
        Ok(BackgroundCheckpoints {
            shared,
            thread: Some(thread),
            restart_frames,
        })
    }

    /// To be called after each commit: every [`CHECKPOINT_EVERY_COMMITS`] commits, asks for a
    /// checkpoint of everything committed so far, and when the WAL has grown long, waits for that
    /// checkpoint so the next transaction restarts it.
    pub(super) fn after_commit(&self) {
        let mut state = self.shared.lock();
        state.commits += 1;
        if !state.commits.is_multiple_of(CHECKPOINT_EVERY_COMMITS) {
            return;
        }
        state.requested += 1;
        let request = state.requested;
        self.shared.changed.notify_all();
        // A checkpointer that falls behind (a loaded machine) reports the WAL late; the writer
        // then waits for it to catch up, so the WAL stays bounded however late it runs.
        while request.saturating_sub(state.finished) > MAX_CHECKPOINT_LAG && !state.stop {
            state = self
                .shared
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if state.wal_frames >= self.restart_frames {
            while state.finished < request && !state.stop {
                state = self
                    .shared
                    .changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The thread's loop: one checkpoint per round of requests, until told to stop.
    fn serve(&self, conn: &Connection) {
        loop {
            let request = {
                let mut state = self.lock();
                while state.finished == state.requested && !state.stop {
                    state = self
                        .changed
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                if state.stop {
                    return;
                }
                state.requested
            };
            // PASSIVE never waits for the writer or for readers; what it cannot copy now, the
            // next round or the checkpoint at close copies, so a failure is only a delay.
            let wal_frames = conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
                    row.get::<_, i64>(1)
                })
                .unwrap_or(0);
            let mut state = self.lock();
            state.finished = request;
            state.wal_frames = wal_frames;
            self.changed.notify_all();
        }
    }
}

impl Drop for BackgroundCheckpoints {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.changed.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAL-mode database with automatic checkpoints off, as the store runs during an import.
    fn writer(path: &Path) -> Connection {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA wal_autocheckpoint = 0;
             CREATE TABLE t (x BLOB);",
        )
        .unwrap();
        conn
    }

    fn commit_a_page(conn: &Connection) {
        conn.execute("INSERT INTO t (x) VALUES (zeroblob(3000))", [])
            .unwrap();
    }

    fn wal_bytes(path: &Path) -> u64 {
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        std::fs::metadata(wal).map_or(0, |m| m.len())
    }

    #[test]
    fn commits_are_checkpointed_by_the_thread() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("db");
        let conn = writer(&path);
        let checkpoints = BackgroundCheckpoints::start(&path).unwrap();
        for _ in 0..20 {
            commit_a_page(&conn);
            checkpoints.after_commit();
        }
        drop(checkpoints); // waits for the thread, which serves every request first
        let (log, checkpointed): (i64, i64) = conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
                Ok((row.get(1)?, row.get(2)?))
            })
            .unwrap();
        assert_eq!(log, checkpointed);
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |row| row.get(0))
            .unwrap();
        assert_eq!(rows, 20);
    }

    #[test]
    fn the_wal_starts_over_once_it_is_long() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("db");
        let conn = writer(&path);
        let checkpoints = BackgroundCheckpoints::start_restarting_at(&path, 8).unwrap();
        let mut largest = 0;
        for _ in 0..300 {
            commit_a_page(&conn);
            checkpoints.after_commit();
            largest = largest.max(wal_bytes(&path));
        }
        // Without restarts the WAL would hold all 300 commits (over 1 MB of 4 KB frames).
        assert!(largest < 200 * 1024, "the WAL grew to {largest} bytes");
    }
}
