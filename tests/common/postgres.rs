//! A throwaway PostgreSQL for the tests: one cluster per test binary, a fresh database per test.
//!
//! The cluster is made with `initdb` in a temporary folder and listens only on a Unix socket in
//! that folder (no TCP port, so parallel test binaries never collide). `initdb` refuses to run as
//! root, and sessions and CI run as root, so the server then runs as the `postgres` user, with the
//! folder handed to it. The server is a child of a small shell that waits on its standard input:
//! when the test binary exits, however it exits, the pipe closes, the shell stops the server (a
//! fast shutdown) and deletes the folder. No `atexit`, no leftover `postmaster.pid`.
//!
//! `NEWSDB_TEST_POSTGRES=postgres://USER@HOST/DB` uses a running server instead (the user must
//! be allowed to create databases). Without either, the tests that need PostgreSQL are skipped,
//! visibly, outside CI; under CI (`CI` set, or `NEWSDB_REQUIRE_POSTGRES=1`) they fail.

use std::io::Write as _;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::{MissingCorpus, missing_corpus_rule};

/// How long a new cluster may take to accept connections.
const STARTUP: Duration = Duration::from_secs(60);

/// A running server the tests make databases on.
struct Server {
    /// The URL of its maintenance database (`postgres`), where databases are created.
    admin_url: String,
    /// URL of database NAME: `format!("{prefix}{NAME}{suffix}")`.
    prefix: String,
    suffix: String,
    /// The shell that owns a cluster of our own; dropped only when the process ends, which
    /// closes its stdin and so stops the server.
    _keeper: Option<Mutex<Child>>,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty database for one test, as a URL newsdb's `--db` accepts; None after saying the
/// test is skipped (no PostgreSQL here, and not under CI).
pub fn database() -> Option<String> {
    let server = SERVER.get_or_init(start_server);
    let server = match server {
        Ok(server) => server,
        Err(reason) => {
            skip_or_fail(reason);
            return None;
        }
    };
    let name = format!(
        "newsdb_test_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = postgres::Client::connect(&server.admin_url, postgres::NoTls)
        .unwrap_or_else(|error| panic!("connect to {}: {error}", server.admin_url));
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|error| panic!("CREATE DATABASE {name}: {error}"));
    Some(format!("{}{name}{}", server.prefix, server.suffix))
}

/// Applies the CI rule to a missing PostgreSQL.
fn skip_or_fail(reason: &str) {
    let env = |name: &str| std::env::var(name).ok();
    let rule = missing_corpus_rule(
        env("CI").as_deref(),
        env("NEWSDB_REQUIRE_POSTGRES").as_deref(),
    );
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    match rule {
        MissingCorpus::Fail => panic!(
            "PostgreSQL is needed and {reason} (CI or NEWSDB_REQUIRE_POSTGRES=1 makes this fail; \
             .ci/run installs the postgresql package)"
        ),
        MissingCorpus::Skip => {
            // The real stderr: the harness captures eprintln! of passing tests.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test} on PostgreSQL: {reason} (set NEWSDB_TEST_POSTGRES=URL, or install \
                 the postgresql package; CI=true makes this fail)"
            );
        }
    }
}

fn start_server() -> Result<Server, String> {
    if let Ok(url) = std::env::var("NEWSDB_TEST_POSTGRES") {
        return external_server(&url);
    }
    let bin = server_binaries().ok_or("no /usr/lib/postgresql/*/bin/initdb was found")?;
    own_cluster(&bin)
}

/// A server someone else runs: databases are made beside the one the URL names.
fn external_server(url: &str) -> Result<Server, String> {
    let parsed = url::Url::parse(url).map_err(|error| format!("NEWSDB_TEST_POSTGRES: {error}"))?;
    let mut admin = parsed.clone();
    admin.set_path("/postgres");
    let mut prefix = parsed.clone();
    prefix.set_path("/");
    prefix.set_query(None);
    let suffix = parsed.query().map(|q| format!("?{q}")).unwrap_or_default();
    Ok(Server {
        admin_url: admin.to_string(),
        prefix: prefix.to_string(),
        suffix,
        _keeper: None,
    })
}

/// The newest PostgreSQL's server binaries (`NEWSDB_POSTGRES_BIN` names a folder instead).
fn server_binaries() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("NEWSDB_POSTGRES_BIN") {
        return Some(PathBuf::from(bin));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// Runs as the `postgres` user when we are root (initdb and the server refuse root).
fn as_server_user(program: &Path) -> Command {
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn own_cluster(bin: &Path) -> Result<Server, String> {
    let folder = tempfile::Builder::new()
        .prefix("newsdb-pg-")
        .tempdir()
        .map_err(|error| format!("temporary folder: {error}"))?
        // Deleted by the keeper shell when the server has stopped.
        .keep();
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if root {
        let status = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&folder)
            .status()
            .map_err(|error| format!("chown: {error}"))?;
        if !status.success() {
            return Err(format!("chown postgres {} failed", folder.display()));
        }
    }
    let made = initdb_and_start(bin, &folder);
    if made.is_err() {
        let _ = std::fs::remove_dir_all(&folder);
    }
    made
}

fn initdb_and_start(bin: &Path, folder: &Path) -> Result<Server, String> {
    let data = folder.join("data");
    let initdb = as_server_user(&bin.join("initdb"))
        .args(["--auth=trust", "--username=postgres", "--encoding=UTF8"])
        .args(["--locale=C.UTF-8", "--no-sync", "-D"])
        .arg(&data)
        .output()
        .map_err(|error| format!("initdb: {error}"))?;
    if !initdb.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&initdb.stderr)
        ));
    }
    // The server in the foreground under a shell that stops it (and deletes the folder) once
    // its stdin closes, i.e. when this test binary has exited.
    let script = r#"
        "$1/postgres" -D "$2/data" -k "$2" -c listen_addresses= -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
            >"$2/server.log" 2>&1 &
        server=$!
        cat >/dev/null
        kill -INT "$server"
        wait "$server"
        rm -rf "$2"
    "#;
    let keeper = as_server_user(Path::new("sh"))
        .args(["-c", script, "newsdb-test-postgres"])
        .arg(bin)
        .arg(folder)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| format!("start postgres: {error}"))?;
    let socket = folder.display().to_string();
    let admin_url = format!("postgresql://postgres@localhost/postgres?host={socket}");
    let deadline = Instant::now() + STARTUP;
    loop {
        match postgres::Client::connect(&admin_url, postgres::NoTls) {
            Ok(_) => break,
            Err(error) if Instant::now() > deadline => {
                let log = std::fs::read_to_string(folder.join("server.log")).unwrap_or_default();
                return Err(format!("the test cluster did not start: {error}\n{log}"));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    Ok(Server {
        admin_url,
        prefix: "postgresql://postgres@localhost/".into(),
        suffix: format!("?host={socket}"),
        _keeper: Some(Mutex::new(keeper)),
    })
}
