//! The trash screen's reducer: move through the trashed expenses, restore (`r`/Enter) or purge
//! (`x`/Delete, after a y/n prompt), Esc back to the ledger. Every answer from the store (a
//! restore, a purge, a change elsewhere, a sweep) reloads the list.

use crate::app::action::{Action, TrashLoaded};
use crate::app::effect::Effect;
use crate::app::state::{Overlay, Screen, State, Toast};

/// Shows the trash and loads it.
pub fn open(state: &mut State) -> Vec<Effect> {
    state.screen = Screen::Trash;
    vec![Effect::LoadTrash]
}

/// The trash's contents arrived.
pub fn loaded(state: &mut State, loaded: TrashLoaded) -> Vec<Effect> {
    // The holder's trash time, which the header names ("kept 30 days").
    state.trash_ttl_ms = loaded.ttl_ms;
    let t = &mut state.trash;
    t.rows = Some(loaded.rows);
    t.now_ms = loaded.now_ms;
    clamp(state);
    Vec::new()
}

/// Keys on the trash screen.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let page = super::page(state);
    let t = &mut state.trash;
    let n = t.rows.as_ref().map_or(0, Vec::len);
    match action {
        Action::SelectNext => t.cursor.next(n, page),
        Action::SelectPrev => t.cursor.prev(n, page),
        Action::PageDown => t.cursor.page_down(n, page),
        Action::PageUp => t.cursor.page_up(n, page),
        Action::SelectFirst => t.cursor.first(n, page),
        Action::SelectLast => t.cursor.last(n, page),
        Action::RestoreSelected | Action::Submit => match t.selected_row() {
            Some(row) => return vec![Effect::Restore { id: row.expense.id }],
            None => nothing(state, "restore"),
        },
        Action::PurgeSelected => match t.selected_row() {
            Some(row) => {
                state.overlay = Some(Overlay::ConfirmPurge {
                    item: Box::new(row.clone()),
                })
            }
            None => nothing(state, "purge"),
        },
        Action::OpenLedger | Action::OpenTrash | Action::Cancel => {
            state.screen = Screen::Ledger;
            return super::reload(state);
        }
        other => {
            if let Some(fx) = super::screen_wide(state, other) {
                return fx;
            }
        }
    }
    clamp(state);
    Vec::new()
}

fn nothing(state: &mut State, what: &str) {
    state.toast = Some(Toast {
        text: format!("The trash is empty: nothing to {what}"),
        error: true,
    });
}

/// Keeps the selection inside the rows and on screen (after a load, a resize).
pub fn clamp(state: &mut State) {
    let page = super::page(state);
    let t = &mut state.trash;
    let n = t.rows.as_ref().map_or(0, Vec::len);
    t.cursor.clamp(n, page);
}
