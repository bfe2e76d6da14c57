//! Fitting text into a terminal's width without losing any of it: column widths shared by need,
//! and cells wrapped onto more lines instead of being cut.
//!
//! Every column has a floor it never shrinks below: its whole width for numbers; for text, its
//! longest unbreakable piece ([`unbreakable_width`]: a whole id, hash or date, a URL up to the
//! end of its host, a word of prose up to [`WORD_FLOOR`]) and at least [`TEXT_FLOOR`]; the
//! header counts only by its longest `_`-separated piece, since headers wrap too. Above their
//! floors the widest columns give way first, so short columns keep their width and long text
//! gets what is left. When even the floors do not fit, [`fits`] says so and the caller lays
//! the rows out one field a line instead.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Prose columns shrink no narrower than this (or their own width).
pub const TEXT_FLOOR: usize = 8;

/// Values without spaces (ids, hashes, dates) keep up to this much of their width on one line.
pub const TOKEN_FLOOR: usize = 40;

/// Words of prose keep up to this much of their width on one line.
pub const WORD_FLOOR: usize = 15;

/// The width of the longest piece of `cell` that should not be broken across lines: a value
/// without spaces whole (up to [`TOKEN_FLOOR`]), a URL up to the end of its host, and in prose
/// each word up to [`WORD_FLOOR`].
pub fn unbreakable_width(cell: &str) -> usize {
    let is_token = !cell.contains(char::is_whitespace);
    let cap = if is_token { TOKEN_FLOOR } else { WORD_FLOOR };
    cell.split_whitespace()
        .map(|word| url_head(word).map_or_else(|| word.width().min(cap), |head| head.width()))
        .max()
        .unwrap_or(0)
}

/// `scheme://host/` of a URL (or the whole URL when it has no path).
fn url_head(word: &str) -> Option<&str> {
    let (scheme, rest) = word.split_once("://")?;
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let end = scheme.len() + 3 + rest.find('/').map_or(rest.len(), |slash| slash + 1);
    Some(&word[..end])
}

/// What a column holds, for its floor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// Every value is a number: never wrapped.
    Number,
    /// No value has a space in it.
    Token,
    /// Text with spaces: wraps at them.
    Prose,
}

/// One column's measurements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnNeed {
    /// The width of the header and of the widest value, on one line.
    pub natural: usize,
    /// The narrowest the column may get.
    pub floor: usize,
}

impl ColumnNeed {
    /// Measures a column from its header, the display width of its widest value, its widest
    /// [`unbreakable_width`] and its kind.
    pub fn measure(
        header: &str,
        widest_value: usize,
        unbreakable: usize,
        kind: ColumnKind,
    ) -> ColumnNeed {
        let natural = header.width().max(widest_value);
        let header_floor = break_points(header)
            .map(|piece| piece.width())
            .max()
            .unwrap_or(0);
        let value_floor = match kind {
            ColumnKind::Number => widest_value,
            ColumnKind::Token => unbreakable,
            ColumnKind::Prose => unbreakable.max(widest_value.min(TEXT_FLOOR)),
        };
        ColumnNeed {
            natural,
            floor: header_floor.max(value_floor).min(natural),
        }
    }
}

/// Whether the columns fit in `max_width` at their floors.
pub fn fits(needs: &[ColumnNeed], max_width: usize, gap: usize) -> bool {
    let gaps = gap * needs.len().saturating_sub(1);
    needs.iter().map(|need| need.floor).sum::<usize>() + gaps <= max_width
}

/// Column widths for `needs` in a line of at most `max_width`, with `gap` between columns.
///
/// Finds the largest cap such that every column clipped to it (but not below its floor) fits,
/// then hands the leftover columns to the capped ones, left to right.
pub fn fit_widths(needs: &[ColumnNeed], max_width: usize, gap: usize) -> Vec<usize> {
    let gaps = gap * needs.len().saturating_sub(1);
    let width_at = |need: &ColumnNeed, cap: usize| need.natural.min(cap.max(need.floor));
    let total =
        |cap: usize| -> usize { needs.iter().map(|n| width_at(n, cap)).sum::<usize>() + gaps };
    let widest = needs.iter().map(|n| n.natural).max().unwrap_or(0);
    if total(widest) <= max_width {
        return needs.iter().map(|n| n.natural).collect();
    }
    if total(0) > max_width {
        return needs.iter().map(|n| n.floor).collect();
    }
    // total(lo) fits and total(hi) does not: binary search for the largest fitting cap.
    let (mut lo, mut hi) = (0, widest);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if total(mid) <= max_width {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut widths: Vec<usize> = needs.iter().map(|n| width_at(n, lo)).collect();
    let mut spare = max_width - total(lo);
    for (width, need) in widths.iter_mut().zip(needs) {
        if spare == 0 {
            break;
        }
        if need.natural > *width {
            *width += 1;
            spare -= 1;
        }
    }
    widths
}

/// `text` split after each `_`, so that `last_fetched_at` may wrap as `last_` / `fetched_` / `at`.
fn break_points(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive('_')
}

/// `text` (one line) wrapped into lines of at most `width` display columns: at spaces when it
/// can, and after `/`, `_` or `-` inside a long word, else anywhere. Nothing is dropped but the
/// spaces where a line breaks.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    if text.width() <= width || width == 0 {
        return vec![text.to_owned()];
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let word_width = word.width();
        let line_width = line.width();
        let needed = if line.is_empty() {
            word_width
        } else {
            line_width + 1 + word_width
        };
        if needed <= width {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if word_width <= width {
            line.push_str(word);
        } else {
            let mut pieces = break_word(word, width);
            line = pieces.pop().unwrap_or_default();
            lines.extend(pieces);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A word wider than `width` in pieces of at most `width`, broken after a `/`, `_` or `-` when
/// one falls in the second half of a piece, else at the width.
fn break_word(word: &str, width: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut piece_width = 0;
    // Byte index in `piece` just after the last good break, and the width up to there.
    let mut last_break: Option<(usize, usize)> = None;
    for c in word.chars() {
        let w = c.width().unwrap_or(0);
        if piece_width + w > width && !piece.is_empty() {
            match last_break {
                Some((at, at_width)) if at_width * 2 >= width => {
                    let rest = piece.split_off(at);
                    pieces.push(std::mem::replace(&mut piece, rest));
                    piece_width -= at_width;
                }
                _ => {
                    pieces.push(std::mem::take(&mut piece));
                    piece_width = 0;
                }
            }
            last_break = None;
        }
        piece.push(c);
        piece_width += w;
        if matches!(c, '/' | '_' | '-') {
            last_break = Some((piece.len(), piece_width));
        }
    }
    pieces.push(piece);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(natural: usize, floor: usize) -> ColumnNeed {
        ColumnNeed { natural, floor }
    }

    #[test]
    fn floors_keep_numbers_and_tokens_whole_and_let_headers_wrap() {
        assert_eq!(
            ColumnNeed::measure("failure_count", 1, 1, ColumnKind::Number),
            need(13, 8)
        );
        assert_eq!(
            ColumnNeed::measure("id", 12345, 12345, ColumnKind::Number).floor,
            12345
        );
        assert_eq!(
            ColumnNeed::measure("url", 47, 22, ColumnKind::Token),
            need(47, 22)
        );
        assert_eq!(
            ColumnNeed::measure("title", 70, 6, ColumnKind::Prose).floor,
            8
        );
        assert_eq!(
            ColumnNeed::measure("title", 70, 12, ColumnKind::Prose).floor,
            12
        );
        assert_eq!(
            ColumnNeed::measure("title", 4, 4, ColumnKind::Prose),
            need(5, 5)
        );
        assert_eq!(unbreakable_width("2024-03-14T09:30:00Z"), 20);
        assert_eq!(
            unbreakable_width("http://127.0.0.1:8080/feeds/harbour-gazette.xml"),
            "http://127.0.0.1:8080/".len()
        );
        assert_eq!(unbreakable_width("HTTP 503 Service Unavailable"), 11);
        assert_eq!(unbreakable_width(&"x".repeat(90)), 40);
    }

    #[test]
    fn the_widest_columns_give_way_first_and_never_below_their_floor() {
        let needs = [need(2, 2), need(50, 8), need(30, 8)];
        assert_eq!(fit_widths(&needs, 30, 2), vec![2, 12, 12]);
        assert_eq!(fit_widths(&needs, 31, 2), vec![2, 13, 12]);
        assert_eq!(fit_widths(&needs, 100, 2), vec![2, 50, 30]);
        // Too narrow even for the floors: the floors, and the line overflows.
        assert_eq!(fit_widths(&needs, 10, 2), vec![2, 8, 8]);
        // A short column keeps its width while a long one shrinks.
        assert_eq!(
            fit_widths(&[need(20, 20), need(60, 8)], 50, 2),
            vec![20, 28]
        );
    }

    #[test]
    fn wrapping_keeps_every_character() {
        assert_eq!(wrap("short", 10), ["short"]);
        assert_eq!(
            wrap("The rebuilt ferry terminal opens", 12),
            ["The rebuilt", "ferry", "terminal", "opens"]
        );
        assert_eq!(
            wrap("http://127.0.0.1:8080/feeds/harbour.xml", 24),
            ["http://127.0.0.1:8080/", "feeds/harbour.xml"]
        );
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("北朝鮮北朝鮮", 4), ["北朝", "鮮北", "朝鮮"]);
        assert_eq!(wrap("last_fetched_at", 8), ["last_", "fetched_", "at"]);
        assert_eq!(wrap("", 4), [""]);
    }
}
