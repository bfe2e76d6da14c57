//! End to end: every numeric flag and every date flag is checked by the parser, so a value out
//! of range is a usage error (exit 2) naming the flag, never a panic (exit 101) or a silent
//! "everything" / "nothing".

mod common;

use common::{TestDb, stderr, stdout};

/// Runs newsdb and checks that it refused `args` as a usage error mentioning `flag`.
fn refused(db: &TestDb, args: &[&str], flag: &str) {
    let output = db.run(args);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{args:?}: {}",
        stderr(&output)
    );
    let message = stderr(&output);
    assert!(message.contains(flag), "{args:?}: {message}");
    assert!(!message.contains("panicked"), "{args:?}: {message}");
}

// Issue 10: `--timeout 1e30` and `--busy-timeout 2200000` panicked (exit 101).
#[test]
fn numeric_flags_out_of_range_are_usage_errors() {
    let db = common::three_samples();
    for (args, flag) in [
        (&["query", "--timeout", "1e30", "SELECT 1"][..], "--timeout"),
        (&["query", "--timeout", "-1", "SELECT 1"], "--timeout"),
        (&["query", "--timeout", "nan", "SELECT 1"], "--timeout"),
        (&["query", "--timeout", "inf", "SELECT 1"], "--timeout"),
        (&["run", "--timeout", "1e30", "stats"], "--timeout"),
        (&["fetch", "--timeout", "1e30"], "--timeout"),
        (&["fetch", "--timeout", "0"], "--timeout"),
        (&["--busy-timeout", "2200000", "stats"], "--busy-timeout"),
        (&["--busy-timeout", "-1", "stats"], "--busy-timeout"),
        (&["articles", "--limit", "0"], "--limit"),
        (&["articles", "--limit", "-3"], "--limit"),
        (&["articles", "--limit", "99999999999"], "--limit"),
        (&["search", "train", "--limit", "0"], "--limit"),
        (&["entities", "--top", "0"], "--limit"),
        (&["entities", "--limit", "0"], "--limit"),
        (&["entity", "Kim", "--limit", "0"], "--limit"),
        (&["import", "--batch-size", "0", "-"], "--batch-size"),
        (
            &["import", "--batch-size", "18446744073709551615", "-"],
            "--batch-size",
        ),
    ] {
        refused(&db, args, flag);
    }
    // The largest values accepted still work.
    for args in [
        &["--busy-timeout", "1000000", "query", "SELECT 1"][..],
        &["query", "--timeout", "1000000", "SELECT 1"],
        &["query", "--timeout", "0.5", "SELECT 1"],
    ] {
        let output = db.run(args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    }
}

// Issue 12: `export --since` past year 9999 exported everything while `articles --until` with
// the same bound returned nothing. Every date flag now goes through one parser.
#[test]
fn date_flags_out_of_range_are_refused_by_every_command() {
    let db = common::three_samples();
    for date in ["9999-12-31T23:00:00-05:00", "+10000-01-01", "10000-01-01"] {
        for (args, flag) in [
            (&["export", "--since", date][..], "--since"),
            (&["articles", "--since", date], "--since"),
            (&["articles", "--until", date], "--until"),
            (&["search", "train", "--until", date], "--until"),
            (&["entities", "--since", date], "--since"),
        ] {
            refused(&db, args, flag);
        }
    }
    for (args, flag) in [
        (&["export", "--since", "March 1"][..], "--since"),
        (&["articles", "--until", "2024-02-30"], "--until"),
    ] {
        refused(&db, args, flag);
    }
}

#[test]
fn the_same_date_means_the_same_bound_everywhere() {
    let db = common::three_samples();
    // The last representable day: nothing was imported after it, everything was published
    // before it.
    let export = db.run(&["export", "--since", "9999-12-31"]);
    assert!(export.status.success(), "{}", stderr(&export));
    assert_eq!(stdout(&export), "");
    let articles = db.run(&["articles", "--until", "9999-12-31", "--format", "jsonl"]);
    assert!(articles.status.success(), "{}", stderr(&articles));
    assert_eq!(stdout(&articles).lines().count(), 3);
    // An offset moves the bound to UTC, for every command alike.
    let published = db.column("SELECT published_at FROM articles ORDER BY published_at");
    let first = &published[0];
    let articles = db.run(&["articles", "--since", first, "--format", "jsonl"]);
    assert_eq!(stdout(&articles).lines().count(), 3);
    let later = first.replace('Z', "-00:01");
    let articles = db.run(&["articles", "--since", &later, "--format", "jsonl"]);
    assert_eq!(stdout(&articles).lines().count(), 2);
}
