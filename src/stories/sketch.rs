//! The per-article sketch: what it holds, how it is built, and its byte encoding.

use std::cell::RefCell;
use std::fmt;

use super::shingles::for_each_shingle;

/// Format version, the first byte of every encoded sketch.
const FORMAT_VERSION: u8 = 1;

/// The opening shingles kept in text order (as 16-bit fingerprints): a teaser (headline and
/// lead sentence or two) is verified against them.
pub(super) const LEAD_SHINGLES: usize = 64;
/// Candidate keys taken from the opening: the smallest hash of each of the first 8 sentences
/// (that have a shingle of their own). A teaser (headline and a sentence or two) shares them with
/// its full text wherever its sentences start, after a dateline, a kicker or a heading too.
const LEAD_KEYS: usize = 8;
/// Candidate keys taken from the whole text: the smallest shingle hashes (bottom-k).
const SAMPLE_KEYS: usize = 12;
/// Hash-sampled shingles: every shingle whose 32-bit hash is below this (1 in 12) ...
const SAMPLE_BELOW: u32 = u32::MAX / 12;
/// ... but at least this many (the smallest ones) ...
const MIN_SAMPLE: usize = 32;
/// ... and at most this many (the smallest ones), so the sketch of a huge body stays small.
const MAX_SAMPLE: usize = 64;

/// What newsdb keeps per article to find and verify near copies (stored as a BLOB).
///
/// Every field is computed from the shingles' 32-bit hashes `v` (the top half of the 64-bit
/// shingle hash), so the same shingle gives the same value in every sketch:
/// - `shingles`: the number of distinct shingles of the text;
/// - `lead`: the low 16 bits of `v` for the first [`LEAD_SHINGLES`] distinct shingles;
/// - `lead_keys`: the smallest `v` of each of the first 8 sentences;
/// - `sample`: the smallest `v` of the whole text, sorted: every `v` below 1/12 of the range, at
///   least 32 and at most 64 of them. It holds every shingle of the text up to its last value
///   (all of them when `sample.len() == shingles`), which is what makes two samples comparable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sketch {
    pub(super) shingles: u32,
    pub(super) lead: Vec<u16>,
    pub(super) lead_keys: Vec<u32>,
    pub(super) sample: Vec<u32>,
}

/// Why a stored sketch could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SketchError(String);

impl fmt::Display for SketchError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "invalid story sketch: {}", self.0)
    }
}

impl std::error::Error for SketchError {}

/// Buffers reused per worker thread, so sketching allocates only the sketch itself.
#[derive(Default)]
struct Scratch {
    /// The 32-bit hash of every shingle of the current text, in text order.
    hashes: Vec<u32>,
    /// An open-addressing set for counting the distinct hashes (0: empty slot).
    seen: Vec<u32>,
    /// The distinct hashes below a cutoff, sorted.
    smallest: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Sketch {
    /// Pure; called on the parse/normalise worker threads, never on the writer thread.
    /// `title` and `body` are the normalised article fields. The body's words are sketched; the
    /// title only when the body has none (a title-only item), because reprints change headlines.
    pub fn of(title: &str, body: &str) -> Sketch {
        SCRATCH.with(|cell| {
            let scratch = &mut *cell.borrow_mut();
            let hashes = &mut scratch.hashes;
            hashes.clear();
            let mut lead_keys = [u32::MAX; LEAD_KEYS];
            for text in [body, title] {
                for_each_shingle(text, |hash, run| {
                    let hash = (hash >> 32) as u32;
                    hashes.push(hash);
                    if let Some(key) = lead_keys.get_mut(run) {
                        *key = (*key).min(hash);
                    }
                });
                if !hashes.is_empty() {
                    break;
                }
            }
            Sketch::from_hashes(scratch, &lead_keys)
        })
    }

    /// Builds the sketch from the shingle hashes in text order (`scratch.hashes`).
    /// `sentence_keys` holds the smallest hash of each of the first sentences (u32::MAX: none).
    fn from_hashes(scratch: &mut Scratch, sentence_keys: &[u32]) -> Sketch {
        let hashes = &scratch.hashes;
        let mut lead_full: Vec<u32> = Vec::with_capacity(LEAD_SHINGLES);
        for &hash in hashes.iter() {
            if lead_full.len() == LEAD_SHINGLES {
                break;
            }
            if !lead_full.contains(&hash) {
                lead_full.push(hash);
            }
        }
        let lead = lead_full.iter().map(|&hash| hash as u16).collect();
        let mut lead_keys: Vec<u32> = sentence_keys
            .iter()
            .copied()
            .filter(|&key| key != u32::MAX)
            .collect();
        lead_keys.sort_unstable();
        lead_keys.dedup();

        // Only the smallest hashes are kept, so only they are sorted: those below
        // `SAMPLE_BELOW`, or up to a limit doubled until there are `MIN_SAMPLE` of them.
        let shingles = count_distinct(hashes, &mut scratch.seen);
        let smallest = &mut scratch.smallest;
        let first_limit = SAMPLE_BELOW - 1;
        let mut limit = first_limit;
        let take = loop {
            smallest.clear();
            smallest.extend(hashes.iter().filter(|&&hash| hash <= limit));
            smallest.sort_unstable();
            smallest.dedup();
            if limit == first_limit && smallest.len() >= MIN_SAMPLE {
                break smallest.len().min(MAX_SAMPLE);
            }
            if smallest.len() >= MIN_SAMPLE || limit == u32::MAX {
                break smallest.len().min(MIN_SAMPLE);
            }
            limit = limit.saturating_mul(2).saturating_add(1);
        };
        Sketch {
            shingles: shingles as u32,
            lead,
            lead_keys,
            sample: smallest[..take].to_vec(),
        }
    }

    /// Versioned, compact encoding (first byte = format version).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            8 + 2 * self.lead.len() + 4 * (self.lead_keys.len() + self.sample.len()),
        );
        out.push(FORMAT_VERSION);
        push_varint(&mut out, self.shingles);
        out.push(self.lead.len() as u8);
        for fingerprint in &self.lead {
            out.extend_from_slice(&fingerprint.to_le_bytes());
        }
        out.push(self.lead_keys.len() as u8);
        for key in &self.lead_keys {
            out.extend_from_slice(&key.to_le_bytes());
        }
        out.push(self.sample.len() as u8);
        for hash in &self.sample {
            out.extend_from_slice(&hash.to_le_bytes());
        }
        out
    }

    /// Decodes [`Sketch::to_bytes`]; a truncated, padded or inconsistent blob is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Sketch, SketchError> {
        let mut reader = Reader { bytes, at: 0 };
        let version = reader.byte()?;
        if version != FORMAT_VERSION {
            return Err(SketchError(format!(
                "format version {version}, this newsdb reads version {FORMAT_VERSION}"
            )));
        }
        let shingles = reader.varint()?;
        let lead_len = usize::from(reader.byte()?);
        let lead = (0..lead_len)
            .map(|_| reader.array::<2>().map(u16::from_le_bytes))
            .collect::<Result<Vec<_>, _>>()?;
        let keys_len = usize::from(reader.byte()?);
        let lead_keys = (0..keys_len)
            .map(|_| reader.array::<4>().map(u32::from_le_bytes))
            .collect::<Result<Vec<_>, _>>()?;
        let sample_len = usize::from(reader.byte()?);
        let sample = (0..sample_len)
            .map(|_| reader.array::<4>().map(u32::from_le_bytes))
            .collect::<Result<Vec<_>, _>>()?;
        if reader.at != bytes.len() {
            return Err(SketchError(format!(
                "{} bytes left over after the sketch",
                bytes.len() - reader.at
            )));
        }
        let sorted = |values: &[u32]| values.windows(2).all(|pair| pair[0] < pair[1]);
        let consistent = lead.len() <= LEAD_SHINGLES
            && lead_keys.len() <= LEAD_KEYS
            && sample.len() <= MAX_SAMPLE
            && sample.len() as u64 <= u64::from(shingles)
            && lead.len() as u64 <= u64::from(shingles)
            && sorted(&lead_keys)
            && sorted(&sample);
        if !consistent {
            return Err(SketchError("inconsistent lengths or order".into()));
        }
        Ok(Sketch {
            shingles,
            lead,
            lead_keys,
            sample,
        })
    }

    /// Keys under which the article is indexed; two near copies share at least one key with
    /// high probability. At most 20, deterministic: the smallest shingle hash of each of the
    /// first 8 sentences (a teaser shares them with its full text) and of the whole text (an abridged copy shares
    /// them with the original: a shingle among the k smallest of the original that the copy kept
    /// is also among the copy's k smallest).
    pub fn candidate_keys(&self) -> Vec<i64> {
        let mut keys: Vec<i64> = self
            .lead_keys
            .iter()
            .chain(self.sample.iter().take(SAMPLE_KEYS))
            .map(|&hash| i64::from(hash))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// The number of distinct shingles of the text.
    pub fn shingle_count(&self) -> u32 {
        self.shingles
    }

    /// The sample holds every shingle of the text whose hash is at most this.
    pub(super) fn sample_limit(&self) -> u32 {
        if self.sample.len() as u64 == u64::from(self.shingles) {
            u32::MAX
        } else {
            self.sample.last().copied().unwrap_or(0)
        }
    }

    /// A short text (a teaser, a title-only item): its lead holds every one of its shingles.
    pub fn is_short(&self) -> bool {
        self.lead_is_whole() && !self.lead.is_empty()
    }

    /// Whether `lead` holds every distinct shingle of the text.
    pub(super) fn lead_is_whole(&self) -> bool {
        self.lead.len() as u64 == u64::from(self.shingles)
    }
}

/// The number of distinct values in `hashes`, with `seen` as a linear-probing set: the hashes
/// are uniformly spread, so their low bits pick the slot.
fn count_distinct(hashes: &[u32], seen: &mut Vec<u32>) -> usize {
    let slots = (hashes.len() * 2).next_power_of_two().max(16);
    let mask = slots - 1;
    seen.clear();
    seen.resize(slots, 0);
    let mut distinct = usize::from(hashes.contains(&0));
    for &hash in hashes.iter().filter(|&&hash| hash != 0) {
        let mut slot = hash as usize & mask;
        loop {
            match seen[slot] {
                0 => {
                    seen[slot] = hash;
                    distinct += 1;
                    break;
                }
                held if held == hash => break,
                _ => slot = (slot + 1) & mask,
            }
        }
    }
    distinct
}

fn push_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn array<const N: usize>(&mut self) -> Result<[u8; N], SketchError> {
        let end = self.at + N;
        let slice = self
            .bytes
            .get(self.at..end)
            .ok_or_else(|| SketchError(format!("truncated at byte {}", self.at)))?;
        self.at = end;
        Ok(slice.try_into().expect("slice of length N"))
    }

    fn byte(&mut self) -> Result<u8, SketchError> {
        self.array::<1>().map(|[byte]| byte)
    }

    fn varint(&mut self) -> Result<u32, SketchError> {
        let mut value = 0u64;
        for shift in (0..35).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return u32::try_from(value)
                    .map_err(|_| SketchError("shingle count out of range".into()));
            }
        }
        Err(SketchError("shingle count too long".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample rule stated plainly: sort, deduplicate, keep every hash below `SAMPLE_BELOW`
    /// but at least `MIN_SAMPLE` and at most `MAX_SAMPLE` of the smallest.
    fn sample_by_sorting(hashes: &[u32]) -> (u32, Vec<u32>) {
        let mut sorted = hashes.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let below = sorted.partition_point(|&hash| hash < SAMPLE_BELOW);
        let take = below.clamp(MIN_SAMPLE, MAX_SAMPLE).min(sorted.len());
        (sorted.len() as u32, sorted[..take].to_vec())
    }

    #[test]
    fn the_sample_and_count_match_sorting_every_hash() {
        let mut state = 7u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 32) as u32
        };
        for size in [0, 1, 5, 31, 32, 33, 64, 100, 383, 384, 385, 1_000, 20_000] {
            for repeats in [1, 3] {
                let mut scratch = Scratch::default();
                for _ in 0..size / repeats {
                    let hash = next();
                    scratch.hashes.extend(std::iter::repeat_n(hash, repeats));
                }
                // Zero is a valid hash, and the set's empty-slot marker.
                scratch.hashes.extend([0, 0, u32::MAX]);
                let expected = sample_by_sorting(&scratch.hashes);
                let sketch = Sketch::from_hashes(&mut scratch, &[]);
                assert_eq!(
                    (sketch.shingles, sketch.sample),
                    expected,
                    "{size} x{repeats}"
                );
            }
        }
    }
}
