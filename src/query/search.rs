//! Full-text search helpers: FTS5's errors in newsdb's words.
//!
//! The query text goes to FTS5 as written, so users get its whole syntax (phrases, `prefix*`,
//! `AND`/`OR`/`NOT`, `NEAR()`, the columns `title:`, `summary:` and `body:`). Its error messages
//! are terse and name things users did not write ("no such column: un" for `Kim Jong-un`), so
//! [`explain_fts_error`] rephrases them with a hint.

/// The message for an error SQLite raised while matching `query`, or `None` when the error is
/// not about the query's syntax.
pub fn explain_fts_error(query: &str, error: &rusqlite::Error) -> Option<String> {
    let rusqlite::Error::SqliteFailure(_, Some(message)) = error else {
        return None;
    };
    let reason = if message == "unterminated string" {
        "unbalanced quote (every \" needs a closing \")".to_owned()
    } else if let Some(near) = message.strip_prefix("fts5: syntax error near ") {
        let near = near.trim_matches('"');
        if near.is_empty() {
            "it ends too early (an operator or an opening parenthesis lacks its other side)"
                .to_owned()
        } else {
            format!("unexpected `{near}`")
        }
    } else if let Some(column) = message.strip_prefix("no such column: ") {
        format!(
            "`{column}` reads as a column name (only title:, summary: and body: exist; a hyphen \
             or colon inside a word starts one)"
        )
    } else if message.starts_with("unknown special query") {
        "a query cannot start with `*`".to_owned()
    } else if message.starts_with("fts5:") {
        message.trim_start_matches("fts5:").trim().to_owned()
    } else {
        return None;
    };
    Some(format!(
        "search: cannot parse the query `{query}`: {reason}; put words with punctuation in \
         double quotes, as in \"Kim Jong-un\""
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fts_error(query: &str) -> rusqlite::Error {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE VIRTUAL TABLE t USING fts5 (title, summary, body)")
            .unwrap();
        conn.query_row("SELECT count(*) FROM t WHERE t MATCH ?1", [query], |row| {
            row.get::<_, i64>(0)
        })
        .unwrap_err()
    }

    #[test]
    fn fts_errors_are_rephrased() {
        for (query, expected) in [
            ("\"armored train", "unbalanced quote"),
            ("train AND", "ends too early"),
            ("(a OR b", "ends too early"),
            ("U.S.", "unexpected `.`"),
            ("Kim Jong-un", "`un` reads as a column name"),
            ("*", "cannot start with `*`"),
        ] {
            let message = explain_fts_error(query, &fts_error(query))
                .unwrap_or_else(|| panic!("{query}: not explained"));
            assert!(
                message.starts_with(&format!("search: cannot parse the query `{query}`: ")),
                "{message}"
            );
            assert!(message.contains(expected), "{query}: {message}");
        }
        let other = rusqlite::Error::QueryReturnedNoRows;
        assert_eq!(explain_fts_error("x", &other), None);
    }
}
