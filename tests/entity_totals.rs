//! Per-entity totals (V14, issues 14/15/16 latency): `entity_totals` and `entity_months` equal
//! the counts recomputed from `article_entities` after an import, each correction, a
//! re-extraction, another tool's writes, and the migration of a database made before them; a
//! read-only look at such a database still lists its entities.

mod common;

use common::{TestDb, sample, seed};

/// Stored totals that differ from a recount (empty when they agree), each as a short line.
const DRIFT: &str = "
    WITH recounted AS (
        SELECT ae.entity_id, count(DISTINCT ae.article_id) AS articles,
               sum(ae.mention_count) AS mentions,
               min(coalesce(a.published_at, a.imported_at)) AS first_seen,
               max(coalesce(a.published_at, a.imported_at)) AS last_seen
          FROM article_entities ae LEFT JOIN articles a ON a.id = ae.article_id
         GROUP BY ae.entity_id
    ),
    months AS (
        SELECT ae.entity_id, substr(coalesce(a.published_at, a.imported_at), 1, 7) AS month,
               count(DISTINCT ae.article_id) AS articles
          FROM article_entities ae JOIN articles a ON a.id = ae.article_id
         GROUP BY ae.entity_id, month
    ),
    stored AS (SELECT entity_id, articles, mentions, first_seen, last_seen FROM entity_totals)
    SELECT 'missing or wrong total of ' || entity_id
      FROM (SELECT * FROM recounted EXCEPT SELECT * FROM stored)
    UNION ALL
    SELECT 'stale total of ' || entity_id
      FROM (SELECT * FROM stored EXCEPT SELECT * FROM recounted)
    UNION ALL
    SELECT 'missing or wrong month ' || month || ' of ' || entity_id
      FROM (SELECT * FROM months EXCEPT SELECT entity_id, month, articles FROM entity_months)
    UNION ALL
    SELECT 'stale month ' || month || ' of ' || entity_id
      FROM (SELECT entity_id, month, articles FROM entity_months EXCEPT SELECT * FROM months)";

fn assert_exact(db: &TestDb, after: &str) {
    let drift = db.column(DRIFT);
    assert!(drift.is_empty(), "after {after}: {drift:#?}");
    assert!(
        db.count("SELECT count(*) FROM entity_totals") > 0,
        "after {after}: no totals"
    );
    assert_eq!(
        db.count("SELECT count(*) FROM entity_totals_pause"),
        0,
        "after {after}: the pause was left behind"
    );
}

fn ok(db: &TestDb, args: &[&str]) -> String {
    let output = db.run(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        common::stderr(&output)
    );
    common::stdout(&output)
}

#[test]
fn imports_corrections_and_reextract_keep_the_totals_exact() {
    let db = TestDb::new();
    ok(&db, &["import", seed().to_str().unwrap()]);
    assert_exact(&db, "importing the seed");
    let samples = sample("").to_str().unwrap().to_owned();
    ok(&db, &["import", &samples]);
    assert_exact(&db, "importing the samples");
    // Importing the same again adds nothing, totals included.
    let before =
        db.column("SELECT entity_id || ' ' || articles || ' ' || mentions FROM entity_totals");
    ok(&db, &["import", &samples]);
    assert_eq!(
        db.column("SELECT entity_id || ' ' || articles || ' ' || mentions FROM entity_totals"),
        before
    );

    ok(&db, &["entity", "merge", "North Korea", "Pyongyang"]);
    assert_exact(&db, "a merge");
    ok(&db, &["entity", "rename", "North Korea", "DPRK"]);
    assert_exact(&db, "a rename");
    ok(&db, &["entity", "ignore", "Seoul"]);
    assert_exact(&db, "an ignore");
    assert_eq!(
        db.count(
            "SELECT count(*) FROM entity_totals t JOIN entities e ON e.id = t.entity_id
              WHERE e.name = 'Seoul'"
        ),
        0
    );
    ok(
        &db,
        &["entity", "alias", "add", "DPRK", "the Hermit Kingdom"],
    );
    ok(&db, &["reextract"]);
    assert_exact(&db, "reextract");

    // `entities` reads the totals: its figures are the recounted ones.
    let listed: serde_json::Value =
        serde_json::from_str(&ok(&db, &["entities", "--top", "5", "--format", "json"])).unwrap();
    let first = &listed[0];
    let id = first["id"].as_i64().unwrap();
    assert_eq!(
        first["articles"].as_i64().unwrap(),
        db.count(&format!(
            "SELECT count(DISTINCT article_id) FROM article_entities WHERE entity_id = {id}"
        ))
    );
    assert_eq!(
        first["mentions"].as_i64().unwrap(),
        db.count(&format!(
            "SELECT sum(mention_count) FROM article_entities WHERE entity_id = {id}"
        ))
    );
}

/// V21's count of edits to stored articles (`meta.article_edits`, what `newsdb serve` keeps
/// articles' facts by): imports that add articles leave it alone; one that fills in a stored
/// article's source and date moves it, as does every correction that changes which entities an
/// article names, and a re-extraction.
#[test]
fn imports_leave_the_count_of_edits_alone_and_corrections_move_it() {
    let db = TestDb::new();
    let edits = || db.count("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'article_edits'");
    let samples = sample("").to_str().unwrap().to_owned();
    ok(&db, &["import", &samples]);
    ok(&db, &["import", &samples]);
    assert!(db.count("SELECT count(*) FROM article_entities") > 0);
    assert_eq!(edits(), 0);

    // The bare seed first, then the samples, which hold it with a source and a date.
    let enriched = TestDb::new();
    ok(&enriched, &["import", seed().to_str().unwrap()]);
    let stored = enriched.count("SELECT id FROM articles");
    ok(&enriched, &["import", &samples]);
    assert_eq!(
        enriched.count(&format!(
            "SELECT source_id IS NOT NULL AND published_at IS NOT NULL FROM articles WHERE id = {stored}"
        )),
        1
    );
    assert_eq!(
        enriched.count("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'article_edits'"),
        1
    );

    for correction in [
        &["entity", "merge", "North Korea", "Pyongyang"][..],
        &["entity", "ignore", "Seoul"],
        &["reextract"],
    ] {
        let before = edits();
        ok(&db, correction);
        assert!(edits() > before, "{correction:?}");
    }
}

/// The importer's connection skips the paused triggers only while it stores a batch: the same
/// connection's later writes (a library user's, after `run`) keep the totals exact.
#[test]
fn the_importing_connection_runs_the_triggers_after_its_import() {
    use newsdb::pipeline::{ImportOptions, Input, Silent, run};
    let db = TestDb::new();
    ok(&db, &["init"]);
    let mut store = newsdb::Store::open(&db.path, &newsdb::store::OpenOptions::default()).unwrap();
    let summary = run(
        &mut store,
        &[Input::Path(sample(""))],
        &ImportOptions::default(),
        &mut Silent,
    )
    .unwrap();
    assert!(summary.new_articles > 0);
    store
        .connection()
        .execute_batch("DELETE FROM article_entities WHERE article_id = 1")
        .unwrap();
    drop(store);
    assert_exact(&db, "a delete on the importing connection");
}

/// Other tools write through the `mentions` view or to the tables directly; the triggers keep
/// the totals right, whatever they do.
#[test]
fn other_tools_writes_keep_the_totals_exact() {
    let db = TestDb::new();
    ok(&db, &["import", sample("").to_str().unwrap()]);
    let conn = db.connect();
    conn.execute_batch(
        "INSERT INTO mentions (article_id, field, start, \"end\", entity_id, sentence, method)
         SELECT 1, 'body', 100000, 100005, id, 0, 'import' FROM entities ORDER BY id LIMIT 1;
         INSERT INTO mentions (article_id, field, start, \"end\", entity_id, sentence, method)
         SELECT 2, 'title', 100000, 100005, max(id), 0, 'import' FROM entities;",
    )
    .unwrap();
    assert_exact(&db, "inserts through the view");
    conn.execute_batch(
        "DELETE FROM mentions WHERE start = 100000;
         UPDATE articles SET published_at = '1999-01-02T00:00:00Z' WHERE id = 2;",
    )
    .unwrap();
    assert_exact(&db, "a delete through the view and a date changed");
    conn.execute_batch("PRAGMA foreign_keys = ON; DELETE FROM articles WHERE id = 1;")
        .unwrap();
    assert_exact(&db, "an article deleted");
    conn.execute_batch(
        "UPDATE article_entities SET article_id = 3
          WHERE article_id = 2 AND field = 'title'
            AND NOT EXISTS (SELECT 1 FROM article_entities x
                             WHERE x.article_id = 3 AND x.field = 'title'
                               AND x.entity_id = article_entities.entity_id);",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_exact(&db, "rows moved to another article");
}

/// A database made before V14: a read-only look lists its entities from counts computed on the
/// fly; the first writable open adds the totals, equal to a recount.
#[test]
fn databases_made_before_the_totals_are_counted_then_migrated() {
    let db = TestDb::new();
    ok(&db, &["import", seed().to_str().unwrap()]);
    let expected = ok(&db, &["entities", "--top", "50", "--format", "json"]);
    // Undo V14 and what of V15 and V16 would stop them running again (V15's trigger names
    // `article_raw`, which V15 rebuilds; V16 adds `story_keys.short`; V19 `articles_facets`;
    // V21 its triggers, which read `entity_totals_pause`, and `meta.article_edits`); V15's
    // `dictionary` column may stay, it is NULL.
    db.connect()
        .execute_batch(
            "DROP TRIGGER article_edits_article; DROP TRIGGER article_edits_article_delete;
             DROP TRIGGER article_edits_mention_insert; DROP TRIGGER article_edits_mention_update;
             DROP TRIGGER article_edits_mention_delete; DELETE FROM meta WHERE key = 'article_edits';
             DROP TRIGGER entity_totals_insert; DROP TRIGGER entity_totals_delete;
             DROP TRIGGER entity_totals_recount; DROP TRIGGER entity_totals_move;
             DROP TRIGGER entity_totals_article_delete; DROP TRIGGER entity_totals_article_date;
             DROP TABLE entity_totals; DROP TABLE entity_months; DROP TABLE entity_totals_pause;
             DROP TRIGGER article_raw_keep_dictionary;
             ALTER TABLE story_keys DROP COLUMN short;
             DROP INDEX articles_facets;
             DELETE FROM refinery_schema_history WHERE version >= 14;",
        )
        .unwrap();
    let read_only = ok(&db, &["entities", "--top", "50", "--format", "json"]);
    assert_eq!(read_only, expected);
    assert!(ok(&db, &["entity", "Kim Jong Un"]).contains("Kim Jong Un"));
    assert_eq!(
        db.count("SELECT count(*) FROM sqlite_master WHERE name = 'entity_totals'"),
        0,
        "a read-only command must not migrate"
    );
    ok(&db, &["migrate"]);
    assert_exact(&db, "the migration's backfill");
    assert_eq!(
        ok(&db, &["entities", "--top", "50", "--format", "json"]),
        expected
    );
}
