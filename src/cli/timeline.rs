//! `newsdb timeline`: articles per day, week or month (the built-in `timeline` query), with a bar
//! chart column in table format.

use clap::{Args, ValueEnum};
use rusqlite::types::Value;

use newsdb::query::adhoc::Parameter;
use newsdb::query::format::{self, OutputFormat};

use super::{Context, FormatArgs, Outcome, output};

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
    ];
    let store = context.open_read_only()?;
    let query = super::run::built_in("timeline")?;
    if args.format.format != OutputFormat::Table {
        return super::run::print(&store, query, &parameters, args.format.format, None);
    }
    // A timeline has at most a few thousand periods: collect them to scale the bars.
    let (mut columns, rows) = super::run::collect(&store, query, &parameters)?;
    let counts: Vec<i64> = rows
        .iter()
        .map(|row| match row.get(1) {
            Some(Value::Integer(n)) => *n,
            _ => 0,
        })
        .collect();
    let widest = counts.iter().copied().max().unwrap_or(0);
    // Leave room for the period and count columns and their gaps.
    let width = format::terminal_width()
        .map(|terminal| terminal.saturating_sub(10 + 2 + widest.to_string().len() + 2))
        .map_or(BAR_WIDTH, |room| room.clamp(10, BAR_WIDTH));
    columns.push("bar".into());
    let rows = rows.into_iter().zip(counts).map(|(mut row, count)| {
        row.push(Value::Text(bar(count, widest, width)));
        Ok::<_, std::io::Error>(row)
    });
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    output::print(OutputFormat::Table, &columns, rows)
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
