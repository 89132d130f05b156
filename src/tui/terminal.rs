//! Terminal lifetime: raw mode + alternate screen on start, restored on every way out — normal
//! quit, early return (RAII guard), panic (ratatui's hook, chained after color-eyre's), signals
//! (handled by the event loop), and around Ctrl-Z suspend ([`leave`], [`stop`], [`resume`]; the
//! loop lets the store go between the first two).

use super::frugal::Frugal;
use color_eyre::eyre::{Result, WrapErr};
use ratatui::crossterm::{execute, terminal};
use ratatui::Terminal;
use std::io::{IsTerminal, Stdout};

/// Restores the terminal when dropped, whatever path leaves the loop.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        // Not `ratatui::restore()`: it reports failure with `eprintln!`, which panics when the
        // terminal is gone (SIGHUP), and there is nobody left to read the message anyway.
        let _ = ratatui::try_restore();
    }
}

/// Refuses to start without a terminal that can show the ledger, with a message instead of a
/// panic or a screen of escape codes: stdin and stdout must be a terminal, and `TERM` must name
/// one that moves the cursor (not `dumb`, not unset: an Emacs shell buffer, `env -i`).
pub fn require_tty() -> Result<()> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(color_eyre::eyre::eyre!(
            "the interactive ledger needs a terminal (stdin/stdout is not a tty); \
             use a subcommand such as `expense list` in scripts"
        ));
    }
    if crate::config::dumb_terminal(&crate::config::process_env) {
        let term = match std::env::var("TERM") {
            Ok(t) if !t.trim().is_empty() => format!("TERM={t}"),
            _ => "TERM is not set".to_string(),
        };
        return Err(color_eyre::eyre::eyre!(
            "this terminal ({term}) cannot show the interactive ledger: it needs cursor \
             movement and a full screen; use the commands instead: `expense list`, \
             `expense add 12.50 food:groceries @Lidl`, `expense report` (all of them: \
             `expense --help`); if the terminal can do more, set TERM to its type \
             (e.g. TERM=xterm-256color)"
        ));
    }
    Ok(())
}

/// The terminal the TUI draws on: stdout, through the backend that writes as few bytes as it
/// can (`frugal`).
pub type Term = Terminal<Frugal<Stdout>>;

/// Enters raw mode and the alternate screen, after installing the panic hook that restores
/// the terminal (chained after color-eyre's, so a panic restores the terminal before the report
/// prints), as `ratatui::try_init` does for its own backend. A failure half way is undone by
/// the guard.
pub fn init() -> Result<(Term, Guard)> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = ratatui::try_restore();
        previous(info);
    }));
    let guard = Guard;
    terminal::enable_raw_mode().wrap_err("setting up the terminal")?;
    execute!(std::io::stdout(), terminal::EnterAlternateScreen)
        .wrap_err("setting up the terminal")?;
    let term = Terminal::new(Frugal::new(std::io::stdout())).wrap_err("setting up the terminal")?;
    Ok((term, guard))
}

/// Gives the terminal back before this process stops: cooked mode, the shell's screen.
pub fn leave() -> Result<()> {
    ratatui::try_restore().wrap_err("restoring the terminal before suspend")
}

/// Whether anyone can resume this process after it stops: a shell with job control waits for
/// our process group (the nearest ancestor outside the group is in our session: the shell, also
/// when a wrapper script started us). A group that is orphaned (started by tmux or a service
/// directly, or from another session) would stay stopped with nobody to `fg` it; the kernel
/// itself ignores ctrl-z there, and so do we.
pub fn job_control() -> bool {
    // SAFETY: plain queries of process ids and groups; failures come back as -1.
    let (group, session) = unsafe { (libc::getpgrp(), libc::getsid(0)) };
    let mut pid = std::process::id();
    // A few steps up are enough (a wrapper or two); the bound keeps a strange tree finite.
    for _ in 0..16 {
        let Some(parent) = crate::session::peer::parent_of(pid) else {
            return false;
        };
        let parent_id = parent as libc::pid_t;
        // SAFETY: as above.
        let (parent_group, parent_session) =
            unsafe { (libc::getpgid(parent_id), libc::getsid(parent_id)) };
        if parent == 0 || parent_group < 0 {
            return false;
        }
        if parent_group != group {
            return parent_session == session && session >= 0;
        }
        pid = parent;
    }
    false
}

/// Stops this process until SIGCONT (`fg`). SIGTSTP is caught here (to let the store go first),
/// so this stops with SIGSTOP, as SIGTSTP's default action would.
pub fn stop() {
    let _ = signal_hook::low_level::emulate_default_handler(libc::SIGTSTP);
}

/// Takes the terminal again after `fg`: raw mode, the alternate screen, a full redraw. Run in
/// the background (`kill -CONT` without `fg`), the first of these stops the process again
/// (SIGTTOU) until it is in the foreground.
pub fn resume(terminal: &mut Term) -> Result<()> {
    terminal::enable_raw_mode().wrap_err("re-entering raw mode")?;
    execute!(std::io::stdout(), terminal::EnterAlternateScreen)
        .wrap_err("re-entering the screen")?;
    terminal.clear().wrap_err("clearing after resume")?;
    Ok(())
}
