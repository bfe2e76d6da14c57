//! `newsdb man [COMMAND]...`: the man page (roff) of newsdb or of one of its commands, generated
//! from the clap definitions with clap_mangen, so it says what `--help` says.

use std::io::Write;

use clap::{Args, CommandFactory};

use super::{Cli, Failure, Outcome};

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print (`import`, `feeds add`); none for newsdb's own page.
    #[arg(value_name = "COMMAND")]
    pub command: Vec<String>,
}

pub fn run(args: &ManArgs) -> Outcome {
    let mut command = Cli::command();
    // Building sets each subcommand's display name (`newsdb-import`), which names its page.
    command.build();
    let mut page = &command;
    for name in &args.command {
        page = page
            .find_subcommand(name)
            .filter(|sub| !sub.is_hide_set())
            .ok_or_else(|| {
                Failure::Usage(format!(
                    "no command `{}` (see `newsdb --help`)",
                    args.command.join(" ")
                ))
            })?;
    }
    let mut roff = Vec::new();
    clap_mangen::Man::new(page.clone()).render(&mut roff)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&roff)?;
    out.flush()?;
    Ok(())
}
