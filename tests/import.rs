//! End to end: the real binary imports real files into a temporary database; SQL checks the result.

mod common;

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use common::{TestDb, sample, seed, stderr, stdout};

const SEED_TITLE: &str = "Kim Jong Un reportedly en route to Russia for a summit expected on \
                          Tuesday or Wednesday, as reported by Seoul officials";

#[test]
fn the_seed_reads_as_the_design_says() {
    let db = TestDb::new();
    let output = db.run(&["import", seed().to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));

    assert_eq!(db.count("SELECT count(*) FROM articles"), 1);
    assert_eq!(db.column("SELECT title FROM articles"), [SEED_TITLE]);
    let body = &db.column("SELECT body FROM articles")[0];
    let paragraphs: Vec<&str> = body.split("\n\n").collect();
    assert_eq!(paragraphs.len(), 13, "{body}");
    assert!(paragraphs[0].starts_with("Government sources have confirmed"));
    assert!(
        paragraphs[12].ends_with("did not provide details regarding these possible consequences.")
    );
    for boilerplate in [
        "Estimated read time",
        "A | a-+=",
        "Source:",
        "You May Also Like",
    ] {
        assert!(
            !body.contains(boilerplate),
            "{boilerplate} left in the body"
        );
    }

    let outlets = db.column(
        "SELECT s.name FROM article_sources a JOIN sources s ON s.id = a.source_id
          WHERE a.role = 'credit' ORDER BY a.position",
    );
    assert_eq!(outlets, ["The Korea Herald", "CNN"]);
    let people = db.column(
        "SELECT au.name FROM article_authors aa JOIN authors au ON au.id = aa.author_id
          ORDER BY aa.position",
    );
    assert_eq!(
        people,
        [
            "Ji Da-gyum",
            "Jake Kwon",
            "Gawon Bae",
            "Jessie Yeung",
            "Brad Lendon"
        ]
    );
    // The raw copy is the file's bytes, exactly.
    assert_eq!(db.raw_copies(), [std::fs::read(seed()).unwrap()]);
    assert_eq!(db.column("SELECT format FROM article_raw"), ["text"]);
}

#[test]
fn one_story_in_three_forms_is_one_article_with_three_sightings() {
    let db = TestDb::new();
    let output = db.run(&[
        "import",
        seed().to_str().unwrap(),
        sample("kim-summit-html.json").to_str().unwrap(),
        sample("wire.jsonl").to_str().unwrap(),
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["items"], 5);
    assert_eq!(summary["new_articles"], 3);
    assert_eq!(summary["duplicates"], 2);

    let kim = "SELECT id FROM articles WHERE body LIKE 'Government sources%'";
    assert_eq!(db.count(&format!("SELECT count(*) FROM ({kim})")), 1);
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM sightings WHERE article_id = ({kim})"
        )),
        3
    );
    // Each headline seen is kept with its sighting; the first arrival's raw bytes are kept.
    let titles = db.column(&format!(
        "SELECT title FROM sightings WHERE article_id = ({kim}) ORDER BY id"
    ));
    assert_eq!(titles[0], SEED_TITLE);
    assert!(titles[1].starts_with("North Korea's Kim heads to Russia"));
    assert_eq!(db.count("SELECT count(*) FROM article_raw"), 3);
}

#[test]
fn importing_twice_adds_nothing_and_says_so() {
    let db = TestDb::new();
    let samples = common::root().join("data/samples");
    let first = db.run(&["import", samples.to_str().unwrap(), "--json"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let tables = [
        "articles",
        "sources",
        "article_sources",
        "authors",
        "article_authors",
        "article_urls",
        "article_raw",
        "mentions",
        "entities",
    ];
    let before: Vec<i64> = tables
        .iter()
        .map(|table| db.count(&format!("SELECT count(*) FROM {table}")))
        .collect();

    let second = db.run(&["import", samples.to_str().unwrap(), "--json"]);
    assert!(second.status.success(), "{}", stderr(&second));
    let summary: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(summary["new_articles"], 0);
    assert_eq!(summary["duplicates"], summary["items"]);
    let after: Vec<i64> = tables
        .iter()
        .map(|table| db.count(&format!("SELECT count(*) FROM {table}")))
        .collect();
    assert_eq!(before, after);
    assert_eq!(db.count("SELECT count(*) FROM imports"), 2);
}

#[test]
fn a_broken_json_line_is_reported_and_the_rest_imported() {
    let db = TestDb::new();
    let file = db.file(
        "dump.jsonl",
        concat!(
            r#"{"title": "First", "body": "The first article has a body of its own."}"#,
            "\n",
            r#"{"title": "Second", "body": "The second article is cut off"#,
            "\n",
            r#"{"title": "Third", "body": "The third article is complete."}"#,
            "\n"
        ),
    );
    let output = db.run(&["import", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains(&format!("newsdb: {}:2:", file.display())),
        "{message}"
    );
    assert_eq!(
        db.column("SELECT title FROM articles ORDER BY id"),
        ["First", "Third"]
    );
    let locators = db.column("SELECT locator FROM import_rejects");
    assert_eq!(locators.len(), 1);
    assert!(
        locators[0] == "2" || locators[0].starts_with("2:"),
        "{locators:?}"
    );
}

#[test]
fn bad_inputs_are_rejected_with_a_located_reason_and_the_rest_stored() {
    let db = TestDb::new();
    let good = db.file(
        "in/good.txt",
        "A good title\n\nA body paragraph that is fine.\n",
    );
    let empty = db.file("in/empty.txt", "");
    let binary = db.file("in/blob.bin", [0u8, 159, 146, 150, 0, 1, 2, 3, 255, 0, 7]);
    let untitled = db.file("in/nothing.json", r#"{"url": "https://example.com/x"}"#);
    let latin1 = db.file(
        "in/latin1.txt",
        b"Caf\xe9 culture\n\nThe caf\xe9s of Montr\xe9al reopen.\n".as_slice(),
    );
    let output = db.run(&["import", db.folder.path().join("in").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    for (file, reason) in [
        (&empty, "empty file"),
        (&binary, "binary file"),
        (&untitled, "item has no text"),
    ] {
        let prefix = format!("newsdb: {}", file.display());
        assert!(
            message
                .lines()
                .any(|line| line.starts_with(&prefix) && line.contains(reason)),
            "no `{reason}` for {}:\n{message}",
            file.display()
        );
    }
    assert!(
        message.contains(&format!("warning: {}", latin1.display())),
        "{message}"
    );
    assert_eq!(db.count("SELECT count(*) FROM import_rejects"), 3);
    let titles = db.column("SELECT title FROM articles ORDER BY title");
    assert_eq!(titles, ["A good title", "Café culture"]);
    assert!(good.exists());
}

#[test]
fn an_undetectable_format_is_rejected() {
    let db = TestDb::new();
    let file = db.file(
        "noise.dat",
        "%%%% ---- #### 1234 5678 ++++\n==== ~~~~ 9999\n",
    );
    let output = db.run(&["import", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(&format!("newsdb: {}: cannot detect", file.display())),
        "{}",
        stderr(&output)
    );
}

#[test]
fn stdin_with_a_format() {
    let db = TestDb::new();
    let output = db
        .newsdb()
        .args(["import", "-", "--format", "jsonl", "--source", "Wire Desk"])
        .write_stdin(
            "{\"title\": \"From a pipe\", \"body\": \"Read from standard input.\"}\n\
             {\"title\": \"Again\", \"body\": \"A second record on stdin.\"}\n",
        )
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(db.count("SELECT count(*) FROM articles"), 2);
    assert_eq!(
        db.column("SELECT DISTINCT s.name FROM articles a JOIN sources s ON s.id = a.source_id"),
        ["Wire Desk"]
    );
    assert_eq!(db.column("SELECT DISTINCT origin FROM sightings"), ["-"]);
}

#[test]
fn a_stream_on_stdin_is_stored_as_it_comes() {
    let db = TestDb::new();
    assert!(db.run(&["init"]).status.success());
    let mut import = db
        .process()
        .args(["import", "-", "--format", "jsonl", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("newsdb runs");
    let mut stdin = import.stdin.take().unwrap();
    let mut send = move |range: std::ops::Range<usize>| {
        for n in range {
            let record = format!(
                "{{\"title\": \"Bulletin {n}\", \"body\": \"Update number {n} from a live feed.\"}}\n"
            );
            stdin.write_all(record.as_bytes()).unwrap();
        }
        stdin.flush().unwrap();
    };
    // Two lines, then the producer goes quiet with its end of the pipe still open: far from
    // 64 KB, a chunk or a batch. They are stored all the same, within seconds.
    send(0..2);
    db.wait_for_articles(2, Duration::from_secs(60));
    send(2..4);
    drop(send); // closes the pipe: the end of the stream
    let output = import.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (&summary["inputs"], &summary["new_articles"]),
        (&1.into(), &4.into())
    );
    assert_eq!(db.count("SELECT count(*) FROM articles"), 4);
}

#[test]
fn json_fields_map_to_columns() {
    let db = TestDb::new();
    let file = db.file(
        "records.json",
        r#"[
  {"title": "Array one", "content": "<p>Hello &amp; welcome.</p><p>Second&nbsp;paragraph.</p>",
   "url": "HTTPS://Example.COM:443/a?utm_source=x&b=2#top", "guid": "tag:example.com,2023:1",
   "source": {"name": "The Example Times", "url": "https://example.com/"},
   "authors": [{"name": "Ann Writer"}, "Bob Reporter"],
   "published_at": "2023-09-11T10:20:00+09:00", "language": "en", "extra": {"kept": true},
   "categories": ["World", "Asia & Pacific", "world"]},
  {"title": "Array two", "body": "Plain body.", "date": "Mon, 11 Sep 2023 08:30:00 GMT",
   "authors": "Carla Columnist"}
]"#,
    );
    let output = db.run(&["import", file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let conn = db.connect();
    let (body, url, published, language, source): (String, String, String, String, String) = conn
        .query_row(
            "SELECT body, url, published_at, language, s.name
               FROM articles a JOIN sources s ON s.id = a.source_id WHERE title = 'Array one'",
            [],
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(body, "Hello & welcome.\n\nSecond paragraph.");
    assert_eq!(url, "https://example.com/a?b=2");
    assert_eq!(published, "2023-09-11T01:20:00Z");
    assert_eq!(language, "en");
    assert_eq!(source, "The Example Times");
    assert_eq!(
        db.column("SELECT value FROM article_urls ORDER BY kind, value"),
        ["tag:example.com,2023:1", "https://example.com/a?b=2"]
    );
    assert_eq!(
        db.column("SELECT name FROM authors ORDER BY id"),
        ["Ann Writer", "Bob Reporter", "Carla Columnist"]
    );
    assert_eq!(
        db.column("SELECT category FROM article_categories ORDER BY position"),
        ["World", "Asia & Pacific"]
    );
    // Unknown fields survive in the raw copy of the element.
    let raw: Vec<String> = (db.raw_copies().into_iter())
        .map(|bytes| String::from_utf8(bytes).unwrap())
        .collect();
    assert!(raw[0].contains(r#""extra": {"kept": true}"#), "{}", raw[0]);
    assert!(raw[0].trim_start().starts_with('{') && !raw[0].contains("Array two"));
    assert_eq!(
        db.column("SELECT locator FROM sightings ORDER BY id"),
        ["2 (/0)", "8 (/1)"]
    );
}

/// A source first stored without a home page or domain learns them from a later article that
/// names them, in the same import and batches apart (the writer's id cache must not hide it).
#[test]
fn a_source_learns_its_home_page_from_a_later_batch() {
    let db = TestDb::new();
    let file = db.file(
        "records.jsonl",
        concat!(
            r#"{"title": "Without", "body": "First story.", "source": {"name": "Gazette X"}}"#,
            "\n",
            r#"{"title": "With", "body": "Second story.", "url": "https://gx.example/b","#,
            r#" "source": {"name": "Gazette X", "url": "https://gx.example/"}}"#,
            "\n",
        ),
    );
    let output = db.run(&["import", "--batch-size", "1", file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        db.column("SELECT name || ' ' || home_url || ' ' || domain FROM sources"),
        ["Gazette X https://gx.example/ gx.example"]
    );
}

#[test]
fn a_dry_run_writes_nothing() {
    let db = TestDb::new();
    let output = db.run(&[
        "import",
        common::root().join("data/samples").to_str().unwrap(),
        "--dry-run",
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["dry_run"], true);
    assert!(
        summary["new_articles"].as_u64().unwrap() >= 3,
        "{}",
        stdout(&output)
    );
    assert!(
        summary["duplicates"].as_u64().unwrap() >= 2,
        "{}",
        stdout(&output)
    );
    for table in ["articles", "sightings", "imports", "sources", "authors"] {
        assert_eq!(
            db.count(&format!("SELECT count(*) FROM {table}")),
            0,
            "{table}"
        );
    }
}

#[test]
fn a_known_url_with_new_content_is_a_new_version() {
    let db = TestDb::new();
    let first = db.file(
        "v1.json",
        r#"{"title": "Count", "body": "The toll rose to 10.", "url": "https://example.com/story"}"#,
    );
    let second = db.file(
        "v2.json",
        r#"{"title": "Count", "body": "The toll rose to 12.", "url": "https://example.com/story"}"#,
    );
    db.newsdb()
        .args(["import", first.to_str().unwrap()])
        .assert()
        .success();
    let output = db.run(&["import", second.to_str().unwrap(), "--json"]);
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["new_versions"], 1);
    assert_eq!(
        db.count("SELECT count(DISTINCT article_id) FROM article_urls WHERE value = 'https://example.com/story'"),
        2
    );
}

#[test]
fn no_raw_keeps_no_copy() {
    let db = TestDb::new();
    db.newsdb()
        .args(["import", "--no-raw", seed().to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(db.count("SELECT count(*) FROM articles"), 1);
    assert_eq!(db.count("SELECT count(*) FROM article_raw"), 0);
}

#[test]
fn gzip_inputs_are_read_transparently() {
    use std::io::Write;
    let db = TestDb::new();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(b"{\"title\": \"Zipped\", \"body\": \"Compressed body text.\"}\n")
        .unwrap();
    let file = db.file("dump.jsonl.gz", encoder.finish().unwrap());
    db.newsdb()
        .args(["import", file.to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(db.column("SELECT title FROM articles"), ["Zipped"]);
}

#[test]
fn feed_categories_are_kept() {
    let db = TestDb::new();
    db.newsdb()
        .args(["import", sample("harbour-gazette.rss").to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(
        db.column(
            "SELECT a.title || ': ' || c.category FROM article_categories c
               JOIN articles a ON a.id = c.article_id ORDER BY a.id"
        ),
        [
            "Port Elsby ferry terminal reopens after two-year rebuild: Transport",
            "Saltmarsh library festival adds a second weekend: Culture",
            "Coastal path near Wrenhaven closed after cliff fall: Environment"
        ]
    );
}
