//! The process clock, in one place: record timestamps (`now_ms`), today's date (`today`) and the
//! trash sweeper all read it here. Rule: nothing else calls `Utc::now`/`Local::now` for "now".
//!
//! A testing and reproducibility knob: `EXPENSE_NOW=2026-12-30T10:00:00Z` (RFC 3339, or a plain
//! `YYYY-MM-DD` meaning that day's local midnight) starts the clock at that instant when the
//! process starts; it then runs forward normally, so day rollovers and the sweeper's minute
//! still happen. End-to-end tests use it to see a trashed expense expire without waiting 30 days.
//! A command run through another process's session uses that process's clock for timestamps
//! (its `today` comes from the caller).

use chrono::{DateTime, Local, NaiveDate, TimeZone, Utc};
use std::sync::OnceLock;

/// The environment variable that sets the clock.
pub const ENV: &str = "EXPENSE_NOW";

/// Offset from the system clock (ms) that `EXPENSE_NOW` asked for, fixed at first use.
static OFFSET_MS: OnceLock<i64> = OnceLock::new();

/// Parses an `EXPENSE_NOW` value.
pub fn parse(text: &str) -> Result<DateTime<Utc>, ClockError> {
    let t = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(at.with_timezone(&Utc));
    }
    if let Ok(day) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        if let Some(at) = day
            .and_hms_opt(0, 0, 0)
            .and_then(|m| Local.from_local_datetime(&m).earliest())
        {
            return Ok(at.with_timezone(&Utc));
        }
    }
    Err(ClockError::NotATime(t.to_string()))
}

/// Why an `EXPENSE_NOW` value was refused; its `Display` is the message a person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// The value (trimmed) is neither RFC 3339 nor `YYYY-MM-DD`.
    #[error(
        "{}='{}' is not a time: use RFC 3339 like 2026-12-30T10:00:00Z, or YYYY-MM-DD",
        ENV,
        .0
    )]
    NotATime(String),
}

/// Reads `EXPENSE_NOW` and fixes the clock; an unreadable value is an error naming it. Call once
/// at start (main does); without it the first reading of the clock does the same and ignores a
/// bad value.
pub fn init(env: &dyn Fn(&str) -> Option<String>) -> Result<(), ClockError> {
    let offset = match env(ENV) {
        Some(v) => parse(&v)?.timestamp_millis() - Utc::now().timestamp_millis(),
        None => 0,
    };
    let _ = OFFSET_MS.set(offset);
    Ok(())
}

fn offset() -> i64 {
    *OFFSET_MS.get_or_init(|| {
        std::env::var(ENV)
            .ok()
            .and_then(|v| parse(&v).ok())
            .map_or(0, |at| {
                at.timestamp_millis() - Utc::now().timestamp_millis()
            })
    })
}

/// Now, as Unix milliseconds.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis().saturating_add(offset())
}

/// Now, in UTC.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(now_ms()).unwrap_or_else(Utc::now)
}

/// Today in the local time zone.
pub fn today() -> NaiveDate {
    now().with_timezone(&Local).date_naive()
}

/// Unix ms as local `YYYY-MM-DD HH:MM:SS`.
pub fn local_time(ms: i64) -> String {
    use chrono::TimeZone;
    match chrono::Local.timestamp_millis_opt(ms) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.format("%Y-%m-%d %H:%M:%S").to_string()
        }
        chrono::LocalResult::None => format!("@{ms}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_and_dates_and_names_bad_values() {
        assert_eq!(
            parse("2026-12-30T10:00:00Z").unwrap().timestamp_millis(),
            1_798_624_800_000
        );
        assert!(parse("2026-12-30").is_ok());
        let e = parse("tomorrow").unwrap_err().to_string();
        assert_eq!(
            e,
            "EXPENSE_NOW='tomorrow' is not a time: use RFC 3339 like 2026-12-30T10:00:00Z, or YYYY-MM-DD"
        );
    }
}
