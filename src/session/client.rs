//! The caller's side: find the process that holds the store and talk to it, or hold the store
//! ourselves (and serve others while we do). A busy store is waited for, never refused: the
//! only wait is the moment between one holder letting go and the next taking over.
//!
//! Every wait is bounded and ends in a sentence: a holder that is stopped (ctrl-z, SIGSTOP) is
//! named at once, whether it is met at the connect, while the store is locked with nobody
//! serving it, or while a reply is awaited (see `peer.rs`); a holder that keeps the store
//! without serving it is named when [`PATIENCE`] runs out.

use super::peer::{self, GaveUp, Watched};
use super::{read_frame, write_frame, Reply, Request, RunRequest};
use crate::domain::answer::{Answer, Completions};
use crate::domain::effect::Effect;
use crate::domain::text::InertWriter;
use crate::store::{Store, StoreError};
use color_eyre::eyre::{eyre, Result};
use std::io::{self, IsTerminal, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a caller waits for a store that is changing hands before it reports it in use.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Who we talk to.
pub enum Attached {
    /// Nobody held the store: we opened it.
    Holder(Store),
    /// A connection to the process that holds it.
    Session(UnixStream),
}

/// Connects to the session holding the store in `store_dir`, or opens the store when nobody
/// holds it, trying both until `patience` runs out.
pub fn attach(store_dir: &Path, patience: Duration) -> Result<Attached, StoreError> {
    attach_telling(store_dir, patience, None)
}

/// Says what a caller waits for, once the wait for the store has lasted [`TELL_AFTER`] (a
/// process that prints before it takes the terminal passes one; a running TUI does not).
pub type Tell<'a> = Option<&'a dyn Fn(&str)>;

/// How long a wait for the store goes unsaid.
pub const TELL_AFTER: Duration = Duration::from_secs(1);

/// [`attach`], telling `tell` what it waits for when that lasts.
pub fn attach_telling(
    store_dir: &Path,
    patience: Duration,
    tell: Tell<'_>,
) -> Result<Attached, StoreError> {
    let deadline = Instant::now() + patience;
    loop {
        if let Some(s) = super::connect(store_dir)? {
            return Ok(Attached::Session(s));
        }
        if let Some(store) = open_unless_served(store_dir, deadline, tell)? {
            return Ok(Attached::Holder(store));
        }
    }
}

/// Opens the store, waiting (until `deadline`) while it changes hands; `None` when a holder
/// that serves it shows up instead. A holder that is stopped is named at once
/// (`StoreError::HolderStopped`); one that holds it past `deadline` without serving it is named
/// then (`StoreError::HolderBusy`), and `tell` hears who it is once the wait lasts.
pub fn open_unless_served(
    store_dir: &Path,
    deadline: Instant,
    tell: Tell<'_>,
) -> Result<Option<Store>, StoreError> {
    let started = Instant::now();
    let mut told = tell.is_none();
    loop {
        match Store::open_waiting(store_dir, Duration::ZERO) {
            Ok(store) => return Ok(Some(store)),
            Err(StoreError::Locked { .. }) => {
                if super::connect(store_dir)?.is_some() {
                    return Ok(None);
                }
                let holder = peer::lock_holder(store_dir);
                if let Some(stopped) = holder.as_ref().and_then(peer::Process::stopped_error) {
                    return Err(stopped);
                }
                let now = Instant::now();
                if now > deadline {
                    return Err(match holder {
                        Some(p) => StoreError::HolderBusy {
                            path: store_dir.to_path_buf(),
                            pid: p.pid,
                            command: p.command,
                        },
                        None => StoreError::Locked {
                            path: store_dir.to_path_buf(),
                        },
                    });
                }
                if let (false, Some(tell)) = (told, tell) {
                    if now.duration_since(started) >= TELL_AFTER {
                        told = true;
                        let who = holder.map_or("another expense process".to_string(), |p| {
                            format!("expense process {} (`{}`)", p.pid, p.command)
                        });
                        tell(&format!(
                            "waiting for the store: {who} holds it and does not serve it yet; \
                             giving up in {} s (ctrl-c gives up now)",
                            deadline.duration_since(now).as_secs().max(1)
                        ));
                    }
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Sends the command to the holder at `stream` and relays its output. `Ok(None)`: the holder
/// closed before starting it (retry); `Ok(Some(result))`: the command's own result.
///
/// The holder is watched while we wait: if it stops before it took the command, the caller
/// leaves and the command never runs (the holder finds nobody to start it for); if it stops
/// while running it, the caller is told that it goes on when that process resumes.
pub fn run_remote(stream: UnixStream, request: &RunRequest) -> Result<Option<Result<()>>> {
    if write_frame(&mut &stream, &Request::Run(request.clone())).is_err() {
        return Ok(None);
    }
    // A running holder says `Started` at once; one that does not within PATIENCE never ran it.
    let mut waiting = Watched::new(&stream).until(Some(Instant::now() + PATIENCE));
    match read_frame::<Reply>(&mut waiting) {
        Ok(Some(Reply::Started)) => {}
        Err(e) => match peer::gave_up(&e) {
            Some(GaveUp::Stopped(p)) => {
                return Ok(Some(Err(eyre!("{}; nothing was done", p.stopped()))));
            }
            Some(GaveUp::Silent) => {
                return Ok(Some(Err(eyre!(
                    "the expense session holding the store did not take the command within \
                     {} s; nothing was done",
                    PATIENCE.as_secs()
                ))))
            }
            None => return Ok(None),
        },
        _ => return Ok(None),
    }
    let mut conn = Watched::new(&stream);
    let stdout = io::stdout();
    let tty = stdout.is_terminal();
    let mut out = io::BufWriter::new(stdout.lock());
    // On a terminal, no byte of stored text may steer it (the holder cannot know it is one).
    let mut inert_out;
    let out: &mut dyn Write = if tty {
        inert_out = InertWriter::new(&mut out);
        &mut inert_out
    } else {
        &mut out
    };
    let mut err = io::stderr();
    loop {
        let read = read_frame::<Reply>(&mut conn);
        match read {
            Ok(Some(Reply::Out(bytes))) => {
                // A frame is a full chunk or an explicit flush (`stream --follow`): pass it on.
                out.write_all(&bytes)?;
                out.flush()?;
            }
            Ok(Some(Reply::Err(bytes))) => {
                out.flush()?;
                err.write_all(&bytes)?;
            }
            Ok(Some(Reply::Done(result))) => {
                out.flush()?;
                return Ok(Some(match result {
                    None => Ok(()),
                    Some(message) => Err(eyre!(message)),
                }));
            }
            Ok(Some(other)) => {
                return Ok(Some(Err(eyre!(
                    "the session sent an unexpected reply ({other:?})"
                ))))
            }
            Ok(None) | Err(_) => {
                out.flush()?;
                let ended = match read.as_ref().err().and_then(peer::gave_up) {
                    Some(GaveUp::Stopped(p)) => eyre!(
                        "{}; the command had started there and goes on when that process \
                         resumes (then see `expense list` for what it did)",
                        p.stopped()
                    ),
                    _ => eyre!(
                        "the expense session holding the store ended while running the \
                         command; check `expense list` to see whether it took effect"
                    ),
                };
                return Ok(Some(Err(ended)));
            }
        }
    }
}

/// What the session holding the store in `store_dir` knows for completion (categories, payees,
/// tags, most used first), asked as a second TUI asks (`Effect::LoadCompletions`). `None` when
/// nobody serves the store, the holder is stopped, or no answer comes within `wait`. It never
/// opens the store: the shell's completion must not take the store from a TUI that is opening
/// it, run the open's repairs and migrations on a key press, or create a store.
pub fn served_completions(store_dir: &Path, wait: Duration) -> Option<Completions> {
    let deadline = Instant::now() + wait;
    let stream = super::connect(store_dir).ok().flatten()?;
    stream.set_write_timeout(Some(wait)).ok()?;
    let ask = Request::Effects(vec![Effect::LoadCompletions]);
    write_frame(&mut &stream, &ask).ok()?;
    let reply = read_frame::<Reply>(&mut Watched::new(&stream).until(Some(deadline)));
    match reply.ok()?? {
        Reply::Answers(answers) => answers.into_iter().find_map(|a| match a {
            Answer::CompletionsLoaded(c) => Some(c),
            _ => None,
        }),
        _ => None,
    }
}
