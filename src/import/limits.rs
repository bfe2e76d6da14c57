//! The per-record size limit (`--max-record-size`) and a line reader that enforces it while it
//! reads: a line longer than the limit is reported as soon as it passes the limit and the rest of
//! it is skipped without being kept, so an endless line on stdin, or a 4 GB line inside a small
//! gzip file, costs no more memory than the limit itself.

use std::io::{self, BufRead};

/// The default `--max-record-size`: 16 MiB, far above any real article (the seed is 5 KB) and
/// small enough that a few records in flight never strain memory.
pub const DEFAULT_MAX_RECORD_BYTES: u64 = 16 << 20;

/// Reads a size: bytes (`1048576`), or a number with a binary unit `K`, `M`, `G` (also `KiB`,
/// `MiB`, `GiB`, any case): `512K`, `16M`, `1G`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let invalid = || format!("invalid size `{text}` (expected bytes, or a number with K, M or G)");
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        _ => return Err(invalid()),
    };
    let bytes = number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("size `{text}` is too large"))?;
    if bytes == 0 {
        return Err("the size must be at least 1 byte".into());
    }
    Ok(bytes)
}

/// A size as people read it: `16 MiB`, `512 KiB`, `1000 bytes`.
pub fn describe_size(bytes: u64) -> String {
    for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if bytes >= 1 << shift && bytes.is_multiple_of(1 << shift) {
            return format!("{} {unit}", bytes >> shift);
        }
    }
    if bytes == 1 {
        "1 byte".into()
    } else {
        format!("{bytes} bytes")
    }
}

/// The reason a record over the limit is rejected with.
pub fn too_large(limit: u64) -> String {
    format!(
        "record larger than {} (raise --max-record-size to read it)",
        describe_size(limit)
    )
}

/// One line from [`LineReader`].
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// A whole line, without its `\n`.
    Complete(&'a [u8]),
    /// A line that has passed the limit; its rest is skipped by the next read.
    TooLarge,
}

/// Reads lines of at most `limit` bytes (the `\n` not counted) from a [`BufRead`].
pub struct LineReader<R> {
    reader: R,
    limit: usize,
    buffer: Vec<u8>,
    line_number: u64,
    /// The current line passed the limit: its rest is still to be skipped.
    skipping: bool,
}

/// Capacity the line buffer starts with and shrinks back to after a long line.
const INITIAL_CAPACITY: usize = 16 << 10;

impl<R: BufRead> LineReader<R> {
    pub fn new(reader: R, limit: u64) -> LineReader<R> {
        LineReader {
            reader,
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            buffer: Vec::with_capacity(INITIAL_CAPACITY),
            line_number: 0,
            skipping: false,
        }
    }

    /// The 1-based number of the line last returned (0 before the first).
    pub fn line_number(&self) -> u64 {
        self.line_number
    }

    /// The next line and its number, `None` at the end of the input.
    pub fn next_line(&mut self) -> io::Result<Option<(u64, Line<'_>)>> {
        if std::mem::take(&mut self.skipping) {
            self.skip_rest_of_line()?;
        }
        // One long line should not pin its memory for the rest of the stream.
        if self.buffer.capacity() > 64 * INITIAL_CAPACITY {
            self.buffer = Vec::with_capacity(INITIAL_CAPACITY);
        }
        self.buffer.clear();
        let mut read_any = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if available.is_empty() {
                if !read_any {
                    return Ok(None);
                }
                break;
            }
            read_any = true;
            let (taken, consumed, ends_line) = match memchr::memchr(b'\n', available) {
                Some(end) => (end, end + 1, true),
                None => (available.len(), available.len(), false),
            };
            if self.buffer.len() + taken > self.limit {
                self.reader.consume(consumed);
                self.skipping = !ends_line;
                self.line_number += 1;
                return Ok(Some((self.line_number, Line::TooLarge)));
            }
            self.buffer.extend_from_slice(&available[..taken]);
            self.reader.consume(consumed);
            if ends_line {
                break;
            }
        }
        self.line_number += 1;
        Ok(Some((self.line_number, Line::Complete(&self.buffer))))
    }

    /// Reads on to just past the next `\n` (or the end), keeping nothing.
    fn skip_rest_of_line(&mut self) -> io::Result<()> {
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if available.is_empty() {
                return Ok(());
            }
            match memchr::memchr(b'\n', available) {
                Some(end) => {
                    self.reader.consume(end + 1);
                    return Ok(());
                }
                None => {
                    let length = available.len();
                    self.reader.consume(length);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line as text, `None` for one over the limit, with its number.
    fn lines(input: &[u8], limit: u64) -> Vec<(u64, Option<String>)> {
        let mut reader = LineReader::new(input, limit);
        let mut out = Vec::new();
        while let Some((number, line)) = reader.next_line().unwrap() {
            let text = match line {
                Line::Complete(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
                Line::TooLarge => None,
            };
            out.push((number, text));
        }
        out
    }

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("16M"), Ok(16 << 20));
        assert_eq!(parse_size("16MiB"), Ok(16 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size(" 7 kib "), Ok(7 << 10));
        assert!(parse_size("").is_err());
        assert!(parse_size("16 MB").unwrap_err().contains("invalid size"));
        assert!(parse_size("-1").is_err());
        assert!(parse_size("0").is_err());
        assert!(
            parse_size("99999999999G")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn sizes_are_described_in_the_largest_exact_unit() {
        assert_eq!(describe_size(16 << 20), "16 MiB");
        assert_eq!(describe_size(512 << 10), "512 KiB");
        assert_eq!(describe_size(1 << 30), "1 GiB");
        assert_eq!(describe_size(1000), "1000 bytes");
        assert_eq!(describe_size(1), "1 byte");
        assert_eq!(
            too_large(16 << 20),
            "record larger than 16 MiB (raise --max-record-size to read it)"
        );
    }

    #[test]
    fn lines_within_the_limit_are_read_whole() {
        assert_eq!(
            lines(b"one\ntwo\r\n\nlast", 5),
            [
                (1, Some("one".into())),
                (2, Some("two\r".into())),
                (3, Some(String::new())),
                (4, Some("last".into())),
            ]
        );
        assert_eq!(lines(b"", 5), []);
        assert_eq!(lines(b"a\n", 5), [(1, Some("a".into()))]);
    }

    #[test]
    fn a_line_over_the_limit_is_skipped_and_the_next_one_read() {
        assert_eq!(
            lines(b"12345\n123456\nok\n1234567", 5),
            [
                (1, Some("12345".into())),
                (2, None),
                (3, Some("ok".into())),
                (4, None),
            ]
        );
    }

    #[test]
    fn a_long_line_is_skipped_across_many_reads_keeping_nothing() {
        // A 1-byte buffer makes every line span many fill_buf calls.
        let mut input = vec![b'x'; 100_000];
        input.extend_from_slice(b"\nafter\n");
        let reader = io::BufReader::with_capacity(1, input.as_slice());
        let mut lines = LineReader::new(reader, 10);
        assert_eq!(lines.next_line().unwrap(), Some((1, Line::TooLarge)));
        assert!(lines.buffer.capacity() <= INITIAL_CAPACITY);
        assert_eq!(
            lines.next_line().unwrap(),
            Some((2, Line::Complete(&b"after"[..])))
        );
        assert_eq!(lines.next_line().unwrap(), None);
    }
}
