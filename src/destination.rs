//! Where `export -o` and `backup` write: a safe output destination.
//!
//! Never the database itself or its `-wal`, `-shm` or `-journal` file, however the path is
//! spelled (a symlink, `..`, a hard link: compared by device and inode, and by resolved path for
//! files that do not exist yet). A FIFO or a character device (`/dev/stdout`, a pipe, a
//! terminal) is written into, not replaced. An existing regular file is replaced only when asked
//! (`--force`), through a symlink rather than over it; the new content is written to a hidden
//! file beside it (`.NAME.newsdb-PURPOSE-PID`) and renamed into place when complete.
//!
//! **Leftovers.** A killed run leaves its hidden file behind. Each file is locked (`flock`) by
//! the process writing it, and every run removes, in the folder it writes to, the hidden files
//! whose writer is gone: the lock is free and (where `/proc` tells) the process is not running.

use std::fs::File;
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// Where the output goes.
#[derive(Debug, PartialEq, Eq)]
pub enum Destination {
    /// Standard output (`-`, `/dev/stdout`, `/dev/fd/1`).
    Stdout,
    /// A FIFO or character device, written into as it is.
    Stream(PathBuf),
    /// A regular file (new, or replaced with `--force`), reached through any symlinks.
    File(PathBuf),
}

/// Why an output path is refused.
#[derive(Debug, thiserror::Error)]
pub enum DestinationError {
    #[error("{path}: is the database {database} (or one of its files); choose another file")]
    Database { path: PathBuf, database: PathBuf },
    #[error("{0}: already exists (use --force to replace it)")]
    Exists(PathBuf),
    #[error("{0}: is a folder")]
    Folder(PathBuf),
    #[error("{0}: is not a regular file, FIFO or character device")]
    Unsupported(PathBuf),
    #[error("{0}: is not a regular file (a backup is a database file)")]
    NotARegularFile(PathBuf),
    #[error("{0}: not a file name")]
    NoFileName(PathBuf),
}

impl Destination {
    /// Checks `path` as an output of the database at `database`; `force` allows replacing an
    /// existing regular file.
    pub fn check(
        path: &Path,
        database: &Path,
        force: bool,
    ) -> Result<Destination, DestinationError> {
        if is_stdout(path) {
            return Ok(Destination::Stdout);
        }
        if is_database(path, database) {
            return Err(DestinationError::Database {
                path: path.to_owned(),
                database: database.to_owned(),
            });
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => Err(DestinationError::Folder(path.to_owned())),
            Ok(meta) if meta.file_type().is_fifo() || meta.file_type().is_char_device() => {
                Ok(Destination::Stream(path.to_owned()))
            }
            Ok(meta) if !meta.is_file() => Err(DestinationError::Unsupported(path.to_owned())),
            Ok(_) if !force => Err(DestinationError::Exists(path.to_owned())),
            _ => {
                let target = follow_symlinks(path);
                if target.file_name().is_none() {
                    return Err(DestinationError::NoFileName(path.to_owned()));
                }
                Ok(Destination::File(target))
            }
        }
    }
}

fn is_stdout(path: &Path) -> bool {
    ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"]
        .iter()
        .any(|name| path == Path::new(name))
}

/// Whether `path` names the database or one of its side files, in any spelling.
fn is_database(path: &Path, database: &Path) -> bool {
    let resolved = resolve(path);
    let existing = std::fs::metadata(path).ok();
    ["", "-wal", "-shm", "-journal"].iter().any(|suffix| {
        let file = sidecar(database, suffix);
        let same_inode = match (&existing, std::fs::metadata(&file)) {
            (Some(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        };
        same_inode || resolved.is_some() && resolved == resolve(&file)
    })
}

/// The path with symlinks followed, even to a file that does not exist yet.
fn resolve(path: &Path) -> Option<PathBuf> {
    let target = follow_symlinks(path);
    if let Ok(canonical) = std::fs::canonicalize(&target) {
        return Some(canonical);
    }
    let name = target.file_name()?;
    let parent = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(name))
}

/// Follows the symlinks `path` itself is (not those of its folders), up to 40 of them.
fn follow_symlinks(path: &Path) -> PathBuf {
    let mut current = path.to_owned();
    for _ in 0..40 {
        let Ok(link) = std::fs::read_link(&current) else {
            break;
        };
        current = match current.parent() {
            Some(parent) if link.is_relative() => parent.join(link),
            _ => link,
        };
    }
    current
}

/// `path` with `suffix` appended to its name: `news.sqlite-wal`.
pub fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The hidden file a run writes before renaming it over its destination: locked while this
/// process lives, removed (with any SQLite side files) if dropped before [`Partial::persist`].
#[derive(Debug)]
pub struct Partial {
    path: PathBuf,
    file: Option<File>,
}

impl Partial {
    /// Creates `.NAME.newsdb-PURPOSE-PID` beside `target`, after removing the leftovers of
    /// killed runs in that folder.
    pub fn create(target: &Path, purpose: &str) -> io::Result<Partial> {
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::other("not a file name"))?;
        let folder = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        remove_leftovers(folder);
        let path = folder.join(format!(
            ".{}.newsdb-{purpose}-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        // A file with this process's id is a leftover of an earlier process that had it.
        remove_with_sidecars(&path);
        let file = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        file.lock()?;
        Ok(Partial {
            path,
            file: Some(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open, locked file.
    pub fn file(&mut self) -> &File {
        self.file.as_ref().expect("a partial file until persisted")
    }

    /// Moves the file over `target`, keeping the permissions of the file it replaces.
    pub fn persist(mut self, target: &Path) -> io::Result<()> {
        if let Ok(meta) = std::fs::metadata(target) {
            std::fs::set_permissions(&self.path, meta.permissions())?;
        }
        std::fs::rename(&self.path, target)?;
        self.file = None;
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            remove_with_sidecars(&self.path);
        }
    }
}

fn remove_with_sidecars(path: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let _ = std::fs::remove_file(sidecar(path, suffix));
    }
}

/// The process id in a name `.NAME.newsdb-(export|backup)-PID`.
fn leftover_pid(name: &str) -> Option<u32> {
    if !name.starts_with('.') {
        return None;
    }
    let (rest, pid) = name.rsplit_once('-')?;
    let is_ours = rest.ends_with(".newsdb-export") || rest.ends_with(".newsdb-backup");
    if !is_ours || pid.is_empty() || !pid.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Removes the hidden files of runs that were killed: see the module notes.
fn remove_leftovers(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let proc_tells = Path::new("/proc/self").exists();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = leftover_pid(&name.to_string_lossy()) else {
            continue;
        };
        if pid == std::process::id() || proc_tells && Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let path = entry.path();
        let unlocked = File::open(&path).is_ok_and(|file| file.try_lock().is_ok());
        if unlocked {
            remove_with_sidecars(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftover_names_carry_the_writer_s_process_id() {
        assert_eq!(leftover_pid(".news.jsonl.newsdb-export-4242"), Some(4242));
        assert_eq!(leftover_pid(".copy.sqlite.newsdb-backup-7"), Some(7));
        assert_eq!(leftover_pid(".copy.sqlite.newsdb-backup-7-journal"), None);
        assert_eq!(leftover_pid("news.jsonl.newsdb-export-4242"), None);
        assert_eq!(leftover_pid(".news.jsonl-4242"), None);
    }

    #[test]
    fn the_database_is_recognised_in_any_spelling() {
        let folder = tempfile::tempdir().unwrap();
        let database = folder.path().join("news.sqlite");
        std::fs::write(&database, b"db").unwrap();
        std::fs::create_dir(folder.path().join("sub")).unwrap();
        let link = folder.path().join("link.jsonl");
        std::os::unix::fs::symlink(&database, &link).unwrap();
        let hard = folder.path().join("hard.jsonl");
        std::fs::hard_link(&database, &hard).unwrap();
        let dangling_to_wal = folder.path().join("wal-link");
        std::os::unix::fs::symlink("news.sqlite-wal", &dangling_to_wal).unwrap();
        for spelling in [
            database.clone(),
            folder.path().join("sub/../news.sqlite"),
            folder.path().join("news.sqlite-wal"),
            link,
            hard,
            dangling_to_wal,
        ] {
            assert!(is_database(&spelling, &database), "{}", spelling.display());
        }
        assert!(!is_database(&folder.path().join("news.jsonl"), &database));
    }
}
