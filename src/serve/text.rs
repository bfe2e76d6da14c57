//! Pure text shaping for the pages: a body cut into paragraphs with its entity mentions as
//! pieces, search snippets with their matches, and which URLs may become links.
//!
//! Nothing here writes HTML: the templates escape every piece, so text from the database never
//! reaches the page unescaped.

use crate::store::LinkedMention;

/// A run of a field's text: plain, or one entity mention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Mention {
        text: &'a str,
        entity_id: i64,
        kind: &'a str,
        entity: &'a str,
    },
}

/// `text` cut into paragraphs (at blank lines), each a list of pieces with the mentions in
/// place. Mentions that overlap an earlier one, fall outside the text or span a paragraph break
/// are left as plain text rather than garbling it. Offsets are in Unicode characters.
pub fn paragraphs<'a>(text: &'a str, mentions: &'a [LinkedMention]) -> Vec<Vec<Piece<'a>>> {
    let mut sorted: Vec<&LinkedMention> = mentions.iter().collect();
    sorted.sort_by_key(|mention| (mention.start, std::cmp::Reverse(mention.end)));
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(offset, _)| offset)
        .chain(std::iter::once(text.len()))
        .collect();
    let chars = bounds.len() - 1;
    let mut pieces = Vec::new();
    let mut done = 0; // in characters
    for mention in sorted {
        if mention.start < done || mention.end > chars || mention.start >= mention.end {
            continue;
        }
        let surface = &text[bounds[mention.start]..bounds[mention.end]];
        if surface.contains("\n\n") {
            continue;
        }
        if mention.start > done {
            pieces.push(Piece::Text(&text[bounds[done]..bounds[mention.start]]));
        }
        pieces.push(Piece::Mention {
            text: surface,
            entity_id: mention.entity_id,
            kind: &mention.kind,
            entity: &mention.entity,
        });
        done = mention.end;
    }
    if done < chars {
        pieces.push(Piece::Text(&text[bounds[done]..]));
    }
    // Cut the plain pieces at blank lines; a mention never holds one (checked above).
    let mut out: Vec<Vec<Piece<'a>>> = vec![Vec::new()];
    for piece in pieces {
        match piece {
            Piece::Text(run) => {
                let mut parts = run.split("\n\n");
                if let Some(first) = parts.next()
                    && !first.is_empty()
                {
                    out.last_mut()
                        .expect("never empty")
                        .push(Piece::Text(first));
                }
                for part in parts {
                    out.push(Vec::new());
                    let part = part.trim_start_matches('\n');
                    if !part.is_empty() {
                        out.last_mut().expect("never empty").push(Piece::Text(part));
                    }
                }
            }
            mention => out.last_mut().expect("never empty").push(mention),
        }
    }
    out.retain(|paragraph| {
        paragraph
            .iter()
            .any(|piece| !matches!(piece, Piece::Text(run) if run.trim().is_empty()))
    });
    out
}

/// A search snippet (`«match»` markers from the `search` query) as (is_match, text) runs.
pub fn snippet_runs(snippet: &str) -> Vec<(bool, &str)> {
    let mut runs = Vec::new();
    let mut rest = snippet;
    while let Some(open) = rest.find('«') {
        let Some(close) = rest[open..].find('»').map(|at| open + at) else {
            break;
        };
        if open > 0 {
            runs.push((false, &rest[..open]));
        }
        let inner = &rest[open + '«'.len_utf8()..close];
        if !inner.is_empty() {
            runs.push((true, inner));
        }
        rest = &rest[close + '»'.len_utf8()..];
    }
    if !rest.is_empty() {
        runs.push((false, rest));
    }
    runs
}

/// `url` when it may be a link: `http` and `https` only, so a stored `javascript:` or `data:`
/// URL shows as text and never runs.
pub fn web_link(url: &str) -> Option<&str> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then_some(url.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mention(start: usize, end: usize, id: i64) -> LinkedMention {
        LinkedMention {
            start,
            end,
            entity_id: id,
            kind: "person".into(),
            entity: format!("E{id}"),
        }
    }

    #[test]
    fn mentions_fall_in_their_paragraphs() {
        let text = "Kim met Putin.\n\nThen Kim left Ünïcode Seoul.";
        // "Seoul" starts after the two-byte characters: offsets count characters.
        let seoul = text.chars().count() - 6;
        let mentions = [
            mention(0, 3, 1),
            mention(8, 13, 2),
            mention(21, 24, 1),
            mention(seoul, seoul + 5, 3),
        ];
        let paragraphs = paragraphs(text, &mentions);
        assert_eq!(paragraphs.len(), 2);
        assert_eq!(
            paragraphs[0],
            [
                Piece::Mention {
                    text: "Kim",
                    entity_id: 1,
                    kind: "person",
                    entity: "E1"
                },
                Piece::Text(" met "),
                Piece::Mention {
                    text: "Putin",
                    entity_id: 2,
                    kind: "person",
                    entity: "E2"
                },
                Piece::Text("."),
            ]
        );
        let last = paragraphs[1].last().unwrap();
        assert_eq!(last, &Piece::Text("."));
        assert!(matches!(
            paragraphs[1][paragraphs[1].len() - 2],
            Piece::Mention { text: "Seoul", .. }
        ));
    }

    #[test]
    fn bad_mentions_are_left_as_text() {
        let text = "ab\n\ncd";
        let mentions = [mention(1, 5, 1), mention(0, 99, 2), mention(1, 1, 3)];
        assert_eq!(
            paragraphs(text, &mentions),
            [vec![Piece::Text("ab")], vec![Piece::Text("cd")]]
        );
        // Overlapping: the longer one starting first wins.
        let mentions = [mention(0, 2, 1), mention(1, 2, 2)];
        assert_eq!(paragraphs(text, &mentions)[0].len(), 1);
    }

    #[test]
    fn snippets_split_at_their_markers() {
        assert_eq!(
            snippet_runs("…the «armored» «train» went"),
            [
                (false, "…the "),
                (true, "armored"),
                (false, " "),
                (true, "train"),
                (false, " went")
            ]
        );
        assert_eq!(snippet_runs("no «close"), [(false, "no «close")]);
    }

    #[test]
    fn only_web_urls_become_links() {
        assert_eq!(
            web_link("https://example.org/a?b=1"),
            Some("https://example.org/a?b=1")
        );
        for bad in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:text/html,x",
            "urn:uuid:1",
            "/relative",
            "",
        ] {
            assert_eq!(web_link(bad), None, "{bad}");
        }
    }
}
