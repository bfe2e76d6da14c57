//! `newsdb search` on PostgreSQL: newsdb's search syntax (FTS5's, as on SQLite) translated to a
//! `tsquery`, ranked with `ts_rank_cd` and shown with `ts_headline`.
//!
//! Translated: words (all must match), `"a phrase"` (`<->`), `prefix*` (`:*`), `AND`, `OR`,
//! `NOT` (`& !`), parentheses, and the columns `title:`, `summary:`, `body:` (the weights A, B
//! and C of `articles.search_document`). `NEAR(...)` has no tsquery form and is refused with a
//! message. Words are lowercased and quoted; the server's parser splits what punctuation they
//! hold as it split the stored text (`'jong-un'`), so a hyphenated name matches as on SQLite.

/// The `to_tsquery('simple', ...)` text for a search query, or why it cannot be translated.
pub fn to_tsquery(query: &str) -> Result<String, String> {
    let tokens = tokenize(query)?;
    let mut out = String::new();
    // Whether the previous token ended an operand (so a following operand needs an `&`).
    let mut after_operand = false;
    let mut pending_not = false;
    let mut depth = 0i32;
    let mut column: Option<char> = None;
    for token in tokens {
        match token {
            Token::Or | Token::And if !after_operand => {
                return Err("an operator lacks its left side".into());
            }
            Token::Or => {
                out.push_str(" | ");
                after_operand = false;
            }
            Token::And => {
                out.push_str(" & ");
                after_operand = false;
            }
            Token::Not => {
                if !after_operand {
                    return Err("NOT needs something before it (a NOT b)".into());
                }
                out.push_str(" & !");
                after_operand = false;
                pending_not = true;
            }
            Token::Open => {
                if after_operand {
                    out.push_str(" & ");
                }
                out.push('(');
                depth += 1;
                after_operand = false;
            }
            Token::Close => {
                if depth == 0 || !after_operand {
                    return Err("unbalanced parentheses".into());
                }
                out.push(')');
                depth -= 1;
            }
            Token::Column(weight) => column = Some(weight),
            Token::Terms { words, prefix } => {
                let words: Vec<String> = words
                    .iter()
                    .filter(|word| word.chars().any(char::is_alphanumeric))
                    .map(|word| quote_word(word))
                    .collect();
                if words.is_empty() {
                    continue;
                }
                if after_operand {
                    out.push_str(" & ");
                }
                let last = words.len() - 1;
                let parts: Vec<String> = words
                    .iter()
                    .enumerate()
                    .map(|(index, word)| {
                        let mut part = word.clone();
                        match (index == last && prefix, column) {
                            (true, Some(weight)) => part.push_str(&format!(":*{weight}")),
                            (true, None) => part.push_str(":*"),
                            (false, Some(weight)) => part.push_str(&format!(":{weight}")),
                            (false, None) => {}
                        }
                        part
                    })
                    .collect();
                if parts.len() > 1 {
                    out.push('(');
                    out.push_str(&parts.join(" <-> "));
                    out.push(')');
                } else {
                    out.push_str(&parts[0]);
                }
                column = None;
                pending_not = false;
                after_operand = true;
            }
        }
    }
    if depth != 0 || pending_not || (!out.is_empty() && !after_operand) {
        return Err(
            "it ends too early (an operator or an opening parenthesis lacks its other \
                    side)"
                .into(),
        );
    }
    if out.is_empty() {
        return Err("the query has no words".into());
    }
    Ok(out)
}

#[derive(Debug, PartialEq)]
enum Token {
    Terms {
        words: Vec<String>,
        prefix: bool,
    },
    And,
    Or,
    Not,
    Open,
    Close,
    /// `title:` (A), `summary:` (B), `body:` (C).
    Column(char),
}

fn tokenize(query: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = query.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' {
            chars.next();
            tokens.push(Token::Open);
        } else if c == ')' {
            chars.next();
            tokens.push(Token::Close);
        } else if c == '"' {
            chars.next();
            let mut phrase = String::new();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        phrase.push('"');
                    }
                    Some('"') => break,
                    Some(c) => phrase.push(c),
                    None => return Err("unbalanced quote (every \" needs a closing \")".into()),
                }
            }
            let prefix = chars.peek() == Some(&'*');
            if prefix {
                chars.next();
            }
            tokens.push(Token::Terms {
                words: phrase.split_whitespace().map(str::to_owned).collect(),
                prefix,
            });
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || matches!(c, '(' | ')' | '"') {
                    break;
                }
                word.push(c);
                chars.next();
            }
            if let Some((name, rest)) = word.split_once(':') {
                tokens.push(Token::Column(match name {
                    "title" => 'A',
                    "summary" => 'B',
                    "body" => 'C',
                    other => {
                        return Err(format!(
                            "`{other}` reads as a column name (only title:, summary: and body: \
                             exist)"
                        ));
                    }
                }));
                if rest.is_empty() {
                    continue;
                }
                word = rest.to_owned();
            }
            match word.as_str() {
                "AND" => tokens.push(Token::And),
                "OR" => tokens.push(Token::Or),
                "NOT" => tokens.push(Token::Not),
                "NEAR" => {
                    return Err("NEAR(...) is not available on PostgreSQL; use a phrase".into());
                }
                _ if word.starts_with('*') => {
                    return Err("a query cannot start with `*`".into());
                }
                _ => {
                    let prefix = word.ends_with('*');
                    let word = word.trim_end_matches('*').to_owned();
                    tokens.push(Token::Terms {
                        words: vec![word],
                        prefix,
                    });
                }
            }
        }
    }
    Ok(tokens)
}

/// A word as a quoted tsquery operand. Punctuation inside it is left to the server's parser,
/// which splits `jong-un` or `kim's` exactly as it did the stored text, so that positions agree.
fn quote_word(word: &str) -> String {
    let escaped = word
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('\'', "''");
    format!("'{escaped}'")
}

/// The ranked search, as the built-in `search` query on SQLite: the same columns, `score` from
/// `ts_rank_cd` with title, summary and body weighted 5 : 2 : 1, `snippet` about 12 words around
/// the matches, marked «like this», on one line. Parameters: `:query` (a tsquery text from
/// [`to_tsquery`]) and `:limit`.
#[cfg(test)]
mod tests {
    use super::to_tsquery;

    #[test]
    fn search_syntax_becomes_tsquery() {
        for (query, expected) in [
            ("armored train", "'armored' & 'train'"),
            ("\"armored train\"", "('armored' <-> 'train')"),
            ("sanction*", "'sanction':*"),
            ("kim OR putin", "'kim' | 'putin'"),
            ("summit NOT moscow", "'summit' & !'moscow'"),
            ("title:summit", "'summit':A"),
            ("(kim OR putin) AND summit", "('kim' | 'putin') & 'summit'"),
            ("\"Kim Jong-un\"", "('kim' <-> 'jong-un')"),
            ("Kim's", "'kim''s'"),
        ] {
            assert_eq!(to_tsquery(query).as_deref(), Ok(expected), "{query}");
        }
    }

    #[test]
    fn bad_queries_are_explained() {
        for (query, expected) in [
            ("\"armored train", "unbalanced quote"),
            ("train AND", "ends too early"),
            ("NEAR(a b)", "NEAR"),
            ("OR train", "left side"),
            ("(train", "ends too early"),
            ("un: train", "column name"),
        ] {
            let error = to_tsquery(query).unwrap_err();
            assert!(error.contains(expected), "{query}: {error}");
        }
    }
}
