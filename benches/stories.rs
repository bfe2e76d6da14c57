//! Stories quality (issue 13, item 5): syndicated versions of real article text, grouped by
//! newsdb at import and by datasketch's MinHash + MinHashLSH, scored by pairwise precision,
//! recall and F1 against the truth.
//!
//! ```text
//! cargo bench --bench stories                                  # build the sets, run both, print the table
//! NEWSDB_STORIES_WRITE_ONLY=/work/scratch/stories cargo bench --bench stories   # only write the sets
//! ```
//!
//! 1. The base texts are the feeds, pages and seed of `../shared/corpus` and `../shared/seeds`
//!    imported by the release binary (so a base is the clean body newsdb stores), plus wikigold's
//!    Wikipedia articles; near-duplicate bases are dropped. They are split by a hash into dev (40%)
//!    and test (60%): no base text is in both.
//! 2. Each set (`dev`, `test`) is `NAME.jsonl` (title, body, url, published, source) and
//!    `NAME.truth.tsv` (`url<TAB>story`), with `score.py` and `README.txt` beside them. The same
//!    seed and corpus give the same files.
//! 3. The reference runs in a venv under `~/.cache/newsdb/bench-venv` (created with
//!    `pip install datasketch`); without python3 it prints a skip line.
//! 4. newsdb imports each set into a fresh database, and the grouping is read from the view
//!    `article_stories` joined to `article_urls`. A build without stories says so.
//!
//! Environment: `NEWSDB_STORIES_DIR` (where the sets and groupings go, default
//! `target/stories-bench`), `NEWSDB_BENCH_BIN` (a newsdb binary instead of building one),
//! `NEWSDB_BENCH_VENV` (the venv folder).

mod common;
#[path = "stories/corpus.rs"]
mod corpus;
#[path = "stories/difficulty.rs"]
mod difficulty;
#[path = "stories/generate.rs"]
mod generate;
#[path = "stories/score.rs"]
mod score;

use std::collections::HashMap;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use generate::{Record, SetStats};
use score::Scores;

/// One line of the table: set, method, threshold, scores.
type Row = (String, String, String, Scores);

const SCORE_PY: &str = include_str!("stories/score.py");
const REFERENCE_PY: &str = include_str!("stories/reference.py");
const THRESHOLDS: [f64; 9] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
const SETS: [&str; 2] = ["dev", "test"];

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stories bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = manifest.join("../shared");
    if !shared.join("corpus").exists() {
        if std::env::var("CI").as_deref() == Ok("true") {
            return Err(format!(
                "{} is missing (CI=true)",
                shared.join("corpus").display()
            ));
        }
        println!(
            "SKIP stories bench: {} is missing",
            shared.join("corpus").display()
        );
        return Ok(());
    }
    let write_only = common::env_path("NEWSDB_STORIES_WRITE_ONLY");
    let dir = write_only
        .clone()
        .or_else(|| common::env_path("NEWSDB_STORIES_DIR"))
        .unwrap_or_else(|| manifest.join("target/stories-bench"));
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let newsdb = common::newsdb_binary()?;

    let started = Instant::now();
    let stats = write_sets(&newsdb, &shared, &dir)?;
    println!(
        "sets written to {} in {:.1} s",
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    for (name, s) in SETS.iter().zip(&stats) {
        println!("  {name}: {}", describe(s));
    }
    if write_only.is_some() {
        return Ok(());
    }

    let mut rows: Vec<Row> = Vec::new();
    match reference_python() {
        Ok(python) => {
            // The honest held-out figure: test at the threshold that was best on dev.
            let mut best_on_dev = None;
            for name in SETS {
                let (set_rows, best) = run_reference(&python, &dir, name, best_on_dev)?;
                rows.extend(set_rows);
                best_on_dev.get_or_insert(best);
            }
        }
        Err(skip) => println!("SKIP datasketch reference: {skip}"),
    }
    for name in SETS {
        match run_newsdb(&newsdb, &dir, name)? {
            Some((scores, seconds)) => {
                rows.push((
                    name.into(),
                    "newsdb stories".into(),
                    "default".into(),
                    scores,
                ));
                println!("newsdb imported {name} in {seconds:.2} s (wall, with entities)");
            }
            None => println!("newsdb: stories not in this build ({name} not scored)"),
        }
    }
    print_table(&rows);
    Ok(())
}

/// Loads the bases, splits them, builds and writes both sets; returns their statistics.
fn write_sets(newsdb: &Path, shared: &Path, dir: &Path) -> Result<Vec<SetStats>, String> {
    let scratch = dir.join("base");
    fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let loaded = corpus::load(newsdb, shared, &scratch)?;
    let loaded_count = loaded.len();
    let (bases, dropped) = corpus::drop_near_duplicates(loaded);
    println!(
        "base texts: {loaded_count} read, {dropped} near duplicates dropped, {} kept ({} full articles of >= 4 paragraphs and >= 120 words)",
        bases.len(),
        bases.iter().filter(|b| b.is_full()).count()
    );
    let mut split: HashMap<&str, Vec<corpus::Base>> = HashMap::new();
    let mut donors: HashMap<&str, Vec<String>> = HashMap::new();
    for base in bases {
        let key = format!("{}\n{}", base.title, base.paragraphs.join("\n"));
        let hash = corpus::fnv1a(key.as_bytes());
        let set = if hash % 10 < 4 { "dev" } else { "test" };
        // One short text in four, and one Wikipedia article in four (paragraph by paragraph),
        // are kept aside as the "local paragraphs" papers add; they are no story of their own.
        if !base.is_full() && base.words() < 40 && (hash >> 8).is_multiple_of(4) {
            donors
                .entry(set)
                .or_default()
                .push(base.paragraphs.join(" "));
        } else if base.topic == "wikigold" && (hash >> 8).is_multiple_of(4) {
            donors.entry(set).or_default().extend(base.paragraphs);
        } else {
            split.entry(set).or_default().push(base);
        }
    }
    let mut all_stats = Vec::new();
    for name in SETS {
        let bases = split.remove(name).unwrap_or_default();
        let set_donors = donors.remove(name).unwrap_or_default();
        let (records, mut stats) = generate::build_set(name, &bases, &set_donors, common::SEED);
        stats.difficulty = difficulty::measure(&records);
        write_records(&dir.join(format!("{name}.jsonl")), &records)?;
        let truth: String = records
            .iter()
            .map(|r| format!("{}\t{}\n", r.url, r.story))
            .collect();
        write_file(&dir.join(format!("{name}.truth.tsv")), &truth)?;
        let kinds: String = records
            .iter()
            .map(|r| format!("{}\t{}\t{}\t{}\n", r.url, r.story, r.kind, r.topic))
            .collect();
        write_file(&dir.join(format!("{name}.kinds.tsv")), &kinds)?;
        all_stats.push(stats);
    }
    write_file(&dir.join("score.py"), SCORE_PY)?;
    write_file(&dir.join("README.txt"), &readme(&all_stats))?;
    let _ = fs::remove_dir_all(&scratch);
    Ok(all_stats)
}

fn write_records(path: &Path, records: &[Record]) -> Result<(), String> {
    let file = fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = BufWriter::new(file);
    for r in records {
        serde_json::to_writer(&mut out, r).map_err(|e| format!("{}: {e}", path.display()))?;
        out.write_all(b"\n")
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    out.flush().map_err(|e| format!("{}: {e}", path.display()))
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn describe(s: &SetStats) -> String {
    let mut edits: Vec<_> = s.edits.iter().collect();
    edits.sort();
    let edits: Vec<String> = edits.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let d = &s.difficulty;
    format!(
        "{} records, {} stories ({} singletons, largest {}), {} full base articles, {} follow-ups, {} teasers; edits: {}; \
         exact 5-shingle containment: {} of {} same-story pairs under 0.5, {} different-story pairs share text, {} of them at >= 0.2, max {:.2}",
        s.records,
        s.stories,
        s.singletons,
        s.largest,
        s.full_bases,
        s.follow_ups,
        s.teasers,
        edits.join(", "),
        d.story_pairs_under_half,
        d.story_pairs,
        d.cross_pairs_sharing,
        d.cross_pairs_over_fifth,
        d.cross_max_containment
    )
}

fn readme(stats: &[SetStats]) -> String {
    let mut text = String::from(include_str!("stories/README.txt"));
    text.push_str("\nThis build of the sets:\n");
    for (name, s) in SETS.iter().zip(stats) {
        text.push_str(&format!("  {name}: {}\n", describe(s)));
    }
    text
}

// ---------------------------------------------------------------------------------------------
// The datasketch reference

/// The venv's python with datasketch, created on first use.
fn reference_python() -> Result<PathBuf, String> {
    let venv = common::env_path("NEWSDB_BENCH_VENV").unwrap_or_else(|| {
        let home = std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into());
        PathBuf::from(home).join(".cache/newsdb/bench-venv")
    });
    let python = venv.join("bin/python");
    let has_datasketch = |python: &Path| {
        Command::new(python)
            .args(["-c", "import datasketch"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if python.exists() && has_datasketch(&python) {
        return Ok(python);
    }
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .map_err(|e| format!("python3 not found ({e})"))?;
    if !status.success() {
        return Err(format!("python3 -m venv {} failed", venv.display()));
    }
    println!("installing datasketch into {}", venv.display());
    let status = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "datasketch"])
        .status()
        .map_err(|e| format!("pip: {e}"))?;
    if !status.success() || !has_datasketch(&python) {
        return Err("pip install datasketch failed".into());
    }
    Ok(python)
}

/// Runs reference.py on one set at every threshold; scores the verified groupings at each
/// threshold, and the raw LSH components at 0.5.
fn run_reference(
    python: &Path,
    dir: &Path,
    name: &str,
    best_on_dev: Option<f64>,
) -> Result<(Vec<Row>, f64), String> {
    let script = dir.join("reference.py");
    write_file(&script, REFERENCE_PY)?;
    let prefix = dir.join(format!("{name}.datasketch"));
    let output = Command::new(python)
        .arg(&script)
        .arg(dir.join(format!("{name}.jsonl")))
        .arg(&prefix)
        .args(THRESHOLDS.iter().map(|t| format!("{t:.1}")))
        .output()
        .map_err(|e| format!("reference.py: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "reference.py failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let truth = read_map(&dir.join(format!("{name}.truth.tsv")))?;
    let mut scanned = Vec::new();
    for t in THRESHOLDS {
        let grouping = read_map(&PathBuf::from(format!(
            "{}-verified-{t:.1}.tsv",
            prefix.display()
        )))?;
        scanned.push((t, score::pairwise(&truth, &grouping)));
    }
    let first = String::from_utf8_lossy(&output.stdout);
    if let Some(line) = first.lines().next() {
        println!("datasketch {name}: {line}");
    }
    println!(
        "datasketch {name} threshold scan (verified): {}",
        scanned
            .iter()
            .map(|(t, s)| format!("{t:.1}: F1 {:.3}", s.f1))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // score.py (what the other tools use) and this bench must agree.
    let check = Command::new(python)
        .arg(dir.join("score.py"))
        .arg(format!("{}-verified-0.5.tsv", prefix.display()))
        .arg(dir.join(format!("{name}.truth.tsv")))
        .output()
        .map_err(|e| format!("score.py: {e}"))?;
    let printed = String::from_utf8_lossy(&check.stdout);
    let f1_line = printed.lines().find(|l| l.starts_with("f1")).unwrap_or("");
    let at_half_f1 = scanned
        .iter()
        .find(|(t, _)| (*t - 0.5).abs() < 1e-9)
        .map_or(0.0, |x| x.1.f1);
    if f1_line != format!("f1        {at_half_f1:.4}") {
        return Err(format!(
            "score.py disagrees with the bench: {f1_line:?} vs {at_half_f1:.4}"
        ));
    }
    let mut rows = Vec::new();
    let raw = read_map(&PathBuf::from(format!("{}-lsh-0.5.tsv", prefix.display())))?;
    rows.push((
        name.into(),
        "MinHashLSH (candidates only)".into(),
        "0.5".into(),
        score::pairwise(&truth, &raw),
    ));
    let at_half = scanned
        .iter()
        .find(|(t, _)| (*t - 0.5).abs() < 1e-9)
        .map(|x| x.1)
        .unwrap_or_default();
    rows.push((
        name.into(),
        "MinHashLSH + Jaccard".into(),
        "0.5".into(),
        at_half,
    ));
    let (best_t, best) =
        scanned.iter().copied().fold(
            (0.5, at_half),
            |acc, x| if x.1.f1 > acc.1.f1 { x } else { acc },
        );
    rows.push((
        name.into(),
        "MinHashLSH + Jaccard".into(),
        format!("{best_t:.1} (best on {name})"),
        best,
    ));
    for t in [0.5, best_t] {
        let grouping = read_map(&PathBuf::from(format!(
            "{}-verified-{t:.1}.tsv",
            prefix.display()
        )))?;
        print_breakdown(
            dir,
            name,
            &format!("MinHashLSH + Jaccard {t:.1}"),
            &grouping,
        )?;
    }
    if let Some(t) = best_on_dev
        && let Some((_, scores)) = scanned.iter().find(|(x, _)| (*x - t).abs() < 1e-9)
    {
        rows.push((
            name.into(),
            "MinHashLSH + Jaccard".into(),
            format!("{t:.1} (best on dev)"),
            *scores,
        ));
    }
    Ok((rows, best_t))
}

/// Prints which pairs a grouping misses and gets wrong, by kind.
fn print_breakdown(
    dir: &Path,
    name: &str,
    method: &str,
    grouping: &HashMap<String, String>,
) -> Result<(), String> {
    let path = dir.join(format!("{name}.kinds.tsv"));
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (missed, wrong) = score::breakdown(&score::read_kinds(&text), grouping);
    println!(
        "{name} {method}: missed pairs: {}; wrong pairs: {}",
        score::counts(&missed),
        score::counts(&wrong)
    );
    Ok(())
}

fn read_map(path: &Path) -> Result<HashMap<String, String>, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(score::read_tsv(&text))
}

// ---------------------------------------------------------------------------------------------
// newsdb

/// Imports the set into a fresh database and scores `article_stories`; `None` when the build
/// has no stories (the view is missing).
fn run_newsdb(newsdb: &Path, dir: &Path, name: &str) -> Result<Option<(Scores, f64)>, String> {
    let db = dir.join(format!("{name}.newsdb.sqlite"));
    common::remove_database(&db);
    let started = Instant::now();
    let output = Command::new(newsdb)
        .arg("--db")
        .arg(&db)
        .args(["import", "--quiet"])
        .arg(dir.join(format!("{name}.jsonl")))
        .output()
        .map_err(|e| format!("newsdb import: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        return Err(format!(
            "newsdb import {name}.jsonl failed: {}",
            common::stderr_tail(&output.stderr)
        ));
    }
    let output = Command::new(newsdb)
        .arg("--db")
        .arg(&db)
        .args(["query", "--format", "tsv"])
        .arg(
            "SELECT u.value AS url, s.story_id AS story FROM article_stories s \
             JOIN article_urls u ON u.article_id = s.article_id AND u.kind = 'url'",
        )
        .output()
        .map_err(|e| format!("newsdb query: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        if stderr.contains("article_stories") {
            common::remove_database(&db);
            return Ok(None);
        }
        return Err(format!("newsdb query failed: {stderr}"));
    }
    let grouping = score::read_tsv(&String::from_utf8_lossy(&output.stdout));
    write_file(
        &dir.join(format!("{name}.newsdb.tsv")),
        &String::from_utf8_lossy(&output.stdout),
    )?;
    let truth = read_map(&dir.join(format!("{name}.truth.tsv")))?;
    let missing = truth
        .keys()
        .filter(|url| !grouping.contains_key(*url))
        .count();
    if missing > 0 {
        return Err(format!(
            "{missing} urls of {name}.truth.tsv are not in article_urls (scored as alone, they would understate newsdb)"
        ));
    }
    common::remove_database(&db);
    print_breakdown(dir, name, "newsdb stories", &grouping)?;
    Ok(Some((score::pairwise(&truth, &grouping), seconds)))
}

fn print_table(rows: &[(String, String, String, Scores)]) {
    println!();
    println!(
        "{:<5} {:<30} {:<18} {:>6} {:>6} {:>6} {:>10} {:>10} {:>10}",
        "set", "method", "threshold", "P", "R", "F1", "pairs", "correct", "truth"
    );
    for (set, method, threshold, s) in rows {
        println!(
            "{set:<5} {method:<30} {threshold:<18} {:>6.3} {:>6.3} {:>6.3} {:>10} {:>10} {:>10}",
            s.precision, s.recall, s.f1, s.predicted_pairs, s.true_positive_pairs, s.truth_pairs
        );
    }
}
