//! When a recurring expense falls due (issue 13): the rule of a schedule and its occurrences.
//! Pure calendar arithmetic on local dates (`chrono::NaiveDate`): no clock, no time zone, so a DST
//! change or a move to another zone can neither skip an occurrence nor post one twice.
//!
//! Rule: occurrence `k` (from 0) is computed from the start and `k` alone, never from the
//! occurrence before it, so nothing drifts: "monthly on the 31st" falls on 31 January, 28 (or 29)
//! February, 31 March, 30 April, 31 May — not on the 28th for ever after February, which is the
//! trap of stepping from the previous date (budget_tracker_tui #63). Likewise "yearly" from 29
//! February falls on 28 February in common years and on the 29th again in leap years.

use super::{Draft, ExpenseId};
use chrono::{Datelike, Months, NaiveDate};

/// How often a schedule repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Every {
    /// Every N days.
    Days(u32),
    /// Every N weeks (same weekday as the start).
    Weeks(u32),
    /// Every N months, on a day of the month (clamped to the month's last day) or the last day.
    Months(u32, MonthDay),
    /// Every N years, on the start's month and day (29 February: the 28th in common years).
    Years(u32),
}

/// The day of the month a monthly schedule falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MonthDay {
    /// This day (1-31), or the month's last day when it has fewer.
    Day(u8),
    /// The month's last day.
    Last,
}

/// When a schedule stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum End {
    /// It goes on.
    Never,
    /// The last occurrence is on or before this date.
    On(NaiveDate),
    /// After this many occurrences.
    After(u32),
}

/// A schedule's rule: from `start`, `every`, until `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rule {
    /// The first day it may fall on (a monthly rule on another day starts at the first such
    /// day on or after it).
    pub start: NaiveDate,
    /// How often.
    pub every: Every,
    /// When it stops.
    pub end: End,
}

/// Why a rule cannot be kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// `every 0 months`.
    #[error("a schedule repeats every 1 or more {0}, not every 0")]
    ZeroInterval(&'static str),
    /// `--on 0` or `--on 32`.
    #[error("day {0} is not a day of the month: use 1-31, or 'last'")]
    BadDay(u32),
    /// An end before the start.
    #[error("the schedule ends ({end}) before it starts ({start})")]
    EndBeforeStart {
        /// The start.
        start: NaiveDate,
        /// The end given.
        end: NaiveDate,
    },
    /// `--count 0`.
    #[error("a schedule that ends after 0 occurrences never falls due: give 1 or more")]
    ZeroCount,
}

/// The last day of `year`-`month`.
fn last_day(year: i32, month: u32) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    first.checked_add_months(Months::new(1))?.pred_opt()
}

/// `year`-`month`-`day`, or the month's last day when it has fewer days.
fn clamped(year: i32, month: u32, day: MonthDay) -> Option<NaiveDate> {
    let last = last_day(year, month)?;
    match day {
        MonthDay::Last => Some(last),
        MonthDay::Day(d) => Some(last.with_day(u32::from(d).min(last.day()))?),
    }
}

impl MonthDay {
    /// `1`..=`31` or `last`.
    pub fn parse(s: &str) -> Result<MonthDay, RuleError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("last") {
            return Ok(MonthDay::Last);
        }
        match s.parse::<u32>() {
            Ok(d @ 1..=31) => Ok(MonthDay::Day(d as u8)),
            Ok(d) => Err(RuleError::BadDay(d)),
            Err(_) => Err(RuleError::BadDay(0)),
        }
    }
}

impl Rule {
    /// A rule, checked: an interval of at least 1, a real day of the month, an end not before
    /// the start, a count of at least 1.
    pub fn new(start: NaiveDate, every: Every, end: End) -> Result<Rule, RuleError> {
        let (n, unit) = match every {
            Every::Days(n) => (n, "days"),
            Every::Weeks(n) => (n, "weeks"),
            Every::Months(n, _) => (n, "months"),
            Every::Years(n) => (n, "years"),
        };
        if n == 0 {
            return Err(RuleError::ZeroInterval(unit));
        }
        if let Every::Months(_, MonthDay::Day(d)) = every {
            if !(1..=31).contains(&d) {
                return Err(RuleError::BadDay(u32::from(d)));
            }
        }
        match end {
            End::On(e) if e < start => return Err(RuleError::EndBeforeStart { start, end: e }),
            End::After(0) => return Err(RuleError::ZeroCount),
            _ => {}
        }
        Ok(Rule { start, every, end })
    }

    /// Occurrence `k` (from 0), ignoring the end; `None` past the calendar's range.
    pub fn nth(&self, k: u32) -> Option<NaiveDate> {
        let s = self.start;
        match self.every {
            Every::Days(n) => s.checked_add_days(chrono::Days::new(u64::from(k) * u64::from(n))),
            Every::Weeks(n) => {
                s.checked_add_days(chrono::Days::new(u64::from(k) * u64::from(n) * 7))
            }
            Every::Months(n, day) => {
                // The first month whose day falls on or after the start.
                let first = clamped(s.year(), s.month(), day)?;
                let skip = u32::from(first < s);
                let months = skip.checked_add(k.checked_mul(n)?)?;
                let base = NaiveDate::from_ymd_opt(s.year(), s.month(), 1)?
                    .checked_add_months(Months::new(months))?;
                clamped(base.year(), base.month(), day)
            }
            Every::Years(n) => {
                let year = s
                    .year()
                    .checked_add(i32::try_from(k.checked_mul(n)?).ok()?)?;
                clamped(year, s.month(), MonthDay::Day(s.day() as u8))
            }
        }
    }

    /// Whether occurrence `k` on `date` is within the end.
    pub(crate) fn within(&self, k: u32, date: NaiveDate) -> bool {
        match self.end {
            End::Never => true,
            End::On(e) => date <= e,
            End::After(count) => k < count,
        }
    }

    /// The occurrences from `from` to `to` (both included), in order, each with its number.
    pub fn between(&self, from: NaiveDate, to: NaiveDate) -> Vec<(u32, NaiveDate)> {
        let mut out = Vec::new();
        let mut k = self.first_on_or_after(from);
        while let Some(d) = self.nth(k) {
            if d > to || !self.within(k, d) {
                break;
            }
            out.push((k, d));
            k += 1;
        }
        out
    }

    /// The number of the first occurrence on or after `day` (a lower bound found by arithmetic,
    /// then stepped, so a schedule that started years ago costs no walk from its start).
    pub(crate) fn first_on_or_after(&self, day: NaiveDate) -> u32 {
        if day <= self.start {
            return 0;
        }
        let days = (day - self.start).num_days().max(0) as u64;
        let guess = match self.every {
            Every::Days(n) => days / u64::from(n),
            Every::Weeks(n) => days / (7 * u64::from(n)),
            // At most 31 days a month, 366 a year: never past the answer.
            Every::Months(n, _) => days / (31 * u64::from(n)),
            Every::Years(n) => days / (366 * u64::from(n)),
        };
        let mut k = u32::try_from(guess.saturating_sub(1)).unwrap_or(u32::MAX);
        while self.nth(k).is_some_and(|d| d < day) {
            k += 1;
        }
        k
    }
}

/// A recurring expense: the expense it posts (`template`, whose date is ignored: each
/// occurrence has its own) and the rule of when, plus how far it has been handled. Rule: an
/// occurrence `k` is handled (posted, skipped, or found already posted) exactly once; `next` is
/// the first occurrence not handled, `done` those after it handled out of order (a due one posted
/// or skipped from the middle of the due list), `moved` those that fall on another day than the
/// rule's. A moved occurrence stays between its neighbours' dates, so occurrences stay in order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Schedule {
    /// The schedule's id (its own key space, see `store/schedule.rs`).
    pub id: ExpenseId,
    /// The expense each occurrence posts (its date is the occurrence's).
    pub template: Draft,
    /// When it falls due.
    pub rule: Rule,
    /// Due occurrences wait in the due list to be posted, edited or skipped one by one.
    pub confirm: bool,
    /// Nothing falls due while paused; resuming skips what fell in the pause.
    pub paused: bool,
    /// The first occurrence not handled yet.
    pub next: u32,
    /// Occurrences after `next` already handled, ascending.
    pub done: Vec<u32>,
    /// Occurrences that fall on another day than the rule's, ascending by occurrence.
    pub moved: Vec<(u32, NaiveDate)>,
    /// Version for conditional writes (0 for a schedule not stored yet).
    pub version: u64,
}

/// One occurrence of a schedule.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Occurrence {
    /// The day it falls on (the rule's, or the day it was moved to).
    pub date: NaiveDate,
    /// The day the rule gives it: with the schedule, its key (no two occurrences share it).
    pub natural: NaiveDate,
    /// Its number, from 0.
    pub k: u32,
}

/// Why a change to one occurrence cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OccurrenceError {
    /// No occurrence falls on that day.
    #[error("the schedule has no occurrence on {0}")]
    NoSuch(NaiveDate),
    /// It was posted or skipped already.
    #[error("the occurrence of {0} was already posted or skipped")]
    Handled(NaiveDate),
    /// A move past a neighbour.
    #[error("{to} is not between the occurrences before and after it ({after} .. {before}): occurrences keep their order")]
    OutOfOrder {
        /// The day asked for.
        to: NaiveDate,
        /// The day it must come after.
        after: String,
        /// The day it must come before.
        before: String,
    },
}

/// At most this many occurrences are handled in one call (a daily schedule missed for 27 years
/// is posted over several opens, never in one unbounded batch).
pub const MAX_AT_ONCE: usize = 10_000;

impl Schedule {
    /// A new schedule (version 0, nothing handled).
    pub fn new(id: ExpenseId, template: Draft, rule: Rule, confirm: bool) -> Schedule {
        let mut template = template;
        template.date = rule.start;
        Schedule {
            id,
            template,
            rule,
            confirm,
            paused: false,
            next: 0,
            done: Vec::new(),
            moved: Vec::new(),
            version: 0,
        }
    }

    /// The day occurrence `k` falls on, `None` when the rule has no such occurrence (past its
    /// end).
    pub fn date_of(&self, k: u32) -> Option<Occurrence> {
        let natural = self.rule.nth(k)?;
        if !self.rule.within(k, natural) {
            return None;
        }
        let date = match self.moved.binary_search_by_key(&k, |m| m.0) {
            Ok(i) => self.moved[i].1,
            Err(_) => natural,
        };
        Some(Occurrence { date, natural, k })
    }

    /// True when occurrence `k` is handled.
    pub fn is_handled(&self, k: u32) -> bool {
        k < self.next || self.done.binary_search(&k).is_ok()
    }

    /// The occurrences not handled yet that fall on or before `until`, in order (at most
    /// [`MAX_AT_ONCE`]). A paused schedule has none.
    pub fn pending(&self, until: NaiveDate) -> Vec<Occurrence> {
        let mut out = Vec::new();
        if self.paused {
            return out;
        }
        let mut k = self.next;
        while let Some(o) = self.date_of(k) {
            if o.date > until || out.len() >= MAX_AT_ONCE {
                break;
            }
            if !self.is_handled(k) {
                out.push(o);
            }
            k = match k.checked_add(1) {
                Some(n) => n,
                None => break,
            };
        }
        out
    }

    /// The occurrences not handled yet from `from` to `to` (both included), in order (a paused
    /// schedule has none): the month ahead.
    pub fn upcoming(&self, from: NaiveDate, to: NaiveDate) -> Vec<Occurrence> {
        self.pending(to)
            .into_iter()
            .filter(|o| o.date >= from)
            .collect()
    }

    /// The next occurrence not handled yet, if the schedule has one (also when paused).
    pub fn next_occurrence(&self) -> Option<Occurrence> {
        let mut k = self.next;
        loop {
            let o = self.date_of(k)?;
            if !self.is_handled(k) {
                return Some(o);
            }
            k = k.checked_add(1)?;
        }
    }

    /// True when every occurrence is handled (the rule ended).
    pub fn is_finished(&self) -> bool {
        self.next_occurrence().is_none()
    }

    /// Marks occurrence `k` handled.
    pub fn mark_handled(&mut self, k: u32) {
        if self.is_handled(k) {
            return;
        }
        if let Err(i) = self.done.binary_search(&k) {
            self.done.insert(i, k);
        }
        while self.done.first() == Some(&self.next) {
            self.done.remove(0);
            self.next += 1;
        }
        self.moved.retain(|m| m.0 >= self.next);
    }

    /// The occurrence whose rule day or moved day is `day` and that is not handled.
    pub fn find(&self, day: NaiveDate) -> Result<Occurrence, OccurrenceError> {
        if let Some(&(k, _)) = self.moved.iter().find(|m| m.1 == day) {
            if let Some(o) = self.date_of(k) {
                return Ok(o);
            }
        }
        let k = self.rule.first_on_or_after(day);
        match self.date_of(k) {
            Some(o) if o.natural == day && self.is_handled(k) => Err(OccurrenceError::Handled(day)),
            Some(o) if o.natural == day => Ok(o),
            _ => Err(OccurrenceError::NoSuch(day)),
        }
    }

    /// Moves occurrence `o` to `to`, which must lie after the occurrence before it and before
    /// the one after it.
    pub fn move_occurrence(&mut self, o: Occurrence, to: NaiveDate) -> Result<(), OccurrenceError> {
        let before = o.k.checked_sub(1).and_then(|k| self.date_of(k));
        let after = o.k.checked_add(1).and_then(|k| self.date_of(k));
        let ok = before.is_none_or(|b| b.date < to) && after.is_none_or(|a| to < a.date);
        if !ok {
            return Err(OccurrenceError::OutOfOrder {
                to,
                after: before.map_or("-".into(), |b| b.date.to_string()),
                before: after.map_or("-".into(), |a| a.date.to_string()),
            });
        }
        self.moved.retain(|m| m.0 != o.k);
        if to != o.natural {
            let i = self.moved.partition_point(|m| m.0 < o.k);
            self.moved.insert(i, (o.k, to));
        }
        Ok(())
    }

    /// Resumes a paused schedule on `today`: what fell due in the pause is skipped, not posted.
    pub fn resume(&mut self, today: NaiveDate) {
        if !self.paused {
            return;
        }
        self.paused = false;
        let yesterday = today.pred_opt().unwrap_or(today);
        for o in self.pending(yesterday) {
            self.mark_handled(o.k);
        }
    }

    /// Gives the schedule a new rule: occurrences already handled stay handled (by day: the new
    /// rule starts after the last day handled), and future ones follow the new rule. Editing a
    /// schedule never changes what it posted.
    pub fn set_rule(&mut self, rule: Rule) {
        if rule == self.rule {
            return;
        }
        let handled_until = self
            .next
            .checked_sub(1)
            .and_then(|k| self.rule.nth(k))
            .into_iter()
            .chain(self.done.iter().filter_map(|k| self.rule.nth(*k)))
            .max();
        self.rule = rule;
        self.template.date = rule.start;
        self.next = 0;
        self.done.clear();
        self.moved.clear();
        if let Some(last) = handled_until {
            self.next = rule.first_on_or_after(last.succ_opt().unwrap_or(last));
        }
    }

    /// The expense occurrence `o` posts.
    pub fn draft_for(&self, o: &Occurrence) -> Draft {
        let mut d = self.template.clone();
        d.date = o.date;
        d
    }

    /// The rule in words: `every month on the 31st from 2026-01-31 until 2026-12-31`.
    pub fn describe(&self) -> String {
        self.rule.describe()
    }
}

impl Rule {
    /// The rule in words: `every month on the 31st`, `every 2 weeks`, `every year`, with its
    /// start and end.
    pub fn describe(&self) -> String {
        let unit = |n: u32, one: &str| {
            if n == 1 {
                format!("every {one}")
            } else {
                format!("every {n} {one}s")
            }
        };
        let mut s = match self.every {
            Every::Days(n) => unit(n, "day"),
            Every::Weeks(n) => format!("{} on {}", unit(n, "week"), self.start.format("%A")),
            Every::Months(n, MonthDay::Last) => format!("{} on the last day", unit(n, "month")),
            Every::Months(n, MonthDay::Day(d)) => {
                format!("{} on the {}", unit(n, "month"), ordinal(u32::from(d)))
            }
            Every::Years(n) => format!("{} on {}", unit(n, "year"), self.start.format("%-d %B")),
        };
        s.push_str(&format!(" from {}", self.start));
        match self.end {
            End::Never => {}
            End::On(d) => s.push_str(&format!(" until {d}")),
            End::After(n) => s.push_str(&format!(", {n} times")),
        }
        s
    }
}

/// `1st`, `2nd`, `3rd`, `4th`, `11th`, `21st`, `31st`.
pub fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// How one occurrence of a schedule is handled by hand (the due list, or skipping the next
/// one of a schedule that posts by itself): `Store::handle_occurrence` does it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Confirm {
    /// Posted as the schedule has it.
    Post,
    /// Posted as this expense (edited in the due list).
    PostAs(Draft),
    /// Skipped: never posted.
    Skip,
}

/// A change to a schedule as the stream shows it (an item of its own key space, like a
/// budget): the schedule before and after.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScheduleChange {
    /// Before (None: it was made).
    pub old: Option<Schedule>,
    /// After (None: it was removed).
    pub new: Option<Schedule>,
}

impl ScheduleChange {
    /// The schedule this change is about (after, else before).
    pub fn schedule(&self) -> &Schedule {
        match (&self.new, &self.old) {
            (Some(s), _) | (None, Some(s)) => s,
            (None, None) => unreachable!("a schedule change has an image"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dates(r: &Rule, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        r.between(from, to).into_iter().map(|(_, d)| d).collect()
    }

    #[test]
    fn monthly_on_the_31st_clamps_each_month_and_never_drifts() {
        let r = Rule::new(
            d(2027, 1, 31),
            Every::Months(1, MonthDay::Day(31)),
            End::Never,
        )
        .unwrap();
        assert_eq!(
            dates(&r, d(2027, 1, 1), d(2027, 6, 30)),
            [
                d(2027, 1, 31),
                d(2027, 2, 28),
                d(2027, 3, 31),
                d(2027, 4, 30),
                d(2027, 5, 31),
                d(2027, 6, 30)
            ]
        );
        // A leap year's February.
        assert_eq!(dates(&r, d(2028, 2, 1), d(2028, 2, 29)), [d(2028, 2, 29)]);
    }

    #[test]
    fn monthly_on_the_last_day_and_a_start_after_the_day() {
        let last = Rule::new(d(2027, 1, 10), Every::Months(1, MonthDay::Last), End::Never).unwrap();
        assert_eq!(
            dates(&last, d(2027, 1, 1), d(2027, 3, 31)),
            [d(2027, 1, 31), d(2027, 2, 28), d(2027, 3, 31)]
        );
        // Starting on the 10th, monthly on the 1st: the first is 1 February.
        let first = Rule::new(
            d(2027, 1, 10),
            Every::Months(1, MonthDay::Day(1)),
            End::After(2),
        )
        .unwrap();
        assert_eq!(
            dates(&first, d(2026, 1, 1), d(2030, 1, 1)),
            [d(2027, 2, 1), d(2027, 3, 1)]
        );
    }

    #[test]
    fn yearly_from_the_29th_of_february() {
        let r = Rule::new(d(2028, 2, 29), Every::Years(1), End::Never).unwrap();
        assert_eq!(
            dates(&r, d(2028, 1, 1), d(2032, 12, 31)),
            [
                d(2028, 2, 29),
                d(2029, 2, 28),
                d(2030, 2, 28),
                d(2031, 2, 28),
                d(2032, 2, 29)
            ]
        );
    }

    #[test]
    fn days_weeks_and_ends() {
        let r = Rule::new(d(2027, 3, 1), Every::Weeks(2), End::On(d(2027, 3, 29))).unwrap();
        assert_eq!(
            dates(&r, d(2027, 1, 1), d(2027, 12, 31)),
            [d(2027, 3, 1), d(2027, 3, 15), d(2027, 3, 29)]
        );
        let r = Rule::new(d(2027, 3, 1), Every::Days(10), End::After(3)).unwrap();
        assert_eq!(r.between(d(2027, 3, 5), d(2027, 12, 31)).len(), 2);
        // Numbers are the occurrence's own, whatever the window.
        assert_eq!(r.between(d(2027, 3, 5), d(2027, 12, 31))[0].0, 1);
    }

    #[test]
    fn bad_rules_are_refused_with_their_reason() {
        let s = d(2027, 3, 1);
        assert_eq!(
            Rule::new(s, Every::Months(0, MonthDay::Day(1)), End::Never),
            Err(RuleError::ZeroInterval("months"))
        );
        assert_eq!(MonthDay::parse("32"), Err(RuleError::BadDay(32)));
        assert_eq!(MonthDay::parse("0"), Err(RuleError::BadDay(0)));
        assert_eq!(MonthDay::parse("last"), Ok(MonthDay::Last));
        assert!(matches!(
            Rule::new(s, Every::Days(1), End::On(d(2027, 2, 1))),
            Err(RuleError::EndBeforeStart { .. })
        ));
        assert_eq!(
            Rule::new(s, Every::Days(1), End::After(0)),
            Err(RuleError::ZeroCount)
        );
        let e = Rule::new(s, Every::Months(1, MonthDay::Day(32)), End::Never).unwrap_err();
        assert!(e.to_string().contains("1-31"), "{e}");
    }

    proptest::proptest! {
        /// Windows that tile a span give each occurrence exactly once, in order, and every
        /// monthly occurrence is the wanted day or its month's last day.
        #[test]
        fn windows_never_skip_or_repeat(
            start in 0i64..20_000,
            every in 1u32..4,
            unit in 0u8..4,
            day in 1u8..=31,
            cuts in proptest::collection::vec(1i64..200, 1..12),
        ) {
            let start = d(2000, 1, 1) + chrono::Duration::days(start);
            let every = match unit {
                0 => Every::Days(every),
                1 => Every::Weeks(every),
                2 => Every::Months(every, MonthDay::Day(day)),
                _ => Every::Years(every),
            };
            let r = Rule::new(start, every, End::Never).unwrap();
            let mut from = start - chrono::Duration::days(40);
            let end = from + chrono::Duration::days(cuts.iter().sum::<i64>() - 1);
            let whole = r.between(from, end);
            let mut tiled = Vec::new();
            for c in &cuts {
                let to = from + chrono::Duration::days(*c - 1);
                tiled.extend(r.between(from, to));
                from = to + chrono::Duration::days(1);
            }
            proptest::prop_assert_eq!(&whole, &tiled);
            for w in whole.windows(2) {
                proptest::prop_assert!(w[0].1 < w[1].1 && w[0].0 + 1 == w[1].0);
            }
            if let Every::Months(_, MonthDay::Day(want)) = every {
                for (_, o) in &whole {
                    let last = last_day(o.year(), o.month()).unwrap().day();
                    proptest::prop_assert_eq!(o.day(), u32::from(want).min(last));
                }
            }
        }
    }
}
