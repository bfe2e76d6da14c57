//! Scoring the extractor against CoNLL gold annotations.
//!
//! Input: one token a line, the tag in the last column (IO or BIO: `I-PER`, `B-ORG`, `O`; `E-`
//! and `S-` are read too), `-DOCSTART-` lines between documents and blank lines between
//! sentences. Each document's text is rebuilt as its tokens joined by spaces, one sentence a line,
//! and the extractor runs on it as an article body with no title.
//!
//! Scoring is exact-span: a prediction counts only if its start, end and type equal a gold span.
//! Only PER, ORG and LOC count, on both sides: MISC gold spans are not gold (a prediction that
//! matches one is a false positive unless it also matches a PER/ORG/LOC span, which it cannot),
//! `other` predictions and demonym mentions ("North Korean", which CoNLL tags MISC) are not
//! predictions. This is the usual CoNLL scoring with MISC left out, and how the spaCy reference
//! figure in the corpus README was computed (its NORP adjectives are not mapped either).

use std::collections::HashSet;
use std::io::BufRead;

use serde::{Serialize, Serializer};

use super::{ArticleText, Corrections, EntityKind, Extractor, extract};
use crate::import::limits::{Line, LineReader, describe_size};

/// A gold span in a document's rebuilt text, in Unicode characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GoldSpan {
    pub start: usize,
    pub end: usize,
    /// The CoNLL type: "PER", "ORG", "LOC", "MISC", ...
    pub label: String,
}

/// One CoNLL document: its rebuilt text and its gold spans.
#[derive(Clone, Debug, Default)]
pub struct Document {
    pub text: String,
    pub gold: Vec<GoldSpan>,
    pub tokens: usize,
}

/// Parses a CoNLL file into documents. Lines that have no tag column are read as tag `O`.
pub fn read_conll(text: &str) -> Vec<Document> {
    let mut docs = Vec::new();
    let mut builder = DocumentBuilder::default();
    for line in text.lines() {
        docs.extend(builder.line(line));
    }
    docs.extend(builder.finish());
    docs
}

/// A CoNLL input that could not be read: the 1-based line, and why.
#[derive(Debug)]
pub struct ConllError {
    pub line: u64,
    pub reason: String,
}

/// Reads CoNLL documents one at a time from a stream, so that memory holds one document however
/// large the file. A line, or a document's text, longer than `max_record` bytes is an error at
/// its line (scoring a file with a part left out would give a wrong score), as is a line that is
/// not UTF-8.
pub struct ConllReader<R> {
    lines: LineReader<R>,
    max_record: u64,
    builder: DocumentBuilder,
    done: bool,
}

impl<R: BufRead> ConllReader<R> {
    pub fn new(reader: R, max_record: u64) -> ConllReader<R> {
        ConllReader {
            lines: LineReader::new(reader, max_record),
            max_record,
            builder: DocumentBuilder::default(),
            done: false,
        }
    }

    fn next_document(&mut self) -> Result<Option<Document>, ConllError> {
        loop {
            let (number, line) = match self.lines.next_line() {
                Ok(Some((number, Line::Complete(line)))) => (number, line),
                Ok(Some((number, Line::TooLarge))) => {
                    return Err(ConllError {
                        line: number,
                        reason: format!(
                            "line larger than {} (raise --max-record-size to read it)",
                            describe_size(self.max_record)
                        ),
                    });
                }
                Ok(None) => return Ok(self.builder.finish()),
                Err(error) => {
                    return Err(ConllError {
                        line: self.lines.line_number() + 1,
                        reason: format!("read error: {error}"),
                    });
                }
            };
            let Ok(line) = std::str::from_utf8(line) else {
                return Err(ConllError {
                    line: number,
                    reason: "not UTF-8 text".into(),
                });
            };
            if let Some(document) = self.builder.line(line) {
                return Ok(Some(document));
            }
            if self.builder.doc.text.len() as u64 > self.max_record {
                return Err(ConllError {
                    line: number,
                    reason: format!(
                        "document larger than {} (raise --max-record-size to read it)",
                        describe_size(self.max_record)
                    ),
                });
            }
        }
    }
}

impl<R: BufRead> Iterator for ConllReader<R> {
    type Item = Result<Document, ConllError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = self.next_document();
        // After the last document or an error there is nothing more to read.
        self.done = !matches!(next, Ok(Some(_)));
        next.transpose()
    }
}

/// Builds documents from CoNLL lines, one line at a time.
#[derive(Default)]
struct DocumentBuilder {
    doc: Document,
    /// Length of doc.text in chars.
    chars: usize,
    sentence_open: bool,
    /// The open gold span: (start, label).
    open: Option<(usize, String)>,
    last_end: usize,
}

impl DocumentBuilder {
    /// Reads one line; returns the document it ends, if any (at `-DOCSTART-`).
    fn line(&mut self, line: &str) -> Option<Document> {
        let line = line.trim_end_matches('\r');
        let mut cols = line.split_whitespace();
        let Some(token) = cols.next() else {
            self.close_span();
            self.sentence_open = false;
            return None;
        };
        if token == "-DOCSTART-" {
            let finished = self.finish();
            self.chars = 0;
            self.sentence_open = false;
            return finished;
        }
        let tag = cols.next_back().unwrap_or("O");
        let doc = &mut self.doc;
        if !doc.text.is_empty() {
            doc.text.push(if self.sentence_open { ' ' } else { '\n' });
            self.chars += 1;
        }
        let start = self.chars;
        doc.text.push_str(token);
        self.chars += token.chars().count();
        doc.tokens += 1;
        self.sentence_open = true;

        let (prefix, label) = match tag.split_once('-') {
            Some((p, l)) if tag != "O" => (p, l),
            _ if tag == "O" => ("O", ""),
            _ => ("I", tag),
        };
        let continues = matches!(prefix, "I" | "E")
            && self.open.as_ref().is_some_and(|(_, l)| l == label)
            && start == self.last_end + 1;
        if !continues {
            self.close_span();
            if prefix != "O" {
                self.open = Some((start, label.to_string()));
            }
        }
        self.last_end = self.chars;
        if prefix == "S" || prefix == "E" {
            self.close_span();
        }
        None
    }

    fn close_span(&mut self) {
        if let Some((start, label)) = self.open.take() {
            let end = self.last_end;
            self.doc.gold.push(GoldSpan { start, end, label });
        }
    }

    /// The document read so far, if it has any text; the builder starts a new one.
    fn finish(&mut self) -> Option<Document> {
        self.close_span();
        let doc = std::mem::take(&mut self.doc);
        (!doc.text.is_empty()).then_some(doc)
    }
}

/// Precision, recall and F1 for one type (or all, micro-averaged).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Score {
    #[serde(serialize_with = "round4")]
    pub p: f64,
    #[serde(serialize_with = "round4")]
    pub r: f64,
    #[serde(serialize_with = "round4")]
    pub f1: f64,
    #[serde(skip)]
    pub tp: usize,
    #[serde(skip)]
    pub fp: usize,
    #[serde(skip)]
    pub fn_: usize,
}

fn round4<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((x * 10_000.0).round() / 10_000.0)
}

impl Score {
    fn from_counts(tp: usize, fp: usize, fn_: usize) -> Score {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let p = ratio(tp, tp + fp);
        let r = ratio(tp, tp + fn_);
        let f1 = if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        };
        Score {
            p,
            r,
            f1,
            tp,
            fp,
            fn_,
        }
    }
}

/// Scores per type and micro-averaged; serialises as
/// `{"PER": {"p", "r", "f1"}, "ORG": {..}, "LOC": {..}, "micro": {..}}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Scores {
    #[serde(rename = "PER")]
    pub per: Score,
    #[serde(rename = "ORG")]
    pub org: Score,
    #[serde(rename = "LOC")]
    pub loc: Score,
    pub micro: Score,
}

/// The scored types, in the order of [`Scores`].
pub const LABELS: [&str; 3] = ["PER", "ORG", "LOC"];

/// The CoNLL label of an entity kind, if it is scored.
pub fn label(kind: EntityKind) -> Option<&'static str> {
    match kind {
        EntityKind::Person => Some("PER"),
        EntityKind::Organization => Some("ORG"),
        EntityKind::Location => Some("LOC"),
        EntityKind::Other => None,
    }
}

/// The extractor's scored predictions for a document, as spans of its text.
pub fn predict(doc: &Document, extractor: &Extractor) -> Vec<GoldSpan> {
    extract::extract(
        &extractor.lexicon,
        ArticleText::body(&doc.text),
        &Corrections::default(),
    )
    .into_iter()
    .filter(|f| !f.adjectival)
    .filter_map(|f| {
        let label = label(f.mention.kind)?;
        Some(GoldSpan {
            start: f.mention.start,
            end: f.mention.end,
            label: label.to_string(),
        })
    })
    .collect()
}

/// Runs the extractor over every document and scores it against the gold spans.
pub fn evaluate(docs: &[Document], extractor: &Extractor) -> Scores {
    let mut scorer = Scorer::default();
    for doc in docs {
        scorer.add(doc, extractor);
    }
    scorer.scores()
}

/// Scores documents one at a time (with [`ConllReader`], a file of any size).
#[derive(Default)]
pub struct Scorer {
    /// (tp, fp, fn) per label of [`LABELS`].
    counts: [(usize, usize, usize); 3],
}

impl Scorer {
    /// Runs the extractor over `doc` and counts its predictions against the gold spans.
    pub fn add(&mut self, doc: &Document, extractor: &Extractor) {
        let gold: HashSet<&GoldSpan> = doc
            .gold
            .iter()
            .filter(|g| LABELS.contains(&g.label.as_str()))
            .collect();
        let predicted: HashSet<GoldSpan> = predict(doc, extractor).into_iter().collect();
        for (i, label) in LABELS.iter().enumerate() {
            let g = gold.iter().filter(|s| s.label == *label).count();
            let p = predicted.iter().filter(|s| s.label == *label).count();
            let tp = predicted
                .iter()
                .filter(|s| s.label == *label && gold.contains(s))
                .count();
            self.counts[i].0 += tp;
            self.counts[i].1 += p - tp;
            self.counts[i].2 += g - tp;
        }
    }

    pub fn scores(&self) -> Scores {
        let score = |(tp, fp, fn_): (usize, usize, usize)| Score::from_counts(tp, fp, fn_);
        let total = self
            .counts
            .iter()
            .fold((0, 0, 0), |acc, c| (acc.0 + c.0, acc.1 + c.1, acc.2 + c.2));
        Scores {
            per: score(self.counts[0]),
            org: score(self.counts[1]),
            loc: score(self.counts[2]),
            micro: score(total),
        }
    }
}

// The one rule for tests that need ../shared/corpus (a visible skip; a failure under CI).
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../tests/common/corpus.rs"]
mod shared_corpus;

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "-DOCSTART- O\n\nKim I-PER\nJong I-PER\nUn I-PER\nvisited O\nRussia B-LOC\n.\tO\n\nThe O\nUN B-ORG\nmet O\n\n-DOCSTART- O\n\nParis I-LOC\nand O\nJapanese I-MISC\n";

    #[test]
    fn reads_documents_sentences_and_spans() {
        let docs = read_conll(SAMPLE);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].text, "Kim Jong Un visited Russia .\nThe UN met");
        let spans: Vec<String> = docs[0]
            .gold
            .iter()
            .map(|g| {
                let s: String = docs[0]
                    .text
                    .chars()
                    .skip(g.start)
                    .take(g.end - g.start)
                    .collect();
                format!("{}:{s}", g.label)
            })
            .collect();
        assert_eq!(spans, ["PER:Kim Jong Un", "LOC:Russia", "ORG:UN"]);
        assert_eq!(docs[1].gold.len(), 2);
        assert_eq!(docs[1].tokens, 3);
    }

    #[test]
    fn bio_b_tag_starts_a_new_span() {
        let docs = read_conll("A B-PER\nB I-PER\nC B-PER\n");
        assert_eq!(docs[0].gold.len(), 2);
        assert_eq!((docs[0].gold[0].start, docs[0].gold[0].end), (0, 3));
    }

    #[test]
    fn the_streaming_reader_gives_the_same_documents() {
        let docs: Vec<Document> = ConllReader::new(SAMPLE.as_bytes(), 1 << 20)
            .collect::<Result<_, _>>()
            .unwrap();
        let whole = read_conll(SAMPLE);
        assert_eq!(docs.len(), whole.len());
        for (streamed, read) in docs.iter().zip(&whole) {
            assert_eq!(streamed.text, read.text);
            assert_eq!(streamed.gold, read.gold);
            assert_eq!(streamed.tokens, read.tokens);
        }
    }

    #[test]
    fn a_line_or_document_over_the_limit_is_an_error_at_its_line() {
        let long_line = format!("A O\n{} O\nB O\n", "x".repeat(100));
        let error = ConllReader::new(long_line.as_bytes(), 50)
            .find_map(Result::err)
            .unwrap();
        assert_eq!(error.line, 2);
        assert_eq!(
            error.reason,
            "line larger than 50 bytes (raise --max-record-size to read it)"
        );
        let long_document = "word O\n".repeat(20);
        let error = ConllReader::new(long_document.as_bytes(), 50)
            .find_map(Result::err)
            .unwrap();
        assert_eq!(error.line, 11);
        assert!(error.reason.starts_with("document larger than 50 bytes"));
        let not_utf8 = b"A O\n\xff O\n";
        let error = ConllReader::new(&not_utf8[..], 50)
            .find_map(Result::err)
            .unwrap();
        assert_eq!((error.line, error.reason.as_str()), (2, "not UTF-8 text"));
    }

    #[test]
    fn scores_serialize_in_the_documented_shape() {
        let scores = evaluate(&read_conll(SAMPLE), Extractor::shared());
        let json = serde_json::to_value(scores).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["PER", "ORG", "LOC", "micro"]);
        assert!(json["micro"]["f1"].is_f64());
        assert_eq!(json["LOC"]["r"], 1.0);
    }

    /// Regression floor on wikigold (issues 4 and 14): quality must not drop below what was
    /// reached (micro 0.689, PER 0.785, ORG 0.471, LOC 0.758; spaCy's small model: 0.532,
    /// 0.645, 0.315, 0.635).
    /// `cargo test --release wikigold -- --nocapture` prints the scores.
    #[test]
    fn wikigold_quality_floor() {
        let Some(path) = super::shared_corpus::corpus("ner/wikigold.conll") else {
            return;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let scores = evaluate(&read_conll(&text), Extractor::shared());
        println!("{}", serde_json::to_string(&scores).unwrap());
        // Issue 14: micro at least 0.68, every type at or above what it was before the news
        // rules (main at 0.6516 micro, PER 0.7363, ORG 0.4415, LOC 0.7241).
        assert!(scores.micro.f1 >= 0.68, "micro F1 {:.4}", scores.micro.f1);
        assert!(scores.per.f1 >= 0.7363, "PER F1 {:.4}", scores.per.f1);
        assert!(scores.org.f1 >= 0.4415, "ORG F1 {:.4}", scores.org.f1);
        assert!(scores.loc.f1 >= 0.7241, "LOC F1 {:.4}", scores.loc.f1);
    }

    /// Floor on the hand-annotated news dev set (issue 14; sports reports, results tables,
    /// companies without a suffix, lone surnames). A dev set the rules were tuned on, so it
    /// guards against regressions, not a held-out measure.
    #[test]
    fn news_dev_set_floor() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/ner/news_dev.conll");
        let text = std::fs::read_to_string(&path).expect("the news dev set is in the repo");
        let scores = evaluate(&read_conll(&text), Extractor::shared());
        println!("{}", serde_json::to_string(&scores).unwrap());
        assert!(scores.micro.f1 >= 0.90, "micro F1 {:.4}", scores.micro.f1);
        assert!(scores.per.f1 >= 0.84, "PER F1 {:.4}", scores.per.f1);
        assert!(scores.org.f1 >= 0.92, "ORG F1 {:.4}", scores.org.f1);
        assert!(scores.loc.f1 >= 0.94, "LOC F1 {:.4}", scores.loc.f1);
    }
}
