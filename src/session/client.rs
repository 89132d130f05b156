//! The caller's side: find the process that holds the store and talk to it, or hold the store
//! ourselves (and serve others while we do). A busy store is waited for, never refused: the
//! only wait is the moment between one holder letting go and the next taking over.

use super::{read_frame, write_frame, Reply, Request, RunRequest};
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
    let deadline = Instant::now() + patience;
    loop {
        if let Some(s) = super::connect(store_dir)? {
            return Ok(Attached::Session(s));
        }
        if let Some(store) = open_unless_served(store_dir, deadline)? {
            return Ok(Attached::Holder(store));
        }
    }
}

/// Opens the store, waiting (until `deadline`) while it changes hands; `None` when a holder
/// that serves it shows up instead.
pub fn open_unless_served(
    store_dir: &Path,
    deadline: Instant,
) -> Result<Option<Store>, StoreError> {
    loop {
        match Store::open_waiting(store_dir, Duration::ZERO) {
            Ok(store) => return Ok(Some(store)),
            Err(StoreError::Locked { .. }) => {
                if super::connect(store_dir)?.is_some() {
                    return Ok(None);
                }
                if Instant::now() > deadline {
                    return Err(StoreError::Locked {
                        path: store_dir.to_path_buf(),
                    });
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Sends the command to the holder at `stream` and relays its output. `Ok(None)`: the holder closed before starting it
/// (retry); `Ok(Some(result))`: the command's own result.
pub fn run_remote(mut stream: UnixStream, request: &RunRequest) -> Result<Option<Result<()>>> {
    if write_frame(&mut stream, &Request::Run(request.clone())).is_err() {
        return Ok(None);
    }
    match read_frame::<Reply>(&mut stream) {
        Ok(Some(Reply::Started)) => {}
        _ => return Ok(None),
    }
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
        match read_frame::<Reply>(&mut stream) {
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
                return Ok(Some(Err(eyre!(
                    "the expense session holding the store ended while running the command; \
                     check `expense list` to see whether it took effect"
                ))));
            }
        }
    }
}
