//! Saved queries: rows of `saved_queries`, shared with every tool that opens the database.
//!
//! The checks (name, one read-only statement, parameters) live in `query::saved`; this is only
//! the storage, one write transaction per change.

use rusqlite::{OptionalExtension, params};

use super::{Context, Result, Store};

/// A row of `saved_queries`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SavedQuery {
    pub name: String,
    pub sql: String,
    pub description: Option<String>,
    /// Parameter names without prefix, from the `parameters` JSON array.
    pub parameters: Vec<String>,
}

impl SavedQuery {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SavedQuery> {
        let parameters: String = row.get(3)?;
        Ok(SavedQuery {
            name: row.get(0)?,
            sql: row.get(1)?,
            description: row.get(2)?,
            // Another tool may have written something else than an array of names: list none
            // rather than fail (`run` reads the parameters from the statement anyway).
            parameters: serde_json::from_str(&parameters).unwrap_or_default(),
        })
    }
}

/// What saving did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saved {
    Created,
    Replaced,
    /// A query of that name exists and replacing was not asked for.
    Exists,
}

impl Store {
    /// Saves `query`; an existing one of the same name is replaced only when `replace` is set.
    pub fn save_query(&mut self, query: &SavedQuery, replace: bool) -> Result<Saved> {
        let parameters = serde_json::to_string(&query.parameters).unwrap_or_else(|_| "[]".into());
        let transaction = self.write_transaction()?;
        let exists: bool = transaction
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM saved_queries WHERE name = ?1)",
                [&query.name],
                |row| row.get(0),
            )
            .context("looking up a saved query")?;
        if exists && !replace {
            return Ok(Saved::Exists);
        }
        transaction
            .execute(
                "INSERT INTO saved_queries (name, sql, description, parameters)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE
                    SET sql = excluded.sql, description = excluded.description,
                        parameters = excluded.parameters,
                        updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                params![query.name, query.sql, query.description, parameters],
            )
            .context("saving a query")?;
        transaction.commit().context("saving a query")?;
        Ok(if exists {
            Saved::Replaced
        } else {
            Saved::Created
        })
    }

    /// Removes a saved query; false when there was none of that name.
    pub fn remove_query(&mut self, name: &str) -> Result<bool> {
        let transaction = self.write_transaction()?;
        let removed = transaction
            .execute("DELETE FROM saved_queries WHERE name = ?1", [name])
            .context("removing a saved query")?;
        transaction.commit().context("removing a saved query")?;
        Ok(removed > 0)
    }

    /// Every saved query, by name.
    pub fn saved_queries(&self) -> Result<Vec<SavedQuery>> {
        let mut statement = self
            .conn
            .prepare("SELECT name, sql, description, parameters FROM saved_queries ORDER BY name")
            .context("listing saved queries")?;
        let rows = statement
            .query_map([], SavedQuery::from_row)
            .context("listing saved queries")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("listing saved queries")
    }

    /// The saved query called `name`.
    pub fn saved_query(&self, name: &str) -> Result<Option<SavedQuery>> {
        self.conn
            .query_row(
                "SELECT name, sql, description, parameters FROM saved_queries WHERE name = ?1",
                [name],
                SavedQuery::from_row,
            )
            .optional()
            .context("looking up a saved query")
    }
}
