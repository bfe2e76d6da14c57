//! Saved queries on PostgreSQL: the `saved_queries` rows of `store::saved`, with the same
//! methods. A saved query's SQL is the server's dialect; it runs, like every query newsdb runs
//! there, in a `READ ONLY` transaction.

use super::PgStore;
use crate::store::{Saved, SavedQuery, StoreError};

fn saved_from_row(row: &postgres::Row) -> SavedQuery {
    let parameters: String = row.get(3);
    SavedQuery {
        name: row.get(0),
        sql: row.get(1),
        description: row.get(2),
        // Another tool may have written something else than an array of names.
        parameters: serde_json::from_str(&parameters).unwrap_or_default(),
    }
}

impl PgStore {
    /// Saves `query`; an existing one of the same name is replaced only when `replace` is set.
    pub fn save_query(&mut self, query: &SavedQuery, replace: bool) -> Result<Saved, StoreError> {
        let parameters = serde_json::to_string(&query.parameters).unwrap_or_else(|_| "[]".into());
        let save = |client: &mut postgres::Client| -> Result<Saved, postgres::Error> {
            let mut tx = client.transaction()?;
            let created = tx.execute(
                "INSERT INTO saved_queries (name, sql, description, parameters)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
                &[&query.name, &query.sql, &query.description, &parameters],
            )?;
            let outcome = if created > 0 {
                Saved::Created
            } else if replace {
                tx.execute(
                    "UPDATE saved_queries
                        SET sql = $2, description = $3, parameters = $4, updated_at = utc_now()
                      WHERE name = $1",
                    &[&query.name, &query.sql, &query.description, &parameters],
                )?;
                Saved::Replaced
            } else {
                Saved::Exists
            };
            tx.commit()?;
            Ok(outcome)
        };
        save(&mut self.client).map_err(|error| self.error("saving a query", &error))
    }

    /// Removes a saved query; false when there was none of that name.
    pub fn remove_query(&mut self, name: &str) -> Result<bool, StoreError> {
        let removed = self
            .client
            .execute("DELETE FROM saved_queries WHERE name = $1", &[&name])
            .map_err(|error| self.error("removing a saved query", &error))?;
        Ok(removed > 0)
    }

    /// Every saved query, by name.
    pub fn saved_queries(&mut self) -> Result<Vec<SavedQuery>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT name, sql, description, parameters FROM saved_queries
                  ORDER BY name COLLATE \"C\"",
                &[],
            )
            .map_err(|error| self.error("listing saved queries", &error))?;
        Ok(rows.iter().map(saved_from_row).collect())
    }

    /// The saved query called `name`.
    pub fn saved_query(&mut self, name: &str) -> Result<Option<SavedQuery>, StoreError> {
        let row = self
            .client
            .query_opt(
                "SELECT name, sql, description, parameters FROM saved_queries WHERE name = $1",
                &[&name],
            )
            .map_err(|error| self.error("reading a saved query", &error))?;
        Ok(row.as_ref().map(saved_from_row))
    }

    /// The parameter names of `sql` (`:name`, in order of first use) when it is one statement
    /// that only reads; the reason it cannot be saved otherwise. The server plans it (`EXPLAIN`,
    /// every parameter NULL, in a read-only transaction: nothing runs) and a plan that modifies
    /// or locks rows is refused, as SQLite refuses a statement that is not read-only.
    pub fn check_saved_sql(&mut self, sql: &str) -> Result<Vec<String>, String> {
        let (numbered, names) = super::query::number_parameters(sql);
        let mut tx = self
            .client
            .build_transaction()
            .read_only(true)
            .start()
            .map_err(|error| super::describe(&error))?;
        tx.prepare(&numbered)
            .map_err(|error| super::describe(&error))?;
        let explain = tx
            .prepare(&format!("EXPLAIN (FORMAT JSON) {numbered}"))
            .map_err(|_| "not a query: only a statement that reads rows can be saved".to_owned())?;
        let nulls: Vec<&(dyn postgres::types::ToSql + Sync)> =
            explain.params().iter().map(|_| &AnyNull as _).collect();
        let plan = tx
            .query_one(&explain, &nulls)
            .map_err(|error| super::describe(&error))?
            .get::<_, serde_json::Value>(0)
            .to_string();
        if plan.contains("\"ModifyTable\"") || plan.contains("\"LockRows\"") {
            return Err("the query would write to the database; saved queries only read".into());
        }
        Ok(names)
    }
}

/// NULL, bound to a parameter of any type.
#[derive(Debug)]
struct AnyNull;

impl postgres::types::ToSql for AnyNull {
    fn to_sql(
        &self,
        _kind: &postgres::types::Type,
        _out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        Ok(postgres::types::IsNull::Yes)
    }

    fn accepts(_kind: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}
