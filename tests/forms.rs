//! Dedup across forms: the same story as scraped text, as an RSS item and as a saved web page is
//! one article seen three times; feeds re-read add nothing; a GUID whose content changed is a new
//! version; duplicate GUIDs inside one feed are no error.

mod common;

use std::path::PathBuf;

use common::{TestDb, corpus, root, seed, stderr};

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/forms").join(name)
}

/// `import PATHS... --json`, which must succeed; returns the summary.
fn import(db: &TestDb, paths: &[PathBuf]) -> serde_json::Value {
    let mut command = db.newsdb();
    command.arg("import").args(paths).arg("--json");
    let output = command.output().expect("newsdb runs");
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).expect("a JSON summary")
}

#[test]
fn text_feed_item_and_page_are_one_article_with_three_sightings() {
    let db = TestDb::new();
    let summary = import(
        &db,
        &[seed(), fixture("seed-item.rss"), fixture("seed-page.html")],
    );
    assert_eq!(summary["new_articles"], 1, "{summary}");
    assert_eq!(summary["duplicates"], 2, "{summary}");
    assert_eq!(db.count("SELECT count(*) FROM articles"), 1);
    assert_eq!(db.count("SELECT count(*) FROM sightings"), 3);
    let formats =
        db.column("SELECT r.format FROM article_raw r JOIN articles a ON a.id = r.article_id");
    assert_eq!(
        formats,
        vec!["text".to_string()],
        "the first arrival's bytes are kept"
    );
    // Each form's own headline is kept with its sighting.
    assert_eq!(db.count("SELECT count(DISTINCT title) FROM sightings"), 2);
    // The feed and the page name the same URL, and the feed a GUID.
    assert_eq!(
        db.column("SELECT kind || ' ' || value FROM article_urls ORDER BY kind"),
        vec![
            "guid koreaherald-20230911000612".to_string(),
            "url https://www.koreaherald.com/view.php?ud=20230911000612".to_string(),
        ]
    );
}

#[test]
fn the_page_alone_reads_the_seed_body_without_its_surroundings() {
    let db = TestDb::new();
    import(&db, &[fixture("seed-page.html")]);
    let body = &db.column("SELECT body FROM articles")[0];
    assert_eq!(body.split("\n\n").count(), 13, "{body}");
    assert!(
        body.starts_with("Government sources have confirmed"),
        "{body}"
    );
    assert!(body.ends_with("did not provide details regarding these possible consequences."));
    for boilerplate in ["Most popular", "Copyright", "Business", "Ji Da-gyum"] {
        assert!(!body.contains(boilerplate), "{boilerplate} in the body");
    }
}

#[test]
fn a_feed_imported_twice_adds_nothing() {
    let db = TestDb::new();
    let feed = fixture("seed-item.rss");
    import(&db, std::slice::from_ref(&feed));
    let counts = |db: &TestDb| {
        [
            "articles",
            "authors",
            "article_authors",
            "article_sources",
            "article_urls",
            "mentions",
        ]
        .map(|table| db.count(&format!("SELECT count(*) FROM {table}")))
    };
    let before = counts(&db);
    let summary = import(&db, &[feed]);
    assert_eq!(summary["new_articles"], 0, "{summary}");
    assert_eq!(summary["duplicates"], 1, "{summary}");
    assert_eq!(counts(&db), before);
    // Seen again from the same feed: its one sighting counts a second arrival.
    assert_eq!(db.count("SELECT count(*) FROM sightings"), 1);
    assert_eq!(db.count("SELECT times_seen FROM sightings"), 2);
}

#[test]
fn changed_content_under_the_same_guid_is_a_new_version() {
    let db = TestDb::new();
    import(&db, &[fixture("seed-item.rss")]);
    let summary = import(&db, &[fixture("seed-item-updated.rss")]);
    assert_eq!(summary["new_articles"], 1, "{summary}");
    assert_eq!(summary["new_versions"], 1, "{summary}");
    assert_eq!(db.count("SELECT count(*) FROM articles"), 2);
    // Both versions are reachable from the GUID and from the link.
    assert_eq!(
        db.count(
            "SELECT count(DISTINCT article_id) FROM article_urls
              WHERE kind = 'guid' AND value = 'koreaherald-20230911000612'"
        ),
        2
    );
    assert_eq!(
        db.count("SELECT count(DISTINCT article_id) FROM article_urls WHERE kind = 'url'"),
        2
    );
}

#[test]
fn duplicate_guids_inside_one_feed_are_handled() {
    let db = TestDb::new();
    let summary = import(&db, &[fixture("guid-dupes.rss")]);
    // The same story twice is one article; the corrected one is a version of it.
    assert_eq!(summary["items"], 3, "{summary}");
    assert_eq!(summary["new_articles"], 2, "{summary}");
    assert_eq!(summary["duplicates"], 1, "{summary}");
    assert_eq!(summary["new_versions"], 1, "{summary}");
    assert_eq!(summary["rejected"], 0, "{summary}");
    assert_eq!(db.count("SELECT count(*) FROM sightings"), 3);
}

#[test]
fn duplicate_guids_in_a_real_feed_are_handled() {
    let Some(feed) = corpus("feeds/realworld/node-feedparser/guid-dupes.xml") else {
        return;
    };
    let db = TestDb::new();
    let first = import(&db, std::slice::from_ref(&feed));
    assert_eq!(first["rejected"], 0, "{first}");
    let again = import(&db, &[feed]);
    assert_eq!(again["new_articles"], 0, "{again}");
    assert_eq!(again["duplicates"], first["items"], "{again}");
}
