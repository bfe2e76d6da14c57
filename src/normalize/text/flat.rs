//! HTML the guards refuse to build a tree from, read as a flat run of tags and text: the HTML5
//! tokenizer alone, which is linear in its input whatever the nesting, with the same element roles
//! as the tree walk (blocks make paragraphs, `<br>` a line break, non-content elements dropped with
//! what they hold). Without a tree, an element's extent is where its end tag is, so an unclosed
//! element that would be dropped is dropped to the end: only `<head>`, whose end tag is usually
//! left out, is read through (its `title`, `script` and `style` are dropped one by one).

use std::cell::{Cell, RefCell};

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::{LocalName, TokenizerResult, local_name};

use super::{Role, element_role, push_html_text};
use crate::html_guard;

/// The text of `html` before line cleaning, read without building a tree.
pub fn flat_text(html: &str) -> String {
    // Attributes of crowded tags go first: the tokenizer's cost is quadratic in them.
    let html = html_guard::drop_crowded_attributes(html, html_guard::MAX_ATTRIBUTES);
    let tokenizer = Tokenizer::new(FlatText::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from(&*html));
    while !matches!(tokenizer.feed(&input), TokenizerResult::Done) {}
    tokenizer.end();
    tokenizer.sink.raw.take()
}

#[derive(Default)]
struct FlatText {
    raw: RefCell<String>,
    /// The element being dropped, and how many of its kind are open inside it.
    dropping: RefCell<Option<(LocalName, u32)>>,
    pre_depth: Cell<u32>,
}

impl TokenSink for FlatText {
    type Handle = ();

    fn process_token(&self, token: Token, _line_number: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) => self.tag(&tag),
            Token::CharacterTokens(text) if self.dropping.borrow().is_none() => {
                push_html_text(&mut self.raw.borrow_mut(), &text, self.pre_depth.get() > 0);
                TokenSinkResult::Continue
            }
            _ => TokenSinkResult::Continue,
        }
    }
}

impl FlatText {
    fn tag(&self, tag: &Tag) -> TokenSinkResult<()> {
        // Elements whose content is text, not markup, whether it is kept or dropped.
        let content = match (tag.kind, &tag.name) {
            (TagKind::StartTag, &local_name!("script")) => {
                TokenSinkResult::RawData(RawKind::ScriptData)
            }
            (TagKind::StartTag, &local_name!("style"))
            | (TagKind::StartTag, &local_name!("xmp"))
            | (TagKind::StartTag, &local_name!("iframe"))
            | (TagKind::StartTag, &local_name!("noembed"))
            | (TagKind::StartTag, &local_name!("noframes")) => {
                TokenSinkResult::RawData(RawKind::Rawtext)
            }
            (TagKind::StartTag, &local_name!("title"))
            | (TagKind::StartTag, &local_name!("textarea")) => {
                TokenSinkResult::RawData(RawKind::Rcdata)
            }
            _ => TokenSinkResult::Continue,
        };
        let mut dropping = self.dropping.borrow_mut();
        if let Some((name, open)) = dropping.as_mut() {
            if *name == tag.name {
                match tag.kind {
                    TagKind::StartTag if !tag.self_closing => *open += 1,
                    TagKind::StartTag => {}
                    TagKind::EndTag => *open -= 1,
                }
                if *open == 0 {
                    *dropping = None;
                }
            }
            return content;
        }
        let attribute = |name: &str| {
            tag.attrs
                .iter()
                .find(|attr| &*attr.name.local == name)
                .map(|attr| &*attr.value)
        };
        let role = match (tag.kind, &tag.name) {
            (_, &local_name!("head")) => Role::Inline,
            (TagKind::StartTag, name) => element_role(name, attribute),
            // An end tag has no attributes: its role is its name's.
            (TagKind::EndTag, name) => element_role(name, |_| None),
        };
        let mut raw = self.raw.borrow_mut();
        match (tag.kind, role) {
            (TagKind::StartTag, Role::Skip) if !tag.self_closing && !is_void(&tag.name) => {
                *dropping = Some((tag.name.clone(), 1));
            }
            (_, Role::LineBreak) => raw.push('\n'),
            (_, Role::Block) => raw.push_str("\n\n"),
            (TagKind::StartTag, Role::Pre) => {
                self.pre_depth.set(self.pre_depth.get() + 1);
                raw.push_str("\n\n");
            }
            (TagKind::EndTag, Role::Pre) => {
                self.pre_depth.set(self.pre_depth.get().saturating_sub(1));
                raw.push_str("\n\n");
            }
            (TagKind::EndTag, Role::Cell) => raw.push(' '),
            (TagKind::EndTag, Role::Row) => raw.push('\n'),
            _ => {}
        }
        content
    }
}

/// Elements that never have an end tag.
fn is_void(name: &LocalName) -> bool {
    matches!(
        *name,
        local_name!("area")
            | local_name!("base")
            | local_name!("br")
            | local_name!("col")
            | local_name!("embed")
            | local_name!("hr")
            | local_name!("img")
            | local_name!("input")
            | local_name!("link")
            | local_name!("meta")
            | local_name!("source")
            | local_name!("track")
            | local_name!("wbr")
    )
}

#[cfg(test)]
mod tests {
    use super::super::{clean_lines, html_to_lines};
    use super::*;

    fn flat(html: &str) -> String {
        clean_lines(&flat_text(html))
    }

    #[test]
    fn reads_like_the_tree_walk_on_ordinary_html() {
        for html in [
            "<p>Kim&rsquo;s   train\n  left.</p><p>Second<br>line &amp; more</p>",
            "<div><h1>Headline</h1><nav><a>Home</a></nav><p>Body <b>text</b>.</p></div>",
            "<html><head><title>T</title><style>p{}</style></head><body><p>Story.</p>\
             <script>if (a<b) document.write('<p>x</p>')</script></body></html>",
            "<div class=\"share-tools\"><div>Share</div></div><p>Kept</p>",
            "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>",
            "<pre>one\n  two</pre><p>after</p>",
        ] {
            assert_eq!(flat(html), html_to_lines(html), "{html}");
        }
    }

    #[test]
    fn deep_nesting_is_read_in_one_pass() {
        let html = format!(
            "{}deep text{}",
            "<div>".repeat(200_000),
            "</div>".repeat(200_000)
        );
        assert_eq!(flat(&html), "deep text");
    }

    #[test]
    fn crowded_tags_lose_their_attributes() {
        let crowded: String = (0..100_000).map(|n| format!(" a{n}")).collect();
        assert_eq!(
            flat(&format!("<p{crowded}>kept</p><p>too</p>")),
            "kept\n\ntoo"
        );
    }

    #[test]
    fn an_unclosed_dropped_element_drops_the_rest_but_an_unclosed_head_does_not() {
        assert_eq!(flat("<p>a</p><nav><p>b"), "a");
        assert_eq!(
            flat("<head><meta charset=utf-8><title>T</title><p>body"),
            "body"
        );
    }
}
