//! News-report context rules: sports teams named after their towns ("Liverpool manager",
//! "DALLAS 4 WASHINGTON 2", "Real Madrid"), and companies known by what surrounds them rather
//! than a legal suffix ("Glencore shares", "miner Glencore", "Rio Tinto chief executive").
//!
//! Each rule looks at a few tokens around a capitalised run, and at whether its sentence reads
//! as a sports report (a score such as "2-1", or a word such as "striker" or "league"); the
//! cue words are in `data/gazetteers/cues.tsv`.

use super::{Class, Ctx, EntityKind, Unit};
use crate::entities::tokens::{ALLCAPS, CAP, DIGIT, LINE_START, LOWER, SENT_START, WORD};

/// "2-1", "3-0": a match score (not a date such as "1996-08-31").
pub(super) fn is_score(word: &str) -> bool {
    let Some((a, b)) = word.split_once('-') else {
        return false;
    };
    let small = |s: &str| (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    small(a) && small(b)
}

/// A small whole number, as in a results line or a table row.
fn is_count(word: &str) -> bool {
    (1..=3).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_digit())
}

/// Does any sentence word of `text`'s tokens make it a sports report? One flag per sentence.
pub(super) fn sports_sentences(
    lex: &crate::entities::lexicon::Lexicon,
    tokens: &[crate::entities::tokens::Token],
    text: &str,
) -> Vec<bool> {
    let count = tokens.last().map_or(0, |t| t.sentence as usize + 1);
    let mut sports = vec![false; count];
    for t in tokens.iter().filter(|t| t.has(WORD)) {
        let w = t.text(text);
        if (t.has(LOWER) && lex.sport_word.contains(w)) || (t.has(DIGIT) && is_score(w)) {
            sports[t.sentence as usize] = true;
        }
    }
    sports
}

impl Ctx<'_, '_> {
    fn word_at(&self, f: usize, i: u32) -> Option<&str> {
        let tokens = &self.fields[f].tokens;
        tokens.get(i as usize).map(|t| t.text(self.fields[f].text))
    }

    fn in_sports_sentence(&self, f: usize, i: u32) -> bool {
        let s = self.tok(f, i).sentence as usize;
        self.fields[f].sports.get(s).copied().unwrap_or(false)
    }

    /// Token `i` is on the same line as token `of` (no line start between them).
    fn same_line(&self, f: usize, of: u32, i: u32) -> bool {
        let n = self.fields[f].tokens.len() as u32;
        if i >= n {
            return false;
        }
        let (lo, hi) = if i < of { (i, of) } else { (of, i) };
        !(lo + 1..=hi).any(|k| self.tok(f, k).has(LINE_START))
    }

    fn count_at(&self, f: usize, i: u32, line_of: u32) -> bool {
        self.same_line(f, line_of, i) && self.word_at(f, i).is_some_and(is_count)
    }

    /// A capitalised name word at `i` (gazetteer or not).
    fn name_word_at(&self, f: usize, i: u32) -> bool {
        let n = self.fields[f].tokens.len() as u32;
        i < n && {
            let t = self.tok(f, i);
            self.fields[f].gaz[i as usize].is_some() || (t.has(WORD) && t.has(CAP))
        }
    }

    /// A results line or table row: "Arsenal 2 Leicester 0", "DALLAS 4 Washington 2 ( OT )",
    /// "Newcastle 4 3 1 0 9 3 10". The run opens the line, or follows the first team's score.
    fn on_results_line(&self, f: usize, start: u32, end: u32) -> bool {
        if !self.count_at(f, end, start) {
            return false;
        }
        let opens_line = self.tok(f, start).has(LINE_START);
        if opens_line {
            // Another team and its score after ours, or a row of at least three numbers.
            let mut k = end + 1;
            if self.name_word_at(f, k) && self.same_line(f, start, k) {
                while self.name_word_at(f, k) && self.same_line(f, start, k) {
                    k += 1;
                }
                return self.count_at(f, k, start);
            }
            let mut numbers = 1;
            let mut k = end + 1;
            while self.count_at(f, k, start) {
                numbers += 1;
                k += 1;
            }
            return numbers >= 3 && !self.same_line(f, start, k);
        }
        // The second team: "<team> <n> <us> <n>", the first team opening the line.
        if start < 2 || !self.count_at(f, start - 1, start) {
            return false;
        }
        let mut k = start - 1;
        while k > 0 && self.name_word_at(f, k - 1) && self.same_line(f, start, k - 1) {
            k -= 1;
        }
        k < start - 1 && self.tok(f, k).has(LINE_START)
    }

    /// "Sheffield Wednesday": a club suffix that is otherwise a stop word, right after a name
    /// in a sports sentence or a results line, continues the run.
    pub(super) fn club_suffix_at(&self, f: usize, j: u32, run_start: usize) -> bool {
        self.units.len() > run_start
            && j > 0
            && self.lex.club_suffix.contains(self.word(f, j))
            && self.units[self.units.len() - 1].end == j
            && (self.in_sports_sentence(f, j) || self.word_at(f, j + 1).is_some_and(is_count))
    }

    /// Is the run a sports team or club? `Some(weak)`: weak when only the sentence's sports
    /// vocabulary says so, so that a person found elsewhere in the article wins.
    pub(super) fn team_run(&self, f: usize, units: &[Unit]) -> Option<bool> {
        let start = units[0].start;
        let end = units[units.len() - 1].end;
        if self.person_shaped(f, units) || end - start > 4 {
            return None;
        }
        let place = |u: &Unit| {
            u.gaz
                .is_some_and(|e| e.kind == EntityKind::Location && e.class == Class::Entity)
        };
        let has_place = units.iter().any(place);
        let all_places = units.iter().all(place);
        let known_other = units.iter().any(|u| u.gaz.is_some() && !place(u));
        if known_other {
            return None;
        }
        if self.on_results_line(f, start, end) {
            return Some(false);
        }
        let first = self.word(f, start);
        let last = self.word(f, end - 1);
        let sports = self.in_sports_sentence(f, start);
        // "Real Madrid", "AC Milan", "Manchester United", "Aston Villa".
        if units.len() >= 2
            && has_place
            && (self.lex.club_prefix.contains(first)
                || (sports && self.lex.club_suffix.contains(last) && place(&units[0])))
        {
            return Some(false);
        }
        let next = self.word_at(f, end);
        let prev = (start > 0).then(|| self.word(f, start - 1));
        // "Liverpool manager", "Brazil coach", "Bayern Munich striker".
        let given_first = self.lex.given.contains(first);
        if next.is_some_and(|w| self.lex.team_role.contains(w))
            && (has_place || !given_first)
            && !self.tok(f, start).has(ALLCAPS)
        {
            return Some(false);
        }
        if !sports {
            return None;
        }
        // "Fremantle Dockers", "St. Louis Eagles", "Bowling Green Falcons": a club's nickname
        // is a plural, in a sports report with or without a cue around it.
        if units.len() >= 2 && !given_first && self.nickname_plural(f, end - 1) {
            return Some(false);
        }
        let prev2 = (start > 1).then(|| self.word(f, start - 2));
        let after_score_at = prev == Some("at") && prev2.is_some_and(is_score);
        let cue = next.is_some_and(|w| self.lex.team_verb.contains(w) || is_score(w))
            || prev.is_some_and(|w| self.lex.team_before.contains(w))
            || matches!(
                (prev2, prev),
                (Some("home"), Some("to"))
                    | (Some("drew" | "draw"), Some("with"))
                    | (Some("win" | "victory" | "lead"), Some("over"))
                    | (Some("lost" | "defeat" | "loss"), Some("to"))
            )
            || after_score_at;
        if !cue {
            return None;
        }
        if all_places {
            return Some(false);
        }
        // An unknown name in a sports sentence: a team unless it reads as a person's.
        let plain = !has_place
            && end - start <= 2
            && !given_first
            && !self.lex.surnames.contains(last)
            && !self.tok(f, start).has(SENT_START);
        plain.then_some(true)
    }

    /// "Eagles", "Dockers": a capitalised plural that is no place, event or company word and
    /// no surname ("Williams").
    fn nickname_plural(&self, f: usize, i: u32) -> bool {
        let t = self.tok(f, i);
        let w = self.word(f, i);
        let lex = self.lex;
        // Title case: "APIs", "CEOs" are acronyms' plurals.
        let title_case = w.chars().skip(1).all(|c| c.is_lowercase());
        t.has(CAP)
            && title_case
            && w.len() >= 4
            && w.ends_with('s')
            && !w.ends_with("ss")
            && !lex.place_suffix.contains(w)
            && !lex.misc_suffix.contains(w)
            && !lex.org_suffix.contains(w)
            && !lex.legal_suffix.contains(w)
            && !lex.surnames.contains(w)
    }

    /// Is the run a company by what surrounds it: "Glencore shares", "Rio Tinto chief
    /// executive", "miner Glencore", "shares of Glencore", "Vale said in a statement"?
    pub(super) fn company_run(&self, f: usize, units: &[Unit]) -> bool {
        let start = units[0].start;
        let end = units[units.len() - 1].end;
        // "A provider MAY offer": a word set in capitals that is no acronym of a name.
        let capitalised_word = end - start == 1
            && self.tok(f, start).has(ALLCAPS)
            && self.capitals_mean_a_word(self.word(f, start));
        !(units.iter().any(|u| u.gaz.is_some())
            || end - start > 3
            || capitalised_word
            || self.person_shaped(f, units)
            || (start..end).any(|i| self.tok(f, i).has(ALLCAPS) && self.word(f, i).len() > 5))
            && self.company_context(f, start, end)
    }

    /// The words around tokens `start..end` say a company: see [`Self::company_run`]; also a
    /// deal ("bought Snapchat", "its sale to Verizon", "partnered with Zeiss").
    pub(super) fn company_context(&self, f: usize, start: u32, end: u32) -> bool {
        let mut next_i = end;
        if self
            .word_at(f, next_i)
            .is_some_and(|w| w == "'s" || w == "’s")
        {
            next_i += 1;
        }
        let next = self.word_at(f, next_i);
        let prev = (start > 0).then(|| self.word(f, start - 1));
        // "chief executive Jakob Stausholm said in a statement" is a person.
        if prev.is_some_and(|w| self.lex.roles.contains(w)) {
            return false;
        }
        // Lowercased: "Shares of Glencore" opens a sentence.
        let prev2 = (start > 1).then(|| self.word(f, start - 2).to_lowercase());
        let prev2 = prev2.as_deref();
        if next.is_some_and(|w| self.lex.company_after.contains(w)) {
            return true;
        }
        if prev.is_some_and(|w| {
            self.lex.company_before.contains(w) || self.lex.company_verb.contains(w)
        }) {
            return true;
        }
        if matches!(
            (prev2, prev),
            (
                Some("shares" | "stake" | "stakes" | "investors"),
                Some("in" | "of")
            ) | (
                Some("takeover" | "acquisition" | "buyout" | "purchase" | "unit" | "subsidiary"),
                Some("of")
            ) | (Some("bid" | "offer"), Some("for"))
                | (Some("sale" | "sold" | "selling"), Some("to"))
                | (
                    Some("partnered" | "partnership" | "merger" | "merged"),
                    Some("with")
                )
        ) {
            return true;
        }
        // "Vale said in a statement": rarely how a person is quoted.
        let statement = matches!(next, Some("said" | "says"))
            && self.word_at(f, end + 1) == Some("in")
            && self.word_at(f, end + 2) == Some("a")
            && self.word_at(f, end + 3) == Some("statement");
        statement
            && !self.lex.given.contains(self.word(f, start))
            && !self.lex.surnames.contains(self.word(f, end - 1))
    }
}
