//! What the screen is one key away from: the reads that `PgDn`, `PgUp`, `G`, `g`, `]` and `[`
//! would ask for next on the ledger, the review and the history, for the runtime to have them read ahead (`Effect::Prefetch`, answered
//! by `engine::prefetch`). Rule: the reducer itself says what those keys would read, run on a
//! scratch copy of the state, so a read ahead is exactly the effect the key will ask for (or
//! it is of no use, and costs nothing but the read). Pure, like the reducer.

use super::action::Action;
use super::answer::Answer;
use super::effect::Effect;
use super::state::{Screen, State};
use super::update::update;

/// The keys read ahead for, in order of how likely they come next, and how often each is
/// pressed on its own copy of the state until it asks for a read (paging needs a few presses
/// before it leaves the rows already loaded).
const NEXT_KEYS: [(Action, usize); 6] = [
    (Action::PageDown, 3),
    (Action::NextMonth, 1),
    (Action::PrevMonth, 1),
    (Action::PageUp, 3),
    (Action::SelectLast, 1),
    (Action::SelectFirst, 1),
];

/// Whether `action` brings what a screen pages through (the ledger's page, the review's month,
/// the history's page): then the screen is one key away from new reads.
pub fn is_arrival(action: &Action) -> bool {
    matches!(
        action,
        Action::Answer(
            Answer::WindowLoaded(_) | Answer::ReviewLoaded(_) | Answer::HistoryLoaded(_)
        )
    )
}

/// Whether `action` is one of the keys read ahead for (the loop remembers the last one).
pub fn is_move(action: &Action) -> bool {
    NEXT_KEYS.iter().any(|(k, _)| k == action)
}

/// The reads to do ahead for the screen as it is now, those of `last` (the key that moved the
/// screen last, most likely pressed again) first: none while a form, prompt or help is open
/// (keys go there), or on a screen that loads whole (trash, recurring).
pub fn next_reads(state: &State, last: Option<&Action>) -> Vec<Effect> {
    if state.overlay.is_some()
        || !matches!(
            state.screen,
            Screen::Ledger | Screen::Review | Screen::History
        )
        || (state.screen == Screen::Ledger && state.ledger.filter_editing)
    {
        return Vec::new();
    }
    let mut reads: Vec<Effect> = Vec::new();
    let mut keys = NEXT_KEYS.to_vec();
    if let Some(i) = keys.iter().position(|(k, _)| Some(k) == last) {
        let again = keys.remove(i);
        keys.insert(0, again);
    }
    for (key, presses) in keys {
        let mut scratch = scratch(state);
        for _ in 0..presses {
            let asked: Vec<Effect> = update(&mut scratch, key.clone())
                .into_iter()
                .filter(Effect::is_read_ahead)
                .collect();
            if !asked.is_empty() {
                for fx in asked {
                    if !reads.contains(&fx) {
                        reads.push(fx);
                    }
                }
                break;
            }
        }
    }
    reads
}

/// A copy of what the paging and month keys read and change; the rest (names for completion,
/// the lists loaded whole) is left empty, so the copy costs a few pages of rows.
fn scratch(state: &State) -> State {
    // Every field is named (no `..State::new`), so a field added to `State` is decided here:
    // one the paging keys read must be copied, or the reads ahead would not be the keys' own.
    State {
        today: state.today,
        month_start_day: state.month_start_day,
        default_currency: state.default_currency,
        size: state.size,
        screen: state.screen,
        ledger: state.ledger.clone(),
        review: state.review.clone(),
        trash: Default::default(),
        trash_ttl_ms: state.trash_ttl_ms,
        rates: state.rates.clone(),
        ascii_charts: state.ascii_charts,
        demo: state.demo,
        overlay: None,
        toast: None,
        toast_stale: false,
        undo_blocked: false,
        trigger_warning: None,
        store_away: None,
        history: state.history.clone(),
        schedules: Default::default(),
        completions: Default::default(),
        completions_loaded: state.completions_loaded,
        quick_lines: Vec::new(),
        quitting: false,
        help_lines: state.help_lines,
        import_categories: Vec::new(),
    }
}
