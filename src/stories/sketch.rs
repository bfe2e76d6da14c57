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

thread_local! {
    /// Reused per worker thread: the 32-bit hash of every shingle of the current text.
    static HASHES: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

impl Sketch {
    /// Pure; called on the parse/normalise worker threads, never on the writer thread.
    /// `title` and `body` are the normalised article fields. The body's words are sketched; the
    /// title only when the body has none (a title-only item), because reprints change headlines.
    pub fn of(title: &str, body: &str) -> Sketch {
        HASHES.with(|cell| {
            let mut hashes = cell.borrow_mut();
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
            Sketch::from_hashes(&mut hashes, &lead_keys)
        })
    }

    /// Builds the sketch from the shingle hashes in text order; sorts `hashes` in place.
    /// `sentence_keys` holds the smallest hash of each of the first sentences (u32::MAX: none).
    fn from_hashes(hashes: &mut Vec<u32>, sentence_keys: &[u32]) -> Sketch {
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

        hashes.sort_unstable();
        hashes.dedup();
        let below = hashes.partition_point(|&hash| hash < SAMPLE_BELOW);
        let take = below.clamp(MIN_SAMPLE, MAX_SAMPLE).min(hashes.len());
        Sketch {
            shingles: hashes.len() as u32,
            lead,
            lead_keys,
            sample: hashes[..take].to_vec(),
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
