//! `newsdb stats`: rows per table, date range, size and schema version.

use rusqlite::types::Value;

use super::{Context, FormatArgs, Outcome, output};

pub fn run(context: &Context, args: &FormatArgs) -> Outcome {
    let store = context.open_read_only()?;
    let stats = store.stats()?;
    let text = |value: Option<String>| value.map_or(Value::Null, Value::Text);
    let mut rows: Vec<(String, Value)> = stats
        .counts
        .into_iter()
        .map(|(table, count)| (table, Value::Integer(count)))
        .collect();
    rows.push(("first_published".into(), text(stats.first_published)));
    rows.push(("last_published".into(), text(stats.last_published)));
    rows.push(("size_bytes".into(), Value::Integer(stats.size_bytes)));
    rows.push((
        "schema_version".into(),
        Value::Integer(stats.schema_version),
    ));
    rows.push((
        "hash_scheme".into(),
        Value::Integer(i64::from(stats.hash_scheme)),
    ));
    let rows = rows
        .into_iter()
        .map(|(name, value)| Ok::<_, std::io::Error>(vec![Value::Text(name), value]));
    output::print(args.format, &["name", "value"], rows)
}
