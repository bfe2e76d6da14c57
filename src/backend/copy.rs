//! `newsdb copy --to`: a whole store from one backend into an empty database of the other.
//!
//! **SQLite to PostgreSQL** ([`sqlite_to_postgres`]):
//! Every table of the PostgreSQL schema is filled from the table of the same name in the SQLite
//! file, column by column as PostgreSQL names them (generated columns, the full-text document
//! and `seen_at`, are computed there), with binary `COPY` in one transaction: the destination
//! holds the whole store or, on any error, nothing. Ids are kept, so hashes, sightings, raw
//! copies, entities and mentions, corrections, feeds and saved queries keep pointing at each
//! other; the identity sequences then move past the copied ids.
//!
//! **PostgreSQL to SQLite** ([`postgres_to_sqlite`]): every table of the SQLite schema is filled
//! from the PostgreSQL table of the same name, column by column as SQLite names them (its
//! generated columns are computed there), in one transaction, ids kept; `jsonb` comes back as
//! compact JSON text and `boolean` as 0/1, as SQLite stores them. The full-text index is rebuilt
//! once at the end, and the entity totals are copied as they are (their triggers paused).

use std::collections::BTreeMap;
use std::time::Instant;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{ToSql, Type};
use rusqlite::types::Value;

use super::postgres::{PgStore, describe};
use crate::store::{Store, StoreError};

/// Tables in an order where every row's references are already copied; tables a later
/// migration adds follow, by name.
const TABLE_ORDER: &[&str] = &[
    "meta",
    "sources",
    "imports",
    "feeds",
    "articles",
    "article_sources",
    "authors",
    "article_authors",
    "article_categories",
    "article_urls",
    "sightings",
    "article_raw",
    "entities",
    "entity_aliases",
    "entity_ignores",
    "article_entities",
    "import_rejects",
    "saved_queries",
];

/// What a copy moved.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct CopySummary {
    /// Rows per table.
    pub rows: BTreeMap<String, u64>,
    pub elapsed_seconds: f64,
}

/// One column of a destination table.
struct Column {
    name: String,
    kind: Type,
}

/// Copies the store `from` into `to`, which must hold no articles, entities or feeds yet.
pub fn sqlite_to_postgres(from: &Store, to: &mut PgStore) -> Result<CopySummary, StoreError> {
    let started = Instant::now();
    let shown = to.shown().to_owned();
    let fail = |context: &str, reason: String| StoreError::Server {
        context: format!("{shown}: {context}"),
        reason,
    };
    let tables = destination_tables(to).map_err(|e| fail("reading the schema", describe(&e)))?;
    let occupied: i64 = to
        .client()
        .query_one(
            "SELECT (SELECT count(*) FROM articles) + (SELECT count(*) FROM entities)
                  + (SELECT count(*) FROM feeds) + (SELECT count(*) FROM saved_queries)",
            &[],
        )
        .map_err(|e| fail("checking the destination", describe(&e)))?
        .get(0);
    if occupied > 0 {
        return Err(StoreError::Open {
            path: shown.clone().into(),
            reason: "the destination already holds articles, entities, feeds or saved queries; \
                     copy into an empty database (createdb, then newsdb --db URL init)"
                .into(),
        });
    }
    let mut summary = CopySummary::default();
    let mut transaction = to
        .client()
        .transaction()
        .map_err(|e| fail("starting the copy", describe(&e)))?;
    // The source's entity totals are copied as they are: the triggers that would count them
    // again, per statement of article_entities, wait until the copy commits.
    transaction
        .batch_execute("INSERT INTO entity_totals_pause (paused) VALUES (1)")
        .map_err(|e| fail("pausing the entity totals", describe(&e)))?;
    for (table, columns) in &tables {
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
        let list = quoted.join(", ");
        let source_sql = format!("SELECT {list} FROM \"{table}\"");
        let Ok(mut statement) = from.connection().prepare(&source_sql) else {
            // A table the SQLite file does not have (an older schema): nothing to copy.
            continue;
        };
        if table == "meta" {
            // The destination's migration wrote its own meta rows; the source's replace them.
            transaction
                .batch_execute("DELETE FROM meta")
                .map_err(|e| fail("copying meta", describe(&e)))?;
        }
        let sink = transaction
            .copy_in(&format!(
                "COPY \"{table}\" ({list}) FROM STDIN (FORMAT binary)"
            ))
            .map_err(|e| fail(&format!("copying {table}"), describe(&e)))?;
        let types: Vec<Type> = columns.iter().map(|c| c.kind.clone()).collect();
        let mut writer = BinaryCopyInWriter::new(sink, &types);
        let mut rows = statement
            .query([])
            .map_err(|e| fail(&format!("reading {table}"), e.to_string()))?;
        let mut count = 0u64;
        while let Some(row) = rows
            .next()
            .map_err(|e| fail(&format!("reading {table}"), e.to_string()))?
        {
            let mut values: Vec<Box<dyn ToSql + Sync>> = Vec::with_capacity(columns.len());
            for (index, column) in columns.iter().enumerate() {
                let value: Value = row
                    .get(index)
                    .map_err(|e| fail(&format!("reading {table}"), e.to_string()))?;
                values.push(
                    convert(value, &column.kind)
                        .map_err(|reason| fail(&format!("{table}.{}", column.name), reason))?,
                );
            }
            let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref() as _).collect();
            writer
                .write(&refs)
                .map_err(|e| fail(&format!("copying {table}"), describe(&e)))?;
            count += 1;
        }
        writer
            .finish()
            .map_err(|e| fail(&format!("copying {table}"), describe(&e)))?;
        if names.contains(&"id") && table != "meta" {
            transaction
                .execute(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                                       coalesce(max(id), 0) + 1, false) FROM \"{table}\""
                    ),
                    &[],
                )
                .map_err(|e| fail(&format!("numbering {table}"), describe(&e)))?;
        }
        summary.rows.insert(table.clone(), count);
    }
    transaction
        .batch_execute("DELETE FROM entity_totals_pause")
        .map_err(|e| fail("resuming the entity totals", describe(&e)))?;
    transaction
        .commit()
        .map_err(|e| fail("committing the copy", describe(&e)))?;
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// The destination's tables in copy order, each with its writable columns.
fn destination_tables(to: &mut PgStore) -> Result<Vec<(String, Vec<Column>)>, postgres::Error> {
    let rows = to.client().query(
        "SELECT c.relname::text, a.attname::text, a.atttypid
           FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = current_schema() AND c.relkind = 'r'
            AND c.relname <> 'refinery_schema_history'
            AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
          ORDER BY c.relname, a.attnum",
        &[],
    )?;
    let mut tables: BTreeMap<String, Vec<Column>> = BTreeMap::new();
    for row in rows {
        let oid: u32 = row.get(2);
        tables.entry(row.get(0)).or_default().push(Column {
            name: row.get(1),
            kind: Type::from_oid(oid).unwrap_or(Type::TEXT),
        });
    }
    let mut ordered = Vec::with_capacity(tables.len());
    for name in TABLE_ORDER {
        if let Some(columns) = tables.remove(*name) {
            ordered.push(((*name).to_owned(), columns));
        }
    }
    ordered.extend(tables);
    Ok(ordered)
}

/// A SQLite value as the destination column's type wants it.
fn convert(value: Value, kind: &Type) -> Result<Box<dyn ToSql + Sync>, String> {
    Ok(match (value, kind) {
        (Value::Null, _) => match *kind {
            Type::INT8 => Box::new(Option::<i64>::None),
            Type::INT4 => Box::new(Option::<i32>::None),
            Type::FLOAT8 => Box::new(Option::<f64>::None),
            Type::BYTEA => Box::new(Option::<Vec<u8>>::None),
            Type::JSONB | Type::JSON => Box::new(Option::<serde_json::Value>::None),
            Type::BOOL => Box::new(Option::<bool>::None),
            _ => Box::new(Option::<String>::None),
        },
        (Value::Integer(n), &Type::INT8) => Box::new(n),
        (Value::Integer(n), &Type::INT4) => {
            Box::new(i32::try_from(n).map_err(|_| format!("{n} is out of range"))?)
        }
        (Value::Integer(n), &Type::FLOAT8) => Box::new(n as f64),
        (Value::Integer(n), &Type::BOOL) => Box::new(n != 0),
        (Value::Real(r), &Type::FLOAT8) => Box::new(r),
        (Value::Text(text), &Type::JSONB | &Type::JSON) => Box::new(
            serde_json::from_str::<serde_json::Value>(&text)
                .map_err(|error| format!("not JSON: {error}"))?,
        ),
        (Value::Blob(bytes), &Type::BYTEA) => Box::new(bytes),
        (Value::Text(text), &Type::BYTEA) => Box::new(text.into_bytes()),
        (Value::Text(text), &Type::TEXT | &Type::VARCHAR) => Box::new(text),
        (Value::Integer(n), &Type::TEXT | &Type::VARCHAR) => Box::new(n.to_string()),
        (Value::Real(r), &Type::TEXT | &Type::VARCHAR) => Box::new(r.to_string()),
        (value, kind) => return Err(format!("cannot store {value:?} as {kind}")),
    })
}

/// The SQLite tables that are not data: the full-text index (rebuilt), trigger pauses and the
/// migration history (the destination has its own).
const NOT_COPIED: &[&str] = &[
    "fts_sync_pause",
    "entity_totals_pause",
    "refinery_schema_history",
];

/// Copies the PostgreSQL store `from` into the SQLite store `to`, which must hold no articles,
/// entities, feeds or saved queries yet.
pub fn postgres_to_sqlite(from: &mut PgStore, to: &mut Store) -> Result<CopySummary, StoreError> {
    let started = Instant::now();
    let shown = from.shown().to_owned();
    let read_error = |context: &str, error: postgres::Error| StoreError::Server {
        context: format!("{shown}: {context}"),
        reason: describe(&error),
    };
    let write_error = |context: &str, error: rusqlite::Error| StoreError::Sql {
        context: context.to_owned(),
        source: error,
    };
    let occupied: i64 = to
        .connection()
        .query_row(
            "SELECT (SELECT count(*) FROM articles) + (SELECT count(*) FROM entities)
                  + (SELECT count(*) FROM feeds) + (SELECT count(*) FROM saved_queries)",
            [],
            |row| row.get(0),
        )
        .map_err(|e| write_error("checking the destination", e))?;
    if occupied > 0 {
        return Err(StoreError::Open {
            path: to.path().to_owned(),
            reason: "the destination already holds articles, entities, feeds or saved queries; \
                     copy into a new file"
                .into(),
        });
    }
    let tables =
        sqlite_tables(to.connection()).map_err(|e| write_error("reading the schema", e))?;
    let mut summary = CopySummary::default();
    let transaction = to
        .connection()
        .unchecked_transaction()
        .map_err(|e| write_error("starting the copy", e))?;
    transaction
        .execute_batch(
            "INSERT OR IGNORE INTO fts_sync_pause (paused) VALUES (1);
             INSERT OR IGNORE INTO entity_totals_pause (paused) VALUES (1);
             DELETE FROM meta;",
        )
        .map_err(|e| write_error("pausing the triggers", e))?;
    let mut read = from
        .client()
        .build_transaction()
        .read_only(true)
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .start()
        .map_err(|e| read_error("starting the copy", e))?;
    for (table, columns) in &tables {
        let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
        let list = quoted.join(", ");
        let placeholders = vec!["?"; columns.len()].join(", ");
        let mut insert = transaction
            .prepare(&format!(
                "INSERT INTO \"{table}\" ({list}) VALUES ({placeholders})"
            ))
            .map_err(|e| write_error(&format!("copying {table}"), e))?;
        // Streamed: rows arrive as they are read, so memory stays flat however large the table.
        let no_parameters: [&(dyn postgres::types::ToSql + Sync); 0] = [];
        let mut rows =
            match read.query_raw(&format!("SELECT {list} FROM \"{table}\""), no_parameters) {
                Ok(rows) => rows,
                // A table the server does not have (a newer SQLite schema): nothing to copy.
                Err(error) if error.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) => {
                    continue;
                }
                Err(error) => return Err(read_error(&format!("reading {table}"), error)),
            };
        let mut count = 0u64;
        while let Some(row) = rows
            .next()
            .map_err(|e| read_error(&format!("reading {table}"), e))?
        {
            let values = (0..columns.len())
                .map(|index| sqlite_value(&row, index))
                .collect::<Result<Vec<Value>, String>>()
                .map_err(|reason| StoreError::Server {
                    context: format!("{shown}: {table}"),
                    reason,
                })?;
            insert
                .execute(rusqlite::params_from_iter(values))
                .map_err(|e| write_error(&format!("copying {table}"), e))?;
            count += 1;
        }
        summary.rows.insert(table.clone(), count);
    }
    read.commit()
        .map_err(|e| read_error("ending the copy", e))?;
    transaction
        .execute_batch(
            "INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');
             DELETE FROM fts_sync_pause;
             DELETE FROM entity_totals_pause;",
        )
        .map_err(|e| write_error("indexing the copy for full-text search", e))?;
    transaction
        .commit()
        .map_err(|e| write_error("committing the copy", e))?;
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// The SQLite destination's data tables in copy order, each with its stored columns.
fn sqlite_tables(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<(String, Vec<String>)>> {
    let mut statement = conn.prepare(
        "SELECT m.name, p.name FROM sqlite_master m, pragma_table_xinfo(m.name) p
          WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%'
            AND m.name NOT LIKE 'articles_fts%' AND p.hidden = 0
          ORDER BY m.name, p.cid",
    )?;
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?)))? {
        let (table, column) = row?;
        if !NOT_COPIED.contains(&table.as_str()) {
            tables.entry(table).or_default().push(column);
        }
    }
    let mut ordered = Vec::with_capacity(tables.len());
    for name in TABLE_ORDER {
        if let Some(columns) = tables.remove(*name) {
            ordered.push(((*name).to_owned(), columns));
        }
    }
    ordered.extend(tables);
    Ok(ordered)
}

/// A PostgreSQL value as SQLite stores it.
fn sqlite_value(row: &postgres::Row, index: usize) -> Result<Value, String> {
    let kind = row.columns()[index].type_();
    let value = match *kind {
        Type::INT8 => row.get::<_, Option<i64>>(index).map(Value::Integer),
        Type::INT4 => row
            .get::<_, Option<i32>>(index)
            .map(|n| Value::Integer(i64::from(n))),
        Type::INT2 => row
            .get::<_, Option<i16>>(index)
            .map(|n| Value::Integer(i64::from(n))),
        Type::BOOL => row
            .get::<_, Option<bool>>(index)
            .map(|b| Value::Integer(i64::from(b))),
        Type::FLOAT8 => row.get::<_, Option<f64>>(index).map(Value::Real),
        Type::FLOAT4 => row
            .get::<_, Option<f32>>(index)
            .map(|r| Value::Real(f64::from(r))),
        Type::BYTEA => row.get::<_, Option<Vec<u8>>>(index).map(Value::Blob),
        // Compact, as SQLite's writers make it.
        Type::JSONB | Type::JSON => row
            .get::<_, Option<serde_json::Value>>(index)
            .map(|json| Value::Text(json.to_string())),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
            row.get::<_, Option<String>>(index).map(Value::Text)
        }
        ref other => return Err(format!("cannot copy a column of type {other}")),
    };
    Ok(value.unwrap_or(Value::Null))
}
