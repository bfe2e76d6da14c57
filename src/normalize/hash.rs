//! Content hash, scheme 1 (DESIGN.md): SHA-256 of the folded body.
//!
//! Folding (steps 2-4 of the scheme) makes the hash see content, not presentation: the same story
//! with curly or straight quotes, an em dash or a hyphen, NBSPs or doubled spaces, hashes the same.
//! Every rule is pinned by a test vector below; changing one means a new [`HASH_SCHEME`].
//!
//! Items with no content (an RSS item that is only a description): step 1 applies as written,
//! the body stays empty and the hash is title + "\n" + the clean description (kept in `summary`,
//! which the full-text index covers). The title stays in because a teaser is not an article:
//! generic teasers (Hacker News' "Comments", "Read more") would otherwise make different stories
//! one article. So the same teaser under the same headline from two feeds is one article; the
//! full text imported later is another content (the story grouping links them as near copies).
//! Storing the teaser as the body instead would change the hash of such items in databases
//! filled before, and an export of one, imported again, would be hashed by its body.

use std::fmt;

use sha2::{Digest, Sha256};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// The scheme number stored in `meta.hash_scheme`. Changing the folding rules means a new scheme.
pub const HASH_SCHEME: u32 = 1;

/// A content hash: 32 bytes, shown as 64 lowercase hex characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentHash(pub [u8; 32]);

impl ContentHash {
    pub fn to_hex(&self) -> String {
        let mut hex = String::with_capacity(64);
        for byte in self.0 {
            use fmt::Write;
            let _ = write!(hex, "{byte:02x}");
        }
        hex
    }

    /// Parses 64 hex characters (either case); anything else is `None`.
    pub fn from_hex(hex: &str) -> Option<ContentHash> {
        let digits = hex.as_bytes();
        if digits.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            *byte = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
        }
        Some(ContentHash(bytes))
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// SHA-256 of [`fold`]`(body)`. The caller passes the clean body, or title + "\n" + summary when
/// the item has no content (see `normalize`).
pub fn content_hash(body: &str) -> ContentHash {
    ContentHash(Sha256::digest(fold(body).as_bytes()).into())
}

/// Steps 2-4 of scheme 1: NFKC, lowercase, typographic punctuation folded, zero-width and control
/// characters removed, whitespace runs (NBSP included) to one space, trimmed. Digits are kept.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        // ASCII is already NFKC and has no typographic punctuation: lowercase and squeeze only.
        return fold_ascii(text);
    }
    let lowered = if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        text.to_lowercase()
    } else {
        text.nfkc().collect::<String>().to_lowercase()
    };
    let mut folded = String::with_capacity(lowered.len());
    push_folded(&mut folded, lowered.chars());
    folded
}

/// [`push_folded`] for ASCII text, a byte at a time (the common case, and the hot path of a
/// re-import, where hashing is most of the work).
fn fold_ascii(text: &str) -> String {
    let mut folded = Vec::with_capacity(text.len());
    let mut pending_space = false;
    for &byte in text.as_bytes() {
        match byte {
            // What `char::is_whitespace` calls whitespace in ASCII.
            b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' => pending_space = true,
            // Controls are invisible.
            0x00..=0x1F | 0x7F => {}
            _ => {
                if std::mem::take(&mut pending_space) && !folded.is_empty() {
                    folded.push(b' ');
                }
                folded.push(byte.to_ascii_lowercase());
            }
        }
    }
    String::from_utf8(folded).expect("ASCII in, ASCII out")
}

/// Steps 3 and 4 on lowercased NFKC text, appended to `out`.
fn push_folded(out: &mut String, chars: impl Iterator<Item = char>) {
    let mut pending_space = false;
    for ch in chars {
        let folded = match ch {
            // Single quotes, apostrophes and primes.
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{2035}'
            | '\u{2039}' | '\u{203A}' | '\u{02B9}' | '\u{02BC}' | '\u{FF07}' => '\'',
            // Double quotes, double primes and guillemets.
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{2036}'
            | '\u{00AB}' | '\u{00BB}' | '\u{301D}' | '\u{301E}' | '\u{301F}' | '\u{FF02}' => '"',
            // Hyphens, dashes and minus signs.
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
            | '\u{2043}' | '\u{2212}' | '\u{2E3A}' | '\u{2E3B}' | '\u{FE58}' | '\u{FE63}'
            | '\u{FF0D}' => '-',
            '\u{2026}' => {
                flush_space(out, &mut pending_space);
                out.push_str("...");
                continue;
            }
            _ if ch.is_whitespace() => {
                pending_space = true;
                continue;
            }
            _ if is_invisible(ch) => continue,
            _ => ch,
        };
        flush_space(out, &mut pending_space);
        out.push(folded);
    }
}

/// Emits the space of a whitespace run, unless at the start (trim).
fn flush_space(out: &mut String, pending_space: &mut bool) {
    if std::mem::take(pending_space) && !out.is_empty() {
        out.push(' ');
    }
}

/// Zero-width, format and control characters: they change the bytes, not what a reader sees.
/// Whitespace controls (tab, newline) are handled as whitespace before this is asked.
pub(crate) fn is_invisible(ch: char) -> bool {
    if ch.is_ascii() {
        return ch.is_ascii_control();
    }
    ch.is_control()
        || matches!(
            ch,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ascii_fast_path_folds_like_the_general_one() {
        for text in [
            "",
            "  Hello,\tWorld!\r\n\n  ",
            "A\x00B\x7fC\x0b\x0cD",
            "MiXeD case -- dashes... and 'quotes' \"here\"",
            "   ",
        ] {
            let mut general = String::new();
            push_folded(&mut general, text.chars().map(|ch| ch.to_ascii_lowercase()));
            assert_eq!(fold_ascii(text), general, "{text:?}");
        }
    }

    fn hex_of(text: &str) -> String {
        content_hash(text).to_hex()
    }

    #[test]
    fn vector_plain_ascii_is_sha256_of_the_lowercased_text() {
        // python3: hashlib.sha256(b"hello world").hexdigest()
        assert_eq!(
            hex_of("Hello World"),
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
    }

    #[test]
    fn vector_typographic_sentence() {
        // python3: hashlib.sha256("kim's \"visit\" - 2021-2026...".encode()).hexdigest()
        let text = "\u{FEFF}  Kim\u{2019}s \u{201C}visit\u{201D}\u{00A0}\u{2014} 2021\u{2013}2026\u{2026}\r\n";
        assert_eq!(fold(text), "kim's \"visit\" - 2021-2026...");
        assert_eq!(
            hex_of(text),
            "5fbaefef22b30e1df832a5bfe6046f661729a71d85c304817b081b3fbb152c6b"
        );
    }

    #[test]
    fn vector_item_with_no_content_hashes_title_newline_description() {
        // python3: hashlib.sha256(b"bridge reopens the harbour bridge reopens on friday.").hexdigest()
        assert_eq!(
            hex_of("Bridge reopens\nThe harbour bridge reopens on Friday."),
            "c3243deffeb4d5f17f6bf2d5266eebfee0e368dc9da19449e18ff6f97cb362c7"
        );
    }

    #[test]
    fn rule_nfkc() {
        // Ligature, fullwidth letters and superscript digit are compatibility characters.
        assert_eq!(fold("\u{FB01}ne \u{FF21}\u{FF22} x\u{00B2}"), "fine ab x2");
        // Composed and decomposed é fold the same.
        assert_eq!(fold("caf\u{00E9}"), fold("cafe\u{0301}"));
    }

    #[test]
    fn rule_lowercase() {
        assert_eq!(fold("SEOUL Übersee ΟΔΟΣ"), "seoul übersee οδος");
    }

    #[test]
    fn rule_single_quotes_and_primes() {
        for quote in [
            '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}', '\u{2032}', '\u{02BC}',
        ] {
            assert_eq!(fold(&format!("a{quote}b")), "a'b", "{quote:?}");
        }
    }

    #[test]
    fn rule_double_quotes() {
        for quote in [
            '\u{201C}', '\u{201D}', '\u{201E}', '\u{201F}', '\u{00AB}', '\u{00BB}',
        ] {
            assert_eq!(fold(&format!("a{quote}b")), "a\"b", "{quote:?}");
        }
        // NFKC turns the double prime into two primes, each a single quote.
        assert_eq!(fold("5\u{2033}"), "5''");
    }

    #[test]
    fn rule_dashes_and_minus() {
        for dash in [
            '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2212}',
            '\u{FE58}', '\u{FE63}', '\u{FF0D}',
        ] {
            assert_eq!(fold(&format!("a{dash}b")), "a-b", "{dash:?}");
        }
    }

    #[test]
    fn rule_ellipsis() {
        assert_eq!(fold("wait\u{2026}"), "wait...");
        assert_eq!(fold("wait\u{2026}"), fold("wait..."));
    }

    #[test]
    fn rule_zero_width_and_control_removed() {
        assert_eq!(
            fold("a\u{200B}b\u{200D}c\u{FEFF}d\u{00AD}e\u{0007}f\u{200E}g"),
            "abcdefg"
        );
    }

    #[test]
    fn rule_whitespace_runs_to_one_space_and_trim() {
        assert_eq!(
            fold(" \t a \u{00A0}\u{00A0} b\n\nc\r\n d\u{2003}e\u{202F}f  "),
            "a b c d e f"
        );
    }

    #[test]
    fn rule_digits_not_folded() {
        assert_ne!(content_hash("10 people"), content_hash("11 people"));
        // Fullwidth digits are NFKC-equal to ASCII ones, but a different number stays different.
        assert_eq!(fold("\u{FF11}\u{FF10}"), "10");
    }

    #[test]
    fn empty_and_blank_fold_to_empty() {
        assert_eq!(fold(""), "");
        assert_eq!(fold(" \u{200B}\u{00A0} "), "");
        // python3: hashlib.sha256(b"").hexdigest()
        assert_eq!(
            hex_of("  "),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hex_round_trip_and_rejects() {
        let hash = content_hash("Hello World");
        assert_eq!(ContentHash::from_hex(&hash.to_hex()), Some(hash));
        assert_eq!(
            ContentHash::from_hex(&hash.to_hex().to_uppercase()),
            Some(hash)
        );
        assert_eq!(ContentHash::from_hex("abc"), None);
        assert_eq!(ContentHash::from_hex(&"g".repeat(64)), None);
        assert_eq!(ContentHash::from_hex(&"é".repeat(32)), None);
    }
}
