//! Months as people budget them: a custom start day (salary on the 25th) shifts every month.
//!
//! A month is named after the calendar month it starts in: with start day 25, `2026-11` runs from
//! 2026-11-25 to 2026-12-24.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A budgeting month, `year-month`, whose days depend on the start day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month {
    /// Calendar year the month starts in.
    pub year: i32,
    /// 1..=12.
    pub month: u32,
}

impl Month {
    /// The month that contains `date`, for months starting on `start_day` (1..=28).
    pub fn containing(date: NaiveDate, start_day: u32) -> Month {
        let m = Month {
            year: date.year(),
            month: date.month(),
        };
        if date.day() < start_day {
            m.prev()
        } else {
            m
        }
    }

    /// Parses `YYYY-MM` strictly.
    pub fn parse(s: &str) -> Result<Month, PeriodError> {
        let bad = || PeriodError::Shape(s.to_string());
        let b = s.as_bytes();
        if b.len() != 7
            || b[4] != b'-'
            || !b
                .iter()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_digit())
        {
            return Err(bad());
        }
        let year: i32 = s[..4].parse().map_err(|_| bad())?;
        let month: u32 = s[5..].parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) {
            return Err(PeriodError::NotAMonth {
                text: s.to_string(),
                month,
            });
        }
        Ok(Month { year, month })
    }

    /// The following month.
    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The preceding month.
    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// First and last day (inclusive) of this month for `start_day`.
    pub fn range(self, start_day: u32) -> (NaiveDate, NaiveDate) {
        let first_of =
            |m: Month| NaiveDate::from_ymd_opt(m.year, m.month, 1).unwrap_or(NaiveDate::MIN);
        let day = start_day.clamp(1, 28) - 1;
        let start = first_of(self) + chrono::Days::new(u64::from(day));
        let end = first_of(self)
            .checked_add_months(Months::new(1))
            .map(|d| d + chrono::Days::new(u64::from(day)))
            .and_then(|d| d.pred_opt())
            .unwrap_or(NaiveDate::MAX);
        (start, end)
    }

    /// `November 2026`, the title shown on screens.
    pub fn title(self) -> String {
        const NAMES: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        format!("{} {}", NAMES[(self.month as usize + 11) % 12], self.year)
    }
}

/// Why a month was refused; its `Display` is the message a person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Not shaped `YYYY-MM`.
    #[error("month '{0}' must be YYYY-MM, e.g. 2026-11")]
    Shape(String),
    /// Shaped right, but the month number is not 1-12.
    #[error("month '{text}': {month} is not a month (01-12)")]
    NotAMonth {
        /// The text as written.
        text: String,
        /// The month number it holds.
        month: u32,
    },
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn calendar_months() {
        let m = Month::parse("2024-02").unwrap();
        assert_eq!(m.range(1), (d("2024-02-01"), d("2024-02-29")));
        assert_eq!(Month::containing(d("2026-11-21"), 1).to_string(), "2026-11");
        assert_eq!(
            Month::parse("2026-12").unwrap().next().to_string(),
            "2027-01"
        );
        assert_eq!(
            Month::parse("2026-01").unwrap().prev().to_string(),
            "2025-12"
        );
        assert!(Month::parse("2026-13").is_err());
        assert!(Month::parse("2026-1").is_err());
        assert_eq!(m.title(), "February 2024");
    }

    #[test]
    fn custom_start_day() {
        let m = Month::parse("2026-11").unwrap();
        assert_eq!(m.range(25), (d("2026-11-25"), d("2026-12-24")));
        assert_eq!(
            Month::containing(d("2026-11-24"), 25).to_string(),
            "2026-10"
        );
        assert_eq!(
            Month::containing(d("2026-11-25"), 25).to_string(),
            "2026-11"
        );
        assert_eq!(
            Month::containing(d("2027-01-03"), 25).to_string(),
            "2026-12"
        );
    }

    #[test]
    fn bad_months_are_quoted() {
        let msg = |s: &str| Month::parse(s).unwrap_err().to_string();
        assert_eq!(
            msg("2026-1"),
            "month '2026-1' must be YYYY-MM, e.g. 2026-11"
        );
        assert_eq!(msg("2026-13"), "month '2026-13': 13 is not a month (01-12)");
    }
}
