//! Checking the source and entity names that filters are given, and suggesting the nearest
//! ones when a name matches nothing, so that a typo is an error rather than an empty answer.

use super::{Context, Result, Store};

/// Suggestions at most.
const SUGGESTIONS: usize = 3;

/// Similar enough to suggest (Jaro-Winkler on lowercase names).
const SIMILAR: f64 = 0.8;

impl Store {
    /// Whether `name` names a source the way the canned filters match it: its normalised key
    /// or its name in any case.
    pub fn source_exists(&self, name: &str) -> Result<bool> {
        self.conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM sources
                                 WHERE key = source_key(?1) OR name = ?1 COLLATE NOCASE)",
            )
            .and_then(|mut statement| statement.query_row([name], |row| row.get(0)))
            .context("looking up a source")
    }

    /// Whether `name` names an entity the way the canned filters match it: its key, its name
    /// in any case, or an alias's key.
    pub fn entity_exists(&self, name: &str) -> Result<bool> {
        self.conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM entities
                                 WHERE key = name_key(?1) OR name = ?1 COLLATE NOCASE)
                     OR EXISTS (SELECT 1 FROM entity_aliases WHERE key = name_key(?1))",
            )
            .and_then(|mut statement| statement.query_row([name], |row| row.get(0)))
            .context("looking up an entity")
    }

    /// The source names nearest to `name`, best first.
    pub fn nearest_sources(&self, name: &str) -> Result<Vec<String>> {
        let names = self.names("SELECT name FROM sources", "listing sources")?;
        Ok(nearest(name, names))
    }

    /// The entity names nearest to `name`, best first.
    pub fn nearest_entities(&self, name: &str) -> Result<Vec<String>> {
        let names = self.names("SELECT DISTINCT name FROM entities", "listing entities")?;
        Ok(nearest(name, names))
    }

    fn names(&self, sql: &str, what: &str) -> Result<Vec<String>> {
        self.query_rows(sql, [], what, |row| row.get(0))
    }
}

/// Up to [`SUGGESTIONS`] of `candidates` that look like `name`: similar by Jaro-Winkler, or
/// containing it, or contained in it; best first.
pub fn nearest(name: &str, candidates: impl IntoIterator<Item = String>) -> Vec<String> {
    let wanted = name.trim().to_lowercase();
    let mut scored: Vec<(f64, String)> = candidates
        .into_iter()
        .filter_map(|candidate| {
            let lower = candidate.to_lowercase();
            let mut score = strsim::jaro_winkler(&wanted, &lower);
            if !wanted.is_empty() && (lower.contains(&wanted) || wanted.contains(&lower)) {
                score = score.max(SIMILAR);
            }
            (score >= SIMILAR).then_some((score, candidate))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(SUGGESTIONS)
        .map(|(_, name)| name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::nearest;

    #[test]
    fn suggestions_are_the_similar_names_best_first() {
        let sources =
            || ["Korea Herald", "Harbour Gazette", "CNN", "The Korea Times"].map(String::from);
        assert_eq!(nearest("Korea Heral", sources()), ["Korea Herald"]);
        assert_eq!(nearest("korea", sources())[0], "Korea Herald");
        assert_eq!(nearest("cnn", sources()), ["CNN"]);
        assert!(nearest("Nonexistent Paper", sources()).is_empty());
    }
}
