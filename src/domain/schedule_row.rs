//! A schedule as readers outside the app see it, and as the history tells it: [`ScheduleRow`],
//! the typed item both stream formats write for a schedule (`schedule:ULID`, beside budgets'
//! `budget:CATEGORY`), and the words of a [`ScheduleChange`]: the history's one line, the verb
//! an undo or redo prints, and the field-by-field comparison of the detail view. Rule: pure;
//! user text passes through `text::inert` in the words, and stays data in the row (as in
//! `list --json`).

use super::change::{draft_fields, short, FieldDiff};
use super::money::format_plain;
use super::schedule::{End, Every, MonthDay, Schedule, ScheduleChange};
use super::ExpenseId;
use serde::{Deserialize, Serialize};

/// The key text of a schedule item: `schedule:ULID`.
pub fn schedule_key(id: ExpenseId) -> String {
    format!("schedule:{id}")
}

/// A schedule as the stream formats write its image: the expense it posts (amounts as plain
/// decimal strings, as `list --json` writes them), its rule in words and in parts, and its
/// state. Absent parts (`on` of a rule that is not monthly, `end`, `count`, `next` of a
/// schedule that ended) are left out, as DynamoDB leaves out attributes an item lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleRow {
    /// [`schedule_key`] of the schedule.
    pub id: String,
    /// Always `schedule`.
    #[serde(rename = "type")]
    pub ty: String,
    /// Decimal string of each occurrence's amount (negative for a refund).
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Category path.
    pub category: String,
    /// Payee.
    pub payee: String,
    /// Note.
    pub note: String,
    /// Tags.
    pub tags: Vec<String>,
    /// `expense` or `income`.
    pub kind: String,
    /// The rule in words: `every month on the 1st from 2026-01-01`.
    pub rule: String,
    /// `day`, `week`, `month` or `year`.
    pub unit: String,
    /// Every this many units.
    pub every: u32,
    /// A monthly rule's day: `1`..`31` or `last`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// The first day it may fall on, `YYYY-MM-DD`.
    pub start: String,
    /// The last day it may fall on, when it ends on a date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// How many occurrences it has, when it ends after a count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Due occurrences wait to be confirmed instead of posting by themselves.
    pub confirm: bool,
    /// Nothing falls due while paused.
    pub paused: bool,
    /// The day of the next occurrence not handled yet (none once the rule ended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// Version for conditional edits.
    pub version: u64,
}

impl ScheduleRow {
    /// The row of `s`.
    pub fn of(s: &Schedule) -> ScheduleRow {
        let t = &s.template;
        let (unit, every, on) = match s.rule.every {
            Every::Days(n) => ("day", n, None),
            Every::Weeks(n) => ("week", n, None),
            Every::Months(n, MonthDay::Day(d)) => ("month", n, Some(d.to_string())),
            Every::Months(n, MonthDay::Last) => ("month", n, Some("last".to_string())),
            Every::Years(n) => ("year", n, None),
        };
        let (end, count) = match s.rule.end {
            End::Never => (None, None),
            End::On(d) => (Some(d.to_string()), None),
            End::After(c) => (None, Some(c)),
        };
        ScheduleRow {
            id: schedule_key(s.id),
            ty: "schedule".into(),
            amount: format_plain(t.amount, t.currency),
            currency: t.currency.code().to_string(),
            category: t.category.clone(),
            payee: t.payee.clone(),
            note: t.note.clone(),
            tags: t.tags.clone(),
            kind: t.kind.as_str().to_string(),
            rule: s.describe(),
            unit: unit.into(),
            every,
            on,
            start: s.rule.start.to_string(),
            end,
            count,
            confirm: s.confirm,
            paused: s.paused,
            next: s.next_occurrence().map(|o| o.date.to_string()),
            version: s.version,
        }
    }
}

/// `yes` or `no`.
fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// The fields of a schedule in display order, as text: the expense it posts (its date aside:
/// each occurrence has its own), the rule, and its state.
fn fields(s: &Schedule) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = draft_fields(&s.template)
        .into_iter()
        .filter(|(name, _)| *name != "date")
        .collect();
    out.push(("rule", s.describe()));
    out.push(("confirm", yes_no(s.confirm)));
    out.push(("paused", yes_no(s.paused)));
    out.push((
        "next",
        s.next_occurrence()
            .map_or_else(|| "none (ended)".to_string(), |o| o.date.to_string()),
    ));
    out.push((
        "handled",
        (u64::from(s.next) + s.done.len() as u64).to_string(),
    ));
    let moved: Vec<String> = s
        .moved
        .iter()
        .filter_map(|(k, to)| Some(format!("{} to {to}", s.rule.nth(*k)?)))
        .collect();
    out.push(("moved", moved.join(", ")));
    out
}

/// Every field of a schedule before and after a change side by side (a missing side gives
/// empty texts): what the history's detail view shows for a schedule record.
pub fn schedule_diff(old: Option<&Schedule>, new: Option<&Schedule>) -> Vec<FieldDiff> {
    let o = old.map(fields);
    let n = new.map(fields);
    let Some(names) = o.as_ref().or(n.as_ref()).map(|f| {
        f.iter()
            .map(|(name, _)| *name)
            .collect::<Vec<&'static str>>()
    }) else {
        return Vec::new();
    };
    let pick = |side: &Option<Vec<(&'static str, String)>>, i: usize| {
        side.as_ref()
            .and_then(|f| f.get(i))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    names
        .into_iter()
        .enumerate()
        .map(|(i, field)| FieldDiff {
            field,
            old: pick(&o, i),
            new: pick(&n, i),
        })
        .collect()
}

impl ScheduleChange {
    /// What changed between the two sides of a MODIFY, in words: `next 2026-02-28 →
    /// 2026-05-31`, `paused`, `amount 950.00 → 990.00, rule every month … → every 2 months …`.
    fn changes(old: &Schedule, new: &Schedule) -> String {
        let parts: Vec<String> = schedule_diff(Some(old), Some(new))
            .into_iter()
            .filter(FieldDiff::changed)
            // The count of occurrences handled says less than the next one's day beside it.
            .filter(|d| d.field != "handled")
            .map(|d| match d.field {
                "paused" if d.new == "yes" => "paused".to_string(),
                "paused" => "resumed".to_string(),
                "confirm" if d.new == "yes" => "asks before posting".to_string(),
                "confirm" => "posts by itself".to_string(),
                _ => {
                    let show = |s: &str| if s.is_empty() { "-" } else { s }.to_string();
                    format!("{} {} → {}", d.field, show(&d.old), show(&d.new))
                }
            })
            .collect();
        if parts.is_empty() {
            // Only which occurrences are handled changed (one skipped out of order).
            let was = u64::from(old.next) + old.done.len() as u64;
            let now = u64::from(new.next) + new.done.len() as u64;
            if was != now {
                return format!("handled {was} → {now}");
            }
            return "(no field changed)".into();
        }
        parts.join(", ")
    }

    /// One line for the history: `schedule 950.00 EUR housing:rent @Landlord: every month on
    /// the 1st from 2026-01-01` (made), `schedule …: next 2026-02-28 → 2026-05-31` (changed),
    /// `schedule removed: … (every month …)`.
    pub fn summary(&self) -> String {
        let s = self.schedule();
        let what = short(&s.template);
        match (&self.old, &self.new) {
            (Some(o), Some(n)) => format!("schedule {what}: {}", Self::changes(o, n)),
            (Some(o), None) => format!("schedule removed: {what} ({})", o.describe()),
            _ => format!("schedule {what}: {}", s.describe()),
        }
    }

    /// What the change did, as a verb: `add schedule …`, `edit schedule … (amount …)`, `remove
    /// schedule …` (the undo and redo lines).
    pub fn describe(&self) -> String {
        let s = self.schedule();
        let what = short(&s.template);
        match (&self.old, &self.new) {
            (None, _) => format!("add schedule {what}: {}", s.describe()),
            (Some(o), Some(n)) => format!("edit schedule {what} ({})", Self::changes(o, n)),
            (Some(o), None) => format!("remove schedule {what} ({})", o.describe()),
        }
    }

    /// The same change the other way round (what an undo record of it holds).
    pub fn reversed(&self) -> ScheduleChange {
        ScheduleChange {
            old: self.new.clone(),
            new: self.old.clone(),
        }
    }
}

/// A schedule change borrowed, as a `ChangeView` carries it: the schedule before and after, each
/// only when the reader asked for that image (a keys-only reader gets neither, and still knows
/// the record is a schedule's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleView<'a> {
    /// Before.
    pub old: Option<&'a Schedule>,
    /// After.
    pub new: Option<&'a Schedule>,
}

impl ScheduleChange {
    /// The borrowed view.
    pub fn view(&self) -> ScheduleView<'_> {
        ScheduleView {
            old: self.old.as_ref(),
            new: self.new.as_ref(),
        }
    }
}

/// What one undo or redo of a batch that posted recurring expenses (or handled one occurrence)
/// took back or made again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostingNote {
    /// Posted expenses taken back (undo) or brought back (redo).
    pub expenses: u64,
    /// Schedules set back (undo) or moved on again (redo).
    pub schedules: u64,
}

impl PostingNote {
    /// The line an undo or redo of it prints: `Undid: posting of 4 recurring expenses (1
    /// schedule set back)`, `Redid: …`, with the changes left as they were when `kept` > 0.
    pub fn step_line(&self, redo: bool, kept: usize) -> String {
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        let verb = if redo { "Redid" } else { "Undid" };
        let how = if redo { "moved on" } else { "set back" };
        // A schedule left as it was (changed since) is counted in `kept`, not here.
        let schedules = match self.schedules {
            0 => String::new(),
            n => format!(" ({n} schedule{} {how})", plural(n)),
        };
        let mut s = if self.expenses == 0 {
            format!("{verb}: recurring expense skipped{schedules}")
        } else {
            format!(
                "{verb}: posting of {} recurring expense{}{schedules}",
                self.expenses,
                plural(self.expenses)
            )
        };
        if kept > 0 {
            s.push_str(&format!(
                "; {kept} changed since, left as {}",
                if kept == 1 { "it is" } else { "they are" }
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::Rule;
    use crate::domain::{Draft, Kind};
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn rent() -> Schedule {
        let draft = Draft::sample(d(2026, 1, 31), 95_000, "housing:rent", "Land\u{1b}[2Jlord");
        let rule = Rule::new(
            d(2026, 1, 31),
            Every::Months(1, MonthDay::Day(31)),
            End::After(12),
        )
        .unwrap();
        let mut s = Schedule::new(ExpenseId(0xFFFE << 112 | 7), draft, rule, false);
        s.version = 1;
        s
    }

    #[test]
    fn the_row_has_the_expense_the_rule_in_words_and_parts_and_the_state() {
        let mut s = rent();
        s.mark_handled(0);
        s.template.tags = vec!["home".into()];
        let row = ScheduleRow::of(&s);
        assert_eq!(row.id, format!("schedule:{}", s.id));
        assert_eq!(
            (
                row.amount.as_str(),
                row.currency.as_str(),
                row.kind.as_str()
            ),
            ("950.00", "EUR", "expense")
        );
        assert_eq!(
            (row.unit.as_str(), row.every, row.on.as_deref()),
            ("month", 1, Some("31"))
        );
        assert_eq!((row.end.as_deref(), row.count), (None, Some(12)));
        assert_eq!(row.next.as_deref(), Some("2026-02-28"));
        assert_eq!(
            row.rule,
            "every month on the 31st from 2026-01-31, 12 times"
        );
        let v = serde_json::to_value(&row).unwrap();
        assert_eq!(v["type"], "schedule");
        assert!(v.get("end").is_none(), "absent parts are left out: {v}");
        // A finished schedule has no next occurrence.
        for k in 0..12 {
            s.mark_handled(k);
        }
        assert_eq!(ScheduleRow::of(&s).next, None);
    }

    #[test]
    fn changes_read_as_what_changed_and_user_text_is_inert() {
        let a = rent();
        let made = ScheduleChange {
            old: None,
            new: Some(a.clone()),
        };
        let line = made.summary();
        assert!(!line.contains('\u{1b}'), "{line:?}");
        assert!(
            line.starts_with("schedule 950.00 EUR housing:rent @Land")
                && line.ends_with(": every month on the 31st from 2026-01-31, 12 times"),
            "{line}"
        );
        let mut b = a.clone();
        for k in 0..4 {
            b.mark_handled(k);
        }
        let posted = ScheduleChange {
            old: Some(a.clone()),
            new: Some(b.clone()),
        };
        assert!(
            posted.summary().ends_with(": next 2026-01-31 → 2026-05-31"),
            "{}",
            posted.summary()
        );
        let mut c = b.clone();
        c.paused = true;
        c.template.amount = 99_000;
        let edited = ScheduleChange {
            old: Some(b.clone()),
            new: Some(c),
        };
        assert!(
            edited
                .summary()
                .ends_with(": amount 950.00 → 990.00, paused"),
            "{}",
            edited.summary()
        );
        assert!(edited.describe().starts_with("edit schedule 990.00 EUR"));
        let removed = ScheduleChange {
            old: Some(b),
            new: None,
        };
        assert!(removed
            .summary()
            .starts_with("schedule removed: 950.00 EUR"));
        assert!(removed.reversed().describe().starts_with("add schedule"));
        // The detail view: every field, the changed ones marked.
        let diff = schedule_diff(posted.old.as_ref(), posted.new.as_ref());
        let changed: Vec<&str> = diff
            .iter()
            .filter(|f| f.changed())
            .map(|f| f.field)
            .collect();
        assert_eq!(changed, ["next", "handled"]);
        assert!(diff.iter().all(|f| !f.old.contains('\u{1b}')));
        assert_eq!(schedule_diff(None, None), Vec::new());
        let income = Schedule {
            template: Draft {
                kind: Kind::Income,
                ..a.template.clone()
            },
            ..a
        };
        assert_eq!(ScheduleRow::of(&income).kind, "income");
    }

    #[test]
    fn a_posting_undone_or_redone_says_how_many() {
        let n = PostingNote {
            expenses: 4,
            schedules: 1,
        };
        assert_eq!(
            n.step_line(false, 0),
            "Undid: posting of 4 recurring expenses (1 schedule set back)"
        );
        assert_eq!(
            n.step_line(true, 1),
            "Redid: posting of 4 recurring expenses (1 schedule moved on); 1 changed since, \
             left as it is"
        );
        let skip = PostingNote {
            expenses: 0,
            schedules: 1,
        };
        assert_eq!(
            skip.step_line(false, 0),
            "Undid: recurring expense skipped (1 schedule set back)"
        );
    }
}
