//! Which files found in a folder are read as articles: a folder holds more than articles
//! (licences, readmes, source code, settings, test expectations), and importing them would store
//! noise. `--include`/`--exclude` globs choose explicitly; otherwise a file is left out by its name
//! (here) or, once read, by its shape (see [`text_reads_like_an_article`] and
//! `json::looks_like_articles`). A file named on the command line is always tried.

use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::item::SkipReason;

/// Names of project paperwork, matched on the file stem, any case, any extension.
const PAPERWORK_STEMS: &[&str] = &[
    "license",
    "licence",
    "copying",
    "copyright",
    "readme",
    "changelog",
    "changes",
    "notice",
    "authors",
    "contributors",
    "contributing",
    "code_of_conduct",
];

/// Extensions of source code, styles, tables and configuration.
const CODE_OR_DATA_EXTENSIONS: &[&str] = &[
    "py",
    "rs",
    "c",
    "h",
    "cc",
    "cpp",
    "hpp",
    "cs",
    "js",
    "mjs",
    "cjs",
    "jsx",
    "ts",
    "tsx",
    "go",
    "java",
    "kt",
    "scala",
    "swift",
    "sh",
    "bash",
    "zsh",
    "fish",
    "ps1",
    "bat",
    "rb",
    "pl",
    "pm",
    "php",
    "lua",
    "r",
    "m",
    "sql",
    "css",
    "scss",
    "less",
    "csv",
    "tsv",
    "yml",
    "yaml",
    "toml",
    "ini",
    "cfg",
    "conf",
    "lock",
    "mk",
    "cmake",
    "gradle",
    "make",
    "diff",
    "patch",
    "ipynb",
    "map",
    "svg",
    "xsl",
    "xslt",
    "dtd",
    "xsd",
    "properties",
    "log",
];

/// Extensions of binary documents, media and archives (a gzip file may be a feed: not listed).
const MEDIA_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "webp", "bmp", "ico", "tif", "tiff", "avif", "heic", "mp3", "ogg",
    "wav", "flac", "m4a", "mp4", "m4v", "mov", "avi", "mkv", "webm", "woff", "woff2", "ttf", "otf",
    "eot", "zip", "tar", "bz2", "xz", "zst", "7z", "rar", "pdf", "doc", "docx", "xls", "xlsx",
    "ppt", "pptx", "odt", "ods", "exe", "dll", "so", "dylib", "o", "a", "class", "jar", "wasm",
    "pyc", "db", "sqlite", "sqlite3",
];

/// `--include` and `--exclude`, matched against a file's path relative to the folder named on
/// the command line (`*` crosses `/`, so `*.csv` matches `sub/a.csv`).
#[derive(Clone, Debug, Default)]
pub struct FileSelection {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

/// What to do with a file found in a folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Matched by `--include`: read it, whatever its name and shape.
    Included,
    /// Read it, and keep it only if its content looks like articles.
    IfArticles,
    Skip(SkipReason),
}

impl FileSelection {
    /// Compiles the globs; an invalid one is named in the error.
    pub fn new(include: &[String], exclude: &[String]) -> Result<FileSelection, String> {
        Ok(FileSelection {
            include: glob_set(include, "--include")?,
            exclude: glob_set(exclude, "--exclude")?,
        })
    }

    /// The choice for `relative`, a path below the folder being imported.
    pub fn choose(&self, relative: &Path) -> Choice {
        if self
            .exclude
            .as_ref()
            .is_some_and(|set| set.is_match(relative))
        {
            return Choice::Skip(SkipReason::Excluded);
        }
        match &self.include {
            Some(set) if set.is_match(relative) => Choice::Included,
            Some(_) => Choice::Skip(SkipReason::Excluded),
            None => match skip_by_name(relative) {
                Some(reason) => Choice::Skip(reason),
                None => Choice::IfArticles,
            },
        }
    }
}

fn glob_set(patterns: &[String], flag: &str) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern).map_err(|error| format!("{flag} {pattern}: {error}"))?;
        builder.add(glob);
    }
    builder
        .build()
        .map(Some)
        .map_err(|error| format!("{flag}: {error}"))
}

/// Paperwork, code or media, by the file's name alone.
pub fn skip_by_name(path: &Path) -> Option<SkipReason> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    // `LICENSE-MIT`, `README_zh`, `wikigold.LICENSE`, `wikigold.README.rst`: the word may be
    // any dot-separated part of the name.
    let extension = name.rsplit_once('.').map_or("", |(_, extension)| extension);
    let is_paperwork = |word: &str| {
        PAPERWORK_STEMS.iter().any(|known| {
            word == *known
                || word
                    .strip_prefix(known)
                    .is_some_and(|rest| rest.starts_with(['-', '_']))
        })
    };
    if name.split('.').any(is_paperwork) {
        return Some(SkipReason::LicenceOrReadme);
    }
    if CODE_OR_DATA_EXTENSIONS.contains(&extension) {
        return Some(SkipReason::CodeOrData);
    }
    if MEDIA_EXTENSIONS.contains(&extension) {
        return Some(SkipReason::Media);
    }
    None
}

/// Plain text that reads like an article: not code-shaped, and at least one line of prose (three
/// or more words of letters, making up most of the line). Token-per-line data (CoNLL), number
/// tables and logs have none.
pub fn text_reads_like_an_article(text: &str) -> Result<(), SkipReason> {
    if looks_like_code(text) {
        return Err(SkipReason::CodeOrData);
    }
    let prose_line = text.lines().any(|line| {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let words = tokens
            .iter()
            .filter(|token| {
                let letters = token.chars().filter(|c| c.is_alphabetic()).count();
                letters >= 1 && letters * 2 >= token.chars().count()
            })
            .count();
        words >= 3 && words * 3 >= tokens.len() * 2
    });
    if prose_line {
        Ok(())
    } else {
        Err(SkipReason::TextNotArticle)
    }
}

/// A shebang, or a third of the lines ending or starting the way code does.
fn looks_like_code(text: &str) -> bool {
    if text.starts_with("#!") {
        return true;
    }
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .take(200)
        .collect();
    if lines.len() < 3 {
        return false;
    }
    const STARTS: &[&str] = &[
        "import ",
        "from ",
        "def ",
        "class ",
        "fn ",
        "pub ",
        "use ",
        "#include",
        "#define",
        "function ",
        "var ",
        "let ",
        "const ",
        "return ",
        "package ",
        "//",
        "/*",
    ];
    let code_lines = lines
        .iter()
        .filter(|line| {
            line.ends_with(['{', '}', ';'])
                || **line == ")"
                || STARTS.iter().any(|start| line.starts_with(start))
        })
        .count();
    code_lines * 3 >= lines.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(name: &str) -> Option<SkipReason> {
        skip_by_name(Path::new(name))
    }

    #[test]
    fn paperwork_by_name_any_case_any_extension() {
        for name in [
            "LICENSE",
            "License.md",
            "licence.txt",
            "COPYING",
            "README.TXT",
            "readme.rst",
            "CHANGELOG.md",
            "NOTICE",
            "AUTHORS",
            "CONTRIBUTING.md",
            "LICENSE-MIT",
            "wikigold.LICENSE",
            "wikigold.README.rst",
            "sub/dir/README",
        ] {
            assert_eq!(reason(name), Some(SkipReason::LicenceOrReadme), "{name}");
        }
        for name in [
            "licensed-to-kill.txt",
            "readmission.html",
            "news.xml",
            "a.txt",
        ] {
            assert_eq!(reason(name), None, "{name}");
        }
    }

    #[test]
    fn code_data_and_media_by_extension() {
        for name in [
            "a.py",
            "b.RS",
            "c.csv",
            "d.tsv",
            "e.yml",
            "Cargo.lock",
            "f.css",
            "g.js",
        ] {
            assert_eq!(reason(name), Some(SkipReason::CodeOrData), "{name}");
        }
        for name in ["photo.JPG", "a.pdf", "b.zip"] {
            assert_eq!(reason(name), Some(SkipReason::Media), "{name}");
        }
        // Article formats, and gzip (a compressed feed), are read.
        for name in [
            "a.html", "b.xml", "c.json", "d.jsonl", "e.txt", "f.xml.gz", "g",
        ] {
            assert_eq!(reason(name), None, "{name}");
        }
    }

    #[test]
    fn globs_choose_and_include_overrides_the_name_rules() {
        let selection =
            FileSelection::new(&["*.csv".into(), "keep/*".into()], &["keep/no.*".into()]).unwrap();
        assert_eq!(selection.choose(Path::new("sub/a.csv")), Choice::Included);
        assert_eq!(
            selection.choose(Path::new("keep/LICENSE")),
            Choice::Included
        );
        assert_eq!(
            selection.choose(Path::new("keep/no.csv")),
            Choice::Skip(SkipReason::Excluded)
        );
        assert_eq!(
            selection.choose(Path::new("story.txt")),
            Choice::Skip(SkipReason::Excluded)
        );
        let default = FileSelection::default();
        assert_eq!(default.choose(Path::new("story.txt")), Choice::IfArticles);
        assert_eq!(
            default.choose(Path::new("x.py")),
            Choice::Skip(SkipReason::CodeOrData)
        );
        let bad = FileSelection::new(&["a[".into()], &[]).unwrap_err();
        assert!(bad.starts_with("--include a["), "{bad}");
    }

    #[test]
    fn prose_is_an_article_token_lines_and_code_are_not() {
        assert_eq!(
            text_reads_like_an_article("Story A\n\nThe first story.\n"),
            Ok(())
        );
        let conll = "-DOCSTART- O\n\nAlbert I-PER\nEinstein I-PER\nwas O\nborn O\n. O\n";
        assert_eq!(
            text_reads_like_an_article(conll),
            Err(SkipReason::TextNotArticle)
        );
        assert_eq!(
            text_reads_like_an_article("1 2 3\n4 5 6\n"),
            Err(SkipReason::TextNotArticle)
        );
        let python = "import os\n\ndef main():\n    print('hello there my friend')\n\nmain()\n";
        assert_eq!(
            text_reads_like_an_article(python),
            Err(SkipReason::CodeOrData)
        );
        assert_eq!(
            text_reads_like_an_article("#!/bin/sh\necho hello to the world\n"),
            Err(SkipReason::CodeOrData)
        );
        let c = "int main() {\n  puts(\"a b c\");\n  return 0;\n}\n";
        assert_eq!(text_reads_like_an_article(c), Err(SkipReason::CodeOrData));
    }
}
