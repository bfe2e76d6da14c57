//! `newsdb schema`: print the schema as SQL (on PostgreSQL, rebuilt from its catalogs).

use std::io::Write;

use super::{Context, Outcome};

pub fn run(context: &Context) -> Outcome {
    let statements = match context.open_postgres(true)? {
        Some(mut store) => store.schema_sql()?,
        None => context.open()?.schema_sql()?,
    };
    let mut out = std::io::stdout().lock();
    for statement in statements {
        writeln!(out, "{statement};\n")?;
    }
    out.flush()?;
    Ok(())
}
