//! What the reducer asks the engine to do: I/O described as data, so reducer tests can see it.
//! Pure data shared by `app` (which asks) and `engine` (which runs it), so it lives here.

use super::{Draft, ExpenseId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Column the ledger is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SortKey {
    /// By date, then by id (creation order).
    #[default]
    Date,
    /// By amount.
    Amount,
    /// By category.
    Category,
    /// By payee.
    Payee,
}

impl SortKey {
    /// The next key in the cycle.
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Date => SortKey::Amount,
            SortKey::Amount => SortKey::Category,
            SortKey::Category => SortKey::Payee,
            SortKey::Payee => SortKey::Date,
        }
    }

    /// Column name.
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Date => "date",
            SortKey::Amount => "amount",
            SortKey::Category => "category",
            SortKey::Payee => "payee",
        }
    }
}

/// A page of the ledger to fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowQuery {
    /// First day of the month shown.
    pub from: NaiveDate,
    /// Last day of the month shown.
    pub to: NaiveDate,
    /// Sort column.
    pub sort: SortKey,
    /// Largest first when true.
    pub descending: bool,
    /// Fuzzy filter text (empty = none).
    pub filter: String,
    /// Index of the first row wanted.
    pub start: usize,
    /// Number of rows wanted.
    pub len: usize,
    /// Put the window around this expense and report where it is (after a save).
    pub focus: Option<super::ExpenseId>,
    /// Only this category and its sub-categories.
    pub category: Option<String>,
}

impl WindowQuery {
    /// True when `other` asks for the same rows in the same order (any page).
    pub fn same_view(&self, other: &WindowQuery) -> bool {
        (
            self.from,
            self.to,
            self.sort,
            self.descending,
            &self.filter,
            &self.category,
        ) == (
            other.from,
            other.to,
            other.sort,
            other.descending,
            &other.filter,
            &other.category,
        )
    }
}

/// A window of the history to fetch: positions counted from the newest record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryQuery {
    /// Only this expense's records (`None`: the whole stream).
    pub item: Option<ExpenseId>,
    /// Position of the first record wanted (0 = the newest).
    pub start: usize,
    /// Number of records wanted.
    pub len: usize,
}

/// I/O for the engine to perform; results come back as `Action::Answer`s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Effect {
    /// Fetch rows and month totals.
    LoadWindow(WindowQuery),
    /// Read these ahead, in this order, in place of what an earlier `Prefetch` has not read
    /// yet: the pages and months the screen is one key away from (`app::prefetch`). Answered
    /// by nothing; the reads, when asked for, are answered from what was read while the store
    /// has not changed since (`engine::prefetch`).
    Prefetch(Vec<Effect>),
    /// Fetch categories and payees for completion.
    LoadCompletions,
    /// Look at the triggers' health (answered by `Answer::TriggerHealth`).
    LoadTriggerHealth,
    /// Store a new expense.
    Put(Draft),
    /// Store an edit, if the item still has `expected_version`.
    Update {
        /// Which expense.
        id: ExpenseId,
        /// The version the form was opened on.
        expected_version: u64,
        /// The new fields.
        draft: Draft,
    },
    /// Delete, if the item still has `expected_version`: into the trash for the time the
    /// store's holder set (`trash_days`; 0: at once).
    Delete {
        /// Which expense.
        id: ExpenseId,
        /// The version shown when the person confirmed.
        expected_version: u64,
    },
    /// Read what is in the trash.
    LoadTrash,
    /// Bring `id` back from the trash.
    Restore {
        /// Which expense.
        id: ExpenseId,
    },
    /// Remove `id` from the trash for good.
    Purge {
        /// Which expense.
        id: ExpenseId,
    },
    /// Undo the latest standing change in the store (`Store::undo_step`).
    Undo,
    /// Undo the latest standing change that can be undone, leaving newer ones that cannot
    /// (`Store::undo_step_skipping`): `u` again after undo said it could not.
    UndoSkip,
    /// Redo the latest undo not redone yet (`Store::redo_step`).
    Redo,
    /// Read a window of the history.
    LoadHistory(HistoryQuery),
    /// Compute the review's numbers from the aggregates.
    LoadReview(super::review::ReviewQuery),
    /// Read the month's top payees and largest expenses (a bounded item scan).
    LoadReviewDetails {
        /// The month (its days follow the store's month start day).
        month: super::Month,
    },
    /// Set (`Some`) or remove (`None`) a category's monthly budget.
    SetBudget {
        /// The category.
        category: String,
        /// Currency and amount in minor units.
        limit: Option<(super::Currency, i64)>,
    },
    /// Count what renaming `from` to `to` (as typed so far) would move, and check it (answered
    /// by `Answer::RenamePreviewed`).
    PreviewRename {
        /// The category renamed.
        from: String,
        /// The new name as typed.
        to: String,
    },
    /// Rename (or merge) category `from` into `to`, with its sub-categories and budgets, as one
    /// batch that one undo takes back.
    RenameCategory {
        /// The category renamed.
        from: String,
        /// The new name.
        to: String,
        /// How budgets that meet merge.
        policy: super::rename::BudgetMerge,
    },
    /// Give the terminal back to the shell until `fg`.
    Suspend,
    /// Leave the app.
    Quit,
    // Recurring expenses (after the others, so their places on the wire stay as they were).
    /// Read every schedule and the occurrences due on or before `today` that wait for a
    /// confirmation (answered by `Answer::SchedulesLoaded`).
    LoadSchedules {
        /// The day the due list is read for (the TUI's today).
        today: NaiveDate,
    },
    /// Store a schedule: a new one (version 0), else an edit conditional on its version (a
    /// pause, a resume, an end, a moved occurrence are edits too). Answered by
    /// `Answer::ScheduleSaved`.
    SaveSchedule(Box<super::schedule::Schedule>),
    /// Remove a schedule, if it still has `expected_version`; what it posted stays.
    RemoveSchedule {
        /// Which schedule.
        id: ExpenseId,
        /// The version shown when the person confirmed.
        expected_version: u64,
    },
    /// Post (as it is, or edited) or skip one occurrence of a schedule, if the schedule still
    /// has `expected_version`.
    HandleOccurrence {
        /// Which schedule.
        id: ExpenseId,
        /// The version the list showed.
        expected_version: u64,
        /// The occurrence, by the day the rule gives it.
        natural: NaiveDate,
        /// Post, post as edited, or skip.
        how: super::schedule::Confirm,
    },
    /// Post what fell due on or before `today` (the day changed while the TUI was open, or it
    /// just started), exactly once whoever else does the same (answered by
    /// `Answer::DuePosted`).
    PostDue {
        /// The TUI's today.
        today: NaiveDate,
    },
}

impl Effect {
    /// True for the reads that can be done before they are asked for (`Effect::Prefetch`) and
    /// answered from what was read while the store has not changed.
    pub fn is_read_ahead(&self) -> bool {
        matches!(
            self,
            Effect::LoadWindow(_)
                | Effect::LoadReview(_)
                | Effect::LoadReviewDetails { .. }
                | Effect::LoadHistory(_)
        )
    }

    /// True for effects that only read the store: safe to run again when the session that ran
    /// them went away before answering (a write's fate is then unknown). `PostDue` counts as
    /// one: it writes, but posts each occurrence exactly once however often it runs, so its
    /// fate never needs telling.
    pub fn is_read(&self) -> bool {
        matches!(
            self,
            Effect::LoadWindow(_)
                | Effect::Prefetch(_)
                | Effect::LoadCompletions
                | Effect::LoadTriggerHealth
                | Effect::LoadTrash
                | Effect::LoadHistory(_)
                | Effect::LoadReview(_)
                | Effect::LoadReviewDetails { .. }
                | Effect::PreviewRename { .. }
                | Effect::LoadSchedules { .. }
                | Effect::PostDue { .. }
        )
    }
}
