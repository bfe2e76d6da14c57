//! The gazetteers and cue lists, embedded from `data/gazetteers/` and compiled once.
//!
//! Every multi-word surface (entity names, aliases, demonyms, person titles) goes into one
//! Aho-Corasick automaton searched once over the text; single-word cues (given names, suffixes,
//! prepositions) are hash-set lookups done only at the edges of capitalised runs. The file
//! formats are described in `data/README.md`.

use rustc_hash::{FxHashMap, FxHashSet};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::{EntityKind, entity_key};

const COUNTRIES: &str = include_str!("../../data/gazetteers/countries.tsv");
const DEMONYMS: &str = include_str!("../../data/gazetteers/demonyms.tsv");
const PLACES: &str = include_str!("../../data/gazetteers/places.tsv");
const ORGANIZATIONS: &str = include_str!("../../data/gazetteers/organizations.tsv");
const OUTLETS: &str = include_str!("../../data/gazetteers/outlets.tsv");
const GIVEN_NAMES: &str = include_str!("../../data/gazetteers/given_names.txt");
const SURNAMES: &str = include_str!("../../data/gazetteers/surnames.txt");
const CUES: &str = include_str!("../../data/gazetteers/cues.tsv");

/// What a gazetteer surface is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// A named entity: country, place, organisation or outlet.
    Entity,
    /// An adjective that refers to a country ("North Korean").
    Demonym,
    /// A person title ("Defense Minister"); never an entity itself.
    Title,
}

/// One gazetteer surface: its class, and for entities and demonyms the entity it names.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    pub class: Class,
    pub kind: EntityKind,
    /// Index into [`Lexicon::names`].
    pub name: u32,
    /// From a curated or country list, not the long tail of cities (which holds words such as
    /// "Surprise" or "Mobile").
    pub major: bool,
}

/// Compiled gazetteers and cue sets. Immutable once built, so shared freely across threads.
pub(crate) struct Lexicon {
    pub automaton: AhoCorasick,
    /// Pattern id -> entry.
    pub entries: Vec<Entry>,
    /// Canonical names, indexed by [`Entry::name`].
    pub names: Vec<&'static str>,
    /// Entity key of any entity surface -> entry, for case-insensitive look-ups (all-caps text).
    pub by_key: FxHashMap<String, Entry>,
    pub given: FxHashSet<&'static str>,
    pub surnames: FxHashSet<&'static str>,
    pub roles: FxHashSet<&'static str>,
    pub org_suffix: FxHashSet<&'static str>,
    pub org_head: FxHashSet<&'static str>,
    pub place_suffix: FxHashSet<&'static str>,
    pub place_head: FxHashSet<&'static str>,
    pub place_prep: FxHashSet<&'static str>,
    pub place_of: FxHashSet<&'static str>,
    pub misc_suffix: FxHashSet<&'static str>,
    pub person_verb: FxHashSet<&'static str>,
    pub stop: FxHashSet<&'static str>,
    pub sport_word: FxHashSet<&'static str>,
    pub team_role: FxHashSet<&'static str>,
    pub team_verb: FxHashSet<&'static str>,
    pub team_before: FxHashSet<&'static str>,
    pub club_prefix: FxHashSet<&'static str>,
    pub club_suffix: FxHashSet<&'static str>,
    pub company_after: FxHashSet<&'static str>,
    pub legal_suffix: FxHashSet<&'static str>,
    pub company_before: FxHashSet<&'static str>,
    pub company_verb: FxHashSet<&'static str>,
    pub hyphen_adjective: FxHashSet<&'static str>,
    pub common_acronym: FxHashSet<&'static str>,
    pub place_after: FxHashSet<&'static str>,
}

/// Lines of a data file without comments and blank lines.
fn data_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
}

/// `canonical<TAB>alias|alias[<TAB>id]` lines: the canonical name and every surface (itself
/// included). The optional third column is read by [`external_ids`].
fn tsv_entries(text: &'static str) -> impl Iterator<Item = (&'static str, Vec<&'static str>)> {
    data_lines(text).map(|line| {
        let (canonical, rest) = line.split_once('\t').unwrap_or((line, ""));
        let aliases = rest.split('\t').next().unwrap_or("");
        let canonical = canonical.trim();
        let mut surfaces = vec![canonical];
        surfaces.extend(aliases.split('|').map(str::trim).filter(|a| !a.is_empty()));
        (canonical, surfaces)
    })
}

/// The identifiers the source lists give their entities (`iso3166:KP`, `geonames:1835848`):
/// kind, canonical name and id, from the third column of the gazetteers that have one, in the
/// order [`Lexicon::build`] loads them (the first to name an entity wins).
pub(crate) fn external_ids() -> impl Iterator<Item = (EntityKind, &'static str, &'static str)> {
    [
        (ORGANIZATIONS, EntityKind::Organization),
        (COUNTRIES, EntityKind::Location),
        (PLACES, EntityKind::Location),
    ]
    .into_iter()
    .flat_map(|(text, kind)| {
        data_lines(text).filter_map(move |line| {
            let mut columns = line.split('\t');
            let canonical = columns.next()?.trim();
            let id = columns.nth(1)?.trim();
            (!id.is_empty()).then_some((kind, canonical, id))
        })
    })
}

#[derive(Default)]
struct Builder {
    patterns: Vec<&'static str>,
    entries: Vec<Entry>,
    index: FxHashMap<&'static str, usize>,
    names: Vec<&'static str>,
    name_ids: FxHashMap<&'static str, u32>,
    by_key: FxHashMap<String, Entry>,
}

impl Builder {
    fn name_id(&mut self, name: &'static str) -> u32 {
        if let Some(&id) = self.name_ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name);
        self.name_ids.insert(name, id);
        id
    }

    /// Adds a surface; the first file that claims a surface keeps it, so load order is priority.
    fn add(
        &mut self,
        surface: &'static str,
        class: Class,
        kind: EntityKind,
        canonical: &'static str,
        major: bool,
    ) {
        if self.index.contains_key(surface) {
            return;
        }
        let entry = Entry {
            class,
            kind,
            name: self.name_id(canonical),
            major,
        };
        self.index.insert(surface, self.patterns.len());
        self.patterns.push(surface);
        self.entries.push(entry);
        if class != Class::Title {
            self.by_key.entry(entity_key(surface)).or_insert(entry);
        }
    }

    fn add_file(&mut self, text: &'static str, class: Class, kind: EntityKind, major: bool) {
        for (canonical, surfaces) in tsv_entries(text) {
            for s in surfaces {
                self.add(s, class, kind, canonical, major);
            }
        }
    }
}

impl Lexicon {
    pub fn build() -> Lexicon {
        let mut b = Builder::default();
        // Priority: organisations and outlets first ("Congress", "Fox"), then countries,
        // demonyms, places; titles last so "General Motors" stays a company.
        b.add_file(ORGANIZATIONS, Class::Entity, EntityKind::Organization, true);
        b.add_file(OUTLETS, Class::Entity, EntityKind::Organization, true);
        b.add_file(COUNTRIES, Class::Entity, EntityKind::Location, true);
        for (country, demonyms) in tsv_entries(DEMONYMS) {
            for d in demonyms.into_iter().skip(1) {
                b.add(d, Class::Demonym, EntityKind::Location, country, true);
            }
        }
        b.add_file(PLACES, Class::Entity, EntityKind::Location, false);

        let mut cues: FxHashMap<&str, FxHashSet<&'static str>> = FxHashMap::default();
        for line in data_lines(CUES) {
            if let Some((cat, word)) = line.split_once('\t') {
                cues.entry(cat).or_default().insert(word.trim());
            }
        }
        let mut take = |cat: &str| cues.remove(cat).unwrap_or_default();
        let titles = take("title");
        for t in &titles {
            b.add(t, Class::Title, EntityKind::Person, t, true);
        }
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&b.patterns)
            .expect("gazetteer automaton builds");
        Lexicon {
            automaton,
            entries: b.entries,
            names: b.names,
            by_key: b.by_key,
            given: data_lines(GIVEN_NAMES).map(str::trim).collect(),
            surnames: data_lines(SURNAMES).map(str::trim).collect(),
            roles: take("role"),
            org_suffix: take("org_suffix"),
            org_head: take("org_head"),
            place_suffix: take("place_suffix"),
            place_head: take("place_head"),
            place_prep: take("place_prep"),
            place_of: take("place_of"),
            misc_suffix: take("misc_suffix"),
            person_verb: take("person_verb"),
            stop: take("stop"),
            sport_word: take("sport_word"),
            team_role: take("team_role"),
            team_verb: take("team_verb"),
            team_before: take("team_before"),
            club_prefix: take("club_prefix"),
            club_suffix: take("club_suffix"),
            company_after: take("company_after"),
            legal_suffix: take("legal_suffix"),
            company_before: take("company_before"),
            company_verb: take("company_verb"),
            hyphen_adjective: take("hyphen_adjective"),
            common_acronym: take("common_acronym"),
            place_after: take("place_after"),
        }
    }

    pub fn name(&self, entry: Entry) -> &'static str {
        self.names[entry.name as usize]
    }
}
