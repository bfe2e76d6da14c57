//! Story sketch signing rate on one core (issue 13, item 6): `Sketch::of` on 2.5 KB bodies of
//! generated news-like text, with the size of what it stores per article.
//!
//! `cargo bench --bench stories_sign` (NEWSDB_SIGN_ARTICLES sets the number of distinct bodies,
//! default 20,000). Target: at least 20,000 articles/s.

mod common;

use std::hint::black_box;
use std::time::Instant;

use newsdb::stories::{Sketch, compare};

/// Body size the target is stated for.
const BODY_BYTES: usize = 2_500;

/// A body of about 2.5 KB: generated articles' paragraphs from `n` on, cut at a word boundary.
fn body(n: u64) -> String {
    let mut text = String::with_capacity(BODY_BYTES + 3_000);
    let mut next = n * 4;
    while text.len() < BODY_BYTES {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&common::article(next).body);
        next += 1;
    }
    let cut = text[..BODY_BYTES].rfind(' ').unwrap_or(BODY_BYTES);
    text.truncate(cut);
    text
}

/// This thread's user + system CPU time from /proc (Linux; clock ticks of 10 ms), so that the
/// rate does not depend on how busy the other cores are.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() -> Result<(), String> {
    let count = common::env_count("NEWSDB_SIGN_ARTICLES", 20_000)? as usize;
    let bodies: Vec<String> = (0..count as u64).map(body).collect();
    let bytes: usize = bodies.iter().map(String::len).sum();
    println!(
        "stories_sign: {count} bodies, {:.0} bytes each on average; load {}",
        bytes as f64 / count as f64,
        common::load_average().unwrap_or_else(|| "unknown".into())
    );

    let mut best = f64::MAX;
    let mut sketches = Vec::new();
    let cpu_before = thread_cpu_seconds();
    for _ in 0..5 {
        let started = Instant::now();
        sketches = bodies
            .iter()
            .map(|body| black_box(Sketch::of("A headline", body)))
            .collect::<Vec<_>>();
        best = best.min(started.elapsed().as_secs_f64());
    }
    let cpu = thread_cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    let encoded: usize = sketches.iter().map(|s| s.to_bytes().len()).sum();
    let keys: usize = sketches.iter().map(|s| s.candidate_keys().len()).sum();
    println!(
        "Sketch::of       {:>10.0} articles/s on one core ({:.2} us each, {:.0} MB/s; best of 5)",
        count as f64 / best,
        best / count as f64 * 1e6,
        bytes as f64 / best / 1e6
    );
    if let Some(cpu) = cpu {
        println!(
            "Sketch::of       {:>10.0} articles/s of CPU time (5 passes, {cpu:.2} s of thread CPU)",
            5.0 * count as f64 / cpu
        );
    }
    println!(
        "sketch size      {:>10.1} bytes per article (to_bytes), {:.1} candidate keys per article",
        encoded as f64 / count as f64,
        keys as f64 / count as f64
    );

    let pairs = sketches.len().saturating_sub(1).min(100_000);
    let started = Instant::now();
    for _ in 0..10 {
        for index in 0..pairs {
            black_box(compare(&sketches[index], &sketches[index + 1]));
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "compare          {:>10.2} us per pair",
        elapsed / (10 * pairs).max(1) as f64 * 1e6
    );
    Ok(())
}
