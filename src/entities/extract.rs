//! The extraction passes over one article.
//!
//! 1. Tokenise each field and find gazetteer matches (one Aho-Corasick pass per field).
//! 2. Group capitalised words and gazetteer matches into runs ("White House National Security
//!    Adviser Jake Sullivan"), joined by name connectors ("Bank of Korea").
//! 3. Type each run: user alias, title split, whole-run gazetteer, organisation and place
//!    suffixes and heads, given name first, then context cues around it (role nouns before,
//!    "said" after, "in"/"at" before). A run nothing types is kept aside, not guessed.
//! 4. Resolve the runs kept aside against the article's own entities: the same key elsewhere
//!    (alias) or a partial name or acronym (coreference). The rest is dropped.
//! 5. Apply the user's corrections and build the mentions.
//!
//! Precision matters more than recall here: a wrong entity pollutes every query on it, while a
//! missed mention in one article costs little.

mod news;
#[cfg(test)]
mod tests;

use rustc_hash::{FxHashMap, FxHashSet};

use super::lexicon::{Class, Entry, Lexicon};
use super::tokens::{
    ALLCAPS, ATTACHED, CAP, DIGIT, LINE_START, LOWER, POSSESSIVE, SENT_START, Token, WORD, tokenize,
};
use super::{ArticleText, Corrections, EntityKind, Field, Mention, Method, alias_key, entity_key};

/// A mention plus what only the scorer needs: demonyms ("North Korean") are mentions of the
/// country but adjectives, which CoNLL annotates as MISC.
pub(crate) struct Found {
    pub mention: Mention,
    pub adjectival: bool,
}

/// Words that join the parts of one name: "Bank of Korea", "Ludwig van Beethoven".
const CONNECTORS: &[&str] = &[
    "of", "de", "du", "da", "del", "della", "di", "von", "van", "der", "den", "la", "le", "al",
    "bin", "ibn", "&",
];

/// A party member after a place names the place: "a Virginia Democrat".
const PARTY_MEMBERS: &[&str] = &["Democrat", "Democrats", "Republican", "Republicans"];

struct FieldText<'t> {
    field: Field,
    text: &'t str,
    tokens: Vec<Token>,
    /// For a token that starts a gazetteer match: (end token, exclusive; entry).
    gaz: Vec<Option<(u32, Entry)>>,
    /// A Title Case or all-caps headline: capitals say nothing, so only gazetteer and
    /// in-article matches count.
    headline: bool,
    /// Per sentence: does it read as a sports report (see [`news`])?
    sports: Vec<bool>,
}

#[derive(Clone, Copy, Debug)]
struct Unit {
    start: u32,
    end: u32,
    gaz: Option<Entry>,
}

/// A capitalised run: units `units[a..b]` of field `f`.
#[derive(Clone, Copy, Debug)]
struct Run {
    f: usize,
    a: usize,
    b: usize,
}

#[derive(Clone, Debug)]
enum Name {
    /// A gazetteer canonical name.
    Static(&'static str),
    /// The span itself, as written (spaces normalised).
    Surface,
    Owned(String),
}

#[derive(Clone, Debug)]
struct Span {
    f: usize,
    /// Token range.
    start: u32,
    end: u32,
    kind: EntityKind,
    name: Name,
    method: Method,
    confidence: f32,
    adjectival: bool,
    /// Typed by a weak context cue only: an in-article match overrides it.
    weak: bool,
}

impl Span {
    /// A span of tokens `start..end` of field `f`, neither adjectival nor weak.
    fn new(
        (f, start, end): (usize, u32, u32),
        kind: EntityKind,
        name: Name,
        method: Method,
        confidence: f32,
    ) -> Span {
        Span {
            f,
            start,
            end,
            kind,
            name,
            method,
            confidence,
            adjectival: false,
            weak: false,
        }
    }
}

pub(crate) fn extract(
    lex: &Lexicon,
    text: ArticleText<'_>,
    corrections: &Corrections,
) -> Vec<Found> {
    // One context for all fields: a name found in the body also resolves "Kim" in the title.
    let fields: Vec<FieldText<'_>> = Field::ALL
        .into_iter()
        .map(|field| (field, text.field(field)))
        .filter(|&(field, text)| field == Field::Body || !text.trim().is_empty())
        .map(|(field, text)| prepare(lex, field, text))
        .collect();

    let mut ctx = Ctx {
        lex,
        fields: &fields,
        corrections,
        units: Vec::new(),
        maybe_surnames: Vec::new(),
    };
    let runs = ctx.runs();
    let mut spans = Vec::new();
    let mut pending = Vec::new();
    for run in runs {
        ctx.type_run(run, &mut spans, &mut pending);
    }
    ctx.join_nicknames(&mut spans, &mut pending);
    ctx.resolve_pending(&mut spans, &pending);
    spans.sort_by_key(|s| (s.f, s.start));
    ctx.mentions(spans)
}

fn prepare<'t>(lex: &Lexicon, field: Field, text: &'t str) -> FieldText<'t> {
    let mut tokens = Vec::new();
    tokenize(text, &mut tokens);
    let mut gaz = vec![None; tokens.len()];
    let mut i = 0usize;
    for m in lex.automaton.find_iter(text) {
        let (ms, me) = (m.start() as u32, m.end() as u32);
        while i < tokens.len() && tokens[i].start < ms {
            i += 1;
        }
        if i >= tokens.len() {
            break;
        }
        if tokens[i].start != ms || tokens[i].has(LOWER) {
            continue;
        }
        let mut j = i;
        while j < tokens.len() && tokens[j].end < me {
            j += 1;
        }
        if j < tokens.len() && tokens[j].end == me {
            gaz[i] = Some(((j + 1) as u32, lex.entries[m.pattern().as_usize()]));
        }
    }
    let headline = field == Field::Title && is_headline(&tokens, text);
    let sports = news::sports_sentences(lex, &tokens, text);
    FieldText {
        field,
        text,
        tokens,
        gaz,
        headline,
        sports,
    }
}

/// Title Case or all caps: most longer words capitalised.
fn is_headline(tokens: &[Token], text: &str) -> bool {
    let (mut long, mut caps) = (0, 0);
    for t in tokens
        .iter()
        .filter(|t| t.has(WORD) && t.end - t.start >= 4)
    {
        long += 1;
        if t.has(CAP) {
            caps += 1;
        }
    }
    let _ = text;
    long >= 3 && caps * 10 >= long * 7
}

struct Ctx<'a, 't> {
    lex: &'a Lexicon,
    fields: &'a [FieldText<'t>],
    corrections: &'a Corrections,
    units: Vec<Unit>,
    /// One-word runs that read as common words ("Player", a role noun; a sentence-initial word
    /// also written lowercase): kept only if they are the surname of a person in the article.
    maybe_surnames: Vec<Run>,
}

impl<'t> Ctx<'_, 't> {
    fn tok(&self, f: usize, i: u32) -> &Token {
        &self.fields[f].tokens[i as usize]
    }

    fn word(&self, f: usize, i: u32) -> &'t str {
        let ft = &self.fields[f];
        ft.tokens[i as usize].text(ft.text)
    }

    /// Whether a capitalised sentence-initial word is a common word written lowercase elsewhere.
    fn seen_lowercase(&self, word: &str) -> bool {
        self.written_in_lowercase(word, false)
    }

    /// Whether the article writes `word` in lowercase in running text: a word standing apart,
    /// not part of a web address or an identifier ("twitter.com", "github.com/microsoft").
    fn written_as_word(&self, word: &str) -> bool {
        self.written_in_lowercase(word, true)
    }

    /// Whether some token of the article is `word` in lowercase (outside addresses if
    /// `prose_only`). A scan, not a set: asked a few times an article, it allocates nothing per
    /// token.
    fn written_in_lowercase(&self, word: &str, prose_only: bool) -> bool {
        let lower = word.to_lowercase();
        self.fields.iter().any(|ft| {
            let tokens = &ft.tokens;
            // A separator glued to words on both sides: "twitter.com", "a/microsoft".
            let joins = |k: usize| {
                tokens.get(k).is_some_and(|sep| {
                    sep.has(ATTACHED)
                        && matches!(sep.text(ft.text), "." | "/" | "@" | "_" | "=" | "#" | ":")
                        && tokens.get(k + 1).is_some_and(|next| next.has(ATTACHED))
                })
            };
            tokens.iter().enumerate().any(|(i, t)| {
                t.has(LOWER)
                    && t.text(ft.text) == lower
                    && !(prose_only && (joins(i + 1) || (i > 0 && t.has(ATTACHED) && joins(i - 1))))
            })
        })
    }

    /// A one-word gazetteer name where capitals say nothing (opening a sentence or a line, or in a
    /// Title Case headline) that the article also writes in lowercase: the word ("Time to
    /// change that.", "Turkey Bacon" in a headline), not the magazine or the country.
    fn common_word_unit(&self, f: usize, u: Unit) -> bool {
        if u.end != u.start + 1 || u.gaz.is_none_or(|e| e.class != Class::Entity) {
            return false;
        }
        let t = self.tok(f, u.start);
        let capitals_say_nothing =
            t.has(SENT_START) || t.has(LINE_START) || self.fields[f].headline;
        capitals_say_nothing && !t.has(ALLCAPS) && self.written_as_word(self.word(f, u.start))
    }

    /// Can this token be part of a name?
    fn namey(&self, f: usize, i: u32) -> bool {
        let t = self.tok(f, i);
        if !t.has(WORD) || !(t.has(CAP) || t.has(ALLCAPS)) {
            return false;
        }
        let w = self.word(f, i);
        if self.lex.stop.contains(w) {
            // Mid-sentence "The" belongs to names like "The Beatles".
            return w == "The" && !t.has(SENT_START) && !t.has(LINE_START);
        }
        // "Amazon-owned Whole Foods", "Pakistan-based developer": an adjective, not a name word.
        if w.rsplit_once('-')
            .is_some_and(|(_, tail)| self.lex.hyphen_adjective.contains(tail))
        {
            return false;
        }
        // "We’re", "They'll", "Don’t": a contraction opening a sentence.
        !is_contraction(w) && !self.in_identifier(f, i)
    }

    /// Whether the word is glued to another by "_", a part of a code identifier
    /// ("FORTIFY_SOURCE", "MAX_PATH"), not a word of a name.
    fn in_identifier(&self, f: usize, i: u32) -> bool {
        let ft = &self.fields[f];
        let i = i as usize;
        let underscore = |k: usize| ft.tokens.get(k).is_some_and(|t| t.text(ft.text) == "_");
        (underscore(i + 1) && ft.tokens[i + 1].has(ATTACHED))
            || (i > 0 && ft.tokens[i].has(ATTACHED) && underscore(i - 1))
    }

    /// Groups every field's tokens into runs of name units.
    fn runs(&mut self) -> Vec<Run> {
        let mut runs = Vec::new();
        for f in 0..self.fields.len() {
            let n = self.fields[f].tokens.len() as u32;
            let mut i = 0u32;
            while i < n {
                let a = self.units.len();
                let mut j = i;
                loop {
                    if j >= n {
                        break;
                    }
                    let sentence = self.tok(f, i).sentence;
                    if self.tok(f, j).sentence != sentence {
                        break;
                    }
                    if let Some((end, entry)) = self.fields[f].gaz[j as usize] {
                        self.units.push(Unit {
                            start: j,
                            end,
                            gaz: Some(entry),
                        });
                        j = end;
                    } else if self.namey(f, j) || self.club_suffix_at(f, j, a) {
                        self.units.push(Unit {
                            start: j,
                            end: j + 1,
                            gaz: None,
                        });
                        j += 1;
                    } else if self.units.len() > a && self.connector_at(f, j, n) {
                        j += if self.word(f, j) == "of" && self.word(f, j + 1) == "the" {
                            2
                        } else {
                            1
                        };
                        continue;
                    } else {
                        break;
                    }
                }
                if self.units.len() > a {
                    runs.push(Run {
                        f,
                        a,
                        b: self.units.len(),
                    });
                    i = j;
                } else {
                    i += 1;
                }
            }
        }
        runs
    }

    /// A connector between two name units. "of" joins only after a head or suffix word
    /// ("Bank of Korea", "Diocese of Sioux City"), so "IV Corps of the Army" stays two names.
    fn connector_at(&self, f: usize, j: u32, n: u32) -> bool {
        let w = self.word(f, j);
        if !CONNECTORS.contains(&w) || j == 0 {
            return false;
        }
        if w == "of" {
            let before = self.word(f, j - 1);
            let lex = self.lex;
            let head = lex.org_head.contains(before)
                || lex.org_suffix.contains(before)
                || lex.place_head.contains(before)
                || lex.place_suffix.contains(before)
                || lex.misc_suffix.contains(before);
            if !head {
                return false;
            }
        }
        let mut k = j + 1;
        if w == "of" && k < n && self.word(f, k) == "the" {
            k += 1;
        }
        k < n && (self.fields[f].gaz[k as usize].is_some() || self.namey(f, k))
    }

    fn unit_text(&self, f: usize, u: Unit) -> &'t str {
        let ft = &self.fields[f];
        &ft.text
            [ft.tokens[u.start as usize].start as usize..ft.tokens[u.end as usize - 1].end as usize]
    }

    fn span_text(&self, f: usize, start: u32, end: u32) -> &'t str {
        let ft = &self.fields[f];
        &ft.text[ft.tokens[start as usize].start as usize..ft.tokens[end as usize - 1].end as usize]
    }

    fn type_run(&mut self, run: Run, spans: &mut Vec<Span>, pending: &mut Vec<Run>) {
        let Run { f, mut a, b } = run;
        // Sentence-initial capitals say nothing: drop a leading common word ("Last", "Both",
        // "Government"), known because it is a stop word or written lowercase elsewhere.
        let first = self.units[a];
        if self.common_word_unit(f, first) {
            a += 1;
        } else if first.gaz.is_none() && self.tok(f, first.start).has(SENT_START) {
            let w = self.word(f, first.start);
            if self.lex.stop.contains(w) {
                a += 1;
            } else if !self.lex.given.contains(w) && self.seen_lowercase(w) {
                if b - a == 1 {
                    self.maybe_surnames.push(Run { f, a, b });
                }
                a += 1;
            }
        }
        // Mid-sentence "The" opens organisation names but not places: "The Kremlin" is Kremlin.
        if a < b && self.units[a].gaz.is_none() && self.word(f, self.units[a].start) == "The" {
            let rest_is_gaz = b - a == 2 && self.units[a + 1].gaz.is_some();
            if rest_is_gaz || b - a == 1 {
                a += 1;
            }
        }
        if a >= b {
            return;
        }
        self.type_units(Run { f, a, b }, spans, pending);
    }

    fn type_units(&mut self, run: Run, spans: &mut Vec<Span>, pending: &mut Vec<Run>) {
        let Run { f, a, b } = run;
        if a >= b {
            return;
        }
        let units = &self.units[a..b];
        let start = units[0].start;
        let end = units[b - a - 1].end;
        let headline = self.fields[f].headline;
        let span = |kind, name, method, confidence| {
            Span::new((f, start, end), kind, name, method, confidence)
        };
        // One gazetteer unit of the run, standing alone.
        let lex = self.lex;
        let gazetteer_unit = |u: &Unit, e: Entry| Span {
            start: u.start,
            end: u.end,
            adjectival: e.class == Class::Demonym,
            ..span(e.kind, Name::Static(lex.name(e)), Method::Gazetteer, 0.85)
        };
        let text = self.span_text(f, start, end);

        // User aliases and ignores come first.
        if !self.corrections.is_empty() {
            let key = alias_key(text);
            if self.corrections.ignored.contains(&key) {
                return;
            }
            if let Some((kind, name)) = self.corrections.aliases.get(&key) {
                spans.push(span(*kind, Name::Owned(name.clone()), Method::Alias, 1.0));
                return;
            }
        }

        // A person title splits the run: what follows it is a person ("President Vladimir
        // Putin"), what precedes it is typed on its own ("White House").
        let is_title = |ctx: &Self, i: usize, u: &Unit| {
            u.gaz.is_some_and(|e| e.class == Class::Title)
                || (i == 0
                    && u.gaz.is_none()
                    && ctx
                        .lex
                        .roles
                        .contains(ctx.word(f, u.start).to_lowercase().as_str()))
        };
        if let Some(k) = units
            .iter()
            .enumerate()
            .position(|(i, u)| is_title(self, i, u))
        {
            // "Player" alone: a role noun, or the surname of "Ben Player" met earlier.
            if b - a == 1 && units[0].gaz.is_none() && !headline {
                self.maybe_surnames.push(run);
                return;
            }
            let title_end = units[k].end;
            self.type_units(Run { f, a, b: a + k }, spans, pending);
            if a + k + 1 < b {
                let rest = Run { f, a: a + k + 1, b };
                let next = self.units[a + k + 1];
                let follows_directly = next.start == title_end;
                if follows_directly && next.gaz.is_none() && !headline {
                    let rs = next.start;
                    let re = self.units[b - 1].end;
                    if let Some(s) = self.suffix_type(f, rs, re) {
                        spans.push(Span {
                            start: rs,
                            end: re,
                            ..span(s.0, Name::Surface, Method::Rule, s.1)
                        });
                    } else {
                        spans.push(Span {
                            start: rs,
                            end: re,
                            ..span(EntityKind::Person, Name::Surface, Method::Rule, 0.85)
                        });
                    }
                } else {
                    self.type_units(rest, spans, pending);
                }
            }
            return;
        }

        // "Liverpool Manager Jurgen Klopp", "AP Technology Writer Barbara Ortutay": a role noun
        // inside the run, then a full name, splits it like a title. What precedes it keeps only
        // its gazetteer names: the rest is often the title's own words ("Assistant District
        // Attorney Janice Steidley").
        if !headline
            && let Some(k) = (1..units.len().saturating_sub(2)).find(|&k| {
                let u = units[k];
                u.gaz.is_none()
                    && u.end == u.start + 1
                    && self
                        .lex
                        .roles
                        .contains(self.word(f, u.start).to_lowercase().as_str())
                    && units[units.len() - 1].end - units[k + 1].start <= 3
                    && self.person_shaped(f, &units[k + 1..])
            })
        {
            for u in &units[..k] {
                if let Some(e) = u.gaz {
                    spans.push(gazetteer_unit(u, e));
                }
            }
            self.type_units(Run { f, a: a + k + 1, b }, spans, pending);
            return;
        }

        // "Karl Langdon & Harvey Deegan": two people, not a firm like "Marks & Spencer". Each
        // side two or three words: a Title Case headline runs on ("Pete Davidson Romantic
        // Comedy").
        let short_person = |units: &[Unit]| {
            units[units.len() - 1].end - units[0].start <= 3 && self.person_shaped(f, units)
        };
        if let Some(k) = (1..units.len()).find(|&k| {
            units[k - 1].end + 1 == units[k].start && self.word(f, units[k - 1].end) == "&"
        }) && short_person(&units[..k])
            && short_person(&units[k..])
        {
            self.type_units(Run { f, a, b: a + k }, spans, pending);
            self.type_units(Run { f, a: a + k, b }, spans, pending);
            return;
        }

        // "governor Kazuo Ueda": after a role noun, a name whose later words only happen to be
        // small towns is a person's.
        if !headline
            && (2..=3).contains(&units.len())
            && units[0].gaz.is_none()
            && start > 0
            && self.lex.roles.contains(self.word(f, start - 1))
            && units[1..].iter().all(|u| {
                u.gaz
                    .is_none_or(|e| e.kind == EntityKind::Location && !e.major)
            })
            // Only to overrule a town: "by Fairfax Media", with none, is typed as usual.
            && units[1..].iter().any(|u| u.gaz.is_some())
            && (start..end).all(|i| {
                let t = self.tok(f, i);
                t.has(CAP) && !t.has(ALLCAPS)
            })
        {
            spans.push(span(EntityKind::Person, Name::Surface, Method::Rule, 0.7));
            return;
        }

        // A team named after its town ("Liverpool manager", "DALLAS 4 WASHINGTON 2"): before
        // the gazetteers, which know the town.
        if !headline && let Some(weak) = self.team_run(f, units) {
            let shouted = (start..end).all(|i| {
                let t = self.tok(f, i);
                t.has(ALLCAPS) || !t.has(WORD)
            });
            let name = if shouted {
                Name::Owned(title_case(text))
            } else {
                Name::Surface
            };
            let confidence = if weak { 0.55 } else { 0.7 };
            let mut s = span(EntityKind::Organization, name, Method::Rule, confidence);
            s.weak = weak;
            spans.push(s);
            return;
        }

        // "its sale to Verizon": a small town's name where a company is bought, sold or quoted.
        if !headline
            && let [u] = units
            && u.gaz.is_some_and(|e| {
                e.kind == EntityKind::Location && e.class == Class::Entity && !e.major
            })
            && self.company_context(f, start, end)
        {
            spans.push(span(
                EntityKind::Organization,
                Name::Surface,
                Method::Rule,
                0.65,
            ));
            return;
        }

        // The whole run is one gazetteer entry.
        if let [u] = units
            && let Some(e) = u.gaz
        {
            if self.common_word_unit(f, *u) {
                return;
            }
            let mut s = span(
                e.kind,
                Name::Static(self.lex.name(e)),
                Method::Gazetteer,
                0.9,
            );
            s.adjectival = e.class == Class::Demonym;
            spans.push(s);
            return;
        }

        // All caps ("SEOUL (Reuters) -", "NORTH KOREA FIRES MISSILE"): gazetteer by key.
        if (start..end).all(|i| self.tok(f, i).has(ALLCAPS) || !self.tok(f, i).has(WORD)) {
            if let Some(e) = self.lex.by_key.get(&entity_key(text)) {
                let mut s = span(
                    e.kind,
                    Name::Static(self.lex.name(*e)),
                    Method::Gazetteer,
                    0.8,
                );
                s.adjectival = e.class == Class::Demonym;
                spans.push(s);
                return;
            }
            if self.is_dateline(f, start, end) {
                let name = Name::Owned(title_case(text));
                spans.push(span(EntityKind::Location, name, Method::Rule, 0.75));
                return;
            }
            // A shouted headline: capitals say nothing, so keep only the parts the gazetteers
            // know, longest first ("JAPAN GET LUCKY WIN" -> Japan).
            if end - start >= 2 {
                let mut i = start;
                while i < end {
                    let found = (i + 1..=end.min(i + 5)).rev().find_map(|j| {
                        let key = entity_key(self.span_text(f, i, j));
                        let e = self.lex.by_key.get(&key)?;
                        // One shouted word is trusted only from the curated lists.
                        (e.major || j - i > 1).then_some((j, *e))
                    });
                    if let Some((j, e)) = found {
                        let mut s = span(
                            e.kind,
                            Name::Static(self.lex.name(e)),
                            Method::Gazetteer,
                            0.75,
                        );
                        s.start = i;
                        s.end = j;
                        s.adjectival = e.class == Class::Demonym;
                        spans.push(s);
                        i = j;
                    } else {
                        i += 1;
                    }
                }
                return;
            }
        }

        if !headline {
            if let Some((kind, conf)) = self.suffix_type(f, start, end) {
                spans.push(span(kind, Name::Surface, Method::Rule, conf));
                return;
            }
            if self.person_shaped(f, units) {
                spans.push(span(EntityKind::Person, Name::Surface, Method::Rule, 0.8));
                return;
            }
        }

        // "Toronto Blue Jays", "Ottawa 67s": a place, then a plural name, is a team.
        if !headline
            && units.len() >= 2
            && units[0]
                .gaz
                .is_some_and(|e| e.kind == EntityKind::Location && e.class == Class::Entity)
            && units[1..].iter().all(|u| u.gaz.is_none())
            && self.word(f, end - 1).ends_with('s')
            && !self.word(f, end - 1).ends_with("ss")
            && !self.lex.place_suffix.contains(self.word(f, end - 1))
        {
            spans.push(span(
                EntityKind::Organization,
                Name::Surface,
                Method::Rule,
                0.65,
            ));
            return;
        }

        // "Yahoo Japan", "Sony Europe": a known organisation's branch in a country or region.
        if let [org, place] = units
            && org
                .gaz
                .is_some_and(|e| e.kind == EntityKind::Organization && e.class == Class::Entity)
            && place.gaz.is_some_and(|e| {
                e.kind == EntityKind::Location && e.class == Class::Entity && e.major
            })
        {
            spans.push(span(
                EntityKind::Organization,
                Name::Surface,
                Method::Rule,
                0.7,
            ));
            return;
        }

        // Otherwise the gazetteer parts stand alone and the rest is typed by context or
        // resolved against the article later. A small town's name among other capitalised
        // words is a word of a longer name ("Windows Mobile", "Burnout Paradise", "Element
        // Enterprise Cloud"), and a common word where capitals say nothing is the word.
        if units.iter().any(|u| u.gaz.is_some()) {
            let mixed = units.iter().any(|u| u.gaz.is_none());
            let mut k = a;
            while k < b {
                let u = self.units[k];
                if let Some(e) = u.gaz {
                    let word_beside_a_name = mixed
                        && u.end == u.start + 1
                        && e.class == Class::Entity
                        && ((k > a
                            && self.units[k - 1].gaz.is_none()
                            && self.units[k - 1].end == u.start)
                            || (k + 1 < b
                                && self.units[k + 1].gaz.is_none()
                                && self.units[k + 1].start == u.end
                                // "a Virginia Democrat": the state, then the party.
                                && !PARTY_MEMBERS.contains(&self.word(f, u.end))));
                    let town_in_a_name = word_beside_a_name
                        && !headline
                        && e.kind == EntityKind::Location
                        && !e.major;
                    // A common word is a word of the name it stands in wherever the article
                    // writes it in lowercase too: "The Time Travelers", "Pacific Standard
                    // Time", "Time Warner" beside "at the time" are not the magazine.
                    let common_word_in_a_name =
                        word_beside_a_name && self.written_as_word(self.word(f, u.start));
                    if !town_in_a_name && !common_word_in_a_name && !self.common_word_unit(f, u) {
                        spans.push(gazetteer_unit(&u, e));
                    }
                    k += 1;
                } else {
                    let mut m = k;
                    while m < b && self.units[m].gaz.is_none() {
                        m += 1;
                    }
                    self.type_units(Run { f, a: k, b: m }, spans, pending);
                    k = m;
                }
            }
            return;
        }

        // A company by its context: "Glencore shares", "miner Glencore".
        if !headline && self.company_run(f, &self.units[a..b]) {
            spans.push(span(
                EntityKind::Organization,
                Name::Surface,
                Method::Rule,
                0.65,
            ));
            return;
        }

        // "Fremont, CA 94536", "Petrolia, CA": two capitals after a place and a comma, or before
        // a postcode, are its state.
        if end - start == 1 && self.is_region_code(f, start) {
            spans.push(span(EntityKind::Location, Name::Surface, Method::Rule, 0.6));
            return;
        }
        // An unknown acronym ("NAACP", "RIAA") is most often an organisation.
        if !headline && end - start == 1 && self.is_acronym(f, start) {
            let mut s = span(EntityKind::Organization, Name::Surface, Method::Rule, 0.5);
            s.weak = true;
            spans.push(s);
            return;
        }
        if !headline && let Some((kind, conf, weak)) = self.context_type(f, start, end) {
            let mut s = span(kind, Name::Surface, Method::Rule, conf);
            s.weak = weak;
            spans.push(s);
            return;
        }
        pending.push(run);
    }

    /// Two capitals after "Place," ("Mountain View, CA", with the town found by the gazetteer
    /// or followed by a five-digit postcode).
    fn is_region_code(&self, f: usize, i: u32) -> bool {
        let word = self.word(f, i);
        if word.len() != 2 || !word.bytes().all(|b| b.is_ascii_uppercase()) || i < 2 {
            return false;
        }
        if self.word(f, i - 1) != "," {
            return false;
        }
        let postcode = self.fields[f].tokens.get(i as usize + 1).is_some_and(|t| {
            let next = t.text(self.fields[f].text);
            next.len() == 5 && next.bytes().all(|b| b.is_ascii_digit())
        });
        let after_a_place = (i.saturating_sub(6)..i - 1).any(|k| {
            self.fields[f].gaz[k as usize]
                .is_some_and(|(end, e)| end == i - 1 && e.kind == EntityKind::Location)
        });
        postcode || after_a_place
    }

    /// Two to six capitals, not a Roman numeral, not a line of shouting.
    fn is_acronym(&self, f: usize, i: u32) -> bool {
        let t = self.tok(f, i);
        let w = self.word(f, i);
        // Other long all-caps words nearby mean a shouted line, not an acronym.
        let shouted = |k: u32| {
            self.fields[f]
                .tokens
                .get(k as usize)
                .is_some_and(|n| n.has(ALLCAPS) && n.end - n.start >= 3)
        };
        let neighbours_caps = shouted(i.wrapping_sub(1))
            || shouted(i + 1)
            || (i.saturating_sub(3)..i + 4)
                .filter(|&k| k != i && shouted(k))
                .count()
                >= 2;
        t.has(ALLCAPS)
            && (2..=6).contains(&w.len())
            && w.bytes().all(|b| b.is_ascii_uppercase())
            && !w
                .bytes()
                .all(|b| matches!(b, b'I' | b'V' | b'X' | b'L' | b'C' | b'M'))
            && !neighbours_caps
            && !self.capitals_mean_a_word(w)
            && !self.spelled_out_in_lowercase(w)
    }

    /// Whether a word set in capitals is a word, not an acronym of a name: a thing's acronym or
    /// a word of code ("TV", "SELECT"), or one the article also writes in lowercase ("NULL",
    /// "ON", "README").
    pub(super) fn capitals_mean_a_word(&self, word: &str) -> bool {
        self.lex.common_acronym.contains(word) || self.written_as_word(word)
    }

    /// Whether the article spells the acronym out in lowercase words, beside it in brackets:
    /// "a CFHP (control-flow hijacking primitive)", "a key derivation function (KDF)". The
    /// name of a thing, not of an organisation, which is spelled in capitals ("the Federal
    /// Bureau of Investigation (FBI)").
    fn spelled_out_in_lowercase(&self, acronym: &str) -> bool {
        const SMALL_WORDS: [&str; 8] = ["a", "and", "for", "in", "of", "on", "the", "to"];
        let letters = acronym.len();
        // The words' initials, hyphenated parts each counted ("control-flow": c, f), equal the
        // acronym's letters, and every word that is not a small word is in lowercase.
        let spells = |words: &[&str]| {
            let mut initials = String::new();
            for word in words {
                if SMALL_WORDS.contains(word) {
                    continue;
                }
                if !word.starts_with(|c: char| c.is_lowercase()) {
                    return false;
                }
                for part in word.split('-').filter(|part| !part.is_empty()) {
                    initials.extend(part.chars().next().map(|c| c.to_ascii_uppercase()));
                }
            }
            initials == acronym
        };
        self.fields.iter().any(|ft| {
            let text = |k: usize| ft.tokens[k].text(ft.text);
            (0..ft.tokens.len()).any(|i| {
                if text(i) != acronym {
                    return false;
                }
                // "CFHP (control-flow hijacking primitive)"
                let after = i + 2 < ft.tokens.len() && text(i + 1) == "(" && {
                    let window: Vec<&str> = (i + 2..ft.tokens.len())
                        .take(letters * 2 + 1)
                        .map(text)
                        .collect();
                    window
                        .iter()
                        .position(|w| *w == ")")
                        .is_some_and(|close| spells(&window[..close]))
                };
                // "key derivation function (KDF)": the words just before the bracket.
                let before = i >= 2
                    && text(i - 1) == "("
                    && ft.tokens.get(i + 1).is_some_and(|t| t.text(ft.text) == ")")
                    && {
                        (1..=letters * 2).any(|n| {
                            i > n && {
                                let words: Vec<&str> = (i - 1 - n..i - 1).map(text).collect();
                                words
                                    .iter()
                                    .all(|w| w.chars().all(|c| c.is_alphanumeric() || c == '-'))
                                    && spells(&words)
                            }
                        })
                    };
                after || before
            })
        })
    }

    /// A news dateline: all-caps words opening a line, then "," or "(" ("SEOUL, South Korea —",
    /// "MOSCOW (Reuters) -"); a known place is found by key before this.
    fn is_dateline(&self, f: usize, start: u32, end: u32) -> bool {
        if !self.tok(f, start).has(LINE_START) || self.fields[f].field != Field::Body {
            return false;
        }
        // Place names have no digits: "6PR , known as 882 6PR" opens with a call sign.
        if (start..end).any(|i| self.tok(f, i).has(DIGIT)) {
            return false;
        }
        // "GDP (PPP) 2018 estimate" opens a line of a country's fact box.
        if end - start == 1 && self.lex.common_acronym.contains(self.word(f, start)) {
            return false;
        }
        let next = self.fields[f]
            .tokens
            .get(end as usize)
            .map(|t| t.text(self.fields[f].text));
        // Not a dash: "SOCCER -" opens sports results. A date: "LONDON 1996-08-31".
        matches!(next, Some("," | "(")) || next.is_some_and(is_iso_date)
    }

    /// Organisation or place by the run's last or first word.
    fn suffix_type(&self, f: usize, start: u32, end: u32) -> Option<(EntityKind, f32)> {
        if end - start < 2 {
            return None;
        }
        let last = self.word(f, end - 1);
        let first = self.word(f, start);
        let second = self.word(f, start + 1);
        if self.lex.misc_suffix.contains(last) {
            return Some((EntityKind::Other, 0.6));
        }
        if self.lex.org_suffix.contains(last) {
            return Some((EntityKind::Organization, 0.8));
        }
        if self.lex.org_head.contains(first) && second == "of" {
            return Some((EntityKind::Organization, 0.8));
        }
        if self.lex.place_suffix.contains(last) {
            return Some((EntityKind::Location, 0.75));
        }
        if self.lex.place_head.contains(first) && !self.tok(f, start + 1).has(LOWER) {
            return Some((EntityKind::Location, 0.65));
        }
        None
    }

    /// "Kim Jong Un", "J. K. Rowling": a given name or an initial, then more capitalised words.
    fn person_shaped(&self, f: usize, units: &[Unit]) -> bool {
        let start = units[0].start;
        let end = units[units.len() - 1].end;
        if end - start < 2 || end - start > 4 {
            return false;
        }
        for i in start..end {
            let t = self.tok(f, i);
            if !t.has(CAP) || t.has(ALLCAPS) && t.end - t.start > 2 {
                return false;
            }
            // Two capitals open a name as initials ("JK Rowling"); later, other than a regnal
            // number ("Henry IV"), they are no part of one ("Mac OS X", "Travis CI").
            if i > start && t.has(ALLCAPS) && !self.word(f, i).bytes().all(|b| b"IVX".contains(&b))
            {
                return false;
            }
        }
        if units[1..].iter().any(|u| {
            u.gaz
                .is_some_and(|e| self.lex.name(e) != self.unit_text(f, *u))
        }) {
            return false;
        }
        self.opens_a_persons_name(self.word(f, start)) && units[0].end == start + 1
    }

    /// A known given name or an initial ("J.").
    fn opens_a_persons_name(&self, word: &str) -> bool {
        self.lex.given.contains(word) || (word.len() == 2 && word.ends_with('.'))
    }

    /// Whether a run's own words make it a person's name: a known given name or an initial
    /// first, or a known surname last.
    fn name_words_say_person(&self, f: usize, start: u32, end: u32) -> bool {
        self.opens_a_persons_name(self.word(f, start))
            || self.lex.surnames.contains(self.word(f, end - 1))
    }

    /// Cues around the run: a role noun before ("leader Kim"), "said" after, "in"/"at" before.
    fn context_type(&self, f: usize, start: u32, end: u32) -> Option<(EntityKind, f32, bool)> {
        let tokens = &self.fields[f].tokens;
        let prev = (start > 0).then(|| self.word(f, start - 1));
        let next = tokens
            .get(end as usize)
            .map(|t| t.text(self.fields[f].text));
        let all_words = (start..end).all(|i| {
            let t = self.tok(f, i);
            t.has(WORD) && !t.has(ALLCAPS)
        });
        if !all_words || end - start > 4 {
            return None;
        }
        // After "by", which names agents of every kind, one word is a person only when it is a
        // known name ("by Smith", not "by Firefox", "by OAuth"); and a name before a version
        // number is a product ("predecessor Raspberry Pi 2").
        if let Some(p) = prev
            && self.lex.roles.contains(p)
            && (p != "by" || end - start > 1 || self.name_words_say_person(f, start, end))
            && !next.is_some_and(is_version_number)
        {
            return Some((EntityKind::Person, 0.75, false));
        }
        // "Ato Boldon ( Trinidad ) 10.05": results lists give a competitor's country in brackets.
        if next == Some("(")
            && let Some(Some((country_end, e))) = self.fields[f].gaz.get(end as usize + 1)
            && e.kind == EntityKind::Location
            && e.class == Class::Entity
            && e.major
            && tokens
                .get(*country_end as usize)
                .is_some_and(|t| t.text(self.fields[f].text) == ")")
        {
            return Some((EntityKind::Person, 0.6, false));
        }
        // "X said", except a lone plural opening a sentence that is no known name: "Critics
        // said", "Officials said" are groups of people, not someone's name.
        let lone_sentence_opener = end - start == 1 && self.tok(f, start).has(SENT_START) && {
            let word = self.word(f, start);
            word.ends_with('s')
                && !self.lex.given.contains(word)
                && !self.lex.surnames.contains(word)
        };
        if let Some(nx) = next
            && self.lex.person_verb.contains(nx)
            && !lone_sentence_opener
        {
            return Some((EntityKind::Person, 0.7, false));
        }
        // "Debden, England", "Coleman, Florida": a place named by its country or state.
        if next == Some(",")
            && let Some(Some((_, e))) = self.fields[f].gaz.get(end as usize + 1)
            && e.kind == EntityKind::Location
            && e.class == Class::Entity
        {
            return Some((EntityKind::Location, 0.7, false));
        }
        // "the Tuva region", "Kherson province"; not an adjective ("the English county").
        let adjective = ["ish", "ized", "ised", "ian", "ese"]
            .iter()
            .any(|ending| self.word(f, end - 1).ends_with(ending));
        if next.is_some_and(|w| self.lex.place_after.contains(w)) && !adjective {
            return Some((EntityKind::Location, 0.7, false));
        }
        // "the town of Coleman", "north of Hornsea".
        if prev == Some("of") && start >= 2 && self.lex.place_of.contains(self.word(f, start - 2)) {
            return Some((EntityKind::Location, 0.7, false));
        }
        if let Some(p) = prev
            && self.lex.place_prep.contains(p)
            && !adjective
            && (start..end).all(|i| self.place_word(self.word(f, i)))
            // "written in Go", "skilled in Lockpicking": a word the article writes in lowercase.
            && !(end - start == 1 && self.written_as_word(self.word(f, start)))
            // "back to Xcode 4", "from Firefox 85": a product and its version.
            && !next.is_some_and(is_version_number)
        {
            return Some((EntityKind::Location, 0.55, true));
        }
        // "Sarah Okafor": two or three plain capitalised words ending in a common surname.
        let last = self.word(f, end - 1);
        if (2..=3).contains(&(end - start))
            && self.lex.surnames.contains(last)
            && !self.tok(f, start).has(SENT_START)
        {
            return Some((EntityKind::Person, 0.6, false));
        }
        None
    }

    /// Whether a word can be part of a place's name where only a preposition says it is one:
    /// "written in C", "in Objective-C", "in AdWords" and "in WoW" are languages and products.
    /// A capital inside the word after a small letter marks a brand, except after the name
    /// prefixes of places such as "McAllen" or "DeKalb".
    fn place_word(&self, word: &str) -> bool {
        let letters: Vec<char> = word.chars().collect();
        let one_letter = |w: &str| w.trim_end_matches('.').chars().count() == 1;
        if one_letter(word)
            || word
                .rsplit_once('-')
                .is_some_and(|(_, tail)| one_letter(tail))
        {
            return false;
        }
        let prefix = ["Mc", "Mac", "De", "Di", "Da", "Du", "La", "Le"]
            .iter()
            .find(|p| word.starts_with(**p))
            .map_or(0, |p| p.len());
        !letters
            .windows(2)
            .enumerate()
            .any(|(i, pair)| i + 1 > prefix && pair[0].is_lowercase() && pair[1].is_uppercase())
    }

    /// `William "Bill" Cowley`, `Joaquín "El Chapo" Guzmán`: a nickname in quotes inside a
    /// person's name. The span takes the surname after it; the name leaves the nickname out, so
    /// a lone "Cowley" later resolves to it.
    fn join_nicknames(&mut self, spans: &mut Vec<Span>, pending: &mut Vec<Run>) {
        let is_quote = |w: &str| matches!(w, "\"" | "“" | "”");
        let capitalised = |f: usize, i: u32| {
            let t = self.tok(f, i);
            t.has(WORD) && t.has(CAP) && !t.has(ALLCAPS)
        };
        // Tokens that joined a name: (field, token).
        let mut joined: FxHashSet<(usize, u32)> = FxHashSet::default();
        for s in spans
            .iter_mut()
            .filter(|s| s.kind == EntityKind::Person && !s.adjectival && !s.weak)
        {
            let (f, open) = (s.f, s.end);
            let n = self.fields[f].tokens.len() as u32;
            if open >= n || !is_quote(self.word(f, open)) {
                continue;
            }
            let mut close = open + 1;
            while close < n && close - open <= 3 && capitalised(f, close) {
                close += 1;
            }
            let surname = close + 1;
            let fits = close > open + 1
                && surname < n
                && is_quote(self.word(f, close))
                && capitalised(f, surname)
                && self.tok(f, surname).sentence == self.tok(f, s.start).sentence
                && (surname + 1 >= n || !capitalised(f, surname + 1));
            if !fits {
                continue;
            }
            s.name = Name::Owned(format!("{} {}", self.name_of(s), self.word(f, surname)));
            s.end = surname + 1;
            joined.extend((open..=surname).map(|i| (f, i)));
        }
        if joined.is_empty() {
            return;
        }
        let inside = |f: usize, i: u32| joined.contains(&(f, i));
        spans.retain(|s| !inside(s.f, s.start));
        let units = &self.units;
        pending.retain(|r| !inside(r.f, units[r.a].start));
        self.maybe_surnames
            .retain(|r| !inside(r.f, units[r.a].start));
    }

    /// Runs nothing typed: the same key as an entity found elsewhere in the article, a partial
    /// person name, or an organisation's acronym.
    fn resolve_pending(&mut self, spans: &mut Vec<Span>, pending: &[Run]) {
        let mut by_key: FxHashMap<String, (EntityKind, String)> = FxHashMap::default();
        let mut person_parts: FxHashMap<String, Option<String>> = FxHashMap::default();
        // The first person met with each surname, and how many share it: "Citrone" after
        // "Carlo Citrone" and his father "John Citrone" is most often the subject, named first;
        // a name three people share is a family's (and often its firm's: "Caloi").
        let mut surnames: FxHashMap<String, (String, Vec<String>)> = FxHashMap::default();
        // A part that opens someone's name is no surname to fall back on: "Kim" after "Margie
        // Kim" and "Kim Yong-hyun".
        let mut first_words: FxHashSet<String> = FxHashSet::default();
        let mut acronyms: FxHashMap<String, String> = FxHashMap::default();
        // "Halvorsen" after "Halvorsen Inc": the name without its legal form.
        let mut company_stems: FxHashMap<String, String> = FxHashMap::default();
        for s in spans.iter().filter(|s| !s.adjectival && !s.weak) {
            let name = self.name_of(s);
            let key = entity_key(&name);
            by_key.entry(key.clone()).or_insert((s.kind, name.clone()));
            let words: Vec<&str> = name.split_whitespace().collect();
            match s.kind {
                EntityKind::Person if words.len() >= 2 => {
                    for part in [words[0], words[words.len() - 1]] {
                        let pk = entity_key(part);
                        let slot = person_parts.entry(pk).or_insert_with(|| Some(name.clone()));
                        if slot.as_ref().is_some_and(|n| entity_key(n) != key) {
                            *slot = None; // two people share it: ambiguous
                        }
                    }
                    first_words.insert(entity_key(words[0]));
                    let (_, people) = surnames
                        .entry(entity_key(words[words.len() - 1]))
                        .or_insert_with(|| (name.clone(), Vec::new()));
                    // Only whether one, two or more share it matters.
                    if people.len() < 3 && !people.contains(&key) {
                        people.push(key.clone());
                    }
                }
                EntityKind::Organization if words.len() >= 2 => {
                    let initials: String = words
                        .iter()
                        .filter_map(|w| w.chars().next().filter(|c| c.is_uppercase()))
                        .collect();
                    if initials.chars().count() >= 2 {
                        acronyms.entry(initials).or_insert(name.clone());
                    }
                    if self.lex.legal_suffix.contains(words[words.len() - 1]) {
                        let stem = entity_key(&words[..words.len() - 1].join(" "));
                        company_stems.entry(stem).or_insert(name.clone());
                    }
                }
                _ => {}
            }
        }
        // The one or two people a lone surname can name, the first met taken.
        surnames.retain(|key, (_, people)| people.len() <= 2 && !first_words.contains(key));
        let resolve = |text: &str| -> Option<(EntityKind, String, Method, f32)> {
            let key = alias_key(text);
            match person_parts.get(&key) {
                Some(Some(name)) => {
                    return Some((EntityKind::Person, name.clone(), Method::Coreference, 0.8));
                }
                Some(None) if let Some((name, _)) = surnames.get(&key) => {
                    return Some((EntityKind::Person, name.clone(), Method::Coreference, 0.7));
                }
                _ => {}
            }
            // Before the key: "Brightwater said" was typed a person by its verb alone.
            if let Some(name) = company_stems.get(&key) {
                return Some((
                    EntityKind::Organization,
                    name.clone(),
                    Method::Coreference,
                    0.8,
                ));
            }
            if let Some((kind, name)) = by_key.get(&key) {
                return Some((*kind, name.clone(), Method::Alias, 0.85));
            }
            if let Some(name) = acronyms.get(text) {
                return Some((
                    EntityKind::Organization,
                    name.clone(),
                    Method::Coreference,
                    0.7,
                ));
            }
            None
        };
        // Weak context guesses give way to what the article says elsewhere.
        // So do single words typed by a cue ("Putin said" after "Vladimir Putin").
        let overridable = |s: &Span| s.weak || (s.method == Method::Rule && s.end - s.start == 1);
        // "Belgrano" after "Manuel Belgrano": a town's name that is the surname of a person in
        // the article is that person (places named after people are common), unless it reads
        // as a place ("into Paris" after "Sarah Paris").
        let town_of_a_surname = |s: &Span| {
            let after_place_word =
                s.start > 0 && self.lex.place_prep.contains(self.word(s.f, s.start - 1));
            s.method == Method::Gazetteer
                && !after_place_word
                && s.kind == EntityKind::Location
                && s.end - s.start == 1
                && self.fields[s.f].gaz[s.start as usize].is_some_and(|(_, e)| !e.major)
                && surnames.contains_key(&alias_key(self.span_text(s.f, s.start, s.end)))
        };
        for s in spans
            .iter_mut()
            .filter(|s| overridable(s) || town_of_a_surname(s))
        {
            let text = self.span_text(s.f, s.start, s.end);
            if let Some((kind, name, method, conf)) = resolve(text)
                && (s.weak || method == Method::Coreference)
                && (s.method != Method::Gazetteer || kind == EntityKind::Person)
            {
                if kind == EntityKind::Person && method == Method::Coreference {
                    s.start = self.with_particle(s.f, s.start, &name);
                }
                s.kind = kind;
                s.name = Name::Owned(name);
                s.method = method;
                s.confidence = conf;
                s.weak = false;
            }
        }
        // Lists share a type: "Kevin Drake and Solon Bixler".
        // The kind of each typed span by its end and start token, and whether a gazetteer
        // knows it.
        let mut typed_ends: FxHashMap<(usize, u32), (EntityKind, bool)> = FxHashMap::default();
        let mut typed_starts: FxHashMap<(usize, u32), (EntityKind, bool)> = FxHashMap::default();
        for s in spans.iter().filter(|s| !s.weak && !s.adjectival) {
            let known = s.method == Method::Gazetteer;
            typed_ends.insert((s.f, s.end), (s.kind, known));
            typed_starts.insert((s.f, s.start), (s.kind, known));
        }
        let coordinated = |typed_ends: &FxHashMap<(usize, u32), (EntityKind, bool)>,
                           typed_starts: &FxHashMap<(usize, u32), (EntityKind, bool)>,
                           run: &Run,
                           start: u32,
                           end: u32|
         -> Option<(EntityKind, bool)> {
            let n_tokens = self.fields[run.f].tokens.len() as u32;
            let is_conj =
                |i: u32| i < n_tokens && matches!(self.word(run.f, i), "and" | "&" | "," | "or");
            let before = (start >= 2 && is_conj(start - 1))
                .then(|| typed_ends.get(&(run.f, start - 1)).copied())
                .flatten();
            let after = is_conj(end)
                .then(|| typed_starts.get(&(run.f, end + 1)).copied())
                .flatten();
            let (kind, known) = before.or(after)?;
            let n = end - start;
            let plain = (start..end).all(|i| !self.tok(run.f, i).has(ALLCAPS));
            // People, and one-word companies listed with a known one ("Walmart, Kroger and
            // Costco"), between list words on both sides ("the US Navy, Langejans made" is no
            // list); not the last words of a longer name ("Department of Physics and Astronomy"),
            // nor "CBS, Inc.". Place lists are too often mixed with other names on wikigold.
            let ok = match kind {
                EntityKind::Person => (2..=3).contains(&n),
                EntityKind::Organization => {
                    let word = self.word(run.f, start);
                    let joined =
                        |i: u32| i < n_tokens && matches!(self.word(run.f, i), "and" | "&" | "or");
                    known
                        && n == 1
                        && (start.checked_sub(1).is_some_and(joined) || joined(end) || is_conj(end))
                        && !self.lex.org_suffix.contains(word)
                        && !self.lex.legal_suffix.contains(word)
                }
                _ => false,
            };
            (ok && plain && !self.tok(run.f, start).has(SENT_START)).then_some((kind, known))
        };
        for run in pending {
            let start = self.units[run.a].start;
            let end = self.units[run.b - 1].end;
            let text = self.span_text(run.f, start, end);
            let mut listed_with_known = false;
            let found = resolve(text).or_else(|| {
                coordinated(&typed_ends, &typed_starts, run, start, end).map(|(kind, known)| {
                    listed_with_known = known;
                    (
                        kind,
                        self.name_of_range(run.f, start, end),
                        Method::Rule,
                        0.6,
                    )
                })
            });
            let mut start = start;
            if let Some((EntityKind::Person, name, Method::Coreference, _)) = &found {
                start = self.with_particle(run.f, start, name);
            }
            if let Some((kind, name, method, confidence)) = found {
                // A list read left to right: "Walmart, Kroger and Costco" types Costco too.
                typed_ends.insert((run.f, end), (kind, listed_with_known));
                typed_starts.insert((run.f, start), (kind, listed_with_known));
                spans.push(Span::new(
                    (run.f, start, end),
                    kind,
                    Name::Owned(name),
                    method,
                    confidence,
                ));
            }
        }
        for run in std::mem::take(&mut self.maybe_surnames) {
            let start = self.units[run.a].start;
            let end = self.units[run.b - 1].end;
            let key = alias_key(self.span_text(run.f, start, end));
            if let Some((name, _)) = surnames.get(&key) {
                spans.push(Span::new(
                    (run.f, self.with_particle(run.f, start, name), end),
                    EntityKind::Person,
                    Name::Owned(name.clone()),
                    Method::Coreference,
                    0.7,
                ));
            }
        }
    }

    /// "de Miranda" after "Luis de Miranda": a lone surname's start, moved back over the
    /// lowercase particle that the full name puts before it.
    fn with_particle(&self, f: usize, start: u32, full_name: &str) -> u32 {
        if start == 0 {
            return start;
        }
        let particle = self.word(f, start - 1);
        let surname = self.word(f, start);
        let own = CONNECTORS.contains(&particle)
            && self.tok(f, start - 1).has(LOWER)
            && full_name.ends_with(&format!(" {particle} {surname}"));
        if own { start - 1 } else { start }
    }

    fn name_of_range(&self, f: usize, start: u32, end: u32) -> String {
        let text = self.span_text(f, start, end);
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn name_of(&self, s: &Span) -> String {
        match &s.name {
            Name::Static(n) => (*n).to_string(),
            Name::Owned(n) => n.clone(),
            Name::Surface => {
                let text = self.span_text(s.f, s.start, s.end);
                let mut out = String::with_capacity(text.len());
                for (i, w) in text.split_whitespace().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(w);
                }
                out
            }
        }
    }

    /// Spans to mentions: canonical names unified per key, corrections applied.
    fn mentions(&self, spans: Vec<Span>) -> Vec<Found> {
        let mut canonical: FxHashMap<(EntityKind, String), String> = FxHashMap::default();
        let mut out = Vec::with_capacity(spans.len());
        for s in spans {
            let ft = &self.fields[s.f];
            let mut name = self.name_of(&s);
            let mut kind = s.kind;
            let mut key = entity_key(&name);
            // The first spelling seen names the entity: "Kim Jong Un", then "Kim Jong-un".
            name = canonical.entry((kind, key.clone())).or_insert(name).clone();
            let first = ft.tokens[s.start as usize];
            let mut last = ft.tokens[s.end as usize - 1];
            if let Some(next) = ft.tokens.get(s.end as usize)
                && next.has(POSSESSIVE)
                && next.has(ATTACHED)
            {
                last = *next;
            }
            let surface = &ft.text[first.start as usize..last.end as usize];
            let c = self.corrections;
            if !c.is_empty() {
                if c.ignored.contains(&alias_key(surface)) || c.ignored.contains(&key) {
                    continue;
                }
                if let Some((k, n)) = c.aliases.get(&key) {
                    kind = *k;
                    name = n.clone();
                    key = entity_key(&name);
                }
                if let Some(n) = c.renames.get(&(kind, key.clone())) {
                    name = n.clone();
                }
            }
            out.push(Found {
                mention: Mention {
                    field: ft.field,
                    start: first.cstart as usize,
                    end: last.cend as usize,
                    sentence: first.sentence,
                    surface: surface.to_string(),
                    kind,
                    name,
                    key,
                    method: s.method,
                    confidence: s.confidence,
                },
                adjectival: s.adjectival,
            });
        }
        out
    }
}

/// "We’re", "I'm", "Don’t" (straight or curly apostrophe); not "O'Neill" or "D'Amato".
fn is_contraction(word: &str) -> bool {
    let Some((_, tail)) = word.rsplit_once(['\'', '’']) else {
        return false;
    };
    matches!(tail, "re" | "ve" | "ll" | "m" | "d" | "t")
}

/// A product's version after its name: "4", "85", "10.15", "2.0.1"; not a year ("Tokyo 2020").
fn is_version_number(word: &str) -> bool {
    let mut parts = 0;
    let numbers = word.split('.').all(|part| {
        parts += 1;
        !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit())
    });
    numbers && (parts > 1 || word.len() <= 3)
}

/// "1996-08-31".
fn is_iso_date(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// "SEOUL" -> "Seoul", "NEW YORK" -> "New York".
fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    for c in text.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = !c.is_alphanumeric();
    }
    out
}
