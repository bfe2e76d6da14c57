//! Sightings and gap filling (issue 11, items 5 and 6): a sighting is a place an article arrives
//! from, counted, not a row per arrival; a later copy of a stored article fills the fields it
//! lacks and never overwrites one.

mod common;

use common::{TestDb, sample, seed, stderr, stdout};

const KIM: &str = "SELECT id FROM articles WHERE body LIKE 'Government sources%'";

fn import(db: &TestDb, paths: &[std::path::PathBuf]) {
    let output = db
        .newsdb()
        .args(["import", "--no-entities"])
        .args(paths)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
}

/// `filled` of the sighting from the input whose path ends with `name`.
fn filled_by(db: &TestDb, name: &str) -> Option<String> {
    db.connect()
        .query_row(
            "SELECT filled FROM sightings WHERE origin LIKE '%' || ?1",
            [name],
            |row| row.get(0),
        )
        .unwrap()
}

fn credits(db: &TestDb) -> Vec<String> {
    db.column(&format!(
        "SELECT s.name FROM article_sources x JOIN sources s ON s.id = x.source_id
          WHERE x.article_id = ({KIM}) AND x.role = 'credit' ORDER BY x.position"
    ))
}

// Issue 11, item 5: importing data/samples twice used to give the seed story six sightings.
#[test]
fn importing_the_samples_twice_counts_arrivals_on_three_sightings() {
    let db = TestDb::new();
    let samples = common::root().join("data/samples");
    import(&db, std::slice::from_ref(&samples));
    let rows_after_first = db.count("SELECT count(*) FROM sightings");
    import(&db, std::slice::from_ref(&samples));

    assert_eq!(db.count("SELECT count(*) FROM sightings"), rows_after_first);
    assert_eq!(
        db.count(KIM),
        4,
        "the README calls the seed story article 4"
    );
    assert_eq!(
        db.column(
            "SELECT CAST(times_seen AS TEXT) FROM sightings WHERE article_id = 4 ORDER BY id"
        ),
        ["2", "2", "2"]
    );
    assert_eq!(
        db.count("SELECT count(*) FROM sightings WHERE last_seen_at < first_seen_at"),
        0
    );
    // Old SQL still reads `seen_at`: the first time.
    assert_eq!(
        db.count("SELECT count(*) FROM sightings WHERE seen_at IS NOT first_seen_at"),
        0
    );
    assert_eq!(
        db.count("SELECT sightings FROM article_overview WHERE id = 4"),
        3
    );
    assert_eq!(
        db.count("SELECT times_seen FROM article_overview WHERE id = 4"),
        6
    );

    // `run duplicates` ranks by places, then arrivals: the seed story (three files) before the
    // ferry story (the feed and the page), each seen twice from each place.
    let output = db.run(&["run", "duplicates", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(rows[0]["id"], 4);
    assert_eq!(rows[0]["sightings"], 3);
    assert_eq!(rows[0]["times_seen"], 6);
    assert_eq!(rows[1]["sightings"], 2);
    assert_eq!(rows[1]["times_seen"], 4);
    // Articles seen from one place only, however often, are no duplicates.
    assert_eq!(rows.len(), 2);
}

#[test]
fn the_same_file_is_one_sighting_and_another_file_with_the_same_content_is_another() {
    let db = TestDb::new();
    let record =
        r#"{"title": "Ferry fares rise", "body": "Ferry fares rise by a tenth in March."}"#;
    let first = db.file("first.jsonl", format!("{record}\n"));
    // The same record again, one line further down: where it is changed, not what it is.
    let moved = db.file("moved/first.jsonl", format!("\n{record}\n"));
    import(&db, std::slice::from_ref(&first));
    import(&db, std::slice::from_ref(&first));
    import(&db, std::slice::from_ref(&first));
    assert_eq!(db.count("SELECT count(*) FROM sightings"), 1);
    assert_eq!(db.count("SELECT times_seen FROM sightings"), 3);

    std::fs::rename(&moved, &first).unwrap();
    import(&db, std::slice::from_ref(&first));
    assert_eq!(db.count("SELECT count(*) FROM sightings"), 1);
    assert_eq!(db.column("SELECT locator FROM sightings"), ["2"]);
    assert_eq!(db.count("SELECT times_seen FROM sightings"), 4);

    let other = db.file("other.jsonl", format!("{record}\n"));
    import(&db, &[other]);
    assert_eq!(db.count("SELECT count(*) FROM articles"), 1);
    assert_eq!(
        db.column("SELECT CAST(times_seen AS TEXT) FROM sightings ORDER BY id"),
        ["4", "1"]
    );

    // The same place under a new headline keeps that headline in a row of its own.
    let retitled = record.replace("Ferry fares rise", "Fares up on the ferry");
    std::fs::write(&first, format!("{retitled}\n")).unwrap();
    import(&db, std::slice::from_ref(&first));
    assert_eq!(
        db.column("SELECT title FROM sightings ORDER BY id"),
        [
            "Ferry fares rise",
            "Ferry fares rise",
            "Fares up on the ferry"
        ]
    );
}

// Issue 11, item 6: the JSON copy came first, so the seed's credit line was lost and the README's
// `timeline --source "Korea Herald"` printed nothing.
#[test]
fn the_seed_gives_its_credits_when_the_json_copy_came_first() {
    let db = TestDb::new();
    import(&db, &[sample("kim-summit-html.json")]);
    assert!(credits(&db).is_empty());
    import(&db, &[seed()]);

    assert_eq!(credits(&db), ["The Korea Herald", "CNN"]);
    assert_eq!(
        filled_by(&db, "seed-kim-jong-un-train.txt").as_deref(),
        Some("credits")
    );
    assert_eq!(filled_by(&db, "kim-summit-html.json"), None);
    // What the JSON copy gave stays: its publisher, its byline, its date.
    assert_eq!(
        db.column(&format!(
            "SELECT s.name FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.id = ({KIM})"
        )),
        ["Example World News"]
    );
    assert_eq!(
        db.column(&format!(
            "SELECT au.name FROM article_authors x JOIN authors au ON au.id = x.author_id
              WHERE x.article_id = ({KIM}) ORDER BY x.position"
        )),
        ["Jake Kwon", "Brad Lendon"]
    );
    assert_eq!(
        db.column(&format!(
            "SELECT published_at FROM articles WHERE id = ({KIM})"
        )),
        ["2023-09-10T23:30:00Z"]
    );
}

#[test]
fn the_readme_timeline_example_finds_the_korea_herald() {
    let db = TestDb::new();
    import(&db, &[common::root().join("data/samples")]);
    assert_eq!(credits(&db), ["The Korea Herald", "CNN"]);
    let output = db.run(&[
        "timeline",
        "--by",
        "week",
        "--source",
        "Korea Herald",
        "--format",
        "csv",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "period,articles\n2023-W36,1\n");
    // `articles --source` agrees with it.
    let output = db.run(&["articles", "--source", "Korea Herald", "--format", "csv"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 2, "{}", stdout(&output));
}

#[test]
fn a_dated_copy_fills_the_date_the_seed_lacks() {
    let db = TestDb::new();
    import(&db, &[seed()]);
    let undated =
        format!("SELECT count(*) FROM articles WHERE id = ({KIM}) AND published_at IS NULL");
    assert_eq!(db.count(&undated), 1);
    import(&db, &[sample("wire.jsonl")]);

    assert_eq!(
        db.column(&format!(
            "SELECT published_at || ' ' || published_raw FROM articles WHERE id = ({KIM})"
        )),
        ["2023-09-11T00:15:00Z 2023-09-11T09:15:00+09:00"]
    );
    let filled = filled_by(&db, "wire.jsonl").unwrap();
    assert!(
        filled.split(',').any(|field| field == "published_at"),
        "{filled}"
    );
    // The seed's own credits and people are not replaced by the wire copy's.
    assert_eq!(credits(&db), ["The Korea Herald", "CNN"]);
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM article_authors WHERE article_id = ({KIM})"
        )),
        5
    );
    assert!(
        !filled.split(',').any(|field| field == "authors"),
        "{filled}"
    );
}

#[test]
fn copies_in_one_run_fill_each_other_in_input_order() {
    let db = TestDb::new();
    import(
        &db,
        &[sample("kim-summit-html.json"), seed(), sample("wire.jsonl")],
    );
    assert_eq!(credits(&db), ["The Korea Herald", "CNN"]);
    assert_eq!(
        filled_by(&db, "seed-kim-jong-un-train.txt").as_deref(),
        Some("credits")
    );
    // The JSON copy gave everything else the wire copy could have.
    assert_eq!(filled_by(&db, "wire.jsonl"), None);

    let db = TestDb::new();
    import(&db, &[seed(), sample("wire.jsonl")]);
    assert_eq!(
        db.column(&format!(
            "SELECT published_at FROM articles WHERE id = ({KIM})"
        )),
        ["2023-09-11T00:15:00Z"]
    );
    assert_eq!(
        db.column(&format!(
            "SELECT s.name FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.id = ({KIM})"
        )),
        ["The Korea Herald"]
    );
    assert!(
        filled_by(&db, "wire.jsonl")
            .unwrap()
            .contains("published_at")
    );
}

#[test]
fn every_missing_field_is_filled_and_nothing_present_is_overwritten() {
    let db = TestDb::new();
    let body = "The harbour board approved a second tide gauge on Friday.";
    let bare = db.file(
        "bare.jsonl",
        format!(r#"{{"title": "Gauge", "body": "{body}"}}"#),
    );
    let full = db.file(
        "full.jsonl",
        format!(
            r#"{{"title": "Second gauge", "body": "{body}", "summary": "A second gauge.",
                 "url": "https://example.org/gauge?utm_source=x", "language": "en",
                 "published": "2024-03-01T10:00:00Z", "source": "Quay News",
                 "authors": ["Ana Pier"]}}"#
        )
        .replace('\n', " "),
    );
    let other = db.file(
        "other.jsonl",
        format!(
            r#"{{"title": "Gauge", "body": "{body}", "summary": "Other.", "url": "https://example.org/other",
                 "language": "fr", "published": "2020-01-01T00:00:00Z", "source": "Other Wire",
                 "authors": ["Bo Other"]}}"#
        )
        .replace('\n', " "),
    );
    import(&db, &[bare]);
    import(&db, &[full]);
    import(&db, &[other]);

    assert_eq!(
        filled_by(&db, "full.jsonl").as_deref(),
        Some("summary,url,language,published_at,published_raw,publisher,authors")
    );
    assert_eq!(filled_by(&db, "other.jsonl"), None);
    let row: Vec<String> = db.column(
        "SELECT concat_ws(' | ', a.title, a.summary, a.url, a.language, a.published_at, s.name,
                (SELECT group_concat(au.name) FROM article_authors x JOIN authors au
                    ON au.id = x.author_id WHERE x.article_id = a.id))
           FROM articles a JOIN sources s ON s.id = a.source_id",
    );
    assert_eq!(
        row,
        [
            "Gauge | A second gauge. | https://example.org/gauge | en | 2024-03-01T10:00:00Z \
             | Quay News | Ana Pier"
        ]
    );
    assert_eq!(
        db.column(
            "SELECT s.name FROM article_sources x JOIN sources s ON s.id = x.source_id
              WHERE x.role = 'publisher'"
        ),
        ["Quay News"]
    );
    // Filled through UPDATE: the full-text index is still sound.
    db.connect()
        .execute(
            "INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')",
            [],
        )
        .unwrap();
    let output = db.run(&["search", "tide gauge", "--format", "csv"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 2, "{}", stdout(&output));
}

#[test]
fn a_dry_run_fills_nothing() {
    let db = TestDb::new();
    import(&db, &[seed()]);
    let output = db.run(&[
        "import",
        "--dry-run",
        sample("wire.jsonl").to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM articles WHERE id = ({KIM}) AND published_at IS NULL"
        )),
        1
    );
    assert_eq!(db.count("SELECT count(*) FROM sightings"), 1);
}

/// A database at the schema before V6 (every migration below it, applied as newsdb applies
/// them), with sightings as the old writer left them: a row per arrival.
fn database_before_v6(db: &TestDb, content_hash: &str) {
    let mut migrations: Vec<(u32, String, String)> =
        std::fs::read_dir(common::root().join("migrations/sqlite"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter_map(|path| {
                let stem = path.file_stem()?.to_str()?.to_owned();
                let version: u32 = stem.strip_prefix('V')?.split("__").next()?.parse().ok()?;
                let sql = std::fs::read_to_string(&path).ok()?;
                Some((version, stem, sql))
            })
            .filter(|(version, _, _)| *version < 6)
            .collect();
    migrations.sort();
    let migrations: Vec<refinery::Migration> = migrations
        .iter()
        .map(|(_, stem, sql)| refinery::Migration::unapplied(stem, sql).unwrap())
        .collect();
    let mut conn = db.connect();
    refinery::Runner::new(&migrations)
        .set_grouped(true)
        .run(&mut conn)
        .unwrap();
    conn.execute_batch(
        &"INSERT INTO imports (id, started_at, command) VALUES (1, '2026-01-01T00:00:00Z', 'import'),
                                                              (2, '2026-01-02T00:00:00Z', 'import');
         INSERT INTO articles (id, content_hash, title, body)
         VALUES (1, :hash, 'Old', 'An old article.');
         INSERT INTO sightings (id, article_id, import_id, origin, locator, title, seen_at) VALUES
             (1, 1, 1, 'a.jsonl', '1', 'Old', '2026-01-01T00:00:00Z'),
             (2, 1, 1, 'b.jsonl', '1', 'Old', '2026-01-01T00:00:01Z'),
             (3, 1, 2, 'a.jsonl', '3', 'Old', '2026-01-02T00:00:00Z'),
             (4, 1, 2, 'a.jsonl', NULL, NULL, '2026-01-02T00:00:00Z'),
             (5, 1, 2, 'a.jsonl', NULL, NULL, '2026-01-02T00:00:05Z');"
            .replace(":hash", &format!("'{content_hash}'")),
    )
    .unwrap();
}

#[test]
fn migrating_an_old_database_collapses_its_sightings_into_places() {
    const RECORD: &str = r#"{"title": "Old", "body": "An old article."}"#;
    let scratch = TestDb::new();
    import(&scratch, &[scratch.file("a.jsonl", RECORD)]);
    let content_hash = &scratch.column("SELECT content_hash FROM articles")[0];

    let db = TestDb::new();
    database_before_v6(&db, content_hash);
    let output = db.run(&["migrate"]);
    assert!(output.status.success(), "{}", stderr(&output));

    assert_eq!(
        db.column(
            "SELECT concat_ws(' ', id, origin, coalesce(locator, '-'), coalesce(title, '-'),
                              first_seen_at, last_seen_at, times_seen, import_id)
               FROM sightings ORDER BY id"
        ),
        [
            "1 a.jsonl 3 Old 2026-01-01T00:00:00Z 2026-01-02T00:00:00Z 2 1",
            "2 b.jsonl 1 Old 2026-01-01T00:00:01Z 2026-01-01T00:00:01Z 1 1",
            "4 a.jsonl - - 2026-01-02T00:00:00Z 2026-01-02T00:00:05Z 2 2",
        ]
    );
    assert_eq!(db.count("SELECT sightings FROM article_overview"), 3);
    assert_eq!(db.count("SELECT times_seen FROM article_overview"), 5);

    // The next arrival from a known place updates its row.
    let record = db.file("a.jsonl", RECORD);
    let output = db
        .newsdb()
        .current_dir(db.folder.path())
        .args(["import", "--no-entities", "a.jsonl"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(record.exists());
    assert_eq!(db.count("SELECT count(*) FROM sightings"), 3);
    assert_eq!(db.count("SELECT times_seen FROM sightings WHERE id = 1"), 3);
}

/// A stream's batches are held in one transaction and indexed for search at its commit. A copy
/// that fills the summary of an article an earlier held batch stored (not indexed yet) has it
/// indexed first: the update trigger takes the old text out of the index, which must hold it.
#[test]
fn a_fill_in_a_held_stream_keeps_the_full_text_index_sound() {
    use std::io::Write;
    use std::process::Stdio;

    let db = TestDb::new();
    assert!(db.run(&["init"]).status.success());
    let mut import = db
        .process()
        .args(["import", "-", "--format", "jsonl", "--no-entities"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("newsdb runs");
    let mut stdin = import.stdin.take().unwrap();
    let body = "The harbour board approved a second tide gauge on Friday.";
    writeln!(stdin, r#"{{"title": "Gauge", "body": "{body}"}}"#).unwrap();
    stdin.flush().unwrap();
    // The writer catches up and holds that batch for up to 2 s, waiting for more.
    std::thread::sleep(std::time::Duration::from_millis(500));
    writeln!(
        stdin,
        r#"{{"title": "Gauge", "body": "{body}", "summary": "Breakwater sensors."}}"#
    )
    .unwrap();
    writeln!(
        stdin,
        r#"{{"title": "Ferry", "body": "The ferry sails at noon."}}"#
    )
    .unwrap();
    drop(stdin);
    let output = import.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(db.count("SELECT count(*) FROM articles"), 2);
    assert_eq!(
        db.column("SELECT summary FROM articles WHERE title = 'Gauge'"),
        ["Breakwater sensors."]
    );
    db.connect()
        .execute(
            "INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')",
            [],
        )
        .unwrap();
    for (words, title) in [
        ("breakwater", "Gauge"),
        ("tide gauge", "Gauge"),
        ("ferry", "Ferry"),
    ] {
        assert_eq!(
            db.column(&format!(
                "SELECT a.title FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
                  WHERE articles_fts MATCH '{words}'"
            )),
            [title],
            "{words}"
        );
    }
}
