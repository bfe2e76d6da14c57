//! Credit lines: "(Source: A | B | CNN)", "By NAME and NAME", "Reporting by X; Editing by Y",
//! split into outlets and people and removed from the body.
//!
//! Only the lines at the start and at the end of a body are candidates, and a line is a credit
//! line only when every item in it reads as a name or an outlet: "By Monday, officials said ..."
//! stays. A byline may end with its date or time after a separator ("By Jane Doe · Sept 11, 2023",
//! "By Jane Doe | Updated 10:32 AM EDT", "Jane Doe, Staff Writer — September 11, 2023"): the date
//! is dropped with the line, since the page's metadata gives it, and a page would otherwise hash
//! differently from the same story in a feed.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::normalize::date::{MONTHS, WEEKDAYS, parse_datetime};
use crate::normalize::keys::source_key;
use crate::normalize::text::{Paragraphs, clean_line};

/// Outlets and people named by the credit lines of one body, in order of appearance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credits {
    pub outlets: Vec<String>,
    pub people: Vec<String>,
}

impl Credits {
    fn append(&mut self, other: Credits) {
        self.outlets.extend(other.outlets);
        self.people.extend(other.people);
    }
}

/// Known outlets, by source key (`data/normalize/outlets.txt`).
static KNOWN_OUTLETS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    include_str!("../../data/normalize/outlets.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(source_key)
        .collect()
});

/// Words that make a name read as an outlet: "Yonhap News Agency", "The Korea Herald".
const OUTLET_WORDS: &[&str] = &[
    "Agency",
    "Broadcasting",
    "Bulletin",
    "Channel",
    "Chronicle",
    "Courier",
    "Daily",
    "Dispatch",
    "Express",
    "Gazette",
    "Guardian",
    "Herald",
    "Ilbo",
    "Independent",
    "Inquirer",
    "Journal",
    "Magazine",
    "Media",
    "Mirror",
    "Monitor",
    "Network",
    "News",
    "Newspaper",
    "Observer",
    "Post",
    "Press",
    "Radio",
    "Register",
    "Reuters",
    "Shimbun",
    "Sinmun",
    "Telegraph",
    "Television",
    "Times",
    "Tribune",
    "TV",
    "Weekly",
    "Wire",
];

/// Job titles after a name ("Jane Doe, Staff Writer"): the item is skipped, not a name.
pub(crate) const ROLE_WORDS: &[&str] = &[
    "columnist",
    "contributor",
    "correspondent",
    "correspondents",
    "editor",
    "journalist",
    "photographer",
    "producer",
    "reporter",
    "reporters",
    "staff",
    "writer",
    "writers",
];

/// Lowercase words allowed inside a person's name.
const NAME_PARTICLES: &[&str] = &[
    "al", "bin", "binti", "da", "de", "del", "della", "der", "des", "di", "dos", "du", "el", "ibn",
    "la", "le", "st", "ten", "ter", "van", "von", "y",
];

/// Words that follow "By" in prose, never in a byline (besides weekday and month names).
const NOT_NAMES: &[&str] = &["then", "now", "contrast", "comparison", "law", "far"];

/// A lone word after "By" that is prose, not a name: a weekday, a month or one of `NOT_NAMES`.
fn is_not_name(lowercase: &str) -> bool {
    WEEKDAYS.contains(&lowercase) || MONTHS.contains(&lowercase) || NOT_NAMES.contains(&lowercase)
}

/// What an unlabelled-looking item is taken for when it could be either.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leaning {
    People,
    Outlets,
}

/// Labels that open a credit segment, lowercase, longest first.
const LABELS: &[(&str, Leaning)] = &[
    ("additional reporting by ", Leaning::People),
    ("reporting by ", Leaning::People),
    ("reported by ", Leaning::People),
    ("written by ", Leaning::People),
    ("writing by ", Leaning::People),
    ("editing by ", Leaning::People),
    ("edited by ", Leaning::People),
    ("compiled by ", Leaning::People),
    ("words by ", Leaning::People),
    ("by ", Leaning::People),
    ("sources:", Leaning::Outlets),
    ("source:", Leaning::Outlets),
    ("credits:", Leaning::Outlets),
    ("credit:", Leaning::Outlets),
    ("via:", Leaning::Outlets),
];

/// A credit line is short.
const MAX_CREDIT_LINE: usize = 300;
const MAX_CREDIT_ITEMS: usize = 16;

/// Removes the credit lines at the start and at the end of a body and returns what they name.
pub fn extract_credits(paragraphs: &mut Paragraphs<'_>) -> Credits {
    let mut credits = Credits::default();
    // Every credit line at either end goes, however many there are: taking a fixed number would
    // leave one for the next normalisation to take, and the body would not be stable.
    while let Some(found) = paragraphs
        .first()
        .and_then(|lines| lines.first())
        .and_then(|line| parse_credit_line(line))
    {
        credits.append(found);
        paragraphs[0].remove(0);
        if paragraphs[0].is_empty() {
            paragraphs.remove(0);
        }
    }
    let mut at_end = Vec::new();
    while let Some(found) = paragraphs
        .last()
        .and_then(|lines| lines.last())
        .and_then(|line| parse_credit_line(line))
    {
        at_end.push(found);
        if let Some(lines) = paragraphs.last_mut() {
            lines.pop();
            if lines.is_empty() {
                paragraphs.pop();
            }
        }
    }
    // Lines were taken from the end backwards; keep reading order.
    for found in at_end.into_iter().rev() {
        credits.append(found);
    }
    credits
}

/// Reads one line as a credit line; `None` when it is not clearly one.
pub fn parse_credit_line(line: &str) -> Option<Credits> {
    if line.len() > MAX_CREDIT_LINE {
        return None;
    }
    let line = unwrap_credit_line(line);
    parse_credit_list(line).or_else(|| {
        dated_byline_names(line).find_map(|names| {
            let names = unwrap_credit_line(names);
            parse_credit_list(names).or_else(|| parse_staff_byline(names))
        })
    })
}

/// A labelled list of credits ("By A and B", "Source: X | Y; Editing by Z").
fn parse_credit_list(line: &str) -> Option<Credits> {
    let mut credits = Credits::default();
    let mut leaning = None;
    let mut items = 0;
    for segment in line.split(';') {
        let segment = segment.trim();
        if segment.is_empty() {
            continue;
        }
        let rest = match label_of(segment) {
            Some((label_len, label_leaning)) => {
                leaning = Some(label_leaning);
                &segment[label_len..]
            }
            // The first segment must say what the line is; later ones may continue a list.
            None if leaning.is_some() => segment,
            None => return None,
        };
        for item in split_items(rest) {
            items += 1;
            if items > MAX_CREDIT_ITEMS {
                return None;
            }
            classify_item(item, leaning?, &mut credits)?;
        }
    }
    (!credits.outlets.is_empty() || !credits.people.is_empty()).then_some(credits)
}

/// Separators between a byline and its date, tried in this order.
const DATE_SEPARATORS: &[&str] = &[
    " \u{00B7} ",
    " \u{2022} ",
    " | ",
    " \u{2014} ",
    " \u{2013} ",
    " - ",
    ", ",
    " posted ",
    " updated ",
    " published ",
    " on ",
];

/// The heads of "NAMES SEPARATOR DATE" readings of a line: each separator (in the order of
/// [`DATE_SEPARATORS`]) whose tail is a date or time stamp gives one.
fn dated_byline_names(line: &str) -> impl Iterator<Item = &str> {
    let lower = line.to_ascii_lowercase();
    let mut heads = Vec::new();
    for separator in DATE_SEPARATORS {
        for (at, _) in lower.match_indices(separator) {
            // Word separators ("posted") belong to the date: "posted Aug 18th 2010".
            let date = if separator.trim().chars().all(char::is_alphabetic) {
                &line[at..]
            } else {
                &line[at + separator.len()..]
            };
            if !line[..at].trim().is_empty() && is_date_tail(date) {
                heads.push(&line[..at]);
            }
        }
    }
    heads.into_iter()
}

/// Longest date or time stamp after a byline.
const MAX_DATE_TAIL: usize = 64;

/// Words of a time stamp without a date: "Updated 10:32 AM EDT", "2 hours ago".
const TIME_WORDS: &[&str] = &[
    "updated",
    "posted",
    "published",
    "last",
    "modified",
    "on",
    "at",
    "am",
    "pm",
    "a.m.",
    "p.m.",
    "ago",
    "min",
    "mins",
    "minute",
    "minutes",
    "hour",
    "hours",
    "hr",
    "hrs",
    "day",
    "days",
];

/// True for a date ("Sept 11, 2023", "2023-09-11") or a time stamp ("Updated 10:32 AM EDT",
/// "2 hours ago") standing alone: something with digits that is nothing but a date or time.
fn is_date_tail(text: &str) -> bool {
    let text = text
        .trim()
        .trim_start_matches(['(', '['])
        .trim_end_matches([')', ']', '.']);
    if text.is_empty() || text.len() > MAX_DATE_TAIL || !text.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    // A bare number ("2023") is not enough: "By Jane Doe on September 11, 2023" must not split
    // before "2023".
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if parse_datetime(text).is_some() {
        return true;
    }
    text.split([' ', ',', ':'])
        .filter(|word| !word.is_empty())
        .all(|word| {
            let lower = word.to_lowercase();
            word.bytes().all(|b| b.is_ascii_digit())
                || TIME_WORDS.contains(&lower.as_str())
                || is_clock_time(&lower)
                // A zone abbreviation: "EDT", "KST", "GMT".
                || (2..=4).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_uppercase())
        })
}

/// "10", "7:30pm", "10:32am": hours and minutes, with the meridiem glued on or not.
fn is_clock_time(word: &str) -> bool {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '.');
    let meridiem = &word[digits.len()..];
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && matches!(meridiem, "am" | "pm" | "a.m." | "p.m.")
}

/// "Jane Doe, Staff Writer": a person and a job title, with no "By". Only read after a date was
/// split off, which is what makes such a line clearly a byline.
fn parse_staff_byline(line: &str) -> Option<Credits> {
    let (name, role) = line.split_once(", ")?;
    let words: Vec<&str> = name.split_whitespace().collect();
    let role_words: Vec<String> = role.split_whitespace().map(str::to_lowercase).collect();
    let is_role = !role_words.is_empty()
        && role_words.len() <= 4
        && role_words
            .last()
            .is_some_and(|word| ROLE_WORDS.contains(&word.as_str()));
    (words.len() >= 2 && is_person_name(&words) && is_role).then(|| Credits {
        outlets: Vec::new(),
        people: vec![clean_line(name)],
    })
}

/// "(Source: ...)", "[By ...]", "— By ...", "By ... ." to the bare line.
fn unwrap_credit_line(line: &str) -> &str {
    let mut line = line.trim();
    loop {
        let before = line;
        line = line
            .trim_start_matches(['-', '\u{2013}', '\u{2014}', '_', '*', ' '])
            .trim_end_matches(['.', ' ']);
        for (open, close) in [('(', ')'), ('[', ']')] {
            if let Some(inner) = line.strip_prefix(open).and_then(|l| l.strip_suffix(close)) {
                line = inner.trim();
            }
        }
        if line == before {
            return line;
        }
    }
}

/// The label a segment starts with, as (byte length, leaning).
fn label_of(segment: &str) -> Option<(usize, Leaning)> {
    LABELS.iter().find_map(|&(label, leaning)| {
        let head = segment.get(..label.len())?;
        head.eq_ignore_ascii_case(label)
            .then_some((label.len(), leaning))
    })
}

/// Items of a credit list: split at `|`, `,`, `/`, `•`, then at " and " / " & " unless the
/// whole item is a known outlet ("Stars and Stripes").
fn split_items(list: &str) -> impl Iterator<Item = &str> {
    list.split(['|', ',', '/', '\u{2022}', '\u{00B7}'])
        .flat_map(|item| {
            let item = item.trim();
            let whole = item.is_empty() || KNOWN_OUTLETS.contains(&source_key(item));
            let mut parts = Vec::new();
            if whole {
                parts.push(item);
            } else {
                let mut rest = item;
                while let Some((part, tail)) = split_conjunction(rest) {
                    parts.push(part);
                    rest = tail;
                }
                parts.push(rest);
            }
            parts
        })
        .map(str::trim)
        .filter(|item| !item.is_empty() && !item.eq_ignore_ascii_case("and"))
}

/// Splits at the first " and " or " & ".
fn split_conjunction(item: &str) -> Option<(&str, &str)> {
    let lower = item.to_ascii_lowercase();
    [" and ", " & "]
        .iter()
        .filter_map(|conjunction| {
            lower
                .find(conjunction)
                .map(|at| (&item[..at], &item[at + conjunction.len()..]))
        })
        .min_by_key(|(head, _)| head.len())
}

/// Sorts one item into outlets or people; `None` when it is neither (not a credit line).
fn classify_item(item: &str, leaning: Leaning, credits: &mut Credits) -> Option<()> {
    // "Hyonhee Shin in Seoul": the place is not part of the name.
    let item = strip_place(item);
    let words: Vec<&str> = item.split_whitespace().collect();
    let last = words.last()?.to_lowercase();
    if ROLE_WORDS.contains(&last.as_str()) {
        return Some(());
    }
    if is_outlet_name(item) {
        credits.outlets.push(clean_line(item));
        return Some(());
    }
    if !is_person_name(&words) {
        return None;
    }
    // A single word under "Source:" is an outlet ("Source: Wikipedia"); under "By", a person.
    if words.len() == 1 && leaning == Leaning::Outlets {
        credits.outlets.push(clean_line(item));
    } else {
        credits.people.push(clean_line(item));
    }
    Some(())
}

pub(crate) fn strip_place(item: &str) -> &str {
    for marker in [" in ", " from "] {
        if let Some((name, place)) = item.split_once(marker)
            && !place.is_empty()
            && place.split_whitespace().all(starts_uppercase)
        {
            return name.trim();
        }
    }
    item
}

fn starts_uppercase(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// True for an outlet listed in `data/normalize/outlets.txt`.
pub fn is_known_outlet(name: &str) -> bool {
    KNOWN_OUTLETS.contains(&source_key(name))
}

/// True for a name that reads as an outlet: a known one, an acronym of 2-5 capitals (CNN, AFP),
/// a name with a newsroom word (Herald, Times, News, Agency, ...), or a domain (nknews.org).
pub fn is_outlet_name(name: &str) -> bool {
    let name = name.trim();
    if name.is_empty() {
        return false;
    }
    if KNOWN_OUTLETS.contains(&source_key(name)) {
        return true;
    }
    let words: Vec<&str> = name.split_whitespace().collect();
    if let [word] = words.as_slice()
        && (2..=5).contains(&word.len())
        && word.bytes().all(|b| b.is_ascii_uppercase())
    {
        return true;
    }
    words.iter().any(|word| {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric());
        OUTLET_WORDS.contains(&word) || looks_like_domain(word)
    })
}

/// "nknews.org", "NJ.com", "elmundo.es": labels of letters, digits and hyphens, the last one
/// two to six letters.
fn looks_like_domain(word: &str) -> bool {
    let labels: Vec<&str> = word.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| {
            (2..=6).contains(&tld.len()) && tld.chars().all(|c| c.is_ascii_alphabetic())
        })
}

/// One to five words, each capitalised (or a particle such as "de", "van", or an initial), made of
/// letters, hyphens, apostrophes and dots.
pub(crate) fn is_person_name(words: &[&str]) -> bool {
    if words.is_empty() || words.len() > 5 {
        return false;
    }
    if words.len() == 1 && is_not_name(&words[0].to_lowercase()) {
        return false;
    }
    words.iter().all(|word| {
        let letters_only = word
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '\u{2019}' | '.'));
        letters_only
            && (starts_uppercase(word) || NAME_PARTICLES.contains(&word.to_lowercase().as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credit(line: &str) -> Option<(Vec<String>, Vec<String>)> {
        parse_credit_line(line).map(|credits| (credits.outlets, credits.people))
    }

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn source_line_with_pipes() {
        assert_eq!(
            credit(
                "(Source: Ji Da-gyum | The Korea Herald | Jake Kwon | Gawon Bae | Jessie Yeung | Brad Lendon | CNN)"
            ),
            Some((
                names(&["The Korea Herald", "CNN"]),
                names(&[
                    "Ji Da-gyum",
                    "Jake Kwon",
                    "Gawon Bae",
                    "Jessie Yeung",
                    "Brad Lendon"
                ])
            ))
        );
    }

    #[test]
    fn source_line_with_commas() {
        assert_eq!(
            credit("Source: Reuters, Yonhap News Agency, Wikipedia"),
            Some((
                names(&["Reuters", "Yonhap News Agency", "Wikipedia"]),
                vec![]
            ))
        );
    }

    #[test]
    fn by_names_and_names() {
        assert_eq!(
            credit("By Jake Kwon and Gawon Bae"),
            Some((vec![], names(&["Jake Kwon", "Gawon Bae"])))
        );
        assert_eq!(
            credit("By Jake Kwon, Gawon Bae and Brad Lendon, CNN"),
            Some((
                names(&["CNN"]),
                names(&["Jake Kwon", "Gawon Bae", "Brad Lendon"])
            ))
        );
        assert_eq!(
            credit("BY JOHN SMITH & MARIA DE LA CRUZ"),
            Some((vec![], names(&["JOHN SMITH", "MARIA DE LA CRUZ"])))
        );
        assert_eq!(
            credit("By The Associated Press"),
            Some((names(&["The Associated Press"]), vec![]))
        );
    }

    #[test]
    fn reuters_style_reporting_and_editing() {
        assert_eq!(
            credit(
                "(Reporting by Hyonhee Shin in Seoul and Guy Faulconbridge in Moscow; Editing by Lincoln Feast.)"
            ),
            Some((
                vec![],
                names(&["Hyonhee Shin", "Guy Faulconbridge", "Lincoln Feast"])
            ))
        );
        assert_eq!(
            credit("Written by Jane Doe, Staff Writer"),
            Some((vec![], names(&["Jane Doe"])))
        );
    }

    #[test]
    fn byline_with_a_date_after_a_separator() {
        for line in [
            "By Jane Doe \u{00B7} Sept 11, 2023",
            "By Jane Doe | Updated 10:32 AM EDT",
            "By Jane Doe | Updated 10:32 AM EDT, Mon September 11, 2023",
            "By Jane Doe \u{2014} September 11, 2023",
            "By Jane Doe, 2023-09-11T10:32:00Z",
            "By Jane Doe \u{2022} 2 hours ago",
            "By Jane Doe posted Aug 18th 2010 7:30PM",
            "By Jane Doe on September 11, 2023",
        ] {
            assert_eq!(credit(line), Some((vec![], names(&["Jane Doe"]))), "{line}");
        }
        assert_eq!(
            credit("By Jake Kwon and Gawon Bae, CNN | Updated 10:32 AM EDT"),
            Some((names(&["CNN"]), names(&["Jake Kwon", "Gawon Bae"])))
        );
    }

    #[test]
    fn staff_byline_with_a_date() {
        assert_eq!(
            credit("Jane Doe, Staff Writer \u{2014} September 11, 2023"),
            Some((vec![], names(&["Jane Doe"])))
        );
        assert_eq!(
            credit("Jane Doe, Senior Correspondent | Sept 11, 2023"),
            Some((vec![], names(&["Jane Doe"])))
        );
        // Without its date, a name and a title could be anything.
        assert_eq!(credit("Jane Doe, Staff Writer"), None);
    }

    #[test]
    fn dated_prose_is_not_a_byline() {
        for line in [
            "By Monday \u{00B7} Sept 11, 2023",
            "By then, September 11, 2023 had come",
            "Officials met \u{2014} September 11, 2023",
            "Jane Doe, who lives in Seoul \u{2014} September 11, 2023",
            "By Jane Doe | Updated when the vote is counted",
            "By Jane Doe, the mayor said on 11 September 2023 that roads would close",
        ] {
            assert_eq!(credit(line), None, "{line}");
        }
    }

    #[test]
    fn dated_byline_leaves_the_start_of_a_body() {
        let mut body: Paragraphs<'_> = vec![
            vec!["By Jane Doe \u{00B7} Sept 11, 2023"],
            vec!["Story text."],
            vec!["Jane Doe, Staff Writer \u{2014} September 11, 2023"],
        ];
        let credits = extract_credits(&mut body);
        assert_eq!(credits.people, names(&["Jane Doe", "Jane Doe"]));
        assert_eq!(body, vec![vec!["Story text."]]);
    }

    #[test]
    fn known_outlet_with_and_is_not_split() {
        assert_eq!(
            credit("Source: Stars and Stripes"),
            Some((names(&["Stars and Stripes"]), vec![]))
        );
    }

    #[test]
    fn prose_is_not_a_credit_line() {
        for line in [
            "By Monday, officials had agreed to meet.",
            "By Monday",
            "By then the train had left Pyongyang.",
            "Sources: officials said the meeting would go ahead",
            "Kim Jong Un and Vladimir Putin",
            "Source:",
            "By",
            "by the time he arrived, the summit was over",
        ] {
            assert_eq!(credit(line), None, "{line}");
        }
    }

    #[test]
    fn outlet_names() {
        for name in [
            "CNN",
            "AFP",
            "The Korea Herald",
            "Yonhap News Agency",
            "NK News",
            "nknews.org",
            "elmundo.es",
            "lefigaro.fr",
            "Bloomberg",
            "Reuters",
        ] {
            assert!(is_outlet_name(name), "{name}");
        }
        for name in [
            "Jake Kwon",
            "Ji Da-gyum",
            "Seoul",
            "I",
            "Dana A. Ford",
            "J.R.R. Tolkien",
        ] {
            assert!(!is_outlet_name(name), "{name}");
        }
    }

    #[test]
    fn credit_lines_are_taken_only_from_the_ends() {
        let mut body: Paragraphs<'_> = vec![
            vec!["By Jake Kwon, CNN"],
            vec!["Story text."],
            vec!["By Gawon Bae"],
            vec!["More text."],
            vec!["Reporting by Jessie Yeung; Editing by Brad Lendon"],
            vec!["Source: Yonhap"],
        ];
        let credits = extract_credits(&mut body);
        assert_eq!(credits.outlets, names(&["CNN", "Yonhap"]));
        assert_eq!(
            credits.people,
            names(&["Jake Kwon", "Jessie Yeung", "Brad Lendon"])
        );
        assert_eq!(
            body,
            vec![
                vec!["Story text."],
                vec!["By Gawon Bae"],
                vec!["More text."]
            ]
        );
    }
}
