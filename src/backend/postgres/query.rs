//! Ad-hoc SQL on PostgreSQL (`newsdb query`): `:name` parameters, a `READ ONLY` transaction
//! unless writing is allowed, a `statement_timeout`, and rows as the same values the SQLite side
//! prints, so every output format reads alike.
//!
//! Parameters are written `:name` as on SQLite and become `$1`, `$2`, ... here (a `::type` cast
//! is left alone). Each binds with the type the server infers for its place, the text given on
//! the command line converted to it, as SQLite's column affinity does: `WHERE id = :id` with
//! `-p id=3` compares numbers.

use std::time::Duration;

use postgres::types::Type;
use rusqlite::types::Value;

use super::{PgStore, describe};
use crate::query::adhoc::Parameter;

/// The `work_mem` newsdb's read queries run with at least.
const QUERY_WORK_MEM: &str = "64MB";

/// Why a query did not run to the end.
#[derive(Debug, thiserror::Error)]
pub enum PgQueryError {
    #[error("missing parameter :{0} (pass -p {0}=VALUE)")]
    MissingParameter(String),
    #[error("the query has no parameter :{0}")]
    UnknownParameter(String),
    #[error("parameter :{name}: {reason}")]
    BadParameter { name: String, reason: String },
    #[error("column {column} has type {kind}, which newsdb does not print: cast it (::text)")]
    UnsupportedType { column: String, kind: String },
    #[error(
        "interrupted after {0:?}, the time limit (raise it with --timeout SECS, or lift it with \
         --no-timeout)"
    )]
    TimedOut(Duration),
    #[error("the query would write to the database; pass --write to allow it")]
    WriteRefused,
    #[error("{0}")]
    Server(String),
    #[error("{0}")]
    Output(#[from] std::io::Error),
}

impl PgQueryError {
    fn from_server(error: &postgres::Error, timeout: Option<Duration>) -> PgQueryError {
        use postgres::error::SqlState;
        match (error.code(), timeout) {
            (Some(code), Some(timeout)) if *code == SqlState::QUERY_CANCELED => {
                PgQueryError::TimedOut(timeout)
            }
            (Some(code), _) if *code == SqlState::READ_ONLY_SQL_TRANSACTION => {
                PgQueryError::WriteRefused
            }
            _ => PgQueryError::Server(describe(error)),
        }
    }
}

impl From<PgQueryError> for crate::query::adhoc::QueryError {
    fn from(error: PgQueryError) -> Self {
        use crate::query::adhoc::QueryError;
        match error {
            PgQueryError::MissingParameter(name) => QueryError::MissingParameter(name),
            PgQueryError::UnknownParameter(name) => QueryError::UnknownParameter(name),
            PgQueryError::TimedOut(limit) => QueryError::TimedOut(limit),
            PgQueryError::WriteRefused => QueryError::WriteRefused,
            PgQueryError::Output(error) => QueryError::Output(error),
            other => QueryError::Server(other.to_string()),
        }
    }
}

impl From<crate::query::adhoc::QueryError> for PgQueryError {
    fn from(error: crate::query::adhoc::QueryError) -> Self {
        use crate::query::adhoc::QueryError;
        match error {
            QueryError::Output(error) => PgQueryError::Output(error),
            QueryError::WriteRefused => PgQueryError::WriteRefused,
            QueryError::TimedOut(limit) => PgQueryError::TimedOut(limit),
            QueryError::MissingParameter(name) => PgQueryError::MissingParameter(name),
            QueryError::UnknownParameter(name) => PgQueryError::UnknownParameter(name),
            other => PgQueryError::Server(other.to_string()),
        }
    }
}

/// `sql` with `:name` placeholders numbered, and the names in order of their number.
pub fn number_parameters(sql: &str) -> (String, Vec<String>) {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut names: Vec<String> = Vec::new();
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'\'' | b'"') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += 1;
                }
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b':' if bytes.get(i + 1) == Some(&b':') => i += 2,
            b':' if bytes
                .get(i + 1)
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') =>
            {
                let start = i + 1;
                let mut end = start;
                while end < bytes.len()
                    && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_')
                {
                    end += 1;
                }
                let name = &sql[start..end];
                let number = match names.iter().position(|known| known == name) {
                    Some(index) => index + 1,
                    None => {
                        names.push(name.to_owned());
                        names.len()
                    }
                };
                out.push_str(&sql[copied..i]);
                out.push_str(&format!("${number}"));
                copied = end;
                i = end;
            }
            _ => i += 1,
        }
    }
    out.push_str(&sql[copied.min(sql.len())..]);
    (out, names)
}

/// Runs one statement and hands its column names and rows to `consume`, which returns how many
/// rows it wrote.
pub fn run<F>(
    store: &mut PgStore,
    sql: &str,
    parameters: &[Parameter],
    allow_write: bool,
    timeout: Option<Duration>,
    consume: F,
) -> Result<u64, PgQueryError>
where
    F: FnOnce(
        &[String],
        &mut dyn Iterator<Item = Result<Vec<Value>, PgQueryError>>,
    ) -> Result<u64, PgQueryError>,
{
    let (numbered, names) = number_parameters(sql);
    for parameter in parameters {
        if !names.contains(&parameter.name) {
            return Err(PgQueryError::UnknownParameter(parameter.name.clone()));
        }
    }
    let server = |error: postgres::Error| PgQueryError::from_server(&error, timeout);
    let mut transaction = store
        .client()
        .build_transaction()
        .read_only(!allow_write)
        .start()
        .map_err(server)?;
    let milliseconds = timeout.map_or(0, |timeout| timeout.as_millis().max(1));
    // Sorts and bitmaps of this transaction get `QUERY_WORK_MEM` unless the server already
    // gives more: with the default 4 MB, the match bitmap of a term in a tenth of a million
    // articles turns lossy and every row of its lossy pages is checked again (1.2 s -> 0.9 s).
    transaction
        .batch_execute(&format!(
            "SET LOCAL statement_timeout = {milliseconds};
             SELECT set_config('work_mem', '{QUERY_WORK_MEM}', true)
              WHERE pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('{QUERY_WORK_MEM}')"
        ))
        .map_err(server)?;
    let statement = transaction.prepare(&numbered).map_err(server)?;
    let mut values: Vec<Box<dyn postgres::types::ToSql + Sync>> = Vec::new();
    for (name, kind) in names.iter().zip(statement.params()) {
        let given = parameters
            .iter()
            .rev()
            .find(|parameter| &parameter.name == name)
            .ok_or_else(|| PgQueryError::MissingParameter(name.clone()))?;
        values.push(bind(name, &given.value, kind)?);
    }
    let arguments: Vec<&(dyn postgres::types::ToSql + Sync)> =
        values.iter().map(|value| value.as_ref() as _).collect();
    let columns: Vec<String> = statement
        .columns()
        .iter()
        .map(|column| column.name().to_owned())
        .collect();
    let written = {
        let mut rows = transaction
            .query_raw(&statement, arguments)
            .map_err(server)?;
        // Fused: a row stream asked again after its end reports a closed connection.
        let mut iterator = std::iter::from_fn(|| {
            use postgres::fallible_iterator::FallibleIterator;
            match rows.next() {
                Ok(Some(row)) => Some(row_values(&row)),
                Ok(None) => None,
                Err(error) => Some(Err(PgQueryError::from_server(&error, timeout))),
            }
        })
        .fuse();
        consume(&columns, &mut iterator)?
    };
    if allow_write {
        transaction.commit().map_err(server)?;
    } else {
        // Nothing to keep, and a `SET` (even `SET ROLE`) the statement made is undone with it:
        // the connection goes back to the pool as it came.
        transaction.rollback().map_err(server)?;
    }
    Ok(written)
}

/// The command line's value, converted to the type the server expects at its place.
fn bind(
    name: &str,
    value: &Value,
    kind: &Type,
) -> Result<Box<dyn postgres::types::ToSql + Sync>, PgQueryError> {
    let bad = |reason: String| PgQueryError::BadParameter {
        name: name.to_owned(),
        reason,
    };
    let text = match value {
        Value::Null => return Ok(Box::new(Option::<String>::None)),
        Value::Integer(number) => number.to_string(),
        Value::Real(number) => number.to_string(),
        Value::Text(text) => text.clone(),
        Value::Blob(bytes) => return Ok(Box::new(bytes.clone())),
    };
    let number = |text: &str| {
        text.trim()
            .parse::<i64>()
            .map_err(|_| bad(format!("`{text}` is not an integer, as {kind} needs")))
    };
    Ok(match *kind {
        Type::INT8 => Box::new(number(&text)?),
        Type::INT4 => Box::new(
            i32::try_from(number(&text)?).map_err(|_| bad(format!("{text} is out of range")))?,
        ),
        Type::INT2 => Box::new(
            i16::try_from(number(&text)?).map_err(|_| bad(format!("{text} is out of range")))?,
        ),
        Type::FLOAT8 | Type::FLOAT4 | Type::NUMERIC => {
            let real: f64 = text
                .trim()
                .parse()
                .map_err(|_| bad(format!("`{text}` is not a number")))?;
            if *kind == Type::FLOAT4 {
                Box::new(real as f32)
            } else {
                Box::new(real)
            }
        }
        Type::BOOL => Box::new(matches!(
            text.trim().to_ascii_lowercase().as_str(),
            "1" | "t" | "true" | "yes" | "on"
        )),
        _ => Box::new(text),
    })
}

/// One row as the values SQLite would give: integers, reals, text, blobs, NULL.
pub(super) fn row_values(row: &postgres::Row) -> Result<Vec<Value>, PgQueryError> {
    (0..row.len())
        .map(|index| {
            let column = &row.columns()[index];
            let kind = column.type_();
            let failed = |error: postgres::Error| PgQueryError::Server(describe(&error));
            let value = match *kind {
                Type::INT8 => row
                    .try_get::<_, Option<i64>>(index)
                    .map_err(failed)?
                    .map(Value::Integer),
                Type::INT4 => row
                    .try_get::<_, Option<i32>>(index)
                    .map_err(failed)?
                    .map(|n| Value::Integer(n.into())),
                Type::INT2 => row
                    .try_get::<_, Option<i16>>(index)
                    .map_err(failed)?
                    .map(|n| Value::Integer(n.into())),
                Type::OID => row
                    .try_get::<_, Option<u32>>(index)
                    .map_err(failed)?
                    .map(|n| Value::Integer(n.into())),
                Type::BOOL => row
                    .try_get::<_, Option<bool>>(index)
                    .map_err(failed)?
                    .map(|b| Value::Integer(b.into())),
                Type::FLOAT8 => row
                    .try_get::<_, Option<f64>>(index)
                    .map_err(failed)?
                    .map(Value::Real),
                Type::FLOAT4 => row
                    .try_get::<_, Option<f32>>(index)
                    .map_err(failed)?
                    .map(|n| Value::Real(n.into())),
                Type::NUMERIC => row
                    .try_get::<_, Option<Numeric>>(index)
                    .map_err(failed)?
                    .map(|numeric| numeric.0),
                Type::BYTEA => row
                    .try_get::<_, Option<Vec<u8>>>(index)
                    .map_err(failed)?
                    .map(Value::Blob),
                Type::JSON | Type::JSONB => row
                    .try_get::<_, Option<serde_json::Value>>(index)
                    .map_err(failed)?
                    .map(|json| Value::Text(json.to_string())),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => row
                    .try_get::<_, Option<String>>(index)
                    .map_err(failed)?
                    .map(Value::Text),
                _ => {
                    return Err(PgQueryError::UnsupportedType {
                        column: column.name().to_owned(),
                        kind: kind.name().to_owned(),
                    });
                }
            };
            Ok(value.unwrap_or(Value::Null))
        })
        .collect()
}

/// A `numeric` as SQLite would hold the number: an integer when it has no fraction and fits,
/// else a real (`sum()` of a bigint column is numeric on PostgreSQL, an integer on SQLite).
struct Numeric(Value);

impl<'a> postgres::types::FromSql<'a> for Numeric {
    fn from_sql(
        _: &Type,
        raw: &'a [u8],
    ) -> Result<Numeric, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Numeric(
            numeric_value(raw).ok_or("a malformed numeric value")?,
        ))
    }

    fn accepts(kind: &Type) -> bool {
        *kind == Type::NUMERIC
    }
}

/// Decodes numeric's binary form: digit count, weight (of the first base-10000 digit), sign,
/// display scale, then the base-10000 digits.
fn numeric_value(raw: &[u8]) -> Option<Value> {
    let word = |at: usize| {
        raw.get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    let digits = usize::from(word(0)?);
    let weight = i32::from(word(2)? as i16);
    let sign = word(4)?;
    let scale = word(6)?;
    if sign == 0xC000 {
        return Some(Value::Real(f64::NAN));
    }
    let mut text = String::new();
    if sign == 0x4000 {
        text.push('-');
    }
    let mut whole = String::new();
    let mut fraction = String::new();
    for index in 0..digits {
        let digit = word(8 + 2 * index)?;
        let position = weight - i32::try_from(index).ok()?;
        if position >= 0 {
            whole.push_str(&format!("{digit:04}"));
        } else {
            fraction.push_str(&format!("{digit:04}"));
        }
    }
    // Digits the weight places beyond the stored ones are zeros.
    let stored_whole = i32::try_from(digits).ok()?.min(weight + 1).max(0);
    for _ in stored_whole..weight + 1 {
        whole.push_str("0000");
    }
    if weight < -1 {
        fraction.insert_str(0, &"0000".repeat(usize::try_from(-weight - 1).ok()?));
    }
    let whole = whole.trim_start_matches('0');
    text.push_str(if whole.is_empty() { "0" } else { whole });
    if scale == 0
        && let Ok(integer) = text.parse::<i64>()
    {
        return Some(Value::Integer(integer));
    }
    if !fraction.is_empty() {
        text.push('.');
        text.push_str(&fraction);
    }
    text.parse().ok().map(Value::Real)
}

#[cfg(test)]
mod tests {
    use super::{number_parameters, numeric_value};
    use rusqlite::types::Value;

    /// numeric's binary form, as the server sends it.
    fn numeric(weight: i16, sign: u16, scale: u16, digits: &[u16]) -> Vec<u8> {
        let mut raw = Vec::new();
        for word in [digits.len() as u16, weight as u16, sign, scale] {
            raw.extend(word.to_be_bytes());
        }
        for digit in digits {
            raw.extend(digit.to_be_bytes());
        }
        raw
    }

    #[test]
    fn numerics_read_as_sqlite_numbers() {
        assert_eq!(
            numeric_value(&numeric(0, 0, 1, &[2, 5000])),
            Some(Value::Real(2.5))
        );
        assert_eq!(
            numeric_value(&numeric(1, 0, 0, &[12, 3456])),
            Some(Value::Integer(123_456))
        );
        assert_eq!(
            numeric_value(&numeric(2, 0, 0, &[7])),
            Some(Value::Integer(700_000_000))
        );
        assert_eq!(
            numeric_value(&numeric(0, 0x4000, 0, &[3])),
            Some(Value::Integer(-3))
        );
        assert_eq!(
            numeric_value(&numeric(-2, 0, 8, &[12])),
            Some(Value::Real(0.000_000_12))
        );
        assert_eq!(
            numeric_value(&numeric(0, 0, 0, &[])),
            Some(Value::Integer(0))
        );
    }

    #[test]
    fn named_parameters_are_numbered_once_each() {
        let (sql, names) = number_parameters(
            "SELECT :a, :b::text, ':c', \"x:d\", :a -- :e\n /* :f */ FROM t WHERE y = :b_2",
        );
        assert_eq!(
            sql,
            "SELECT $1, $2::text, ':c', \"x:d\", $1 -- :e\n /* :f */ FROM t WHERE y = $3"
        );
        assert_eq!(names, ["a", "b", "b_2"]);
    }

    #[test]
    fn casts_and_unterminated_text_are_left_alone() {
        assert_eq!(number_parameters("SELECT 1::int8").0, "SELECT 1::int8");
        assert_eq!(number_parameters("SELECT 'open").0, "SELECT 'open");
    }
}
