//! Everything the screen shows, and nothing else: which month, which rows are loaded, the
//! selection, the open form or prompt. Plain data; the reducer changes it, render reads it.

use super::action::{Completions, Totals};
use super::effect::SortKey;
use super::list::Cursor;
use crate::domain::review::{CategorySort, CategoryTotal, Review, ReviewDetails};
use crate::domain::validate::{Field, RawDraft};
use crate::domain::{Currency, Expense, ExpenseId, Kind, Month};
use chrono::NaiveDate;
use std::collections::BTreeSet;
use tui_input::Input;

mod quick;
mod schedules;
pub use quick::{Preview, QuickState};
pub use schedules::{MoveForm, RuleField, RuleForm, ScheduleRow, SchedulesState, Unit};

/// The whole app state.
#[derive(Debug, Clone)]
pub struct State {
    /// Today's date, refreshed by `Tick` (never read from the clock in `update`).
    pub today: NaiveDate,
    /// First day of a budgeting month.
    pub month_start_day: u32,
    /// Currency for new expenses.
    pub default_currency: Currency,
    /// Terminal size from the last `Resize`.
    pub size: (u16, u16),
    /// Which screen is shown.
    pub screen: Screen,
    /// The ledger screen.
    pub ledger: LedgerState,
    /// The monthly review screen.
    pub review: ReviewState,
    /// The trash screen.
    pub trash: TrashState,
    /// How long a delete stays in the trash, ms (config `trash_days`; 0: deletes at once).
    pub trash_ttl_ms: i64,
    /// Exchange rates into `default_currency` from config (empty: no conversion).
    pub rates: crate::domain::rates::Rates,
    /// Draw charts with ASCII only (config `chart_markers = "ascii"`).
    pub ascii_charts: bool,
    /// The store is the demo store (`expense --demo`): the header says so.
    pub demo: bool,
    /// A form, prompt or help drawn over the screen (the budget form over the review).
    pub overlay: Option<Overlay>,
    /// A one-line message in the status bar.
    pub toast: Option<Toast>,
    /// Another session changed the store since `toast` was set: budget notices replace it
    /// instead of joining it.
    pub toast_stale: bool,
    /// The last `u` met a change it could not undo (the toast says so): the next `u` leaves
    /// it and undoes the one before it (`Effect::UndoSkip`).
    pub undo_blocked: bool,
    /// A failing trigger, shown in the status bar when there is no message.
    pub trigger_warning: Option<String>,
    /// Why the store is out of reach (its holder is stopped, or it is changing hands), shown in
    /// the status bar before anything else until it is back.
    pub store_away: Option<String>,
    /// The history screen.
    pub history: HistoryState,
    /// The schedules screen (recurring expenses).
    pub schedules: SchedulesState,
    /// Known categories and payees.
    pub completions: Completions,
    /// The store's names have arrived at least once (an empty list then means a new store).
    pub completions_loaded: bool,
    /// The lines added through quick entry in this session, oldest first, for ↑ to recall
    /// (the store does not say which expenses quick entry wrote, so earlier sessions' lines
    /// are not among them).
    pub quick_lines: Vec<String>,
    /// Set when the app should exit.
    pub quitting: bool,
    /// Lines of the help overlay (set from the keymap at start), so scrolling stops at its end.
    pub help_lines: u16,
    /// The categories config.toml's import settings name (a rule's payee pattern, or `None`
    /// for `import.default_category`), set at start: a rename says which of them to change.
    pub import_categories: Vec<(Option<String>, String)>,
}

impl State {
    /// A fresh state showing the month of `today`.
    pub fn new(today: NaiveDate, month_start_day: u32, default_currency: Currency) -> State {
        State {
            today,
            month_start_day,
            default_currency,
            size: (80, 24),
            screen: Screen::Ledger,
            ledger: LedgerState::new(Month::containing(today, month_start_day)),
            review: ReviewState::new(Month::containing(today, month_start_day)),
            trash: TrashState::default(),
            trash_ttl_ms: 30 * 86_400_000,
            rates: Default::default(),
            ascii_charts: false,
            demo: false,
            overlay: None,
            toast: None,
            toast_stale: false,
            undo_blocked: false,
            trigger_warning: None,
            store_away: None,
            history: HistoryState::default(),
            schedules: SchedulesState::default(),
            completions: Completions::default(),
            completions_loaded: false,
            quick_lines: Vec::new(),
            quitting: false,
            help_lines: u16::MAX,
            import_categories: Vec::new(),
        }
    }

    /// First and last day of the month on screen.
    pub fn month_range(&self) -> (NaiveDate, NaiveDate) {
        self.ledger.month.range(self.month_start_day)
    }
}

/// The month table.
#[derive(Debug, Clone)]
pub struct LedgerState {
    /// Month shown.
    pub month: Month,
    /// Sort column.
    pub sort: SortKey,
    /// Largest / newest first.
    pub descending: bool,
    /// Fuzzy filter text.
    pub filter: Input,
    /// True while the filter line has the keyboard.
    pub filter_editing: bool,
    /// The selected row and the first visible one (absolute indexes).
    pub cursor: Cursor,
    /// Rows matching the view (all pages); `None` until the first load.
    pub total: Option<usize>,
    /// Absolute index of `window[0]`.
    pub window_start: usize,
    /// The loaded rows: the visible ones and a page around them, never the whole month.
    pub window: Vec<Expense>,
    /// Totals per currency of the rows in view (the month's, unless narrowed).
    pub totals: Vec<Totals>,
    /// The month's item count when a filter or a category narrows the view.
    pub month_count: Option<u64>,
    /// Only this category and its sub-categories (set by Enter on the review screen).
    pub category: Option<String>,
    /// Recurring expenses still to come in the view, shown dimmed below the table and not
    /// counted in `totals`.
    pub upcoming: Vec<crate::domain::answer::UpcomingRow>,
    /// The expense just added or saved into a month other than the one on screen: `t` goes
    /// there (to that row) instead of to this month, until the month shown changes.
    pub landed: Option<(Month, ExpenseId)>,
}

impl LedgerState {
    /// Newest first, no filter, nothing loaded.
    pub fn new(month: Month) -> LedgerState {
        LedgerState {
            month,
            sort: SortKey::Date,
            descending: true,
            filter: Input::default(),
            filter_editing: false,
            cursor: Cursor::default(),
            total: None,
            window_start: 0,
            window: Vec::new(),
            totals: Vec::new(),
            month_count: None,
            category: None,
            upcoming: Vec::new(),
            landed: None,
        }
    }

    /// The row at absolute index `i`, if loaded.
    pub fn row(&self, i: usize) -> Option<&Expense> {
        i.checked_sub(self.window_start)
            .and_then(|r| self.window.get(r))
    }

    /// The selected row, if loaded.
    pub fn selected_row(&self) -> Option<&Expense> {
        self.row(self.cursor.selected)
    }
}

/// The screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Screen {
    /// The month's expenses as a table.
    #[default]
    Ledger,
    /// The month's review: totals, categories, budgets, charts.
    Review,
    /// Deleted expenses waiting for their expiry: restore or purge.
    Trash,
    /// The change history, newest first (of the store or one expense).
    History,
    /// Recurring expenses: the due list and every schedule.
    Schedules,
}

/// The history screen: a window of change records around the visible rows, never the stream.
#[derive(Debug, Clone, Default)]
pub struct HistoryState {
    /// Only this expense's records (`h` on the ledger); `None`: the whole store (`H`).
    pub item: Option<crate::domain::ExpenseId>,
    /// What the expense was when opened (`12.50 EUR food @Lidl`), for the title.
    pub item_text: String,
    /// Where Esc goes back to.
    pub back: Screen,
    /// The selected record (0 = the newest) and the first visible one (absolute indexes).
    pub cursor: Cursor,
    /// Records in the view; `None` until the first load.
    pub total: Option<usize>,
    /// Absolute index of `window[0]`.
    pub window_start: usize,
    /// The loaded records, newest first.
    pub window: Vec<super::action::HistoryRow>,
    /// The detail view (old and new image side by side) of the selected record is open.
    pub detail: bool,
}

impl HistoryState {
    /// The record at absolute index `i`, if loaded.
    pub fn row(&self, i: usize) -> Option<&super::action::HistoryRow> {
        i.checked_sub(self.window_start)
            .and_then(|r| self.window.get(r))
    }

    /// The selected record, if loaded.
    pub fn selected_row(&self) -> Option<&super::action::HistoryRow> {
        self.row(self.cursor.selected)
    }
}

/// The trash screen: what is in the trash (loaded whole: it holds what a person deleted in
/// the last `trash_days`, not a million rows) and the selection.
#[derive(Debug, Clone, Default)]
pub struct TrashState {
    /// The trashed expenses, most recently deleted first; `None` until loaded.
    pub rows: Option<Vec<crate::domain::trash::Trashed>>,
    /// The selected row and the first visible one.
    pub cursor: Cursor,
    /// The clock when `rows` was read (Unix ms), for "expires in" (render never reads a clock).
    pub now_ms: i64,
}

impl TrashState {
    /// The selected row, if any.
    pub fn selected_row(&self) -> Option<&crate::domain::trash::Trashed> {
        self.rows.as_ref()?.get(self.cursor.selected)
    }
}

/// The review screen: the month, its numbers once loaded, and the category table's view.
#[derive(Debug, Clone)]
pub struct ReviewState {
    /// The month reviewed.
    pub month: Month,
    /// The numbers of `month`, `None` until loaded.
    pub data: Option<Review>,
    /// Top payees and largest expenses of `month`, loaded after `data`.
    pub details: Option<ReviewDetails>,
    /// Categories whose sub-categories are shown (by path).
    pub expanded: BTreeSet<String>,
    /// The selected row and the first one drawn, as indexes among the visible rows (those of
    /// expanded categories).
    pub cursor: Cursor,
    /// Order of siblings in the table.
    pub sort: CategorySort,
    /// Reverse of the sort's natural order.
    pub descending: bool,
}

impl ReviewState {
    /// Nothing loaded, nothing expanded, sorted by spending.
    pub fn new(month: Month) -> ReviewState {
        ReviewState {
            month,
            data: None,
            details: None,
            expanded: BTreeSet::new(),
            cursor: Cursor::default(),
            sort: CategorySort::Spent,
            descending: false,
        }
    }

    /// Indexes into `data.categories` of the visible rows, in table order.
    pub fn visible(&self) -> Vec<usize> {
        match &self.data {
            Some(d) => d.visible(&self.expanded, self.sort, self.descending),
            None => Vec::new(),
        }
    }

    /// The selected category row, if any.
    pub fn selected_row(&self) -> Option<&CategoryTotal> {
        let i = *self.visible().get(self.cursor.selected)?;
        self.data.as_ref()?.categories.get(i)
    }
}

/// The small form that sets a category's monthly budget (`b` on the review; `Overlay::Budget`).
#[derive(Debug, Clone)]
pub struct BudgetForm {
    /// The category.
    pub category: String,
    /// Currency of the budget (the row's).
    pub currency: Currency,
    /// The typed amount; empty clears the budget.
    pub input: Input,
    /// Why the last Enter was refused, or the store's error.
    pub error: Option<String>,
    /// Waiting for the store.
    pub saving: bool,
}

/// The review's rename prompt (`R`; `Overlay::Rename`): the new name of the selected category,
/// prefilled with its name, and what renaming to the name typed would do.
#[derive(Debug, Clone)]
pub struct RenameForm {
    /// The category renamed.
    pub category: String,
    /// The new name as typed.
    pub input: Input,
    /// What the rename to the name typed would do (asked of the store as it is typed), or why
    /// it would be refused; `None` until the answer for this text arrives.
    pub preview: Option<crate::domain::rename::RenamePreview>,
    /// Why the last Enter was refused, or the store's error.
    pub error: Option<String>,
    /// Waiting for the store.
    pub saving: bool,
}

/// What is drawn over the screen (and has the keyboard while open).
#[derive(Debug, Clone)]
pub enum Overlay {
    /// Add or edit form.
    Form(Box<FormState>),
    /// "Delete this?" prompt.
    ConfirmDelete {
        /// The expense to delete as shown.
        expense: Box<Expense>,
    },
    /// "Purge this for good?" prompt on the trash screen.
    ConfirmPurge {
        /// The trashed expense as shown.
        item: Box<crate::domain::trash::Trashed>,
    },
    /// The one-line quick entry (`12.50 groceries @Lidl yesterday`).
    Quick(Box<QuickState>),
    /// The key list, with its scroll position.
    Help {
        /// First help line shown.
        scroll: u16,
    },
    /// The review's budget form for the selected category.
    Budget(BudgetForm),
    /// The review's rename prompt for the selected category.
    Rename(RenameForm),
    /// "Remove this schedule?" prompt on the schedules screen.
    ConfirmRemoveSchedule {
        /// The schedule as shown.
        schedule: Box<crate::domain::schedule::Schedule>,
    },
    /// The prompt that moves one occurrence of a schedule to another day.
    Move(MoveForm),
}

/// New expense or edit of an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormMode {
    /// Adding.
    New,
    /// Editing `id`, opened at `version`.
    Edit {
        /// Which expense.
        id: ExpenseId,
        /// The version read when the form opened (the update is conditional on it).
        version: u64,
    },
    /// A recurring expense, new or edited: the expense's fields (the date is the rule's
    /// start) and the rule's (`FormState::rule`).
    Schedule,
    /// A due occurrence, edited before it is posted.
    PostDue {
        /// Which schedule.
        id: ExpenseId,
        /// The schedule's version the due list showed.
        version: u64,
        /// The occurrence, by the day the rule gives it.
        natural: NaiveDate,
    },
}

/// The add/edit form: one text input per field, the focus, and per-field errors.
#[derive(Debug, Clone)]
pub struct FormState {
    /// Add or edit.
    pub mode: FormMode,
    /// Focused field.
    pub focus: Field,
    /// Text of each field, in `Field::ALL` order (Kind's slot stays empty).
    pub inputs: Vec<Input>,
    /// Expense or income.
    pub kind: Kind,
    /// Reasons per field from the last submit.
    pub errors: Vec<(Field, String)>,
    /// A failure from the store (conflict, disk).
    pub store_error: Option<String>,
    /// Suggestions for `suggested_for`, shown (and taken) only while that field has the keyboard.
    pub suggestions: Vec<String>,
    /// The field `suggestions` were made for.
    pub suggested_for: Option<Field>,
    /// Highlighted suggestion.
    pub suggestion: Option<usize>,
    /// Waiting for the store to confirm.
    pub saving: bool,
    /// The category was filled in from the payee's last expense, not typed: the first character
    /// typed into it replaces it (an edit key keeps it).
    pub category_proposed: bool,
    /// The value of an amount written as an expression (`12.50+3*2` -> `18.50`), shown as it is
    /// typed.
    pub amount_preview: Option<String>,
    /// A category the store does not know, which the person was asked to confirm as new: Enter
    /// again with the same text creates it, Esc picks a known one instead.
    pub new_category: Option<String>,
    /// A note under a field that is not an error (`groc` resolved to `food:groceries`).
    pub hint: Option<(Field, String)>,
    /// The rule's fields, in a schedule form (`FormMode::Schedule`).
    pub rule: Option<Box<RuleForm>>,
    /// A category taken as known though no expense has it yet: the schedule's own, in the
    /// form of a schedule or of its due occurrence (it was asked about when it was made).
    pub known_category: Option<String>,
    /// What an edit form was opened with: what "changed elsewhere" is measured against.
    pub base: Option<crate::domain::Draft>,
    /// The save met a version written elsewhere since the form opened (or the expense is
    /// gone): what is stored now. The typed text stays; submit saves it over that version (adds
    /// it again when gone), `take_other` takes the stored one instead.
    pub conflict: Option<crate::domain::answer::Conflicted>,
}

impl FormState {
    /// True when Tab takes a suggestion rather than moving on (and Esc closes the list rather
    /// than the form): a list shows for the field and either one is highlighted or there is a
    /// word typed to complete (on an empty field the list is only an offer, and Tab walks past).
    pub fn tab_takes(&self) -> bool {
        if self.shown_suggestions().is_empty() {
            return false;
        }
        let text = self.input(self.focus).value();
        let word = match self.focus {
            Field::Tags => text.rsplit([' ', ',']).next().unwrap_or(""),
            _ => text,
        };
        self.suggestion.is_some() || !word.trim().is_empty()
    }

    /// After a conflict: the fields the version stored elsewhere changed since the form
    /// opened, with their text there (against what was typed when the opening one is unknown).
    pub fn changed_elsewhere(&self) -> Vec<(Field, String)> {
        let Some(current) = self.conflict.as_ref().and_then(|c| c.current.as_ref()) else {
            return Vec::new();
        };
        Field::ALL
            .into_iter()
            .filter_map(|f| {
                let theirs = f.text_of(&current.draft);
                let before = match (&self.base, f) {
                    (Some(base), _) => f.text_of(base),
                    (None, Field::Kind) => self.kind.as_str().to_string(),
                    (None, _) => self.input(f).value().to_string(),
                };
                (theirs != before).then_some((f, theirs))
            })
            .collect()
    }

    /// The suggestions to show and take now: the list of the field that has the keyboard,
    /// never one left over from another field.
    pub fn shown_suggestions(&self) -> &[String] {
        if self.rule_focus().is_none() && self.suggested_for == Some(self.focus) {
            &self.suggestions
        } else {
            &[]
        }
    }

    /// True when `field` has the keyboard (an expense field, not one of the rule's).
    pub fn focused(&self, field: Field) -> bool {
        self.focus == field && self.rule_focus().is_none()
    }

    /// The rule field that has the keyboard, in a schedule form.
    pub fn rule_focus(&self) -> Option<RuleField> {
        self.rule.as_ref().and_then(|r| r.focus)
    }

    /// The input of `field`.
    pub fn input(&self, field: Field) -> &Input {
        &self.inputs[field_index(field)]
    }

    /// The input of `field`, mutable.
    pub fn input_mut(&mut self, field: Field) -> &mut Input {
        &mut self.inputs[field_index(field)]
    }

    /// The error shown next to `field`.
    pub fn error(&self, field: Field) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, e)| e.as_str())
    }

    /// The raw text of every field, for validation.
    pub fn raw(&self) -> RawDraft {
        let v = |f| self.input(f).value().to_string();
        RawDraft {
            date: v(Field::Date),
            amount: v(Field::Amount),
            currency: v(Field::Currency),
            category: v(Field::Category),
            payee: v(Field::Payee),
            tags: v(Field::Tags),
            note: v(Field::Note),
            kind: self.kind,
        }
    }
}

/// Position of `field` in `Field::ALL`.
pub fn field_index(field: Field) -> usize {
    Field::ALL.iter().position(|f| *f == field).unwrap_or(0)
}

/// A short message in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    /// The text.
    pub text: String,
    /// Error (red) or information.
    pub error: bool,
}
