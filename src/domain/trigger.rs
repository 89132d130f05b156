//! A user trigger as the engine delivers it: a filter over change records (events, origins, a
//! category, a minimum amount) and a command that receives each matching record as JSON in the
//! trigger's view and format (plain, or DynamoDB's own). Parsed from `[[trigger]]` in config
//! (`config::trigger`); delivered by `engine::triggers`. Pure: the filter reads only the record.

use super::category::is_within;
use super::change::{ChangeRecord, Event, Origin};
use super::stream::{Format, StreamSource, View};
use super::Expense;
use std::time::Duration;

/// One configured trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerSpec {
    /// Unique name, `[A-Za-z0-9_-]+` (the key of its checkpoint).
    pub name: String,
    /// Run with `sh -c`, the record on stdin.
    pub command: String,
    /// Events that match (empty: all).
    pub events: Vec<Event>,
    /// The category or below it, in the old or the new image.
    pub category: Option<String>,
    /// Minimum amount as minor units at scale 3 (`50` = 50000), in the record's currency.
    pub min_amount: Option<i128>,
    /// Origins that match (empty: all).
    pub origins: Vec<Origin>,
    /// Images in the JSON.
    pub view: View,
    /// How each record is written (`format = "plain" | "dynamodb"`).
    pub format: Format,
    /// The stream the records come from: the region from config (`[stream] region`), the label
    /// from the store, filled by whoever starts delivering (`engine::stream_format::for_store`).
    pub source: StreamSource,
    /// Attempts before a record is dead-lettered (at least 1).
    pub max_attempts: u32,
    /// Delay before the first retry; doubled for each further one, at most [`MAX_BACKOFF`].
    pub backoff: Duration,
    /// A run longer than this is killed and counted as a failure.
    pub timeout: Duration,
}

/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// Scale of [`TriggerSpec::min_amount`] (3 decimals covers every ISO 4217 currency we print).
pub const MIN_SCALE: u32 = 3;

impl TriggerSpec {
    /// True when `r` passes the filter.
    pub fn matches(&self, r: &ChangeRecord) -> bool {
        if !self.events.is_empty() && !self.events.contains(&r.event) {
            return false;
        }
        if !self.origins.is_empty() && !self.origins.contains(&r.origin) {
            return false;
        }
        let images = || [r.new.as_ref(), r.old.as_ref()].into_iter().flatten();
        if let Some(c) = &self.category {
            if !images().any(|e| is_within(&e.draft.category, c)) {
                return false;
            }
        }
        if let Some(min) = self.min_amount {
            if !images().any(|e| at_least(e, min)) {
                return false;
            }
        }
        true
    }

    /// Delay before attempt `attempts + 1` after `attempts` failures.
    pub fn backoff_after(&self, attempts: u32) -> Duration {
        let factor = 1u32 << attempts.saturating_sub(1).min(16);
        self.backoff.saturating_mul(factor).min(MAX_BACKOFF)
    }
}

/// `e.amount >= min / 10^3` in `e`'s currency, compared exactly.
fn at_least(e: &Expense, min: i128) -> bool {
    let exp = e.draft.currency.exponent();
    i128::from(e.draft.amount) * 10i128.pow(MIN_SCALE) >= min * 10i128.pow(exp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = TriggerSpec {
            name: "a".into(),
            command: "x".into(),
            events: Vec::new(),
            category: None,
            min_amount: None,
            origins: Vec::new(),
            view: View::NewAndOldImages,
            format: Format::Plain,
            source: StreamSource::default(),
            max_attempts: 5,
            backoff: Duration::from_millis(100),
            timeout: Duration::from_secs(30),
        };
        let ms: Vec<u128> = (1..=4).map(|n| s.backoff_after(n).as_millis()).collect();
        assert_eq!(ms, [100, 200, 400, 800]);
        assert_eq!(s.backoff_after(40), MAX_BACKOFF);
    }
}
