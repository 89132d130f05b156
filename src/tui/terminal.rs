//! Terminal lifetime: raw mode + alternate screen on start, restored on every way out — normal
//! quit, early return (RAII guard), panic (ratatui's hook, chained after color-eyre's), signals
//! (handled by the event loop), and around Ctrl-Z suspend.

use color_eyre::eyre::{Result, WrapErr};
use ratatui::crossterm::{execute, terminal};
use ratatui::DefaultTerminal;
use std::io::IsTerminal;

/// Restores the terminal when dropped, whatever path leaves the loop.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        // Not `ratatui::restore()`: it reports failure with `eprintln!`, which panics when the
        // terminal is gone (SIGHUP), and there is nobody left to read the message anyway.
        let _ = ratatui::try_restore();
    }
}

/// Refuses to start without a terminal, with a message instead of a panic.
pub fn require_tty() -> Result<()> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(color_eyre::eyre::eyre!(
            "the interactive ledger needs a terminal (stdin/stdout is not a tty); \
             use a subcommand such as `expense list` in scripts"
        ));
    }
    Ok(())
}

/// Enters raw mode and the alternate screen; ratatui installs its panic hook here, after
/// color-eyre's, so a panic restores the terminal before the report prints.
pub fn init() -> Result<(DefaultTerminal, Guard)> {
    let terminal = ratatui::try_init().wrap_err("setting up the terminal")?;
    Ok((terminal, Guard))
}

/// Gives the terminal back, stops the process (SIGTSTP) until `fg`, then takes it again and
/// forces a full redraw.
pub fn suspend(terminal: &mut DefaultTerminal) -> Result<()> {
    ratatui::try_restore().wrap_err("restoring the terminal before suspend")?;
    // SAFETY: raising a signal on our own process; SIGTSTP's default action stops it.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    terminal::enable_raw_mode().wrap_err("re-entering raw mode")?;
    execute!(std::io::stdout(), terminal::EnterAlternateScreen)
        .wrap_err("re-entering the screen")?;
    terminal.clear().wrap_err("clearing after resume")?;
    Ok(())
}
