//! The same end-to-end cases on both backends (issue 17): SQLite files and PostgreSQL databases
//! in a throwaway cluster (see tests/common/postgres.rs).

mod common;

use std::collections::BTreeMap;

use common::postgres as test_postgres;

/// Each test gets a database of its own: what one writes, another does not see.
#[test]
fn each_test_gets_a_fresh_postgres_database() {
    let Some(first) = test_postgres::database() else {
        return;
    };
    let Some(second) = test_postgres::database() else {
        return;
    };
    assert_ne!(first, second);
    let mut one = postgres::Client::connect(&first, postgres::NoTls).unwrap();
    one.batch_execute("CREATE TABLE marker (id integer)")
        .unwrap();
    let mut two = postgres::Client::connect(&second, postgres::NoTls).unwrap();
    let tables: i64 = two
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'marker'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0);
}

/// A test database on PostgreSQL, made by `newsdb init`; None when skipped.
fn postgres_newsdb() -> Option<String> {
    let url = test_postgres::database()?;
    common::newsdb()
        .args(["--db", &url, "init"])
        .assert()
        .success();
    Some(url)
}

fn newsdb_on(db: &str, args: &[&str]) -> std::process::Output {
    common::newsdb()
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("newsdb runs")
}

/// Runs `args` on both backends, which must both succeed; returns (SQLite's, PostgreSQL's).
fn run_on_both(
    sqlite: &common::TestDb,
    url: &str,
    args: &[&str],
) -> (std::process::Output, std::process::Output) {
    let on_sqlite = sqlite.run(args);
    let on_postgres = newsdb_on(url, args);
    assert!(on_sqlite.status.success(), "{}", common::stderr(&on_sqlite));
    assert!(
        on_postgres.status.success(),
        "{args:?}: {}",
        common::stderr(&on_postgres)
    );
    (on_sqlite, on_postgres)
}

/// Runs `args` on both backends: both succeed and print the same; returns what they print.
fn same_output(sqlite: &common::TestDb, url: &str, args: &[&str]) -> String {
    let (on_sqlite, on_postgres) = run_on_both(sqlite, url, args);
    assert_eq!(
        common::stdout(&on_postgres),
        common::stdout(&on_sqlite),
        "{args:?}"
    );
    common::stdout(&on_sqlite)
}

/// The tables and views a user's SQL can name, and their columns, on each backend.
fn sqlite_columns(path: &std::path::Path) -> BTreeMap<String, Vec<String>> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut statement = conn
        .prepare(
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_xinfo(m.name) p
              WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite%'
                AND m.name NOT LIKE 'articles_fts%' AND m.name <> 'fts_sync_pause'
                AND m.name <> 'refinery_schema_history'
              ORDER BY m.name, p.cid",
        )
        .unwrap();
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in statement
        .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?)))
        .unwrap()
    {
        let (table, column) = row.unwrap();
        tables.entry(table).or_default().push(column);
    }
    tables
}

fn postgres_columns(url: &str) -> BTreeMap<String, Vec<String>> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in client
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
              WHERE table_schema = 'public' AND table_name <> 'refinery_schema_history'
                AND column_name <> 'search_document'
              ORDER BY table_name, ordinal_position",
            &[],
        )
        .unwrap()
    {
        tables.entry(row.get(0)).or_default().push(row.get(1));
    }
    tables
}

/// One logical schema: every table and view of the SQLite schema exists on PostgreSQL with the
/// same columns in the same order (full-text search aside: SQLite's `articles_fts` is
/// PostgreSQL's `articles.search_document`).
#[test]
fn both_backends_have_the_same_tables_views_and_columns() {
    let Some(url) = postgres_newsdb() else {
        return;
    };
    let sqlite = common::TestDb::new();
    sqlite.newsdb().arg("init").assert().success();
    let expected = sqlite_columns(&sqlite.path);
    let found = postgres_columns(&url);
    assert_eq!(
        expected.keys().collect::<Vec<_>>(),
        found.keys().collect::<Vec<_>>()
    );
    for (table, columns) in &expected {
        assert_eq!(Some(columns), found.get(table), "columns of {table}");
    }
}

/// `migrate --status` lists the same versions on both backends, all applied.
#[test]
fn migrate_status_reads_alike_on_both_backends() {
    let Some(url) = postgres_newsdb() else {
        return;
    };
    let output = newsdb_on(&url, &["migrate", "--status", "--format", "csv"]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let text = common::stdout(&output);
    assert!(
        text.starts_with("version,name,state,applied_on\n"),
        "{text}"
    );
    assert!(text.contains("12,init,applied,"), "{text}");
    assert!(!text.contains("pending"), "{text}");
    // The SQLite side's newest version is PostgreSQL's too.
    let sqlite = common::TestDb::new();
    sqlite.newsdb().arg("init").assert().success();
    let output = sqlite.run(&["migrate", "--status", "--format", "csv"]);
    let newest = |text: &str| {
        text.lines()
            .last()
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(newest(&common::stdout(&output)), newest(&text));
}

/// The same ad-hoc SQL prints the same output on both backends.
#[test]
fn query_prints_the_same_on_both_backends() {
    let Some(url) = postgres_newsdb() else {
        return;
    };
    let sqlite = common::TestDb::new();
    sqlite.newsdb().arg("init").assert().success();
    let cases: &[&[&str]] = &[
        &["query", "SELECT key, value FROM meta ORDER BY key"],
        &[
            "query",
            "SELECT :a AS a, :n + 1 AS n, 2.5 AS r, NULL AS missing",
            "-p",
            "a=text",
            "-p",
            "n:int=41",
            "--format",
            "json",
        ],
        &[
            "query",
            "SELECT count(*) AS articles FROM article_overview",
            "--format",
            "csv",
        ],
    ];
    for args in cases {
        let (on_sqlite, on_postgres) = run_on_both(&sqlite, &url, args);
        assert_eq!(
            common::stdout(&on_sqlite),
            common::stdout(&on_postgres),
            "{args:?}"
        );
    }
}

/// Read-only SQL is enforced by the transaction, and the time limit by statement_timeout.
#[test]
fn query_on_postgres_is_read_only_and_timed() {
    let Some(url) = postgres_newsdb() else {
        return;
    };
    let output = newsdb_on(&url, &["query", "INSERT INTO meta VALUES ('x', 'y')"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        common::stderr(&output).contains("would write"),
        "{}",
        common::stderr(&output)
    );
    let output = newsdb_on(
        &url,
        &["query", "SELECT pg_sleep(30)::text", "--timeout", "0.5"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        common::stderr(&output).contains("interrupted after 500ms"),
        "{}",
        common::stderr(&output)
    );
    let output = newsdb_on(
        &url,
        &[
            "query",
            "--write",
            "INSERT INTO meta VALUES ('x', 'y') RETURNING key",
        ],
    );
    assert!(output.status.success(), "{}", common::stderr(&output));
    let output = newsdb_on(
        &url,
        &[
            "query",
            "SELECT value FROM meta WHERE key = 'x'",
            "--format",
            "csv",
        ],
    );
    assert_eq!(common::stdout(&output), "value\ny\n");
}

/// `backup` on PostgreSQL points to `pg_dump` (what backs a server up) and writes nothing.
#[test]
fn backup_on_postgres_points_to_pg_dump() {
    let Some(url) = postgres_newsdb() else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let output = common::newsdb()
        .current_dir(folder.path())
        .args(["--db", &url, "backup", "copy.sqlite"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(common::stderr(&output).contains("pg_dump --format=custom --file=copy.sqlite"));
    assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 0);
}

/// The samples imported into SQLite (with entities), then copied into PostgreSQL: every table
/// holds the same rows, hashes included, and the same SQL prints the same on both.
#[test]
fn copy_moves_a_whole_store_to_postgres() {
    let Some(url) = test_postgres::database() else {
        return;
    };
    let sqlite = common::TestDb::new();
    sqlite
        .newsdb()
        .arg("import")
        .arg(common::root().join("data/samples"))
        .assert()
        .success();
    sqlite
        .newsdb()
        .args(["query", "--write"])
        .arg("INSERT INTO saved_queries (name, sql) VALUES ('mine', 'SELECT 1 AS one')")
        .assert()
        .success();
    let output = sqlite.run(&["copy", "--to", &url]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    assert!(
        common::stderr(&output).contains("copied 9 articles"),
        "{}",
        common::stderr(&output)
    );
    let same = [
        "SELECT count(*) AS n FROM articles",
        "SELECT id, content_hash FROM articles ORDER BY id",
        "SELECT id, source, authors, sightings, times_seen, word_count FROM article_overview ORDER BY id",
        "SELECT article_id, origin, locator, title, times_seen FROM sightings ORDER BY id",
        "SELECT article_id, format, codec, length(bytes) AS size FROM article_raw ORDER BY article_id",
        "SELECT id, kind, name, key, external_id FROM entities ORDER BY id",
        "SELECT article_id, entity_id, field, start, \"end\", method FROM mentions ORDER BY article_id, field, start",
        "SELECT entity, surface FROM entity_mentions ORDER BY article_id, field, start",
        "SELECT name, sql FROM saved_queries ORDER BY name",
        "SELECT key, value FROM meta ORDER BY key",
        "SELECT entity_id, articles, mentions, first_seen, last_seen FROM entity_totals ORDER BY entity_id",
        "SELECT entity_id, month, articles FROM entity_months ORDER BY entity_id, month",
        "SELECT article_id, story_id FROM article_stories ORDER BY article_id",
        "SELECT article_id, length(sketch) AS size FROM article_sketches ORDER BY article_id",
        "SELECT key, article_id FROM story_keys ORDER BY key, article_id",
    ];
    for sql in same {
        let on_sqlite = sqlite.run(&["query", sql, "--format", "csv"]);
        let on_postgres = newsdb_on(&url, &["query", sql, "--format", "csv"]);
        assert!(
            on_postgres.status.success(),
            "{sql}: {}",
            common::stderr(&on_postgres)
        );
        assert_eq!(
            common::stdout(&on_sqlite),
            common::stdout(&on_postgres),
            "{sql}"
        );
    }
    // New rows on PostgreSQL get ids after the copied ones.
    let output = newsdb_on(
        &url,
        &[
            "query",
            "--write",
            "INSERT INTO sources (name, key) VALUES ('New Desk', 'new desk') RETURNING id > 1 AS after",
            "--format",
            "csv",
        ],
    );
    assert_eq!(
        common::stdout(&output),
        "after\n1\n",
        "{}",
        common::stderr(&output)
    );
    // Other tools' writes keep the entity totals exact on PostgreSQL too: mentions removed,
    // one added through the `mentions` view, an article's date changed.
    for sql in [
        "DELETE FROM article_entities WHERE article_id = 1",
        "INSERT INTO mentions (article_id, entity_id, field, start, \"end\", method) \
         SELECT 2, min(id), 'body', 0, 3, 'rule' FROM entities",
        "UPDATE articles SET published_at = '2020-01-02T03:04:05Z' WHERE id = 3",
    ] {
        let output = newsdb_on(&url, &["query", "--write", sql]);
        assert!(
            output.status.success(),
            "{sql}: {}",
            common::stderr(&output)
        );
    }
    let drift = "
        WITH recounted AS (
            SELECT ae.entity_id, count(DISTINCT ae.article_id) AS articles,
                   sum(ae.mention_count) AS mentions,
                   min(coalesce(a.published_at, a.imported_at)) AS first_seen,
                   max(coalesce(a.published_at, a.imported_at)) AS last_seen
              FROM article_entities ae LEFT JOIN articles a ON a.id = ae.article_id
             GROUP BY ae.entity_id),
        months AS (
            SELECT ae.entity_id, substr(coalesce(a.published_at, a.imported_at), 1, 7) AS month,
                   count(DISTINCT ae.article_id) AS articles
              FROM article_entities ae JOIN articles a ON a.id = ae.article_id
             GROUP BY ae.entity_id, month),
        stored AS (SELECT entity_id, articles, mentions, first_seen, last_seen FROM entity_totals)
        SELECT (SELECT count(*) FROM (SELECT * FROM recounted EXCEPT SELECT * FROM stored) AS x)
             + (SELECT count(*) FROM (SELECT * FROM stored EXCEPT SELECT * FROM recounted) AS x)
             + (SELECT count(*) FROM (SELECT * FROM months
                                      EXCEPT SELECT entity_id, month, articles FROM entity_months) AS x)
             + (SELECT count(*) FROM (SELECT entity_id, month, articles FROM entity_months
                                      EXCEPT SELECT * FROM months) AS x) AS drift";
    let output = newsdb_on(&url, &["query", drift, "--format", "csv"]);
    assert_eq!(
        common::stdout(&output),
        "drift\n0\n",
        "{}",
        common::stderr(&output)
    );
    // A second copy into the same database is refused, and changes nothing.
    let again = sqlite.run(&["copy", "--to", &url]);
    assert_eq!(again.status.code(), Some(2));
    assert!(common::stderr(&again).contains("already holds articles"));
}

/// The samples imported into a SQLite file and copied into a PostgreSQL database.
fn samples_on_both() -> Option<(common::TestDb, String)> {
    let url = test_postgres::database()?;
    let sqlite = common::TestDb::new();
    sqlite
        .newsdb()
        .arg("import")
        .arg(common::root().join("data/samples"))
        .assert()
        .success();
    sqlite
        .newsdb()
        .args(["copy", "--to", &url])
        .assert()
        .success();
    Some((sqlite, url))
}

/// The ids a search finds, in id order (ranking and snippets are each engine's own).
fn found_ids(output: &std::process::Output) -> Vec<i64> {
    assert!(output.status.success(), "{}", common::stderr(output));
    let mut ids: Vec<i64> = common::stdout(output)
        .lines()
        .skip(1)
        .map(|line| line.split(',').next().unwrap().parse().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

/// Search finds the same articles on both backends: words, phrases, prefixes, OR, NOT,
/// columns; matches are marked alike; a query that cannot be parsed fails on both.
#[test]
fn search_finds_the_same_articles_on_both_backends() {
    let Some((sqlite, url)) = samples_on_both() else {
        return;
    };
    for query in [
        "summit",
        "\"armored train\"",
        "sanction* OR Putin",
        "title:summit",
        "Kim NOT train",
        "(Kim OR Putin) AND train",
        "\"Kim Jong-un\"",
        "nosuchwordanywhere",
    ] {
        let args = ["search", query, "--format", "csv", "--limit", "100"];
        let on_sqlite = found_ids(&sqlite.run(&args));
        let on_postgres = found_ids(&newsdb_on(&url, &args));
        assert_eq!(on_sqlite, on_postgres, "{query}");
    }
    let output = newsdb_on(&url, &["search", "armored", "--format", "csv"]);
    assert!(
        common::stdout(&output).contains("«armored»"),
        "{}",
        common::stdout(&output)
    );
    for backend in [sqlite.path.display().to_string(), url.clone()] {
        let output = newsdb_on(&backend, &["search", "\"armored train"]);
        assert_eq!(output.status.code(), Some(1), "{backend}");
        assert!(
            common::stderr(&output).contains("unbalanced quote"),
            "{backend}"
        );
    }
}

/// Every built-in query runs through `run` on PostgreSQL and prints what SQLite prints (the
/// search ranking and snippets and the stored size are each engine's own: a search prints the
/// same articles).
#[test]
fn built_in_queries_run_alike_on_both_backends() {
    let Some((sqlite, url)) = samples_on_both() else {
        return;
    };
    let runs: [&[&str]; 10] = [
        &["top-entities", "-p", "limit=5"],
        &["top-entities", "-p", "kind=person"],
        &["co-mentions", "-p", "entity=Kim Jong-un"],
        &["duplicates"],
        &["show", "-p", "id=2"],
        &[
            "articles",
            "-p",
            "source=korea herald",
            "-p",
            "since=2023-09-01",
        ],
        &[
            "articles",
            "-p",
            "entity=gull island",
            "-p",
            "until=2024-03-09",
        ],
        &[
            "timeline",
            "-p",
            "by=day",
            "-p",
            "since=2023-09-01",
            "-p",
            "until=2023-09-30",
        ],
        &["timeline", "-p", "entity=Seoul"],
        &["sources"],
    ];
    for run in runs {
        let mut args = vec!["run"];
        args.extend(run);
        args.extend(["--format", "csv"]);
        let printed = same_output(&sqlite, &url, &args);
        assert!(printed.lines().count() > 1, "{args:?}");
    }
    for args in [
        &[
            "run",
            "search",
            "-p",
            "query=summit OR train",
            "-p",
            "order=date",
            "--format",
            "csv",
        ][..],
        &[
            "run",
            "search",
            "-p",
            "query=summit",
            "-p",
            "source=korea herald",
            "--format",
            "csv",
        ],
        &[
            "search", "Kim", "--entity", "Seoul", "--since", "2023-09", "--format", "csv",
        ],
        &["search", "Kim OR island", "--collapse", "--format", "csv"],
    ] {
        let on_sqlite = found_ids(&sqlite.run(args));
        assert!(!on_sqlite.is_empty(), "{args:?}");
        assert_eq!(found_ids(&newsdb_on(&url, args)), on_sqlite, "{args:?}");
    }
    let stats = newsdb_on(&url, &["run", "stats", "--format", "csv"]);
    assert!(stats.status.success(), "{}", common::stderr(&stats));
    assert!(common::stdout(&stats).contains("articles,9"));
    // A date neither engine reads: PostgreSQL says so rather than matching nothing.
    let bad = newsdb_on(&url, &["run", "articles", "-p", "since=soon"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(common::stderr(&bad).contains("`soon` is not a date"));
}

/// `schema` on PostgreSQL prints SQL that makes the same schema again: replayed into an empty
/// database, every table, column, index, view, function and trigger is there.
#[test]
fn schema_on_postgres_replays_to_the_same_schema() {
    let Some(url) = postgres_newsdb() else {
        return;
    };
    let Some(replay) = test_postgres::database() else {
        return;
    };
    let output = newsdb_on(&url, &["schema"]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let schema = common::stdout(&output);
    assert!(schema.contains("CREATE TABLE articles ("), "{schema}");
    let mut client = postgres::Client::connect(&replay, postgres::NoTls).unwrap();
    client.batch_execute(&schema).unwrap();
    let mut expected = postgres_columns(&url);
    expected.remove("refinery_schema_history");
    assert_eq!(postgres_columns(&replay), expected);
    let objects = |url: &str| -> Vec<String> {
        let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
        client
            .query(
                "SELECT indexname::text || ' ' || indexdef FROM pg_indexes
                  WHERE schemaname = 'public' AND tablename <> 'refinery_schema_history'
                 UNION ALL
                 SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal
                 UNION ALL
                 SELECT proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                  WHERE n.nspname = 'public'
                 UNION ALL
                 SELECT viewname::text || ' ' || definition FROM pg_views
                  WHERE schemaname = 'public'
                 ORDER BY 1",
                &[],
            )
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect()
    };
    assert_eq!(objects(&replay), objects(&url));
}

/// `compact` re-encodes the same raw copies on both backends (here every copy made plain
/// again, as a newsdb before schema 10 or another tool stores them), and `show --raw` gives
/// back the same bytes after it.
#[test]
fn compact_reencodes_alike_on_both_backends() {
    let Some((sqlite, url)) = samples_on_both() else {
        return;
    };
    let ids: Vec<i64> = sqlite
        .column("SELECT CAST(article_id AS TEXT) FROM article_raw ORDER BY 1")
        .iter()
        .map(|id| id.parse().unwrap())
        .collect();
    assert!(ids.len() > 3);
    let raw: Vec<Vec<u8>> = ids
        .iter()
        .map(|id| {
            let output = sqlite.run(&["show", &id.to_string(), "--raw"]);
            assert!(output.status.success(), "{}", common::stderr(&output));
            output.stdout
        })
        .collect();
    let sqlite_conn = rusqlite::Connection::open(&sqlite.path).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    for (id, bytes) in ids.iter().zip(&raw) {
        sqlite_conn
            .execute(
                "UPDATE article_raw SET codec = 'identity', bytes = ?2, dictionary = NULL
                  WHERE article_id = ?1",
                rusqlite::params![id, bytes],
            )
            .unwrap();
        client
            .execute(
                "UPDATE article_raw SET codec = 'identity', bytes = $2, dictionary = NULL
                  WHERE article_id = $1",
                &[id, bytes],
            )
            .unwrap();
    }
    drop(sqlite_conn);
    let summary = |output: std::process::Output| -> serde_json::Value {
        assert!(output.status.success(), "{}", common::stderr(&output));
        let mut value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        for sizes in ["free_bytes", "file_bytes_before", "file_bytes_after"] {
            value.as_object_mut().unwrap().remove(sizes);
        }
        value
    };
    let mut on_sqlite = summary(sqlite.run(&["compact", "--json"]));
    let mut on_postgres = summary(newsdb_on(&url, &["compact", "--json"]));
    // Only SQLite's full-text index is made of segments that compact merges.
    let segments = |summary: &mut serde_json::Value| {
        let fields = summary.as_object_mut().unwrap();
        ["search_segments_before", "search_segments_after"].map(|key| fields.remove(key).unwrap())
    };
    let [_, sqlite_after] = segments(&mut on_sqlite);
    assert_eq!(sqlite_after, 1);
    assert_eq!(
        segments(&mut on_postgres),
        [serde_json::Value::Null, serde_json::Value::Null]
    );
    assert_eq!(on_postgres, on_sqlite);
    assert_eq!(on_sqlite["rows_compressed"], ids.len());
    for (id, bytes) in ids.iter().zip(&raw) {
        let shown = newsdb_on(&url, &["show", &id.to_string(), "--raw"]);
        assert_eq!(&shown.stdout, bytes, "article {id}");
    }
    same_output(
        &sqlite,
        &url,
        &[
            "query",
            "--format",
            "csv",
            "SELECT article_id, codec, length(bytes) AS bytes \
          FROM article_raw ORDER BY 1",
        ],
    );
    // Nothing left to do the second time; --vacuum gives the space back.
    let again = summary(newsdb_on(&url, &["compact", "--vacuum", "--json"]));
    assert_eq!(again["rows_read"], 0);
    assert_eq!(again["vacuumed"], true);
}

/// `stats` and `sources` print the same on both backends (the file size is each engine's own).
#[test]
fn stats_and_sources_print_the_same_on_both_backends() {
    let Some((sqlite, url)) = samples_on_both() else {
        return;
    };
    for args in [
        &["sources", "--format", "csv"][..],
        &["stats", "--format", "csv"],
    ] {
        let on_sqlite = sqlite.run(args);
        let on_postgres = newsdb_on(&url, args);
        assert!(
            on_postgres.status.success(),
            "{}",
            common::stderr(&on_postgres)
        );
        let rows = |output: &std::process::Output| -> Vec<String> {
            common::stdout(output)
                .lines()
                .filter(|line| !line.starts_with("size_bytes,"))
                .map(str::to_owned)
                .collect()
        };
        assert_eq!(rows(&on_postgres), rows(&on_sqlite), "{args:?}");
        assert!(rows(&on_sqlite).len() > 3, "{args:?}");
    }
}

/// `show` prints the same on both backends: by id and by hash prefix, with mentions marked,
/// as JSON, and the raw bytes; an unknown reference fails alike.
#[test]
fn show_prints_the_same_on_both_backends() {
    let Some((sqlite, url)) = samples_on_both() else {
        return;
    };
    let prefix = sqlite.column("SELECT substr(content_hash, 1, 8) FROM articles WHERE id = 2");
    for args in [
        vec!["show", "1"],
        vec!["show", prefix[0].as_str()],
        vec!["show", "3", "--mentions"],
        vec!["show", "4", "--format", "json"],
        vec!["show", "5", "--raw"],
    ] {
        let on_sqlite = sqlite.run(&args);
        let on_postgres = newsdb_on(&url, &args);
        assert!(on_sqlite.status.success(), "{}", common::stderr(&on_sqlite));
        assert!(
            on_postgres.status.success(),
            "{}",
            common::stderr(&on_postgres)
        );
        assert_eq!(on_postgres.stdout, on_sqlite.stdout, "{args:?}");
    }
    let on_sqlite = sqlite.run(&["show", "999999"]);
    let on_postgres = newsdb_on(&url, &["show", "999999"]);
    assert_eq!(on_postgres.status.code(), on_sqlite.status.code());
    assert_eq!(common::stderr(&on_postgres), common::stderr(&on_sqlite));
}

/// `articles` lists the same rows on both backends, with every filter, paging and `--collapse`;
/// a misspelt source fails alike, with the same suggestion.
#[test]
fn articles_lists_the_same_on_both_backends() {
    let Some((sqlite, url)) = samples_on_both() else {
        return;
    };
    for filters in [
        vec![],
        vec!["--source", "harbour gazette"],
        vec!["--source", "HARBOUR GAZETTE"],
        vec!["--entity", "Gull Island"],
        vec!["--entity", "port elsby"],
        vec!["--since", "2024-01", "--until", "2024-03-10"],
        vec!["--category", "transport"],
        vec!["--limit", "3", "--offset", "2"],
        vec!["--collapse", "--limit", "4"],
    ] {
        let mut args = vec!["articles", "--format", "csv"];
        args.extend(&filters);
        let printed = same_output(&sqlite, &url, &args);
        assert!(printed.lines().count() > 1, "{args:?}");
    }
    let args = ["articles", "--source", "Harbour Gazete"];
    let on_sqlite = sqlite.run(&args);
    let on_postgres = newsdb_on(&url, &args);
    assert_eq!(on_postgres.status.code(), on_sqlite.status.code());
    assert_eq!(common::stderr(&on_postgres), common::stderr(&on_sqlite));
    assert!(common::stderr(&on_sqlite).contains("did you mean"));
}

/// `timeline` counts the same periods on both backends, empty ones between included, by day,
/// ISO week and month, with filters; the table draws the same bars.
#[test]
fn timeline_counts_the_same_on_both_backends() {
    let Some((sqlite, url)) = samples_on_both() else {
        return;
    };
    for args in [
        vec!["timeline", "--format", "csv"],
        vec!["timeline", "--by", "week", "--format", "csv"],
        vec![
            "timeline", "--by", "day", "--format", "csv", "--since", "2024-01",
        ],
        vec!["timeline", "--source", "harbour gazette", "--format", "csv"],
        vec!["timeline", "--entity", "Gull Island", "--by", "day"],
    ] {
        let printed = same_output(&sqlite, &url, &args);
        assert!(printed.lines().count() > 1, "{args:?}");
    }
}

/// A store copied to PostgreSQL and back to a new SQLite file holds exactly the rows it had, in
/// every table (hashes, sightings, raw copies, entities, totals, stories, feeds, saved queries),
/// and searches alike; copying back onto a store that holds articles is refused.
#[test]
fn copy_to_postgres_and_back_keeps_every_row() {
    let Some((sqlite, url)) = samples_on_both() else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let back = folder.path().join("back.sqlite");
    let output = newsdb_on(&url, &["copy", "--to", back.to_str().unwrap()]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    assert!(
        common::stderr(&output).contains("copied 9 articles"),
        "{}",
        common::stderr(&output)
    );
    let rows = |path: &std::path::Path| -> BTreeMap<String, Vec<String>> {
        let conn = rusqlite::Connection::open(path).unwrap();
        let tables: Vec<String> = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table'
                   AND name NOT LIKE 'sqlite%' AND name NOT LIKE 'articles_fts%'
                   AND name <> 'refinery_schema_history'",
            )
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        tables
            .into_iter()
            .map(|table| {
                let mut statement = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
                let width = statement.column_count();
                let mut found: Vec<String> = statement
                    .query_map([], |row| {
                        let values: Vec<rusqlite::types::Value> =
                            (0..width).map(|i| row.get(i).unwrap()).collect();
                        Ok(format!("{values:?}"))
                    })
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                found.sort();
                (table, found)
            })
            .collect()
    };
    let original = rows(&sqlite.path);
    let copied = rows(&back);
    assert_eq!(
        original.keys().collect::<Vec<_>>(),
        copied.keys().collect::<Vec<_>>()
    );
    for (table, expected) in &original {
        assert_eq!(Some(expected), copied.get(table), "rows of {table}");
    }
    assert!(original["articles"].len() == 9 && !original["article_entities"].is_empty());
    let search = |db: &std::path::Path| {
        let output = common::newsdb()
            .arg("--db")
            .arg(db)
            .args(["search", "summit OR ferry", "--format", "csv"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", common::stderr(&output));
        common::stdout(&output)
    };
    assert_eq!(search(&back), search(&sqlite.path));
    let again = newsdb_on(&url, &["copy", "--to", back.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2), "{}", common::stderr(&again));
    assert_eq!(rows(&back), copied);
}

/// `entities` ranks the same entities on both backends, with `--kind`, `--since` and paging.
#[test]
fn entities_rank_the_same_on_both_backends() {
    let Some((sqlite, url)) = samples_on_both() else {
        return;
    };
    for filters in [
        vec![],
        vec!["--kind", "location"],
        vec!["--since", "2024-01"],
        vec!["--top", "3", "--offset", "2"],
    ] {
        let mut args = vec!["entities", "--format", "csv"];
        args.extend(&filters);
        let printed = same_output(&sqlite, &url, &args);
        assert!(printed.lines().count() > 1, "{args:?}");
    }
}

/// `stories` lists the same stories on both backends (sizes, sources, dates, earliest title),
/// with its filters; `story ID` and `similar` show the same pages; `story split`, `story
/// merge` and `stories rebuild` leave the same rows.
#[test]
fn stories_list_the_same_on_both_backends() {
    let Some(url) = postgres_newsdb() else {
        return;
    };
    let wire = [
        "The central bank raised its main interest rate by a quarter of a percentage point on Tuesday, the third increase this year, citing persistent inflation in services and housing costs.",
        "Officials said the decision was unanimous and that further increases remained possible if price pressures did not ease over the coming months, according to a statement released after the meeting.",
        "Financial markets had largely expected the move. Government bond yields rose slightly after the announcement, while the currency strengthened against the dollar and the euro in afternoon trading.",
        "The governor told reporters that wage growth was still running well above levels consistent with the inflation target of two percent, and that the labour market remained unusually tight.",
    ];
    let reprint = format!("LONDON (Agency) - {}", wire.join("\n\n"));
    let records = [
        serde_json::json!({"url": "https://wire.example/1", "title": "Bank raises rates again",
            "body": wire.join("\n\n"), "source": "Wire Agency", "published": "2024-05-07T10:00:00Z"}),
        serde_json::json!({"url": "https://daily.example/2", "title": "Rates up for the third time",
            "body": reprint, "source": "Daily Ledger", "published": "2024-05-07T12:00:00Z"}),
        serde_json::json!({"url": "https://weekly.example/3", "title": "Third rise this year",
            "body": wire[..3].join("\n\n"), "source": "Weekly Post", "published": "2024-05-09T08:00:00Z"}),
    ];
    let sqlite = common::TestDb::new();
    let lines: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    let file = sqlite.file("wire.jsonl", lines.join("\n"));
    sqlite
        .newsdb()
        .arg("import")
        .arg(common::root().join("data/samples"))
        .arg(&file)
        .assert()
        .success();
    sqlite
        .newsdb()
        .args(["copy", "--to", &url])
        .assert()
        .success();
    for filters in [
        vec![],
        vec!["--order", "newest"],
        vec!["--source", "daily ledger"],
        vec!["--since", "2024-05-08"],
        vec!["--min-size", "3"],
    ] {
        let mut args = vec!["stories", "--format", "csv"];
        args.extend(&filters);
        let printed = same_output(&sqlite, &url, &args);
        assert!(printed.lines().count() > 1, "{args:?}");
    }
    // Each story's page, a member that is not the story's name, and no story at all.
    let story = sqlite.column("SELECT CAST(story_id AS TEXT) FROM article_story LIMIT 1");
    let member = sqlite.column(
        "SELECT CAST(article_id AS TEXT) FROM article_story WHERE article_id <> story_id LIMIT 1",
    );
    for id in [story[0].as_str(), member[0].as_str(), "1", "99999"] {
        for format in ["json", "table"] {
            let args = ["story", id, "--format", format];
            let on_sqlite = sqlite.run(&args);
            let on_postgres = newsdb_on(&url, &args);
            assert_eq!(
                on_postgres.status.code(),
                on_sqlite.status.code(),
                "{args:?}"
            );
            assert_eq!(on_postgres.stdout, on_sqlite.stdout, "{args:?}");
            assert_eq!(
                common::stderr(&on_postgres),
                common::stderr(&on_sqlite),
                "{args:?}"
            );
        }
    }
    // Near copies of an article, with their scores.
    for id in [story[0].as_str(), member[0].as_str(), "1"] {
        let args = ["similar", id, "--format", "csv"];
        let on_sqlite = sqlite.run(&args);
        let on_postgres = newsdb_on(&url, &args);
        assert!(on_sqlite.status.success(), "{}", common::stderr(&on_sqlite));
        assert_eq!(
            common::stdout(&on_postgres),
            common::stdout(&on_sqlite),
            "{args:?}"
        );
    }
    // Corrections and rebuilds regroup alike: a split, a merge, a rebuild at another threshold
    // (which must keep both corrections), an article imported without a sketch.
    let loose = sqlite.file(
        "loose.jsonl",
        serde_json::json!({"url": "https://late.example/4", "title": "Rates rise",
            "body": wire[..2].join("\n\n"), "source": "Late Herald",
            "published": "2024-05-10T08:00:00Z"})
        .to_string(),
    );
    let loose = loose.to_str().unwrap();
    let corrections: [&[&str]; 5] = [
        &["story", "split", member[0].as_str()],
        &["story", "merge", "1", "2"],
        &["import", "--no-stories", loose],
        &["stories", "rebuild", "--threshold", "0.5"],
        &["story", "merge", "1", "2"],
    ];
    for args in corrections {
        let (on_sqlite, on_postgres) = run_on_both(&sqlite, &url, args);
        if args[0] == "story" {
            assert_eq!(
                common::stderr(&on_postgres),
                common::stderr(&on_sqlite),
                "{args:?}"
            );
        }
        for sql in [
            "SELECT article_id, story_id FROM article_stories ORDER BY 1",
            "SELECT id, size, first_published, last_published FROM stories ORDER BY 1",
            "SELECT kind, article_id, other_article_id FROM story_corrections ORDER BY 1, 2, 3",
            "SELECT from_story, into_story, articles, article_id, reason FROM story_merges
              ORDER BY 1, 2, 3",
            "SELECT article_id, length(sketch) AS bytes FROM article_sketches ORDER BY 1",
            "SELECT value FROM meta WHERE key = 'story_threshold'",
        ] {
            same_output(&sqlite, &url, &["query", "--format", "csv", sql]);
        }
    }
    let grouped = sqlite.column("SELECT CAST(count(*) AS TEXT) FROM article_story");
    assert_ne!(grouped[0], "0");
}

/// `entity NAME` shows the same page on both backends (counts, aliases with their mentions,
/// co-mentioned entities, latest articles); corrections say they do not run there yet.
#[test]
fn entity_pages_read_the_same_on_both_backends() {
    let Some((sqlite, url)) = samples_on_both() else {
        return;
    };
    for args in [
        vec!["entity", "Gull Island", "--format", "json"],
        vec!["entity", "port elsby", "--format", "json"],
        vec!["entity", "Seoul", "--kind", "location", "--format", "json"],
        vec!["entity", "Gull Island"],
    ] {
        same_output(&sqlite, &url, &args);
    }
    let unknown = ["entity", "Nowhere At All"];
    assert_eq!(
        newsdb_on(&url, &unknown).status.code(),
        sqlite.run(&unknown).status.code()
    );
}

/// What the entity tables hold, by name (ids may differ once a backend creates entities).
const ENTITY_TABLES: [&str; 5] = [
    "SELECT m.article_id, m.field, m.start, m.\"end\", e.kind, e.name, m.method, m.sentence,
            m.confidence
       FROM mentions m JOIN entities e ON e.id = m.entity_id ORDER BY 1, 2, 3, 4",
    "SELECT e.kind, e.name, t.articles, t.mentions, t.first_seen, t.last_seen
       FROM entity_totals t JOIN entities e ON e.id = t.entity_id ORDER BY 1, 2",
    "SELECT e.kind, e.name, m.month, m.articles
       FROM entity_months m JOIN entities e ON e.id = m.entity_id ORDER BY 1, 2, 3",
    "SELECT e.kind, e.name, a.alias, a.key, a.origin
       FROM entity_aliases a JOIN entities e ON e.id = a.entity_id ORDER BY 1, 2, 3",
    "SELECT kind, name, key, external_id FROM entities ORDER BY 1, 2, 3",
];

/// Entity corrections (merge, alias, rename, ignore) and `reextract` do the same on both
/// backends: each prints the same, and afterwards mentions, totals, months, aliases and
/// entities are the same rows.
#[test]
fn entity_corrections_and_reextract_act_alike_on_both_backends() {
    let Some((sqlite, url)) = samples_on_both() else {
        return;
    };
    let corrections: [&[&str]; 5] = [
        &["entity", "merge", "South Korea", "Seoul"],
        &["entity", "alias", "add", "Kim Jong-un", "Dear Leader"],
        &["entity", "rename", "Kim Jong-un", "Kim Jong Un"],
        &["entity", "ignore", "Moscow"],
        &["reextract", "--json"],
    ];
    for args in corrections {
        let (on_sqlite, on_postgres) = run_on_both(&sqlite, &url, args);
        if args[0] == "entity" {
            assert_eq!(
                common::stderr(&on_postgres),
                common::stderr(&on_sqlite),
                "{args:?}"
            );
        } else {
            assert_eq!(common::stdout(&on_postgres), common::stdout(&on_sqlite));
        }
    }
    for sql in ENTITY_TABLES {
        let printed = same_output(&sqlite, &url, &["query", "--format", "csv", sql]);
        assert!(printed.lines().count() > 1, "{sql}");
    }
    let moscow = same_output(
        &sqlite,
        &url,
        &[
            "query",
            "SELECT count(*) AS left_over FROM mentions m \
                    JOIN entities e ON e.id = m.entity_id WHERE e.name IN ('Moscow', 'Seoul')",
            "--format",
            "csv",
        ],
    );
    assert_eq!(moscow, "left_over\n0\n");
    // A correction naming what is not there fails alike.
    let missing = ["entity", "merge", "Seoul", "Nowhere At All"];
    assert_eq!(
        newsdb_on(&url, &missing).status.code(),
        sqlite.run(&missing).status.code()
    );
}

/// `export` writes the same records from both backends (stories, entities and credits
/// included), and what PostgreSQL exports imports back to the same articles.
#[test]
fn export_writes_the_same_records_on_both_backends() {
    let Some((sqlite, url)) = samples_on_both() else {
        return;
    };
    for args in [vec!["export"], vec!["export", "--since", "2000-01-01"]] {
        let printed = same_output(&sqlite, &url, &args);
        assert_eq!(printed.lines().count(), 9);
    }
    let again = common::TestDb::new();
    let exported = again.file("export.jsonl", newsdb_on(&url, &["export"]).stdout);
    again
        .newsdb()
        .arg("import")
        .arg(&exported)
        .assert()
        .success();
    let hashes = "SELECT content_hash FROM articles ORDER BY content_hash";
    assert_eq!(again.column(hashes), sqlite.column(hashes));
}

/// Saved queries on PostgreSQL: save (a query that writes is refused), list, show, run with
/// parameters, remove; `run sources` prints what SQLite prints; a built-in without a
/// PostgreSQL form names the command to use.
#[test]
fn saved_queries_run_on_postgres() {
    let Some((sqlite, url)) = samples_on_both() else {
        return;
    };
    let sql = "SELECT title FROM article_overview WHERE source = :source ORDER BY title";
    let saved = newsdb_on(&url, &["queries", "save", "by-source", sql]);
    assert!(saved.status.success(), "{}", common::stderr(&saved));
    let writes = newsdb_on(&url, &["queries", "save", "wipe", "DELETE FROM articles"]);
    assert_eq!(writes.status.code(), Some(1));
    assert!(common::stderr(&writes).contains("would write"));
    let listed = common::stdout(&newsdb_on(&url, &["queries", "list", "--format", "csv"]));
    assert!(listed.contains("by-source,saved,source,"), "{listed}");
    assert!(!listed.contains("wipe"), "{listed}");
    let shown = newsdb_on(&url, &["queries", "show", "by-source"]);
    assert_eq!(common::stdout(&shown).trim(), sql);
    let source = "Harbour Gazette";
    let run = newsdb_on(
        &url,
        &[
            "run",
            "by-source",
            "-p",
            &format!("source={source}"),
            "--format",
            "csv",
        ],
    );
    assert!(run.status.success(), "{}", common::stderr(&run));
    let titles = common::stdout(&run);
    assert_eq!(titles.lines().count(), 4, "{titles}");
    let same = sqlite.run(&["run", "sources", "--format", "csv"]);
    let on_postgres = newsdb_on(&url, &["run", "sources", "--format", "csv"]);
    assert_eq!(common::stdout(&on_postgres), common::stdout(&same));
    let removed = newsdb_on(&url, &["queries", "remove", "by-source"]);
    assert!(removed.status.success(), "{}", common::stderr(&removed));
    assert_eq!(
        newsdb_on(&url, &["run", "by-source", "-p", "source=x"])
            .status
            .code(),
        Some(1)
    );
}
