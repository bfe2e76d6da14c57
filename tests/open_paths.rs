//! End to end: which files `--db` opens, and how it says why it will not (issue 10, items 2 and
//! 12). Cases that need a read-only file system or a full one mount it in a private mount
//! namespace (`unshare -m`), so the host's mounts are never touched; where that is not allowed
//! they are skipped with a message.

mod common;

use std::path::Path;
use std::process::Output;

use common::{TestDb, stderr};

/// Another application's SQLite database with these statements run in it, in rollback-journal
/// mode (so any write newsdb made would show in the file).
fn application_database(db: &TestDb, name: &str, sql: &str) -> std::path::PathBuf {
    let path = db.folder.path().join(name);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(sql).unwrap();
    path
}

fn newsdb_on(path: &Path, args: &[&str]) -> Output {
    common::newsdb()
        .arg("--db")
        .arg(path)
        .args(args)
        .write_stdin("")
        .output()
        .unwrap()
}

fn sidecars_of(path: &Path) -> Vec<String> {
    ["-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| format!("{}{suffix}", path.display()))
        .filter(|sidecar| Path::new(sidecar).exists())
        .collect()
}

// Issue 10, item 2: an application's own SQLite file was silently migrated, or, when it had an
// `articles` table, left with `refinery_schema_history` and WAL mode after a failed migration.
#[test]
fn another_applications_database_is_refused_untouched() {
    let db = TestDb::new();
    let app = application_database(
        &db,
        "app.sqlite",
        "CREATE TABLE articles (id INTEGER PRIMARY KEY, text TEXT);
         INSERT INTO articles (text) VALUES ('mine');
         CREATE TABLE settings (key TEXT, value TEXT);",
    );
    let before = std::fs::read(&app).unwrap();
    let seed = common::seed();
    for args in [
        &["init"][..],
        &["stats"],
        &["query", "SELECT 1"],
        &["import", seed.to_str().unwrap()],
        &["init", "--adopt"],
    ] {
        let output = newsdb_on(&app, args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        let message = stderr(&output);
        assert_eq!(message.lines().count(), 1, "{args:?}: {message}");
        assert!(
            message.starts_with(&format!("newsdb: {}: not a newsdb database", app.display())),
            "{message}"
        );
    }
    assert_eq!(std::fs::read(&app).unwrap(), before, "the file changed");
    assert_eq!(sidecars_of(&app), Vec::<String>::new());
    let message = stderr(&newsdb_on(&app, &["init", "--adopt"]));
    assert!(message.contains("already has articles"), "{message}");
}

#[test]
fn init_adopt_adds_newsdbs_tables_to_another_applications_database() {
    let db = TestDb::new();
    let app = application_database(
        &db,
        "app.sqlite",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);
         INSERT INTO notes (text) VALUES ('keep me');",
    );
    let output = newsdb_on(&app, &["init"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let output = newsdb_on(&app, &["init", "--adopt"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = newsdb_on(&app, &["import", common::seed().to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let conn = rusqlite::Connection::open(&app).unwrap();
    let (notes, articles): (String, i64) = conn
        .query_row(
            "SELECT (SELECT text FROM notes), (SELECT count(*) FROM articles)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!((notes.as_str(), articles), ("keep me", 1));
}

#[test]
fn an_empty_file_is_a_new_database_and_an_interrupted_init_is_finished() {
    let db = TestDb::new();
    std::fs::write(&db.path, b"").unwrap();
    let output = db.run(&["stats"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("holds no newsdb database yet"),
        "{}",
        stderr(&output)
    );
    assert!(db.run(&["init"]).status.success());
    // A SQLite file with no schema at all (WAL set, then killed before migrating) is new too.
    let interrupted = application_database(&db, "interrupted.sqlite", "PRAGMA journal_mode = WAL");
    let output = newsdb_on(&interrupted, &["init"]);
    assert!(output.status.success(), "{}", stderr(&output));
}

// Issue 10, item 12: `--db /dev/null stats` said "no such table: meta".
#[test]
fn a_device_is_not_a_database() {
    let output = newsdb_on(Path::new("/dev/null"), &["stats"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "newsdb: /dev/null: cannot open database: is not a regular file \
         (a device, FIFO or socket cannot hold a database)\n"
    );
}

// Issue 10, item 2: a failed migration printed its whole SQL (about 200 lines).
#[test]
fn a_failed_migration_is_reported_in_one_line() {
    let db = TestDb::new();
    assert!(db.run(&["init"]).status.success());
    // As if V2 had not been applied, and the table it indexes dropped by another tool:
    // re-running it fails when SQLite prepares it (the error rusqlite quotes the SQL of).
    db.connect()
        .execute_batch(
            "DELETE FROM refinery_schema_history WHERE version >= 2;
             DROP TABLE article_raw;",
        )
        .unwrap();
    let output = db.run(&["init"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.starts_with(&format!(
            "newsdb: {}: migration failed: ",
            db.path.display()
        )),
        "{message}"
    );
    assert!(message.contains("no such table"), "{message}");
}

// Issue 10, item 12: four processes creating one new file at once could fail with "setting WAL
// mode: database is locked" (SQLite does not wait on the busy timeout for that pragma). Before
// the fix, a run of these rounds failed about every other time.
#[test]
fn processes_creating_the_same_database_at_once_all_succeed() {
    for round in 0..10 {
        let db = TestDb::new();
        let children: Vec<_> = (0..6)
            .map(|_| {
                db.process()
                    .arg("init")
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "round {round}: {}",
                stderr(&output)
            );
        }
    }
}

/// Runs `script` with `sh` in a private mount namespace, with `NEWSDB` set to the binary and
/// `DIR` to the test's folder; None (after saying why) where mount namespaces are not allowed.
fn in_private_mounts(db: &TestDb, script: &str, env: &[(&str, &str)]) -> Option<Output> {
    let allowed = std::process::Command::new("unshare")
        .args(["-m", "sh", "-c", "mount -t tmpfs none /mnt"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !allowed {
        eprintln!("skipped: cannot mount in a private namespace (`unshare -m` needs root)");
        return None;
    }
    let mut command = std::process::Command::new("unshare");
    command
        .args(["-m", "sh", "-c", script])
        .env_remove("NEWSDB_DB")
        .env("NEWSDB", assert_cmd::cargo::cargo_bin("newsdb"))
        .env("DIR", db.folder.path());
    for (name, value) in env {
        command.env(name, value);
    }
    Some(command.output().unwrap())
}

// Issue 10, item 12: writing to a read-only database file exited 1 ("attempt to write a readonly
// database") without naming it.
#[test]
fn writing_to_a_read_only_database_file_exits_2_naming_it() {
    let db = TestDb::new();
    assert!(db.run(&["init"]).status.success());
    let seed = common::seed();
    let script = r#"mount --bind "$DIR/news.sqlite" "$DIR/news.sqlite" \
        && mount -o remount,bind,ro "$DIR/news.sqlite" \
        && "$NEWSDB" --db "$DIR/news.sqlite" import "$SEED""#;
    let Some(output) = in_private_mounts(&db, script, &[("SEED", seed.to_str().unwrap())]) else {
        return;
    };
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).starts_with(&format!(
            "newsdb: {}: cannot open database: cannot be written",
            db.path.display()
        )),
        "{}",
        stderr(&output)
    );
}

// Issue 10, item 12: in a read-only folder even read commands failed (SQLite could not create
// the `-shm` file a WAL database needs).
#[test]
fn read_commands_work_in_a_read_only_folder() {
    let db = TestDb::new();
    let seed = common::seed();
    assert!(db.run(&["import", seed.to_str().unwrap()]).status.success());
    assert_eq!(sidecars_of(&db.path), Vec::<String>::new());
    let script = r#"mount --bind "$DIR" "$DIR" && mount -o remount,bind,ro "$DIR" \
        && "$NEWSDB" --db "$DIR/news.sqlite" query --format csv "SELECT count(*) AS n FROM articles" \
        && "$NEWSDB" --db "$DIR/news.sqlite" stats > /dev/null"#;
    let Some(output) = in_private_mounts(&db, script, &[]) else {
        return;
    };
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "n\n1\n");
}

// Issue 10, item 12: a full SQLITE_TMPDIR was reported as "database or disk is full", with no
// hint of which disk.
#[test]
fn a_full_temporary_folder_is_named() {
    let db = TestDb::new();
    assert!(db.run(&["init"]).status.success());
    let temp = db.folder.path().join("sqlite-tmp");
    std::fs::create_dir(&temp).unwrap();
    // A DISTINCT too large for the page cache spills to a temporary file, in SQLITE_TMPDIR.
    let script = r#"mount -t tmpfs -o size=64k none "$SQLITE_TMPDIR" \
        && "$NEWSDB" --db "$DIR/news.sqlite" query --format csv \
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
            SELECT count(DISTINCT randomblob(300)) FROM n""#;
    let Some(output) = in_private_mounts(&db, script, &[("SQLITE_TMPDIR", temp.to_str().unwrap())])
    else {
        return;
    };
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("database or disk is full"), "{message}");
    assert!(
        message.contains(&format!(
            "{}, where SQLite writes temporary files",
            temp.display()
        )),
        "{message}"
    );
}
