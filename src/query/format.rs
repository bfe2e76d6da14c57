//! Output formats for every listing command: table, CSV, TSV, JSON, JSON Lines and Markdown.
//!
//! [`write_rows`] takes column names and a stream of rows of SQLite values. The machine formats
//! (CSV, TSV, JSON, JSON Lines) write each row as it arrives, so a query over millions of rows
//! runs in constant memory; JSON writes `[`, the rows and `]` incrementally. The human formats
//! (table, Markdown) keep rows to measure column widths first, but at most
//! [`TableStyle::max_rows`] of them ([`TABLE_ROWS`] by default, and no more once they hold
//! [`TABLE_BYTES`] of text): they print those, then count
//! the rest without keeping them and end with a line saying how many more there were, so that
//! memory stays bounded whatever the query returns.
//!
//! Decisions a reader of the output can rely on:
//!
//! - **NULL** is an empty cell in table, CSV, TSV and Markdown, and `null` in JSON.
//! - **Blobs** are lowercase hexadecimal everywhere (`x'00ff'` becomes `"00ff"`): hex needs no
//!   extra dependency, is what SQLite's own `hex()` prints, and reads back with `unhex()`.
//! - **Reals** print as the shortest text that reads back to the same `f64` (`3.0`, `0.1`,
//!   `1e300`); JSON has no NaN or infinity, so those become `null` there.
//! - **JSON and JSON Lines** rows are objects keyed by column name, in column order. Object keys
//!   must be unique, so when a query returns the same name twice (`SELECT a.id, b.id ...`) the
//!   later ones get a suffix: `id`, `id_2`, `id_3` (skipping any suffix that is already a column).
//! - **TSV** escapes backslash, tab, newline and carriage return as `\\`, `\t`, `\n`, `\r`, so
//!   every row is one line with exactly one tab between cells.
//! - **CSV** follows RFC 4180 through the `csv` crate, header first.
//! - **Table**: columns separated by two spaces, a `─` rule under the header, numeric columns
//!   right-aligned, newlines shown as `⏎` and other control characters as a space. Widths are
//!   display widths (the `unicode-width` crate), so CJK text and emoji line up. With a maximum
//!   width the widest columns shrink first and their cells wrap onto more lines, nothing is cut
//!   (see [`super::layout`]); when the columns cannot fit even so, each row is printed as in
//!   the lines format. Without a width (a pipe, `--no-truncate`) every row is one line.
//! - **Lines**: `column  value` per field, labels padded, a blank line between rows; values wrap
//!   to the width and line breaks inside a value continue under it. Rows stream.
//! - **Markdown**: a GitHub pipe table; `|` and `\` are backslash-escaped and newlines become
//!   `<br>`.
//! - **Empty results** still print the header (table, CSV, TSV, Markdown), `[]` for JSON and
//!   nothing for JSON Lines.
//!
//! Writing stops at the first I/O error, which is returned as is: the caller decides that a
//! closed pipe (`| head`) is not an error.

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::{self, BufWriter, IsTerminal, Write};

use rusqlite::types::Value;
use unicode_width::UnicodeWidthStr;

use super::layout::{self, ColumnKind, ColumnNeed};

/// The output format of a listing command, as given to `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum OutputFormat {
    /// Aligned columns for a terminal; long text wraps.
    #[default]
    Table,
    /// One `column  value` line per field, a blank line between records (like sqlite3's
    /// `.mode line` or psql's `\x`).
    #[value(alias = "line", alias = "vertical")]
    Lines,
    /// RFC 4180 comma-separated values with a header.
    Csv,
    /// Tab-separated values with a header; tabs, newlines and backslashes escaped.
    Tsv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line (JSON Lines; also called nl or ndjson).
    #[value(alias = "nl", alias = "ndjson")]
    Jsonl,
    /// A GitHub pipe table.
    #[value(alias = "md")]
    Markdown,
}

/// The rows the table and Markdown formats show at most, by default.
pub const TABLE_ROWS: usize = 1000;

/// The text the table and Markdown formats keep at most, by default (64 MiB): a thousand rows of
/// whole article bodies fit, a thousand blobs of 100 MB do not.
pub const TABLE_BYTES: usize = 64 << 20;

/// How the table format lays itself out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableStyle {
    /// Fit each line in this many columns (the terminal width) by wrapping long cells; `None`
    /// keeps every cell on one line.
    pub max_width: Option<usize>,
    /// Show at most this many rows (table and Markdown); the rest are counted.
    pub max_rows: usize,
    /// Stop keeping rows once their text holds this many bytes (a few huge cells).
    pub max_bytes: usize,
}

impl Default for TableStyle {
    fn default() -> TableStyle {
        TableStyle {
            max_width: None,
            max_rows: TABLE_ROWS,
            max_bytes: TABLE_BYTES,
        }
    }
}

/// The width of the terminal when stdout is one, for [`TableStyle::max_width`].
///
/// `None` when stdout is a pipe or a file: output that goes to another program is never cut.
pub fn terminal_width() -> Option<usize> {
    if !io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size().map(|(width, _)| usize::from(width.0))
}

/// Writes `columns` and then `rows` to `out` in `format`, and returns the number of rows.
///
/// The first row error is returned as soon as it arrives, after the rows before it were written.
/// Rows shorter than `columns` are padded with NULL; extra values are ignored.
pub fn write_rows<W, I, E>(
    out: &mut W,
    format: OutputFormat,
    columns: &[String],
    rows: I,
    style: &TableStyle,
) -> Result<u64, E>
where
    W: Write,
    I: IntoIterator<Item = Result<Vec<Value>, E>>,
    E: From<io::Error>,
{
    // Rows are many small writes; one buffer here saves a syscall per cell on a raw stdout.
    let mut out = BufWriter::new(out);
    let count = match format {
        OutputFormat::Csv => write_csv(&mut out, columns, rows)?,
        OutputFormat::Tsv => write_tsv(&mut out, columns, rows)?,
        OutputFormat::Json => write_json(&mut out, columns, rows)?,
        OutputFormat::Jsonl => write_jsonl(&mut out, columns, rows)?,
        OutputFormat::Lines => write_lines(&mut out, columns, rows, style.max_width)?,
        OutputFormat::Table => {
            let mut rows = rows.into_iter();
            let grid = Grid::collect(columns, &mut rows, style)?;
            write_table(&mut out, &grid, style.max_width)?;
            grid.rows.len() as u64 + write_rows_not_shown(&mut out, rows, grid.rows.len())?
        }
        OutputFormat::Markdown => {
            let mut rows = rows.into_iter();
            let grid = Grid::collect(columns, &mut rows, style)?;
            write_markdown(&mut out, &grid)?;
            grid.rows.len() as u64 + write_rows_not_shown(&mut out, rows, grid.rows.len())?
        }
    };
    out.flush()?;
    Ok(count)
}

/// Counts the rows past the table's cap without keeping them, then says how many there were
/// (nothing when there were none). Returns the count.
fn write_rows_not_shown<W, I, E>(out: &mut W, rest: I, shown: usize) -> Result<u64, E>
where
    W: Write,
    I: Iterator<Item = Result<Vec<Value>, E>>,
    E: From<io::Error>,
{
    // The shown rows appear now: counting the rest can take as long as the query does.
    out.flush()?;
    let mut more: u64 = 0;
    for row in rest {
        row?;
        more += 1;
    }
    if more > 0 {
        let plural = if more == 1 { "" } else { "s" };
        writeln!(
            out,
            "… {more} more row{plural} not shown (the table shows the first {shown}; \
             --format csv, tsv, json or jsonl print every row)"
        )?;
    }
    Ok(more)
}

/// A SQLite value as JSON: integers and finite reals as numbers, NaN and infinities as `null`,
/// text as a string, blobs as a lowercase hex string.
pub fn value_to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => serde_json::Value::from(*i),
        Value::Real(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Value::Text(s) => serde_json::Value::String(s.clone()),
        Value::Blob(b) => serde_json::Value::String(hex(b)),
    }
}

/// The value as plain text, the way the text formats show it before their own escaping.
fn plain_text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::Null => Cow::Borrowed(""),
        Value::Integer(i) => Cow::Owned(i.to_string()),
        // Debug is the shortest round-trip form and keeps the `.0` that marks a real.
        Value::Real(f) => Cow::Owned(format!("{f:?}")),
        Value::Text(s) => Cow::Borrowed(s),
        Value::Blob(b) => Cow::Owned(hex(b)),
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// The value at `i`, NULL past the end of a short row.
fn cell(row: &[Value], i: usize) -> &Value {
    row.get(i).unwrap_or(&Value::Null)
}

/// The I/O error inside a CSV error, so a closed pipe stays recognisable as one.
fn csv_io_error(error: csv::Error) -> io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => io::Error::other(format!("cannot write CSV: {other:?}")),
    }
}

fn write_csv<W, I, E>(out: &mut W, columns: &[String], rows: I) -> Result<u64, E>
where
    W: Write,
    I: IntoIterator<Item = Result<Vec<Value>, E>>,
    E: From<io::Error>,
{
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    // A record of zero fields would print `""`: a result without columns prints nothing.
    if !columns.is_empty() {
        csv.write_record(columns).map_err(csv_io_error)?;
    }
    let mut count = 0;
    for row in rows {
        let row = row?;
        if !columns.is_empty() {
            let record = (0..columns.len()).map(|i| plain_text(cell(&row, i)));
            csv.write_record(record.map(|c| c.into_owned()))
                .map_err(csv_io_error)?;
        }
        count += 1;
    }
    csv.flush()?;
    Ok(count)
}

fn tsv_escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['\\', '\t', '\n', '\r']) {
        return Cow::Borrowed(s);
    }
    let mut escaped = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '\t' => escaped.push_str("\\t"),
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            c => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

fn write_tsv_line<'a, W: Write>(
    out: &mut W,
    cells: impl Iterator<Item = Cow<'a, str>>,
) -> io::Result<()> {
    for (i, c) in cells.enumerate() {
        if i > 0 {
            out.write_all(b"\t")?;
        }
        out.write_all(tsv_escape(&c).as_bytes())?;
    }
    out.write_all(b"\n")
}

fn write_tsv<W, I, E>(out: &mut W, columns: &[String], rows: I) -> Result<u64, E>
where
    W: Write,
    I: IntoIterator<Item = Result<Vec<Value>, E>>,
    E: From<io::Error>,
{
    if !columns.is_empty() {
        write_tsv_line(out, columns.iter().map(|c| Cow::Borrowed(c.as_str())))?;
    }
    let mut count = 0;
    for row in rows {
        let row = row?;
        if !columns.is_empty() {
            write_tsv_line(out, (0..columns.len()).map(|i| plain_text(cell(&row, i))))?;
        }
        count += 1;
    }
    Ok(count)
}

/// JSON object keys for `columns`: the names themselves, with `_2`, `_3`, ... added to later
/// duplicates so that every key is unique and no value is lost.
fn json_keys(columns: &[String]) -> Vec<String> {
    // Every first occurrence keeps its name, so a suffix never takes a real column's name.
    let mut taken: HashSet<String> = HashSet::new();
    let firsts: Vec<bool> = columns.iter().map(|c| taken.insert(c.clone())).collect();
    columns
        .iter()
        .zip(firsts)
        .map(|(name, first)| {
            if first {
                return name.clone();
            }
            let mut n = 2;
            loop {
                let candidate = format!("{name}_{n}");
                if taken.insert(candidate.clone()) {
                    return candidate;
                }
                n += 1;
            }
        })
        .collect()
}

/// The JSON text of each key, encoded once instead of once per row.
fn encoded_keys(columns: &[String]) -> io::Result<Vec<Vec<u8>>> {
    json_keys(columns)
        .iter()
        .map(|k| serde_json::to_vec(k).map_err(io::Error::from))
        .collect()
}

fn write_json_object<W: Write>(out: &mut W, keys: &[Vec<u8>], row: &[Value]) -> io::Result<()> {
    out.write_all(b"{")?;
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(key)?;
        out.write_all(b":")?;
        match cell(row, i) {
            // Borrowed: a body of megabytes is not copied just to be written.
            Value::Text(s) => serde_json::to_writer(&mut *out, s)?,
            v => serde_json::to_writer(&mut *out, &value_to_json(v))?,
        }
    }
    out.write_all(b"}")
}

fn write_json<W, I, E>(out: &mut W, columns: &[String], rows: I) -> Result<u64, E>
where
    W: Write,
    I: IntoIterator<Item = Result<Vec<Value>, E>>,
    E: From<io::Error>,
{
    let keys = encoded_keys(columns)?;
    let mut count = 0;
    for row in rows {
        let row = row?;
        // One object per line keeps a large array greppable and diffable.
        out.write_all(if count == 0 { b"[\n" } else { b",\n" })?;
        write_json_object(out, &keys, &row)?;
        count += 1;
    }
    out.write_all(if count == 0 { b"[]\n" } else { b"\n]\n" })?;
    Ok(count)
}

fn write_jsonl<W, I, E>(out: &mut W, columns: &[String], rows: I) -> Result<u64, E>
where
    W: Write,
    I: IntoIterator<Item = Result<Vec<Value>, E>>,
    E: From<io::Error>,
{
    let keys = encoded_keys(columns)?;
    let mut count = 0;
    for row in rows {
        let row = row?;
        write_json_object(out, &keys, &row)?;
        out.write_all(b"\n")?;
        count += 1;
    }
    Ok(count)
}

/// The rows of a table or Markdown result, already turned into display text.
struct Grid {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Right-align a column when every non-NULL value in it is a number (and it has one).
    numeric: Vec<bool>,
    /// Whether some value in the column has whitespace in it: prose that may wrap at spaces.
    prose: Vec<bool>,
}

impl Grid {
    /// Takes rows until `style`'s row or byte budget is reached, leaving the rest in `rows`.
    fn collect<I, E>(columns: &[String], rows: &mut I, style: &TableStyle) -> Result<Grid, E>
    where
        I: Iterator<Item = Result<Vec<Value>, E>>,
    {
        let n = columns.len();
        let mut seen_number = vec![false; n];
        let mut only_numbers = vec![true; n];
        let mut prose = vec![false; n];
        let mut text_rows = Vec::new();
        let mut bytes = 0;
        while text_rows.len() < style.max_rows && bytes < style.max_bytes {
            let Some(row) = rows.next() else { break };
            let row = row?;
            let mut cells = Vec::with_capacity(n);
            for i in 0..n {
                let v = cell(&row, i);
                match v {
                    Value::Integer(_) | Value::Real(_) => seen_number[i] = true,
                    Value::Null => {}
                    Value::Text(_) | Value::Blob(_) => only_numbers[i] = false,
                }
                let text = plain_text(v).into_owned();
                bytes += text.len();
                prose[i] = prose[i] || text.contains(char::is_whitespace);
                cells.push(text);
            }
            text_rows.push(cells);
        }
        let numeric = seen_number
            .iter()
            .zip(&only_numbers)
            .map(|(seen, only)| *seen && *only)
            .collect();
        Ok(Grid {
            headers: columns.to_vec(),
            rows: text_rows,
            numeric,
            prose,
        })
    }
}

/// One line of a table cell: newlines become `⏎`, tabs and other control characters a space.
fn table_cell(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                // CRLF is one line break, not two.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('⏎');
            }
            '\n' => out.push('⏎'),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

const COLUMN_GAP: &str = "  ";

fn pad<W: Write>(out: &mut W, n: usize) -> io::Result<()> {
    for _ in 0..n {
        out.write_all(b" ")?;
    }
    Ok(())
}

/// Writes one table row, each cell wrapped to its column's width, over as many lines as its
/// tallest cell needs; no trailing spaces.
fn write_table_row<W: Write>(
    out: &mut W,
    cells: &[Cow<'_, str>],
    widths: &[usize],
    numeric: &[bool],
    is_header: bool,
) -> io::Result<usize> {
    let wrapped: Vec<Vec<String>> = cells
        .iter()
        .zip(widths)
        .enumerate()
        // Numbers are never wrapped: their column is as wide as the widest.
        .map(|(i, (c, &w))| {
            if numeric[i] && !is_header {
                vec![c.to_string()]
            } else {
                layout::wrap(c, w)
            }
        })
        .collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
    for n in 0..height {
        let mut line = String::new();
        for (i, lines) in wrapped.iter().enumerate() {
            if i > 0 {
                line.push_str(COLUMN_GAP);
            }
            let text = lines.get(n).map_or("", String::as_str);
            let fill = " ".repeat(widths[i].saturating_sub(text.width()));
            if numeric[i] {
                line.push_str(&fill);
                line.push_str(text);
            } else {
                line.push_str(text);
                line.push_str(&fill);
            }
        }
        out.write_all(line.trim_end_matches(' ').as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(height)
}

fn write_table<W: Write>(out: &mut W, grid: &Grid, max_width: Option<usize>) -> io::Result<()> {
    if grid.headers.is_empty() {
        return Ok(());
    }
    let headers: Vec<Cow<'_, str>> = grid.headers.iter().map(|h| table_cell(h)).collect();
    let rows: Vec<Vec<Cow<'_, str>>> = grid
        .rows
        .iter()
        .map(|r| r.iter().map(|c| table_cell(c)).collect())
        .collect();
    let mut widest = vec![0; headers.len()];
    let mut unbreakable = vec![0; headers.len()];
    for row in &rows {
        for (i, c) in row.iter().enumerate() {
            widest[i] = widest[i].max(c.width());
            unbreakable[i] = unbreakable[i].max(layout::unbreakable_width(c));
        }
    }
    let needs: Vec<ColumnNeed> = headers
        .iter()
        .enumerate()
        .map(|(i, header)| {
            let kind = if grid.numeric[i] {
                ColumnKind::Number
            } else if grid.prose[i] {
                ColumnKind::Prose
            } else {
                ColumnKind::Token
            };
            ColumnNeed::measure(header, widest[i], unbreakable[i], kind)
        })
        .collect();
    // Too many columns to share the width without breaking ids and numbers: one field a line
    // reads better than a table wider than the screen (psql's `\x auto`).
    if let Some(max) = max_width
        && !layout::fits(&needs, max, COLUMN_GAP.len())
    {
        let labels: Vec<Cow<'_, str>> = grid.headers.iter().map(|h| table_cell(h)).collect();
        for (n, row) in grid.rows.iter().enumerate() {
            if n > 0 {
                out.write_all(b"\n")?;
            }
            write_record(out, &labels, row.iter().map(String::as_str), max_width)?;
        }
        return Ok(());
    }
    let widths: Vec<usize> = match max_width {
        Some(max) => layout::fit_widths(&needs, max, COLUMN_GAP.len()),
        None => needs.iter().map(|need| need.natural).collect(),
    };
    write_table_row(out, &headers, &widths, &grid.numeric, true)?;
    let rule: Vec<String> = widths.iter().map(|&w| "─".repeat(w)).collect();
    out.write_all(rule.join(COLUMN_GAP).as_bytes())?;
    out.write_all(b"\n")?;
    // Once a row takes several lines, a blank line between rows shows where each one ends.
    let mut separate = false;
    for row in &rows {
        if separate {
            out.write_all(b"\n")?;
        }
        separate = write_table_row(out, row, &widths, &grid.numeric, false)? > 1 || separate;
    }
    Ok(())
}

/// The lines format: for each row, one `column  value` line per column (labels padded to the
/// longest), a blank line between rows. Values wrap to `max_width`; line breaks inside a value
/// continue under it. Rows are written as they arrive.
fn write_lines<W, I, E>(
    out: &mut W,
    columns: &[String],
    rows: I,
    max_width: Option<usize>,
) -> Result<u64, E>
where
    W: Write,
    I: IntoIterator<Item = Result<Vec<Value>, E>>,
    E: From<io::Error>,
{
    let labels: Vec<Cow<'_, str>> = columns.iter().map(|c| table_cell(c)).collect();
    let mut count = 0;
    for row in rows {
        let row = row?;
        if count > 0 {
            out.write_all(b"\n")?;
        }
        let cells: Vec<Cow<'_, str>> = (0..labels.len())
            .map(|i| plain_text(cell(&row, i)))
            .collect();
        write_record(out, &labels, cells.iter().map(|c| c.as_ref()), max_width)?;
        count += 1;
    }
    Ok(count)
}

/// One record of the lines format: `label  value` lines, values wrapped to fit `max_width`.
fn write_record<'a, W: Write>(
    out: &mut W,
    labels: &[Cow<'_, str>],
    cells: impl Iterator<Item = &'a str>,
    max_width: Option<usize>,
) -> io::Result<()> {
    let label_width = labels.iter().map(|l| l.width()).max().unwrap_or(0);
    let value_width = max_width.map(|max| max.saturating_sub(label_width + COLUMN_GAP.len()));
    for (label, text) in labels.iter().zip(cells) {
        let mut first = true;
        for line in text.lines().chain(text.is_empty().then_some("")) {
            let line = table_cell(line);
            let pieces = match value_width {
                Some(width) => layout::wrap(&line, width.max(layout::TEXT_FLOOR)),
                None => vec![line.into_owned()],
            };
            for piece in pieces {
                let label = if first { label.as_ref() } else { "" };
                first = false;
                let fill = label_width - label.width();
                let text = format!("{label}{:fill$}{COLUMN_GAP}{piece}", "");
                out.write_all(text.trim_end_matches(' ').as_bytes())?;
                out.write_all(b"\n")?;
            }
        }
    }
    Ok(())
}

/// A Markdown cell: `\` and `|` escaped so that the pipe never splits the cell, line breaks as
/// `<br>`.
fn markdown_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("<br>");
            }
            '\n' => out.push_str("<br>"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn write_markdown_line<W: Write>(
    out: &mut W,
    cells: &[String],
    widths: &[usize],
    numeric: &[bool],
) -> io::Result<()> {
    out.write_all(b"|")?;
    for (i, c) in cells.iter().enumerate() {
        let fill = widths[i].saturating_sub(c.width());
        out.write_all(b" ")?;
        if numeric[i] {
            pad(out, fill)?;
            out.write_all(c.as_bytes())?;
        } else {
            out.write_all(c.as_bytes())?;
            pad(out, fill)?;
        }
        out.write_all(b" |")?;
    }
    out.write_all(b"\n")
}

fn write_markdown<W: Write>(out: &mut W, grid: &Grid) -> io::Result<()> {
    if grid.headers.is_empty() {
        return Ok(());
    }
    let headers: Vec<String> = grid.headers.iter().map(|h| markdown_cell(h)).collect();
    let rows: Vec<Vec<String>> = grid
        .rows
        .iter()
        .map(|r| r.iter().map(|c| markdown_cell(c)).collect())
        .collect();
    // Three is the shortest delimiter row GitHub accepts (`---`, `--:`).
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width().max(3)).collect();
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.width());
        }
    }
    write_markdown_line(out, &headers, &widths, &grid.numeric)?;
    out.write_all(b"|")?;
    for (w, numeric) in widths.iter().zip(&grid.numeric) {
        let rule = if *numeric {
            format!(" {}: |", "-".repeat(w - 1))
        } else {
            format!(" {} |", "-".repeat(*w))
        };
        out.write_all(rule.as_bytes())?;
    }
    out.write_all(b"\n")?;
    for row in &rows {
        write_markdown_line(out, row, &widths, &grid.numeric)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<String> {
        ["id", "title", "score", "note", "raw"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    /// The fixed rows every format is tested on: NULL, integers, reals, text with commas,
    /// quotes, tabs, newlines, backslashes, pipes, unicode, and a blob.
    fn rows() -> Vec<Vec<Value>> {
        vec![
            vec![
                Value::Integer(1),
                Value::Text("Hello, \"world\"".into()),
                Value::Real(1.5),
                Value::Null,
                Value::Blob(vec![0x00, 0xff, 0x10]),
            ],
            vec![
                Value::Integer(-20),
                Value::Text("tab\there\nnew line".into()),
                Value::Real(3.0),
                Value::Text("a|b\\c".into()),
                Value::Null,
            ],
            vec![
                Value::Integer(300),
                Value::Text("Ünïcödé 北朝鮮".into()),
                Value::Null,
                Value::Text("".into()),
                Value::Blob(vec![]),
            ],
        ]
    }

    fn render_rows(
        format: OutputFormat,
        columns: &[String],
        rows: Vec<Vec<Value>>,
        max_width: Option<usize>,
    ) -> (String, u64) {
        let mut out = Vec::new();
        let count = write_rows::<_, _, io::Error>(
            &mut out,
            format,
            columns,
            rows.into_iter().map(Ok),
            &TableStyle {
                max_width,
                ..TableStyle::default()
            },
        )
        .expect("writing to a Vec cannot fail");
        (String::from_utf8(out).expect("utf-8 output"), count)
    }

    fn render(format: OutputFormat) -> String {
        let (text, count) = render_rows(format, &columns(), rows(), None);
        assert_eq!(count, 3);
        text
    }

    fn render_empty(format: OutputFormat) -> String {
        let (text, count) = render_rows(format, &columns(), Vec::new(), None);
        assert_eq!(count, 0);
        text
    }

    #[test]
    fn csv_quotes_commas_quotes_and_newlines() {
        assert_eq!(
            render(OutputFormat::Csv),
            "id,title,score,note,raw\n\
             1,\"Hello, \"\"world\"\"\",1.5,,00ff10\n\
             -20,\"tab\there\nnew line\",3.0,a|b\\c,\n\
             300,Ünïcödé 北朝鮮,,,\n"
        );
    }

    #[test]
    fn tsv_escapes_tabs_newlines_and_backslashes() {
        assert_eq!(
            render(OutputFormat::Tsv),
            "id\ttitle\tscore\tnote\traw\n\
             1\tHello, \"world\"\t1.5\t\t00ff10\n\
             -20\ttab\\there\\nnew line\t3.0\ta|b\\\\c\t\n\
             300\tÜnïcödé 北朝鮮\t\t\t\n"
        );
    }

    #[test]
    fn jsonl_is_one_typed_object_per_line_in_column_order() {
        assert_eq!(
            render(OutputFormat::Jsonl),
            concat!(
                r#"{"id":1,"title":"Hello, \"world\"","score":1.5,"note":null,"raw":"00ff10"}"#,
                "\n",
                r#"{"id":-20,"title":"tab\there\nnew line","score":3.0,"note":"a|b\\c","raw":null}"#,
                "\n",
                r#"{"id":300,"title":"Ünïcödé 北朝鮮","score":null,"note":"","raw":""}"#,
                "\n",
            )
        );
    }

    #[test]
    fn json_is_one_valid_array() {
        let text = render(OutputFormat::Json);
        assert!(text.starts_with("[\n{\"id\":1,"));
        assert!(text.ends_with("}\n]\n"));
        let parsed: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let rows = parsed.as_array().expect("an array");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1]["title"], "tab\there\nnew line");
        assert_eq!(rows[0]["note"], serde_json::Value::Null);
        assert_eq!(rows[2]["id"], 300);
        let keys: Vec<&String> = rows[0].as_object().expect("an object").keys().collect();
        assert_eq!(keys, ["id", "title", "score", "note", "raw"]);
    }

    #[test]
    fn duplicate_columns_get_suffixes_in_json() {
        let columns: Vec<String> = ["id", "id", "id_2", "id"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(json_keys(&columns), ["id", "id_3", "id_2", "id_4"]);
        let row = vec![
            Value::Integer(1),
            Value::Integer(2),
            Value::Integer(3),
            Value::Integer(4),
        ];
        let (text, _) = render_rows(OutputFormat::Jsonl, &columns, vec![row], None);
        assert_eq!(text, "{\"id\":1,\"id_3\":2,\"id_2\":3,\"id_4\":4}\n");
    }

    #[test]
    fn value_to_json_types() {
        use serde_json::json;
        assert_eq!(value_to_json(&Value::Null), json!(null));
        assert_eq!(value_to_json(&Value::Integer(i64::MAX)), json!(i64::MAX));
        assert_eq!(value_to_json(&Value::Real(0.25)), json!(0.25));
        assert_eq!(value_to_json(&Value::Real(f64::NAN)), json!(null));
        assert_eq!(value_to_json(&Value::Real(f64::NEG_INFINITY)), json!(null));
        assert_eq!(value_to_json(&Value::Text("é".into())), json!("é"));
        assert_eq!(
            value_to_json(&Value::Blob(vec![0xde, 0xad, 0x01])),
            json!("dead01")
        );
    }

    #[test]
    fn table_aligns_numbers_right_and_shows_newlines() {
        assert_eq!(
            render(OutputFormat::Table),
            " id  title              score  note   raw\n\
             ───  ─────────────────  ─────  ─────  ──────\n\
             \x20 1  Hello, \"world\"       1.5         00ff10\n\
             -20  tab here⏎new line    3.0  a|b\\c\n\
             300  Ünïcödé 北朝鮮\n"
        );
    }

    #[test]
    fn table_measures_display_width_of_wide_characters() {
        let columns = vec!["name".to_string(), "n".to_string()];
        let rows = vec![
            vec![Value::Text("北朝鮮".into()), Value::Integer(1)],
            vec![Value::Text("abcdef".into()), Value::Integer(22)],
        ];
        let (text, _) = render_rows(OutputFormat::Table, &columns, rows, None);
        // 北朝鮮 is six columns wide, like "abcdef", so the numbers line up.
        assert_eq!(text, "name     n\n──────  ──\n北朝鮮   1\nabcdef  22\n");
    }

    #[test]
    fn table_wraps_the_widest_column_to_fit_and_cuts_nothing() {
        let columns = vec!["id".to_string(), "title".to_string(), "source".to_string()];
        let rows = vec![
            vec![
                Value::Integer(7),
                Value::Text("A very long headline about a summit in Vladivostok".into()),
                Value::Text("Korea Herald".into()),
            ],
            vec![
                Value::Integer(8),
                Value::Text("Short".into()),
                Value::Text("CNN".into()),
            ],
        ];
        let (text, _) = render_rows(OutputFormat::Table, &columns, rows, Some(40));
        for line in text.lines() {
            assert!(line.width() <= 40, "{line:?} is wider than 40");
        }
        assert_eq!(
            text,
            "id  title                   source\n\
             ──  ──────────────────────  ────────────\n\
             \x207  A very long headline    Korea Herald\n\
             \x20   about a summit in\n\
             \x20   Vladivostok\n\
             \n\
             \x208  Short                   CNN\n"
        );
    }

    #[test]
    fn lines_format_puts_one_field_a_line_and_wraps_long_values() {
        let (text, count) = render_rows(OutputFormat::Lines, &columns(), rows(), None);
        assert_eq!(count, 3);
        assert!(
            text.starts_with(
                "id     1\ntitle  Hello, \"world\"\nscore  1.5\nnote\nraw    00ff10\n\n\
                 id     -20\ntitle  tab here\n       new line\n"
            ),
            "{text}"
        );
        let columns = vec!["id".to_string(), "body".to_string()];
        let rows = vec![vec![
            Value::Integer(1),
            Value::Text("one two three four five six".into()),
        ]];
        let (text, _) = render_rows(OutputFormat::Lines, &columns, rows, Some(20));
        assert_eq!(text, "id    1\nbody  one two three\n      four five six\n");
    }

    #[test]
    fn table_and_markdown_cells_stay_on_one_line() {
        assert_eq!(table_cell("a\r\nb\nc\rd"), "a⏎b⏎c⏎d");
        assert_eq!(table_cell("a\tb\u{7}c"), "a b c");
        assert_eq!(markdown_cell("a\r\nb|c"), "a<br>b\\|c");
    }

    #[test]
    fn reals_keep_their_point_and_non_finite_ones_are_named() {
        let text = |f: f64| plain_text(&Value::Real(f)).into_owned();
        assert_eq!(text(3.0), "3.0");
        assert_eq!(text(0.1), "0.1");
        assert_eq!(text(1e300), "1e300");
        assert_eq!(text(f64::NAN), "NaN");
        assert_eq!(text(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn markdown_escapes_pipes_and_right_aligns_numbers() {
        assert_eq!(
            render(OutputFormat::Markdown),
            "|  id | title                | score | note    | raw    |\n\
             | --: | -------------------- | ----: | ------- | ------ |\n\
             |   1 | Hello, \"world\"       |   1.5 |         | 00ff10 |\n\
             | -20 | tab here<br>new line |   3.0 | a\\|b\\\\c |        |\n\
             | 300 | Ünïcödé 北朝鮮       |       |         |        |\n"
        );
    }

    #[test]
    fn empty_results_print_the_header() {
        assert_eq!(render_empty(OutputFormat::Csv), "id,title,score,note,raw\n");
        assert_eq!(
            render_empty(OutputFormat::Tsv),
            "id\ttitle\tscore\tnote\traw\n"
        );
        assert_eq!(render_empty(OutputFormat::Json), "[]\n");
        assert_eq!(render_empty(OutputFormat::Jsonl), "");
        assert_eq!(
            render_empty(OutputFormat::Table),
            "id  title  score  note  raw\n──  ─────  ─────  ────  ───\n"
        );
        assert_eq!(
            render_empty(OutputFormat::Markdown),
            "| id  | title | score | note | raw |\n| --- | ----- | ----- | ---- | --- |\n"
        );
    }

    #[test]
    fn row_errors_stop_the_output_and_are_returned() {
        let rows: Vec<Result<Vec<Value>, io::Error>> = vec![
            Ok(vec![Value::Integer(1)]),
            Err(io::Error::other("interrupted")),
            Ok(vec![Value::Integer(2)]),
        ];
        let mut out = Vec::new();
        let columns = vec!["n".to_string()];
        let err = write_rows(
            &mut out,
            OutputFormat::Jsonl,
            &columns,
            rows,
            &TableStyle::default(),
        )
        .expect_err("the row error comes back");
        assert_eq!(err.to_string(), "interrupted");
        assert_eq!(String::from_utf8(out).unwrap(), "{\"n\":1}\n");
    }

    #[test]
    fn table_and_markdown_show_the_first_rows_and_count_the_rest() {
        let columns = vec!["n".to_string()];
        let rows = (1..=5).map(|n| Ok::<_, io::Error>(vec![Value::Integer(n)]));
        let style = TableStyle {
            max_rows: 2,
            ..TableStyle::default()
        };
        let mut out = Vec::new();
        let count = write_rows(
            &mut out,
            OutputFormat::Table,
            &columns,
            rows.clone(),
            &style,
        )
        .expect("writing to a Vec cannot fail");
        assert_eq!(count, 5);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "n\n─\n1\n2\n… 3 more rows not shown (the table shows the first 2; --format csv, \
             tsv, json or jsonl print every row)\n"
        );
        let mut out = Vec::new();
        write_rows(&mut out, OutputFormat::Markdown, &columns, rows, &style).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with("|   2 |\n… 3 more rows not shown (the table shows the first 2; --format csv, tsv, json or jsonl print every row)\n"), "{text}");
        // The byte budget stops earlier: the row that reaches it is the last one kept.
        let rows = (1..=5).map(|n| Ok::<_, io::Error>(vec![Value::Text("x".repeat(n))]));
        let style = TableStyle {
            max_bytes: 3,
            ..TableStyle::default()
        };
        let mut out = Vec::new();
        assert_eq!(
            write_rows(&mut out, OutputFormat::Table, &columns, rows, &style).unwrap(),
            5
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("n\n──\nx\nxx\n… 3 more rows"), "{text}");
        // At the cap exactly, nothing is said.
        let rows = (1..=2).map(|n| Ok::<_, io::Error>(vec![Value::Integer(n)]));
        let mut out = Vec::new();
        write_rows(&mut out, OutputFormat::Table, &columns, rows, &style).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "n\n─\n1\n2\n");
    }

    #[test]
    fn short_rows_are_padded_with_null() {
        let columns = vec!["a".to_string(), "b".to_string()];
        let (text, _) = render_rows(
            OutputFormat::Jsonl,
            &columns,
            vec![vec![Value::Integer(1)]],
            None,
        );
        assert_eq!(text, "{\"a\":1,\"b\":null}\n");
    }
}
