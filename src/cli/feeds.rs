//! `newsdb feeds add URL [--source NAME] | list | remove URL`: the subscriptions `fetch` polls.

use clap::{Args, Subcommand};
use rusqlite::types::Value;

use newsdb::fetch;
use newsdb::normalize::keys;
use newsdb::store::FeedAdded;

use super::{Context, Failure, FormatArgs, Outcome, output};

#[derive(Debug, Args)]
pub struct FeedsArgs {
    #[command(subcommand)]
    pub action: FeedsAction,
}

#[derive(Debug, Subcommand)]
pub enum FeedsAction {
    /// Subscribe to a feed URL.
    #[command(
        after_help = "Examples:\n  newsdb feeds add https://example.org/rss.xml\n  newsdb feeds add https://example.org/atom.xml --source \"Example Gazette\""
    )]
    Add {
        /// An http:// or https:// feed URL.
        url: String,
        /// Publisher of the feed's articles, whatever the feed calls itself.
        #[arg(long, value_name = "NAME")]
        source: Option<String>,
    },
    /// List subscriptions with the outcome of their last poll.
    #[command(after_help = "Examples:\n  newsdb feeds list\n  newsdb feeds list --format json")]
    List(FormatArgs),
    /// Unsubscribe (articles already imported stay).
    #[command(
        after_help = "Examples:\n  newsdb feeds remove https://example.org/rss.xml\n  newsdb feeds list --format csv"
    )]
    Remove {
        /// The subscribed URL, as `feeds list` shows it.
        url: String,
    },
}

pub fn run(context: &Context, args: &FeedsArgs) -> Outcome {
    match &args.action {
        FeedsAction::Add { url, source } => add(context, url, source.as_deref()),
        FeedsAction::List(format) => list(context, format),
        FeedsAction::Remove { url } => remove(context, url),
    }
}

/// The stored form of a URL argument, or a usage error naming it.
pub fn feed_url(raw: &str) -> Result<String, Failure> {
    fetch::feed_url(raw).ok_or_else(|| {
        Failure::Usage(format!(
            "not a feed URL: {raw} (expected http://... or https://...)"
        ))
    })
}

fn add(context: &Context, raw: &str, source: Option<&str>) -> Outcome {
    let url = feed_url(raw)?;
    let source = source
        .map(|name| keys::source_name(name, None))
        .filter(|source| !source.key.is_empty());
    let mut store = context.open()?;
    match store.add_feed(&url, source.as_ref())? {
        FeedAdded::Added(_) => {
            context.note(&format!("subscribed to {url}"));
            Ok(())
        }
        FeedAdded::AlreadySubscribed(_) => {
            Err(Failure::Failed(format!("already subscribed to {url}")))
        }
    }
}

fn list(context: &Context, format: &FormatArgs) -> Outcome {
    let store = context.open_read_only()?;
    let text = |value: Option<String>| value.map_or(Value::Null, Value::Text);
    let rows = store.feeds()?.into_iter().map(|feed| {
        Ok::<_, std::io::Error>(vec![
            Value::Text(feed.url),
            text(feed.title),
            text(feed.source),
            feed.last_status.map_or(Value::Null, Value::Integer),
            text(feed.last_fetched_at),
            Value::Integer(feed.failure_count),
            text(feed.last_error),
            Value::Integer(feed.articles),
        ])
    });
    output::print(
        format.format,
        &[
            "url",
            "title",
            "source",
            "last_status",
            "last_fetched_at",
            "failure_count",
            "last_error",
            "articles",
        ],
        rows,
    )
}

fn remove(context: &Context, raw: &str) -> Outcome {
    let url = fetch::feed_url(raw).unwrap_or_else(|| raw.to_owned());
    let mut store = context.open()?;
    if store.remove_feed(&url)? {
        context.note(&format!("unsubscribed from {url}"));
        Ok(())
    } else {
        Err(Failure::Failed(format!("not subscribed to {raw}")))
    }
}
