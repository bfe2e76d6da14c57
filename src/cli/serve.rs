//! `newsdb serve`: browse the database read-only in a web browser.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};

use clap::Args;

use newsdb::serve::{ServeError, ServeOptions, serve};

use super::{Context, Failure, Outcome, TimeLimitArgs};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on; anything but loopback makes the database readable by the
    /// network.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST), value_name = "ADDRESS")]
    pub host: IpAddr,
    /// The port to listen on; 0 picks a free one (printed on stdout).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Open the start page in the system's web browser (xdg-open, open or start).
    #[arg(long)]
    pub open: bool,
    /// Read-only connections used at once (the pages' concurrency).
    #[arg(long, default_value_t = 4, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub connections: u16,
    /// The SQL page's time limit.
    #[command(flatten)]
    pub time_limit: TimeLimitArgs,
}

pub fn run(context: &Context, args: &ServeArgs) -> Outcome {
    if !args.host.is_loopback() {
        context.warn(&format!(
            "serving on {}, not loopback: anyone who can reach this address can read the whole \
             database",
            args.host
        ));
    }
    let options = ServeOptions {
        db: context.db.clone(),
        busy_timeout: context.busy_timeout,
        host: args.host,
        port: args.port,
        query_timeout: args.time_limit.limit(),
        connections: usize::from(args.connections),
    };
    let result = serve(&options, |address| {
        let url = match address.ip() {
            IpAddr::V6(ip) => format!("http://[{ip}]:{}/", address.port()),
            IpAddr::V4(ip) => format!("http://{ip}:{}/", address.port()),
        };
        let mut out = std::io::stdout().lock();
        // The line tells scripts and tests the port; a closed stdout must not stop the server.
        let _ = writeln!(out, "listening on {url}");
        let _ = out.flush();
        if args.open {
            open_browser(context, &url);
        }
    });
    match result {
        Ok(()) => Ok(()),
        Err(ServeError::Store(error)) => Err(Failure::from(error)),
        Err(error @ ServeError::Bind { .. }) => Err(Failure::Usage(error.to_string())),
        Err(error) => Err(Failure::Failed(error.to_string())),
    }
}

/// Runs the system's opener on `url`; a failure is only a note.
fn open_browser(context: &Context, url: &str) {
    let (program, arguments): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    let spawned = std::process::Command::new(program)
        .args(&arguments)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(error) = spawned {
        context.note(&format!("cannot open a browser with {program}: {error}"));
    }
}
