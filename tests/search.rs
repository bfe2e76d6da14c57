//! End to end: `newsdb search`: ranking, snippets, FTS5 syntax, filters, errors in newsdb's
//! words, and an index that follows rows other programs write with plain SQL.

mod common;

use rusqlite::{Connection, params};
use serde_json::{Value, json};

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

/// Imports JSON Lines records, each with title, summary and body, and returns their ids in order.
fn import_records(db: &TestDb, records: &[Value]) -> Vec<i64> {
    let lines: String = records.iter().map(|record| format!("{record}\n")).collect();
    let input = db.file("records.jsonl", lines);
    let output = db.run(&["import", "--no-entities", input.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    db.column("SELECT CAST(id AS TEXT) FROM articles ORDER BY id")
        .iter()
        .map(|id| id.parse().unwrap())
        .collect()
}

/// The snippet without its match markers and ellipses.
fn unmarked(snippet: &str) -> String {
    snippet
        .replace(['«', '»'], "")
        .trim_matches('…')
        .trim()
        .to_owned()
}

/// Issue 11, item 2: a word from the title, the summary or the body finds the article, and the
/// snippet comes from the field the word is in.
#[test]
fn every_readable_field_is_searched_with_a_snippet_from_the_field_that_matched() {
    let db = TestDb::new();
    let summary = "The quokka sanctuary reopens after the storm damaged its pier.";
    let body =
        "Crews rebuilt the pier over the winter.\n\nThe old lighthouse keeper watched them work.";
    let stored = import_records(
        &db,
        &[
            json!({"title": "Harbour works resume", "summary": summary, "body": body}),
            json!({"title": "Council budget", "body": "The council passed its budget on Monday."}),
        ],
    );
    let article = stored[0];

    for (word, field) in [
        ("harbour", "Harbour works resume"),
        ("quokka", summary),
        ("lighthouse", body),
    ] {
        let rows = search(&db, &[word]);
        assert_eq!(ids(&rows), [article], "{word}");
        let snippet = rows[0]["snippet"].as_str().unwrap();
        assert!(
            snippet.to_lowercase().contains(&format!("«{word}»")),
            "{word}: {snippet}"
        );
        // The snippet's text is a piece of that field (paragraph breaks read as spaces).
        let field = field.replace("\n\n", " ");
        assert!(field.contains(&unmarked(snippet)), "{word}: {snippet}");
    }

    // Column filters name each field.
    assert_eq!(ids(&search(&db, &["summary:quokka"])), [article]);
    assert!(search(&db, &["body:quokka"]).is_empty());
    assert!(search(&db, &["title:quokka"]).is_empty());
    assert_eq!(ids(&search(&db, &["body:lighthouse"])), [article]);
    assert!(search(&db, &["summary:lighthouse"]).is_empty());

    // The batch that stored them indexed exactly what is stored.
    db.connect()
        .execute(
            "INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')",
            [],
        )
        .expect("the full-text index matches the articles");
}

#[test]
fn a_title_match_outranks_a_summary_match_which_outranks_a_body_match() {
    let db = TestDb::new();
    // The same lengths everywhere, so that only the field weights (5, 2, 1) tell them apart.
    let record = |title: &str, summary: &str, body: &str| json!({"title": title, "summary": summary, "body": body});
    let stored = import_records(
        &db,
        &[
            record(
                "Ferry timetable changes",
                "Boats will leave earlier in the morning from May.",
                "The zeppelin display moved to the north pier. Tickets cost less this year.",
            ),
            record(
                "Ferry timetable changes",
                "The zeppelin display will open earlier from May.",
                "The summer display moved to the north pier. Tickets cost less this year.",
            ),
            record(
                "Zeppelin timetable changes",
                "Boats will leave earlier in the morning from May.",
                "The summer display moved to the north pier. Tickets cost more this year.",
            ),
        ],
    );
    let (in_body, in_summary, in_title) = (stored[0], stored[1], stored[2]);
    assert_eq!(
        ids(&search(&db, &["zeppelin"])),
        [in_title, in_summary, in_body]
    );
}

/// Regression guard for the shared-store contract, for the summary: rows other programs write
/// through plain SQL are indexed by the triggers.
#[test]
fn index_follows_summaries_other_programs_write() {
    let db = TestDb::new();
    db.newsdb().arg("init").assert().success();
    let other = db.connect();
    let id: i64 = other
        .query_row(
            "INSERT INTO articles (content_hash, title, summary, body)
             VALUES (?1, 'Island notes', 'Rangers counted the wombats.', 'A quiet spring.')
             RETURNING id",
            [format!("{:064x}", 0xabc)],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(ids(&search(&db, &["wombats"])), [id]);

    other
        .execute(
            "UPDATE articles SET summary = 'Rangers counted the numbats.' WHERE id = ?1",
            [id],
        )
        .unwrap();
    assert_eq!(ids(&search(&db, &["numbats"])), [id]);
    assert!(search(&db, &["wombats"]).is_empty());

    other
        .execute("DELETE FROM articles WHERE id = ?1", [id])
        .unwrap();
    assert!(search(&db, &["numbats"]).is_empty());
    assert!(search(&db, &["island"]).is_empty());
}

/// A database made by an older newsdb (schema version 4: the index covered title and body, and
/// was declared in a form other tools missed), exactly as that version's migrations left it.
fn version_4_database(db: &TestDb) -> Connection {
    mod embedded {
        refinery::embed_migrations!("migrations");
    }
    let mut conn = db.connect();
    embedded::migrations::runner()
        .set_target(refinery::Target::Version(4))
        .run(&mut conn)
        .unwrap();
    conn
}

/// Issue 11: upgrading rebuilds the index, so what existing articles hold in their summaries
/// becomes searchable, and keeps every mention.
#[test]
fn upgrading_an_existing_database_indexes_its_summaries_and_keeps_its_mentions() {
    let db = TestDb::new();
    let conn = version_4_database(&db);
    conn.execute_batch(&format!(
        "INSERT INTO articles (id, content_hash, title, summary, body)
         VALUES (1, '{:064x}', 'Harbour works resume', 'The quokka sanctuary reopens.',
                 'Crews rebuilt the pier in Busan.'),
                (2, '{:064x}', 'Council budget', NULL, 'The council met in Busan.');
         INSERT INTO entities (id, kind, name, key) VALUES (1, 'location', 'Busan', 'busan');
         INSERT INTO mentions (article_id, field, start, \"end\", entity_id, method)
         VALUES (1, 'body', 26, 31, 1, 'gazetteer'), (2, 'body', 19, 24, 1, 'gazetteer');
         -- Another tool dropped a trigger: the upgrade still goes through.
         DROP TRIGGER articles_fts_update;",
        1, 2
    ))
    .unwrap();
    assert_eq!(
        db.count("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'quokka'"),
        0,
        "version 4 did not index summaries"
    );
    drop(conn);

    // Reading does not migrate; search says so, and what to do.
    let output = db.run(&["search", "quokka"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("migrations are pending")
            && stderr(&output).contains("run `newsdb migrate`"),
        "{}",
        stderr(&output)
    );
    let output = db.run(&["migrate"]);
    assert!(output.status.success(), "{}", stderr(&output));

    let output = db.run(&["search", "quokka", "--format", "json"]);
    assert!(!stderr(&output).contains("pending"), "{}", stderr(&output));
    let rows: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(ids(&rows), [1]);
    assert_eq!(ids(&search(&db, &["summary:quokka"])), [1]);
    let mut busan = ids(&search(&db, &["busan"]));
    busan.sort();
    assert_eq!(busan, [1, 2]);
    let conn = db.connect();
    conn.execute(
        "INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')",
        [],
    )
    .expect("the rebuilt index matches the articles");
    // V4's merge setting carries over to the new index.
    assert_eq!(
        db.count("SELECT v FROM articles_fts_config WHERE k = 'automerge'"),
        8
    );
    // Every mention is kept, and the view reads them.
    assert_eq!(
        db.column("SELECT surface FROM entity_mentions ORDER BY article_id"),
        ["Busan", "Busan"]
    );
    // A mention may now be in the summary, and the view gives its surface.
    conn.execute(
        "INSERT INTO entities (id, kind, name, key) VALUES (2, 'other', 'Quokka', 'quokka')",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO mentions (article_id, field, start, \"end\", entity_id, method)
         VALUES (1, 'summary', 4, 10, 2, 'import')",
        [],
    )
    .unwrap();
    assert_eq!(
        db.column("SELECT surface FROM entity_mentions WHERE field = 'summary'"),
        ["quokka"]
    );
    // The dropped trigger is back: the index follows updates again.
    conn.execute(
        "UPDATE articles SET body = 'Crews rebuilt the jetty.' WHERE id = 1",
        [],
    )
    .unwrap();
    assert_eq!(ids(&search(&db, &["jetty"])), [1]);
}

/// `run search -p order=date`: every match sorted by date (newest first, undated last), each row
/// shown with its snippet; the next page goes on where the first stopped; and the scores are
/// FTS5's own bm25, with the weights the query documents.
#[test]
fn date_order_pages_through_every_match_with_snippets_and_bm25_scores() {
    let db = TestDb::new();
    let records: Vec<Value> = (0..30)
        .map(|n| {
            let mut record = json!({
                "title": format!("Harbour report {n}"),
                "body": format!("The harbour board met on day {n}. {}", "Cranes stood idle. ".repeat(n % 5)),
                "source": "Quay Times",
            });
            if n % 7 != 3 {
                record["published"] = json!(format!("2024-02-{:02}T08:00:00Z", n % 28 + 1));
            }
            record
        })
        .collect();
    import_records(&db, &records);
    let run = |offset: &str| -> Vec<Value> {
        let output = db.run(&[
            "run",
            "search",
            "-p",
            "query=harbour",
            "-p",
            "order=date",
            "-p",
            "limit=12",
            "-p",
            &format!("offset={offset}"),
            "--format",
            "json",
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        serde_json::from_str(&stdout(&output)).unwrap()
    };
    let rows: Vec<Value> = ["0", "12", "24"].into_iter().flat_map(run).collect();
    assert_eq!(rows.len(), 30);
    let mut unique = ids(&rows);
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 30, "no row twice across pages");
    let dates: Vec<Option<&str>> = rows
        .iter()
        .map(|row| row["published_at"].as_str())
        .collect();
    let dated = dates.iter().take_while(|date| date.is_some()).count();
    assert_eq!(dated, 26, "undated rows come last: {dates:?}");
    assert!(
        dates[..dated].windows(2).all(|pair| pair[0] >= pair[1]),
        "{dates:?}"
    );
    for row in &rows {
        let snippet = row["snippet"].as_str().unwrap();
        assert!(
            snippet.contains("«Harbour»") || snippet.contains("«harbour»"),
            "{snippet}"
        );
    }
    let expected: Vec<(i64, f64)> = db
        .connect()
        .prepare(
            "SELECT rowid, round(-bm25(articles_fts, 5.0, 2.0, 1.0), 3) FROM articles_fts
              WHERE articles_fts MATCH 'harbour'",
        )
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for row in &rows {
        let id = row["id"].as_i64().unwrap();
        let score = expected.iter().find(|(rowid, _)| *rowid == id).unwrap().1;
        assert_eq!(row["score"].as_f64().unwrap(), score, "article {id}");
    }
    // Relevance order: the same scores, best first.
    let best = search(&db, &["harbour", "--limit", "30"]);
    let scores: Vec<f64> = best
        .iter()
        .map(|row| row["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|pair| pair[0] >= pair[1]),
        "{scores:?}"
    );
}

/// `newsdb compact` merges the full-text index's segments (one per import batch) into one;
/// searches find the same rows with the same scores afterwards.
#[test]
fn compact_merges_the_search_index_and_searches_find_the_same() {
    let db = TestDb::new();
    for batch in 0..4 {
        let records: Vec<Value> = (0..5)
            .map(|n| {
                json!({
                    "title": format!("Ferry timetable {batch}-{n}"),
                    "body": format!("Ferries to the islands run {} times a day.", batch * 5 + n),
                })
            })
            .collect();
        import_records(&db, &records);
    }
    let segments = || db.count("SELECT count(DISTINCT segid) FROM articles_fts_idx");
    assert!(segments() >= 4, "one segment per import: {}", segments());
    let before = search(&db, &["ferries", "--limit", "50"]);
    assert_eq!(before.len(), 20);

    let output = db.run(&["compact", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(
        summary["search_segments_before"].as_u64() >= Some(4),
        "{summary}"
    );
    assert_eq!(summary["search_segments_after"], 1);
    assert_eq!(segments(), 1);
    assert_eq!(search(&db, &["ferries", "--limit", "50"]), before);
    let integrity = db.connect().execute(
        "INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')",
        [],
    );
    assert!(integrity.is_ok(), "{integrity:?}");
}
