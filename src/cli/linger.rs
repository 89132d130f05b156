//! The store stays open between commands: a command (or a TUI) that opened the store itself
//! starts `expense linger` as it exits, a quiet process of its own that takes the store and
//! serves it for `linger_minutes`, so the next command from any shell or SSH login is run
//! through its session in milliseconds instead of opening the store again.
//!
//! The lingering holder is a holder like any other ([`Holder::take`]: what fell due is posted,
//! the trash swept, triggers delivered) with no terminal (a new session, stdin and stdout
//! empty, stderr in `<store>.linger-log`). It leaves, letting the store go as every holder does:
//! - when nobody has been served for `linger_minutes` (an attached TUI or a running command
//!   counts as served for as long as it is connected);
//! - on SIGTERM, SIGHUP or SIGINT;
//! - when the store's folder or files are gone or replaced (the data folder deleted, perhaps
//!   with a new store made at its path: `Store::moved_away`);
//! - when its program file was replaced (an upgrade), so no command is served by the old one.
//!
//! It never stands in the way: a TUI or a command finds its session and works through it, and a
//! command that must hold the store itself (`restore --latest`) asks it to leave
//! ([`take_from_lingerer`]). Which process lingers is written in `<store>.linger` (its pid) while
//! it holds the store, so nobody else's process is ever signalled.

use crate::config::{process_env, Config, Places};
use crate::session::holder::{Holder, HolderSetup};
use crate::session::socket_path;
use crate::store::{Store, StoreError};
use color_eyre::eyre::Result;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the lingering holder looks at its idle time, its signals and the store's files.
const LOOK_EVERY: Duration = Duration::from_millis(200);

/// How long the lingering holder waits for the command that started it to let the store go.
const OPEN_WAIT: Duration = Duration::from_secs(5);

/// How long a command that must hold the store waits for the lingering holder to leave.
const LEAVE_WAIT: Duration = Duration::from_secs(10);

/// `<store>.linger`: the pid of the process lingering on the store, while it holds it.
fn marker(store_dir: &Path) -> PathBuf {
    store_dir.with_extension("linger")
}

/// Starts the lingering holder for `store_dir` (nothing when `minutes` is 0 or there is no
/// store). Best effort: a failure to start it is said on stderr and changes nothing else.
pub fn spawn(places: &Places, store_dir: &Path, minutes: u32) {
    if minutes == 0 || !store_dir.join("db").exists() {
        return;
    }
    let log = store_dir.with_extension("linger-log");
    if let Err(e) = super::launch::spawn_detached(places, store_dir, &["linger"], &log) {
        let _ = writeln!(
            std::io::stderr(),
            "expense: note: could not keep the store open for the next command: {e:#}"
        );
    }
}

/// `expense linger`: takes the store unless someone holds it, serves it until idle for the
/// configured time, a signal, or the store's files are gone; then lets it go.
pub fn run(places: &Places, store_dir: &Path) -> Result<()> {
    let config = Config::load(places.config_dir.as_deref(), &process_env)?;
    let linger = Duration::from_secs(u64::from(config.linger_minutes) * 60);
    if linger.is_zero() || !store_dir.join("db").exists() {
        return Ok(());
    }
    // The command that started us may still be exiting with the lock (its handle is closed
    // without sled's drop-time work, the lock goes with the process): wait for it a moment.
    // Someone serving it meanwhile (a TUI, another lingering holder) means nothing to do; a
    // command that keeps it longer starts its own lingering holder when it ends.
    let deadline = Instant::now() + OPEN_WAIT;
    let store = loop {
        if crate::session::connect(store_dir).ok().flatten().is_some() {
            return Ok(());
        }
        match Store::open_waiting(store_dir, Duration::ZERO) {
            Ok(store) => break store,
            Err(StoreError::Locked { .. }) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(StoreError::Locked { .. }) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
    };
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        signal_hook::flag::register(signal, stop.clone())?;
    }
    let setup = HolderSetup::of(&config);
    let holder = Holder::take(
        store,
        &socket_path(store_dir),
        &setup,
        super::launch::runner(),
    );
    for note in holder.store().take_notices() {
        let _ = writeln!(std::io::stderr(), "expense: note: {note}");
    }
    let mark = marker(store_dir);
    if holder.serves() {
        let _ = std::fs::write(&mark, std::process::id().to_string());
        wait(&holder, linger, &stop);
    }
    let _ = std::fs::remove_file(&mark);
    holder.release().close_for_exit()?;
    Ok(())
}

/// Until nobody has been served for `linger`, `stop` is set, the store moved away (its folder
/// deleted or replaced), or this program was replaced (an upgrade: the next command must run
/// the new one, not be served by the old).
fn wait(holder: &Holder, linger: Duration, stop: &AtomicBool) {
    let store = holder.store();
    while !stop.load(Ordering::SeqCst) && !store.moved_away() && !replaced() {
        if holder.idle_for().is_some_and(|idle| idle >= linger) {
            return;
        }
        std::thread::sleep(LOOK_EVERY);
    }
}

/// True when the file this process was started from is gone or replaced (Linux names it
/// `... (deleted)` then).
fn replaced() -> bool {
    std::fs::read_link("/proc/self/exe")
        .map(|p| p.to_string_lossy().ends_with(" (deleted)"))
        .unwrap_or(false)
}

/// Opens the store for a command that must hold it itself: when the process holding it is the
/// lingering holder (its marker names the lock's holder), asks it to leave and waits for the
/// store, up to `LEAVE_WAIT` (10 s). Any other holder is left alone: the `Locked` error says who.
pub fn take_from_lingerer(store_dir: &Path) -> Result<Store, StoreError> {
    let first = Store::open_waiting(store_dir, Duration::ZERO);
    let Err(StoreError::Locked { .. }) = &first else {
        return first;
    };
    let lingering = std::fs::read_to_string(marker(store_dir))
        .ok()
        .and_then(|t| t.trim().parse::<u32>().ok());
    let holder = crate::store::lock_holder(store_dir);
    let (Some(pid), Some(holding)) = (lingering, holder) else {
        return first;
    };
    if pid != holding {
        return first;
    }
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return first;
    };
    // SAFETY: kill has no memory effects; the pid is the lock holder's, named by its marker.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    let deadline = Instant::now() + LEAVE_WAIT;
    loop {
        match Store::open_waiting(store_dir, Duration::ZERO) {
            Err(StoreError::Locked { .. }) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}
