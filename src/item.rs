//! What parsers hand to the normaliser: raw items that remember where they came from, and errors
//! located the same way, so that a bad record becomes `PATH:LINE: reason` and the run goes on.

use std::fmt;

/// An input format newsdb can read. Detected from content (see `import::detect`) or forced with
/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Plain scraped text: a title line, then the body.
    Text,
    /// One JSON object, or an array of objects.
    Json,
    /// One JSON object per line.
    JsonLines,
    /// RSS 0.9x/1.0/2.0, Atom or JSON Feed.
    Feed,
    /// A saved HTML article page.
    Html,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Text,
        Format::Json,
        Format::JsonLines,
        Format::Feed,
        Format::Html,
    ];

    /// The name used on the command line and stored in `article_raw.format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::JsonLines => "jsonl",
            Format::Feed => "feed",
            Format::Html => "html",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "text" | "txt" => Some(Format::Text),
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" | "json-lines" | "jsonlines" => Some(Format::JsonLines),
            "feed" | "rss" | "atom" | "jsonfeed" => Some(Format::Feed),
            "html" | "htm" => Some(Format::Html),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where something was read: a file path or URL, and within it a line (1-based), a column, or an
/// item label such as `item 3` or a JSON pointer `/2`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    pub origin: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub item: Option<String>,
}

impl Location {
    pub fn new(origin: impl Into<String>) -> Location {
        Location {
            origin: origin.into(),
            ..Location::default()
        }
    }

    pub fn at_line(&self, line: u64) -> Location {
        Location {
            origin: self.origin.clone(),
            line: Some(line),
            column: None,
            item: None,
        }
    }

    pub fn with_column(mut self, column: u64) -> Location {
        self.column = Some(column);
        self
    }

    pub fn with_item(mut self, item: impl Into<String>) -> Location {
        self.item = Some(item.into());
        self
    }

    /// The part after the origin, as stored in `sightings.locator` and `import_rejects.locator`:
    /// `12`, `12:5`, `item 3`, or `12 (item 3)`.
    pub fn locator(&self) -> Option<String> {
        let position = match (self.line, self.column) {
            (Some(line), Some(column)) => Some(format!("{line}:{column}")),
            (Some(line), None) => Some(line.to_string()),
            _ => None,
        };
        match (position, &self.item) {
            (Some(position), Some(item)) => Some(format!("{position} ({item})")),
            (Some(position), None) => Some(position),
            (None, Some(item)) => Some(item.clone()),
            (None, None) => None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(item) = &self.item {
            write!(f, " ({item})")?;
        }
        Ok(())
    }
}

/// How an item's body is marked up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Markup {
    /// Plain text: kept as written (paragraphs separated by blank lines).
    Text,
    /// HTML: turned into text by the normaliser.
    Html,
    /// Not known (a JSON `body` field): HTML if it looks like HTML.
    #[default]
    Detect,
}

/// An entity annotation carried by an imported record (method `import`).
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedEntity {
    pub name: String,
    pub kind: String,
    pub mentions: Vec<ImportedMention>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedMention {
    pub field: String,
    pub start: usize,
    pub end: usize,
}

/// One article as a parser found it, before normalisation. Every field is as seen in the input.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawItem {
    pub location: Location,
    pub format: Option<Format>,
    /// The item's original bytes (the text file, the JSON object or line, the feed item, the page).
    pub raw: Vec<u8>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub body_markup: Markup,
    pub summary: Option<String>,
    pub url: Option<String>,
    pub guid: Option<String>,
    /// Publisher name, as the record or feed gives it.
    pub source: Option<String>,
    /// Publisher home page (a feed's link).
    pub source_url: Option<String>,
    pub authors: Vec<String>,
    /// The date string as seen; the normaliser parses it.
    pub published: Option<String>,
    pub language: Option<String>,
    pub categories: Vec<String>,
    pub entities: Vec<ImportedEntity>,
}

/// A located reason why an input, or one item in it, was not imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    pub location: Location,
    pub reason: String,
}

impl ImportError {
    pub fn new(location: Location, reason: impl Into<String>) -> ImportError {
        ImportError {
            location,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.reason)
    }
}

impl std::error::Error for ImportError {}

/// What a parser emits, in input order.
#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    Item(Box<RawItem>),
    /// This item (or the whole input) is skipped; recorded in `import_rejects`.
    Rejected(ImportError),
    /// Read, but with a problem worth telling (e.g. invalid UTF-8 decoded by fallback).
    Warning(ImportError),
    /// A file found in a folder that is not an article (a licence, source code, a JSON file of
    /// settings): not imported, not a reject, counted by reason.
    Skipped(Skipped),
}

/// A file left out of a folder import, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub location: Location,
    pub reason: SkipReason,
}

/// Why a file found in a folder was not imported. `--include` overrides all but `Excluded`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// Matched by `--exclude`, or not matched by any `--include`.
    Excluded,
    /// LICENSE, COPYING, README, CHANGELOG, NOTICE, AUTHORS, CONTRIBUTING (any case, any extension).
    LicenceOrReadme,
    /// Source code, styles, spreadsheets and configuration, by extension or by shape.
    CodeOrData,
    /// Images, audio, video, archives, office documents: by extension.
    Media,
    /// JSON whose first record has no article field (body, content, text, url, link).
    JsonNotArticles,
    /// Plain text with no line that reads like prose.
    TextNotArticle,
    /// HTML that starts with a `<div>` or `<article>`, not a page: an extract made by a tool.
    HtmlFragment,
}

impl SkipReason {
    pub const ALL: [SkipReason; 7] = [
        SkipReason::Excluded,
        SkipReason::LicenceOrReadme,
        SkipReason::CodeOrData,
        SkipReason::Media,
        SkipReason::JsonNotArticles,
        SkipReason::TextNotArticle,
        SkipReason::HtmlFragment,
    ];

    /// The key in the `--json` summary.
    pub fn key(self) -> &'static str {
        match self {
            SkipReason::Excluded => "excluded",
            SkipReason::LicenceOrReadme => "licence_or_readme",
            SkipReason::CodeOrData => "code_or_data",
            SkipReason::Media => "media",
            SkipReason::JsonNotArticles => "json_not_articles",
            SkipReason::TextNotArticle => "text_not_article",
            SkipReason::HtmlFragment => "html_fragment",
        }
    }

    /// In words, for messages and the summary line.
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::Excluded => "excluded by --include/--exclude",
            SkipReason::LicenceOrReadme => "licence or readme",
            SkipReason::CodeOrData => "source code or data",
            SkipReason::Media => "media or archive",
            SkipReason::JsonNotArticles => "JSON without article fields",
            SkipReason::TextNotArticle => "text that does not read like an article",
            SkipReason::HtmlFragment => "HTML fragment, not a page",
        }
    }

    /// Found only by reading the file: worth a warning, since the user may have expected it.
    pub fn is_by_content(self) -> bool {
        matches!(
            self,
            SkipReason::JsonNotArticles | SkipReason::TextNotArticle | SkipReason::HtmlFragment
        )
    }
}
