//! `newsdb articles`: articles newest first, filtered by source, entity and date (the built-in
//! `articles` query). Its filters are shared with `search`.

use clap::Args;
use rusqlite::types::Value;

use newsdb::query::adhoc::Parameter;
use newsdb::query::search::{Bound, date_bound};

use super::{Context, Failure, FormatArgs, Outcome};

/// Filters shared by `articles` and `search`.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only articles this outlet published or is credited in (its name or normalised key).
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// Only articles that mention this entity (its name or any alias).
    #[arg(long, value_name = "NAME")]
    pub entity: Option<String>,
    /// Only articles published at or after this date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only articles published at or before this date (a bare date includes the whole day).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// At most this many rows.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: u32,
}

impl FilterArgs {
    /// The filters as query parameters; a bad date is a usage error.
    pub fn parameters(&self) -> Result<Vec<Parameter>, Failure> {
        let text = |name: &str, value: &Option<String>| Parameter {
            name: name.to_owned(),
            value: value.clone().map_or(Value::Null, Value::Text),
        };
        let date = |name: &str, value: &Option<String>, bound| -> Result<Parameter, Failure> {
            let value = value
                .as_deref()
                .map(|value| date_bound(value, bound))
                .transpose()
                .map_err(|reason| Failure::Usage(format!("--{name}: {reason}")))?;
            Ok(text(name, &value))
        };
        Ok(vec![
            text("source", &self.source),
            text("entity", &self.entity),
            date("since", &self.since, Bound::Since)?,
            date("until", &self.until, Bound::Until)?,
            Parameter {
                name: "limit".into(),
                value: Value::Integer(i64::from(self.limit)),
            },
        ])
    }
}

#[derive(Debug, Args)]
pub struct ArticlesArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub format: FormatArgs,
}

pub fn run(context: &Context, args: &ArticlesArgs) -> Outcome {
    let parameters = args.filters.parameters()?;
    let store = context.open_read_only()?;
    let query = super::run::built_in("articles")?;
    super::run::print(&store, query, &parameters, args.format.format, None)
}
