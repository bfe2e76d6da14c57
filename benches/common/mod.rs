//! What the benches share: deterministic benchmark articles (the same seed gives the same
//! JSON Lines file on every machine, and article `n` depends only on `n`), and the running and
//! measuring of the release binary (the build, GNU time's peak RSS, medians and percentiles, the
//! `--json` import summary).
//!
//! Each bench file declares `mod common;` and uses what it needs, so not every item is used by
//! every bench.

#![allow(dead_code)]

use std::env;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

use serde::Serialize;

/// The generator's seed: "newsdb" 2024.
pub const SEED: u64 = 0x6e65_7773_6462_2024;

/// splitmix64: tiny, fast and good enough to make text; the same seed gives the same file on
/// every machine.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.range(0, items.len() as u64 - 1) as usize]
    }
}

pub const SOURCES: &[&str] = &[
    "Daily Ledger",
    "The Morning Herald",
    "Global Wire",
    "Coastal Times",
    "Metro Observer",
    "The Northern Post",
    "Capital Dispatch",
    "Pacific Chronicle",
    "Union Gazette",
    "Harbour Courier",
    "Highland Tribune",
    "Riverside Bulletin",
    "The Continental",
    "World Report Daily",
    "Civic Journal",
    "Frontier News",
    "Atlantic Record",
    "Summit Press",
    "Valley Sentinel",
    "Evening Review",
];

pub const FIRST_NAMES: &[&str] = &[
    "Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "James", "Kofi",
    "Laura", "Mateo", "Nadia", "Oliver", "Priya", "Quentin", "Rosa", "Samuel", "Tara", "Umar",
    "Vera", "William", "Yuki", "Zainab", "Daniel", "Sofia", "Marco", "Leila", "Tomas",
];

pub const LAST_NAMES: &[&str] = &[
    "Okafor",
    "Schmidt",
    "Tanaka",
    "Moreau",
    "Novak",
    "Haddad",
    "Lindqvist",
    "Mensah",
    "Costa",
    "Kowalski",
    "Park",
    "Fernandez",
    "Ivanova",
    "O'Brien",
    "Nguyen",
    "Rossi",
    "Adeyemi",
    "Brennan",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Gupta",
    "Horvat",
    "Jansen",
    "Kim",
    "Lopez",
    "Mwangi",
    "Petrov",
    "Sato",
];

pub const PLACES: &[&str] = &[
    "Berlin",
    "Lagos",
    "Seoul",
    "Brussels",
    "Nairobi",
    "Lima",
    "Jakarta",
    "Ottawa",
    "Madrid",
    "Hanoi",
    "Cairo",
    "Oslo",
    "Manila",
    "Warsaw",
    "Santiago",
    "Accra",
    "Dublin",
    "Canberra",
    "Mumbai",
    "Lisbon",
    "Vienna",
    "Bogota",
    "Dakar",
    "Helsinki",
    "Tunis",
    "Prague",
    "Quito",
    "Athens",
    "Kampala",
    "Wellington",
];

pub const SUBJECTS: &[&str] = &[
    "the government",
    "officials",
    "lawmakers",
    "the central bank",
    "analysts",
    "residents",
    "the company",
    "investors",
    "the committee",
    "regulators",
    "the prime minister",
    "the president",
    "the opposition",
    "local authorities",
    "health workers",
    "the union",
    "researchers",
    "the city council",
    "farmers",
    "business leaders",
];

pub const ORGS: &[&str] = &[
    "the finance ministry",
    "the World Bank",
    "the United Nations",
    "the health ministry",
    "the European Commission",
    "the national assembly",
    "the transport authority",
    "the electoral commission",
    "the International Monetary Fund",
    "the chamber of commerce",
    "the environment agency",
    "the supreme court",
];

pub const COMPANIES: &[&str] = &[
    "Northwind Energy",
    "Meridian Steel",
    "Bluewater Logistics",
    "Atlas Telecom",
    "Crescent Foods",
    "Harbor Pharma",
    "Summit Airlines",
    "Redline Motors",
    "Granite Bank",
    "Solace Insurance",
];

pub const VERBS_PAST: &[&str] = &[
    "announced",
    "confirmed",
    "rejected",
    "approved",
    "proposed",
    "criticised",
    "welcomed",
    "delayed",
    "expanded",
    "reviewed",
    "signed",
    "defended",
    "questioned",
    "unveiled",
    "postponed",
    "endorsed",
    "scaled back",
    "revised",
    "blocked",
    "finalised",
];

pub const VERBS_PRESENT: &[&str] = &[
    "approve", "reject", "unveil", "delay", "expand", "review", "back", "weigh", "debate", "scrap",
    "extend", "revise", "target", "defend", "probe",
];

pub const VERBS_BASE: &[&str] = &[
    "implement",
    "review",
    "finance",
    "challenge",
    "support",
    "amend",
    "monitor",
    "accelerate",
    "reconsider",
    "publish",
];

pub const ADJECTIVES: &[&str] = &[
    "new",
    "controversial",
    "long-awaited",
    "ambitious",
    "modest",
    "sweeping",
    "temporary",
    "regional",
    "national",
    "emergency",
    "annual",
    "preliminary",
    "joint",
    "broader",
    "fragile",
    "record",
    "unexpected",
    "cautious",
    "costly",
    "limited",
    "revised",
    "independent",
    "binding",
    "draft",
];

pub const NOUNS: &[&str] = &[
    "plan",
    "budget",
    "agreement",
    "investigation",
    "proposal",
    "policy",
    "reform",
    "deal",
    "programme",
    "report",
    "package",
    "election",
    "ceasefire",
    "strike",
    "project",
    "summit",
    "inquiry",
    "framework",
    "contract",
    "forecast",
    "review",
    "settlement",
    "bill",
    "initiative",
];

pub const TOPICS: &[&str] = &[
    "housing",
    "energy",
    "public transport",
    "water supply",
    "climate",
    "trade",
    "healthcare",
    "education",
    "defence",
    "tax",
    "immigration",
    "farm",
    "interest rate",
    "wage",
    "pension",
    "infrastructure",
    "data privacy",
    "fisheries",
    "tourism",
    "broadband",
    "rail",
    "flood defence",
];

pub const ROLES: &[&str] = &[
    "a spokesperson for",
    "a senior adviser at",
    "an economist at",
    "a former official at",
    "a deputy director at",
    "a policy analyst at",
];

pub const WHEN: &[&str] = &[
    "on Monday",
    "on Tuesday",
    "on Wednesday",
    "on Thursday",
    "on Friday",
    "over the weekend",
    "last week",
    "earlier this month",
    "late on Thursday",
    "in a statement",
    "after a closed-door meeting",
];

pub const CONNECTORS: &[&str] = &[
    "However,",
    "Meanwhile,",
    "In addition,",
    "Separately,",
    "According to officials,",
    "At the same time,",
    "For now,",
    "Still,",
];

pub const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// One JSON Lines record, in the field order of the import format.
#[derive(Serialize, Debug, PartialEq)]
pub struct Article {
    pub title: String,
    pub body: String,
    pub url: String,
    pub guid: String,
    pub source: String,
    pub authors: Vec<String>,
    pub published: String,
    pub language: String,
}

pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub fn person(rng: &mut SplitMix64) -> String {
    format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES))
}

pub fn sentence(rng: &mut SplitMix64) -> String {
    let s = match rng.range(0, 9) {
        0 => format!(
            "{} in {} {} a {} {} {} {}.",
            rng.pick(SUBJECTS),
            rng.pick(PLACES),
            rng.pick(VERBS_PAST),
            rng.pick(ADJECTIVES),
            rng.pick(TOPICS),
            rng.pick(NOUNS),
            rng.pick(WHEN)
        ),
        1 => format!(
            "\"We intend to {} the {} {} as soon as the funding is in place,\" said {}, {} {}.",
            rng.pick(VERBS_BASE),
            rng.pick(ADJECTIVES),
            rng.pick(NOUNS),
            person(rng),
            rng.pick(ROLES),
            rng.pick(ORGS)
        ),
        2 => format!(
            "The {} would affect about {} people across {} and {}, according to {}.",
            rng.pick(NOUNS),
            rng.range(2, 900) * 1000,
            rng.pick(PLACES),
            rng.pick(PLACES),
            rng.pick(ORGS)
        ),
        3 => format!(
            "{} {} said the {} {} had been {} after {} months of negotiations.",
            rng.pick(CONNECTORS),
            rng.pick(SUBJECTS),
            rng.pick(TOPICS),
            rng.pick(NOUNS),
            rng.pick(VERBS_PAST),
            rng.range(2, 30)
        ),
        4 => format!(
            "Critics argue that the {} does little to address rising {} costs, which have climbed \
             {}.{} percent since {}.",
            rng.pick(NOUNS),
            rng.pick(TOPICS),
            rng.range(1, 40),
            rng.range(0, 9),
            rng.pick(MONTHS)
        ),
        5 => format!(
            "{}, {} {}, told reporters in {} that the {} was {} but necessary.",
            person(rng),
            rng.pick(ROLES),
            rng.pick(ORGS),
            rng.pick(PLACES),
            rng.pick(NOUNS),
            rng.pick(ADJECTIVES)
        ),
        6 => format!(
            "{} is expected to {} the {} before {} {}, with a final decision due by the end of \
             the year.",
            capitalize(rng.pick(ORGS)),
            rng.pick(VERBS_BASE),
            rng.pick(NOUNS),
            rng.pick(MONTHS),
            rng.range(1, 28)
        ),
        7 => format!(
            "Shares of {} {} {}.{} percent in {} trading {}, as investors weighed the {} outlook.",
            rng.pick(COMPANIES),
            if rng.range(0, 1) == 0 { "rose" } else { "fell" },
            rng.range(0, 12),
            rng.range(0, 9),
            rng.pick(PLACES),
            rng.pick(WHEN),
            rng.pick(TOPICS)
        ),
        8 => format!(
            "{} the {} {} includes {} million dollars for {} and {} over the next {} years.",
            rng.pick(CONNECTORS),
            rng.pick(ADJECTIVES),
            rng.pick(NOUNS),
            rng.range(5, 950),
            rng.pick(TOPICS),
            rng.pick(TOPICS),
            rng.range(2, 10)
        ),
        _ => format!(
            "Similar {} measures in {} and {} were {} by {} within a year.",
            rng.pick(TOPICS),
            rng.pick(PLACES),
            rng.pick(PLACES),
            rng.pick(VERBS_PAST),
            rng.pick(SUBJECTS)
        ),
    };
    capitalize(&s)
}

/// Article `n` of the benchmark set. It depends only on `n`, so the 20,000-article file is the
/// first 20,000 lines of the 200,000-article one.
pub fn article(n: u64) -> Article {
    let mut rng = SplitMix64(SEED ^ n.wrapping_mul(0xd1b5_4a32_d192_ed03));
    let place = rng.pick(PLACES);
    let title = format!(
        "{} {} {} {} {} {}",
        place,
        rng.pick(SUBJECTS).trim_start_matches("the "),
        rng.pick(VERBS_PRESENT),
        rng.pick(ADJECTIVES),
        rng.pick(TOPICS),
        rng.pick(NOUNS)
    );
    let paragraphs = rng.range(4, 8);
    let mut body = String::with_capacity(3000);
    for p in 0..paragraphs {
        if p > 0 {
            body.push_str("\n\n");
        }
        if p == 0 {
            // A figure unique to the article guarantees distinct content hashes, so a fresh
            // import of N articles must report exactly N new ones.
            body.push_str(&format!(
                "{} received {} submissions on the {} {} from residents of {}. ",
                capitalize(rng.pick(ORGS)),
                100_000 + n,
                rng.pick(TOPICS),
                rng.pick(NOUNS),
                place
            ));
        }
        let sentences = rng.range(2, 4);
        for s in 0..sentences {
            if s > 0 {
                body.push(' ');
            }
            body.push_str(&sentence(&mut rng));
        }
    }
    let authors = (0..rng.range(1, 3)).map(|_| person(&mut rng)).collect();
    // Seconds into 2024 (a leap year: 366 days).
    let offset = rng.range(0, 366 * 86_400 - 1) as i64;
    let published = chrono::DateTime::from_timestamp(1_704_067_200 + offset, 0)
        .expect("2024 is a valid date")
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let guid = format!(
        "urn:uuid:{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        rng.next_u64() as u32,
        rng.next_u64() as u16,
        rng.next_u64() & 0xfff,
        rng.next_u64() & 0xfff,
        rng.next_u64() & 0xffff_ffff_ffff
    );
    Article {
        title,
        body,
        url: format!("https://example.com/news/{n}"),
        guid,
        source: rng.pick(SOURCES).to_string(),
        authors,
        published,
        language: "en".to_string(),
    }
}

/// Writes articles `0..n` as JSON Lines and returns the file size in bytes.
pub fn generate_file(path: &Path, n: u64) -> io::Result<u64> {
    write_jsonl(path, n, article)
}

/// Writes `record(0..n)` as JSON Lines and returns the file size in bytes: the one writer for
/// every bench's generator.
pub fn write_jsonl<T: Serialize>(
    path: &Path,
    n: u64,
    record: impl Fn(u64) -> T,
) -> io::Result<u64> {
    let mut out = BufWriter::new(File::create(path)?);
    for i in 0..n {
        serde_json::to_writer(&mut out, &record(i))?;
        out.write_all(b"\n")?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(fs::metadata(path)?.len())
}

// ---------------------------------------------------------------------------------------------
// The environment

/// A path from the environment; unset and empty are both `None`.
pub fn env_path(name: &str) -> Option<PathBuf> {
    env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// A positive count from the environment, `default` when unset.
pub fn env_count(name: &str, default: u64) -> Result<u64, String> {
    match env::var(name) {
        Ok(value) => value
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("{name}={value:?} is not a positive count")),
        Err(_) => Ok(default),
    }
}

/// The 1-minute load average and the core count: timings swing several-fold on a shared
/// machine, and the load puts them in context.
pub fn load_average() -> Option<String> {
    let load = fs::read_to_string("/proc/loadavg").ok()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let one_minute = load.split_whitespace().next().unwrap_or("?");
    Some(format!("{one_minute} (1-minute average) on {cores} cores"))
}

// ---------------------------------------------------------------------------------------------
// Running newsdb

pub const GNU_TIME: &str = "/usr/bin/time";

/// Builds the release binary with the same cargo that runs the bench, and returns its path
/// (the bench profile builds the bench itself, not the binary it runs). `NEWSDB_BENCH_BIN=PATH`
/// skips the build and times that binary.
pub fn newsdb_binary() -> Result<PathBuf, String> {
    if let Some(bin) = env_path("NEWSDB_BENCH_BIN") {
        return Ok(bin);
    }
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    println!("building: cargo build --release --bin newsdb");
    let status = Command::new(cargo)
        .args(["build", "--release", "--bin", "newsdb"])
        .current_dir(manifest_dir)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("cargo build --release --bin newsdb failed".into());
    }
    let target_dir = match env_path("CARGO_TARGET_DIR") {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => manifest_dir.join(dir),
        None => manifest_dir.join("target"),
    };
    Ok(target_dir.join("release").join("newsdb"))
}

/// Removes a SQLite database and its side files.
pub fn remove_database(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = fs::remove_file(PathBuf::from(p));
    }
}

/// One finished command: wall seconds, peak RSS and what it printed.
pub struct Timed {
    pub seconds: f64,
    /// Peak RSS in MB, from GNU time's `%M`; `None` without `/usr/bin/time`.
    pub rss_mb: Option<f64>,
    pub output: Output,
}

/// Runs `program` with the arguments and environment `setup` adds, under
/// `/usr/bin/time -o TIME_FILE -f '%e %M'` when it exists, without `NEWSDB_DB`, stdin closed
/// and output captured. Wall time comes from our own clock (finer than `%e`); peak RSS from
/// `%M`. The exit status is the caller's to judge.
pub fn run_timed(
    program: &Path,
    time_file: &Path,
    setup: impl FnOnce(&mut Command),
) -> Result<Timed, String> {
    let use_time = Path::new(GNU_TIME).exists();
    let mut command = if use_time {
        let mut c = Command::new(GNU_TIME);
        c.arg("-o")
            .arg(time_file)
            .args(["-f", "%e %M"])
            .arg(program);
        c
    } else {
        Command::new(program)
    };
    setup(&mut command);
    command
        .env_remove("NEWSDB_DB")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let output = command
        .output()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let seconds = start.elapsed().as_secs_f64();
    let rss_mb = if use_time {
        fs::read_to_string(time_file)
            .ok()
            .and_then(|text| parse_time_output(&text))
    } else {
        None
    };
    Ok(Timed {
        seconds,
        rss_mb,
        output,
    })
}

/// Peak RSS in MB from GNU time's `%e %M` line (the last line: time may add a status line).
pub fn parse_time_output(text: &str) -> Option<f64> {
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The last 20 lines of a failed command's stderr, for the failure message.
pub fn stderr_tail(stderr: &[u8]) -> String {
    let stderr = String::from_utf8_lossy(stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
}

/// The arguments of `newsdb --db DB import INPUT --json`.
pub fn import_args<'a>(db: &'a Path, input: &'a Path) -> Vec<&'a OsStr> {
    vec![
        OsStr::new("--db"),
        db.as_os_str(),
        OsStr::new("import"),
        input.as_os_str(),
        OsStr::new("--json"),
    ]
}

// ---------------------------------------------------------------------------------------------
// Statistics

/// The median; the slice is sorted in place.
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// The nearest-rank percentile `p` (0-100) of `values`.
/// Milliseconds of each run of `newsdb --db DB ARGS` (output piped and read, as a script would);
/// an error when a run fails or the first prints fewer than two lines (no rows).
pub fn time_process(
    newsdb: &Path,
    db: &Path,
    args: &[String],
    runs: usize,
) -> Result<Vec<f64>, String> {
    let mut times = Vec::with_capacity(runs);
    for run in 0..runs {
        let start = Instant::now();
        let output = Command::new(newsdb)
            .arg("--db")
            .arg(db)
            .args(args)
            .env_remove("NEWSDB_DB")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run newsdb: {e}"))?;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        if !output.status.success() {
            return Err(format!(
                "`newsdb {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        if run == 0 && output.stdout.iter().filter(|&&b| b == b'\n').count() < 2 {
            return Err(format!("`newsdb {}` printed no rows", args.join(" ")));
        }
    }
    Ok(times)
}

pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

// ---------------------------------------------------------------------------------------------
// The `--json` import summary

/// The JSON object `newsdb import --json` printed. Anything else on stdout (a log line, several
/// objects): the last object line.
pub fn summary_json(stdout: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str::<serde_json::Value>(stdout.trim())
        .ok()
        .filter(serde_json::Value::is_object)
        .or_else(|| {
            stdout.lines().rev().find_map(|line| {
                serde_json::from_str::<serde_json::Value>(line.trim())
                    .ok()
                    .filter(serde_json::Value::is_object)
            })
        })
        .ok_or_else(|| format!("no JSON object in the import's stdout: {stdout:?}"))
}

/// The counts of one `newsdb import --json` run. Unknown keys are ignored; a key may also sit
/// one level down (`{"summary": {...}}`), in case the summary grows sections.
#[derive(Debug, Default, PartialEq)]
pub struct Summary {
    pub new_articles: Option<u64>,
    pub duplicates: Option<u64>,
    pub items: Option<u64>,
    pub rejected: Option<u64>,
    pub elapsed_seconds: Option<f64>,
}

pub fn parse_summary(stdout: &str) -> Result<Summary, String> {
    let object = summary_json(stdout)?;
    let find = |key: &str| -> Option<&serde_json::Value> {
        let map = object.as_object()?;
        map.get(key)
            .or_else(|| map.values().find_map(|v| v.as_object()?.get(key)))
    };
    let count = |key: &str| -> Option<u64> {
        match find(key)? {
            serde_json::Value::Number(n) => n.as_u64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                    .map(|f| f as u64)
            }),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    let seconds = |key: &str| -> Option<f64> {
        match find(key)? {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    Ok(Summary {
        new_articles: count("new_articles"),
        duplicates: count("duplicates"),
        items: count("items"),
        rejected: count("rejected"),
        elapsed_seconds: seconds("elapsed_seconds"),
    })
}
