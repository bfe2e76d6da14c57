//! `newsdb export`: every article as JSON Lines in the shape `newsdb import` reads.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use newsdb::backend::PgStore;
use newsdb::destination::{Destination, Partial};
use newsdb::store::export::{ExportOptions, ExportSummary, ExportedArticle, since_bound};

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
    /// Write to FILE instead of standard output: a new file, or a FIFO or device written into
    /// (`-` or `/dev/stdout` is standard output). Never the database itself.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace FILE if it is an existing regular file (once the export is complete).
    #[arg(long)]
    pub force: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Jsonl,
}

pub fn run(context: &Context, args: &ExportArgs) -> Outcome {
    let mut store = Store::open(context)?;
    let options = ExportOptions {
        since: args.since.clone(),
    };
    let mut export = |out: &mut dyn Write| {
        let write = |article: &ExportedArticle| {
            serde_json::to_writer(&mut *out, article).map_err(io::Error::from)?;
            out.write_all(b"\n").map_err(Failure::from)
        };
        match &mut store {
            Store::Sqlite(store) => store.export(&options, write),
            Store::Postgres(store) => store.export(&options, write),
        }
    };
    let destination = match &args.output {
        None => Destination::Stdout,
        Some(path) => Destination::check(path, &context.db, args.force)
            .map_err(|error| Failure::Usage(error.to_string()))?,
    };
    let summary = match destination {
        Destination::Stdout => {
            let mut out = BufWriter::new(io::stdout().lock());
            let summary = export(&mut out)?;
            out.flush()?;
            summary
        }
        Destination::Stream(path) => {
            let cannot = |error: io::Error| cannot_write(&path, error);
            let file = OpenOptions::new().write(true).open(&path).map_err(cannot)?;
            let mut out = BufWriter::new(NamedWriter { path: &path, file });
            let summary = export(&mut out)?;
            out.flush()?;
            summary
        }
        Destination::File(path) => write_file(&path, export)?,
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

/// The store exported, of either backend.
enum Store {
    Sqlite(newsdb::store::Store),
    Postgres(PgStore),
}

impl Store {
    fn open(context: &Context) -> Result<Store, Failure> {
        Ok(match context.open_postgres(true)? {
            Some(store) => Store::Postgres(store),
            None => Store::Sqlite(context.open_read_only()?),
        })
    }
}

/// Writes the export to a temporary file beside `path` and moves it in place when complete, so
/// that `path` never holds a truncated export.
fn write_file(
    path: &Path,
    export: impl FnOnce(&mut dyn Write) -> Result<ExportSummary, Failure>,
) -> Result<ExportSummary, Failure> {
    let cannot = |error: io::Error| cannot_write(path, error);
    let mut partial = Partial::create(path, "export").map_err(cannot)?;
    let file = partial.file().try_clone().map_err(cannot)?;
    let mut out = BufWriter::new(NamedWriter { path, file });
    let summary = export(&mut out)?;
    let written = out.into_inner().map_err(|error| error.into_error())?;
    written.file.sync_all().map_err(cannot)?;
    partial.persist(path).map_err(cannot)?;
    Ok(summary)
}

/// A closed pipe is no error (as on standard output); anything else names the file.
fn cannot_write(path: &Path, error: io::Error) -> Failure {
    if error.kind() == io::ErrorKind::BrokenPipe {
        Failure::ClosedPipe
    } else {
        Failure::Failed(format!("{}: cannot write: {error}", path.display()))
    }
}

/// A file whose write errors name it (`/dev/full: No space left on device`).
struct NamedWriter<'p> {
    path: &'p Path,
    file: File,
}

impl Write for NamedWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.file.write(bytes).map_err(|error| self.named(error))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush().map_err(|error| self.named(error))
    }
}

impl NamedWriter<'_> {
    fn named(&self, error: io::Error) -> io::Error {
        io::Error::new(error.kind(), format!("{}: {error}", self.path.display()))
    }
}
