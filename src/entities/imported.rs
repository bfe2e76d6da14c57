//! Entities that arrive with a record (`entities: [{"name", "kind", "mentions": [...]}]`):
//! checked against the article's clean text and turned into mentions with method `import`.

use crate::item::ImportedEntity;

use super::{ArticleText, EntityKind, Field, Mention, Method, entity_key, strip_possessive};

/// The mentions a record's own entity annotations give, or the first problem found, as
/// `entities[i].mentions[j]: reason`. Offsets count Unicode characters of the stored field.
pub fn mentions_from_record(
    entities: &[ImportedEntity],
    text: ArticleText<'_>,
) -> Result<Vec<Mention>, String> {
    if entities.is_empty() {
        return Ok(Vec::new());
    }
    // Indexed by `field as usize`: `Field::ALL` is in declaration order.
    let chars = Field::ALL.map(|field| text.field(field).chars().collect::<Vec<char>>());
    let mut mentions = Vec::new();
    for (i, entity) in entities.iter().enumerate() {
        let name = entity.name.trim();
        if name.is_empty() {
            return Err(format!("entities[{i}]: the name is empty"));
        }
        let kind = EntityKind::from_name(&entity.kind.to_ascii_lowercase()).ok_or_else(|| {
            format!(
                "entities[{i}]: unknown kind `{}` (expected person, organization, location or other)",
                entity.kind
            )
        })?;
        for (j, mention) in entity.mentions.iter().enumerate() {
            let at = |reason: String| format!("entities[{i}].mentions[{j}]: {reason}");
            let field = Field::from_name(&mention.field).ok_or_else(|| {
                at(format!(
                    "unknown field `{}` (expected title, summary or body)",
                    mention.field
                ))
            })?;
            let text = &chars[field as usize];
            if mention.start >= mention.end {
                return Err(at(format!(
                    "start {} must be before end {}",
                    mention.start, mention.end
                )));
            }
            if mention.end > text.len() {
                return Err(at(format!(
                    "end {} is beyond the {} ({} characters)",
                    mention.end,
                    field.name(),
                    text.len()
                )));
            }
            let surface: String = text[mention.start..mention.end].iter().collect();
            if surface.trim().is_empty() || surface.trim() != surface {
                return Err(at(format!(
                    "the span {}..{} is `{surface}`, not a name",
                    mention.start, mention.end
                )));
            }
            mentions.push(Mention {
                field,
                start: mention.start,
                end: mention.end,
                sentence: sentence_of(&text[..mention.start]),
                surface,
                kind,
                name: name.to_owned(),
                key: entity_key(name),
                method: Method::Import,
                confidence: 1.0,
            });
        }
    }
    Ok(mentions)
}

/// The sentence number (from 0) at the end of `before`: sentence ends are `.`, `!` or `?`
/// followed by whitespace, and paragraph breaks.
fn sentence_of(before: &[char]) -> u32 {
    let mut sentence = 0;
    for pair in before.windows(2) {
        let ends = matches!(pair[0], '.' | '!' | '?') && pair[1].is_whitespace();
        let paragraph = pair[0] == '\n' && pair[1] == '\n';
        if ends || paragraph {
            sentence += 1;
        }
    }
    sentence
}

/// The alias to record for a surface: as written, without a possessive ("Kim's" -> "Kim").
pub fn alias_text(surface: &str) -> &str {
    strip_possessive(surface)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::ImportedMention;

    fn entity(name: &str, kind: &str, spans: &[(&str, usize, usize)]) -> ImportedEntity {
        ImportedEntity {
            name: name.into(),
            kind: kind.into(),
            mentions: spans
                .iter()
                .map(|&(field, start, end)| ImportedMention {
                    field: field.into(),
                    start,
                    end,
                })
                .collect(),
        }
    }

    #[test]
    fn offsets_in_characters_become_mentions() {
        let body = "Señor Kim met Putin. Then Kim left.";
        let mentions = mentions_from_record(
            &[entity(
                "Kim Jong Un",
                "person",
                &[("body", 6, 9), ("body", 26, 29)],
            )],
            ArticleText {
                title: Some("Kim in Moscow"),
                ..ArticleText::body(body)
            },
        )
        .unwrap();
        assert_eq!(mentions.len(), 2);
        assert_eq!(mentions[0].surface, "Kim");
        assert_eq!(mentions[0].key, "kim jong un");
        assert_eq!(mentions[0].method, Method::Import);
        assert_eq!((mentions[0].sentence, mentions[1].sentence), (0, 1));
    }

    #[test]
    fn problems_are_located() {
        let body = "Kim met Putin.";
        let error = |entities: &[ImportedEntity]| {
            mentions_from_record(entities, ArticleText::body(body)).unwrap_err()
        };
        assert_eq!(
            error(&[entity("Kim", "person", &[("body", 0, 99)])]),
            "entities[0].mentions[0]: end 99 is beyond the body (14 characters)"
        );
        assert!(error(&[entity("Kim", "martian", &[])]).starts_with("entities[0]: unknown kind"));
        assert!(
            error(&[
                entity("A", "person", &[]),
                entity("B", "person", &[("lede", 0, 1)])
            ])
            .starts_with("entities[1].mentions[0]: unknown field")
        );
        assert!(error(&[entity("Kim", "person", &[("body", 3, 3)])]).contains("before end"));
        assert!(error(&[entity("Kim", "person", &[("body", 3, 5)])]).contains("not a name"));
        assert!(error(&[entity("Kim", "person", &[("title", 0, 1)])]).contains("beyond the title"));
    }

    #[test]
    fn summary_offsets_count_in_the_summary() {
        let text = ArticleText {
            title: Some("Talks"),
            summary: Some("Señor Kim arrived."),
            body: "Kim met Putin.",
        };
        let mentions =
            mentions_from_record(&[entity("Kim", "person", &[("summary", 6, 9)])], text).unwrap();
        assert_eq!(mentions[0].field, Field::Summary);
        assert_eq!(mentions[0].surface, "Kim");
        let error = mentions_from_record(
            &[entity("Kim", "person", &[("summary", 0, 3)])],
            ArticleText::body("Kim met Putin."),
        )
        .unwrap_err();
        assert_eq!(
            error,
            "entities[0].mentions[0]: end 3 is beyond the summary (0 characters)"
        );
    }

    #[test]
    fn possessives_are_not_part_of_the_alias() {
        assert_eq!(alias_text("Kim's"), "Kim");
        assert_eq!(alias_text("Russia’s"), "Russia");
        assert_eq!(alias_text("Paris"), "Paris");
    }
}
