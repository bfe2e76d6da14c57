//! Printing rows to stdout in the chosen format, fitted to the terminal when there is one.

use std::io::{self, Write};

use newsdb::query::format::{self, OutputFormat, TableStyle};
use rusqlite::types::Value;

use super::{Failure, Outcome};

/// The table style for stdout: fitted to the terminal's width, plain when piped.
pub fn style() -> TableStyle {
    TableStyle {
        max_width: format::terminal_width(),
        ..TableStyle::default()
    }
}

/// Prints rows that are already in memory or come from an infallible source.
pub fn print<I>(output_format: OutputFormat, columns: &[&str], rows: I) -> Outcome
where
    I: IntoIterator<Item = Result<Vec<Value>, io::Error>>,
{
    let columns: Vec<String> = columns.iter().map(|column| column.to_string()).collect();
    let mut out = io::BufWriter::new(io::stdout().lock());
    format::write_rows(&mut out, output_format, &columns, rows, &style()).map_err(Failure::from)?;
    out.flush().map_err(Failure::from)
}
