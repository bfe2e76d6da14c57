//! The one date parser: publication dates from feeds, JSON, HTML metadata and scraped text, to UTC.
//!
//! Strict RFC 3339 and RFC 2822 first (chrono), then a forgiving scanner for the rest: ISO 8601
//! variants, "September 11, 2023", "11 Sep 2023 10:20 AM KST", numeric dates, unix seconds. A
//! date it cannot read, or more than a day in the future, is `None`: newsdb keeps the raw string
//! and never substitutes the import time.
//!
//! Command-line dates (`--since`, `--until` of every command) go through [`parse_date_flag`]:
//! `YYYY-MM-DD`, `YYYY-MM`, RFC 3339, `today`, `yesterday`, or an age such as `12h`, `7d`, `2w`
//! (that long before now), turned into the stored UTC text they are compared with. Stored
//! times are compared as text, which orders correctly only for four-digit years, so a date
//! outside 0000..=9999 is refused rather than silently meaning "everything" or "nothing".

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Timelike, Utc};

/// Longer strings are prose, not dates.
const MAX_DATE_LEN: usize = 100;

/// Parses a publication date to UTC `YYYY-MM-DDTHH:MM:SSZ`. `None` when unparseable, before the
/// year 1000 (placeholder dates such as `0001-01-01`), or more than a day after `now`.
pub fn parse_published(raw: &str, now: DateTime<Utc>) -> Option<String> {
    // Whole seconds; this also reads a leap second (23:59:60) as 23:59:59.
    let parsed = parse_datetime(raw)?.with_nanosecond(0)?;
    if parsed.year() < 1000 || parsed > now + TimeDelta::days(1) {
        return None;
    }
    Some(parsed.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// Parses a date in any supported form, without the plausibility checks of [`parse_published`].
/// A date without a zone is UTC; a date without a time is midnight.
pub fn parse_datetime(raw: &str) -> Option<DateTime<Utc>> {
    let text = raw.trim();
    if text.is_empty() || text.len() > MAX_DATE_LEN {
        return None;
    }
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return Some(parsed.to_utc());
    }
    if let Some(parsed) = parse_unix_seconds(text) {
        return Some(parsed);
    }
    if let Ok(parsed) = DateTime::parse_from_rfc2822(text) {
        return Some(parsed.to_utc());
    }
    Fields::scan(text)?.to_utc()
}

/// Which end of a range a command-line date bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateBound {
    /// `--since`: a bare date means its first second; a fraction of a second rounds up.
    Since,
    /// `--until`: a bare date means its last second, so both ends are inclusive.
    Until,
}

/// What a DATE flag accepts, for error messages.
const DATE_FORMS: &str = "use YYYY-MM-DD, YYYY-MM, RFC 3339, today, yesterday, or an age like \
                          12h, 7d or 2w";

/// A `--since`/`--until` DATE as stored UTC text `YYYY-MM-DDTHH:MM:SSZ`, comparable with
/// `published_at` and `imported_at`: `YYYY-MM-DD`, `YYYY-MM` (the whole month), RFC 3339 with
/// any offset, `today`, `yesterday` (whole UTC days), or an age `Nh`, `Nd`, `Nw` before now.
pub fn parse_date_flag(text: &str, bound: DateBound) -> Result<String, String> {
    parse_date_flag_at(text, bound, Utc::now())
}

/// [`parse_date_flag`] with `now` given, for ages and `today`.
pub fn parse_date_flag_at(
    text: &str,
    bound: DateBound,
    now: DateTime<Utc>,
) -> Result<String, String> {
    let trimmed = text.trim();
    let lowered = trimmed.to_ascii_lowercase();
    let named_day = match lowered.as_str() {
        "today" => Some(now.date_naive()),
        "yesterday" => now.date_naive().pred_opt(),
        _ => None,
    };
    let month = NaiveDate::parse_from_str(&format!("{trimmed}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| trimmed.len() == 7);
    let moment = if let Some(age) = parse_age(&lowered) {
        now.with_nanosecond(0).unwrap_or(now) - age
    } else if let Some(first) = month {
        match bound {
            DateBound::Since => first.and_time(NaiveTime::MIN).and_utc(),
            DateBound::Until => {
                let next = first
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(NaiveDate::MAX);
                next.and_time(NaiveTime::MIN).and_utc() - TimeDelta::seconds(1)
            }
        }
    } else if let Some(day) =
        named_day.or_else(|| NaiveDate::parse_from_str(trimmed, "%Y-%m-%d").ok())
    {
        let time = match bound {
            DateBound::Since => NaiveTime::MIN,
            DateBound::Until => NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN),
        };
        day.and_time(time).and_utc()
    } else {
        let parsed = DateTime::parse_from_rfc3339(trimmed)
            .map_err(|_| {
                // chrono reads five-digit years only with a sign: say what is wrong with them.
                let year_digits = trimmed
                    .trim_start_matches(['+', '-'])
                    .bytes()
                    .take_while(u8::is_ascii_digit)
                    .count();
                if year_digits > 4 && trimmed.contains('-') {
                    out_of_range(text)
                } else {
                    format!("`{text}` is not a date ({DATE_FORMS})")
                }
            })?
            .to_utc();
        let whole = parsed.with_nanosecond(0).unwrap_or(parsed);
        if bound == DateBound::Since && whole != parsed {
            whole + TimeDelta::seconds(1)
        } else {
            whole
        }
    };
    if !(0..=9999).contains(&moment.year()) {
        return Err(out_of_range(text));
    }
    Ok(moment.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// `12h`, `7d`, `2w`: an age in hours, days or weeks, up to 10,000 years.
fn parse_age(text: &str) -> Option<TimeDelta> {
    let unit = text.chars().last()?;
    let count: i64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    if !(0..=3_650_000).contains(&count) {
        return None;
    }
    match unit {
        'h' => TimeDelta::try_hours(count),
        'd' => TimeDelta::try_days(count),
        'w' => TimeDelta::try_weeks(count),
        _ => None,
    }
}

fn out_of_range(text: &str) -> String {
    format!("`{text}` is out of range (years 0000 to 9999, in UTC)")
}

/// [`parse_date_flag`] for `--since`, as a clap value parser.
pub fn since_flag(text: &str) -> Result<String, String> {
    parse_date_flag(text, DateBound::Since)
}

/// [`parse_date_flag`] for `--until`, as a clap value parser.
pub fn until_flag(text: &str) -> Result<String, String> {
    parse_date_flag(text, DateBound::Until)
}

/// Nine or ten digits: seconds since 1970 (2001-09-09 to 2286). Milliseconds and other counts
/// are too ambiguous to guess.
fn parse_unix_seconds(text: &str) -> Option<DateTime<Utc>> {
    if !(9..=10).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    DateTime::from_timestamp(text.parse().ok()?, 0)
}

/// What the scanner found, before it is checked and assembled.
#[derive(Default)]
struct Fields {
    date: Option<(i32, u32, u32)>,
    month: Option<u32>,
    /// Numbers standing alone: day and year when the month is a word.
    loose: Vec<(u32, usize)>,
    time: Option<(u32, u32, u32)>,
    meridiem: Option<Meridiem>,
    /// From a zone name: `KST`, `GMT`.
    zone_offset: Option<i32>,
    /// From digits: `+09:00`, `-0400`. Wins over the name: "GMT+9" is +9, and in
    /// "+0900 (KST)" the name is a comment.
    numeric_offset: Option<i32>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Meridiem {
    Am,
    Pm,
}

impl Fields {
    fn scan(text: &str) -> Option<Fields> {
        let chars: Vec<char> = text.chars().collect();
        let mut fields = Fields::default();
        let mut at = 0;
        while at < chars.len() {
            let ch = chars[at];
            if ch.is_ascii_digit() {
                at = fields.scan_number(&chars, at)?;
            } else if ch.is_alphabetic() {
                at = fields.scan_word(&chars, at)?;
            } else if matches!(ch, '+' | '-' | '\u{2212}')
                && fields.time.is_some()
                && chars.get(at + 1).is_some_and(char::is_ascii_digit)
            {
                at = fields.scan_offset(&chars, at)?;
            } else if ch.is_whitespace() || ",;:.()[]|@/-\u{2013}\u{2014}".contains(ch) {
                at += 1;
            } else {
                return None;
            }
        }
        Some(fields)
    }

    /// A date group (`2023-09-11`, `9/11/2023`, `11.09.2023`, `20230911`), a time group
    /// (`10:20`, `10:20:00.123`), or a lone number (with an ordinal suffix: `11th`).
    fn scan_number(&mut self, chars: &[char], start: usize) -> Option<usize> {
        let (first, first_len, mut at) = digits(chars, start);
        let next = chars.get(at).copied();
        if next == Some(':') {
            let (minute, minute_len, after) = digits(chars, at + 1);
            if minute_len != 2 || first_len > 2 || self.time.is_some() {
                return None;
            }
            at = after;
            let mut second = 0;
            if chars.get(at) == Some(&':') {
                let (value, len, after) = digits(chars, at + 1);
                if len != 2 {
                    return None;
                }
                second = value;
                at = after;
                // Fractions of a second are dropped: the store keeps whole seconds.
                if matches!(chars.get(at), Some('.' | ','))
                    && chars.get(at + 1).is_some_and(char::is_ascii_digit)
                {
                    at = digits(chars, at + 1).2;
                }
            }
            self.time = Some((first, minute, second));
            return Some(at);
        }
        if let Some(separator @ ('-' | '/' | '.')) = next
            && chars.get(at + 1).is_some_and(char::is_ascii_digit)
        {
            let (second, second_len, after) = digits(chars, at + 1);
            if chars.get(after) == Some(&separator)
                && chars.get(after + 1).is_some_and(char::is_ascii_digit)
            {
                let (third, third_len, after) = digits(chars, after + 1);
                let date = numeric_date(
                    [(first, first_len), (second, second_len), (third, third_len)],
                    separator,
                )?;
                if self.date.replace(date).is_some() {
                    return None;
                }
                return Some(after);
            }
        }
        if first_len == 8 && !matches!(next, Some(c) if c.is_ascii_digit()) {
            // ISO basic: 20230911.
            let date = (
                i32::try_from(first / 10_000).ok()?,
                first / 100 % 100,
                first % 100,
            );
            if self.date.replace(date).is_some() {
                return None;
            }
            return Some(at);
        }
        if first_len > 4 {
            return None;
        }
        // Ordinal suffix: 6th, 1st, 2nd, 3rd.
        let suffix: String = chars[at..]
            .iter()
            .take(3)
            .take_while(|c| c.is_ascii_alphabetic())
            .collect::<String>()
            .to_ascii_lowercase();
        if matches!(suffix.as_str(), "st" | "nd" | "rd" | "th") {
            at += 2;
        }
        self.loose.push((first, first_len));
        Some(at)
    }

    /// Month and weekday names, AM/PM, zone names and a few filler words; any other word means
    /// this is not (only) a date.
    fn scan_word(&mut self, chars: &[char], start: usize) -> Option<usize> {
        let mut at = start;
        let mut word = String::new();
        while let Some(&ch) = chars.get(at) {
            if ch.is_alphabetic() {
                word.extend(ch.to_lowercase());
            } else if ch != '.' || !chars.get(at + 1).is_some_and(|c| c.is_alphabetic()) {
                // "a.m." and "Sept." are words; a final dot ends the word.
                break;
            }
            at += 1;
        }
        if let Some(month) = month_number(&word) {
            if self.month.replace(month).is_some() {
                return None;
            }
        } else if let Some(meridiem) = match word.as_str() {
            "am" => Some(Meridiem::Am),
            "pm" => Some(Meridiem::Pm),
            _ => None,
        } {
            if self.meridiem.replace(meridiem).is_some() {
                return None;
            }
        } else if let Some(offset) = zone_offset_seconds(&word) {
            if self.zone_offset.replace(offset).is_some() {
                return None;
            }
        } else if !is_weekday(&word) && !FILLER_WORDS.contains(&word.as_str()) {
            return None;
        }
        Some(at)
    }

    /// `+09:00`, `+0900`, `-05`, after a time (or a zone name: `GMT+9`).
    fn scan_offset(&mut self, chars: &[char], start: usize) -> Option<usize> {
        let sign = if chars[start] == '+' { 1 } else { -1 };
        let (value, len, mut at) = digits(chars, start + 1);
        let (hours, minutes) = match len {
            1 | 2 if chars.get(at) == Some(&':') => {
                let (minutes, minutes_len, after) = digits(chars, at + 1);
                if minutes_len != 2 {
                    return None;
                }
                at = after;
                (value, minutes)
            }
            1 | 2 => (value, 0),
            4 => (value / 100, value % 100),
            _ => return None,
        };
        if hours > 18 || minutes > 59 {
            return None;
        }
        let offset = sign * (hours * 3600 + minutes * 60) as i32;
        if self.numeric_offset.replace(offset).is_some() {
            return None;
        }
        Some(at)
    }

    fn to_utc(&self) -> Option<DateTime<Utc>> {
        let (year, month, day) = match (self.date, self.month) {
            (Some(date), None) if self.loose.is_empty() => date,
            (None, Some(month)) => {
                let (day, year) = day_and_year(&self.loose)?;
                (year, month, day)
            }
            _ => return None,
        };
        let date = NaiveDate::from_ymd_opt(year, month, day)?;
        let (mut hour, minute, second) = self.time.unwrap_or((0, 0, 0));
        match self.meridiem {
            // "15:20:00PM": a 24-hour time with a redundant PM, as some sites print it.
            Some(Meridiem::Pm) if (13..=23).contains(&hour) && self.time.is_some() => {}
            Some(_) if !(1..=12).contains(&hour) || self.time.is_none() => return None,
            Some(Meridiem::Am) if hour == 12 => hour = 0,
            Some(Meridiem::Pm) if hour < 12 => hour += 12,
            _ => {}
        }
        // A leap second is read as the second before it.
        let time = NaiveTime::from_hms_opt(hour, minute, second.min(59))?;
        let local = date.and_time(time);
        let offset = self.numeric_offset.or(self.zone_offset).unwrap_or(0);
        let utc = local - TimeDelta::seconds(i64::from(offset));
        Some(utc.and_utc())
    }
}

/// With the month as a word: a four-digit number (or one above 31) is the year, the other the
/// day; with two small numbers, the day comes first ("Sep 11, 23").
fn day_and_year(loose: &[(u32, usize)]) -> Option<(u32, i32)> {
    let (mut day, mut year) = (None, None);
    for &(value, len) in loose {
        if (len >= 3 || value > 31) && year.is_none() {
            year = Some(i32::try_from(value).ok()?);
        } else if day.is_none() && len <= 2 {
            day = Some(value);
        } else if year.is_none() && len == 2 {
            year = Some(two_digit_year(value));
        } else {
            return None;
        }
    }
    Some((day?, year?))
}

/// RFC 2822's rule: 00-49 is 20xx, 50-99 is 19xx.
fn two_digit_year(value: u32) -> i32 {
    let value = value as i32;
    if value < 50 {
        2000 + value
    } else {
        1900 + value
    }
}

/// Three numbers of a numeric date. Year first is Y-M-D. Otherwise a part above 12 tells the day;
/// dots mean day first (11.09.2023, European); otherwise month first (9/11/2023, American).
fn numeric_date(parts: [(u32, usize); 3], separator: char) -> Option<(i32, u32, u32)> {
    let [(first, first_len), (second, _), (third, third_len)] = parts;
    if first_len == 4 {
        return Some((i32::try_from(first).ok()?, second, third));
    }
    let year = match third_len {
        4 => i32::try_from(third).ok()?,
        2 => two_digit_year(third),
        _ => return None,
    };
    let day_first = first > 12 || (second <= 12 && separator == '.');
    Some(if day_first {
        (year, second, first)
    } else {
        (year, first, second)
    })
}

/// Leading run of ASCII digits at `start`: (value, digit count, index after). The value
/// saturates; callers check the count.
fn digits(chars: &[char], start: usize) -> (u32, usize, usize) {
    let mut value = 0u32;
    let mut at = start;
    while let Some(digit) = chars.get(at).and_then(|c| c.to_digit(10)) {
        value = value.saturating_mul(10).saturating_add(digit);
        at += 1;
    }
    (value, at - start, at)
}

/// English month names, lowercase, January first: the one list the date parser, the credits
/// parser and the HTML metadata reader share.
pub const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// English weekday names, lowercase, Monday first.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

fn month_number(word: &str) -> Option<u32> {
    if word == "sept" {
        return Some(9);
    }
    MONTHS
        .iter()
        .position(|month| *month == word || word.len() == 3 && month.starts_with(word))
        .map(|index| index as u32 + 1)
}

fn is_weekday(word: &str) -> bool {
    matches!(word, "tues" | "thur" | "thurs")
        || WEEKDAYS
            .iter()
            .any(|day| *day == word || word.len() == 3 && day.starts_with(word))
}

/// Words around dates in bylines and metadata ("Published on 11 Sep 2023 at 10:20").
const FILLER_WORDS: &[&str] = &[
    "at",
    "of",
    "on",
    "the",
    "t",
    "published",
    "updated",
    "posted",
    "modified",
    "created",
    "date",
    "pub",
];

/// Zone abbreviations seen in feeds, with their offsets. RFC 2822's obsolete names (UT, GMT, the
/// US zones) plus the ones news sites print. Ambiguous IST is India (the common case in feeds).
fn zone_offset_seconds(word: &str) -> Option<i32> {
    let hours: f32 = match word {
        "z" | "ut" | "utc" | "gmt" | "wet" => 0.0,
        "bst" | "cet" | "wat" | "west" => 1.0,
        "cest" | "eet" | "sast" | "cat" => 2.0,
        "eest" | "msk" | "eat" => 3.0,
        "gst" => 4.0,
        "pkt" => 5.0,
        "ist" => 5.5,
        "ict" | "wib" => 7.0,
        "hkt" | "sgt" | "pht" | "awst" | "myt" => 8.0,
        "kst" | "jst" => 9.0,
        "acst" => 9.5,
        "aest" => 10.0,
        "aedt" => 11.0,
        "nzst" => 12.0,
        "nzdt" => 13.0,
        "nst" => -3.5,
        "adt" => -3.0,
        "ast" | "edt" => -4.0,
        "est" | "cdt" => -5.0,
        "cst" | "mdt" => -6.0,
        "mst" | "pdt" => -7.0,
        "pst" | "akdt" => -8.0,
        "akst" | "hdt" => -9.0,
        "hst" => -10.0,
        _ => return None,
    };
    Some((hours * 3600.0) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_flags_are_inclusive_utc_bounds_within_four_digit_years() {
        let since = |text| parse_date_flag(text, DateBound::Since);
        let until = |text| parse_date_flag(text, DateBound::Until);
        assert_eq!(since("2024-03-01").unwrap(), "2024-03-01T00:00:00Z");
        assert_eq!(until("2024-03-01").unwrap(), "2024-03-01T23:59:59Z");
        assert_eq!(
            since("2024-03-01T09:00:00+09:00").unwrap(),
            "2024-03-01T00:00:00Z"
        );
        // A fraction rounds inwards: since 10:00:00.5 excludes 10:00:00.
        assert_eq!(
            since("2024-03-01T10:00:00.5Z").unwrap(),
            "2024-03-01T10:00:01Z"
        );
        assert_eq!(
            until("2024-03-01T10:00:00.5Z").unwrap(),
            "2024-03-01T10:00:00Z"
        );
        assert_eq!(since("0000-01-01").unwrap(), "0000-01-01T00:00:00Z");
        assert_eq!(until("9999-12-31").unwrap(), "9999-12-31T23:59:59Z");
        for out_of_range in [
            "10000-01-01",
            "+10000-01-01",
            "-0001-01-01",
            "9999-12-31T23:00:00-05:00",
        ] {
            let error = since(out_of_range).unwrap_err();
            assert!(error.contains("out of range"), "{out_of_range}: {error}");
        }
        for unreadable in ["March 1", "2024-02-30", "", "1700000000"] {
            let error = until(unreadable).unwrap_err();
            assert!(error.contains("is not a date"), "{unreadable}: {error}");
        }
    }

    #[test]
    fn date_flags_take_ages_named_days_and_months() {
        let now = DateTime::parse_from_rfc3339("2024-06-15T12:30:45.5Z")
            .unwrap()
            .to_utc();
        let since = |text| parse_date_flag_at(text, DateBound::Since, now);
        let until = |text| parse_date_flag_at(text, DateBound::Until, now);
        assert_eq!(since("7d").unwrap(), "2024-06-08T12:30:45Z");
        assert_eq!(since("2w").unwrap(), "2024-06-01T12:30:45Z");
        assert_eq!(since("12h").unwrap(), "2024-06-15T00:30:45Z");
        assert_eq!(until("0d").unwrap(), "2024-06-15T12:30:45Z");
        assert_eq!(since("today").unwrap(), "2024-06-15T00:00:00Z");
        assert_eq!(since("Yesterday").unwrap(), "2024-06-14T00:00:00Z");
        assert_eq!(until("yesterday").unwrap(), "2024-06-14T23:59:59Z");
        assert_eq!(since("2024-06").unwrap(), "2024-06-01T00:00:00Z");
        assert_eq!(until("2024-06").unwrap(), "2024-06-30T23:59:59Z");
        assert_eq!(until("2024-02").unwrap(), "2024-02-29T23:59:59Z");
        assert_eq!(until("2024-12").unwrap(), "2024-12-31T23:59:59Z");
        for unreadable in ["7", "d", "-7d", "7y", "7 days", "2024-13", "2024-6"] {
            let error = since(unreadable).unwrap_err();
            assert!(error.contains("is not a date"), "{unreadable}: {error}");
        }
        assert!(since("99999999w").is_err());
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn table_of_vectors() {
        let vectors: &[(&str, &str)] = &[
            // RFC 3339.
            ("2023-09-11T10:20:00Z", "2023-09-11T10:20:00Z"),
            ("2023-09-11T10:20:00+09:00", "2023-09-11T01:20:00Z"),
            ("2023-09-11T10:20:00.123456-04:00", "2023-09-11T14:20:00Z"),
            ("  2023-09-11t10:20:00z ", "2023-09-11T10:20:00Z"),
            // RFC 2822, with obsolete zones, no weekday, two-digit years.
            ("Mon, 11 Sep 2023 10:20:00 +0900", "2023-09-11T01:20:00Z"),
            ("Mon, 11 Sep 2023 10:20:00 GMT", "2023-09-11T10:20:00Z"),
            ("Mon, 11 Sep 2023 10:20:00 UT", "2023-09-11T10:20:00Z"),
            ("Mon, 11 Sep 2023 10:20:00 EST", "2023-09-11T15:20:00Z"),
            ("Mon, 11 Sep 2023 10:20:00 PDT", "2023-09-11T17:20:00Z"),
            ("11 Sep 2023 10:20:00 +0000", "2023-09-11T10:20:00Z"),
            ("Mon, 11 Sep 23 10:20:00 GMT", "2023-09-11T10:20:00Z"),
            ("Mon, 11 Sep 2023 10:20 GMT", "2023-09-11T10:20:00Z"),
            // A wrong weekday is forgiven.
            ("Tue, 11 Sep 2023 10:20:00 GMT", "2023-09-11T10:20:00Z"),
            ("Mon, 11 Sep 2023 10:20:00 KST", "2023-09-11T01:20:00Z"),
            // ISO 8601 variants.
            ("2023-09-11 10:20:00", "2023-09-11T10:20:00Z"),
            ("2023-09-11T10:20:00", "2023-09-11T10:20:00Z"),
            ("2023-09-11T10:20:00+0900", "2023-09-11T01:20:00Z"),
            ("2023-09-11T10:20:00+09", "2023-09-11T01:20:00Z"),
            ("2023-09-11 10:20:00 +09:00", "2023-09-11T01:20:00Z"),
            ("2023-09-11T10:20:00.5Z", "2023-09-11T10:20:00Z"),
            ("2023-09-11 10:20:00.123456789", "2023-09-11T10:20:00Z"),
            ("2023-09-11T10:20Z", "2023-09-11T10:20:00Z"),
            ("2023-09-11", "2023-09-11T00:00:00Z"),
            ("2023/09/11", "2023-09-11T00:00:00Z"),
            ("2023.09.11 10:20", "2023-09-11T10:20:00Z"),
            ("20230911", "2023-09-11T00:00:00Z"),
            ("2023-09-11 10:20:00 UTC", "2023-09-11T10:20:00Z"),
            ("2023-09-11 10:20 GMT+9", "2023-09-11T01:20:00Z"),
            ("2023-09-11 10:20 UTC-05:00", "2023-09-11T15:20:00Z"),
            (
                "Mon, 11 Sep 2023 10:20:00 +0900 (KST)",
                "2023-09-11T01:20:00Z",
            ),
            ("2023-09-11T10:20:00.000+0000", "2023-09-11T10:20:00Z"),
            ("Published: 2023-09-11 10:20", "2023-09-11T10:20:00Z"),
            ("2023-09-11T23:59:60Z", "2023-09-11T23:59:59Z"),
            // Unix seconds.
            ("1694427600", "2023-09-11T10:20:00Z"),
            ("999999999", "2001-09-09T01:46:39Z"),
            // Words.
            ("September 11, 2023", "2023-09-11T00:00:00Z"),
            ("11 September 2023", "2023-09-11T00:00:00Z"),
            ("Sep 11, 2023 10:20 AM", "2023-09-11T10:20:00Z"),
            ("Sep 11, 2023 10:20 PM", "2023-09-11T22:20:00Z"),
            ("Sep 11, 2023 12:05 a.m.", "2023-09-11T00:05:00Z"),
            ("Sep 11, 2023 12:05 p.m.", "2023-09-11T12:05:00Z"),
            ("Sept. 11, 2023", "2023-09-11T00:00:00Z"),
            (
                "Monday, September 11, 2023 10:20 AM EDT",
                "2023-09-11T14:20:00Z",
            ),
            ("September 6th, 2023", "2023-09-06T00:00:00Z"),
            ("11-Sep-2023", "2023-09-11T00:00:00Z"),
            (
                "Published 10:32 AM EDT, Mon September 11, 2023",
                "2023-09-11T14:32:00Z",
            ),
            (
                "Updated on 11 Sep 2023 at 10:20 KST",
                "2023-09-11T01:20:00Z",
            ),
            ("2023 September 11", "2023-09-11T00:00:00Z"),
            ("Sep 11 23", "2023-09-11T00:00:00Z"),
            // Numeric dates.
            ("09/11/2023", "2023-09-11T00:00:00Z"),
            ("25/12/2023", "2023-12-25T00:00:00Z"),
            ("11.09.2023", "2023-09-11T00:00:00Z"),
            ("12/25/23 10:20", "2023-12-25T10:20:00Z"),
            // Issue 11: a 24-hour time with PM, "at" between date and time.
            ("2014-12-12 at 15:20:00PM EST", "2014-12-12T20:20:00Z"),
            ("2014-12-12 at 3:20:00PM EST", "2014-12-12T20:20:00Z"),
            ("13:00 PM Sep 11, 2023", "2023-09-11T13:00:00Z"),
        ];
        for (raw, expected) in vectors {
            assert_eq!(
                parse_published(raw, now()).as_deref(),
                Some(*expected),
                "{raw}"
            );
        }
    }

    #[test]
    fn unreadable_dates_are_none() {
        for raw in [
            "",
            "   ",
            "yesterday",
            "2023",
            "next Tuesday",
            "2023-13-01",
            "2023-02-30",
            "February 30, 2023",
            "25:00 September 11, 2023",
            "13:00 AM Sep 11, 2023",
            "24:00 PM Sep 11, 2023",
            "Sep 11, 2023 10:20 10:30",
            "Sep 11, 2023 10:20 KST JST",
            "Sep 11, 2023 10:20 +0900 +0800",
            "September 11, 2023 and more words",
            "0001-01-01T00:00:00Z",
            "1694427600123",
            "12345",
            "11 septembre 2023",
        ] {
            assert_eq!(parse_published(raw, now()), None, "{raw}");
        }
    }

    #[test]
    fn future_dates_beyond_a_day_are_none() {
        assert_eq!(
            parse_published("2024-01-01T23:00:00Z", now()).as_deref(),
            Some("2024-01-01T23:00:00Z")
        );
        assert_eq!(
            parse_published("2024-01-02T00:00:00Z", now()).as_deref(),
            Some("2024-01-02T00:00:00Z")
        );
        assert_eq!(parse_published("2024-01-02T00:00:01Z", now()), None);
        assert_eq!(parse_published("2030-01-01", now()), None);
    }
}
