//! `newsdb export`: every article as JSON Lines in the shape `newsdb import` reads.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use newsdb::store::export::{ExportOptions, ExportSummary, since_bound};

use super::{Context, Failure, Outcome};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format (JSON Lines, one article per line, is the only one).
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
    /// Only articles imported (not published) at or after DATE, for incremental copies:
    /// YYYY-MM-DD (midnight UTC), YYYY-MM, RFC 3339, today, yesterday, or an age like 7d.
    #[arg(long, value_name = "DATE", value_parser = since_bound)]
    pub since: Option<String>,
    /// Write to FILE (replaced once the export is complete) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Jsonl,
}

pub fn run(context: &Context, args: &ExportArgs) -> Outcome {
    let store = context.open_read_only()?;
    let options = ExportOptions {
        since: args.since.clone(),
    };
    let export = |out: &mut dyn Write| {
        store.export(&options, |article| {
            serde_json::to_writer(&mut *out, article).map_err(io::Error::from)?;
            out.write_all(b"\n").map_err(Failure::from)
        })
    };
    let summary = match &args.output {
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            let summary = export(&mut out)?;
            out.flush()?;
            summary
        }
        Some(path) => write_file(path, export)?,
    };
    if summary.credits_not_rendered > 0 {
        context.note(&format!(
            "warning: the credited outlets of {} articles are listed under \"credits\" only; \
             a re-import will not record them",
            summary.credits_not_rendered
        ));
    }
    let plural = if summary.articles == 1 { "" } else { "s" };
    context.note(&format!("exported {} article{plural}", summary.articles));
    Ok(())
}

/// Writes the export to a temporary file beside `path` and moves it in place when complete, so
/// that `path` never holds a truncated export.
fn write_file(
    path: &Path,
    export: impl FnOnce(&mut dyn Write) -> Result<ExportSummary, Failure>,
) -> Result<ExportSummary, Failure> {
    let cannot = |error: io::Error| Failure::Failed(format!("{}: {error}", path.display()));
    let name = path
        .file_name()
        .ok_or_else(|| Failure::Usage(format!("{}: not a file name", path.display())))?;
    let partial = path.with_file_name(format!(
        ".{}.newsdb-export-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = File::create(&partial).map_err(cannot).and_then(|file| {
        let mut out = BufWriter::new(file);
        let summary = export(&mut out)?;
        let file = out
            .into_inner()
            .map_err(|error| cannot(error.into_error()))?;
        file.sync_all().map_err(cannot)?;
        Ok(summary)
    });
    let moved = written.and_then(|summary| {
        std::fs::rename(&partial, path).map_err(cannot)?;
        Ok(summary)
    });
    if moved.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    moved
}
