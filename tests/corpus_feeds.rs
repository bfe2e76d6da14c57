//! Every feed of the shared corpus through the real binary (issue 11, item 1): each item that has
//! any text (title, content, description or summary) is stored, no stored article has an empty
//! searchable text, and a word drawn from each article finds it in the full-text index `search`
//! uses.
//!
//! Items are counted here without newsdb's parser: quick-xml walks the `<item>`/`<entry>`
//! elements (JSON Feed: the `items` array) and looks for text in their text fields. The corpus
//! lives outside the repository (`$NEWSDB_CORPUS`, else `../shared/corpus`); without it the test
//! prints a SKIP line, and fails under `CI=true`.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use quick_xml::events::Event;

use common::{TestDb, corpus, stderr, stdout};

/// Files rejected whole, with a position: two feeds the corpus breaks on purpose, and feed-rs's
/// sample of plain XML (`<rdf><item>` with no RSS namespace or channel), which is not a feed.
const REJECTED_WHOLE: [&str; 3] = ["rss_2.0_invalid_1.xml", "saxerror.xml", "xml_iso8859.xml"];

/// Files whose outcome is decided by format detection, not by feed reading, so not asserted
/// here: a bare Atom `<entry>` document that detection does not take for a feed, and an HTML
/// "Document Moved" page saved as `.rss`, which imports as a page.
const DECIDED_BY_DETECTION: [&str; 2] = ["atom_entry_1.xml", "unrecognized.rss"];

/// The children of an item whose text makes it worth storing.
const XML_TEXT_FIELDS: [&str; 5] = ["title", "description", "summary", "content", "encoded"];
const JSON_TEXT_FIELDS: [&str; 4] = ["title", "content_html", "content_text", "summary"];

fn feed_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if name != "expected" {
                feed_files(&path, out);
            }
        } else if !name.ends_with(".serde.json")
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "xml" | "rss" | "atom" | "json" | "rdf"))
        {
            out.push(path);
        }
    }
}

/// Items in one file, and how many of them have any text.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Count {
    items: usize,
    with_text: usize,
}

/// The bytes as UTF-8 that quick-xml can walk: gzip inflated, then decoded by the BOM, else the
/// XML declaration's encoding, else UTF-8 with windows-1252 as the fallback.
fn readable(bytes: Vec<u8>) -> Vec<u8> {
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        let _ = flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_end(&mut out);
        out
    } else {
        bytes
    };
    let declared = || {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
        let at = head.find("encoding=")? + "encoding=".len();
        let quoted = &head[at + 1..];
        encoding_rs::Encoding::for_label(&quoted.as_bytes()[..quoted.find(['"', '\''])?])
    };
    let encoding = match encoding_rs::Encoding::for_bom(&bytes) {
        Some((encoding, _)) => encoding,
        None => match declared() {
            Some(encoding) => encoding,
            None if std::str::from_utf8(&bytes).is_ok() => encoding_rs::UTF_8,
            None => encoding_rs::WINDOWS_1252,
        },
    };
    let (text, _, _) = encoding.decode(&bytes);
    text.into_owned().into_bytes()
}

/// Outermost `<item>`/`<entry>` elements, and those with text in a direct child text field.
/// None when the file is not well-formed XML.
fn count_xml(bytes: &[u8]) -> Option<Count> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut count = Count::default();
    let mut depth = 0usize;
    let mut item_depth: Option<usize> = None;
    let mut field_depth: Option<usize> = None;
    let mut has_text = false;
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).ok()?;
        match event {
            Event::Start(e) => {
                let local = e.local_name();
                let name: &str = local.into_inner();
                match item_depth {
                    None if name == "item" || name == "entry" => {
                        item_depth = Some(depth);
                        count.items += 1;
                        has_text = false;
                    }
                    Some(at) if depth == at + 1 && XML_TEXT_FIELDS.contains(&name) => {
                        field_depth = Some(depth);
                    }
                    _ => {}
                }
                depth += 1;
            }
            Event::Empty(e) => {
                let local = e.local_name();
                let name: &str = local.into_inner();
                if item_depth.is_none() && matches!(name, "item" | "entry") {
                    count.items += 1;
                }
            }
            Event::Text(t) if field_depth.is_some() => has_text |= !is_blank(&t.into_inner()),
            Event::CData(t) if field_depth.is_some() => has_text |= !is_blank(&t.into_inner()),
            Event::GeneralRef(_) if field_depth.is_some() => has_text = true,
            Event::End(_) => {
                depth = depth.checked_sub(1)?;
                if field_depth == Some(depth) {
                    field_depth = None;
                }
                if item_depth == Some(depth) {
                    item_depth = None;
                    count.with_text += usize::from(has_text);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    (depth == 0).then_some(count)
}

fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

fn count_json(bytes: &[u8]) -> Option<Count> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let items = value.get("items")?.as_array()?;
    let with_text = items
        .iter()
        .filter(|item| {
            JSON_TEXT_FIELDS.iter().any(|field| {
                item.get(field)
                    .and_then(|v| v.as_str())
                    .is_some_and(|s| !s.trim().is_empty())
            })
        })
        .count();
    Some(Count {
        items: items.len(),
        with_text,
    })
}

fn count_items(path: &Path) -> Option<Count> {
    let bytes = readable(std::fs::read(path).unwrap());
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    if bytes[start] == b'{' {
        count_json(&bytes)
    } else {
        count_xml(&bytes)
    }
}

/// A word of the text as the FTS5 `unicode61` tokenizer cuts it (letters and digits): the first
/// of three characters or more, else the first ("v3.9.0" has only "v3", "9" and "0").
fn a_word_of(text: &str) -> Option<String> {
    let mut words = text.split(|c: char| !c.is_alphanumeric());
    let words: Vec<&str> = words.by_ref().filter(|word| !word.is_empty()).collect();
    words
        .iter()
        .find(|word| word.chars().count() >= 3)
        .or(words.first())
        .map(|word| word.to_string())
}

#[test]
fn every_corpus_feed_item_with_text_is_stored_and_searchable() {
    let Some(feeds) = corpus("feeds") else {
        return;
    };
    let mut files = Vec::new();
    feed_files(&feeds, &mut files);
    assert!(files.len() > 100, "only {} feed files found", files.len());

    let db = TestDb::new();
    let output = db.run(&["import", "--no-entities", "--json", feeds.to_str().unwrap()]);
    // Some inputs are broken on purpose: exit 1, the rest stored.
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();

    let conn = db.connect();
    let origin_of = |path: &Path| path.to_str().unwrap().to_string();
    // Each item imported from a file is one arrival of a sighting from that file.
    let mut stored: BTreeMap<String, i64> = BTreeMap::new();
    let mut statement = conn
        .prepare("SELECT origin, sum(times_seen) FROM sightings GROUP BY origin")
        .unwrap();
    for row in statement
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })
        .unwrap()
    {
        let (origin, count) = row.unwrap();
        stored.insert(origin, count);
    }
    let mut rejects: BTreeMap<String, Vec<(Option<String>, String)>> = BTreeMap::new();
    let mut statement = conn
        .prepare("SELECT origin, locator, reason FROM import_rejects")
        .unwrap();
    for row in statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Option<String>>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .unwrap()
    {
        let (origin, locator, reason) = row.unwrap();
        rejects.entry(origin).or_default().push((locator, reason));
    }

    let (mut items_in_files, mut with_text_in_files, mut imported) = (0, 0, 0);
    let mut problems = Vec::new();
    for file in &files {
        let origin = origin_of(file);
        let name = file.file_name().unwrap().to_str().unwrap();
        let stored_here = stored.get(&origin).copied().unwrap_or(0) as usize;
        let rejected_here = rejects.get(&origin).cloned().unwrap_or_default();
        let item_rejects = rejected_here
            .iter()
            .filter(|(locator, _)| locator.as_deref().is_some_and(|l| l.contains("item ")))
            .count();
        imported += stored_here;
        if REJECTED_WHOLE.contains(&name) {
            if stored_here != 0 || rejected_here.is_empty() {
                problems.push(format!(
                    "{origin}: not a readable feed, yet {stored_here} items stored and {} rejects",
                    rejected_here.len()
                ));
            }
            continue;
        }
        if DECIDED_BY_DETECTION.contains(&name) {
            println!("not asserted (format detection): {origin}: {stored_here} items stored");
            continue;
        }
        let Some(count) = count_items(file) else {
            problems.push(format!("{origin}: this test cannot count its items"));
            continue;
        };
        items_in_files += count.items;
        with_text_in_files += count.with_text;
        if stored_here != count.with_text || stored_here + item_rejects != count.items {
            problems.push(format!(
                "{origin}: {} items, {} with text; {stored_here} stored, rejects {rejected_here:?}",
                count.items, count.with_text
            ));
        }
    }

    let articles = db.count("SELECT count(*) FROM articles");
    let empty_text = db.column(
        "SELECT id FROM articles
          WHERE trim(coalesce(title, '') || coalesce(summary, '') || body) = ''",
    );
    // A word from each article, looked up in the index `search` reads.
    let mut texts = conn
        .prepare("SELECT id, coalesce(title, ''), coalesce(summary, ''), body FROM articles")
        .unwrap();
    let mut lookup = conn
        .prepare("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?1 AND rowid = ?2")
        .unwrap();
    let (mut searched, mut not_found) = (0, Vec::new());
    let rows: Vec<(i64, String)> = texts
        .query_map([], |row| {
            let text = [
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ]
            .join(" ");
            Ok((row.get(0)?, text))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (id, text) in &rows {
        let Some(word) = a_word_of(text) else {
            not_found.push(format!("article {id}: no word to search for in {text:?}"));
            continue;
        };
        let found: i64 = lookup
            .query_row(rusqlite::params![format!("\"{word}\""), id], |row| {
                row.get(0)
            })
            .unwrap();
        searched += 1;
        if found == 0 {
            not_found.push(format!("article {id}: {word:?} does not find it"));
        }
    }

    println!(
        "corpus feeds: {} files; {items_in_files} items in the files, {with_text_in_files} with \
         text; {imported} imported into {articles} articles ({} duplicates); {} rejects; {} \
         articles with an empty searchable text; {searched} searched by a word of their own, {} \
         not found",
        files.len(),
        summary["duplicates"],
        summary["rejected"],
        empty_text.len(),
        not_found.len(),
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(empty_text.is_empty(), "empty articles: {empty_text:?}");
    assert!(not_found.is_empty(), "{}", not_found.join("\n"));

    // The same word through the `search` command finds the same article.
    let (id, text) = &rows[0];
    let word = a_word_of(text).unwrap();
    let found = db.run(&["search", &word, "--limit", "1000", "--format", "csv"]);
    assert!(found.status.success(), "{}", stderr(&found));
    assert!(
        stdout(&found)
            .lines()
            .any(|line| line.starts_with(&format!("{id},"))),
        "search {word} does not list article {id}:\n{}",
        stdout(&found)
    );
}
