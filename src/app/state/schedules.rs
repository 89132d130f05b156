//! The state of recurring expenses on screen: the schedules screen (the due list on top, then
//! every schedule), the rule part of the schedule form, and the prompt that moves one
//! occurrence. Plain data; the reducer (`update/schedules.rs`) changes it, `ui/schedules/`
//! draws it.

use crate::app::list::Cursor;
use crate::domain::schedule::{Occurrence, Schedule};
use crate::domain::ExpenseId;
use tui_input::Input;

/// The schedules screen: what was read (loaded whole: a person has tens of schedules, not a
/// million) and the selection, one cursor over the due rows and then the schedules.
#[derive(Debug, Clone, Default)]
pub struct SchedulesState {
    /// Every schedule, in the order they were made; `None` until loaded.
    pub schedules: Option<Vec<Schedule>>,
    /// Occurrences that wait for a confirmation, by date: the schedule's id and the occurrence.
    pub due: Vec<(ExpenseId, Occurrence)>,
    /// The selected row and the first visible one.
    pub cursor: Cursor,
    /// A schedule write was asked for and not answered yet: a failure (a conflict) reads the
    /// list again.
    pub writing: bool,
    /// A save made something due and asked for it to be posted: the posting's words join the
    /// save's.
    pub posting: bool,
}

/// One row of the schedules screen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScheduleRow<'a> {
    /// An occurrence due and waiting for a confirmation.
    Due(&'a Schedule, Occurrence),
    /// A schedule.
    Schedule(&'a Schedule),
}

impl<'a> ScheduleRow<'a> {
    /// The schedule of the row.
    pub fn schedule(self) -> &'a Schedule {
        match self {
            ScheduleRow::Due(s, _) | ScheduleRow::Schedule(s) => s,
        }
    }
}

impl SchedulesState {
    /// The rows in screen order: the due occurrences, then every schedule.
    pub fn rows(&self) -> Vec<ScheduleRow<'_>> {
        let Some(all) = &self.schedules else {
            return Vec::new();
        };
        let due = self.due.iter().filter_map(|(id, o)| {
            let s = all.iter().find(|s| s.id == *id)?;
            Some(ScheduleRow::Due(s, *o))
        });
        due.chain(all.iter().map(ScheduleRow::Schedule)).collect()
    }

    /// How many due rows lead the list (those whose schedule was read with them).
    pub fn due_rows(&self) -> usize {
        self.rows()
            .iter()
            .filter(|r| matches!(r, ScheduleRow::Due(..)))
            .count()
    }

    /// The selected row, if any.
    pub fn selected(&self) -> Option<ScheduleRow<'_>> {
        self.rows().get(self.cursor.selected).copied()
    }
}

/// A field of the rule part of the schedule form, after the expense's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleField {
    /// Every N (units).
    Every,
    /// Days, weeks, months or years.
    Unit,
    /// The day of the month (1-31 or `last`; empty: the start's day).
    On,
    /// Never (empty), a last date, or a count of occurrences.
    Ends,
    /// Ask before posting (the due list), or post by itself.
    Confirm,
}

impl RuleField {
    /// Tab order.
    pub const ALL: [RuleField; 5] = [
        RuleField::Every,
        RuleField::Unit,
        RuleField::On,
        RuleField::Ends,
        RuleField::Confirm,
    ];

    /// The label a person reads.
    pub fn label(self) -> &'static str {
        match self {
            RuleField::Every => "Every",
            RuleField::Unit => "Unit",
            RuleField::On => "On day",
            RuleField::Ends => "Ends",
            RuleField::Confirm => "Confirm",
        }
    }
}

/// The unit of a rule as the form picks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Days.
    Days,
    /// Weeks (the start's weekday).
    Weeks,
    /// Months (on a day of the month).
    Months,
    /// Years (the start's day and month).
    Years,
}

impl Unit {
    /// In the order space steps through them.
    pub const ALL: [Unit; 4] = [Unit::Days, Unit::Weeks, Unit::Months, Unit::Years];

    /// `days`, `weeks`, ...
    pub fn word(self) -> &'static str {
        match self {
            Unit::Days => "days",
            Unit::Weeks => "weeks",
            Unit::Months => "months",
            Unit::Years => "years",
        }
    }
}

/// The rule part of the schedule form (`FormState::rule`): the rule's fields as typed, which
/// of them has the keyboard (`None`: an expense field has it), and their errors.
#[derive(Debug, Clone)]
pub struct RuleForm {
    /// The schedule edited (`None`: a new one). Its handled occurrences stay handled.
    pub base: Option<Box<Schedule>>,
    /// The focused rule field, when the focus is in the rule part.
    pub focus: Option<RuleField>,
    /// Every N.
    pub every: Input,
    /// Of these.
    pub unit: Unit,
    /// Day of the month, `last`, or empty for the start's day.
    pub on: Input,
    /// Empty (never), a date (`2027-06-30`), or a count (`12`).
    pub ends: Input,
    /// Occurrences wait in the due list.
    pub confirm: bool,
    /// Reasons per field from the last submit.
    pub errors: Vec<(RuleField, String)>,
}

impl RuleForm {
    /// The input of a text field (`None` for the choices).
    pub fn input(&self, field: RuleField) -> Option<&Input> {
        match field {
            RuleField::Every => Some(&self.every),
            RuleField::On => Some(&self.on),
            RuleField::Ends => Some(&self.ends),
            RuleField::Unit | RuleField::Confirm => None,
        }
    }

    /// The input of a text field, mutable.
    pub fn input_mut(&mut self, field: RuleField) -> Option<&mut Input> {
        match field {
            RuleField::Every => Some(&mut self.every),
            RuleField::On => Some(&mut self.on),
            RuleField::Ends => Some(&mut self.ends),
            RuleField::Unit | RuleField::Confirm => None,
        }
    }

    /// The error shown under `field`.
    pub fn error(&self, field: RuleField) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, e)| e.as_str())
    }
}

/// The prompt that moves one occurrence to another day (`m` on the schedules screen).
#[derive(Debug, Clone)]
pub struct MoveForm {
    /// The schedule, as the list showed it.
    pub schedule: Box<Schedule>,
    /// The occurrence moved.
    pub occurrence: Occurrence,
    /// The new day as typed.
    pub input: Input,
    /// Why the last Enter was refused, or the store's error.
    pub error: Option<String>,
    /// Waiting for the store.
    pub saving: bool,
}
