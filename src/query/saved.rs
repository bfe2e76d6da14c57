//! Checks on a query before it is saved: a usable name, one read-only statement, its parameters.
//!
//! The statement is prepared on a read-only connection and must pass the same
//! [`adhoc::prepare_query`] as every read-only run (no writes, no `BEGIN`, `ATTACH` or
//! `PRAGMA name = value`); `newsdb run` checks again and enforces read-only through its
//! connection, since other tools may write `saved_queries` directly.

use rusqlite::Connection;

use crate::query::adhoc::{self, QueryError};
use crate::query::canned::{self, statement_parameters};

/// Why a query cannot be saved under a name.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SaveError {
    #[error("`{0}` is not a query name: use lowercase letters, digits, `-` and `_`")]
    BadName(String),
    #[error("`{0}` is a built-in query; choose another name")]
    ShadowsBuiltIn(String),
    #[error("there is no SQL statement, only whitespace or comments")]
    Empty,
    #[error(
        "`{0}` is not a query: transactions, ATTACH, DETACH and setting a PRAGMA cannot be saved"
    )]
    NotAQuery(String),
    #[error("one statement only (found more after the first)")]
    MultipleStatements,
    #[error("the query would write to the database; saved queries are read-only")]
    Writes,
    #[error("the query is not valid SQL: {0}")]
    Invalid(String),
    #[error("{0}")]
    Parameters(String),
}

/// Checks a name for a saved query: `[a-z0-9_-]+`, and not a built-in's.
pub fn check_name(name: &str) -> Result<(), SaveError> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !valid {
        return Err(SaveError::BadName(name.to_owned()));
    }
    if canned::built_in(name).is_some() {
        return Err(SaveError::ShadowsBuiltIn(name.to_owned()));
    }
    Ok(())
}

/// Prepares `sql` on `read_only` and returns its parameter names (without prefix, in order of
/// first use) when it is one read-only statement.
pub fn check_sql(read_only: &Connection, sql: &str) -> Result<Vec<String>, SaveError> {
    // The store's SQL functions (source_key, name_key) are on every connection it opens, so
    // saved SQL may use them too.
    let statement = adhoc::prepare_query(read_only, sql).map_err(|error| match error {
        QueryError::Empty => SaveError::Empty,
        QueryError::MultipleStatements => SaveError::MultipleStatements,
        QueryError::WriteRefused => SaveError::Writes,
        QueryError::NotAQuery(shown) => SaveError::NotAQuery(shown),
        error => SaveError::Invalid(error.to_string()),
    })?;
    statement_parameters(&statement).map_err(SaveError::Parameters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(check_name("by-source_2"), Ok(()));
        for bad in ["", "Upper", "has space", "semi;colon", "dot.name"] {
            assert_eq!(
                check_name(bad),
                Err(SaveError::BadName(bad.into())),
                "{bad}"
            );
        }
        assert_eq!(
            check_name("articles"),
            Err(SaveError::ShadowsBuiltIn("articles".into()))
        );
    }

    #[test]
    fn sql_is_one_read_only_statement_with_named_parameters() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (x)").unwrap();
        assert_eq!(
            check_sql(
                &conn,
                "SELECT x FROM t WHERE x > :low AND x < @high OR x = $low"
            ),
            Ok(vec!["low".to_owned(), "high".to_owned()])
        );
        assert_eq!(check_sql(&conn, "DELETE FROM t"), Err(SaveError::Writes));
        assert_eq!(
            check_sql(&conn, "WITH y AS (SELECT 1) INSERT INTO t SELECT * FROM y"),
            Err(SaveError::Writes)
        );
        assert_eq!(
            check_sql(&conn, "SELECT 1; SELECT 2"),
            Err(SaveError::MultipleStatements)
        );
        assert_eq!(check_sql(&conn, " ; "), Err(SaveError::Empty));
        assert_eq!(check_sql(&conn, "/* x */"), Err(SaveError::Empty));
        for sql in ["BEGIN", "ATTACH 'x.db' AS x", "PRAGMA query_only=OFF"] {
            assert_eq!(
                check_sql(&conn, sql),
                Err(SaveError::NotAQuery(sql.into())),
                "{sql}"
            );
        }
        assert!(matches!(
            check_sql(&conn, "SELEC 1"),
            Err(SaveError::Invalid(_))
        ));
        assert!(matches!(
            check_sql(&conn, "SELECT ?"),
            Err(SaveError::Parameters(_))
        ));
    }
}
