//! Dedup across forms: the same story as scraped text, as an RSS item and as a saved web page is
//! one article seen three times; feeds re-read add nothing; a GUID whose content changed is a new
//! version; duplicate GUIDs inside one feed are no error. Feed items that are only a description
//! (no content, maybe no title) are stored with the description as their searchable summary
//! (issue 11, item 1).

mod common;

use std::path::PathBuf;

use common::{TestDb, corpus, root, sample, seed, stderr, stdout};

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

/// `newsdb search WORDS --format json`: the ids found.
fn search_ids(db: &TestDb, words: &str) -> Vec<i64> {
    let output = db.run(&["search", words, "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout(&output)).unwrap();
    rows.iter().map(|row| row["id"].as_i64().unwrap()).collect()
}

/// A one-item RSS 2.0 feed: the title and description given, and `content:encoded` if any.
fn one_item_feed(
    db: &TestDb,
    name: &str,
    title: &str,
    description: &str,
    content: &str,
) -> PathBuf {
    let content = if content.is_empty() {
        String::new()
    } else {
        format!("<content:encoded><![CDATA[{content}]]></content:encoded>")
    };
    db.file(
        name,
        format!(
            "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\
             <channel><title>{name}</title><item><title>{title}</title>\
             <description>{description}</description>{content}</item></channel></rss>"
        ),
    )
}

// Issue 11, item 1: RSS 0.92 items are descriptions only, with no title; all 22 were rejected.
#[test]
fn untitled_description_only_items_of_rss_092_are_stored_and_searchable() {
    let Some(feed) = corpus("feeds/realworld/rust-rss/rss092.xml") else {
        return;
    };
    let db = TestDb::new();
    let summary = import(&db, &[feed]);
    assert_eq!(summary["items"], 22, "{summary}");
    assert_eq!(summary["rejected"], 0, "{summary}");
    // Items 13 and 22 carry the same description: one article seen twice.
    assert_eq!(summary["new_articles"], 21, "{summary}");
    assert_eq!(summary["duplicates"], 1, "{summary}");
    assert_eq!(
        db.count("SELECT count(*) FROM articles WHERE title IS NULL"),
        21
    );
    // No content: the description is the searchable summary.
    assert_eq!(
        db.count("SELECT count(*) FROM articles WHERE summary IS NULL"),
        0
    );
    // The description's escaped HTML is read as HTML: the link text stays, the markup goes.
    let summaries =
        db.column("SELECT summary FROM articles WHERE summary LIKE '%Franklin''s Tower%'");
    assert_eq!(
        summaries,
        ["Franklin's Tower, a live version from One From The Vault."]
    );
    assert_eq!(
        db.count("SELECT count(*) FROM articles WHERE summary LIKE '%<a %'"),
        0
    );
    let franklin = db.count("SELECT id FROM articles WHERE summary LIKE 'Franklin''s Tower%'");
    assert_eq!(search_ids(&db, "Franklin"), [franklin]);
}

// Issue 11, item 1: the RSS 2.0 spec's own example has two untitled items.
#[test]
fn untitled_items_of_the_rss_2_spec_example_are_stored_and_searchable() {
    let Some(feed) = corpus("feeds/feed-rs/rss2/rss_2.0_spec_1.xml") else {
        return;
    };
    let db = TestDb::new();
    let summary = import(&db, &[feed]);
    assert_eq!(summary["new_articles"], 2, "{summary}");
    assert_eq!(summary["rejected"], 0, "{summary}");
    assert_eq!(
        db.column("SELECT summary FROM articles ORDER BY id")[0],
        "Joshua Allen: Who loves namespaces?"
    );
    assert_eq!(db.count("SELECT count(*) FROM articles WHERE body = ''"), 2);
    assert_eq!(search_ids(&db, "namespace*").len(), 2);
    assert_eq!(search_ids(&db, "\"Joshua Allen\"").len(), 1);
}

#[test]
fn the_description_only_sample_feed_imports_once_and_is_searchable() {
    let db = TestDb::new();
    let feed = sample("saltmarsh-radio-briefs.rss");
    let first = import(&db, std::slice::from_ref(&feed));
    assert_eq!(first["new_articles"], 3, "{first}");
    assert_eq!(first["rejected"], 0, "{first}");
    let untitled = db.count(
        "SELECT id FROM articles WHERE title IS NULL AND body = ''
            AND summary LIKE 'Spring tides are expected along the Wrenhaven sea wall%'",
    );
    assert_eq!(search_ids(&db, "tides"), [untitled]);
    assert_eq!(
        db.count("SELECT count(*) FROM articles WHERE summary LIKE '%<%' OR summary IS NULL"),
        0
    );
    let again = import(&db, &[feed]);
    assert_eq!(again["new_articles"], 0, "{again}");
    assert_eq!(again["duplicates"], 3, "{again}");
}

// The description-only hash rule: a teaser is hashed with its headline. One teaser under one
// headline in two feeds is one article; under another headline it is another (generic teasers
// like Reddit's "submitted by" would otherwise merge different stories); the full text, with that
// teaser as its summary, is another.
#[test]
fn one_teaser_in_two_feeds_is_one_article_and_the_full_text_another() {
    let db = TestDb::new();
    let teaser = "The harbour bridge reopens on &lt;b&gt;Friday&lt;/b&gt;.";
    let radio = one_item_feed(&db, "radio.rss", "Bridge reopens", teaser, "");
    let gazette = one_item_feed(&db, "gazette.rss", "Bridge reopens", teaser, "");
    let summary = import(&db, &[radio, gazette]);
    assert_eq!(summary["new_articles"], 1, "{summary}");
    assert_eq!(summary["duplicates"], 1, "{summary}");
    assert_eq!(
        db.column("SELECT summary FROM articles"),
        ["The harbour bridge reopens on Friday."]
    );
    assert_eq!(db.count("SELECT count(*) FROM sightings"), 2);

    let retitled = one_item_feed(&db, "wire.rss", "Harbour bridge: open Friday", teaser, "");
    let full = one_item_feed(
        &db,
        "full.rss",
        "Bridge reopens",
        teaser,
        "<p>The harbour bridge reopens on Friday.</p><p>Repairs took six weeks.</p>",
    );
    let summary = import(&db, &[retitled, full]);
    assert_eq!(summary["new_articles"], 2, "{summary}");
    assert_eq!(
        db.column("SELECT summary FROM articles WHERE body LIKE '%Repairs took six weeks.'"),
        ["The harbour bridge reopens on Friday."]
    );
}

// Reddit's descriptions are raw HTML elements after "submitted by", which feed-rs cut there: the
// whole description is read, and 24 posts are 24 articles.
#[test]
fn descriptions_of_raw_html_are_read_whole_and_stay_different_articles() {
    let Some(feed) = corpus("feeds/realworld/rss-parser/input/reddit-atom.rss") else {
        return;
    };
    let db = TestDb::new();
    let summary = import(&db, &[feed]);
    assert_eq!(summary["items"], 24, "{summary}");
    assert_eq!(summary["new_articles"], 24, "{summary}");
    assert_eq!(
        db.count("SELECT count(*) FROM articles WHERE summary LIKE 'submitted by%comments]'"),
        21
    );
    assert_eq!(
        db.count("SELECT count(*) FROM articles WHERE summary = 'submitted by'"),
        0
    );
}
