//! End to end (issue 11, items 3 and 4): a folder holds more than articles, and what is not an
//! article is skipped and counted, not stored; UTF-16 and UTF-32 inputs are decoded, not
//! rejected as binary.

mod common;

use std::path::PathBuf;

use common::{TestDb, root, stderr, stdout};

/// `../shared/corpus/RELATIVE` (or `$NEWSDB_CORPUS/RELATIVE`, for a worktree placed elsewhere);
/// absent, the test is skipped with a message, except under CI=true, where a missing corpus is
/// a failure.
fn corpus_folder(relative: &str) -> Option<PathBuf> {
    let corpus = std::env::var_os("NEWSDB_CORPUS")
        .map_or_else(|| root().join("../shared/corpus"), PathBuf::from);
    let path = corpus.join(relative);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is absent (required under CI=true)",
        path.display()
    );
    eprintln!("skipped: {} is absent", path.display());
    None
}

fn summary(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(output)).expect("a JSON summary")
}

/// A folder like many real ones: one article among code, data, paperwork and settings.
fn mixed_folder(db: &TestDb) -> PathBuf {
    db.file(
        "news/story.txt",
        "Harbour reopens\n\nThe harbour reopened on Monday after the storm.\n",
    );
    db.file(
        "news/data.csv",
        "title,body\nMarket report,Prices rose sharply across the region today\n",
    );
    db.file(
        "news/tools/fetch.py",
        "Fetch the news\n\nThis script downloads the news every morning for the team.\n",
    );
    db.file(
        "news/LICENSE",
        "Apache License\n\nLicensor grants you a perpetual, worldwide licence to the Work.\n",
    );
    db.file(
        "news/README.md",
        "# News\n\nThese are the articles we keep.\n",
    );
    db.file(
        "news/settings.json",
        r#"{"theme": "dark", "title": "My news"}"#,
    );
    db.file(
        "news/tokens.conll",
        "-DOCSTART- O\n\nHarbour I-LOC\nreopens O\n. O\n",
    );
    db.file(
        "news/extract.html",
        "<div class=\"page\"><p>The harbour reopened on Monday after the storm.</p></div>",
    );
    db.folder.path().join("news")
}

#[test]
fn a_folder_import_skips_what_is_not_an_article_and_counts_it_by_reason() {
    let db = TestDb::new();
    let folder = mixed_folder(&db);
    let output = db.run(&["import", "--json", folder.to_str().unwrap()]);
    // Skipped files are not rejects: the exit status stays 0.
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(db.column("SELECT title FROM articles"), ["Harbour reopens"]);
    assert_eq!(db.count("SELECT count(*) FROM import_rejects"), 0);
    let summary = summary(&output);
    assert_eq!(summary["rejected"], 0);
    assert_eq!(summary["skipped"], 7, "{summary}");
    assert_eq!(
        summary["skipped_by_reason"],
        serde_json::json!({
            "code_or_data": 2,
            "licence_or_readme": 2,
            "json_not_articles": 1,
            "text_not_article": 1,
            "html_fragment": 1,
        })
    );
    // What was read and found not to be articles is named in a warning; paperwork is not.
    let messages = stderr(&output);
    assert!(
        messages.contains(&format!(
            "newsdb: warning: {}: skipped: JSON without article fields",
            folder.join("settings.json").display()
        )),
        "{messages}"
    );
    assert!(!messages.contains("LICENSE"), "{messages}");

    // The summary line counts them too.
    let again = db.run(&["import", folder.to_str().unwrap()]);
    assert!(again.status.success());
    assert!(
        stderr(&again).contains(
            "7 not articles skipped (2 licence or readme, 2 source code or data, \
             1 JSON without article fields, 1 text that does not read like an article, \
             1 HTML fragment, not a page)"
        ),
        "{}",
        stderr(&again)
    );
}

#[test]
fn a_file_named_on_the_command_line_is_always_tried() {
    let db = TestDb::new();
    let folder = mixed_folder(&db);
    let csv = folder.join("data.csv");
    let python = folder.join("tools/fetch.py");
    let output = db.run(&[
        "import",
        "--json",
        csv.to_str().unwrap(),
        python.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(summary(&output)["skipped"], 0);
    assert_eq!(
        db.column("SELECT title FROM articles ORDER BY title"),
        ["Fetch the news", "title,body"]
    );
}

#[test]
fn include_reads_matching_files_whatever_their_name_and_exclude_wins() {
    let db = TestDb::new();
    let folder = mixed_folder(&db);
    let output = db.run(&[
        "import",
        "--json",
        folder.to_str().unwrap(),
        "--include",
        "*.py",
        "--include",
        "*.csv",
        "--include",
        "*.txt",
        "--exclude",
        "story.*",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    // `*.py` matches tools/fetch.py: the glob is matched against the path below the folder.
    assert_eq!(
        db.column("SELECT title FROM articles ORDER BY title"),
        ["Fetch the news", "title,body"]
    );
    let summary = summary(&output);
    assert_eq!(
        summary["skipped_by_reason"],
        serde_json::json!({"excluded": 6}),
        "{summary}"
    );

    let bad = db.run(&["import", folder.to_str().unwrap(), "--include", "a["]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--include a["), "{}", stderr(&bad));
}

#[test]
fn utf16_and_utf32_inputs_are_decoded_not_rejected_as_binary() {
    let db = TestDb::new();
    let fixtures = root().join("tests/fixtures/charsets");
    let output = db.run(&["import", "--json", fixtures.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(summary(&output)["rejected"], 0);
    let mut expected: Vec<String> = [
        "utf-16be",
        "utf-16be-bom",
        "utf-16le",
        "utf-16le-bom",
        "utf-32be",
        "utf-32le-bom",
    ]
    .iter()
    .map(|tag| format!("Käse für Straße: Ελλάδα und 東京 ({tag})"))
    .collect();
    expected.extend(
        [
            "Café culture in Montréal (utf-16le page)",
            "Grüße aus Genf (utf-32le json)",
            "Straße in Köln reopens (utf-16be text)",
        ]
        .map(String::from),
    );
    expected.sort();
    assert_eq!(
        db.column("SELECT title FROM articles ORDER BY title"),
        expected
    );
    assert_eq!(
        db.count(
            "SELECT count(*) FROM articles WHERE summary LIKE 'Die Bäckerei in München öffnet \
             wieder. Αθήνα, 東京 and Zürich report crowds (utf-%'"
        ),
        6
    );
}

#[test]
fn invalid_utf32_code_units_are_replaced_and_reported() {
    let db = TestDb::new();
    let mut bytes: Vec<u8> = "Bad units\n\nA story with a broken character: "
        .chars()
        .flat_map(|c| u32::from(c).to_le_bytes())
        .collect();
    bytes.splice(0..0, [0xff, 0xfe, 0, 0]);
    bytes.extend_from_slice(&0x0011_0000u32.to_le_bytes());
    bytes.extend_from_slice(&u32::from('.').to_le_bytes());
    let file = db.file("bad.txt", bytes);
    let output = db.run(&["import", file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!(
            "newsdb: warning: {}: 1 invalid UTF-32LE code unit replaced with U+FFFD",
            file.display()
        )),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        db.column("SELECT body FROM articles"),
        ["A story with a broken character: \u{fffd}."]
    );
}

#[test]
fn miniflux_folder_stores_no_licence_article() {
    let Some(folder) = corpus_folder("feeds/miniflux") else {
        return;
    };
    let db = TestDb::new();
    let output = db.run(&["import", "--json", folder.to_str().unwrap()]);
    let summary = summary(&output);
    assert_eq!(
        summary["skipped_by_reason"],
        serde_json::json!({"licence_or_readme": 1}),
        "{summary}"
    );
    assert_eq!(
        db.count(
            "SELECT count(*) FROM articles WHERE body LIKE '%Apache License%' \
             OR title LIKE '%Apache License%'"
        ),
        0
    );
    assert_eq!(
        db.count("SELECT count(*) FROM entities WHERE name LIKE '%Licensor%'"),
        0
    );
    assert_eq!(
        db.count("SELECT count(*) FROM sightings WHERE origin LIKE '%LICENSE%'"),
        0
    );
}

#[test]
fn readability_folder_stores_the_pages_and_not_their_expectations() {
    let Some(folder) = corpus_folder("html/readability") else {
        return;
    };
    let db = TestDb::new();
    let output = db.run(&["import", "--json", folder.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let pages = std::fs::read_dir(&folder)
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().path().join("source.html").exists())
        .count() as u64;
    let summary = summary(&output);
    assert_eq!(summary["items"], pages, "{summary}");
    assert_eq!(summary["skipped_by_reason"]["json_not_articles"], pages);
    assert_eq!(summary["skipped_by_reason"]["html_fragment"], pages);
    // Every article came from a source.html page: none from expected-metadata.json (title-only
    // records) or expected.html (Readability's extract of the same page).
    assert_eq!(
        db.count("SELECT count(*) FROM sightings WHERE origin NOT LIKE '%/source.html'"),
        0
    );
    assert_eq!(
        db.count("SELECT count(*) FROM articles"),
        db.count("SELECT count(DISTINCT article_id) FROM sightings"),
    );
}
