//! The syndicated versions of issue 13 item 5, built from the base texts with a fixed seed:
//! every edit a copy desk makes (a new headline, a dateline, an abridgement, a credit line, ~2%
//! of words changed, a local paragraph, two paragraphs merged, a kicker, combinations), feed
//! teasers, and the hard negatives (same-topic stories, follow-ups that reuse background).

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::common::{FIRST_NAMES, LAST_NAMES, SOURCES, SplitMix64};
use crate::corpus::{Base, fnv1a, shingles};

/// One record newsdb imports (JSON Lines).
#[derive(Clone, Debug, Serialize)]
pub struct Record {
    pub title: String,
    pub body: String,
    pub url: String,
    pub published: String,
    pub source: String,
    #[serde(skip)]
    pub story: String,
    #[serde(skip)]
    pub kind: String,
    #[serde(skip)]
    pub topic: String,
}

/// What one set holds, for the README and the bench's printout.
#[derive(Debug, Default)]
pub struct SetStats {
    pub records: usize,
    pub stories: usize,
    pub singletons: usize,
    pub largest: usize,
    pub full_bases: usize,
    pub follow_ups: usize,
    pub teasers: usize,
    pub edits: HashMap<&'static str, usize>,
    pub difficulty: crate::difficulty::Difficulty,
}

const CITIES: &[&str] = &[
    "LONDON",
    "NEW YORK",
    "WASHINGTON",
    "PARIS",
    "BERLIN",
    "TOKYO",
    "SYDNEY",
    "NAIROBI",
    "MUMBAI",
    "TORONTO",
    "BRUSSELS",
    "SAN FRANCISCO",
    "GENEVA",
    "SEOUL",
    "MADRID",
    "CHICAGO",
];
const AGENCIES: &[&str] = &[
    "Reuters",
    "AP",
    "AFP",
    "dpa",
    "Bloomberg",
    "Agency",
    "UPI",
    "PA",
];
const KICKERS: &[&str] = &[
    "EXCLUSIVE",
    "BREAKING",
    "UPDATED",
    "ANALYSIS",
    "WATCH",
    "DEVELOPING",
    "FACT CHECK",
    "LIVE",
];

/// Builds one set from its base texts. `local_donors` are short real texts used only as the
/// "local paragraph" a paper adds (each at most once, never a story of its own).
pub fn build_set(
    name: &str,
    bases: &[Base],
    local_donors: &[String],
    seed: u64,
) -> (Vec<Record>, SetStats) {
    let mut rng = SplitMix64(seed ^ fnv1a(name.as_bytes()));
    let mut stats = SetStats::default();
    let mut records: Vec<Record> = Vec::new();
    let mut donors = local_donors.iter();
    let mut url_counter = 0usize;
    let mut story_counter = 0usize;

    // Shingles in more than one base text of the set: feed boilerplate ("This is another post
    // in our series..."). A teaser or reused background made of it could not be told apart, so
    // teasers and follow-ups take distinctive paragraphs.
    let mut holders: HashMap<u64, usize> = HashMap::new();
    for base in bases {
        for s in shingles(&base.paragraphs.join("\n")) {
            *holders.entry(s).or_default() += 1;
        }
    }
    let distinctive = |paragraph: &str| {
        let set = shingles(paragraph);
        let common = set
            .iter()
            .filter(|s| holders.get(s).copied().unwrap_or(0) > 1)
            .count();
        paragraph.split_whitespace().count() >= 10 && common * 2 < set.len()
    };
    let lead_of = |base: &Base| base.paragraphs.iter().position(|p| distinctive(p));

    let (full, other): (Vec<&Base>, Vec<&Base>) = bases.iter().partition(|b| b.is_full());
    stats.full_bases = full.len();
    // About one full text in seven is "new text" for a follow-up: a different story that reuses
    // one to three background paragraphs of another story of the same topic when there is one.
    let mut follow_up_text: Vec<&Base> = Vec::new();
    let mut story_bases: Vec<&Base> = Vec::new();
    for base in &full {
        if rng.range(0, 6) == 0 {
            follow_up_text.push(base);
        } else {
            story_bases.push(base);
        }
    }

    let mut new_story = || -> String {
        story_counter += 1;
        format!("{name}-s{story_counter:05}")
    };

    // Full stories: sizes like a news day (many singletons and pairs, some wire stories with
    // 5-10 versions).
    let mut story_texts: Vec<(String, &Base)> = Vec::new();
    for base in &story_bases {
        let label = new_story();
        let size = match rng.range(0, 99) {
            0..=19 => 1,
            20..=44 => 2,
            45..=59 => 3,
            60..=71 => 4,
            _ => rng.range(5, 10) as usize,
        };
        let original_included = rng.range(0, 9) < 7;
        for v in 0..size {
            let (title, body, kind) = if v == 0 && original_included {
                (
                    base.title.clone(),
                    base.paragraphs.clone(),
                    "original".to_string(),
                )
            } else {
                version(&mut rng, base, lead_of(base), &mut donors, &mut stats)
            };
            push(
                &mut records,
                &mut rng,
                &mut url_counter,
                base,
                title,
                body,
                &label,
                kind,
            );
        }
        story_texts.push((label, base));
    }

    // Follow-ups: B's text with one to three paragraphs of story A inside, a minority of A's
    // paragraphs and of the follow-up's. A different story, which can itself be reprinted.
    for text in &follow_up_text {
        let same_topic: Vec<&(String, &Base)> = story_texts
            .iter()
            .filter(|(_, a)| a.topic == text.topic)
            .collect();
        let pool: Vec<&(String, &Base)> = if same_topic.is_empty() {
            story_texts.iter().collect()
        } else {
            same_topic
        };
        if pool.is_empty() {
            continue;
        }
        let (_, background) = pool[rng.range(0, pool.len() as u64 - 1) as usize];
        // Background comes from after A's lead (a teaser of A is its lead), and is distinctive
        // text, not the feed's boilerplate.
        let after_lead = lead_of(background).map_or(1, |i| i + 1);
        if background.paragraphs.len() <= after_lead {
            continue;
        }
        let most = (background.paragraphs.len() - 1) / 2; // a minority of A's paragraphs
        let most = most
            .min(3)
            .min(text.paragraphs.len() / 2)
            .min(background.paragraphs.len() - after_lead)
            .max(1);
        let mut reused = rng.range(1, most as u64) as usize;
        let start = rng.range(
            after_lead as u64,
            (background.paragraphs.len() - reused) as u64,
        ) as usize;
        // A minority in words too: at most a third of A's text and of the follow-up's.
        let words = |ps: &[String]| {
            ps.iter()
                .map(|p| p.split_whitespace().count())
                .sum::<usize>()
        };
        let (a_words, new_words) = (words(&background.paragraphs), words(&text.paragraphs));
        while reused > 0 {
            let w = words(&background.paragraphs[start..start + reused]);
            if w * 3 <= a_words && w * 3 <= new_words + w {
                break;
            }
            reused -= 1;
        }
        if reused == 0 {
            continue;
        }
        let mut paragraphs = text.paragraphs.clone();
        // After the follow-up's own lead, so that its teaser is its own text.
        let own_lead = lead_of(text).unwrap_or(0);
        let at = rng.range(own_lead as u64 + 1, paragraphs.len() as u64) as usize;
        for (i, p) in background.paragraphs[start..start + reused]
            .iter()
            .enumerate()
        {
            paragraphs.insert(at + i, p.clone());
        }
        let follow_up = Base {
            title: text.title.clone(),
            paragraphs,
            source: text.source.clone(),
            topic: text.topic.clone(),
        };
        let label = new_story();
        stats.follow_ups += 1;
        let size = if rng.range(0, 2) == 0 {
            rng.range(2, 3)
        } else {
            1
        };
        for v in 0..size {
            let (title, body, kind) = if v == 0 {
                (
                    follow_up.title.clone(),
                    follow_up.paragraphs.clone(),
                    "follow-up".to_string(),
                )
            } else {
                let lead = lead_of(text);
                let (t, b, k) = version(&mut rng, &follow_up, lead, &mut donors, &mut stats);
                (t, b, format!("follow-up {k}"))
            };
            push(
                &mut records,
                &mut rng,
                &mut url_counter,
                &follow_up,
                title,
                body,
                &label,
                kind,
            );
        }
    }

    // Shorter texts (feed items): mostly alone; a few reprinted with light edits (no cuts).
    for base in &other {
        let label = new_story();
        let size = if base.words() >= 40 && rng.range(0, 3) == 0 {
            rng.range(2, 3)
        } else {
            1
        };
        for v in 0..size {
            let (title, body, kind) = if v == 0 {
                (
                    base.title.clone(),
                    base.paragraphs.clone(),
                    "original".to_string(),
                )
            } else {
                light_version(&mut rng, base, &mut stats)
            };
            push(
                &mut records,
                &mut rng,
                &mut url_counter,
                base,
                title,
                body,
                &label,
                kind,
            );
        }
    }

    // A news day arrives in no particular order.
    for i in (1..records.len()).rev() {
        let j = rng.range(0, i as u64) as usize;
        records.swap(i, j);
    }
    let mut sizes: HashMap<&str, usize> = HashMap::new();
    for r in &records {
        *sizes.entry(&r.story).or_default() += 1;
    }
    stats.records = records.len();
    stats.stories = sizes.len();
    stats.singletons = sizes.values().filter(|&&n| n == 1).count();
    stats.largest = sizes.values().copied().max().unwrap_or(0);
    stats.teasers = records.iter().filter(|r| r.kind.contains("teaser")).count();
    (records, stats)
}

#[allow(clippy::too_many_arguments)]
fn push(
    records: &mut Vec<Record>,
    rng: &mut SplitMix64,
    url_counter: &mut usize,
    base: &Base,
    title: String,
    paragraphs: Vec<String>,
    story: &str,
    kind: String,
) {
    *url_counter += 1;
    let source = if kind == "original" && !base.source.is_empty() {
        base.source.clone()
    } else {
        rng.pick(SOURCES).to_string()
    };
    let domain: String = source
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let domain = if domain.is_empty() {
        "news".to_string()
    } else {
        domain
    };
    // ASCII only: newsdb stores URLs canonical (percent-encoded), and the truth must name
    // each record exactly as article_urls will.
    let slug: String = crate::corpus::words_of(&title)
        .into_iter()
        .filter(|w| w.chars().all(|c| c.is_ascii_alphanumeric()))
        .take(6)
        .collect::<Vec<_>>()
        .join("-");
    let slug = if slug.is_empty() {
        "story".to_string()
    } else {
        slug
    };
    let day = rng.range(1, 3);
    let url = format!(
        "https://www.{domain}.example/2026/11/{day:02}/{slug}-{n}",
        n = *url_counter
    );
    let published = format!(
        "2026-11-{day:02}T{:02}:{:02}:00Z",
        rng.range(0, 23),
        rng.range(0, 59)
    );
    records.push(Record {
        title,
        body: paragraphs.join("\n\n"),
        url,
        published,
        source,
        story: story.to_string(),
        kind,
        topic: base.topic.clone(),
    });
}

/// One syndicated version of a full text: a feed teaser, or one to four copy-desk edits.
fn version<'a>(
    rng: &mut SplitMix64,
    base: &Base,
    lead: Option<usize>,
    donors: &mut impl Iterator<Item = &'a String>,
    stats: &mut SetStats,
) -> (String, Vec<String>, String) {
    // A teaser is the headline and the first sentence or two of the lead (the first distinctive
    // paragraph); a text whose every paragraph is boilerplate gets no teaser.
    if let Some(lead) = lead.filter(|_| rng.range(0, 99) < 15) {
        *stats.edits.entry("teaser").or_default() += 1;
        let title = if rng.range(0, 1) == 0 {
            new_headline(rng, base)
        } else {
            base.title.clone()
        };
        let mut sentences = rng.range(1, 2) as usize;
        let mut teaser = lead_sentences(&base.paragraphs[lead], sentences);
        while teaser.split_whitespace().count() < 12 && sentences < 4 {
            sentences += 1;
            teaser = lead_sentences(&base.paragraphs[lead], sentences);
        }
        return (title, vec![teaser], "teaser".into());
    }
    let mut title = base.title.clone();
    let mut paragraphs = base.paragraphs.clone();
    let mut applied: Vec<&'static str> = Vec::new();
    let count = rng.range(1, 4);
    let mut chosen: Vec<u64> = Vec::new();
    while (chosen.len() as u64) < count {
        let e = rng.range(0, 7);
        if !chosen.contains(&e) {
            chosen.push(e);
        }
    }
    chosen.sort_unstable();
    // Cuts come before the additions so that "at least half the paragraphs" is of the original.
    for e in chosen {
        match e {
            0 => {
                title = new_headline(rng, base);
                applied.push("headline");
            }
            1 => {
                abridge(rng, &mut paragraphs);
                applied.push("abridged");
            }
            2 => {
                change_words(rng, &mut paragraphs, base);
                applied.push("words");
            }
            3 => {
                merge_two(rng, &mut paragraphs);
                applied.push("merged");
            }
            4 => {
                if let Some(local) = donors.next() {
                    let at = rng.range(1, paragraphs.len() as u64) as usize;
                    paragraphs.insert(at, local.clone());
                    applied.push("local");
                }
            }
            5 => {
                paragraphs[0] = format!("{}{}", dateline(rng), paragraphs[0]);
                applied.push("dateline");
            }
            6 => {
                paragraphs.push(credit_line(rng));
                applied.push("credit");
            }
            _ => {
                let kicker = rng.pick(KICKERS);
                paragraphs.insert(0, kicker.to_string());
                if rng.range(0, 1) == 0 {
                    title = format!("{kicker}: {title}");
                }
                applied.push("kicker");
            }
        }
    }
    for a in &applied {
        *stats.edits.entry(a).or_default() += 1;
    }
    (title, paragraphs, applied.join("+"))
}

/// A reprint of a short text: a headline, a dateline, a credit, a kicker or a few words changed.
fn light_version(
    rng: &mut SplitMix64,
    base: &Base,
    stats: &mut SetStats,
) -> (String, Vec<String>, String) {
    let mut title = base.title.clone();
    let mut paragraphs = base.paragraphs.clone();
    let kind = match rng.range(0, 4) {
        0 => {
            title = new_headline(rng, base);
            "headline"
        }
        1 => {
            paragraphs[0] = format!("{}{}", dateline(rng), paragraphs[0]);
            "dateline"
        }
        2 => {
            paragraphs.push(credit_line(rng));
            "credit"
        }
        3 => {
            change_words(rng, &mut paragraphs, base);
            "words"
        }
        _ => {
            paragraphs.insert(0, rng.pick(KICKERS).to_string());
            "kicker"
        }
    };
    *stats.edits.entry(kind).or_default() += 1;
    (title, paragraphs, format!("short {kind}"))
}

/// A new headline: the lead sentence cut to a headline's length, or the old one with a section
/// or outlet tag.
fn new_headline(rng: &mut SplitMix64, base: &Base) -> String {
    match rng.range(0, 2) {
        0 => {
            let lead = lead_sentences(&base.paragraphs[0], 1);
            let n = rng.range(7, 12) as usize;
            let words: Vec<&str> = lead.split_whitespace().take(n).collect();
            words
                .join(" ")
                .trim_end_matches([',', ';', ':', '.'])
                .to_string()
        }
        1 => format!("{} | {}", base.title, rng.pick(SOURCES)),
        _ => format!(
            "{}: {}",
            rng.pick(&["Update", "World", "Business", "Tech", "Local"]),
            base.title
        ),
    }
}

/// The first `n` sentences of a paragraph (a sentence ends with . ! or ? and a space).
fn lead_sentences(paragraph: &str, n: usize) -> String {
    let mut end = paragraph.len();
    let mut found = 0;
    let bytes = paragraph.as_bytes();
    for i in 0..bytes.len().saturating_sub(1) {
        if matches!(bytes[i], b'.' | b'!' | b'?') && bytes[i + 1] == b' ' && i > 20 {
            found += 1;
            if found == n {
                end = i + 1;
                break;
            }
        }
    }
    paragraph[..end].to_string()
}

fn dateline(rng: &mut SplitMix64) -> String {
    let city = rng.pick(CITIES);
    let agency = rng.pick(AGENCIES);
    let dash = rng.pick(&["-", "—", "--"]);
    format!("{city} ({agency}) {dash} ")
}

fn credit_line(rng: &mut SplitMix64) -> String {
    let name = |rng: &mut SplitMix64| format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES));
    match rng.range(0, 3) {
        0 => format!("Reporting by {}; Editing by {}", name(rng), name(rng)),
        1 => format!(
            "© 2026 {}. All rights reserved.",
            rng.pick(&["The Associated Press", "Reuters", "AFP"])
        ),
        2 => format!(
            "This story was originally published by {}.",
            rng.pick(SOURCES)
        ),
        _ => format!(
            "Additional reporting by {} in {}.",
            name(rng),
            rng.pick(CITIES)
        ),
    }
}

/// Keeps at least half the paragraphs: cut from the end, or (one time in three) a block from
/// the middle.
fn abridge(rng: &mut SplitMix64, paragraphs: &mut Vec<String>) {
    let n = paragraphs.len();
    let keep = rng.range(n.div_ceil(2) as u64, (n - 1).max(n.div_ceil(2)) as u64) as usize;
    let cut = n - keep;
    if cut == 0 {
        return;
    }
    if rng.range(0, 2) == 0 && n - cut >= 2 {
        let start = rng.range(1, (n - cut - 1) as u64) as usize;
        paragraphs.drain(start..start + cut);
    } else {
        paragraphs.truncate(keep);
    }
}

/// Changes about 2% of the words: another word of the text, a typo, or a number.
fn change_words(rng: &mut SplitMix64, paragraphs: &mut [String], base: &Base) {
    let vocabulary: Vec<&str> = base
        .paragraphs
        .iter()
        .flat_map(|p| p.split_whitespace())
        .filter(|w| w.chars().all(char::is_alphabetic) && w.len() > 3)
        .collect();
    let total: usize = paragraphs
        .iter()
        .map(|p| p.split_whitespace().count())
        .sum();
    let changes = (total as f64 * 0.02).round().max(1.0) as usize;
    for _ in 0..changes {
        let p = rng.range(0, paragraphs.len() as u64 - 1) as usize;
        let mut words: Vec<String> = paragraphs[p].split_whitespace().map(String::from).collect();
        if words.is_empty() {
            continue;
        }
        let w = rng.range(0, words.len() as u64 - 1) as usize;
        let word = &words[w];
        let replacement = if word.chars().any(|c| c.is_ascii_digit()) {
            word.chars()
                .map(|c| {
                    if c.is_ascii_digit() {
                        char::from(b'0' + ((c as u8 - b'0' + 1) % 10))
                    } else {
                        c
                    }
                })
                .collect()
        } else if rng.range(0, 1) == 0 && word.chars().count() > 3 {
            let mut chars: Vec<char> = word.chars().collect();
            let i = rng.range(1, chars.len() as u64 - 2) as usize;
            chars.swap(i, i + 1);
            chars.into_iter().collect()
        } else if !vocabulary.is_empty() {
            vocabulary[rng.range(0, vocabulary.len() as u64 - 1) as usize].to_string()
        } else {
            format!("{word}s")
        };
        words[w] = replacement;
        paragraphs[p] = words.join(" ");
    }
}

/// Two neighbouring paragraphs become one.
fn merge_two(rng: &mut SplitMix64, paragraphs: &mut Vec<String>) {
    if paragraphs.len() < 2 {
        return;
    }
    let i = rng.range(0, paragraphs.len() as u64 - 2) as usize;
    let next = paragraphs.remove(i + 1);
    let _ = write!(paragraphs[i], " {next}");
}
