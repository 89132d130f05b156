//! The schedules screen's reducer (recurring expenses): the due list on top (Enter posts, `e`
//! edits then posts, `s` skips), then every schedule (`a` adds, Enter or `e` edits, `p` pauses
//! or resumes, `E` ends today, `d` removes after a prompt, `s` skips and `m` moves the next
//! occurrence), Esc back to the ledger. Every write is an effect the engine runs against the
//! store (conditional on the version the list showed); its answer reloads the list, and a
//! failure (a schedule changed elsewhere) reads it again. Pure.

pub mod form;
mod words;

use super::screen_wide;
use crate::app::action::Action;
use crate::app::answer::{ScheduleSaved, SchedulesLoaded};
use crate::app::effect::Effect;
use crate::app::state::{MoveForm, Overlay, ScheduleRow, Screen, State, Toast};
use crate::domain::change::short;
use crate::domain::schedule::{Confirm, End, Occurrence, Rule, Schedule};
use crate::domain::validate::parse_date;
use tui_input::Input;

/// Rows the schedules table shows at the current size.
fn page(state: &State) -> usize {
    crate::ui::layout::schedule_rows(state.size.0, state.size.1)
}

/// Shows the schedules screen and reads it.
pub fn open(state: &mut State) -> Vec<Effect> {
    state.screen = Screen::Schedules;
    reload(state)
}

/// Reads every schedule and the due list again.
pub fn reload(state: &State) -> Vec<Effect> {
    vec![Effect::LoadSchedules { today: state.today }]
}

/// The schedules and the due list arrived.
pub fn loaded(state: &mut State, loaded: SchedulesLoaded) -> Vec<Effect> {
    let s = &mut state.schedules;
    s.schedules = Some(loaded.schedules);
    s.due = loaded.due;
    clamp(state);
    Vec::new()
}

/// Keeps the selection inside the rows and on screen (after a load, a resize).
pub fn clamp(state: &mut State) {
    let page = page(state);
    let n = state.schedules.rows().len();
    state.schedules.cursor.clamp(n, page);
}

/// A schedule write was stored: close what waited for it, say what it did, and read the list
/// and the ledger's page again (an occurrence posted is an expense there).
pub fn saved(state: &mut State, saved: ScheduleSaved) -> Vec<Effect> {
    state.schedules.writing = false;
    match &state.overlay {
        Some(Overlay::Form(f)) if f.saving => state.overlay = None,
        Some(Overlay::Move(m)) if m.saving => state.overlay = None,
        _ => {}
    }
    // A schedule that posts by itself and is due already (it starts today, or a resume or an
    // edit brought an occurrence to today) posts now, not at the next open.
    let today = state.today;
    let due_now = saved
        .change
        .new
        .as_ref()
        .is_some_and(|n| !n.confirm && !n.pending(today).is_empty());
    state.schedules.posting = due_now;
    state.toast_stale = false;
    state.toast = Some(Toast {
        text: words::saved_text(&saved, due_now),
        error: false,
    });
    let posted = saved.posted.as_ref().map(|e| e.id);
    let mut fx = Vec::new();
    if due_now {
        fx.push(Effect::PostDue { today });
    }
    fx.push(Effect::LoadWindow(super::ledger::query_at(state, posted)));
    fx.extend(reload(state));
    fx
}

/// A schedule write failed: read the list again, so what is shown is what is stored.
pub fn failed(state: &mut State) -> Vec<Effect> {
    if !std::mem::take(&mut state.schedules.writing) {
        return Vec::new();
    }
    if let Some(Overlay::Move(m)) = &mut state.overlay {
        m.saving = false;
    }
    reload(state)
}

/// What fell due was posted (the day changed, or the TUI started): say so, and that some wait
/// for a confirmation (after what the status line already says, when it says something).
pub fn due_posted(state: &mut State, text: Option<String>, waiting: usize) -> Vec<Effect> {
    let mut parts: Vec<String> = Vec::new();
    let mut error = false;
    let posted = text.is_some();
    // After a save that made something due: the save's words, then what was posted.
    if std::mem::take(&mut state.schedules.posting) && posted {
        if let Some(t) = state.toast.take() {
            parts.push(t.text);
        }
    }
    match text {
        Some(t) => parts.push(t),
        None if waiting > 0 => {
            if let Some(t) = state.toast.take().filter(|_| !state.toast_stale) {
                error = t.error;
                parts.push(t.text);
            }
        }
        None => return Vec::new(),
    }
    if waiting > 0 {
        parts.push(format!(
            "{waiting} recurring expense{} wait{} for you: R shows {}",
            if waiting == 1 { "" } else { "s" },
            if waiting == 1 { "s" } else { "" },
            if waiting == 1 { "it" } else { "them" },
        ));
    }
    state.toast_stale = false;
    state.toast = Some(Toast {
        text: parts.join(" · "),
        error,
    });
    let mut fx = Vec::new();
    if posted {
        fx.push(Effect::LoadWindow(super::ledger::query_at(state, None)));
    }
    if state.screen == Screen::Schedules {
        fx.extend(reload(state));
    }
    fx
}

/// Keys on the schedules screen.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let page = page(state);
    let n = state.schedules.rows().len();
    let c = &mut state.schedules.cursor;
    match action {
        Action::SelectNext => c.next(n, page),
        Action::SelectPrev => c.prev(n, page),
        Action::PageDown => c.page_down(n, page),
        Action::PageUp => c.page_up(n, page),
        Action::SelectFirst => c.first(n, page),
        Action::SelectLast => c.last(n, page),
        Action::OpenAdd => return form::open_new(state),
        Action::OpenLedger | Action::OpenSchedules | Action::Cancel => {
            state.screen = Screen::Ledger;
            return super::reload(state);
        }
        Action::Submit
        | Action::OpenEdit
        | Action::TogglePause
        | Action::EndSchedule
        | Action::DeleteSelected
        | Action::SkipOccurrence
        | Action::MoveOccurrence => return on_selected(state, action),
        other => {
            if let Some(fx) = screen_wide(state, other) {
                return fx;
            }
        }
    }
    Vec::new()
}

/// An action on the selected row.
fn on_selected(state: &mut State, action: Action) -> Vec<Effect> {
    let Some(row) = state.schedules.selected() else {
        state.toast = Some(Toast {
            text: "No recurring expense here yet: a adds one".into(),
            error: true,
        });
        return Vec::new();
    };
    let s = row.schedule().clone();
    let due = match row {
        ScheduleRow::Due(_, o) => Some(o),
        ScheduleRow::Schedule(_) => None,
    };
    match (action, due) {
        (Action::Submit, Some(o)) => handle(state, &s, o, Confirm::Post),
        (Action::OpenEdit, Some(o)) => form::open_post_due(state, &s, o),
        (Action::Submit | Action::OpenEdit, None) => form::open_edit(state, &s),
        (Action::SkipOccurrence, Some(o)) => handle(state, &s, o, Confirm::Skip),
        (Action::SkipOccurrence, None) => match s.next_occurrence() {
            Some(o) => handle(state, &s, o, Confirm::Skip),
            None => say(
                state,
                format!("{} has nothing left to skip", short(&s.template)),
            ),
        },
        (Action::MoveOccurrence, due) => match due.or_else(|| s.next_occurrence()) {
            Some(o) => {
                state.overlay = Some(Overlay::Move(MoveForm {
                    schedule: Box::new(s),
                    occurrence: o,
                    input: Input::new(o.date.format("%Y-%m-%d").to_string()),
                    error: None,
                    saving: false,
                }));
                Vec::new()
            }
            None => say(
                state,
                format!("{} has nothing left to move", short(&s.template)),
            ),
        },
        (Action::TogglePause, _) => {
            let mut s = s;
            if s.paused {
                s.resume(state.today);
            } else {
                s.paused = true;
            }
            save(state, s)
        }
        (Action::EndSchedule, _) => end(state, s),
        (Action::DeleteSelected, _) => {
            state.overlay = Some(Overlay::ConfirmRemoveSchedule {
                schedule: Box::new(s),
            });
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Sets the end of `s` to today: nothing after today falls due.
fn end(state: &mut State, mut s: Schedule) -> Vec<Effect> {
    let today = state.today;
    let what = short(&s.template);
    if s.is_finished() || matches!(s.rule.end, End::On(e) if e <= today) {
        return say(state, format!("{what} has ended already"));
    }
    match Rule::new(s.rule.start, s.rule.every, End::On(today)) {
        Ok(rule) => {
            // The same occurrences up to today: what was handled stays as it is.
            s.rule = rule;
            save(state, s)
        }
        Err(_) => say(
            state,
            format!("{what} starts after today: d removes it instead"),
        ),
    }
}

fn save(state: &mut State, s: Schedule) -> Vec<Effect> {
    state.schedules.writing = true;
    vec![Effect::SaveSchedule(Box::new(s))]
}

fn handle(state: &mut State, s: &Schedule, o: Occurrence, how: Confirm) -> Vec<Effect> {
    state.schedules.writing = true;
    vec![Effect::HandleOccurrence {
        id: s.id,
        expected_version: s.version,
        natural: o.natural,
        how,
    }]
}

fn say(state: &mut State, text: String) -> Vec<Effect> {
    state.toast = Some(Toast { text, error: true });
    Vec::new()
}

/// The confirmed removal of a schedule (the prompt's `y`).
pub fn remove(state: &mut State, s: &Schedule) -> Vec<Effect> {
    state.schedules.writing = true;
    vec![Effect::RemoveSchedule {
        id: s.id,
        expected_version: s.version,
    }]
}

/// Keys in the prompt that moves one occurrence.
pub fn move_form(state: &mut State, action: Action) -> Vec<Effect> {
    let today = state.today;
    let Some(Overlay::Move(m)) = &mut state.overlay else {
        return Vec::new();
    };
    if m.saving {
        return Vec::new();
    }
    match action {
        Action::Input(req) => {
            m.input.handle(req);
            m.error = None;
        }
        Action::Submit => {
            let to = match parse_date(m.input.value(), today) {
                Ok(d) => d,
                Err(e) => {
                    m.error = Some(e.to_string());
                    return Vec::new();
                }
            };
            let mut s = (*m.schedule).clone();
            if let Err(e) = s.move_occurrence(m.occurrence, to) {
                m.error = Some(e.to_string());
                return Vec::new();
            }
            m.saving = true;
            return save(state, s);
        }
        Action::Cancel | Action::Quit => state.overlay = None,
        _ => {}
    }
    Vec::new()
}
