//! A million articles (issue 15): the import rate as the database grows, the file size per
//! article, peak RSS, and the latency of every everyday command at full size, all through the
//! real release binary.
//!
//! ```text
//! NEWSDB_SCALE_DIR=/big/disk cargo bench --bench scale    # build (once), then time
//! cargo test --bench scale                                 # self-checks only
//! ```
//!
//! **Building.** The database is filled in chunks of 20,000 generated articles (the generator of
//! `benches/common`: names of people, places, organisations and companies, so extraction finds
//! mentions), each chunk one `newsdb import --json` run under GNU time. The rate of the chunk that
//! brings the database to 20,000, to a fifth of the size and to the full size is the import rate
//! *at* that size: a flat per-article cost means the last equals the first. The same is done with
//! `--no-entities` into a second database (`NEWSDB_SCALE_ENTITIES=on` skips it). Chunk files are
//! deleted as soon as they are imported, so the disk holds only the databases.
//!
//! **Keeping it.** The databases, and a `.rates.tsv` file beside each with the build's per-chunk
//! figures, stay in `NEWSDB_SCALE_DIR`; the next run finds them full and goes straight to the
//! timings (building 1,000,000 articles takes about an hour on a shared 2-core machine).
//!
//! **Timing.** Each command of the latency table runs `NEWSDB_SCALE_RUNS` times as a process
//! (spawn to exit, output read): p50, p95 and the target of issue 15. Then `export` throughput and
//! `backup` time, once each. Timings are information: only a failed command stops the bench.
//!
//! Knobs: `NEWSDB_SCALE_ARTICLES=1000000`, `NEWSDB_SCALE_CHUNK=20000`, `NEWSDB_SCALE_RUNS=20`,
//! `NEWSDB_SCALE_DIR` (default: a folder under the system temp dir, kept), `NEWSDB_SCALE_ENTITIES`
//! (`both`, `on`: which databases to build), `NEWSDB_SCALE_SKIP_BACKUP=1` (the backup needs as
//! much free disk as the database), `NEWSDB_BENCH_BIN=PATH` (skip the release build),
//! `NEWSDB_SCALE_WRITE_CHUNK=FILE` (only write the chunk that follows the full database to FILE,
//! to time an import into the full database by hand, and exit).

mod common;

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{self, Command, Stdio};
use std::time::Instant;

use rusqlite::{Connection, OpenFlags};

use common::{article, env_count, load_average, newsdb_binary, percentile, write_jsonl};

const DEFAULT_ARTICLES: u64 = 1_000_000;
const DEFAULT_CHUNK: u64 = 20_000;
const DEFAULT_RUNS: u64 = 20;

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    // `cargo bench` passes --bench; `cargo test --bench scale` gets the quick self-checks.
    if !args.iter().any(|a| a == "--bench") {
        self_check();
        return;
    }
    let n = number("NEWSDB_SCALE_ARTICLES", DEFAULT_ARTICLES);
    let chunk = number("NEWSDB_SCALE_CHUNK", DEFAULT_CHUNK).min(n);
    if let Some(path) = common::env_path("NEWSDB_SCALE_WRITE_CHUNK") {
        // For experiments by hand: the chunk of articles that follows the full database.
        let bytes = write_jsonl(&path, chunk, |i| article(n + i))
            .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", path.display())));
        println!(
            "wrote articles {n}..{} to {} ({bytes} bytes)",
            n + chunk,
            path.display()
        );
        return;
    }
    let runs = number("NEWSDB_SCALE_RUNS", DEFAULT_RUNS) as usize;
    let both = match env::var("NEWSDB_SCALE_ENTITIES").as_deref() {
        Ok("on") => false,
        Ok("both") | Err(_) => true,
        Ok(other) => fail(&format!(
            "NEWSDB_SCALE_ENTITIES={other:?}: use `both` or `on`"
        )),
    };
    let dir = common::env_path("NEWSDB_SCALE_DIR")
        .unwrap_or_else(|| env::temp_dir().join("newsdb-scale-bench"));
    fs::create_dir_all(&dir)
        .unwrap_or_else(|e| fail(&format!("cannot create {}: {e}", dir.display())));
    let newsdb = newsdb_binary().unwrap_or_else(|e| fail(&e));
    println!("newsdb:   {}", newsdb.display());
    if let Some(load) = load_average() {
        println!("load:     {load}");
    }
    println!(
        "folder:   {} ({n} articles, chunks of {chunk})",
        dir.display()
    );

    let with_entities = dir.join(format!("scale-{n}.sqlite"));
    let mut builds = vec![(
        "entities on",
        build(&newsdb, &with_entities, &dir, n, chunk, true),
    )];
    if both {
        let without = dir.join(format!("scale-{n}-no-entities.sqlite"));
        builds.push((
            "entities off",
            build(&newsdb, &without, &dir, n, chunk, false),
        ));
    }
    println!(
        "\nimport rate at size: the chunk of {chunk} that reaches it (target: at {n} >= 0.75 x \
         at {chunk}, judged on CPU = user + system ms per article)"
    );
    println!(
        "  {:<13} {:>12} {:>12} {:>12} {:>7} {:>10} {:>10} {:>8} {:>9}",
        "",
        format!("at {chunk}"),
        format!("at {}", n / 5),
        format!("at {n}"),
        "ratio",
        "CPU first",
        "CPU last",
        "RSS MB",
        "verdict"
    );
    for (label, build) in &builds {
        let rate_at = |size: u64| build.rate_at(size, chunk);
        let (first, last) = (rate_at(chunk), rate_at(n));
        // Wall rates swing with the machine's load; CPU per article is the steadier verdict.
        let (cpu_first, cpu_last) = (
            build.cpu_ms_per_article_at(chunk, chunk),
            build.cpu_ms_per_article_at(n, chunk),
        );
        println!(
            "  {:<13} {:>10.0}/s {:>10.0}/s {:>10.0}/s {:>7.2} {:>10.3} {:>10.3} {:>8.0} {:>9}",
            label,
            first,
            rate_at((n / 5).max(chunk)),
            last,
            last / first,
            cpu_first,
            cpu_last,
            build.peak_rss_mb(),
            verdict(cpu_first / cpu_last >= 0.75)
        );
    }
    for (label, build) in &builds {
        println!(
            "  {label}: {} in {:.0} s of imports ({:.0}/s overall)",
            size_text(build.db_bytes, build.input_bytes, n),
            build.seconds(),
            n as f64 / build.seconds()
        );
    }

    println!("\n{runs} runs of each command as a process; {n} articles, entities on");
    latency_table(&newsdb, &with_entities, runs);
    throughput(&newsdb, &with_entities, &dir, n);
}

fn fail(message: &str) -> ! {
    eprintln!("scale bench: {message}");
    process::exit(1);
}

fn number(name: &str, default: u64) -> u64 {
    env_count(name, default).unwrap_or_else(|e| fail(&e))
}

fn verdict(met: bool) -> &'static str {
    if met { "MET" } else { "MISSED" }
}

fn size_text(db_bytes: u64, input_bytes: u64, n: u64) -> String {
    format!(
        "{:.2} GB database, {:.0} bytes per article, {:.2} x its {:.2} GB of JSON Lines",
        db_bytes as f64 / 1e9,
        db_bytes as f64 / n as f64,
        db_bytes as f64 / input_bytes as f64,
        input_bytes as f64 / 1e9
    )
}

// ---------------------------------------------------------------------------------------------
// Building

/// One chunk's import: articles before it, articles in it, wall seconds, CPU seconds (user and
/// system), peak RSS, input bytes. On a shared machine the CPU time is the steadier figure.
#[derive(Debug, PartialEq)]
struct Chunk {
    start: u64,
    count: u64,
    seconds: f64,
    user_seconds: f64,
    system_seconds: f64,
    rss_mb: f64,
    input_bytes: u64,
}

impl Chunk {
    fn line(&self) -> String {
        format!(
            "{}\t{}\t{:.3}\t{:.2}\t{:.2}\t{:.1}\t{}",
            self.start,
            self.count,
            self.seconds,
            self.user_seconds,
            self.system_seconds,
            self.rss_mb,
            self.input_bytes
        )
    }

    fn parse(line: &str) -> Option<Chunk> {
        let mut fields = line.split('\t');
        let chunk = Chunk {
            start: fields.next()?.parse().ok()?,
            count: fields.next()?.parse().ok()?,
            seconds: fields.next()?.parse().ok()?,
            user_seconds: fields.next()?.parse().ok()?,
            system_seconds: fields.next()?.parse().ok()?,
            rss_mb: fields.next()?.parse().ok()?,
            input_bytes: fields.next()?.parse().ok()?,
        };
        fields.next().is_none().then_some(chunk)
    }
}

struct Build {
    chunks: Vec<Chunk>,
    db_bytes: u64,
    input_bytes: u64,
}

impl Build {
    /// Articles per second of the chunk that ends at `size` (or the last one before it).
    fn rate_at(&self, size: u64, chunk: u64) -> f64 {
        self.chunk_at(size, chunk)
            .map_or(f64::NAN, |c| c.count as f64 / c.seconds)
    }

    /// CPU milliseconds (user and system) per article of the chunk that ends at `size`.
    fn cpu_ms_per_article_at(&self, size: u64, chunk: u64) -> f64 {
        self.chunk_at(size, chunk).map_or(f64::NAN, |c| {
            (c.user_seconds + c.system_seconds) * 1000.0 / c.count as f64
        })
    }

    fn chunk_at(&self, size: u64, chunk: u64) -> Option<&Chunk> {
        self.chunks
            .iter()
            .rev()
            .find(|c| c.start + c.count <= size.max(chunk))
    }

    fn peak_rss_mb(&self) -> f64 {
        self.chunks.iter().map(|c| c.rss_mb).fold(0.0, f64::max)
    }

    fn seconds(&self) -> f64 {
        self.chunks.iter().map(|c| c.seconds).sum()
    }
}

struct CpuTimed {
    seconds: f64,
    user_seconds: f64,
    system_seconds: f64,
    rss_mb: f64,
    output: std::process::Output,
}

/// Runs `newsdb` under `/usr/bin/time -f '%U %S %M'` (which the bench needs): wall time from our
/// own clock, CPU times and peak RSS from GNU time.
fn run_with_cpu_time(
    newsdb: &Path,
    time_file: &Path,
    setup: impl FnOnce(&mut Command),
) -> CpuTimed {
    let mut command = Command::new(common::GNU_TIME);
    command
        .arg("-o")
        .arg(time_file)
        .args(["-f", "%U %S %M"])
        .arg(newsdb);
    setup(&mut command);
    command
        .env_remove("NEWSDB_DB")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let output = command
        .output()
        .unwrap_or_else(|e| fail(&format!("cannot run {}: {e}", common::GNU_TIME)));
    let seconds = start.elapsed().as_secs_f64();
    let text = fs::read_to_string(time_file).unwrap_or_default();
    let fields: Vec<f64> = text
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|field| field.parse().ok())
        .collect();
    let [user_seconds, system_seconds, rss_kb] = fields[..] else {
        fail(&format!("cannot read GNU time's output {text:?}"));
    };
    CpuTimed {
        seconds,
        user_seconds,
        system_seconds,
        rss_mb: rss_kb / 1024.0,
        output,
    }
}

fn rates_path(db: &Path) -> PathBuf {
    let mut path = db.as_os_str().to_owned();
    path.push(".rates.tsv");
    PathBuf::from(path)
}

fn article_count(db: &Path) -> u64 {
    if !db.exists() {
        return 0;
    }
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", db.display())));
    conn.query_row("SELECT count(*) FROM articles", [], |row| {
        row.get::<_, i64>(0)
    })
    .map_or(0, |n| n as u64)
}

fn database_bytes(db: &Path) -> u64 {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", db.display())));
    conn.query_row(
        "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
        [],
        |row| row.get::<_, i64>(0),
    )
    .unwrap_or_else(|e| fail(&format!("{}: {e}", db.display()))) as u64
}

/// Fills `db` up to `n` articles chunk by chunk, resuming where a previous run stopped (the
/// rates file says which chunks are in), and returns every chunk's figures.
fn build(newsdb: &Path, db: &Path, dir: &Path, n: u64, chunk: u64, entities: bool) -> Build {
    let rates = rates_path(db);
    let mut chunks: Vec<Chunk> = fs::read_to_string(&rates)
        .unwrap_or_default()
        .lines()
        .filter_map(Chunk::parse)
        .collect();
    let done: u64 = chunks.iter().map(|c| c.count).sum();
    let stored = article_count(db);
    // A full database may hold a few more articles, imported by hand to time one more chunk.
    if stored != done && !(done >= n && stored > done) {
        fail(&format!(
            "{} holds {stored} articles but {} records {done}; remove both to rebuild",
            db.display(),
            rates.display()
        ));
    }
    if done < n {
        println!(
            "building: {} from {done} to {n} articles ({})",
            db.display(),
            if entities {
                "entities on"
            } else {
                "--no-entities"
            }
        );
    } else {
        println!("reusing:  {} ({stored} articles)", db.display());
    }
    let input = dir.join("chunk.jsonl");
    let mut start = done;
    while start < n {
        let count = chunk.min(n - start);
        let input_bytes = write_jsonl(&input, count, |i| article(start + i))
            .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", input.display())));
        let timed = run_with_cpu_time(newsdb, &dir.join("time.txt"), |command| {
            command.arg("--db").arg(db).args(["import", "--json"]);
            if !entities {
                command.arg("--no-entities");
            }
            command.arg(&input);
        });
        if !timed.output.status.success() {
            fail(&format!(
                "import of articles {start}..{} failed:\n{}",
                start + count,
                common::stderr_tail(&timed.output.stderr)
            ));
        }
        let summary = common::parse_summary(&String::from_utf8_lossy(&timed.output.stdout))
            .unwrap_or_else(|e| fail(&e));
        if summary.new_articles != Some(count) {
            fail(&format!(
                "articles {start}..{}: {:?} new, expected {count}",
                start + count,
                summary.new_articles
            ));
        }
        let figures = Chunk {
            start,
            count,
            seconds: timed.seconds,
            user_seconds: timed.user_seconds,
            system_seconds: timed.system_seconds,
            rss_mb: timed.rss_mb,
            input_bytes,
        };
        let mut log = fs::read_to_string(&rates).unwrap_or_default();
        log.push_str(&figures.line());
        log.push('\n');
        fs::write(&rates, log)
            .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", rates.display())));
        start += count;
        if start.is_multiple_of(chunk * 10) || start == n {
            println!(
                "  {start:>8} articles: this chunk {:.0}/s, CPU {:.1} s user + {:.1} s system, \
                 peak RSS {:.0} MB",
                count as f64 / figures.seconds,
                figures.user_seconds,
                figures.system_seconds,
                figures.rss_mb
            );
        }
        chunks.push(figures);
    }
    let _ = fs::remove_file(&input);
    Build {
        input_bytes: chunks.iter().map(|c| c.input_bytes).sum(),
        chunks,
        db_bytes: database_bytes(db),
    }
}

// ---------------------------------------------------------------------------------------------
// Latency

struct Case {
    label: String,
    args: Vec<String>,
    target_ms: Option<u64>,
}

fn case(label: impl Into<String>, args: &[&str], target_ms: Option<u64>) -> Case {
    Case {
        label: label.into(),
        args: args.iter().map(|a| a.to_string()).collect(),
        target_ms,
    }
}

/// The share of articles whose text matches an FTS5 query, as a percentage.
fn matching_share(conn: &Connection, query: &str, total: f64) -> f64 {
    let matches: i64 = conn
        .query_row(
            "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?1",
            [query],
            |row| row.get(0),
        )
        .unwrap_or_else(|e| fail(&format!("counting matches of {query}: {e}")));
    matches as f64 * 100.0 / total
}

/// An entity's name by rank of mention count (0 = most mentioned), from the top of the list or
/// the bottom.
fn entity_by_rank(conn: &Connection, rarest: bool) -> String {
    let order = if rarest { "ASC" } else { "DESC" };
    conn.query_row(
        &format!(
            "SELECT e.name FROM entities e
               JOIN (SELECT entity_id, count(*) AS n FROM mentions GROUP BY entity_id) m
                 ON m.entity_id = e.id
              WHERE e.kind = 'person'
              ORDER BY m.n {order}, e.id LIMIT 1"
        ),
        [],
        |row| row.get(0),
    )
    .unwrap_or_else(|e| fail(&format!("no entity with mentions: {e}")))
}

fn latency_table(newsdb: &Path, db: &Path, runs: usize) {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", db.display())));
    let total = article_count(db) as f64;
    let middle: String = conn
        .query_row(
            "SELECT content_hash FROM articles WHERE id >= (SELECT max(id) / 2 FROM articles)
              ORDER BY id LIMIT 1",
            [],
            |row| row.get(0),
        )
        .unwrap_or_else(|e| fail(&format!("no article to show: {e}")));
    let prefix = &middle[..10];
    // Terms whose share of the generated articles is about 1%, 10% and 25% (measured below).
    let terms = [
        ("kim AND tunis", 1.0),
        ("okafor", 10.0),
        ("agreement", 25.0),
    ];
    let phrase = "\"interest rate\"";
    let frequent = entity_by_rank(&conn, false);
    let rare = entity_by_rank(&conn, true);
    let mut cases = Vec::new();
    for (term, _) in terms {
        let share = matching_share(&conn, term, total);
        // Issue 15's target: under 100 ms for a term in 10% of articles; more common terms
        // cost in proportion to their matches (bm25 ranks every match).
        let target = (share <= 12.0).then_some(100);
        cases.push(case(
            format!("search {term} ({share:.1}%)"),
            &["search", term],
            target,
        ));
    }
    let share = matching_share(&conn, phrase, total);
    cases.push(case(
        format!("search {phrase} ({share:.0}%)"),
        &["search", phrase],
        None,
    ));
    cases.extend([
        case(
            "articles --source \"Daily Ledger\"",
            &["articles", "--source", "Daily Ledger"],
            Some(300),
        ),
        case(
            format!("articles --entity \"{frequent}\""),
            &["articles", "--entity", &frequent],
            Some(300),
        ),
        case(format!("show {prefix}"), &["show", prefix], Some(300)),
        case("stats", &["stats"], Some(200)),
        case("entities --top 50", &["entities", "--top", "50"], Some(300)),
        case(
            format!("entity \"{frequent}\" (most mentioned)"),
            &["entity", &frequent],
            Some(300),
        ),
        case(
            format!("entity \"{rare}\" (least mentioned)"),
            &["entity", &rare],
            Some(300),
        ),
        case(
            "timeline --by month",
            &["timeline", "--by", "month"],
            Some(300),
        ),
        case("sources", &["sources"], Some(300)),
    ]);
    println!(
        "  {:<46} {:>9} {:>9} {:>9}  verdict",
        "command", "p50 ms", "p95 ms", "target"
    );
    for case in &cases {
        let times = common::time_process(newsdb, db, &case.args, runs).unwrap_or_else(|e| fail(&e));
        let (p50, p95) = (percentile(&times, 50.0), percentile(&times, 95.0));
        let (target, met) = match case.target_ms {
            Some(ms) => (format!("{ms} ms"), verdict(p50 < ms as f64)),
            None => ("-".to_owned(), "(information)"),
        };
        println!(
            "  {:<46} {:>9.1} {:>9.1} {:>9}  {met}",
            case.label, p50, p95, target
        );
    }
}

/// `export` throughput and `backup` time, once each.
fn throughput(newsdb: &Path, db: &Path, dir: &Path, n: u64) {
    let time_file = dir.join("time.txt");
    let export = common::run_timed(newsdb, &time_file, |command| {
        command
            .arg("--db")
            .arg(db)
            .args(["export", "--format", "jsonl"]);
    })
    .unwrap_or_else(|e| fail(&e));
    if !export.output.status.success() {
        fail(&format!(
            "export failed: {}",
            common::stderr_tail(&export.output.stderr)
        ));
    }
    let lines = export.output.stdout.iter().filter(|&&b| b == b'\n').count();
    println!(
        "\n  export: {lines} articles in {:.1} s ({:.0} articles/s, {:.0} MB/s), peak RSS {:.0} MB",
        export.seconds,
        lines as f64 / export.seconds,
        export.output.stdout.len() as f64 / 1e6 / export.seconds,
        export.rss_mb.unwrap_or(f64::NAN)
    );
    if lines as u64 != n {
        fail(&format!("export printed {lines} articles, not {n}"));
    }
    drop(export);
    if env::var_os("NEWSDB_SCALE_SKIP_BACKUP").is_some() {
        return;
    }
    let copy = dir.join("backup.sqlite");
    common::remove_database(&copy);
    let backup = common::run_timed(newsdb, &time_file, |command| {
        command.arg("--db").arg(db).arg("backup").arg(&copy);
    })
    .unwrap_or_else(|e| fail(&e));
    if !backup.output.status.success() {
        fail(&format!(
            "backup failed: {}",
            common::stderr_tail(&backup.output.stderr)
        ));
    }
    let bytes = fs::metadata(&copy).map_or(0, |m| m.len());
    common::remove_database(&copy);
    println!(
        "  backup: {:.2} GB in {:.1} s ({:.0} MB/s), peak RSS {:.0} MB",
        bytes as f64 / 1e9,
        backup.seconds,
        bytes as f64 / 1e6 / backup.seconds,
        backup.rss_mb.unwrap_or(f64::NAN)
    );
}

// ---------------------------------------------------------------------------------------------
// Self-checks (`cargo test --bench scale`)

fn self_check() {
    let chunk = Chunk {
        start: 20_000,
        count: 20_000,
        seconds: 4.5,
        user_seconds: 6.25,
        system_seconds: 1.5,
        rss_mb: 61.2,
        input_bytes: 56_000_000,
    };
    assert_eq!(Chunk::parse(&chunk.line()), Some(chunk));
    assert_eq!(Chunk::parse("1\t2\t3"), None);
    let build = Build {
        chunks: (0..5)
            .map(|i| Chunk {
                start: i * 10,
                count: 10,
                seconds: 1.0 + i as f64,
                user_seconds: 1.0,
                system_seconds: 0.5,
                rss_mb: 50.0 + i as f64,
                input_bytes: 100,
            })
            .collect(),
        db_bytes: 1,
        input_bytes: 500,
    };
    assert_eq!(build.rate_at(10, 10), 10.0);
    assert_eq!(build.rate_at(50, 10), 2.0);
    assert_eq!(build.rate_at(25, 10), 5.0);
    assert_eq!(build.peak_rss_mb(), 54.0);
    assert_eq!(build.cpu_ms_per_article_at(50, 10), 150.0);
    println!("scale bench self-checks passed");
}
