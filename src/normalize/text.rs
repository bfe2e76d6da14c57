//! Text cleaning: markup to text, Unicode NFC, line breaks, spaces, paragraphs.
//!
//! Every body goes through [`clean_lines`] (directly, or after [`html_to_lines`]), which leaves
//! clean lines with paragraphs separated by one blank line. Boilerplate and credit rules then work
//! on those lines ([`paragraphs`]) before [`join_paragraphs`] makes the final body: one paragraph
//! per block, a single line break inside a paragraph read as a space, as a browser would.

mod flat;

use std::time::Instant;

use dom_query::{NodeData, NodeRef};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::html_guard::{self, Refusal};
use crate::normalize::hash::is_invisible;

/// A body as paragraphs of lines, borrowed from the output of [`clean_lines`].
pub type Paragraphs<'a> = Vec<Vec<&'a str>>;

/// Plain text to a clean body: NFC, CRLF/CR to LF, zero-width and control characters removed,
/// space runs (tabs and NBSP included) to one space, lines trimmed, a single line break inside a
/// paragraph read as a space, paragraphs joined by exactly one blank line.
pub fn clean_text(text: &str) -> String {
    join_paragraphs(&paragraphs(&clean_lines(text)))
}

/// A one-line string (a title, a name): NFC, every whitespace run to one space, invisible
/// characters removed, trimmed. Markup is not touched; decode it first if there is any.
pub fn clean_line(text: &str) -> String {
    let text = nfc(text);
    let mut line = String::with_capacity(text.len());
    let mut pending_space = false;
    for ch in text.chars() {
        if ch.is_whitespace() {
            pending_space = true;
        } else if !is_invisible(ch) {
            if pending_space && !line.is_empty() {
                line.push(' ');
            }
            pending_space = false;
            line.push(ch);
        }
    }
    line
}

/// Like [`clean_text`] but keeps the lines: each line cleaned and trimmed, lines separated by
/// `\n`, paragraphs by exactly one blank line, no blank line at either end.
pub fn clean_lines(text: &str) -> String {
    let text = nfc(text);
    let mut out = String::with_capacity(text.len());
    // Line breaks and spaces seen since the last visible character: emitted lazily, so that
    // trailing spaces, blank-line runs and leading or trailing blank lines cost nothing.
    let mut breaks = 0u32;
    let mut pending_space = false;
    let mut after_cr = false;
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        // Most text is runs of printable ASCII between single spaces: copy each run whole.
        if is_visible_ascii(bytes[at]) {
            let start = at;
            while at < bytes.len() && is_visible_ascii(bytes[at]) {
                at += 1;
            }
            emit_separator(&mut out, &mut breaks, &mut pending_space);
            out.push_str(&text[start..at]);
            after_cr = false;
            continue;
        }
        let ch = text[at..].chars().next().expect("at is a char boundary");
        at += ch.len_utf8();
        let was_cr = std::mem::replace(&mut after_cr, ch == '\r');
        match ch {
            '\n' if was_cr => {}
            '\r' | '\n' | '\u{000B}' | '\u{000C}' | '\u{0085}' | '\u{2028}' => {
                breaks += 1;
                pending_space = false;
            }
            '\u{2029}' => {
                breaks += 2;
                pending_space = false;
            }
            _ if ch.is_whitespace() => pending_space = true,
            _ if is_invisible(ch) => {}
            _ => {
                emit_separator(&mut out, &mut breaks, &mut pending_space);
                out.push(ch);
            }
        }
    }
    out
}

/// Printable ASCII other than the space.
fn is_visible_ascii(byte: u8) -> bool {
    (0x21..0x7F).contains(&byte)
}

/// Before a visible character: the space, line break or paragraph break seen since the last one.
fn emit_separator(out: &mut String, breaks: &mut u32, pending_space: &mut bool) {
    if !out.is_empty() {
        match *breaks {
            0 if *pending_space => out.push(' '),
            0 => {}
            1 => out.push('\n'),
            _ => out.push_str("\n\n"),
        }
    }
    *breaks = 0;
    *pending_space = false;
}

/// Splits the output of [`clean_lines`] into paragraphs of lines.
pub fn paragraphs(lines: &str) -> Paragraphs<'_> {
    if lines.is_empty() {
        return Vec::new();
    }
    lines
        .split("\n\n")
        .map(|paragraph| paragraph.split('\n').collect())
        .collect()
}

/// The final body: lines of a paragraph joined by a space, paragraphs by one blank line. Empty
/// paragraphs (every line removed) are skipped.
pub fn join_paragraphs(paragraphs: &Paragraphs<'_>) -> String {
    let size = paragraphs.iter().flatten().map(|line| line.len() + 2).sum();
    let mut body = String::with_capacity(size);
    for paragraph in paragraphs.iter().filter(|lines| !lines.is_empty()) {
        if !body.is_empty() {
            body.push_str("\n\n");
        }
        for (index, line) in paragraph.iter().enumerate() {
            if index > 0 {
                body.push(' ');
            }
            body.push_str(line);
        }
    }
    body
}

fn nfc(text: &str) -> std::borrow::Cow<'_, str> {
    if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.nfc().collect())
    }
}

/// What markup a string carries, for `Markup::Detect` and titles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HtmlKind {
    /// Plain text.
    None,
    /// Character references (`&rsquo;`, `&#8217;`) but no tags: decode them, keep the lines.
    EntitiesOnly,
    /// Tags: parse as HTML.
    Markup,
}

/// Tags that only HTML writes; `<` followed by one of these is not prose.
const HTML_TAG_NAMES: &[&str] = &[
    "a",
    "abbr",
    "article",
    "aside",
    "b",
    "blockquote",
    "body",
    "br",
    "caption",
    "cite",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "i",
    "iframe",
    "img",
    "li",
    "main",
    "meta",
    "nav",
    "ol",
    "p",
    "picture",
    "pre",
    "q",
    "s",
    "script",
    "section",
    "small",
    "source",
    "span",
    "strong",
    "style",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "time",
    "tr",
    "u",
    "ul",
    "video",
];

/// True when `text` has HTML tags (`<p>`, `<br/>`, `</div>`, `<!--`) or character references
/// (`&rsquo;`, `&amp;`, `&#160;`).
pub fn looks_like_html(text: &str) -> bool {
    html_kind(text) != HtmlKind::None
}

/// Classifies `text` as plain, entity-encoded or marked up, scanning only at `<` and `&`.
pub fn html_kind(text: &str) -> HtmlKind {
    let bytes = text.as_bytes();
    let mut kind = HtmlKind::None;
    let mut at = 0;
    while let Some(offset) = bytes[at..].iter().position(|&b| b == b'<' || b == b'&') {
        let start = at + offset;
        let rest = &bytes[start + 1..];
        if bytes[start] == b'<' {
            if is_tag_start(rest) {
                return HtmlKind::Markup;
            }
        } else if kind == HtmlKind::None && is_character_reference(rest) {
            kind = HtmlKind::EntitiesOnly;
        }
        at = start + 1;
    }
    kind
}

/// `rest` follows a `<`: a known tag name (optionally closing) then `>`, `/` or whitespace, or a
/// comment or doctype.
fn is_tag_start(rest: &[u8]) -> bool {
    if rest.starts_with(b"!--") || rest.len() >= 8 && rest[..8].eq_ignore_ascii_case(b"!doctype") {
        return true;
    }
    let rest = rest.strip_prefix(b"/").unwrap_or(rest);
    let name_len = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if name_len == 0 || name_len > 10 {
        return false;
    }
    let terminated = matches!(
        rest.get(name_len),
        Some(b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r')
    );
    terminated
        && HTML_TAG_NAMES
            .iter()
            .any(|tag| tag.as_bytes().eq_ignore_ascii_case(&rest[..name_len]))
}

/// `rest` follows a `&`: `name;`, `#123;` or `#x1F;`.
fn is_character_reference(rest: &[u8]) -> bool {
    let (digits, valid): (&[u8], fn(&u8) -> bool) = match rest {
        [b'#', b'x' | b'X', digits @ ..] => (digits, u8::is_ascii_hexdigit),
        [b'#', digits @ ..] => (digits, u8::is_ascii_digit),
        _ => (rest, u8::is_ascii_alphanumeric),
    };
    let len = digits.iter().take(32).take_while(|b| valid(b)).count();
    let long_enough = if rest.first() == Some(&b'#') {
        len >= 1
    } else {
        len >= 2 && digits[0].is_ascii_alphabetic()
    };
    long_enough && digits.get(len) == Some(&b';')
}

/// HTML (a fragment or a whole page) to a clean body: see [`html_to_lines`].
pub fn html_to_text(html: &str) -> String {
    join_paragraphs(&paragraphs(&html_to_lines(html)))
}

/// Character references decoded in text that has no tags, keeping its line breaks.
pub fn decode_entities_to_lines(text: &str) -> String {
    read_entities(text).lines
}

/// [`decode_entities_to_lines`], telling when the text was too large to parse (see [`read_html`]).
pub fn read_entities(text: &str) -> HtmlLines {
    // Inside <pre> the parser keeps line breaks and still decodes references.
    read_html(&format!("<pre>\n{text}</pre>"))
}

/// HTML to clean lines (see [`clean_lines`]): non-content elements dropped (scripts, styles,
/// navigation, asides, headers, footers, forms, embeds, and share/related/social/newsletter/comment
/// blocks by class, id or role), block elements make paragraphs, `<br>` a line break, source
/// whitespace collapsed as a browser would, entities decoded. See [`read_html`].
pub fn html_to_lines(html: &str) -> String {
    read_html(html).lines
}

/// HTML read into clean lines, and whether it had to be read flat.
#[derive(Debug, PartialEq, Eq)]
pub struct HtmlLines {
    pub lines: String,
    /// Why the HTML guards refused to build a tree: the text was then read from the tags and
    /// text in order, without their nesting ([`flat`]), which costs time linear in the input.
    pub flattened: Option<Refusal>,
}

/// [`html_to_lines`], telling when the HTML was too hostile to parse into a tree (too deep, too
/// many elements, a formatting-element bomb, too slow: see [`html_guard`]) and was read flat.
pub fn read_html(html: &str) -> HtmlLines {
    match html_guard::parse(html, Instant::now() + html_guard::TIME_LIMIT, None) {
        Ok(document) => HtmlLines {
            lines: tree_to_lines(&document, html.len() / 2),
            flattened: None,
        },
        Err(refusal) => HtmlLines {
            lines: clean_lines(&flat::flat_text(html)),
            flattened: Some(refusal),
        },
    }
}

fn tree_to_lines(document: &dom_query::Document, capacity: usize) -> String {
    let mut raw = String::with_capacity(capacity);
    let mut stack = vec![Step::Visit(document.root())];
    let mut pre_depth = 0u32;
    while let Some(step) = stack.pop() {
        let node = match step {
            Step::Visit(node) => node,
            Step::Close(close) => {
                match close {
                    Close::Block => raw.push_str("\n\n"),
                    Close::Cell => raw.push(' '),
                    Close::Row => raw.push('\n'),
                    Close::Pre => {
                        pre_depth -= 1;
                        raw.push_str("\n\n");
                    }
                }
                continue;
            }
        };
        let role = node.query_or(Role::Skip, |tree_node| match &tree_node.data {
            NodeData::Text { contents } => {
                push_html_text(&mut raw, contents, pre_depth > 0);
                Role::Skip
            }
            NodeData::Element(element) => {
                let attribute = |name: &str| {
                    element
                        .attrs
                        .iter()
                        .find(|attr| &*attr.name.local == name)
                        .map(|attr| &*attr.value)
                };
                element_role(&element.name.local, attribute)
            }
            NodeData::Document | NodeData::Fragment => Role::Inline,
            _ => Role::Skip,
        });
        let close = match role {
            Role::Skip => continue,
            Role::LineBreak => {
                raw.push('\n');
                continue;
            }
            Role::Inline => None,
            Role::Block => Some(Close::Block),
            Role::Cell => Some(Close::Cell),
            Role::Row => Some(Close::Row),
            Role::Pre => {
                pre_depth += 1;
                Some(Close::Pre)
            }
        };
        if let Some(close) = close {
            match close {
                Close::Block | Close::Pre => raw.push_str("\n\n"),
                // Rows end with a line break; opening one would double it into a paragraph.
                Close::Row | Close::Cell => {}
            }
            stack.push(Step::Close(close));
        }
        stack.extend(node.children_it(true).map(Step::Visit));
    }
    clean_lines(&raw)
}

enum Step<'a> {
    Visit(NodeRef<'a>),
    Close(Close),
}

#[derive(Clone, Copy)]
enum Close {
    Block,
    Cell,
    Row,
    Pre,
}

#[derive(Clone, Copy)]
enum Role {
    Skip,
    Inline,
    Block,
    LineBreak,
    Cell,
    Row,
    Pre,
}

/// Elements that never hold article text.
const DROPPED_ELEMENTS: &[&str] = &[
    "aside", "audio", "button", "canvas", "dialog", "embed", "footer", "form", "head", "header",
    "iframe", "input", "menu", "nav", "noscript", "object", "script", "select", "style", "svg",
    "template", "textarea", "title", "video",
];

/// Elements that start and end a paragraph.
const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "main",
    "ol",
    "p",
    "section",
    "summary",
    "table",
    "ul",
];

/// Words of a class or id (split at `-`, `_` and spaces) that mark a non-content block.
const NOISE_CLASS_WORDS: &[&str] = &[
    "advert",
    "advertisement",
    "breadcrumb",
    "breadcrumbs",
    "comment",
    "comments",
    "cookie",
    "cookies",
    "newsletter",
    "outbrain",
    "popup",
    "promo",
    "recommended",
    "related",
    "share",
    "sharing",
    "sidebar",
    "social",
    "subscribe",
    "taboola",
];

/// Class-word prefixes for camelCase names such as `shareButtons` or `relatedStories`.
const NOISE_CLASS_PREFIXES: &[&str] = &["newsletter", "related", "share", "social"];

/// ARIA roles of non-content landmarks.
const NOISE_ROLES: &[&str] = &[
    "banner",
    "complementary",
    "contentinfo",
    "dialog",
    "navigation",
    "search",
];

/// Elements kept whatever their class says: a page's `<body class="has-related-posts">` is still
/// the page.
const NEVER_DROPPED_BY_CLASS: &[&str] = &["html", "body", "main", "article"];

fn element_role<'v>(name: &str, attribute: impl Fn(&str) -> Option<&'v str>) -> Role {
    if DROPPED_ELEMENTS.contains(&name) {
        return Role::Skip;
    }
    if !NEVER_DROPPED_BY_CLASS.contains(&name) && is_noise_block(attribute) {
        return Role::Skip;
    }
    match name {
        "br" => Role::LineBreak,
        "td" | "th" => Role::Cell,
        "tr" => Role::Row,
        "pre" => Role::Pre,
        _ if BLOCK_ELEMENTS.contains(&name) => Role::Block,
        _ => Role::Inline,
    }
}

fn is_noise_block<'v>(attribute: impl Fn(&str) -> Option<&'v str>) -> bool {
    if attribute("hidden").is_some() || attribute("aria-hidden") == Some("true") {
        return true;
    }
    if let Some(role) = attribute("role")
        && NOISE_ROLES.contains(&role.trim().to_ascii_lowercase().as_str())
    {
        return true;
    }
    ["class", "id"]
        .into_iter()
        .filter_map(attribute)
        .flat_map(|value| value.split(|c: char| c == '-' || c == '_' || c.is_whitespace()))
        .filter(|word| !word.is_empty())
        .any(|word| {
            NOISE_CLASS_WORDS.contains(&word.to_ascii_lowercase().as_str())
                || NOISE_CLASS_PREFIXES
                    .iter()
                    .any(|prefix| starts_camel_case_word(word, prefix))
        })
}

/// `shareButtons` starts with the word "share"; `shared` does not.
fn starts_camel_case_word(word: &str, prefix: &str) -> bool {
    let bytes = word.as_bytes();
    bytes.len() > prefix.len()
        && bytes[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
        && bytes[prefix.len()].is_ascii_uppercase()
}

/// A text node's contents: outside `<pre>` source line breaks are only spaces.
fn push_html_text(raw: &mut String, contents: &str, preformatted: bool) {
    if preformatted {
        raw.push_str(contents);
        return;
    }
    raw.extend(contents.chars().map(|ch| match ch {
        '\n' | '\r' | '\t' | '\u{000C}' => ' ',
        _ => ch,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_normalises_line_endings_and_paragraphs() {
        let text = "\r\n  First  line\r\ncontinues\there.\r\n\r\n\r\n \u{00A0}\r\nSecond\u{00A0}\u{00A0}para.\rThird line\n\n";
        assert_eq!(
            clean_text(text),
            "First line continues here.\n\nSecond para. Third line"
        );
    }

    #[test]
    fn clean_text_applies_nfc_and_drops_invisible_characters() {
        assert_eq!(clean_text("cafe\u{0301}"), "caf\u{00E9}");
        assert_eq!(clean_text("a\u{200B}b\u{FEFF}c\u{0007}d"), "abcd");
        // A line holding only invisible characters is blank.
        assert_eq!(clean_text("a\n\u{200B}\nb"), "a\n\nb");
    }

    #[test]
    fn clean_lines_keeps_single_line_breaks() {
        assert_eq!(clean_lines(" a \n b\n\n\n\nc "), "a\nb\n\nc");
        assert_eq!(paragraphs("a\nb\n\nc"), vec![vec!["a", "b"], vec!["c"]]);
        assert!(paragraphs("").is_empty());
    }

    #[test]
    fn clean_line_collapses_everything() {
        assert_eq!(clean_line("  Kim\n Jong\u{00A0}Un \t"), "Kim Jong Un");
    }

    #[test]
    fn looks_like_html_sees_tags_and_entities() {
        for html in [
            "<p>Hi</p>",
            "a<br>b",
            "a<br/>b",
            "<DIV class=x>",
            "Kim&rsquo;s",
            "A &amp; B",
            "A&nbsp;B",
            "&#8217;",
            "&#x2019;",
            "<!-- c -->",
        ] {
            assert!(looks_like_html(html), "{html}");
        }
        for text in [
            "a < b and c > d",
            "AT&T",
            "R&D; more",
            "x<y",
            "Q & A",
            "<3 you",
        ] {
            assert!(!looks_like_html(text), "{text}");
        }
        assert_eq!(html_kind("Kim&rsquo;s"), HtmlKind::EntitiesOnly);
        assert_eq!(html_kind("Kim&rsquo;s <p>x"), HtmlKind::Markup);
    }

    #[test]
    fn html_paragraphs_breaks_and_entities() {
        let html = "<p>Kim&rsquo;s   train\n  left.</p><p>Second<br>line &amp; more</p>\
                    <ul><li>one</li><li>two</li></ul>";
        assert_eq!(
            html_to_text(html),
            "Kim\u{2019}s train left.\n\nSecond line & more\n\none\n\ntwo"
        );
        assert_eq!(
            html_to_lines(html),
            "Kim\u{2019}s train left.\n\nSecond\nline & more\n\none\n\ntwo"
        );
    }

    #[test]
    fn html_drops_non_content_elements() {
        let html = "<html><head><title>T</title><style>p{}</style></head><body>\
            <header>Site</header><nav>Menu</nav><script>var x;</script>\
            <article><h1>Headline</h1><p>Body text.</p>\
            <div class=\"share-buttons\">Share</div><div id=\"related_stories\">Other</div>\
            <section class=\"socialLinks\">f t</section><div role=\"complementary\">Aside</div>\
            <form>Sign up</form><button>Go</button><noscript>JS</noscript></article>\
            <aside>More</aside><footer>(c)</footer></body></html>";
        assert_eq!(html_to_text(html), "Headline\n\nBody text.");
    }

    #[test]
    fn html_keeps_body_with_noisy_class() {
        let html = "<body class=\"single has-related-posts\"><p>Story.</p></body>";
        assert_eq!(html_to_text(html), "Story.");
        let html = "<div class=\"shared-content relatedness\"><p>Story.</p></div><div class=\"RelatedLinks\">x</div>";
        assert_eq!(html_to_text(html), "Story.");
    }

    #[test]
    fn html_tables_and_pre() {
        let html =
            "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table><pre>x\n  y</pre>";
        assert_eq!(html_to_lines(html), "a b\nc\n\nx\ny");
    }

    #[test]
    fn entities_only_text_keeps_its_lines() {
        assert_eq!(
            decode_entities_to_lines("Kim&rsquo;s visit\n\nA &amp; B\nC"),
            "Kim\u{2019}s visit\n\nA & B\nC"
        );
    }
}
