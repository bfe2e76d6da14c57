//! End to end: opening, migrating and refusing databases.

mod common;

use common::{TestDb, stderr, stdout};

#[test]
fn init_creates_a_wal_database_with_the_whole_schema() {
    let db = TestDb::new();
    db.newsdb().arg("init").assert().success();
    let conn = db.connect();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    for table in [
        "articles",
        "sources",
        "article_sources",
        "authors",
        "article_authors",
        "article_urls",
        "sightings",
        "article_raw",
        "entities",
        "entity_aliases",
        "mentions",
        "feeds",
        "imports",
        "import_rejects",
        "saved_queries",
        "articles_fts",
        "meta",
        "article_overview",
        "entity_mentions",
    ] {
        let exists: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = ?1)",
                [table],
                |row| row.get(0),
            )
            .unwrap();
        assert!(exists, "{table} is missing");
    }
    assert_eq!(
        db.column("SELECT value FROM meta WHERE key = 'hash_scheme'"),
        ["1"]
    );
}

#[test]
fn migrate_status_lists_migrations_and_schema_prints_sql() {
    let db = TestDb::new();
    db.newsdb().arg("init").assert().success();
    let output = db.run(&["migrate", "--status", "--format", "csv"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with("version,name,state,applied_on\n"),
        "{text}"
    );
    assert!(text.contains("1,init,applied,"), "{text}");

    let schema = stdout(&db.run(&["schema"]));
    assert!(schema.contains("CREATE TABLE articles"), "{schema}");
    assert!(
        schema.contains("CREATE TRIGGER articles_fts_insert"),
        "{schema}"
    );
}

#[test]
fn stats_counts_rows() {
    let db = TestDb::new();
    db.newsdb()
        .args(["import", common::seed().to_str().unwrap()])
        .assert()
        .success();
    let output = db.run(&["stats", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let value = |name: &str| {
        rows.iter()
            .find(|row| row["name"] == name)
            .map(|row| row["value"].clone())
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert_eq!(value("articles"), 1);
    assert_eq!(value("authors"), 5);
    // The newest migration file, whatever later migrations add.
    let newest = std::fs::read_dir(common::root().join("migrations/sqlite"))
        .unwrap()
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            name.strip_prefix('V')?
                .split_once("__")?
                .0
                .parse::<i64>()
                .ok()
        })
        .max()
        .unwrap();
    assert_eq!(value("schema_version"), newest);
    assert!(value("size_bytes").as_i64().unwrap() > 0);
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let db = TestDb::new();
    db.newsdb().arg("init").assert().success();
    {
        let conn = db.connect();
        conn.execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
             VALUES (99, 'from_the_future', '2030-01-01T00:00:00Z', '0')",
            [],
        )
        .unwrap();
        // Back to a rollback journal, so any write newsdb attempted would show in the file.
        conn.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))
            .unwrap();
    }
    let before = std::fs::read(&db.path).unwrap();
    for args in [
        &["init"][..],
        &["stats"],
        &["import", "-", "--format", "jsonl"],
    ] {
        let output = db.newsdb().args(args).write_stdin("").output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = stderr(&output);
        assert!(
            message.contains(&db.path.display().to_string()),
            "{message}"
        );
        assert!(message.contains("schema version 99 is newer"), "{message}");
    }
    assert_eq!(std::fs::read(&db.path).unwrap(), before, "the file changed");
    assert!(!db.path.with_extension("sqlite-wal").exists());
}

#[test]
fn paths_that_cannot_be_opened_exit_2_naming_the_path() {
    let db = TestDb::new();
    let folder = db.folder.path().join("a-folder");
    std::fs::create_dir(&folder).unwrap();
    let not_sqlite = db.file(
        "notes.sqlite",
        "These are my notes, not a database at all.\n".repeat(200),
    );
    let missing_parent = db.folder.path().join("no/such/folder/news.sqlite");
    for path in [&folder, &not_sqlite, &missing_parent] {
        let output = common::newsdb()
            .arg("--db")
            .arg(path)
            .arg("init")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", path.display());
        let message = stderr(&output);
        assert!(
            message.starts_with(&format!("newsdb: {}: ", path.display())),
            "{message}"
        );
    }
    assert_eq!(
        std::fs::read(&not_sqlite).unwrap(),
        "These are my notes, not a database at all.\n"
            .repeat(200)
            .as_bytes()
    );
}

#[test]
fn a_read_only_file_is_refused_for_writes() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::new();
    db.newsdb().arg("init").assert().success();
    std::fs::set_permissions(&db.path, std::fs::Permissions::from_mode(0o000)).unwrap();
    // root ignores file permissions; there is nothing to test then.
    if std::fs::File::open(&db.path).is_ok() {
        eprintln!("skipped: running as root, permissions are not enforced");
        return;
    }
    let output = db.run(&["init"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains(&db.path.display().to_string()));
}

#[test]
fn usage_errors_exit_2() {
    let output = common::newsdb().args(["import"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = common::newsdb()
        .args(["import", "x", "--format", "pdf"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn new_databases_get_16_kb_pages_and_existing_ones_keep_theirs() {
    let db = TestDb::new();
    db.newsdb().arg("init").assert().success();
    assert_eq!(db.count("PRAGMA page_size"), 16_384);
    assert_eq!(
        db.count("SELECT v FROM articles_fts_config WHERE k = 'automerge'"),
        8
    );

    let old = TestDb::new();
    {
        let conn = old.connect();
        conn.execute_batch("PRAGMA page_size = 4096; CREATE TABLE other_tool (x);")
            .unwrap();
    }
    // Another tool's database: refused as it is, adopted on request.
    old.newsdb().arg("init").assert().code(2);
    old.newsdb().args(["init", "--adopt"]).assert().success();
    old.newsdb()
        .args(["import", common::sample("wire.jsonl").to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(old.count("PRAGMA page_size"), 4096);
    assert_eq!(old.count("SELECT count(*) FROM articles"), 3);
}

const FTS_INSERT_TRIGGER: &str =
    "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = 'articles_fts_insert'";

/// Generated JSON Lines: `count` distinct articles.
fn generated(db: &TestDb, count: usize) -> std::path::PathBuf {
    let shape = common::ArticleShape {
        label: "Dispatch",
        paragraph_label: "part",
        words: &common::WORDS,
        words_per_paragraph: 12,
        choice: common::WordChoice::Pattern,
        record: |n, body| serde_json::json!({"title": format!("Dispatch {n}"), "body": body}),
    };
    db.file("generated.jsonl", common::articles_jsonl(&shape, 0..count))
}

#[test]
fn batch_imports_leave_the_full_text_trigger_as_they_found_it() {
    let db = TestDb::new();
    db.newsdb().arg("init").assert().success();
    let before = db.column(FTS_INSERT_TRIGGER);
    assert_eq!(before.len(), 1);

    let schema_version = db.count("PRAGMA schema_version");
    let input = generated(&db, 2_500);
    db.newsdb()
        .args(["import", input.to_str().unwrap(), "--batch-size", "1000"])
        .assert()
        .success();
    assert_eq!(db.column(FTS_INSERT_TRIGGER), before);
    // A schema change would make other connections' full-text queries fail with SQLITE_SCHEMA.
    assert_eq!(db.count("PRAGMA schema_version"), schema_version);
    assert_eq!(db.count("SELECT count(*) FROM articles_fts_docsize"), 2_500);
    let conn = db.connect();
    conn.execute(
        "INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')",
        [],
    )
    .expect("the full-text index matches the articles");

    // The trigger still indexes what other programs write.
    conn.execute(
        "INSERT INTO articles (content_hash, title, body) VALUES (?1, 'Quayside', 'Zeppelins over the quay')",
        [format!("{:064x}", 7)],
    )
    .unwrap();
    assert_eq!(
        db.count("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'zeppelins'"),
        1
    );
}

#[test]
fn an_import_indexes_its_articles_even_where_another_tool_dropped_the_trigger() {
    let db = TestDb::new();
    db.newsdb().arg("init").assert().success();
    db.connect()
        .execute_batch("DROP TRIGGER articles_fts_insert")
        .unwrap();
    let input = generated(&db, 300);
    db.newsdb()
        .args(["import", input.to_str().unwrap()])
        .assert()
        .success();
    assert!(db.column(FTS_INSERT_TRIGGER).is_empty(), "left as found");
    assert_eq!(
        db.count("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'dispatch'"),
        300
    );
}

/// The importer skips the insert triggers it pauses (see `PausedTriggersSkipped`), never another
/// tool's: an audit trigger on `articles` and one on `article_entities` see every row imported.
#[test]
fn an_import_runs_other_tools_insert_triggers() {
    let db = TestDb::new();
    db.newsdb().arg("init").assert().success();
    db.connect()
        .execute_batch(
            "CREATE TABLE audit (tbl TEXT, id INTEGER);
             CREATE TRIGGER audit_articles AFTER INSERT ON articles
             BEGIN INSERT INTO audit VALUES ('articles', NEW.id); END;
             CREATE TRIGGER audit_mentions AFTER INSERT ON article_entities
             BEGIN INSERT INTO audit VALUES ('article_entities', NEW.article_id); END;",
        )
        .unwrap();
    db.newsdb()
        .args(["import", common::sample("").to_str().unwrap()])
        .assert()
        .success();
    let articles = db.count("SELECT count(*) FROM articles");
    let mention_rows = db.count("SELECT count(*) FROM article_entities");
    assert!(articles > 0 && mention_rows > 0);
    assert_eq!(
        db.count("SELECT count(*) FROM audit WHERE tbl = 'articles'"),
        articles
    );
    assert_eq!(
        db.count("SELECT count(*) FROM audit WHERE tbl = 'article_entities'"),
        mention_rows
    );
}

/// V20 rewrote the CHECK constraints of `article_entities` and `article_raw` from `IN` lists to
/// comparisons (SQLite runs those far faster per row). A new database and one migrated from
/// schema 12 both hold the new text, still refuse what the lists refused, accept what they
/// accepted, and pass SQLite's integrity check.
#[test]
fn the_rewritten_checks_refuse_what_the_old_ones_refused() {
    let fresh = TestDb::new();
    fresh
        .newsdb()
        .arg("import")
        .arg(common::sample("wire.jsonl"))
        .assert()
        .success();
    let migrated = TestDb::new();
    std::fs::copy(
        common::root().join("tests/fixtures/raw/schema12.sqlite"),
        &migrated.path,
    )
    .unwrap();
    migrated.newsdb().arg("migrate").assert().success();

    for db in [&fresh, &migrated] {
        let conn = db.connect();
        let schema: String = conn
            .query_row(
                "SELECT group_concat(sql, char(10)) FROM sqlite_master
                  WHERE name IN ('article_entities', 'article_raw')",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert!(!schema.contains(" IN ("), "{schema}");
        for comparison in [
            "field = 'summary'",
            "method = 'coreference'",
            "codec = 'zstd'",
        ] {
            assert!(schema.contains(comparison), "{comparison} in {schema}");
        }

        let article: i64 = conn
            .query_row("SELECT min(article_id) FROM article_raw", [], |row| {
                row.get(0)
            })
            .unwrap();
        conn.execute(
            "INSERT INTO entities (kind, name, key) VALUES ('person', 'Check Test', 'check test')",
            [],
        )
        .unwrap();
        let entity = conn.last_insert_rowid();
        let insert = |field: &str, method: &str| {
            conn.execute(
                "INSERT INTO article_entities
                        (article_id, entity_id, field, mention_count, method, confidence, spans)
                 VALUES (?1, ?2, ?3, 1, ?4, 1.0, '[[0,1,0]]')",
                rusqlite::params![article, entity, field, method],
            )
        };
        for (field, method) in [
            ("headline", "rule"),
            ("Title", "rule"),
            ("body", "magic"),
            ("body", "Import"),
            ("body", ""),
        ] {
            let error = insert(field, method).unwrap_err().to_string();
            assert!(
                error.contains("CHECK constraint failed"),
                "{field}/{method}: {error}"
            );
        }
        for method in ["gazetteer", "rule", "alias", "coreference", "import"] {
            for field in ["title", "summary", "body"] {
                insert(field, method).unwrap();
            }
            conn.execute(
                "DELETE FROM article_entities WHERE entity_id = ?1",
                [entity],
            )
            .unwrap();
        }

        let set_codec = |codec: &str| {
            conn.execute(
                "UPDATE article_raw SET codec = ?2 WHERE article_id = ?1",
                rusqlite::params![article, codec],
            )
        };
        let stored: String = conn
            .query_row(
                "SELECT codec FROM article_raw WHERE article_id = ?1",
                [article],
                |row| row.get(0),
            )
            .unwrap();
        for codec in ["gzip", "ZSTD", ""] {
            let error = set_codec(codec).unwrap_err().to_string();
            assert!(
                error.contains("CHECK constraint failed"),
                "{codec}: {error}"
            );
        }
        for codec in ["identity", "zstd", "zstd-article"] {
            set_codec(codec).unwrap();
        }
        set_codec(&stored).unwrap();

        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
    }
}
