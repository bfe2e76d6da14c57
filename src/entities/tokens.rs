//! Tokens and sentences: one pass over the text, no allocation per token.
//!
//! A token is a word (letters and digits, with inner hyphens and apostrophes, abbreviations such
//! as "U.S." or "Dr." and initials such as "J.") or one punctuation character. A possessive "'s"
//! (straight or curly apostrophe) is its own token so that "Kim's" yields "Kim". Sentences end at
//! a line break, or at ".", "!" or "?" followed by a capitalised word or a quote.

/// The token's text starts with an uppercase letter.
pub(crate) const CAP: u16 = 1;
/// Every letter is uppercase and there are at least two ("NATO", "U.S.").
pub(crate) const ALLCAPS: u16 = 1 << 1;
/// Starts with a lowercase letter.
pub(crate) const LOWER: u16 = 1 << 2;
/// Starts with a digit.
pub(crate) const DIGIT: u16 = 1 << 3;
/// A word (as opposed to punctuation).
pub(crate) const WORD: u16 = 1 << 4;
/// The first word of its sentence (after any opening quotes or brackets).
pub(crate) const SENT_START: u16 = 1 << 5;
/// A possessive "'s" / "’s".
pub(crate) const POSSESSIVE: u16 = 1 << 6;
/// Preceded directly by the previous token, with no space.
pub(crate) const ATTACHED: u16 = 1 << 7;
/// First token of a line.
pub(crate) const LINE_START: u16 = 1 << 8;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Token {
    /// Byte offsets into the text.
    pub start: u32,
    pub end: u32,
    /// Unicode character offsets into the text.
    pub cstart: u32,
    pub cend: u32,
    pub sentence: u32,
    pub flags: u16,
}

impl Token {
    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start as usize..self.end as usize]
    }
}

/// Abbreviations whose trailing period belongs to the word and does not end the sentence.
const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Sen", "Rep", "Gov", "Gen", "Lt", "Col", "Maj", "Capt", "Sgt",
    "Adm", "Rev", "St", "Mt", "Jr", "Sr", "Inc", "Corp", "Ltd", "Co", "vs", "No", "Jan", "Feb",
    "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Ft", "Bros", "Messrs",
];

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’'
}

/// Tokenises `text` into `out` (cleared first).
pub(crate) fn tokenize(text: &str, out: &mut Vec<Token>) {
    out.clear();
    let bytes = text.as_bytes();
    let mut chars = text.char_indices().peekable();
    let mut cpos: u32 = 0; // char index of the char at `chars.peek()`
    let mut sentence: u32 = 0;
    let mut new_sentence = true;
    let mut line_start = true;
    let mut attached = false;
    let mut prev_ended_sentence = false;

    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            cpos += 1;
            if c == '\n' {
                line_start = true;
                if !new_sentence && !out.is_empty() {
                    sentence += 1;
                    new_sentence = true;
                }
            }
            attached = false;
            continue;
        }
        let cstart = cpos;
        let mut flags = 0u16;
        let end;
        if c.is_alphanumeric() {
            flags |= WORD;
            if c.is_uppercase() {
                flags |= CAP;
            } else if c.is_lowercase() {
                flags |= LOWER;
            } else if c.is_ascii_digit() {
                flags |= DIGIT;
            }
            let mut upper = 0u32;
            let mut lower = 0u32;
            let mut single_letter_segments = true;
            let mut segment_len = 0u32;
            end = loop {
                let Some(&(i, ch)) = chars.peek() else {
                    break text.len();
                };
                if ch.is_alphanumeric() {
                    if ch.is_uppercase() {
                        upper += 1;
                    } else if ch.is_lowercase() {
                        lower += 1;
                    }
                    segment_len += 1;
                    chars.next();
                    cpos += 1;
                    continue;
                }
                let next = text[i + ch.len_utf8()..].chars().next();
                let next_alnum = next.is_some_and(char::is_alphanumeric);
                if ch == '-' && next_alnum {
                    single_letter_segments = false;
                    segment_len = 0;
                    chars.next();
                    cpos += 1;
                    continue;
                }
                if is_apostrophe(ch) && next.is_some_and(char::is_alphabetic) {
                    // "'s" at the end of a word is a possessive: split it off.
                    let after = &text[i + ch.len_utf8()..];
                    let possessive = (after.starts_with('s') || after.starts_with('S'))
                        && !after[1..].chars().next().is_some_and(char::is_alphanumeric);
                    if possessive {
                        break i;
                    }
                    single_letter_segments = false;
                    chars.next();
                    cpos += 1;
                    continue;
                }
                if ch == '.' {
                    // "U.S.", "J.", "Dr.": the period is part of the word.
                    let word = &text[start..i];
                    let initial = single_letter_segments
                        && segment_len == 1
                        && word.chars().next_back().is_some_and(char::is_alphabetic);
                    if initial || ABBREVIATIONS.contains(&word) {
                        chars.next();
                        cpos += 1;
                        if initial && next.is_some_and(char::is_alphabetic) {
                            segment_len = 0;
                            continue;
                        }
                        break i + 1;
                    }
                }
                break i;
            };
            if upper >= 2 && lower == 0 {
                flags |= ALLCAPS;
            }
        } else {
            chars.next();
            cpos += 1;
            end = start + c.len_utf8();
            if is_apostrophe(c) && !out.is_empty() && attached {
                let after = &bytes[end..];
                if matches!(after.first(), Some(b's' | b'S'))
                    && !text[end + 1..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphanumeric)
                {
                    chars.next();
                    cpos += 1;
                    flags |= POSSESSIVE;
                    let t = Token {
                        start: start as u32,
                        end: (end + 1) as u32,
                        cstart,
                        cend: cpos,
                        sentence,
                        flags: flags | ATTACHED,
                    };
                    out.push(t);
                    attached = true;
                    line_start = false;
                    continue;
                }
            }
        }
        if prev_ended_sentence
            && !new_sentence
            && (flags & (CAP | DIGIT) != 0 || is_quote_or_open(c))
        {
            sentence += 1;
            new_sentence = true;
        }
        prev_ended_sentence = matches!(c, '.' | '!' | '?') && flags & WORD == 0;
        if new_sentence && flags & WORD != 0 {
            flags |= SENT_START;
            new_sentence = false;
        }
        if attached {
            flags |= ATTACHED;
        }
        if line_start {
            flags |= LINE_START;
            line_start = false;
        }
        out.push(Token {
            start: start as u32,
            end: end as u32,
            cstart,
            cend: cpos,
            sentence,
            flags,
        });
        attached = true;
    }
}

fn is_quote_or_open(c: char) -> bool {
    matches!(c, '"' | '“' | '‘' | '\'' | '(' | '[')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        tokenize(text, &mut out);
        out.iter().map(|t| t.text(text)).collect()
    }

    #[test]
    fn splits_possessives_and_keeps_abbreviations() {
        assert_eq!(words("Kim’s visit"), ["Kim", "’s", "visit"]);
        assert_eq!(words("Russia's war"), ["Russia", "'s", "war"]);
        assert_eq!(words("the U.S. government"), ["the", "U.S.", "government"]);
        assert_eq!(
            words("Dr. No and J. K. Rowling."),
            ["Dr.", "No", "and", "J.", "K.", "Rowling", "."]
        );
        assert_eq!(
            words("Kim Jong-un, O'Brien"),
            ["Kim", "Jong-un", ",", "O'Brien"]
        );
    }

    #[test]
    fn sentences_and_char_offsets() {
        let text = "Ünal left. Then he said “yes”.\nNew line";
        let mut toks = Vec::new();
        tokenize(text, &mut toks);
        let sents: Vec<u32> = toks.iter().map(|t| t.sentence).collect();
        assert_eq!(sents, [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2]);
        let chars: Vec<char> = text.chars().collect();
        for t in &toks {
            let s: String = chars[t.cstart as usize..t.cend as usize].iter().collect();
            assert_eq!(s, t.text(text));
        }
    }
}
