//! Where the TUI's effects run: on the store this process holds (serving other processes
//! meanwhile), or in the session of the process that holds it. Either way the loop sees the same
//! `execute(Effect) -> Action`, and change notifications arrive as `Msg::StoreChanged`.
//!
//! When the holder goes away (its TUI quit), a remote TUI takes over: it attaches again, which
//! opens the store here if nobody else did, and reloads what it shows.

use super::event::Msg;
use crate::app::{Action, Effect};
use crate::engine::triggers::{Dispatcher, TriggerSpec};
use crate::engine::Engine;
use crate::session::client::{attach, Attached, DRAIN, PATIENCE};
use crate::session::server::Server;

/// How long quitting waits for trigger deliveries that are due (the rest wait for the next
/// process that holds the store).
const TRIGGERS_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
use crate::session::{read_frame, socket_path, write_frame, Reply, Request};
use crate::store::StoreError;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

/// What this process sets up whenever it becomes the store's holder: at start, and again when
/// it takes over from a holder that quit.
#[derive(Debug, Clone)]
pub struct HolderSetup {
    /// `[[trigger]]` from config, delivered while this process holds the store.
    pub triggers: Vec<TriggerSpec>,
    /// `[stream] keep_days`: records older than this are trimmed (0 keeps everything).
    pub stream_keep_days: u32,
    /// `trash_days` in ms: how long expenses that undo or redo removes stay in the trash.
    pub trash_ttl_ms: i64,
    /// `month_start_day`: the month aggregates are kept for it, and budget alerts use it.
    pub month_start_day: u32,
}

/// The TUI's way to the store.
pub struct Backend {
    store_dir: PathBuf,
    kind: Kind,
    /// Sequence number of this TUI's own latest write: its notification needs no reload.
    own_seq: Option<u64>,
    events: Sender<Msg>,
    setup: HolderSetup,
}

enum Kind {
    Local {
        runtime: Box<Engine>,
        server: Option<Server>,
        dispatcher: Option<Dispatcher>,
    },
    Remote {
        conn: UnixStream,
    },
}

impl Backend {
    /// Starts from an attachment; notifications go to `events`. Fails only when this process
    /// holds the store and cannot keep the month aggregates for `setup.month_start_day`.
    pub fn new(
        attached: Attached,
        store_dir: &Path,
        events: Sender<Msg>,
        setup: HolderSetup,
    ) -> Result<Backend, StoreError> {
        Ok(Backend {
            kind: connect(attached, store_dir, &events, &setup)?,
            store_dir: store_dir.to_path_buf(),
            own_seq: None,
            events,
            setup,
        })
    }

    /// True when this process holds the store.
    pub fn is_holder(&self) -> bool {
        matches!(self.kind, Kind::Local { .. })
    }

    /// Whether a notification of `seq` is news to this TUI (not its own latest write).
    pub fn is_news(&self, seq: u64) -> bool {
        self.own_seq != Some(seq)
    }

    /// Performs one effect and reports the outcome.
    pub fn execute(&mut self, fx: Effect, now_ms: i64) -> Vec<Action> {
        let actions = match &mut self.kind {
            Kind::Local { runtime, .. } => runtime.execute(fx, now_ms),
            Kind::Remote { conn } => match remote(conn, &fx) {
                Ok(action) => action,
                Err(_) => return self.after_loss(fx, now_ms),
            },
        };
        for a in &actions {
            if let Action::Stored(s) = a {
                self.own_seq = Some(s.seq);
            }
        }
        actions
    }

    /// Removes expired items from the trash when this process holds the store (the holder
    /// sweeps for everyone; a remote TUI leaves it to its holder). Returns how many went; their
    /// records reach every screen as an ordinary change notification.
    pub fn sweep_trash(&self, now_ms: i64) -> Result<usize, StoreError> {
        match &self.kind {
            Kind::Local { runtime, .. } => runtime.store().sweep_trash(now_ms),
            Kind::Remote { .. } => Ok(0),
        }
    }

    /// The holder went away mid-request: take over (or find the new holder), then redo a read,
    /// or say that a write's fate is unknown.
    fn after_loss(&mut self, fx: Effect, now_ms: i64) -> Vec<Action> {
        if let Err(e) = self.reattach() {
            return vec![Action::Failed(format!("lost the store: {e}"))];
        }
        match fx {
            Effect::LoadWindow(_)
            | Effect::LoadCompletions
            | Effect::LoadReview(_)
            | Effect::LoadReviewDetails { .. }
            | Effect::LoadTrash => self.execute(fx, now_ms),
            Effect::LoadHistory(_) => self.execute(fx, now_ms),
            _ => vec![Action::Failed(
                "the session holding the store ended during this change; \
                 look at the list to see whether it was saved"
                    .into(),
            )],
        }
    }

    /// Attaches again after the holder left: becomes the holder, or a client of the new one.
    pub fn reattach(&mut self) -> Result<(), StoreError> {
        let attached = attach(&self.store_dir, PATIENCE)?;
        self.kind = connect(attached, &self.store_dir, &self.events, &self.setup)?;
        Ok(())
    }

    /// Stops serving (waiting for commands run for others) and flushes the store.
    pub fn close(self) -> Result<(), StoreError> {
        match self.kind {
            Kind::Local {
                runtime,
                server,
                dispatcher,
            } => {
                if let Some(server) = server {
                    server.shutdown(DRAIN);
                }
                if let Some(d) = dispatcher {
                    d.finish(TRIGGERS_WAIT);
                }
                runtime.store().flush()
            }
            Kind::Remote { .. } => Ok(()),
        }
    }
}

fn remote(conn: &mut UnixStream, fx: &Effect) -> std::io::Result<Vec<Action>> {
    write_frame(conn, &Request::Effect(fx.clone()))?;
    match read_frame::<Reply>(conn)? {
        Some(Reply::Outcomes(o)) => Ok(o.into_iter().map(|o| o.into_action()).collect()),
        Some(other) => Ok(vec![Action::Failed(format!(
            "the session sent an unexpected reply ({other:?})"
        ))]),
        None => Err(std::io::ErrorKind::UnexpectedEof.into()),
    }
}

/// Holds the store (serving it, forwarding its notifications) or uses the holder's session
/// (subscribed to its notifications).
fn connect(
    attached: Attached,
    store_dir: &Path,
    events: &Sender<Msg>,
    setup: &HolderSetup,
) -> Result<Kind, StoreError> {
    Ok(match attached {
        Attached::Holder(store) => {
            // Keep the month aggregates for the configured start day (rebuilt once when it
            // changed), and the configured trash time for undo and redo.
            store.use_month_start_day(setup.month_start_day)?;
            store.set_trash_ttl(setup.trash_ttl_ms);
            // The holder sweeps the trash and trims the change stream at open (best effort: a
            // damaged trash or stream is reported by `expense check`, and must not keep the
            // ledger from opening).
            let now = crate::clock::now_ms();
            let _ = store.sweep_trash(now);
            let _ = store.trim_stream_days(setup.stream_keep_days, now);
            let server = Server::start(store.clone(), &socket_path(store_dir)).ok();
            if let Some(server) = &server {
                let rx = server.subscribe();
                let tx = events.clone();
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
            let mut runtime = Box::new(Engine::new(store.clone()));
            runtime.set_month_start_day(setup.month_start_day);
            Kind::Local {
                dispatcher: Dispatcher::start(store, setup.triggers.clone()),
                runtime,
                server,
            }
        }
        Attached::Session(conn) => {
            subscribe_remote(socket_path(store_dir), events.clone());
            Kind::Remote { conn }
        }
    })
}

/// A thread that relays the holder's notifications; `SessionLost` when the holder goes away.
fn subscribe_remote(sock: PathBuf, tx: Sender<Msg>) {
    let _ = std::thread::Builder::new()
        .name("changes".into())
        .spawn(move || {
            let lost = |tx: &Sender<Msg>| {
                let _ = tx.send(Msg::SessionLost);
            };
            let Ok(mut s) = UnixStream::connect(&sock) else {
                return lost(&tx);
            };
            if write_frame(&mut s, &Request::Subscribe).is_err() {
                return lost(&tx);
            }
            loop {
                match read_frame::<Reply>(&mut s) {
                    Ok(Some(Reply::Changed(seq))) => {
                        if tx.send(Msg::StoreChanged(seq)).is_err() {
                            return;
                        }
                    }
                    _ => return lost(&tx),
                }
            }
        });
}
