//! `newsdb init`: create or migrate the database.

use super::{Context, Outcome};

pub fn run(context: &Context) -> Outcome {
    let store = context.open()?;
    let version = newsdb::store::latest_known_version();
    context.note(&format!(
        "{} is ready (schema version {version})",
        store.path().display()
    ));
    Ok(())
}
