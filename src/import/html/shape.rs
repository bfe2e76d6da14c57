//! A cheap look at a page's tags before any parsing: how many elements, and how deep they nest.
//! One pass over the bytes, no allocation per tag; approximate (it does not run the HTML tree
//! builder), but a crafted page cannot hide its depth from it.

/// Element count and deepest nesting of a page.
#[derive(Debug, PartialEq, Eq)]
pub struct Shape {
    pub elements: usize,
    pub depth: usize,
}

/// Elements with no end tag.
const VOID: [&[u8]; 16] = [
    b"area",
    b"base",
    b"br",
    b"col",
    b"embed",
    b"hr",
    b"img",
    b"input",
    b"link",
    b"meta",
    b"param",
    b"source",
    b"track",
    b"wbr",
    b"keygen",
    b"basefont",
];

/// Elements whose end tag may be left out: an unclosed `<p>` or `<li>` per paragraph would
/// otherwise make an ordinary page look deep.
const OPTIONAL_END: [&[u8]; 17] = [
    b"p",
    b"li",
    b"dt",
    b"dd",
    b"tr",
    b"td",
    b"th",
    b"option",
    b"optgroup",
    b"thead",
    b"tbody",
    b"tfoot",
    b"colgroup",
    b"rt",
    b"rp",
    b"html",
    b"head",
];

/// Elements whose content is text up to their end tag.
const RAW_TEXT: [&[u8]; 6] = [
    b"script",
    b"style",
    b"textarea",
    b"title",
    b"xmp",
    b"noscript",
];

pub fn measure(html: &str) -> Shape {
    let bytes = html.as_bytes();
    let (mut elements, mut depth, mut deepest) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        let at = i + offset;
        let rest = &bytes[at + 1..];
        if rest.starts_with(b"!--") {
            i = find(bytes, at + 4, b"-->").map_or(bytes.len(), |end| end + 3);
            continue;
        }
        if rest.starts_with(b"!") || rest.starts_with(b"?") {
            i = find(bytes, at + 1, b">").map_or(bytes.len(), |end| end + 1);
            continue;
        }
        let closing = rest.starts_with(b"/");
        let name_start = at + 1 + usize::from(closing);
        let name_length = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b':')
            .count();
        if name_length == 0 || !bytes[name_start].is_ascii_alphabetic() {
            i = at + 1;
            continue;
        }
        let name = bytes[name_start..name_start + name_length].to_ascii_lowercase();
        let tag_end = find(bytes, name_start + name_length, b">").unwrap_or(bytes.len());
        let self_closing = tag_end > 0 && bytes.get(tag_end - 1) == Some(&b'/');
        let counted = !VOID.contains(&name.as_slice()) && !OPTIONAL_END.contains(&name.as_slice());
        i = (tag_end + 1).min(bytes.len());
        if closing {
            if counted {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        elements += 1;
        if RAW_TEXT.contains(&name.as_slice()) {
            let mut end_tag = b"</".to_vec();
            end_tag.extend_from_slice(&name);
            i = find_ignore_case(bytes, i, &end_tag).unwrap_or(bytes.len());
            continue;
        }
        if counted && !self_closing {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    Shape {
        elements,
        depth: deepest,
    }
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn find_ignore_case(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_page() {
        let shape = measure(
            "<!DOCTYPE html><html><head><meta charset=utf-8><script>if (a<b) x='<div>'</script></head>\
             <body><div><p>one<p>two<br><img src=x /></div><!-- <div><div> --></body></html>",
        );
        assert_eq!(
            shape,
            Shape {
                elements: 10,
                depth: 2
            }
        );
    }

    #[test]
    fn nested_divs() {
        let html = format!("{}{}", "<div>".repeat(1000), "</div>".repeat(1000));
        assert_eq!(measure(&html).depth, 1000);
    }
}
