//! `newsdb init [--adopt]`: create or migrate the database, or add newsdb's tables to another
//! application's SQLite database on purpose.

use clap::Args;

use newsdb::store::{OpenOptions, Store};

use super::{Context, Failure, Outcome};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Add newsdb's tables to an existing SQLite database of another application (switching
    /// it to WAL mode); without it such a file is refused untouched.
    #[arg(long)]
    pub adopt: bool,
}

pub fn run(context: &Context, args: &InitArgs) -> Outcome {
    if let Some(store) = context.open_postgres(false)? {
        if args.adopt {
            return Err(Failure::Usage(
                "--adopt is for another application's SQLite file; on PostgreSQL newsdb's tables \
                 go into the database the URL names, beside any others"
                    .into(),
            ));
        }
        let version = newsdb::backend::postgres::latest_known_version();
        context.note(&format!(
            "{} is ready (schema version {version})",
            store.shown()
        ));
        return Ok(());
    }
    let store = if args.adopt {
        let options = OpenOptions {
            busy_timeout: context.busy_timeout,
            read_only: false,
        };
        Store::adopt(&context.db, &options).map_err(Failure::from)?
    } else {
        context.open()?
    };
    let version = newsdb::store::latest_known_version();
    context.note(&format!(
        "{} is ready (schema version {version})",
        store.path().display()
    ));
    Ok(())
}
