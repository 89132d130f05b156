//! The holder's side: accepts connections on the store's socket and serves each on its own
//! thread (commands, TUI effects, change notifications). Started by whichever process holds the
//! store, stopped before that process lets the store go, so the socket never outlives its holder
//! except after a crash (then the next holder removes it: holding sled's lock proves it stale).

use super::{read_frame, write_frame, CommandRunner, Reply, Request, RunRequest};
use crate::engine::feed::Subscription;
use crate::engine::Engine;
use crate::store::Store;
use std::cell::{Cell, RefCell};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, Once};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the notifier waits on the change feed before it looks at its stop flag again (a
/// commit or `shutdown` wakes it sooner).
const IDLE_WAIT: Duration = Duration::from_secs(1);

/// Output is sent in frames of at most this many bytes.
const OUT_CHUNK: usize = 32 * 1024;

/// How long a change notice or a batch's answers may wait for a TUI to read them. A running TUI
/// reads both at once (a thread of its own reads the notices); one that is stopped (SIGSTOP)
/// or hung is dropped after this, so its connection thread never waits on it for ever. The
/// TUI, once resumed, finds the connection closed and attaches again.
const CLIENT_WRITE_LIMIT: Duration = Duration::from_secs(5);

/// A running server. Call [`Server::shutdown`] before dropping the store.
pub struct Server {
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
    notifier: Option<JoinHandle<()>>,
}

struct Shared {
    store: Store,
    /// The socket's path, and the (device, inode) of the socket we bound there, so we never
    /// remove another holder's socket.
    sock: (PathBuf, (u64, u64)),
    /// Runs the commands other processes send.
    runner: CommandRunner,
    stop: AtomicBool,
    /// Commands running for other processes.
    running: Mutex<usize>,
    idle: Condvar,
    /// Receivers of the newest sequence number.
    subscribers: Mutex<Vec<mpsc::Sender<u64>>>,
    /// Long-lived connections (TUI effects, subscriptions), shut down on stop.
    open: Registry,
    /// Connections of commands running for other processes, shut down when the holder stops
    /// waiting for them (a command blocked writing to a stopped caller then ends).
    commands: Registry,
    /// Connections being served now, of any kind (a TUI attached keeps its two open).
    connections: std::sync::atomic::AtomicUsize,
    /// When the last connection ended (or the server started): how long it has been idle.
    last_seen: Mutex<Instant>,
}

/// Counts a connection while it is served and notes when it ended (see [`Server::idle_for`]).
struct Visit<'a>(&'a Shared);

impl<'a> Visit<'a> {
    fn start(shared: &'a Shared) -> Visit<'a> {
        shared.connections.fetch_add(1, Ordering::SeqCst);
        Visit(shared)
    }
}

impl Drop for Visit<'_> {
    fn drop(&mut self) {
        *lock(&self.0.last_seen) = Instant::now();
        self.0.connections.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Server {
    /// Serves `store` on the socket at `sock`. The caller must hold the store (an open `Store`),
    /// which is what makes any socket file already there stale.
    pub fn start(store: Store, sock: &Path, runner: CommandRunner) -> io::Result<Server> {
        install_panic_filter();
        match std::fs::remove_file(sock) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let (address, _folder) = super::socket_address(sock)?;
        let listener = UnixListener::bind(&address)?;
        // The umask is 077 already (Store::open); say it explicitly for the socket too.
        std::fs::set_permissions(sock, std::fs::Permissions::from_mode(0o600))?;
        let md = std::fs::metadata(sock)?;
        let feed = Subscription::new(&store);
        let shared = Arc::new(Shared {
            store,
            sock: (sock.to_path_buf(), (md.dev(), md.ino())),
            runner,
            stop: AtomicBool::new(false),
            running: Mutex::new(0),
            idle: Condvar::new(),
            subscribers: Mutex::new(Vec::new()),
            open: Registry::default(),
            commands: Registry::default(),
            connections: std::sync::atomic::AtomicUsize::new(0),
            last_seen: Mutex::new(Instant::now()),
        });
        let accept = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("session-accept".into())
                .spawn(move || accept_loop(listener, shared))?
        };
        let notifier = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("session-notify".into())
                .spawn(move || notify_loop(shared, feed))?
        };
        Ok(Server {
            shared,
            accept: Some(accept),
            notifier: Some(notifier),
        })
    }

    /// How long nobody has been served: `None` while a connection is open (a command running
    /// for another process, an attached TUI), else the time since the last one ended (or since
    /// the server started). A lingering holder leaves when this passes its linger time.
    pub fn idle_for(&self) -> Option<Duration> {
        if self.shared.connections.load(Ordering::SeqCst) > 0 {
            return None;
        }
        Some(lock(&self.shared.last_seen).elapsed())
    }

    /// A receiver of the newest sequence number, sent whenever it changes (whoever wrote).
    pub fn subscribe(&self) -> mpsc::Receiver<u64> {
        let (tx, rx) = mpsc::channel();
        lock(&self.shared.subscribers).push(tx);
        rx
    }

    /// Stops accepting, removes the socket, ends TUI connections and subscriptions, and waits up
    /// to `wait` for commands still running for other processes. Returns how many were still
    /// running when it gave up: their connections are shut down then, so one blocked writing to
    /// a caller that is stopped ends too (their clients are told the outcome is unknown).
    pub fn shutdown(mut self, wait: Duration) -> usize {
        self.stop_accepting();
        self.shared.open.shut_all();
        lock(&self.shared.subscribers).clear();
        if let Some(n) = self.notifier.take() {
            // It waits on the change feed; wake it so it sees `stop` now.
            self.shared.store.feed().wake_all();
            let _ = n.join();
        }
        let deadline = Instant::now() + wait;
        let mut running = lock(&self.shared.running);
        while *running > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            running = match self.shared.idle.wait_timeout(running, left) {
                Ok((g, _)) => g,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        let left = *running;
        drop(running);
        if left > 0 {
            self.shared.commands.shut_all();
        }
        left
    }

    fn stop_accepting(&mut self) {
        if self.shared.stop.swap(true, Ordering::SeqCst) {
            return;
        }
        if let Some(a) = self.accept.take() {
            // Wakes the accept thread at once (it also looks at `stop` every 200 ms). Clients
            // still in the backlog see the connection close before `Started` and retry.
            if let Ok((address, _folder)) = super::socket_address(&self.shared.sock.0) {
                let _ = UnixStream::connect(&address);
            }
            let _ = a.join();
        }
        self.shared.remove_socket();
    }
}

impl Shared {
    /// Removes the socket file when it is still the one this server bound.
    fn remove_socket(&self) {
        let (path, id) = &self.sock;
        if let Ok(md) = std::fs::symlink_metadata(path) {
            if (md.dev(), md.ino()) == *id {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop_accepting();
        self.shared.stop.store(true, Ordering::SeqCst);
    }
}

/// Connections the holder may have to end from another thread (TUI connections when it stops,
/// commands past its wait): a clone of each, kept while its thread serves it. A thread that
/// ends drops its entry, so the socket closes (the caller sees the end) and nothing piles up.
#[derive(Default)]
struct Registry {
    next: std::sync::atomic::AtomicU64,
    list: Mutex<Vec<(u64, UnixStream)>>,
}

impl Registry {
    /// Keeps a clone of `stream` until the entry returned is dropped.
    fn add(&self, stream: &UnixStream) -> Entry<'_> {
        let number = self.next.fetch_add(1, Ordering::SeqCst);
        if let Ok(clone) = stream.try_clone() {
            lock(&self.list).push((number, clone));
        }
        Entry {
            registry: self,
            number,
        }
    }

    /// Shuts every kept connection down: their threads' reads and writes fail at once.
    fn shut_all(&self) {
        for (_, s) in lock(&self.list).iter() {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// A connection kept in a [`Registry`], forgotten when dropped.
struct Entry<'a> {
    registry: &'a Registry,
    number: u64,
}

impl Drop for Entry<'_> {
    fn drop(&mut self) {
        lock(&self.registry.list).retain(|(n, _)| *n != self.number);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn accept_loop(listener: UnixListener, shared: Arc<Shared>) {
    // poll() with a timeout, so `stop` is seen even when the self-connection on shutdown
    // cannot reach us (the name was removed by someone else).
    use std::os::fd::AsRawFd;
    let fd = listener.as_raw_fd();
    while !shared.stop.load(Ordering::SeqCst) {
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let r = unsafe { libc::poll(&mut pfd, 1, 200) };
        if r <= 0 {
            continue;
        }
        let stream = match listener.accept() {
            Ok((s, _)) => s,
            Err(_) => continue,
        };
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        // Only our own user may talk to the store, whatever the file modes say.
        // SAFETY: geteuid cannot fail.
        let me = unsafe { libc::geteuid() };
        if super::peer_uid(&stream).ok() != Some(me) {
            continue;
        }
        // A store whose folder was deleted or replaced since it was opened is served no more:
        // what a command wrote to it would be lost with it. The caller sees the connection
        // close before `Started` and, the socket gone, opens the store now at that path itself.
        if shared.store.moved_away() {
            shared.stop.store(true, Ordering::SeqCst);
            shared.remove_socket();
            break;
        }
        let shared = shared.clone();
        let _ = std::thread::Builder::new()
            .name("session-conn".into())
            .spawn(move || serve(stream, &shared));
    }
}

/// Pushes the newest seq to every subscriber as soon as a write is committed (the store's change
/// feed wakes it; `shutdown` wakes it to stop).
fn notify_loop(shared: Arc<Shared>, mut feed: Subscription) {
    while !shared.stop.load(Ordering::SeqCst) {
        let news = feed.wait(IDLE_WAIT);
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        if let Some(seq) = news {
            lock(&shared.subscribers).retain(|tx| tx.send(seq).is_ok());
        }
    }
}

fn serve(mut stream: UnixStream, shared: &Shared) {
    let _visit = Visit::start(shared);
    // A client has a few seconds to say what it wants; a silent one must not hold a thread.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let first: Request = match read_frame(&mut stream) {
        Ok(Some(r)) => r,
        _ => return,
    };
    match first {
        Request::Run(req) => {
            *lock(&shared.running) += 1;
            let _entry = shared.commands.add(&stream);
            if !shared.stop.load(Ordering::SeqCst)
                && write_frame(&mut stream, &Reply::Started).is_ok()
            {
                let outcome = run_for(req, shared, &stream);
                let _ = write_frame(&mut stream, &Reply::Done(outcome));
            }
            *lock(&shared.running) -= 1;
            shared.idle.notify_all();
        }
        Request::Effects(first) => {
            let _ = stream.set_read_timeout(None);
            let _ = stream.set_write_timeout(Some(CLIENT_WRITE_LIMIT));
            let _entry = shared.open.add(&stream);
            let mut engine = Engine::new(shared.store.clone());
            let mut next = Some(first);
            while let Some(batch) = next.take() {
                if shared.stop.load(Ordering::SeqCst) {
                    return;
                }
                let answers = engine.execute_all(batch, crate::clock::now_ms());
                if write_frame(&mut stream, &Reply::Answers(answers)).is_err() {
                    return;
                }
                next = match read_frame::<Request>(&mut stream) {
                    Ok(Some(Request::Effects(batch))) => Some(batch),
                    _ => None,
                };
            }
        }
        Request::SyncServe => {
            // The connection is the sync protocol from here on; its caller relays ssh to it.
            *lock(&shared.running) += 1;
            let _entry = shared.commands.add(&stream);
            let _ = stream.set_read_timeout(None);
            let _ = stream.set_write_timeout(Some(CLIENT_WRITE_LIMIT));
            if let Ok(r) = stream.try_clone() {
                let mut r = std::io::BufReader::new(r);
                let mut w = &stream;
                let _ = crate::engine::sync::serve(
                    &shared.store,
                    &mut r,
                    &mut w,
                    &crate::clock::now_ms,
                );
            }
            *lock(&shared.running) -= 1;
            shared.idle.notify_all();
        }
        Request::RetiredEffect => {
            // A TUI of an older version: a clear line instead of answers it would misread.
            let _ = write_frame(
                &mut stream,
                &Reply::Done(Some(
                    "the expense session holding the store is a newer version; \
                     restart this expense to use it"
                        .into(),
                )),
            );
        }
        Request::Subscribe => {
            let _ = stream.set_read_timeout(None);
            let _ = stream.set_write_timeout(Some(CLIENT_WRITE_LIMIT));
            let _entry = shared.open.add(&stream);
            let (tx, rx) = mpsc::channel();
            lock(&shared.subscribers).push(tx);
            let Ok(now) = shared.store.last_seq() else {
                return;
            };
            if write_frame(&mut stream, &Reply::Changed(now)).is_err() {
                return;
            }
            // Only the newest seq matters: what piled up while a write waited is one notice.
            // Returning drops `rx`, and the notifier drops this subscriber at its next send.
            // A subscriber that hung up is let go within a second even when nothing is written
            // (a lingering holder counts it as served while it is connected).
            loop {
                let seq = match rx.recv_timeout(IDLE_WAIT) {
                    Ok(seq) => seq,
                    Err(mpsc::RecvTimeoutError::Timeout) if !hung_up(&stream) => continue,
                    Err(_) => return,
                };
                let newest = rx.try_iter().last().unwrap_or(seq);
                if write_frame(&mut stream, &Reply::Changed(newest)).is_err() {
                    return;
                }
            }
        }
    }
}

/// Runs one command for a caller; `None` on success, else the line `main` would have printed.
fn run_for(req: RunRequest, shared: &Shared, stream: &UnixStream) -> Option<String> {
    let conn = RefCell::new(stream);
    let mut out = FrameWriter::new(&conn, false);
    let mut err = FrameWriter::new(&conn, true);
    let cancelled = || shared.stop.load(Ordering::SeqCst) || hung_up(stream);
    IN_SESSION.with(|f| f.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        (shared.runner)(req, shared.store.clone(), &mut out, &mut err, &cancelled)
    }));
    IN_SESSION.with(|f| f.set(false));
    let flushed = out.flush().and_then(|()| err.flush());
    match result {
        Ok(Ok(())) => flushed.err().map(|e| format!("sending output: {e}")),
        Ok(Err(message)) => Some(message),
        Err(_) => Some(format!(
            "internal error while running the command in the session: {}",
            LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_else(|| "panic".into())
        )),
    }
}

/// True when the caller closed its end (it sends nothing after its request, so any readable
/// state means end of stream or an error).
fn hung_up(stream: &UnixStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut byte = [0u8; 1];
    // SAFETY: a one-byte buffer valid for writes; MSG_PEEK leaves the stream as it is.
    let n = unsafe {
        libc::recv(
            stream.as_raw_fd(),
            byte.as_mut_ptr().cast(),
            1,
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    n == 0 || (n < 0 && std::io::Error::last_os_error().kind() != io::ErrorKind::WouldBlock)
}

/// stdout or stderr of a caller, as frames on its connection.
struct FrameWriter<'a> {
    conn: &'a RefCell<&'a UnixStream>,
    is_err: bool,
    buf: Vec<u8>,
}

impl<'a> FrameWriter<'a> {
    fn new(conn: &'a RefCell<&'a UnixStream>, is_err: bool) -> FrameWriter<'a> {
        FrameWriter {
            conn,
            is_err,
            buf: Vec::new(),
        }
    }
}

impl Write for FrameWriter<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        // stderr carries progress: send it at once; stdout in chunks.
        if self.is_err || self.buf.len() >= OUT_CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let bytes = std::mem::take(&mut self.buf);
        let reply = if self.is_err {
            Reply::Err(bytes)
        } else {
            Reply::Out(bytes)
        };
        let mut conn = self.conn.borrow_mut();
        write_frame(&mut *conn, &reply).map_err(|e| {
            // The caller went away (`expense list | head`): end the command like a closed pipe.
            io::Error::new(io::ErrorKind::BrokenPipe, e)
        })
    }
}

thread_local! {
    static IN_SESSION: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A command that panics on a session thread must not run the TUI's panic hook (which would
/// restore the terminal under a running TUI): on those threads the message is kept for the
/// caller instead.
fn install_panic_filter() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_SESSION.with(|f| f.get()) {
                let text = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".into());
                let at = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{text}{at}")));
            } else {
                previous(info);
            }
        }));
    });
}
