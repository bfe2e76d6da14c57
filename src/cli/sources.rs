//! `newsdb sources`: publishers and credited outlets with their article counts and dates (the
//! built-in `sources` query).

use super::{Context, FormatArgs, Outcome};

pub fn run(context: &Context, args: &FormatArgs) -> Outcome {
    if let Some(mut store) = context.open_postgres(true)? {
        let sql = newsdb::backend::postgres::canned::SOURCES;
        return super::query::print_on_postgres(&mut store, sql, &[], false, None, args);
    }
    let store = context.open_read_only()?;
    let query = super::run::built_in("sources")?;
    super::run::print(&store, query, &[], args, None)
}
