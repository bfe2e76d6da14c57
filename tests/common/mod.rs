//! Shared helpers for the end-to-end tests: the real binary, a temporary database, SQL on it.

#![allow(dead_code)]

mod corpus;
pub mod postgres;
#[allow(unused_imports)]
pub use corpus::{MissingCorpus, corpus, missing_corpus_rule};

use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use rusqlite::Connection;

/// A temporary folder holding a database file.
pub struct TestDb {
    pub folder: tempfile::TempDir,
    pub path: PathBuf,
}

impl TestDb {
    pub fn new() -> TestDb {
        let folder = tempfile::tempdir().expect("temporary folder");
        let path = folder.path().join("news.sqlite");
        TestDb { folder, path }
    }

    /// `newsdb --db THIS ARGS...` with a clean environment.
    pub fn newsdb(&self) -> Command {
        let mut command = newsdb();
        command.arg("--db").arg(&self.path);
        command
    }

    /// `newsdb --db THIS` as a process to spawn, with a clean environment.
    pub fn process(&self) -> std::process::Command {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("newsdb"));
        command
            .env_remove("NEWSDB_DB")
            .env("CI", "true")
            .arg("--db")
            .arg(&self.path);
        command
    }

    /// Waits until another connection sees at least `count` articles committed; panics if
    /// that takes longer than `within`.
    pub fn wait_for_articles(&self, count: i64, within: Duration) {
        let conn = self.connect();
        conn.busy_timeout(Duration::from_secs(30)).unwrap();
        let deadline = Instant::now() + within;
        loop {
            let stored: i64 = conn
                .query_row("SELECT count(*) FROM articles", [], |row| row.get(0))
                .unwrap();
            if stored >= count {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "only {stored} of {count} articles committed after {within:?}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Runs newsdb with `args` and returns its output, whatever its status.
    pub fn run(&self, args: &[&str]) -> Output {
        self.newsdb().args(args).output().expect("newsdb runs")
    }

    /// A file in the temporary folder with these bytes.
    pub fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.folder.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn connect(&self) -> Connection {
        Connection::open(&self.path).expect("open the test database")
    }

    /// The single integer a query returns.
    pub fn count(&self, sql: &str) -> i64 {
        self.connect()
            .query_row(sql, [], |row| row.get(0))
            .unwrap_or_else(|error| panic!("{sql}: {error}"))
    }

    /// Every raw copy's original bytes, by article id, decoded from its codec the way another
    /// tool would: `identity` as stored, `zstd` as one zstd frame.
    pub fn raw_copies(&self) -> Vec<Vec<u8>> {
        let conn = self.connect();
        // The dictionary of a `zstd-article` copy, as the README tells other tools to build it.
        let mut statement = conn
            .prepare(
                "SELECT r.codec, r.bytes,
                        coalesce(r.dictionary,
                                 CAST(coalesce(a.title, '') || char(10) || a.body AS BLOB))
                   FROM article_raw AS r JOIN articles AS a ON a.id = r.article_id
                  ORDER BY r.article_id",
            )
            .unwrap();
        statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Vec<u8>>(1)?,
                    row.get::<_, Vec<u8>>(2)?,
                ))
            })
            .unwrap()
            .map(|row| match row.unwrap() {
                (codec, bytes, _) if codec == "identity" => bytes,
                (codec, bytes, _) if codec == "zstd" => zstd::decode_all(bytes.as_slice()).unwrap(),
                (codec, bytes, dictionary) if codec == "zstd-article" => {
                    let mut decoder =
                        zstd::stream::Decoder::with_dictionary(bytes.as_slice(), &dictionary)
                            .unwrap();
                    let mut decoded = Vec::new();
                    std::io::Read::read_to_end(&mut decoder, &mut decoded).unwrap();
                    decoded
                }
                (codec, _, _) => panic!("unknown raw codec {codec}"),
            })
            .collect()
    }

    /// Every row's first column, as text.
    pub fn column(&self, sql: &str) -> Vec<String> {
        let conn = self.connect();
        let mut statement = conn.prepare(sql).unwrap();
        statement
            .query_map([], |row| row.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
}

/// The binary with inherited newsdb settings removed.
pub fn newsdb() -> Command {
    let mut command = Command::cargo_bin("newsdb").expect("the newsdb binary");
    command.env_remove("NEWSDB_DB").env("CI", "true");
    command
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The project's root (where Cargo.toml is).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `data/samples/NAME`.
pub fn sample(name: &str) -> PathBuf {
    root().join("data/samples").join(name)
}

/// A database with the seed in three forms plus two wire stories from `data/samples/`: three
/// articles, the seed seen three times. Extraction is off, so the only entity rows are those a
/// test writes.
pub fn three_samples() -> TestDb {
    let db = TestDb::new();
    db.newsdb()
        .args(["import", "--no-entities"])
        .args(
            [
                "kim-summit-html.json",
                "seed-kim-jong-un-train.txt",
                "wire.jsonl",
            ]
            .map(sample),
        )
        .assert()
        .success();
    db
}

/// `../shared/seeds/000_49c2ab0e28656829.txt`, falling back to the copy in data/samples.
pub fn seed() -> PathBuf {
    sample("seed-kim-jong-un-train.txt")
}

/// Words for generated article bodies.
pub const WORDS: [&str; 18] = [
    "ministry",
    "officials",
    "said",
    "talks",
    "border",
    "market",
    "rates",
    "election",
    "storm",
    "river",
    "council",
    "budget",
    "court",
    "ruling",
    "summit",
    "exports",
    "harvest",
    "strike",
];

/// How each body word of generated articles is chosen from `ArticleShape::words`.
pub enum WordChoice {
    /// A fixed pattern of the article number: article `n` is the same in every file, so
    /// overlapping ranges share articles.
    Pattern,
    /// A fixed-seed xorshift64 running through the whole file.
    Xorshift,
}

/// What the generated articles of one test look like. Each body has three paragraphs, each
/// opening with `"{label} {n} {paragraph_label} {p}:"` and then `words_per_paragraph` words.
pub struct ArticleShape {
    pub label: &'static str,
    pub paragraph_label: &'static str,
    pub words: &'static [&'static str],
    pub words_per_paragraph: usize,
    pub choice: WordChoice,
    /// The JSON record of article `n` with this body.
    pub record: fn(usize, String) -> serde_json::Value,
}

/// JSON Lines of the generated articles `range`, deterministic.
pub fn articles_jsonl(shape: &ArticleShape, range: Range<usize>) -> String {
    let words = shape.words;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = String::new();
    for n in range {
        let mut body = String::new();
        for paragraph in 0..3 {
            if paragraph > 0 {
                body.push_str("\n\n");
            }
            let _ = write!(
                body,
                "{} {n} {} {paragraph}:",
                shape.label, shape.paragraph_label
            );
            for k in 0..shape.words_per_paragraph {
                let index = match shape.choice {
                    WordChoice::Pattern => (n * 7 + paragraph * 3 + k * 5) % words.len(),
                    WordChoice::Xorshift => (next() % words.len() as u64) as usize,
                };
                body.push(' ');
                body.push_str(words[index]);
            }
            body.push('.');
        }
        out.push_str(&(shape.record)(n, body).to_string());
        out.push('\n');
    }
    out
}
