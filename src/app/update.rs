//! The reducer: `update(&mut State, Action) -> Vec<Effect>`. Pure: no terminal, no store, no
//! clock. This file dispatches (the runtime's answers first, then the overlay, then the screen's
//! reducer in `update/`) and holds what the screens share: the yes/no prompt and the help
//! overlay (quick entry is `update/quick.rs`), the keys that mean the same everywhere, and the answers to writes (`Stored`,
//! `Stepped`); the runtime answers effects with `WindowLoaded`, `Stored` and `Failed`.

mod form;
mod history;
mod ledger;
mod quick;
mod rename;
mod review;
mod schedules;
mod suggest;
mod trash;

pub use ledger::reload;

/// What the app asks for when it starts: the ledger's first page, and the posting of what
/// fell due (whose answer says how many recurring expenses wait for a confirmation).
pub fn start(state: &State) -> Vec<Effect> {
    let mut fx = reload(state);
    fx.push(Effect::PostDue { today: state.today });
    fx
}
use ledger::restart as restart_ledger;

use super::action::{Action, Change, Stored};
use super::effect::Effect;
use super::state::{Overlay, Screen, State, Toast};
use crate::app::Answer;
use crate::domain::money::format_grouped;
use crate::domain::text::inert;
use crate::domain::Month;
use crate::ui::layout::ledger_rows;
use ledger::query_at;

/// Applies `action` to `state` and returns the I/O the runtime must perform.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    if is_user_action(&action) {
        state.toast = None;
    }
    match action {
        Action::Resize { width, height } => {
            state.size = (width, height);
            let mut fx = ledger::follow_selection(state);
            if state.screen == Screen::History {
                fx.extend(history::follow_selection(state));
            }
            // The lists loaded whole only keep their selection on screen.
            trash::clamp(state);
            review::clamp(state);
            schedules::clamp(state);
            fx
        }
        Action::Tick(today) => {
            // A new day while the app is open: post what fell due (exactly once, whoever else
            // does the same at the same moment).
            let new_day = today != state.today;
            state.today = today;
            if new_day {
                vec![Effect::PostDue { today }]
            } else {
                Vec::new()
            }
        }
        Action::PollTriggers => vec![Effect::LoadTriggerHealth],
        Action::Answer(Answer::TriggerHealth(warning)) => {
            state.trigger_warning = warning;
            Vec::new()
        }
        Action::Answer(Answer::StoreAway(why)) => {
            // Back after a notice: say so, in place of the failures met while it was away.
            if why.is_none() && state.store_away.is_some() {
                state.toast = Some(Toast {
                    text: "The store is back; the list shows what changed meanwhile".into(),
                    error: false,
                });
            }
            state.store_away = why;
            Vec::new()
        }
        Action::Answer(Answer::WindowLoaded(loaded)) => ledger::window_loaded(state, *loaded),
        Action::Answer(Answer::CompletionsLoaded(c)) => {
            state.completions = c;
            state.completions_loaded = true;
            quick::completions_loaded(state);
            Vec::new()
        }
        Action::Answer(Answer::Stored(stored)) => stored_effects(state, *stored),
        Action::ChangedElsewhere => {
            state.toast_stale = true;
            // Completions are loaded when a form opens, not on every change.
            let mut fx = vec![Effect::LoadWindow(query_at(state, None))];
            fx.extend(screen_reload(state));
            fx
        }
        Action::Answer(Answer::HistoryLoaded(h)) => history::loaded(state, *h),
        Action::Answer(Answer::Stepped(s)) => stepped(state, *s),
        Action::Answer(Answer::TrashLoaded(t)) => trash::loaded(state, *t),
        Action::Answer(Answer::UndoBlocked(message)) => {
            state.undo_blocked = true;
            state.toast = Some(Toast {
                text: message,
                error: true,
            });
            Vec::new()
        }
        Action::Answer(Answer::UndoImpossible(message)) => {
            state.toast = Some(Toast {
                text: message,
                error: true,
            });
            Vec::new()
        }
        Action::Answer(Answer::ReviewLoaded(r)) => review::loaded(state, *r),
        Action::Answer(Answer::DetailsLoaded(d)) => review::details_loaded(state, *d),
        Action::Answer(Answer::BudgetSaved { category, limit }) => {
            review::budget_saved(state, category, limit)
        }
        Action::Answer(Answer::RenamePreviewed(p)) => rename::previewed(state, *p),
        Action::Answer(Answer::Renamed(note)) => rename::renamed(state, *note),
        Action::Answer(Answer::BudgetAlerts(alerts)) => {
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
        Action::Answer(Answer::SchedulesLoaded(l)) => schedules::loaded(state, *l),
        Action::Answer(Answer::ScheduleSaved(s)) => schedules::saved(state, *s),
        Action::Answer(Answer::DuePosted { text, waiting }) => {
            schedules::due_posted(state, text, waiting)
        }
        Action::Answer(Answer::Conflicted(c)) => {
            form::conflicted(state, *c);
            Vec::new()
        }
        Action::Answer(Answer::Notice(text)) => {
            state.toast = Some(Toast { text, error: false });
            Vec::new()
        }
        Action::Answer(Answer::Failed(message)) => {
            match &mut state.overlay {
                Some(Overlay::Form(form)) if form.saving => {
                    form.saving = false;
                    form.store_error = Some(message);
                }
                Some(Overlay::Budget(form)) if form.saving => {
                    form.saving = false;
                    form.error = Some(message);
                }
                Some(Overlay::Rename(form)) if form.saving => {
                    form.saving = false;
                    form.error = Some(message);
                }
                Some(Overlay::Move(form)) if form.saving => {
                    form.error = Some(message);
                }
                _ => {
                    state.toast = Some(Toast {
                        text: message,
                        error: true,
                    })
                }
            }
            schedules::failed(state)
        }
        action => match &state.overlay {
            Some(Overlay::Form(_)) => form::update(state, action),
            Some(
                Overlay::ConfirmDelete { .. }
                | Overlay::ConfirmPurge { .. }
                | Overlay::ConfirmRemoveSchedule { .. },
            ) => confirm(state, action),
            Some(Overlay::Move(_)) => schedules::move_form(state, action),
            Some(Overlay::Help { .. }) => help(state, action),
            Some(Overlay::Quick(_)) => quick::update(state, action),
            Some(Overlay::Budget(_)) => review::budget_form(state, action),
            Some(Overlay::Rename(_)) => rename::form(state, action),
            None if state.screen == Screen::Review => review::update(state, action),
            None if state.screen == Screen::Trash => trash::update(state, action),
            None if state.screen == Screen::History => history::update(state, action),
            None if state.screen == Screen::Schedules => schedules::update(state, action),
            None if state.ledger.filter_editing => ledger::filter(state, action),
            None => ledger::update(state, action),
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
            | Action::ChangedElsewhere
            | Action::Answer(_)
    )
}

/// Whether `update(state, action)` leaves everything the screen shows as it is, so the loop
/// need not draw for it: the clock's tick on the same day, the timer that asks for the triggers'
/// health, and that health when it is what the status bar already says. Every other action may
/// change the screen (a key that does nothing still clears the message), so it answers `false`:
/// a wrong `true` would leave a stale screen, a wrong `false` costs one frame with no changed
/// cell, which writes nothing (`tui::frugal`).
pub fn changes_nothing(state: &State, action: &Action) -> bool {
    match action {
        Action::Tick(today) => *today == state.today,
        Action::PollTriggers => true,
        Action::Answer(Answer::TriggerHealth(warning)) => *warning == state.trigger_warning,
        _ => false,
    }
}

/// Rows a list shows at the current size: the page every list's cursor moves by.
pub fn page(state: &State) -> usize {
    ledger_rows(state.size.0, state.size.1)
}

/// Keys that mean the same on every screen (help, quick entry, quit, suspend); `None` for any
/// other action. The ledger and the review both end in this.
pub(super) fn screen_wide(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    Some(match action {
        Action::OpenHelp => {
            state.overlay = Some(Overlay::Help { scroll: 0 });
            Vec::new()
        }
        Action::OpenQuick => quick::open(state),
        Action::Quit => {
            state.quitting = true;
            vec![Effect::Quit]
        }
        Action::Suspend => vec![Effect::Suspend],
        Action::Undo if std::mem::take(&mut state.undo_blocked) => vec![Effect::UndoSkip],
        Action::Undo => vec![Effect::Undo],
        Action::Redo => vec![Effect::Redo],
        Action::OpenHistory => history::open_all(state),
        // Going to another screen is decided here, so screens never call each other.
        Action::OpenReview => review::open(state),
        Action::OpenTrash => trash::open(state),
        Action::OpenSchedules => schedules::open(state),
        _ => return None,
    })
}

fn confirm(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Submit => match state.overlay.take() {
            Some(Overlay::ConfirmDelete { expense }) => {
                vec![Effect::Delete {
                    id: expense.id,
                    expected_version: expense.version,
                }]
            }
            Some(Overlay::ConfirmPurge { item }) => vec![Effect::Purge {
                id: item.expense.id,
            }],
            Some(Overlay::ConfirmRemoveSchedule { schedule }) => {
                schedules::remove(state, &schedule)
            }
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

fn stored_effects(state: &mut State, stored: Stored) -> Vec<Effect> {
    if matches!(&state.overlay, Some(Overlay::Form(f)) if f.saving) {
        state.overlay = None;
    }
    let e = &stored.expense;
    let d = &e.draft;
    let trashed = stored.change == Change::Trashed;
    let verb = match stored.change {
        Change::Added => "Added",
        Change::Edited => "Saved",
        Change::Trashed => "Moved to trash",
        Change::Deleted => "Deleted",
        Change::Restored => "Restored",
        Change::Purged => "Purged for good",
    };
    let month = Month::containing(d.date, state.month_start_day);
    let gone = matches!(
        stored.change,
        Change::Deleted | Change::Trashed | Change::Purged
    );
    // Into another month than the one on screen: say where, and on the ledger `t` goes there.
    let elsewhere_month = !gone && month != state.ledger.month;
    state.ledger.landed =
        (elsewhere_month && state.screen == Screen::Ledger).then_some((month, e.id));
    let elsewhere = match (elsewhere_month, state.screen) {
        (false, _) => String::new(),
        (true, Screen::Ledger) => format!(" · to {}, t goes there", month.title()),
        (true, _) => format!(" · to {}", month.title()),
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
    let mut fx = vec![Effect::LoadWindow(query_at(state, saved))];
    fx.extend(screen_reload(state));
    fx
}

/// Reloads of the screen on show besides the ledger's window (the review, the history).
pub(super) fn screen_reload(state: &State) -> Vec<Effect> {
    match state.screen {
        Screen::Review => review::reload(state),
        Screen::History => history::reload(state),
        Screen::Trash => vec![Effect::LoadTrash],
        Screen::Schedules => schedules::reload(state),
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
    let mut fx = vec![Effect::LoadWindow(query_at(state, changed))];
    fx.extend(screen_reload(state));
    fx
}
