//! Reading one input: gzip checked and inflated, UTF-16/32 turned into UTF-8, the format
//! detected (or forced), a file found in a folder kept only if it looks like articles, and the
//! parser run with the record limit, emitting items and located rejects.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek};
use std::path::Path;

use crate::import::charset::{self, WideDecoder};
use crate::import::limits::{self, too_large};
use crate::import::{detect, feed, html, json, select, text};
use crate::item::{Format, ImportError, Location, Parsed, Skipped};

/// Feeds, pages and JSON arrays larger than this are rejected rather than read whole into memory
/// (JSON Lines stream; a text file or a single JSON object is one record, capped by
/// `--max-record-size`).
const MAX_WHOLE_FILE_BYTES: u64 = 256 << 20;
/// How much of an input is read to detect its format.
const SNIFF_BYTES: usize = 64 << 10;

/// How every input of a run is read.
#[derive(Clone, Copy)]
pub(crate) struct Reading<'a> {
    /// `--format`, instead of detecting it.
    pub forced: Option<Format>,
    /// The HTTP Content-Type of a downloaded body, whose charset the parsers weigh.
    pub http_content_type: Option<&'a str>,
    /// `--max-record-size`.
    pub max_record: u64,
    /// Found in a folder (not named, not matched by `--include`): skip it unless its content
    /// looks like articles.
    pub articles_only: bool,
}

/// Reads an input that can be read twice (a regular file, a downloaded body). A gzip input is
/// first inflated to nowhere, to check it whole (its CRC and length) before any of its records is
/// stored: a damaged one is refused outright, where a single pass would find the damage at the
/// end, after committing the garbled records. The check costs a second inflate, no memory.
pub(crate) fn read_seekable(
    reader: impl Read + Seek,
    origin: Location,
    reading: &Reading,
    emit: &mut dyn FnMut(Parsed),
) {
    let mut reader = BufReader::with_capacity(SNIFF_BYTES, reader);
    match starts_with_gzip(&mut reader) {
        Err(error) => emit(cannot_read(origin, &error)),
        Ok(false) => read_decompressed(reader, origin, reading, emit),
        Ok(true) => {
            let checked = io::copy(
                &mut flate2::bufread::MultiGzDecoder::new(&mut reader),
                &mut io::sink(),
            );
            if let Err(error) = checked {
                return emit(Parsed::Rejected(ImportError::new(
                    origin,
                    format!(
                        "damaged gzip data ({}): nothing imported from it",
                        io_reason(&error)
                    ),
                )));
            }
            if let Err(error) = reader.rewind() {
                return emit(cannot_read(origin, &error));
            }
            let decoder = flate2::bufread::MultiGzDecoder::new(reader);
            read_decompressed(
                BufReader::with_capacity(SNIFF_BYTES, decoder),
                origin,
                reading,
                emit,
            );
        }
    }
}

/// Reads an input that can be read only once (stdin, a FIFO), as it comes. A gzip stream is
/// first copied to an anonymous temporary file, so that it can be checked whole before anything
/// of it is stored (see [`read_seekable`]): the disk holds the compressed bytes, memory stays flat.
pub(crate) fn read_stream(
    reader: impl Read,
    origin: Location,
    reading: &Reading,
    emit: &mut dyn FnMut(Parsed),
) {
    let mut reader = BufReader::with_capacity(SNIFF_BYTES, reader);
    match starts_with_gzip(&mut reader) {
        Err(error) => emit(cannot_read(origin, &error)),
        Ok(false) => read_decompressed(reader, origin, reading, emit),
        Ok(true) => match spill(&mut reader) {
            Ok(file) => read_seekable(file, origin, reading, emit),
            Err(error) => emit(cannot_read(origin, &error)),
        },
    }
}

fn starts_with_gzip(reader: &mut impl BufRead) -> io::Result<bool> {
    Ok(reader.fill_buf()?.starts_with(&[0x1f, 0x8b]))
}

/// The rest of `reader` in an anonymous temporary file (gone when closed), rewound.
fn spill(reader: &mut impl Read) -> io::Result<File> {
    let mut file = tempfile::tempfile()?;
    io::copy(reader, &mut file)?;
    file.rewind()?;
    Ok(file)
}

/// Turns a UTF-16 or UTF-32 input into UTF-8, as it is read, and goes on with it.
fn read_decompressed(
    mut reader: impl BufRead,
    origin: Location,
    reading: &Reading,
    emit: &mut dyn FnMut(Parsed),
) {
    let wide = match reader.fill_buf() {
        Ok(head) => charset::sniff_wide(head),
        Err(error) => return emit(cannot_read(origin, &error)),
    };
    let Some((wide, bom_length)) = wide else {
        return read_utf8_or_legacy(reader, origin, reading, emit);
    };
    reader.consume(bom_length);
    let replaced = std::rc::Rc::new(std::cell::Cell::new(None));
    let narrow = BufReader::with_capacity(
        SNIFF_BYTES,
        WideReader {
            inner: reader,
            decoder: WideDecoder::new(wide),
            decoded: String::new(),
            position: 0,
            finished: false,
            warning: std::rc::Rc::clone(&replaced),
        },
    );
    read_utf8_or_legacy(narrow, origin.clone(), reading, emit);
    if let Some(warning) = replaced.take() {
        emit(Parsed::Warning(ImportError::new(origin, warning)));
    }
}

/// A reader of UTF-8 over a reader of UTF-16 or UTF-32 (its BOM already consumed). When done,
/// it leaves its warning, if any code units were replaced, in `warning`.
struct WideReader<R> {
    inner: R,
    decoder: WideDecoder,
    decoded: String,
    /// How much of `decoded` has been handed out.
    position: usize,
    finished: bool,
    warning: std::rc::Rc<std::cell::Cell<Option<String>>>,
}

impl<R: BufRead> Read for WideReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        while self.position == self.decoded.len() && !self.finished {
            self.decoded.clear();
            self.position = 0;
            let bytes = self.inner.fill_buf()?;
            let last = bytes.is_empty();
            let length = bytes.len();
            self.decoder.decode(bytes, last, &mut self.decoded);
            self.inner.consume(length);
            if last {
                self.finished = true;
                self.warning.set(self.decoder.warning());
            }
        }
        let available = &self.decoded.as_bytes()[self.position..];
        let count = available.len().min(buffer.len());
        buffer[..count].copy_from_slice(&available[..count]);
        self.position += count;
        Ok(count)
    }
}

/// Detects the format of a (decompressed, not wide) input and runs its parser.
fn read_utf8_or_legacy(
    mut reader: impl BufRead,
    origin: Location,
    reading: &Reading,
    emit: &mut dyn FnMut(Parsed),
) {
    // A forced format needs no head to detect it from, and a stream on stdin must not wait for
    // 64 KB of one before its first line is read. An empty input is still detected, for its error.
    let forced = match reading.forced.map(|format| (format, reader.fill_buf())) {
        Some((format, Ok(first))) => (!first.is_empty()).then_some(format),
        Some((_, Err(error))) => return emit(cannot_read(origin, &error)),
        None => None,
    };
    let (format, head) = match forced {
        Some(format) => (format, Vec::new()),
        None => {
            let head = match peek(&mut reader, SNIFF_BYTES) {
                Ok(head) => head,
                Err(error) => return emit(cannot_read(origin, &error)),
            };
            let format = match detect::detect(&head, Some(Path::new(&origin.origin))) {
                Ok(format) => format,
                Err(reason) => return emit(Parsed::Rejected(ImportError::new(origin, reason))),
            };
            if reading.articles_only
                && let Err(reason) = looks_like_articles(&head, format)
            {
                return emit(Parsed::Skipped(Skipped {
                    location: origin,
                    reason,
                }));
            }
            (format, head)
        }
    };
    let mut whole = BufReader::with_capacity(SNIFF_BYTES, io::Cursor::new(head).chain(reader));
    if format == Format::JsonLines {
        json::parse_json_lines(whole, origin, reading.max_record, emit);
        return;
    }
    // A text file, or a JSON document that is one object, is one record: read no more of it
    // than the record limit, so that an oversize one costs no memory.
    let one_record = match format {
        Format::Text => true,
        Format::Json => first_significant_byte(&mut whole) == Some(b'{'),
        _ => false,
    };
    let cap = if one_record {
        reading.max_record
    } else {
        MAX_WHOLE_FILE_BYTES.max(reading.max_record)
    };
    let mut bytes = Vec::new();
    if let Err(error) = whole.take(cap.saturating_add(1)).read_to_end(&mut bytes) {
        emit(cannot_read(origin, &error));
        return;
    }
    if bytes.len() as u64 > cap {
        let reason = if one_record {
            too_large(reading.max_record)
        } else {
            format!(
                "larger than {}; split it, or use JSON Lines, which is streamed",
                limits::describe_size(cap)
            )
        };
        emit(Parsed::Rejected(ImportError::new(origin, reason)));
        return;
    }
    match format {
        Format::Text => text::parse_text(&bytes, origin, emit),
        Format::Json => json::parse_json(&bytes, origin, reading.max_record, emit),
        Format::JsonLines => unreachable!("streamed above"),
        Format::Feed => feed::parse_feed(&bytes, origin, reading.http_content_type, emit),
        Format::Html => html::parse_html_page(&bytes, origin, reading.http_content_type, emit),
    }
}

/// Whether the head of a file found in a folder looks like articles. Feeds do; HTML must be a
/// page, not a fragment; JSON needs article fields and text a line of prose.
fn looks_like_articles(head: &[u8], format: Format) -> Result<(), crate::item::SkipReason> {
    match format {
        Format::Feed => Ok(()),
        Format::Html if detect::is_html_page(head) => Ok(()),
        Format::Html => Err(crate::item::SkipReason::HtmlFragment),
        Format::Json | Format::JsonLines => {
            if json::looks_like_articles(head, format) {
                Ok(())
            } else {
                Err(crate::item::SkipReason::JsonNotArticles)
            }
        }
        Format::Text => select::text_reads_like_an_article(&charset::decode(head, None).text),
    }
}

/// The first byte of `reader` that is not whitespace (after a UTF-8 BOM), as far as its buffer
/// shows.
fn first_significant_byte(reader: &mut impl BufRead) -> Option<u8> {
    let buffer = reader.fill_buf().ok()?;
    let buffer = buffer.strip_prefix(b"\xef\xbb\xbf").unwrap_or(buffer);
    buffer.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// Reads up to `limit` bytes from the front of `reader` (returned; the reader goes on after them).
fn peek(reader: &mut impl BufRead, limit: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(limit.min(SNIFF_BYTES));
    reader.take(limit as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// The reject for an input that could not be read.
pub(crate) fn cannot_read(origin: Location, error: &io::Error) -> Parsed {
    Parsed::Rejected(ImportError::new(
        origin,
        format!("cannot read: {}", io_reason(error)),
    ))
}

/// An I/O error in a few words, without Rust's "(os error N)" suffix.
pub(crate) fn io_reason(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file or folder".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::InvalidData => format!("invalid data ({error})"),
        _ => {
            let text = error.to_string();
            match text.find(" (os error") {
                Some(end) => text[..end].to_owned(),
                None => text,
            }
        }
    }
}
