//! The rule on articles built from a deterministic pseudo-random text, with the edits of issue 13.

use super::*;

/// A small deterministic generator (64-bit LCG), so every test text is the same on every run.
struct Words(u64);

impl Words {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn word(&mut self) -> String {
        const SYLLABLES: [&str; 16] = [
            "ka", "lo", "mi", "ter", "an", "sol", "ve", "ri", "do", "pun", "est", "ma", "gor",
            "il", "ne", "sa",
        ];
        let count = 1 + self.next() % 3;
        (0..count)
            .map(|_| SYLLABLES[(self.next() % 16) as usize])
            .collect()
    }

    fn sentence(&mut self) -> String {
        let length = 12 + self.next() % 14;
        let words: Vec<String> = (0..length).map(|_| self.word()).collect();
        format!("{}.", words.join(" "))
    }

    /// `count` paragraphs of three sentences each.
    fn paragraphs(&mut self, count: usize) -> Vec<String> {
        (0..count)
            .map(|_| {
                (0..3)
                    .map(|_| self.sentence())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }
}

fn article(seed: u64) -> Vec<String> {
    Words(seed).paragraphs(10)
}

fn body(paragraphs: &[String]) -> String {
    paragraphs.join("\n\n")
}

fn sketch(paragraphs: &[String]) -> Sketch {
    Sketch::of("A headline", &body(paragraphs))
}

/// Replaces one word in `every` with another word.
fn edit_words(text: &str, every: usize, seed: u64) -> String {
    let mut words = Words(seed);
    text.split(' ')
        .enumerate()
        .map(|(index, word)| {
            if index % every == every / 2 {
                words.word()
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn copy(a: &Sketch, b: &Sketch) -> bool {
    is_copy(&compare(a, b), DEFAULT_THRESHOLD)
}

fn shared_keys(a: &Sketch, b: &Sketch) -> usize {
    let keys = a.candidate_keys();
    b.candidate_keys()
        .iter()
        .filter(|key| keys.contains(key))
        .count()
}

/// Whether the import compares the two at all: candidates sharing enough keys.
fn shares_key(a: &Sketch, b: &Sketch) -> bool {
    worth_comparing(shared_keys(a, b), a.is_short(), b.is_short())
}

#[test]
fn long_texts_are_compared_on_two_shared_keys_short_ones_on_one() {
    let long = sketch(&article(21));
    let other_long = sketch(&article(22));
    let teaser = Sketch::of("", "one two three four five six seven eight nine ten");
    assert!(!long.is_short() && teaser.is_short());
    assert!(!worth_comparing(1, long.is_short(), other_long.is_short()));
    assert!(worth_comparing(2, long.is_short(), other_long.is_short()));
    for (a, b) in [(&long, &teaser), (&teaser, &long)] {
        assert!(worth_comparing(1, a.is_short(), b.is_short()));
    }
    assert!(!Sketch::of("", "").is_short());
}

#[test]
fn identical_texts_are_copies_with_score_one() {
    let original = sketch(&article(1));
    let similarity = compare(&original, &sketch(&article(1)));
    assert_eq!(similarity.score, 1.0);
    assert_eq!(similarity.jaccard, 1.0);
    assert!(shares_key(&original, &sketch(&article(1))));
}

#[test]
fn a_reprint_with_two_percent_of_words_changed_a_dateline_and_a_credit_is_a_copy() {
    let paragraphs = article(2);
    let original = sketch(&paragraphs);
    let reprint = format!(
        "EXCLUSIVE\n\nLONDON (Agency) - {}\n\nReporting by Agency staff.",
        edit_words(&body(&paragraphs), 50, 99)
    );
    let reprint = Sketch::of("A new headline", &reprint);
    assert!(shares_key(&original, &reprint));
    let similarity = compare(&original, &reprint);
    assert!(copy(&original, &reprint), "{similarity:?}");
    assert!(similarity.jaccard > 0.5, "{similarity:?}");
}

#[test]
fn an_abridged_copy_keeping_half_the_paragraphs_is_a_copy() {
    let paragraphs = article(3);
    let original = sketch(&paragraphs);
    let abridged = sketch(&paragraphs[..5]);
    assert!(shares_key(&original, &abridged));
    let similarity = compare(&original, &abridged);
    assert!(copy(&original, &abridged), "{similarity:?}");
    assert!(similarity.jaccard < 0.7, "{similarity:?}");
}

#[test]
fn a_teaser_of_the_lead_sentence_is_a_copy_of_the_full_text() {
    let paragraphs = article(4);
    let original = sketch(&paragraphs);
    let lead = paragraphs[0].split(". ").next().unwrap();
    let teaser = Sketch::of("Headline of the teaser", lead);
    assert!(shares_key(&original, &teaser));
    let similarity = compare(&original, &teaser);
    assert!(copy(&original, &teaser), "{similarity:?}");
    assert!(similarity.jaccard < 0.2, "{similarity:?}");
}

#[test]
fn an_abridged_copy_with_a_long_local_paragraph_is_a_copy_through_its_lead() {
    let paragraphs = article(11);
    let mut local = paragraphs[..3].to_vec();
    local.extend(Words(111).paragraphs(2));
    let similarity = compare(&sketch(&paragraphs), &sketch(&local));
    assert!(similarity.containment < DEFAULT_THRESHOLD, "{similarity:?}");
    assert!(
        copy(&sketch(&paragraphs), &sketch(&local)),
        "{similarity:?}"
    );
}

#[test]
fn a_shared_opening_alone_is_not_a_copy() {
    let template = Words(12).sentence();
    let mut first = Words(13).paragraphs(6);
    let mut second = Words(14).paragraphs(6);
    first[0] = format!("{template} {}", first[0]);
    second[0] = format!("{template} {}", second[0]);
    let similarity = compare(&sketch(&first), &sketch(&second));
    assert!(!copy(&sketch(&first), &sketch(&second)), "{similarity:?}");
}

#[test]
fn unrelated_texts_are_not_copies() {
    for seed in 10..20 {
        let similarity = compare(&sketch(&article(seed)), &sketch(&article(seed + 100)));
        assert!(similarity.score < 0.1, "{similarity:?}");
    }
}

#[test]
fn a_follow_up_reusing_two_background_paragraphs_is_not_a_copy() {
    let original = article(5);
    let mut follow_up = Words(55).paragraphs(6);
    follow_up.insert(3, original[6].clone());
    follow_up.push(original[7].clone());
    let similarity = compare(&sketch(&original), &sketch(&follow_up));
    assert!(
        !copy(&sketch(&original), &sketch(&follow_up)),
        "{similarity:?}"
    );
}

#[test]
fn a_few_shared_words_are_not_a_copy() {
    let short = Sketch::of("", "the minister said");
    let long = Sketch::of("", "yesterday the minister said that taxes would rise");
    assert!(!copy(&short, &long), "{:?}", compare(&short, &long));
}

#[test]
fn compare_is_symmetric() {
    let paragraphs = article(6);
    let sketches = [
        sketch(&paragraphs),
        sketch(&paragraphs[..4]),
        sketch(&paragraphs[2..]),
        Sketch::of("", paragraphs[0].split(". ").next().unwrap()),
        sketch(&article(7)),
        Sketch::of("", ""),
        Sketch::of("", "one two"),
    ];
    for a in &sketches {
        for b in &sketches {
            assert_eq!(compare(a, b), compare(b, a));
        }
    }
}

#[test]
fn the_title_is_used_only_when_the_body_has_no_words() {
    assert_eq!(
        Sketch::of("one", "body text"),
        Sketch::of("two", "body text")
    );
    assert_ne!(Sketch::of("one title", ""), Sketch::of("two title", ""));
}

#[test]
fn bytes_round_trip_and_stay_small() {
    let mut text = body(&Words(8).paragraphs(14));
    text.truncate(text[..2_500].rfind(' ').unwrap());
    let original = Sketch::of("", &text);
    let bytes = original.to_bytes();
    assert!(bytes.len() <= 320, "{} bytes", bytes.len());
    assert_eq!(Sketch::from_bytes(&bytes).unwrap(), original);
    for empty in [Sketch::of("", ""), Sketch::of("", "one")] {
        assert_eq!(Sketch::from_bytes(&empty.to_bytes()).unwrap(), empty);
    }
    assert!(original.candidate_keys().len() <= 24);
}

#[test]
fn huge_bodies_give_a_bounded_sketch() {
    let text = body(&Words(9).paragraphs(2_000));
    let bytes = Sketch::of("", &text).to_bytes();
    assert!(bytes.len() <= 430, "{} bytes", bytes.len());
}

#[test]
fn a_corrupt_blob_is_an_error() {
    let bytes = sketch(&article(10)).to_bytes();
    let error = Sketch::from_bytes(&bytes[..bytes.len() - 1]).unwrap_err();
    assert!(error.to_string().contains("truncated"), "{error}");
    let mut padded = bytes.clone();
    padded.push(0);
    assert!(Sketch::from_bytes(&padded).is_err());
    let mut future = bytes.clone();
    future[0] = 99;
    assert!(
        Sketch::from_bytes(&future)
            .unwrap_err()
            .to_string()
            .contains("version 99")
    );
    assert!(Sketch::from_bytes(&[]).is_err());
}

/// The import's shortcut decides exactly as the documented rule, for every kind of pair the rule
/// has to tell apart and for thresholds from lenient to strict.
#[test]
fn the_fast_decision_equals_the_rule() {
    let mut sketches = vec![Sketch::of("", ""), Sketch::of("Only a title here", "")];
    for seed in 1..=12u64 {
        let paragraphs = article(seed);
        sketches.push(sketch(&paragraphs));
        for keep in [1, 2, 4, 6, 8] {
            sketches.push(sketch(&paragraphs[..keep]));
        }
        let sentences: Vec<&str> = paragraphs[0].split(". ").collect();
        sketches.push(Sketch::of("Teaser", sentences[0]));
        sketches.push(Sketch::of("Teaser", &sentences[..2].join(". ")));
        for every in [5, 12, 50] {
            sketches.push(Sketch::of(
                "Edited",
                &edit_words(&body(&paragraphs), every, seed),
            ));
        }
        let mut follow_up = Words(seed + 1_000).paragraphs(5);
        follow_up.extend(paragraphs[3..3 + (seed as usize % 3) + 1].iter().cloned());
        sketches.push(sketch(&follow_up));
        let mut local = paragraphs[..3].to_vec();
        local.extend(Words(seed + 2_000).paragraphs(4));
        sketches.push(sketch(&local));
        let words: Vec<&str> = paragraphs[1].split(' ').take(4 + seed as usize).collect();
        sketches.push(Sketch::of("Few words", &words.join(" ")));
    }
    let (mut copies, mut apart) = (0, 0);
    for threshold in [0.2, 0.5, 0.6, DEFAULT_THRESHOLD, 0.8, 0.95] {
        for a in &sketches {
            for b in &sketches {
                let rule = is_copy(&compare(a, b), threshold);
                assert_eq!(
                    is_copy_of(a, b, threshold),
                    rule,
                    "{a:?}\n{b:?}\n{threshold}"
                );
                if rule { copies += 1 } else { apart += 1 }
            }
        }
    }
    assert!(
        copies > 1_000 && apart > 10_000,
        "{copies} copies, {apart} apart"
    );
}

#[test]
fn headlines_of_a_series_one_word_apart_are_not_copies() {
    // Title-only podcast items from a real feed: one word tells the episodes apart.
    let day = |name: &str| {
        Sketch::of(
            &format!("Giant Bombcast Giant Bomb Game of the Year 2010: Day {name}"),
            "",
        )
    };
    let (five, six) = (day("Five"), day("Six"));
    assert!(shares_key(&five, &six));
    assert!(!copy(&five, &six), "{:?}", compare(&five, &six));
    assert!(!is_copy_of(&five, &six, DEFAULT_THRESHOLD));
    // The same headline with a word added keeps every shingle of the shorter one: a copy.
    let suffixed = Sketch::of(
        "Giant Bombcast Giant Bomb Game of the Year 2010: Day Six (audio)",
        "",
    );
    assert!(copy(&six, &suffixed), "{:?}", compare(&six, &suffixed));
    assert!(is_copy_of(&six, &suffixed, DEFAULT_THRESHOLD));
}
