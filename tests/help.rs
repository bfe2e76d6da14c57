//! Getting started (issue 12 item 8), through the real binary: `--help` ends with examples,
//! `newsdb completions SHELL` prints a script the shell accepts, `newsdb man` a man page.

mod common;

use common::{newsdb, stderr, stdout};

#[test]
fn help_of_each_command_ends_with_examples() {
    for command in [
        &["import"][..],
        &["query"],
        &["search"],
        &["feeds", "add"],
        &["entity", "alias", "add"],
        &["completions"],
        &["man"],
    ] {
        let output = newsdb().args(command).arg("--help").output().unwrap();
        assert!(output.status.success(), "{command:?}: {}", stderr(&output));
        let help = stdout(&output);
        let examples = help
            .rsplit_once("\nExamples:\n")
            .unwrap_or_else(|| panic!("{command:?} --help has no examples:\n{help}"))
            .1;
        let lines: Vec<&str> = examples.lines().filter(|line| !line.is_empty()).collect();
        assert!((2..=3).contains(&lines.len()), "{command:?}: {examples}");
        assert!(
            lines.iter().all(|line| line.contains("newsdb ")),
            "{command:?}: {examples}"
        );
    }
}

#[test]
fn completion_scripts_name_every_command_and_bash_accepts_its_own() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = newsdb().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}: {}", stderr(&output));
        let script = stdout(&output);
        for word in ["import", "search", "busy-timeout", "completions"] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
    }
    // `bash -n` parses without running: the script is valid bash.
    let script = newsdb().args(["completions", "bash"]).output().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("newsdb.bash");
    std::fs::write(&path, &script.stdout).unwrap();
    if let Ok(check) = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
    {
        assert!(check.status.success(), "{}", stderr(&check));
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let output = newsdb().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("tcsh"), "{}", stderr(&output));
}

#[test]
fn man_pages_for_newsdb_and_its_commands() {
    let page = stdout(&newsdb().arg("man").output().unwrap());
    assert!(page.contains(".TH newsdb 1"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    assert!(page.contains("newsdb\\-import"), "{page}");

    let output = newsdb().args(["man", "feeds", "add"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let page = stdout(&output);
    assert!(page.contains(".TH newsdb-feeds-add 1"), "{page}");
    assert!(page.contains("Examples:"), "{page}");

    let output = newsdb().args(["man", "nope"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output).trim(),
        "newsdb: no command `nope` (see `newsdb --help`)"
    );
}

#[test]
fn completions_and_man_into_a_closed_pipe_are_quiet() {
    for args in [&["completions", "bash"][..], &["man"]] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("newsdb"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(stderr(&output).is_empty(), "{args:?}: {}", stderr(&output));
    }
}
