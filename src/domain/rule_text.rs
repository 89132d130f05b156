//! A schedule's rule in the words people type (`expense recurring add ... --every 2 weeks --on
//! friday`): how often (`month`, `2 weeks`, `fortnightly`), on which day (`1`..`31` or `last` for
//! a monthly rule, a weekday for a weekly one), and from those, with a start and an end, a
//! checked [`Rule`]. Rule: every refusal says which part is at fault ([`Part`]), so the caller
//! can name its own option or field; nothing here knows about options.

use super::schedule::{End, Every, MonthDay, Rule, RuleError};
use chrono::{Datelike, NaiveDate, Weekday};

/// The unit of an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Days.
    Days,
    /// Weeks.
    Weeks,
    /// Months.
    Months,
    /// Years.
    Years,
}

/// How often: every `n` `unit`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    /// How many units (0 is refused by [`rule`]).
    pub n: u32,
    /// Which.
    pub unit: Unit,
}

/// The day a rule falls on: of the month, or of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// A day of the month (monthly rules).
    Day(MonthDay),
    /// A day of the week (weekly rules: the first such day on or after the start).
    Weekday(Weekday),
}

/// The part of a rule a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// How often.
    Every,
    /// The day.
    On,
    /// The end date.
    Until,
    /// The number of occurrences.
    Count,
}

/// Why the words do not make a rule; `Display` is the reason a person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleTextError {
    /// A number with no unit: `2`.
    #[error("say what: '{0} weeks', '{0} months' (day, week, month or year)")]
    NoUnit(u32),
    /// A word that is no unit.
    #[error("'{0}' is not a unit: use day, week, month or year (2 weeks, 3 months), or daily, weekly, fortnightly, monthly, quarterly, yearly")]
    BadUnit(String),
    /// A number too large.
    #[error("'{0}' is too large a number")]
    TooLarge(String),
    /// A day that is neither of the month nor of the week.
    #[error(
        "'{0}' is not a day: use 1-31 or 'last' (monthly), or a weekday such as 'friday' (weekly)"
    )]
    BadOn(String),
    /// A weekday for a monthly rule, a day of the month for a weekly one, any day for a daily
    /// or yearly one.
    #[error("{0}")]
    OnNotFor(&'static str),
    /// The rule itself is refused.
    #[error(transparent)]
    Rule(#[from] RuleError),
}

impl RuleTextError {
    /// Which part of the rule is at fault.
    pub fn part(&self) -> Part {
        match self {
            RuleTextError::NoUnit(_) | RuleTextError::BadUnit(_) | RuleTextError::TooLarge(_) => {
                Part::Every
            }
            RuleTextError::BadOn(_) | RuleTextError::OnNotFor(_) => Part::On,
            RuleTextError::Rule(RuleError::ZeroInterval(_)) => Part::Every,
            RuleTextError::Rule(RuleError::BadDay(_)) => Part::On,
            RuleTextError::Rule(RuleError::EndBeforeStart { .. }) => Part::Until,
            RuleTextError::Rule(RuleError::ZeroCount) => Part::Count,
        }
    }
}

/// A unit word and how many units it is by itself (`fortnightly` is 2 weeks).
fn unit_word(w: &str) -> Option<(u32, Unit)> {
    Some(match w.to_ascii_lowercase().as_str() {
        "d" | "day" | "days" | "daily" => (1, Unit::Days),
        "w" | "week" | "weeks" | "weekly" => (1, Unit::Weeks),
        "fortnight" | "fortnights" | "fortnightly" => (2, Unit::Weeks),
        "m" | "month" | "months" | "monthly" => (1, Unit::Months),
        "quarter" | "quarters" | "quarterly" => (3, Unit::Months),
        "y" | "year" | "years" | "yearly" | "annually" => (1, Unit::Years),
        _ => return None,
    })
}

/// How often, from `month`, `monthly`, `2 weeks`, `2-weeks`, `2weeks`, `2w`, `every 3 months`.
pub fn parse_interval(text: &str) -> Result<Interval, RuleTextError> {
    let t = text.trim();
    let t = t
        .strip_prefix("every ")
        .or_else(|| t.strip_prefix("Every "))
        .unwrap_or(t)
        .trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let (number, rest) = t.split_at(digits);
    let rest = rest.trim_start_matches([' ', '-']).trim();
    let n = if number.is_empty() {
        1
    } else {
        number
            .parse::<u32>()
            .map_err(|_| RuleTextError::TooLarge(number.to_string()))?
    };
    if rest.is_empty() {
        return Err(match number.is_empty() {
            true => RuleTextError::BadUnit(t.to_string()),
            false => RuleTextError::NoUnit(n),
        });
    }
    let (per, unit) = unit_word(rest).ok_or_else(|| RuleTextError::BadUnit(rest.to_string()))?;
    let n = n
        .checked_mul(per)
        .ok_or_else(|| RuleTextError::TooLarge(number.to_string()))?;
    Ok(Interval { n, unit })
}

/// True when `text` is an interval by itself with no number (`month`, `weekly`): the second
/// word after it belongs elsewhere.
pub fn is_unit_word(text: &str) -> bool {
    unit_word(text.trim()).is_some()
}

/// The day: `1`..`31`, `last`, `1st`, `15th`, or a weekday (`fri`, `friday`).
pub fn parse_on(text: &str) -> Result<On, RuleTextError> {
    let t = text.trim();
    if let Ok(w) = t.parse::<Weekday>() {
        return Ok(On::Weekday(w));
    }
    let lower = t.to_ascii_lowercase();
    let day = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|s| {
            lower
                .strip_suffix(s)
                .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        })
        .unwrap_or(&lower);
    if day == "last" || day.bytes().all(|b| b.is_ascii_digit()) && !day.is_empty() {
        return MonthDay::parse(day)
            .map(On::Day)
            .map_err(RuleTextError::from);
    }
    Err(RuleTextError::BadOn(t.to_string()))
}

/// The first `w` on or after `day`.
pub fn next_weekday(day: NaiveDate, w: Weekday) -> NaiveDate {
    let ahead = (7 + w.num_days_from_monday() - day.weekday().num_days_from_monday()) % 7;
    day + chrono::Days::new(u64::from(ahead))
}

/// The rule from `start`, every `interval`, on `on` (default: the start's day), until `end`,
/// checked (see [`Rule::new`]). A weekly rule on a weekday starts on the first such day on or
/// after `start`.
pub fn rule(
    start: NaiveDate,
    interval: Interval,
    on: Option<On>,
    end: End,
) -> Result<Rule, RuleTextError> {
    let n = interval.n;
    let (start, every) =
        match (interval.unit, on) {
            (Unit::Months, None) => (start, Every::Months(n, MonthDay::Day(start.day() as u8))),
            (Unit::Months, Some(On::Day(d))) => (start, Every::Months(n, d)),
            (Unit::Months, Some(On::Weekday(_))) => {
                return Err(RuleTextError::OnNotFor(
                    "a monthly schedule falls on a day of the month (1-31 or last), not a weekday",
                ))
            }
            (Unit::Weeks, None) => (start, Every::Weeks(n)),
            (Unit::Weeks, Some(On::Weekday(w))) => (next_weekday(start, w), Every::Weeks(n)),
            (Unit::Weeks, Some(On::Day(_))) => return Err(RuleTextError::OnNotFor(
                "a weekly schedule falls on a weekday (monday .. sunday), not a day of the month",
            )),
            (Unit::Days, None) => (start, Every::Days(n)),
            (Unit::Years, None) => (start, Every::Years(n)),
            (Unit::Days | Unit::Years, Some(_)) => return Err(RuleTextError::OnNotFor(
                "only monthly and weekly schedules take a day; a yearly one falls on its start's \
                 day (give --start)",
            )),
        };
    Ok(Rule::new(start, every, end)?)
}

/// How often a rule is, as [`Interval`] and [`On`] (the start's day for monthly rules on it).
pub fn parts(r: &Rule) -> (Interval, Option<On>) {
    match r.every {
        Every::Days(n) => (
            Interval {
                n,
                unit: Unit::Days,
            },
            None,
        ),
        Every::Weeks(n) => (
            Interval {
                n,
                unit: Unit::Weeks,
            },
            Some(On::Weekday(r.start.weekday())),
        ),
        Every::Months(n, d) => (
            Interval {
                n,
                unit: Unit::Months,
            },
            Some(On::Day(d)),
        ),
        Every::Years(n) => (
            Interval {
                n,
                unit: Unit::Years,
            },
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn every(n: u32, unit: Unit) -> Interval {
        Interval { n, unit }
    }

    #[test]
    fn intervals_in_their_spellings() {
        for (t, want) in [
            ("month", every(1, Unit::Months)),
            ("Monthly", every(1, Unit::Months)),
            ("2 weeks", every(2, Unit::Weeks)),
            ("2-weeks", every(2, Unit::Weeks)),
            ("2weeks", every(2, Unit::Weeks)),
            ("2w", every(2, Unit::Weeks)),
            ("fortnightly", every(2, Unit::Weeks)),
            ("every 3 months", every(3, Unit::Months)),
            ("quarterly", every(3, Unit::Months)),
            ("10 days", every(10, Unit::Days)),
            ("year", every(1, Unit::Years)),
            ("0 months", every(0, Unit::Months)),
        ] {
            assert_eq!(parse_interval(t), Ok(want), "{t}");
        }
        assert_eq!(parse_interval("2"), Err(RuleTextError::NoUnit(2)));
        assert!(matches!(
            parse_interval("2 fortnights x"),
            Err(RuleTextError::BadUnit(_))
        ));
        assert!(matches!(
            parse_interval("99999999999 days"),
            Err(RuleTextError::TooLarge(_))
        ));
        assert_eq!(parse_interval("lunar").unwrap_err().part(), Part::Every);
        assert!(is_unit_word("month") && !is_unit_word("rent"));
    }

    #[test]
    fn days_of_the_month_and_of_the_week() {
        assert_eq!(parse_on("1"), Ok(On::Day(MonthDay::Day(1))));
        assert_eq!(parse_on("31st"), Ok(On::Day(MonthDay::Day(31))));
        assert_eq!(parse_on("last"), Ok(On::Day(MonthDay::Last)));
        assert_eq!(parse_on("fri"), Ok(On::Weekday(Weekday::Fri)));
        assert_eq!(parse_on("Friday"), Ok(On::Weekday(Weekday::Fri)));
        assert_eq!(
            parse_on("32"),
            Err(RuleTextError::Rule(RuleError::BadDay(32)))
        );
        assert_eq!(parse_on("0").unwrap_err().part(), Part::On);
        assert!(matches!(parse_on("soon"), Err(RuleTextError::BadOn(_))));
    }

    #[test]
    fn rules_from_words_and_their_refusals() {
        let start = d(2027, 3, 10); // a Wednesday
        let r = rule(start, every(1, Unit::Months), None, End::Never).unwrap();
        assert_eq!(r.every, Every::Months(1, MonthDay::Day(10)));
        let r = rule(
            start,
            every(2, Unit::Weeks),
            Some(On::Weekday(Weekday::Fri)),
            End::Never,
        )
        .unwrap();
        assert_eq!(r.start, d(2027, 3, 12));
        assert_eq!(next_weekday(start, Weekday::Wed), start);
        let bad = |r: Result<Rule, RuleTextError>| r.unwrap_err().part();
        assert_eq!(
            bad(rule(start, every(0, Unit::Months), None, End::Never)),
            Part::Every
        );
        assert_eq!(
            bad(rule(
                start,
                every(1, Unit::Days),
                Some(On::Day(MonthDay::Last)),
                End::Never
            )),
            Part::On
        );
        assert_eq!(
            bad(rule(
                start,
                every(1, Unit::Days),
                None,
                End::On(d(2027, 1, 1))
            )),
            Part::Until
        );
        assert_eq!(
            bad(rule(start, every(1, Unit::Days), None, End::After(0))),
            Part::Count
        );
        let (i, on) = parts(&rule(start, every(1, Unit::Months), None, End::Never).unwrap());
        assert_eq!(
            (i, on),
            (every(1, Unit::Months), Some(On::Day(MonthDay::Day(10))))
        );
    }
}
