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
//! view = "new_image"                 # keys_only | new_image | old_image | new_and_old_images
//! format = "dynamodb"                # plain (default) | dynamodb (as a Lambda gets it)
//! max_attempts = 5                   # then the record is dead-lettered
//! backoff_ms = 1000                  # first retry delay, doubled each time (capped at 5 min)
//! timeout_secs = 30                  # a command running longer is killed (a failure)
//! ```

use crate::domain::change::{Event, Origin};
use crate::domain::stream::{Format, StreamSource, View};
use crate::domain::trigger::{TriggerSpec, MAX_BACKOFF, MIN_SCALE};
use crate::domain::{money, Currency};
use serde::Deserialize;
use std::time::Duration;

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
    view: Option<String>,
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
        Ok(TriggerSpec {
            name: name.to_string(),
            command: self.command.clone(),
            events,
            category,
            min_amount,
            origins,
            view,
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
        ] {
            let e = spec(bad).unwrap_err();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }

    #[test]
    fn backoff_is_read_from_the_file() {
        let s = spec("name = 'a'\ncommand = 'x'\nbackoff_ms = 100").unwrap();
        let ms: Vec<u128> = (1..=4).map(|n| s.backoff_after(n).as_millis()).collect();
        assert_eq!(ms, [100, 200, 400, 800]);
        assert_eq!(s.backoff_after(40), MAX_BACKOFF);
    }
}
