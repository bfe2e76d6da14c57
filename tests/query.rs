//! End to end: `newsdb query`, read-only by the connection, typed output, closed pipes.

mod common;

use std::io::Read;
use std::process::Stdio;

use common::{TestDb, stderr, stdout};

fn imported() -> TestDb {
    let db = TestDb::new();
    db.newsdb()
        .args([
            "import",
            common::root().join("data/samples").to_str().unwrap(),
        ])
        .assert()
        .success();
    db
}

#[test]
fn writes_are_refused_without_write() {
    let db = imported();
    for sql in [
        "DROP TABLE articles",
        "WITH doomed AS (SELECT id FROM articles) DELETE FROM articles WHERE id IN doomed",
        "UPDATE articles SET title = 'x'",
        "PRAGMA journal_mode = DELETE",
    ] {
        let output = db.run(&["query", sql]);
        assert_eq!(output.status.code(), Some(1), "{sql}");
        assert!(
            stderr(&output).contains("--write"),
            "{sql}: {}",
            stderr(&output)
        );
    }
    assert_eq!(db.count("SELECT count(*) FROM articles"), 9);
    let output = db.run(&[
        "query",
        "--write",
        "UPDATE articles SET language = 'ko' WHERE id = 1",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        db.column("SELECT language FROM articles WHERE id = 1"),
        ["ko"]
    );
}

#[test]
fn parameters_bind_and_json_is_typed() {
    let db = imported();
    let output = db.run(&[
        "query",
        "SELECT :n + 1 AS n, :s AS s, NULL AS missing, 2.5 AS real, count(*) AS articles FROM articles WHERE id >= :n",
        "-p",
        "n=1",
        "-p",
        "s=hello",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        rows,
        serde_json::json!([{"n": 2, "s": "hello", "missing": null, "real": 2.5, "articles": 9}])
    );
    // Numbers are numbers in the text too, not strings.
    assert!(stdout(&output).contains(r#""n":2,"#), "{}", stdout(&output));
    let missing = db.run(&["query", "SELECT :limit"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains(":limit"), "{}", stderr(&missing));
}

#[test]
fn every_format_prints() {
    let db = imported();
    let sql = "SELECT id, title FROM articles ORDER BY id LIMIT 2";
    for (format, expect) in [
        ("csv", "id,title\n1,"),
        ("tsv", "id\ttitle\n1\t"),
        ("jsonl", "{\"id\":1,\"title\":"),
        ("markdown", "|  id | title"),
        ("table", "id"),
    ] {
        let output = db.run(&["query", sql, "--format", format]);
        assert!(output.status.success(), "{format}: {}", stderr(&output));
        assert!(
            stdout(&output).starts_with(expect),
            "{format}: {}",
            stdout(&output)
        );
    }
}

#[test]
fn one_statement_and_a_timeout() {
    let db = imported();
    let two = db.run(&["query", "SELECT 1; SELECT 2"]);
    assert_eq!(two.status.code(), Some(1));
    assert!(stderr(&two).contains("one statement"), "{}", stderr(&two));
    let runaway = db.run(&[
        "query",
        "--timeout",
        "0.3",
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c",
    ]);
    assert_eq!(runaway.status.code(), Some(1));
    assert!(
        stderr(&runaway).contains("--timeout"),
        "{}",
        stderr(&runaway)
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let db = imported();
    let mut child = db.process()
        .args([
            "query",
            "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 2000000) SELECT n FROM c",
            "--format",
            "csv",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
}

#[test]
fn querying_a_missing_database_names_it() {
    let db = TestDb::new();
    let output = db.run(&["query", "SELECT 1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains(&db.path.display().to_string()));
    assert!(!db.path.exists(), "a read-only query created the file");
}

// Issue 12: `query "/* x */"` said "bad parameter or other API misuse".
#[test]
fn comments_alone_are_no_statement() {
    let db = imported();
    for sql in ["/* x */", "-- nothing\n;", " ; "] {
        let output = db.run(&["query", "--", sql]);
        assert_eq!(output.status.code(), Some(1), "{sql}");
        assert_eq!(
            stderr(&output),
            "newsdb: there is no SQL statement, only whitespace or comments\n",
            "{sql}"
        );
    }
}

// Issue 12: BEGIN, ATTACH and `PRAGMA query_only = OFF` ran as read-only queries.
#[test]
fn commands_that_are_not_queries_need_write() {
    let db = imported();
    for sql in [
        "BEGIN",
        "ATTACH 'other.sqlite' AS other",
        "PRAGMA query_only = OFF",
        "PRAGMA query_only(0)",
    ] {
        let output = db.run(&["query", sql]);
        assert_eq!(output.status.code(), Some(1), "{sql}");
        assert_eq!(
            stderr(&output),
            format!(
                "newsdb: `{sql}` is not a read-only query: transactions, ATTACH, DETACH and \
                 setting a PRAGMA need --write\n"
            ),
        );
    }
    assert!(!db.folder.path().join("other.sqlite").exists());
    // Reading PRAGMAs is still a query.
    let output = db.run(&["query", "PRAGMA table_info(articles)", "--format", "csv"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains(",content_hash,"));
}

// Issue 7: the table format kept every row in memory.
#[test]
fn the_table_shows_the_first_thousand_rows_and_counts_the_rest() {
    let db = imported();
    let sql = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 4321) \
               SELECT n, 'some text' AS text FROM c";
    for format in ["table", "markdown"] {
        let output = db.run(&["query", sql, "--format", format]);
        assert!(output.status.success(), "{}", stderr(&output));
        let text = stdout(&output);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2 + 1000 + 1, "{format}");
        assert!(lines[1001].contains("1000"), "{format}: {}", lines[1001]);
        assert_eq!(
            lines[1002],
            "… 3321 more rows not shown (the table shows the first 1000; --format csv, tsv, \
             json or jsonl print every row)"
        );
    }
    // The streaming formats print every row.
    let output = db.run(&["query", sql, "--format", "csv"]);
    assert_eq!(stdout(&output).lines().count(), 1 + 4321);
}

// Issue 7: a runaway query in table format printed nothing and grew until killed; now the
// first rows come out before the time limit stops it.
#[test]
fn a_runaway_table_prints_its_first_rows_then_stops_at_the_limit() {
    let db = imported();
    let output = db.run(&[
        "query",
        "--timeout",
        "1",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, 'some text' FROM c",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("interrupted after 1s, the time limit"),
        "{}",
        stderr(&output)
    );
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 2 + 1000, "{text}");
    assert!(text.ends_with("1000  some text\n"));
}

// Issue 7: `--timeout 0` or `--no-timeout` lift the default limit (`--timeout 0` was refused).
#[test]
fn the_time_limit_can_be_lifted() {
    let db = imported();
    let sql = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000) \
               SELECT count(*) AS n FROM c";
    for args in [&["--timeout", "0"][..], &["--no-timeout"]] {
        let output = db
            .newsdb()
            .arg("query")
            .args(args)
            .args([sql, "--format", "csv"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert_eq!(stdout(&output), "n\n1000\n");
    }
    let both = db.run(&["query", "--timeout", "5", "--no-timeout", sql]);
    assert_eq!(both.status.code(), Some(2));
    // Help wraps to the width: compare with the line breaks folded.
    let help = stdout(&db.run(&["query", "--help"]));
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.contains("[default: 60]"), "{help}");
}
