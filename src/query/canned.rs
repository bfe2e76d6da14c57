//! Canned queries: the built-in `.sql` files, the header that describes them, and running one.
//!
//! A built-in query is a `.sql` file in `src/query/canned/`, embedded in the binary. Its header
//! is a block of `--` comments at the top:
//!
//! ```sql
//! -- articles: Articles, newest first, by publisher, entity and publication date.
//! --
//! -- :source   optional   publisher name or normalised key
//! -- :limit    20         maximum rows
//! -- :query    required   the full-text query
//! ```
//!
//! The first line names the query and describes it. Each `-- :NAME SPEC DOC` line declares a
//! parameter: `required`, `optional` (bound to NULL when not given) or a default value. Other
//! comment lines are prose for readers. A unit test checks that every file parses and declares
//! exactly the parameters its statement uses.
//!
//! Saved queries (the `saved_queries` table) are the same thing without a header: every
//! parameter of their SQL is required. Both run through [`adhoc::run`], on the read-only
//! connection, so a canned query can never write whatever its SQL says.

use std::borrow::Cow;
use std::sync::LazyLock;

use rusqlite::{Connection, Statement};

use crate::query::adhoc::{self, Parameter, QueryError, QueryLimits};
use rusqlite::types::Value;

/// The built-in queries: (name, file). `queries list` shows them in this order.
const FILES: &[(&str, &str)] = &[
    ("search", include_str!("canned/search.sql")),
    ("articles", include_str!("canned/articles.sql")),
    ("show", include_str!("canned/show.sql")),
    ("sources", include_str!("canned/sources.sql")),
    ("timeline", include_str!("canned/timeline.sql")),
    ("top-entities", include_str!("canned/top-entities.sql")),
    ("co-mentions", include_str!("canned/co-mentions.sql")),
    ("duplicates", include_str!("canned/duplicates.sql")),
    ("stats", include_str!("canned/stats.sql")),
];

/// Where a canned query comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A `.sql` file built into newsdb.
    BuiltIn,
    /// A row of `saved_queries`.
    Saved,
}

impl Origin {
    pub fn name(self) -> &'static str {
        match self {
            Origin::BuiltIn => "built-in",
            Origin::Saved => "saved",
        }
    }
}

/// Whether a parameter must be given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    Required,
    /// NULL when not given: the SQL treats NULL as "no filter".
    Optional,
    /// This value when not given: an integer when it is one, else text.
    Default(String),
}

/// One declared parameter of a canned query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterSpec {
    /// Without its `:` prefix.
    pub name: String,
    pub requirement: Requirement,
    pub doc: String,
}

impl ParameterSpec {
    /// `name`, `name?` (optional) or `name=default`, as `queries list` shows it.
    pub fn signature(&self) -> String {
        match &self.requirement {
            Requirement::Required => self.name.clone(),
            Requirement::Optional => format!("{}?", self.name),
            Requirement::Default(value) => format!("{}={value}", self.name),
        }
    }
}

/// A query users run by name: built in, or saved in the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CannedQuery {
    pub name: String,
    pub description: String,
    pub parameters: Vec<ParameterSpec>,
    pub sql: String,
    pub origin: Origin,
}

impl CannedQuery {
    /// A saved query: every parameter is required.
    pub fn saved(name: &str, sql: &str, description: Option<&str>, parameters: &[String]) -> Self {
        CannedQuery {
            name: name.to_owned(),
            description: description.unwrap_or_default().to_owned(),
            parameters: parameters
                .iter()
                .map(|name| ParameterSpec {
                    name: name.clone(),
                    requirement: Requirement::Required,
                    doc: String::new(),
                })
                .collect(),
            sql: sql.to_owned(),
            origin: Origin::Saved,
        }
    }

    /// The parameters to bind: the given ones, then optional ones as NULL and defaults. A given
    /// parameter the query does not declare is refused by name, and so is a missing required one.
    pub fn bind(&self, given: &[Parameter]) -> Result<Vec<Parameter>, QueryError> {
        if self.origin == Origin::Saved {
            // The statement itself is the authority for saved SQL, which other tools may write.
            return Ok(given.to_vec());
        }
        if let Some(unknown) = given
            .iter()
            .find(|parameter| !self.parameters.iter().any(|p| p.name == parameter.name))
        {
            return Err(QueryError::UnknownParameter(unknown.name.clone()));
        }
        let mut bound = Vec::with_capacity(self.parameters.len());
        for spec in &self.parameters {
            // The last -p wins, as with most command lines.
            let value = match given.iter().rev().find(|p| p.name == spec.name) {
                Some(parameter) => parameter.value.clone(),
                None => match &spec.requirement {
                    Requirement::Required => {
                        return Err(QueryError::MissingParameter(spec.name.clone()));
                    }
                    Requirement::Optional => Value::Null,
                    Requirement::Default(text) => text
                        .parse::<i64>()
                        .map_or_else(|_| Value::Text(text.clone()), Value::Integer),
                },
            };
            bound.push(Parameter {
                name: spec.name.clone(),
                value,
            });
        }
        Ok(bound)
    }
}

/// Why a `.sql` header could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HeaderError {
    #[error("the first line must be `-- NAME: description`")]
    MissingTitle,
    #[error("the header names the query `{found}`, the file is `{expected}`")]
    WrongName { expected: String, found: String },
    #[error("parameter line `{0}` must be `-- :NAME required|optional|DEFAULT description`")]
    BadParameter(String),
    #[error("parameter :{0} is declared twice")]
    Duplicate(String),
}

/// Reads the header of a canned `.sql` file named `name`.
pub fn parse(name: &str, sql: &str, origin: Origin) -> Result<CannedQuery, HeaderError> {
    let mut comments = sql
        .lines()
        .map(str::trim)
        .take_while(|line| line.starts_with("--"))
        .map(|line| line.trim_start_matches('-').trim());
    let title = comments.next().ok_or(HeaderError::MissingTitle)?;
    let (found, description) = title.split_once(':').ok_or(HeaderError::MissingTitle)?;
    if found.trim() != name {
        return Err(HeaderError::WrongName {
            expected: name.to_owned(),
            found: found.trim().to_owned(),
        });
    }
    let mut parameters: Vec<ParameterSpec> = Vec::new();
    for line in comments.filter(|line| line.starts_with(':')) {
        let bad = || HeaderError::BadParameter(line.to_owned());
        let mut words = line[1..].splitn(3, char::is_whitespace);
        let parameter = words.next().filter(|w| !w.is_empty()).ok_or_else(bad)?;
        let rest = line[1 + parameter.len()..].trim_start();
        let spec = rest.split_whitespace().next().ok_or_else(bad)?;
        let doc = rest[spec.len()..].trim().to_owned();
        let requirement = match spec {
            "required" => Requirement::Required,
            "optional" => Requirement::Optional,
            value => Requirement::Default(value.to_owned()),
        };
        if parameters.iter().any(|p| p.name == parameter) {
            return Err(HeaderError::Duplicate(parameter.to_owned()));
        }
        parameters.push(ParameterSpec {
            name: parameter.to_owned(),
            requirement,
            doc,
        });
    }
    Ok(CannedQuery {
        name: name.to_owned(),
        description: description.trim().to_owned(),
        parameters,
        sql: sql.to_owned(),
        origin,
    })
}

static BUILT_INS: LazyLock<Vec<CannedQuery>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(name, sql)| {
            // The files are part of the binary and a unit test parses every one of them.
            parse(name, sql, Origin::BuiltIn)
                .unwrap_or_else(|error| panic!("built-in query {name}: {error}"))
        })
        .collect()
});

/// Every built-in canned query, in `queries list` order.
pub fn built_ins() -> &'static [CannedQuery] {
    &BUILT_INS
}

/// The built-in query called `name`.
pub fn built_in(name: &str) -> Option<&'static CannedQuery> {
    built_ins().iter().find(|query| query.name == name)
}

/// The names of a prepared statement's parameters, without their `:`, `@` or `$`. Positional
/// parameters (`?`, `?1`) have no name to pass with `-p` and are refused.
pub fn statement_parameters(statement: &Statement<'_>) -> Result<Vec<String>, String> {
    let mut names: Vec<String> = Vec::new();
    for index in 1..=statement.parameter_count() {
        let name = match statement.parameter_name(index) {
            Some(name) if !name.starts_with('?') => &name[1..],
            _ => {
                return Err(
                    "positional parameters (`?`) cannot be passed by name; use :name".into(),
                );
            }
        };
        if !names.iter().any(|known| known == name) {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

/// Runs `query` with `given` parameters on `conn` (which should be read-only), handing columns
/// and rows to `consume` as [`adhoc::run`] does.
pub fn run<F>(
    conn: &Connection,
    query: &CannedQuery,
    given: &[Parameter],
    limits: QueryLimits,
    consume: F,
) -> Result<u64, QueryError>
where
    F: FnOnce(
        &[String],
        &mut dyn Iterator<Item = Result<Vec<Value>, QueryError>>,
    ) -> Result<u64, QueryError>,
{
    let parameters = query.bind(given)?;
    adhoc::run(
        conn,
        &runnable_sql(conn, &query.sql),
        &parameters,
        limits,
        consume,
    )
}

/// A built-in's SQL as this database can run it: `search` names V19's narrow index, which a
/// database made before V19 lacks when it is only read (reading never migrates); without the
/// hint the query gives the same rows, reading whole articles.
fn runnable_sql<'sql>(conn: &Connection, sql: &'sql str) -> Cow<'sql, str> {
    match conn.prepare_cached(sql) {
        Err(error) if error.to_string().starts_with("no such index: ") => {
            Cow::Owned(crate::store::without_index_hints(sql))
        }
        _ => Cow::Borrowed(sql),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn every_built_in_parses_and_declares_exactly_its_parameters() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(built_ins().len(), FILES.len());
        for query in built_ins() {
            assert!(!query.description.is_empty(), "{}", query.name);
            let statement = store
                .connection()
                .prepare(&query.sql)
                .unwrap_or_else(|error| panic!("{}: {error}", query.name));
            assert!(statement.readonly(), "{} writes", query.name);
            let mut used = statement_parameters(&statement).unwrap();
            let mut declared: Vec<String> =
                query.parameters.iter().map(|p| p.name.clone()).collect();
            used.sort();
            declared.sort();
            assert_eq!(used, declared, "{}", query.name);
        }
    }

    #[test]
    fn header_lines() {
        let query = parse(
            "demo",
            "-- demo: A demo.\n--\n-- :a required   the a\n-- :b optional\n-- :limit 20 rows\n\
             -- prose: not a parameter\nSELECT :a, :b, :limit",
            Origin::BuiltIn,
        )
        .unwrap();
        assert_eq!(query.description, "A demo.");
        let signatures: Vec<String> = query.parameters.iter().map(|p| p.signature()).collect();
        assert_eq!(signatures, ["a", "b?", "limit=20"]);
        assert_eq!(query.parameters[0].doc, "the a");
        assert_eq!(
            parse("other", "-- demo: x\nSELECT 1", Origin::BuiltIn),
            Err(HeaderError::WrongName {
                expected: "other".into(),
                found: "demo".into()
            })
        );
        assert_eq!(
            parse("demo", "SELECT 1", Origin::BuiltIn),
            Err(HeaderError::MissingTitle)
        );
        assert!(matches!(
            parse("demo", "-- demo: x\n-- :a\nSELECT :a", Origin::BuiltIn),
            Err(HeaderError::BadParameter(_))
        ));
    }

    #[test]
    fn binding_fills_optional_and_default_parameters() {
        let query = parse(
            "demo",
            "-- demo: x\n-- :a required\n-- :b optional\n-- :n 20\nSELECT :a, :b, :n",
            Origin::BuiltIn,
        )
        .unwrap();
        let given = [Parameter::parse("a=x").unwrap()];
        let bound = query.bind(&given).unwrap();
        let values: Vec<&Value> = bound.iter().map(|p| &p.value).collect();
        assert_eq!(
            values,
            [&Value::Text("x".into()), &Value::Null, &Value::Integer(20)]
        );
        assert!(matches!(
            query.bind(&[]),
            Err(QueryError::MissingParameter(name)) if name == "a"
        ));
        assert!(matches!(
            query.bind(&[Parameter::parse("a=1").unwrap(), Parameter::parse("zz=1").unwrap()]),
            Err(QueryError::UnknownParameter(name)) if name == "zz"
        ));
    }
}
