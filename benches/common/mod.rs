//! Deterministic benchmark articles, shared by the benches: the same seed gives the same
//! JSON Lines file on every machine, and article `n` depends only on `n`.
//!
//! Each bench file declares `mod common;` and uses what it needs, so not every item is used by
//! every bench.

#![allow(dead_code)]

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

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
    let mut out = BufWriter::new(File::create(path)?);
    for i in 0..n {
        serde_json::to_writer(&mut out, &article(i))?;
        out.write_all(b"\n")?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(fs::metadata(path)?.len())
}
