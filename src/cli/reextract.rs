//! `newsdb reextract`: recompute every article's mentions (after a gazetteer or rule update),
//! honouring the stored corrections. Idempotent.

use std::io::Write;

use clap::Args;

use newsdb::entities::Extractor;

use super::{Context, Failure, Outcome};

#[derive(Debug, Args)]
pub struct ReextractArgs {
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn run(context: &Context, args: &ReextractArgs) -> Outcome {
    let started = std::time::Instant::now();
    let summary = match context.open_postgres(false)? {
        Some(mut store) => store.reextract(Extractor::shared(), &mut |_| {})?,
        None => context
            .open()?
            .reextract(Extractor::shared(), &mut |_| {})?,
    };
    if args.json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &summary).map_err(|e| Failure::Failed(e.to_string()))?;
        writeln!(out)?;
    } else {
        context.note(&format!(
            "re-extracted {} articles: {} mentions before, {} after, {} entities without mentions removed ({:.2} s)",
            summary.articles,
            summary.mentions_before,
            summary.mentions_after,
            summary.entities_removed,
            started.elapsed().as_secs_f64()
        ));
    }
    Ok(())
}
