//! `newsdb migrate [--status]`: apply pending migrations (opening does), or list them.

use clap::Args;
use rusqlite::types::Value;

use newsdb::store::MigrationStatus;

use super::{Context, FormatArgs, Outcome, output};

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// List applied and pending migrations instead of applying them.
    #[arg(long)]
    pub status: bool,
    #[command(flatten)]
    pub format: FormatArgs,
}

pub fn run(context: &Context, args: &MigrateArgs) -> Outcome {
    if let Some(mut store) = context.open_postgres(args.status)? {
        if !args.status {
            context.note(&format!(
                "{} is at schema version {}",
                store.shown(),
                newsdb::backend::postgres::latest_known_version()
            ));
            return Ok(());
        }
        return print_status(args, store.migration_status()?);
    }
    if !args.status {
        let store = context.open()?;
        context.note(&format!(
            "{} is at schema version {}",
            store.path().display(),
            newsdb::store::latest_known_version()
        ));
        return Ok(());
    }
    // Status only reads: an old database is listed with its pending migrations, not migrated.
    let store = context.open_read_only()?;
    print_status(args, store.migration_status()?)
}

fn print_status(args: &MigrateArgs, status: Vec<MigrationStatus>) -> Outcome {
    let rows = status.into_iter().map(|migration| {
        Ok::<_, std::io::Error>(vec![
            Value::Integer(migration.version),
            Value::Text(migration.name),
            Value::Text(
                if migration.applied_on.is_some() {
                    "applied"
                } else {
                    "pending"
                }
                .into(),
            ),
            migration.applied_on.map_or(Value::Null, Value::Text),
        ])
    });
    output::print(
        &args.format,
        &["version", "name", "state", "applied_on"],
        rows,
    )
}
