//! JSON Feed helpers: where each item's object is in the text (for its raw bytes and line), and a
//! tolerant reading of the items straight from the JSON when feed-rs refuses the feed.

use std::ops::Range;

use serde_json::Value;

/// Byte ranges of the elements of the root object's `items` array, in order. Empty when the text
/// is not shaped that way (the caller then falls back to the whole feed).
pub fn item_spans(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut i = skip_ws(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return Vec::new();
    }
    i += 1;
    loop {
        i = skip_ws(bytes, i);
        if bytes.get(i) != Some(&b'"') {
            return Vec::new();
        }
        let key_end = skip_string(bytes, i);
        let key = &text[i + 1..key_end.saturating_sub(1).max(i + 1)];
        i = skip_ws(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return Vec::new();
        }
        i = skip_ws(bytes, i + 1);
        if key == "items" && bytes.get(i) == Some(&b'[') {
            return array_elements(bytes, i);
        }
        i = skip_ws(bytes, skip_value(bytes, i));
        match bytes.get(i) {
            Some(b',') => i += 1,
            _ => return Vec::new(),
        }
    }
}

fn array_elements(bytes: &[u8], open: usize) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut i = skip_ws(bytes, open + 1);
    if bytes.get(i) == Some(&b']') {
        return spans;
    }
    loop {
        let end = skip_value(bytes, i);
        if end <= i {
            return Vec::new();
        }
        spans.push(i..end);
        i = skip_ws(bytes, end);
        match bytes.get(i) {
            Some(b',') => i = skip_ws(bytes, i + 1),
            Some(b']') => return spans,
            _ => return Vec::new(),
        }
    }
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
        i += 1;
    }
    i
}

/// Index just past the string starting at `i` (which is a `"`).
fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    i += 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Index just past the value starting at `i`.
fn skip_value(bytes: &[u8], i: usize) -> usize {
    match bytes.get(i) {
        Some(b'"') => skip_string(bytes, i),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while let Some(&b) = bytes.get(j) {
                match b {
                    b'"' => {
                        j = skip_string(bytes, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            bytes.len()
        }
        Some(_) => {
            let mut j = i;
            while bytes
                .get(j)
                .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
            {
                j += 1;
            }
            j
        }
        None => i,
    }
}

/// A string field, or a number given where a string belongs (`"id": 42`).
pub fn string_field(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Author names from JSON Feed 1.1 `authors` or 1.0 `author`.
pub fn author_names(value: &Value) -> Vec<String> {
    let mut names = Vec::new();
    let mut push = |author: &Value| match author {
        Value::String(name) => names.push(name.trim().to_string()),
        Value::Object(_) => {
            if let Some(name) = string_field(author, "name") {
                names.push(name);
            }
        }
        _ => {}
    };
    match value.get("authors") {
        Some(Value::Array(authors)) => authors.iter().for_each(&mut push),
        Some(other) => push(other),
        None => {}
    }
    if let Some(author) = value.get("author") {
        push(author);
    }
    names.retain(|name| !name.is_empty());
    names.dedup();
    names
}

/// The raw publication date of a JSON Feed item.
pub fn raw_date(item: &Value) -> Option<String> {
    string_field(item, "date_published").or_else(|| string_field(item, "date_modified"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_items() {
        let text = r#"{"version": "x", "title": "a]}", "nested": {"items": [1]}, "items": [ {"id": "1", "t": "}"}, {"id": 2} ] }"#;
        let spans = item_spans(text);
        assert_eq!(spans.len(), 2);
        assert_eq!(&text[spans[0].clone()], r#"{"id": "1", "t": "}"}"#);
        assert_eq!(&text[spans[1].clone()], r#"{"id": 2}"#);
    }

    #[test]
    fn authors_both_versions() {
        let v: Value = serde_json::json!({"authors": [{"name": "A"}], "author": {"name": "B"}});
        assert_eq!(author_names(&v), ["A", "B"]);
    }
}
