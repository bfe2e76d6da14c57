//! `newsdb fetch [URL]...`: poll every subscribed feed (or the ones named) and import what changed.

use std::io::Write;
use std::time::Duration;

use clap::Args;

use newsdb::fetch::{Client, ClientOptions};
use newsdb::item::{Format, ImportError};
use newsdb::normalize::url::without_credentials;
use newsdb::pipeline::{
    self, FeedPoll, ImportObserver, ImportOptions, ImportSummary, PollOutcome, PollReport,
};
use newsdb::store::Feed;

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
    /// Poll the feeds that are backed off after failing, too (a feed named as URL always is).
    #[arg(long, visible_alias = "all")]
    pub force: bool,
    /// Print what happened to each feed, and the summary, as one JSON object on standard output.
    #[arg(long)]
    pub json: bool,
}

pub fn run(context: &Context, args: &FetchArgs) -> Outcome {
    let wanted = args
        .urls
        .iter()
        .map(|raw| feeds::feed_url(raw))
        .collect::<Result<Vec<_>, _>>()?;
    let mut store = context.open_any(false)?;
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
        if args.json {
            print_json(&JsonReport::default())?;
        }
        return Ok(());
    }
    // Back-off: a feed that keeps failing waits its turn, unless named or forced.
    let now = chrono::Utc::now();
    let (due, backed_off): (Vec<Feed>, Vec<Feed>) = subscribed
        .into_iter()
        .partition(|feed| args.force || !wanted.is_empty() || feed.is_due(now));
    for feed in &backed_off {
        if !context.quiet && !args.json {
            let _ = writeln!(std::io::stderr(), "newsdb: {}", describe_skipped(feed));
        }
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
    // Nothing due: no request, and no empty import run recorded.
    let report = if due.is_empty() {
        PollReport {
            feeds: Vec::new(),
            import: ImportSummary::default(),
        }
    } else {
        pipeline::poll(store.as_mut(), &due, &client, &options, &mut reporter)?
    };
    let mut newly_failed = 0;
    for (feed, before) in report.feeds.iter().zip(&due) {
        let failed = matches!(feed.outcome, PollOutcome::Failed { .. });
        if failed && before.failure_count == 0 {
            newly_failed += 1;
        }
        if failed || (!context.quiet && !args.json) {
            let _ = writeln!(std::io::stderr(), "newsdb: {}", describe_feed(feed));
        }
    }
    if args.json {
        let after = store.feeds()?;
        print_json(&JsonReport::new(
            &report,
            &due,
            &backed_off,
            &after,
            newly_failed,
        ))?;
    } else {
        let mut summary = describe(&report);
        if !backed_off.is_empty() {
            summary.push_str(&format!(
                "; {} backed off (poll them now with --force)",
                plural(backed_off.len() as u64, "feed", "feeds")
            ));
        }
        context.note(&summary);
    }
    // The exit rule: only a feed that newly fails makes the run fail; one that was already
    // failing before this run (and is still recorded and backed off) does not.
    if newly_failed > 0 {
        Err(Failure::Failed(String::new()))
    } else {
        Ok(())
    }
}

/// `URL: skipped until TIME after N failures in a row`.
fn describe_skipped(feed: &Feed) -> String {
    format!(
        "{}: skipped until {} after {} in a row (poll it now with --force)",
        without_credentials(&feed.url),
        feed.next_check_at.as_deref().unwrap_or("later"),
        plural(feed.failure_count.max(0) as u64, "failure", "failures"),
    )
}

fn print_json(report: &JsonReport) -> Outcome {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, report).map_err(|error| Failure::Failed(error.to_string()))?;
    writeln!(out)?;
    Ok(())
}

/// `fetch --json`: one object with `feeds` (one entry per subscribed feed considered) and
/// `summary`. The keys are documented in the README.
#[derive(Debug, Default, serde::Serialize)]
struct JsonReport {
    feeds: Vec<JsonFeed>,
    summary: JsonSummary,
}

#[derive(Debug, serde::Serialize)]
struct JsonFeed {
    url: String,
    /// `updated`, `not_modified`, `failed` or `skipped` (backed off, not polled).
    status: &'static str,
    http_status: Option<u16>,
    items: u64,
    new: u64,
    duplicates: u64,
    rejected: u64,
    error: Option<String>,
    moved_to: Option<String>,
    /// Failures in a row, after this run.
    failures: i64,
    /// Whether the feed was already failing before this run (see the exit rule).
    already_failing: bool,
    /// When a backed-off feed will be polled again; null when it is due.
    next_check_at: Option<String>,
}

#[derive(Debug, Default, serde::Serialize)]
struct JsonSummary {
    feeds: usize,
    updated: usize,
    not_modified: usize,
    failed: usize,
    newly_failed: usize,
    skipped: usize,
    items: u64,
    new: u64,
    duplicates: u64,
    new_versions: u64,
    rejected: u64,
    elapsed_seconds: f64,
}

impl JsonReport {
    fn new(
        report: &PollReport,
        due: &[Feed],
        backed_off: &[Feed],
        after: &[Feed],
        newly_failed: usize,
    ) -> JsonReport {
        let row_after = |id: i64| after.iter().find(|feed| feed.id == id);
        let mut feeds = Vec::with_capacity(due.len() + backed_off.len());
        for (poll, before) in report.feeds.iter().zip(due) {
            let now = row_after(before.id);
            let mut entry = JsonFeed {
                url: without_credentials(&poll.url).into_owned(),
                status: "updated",
                http_status: None,
                items: 0,
                new: 0,
                duplicates: 0,
                rejected: 0,
                error: None,
                moved_to: poll
                    .moved_to
                    .as_deref()
                    .map(|url| without_credentials(url).into_owned()),
                failures: now.map_or(0, |feed| feed.failure_count),
                already_failing: before.failure_count > 0,
                next_check_at: now.and_then(|feed| feed.next_check_at.clone()),
            };
            match &poll.outcome {
                PollOutcome::NotModified => {
                    entry.status = "not_modified";
                    entry.http_status = Some(304);
                }
                PollOutcome::Updated {
                    status,
                    items,
                    new_articles,
                    rejected,
                } => {
                    entry.http_status = Some(*status);
                    entry.items = *items;
                    entry.new = *new_articles;
                    entry.rejected = *rejected;
                    entry.duplicates = items.saturating_sub(new_articles + rejected);
                }
                PollOutcome::Failed { status, error } => {
                    entry.status = "failed";
                    entry.http_status = *status;
                    entry.error = Some(error.clone());
                }
            }
            feeds.push(entry);
        }
        for feed in backed_off {
            feeds.push(JsonFeed {
                url: without_credentials(&feed.url).into_owned(),
                status: "skipped",
                http_status: None,
                items: 0,
                new: 0,
                duplicates: 0,
                rejected: 0,
                error: feed.last_error.clone(),
                moved_to: None,
                failures: feed.failure_count,
                already_failing: true,
                next_check_at: feed.next_check_at.clone(),
            });
        }
        let import = &report.import;
        JsonReport {
            feeds,
            summary: JsonSummary {
                feeds: due.len() + backed_off.len(),
                updated: report.updated(),
                not_modified: report.not_modified(),
                failed: report.failed(),
                newly_failed,
                skipped: backed_off.len(),
                items: import.items,
                new: import.new_articles,
                duplicates: import.duplicates,
                new_versions: import.new_versions,
                rejected: import.rejected,
                elapsed_seconds: import.elapsed_seconds,
            },
        }
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
