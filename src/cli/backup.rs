//! `newsdb backup DEST`: a sound copy of the database, made while others read and write it.

use std::path::PathBuf;

use clap::Args;

use newsdb::store::export::BackupError;

use super::{Context, Failure, Outcome};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write the copy to.
    pub dest: PathBuf,
    /// Replace DEST if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(context: &Context, args: &BackupArgs) -> Outcome {
    if let newsdb::backend::DatabaseLocation::Postgres(url) = context.location() {
        let shown = newsdb::normalize::url::without_credentials(&url).into_owned();
        return Err(Failure::Usage(format!(
            "backup copies a SQLite file; a PostgreSQL database is backed up with pg_dump: \
             pg_dump --format=custom --file={} '{shown}' (restore with pg_restore)",
            args.dest.display()
        )));
    }
    let store = context.open_read_only()?;
    let summary = store
        .backup(&args.dest, args.force)
        .map_err(|error| match error {
            BackupError::Store(error) => Failure::from(error),
            BackupError::Refused(_) => Failure::Usage(error.to_string()),
            other => Failure::Failed(other.to_string()),
        })?;
    let plural = if summary.articles == 1 { "" } else { "s" };
    context.note(&format!(
        "backed up {} article{plural} to {}: {} ({} pages), integrity ok ({:.2} s)",
        summary.articles,
        summary.path.display(),
        human_size(summary.size_bytes),
        summary.pages,
        summary.elapsed_seconds
    ));
    Ok(())
}

fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < UNITS.len() {
        size /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{size:.1} {}", UNITS[unit])
    }
}
