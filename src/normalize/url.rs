//! The one URL canonicaliser: the form an article URL is stored and compared in; and the one
//! place that strips credentials (`user:password@`) from URLs before they are stored or shown.

use std::borrow::Cow;

use url::Url;

/// Query parameters that only track the reader, never select content (compared lowercase).
const TRACKING_PARAMS: &[&str] = &[
    "_ga",
    "at_campaign",
    "at_medium",
    "_gl",
    "_hsenc",
    "_hsmi",
    "__hsfp",
    "__hssc",
    "__hstc",
    "cmpid",
    "dclid",
    "fbclid",
    "gbraid",
    "gclid",
    "gclsrc",
    "hsctatracking",
    "igshid",
    "li_fat_id",
    "mc_cid",
    "mc_eid",
    "mkt_tok",
    "msclkid",
    "ocid",
    "oly_anon_id",
    "oly_enc_id",
    "rb_clickid",
    "ref_src",
    "ref_url",
    "s_cid",
    "smid",
    "twclid",
    "ttclid",
    "vero_id",
    "wbraid",
    "wt.mc_id",
    "yclid",
];

/// Query parameter prefixes that only track the reader.
const TRACKING_PREFIXES: &[&str] = &["utm_", "pk_", "mtm_"];

/// The canonical form of an http(s) URL: scheme and host lowercase, default port, fragment and
/// tracking parameters dropped, the other parameters kept as written and in order, an empty query
/// removed. `None` for anything that is not an absolute http or https URL.
pub fn canonicalize(raw: &str) -> Option<String> {
    let mut url = Url::parse(raw.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return None;
    }
    // The url crate lowercases scheme and host and drops default ports when parsing.
    url.set_fragment(None);
    // Credentials are never part of what a URL names (and never stored).
    let _ = url.set_password(None);
    let _ = url.set_username("");
    let kept = url.query().map(|query| {
        query
            .split('&')
            .filter(|pair| !pair.is_empty() && !is_tracking_param(pair))
            .collect::<Vec<_>>()
            .join("&")
    });
    match kept {
        Some(query) if !query.is_empty() => url.set_query(Some(&query)),
        _ => url.set_query(None),
    }
    Some(url.into())
}

fn is_tracking_param(pair: &str) -> bool {
    let name = pair.split('=').next().unwrap_or(pair).to_ascii_lowercase();
    TRACKING_PARAMS.contains(&name.as_str())
        || TRACKING_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
}

/// The host of a URL without a leading "www.", lowercase: a source's second identity. Accepts a
/// bare host name ("koreaherald.com") too.
pub fn domain(url: &str) -> Option<String> {
    let url = url.trim();
    let parsed = match Url::parse(url) {
        Ok(parsed) => parsed,
        Err(url::ParseError::RelativeUrlWithoutBase) if !url.contains(char::is_whitespace) => {
            Url::parse(&format!("http://{url}")).ok()?
        }
        Err(_) => return None,
    };
    let host = parsed.host_str()?.trim_end_matches('.');
    let host = host.strip_prefix("www.").unwrap_or(host);
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// `text` with the credentials of every URL in it removed: `https://user:pass@host/x` becomes
/// `https://host/x`. Works on a bare URL, a file path (left alone) or a whole command line, so
/// that origins, `imports.command` and messages never carry a password.
pub fn without_credentials(text: &str) -> Cow<'_, str> {
    let mut changed = false;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(found) = rest.find("://") {
        let authority_start = found + 3;
        out.push_str(&rest[..authority_start]);
        let after = &rest[authority_start..];
        // The authority ends at the path, query or fragment, or at the end of the word.
        let authority_len = after
            .find(|c: char| matches!(c, '/' | '?' | '#' | '\\') || c.is_whitespace())
            .unwrap_or(after.len());
        let authority = &after[..authority_len];
        // The host follows the last '@': a password may itself contain an unescaped '@'.
        match authority.rfind('@') {
            Some(at) => {
                out.push_str(&authority[at + 1..]);
                changed = true;
            }
            None => out.push_str(authority),
        }
        rest = &after[authority_len..];
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_scheme_and_host_keeps_path_case() {
        assert_eq!(
            canonicalize("HTTPS://WWW.Example.COM/News/Story.html").as_deref(),
            Some("https://www.example.com/News/Story.html")
        );
    }

    #[test]
    fn drops_default_ports_and_fragments() {
        assert_eq!(
            canonicalize("http://a.com:80/x#top").as_deref(),
            Some("http://a.com/x")
        );
        assert_eq!(
            canonicalize("https://a.com:443/").as_deref(),
            Some("https://a.com/")
        );
        assert_eq!(
            canonicalize("https://a.com:8443/x").as_deref(),
            Some("https://a.com:8443/x")
        );
    }

    #[test]
    fn drops_tracking_params_keeps_the_rest_in_order() {
        assert_eq!(
            canonicalize("https://a.com/s?id=7&utm_source=rss&UTM_Medium=x&fbclid=1&b=a%20b&gclid=2&mc_cid=3&mc_eid=4&_ga=5&igshid=6&ref_src=twsrc&dclid=8&msclkid=9&page=2#c")
                .as_deref(),
            Some("https://a.com/s?id=7&b=a%20b&page=2")
        );
    }

    #[test]
    fn removes_empty_queries() {
        assert_eq!(
            canonicalize("https://a.com/s?").as_deref(),
            Some("https://a.com/s")
        );
        assert_eq!(
            canonicalize("https://a.com/s?utm_source=x").as_deref(),
            Some("https://a.com/s")
        );
        assert_eq!(
            canonicalize("https://a.com/s?&&a=1&").as_deref(),
            Some("https://a.com/s?a=1")
        );
    }

    #[test]
    fn rejects_non_http_and_non_urls() {
        for raw in [
            "",
            "not a url",
            "ftp://a.com/x",
            "mailto:a@b.com",
            "/relative/path",
            "www.a.com/x",
            "javascript:alert(1)",
        ] {
            assert_eq!(canonicalize(raw), None, "{raw}");
        }
        assert_eq!(
            canonicalize("  https://a.com/x  ").as_deref(),
            Some("https://a.com/x")
        );
    }

    #[test]
    fn domains_drop_www() {
        assert_eq!(
            domain("https://www.KoreaHerald.com/view.php?ud=1").as_deref(),
            Some("koreaherald.com")
        );
        assert_eq!(
            domain("https://edition.cnn.com/x").as_deref(),
            Some("edition.cnn.com")
        );
        assert_eq!(
            domain("koreaherald.com").as_deref(),
            Some("koreaherald.com")
        );
        assert_eq!(domain("not a url"), None);
    }

    #[test]
    fn credentials_are_stripped_from_urls_and_command_lines() {
        for (raw, clean) in [
            (
                "https://user:pass@example.com/feed",
                "https://example.com/feed",
            ),
            (
                "http://user@example.com:8080/a?b=c",
                "http://example.com:8080/a?b=c",
            ),
            ("https://u:p%40ss@example.com", "https://example.com"),
            ("https://u:p@ss@example.com/x@y", "https://example.com/x@y"),
            ("HTTPS://U:P@Example.com#frag", "HTTPS://Example.com#frag"),
            (
                "newsdb import https://a:b@one.example/x ./local.xml http://c:d@two.example",
                "newsdb import https://one.example/x ./local.xml http://two.example",
            ),
            ("feeds/local.xml", "feeds/local.xml"),
            ("https://example.com/a@b", "https://example.com/a@b"),
            ("mailto:someone@example.com", "mailto:someone@example.com"),
        ] {
            assert_eq!(without_credentials(raw), clean, "{raw}");
        }
    }

    #[test]
    fn canonical_urls_carry_no_credentials() {
        assert_eq!(
            canonicalize("https://user:secret@example.com/story").as_deref(),
            Some("https://example.com/story")
        );
    }
}
