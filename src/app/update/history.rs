//! The history screen's reducer: the change stream (or one expense's records) as a list, newest
//! first, loaded a window at a time around the visible rows; Enter toggles the detail view of the
//! selected record, Esc closes it or goes back. New records written by any session appear at
//! the top, and the selection stays on the record it was on.

use crate::app::action::{Action, HistoryLoaded};
use crate::app::effect::{Effect, HistoryQuery};
use crate::app::state::{HistoryState, Screen, State, Toast};
use crate::domain::change::short;

use super::page;

/// Opens the history of the whole store (`H`).
pub fn open_all(state: &mut State) -> Vec<Effect> {
    let back = back_of(state);
    state.history = HistoryState {
        back,
        ..HistoryState::default()
    };
    state.screen = Screen::History;
    reload(state)
}

/// Opens the history of the ledger's selected expense (`h`).
pub fn open_item(state: &mut State) -> Vec<Effect> {
    let Some(e) = state.ledger.selected_row() else {
        state.toast = Some(Toast {
            text: "Nothing selected to show the history of".into(),
            error: true,
        });
        return Vec::new();
    };
    let (id, text) = (e.id, short(&e.draft));
    state.history = HistoryState {
        item: Some(id),
        item_text: text,
        back: back_of(state),
        ..HistoryState::default()
    };
    state.screen = Screen::History;
    reload(state)
}

/// The screen Esc returns to: where the person came from (never the history itself).
fn back_of(state: &State) -> Screen {
    match state.screen {
        Screen::History => state.history.back,
        other => other,
    }
}

/// Fetches the window around the visible rows again (after a change anywhere).
pub fn reload(state: &State) -> Vec<Effect> {
    vec![Effect::LoadHistory(query(state))]
}

fn query(state: &State) -> HistoryQuery {
    let page = page(state);
    let h = &state.history;
    HistoryQuery {
        item: h.item,
        start: h.cursor.offset.saturating_sub(page),
        len: page * 3,
    }
}

/// Keys on the history screen.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let page = page(state);
    let h = &mut state.history;
    let total = h.total.unwrap_or(0);
    match action {
        Action::SelectNext => h.cursor.next(total, page),
        Action::SelectPrev => h.cursor.prev(total, page),
        Action::PageDown => h.cursor.page_down(total, page),
        Action::PageUp => h.cursor.page_up(total, page),
        Action::SelectFirst => h.cursor.first(total, page),
        Action::SelectLast => h.cursor.last(total, page),
        Action::Submit => h.detail = !h.detail && h.selected_row().is_some(),
        Action::Cancel if h.detail => h.detail = false,
        Action::Cancel | Action::OpenLedger => {
            state.screen = h.back;
            state.history.detail = false;
            // An undo or redo here changed what the screen we return to shows.
            return super::screen_reload(state);
        }
        Action::OpenHistory if h.item.is_some() => return open_all(state),
        other => {
            return super::screen_wide(state, other).unwrap_or_default();
        }
    }
    follow_selection(state)
}

/// Keeps the selection on screen and asks for records when the visible ones are not loaded.
pub fn follow_selection(state: &mut State) -> Vec<Effect> {
    let page = page(state);
    let h = &mut state.history;
    let Some(total) = h.total else {
        return Vec::new();
    };
    h.cursor.clamp(total, page);
    if h.cursor
        .needs_window(total, page, h.window_start, h.window.len())
    {
        return reload(state);
    }
    Vec::new()
}

/// Records arrived. Records added at the top since the last load move the selection down with
/// its record (unless it was on the newest, which stays on the newest).
pub fn loaded(state: &mut State, loaded: HistoryLoaded) -> Vec<Effect> {
    let h = &mut state.history;
    if loaded.query.item != h.item {
        return Vec::new(); // an answer for a view the person already left
    }
    let grown = match h.total {
        Some(old) if h.cursor.selected > 0 || h.cursor.offset > 0 => {
            loaded.total.saturating_sub(old)
        }
        _ => 0,
    };
    // The answer's positions count from its own newest record; ours from the previous one.
    // The viewport stays at the top (where the new records show) unless it was scrolled.
    if grown > 0 {
        h.cursor.selected += grown;
        if h.cursor.offset > 0 {
            h.cursor.offset += grown;
        }
    }
    h.total = Some(loaded.total);
    h.window_start = loaded.query.start;
    h.window = loaded.rows;
    if h.window.is_empty() {
        h.detail = false;
    }
    follow_selection(state)
}
