//! The README's examples, run as written (issue 12 item 8), so they cannot drift from the binary.
//!
//! Every ```sh and ```python block carries a marker on the line above it:
//! `<!-- readme-test: run -->` runs it, `<!-- readme-test: skip (REASON) -->` excludes it in
//! plain sight (the network, the corpus outside the repository, installing). An unmarked block
//! fails this test. The run blocks go in README order in one temporary folder holding a copy of
//! `data/`, with the built `newsdb` first on the PATH, as a reader following the README would.
//! A block marked `<!-- readme-test: output -->` holds lines that some example before it
//! printed (stdout and stderr); the time in an import summary line, `(0.31 s)`, may differ.

mod common;

use std::path::Path;
use std::process::Command;

use common::{root, stderr, stdout};

#[derive(Debug)]
enum Marker {
    Run,
    Skip,
    Output,
}

struct Block {
    line: usize,
    language: String,
    marker: Option<Marker>,
    text: String,
}

/// The fenced blocks of a Markdown text, with the marker comment above each.
fn blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = markdown.lines().enumerate();
    let mut previous = "";
    while let Some((number, line)) = lines.next() {
        if let Some(language) = line.strip_prefix("```") {
            let marker = match previous.trim() {
                "<!-- readme-test: run -->" => Some(Marker::Run),
                "<!-- readme-test: output -->" => Some(Marker::Output),
                other if other.starts_with("<!-- readme-test: skip (") => Some(Marker::Skip),
                _ => None,
            };
            let mut text = String::new();
            for (_, line) in lines.by_ref() {
                if line.starts_with("```") {
                    break;
                }
                text.push_str(line);
                text.push('\n');
            }
            blocks.push(Block {
                line: number + 1,
                language: language.trim().to_string(),
                marker,
                text,
            });
        }
        if !line.trim().is_empty() {
            previous = line;
        }
    }
    blocks
}

/// `(0.31 s)` at the end of a summary line becomes `(TIME s)`; trailing spaces go.
fn comparable(line: &str) -> String {
    let line = line.trim_end();
    if let Some(open) = line.rfind(" (")
        && line.ends_with(" s)")
        && line[open + 2..line.len() - 3]
            .chars()
            .all(|ch| ch.is_ascii_digit() || ch == '.')
    {
        return format!("{} (TIME s)", &line[..open]);
    }
    line.to_string()
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A missing python3 skips the Python examples visibly, and fails under CI.
fn python_is_required() -> bool {
    std::env::var("CI").is_ok_and(|value| !value.is_empty() && value != "false" && value != "0")
}

#[test]
fn readme_examples_run_and_print_what_the_readme_quotes() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let blocks = blocks(&readme);
    let folder = tempfile::tempdir().unwrap();
    copy_folder(&root().join("data"), &folder.path().join("data"));
    let binary = assert_cmd::cargo::cargo_bin("newsdb");
    let path = std::env::join_paths(
        std::iter::once(binary.parent().unwrap().to_path_buf()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .unwrap();
    let python = Command::new("python3").arg("--version").output().is_ok();

    let mut problems = Vec::new();
    let mut printed: Vec<String> = Vec::new();
    let mut ran = 0;
    for block in &blocks {
        let runnable = matches!(block.language.as_str(), "sh" | "python");
        match (&block.marker, runnable) {
            (None, true) => problems.push(format!(
                "README.md:{}: a ```{} block without a readme-test marker (run or skip (REASON))",
                block.line, block.language
            )),
            (Some(Marker::Run), true) => {
                let mut command = if block.language == "sh" {
                    let mut command = Command::new("bash");
                    command.args(["-euo", "pipefail", "-c", &block.text]);
                    command
                } else if python {
                    let mut command = Command::new("python3");
                    command.args(["-c", &block.text]);
                    command
                } else if python_is_required() {
                    problems.push(format!("README.md:{}: python3 is absent", block.line));
                    continue;
                } else {
                    use std::io::Write;
                    let _ = writeln!(
                        std::io::stderr(),
                        "SKIPPED README.md:{}: python3 is absent (CI=true makes this fail)",
                        block.line
                    );
                    continue;
                };
                let output = command
                    .current_dir(folder.path())
                    .env("PATH", &path)
                    .env("CI", "true")
                    .env_remove("NEWSDB_DB")
                    .output()
                    .unwrap();
                ran += 1;
                if !output.status.success() {
                    problems.push(format!(
                        "README.md:{}: the example failed ({}):\n{}--- stdout:\n{}--- stderr:\n{}",
                        block.line,
                        output.status,
                        block.text,
                        stdout(&output),
                        stderr(&output)
                    ));
                }
                printed.extend(stdout(&output).lines().map(comparable));
                printed.extend(stderr(&output).lines().map(comparable));
            }
            (Some(Marker::Output), _) => {
                for line in block.text.lines().map(comparable) {
                    if !printed.contains(&line) {
                        problems.push(format!(
                            "README.md:{}: no example above printed the quoted line\n  {line}",
                            block.line
                        ));
                    }
                }
            }
            (Some(Marker::Run), false) => problems.push(format!(
                "README.md:{}: only sh and python blocks run, not ```{}",
                block.line, block.language
            )),
            (Some(Marker::Skip), _) | (None, false) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(ran >= 5, "only {ran} README examples ran");
}

#[test]
fn blocks_are_found_with_their_markers() {
    let markdown = "text\n<!-- readme-test: run -->\n```sh\nnewsdb stats\n```\n\n\
                    <!-- readme-test: skip (network) -->\n\n```sh\nnewsdb fetch\n```\n```python\nx\n```\n";
    let found = blocks(markdown);
    assert_eq!(found.len(), 3);
    assert!(matches!(found[0].marker, Some(Marker::Run)));
    assert_eq!(found[0].text, "newsdb stats\n");
    assert!(matches!(found[1].marker, Some(Marker::Skip)));
    assert!(found[2].marker.is_none());
    assert_eq!(found[2].language, "python");
    assert_eq!(
        comparable("newsdb: 1 input, 2 items: 2 new (0.31 s)  "),
        "newsdb: 1 input, 2 items: 2 new (TIME s)"
    );
    assert_eq!(comparable("x (a s)"), "x (a s)");
}
