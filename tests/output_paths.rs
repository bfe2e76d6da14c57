//! End to end: where `export -o` and `backup` may write (issue 10, items 1 and 11).

mod common;

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

use common::{TestDb, sample, stderr, stdout};

fn imported() -> TestDb {
    let db = TestDb::new();
    let output = db.run(&["import", sample("wire.jsonl").to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    db
}

fn path_arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

// Issue 10, item 1: `export -o x.sqlite` replaced the live database with its export, exit 0.
#[test]
fn export_and_backup_never_write_over_the_database_in_any_spelling() {
    let db = imported();
    let folder = db.folder.path();
    std::fs::create_dir(folder.join("sub")).unwrap();
    let symlink = folder.join("link.jsonl");
    std::os::unix::fs::symlink(&db.path, &symlink).unwrap();
    let hard_link = folder.join("hard.jsonl");
    std::fs::hard_link(&db.path, &hard_link).unwrap();
    let wal = folder.join("news.sqlite-wal");
    let spellings = [
        db.path.clone(),
        folder.join("sub/../news.sqlite"),
        symlink,
        hard_link,
        wal,
    ];
    let before = std::fs::read(&db.path).unwrap();
    for spelling in &spellings {
        for args in [
            &["export", "-o", path_arg(spelling), "--force"][..],
            &["backup", path_arg(spelling), "--force"],
        ] {
            let output = db.run(args);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{args:?}: {}",
                stderr(&output)
            );
            assert!(
                stderr(&output).starts_with(&format!(
                    "newsdb: {}: is the database {}",
                    spelling.display(),
                    db.path.display()
                )),
                "{}",
                stderr(&output)
            );
        }
    }
    assert_eq!(
        std::fs::read(&db.path).unwrap(),
        before,
        "the database changed"
    );
    assert_eq!(db.count("SELECT count(*) FROM articles"), 3);
}

#[test]
fn export_replaces_an_existing_file_only_with_force_and_through_a_symlink() {
    let db = imported();
    let existing = db.file("notes.txt", "precious");
    let output = db.run(&["export", "-o", path_arg(&existing)]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        format!(
            "newsdb: {}: already exists (use --force to replace it)\n",
            existing.display()
        )
    );
    assert_eq!(std::fs::read(&existing).unwrap(), b"precious");

    let link = db.folder.path().join("latest.jsonl");
    std::os::unix::fs::symlink("notes.txt", &link).unwrap();
    let output = db.run(&["export", "-o", path_arg(&link), "--force"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    let exported = std::fs::read_to_string(&existing).unwrap();
    assert_eq!(exported.lines().count(), 3, "{exported}");
}

// Issue 10, item 1: a FIFO or a device was replaced by a regular file (as root, /dev/full).
#[test]
fn export_writes_into_a_fifo_or_a_device_instead_of_replacing_it() {
    let db = imported();
    let fifo = db.folder.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let output = db.run(&["export", "-o", path_arg(&fifo)]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(reader.join().unwrap().lines().count(), 3);
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());

    let output = db.run(&["export", "-o", "/dev/stdout"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 3);

    let output = db.run(&["export", "-o", "/dev/full", "--force"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("/dev/full: No space left"),
        "{}",
        stderr(&output)
    );
    assert!(
        std::fs::metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

/// The id of a process that has ended.
fn ended_process_id() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

fn hidden_files(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".newsdb-"))
        .collect();
    names.sort();
    names
}

// Issue 10, item 11: killed runs left hidden files as large as the database, never removed.
#[test]
fn leftovers_of_killed_runs_are_removed_and_running_ones_kept() {
    let db = imported();
    let folder = db.folder.path();
    let dead = ended_process_id();
    let leftovers: Vec<PathBuf> = [
        format!(".out.jsonl.newsdb-export-{dead}"),
        format!(".copy.sqlite.newsdb-backup-{dead}"),
        format!(".copy.sqlite.newsdb-backup-{dead}-journal"),
    ]
    .iter()
    .map(|name| db.file(name, vec![b'x'; 100_000]))
    .collect();
    // This test's own process is alive: a file in its name is a run in progress.
    let running = db.file(
        &format!(".other.jsonl.newsdb-export-{}", std::process::id()),
        "partial",
    );
    let output = db.run(&["export", "-o", path_arg(&folder.join("out.jsonl"))]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = db.run(&["backup", path_arg(&folder.join("copy.sqlite"))]);
    assert!(output.status.success(), "{}", stderr(&output));
    for leftover in &leftovers {
        assert!(!leftover.exists(), "{} is still there", leftover.display());
    }
    assert_eq!(
        hidden_files(folder),
        [running.file_name().unwrap().to_string_lossy().into_owned()]
    );
}
