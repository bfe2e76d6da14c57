//! End to end: entities and mentions stored at import, corrections that last, re-extraction.

mod common;

use common::{TestDb, seed, stderr};

fn imported_seed() -> TestDb {
    let db = TestDb::new();
    let output = db.run(&["import", seed().to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    db
}

/// Mentions of the entity named `name`, as (field, surface).
fn mentions_of(db: &TestDb, name: &str) -> Vec<String> {
    db.column(&format!(
        "SELECT field || ':' || surface FROM entity_mentions WHERE entity = '{name}'
          ORDER BY field DESC, start"
    ))
}

#[test]
fn the_seed_gives_its_entities_once_each_with_exact_offsets() {
    let db = imported_seed();
    // Every mention's offsets give back its surface.
    assert_eq!(
        db.count(
            "SELECT count(*) FROM mentions m JOIN articles a ON a.id = m.article_id
              WHERE substr(CASE m.field WHEN 'title' THEN a.title WHEN 'summary' THEN a.summary ELSE a.body END,
                           m.start + 1, m.\"end\" - m.start) IS NULL"
        ),
        0
    );
    let kim = mentions_of(&db, "Kim Jong Un");
    let (title, body) = {
        let conn = db.connect();
        conn.query_row("SELECT title, body FROM articles", [], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .unwrap()
    };
    let kims = title.matches("Kim").count() + body.matches("Kim").count();
    assert_eq!(kims, 9);
    assert_eq!(kim.len(), 9, "{kim:?}");
    for surface in [
        "title:Kim Jong Un",
        "body:Kim Jong-un",
        "body:Kim",
        "body:Kim’s",
    ] {
        assert!(kim.contains(&surface.to_string()), "{surface} in {kim:?}");
    }
    assert_eq!(
        db.count("SELECT count(*) FROM entities WHERE name = 'Kim Jong Un'"),
        1
    );
    for (name, kind) in [
        ("Vladimir Putin", "person"),
        ("Lee Jong-sup", "person"),
        ("Jake Sullivan", "person"),
        ("Russia", "location"),
        ("North Korea", "location"),
        ("Pyongyang", "location"),
        ("South Korea", "location"),
        ("Ukraine", "location"),
        ("Seoul", "location"),
        ("Moscow", "location"),
        ("Kremlin", "organization"),
        ("United Nations", "organization"),
        ("National Assembly", "organization"),
        ("Unification Ministry", "organization"),
        ("White House", "organization"),
        ("Eastern Economic Forum", "organization"),
    ] {
        let found = db.column(&format!(
            "SELECT kind FROM entities WHERE key IN (SELECT key FROM entity_aliases WHERE alias LIKE '%{name}%')
               OR name LIKE '%{name}%'"
        ));
        assert!(!found.is_empty(), "{name} missing");
        assert!(found.iter().any(|k| k == kind), "{name}: {found:?}");
    }
    let us = db.column(
        "SELECT DISTINCT e.name FROM entity_mentions m JOIN entities e ON e.id = m.entity_id
          WHERE m.surface IN ('U.S.', 'US')",
    );
    assert_eq!(us.len(), 1, "{us:?}");
    for not_entity in [
        "Estimated",
        "Government",
        "Monday",
        "Last",
        "Both",
        "Nevertheless",
        "Additionally",
        "Defense Minister",
        "National Security Adviser",
    ] {
        assert_eq!(
            db.count(&format!(
                "SELECT count(*) FROM entity_mentions WHERE surface = '{not_entity}'"
            )),
            0,
            "{not_entity} is not an entity"
        );
    }
}

#[test]
fn no_entities_skips_extraction_and_a_reimport_adds_no_mention() {
    let db = TestDb::new();
    db.newsdb()
        .args(["import", "--no-entities", seed().to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(db.count("SELECT count(*) FROM mentions"), 0);

    let db = imported_seed();
    let before = db.count("SELECT count(*) FROM mentions");
    db.newsdb()
        .args(["import", seed().to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(db.count("SELECT count(*) FROM mentions"), before);
}

#[test]
fn corrections_last_through_reextract() {
    let db = imported_seed();
    // Ignore a surface: its mentions go now and stay gone.
    db.newsdb()
        .args(["entity", "ignore", "Moscow"])
        .assert()
        .success();
    assert_eq!(mentions_of(&db, "Moscow").len(), 0);
    // Rename, merge and alias.
    db.newsdb()
        .args(["entity", "rename", "Kim Jong-un", "Kim Jong Un (DPRK)"])
        .assert()
        .success();
    db.newsdb()
        .args(["entity", "merge", "North Korea", "Pyongyang"])
        .assert()
        .success();
    db.newsdb()
        .args(["entity", "alias", "add", "Russia", "the Russian Federation"])
        .assert()
        .success();
    let north_korea_mentions = mentions_of(&db, "North Korea").len();

    let first = db.run(&["reextract", "--json"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let snapshot = |db: &TestDb| {
        db.column(
            "SELECT entity || '|' || field || '|' || start || '|' || \"end\" FROM entity_mentions
              ORDER BY field, start",
        )
    };
    let after_first = snapshot(&db);
    db.newsdb().arg("reextract").assert().success();
    assert_eq!(snapshot(&db), after_first, "reextract is idempotent");

    assert_eq!(mentions_of(&db, "Moscow").len(), 0);
    assert_eq!(mentions_of(&db, "Pyongyang").len(), 0);
    assert_eq!(mentions_of(&db, "North Korea").len(), north_korea_mentions);
    assert_eq!(mentions_of(&db, "Kim Jong Un (DPRK)").len(), 9);

    // A later import honours the corrections too.
    let file = db.file(
        "later.json",
        r#"{"title": "Talks", "body": "Officials from the Russian Federation met in Moscow. Pyongyang sent an envoy."}"#,
    );
    db.newsdb()
        .args(["import", file.to_str().unwrap()])
        .assert()
        .success();
    let later = db.column(
        "SELECT entity || ':' || surface FROM entity_mentions
          WHERE article_id = (SELECT max(id) FROM articles) ORDER BY start",
    );
    assert!(
        later.contains(&"Russia:Russian Federation".to_string()),
        "{later:?}"
    );
    assert!(!later.iter().any(|m| m.ends_with(":Moscow")), "{later:?}");
    assert!(
        later.contains(&"North Korea:Pyongyang".to_string()),
        "{later:?}"
    );
}

#[test]
fn entities_from_records_are_validated_and_stored() {
    let db = TestDb::new();
    let file = db.file(
        "annotated.jsonl",
        concat!(
            r#"{"title": "Zorblat visits", "body": "Zorblat Quux arrived in Ostrava.", "entities": [{"name": "Zorblat Quux", "kind": "person", "mentions": [{"field": "body", "start": 0, "end": 12}, {"field": "title", "start": 0, "end": 7}]}]}"#,
            "\n",
            r#"{"title": "Bad offsets", "body": "Short body.", "entities": [{"name": "X", "kind": "person", "mentions": [{"field": "body", "start": 3, "end": 400}]}]}"#,
            "\n"
        ),
    );
    let output = db.run(&["import", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(&format!(
            "newsdb: {}:2: entities[0].mentions[0]: end 400 is beyond the body",
            file.display()
        )),
        "{}",
        stderr(&output)
    );
    assert_eq!(db.count("SELECT count(*) FROM articles"), 1);
    let imported = db.column(
        "SELECT field || ':' || surface FROM entity_mentions
          WHERE entity = 'Zorblat Quux' AND method = 'import' ORDER BY field",
    );
    assert_eq!(imported, ["body:Zorblat Quux", "title:Zorblat"]);
}

#[test]
fn ambiguous_and_unknown_entities_are_named() {
    let db = imported_seed();
    let output = db.run(&["entity", "rename", "Atlantis", "Lost City"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no entity named `Atlantis`"),
        "{}",
        stderr(&output)
    );
}

/// Issue 11, item 2: extraction reads the summary too, and its mentions say so.
#[test]
fn names_in_the_summary_are_mentions_in_the_summary() {
    let db = TestDb::new();
    let summary = "Vladimir Putin hosted the talks in Moscow.";
    let file = db.file(
        "teaser.jsonl",
        serde_json::json!({
            "title": "Talks continue",
            "summary": summary,
            "body": "Officials met again on Friday.\n\nNo date was set for the next round.",
        })
        .to_string(),
    );
    let output = db.run(&["import", file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let in_summary = "SELECT entity || ':' || surface || ':' || start FROM entity_mentions
                       WHERE field = 'summary' ORDER BY start";
    assert_eq!(
        db.column(in_summary),
        ["Vladimir Putin:Vladimir Putin:0", "Moscow:Moscow:35"]
    );

    // `show --mentions` marks them in the summary.
    let output = db.run(&["show", "1", "--mentions", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let shown: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        shown[0]["summary_marked"],
        "[Vladimir Putin](person) hosted the talks in [Moscow](location)."
    );

    // Re-extraction reads the summary as the import did.
    db.connect().execute("DELETE FROM mentions", []).unwrap();
    db.newsdb().arg("reextract").assert().success();
    assert_eq!(
        db.column(in_summary),
        ["Vladimir Putin:Vladimir Putin:0", "Moscow:Moscow:35"]
    );

    // Records may carry their own summary mentions.
    let annotated = db.file(
        "annotated.jsonl",
        serde_json::json!({
            "title": "Zorblat visits",
            "summary": "Zorblat Quux arrived.",
            "body": "The visit was short.",
            "entities": [{"name": "Zorblat Quux", "kind": "person",
                          "mentions": [{"field": "summary", "start": 0, "end": 12}]}],
        })
        .to_string(),
    );
    let output = db.run(&["import", annotated.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        db.column(
            "SELECT field || ':' || surface FROM entity_mentions
              WHERE entity = 'Zorblat Quux' AND method = 'import'"
        ),
        ["summary:Zorblat Quux"]
    );
}

/// Issue 14: a sports report and a business story imported as text give clubs and companies as
/// organisations, and a lone surname as the person named earlier.
#[test]
fn news_reports_give_clubs_companies_and_people() {
    let db = TestDb::new();
    let file = db.file(
        "report.txt",
        "Weekend football and markets\n\n\
         Real Madrid beat Bayer Leverkusen 2-1 on Saturday. Liverpool manager Juergen Klopp \
         said his side played well.\n\n\
         Shares of Glencore fell 4 percent. Halvorsen would buy Brightwater Ltd for cash, \
         and later Brightwater said its board agreed. Klopp was not asked.\n",
    );
    let output = db.run(&["import", file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let kind = |name: &str| db.column(&format!("SELECT kind FROM entities WHERE name = '{name}'"));
    for club in [
        "Real Madrid",
        "Bayer Leverkusen",
        "Liverpool",
        "Glencore",
        "Brightwater Ltd",
    ] {
        assert_eq!(kind(club), ["organization"], "{club}");
    }
    assert_eq!(kind("Juergen Klopp"), ["person"]);
    assert_eq!(mentions_of(&db, "Juergen Klopp").len(), 2);
    assert_eq!(mentions_of(&db, "Brightwater Ltd").len(), 2);
}

/// Issue 14: a business story imported as text names its companies where they are bought, sold
/// or listed with a known one, and keeps a hyphenated adjective out of the name after it.
#[test]
fn deals_and_lists_name_companies_without_a_suffix() {
    let db = TestDb::new();
    let file = db.file(
        "deal.txt",
        "Grocer changes hands\n\n\
         Shoppers at the Tarnell-owned Greenway Foods Ltd paid more this year. Tarnell bought \
         Quillfeather in May, and its sale to Harbourview closed on Friday.\n\n\
         It competes with Toyota, Zorvex and Quellon, which all watch it on TV.\n",
    );
    let output = db.run(&["import", file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let kind = |name: &str| db.column(&format!("SELECT kind FROM entities WHERE name = '{name}'"));
    for company in [
        "Greenway Foods Ltd",
        "Quillfeather",
        "Harbourview",
        "Zorvex",
        "Quellon",
    ] {
        assert_eq!(kind(company), ["organization"], "{company}");
    }
    assert_eq!(
        db.count("SELECT count(*) FROM entities WHERE name LIKE '%-owned%' OR name = 'TV'"),
        0
    );
}
