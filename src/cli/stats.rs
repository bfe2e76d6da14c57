//! `newsdb stats`: rows per table, date range, size, schema version and hash scheme (the
//! built-in `stats` query).

use std::io::Write;

use rusqlite::types::Value;

use super::{Context, FormatArgs, Outcome};
use newsdb::backend::PgStore;
use newsdb::query::canned::CannedQuery;

/// How `stats.sql` counts mentions: from the per-entity totals (V14), a few hundred rows.
const TOTALS_MENTION_COUNT: &str = "(SELECT CAST(total(mentions) AS INTEGER) FROM entity_totals)";
/// The same figure on a read-only database whose V14 is pending: from the packed rows' counts.
const PACKED_MENTION_COUNT: &str =
    "(SELECT CAST(total(mention_count) AS INTEGER) FROM article_entities)";
/// And on one whose V12 is pending too: `mentions` is still a table.
const TABLE_MENTION_COUNT: &str = "(SELECT count(*) FROM mentions)";

pub fn run(context: &Context, args: &FormatArgs) -> Outcome {
    if let Some(mut store) = context.open_postgres(true)? {
        return print_on_postgres(&mut store, args);
    }
    let store = context.open_read_only()?;
    let query = super::run::built_in("stats")?;
    if store.keeps_entity_totals()? {
        return super::run::print(&store, query, &[], args, None);
    }
    let count = if store.stores_packed_mentions()? {
        PACKED_MENTION_COUNT
    } else {
        TABLE_MENTION_COUNT
    };
    debug_assert!(query.sql.contains(TOTALS_MENTION_COUNT));
    let older_schema = CannedQuery {
        sql: query.sql.replace(TOTALS_MENTION_COUNT, count),
        ..query.clone()
    };
    super::run::print(&store, &older_schema, &[], args, None)
}

/// `stats` on PostgreSQL: the same rows, counted by [`PgStore::stats`].
pub fn print_on_postgres(store: &mut PgStore, args: &FormatArgs) -> Outcome {
    let rows = store.stats()?;
    let columns = ["name".to_owned(), "value".to_owned()];
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    newsdb::query::format::write_rows::<_, _, std::io::Error>(
        &mut out,
        args.format(),
        &columns,
        rows.into_iter()
            .map(|(name, value)| Ok(vec![Value::Text(name), value])),
        &args.style(),
    )?;
    out.flush()?;
    Ok(())
}
