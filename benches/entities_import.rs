//! What entities cost and how fast their queries are (issues 4 and 14): the import slowdown with
//! extraction on versus `import --no-entities`, on generated articles and on real article text,
//! and the latency of `entities --top 50`, `entity NAME` and `articles --entity NAME` at
//! 100,000 articles.
//!
//! ```text
//! cargo bench --bench entities_import        # 20,000 articles for the slowdown, 100,000 for queries
//! cargo test --bench entities_import         # self-checks of the generator only
//! ```
//!
//! Like `benches/import.rs`, it first runs `cargo build --release --bin newsdb` and then times
//! that binary (`NEWSDB_BENCH_BIN=PATH` times another one). The articles are deterministic
//! news-like JSON Lines (a fixed-seed splitmix64 over word lists) full of people ("President
//! Emmanuel Macron", "Sarah Okafor said"), places ("in Nairobi") and organisations ("the World
//! Bank", "Meridian Steel Corp."), so the extractor has real work to do.
//!
//! 1. **Slowdown.** Imports the same file into fresh databases with `--no-entities` and with
//!    extraction, `NEWSDB_BENCH_RUNS` times each (default 3, alternating), and prints the median
//!    times and the slowdown (target: at most 30%), in wall time and in CPU time (user +
//!    system, from `/usr/bin/time`). A binary without `--no-entities` gets a clear
//!    message and only the extracting time.
//!    The same for real article text: the saved news pages of `../shared/corpus/html`
//!    (Readability's and goose3's test pages: BBC, CNN, Guardian, NYTimes, ...), or the folder
//!    `NEWSDB_BENCH_REAL=DIR` names; skipped with a message when it is absent.
//! 2. **Queries.** Imports `NEWSDB_BENCH_QUERY_SIZE` articles (default 100,000). If that import
//!    stored no mentions (a binary that does not extract at import yet), the bench fills
//!    `entities`, `entity_aliases` and `mentions` itself with the library's extractor, the way
//!    import would. It then times each query 20 times and prints the median (p50) and the
//!    slowest run. `articles --entity` is skipped with a message if the binary lacks it.
//!
//! Timings are information, never a failure: only a failed command or a wrong count stops it.
//! `NEWSDB_BENCH_DIR=DIR` puts the files and databases in DIR (default: the temp dir);
//! `NEWSDB_BENCH_KEEP=1` keeps them afterwards (to look at query plans on the 100,000-article
//! database); `NEWSDB_BENCH_SIZE` and `NEWSDB_BENCH_QUERY_SIZE` change the two article counts.
//! `NEWSDB_BENCH_PARTS=slowdown,real,queries` runs only the parts named (default: all three).
//! `NEWSDB_BENCH_QUERY_DB=PATH` keeps the query database there and reuses it when it already
//! holds the articles (the import takes minutes): a database made by an older binary is then
//! migrated by the one timed, as a user's would be.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{self, Command, Stdio};
use std::time::Instant;

use rayon::prelude::*;
use rusqlite::{Connection, params};
use serde::Serialize;

use newsdb::entities::{ArticleText, Corrections, Extractor, alias_key};

mod common;

use common::{
    SplitMix64, capitalize, median, newsdb_binary, remove_database, summary_json, write_jsonl,
};

const SLOWDOWN_SIZE: u64 = 20_000;
const QUERY_SIZE: u64 = 100_000;
const QUERY_RUNS: usize = 20;
const SLOWDOWN_TARGET: f64 = 30.0;
const SEED: u64 = 0x656e_7469_7469_6573; // "entities"

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        self_check();
        return;
    }
    let dir = env::var_os("NEWSDB_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(env::temp_dir)
        .join(format!("newsdb-entities-bench-{}", process::id()));
    fs::create_dir_all(&dir).unwrap_or_else(|e| fail(&format!("{}: {e}", dir.display())));
    let bin = newsdb_binary().unwrap_or_else(|e| fail(&e));
    let parts = env::var("NEWSDB_BENCH_PARTS").unwrap_or_else(|_| "slowdown,real,queries".into());
    let part = |name: &str| parts.split(',').any(|p| p.trim() == name);
    if part("slowdown") {
        slowdown(&bin, &dir, env_count("NEWSDB_BENCH_SIZE", SLOWDOWN_SIZE));
    }
    if part("real") {
        real_text_slowdown(&bin, &dir);
    }
    if part("queries") {
        queries(&bin, &dir, env_count("NEWSDB_BENCH_QUERY_SIZE", QUERY_SIZE));
    }
    if env::var_os("NEWSDB_BENCH_KEEP").is_some() {
        println!("\nkept {}", dir.display());
    } else {
        let _ = fs::remove_dir_all(&dir);
    }
}

fn fail(message: &str) -> ! {
    eprintln!("entities_import bench: {message}");
    process::exit(1);
}

fn env_count(name: &str, default: u64) -> u64 {
    common::env_count(name, default).unwrap_or_else(|e| fail(&e))
}

// ---------------------------------------------------------------------------------------------
// Deterministic news-like articles

const LEADERS: &[&str] = &[
    "President Emmanuel Macron",
    "Chancellor Olaf Scholz",
    "President Joe Biden",
    "President Xi Jinping",
    "Prime Minister Narendra Modi",
    "President Vladimir Putin",
    "Prime Minister Fumio Kishida",
    "President Cyril Ramaphosa",
    "President Luiz Inacio Lula da Silva",
    "Secretary-General Antonio Guterres",
];

const GIVEN: &[&str] = &[
    "Sarah", "David", "Maria", "James", "Fatima", "Daniel", "Elena", "Michael", "Grace", "Ahmed",
    "Laura", "Peter", "Nadia", "Thomas", "Rosa", "Samuel",
];

const SURNAMES: &[&str] = &[
    "Okafor",
    "Schmidt",
    "Tanaka",
    "Moreau",
    "Novak",
    "Haddad",
    "Mensah",
    "Costa",
    "Kowalski",
    "Fernandez",
    "Ivanova",
    "Nguyen",
    "Rossi",
    "Brennan",
    "Castillo",
    "Fischer",
];

const PLACES: &[&str] = &[
    "Berlin", "Lagos", "Seoul", "Brussels", "Nairobi", "Lima", "Jakarta", "Ottawa", "Madrid",
    "Hanoi", "Cairo", "Oslo", "Manila", "Warsaw", "Santiago", "Accra", "Dublin", "Mumbai",
    "Lisbon", "Vienna", "France", "Germany", "Brazil", "Japan", "Kenya", "Canada",
];

const ORGS: &[&str] = &[
    "the World Bank",
    "the United Nations",
    "the European Commission",
    "the International Monetary Fund",
    "NATO",
    "the Finance Ministry",
    "the Health Ministry",
    "the Supreme Court",
    "the European Central Bank",
    "the World Health Organization",
];

const COMPANIES: &[&str] = &[
    "Meridian Steel Corp.",
    "Northwind Energy Inc.",
    "Atlas Telecom Group",
    "Harbor Pharma Ltd.",
    "Granite Bank",
    "Summit Airlines",
];

const TOPICS: &[&str] = &[
    "housing",
    "energy",
    "trade",
    "healthcare",
    "climate",
    "tax",
    "pension",
    "rail",
    "broadband",
    "water",
];

const NOUNS: &[&str] = &[
    "plan",
    "budget",
    "agreement",
    "reform",
    "deal",
    "report",
    "package",
    "proposal",
    "bill",
];

const VERBS: &[&str] = &[
    "announced",
    "rejected",
    "approved",
    "criticised",
    "welcomed",
    "delayed",
    "defended",
    "unveiled",
];

const WHEN: &[&str] = &[
    "on Monday",
    "on Tuesday",
    "on Friday",
    "last week",
    "in a statement",
    "earlier this month",
];

/// One JSON Lines record, as `newsdb import` reads it.
#[derive(Serialize, Debug, PartialEq)]
struct Article {
    title: String,
    body: String,
    url: String,
    source: String,
    published: String,
    language: String,
}

fn reporter(rng: &mut SplitMix64) -> String {
    format!("{} {}", rng.pick(GIVEN), rng.pick(SURNAMES))
}

fn sentence(rng: &mut SplitMix64) -> String {
    match rng.range(0, 6) {
        0 => format!(
            "{} {} the {} {} {} in {}.",
            rng.pick(LEADERS),
            rng.pick(VERBS),
            rng.pick(TOPICS),
            rng.pick(NOUNS),
            rng.pick(WHEN),
            rng.pick(PLACES)
        ),
        1 => format!(
            "\"This {} will not survive the winter,\" said {}, an economist at {}.",
            rng.pick(NOUNS),
            reporter(rng),
            rng.pick(ORGS)
        ),
        2 => format!(
            "{} said the {} talks in {} had stalled over {} costs.",
            capitalize(rng.pick(ORGS)),
            rng.pick(TOPICS),
            rng.pick(PLACES),
            rng.pick(TOPICS)
        ),
        3 => format!(
            "Shares of {} fell {}.{} percent after the {} {}.",
            rng.pick(COMPANIES),
            rng.range(0, 9),
            rng.range(0, 9),
            rng.pick(NOUNS),
            rng.pick(VERBS)
        ),
        4 => format!(
            "Officials from {} and {} met {} to discuss the {} {}.",
            rng.pick(PLACES),
            rng.pick(PLACES),
            rng.pick(WHEN),
            rng.pick(TOPICS),
            rng.pick(NOUNS)
        ),
        5 => format!(
            "Mr. {} told reporters that {} would review the {} before the vote.",
            rng.pick(SURNAMES),
            rng.pick(ORGS),
            rng.pick(NOUNS)
        ),
        _ => format!(
            "Some critics said the {} {} did little for families in {}.",
            rng.pick(TOPICS),
            rng.pick(NOUNS),
            rng.pick(PLACES)
        ),
    }
}

/// Article `n`: depends only on `n`, so smaller files are prefixes of larger ones.
fn article(n: u64) -> Article {
    let mut rng = SplitMix64(SEED ^ n.wrapping_mul(0xd1b5_4a32_d192_ed03));
    let place = rng.pick(PLACES);
    let title = format!(
        "{place} {} {} {}",
        rng.pick(TOPICS),
        rng.pick(NOUNS),
        rng.pick(VERBS)
    );
    let mut body = format!("{place} received {} submissions on the plan. ", 100_000 + n);
    for p in 0..rng.range(4, 7) {
        if p > 0 {
            body.push_str("\n\n");
        }
        for s in 0..rng.range(2, 4) {
            if s > 0 {
                body.push(' ');
            }
            body.push_str(&sentence(&mut rng));
        }
    }
    let offset = rng.range(0, 366 * 86_400 - 1) as i64;
    let published = chrono::DateTime::from_timestamp(1_704_067_200 + offset, 0)
        .expect("2024 is a valid date")
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Article {
        title,
        body,
        url: format!("https://example.com/entities/{n}"),
        source: "Bench Wire".into(),
        published,
        language: "en".into(),
    }
}

fn generate_file(path: &Path, n: u64) {
    write_jsonl(path, n, article)
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", path.display())));
}

fn self_check() {
    assert_eq!(article(7), article(7));
    assert_ne!(article(7).body, article(8).body);
    let text = article(3).body;
    let mentions = Extractor::shared().extract(ArticleText::body(&text), &Corrections::default());
    assert!(mentions.len() >= 5, "{text}\n{mentions:?}");
    println!("entities_import bench self-check: ok (run `cargo bench --bench entities_import`)");
}

// ---------------------------------------------------------------------------------------------
// Running newsdb

/// Runs newsdb and returns (seconds, stdout), or the failure's stderr.
fn run(bin: &Path, db: &Path, args: &[&str]) -> Result<(f64, String), String> {
    run_allowing(bin, db, args, false).map(|run| (run.seconds, run.stdout))
}

/// One finished run: wall and CPU seconds (user + system; NaN without `/usr/bin/time`) and its
/// stdout.
struct Run {
    seconds: f64,
    cpu_seconds: f64,
    stdout: String,
}

/// Runs newsdb; exit status 1 (some input rejected, the rest stored) counts as success when
/// `rejects_ok`.
fn run_allowing(bin: &Path, db: &Path, args: &[&str], rejects_ok: bool) -> Result<Run, String> {
    // CPU time (user + system, all threads) from GNU time when it is there.
    let time_file = db.with_extension("time");
    let gnu_time = Path::new(common::GNU_TIME).exists();
    let mut command = if gnu_time {
        let mut command = Command::new(common::GNU_TIME);
        command
            .arg("-o")
            .arg(&time_file)
            .args(["-f", "%U %S"])
            .arg(bin);
        command
    } else {
        Command::new(bin)
    };
    let start = Instant::now();
    let output = command
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("NEWSDB_DB")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let seconds = start.elapsed().as_secs_f64();
    let cpu_seconds = if gnu_time {
        let text = fs::read_to_string(&time_file).unwrap_or_default();
        let _ = fs::remove_file(&time_file);
        // The last line: GNU time puts "Command exited with non-zero status 1" before it.
        text.lines()
            .last()
            .unwrap_or("")
            .split_whitespace()
            .filter_map(|t| t.parse::<f64>().ok())
            .sum()
    } else {
        f64::NAN
    };
    let accepted = output.status.success() || (rejects_ok && output.status.code() == Some(1));
    if accepted {
        Ok(Run {
            seconds,
            cpu_seconds,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        })
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// Imports `input` into a fresh `db` and checks that every article is new.
fn import(bin: &Path, db: &Path, input: &Path, extra: &[&str], n: u64) -> Result<f64, String> {
    import_counted(bin, db, input, extra, Some(n), false).map(|(run, _)| run.seconds)
}

/// Imports `input` into a fresh `db`; returns the run and how many articles were new (checked
/// to be `expected` when given).
fn import_counted(
    bin: &Path,
    db: &Path,
    input: &Path,
    extra: &[&str],
    expected: Option<u64>,
    rejects_ok: bool,
) -> Result<(Run, u64), String> {
    remove_database(db);
    let mut args = vec!["import", input.to_str().expect("UTF-8 temp path"), "--json"];
    args.extend_from_slice(extra);
    let run = run_allowing(bin, db, &args, rejects_ok)?;
    let summary = summary_json(&run.stdout).map_err(|e| format!("import summary: {e}"))?;
    let new = summary["new_articles"]
        .as_u64()
        .unwrap_or_else(|| fail(&format!("no new_articles in {summary}")));
    if expected.is_some_and(|n| n != new) {
        fail(&format!("expected {expected:?} new articles: {summary}"));
    }
    Ok((run, new))
}

// ---------------------------------------------------------------------------------------------
// 1. Import slowdown

fn slowdown(bin: &Path, dir: &Path, n: u64) {
    let input = dir.join(format!("entities-{n}.jsonl"));
    generate_file(&input, n);
    let db = dir.join("slowdown.sqlite");
    println!("\nimport of {n} generated articles:");
    compare(bin, &db, &input, Some(n));
}

/// The same on real article text: saved news pages.
fn real_text_slowdown(bin: &Path, dir: &Path) {
    let input = env::var_os("NEWSDB_BENCH_REAL")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/html"));
    if !input.is_dir() {
        println!(
            "\nreal article text: {} is absent (set NEWSDB_BENCH_REAL=DIR): skipped",
            input.display()
        );
        return;
    }
    println!("\nimport of the real article pages in {}:", input.display());
    let db = dir.join("real.sqlite");
    compare(bin, &db, &input, None);
}

/// Imports `input` with `--no-entities` and with extraction, `NEWSDB_BENCH_RUNS` times each
/// (alternating), and prints the medians and the slowdown in wall and in CPU time.
fn compare(bin: &Path, db: &Path, input: &Path, expected: Option<u64>) {
    let runs = env_count("NEWSDB_BENCH_RUNS", 3) as usize;
    let rejects_ok = expected.is_none();
    let mut with = Vec::new();
    let mut without = Vec::new();
    let mut articles = expected;
    for _ in 0..runs {
        match import_counted(bin, db, input, &["--no-entities"], articles, rejects_ok) {
            Ok((run, new)) => {
                articles = Some(new);
                without.push(run);
            }
            Err(stderr) if stderr.contains("--no-entities") => {
                println!(
                    "  `import --no-entities` is not in this binary (extraction at import not \
                     merged yet); slowdown not measured"
                );
                without.clear();
                break;
            }
            Err(stderr) => fail(&stderr),
        }
        let (run, new) =
            import_counted(bin, db, input, &[], articles, rejects_ok).unwrap_or_else(|e| fail(&e));
        articles = Some(new);
        with.push(run);
    }
    while with.len() < runs {
        let (run, _) =
            import_counted(bin, db, input, &[], articles, rejects_ok).unwrap_or_else(|e| fail(&e));
        with.push(run);
    }
    let n = articles.unwrap_or(0);
    let mentions = count(db, "SELECT count(*) FROM mentions");
    let medians = |runs: &[Run]| {
        let mut wall: Vec<f64> = runs.iter().map(|r| r.seconds).collect();
        let mut cpu: Vec<f64> = runs.iter().map(|r| r.cpu_seconds).collect();
        (median(&mut wall), median(&mut cpu))
    };
    println!("  median of {runs} runs, {n} articles:");
    let (with, with_cpu) = medians(&with);
    println!(
        "  with extraction   {with:8.2} s  {:9.0} articles/s  CPU {with_cpu:6.2} s  \
         ({mentions} mentions stored)",
        n as f64 / with
    );
    if without.is_empty() {
        return;
    }
    let (without, without_cpu) = medians(&without);
    println!(
        "  --no-entities     {without:8.2} s  {:9.0} articles/s  CPU {without_cpu:6.2} s",
        n as f64 / without
    );
    for (label, ratio) in [("wall", with / without), ("CPU", with_cpu / without_cpu)] {
        let percent = (ratio - 1.0) * 100.0;
        let verdict = if percent <= SLOWDOWN_TARGET {
            "MET"
        } else {
            "MISSED"
        };
        println!(
            "  slowdown ({label:<4})   {percent:8.1} %  = {ratio:.2}x  \
             (target: at most {SLOWDOWN_TARGET}%: {verdict})"
        );
    }
    if mentions == 0 {
        println!("  note: no mentions were stored, so this binary does not extract at import");
    }
}

fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db)
        .and_then(|conn| conn.query_row(sql, [], |row| row.get(0)))
        .unwrap_or_else(|e| fail(&format!("{sql}: {e}")))
}

// ---------------------------------------------------------------------------------------------
// 2. Query latency

fn queries(bin: &Path, dir: &Path, n: u64) {
    let db = env::var_os("NEWSDB_BENCH_QUERY_DB")
        .filter(|path| !path.is_empty())
        .map_or_else(|| dir.join("queries.sqlite"), PathBuf::from);
    println!("\nqueries at {n} articles (p50 and slowest of {QUERY_RUNS} runs):");
    let kept = db.exists() && count(&db, "SELECT count(*) FROM articles") == n as i64;
    if kept {
        // The timed binary opens it first, so a pending migration is applied (and timed) here.
        let (seconds, _) = run(bin, &db, &["migrate"]).unwrap_or_else(|e| fail(&e));
        println!("  reusing {} (migrate: {seconds:.2} s)", db.display());
    } else {
        let input = dir.join(format!("entities-{n}.jsonl"));
        generate_file(&input, n);
        let seconds = import(bin, &db, &input, &[], n).unwrap_or_else(|e| fail(&e));
        println!("  import            {seconds:8.2} s");
    }
    if count(&db, "SELECT count(*) FROM mentions") == 0 {
        println!("  the import stored no mentions: filling them with the library extractor");
        let seconds = fill_mentions(&db);
        println!("  extract + store   {seconds:8.2} s");
    }
    println!(
        "  {} entities, {} mentions",
        count(&db, "SELECT count(*) FROM entities"),
        count(&db, "SELECT count(*) FROM mentions")
    );
    let (_, top) =
        run(bin, &db, &["entities", "--top", "1", "--format", "json"]).unwrap_or_else(|e| fail(&e));
    let top: serde_json::Value =
        serde_json::from_str(&top).unwrap_or_else(|e| fail(&e.to_string()));
    let name = top[0]["name"]
        .as_str()
        .unwrap_or_else(|| fail("no entity listed"))
        .to_string();
    println!(
        "  most mentioned: {name} ({} articles, {} mentions)",
        top[0]["articles"], top[0]["mentions"]
    );
    // The articles span 2024: from July on is about half of them.
    let mid = "2024-07-01";
    for (label, args) in [
        ("entities --top 50", vec!["entities", "--top", "50"]),
        (
            "entities --since (half)",
            vec!["entities", "--top", "50", "--since", mid],
        ),
        ("entity NAME", vec!["entity", name.as_str()]),
        (
            "articles --entity NAME",
            vec!["articles", "--entity", name.as_str()],
        ),
    ] {
        time_query(bin, &db, label, &args);
    }
}

fn time_query(bin: &Path, db: &Path, label: &str, args: &[&str]) {
    let mut times = Vec::with_capacity(QUERY_RUNS);
    for _ in 0..QUERY_RUNS {
        match run(bin, db, args) {
            Ok((seconds, _)) => times.push(seconds),
            Err(stderr) => {
                let first = stderr.lines().next().unwrap_or("").trim();
                println!("  {label:<24} not run: {first}");
                return;
            }
        }
    }
    let slowest = times.iter().copied().fold(0.0, f64::max);
    let p50 = median(&mut times);
    println!(
        "  {label:<24} p50 {:7.1} ms   max {:7.1} ms",
        p50 * 1e3,
        slowest * 1e3
    );
}

/// Stores what the extractor finds in every article, as import does: one entity per
/// (kind, key), every surface as an alias, every mention. Returns the seconds taken.
fn fill_mentions(db: &Path) -> f64 {
    let start = Instant::now();
    let mut conn = Connection::open(db).unwrap_or_else(|e| fail(&e.to_string()));
    let articles: Vec<(i64, Option<String>, String)> = {
        let mut statement = conn
            .prepare("SELECT id, title, body FROM articles ORDER BY id")
            .unwrap_or_else(|e| fail(&e.to_string()));
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .and_then(|rows| rows.collect())
            .unwrap_or_else(|e| fail(&e.to_string()))
    };
    let extracted: Vec<_> = articles
        .par_iter()
        .map(|(id, title, body)| {
            let mentions = Extractor::shared().extract(
                ArticleText {
                    title: title.as_deref(),
                    ..ArticleText::body(body)
                },
                &Corrections::default(),
            );
            (*id, mentions)
        })
        .collect();
    let mut fill = || -> rusqlite::Result<()> {
        let tx = conn.transaction()?;
        {
            let mut entity = tx.prepare(
                "INSERT INTO entities (kind, name, key) VALUES (?1, ?2, ?3)
                 ON CONFLICT (kind, key) DO UPDATE SET name = name RETURNING id",
            )?;
            let mut alias = tx.prepare(
                "INSERT OR IGNORE INTO entity_aliases (entity_id, alias, key) VALUES (?1, ?2, ?3)",
            )?;
            let mut mention = tx.prepare(
                "INSERT OR IGNORE INTO mentions
                     (article_id, entity_id, field, start, \"end\", sentence, method, confidence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for (article_id, mentions) in &extracted {
                for m in mentions {
                    let entity_id: i64 = entity
                        .query_row(params![m.kind.name(), m.name, m.key], |row| row.get(0))?;
                    alias.execute(params![entity_id, m.surface, alias_key(&m.surface)])?;
                    mention.execute(params![
                        article_id,
                        entity_id,
                        m.field.name(),
                        m.start as i64,
                        m.end as i64,
                        m.sentence,
                        m.method.name(),
                        f64::from(m.confidence)
                    ])?;
                }
            }
        }
        tx.commit()
    };
    fill().unwrap_or_else(|e| fail(&format!("filling mentions: {e}")));
    start.elapsed().as_secs_f64()
}
