//! Pairwise precision, recall and F1 of a grouping against the truth: the pairs of records put
//! in one group, against the pairs of records of one story (singletons give no pairs). The same
//! rule as score.py.

use std::collections::{BTreeMap, HashMap};

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

/// What a record of the set is (from NAME.kinds.tsv): its story, the edits that made it, and
/// the topic (feed or site) of its text.
pub struct RecordKind {
    pub story: String,
    pub kind: String,
    pub topic: String,
}

pub fn read_kinds(text: &str) -> HashMap<String, RecordKind> {
    text.lines()
        .filter_map(|l| {
            let mut fields = l.split('\t');
            let url = fields.next()?.to_string();
            let story = fields.next()?.to_string();
            let kind = fields.next()?.to_string();
            let topic = fields.next().unwrap_or("").to_string();
            Some((url, RecordKind { story, kind, topic }))
        })
        .collect()
}

/// The pairs a grouping misses and the pairs it gets wrong, counted by what they are: a missed
/// pair is named by its harder record (teaser, abridged, ...), a wrong pair by how the two
/// stories relate (a follow-up and its background story, the same topic, unrelated).
pub fn breakdown(
    kinds: &HashMap<String, RecordKind>,
    grouping: &HashMap<String, String>,
) -> (BTreeMap<&'static str, u64>, BTreeMap<&'static str, u64>) {
    let mut by_story: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut by_group: HashMap<&str, Vec<&str>> = HashMap::new();
    for (url, k) in kinds {
        by_story.entry(&k.story).or_default().push(url);
        let group = grouping.get(url).map_or(url.as_str(), String::as_str);
        by_group.entry(group).or_default().push(url);
    }
    fn group_of<'a>(grouping: &'a HashMap<String, String>, url: &'a str) -> &'a str {
        grouping.get(url).map_or(url, String::as_str)
    }
    let mut missed = BTreeMap::new();
    for urls in by_story.values() {
        for (i, a) in urls.iter().enumerate() {
            for b in &urls[i + 1..] {
                if group_of(grouping, a) != group_of(grouping, b) {
                    let label = missed_label(&kinds[*a].kind, &kinds[*b].kind);
                    *missed.entry(label).or_default() += 1;
                }
            }
        }
    }
    let mut wrong = BTreeMap::new();
    for urls in by_group.values() {
        for (i, a) in urls.iter().enumerate() {
            for b in &urls[i + 1..] {
                let (ka, kb) = (&kinds[*a], &kinds[*b]);
                if ka.story != kb.story {
                    let label =
                        if ka.kind.starts_with("follow-up") || kb.kind.starts_with("follow-up") {
                            "a follow-up"
                        } else if ka.topic == kb.topic {
                            "same topic"
                        } else {
                            "different topics"
                        };
                    *wrong.entry(label).or_default() += 1;
                }
            }
        }
    }
    (missed, wrong)
}

fn missed_label(a: &str, b: &str) -> &'static str {
    let either = |edit: &str| a.contains(edit) || b.contains(edit);
    if either("teaser") {
        "teaser"
    } else if either("abridged") {
        "abridged"
    } else if either("short") {
        "short-text reprint"
    } else if either("local") {
        "local paragraph"
    } else if either("words") {
        "words changed"
    } else {
        "other edits"
    }
}

/// "teaser 12, abridged 3" (or "none").
pub fn counts(map: &BTreeMap<&'static str, u64>) -> String {
    if map.is_empty() {
        return "none".into();
    }
    let mut items: Vec<_> = map.iter().collect();
    items.sort_by(|x, y| y.1.cmp(x.1).then(x.0.cmp(y.0)));
    items
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
