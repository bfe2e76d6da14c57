//! Printing rows to stdout in the chosen format, fitted to the terminal when there is one; and
//! the format flags every listing command shares.

use std::io::{self, Write};

use clap::Args;
use newsdb::query::format::{self, OutputFormat, TableStyle};
use rusqlite::types::Value;

use super::{Failure, Outcome};

/// The output flags of every listing command: `--format NAME` or one of its shorthands (as in
/// sqlite-utils), and how the table fits the terminal.
#[derive(Debug, Args)]
pub struct FormatArgs {
    /// Output format: table, lines, csv, tsv, json, jsonl (also nl, ndjson) or markdown.
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        group = "output_format",
        hide_possible_values = true
    )]
    pub format: Option<OutputFormat>,
    /// Aligned columns (the default on most commands).
    #[arg(short = 't', long, group = "output_format")]
    pub table: bool,
    /// One `column  value` line per field, records separated by a blank line.
    #[arg(short = 'x', long, group = "output_format")]
    pub lines: bool,
    /// Comma-separated values (--format csv).
    #[arg(long, group = "output_format")]
    pub csv: bool,
    /// Tab-separated values (--format tsv).
    #[arg(long, group = "output_format")]
    pub tsv: bool,
    /// One JSON array (--format json).
    #[arg(long, group = "output_format")]
    pub json: bool,
    /// Newline-delimited JSON, one object a line (--format jsonl).
    #[arg(long, visible_alias = "jsonl", group = "output_format")]
    pub nl: bool,
    /// Keep every table cell on one line, whatever the terminal's width.
    #[arg(long)]
    pub no_truncate: bool,
    /// Lay tables out for this many columns instead of the terminal's width (for tests and
    /// scripts that want a terminal's layout in a pipe).
    #[arg(long, value_name = "COLUMNS", env = "NEWSDB_WIDTH", hide = true,
          value_parser = clap::value_parser!(u16).range(20..))]
    pub width: Option<u16>,
}

impl FormatArgs {
    /// The format the user chose, if any.
    pub fn chosen(&self) -> Option<OutputFormat> {
        let flags = [
            (self.table, OutputFormat::Table),
            (self.lines, OutputFormat::Lines),
            (self.csv, OutputFormat::Csv),
            (self.tsv, OutputFormat::Tsv),
            (self.json, OutputFormat::Json),
            (self.nl, OutputFormat::Jsonl),
        ];
        self.format.or_else(|| {
            flags
                .into_iter()
                .find_map(|(given, format)| given.then_some(format))
        })
    }

    /// The chosen format, a table when none was.
    pub fn format(&self) -> OutputFormat {
        self.chosen().unwrap_or_default()
    }

    /// The width to fit human formats in: none with `--no-truncate` or in a pipe.
    pub fn max_width(&self) -> Option<usize> {
        if self.no_truncate {
            return None;
        }
        self.width.map(usize::from).or_else(format::terminal_width)
    }

    /// The table style for stdout.
    pub fn style(&self) -> TableStyle {
        TableStyle {
            max_width: self.max_width(),
            ..TableStyle::default()
        }
    }
}

/// Prints rows that are already in memory or come from an infallible source.
pub fn print<I>(format_args: &FormatArgs, columns: &[&str], rows: I) -> Outcome
where
    I: IntoIterator<Item = Result<Vec<Value>, io::Error>>,
{
    print_as(format_args.format(), format_args, columns, rows)
}

/// [`print`] in `output_format`, whatever `format_args` chose.
pub fn print_as<I>(
    output_format: OutputFormat,
    format_args: &FormatArgs,
    columns: &[&str],
    rows: I,
) -> Outcome
where
    I: IntoIterator<Item = Result<Vec<Value>, io::Error>>,
{
    let columns: Vec<String> = columns.iter().map(|column| column.to_string()).collect();
    let mut out = io::BufWriter::new(io::stdout().lock());
    format::write_rows(
        &mut out,
        output_format,
        &columns,
        rows,
        &format_args.style(),
    )
    .map_err(Failure::from)?;
    out.flush().map_err(Failure::from)
}
