//! `newsdb timeline`: articles per day, week or month (the built-in `timeline` query), with a bar
//! chart column in table format.

use std::io::{self, Write};

use clap::{Args, ValueEnum};
use rusqlite::types::Value;

use newsdb::normalize::date::{since_flag, until_flag};
use newsdb::query::adhoc::{Parameter, QueryError, QueryLimits};
use newsdb::query::canned;
use newsdb::query::format::{self, OutputFormat};

use newsdb::backend::PgStore;
use newsdb::entities::alias_key;
use newsdb::normalize::keys::source_key;

use super::{Context, Failure, FormatArgs, Outcome};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Period {
    Day,
    Week,
    Month,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// Only articles that mention this entity (its name or any alias).
    #[arg(long, value_name = "NAME")]
    pub entity: Option<String>,
    /// Only articles this outlet published or is credited in (its name or normalised key).
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// Only articles published at or after DATE: YYYY-MM-DD, YYYY-MM, RFC 3339, today,
    /// yesterday, or an age like 12h, 7d, 2w.
    #[arg(long, value_name = "DATE", value_parser = since_flag)]
    pub since: Option<String>,
    /// Only articles published at or before DATE (a bare day or month includes all of it).
    #[arg(long, value_name = "DATE", value_parser = until_flag)]
    pub until: Option<String>,
    /// The period each row counts.
    #[arg(long, value_enum, default_value_t = Period::Month)]
    pub by: Period,
    #[command(flatten)]
    pub format: FormatArgs,
}

/// The widest bar, in characters, when the terminal does not say otherwise.
const BAR_WIDTH: usize = 50;

pub fn run(context: &Context, args: &TimelineArgs) -> Outcome {
    let text = |name: &str, value: Option<&str>| Parameter {
        name: name.to_owned(),
        value: value.map_or(Value::Null, |v| Value::Text(v.to_owned())),
    };
    let by = match args.by {
        Period::Day => "day",
        Period::Week => "week",
        Period::Month => "month",
    };
    let parameters = [
        text("by", Some(by)),
        text("source", args.source.as_deref()),
        text("entity", args.entity.as_deref()),
        text("since", args.since.as_deref()),
        text("until", args.until.as_deref()),
    ];
    if let Some(mut store) = context.open_postgres(true)? {
        return run_on_postgres(&mut store, args, parameters.to_vec());
    }
    let mut store = context.open_read_only()?;
    super::articles::check_names(
        &mut store,
        "timeline",
        args.source.as_deref(),
        args.entity.as_deref(),
    )?;
    let query = super::run::built_in("timeline")?;
    if args.format.format() != OutputFormat::Table {
        return super::run::print(&store, query, &parameters, &args.format, None);
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    let style = args.format.style();
    let result = canned::run(
        store.connection(),
        query,
        &parameters,
        QueryLimits::default(),
        |columns, rows| write_with_bars(&mut out, columns, rows, &style),
    );
    match result.and_then(|_| out.flush().map_err(QueryError::from)) {
        Ok(()) => Ok(()),
        Err(error) => Err(super::run::failure(query, error)),
    }
}

/// The same timeline on PostgreSQL: the query in its dialect, given the keys SQLite's SQL
/// functions compute.
fn run_on_postgres(
    store: &mut PgStore,
    args: &TimelineArgs,
    mut parameters: Vec<Parameter>,
) -> Outcome {
    use newsdb::backend::postgres::query::{self as pg_query, PgQueryError};
    super::articles::check_names(
        store,
        "timeline",
        args.source.as_deref(),
        args.entity.as_deref(),
    )?;
    let key = |name: &str, value: Option<String>| Parameter {
        name: name.to_owned(),
        value: value.map_or(Value::Null, Value::Text),
    };
    parameters.push(key("source_key", args.source.as_deref().map(source_key)));
    parameters.push(key("entity_key", args.entity.as_deref().map(alias_key)));
    let sql = newsdb::backend::postgres::canned::TIMELINE;
    if args.format.format() != OutputFormat::Table {
        return super::query::print_on_postgres(store, sql, &parameters, false, None, &args.format);
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    let style = args.format.style();
    let result = pg_query::run(store, sql, &parameters, false, None, |columns, rows| {
        write_with_bars(&mut out, columns, rows, &style)
    });
    match result.and_then(|_| out.flush().map_err(PgQueryError::from)) {
        Ok(()) => Ok(()),
        Err(error) => Err(Failure::Failed(format!("timeline: {error}"))),
    }
}

/// The table of a timeline with a bar column, scaled to the rows the table shows (the rest are
/// only counted; timeline rows are a few bytes, so the row cap alone bounds them).
fn write_with_bars<E: From<io::Error>>(
    out: &mut impl Write,
    columns: &[String],
    rows: &mut dyn Iterator<Item = Result<Vec<Value>, E>>,
    style: &format::TableStyle,
) -> Result<u64, E> {
    let shown = (&mut *rows)
        .take(style.max_rows)
        .collect::<Result<Vec<_>, _>>()?;
    let widest = shown.iter().map(|row| count(row)).max().unwrap_or(0);
    // Leave room for the period and count columns and their gaps.
    let width = style
        .max_width
        .map(|terminal| terminal.saturating_sub(10 + 2 + widest.to_string().len() + 2))
        .map_or(BAR_WIDTH, |room| room.clamp(10, BAR_WIDTH));
    let with_bar = |mut row: Vec<Value>| {
        let bar = bar(count(&row), widest, width);
        row.push(Value::Text(bar));
        row
    };
    let mut columns = columns.to_vec();
    columns.push("bar".into());
    let rows = shown
        .into_iter()
        .map(|row| Ok(with_bar(row)))
        .chain(rows.map(|row| row.map(with_bar)));
    format::write_rows(out, OutputFormat::Table, &columns, rows, style)
}

/// The article count of a timeline row.
fn count(row: &[Value]) -> i64 {
    match row.get(1) {
        Some(Value::Integer(n)) => *n,
        _ => 0,
    }
}

/// A bar of `█` for `count` out of `widest` in at most `width` characters, with an eighth-block
/// end for precision; any count above zero shows at least a sliver.
fn bar(count: i64, widest: i64, width: usize) -> String {
    const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    if count <= 0 || widest <= 0 {
        return String::new();
    }
    let eighths = ((count as f64 / widest as f64) * (width * 8) as f64).round() as usize;
    let eighths = eighths.max(1);
    let mut bar = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        bar.push(EIGHTHS[eighths % 8]);
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::bar;

    #[test]
    fn bars_scale_to_the_widest_count() {
        assert_eq!(bar(10, 10, 5), "█████");
        assert_eq!(bar(5, 10, 5), "██▌");
        assert_eq!(bar(1, 1000, 5), "▏");
        assert_eq!(bar(0, 10, 5), "");
    }
}
