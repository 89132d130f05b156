//! Event sources, each on its own thread, feeding one channel: terminal input (which also reports
//! a day rollover while idle), and signals (SIGTERM, SIGHUP from a dropped SSH connection, SIGINT,
//! SIGQUIT, and SIGTSTP: `kill -TSTP`, or ctrl-z while the terminal is not raw).
//! Signals get their own thread because after the terminal is gone crossterm's input never
//! returns (crossterm issue 793): the signal, not the input thread, ends the loop.

use chrono::NaiveDate;
use ratatui::crossterm::event::{self, Event};
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

/// How often a running TUI that holds the store sweeps expired items out of the trash.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// One message to the event loop.
#[derive(Debug)]
pub enum Msg {
    /// A terminal event (key, resize, focus).
    Term(Event),
    /// The clock: today's date.
    Tick(NaiveDate),
    /// Time to look at the triggers' health (every [`POLL_TRIGGERS`]).
    PollTriggers,
    /// Leave now: a signal arrived or the terminal went away.
    Terminate(String),
    /// The store's newest sequence number (some session wrote).
    StoreChanged(u64),
    /// The process that held the store went away (noticed by the relay of the attachment with
    /// this number); attach again.
    SessionLost(u64),
    /// Stop like ctrl-z (a SIGTSTP from outside): let the store go, give the terminal back,
    /// stop; take both again on `fg`.
    Suspend,
    /// The store is out of reach: why, and what to do.
    Away(String),
    /// The store is reachable again: reload what changed meanwhile.
    Back,
    /// A minute passed: time to sweep the trash (the holder only).
    Minute,
}

/// What the signal thread and the loop share about stopping.
#[derive(Debug, Default)]
pub struct Stopping {
    /// The loop is letting the store go before it stops: another SIGTSTP (ctrl-z typed again,
    /// the terminal is not raw then) stops the process at once.
    pub letting_go: AtomicBool,
    /// The process was stopped that way (and has been resumed since): the loop does not stop
    /// again once it has let go.
    pub stopped_early: AtomicBool,
}

/// Starts the signal thread. Call before taking over the terminal so no signal is missed.
pub fn spawn_signals(tx: Sender<Msg>, stopping: Arc<Stopping>) -> std::io::Result<()> {
    // SIGQUIT (ctrl-\\) too: its default action would dump core and leave the terminal raw.
    let mut signals =
        signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGTSTP])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            // Keep the handlers installed for the whole run: a second SIGTERM during shutdown
            // must not fall back to the default action before the terminal is restored.
            for sig in signals.forever() {
                if sig == SIGTSTP {
                    if stopping.letting_go.load(Ordering::SeqCst) {
                        stopping.stopped_early.store(true, Ordering::SeqCst);
                        super::terminal::stop();
                    } else if tx.send(Msg::Suspend).is_err() {
                        return;
                    }
                    continue;
                }
                let name = match sig {
                    SIGHUP => "SIGHUP",
                    SIGINT => "SIGINT",
                    SIGQUIT => "SIGQUIT",
                    _ => "SIGTERM",
                };
                let _ = tx.send(Msg::Terminate(name.into()));
            }
        })?;
    Ok(())
}

/// How often an open TUI looks at the triggers' health (a failing trigger shows in the status
/// line within this).
pub const POLL_TRIGGERS: Duration = Duration::from_secs(2);

/// Starts the input thread: blocking reads, forwarded as they come.
///
/// crossterm installs its SIGWINCH handler when its event source is first used. That happens here,
/// on the caller's thread, before the first frame: left to the new thread it could come after a
/// resize, which would then be lost (the default action for SIGWINCH is to ignore it) and the
/// screen would stay at the old size until the next key.
pub fn spawn_input(tx: Sender<Msg>) -> std::io::Result<()> {
    event::poll(Duration::ZERO)?;
    let mut today = crate::clock::today();
    let mut polled = std::time::Instant::now();
    let mut minute = std::time::Instant::now();
    std::thread::Builder::new()
        .name("input".into())
        .spawn(move || loop {
            if polled.elapsed() >= POLL_TRIGGERS {
                polled = std::time::Instant::now();
                if tx.send(Msg::PollTriggers).is_err() {
                    return;
                }
            }
            match event::poll(Duration::from_millis(250)) {
                Ok(true) => match event::read() {
                    Ok(ev) => {
                        if tx.send(Msg::Term(ev)).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Msg::Terminate(format!("terminal input failed: {e}")));
                        return;
                    }
                },
                Ok(false) => {
                    if minute.elapsed() >= SWEEP_EVERY {
                        minute = std::time::Instant::now();
                        if tx.send(Msg::Minute).is_err() {
                            return;
                        }
                    }
                    // Idle: tell the loop only when the day rolls over.
                    let now = crate::clock::today();
                    if now != today {
                        today = now;
                        if tx.send(Msg::Tick(now)).is_err() {
                            return;
                        }
                    }
                }
                Err(e) => {
                    let _ = tx.send(Msg::Terminate(format!("terminal input failed: {e}")));
                    return;
                }
            }
        })?;
    Ok(())
}
