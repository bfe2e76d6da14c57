//! `newsdb show ID|HASH-PREFIX`: one article (the built-in `show` query), its original bytes
//! (`--raw`) or its text with the entity mentions marked (`--mentions`).

use std::io::{self, Write};

use clap::Args;
use rusqlite::types::Value;
use unicode_width::UnicodeWidthStr;

use newsdb::backend::PgStore;
use newsdb::backend::postgres::ShownRow;
use newsdb::query::adhoc::Parameter;
use newsdb::query::format::OutputFormat;
use newsdb::query::layout;
use newsdb::query::show::{ArticleRef, MentionSpan, mark_mentions};
use newsdb::store::{RawCopy, Resolved, Store};

use super::{Context, Failure, FormatArgs, Outcome, output};

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// An article id, or the first characters (4 or more) of its content hash.
    pub article: String,
    /// Print the original bytes of the article's first arrival, exactly.
    #[arg(long, conflicts_with = "mentions")]
    pub raw: bool,
    /// Mark entity mentions in place: [surface](kind).
    #[arg(long)]
    pub mentions: bool,
    /// Output format (ignored with --raw); by default one field a line, then the body.
    #[command(flatten)]
    pub format: FormatArgs,
}

/// What `show` reads of an article, from a store of either backend.
trait ArticleReader {
    fn resolve_article(&mut self, reference: &ArticleRef) -> Result<Resolved, Failure>;
    fn article_raw(&mut self, id: i64) -> Result<Option<RawCopy>, Failure>;
    /// The columns and values of the built-in `show` query; None when the article is gone.
    fn show_row(&mut self, id: i64) -> Result<Option<ShownRow>, Failure>;
    /// The article's story and that story's size; None in a database without stories.
    fn story_and_size(&mut self, id: i64) -> Result<Option<(i64, i64)>, Failure>;
    fn article_mentions(&mut self, id: i64, field: &str) -> Result<Vec<MentionSpan>, Failure>;
}

impl ArticleReader for Store {
    fn resolve_article(&mut self, reference: &ArticleRef) -> Result<Resolved, Failure> {
        Ok(Store::resolve_article(self, reference)?)
    }

    fn article_raw(&mut self, id: i64) -> Result<Option<RawCopy>, Failure> {
        Ok(Store::article_raw(self, id)?)
    }

    fn show_row(&mut self, id: i64) -> Result<Option<ShownRow>, Failure> {
        let query = super::run::built_in("show")?;
        let parameters = [Parameter {
            name: "id".into(),
            value: Value::Integer(id),
        }];
        let (columns, mut rows) = super::run::collect(self, query, &parameters)?;
        Ok(rows.pop().map(|row| (columns, row)))
    }

    fn story_and_size(&mut self, id: i64) -> Result<Option<(i64, i64)>, Failure> {
        if !self.has_stories()? {
            return Ok(None);
        }
        let story = self.story_of(id)?.unwrap_or(id);
        Ok(Some((story, self.story_size(story)?)))
    }

    fn article_mentions(&mut self, id: i64, field: &str) -> Result<Vec<MentionSpan>, Failure> {
        Ok(Store::article_mentions(self, id, field)?)
    }
}

impl ArticleReader for PgStore {
    fn resolve_article(&mut self, reference: &ArticleRef) -> Result<Resolved, Failure> {
        Ok(PgStore::resolve_article(self, reference)?)
    }

    fn article_raw(&mut self, id: i64) -> Result<Option<RawCopy>, Failure> {
        Ok(PgStore::article_raw(self, id)?)
    }

    fn show_row(&mut self, id: i64) -> Result<Option<ShownRow>, Failure> {
        Ok(PgStore::show_row(self, id)?)
    }

    fn story_and_size(&mut self, id: i64) -> Result<Option<(i64, i64)>, Failure> {
        Ok(Some(PgStore::story_and_size(self, id)?))
    }

    fn article_mentions(&mut self, id: i64, field: &str) -> Result<Vec<MentionSpan>, Failure> {
        Ok(PgStore::article_mentions(self, id, field)?)
    }
}

pub fn run(context: &Context, args: &ShowArgs) -> Outcome {
    let reference = ArticleRef::parse(&args.article)
        .map_err(|reason| Failure::Usage(format!("show: {reason}")))?;
    let mut store: Box<dyn ArticleReader> = match context.open_postgres(true)? {
        Some(store) => Box::new(store),
        None => Box::new(context.open_read_only()?),
    };
    let id = resolve(store.as_mut(), &args.article, &reference)?;
    if args.raw {
        let raw = store.article_raw(id)?.ok_or_else(|| {
            Failure::Failed(format!(
                "show: article {id} has no raw copy (it was imported with --no-raw)"
            ))
        })?;
        let mut out = io::stdout().lock();
        out.write_all(&raw.bytes)?;
        return Ok(out.flush()?);
    }
    let Some((mut columns, mut row)) = store.show_row(id)? else {
        return Err(Failure::Failed(format!("show: article {id} is gone")));
    };
    // The article's story and how many other versions it has.
    if let Some((story, size)) = store.story_and_size(id)? {
        columns.push("story_id".into());
        row.push(Value::Integer(story));
        columns.push("other_versions".into());
        row.push(Value::Integer(size - 1));
    }
    if args.mentions {
        for field in ["title", "summary", "body"] {
            let index = columns.iter().position(|c| c == field);
            // An article without a summary has no marked summary either.
            let marked = match index.and_then(|i| row.get(i)) {
                Some(Value::Text(text)) => {
                    Value::Text(mark_mentions(text, &store.article_mentions(id, field)?))
                }
                _ if field == "summary" => Value::Null,
                _ => Value::Text(String::new()),
            };
            columns.push(format!("{field}_marked"));
            row.push(marked);
        }
    }
    let output_format = args.format.chosen().unwrap_or(OutputFormat::Lines);
    if output_format == OutputFormat::Lines {
        return print_record(&columns, &row, args.mentions, args.format.max_width());
    }
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    output::print_as(output_format, &args.format, &columns, [Ok(row)])
}

/// The article `reference` names, or a failure that says why there is none.
fn resolve(
    store: &mut dyn ArticleReader,
    given: &str,
    reference: &ArticleRef,
) -> Result<i64, Failure> {
    match store.resolve_article(reference)? {
        Resolved::Found(id) => Ok(id),
        Resolved::NotFound => Err(Failure::Failed(format!(
            "show: no article has the id or hash prefix `{given}`"
        ))),
        Resolved::Ambiguous(candidates) => {
            let mut message = format!(
                "show: the hash prefix `{given}` is ambiguous; it starts {}{} articles:",
                if candidates.len() >= newsdb::store::CANDIDATES {
                    "at least "
                } else {
                    ""
                },
                candidates.len()
            );
            for candidate in candidates {
                message.push_str(&format!(
                    "\n  {:>6}  {}  {}  {}",
                    candidate.id,
                    &candidate.content_hash[..12.min(candidate.content_hash.len())],
                    candidate.published_at.as_deref().unwrap_or("(no date)"),
                    candidate.title.as_deref().unwrap_or("(no title)")
                ));
            }
            Err(Failure::Failed(message))
        }
    }
}

/// The lines format of one article: `label  value` lines, wrapped to `max_width`, then the
/// body after a blank line.
fn print_record(
    columns: &[String],
    row: &[Value],
    marked: bool,
    max_width: Option<usize>,
) -> Outcome {
    let value = |name: &str| -> Option<String> {
        let index = columns.iter().position(|c| c == name)?;
        match row.get(index)? {
            Value::Null => None,
            Value::Integer(n) => Some(n.to_string()),
            Value::Real(r) => Some(r.to_string()),
            Value::Text(text) => Some(text.clone()),
            Value::Blob(_) => None,
        }
    };
    let title_field = if marked { "title_marked" } else { "title" };
    let summary_field = if marked { "summary_marked" } else { "summary" };
    let body_field = if marked { "body_marked" } else { "body" };
    let fields = [
        ("id", "id"),
        ("hash", "content_hash"),
        ("title", title_field),
        ("source", "source"),
        ("credits", "credits"),
        ("authors", "authors"),
        ("published", "published_at"),
        ("language", "language"),
        ("urls", "urls"),
        ("sightings", "sightings"),
        ("story", "story_id"),
        ("words", "word_count"),
        ("imported", "imported_at"),
        ("summary", summary_field),
    ];
    let label_width = fields
        .iter()
        .map(|(label, _)| label.width())
        .max()
        .unwrap_or(0);
    let mut out = io::BufWriter::new(io::stdout().lock());
    for (label, column) in fields {
        let Some(mut text) = value(column) else {
            continue;
        };
        if column == "story_id" {
            let others = value("other_versions").unwrap_or_default();
            text = match others.as_str() {
                "0" => format!("{text} (no other version)"),
                "1" => format!("{text} (1 other version)"),
                n => format!("{text} ({n} other versions)"),
            };
        }
        // URLs go one per line under each other; other values are one line.
        let mut label = label;
        for line in text.lines() {
            let pieces = match max_width {
                Some(width) => layout::wrap(
                    line,
                    width
                        .saturating_sub(label_width + 2)
                        .max(layout::TEXT_FLOOR),
                ),
                None => vec![line.to_owned()],
            };
            for piece in pieces {
                writeln!(out, "{label:<label_width$}  {piece}")?;
                label = "";
            }
        }
    }
    if let Some(body) = value(body_field) {
        writeln!(out)?;
        writeln!(out, "{body}")?;
    }
    out.flush()?;
    Ok(())
}
