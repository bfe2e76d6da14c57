//! `newsdb compact`: re-encode the raw copies stored uncompressed or as plain zstd (by a newsdb
//! before schema 15, or by other tools) against their article's text, in batches, then
//! optionally VACUUM to give the freed space back.

use std::io::Write;

use clap::Args;

use newsdb::store::CompactSummary;

use super::{Context, Failure, Outcome};

#[derive(Debug, Args)]
pub struct CompactArgs {
    /// Then rewrite the database without its free pages (shrinks the file; needs free disk
    /// space about the size of the database, and blocks other writers while it runs). On
    /// PostgreSQL: `VACUUM FULL article_raw` (that table rewritten; importers wait for it).
    #[arg(long)]
    pub vacuum: bool,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn run(context: &Context, args: &CompactArgs) -> Outcome {
    let started = std::time::Instant::now();
    let verbose = context.verbose;
    let mut progress = |so_far: &CompactSummary| {
        if verbose {
            let _ = writeln!(
                std::io::stderr(),
                "newsdb: compact: {} raw copies read, {} compressed",
                so_far.rows_read,
                so_far.rows_compressed
            );
        }
    };
    let on_postgres = context.open_postgres(false)?;
    let postgres = on_postgres.is_some();
    let summary = match on_postgres {
        Some(mut store) => {
            let mut summary = store.compact_raw(&mut progress)?;
            if args.vacuum {
                store.vacuum_raw()?;
                summary.vacuumed = true;
                summary.file_bytes_after = store.database_bytes()?;
            }
            summary
        }
        None => {
            let mut store = context.open()?;
            let mut summary = store.compact_raw(&mut progress)?;
            store.merge_search_index(&mut summary)?;
            if args.vacuum {
                store.vacuum()?;
                summary.vacuumed = true;
                summary.free_bytes = store.free_bytes()?;
                summary.file_bytes_after = store.file_bytes()?;
            }
            summary
        }
    };
    if args.json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &summary).map_err(|e| Failure::Failed(e.to_string()))?;
        writeln!(out)?;
    } else {
        let freed = if summary.vacuumed {
            format!(
                "{} {} -> {} (vacuumed)",
                if postgres { "database" } else { "file" },
                megabytes(summary.file_bytes_before),
                megabytes(summary.file_bytes_after)
            )
        } else if postgres {
            "autovacuum makes the space of the old rows reusable inside the table; --vacuum \
             gives it back to the system (VACUUM FULL article_raw)"
                .to_owned()
        } else {
            format!(
                "{} of free pages; the space saved stays inside half-empty pages until --vacuum",
                megabytes(summary.free_bytes)
            )
        };
        let search_index = match (
            summary.search_segments_before,
            summary.search_segments_after,
        ) {
            (Some(before), Some(after)) => format!("; search index: {before} segments -> {after}"),
            _ => String::new(),
        };
        context.note(&format!(
            "compacted {} raw copies: {} -> {}{search_index}; {freed} ({:.2} s)",
            summary.rows_compressed,
            megabytes(summary.raw_bytes_before),
            megabytes(summary.raw_bytes_after),
            started.elapsed().as_secs_f64()
        ));
    }
    if summary.rows_unreadable > 0 {
        // The rest is compacted; the exit status still says something was left behind.
        return Err(Failure::Failed(format!(
            "{} raw copies cannot be decoded and were left as they are (`newsdb show ID --raw` \
             names the reason)",
            summary.rows_unreadable
        )));
    }
    Ok(())
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}
