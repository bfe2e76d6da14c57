//! Raw copies stored compressed (issue 15, item 2): the codec per row, `show --raw` reading them
//! back exactly, and `newsdb compact` on a database made by newsdb before schema 10.

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
fn import_stores_raw_copies_as_zstd_and_show_raw_prints_the_bytes_as_received() {
    let db = TestDb::new();
    let lines = records(3);
    let input = db.file("records.jsonl", lines.join("\n") + "\n");
    db.newsdb().arg("import").arg(&input).assert().success();

    assert_eq!(
        db.column("SELECT codec FROM article_raw ORDER BY article_id"),
        ["zstd", "zstd", "zstd"]
    );
    let stored = db.count("SELECT sum(length(bytes)) FROM article_raw") as usize;
    let received: usize = lines.iter().map(String::len).sum();
    assert!(
        stored * 2 < received,
        "{stored} bytes stored for {received} received"
    );
    // Decoded by a plain zstd library, as another tool would.
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
        db.count("SELECT count(*) FROM article_raw WHERE codec = 'zstd'"),
        expected.len() as i64
    );
    assert!(db.count("SELECT sum(length(bytes)) FROM article_raw") * 2 < raw_before);
    assert_eq!(db.raw_copies(), expected);
    for (id, record) in (1..).zip(&expected) {
        assert_eq!(&show_raw(&db, id), record);
    }

    // Resumable and idempotent: what is already zstd is not touched again.
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
    // A run cut short leaves old rows `identity` beside new `zstd` ones; compact finishes those.
    let db = old_database();
    let extra = db.file("more.jsonl", records(2).join("\n"));
    db.newsdb().arg("import").arg(&extra).assert().success();
    let old = fixture_records().len() as i64;
    assert_eq!(
        db.count("SELECT count(*) FROM article_raw WHERE codec = 'zstd'"),
        2
    );

    let output = db.run(&["compact", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(summary["rows_read"].as_i64(), Some(old));
    assert_eq!(
        db.count("SELECT count(*) FROM article_raw WHERE codec = 'zstd'"),
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
