//! What the engine answers: the facts that come back from running an effect against the store
//! (rows, a stored write, an undo step, a failure). One serializable enum, so a TUI in another
//! process gets exactly what a local one gets, and the reducer sees it as `Action::Answer`.
//! Pure data: no store, no terminal.

use super::effect::WindowQuery;
use super::totals::Totals;
use super::{Currency, Expense};
use serde::{Deserialize, Serialize};

/// The answer to an effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Answer {
    /// Rows for the ledger arrived.
    WindowLoaded(Box<WindowLoaded>),
    /// Known categories and payees arrived.
    CompletionsLoaded(Completions),
    /// A write was stored (durably).
    Stored(Box<Stored>),
    /// The review's numbers arrived.
    ReviewLoaded(Box<super::review::Review>),
    /// The review's top payees and largest expenses arrived.
    DetailsLoaded(Box<super::review::ReviewDetails>),
    /// A budget was stored (`None`: removed).
    BudgetSaved {
        /// The category.
        category: String,
        /// The new limit.
        limit: Option<(Currency, i64)>,
    },
    /// What a rename would do, for the name typed so far.
    RenamePreviewed(Box<super::rename::RenamePreview>),
    /// A category was renamed (or merged); the note says what moved.
    Renamed(Box<super::rename::RenameNote>),
    /// A write crossed 80 % or 100 % of budgets.
    BudgetAlerts(Vec<super::budget::BudgetAlert>),
    /// The triggers' health: a warning while one is failing or has dead letters.
    TriggerHealth(Option<String>),
    /// An undo that can never succeed: the expense left the trash for good. Unlike `Failed`,
    /// the change is not kept for another `u`.
    UndoImpossible(String),
    /// The latest change cannot be undone because something newer changed its expense; the
    /// message says what and how to go on (`u` again skips it).
    UndoBlocked(String),
    /// The trash's contents arrived.
    TrashLoaded(Box<TrashLoaded>),
    /// A window of the history arrived.
    HistoryLoaded(Box<HistoryLoaded>),
    /// An undo or redo step was stored (or there was nothing to do).
    Stepped(Box<Stepped>),
    /// Something failed; the message is for the person.
    Failed(String),
    /// The TUI cannot reach the store (the process holding it is stopped, or it is changing
    /// hands): why and what to do, shown until it is back (`None`). Made by the TUI's runtime,
    /// never by the engine; last, so the places of the others on the wire stay as they were.
    StoreAway(Option<String>),
    // Recurring expenses (after the others, so their places on the wire stay as they were).
    /// The schedules and the due list arrived.
    SchedulesLoaded(Box<SchedulesLoaded>),
    /// A schedule was stored, removed, or one of its occurrences posted or skipped.
    ScheduleSaved(Box<ScheduleSaved>),
    /// What fell due was posted: the words of what was posted (`None`: nothing was), and how
    /// many occurrences wait for a confirmation.
    DuePosted {
        /// `Posted 3 recurring expenses (rent, gym ×2); undo takes them back`.
        text: Option<String>,
        /// Occurrences in the due list.
        waiting: usize,
    },
    /// Something to tell the person that is not a failure (what opening the store posted).
    /// Made by the TUI's runtime, never by the engine.
    Notice(String),
    /// An edit met a newer version written elsewhere, or the expense is gone: what is stored
    /// now, so the form can keep what was typed and offer both.
    Conflicted(Box<Conflicted>),
}

/// An edit that met another version: the store's sentence and the expense as stored now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflicted {
    /// `expense … was changed elsewhere (you read version 2, it is at 3 now) …`.
    pub message: String,
    /// The expense as stored now; `None` when it was deleted.
    pub current: Option<Expense>,
}

/// Every schedule, and the due list, as read for one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchedulesLoaded {
    /// The day the due list was read for.
    pub today: chrono::NaiveDate,
    /// Every schedule, in the order they were made.
    pub schedules: Vec<super::schedule::Schedule>,
    /// The occurrences due on or before `today` of the schedules that ask to be confirmed, by
    /// date: the schedule's id and the occurrence.
    pub due: Vec<(super::ExpenseId, super::schedule::Occurrence)>,
}

/// A durable write to a schedule and what it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleSaved {
    /// Sequence number of its last change record.
    pub seq: u64,
    /// The schedule before and after (no `old`: made; no `new`: removed).
    pub change: super::schedule::ScheduleChange,
    /// The expense an occurrence posted, when one was.
    pub posted: Option<Expense>,
    /// The occurrence handled by hand (posted or skipped), by the day the rule gives it.
    pub handled: Option<chrono::NaiveDate>,
}

/// Records of the history for one query, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryLoaded {
    /// The query this answers (answers for another view are ignored).
    pub query: super::effect::HistoryQuery,
    /// Number of records in the view (the whole stream, or the expense's).
    pub total: usize,
    /// The records at positions `query.start ..`, newest first.
    pub rows: Vec<HistoryRow>,
}

/// One record of the history with its time as the person reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    /// The change.
    pub record: super::change::ChangeRecord,
    /// When it was written, local time `YYYY-MM-DD HH:MM:SS` (made by the runtime, which knows
    /// the time zone; render stays pure).
    pub time: String,
    /// Set when the row stands for a run of records (a category rename): `record` is its last.
    #[serde(default)]
    pub fold: Option<super::change::Folded>,
}

/// What an undo or redo did, as the person reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stepped {
    /// Redo (true) or undo.
    pub redo: bool,
    /// `Undid: add 12.50 EUR food @Lidl`, or `Nothing to undo`.
    pub text: String,
    /// The expense as the step left it (one-record steps), to keep it under the cursor.
    pub expense: Option<Expense>,
}

/// Rows of the ledger for one query, with the month's totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowLoaded {
    /// The query this answers (stale answers are ignored).
    pub query: WindowQuery,
    /// Number of rows matching the query (all pages).
    pub total: usize,
    /// The rows `query.start ..` (at most `query.len`).
    pub rows: Vec<Expense>,
    /// Totals of the rows in view (the whole month unless a filter or a category narrows it),
    /// per currency (never summed across currencies).
    pub totals: Vec<Totals>,
    /// Where `query.focus` is in the view, if it is there.
    pub focus: Option<usize>,
    /// When a filter or a category narrows the view: how many items the whole month has.
    #[serde(default)]
    pub month_count: Option<u64>,
    /// The view's occurrences of recurring expenses still to come (not counted in `totals`):
    /// the month ahead the ledger shows below its rows.
    #[serde(default)]
    pub upcoming: Vec<UpcomingRow>,
}

/// One occurrence of a recurring expense still to come, as the ledger shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpcomingRow {
    /// The day it falls on.
    pub date: chrono::NaiveDate,
    /// The expense it will post.
    pub draft: super::Draft,
    /// It waits for a confirmation (due already, or not: it never posts by itself).
    pub confirm: bool,
}

/// What is in the trash, and the clock when it was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrashLoaded {
    /// Trashed expenses, most recently deleted first.
    pub rows: Vec<super::trash::Trashed>,
    /// Unix ms when they were read ("expires in" is counted from here).
    pub now_ms: i64,
    /// How long the holder keeps deleted expenses (its `trash_days`, ms; 0: no trash).
    pub ttl_ms: i64,
}

/// What the store already knows, for completion.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Completions {
    /// Categories, most used first.
    pub categories: Vec<(String, u64)>,
    /// Payees with use count and the category they last had, most used first.
    pub payees: Vec<(String, u64, String)>,
    /// Tags, most used first.
    pub tags: Vec<(String, u64)>,
}

/// Kind of stored change, as the person sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    /// A new expense.
    Added,
    /// An edited expense.
    Edited,
    /// A deleted expense, gone at once (the holder keeps no trash: `trash_days = 0`).
    Deleted,
    /// An expense brought back from the trash.
    Restored,
    /// An expense removed from the trash for good.
    Purged,
    /// A deleted expense, moved to the trash for the holder's `trash_days`.
    Trashed,
}

/// A durable write and what it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stored {
    /// Sequence number of its change record.
    pub seq: u64,
    /// What happened.
    pub change: Change,
    /// The expense as written (for a delete, as it was).
    pub expense: Expense,
}
