//! The interactive app: terminal lifetime, the event loop, keys to actions, effects to the store.
//!
//! Loop: wait for a message, drain the rest, resolve keys to actions, run `update`, execute its
//! effects (whose answers are actions again), draw once. No fixed frame rate.

pub mod backend;
pub mod event;
pub mod keymap;
pub mod terminal;

use crate::app::{update, Action, Answer, Effect, State};
use crate::config::{Config, ThemeName};
use crate::session::client::Attached;
use crate::session::holder::HolderSetup;
use crate::session::CommandRunner;
use crate::ui::theme::Theme;
use crate::ui::{self, Chrome};
use backend::Backend;
use color_eyre::eyre::{Result, WrapErr};
use event::Msg;
use keymap::{Context, Keymap};
use ratatui::crossterm::event::Event;
use std::collections::VecDeque;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Runs the ledger until the person quits or a signal arrives, on the store in `store_dir` held
/// here or by another session. The store is flushed and the terminal restored on every way out.
///
/// `runner` runs other processes' commands while this TUI holds the store (`cli::launch::runner`).
pub fn run(
    attached: Attached,
    store_dir: &Path,
    config: &Config,
    keymap: Keymap,
    runner: CommandRunner,
) -> Result<()> {
    terminal::require_tty()?;
    let (tx, rx) = mpsc::channel();
    event::spawn_signals(tx.clone()).wrap_err("installing signal handlers")?;
    let (term, guard) = terminal::init()?;
    // The guard restores the terminal; dropping `Terminal` would try again and report failure
    // with `eprintln!`, which panics (and aborts) when the terminal hung up. Never drop it.
    let mut term = std::mem::ManuallyDrop::new(term);
    event::spawn_input(tx.clone()).wrap_err("starting the input thread")?;

    let theme = match config.theme {
        ThemeName::Default => Theme::DEFAULT,
        ThemeName::Mono => Theme::MONO,
    };
    let help = keymap.help();
    let hints = keymap.hints();
    let today = crate::clock::today();
    let mut state = State::new(today, config.month_start_day, config.currency);
    state.rates = config.rates.clone();
    state.trash_ttl_ms = config.trash_ttl_ms();
    state.ascii_charts = config.chart_markers == crate::config::ChartMarkers::Ascii;
    state.help_lines = ui::help::line_count(&help);
    state.import_categories = config.import_categories();
    // After terminal::init, so the session's panic filter wraps ratatui's restoring hook.
    let setup = HolderSetup::of(config);
    let mut runtime = Backend::new(attached, store_dir, tx.clone(), setup, runner)
        .wrap_err("preparing the month totals")?;
    let size = term.size().wrap_err("reading the terminal size")?;
    let mut queue: VecDeque<Action> = VecDeque::new();
    queue.push_back(Action::Resize {
        width: size.width,
        height: size.height,
    });
    // The first page (Resize alone does not load); completions load when a form opens.
    let first = update::reload(&state);
    queue.extend(
        runtime
            .execute(first, now_ms())
            .into_iter()
            .map(Action::Answer),
    );
    // What the open had to say (an interrupted import rolled back) shows in the status bar.
    let notices = runtime.take_notices().into_iter();
    queue.extend(notices.map(|n| Action::Answer(Answer::Failed(n))));

    // Effects run after the next frame is drawn (the review's bounded item scan), so the
    // numbers show at once and the top payees follow.
    let mut later: Vec<Effect> = Vec::new();
    let mut pacer = Pacer::default();
    let outcome = loop {
        drain(&mut queue, &mut later, &mut state, &mut runtime, &mut term)?;
        if state.quitting {
            break None;
        }
        let chrome = Chrome {
            theme: &theme,
            help: &help,
            hints: &hints,
        };
        term.draw(|f| ui::render(&state, &chrome, f))
            .wrap_err("drawing")?;
        if !later.is_empty() {
            let answers = runtime.execute(std::mem::take(&mut later), now_ms());
            queue.extend(answers.into_iter().map(Action::Answer));
            continue;
        }
        let first = match pacer.due() {
            Some(due) => match rx.recv_timeout(due.saturating_duration_since(Instant::now())) {
                Ok(msg) => msg,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    pacer.fire(Instant::now());
                    queue.push_back(Action::ChangedElsewhere);
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    break Some("event channel closed".to_string())
                }
            },
            None => match rx.recv() {
                Ok(msg) => msg,
                Err(_) => break Some("event channel closed".to_string()),
            },
        };
        // Each key is resolved against the state the keys before it produced (`/` then `q`
        // typed fast filters for "q"; it does not quit), then one frame for the whole batch.
        let mut terminate = None;
        let batch: Vec<Msg> = std::iter::once(first).chain(rx.try_iter()).collect();
        let last_change = batch
            .iter()
            .rposition(|m| matches!(m, Msg::StoreChanged(_)));
        for (i, msg) in batch.into_iter().enumerate() {
            match msg {
                Msg::Term(Event::Resize(w, h)) => queue.push_back(Action::Resize {
                    width: w,
                    height: h,
                }),
                Msg::Term(ev) => queue.extend(keymap.resolve(Context::of(&state), &ev)),
                Msg::Tick(day) => queue.push_back(Action::Tick(day)),
                Msg::PollTriggers => queue.push_back(Action::PollTriggers),
                Msg::StoreChanged(seq) => {
                    // One reload for a burst of commits (another shell's import, four shells
                    // adding at once): the newest seq of what arrived together stands for all.
                    let newer_waiting = last_change.is_some_and(|last| last > i);
                    if runtime.is_news(seq) && !newer_waiting && pacer.changed(Instant::now()) {
                        queue.push_back(Action::ChangedElsewhere);
                    }
                }
                Msg::SessionLost => {
                    if !runtime.is_holder() {
                        match runtime.reattach() {
                            Ok(()) => queue.push_back(Action::ChangedElsewhere),
                            Err(e) => terminate = Some(format!("losing the store ({e})")),
                        }
                    }
                }
                Msg::Minute => {
                    if let Err(e) = runtime.sweep_trash(now_ms()) {
                        queue.push_back(Action::Answer(Answer::Failed(format!(
                            "sweeping the trash: {e}"
                        ))));
                    }
                }
                Msg::Terminate(why) => terminate = Some(why),
            }
            drain(&mut queue, &mut later, &mut state, &mut runtime, &mut term)?;
            if terminate.is_some() || state.quitting {
                break;
            }
        }
        if terminate.is_some() {
            break terminate;
        }
    };
    drop(guard);
    runtime.close().wrap_err("flushing the store")?;
    if let Some(why) = outcome {
        use std::io::Write;
        // Best effort: after SIGHUP there is no terminal to print to.
        let _ = writeln!(
            std::io::stderr(),
            "expense: stopped by {why}; every confirmed change is saved"
        );
    }
    Ok(())
}

/// Runs queued actions through the reducer and their effects through the runtime until nothing
/// is left (effects that can wait for the frame go to `later`).
fn drain(
    queue: &mut VecDeque<Action>,
    later: &mut Vec<Effect>,
    state: &mut State,
    runtime: &mut Backend,
    term: &mut ratatui::DefaultTerminal,
) -> Result<()> {
    while let Some(action) = queue.pop_front() {
        // What one action asks of the store goes as one batch (one round trip to a remote
        // holder: a save, its page and its screen's reload).
        let mut batch = Vec::new();
        for fx in update(state, action) {
            match fx {
                Effect::Quit => {}
                Effect::Suspend => {
                    terminal::suspend(term)?;
                    // The window may have changed size while we were stopped.
                    let size = term.size().wrap_err("reading the terminal size")?;
                    queue.push_back(Action::Resize {
                        width: size.width,
                        height: size.height,
                    });
                }
                fx @ Effect::LoadReviewDetails { .. } => later.push(fx),
                fx => batch.push(fx),
            }
        }
        if !batch.is_empty() {
            let answers = runtime.execute(batch, now_ms());
            queue.extend(answers.into_iter().map(Action::Answer));
        }
    }
    Ok(())
}

/// How often, at most, a burst of changes made elsewhere reloads the screen (one frame at 60 Hz).
const RELOAD_EVERY: Duration = Duration::from_millis(16);

/// Paces reloads for changes made elsewhere: the first change after a quiet moment reloads at
/// once (the change feed delivers it as it is committed); during a burst (another shell's
/// import, four shells adding at once) the screen reloads at most once per [`RELOAD_EVERY`], and
/// the last change of the burst is never left unshown.
#[derive(Debug, Default)]
struct Pacer {
    /// When the screen last reloaded for a change elsewhere.
    last: Option<Instant>,
    /// A change arrived too soon after it and waits for [`Pacer::due`].
    pending: bool,
}

impl Pacer {
    /// A change arrived at `now`: true when it reloads now, false when it waits.
    fn changed(&mut self, now: Instant) -> bool {
        match self.last {
            Some(t) if now.saturating_duration_since(t) < RELOAD_EVERY => {
                self.pending = true;
                false
            }
            _ => {
                self.fire(now);
                true
            }
        }
    }

    /// When a held-back reload is due, if one is.
    fn due(&self) -> Option<Instant> {
        self.last.filter(|_| self.pending).map(|t| t + RELOAD_EVERY)
    }

    /// The screen reloads at `now`.
    fn fire(&mut self, now: Instant) {
        self.last = Some(now);
        self.pending = false;
    }
}

/// Wall-clock milliseconds for record timestamps (the reducer never reads the clock).
pub fn now_ms() -> i64 {
    crate::clock::now_ms()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_changes_reloads_once_a_frame_and_never_drops_the_last() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut p = Pacer::default();
        assert!(p.changed(at(0)), "the first change reloads at once");
        assert_eq!(p.due(), None);
        assert!(!p.changed(at(3)), "too soon: held back");
        assert!(!p.changed(at(9)));
        assert_eq!(p.due(), Some(at(16)), "one reload when the frame is up");
        p.fire(at(16));
        assert_eq!(p.due(), None);
        assert!(p.changed(at(40)), "after a quiet moment, at once again");
    }
}
