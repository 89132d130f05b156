//! What happened: the vocabulary the reducer understands. Keys are resolved to these in
//! `tui::keymap` before `update` sees them; bindable variants have snake_case names used in
//! `assets/keymap.toml`, runtime facts are `#[serde(skip)]`.

use chrono::NaiveDate;
use serde::Deserialize;

pub use super::answer::{
    Answer, Change, Completions, HistoryLoaded, HistoryRow, Stepped, Stored, TrashLoaded,
    WindowLoaded,
};
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
    /// Rename the selected category (a merge when the new name is in use), with its
    /// sub-categories and budgets.
    RenameCategory,
    // ---- trash (bindable)
    /// Show the trash: deleted expenses and when they expire.
    OpenTrash,
    /// Bring the selected expense back from the trash.
    RestoreSelected,
    /// Ask to remove the selected expense from the trash for good.
    PurgeSelected,
    // ---- recurring expenses (bindable)
    /// Show the recurring expenses: the due list and every schedule.
    OpenSchedules,
    /// Make the selected ledger row recurring: the schedule form, monthly on its day.
    RepeatExpense,
    /// Pause the selected schedule, or resume it (what fell in the pause is skipped).
    TogglePause,
    /// End the selected schedule today.
    EndSchedule,
    /// Skip the selected due occurrence, or the schedule's next one.
    SkipOccurrence,
    /// Move the selected due occurrence, or the schedule's next one, to another day.
    MoveOccurrence,
    // ---- form and overlays (bindable)
    /// Focus the next form field.
    FocusNext,
    /// Focus the previous form field.
    FocusPrev,
    /// Highlight the next suggestion.
    SuggestNext,
    /// Highlight the previous suggestion (on the quick-entry line with no list showing:
    /// recall the line entered before; `SuggestNext` walks forward again).
    SuggestPrev,
    /// Write the highlighted completion over the word under the cursor (quick entry's Tab).
    Complete,
    /// Switch between expense and income.
    ToggleKind,
    /// After a save met another version: take the version stored elsewhere instead of what
    /// was typed.
    TakeOther,
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
    /// Another session changed the store; reload what is on screen.
    #[serde(skip)]
    ChangedElsewhere,
    /// Time to look at the triggers' health again (a timer, every few seconds).
    #[serde(skip)]
    PollTriggers,
    /// The engine's answer to an effect (it crosses the session socket as it is).
    #[serde(skip)]
    Answer(Answer),
}
