//! Ad-hoc SQL: one statement, named parameters, a time limit, rows streamed to a formatter.
//!
//! Read-only is enforced by the connection (opened read-only and `query_only`), not by looking at
//! the SQL: `WITH x AS (...) DELETE ...` or `DROP TABLE` fail in SQLite itself. The statement's own
//! `readonly()` flag is checked first only to give a clearer message.
//!
//! SQLite also calls some commands read-only that are not queries: `BEGIN`, `ATTACH`, `DETACH`
//! and `PRAGMA name = value`. A read-only run refuses them too ([`prepare_query`]), and so does
//! `queries save`, so that a statement is judged the same way whenever it is checked. A PRAGMA
//! that sets something is refused before it is prepared, because SQLite applies many of them
//! while preparing: merely preparing `PRAGMA query_only = OFF` lifts one of the two guards.

use std::sync::mpsc;
use std::time::Duration;

use rusqlite::types::Value;
use rusqlite::{CachedStatement, Connection, ErrorCode, Statement};

/// A `-p NAME=VALUE` (text) or `-p NAME:TYPE=VALUE` parameter.
///
/// Values bind as text unless typed, as in sqlite-utils: `007` stays `007` and a 20-digit id
/// keeps every digit. SQLite's column affinity turns text into a number where a column wants
/// one (`WHERE id = :id` against an INTEGER column), and `LIMIT '5'` works; `:int`, `:real`
/// and `:null` type a value where nothing else would.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// Without its `:`, `@` or `$` prefix.
    pub name: String,
    pub value: Value,
}

impl Parameter {
    /// Parses `NAME=VALUE` (text) or `NAME:TYPE=VALUE` with TYPE `text`, `int`, `real` or
    /// `null` (whose value is ignored).
    pub fn parse(argument: &str) -> Result<Parameter, String> {
        let (name, value) = argument
            .split_once('=')
            .ok_or_else(|| format!("parameter `{argument}` is not NAME=VALUE"))?;
        let name = name.trim_start_matches([':', '@', '$']);
        let (name, kind) = name.split_once(':').unwrap_or((name, "text"));
        if name.is_empty() {
            return Err(format!("parameter `{argument}` has no name"));
        }
        let value = match kind.to_ascii_lowercase().as_str() {
            "text" => Value::Text(value.to_owned()),
            "int" | "integer" => value
                .trim()
                .parse::<i64>()
                .map(Value::Integer)
                .map_err(|_| format!("parameter `{argument}`: `{value}` is not an integer"))?,
            "real" | "float" => match value.trim().parse::<f64>() {
                Ok(real) if real.is_finite() => Value::Real(real),
                _ => return Err(format!("parameter `{argument}`: `{value}` is not a number")),
            },
            "null" => Value::Null,
            other => {
                return Err(format!(
                    "parameter `{argument}`: unknown type `{other}` (use text, int, real or null)"
                ));
            }
        };
        Ok(Parameter {
            name: name.to_owned(),
            value,
        })
    }
}

/// Why a query did not run to the end.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("the query would write to the database; pass --write to allow it")]
    WriteRefused,
    #[error("one statement at a time, please (found more after the first)")]
    MultipleStatements,
    #[error("there is no SQL statement, only whitespace or comments")]
    Empty,
    #[error(
        "`{0}` is not a read-only query: transactions, ATTACH, DETACH and setting a PRAGMA need \
         --write"
    )]
    NotAQuery(String),
    #[error("missing parameter :{0} (pass -p {0}=VALUE)")]
    MissingParameter(String),
    #[error("the query has no parameter :{0}")]
    UnknownParameter(String),
    #[error(
        "interrupted after {0:?}, the time limit (raise it with --timeout SECS, or lift it with \
         --no-timeout)"
    )]
    TimedOut(Duration),
    #[error("{0}{hint}", hint = crate::store::disk_full_hint(.0))]
    Sql(rusqlite::Error),
    /// What a PostgreSQL server (or newsdb's preparation of the query for it) said.
    #[error("{0}")]
    Server(String),
    /// A search newsdb cannot translate for the server (its syntax), said before it runs.
    #[error("{0}")]
    Syntax(String),
    #[error("{0}")]
    Output(#[from] std::io::Error),
}

impl From<rusqlite::Error> for QueryError {
    fn from(error: rusqlite::Error) -> QueryError {
        match &error {
            rusqlite::Error::MultipleStatement => QueryError::MultipleStatements,
            _ if error.sqlite_error_code() == Some(ErrorCode::ReadOnly) => QueryError::WriteRefused,
            _ => QueryError::Sql(error),
        }
    }
}

/// Limits on a query run.
#[derive(Clone, Copy, Debug, Default)]
pub struct QueryLimits {
    /// Whether the statement may write (the connection must allow it too).
    pub allow_write: bool,
    /// Interrupt the query after this long.
    pub timeout: Option<Duration>,
}

/// Prepares `sql`, binds `parameters`, and hands its column names and rows to `consume`, which
/// returns how many rows it wrote.
pub fn run<F>(
    conn: &Connection,
    sql: &str,
    parameters: &[Parameter],
    limits: QueryLimits,
    consume: F,
) -> Result<u64, QueryError>
where
    F: FnOnce(
        &[String],
        &mut dyn Iterator<Item = Result<Vec<Value>, QueryError>>,
    ) -> Result<u64, QueryError>,
{
    let mut statement = if limits.allow_write {
        if !has_statement(sql) {
            return Err(QueryError::Empty);
        }
        conn.prepare_cached(sql)?
    } else {
        prepare_query(conn, sql)?
    };
    bind(&mut statement, parameters)?;
    let columns: Vec<String> = statement.column_names().map(str::to_owned).collect();
    let column_count = columns.len();

    let _watchdog = limits.timeout.map(|timeout| Watchdog::start(conn, timeout));
    let mut rows = statement.raw_query();
    let mut iterator = std::iter::from_fn(|| match rows.next() {
        Ok(Some(row)) => Some(
            (0..column_count)
                .map(|index| row.get::<_, Value>(index))
                .collect::<rusqlite::Result<Vec<Value>>>()
                .map_err(QueryError::from),
        ),
        Ok(None) => None,
        Err(error) => Some(Err(QueryError::from(error))),
    });
    consume(&columns, &mut iterator).map_err(|error| match (error, limits.timeout) {
        (QueryError::Sql(error), Some(timeout))
            if error.sqlite_error_code() == Some(ErrorCode::OperationInterrupted) =>
        {
            QueryError::TimedOut(timeout)
        }
        (error, _) => error,
    })
}

/// Whether `sql` holds anything but whitespace, `;` and comments. SQLite prepares such text to
/// no statement at all, and running that gives only "bad parameter or other API misuse".
pub fn has_statement(sql: &str) -> bool {
    !leading_blanks_and_comments(sql).is_empty()
}

/// `sql` from its first character that is not whitespace, `;` or inside a comment. An unclosed
/// `/*` runs to the end, as in SQLite.
fn leading_blanks_and_comments(sql: &str) -> &str {
    let mut rest = sql;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ';');
        if let Some(comment) = rest.strip_prefix("--") {
            rest = comment.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(comment) = rest.strip_prefix("/*") {
            rest = comment.split_once("*/").map_or("", |(_, after)| after);
        } else {
            return rest;
        }
    }
}

/// PRAGMAs that take an argument in parentheses and only read: the ones a read-only query may
/// call as `PRAGMA name(arg)`.
const READING_PRAGMAS: &[&str] = &[
    "foreign_key_check",
    "foreign_key_list",
    "index_info",
    "index_list",
    "index_xinfo",
    "integrity_check",
    "quick_check",
    "table_info",
    "table_list",
    "table_xinfo",
];

/// Whether `text` (starting at its first keyword) is a PRAGMA that sets or does something:
/// `PRAGMA name = value`, or `PRAGMA name(arg)` for a name not in [`READING_PRAGMAS`]. Errs
/// towards refusing: anything unusual before the `(` counts as setting.
fn sets_pragma(text: &str) -> bool {
    // `EXPLAIN PRAGMA query_only = 0` applies the PRAGMA while preparing just the same.
    let mut text = text;
    for word in ["explain", "query", "plan"] {
        if let Some(rest) = strip_keyword(text, word) {
            text = leading_blanks_and_comments(rest);
        }
    }
    let Some(text) = strip_keyword(text, "pragma") else {
        return false;
    };
    if text.contains('=') {
        return true;
    }
    let Some((before, _)) = text.split_once('(') else {
        return false;
    };
    let before = before.trim_end();
    let name_start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let name = before[name_start..].to_ascii_lowercase();
    !READING_PRAGMAS.contains(&name.as_str())
}

/// `text` after its first word when that word is `keyword` (in any case).
fn strip_keyword<'a>(text: &'a str, keyword: &str) -> Option<&'a str> {
    let rest = text
        .get(..keyword.len())
        .filter(|word| word.eq_ignore_ascii_case(keyword))
        .map(|_| &text[keyword.len()..])?;
    let word_goes_on = rest
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_');
    (!word_goes_on).then_some(rest)
}

/// Prepares `sql` as a read-only query: one statement that SQLite judges read-only, that returns
/// columns, and is not a PRAGMA that sets something. Transactions, `ATTACH` and `DETACH` return
/// no columns. Statements are kept on the connection (the web pages run the same canned SQL for
/// every request: parsing the search query was 5% of a search page).
pub fn prepare_query<'conn>(
    conn: &'conn Connection,
    sql: &str,
) -> Result<CachedStatement<'conn>, QueryError> {
    let text = leading_blanks_and_comments(sql);
    if text.is_empty() {
        return Err(QueryError::Empty);
    }
    // The statement's first line, enough to recognise it.
    let shown = || {
        let line = text.lines().next().unwrap_or_default();
        QueryError::NotAQuery(line.trim_end_matches([';', ' ']).to_owned())
    };
    if sets_pragma(text) {
        return Err(shown());
    }
    let statement = conn.prepare_cached(sql)?;
    if !statement.readonly() {
        return Err(QueryError::WriteRefused);
    }
    if statement.column_count() == 0 {
        return Err(shown());
    }
    Ok(statement)
}

/// Binds named parameters; every parameter of the statement must be given, and every given one
/// must exist.
fn bind(statement: &mut Statement<'_>, parameters: &[Parameter]) -> Result<(), QueryError> {
    for parameter in parameters {
        let index = [":", "@", "$"]
            .iter()
            .find_map(|prefix| {
                statement
                    .parameter_index(&format!("{prefix}{}", parameter.name))
                    .transpose()
            })
            .transpose()?
            .ok_or_else(|| QueryError::UnknownParameter(parameter.name.clone()))?;
        statement.raw_bind_parameter(index, &parameter.value)?;
    }
    for index in 1..=statement.parameter_count() {
        let name = statement.parameter_name(index).unwrap_or("?").to_owned();
        let bare = name.trim_start_matches([':', '@', '$', '?']);
        if !parameters.iter().any(|parameter| parameter.name == bare) {
            return Err(QueryError::MissingParameter(bare.to_owned()));
        }
    }
    Ok(())
}

/// Interrupts the connection's running statement when the time is up; stops when dropped.
struct Watchdog {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watchdog {
    fn start(conn: &Connection, timeout: Duration) -> Watchdog {
        let handle = conn.get_interrupt_handle();
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(timeout) {
                handle.interrupt();
            }
        });
        Watchdog {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(
        conn: &Connection,
        sql: &str,
        parameters: &[Parameter],
        limits: QueryLimits,
    ) -> Result<Vec<Vec<Value>>, QueryError> {
        let mut out = Vec::new();
        run(conn, sql, parameters, limits, |_, rows| {
            for row in rows {
                out.push(row?);
            }
            Ok(out.len() as u64)
        })?;
        Ok(out)
    }

    fn read_only_db() -> (tempfile::TempDir, Connection) {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("t.sqlite");
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1), (2);")
            .unwrap();
        drop(writer);
        let conn =
            Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        conn.execute_batch("PRAGMA query_only = ON").unwrap();
        (folder, conn)
    }

    #[test]
    fn parameters_are_text_unless_typed() {
        let value = |argument: &str| Parameter::parse(argument).map(|p| p.value);
        assert_eq!(value("n=007"), Ok(Value::Text("007".into())));
        assert_eq!(
            value("id=12345678901234567890"),
            Ok(Value::Text("12345678901234567890".into()))
        );
        assert_eq!(value("n:int=7"), Ok(Value::Integer(7)));
        assert_eq!(value(":x:real=2.5"), Ok(Value::Real(2.5)));
        assert_eq!(value("x:null="), Ok(Value::Null));
        assert_eq!(value("s:text=a=b"), Ok(Value::Text("a=b".into())));
        assert!(value("n:int=seven").is_err());
        assert!(value("n:real=inf").is_err());
        assert!(value("n:date=2024").is_err());
        assert!(value("novalue").is_err());
        assert!(value(":int:int=3").is_ok());
        assert!(value(":n:=3").is_err());
    }

    #[test]
    fn named_parameters_bind_and_missing_ones_are_named() {
        let (_folder, conn) = read_only_db();
        let rows = collect(
            &conn,
            "SELECT x FROM t WHERE x = :n",
            &[Parameter::parse("n:int=2").unwrap()],
            QueryLimits::default(),
        )
        .unwrap();
        assert_eq!(rows, vec![vec![Value::Integer(2)]]);
        let missing = collect(&conn, "SELECT :n", &[], QueryLimits::default()).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "missing parameter :n (pass -p n=VALUE)"
        );
        let unknown = collect(
            &conn,
            "SELECT 1",
            &[Parameter::parse("zz=1").unwrap()],
            QueryLimits::default(),
        )
        .unwrap_err();
        assert!(matches!(unknown, QueryError::UnknownParameter(name) if name == "zz"));
    }

    #[test]
    fn writes_are_refused_by_the_connection() {
        let (_folder, conn) = read_only_db();
        let allow = QueryLimits {
            allow_write: true,
            timeout: None,
        };
        // Even when the caller allows writes, a read-only connection refuses them.
        for sql in [
            "DROP TABLE t",
            "WITH y AS (SELECT 1) DELETE FROM t",
            "INSERT INTO t VALUES (3)",
        ] {
            let error = collect(&conn, sql, &[], allow).unwrap_err();
            assert!(matches!(error, QueryError::WriteRefused), "{sql}: {error}");
            let error = collect(&conn, sql, &[], QueryLimits::default()).unwrap_err();
            assert!(matches!(error, QueryError::WriteRefused), "{sql}: {error}");
        }
    }

    #[test]
    fn comments_and_semicolons_alone_are_no_statement() {
        for sql in [
            "",
            " ; ",
            "/* x */",
            "-- c",
            "-- c\n;\n/* d */ ;",
            "/* unclosed",
        ] {
            assert!(!has_statement(sql), "{sql:?}");
        }
        for sql in ["SELECT 1", "/* x */ SELECT 1", "-- c\nSELECT 1", "/**/1"] {
            assert!(has_statement(sql), "{sql:?}");
        }
        let (_folder, conn) = read_only_db();
        let error = collect(&conn, "/* x */", &[], QueryLimits::default()).unwrap_err();
        assert!(matches!(error, QueryError::Empty), "{error}");
    }

    #[test]
    fn commands_that_are_not_queries_are_refused_without_write() {
        let (_folder, conn) = read_only_db();
        for (sql, shown) in [
            ("BEGIN", "BEGIN"),
            (
                "-- note\nattach 'other.db' AS other",
                "attach 'other.db' AS other",
            ),
            ("PRAGMA query_only = OFF;", "PRAGMA query_only = OFF"),
            ("pragma busy_timeout=5", "pragma busy_timeout=5"),
            (
                "EXPLAIN QUERY PLAN PRAGMA query_only=0",
                "EXPLAIN QUERY PLAN PRAGMA query_only=0",
            ),
            (
                "explain/**/pragma query_only=0",
                "explain/**/pragma query_only=0",
            ),
            ("PRAGMA main.query_only(0)", "PRAGMA main.query_only(0)"),
            (
                "PRAGMA query_only/**/(false)",
                "PRAGMA query_only/**/(false)",
            ),
            ("SAVEPOINT s", "SAVEPOINT s"),
        ] {
            let error = collect(&conn, sql, &[], QueryLimits::default()).unwrap_err();
            assert!(
                matches!(&error, QueryError::NotAQuery(text) if text == shown),
                "{sql}: {error}"
            );
        }
        // None of them got as far as lifting the guard, and reading a PRAGMA is a query.
        let rows = collect(&conn, "PRAGMA query_only", &[], QueryLimits::default()).unwrap();
        assert_eq!(rows, vec![vec![Value::Integer(1)]]);
        let rows = collect(&conn, "PRAGMA table_info(t)", &[], QueryLimits::default()).unwrap();
        assert_eq!(rows.len(), 1);
    }

    #[test]
    fn one_statement_at_a_time() {
        let (_folder, conn) = read_only_db();
        let error = collect(&conn, "SELECT 1; SELECT 2", &[], QueryLimits::default()).unwrap_err();
        assert!(matches!(error, QueryError::MultipleStatements), "{error}");
    }

    #[test]
    fn runaway_query_is_interrupted() {
        let (_folder, conn) = read_only_db();
        let limits = QueryLimits {
            allow_write: false,
            timeout: Some(Duration::from_millis(200)),
        };
        let sql = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c)
                   SELECT count(*) FROM c";
        let error = collect(&conn, sql, &[], limits).unwrap_err();
        assert!(matches!(error, QueryError::TimedOut(_)), "{error}");
    }
}
