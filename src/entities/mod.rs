//! Entities and mentions: who, which organisations and which places an article names, and where.
//!
//! The extractor is pure and model-free: gazetteers shipped in `data/gazetteers/` (countries,
//! demonyms, places, organisations, outlets, given names, surnames, person titles and cue words;
//! see `data/README.md`) are embedded at compile time and matched with one Aho-Corasick pass;
//! capitalised spans the gazetteers miss are typed by cues (titles, organisation and place
//! suffixes, "in"/"at" before places, "X said") or by in-document coreference ("Kim" after
//! "Kim Jong Un"), and dropped when nothing types them. Every mention carries its offsets in
//! Unicode characters, its sentence, the method that found it and a confidence.
//!
//! Identity is the normalised key ([`entity_key`]): "Kim Jong-un", "Kim Jong Un" and
//! "KIM JONG UN" are one entity, within an article and across articles. User [`Corrections`]
//! (ignored surfaces, extra aliases, renames) are applied last, so re-extraction honours them.
//! Quality is scored against CoNLL gold files by [`conll`].

pub mod conll;
mod extract;
pub mod imported;
mod lexicon;
mod tokens;

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;

use lexicon::Lexicon;

/// Recorded in `meta.extractor_version` with the mentions it produced; bump it when the rules or
/// gazetteers change, so users know to run `newsdb reextract`. 2: the summary is read too.
/// 3: sports teams, results tables, companies by context (issue 14).
pub const EXTRACTOR_VERSION: &str = "3";

/// What an entity is. Stored as [`EntityKind::name`] in `entities.kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    Person,
    Organization,
    Location,
    Other,
}

impl EntityKind {
    pub const ALL: [EntityKind; 4] = [
        EntityKind::Person,
        EntityKind::Organization,
        EntityKind::Location,
        EntityKind::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Organization => "organization",
            EntityKind::Location => "location",
            EntityKind::Other => "other",
        }
    }

    pub fn from_name(name: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// The article field a mention is in. Stored as [`Field::name`] in `mentions.field`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Title,
    Summary,
    Body,
}

impl Field {
    /// In the order the extractor reads them.
    pub const ALL: [Field; 3] = [Field::Title, Field::Summary, Field::Body];

    pub fn name(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Summary => "summary",
            Field::Body => "body",
        }
    }

    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The fields of an article a reader sees, as the extractor reads them.
#[derive(Clone, Copy, Debug, Default)]
pub struct ArticleText<'t> {
    pub title: Option<&'t str>,
    /// The teaser, when the article has one besides its body.
    pub summary: Option<&'t str>,
    pub body: &'t str,
}

impl<'t> ArticleText<'t> {
    /// A text with a body only.
    pub fn body(body: &'t str) -> ArticleText<'t> {
        ArticleText {
            body,
            ..ArticleText::default()
        }
    }

    /// The text of `field`; an absent title or summary is empty.
    pub fn field(&self, field: Field) -> &'t str {
        match field {
            Field::Title => self.title.unwrap_or_default(),
            Field::Summary => self.summary.unwrap_or_default(),
            Field::Body => self.body,
        }
    }
}

/// How a mention was found. Stored as [`Method::name`] in `mentions.method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// The surface is in a gazetteer.
    Gazetteer,
    /// A capitalised span typed by a cue (title, suffix, preposition, given name, ...).
    Rule,
    /// Another surface with the same key as an entity found elsewhere in the article, or a user
    /// alias.
    Alias,
    /// A partial name or acronym that refers back to an entity in the same article.
    Coreference,
    /// Supplied by the input record (never produced by the extractor).
    Import,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Gazetteer => "gazetteer",
            Method::Rule => "rule",
            Method::Alias => "alias",
            Method::Coreference => "coreference",
            Method::Import => "import",
        }
    }

    pub fn from_name(name: &str) -> Option<Method> {
        [
            Method::Gazetteer,
            Method::Rule,
            Method::Alias,
            Method::Coreference,
            Method::Import,
        ]
        .into_iter()
        .find(|m| m.name() == name)
    }
}

/// One mention of an entity in a field of an article.
#[derive(Clone, Debug, PartialEq)]
pub struct Mention {
    pub field: Field,
    /// Offsets in Unicode characters: `substr(text, start + 1, end - start) == surface`.
    pub start: usize,
    pub end: usize,
    /// Sentence number within the field, from 0.
    pub sentence: u32,
    /// The text as written (an attached possessive "'s" included: "Kim's").
    pub surface: String,
    pub kind: EntityKind,
    /// Canonical entity name ("Kim Jong Un" for the surface "Kim").
    pub name: String,
    /// The entity's key: [`entity_key`] of its canonical name.
    pub key: String,
    pub method: Method,
    /// 0 to 1: how sure the method is.
    pub confidence: f32,
}

/// The normalised key that identifies an entity or alias: NFKC, lowercase, periods and
/// apostrophes dropped ("U.S." -> "us"), every other run of spaces, hyphens and punctuation one
/// space, a leading "the" dropped. "Kim Jong-un", "Kim Jong Un" and "KIM JONG UN" all give
/// "kim jong un". A possessive "'s" is not stripped here: see [`alias_key`].
pub fn entity_key(name: &str) -> String {
    // ASCII text is already in NFKC, and most names are ASCII: skip the normaliser for them.
    if name.is_ascii() {
        key_of_chars(name.chars(), name.len())
    } else {
        key_of_chars(name.nfkc(), name.len())
    }
}

fn key_of_chars(chars: impl Iterator<Item = char>, len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut pending_space = false;
    for c in chars {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else if matches!(c, '.' | '\'' | '’' | '‘' | 'ʼ') {
            // Joined, not separated: "U.S." is "us", "O'Brien" is "obrien".
        } else {
            pending_space = true;
        }
    }
    if out.starts_with("the ") {
        out.drain(..4);
    }
    out
}

/// The key of a surface as written: a trailing possessive ("Kim's", "Russia’s") stripped, then
/// [`entity_key`].
pub fn alias_key(surface: &str) -> String {
    entity_key(strip_possessive(surface))
}

pub(crate) fn strip_possessive(surface: &str) -> &str {
    for suffix in ["'s", "’s", "'S", "’S"] {
        if let Some(stem) = surface.strip_suffix(suffix)
            && !stem.is_empty()
        {
            return stem;
        }
    }
    surface
}

/// User corrections, applied last by [`Extractor::extract`] (the store loads them from
/// `entity_ignores`, user aliases and renames).
#[derive(Clone, Debug, Default)]
pub struct Corrections {
    /// Alias keys ([`alias_key`]) of surfaces that are never entities.
    pub ignored: HashSet<String>,
    /// Alias key -> the entity it names. Applies to surfaces as written and to entity keys, so
    /// merging entity A into B is an alias from A's key to B.
    pub aliases: HashMap<String, (EntityKind, String)>,
    /// (kind, entity key) -> canonical name to show instead of the extracted one.
    pub renames: HashMap<(EntityKind, String), String>,
}

impl Corrections {
    pub fn ignore(&mut self, surface: &str) {
        self.ignored.insert(alias_key(surface));
    }

    pub fn add_alias(&mut self, alias: &str, kind: EntityKind, canonical: &str) {
        self.aliases
            .insert(alias_key(alias), (kind, canonical.to_string()));
    }

    pub fn rename(&mut self, kind: EntityKind, key: &str, canonical: &str) {
        self.renames
            .insert((kind, key.to_string()), canonical.to_string());
    }

    fn is_empty(&self) -> bool {
        self.ignored.is_empty() && self.aliases.is_empty() && self.renames.is_empty()
    }
}

/// The entity extractor: compiled gazetteers plus the rules. Build once ([`Extractor::shared`])
/// and share across threads; `extract` takes `&self`.
pub struct Extractor {
    lexicon: Lexicon,
}

static SHARED: LazyLock<Extractor> = LazyLock::new(Extractor::new);

/// Source-list identifiers by (kind, entity key), built on first use.
static EXTERNAL_IDS: LazyLock<HashMap<(EntityKind, String), &'static str>> = LazyLock::new(|| {
    let mut ids = HashMap::new();
    for (kind, canonical, id) in lexicon::external_ids() {
        ids.entry((kind, entity_key(canonical))).or_insert(id);
    }
    ids
});

/// The identifier of the source list a gazetteer entity comes from (`iso3166:KP` for North
/// Korea, `geonames:1835848` for Seoul), by kind and [`entity_key`]; `None` for an entity no
/// list with identifiers names.
pub fn external_id(kind: EntityKind, key: &str) -> Option<&'static str> {
    EXTERNAL_IDS.get(&(kind, key.to_owned())).copied()
}

/// Bumped when the gazetteers' identifiers change, so stored entities get them again (each
/// backend records the version it filled in, in `meta.external_ids_version`).
pub const EXTERNAL_IDS_VERSION: &str = "1";

/// Every (kind, entity key, identifier) the gazetteers carry, to fill in stored entities.
pub fn external_ids() -> impl Iterator<Item = (EntityKind, &'static str, &'static str)> {
    EXTERNAL_IDS
        .iter()
        .map(|((kind, key), id)| (*kind, key.as_str(), *id))
}

impl Default for Extractor {
    fn default() -> Self {
        Extractor::new()
    }
}

impl Extractor {
    /// Compiles the embedded gazetteers (a few milliseconds).
    pub fn new() -> Extractor {
        Extractor {
            lexicon: Lexicon::build(),
        }
    }

    /// The process-wide extractor, built on first use.
    pub fn shared() -> &'static Extractor {
        &SHARED
    }

    /// Starts building [`Extractor::shared`] on another thread, so that an import opening its
    /// store meanwhile does not wait for the gazetteers first (a later `shared` waits for it).
    pub fn warm_up_shared() {
        std::thread::spawn(|| {
            Extractor::shared();
        });
    }

    /// Every mention in the title, summary and body, in that order, each in text order.
    pub fn extract(&self, text: ArticleText<'_>, corrections: &Corrections) -> Vec<Mention> {
        extract::extract(&self.lexicon, text, corrections)
            .into_iter()
            .map(|f| f.mention)
            .collect()
    }
}

#[cfg(test)]
mod tests;
