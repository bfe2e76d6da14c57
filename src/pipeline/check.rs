//! `feeds add` fetches a URL once before subscribing: a page that is not a feed, or a URL that
//! fails, is refused then rather than found out at every later `fetch`.

use crate::fetch::{Client, Conditional};
use crate::import::feed::{feed_title, parse_feed};
use crate::item::{Location, Parsed};
use crate::normalize::url::without_credentials;

/// A URL that answered with a feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedFeed {
    /// The title the feed gives itself.
    pub title: Option<String>,
    /// Items the feed holds now (0 for a feed with none yet: still a feed).
    pub items: u64,
    /// Where a permanent redirect says the feed now lives.
    pub moved_to: Option<String>,
}

/// Fetches `url` once and reads it as a feed; the error says why it is not one, naming the URL
/// (without any password it carries).
pub fn check_feed(client: &Client, url: &str) -> Result<CheckedFeed, String> {
    let shown = without_credentials(url).into_owned();
    let response = client
        .get(url, &Conditional::default())
        .map_err(|error| format!("{shown}: {error}"))?;
    let mut items = 0;
    let mut refusal = None;
    parse_feed(
        &response.body,
        Location::new(shown.clone()),
        response.content_type.as_deref(),
        &mut |parsed| match parsed {
            Parsed::Item(_) => items += 1,
            Parsed::Rejected(error) => {
                refusal.get_or_insert(error);
            }
            // The feed parser never skips; only a folder walk does.
            Parsed::Warning(_) | Parsed::Skipped(_) => {}
        },
    );
    // A feed with some bad items is still a feed; one rejected whole is not.
    if let (0, Some(error)) = (items, refusal) {
        return Err(format!("{error} (subscribe anyway with --no-check)"));
    }
    Ok(CheckedFeed {
        title: feed_title(&response.body, response.content_type.as_deref()),
        items,
        moved_to: response.moved_to,
    })
}
