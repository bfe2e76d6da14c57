//! Raw copies stored compressed (issue 15, item 2): the codec per row, `show --raw` reading them
//! back exactly, and `newsdb compact` on databases made by newsdb before schema 10 (no codec)
//! and before schema 15 (plain zstd, no `zstd-article`).

mod common;

use std::path::PathBuf;

use common::{TestDb, root, stderr, stdout};

/// Records long enough for zstd to pay, each one line, distinct content.
fn records(count: usize) -> Vec<String> {
    (0..count)
        .map(|n| {
            let body = (0..12)
                .map(|s| {
                    format!(
                        "Sentence {s} of report {n} says the river rose again near the old bridge."
                    )
                })
                .collect::<Vec<_>>()
                .join(" ");
            serde_json::json!({
                "title": format!("River report {n}"),
                "body": body,
                "source": "Example Wire",
                "url": format!("https://example.com/river/{n}"),
            })
            .to_string()
        })
        .collect()
}

fn show_raw(db: &TestDb, id: i64) -> Vec<u8> {
    let output = db.run(&["show", &id.to_string(), "--raw"]);
    assert!(output.status.success(), "{}", stderr(&output));
    output.stdout
}

#[test]
fn import_stores_raw_copies_against_their_text_and_show_raw_prints_the_bytes_as_received() {
    let db = TestDb::new();
    let lines = records(3);
    let input = db.file("records.jsonl", lines.join("\n") + "\n");
    db.newsdb().arg("import").arg(&input).assert().success();

    assert_eq!(
        db.column("SELECT codec FROM article_raw ORDER BY article_id"),
        ["zstd-article", "zstd-article", "zstd-article"]
    );
    assert_eq!(
        db.count("SELECT count(*) FROM article_raw WHERE dictionary IS NOT NULL"),
        0
    );
    let stored = db.count("SELECT sum(length(bytes)) FROM article_raw") as usize;
    let received: usize = lines.iter().map(String::len).sum();
    // The body and title are in `articles`: the frame keeps little more than the JSON around
    // them (plain zstd kept about 45%).
    assert!(
        stored * 6 < received,
        "{stored} bytes stored for {received} received"
    );
    // Decoded by a plain zstd library with the article's text as dictionary, as another tool
    // would.
    let expected: Vec<Vec<u8>> = lines.iter().map(|l| l.as_bytes().to_vec()).collect();
    assert_eq!(db.raw_copies(), expected);
    for (id, line) in (1..).zip(&lines) {
        assert_eq!(show_raw(&db, id), line.as_bytes());
    }
}

#[test]
fn an_item_too_small_to_compress_is_kept_as_it_is() {
    let db = TestDb::new();
    let input = db.file("tiny.jsonl", "{\"title\":\"Hi\"}\n");
    db.newsdb().arg("import").arg(&input).assert().success();
    assert_eq!(db.column("SELECT codec FROM article_raw"), ["identity"]);
    assert_eq!(show_raw(&db, 1), b"{\"title\":\"Hi\"}");
}

#[test]
fn a_row_another_tool_writes_without_a_codec_reads_back_as_identity() {
    let db = TestDb::new();
    db.newsdb().arg("init").assert().success();
    let conn = db.connect();
    conn.execute_batch(
        "INSERT INTO articles (id, content_hash, title, body, imported_at)
         VALUES (7, printf('%064d', 7), 'Plain', 'Plain body.', '2024-01-01T00:00:00Z');
         INSERT INTO article_raw (article_id, format, origin, bytes)
         VALUES (7, 'text', 'other-tool', CAST('Plain body.' AS BLOB));",
    )
    .unwrap();
    assert_eq!(db.column("SELECT codec FROM article_raw"), ["identity"]);
    assert_eq!(show_raw(&db, 7), b"Plain body.");
}

#[test]
fn a_damaged_zstd_copy_is_an_error_naming_the_article() {
    let db = TestDb::new();
    let input = db.file("records.jsonl", records(1).join("\n"));
    db.newsdb().arg("import").arg(&input).assert().success();
    db.connect()
        .execute("UPDATE article_raw SET bytes = substr(bytes, 1, 10)", [])
        .unwrap();
    let output = db.run(&["show", "1", "--raw"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("article 1: cannot read its raw copy: the zstd raw copy is damaged"),
        "{message}"
    );
    // The CHECK constraint keeps unknown codec names out.
    let refused = db
        .connect()
        .execute("UPDATE article_raw SET codec = 'brotli'", []);
    assert!(refused.is_err());
}

/// `tests/fixtures/raw/schema7.sqlite`: made by newsdb at schema 7 (before raw copies were
/// compressed) from `tests/fixtures/raw/records.jsonl`; see `tests/fixtures/raw/README.md`.
fn old_database() -> TestDb {
    let db = TestDb::new();
    std::fs::copy(fixture("schema7.sqlite"), &db.path).unwrap();
    db
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/raw").join(name)
}

fn fixture_records() -> Vec<Vec<u8>> {
    std::fs::read(fixture("records.jsonl"))
        .unwrap()
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

#[test]
fn an_old_database_migrates_and_reads_its_uncompressed_copies() {
    let db = old_database();
    let conn = db.connect();
    let version: i64 = conn
        .query_row(
            "SELECT max(version) FROM refinery_schema_history",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(version, 7, "the fixture is a schema-7 database");
    drop(conn);

    // `show` opens read-only, so it reads the copies of a database not yet migrated.
    let expected = fixture_records();
    for (id, record) in (1..).zip(&expected) {
        assert_eq!(&show_raw(&db, id), record);
    }
    db.newsdb().arg("migrate").assert().success();
    for (id, record) in (1..).zip(&expected) {
        assert_eq!(&show_raw(&db, id), record);
    }
    // Every old row is `identity` once migrated.
    assert_eq!(
        db.count("SELECT count(*) FROM article_raw WHERE codec = 'identity'"),
        expected.len() as i64
    );
}

#[test]
fn compact_compresses_an_old_database_and_a_second_run_has_nothing_left() {
    let db = old_database();
    let expected = fixture_records();
    let raw_before = db.count("SELECT sum(length(bytes)) FROM article_raw");

    let output = db.run(&["compact", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(summary["rows_compressed"], expected.len());
    assert_eq!(summary["raw_bytes_before"], raw_before);
    assert_eq!(summary["vacuumed"], false);

    assert_eq!(
        db.count("SELECT count(*) FROM article_raw WHERE codec = 'zstd-article'"),
        expected.len() as i64
    );
    assert!(db.count("SELECT sum(length(bytes)) FROM article_raw") * 4 < raw_before);
    assert_eq!(db.raw_copies(), expected);
    for (id, record) in (1..).zip(&expected) {
        assert_eq!(&show_raw(&db, id), record);
    }

    // Resumable and idempotent: what is already `zstd-article` is not touched again.
    let again = db.run(&["compact", "--json"]);
    assert!(again.status.success(), "{}", stderr(&again));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&again)).unwrap();
    assert_eq!(
        (
            summary["rows_read"].as_u64(),
            summary["rows_compressed"].as_u64()
        ),
        (Some(0), Some(0))
    );
}

#[test]
fn compact_only_compresses_the_rows_still_uncompressed() {
    // A run cut short leaves old rows `identity` beside new `zstd-article` ones; compact
    // finishes those.
    let db = old_database();
    let extra = db.file("more.jsonl", records(2).join("\n"));
    db.newsdb().arg("import").arg(&extra).assert().success();
    let old = fixture_records().len() as i64;
    assert_eq!(
        db.count("SELECT count(*) FROM article_raw WHERE codec = 'zstd-article'"),
        2
    );

    let output = db.run(&["compact", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(summary["rows_read"].as_i64(), Some(old));
    assert_eq!(
        db.count("SELECT count(*) FROM article_raw WHERE codec = 'zstd-article'"),
        old + 2
    );
}

#[test]
fn compact_with_vacuum_shrinks_the_file() {
    let db = old_database();
    let pages = |db: &TestDb| db.count("SELECT page_count FROM pragma_page_count()");
    // Opening migrates; measure the migrated file before compaction.
    db.newsdb().arg("migrate").assert().success();
    let before = pages(&db);
    let output = db.run(&["compact", "--vacuum", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(summary["vacuumed"], true);
    assert_eq!(summary["free_bytes"], 0);
    assert!(
        pages(&db) < before,
        "{} pages after, {before} before",
        pages(&db)
    );
    assert_eq!(db.raw_copies(), fixture_records());
}

/// `tests/fixtures/raw/schema12.sqlite`: made by newsdb at schema 12 (raw copies as plain zstd,
/// before `zstd-article`) from the same records; see `tests/fixtures/raw/README.md`.
fn schema12_database() -> TestDb {
    let db = TestDb::new();
    std::fs::copy(fixture("schema12.sqlite"), &db.path).unwrap();
    db
}

#[test]
fn a_schema_12_database_migrates_compacts_and_keeps_its_copies_and_hashes() {
    let db = schema12_database();
    let expected = fixture_records();
    let hashes = db.column("SELECT content_hash FROM articles ORDER BY id");
    assert_eq!(hashes.len(), expected.len());
    // Read-only commands read the unmigrated file.
    assert_eq!(show_raw(&db, 1), expected[0]);

    db.newsdb().arg("migrate").assert().success();
    assert_eq!(
        db.count("SELECT count(*) FROM article_raw WHERE codec = 'zstd'"),
        expected.len() as i64
    );
    for (id, record) in (1..).zip(&expected) {
        assert_eq!(&show_raw(&db, id), record);
    }
    let before = db.count("SELECT sum(length(bytes)) FROM article_raw");

    let output = db.run(&["compact", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(summary["rows_read"].as_u64(), Some(expected.len() as u64));
    assert_eq!(
        summary["rows_compressed"].as_u64(),
        Some(expected.len() as u64)
    );
    assert_eq!(summary["raw_bytes_before"].as_i64(), Some(before));
    let after = db.count("SELECT sum(length(bytes)) FROM article_raw");
    // These records repeat themselves, so plain zstd already did well; the text still saves
    // a quarter.
    assert!(after * 4 < before * 3, "{before} -> {after} bytes");
    assert_eq!(
        db.column("SELECT DISTINCT codec FROM article_raw"),
        ["zstd-article"]
    );
    assert_eq!(db.raw_copies(), expected);
    for (id, record) in (1..).zip(&expected) {
        assert_eq!(&show_raw(&db, id), record);
    }
    // The hashes read as the same 64-character hex, and `show` finds an article by a prefix.
    assert_eq!(
        db.column("SELECT content_hash FROM articles ORDER BY id"),
        hashes
    );
    let shown = db.run(&["show", &hashes[2][..10], "--format", "json"]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    assert!(stdout(&shown).contains(&hashes[2]), "{}", stdout(&shown));
}

#[test]
fn a_copy_stays_readable_when_another_tool_rewrites_its_articles_text() {
    let db = TestDb::new();
    let lines = records(2);
    let input = db.file("records.jsonl", lines.join("\n"));
    db.newsdb().arg("import").arg(&input).assert().success();
    let conn = db.connect();
    // The trigger saves the text the frame was made with; an update that changes nothing
    // (or another column) saves nothing.
    conn.execute_batch(
        "UPDATE articles SET title = title, language = 'en' WHERE id = 2;
         UPDATE articles SET body = 'Corrected: ' || body, title = NULL WHERE id = 1;",
    )
    .unwrap();
    drop(conn);
    assert_eq!(
        db.column(
            "SELECT article_id || ':' || (dictionary IS NOT NULL) FROM article_raw
              ORDER BY article_id"
        ),
        ["1:1", "2:0"]
    );
    assert_eq!(show_raw(&db, 1), lines[0].as_bytes());
    assert_eq!(db.raw_copies()[0], lines[0].as_bytes());

    // compact makes it a frame of the new text and drops the saved one.
    let output = db.run(&["compact", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        (
            summary["rows_read"].as_u64(),
            summary["rows_compressed"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(
        db.count("SELECT count(*) FROM article_raw WHERE dictionary IS NOT NULL"),
        0
    );
    assert_eq!(show_raw(&db, 1), lines[0].as_bytes());
    assert_eq!(show_raw(&db, 2), lines[1].as_bytes());
}

#[test]
fn compact_leaves_a_damaged_copy_names_it_in_the_exit_status_and_goes_on() {
    let db = old_database();
    db.newsdb().arg("migrate").assert().success();
    db.connect()
        .execute(
            "UPDATE article_raw SET codec = 'zstd', bytes = X'28B52FFD00' WHERE article_id = 2",
            [],
        )
        .unwrap();
    let output = db.run(&["compact", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("1 raw copies cannot be decoded"),
        "{}",
        stderr(&output)
    );
    let summary: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let others = fixture_records().len() as u64 - 1;
    assert_eq!(summary["rows_compressed"].as_u64(), Some(others));
    assert_eq!(summary["rows_unreadable"].as_u64(), Some(1));
    assert_eq!(show_raw(&db, 3), fixture_records()[2]);
}
