//! The reducer: `update(&mut State, Action) -> Vec<Effect>`. Pure: no terminal, no store, no
//! clock. It moves the selection, keeps the loaded window around the visible rows, and turns
//! intents into effects; the runtime answers with `WindowLoaded`, `Stored` and `Failed`.

mod form;
mod history;
mod review;
mod trash;

use super::action::{Action, Change, Stored};
use super::effect::{Effect, WindowQuery};
use super::state::{LedgerState, Overlay, Screen, State, Toast};
use crate::domain::money::format_grouped;
use crate::domain::quick::{parse, split, QuickContext};
use crate::domain::text::inert;
use crate::domain::{ExpenseId, Month};
use crate::ui::layout::ledger_rows;

/// Applies `action` to `state` and returns the I/O the runtime must perform.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    if is_user_action(&action) {
        state.toast = None;
    }
    match action {
        Action::Resize { width, height } => {
            state.size = (width, height);
            let mut fx = follow_selection(state);
            if state.screen == Screen::History {
                fx.extend(history::follow_selection(state));
            }
            fx
        }
        Action::Tick(today) => {
            state.today = today;
            Vec::new()
        }
        Action::PollTriggers => vec![Effect::LoadTriggerHealth],
        Action::TriggerHealth(warning) => {
            state.trigger_warning = warning;
            Vec::new()
        }
        Action::WindowLoaded(loaded) => window_loaded(state, *loaded),
        Action::CompletionsLoaded(c) => {
            state.completions = c;
            Vec::new()
        }
        Action::Stored(stored) => stored_effects(state, *stored),
        Action::ChangedElsewhere => {
            state.toast_stale = true;
            let mut fx = vec![Effect::LoadWindow(query_at(state, None))];
            fx.push(Effect::LoadCompletions);
            fx.extend(screen_reload(state));
            fx
        }
        Action::HistoryLoaded(h) => history::loaded(state, *h),
        Action::Stepped(s) => stepped(state, *s),
        Action::TrashLoaded(t) => trash::loaded(state, *t),
        Action::UndoImpossible(message) => {
            state.toast = Some(Toast {
                text: message,
                error: true,
            });
            Vec::new()
        }
        Action::ReviewLoaded(r) => review::loaded(state, *r),
        Action::DetailsLoaded(d) => review::details_loaded(state, *d),
        Action::BudgetSaved { category, limit } => review::budget_saved(state, category, limit),
        Action::BudgetAlerts(alerts) => {
            if !alerts.is_empty() {
                let over = alerts
                    .iter()
                    .any(|a| a.level == crate::domain::budget::AlertLevel::Over);
                let mut text: Vec<String> = alerts.iter().map(|a| a.message()).collect();
                // The notice joins the message of the change that crossed the line (this
                // session's add or edit), not one from before another session's change.
                if let Some(t) = state.toast.take().filter(|_| !state.toast_stale) {
                    text.push(t.text);
                }
                state.toast_stale = false;
                state.toast = Some(Toast {
                    text: text.join(" · "),
                    error: over,
                });
            }
            Vec::new()
        }
        Action::Failed(message) => {
            match &mut state.overlay {
                None if state.review.budget_form.as_ref().is_some_and(|f| f.saving) => {
                    if let Some(f) = &mut state.review.budget_form {
                        f.saving = false;
                        f.error = Some(message);
                    }
                }
                Some(Overlay::Form(form)) if form.saving => {
                    form.saving = false;
                    form.store_error = Some(message);
                }
                _ => {
                    state.toast = Some(Toast {
                        text: message,
                        error: true,
                    })
                }
            }
            Vec::new()
        }
        action => match &state.overlay {
            Some(Overlay::Form(_)) => form::update(state, action),
            Some(Overlay::ConfirmDelete { .. } | Overlay::ConfirmPurge { .. }) => {
                confirm(state, action)
            }
            Some(Overlay::Help { .. }) => help(state, action),
            Some(Overlay::Quick { .. }) => quick(state, action),
            None if state.screen == Screen::Review => review::update(state, action),
            None if state.screen == Screen::Trash => trash::update(state, action),
            None if state.screen == Screen::History => history::update(state, action),
            None if state.ledger.filter_editing => filter(state, action),
            None => ledger(state, action),
        },
    }
}

/// Actions a person caused (these clear the last message).
fn is_user_action(action: &Action) -> bool {
    !matches!(
        action,
        Action::Resize { .. }
            | Action::Tick(_)
            | Action::PollTriggers
            | Action::TriggerHealth(_)
            | Action::WindowLoaded(_)
            | Action::CompletionsLoaded(_)
            | Action::Stored(_)
            | Action::ChangedElsewhere
            | Action::Failed(_)
            | Action::ReviewLoaded(_)
            | Action::DetailsLoaded(_)
            | Action::BudgetAlerts(_)
            | Action::TrashLoaded(_)
            | Action::UndoImpossible(_)
            | Action::HistoryLoaded(_)
            | Action::Stepped(_)
    )
}

/// Rows the table shows at the current size.
pub fn page(state: &State) -> usize {
    ledger_rows(state.size.0, state.size.1)
}

fn ledger(state: &mut State, action: Action) -> Vec<Effect> {
    let page = page(state);
    let l = &mut state.ledger;
    let last = l.total.unwrap_or(0).saturating_sub(1);
    match action {
        Action::SelectNext => l.selected = (l.selected + 1).min(last),
        Action::SelectPrev => l.selected = l.selected.saturating_sub(1),
        Action::PageDown => {
            l.selected = (l.selected + page).min(last);
            l.offset = (l.offset + page).min(last.saturating_sub(page - 1));
        }
        Action::PageUp => {
            l.selected = l.selected.saturating_sub(page);
            l.offset = l.offset.saturating_sub(page);
        }
        Action::SelectFirst => l.selected = 0,
        Action::SelectLast => l.selected = last,
        Action::PrevMonth => return show_month(state, state.ledger.month.prev()),
        Action::NextMonth => return show_month(state, state.ledger.month.next()),
        Action::ThisMonth => {
            return show_month(state, Month::containing(state.today, state.month_start_day))
        }
        Action::CycleSort => {
            l.sort = l.sort.next();
            // Amounts read best largest first, names alphabetically, dates newest first.
            l.descending = matches!(
                l.sort,
                super::effect::SortKey::Date | super::effect::SortKey::Amount
            );
            return restart(state);
        }
        Action::ReverseSort => {
            l.descending = !l.descending;
            return restart(state);
        }
        Action::StartFilter => l.filter_editing = true,
        Action::ClearFilter | Action::Cancel if !l.filter.value().is_empty() => {
            l.filter.reset();
            return restart(state);
        }
        Action::ClearFilter | Action::Cancel if l.category.is_some() => {
            l.category = None;
            return restart(state);
        }
        Action::OpenReview => return review::open(state),
        Action::OpenTrash => return trash::open(state),
        Action::OpenAdd => return form::open_new(state),
        Action::OpenEdit | Action::Submit => return form::open_edit(state),
        Action::DeleteSelected => match l.selected_row() {
            Some(e) => {
                state.overlay = Some(Overlay::ConfirmDelete {
                    expense: Box::new(e.clone()),
                })
            }
            None => {
                state.toast = Some(Toast {
                    text: "Nothing selected to delete".into(),
                    error: true,
                })
            }
        },
        Action::ItemHistory => return history::open_item(state),
        other => {
            if let Some(fx) = screen_wide(state, other) {
                return fx;
            }
        }
    }
    follow_selection(state)
}

/// Keys that mean the same on every screen (help, quick entry, quit, suspend); `None` for any
/// other action. The ledger and the review both end in this.
pub(super) fn screen_wide(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    Some(match action {
        Action::OpenHelp => {
            state.overlay = Some(Overlay::Help { scroll: 0 });
            Vec::new()
        }
        Action::OpenQuick => {
            state.overlay = Some(Overlay::Quick {
                input: Default::default(),
                error: None,
            });
            vec![Effect::LoadCompletions]
        }
        Action::Quit => {
            state.quitting = true;
            vec![Effect::Quit]
        }
        Action::Suspend => vec![Effect::Suspend],
        Action::Undo => vec![Effect::Undo],
        Action::Redo => vec![Effect::Redo],
        Action::OpenHistory => history::open_all(state),
        _ => return None,
    })
}

fn filter(state: &mut State, action: Action) -> Vec<Effect> {
    let l = &mut state.ledger;
    match action {
        Action::Input(req) => {
            l.filter.handle(req);
            return restart(state);
        }
        Action::Submit => l.filter_editing = false,
        Action::Cancel => {
            l.filter_editing = false;
            l.filter.reset();
            return restart(state);
        }
        Action::Quit => {
            state.quitting = true;
            return vec![Effect::Quit];
        }
        // Moving while filtering keeps the filter line open.
        Action::SelectNext | Action::SelectPrev | Action::PageDown | Action::PageUp => {
            return ledger(state, action)
        }
        _ => {}
    }
    Vec::new()
}

fn confirm(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Submit => match state.overlay.take() {
            Some(Overlay::ConfirmDelete { expense }) => {
                vec![Effect::Delete {
                    id: expense.id,
                    expected_version: expense.version,
                    ttl_ms: state.trash_ttl_ms,
                }]
            }
            Some(Overlay::ConfirmPurge { item }) => vec![Effect::Purge {
                id: item.expense.id,
            }],
            _ => Vec::new(),
        },
        Action::Cancel | Action::Quit => {
            state.overlay = None;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn help(state: &mut State, action: Action) -> Vec<Effect> {
    // The help shows `help_lines` lines in a box two rows shorter than the screen.
    let visible = state.size.1.saturating_sub(2);
    let max = state.help_lines.saturating_sub(visible);
    if let Some(Overlay::Help { scroll }) = &mut state.overlay {
        match action {
            Action::ScrollDown | Action::SelectNext => *scroll = scroll.saturating_add(1),
            Action::ScrollUp | Action::SelectPrev => *scroll = scroll.saturating_sub(1),
            Action::PageDown => *scroll = scroll.saturating_add(visible),
            Action::PageUp => *scroll = scroll.saturating_sub(visible),
            Action::Cancel | Action::Quit | Action::OpenHelp | Action::Submit => {
                state.overlay = None;
                return Vec::new();
            }
            _ => {}
        }
        *scroll = (*scroll).min(max);
    }
    Vec::new()
}

/// The quick-entry line: the same grammar as `expense add`, against the known categories.
fn quick(state: &mut State, action: Action) -> Vec<Effect> {
    let Some(Overlay::Quick { input, error }) = &mut state.overlay else {
        return Vec::new();
    };
    match action {
        Action::Input(req) => {
            input.handle(req);
            *error = None;
        }
        Action::Submit => {
            let ctx = QuickContext {
                today: state.today,
                currency: state.default_currency,
                categories: &state.completions.categories,
                allow_new: false,
            };
            match split(input.value()).and_then(|words| parse(&words, &ctx)) {
                Ok(draft) => {
                    state.overlay = None;
                    return vec![Effect::Put(draft)];
                }
                Err(e) => *error = Some(e.to_string()),
            }
        }
        Action::Cancel | Action::Quit => state.overlay = None,
        _ => {}
    }
    Vec::new()
}

fn show_month(state: &mut State, month: Month) -> Vec<Effect> {
    state.ledger.month = month;
    restart(state)
}

/// The view changed (month, sort, filter): back to the top, fetch from scratch.
pub(super) fn restart(state: &mut State) -> Vec<Effect> {
    let l = &mut state.ledger;
    l.selected = 0;
    l.offset = 0;
    l.total = None;
    l.window.clear();
    l.window_start = 0;
    reload(state)
}

/// Fetches the visible page again (after a write or a change elsewhere).
pub fn reload(state: &State) -> Vec<Effect> {
    vec![Effect::LoadWindow(query(state))]
}

/// The window to fetch around the visible rows: a page before, the visible page, a page after.
fn query(state: &State) -> WindowQuery {
    let page = page(state);
    let l = &state.ledger;
    let (from, to) = state.month_range();
    WindowQuery {
        from,
        to,
        sort: l.sort,
        descending: l.descending,
        filter: l.filter.value().to_string(),
        start: l.offset.saturating_sub(page),
        len: page * 3,
        focus: None,
        category: l.category.clone(),
    }
}

/// The window query after a change, with `focus` under the cursor, or else the row that is
/// under it now: rows arriving or leaving above it do not move the cursor off its row.
fn query_at(state: &State, focus: Option<ExpenseId>) -> WindowQuery {
    let mut q = query(state);
    q.focus = focus.or_else(|| state.ledger.selected_row().map(|e| e.id));
    q
}

/// Keeps the selection on screen and asks for rows when the visible ones are not loaded.
fn follow_selection(state: &mut State) -> Vec<Effect> {
    let page = page(state);
    let l = &mut state.ledger;
    let Some(total) = l.total else {
        return Vec::new();
    };
    clamp(l, total, page);
    let visible_end = (l.offset + page).min(total);
    let loaded_end = l.window_start + l.window.len();
    if l.offset < visible_end && (l.offset < l.window_start || visible_end > loaded_end) {
        return reload(state);
    }
    Vec::new()
}

fn clamp(l: &mut LedgerState, total: usize, page: usize) {
    l.selected = l.selected.min(total.saturating_sub(1));
    if l.selected < l.offset {
        l.offset = l.selected;
    } else if l.selected >= l.offset + page {
        l.offset = l.selected + 1 - page;
    }
    l.offset = l.offset.min(total.saturating_sub(page));
}

fn window_loaded(state: &mut State, loaded: super::action::WindowLoaded) -> Vec<Effect> {
    if !loaded.query.same_view(&query(state)) {
        return Vec::new(); // an answer to a view the person already left
    }
    let l = &mut state.ledger;
    // A short page means the view ends there, whatever the count said (never ask forever).
    let total = if loaded.rows.len() < loaded.query.len {
        loaded.total.min(loaded.query.start + loaded.rows.len())
    } else {
        loaded.total
    };
    l.total = Some(total);
    if let Some(i) = loaded.focus {
        l.selected = i;
    }
    l.window_start = loaded.query.start;
    l.window = loaded.rows;
    l.totals = loaded.totals;
    l.month_count = loaded.month_count;
    follow_selection(state)
}

fn stored_effects(state: &mut State, stored: Stored) -> Vec<Effect> {
    if matches!(&state.overlay, Some(Overlay::Form(f)) if f.saving) {
        state.overlay = None;
    }
    let e = &stored.expense;
    let d = &e.draft;
    let trashed = stored.change == Change::Deleted && state.trash_ttl_ms > 0;
    let verb = match stored.change {
        Change::Added => "Added",
        Change::Edited => "Saved",
        Change::Deleted if trashed => "Moved to trash",
        Change::Deleted => "Deleted",
        Change::Restored => "Restored",
        Change::Purged => "Purged for good",
    };
    let month = Month::containing(d.date, state.month_start_day);
    let gone = matches!(stored.change, Change::Deleted | Change::Purged);
    let elsewhere = if month != state.ledger.month && !gone {
        format!(" (in {})", month.title())
    } else {
        String::new()
    };
    let hint = match stored.change {
        Change::Purged => "",
        _ if trashed => " · u undoes · T shows the trash",
        _ => " · u undoes",
    };
    state.toast_stale = false;
    state.toast = Some(Toast {
        text: format!(
            "{verb} {}{} {} · {}{}{elsewhere}{hint}",
            if d.kind == crate::domain::Kind::Income {
                "+"
            } else {
                ""
            },
            format_grouped(d.amount, d.currency),
            d.currency,
            inert(&d.category),
            // No empty " ·  · " when there is no payee.
            if d.payee.is_empty() {
                String::new()
            } else {
                format!(" · {}", inert(&d.payee))
            },
        ),
        error: false,
    });
    // Keep the saved expense under the cursor, wherever the save moved it in the view.
    let saved = (!gone && month == state.ledger.month).then_some(e.id);
    let mut fx = vec![
        Effect::LoadWindow(query_at(state, saved)),
        Effect::LoadCompletions,
    ];
    fx.extend(screen_reload(state));
    fx
}

/// Reloads of the screen on show besides the ledger's window (the review, the history).
pub(super) fn screen_reload(state: &State) -> Vec<Effect> {
    match state.screen {
        Screen::Review => review::reload(state),
        Screen::History => history::reload(state),
        Screen::Trash => vec![Effect::LoadTrash],
        Screen::Ledger => Vec::new(),
    }
}

/// An undo or redo was stored: say what it did, keep its expense under the cursor when it is in
/// the ledger's month, and reload what is on screen.
fn stepped(state: &mut State, stepped: super::action::Stepped) -> Vec<Effect> {
    state.toast_stale = false;
    state.toast = Some(Toast {
        text: stepped.text,
        error: false,
    });
    // The changed expense comes under the cursor; when the step removed it (or changed many),
    // the row that was under the cursor stays there.
    let changed = stepped
        .expense
        .as_ref()
        .filter(|e| Month::containing(e.draft.date, state.month_start_day) == state.ledger.month)
        .map(|e| e.id);
    let mut fx = vec![
        Effect::LoadWindow(query_at(state, changed)),
        Effect::LoadCompletions,
    ];
    fx.extend(screen_reload(state));
    fx
}
