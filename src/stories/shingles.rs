//! Word shingles of an article's text, hashed: the one tokeniser every sketch is built from.
//!
//! Words are runs of Unicode letters and digits, lowercased; everything else separates them.
//! A shingle is `SHINGLE_WORDS` consecutive words, hashed to 64 bits without allocating.

/// Words per shingle. Five words survive a changed word every ~20 words in most shingles and are
/// rare enough that two different stories seldom share one.
pub const SHINGLE_WORDS: usize = 5;

/// At most this many words of a text are read, so a huge body costs a bounded time (the first
/// 20,000 words; news articles are far shorter).
pub const MAX_WORDS: usize = 20_000;

/// Calls `emit(hash, run)` for each shingle of `text`, in text order. Shingles do not cross the
/// end of a sentence (`.`, `!` or `?` before a space, or a line break) once the sentence has a
/// shingle of its own: `run` numbers these sentence runs from 0. A short line (a kicker such as
/// "EXCLUSIVE", a heading) joins the next sentence. A text shorter than one shingle but with at
/// least one word yields one shingle of all its words.
pub fn for_each_shingle(text: &str, mut emit: impl FnMut(u64, usize)) {
    // The last words, oldest first (only the last `words` of them are set while `words < 5`).
    let mut window = [0u64; SHINGLE_WORDS];
    let mut words = 0usize;
    let mut run_words = 0usize;
    let mut run = 0usize;
    for_each_word(text, |word, sentence_ended| {
        if sentence_ended && run_words >= SHINGLE_WORDS {
            run += 1;
            run_words = 0;
        }
        window.copy_within(1.., 0);
        window[SHINGLE_WORDS - 1] = word;
        words += 1;
        run_words += 1;
        if run_words >= SHINGLE_WORDS {
            emit(shingle_hash(&window), run);
        }
        words < MAX_WORDS
    });
    if (1..SHINGLE_WORDS).contains(&words) {
        emit(shingle_hash(&window[SHINGLE_WORDS - words..]), 0);
    }
}

/// Combines word hashes, oldest first.
fn shingle_hash(words: &[u64]) -> u64 {
    let mut state = 0x243f_6a88_85a3_08d3u64 ^ words.len() as u64;
    for &word in words {
        state = (state.rotate_left(23) ^ word).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    finalize(state)
}

/// What an ASCII byte is to the word scanner: a letter or digit is its lowercase self (all of
/// them are above the other classes' codes).
const OTHER: u8 = 0;
const SENTENCE_STOP: u8 = 1;
const LINE_BREAK: u8 = 2;
const SPACE: u8 = 3;
const ASCII_CLASS: [u8; 128] = {
    let mut table = [OTHER; 128];
    let mut byte = 0;
    while byte < 128 {
        let ch = byte as u8;
        table[byte] = if ch.is_ascii_alphanumeric() {
            ch.to_ascii_lowercase()
        } else {
            match ch {
                b'.' | b'!' | b'?' => SENTENCE_STOP,
                b'\n' => LINE_BREAK,
                // `char::is_whitespace` for ASCII, but the line break.
                b' ' | b'\t' | 0x0b | 0x0c | b'\r' => SPACE,
                _ => OTHER,
            }
        };
        byte += 1;
    }
    table
};

/// Calls `emit(hash, sentence_ended)` for each word (lowercased letters and digits) until it
/// returns false; `sentence_ended` tells that a sentence end or a line break came before it.
/// Reads bytes: ASCII through a table, and only other characters are decoded (news text is
/// mostly ASCII, and this runs over every article body).
fn for_each_word(text: &str, mut emit: impl FnMut(u64, bool) -> bool) {
    let bytes = text.as_bytes();
    let mut hash = FNV_OFFSET;
    let mut in_word = false;
    let mut stop = false;
    let mut ended = false;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        let class = if byte < 0x80 {
            at += 1;
            let class = ASCII_CLASS[usize::from(byte)];
            if class > SPACE {
                hash = fnv_byte(hash, class);
                in_word = true;
                continue;
            }
            class
        } else {
            let ch = text[at..].chars().next().expect("at a character boundary");
            at += ch.len_utf8();
            if ch.is_alphanumeric() {
                for lower in ch.to_lowercase() {
                    let mut buffer = [0u8; 4];
                    for &byte in lower.encode_utf8(&mut buffer).as_bytes() {
                        hash = fnv_byte(hash, byte);
                    }
                }
                in_word = true;
                continue;
            }
            if ch.is_whitespace() { SPACE } else { OTHER }
        };
        if in_word {
            if !emit(finalize(hash), ended) {
                return;
            }
            hash = FNV_OFFSET;
            in_word = false;
            ended = false;
            stop = false;
        }
        match class {
            SENTENCE_STOP => stop = true,
            LINE_BREAK => ended = true,
            SPACE => ended |= stop,
            _ => stop = false,
        }
    }
    if in_word {
        emit(finalize(hash), ended);
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv_byte(hash: u64, byte: u8) -> u64 {
    (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
}

/// The murmur3 64-bit finaliser: spreads every input bit over the whole hash.
fn finalize(mut value: u64) -> u64 {
    value ^= value >> 33;
    value = value.wrapping_mul(0xff51_afd7_ed55_8ccd);
    value ^= value >> 33;
    value = value.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    value ^ (value >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shingles(text: &str) -> Vec<u64> {
        let mut out = Vec::new();
        for_each_shingle(text, |hash, _| out.push(hash));
        out
    }

    #[test]
    fn case_and_punctuation_do_not_matter() {
        assert_eq!(
            shingles("The Prime Minister said, on Monday: taxes rise."),
            shingles("the prime minister said on monday -- taxes RISE")
        );
    }

    #[test]
    fn one_shingle_per_window_of_five_words() {
        assert_eq!(shingles("one two three four five six seven").len(), 3);
        assert_eq!(shingles("one two").len(), 1);
        assert!(shingles("  ... ").is_empty());
    }

    fn runs(text: &str) -> Vec<usize> {
        let mut out = Vec::new();
        for_each_shingle(text, |_, run| out.push(run));
        out
    }

    #[test]
    fn shingles_stay_inside_sentences_once_they_have_one() {
        assert_eq!(
            runs("EXCLUSIVE\n\none two three four five. Six seven eight nine ten eleven."),
            [0, 0, 1, 1]
        );
        assert_eq!(
            runs("Pi is 3.14 or so, said the officials on Monday."),
            [0; 7]
        );
        assert_eq!(
            shingles("LONDON (Agency) - one two three four five. Six seven eight nine ten")[3..],
            shingles("Just one two three four five. Six seven eight nine ten")[2..]
        );
    }

    #[test]
    fn word_order_matters() {
        assert_ne!(
            shingles("one two three four five"),
            shingles("two one three four five")
        );
    }

    #[test]
    fn non_ascii_words_are_lowercased() {
        assert_eq!(
            shingles("ÉCOLE Über straße café naïve"),
            shingles("école über straße CAFÉ naïve")
        );
    }

    #[test]
    fn huge_texts_are_capped() {
        let text = "word ".repeat(MAX_WORDS * 2);
        assert_eq!(shingles(&text).len(), MAX_WORDS - SHINGLE_WORDS + 1);
    }
}
