//! Boilerplate removal: reading-time badges, ads, share prompts, symbol noise and trailing "You May
//! Also Like" blocks, dropped from a body's lines before it is hashed.
//!
//! The rules are data (`data/normalize/boilerplate.txt`, compiled in) plus one built-in rule for
//! lines with too few letters to be prose. Each rule is tested below.

use std::collections::HashSet;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::normalize::date::parse_datetime;
use crate::normalize::text::Paragraphs;

/// Lines longer than this are prose, never compared with the exact-line rules.
const MAX_KEYED_LINE: usize = 80;
/// Lines longer than this are never dropped by a prefix or "contains" rule.
const MAX_PREFIXED_LINE: usize = 250;
/// A trailing-block marker is a short heading.
const MAX_CUT_LINE: usize = 60;
/// A line that is only a date ("Updated 10:32 AM EDT, Mon September 11, 2023") is short.
const MAX_DATE_LINE: usize = 60;
/// The symbol-noise rule only looks at short lines.
const MAX_NOISE_LINE: usize = 40;

struct Rules {
    drop: HashSet<String>,
    drop_prefix: Vec<String>,
    /// `drop-credit` patterns as keys.
    drop_credit: HashSet<String>,
    /// `drop-within` patterns, matched ASCII case-insensitively in one pass.
    drop_within: AhoCorasick,
    cut: HashSet<String>,
    cut_prefix: Vec<String>,
}

static RULES: LazyLock<Rules> = LazyLock::new(|| {
    parse_rules(include_str!("../../data/normalize/boilerplate.txt"))
        .expect("data/normalize/boilerplate.txt is valid")
});

fn parse_rules(data: &str) -> Result<Rules, String> {
    let mut drop = HashSet::new();
    let mut drop_prefix = Vec::new();
    let mut drop_credit = HashSet::new();
    let mut drop_within = Vec::new();
    let mut cut = HashSet::new();
    let mut cut_prefix = Vec::new();
    for (number, line) in data.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (kind, pattern) = line
            .split_once(char::is_whitespace)
            .map(|(kind, pattern)| (kind, pattern.trim()))
            .ok_or_else(|| format!("line {}: no pattern", number + 1))?;
        if !pattern.is_ascii() {
            return Err(format!("line {}: patterns are ASCII", number + 1));
        }
        match kind {
            "drop" => {
                drop.insert(line_key(pattern));
            }
            "drop-prefix" => drop_prefix.push(pattern.to_owned()),
            "drop-credit" => {
                drop_credit.insert(line_key(pattern));
            }
            "drop-within" => drop_within.push(pattern.to_owned()),
            "cut" => {
                cut.insert(line_key(pattern));
            }
            "cut-prefix" => cut_prefix.push(line_key(pattern) + " "),
            _ => return Err(format!("line {}: unknown rule kind {kind:?}", number + 1)),
        }
    }
    let drop_within = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(drop_within)
        .map_err(|error| error.to_string())?;
    Ok(Rules {
        drop,
        drop_prefix,
        drop_credit,
        drop_within,
        cut,
        cut_prefix,
    })
}

/// The key a line is compared with: lowercase, digit runs (and `#`) to `#`, apostrophes removed, every
/// other non-letter a space, spaces collapsed and trimmed.
fn line_key(line: &str) -> String {
    let mut key = String::with_capacity(line.len());
    let mut pending_space = false;
    let mut in_digits = false;
    for ch in line.chars() {
        if matches!(ch, '\'' | '\u{2019}') {
            continue;
        }
        // A pattern writes `#` where a line has digits.
        let is_digit = ch.is_ascii_digit() || ch == '#';
        if is_digit && in_digits {
            continue;
        }
        in_digits = is_digit;
        if !(is_digit || ch.is_alphabetic()) {
            pending_space = true;
            continue;
        }
        if pending_space && !key.is_empty() {
            key.push(' ');
        }
        pending_space = false;
        if is_digit {
            key.push('#');
        } else {
            key.extend(ch.to_lowercase());
        }
    }
    key
}

/// Removes boilerplate from a body in place: noise lines wherever they are, then, from a trailing
/// "You May Also Like"-style heading on, everything. Emptied paragraphs are removed.
pub fn strip_boilerplate(paragraphs: &mut Paragraphs<'_>) {
    for lines in paragraphs.iter_mut() {
        lines.retain(|line| !is_boilerplate_line(line));
    }
    paragraphs.retain(|lines| !lines.is_empty());
    if let Some(cut) = trailing_block_start(paragraphs) {
        paragraphs.truncate(cut);
    }
}

/// True for a line that is never article text: a rule of the table, a date stamp, or symbol
/// noise.
pub fn is_boilerplate_line(line: &str) -> bool {
    let rules = &*RULES;
    if line.len() <= MAX_KEYED_LINE {
        let key = line_key(line);
        if rules.drop.contains(&key) || is_picture_credit(line, rules) {
            return true;
        }
    }
    if line.len() <= MAX_PREFIXED_LINE {
        let starts_with = |prefix: &String| {
            line.as_bytes()
                .get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
        };
        if rules.drop_prefix.iter().any(starts_with) || rules.drop_within.is_match(line) {
            return true;
        }
    }
    if line.len() <= MAX_DATE_LINE
        && line.bytes().any(|b| b.is_ascii_digit())
        && is_date_stamp(line)
    {
        return true;
    }
    is_symbol_noise(line)
}

/// A picture credit standing alone: "Mandel Ngan / AFP / Getty Images", "(Jane Doe/Reuters)".
/// Names set off by slashes, the last one a picture agency; a sentence that merely ends with the
/// agency's name has no slash before it.
fn is_picture_credit(line: &str, rules: &Rules) -> bool {
    let Some((_, last)) = line.rsplit_once('/') else {
        return false;
    };
    !line.ends_with(['.', '!', '?']) && rules.drop_credit.contains(&line_key(last))
}

/// A dateline or update stamp standing alone: metadata, not text. Bare numbers are not dates
/// here (a ten-digit line is more likely a phone number than a unix time).
fn is_date_stamp(line: &str) -> bool {
    !line.bytes().all(|b| b.is_ascii_digit()) && parse_datetime(line).is_some()
}

/// Too few letters to be prose: "A | a-+=", "|", "***", "» »". Kept: numbers and scores such as
/// "2-1", "9/11", "$4.5 billion" or "10:30", and any line with two letters in a row and enough
/// letters overall.
pub fn is_symbol_noise(line: &str) -> bool {
    if line.len() > MAX_NOISE_LINE {
        return false;
    }
    let mut visible = 0usize;
    let mut letters = 0usize;
    let mut digits = 0usize;
    let mut has_word = false;
    let mut letter_run = 0usize;
    let mut only_number_characters = true;
    for ch in line.chars() {
        if ch.is_whitespace() {
            letter_run = 0;
            continue;
        }
        visible += 1;
        if ch.is_alphabetic() {
            letters += 1;
            letter_run += 1;
            // One CJK character is a word on its own.
            has_word |= letter_run >= 2 || ch >= '\u{2E80}';
            only_number_characters = false;
        } else {
            letter_run = 0;
            if ch.is_numeric() {
                digits += 1;
            } else if !".,:;-\u{2013}\u{2014}/%$\u{20AC}\u{00A3}\u{00A5}+()#".contains(ch) {
                only_number_characters = false;
            }
        }
    }
    if visible == 0 || digits > 0 && only_number_characters {
        return false;
    }
    // Initials such as "Q&A" are words when letters make up two thirds of the line.
    has_word |= letters >= 2 && letters * 3 >= visible * 2;
    // Two letters in a row make a word; without one, or with under half letters and digits,
    // this is a strip of icons and separators.
    !has_word || (letters + digits) * 2 < visible
}

/// Index of the paragraph where a trailing block of links starts, if there is one: a short
/// standalone heading from the `cut` rules with less text after it than before it.
fn trailing_block_start(paragraphs: &Paragraphs<'_>) -> Option<usize> {
    let rules = &*RULES;
    let sizes: Vec<usize> = paragraphs
        .iter()
        .map(|lines| lines.iter().map(|line| line.len()).sum())
        .collect();
    let total: usize = sizes.iter().sum();
    let mut before = 0;
    for (index, lines) in paragraphs.iter().enumerate() {
        let size = sizes[index];
        let after = total - before - size;
        if index > 0 && after < before && lines.len() == 1 && is_cut_heading(lines[0], rules) {
            return Some(index);
        }
        before += size;
    }
    None
}

fn is_cut_heading(line: &str, rules: &Rules) -> bool {
    if line.len() > MAX_CUT_LINE {
        return false;
    }
    let key = line_key(line);
    if rules.cut.contains(&key) {
        return true;
    }
    // "More from CNN" is a heading; "More on that later." is prose.
    !line.ends_with(['.', '!', '?', '"', '\u{201D}'])
        && rules
            .cut_prefix
            .iter()
            .any(|prefix| key.starts_with(prefix.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::text::{clean_lines, join_paragraphs, paragraphs};

    fn stripped(text: &str) -> String {
        let lines = clean_lines(text);
        let mut body = paragraphs(&lines);
        strip_boilerplate(&mut body);
        join_paragraphs(&body)
    }

    #[test]
    fn the_rule_table_parses() {
        let rules = &*RULES;
        assert!(rules.drop.contains("estimated read time # min read"));
        assert!(rules.cut.contains("you may also like"));
        assert!(parse_rules("frobnicate x").is_err());
    }

    #[test]
    fn line_keys() {
        assert_eq!(
            line_key("Estimated read time: 4 min. read"),
            "estimated read time # min read"
        );
        assert_eq!(line_key("  YOU MAY ALSO LIKE  "), "you may also like");
        assert_eq!(line_key("You\u{2019}ll 12,500"), "youll # #");
    }

    #[test]
    fn rule_reading_time_badges() {
        for line in [
            "Estimated read time 4 min read",
            "Estimated read time: 12 minutes",
            "5 min read",
            "3 minute read",
            "Reading time: 7 minutes",
        ] {
            assert!(is_boilerplate_line(line), "{line}");
        }
        assert!(!is_boilerplate_line(
            "The meeting took 5 minutes to read the charges."
        ));
    }

    #[test]
    fn rule_exact_lines() {
        for line in [
            "Advertisement",
            "ADVERTISEMENT",
            "Share this article",
            "Share this article:",
            "Read more:  Kim arrives",
        ] {
            assert!(is_boilerplate_line(line), "{line}");
        }
        assert!(!is_boilerplate_line(
            "Advertisement revenue fell 5% this year."
        ));
        assert!(!is_boilerplate_line(
            "Read more about it in the report, officials said."
        ));
    }

    #[test]
    fn rule_picture_credits() {
        for line in [
            "Mandel Ngan / AFP / Getty Images",
            "Win McNamee / Getty Images",
            "(Jane Doe/Reuters)",
            "Photo: John Smith/AP",
        ] {
            assert!(is_boilerplate_line(line), "{line}");
        }
        for line in [
            "The photo was sold to Getty Images",
            "Prices rose 5% / year, said AP",
            "He worked 9/5 for Reuters.",
        ] {
            assert!(!is_boilerplate_line(line), "{line}");
        }
    }

    #[test]
    fn rule_appeared_first_on() {
        assert!(is_boilerplate_line(
            "The post Kim heads to Russia appeared first on NK Times."
        ));
    }

    #[test]
    fn rule_date_stamps() {
        for line in [
            "Updated 10:32 AM EDT, Mon September 11, 2023",
            "Published: 2023-09-11 10:20",
            "September 11, 2023",
        ] {
            assert!(is_boilerplate_line(line), "{line}");
        }
        for line in [
            "2-1",
            "9/11",
            "10:30",
            "0212345678",
            "On September 11, 2023, Kim left.",
        ] {
            assert!(!is_boilerplate_line(line), "{line}");
        }
    }

    #[test]
    fn rule_symbol_noise() {
        for line in ["A | a-+=", "|", "***", "» »", "• • •", "a."] {
            assert!(is_symbol_noise(line), "{line}");
        }
        for line in [
            "2-1",
            "9/11",
            "2023",
            "10:30",
            "$4.5 billion",
            "Yes.",
            "Q&A",
            "Why?",
            "OK",
            "— Jane Doe",
            "North Korea",
            "中国",
            "(1)",
        ] {
            assert!(!is_symbol_noise(line), "{line}");
        }
        // Long lines are prose whatever their letters.
        assert!(!is_symbol_noise(&"| ".repeat(30)));
    }

    #[test]
    fn rule_trailing_block_is_cut() {
        let text = "First paragraph of the story.\n\nSecond paragraph of the story.\n\nYou May Also Like\n\nOther headline one\n\nOther headline two";
        assert_eq!(
            stripped(text),
            "First paragraph of the story.\n\nSecond paragraph of the story."
        );
        let text = "A long enough paragraph of news.\n\nMore from CNN\n\nHeadline";
        assert_eq!(stripped(text), "A long enough paragraph of news.");
    }

    #[test]
    fn trailing_block_needs_a_standalone_heading_late_in_the_body() {
        // Early: more text follows it than precedes it.
        let text = "Intro.\n\nRelated\n\nA long paragraph that is the real story and goes on and on for a while.";
        assert_eq!(stripped(text), text);
        // Not standalone: part of a paragraph.
        let text = "A long paragraph of the real story.\n\nRelated\nstill the same paragraph";
        assert_eq!(
            stripped(text),
            "A long paragraph of the real story.\n\nRelated still the same paragraph"
        );
        // Prose that starts like a heading.
        let text = "A long paragraph of the real story.\n\nMore on that later.";
        assert_eq!(stripped(text), text);
        // Never the first paragraph.
        assert_eq!(stripped("Related"), "Related");
    }

    #[test]
    fn noise_lines_inside_paragraphs_are_removed() {
        assert_eq!(
            stripped("Advertisement\nThe story goes on.\n\nA | a-+=\n\nEnd."),
            "The story goes on.\n\nEnd."
        );
    }
}
