//! Import throughput and memory: `newsdb import` of generated JSON Lines, fresh and repeated,
//! next to `sqlite-utils insert` + `enable-fts` on the same file.
//!
//! ```text
//! cargo bench --bench import                  # 20,000 articles
//! cargo bench --bench import -- --large       # 20,000 and 200,000 (or NEWSDB_BENCH_LARGE=1)
//! cargo test --bench import                   # self-checks of the generator and parser only
//! ```
//!
//! One command does everything: the bench first runs `cargo build --release --bin newsdb` and
//! then times `target/release/newsdb` (the bench profile builds the bench itself, not the binary
//! it runs). The 200,000-article run writes about 500 MB of input, several databases of a few
//! GB each, and takes minutes, so it is opt-in.
//!
//! For each size N the bench writes N deterministic articles (a fixed-seed splitmix64 over word
//! lists: 4-8 paragraphs, about 2.5 KB each, 20 outlets, 1-3 authors, dates across 2024) and
//! then, three times, one after the other (so a machine that changes speed part-way weighs on
//! every command alike):
//!
//! 1. imports them into a fresh database under `/usr/bin/time -f '%e %M'` and checks the `--json`
//!    summary says N new articles (the default import, with entity extraction);
//! 2. imports the same file again into that database and checks it says N duplicates;
//! 3. imports them with `--no-entities` into a fresh database (the pipeline the sqlite-utils
//!    target was set for: text, JSON, normalisation, raw copy, full-text index);
//! 4. imports them with `--no-stories` into a fresh database: the cost of grouping near copies
//!    into stories (issue 13: at most 10% more time, at most 10% more file) is the default
//!    import against this one;
//! 5. if `sqlite-utils` is on PATH, runs `sqlite-utils insert DB articles FILE --nl` and
//!    `sqlite-utils enable-fts DB articles title body --create-triggers` on a fresh file.
//!
//! It prints the median seconds, articles per second and the highest peak RSS of the three runs,
//! then the targets (fresh import at least as fast as sqlite-utils, with and without extraction;
//! re-import at least 30,000 articles/s; peak RSS under 100 MB and flat from 20k to 200k) as MET
//! or MISSED. Timings are information, never a failure: only a wrong count or a failed command
//! stops the bench.
//!
//! Knobs (environment):
//!
//! - `NEWSDB_BENCH_LARGE=1` (or the `--large` argument): also run 200,000 articles.
//! - `NEWSDB_BENCH_SIZES=5000,50000`: run these sizes instead.
//! - `NEWSDB_BENCH_RUNS=3`: repetitions per measurement.
//! - `NEWSDB_BENCH_BIN=PATH`: time this binary and skip the release build.
//! - `NEWSDB_BENCH_DIR=DIR`: where the input files and databases go (default: the temp dir).
//! - `NEWSDB_BENCH_GENERATE_ONLY=DIR`: write `articles-N.jsonl` for each size into DIR and exit.

use std::collections::HashSet;
use std::env;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{self, Command};
use std::time::Instant;

mod common;

use common::{
    GNU_TIME, SOURCES, SplitMix64, Summary, article, env_count, env_path, generate_file,
    import_args, load_average, median, newsdb_binary, parse_summary, parse_time_output,
    remove_database, run_timed, stderr_tail,
};

const DEFAULT_SIZE: u64 = 20_000;
const LARGE_SIZE: u64 = 200_000;
const DEFAULT_RUNS: usize = 3;
const REIMPORT_TARGET: f64 = 30_000.0;
const RSS_TARGET_MB: f64 = 100.0;

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    let sizes = sizes(&args);
    if let Some(dir) = env::var_os("NEWSDB_BENCH_GENERATE_ONLY") {
        let dir = PathBuf::from(dir);
        for &n in &sizes {
            let path = dir.join(format!("articles-{n}.jsonl"));
            match generate_file(&path, n) {
                Ok(bytes) => println!("wrote {} ({n} articles, {})", path.display(), mb(bytes)),
                Err(e) => fail(&format!("cannot write {}: {e}", path.display())),
            }
        }
        return;
    }
    // `cargo bench` passes --bench; `cargo test --bench import` does not, and gets the quick
    // self-checks instead of minutes of timing.
    if !args.iter().any(|a| a == "--bench") {
        self_check();
        return;
    }
    run_bench(&sizes);
}

fn fail(message: &str) -> ! {
    eprintln!("import bench: {message}");
    process::exit(1);
}

fn sizes(args: &[String]) -> Vec<u64> {
    if let Ok(list) = env::var("NEWSDB_BENCH_SIZES") {
        let sizes: Result<Vec<u64>, _> = list.split(',').map(|s| s.trim().parse()).collect();
        match sizes {
            Ok(sizes) if !sizes.is_empty() && !sizes.contains(&0) => return sizes,
            _ => fail(&format!(
                "NEWSDB_BENCH_SIZES={list:?} is not a list of counts"
            )),
        }
    }
    let large = args.iter().any(|a| a == "--large")
        || env::var("NEWSDB_BENCH_LARGE").is_ok_and(|v| !v.is_empty() && v != "0");
    if large {
        vec![DEFAULT_SIZE, LARGE_SIZE]
    } else {
        vec![DEFAULT_SIZE]
    }
}

// ---------------------------------------------------------------------------------------------
// Running and measuring

/// One timed command: wall seconds and peak resident memory.
#[derive(Clone, Copy, Debug)]
struct Sample {
    seconds: f64,
    /// Peak RSS in MB, from GNU time's `%M`; `None` without `/usr/bin/time`.
    rss_mb: Option<f64>,
}

struct Output {
    sample: Sample,
    stdout: String,
}

/// Runs `program args` under `/usr/bin/time` (see `common::run_timed`). A non-zero exit stops
/// the bench with the command's stderr.
fn measure(program: &Path, args: &[&OsStr], scratch: &Path) -> Result<Output, String> {
    let timed = run_timed(program, &scratch.join("time.out"), |c| {
        c.args(args);
    })?;
    let shown = format!(
        "{} {}",
        program.display(),
        args.iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    );
    if !timed.output.status.success() {
        return Err(format!(
            "`{shown}` failed ({}):\n{}",
            timed.output.status,
            stderr_tail(&timed.output.stderr)
        ));
    }
    Ok(Output {
        sample: Sample {
            seconds: timed.seconds,
            rss_mb: timed.rss_mb,
        },
        stdout: String::from_utf8_lossy(&timed.output.stdout).into_owned(),
    })
}

/// Median time and highest peak RSS over the runs of one measurement.
#[derive(Clone, Copy, Debug)]
struct Summarized {
    seconds: f64,
    rss_mb: Option<f64>,
}

fn summarize(samples: &[Sample]) -> Summarized {
    let mut seconds: Vec<f64> = samples.iter().map(|s| s.seconds).collect();
    let rss = samples
        .iter()
        .filter_map(|s| s.rss_mb)
        .fold(None, |max: Option<f64>, r| {
            Some(max.map_or(r, |m| m.max(r)))
        });
    Summarized {
        seconds: median(&mut seconds),
        rss_mb: rss,
    }
}

struct SizeResult {
    n: u64,
    input_bytes: u64,
    /// The default import, with entity extraction.
    fresh: Summarized,
    /// `--no-entities`: the pipeline of text, JSON and full-text search alone.
    fresh_plain: Summarized,
    /// `--no-stories`: the default import without grouping near copies.
    fresh_no_stories: Summarized,
    /// Database bytes (file and WAL) after the default import and after `--no-stories`.
    bytes_with_stories: u64,
    bytes_without_stories: u64,
    reimport: Summarized,
    sqlite_utils: Option<Summarized>,
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    env::split_paths(&env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

fn runs() -> usize {
    env_count("NEWSDB_BENCH_RUNS", DEFAULT_RUNS as u64).unwrap_or_else(|e| fail(&e)) as usize
}

fn check_count(
    what: &str,
    key: &str,
    got: Option<u64>,
    want: u64,
    summary: &Summary,
) -> Result<(), String> {
    ensure(got == Some(want), || {
        format!("{what}: expected {key} = {want}, the summary says {got:?} ({summary:?})")
    })
}

/// One fresh import of a size's input into an empty database, checked and printed.
struct FreshRun<'a> {
    newsdb: &'a Path,
    dir: &'a Path,
    db: &'a Path,
    input: &'a Path,
    n: u64,
    run: usize,
}

impl FreshRun<'_> {
    /// Imports with `flag` (None: the defaults) and returns the sample.
    fn measure(&self, flag: Option<&str>) -> Result<Sample, String> {
        let mut args = import_args(self.db, self.input);
        args.extend(flag.map(OsStr::new));
        let out = measure(self.newsdb, &args, self.dir)?;
        let summary = parse_summary(&out.stdout)?;
        let what = match flag {
            Some(flag) => format!("fresh import {flag}"),
            None => "fresh import".to_owned(),
        };
        check_count(
            &what,
            "new_articles",
            summary.new_articles,
            self.n,
            &summary,
        )?;
        let label = match flag {
            Some(flag) => format!("newsdb {flag}"),
            None => "newsdb fresh import".to_owned(),
        };
        println!(
            "  {label:<20} run {}: {}",
            self.run,
            describe(out.sample, self.n)
        );
        Ok(out.sample)
    }
}

fn bench_size(
    newsdb: &Path,
    sqlite_utils: Option<&Path>,
    dir: &Path,
    n: u64,
    runs: usize,
) -> Result<SizeResult, String> {
    let input = dir.join(format!("articles-{n}.jsonl"));
    let started = Instant::now();
    let input_bytes =
        generate_file(&input, n).map_err(|e| format!("cannot write {}: {e}", input.display()))?;
    println!(
        "\n{} articles: generated {} in {:.1} s",
        thousands(n),
        mb(input_bytes),
        started.elapsed().as_secs_f64()
    );

    // Each run measures every command once, in turn, so a machine that speeds up or slows down
    // part-way weighs on all of them alike.
    let mut fresh = Vec::new();
    let mut fresh_plain = Vec::new();
    let mut fresh_no_stories = Vec::new();
    let (mut bytes_with_stories, mut bytes_without_stories) = (0, 0);
    let mut reimport = Vec::new();
    let mut sqlite_utils_samples = Vec::new();
    for run in 1..=runs {
        let db = dir.join(format!("newsdb-{n}-{run}.sqlite"));
        remove_database(&db);
        let fresh_run = FreshRun {
            newsdb,
            dir,
            db: &db,
            input: &input,
            n,
            run,
        };
        fresh.push(fresh_run.measure(None)?);
        bytes_with_stories = database_bytes(&db);

        let out = measure(newsdb, &import_args(&db, &input), dir)?;
        let summary = parse_summary(&out.stdout)?;
        check_count("re-import", "duplicates", summary.duplicates, n, &summary)?;
        println!(
            "  newsdb re-import     run {run}: {}",
            describe(out.sample, n)
        );
        reimport.push(out.sample);
        remove_database(&db);

        fresh_plain.push(fresh_run.measure(Some("--no-entities"))?);
        remove_database(&db);

        fresh_no_stories.push(fresh_run.measure(Some("--no-stories"))?);
        bytes_without_stories = database_bytes(&db);
        remove_database(&db);

        if let Some(program) = sqlite_utils {
            let sample = run_sqlite_utils(program, dir, &input, n, run)?;
            println!("  sqlite-utils         run {run}: {}", describe(sample, n));
            sqlite_utils_samples.push(sample);
        }
    }
    let compared = sqlite_utils.map(|_| summarize(&sqlite_utils_samples));
    let _ = fs::remove_file(&input);

    Ok(SizeResult {
        n,
        input_bytes,
        fresh: summarize(&fresh),
        fresh_plain: summarize(&fresh_plain),
        fresh_no_stories: summarize(&fresh_no_stories),
        bytes_with_stories,
        bytes_without_stories,
        reimport: summarize(&reimport),
        sqlite_utils: compared,
    })
}

/// `sqlite-utils insert --nl` then `enable-fts --create-triggers` into a fresh file: one sample
/// of the two together.
fn run_sqlite_utils(
    program: &Path,
    dir: &Path,
    input: &Path,
    n: u64,
    run: usize,
) -> Result<Sample, String> {
    let db = dir.join(format!("sqlite-utils-{n}-{run}.sqlite"));
    remove_database(&db);
    let insert = measure(
        program,
        &[
            OsStr::new("insert"),
            db.as_os_str(),
            OsStr::new("articles"),
            input.as_os_str(),
            OsStr::new("--nl"),
        ],
        dir,
    )?;
    let fts = measure(
        program,
        &[
            OsStr::new("enable-fts"),
            db.as_os_str(),
            OsStr::new("articles"),
            OsStr::new("title"),
            OsStr::new("body"),
            OsStr::new("--create-triggers"),
        ],
        dir,
    )?;
    check_sqlite_utils_rows(&db, n)?;
    remove_database(&db);
    Ok(Sample {
        seconds: insert.sample.seconds + fts.sample.seconds,
        rss_mb: match (insert.sample.rss_mb, fts.sample.rss_mb) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        },
    })
}

/// sqlite-utils must have stored every line and indexed it, or its time means nothing.
fn check_sqlite_utils_rows(db: &Path, n: u64) -> Result<(), String> {
    let count = rusqlite::Connection::open(db).and_then(|c| {
        c.query_row(
            // count(*) on an external-content FTS table reads the content table; the docsize
            // shadow table holds one row per document actually indexed.
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM articles_fts_docsize)",
            [],
            |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)),
        )
    });
    match count {
        Ok((rows, fts)) if rows as u64 == n && fts as u64 == n => Ok(()),
        other => Err(format!(
            "sqlite-utils stored {other:?} (articles, indexed) rows, expected {n}"
        )),
    }
}

fn run_bench(sizes: &[u64]) {
    let runs = runs();
    let newsdb = newsdb_binary().unwrap_or_else(|e| fail(&e));
    if !newsdb.is_file() {
        fail(&format!("{} does not exist", newsdb.display()));
    }
    let sqlite_utils = find_on_path("sqlite-utils");
    let dir = match env_path("NEWSDB_BENCH_DIR") {
        Some(parent) => tempfile::Builder::new()
            .prefix("newsdb-bench-")
            .tempdir_in(parent),
        None => tempfile::Builder::new().prefix("newsdb-bench-").tempdir(),
    }
    .unwrap_or_else(|e| fail(&format!("cannot create a temp dir: {e}")));

    println!("newsdb:       {}", newsdb.display());
    match &sqlite_utils {
        Some(path) => println!("sqlite-utils: {} ({})", path.display(), version_of(path)),
        None => {
            println!("sqlite-utils: not on PATH, comparison skipped (pip install sqlite-utils)")
        }
    }
    if !Path::new(GNU_TIME).exists() {
        println!("{GNU_TIME}: missing, no peak RSS (apt-get install time)");
    }
    if let Some(load) = load_average() {
        println!("load:         {load}");
    }
    println!("work dir:     {}", dir.path().display());
    println!("runs:         {runs} per measurement (median time, highest peak RSS)");

    let results: Result<Vec<SizeResult>, String> = sizes
        .iter()
        .map(|&n| bench_size(&newsdb, sqlite_utils.as_deref(), dir.path(), n, runs))
        .collect();
    // Remove the work dir (gigabytes at 200,000 articles) before exiting, even on failure.
    drop(dir);
    match results {
        Ok(results) => report(&results, runs),
        Err(e) => fail(&e),
    }
}

/// The database's bytes on disk: the file and its WAL.
fn database_bytes(db: &Path) -> u64 {
    let wal = db.with_extension("sqlite-wal");
    [db, wal.as_path()]
        .iter()
        .filter_map(|path| fs::metadata(path).ok())
        .map(|meta| meta.len())
        .sum()
}

fn version_of(program: &Path) -> String {
    Command::new(program)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "version unknown".to_string())
}

// ---------------------------------------------------------------------------------------------
// Report

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

fn rate(n: u64, seconds: f64) -> f64 {
    n as f64 / seconds.max(1e-9)
}

fn rss_text(rss: Option<f64>) -> String {
    rss.map_or_else(|| "n/a".to_string(), |r| format!("{r:.1} MB"))
}

fn describe(sample: Sample, n: u64) -> String {
    format!(
        "{:.2} s, {} articles/s, peak RSS {}",
        sample.seconds,
        thousands(rate(n, sample.seconds) as u64),
        rss_text(sample.rss_mb)
    )
}

fn row(label: &str, n: u64, s: Summarized) -> String {
    format!(
        "  {label:<28} {:>9.2} {:>12} {:>12}",
        s.seconds,
        thousands(rate(n, s.seconds) as u64),
        rss_text(s.rss_mb)
    )
}

/// Peak RSS counts as flat when the large run stays within 20% (or 10 MB) of the small one.
fn is_flat(small_mb: f64, large_mb: f64) -> bool {
    large_mb <= (small_mb * 1.2).max(small_mb + 10.0)
}

fn verdict(met: bool) -> &'static str {
    if met { "MET" } else { "MISSED" }
}

fn report(results: &[SizeResult], runs: usize) {
    println!("\nResults (median of {runs} runs; peak RSS is the highest of the runs)");
    for r in results {
        println!(
            "\n{} articles, {} of JSON Lines",
            thousands(r.n),
            mb(r.input_bytes)
        );
        println!(
            "  {:<28} {:>9} {:>12} {:>12}",
            "", "seconds", "articles/s", "peak RSS"
        );
        println!("{}", row("newsdb import (fresh)", r.n, r.fresh));
        println!("{}", row("  --no-entities", r.n, r.fresh_plain));
        println!("{}", row("  --no-stories", r.n, r.fresh_no_stories));
        println!("{}", row("newsdb import (re-import)", r.n, r.reimport));
        if let Some(su) = r.sqlite_utils {
            println!("{}", row("sqlite-utils insert + fts", r.n, su));
            for (what, newsdb) in [("fresh", r.fresh), ("--no-entities", r.fresh_plain)] {
                println!(
                    "  newsdb {what} / sqlite-utils: {:.2}x the time ({:.2}x the speed)",
                    newsdb.seconds / su.seconds,
                    su.seconds / newsdb.seconds
                );
            }
        }
    }

    println!("\nTargets (information only; timings never fail the bench)");
    let line = |target: &str, status: String| println!("  {target:<60} {status}");

    // The target was set for the pipeline of text, JSON and full-text search; extraction came
    // later with a budget of its own (`cargo bench --bench entities_import`). Both are shown.
    for (target, pick) in [
        (
            "fresh import --no-entities at least as fast as sqlite-utils",
            (|r: &SizeResult| r.fresh_plain) as fn(&SizeResult) -> Summarized,
        ),
        (
            "fresh import with extraction, the same",
            |r: &SizeResult| r.fresh,
        ),
    ] {
        let compared: Vec<(u64, f64)> = results
            .iter()
            .filter_map(|r| r.sqlite_utils.map(|su| (r.n, su.seconds / pick(r).seconds)))
            .collect();
        line(
            target,
            if compared.is_empty() {
                "n/a (pip install sqlite-utils)".to_string()
            } else {
                let met = compared.iter().all(|&(_, speedup)| speedup >= 1.0);
                let detail: Vec<String> = compared
                    .iter()
                    .map(|&(n, speedup)| format!("{}: {speedup:.2}x", thousands(n)))
                    .collect();
                format!("{} ({})", verdict(met), detail.join(", "))
            },
        );
    }

    let stories_cost: Vec<String> = results
        .iter()
        .map(|r| {
            format!(
                "{}: {:+.0}% time, {:+.1}% file",
                thousands(r.n),
                (r.fresh.seconds / r.fresh_no_stories.seconds - 1.0) * 100.0,
                (r.bytes_with_stories as f64 / r.bytes_without_stories.max(1) as f64 - 1.0) * 100.0
            )
        })
        .collect();
    let stories_met = results.iter().all(|r| {
        r.fresh.seconds <= r.fresh_no_stories.seconds * 1.10
            && r.bytes_with_stories as f64 <= r.bytes_without_stories as f64 * 1.10
    });
    line(
        "stories cost at most +10% time and +10% file (vs --no-stories)",
        format!("{} ({})", verdict(stories_met), stories_cost.join("; ")),
    );

    let slowest = results
        .iter()
        .map(|r| rate(r.n, r.reimport.seconds))
        .fold(f64::INFINITY, f64::min);
    line(
        "re-import at least 30,000 articles/s",
        format!(
            "{} (slowest {} articles/s)",
            verdict(slowest >= REIMPORT_TARGET),
            thousands(slowest as u64)
        ),
    );

    let peak = results
        .iter()
        .flat_map(|r| {
            [
                r.fresh.rss_mb,
                r.fresh_plain.rss_mb,
                r.fresh_no_stories.rss_mb,
                r.reimport.rss_mb,
            ]
        })
        .collect::<Option<Vec<f64>>>()
        .map(|all| all.into_iter().fold(0.0, f64::max));
    line(
        "peak RSS under 100 MB",
        match peak {
            Some(p) => format!("{} (highest {p:.1} MB)", verdict(p < RSS_TARGET_MB)),
            None => "n/a (no /usr/bin/time)".to_string(),
        },
    );

    let rss_at = |n: u64| {
        results
            .iter()
            .find(|r| r.n == n)
            .and_then(|r| Some(r.fresh.rss_mb?.max(r.reimport.rss_mb?)))
    };
    line(
        "peak RSS flat from 20,000 to 200,000",
        match (rss_at(DEFAULT_SIZE), rss_at(LARGE_SIZE)) {
            (Some(small), Some(large)) => format!(
                "{} ({small:.1} MB -> {large:.1} MB)",
                verdict(is_flat(small, large))
            ),
            _ => "n/a (NEWSDB_BENCH_LARGE=1 runs 200,000 too)".to_string(),
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Self-checks, run by `cargo test --bench import`

/// A named self-check: `Err` says what is wrong.
type Check = fn() -> Result<(), String>;

fn self_check() {
    let checks: &[(&str, Check)] = &[
        ("splitmix64 matches the reference", check_prng),
        ("articles are deterministic", check_deterministic),
        ("generated file has the import fields", check_generated_file),
        ("summary parsing", check_summary_parsing),
        ("GNU time output", check_time_output),
        ("median and flatness", check_median),
    ];
    let mut failed = 0;
    for (name, check) in checks {
        match check() {
            Ok(()) => println!("ok      {name}"),
            Err(e) => {
                failed += 1;
                println!("FAILED  {name}: {e}");
            }
        }
    }
    println!(
        "self-check: {} passed, {failed} failed",
        checks.len() - failed
    );
    if failed > 0 {
        process::exit(1);
    }
}

fn ensure(ok: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(message()) }
}

fn check_prng() -> Result<(), String> {
    // The first outputs of splitmix64 seeded with 0, from the reference implementation.
    let mut rng = SplitMix64(0);
    let got = [rng.next_u64(), rng.next_u64(), rng.next_u64()];
    let want = [
        0xe220_a839_7b1d_cdaf,
        0x6e78_9e6a_a1b9_65f4,
        0x06c4_5d18_8009_454f,
    ];
    ensure(got == want, || format!("{got:x?} != {want:x?}"))
}

fn check_deterministic() -> Result<(), String> {
    for n in [0, 1, 19_999, 199_999] {
        ensure(article(n) == article(n), || format!("article {n} differs"))?;
    }
    ensure(article(1) != article(2), || {
        "articles 1 and 2 are equal".into()
    })
}

fn check_generated_file() -> Result<(), String> {
    const N: u64 = 2_000;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("articles.jsonl");
    let bytes = generate_file(&path, N).map_err(|e| e.to_string())?;
    let again = dir.path().join("again.jsonl");
    generate_file(&again, N).map_err(|e| e.to_string())?;
    ensure(fs::read(&path).ok() == fs::read(&again).ok(), || {
        "two generations differ".into()
    })?;

    let average = bytes / N;
    ensure((2_000..=3_000).contains(&average), || {
        format!("average article is {average} bytes, expected about 2-3 KB")
    })?;
    let (mut urls, mut guids, mut bodies, mut sources) = (
        HashSet::new(),
        HashSet::new(),
        HashSet::new(),
        HashSet::new(),
    );
    let file = File::open(&path).map_err(|e| e.to_string())?;
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| e.to_string())?;
        let v: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| format!("line {}: {e}", i + 1))?;
        let text = |key: &str| {
            v[key]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("line {}: no string {key}", i + 1))
        };
        let keys: Vec<&String> = v
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        ensure(
            keys == [
                "title",
                "body",
                "url",
                "guid",
                "source",
                "authors",
                "published",
                "language",
            ],
            || format!("line {}: fields {keys:?}", i + 1),
        )?;
        ensure(
            text("url")? == format!("https://example.com/news/{i}"),
            || format!("line {}: url", i + 1),
        )?;
        let published = text("published")?;
        ensure(
            chrono::DateTime::parse_from_rfc3339(&published)
                .is_ok_and(|d| d.format("%Y").to_string() == "2024"),
            || format!("line {}: published {published:?}", i + 1),
        )?;
        let authors = v["authors"].as_array().map_or(0, Vec::len);
        ensure((1..=3).contains(&authors), || {
            format!("line {}: {authors} authors", i + 1)
        })?;
        let body = text("body")?;
        let paragraphs = body.split("\n\n").count();
        ensure((4..=8).contains(&paragraphs), || {
            format!("line {}: {paragraphs} paragraphs", i + 1)
        })?;
        ensure(text("language")? == "en", || {
            format!("line {}: language", i + 1)
        })?;
        ensure(!text("title")?.is_empty(), || {
            format!("line {}: title", i + 1)
        })?;
        urls.insert(text("url")?);
        guids.insert(text("guid")?);
        bodies.insert(body);
        sources.insert(text("source")?);
    }
    ensure(
        urls.len() as u64 == N && guids.len() as u64 == N && bodies.len() as u64 == N,
        || "urls, guids or bodies repeat".into(),
    )?;
    ensure(sources.len() == SOURCES.len(), || {
        format!("{} distinct sources", sources.len())
    })
}

fn check_summary_parsing() -> Result<(), String> {
    let plain = parse_summary(
        r#"{"inputs":1,"items":20000,"new_articles":20000,"duplicates":0,"new_versions":0,"rejected":0,"elapsed_seconds":3.25}"#,
    )?;
    ensure(
        plain
            == Summary {
                new_articles: Some(20_000),
                duplicates: Some(0),
                items: Some(20_000),
                rejected: Some(0),
                elapsed_seconds: Some(3.25),
            },
        || format!("{plain:?}"),
    )?;
    let pretty = parse_summary("{\n  \"duplicates\": 7,\n  \"extra\": [1, 2]\n}\n")?;
    ensure(
        pretty.duplicates == Some(7) && pretty.new_articles.is_none(),
        || format!("{pretty:?}"),
    )?;
    let nested = parse_summary(
        "newsdb: importing\n{\"run\":3,\"summary\":{\"new_articles\":5,\"elapsed_seconds\":\"1.5\"}}\n",
    )?;
    ensure(
        nested.new_articles == Some(5) && nested.elapsed_seconds == Some(1.5),
        || format!("{nested:?}"),
    )?;
    let float = parse_summary(r#"{"new_articles": 12.0}"#)?;
    ensure(float.new_articles == Some(12), || format!("{float:?}"))?;
    ensure(parse_summary("imported 3 articles").is_err(), || {
        "plain text parsed as a summary".into()
    })
}

fn check_time_output() -> Result<(), String> {
    ensure(parse_time_output("12.34 51200\n") == Some(50.0), || {
        "plain line".into()
    })?;
    ensure(
        parse_time_output("Command exited with non-zero status 1\n0.01 2048\n") == Some(2.0),
        || "with status line".into(),
    )?;
    ensure(parse_time_output("").is_none(), || "empty".into())
}

fn check_median() -> Result<(), String> {
    ensure(median(&mut [3.0, 1.0, 2.0]) == 2.0, || "odd".into())?;
    ensure(median(&mut [4.0, 1.0, 3.0, 2.0]) == 2.5, || "even".into())?;
    let s = summarize(&[
        Sample {
            seconds: 2.0,
            rss_mb: Some(40.0),
        },
        Sample {
            seconds: 1.0,
            rss_mb: Some(55.0),
        },
        Sample {
            seconds: 9.0,
            rss_mb: None,
        },
    ]);
    ensure(s.seconds == 2.0 && s.rss_mb == Some(55.0), || {
        format!("{s:?}")
    })?;
    ensure(is_flat(40.0, 49.0) && !is_flat(40.0, 51.0), || {
        "10 MB slack".into()
    })?;
    ensure(is_flat(200.0, 239.0) && !is_flat(200.0, 241.0), || {
        "20% slack".into()
    })?;
    ensure(
        thousands(1_234_567) == "1,234,567" && thousands(12) == "12",
        || "thousands".into(),
    )
}
