//! Entity extractor throughput on one core: tokens per second over wikigold (when
//! `../shared/corpus` is present) and over generated news-like text, plus the wikigold scores.
//!
//! `cargo bench --bench entities`

use std::hint::black_box;
use std::time::{Duration, Instant};

use newsdb::entities::{ArticleText, Corrections, Extractor, conll};

/// Runs `f` repeatedly for at least `min` and returns the best time of one call.
fn best_of(min: Duration, mut f: impl FnMut()) -> Duration {
    let started = Instant::now();
    let mut best = Duration::MAX;
    let mut runs = 0;
    while started.elapsed() < min || runs < 3 {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed());
        runs += 1;
    }
    best
}

fn report(name: &str, tokens: usize, bytes: usize, time: Duration) {
    let secs = time.as_secs_f64();
    println!(
        "{name:<28} {tokens:>9} tokens {:>8.2} ms {:>12.0} tokens/s {:>8.1} MB/s",
        secs * 1e3,
        tokens as f64 / secs,
        bytes as f64 / secs / 1e6
    );
}

/// Deterministic news-like paragraphs: names, places, organisations, titles and filler.
fn generated_text(paragraphs: usize) -> String {
    const SENTENCES: &[&str] = &[
        "President Vladimir Putin met North Korean leader Kim Jong Un in Vladivostok on Wednesday.",
        "The Kremlin said the talks covered trade, while the White House warned of consequences.",
        "Last week, the U.S. government said Russia was seeking weapons for its war in Ukraine.",
        "Defense Minister Lee Jong-sup told the National Assembly in Seoul that Kim's visit was expected.",
        "Analysts at the Korea Institute for National Unification said the summit could change little.",
        "Shares of Samsung Electronics rose 2 percent in early trading, according to Reuters.",
        "Sarah Okafor, a spokeswoman for the United Nations, said the agency was monitoring the border.",
        "Officials in Tokyo and Beijing declined to comment on Monday.",
        "The Bank of Japan kept rates unchanged as the yen weakened against the dollar.",
        "Putin and Kim inspected a rocket launch site at the Vostochny Cosmodrome in Amur Oblast.",
    ];
    let mut out = String::new();
    let mut state: u32 = 0x9e37_79b9;
    for p in 0..paragraphs {
        if p > 0 {
            out.push_str("\n\n");
        }
        for s in 0..5 {
            // xorshift: varied but reproducible order.
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            if s > 0 {
                out.push(' ');
            }
            out.push_str(SENTENCES[state as usize % SENTENCES.len()]);
        }
    }
    out
}

fn count_tokens(text: &str) -> usize {
    // Words and punctuation marks, the way CoNLL counts tokens.
    let mut n = 0;
    let mut in_word = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if !in_word {
                n += 1;
            }
            in_word = true;
        } else {
            in_word = false;
            if !c.is_whitespace() {
                n += 1;
            }
        }
    }
    n
}

fn main() {
    let t = Instant::now();
    let extractor = Extractor::new();
    println!(
        "gazetteers compiled in {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let corrections = Corrections::default();
    let min = Duration::from_secs(2);

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/ner/wikigold.conll");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let docs = conll::read_conll(&text);
            let tokens: usize = docs.iter().map(|d| d.tokens).sum();
            let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
            let time = best_of(min, || {
                for d in &docs {
                    black_box(
                        extractor.extract(ArticleText::body(black_box(&d.text)), &corrections),
                    );
                }
            });
            report("wikigold (145 documents)", tokens, bytes, time);
            let scores = conll::evaluate(&docs, &extractor);
            println!(
                "wikigold scores: {}",
                serde_json::to_string(&scores).unwrap()
            );
        }
        Err(_) => println!("wikigold skipped: {} not found", path.display()),
    }

    let text = generated_text(2_000);
    let tokens = count_tokens(&text);
    let time = best_of(min, || {
        black_box(extractor.extract(
            ArticleText {
                title: Some("Putin and Kim meet"),
                ..ArticleText::body(black_box(&text))
            },
            &corrections,
        ));
    });
    report("generated, one 2,000-¶ body", tokens, text.len(), time);

    // Article-sized bodies: the per-article overhead matters at import.
    let articles: Vec<String> = (0..500).map(|i| generated_text(6 + i % 5)).collect();
    let tokens: usize = articles.iter().map(|a| count_tokens(a)).sum();
    let bytes: usize = articles.iter().map(String::len).sum();
    let time = best_of(min, || {
        for a in &articles {
            black_box(extractor.extract(
                ArticleText {
                    title: Some("Putin and Kim meet"),
                    ..ArticleText::body(black_box(a))
                },
                &corrections,
            ));
        }
    });
    report("generated, 500 articles", tokens, bytes, time);
}
