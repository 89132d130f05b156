//! Sessions: many processes, one store. sled lets one process hold a store, so the process that
//! holds it (a TUI, or a command that opened it itself) serves the others over a Unix socket
//! next to the store (`<data>/store.sock`, mode 0600 in a 0700 directory, peer uid checked):
//!
//! - a command (`expense add ...` from another shell or over SSH) sends its argv, working
//!   directory, config location and `EXPENSE_*` environment; the holder runs it with the
//!   [`CommandRunner`] that `main` handed in (the very same `cli` code) against the store it holds
//!   and streams stdout/stderr back (`Run`); the session itself never parses a command line;
//! - a second TUI sends the reducer's `Effect`s and gets the runtime's results back, so it works
//!   exactly like the first one (`Effect`);
//! - every TUI subscribes to change notifications (`Subscribe`): the newest sequence number,
//!   pushed as soon as any write by anyone is committed (the store's change feed wakes the
//!   notifier), so every screen reloads without a key press.
//!
//! Why commands travel as argv instead of one request type per store call: each command is then
//! written once against `cli::Ctx` and works the same in its own process and through a session,
//! with no protocol to keep in step. sled serializes writers itself (every write bumps the
//! sequence counter in the same transaction), so running a command on a connection thread keeps
//! one gap-free order of change records without funnelling everything through one thread.
//!
//! A holder that is stopped (ctrl-z on a command, SIGSTOP) can neither serve nor let go, and the
//! kernel still queues connections to its socket: every caller looks at the holder's process
//! (`peer.rs`) when it connects, while the store is locked with nobody serving it, and while it
//! waits for a reply, and fails at once with the holder's pid, command and how to resume it.
//! A TUI never leaves its store held while stopped: it lets it go on ctrl-z (`tui`).
//!
//! Wire format: frames of a little-endian `u32` length and a postcard-encoded `Request`/`Reply`.
//! A client that lost its connection before `Started` retries (nothing ran); after it, the
//! outcome is reported as unknown.

pub mod client;
pub mod holder;
pub mod peer;
pub mod server;
pub mod syncer;

use crate::domain::answer::Answer;
use crate::domain::effect::Effect;
use crate::store::StoreError;
use chrono::NaiveDate;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Largest frame accepted: far above any page of rows or output chunk, small enough that a
/// garbled length cannot make us allocate the machine away.
const MAX_FRAME: usize = 64 * 1024 * 1024;

/// The longest socket path `bind`/`connect` take with room to spare (Linux: 108 bytes with the
/// terminating zero).
const SOCKET_PATH_MAX: usize = 100;

/// A path to the socket at `path` that `bind` and `connect` accept whatever the data folder's
/// path length: `path` itself when short enough, else `/proc/self/fd/N/NAME` through the folder
/// opened as `N` (returned with it: keep it open while binding or connecting). File-system
/// permissions still apply: the folder is reached, not bypassed.
pub fn socket_address(path: &Path) -> io::Result<(PathBuf, Option<std::fs::File>)> {
    use std::os::fd::AsRawFd;
    if path.as_os_str().len() <= SOCKET_PATH_MAX {
        return Ok((path.to_path_buf(), None));
    }
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Ok((path.to_path_buf(), None));
    };
    let folder = std::fs::File::open(dir)?;
    let mut short = PathBuf::from(format!("/proc/self/fd/{}", folder.as_raw_fd()));
    short.push(name);
    Ok((short, Some(folder)))
}

/// The socket of the store in `store_dir`: `<store_dir>.sock`, beside it.
pub fn socket_path(store_dir: &Path) -> PathBuf {
    let mut p = store_dir.as_os_str().to_owned();
    p.push(".sock");
    PathBuf::from(p)
}

/// Runs one command for a caller against the held store: the request, the store, the caller's
/// stdout and stderr, and a flag that says when to stop early (the caller hung up or the holder
/// is closing). `Err` is the one line the caller prints. Handed in by `main` (`cli::runner`), so
/// the session never imports the command line.
pub type CommandRunner = std::sync::Arc<
    dyn Fn(
            RunRequest,
            crate::store::Store,
            &mut dyn Write,
            &mut dyn Write,
            &dyn Fn() -> bool,
        ) -> Result<(), String>
        + Send
        + Sync,
>;

/// What a client asks for; one kind per connection.
#[derive(Debug, Serialize, Deserialize)]
pub enum Request {
    /// Run a command for the caller.
    Run(RunRequest),
    /// The slot of a retired request (one effect per request, before batches): kept so that a
    /// client of an older version is refused instead of read as something else (postcard
    /// names variants by position).
    RetiredEffect,
    /// Push `Reply::Changed` whenever the newest sequence number changes.
    Subscribe,
    /// Execute a batch of TUI effects, in order (a connection may send many batches, one after
    /// the other): one round trip for everything one key asked for.
    Effects(Vec<Effect>),
    /// Answer a sync peer (`expense sync --serve` run by ssh while this process holds the
    /// store): after this request the connection carries the sync protocol itself
    /// (`engine::sync`), relayed by the caller from and to ssh.
    SyncServe,
}

/// A command and the caller's surroundings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRequest {
    /// The caller's arguments, program name first.
    pub argv: Vec<String>,
    /// The caller's working directory.
    pub cwd: PathBuf,
    /// Where the caller reads config.toml.
    pub config_dir: Option<PathBuf>,
    /// The caller's `EXPENSE_*` and `NO_COLOR` variables.
    pub env: Vec<(String, String)>,
    /// Today in the caller's time zone.
    pub today: NaiveDate,
    /// Whether the caller's stderr is a terminal that draws (not `TERM=dumb`): progress bars
    /// are drawn only there.
    pub err_is_tty: bool,
}

/// What the holder sends back.
#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    /// The command was accepted and is running (from here on it may have changed the store).
    Started,
    /// Bytes for the caller's stdout.
    Out(Vec<u8>),
    /// Bytes for the caller's stderr.
    Err(Vec<u8>),
    /// The command ended: `None` on success, else the one-line error.
    Done(Option<String>),
    /// The slot of a retired reply (the answers to one effect, before batches), kept so that
    /// an older client never reads `Answers` as something else.
    RetiredOutcomes,
    /// The newest sequence number in the store.
    Changed(u64),
    /// The engine's answers to a batch of effects, in order (budget alerts follow the write
    /// that caused them).
    Answers(Vec<Answer>),
}

/// Writes one frame.
pub fn write_frame<T: Serialize>(w: &mut impl Write, msg: &T) -> io::Result<()> {
    let body = postcard::to_stdvec(msg).map_err(io::Error::other)?;
    let len = u32::try_from(body.len()).map_err(io::Error::other)?;
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&len.to_le_bytes());
    frame.extend_from_slice(&body);
    w.write_all(&frame)?;
    w.flush()
}

/// Reads one frame; `Ok(None)` at a clean end of stream.
pub fn read_frame<T: DeserializeOwned>(r: &mut impl Read) -> io::Result<Option<T>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a session message of {len} bytes is larger than allowed"),
        ));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    postcard::from_bytes(&body)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Connects to the session socket of the store in `store_dir`, trusting only this user's: the
/// data folder must be this user's alone (`Store::check_private`), the socket file this user's
/// and a socket, and the process behind it must run as this user (its peer credentials), all
/// before anything is sent. `Ok(None)`: nobody listens there (or the holder's queue of
/// connections is full: the caller waits as for a store changing hands).
///
/// A holder that is stopped still "accepts" connections (the kernel queues them), and would
/// leave the caller waiting for ever: it is refused here, before anything is sent, with
/// `StoreError::HolderStopped` naming it and how to resume it.
pub fn connect(store_dir: &Path) -> Result<Option<std::os::unix::net::UnixStream>, StoreError> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let sock = socket_path(store_dir);
    let md = match std::fs::symlink_metadata(&sock) {
        Ok(md) => md,
        Err(_) => return Ok(None),
    };
    if let Some(parent) = store_dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        crate::store::check_private(parent)?;
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let exposed = |why: String| StoreError::Exposed {
        path: sock.clone(),
        why,
    };
    if !md.file_type().is_socket() || md.uid() != me {
        return Err(exposed(format!(
            "the session socket is not a socket of yours (owner user id {}); remove it: rm '{}'",
            md.uid(),
            sock.display()
        )));
    }
    let Ok((address, _folder)) = socket_address(&sock) else {
        return Ok(None);
    };
    let stream = match connect_now(&address) {
        Ok(stream) => stream,
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            // Its queue is full: a holder that stopped accepting, most likely a stopped one.
            if let Some(stopped) = peer::lock_holder(store_dir).and_then(|p| p.stopped_error()) {
                return Err(stopped);
            }
            return Ok(None);
        }
        Err(_) => return Ok(None),
    };
    match peer::peer_cred(&stream) {
        Ok((uid, _)) if uid == me => {}
        Ok((uid, _)) => {
            return Err(exposed(format!(
                "the process answering on the session socket runs as user id {uid}, not as \
                 you (user id {me}); nothing was sent to it"
            )))
        }
        Err(e) => {
            return Err(exposed(format!(
                "cannot tell who answers on the session socket ({e}); nothing was sent to it"
            )))
        }
    }
    if let Some(stopped) = peer::stopped_peer(&stream).and_then(|p| p.stopped_error()) {
        return Err(stopped);
    }
    Ok(Some(stream))
}

/// Connects to the socket at `address` without waiting: a listener whose queue is full (a
/// stopped holder no longer accepts) is `WouldBlock` at once instead of a connect that blocks
/// until it is resumed. The stream returned blocks as usual.
fn connect_now(address: &Path) -> io::Result<std::os::unix::net::UnixStream> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: sockaddr_un is plain data; all zeroes is a valid (empty) value.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let path = address.as_os_str().as_bytes();
    if path.len() >= addr.sun_path.len() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "socket path too long",
        ));
    }
    for (slot, byte) in addr.sun_path.iter_mut().zip(path) {
        *slot = *byte as libc::c_char;
    }
    // SAFETY: plain socket creation; the descriptor is owned right away.
    let raw = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0) };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `raw` is a fresh descriptor nobody else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let set_flags = |get: libc::c_int, set: libc::c_int, f: &dyn Fn(libc::c_int) -> libc::c_int| {
        // SAFETY: fcntl on a descriptor we own.
        let now = unsafe { libc::fcntl(fd.as_raw_fd(), get) };
        // SAFETY: as above.
        if now < 0 || unsafe { libc::fcntl(fd.as_raw_fd(), set, f(now)) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    };
    set_flags(libc::F_GETFD, libc::F_SETFD, &|f| f | libc::FD_CLOEXEC)?;
    set_flags(libc::F_GETFL, libc::F_SETFL, &|f| f | libc::O_NONBLOCK)?;
    let len = std::mem::offset_of!(libc::sockaddr_un, sun_path) + path.len() + 1;
    // SAFETY: `addr` is a valid sockaddr_un and `len` within it.
    let r = unsafe {
        libc::connect(
            fd.as_raw_fd(),
            (&addr as *const libc::sockaddr_un).cast(),
            len as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    set_flags(libc::F_GETFL, libc::F_SETFL, &|f| f & !libc::O_NONBLOCK)?;
    Ok(std::os::unix::net::UnixStream::from(fd))
}

/// The uid of the process at the other end of `stream`, where the OS tells it.
pub fn peer_uid(stream: &std::os::unix::net::UnixStream) -> io::Result<u32> {
    peer::peer_cred(stream).map(|(uid, _)| uid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::effect::{SortKey, WindowQuery};

    /// A lingering holder leaves after its idle time: the server says how long nobody has been
    /// served, and never counts a connection still open (an attached TUI) as idle.
    #[test]
    fn the_server_tells_how_long_it_has_been_idle() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("store");
        let store = crate::store::Store::open(&dir).unwrap();
        let runner: CommandRunner = std::sync::Arc::new(|_, _, _, _, _| Ok(()));
        let server = server::Server::start(store.clone(), &socket_path(&dir), runner).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(30));
        let idle = server.idle_for().expect("nobody connected");
        assert!(idle >= std::time::Duration::from_millis(30), "{idle:?}");
        // A subscriber (a TUI's notice relay) stays connected: not idle while it does.
        let mut sub = std::os::unix::net::UnixStream::connect(socket_path(&dir)).unwrap();
        write_frame(&mut sub, &Request::Subscribe).unwrap();
        let _first: Option<Reply> = read_frame(&mut sub).unwrap();
        assert_eq!(server.idle_for(), None);
        drop(sub);
        let mut back = false;
        for _ in 0..200 {
            if let Some(idle) = server.idle_for() {
                // Counted from when it left, not from the start.
                assert!(idle < std::time::Duration::from_secs(5), "{idle:?}");
                back = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(back, "still counted as connected after it hung up");
        server.shutdown(std::time::Duration::ZERO);
    }

    #[test]
    fn frames_round_trip_and_end_cleanly() {
        let q = WindowQuery {
            from: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            sort: SortKey::Amount,
            descending: true,
            filter: "lidl".into(),
            start: 40,
            len: 20,
            focus: None,
            category: Some("food".into()),
        };
        let mut buf = Vec::new();
        write_frame(
            &mut buf,
            &Request::Effects(vec![Effect::LoadWindow(q.clone())]),
        )
        .unwrap();
        write_frame(&mut buf, &Reply::Done(Some("no".into()))).unwrap();
        let mut r = &buf[..];
        match read_frame::<Request>(&mut r).unwrap() {
            Some(Request::Effects(fx)) => assert_eq!(fx, vec![Effect::LoadWindow(q)]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            read_frame::<Reply>(&mut r).unwrap(),
            Some(Reply::Done(Some(m))) if m == "no"
        ));
        assert!(read_frame::<Reply>(&mut r).unwrap().is_none());
    }

    #[test]
    fn trash_answers_cross_the_socket() {
        let loaded = Answer::TrashLoaded(Box::new(crate::domain::answer::TrashLoaded {
            rows: Vec::new(),
            now_ms: 42,
            ttl_ms: 30 * 86_400_000,
        }));
        let mut buf = Vec::new();
        write_frame(&mut buf, &Reply::Answers(vec![loaded.clone()])).unwrap();
        match read_frame::<Reply>(&mut &buf[..]).unwrap() {
            Some(Reply::Answers(back)) => assert_eq!(back, vec![loaded]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn history_and_undo_answers_cross_the_socket() {
        use crate::domain::answer::{HistoryLoaded, HistoryRow, Stepped};
        use crate::domain::effect::HistoryQuery;
        use crate::store::{ChangeRecord, Event, Origin};
        let store = crate::store::Store::open_temporary().unwrap();
        let draft = crate::domain::Draft {
            date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            amount: 1250,
            currency: crate::domain::Currency::EUR,
            category: "food".into(),
            payee: "Lidl".into(),
            note: String::new(),
            tags: vec!["a".into()],
            kind: crate::domain::Kind::Expense,
        };
        let rec: ChangeRecord = store.put(draft, Origin::User, 1).unwrap();
        let redo = store.undo_step(2).and_then(|_| store.redo_step(3)).unwrap();
        assert!(redo.is_some());
        let rows: Vec<HistoryRow> = store
            .history_window(0, 10)
            .unwrap()
            .records
            .into_iter()
            .map(|record| HistoryRow {
                record,
                time: "2026-11-20 14:03:05".into(),
                fold: None,
            })
            .collect();
        assert_eq!(rows[0].record.origin, Origin::Redo);
        let answers = vec![
            Answer::HistoryLoaded(Box::new(HistoryLoaded {
                query: HistoryQuery {
                    item: Some(rec.id),
                    start: 0,
                    len: 10,
                },
                total: 3,
                rows,
            })),
            Answer::Stepped(Box::new(Stepped {
                redo: true,
                text: "Redid: add 12.50 EUR food @Lidl".into(),
                expense: rec.new.clone(),
            })),
        ];
        let mut buf = Vec::new();
        write_frame(&mut buf, &Reply::Answers(answers.clone())).unwrap();
        let Some(Reply::Answers(back)) = read_frame::<Reply>(&mut &buf[..]).unwrap() else {
            panic!("expected answers")
        };
        assert_eq!(back, answers);
        match &back[0] {
            Answer::HistoryLoaded(h) => {
                assert_eq!(h.rows[2].record.event, Event::Insert);
                assert_eq!(h.rows[1].record.old.as_ref().unwrap().draft.amount, 1250);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn variants_keep_the_places_older_versions_read_them_at() {
        let tag = |bytes: Vec<u8>| bytes[4];
        let mut b = Vec::new();
        write_frame(&mut b, &Request::Subscribe).unwrap();
        assert_eq!(tag(b), 2);
        let mut b = Vec::new();
        write_frame(&mut b, &Request::Effects(Vec::new())).unwrap();
        assert_eq!(tag(b), 3, "batches come after the retired one-effect slot");
        let mut b = Vec::new();
        write_frame(&mut b, &Reply::Changed(7)).unwrap();
        assert_eq!(tag(b), 5, "change notices where an older TUI reads them");
        let mut b = Vec::new();
        write_frame(&mut b, &Reply::Answers(Vec::new())).unwrap();
        assert_eq!(tag(b), 6);
    }

    #[test]
    fn an_absurd_length_is_refused_not_allocated() {
        let mut buf = u32::MAX.to_le_bytes().to_vec();
        buf.extend_from_slice(b"xx");
        let err = read_frame::<Reply>(&mut &buf[..]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn socket_sits_beside_the_store() {
        assert_eq!(
            socket_path(Path::new("/d/store")),
            PathBuf::from("/d/store.sock")
        );
    }
}
