//! The byline cleaner: one author string as a page, feed or dump gives it ("By Steve Matthews and
//! Alex Tanzi", "Matt Friedman | NJ Advance Media for NJ.com", "Jessica Plautz2014-12-22 17:43:29
//! UTC") split into the people it names and the outlets it credits.
//!
//! Bylines scraped from pages carry whatever sat next to the name: a date or time glued on, a
//! "Follow @handle" or "Leave a comment" link, an e-mail address, a job title, the outlet. The rules
//! here are general (no site is named): text after the first digit or a page-text phrase is not
//! the byline; e-mail addresses, URLs and handles go; items are split at separators and
//! conjunctions; job titles and degrees are dropped; outlets and organisations (known outlets,
//! newsroom words, "The ...", the page's own publisher, "X Staff") become credits; what is left
//! and reads as a name is a person.

use crate::normalize::credits::{
    Credits, ROLE_WORDS, is_known_outlet, is_outlet_name, is_person_name, strip_place,
};
use crate::normalize::date::{MONTHS, WEEKDAYS};
use crate::normalize::keys::source_key;
use crate::normalize::text::clean_line;

/// Labels that open a byline or a part of one, lowercase. Photo credits name outlets that are
/// credited, but their people are photographers, not authors.
const LABELS: &[(&str, Part)] = &[
    ("additional reporting by", Part::Authors),
    ("reporting by", Part::Authors),
    ("reported by", Part::Authors),
    ("written by", Part::Authors),
    ("edited by", Part::Authors),
    ("editing by", Part::Authors),
    ("posted by", Part::Authors),
    ("story by", Part::Authors),
    ("words by", Part::Authors),
    ("photographs by", Part::Photo),
    ("photograph by", Part::Photo),
    ("photography by", Part::Photo),
    ("photos by", Part::Photo),
    ("photo by", Part::Photo),
    ("pictures by", Part::Photo),
    ("images by", Part::Photo),
    ("image by", Part::Photo),
    ("by", Part::Authors),
    ("par", Part::Authors),
    ("por", Part::Authors),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Authors,
    Photo,
}

/// Page text that follows a byline, often glued to the name ("Drew DeSilverLeave a comment"):
/// the byline ends where one of these starts.
const PAGE_TEXT: &[&str] = &[
    "Follow",
    "Leave a comment",
    "Leave a Comment",
    "Comments",
    "Comment",
    "Email",
    "E-mail",
    "Contact",
    "Twitter",
    "Facebook",
    "Subscribe",
    "Share",
    "View all posts",
    "View bio",
    "View Bio",
    "More from",
    "More by",
    "More stories",
    "Read more",
    "See more",
    "Show more",
    "Updated",
    "Published",
    "Posted",
    "Last updated",
    "Last Updated",
];

/// Words around a date that are left once the date's digits are cut ("Updated: January").
const DATE_WORDS: &[&str] = &[
    "on",
    "at",
    "updated",
    "published",
    "posted",
    "last",
    "modified",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
];

/// Conjunctions between names: English, and the French of "(avec X et Y)".
const CONJUNCTIONS: &[&str] = &[" and ", " & ", " with ", " et ", " avec "];

/// Degrees and honours after a name ("Brenda Goodman, MA"): dropped.
const CREDENTIALS: &[&str] = &[
    "ma", "md", "phd", "ph.d.", "ph.d", "rn", "mph", "ms", "msc", "bsc", "mba", "dds", "do", "np",
];

/// Words that name a group of people rather than a person: "Motley Fool Staff" credits the
/// Motley Fool; "Contributors to Wikimedia projects" names nobody.
const COLLECTIVE_WORDS: &[&str] = &[
    "staff",
    "team",
    "desk",
    "editors",
    "editorial",
    "newsroom",
    "contributors",
];

/// Words that make a name an organisation rather than a person.
const ORGANISATION_WORDS: &[&str] = &[
    "Organization",
    "Organisation",
    "Foundation",
    "Institute",
    "Association",
    "Society",
    "Council",
    "Company",
    "Corporation",
    "Group",
    "University",
    "Inc",
    "Inc.",
    "Ltd",
    "Ltd.",
    "LLC",
];

/// Words that qualify a job title: "Senior Staff" names nobody.
const ROLE_QUALIFIERS: &[&str] = &[
    "senior",
    "chief",
    "special",
    "contributing",
    "associate",
    "assistant",
    "deputy",
    "managing",
    "executive",
    "political",
    "foreign",
    "national",
    "local",
    "staff",
    "news",
    "sports",
    "business",
    "guest",
];

/// A person's name is short.
const MAX_NAME_WORDS: usize = 6;

/// Splits one byline into the people and the outlets it names, in order. `publisher` is the name
/// of the site the byline was found on: a byline (or part) naming it is the outlet, whatever it
/// looks like ("Mac & i").
pub fn split_byline(byline: &str, publisher: Option<&str>) -> Credits {
    let mut credits = Credits::default();
    let publisher_key = publisher.map(source_key).filter(|key| !key.is_empty());
    // The publisher's name, alone or inside ("Ediciones El País" on El País). A personal site
    // is named after its author ("Haki Benita"): a full name stays a person.
    let is_publisher = |name: &str| {
        let Some(publisher) = publisher_key.as_deref() else {
            return false;
        };
        let key = source_key(name);
        let words: Vec<&str> = name.split_whitespace().collect();
        if key == publisher {
            !(words.len() >= 2 && is_person_name(&words))
        } else {
            format!(" {key} ").contains(&format!(" {publisher} "))
        }
    };
    let whole = clean_line(byline);
    if publisher_key.as_deref() == Some(source_key(&whole).as_str()) && is_publisher(&whole) {
        credits.outlets.push(whole);
        return credits;
    }
    // Lines of a byline block are separate parts ("By Jane Doe\nWebMD Health News").
    for line in byline.lines() {
        let line = clean_line(line);
        for (part, text) in labelled_parts(&line) {
            let text = cut_page_text(&text);
            for item in split_items(&text) {
                classify(&item, part, &is_publisher, &mut credits);
            }
        }
    }
    credits
}

/// The line in parts, each with the label that opens it: "Written by A Edited by B" gives
/// (Authors, "A"), (Authors, "B"). Text before any label is an author part.
fn labelled_parts(line: &str) -> Vec<(Part, String)> {
    let line = without_contacts(line);
    let lower = line.to_lowercase();
    // Label positions: at the start, or after a space or separator, and followed by a space or
    // colon; the longest label at a position wins.
    let mut starts: Vec<(usize, usize, Part)> = Vec::new();
    let mut at = 0;
    while at < lower.len() {
        let boundary = at == 0
            || lower[..at]
                .chars()
                .next_back()
                .is_some_and(|c| !c.is_alphanumeric());
        if boundary
            && let Some(&(label, part)) = LABELS.iter().find(|(label, _)| {
                lower[at..].starts_with(label)
                    && lower[at + label.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| c == ' ' || c == ':')
            })
        {
            // "By" inside a line counts only when it is not a word of a name: a capitalised
            // "By" or a lowercase one both open a part, but "Par"/"Por" only at the start.
            let short = matches!(label, "par" | "por");
            if !short || at == 0 {
                starts.push((at, label.len(), part));
                at += label.len();
                continue;
            }
        }
        at += lower[at..].chars().next().map_or(1, char::len_utf8);
    }
    let mut parts = Vec::new();
    let mut from = 0;
    let mut part = Part::Authors;
    for (at, len, next) in starts {
        // `lower` and `line` have the same length only for ASCII; map back by characters.
        let text = slice_like(&line, &lower, from, at);
        if !text.trim().is_empty() {
            parts.push((part, text));
        }
        part = next;
        from = at + len;
    }
    parts.push((part, slice_like(&line, &lower, from, lower.len())));
    parts
        .into_iter()
        .map(|(part, text)| (part, text.trim_start_matches([':', ' ']).to_string()))
        .collect()
}

/// `line`'s text between two byte offsets of its lowercase copy.
fn slice_like(line: &str, lower: &str, from: usize, to: usize) -> String {
    if line.len() == lower.len() {
        return line[from..to].to_string();
    }
    let skip = lower[..from].chars().count();
    let take = lower[from..to].chars().count();
    line.chars().skip(skip).take(take).collect()
}

/// The line without e-mail addresses, URLs and @handles.
fn without_contacts(line: &str) -> String {
    line.split_whitespace()
        .filter(|word| {
            let word = word.trim_matches(|c: char| matches!(c, '(' | ')' | '[' | ']' | '<' | '>'));
            !(word.contains("://")
                || word.starts_with("www.")
                || word.starts_with('@')
                || (word.contains('@') && word.contains('.')))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text before the first digit or page-text phrase, without the date words left in front of
/// a cut date ("By Nathan Willis March 25, 2015" -> "By Nathan Willis").
fn cut_page_text(text: &str) -> String {
    let digit = text
        .find(|c: char| c.is_ascii_digit())
        .filter(|&at| is_date_like(&text[at..]));
    let mut end = digit.unwrap_or(text.len());
    for phrase in PAGE_TEXT {
        let limit = digit.unwrap_or(text.len());
        for (at, _) in text[..limit].match_indices(phrase) {
            let after = text[at + phrase.len()..].chars().next();
            let before = text[..at].chars().next_back();
            // A phrase glued after a lowercase letter counts: "DeSilverLeave a comment".
            let starts_well = before.is_none_or(|c| !c.is_alphanumeric() || c.is_lowercase());
            if starts_well && after.is_none_or(|c| !c.is_alphanumeric()) {
                end = end.min(at);
                break;
            }
        }
    }
    // Date words are stripped only in front of a cut date: "Jake Sun" keeps his name.
    let date_cut = digit == Some(end);
    let mut kept = text[..end].trim_end();
    loop {
        let before = kept;
        kept = kept.trim_end_matches(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    ',' | ':'
                        | '|'
                        | '-'
                        | '\u{2013}'
                        | '\u{2014}'
                        | '\u{00B7}'
                        | '\u{2022}'
                        | '('
                        | '['
                )
        });
        if date_cut && let Some((head, word)) = kept.rsplit_once(' ').or(Some(("", kept))) {
            let lower = word.trim_end_matches('.').to_lowercase();
            if DATE_WORDS.contains(&lower.as_str())
                || MONTHS.contains(&lower.as_str())
                || WEEKDAYS.contains(&lower.as_str())
            {
                kept = head;
            }
        }
        if kept == before {
            return kept.to_string();
        }
    }
}

/// True when the text from a digit on reads as a date or time: a four-digit year, two numbers or
/// a month name ("2014-12-22 17:43:29 UTC", "22 Dec", "7, 2025"), not a user name's number.
fn is_date_like(tail: &str) -> bool {
    let runs: Vec<&str> = tail
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
        .collect();
    let lower = tail.to_lowercase();
    // A relative time: "8h", "5 min ago", "2 days".
    let unit: String = tail
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphabetic())
        .collect::<String>()
        .to_lowercase();
    let relative = matches!(
        unit.as_str(),
        "h" | "hr"
            | "hrs"
            | "hour"
            | "hours"
            | "m"
            | "min"
            | "mins"
            | "minute"
            | "minutes"
            | "d"
            | "day"
            | "days"
            | "w"
            | "wk"
            | "week"
            | "weeks"
            | "s"
            | "sec"
            | "secs"
    ) || lower.split_whitespace().any(|word| word == "ago");
    relative
        || runs.len() >= 2
        || runs.first().is_some_and(|run| run.len() == 4)
        || lower.split(|c: char| !c.is_alphabetic()).any(|word| {
            MONTHS.contains(&word)
                || (word.len() == 3 && MONTHS.iter().any(|m| m.starts_with(word)))
        })
}

/// Items of a byline part: split at separators, then at conjunctions, then at commas unless a
/// comma sits between single words ("Smith, John" and "Jong, Michiel de" are one name).
fn split_items(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let groups = text
        .split([';', '|', '/', '\u{2022}', '\u{00B7}', '(', ')', '[', ']'])
        .flat_map(|group| group.split(" - "))
        .flat_map(|group| group.split(" \u{2013} "))
        .flat_map(|group| group.split(" \u{2014} "));
    for group in groups {
        // "(avec X et Y)": the conjunction that opened the group joins it to the names before.
        let group = CONJUNCTIONS
            .iter()
            .find_map(|conjunction| {
                strip_prefix_ignoring_case(group.trim(), conjunction.trim_start())
            })
            .unwrap_or(group.trim());
        let commas: Vec<&str> = group.split(',').map(str::trim).collect();
        let parts: Vec<String> = commas
            .iter()
            .flat_map(|part| split_conjunctions(part))
            .collect();
        let split_at_commas = commas.len() == 1
            || parts.iter().all(|part| {
                part.split_whitespace().count() >= 2
                    || is_outlet_name(part)
                    || is_credential(part)
                    || is_role_after_a_name(part)
            });
        if split_at_commas {
            items.extend(parts);
        } else {
            items.extend(split_conjunctions(group.trim()));
        }
    }
    items
        .into_iter()
        .map(|item| {
            item.trim_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ':' | ';' | '-'))
                .to_string()
        })
        .filter(|item| !item.is_empty())
        .collect()
}

/// "A and B & C" -> A, B, C; a known outlet with "and" in its name stays whole.
fn split_conjunctions(item: &str) -> Vec<String> {
    if is_known_outlet(item) {
        return vec![item.to_string()];
    }
    let mut parts = Vec::new();
    let mut rest = item.to_string();
    loop {
        let lower = rest.to_lowercase();
        let next = CONJUNCTIONS
            .iter()
            .filter_map(|conjunction| lower.find(conjunction).map(|at| (at, conjunction.len())))
            .min();
        match next {
            Some((at, len)) if lower.len() == rest.len() => {
                parts.push(rest[..at].to_string());
                rest = rest[at + len..].to_string();
            }
            _ => break,
        }
    }
    parts.push(rest);
    // A leading "and" of the last item: "A, B, and C".
    parts
        .into_iter()
        .map(|part| {
            let trimmed = part.trim();
            trimmed
                .strip_prefix("and ")
                .unwrap_or(trimmed)
                .trim()
                .to_string()
        })
        .filter(|part| !part.is_empty() && !part.eq_ignore_ascii_case("and"))
        .collect()
}

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn is_credential(item: &str) -> bool {
    CREDENTIALS.contains(&item.trim().to_lowercase().as_str())
}

/// A job title: "Staff Writer", "Senior Correspondent", "Reporter": a role word with only
/// qualifiers before it ("Ann Writer" is a name).
fn is_role(item: &str) -> bool {
    let words: Vec<String> = item.split_whitespace().map(str::to_lowercase).collect();
    let Some((last, before)) = words.split_last() else {
        return false;
    };
    ROLE_WORDS.contains(&last.as_str())
        && before.iter().all(|word| {
            ROLE_QUALIFIERS.contains(&word.as_str()) || ROLE_WORDS.contains(&word.as_str())
        })
}

/// After a name, any short phrase ending in a role word is a job title: "Ben Silverman, Games
/// Editor", "... - AP Technology Writers". A group ("Motley Fool Staff") is not one.
fn is_role_after_a_name(item: &str) -> bool {
    let words: Vec<String> = item.split_whitespace().map(str::to_lowercase).collect();
    is_role(item)
        || words.last().is_some_and(|last| {
            ROLE_WORDS.contains(&last.as_str()) && !COLLECTIVE_WORDS.contains(&last.as_str())
        }) && words.len() <= 3
}
/// Sorts one item into people or outlets, or drops it (a job title, a degree, page text).
fn classify(item: &str, part: Part, is_publisher: &dyn Fn(&str) -> bool, credits: &mut Credits) {
    let item = strip_place(item);
    let words: Vec<&str> = item.split_whitespace().collect();
    let Some(first) = words.first() else {
        return;
    };
    let job_title = if credits.people.is_empty() {
        is_role(item)
    } else {
        is_role_after_a_name(item)
    };
    // A plural role ("World's Editorial Writers") names a group, never one person.
    let group_of_writers = words.last().is_some_and(|last| {
        let last = last.to_lowercase();
        last.ends_with('s') && (ROLE_WORDS.contains(&last.as_str()) || last == "editors")
    });
    if !item.chars().any(char::is_alphabetic)
        || is_credential(item)
        || job_title
        || group_of_writers
    {
        return;
    }
    let lower_first = first.to_lowercase();
    // "Authors" alone is a menu link, not a name.
    let bare_label = matches!(item.to_lowercase().as_str(), "author" | "authors");
    if COLLECTIVE_WORDS.contains(&lower_first.as_str()) || bare_label {
        return;
    }
    // "Motley Fool Staff": the outlet, unless what is left is a job title ("Senior Staff").
    let last = words[words.len() - 1].to_lowercase();
    if words.len() >= 2 && COLLECTIVE_WORDS.contains(&last.as_str()) {
        let rest = words[..words.len() - 1].join(" ");
        let only_qualifiers = words[..words.len() - 1]
            .iter()
            .all(|word| ROLE_QUALIFIERS.contains(&word.to_lowercase().as_str()));
        if !only_qualifiers {
            credits.outlets.push(clean_line(&rest));
        }
        return;
    }
    // "Andrea Stone Senior Washington Correspondent": the name ends where the job title starts.
    let item = &without_job_title(item);
    let words: Vec<&str> = item.split_whitespace().collect();
    let is_organisation = is_publisher(item)
        || is_outlet_name(item)
        || (words.len() >= 2 && *first == "The")
        || words.iter().any(|word| ORGANISATION_WORDS.contains(word));
    if is_organisation {
        credits.outlets.extend(outlet_parts(item));
        return;
    }
    if part == Part::Photo || !reads_as_name(&words) {
        return;
    }
    credits.people.push(clean_line(item));
}

/// A name followed by a job title that ends in a role word, without the title: cut at the first
/// qualifier ("Senior", "Staff") after the first two words; "Mary Ann Writer" stays whole.
fn without_job_title(item: &str) -> String {
    let words: Vec<&str> = item.split_whitespace().collect();
    let is_role_word = |word: &&str| ROLE_WORDS.contains(&word.to_lowercase().as_str());
    if words.len() < 3 || !words.last().is_some_and(is_role_word) {
        return item.to_string();
    }
    match (2..words.len() - 1)
        .find(|&at| ROLE_QUALIFIERS.contains(&words[at].to_lowercase().as_str()))
    {
        Some(cut) => words[..cut].join(" "),
        None => item.to_string(),
    }
}

/// "NJ Advance Media for NJ.com" is two outlets; other outlet names stay whole.
fn outlet_parts(item: &str) -> Vec<String> {
    if let Some((head, tail)) = item.split_once(" for ")
        && is_outlet_name(head)
        && is_outlet_name(tail)
    {
        return vec![clean_line(head), clean_line(tail)];
    }
    vec![clean_line(item)]
}

/// A name: a few words. Loose on purpose: the byline came from an author field (user names such
/// as "jdoe2" included), and what is clearly not a name was dropped before.
fn reads_as_name(words: &[&str]) -> bool {
    (1..=MAX_NAME_WORDS).contains(&words.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (people, outlets) of a byline on a page of no known publisher.
    fn split(byline: &str) -> (Vec<String>, Vec<String>) {
        split_on(byline, None)
    }

    fn split_on(byline: &str, publisher: Option<&str>) -> (Vec<String>, Vec<String>) {
        let credits = split_byline(byline, publisher);
        (credits.people, credits.outlets)
    }

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    // Issue 11, item 9: each byline quoted there, from the held-out pages.

    #[test]
    fn several_authors_in_one_string() {
        assert_eq!(
            split("Steve Matthews and Alex Tanzi"),
            (names(&["Steve Matthews", "Alex Tanzi"]), vec![])
        );
        assert_eq!(
            split("Ibtisam Mahdi, Ruwaida Kamal Amer"),
            (names(&["Ibtisam Mahdi", "Ruwaida Kamal Amer"]), vec![])
        );
        assert_eq!(
            split("Dana A. Ford, Greg Botelho and Tom Watkins, CNN"),
            (
                names(&["Dana A. Ford", "Greg Botelho", "Tom Watkins"]),
                names(&["CNN"])
            )
        );
    }

    #[test]
    fn affiliations_and_contacts() {
        assert_eq!(
            split("David Cenciotti, The Aviationist"),
            (names(&["David Cenciotti"]), names(&["The Aviationist"]))
        );
        assert_eq!(
            split("Matt Friedman | NJ Advance Media for NJ.com"),
            (
                names(&["Matt Friedman"]),
                names(&["NJ Advance Media", "NJ.com"])
            )
        );
        assert_eq!(
            split("Bryan Denson | bdenson@oregonian.com"),
            (names(&["Bryan Denson"]), vec![])
        );
        assert_eq!(
            split("SARAH BURGE / STAFF WRITER"),
            (names(&["SARAH BURGE"]), vec![])
        );
    }

    #[test]
    fn page_text_glued_on() {
        assert_eq!(
            split("Jessica Plautz2014-12-22 17:43:29 UTC"),
            (names(&["Jessica Plautz"]), vec![])
        );
        assert_eq!(
            split("Drew DeSilverLeave a comment"),
            (names(&["Drew DeSilver"]), vec![])
        );
        assert_eq!(
            split("By Jane Doe Follow @janedoe Email"),
            (names(&["Jane Doe"]), vec![])
        );
    }

    #[test]
    fn non_persons_become_credits() {
        assert_eq!(
            split("Photo by: The Associated Press"),
            (vec![], names(&["The Associated Press"]))
        );
        assert_eq!(
            split("The New Republic"),
            (vec![], names(&["The New Republic"]))
        );
        assert_eq!(
            split("Motley Fool Staff"),
            (vec![], names(&["Motley Fool"]))
        );
        assert_eq!(split("BBC News"), (vec![], names(&["BBC News"])));
    }

    // More shapes from the readability and goose3 corpus pages.

    #[test]
    fn dates_and_labels_around_names() {
        assert_eq!(
            split("By GILLIAN MOHNEY\n   March 11, 2015 3:46 PM"),
            (names(&["GILLIAN MOHNEY"]), vec![])
        );
        assert_eq!(
            split("By Nathan Willis March 25, 2015"),
            (names(&["Nathan Willis"]), vec![])
        );
        assert_eq!(
            split("by Lucas Nolan22 Dec 2016651"),
            (names(&["Lucas Nolan"]), vec![])
        );
        assert_eq!(split("Last Updated: January 7, 2025"), (vec![], vec![]));
        assert_eq!(
            split("April 28, 2019 at 6:01 am Updated April 29, 2019 at 3:33 pm"),
            (vec![], vec![])
        );
        assert_eq!(split("Follow Author"), (vec![], vec![]));
        assert_eq!(
            split("Written by Rob Ewaschuk\n   Edited by Betsy Beyer"),
            (names(&["Rob Ewaschuk", "Betsy Beyer"]), vec![])
        );
        assert_eq!(
            split("Par Sébastien Farcis"),
            (names(&["Sébastien Farcis"]), vec![])
        );
    }

    #[test]
    fn degrees_outlet_lines_and_links() {
        assert_eq!(
            split("By Brenda  Goodman, MA\n      WebMD Health News"),
            (names(&["Brenda Goodman"]), names(&["WebMD Health News"]))
        );
        assert_eq!(
            split("Bradley M. Kuhn (http://ebb.org/bkuhn/)"),
            (names(&["Bradley M. Kuhn"]), vec![])
        );
        assert_eq!(
            split("Martin Untersinger (avec Damien Leloup et Morgane Tual)"),
            (
                names(&["Martin Untersinger", "Damien Leloup", "Morgane Tual"]),
                vec![]
            )
        );
        assert_eq!(
            split("Contributors to Wikimedia projects"),
            (vec![], vec![])
        );
        assert_eq!(
            split("Organization for Transformative Works"),
            (vec![], names(&["Organization for Transformative Works"]))
        );
    }

    #[test]
    fn names_that_stay_whole() {
        for name in [
            "jdoe2",
            "admin",
            "Jong, Michiel de",
            "Smith, John",
            "Laura June Topolsky",
            "肖春芳",
            "Ana",
            "Gina Roberts-Grey",
            "Jake Kwon",
        ] {
            assert_eq!(split(name), (names(&[name]), vec![]), "{name}");
        }
    }

    #[test]
    fn the_publishers_own_name_is_an_outlet() {
        assert_eq!(
            split_on("Mac & i", Some("Mac & i")),
            (vec![], names(&["Mac & i"]))
        );
        // A personal site is named after its author.
        assert_eq!(
            split_on("Haki Benita", Some("Haki Benita")),
            (names(&["Haki Benita"]), vec![])
        );
        assert_eq!(
            split_on("Jane Doe, Daily Planet", Some("Daily Planet")),
            (names(&["Jane Doe"]), names(&["Daily Planet"]))
        );
    }

    #[test]
    fn a_plain_author_loses_its_by() {
        assert_eq!(split("  By Jake Kwon, "), (names(&["Jake Kwon"]), vec![]));
        assert_eq!(split("Byron Lee"), (names(&["Byron Lee"]), vec![]));
        assert_eq!(split(" by "), (vec![], vec![]));
        assert_eq!(split("By"), (vec![], vec![]));
    }

    #[test]
    fn more_shapes_from_goose3_pages() {
        assert_eq!(
            split("Andrea Stone Senior Washington Correspondent"),
            (names(&["Andrea Stone"]), vec![])
        );
        assert_eq!(split("Authors"), (vec![], vec![]));
        assert_eq!(split("elmundo.es"), (vec![], names(&["elmundo.es"])));
        assert_eq!(
            split_on("Ediciones El País", Some("EL PAÍS")),
            (vec![], names(&["Ediciones El País"]))
        );
        assert_eq!(
            split_on("Wirtschaftswoche", Some("Wirtschaftswoche")),
            (vec![], names(&["Wirtschaftswoche"]))
        );
    }

    #[test]
    fn an_agency_byline_with_a_relative_time() {
        assert_eq!(
            split(
                "By JORDAN ROBERTSON and RACHEL METZ - AP Technology Writers | AP \u{2013} 1 hr 4 mins ago"
            ),
            (names(&["JORDAN ROBERTSON", "RACHEL METZ"]), names(&["AP"]))
        );
    }

    #[test]
    fn relative_times_and_bare_labels_go() {
        assert_eq!(
            split("James Akinaka\n8h"),
            (names(&["James Akinaka"]), vec![])
        );
        assert_eq!(split("Jane Doe 5 min ago"), (names(&["Jane Doe"]), vec![]));
        assert_eq!(split("Authors"), (vec![], vec![]));
        assert_eq!(
            split("Dublin Core property author"),
            (names(&["Dublin Core property author"]), vec![])
        );
    }

    #[test]
    fn job_titles_are_not_outlets() {
        assert_eq!(
            split("Jane Doe, Senior Staff"),
            (names(&["Jane Doe"]), vec![])
        );
        assert_eq!(
            split("Jane Doe, Staff Writer"),
            (names(&["Jane Doe"]), vec![])
        );
        assert_eq!(split("Staff"), (vec![], vec![]));
        assert_eq!(split("World's Editorial Writers"), (vec![], vec![]));
        // Names that end in a role word, alone.
        for name in ["Ann Writer", "Bob Reporter", "Mary Ann Writer"] {
            assert_eq!(split(name), (names(&[name]), vec![]), "{name}");
        }
        assert_eq!(
            split("Ben Silverman, Games Editor"),
            (names(&["Ben Silverman"]), vec![])
        );
    }
}
