//! `newsdb import`: files, folders or stdin into the store, with a summary and a progress bar.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use clap::Args;
use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

use newsdb::entities::Extractor;
use newsdb::import::limits;
use newsdb::import::select::FileSelection;
use newsdb::item::{Format, ImportError, SkipReason, Skipped};
use newsdb::pipeline::{
    self, ImportObserver, ImportOptions, ImportSummary, Input, input_files_size,
};

use super::{Context, Failure, Outcome};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files, folders (read recursively), http(s) URLs, or `-` for standard input.
    #[arg(required = true, value_name = "PATH|URL")]
    pub inputs: Vec<String>,
    /// Read every input as this format instead of detecting it: text, json, jsonl, feed, html.
    #[arg(long, value_parser = parse_format)]
    pub format: Option<Format>,
    /// Publisher of every imported item.
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// Report what would be imported, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not keep the original bytes of new articles.
    #[arg(long)]
    pub no_raw: bool,
    /// Do not extract entities and mentions (entities carried by records are still stored).
    #[arg(long)]
    pub no_entities: bool,
    /// Do not place new articles in stories (no sketches are kept; `newsdb stories rebuild`
    /// groups them later).
    #[arg(long)]
    pub no_stories: bool,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Largest record read: a JSON Lines line, a JSON object or array element, a text file.
    /// Larger ones are skipped and reported as they are read. Bytes, or with K, M or G.
    #[arg(long, default_value = "16M", value_name = "SIZE", value_parser = limits::parse_size)]
    pub max_record_size: u64,
    /// Follow symbolic links that lead out of an imported folder (links inside it are always
    /// followed; each file is read once).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// In folders, read only files whose path below the folder matches GLOB (repeatable; `*`
    /// crosses `/`). They are read whatever their name or shape: a README, a .csv.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// In folders, leave out files whose path below the folder matches GLOB (repeatable; wins
    /// over --include). Files named on the command line are always read.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Articles per write transaction.
    #[arg(long, default_value_t = pipeline::DEFAULT_BATCH_SIZE, value_name = "N", hide = true,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub batch_size: usize,
}

fn parse_format(name: &str) -> Result<Format, String> {
    Format::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|format| format.name()).collect();
        format!(
            "unknown format `{name}` (expected one of: {})",
            names.join(", ")
        )
    })
}

pub fn run(context: &Context, args: &ImportArgs) -> Outcome {
    let inputs: Vec<Input> = args.inputs.iter().map(|arg| Input::from_arg(arg)).collect();
    if inputs
        .iter()
        .filter(|input| **input == Input::Stdin)
        .count()
        > 1
    {
        return Err(Failure::Usage(
            "standard input (`-`) can be read only once".into(),
        ));
    }
    let selection = FileSelection::new(&args.include, &args.exclude).map_err(Failure::Usage)?;
    if !args.no_entities {
        Extractor::warm_up_shared();
    }
    let mut store = context.open_any(false)?;
    let options = ImportOptions {
        format: args.format,
        source: args.source.clone(),
        dry_run: args.dry_run,
        keep_raw: !args.no_raw,
        extract_entities: !args.no_entities,
        stories: !args.no_stories,
        batch_size: args.batch_size,
        command: std::env::args().collect::<Vec<_>>().join(" "),
        max_record_bytes: args.max_record_size,
        follow_symlinks: args.follow_symlinks,
        selection,
    };
    // Files and folders have a size known in advance: the bar then shows how far through it is.
    let total_bytes = input_files_size(&inputs, &options, store.database_file());
    let mut reporter = Reporter::new(context.quiet, context.verbose, total_bytes);
    let summary = pipeline::run(store.as_mut(), &inputs, &options, &mut reporter);
    reporter.finish();
    let summary = summary?;
    if args.json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &summary)
            .map_err(|error| Failure::Failed(error.to_string()))?;
        writeln!(out)?;
    } else {
        context.note(&describe(&summary));
    }
    if summary.is_clean() {
        Ok(())
    } else {
        Err(Failure::Failed(String::new()))
    }
}

/// The one-line summary on stderr.
fn describe(summary: &ImportSummary) -> String {
    let plural = |count: u64, one: &str, many: &str| {
        format!("{count} {}", if count == 1 { one } else { many })
    };
    let skipped = if summary.skipped == 0 {
        String::new()
    } else {
        let reasons: Vec<String> = SkipReason::ALL
            .iter()
            .filter_map(|reason| {
                let count = summary.skipped_by_reason.get(reason.key())?;
                Some(format!("{count} {}", reason.describe()))
            })
            .collect();
        format!(
            ", {} not articles skipped ({})",
            summary.skipped,
            reasons.join(", ")
        )
    };
    format!(
        "{}{}, {}: {} new, {}, {}, {}{skipped} ({:.2} s)",
        if summary.dry_run {
            "dry run, nothing written: "
        } else {
            ""
        },
        plural(summary.inputs, "input", "inputs"),
        plural(summary.items, "item", "items"),
        summary.new_articles,
        plural(summary.duplicates, "duplicate", "duplicates"),
        plural(summary.new_versions, "new version", "new versions"),
        plural(summary.rejected, "rejected", "rejected"),
        summary.elapsed_seconds,
    )
}

/// Where an import stands, for the progress bar.
#[derive(Debug, Clone, Copy)]
struct Progress {
    items: u64,
    bytes_read: u64,
    /// The inputs' total size; None when an input is stdin or a URL.
    total_bytes: Option<u64>,
    elapsed: Duration,
}

impl Progress {
    /// The bar's text: `1.50 MiB of 6.00 MiB (25%), 3,584 items, 1,792/s, ETA 6s`, or without a
    /// known total `3,584 items, 1,792/s, 2s`.
    fn message(&self) -> String {
        let seconds = self.elapsed.as_secs_f64();
        let rate = if seconds > 0.0 {
            with_thousands((self.items as f64 / seconds).round() as u64)
        } else {
            "-".to_string()
        };
        let items = format!(
            "{} {}, {rate}/s",
            with_thousands(self.items),
            if self.items == 1 { "item" } else { "items" }
        );
        let Some(total) = self.total_bytes else {
            return format!("{items}, {}", short_duration(self.elapsed.as_secs()));
        };
        let read = self.bytes_read.min(total);
        let percent = (read * 100).checked_div(total).unwrap_or(100);
        // The time left, at the pace so far; unknown until something has been read.
        let eta = if read > 0 && seconds > 0.0 {
            let left = seconds * (total - read) as f64 / read as f64;
            short_duration(left.round() as u64)
        } else {
            "-".to_string()
        };
        format!(
            "{} of {} ({percent}%), {items}, ETA {eta}",
            HumanBytes(read),
            HumanBytes(total)
        )
    }
}

/// `15643` as `15,643`.
fn with_thousands(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `42s`, `3m 05s`, `2h 07m`.
fn short_duration(seconds: u64) -> String {
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m {:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h {:02}m", seconds / 3600, seconds % 3600 / 60),
    }
}

/// Prints rejects and warnings as they come, and a progress bar on a terminal.
struct Reporter {
    bar: Option<ProgressBar>,
    quiet: bool,
    /// Name each input as it is finished (`-v`).
    verbose: bool,
    started: Instant,
    progress: Progress,
}

impl Reporter {
    fn new(quiet: bool, verbose: bool, total_bytes: Option<u64>) -> Reporter {
        let on_terminal = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bar = (on_terminal && !quiet).then(|| {
            let (bar, template) = match total_bytes {
                Some(total) => (
                    ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
                    "{bar:24} {msg}",
                ),
                None => (
                    ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
                    "{spinner} {msg}",
                ),
            };
            bar.set_style(
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        });
        Reporter {
            bar,
            quiet,
            verbose,
            started: Instant::now(),
            progress: Progress {
                items: 0,
                bytes_read: 0,
                total_bytes,
                elapsed: Duration::ZERO,
            },
        }
    }

    fn redraw(&mut self) {
        if let Some(bar) = &self.bar {
            self.progress.elapsed = self.started.elapsed();
            bar.set_position(self.progress.bytes_read);
            bar.set_message(self.progress.message());
        }
    }

    fn print(&self, line: String) {
        let write = || {
            let _ = writeln!(std::io::stderr(), "{line}");
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl ImportObserver for Reporter {
    fn rejected(&mut self, error: &ImportError) {
        self.print(format!("newsdb: {error}"));
    }

    fn warning(&mut self, warning: &ImportError) {
        if !self.quiet {
            self.print(format!("newsdb: warning: {warning}"));
        }
    }

    fn skipped(&mut self, skipped: &Skipped) {
        // What was read and found not to be articles is worth a word; paperwork and code left
        // out by name are only counted, unless -v.
        if self.verbose || (!self.quiet && skipped.reason.is_by_content()) {
            self.print(format!(
                "newsdb: warning: {}: skipped: {} (--include reads it)",
                skipped.location,
                skipped.reason.describe()
            ));
        }
    }

    fn input_finished(&mut self, origin: &str, items: u64) {
        if self.verbose {
            let plural = if items == 1 { "item" } else { "items" };
            self.print(format!("newsdb: read {origin}: {items} {plural}"));
        }
    }

    fn progress(&mut self, items: u64) {
        self.progress.items = items;
        self.redraw();
    }

    fn bytes_read(&mut self, bytes: u64) {
        self.progress.bytes_read = bytes;
        self.redraw();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(items: u64, bytes_read: u64, total_bytes: Option<u64>, millis: u64) -> String {
        Progress {
            items,
            bytes_read,
            total_bytes,
            elapsed: Duration::from_millis(millis),
        }
        .message()
    }

    /// Issue 12 item 10: bytes of the known total, a percentage, an ETA and a whole-number rate
    /// (it was `15,643.6352/s` and no total).
    #[test]
    fn progress_shows_bytes_of_the_total_a_percentage_an_eta_and_a_whole_rate() {
        assert_eq!(
            progress(15_643, 3 << 20, Some(12 << 20), 1_000),
            "3.00 MiB of 12.00 MiB (25%), 15,643 items, 15,643/s, ETA 3s"
        );
        assert_eq!(
            progress(31_287, 6 << 20, Some(12 << 20), 2_000),
            "6.00 MiB of 12.00 MiB (50%), 31,287 items, 15,644/s, ETA 2s"
        );
        // Nothing read yet: no pace, so no ETA.
        assert_eq!(
            progress(0, 0, Some(2048), 0),
            "0 B of 2.00 KiB (0%), 0 items, -/s, ETA -"
        );
        // Long runs: minutes and hours.
        assert_eq!(
            progress(1, 1 << 20, Some(100 << 20), 10_000),
            "1.00 MiB of 100.00 MiB (1%), 1 item, 0/s, ETA 16m 30s"
        );
        // Empty files: done.
        assert_eq!(
            progress(0, 0, Some(0), 5),
            "0 B of 0 B (100%), 0 items, 0/s, ETA -"
        );
    }

    #[test]
    fn progress_of_stdin_or_urls_shows_count_and_rate_only() {
        assert_eq!(
            progress(1_234_567, 99, None, 3_723_000),
            "1,234,567 items, 332/s, 1h 02m"
        );
    }

    #[test]
    fn numbers_get_thousands_separators() {
        for (number, text) in [(0, "0"), (999, "999"), (1000, "1,000"), (15_643, "15,643")] {
            assert_eq!(with_thousands(number), text);
        }
        assert_eq!(with_thousands(1_000_000), "1,000,000");
    }
}
