//! SQLite and PostgreSQL side by side (issue 17, item 6): the same generated articles in both,
//! then search latency on each.
//!
//! ```text
//! createdb newsdb_bench
//! NEWSDB_BENCH_POSTGRES=postgres://localhost/newsdb_bench cargo bench --bench backends
//! cargo test --bench backends            # self-checks only
//! ```
//!
//! The bench builds the release binary and writes the deterministic articles of `benches/common`
//! as JSON Lines, whole and in four quarters. Then, on each backend, with the default import
//! options (entities and stories on): the whole file imported by one process, and the four
//! quarters imported by four processes at once (articles/s of wall time). It then copies the
//! SQLite store into PostgreSQL (`copy --to`, rows/s), and times `newsdb search` as a process on
//! both, p50 and p95: a selective term, a very common one and a phrase.
//!
//! The PostgreSQL database `NEWSDB_BENCH_POSTGRES` names is emptied before each step (its
//! `public` schema dropped and made again: use a database of its own, which you own).
//!
//! Knobs: `NEWSDB_BENCH_ARTICLES=20000`, `NEWSDB_BENCH_RUNS=20`, `NEWSDB_BENCH_BIN=PATH`, and
//! `NEWSDB_BENCH_SEARCH_ONLY=1` to skip the imports into PostgreSQL and the four-process ones
//! (the store reaches PostgreSQL by `copy --to`): search at a million articles in well under an
//! hour instead of several. `NEWSDB_BENCH_KEEP=PATH` keeps the SQLite store at PATH (and the
//! PostgreSQL database as it is): a later run that finds both holding the same number of
//! articles times the searches again without building anything.

mod common;

use std::env;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{self, Command, Stdio};
use std::time::Instant;

use common::{
    env_count, generate_file, import_args, load_average, newsdb_binary, percentile,
    remove_database, run_timed, time_process,
};

const DEFAULT_ARTICLES: u64 = 20_000;
const DEFAULT_RUNS: u64 = 20;

/// The searches timed: a selective term, a common one, a phrase.
const SEARCHES: [&str; 3] = ["okafor", "ceasefire", "\"public transport\""];

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        self_check();
        return;
    }
    if let Err(error) = bench() {
        eprintln!("backends bench: {error}");
        process::exit(1);
    }
}

fn self_check() {
    assert_eq!(percentile(&[3.0, 1.0, 2.0], 50.0), 2.0);
    assert!(newsdb::backend::is_postgres_url("postgres://localhost/x"));
    println!("backends bench: self-checks passed (run `cargo bench --bench backends`)");
}

fn bench() -> Result<(), String> {
    let url = env::var("NEWSDB_BENCH_POSTGRES").map_err(|_| {
        "set NEWSDB_BENCH_POSTGRES=postgres://USER@HOST/DB, an empty database (createdb)".to_owned()
    })?;
    let articles = env_count("NEWSDB_BENCH_ARTICLES", DEFAULT_ARTICLES)?;
    let runs = usize::try_from(env_count("NEWSDB_BENCH_RUNS", DEFAULT_RUNS)?).unwrap_or(20);
    let search_only = env::var_os("NEWSDB_BENCH_SEARCH_ONLY").is_some();
    let newsdb = newsdb_binary()?;
    let folder = tempfile::tempdir().map_err(|e| e.to_string())?;
    let kept = env::var_os("NEWSDB_BENCH_KEEP").map(PathBuf::from);
    let db = kept
        .clone()
        .unwrap_or_else(|| folder.path().join("bench.sqlite"));
    if kept.is_some() && db.exists() && postgres_count(&url)? == articles {
        println!(
            "the stores of {articles} articles kept from an earlier run ({} and {url}); load \
             before: {}",
            db.display(),
            load_average().unwrap_or_default()
        );
        println!();
        println!("| step | SQLite | PostgreSQL |");
        println!("| --- | ---: | ---: |");
    } else {
        build_stores(&newsdb, folder.path(), &db, &url, articles, search_only)?;
    }
    for search in SEARCHES {
        let args: Vec<String> = ["search", search, "--format", "csv"]
            .map(String::from)
            .to_vec();
        let mut sqlite_times = Vec::new();
        let mut postgres_times = Vec::new();
        // Interleaved, so that load changes hit both alike.
        for _ in 0..runs {
            sqlite_times.extend(time_process(&newsdb, &db, &args, 1)?);
            postgres_times.extend(time_process(&newsdb, Path::new(&url), &args, 1)?);
        }
        println!(
            "| search `{search}`, p50 / p95 | {:.1} / {:.1} ms | {:.1} / {:.1} ms |",
            percentile(&sqlite_times, 50.0),
            percentile(&sqlite_times, 95.0),
            percentile(&postgres_times, 50.0),
            percentile(&postgres_times, 95.0)
        );
    }
    println!();
    println!("load after: {}", load_average().unwrap_or_default());
    Ok(())
}

/// Generates the articles and builds both stores (printing the import and copy rows of the
/// table): with `search_only`, SQLite by one import and PostgreSQL by `copy --to`; else also
/// the imports into PostgreSQL and the four-process imports into both.
fn build_stores(
    newsdb: &Path,
    folder: &Path,
    db: &Path,
    url: &str,
    articles: u64,
    search_only: bool,
) -> Result<(), String> {
    let input = folder.join("articles.jsonl");
    let time_file = folder.join("time.txt");
    generate_file(&input, articles).map_err(|e| e.to_string())?;
    println!(
        "{articles} generated articles; load before: {}",
        load_average().unwrap_or_default()
    );
    let quarters: Vec<PathBuf> = (0..4)
        .map(|part| folder.join(format!("quarter-{part}.jsonl")))
        .collect();
    // (SQLite at once, PostgreSQL at once, PostgreSQL alone), or None when searches only.
    let imports = if search_only {
        None
    } else {
        split_lines(&input, &quarters)?;
        remove_database(db);
        let sqlite_four = import_at_once(newsdb, db, &quarters)?;
        remove_database(db);
        empty_postgres(url)?;
        let postgres_four = import_at_once(newsdb, Path::new(url), &quarters)?;
        check_count(url, articles)?;
        empty_postgres(url)?;
        let postgres_one = import_one(newsdb, Path::new(url), &input, &time_file)?;
        check_count(url, articles)?;
        Some((sqlite_four, postgres_four, postgres_one))
    };
    remove_database(db);
    let sqlite_one = import_one(newsdb, db, &input, &time_file)?;
    empty_postgres(url)?;
    let copy = run_timed(newsdb, &time_file, |command| {
        command.arg("--db").arg(db).args(["copy", "--to", url]);
    })?;
    if !copy.output.status.success() {
        return Err(format!(
            "copy failed: {}",
            String::from_utf8_lossy(&copy.output.stderr)
        ));
    }
    let rate = |seconds: f64| format!("{:.0} articles/s", articles as f64 / seconds);
    println!();
    println!("| step | SQLite | PostgreSQL |");
    println!("| --- | ---: | ---: |");
    match imports {
        Some((sqlite_four, postgres_four, postgres_one)) => {
            println!(
                "| import, 1 process | {} | {} |",
                rate(sqlite_one),
                rate(postgres_one)
            );
            println!(
                "| import, 4 processes at once (a quarter each) | {} | {} |",
                rate(sqlite_four),
                rate(postgres_four)
            );
        }
        None => println!("| import, 1 process | {} | (not run) |", rate(sqlite_one)),
    }
    println!(
        "| `copy --to` (SQLite -> PostgreSQL, whole store) | | {} |",
        rate(copy.seconds)
    );
    Ok(())
}

/// How many articles the bench database holds (0 when it has no newsdb schema yet).
fn postgres_count(url: &str) -> Result<u64, String> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).map_err(|e| e.to_string())?;
    let exists: bool = client
        .query_one("SELECT to_regclass('public.articles') IS NOT NULL", &[])
        .map_err(|e| e.to_string())?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let stored: i64 = client
        .query_one("SELECT count(*) FROM articles", &[])
        .map_err(|e| e.to_string())?
        .get(0);
    Ok(stored.unsigned_abs())
}

/// Deals the lines of `input` out to `parts` in turn.
fn split_lines(input: &Path, parts: &[PathBuf]) -> Result<(), String> {
    let mut writers = parts
        .iter()
        .map(|path| File::create(path).map(BufWriter::new))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let reader = BufReader::new(File::open(input).map_err(|e| e.to_string())?);
    let count = writers.len();
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| e.to_string())?;
        writeln!(writers[n % count], "{line}").map_err(|e| e.to_string())?;
    }
    for writer in &mut writers {
        writer.flush().map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Imports `input` into `db` with one process; returns its wall seconds.
fn import_one(newsdb: &Path, db: &Path, input: &Path, time_file: &Path) -> Result<f64, String> {
    let import = run_timed(newsdb, time_file, |command| {
        command.args(import_args(db, input));
    })?;
    if !import.output.status.success() {
        return Err(format!(
            "import failed: {}",
            String::from_utf8_lossy(&import.output.stderr)
        ));
    }
    Ok(import.seconds)
}

/// Imports each of `inputs` into `db` with a process of its own, all started at once; returns
/// the wall seconds until the last one ends.
fn import_at_once(newsdb: &Path, db: &Path, inputs: &[PathBuf]) -> Result<f64, String> {
    let started = Instant::now();
    let children = inputs
        .iter()
        .map(|input| {
            Command::new(newsdb)
                .args(import_args(db, input))
                .env_remove("NEWSDB_DB")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot run {}: {e}", newsdb.display()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    for child in children {
        let output = child.wait_with_output().map_err(|e| e.to_string())?;
        if !output.status.success() {
            return Err(format!(
                "an import of four failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    Ok(started.elapsed().as_secs_f64())
}

/// Drops everything in the bench database (its `public` schema), so a step starts empty.
fn empty_postgres(url: &str) -> Result<(), String> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).map_err(|e| e.to_string())?;
    client
        .batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        .map_err(|e| format!("emptying {url}: {e}"))
}

/// The import stored every article.
fn check_count(url: &str, expected: u64) -> Result<(), String> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).map_err(|e| e.to_string())?;
    let stored: i64 = client
        .query_one("SELECT count(*) FROM articles", &[])
        .map_err(|e| e.to_string())?
        .get(0);
    if stored as u64 == expected {
        Ok(())
    } else {
        Err(format!(
            "PostgreSQL holds {stored} articles, not {expected}"
        ))
    }
}
