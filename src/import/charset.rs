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

/// A wide Unicode encoding: UTF-16 or UTF-32, either byte order. Every other parser works on
/// UTF-8 (or an ASCII-compatible legacy charset), so a wide input is turned into UTF-8 first, as
/// it is read; encoding_rs decodes UTF-16, and UTF-32 (which it does not know) is decoded here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wide {
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Utf32Be,
}

impl Wide {
    pub fn name(self) -> &'static str {
        match self {
            Wide::Utf16Le => "UTF-16LE",
            Wide::Utf16Be => "UTF-16BE",
            Wide::Utf32Le => "UTF-32LE",
            Wide::Utf32Be => "UTF-32BE",
        }
    }

    fn unit(self) -> usize {
        match self {
            Wide::Utf16Le | Wide::Utf16Be => 2,
            Wide::Utf32Le | Wide::Utf32Be => 4,
        }
    }

    /// The code unit at the front of `bytes` (at least `unit()` long).
    fn code_unit(self, bytes: &[u8]) -> u32 {
        match self {
            Wide::Utf16Le => u32::from(u16::from_le_bytes([bytes[0], bytes[1]])),
            Wide::Utf16Be => u32::from(u16::from_be_bytes([bytes[0], bytes[1]])),
            Wide::Utf32Le => u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            Wide::Utf32Be => u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
        }
    }
}

/// How many bytes of a head [`sniff_wide`] looks at for the NUL pattern.
const WIDE_SAMPLE_BYTES: usize = 512;

/// Whether `head` (the first bytes of an input) is UTF-16 or UTF-32, and the length of its BOM.
/// With a BOM, that decides (the UTF-32LE BOM `FF FE 00 00` before UTF-16LE's `FF FE`). Without
/// one, the NUL pattern of mostly-ASCII text does: XML, HTML and JSON start with ASCII markup, so
/// in UTF-16LE every second byte is zero and in UTF-32LE three of four, and no code unit is zero.
/// Text that is not mostly ASCII is not recognised without a BOM (nor can it be, reliably).
pub fn sniff_wide(head: &[u8]) -> Option<(Wide, usize)> {
    const BOMS: [(&[u8], Wide); 4] = [
        (b"\xff\xfe\0\0", Wide::Utf32Le),
        (b"\0\0\xfe\xff", Wide::Utf32Be),
        (b"\xff\xfe", Wide::Utf16Le),
        (b"\xfe\xff", Wide::Utf16Be),
    ];
    if let Some((bom, wide)) = BOMS.iter().find(|(bom, _)| head.starts_with(bom)) {
        return Some((*wide, bom.len()));
    }
    let sample = &head[..head.len().min(WIDE_SAMPLE_BYTES)];
    [Wide::Utf32Le, Wide::Utf32Be, Wide::Utf16Le, Wide::Utf16Be]
        .into_iter()
        .find(|&wide| {
            let units: Vec<u32> = sample
                .chunks_exact(wide.unit())
                .map(|chunk| wide.code_unit(chunk))
                .collect();
            let ascii = units
                .iter()
                .filter(|&&unit| (0x09..0x80).contains(&unit))
                .count();
            units.len() >= 2
                && !units.contains(&0)
                && units.iter().all(|&unit| unit <= 0x10_ffff)
                && ascii * 4 >= units.len() * 3
        })
        .map(|wide| (wide, 0))
}

/// Decodes a wide encoding to UTF-8 piece by piece, replacing invalid code units (lone
/// surrogates, values past U+10FFFF, a cut-off last unit) with U+FFFD and counting them.
pub struct WideDecoder {
    wide: Wide,
    /// UTF-16 goes through encoding_rs.
    utf16: Option<encoding_rs::Decoder>,
    /// The start of a UTF-32 unit cut by the end of the previous piece.
    pending: Vec<u8>,
    /// Code units replaced with U+FFFD so far.
    pub replaced: u64,
}

impl WideDecoder {
    pub fn new(wide: Wide) -> WideDecoder {
        let utf16 = match wide {
            Wide::Utf16Le => Some(encoding_rs::UTF_16LE.new_decoder_without_bom_handling()),
            Wide::Utf16Be => Some(encoding_rs::UTF_16BE.new_decoder_without_bom_handling()),
            Wide::Utf32Le | Wide::Utf32Be => None,
        };
        WideDecoder {
            wide,
            utf16,
            pending: Vec::new(),
            replaced: 0,
        }
    }

    /// Appends the text of `bytes` to `out`; `last` when no more bytes follow.
    pub fn decode(&mut self, bytes: &[u8], last: bool, out: &mut String) {
        if let Some(decoder) = &mut self.utf16 {
            let from = out.len();
            out.reserve(
                decoder
                    .max_utf8_buffer_length(bytes.len())
                    .unwrap_or(bytes.len() * 3),
            );
            let (_, _, had_replacements) = decoder.decode_to_string(bytes, out, last);
            if had_replacements {
                self.replaced += out[from..].matches('\u{fffd}').count() as u64;
            }
            return;
        }
        self.pending.extend_from_slice(bytes);
        let whole = self.pending.len() / 4 * 4;
        out.reserve(whole);
        for chunk in self.pending[..whole].chunks_exact(4) {
            let character = char::from_u32(self.wide.code_unit(chunk)).unwrap_or_else(|| {
                self.replaced += 1;
                '\u{fffd}'
            });
            out.push(character);
        }
        self.pending.drain(..whole);
        if last && !self.pending.is_empty() {
            self.pending.clear();
            self.replaced += 1;
            out.push('\u{fffd}');
        }
    }

    /// A warning when some code units were replaced.
    pub fn warning(&self) -> Option<String> {
        (self.replaced > 0).then(|| {
            format!(
                "{} invalid {} code unit{} replaced with U+FFFD",
                self.replaced,
                self.wide.name(),
                if self.replaced == 1 { "" } else { "s" }
            )
        })
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

    fn encode(text: &str, wide: Wide) -> Vec<u8> {
        match wide {
            Wide::Utf16Le => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
            Wide::Utf16Be => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
            Wide::Utf32Le => text
                .chars()
                .flat_map(|c| u32::from(c).to_le_bytes())
                .collect(),
            Wide::Utf32Be => text
                .chars()
                .flat_map(|c| u32::from(c).to_be_bytes())
                .collect(),
        }
    }

    #[test]
    fn wide_encodings_by_bom_and_by_nul_pattern() {
        let xml = "<?xml version=\"1.0\"?><rss><title>Käse für Straße</title></rss>";
        for wide in [Wide::Utf16Le, Wide::Utf16Be, Wide::Utf32Le, Wide::Utf32Be] {
            let bytes = encode(xml, wide);
            assert_eq!(sniff_wide(&bytes), Some((wide, 0)), "{wide:?}");
            let with_bom = encode(&format!("\u{feff}{xml}"), wide);
            let (found, bom) = sniff_wide(&with_bom).unwrap();
            assert_eq!((found, bom), (wide, wide.unit()));
            // Decoded in pieces that cut code units in two.
            let mut decoder = WideDecoder::new(wide);
            let mut out = String::new();
            for piece in with_bom[bom..].chunks(3) {
                decoder.decode(piece, false, &mut out);
            }
            decoder.decode(&[], true, &mut out);
            assert_eq!(out, xml);
            assert_eq!(decoder.warning(), None);
        }
        // UTF-8, Latin-1 and binary are not wide.
        assert_eq!(sniff_wide(xml.as_bytes()), None);
        assert_eq!(sniff_wide(b"Caf\xe9 au lait"), None);
        assert_eq!(sniff_wide(b"\x1f\x8b\x08\0\0\0\0\0"), None);
        assert_eq!(sniff_wide(b"hello\0world"), None);
    }

    #[test]
    fn invalid_wide_code_units_are_replaced_and_counted() {
        let mut decoder = WideDecoder::new(Wide::Utf32Le);
        let mut out = String::new();
        let mut bytes = encode("ab", Wide::Utf32Le);
        bytes.extend_from_slice(&0x0011_0000u32.to_le_bytes());
        bytes.extend_from_slice(&0xd800u32.to_le_bytes());
        bytes.extend_from_slice(b"c\0");
        decoder.decode(&bytes, true, &mut out);
        assert_eq!(out, "ab\u{fffd}\u{fffd}\u{fffd}");
        assert_eq!(
            decoder.warning().unwrap(),
            "3 invalid UTF-32LE code units replaced with U+FFFD"
        );
        let mut decoder = WideDecoder::new(Wide::Utf16Be);
        let mut out = String::new();
        decoder.decode(b"\0a\xd8\0\0b", true, &mut out);
        assert_eq!(out, "a\u{fffd}b");
        assert_eq!(decoder.replaced, 1);
    }

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
