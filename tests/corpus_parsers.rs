//! Every feed and page of the shared real-world corpus through the pure parsers: no panic, no
//! hang, each file either yields items or a located rejection; the deliberately broken feeds are
//! rejected, the lenient ones import, and charsets come out right. Plus truncated and byte-flipped
//! versions of a few files, which must never panic.
//!
//! The corpus lives outside the repository (`../shared/corpus`); when it is absent these tests
//! say SKIPPED on stderr and pass, except under CI (`CI=true` or `NEWSDB_REQUIRE_CORPUS=1`, which
//! `.ci/run` sets), where they fail.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use newsdb::import::feed::parse_feed;
use newsdb::import::html::parse_html_page;
use newsdb::item::{Location, Parsed, RawItem};
use newsdb::normalize::NormalizeOptions;

mod common;

/// The whole corpus folder; skipped visibly, or failing under CI, when absent.
fn corpus() -> Option<PathBuf> {
    common::corpus("")
}

/// Issue 12 item 9: a missing corpus is a visible skip on a workstation and a failure in CI.
#[test]
fn a_missing_corpus_fails_under_ci_or_when_required() {
    use common::{MissingCorpus, missing_corpus_rule};
    assert_eq!(missing_corpus_rule(None, None), MissingCorpus::Skip);
    assert_eq!(
        missing_corpus_rule(Some(""), Some("0")),
        MissingCorpus::Skip
    );
    assert_eq!(
        missing_corpus_rule(Some("false"), None),
        MissingCorpus::Skip
    );
    assert_eq!(missing_corpus_rule(Some("true"), None), MissingCorpus::Fail);
    assert_eq!(missing_corpus_rule(Some("1"), None), MissingCorpus::Fail);
    assert_eq!(missing_corpus_rule(None, Some("1")), MissingCorpus::Fail);
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn is_feed_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let in_expected = path.components().any(|c| c.as_os_str() == "expected");
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    !in_expected
        && !name.ends_with(".serde.json")
        && matches!(extension, "xml" | "rss" | "atom" | "json" | "rdf")
}

fn is_page_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let goose = path.components().any(|c| c.as_os_str() == "goose3");
    name == "source.html" || (goose && name.ends_with(".html"))
}

#[derive(Default)]
struct Outcome {
    items: Vec<RawItem>,
    rejected: Vec<String>,
    warnings: Vec<String>,
    located: bool,
}

/// The shape shared by `parse_feed` and `parse_html_page`.
type Parser = fn(&[u8], Location, Option<&str>, &mut dyn FnMut(Parsed));

fn run(parser: Parser, bytes: &[u8], origin: &str) -> Outcome {
    let mut outcome = Outcome {
        located: true,
        ..Outcome::default()
    };
    parser(
        bytes,
        Location::new(origin),
        None,
        &mut |parsed| match parsed {
            Parsed::Item(item) => outcome.items.push(*item),
            Parsed::Rejected(error) => {
                outcome.located &= error.location.origin == origin && !error.reason.is_empty();
                outcome.rejected.push(error.to_string());
            }
            Parsed::Warning(error) => outcome.warnings.push(error.to_string()),
            Parsed::Skipped(skipped) => panic!("parsers do not skip files: {skipped:?}"),
        },
    );
    outcome
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn every_corpus_feed_imports_or_is_rejected_with_a_location() {
    let Some(root) = corpus() else { return };
    let mut files = Vec::new();
    files_under(&root.join("feeds"), &mut files);
    files.retain(|path| is_feed_file(path));
    assert!(files.len() > 100, "found only {} feed files", files.len());

    let (mut imported, mut rejected, mut items) = (0, 0, 0);
    let mut failures = Vec::new();
    for path in &files {
        let name = relative(path, &root);
        let bytes = std::fs::read(path).unwrap();
        let started = Instant::now();
        let outcome = run(parse_feed, &bytes, &name);
        let took = started.elapsed();
        if took > Duration::from_secs(10) {
            failures.push(format!("{name}: took {took:?}"));
        }
        if !outcome.located {
            failures.push(format!("{name}: rejection without a location or reason"));
        }
        match (outcome.items.is_empty(), outcome.rejected.is_empty()) {
            (false, true) => {
                imported += 1;
                items += outcome.items.len();
            }
            (true, false) => {
                rejected += 1;
                println!("rejected {}", outcome.rejected.join("; "));
            }
            (true, true) if outcome.warnings.iter().any(|w| w.contains("no items")) => {
                imported += 1;
                println!("empty    {name}");
            }
            _ => failures.push(format!(
                "{name}: {} items, rejections {:?}, warnings {:?}",
                outcome.items.len(),
                outcome.rejected,
                outcome.warnings
            )),
        }
        for item in &outcome.items {
            if item.raw.is_empty() || item.location.item.is_none() {
                failures.push(format!("{name}: an item without raw bytes or item label"));
                break;
            }
        }
    }
    println!(
        "feeds: {} files, {imported} imported ({items} items), {rejected} rejected",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn feed(root: &Path, relative_path: &str) -> Outcome {
    let bytes = std::fs::read(root.join("feeds").join(relative_path)).unwrap();
    run(parse_feed, &bytes, relative_path)
}

#[test]
fn broken_feeds_are_rejected_and_lenient_ones_import() {
    let Some(root) = corpus() else { return };
    for broken in [
        "feed-rs/rss2/rss_2.0_invalid_1.xml",
        "realworld/node-feedparser/saxerror.xml",
        "realworld/node-feedparser/notafeed.html",
    ] {
        let outcome = feed(&root, broken);
        assert!(outcome.items.is_empty(), "{broken} half-imported");
        assert_eq!(outcome.rejected.len(), 1, "{broken}");
        println!("{}", outcome.rejected[0]);
    }
    let sax = feed(&root, "realworld/node-feedparser/saxerror.xml");
    assert!(sax.rejected[0].contains(":15:"), "{:?}", sax.rejected);

    for lenient in [
        "feed-rs/atom/atom_example_4.xml",
        "feed-rs/atom/atom_scattered.xml",
        "feed-rs/rss2/rss_2.0_dbengines.xml",
        "feed-rs/rss2/rss_2.0_w3_blog.xml",
    ] {
        let outcome = feed(&root, lenient);
        assert!(
            outcome.rejected.is_empty(),
            "{lenient}: {:?}",
            outcome.rejected
        );
        assert!(!outcome.items.is_empty(), "{lenient}");
    }
    let dbengines = feed(&root, "feed-rs/rss2/rss_2.0_dbengines.xml");
    assert!(
        dbengines
            .items
            .iter()
            .all(|item| !format!("{item:?}").contains("&nbsp;")),
        "&nbsp; left in the text"
    );
}

fn all_text(outcome: &Outcome) -> String {
    outcome
        .items
        .iter()
        .map(|item| {
            format!(
                "{} {} {} {}",
                item.title.as_deref().unwrap_or(""),
                item.summary.as_deref().unwrap_or(""),
                item.body.as_deref().unwrap_or(""),
                item.source.as_deref().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn charsets_come_out_as_correct_text() {
    let Some(root) = corpus() else { return };
    let golem = feed(&root, "miniflux/encoding_ISO-8859-1.xml");
    let golem_text = all_text(&golem);
    assert!(golem_text.contains("Golem"), "not the Golem feed?");
    assert!(
        golem_text.contains('ü') || golem_text.contains('ä') || golem_text.contains('ö'),
        "no umlauts"
    );
    assert!(!golem_text.contains('\u{fffd}') && !golem_text.contains("Ã"));

    let cyrillic = all_text(&feed(&root, "miniflux/encoding_WINDOWS-1251.xml"));
    assert!(!cyrillic.contains('\u{fffd}') && !cyrillic.contains("Ð"));
    assert!(cyrillic.chars().filter(|c| ('а'..='я').contains(c)).count() > 100);

    let latin1 = feed(&root, "miniflux/no_encoding_ISO-8859-1.xml");
    let latin1_text = all_text(&latin1);
    assert!(!latin1_text.contains('\u{fffd}'));
    assert!(latin1_text.contains('é') || latin1_text.contains('è') || latin1_text.contains('à'));

    let urdu = all_text(&feed(&root, "miniflux/urdu_UTF8.xml"));
    assert!(urdu.chars().any(|c| ('\u{600}'..='\u{6ff}').contains(&c)));
}

#[test]
fn every_corpus_page_imports_or_is_rejected_with_a_location() {
    let Some(root) = corpus() else { return };
    let mut files = Vec::new();
    files_under(&root.join("html"), &mut files);
    files.retain(|path| is_page_file(path));
    assert!(files.len() > 150, "found only {} pages", files.len());
    let (mut imported, mut rejected) = (0, 0);
    let mut failures = Vec::new();
    for path in &files {
        let name = relative(path, &root);
        let bytes = std::fs::read(path).unwrap();
        let outcome = run(parse_html_page, &bytes, &name);
        if !outcome.located {
            failures.push(format!("{name}: rejection without a location or reason"));
        }
        match (outcome.items.len(), outcome.rejected.len()) {
            (1, 0) => imported += 1,
            (0, 1) => {
                rejected += 1;
                println!("rejected {}", outcome.rejected[0]);
            }
            other => failures.push(format!("{name}: {other:?}")),
        }
    }
    println!(
        "pages: {} files, {imported} imported, {rejected} rejected",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Deterministic mutations: every truncation point on a coarse grid, and byte flips at a stride.
fn mutations(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let step = (bytes.len() / 24).max(1);
    for cut in (0..bytes.len()).step_by(step) {
        out.push(bytes[..cut].to_vec());
    }
    let flips = [0x00, b'<', b'>', b'&', b'"', 0xff, 0xc3, b'{', b']'];
    for (n, at) in (0..bytes.len()).step_by(step / 2 + 1).enumerate() {
        let mut flipped = bytes.to_vec();
        flipped[at] = flips[n % flips.len()];
        out.push(flipped);
    }
    out
}

#[test]
fn truncated_and_flipped_inputs_never_panic() {
    let Some(root) = corpus() else { return };
    let feeds = [
        "feeds/feed-rs/rss2/rss_2.0_bbc.xml",
        "feeds/feed-rs/atom/atom_example_1.xml",
        "feeds/feed-rs/jsonfeed/jsonfeed_spec_1.json",
        "feeds/feed-rs/rss1/rss_1.0_debian.xml",
        "feeds/miniflux/encoding_WINDOWS-1251.xml",
        "feeds/realworld/node-feedparser/saxerror.xml",
    ];
    let pages = [
        "html/readability/001/source.html",
        "html/readability/aclu/source.html",
        "html/goose3/authors/test_author_schema.html",
    ];
    let mut runs = 0;
    for file in feeds.iter().chain(&pages) {
        let bytes = std::fs::read(root.join(file)).unwrap();
        for mutated in mutations(&bytes) {
            // Both parsers on every input: a page mistaken for a feed must not panic either.
            let _ = run(parse_feed, &mutated, file);
            if pages.contains(file) {
                let _ = run(parse_html_page, &mutated, file);
            }
            runs += 1;
        }
    }
    println!("{runs} mutated inputs parsed without a panic");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

        #[test]
        fn feed_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = run(parse_feed, &bytes, "prop");
        }

        #[test]
        fn feed_like_text_never_panics(
            body in "(<item>|</item>|<title>|</title>|&nbsp;|&|<!\\[CDATA\\[|\\]\\]>|[a-z ]{0,8}|\\{|\"items\":\\[){0,40}"
        ) {
            let text = format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>{body}");
            let _ = run(parse_feed, text.as_bytes(), "prop");
            let _ = run(parse_html_page, text.as_bytes(), "prop");
        }
    }
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn rss_parser_expectations_item_counts_and_titles() {
    let Some(root) = corpus() else { return };
    let dir = root.join("feeds/realworld/rss-parser");
    let mut expected_files = Vec::new();
    files_under(&dir.join("expected"), &mut expected_files);
    let (mut titles, mut matching, mut failures) = (0, 0, Vec::new());
    for expected_path in expected_files {
        let stem = expected_path
            .file_stem()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let Some(input) = ["rss", "atom"]
            .iter()
            .map(|ext| dir.join("input").join(format!("{stem}.{ext}")))
            .find(|p| p.exists())
        else {
            continue;
        };
        let expected_text =
            String::from_utf8_lossy(&std::fs::read(&expected_path).unwrap()).into_owned();
        let expected: serde_json::Value = serde_json::from_str(&expected_text).unwrap();
        let feed = expected.get("feed").unwrap_or(&expected);
        let want: Vec<String> = feed["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|i| squash(i["title"].as_str().unwrap_or("")))
                    .collect()
            })
            .unwrap_or_default();
        let outcome = run(parse_feed, &std::fs::read(&input).unwrap(), &stem);
        if outcome.items.len() != want.len() {
            failures.push(format!(
                "{stem}: {} items, expected {}",
                outcome.items.len(),
                want.len()
            ));
            continue;
        }
        for (item, title) in outcome.items.iter().zip(&want) {
            titles += 1;
            let got = squash(item.title.as_deref().unwrap_or(""));
            // The expectations were written by a parser that mangled Latin-1 into U+FFFD:
            // compare the ASCII letters only.
            let ascii = |s: &str| s.chars().filter(char::is_ascii).collect::<String>();
            if ascii(&got).replace(' ', "") == ascii(title).replace(' ', "") {
                matching += 1;
            } else {
                println!("{stem}: title {got:?} expected {title:?}");
            }
        }
    }
    println!("rss-parser: {matching}/{titles} titles match");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(matching * 100 >= titles * 95, "{matching}/{titles}");
}

/// Expected text for scoring: the reference HTML through the project's own markup-to-text
/// conversion, the same one every stored body goes through.
fn page_text(html: &str) -> String {
    newsdb::normalize::text::html_to_text(html)
}

/// A page's body as newsdb stores it: parsed page, then the one normaliser.
fn stored_body(item: &RawItem) -> String {
    newsdb::normalize::normalize(item.clone(), &NormalizeOptions::default())
        .map(|article| article.body)
        .unwrap_or_default()
}

fn tokens(text: &str) -> std::collections::HashMap<String, usize> {
    let mut bag = std::collections::HashMap::new();
    for token in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
    {
        *bag.entry(token.to_lowercase()).or_insert(0) += 1;
    }
    bag
}

/// Bag-of-tokens F1 of `got` against `want`.
fn token_f1(got: &str, want: &str) -> f64 {
    let (got, want) = (tokens(got), tokens(want));
    let common: usize = got
        .iter()
        .map(|(token, n)| (*n).min(*want.get(token).unwrap_or(&0)))
        .sum();
    let (total_got, total_want): (usize, usize) = (got.values().sum(), want.values().sum());
    if total_got == 0 && total_want == 0 {
        return 1.0;
    }
    if common == 0 {
        return 0.0;
    }
    let precision = common as f64 / total_got as f64;
    let recall = common as f64 / total_want as f64;
    2.0 * precision * recall / (precision + recall)
}

/// Token F1 of the start of `got` against `want`, goose3's expectation, which is mostly only the
/// first sentence or two of the text: as many tokens of `got` are compared as `want` has, so a
/// byline or caption leaking in front of the text costs as much as missing text.
fn opening_f1(got: &str, want: &str) -> f64 {
    let is_token = |t: &&str| !t.is_empty();
    let count = want
        .split(|c: char| !c.is_alphanumeric())
        .filter(is_token)
        .count();
    let mut seen = 0;
    let end = got
        .char_indices()
        .filter(|(at, c)| {
            c.is_alphanumeric()
                && !got[..*at]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric)
        })
        .find(|_| {
            seen += 1;
            seen > count
        })
        .map_or(got.len(), |(at, _)| at);
    token_f1(&got[..end], want)
}

/// A date as an instant; a date without a zone is read as UTC, a day as its midnight.
fn instant(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M%:z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 10)
        .map(|d| d.and_hms_opt(0, 0, 0).unwrap().and_utc())
}

fn same_instant(got: Option<&str>, want: &str) -> bool {
    match (got.and_then(instant), instant(want)) {
        (Some(got), Some(want)) => got == want,
        _ => got.map(squash) == Some(squash(want)),
    }
}

fn byline_key(text: &str) -> String {
    let text = squash(text).to_lowercase();
    let text = text.strip_prefix("by ").unwrap_or(&text).to_string();
    text.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// The people newsdb stores for an item: its bylines through the one normaliser.
fn stored_people(item: &RawItem) -> Vec<String> {
    newsdb::normalize::normalize(item.clone(), &NormalizeOptions::default())
        .map(|article| {
            article
                .authors
                .into_iter()
                .map(|person| person.name)
                .collect()
        })
        .unwrap_or_default()
}

fn page_item(path: &Path, name: &str) -> Option<RawItem> {
    let outcome = run(parse_html_page, &std::fs::read(path).unwrap(), name);
    outcome.items.into_iter().next()
}

struct Rate {
    name: &'static str,
    hits: usize,
    total: usize,
}

impl Rate {
    fn add(&mut self, hit: bool) {
        self.total += 1;
        self.hits += usize::from(hit);
    }
    fn share(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.hits as f64 / self.total as f64
        }
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}/{} ({:.1}%)",
            self.name,
            self.hits,
            self.total,
            self.share() * 100.0
        )
    }
}

/// Our labels for corpus pages whose reference is not what newsdb should store
/// (`tests/fixtures/parsers/page-labels.tsv`): (page, field) -> value.
struct Labels(std::collections::HashMap<(String, String), String>);

impl Labels {
    fn load() -> Labels {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parsers/page-labels.tsv");
        let text = std::fs::read_to_string(path).unwrap();
        let mut labels = std::collections::HashMap::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let fields: Vec<&str> = line.split('\t').collect();
            assert!(fields.len() >= 3, "bad label line: {line}");
            labels.insert(
                (fields[0].to_string(), fields[1].to_string()),
                fields[2].to_string(),
            );
        }
        Labels(labels)
    }

    fn get(&self, page: &str, field: &str) -> Option<&str> {
        self.0
            .get(&(page.to_string(), field.to_string()))
            .map(String::as_str)
    }
}

/// A labelled byline ("A; B", or "-" for none) as the people newsdb should store.
fn labelled_people(label: &str) -> Vec<String> {
    label
        .split("; ")
        .filter(|name| *name != "-" && !name.is_empty())
        .map(str::to_string)
        .collect()
}

/// The scores of issue 3 on Mozilla Readability's test pages. Run with `--nocapture` to see them.
#[test]
fn readability_corpus_scores() {
    let Some(root) = corpus() else { return };
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(root.join("html/readability"))
        .unwrap()
        .flatten()
    {
        if entry.path().join("source.html").exists() {
            dirs.push(entry.path());
        }
    }
    dirs.sort();
    let mut title = Rate {
        name: "title",
        hits: 0,
        total: 0,
    };
    let mut site = Rate {
        name: "site name",
        hits: 0,
        total: 0,
    };
    let mut published = Rate {
        name: "published",
        hits: 0,
        total: 0,
    };
    let mut byline = Rate {
        name: "byline",
        hits: 0,
        total: 0,
    };
    // The same against Readability's reference as it is (site names in titles, page text in
    // bylines), for comparison.
    let mut title_as_is = Rate {
        name: "title (reference as is)",
        hits: 0,
        total: 0,
    };
    let mut byline_as_is = Rate {
        name: "byline (reference as is)",
        hits: 0,
        total: 0,
    };
    let labels = Labels::load();
    let mut f1s = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let page = format!("readability/{name}");
        let expected: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("expected-metadata.json")).unwrap())
                .unwrap();
        let item = page_item(&dir.join("source.html"), &name).unwrap_or_default();
        let want = |key: &str| expected[key].as_str().filter(|s| !s.trim().is_empty());

        let got_title = squash(item.title.as_deref().unwrap_or(""));
        title_as_is.add(got_title == squash(want("title").unwrap_or("")));
        let want_title = labels.get(&page, "title").or(want("title")).unwrap_or("");
        let hit = got_title == squash(want_title);
        title.add(hit);
        if !hit {
            println!("{name}: title {got_title:?} want {want_title:?}");
        }
        if let Some(want_site) = want("siteName") {
            let hit = item.source.as_deref().map(squash) == Some(squash(want_site));
            site.add(hit);
            if !hit {
                println!("{name}: site {:?} want {want_site:?}", item.source);
            }
        }
        if let Some(want_date) = want("publishedTime") {
            let hit = same_instant(item.published.as_deref(), want_date);
            published.add(hit);
            if !hit {
                println!("{name}: published {:?} want {want_date:?}", item.published);
            }
        }
        let got = stored_people(&item);
        if let Some(reference) = want("byline") {
            byline_as_is.add(byline_key(&got.join(", ")) == byline_key(reference));
        }
        let want_people = match labels.get(&page, "byline") {
            Some(label) => Some(labelled_people(label)),
            None => want("byline").map(|byline| vec![byline.to_string()]),
        };
        if let Some(want_people) = want_people {
            let hit = byline_key(&got.join("")) == byline_key(&want_people.join(""));
            byline.add(hit);
            if !hit {
                println!("{name}: byline {got:?} want {want_people:?}");
            }
        }
        let want_body = page_text(&String::from_utf8_lossy(
            &std::fs::read(dir.join("expected.html")).unwrap(),
        ));
        let got_body = stored_body(&item);
        f1s.push((token_f1(&got_body, &want_body), name));
    }
    f1s.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (f1, name) in f1s.iter().take_while(|(f1, _)| *f1 < 0.9) {
        println!("{name}: body F1 {f1:.3}");
    }
    let median = f1s[f1s.len() / 2].0;
    let p10 = f1s[f1s.len() / 10].0;
    println!("readability corpus, {} pages:", dirs.len());
    for rate in [
        &title,
        &site,
        &published,
        &byline,
        &title_as_is,
        &byline_as_is,
    ] {
        println!("  {rate}");
    }
    println!("  body token F1: median {median:.3}, 10th percentile {p10:.3}");
    // Floors just under what is reached with the labels (issue 11: 130/130, 62/62, 33/33,
    // 73/76; before it, 117/130 titles and 58/76 bylines).
    assert!(title.share() >= 0.99, "{title}");
    assert!(site.share() >= 0.99, "{site}");
    assert!(published.share() >= 0.99, "{published}");
    assert!(byline.share() >= 0.95, "{byline}");
    // Floors just under what the real path reaches (median 1.000, p10 0.998); issue 3 asks for
    // at least 0.95 and 0.85.
    assert!(
        median >= 0.995 && p10 >= 0.99,
        "F1 median {median}, p10 {p10}"
    );
}

/// goose3's expectations for title, authors and publish date (reported; a different reference
/// than Readability's, so only a loose floor is asserted).
#[test]
fn goose3_title_authors_and_dates() {
    let Some(root) = corpus() else { return };
    let mut files = Vec::new();
    files_under(&root.join("html/goose3"), &mut files);
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    let mut title = Rate {
        name: "title",
        hits: 0,
        total: 0,
    };
    let mut authors = Rate {
        name: "authors",
        hits: 0,
        total: 0,
    };
    let mut published = Rate {
        name: "publish date",
        hits: 0,
        total: 0,
    };
    let mut labelled_bylines = Rate {
        name: "bylines of the labelled news pages",
        hits: 0,
        total: 0,
    };
    let labels = Labels::load();
    let mut openings = Vec::new();
    for json in &files {
        let page = json.with_extension("html");
        if !page.exists() {
            continue;
        }
        let name = relative(&page, &root);
        let expected: serde_json::Value =
            serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
        let expected = &expected["expected"];
        // Metadata straight from the extractor: some of these pages have nothing else, and are
        // rightly rejected as articles.
        let (html, _) = newsdb::import::html::decode_page(&std::fs::read(&page).unwrap(), None);
        let extracted = newsdb::import::html::extract(&html);
        let item = RawItem {
            title: extracted.title,
            body: extracted.body,
            body_markup: newsdb::item::Markup::Html,
            authors: extracted.meta.authors,
            published: extracted.meta.published,
            source: extracted.meta.site_name,
            ..RawItem::default()
        };
        if let Some(want) = expected["cleaned_text"].as_str() {
            let got = stored_body(&item);
            openings.push((opening_f1(&got, want), name.clone()));
        }
        let page_label = name
            .trim_start_matches("html/")
            .trim_end_matches(".html")
            .to_string();
        if let Some(want) = labels
            .get(&page_label, "title")
            .or(expected["title"].as_str())
        {
            let hit = squash(item.title.as_deref().unwrap_or("")) == squash(want);
            title.add(hit);
            if !hit {
                println!("{name}: title {:?} want {want:?}", item.title);
            }
        }
        if let Some(want) = expected["authors"].as_array() {
            let want: Vec<String> = want
                .iter()
                .filter_map(|a| a.as_str())
                .map(byline_key)
                .collect();
            let people = stored_people(&item);
            let mut got: Vec<String> = people.iter().map(|a| byline_key(a)).collect();
            // goose3 keeps authors in a set: their order is not part of its expectation.
            let mut want = want;
            got.sort();
            want.sort();
            let hit = got == want || byline_key(&people.join("")) == want.concat();
            authors.add(hit);
            if !hit {
                println!("{name}: authors {people:?} want {want:?}");
            }
        }
        if let Some(label) = labels.get(&page_label, "byline") {
            let people = stored_people(&item);
            let want = labelled_people(label);
            let hit = byline_key(&people.join("")) == byline_key(&want.join(""));
            labelled_bylines.add(hit);
            if !hit {
                println!("{name}: byline {people:?} labelled {want:?}");
            }
        }
        if let Some(want) = expected["publish_date"].as_str() {
            let hit = same_instant(item.published.as_deref(), want);
            published.add(hit);
            if !hit {
                println!("{name}: published {:?} want {want:?}", item.published);
            }
        }
    }
    openings.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (f1, name) in openings.iter().take_while(|(f1, _)| *f1 < 0.9) {
        println!("{name}: body opening F1 {f1:.3}");
    }
    let median = openings[openings.len() / 2].0;
    let p10 = openings[openings.len() / 10].0;
    println!("goose3: {title}, {authors}, {published}, {labelled_bylines}");
    println!(
        "goose3 body opening token F1 ({} pages): median {median:.3}, 10th percentile {p10:.3}",
        openings.len()
    );
    // Floors just under what is reached (issue 11: titles 15/15, authors 3/3, dates 11/12,
    // labelled bylines 35/37).
    assert!(title.share() >= 0.99, "{title}");
    assert!(labelled_bylines.share() >= 0.94, "{labelled_bylines}");
    assert!(authors.share() >= 0.99, "{authors}");
    assert!(published.share() >= 0.9, "{published}");
    // goose3 expects less around the text than Readability keeps (lead captions, decks), so this
    // floor only guards against bylines and other leaks coming back (median 0.910 reached).
    assert!(median >= 0.9, "goose3 opening F1 median {median}");
}

/// The same story as a saved page whose byline and date sit in the article markup (a
/// `<p class="byline">` with a `<time>`, or `.article-meta` spans), as scraped text that starts
/// with "By Jane Doe · Sept 11, 2023", and as a feed item's HTML content: one content hash, so
/// one article. Regression test: the byline used to stay as the page's first body line.
#[test]
fn a_page_with_byline_markup_hashes_like_the_same_story_as_text_and_feed_item() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages");
    let text = std::fs::read_to_string(fixtures.join("story.txt")).unwrap();
    let options = NormalizeOptions::default();
    let (title, body) = text.split_once('\n').unwrap();
    let as_text = newsdb::normalize::normalize(
        RawItem {
            title: Some(title.into()),
            body: Some(body.into()),
            body_markup: newsdb::item::Markup::Text,
            ..RawItem::default()
        },
        &options,
    )
    .unwrap();
    assert!(
        as_text.body.starts_with("The old harbour bridge"),
        "{}",
        as_text.body
    );
    let authors: Vec<&str> = as_text.authors.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(authors, ["Jane Doe"]);

    let paragraphs: String = body
        .split("\n\n")
        .skip(1)
        .map(|p| format!("<p>{}</p>", p.trim()))
        .collect();
    let as_feed_item = newsdb::normalize::normalize(
        RawItem {
            title: Some(title.into()),
            body: Some(paragraphs),
            body_markup: newsdb::item::Markup::Html,
            ..RawItem::default()
        },
        &options,
    )
    .unwrap();
    assert_eq!(as_feed_item.hash, as_text.hash);

    for page in ["byline-time.html", "article-meta.html"] {
        let item = page_item(&fixtures.join(page), page).expect(page);
        assert_eq!(item.authors, ["Jane Doe"], "{page}");
        // Taken out by the page parser already, not only by the credit-line rule.
        let page_text = page_text(item.body.as_deref().unwrap_or(""));
        assert!(!page_text.contains("Jane Doe"), "{page}: {page_text}");
        let article = newsdb::normalize::normalize(item, &options).unwrap();
        assert_eq!(article.body, as_text.body, "{page}");
        assert_eq!(article.hash, as_text.hash, "{page}");
    }
}
