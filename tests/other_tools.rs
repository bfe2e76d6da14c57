//! End to end with tools people point at a newsdb file: `sqlite-utils search` and Datasette's
//! `?_search=` find the full-text index and return the matching articles (issue 11, item 8).
//!
//! The tools come from PyPI, in a virtual environment whose `bin/` folder `NEWSDB_PYTHON_TOOLS`
//! names (`.ci/run` makes one). Without it these tests print a SKIP line and pass, except under
//! `CI=true`, where the tools must be there.

mod common;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};

use common::{TestDb, stderr, stdout};

/// The folder holding `sqlite-utils`, `datasette` and their `python`, or None after a SKIP line.
fn python_tools(test: &str) -> Option<PathBuf> {
    let Some(folder) = std::env::var_os("NEWSDB_PYTHON_TOOLS").map(PathBuf::from) else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "{test}: NEWSDB_PYTHON_TOOLS must name a folder with sqlite-utils and datasette \
                 under CI (.ci/run makes one)"
            );
        }
        // Straight to stderr, past the test harness's capture, so that the skip is seen.
        let _ = writeln!(
            std::io::stderr(),
            "SKIP {test}: set NEWSDB_PYTHON_TOOLS to a folder with sqlite-utils and datasette \
             (python3 -m venv DIR && DIR/bin/pip install sqlite-utils datasette; then DIR/bin)"
        );
        return None;
    };
    for tool in ["sqlite-utils", "datasette", "python"] {
        assert!(
            folder.join(tool).exists(),
            "{test}: NEWSDB_PYTHON_TOOLS={} has no {tool}",
            folder.display()
        );
    }
    Some(folder)
}

/// Three articles, each with its own word in one field: "harbour" in a title, "quokka" in a
/// summary, "lighthouse" in a body. Returns their ids in that order.
fn three_fields(db: &TestDb) -> [i64; 3] {
    let records = [
        json!({"title": "Harbour works resume", "body": "Crews rebuilt the pier over the winter."}),
        json!({"title": "Island notes", "summary": "The quokka sanctuary reopens.",
               "body": "Rangers counted the animals in spring."}),
        json!({"title": "Coast news", "body": "The old lighthouse keeper retired on Friday."}),
    ];
    let lines: String = records.iter().map(|record| format!("{record}\n")).collect();
    let input = db.file("three.jsonl", lines);
    let output = db.run(&["import", input.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let id = |title: &str| db.count(&format!("SELECT id FROM articles WHERE title = '{title}'"));
    [
        id("Harbour works resume"),
        id("Island notes"),
        id("Coast news"),
    ]
}

fn ids(rows: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = rows
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {rows}"))
        .iter()
        .map(|row| row["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    ids
}

#[test]
fn sqlite_utils_search_finds_articles_by_title_summary_and_body() {
    let Some(tools) = python_tools("sqlite_utils_search_finds_articles_by_title_summary_and_body")
    else {
        return;
    };
    let db = TestDb::new();
    let [harbour, quokka, lighthouse] = three_fields(&db);
    let search = |word: &str| {
        let output = Command::new(tools.join("sqlite-utils"))
            .arg("search")
            .arg(&db.path)
            .args(["articles", word, "-c", "id"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{word}: {}", stderr(&output));
        ids(&serde_json::from_str(&stdout(&output)).unwrap())
    };
    assert_eq!(search("harbour"), [harbour]);
    assert_eq!(search("quokka"), [quokka]);
    assert_eq!(search("lighthouse"), [lighthouse]);
    assert!(search("zeppelin").is_empty());
}

/// Queries Datasette through its Python API: the same request handling as `datasette serve`,
/// with no port to find and no server to stop.
const DATASETTE_SEARCH: &str = r#"
import asyncio, json, sys
from datasette.app import Datasette

async def main(path, words):
    datasette = Datasette([path])
    database = next(name for name in datasette.databases if name != "_internal")
    found = {}
    for word in words:
        params = {"_shape": "array", "_col": "title"}
        if word:
            params["_search"] = word
        response = await datasette.client.get(f"/{database}/articles.json", params=params)
        if response.status_code != 200:
            sys.exit(f"{word}: HTTP {response.status_code}: {response.text}")
        found[word] = response.json()
    print(json.dumps(found))

asyncio.run(main(sys.argv[1], sys.argv[2:]))
"#;

#[test]
fn datasette_search_returns_only_the_matching_articles() {
    let Some(tools) = python_tools("datasette_search_returns_only_the_matching_articles") else {
        return;
    };
    let db = TestDb::new();
    let [harbour, quokka, lighthouse] = three_fields(&db);
    let output = Command::new(tools.join("python"))
        .args(["-c", DATASETTE_SEARCH])
        .arg(&db.path)
        .args(["", "harbour", "quokka", "lighthouse", "zeppelin"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let found: Value = serde_json::from_str(&stdout(&output)).unwrap();
    // Without `_search` the table lists every article; with it, only the matches.
    assert_eq!(ids(&found[""]), [harbour, quokka, lighthouse]);
    assert_eq!(ids(&found["harbour"]), [harbour]);
    assert_eq!(ids(&found["quokka"]), [quokka]);
    assert_eq!(ids(&found["lighthouse"]), [lighthouse]);
    assert!(ids(&found["zeppelin"]).is_empty());
}
