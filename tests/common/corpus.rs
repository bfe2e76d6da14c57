//! The shared corpus (`../shared/corpus`, outside the repository): found, visibly skipped, or a
//! failure under CI. Shared by the integration tests (through `tests/common`) and the library's
//! unit tests (through `#[path]`), so every corpus test follows one rule.

use std::io::Write;
use std::path::{Path, PathBuf};

/// What a test does when the corpus it needs is absent.
#[derive(Debug, PartialEq, Eq)]
pub enum MissingCorpus {
    /// Outside CI: skip, with a line on the real stderr.
    Skip,
    /// Under CI (`CI` set and not `false`/`0`) or with `NEWSDB_REQUIRE_CORPUS=1`: a missing
    /// corpus means the run does not test what it claims, so the test fails.
    Fail,
}

/// The rule, from the values of `CI` and `NEWSDB_REQUIRE_CORPUS`.
pub fn missing_corpus_rule(ci: Option<&str>, require: Option<&str>) -> MissingCorpus {
    let set = |value: Option<&str>| {
        value.is_some_and(|value| {
            let value = value.trim();
            !value.is_empty() && value != "0" && !value.eq_ignore_ascii_case("false")
        })
    };
    if set(ci) || set(require) {
        MissingCorpus::Fail
    } else {
        MissingCorpus::Skip
    }
}

/// `../shared/corpus/RELATIVE` (`""` for the folder itself; `$NEWSDB_CORPUS` replaces the folder), or None after saying the test is
/// skipped. Panics instead when the rule says a missing corpus fails the run.
pub fn corpus(relative: &str) -> Option<PathBuf> {
    // NEWSDB_CORPUS points elsewhere, as from a git worktree whose parent holds no corpus.
    let root = std::env::var_os("NEWSDB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let path = if relative.is_empty() {
        root
    } else {
        root.join(relative)
    };
    if path.exists() {
        return Some(path);
    }
    let env = |name: &str| std::env::var(name).ok();
    let rule = missing_corpus_rule(
        env("CI").as_deref(),
        env("NEWSDB_REQUIRE_CORPUS").as_deref(),
    );
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    match rule {
        MissingCorpus::Fail => panic!(
            "{} is absent, and CI or NEWSDB_REQUIRE_CORPUS=1 requires the corpus \
             (see ../shared/corpus/README.md)",
            path.display()
        ),
        MissingCorpus::Skip => {
            // Straight to the process's stderr: the test harness captures `eprintln!` of passing
            // tests, and a skip must show in `cargo test`'s output.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: {} is absent (set NEWSDB_CORPUS=DIR; CI=true or NEWSDB_REQUIRE_CORPUS=1 \
                 makes this fail)",
                path.display()
            );
            None
        }
    }
}
