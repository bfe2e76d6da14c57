//! Pairwise precision, recall and F1 of a grouping against the truth: the pairs of records put
//! in one group, against the pairs of records of one story (singletons give no pairs). The same
//! rule as score.py.

use std::collections::HashMap;

#[derive(Clone, Copy, Debug, Default)]
pub struct Scores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Pairs the grouping puts together, and how many of them are right.
    pub predicted_pairs: u64,
    pub true_positive_pairs: u64,
    pub truth_pairs: u64,
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// `truth` and `grouping` map a record (url) to its label. A record missing from the grouping
/// counts as alone; records not in the truth are ignored.
pub fn pairwise(truth: &HashMap<String, String>, grouping: &HashMap<String, String>) -> Scores {
    let mut cells: HashMap<(&str, &str), u64> = HashMap::new();
    let mut groups: HashMap<&str, u64> = HashMap::new();
    let mut stories: HashMap<&str, u64> = HashMap::new();
    for (record, story) in truth {
        let group_key = grouping.get(record).map_or(record.as_str(), String::as_str);
        *cells.entry((group_key, story.as_str())).or_default() += 1;
        *groups.entry(group_key).or_default() += 1;
        *stories.entry(story.as_str()).or_default() += 1;
    }
    let tp: u64 = cells.values().map(|&n| pairs(n)).sum();
    let predicted: u64 = groups.values().map(|&n| pairs(n)).sum();
    let actual: u64 = stories.values().map(|&n| pairs(n)).sum();
    let precision = if predicted == 0 {
        1.0
    } else {
        tp as f64 / predicted as f64
    };
    let recall = if actual == 0 {
        1.0
    } else {
        tp as f64 / actual as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Scores {
        precision,
        recall,
        f1,
        predicted_pairs: predicted,
        true_positive_pairs: tp,
        truth_pairs: actual,
    }
}

/// Reads `key<TAB>label` lines (a header line `url<TAB>...` is skipped).
pub fn read_tsv(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with("url\t"))
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| (k.to_string(), v.trim_end().to_string()))
        .collect()
}
