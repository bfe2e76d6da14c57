//! Packs an article's mentions into `article_entities` rows, one per (entity, field), in Rust on
//! the writer (see `migrations/sqlite/V12__compact_mentions.sql` for the layout).
//!
//! The rows are built here rather than by SQL aggregates over a staging table: a window and a
//! `group_concat` per batch cost the writer more than the rows they saved, so an import with
//! extraction got slower, not faster. Here an article's spans are grouped, ordered and turned
//! into their JSON text with no SQL, and each row is one prepared `INSERT`.
//!
//! The packing rules are those of the migration, so that the `mentions` view gives back exactly
//! the mentions given: the first mention of a span (field, start, end) wins, as a span names one
//! entity; spans are in order of (start, end); the row's `method` and `confidence` are those of
//! its first span, and a span that differs carries its own as two more elements.

use std::collections::HashSet;
use std::fmt::Write as _;

use rusqlite::{Connection, params};

use crate::entities::{Field, Method};

use super::{Context, Result};

/// One mention as the store writes it: its entity already resolved to an id.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct MentionRow {
    pub field: Field,
    pub start: i64,
    pub end: i64,
    pub entity_id: i64,
    pub sentence: i64,
    pub method: Method,
    pub confidence: f64,
}

/// One `article_entities` row, without its article.
#[derive(Debug, PartialEq)]
pub(crate) struct PackedRow {
    pub field: Field,
    pub entity_id: i64,
    pub mention_count: i64,
    pub method: Method,
    pub confidence: f64,
    /// JSON: `[[start, end, sentence], [start, end, sentence, "method", confidence], ...]`.
    pub spans: String,
}

/// Packs one article's mentions, given in order of priority (the first of a span wins).
pub(crate) fn pack(mentions: &[MentionRow]) -> Vec<PackedRow> {
    let mut seen = HashSet::with_capacity(mentions.len());
    let mut kept: Vec<&MentionRow> = mentions
        .iter()
        .filter(|m| seen.insert((m.field, m.start, m.end)))
        .collect();
    // Grouped by (field, entity), each group's spans in order.
    kept.sort_by(|a, b| {
        (a.field.name(), a.entity_id, a.start, a.end).cmp(&(
            b.field.name(),
            b.entity_id,
            b.start,
            b.end,
        ))
    });
    let mut rows: Vec<PackedRow> = Vec::new();
    for chunk in kept.chunk_by(|a, b| a.field == b.field && a.entity_id == b.entity_id) {
        let first = chunk[0];
        let mut spans = String::with_capacity(chunk.len() * 16);
        spans.push('[');
        for (i, m) in chunk.iter().enumerate() {
            if i > 0 {
                spans.push(',');
            }
            let _ = write!(spans, "[{},{},{}", m.start, m.end, m.sentence);
            if m.method != first.method || m.confidence != first.confidence {
                // `{:?}` always writes a decimal point or an exponent, so the value reads back
                // as a real, and the shortest digits that give back the same double.
                let _ = write!(spans, ",\"{}\",{:?}", m.method.name(), m.confidence);
            }
            spans.push(']');
        }
        spans.push(']');
        rows.push(PackedRow {
            field: first.field,
            entity_id: first.entity_id,
            mention_count: chunk.len() as i64,
            method: first.method,
            confidence: first.confidence,
            spans,
        });
    }
    rows
}

/// Writes an article's mentions as packed rows. The article must have none stored for the
/// (field, entity) pairs written (a new article, or one whose rows were just deleted).
pub(super) fn insert(tx: &Connection, article_id: i64, mentions: &[MentionRow]) -> Result<()> {
    write_rows(
        tx,
        "INSERT INTO article_entities
                (article_id, entity_id, field, mention_count, method, confidence, spans)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        article_id,
        mentions,
    )
}

/// Stages a new article's packed rows in `temp.staged_mentions` for `store_staged`, which the
/// importer calls once per batch. `article_entities` has triggers (V14), and SQLite keeps a
/// statement journal for every insert into a table with triggers: one per row made an import
/// write 1.6 million pages to a temporary file for 20,000 articles, 55% more time than one
/// `INSERT ... SELECT` per batch.
pub(super) fn stage(tx: &Connection, article_id: i64, mentions: &[MentionRow]) -> Result<()> {
    write_rows(
        tx,
        "INSERT INTO temp.staged_mentions
                (article_id, entity_id, field, mention_count, method, confidence, spans)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        article_id,
        mentions,
    )
}

/// Stores the staged rows with one statement and empties the stage. The rows go in in entity
/// order: the table's new rows all land at its end whatever their order, while the entity index
/// is keyed at random, and visiting its pages in order reads and writes each once per batch
/// (20,000 articles into 200,000: 12.5 -> 11.2 s).
pub(super) fn store_staged(tx: &Connection) -> Result<()> {
    let what = "recording mentions";
    for sql in [
        "INSERT INTO article_entities
                (article_id, entity_id, field, mention_count, method, confidence, spans)
         SELECT article_id, entity_id, field, mention_count, method, confidence, spans
           FROM temp.staged_mentions ORDER BY entity_id, article_id, field",
        "DELETE FROM temp.staged_mentions",
    ] {
        tx.prepare_cached(sql)
            .and_then(|mut statement| statement.execute([]))
            .context(what)?;
    }
    Ok(())
}

fn write_rows(
    tx: &Connection,
    insert_sql: &str,
    article_id: i64,
    mentions: &[MentionRow],
) -> Result<()> {
    if mentions.is_empty() {
        return Ok(());
    }
    let what = "recording mentions";
    let mut statement = tx.prepare_cached(insert_sql).context(what)?;
    for row in pack(mentions) {
        statement
            .execute(params![
                article_id,
                row.entity_id,
                row.field.name(),
                row.mention_count,
                row.method.name(),
                row.confidence,
                row.spans
            ])
            .context(what)?;
    }
    Ok(())
}

/// Stored mentions, read through the `mentions` view by `sql`, which selects `field, start,
/// "end", entity_id, sentence, method, confidence` in that order.
pub(super) fn read(
    tx: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<MentionRow>> {
    let what = "reading stored mentions";
    let mut statement = tx.prepare_cached(sql).context(what)?;
    let rows = statement
        .query_map(params, |row| {
            Ok(MentionRow {
                field: named(row, 0, Field::from_name)?,
                start: row.get(1)?,
                end: row.get(2)?,
                entity_id: row.get(3)?,
                sentence: row.get(4)?,
                method: named(row, 5, Method::from_name)?,
                confidence: row.get(6)?,
            })
        })
        .context(what)?;
    rows.collect::<rusqlite::Result<_>>().context(what)
}

/// A column holding a field or method name, as its enum (the view's triggers refuse others).
fn named<T>(
    row: &rusqlite::Row<'_>,
    column: usize,
    from_name: fn(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let name: String = row.get(column)?;
    from_name(&name).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            column,
            rusqlite::types::Type::Text,
            format!("unknown name {name:?}").into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mention(
        field: &str,
        start: i64,
        entity_id: i64,
        method: &str,
        confidence: f64,
    ) -> MentionRow {
        MentionRow {
            field: Field::from_name(field).unwrap(),
            start,
            end: start + 3,
            entity_id,
            sentence: start / 10,
            method: Method::from_name(method).unwrap(),
            confidence,
        }
    }

    #[test]
    fn one_row_per_field_and_entity_with_spans_in_order() {
        let mentions = [
            mention("body", 20, 7, "rule", 0.75),
            mention("body", 0, 7, "rule", 0.75),
            mention("title", 0, 7, "rule", 0.75),
            mention("body", 10, 8, "gazetteer", 1.0),
        ];
        let rows = pack(&mentions);
        let summary: Vec<(&str, i64, i64, &str)> = rows
            .iter()
            .map(|r| {
                (
                    r.field.name(),
                    r.entity_id,
                    r.mention_count,
                    r.spans.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("body", 7, 2, "[[0,3,0],[20,23,2]]"),
                ("body", 8, 1, "[[10,13,1]]"),
                ("title", 7, 1, "[[0,3,0]]"),
            ]
        );
    }

    #[test]
    fn a_span_unlike_the_first_keeps_its_method_and_confidence() {
        let confidence = f64::from(0.8f32);
        let mentions = [
            mention("body", 40, 7, "alias", confidence),
            mention("body", 0, 7, "rule", 1.0),
            mention("body", 20, 7, "rule", 1.0),
        ];
        let rows = pack(&mentions);
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].method, rows[0].confidence), (Method::Rule, 1.0));
        assert_eq!(
            rows[0].spans,
            "[[0,3,0],[20,23,2],[40,43,4,\"alias\",0.800000011920929]]"
        );
        let read_back: serde_json::Value = serde_json::from_str(&rows[0].spans).unwrap();
        assert_eq!(read_back[2][4].as_f64(), Some(confidence));
        // A whole confidence still reads as a real.
        let rows = pack(&[
            mention("body", 0, 7, "rule", 0.5),
            mention("body", 9, 7, "rule", 1.0),
        ]);
        assert_eq!(rows[0].spans, "[[0,3,0],[9,12,0,\"rule\",1.0]]");
    }

    #[test]
    fn the_first_mention_of_a_span_wins() {
        let mentions = [
            mention("body", 0, 9, "import", 1.0),
            mention("body", 0, 7, "rule", 0.5),
            mention("summary", 0, 7, "rule", 0.5),
        ];
        let rows = pack(&mentions);
        let kept: Vec<(&str, i64)> = rows.iter().map(|r| (r.field.name(), r.entity_id)).collect();
        assert_eq!(kept, [("body", 9), ("summary", 7)]);
    }
}
