//! End to end: import inputs are read within bounds (issue 10): a record over `--max-record-size`
//! is skipped as it streams past, a damaged gzip file stores nothing, a folder walk reads each
//! real file once and stays inside the folder, and a 304 answer is not called an empty file.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;

use common::{TestDb, stderr};

/// A guard against a regression that never ends (a walk round a link cycle, a FIFO read): the
/// test fails instead of hanging. Not a speed check: each run takes well under a second.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// One JSON Lines record with this title and a short body of its own.
fn record(title: &str) -> String {
    format!("{{\"title\": \"{title}\", \"body\": \"The body of {title}, in words.\"}}\n")
}

/// A JSON Lines record whose body is `size` bytes of one word repeated.
fn big_record(title: &str, size: usize) -> String {
    let body = "word ".repeat(size / 5);
    format!("{{\"title\": \"{title}\", \"body\": \"{body}\"}}\n")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn titles(db: &TestDb) -> Vec<String> {
    db.column("SELECT title FROM articles ORDER BY title")
}

// Issue 10, item 4: a per-record limit enforced while reading.

#[test]
fn an_oversize_json_line_is_skipped_and_the_lines_around_it_imported() {
    let db = TestDb::new();
    let input = record("Before") + &big_record("Huge", 2 << 20) + &record("After");
    let path = db.file("dump.jsonl", input);
    let output = db.run(&["import", path.to_str().unwrap(), "--max-record-size", "1M"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!(
            "newsdb: {}:2: record larger than 1 MiB (raise --max-record-size to read it)",
            path.display()
        )),
        "{}",
        stderr(&output)
    );
    assert_eq!(titles(&db), ["After", "Before"]);
    assert_eq!(
        db.column("SELECT locator || ' ' || reason FROM import_rejects"),
        ["2 record larger than 1 MiB (raise --max-record-size to read it)"]
    );
}

#[test]
fn the_default_record_limit_is_16_mib() {
    let db = TestDb::new();
    let input = record("Before") + &big_record("Huge", 17 << 20) + &record("After");
    let path = db.file("dump.jsonl", input);
    let output = db.run(&["import", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(":2: record larger than 16 MiB"),
        "{}",
        stderr(&output)
    );
    assert_eq!(titles(&db), ["After", "Before"]);
}

#[test]
fn an_oversize_line_on_stdin_is_skipped() {
    let db = TestDb::new();
    let input = record("Before") + &big_record("Huge", 200 << 10) + &record("After");
    let output = db
        .newsdb()
        .args([
            "import",
            "-",
            "--format",
            "jsonl",
            "--max-record-size",
            "64K",
        ])
        .write_stdin(input)
        .timeout(HANG_GUARD)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("newsdb: -:2: record larger than 64 KiB"),
        "{}",
        stderr(&output)
    );
    assert_eq!(titles(&db), ["After", "Before"]);
}

#[test]
fn an_oversize_line_inside_gzip_is_skipped() {
    let db = TestDb::new();
    // 8 MB of one repeated word compresses to a few kilobytes.
    let input = record("Before") + &big_record("Huge", 8 << 20) + &record("After");
    let path = db.file("dump.jsonl.gz", gzip(input.as_bytes()));
    let output = db.run(&["import", path.to_str().unwrap(), "--max-record-size", "1M"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!("{}:2: record larger than 1 MiB", path.display())),
        "{}",
        stderr(&output)
    );
    assert_eq!(titles(&db), ["After", "Before"]);
}

#[test]
fn an_oversize_text_file_or_json_object_is_rejected_and_the_other_files_imported() {
    let db = TestDb::new();
    let big_text = db.file(
        "big.txt",
        format!("A title\n\n{}\n", "Many words here. ".repeat(8 << 10)),
    );
    let big_json = db.file("big.json", big_record("Huge", 200 << 10));
    let array = format!(
        "[{},\n{},\n{}]",
        record("First").trim(),
        big_record("Huge", 200 << 10).trim(),
        record("Third").trim()
    );
    let array = db.file("array.json", array);
    let small = db.file("small.txt", "Small one\n\nA short body of words.\n");
    let output = db.run(&[
        "import",
        big_text.to_str().unwrap(),
        big_json.to_str().unwrap(),
        array.to_str().unwrap(),
        small.to_str().unwrap(),
        "--max-record-size",
        "64K",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let errors = stderr(&output);
    for expected in [
        format!("{}: record larger than 64 KiB", big_text.display()),
        format!("{}: record larger than 64 KiB", big_json.display()),
        format!("{}:2 (/1): record larger than 64 KiB", array.display()),
    ] {
        assert!(errors.contains(&expected), "{expected} not in {errors}");
    }
    assert_eq!(titles(&db), ["First", "Small one", "Third"]);
    assert_eq!(db.count("SELECT count(*) FROM import_rejects"), 3);
}

#[test]
fn a_bad_record_size_is_a_usage_error() {
    let db = TestDb::new();
    let output = db.run(&["import", "x.jsonl", "--max-record-size", "16 MB"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("invalid size"),
        "{}",
        stderr(&output)
    );
}

// Issue 10, item 3: a damaged compressed input stores nothing.

/// JSON Lines of `count` distinct records, gzip-compressed, with its CRC broken.
fn gzip_with_a_bad_crc(count: usize) -> Vec<u8> {
    let input: String = (0..count).map(|n| record(&format!("Story {n}"))).collect();
    let mut compressed = gzip(input.as_bytes());
    // The trailer is CRC32 then length, 4 bytes each: every record inflates fine, the check fails.
    let crc_at = compressed.len() - 8;
    compressed[crc_at] ^= 0xff;
    compressed
}

#[test]
fn a_gzip_file_with_a_bad_crc_stores_nothing() {
    let db = TestDb::new();
    // More records than a batch, so that a single pass would have committed some.
    let damaged = db.file("damaged.jsonl.gz", gzip_with_a_bad_crc(2500));
    let good = db.file("good.jsonl", record("Good"));
    let output = db.run(&["import", damaged.to_str().unwrap(), good.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!(
            "newsdb: {}: damaged gzip data (corrupt gzip stream does not have a matching \
             checksum): nothing imported from it",
            damaged.display()
        )),
        "{}",
        stderr(&output)
    );
    assert_eq!(titles(&db), ["Good"]);
}

#[test]
fn a_truncated_gzip_on_stdin_stores_nothing() {
    let db = TestDb::new();
    let input: String = (0..2500).map(|n| record(&format!("Story {n}"))).collect();
    let compressed = gzip(input.as_bytes());
    let truncated = compressed[..compressed.len() / 2].to_vec();
    let output = db
        .newsdb()
        .args(["import", "-"])
        .write_stdin(truncated)
        .timeout(HANG_GUARD)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("newsdb: -: damaged gzip data"),
        "{}",
        stderr(&output)
    );
    assert_eq!(db.count("SELECT count(*) FROM articles"), 0);
}

#[test]
fn a_sound_gzip_on_stdin_is_imported() {
    let db = TestDb::new();
    let input = record("One") + &record("Two");
    let output = db
        .newsdb()
        .args(["import", "-"])
        .write_stdin(gzip(input.as_bytes()))
        .timeout(HANG_GUARD)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(titles(&db), ["One", "Two"]);
}

// Issue 10, item 6: a folder walk reads each real file once and stays in the folder.

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn a_folder_walk_reads_each_real_file_once_and_stays_inside() {
    use std::os::unix::fs::symlink;

    let db = TestDb::new();
    let outside = db.file(
        "outside/secret.txt",
        "Outside secret\n\nNot for the shared store.\n",
    );
    let parent_file = db.file("parent.txt", "Parent file\n\nA sibling of the folder.\n");
    let folder = db.folder.path().join("news");
    db.file("news/a.txt", "Story A\n\nThe first story.\n");
    db.file("news/sub/b.txt", "Story B\n\nThe second story.\n");
    symlink(".", folder.join("loop1")).unwrap();
    symlink(".", folder.join("loop2")).unwrap();
    symlink("..", folder.join("self")).unwrap();
    symlink(&outside, folder.join("passwd")).unwrap();
    symlink("sub/b.txt", folder.join("b-again.txt")).unwrap();
    std::fs::hard_link(folder.join("a.txt"), folder.join("z-hard.txt")).unwrap();
    symlink("missing.txt", folder.join("dangling.txt")).unwrap();
    mkfifo(&folder.join("pipe"));

    let output = db
        .newsdb()
        .args(["import", folder.to_str().unwrap(), "--json"])
        .timeout(HANG_GUARD)
        .output()
        .unwrap();
    let errors = stderr(&output);
    assert!(output.status.success(), "{errors}");
    assert_eq!(titles(&db), ["Story A", "Story B"]);
    // Each once, under its own name: a.txt (before its hard link), sub/b.txt (not the link).
    assert_eq!(
        db.column("SELECT origin FROM sightings ORDER BY origin"),
        [
            folder.join("a.txt").display().to_string(),
            folder.join("sub/b.txt").display().to_string(),
        ]
    );
    for warning in [
        format!(
            "newsdb: warning: {}: skipped: symbolic link to {}, outside the folder",
            folder.join("passwd").display(),
            outside.canonicalize().unwrap().display()
        ),
        format!(
            "newsdb: warning: {}: skipped: symbolic link to",
            folder.join("self").display()
        ),
        format!(
            "newsdb: warning: {}: skipped: a FIFO (named pipe), not a regular file",
            folder.join("pipe").display()
        ),
        format!(
            "newsdb: warning: {}: skipped: symbolic link that cannot be followed",
            folder.join("dangling.txt").display()
        ),
    ] {
        assert!(errors.contains(&warning), "{warning} not in {errors}");
    }
    assert!(
        !errors.contains("loop1") && !errors.contains("loop2"),
        "{errors}"
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["items"], 2);
    assert_eq!(summary["warnings"], 4);

    // With --follow-symlinks the walk leaves the folder, still reading each file once.
    let output = db
        .newsdb()
        .args([
            "import",
            folder.to_str().unwrap(),
            "--follow-symlinks",
            "--json",
        ])
        .timeout(HANG_GUARD)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        titles(&db),
        ["Outside secret", "Parent file", "Story A", "Story B"]
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // a.txt, sub/b.txt, passwd (-> secret.txt), and through self: parent.txt and outside/secret.txt
    // (already read as passwd), the folder itself (already walked).
    assert_eq!(summary["items"], 4, "{}", stderr(&output));
    assert!(parent_file.exists());
}

#[cfg(unix)]
#[test]
fn importing_the_database_folder_skips_the_database_files() {
    let db = TestDb::new();
    let folder = db.folder.path();
    db.file("story.txt", "A story\n\nIts body, in words.\n");
    assert!(db.run(&["init"]).status.success());
    db.file("news.sqlite-journal", [0u8; 512]);
    // Relative to the folder, as `newsdb import .` beside ./newsdb.sqlite would be.
    let output = common::newsdb()
        .current_dir(folder)
        .args(["--db", "news.sqlite", "import", ".", "--json"])
        .timeout(HANG_GUARD)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["inputs"], 1, "{}", stderr(&output));
    assert_eq!(summary["rejected"], 0);
    assert_eq!(titles(&db), ["A story"]);
}

#[cfg(unix)]
#[test]
fn a_fifo_named_on_the_command_line_is_read_as_a_stream() {
    let db = TestDb::new();
    let fifo = db.folder.path().join("feed.pipe");
    mkfifo(&fifo);
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut pipe = std::fs::OpenOptions::new()
            .write(true)
            .open(writer_path)
            .unwrap();
        pipe.write_all((record("One") + &record("Two")).as_bytes())
            .unwrap();
    });
    let output = db
        .newsdb()
        .args(["import", fifo.to_str().unwrap()])
        .timeout(HANG_GUARD)
        .output()
        .unwrap();
    writer.join().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(titles(&db), ["One", "Two"]);
}

// Issue 10, item 12: a 304 answer is named as such.

#[test]
fn a_url_answered_304_says_not_modified() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/feed.xml", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(b"HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n");
        }
    });
    let db = TestDb::new();
    let output = db
        .newsdb()
        .args(["import", &url])
        .timeout(HANG_GUARD)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!(
            "newsdb: {url}: 304 Not Modified: nothing to import"
        )),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("empty file"));
}

// Issue 10, item 4, for `entities eval`: a CoNLL line over the limit is an error at its line.

#[test]
fn entities_eval_refuses_an_oversize_line_at_its_line() {
    let db = TestDb::new();
    let conll = format!(
        "-DOCSTART- O\n\nKim B-PER\nvisited O\n{} O\nSeoul B-LOC\n",
        "x".repeat(100 << 10)
    );
    let path = db.file("gold.conll", conll);
    let output = db.run(&[
        "entities",
        "eval",
        path.to_str().unwrap(),
        "--max-record-size",
        "64K",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        format!(
            "newsdb: {}:5: line larger than 64 KiB (raise --max-record-size to read it)\n",
            path.display()
        )
    );
    // Within the limit the same file is scored.
    let output = db.run(&[
        "entities",
        "eval",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
}
