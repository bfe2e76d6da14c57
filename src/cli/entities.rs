//! `newsdb entities`: the most mentioned entities, and `newsdb entities eval FILE.conll`, which
//! scores the extractor against gold annotations.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Subcommand};
use rusqlite::types::Value;

use newsdb::entities::{EntityKind, Extractor, conll};
use newsdb::import::limits;
use newsdb::normalize::date::since_flag;
use newsdb::query::format::OutputFormat;
use newsdb::store::EntityFilter;

use super::{Context, Failure, FormatArgs, Outcome, output};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct EntitiesArgs {
    #[command(subcommand)]
    pub command: Option<EntitiesCommand>,
    /// Only entities of this kind.
    #[arg(long, value_parser = kind_parser())]
    pub kind: Option<EntityKind>,
    /// At most this many entities.
    // `--top` was its name before issue 12: a hidden alias keeps old scripts working.
    #[arg(long, alias = "top", value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: u64,
    /// Skip this many entities first (for the next page).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub offset: u64,
    /// Count only articles published (or, undated, imported) at or after DATE: YYYY-MM-DD,
    /// YYYY-MM, RFC 3339, today, yesterday, or an age like 12h, 7d, 2w.
    #[arg(long, value_name = "DATE", value_parser = since_flag)]
    pub since: Option<String>,
    #[command(flatten)]
    pub format: FormatArgs,
}

#[derive(Debug, Subcommand)]
pub enum EntitiesCommand {
    /// Score the extractor against a CoNLL file: precision, recall and F1 for PER, ORG, LOC.
    #[command(
        after_help = "Examples:\n  newsdb entities eval gold.conll\n  newsdb entities eval ../shared/corpus/ner/wikigold.conll --format json"
    )]
    Eval(EvalArgs),
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Gold annotations: one token a line, the tag (IO or BIO) in the last column.
    pub file: PathBuf,
    /// `--json` prints {"PER": {"p", "r", "f1"}, "ORG": .., "LOC": .., "micro": ..}.
    #[command(flatten)]
    pub format: FormatArgs,
    /// Longest line, and largest document text, read. Bytes, or with K, M or G.
    #[arg(long, default_value = "16M", value_name = "SIZE", value_parser = limits::parse_size)]
    pub max_record_size: u64,
}

/// `--kind`: one of the stored kind names, shown in `--help`.
pub fn kind_parser() -> impl TypedValueParser<Value = EntityKind> {
    PossibleValuesParser::new(EntityKind::ALL.map(EntityKind::name))
        .map(|name| EntityKind::from_name(&name).expect("the parser only accepts kind names"))
}

pub fn run(context: &Context, args: &EntitiesArgs) -> Outcome {
    if let Some(EntitiesCommand::Eval(eval)) = &args.command {
        return run_eval(eval);
    }
    let filter = EntityFilter {
        kind: args.kind,
        since: args.since.clone(),
        limit: usize::try_from(args.limit).unwrap_or(usize::MAX),
        offset: usize::try_from(args.offset).unwrap_or(usize::MAX),
    };
    let entities = match context.open_postgres(true)? {
        Some(mut store) => store.top_entities(&filter)?,
        None => context.open_read_only()?.top_entities(&filter)?,
    };
    let text = |value: Option<String>| value.map_or(Value::Null, Value::Text);
    let rows = entities.into_iter().map(|entity| {
        Ok(vec![
            Value::Integer(entity.id),
            Value::Text(entity.name),
            Value::Text(entity.kind),
            Value::Integer(entity.articles),
            Value::Integer(entity.mentions),
            text(entity.first_seen),
            text(entity.last_seen),
        ])
    });
    output::print(
        &args.format,
        &[
            "id",
            "name",
            "kind",
            "articles",
            "mentions",
            "first_seen",
            "last_seen",
        ],
        rows,
    )
}

fn run_eval(args: &EvalArgs) -> Outcome {
    let path = args.file.display();
    let file = std::fs::File::open(&args.file).map_err(|error| {
        let reason = match error.kind() {
            io::ErrorKind::NotFound => "no such file".to_string(),
            _ => error.to_string(),
        };
        Failure::Failed(format!("{path}: {reason}"))
    })?;
    // One document at a time, so that memory holds one whatever the file's size.
    let mut scorer = conll::Scorer::default();
    let mut tokens = 0;
    for document in conll::ConllReader::new(io::BufReader::new(file), args.max_record_size) {
        let document = document
            .map_err(|error| Failure::Failed(format!("{path}:{}: {}", error.line, error.reason)))?;
        tokens += document.tokens;
        scorer.add(&document, Extractor::shared());
    }
    if tokens == 0 {
        return Err(Failure::Failed(format!("{path}: no CoNLL tokens")));
    }
    let scores = scorer.scores();
    if args.format.format() == OutputFormat::Json {
        let json = serde_json::to_string(&scores).expect("scores serialise");
        let mut out = io::stdout().lock();
        writeln!(out, "{json}")?;
        return out.flush().map_err(Failure::from);
    }
    // Four decimals, as in the JSON shape: more digits are noise for a score.
    let round = |x: f64| Value::Real((x * 10_000.0).round() / 10_000.0);
    let count = |n: usize| Value::Integer(i64::try_from(n).unwrap_or(i64::MAX));
    let rows = [
        ("PER", scores.per),
        ("ORG", scores.org),
        ("LOC", scores.loc),
        ("micro", scores.micro),
    ]
    .map(|(label, score)| {
        Ok(vec![
            Value::Text(label.into()),
            round(score.p),
            round(score.r),
            round(score.f1),
            count(score.tp),
            count(score.fp),
            count(score.fn_),
        ])
    });
    output::print(
        &args.format,
        &["type", "p", "r", "f1", "tp", "fp", "fn"],
        rows,
    )
}
