//! End to end: `newsdb search`: ranking, snippets, FTS5 syntax, filters, errors in newsdb's
//! words, and an index that follows rows other programs write with plain SQL.

mod common;

use rusqlite::{Connection, params};
use serde_json::Value;

use common::{TestDb, stderr, stdout};

/// Inserts an article the way another program would: plain SQL on its own connection.
fn insert_article(conn: &Connection, hash_seed: u64, title: &str, body: &str) -> i64 {
    conn.query_row(
        "INSERT INTO articles (content_hash, title, body, published_at)
         VALUES (?1, ?2, ?3, '2024-05-01T12:00:00Z') RETURNING id",
        params![format!("{hash_seed:064x}"), title, body],
        |row| row.get(0),
    )
    .unwrap()
}

/// `newsdb search ARGS --format json`, parsed.
fn search(db: &TestDb, args: &[&str]) -> Vec<Value> {
    let output = db
        .newsdb()
        .arg("search")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    serde_json::from_str::<Vec<Value>>(&stdout(&output)).unwrap()
}

fn ids(rows: &[Value]) -> Vec<i64> {
    rows.iter().map(|row| row["id"].as_i64().unwrap()).collect()
}

#[test]
fn json_rows_have_the_documented_keys_and_a_marked_snippet() {
    let db = common::three_samples();
    let rows = search(&db, &["train"]);
    assert_eq!(rows.len(), 1);
    let keys: Vec<&String> = rows[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "hash",
            "published_at",
            "source",
            "title",
            "snippet",
            "score"
        ]
    );
    let snippet = rows[0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("«train»"), "{snippet}");
    assert!(!snippet.contains('\n'), "{snippet}");
    assert!(rows[0]["score"].as_f64().unwrap() > 0.0);
}

#[test]
fn title_matches_rank_above_body_matches() {
    let db = TestDb::new();
    db.newsdb().arg("init").assert().success();
    let conn = db.connect();
    let body_only = insert_article(
        &conn,
        1,
        "Harbour news",
        "The zeppelin landed. Crowds watched for an hour as the crew tied it down at the mast.",
    );
    let in_title = insert_article(
        &conn,
        2,
        "Zeppelin returns",
        "Crowds watched for an hour as the crew tied the airship down at the mast by the sea.",
    );
    assert_eq!(ids(&search(&db, &["zeppelin"])), [in_title, body_only]);
}

#[test]
fn phrase_prefix_and_boolean_queries_use_fts5_syntax() {
    let db = common::three_samples();
    let seed = db.count("SELECT id FROM articles WHERE title LIKE '%armored train%'");
    let busan = db.count("SELECT id FROM articles WHERE title LIKE 'Busan%'");
    let seoul = db.count("SELECT id FROM articles WHERE title LIKE 'Seoul%'");

    assert_eq!(ids(&search(&db, &["\"armored train\""])), [seed]);
    assert!(search(&db, &["\"train armored\""]).is_empty());
    assert_eq!(ids(&search(&db, &["sanction*"])), [seed]);
    assert_eq!(ids(&search(&db, &["title:busan"])), [busan]);
    let mut either = ids(&search(&db, &["busan OR autumn"]));
    either.sort();
    assert_eq!(either, [seoul.min(busan), seoul.max(busan)]);
    assert_eq!(ids(&search(&db, &["busan AND port"])), [busan]);
    assert!(search(&db, &["busan NOT port"]).is_empty());
}

#[test]
fn bad_syntax_is_explained_in_newsdbs_words() {
    let db = common::three_samples();
    for (query, reason) in [
        ("\"armored train", "unbalanced quote"),
        ("train AND", "ends too early"),
        ("Kim Jong-un", "`un` reads as a column name"),
    ] {
        let output = db.run(&["search", query]);
        assert_eq!(output.status.code(), Some(1), "{query}");
        let message = stderr(&output);
        assert!(
            message.starts_with(&format!(
                "newsdb: search: cannot parse the query `{query}`: "
            )),
            "{message}"
        );
        assert!(message.contains(reason), "{message}");
        assert!(!message.contains("fts5"), "{message}");
    }
    // The hint works: the quoted form is a phrase.
    assert_eq!(search(&db, &["\"Kim Jong-un\""]).len(), 1);
    assert_eq!(db.run(&["search", "  "]).status.code(), Some(2));
}

#[test]
fn filters_by_source_dates_entity_and_limit() {
    let db = common::three_samples();
    let all = |args: &[&str]| {
        let mut args = args.to_vec();
        args.extend(["--limit", "100"]);
        let mut found = ids(&search(&db, &args));
        found.sort();
        found
    };
    let wire: Vec<i64> = db
        .column("SELECT CAST(a.id AS TEXT) FROM articles a JOIN sources s ON s.id = a.source_id WHERE s.name = 'Example Wire' ORDER BY a.id")
        .iter()
        .map(|id| id.parse().unwrap())
        .collect();
    assert_eq!(wire.len(), 2);
    // "the" matches every sample; the filters do the choosing.
    assert_eq!(all(&["the"]).len(), 3);
    assert_eq!(all(&["the", "--source", "Example Wire"]), wire);
    assert_eq!(all(&["the", "--source", "example  wire"]), wire);
    // A source that does not exist is an error, not an empty answer (issue 12, item 6).
    let unknown = db.run(&["search", "the", "--source", "Nobody"]);
    assert_eq!(unknown.status.code(), Some(1));
    // Dates: a bare --until date includes that whole day; RFC 3339 offsets are converted.
    assert_eq!(all(&["the", "--until", "2023-09-10"]).len(), 1);
    assert_eq!(
        all(&["the", "--since", "2023-09-12", "--until", "2023-09-12"]).len(),
        1
    );
    assert_eq!(
        all(&["the", "--since", "2023-09-12T09:00:00+09:00"]).len(),
        2
    );
    assert_eq!(ids(&search(&db, &["the", "--limit", "1"])).len(), 1);
    let bad = db.run(&["search", "the", "--since", "last tuesday"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("'--since <DATE>': `last tuesday` is not a date"),
        "{}",
        stderr(&bad)
    );

    // Entities are written by the extractor; here by SQL, as another tool could.
    let conn = db.connect();
    let seed = db.count("SELECT id FROM articles WHERE title LIKE '%armored train%'");
    conn.execute_batch(&format!(
        "INSERT INTO entities (id, kind, name, key) VALUES (1, 'person', 'Kim Jong Un', 'kim jong un');
         INSERT INTO entity_aliases (entity_id, alias, key) VALUES (1, 'Kim Jong-un', 'kim jong un'),
                                                                   (1, 'Kim', 'kim');
         INSERT INTO mentions (article_id, entity_id, field, start, \"end\", method)
         VALUES ({seed}, 1, 'body', 0, 3, 'import');"
    ))
    .unwrap();
    assert_eq!(all(&["the", "--entity", "Kim Jong Un"]), [seed]);
    assert_eq!(all(&["the", "--entity", "KIM JONG-UN"]), [seed]);
    assert_eq!(all(&["the", "--entity", "Kim's"]), [seed]);
    let unknown = db.run(&["search", "the", "--entity", "Putin"]);
    assert_eq!(unknown.status.code(), Some(1));
}

#[test]
fn table_output_keeps_each_result_on_one_line() {
    let db = common::three_samples();
    let output = db.run(&["search", "the"]);
    assert!(output.status.success(), "{}", stderr(&output));
    // A header, a rule and one line per article.
    assert_eq!(
        stdout(&output).lines().count(),
        2 + 3,
        "{}",
        stdout(&output)
    );
}

/// Regression guard for the shared-store contract: the index follows rows other programs
/// insert, update and delete through plain SQL, with no help from newsdb.
#[test]
fn index_follows_plain_sql_writes_from_another_connection() {
    let db = common::three_samples();
    let other = Connection::open(&db.path).unwrap();
    other
        .busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();

    let id = insert_article(
        &other,
        0xfeed,
        "Quokka census",
        "Rangers counted the quokkas on the island this spring.",
    );
    assert_eq!(ids(&search(&db, &["quokkas"])), [id]);

    other
        .execute(
            "UPDATE articles SET body = 'Rangers counted the wombats instead.' WHERE id = ?1",
            [id],
        )
        .unwrap();
    assert_eq!(ids(&search(&db, &["wombats"])), [id]);
    assert!(search(&db, &["quokkas"]).is_empty());
    // The title was not changed and is still found.
    assert_eq!(ids(&search(&db, &["quokka"])), [id]);

    other
        .execute("DELETE FROM articles WHERE id = ?1", [id])
        .unwrap();
    assert!(search(&db, &["wombats"]).is_empty());
    assert!(search(&db, &["quokka"]).is_empty());
    // The rest of the index is intact.
    assert_eq!(search(&db, &["train"]).len(), 1);
}
