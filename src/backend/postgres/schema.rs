//! `newsdb schema` on PostgreSQL: the schema as SQL, rebuilt from the server's catalogs (there
//! is no stored text of each statement as SQLite keeps in `sqlite_master`): functions, tables
//! with their columns, defaults and constraints, indexes, views and triggers, each in the
//! order it was made.

use super::PgStore;
use crate::store::StoreError;

/// newsdb's own objects: the `public` schema without refinery's bookkeeping table.
const FUNCTIONS: &str = "
    SELECT pg_get_functiondef(p.oid)
      FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public'
     ORDER BY p.oid";

const TABLES: &str = "
    SELECT c.oid, c.relname::text
      FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'refinery_schema_history'
     ORDER BY c.oid";

const COLUMNS: &str = "
    SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull,
           pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text
      FROM pg_attribute AS a
      LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum";

const CONSTRAINTS: &str = "
    SELECT conname::text, pg_get_constraintdef(oid)
      FROM pg_constraint
     WHERE conrelid = $1
     ORDER BY contype <> 'p', contype <> 'u', oid";

/// Indexes made on their own (those behind a constraint come with their table).
const INDEXES: &str = "
    SELECT pg_get_indexdef(i.indexrelid)
      FROM pg_index AS i
      JOIN pg_class AS c ON c.oid = i.indrelid
      JOIN pg_namespace AS n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relname <> 'refinery_schema_history'
       AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = i.indexrelid)
     ORDER BY i.indexrelid";

const VIEWS: &str = "
    SELECT format('CREATE VIEW %I AS%s', c.relname, rtrim(pg_get_viewdef(c.oid, true), ';'))
      FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'v'
     ORDER BY c.oid";

const TRIGGERS: &str = "
    SELECT pg_get_triggerdef(t.oid, true)
      FROM pg_trigger AS t
      JOIN pg_class AS c ON c.oid = t.tgrelid
      JOIN pg_namespace AS n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND NOT t.tgisinternal
     ORDER BY t.oid";

impl PgStore {
    /// The schema as SQL statements, without their final semicolons (see the module notes).
    pub fn schema_sql(&mut self) -> Result<Vec<String>, StoreError> {
        let what = "reading the schema";
        let mut transaction = self
            .client
            .build_transaction()
            .read_only(true)
            .start()
            .map_err(|error| StoreError::Server {
                context: format!("{}: {what}", self.shown),
                reason: super::describe(&error),
            })?;
        let read = (|| {
            // As pg_dump does: the functions' bodies name tables made after them.
            let mut statements = vec!["SET check_function_bodies = false".to_owned()];
            let texts = |rows: Vec<postgres::Row>| {
                rows.iter()
                    .map(|row| row.get::<_, String>(0).trim_end().to_owned())
                    .collect::<Vec<_>>()
            };
            statements.extend(texts(transaction.query(FUNCTIONS, &[])?));
            for table in transaction.query(TABLES, &[])? {
                let oid: postgres::types::Oid = table.get(0);
                let name: String = table.get(1);
                let mut lines: Vec<String> = Vec::new();
                for column in transaction.query(COLUMNS, &[&oid])? {
                    lines.push(column_definition(&column));
                }
                for constraint in transaction.query(CONSTRAINTS, &[&oid])? {
                    lines.push(format!(
                        "CONSTRAINT {} {}",
                        quote_identifier(constraint.get(0)),
                        constraint.get::<_, String>(1)
                    ));
                }
                statements.push(format!(
                    "CREATE TABLE {} (\n    {}\n)",
                    quote_identifier(&name),
                    lines.join(",\n    ")
                ));
            }
            statements.extend(texts(transaction.query(INDEXES, &[])?));
            statements.extend(texts(transaction.query(VIEWS, &[])?));
            statements.extend(texts(transaction.query(TRIGGERS, &[])?));
            Ok::<_, postgres::Error>(statements)
        })();
        read.map_err(|error| StoreError::Server {
            context: format!("{}: {what}", self.shown),
            reason: super::describe(&error),
        })
    }
}

/// One column of a `CREATE TABLE`: name, type, then identity, generation, default, NOT NULL.
fn column_definition(column: &postgres::Row) -> String {
    let name: &str = column.get(0);
    let kind: String = column.get(1);
    let not_null: bool = column.get(2);
    let expression: Option<String> = column.get(3);
    let identity: &str = column.get(4);
    let generated: &str = column.get(5);
    let mut line = format!("{} {kind}", quote_identifier(name));
    match (identity, generated, expression) {
        ("a", _, _) => line.push_str(" GENERATED ALWAYS AS IDENTITY"),
        ("d", _, _) => line.push_str(" GENERATED BY DEFAULT AS IDENTITY"),
        (_, "s", Some(expression)) => {
            line.push_str(&format!(" GENERATED ALWAYS AS ({expression}) STORED"));
        }
        (_, _, Some(expression)) => line.push_str(&format!(" DEFAULT {expression}")),
        _ => {}
    }
    if not_null {
        line.push_str(" NOT NULL");
    }
    line
}

/// An identifier as SQL writes it: bare when it is a plain lowercase name that is not a
/// keyword newsdb's schema uses as a column name, else double-quoted.
fn quote_identifier(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain
        && !matches!(
            name,
            "end" | "key" | "position" | "value" | "order" | "user"
        )
    {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

#[cfg(test)]
mod tests {
    use super::quote_identifier;

    #[test]
    fn identifiers_are_quoted_when_they_must_be() {
        assert_eq!(quote_identifier("articles"), "articles");
        assert_eq!(quote_identifier("end"), "\"end\"");
        assert_eq!(quote_identifier("Odd Name"), "\"Odd Name\"");
        assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
    }
}
