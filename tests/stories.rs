//! Stories (issue 13): near copies grouped at import, whatever the import order; corrections that
//! last; the `article_stories` view; export round trip; the commands.
//!
//! The texts are written here: a wire story with its reprints (new headline, dateline, abridged,
//! credit line, a few words changed, a local paragraph), a teaser, a follow-up that reuses two
//! background paragraphs, and a different story on the same topic.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{TestDb, stdout};
use serde_json::{Value, json};

const WIRE: [&str; 6] = [
    "The central bank raised its main interest rate by a quarter of a percentage point on Tuesday, the third increase this year, citing persistent inflation in services and housing costs.",
    "Officials said the decision was unanimous and that further increases remained possible if price pressures did not ease over the coming months, according to a statement released after the meeting.",
    "Financial markets had largely expected the move. Government bond yields rose slightly after the announcement, while the currency strengthened against the dollar and the euro in afternoon trading.",
    "The governor told reporters that wage growth was still running well above levels consistent with the inflation target of two percent, and that the labour market remained unusually tight.",
    "Economists at several large banks said they now expected one more increase before the end of the year, followed by a long pause while the effects of higher borrowing costs work through the economy.",
    "Retail groups warned that households were already cutting back on spending, and that higher mortgage payments would weigh on demand for furniture, cars and holidays well into next year.",
];

const SAME_TOPIC: [&str; 4] = [
    "The central bank left its main interest rate unchanged on Thursday, surprising some investors who had bet on a cut after a sharp fall in consumer prices over the summer months.",
    "Policy makers were split, with two members voting for a reduction, the minutes showed. The bank said it needed more evidence that the slowdown in inflation would last before easing policy.",
    "Shares of property developers fell on the news, and the currency rose to its highest level in four months as traders pushed back their expectations for the first cut to the spring.",
    "Business groups criticised the decision, saying small companies were struggling with loan repayments and that the bank risked tipping the economy into a recession by waiting too long.",
];

const FOLLOW_UP_NEW: [&str; 4] = [
    "Mortgage lenders began raising their rates on Wednesday, a day after the central bank's decision, with the largest lender adding half a point to its standard variable rate for new customers.",
    "Consumer advocates urged borrowers on fixed deals ending this year to compare offers early, warning that the cheapest products were being withdrawn from the market within hours of launch.",
    "The housing ministry said it would review support for first-time buyers next month, including a proposal to extend a guarantee scheme that helps people with small deposits get a loan.",
    "Estate agents reported fewer viewings in the capital over the weekend, and some sellers cut asking prices to keep buyers interested as the cost of borrowing continued to climb sharply.",
];

/// One record as `newsdb import` reads it from JSON Lines.
fn record(url: &str, title: &str, paragraphs: &[&str], source: &str, published: &str) -> Value {
    json!({
        "url": url,
        "title": title,
        "body": paragraphs.join("\n\n"),
        "source": source,
        "published": published,
    })
}

/// The wire story, its near copies, a teaser, a follow-up and a same-topic story; with the
/// story each belongs to.
fn records() -> Vec<(Value, &'static str)> {
    let mut changed: Vec<String> = WIRE.iter().map(|p| p.to_string()).collect();
    changed[0] = changed[0].replace("Tuesday", "Tuesday afternoon");
    changed[2] = changed[2].replace("largely", "widely");
    changed[4] = changed[4].replace("several large banks", "three big banks");
    let changed: Vec<&str> = changed.iter().map(String::as_str).collect();
    let dateline = format!("LONDON (Agency) - {}", WIRE[0]);
    let mut abridged = vec![dateline.as_str()];
    abridged.extend(&WIRE[1..4]);
    abridged.push("Reporting by Jane Doe; Editing by John Roe");
    let mut local = WIRE.to_vec();
    local.insert(
        3,
        "In Riverton, the chamber of commerce said local builders had already seen orders for new homes slow down sharply since the spring, and expected a difficult winter.",
    );
    let mut follow_up = FOLLOW_UP_NEW.to_vec();
    follow_up.insert(2, WIRE[3]);
    follow_up.push(WIRE[4]);
    vec![
        (
            record(
                "https://wire.example/rates",
                "Central bank raises rates for third time",
                &WIRE,
                "Example Wire",
                "2024-05-07T10:00:00Z",
            ),
            "rates",
        ),
        (
            record(
                "https://gazette.example/a1",
                "Borrowing costs climb again",
                &changed,
                "Example Gazette",
                "2024-05-07T12:00:00Z",
            ),
            "rates",
        ),
        (
            record(
                "https://herald.example/b2",
                "EXCLUSIVE: Rates up a quarter point",
                &abridged,
                "Example Herald",
                "2024-05-07T13:30:00Z",
            ),
            "rates",
        ),
        (
            record(
                "https://local.example/c3",
                "What the rate rise means for Riverton",
                &local,
                "Riverton Post",
                "2024-05-08T07:00:00Z",
            ),
            "rates",
        ),
        (
            json!({
                "url": "https://wire.example/teaser",
                "title": "Central bank raises rates for third time",
                "body": WIRE[0],
                "source": "Example Wire",
                "published": "2024-05-07T09:55:00Z",
            }),
            "rates",
        ),
        (
            record(
                "https://wire.example/mortgages",
                "Lenders raise mortgage rates after bank move",
                &follow_up,
                "Example Wire",
                "2024-05-08T15:00:00Z",
            ),
            "follow-up",
        ),
        (
            record(
                "https://wire.example/hold",
                "Central bank holds rates, surprising some investors",
                &SAME_TOPIC,
                "Example Wire",
                "2024-09-12T10:00:00Z",
            ),
            "same-topic",
        ),
    ]
}

fn write_jsonl(db: &TestDb, name: &str, records: &[&Value]) -> std::path::PathBuf {
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    db.file(name, text)
}

fn import(db: &TestDb, args: &[&str]) {
    let output = db.run(&[&["import"], args].concat());
    assert!(
        output.status.success(),
        "import failed: {}",
        common::stderr(&output)
    );
}

/// The partition as sets of URLs, from plain SQL on the view.
fn partition(db: &TestDb) -> BTreeSet<BTreeSet<String>> {
    let conn = db.connect();
    let mut statement = conn
        .prepare(
            "SELECT x.story_id, u.value FROM article_stories AS x
               JOIN article_urls AS u ON u.article_id = x.article_id AND u.kind = 'url'",
        )
        .unwrap();
    let mut groups: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for row in statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
    {
        let (story, url): (i64, String) = row.unwrap();
        groups.entry(story).or_default().insert(url);
    }
    groups.into_values().collect()
}

fn expected_partition() -> BTreeSet<BTreeSet<String>> {
    let mut groups: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (record, story) in records() {
        groups
            .entry(story)
            .or_default()
            .insert(record["url"].as_str().unwrap().to_owned());
    }
    groups.into_values().collect()
}

fn story_of(db: &TestDb, url: &str) -> i64 {
    db.connect()
        .query_row(
            "SELECT x.story_id FROM article_stories AS x
               JOIN article_urls AS u ON u.article_id = x.article_id
              WHERE u.value = ?1",
            [url],
            |row| row.get(0),
        )
        .unwrap()
}

fn article_of(db: &TestDb, url: &str) -> i64 {
    db.connect()
        .query_row(
            "SELECT article_id FROM article_urls WHERE value = ?1",
            [url],
            |row| row.get(0),
        )
        .unwrap()
}

#[test]
fn copies_abridged_versions_and_the_teaser_group_and_the_follow_up_stays_apart() {
    let db = TestDb::new();
    let all = records();
    let file = write_jsonl(
        &db,
        "all.jsonl",
        &all.iter().map(|(r, _)| r).collect::<Vec<_>>(),
    );
    import(&db, &[file.to_str().unwrap()]);
    assert_eq!(partition(&db), expected_partition());
    // Every article has exactly one row in the view, and other tools can join it.
    assert_eq!(db.count("SELECT count(*) FROM articles"), 7);
    assert_eq!(db.count("SELECT count(*) FROM article_stories"), 7);
    assert_eq!(
        db.count("SELECT count(DISTINCT article_id) FROM article_stories"),
        7
    );
    // The story is named by its oldest article, and the listing knows its size.
    let wire = article_of(&db, "https://wire.example/rates");
    assert_eq!(story_of(&db, "https://herald.example/b2"), wire);
    assert_eq!(
        db.count(&format!("SELECT size FROM stories WHERE id = {wire}")),
        5
    );
}

#[test]
fn the_partition_does_not_depend_on_import_order_in_one_run_or_many() {
    let all = records();
    let orders: [Vec<usize>; 3] = [
        vec![0, 1, 2, 3, 4, 5, 6],
        vec![6, 5, 4, 3, 2, 1, 0],
        vec![4, 2, 6, 0, 5, 3, 1],
    ];
    for order in &orders {
        let db = TestDb::new();
        let shuffled: Vec<&Value> = order.iter().map(|&i| &all[i].0).collect();
        let file = write_jsonl(&db, "shuffled.jsonl", &shuffled);
        import(&db, &[file.to_str().unwrap()]);
        assert_eq!(
            partition(&db),
            expected_partition(),
            "one run, order {order:?}"
        );

        // The same order, one article per run, and the teaser and the abridged copy last.
        let db = TestDb::new();
        for (n, record) in shuffled.iter().enumerate() {
            let file = write_jsonl(&db, &format!("one-{n}.jsonl"), &[record]);
            import(&db, &[file.to_str().unwrap()]);
        }
        assert_eq!(
            partition(&db),
            expected_partition(),
            "many runs, order {order:?}"
        );
    }
    // Small batches split the set across transactions: still the same partition.
    let db = TestDb::new();
    let file = write_jsonl(
        &db,
        "all.jsonl",
        &all.iter().map(|(r, _)| r).collect::<Vec<_>>(),
    );
    import(&db, &[file.to_str().unwrap(), "--batch-size", "2"]);
    assert_eq!(partition(&db), expected_partition());
}

#[test]
fn a_merge_of_two_stories_goes_into_the_older_id_and_is_recorded() {
    let db = TestDb::new();
    // Two halves of the wire story that share nothing: two stories...
    let first = record(
        "https://x.example/first",
        "First half",
        &WIRE[..3],
        "Example Wire",
        "2024-05-07T10:00:00Z",
    );
    let second = record(
        "https://x.example/second",
        "Second half",
        &WIRE[3..],
        "Example Wire",
        "2024-05-07T10:00:00Z",
    );
    let file = write_jsonl(&db, "halves.jsonl", &[&first, &second]);
    import(&db, &[file.to_str().unwrap()]);
    assert_eq!(partition(&db).len(), 2);
    // ...until the whole text arrives and joins them.
    let whole = record(
        "https://x.example/whole",
        "Whole",
        &WIRE,
        "Example Wire",
        "2024-05-07T10:00:00Z",
    );
    let file = write_jsonl(&db, "whole.jsonl", &[&whole]);
    import(&db, &[file.to_str().unwrap()]);
    assert_eq!(partition(&db).len(), 1);
    let first_id = article_of(&db, "https://x.example/first");
    let second_id = article_of(&db, "https://x.example/second");
    let whole_id = article_of(&db, "https://x.example/whole");
    assert_eq!(story_of(&db, "https://x.example/whole"), first_id);
    let merge: (i64, i64, i64, String) = db
        .connect()
        .query_row(
            "SELECT from_story, into_story, article_id, reason FROM story_merges",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .unwrap();
    assert_eq!(merge, (second_id, first_id, whole_id, "import".to_owned()));
}

#[test]
fn known_content_again_changes_no_story_and_does_no_similarity_work() {
    let db = TestDb::new();
    let all = records();
    let file = write_jsonl(
        &db,
        "all.jsonl",
        &all.iter().map(|(r, _)| r).collect::<Vec<_>>(),
    );
    import(&db, &[file.to_str().unwrap()]);
    let before = partition(&db);
    let keys = db.count("SELECT count(*) FROM story_keys");
    let sketches = db.count("SELECT count(*) FROM article_sketches");
    import(&db, &[file.to_str().unwrap()]);
    assert_eq!(partition(&db), before);
    assert_eq!(db.count("SELECT count(*) FROM story_keys"), keys);
    assert_eq!(db.count("SELECT count(*) FROM article_sketches"), sketches);
    assert_eq!(db.count("SELECT count(*) FROM story_merges"), 0);
}

#[test]
fn corrections_survive_a_rebuild_and_a_later_import() {
    let db = TestDb::new();
    let all = records();
    // Everything but the local reprint first.
    let (later, first): (Vec<_>, Vec<_>) = all
        .iter()
        .partition(|(r, _)| r["url"] == "https://local.example/c3");
    let file = write_jsonl(
        &db,
        "first.jsonl",
        &first.iter().map(|(r, _)| r).collect::<Vec<_>>(),
    );
    import(&db, &[file.to_str().unwrap()]);
    let herald = article_of(&db, "https://herald.example/b2");
    let follow_up = article_of(&db, "https://wire.example/mortgages");
    let wire = article_of(&db, "https://wire.example/rates");

    let output = db.run(&["story", "split", &herald.to_string()]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    assert_eq!(story_of(&db, "https://herald.example/b2"), herald);
    let output = db.run(&["story", "merge", &wire.to_string(), &follow_up.to_string()]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    assert_eq!(story_of(&db, "https://wire.example/mortgages"), wire);
    assert_eq!(
        db.count("SELECT count(*) FROM story_merges WHERE reason = 'user'"),
        1
    );

    let check = |db: &TestDb| {
        assert_eq!(story_of(db, "https://herald.example/b2"), herald);
        assert_eq!(story_of(db, "https://wire.example/mortgages"), wire);
        assert_eq!(story_of(db, "https://gazette.example/a1"), wire);
        assert_ne!(story_of(db, "https://wire.example/hold"), wire);
    };
    let output = db.run(&["stories", "rebuild"]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    check(&db);
    // A later copy of the split article joins the story, not the split article.
    let file = write_jsonl(
        &db,
        "later.jsonl",
        &later.iter().map(|(r, _)| r).collect::<Vec<_>>(),
    );
    import(&db, &[file.to_str().unwrap()]);
    check(&db);
    assert_eq!(story_of(&db, "https://local.example/c3"), wire);
    let output = db.run(&["stories", "rebuild", "--json"]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let summary: Value = serde_json::from_str(&stdout(&output)).unwrap();
    // The wire story, its reprint, the teaser, the merged follow-up and the later local
    // reprint; the split article stays alone.
    assert_eq!(summary["grouped_articles"], 5);
    check(&db);
}

#[test]
fn rebuild_groups_articles_imported_without_stories() {
    let db = TestDb::new();
    let all = records();
    let file = write_jsonl(
        &db,
        "all.jsonl",
        &all.iter().map(|(r, _)| r).collect::<Vec<_>>(),
    );
    import(&db, &[file.to_str().unwrap(), "--no-stories"]);
    assert_eq!(db.count("SELECT count(*) FROM article_sketches"), 0);
    assert_eq!(partition(&db).len(), 7);
    let output = db.run(&["stories", "rebuild", "--json"]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let summary: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(summary["sketched"], 7);
    assert_eq!(partition(&db), expected_partition());
}

#[test]
fn the_commands_list_a_story_its_versions_and_near_copies() {
    let db = TestDb::new();
    let all = records();
    let file = write_jsonl(
        &db,
        "all.jsonl",
        &all.iter().map(|(r, _)| r).collect::<Vec<_>>(),
    );
    import(&db, &[file.to_str().unwrap()]);
    let wire = article_of(&db, "https://wire.example/rates");

    let output = db.run(&["stories", "--format", "json"]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let stories: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let stories = stories.as_array().unwrap();
    assert_eq!(stories.len(), 1, "{stories:?}");
    assert_eq!(stories[0]["story_id"], wire);
    assert_eq!(stories[0]["articles"], 5);
    assert_eq!(stories[0]["first_published"], "2024-05-07T09:55:00Z");
    // The earliest article is the teaser.
    assert_eq!(
        stories[0]["title"],
        "Central bank raises rates for third time"
    );
    assert!(
        stories[0]["sources"]
            .as_str()
            .unwrap()
            .contains("Riverton Post")
    );

    for (args, expected) in [
        (vec!["stories", "--min-size", "6", "--format", "json"], 0),
        (
            vec!["stories", "--since", "2024-06-01", "--format", "json"],
            0,
        ),
        (
            vec!["stories", "--source", "Riverton Post", "--format", "json"],
            1,
        ),
        (
            vec!["stories", "--source", "Example Wire", "--format", "json"],
            1,
        ),
    ] {
        let output = db.run(&args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            common::stderr(&output)
        );
        let rows: Value = serde_json::from_str(&stdout(&output)).unwrap();
        assert_eq!(rows.as_array().unwrap().len(), expected, "{args:?}");
    }
    let output = db.run(&["stories", "--source", "Nobody Times"]);
    assert_eq!(output.status.code(), Some(1));

    let output = db.run(&["story", &wire.to_string(), "--format", "json"]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let story: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let articles = story["articles"].as_array().unwrap();
    assert_eq!(articles.len(), 5);
    assert_eq!(articles[0]["score"], 1.0);
    assert!(articles.iter().all(|a| a["score"].as_f64().unwrap() > 0.5));

    let follow_up = article_of(&db, "https://wire.example/mortgages");
    let output = db.run(&["similar", &follow_up.to_string(), "--format", "json"]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let similar: Value = serde_json::from_str(&stdout(&output)).unwrap();
    // It shares background paragraphs with the wire story's versions, but is no copy.
    assert!(
        similar.as_array().unwrap().iter().all(|a| a["copy"] == 0),
        "{similar}"
    );

    let output = db.run(&["story", "999"]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn an_export_carries_the_story_and_a_round_trip_keeps_the_grouping() {
    let db = TestDb::new();
    let all = records();
    let file = write_jsonl(
        &db,
        "all.jsonl",
        &all.iter().map(|(r, _)| r).collect::<Vec<_>>(),
    );
    import(&db, &[file.to_str().unwrap()]);
    let output = db.run(&["export"]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let exported = stdout(&output);
    let wire_hash: String = db
        .connect()
        .query_row(
            "SELECT a.content_hash FROM articles AS a JOIN article_urls AS u ON u.article_id = a.id
              WHERE u.value = 'https://wire.example/rates'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    let records: Vec<Value> = exported
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let in_story = records
        .iter()
        .filter(|r| r["story"].as_str() == Some(wire_hash.as_str()))
        .count();
    assert_eq!(in_story, 5);
    assert_eq!(records.iter().filter(|r| r["story"].is_null()).count(), 2);

    let copy = TestDb::new();
    let file = copy.file("export.jsonl", &exported);
    import(&copy, &[file.to_str().unwrap()]);
    assert_eq!(partition(&copy), partition(&db));
    let output = copy.run(&["export"]);
    let again: Vec<Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let stories = |records: &[Value]| -> BTreeMap<String, Value> {
        records
            .iter()
            .map(|r| {
                (
                    r["content_hash"].as_str().unwrap().to_owned(),
                    r["story"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(stories(&again), stories(&records));
}

#[test]
fn show_names_the_story_and_collapse_gives_one_row_per_story() {
    let db = TestDb::new();
    let all = records();
    let file = write_jsonl(
        &db,
        "all.jsonl",
        &all.iter().map(|(r, _)| r).collect::<Vec<_>>(),
    );
    import(&db, &[file.to_str().unwrap()]);
    let wire = article_of(&db, "https://wire.example/rates");
    let herald = article_of(&db, "https://herald.example/b2");
    let output = db.run(&["show", &herald.to_string()]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    assert!(
        stdout(&output).contains(&format!("story      {wire} (4 other versions)")),
        "{}",
        stdout(&output)
    );
    let output = db.run(&["show", &herald.to_string(), "--format", "json"]);
    let shown: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(shown[0]["story_id"], wire);
    assert_eq!(shown[0]["other_versions"], 4);

    for args in [
        vec!["articles", "--collapse", "--format", "json"],
        vec!["search", "central bank", "--collapse", "--format", "json"],
    ] {
        let output = db.run(&args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            common::stderr(&output)
        );
        let rows: Value = serde_json::from_str(&stdout(&output)).unwrap();
        let rows = rows.as_array().unwrap();
        let stories: BTreeSet<i64> = rows
            .iter()
            .map(|r| r["story_id"].as_i64().unwrap())
            .collect();
        assert_eq!(stories.len(), rows.len(), "{args:?}: one row per story");
        let wire_row = rows.iter().find(|r| r["story_id"] == wire).unwrap();
        assert_eq!(wire_row["versions"], 5, "{args:?}");
    }
    let output = db.run(&["articles", "--collapse", "--format", "json"]);
    let rows: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 3);
}

/// `count` articles that all end with the same boilerplate paragraph (so its candidate keys
/// are shared by all of them, more than a bucket may hold), each with text of its own; article
/// `i + count / 2` is a reprint of article `i` (one word changed) for every `i` divisible by 7.
fn boilerplate_records(count: usize) -> (Vec<Value>, BTreeSet<BTreeSet<String>>) {
    const BOILERPLATE: &str = "Sign up for our morning briefing to get the day's top stories in your inbox. \
        Our journalism is supported by readers like you and we never put it behind a paywall. \
        Follow us on every platform for breaking news alerts and live coverage of events.";
    const WORDS: [&str; 24] = [
        "harbour", "council", "orchard", "tunnel", "ferry", "quarry", "library", "festival",
        "meadow", "railway", "factory", "bridge", "market", "garden", "stadium", "museum",
        "clinic", "airport", "canal", "village", "forest", "castle", "island", "valley",
    ];
    // A deterministic word stream: text of its own for each article.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut word = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let n = (state >> 33) as usize;
        format!("{}{}", WORDS[n % WORDS.len()], n / WORDS.len() % 97)
    };
    let mut bodies: Vec<String> = (0..count)
        .map(|_| {
            let paragraphs: Vec<String> = (0..4)
                .map(|_| {
                    let words: Vec<String> = (0..40).map(|_| word()).collect();
                    format!("{}.", words.join(" "))
                })
                .collect();
            format!("{}\n\n{BOILERPLATE}", paragraphs.join("\n\n"))
        })
        .collect();
    let url = |n: usize| format!("https://boiler.example/{n}");
    let mut expected = BTreeSet::new();
    for i in 0..count / 2 {
        let reprint = i + count / 2;
        if i % 7 == 0 {
            let mut words: Vec<&str> = bodies[i].split(' ').collect();
            words[60] = "changed";
            bodies[reprint] = words.join(" ");
            expected.insert(BTreeSet::from([url(i), url(reprint)]));
        } else {
            expected.insert(BTreeSet::from([url(i)]));
            expected.insert(BTreeSet::from([url(reprint)]));
        }
    }
    let records = bodies
        .iter()
        .enumerate()
        .map(|(n, body)| {
            json!({
                "url": url(n),
                "title": format!("Report number {n}"),
                "body": body,
                "source": "Boiler Daily",
                "published": "2024-05-07T10:00:00Z",
            })
        })
        .collect();
    (records, expected)
}

#[test]
fn a_crowded_boilerplate_key_stays_crowded_in_every_batch_run_and_rebuild() {
    // More articles than a bucket holds share the boilerplate's keys; the reprints straddle
    // batches and runs, so the writer's cache of buckets is used, refilled and dropped.
    let (records, expected) = boilerplate_records(2 * (newsdb::stories::MAX_BUCKET + 60));
    let all: Vec<&Value> = records.iter().collect();

    let db = TestDb::new();
    let file = write_jsonl(&db, "all.jsonl", &all);
    import(&db, &[file.to_str().unwrap(), "--batch-size", "37"]);
    assert_eq!(partition(&db), expected, "one run, small batches");
    // A crowded key stops taking rows: it keeps enough to stay crowded, not one per article.
    let most_rows =
        db.count("SELECT max(n) FROM (SELECT count(*) AS n FROM story_keys GROUP BY key)");
    assert!(
        most_rows > newsdb::stories::MAX_BUCKET as i64 && most_rows < records.len() as i64,
        "the most shared key has {most_rows} rows"
    );
    let output = db.run(&["stories", "rebuild"]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    assert_eq!(partition(&db), expected, "rebuilt");

    // Three runs, in another order: the first run's keys are in the table, not in a cache.
    let db = TestDb::new();
    let mut shuffled = all.clone();
    shuffled.reverse();
    for (n, part) in shuffled.chunks(all.len() / 3 + 1).enumerate() {
        let file = write_jsonl(&db, &format!("part-{n}.jsonl"), part);
        import(&db, &[file.to_str().unwrap(), "--batch-size", "50"]);
    }
    assert_eq!(partition(&db), expected, "three runs, reversed");
}
