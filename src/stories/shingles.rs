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
    let mut window = [0u64; SHINGLE_WORDS];
    let mut words = 0usize;
    let mut run_words = 0usize;
    let mut run = 0usize;
    for_each_word(text, |word, sentence_ended| {
        if sentence_ended && run_words >= SHINGLE_WORDS {
            run += 1;
            run_words = 0;
        }
        window[words % SHINGLE_WORDS] = word;
        words += 1;
        run_words += 1;
        if run_words >= SHINGLE_WORDS {
            emit(shingle_hash(&window, words), run);
        }
        words < MAX_WORDS
    });
    if (1..SHINGLE_WORDS).contains(&words) {
        emit(shingle_hash(&window[..words], words), 0);
    }
}

/// Combines the words of a ring buffer whose next write position is `written % len`, oldest first.
fn shingle_hash(window: &[u64], written: usize) -> u64 {
    let len = window.len();
    let oldest = written % len;
    let mut state = 0x243f_6a88_85a3_08d3u64 ^ len as u64;
    for offset in 0..len {
        let word = window[(oldest + offset) % len];
        state = (state.rotate_left(23) ^ word).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    finalize(state)
}

/// Calls `emit(hash, sentence_ended)` for each word (lowercased letters and digits) until it
/// returns false; `sentence_ended` tells that a sentence end or a line break came before it.
fn for_each_word(text: &str, mut emit: impl FnMut(u64, bool) -> bool) {
    let mut hash = FNV_OFFSET;
    let mut in_word = false;
    let mut stop = false;
    let mut ended = false;
    for ch in text.chars() {
        if ch.is_ascii() {
            let byte = ch as u8;
            if byte.is_ascii_alphanumeric() {
                hash = fnv_byte(hash, byte.to_ascii_lowercase());
                in_word = true;
                continue;
            }
        } else if ch.is_alphanumeric() {
            for lower in ch.to_lowercase() {
                let mut buffer = [0u8; 4];
                for &byte in lower.encode_utf8(&mut buffer).as_bytes() {
                    hash = fnv_byte(hash, byte);
                }
            }
            in_word = true;
            continue;
        }
        if in_word {
            if !emit(finalize(hash), ended) {
                return;
            }
            hash = FNV_OFFSET;
            in_word = false;
            ended = false;
            stop = false;
        }
        match ch {
            '.' | '!' | '?' => stop = true,
            '\n' => ended = true,
            _ if ch.is_whitespace() => ended |= stop,
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
