//! `[[trigger]]` entries of config.toml: the TOML shape and its checks, key by key, into the
//! `domain::trigger::TriggerSpec` that `engine::triggers` delivers.
//!
//! ```toml
//! [[trigger]]
//! name = "big-spend"                 # letters, digits, - and _
//! command = "notify-send 'big spend' \"$(jq -r .dynamodb.NewImage.amount)\""
//! events = ["INSERT", "MODIFY"]      # default: all three
//! category = "food"                  # the category or below it (old or new image)
//! min_amount = "50"                  # in the record's own currency
//! origins = ["user", "import"]       # default: all
//! payee = "Lidl"                     # exact, case-insensitive (old or new image)
//! tags = ["work", "trip"]            # any of them (old or new image)
//! kind = "expense"                   # expense | income
//! changed = ["category", "amount"]   # MODIFY: any differs; INSERT/REMOVE: any present
//! view = "new_image"                 # keys_only | new_image | old_image | new_and_old_images
//! batch_size = 100                   # records per run (1..=10000); above 1: {"Records": [...]}
//! batch_window_ms = 500              # wait this long to fill a batch (or batch_window, in s)
//! max_record_age = 3600              # seconds; older records are dead-lettered, not run
//! format = "dynamodb"                # plain (default) | dynamodb (as a Lambda gets it)
//! max_attempts = 5                   # then the batch is dead-lettered
//! backoff_ms = 1000                  # first retry delay, doubled each time (capped at 5 min)
//! timeout_secs = 30                  # a command running longer is killed (a failure)
//! ```

use crate::domain::change::{Event, Origin};
use crate::domain::stream::{Format, StreamSource, View};
use crate::domain::trigger::{Field, TriggerSpec, MAX_BACKOFF, MAX_BATCH, MIN_SCALE};
use crate::domain::{money, Currency, Kind};
use serde::Deserialize;
use std::time::Duration;

/// The longest `batch_window` (as a Lambda's `MaximumBatchingWindowInSeconds`).
const MAX_WINDOW_SECS: u64 = 300;

/// The largest `max_record_age` in seconds (a week, as DynamoDB Streams' own limit).
const MAX_RECORD_AGE_SECS: u64 = 7 * 86_400;

/// `[[trigger]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerFile {
    pub name: String,
    command: String,
    #[serde(default)]
    events: Vec<String>,
    category: Option<String>,
    min_amount: Option<String>,
    #[serde(default)]
    origins: Vec<String>,
    payee: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    kind: Option<String>,
    #[serde(default)]
    changed: Vec<String>,
    view: Option<String>,
    batch_size: Option<i64>,
    batch_window_ms: Option<i64>,
    batch_window: Option<i64>,
    max_record_age: Option<i64>,
    format: Option<String>,
    max_attempts: Option<i64>,
    backoff_ms: Option<i64>,
    timeout_secs: Option<i64>,
}

impl TriggerFile {
    /// The spec, or an error naming the key.
    pub fn to_spec(&self) -> Result<TriggerSpec, String> {
        let name = self.name.trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(format!(
                "name '{}': use letters, digits, '-' and '_'",
                crate::domain::text::inert(&self.name)
            ));
        }
        if self.command.trim().is_empty() {
            return Err("command: empty".into());
        }
        let events = self
            .events
            .iter()
            .map(|e| match e.to_ascii_uppercase().as_str() {
                "INSERT" => Ok(Event::Insert),
                "MODIFY" => Ok(Event::Modify),
                "REMOVE" => Ok(Event::Remove),
                _ => Err(format!("events: '{e}' is not INSERT, MODIFY or REMOVE")),
            })
            .collect::<Result<_, _>>()?;
        let origins = self
            .origins
            .iter()
            .map(|o| {
                Origin::parse(o).ok_or_else(|| {
                    format!(
                        "origins: '{o}' is not one of {}",
                        Origin::ALL.map(|o| o.name()).join(", ")
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        let category = match &self.category {
            Some(c) => Some(
                crate::domain::validate::parse_category(c).map_err(|e| format!("category: {e}"))?,
            ),
            None => None,
        };
        let min_amount = match &self.min_amount {
            Some(a) => Some(parse_min(a).map_err(|e| format!("min_amount: {e}"))?),
            None => None,
        };
        let view = match &self.view {
            Some(v) => View::parse(v).ok_or_else(|| {
                format!("view: '{v}' is not keys_only, new_image, old_image or new_and_old_images")
            })?,
            None => View::NewAndOldImages,
        };
        let payee = match &self.payee {
            Some(p) if p.trim().is_empty() => return Err("payee: empty".into()),
            Some(p) => Some(p.trim().to_lowercase()),
            None => None,
        };
        if let Some(t) = self.tags.iter().find(|t| t.trim().is_empty()) {
            return Err(format!("tags: '{t}' is empty"));
        }
        let kind = match self.kind.as_deref() {
            None => None,
            Some("expense") => Some(Kind::Expense),
            Some("income") => Some(Kind::Income),
            Some(k) => return Err(format!("kind: '{k}' is not expense or income")),
        };
        let changed = self
            .changed
            .iter()
            .map(|f| {
                Field::parse(f).ok_or_else(|| {
                    format!(
                        "changed: '{f}' is not a field (one of {})",
                        Field::ALL.map(Field::name).join(", ")
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        let format = match &self.format {
            Some(f) => Format::parse(f).ok_or_else(|| {
                format!(
                    "format: '{}' is not plain or dynamodb",
                    crate::domain::text::inert(f)
                )
            })?,
            None => Format::Plain,
        };
        let positive = |key: &str, v: Option<i64>, default: u64, max: u64| match v {
            None => Ok(default),
            Some(n) if n >= 1 && n as u64 <= max => Ok(n as u64),
            Some(n) => Err(format!("{key}: {n} is not between 1 and {max}")),
        };
        let window_max_ms = MAX_WINDOW_SECS * 1000;
        let batch_window = match (self.batch_window_ms, self.batch_window) {
            (Some(_), Some(_)) => {
                return Err("batch_window_ms and batch_window: set one of them".into())
            }
            (Some(ms), None) if (0..=window_max_ms as i64).contains(&ms) => {
                Duration::from_millis(ms as u64)
            }
            (Some(ms), None) => {
                return Err(format!(
                    "batch_window_ms: {ms} is not between 0 and {window_max_ms}"
                ))
            }
            (None, Some(s)) if (0..=MAX_WINDOW_SECS as i64).contains(&s) => {
                Duration::from_secs(s as u64)
            }
            (None, Some(s)) => {
                return Err(format!(
                    "batch_window: {s} is not between 0 and {MAX_WINDOW_SECS} (seconds)"
                ))
            }
            (None, None) => Duration::ZERO,
        };
        let max_record_age = match self.max_record_age {
            None => None,
            Some(s) => Some(Duration::from_secs(positive(
                "max_record_age",
                Some(s),
                0,
                MAX_RECORD_AGE_SECS,
            )?)),
        };
        Ok(TriggerSpec {
            name: name.to_string(),
            command: self.command.clone(),
            events,
            category,
            min_amount,
            origins,
            payee,
            tags: self.tags.iter().map(|t| t.trim().to_string()).collect(),
            kind,
            changed,
            view,
            batch_size: positive("batch_size", self.batch_size, 1, MAX_BATCH as u64)? as usize,
            batch_window,
            max_record_age,
            format,
            // The region is set once the whole config is read (`[stream] region` may come
            // later or from the environment); the label when delivery starts.
            source: StreamSource::default(),
            max_attempts: positive("max_attempts", self.max_attempts, 5, 100)? as u32,
            backoff: Duration::from_millis(positive(
                "backoff_ms",
                self.backoff_ms,
                1000,
                MAX_BACKOFF.as_millis() as u64,
            )?),
            timeout: Duration::from_secs(positive("timeout_secs", self.timeout_secs, 30, 3600)?),
        })
    }
}

/// The line (from 1) in `text` that an error about the trigger table whose header is at `span`
/// points at: the line of the key the error starts with (`batch_size: ...`) or names (serde's
/// ``unknown field `colour` ``), else the header's line.
pub fn line_of(text: &str, span: std::ops::Range<usize>, error: &str) -> usize {
    let start = span.start.min(text.len());
    let line_at = |offset: usize| text[..offset].matches('\n').count() + 1;
    let key = error
        .split_once("unknown field `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(k, _)| k)
        .or_else(|| error.split_once(':').map(|(k, _)| k))
        .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    if let Some(key) = key {
        // The table runs from its header to the next header.
        let mut offset = start;
        for (i, line) in text[start..].split_inclusive('\n').enumerate() {
            let trimmed = line.trim_start();
            if i > 0 && trimmed.starts_with('[') {
                break;
            }
            let rest = trimmed.strip_prefix(key).map(str::trim_start);
            if rest.is_some_and(|r| r.starts_with('=')) {
                return line_at(offset);
            }
            offset += line.len();
        }
    }
    line_at(start)
}

/// `50`, `12.5`, `0.001` -> minor units at scale 3.
fn parse_min(text: &str) -> Result<i128, String> {
    let kwd = Currency::parse("KWD").map_err(|e| e.to_string())?;
    debug_assert_eq!(kwd.exponent(), MIN_SCALE);
    money::parse_amount(text, kwd)
        .map(i128::from)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(toml_text: &str) -> Result<TriggerSpec, String> {
        let f: TriggerFile = toml::from_str(toml_text).map_err(|e| e.to_string())?;
        f.to_spec()
    }

    #[test]
    fn config_is_checked_key_by_key() {
        let s = spec("name = 'a'\ncommand = 'cat'").unwrap();
        assert_eq!(
            (s.max_attempts, s.view, s.format),
            (5, View::NewAndOldImages, Format::Plain)
        );
        let d = spec("name = 'a'\ncommand = 'cat'\nformat = 'DynamoDB'").unwrap();
        assert_eq!(d.format, Format::DynamoDb);
        for (bad, want) in [
            ("name = 'a b'\ncommand = 'x'", "name 'a b'"),
            ("name = 'a'\ncommand = ' '", "command: empty"),
            (
                "name = 'a'\ncommand = 'x'\nevents = ['PUT']",
                "events: 'PUT'",
            ),
            (
                "name = 'a'\ncommand = 'x'\norigins = ['me']",
                "origins: 'me'",
            ),
            (
                "name = 'a'\ncommand = 'x'\nmin_amount = '12,3.4'",
                "min_amount:",
            ),
            ("name = 'a'\ncommand = 'x'\nview = 'all'", "view: 'all'"),
            (
                "name = 'a'\ncommand = 'x'\nformat = 'kinesis'",
                "format: 'kinesis' is not plain or dynamodb",
            ),
            (
                "name = 'a'\ncommand = 'x'\nmax_attempts = 0",
                "max_attempts: 0",
            ),
            (
                "name = 'a'\ncommand = 'x'\nbatch_size = 0",
                "batch_size: 0 is not between 1 and 10000",
            ),
            (
                "name = 'a'\ncommand = 'x'\nbatch_size = 10001",
                "batch_size: 10001",
            ),
            (
                "name = 'a'\ncommand = 'x'\nchanged = ['colour']",
                "changed: 'colour' is not a field",
            ),
            ("name = 'a'\ncommand = 'x'\nkind = 'gift'", "kind: 'gift'"),
            ("name = 'a'\ncommand = 'x'\npayee = ' '", "payee: empty"),
            (
                "name = 'a'\ncommand = 'x'\nbatch_window = 1\nbatch_window_ms = 5",
                "set one of them",
            ),
            (
                "name = 'a'\ncommand = 'x'\nbatch_window_ms = -1",
                "batch_window_ms: -1",
            ),
            (
                "name = 'a'\ncommand = 'x'\nmax_record_age = 0",
                "max_record_age: 0",
            ),
        ] {
            let e = spec(bad).unwrap_err();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }

    #[test]
    fn batching_filters_and_age_are_read_from_the_file() {
        let s = spec(
            "name = 'a'\ncommand = 'x'\nbatch_size = 100\nbatch_window = 2\n\
             max_record_age = 60\npayee = 'LIDL'\ntags = ['t']\nkind = 'income'\n\
             changed = ['category', 'amount']",
        )
        .unwrap();
        assert_eq!(s.batch_size, 100);
        assert_eq!(s.batch_window, Duration::from_secs(2));
        assert_eq!(s.max_record_age, Some(Duration::from_secs(60)));
        assert_eq!(s.payee.as_deref(), Some("lidl"));
        assert_eq!(s.kind, Some(Kind::Income));
        assert_eq!(s.changed, vec![Field::Category, Field::Amount]);
        let d = spec("name = 'a'\ncommand = 'x'\nbatch_window_ms = 250").unwrap();
        assert_eq!(
            (d.batch_size, d.batch_window),
            (1, Duration::from_millis(250))
        );
        assert_eq!(d.max_record_age, None);
    }

    #[test]
    fn an_error_points_at_the_line_of_its_key() {
        let text = "currency = 'EUR'\n[[trigger]]\nname = 'a'\nbatch_size = 0\n\
                    [[trigger]]\nname = 'b'\ncolour = 1\n";
        let first = text.find("[[trigger]]").unwrap();
        let second = text.rfind("[[trigger]]").unwrap();
        assert_eq!(line_of(text, first..first + 11, "batch_size: 0 is not"), 4);
        assert_eq!(
            line_of(text, second..second + 11, "unknown field `colour`, x"),
            7
        );
        // A key of the next table is not this table's.
        assert_eq!(line_of(text, first..first + 11, "colour: x"), 2);
    }

    #[test]
    fn backoff_is_read_from_the_file() {
        let s = spec("name = 'a'\ncommand = 'x'\nbackoff_ms = 100").unwrap();
        let ms: Vec<u128> = (1..=4).map(|n| s.backoff_after(n).as_millis()).collect();
        assert_eq!(ms, [100, 200, 400, 800]);
        assert_eq!(s.backoff_after(40), MAX_BACKOFF);
    }
}
