//! Charset detection and decoding to UTF-8, shared by every parser.
//!
//! Order of evidence, strongest first: a byte-order mark, the HTTP `Content-Type` charset, the XML
//! declaration, an HTML `<meta charset>` / `http-equiv` in the first KiB, then the bytes themselves:
//! valid UTF-8 is UTF-8, anything else is read as windows-1252 (a superset of Latin-1 for printable
//! text, and what undeclared Western feeds almost always are).
//!
//! One exception to trusting a declaration: bytes that are valid UTF-8 *and* contain non-ASCII are
//! read as UTF-8 whatever a header or tag says. Saved pages are re-encoded to UTF-8 by browsers
//! while their old `<meta charset=gb2312>` stays, and servers label UTF-8 as ISO-8859-1 by default;
//! real text in a legacy encoding is almost never valid UTF-8 by accident.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// How the encoding was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    ByteOrderMark,
    HttpHeader,
    XmlDeclaration,
    HtmlMeta,
    /// No declaration (or UTF-8 declared) and the bytes are valid UTF-8.
    ValidUtf8,
    /// The bytes were not valid in the declared or default encoding; windows-1252 was used.
    Fallback,
}

/// Text decoded to UTF-8, with how it was decoded.
#[derive(Debug)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub encoding: &'static Encoding,
    pub evidence: Evidence,
    /// Some bytes could not be decoded and were replaced by U+FFFD.
    pub had_errors: bool,
}

impl Decoded<'_> {
    /// A warning worth printing, when the text was not clean in a declared or valid encoding.
    pub fn warning(&self) -> Option<String> {
        match self.evidence {
            Evidence::Fallback => Some(format!(
                "not valid UTF-8 and no charset declared; decoded as {}",
                self.encoding.name()
            )),
            _ if self.had_errors => Some(format!(
                "bytes invalid in {} were replaced with U+FFFD",
                self.encoding.name()
            )),
            _ => None,
        }
    }
}

/// How far into a document to look for a declaration.
const PRESCAN_BYTES: usize = 1024;

/// Decode `bytes` to UTF-8. `http_content_type` is the `Content-Type` header, when the bytes came
/// over HTTP.
pub fn decode<'a>(bytes: &'a [u8], http_content_type: Option<&str>) -> Decoded<'a> {
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_length..]);
        return Decoded {
            text,
            encoding,
            evidence: Evidence::ByteOrderMark,
            had_errors,
        };
    }
    let declared = http_content_type
        .and_then(charset_parameter)
        .map(|encoding| (encoding, Evidence::HttpHeader))
        .or_else(|| xml_declared_encoding(bytes).map(|e| (e, Evidence::XmlDeclaration)))
        .or_else(|| html_meta_encoding(bytes).map(|e| (e, Evidence::HtmlMeta)));

    // A document cannot declare itself UTF-16 in ASCII (it would not be UTF-16), so a declared
    // UTF-16 without a BOM is a mislabel: trust the bytes instead.
    let declared = declared
        .filter(|(encoding, _)| *encoding != encoding_rs::UTF_16LE)
        .filter(|(encoding, _)| *encoding != encoding_rs::UTF_16BE);

    let mislabelled_utf8 = || !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok();
    match declared {
        Some((encoding, evidence)) if encoding != UTF_8 && !mislabelled_utf8() => {
            let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
            Decoded {
                text,
                encoding,
                evidence,
                had_errors,
            }
        }
        _ => match std::str::from_utf8(bytes) {
            Ok(text) => Decoded {
                text: Cow::Borrowed(text),
                encoding: UTF_8,
                evidence: match declared {
                    Some((encoding, evidence)) if encoding == UTF_8 => evidence,
                    _ => Evidence::ValidUtf8,
                },
                had_errors: false,
            },
            Err(_) => {
                let (text, had_errors) = WINDOWS_1252.decode_without_bom_handling(bytes);
                Decoded {
                    text,
                    encoding: WINDOWS_1252,
                    evidence: Evidence::Fallback,
                    had_errors,
                }
            }
        },
    }
}

/// The `charset=` parameter of a `Content-Type` value.
fn charset_parameter(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        Encoding::for_label(value.trim().trim_matches(['"', '\'']).as_bytes())
    })
}

/// `<?xml version="1.0" encoding="ISO-8859-1"?>`, possibly after blank lines.
fn xml_declared_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(PRESCAN_BYTES)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &head[start..];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    attribute_value(&head[..end], b"encoding").and_then(Encoding::for_label)
}

/// `<meta charset="...">` or `<meta http-equiv="Content-Type" content="...; charset=...">`
/// within the first KiB, as the HTML prescan does.
fn html_meta_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(PRESCAN_BYTES * 4)];
    let lower: Vec<u8> = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(offset) = find(&lower[from..], b"<meta") {
        let start = from + offset;
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |p| start + p);
        let tag = &lower[start..end];
        if let Some(encoding) = attribute_value(tag, b"charset").and_then(Encoding::for_label) {
            return Some(encoding);
        }
        if let Some(content) = attribute_value(tag, b"content")
            && let Some(position) = find(content, b"charset=")
        {
            let label = &content[position + b"charset=".len()..];
            let label_end = label
                .iter()
                .position(|&b| b == b';' || b.is_ascii_whitespace())
                .unwrap_or(label.len());
            if let Some(encoding) = Encoding::for_label(&label[..label_end]) {
                return Some(encoding);
            }
        }
        from = end;
    }
    None
}

/// The value of `name="value"`, `name='value'` or `name=value` inside a tag.
fn attribute_value<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(offset) = find(&tag[from..], name) {
        let start = from + offset;
        from = start + name.len();
        let preceded_by_name_char = start > 0 && is_name_byte(tag[start - 1]);
        let rest = &tag[from..];
        let rest = &rest[rest.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
        if preceded_by_name_char || !rest.starts_with(b"=") {
            continue;
        }
        let rest = &rest[1..];
        let rest = &rest[rest.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
        return match rest.first() {
            Some(&quote @ (b'"' | b'\'')) => {
                let value = &rest[1..];
                let end = value.iter().position(|&b| b == quote)?;
                Some(&value[..end])
            }
            Some(_) => {
                let end = rest
                    .iter()
                    .position(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'/')
                    .unwrap_or(rest.len());
                Some(&rest[..end])
            }
            None => None,
        };
    }
    None
}

fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' || byte == b':'
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_utf8_without_declaration_is_utf8() {
        let decoded = decode("Käse".as_bytes(), None);
        assert_eq!(decoded.text, "Käse");
        assert_eq!(decoded.evidence, Evidence::ValidUtf8);
        assert!(decoded.warning().is_none());
    }

    #[test]
    fn invalid_utf8_falls_back_to_windows_1252_with_a_warning() {
        let decoded = decode(b"caf\xe9 \x93quoted\x94", None);
        assert_eq!(decoded.text, "café \u{201c}quoted\u{201d}");
        assert_eq!(decoded.evidence, Evidence::Fallback);
        assert!(decoded.warning().unwrap().contains("windows-1252"));
    }

    #[test]
    fn byte_order_mark_wins() {
        let decoded = decode(b"\xef\xbb\xbfhello", Some("text/plain; charset=iso-8859-1"));
        assert_eq!(decoded.text, "hello");
        assert_eq!(decoded.evidence, Evidence::ByteOrderMark);
        let utf16 = decode(b"\xff\xfeh\0i\0", None);
        assert_eq!(utf16.text, "hi");
    }

    #[test]
    fn http_header_charset() {
        let decoded = decode(b"\xe4", Some("text/xml; charset=\"ISO-8859-1\""));
        assert_eq!(decoded.text, "ä");
        assert_eq!(decoded.evidence, Evidence::HttpHeader);
    }

    #[test]
    fn xml_declaration_after_blank_lines() {
        let bytes = b"\n  <?xml version='1.0' encoding='windows-1251'?><rss>\xc0</rss>";
        let decoded = decode(bytes, None);
        assert_eq!(decoded.evidence, Evidence::XmlDeclaration);
        assert!(decoded.text.contains("<rss>А</rss>"));
    }

    #[test]
    fn html_meta_charset_and_http_equiv() {
        let meta = decode(
            b"<html><head><meta charset=iso-8859-15><title>\xa4</title>",
            None,
        );
        assert_eq!(meta.evidence, Evidence::HtmlMeta);
        assert!(meta.text.contains("€"));
        let equiv = decode(
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\">\xc1",
            None,
        );
        assert_eq!(equiv.evidence, Evidence::HtmlMeta);
        assert!(equiv.text.ends_with('а'));
    }

    #[test]
    fn utf8_bytes_under_a_legacy_label_are_utf8() {
        let page = "<meta charset=gb2312><title>腾讯新闻</title>";
        let decoded = decode(page.as_bytes(), None);
        assert_eq!(decoded.evidence, Evidence::ValidUtf8);
        assert!(decoded.text.contains("腾讯新闻"));
        let header = decode("Käse".as_bytes(), Some("text/html; charset=ISO-8859-1"));
        assert_eq!(header.text, "Käse");
    }

    #[test]
    fn declared_utf16_without_bom_is_ignored() {
        let decoded = decode(b"<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>", None);
        assert_eq!(decoded.evidence, Evidence::ValidUtf8);
        assert!(decoded.text.starts_with("<?xml"));
    }
}
