//! Every piece of HTML newsdb parses into a tree goes through [`parse`]: saved pages, feed item
//! content and descriptions, JSON bodies, titles and summaries. HTML is hostile input, and an
//! HTML5 tree builder can be made to work far out of proportion to its input:
//!
//! - deep nesting: each start tag checks the open elements for scope, so 200,000 nested `<div>`s
//!   cost quadratic time (48 s in html5ever);
//! - formatting-element bombs: a `<b>` left open is reopened ("reconstructed") at every new
//!   paragraph, so `<p>` + 500 `<b>` + `</p><p>x` x 20,000 (165 KB) builds ten million elements
//!   (1.3 GB).
//!
//! - crowded tags: the tokenizer checks each attribute against all before it on the same tag, so
//!   one tag with 100,000 attributes costs quadratic time before the tree builder sees it.
//!
//! So, before parsing, a cheap scan ([`shape`]) refuses input larger than [`MAX_BYTES`], nested
//! deeper than [`MAX_DEPTH`], with more than [`MAX_ELEMENTS`] elements or with a tag holding more
//! than [`MAX_ATTRIBUTES`] attributes. Then, while parsing,
//! every token the tree builder takes is counted against a budget: the tree may hold at most about
//! three nodes per piece of markup in the input (never more than [`MAX_NODES`]), the element being
//! built may not sit deeper than [`MAX_DEPTH`], and the parse stops at its deadline or when its
//! caller cancels it. Past any of these the tree builder gets no more tokens: the parse ends
//! within a few tokens of the limit and frees what it built.

mod shape;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use dom_query::{Document, NodeId};
use html5ever::TokenizerResult;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::tree_builder::{TreeBuilder, TreeBuilderOpts, TreeSink};

pub use shape::{Shape, drop_crowded_attributes, measure};

/// The largest piece of HTML parsed into a tree.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;
/// The deepest element nesting accepted (browsers render fine far below this).
pub const MAX_DEPTH: usize = 512;
/// The most elements accepted in one piece of HTML.
pub const MAX_ELEMENTS: usize = 200_000;
/// The most attributes accepted on one tag.
pub const MAX_ATTRIBUTES: usize = 256;
/// The most nodes (elements, text, comments) one parse may build, whatever the input.
pub const MAX_NODES: usize = 1_000_000;
/// How long one parse may take, for callers that have no deadline of their own: 5 s in release
/// builds. Unoptimised (debug) builds parse several times slower (a 1 MB Wikipedia page of the
/// corpus took 4.4 s in a debug build on 2 loaded cores), so the tests, which run
/// them, get a limit that keeps the same margin instead of rejecting real pages by chance.
pub const TIME_LIMIT: Duration = if cfg!(debug_assertions) {
    Duration::from_secs(30)
} else {
    Duration::from_secs(5)
};

/// Why a piece of HTML was not parsed into a tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    TooLarge {
        bytes: usize,
    },
    TooDeep {
        depth: usize,
    },
    TooManyElements {
        elements: usize,
    },
    TooManyAttributes {
        attributes: usize,
    },
    /// The tree builder made more nodes than the markup accounts for.
    TooManyNodes {
        budget: usize,
    },
    TimedOut,
    Cancelled,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::TooLarge { bytes } => write!(
                f,
                "is larger than {} MiB ({bytes} bytes)",
                MAX_BYTES / (1024 * 1024)
            ),
            Refusal::TooDeep { depth } => {
                write!(f, "nests elements {depth} deep (limit {MAX_DEPTH})")
            }
            Refusal::TooManyElements { elements } => {
                write!(f, "has {elements} elements (limit {MAX_ELEMENTS})")
            }
            Refusal::TooManyAttributes { attributes } => write!(
                f,
                "has a tag with {attributes} attributes (limit {MAX_ATTRIBUTES})"
            ),
            Refusal::TooManyNodes { budget } => write!(
                f,
                "makes the HTML parser build more than {budget} nodes (formatting elements \
                 reopened over and over)"
            ),
            Refusal::TimedOut => write!(f, "took longer than {} s to parse", TIME_LIMIT.as_secs()),
            Refusal::Cancelled => write!(f, "was not parsed: the parse was cancelled"),
        }
    }
}

/// The size, depth and element guards, on the text alone: what [`parse`] checks first.
pub fn check(html: &str) -> Result<Shape, Refusal> {
    if html.len() > MAX_BYTES {
        return Err(Refusal::TooLarge { bytes: html.len() });
    }
    let shape = measure(html);
    if shape.depth > MAX_DEPTH {
        return Err(Refusal::TooDeep { depth: shape.depth });
    }
    if shape.elements > MAX_ELEMENTS {
        return Err(Refusal::TooManyElements {
            elements: shape.elements,
        });
    }
    if shape.attributes > MAX_ATTRIBUTES {
        return Err(Refusal::TooManyAttributes {
            attributes: shape.attributes,
        });
    }
    Ok(shape)
}

/// Parse `html` as a document (as `dom_query::Document::from` does), within the guards above.
/// `cancel`, when set by another thread, stops the parse at the next token.
pub fn parse(
    html: &str,
    deadline: Instant,
    cancel: Option<&AtomicBool>,
) -> Result<Document, Refusal> {
    let shape = check(html)?;
    // One text node between two pieces of markup, plus what the tree builder adds for a normal
    // page (html, head, body, tbody, a formatting element reopened now and then).
    let budget = shape
        .markup
        .saturating_mul(3)
        .saturating_add(1024)
        .min(MAX_NODES);
    let builder = TreeBuilder::new(
        Document::default(),
        TreeBuilderOpts {
            scripting_enabled: false,
            ..TreeBuilderOpts::default()
        },
    );
    let guarded = GuardedBuilder {
        builder,
        budget,
        deadline,
        cancel,
        tokens: std::cell::Cell::new(0),
        refusal: std::cell::RefCell::new(None),
    };
    let mut tokenizer = Tokenizer::new(guarded, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from(html));
    // The tokenizer returns for a `</script>` and a `<meta charset>` too: go on until done.
    while !matches!(tokenizer.feed(&input), TokenizerResult::Done) {
        if tokenizer.sink.refusal.borrow().is_some() {
            break;
        }
    }
    if let Some(refusal) = tokenizer.sink.refusal.take() {
        return Err(refusal);
    }
    tokenizer.end();
    if let Some(refusal) = tokenizer.sink.refusal.take() {
        return Err(refusal);
    }
    Ok(std::mem::take(&mut tokenizer.sink.builder.sink))
}

/// How often (in tokens) the clock, the cancel flag and the depth are looked at: the node budget
/// is checked at every token.
const CHECK_EVERY: u32 = 64;

/// The tree builder, fed one token at a time by the tokenizer, and cut off past the limits.
struct GuardedBuilder<'a> {
    builder: TreeBuilder<NodeId, Document>,
    budget: usize,
    deadline: Instant,
    cancel: Option<&'a AtomicBool>,
    tokens: std::cell::Cell<u32>,
    refusal: std::cell::RefCell<Option<Refusal>>,
}

impl GuardedBuilder<'_> {
    fn over_limit(&self) -> Option<Refusal> {
        let document = &self.builder.sink;
        if document.tree.len() > self.budget {
            return Some(Refusal::TooManyNodes {
                budget: self.budget,
            });
        }
        let tokens = self.tokens.get().wrapping_add(1);
        self.tokens.set(tokens);
        if !tokens.is_multiple_of(CHECK_EVERY) {
            return None;
        }
        if self
            .cancel
            .is_some_and(|cancel| cancel.load(Ordering::Relaxed))
        {
            return Some(Refusal::Cancelled);
        }
        if Instant::now() >= self.deadline {
            return Some(Refusal::TimedOut);
        }
        // The scan before parsing can be fooled about depth (an end tag the tree builder
        // ignores); the tree cannot. Elements are inserted along its last branch.
        let depth = last_branch_depth(document, MAX_DEPTH + 1);
        (depth > MAX_DEPTH).then_some(Refusal::TooDeep { depth })
    }
}

impl TokenSink for GuardedBuilder<'_> {
    type Handle = NodeId;

    fn process_token(&self, token: Token, line_number: u64) -> TokenSinkResult<NodeId> {
        let tag = matches!(token, Token::TagToken(_));
        if self.refusal.borrow().is_some() {
            return self.pause(tag);
        }
        let result = self.builder.process_token(token, line_number);
        match self.over_limit() {
            Some(refusal) => {
                *self.refusal.borrow_mut() = Some(refusal);
                self.pause(tag)
            }
            None => result,
        }
    }

    fn end(&self) {
        if self.refusal.borrow().is_none() {
            self.builder.end();
        }
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        self.builder
            .adjusted_current_node_present_but_not_in_html_namespace()
    }
}

impl GuardedBuilder<'_> {
    /// Makes the tokenizer return to [`parse`] (as it does for a `<script>` to run), which then
    /// stops feeding it: the rest of the input is never tokenized. The tokenizer only takes that
    /// answer for a tag; other tokens are dropped until the next one.
    fn pause(&self, tag: bool) -> TokenSinkResult<NodeId> {
        if tag {
            TokenSinkResult::Script(self.builder.sink.get_document())
        } else {
            TokenSinkResult::Continue
        }
    }
}

/// How deep the last element of the tree sits, counting up to `stop`.
fn last_branch_depth(document: &Document, stop: usize) -> usize {
    let mut depth = 0;
    let mut node = document.root().last_child();
    while let Some(current) = node {
        if current.is_element() {
            depth += 1;
            if depth >= stop {
                break;
            }
        }
        node = current.last_child();
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_now(html: &str) -> Result<Document, Refusal> {
        parse(html, Instant::now() + TIME_LIMIT, None)
    }

    fn refusal(html: &str) -> Option<Refusal> {
        parse_now(html).err()
    }

    #[test]
    fn ordinary_html_parses_as_dom_query_does() {
        let html = "<html><head><meta charset=utf-8><title>T</title></head><body><div><p>One \
                    <b>two</b><p>three<table><tr><td>cell</table><script>if (a<b) x()</script>\
                    after</div></body></html>";
        let guarded = parse_now(html).unwrap();
        assert_eq!(guarded.html(), Document::from(html).html());
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let html = format!("{}x{}", "<div>".repeat(20_000), "</div>".repeat(20_000));
        assert_eq!(refusal(&html), Some(Refusal::TooDeep { depth: 20_000 }));
    }

    #[test]
    fn depth_hidden_from_the_scan_is_caught_while_parsing() {
        // The tree builder ignores `</x>`; the scan closes an element for it.
        let html = "<div></x>".repeat(5_000);
        assert!(measure(&html).depth <= MAX_DEPTH);
        let refused = refusal(&html);
        assert!(
            matches!(refused, Some(Refusal::TooDeep { depth }) if depth > MAX_DEPTH),
            "{refused:?}"
        );
    }

    #[test]
    fn formatting_elements_reopened_without_end_are_cut_off() {
        // Distinct attributes defeat the tree builder's "Noah's Ark" clause (three identical
        // formatting elements at most), so all 400 are reopened in every paragraph.
        let bold: String = (0..400).map(|n| format!("<b id={n}>")).collect();
        let html = format!("<div>{bold}</div>{}", "<p>x</p>".repeat(2_000));
        let shape = check(&html).expect("the scan alone does not see it");
        assert!(Document::from(html.as_str()).tree.len() > 3 * shape.markup * 10);
        let refused = refusal(&html);
        assert!(
            matches!(refused, Some(Refusal::TooManyNodes { .. })),
            "{refused:?}"
        );
    }

    #[test]
    fn too_many_elements_and_too_large() {
        let html = "<span>a</span>".repeat(MAX_ELEMENTS + 1);
        assert_eq!(
            refusal(&html),
            Some(Refusal::TooManyElements {
                elements: MAX_ELEMENTS + 1
            })
        );
        let html = "a".repeat(MAX_BYTES + 1);
        assert_eq!(
            refusal(&html),
            Some(Refusal::TooLarge {
                bytes: MAX_BYTES + 1
            })
        );
    }

    #[test]
    fn a_crowded_tag_is_refused_before_parsing() {
        let crowded: String = (0..20_000).map(|n| format!(" a{n}")).collect();
        assert_eq!(
            refusal(&format!("<div{crowded}>x</div>")),
            Some(Refusal::TooManyAttributes { attributes: 20_000 })
        );
    }

    #[test]
    fn deadline_and_cancel_stop_the_parse() {
        let html = "<p>x</p>".repeat(1000);
        assert_eq!(
            parse(&html, Instant::now(), None).err(),
            Some(Refusal::TimedOut)
        );
        let cancel = AtomicBool::new(true);
        assert_eq!(
            parse(&html, Instant::now() + TIME_LIMIT, Some(&cancel)).err(),
            Some(Refusal::Cancelled)
        );
    }
}
