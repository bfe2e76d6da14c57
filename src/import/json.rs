//! JSON and JSON Lines article dumps: one object, an array of objects, or one object per line.
//!
//! Each record becomes a [`RawItem`] whose `raw` is the record's exact bytes (the array element or
//! the line), so that it can be re-normalised later; unknown fields are ignored here and survive in
//! `raw`. Records are mapped by [`record_to_item`], which also serves JSON Feed items.
//!
//! JSON Lines is the bulk path (programs feeding newsdb on stdin), so it streams: one reused line
//! buffer, and each line is parsed once straight into a map of the fields we know, skipping the
//! others without allocating. A broken line is rejected at its line number and the stream goes on.

use std::fmt;
use std::io::BufRead;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::import::charset;
use crate::import::limits::{Line, LineReader, too_large};
use crate::item::{
    Format, ImportError, ImportedEntity, ImportedMention, Location, Markup, Parsed, RawItem,
};

const TITLE: &[&str] = &["title", "headline"];
/// Body fields in order of preference, with the markup each one implies.
const BODY: &[(&str, Markup)] = &[
    ("body", Markup::Detect),
    ("content", Markup::Detect),
    ("text", Markup::Detect),
    ("content_html", Markup::Html),
    ("content_text", Markup::Text),
];
const SUMMARY: &[&str] = &["summary", "description", "excerpt"];
const URL: &[&str] = &["url", "link", "canonical_url"];
const GUID: &[&str] = &["guid", "id"];
const SOURCE: &[&str] = &["source", "publisher", "site_name"];
const SOURCE_URL: &[&str] = &["source_url"];
const AUTHORS: &[&str] = &["authors", "author", "byline"];
const PUBLISHED: &[&str] = &[
    "published",
    "published_at",
    "date",
    "pubDate",
    "date_published",
    "datePublished",
];
const LANGUAGE: &[&str] = &["language", "lang"];
const CATEGORIES: &[&str] = &["categories", "tags", "keywords"];
const ENTITIES: &str = "entities";

/// Every field [`record_to_item`] reads; the parsers keep only these when reading a record.
const KNOWN_FIELDS: &[&[&str]] = &[
    TITLE,
    &["body", "content", "text", "content_html", "content_text"],
    SUMMARY,
    URL,
    GUID,
    SOURCE,
    SOURCE_URL,
    AUTHORS,
    PUBLISHED,
    LANGUAGE,
    CATEGORIES,
    &[ENTITIES],
];

/// Fields that make a record an article rather than metadata: a body, or where it was found
/// (or, with a title, its GUID). A title with a byline or an excerpt alone is how test
/// expectations look (Readability's `expected-metadata.json`).
const ARTICLE_FIELDS: &[&[&str]] = &[
    &["body", "content", "text", "content_html", "content_text"],
    URL,
];

/// Whether a JSON or JSON Lines document (or its first bytes) holds article records: its first
/// record (the object, the first element of the array, the first line) has a body or URL field
/// holding text, or a title and a GUID, and no title that is not text (a feed parser's dump has
/// `title` objects). Used for files found in a folder, where a JSON file may as well be settings
/// or expectations. A document cut off by the end of `head` after a title, inside an article
/// field (a long body), or before its first field, or broken, is given the benefit of the doubt
/// (the parser then reads it, and reports what is wrong).
pub fn looks_like_articles(head: &[u8], format: Format) -> bool {
    let decoded = charset::decode(head, None);
    let text = decoded.text.trim_start_matches('\u{feff}').trim_start();
    let first = match format {
        Format::JsonLines => text.lines().map(str::trim).find(|line| !line.is_empty()),
        _ => Some(text),
    };
    let Some(first) = first else {
        return false;
    };
    let mut shape = RecordShape::default();
    let mut deserializer = serde_json::Deserializer::from_str(first);
    let probed = serde::Deserializer::deserialize_any(
        &mut deserializer,
        ArticleProbe {
            shape: &mut shape,
            depth: 0,
        },
    );
    let is_article = shape.article_field || (shape.title && shape.guid);
    match probed {
        Ok(()) => is_article && !shape.title_not_text,
        Err(error) if error.is_eof() => {
            let may_be = shape.title || shape.in_article_field || shape.keys == 0;
            !shape.title_not_text && (is_article || may_be)
        }
        Err(error) if error.is_syntax() => !shape.title_not_text,
        Err(_) => false,
    }
}

/// What the probe saw of the first record.
#[derive(Default)]
struct RecordShape {
    /// Keys read (their values may be cut off).
    keys: usize,
    /// A body or URL holding text.
    article_field: bool,
    /// The value being read when the input ended is a body or URL.
    in_article_field: bool,
    title: bool,
    guid: bool,
    title_not_text: bool,
}

/// Reads the first object (at the top, or first in an array) and notes its shape.
struct ArticleProbe<'a> {
    shape: &'a mut RecordShape,
    depth: u8,
}

impl<'de> Visitor<'de> for ArticleProbe<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON object or array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<str>>()? {
            let key = key.as_ref();
            let is_article_field = ARTICLE_FIELDS.iter().any(|names| names.contains(&key));
            self.shape.in_article_field = is_article_field;
            self.shape.keys += 1;
            let value = map.next_value::<Value>()?;
            self.shape.in_article_field = false;
            let is_text =
                value.as_str().is_some_and(|text| !text.trim().is_empty()) || value.is_number();
            if TITLE.contains(&key) {
                self.shape.title |= is_text;
                self.shape.title_not_text |= !(value.is_string() || value.is_null());
            }
            self.shape.guid |= is_text && GUID.contains(&key);
            self.shape.article_field |= is_text && is_article_field;
        }
        Ok(())
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.depth == 0 {
            seq.next_element_seed(ArticleProbe {
                shape: self.shape,
                depth: 1,
            })?;
            // The rest of the array does not matter.
            while seq.next_element::<IgnoredAny>()?.is_some() {}
        }
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
}

impl<'de> de::DeserializeSeed<'de> for ArticleProbe<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// Parse a JSON document: one article object, or an array of them.
///
/// Array elements are located by line and JSON pointer (`12 (/3)`); a non-object element is
/// rejected on its own and the others are still read. A syntax error rejects the whole document
/// at serde's line and column, since nothing after it can be trusted. A record (the one object,
/// or an element) longer than `max_record` bytes is rejected.
pub fn parse_json(bytes: &[u8], location: Location, max_record: u64, emit: &mut dyn FnMut(Parsed)) {
    let decoded = charset::decode(bytes, None);
    if let Some(warning) = decoded.warning() {
        emit(Parsed::Warning(ImportError::new(location.clone(), warning)));
    }
    let text: &str = &decoded.text;
    let trimmed = text.trim();
    match trimmed.as_bytes().first() {
        None => emit(Parsed::Rejected(ImportError::new(location, "empty file"))),
        Some(b'[') => parse_array(text, &location, max_record, emit),
        Some(b'{') if trimmed.len() as u64 > max_record => emit(Parsed::Rejected(
            ImportError::new(location, too_large(max_record)),
        )),
        Some(b'{') => {
            // Parse the whole text, not the trimmed slice, so that error lines count from the top.
            let parsed = serde_json::from_str::<KnownFields>(text)
                .map_err(|error| syntax_error(&location, &error))
                .and_then(|fields| {
                    record_to_item(&fields.0, trimmed.as_bytes(), location, Format::Json)
                });
            emit(into_parsed(parsed));
        }
        Some(_) => {
            let reason = match serde_json::from_str::<IgnoredAny>(text) {
                Err(error) => return emit(Parsed::Rejected(syntax_error(&location, &error))),
                Ok(_) => format!(
                    "expected a JSON object or an array of objects, found {}",
                    kind_of_text(trimmed.as_bytes())
                ),
            };
            emit(Parsed::Rejected(ImportError::new(location, reason)));
        }
    }
}

fn parse_array(text: &str, location: &Location, max_record: u64, emit: &mut dyn FnMut(Parsed)) {
    let elements: Vec<&RawValue> = match serde_json::from_str(text) {
        Ok(elements) => elements,
        Err(error) => return emit(Parsed::Rejected(syntax_error(location, &error))),
    };
    // Lines are counted incrementally so that a large array stays linear.
    let (mut counted_to, mut line) = (0usize, 1u64);
    for (index, element) in elements.into_iter().enumerate() {
        let json = element.get();
        // The element borrows from `text`, so its address gives its offset.
        let offset = json.as_ptr().addr() - text.as_ptr().addr();
        line += memchr_count(b'\n', &text.as_bytes()[counted_to..offset]);
        counted_to = offset;
        let element_location = location.at_line(line).with_item(format!("/{index}"));
        if json.len() as u64 > max_record {
            let reason = too_large(max_record);
            emit(Parsed::Rejected(ImportError::new(element_location, reason)));
            continue;
        }
        emit(into_parsed(
            read_record(json.as_bytes(), &element_location).and_then(|fields| {
                record_to_item(&fields, json.as_bytes(), element_location, Format::Json)
            }),
        ));
    }
}

/// Parse JSON Lines from `reader`, one record per line, in constant memory.
///
/// Blank lines are skipped; line numbers are 1-based. A broken line is rejected at its line (and
/// column) and reading goes on; so is a line longer than `max_record` bytes, which is skipped as
/// it is read, never held whole. A line that is not valid UTF-8 is decoded with the charset
/// fallback, with a warning. An I/O error is rejected and ends the stream.
pub fn parse_json_lines<R: BufRead>(
    reader: R,
    location: Location,
    max_record: u64,
    emit: &mut dyn FnMut(Parsed),
) {
    let mut lines = LineReader::new(reader, max_record);
    let mut failure = None;
    loop {
        let (line_number, line) = match lines.next_line() {
            Ok(None) => break,
            Ok(Some((number, Line::Complete(line)))) => (number, line),
            Ok(Some((number, Line::TooLarge))) => {
                let at = location.at_line(number);
                emit(Parsed::Rejected(ImportError::new(
                    at,
                    too_large(max_record),
                )));
                continue;
            }
            Err(error) => {
                failure = Some(error);
                break;
            }
        };
        let mut line = line.strip_suffix(b"\r").unwrap_or(line);
        if line_number == 1 {
            if line.starts_with(b"\xff\xfe") || line.starts_with(b"\xfe\xff") {
                // Splitting UTF-16 at 0x0A bytes would cut characters in half.
                emit(Parsed::Rejected(ImportError::new(
                    location.at_line(1),
                    "UTF-16 JSON Lines are not supported (convert to UTF-8)",
                )));
                return;
            }
            line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line);
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        parse_line(line, location.at_line(line_number), emit);
    }
    if let Some(error) = failure {
        emit(Parsed::Rejected(ImportError::new(
            location.at_line(lines.line_number() + 1),
            format!("read error: {error}"),
        )));
    }
}

fn parse_line(line: &[u8], location: Location, emit: &mut dyn FnMut(Parsed)) {
    let decoded;
    let json = if std::str::from_utf8(line).is_ok() {
        line
    } else {
        decoded = charset::decode(line, None);
        if let Some(warning) = decoded.warning() {
            emit(Parsed::Warning(ImportError::new(location.clone(), warning)));
        }
        decoded.text.as_bytes()
    };
    emit(into_parsed(read_record(json, &location).and_then(
        |fields| record_to_item(&fields, line, location, Format::JsonLines),
    )));
}

fn into_parsed(result: Result<RawItem, ImportError>) -> Parsed {
    match result {
        Ok(item) => Parsed::Item(Box::new(item)),
        Err(error) => Parsed::Rejected(error),
    }
}

/// Read one JSON object, keeping only the fields [`record_to_item`] looks at.
fn read_record(json: &[u8], location: &Location) -> Result<Map<String, Value>, ImportError> {
    let first = json.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(match serde_json::from_slice::<IgnoredAny>(json) {
            Err(error) => syntax_error(location, &error),
            Ok(_) => ImportError::new(
                location.clone(),
                format!("expected a JSON object, found {}", kind_of_text(json)),
            ),
        });
    }
    serde_json::from_slice::<KnownFields>(json)
        .map(|fields| fields.0)
        .map_err(|error| syntax_error(location, &error))
}

/// "invalid JSON: <message>" at serde's line and column. `location` is where the parsed text
/// starts: a whole file (no line yet) or one line of a JSON Lines stream.
fn syntax_error(location: &Location, error: &serde_json::Error) -> ImportError {
    let message = error.to_string();
    // serde appends its own " at line L column C"; the location carries that instead.
    let message = match message.rsplit_once(" at line ") {
        Some((message, _)) => message.to_owned(),
        None => message,
    };
    let at = match (location.line, error.line()) {
        (_, 0) => location.clone(),
        (None, line) => location
            .at_line(line as u64)
            .with_column(error.column() as u64),
        (Some(_), _) => location.clone().with_column(error.column() as u64),
    };
    ImportError::new(at, format!("invalid JSON: {message}"))
}

/// The kind of the (valid) JSON value in `json`, from its first byte.
fn kind_of_text(json: &[u8]) -> &'static str {
    match json.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => "object",
        Some(b'[') => "array",
        Some(b'"') => "string",
        Some(b't' | b'f') => "boolean",
        Some(b'n') => "null",
        _ => "number",
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn memchr_count(needle: u8, haystack: &[u8]) -> u64 {
    haystack.iter().filter(|&&b| b == needle).count() as u64
}

/// A JSON object with only the known fields kept: unknown keys and their values are skipped by
/// serde without building them, which is most of the saving on wide records.
struct KnownFields(Map<String, Value>);

impl<'de> Deserialize<'de> for KnownFields {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(KnownFieldsVisitor)
    }
}

struct KnownFieldsVisitor;

impl<'de> Visitor<'de> for KnownFieldsVisitor {
    type Value = KnownFields;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KnownFields, A::Error> {
        let mut fields = Map::new();
        while let Some(KnownKey(key)) = map.next_key()? {
            match key {
                Some(name) => {
                    fields.insert(name.to_owned(), map.next_value()?);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(KnownFields(fields))
    }
}

/// A key, looked up without allocating: `Some(name)` when it is a field we read.
struct KnownKey(Option<&'static str>);

impl<'de> Deserialize<'de> for KnownKey {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = KnownKey;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<KnownKey, E> {
                let known = KNOWN_FIELDS.iter().flat_map(|names| names.iter());
                Ok(KnownKey(known.copied().find(|name| *name == key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Map a JSON article record to a [`RawItem`].
///
/// Each field is looked up under its aliases, first present (non-null) alias wins; see the
/// constants above. Values are kept as seen (the normaliser cleans them); blank strings count as
/// absent. A record with neither title nor body is not rejected here: the normaliser does that
/// with its own reason. A field of the wrong type is an error naming the field, located at
/// `location`.
pub fn record_to_item(
    object: &Map<String, Value>,
    raw: &[u8],
    location: Location,
    format: Format,
) -> Result<RawItem, ImportError> {
    let record = Record {
        object,
        location: &location,
    };
    let (body, body_markup) = record.body()?;
    let (source, source_home) = record.source()?;
    let source_url = record.string(SOURCE_URL)?.or(source_home);
    Ok(RawItem {
        format: Some(format),
        raw: raw.to_vec(),
        title: record.string(TITLE)?,
        body,
        body_markup,
        summary: record.text(SUMMARY)?,
        url: record.url()?,
        guid: record.string_or_number(GUID)?,
        source,
        source_url,
        authors: record.authors()?,
        published: record.string_or_number(PUBLISHED)?,
        language: record.string(LANGUAGE)?,
        categories: record.categories()?,
        entities: record.entities()?,
        location,
    })
}

/// Typed reads from one record; every error names the field and carries the record's location.
struct Record<'a> {
    object: &'a Map<String, Value>,
    location: &'a Location,
}

impl<'a> Record<'a> {
    /// The first of `names` present with a non-null value.
    fn first(&self, names: &[&'static str]) -> Option<(&'static str, &'a Value)> {
        names.iter().find_map(|&name| match self.object.get(name) {
            None | Some(Value::Null) => None,
            Some(value) => Some((name, value)),
        })
    }

    fn error(&self, reason: String) -> ImportError {
        ImportError::new(self.location.clone(), reason)
    }

    fn type_error(&self, field: &str, expected: &str, found: &Value) -> ImportError {
        self.error(format!(
            "{field}: expected {expected}, found {}",
            kind_of(found)
        ))
    }

    fn string(&self, names: &[&'static str]) -> Result<Option<String>, ImportError> {
        match self.first(names) {
            None => Ok(None),
            Some((_, Value::String(value))) => Ok(non_blank(value)),
            Some((name, other)) => Err(self.type_error(name, "a string", other)),
        }
    }

    /// Ids and dates: a number is kept as its JSON text.
    fn string_or_number(&self, names: &[&'static str]) -> Result<Option<String>, ImportError> {
        match self.first(names) {
            None => Ok(None),
            Some((_, Value::String(value))) => Ok(non_blank(value)),
            Some((_, Value::Number(number))) => Ok(Some(number.to_string())),
            Some((name, other)) => Err(self.type_error(name, "a string or a number", other)),
        }
    }

    /// A text field that may also be a structured value (`{"rendered": ...}`, a list of parts).
    fn text(&self, names: &[&'static str]) -> Result<Option<String>, ImportError> {
        match self.first(names) {
            None => Ok(None),
            Some((name, value)) => Ok(self.text_value(name, value, Markup::Detect)?.0),
        }
    }

    fn body(&self) -> Result<(Option<String>, Markup), ImportError> {
        for &(name, markup) in BODY {
            if let Some((_, value)) = self.first(&[name]) {
                return self.text_value(name, value, markup);
            }
        }
        Ok((None, Markup::default()))
    }

    /// Text from a string, an object carrying its text (`{"type": "html", "value": ...}`,
    /// WordPress's `{"rendered": ...}`), or a list of those (joined as paragraphs).
    fn text_value(
        &self,
        field: &str,
        value: &Value,
        markup: Markup,
    ) -> Result<(Option<String>, Markup), ImportError> {
        const EXPECTED: &str = "a string, an object with a text field, or a list of them";
        match value {
            Value::Null => Ok((None, markup)),
            Value::String(text) => Ok((non_blank(text), markup)),
            Value::Object(object) => {
                let declared = match object.get("type").and_then(Value::as_str) {
                    Some("html" | "xhtml" | "text/html" | "application/xhtml+xml") => {
                        Some(Markup::Html)
                    }
                    Some("text" | "plain" | "text/plain") => Some(Markup::Text),
                    _ => None,
                };
                let found = [
                    ("rendered", Markup::Html),
                    ("html", Markup::Html),
                    ("value", markup),
                    ("text", markup),
                    ("body", markup),
                    ("content", markup),
                ]
                .into_iter()
                .find_map(|(key, implied)| {
                    let text = object.get(key)?.as_str()?;
                    Some((non_blank(text), declared.unwrap_or(implied)))
                });
                found.ok_or_else(|| self.type_error(field, EXPECTED, value))
            }
            Value::Array(parts) => {
                let mut texts = Vec::new();
                let mut markups = Vec::new();
                for (index, part) in parts.iter().enumerate() {
                    if matches!(part, Value::Array(_)) {
                        return Err(self.type_error(&format!("{field}[{index}]"), EXPECTED, part));
                    }
                    let (text, part_markup) =
                        self.text_value(&format!("{field}[{index}]"), part, markup)?;
                    if let Some(text) = text {
                        texts.push(text);
                        markups.push(part_markup);
                    }
                }
                let joined = (!texts.is_empty()).then(|| texts.join("\n\n"));
                let same = markups.windows(2).all(|pair| pair[0] == pair[1]);
                let markup = match markups.first() {
                    Some(&first) if same => first,
                    Some(_) => Markup::Detect,
                    None => markup,
                };
                Ok((joined, markup))
            }
            other => Err(self.type_error(field, EXPECTED, other)),
        }
    }

    /// A URL string, a link object (`{"href": ...}`), or a list of them (the first that has one).
    fn url(&self) -> Result<Option<String>, ImportError> {
        let Some((name, value)) = self.first(URL) else {
            return Ok(None);
        };
        let link = |value: &Value| match value {
            Value::String(url) => Some(non_blank(url)),
            Value::Object(object) => ["href", "url"]
                .iter()
                .find_map(|key| object.get(*key)?.as_str().map(non_blank)),
            _ => None,
        };
        let found = match value {
            Value::Array(links) => links
                .iter()
                .find_map(|value| link(value).flatten())
                .map(Some),
            value => link(value),
        };
        found.ok_or_else(|| self.type_error(name, "a string or a link object", value))
    }

    /// The publisher: a name, or an object `{name, url}`. Returns (name, home URL).
    fn source(&self) -> Result<(Option<String>, Option<String>), ImportError> {
        let Some((name, value)) = self.first(SOURCE) else {
            return Ok((None, None));
        };
        match value {
            Value::String(source) => Ok((non_blank(source), None)),
            Value::Object(object) => {
                let text = |keys: &[&str]| {
                    keys.iter()
                        .find_map(|key| object.get(*key)?.as_str())
                        .and_then(non_blank)
                };
                let source = text(&["name", "title"]);
                let home = text(&["url", "href", "link"]);
                if source.is_none() && home.is_none() {
                    return Err(self.type_error(name, "a string or an object with a name", value));
                }
                Ok((source, home))
            }
            other => Err(self.type_error(name, "a string or an object with a name", other)),
        }
    }

    /// Names from a string, an object with a `name`, or a list of those.
    fn names(&self, field: &str, value: &Value) -> Result<Vec<String>, ImportError> {
        const EXPECTED: &str = "a string or an object with a name";
        let one = |field: &str, value: &Value| match value {
            Value::String(name) => Ok(non_blank(name)),
            Value::Object(object) => match object.get("name") {
                Some(Value::String(name)) => Ok(non_blank(name)),
                _ => Err(self.type_error(field, EXPECTED, value)),
            },
            Value::Null => Ok(None),
            other => Err(self.type_error(field, EXPECTED, other)),
        };
        match value {
            Value::Array(list) => {
                let mut names = Vec::with_capacity(list.len());
                for (index, value) in list.iter().enumerate() {
                    names.extend(one(&format!("{field}[{index}]"), value)?);
                }
                Ok(names)
            }
            value => Ok(one(field, value)?.into_iter().collect()),
        }
    }

    fn authors(&self) -> Result<Vec<String>, ImportError> {
        match self.first(AUTHORS) {
            None => Ok(Vec::new()),
            Some((name, value)) => self.names(name, value),
        }
    }

    /// Categories from a list or a single string; a `keywords` string is comma-separated (as in
    /// schema.org and HTML meta keywords).
    fn categories(&self) -> Result<Vec<String>, ImportError> {
        let Some((name, value)) = self.first(CATEGORIES) else {
            return Ok(Vec::new());
        };
        let term = |field: &str, value: &Value| match value {
            Value::String(term) => Ok(non_blank(term)),
            Value::Number(number) => Ok(Some(number.to_string())),
            Value::Object(object) => ["name", "term", "label", "title"]
                .iter()
                .find_map(|key| object.get(*key)?.as_str())
                .map(non_blank)
                .ok_or_else(|| self.type_error(field, "a string or an object with a name", value)),
            Value::Null => Ok(None),
            other => Err(self.type_error(field, "a string or a list of strings", other)),
        };
        match value {
            Value::String(list) if name == "keywords" => {
                // The spaces around commas are separators, not part of the terms.
                let terms = list
                    .split(',')
                    .map(str::trim)
                    .filter(|term| !term.is_empty());
                Ok(terms.map(str::to_owned).collect())
            }
            Value::Array(list) => {
                let mut terms = Vec::with_capacity(list.len());
                for (index, value) in list.iter().enumerate() {
                    terms.extend(term(&format!("{name}[{index}]"), value)?);
                }
                Ok(terms)
            }
            value => Ok(term(name, value)?.into_iter().collect()),
        }
    }

    /// `[{"name", "kind", "mentions": [{"field": "title"|"summary"|"body", "start", "end"}]}]`; offsets are
    /// in characters and checked against the text by the normaliser, which has the clean fields.
    fn entities(&self) -> Result<Vec<ImportedEntity>, ImportError> {
        let list = match self.object.get(ENTITIES) {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(list)) => list,
            Some(other) => return Err(self.type_error(ENTITIES, "a list", other)),
        };
        list.iter()
            .enumerate()
            .map(|(index, value)| self.entity(&format!("{ENTITIES}[{index}]"), value))
            .collect()
    }

    fn entity(&self, path: &str, value: &Value) -> Result<ImportedEntity, ImportError> {
        let Value::Object(entity) = value else {
            return Err(self.type_error(path, "an object", value));
        };
        let name = match entity.get("name") {
            Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
            _ => return Err(self.error(format!("{path}: name must be a non-empty string"))),
        };
        let kind = match entity.get("kind") {
            None | Some(Value::Null) => "other".to_owned(),
            Some(Value::String(kind)) => kind.clone(),
            Some(other) => return Err(self.type_error(&format!("{path}.kind"), "a string", other)),
        };
        let mentions = match entity.get("mentions") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) => list
                .iter()
                .enumerate()
                .map(|(index, value)| self.mention(&format!("{path}.mentions[{index}]"), value))
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(self.type_error(&format!("{path}.mentions"), "a list", other));
            }
        };
        Ok(ImportedEntity {
            name,
            kind,
            mentions,
        })
    }

    fn mention(&self, path: &str, value: &Value) -> Result<ImportedMention, ImportError> {
        let Value::Object(mention) = value else {
            return Err(self.type_error(path, "an object", value));
        };
        let field = match mention.get("field").and_then(Value::as_str) {
            Some(field @ ("title" | "summary" | "body")) => field.to_owned(),
            _ => {
                return Err(self.error(format!(
                    "{path}: field must be \"title\", \"summary\" or \"body\""
                )));
            }
        };
        let offset = |key: &str| {
            mention
                .get(key)
                .and_then(Value::as_u64)
                .and_then(|offset| usize::try_from(offset).ok())
                .ok_or_else(|| self.error(format!("{path}: {key} must be a non-negative integer")))
        };
        let (start, end) = (offset("start")?, offset("end")?);
        if end < start {
            return Err(self.error(format!("{path}: end must not be less than start")));
        }
        Ok(ImportedMention { field, start, end })
    }
}

fn non_blank(text: &str) -> Option<String> {
    (!text.trim().is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(parse: impl FnOnce(&mut dyn FnMut(Parsed))) -> Vec<Parsed> {
        let mut out = Vec::new();
        parse(&mut |parsed| out.push(parsed));
        out
    }

    fn json(bytes: &[u8]) -> Vec<Parsed> {
        collect(|emit| parse_json(bytes, Location::new("in.json"), 1 << 20, emit))
    }

    fn lines(bytes: &[u8]) -> Vec<Parsed> {
        collect(|emit| parse_json_lines(bytes, Location::new("in.jsonl"), 1 << 20, emit))
    }

    #[test]
    fn article_shape_of_json_documents() {
        let yes = |bytes: &[u8]| looks_like_articles(bytes, Format::Json);
        assert!(yes(br#"{"title": "T", "body": "B"}"#));
        assert!(yes(br#"[{"url": "https://x"}, 1]"#));
        assert!(yes(
            b"{\"url\": \"http://x\", \"expected\": {\"title\": \"T\"}}"
        ));
        // Readability's expected-metadata.json: a title and an excerpt, no body, no URL.
        assert!(!yes(
            br#"{"title": "T", "byline": "B", "excerpt": "E", "readerable": true}"#
        ));
        // A teaser with its GUID is an article.
        assert!(yes(br#"{"title": "T", "summary": "S", "guid": "urn:x"}"#));
        // Settings, a feed parse wrapped in an object, a feed parser's dump (its title an
        // object), an array of numbers.
        assert!(!yes(
            br#"{"feed": {"items": [{"title": "T", "link": "x"}]}}"#
        ));
        assert!(!yes(
            br#"{"title": {"content": "x"}, "id": "ae79", "entries": []}"#
        ));
        assert!(!yes(br#"{"theme": "dark", "url": ""}"#));
        assert!(!yes(b"[1, 2, 3]"));
        assert!(!yes(b"[]"));
        // Cut off in the first record before any field is known, or broken: read it (the
        // parser reports what is wrong), unless what was seen is not an article.
        assert!(yes(br#"[{"title": "T", "summary": "a very long"#));
        assert!(yes(br#"{"title": "T" "body": "B"}"#));
        assert!(!yes(
            br#"{"title": {"content": "x"}, "summary": "a very long"#
        ));
        assert!(yes(br#"[{"title": "T", "body": "a very long"#));
        assert!(yes(br#"[{"tit"#));
        // A feed parser's expectations, cut off inside their one key: not articles.
        assert!(!yes(
            br#"{"feed": {"items": [{"title": "T", "link": "https://x"#
        ));
        // A GUID alone (a feed dump's id) is not enough.
        assert!(!yes(
            br#"{"feed_type": "Atom", "id": "d6ff", "title": null}"#
        ));
        let lines = b"\n{\"title\": \"A\", \"text\": \"B\"}\n{\"title\": 2}\n";
        assert!(looks_like_articles(lines, Format::JsonLines));
        assert!(!looks_like_articles(
            b"{\"level\": \"info\"}\n{\"level\": \"warn\"}\n",
            Format::JsonLines
        ));
    }

    fn item(parsed: &Parsed) -> &RawItem {
        match parsed {
            Parsed::Item(item) => item,
            other => panic!("expected an item, got {other:?}"),
        }
    }

    fn rejected(parsed: &Parsed) -> &ImportError {
        match parsed {
            Parsed::Rejected(error) => error,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    /// `record_to_item` on a JSON literal.
    fn record(json: &str) -> Result<RawItem, ImportError> {
        let object: Map<String, Value> = serde_json::from_str(json).unwrap();
        record_to_item(
            &object,
            json.as_bytes(),
            Location::new("r.json"),
            Format::Json,
        )
    }

    fn record_error(json: &str) -> String {
        record(json).unwrap_err().reason
    }

    #[test]
    fn single_object_maps_every_field() {
        let input = br#"
{"title": "Kim heads to Russia", "body": "<p>Text.</p>", "summary": "Short",
 "url": "https://example.com/a?utm_source=x", "guid": "abc-1", "source": "The Korea Herald",
 "source_url": "https://koreaherald.com", "authors": ["Ji Da-gyum", "Jake Kwon"],
 "published_at": "2023-09-11T10:00:00+09:00", "language": "en", "tags": ["world", "asia"],
 "unknown": {"kept": "in raw"}}
"#;
        let parsed = json(input);
        assert_eq!(parsed.len(), 1);
        let item = item(&parsed[0]);
        assert_eq!(item.location, Location::new("in.json"));
        assert_eq!(item.format, Some(Format::Json));
        assert_eq!(item.title.as_deref(), Some("Kim heads to Russia"));
        assert_eq!(item.body.as_deref(), Some("<p>Text.</p>"));
        assert_eq!(item.body_markup, Markup::Detect);
        assert_eq!(item.summary.as_deref(), Some("Short"));
        assert_eq!(
            item.url.as_deref(),
            Some("https://example.com/a?utm_source=x")
        );
        assert_eq!(item.guid.as_deref(), Some("abc-1"));
        assert_eq!(item.source.as_deref(), Some("The Korea Herald"));
        assert_eq!(item.source_url.as_deref(), Some("https://koreaherald.com"));
        assert_eq!(item.authors, ["Ji Da-gyum", "Jake Kwon"]);
        assert_eq!(item.published.as_deref(), Some("2023-09-11T10:00:00+09:00"));
        assert_eq!(item.language.as_deref(), Some("en"));
        assert_eq!(item.categories, ["world", "asia"]);
        // raw is the object itself, unknown fields included, surrounding whitespace not.
        let raw = std::str::from_utf8(&item.raw).unwrap();
        assert!(raw.starts_with("{\"title\"") && raw.ends_with("\"in raw\"}}"));
    }

    #[test]
    fn array_elements_get_pointer_line_and_exact_raw() {
        let input = b"[\n  {\"title\": \"One\", \"body\": \"a\"},\n\n  {\"title\":  \"Two\"}\n]\n";
        let parsed = json(input);
        assert_eq!(parsed.len(), 2);
        let first = item(&parsed[0]);
        assert_eq!(first.location.line, Some(2));
        assert_eq!(first.location.item.as_deref(), Some("/0"));
        assert_eq!(first.raw, br#"{"title": "One", "body": "a"}"#);
        let second = item(&parsed[1]);
        assert_eq!(second.location.to_string(), "in.json:4 (/1)");
        assert_eq!(second.raw, br#"{"title":  "Two"}"#);
        assert_eq!(second.body, None);
    }

    #[test]
    fn array_with_a_bad_element_keeps_the_others() {
        let input = b"[{\"title\": \"One\"},\n 42,\n {\"title\": 7},\n {\"title\": \"Four\"}]";
        let parsed = json(input);
        assert_eq!(parsed.len(), 4);
        assert_eq!(item(&parsed[0]).title.as_deref(), Some("One"));
        let not_object = rejected(&parsed[1]);
        assert_eq!(not_object.reason, "expected a JSON object, found number");
        assert_eq!(not_object.location.to_string(), "in.json:2 (/1)");
        let wrong_type = rejected(&parsed[2]);
        assert_eq!(wrong_type.reason, "title: expected a string, found number");
        assert_eq!(wrong_type.location.to_string(), "in.json:3 (/2)");
        assert_eq!(item(&parsed[3]).title.as_deref(), Some("Four"));
    }

    #[test]
    fn syntax_error_is_located_at_line_and_column() {
        let parsed = json(b"[\n  {\"title\": \"One\"},\n  {\"title\" \"Two\"}\n]");
        assert_eq!(parsed.len(), 1);
        let error = rejected(&parsed[0]);
        assert_eq!(error.location.to_string(), "in.json:3:12");
        assert_eq!(error.reason, "invalid JSON: expected `:`");

        let truncated = json(b"{\"title\": \"One\",\n");
        let error = rejected(&truncated[0]);
        assert_eq!(error.location.line, Some(2));
        assert!(error.reason.starts_with("invalid JSON: EOF"), "{error}");
    }

    #[test]
    fn top_level_scalars_and_empty_input_are_rejected() {
        assert_eq!(
            rejected(&json(b"\"just a string\"")[0]).reason,
            "expected a JSON object or an array of objects, found string"
        );
        assert_eq!(rejected(&json(b" \n ")[0]).reason, "empty file");
        assert!(
            rejected(&json(b"nope")[0])
                .reason
                .starts_with("invalid JSON")
        );
    }

    #[test]
    fn byte_order_mark_and_windows_1252_json() {
        let with_bom = json(b"\xef\xbb\xbf{\"title\": \"T\"}");
        assert_eq!(with_bom.len(), 1);
        assert_eq!(item(&with_bom[0]).title.as_deref(), Some("T"));

        let latin = json(b"{\"title\": \"Caf\xe9\"}");
        assert!(matches!(&latin[0], Parsed::Warning(w) if w.reason.contains("windows-1252")));
        assert_eq!(item(&latin[1]).title.as_deref(), Some("Café"));
    }

    #[test]
    fn json_lines_broken_line_in_the_middle() {
        let input = b"{\"title\": \"One\"}\n\n{\"title\": \"Two\", oops}\r\n{\"title\": \"Three\"}\r\n   \n{\"title\": \"Four\"}";
        let parsed = lines(input);
        assert_eq!(parsed.len(), 4);
        let one = item(&parsed[0]);
        assert_eq!(one.location.to_string(), "in.jsonl:1");
        assert_eq!(one.format, Some(Format::JsonLines));
        assert_eq!(one.raw, br#"{"title": "One"}"#);
        let broken = rejected(&parsed[1]);
        assert_eq!(broken.location.line, Some(3));
        assert_eq!(broken.location.to_string(), "in.jsonl:3:18");
        assert_eq!(broken.reason, "invalid JSON: key must be a string");
        let three = item(&parsed[2]);
        assert_eq!(three.location.line, Some(4));
        assert_eq!(three.raw, br#"{"title": "Three"}"#);
        assert_eq!(item(&parsed[3]).location.line, Some(6));
    }

    #[test]
    fn json_lines_non_objects_and_trailing_garbage() {
        let parsed = lines(b"[1, 2]\n\"text\"\n{\"title\": \"A\"} x\n{\"title\": \"B\"}\n");
        assert_eq!(
            rejected(&parsed[0]).reason,
            "expected a JSON object, found array"
        );
        assert_eq!(
            rejected(&parsed[1]).reason,
            "expected a JSON object, found string"
        );
        assert_eq!(
            rejected(&parsed[2]).reason,
            "invalid JSON: trailing characters"
        );
        assert_eq!(item(&parsed[3]).location.line, Some(4));
    }

    #[test]
    fn json_lines_invalid_utf8_line_is_decoded_with_a_warning() {
        let parsed = lines(b"\xef\xbb\xbf{\"title\": \"A\"}\n{\"title\": \"Caf\xe9\"}\n");
        assert_eq!(parsed.len(), 3);
        assert_eq!(item(&parsed[0]).title.as_deref(), Some("A"));
        match &parsed[1] {
            Parsed::Warning(warning) => {
                assert_eq!(warning.location.line, Some(2));
                assert!(warning.reason.contains("windows-1252"));
            }
            other => panic!("expected a warning, got {other:?}"),
        }
        let item = item(&parsed[2]);
        assert_eq!(item.title.as_deref(), Some("Café"));
        // raw keeps the bytes as received.
        assert_eq!(item.raw, b"{\"title\": \"Caf\xe9\"}");
    }

    #[test]
    fn json_lines_utf16_is_refused_clearly() {
        let parsed = lines(b"\xff\xfe{\0}\0\n\0");
        assert_eq!(parsed.len(), 1);
        assert!(rejected(&parsed[0]).reason.contains("UTF-16"));
    }

    #[test]
    fn json_lines_io_error_is_rejected_and_stops() {
        struct Failing(bool);
        impl std::io::Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if std::mem::replace(&mut self.0, true) {
                    return Err(std::io::Error::other("disk on fire"));
                }
                let line = b"{\"title\": \"A\"}\n";
                buf[..line.len()].copy_from_slice(line);
                Ok(line.len())
            }
        }
        let reader = std::io::BufReader::new(Failing(false));
        let parsed = collect(|emit| parse_json_lines(reader, Location::new("-"), 1 << 20, emit));
        assert_eq!(parsed.len(), 2);
        assert_eq!(item(&parsed[0]).title.as_deref(), Some("A"));
        let error = rejected(&parsed[1]);
        assert_eq!(error.to_string(), "-:2: read error: disk on fire");
    }

    #[test]
    fn json_lines_long_line() {
        let body = "word ".repeat(200_000);
        let input =
            format!("{{\"title\": \"Long\", \"body\": \"{body}\"}}\n{{\"title\": \"Next\"}}\n");
        let parsed = lines(input.as_bytes());
        assert_eq!(item(&parsed[0]).body.as_deref(), Some(body.as_str()));
        assert_eq!(item(&parsed[1]).location.line, Some(2));
    }

    #[test]
    fn json_lines_line_over_the_limit_is_rejected_and_the_others_read() {
        let input = b"{\"title\": \"A\"}\n{\"title\": \"far too long\"}\n{\"title\": \"C\"}\n";
        let parsed =
            collect(|emit| parse_json_lines(&input[..], Location::new("in.jsonl"), 16, emit));
        assert_eq!(parsed.len(), 3);
        assert_eq!(item(&parsed[0]).title.as_deref(), Some("A"));
        assert_eq!(
            rejected(&parsed[1]).to_string(),
            "in.jsonl:2: record larger than 16 bytes (raise --max-record-size to read it)"
        );
        assert_eq!(item(&parsed[2]).title.as_deref(), Some("C"));
        assert_eq!(item(&parsed[2]).location.line, Some(3));
    }

    #[test]
    fn json_object_or_element_over_the_limit_is_rejected() {
        let object = b"{\"title\": \"far too long\"}";
        let parsed = collect(|emit| parse_json(object, Location::new("in.json"), 16, emit));
        assert_eq!(
            rejected(&parsed[0]).to_string(),
            "in.json: record larger than 16 bytes (raise --max-record-size to read it)"
        );
        let array = b"[{\"title\": \"A\"},\n {\"title\": \"far too long\"},\n {\"title\": \"C\"}]";
        let parsed = collect(|emit| parse_json(array, Location::new("in.json"), 16, emit));
        assert_eq!(parsed.len(), 3);
        assert_eq!(item(&parsed[0]).title.as_deref(), Some("A"));
        assert!(
            rejected(&parsed[1])
                .to_string()
                .starts_with("in.json:2 (/1): record larger than 16 bytes"),
            "{:?}",
            parsed[1]
        );
        assert_eq!(item(&parsed[2]).title.as_deref(), Some("C"));
    }

    #[test]
    fn fixture_files_parse() {
        let stream = include_bytes!("../../tests/fixtures/parsers/articles.jsonl");
        let parsed = lines(stream);
        let items = parsed.iter().filter(|p| matches!(p, Parsed::Item(_)));
        assert_eq!(items.count(), 3);
        let errors: Vec<_> = parsed
            .iter()
            .filter_map(|p| match p {
                Parsed::Rejected(error) => Some(error.location.line),
                _ => None,
            })
            .collect();
        assert_eq!(errors, [Some(3)]);

        let array = json(include_bytes!("../../tests/fixtures/parsers/articles.json"));
        assert_eq!(array.len(), 2);
        assert_eq!(item(&array[1]).location.item.as_deref(), Some("/1"));
    }

    #[test]
    fn aliases() {
        let item = record(
            r#"{"headline": "H", "content": "C", "description": "D", "link": "L", "id": 42,
                "publisher": "P", "author": "A", "date": 1694400000, "lang": "ko",
                "keywords": "north korea, russia ,"}"#,
        )
        .unwrap();
        assert_eq!(item.title.as_deref(), Some("H"));
        assert_eq!(item.body.as_deref(), Some("C"));
        assert_eq!(item.body_markup, Markup::Detect);
        assert_eq!(item.summary.as_deref(), Some("D"));
        assert_eq!(item.url.as_deref(), Some("L"));
        assert_eq!(item.guid.as_deref(), Some("42"));
        assert_eq!(item.source.as_deref(), Some("P"));
        assert_eq!(item.authors, ["A"]);
        assert_eq!(item.published.as_deref(), Some("1694400000"));
        assert_eq!(item.language.as_deref(), Some("ko"));
        assert_eq!(item.categories, ["north korea", "russia"]);
    }

    #[test]
    fn first_present_alias_wins_and_null_or_blank_is_absent() {
        let item =
            record(r#"{"title": null, "headline": "H", "body": "  ", "text": "T"}"#).unwrap();
        assert_eq!(item.title.as_deref(), Some("H"));
        // A blank `body` is present, so it wins and gives no body.
        assert_eq!(item.body, None);
        let item = record(r#"{"body": null, "text": "T", "date": "d", "pubDate": "p"}"#).unwrap();
        assert_eq!(item.body.as_deref(), Some("T"));
        assert_eq!(item.published.as_deref(), Some("d"));
    }

    #[test]
    fn json_feed_content_fields_imply_markup() {
        let html = record(r#"{"content_html": "<p>x</p>", "content_text": "x"}"#).unwrap();
        assert_eq!(html.body.as_deref(), Some("<p>x</p>"));
        assert_eq!(html.body_markup, Markup::Html);
        let text = record(r#"{"content_text": "x", "date_published": "2023"}"#).unwrap();
        assert_eq!(text.body_markup, Markup::Text);
        assert_eq!(text.published.as_deref(), Some("2023"));
    }

    #[test]
    fn content_as_object_or_list() {
        let rendered = record(r#"{"content": {"rendered": "<p>Hi</p>", "protected": false}}"#);
        let rendered = rendered.unwrap();
        assert_eq!(rendered.body.as_deref(), Some("<p>Hi</p>"));
        assert_eq!(rendered.body_markup, Markup::Html);

        let typed = record(r#"{"content": {"type": "text", "value": "Plain"}}"#).unwrap();
        assert_eq!(
            (typed.body.as_deref(), typed.body_markup),
            (Some("Plain"), Markup::Text)
        );

        let parts = record(r#"{"content": ["First.", {"text": "Second."}, null]}"#).unwrap();
        assert_eq!(parts.body.as_deref(), Some("First.\n\nSecond."));
        assert_eq!(parts.body_markup, Markup::Detect);

        let excerpt = record(r#"{"excerpt": {"rendered": "<p>S</p>"}}"#).unwrap();
        assert_eq!(excerpt.summary.as_deref(), Some("<p>S</p>"));

        assert_eq!(
            record_error(r#"{"content": {"images": []}}"#),
            "content: expected a string, an object with a text field, or a list of them, found object"
        );
        assert_eq!(
            record_error(r#"{"body": ["ok", 3]}"#),
            "body[1]: expected a string, an object with a text field, or a list of them, found number"
        );
    }

    #[test]
    fn authors_as_string_list_and_objects() {
        assert_eq!(
            record(r#"{"authors": "Brad Lendon"}"#).unwrap().authors,
            ["Brad Lendon"]
        );
        assert_eq!(
            record(r#"{"authors": ["Gawon Bae", "Jessie Yeung"]}"#)
                .unwrap()
                .authors,
            ["Gawon Bae", "Jessie Yeung"]
        );
        assert_eq!(
            record(r#"{"authors": [{"name": "A", "url": "u"}, {"name": "B"}]}"#)
                .unwrap()
                .authors,
            ["A", "B"]
        );
        assert_eq!(
            record(r#"{"author": {"@type": "Person", "name": "C"}}"#)
                .unwrap()
                .authors,
            ["C"]
        );
        assert_eq!(
            record(r#"{"byline": "By Ji Da-gyum"}"#).unwrap().authors,
            ["By Ji Da-gyum"]
        );
        assert_eq!(
            record_error(r#"{"authors": {"url": "u"}}"#),
            "authors: expected a string or an object with a name, found object"
        );
        assert_eq!(
            record_error(r#"{"authors": ["A", 5]}"#),
            "authors[1]: expected a string or an object with a name, found number"
        );
    }

    #[test]
    fn source_as_object_and_link_objects() {
        let item = record(
            r#"{"source": {"name": "CNN", "url": "https://cnn.com"}, "link": {"href": "https://x/1"}}"#,
        )
        .unwrap();
        assert_eq!(item.source.as_deref(), Some("CNN"));
        assert_eq!(item.source_url.as_deref(), Some("https://cnn.com"));
        assert_eq!(item.url.as_deref(), Some("https://x/1"));
        let explicit = record(
            r#"{"source": {"name": "CNN", "url": "a"}, "source_url": "b", "url": [{"rel": "x"}, "https://y"]}"#,
        )
        .unwrap();
        assert_eq!(explicit.source_url.as_deref(), Some("b"));
        assert_eq!(explicit.url.as_deref(), Some("https://y"));
        assert_eq!(
            record_error(r#"{"source": 3}"#),
            "source: expected a string or an object with a name, found number"
        );
        assert_eq!(
            record_error(r#"{"url": true}"#),
            "url: expected a string or a link object, found boolean"
        );
    }

    #[test]
    fn wrong_types_name_the_field_with_the_record_location() {
        let error = record(r#"{"title": 12}"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "r.json: title: expected a string, found number"
        );
        assert_eq!(
            record_error(r#"{"guid": {"value": 1}}"#),
            "guid: expected a string or a number, found object"
        );
        assert_eq!(
            record_error(r#"{"lang": ["en"]}"#),
            "lang: expected a string, found array"
        );
        assert_eq!(
            record_error(r#"{"tags": {"x": 1}}"#),
            "tags: expected a string or an object with a name, found object"
        );
        assert_eq!(
            record_error(r#"{"categories": [true]}"#),
            "categories[0]: expected a string or a list of strings, found boolean"
        );
    }

    #[test]
    fn record_without_title_or_body_is_not_rejected_here() {
        let item = record(r#"{"url": "https://example.com/x"}"#).unwrap();
        assert_eq!((item.title, item.body), (None, None));
    }

    #[test]
    fn entities_shape() {
        let item = record(
            r#"{"title": "Kim meets Putin", "entities": [
                {"name": "Kim Jong Un", "kind": "person",
                 "mentions": [{"field": "title", "start": 0, "end": 3}]},
                {"name": "Vladimir Putin", "kind": "person", "mentions": [
                    {"field": "title", "start": 10, "end": 15},
                    {"field": "body", "start": 0, "end": 5}]},
                {"name": "Seoul"}]}"#,
        )
        .unwrap();
        assert_eq!(item.entities.len(), 3);
        assert_eq!(
            item.entities[0],
            ImportedEntity {
                name: "Kim Jong Un".into(),
                kind: "person".into(),
                mentions: vec![ImportedMention {
                    field: "title".into(),
                    start: 0,
                    end: 3
                }],
            }
        );
        assert_eq!(item.entities[1].mentions[1].field, "body");
        assert_eq!(item.entities[2].kind, "other");
        assert!(item.entities[2].mentions.is_empty());
    }

    #[test]
    fn entities_errors_are_located_by_path() {
        let ok = r#"{"name": "A", "kind": "person", "mentions": []}"#;
        let cases = [
            (r#"{"entities": {}}"#.to_owned(), "entities: expected a list, found object"),
            (
                format!(r#"{{"entities": [{ok}, "B"]}}"#),
                "entities[1]: expected an object, found string",
            ),
            (
                r#"{"entities": [{"kind": "person"}]}"#.to_owned(),
                "entities[0]: name must be a non-empty string",
            ),
            (
                r#"{"entities": [{"name": "A", "kind": 1}]}"#.to_owned(),
                "entities[0].kind: expected a string, found number",
            ),
            (
                r#"{"entities": [{"name": "A", "mentions": {}}]}"#.to_owned(),
                "entities[0].mentions: expected a list, found object",
            ),
            (
                format!(
                    r#"{{"entities": [{ok}, {ok}, {{"name": "C", "mentions": [{{"field": "body", "start": -1, "end": 2}}]}}]}}"#
                ),
                "entities[2].mentions[0]: start must be a non-negative integer",
            ),
            (
                r#"{"entities": [{"name": "C", "mentions": [{"field": "body", "start": 1}]}]}"#
                    .to_owned(),
                "entities[0].mentions[0]: end must be a non-negative integer",
            ),
            (
                r#"{"entities": [{"name": "C", "mentions": [{"field": "lede", "start": 1, "end": 2}]}]}"#
                    .to_owned(),
                "entities[0].mentions[0]: field must be \"title\", \"summary\" or \"body\"",
            ),
            (
                r#"{"entities": [{"name": "C", "mentions": [{"field": "body", "start": 5, "end": 2}]}]}"#
                    .to_owned(),
                "entities[0].mentions[0]: end must not be less than start",
            ),
            (
                r#"{"entities": [{"name": "C", "mentions": [7]}]}"#.to_owned(),
                "entities[0].mentions[0]: expected an object, found number",
            ),
        ];
        for (input, reason) in cases {
            assert_eq!(record_error(&input), reason, "{input}");
        }
    }

    #[test]
    fn entity_errors_through_json_lines_carry_the_line() {
        let parsed = lines(
            b"{\"title\": \"A\"}\n{\"title\": \"B\", \"entities\": [{\"name\": \"X\", \"mentions\": [{\"field\": \"body\", \"start\": 1.5, \"end\": 2}]}]}\n",
        );
        let error = rejected(&parsed[1]);
        assert_eq!(
            error.to_string(),
            "in.jsonl:2: entities[0].mentions[0]: start must be a non-negative integer"
        );
    }

    #[test]
    fn known_fields_skip_unknown_values() {
        let fields: KnownFields =
            serde_json::from_str(r#"{"x": {"deep": [1, 2]}, "title": "T", "y": null}"#).unwrap();
        assert_eq!(fields.0.len(), 1);
        assert_eq!(fields.0["title"], "T");
    }
}
