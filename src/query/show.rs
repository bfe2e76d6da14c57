//! `show` helpers: a text with its entity mentions marked. How a reference reads
//! ([`ArticleRef`]) lives with the store, which resolves it.

pub use crate::store::lookup::{ArticleRef, MIN_PREFIX, MentionSpan};

/// `text` with each mention written `[surface](kind)`, or `[surface](kind: Name)` when the
/// surface is not the entity's name (`[Kim's](person: Kim Jong Un)`). Mentions that overlap an
/// earlier one or fall outside the text are left out rather than garbling it.
pub fn mark_mentions(text: &str, mentions: &[MentionSpan]) -> String {
    let mut mentions: Vec<&MentionSpan> = mentions.iter().collect();
    mentions.sort_by_key(|mention| (mention.start, std::cmp::Reverse(mention.end)));
    // Byte offset of every character boundary, the end included.
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(offset, _)| offset)
        .chain(std::iter::once(text.len()))
        .collect();
    let chars = bounds.len() - 1;
    let mut out = String::with_capacity(text.len() + mentions.len() * 16);
    let mut done = 0; // characters already copied
    for mention in mentions {
        if mention.start < done || mention.end > chars || mention.start >= mention.end {
            continue;
        }
        out.push_str(&text[bounds[done]..bounds[mention.start]]);
        let surface = &text[bounds[mention.start]..bounds[mention.end]];
        out.push('[');
        out.push_str(surface);
        out.push_str("](");
        out.push_str(&mention.kind);
        if surface != mention.entity {
            out.push_str(": ");
            out.push_str(&mention.entity);
        }
        out.push(')');
        done = mention.end;
    }
    out.push_str(&text[bounds[done]..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: usize, end: usize, kind: &str, entity: &str) -> MentionSpan {
        MentionSpan {
            start,
            end,
            kind: kind.into(),
            entity: entity.into(),
        }
    }

    #[test]
    fn references() {
        let both = ArticleRef::parse("1234").unwrap();
        assert_eq!(both.id, Some(1234));
        assert_eq!(both.hash_prefix.as_deref(), Some("1234"));
        let id = ArticleRef::parse("12").unwrap();
        assert_eq!((id.id, id.hash_prefix), (Some(12), None));
        let hash = ArticleRef::parse("ABCdef").unwrap();
        assert_eq!(
            (hash.id, hash.hash_prefix.as_deref()),
            (None, Some("abcdef"))
        );
        assert!(ArticleRef::parse("abc").is_err());
        assert!(ArticleRef::parse("xyz12345").is_err());
        assert!(ArticleRef::parse("").is_err());
    }

    #[test]
    fn mentions_are_marked_in_place_by_character_offsets() {
        // "é" is two bytes: offsets count characters.
        let text = "Café talks: Kim met Putin. Kim's train left.";
        let marked = mark_mentions(
            text,
            &[
                span(27, 32, "person", "Kim Jong Un"),
                span(12, 15, "person", "Kim Jong Un"),
                span(20, 25, "person", "Putin"),
                span(21, 23, "other", "overlap"),
                span(40, 99, "other", "past the end"),
            ],
        );
        assert_eq!(
            marked,
            "Café talks: [Kim](person: Kim Jong Un) met [Putin](person). \
             [Kim's](person: Kim Jong Un) train left."
        );
        assert_eq!(mark_mentions("plain", &[]), "plain");
    }
}
