//! How trash expiry reads to a person: "30 days", "5 h", "12 min". Pure: the caller passes now.

use chrono::{DateTime, Local};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// The time left until `expires_at` (Unix ms) seen at `now_ms`, in the largest unit that
/// fits, rounded to the nearest (deleted a moment ago with 30 days to live reads `30 days`, a
/// day and a few ms reads `1 day`): `30 days`, `1 day`, `5 h`, `12 min` (minutes round up, so
/// the last minute is `1 min`); `due` once it has passed (the next sweep removes it).
pub fn expires_in(expires_at: i64, now_ms: i64) -> String {
    let left = expires_at.saturating_sub(now_ms);
    let near = |unit: i64| left.saturating_add(unit / 2) / unit;
    match left {
        l if l <= 0 => "due".to_string(),
        _ if near(DAY) >= 2 => format!("{} days", near(DAY)),
        _ if near(DAY) == 1 => "1 day".to_string(),
        _ if near(HOUR) >= 1 => format!("{} h", near(HOUR)),
        l => format!("{} min", l / MINUTE + i64::from(l % MINUTE != 0)),
    }
}

/// How long ago `at` (Unix ms) was, seen at `now_ms`: `just now`, `12 min ago`, `5 h ago`,
/// `1 day ago`, `3 days ago` (rounded down: a deletion 47 hours ago was `1 day ago`).
pub fn ago(at: i64, now_ms: i64) -> String {
    match now_ms.saturating_sub(at) {
        l if l < MINUTE => "just now".to_string(),
        l if l < HOUR => format!("{} min ago", l / MINUTE),
        l if l < DAY => format!("{} h ago", l / HOUR),
        l if l < 2 * DAY => "1 day ago".to_string(),
        l => format!("{} days ago", l / DAY),
    }
}

/// Unix ms as local `YYYY-MM-DD HH:MM` (or the raw number if it is out of range).
pub fn local_minute(ms: i64) -> String {
    match DateTime::from_timestamp_millis(ms) {
        Some(t) => t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string(),
        None => ms.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_the_nearest_largest_unit() {
        assert_eq!(expires_in(30 * DAY, 0), "30 days");
        assert_eq!(expires_in(30 * DAY, 5), "30 days");
        assert_eq!(expires_in(DAY + 5, 0), "1 day");
        assert_eq!(expires_in(DAY - 5, 0), "1 day");
        assert_eq!(expires_in(DAY + 13 * HOUR, 0), "2 days");
        assert_eq!(expires_in(11 * HOUR, 0), "11 h");
        assert_eq!(expires_in(90 * MINUTE, 30 * MINUTE), "1 h");
        assert_eq!(expires_in(90 * MINUTE, 0), "2 h");
        assert_eq!(expires_in(20 * MINUTE, 0), "20 min");
        assert_eq!(expires_in(59_000, 0), "1 min");
        assert_eq!(expires_in(5, 5), "due");
        assert_eq!(expires_in(5, 9), "due");
    }

    #[test]
    fn ago_rounds_down() {
        assert_eq!(ago(0, 59_000), "just now");
        assert_eq!(ago(0, 5 * MINUTE), "5 min ago");
        assert_eq!(ago(0, 3 * HOUR + 1), "3 h ago");
        assert_eq!(ago(0, 47 * HOUR), "1 day ago");
        assert_eq!(ago(0, 30 * DAY), "30 days ago");
        assert_eq!(ago(10, 0), "just now");
    }
}
