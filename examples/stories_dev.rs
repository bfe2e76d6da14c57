//! In-memory runner for tuning the story rule (issue 13): reads a JSON Lines set, normalises each
//! record as `newsdb import` does, sketches it, groups by the store's rule (pairs sharing a
//! candidate key in a bucket of at most MAX_BUCKET articles, verified with `is_copy`, connected
//! components) and writes `url<TAB>group`.
//!
//! ```text
//! cargo run --release --example stories_dev -- SET.jsonl GROUPING.tsv [TRUTH.tsv] [THRESHOLD...]
//! ```
//! With a truth file it also prints pairwise precision, recall and F1 for each threshold and, for
//! the first threshold, the pairs it gets wrong and why (no shared key, or a score below or
//! above the threshold).

use std::collections::{HashMap, HashSet};
use std::error::Error;
use std::fs;
use std::io::{BufRead, BufReader, Write};

use newsdb::import::json::parse_json_lines;
use newsdb::item::{Location, Parsed};
use newsdb::normalize::{NormalizeOptions, normalize};
use newsdb::stories::{self, DEFAULT_THRESHOLD, MAX_BUCKET, Similarity, Sketch};

struct Record {
    url: String,
    article: usize,
}

struct Article {
    title: String,
    body: String,
    sketch: Sketch,
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, rest @ ..] = args.as_slice() else {
        return Err("usage: stories_dev SET.jsonl GROUPING.tsv [TRUTH.tsv] [THRESHOLD...]".into());
    };
    let (truth_path, thresholds) = match rest.first() {
        Some(path) if path.parse::<f64>().is_err() => (Some(path.as_str()), &rest[1..]),
        _ => (None, rest),
    };
    let mut thresholds: Vec<f64> = thresholds
        .iter()
        .map(|value| value.parse())
        .collect::<Result<_, _>>()?;
    if thresholds.is_empty() {
        thresholds.push(DEFAULT_THRESHOLD);
    }

    let (records, articles) = read_set(input)?;
    let started = std::time::Instant::now();
    let pairs = candidate_pairs(&articles);
    let similarities: Vec<(usize, usize, Similarity)> = pairs
        .iter()
        .map(|&(a, b)| {
            (
                a,
                b,
                stories::compare(&articles[a].sketch, &articles[b].sketch),
            )
        })
        .collect();
    eprintln!(
        "{} records, {} articles, {} candidate pairs compared in {:.1} ms; {:.0} bytes and {:.1} keys per sketch",
        records.len(),
        articles.len(),
        pairs.len(),
        started.elapsed().as_secs_f64() * 1e3,
        mean(articles.iter().map(|a| a.sketch.to_bytes().len())),
        mean(articles.iter().map(|a| a.sketch.candidate_keys().len())),
    );

    let truth = truth_path.map(read_truth).transpose()?;
    for (index, &threshold) in thresholds.iter().enumerate() {
        let groups = group(articles.len(), &similarities, threshold);
        if index == 0 {
            let mut out = std::io::BufWriter::new(fs::File::create(output)?);
            for record in &records {
                writeln!(out, "{}\t{}", record.url, groups[record.article])?;
            }
        }
        if let Some(truth) = &truth {
            let (precision, recall, f1) = score(&records, &groups, truth);
            println!(
                "threshold {threshold:.3}: precision {precision:.4} recall {recall:.4} F1 {f1:.4}"
            );
            if index == 0 {
                explain(
                    &records,
                    &articles,
                    &similarities,
                    &groups,
                    truth,
                    threshold,
                );
            }
        }
    }
    Ok(())
}

fn mean(values: impl Iterator<Item = usize>) -> f64 {
    let (sum, count) = values.fold((0, 0), |(sum, count), value| (sum + value, count + 1));
    sum as f64 / count.max(1) as f64
}

/// Every record normalised as the importer does; records with the same content hash are one
/// article, as in the database.
fn read_set(path: &str) -> Result<(Vec<Record>, Vec<Article>), Box<dyn Error>> {
    let options = NormalizeOptions::default();
    let mut records = Vec::new();
    let mut articles = Vec::new();
    let mut by_hash: HashMap<String, usize> = HashMap::new();
    for (number, line) in BufReader::new(fs::File::open(path)?).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(&line)?;
        let url = value["url"]
            .as_str()
            .ok_or_else(|| format!("{path}:{}: no url", number + 1))?
            .to_string();
        let mut item = None;
        parse_json_lines(
            line.as_bytes(),
            Location::new(path).at_line(number as u64 + 1),
            1 << 24,
            &mut |parsed| {
                if let Parsed::Item(raw) = parsed {
                    item = Some(raw);
                }
            },
        );
        let item = item.ok_or_else(|| format!("{path}:{}: not an article", number + 1))?;
        let normalized = normalize(*item, &options)?;
        let next = articles.len();
        let article = *by_hash.entry(normalized.hash.to_string()).or_insert(next);
        if article == next {
            let title = normalized.title.unwrap_or_default();
            let sketch = Sketch::of(&title, &normalized.body);
            articles.push(Article {
                title,
                body: normalized.body,
                sketch,
            });
        }
        records.push(Record { url, article });
    }
    Ok((records, articles))
}

/// Pairs of articles sharing a key whose bucket holds at most MAX_BUCKET articles.
fn candidate_pairs(articles: &[Article]) -> Vec<(usize, usize)> {
    let mut buckets: HashMap<i64, Vec<usize>> = HashMap::new();
    for (index, article) in articles.iter().enumerate() {
        for key in article.sketch.candidate_keys() {
            buckets.entry(key).or_default().push(index);
        }
    }
    let mut pairs = HashSet::new();
    for members in buckets.values().filter(|m| m.len() <= MAX_BUCKET) {
        for (position, &a) in members.iter().enumerate() {
            for &b in &members[position + 1..] {
                pairs.insert((a.min(b), a.max(b)));
            }
        }
    }
    let mut pairs: Vec<_> = pairs.into_iter().collect();
    pairs.sort_unstable();
    pairs
}

fn find(parents: &mut [usize], mut node: usize) -> usize {
    while parents[node] != node {
        parents[node] = parents[parents[node]];
        node = parents[node];
    }
    node
}

/// Connected components of the verified pairs: the group of each article (its smallest index).
fn group(count: usize, similarities: &[(usize, usize, Similarity)], threshold: f64) -> Vec<usize> {
    let mut parents: Vec<usize> = (0..count).collect();
    for (a, b, similarity) in similarities {
        if stories::is_copy(similarity, threshold) {
            let (root_a, root_b) = (find(&mut parents, *a), find(&mut parents, *b));
            parents[root_a.max(root_b)] = root_a.min(root_b);
        }
    }
    (0..count).map(|node| find(&mut parents, node)).collect()
}

fn read_truth(path: &str) -> Result<HashMap<String, String>, Box<dyn Error>> {
    let mut truth = HashMap::new();
    for line in fs::read_to_string(path)?.lines() {
        if let Some((url, label)) = line.split_once('\t') {
            truth.insert(url.to_string(), label.to_string());
        }
    }
    Ok(truth)
}

fn pairs_within<K: std::hash::Hash + Eq>(keys: impl Iterator<Item = K>) -> u64 {
    let mut counts: HashMap<K, u64> = HashMap::new();
    for key in keys {
        *counts.entry(key).or_default() += 1;
    }
    counts.values().map(|n| n * (n - 1) / 2).sum()
}

/// Pairwise precision, recall and F1 of the grouping against the truth labels.
fn score(records: &[Record], groups: &[usize], truth: &HashMap<String, String>) -> (f64, f64, f64) {
    let label = |record: &Record| truth.get(&record.url).cloned().unwrap_or_default();
    let predicted = pairs_within(records.iter().map(|r| groups[r.article]));
    let actual = pairs_within(records.iter().map(label));
    let both = pairs_within(records.iter().map(|r| (groups[r.article], label(r))));
    let precision = both as f64 / predicted.max(1) as f64;
    let recall = both as f64 / actual.max(1) as f64;
    let f1 = 2.0 * precision * recall / (precision + recall).max(f64::MIN_POSITIVE);
    (precision, recall, f1)
}

/// Prints the wrong edges (copies across stories) and, per story, the articles left out of its
/// largest group with the best score they reached against it.
fn explain(
    records: &[Record],
    articles: &[Article],
    similarities: &[(usize, usize, Similarity)],
    groups: &[usize],
    truth: &HashMap<String, String>,
    threshold: f64,
) {
    let mut story_of = vec![String::new(); articles.len()];
    let mut url_of = vec![String::new(); articles.len()];
    for record in records {
        story_of[record.article] = truth.get(&record.url).cloned().unwrap_or_default();
        url_of[record.article] = record.url.clone();
    }
    let verbose = std::env::var_os("STORIES_VERBOSE").is_some();
    let show = |article: usize| {
        let text = &articles[article];
        let head: String = text.body.chars().take(140).collect();
        format!(
            "    {} [{} shingles] {:?}: {:?}",
            url_of[article],
            text.sketch.shingle_count(),
            text.title,
            head
        )
    };
    let mut wrong = 0;
    for (a, b, similarity) in similarities {
        if stories::is_copy(similarity, threshold) && story_of[*a] != story_of[*b] {
            wrong += 1;
            println!("FALSE EDGE {similarity:?}");
            if verbose {
                println!("{}\n{}", show(*a), show(*b));
            }
        }
    }
    let compared: HashMap<(usize, usize), Similarity> = similarities
        .iter()
        .map(|(a, b, similarity)| ((*a, *b), *similarity))
        .collect();
    let mut members: HashMap<&str, Vec<usize>> = HashMap::new();
    for (article, story) in story_of.iter().enumerate() {
        members.entry(story).or_default().push(article);
    }
    let (mut missed, mut no_key) = (0, 0);
    for articles_of_story in members.values() {
        let main_group = {
            let mut counts: HashMap<usize, usize> = HashMap::new();
            for &article in articles_of_story {
                *counts.entry(groups[article]).or_default() += 1;
            }
            counts
                .into_iter()
                .max_by_key(|&(group, count)| (count, std::cmp::Reverse(group)))
                .map(|(group, _)| group)
        };
        for &article in articles_of_story {
            if Some(groups[article]) == main_group {
                continue;
            }
            missed += 1;
            let best = articles_of_story
                .iter()
                .filter(|&&other| Some(groups[other]) == main_group)
                .filter_map(|&other| {
                    compared
                        .get(&(article.min(other), article.max(other)))
                        .map(|s| (other, *s))
                })
                .max_by(|x, y| x.1.score.total_cmp(&y.1.score));
            match best {
                Some((other, similarity)) => {
                    println!("MISSED (best {similarity:?})");
                    if verbose {
                        println!("{}\n{}", show(article), show(other));
                    }
                }
                None => {
                    no_key += 1;
                    let other = articles_of_story
                        .iter()
                        .copied()
                        .find(|&other| Some(groups[other]) == main_group)
                        .unwrap_or(article);
                    let similarity =
                        stories::compare(&articles[article].sketch, &articles[other].sketch);
                    println!("MISSED, NO SHARED KEY (would score {similarity:?})");
                    if verbose {
                        println!("{}\n{}", show(article), show(other));
                    }
                }
            }
        }
    }
    println!(
        "{wrong} false edges; {missed} articles outside their story's group ({no_key} with no shared key)"
    );
}
