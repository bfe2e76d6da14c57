//! `newsdb feeds add URL | list | remove URL | import FILE | export`: the subscriptions `fetch`
//! polls, and their exchange with other feed readers as OPML.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use rusqlite::types::Value;

use newsdb::destination::{Destination, Partial};
use newsdb::fetch::{self, Client, ClientOptions};
use newsdb::normalize::keys;
use newsdb::normalize::url::without_credentials;
use newsdb::opml::{self, Subscription};
use newsdb::store::{FeedAdded, NewFeed};

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
        /// File the feed in this folder ("News/Tech" for a nested one).
        #[arg(long, value_name = "PATH")]
        folder: Option<String>,
        /// Subscribe without fetching the URL first (by default a URL that fails or does not
        /// answer with a feed is refused).
        #[arg(long)]
        no_check: bool,
    },
    /// Subscribe to every feed of an OPML file (from another feed reader); re-importing adds
    /// nothing.
    #[command(
        after_help = "Examples:\n  newsdb feeds import subscriptions.opml\n  newsdb feeds import - --replace < exported.opml"
    )]
    Import {
        /// The OPML file (`-` for standard input).
        file: PathBuf,
        /// Take the titles and folders the file gives even for feeds that already have one
        /// (by default only what is missing is filled in).
        #[arg(long)]
        replace: bool,
    },
    /// Write the subscriptions as OPML 2.0, grouped by folder.
    #[command(
        after_help = "Examples:\n  newsdb feeds export\n  newsdb feeds export -o subscriptions.opml --force"
    )]
    Export {
        /// Write to FILE instead of standard output: a new file, or a FIFO or device written
        /// into. Never the database itself.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Replace FILE if it is an existing regular file.
        #[arg(long)]
        force: bool,
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
        FeedsAction::Add {
            url,
            source,
            folder,
            no_check,
        } => add(
            context,
            url,
            source.as_deref(),
            folder.as_deref(),
            *no_check,
        ),
        FeedsAction::Import { file, replace } => import(context, file, *replace),
        FeedsAction::Export { output, force } => export(context, output.as_deref(), *force),
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

fn add(
    context: &Context,
    raw: &str,
    source: Option<&str>,
    folder: Option<&str>,
    no_check: bool,
) -> Outcome {
    let url = feed_url(raw)?;
    let source = source
        .map(|name| keys::source_name(name, None))
        .filter(|source| !source.key.is_empty());
    let mut store = context.open_any(false)?;
    // Refuse a second subscription before fetching anything.
    if store.feed(&url)?.is_some() {
        return Err(Failure::Failed(format!(
            "already subscribed to {}",
            without_credentials(&url)
        )));
    }
    let mut feed = NewFeed {
        url,
        folder: folder
            .map(|folder| folder.split('/').map(str::trim).filter(|s| !s.is_empty()))
            .map(|segments| segments.collect::<Vec<_>>().join("/"))
            .filter(|folder| !folder.is_empty()),
        ..NewFeed::default()
    };
    if !no_check {
        let client = Client::new(ClientOptions::default());
        let checked = newsdb::pipeline::check_feed(&client, &feed.url).map_err(Failure::Failed)?;
        feed.title = checked.title;
        let items = checked.items;
        // Every hop was permanent: subscribe where the feed now lives, as `fetch` would move it.
        if let Some(moved_to) = checked.moved_to.as_deref().and_then(fetch::feed_url) {
            let shown = without_credentials(&moved_to).into_owned();
            if store.feed(&moved_to)?.is_some() {
                return Err(Failure::Failed(format!(
                    "already subscribed to {shown} ({} moved there permanently)",
                    without_credentials(&feed.url)
                )));
            }
            context.note(&format!(
                "{} moved permanently to {shown}",
                without_credentials(&feed.url)
            ));
            feed.url = moved_to;
        }
        context.note(&format!(
            "{}: a feed with {items} item{}",
            without_credentials(&feed.url),
            if items == 1 { "" } else { "s" }
        ));
    }
    let url = without_credentials(&feed.url).into_owned();
    match store.add_feed(&feed, source.as_ref())? {
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
    let mut store = context.open_any(true)?;
    let text = |value: Option<String>| value.map_or(Value::Null, Value::Text);
    let rows = store.feeds()?.into_iter().map(|feed| {
        Ok::<_, std::io::Error>(vec![
            Value::Text(feed.url),
            text(feed.title),
            text(feed.source),
            text(feed.folder),
            feed.last_status.map_or(Value::Null, Value::Integer),
            text(feed.last_fetched_at),
            Value::Integer(feed.failure_count),
            text(feed.last_error),
            text(feed.next_check_at),
            Value::Integer(feed.articles),
        ])
    });
    output::print(
        format,
        &[
            "url",
            "title",
            "source",
            "folder",
            "last_status",
            "last_fetched_at",
            "failure_count",
            "last_error",
            "next_check_at",
            "articles",
        ],
        rows,
    )
}

fn remove(context: &Context, raw: &str) -> Outcome {
    let url = fetch::feed_url(raw).unwrap_or_else(|| raw.to_owned());
    let mut store = context.open_any(false)?;
    if store.remove_feed(&url)? {
        context.note(&format!("unsubscribed from {url}"));
        Ok(())
    } else {
        Err(Failure::Failed(format!("not subscribed to {raw}")))
    }
}

fn import(context: &Context, file: &Path, replace: bool) -> Outcome {
    let name = file.display().to_string();
    let bytes = if file == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(opml::MAX_OPML_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|error| Failure::Failed(format!("-: cannot read: {error}")))?;
        bytes
    } else {
        read_bounded(file).map_err(|error| Failure::Failed(format!("{name}: {error}")))?
    };
    let parsed = opml::parse(&bytes).map_err(|error| Failure::Failed(format!("{name}:{error}")))?;
    for reject in &parsed.rejects {
        let _ = writeln!(std::io::stderr(), "newsdb: {name}:{reject}");
    }
    let feeds: Vec<NewFeed> = parsed
        .subscriptions
        .into_iter()
        .map(|subscription| NewFeed {
            url: subscription.url,
            title: subscription.title,
            folder: subscription.folder,
            html_url: subscription.html_url,
        })
        .collect();
    let mut store = context.open_any(false)?;
    let done = store.import_subscriptions(&feeds, replace)?;
    context.note(&format!(
        "{name}: {} feeds: {} added, {} updated, {} unchanged, {} rejected",
        feeds.len() + parsed.rejects.len(),
        done.added,
        done.updated,
        done.unchanged,
        parsed.rejects.len()
    ));
    if parsed.rejects.is_empty() {
        Ok(())
    } else {
        Err(Failure::Failed(String::new()))
    }
}

/// The file's bytes, refused past the OPML size limit without reading it all.
fn read_bounded(file: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(file)?
        .take(opml::MAX_OPML_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn export(context: &Context, output: Option<&Path>, force: bool) -> Outcome {
    let mut store = context.open_any(true)?;
    let subscriptions: Vec<Subscription> = store
        .feeds()?
        .into_iter()
        .map(|feed| Subscription {
            url: feed.url,
            title: feed.title,
            folder: feed.folder,
            html_url: feed.html_url,
        })
        .collect();
    let created = chrono::Utc::now().to_rfc2822();
    let document = opml::write(&subscriptions, "newsdb subscriptions", &created);
    let destination = match output {
        None => Destination::Stdout,
        Some(path) => Destination::check(path, &context.db, force)
            .map_err(|error| Failure::Usage(error.to_string()))?,
    };
    let cannot = |path: &Path, error: std::io::Error| {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            Failure::ClosedPipe
        } else {
            Failure::Failed(format!("{}: cannot write: {error}", path.display()))
        }
    };
    match destination {
        Destination::Stdout => std::io::stdout().lock().write_all(document.as_bytes())?,
        Destination::Stream(path) => std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|mut file| file.write_all(document.as_bytes()))
            .map_err(|error| cannot(&path, error))?,
        Destination::File(path) => {
            // Written beside it and renamed when complete, as `export -o` does.
            let mut partial = Partial::create(&path, "export").map_err(|e| cannot(&path, e))?;
            let mut file = partial.file();
            file.write_all(document.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|error| cannot(&path, error))?;
            partial
                .persist(&path)
                .map_err(|error| cannot(&path, error))?;
        }
    }
    context.note(&format!(
        "exported {} feed{}",
        subscriptions.len(),
        if subscriptions.len() == 1 { "" } else { "s" }
    ));
    Ok(())
}
