//! SQLite and PostgreSQL side by side (issue 17, item 6): the same generated articles in both,
//! then search latency on each.
//!
//! ```text
//! createdb newsdb_bench
//! NEWSDB_BENCH_POSTGRES=postgres://localhost/newsdb_bench cargo bench --bench backends
//! cargo test --bench backends            # self-checks only
//! ```
//!
//! The bench builds the release binary, writes the deterministic articles of `benches/common` as
//! JSON Lines, imports them into a SQLite file (articles/s, CPU), copies the store into the
//! PostgreSQL database `NEWSDB_BENCH_POSTGRES` names (which must be empty; rows/s), and times
//! `newsdb search` as a process on both, p50 and p95: a selective term, a very common one and a
//! phrase. `import` itself does not run on PostgreSQL yet, so the PostgreSQL side is filled by
//! `newsdb copy`; the bench says so in its table.
//!
//! Knobs: `NEWSDB_BENCH_ARTICLES=20000`, `NEWSDB_BENCH_RUNS=20`, `NEWSDB_BENCH_BIN=PATH`.

mod common;

use std::env;
use std::path::Path;
use std::process;

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
    let newsdb = newsdb_binary()?;
    let folder = tempfile::tempdir().map_err(|e| e.to_string())?;
    let input = folder.path().join("articles.jsonl");
    let db = folder.path().join("bench.sqlite");
    let time_file = folder.path().join("time.txt");
    generate_file(&input, articles).map_err(|e| e.to_string())?;
    println!(
        "{articles} generated articles; load before: {}",
        load_average().unwrap_or_default()
    );

    remove_database(&db);
    let import = run_timed(&newsdb, &time_file, |command| {
        command.args(import_args(&db, &input));
    })?;
    if !import.output.status.success() {
        return Err(format!(
            "import failed: {}",
            String::from_utf8_lossy(&import.output.stderr)
        ));
    }
    let copy = run_timed(&newsdb, &time_file, |command| {
        command.arg("--db").arg(&db).args(["copy", "--to", &url]);
    })?;
    if !copy.output.status.success() {
        return Err(format!(
            "copy failed: {}",
            String::from_utf8_lossy(&copy.output.stderr)
        ));
    }
    println!();
    println!("| step | SQLite | PostgreSQL |");
    println!("| --- | ---: | ---: |");
    println!(
        "| import, 1 process | {:.0} articles/s | not ported yet |",
        articles as f64 / import.seconds
    );
    println!(
        "| `copy --to` (SQLite -> PostgreSQL, whole store) | | {:.0} articles/s |",
        articles as f64 / copy.seconds
    );
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
