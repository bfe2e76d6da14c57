//! Query latency on 100,000 articles: `search` (one term, a phrase), `articles --entity`, `show`
//! and `stats`, timed as real `newsdb` invocations (process start included) and in-process.
//!
//! ```text
//! cargo bench --bench queries                 # build the data set, then time each query
//! cargo test --bench queries                  # self-checks only
//! ```
//!
//! The bench runs `cargo build --release --bin newsdb`, writes the deterministic articles of
//! `benches/common` as JSON Lines, imports them with the release binary, then adds entities and
//! mentions with plain SQL (2,000 entities, each with an alias; 10 mentions per article, skewed so
//! that a few entities are everywhere and most are rare, as in news). Each query then runs 50
//! times as a process and 50 times in-process through the library; the bench prints p50 and p95
//! and whether the p50 of the process meets its target (searches and `show` under 20 ms,
//! `articles --entity` under 50 ms, `stats` under 200 ms). Timings are information: only a failed
//! command or a wrong row count stops the bench.
//!
//! The generated articles draw on small word lists, so even the rarest word is in about one
//! article in nine and most are in half of them. A search's cost grows with its matches (bm25
//! ranks every match before the best 20 are kept), so the bench times a selective term
//! (`okafor`, 11% of the articles) and a very common one (`ceasefire`, 49%): the second is the
//! worst case this corpus offers, far from what a distinctive term matches in real news.
//!
//! Knobs (environment):
//!
//! - `NEWSDB_BENCH_ARTICLES=100000`: how many articles.
//! - `NEWSDB_BENCH_RUNS=50`: runs per measurement.
//! - `NEWSDB_BENCH_BIN=PATH`: time this binary and skip the release build.
//! - `NEWSDB_BENCH_DB=PATH`: keep the database there, and reuse it on the next run when it
//!   already holds the articles (building it takes minutes).

mod common;

use std::env;
use std::path::{Path, PathBuf};
use std::process::{self, Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};

use newsdb::query::adhoc::{Parameter, QueryLimits};
use newsdb::query::canned;
use newsdb::query::show::ArticleRef;
use newsdb::store::{OpenOptions, Resolved, Store};

use common::{SplitMix64, generate_file, load_average, newsdb_binary, percentile};

const DEFAULT_ARTICLES: u64 = 100_000;
const DEFAULT_RUNS: usize = 50;
const ENTITIES: u64 = 2_000;
const MENTIONS_PER_ARTICLE: u64 = 10;
const KINDS: [&str; 4] = ["person", "organization", "location", "other"];

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    // `cargo bench` passes --bench; `cargo test --bench queries` gets the quick self-checks.
    if !args.iter().any(|a| a == "--bench") {
        self_check();
        return;
    }
    let n = env_number("NEWSDB_BENCH_ARTICLES").unwrap_or(DEFAULT_ARTICLES);
    let runs = env_number("NEWSDB_BENCH_RUNS").map_or(DEFAULT_RUNS, |r| r as usize);
    let newsdb = newsdb_binary().unwrap_or_else(|e| fail(&e));
    let scratch = tempfile::Builder::new()
        .prefix("newsdb-query-bench-")
        .tempdir()
        .unwrap_or_else(|e| fail(&format!("cannot create a temp dir: {e}")));
    let db = env::var_os("NEWSDB_BENCH_DB")
        .filter(|v| !v.is_empty())
        .map_or_else(|| scratch.path().join("bench.sqlite"), PathBuf::from);

    println!("newsdb:   {}", newsdb.display());
    if let Some(load) = load_average() {
        println!("load:     {load}");
    }
    println!("database: {}", db.display());
    prepare_database(&newsdb, &db, scratch.path(), n);

    let cases = cases(&db);
    println!(
        "\n{runs} runs each; process = `newsdb ...` from spawn to exit, in-process = the same \
         query through the library on an open connection\n"
    );
    println!(
        "  {:<34} {:>9} {:>9} {:>12} {:>12} {:>8}  verdict",
        "query", "p50 ms", "p95 ms", "in-proc p50", "in-proc p95", "target"
    );
    for case in &cases {
        let process_times =
            common::time_process(&newsdb, &db, &case.args, runs).unwrap_or_else(|e| fail(&e));
        let library_times = time_library(&db, case, runs);
        let (p50, p95) = (
            percentile(&process_times, 50.0),
            percentile(&process_times, 95.0),
        );
        let (l50, l95) = (
            percentile(&library_times, 50.0),
            percentile(&library_times, 95.0),
        );
        println!(
            "  {:<34} {:>9.1} {:>9.1} {:>12.2} {:>12.2} {:>6} ms  {}",
            case.label,
            p50,
            p95,
            l50,
            l95,
            case.target_ms,
            if p50 < case.target_ms as f64 {
                "MET"
            } else {
                "MISSED"
            }
        );
    }
    drop(scratch);
}

fn fail(message: &str) -> ! {
    eprintln!("query bench: {message}");
    process::exit(1);
}

fn env_number(name: &str) -> Option<u64> {
    let value = env::var(name).ok().filter(|v| !v.is_empty())?;
    match value.parse() {
        Ok(n) if n > 0 => Some(n),
        _ => fail(&format!("{name}={value:?} is not a positive number")),
    }
}

// ---------------------------------------------------------------------------------------------
// The data set

fn count(conn: &Connection, sql: &str) -> u64 {
    conn.query_row(sql, [], |row| row.get::<_, i64>(0))
        .map_or(0, |n| n as u64)
}

/// Imports `n` articles and adds entities and mentions, unless `db` already has them.
fn prepare_database(newsdb: &Path, db: &Path, scratch: &Path, n: u64) {
    if db.exists() {
        let conn = Connection::open(db).unwrap_or_else(|e| fail(&format!("{e}")));
        let (articles, mentions) = (
            count(&conn, "SELECT count(*) FROM articles"),
            count(&conn, "SELECT count(*) FROM mentions"),
        );
        if articles == n && mentions == n * MENTIONS_PER_ARTICLE {
            println!("reusing:  {articles} articles, {mentions} mentions");
            migrate(newsdb, db);
            return;
        }
        fail(&format!(
            "{} exists with {articles} articles and {mentions} mentions, not {n} and {}; \
             remove it or point NEWSDB_BENCH_DB elsewhere",
            db.display(),
            n * MENTIONS_PER_ARTICLE
        ));
    }
    let input = scratch.join("articles.jsonl");
    let start = Instant::now();
    generate_file(&input, n).unwrap_or_else(|e| fail(&format!("cannot write input: {e}")));
    println!(
        "generated {n} articles in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    let output = Command::new(newsdb)
        .arg("--db")
        .arg(db)
        // The bench adds its own entities and mentions with SQL, so extraction stays off.
        .args(["-q", "import", "--no-entities", "--format", "jsonl"])
        .arg(&input)
        .env_remove("NEWSDB_DB")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| fail(&format!("cannot run newsdb: {e}")));
    if !output.status.success() {
        fail(&format!(
            "import failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    println!("imported in {:.1} s", start.elapsed().as_secs_f64());
    let _ = std::fs::remove_file(&input);
    let start = Instant::now();
    add_entities(db).unwrap_or_else(|e| fail(&format!("adding entities: {e}")));
    println!(
        "added {ENTITIES} entities and {} mentions in {:.1} s",
        n * MENTIONS_PER_ARTICLE,
        start.elapsed().as_secs_f64()
    );
}

/// Opens the database read-write once, so that pending migrations (new indexes) apply to a
/// reused database before anything is timed.
fn migrate(newsdb: &Path, db: &Path) {
    let status = Command::new(newsdb)
        .arg("--db")
        .arg(db)
        .args(["-q", "migrate"])
        .status()
        .unwrap_or_else(|e| fail(&format!("cannot run newsdb: {e}")));
    if !status.success() {
        fail("newsdb migrate failed");
    }
}

/// Entity `i`'s name: "Entity 0042" and so on.
fn entity_name(i: u64) -> String {
    format!("Entity {i:04}")
}

/// The entity of one mention: skewed, so that low ids are everywhere and high ids are rare
/// (the square of a uniform number piles up near zero).
fn mention_entity(rng: &mut SplitMix64) -> u64 {
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    ((u * u) * ENTITIES as f64) as u64
}

fn add_entities(db: &Path) -> rusqlite::Result<()> {
    let mut conn = Connection::open(db)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    let tx = conn.transaction()?;
    {
        let mut entity = tx
            .prepare("INSERT INTO entities (id, kind, name, key) VALUES (?1, ?2, ?3, lower(?3))")?;
        let mut alias = tx.prepare(
            "INSERT INTO entity_aliases (entity_id, alias, key, origin)
             VALUES (?1, ?2, lower(?2), 'import')",
        )?;
        for i in 0..ENTITIES {
            entity.execute(params![
                i as i64 + 1,
                KINDS[(i % 4) as usize],
                entity_name(i)
            ])?;
            alias.execute(params![i as i64 + 1, format!("E{i:04}")])?;
        }
        let mut mention = tx.prepare(
            "INSERT INTO mentions (article_id, entity_id, field, start, \"end\", sentence, method)
             VALUES (?1, ?2, 'body', ?3, ?4, ?5, 'import')",
        )?;
        let mut rng = SplitMix64(common::SEED ^ 0x6d65_6e74_696f_6e73);
        let ids: Vec<i64> = {
            let mut statement = tx.prepare("SELECT id FROM articles ORDER BY id")?;
            statement
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        for article in ids {
            for k in 0..MENTIONS_PER_ARTICLE as i64 {
                let entity_id = mention_entity(&mut rng) as i64 + 1;
                mention.execute(params![article, entity_id, k * 12, k * 12 + 8, k])?;
            }
        }
    }
    // No ANALYZE: the plans timed are the ones a user's database gets without statistics.
    tx.commit()
}

// ---------------------------------------------------------------------------------------------
// The measured queries

struct Case {
    label: String,
    args: Vec<String>,
    target_ms: u64,
    library: Library,
}

/// What the in-process measurement runs.
enum Library {
    /// A built-in canned query with these parameters.
    Canned(&'static str, Vec<Parameter>),
    /// Resolve a hash prefix, then the `show` query.
    Show(String),
}

fn text(name: &str, value: &str) -> Parameter {
    Parameter::parse(&format!("{name}={value}")).unwrap_or_else(|e| fail(&e))
}

fn cases(db: &Path) -> Vec<Case> {
    let conn = Connection::open(db).unwrap_or_else(|e| fail(&format!("{e}")));
    let middle = count(&conn, "SELECT max(id) / 2 FROM articles");
    let hash: String = conn
        .query_row(
            "SELECT content_hash FROM articles WHERE id >= ?1 ORDER BY id LIMIT 1",
            [middle as i64],
            |row| row.get(0),
        )
        .unwrap_or_else(|e| fail(&format!("no article to show: {e}")));
    let prefix = hash[..8].to_owned();
    // An entity of middling popularity: a few hundred articles.
    let entity = entity_name(ENTITIES / 2);
    let search = |query: &str| vec![text("query", query), text("limit", "20")];
    let filters = |entity: &str| vec![text("entity", entity), text("limit", "20")];
    vec![
        Case {
            label: "search okafor (11% of articles)".into(),
            args: vec!["search".into(), "okafor".into()],
            target_ms: 20,
            library: Library::Canned("search", search("okafor")),
        },
        Case {
            label: "search ceasefire (49%)".into(),
            args: vec!["search".into(), "ceasefire".into()],
            target_ms: 20,
            library: Library::Canned("search", search("ceasefire")),
        },
        Case {
            label: "search \"interest rate\" (48%)".into(),
            args: vec!["search".into(), "\"interest rate\"".into()],
            target_ms: 20,
            library: Library::Canned("search", search("\"interest rate\"")),
        },
        Case {
            label: format!("articles --entity \"{entity}\""),
            args: vec!["articles".into(), "--entity".into(), entity.clone()],
            target_ms: 50,
            library: Library::Canned("articles", filters(&entity)),
        },
        Case {
            label: format!("show {prefix}"),
            args: vec!["show".into(), prefix.clone()],
            target_ms: 20,
            library: Library::Show(prefix),
        },
        Case {
            label: "stats".into(),
            args: vec!["stats".into()],
            target_ms: 200,
            library: Library::Canned("stats", Vec::new()),
        },
    ]
}

/// Milliseconds of each in-process run, on one read-only connection (its cache warm after the
/// first run, as in a long-lived program).
fn time_library(db: &Path, case: &Case, runs: usize) -> Vec<f64> {
    let options = OpenOptions {
        read_only: true,
        ..OpenOptions::default()
    };
    let store = Store::open(db, &options).unwrap_or_else(|e| fail(&e.to_string()));
    let run_canned = |name: &str, parameters: &[Parameter]| -> u64 {
        let query = canned::built_in(name).unwrap_or_else(|| fail(name));
        canned::run(
            store.connection(),
            query,
            parameters,
            QueryLimits::default(),
            |_, rows| {
                let mut n = 0;
                for row in rows {
                    std::hint::black_box(row?);
                    n += 1;
                }
                Ok(n)
            },
        )
        .unwrap_or_else(|e| fail(&format!("{name}: {e}")))
    };
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let rows = match &case.library {
            Library::Canned(name, parameters) => run_canned(name, parameters),
            Library::Show(prefix) => {
                let reference = ArticleRef::parse(prefix).unwrap_or_else(|e| fail(&e));
                let id = match store.resolve_article(&reference) {
                    Ok(Resolved::Found(id)) => id,
                    other => fail(&format!("show {prefix}: {other:?}")),
                };
                run_canned("show", &[text("id", &id.to_string())])
            }
        };
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        if rows == 0 {
            fail(&format!("{}: no rows in-process", case.label));
        }
    }
    times
}

// ---------------------------------------------------------------------------------------------
// Self-checks, run by `cargo test --bench queries`

fn self_check() {
    let mut failed = 0;
    let mut check = |name: &str, ok: bool| {
        println!("{}  {name}", if ok { "ok    " } else { "FAILED" });
        failed += usize::from(!ok);
    };
    let values: Vec<f64> = (1..=100).map(f64::from).collect();
    check(
        "nearest-rank percentiles",
        percentile(&values, 50.0) == 50.0
            && percentile(&values, 95.0) == 95.0
            && percentile(&[3.0], 95.0) == 3.0,
    );
    let mut rng = SplitMix64(7);
    let picks: Vec<u64> = (0..10_000).map(|_| mention_entity(&mut rng)).collect();
    let low = picks.iter().filter(|&&e| e < ENTITIES / 10).count();
    check(
        "mentions are skewed to low entity ids and stay in range",
        picks.iter().all(|&e| e < ENTITIES) && low > 2_500,
    );
    check("entity names", entity_name(42) == "Entity 0042");
    if failed > 0 {
        process::exit(1);
    }
}
