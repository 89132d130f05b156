//! The ledger screen's reducer: the month's expenses as a windowed table. It moves the cursor,
//! keeps the loaded window around the visible rows (asking for a new one when a visible row is
//! not loaded), changes month, sort, filter and category, and opens the form, the prompt and the
//! other screens. Pure: no IO, no terminal, no store; the runtime answers `LoadWindow` with
//! `WindowLoaded`.

use super::{form, history, screen_wide};
use crate::app::action::{Action, WindowLoaded};
use crate::app::effect::{Effect, SortKey, WindowQuery};
use crate::app::state::{Overlay, State, Toast};
use crate::domain::{ExpenseId, Month};

/// Keys on the ledger (the filter line closed).
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let page = ledger_page(state);
    let l = &mut state.ledger;
    let total = l.total.unwrap_or(0);
    match action {
        Action::SelectNext => l.cursor.next(total, page),
        Action::SelectPrev => l.cursor.prev(total, page),
        Action::PageDown => l.cursor.page_down(total, page),
        Action::PageUp => l.cursor.page_up(total, page),
        Action::SelectFirst => l.cursor.first(total, page),
        Action::SelectLast => l.cursor.last(total, page),
        Action::PrevMonth => return show_month(state, state.ledger.month.prev()),
        Action::NextMonth => return show_month(state, state.ledger.month.next()),
        Action::ThisMonth => {
            // Right after an expense went to another month, `t` goes there (the toast says so).
            if let Some((month, id)) = state.ledger.landed.take() {
                state.ledger.month = month;
                restart(state);
                return vec![Effect::LoadWindow(query_at(state, Some(id)))];
            }
            return show_month(state, Month::containing(state.today, state.month_start_day));
        }
        Action::CycleSort => {
            l.sort = l.sort.next();
            // Amounts read best largest first, names alphabetically, dates newest first.
            l.descending = matches!(l.sort, SortKey::Date | SortKey::Amount);
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
        Action::RepeatExpense => return super::schedules::form::open_repeat(state),
        other => {
            if let Some(fx) = screen_wide(state, other) {
                return fx;
            }
        }
    }
    follow_selection(state)
}

/// Keys while the filter line has the keyboard.
pub fn filter(state: &mut State, action: Action) -> Vec<Effect> {
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
            return update(state, action)
        }
        _ => {}
    }
    Vec::new()
}

fn show_month(state: &mut State, month: Month) -> Vec<Effect> {
    state.ledger.month = month;
    state.ledger.landed = None;
    restart(state)
}

/// The view changed (month, sort, filter): back to the top, fetch from scratch.
pub fn restart(state: &mut State) -> Vec<Effect> {
    let l = &mut state.ledger;
    l.cursor.reset();
    l.total = None;
    l.window.clear();
    l.window_start = 0;
    reload(state)
}

/// Rows the ledger's table shows: the page its cursor moves by (the month ahead below the table
/// takes its lines from it).
pub fn ledger_page(state: &State) -> usize {
    crate::ui::layout::ledger_table_rows(state.size.0, state.size.1, state.ledger.upcoming.len())
}

/// Fetches the visible page again (after a write or a change elsewhere).
pub fn reload(state: &State) -> Vec<Effect> {
    vec![Effect::LoadWindow(query(state))]
}

/// The window to fetch around the visible rows: a page before, the visible page, a page after.
fn query(state: &State) -> WindowQuery {
    let page = ledger_page(state);
    let l = &state.ledger;
    let (from, to) = state.month_range();
    WindowQuery {
        from,
        to,
        sort: l.sort,
        descending: l.descending,
        filter: l.filter.value().to_string(),
        start: l.cursor.offset.saturating_sub(page),
        len: page * 3,
        focus: None,
        category: l.category.clone(),
    }
}

/// The window query after a change, with `focus` under the cursor, or else the row that is
/// under it now: rows arriving or leaving above it do not move the cursor off its row.
pub fn query_at(state: &State, focus: Option<ExpenseId>) -> WindowQuery {
    let mut q = query(state);
    q.focus = focus.or_else(|| state.ledger.selected_row().map(|e| e.id));
    q
}

/// Keeps the selection on screen and asks for rows when the visible ones are not loaded.
pub fn follow_selection(state: &mut State) -> Vec<Effect> {
    let page = ledger_page(state);
    let l = &mut state.ledger;
    let Some(total) = l.total else {
        return Vec::new();
    };
    l.cursor.clamp(total, page);
    if l.cursor
        .needs_window(total, page, l.window_start, l.window.len())
    {
        return reload(state);
    }
    Vec::new()
}

/// A window arrived: keep it if it answers the view on screen (sort, filter, month), move the
/// cursor onto the focused row, and follow the selection.
pub fn window_loaded(state: &mut State, loaded: WindowLoaded) -> Vec<Effect> {
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
        l.cursor.selected = i;
    }
    l.window_start = loaded.query.start;
    l.window = loaded.rows;
    l.totals = loaded.totals;
    l.month_count = loaded.month_count;
    l.upcoming = loaded.upcoming;
    follow_selection(state)
}
