//! End to end: the canned queries (`articles`, `show`, `sources`, `timeline`), saved queries
//! (`queries save | list | show | remove`, `run`) and `--format` on every listing command.

mod common;

use rusqlite::params;
use serde_json::Value;

use common::{TestDb, stderr, stdout};

/// `newsdb ARGS --format json`, parsed; the command must succeed.
fn json(db: &TestDb, args: &[&str]) -> Vec<Value> {
    let output = db
        .newsdb()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap()
}

fn keys(row: &Value) -> Vec<&str> {
    row.as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

/// Runs newsdb and expects exit status 1 with `needle` in its message.
fn fails_with(db: &TestDb, args: &[&str], needle: &str) {
    let output = db.run(args);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{args:?}: {}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains(needle),
        "{args:?}: {}",
        stderr(&output)
    );
}

#[test]
fn articles_are_newest_first_with_filters_and_limit() {
    let db = common::three_samples();
    let rows = json(&db, &["articles"]);
    assert_eq!(
        keys(&rows[0]),
        [
            "id",
            "hash",
            "published_at",
            "source",
            "title",
            "word_count",
            "sightings"
        ]
    );
    let dates: Vec<&str> = rows
        .iter()
        .map(|r| r["published_at"].as_str().unwrap())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    assert_eq!(json(&db, &["articles", "--limit", "1"]).len(), 1);
    assert_eq!(
        json(&db, &["articles", "--source", "Example Wire"]).len(),
        2
    );
    assert_eq!(json(&db, &["articles", "--since", "2023-09-11"]).len(), 2);
    // The seed was seen three times.
    let seed = rows
        .iter()
        .find(|r| r["title"].as_str().unwrap().contains("armored"))
        .unwrap();
    assert_eq!(seed["sightings"], 3);
}

#[test]
fn articles_by_entity_through_name_or_alias() {
    let db = common::three_samples();
    db.connect()
        .execute_batch(
            "INSERT INTO entities (id, kind, name, key) VALUES (7, 'location', 'Busan', 'busan');
             INSERT INTO entity_aliases (entity_id, alias, key) VALUES (7, 'Pusan', 'pusan');
             INSERT INTO mentions (article_id, entity_id, field, start, \"end\", method)
             SELECT id, 7, 'title', 0, 5, 'import' FROM articles WHERE title LIKE 'Busan%';",
        )
        .unwrap();
    for name in ["Busan", "busan", "Pusan"] {
        let rows = json(&db, &["articles", "--entity", name]);
        assert_eq!(rows.len(), 1, "{name}");
        assert!(rows[0]["title"].as_str().unwrap().starts_with("Busan"));
    }
    // An entity that does not exist is an error, not an empty list (issue 12, item 6).
    let unknown = db.run(&["articles", "--entity", "Seoul"]);
    assert_eq!(unknown.status.code(), Some(1));
    let top = json(&db, &["run", "top-entities"]);
    assert_eq!(top[0]["name"], "Busan");
    assert_eq!(top[0]["articles"], 1);
}

#[test]
fn show_by_id_and_hash_prefix() {
    let db = common::three_samples();
    let (id, hash): (i64, String) = db
        .connect()
        .query_row(
            "SELECT id, content_hash FROM articles WHERE title LIKE '%armored%'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let by_id = json(&db, &["show", &id.to_string()]);
    let by_prefix = json(&db, &["show", &hash[..6].to_uppercase()]);
    assert_eq!(by_id, by_prefix);
    let row = &by_id[0];
    assert_eq!(
        keys(row),
        [
            "id",
            "content_hash",
            "title",
            "source",
            "credits",
            "authors",
            "published_at",
            "published_raw",
            "language",
            "url",
            "urls",
            "sightings",
            "word_count",
            "imported_at",
            "summary",
            "body",
            // Issue 13: the article's story and its number of other versions.
            "story_id",
            "other_versions"
        ]
    );
    assert_eq!(row["content_hash"], hash.as_str());
    assert_eq!(row["sightings"], 3);
    // The first arrival (the JSON record) is what is stored.
    assert_eq!(row["authors"], "Jake Kwon, Brad Lendon");
    assert_eq!(row["source"], "Example World News");
    assert_eq!(row["urls"].as_str().unwrap().lines().count(), 2);
    assert!(
        row["body"]
            .as_str()
            .unwrap()
            .starts_with("Government sources")
    );

    // Table format: a record, then the body after a blank line.
    let output = db.run(&["show", &id.to_string()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with(&format!("id         {id}\n")), "{text}");
    assert!(text.contains("\nsightings  3\n"), "{text}");
    assert!(text.contains("\n\nGovernment sources"), "{text}");

    fails_with(
        &db,
        &["show", "999999"],
        "no article has the id or hash prefix `999999`",
    );
    let bad = db.run(&["show", "xyz"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
}

#[test]
fn an_ambiguous_prefix_lists_the_candidates() {
    let db = common::three_samples();
    let conn = db.connect();
    for (n, title) in [(1, "First twin"), (2, "Second twin")] {
        conn.execute(
            "INSERT INTO articles (content_hash, title, body) VALUES (?1, ?2, ?3)",
            params![format!("beef{n:060x}"), title, format!("Twin body {n}.")],
        )
        .unwrap();
    }
    let output = db.run(&["show", "beef"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("`beef` is ambiguous; it starts 2 articles"),
        "{message}"
    );
    assert!(
        message.contains("First twin") && message.contains("Second twin"),
        "{message}"
    );
    // One more character decides.
    let rows = json(&db, &["show", &format!("beef{:059x}2", 0)]);
    assert_eq!(rows[0]["title"], "Second twin");
}

#[test]
fn show_raw_prints_the_original_bytes_exactly() {
    let db = TestDb::new();
    let seed = common::seed();
    db.newsdb().arg("import").arg(&seed).assert().success();
    let output = db.run(&["show", "1", "--raw"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(output.stdout, std::fs::read(&seed).unwrap());

    let bare = TestDb::new();
    bare.newsdb()
        .arg("import")
        .arg("--no-raw")
        .arg(&seed)
        .assert()
        .success();
    fails_with(&bare, &["show", "1", "--raw"], "no raw copy");
}

#[test]
fn show_mentions_marks_entities_in_place() {
    let db = TestDb::new();
    db.newsdb().arg("init").assert().success();
    let conn = db.connect();
    let body = "Kim met Putin in Vladivostok. Kim's train left.";
    conn.execute(
        "INSERT INTO articles (content_hash, title, body) VALUES (?1, 'Summit', ?2)",
        params![format!("{:064x}", 1), body],
    )
    .unwrap();
    // Offsets in characters, found the way the extractor records them.
    let at = |surface: &str, from: usize| {
        let start = body[from..].find(surface).unwrap() + from;
        (
            body[..start].chars().count(),
            body[..start].chars().count() + surface.chars().count(),
        )
    };
    conn.execute_batch(
        "INSERT INTO entities (id, kind, name, key) VALUES
             (1, 'person', 'Kim Jong Un', 'kim jong un'), (2, 'person', 'Putin', 'putin'),
             (3, 'location', 'Vladivostok', 'vladivostok');",
    )
    .unwrap();
    for (entity, (start, end)) in [
        (1, at("Kim", 0)),
        (2, at("Putin", 0)),
        (3, at("Vladivostok", 0)),
        (1, at("Kim's", 10)),
    ] {
        conn.execute(
            "INSERT INTO mentions (article_id, entity_id, field, start, \"end\", method)
             VALUES (1, ?1, 'body', ?2, ?3, 'import')",
            params![entity, start as i64, end as i64],
        )
        .unwrap();
    }
    let output = db.run(&["show", "1", "--mentions"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let marked = "[Kim](person: Kim Jong Un) met [Putin](person) in [Vladivostok](location). \
                  [Kim's](person: Kim Jong Un) train left.";
    assert!(
        stdout(&output).ends_with(&format!("\n\n{marked}\n")),
        "{}",
        stdout(&output)
    );
    let rows = json(&db, &["show", "1", "--mentions"]);
    assert_eq!(rows[0]["body_marked"], marked);
    assert_eq!(rows[0]["body"], body);
}

#[test]
fn sources_count_articles_and_dates() {
    let db = common::three_samples();
    let rows = json(&db, &["sources"]);
    assert_eq!(
        keys(&rows[0]),
        [
            "id",
            "name",
            "key",
            "domain",
            "articles",
            "credited",
            "first_published",
            "last_published"
        ]
    );
    let wire = rows.iter().find(|r| r["name"] == "Example Wire").unwrap();
    assert_eq!(wire["articles"], 2);
    assert_eq!(wire["first_published"], "2023-09-12T00:00:00Z");
    assert_eq!(wire["last_published"], "2023-09-13T06:00:00Z");

    // Outlets named in a credit line count as credited, not as publishers.
    let seed_only = TestDb::new();
    seed_only
        .newsdb()
        .arg("import")
        .arg(common::seed())
        .assert()
        .success();
    let rows = json(&seed_only, &["sources"]);
    let cnn = rows.iter().find(|r| r["name"] == "CNN").unwrap();
    assert_eq!(
        (cnn["articles"].as_i64(), cnn["credited"].as_i64()),
        (Some(0), Some(1))
    );
    let shown = json(&seed_only, &["show", "1"]);
    assert_eq!(shown[0]["credits"], "The Korea Herald, CNN");
}

#[test]
fn timeline_counts_periods_with_gaps_and_draws_bars() {
    let db = common::three_samples();
    let days = json(&db, &["timeline", "--by", "day"]);
    let pairs: Vec<(String, i64)> = days
        .iter()
        .map(|r| {
            (
                r["period"].as_str().unwrap().to_owned(),
                r["articles"].as_i64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("2023-09-10", 1),
        ("2023-09-11", 0),
        ("2023-09-12", 1),
        ("2023-09-13", 1),
    ];
    assert_eq!(pairs, expected.map(|(p, n)| (p.to_owned(), n)).to_vec());
    assert_eq!(keys(&days[0]), ["period", "articles"]);
    let weeks = json(&db, &["timeline", "--by", "week"]);
    // 2023-09-10 is a Sunday (ISO week 36); the 11th to 13th are week 37.
    assert_eq!(weeks.len(), 2);
    assert_eq!(
        (weeks[0]["period"].as_str(), weeks[0]["articles"].as_i64()),
        (Some("2023-W36"), Some(1))
    );
    assert_eq!(
        (weeks[1]["period"].as_str(), weeks[1]["articles"].as_i64()),
        (Some("2023-W37"), Some(2))
    );
    let months = json(&db, &["timeline", "--source", "Example Wire"]);
    assert_eq!(months.len(), 1);
    assert_eq!(
        (months[0]["period"].as_str(), months[0]["articles"].as_i64()),
        (Some("2023-09"), Some(2))
    );

    let csv = db.run(&["timeline", "--by", "day", "--format", "csv"]);
    assert_eq!(stdout(&csv).lines().next(), Some("period,articles"));
    let table = stdout(&db.run(&["timeline", "--by", "day"]));
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("period") && lines[0].ends_with("bar"),
        "{table}"
    );
    assert!(lines[2].ends_with('█'), "{table}");
    assert!(lines[3].ends_with('0'), "an empty day has no bar: {table}");
}

// Issue 7: one `published_at` of 0001-01-01 written by another tool made `timeline --by day`
// fill 739,000 empty days (10 s, 1.1 GB). Long runs of empty periods are now left out.
#[test]
fn a_stray_ancient_date_does_not_fill_the_timeline_with_empty_periods() {
    let db = common::three_samples();
    db.connect()
        .execute(
            "UPDATE articles SET published_at = '0001-01-01T00:00:00Z'
              WHERE published_at = (SELECT min(published_at) FROM articles)",
            [],
        )
        .unwrap();
    let days = json(&db, &["timeline", "--by", "day"]);
    let periods: Vec<(&str, i64)> = days
        .iter()
        .map(|r| {
            (
                r["period"].as_str().unwrap(),
                r["articles"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        periods,
        [("0001-01-01", 1), ("2023-09-12", 1), ("2023-09-13", 1)]
    );
    let months = json(&db, &["timeline"]);
    assert_eq!(months.len(), 2);
    let table = stdout(&db.run(&["timeline", "--by", "week"]));
    assert_eq!(table.lines().count(), 2 + 2, "{table}");
    // A gap of up to 366 empty periods is still filled.
    db.connect()
        .execute(
            "UPDATE articles SET published_at = '2022-09-12T00:00:00Z'
              WHERE published_at = '0001-01-01T00:00:00Z'",
            [],
        )
        .unwrap();
    assert_eq!(json(&db, &["timeline", "--by", "day"]).len(), 367);
}

/// Without a source or entity filter the timeline steps through the date index; it must count
/// what grouping every article by its period counts, at the periods' edges too.
#[test]
fn the_timeline_counts_what_grouping_every_article_counts() {
    let db = common::three_samples();
    db.connect()
        .execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
             INSERT INTO articles (content_hash, body, published_at)
             SELECT printf('%064x', 1000 + i), 'body ' || i,
                    strftime('%Y-%m-%dT%H:%M:%SZ', '2023-01-01', '+' || (i * i * 7919 % 500) || ' days',
                             '+' || (i * 3607 % 86400) || ' seconds')
               FROM n;
             INSERT INTO articles (content_hash, body, published_at) VALUES
                 (printf('%064x', 1), 'a Sunday night', '2023-01-08T23:59:59Z'),
                 (printf('%064x', 2), 'a Monday morning', '2023-01-09T00:00:00Z'),
                 (printf('%064x', 3), 'a month end', '2023-03-31T23:59:59Z'),
                 (printf('%064x', 4), 'unreadable', 'not a date'),
                 (printf('%064x', 5), 'undated', NULL);",
        )
        .unwrap();
    let reference = |by: &str, since: Option<&str>, until: Option<&str>| -> Vec<(String, i64)> {
        let (back, to_monday, label) = match by {
            "day" => ("+0 days", "+0 days", "d"),
            "week" => ("-6 days", "weekday 1", "strftime('%G-W%V', d)"),
            _ => ("start of month", "+0 days", "substr(d, 1, 7)"),
        };
        let sql = format!(
            "SELECT {label}, n FROM (
                 SELECT date(published_at, ?1, ?2) AS d, count(*) AS n FROM articles
                  WHERE date(published_at) IS NOT NULL
                    AND (?3 IS NULL OR published_at >= strftime('%Y-%m-%dT%H:%M:%SZ', ?3))
                    AND (?4 IS NULL OR published_at <= strftime('%Y-%m-%dT%H:%M:%SZ', ?4,
                             iif(length(?4) = 10, '+86399 seconds', '+0 seconds')))
                  GROUP BY d) ORDER BY d"
        );
        let conn = db.connect();
        let mut statement = conn.prepare(&sql).unwrap();
        statement
            .query_map(params![back, to_monday, since, until], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let windows = [
        (None, None),
        (Some("2023-03-15"), None),
        (None, Some("2023-06-30")),
        (Some("2023-02-01T12:00:00Z"), Some("2023-02-20T06:00:00Z")),
    ];
    for by in ["day", "week", "month"] {
        for (since, until) in windows {
            let mut args = vec!["timeline", "--by", by];
            if let Some(since) = since {
                args.extend(["--since", since]);
            }
            if let Some(until) = until {
                args.extend(["--until", until]);
            }
            let counted: Vec<(String, i64)> = json(&db, &args)
                .iter()
                .map(|r| {
                    (
                        r["period"].as_str().unwrap().to_owned(),
                        r["articles"].as_i64().unwrap(),
                    )
                })
                .filter(|(_, articles)| *articles > 0)
                .collect();
            let expected = reference(by, since, until);
            assert!(!expected.is_empty(), "{by} {since:?} {until:?}");
            assert_eq!(counted, expected, "{by} {since:?} {until:?}");
        }
    }
}

#[test]
fn saved_queries_are_checked_listed_run_and_removed() {
    let db = common::three_samples();
    let save = |args: &[&str]| {
        let mut all = vec!["queries", "save"];
        all.extend(args);
        db.run(&all)
    };
    let output = save(&[
        "by-source",
        "SELECT title FROM article_overview WHERE source = :source ORDER BY id LIMIT @n",
        "--description",
        "Titles from one source",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        db.column("SELECT parameters FROM saved_queries WHERE name = 'by-source'"),
        [r#"["source","n"]"#]
    );

    // Refused: writes (checked on a read-only connection), bad SQL, two statements, bad names,
    // a built-in's name, and a second save without --replace.
    for (args, needle) in [
        (
            vec!["w", "DELETE FROM articles"],
            "would write to the database",
        ),
        (
            vec!["w", "WITH x AS (SELECT 1) UPDATE articles SET title = 'x'"],
            "would write",
        ),
        (vec!["w", "SELEKT 1"], "not valid SQL"),
        (vec!["w", "SELECT 1; SELECT 2"], "one statement only"),
        // Issue 12: these were saved, and the comment failed only when run.
        (vec!["w", "/* x */"], "there is no SQL statement"),
        (vec!["w", "BEGIN"], "`BEGIN` is not a query"),
        (vec!["w", "ATTACH 'x.sqlite' AS x"], "is not a query"),
        (vec!["w", "PRAGMA query_only=OFF"], "is not a query"),
        (vec!["Bad Name", "SELECT 1"], "not a query name"),
        (vec!["articles", "SELECT 1"], "is a built-in query"),
        (vec!["by-source", "SELECT 1"], "--replace"),
    ] {
        let output = save(&args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&output).contains(needle),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert_eq!(db.count("SELECT count(*) FROM saved_queries"), 1);
    assert_eq!(db.count("SELECT count(*) FROM articles"), 3);

    // Listed next to the built-ins, with parameters.
    let list = json(&db, &["queries", "list"]);
    assert_eq!(
        keys(&list[0]),
        ["name", "origin", "parameters", "description"]
    );
    let saved = list.iter().find(|q| q["name"] == "by-source").unwrap();
    assert_eq!(saved["origin"], "saved");
    assert_eq!(saved["parameters"], "source, n");
    assert_eq!(saved["description"], "Titles from one source");
    let builtin = list.iter().find(|q| q["name"] == "articles").unwrap();
    assert_eq!(builtin["origin"], "built-in");
    assert_eq!(
        builtin["parameters"],
        "source?, entity?, since?, until?, category?, limit=20, offset=0"
    );
    for name in [
        "search",
        "articles",
        "show",
        "sources",
        "timeline",
        "top-entities",
        "co-mentions",
        "duplicates",
        "stats",
    ] {
        assert!(list.iter().any(|q| q["name"] == name), "{name}");
    }

    // Run: parameters by name, a missing one named, an unknown one refused.
    let rows = json(
        &db,
        &["run", "by-source", "-p", "source=Example Wire", "-p", "n=1"],
    );
    assert_eq!(rows.len(), 1);
    fails_with(
        &db,
        &["run", "by-source", "-p", "source=Example Wire"],
        "missing parameter :n",
    );
    fails_with(
        &db,
        &["run", "nothing-here"],
        "no query called `nothing-here`",
    );
    // Built-ins run the same way, with their defaults.
    assert_eq!(json(&db, &["run", "articles", "-p", "limit=2"]).len(), 2);
    assert_eq!(json(&db, &["run", "search", "-p", "query=train"]).len(), 1);
    fails_with(&db, &["run", "search"], "missing parameter :query");
    fails_with(
        &db,
        &["run", "articles", "-p", "bogus=1"],
        "no parameter :bogus",
    );
    let duplicates = json(&db, &["run", "duplicates"]);
    assert_eq!(duplicates[0]["sightings"], 3);
    let sql = stdout(&db.run(&["queries", "show", "articles"]));
    assert!(sql.starts_with("-- articles: "), "{sql}");

    // Another tool turns the saved SQL into a write: `run` still refuses, by the connection.
    db.connect()
        .execute(
            "UPDATE saved_queries SET sql = 'DELETE FROM articles' WHERE name = 'by-source'",
            [],
        )
        .unwrap();
    fails_with(&db, &["run", "by-source"], "read-only");
    assert_eq!(db.count("SELECT count(*) FROM articles"), 3);
    // ... or into a command that is not a query: refused at run time as at save time.
    db.connect()
        .execute(
            "UPDATE saved_queries SET sql = 'PRAGMA query_only = OFF' WHERE name = 'by-source'",
            [],
        )
        .unwrap();
    fails_with(
        &db,
        &["run", "by-source"],
        "by-source: `PRAGMA query_only = OFF` is not a read-only query",
    );

    // --replace, then remove.
    assert!(
        save(&["by-source", "SELECT 1 AS one", "--replace"])
            .status
            .success()
    );
    assert_eq!(json(&db, &["run", "by-source"])[0]["one"], 1);
    assert!(db.run(&["queries", "remove", "by-source"]).status.success());
    fails_with(
        &db,
        &["queries", "remove", "by-source"],
        "no saved query called `by-source`",
    );
    fails_with(&db, &["queries", "remove", "articles"], "built-in");
    assert_eq!(db.count("SELECT count(*) FROM saved_queries"), 0);
}

#[test]
fn every_listing_command_takes_every_format() {
    let db = common::three_samples();
    let commands: [&[&str]; 8] = [
        &["search", "the"],
        &["articles"],
        &["show", "1"],
        &["sources"],
        &["timeline"],
        &["queries", "list"],
        &["run", "stats"],
        &["run", "top-entities"],
    ];
    for command in commands {
        for format in ["table", "csv", "tsv", "json", "jsonl", "markdown"] {
            let output = db
                .newsdb()
                .args(command)
                .args(["--format", format])
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "{command:?} {format}: {}",
                stderr(&output)
            );
            let text = stdout(&output);
            match format {
                "json" => {
                    serde_json::from_str::<Vec<Value>>(&text).unwrap();
                }
                "jsonl" => {
                    for line in text.lines() {
                        serde_json::from_str::<Value>(line).unwrap();
                    }
                }
                _ => {}
            }
        }
    }
}
