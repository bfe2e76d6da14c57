//! End to end: output and flags that fit users' habits (issue 12, items 1-7).

mod common;

use common::{TestDb, stderr, stdout};
use unicode_width::UnicodeWidthStr;

/// The samples imported, and two feeds with a last poll each.
fn samples_with_feeds() -> TestDb {
    let db = TestDb::new();
    db.newsdb()
        .args(["import", "--no-entities"])
        .arg(common::root().join("data/samples"))
        .assert()
        .success();
    for url in [
        "http://127.0.0.1:8080/feeds/harbour-gazette.xml",
        "https://www.koreaherald.com/rss/newsAll.xml",
    ] {
        db.newsdb()
            .args(["feeds", "add", "--no-check", url])
            .assert()
            .success();
    }
    db.connect()
        .execute_batch(
            "UPDATE feeds SET last_status = 200, last_fetched_at = '2026-12-04T15:00:00Z',
                    title = 'Harbour Gazette: Latest' WHERE url LIKE '%harbour%';
             UPDATE feeds SET last_status = 503, failure_count = 2,
                    last_fetched_at = '2026-12-04T15:01:00Z',
                    last_error = 'HTTP 503 Service Unavailable (retry after 120 s)'
              WHERE url LIKE '%korea%';",
        )
        .unwrap();
    db
}

/// Output of `args` laid out for a terminal `width` columns wide.
fn at_width(db: &TestDb, width: usize, args: &[&str]) -> String {
    let output = db
        .newsdb()
        .env("NEWSDB_WIDTH", width.to_string())
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    stdout(&output)
}

fn assert_fits(text: &str, width: usize) {
    for line in text.lines() {
        assert!(
            line.width() <= width,
            "wider than {width}: {line:?}\n{text}"
        );
    }
}

// Issue 12 item 1: at 80 columns `search ferry` showed `Port Elsby…` and `feeds list`
// `http://1…` and `last_sta…`; now nothing is cut, long text wraps.
#[test]
fn tables_fit_the_width_without_cutting_ids_numbers_or_hosts() {
    let db = samples_with_feeds();
    for width in [80, 120] {
        let search = at_width(&db, width, &["search", "ferry"]);
        assert_fits(&search, width);
        assert!(
            !search.contains('…') || search.contains("crossing…"),
            "{search}"
        );
        assert!(search.contains("21629b4284e6"), "{search}");
        assert!(search.contains("2024-03-14T09:30:00Z"), "{search}");
        // The score, a number, is never cut: the table shows what CSV shows.
        let csv = String::from_utf8(db.run(&["search", "ferry", "--csv"]).stdout).unwrap();
        let score = csv
            .lines()
            .nth(1)
            .and_then(|row| row.rsplit(',').next())
            .unwrap();
        assert!(search.contains(score), "{score} missing:\n{search}");
        // Every word of the title is there, in order, over the row's lines.
        let words: Vec<&str> = search.split_whitespace().collect();
        let title = "Port Elsby ferry terminal reopens after two-year rebuild";
        for word in title.split(' ') {
            assert!(
                words.contains(&word),
                "{word} missing at {width}:\n{search}"
            );
        }
        let feeds = at_width(&db, width, &["feeds", "list"]);
        assert_fits(&feeds, width);
        assert!(!feeds.contains('…'), "{feeds}");
        for whole in [
            "http://127.0.0.1:8080/",
            "https://www.koreaherald.com/",
            "2026-12-04T15:01:00Z",
            "503",
        ] {
            assert!(feeds.contains(whole), "{whole} cut at {width}:\n{feeds}");
        }
    }
    // At 120 the search result is a table whose first row starts with its id.
    let search = at_width(&db, 120, &["search", "ferry"]);
    assert!(
        search
            .lines()
            .nth(2)
            .unwrap()
            .starts_with(" 1  21629b4284e6"),
        "{search}"
    );
    // --no-truncate keeps each row on one line, whatever the width.
    let one_line = at_width(&db, 80, &["search", "ferry", "--no-truncate"]);
    assert_eq!(one_line.lines().count(), 3, "{one_line}");
    assert!(one_line.contains(title_line()), "{one_line}");
    // Piped without a width: plain and whole.
    let piped = db.run(&["search", "ferry"]);
    assert!(stdout(&piped).contains(title_line()));
}

fn title_line() -> &'static str {
    "Port Elsby ferry terminal reopens after two-year rebuild"
}

// Issue 12 item 1: a vertical layout, `--format lines` and `-x`, which `show` uses by default.
#[test]
fn lines_format_prints_one_field_a_line() {
    let db = samples_with_feeds();
    let lines = db.run(&["feeds", "list", "-x"]);
    assert!(lines.status.success(), "{}", stderr(&lines));
    let text = stdout(&lines);
    assert!(
        text.starts_with("url              http://127.0.0.1:8080/feeds/harbour-gazette.xml\n"),
        "{text}"
    );
    assert!(text.contains("\n\nurl              https://www.koreaherald.com/rss/newsAll.xml\n"));
    assert_eq!(
        text,
        stdout(&db.run(&["feeds", "list", "--format", "lines"]))
    );
    let show = stdout(&db.run(&["show", "1"]));
    assert!(show.starts_with("id         1\nhash       "), "{show}");
    let shown_as_table = stdout(&db.run(&["show", "1", "-t"]));
    assert!(
        shown_as_table.starts_with("id  content_hash"),
        "{shown_as_table}"
    );
}

// Issue 12 item 2: --csv, --tsv, --json, --nl, -t/--table and the names jsonl, ndjson, nl.
#[test]
fn format_shorthands_work_on_every_listing_command() {
    let db = samples_with_feeds();
    let commands: [&[&str]; 10] = [
        &["articles"],
        &["search", "ferry"],
        &["sources"],
        &["timeline"],
        &["entities"],
        &["feeds", "list"],
        &["stats"],
        &["run", "stats"],
        &["query", "SELECT 1 AS n"],
        &["queries", "list"],
    ];
    for command in commands {
        let run = |extra: &[&str]| {
            let output = db.newsdb().args(command).args(extra).output().unwrap();
            assert!(
                output.status.success(),
                "{command:?} {extra:?}: {}",
                stderr(&output)
            );
            stdout(&output)
        };
        let jsonl = run(&["--format", "jsonl"]);
        for same in [
            &["--nl"][..],
            &["--jsonl"],
            &["--format", "nl"],
            &["--format", "ndjson"],
        ] {
            assert_eq!(run(same), jsonl, "{command:?} {same:?}");
        }
        assert_eq!(run(&["--csv"]), run(&["--format", "csv"]), "{command:?}");
        assert_eq!(run(&["--tsv"]), run(&["--format", "tsv"]), "{command:?}");
        assert_eq!(run(&["--json"]), run(&["--format", "json"]), "{command:?}");
        assert_eq!(run(&["-t"]), run(&["--format", "table"]), "{command:?}");
        assert_eq!(run(&["--table"]), run(&[]), "{command:?}");
    }
    // Two formats at once are a usage error.
    let both = db.run(&["articles", "--csv", "--json"]);
    assert_eq!(both.status.code(), Some(2));
    // `import --json` still means the summary as JSON.
    let import = db
        .newsdb()
        .args(["import", "--json", "--no-entities"])
        .arg(common::sample("wire.jsonl"))
        .output()
        .unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&import.stdout).unwrap();
    assert!(summary.is_object(), "{summary}");
}

// Issue 12 item 3: `-p n=007` bound 7 and a 20-digit id became 1.2345678901234567e+19. Values
// now bind as text; `:int`, `:real` and `:null` type them; canned queries still work.
#[test]
fn parameters_keep_their_text_and_canned_queries_still_work() {
    let db = common::three_samples();
    let query = |args: &[&str]| {
        let output = db
            .newsdb()
            .arg("query")
            .args(args)
            .arg("--nl")
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        stdout(&output)
    };
    assert_eq!(
        query(&["SELECT :n AS n", "-p", "n=007"]),
        "{\"n\":\"007\"}\n"
    );
    assert_eq!(
        query(&["SELECT :id AS id", "-p", "id=12345678901234567890"]),
        "{\"id\":\"12345678901234567890\"}\n"
    );
    assert_eq!(query(&["SELECT :n AS n", "-p", "n:int=007"]), "{\"n\":7}\n");
    assert_eq!(
        query(&["SELECT :x AS x", "-p", "x:real=2.5"]),
        "{\"x\":2.5}\n"
    );
    assert_eq!(
        query(&["SELECT :x AS x", "-p", "x:null="]),
        "{\"x\":null}\n"
    );
    // Affinity: text compared with an INTEGER column, and as a LIMIT.
    assert_eq!(
        query(&["SELECT id FROM articles WHERE id = :id", "-p", "id=2"]),
        "{\"id\":2}\n"
    );
    assert_eq!(
        query(&["SELECT id FROM articles ORDER BY id LIMIT :n", "-p", "n=2"])
            .lines()
            .count(),
        2
    );
    let bad = db.run(&["query", "SELECT :n", "-p", "n:int=seven"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    // Built-in queries given text parameters.
    let run = |args: &[&str]| {
        let output = db
            .newsdb()
            .arg("run")
            .args(args)
            .arg("--nl")
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        stdout(&output)
    };
    let shown = run(&["show", "-p", "id=2"]);
    assert!(shown.starts_with("{\"id\":2,"), "{shown}");
    assert_eq!(run(&["articles", "-p", "limit=2"]).lines().count(), 2);
    assert_eq!(run(&["duplicates", "-p", "limit=1"]).lines().count(), 1);
    let with_entities = TestDb::new();
    with_entities
        .newsdb()
        .arg("import")
        .arg(common::sample("wire.jsonl"))
        .assert()
        .success();
    let top = with_entities.run(&["run", "top-entities", "-p", "limit=1", "--nl"]);
    assert_eq!(stdout(&top).lines().count(), 1, "{}", stderr(&top));
}

// Issue 12 item 7: `query --write "UPDATE ..."` printed nothing.
#[test]
fn writes_say_how_many_rows_they_changed() {
    let db = common::three_samples();
    let write = |sql: &str, format: &str| {
        let output = db.run(&["query", "--write", sql, "--format", format]);
        assert!(output.status.success(), "{sql}: {}", stderr(&output));
        stdout(&output)
    };
    assert_eq!(
        write("UPDATE articles SET language = 'en' WHERE id <= 2", "jsonl"),
        "{\"rows_affected\":2}\n"
    );
    assert_eq!(
        write("DELETE FROM saved_queries", "json"),
        "[\n{\"rows_affected\":0}\n]\n"
    );
    assert_eq!(write("CREATE TABLE notes (x)", "csv"), "rows_affected\n0\n");
    let table = write("INSERT INTO notes VALUES (1), (2), (3)", "table");
    assert!(
        table.starts_with("rows_affected\n") && table.ends_with(" 3\n"),
        "{table}"
    );
    // RETURNING rows are printed as rows.
    assert_eq!(
        write("DELETE FROM notes WHERE x = 1 RETURNING x", "jsonl"),
        "{\"x\":1}\n"
    );
}

/// The samples imported with entities.
fn samples() -> TestDb {
    let db = TestDb::new();
    db.newsdb()
        .arg("import")
        .arg(common::root().join("data/samples"))
        .assert()
        .success();
    db
}

fn lines_of(db: &TestDb, args: &[&str]) -> Vec<String> {
    let output = db.newsdb().args(args).arg("--nl").output().unwrap();
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    stdout(&output).lines().map(str::to_owned).collect()
}

// Issue 12 item 4: `--since 7d`, `yesterday`, `2w`, `2024-06`; timeline rejected --since.
#[test]
fn date_flags_take_the_dates_people_type_on_every_command() {
    let db = samples();
    // Published in March 2024: three of the nine samples; September 2023 three more (the radio
    // briefs are from January 2024).
    assert_eq!(lines_of(&db, &["articles", "--since", "2024-03"]).len(), 3);
    assert_eq!(lines_of(&db, &["articles", "--until", "2023-09"]).len(), 3);
    assert_eq!(
        lines_of(
            &db,
            &["timeline", "--since", "2024-03", "--until", "2024-03"]
        ),
        ["{\"period\":\"2024-03\",\"articles\":3}"]
    );
    assert_eq!(
        lines_of(
            &db,
            &[
                "timeline",
                "--by",
                "day",
                "--since",
                "2023-09-12",
                "--until",
                "2023-09-12"
            ]
        ),
        ["{\"period\":\"2023-09-12\",\"articles\":1}"]
    );
    // Ages count back from now: nothing was published in the last week, everything in the
    // last 100 years; export filters on the import time, which is now.
    for since in ["7d", "2w", "yesterday", "today", "12h"] {
        assert!(
            lines_of(&db, &["articles", "--since", since]).is_empty(),
            "{since}"
        );
        assert!(
            lines_of(&db, &["timeline", "--since", since]).is_empty(),
            "{since}"
        );
        let export = db.run(&["export", "--since", since]);
        assert_eq!(
            stdout(&export).lines().count(),
            9,
            "{since}: {}",
            stderr(&export)
        );
    }
    assert_eq!(lines_of(&db, &["articles", "--since", "5218w"]).len(), 9);
    assert!(!lines_of(&db, &["entities", "--since", "5218w"]).is_empty());
    assert!(lines_of(&db, &["entities", "--since", "1d"]).is_empty());
    assert_eq!(
        lines_of(&db, &["search", "ferry", "--until", "2024-03"]).len(),
        1
    );
    let bad = db.run(&["timeline", "--since", "last tuesday"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("7d"), "{}", stderr(&bad));
    // Help says which date each --since filters on.
    let help = |command: &str| {
        let text = stdout(&db.run(&[command, "--help"]));
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    for command in ["articles", "search", "timeline"] {
        assert!(
            help(command).contains("published at or after DATE"),
            "{command}"
        );
    }
    assert!(help("export").contains("imported (not published)"));
}

// Issue 12 item 6: `articles --source "Nonexistent Paper"` printed nothing and exited 0.
#[test]
fn filters_naming_nothing_are_errors_that_suggest_names() {
    let db = samples();
    for (args, expected) in [
        (
            &["articles", "--source", "Harbor Gazette"][..],
            "articles: no source named \"Harbor Gazette\" (did you mean 'Harbour Gazette'?)",
        ),
        (
            &["search", "ferry", "--entity", "Vladimir Puttin"],
            "search: no entity named \"Vladimir Puttin\" (did you mean 'Vladimir Putin'?)",
        ),
        (
            &["timeline", "--source", "Nonexistent Paper"],
            "timeline: no source named \"Nonexistent Paper\" (`newsdb sources` lists them)",
        ),
        (
            &["timeline", "--entity", "Nobody At All"],
            "timeline: no entity named \"Nobody At All\" (`newsdb entities` lists them)",
        ),
    ] {
        let output = db.run(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert_eq!(
            stderr(&output).trim_end(),
            format!("newsdb: {expected}"),
            "{args:?}"
        );
        assert_eq!(stdout(&output), "", "{args:?}");
    }
    // Names that exist, in any case, still filter as before.
    assert_eq!(
        lines_of(&db, &["articles", "--source", "harbour gazette"]).len(),
        3
    );
    assert!(!lines_of(&db, &["timeline", "--entity", "vladimir putin"]).is_empty());
}

// Issue 12 item 5: `entities --top` (default 50) vs `run top-entities -p limit` (default 20,
// another column order). Now `--limit` everywhere, one default, one order; `--offset`;
// `articles --category`.
#[test]
fn lists_share_one_name_one_default_and_one_column_order() {
    let db = samples();
    let entities = lines_of(&db, &["entities"]);
    let canned = lines_of(&db, &["run", "top-entities"]);
    assert_eq!(entities.len(), 20);
    assert_eq!(canned.len(), 20);
    for (listed, run) in entities.iter().zip(&canned) {
        let listed: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(listed).unwrap();
        let run: serde_json::Map<String, serde_json::Value> = serde_json::from_str(run).unwrap();
        let keys: Vec<&String> = listed.keys().take(5).collect();
        assert_eq!(keys, run.keys().collect::<Vec<_>>());
        for key in ["id", "articles", "mentions"] {
            assert_eq!(listed[key], run[key], "{key}");
        }
    }
    assert_eq!(lines_of(&db, &["entities", "--limit", "3"]), entities[..3]);
    // The old name still works, and is not advertised.
    assert_eq!(lines_of(&db, &["entities", "--top", "3"]), entities[..3]);
    assert!(!stdout(&db.run(&["entities", "--help"])).contains("--top"));
    assert_eq!(
        lines_of(&db, &["entities", "--limit", "2", "--offset", "3"]),
        entities[3..5]
    );
    let articles = lines_of(&db, &["articles"]);
    assert_eq!(articles.len(), 9);
    assert_eq!(
        lines_of(&db, &["articles", "--limit", "2", "--offset", "4"]),
        articles[4..6]
    );
    let transport = lines_of(&db, &["articles", "--category", "transport"]);
    assert_eq!(transport.len(), 1);
    assert!(transport[0].contains("Port Elsby ferry"), "{transport:?}");
    assert!(lines_of(&db, &["articles", "--category", "Sport"]).is_empty());
}
