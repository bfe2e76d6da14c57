//! Stories: finding the near copies of an article (reprints, abridged versions, a teaser and its
//! full text) from a small sketch of each. Pure: no I/O, no SQL, no threads.
//!
//! ## The rule
//!
//! The text is the article body (the title only when the body has no words: reprints change
//! headlines), split into words (lowercased runs of letters and digits) and cut into overlapping
//! 5-word shingles, each hashed; shingles do not cross the end of a sentence, so a dateline or
//! a kicker changes only the shingles of the first sentence. A [`Sketch`] keeps the number of distinct shingles, the first 64
//! shingles in text order (the lead) and a consistent hash sample of the rest (every shingle
//! whose hash falls in the lowest 1/12 of the range, at least 16, at most 64), about 300 bytes
//! for a 2.5 KB body.
//!
//! Two articles are compared only when they share candidate keys ([`Sketch::candidate_keys`]):
//! the smallest shingle hash of each of the first 8 sentences (a teaser's sentences give the same
//! keys as in the full text) and the 12 smallest of the whole text (bottom-k sampling, which keeps
//! a shingle of a long original among the keys of a short copy that kept it). A key shared by
//! more than [`MAX_BUCKET`] articles is boilerplate and is not compared against. Two long texts
//! must share at least [`MIN_SHARED_KEYS`] keys ([`worth_comparing`]): copies share many, while
//! one shared key is mostly a stock phrase; a short text (a teaser, all of its shingles in its
//! lead) is compared on one, as its single lead sentence may be all it has in common with the
//! full text.
//!
//! [`compare`] estimates how much of the shorter text is contained in the longer one:
//! - from the two hash samples, restricted to the range both cover completely: shared shingles
//!   over the shorter sample's shingles;
//! - for a short text whose shingles all fit in its lead (a teaser: headline and a lead sentence
//!   or two), from all its shingles looked up in the other's lead and sample.
//!
//! The containment is the better of the two, counted over at least 8 shingles (a text of 3
//! shingles that matches counts 3/8), so a handful of shared words is never a copy. A text of
//! fewer than 16 shingles (a headline alone, a one-line teaser) that is not wholly found counts
//! over 16: one different word in a headline is more often another item of a series ("Day
//! One", "Day Two") than an edit. When the two
//! openings agree (the share of the first 16 shingles of one found in the first 64 of the other,
//! the better direction) more than the texts overlap, the score is raised halfway towards that
//! agreement: copies keep the lead, give or take a dateline or a kicker, so an abridged copy
//! with a long local paragraph still scores, while a follow-up or another story on the same
//! topic has a lead of its own. So with the default threshold 0.7, a copy needs a containment of
//! 0.7, or of 0.4 with identical openings. [`is_copy`] holds when the score reaches the threshold
//! ([`DEFAULT_THRESHOLD`]). Containment, not Jaccard, is what
//! survives abridgement and teasers; a follow-up that reuses one to three background
//! paragraphs of another story shares only a minority of the shorter text, and stays apart.

mod shingles;
mod sketch;

pub use sketch::{Sketch, SketchError};

use serde::Serialize;

/// How alike two sketches are. All three are in 0..=1.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Similarity {
    /// What [`is_copy`] compares with the threshold: `containment`, counted over at least
    /// [`MIN_EVIDENCE`] shingles (over [`PARTIAL_EVIDENCE`] when a short text is not wholly found).
    pub score: f64,
    /// The estimated share of the shorter text's shingles found in the longer text.
    pub containment: f64,
    /// The estimated Jaccard similarity of the two shingle sets.
    pub jaccard: f64,
}

/// The default score from which two articles are copies (`stories rebuild --threshold`).
pub const DEFAULT_THRESHOLD: f64 = 0.7;

/// Candidate buckets larger than this are not compared against (boilerplate shingles).
pub const MAX_BUCKET: usize = 200;

/// Two texts that are not short are compared only when they share this many candidate keys.
pub const MIN_SHARED_KEYS: usize = 2;

/// Containment is counted over at least this many shingles when computing the score.
pub const MIN_EVIDENCE: usize = 8;

/// A text of fewer shingles than this that is not wholly found counts over this many.
pub const PARTIAL_EVIDENCE: usize = 16;

/// The opening of a text, in shingles, compared by [`opening_agreement`].
pub const OPENING_SHINGLES: usize = 16;

/// Symmetric: `compare(a, b) == compare(b, a)`.
pub fn compare(a: &Sketch, b: &Sketch) -> Similarity {
    let limit = a.sample_limit().min(b.sample_limit());
    let sample_a = &a.sample[..a.sample.partition_point(|&hash| hash <= limit)];
    let sample_b = &b.sample[..b.sample.partition_point(|&hash| hash <= limit)];
    let shared = sorted_intersection(sample_a, sample_b);
    let union = sample_a.len() + sample_b.len() - shared;
    let jaccard = ratio(shared, union);

    let mut best = Evidence {
        matched: shared,
        checked: sample_a.len().min(sample_b.len()),
    };
    for (short, long) in [(a, b), (b, a)] {
        if short.lead_is_whole() && !short.lead.is_empty() {
            best = best.better(lead_containment(short, long));
        }
    }
    let contained = best.score();
    let opening = opening_agreement(a, b).max(opening_agreement(b, a));
    Similarity {
        score: contained.max((contained + opening) / 2.0),
        containment: ratio(best.matched, best.checked),
        jaccard,
    }
}

/// The share of the first [`OPENING_SHINGLES`] shingles of `a` found in the lead of `b`: copies
/// keep the lead (give or take a dateline or a kicker), a follow-up or another story on the same
/// topic has its own.
fn opening_agreement(a: &Sketch, b: &Sketch) -> f64 {
    let opening = &a.lead[..a.lead.len().min(OPENING_SHINGLES)];
    if opening.len() < OPENING_SHINGLES {
        return 0.0;
    }
    let found = opening
        .iter()
        .filter(|fingerprint| b.lead.contains(fingerprint))
        .count();
    ratio(found, opening.len())
}

/// Whether two texts sharing `shared_keys` candidate keys are compared at all: when they share
/// [`MIN_SHARED_KEYS`], or when one of them is short (every shingle in its lead). Symmetric, so
/// the grouping does not depend on which came first. On the generated import benchmark
/// (templated text sharing stock phrases) it leaves out almost every compare; on the quality
/// benchmark it misses 3 more of 1,293 copy pairs (teasers too long for their lead).
/// Takes the texts' [`Sketch::is_short`], which the importer reads from `story_keys.short`
/// without the sketches.
pub fn worth_comparing(shared_keys: usize, a_short: bool, b_short: bool) -> bool {
    shared_keys >= MIN_SHARED_KEYS || a_short || b_short
}

/// The documented rule: a copy when the score reaches `threshold`.
pub fn is_copy(similarity: &Similarity, threshold: f64) -> bool {
    similarity.score >= threshold
}

/// The decision `is_copy(&compare(a, b), threshold)`, exactly, without the parts of [`compare`]
/// the decision does not need: the import compares each new article with every candidate, and
/// almost all candidates are not copies. The score is `max(c, (c + opening) / 2)` with
/// `opening <= 1`, so a containment `c` with `(c + 1) / 2 < threshold` can never be a copy: the
/// sample intersection stops as soon as it cannot reach such a `c`, and the openings are
/// compared only when `c` alone is not enough.
pub fn is_copy_of(a: &Sketch, b: &Sketch, threshold: f64) -> bool {
    let hopeless = |contained: f64| contained < threshold && (contained + 1.0) / 2.0 < threshold;
    let mut contained = 0.0f64;
    for (short, long) in [(a, b), (b, a)] {
        if short.lead_is_whole() && !short.lead.is_empty() {
            contained = contained.max(lead_containment(short, long).score());
        }
    }
    let limit = a.sample_limit().min(b.sample_limit());
    let sample_a = &a.sample[..a.sample.partition_point(|&hash| hash <= limit)];
    let sample_b = &b.sample[..b.sample.partition_point(|&hash| hash <= limit)];
    let checked = sample_a.len().min(sample_b.len());
    // The largest shared count that still leaves the sample hopeless (None: even 0 is not);
    // the score only grows with the shared count.
    let give_up_at = if hopeless(contained) {
        (0..=checked)
            .take_while(|&shared| hopeless(containment_score(shared, checked)))
            .last()
    } else {
        None
    };
    let shared = match give_up_at {
        Some(give_up_at) => match bounded_intersection(sample_a, sample_b, give_up_at) {
            Some(shared) => shared,
            None => return false,
        },
        None => sorted_intersection(sample_a, sample_b),
    };
    contained = contained.max(containment_score(shared, checked));
    if contained >= threshold {
        return true;
    }
    if hopeless(contained) {
        return false;
    }
    let opening = opening_agreement(a, b).max(opening_agreement(b, a));
    (contained + opening) / 2.0 >= threshold
}

/// Shingles looked up and found.
#[derive(Clone, Copy)]
struct Evidence {
    matched: usize,
    checked: usize,
}

impl Evidence {
    fn score(self) -> f64 {
        containment_score(self.matched, self.checked)
    }

    /// The higher-scoring of the two, ties broken on containment then on shingles checked, so
    /// that the choice does not depend on which article came first.
    fn better(self, other: Evidence) -> Evidence {
        let rank = |evidence: Evidence| {
            (
                evidence.score(),
                ratio(evidence.matched, evidence.checked),
                evidence.checked,
            )
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// Every shingle of `short` (all in its lead) looked up in the lead of `long`, by 16-bit
/// fingerprint: how much of a teaser is the opening of the other text. Only the opening: a
/// follow-up that quotes a story's lead paragraph in its middle does not take its teaser.
fn lead_containment(short: &sketch::Sketch, long: &sketch::Sketch) -> Evidence {
    // At most 64 by 64 fingerprints: a linear scan beats sorting a copy.
    let matched = short
        .lead
        .iter()
        .filter(|fingerprint| long.lead.contains(fingerprint))
        .count();
    Evidence {
        matched,
        checked: short.lead.len(),
    }
}

fn sorted_intersection(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        shared += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    shared
}

/// The size of the intersection of two sorted lists (without repeats), or None as soon as it can
/// no longer exceed `give_up_at`. Branch-free steps: which list advances is data, not a jump the
/// processor has to guess (random hashes make half of those guesses wrong).
fn bounded_intersection(a: &[u32], b: &[u32], give_up_at: usize) -> Option<usize> {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        if shared + (a.len() - i).min(b.len() - j) <= give_up_at {
            return None;
        }
        let (x, y) = (a[i], b[j]);
        shared += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    (shared > give_up_at).then_some(shared)
}

/// `matched` of `checked` shingles found, as the score counts them: over at least
/// [`MIN_EVIDENCE`], and over at least [`PARTIAL_EVIDENCE`] when some are missing. Never
/// decreases as `matched` grows.
fn containment_score(matched: usize, checked: usize) -> f64 {
    let over = if matched < checked {
        checked.max(PARTIAL_EVIDENCE)
    } else {
        checked.max(MIN_EVIDENCE)
    };
    ratio(matched, over)
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests;
