//! Crash safety: an import killed with SIGKILL part-way, then run again, gives exactly what an
//! uninterrupted run gives, and a sound database.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::{ArticleShape, TestDb, WORDS, WordChoice, articles_jsonl, stderr};

const ARTICLES: usize = 20_000;

/// Deterministic articles: distinct bodies, a few shared sources and authors, some shared URLs.
fn generate(db: &TestDb) -> std::path::PathBuf {
    let shape = ArticleShape {
        label: "Report",
        paragraph_label: "paragraph",
        words: &WORDS,
        words_per_paragraph: 20,
        choice: WordChoice::Xorshift,
        record: |n, body| {
            serde_json::json!({
                "title": format!("Story number {n}"),
                "body": body,
                "url": format!("https://example.com/news/{}", n % 19_000),
                "source": format!("Outlet {}", n % 17),
                "authors": [format!("Writer {}", n % 101), format!("Editor {}", n % 7)],
                "published": format!("2024-{:02}-{:02}T08:00:00Z", n % 12 + 1, n % 28 + 1),
            })
        },
    };
    db.file("articles.jsonl", articles_jsonl(&shape, 0..ARTICLES))
}

/// Everything an import decides, in a comparable form.
fn snapshot(db: &TestDb) -> Vec<String> {
    let mut lines = db.column(
        "SELECT a.content_hash || '|' || a.title || '|' || coalesce(a.url, '') || '|' ||
                coalesce(a.published_at, '') || '|' || coalesce(s.name, '') || '|' ||
                (SELECT group_concat(au.name, ',') FROM
                   (SELECT au.name FROM article_authors aa JOIN authors au ON au.id = aa.author_id
                     WHERE aa.article_id = a.id ORDER BY aa.position) au) || '|' ||
                length(r.bytes)
           FROM articles a LEFT JOIN sources s ON s.id = a.source_id
           LEFT JOIN article_raw r ON r.article_id = a.id
          ORDER BY a.content_hash",
    );
    for table in [
        "articles",
        "sources",
        "article_sources",
        "authors",
        "article_authors",
        "article_urls",
        "article_raw",
    ] {
        lines.push(format!(
            "{table}: {}",
            db.count(&format!("SELECT count(*) FROM {table}"))
        ));
    }
    lines.push(format!(
        "fts rows: {}",
        db.count("SELECT count(*) FROM articles_fts_docsize")
    ));
    lines.push(format!(
        "fts 'summit': {}",
        db.count("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'summit'")
    ));
    lines
}

fn sound(db: &TestDb) {
    let conn = db.connect();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    conn.execute(
        "INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')",
        [],
    )
    .expect("the full-text index matches the articles");
    let paused: i64 = conn
        .query_row("SELECT count(*) FROM fts_sync_pause", [], |row| row.get(0))
        .unwrap();
    assert_eq!(paused, 0);
    // A batch drops the insert trigger inside its transaction: a kill must roll that back too.
    let triggers: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name = 'articles_fts_insert'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(triggers, 1);
}

#[test]
fn an_import_killed_part_way_completes_on_a_second_run() {
    let reference = TestDb::new();
    let input = generate(&reference);
    let input = input.to_str().unwrap();
    let output = reference.run(&["import", input, "--batch-size", "500"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        reference.count("SELECT count(*) FROM articles"),
        ARTICLES as i64
    );

    let killed = TestDb::new();
    let mut child = killed
        .process()
        .args(["import", "-", "--batch-size", "500"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The first half of the input, on a pipe kept open: the importer commits what it has once it
    // has caught up with its input, and is killed while it waits for the rest.
    let text = std::fs::read_to_string(input).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut stdin = child.stdin.take().unwrap();
    for line in &lines[..ARTICLES / 2] {
        writeln!(stdin, "{line}").unwrap();
    }
    stdin.flush().unwrap();
    // Kill once some batches are committed but well before the end.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut committed = 0;
    while Instant::now() < deadline {
        if killed.path.exists() {
            committed = rusqlite::Connection::open(&killed.path)
                .and_then(|conn| {
                    conn.busy_timeout(Duration::from_secs(5))?;
                    conn.query_row("SELECT count(*) FROM articles", [], |row| row.get(0))
                })
                .unwrap_or(0);
        }
        if committed >= 1_000 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the import finished before it could be killed"
    );
    assert!(
        (1..ARTICLES as i64).contains(&killed.count("SELECT count(*) FROM articles")),
        "killed part-way"
    );
    sound(&killed);

    let output = killed.run(&["import", input, "--batch-size", "500"]);
    assert!(output.status.success(), "{}", stderr(&output));
    sound(&killed);
    assert_eq!(snapshot(&killed), snapshot(&reference));
}

/// A write that fails part-way takes back the batches held uncommitted with it (an import commits
/// several batches at once while its input keeps the writer busy), and what the import records and
/// prints as stored is exactly what is in the database; a second run stores the rest.
#[test]
fn a_failed_write_leaves_the_recorded_counts_true_and_a_rerun_completes_the_import() {
    let db = TestDb::new();
    let input = generate(&db);
    let input = input.to_str().unwrap();
    assert!(db.run(&["init"]).status.success());
    // Another tool's trigger refuses one record, far into the input.
    db.connect()
        .execute_batch(
            "CREATE TRIGGER refuse_one BEFORE INSERT ON articles
              WHEN NEW.title = 'Story number 12345'
             BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END;",
        )
        .unwrap();

    let output = db.run(&["import", input, "--batch-size", "500"]);
    assert!(
        !output.status.success(),
        "the refused write must fail the import"
    );
    assert!(
        stderr(&output).contains("refused by a trigger"),
        "{}",
        stderr(&output)
    );
    let stored = db.count("SELECT count(*) FROM articles");
    assert!(stored < 12_345, "nothing past the failed batch: {stored}");
    assert_eq!(
        db.count("SELECT new_articles FROM imports ORDER BY id DESC LIMIT 1"),
        stored,
        "the import's record counts what was committed"
    );
    sound(&db);

    db.connect()
        .execute_batch("DROP TRIGGER refuse_one")
        .unwrap();
    let output = db.run(&["import", input, "--batch-size", "500"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(db.count("SELECT count(*) FROM articles"), ARTICLES as i64);
    assert_eq!(
        db.count("SELECT new_articles FROM imports ORDER BY id DESC LIMIT 1"),
        ARTICLES as i64 - stored
    );
    sound(&db);
}
