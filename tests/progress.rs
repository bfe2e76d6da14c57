//! The import progress bar on a real terminal (issue 12 item 10): the binary runs under
//! util-linux `script`, which gives it a pty. Bytes of the known total, a percentage, an ETA and a
//! whole-number rate; never when stderr is a pipe.

mod common;

use common::{TestDb, stderr};

/// `script -q -c COMMAND /dev/null` with CI unset, or None (said on stderr) without `script`.
fn on_a_terminal(command: &str) -> Option<String> {
    let probe = std::process::Command::new("script")
        .arg("--version")
        .output();
    if !probe.is_ok_and(|output| output.status.success()) {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "SKIPPED: util-linux `script` is absent");
        return None;
    }
    let output = std::process::Command::new("script")
        .args(["-q", "-c", command, "/dev/null"])
        .env_remove("CI")
        .env_remove("NEWSDB_DB")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    Some(String::from_utf8_lossy(&output.stdout).replace('\r', "\n"))
}

fn records(db: &TestDb, count: usize) -> std::path::PathBuf {
    let lines: String = (0..count)
        .map(|i| {
            format!(
                "{{\"title\": \"Story {i}\", \"body\": \"Ferry number {i} left the harbour at {i} \
                 past nine, carrying {i} passengers across the bay.\"}}\n"
            )
        })
        .collect();
    db.file("records.jsonl", lines)
}

#[test]
fn the_bar_shows_bytes_of_the_total_a_percentage_an_eta_and_a_whole_rate() {
    let db = TestDb::new();
    let input = records(&db, 3000);
    let binary = assert_cmd::cargo::cargo_bin("newsdb");
    let command = format!(
        "{} --db {} import --no-entities {}",
        binary.display(),
        db.path.display(),
        input.display()
    );
    let Some(screen) = on_a_terminal(&command) else {
        return;
    };
    let total = format!(
        " of {} (",
        indicatif_bytes(std::fs::metadata(&input).unwrap().len())
    );
    let bar = screen
        .lines()
        .find(|line| line.contains(&total))
        .unwrap_or_else(|| panic!("no progress line with `{total}`:\n{screen}"));
    assert!(bar.contains("%), "), "{bar}");
    assert!(bar.contains(" items, ") || bar.contains(" item, "), "{bar}");
    assert!(bar.contains("/s, ETA "), "{bar}");
    let rate = bar.split("/s").next().unwrap().rsplit(' ').next().unwrap();
    assert!(
        rate.chars().all(|ch| ch.is_ascii_digit() || ch == ',') || rate == "-",
        "rate `{rate}` in {bar}"
    );
    assert!(
        screen.contains("newsdb: 1 input, 3000 items: 3000 new"),
        "{screen}"
    );
}

#[test]
fn standard_input_shows_count_and_rate_without_a_total() {
    let db = TestDb::new();
    let input = records(&db, 3000);
    let binary = assert_cmd::cargo::cargo_bin("newsdb");
    let command = format!(
        "{} --db {} import --no-entities - < {}",
        binary.display(),
        db.path.display(),
        input.display()
    );
    let Some(screen) = on_a_terminal(&command) else {
        return;
    };
    assert!(
        screen
            .lines()
            .any(|line| line.contains(" items, ") && line.contains("/s, ")),
        "{screen}"
    );
    assert!(!screen.contains("ETA"), "{screen}");
    assert!(!screen.contains("%)"), "{screen}");
}

#[test]
fn no_bar_when_stderr_is_a_pipe() {
    let db = TestDb::new();
    let input = records(&db, 300);
    let output = db
        .newsdb()
        .env_remove("CI")
        .args(["import", "--no-entities"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        stderr(&output).lines().count(),
        1,
        "only the summary: {}",
        stderr(&output)
    );
}

/// Sizes as the bar prints them (indicatif's binary units, two decimals).
fn indicatif_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit < UNITS.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{size:.2} {}", UNITS[unit])
    }
}
