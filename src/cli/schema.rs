//! `newsdb schema`: print the schema as SQL.

use std::io::Write;

use super::{Context, Outcome};

pub fn run(context: &Context) -> Outcome {
    let store = context.open()?;
    let mut out = std::io::stdout().lock();
    for statement in store.schema_sql()? {
        writeln!(out, "{statement};\n")?;
    }
    out.flush()?;
    Ok(())
}
