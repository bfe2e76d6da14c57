//! `newsdb serve` end to end (issue 16): the real binary serving a temporary database on a free
//! loopback port, asked over HTTP: pages and their JSON twins, read-only by construction,
//! escaped output, 4xx for bad requests, clean stop on SIGTERM.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::time::Duration;

use common::{TestDb, sample, stdout};

/// A running `newsdb serve`, stopped when dropped.
struct Server {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

/// One HTTP answer: status, headers we look at, body.
struct Page {
    status: u16,
    content_type: String,
    csp: String,
    body: String,
}

impl Server {
    fn start(db: &TestDb) -> Server {
        Server::start_with(db, &[])
    }

    fn start_with(db: &TestDb, extra: &[&str]) -> Server {
        Server::spawn(db.process(), extra)
    }

    /// Serves the database `--db URL` names (a PostgreSQL one).
    fn start_at(url: &str) -> Server {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("newsdb"));
        command
            .env_remove("NEWSDB_DB")
            .env("CI", "true")
            .args(["--db", url]);
        Server::spawn(command, &[])
    }

    fn spawn(mut command: std::process::Command, extra: &[&str]) -> Server {
        let mut child = command
            .args(["serve", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("newsdb serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line is {line:?}"))
            .trim_end_matches('/')
            .to_owned();
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Server { child, base, agent }
    }

    fn answer(&self, response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Page {
        let mut response = response.expect("the server answers");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (content_type, csp) = (header("content-type"), header("content-security-policy"));
        let body = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .unwrap_or_default();
        Page {
            status: response.status().as_u16(),
            content_type,
            csp,
            body,
        }
    }

    fn get(&self, path: &str) -> Page {
        self.answer(self.agent.get(format!("{}{path}", self.base)).call())
    }

    /// GET that must answer 200.
    fn page(&self, path: &str) -> String {
        let page = self.get(path);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        page.body
    }

    fn json(&self, path: &str) -> serde_json::Value {
        let page = self.get(path);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(page.content_type.starts_with("application/json"), "{path}");
        serde_json::from_str(&page.body).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Sends SIGTERM and returns the exit status and stderr.
    fn terminate(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            pipe.read_to_string(&mut stderr).unwrap();
        }
        (status, stderr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The samples of data/samples, with entities.
fn samples() -> TestDb {
    let db = TestDb::new();
    db.newsdb().arg("import").arg(sample("")).assert().code(0);
    db
}

/// A page's JSON with what each engine computes its own way taken out: search scores and
/// snippets (ranking functions differ) and the database's size.
fn comparable(mut value: serde_json::Value) -> serde_json::Value {
    if let Some(results) = value.get_mut("results").and_then(|r| r.as_array_mut()) {
        for result in results {
            if let Some(result) = result.as_object_mut() {
                result.remove("score");
                result.remove("snippet");
            }
        }
    }
    if let Some(stats) = value.get_mut("stats").and_then(|s| s.as_array_mut()) {
        stats.retain(|row| row["name"] != "size_bytes");
    }
    value
}

/// The same pages from a SQLite file and from the PostgreSQL database it was copied into: every
/// page's JSON twin holds the same data, the HTML pages answer, writes are refused alike.
#[test]
fn every_page_reads_alike_on_postgres() {
    let Some(url) = common::postgres::database() else {
        return;
    };
    let db = samples();
    db.newsdb().args(["copy", "--to", &url]).assert().code(0);
    let (on_sqlite, on_postgres) = (Server::start(&db), Server::start_at(&url));
    let entity = id_of(&db, "SELECT id FROM entities WHERE name = 'Gull Island'");
    let source = id_of(&db, "SELECT id FROM sources ORDER BY id LIMIT 1");
    let story = id_of(&db, "SELECT coalesce(max(story_id), 1) FROM article_story");
    for path in [
        "/index.json".to_owned(),
        "/articles/2.json".to_owned(),
        format!("/entities/{entity}.json"),
        format!("/sources/{source}.json"),
        "/stories.json".to_owned(),
        format!("/stories/{story}.json"),
        "/feeds.json".to_owned(),
        "/search.json?q=summit".to_owned(),
        "/search.json?q=Kim&entity=Seoul&sort=date".to_owned(),
        "/search.json?q=%22unbalanced".to_owned(),
        "/sql.json?sql=SELECT+id,+title+FROM+articles+ORDER+BY+id".to_owned(),
        "/sql.json?query=top-entities&p.limit=5".to_owned(),
    ] {
        let sqlite_page = on_sqlite.get(&path);
        let postgres_page = on_postgres.get(&path);
        assert_eq!(postgres_page.status, sqlite_page.status, "{path}");
        let parse = |body: &str| {
            comparable(serde_json::from_str(body).unwrap_or_else(|e| panic!("{path}: {e}: {body}")))
        };
        assert_eq!(
            parse(&postgres_page.body),
            parse(&sqlite_page.body),
            "{path}"
        );
    }
    for path in [
        "/",
        "/search?q=summit&story=1",
        "/articles/2",
        "/stories",
        "/sql",
    ] {
        let page = on_postgres.get(path);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(page.csp.contains("default-src 'none'"), "{path}");
    }
    let refused = on_postgres.get("/sql.json?sql=DELETE+FROM+articles");
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("this page only reads"),
        "{}",
        refused.body
    );
    let posted = on_postgres.answer(
        on_postgres
            .agent
            .post(format!("{}/", on_postgres.base))
            .send(""),
    );
    assert_eq!(posted.status, 405);
    assert_eq!(db.count("SELECT count(*) FROM articles"), 9);
}

fn id_of(db: &TestDb, sql: &str) -> i64 {
    db.count(sql)
}

#[test]
fn home_search_article_and_entity_pages_answer_with_their_hooks() {
    let db = samples();
    let server = Server::start(&db);

    let home = server.page("/");
    assert!(home.contains(r#"<form class="header-search" id="search" action="/search""#));
    assert!(home.contains(r#"<input id="q" type="search" name="q""#));
    assert!(
        home.contains("North Korea&#39;s Kim heads to Russia")
            || home.contains("North Korea's Kim heads to Russia"),
        "{home}"
    );

    let results = server.page("/search?q=armored+train");
    assert!(
        results.contains(r#"class="result-title" href="/articles/"#),
        "{results}"
    );
    assert!(results.contains("<mark>"), "{results}");

    let article = id_of(
        &db,
        "SELECT id FROM articles WHERE title LIKE 'North Korea%'",
    );
    let page = server.page(&format!("/articles/{article}"));
    assert!(page.contains("armored train"), "{page}");
    let kim = id_of(
        &db,
        "SELECT id FROM entities WHERE kind = 'person' AND name LIKE 'Kim Jong%'",
    );
    assert!(
        page.contains(&format!(r#"class="entity person" href="/entities/{kim}""#)),
        "{page}"
    );

    let entity = server.page(&format!("/entities/{kim}"));
    assert!(entity.contains(r#"<svg class="chart""#), "{entity}");
    assert!(entity.contains(r#"<rect class="bar""#), "{entity}");
    assert!(entity.contains("Written as"), "aliases shown: {entity}");

    let source = id_of(&db, "SELECT id FROM sources WHERE name = 'Harbour Gazette'");
    let page = server.page(&format!("/sources/{source}"));
    assert!(page.contains("Port Elsby ferry terminal reopens"), "{page}");
    assert!(page.contains(r#"<rect class="bar""#), "{page}");
    server.page("/feeds");
    server.page("/sql");
}

#[test]
fn json_twins_have_the_keys_of_the_cli_output() {
    let db = samples();
    let server = Server::start(&db);
    let keys = |value: &serde_json::Value| -> Vec<String> {
        value.as_object().unwrap().keys().cloned().collect()
    };
    let cli = |args: &[&str]| -> serde_json::Value {
        let output = db.run(args);
        assert!(output.status.success(), "{args:?}");
        serde_json::from_str(&stdout(&output)).unwrap()
    };

    let article = id_of(
        &db,
        "SELECT id FROM articles WHERE title LIKE 'North Korea%'",
    );
    let shown = cli(&["show", &article.to_string(), "--format", "json"]);
    let twin = server.json(&format!("/articles/{article}.json"));
    assert_eq!(keys(&twin["article"]), keys(&shown[0]));
    assert_eq!(twin["article"], shown[0]);
    assert_eq!(
        server.json(&format!("/articles/{article}?format=json")),
        twin
    );

    let searched = cli(&["search", "armored train", "--format", "json"]);
    let twin = server.json("/search.json?q=armored+train");
    assert_eq!(twin["results"][0]["id"], searched[0]["id"]);
    assert_eq!(keys(&twin["results"][0]), keys(&searched[0]));

    let kim = id_of(
        &db,
        "SELECT id FROM entities WHERE kind = 'person' AND name LIKE 'Kim Jong%'",
    );
    let entity = cli(&["entity", "Kim Jong Un", "--format", "json"]);
    let twin = server.json(&format!("/entities/{kim}.json"));
    for key in ["entity", "aliases", "co_mentions", "articles"] {
        assert_eq!(twin[key], entity[key], "{key}");
    }

    let sql = "SELECT id, title FROM articles ORDER BY id LIMIT 3";
    let queried = cli(&["query", sql, "--format", "json"]);
    let encoded: String = url::form_urlencoded::byte_serialize(sql.as_bytes()).collect();
    assert_eq!(server.json(&format!("/sql.json?sql={encoded}")), queried);
    assert_eq!(
        server.json(&format!("/sql?sql={encoded}&format=json")),
        queried
    );
    let csv = server.get(&format!("/sql.csv?sql={encoded}"));
    assert_eq!(csv.status, 200);
    assert!(csv.content_type.starts_with("text/csv"));
    let cli_csv = stdout(&db.run(&["query", sql, "--format", "csv"]));
    assert_eq!(csv.body, cli_csv);

    let home = server.json("/index.json");
    assert!(
        home["stats"]
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["name"] == "articles")
    );
    assert_eq!(server.json("/?format=json"), home);
    assert!(server.json("/feeds.json")["feeds"].is_array());
}

#[test]
fn every_route_answers_405_to_writing_methods_and_nothing_changes() {
    let db = samples();
    let before = db.count("SELECT total_changes() + (SELECT count(*) FROM articles)");
    let server = Server::start(&db);
    let agent = &server.agent;
    for path in [
        "/",
        "/index.json",
        "/search?q=x",
        "/articles/1",
        "/articles/1.json",
        "/articles/1/raw",
        "/entities/1",
        "/sources/1",
        "/stories",
        "/stories/1",
        "/feeds",
        "/sql?sql=DELETE+FROM+articles",
        "/sql.csv",
        "/assets/style.css",
        "/no/such/page",
    ] {
        let url = format!("{}{path}", server.base);
        for (method, page) in [
            ("POST", server.answer(agent.post(&url).send("q=x"))),
            ("PUT", server.answer(agent.put(&url).send("x"))),
            ("PATCH", server.answer(agent.patch(&url).send("x"))),
            ("DELETE", server.answer(agent.delete(&url).call())),
        ] {
            assert_eq!(page.status, 405, "{method} {path}: {}", page.body);
            assert!(page.body.contains("read-only"), "{method} {path}");
        }
    }
    assert_eq!(server.get("/").status, 200, "still serving");
    drop(server);
    assert_eq!(
        db.count("SELECT total_changes() + (SELECT count(*) FROM articles)"),
        before
    );
}

#[test]
fn the_sql_page_refuses_the_writes_newsdb_query_refuses() {
    let db = samples();
    let articles = db.count("SELECT count(*) FROM articles");
    let server = Server::start(&db);
    for sql in [
        "DELETE FROM articles",
        "DROP TABLE articles",
        "UPDATE articles SET title = 'x'",
        "WITH x AS (SELECT 1) DELETE FROM articles",
        "INSERT INTO saved_queries (name, sql) VALUES ('x', 'SELECT 1')",
        "PRAGMA query_only = OFF",
        "ATTACH DATABASE '/tmp/newsdb-serve-attach.sqlite' AS other",
        "BEGIN",
        "SELECT 1; DELETE FROM articles",
    ] {
        // The CLI refuses it too.
        assert!(!db.run(&["query", sql]).status.success(), "{sql}");
        let encoded: String = url::form_urlencoded::byte_serialize(sql.as_bytes()).collect();
        let page = server.get(&format!("/sql?sql={encoded}"));
        assert_eq!(page.status, 400, "{sql}: {}", page.body);
        assert!(page.body.contains(r#"class="error""#), "{sql}");
        let download = server.get(&format!("/sql.json?sql={encoded}"));
        assert_eq!(download.status, 400, "{sql}");
        assert!(download.body.contains("\"error\""), "{sql}");
    }
    assert_eq!(db.count("SELECT count(*) FROM articles"), articles);
    assert!(!std::path::Path::new("/tmp/newsdb-serve-attach.sqlite").exists());
}

#[test]
fn the_sql_page_caps_its_rows_and_downloads_hold_them_all() {
    let db = samples();
    let server = Server::start(&db);
    let sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500) \
               SELECT i FROM n";
    let encoded: String = url::form_urlencoded::byte_serialize(sql.as_bytes()).collect();
    let page = server.page(&format!("/sql?sql={encoded}"));
    assert!(page.contains(r#"<table class="results">"#));
    assert_eq!(page.matches("<tr><td>").count(), 1000);
    assert!(page.contains("500 more rows"), "{page}");
    assert!(page.contains(r#"id="download-csv""#) && page.contains(r#"id="download-json""#));
    let csv = server.get(&format!("/sql.csv?sql={encoded}"));
    assert_eq!(csv.body.lines().count(), 1501);
}

#[test]
fn canned_queries_are_listed_with_a_form_and_run() {
    let db = samples();
    db.newsdb()
        .args([
            "queries",
            "save",
            "by-source",
            "SELECT title FROM article_overview WHERE source = :source",
        ])
        .assert()
        .success();
    let server = Server::start(&db);
    let page = server.page("/sql");
    assert!(page.contains("top-entities"), "{page}");
    assert!(
        page.contains(r#"name="p.source""#),
        "saved query's parameter: {page}"
    );
    let ran = server.page("/sql?query=by-source&p.source=Harbour+Gazette");
    assert!(ran.contains("Port Elsby ferry terminal reopens"), "{ran}");
    let json = server.json("/sql.json?query=top-entities&p.limit=2");
    assert_eq!(json.as_array().unwrap().len(), 2);
}

/// The XSS fixtures of the issue: a title that is a script, an entity whose name breaks out of
/// an attribute, a `javascript:` URL.
#[test]
fn text_from_the_database_is_escaped_and_javascript_urls_are_not_links() {
    let db = samples();
    let article = id_of(
        &db,
        "SELECT id FROM articles WHERE title LIKE 'North Korea%'",
    );
    let kim = id_of(
        &db,
        "SELECT id FROM entities WHERE kind = 'person' AND name LIKE 'Kim Jong%'",
    );
    db.connect()
        .execute_batch(&format!(
            "UPDATE articles SET title = '<script>alert(1)</script>', url = 'javascript:alert(1)'
              WHERE id = {article};
             INSERT INTO article_urls (article_id, kind, value)
             VALUES ({article}, 'url', 'javascript:alert(1)');"
        ))
        .unwrap();
    db.newsdb()
        .args([
            "entity",
            "rename",
            &format!("#{kim}"),
            "\"><img src=x onerror=alert(1)>",
        ])
        .assert()
        .success();
    let server = Server::start(&db);
    for path in [
        format!("/articles/{article}"),
        format!("/entities/{kim}"),
        "/".to_owned(),
        "/search?q=armored".to_owned(),
        "/sql?sql=SELECT+title,+url+FROM+articles".to_owned(),
    ] {
        let page = server.page(&path);
        assert!(!page.contains("<script>alert"), "{path}: {page}");
        assert!(!page.contains("<img src=x"), "{path}: {page}");
        assert!(!page.contains("href=\"javascript:"), "{path}: {page}");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;") || path.starts_with("/entities"),
            "{path}"
        );
    }
    let page = server.page(&format!("/articles/{article}"));
    assert!(page.contains("javascript:alert(1)"), "shown as text");
    assert!(
        page.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
        "{page}"
    );
}

#[test]
fn every_answer_carries_a_strict_content_security_policy() {
    let db = samples();
    let server = Server::start(&db);
    for path in ["/", "/articles/1", "/nope", "/assets/app.js", "/index.json"] {
        let csp = server.get(path).csp;
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert!(
            !csp.contains("http:") && !csp.contains("https:") && !csp.contains('*'),
            "{csp}"
        );
    }
    // No inline script or style in a page: everything comes from /assets.
    let home = server.page("/");
    assert!(!home.contains("<script>") && !home.contains("<style") && !home.contains(" style="));
    assert!(home.contains(r#"<script src="/assets/app.js" defer>"#));
}

#[test]
fn bad_requests_get_a_4xx_page_and_the_server_keeps_going() {
    let db = samples();
    let server = Server::start(&db);
    for (path, status) in [
        ("/articles/abc", 404),
        ("/articles/99999", 404),
        ("/articles/-1.json", 404),
        ("/articles/99999999999999999999999", 404),
        ("/entities/0", 404),
        ("/sources/x", 404),
        // An article alone is a story of one; an id no article has is no story.
        ("/stories/99999", 404),
        ("/search?q=%22armored", 400),
        ("/search?q=Kim+Jong-un", 400),
        ("/search?q=x&page=0", 400),
        ("/search?q=x&page=99999", 400),
        ("/search?q=x&sort=sideways", 400),
        ("/search?q=x&since=not-a-date", 400),
        ("/stories?order=sideways", 400),
        ("/sql?sql=SELEC+1", 400),
        ("/sql?query=no-such-query", 400),
        ("/sql.csv", 400),
        ("/sources/1?page=-3", 400),
        ("/assets/../../etc/passwd", 404),
        ("/%ff%fe", 404),
    ] {
        let page = server.get(path);
        assert_eq!(page.status, status, "{path}: {}", page.body);
        assert!(!page.body.contains("panicked"), "{path}");
    }
    let json = server.get("/articles/99999.json");
    assert_eq!(json.status, 404);
    assert!(json.body.contains("\"error\""), "{}", json.body);
    let search = server.get("/search?q=Kim+Jong-un");
    assert!(
        search.body.contains("double quotes"),
        "explained: {}",
        search.body
    );
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn listings_are_paginated() {
    let db = TestDb::new();
    let lines: String = (0..45)
        .map(|n| {
            serde_json::json!({
                "title": format!("Harbour story number {n}"),
                "content": format!("The harbour council met for the {n}th time about the harbour budget."),
                "source": "Pager Gazette",
                "published": format!("2024-01-{:02}T10:00:00Z", n % 28 + 1),
            })
            .to_string()
                + "\n"
        })
        .collect();
    let file = db.file("many.jsonl", lines);
    db.newsdb().arg("import").arg(&file).assert().success();
    let server = Server::start(&db);
    let first = server.json("/search.json?q=harbour");
    let third = server.json("/search.json?q=harbour&page=3");
    assert_eq!(first["results"].as_array().unwrap().len(), 20);
    assert_eq!(first["has_next"], true);
    assert_eq!(third["results"].as_array().unwrap().len(), 5);
    assert_eq!(third["has_next"], false);
    let page = server.page("/search?q=harbour&sort=date");
    assert!(
        page.contains(r#"rel="next" href="/search?q=harbour&amp;sort=date&amp;page=2""#),
        "{page}"
    );
    let source = id_of(&db, "SELECT id FROM sources WHERE name = 'Pager Gazette'");
    let listed = server.json(&format!("/sources/{source}.json?page=3"));
    assert_eq!(listed["articles"].as_array().unwrap().len(), 5);
}

#[test]
fn stories_show_only_when_the_database_has_them() {
    let db = samples();
    let server = Server::start(&db);
    let has_view =
        db.count("SELECT count(*) FROM sqlite_master WHERE name = 'article_stories'") > 0;
    if !has_view {
        assert!(!server.page("/").contains(r#"href="/stories""#));
        assert_eq!(server.json("/stories.json")["available"], false);
        drop(server);
        // Two articles of one story, as the stories migration's view reads.
        db.connect()
            .execute_batch(
                "CREATE VIEW article_stories (article_id, story_id) AS
                     SELECT id, CASE WHEN id IN (1, 2) THEN 1 ELSE id END FROM articles",
            )
            .unwrap();
    }
    let server = Server::start(&db);
    assert!(server.page("/").contains(r#"href="/stories""#));
    let stories = server.json("/stories.json");
    assert_eq!(stories["available"], true);
    if !has_view {
        assert_eq!(stories["stories"][0]["story"]["story_id"], 1);
        assert_eq!(
            stories["stories"][0]["articles"].as_array().unwrap().len(),
            2
        );
        let page = server.page("/articles/2");
        assert!(page.contains(r#"href="/stories/1""#), "{page}");
        server.page("/stories/1");
    }
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let db = samples();
    let server = Server::start(&db);
    assert_eq!(server.get("/").status, 200);
    let (status, stderr) = server.terminate();
    assert!(status.success(), "{status:?}: {stderr}");
}

#[test]
fn a_host_other_than_loopback_is_warned_about() {
    let db = samples();
    let mut child = db
        .process()
        .args(["serve", "--host", "0.0.0.0", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on http://0.0.0.0:"), "{line}");
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning") && stderr.contains("not loopback"),
        "{stderr}"
    );

    // Loopback says nothing.
    let server = Server::start(&db);
    let (_, stderr) = server.terminate();
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn a_database_that_cannot_be_opened_is_a_usage_error() {
    let db = TestDb::new();
    let output = db.run(&["serve", "--port", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        common::stderr(&output).contains(&db.path.display().to_string()),
        "{}",
        common::stderr(&output)
    );
    assert!(!db.path.exists(), "serve never creates a database");
}

#[test]
fn pages_keep_answering_while_another_process_imports() {
    let db = samples();
    let lines: String = (0..3000)
        .map(|n| {
            serde_json::json!({
                "title": format!("Concurrent story {n}"),
                "content": format!("Officials said the {n}th ferry sailed from the harbour at dawn."),
                "source": "Busy Wire",
            })
            .to_string()
                + "\n"
        })
        .collect();
    let file = db.file("busy.jsonl", lines);
    let server = Server::start(&db);
    let mut import = db
        .process()
        .arg("import")
        .arg(&file)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut answered = 0;
    loop {
        let running = import.try_wait().unwrap().is_none();
        for path in ["/", "/search?q=ferry", "/articles/1", "/entities/1"] {
            assert_eq!(server.get(path).status, 200, "{path}");
            answered += 1;
        }
        if !running {
            break;
        }
    }
    assert!(import.wait().unwrap().success());
    assert!(answered >= 4);
    let found = server.json("/search.json?q=concurrent");
    assert_eq!(
        found["results"].as_array().unwrap().len(),
        20,
        "new articles are seen"
    );
}

/// A search page without filters counts its facets over the matches its ranking saw; with a
/// filter that keeps every match, over what the facets' own query finds. Both are the same
/// counts, in either order and on any page: over all the matches, or the 1,000 most recently
/// stored when more match.
#[test]
fn facets_count_the_same_matches_from_the_ranking_as_from_their_own_query() {
    let db = TestDb::new();
    let places = [
        "Lagos", "Berlin", "Nairobi", "Lima", "Oslo", "Seoul", "Dakar",
    ];
    let outlets = [
        "Harbour Wire",
        "Coast Post",
        "Bay Herald",
        "Port Times",
        "Tide News",
    ];
    let lines: String = (0..1300)
        .map(|n| {
            let place = places[n % places.len()];
            serde_json::json!({
                "title": format!("Harbour report {n} from {place}"),
                "content": format!(
                    "The harbour of {place} reopened on day {n}, officials said. The World \
                     Bank welcomed the move and United Nations staff arrived in {place}."
                ),
                "source": outlets[n % outlets.len()],
                "published": format!("2024-{:02}-{:02}T08:00:00Z", n % 12 + 1, n % 28 + 1),
            })
            .to_string()
                + "\n"
        })
        .collect();
    let file = db.file("harbours.jsonl", lines);
    db.newsdb().arg("import").arg(&file).assert().code(0);
    let server = Server::start(&db);
    for (query, matches) in [
        ("harbour", 1000),
        ("harbour+lagos", 186),
        ("dakar+OR+lima", 371),
    ] {
        for extra in ["", "&sort=date", "&page=2", "&sort=date&page=3"] {
            let ranked = server.json(&format!("/search.json?q={query}{extra}"))["facets"].clone();
            let own =
                server.json(&format!("/search.json?q={query}{extra}&since=1900-01-01"))["facets"]
                    .clone();
            assert_eq!(ranked, own, "{query}{extra}");
            assert_eq!(ranked["counted"], matches, "{query}{extra}");
            assert_eq!(
                ranked["sources"].as_array().unwrap().len(),
                5,
                "{query}{extra}"
            );
            assert!(
                !ranked["entities"].as_array().unwrap().is_empty(),
                "{query}{extra}"
            );
        }
    }
}

#[test]
fn open_runs_the_system_opener_only_when_asked() {
    let db = samples();
    let bin = db.folder.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let marker = db.folder.path().join("opened.txt");
    let opener = bin.join("xdg-open");
    std::fs::write(
        &opener,
        format!("#!/bin/sh\necho \"$1\" >> '{}'\n", marker.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |extra: &[&str]| {
        let mut child = db
            .process()
            .env("PATH", &path)
            .args(["serve", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        (
            child,
            line.trim()
                .strip_prefix("listening on ")
                .unwrap()
                .to_owned(),
        )
    };
    let (mut quiet, _) = run(&[]);
    let (mut opened, url) = run(&["--open"]);
    // The opener runs in the background: wait for its line.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::fs::read_to_string(&marker)
        .unwrap_or_default()
        .is_empty()
    {
        assert!(std::time::Instant::now() < deadline, "the opener never ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    for child in [&mut quiet, &mut opened] {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap(),
        format!("{url}\n")
    );
}

/// Entity pages are cached while the database is unchanged; a change another process commits
/// shows on the next request (a cheap page is never served stale).
#[test]
fn an_entity_page_follows_a_change_made_by_another_process() {
    let db = samples();
    let kim = id_of(
        &db,
        "SELECT id FROM entities WHERE kind = 'person' AND name LIKE 'Kim Jong%'",
    );
    let server = Server::start(&db);
    let path = format!("/entities/{kim}.json");
    let before = server.json(&path);
    assert_eq!(
        server.json(&path),
        before,
        "the same answer while nothing changes"
    );
    db.newsdb()
        .args(["entity", "rename", &format!("#{kim}"), "Kim the Renamed"])
        .assert()
        .success();
    assert_eq!(server.json(&path)["entity"]["name"], "Kim the Renamed");
}
