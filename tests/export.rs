//! Export and backup: an export imported into an empty database rebuilds the same store, and a
//! backup never replaces a file it was not told to.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

use common::{TestDb, root, sample, seed, stderr, stdout};

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/export").join(name)
}

/// Database A: the seed first (so its credit line gives the stored credits and people), then the
/// varied fixtures, then the samples (duplicates of the seed under other URLs and GUIDs), and
/// entity mentions written with SQL, as another tool would. Extraction is off on both sides, so
/// the mentions compared are exactly these.
fn store_a() -> TestDb {
    let db = TestDb::new();
    let output = db.run(&[
        "import",
        "--no-entities",
        seed().to_str().unwrap(),
        fixture("").to_str().unwrap(),
        sample("").to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    add_mentions(&db);
    db
}

/// Character offsets of the `nth` occurrence of `surface` in `text`.
fn char_span(text: &str, surface: &str, nth: usize) -> (i64, i64) {
    let (at, _) = text
        .match_indices(surface)
        .nth(nth)
        .unwrap_or_else(|| panic!("{surface:?} #{nth} not in {text:?}"));
    let start = text[..at].chars().count() as i64;
    (start, start + surface.chars().count() as i64)
}

fn add_mentions(db: &TestDb) {
    let conn = db.connect();
    let article = |title_prefix: &str| -> (i64, String, String) {
        conn.query_row(
            "SELECT id, title, body FROM articles WHERE title LIKE ?1 || '%'",
            [title_prefix],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap()
    };
    let entity = |kind: &str, name: &str| -> i64 {
        conn.query_row(
            "INSERT INTO entities (kind, name, key) VALUES (?1, ?2, lower(?2)) RETURNING id",
            [kind, name],
            |row| row.get(0),
        )
        .unwrap()
    };
    let kim = entity("person", "Kim Jong Un");
    let russia = entity("location", "Russia");
    let busan = entity("location", "Busan");
    let mention = |article: i64, entity: i64, field: &str, (start, end): (i64, i64)| {
        conn.execute(
            "INSERT INTO mentions (article_id, entity_id, field, start, \"end\", method)
             VALUES (?1, ?2, ?3, ?4, ?5, 'gazetteer')",
            rusqlite::params![article, entity, field, start, end],
        )
        .unwrap();
    };
    let (seed_id, title, body) = article("Kim Jong Un reportedly");
    mention(seed_id, kim, "title", char_span(&title, "Kim Jong Un", 0));
    mention(seed_id, russia, "title", char_span(&title, "Russia", 0));
    mention(seed_id, kim, "body", char_span(&body, "Kim Jong-un", 0));
    mention(seed_id, russia, "body", char_span(&body, "Russia", 0));
    mention(seed_id, russia, "body", char_span(&body, "Russia", 1));
    // Offsets after non-ASCII text count characters, not bytes.
    let (quotes_id, _, body) = article("“Quotes”");
    mention(quotes_id, busan, "body", char_span(&body, "서울", 0));
    let (ports_id, _, body) = article("Ports reopen");
    mention(ports_id, busan, "body", char_span(&body, "Busan", 0));
}

/// `newsdb export` with `args`, parsed; the command must succeed.
fn export(db: &TestDb, args: &[&str]) -> Vec<Value> {
    let output = db.newsdb().arg("export").args(args).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

/// Everything about each article that a rebuild must reproduce, keyed by content hash.
fn articles(db: &TestDb) -> Vec<String> {
    db.column(
        "SELECT json_array(a.content_hash, a.title, a.body, a.summary, a.url, a.language,
                           a.published_at, a.published_raw, a.word_count,
                           s.name, s.key, s.home_url, s.domain,
                           json((SELECT json_group_array(name) FROM
                              (SELECT au.name FROM article_authors aa
                                 JOIN authors au ON au.id = aa.author_id
                                WHERE aa.article_id = a.id ORDER BY aa.position))),
                           json((SELECT json_group_array(name) FROM
                              (SELECT cs.name || '@' || x.position AS name FROM article_sources x
                                 JOIN sources cs ON cs.id = x.source_id
                                WHERE x.article_id = a.id AND x.role = 'credit'
                                ORDER BY x.position))),
                           (SELECT value FROM article_urls u
                             WHERE u.article_id = a.id AND u.kind = 'guid'
                             ORDER BY first_seen_at, value LIMIT 1))
           FROM articles a LEFT JOIN sources s ON s.id = a.source_id
          ORDER BY a.content_hash",
    )
}

fn counts(db: &TestDb) -> Vec<String> {
    [
        "articles",
        "sources",
        "article_sources",
        "authors",
        "article_authors",
    ]
    .iter()
    .map(|table| {
        let count = db.count(&format!("SELECT count(*) FROM {table}"));
        format!("{table}: {count}")
    })
    .collect()
}

fn sources(db: &TestDb) -> Vec<String> {
    db.column("SELECT json_array(name, key, home_url, domain) FROM sources ORDER BY key")
}

/// Mentions as (article hash, entity, kind, field, start, end).
fn mentions(db: &TestDb) -> Vec<String> {
    db.column(
        "SELECT json_array(a.content_hash, m.entity, m.kind, m.field, m.start, m.\"end\")
           FROM entity_mentions m JOIN articles a ON a.id = m.article_id
          ORDER BY 1",
    )
}

/// An export without what a rebuild legitimately changes: import times, and the extra URLs and
/// GUIDs and the entities, which the importer does not read back (see the README).
fn comparable(records: &[Value]) -> Vec<Value> {
    let mut records: Vec<Value> = records
        .iter()
        .cloned()
        .map(|mut record| {
            let object = record.as_object_mut().unwrap();
            for key in ["imported_at", "urls", "guids", "entities"] {
                object.remove(key);
            }
            record
        })
        .collect();
    records.sort_by_key(|record| record["content_hash"].as_str().unwrap().to_owned());
    records
}

fn import_export(records_file: &Path) -> TestDb {
    let db = TestDb::new();
    let output = db.run(&["import", "--no-entities", records_file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("0 duplicates"),
        "{}",
        stderr(&output)
    );
    db
}

#[test]
fn an_export_imported_into_an_empty_database_rebuilds_the_store() {
    let a = store_a();
    let file = a.folder.path().join("export.jsonl");
    let output = a
        .newsdb()
        .args(["export", "-o", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let stored = a.count("SELECT count(*) FROM articles");
    assert!(
        stderr(&output).contains(&format!("exported {stored} articles")),
        "{}",
        stderr(&output)
    );
    let b = import_export(&file);

    assert_eq!(articles(&b), articles(&a));
    assert_eq!(counts(&b), counts(&a));
    assert_eq!(sources(&b), sources(&a));
    // Not vacuous: credits, several authors, a title-only article and an unparsed date are there.
    let expected_credits = "[\"The Korea Herald@0\",\"CNN@1\"]";
    assert!(
        articles(&a)
            .iter()
            .any(|row| row.contains(expected_credits))
    );
    assert!(a.count("SELECT count(*) FROM articles WHERE body = '' AND summary IS NOT NULL") >= 1);
    assert_eq!(
        a.count(
            "SELECT count(*) FROM articles WHERE published_at IS NULL AND published_raw IS NOT NULL"
        ),
        1
    );

    // Exporting the rebuilt store gives the same records.
    let from_a: Vec<Value> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(comparable(&export(&b, &[])), comparable(&from_a));
}

#[test]
fn exported_records_carry_the_mentions_and_the_seed_reads_back_clean() {
    let a = store_a();
    let records = export(&a, &[]);
    let seed_record = records
        .iter()
        .find(|record| {
            record["title"]
                .as_str()
                .unwrap()
                .starts_with("Kim Jong Un reportedly")
        })
        .unwrap();

    // The seed's body is the stored clean body plus the rendered credit line, nothing else.
    let stored: Vec<String> = a.column(&format!(
        "SELECT body FROM articles WHERE content_hash = '{}'",
        seed_record["content_hash"].as_str().unwrap()
    ));
    let body = seed_record["body"].as_str().unwrap();
    assert_eq!(
        body,
        format!("{}\n\n(Source: The Korea Herald | CNN)", stored[0])
    );
    assert!(body.starts_with("Government sources have confirmed"));
    assert!(
        body.ends_with("\n\n(Source: The Korea Herald | CNN)"),
        "{body}"
    );
    for unwanted in ["Estimated read time", "A | a-+=", "You May Also Like"] {
        assert!(!body.contains(unwanted), "{unwanted}");
    }
    assert_eq!(
        seed_record["credits"],
        serde_json::json!(["The Korea Herald", "CNN"])
    );
    assert_eq!(
        seed_record["authors"],
        serde_json::json!([
            "Ji Da-gyum",
            "Jake Kwon",
            "Gawon Bae",
            "Jessie Yeung",
            "Brad Lendon"
        ])
    );
    // Duplicates of the seed arrived under a URL and a GUID: all are listed.
    assert_eq!(seed_record["guid"], "wire-2023-09-11-kim");
    assert_eq!(seed_record["urls"].as_array().unwrap().len(), 1);

    // Every mention in the database is in the export, in the importer's shape, and its offsets
    // select the surface in the exported title or body.
    let mut exported = Vec::new();
    for record in &records {
        for entity in record["entities"].as_array().unwrap() {
            for mention in entity["mentions"].as_array().unwrap() {
                let field = mention["field"].as_str().unwrap();
                let text = match &record[field] {
                    Value::String(text) => text.clone(),
                    Value::Object(declared) => declared["value"].as_str().unwrap().to_owned(),
                    other => panic!("{field}: {other}"),
                };
                let (start, end) = (
                    mention["start"].as_u64().unwrap() as usize,
                    mention["end"].as_u64().unwrap() as usize,
                );
                let surface: String = text.chars().skip(start).take(end - start).collect();
                assert!(!surface.is_empty());
                exported.push(
                    serde_json::json!([
                        record["content_hash"],
                        entity["name"],
                        entity["kind"],
                        field,
                        start,
                        end
                    ])
                    .to_string(),
                );
            }
        }
    }
    exported.sort();
    assert_eq!(exported.len(), 7);
    assert_eq!(exported, mentions(&a));
    let surfaces =
        a.column("SELECT surface FROM entity_mentions ORDER BY article_id, field DESC, start");
    assert_eq!(
        surfaces,
        [
            "Kim Jong Un",
            "Russia",
            "Kim Jong-un",
            "Russia",
            "Russia",
            "Busan",
            "서울"
        ]
    );
}

/// Exported mentions come back as mentions with method `import`, at the same places.
#[test]
fn reimported_mentions_match_the_original() {
    let a = store_a();
    let file = a.folder.path().join("export.jsonl");
    let output = a
        .newsdb()
        .args(["export", "-o", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let b = import_export(&file);
    assert_eq!(mentions(&b), mentions(&a));
}

/// Regression: the normaliser once took at most two credit lines from each end, so a third
/// survived the first import and went on the second, changing the hash.
#[test]
fn a_body_ending_in_three_credit_lines_reimports_with_the_same_hash() {
    let a = TestDb::new();
    let text = a.file(
        "three.txt",
        "Three credit lines\n\nBody paragraph one is here.\n\n\
         By Jane Doe\n\nReporting by John Roe\n\nEditing by Mary Major\n",
    );
    assert!(a.run(&["import", text.to_str().unwrap()]).status.success());
    let file = a.folder.path().join("export.jsonl");
    assert!(
        a.run(&["export", "-o", file.to_str().unwrap()])
            .status
            .success()
    );
    let b = import_export(&file);
    assert_eq!(
        b.column("SELECT content_hash FROM articles"),
        a.column("SELECT content_hash FROM articles")
    );
}

#[test]
fn since_selects_by_import_time() {
    let db = TestDb::new();
    let output = db.run(&["import", sample("wire.jsonl").to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    // Four records, two of them the same story.
    assert_eq!(export(&db, &["--since", "2000-01-01"]).len(), 3);
    assert_eq!(export(&db, &["--format", "jsonl"]).len(), 3);
    assert_eq!(
        export(&db, &["--since", "2999-01-01T00:00:00+09:00"]).len(),
        0
    );
    db.connect()
        .execute(
            "UPDATE articles SET imported_at = '2001-02-03T04:05:06Z' WHERE id = 1",
            [],
        )
        .unwrap();
    assert_eq!(export(&db, &["--since", "2010-01-01"]).len(), 2);
    for bad in ["yesterday-ish", ""] {
        let output = db.run(&["export", "--since", bad]);
        assert_eq!(output.status.code(), Some(2), "{bad}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("YYYY-MM-DD"),
            "{}",
            stderr(&output)
        );
    }
}

#[test]
fn backup_refuses_to_replace_a_file_unless_forced() {
    let db = TestDb::new();
    let output = db.run(&["import", sample("").to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let dest = db.file("copy.sqlite", "precious");

    let output = db.run(&["backup", dest.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--force"), "{}", stderr(&output));
    assert_eq!(std::fs::read(&dest).unwrap(), b"precious");

    let output = db.run(&["backup", dest.to_str().unwrap(), "--force"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stored = db.count("SELECT count(*) FROM articles");
    assert!(
        stderr(&output).contains(&format!("backed up {stored} articles")),
        "{}",
        stderr(&output)
    );
    let copy = rusqlite::Connection::open(&dest).unwrap();
    let articles: i64 = copy
        .query_row("SELECT count(*) FROM articles", [], |row| row.get(0))
        .unwrap();
    assert_eq!(articles, stored);
    let leftovers: Vec<_> = std::fs::read_dir(db.folder.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("newsdb-backup"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let output = db.run(&["backup", db.path.to_str().unwrap(), "--force"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}
