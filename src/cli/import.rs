//! `newsdb import`: files, folders or stdin into the store, with a summary and a progress bar.

use std::io::{IsTerminal, Write};

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use newsdb::import::limits;
use newsdb::import::pipeline::{self, ImportObserver, ImportOptions, ImportSummary, Input};
use newsdb::import::select::FileSelection;
use newsdb::item::{Format, ImportError, SkipReason, Skipped};

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
    #[arg(long, default_value_t = 1000, value_name = "N", hide = true,
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
    let mut store = context.open()?;
    let options = ImportOptions {
        format: args.format,
        source: args.source.clone(),
        dry_run: args.dry_run,
        keep_raw: !args.no_raw,
        extract_entities: !args.no_entities,
        batch_size: args.batch_size,
        command: std::env::args().collect::<Vec<_>>().join(" "),
        max_record_bytes: args.max_record_size,
        follow_symlinks: args.follow_symlinks,
        selection,
    };
    let mut reporter = Reporter::new(context.quiet, context.verbose);
    let summary = pipeline::run(&mut store, &inputs, &options, &mut reporter);
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

/// Prints rejects and warnings as they come, and a progress bar on a terminal.
struct Reporter {
    bar: Option<ProgressBar>,
    quiet: bool,
    /// Name each input as it is finished (`-v`).
    verbose: bool,
}

impl Reporter {
    fn new(quiet: bool, verbose: bool) -> Reporter {
        let on_terminal = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bar = (on_terminal && !quiet).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {human_pos} items, {per_sec} [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        });
        Reporter {
            bar,
            quiet,
            verbose,
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
        if let Some(bar) = &self.bar {
            bar.set_position(items);
        }
    }
}
