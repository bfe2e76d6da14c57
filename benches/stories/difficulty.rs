//! How hard a set is, measured on the exact word 5-shingles of the bodies (no sampling): how much
//! text the versions of one story share, and how much different stories share (the hard
//! negatives). Containment of a pair = shared shingles / shingles of the smaller text.

use std::collections::{HashMap, HashSet};

use crate::corpus::shingles;
use crate::generate::Record;

#[derive(Debug, Default)]
pub struct Difficulty {
    /// Same-story pairs, and those whose containment is under 0.5 (teasers of a long text, heavy
    /// cuts plus additions).
    pub story_pairs: u64,
    pub story_pairs_under_half: u64,
    /// Pairs of different stories sharing at least one shingle, those at containment >= 0.2,
    /// and the largest containment between two different stories.
    pub cross_pairs_sharing: u64,
    pub cross_pairs_over_fifth: u64,
    pub cross_max_containment: f64,
}

/// Shingles found in more than this many records are boilerplate and not counted (as in any
/// candidate index).
const COMMON: usize = 50;

pub fn measure(records: &[Record]) -> Difficulty {
    let sets: Vec<HashSet<u64>> = records.iter().map(|r| shingles(&r.body)).collect();
    let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, set) in sets.iter().enumerate() {
        for &s in set {
            index.entry(s).or_default().push(i);
        }
    }
    let mut shared: HashMap<(usize, usize), u64> = HashMap::new();
    for holders in index.values().filter(|h| h.len() > 1 && h.len() <= COMMON) {
        for (k, &a) in holders.iter().enumerate() {
            for &b in &holders[k + 1..] {
                *shared.entry((a.min(b), a.max(b))).or_default() += 1;
            }
        }
    }
    let mut d = Difficulty::default();
    let mut by_story: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        by_story.entry(&r.story).or_default().push(i);
    }
    let containment =
        |a: usize, b: usize, n: u64| n as f64 / sets[a].len().min(sets[b].len()).max(1) as f64;
    for members in by_story.values() {
        for (k, &a) in members.iter().enumerate() {
            for &b in &members[k + 1..] {
                d.story_pairs += 1;
                let n = shared.get(&(a.min(b), a.max(b))).copied().unwrap_or(0);
                if containment(a, b, n) < 0.5 {
                    d.story_pairs_under_half += 1;
                }
            }
        }
    }
    for (&(a, b), &n) in &shared {
        if records[a].story == records[b].story {
            continue;
        }
        d.cross_pairs_sharing += 1;
        let c = containment(a, b, n);
        if c >= 0.2 {
            d.cross_pairs_over_fifth += 1;
        }
        d.cross_max_containment = d.cross_max_containment.max(c);
    }
    d
}
