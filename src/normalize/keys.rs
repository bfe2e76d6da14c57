//! Identity keys for sources and people, so that "The Korea Herald" and "Korea Herald", or
//! "Ji Da-gyum" and "JI DA GYUM", are one row.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

use crate::normalize::article::SourceName;
use crate::normalize::text::clean_line;
use crate::normalize::url;

/// `sources.key`: lowercase, NFKC, apostrophes removed, other punctuation and spaces collapsed
/// to one space, a leading "the " dropped.
pub fn source_key(name: &str) -> String {
    let key = name_key(name);
    match key.strip_prefix("the ") {
        Some(rest) => rest.to_owned(),
        None => key,
    }
}

/// `authors.key`: lowercase, NFKC, apostrophes removed, other punctuation and spaces collapsed.
pub fn person_key(name: &str) -> String {
    name_key(name)
}

/// A source with its key, canonical home URL and domain (from the home URL).
pub fn source_name(name: &str, home_url: Option<&str>) -> SourceName {
    let name = clean_line(name);
    let home_url = home_url.and_then(url::canonicalize);
    SourceName {
        key: source_key(&name),
        domain: home_url.as_deref().and_then(url::domain),
        home_url,
        name,
    }
}

fn name_key(name: &str) -> String {
    let folded;
    let name = if name.is_ascii() || is_nfkc_quick(name.chars()) == IsNormalized::Yes {
        name
    } else {
        folded = name.nfkc().collect::<String>();
        &folded
    };
    let mut key = String::with_capacity(name.len());
    let mut pending_space = false;
    for ch in name.chars() {
        if matches!(ch, '\'' | '\u{2019}' | '\u{02BC}') {
            continue;
        }
        if ch.is_alphanumeric() {
            if pending_space && !key.is_empty() {
                key.push(' ');
            }
            pending_space = false;
            key.extend(ch.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_keys_drop_the_and_punctuation() {
        assert_eq!(source_key("The Korea Herald"), "korea herald");
        assert_eq!(source_key("Korea Herald"), "korea herald");
        assert_eq!(source_key("  THE   KOREA-HERALD. "), "korea herald");
        assert_eq!(source_key("Barron\u{2019}s"), "barrons");
        assert_eq!(source_key("ＣＮＮ"), "cnn");
        assert_eq!(source_key("The"), "the");
        assert_eq!(source_key("Theatre Weekly"), "theatre weekly");
    }

    #[test]
    fn person_keys_keep_every_word() {
        assert_eq!(person_key("Ji Da-gyum"), "ji da gyum");
        assert_eq!(person_key(" JI  DA GYUM "), "ji da gyum");
        assert_eq!(person_key("The Rock"), "the rock");
        assert_eq!(person_key("Conan O'Brien"), "conan obrien");
    }

    #[test]
    fn source_name_builds_the_identity() {
        let source = source_name(
            " The Korea\u{00A0}Herald ",
            Some("HTTPS://www.KoreaHerald.com/?utm_source=x"),
        );
        assert_eq!(source.name, "The Korea Herald");
        assert_eq!(source.key, "korea herald");
        assert_eq!(
            source.home_url.as_deref(),
            Some("https://www.koreaherald.com/")
        );
        assert_eq!(source.domain.as_deref(), Some("koreaherald.com"));
        let bare = source_name("CNN", None);
        assert_eq!((bare.home_url, bare.domain), (None, None));
    }
}
