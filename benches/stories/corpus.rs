//! The base texts: real article text from `../shared/corpus` and the seed, read through newsdb
//! itself (the release binary imports the feeds and pages into a scratch database, so a base
//! text is exactly the clean body newsdb stores), plus the wikigold Wikipedia articles.
//! Near-duplicate base texts (the same feed captured twice, a post in two feeds) are dropped, so
//! that two stories of the truth never share text by accident.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;
use std::process::Command;

use serde::Deserialize;

/// One real text a story is built from.
#[derive(Clone, Debug)]
pub struct Base {
    pub title: String,
    pub paragraphs: Vec<String>,
    /// The publisher as newsdb saw it (empty when unknown).
    pub source: String,
    /// Where it came from (a feed file, a page folder): texts of one origin share a topic, and
    /// give the hard negatives "different stories on the same topic".
    pub topic: String,
}

impl Base {
    pub fn words(&self) -> usize {
        self.paragraphs
            .iter()
            .map(|p| p.split_whitespace().count())
            .sum()
    }

    /// A full article: enough paragraphs and words to be cut, merged and reused.
    pub fn is_full(&self) -> bool {
        self.paragraphs.len() >= 4 && self.words() >= 120
    }
}

#[derive(Deserialize)]
struct Row {
    title: Option<String>,
    body: Option<String>,
    source: Option<String>,
    origin: Option<String>,
}

/// Imports the corpus with `newsdb` into `scratch/base.sqlite` and reads the articles back,
/// then adds wikigold. Items with fewer than 8 words of body are left out (title-only items).
pub fn load(newsdb: &Path, shared: &Path, scratch: &Path) -> Result<Vec<Base>, String> {
    let corpus = shared.join("corpus");
    let db = scratch.join("base.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = fs::remove_file(scratch.join(format!("base.sqlite{suffix}")));
    }
    // One import per folder, each with its own file filter: pages are read from source.html
    // (Readability's expected.html is the same text, without the title), goose3 from its .html
    // pages (its .json files hold only the start of the text).
    let imports: [(&Path, &[&str]); 4] = [
        (
            &corpus.join("feeds"),
            &[
                "--exclude",
                "**/*.serde.json",
                "--exclude",
                "**/expected/**",
            ],
        ),
        (
            &corpus.join("html/readability"),
            &["--include", "**/source.html"],
        ),
        (&corpus.join("html/goose3"), &["--include", "**/*.html"]),
        (&shared.join("seeds"), &[]),
    ];
    for (folder, filter) in imports {
        if !folder.exists() {
            return Err(format!("{} is missing", folder.display()));
        }
        // Some corpus files are rejected by design (truncated feeds, pages with no article);
        // the exit code says so, and that is expected here.
        let output = Command::new(newsdb)
            .arg("--db")
            .arg(&db)
            .args(["import", "--quiet", "--no-entities", "--no-raw"])
            .args(filter)
            .arg(folder)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", newsdb.display()))?;
        if !db.exists() {
            return Err(format!(
                "newsdb import {} wrote no database: {}",
                folder.display(),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    let output = Command::new(newsdb)
        .arg("--db")
        .arg(&db)
        .args(["query", "--format", "jsonl"])
        .arg(
            "SELECT a.title, a.body, s.name AS source, \
             (SELECT origin FROM sightings g WHERE g.article_id = a.id ORDER BY g.id LIMIT 1) AS origin \
             FROM articles a LEFT JOIN sources s ON s.id = a.source_id ORDER BY a.id",
        )
        .output()
        .map_err(|e| format!("cannot run {}: {e}", newsdb.display()))?;
    if !output.status.success() {
        return Err(format!(
            "newsdb query failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut bases = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let row: Row = serde_json::from_str(line).map_err(|e| format!("query output: {e}"))?;
        let body = row.body.unwrap_or_default();
        let paragraphs: Vec<String> = body
            .split('\n')
            .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|p| !p.is_empty())
            .collect();
        let origin = row.origin.unwrap_or_default();
        let topic = topic_of(&origin, &corpus);
        bases.push(Base {
            title: row.title.unwrap_or_default().trim().to_string(),
            paragraphs,
            source: row.source.unwrap_or_default(),
            topic,
        });
    }
    let wikigold = corpus.join("ner/wikigold.conll");
    if let Ok(text) = fs::read_to_string(&wikigold) {
        bases.extend(wikigold_articles(&text));
    }
    Ok(bases
        .into_iter()
        .filter(|b| b.words() >= 8 && !is_placeholder(b))
        .collect())
}

/// The topic of a text: its feed file, or its page folder family (readability test pages of one
/// site, goose3 category).
fn topic_of(origin: &str, corpus: &Path) -> String {
    let corpus = corpus.to_string_lossy();
    let relative = origin
        .strip_prefix(corpus.as_ref())
        .unwrap_or(origin)
        .trim_start_matches('/');
    if let Some(rest) = relative.strip_prefix("html/readability/") {
        // "nytimes-3/source.html" -> "readability/nytimes"
        let page = rest.split('/').next().unwrap_or(rest);
        let site = page.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-');
        return format!("readability/{site}");
    }
    if let Some(rest) = relative.strip_prefix("html/goose3/") {
        return format!("goose3/{}", rest.split('/').next().unwrap_or(rest));
    }
    relative.to_string()
}

/// Synthetic test pages (lorem ipsum) are not news text.
fn is_placeholder(base: &Base) -> bool {
    let text = base.paragraphs.join(" ").to_lowercase();
    text.contains("lorem ipsum") || text.contains("dolor sit amet")
}

/// wikigold: documents start with `-DOCSTART-`, one token a line, sentences separated by blank
/// lines. Sentences are detokenised and grouped three to a paragraph; the title is the start of
/// the first sentence.
fn wikigold_articles(text: &str) -> Vec<Base> {
    let mut articles = Vec::new();
    let mut sentences: Vec<String> = Vec::new();
    let mut tokens: Vec<&str> = Vec::new();
    let mut flush_document = |sentences: &mut Vec<String>| {
        if sentences.is_empty() {
            return;
        }
        let title: String = sentences[0]
            .split_whitespace()
            .take(8)
            .collect::<Vec<_>>()
            .join(" ");
        let paragraphs = sentences.chunks(3).map(|c| c.join(" ")).collect();
        articles.push(Base {
            title,
            paragraphs,
            source: "Wikipedia".into(),
            topic: "wikigold".into(),
        });
        sentences.clear();
    };
    for line in text.lines() {
        let token = line.rsplit_once(' ').map_or(line, |(t, _)| t).trim();
        if token.starts_with("-DOCSTART-") {
            if !tokens.is_empty() {
                sentences.push(detokenize(&tokens));
                tokens.clear();
            }
            flush_document(&mut sentences);
        } else if token.is_empty() {
            if !tokens.is_empty() {
                sentences.push(detokenize(&tokens));
                tokens.clear();
            }
        } else {
            tokens.push(token);
        }
    }
    if !tokens.is_empty() {
        sentences.push(detokenize(&tokens));
    }
    flush_document(&mut sentences);
    articles
}

/// Joins CoNLL tokens into running text: no space before closing punctuation and clitics, none
/// after opening brackets.
fn detokenize(tokens: &[&str]) -> String {
    let mut out = String::new();
    let mut no_space_next = true;
    for token in tokens {
        let closing = matches!(*token, "." | "," | ";" | ":" | "!" | "?" | ")" | "]" | "%")
            || token.starts_with('\'') && token.len() <= 3
            || *token == "n't";
        if !no_space_next && !closing {
            out.push(' ');
        }
        out.push_str(token);
        no_space_next = matches!(*token, "(" | "[" | "$");
    }
    out
}

/// Lowercased words of letters and digits: the unit of the shingles below.
pub fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Hashes of word 5-shingles (the whole text when shorter).
pub fn shingles(text: &str) -> HashSet<u64> {
    let words = words_of(text);
    let width = 5.min(words.len().max(1));
    words
        .windows(width)
        .map(|w| fnv1a(w.join(" ").as_bytes()))
        .collect()
}

pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x100_0000_01b3);
    }
    hash
}

/// Drops every text that shares 20% or more of its shingles (of the smaller one) with a text
/// kept before it: a story of the truth must not be a near copy of another by accident.
pub fn drop_near_duplicates(bases: Vec<Base>) -> (Vec<Base>, usize) {
    let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut kept: Vec<(Base, usize)> = Vec::new();
    let mut dropped = 0;
    for base in bases {
        let text = format!("{}\n{}", base.title, base.paragraphs.join("\n"));
        let set = shingles(&base.paragraphs.join("\n"));
        let mut shared: HashMap<usize, usize> = HashMap::new();
        for s in &set {
            for &k in index.get(s).map_or(&[][..], Vec::as_slice) {
                *shared.entry(k).or_default() += 1;
            }
        }
        let duplicate = shared.iter().any(|(&k, &n)| {
            let smaller = set.len().min(kept[k].1).max(1);
            n * 5 >= smaller
        });
        if duplicate || text.trim().is_empty() {
            dropped += 1;
            continue;
        }
        let id = kept.len();
        for s in &set {
            index.entry(*s).or_default().push(id);
        }
        kept.push((base, set.len()));
    }
    (kept.into_iter().map(|(b, _)| b).collect(), dropped)
}
