//! What happened: the vocabulary the reducer understands. Keys are resolved to these in
//! `tui::keymap` before `update` sees them; bindable variants have snake_case names used in
//! `assets/keymap.toml`, runtime facts are `#[serde(skip)]`.

use crate::domain::{Currency, Expense};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::effect::WindowQuery;
pub use crate::domain::totals::Totals;

/// Something the reducer reacts to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    // ---- ledger navigation (bindable)
    /// Move the selection one row down.
    SelectNext,
    /// Move the selection one row up.
    SelectPrev,
    /// Move the selection one page down.
    PageDown,
    /// Move the selection one page up.
    PageUp,
    /// Jump to the first row.
    SelectFirst,
    /// Jump to the last row.
    SelectLast,
    /// Show the previous month.
    PrevMonth,
    /// Show the next month.
    NextMonth,
    /// Jump back to the month containing today.
    ThisMonth,
    /// Sort by the next column (date, amount, category, payee).
    CycleSort,
    /// Reverse the sort order.
    ReverseSort,
    /// Start typing a fuzzy filter.
    StartFilter,
    /// Clear the filter.
    ClearFilter,
    /// Open the form to add an expense.
    OpenAdd,
    /// Open the one-line quick entry.
    OpenQuick,
    /// Open the form to edit the selected expense.
    OpenEdit,
    /// Ask to delete the selected expense.
    DeleteSelected,
    /// Undo the latest standing change in the store, from any session (a whole import at once).
    Undo,
    /// Redo the latest undo, unless a newer change was made since.
    Redo,
    /// Show the change history of the whole store, newest first.
    OpenHistory,
    /// Show the history of the selected expense.
    ItemHistory,
    /// Show every key.
    OpenHelp,
    /// Quit the app.
    Quit,
    /// Suspend to the shell (Ctrl-Z); `fg` resumes.
    Suspend,
    // ---- review (bindable)
    /// Show the monthly review of the ledger's month.
    OpenReview,
    /// Back to the ledger.
    OpenLedger,
    /// Expand or collapse the selected category.
    ToggleExpand,
    /// Expand the selected category (or go to its first sub-category).
    Expand,
    /// Collapse the selected category (or go to its parent).
    Collapse,
    /// Open the ledger filtered to the selected category and the month.
    OpenCategory,
    /// Set or change the selected category's monthly budget.
    EditBudget,
    // ---- trash (bindable)
    /// Show the trash: deleted expenses and when they expire.
    OpenTrash,
    /// Bring the selected expense back from the trash.
    RestoreSelected,
    /// Ask to remove the selected expense from the trash for good.
    PurgeSelected,
    // ---- form and overlays (bindable)
    /// Focus the next form field.
    FocusNext,
    /// Focus the previous form field.
    FocusPrev,
    /// Highlight the next suggestion.
    SuggestNext,
    /// Highlight the previous suggestion.
    SuggestPrev,
    /// Switch between expense and income.
    ToggleKind,
    /// Save the form, confirm a prompt, or accept the filter.
    Submit,
    /// Close the form, prompt or overlay without changes.
    Cancel,
    /// Scroll the help down.
    ScrollDown,
    /// Scroll the help up.
    ScrollUp,
    // ---- facts from the runtime (not bindable)
    /// A text-editing request for the focused field.
    #[serde(skip)]
    Input(tui_input::InputRequest),
    /// The terminal was resized.
    #[serde(skip)]
    Resize {
        /// Columns.
        width: u16,
        /// Rows.
        height: u16,
    },
    /// The clock ticked; carries today's date (day rollover).
    #[serde(skip)]
    Tick(NaiveDate),
    /// Rows for the ledger arrived.
    #[serde(skip)]
    WindowLoaded(Box<WindowLoaded>),
    /// Known categories and payees arrived.
    #[serde(skip)]
    CompletionsLoaded(Completions),
    /// A write was stored (durably).
    #[serde(skip)]
    Stored(Box<Stored>),
    /// Another session changed the store; reload what is on screen.
    #[serde(skip)]
    ChangedElsewhere,
    /// The review's numbers arrived.
    #[serde(skip)]
    ReviewLoaded(Box<crate::domain::review::Review>),
    /// The review's top payees and largest expenses arrived.
    #[serde(skip)]
    DetailsLoaded(Box<crate::domain::review::ReviewDetails>),
    /// A budget was stored (`None`: removed).
    #[serde(skip)]
    BudgetSaved {
        /// The category.
        category: String,
        /// The new limit.
        limit: Option<(Currency, i64)>,
    },
    /// A write crossed 80 % or 100 % of budgets.
    #[serde(skip)]
    BudgetAlerts(Vec<crate::domain::budget::BudgetAlert>),
    /// Time to look at the triggers' health again (a timer, every few seconds).
    #[serde(skip)]
    PollTriggers,
    /// The triggers' health: a warning while one is failing or has dead letters.
    #[serde(skip)]
    TriggerHealth(Option<String>),
    /// An undo that can never succeed: the expense left the trash for good. Unlike `Failed`,
    /// the change is not kept for another `u`.
    #[serde(skip)]
    UndoImpossible(String),
    /// The trash's contents arrived.
    #[serde(skip)]
    TrashLoaded(Box<TrashLoaded>),
    /// A window of the history arrived.
    #[serde(skip)]
    HistoryLoaded(Box<HistoryLoaded>),
    /// An undo or redo step was stored (or there was nothing to do).
    #[serde(skip)]
    Stepped(Box<Stepped>),
    /// Something failed; the message is for the person.
    #[serde(skip)]
    Failed(String),
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
    pub record: crate::store::ChangeRecord,
    /// When it was written, local time `YYYY-MM-DD HH:MM:SS` (made by the runtime, which knows
    /// the time zone; render stays pure).
    pub time: String,
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
}

/// What is in the trash, and the clock when it was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrashLoaded {
    /// Trashed expenses, most recently deleted first.
    pub rows: Vec<crate::store::Trashed>,
    /// Unix ms when they were read ("expires in" is counted from here).
    pub now_ms: i64,
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
    /// A deleted expense.
    Deleted,
    /// An expense brought back from the trash.
    Restored,
    /// An expense removed from the trash for good.
    Purged,
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
