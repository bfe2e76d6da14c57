//! The shared store under concurrency: two importers and a reader at once, a backup taken
//! while an import runs, and entities merged by another process between an import's batches.

mod common;

use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use newsdb::pipeline::{ImportOptions, Input, Silent, run_inputs};
use newsdb::store::OpenOptions;
use rusqlite::Connection;

use common::{ArticleShape, TestDb, WORDS, WordChoice, articles_jsonl, stderr};

/// JSON Lines of articles `range`: distinct bodies, shared sources and authors. The same number
/// gives the same record in every file, so overlapping ranges share articles.
fn articles_file(db: &TestDb, name: &str, range: std::ops::Range<usize>) -> PathBuf {
    let shape = ArticleShape {
        label: "Dispatch",
        paragraph_label: "part",
        words: &WORDS[..16],
        words_per_paragraph: 16,
        choice: WordChoice::Pattern,
        record: |n, body| {
            serde_json::json!({
                "title": format!("Dispatch number {n}"),
                "body": body,
                "url": format!("https://example.com/dispatch/{n}"),
                "source": format!("Desk {}", n % 13),
                "authors": [format!("Writer {}", n % 97)],
                "published": format!("2024-{:02}-{:02}T06:00:00Z", n % 12 + 1, n % 28 + 1),
            })
        },
    };
    db.file(name, articles_jsonl(&shape, range))
}

/// `newsdb --db DB import ARGS... --json` in the background, its output captured.
fn spawn_import(db: &TestDb, args: &[&PathBuf], batch_size: &str) -> Child {
    db.process()
        .arg("import")
        .args(args)
        .args(["--batch-size", batch_size, "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("newsdb runs")
}

/// A connection as the README tells other tools to open one.
fn reader(db: &TestDb) -> Connection {
    let conn = Connection::open(&db.path).unwrap();
    conn.busy_timeout(Duration::from_secs(30)).unwrap();
    conn
}

#[test]
fn two_importers_on_overlapping_inputs_and_a_reader_lose_and_double_nothing() {
    let db = TestDb::new();
    assert!(db.run(&["init"]).status.success());
    let first = articles_file(&db, "1.jsonl", 0..3_000);
    let second = articles_file(&db, "2.jsonl", 1_500..4_500);
    let third = articles_file(&db, "3.jsonl", 3_000..6_000);
    const DISTINCT: i64 = 6_000;
    const ITEMS: i64 = 12_000;

    let running = AtomicBool::new(true);
    let (outputs, reads) = std::thread::scope(|scope| {
        let reads = scope.spawn(|| {
            let conn = reader(&db);
            let mut reads = 0u64;
            let mut last = 0i64;
            while running.load(Ordering::Relaxed) {
                let count: i64 = conn
                    .query_row("SELECT count(*) FROM articles", [], |row| row.get(0))
                    .expect("a reader query never fails");
                assert!(
                    count >= last,
                    "the article count went down: {last} -> {count}"
                );
                last = count;
                conn.query_row(
                    "SELECT count(*) FROM article_overview WHERE sightings > 0",
                    [],
                    |row| row.get::<_, i64>(0),
                )
                .expect("a reader query never fails");
                conn.query_row(
                    "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'summit'",
                    [],
                    |row| row.get::<_, i64>(0),
                )
                .expect("a reader query never fails");
                reads += 1;
                std::thread::sleep(Duration::from_millis(2));
            }
            reads
        });
        // Each importer starts on the input the other finishes with.
        let a = spawn_import(&db, &[&first, &second], "250");
        let b = spawn_import(&db, &[&third, &second], "250");
        let outputs = [a, b].map(|child| child.wait_with_output().unwrap());
        running.store(false, Ordering::Relaxed);
        (outputs, reads.join().unwrap())
    });

    let mut new_articles = 0;
    for output in &outputs {
        let errors = stderr(output);
        assert!(output.status.success(), "{errors}");
        assert!(!errors.to_lowercase().contains("locked"), "{errors}");
        assert!(!errors.to_lowercase().contains("busy"), "{errors}");
        let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(summary["rejected"], 0);
        new_articles += summary["new_articles"].as_i64().unwrap();
    }
    assert!(reads > 0);
    assert_eq!(new_articles, DISTINCT);
    assert_eq!(db.count("SELECT count(*) FROM articles"), DISTINCT);
    assert_eq!(
        db.count("SELECT count(DISTINCT title) FROM articles"),
        DISTINCT
    );
    // Every item read is one arrival: nothing was lost between the two writers. Both read
    // 2.jsonl, so its articles have one sighting each, seen twice.
    assert_eq!(db.count("SELECT sum(times_seen) FROM sightings"), ITEMS);
    assert_eq!(db.count("SELECT count(*) FROM sightings"), ITEMS - 3_000);
    assert_eq!(db.count("SELECT count(*) FROM article_authors"), DISTINCT);
    assert_eq!(db.count("SELECT count(*) FROM sources"), 13);
    assert_eq!(db.count("SELECT count(*) FROM authors"), 97);
    assert_eq!(
        db.count("SELECT count(*) FROM imports WHERE finished_at IS NOT NULL AND items = 6000"),
        2
    );
    assert_eq!(
        db.count("SELECT count(*) FROM articles_fts_docsize"),
        DISTINCT
    );
    db.connect()
        .execute(
            "INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')",
            [],
        )
        .expect("the full-text index matches the articles");
}

#[test]
fn a_backup_taken_during_an_import_is_sound() {
    const ARTICLES: i64 = 4_000;
    let db = TestDb::new();
    assert!(db.run(&["init"]).status.success());
    let input = articles_file(&db, "articles.jsonl", 0..ARTICLES as usize);
    let copy = db.folder.path().join("backup.sqlite");

    let import = spawn_import(&db, &[&input], "100");
    // Start the backup once the import has committed something, while it is still writing.
    let conn = reader(&db);
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let count: i64 = conn
            .query_row("SELECT count(*) FROM articles", [], |row| row.get(0))
            .unwrap();
        if count > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let backup = db.run(&["backup", copy.to_str().unwrap()]);
    let import = import.wait_with_output().unwrap();
    assert!(import.status.success(), "{}", stderr(&import));
    assert!(backup.status.success(), "{}", stderr(&backup));
    assert!(
        stderr(&backup).contains("integrity ok"),
        "{}",
        stderr(&backup)
    );
    assert_eq!(db.count("SELECT count(*) FROM articles"), ARTICLES);

    let copy = Connection::open(&copy).unwrap();
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let articles: i64 = copy
        .query_row("SELECT count(*) FROM articles", [], |row| row.get(0))
        .unwrap();
    assert!((0..=ARTICLES).contains(&articles), "{articles}");
    eprintln!("the backup holds {articles} of {ARTICLES} articles");
    copy.execute(
        "INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')",
        [],
    )
    .expect("the copy's full-text index matches its articles");
    // A consistent snapshot: every article in the copy has its sighting and its author.
    let orphans: i64 = copy
        .query_row(
            "SELECT count(*) FROM articles a
              WHERE NOT EXISTS (SELECT 1 FROM sightings s WHERE s.article_id = a.id)
                 OR NOT EXISTS (SELECT 1 FROM article_authors x WHERE x.article_id = a.id)",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
}

/// Talks between two organisations, `range` of them, as JSON Lines.
fn talks_file(db: &TestDb, name: &str, range: std::ops::Range<usize>) -> PathBuf {
    let lines: String = range
        .map(|n| {
            let record = serde_json::json!({
                "title": format!("Talks, round {n}"),
                "body": format!(
                    "Delegates of the United Nations met the European Commission in Geneva for \
                     round {n}. The United Nations said the talks would go on."
                ),
                "source": "Desk",
            });
            format!("{record}\n")
        })
        .collect();
    db.file(name, lines)
}

#[test]
fn entities_merged_by_another_process_during_an_import_get_its_later_mentions() {
    let db = TestDb::new();
    assert!(db.run(&["init"]).status.success());
    let first = talks_file(&db, "first.jsonl", 0..10);
    let second = talks_file(&db, "second.jsonl", 10..20);
    let mut store = newsdb::Store::open(&db.path, &OpenOptions::default()).unwrap();
    let options = ImportOptions {
        batch_size: 10,
        ..ImportOptions::default()
    };
    let mut removed = None;
    // The import asks for its second input once it has read the first; by then it knows both
    // entities' ids. Once the first batch is committed, another process merges them, and only
    // then does the import go on.
    let inputs = [first, second]
        .into_iter()
        .enumerate()
        .map(|(index, path)| {
            if index == 1 {
                db.wait_for_articles(10, Duration::from_secs(120));
                removed = Some(db.count("SELECT id FROM entities WHERE name = 'United Nations'"));
                let merge = db.run(&["entity", "merge", "European Commission", "United Nations"]);
                assert!(merge.status.success(), "{}", stderr(&merge));
            }
            Input::Path(path)
        });
    let summary = run_inputs(&mut store, inputs, &options, &mut Silent).unwrap();
    assert_eq!((summary.new_articles, summary.rejected), (20, 0));
    drop(store);

    assert_eq!(db.count("SELECT count(*) FROM articles"), 20);
    let conn = db.connect();
    let violations = conn
        .prepare("PRAGMA foreign_key_check")
        .unwrap()
        .query_map([], |_| Ok(()))
        .unwrap()
        .count();
    assert_eq!(violations, 0, "mentions of an entity that is gone");
    let removed = removed.expect("the merge ran");
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM mentions WHERE entity_id = {removed}"
        )),
        0
    );
    // Every "United Nations", moved by the merge or found by the second batch, is a mention of
    // the entity it was merged into (not of the old entity, nor of a new one made again).
    assert_eq!(
        db.count(
            "SELECT count(*) FROM entity_mentions
              WHERE entity = 'European Commission' AND surface = 'United Nations'"
        ),
        40
    );
}
