//! `newsdb fetch [URL]...`: poll every subscribed feed (or the ones named) and import what changed.

use std::io::Write;
use std::time::Duration;

use clap::Args;

use newsdb::fetch::{self, Client, ClientOptions, FeedPoll, PollOutcome, PollReport};
use newsdb::import::pipeline::{ImportObserver, ImportOptions};
use newsdb::item::{Format, ImportError};
use newsdb::normalize::url::without_credentials;

use super::{Context, Failure, Outcome, feeds, parse_positive_seconds};

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Subscribed feed URLs to poll (default: all).
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,
    /// Seconds allowed for each feed's request, redirects and body included (connecting gets at
    /// most 10 of them).
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = parse_positive_seconds,
          allow_negative_numbers = true)]
    pub timeout: Duration,
}

pub fn run(context: &Context, args: &FetchArgs) -> Outcome {
    let wanted = args
        .urls
        .iter()
        .map(|raw| feeds::feed_url(raw))
        .collect::<Result<Vec<_>, _>>()?;
    let mut store = context.open()?;
    let mut subscribed = store.feeds()?;
    if !wanted.is_empty() {
        if let Some(missing) = wanted
            .iter()
            .find(|url| !subscribed.iter().any(|feed| &feed.url == *url))
        {
            return Err(Failure::Failed(format!(
                "not subscribed to {missing} (subscribe with `newsdb feeds add URL`)"
            )));
        }
        subscribed.retain(|feed| wanted.contains(&feed.url));
    }
    if subscribed.is_empty() {
        context.note("no feeds subscribed (subscribe with `newsdb feeds add URL`)");
        return Ok(());
    }
    let client = Client::new(ClientOptions::with_timeout(args.timeout));
    let options = ImportOptions {
        // A subscription is a feed: a page served in its place is an error, not an article.
        format: Some(Format::Feed),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        ..ImportOptions::default()
    };
    let mut reporter = Reporter {
        quiet: context.quiet,
    };
    let report = fetch::poll(&mut store, &subscribed, &client, &options, &mut reporter)?;
    for feed in &report.feeds {
        let failed = matches!(feed.outcome, PollOutcome::Failed { .. });
        if failed || !context.quiet {
            let _ = writeln!(std::io::stderr(), "newsdb: {}", describe_feed(feed));
        }
    }
    context.note(&describe(&report));
    if report.failed() > 0 {
        Err(Failure::Failed(String::new()))
    } else {
        Ok(())
    }
}

fn plural(count: u64, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// One line per feed: `URL: 200, 12 items, 3 new`, `URL: 304 not modified`, `URL: failed: ...`.
fn describe_feed(feed: &FeedPoll) -> String {
    // A subscription may carry a password: it is used, never shown.
    let mut line = format!("{}: ", without_credentials(&feed.url));
    match &feed.outcome {
        PollOutcome::NotModified => line.push_str("304 not modified"),
        PollOutcome::Updated {
            status,
            items,
            new_articles,
            rejected,
        } => {
            line.push_str(&format!(
                "{status}, {}, {new_articles} new",
                plural(*items, "item", "items")
            ));
            if *rejected > 0 {
                line.push_str(&format!(", {rejected} rejected"));
            }
        }
        PollOutcome::Failed { error, .. } => line.push_str(&format!("failed: {error}")),
    }
    if let Some(moved_to) = &feed.moved_to {
        line.push_str(&format!(
            " (moved permanently to {})",
            without_credentials(moved_to)
        ));
    }
    line
}

/// The summary: feeds by outcome, then the import's counts.
fn describe(report: &PollReport) -> String {
    let import = &report.import;
    format!(
        "{}: {} updated, {} not modified, {} failed; {}: {} new, {}, {}, {} rejected ({:.2} s)",
        plural(report.feeds.len() as u64, "feed", "feeds"),
        report.updated(),
        report.not_modified(),
        report.failed(),
        plural(import.items, "item", "items"),
        import.new_articles,
        plural(import.duplicates, "duplicate", "duplicates"),
        plural(import.new_versions, "new version", "new versions"),
        import.rejected,
        import.elapsed_seconds,
    )
}

/// Prints rejects as they come (and warnings unless `--quiet`).
struct Reporter {
    quiet: bool,
}

impl ImportObserver for Reporter {
    fn rejected(&mut self, error: &ImportError) {
        let _ = writeln!(std::io::stderr(), "newsdb: {error}");
    }

    fn warning(&mut self, warning: &ImportError) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr(), "newsdb: warning: {warning}");
        }
    }
}
