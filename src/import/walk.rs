//! The folder walk: which files `newsdb import FOLDER` reads. Each real file once (by device and
//! inode, so hard links, links to files already seen and link cycles such as `a -> .` cost one
//! visit); never out of the folder through a symbolic link unless `--follow-symlinks`; FIFOs,
//! sockets and devices skipped with a warning (reading one could block forever); the database's
//! own files skipped silently (`import .` beside `./newsdb.sqlite`); files that are not articles
//! by name, or not chosen by `--include`/`--exclude`, left out and counted (see `select`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::import::read::{cannot_read, io_reason};
use crate::import::select::{Choice, FileSelection};
use crate::item::{ImportError, Location, Parsed, Skipped};

/// How a path named on the command line is walked when it is a folder.
pub(crate) struct FolderWalk<'a> {
    /// Follow symbolic links that lead out of the folder.
    pub follow_symlinks: bool,
    /// The database being written: a walk through its folder must not import its files.
    pub database: &'a Path,
    /// `--include`/`--exclude`, and the name rules.
    pub selection: &'a FileSelection,
}

/// A file to read, and how it was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pick {
    /// Named on the command line, or matched by `--include`: always tried.
    Asked,
    /// Found in a folder: kept only if its content looks like articles.
    Found,
}

impl FolderWalk<'_> {
    /// The files to read for `path`: itself when it is not a folder (whatever it is: a FIFO named
    /// on the command line is read as a stream), or every regular file below it, sorted, each
    /// real file once (by device and inode, so link cycles end). Hidden entries and the
    /// database's own files are skipped silently; links out of the folder (unless followed),
    /// broken links, FIFOs, sockets and devices are skipped with a warning; files left out by
    /// the selection are reported as skipped.
    pub fn files(&self, path: &Path, emit: &mut dyn FnMut(Parsed)) -> Vec<(PathBuf, Pick)> {
        let at = || Location::new(path.display().to_string());
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                emit(cannot_read(at(), &error));
                return Vec::new();
            }
        };
        if !metadata.is_dir() {
            return vec![(path.to_owned(), Pick::Asked)];
        }
        let root = match std::fs::canonicalize(path) {
            Ok(root) => root,
            Err(error) => {
                emit(cannot_read(at(), &error));
                return Vec::new();
            }
        };
        let own = OwnFiles::of(self.database);
        let mut visited = Visited {
            seen: HashSet::from([FileId::of(path, &metadata)]),
            files: Vec::new(),
            folders: vec![path.to_owned()],
            top: path,
            selection: self.selection,
        };
        let mut links = Vec::new();
        // Real entries first, links after, so that a file reached both ways is read under its
        // own name, whatever order the folders list in.
        while !visited.folders.is_empty() || !links.is_empty() {
            while let Some(folder) = visited.folders.pop() {
                let entries = match std::fs::read_dir(&folder) {
                    Ok(entries) => entries,
                    Err(error) => {
                        emit(Parsed::Rejected(ImportError::new(
                            Location::new(folder.display().to_string()),
                            format!("cannot read folder: {}", io_reason(&error)),
                        )));
                        continue;
                    }
                };
                // Sorted, so that of two names for one file the same one is read every time.
                let mut entries: Vec<std::fs::DirEntry> = entries.flatten().collect();
                entries.sort_by_key(std::fs::DirEntry::file_name);
                for entry in entries {
                    if entry.file_name().to_string_lossy().starts_with('.') {
                        continue;
                    }
                    let entry_path = entry.path();
                    // DirEntry::metadata does not follow links.
                    match entry.metadata() {
                        Ok(metadata) if metadata.is_symlink() => links.push(entry_path),
                        Ok(metadata) => visited.visit(entry_path, &metadata, &own, emit),
                        Err(error) => emit(cannot_read(
                            Location::new(entry_path.display().to_string()),
                            &error,
                        )),
                    }
                }
            }
            links.sort();
            for link in std::mem::take(&mut links) {
                if let Some(metadata) = self.resolve(&link, &root, emit) {
                    visited.visit(link, &metadata, &own, emit);
                }
            }
        }
        visited.files.sort_by(|a, b| a.0.cmp(&b.0));
        visited.files
    }

    /// What `link` points to, if the walk may go there.
    fn resolve(
        &self,
        link: &Path,
        root: &Path,
        emit: &mut dyn FnMut(Parsed),
    ) -> Option<std::fs::Metadata> {
        let mut warn = |reason: String| {
            emit(Parsed::Warning(ImportError::new(
                Location::new(link.display().to_string()),
                reason,
            )))
        };
        let target = match std::fs::canonicalize(link) {
            Ok(target) => target,
            Err(error) => {
                warn(format!(
                    "skipped: symbolic link that cannot be followed ({})",
                    io_reason(&error)
                ));
                return None;
            }
        };
        if !self.follow_symlinks && !target.starts_with(root) {
            warn(format!(
                "skipped: symbolic link to {}, outside the folder (--follow-symlinks follows it)",
                target.display()
            ));
            return None;
        }
        match std::fs::metadata(&target) {
            Ok(metadata) => Some(metadata),
            Err(error) => {
                warn(format!(
                    "skipped: cannot read its target ({})",
                    io_reason(&error)
                ));
                None
            }
        }
    }
}

/// What a folder walk has found so far.
struct Visited<'a> {
    /// Every file and folder met, by identity.
    seen: HashSet<FileId>,
    files: Vec<(PathBuf, Pick)>,
    /// Folders still to list.
    folders: Vec<PathBuf>,
    /// The folder named on the command line, which the globs are relative to.
    top: &'a Path,
    selection: &'a FileSelection,
}

impl Visited<'_> {
    fn visit(
        &mut self,
        path: PathBuf,
        metadata: &std::fs::Metadata,
        own: &OwnFiles,
        emit: &mut dyn FnMut(Parsed),
    ) {
        // Met before: under another name, or a link cycle.
        if !self.seen.insert(FileId::of(&path, metadata)) {
            return;
        }
        let kind = metadata.file_type();
        if kind.is_dir() {
            self.folders.push(path);
        } else if kind.is_file() {
            if own.contains(&path, metadata) {
                return;
            }
            let relative = path.strip_prefix(self.top).unwrap_or(&path);
            match self.selection.choose(relative) {
                Choice::Included => self.files.push((path, Pick::Asked)),
                Choice::IfArticles => self.files.push((path, Pick::Found)),
                Choice::Skip(reason) => emit(Parsed::Skipped(Skipped {
                    location: Location::new(path.display().to_string()),
                    reason,
                })),
            }
        } else {
            // Reading a FIFO would block until someone writes to it; a device may never end.
            emit(Parsed::Warning(ImportError::new(
                Location::new(path.display().to_string()),
                format!("skipped: {}", special_file_kind(&kind)),
            )));
        }
    }
}

/// A file's identity: its device and inode, so that hard links, symbolic links and link cycles
/// all lead to one visit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct FileId(#[cfg(unix)] (u64, u64), #[cfg(not(unix))] PathBuf);

impl FileId {
    #[cfg(unix)]
    fn of(_path: &Path, metadata: &std::fs::Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId((metadata.dev(), metadata.ino()))
    }

    #[cfg(not(unix))]
    fn of(path: &Path, _metadata: &std::fs::Metadata) -> FileId {
        FileId(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()))
    }
}

#[cfg(unix)]
fn special_file_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO (named pipe), not a regular file"
    } else if kind.is_socket() {
        "a socket, not a regular file"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device, not a regular file"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn special_file_kind(_kind: &std::fs::FileType) -> &'static str {
    "not a regular file"
}

/// The database's files: `NAME` and its `NAME-wal`, `NAME-shm` and `NAME-journal` beside it
/// (`import .` next to `./newsdb.sqlite` must not read them as articles).
struct OwnFiles {
    ids: Vec<FileId>,
    /// The database's folder and the names of its side files, which may appear during the run.
    folder: Option<FileId>,
    side_names: Vec<std::ffi::OsString>,
}

impl OwnFiles {
    fn of(database: &Path) -> OwnFiles {
        let side_names: Vec<std::ffi::OsString> = ["-wal", "-shm", "-journal"]
            .iter()
            .filter_map(|suffix| {
                let mut name = database.file_name()?.to_owned();
                name.push(suffix);
                Some(name)
            })
            .collect();
        let mut paths = vec![database.to_owned()];
        paths.extend(side_names.iter().map(|name| database.with_file_name(name)));
        let identity = |path: &Path| {
            std::fs::metadata(path)
                .ok()
                .map(|metadata| FileId::of(path, &metadata))
        };
        let folder = match database.parent() {
            Some(parent) if parent.as_os_str().is_empty() => identity(Path::new(".")),
            Some(parent) => identity(parent),
            None => None,
        };
        OwnFiles {
            ids: paths.iter().filter_map(|path| identity(path)).collect(),
            folder,
            side_names,
        }
    }

    fn contains(&self, path: &Path, metadata: &std::fs::Metadata) -> bool {
        if self.ids.contains(&FileId::of(path, metadata)) {
            return true;
        }
        let is_side_name = path
            .file_name()
            .is_some_and(|name| self.side_names.iter().any(|side| side == name));
        is_side_name
            && self.folder.is_some()
            && path
                .parent()
                .and_then(|parent| std::fs::metadata(parent).ok().map(|m| (parent, m)))
                .map(|(parent, metadata)| FileId::of(parent, &metadata))
                == self.folder
    }
}
