//! `newsdb stats`: rows per table, date range, size, schema version and hash scheme (the
//! built-in `stats` query).

use super::{Context, FormatArgs, Outcome};

pub fn run(context: &Context, args: &FormatArgs) -> Outcome {
    let store = context.open_read_only()?;
    let query = super::run::built_in("stats")?;
    super::run::print(&store, query, &[], args, None)
}
