//! The interactive app: terminal lifetime, the event loop, keys to actions, effects to the store.
//!
//! Loop: wait for a message, drain the rest, resolve keys to actions, run `update`, execute its
//! effects (whose answers are actions again), draw once. No fixed frame rate.
//!
//! Ctrl-z (the key, or a SIGTSTP from outside) never leaves the store held by a stopped process:
//! `Loop::suspend` gives the terminal back, lets the store go as quitting does, stops, and on `fg`
//! takes the terminal and then the store again (as its holder, or as a client of whoever took
//! it meanwhile), reloading what changed.

pub mod backend;
pub mod event;
pub mod frugal;
pub mod keymap;
pub mod paint;
pub mod terminal;

use crate::app::{update, Action, Answer, Effect, State};
use crate::config::{Config, ThemeName};
use crate::session::client::Attached;
use crate::session::holder::{HolderSetup, DRAIN, TRIGGERS_WAIT};
use crate::session::CommandRunner;
use crate::ui::theme::Theme;
use crate::ui::{self, Chrome};
use backend::{Backend, LetGo};
use color_eyre::eyre::{Result, WrapErr};
use event::{Msg, Stopping};
use keymap::{Context, Keymap};
use paint::Painter;
use ratatui::crossterm::event::Event;
use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often a TUI whose store is out of reach tries to reach it again.
const AWAY_RETRY: Duration = Duration::from_millis(500);

/// How long the TUI waits for the store right after `fg` before it shows that it waits (the
/// screen is blank meanwhile).
const RESUME_WAIT: Duration = Duration::from_millis(250);

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
    demo: bool,
) -> Result<()> {
    terminal::require_tty()?;
    let (tx, rx) = mpsc::channel();
    let stopping = Arc::new(Stopping::default());
    event::spawn_signals(tx.clone(), stopping.clone()).wrap_err("installing signal handlers")?;
    let (term, guard) = terminal::init()?;
    // The guard restores the terminal; dropping `Terminal` would try again and report failure
    // with `eprintln!`, which panics (and aborts) when the terminal hung up. Never drop it.
    let mut term = std::mem::ManuallyDrop::new(term);
    event::spawn_input(tx.clone()).wrap_err("starting the input thread")?;

    let theme = match config.theme {
        ThemeName::Default => Theme::DEFAULT,
        ThemeName::Light => Theme::LIGHT,
        ThemeName::HighContrast => Theme::HIGH_CONTRAST,
        ThemeName::Mono => Theme::MONO,
    };
    let help = keymap.help();
    let hints = keymap.hints();
    let today = crate::clock::today();
    let mut state = State::new(today, config.month_start_day, config.currency);
    state.rates = config.rates.clone();
    state.trash_ttl_ms = config.trash_ttl_ms();
    state.ascii_charts = config.chart_markers == crate::config::ChartMarkers::Ascii;
    state.demo = demo;
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
    // What the open had to say (an interrupted import rolled back, recurring expenses posted)
    // shows in the status bar. A store that lost changes says so at once (with the way back),
    // not at the first save.
    let notices = runtime.take_notices().into_iter().map(|n| {
        if crate::engine::schedules::is_posted_text(&n) {
            Answer::Notice(n)
        } else {
            Answer::Failed(n)
        }
    });
    let refusal = runtime.write_refusal().map(Answer::Failed);
    queue.extend(notices.chain(refusal).map(Action::Answer));
    // The first page (Resize alone does not load), and what fell due (posted by whoever holds
    // the store, exactly once; the answer also says how many wait for a confirmation);
    // completions load when a form opens.
    let first = update::start(&state);
    queue.extend(
        runtime
            .execute(first, now_ms())
            .into_iter()
            .map(Action::Answer),
    );

    // Effects run after the next frame is drawn (the review's bounded item scan), so the
    // numbers show at once and the top payees follow.
    let mut later: Vec<Effect> = Vec::new();
    let mut pacer = Pacer::default();
    let mut lp = Loop {
        runtime: &mut runtime,
        term: &mut term,
        stopping: &stopping,
        painter: Painter::default(),
        last_move: None,
    };
    let outcome = loop {
        lp.drain(&mut queue, &mut later, &mut state)?;
        if state.quitting {
            break None;
        }
        let chrome = Chrome {
            theme: &theme,
            help: &help,
            hints: &hints,
        };
        // Only when something may have changed: an idle TUI writes nothing.
        if let Err(e) = lp.painter.paint(lp.term, &state, &chrome) {
            // The terminal went away (a dropped SSH connection) before its SIGHUP was read:
            // end as the hang-up would, every confirmed change saved, not as a failure.
            if hung_up(&e) {
                break Some("the terminal hanging up".to_string());
            }
            return Err(e).wrap_err("drawing");
        }
        if !later.is_empty() {
            let answers = lp.runtime.execute(std::mem::take(&mut later), now_ms());
            queue.extend(answers.into_iter().map(Action::Answer));
            continue;
        }
        let retry = lp.runtime.is_away().then(|| Instant::now() + AWAY_RETRY);
        let first = match pacer.due().into_iter().chain(retry).min() {
            Some(due) => match rx.recv_timeout(due.saturating_duration_since(Instant::now())) {
                Ok(msg) => msg,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if pacer.due().is_some_and(|d| d <= Instant::now()) {
                        pacer.fire(Instant::now());
                        queue.push_back(Action::ChangedElsewhere);
                    }
                    // Away: try again (`Msg::Back` reloads the screen when it is back).
                    lp.runtime.retry();
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
                    if lp.runtime.is_news(seq) && !newer_waiting && pacer.changed(Instant::now()) {
                        queue.push_back(Action::ChangedElsewhere);
                    }
                }
                // Attaching again answers with `Back` (reload) or `Away` (why, retried).
                Msg::SessionLost(attachment) => lp.runtime.lost(attachment),
                Msg::Away(why) => queue.push_back(Action::Answer(Answer::StoreAway(Some(why)))),
                Msg::Back => {
                    queue.push_back(Action::Answer(Answer::StoreAway(None)));
                    queue.push_back(Action::ChangedElsewhere);
                }
                Msg::Suspend => {
                    let resumed = lp.suspend()?;
                    queue.extend(resumed);
                }
                Msg::Minute => {
                    if let Err(e) = lp.runtime.sweep_trash(now_ms()) {
                        queue.push_back(Action::Answer(Answer::Failed(format!(
                            "sweeping the trash: {e}"
                        ))));
                    }
                }
                Msg::Terminate(why) => terminate = Some(why),
            }
            lp.drain(&mut queue, &mut later, &mut state)?;
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

/// What the loop works with besides the state: the way to the store, the terminal, and what
/// the signal thread shares about stopping.
struct Loop<'a> {
    runtime: &'a mut Backend,
    term: &'a mut terminal::Term,
    stopping: &'a Stopping,
    /// Whether the next frame needs drawing.
    painter: Painter,
    /// The last key that moved through pages or months: what is read ahead for it comes first.
    last_move: Option<Action>,
}

impl Loop<'_> {
    /// Runs queued actions through the reducer and their effects through the runtime until
    /// nothing is left (effects that can wait for the frame go to `later`).
    fn drain(
        &mut self,
        queue: &mut VecDeque<Action>,
        later: &mut Vec<Effect>,
        state: &mut State,
    ) -> Result<()> {
        let mut arrived = false;
        while let Some(action) = queue.pop_front() {
            if crate::app::prefetch::is_move(&action) {
                self.last_move = Some(action.clone());
            }
            arrived |= crate::app::prefetch::is_arrival(&action);
            // What one action asks of the store goes as one batch (one round trip to a remote
            // holder: a save, its page and its screen's reload).
            self.painter.note(state, &action);
            let mut batch = Vec::new();
            for fx in update(state, action) {
                match fx {
                    Effect::Quit => {}
                    Effect::Suspend => {
                        let resumed = self.suspend()?;
                        queue.extend(resumed);
                    }
                    fx @ Effect::LoadReviewDetails { .. } => later.push(fx),
                    fx => batch.push(fx),
                }
            }
            if !batch.is_empty() {
                let answers = self.runtime.execute(batch, now_ms());
                queue.extend(answers.into_iter().map(Action::Answer));
            }
        }
        // A page, a month or a page of history arrived: what is one key away from it is read ahead, after the
        // frame (`app::prefetch`).
        if arrived {
            let reads = crate::app::prefetch::next_reads(state, self.last_move.as_ref());
            if !reads.is_empty() {
                later.push(Effect::Prefetch(reads));
            }
        }
        Ok(())
    }

    /// Ctrl-z: gives the terminal back, lets the store go (the release of quitting: due
    /// triggers, commands run for others), stops until `fg`, then takes the terminal and the
    /// store again. Returns what the loop does next (a resize: the window may have changed).
    ///
    /// Where nothing could resume a stopped process (no shell job control), it does not stop
    /// and says so. While the store is being let go, a second ctrl-z (the terminal is not raw
    /// then, so it is a SIGTSTP) stops at once: the signal thread sees `letting_go`.
    fn suspend(&mut self) -> Result<Vec<Action>> {
        use std::io::Write;
        if !terminal::job_control() {
            return Ok(vec![Action::Answer(Answer::Failed(
                "ctrl-z: nothing here would resume a stopped expense (no shell job control); \
                 q quits"
                    .into(),
            ))]);
        }
        terminal::leave()?;
        self.stopping.letting_go.store(true, Ordering::SeqCst);
        // Said only when letting go takes a while (commands run for others, due triggers).
        let (done, slow) = mpsc::channel::<()>();
        let note = std::thread::spawn(move || {
            if slow.recv_timeout(Duration::from_millis(500)) == Err(RecvTimeoutError::Timeout) {
                let most = DRAIN + TRIGGERS_WAIT;
                let _ = writeln!(
                    std::io::stderr(),
                    "expense: handing the store over before stopping: commands run for other \
                     processes and due triggers finish first (at most {} s); ctrl-z again \
                     stops now",
                    most.as_secs()
                );
            }
        });
        let outcome = self.runtime.let_go();
        drop(done);
        let _ = note.join();
        self.stopping.letting_go.store(false, Ordering::SeqCst);
        if outcome == LetGo::StillHeld {
            let _ = writeln!(
                std::io::stderr(),
                "expense: something in this process still has the store open; other expense \
                 commands are told it is stopped until you resume it (fg)"
            );
        }
        // Stopped already by a second ctrl-z, and resumed since: no second stop.
        if !self.stopping.stopped_early.swap(false, Ordering::SeqCst) {
            terminal::stop();
        }
        // The terminal first: in the background (`kill -CONT` without `fg`) this stops us again
        // before we take the store.
        terminal::resume(self.term)?;
        self.painter.invalidate();
        let _ = self.runtime.attach_within(RESUME_WAIT);
        let size = self.term.size().wrap_err("reading the terminal size")?;
        Ok(vec![Action::Resize {
            width: size.width,
            height: size.height,
        }])
    }
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

/// Whether a write to the terminal failed because it is gone (EIO once the pty's other side
/// closed, or a broken pipe).
fn hung_up(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
        || matches!(
            e.raw_os_error(),
            Some(libc::EIO | libc::ENXIO | libc::EPIPE)
        )
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
