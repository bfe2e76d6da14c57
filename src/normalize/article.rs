//! The normalised article: what the store writes, whatever format it came from.

use crate::item::{Format, ImportedEntity, Location};
use crate::normalize::hash::ContentHash;
use crate::raw_codec::{self, RawCodec};

/// An outlet (publisher or credited source), with its normalised identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceName {
    pub name: String,
    /// `sources.key`: lowercase, NFKC, leading "the " dropped, punctuation and spaces collapsed.
    pub key: String,
    pub home_url: Option<String>,
    /// Canonical domain (`koreaherald.com`), a second identity.
    pub domain: Option<String>,
}

/// A credited person, in byline order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    /// `authors.key`: lowercase, NFKC, punctuation and spaces collapsed.
    pub key: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrlKind {
    Url,
    Guid,
}

impl UrlKind {
    pub fn name(self) -> &'static str {
        match self {
            UrlKind::Url => "url",
            UrlKind::Guid => "guid",
        }
    }
}

/// One article after normalisation, ready to be stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Article {
    pub hash: ContentHash,
    pub title: Option<String>,
    /// Clean text, paragraphs separated by one blank line.
    pub body: String,
    pub summary: Option<String>,
    /// Canonical URL (see `normalize::url`).
    pub url: Option<String>,
    /// GUID as given.
    pub guid: Option<String>,
    pub language: Option<String>,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`; None when unknown, unparseable or more than a day ahead.
    pub published_at: Option<String>,
    pub published_raw: Option<String>,
    pub word_count: u32,
    pub publisher: Option<SourceName>,
    /// Outlets named in a credit line, in order.
    pub credits: Vec<SourceName>,
    pub authors: Vec<Person>,
    pub categories: Vec<String>,
    pub entities: Vec<ImportedEntity>,
    pub format: Format,
    pub location: Location,
    /// The item's original bytes, stored with `raw_codec` (the import compresses them on its
    /// normaliser threads; see `raw_codec`).
    pub raw: Vec<u8>,
    pub raw_codec: RawCodec,
    /// What the import should report about this item although it was kept (HTML read flat).
    pub warnings: Vec<String>,
}

impl Article {
    /// Compresses the raw copy for storage, once, with the article's own text as dictionary
    /// (`zstd-article`; a tiny item stays as it is).
    pub fn compress_raw(&mut self) {
        if self.raw_codec == RawCodec::Identity {
            let dictionary = raw_codec::article_dictionary(self.title.as_deref(), &self.body);
            let (codec, bytes) =
                raw_codec::encode_for_article(std::mem::take(&mut self.raw), &dictionary);
            self.raw_codec = codec;
            self.raw = bytes;
        }
    }

    /// The URLs and GUIDs this article is known under, for `article_urls`.
    pub fn identifiers(&self) -> impl Iterator<Item = (UrlKind, &str)> {
        self.url
            .as_deref()
            .map(|url| (UrlKind::Url, url))
            .into_iter()
            .chain(self.guid.as_deref().map(|guid| (UrlKind::Guid, guid)))
    }
}
