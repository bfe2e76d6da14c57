//! How raw copies are stored in `article_raw.bytes`: each row names its codec in
//! `article_raw.codec`, so any tool can read them back. `identity` rows hold the bytes as received
//! (rows written before migration 10, by other tools, or items too small for zstd to shrink);
//! `zstd` rows one standard zstd frame (no dictionary, content size in the header); `zstd-article`
//! rows (migration 15) one zstd frame compressed with the article's own text as a raw-content
//! dictionary (see [`article_dictionary`]).
//!
//! **Why the article's text.** A raw copy is mostly the text `articles` already stores: the body
//! (with markup or JSON escapes around it) and the title. Measured on the scale bench's JSON
//! Lines (2,415 bytes a record), plain zstd keeps 1,160 bytes; with the article's title and body
//! as dictionary it keeps 269, the bytes that are in no column (GUID, authors, dates, markup).
//! Any zstd library decodes such a frame given the same dictionary bytes (python-zstandard:
//! `ZstdCompressionDict(d, dict_type=DICT_TYPE_RAWCONTENT)`; Python 3.14: `ZstdDict(d,
//! is_raw=True)`). Should the title or body change later (other tools may write them), a trigger
//! of migration 15 first saves the text the frame was made with in `article_raw.dictionary`, so
//! the copy stays readable: the dictionary is `dictionary` when set, else the article's text.
//!
//! Compression runs on the producer side (the normaliser's threads), never on the single writer
//! thread, so that it costs import time only where there are cores to spare.

use std::cell::RefCell;
use std::fmt;
use std::io;

/// zstd level for raw copies. Measured on 5,000 records of the import bench's JSON Lines (2.4 KB
/// each, one frame per record): level 1 keeps 47.9% of the bytes, level 3 (zstd's default)
/// 47.8% at about 14 us a record, level 6 47.2% and level 9 47.2% at 3.4 times the CPU.
pub const ZSTD_LEVEL: i32 = 3;

/// The codec of one raw copy, as named in `article_raw.codec`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RawCodec {
    /// The bytes as received.
    #[default]
    Identity,
    /// One zstd frame.
    Zstd,
    /// One zstd frame made with the article's text as a raw-content dictionary.
    ZstdArticle,
}

impl RawCodec {
    /// The name stored in `article_raw.codec`.
    pub fn name(self) -> &'static str {
        match self {
            RawCodec::Identity => "identity",
            RawCodec::Zstd => "zstd",
            RawCodec::ZstdArticle => "zstd-article",
        }
    }

    pub fn from_name(name: &str) -> Option<RawCodec> {
        match name {
            "identity" => Some(RawCodec::Identity),
            "zstd" => Some(RawCodec::Zstd),
            "zstd-article" => Some(RawCodec::ZstdArticle),
            _ => None,
        }
    }
}

impl fmt::Display for RawCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a stored raw copy cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum RawDecodeError {
    #[error("unknown raw codec `{0}` (this newsdb reads `identity`, `zstd` and `zstd-article`)")]
    UnknownCodec(String),
    #[error("a `zstd-article` raw copy needs its article's text, and the article has none")]
    NoDictionary,
    #[error("the zstd raw copy is damaged: {0}")]
    Damaged(#[source] io::Error),
}

/// The dictionary of a `zstd-article` copy: the article's title (empty when it has none), a
/// line feed, and its body, as UTF-8; exactly `coalesce(title, '') || char(10) || body` in SQL.
pub fn article_dictionary(title: Option<&str>, body: &str) -> Vec<u8> {
    let title = title.unwrap_or_default();
    let mut dictionary = Vec::with_capacity(title.len() + 1 + body.len());
    dictionary.extend_from_slice(title.as_bytes());
    dictionary.push(b'\n');
    dictionary.extend_from_slice(body.as_bytes());
    dictionary
}

thread_local! {
    /// Each importing thread keeps its compression contexts: making one per raw copy (a
    /// workspace allocated and cleared every time) was 3% of an import's CPU. The parameters
    /// set at creation stay; a dictionary is loaded for each copy.
    static PLAIN: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    static WITH_DICTIONARY: RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { RefCell::new(None) };
}

/// The bytes to store for `raw`, with their codec: a zstd frame when it is smaller, else `raw`
/// itself (an item of a few bytes grows under zstd's frame header).
pub fn encode(raw: Vec<u8>) -> (RawCodec, Vec<u8>) {
    let compressed = PLAIN.with_borrow_mut(|compressor| match compressor {
        Some(compressor) => compressor.compress(&raw),
        None => {
            let mut made = zstd::bulk::Compressor::new(ZSTD_LEVEL)?;
            let compressed = made.compress(&raw);
            *compressor = Some(made);
            compressed
        }
    });
    match compressed {
        Ok(compressed) if compressed.len() < raw.len() => (RawCodec::Zstd, compressed),
        // Compressing into memory does not fail short of allocation; keep the bytes as they are.
        _ => (RawCodec::Identity, raw),
    }
}

/// The bytes to store for `raw` of an article whose [`article_dictionary`] is `dictionary`: a
/// `zstd-article` frame, else (should it not be smaller) what [`encode`] gives.
pub fn encode_for_article(raw: Vec<u8>, dictionary: &[u8]) -> (RawCodec, Vec<u8>) {
    let with_dictionary = WITH_DICTIONARY.with_borrow_mut(|compressor| {
        let compressor = match compressor {
            Some(compressor) => compressor,
            None => {
                let mut made = zstd::bulk::Compressor::new(ZSTD_LEVEL)?;
                made.include_contentsize(true)?;
                // Four bytes that make a wrong dictionary an error instead of wrong bytes.
                made.include_checksum(true)?;
                compressor.insert(made)
            }
        };
        compressor.set_dictionary(ZSTD_LEVEL, dictionary)?;
        compressor.compress(&raw)
    });
    match with_dictionary {
        Ok(compressed) if compressed.len() < raw.len() => (RawCodec::ZstdArticle, compressed),
        _ => encode(raw),
    }
}

/// The original bytes of a raw copy stored with the codec named `codec`. `dictionary` gives the
/// [`article_dictionary`] a `zstd-article` copy was made with; it is only called for those.
pub fn decode(
    codec: &str,
    stored: Vec<u8>,
    dictionary: impl FnOnce() -> Option<Vec<u8>>,
) -> Result<Vec<u8>, RawDecodeError> {
    match RawCodec::from_name(codec) {
        Some(RawCodec::Identity) => Ok(stored),
        // Streaming decode: the frame's own content size bounds the output, no guessed capacity.
        Some(RawCodec::Zstd) => {
            zstd::stream::decode_all(stored.as_slice()).map_err(RawDecodeError::Damaged)
        }
        Some(RawCodec::ZstdArticle) => {
            let dictionary = dictionary().ok_or(RawDecodeError::NoDictionary)?;
            let mut decoder =
                zstd::stream::Decoder::with_dictionary(stored.as_slice(), &dictionary)
                    .map_err(RawDecodeError::Damaged)?;
            let mut decoded = Vec::new();
            std::io::Read::read_to_end(&mut decoder, &mut decoded)
                .map_err(RawDecodeError::Damaged)?;
            Ok(decoded)
        }
        None => Err(RawDecodeError::UnknownCodec(codec.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_through_zstd_and_shrinks() {
        let record = br#"{"title": "Rain in Seoul", "body": "Heavy rain fell on Seoul on Tuesday. Heavy rain fell on Seoul on Wednesday. Heavy rain fell on Seoul on Thursday."}"#.to_vec();
        let (codec, stored) = encode(record.clone());
        assert_eq!(codec, RawCodec::Zstd);
        assert!(stored.len() < record.len());
        // A standard frame: the zstd magic number, so any zstd library reads it.
        assert_eq!(stored[..4], [0x28, 0xb5, 0x2f, 0xfd]);
        assert_eq!(decode("zstd", stored, || None).unwrap(), record);
    }

    #[test]
    fn a_tiny_item_stays_as_it_is() {
        let (codec, stored) = encode(b"{}".to_vec());
        assert_eq!((codec, stored.as_slice()), (RawCodec::Identity, &b"{}"[..]));
        assert_eq!(decode("identity", stored, || None).unwrap(), b"{}");
    }

    #[test]
    fn unknown_codecs_and_damaged_frames_are_errors() {
        assert_eq!(
            decode("brotli", b"x".to_vec(), || None)
                .unwrap_err()
                .to_string(),
            "unknown raw codec `brotli` (this newsdb reads `identity`, `zstd` and `zstd-article`)"
        );
        let (_, mut stored) = encode(vec![b'a'; 1000]);
        stored.truncate(stored.len() - 2);
        assert!(matches!(
            decode("zstd", stored, || None),
            Err(RawDecodeError::Damaged(_))
        ));
    }

    #[test]
    fn codec_names_round_trip() {
        for codec in [RawCodec::Identity, RawCodec::Zstd, RawCodec::ZstdArticle] {
            assert_eq!(RawCodec::from_name(codec.name()), Some(codec));
        }
        assert_eq!(RawCodec::from_name("ZSTD"), None);
    }

    #[test]
    fn a_copy_made_with_its_articles_text_keeps_only_what_the_text_lacks() {
        let body = "Heavy rain fell on Seoul on Tuesday, flooding the old market.\n\nThe river \
                    rose two metres overnight and the city closed three bridges.";
        let record = serde_json::json!({
            "title": "Rain in Seoul",
            "body": body,
            "guid": "urn:uuid:5b1f0c9e-8a43-4d7e-a1f2-0d3c9e8b7a65",
        })
        .to_string()
        .into_bytes();
        let dictionary = article_dictionary(Some("Rain in Seoul"), body);
        assert_eq!(&dictionary[..14], b"Rain in Seoul\n");
        let (codec, stored) = encode_for_article(record.clone(), &dictionary);
        assert_eq!(codec, RawCodec::ZstdArticle);
        let (_, plain) = encode(record.clone());
        assert!(
            stored.len() * 3 < plain.len() * 2,
            "{} vs {}",
            stored.len(),
            plain.len()
        );
        assert_eq!(stored[..4], [0x28, 0xb5, 0x2f, 0xfd]);
        assert_eq!(
            decode("zstd-article", stored.clone(), || Some(dictionary)).unwrap(),
            record
        );
        // The wrong text is an error (the frame's checksum), never other bytes.
        let other = article_dictionary(None, "Snow in Busan");
        assert!(matches!(
            decode("zstd-article", stored.clone(), || Some(other)),
            Err(RawDecodeError::Damaged(_))
        ));
        assert!(matches!(
            decode("zstd-article", stored, || None),
            Err(RawDecodeError::NoDictionary)
        ));
    }

    #[test]
    fn a_tiny_item_with_a_dictionary_still_stays_as_it_is() {
        let (codec, stored) = encode_for_article(b"{}".to_vec(), b"\nbody");
        assert_eq!((codec, stored.as_slice()), (RawCodec::Identity, &b"{}"[..]));
    }
}
