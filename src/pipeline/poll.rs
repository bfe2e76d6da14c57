//! Polling subscribed feeds: `newsdb fetch`.
//!
//! Every feed is requested in turn (conditionally, with its stored validators), and every body
//! that came back is imported through the ordinary pipeline as one import run, lazily: the
//! download of feed N+1 overlaps the writing of feed N, and at most one body waits in memory.
//! Items are read as feeds whatever their Content-Type says (a subscription is a feed; a
//! homepage served in its place is an error, not an article). Once the run is written, each
//! feed's row records what happened to it: a failure (no answer, an HTTP error, a body the feed
//! parser rejects whole) adds one to its failure count and never stops the others.

use std::collections::HashMap;

use crate::fetch::{Client, Conditional, FetchError, Response};
use crate::import::feed::feed_title;
use crate::item::ImportError;
use crate::normalize::url::without_credentials;
use crate::pipeline::{
    self, Fetched, ImportObserver, ImportOptions, ImportSummary, Input, Subscriptions,
};
use crate::store::{self, Feed, ImportId, PollRecord};

/// What one poll did to one feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PollOutcome {
    /// 304: nothing was read.
    NotModified,
    /// A body was read and imported.
    Updated {
        status: u16,
        items: u64,
        new_articles: u64,
        rejected: u64,
    },
    /// Recorded in the feed's row; `status` is None when the server never answered.
    Failed { status: Option<u16>, error: String },
}

/// One feed's poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedPoll {
    /// The URL polled (as subscribed).
    pub url: String,
    /// Where a permanent redirect moved the subscription.
    pub moved_to: Option<String>,
    pub outcome: PollOutcome,
}

/// What `newsdb fetch` did: each feed, and the import run of everything read.
#[derive(Clone, Debug)]
pub struct PollReport {
    pub feeds: Vec<FeedPoll>,
    pub import: ImportSummary,
}

impl PollReport {
    pub fn failed(&self) -> usize {
        self.count(|outcome| matches!(outcome, PollOutcome::Failed { .. }))
    }

    pub fn not_modified(&self) -> usize {
        self.count(|outcome| *outcome == PollOutcome::NotModified)
    }

    pub fn updated(&self) -> usize {
        self.count(|outcome| matches!(outcome, PollOutcome::Updated { .. }))
    }

    fn count(&self, test: impl Fn(&PollOutcome) -> bool) -> usize {
        self.feeds.iter().filter(|feed| test(&feed.outcome)).count()
    }
}

/// The HTTP side of one feed's poll, kept until the import is written.
struct Polled {
    result: Result<Response, FetchError>,
    /// The origin its items were imported under.
    origin: String,
    title: Option<String>,
}

/// Polls `feeds` and imports what changed into `store`, as one import run.
pub fn poll(
    store: &mut dyn Subscriptions,
    feeds: &[Feed],
    client: &Client,
    options: &ImportOptions,
    observer: &mut dyn ImportObserver,
) -> store::Result<PollReport> {
    let mut polled: Vec<Polled> = Vec::with_capacity(feeds.len());
    let inputs = feeds.iter().filter_map(|feed| {
        let conditional = Conditional {
            etag: feed.etag.clone(),
            last_modified: feed.last_modified.clone(),
        };
        let result = client.get(&feed.url, &conditional);
        let origin = match &result {
            Ok(Response {
                moved_to: Some(moved_to),
                ..
            }) => moved_to.as_str(),
            _ => feed.url.as_str(),
        };
        // A subscription may carry a password; its items' origin never does.
        let origin = without_credentials(origin).into_owned();
        match result {
            Ok(mut response) if !response.is_not_modified() => {
                let body = std::mem::take(&mut response.body);
                let title = feed_title(&body, response.content_type.as_deref());
                let input = Input::Fetched(Fetched {
                    origin: origin.clone(),
                    body,
                    content_type: response.content_type.clone(),
                    feed_id: Some(feed.id),
                    source: feed.source.clone(),
                });
                polled.push(Polled {
                    result: Ok(response),
                    origin,
                    title,
                });
                Some(input)
            }
            result => {
                polled.push(Polled {
                    result,
                    origin,
                    title: None,
                });
                None
            }
        }
    });
    let mut tally = Tally {
        inner: observer,
        inputs: HashMap::new(),
    };
    let import = pipeline::run_inputs(store, inputs, options, &mut tally)?;
    let import_id = import.import_id.map(ImportId);
    let mut report = PollReport {
        feeds: Vec::with_capacity(feeds.len()),
        import,
    };
    for (feed, polled) in feeds.iter().zip(&polled) {
        let (outcome, record) = match &polled.result {
            Ok(response) if response.is_not_modified() => (
                PollOutcome::NotModified,
                PollRecord {
                    status: Some(response.status),
                    etag: response.etag.as_deref(),
                    last_modified: response.last_modified.as_deref(),
                    moved_to: response.moved_to.as_deref(),
                    ..PollRecord::default()
                },
            ),
            Ok(response) => {
                let read = tally.inputs.remove(&polled.origin).unwrap_or_default();
                if read.items > 0 && read.rejected == read.items {
                    // Validators are not kept: the next poll must read the feed again.
                    let error = read.first_reject.unwrap_or_default();
                    (
                        PollOutcome::Failed {
                            status: Some(response.status),
                            error,
                        },
                        PollRecord {
                            status: Some(response.status),
                            moved_to: response.moved_to.as_deref(),
                            ..PollRecord::default()
                        },
                    )
                } else {
                    let new_articles = match import_id {
                        Some(import_id) => store.new_articles_from_feed(import_id, feed.id)?,
                        None => 0,
                    };
                    (
                        PollOutcome::Updated {
                            status: response.status,
                            items: read.items,
                            new_articles,
                            rejected: read.rejected,
                        },
                        PollRecord {
                            status: Some(response.status),
                            etag: response.etag.as_deref(),
                            last_modified: response.last_modified.as_deref(),
                            title: polled.title.as_deref(),
                            moved_to: response.moved_to.as_deref(),
                            ..PollRecord::default()
                        },
                    )
                }
            }
            Err(error) => (
                PollOutcome::Failed {
                    status: error.status(),
                    error: error.to_string(),
                },
                PollRecord {
                    status: error.status(),
                    ..PollRecord::default()
                },
            ),
        };
        let error = match &outcome {
            PollOutcome::Failed { error, .. } => Some(error.as_str()),
            _ => None,
        };
        store.record_poll(feed.id, &PollRecord { error, ..record })?;
        report.feeds.push(FeedPoll {
            url: feed.url.clone(),
            moved_to: polled.result.as_ref().ok().and_then(|r| r.moved_to.clone()),
            outcome,
        });
    }
    Ok(report)
}

/// Items and rejects of one input, as the pipeline reported them.
#[derive(Debug, Default)]
struct InputTally {
    items: u64,
    rejected: u64,
    /// The first reject, located within the input (`line 3:14: reason`, `item 2: reason`).
    first_reject: Option<String>,
}

/// Passes every report on to the caller's observer, and counts items and rejects per input.
struct Tally<'a> {
    inner: &'a mut dyn ImportObserver,
    inputs: HashMap<String, InputTally>,
}

impl ImportObserver for Tally<'_> {
    fn rejected(&mut self, error: &ImportError) {
        let tally = self
            .inputs
            .entry(error.location.origin.clone())
            .or_default();
        tally.rejected += 1;
        tally
            .first_reject
            .get_or_insert_with(|| match error.location.locator() {
                Some(locator) if error.location.line.is_some() => {
                    format!("line {locator}: {}", error.reason)
                }
                Some(locator) => format!("{locator}: {}", error.reason),
                None => error.reason.clone(),
            });
        self.inner.rejected(error);
    }

    fn warning(&mut self, warning: &ImportError) {
        self.inner.warning(warning);
    }

    fn progress(&mut self, items: u64) {
        self.inner.progress(items);
    }

    fn input_finished(&mut self, origin: &str, items: u64) {
        self.inputs.entry(origin.to_owned()).or_default().items += items;
        self.inner.input_finished(origin, items);
    }
}
