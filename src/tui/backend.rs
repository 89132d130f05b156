//! Where the TUI's effects run: on the store this process holds (serving other processes
//! meanwhile), or in the session of the process that holds it. Either way the loop sees the same
//! `execute(Effect) -> Action`, and change notifications arrive as `Msg::StoreChanged`.
//!
//! When the holder goes away (its TUI quit), a remote TUI takes over: it attaches again, which
//! opens the store here if nobody else did, and reloads what it shows. When the store is out of
//! reach (its holder is stopped, or it is changing hands and the wait ran out) the TUI is
//! `Away`: it holds nothing, says why (`Msg::Away`), answers what needs the store with that
//! reason, and tries again on every request and on the loop's timer (`Msg::Back` when it is
//! back). Ctrl-z lets the store go the same way ([`Backend::let_go`]), so a stopped TUI never
//! blocks anyone.

use super::event::Msg;
use crate::app::{Answer, Effect};
use crate::engine::Engine;
use crate::session::client::{attach, Attached};
use crate::session::holder::{Holder, HolderSetup};
use crate::session::peer::{self, GaveUp, Watched};
use crate::session::{read_frame, socket_path, write_frame, CommandRunner, Reply, Request};
use crate::store::StoreError;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long attaching again waits for a store changing hands (a holder that quit lets it go in
/// milliseconds) before the TUI shows that it is away and goes on trying in the background.
pub const HANDOVER_WAIT: Duration = Duration::from_secs(2);

/// How long letting go waits for the last handle of the store in this process to close (sled
/// drops its lock a few milliseconds after it).
const LET_GO_WAIT: Duration = Duration::from_secs(3);

/// The TUI's way to the store.
pub struct Backend {
    store_dir: PathBuf,
    kind: Kind,
    /// Sequence number of this TUI's own latest write: its notification needs no reload.
    own_seq: Option<u64>,
    events: Sender<Msg>,
    setup: HolderSetup,
    /// Runs other processes' commands while this TUI holds the store.
    runner: CommandRunner,
    /// Counts attachments: a loss reported by the relay of an earlier one is old news.
    attachment: u64,
}

enum Kind {
    Local {
        engine: Box<Engine>,
        holder: Box<Holder>,
    },
    Remote {
        conn: UnixStream,
        /// The relay of the holder's change notices (ended when this attachment ends).
        _notices: Notices,
    },
    /// Holds nothing and talks to nobody; `why` is what the person reads.
    Away { why: String },
}

/// What [`Backend::let_go`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum LetGo {
    /// This process held the store and let it go: others can take it.
    Released,
    /// This process held the store, and something in it (a command run for another process
    /// past its wait, a backup) still has it open.
    StillHeld,
    /// This process held nothing (a client of another holder, or away).
    HeldNothing,
}

impl Backend {
    /// Starts from an attachment; notifications go to `events`. Fails only when this process
    /// holds the store and cannot keep the month aggregates for `setup.month_start_day`.
    pub fn new(
        attached: Attached,
        store_dir: &Path,
        events: Sender<Msg>,
        setup: HolderSetup,
        runner: CommandRunner,
    ) -> Result<Backend, StoreError> {
        let mut backend = Backend {
            kind: Kind::Away { why: String::new() },
            store_dir: store_dir.to_path_buf(),
            own_seq: None,
            events,
            setup,
            runner,
            attachment: 0,
        };
        backend.kind = backend.connect(attached)?;
        Ok(backend)
    }

    /// True when this process holds the store.
    pub fn is_holder(&self) -> bool {
        matches!(self.kind, Kind::Local { .. })
    }

    /// True when the store is out of reach (the loop tries again on a timer).
    pub fn is_away(&self) -> bool {
        matches!(self.kind, Kind::Away { .. })
    }

    /// Whether a notification of `seq` is news to this TUI (not its own latest write).
    pub fn is_news(&self, seq: u64) -> bool {
        self.own_seq != Some(seq)
    }

    /// Performs a batch of effects in order (one round trip to a remote holder) and returns
    /// their answers.
    pub fn execute(&mut self, batch: Vec<Effect>, now_ms: i64) -> Vec<Answer> {
        if self.is_away() {
            // Every request is a chance to be back (`Msg::Back` reloads the screen).
            let _ = self.attach_within(Duration::ZERO);
        }
        let answers = match &mut self.kind {
            Kind::Local { engine, .. } => engine.execute_all(batch, now_ms),
            Kind::Remote { conn, .. } => match remote(conn, &batch) {
                Ok(answers) => answers,
                Err(e) => match peer::gave_up(&e) {
                    Some(GaveUp::Stopped(p)) => {
                        let stopped = p.stopped();
                        return self.holder_stopped(stopped, &batch);
                    }
                    _ => return self.after_loss(batch, now_ms),
                },
            },
            Kind::Away { why } => return refused(why, &batch),
        };
        for a in &answers {
            if let Answer::Stored(s) = a {
                self.own_seq = Some(s.seq);
            }
        }
        answers
    }

    /// What opening the store had to say (an interrupted import rolled back), when this process
    /// opened it; each sentence once.
    pub fn take_notices(&self) -> Vec<String> {
        match &self.kind {
            Kind::Local { holder, .. } => holder.store().take_notices(),
            Kind::Remote { .. } | Kind::Away { .. } => Vec::new(),
        }
    }

    /// Why the store refuses writes (it lost changes), when this process holds it: short
    /// enough for the status line, with the way back first (`expense check` gives the whole
    /// sentence).
    pub fn write_refusal(&self) -> Option<String> {
        match &self.kind {
            Kind::Local { holder, .. } => holder.store().write_refusal().map(|_| {
                "this store lost changes and refuses writes: quit and run `expense restore \
                 --latest` (the newest backup; `expense check` says more)"
                    .to_string()
            }),
            Kind::Remote { .. } | Kind::Away { .. } => None,
        }
    }

    /// Removes expired items from the trash when this process holds the store (the holder
    /// sweeps for everyone; a remote TUI leaves it to its holder). Returns how many went; their
    /// records reach every screen as an ordinary change notification.
    pub fn sweep_trash(&self, now_ms: i64) -> Result<usize, StoreError> {
        match &self.kind {
            Kind::Local { holder, .. } => holder.store().sweep_trash(now_ms),
            Kind::Remote { .. } | Kind::Away { .. } => Ok(0),
        }
    }

    /// The holder stopped while it had `batch` (sent, maybe not read): drop the connection (its
    /// late answers must not be read as the next batch's) and be away until it resumes. Its
    /// writes are not lost: the holder runs the batch when it resumes.
    fn holder_stopped(&mut self, stopped: StoreError, batch: &[Effect]) -> Vec<Answer> {
        self.go_away(away_text(&stopped));
        if batch.iter().all(Effect::is_read) {
            return Vec::new();
        }
        vec![Answer::Failed(format!(
            "{stopped}. Your change reached it before it stopped and is saved when it \
             resumes: do not save it again"
        ))]
    }

    /// The holder went away mid-request: take over (or find the new holder), then redo a batch
    /// of reads, or say that a write's fate is unknown.
    fn after_loss(&mut self, batch: Vec<Effect>, now_ms: i64) -> Vec<Answer> {
        let back = self.attach_within(HANDOVER_WAIT).is_ok();
        if batch.iter().all(Effect::is_read) {
            return if back {
                self.execute(batch, now_ms)
            } else {
                Vec::new()
            };
        }
        // A write's fate is unknown; the batch's reads run again, so the list shows what is there.
        let reads: Vec<Effect> = batch.into_iter().filter(Effect::is_read).collect();
        let mut answers = vec![Answer::Failed(
            "the session holding the store ended during this change; \
             look at the list to see whether it was saved"
                .into(),
        )];
        if back && !reads.is_empty() {
            answers.extend(self.execute(reads, now_ms));
        }
        answers
    }

    /// The relay of attachment `attachment` lost the holder: attach again (at once, or in the
    /// background while away). Old news from an earlier attachment, or a loss while this process
    /// holds the store, changes nothing.
    pub fn lost(&mut self, attachment: u64) {
        if attachment == self.attachment && matches!(self.kind, Kind::Remote { .. }) {
            let _ = self.attach_within(HANDOVER_WAIT);
        }
    }

    /// Tries to reach the store again when away (the loop's timer).
    pub fn retry(&mut self) {
        if self.is_away() {
            let _ = self.attach_within(Duration::ZERO);
        }
    }

    /// Attaches again, waiting up to `patience` for a store changing hands: becomes the holder,
    /// or a client of the one there is. On failure the TUI is away, with the reason.
    pub fn attach_within(&mut self, patience: Duration) -> Result<(), StoreError> {
        // The old attachment goes first (quietly: the outcome is what the person reads).
        if !self.is_away() {
            self.kind = Kind::Away { why: String::new() };
        }
        match attach(&self.store_dir, patience).and_then(|a| self.connect(a)) {
            Ok(kind) => {
                self.kind = kind;
                self.own_seq = None;
                let _ = self.events.send(Msg::Back);
                Ok(())
            }
            Err(e) => {
                self.go_away(away_text(&e));
                Err(e)
            }
        }
    }

    /// Before this process stops (ctrl-z): lets the store go when held here, the same release
    /// as quitting (due triggers, commands run for others), and closes it; a client drops its
    /// connections (the holder keeps nothing for it). Either way the TUI is away until
    /// [`Backend::attach_within`].
    pub fn let_go(&mut self) -> LetGo {
        let was = std::mem::replace(
            &mut self.kind,
            Kind::Away {
                why: "suspended".into(),
            },
        );
        let Kind::Local { engine, holder } = was else {
            return LetGo::HeldNothing;
        };
        drop(engine);
        let store = holder.release();
        // Every write was flushed before it returned; this flush only makes sure.
        let _ = store.flush();
        drop(store);
        // sled unlocks when its last handle closes: wait for that, so nobody who comes next
        // finds the store locked by a stopped process.
        let me = Some(std::process::id());
        let deadline = Instant::now() + LET_GO_WAIT;
        while crate::store::lock_holder(&self.store_dir) == me {
            if Instant::now() > deadline {
                return LetGo::StillHeld;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        LetGo::Released
    }

    /// Stops serving (waiting for commands run for others) and flushes the store.
    pub fn close(self) -> Result<(), StoreError> {
        match self.kind {
            Kind::Local { holder, .. } => holder.release().flush(),
            Kind::Remote { .. } | Kind::Away { .. } => Ok(()),
        }
    }

    fn go_away(&mut self, why: String) {
        let same = matches!(&self.kind, Kind::Away { why: w } if *w == why);
        self.kind = Kind::Away { why: why.clone() };
        if !same {
            let _ = self.events.send(Msg::Away(why));
        }
    }

    /// Holds the store (serving it, forwarding its notifications) or uses the holder's session
    /// (subscribed to its notifications).
    fn connect(&mut self, attached: Attached) -> Result<Kind, StoreError> {
        self.attachment += 1;
        Ok(match attached {
            Attached::Holder(store) => {
                // Before anything is served: a TUI that cannot keep the month totals does not
                // start.
                Holder::keep_months(&store, &self.setup)?;
                let holder = Holder::take(
                    store.clone(),
                    &socket_path(&self.store_dir),
                    &self.setup,
                    self.runner.clone(),
                );
                if let Some(rx) = holder.subscribe() {
                    let tx = self.events.clone();
                    let _ = std::thread::Builder::new()
                        .name("changes".into())
                        .spawn(move || {
                            for seq in rx {
                                if tx.send(Msg::StoreChanged(seq)).is_err() {
                                    return;
                                }
                            }
                        });
                }
                Kind::Local {
                    engine: Box::new(Engine::new(store)),
                    holder: Box::new(holder),
                }
            }
            Attached::Session(conn) => Kind::Remote {
                conn,
                _notices: Notices::start(&self.store_dir, self.events.clone(), self.attachment),
            },
        })
    }
}

/// What a batch gets while the store is out of reach: reads keep what the screen shows (the
/// status line says why); a write is refused with the reason.
fn refused(why: &str, batch: &[Effect]) -> Vec<Answer> {
    if batch.iter().all(Effect::is_read) {
        return Vec::new();
    }
    vec![Answer::Failed(format!("not saved: {why}"))]
}

/// The status line's reason for a store out of reach: what to do first, it has one line.
fn away_text(e: &StoreError) -> String {
    match e {
        StoreError::HolderStopped {
            pid, traced: true, ..
        } => format!(
            "the store is held by process {pid}, stopped under a debugger: continue it there"
        ),
        StoreError::HolderStopped { pid, .. } => format!(
            "the store is held by stopped process {pid}: resume it (fg in its shell, or \
             kill -CONT {pid}); nothing is saved until then"
        ),
        // Our own pid: something this process started while it held the store (a command run
        // for another process past its wait, a backup) still has it open.
        StoreError::HolderBusy { pid, .. } if *pid == std::process::id() => {
            "waiting for work this process began while it held the store (a command run for \
             another process, a backup) to finish"
                .to_string()
        }
        StoreError::HolderBusy { pid, command, .. } => format!(
            "waiting for the store: expense process {pid} (`{command}`) holds it without \
             serving it; trying again by itself"
        ),
        StoreError::Locked { .. } => {
            "waiting for the store: another expense process holds it; trying again by itself"
                .to_string()
        }
        e => format!("cannot reach the store: {e}; trying again by itself"),
    }
}

/// One batch to the holder and its answers; the holder is watched while we wait (a stopped one
/// is a `GaveUp` error, see `session::peer`).
fn remote(conn: &mut UnixStream, batch: &[Effect]) -> std::io::Result<Vec<Answer>> {
    write_frame(conn, &Request::Effects(batch.to_vec()))?;
    match read_frame::<Reply>(&mut Watched::new(conn))? {
        Some(Reply::Answers(answers)) => Ok(answers),
        Some(other) => Ok(vec![Answer::Failed(format!(
            "the session sent an unexpected reply ({other:?})"
        ))]),
        None => Err(std::io::ErrorKind::UnexpectedEof.into()),
    }
}

/// The relay of one attachment's change notices: a thread that forwards the holder's
/// `Changed` as `Msg::StoreChanged`, and `Msg::SessionLost` when the holder goes away. Dropping
/// it ends the relay quietly (no loss is reported for an attachment that is over).
struct Notices {
    quiet: Arc<AtomicBool>,
    conn: Option<UnixStream>,
}

impl Notices {
    fn start(store_dir: &Path, tx: Sender<Msg>, attachment: u64) -> Notices {
        let quiet = Arc::new(AtomicBool::new(false));
        // The same trust as every connection: this user's socket, this user's process.
        let conn = crate::session::connect(store_dir).ok().flatten();
        let handle = conn.as_ref().and_then(|c| c.try_clone().ok());
        let relay_quiet = quiet.clone();
        let _ = std::thread::Builder::new()
            .name("changes".into())
            .spawn(move || {
                let lost = |tx: &Sender<Msg>| {
                    if !relay_quiet.load(Ordering::SeqCst) {
                        let _ = tx.send(Msg::SessionLost(attachment));
                    }
                };
                let Some(mut s) = conn else {
                    return lost(&tx);
                };
                if write_frame(&mut s, &Request::Subscribe).is_err() {
                    return lost(&tx);
                }
                loop {
                    match read_frame::<Reply>(&mut s) {
                        Ok(Some(Reply::Changed(seq))) => {
                            if relay_quiet.load(Ordering::SeqCst)
                                || tx.send(Msg::StoreChanged(seq)).is_err()
                            {
                                return;
                            }
                        }
                        _ => return lost(&tx),
                    }
                }
            });
        Notices {
            quiet,
            conn: handle,
        }
    }
}

impl Drop for Notices {
    fn drop(&mut self) {
        self.quiet.store(true, Ordering::SeqCst);
        if let Some(c) = &self.conn {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
    }
}
