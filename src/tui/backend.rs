//! Where the TUI's effects run: on the store this process holds (serving other processes
//! meanwhile), or in the session of the process that holds it. Either way the loop sees the same
//! `execute(Effect) -> Action`, and change notifications arrive as `Msg::StoreChanged`.
//!
//! When the holder goes away (its TUI quit), a remote TUI takes over: it attaches again, which
//! opens the store here if nobody else did, and reloads what it shows.

use super::event::Msg;
use crate::app::{Answer, Effect};
use crate::engine::Engine;
use crate::session::client::{attach, Attached, PATIENCE};
use crate::session::holder::{Holder, HolderSetup};
use crate::session::{read_frame, socket_path, write_frame, CommandRunner, Reply, Request};
use crate::store::StoreError;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

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
}

enum Kind {
    Local {
        engine: Box<Engine>,
        holder: Box<Holder>,
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
        runner: CommandRunner,
    ) -> Result<Backend, StoreError> {
        Ok(Backend {
            kind: connect(attached, store_dir, &events, &setup, &runner)?,
            store_dir: store_dir.to_path_buf(),
            own_seq: None,
            events,
            setup,
            runner,
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

    /// Performs a batch of effects in order (one round trip to a remote holder) and returns
    /// their answers.
    pub fn execute(&mut self, batch: Vec<Effect>, now_ms: i64) -> Vec<Answer> {
        let answers = match &mut self.kind {
            Kind::Local { engine, .. } => engine.execute_all(batch, now_ms),
            Kind::Remote { conn } => match remote(conn, &batch) {
                Ok(answers) => answers,
                Err(_) => return self.after_loss(batch, now_ms),
            },
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
            Kind::Remote { .. } => Vec::new(),
        }
    }

    /// Removes expired items from the trash when this process holds the store (the holder
    /// sweeps for everyone; a remote TUI leaves it to its holder). Returns how many went; their
    /// records reach every screen as an ordinary change notification.
    pub fn sweep_trash(&self, now_ms: i64) -> Result<usize, StoreError> {
        match &self.kind {
            Kind::Local { holder, .. } => holder.store().sweep_trash(now_ms),
            Kind::Remote { .. } => Ok(0),
        }
    }

    /// The holder went away mid-request: take over (or find the new holder), then redo a batch
    /// of reads, or say that a write's fate is unknown.
    fn after_loss(&mut self, batch: Vec<Effect>, now_ms: i64) -> Vec<Answer> {
        if let Err(e) = self.reattach() {
            return vec![Answer::Failed(format!("lost the store: {e}"))];
        }
        if batch.iter().all(Effect::is_read) {
            return self.execute(batch, now_ms);
        }
        // A write's fate is unknown; the batch's reads run again, so the list shows what is there.
        let reads: Vec<Effect> = batch.into_iter().filter(Effect::is_read).collect();
        let mut answers = vec![Answer::Failed(
            "the session holding the store ended during this change; \
             look at the list to see whether it was saved"
                .into(),
        )];
        if !reads.is_empty() {
            answers.extend(self.execute(reads, now_ms));
        }
        answers
    }

    /// Attaches again after the holder left: becomes the holder, or a client of the new one.
    pub fn reattach(&mut self) -> Result<(), StoreError> {
        let attached = attach(&self.store_dir, PATIENCE)?;
        self.kind = connect(
            attached,
            &self.store_dir,
            &self.events,
            &self.setup,
            &self.runner,
        )?;
        Ok(())
    }

    /// Stops serving (waiting for commands run for others) and flushes the store.
    pub fn close(self) -> Result<(), StoreError> {
        match self.kind {
            Kind::Local { holder, .. } => holder.release().flush(),
            Kind::Remote { .. } => Ok(()),
        }
    }
}

fn remote(conn: &mut UnixStream, batch: &[Effect]) -> std::io::Result<Vec<Answer>> {
    write_frame(conn, &Request::Effects(batch.to_vec()))?;
    match read_frame::<Reply>(conn)? {
        Some(Reply::Answers(answers)) => Ok(answers),
        Some(other) => Ok(vec![Answer::Failed(format!(
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
    runner: &CommandRunner,
) -> Result<Kind, StoreError> {
    Ok(match attached {
        Attached::Holder(store) => {
            // Before anything is served: a TUI that cannot keep the month totals does not start.
            Holder::keep_months(&store, setup)?;
            let holder = Holder::take(
                store.clone(),
                &socket_path(store_dir),
                setup,
                runner.clone(),
            );
            if let Some(rx) = holder.subscribe() {
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
            Kind::Local {
                engine: Box::new(Engine::new(store)),
                holder: Box::new(holder),
            }
        }
        Attached::Session(conn) => {
            subscribe_remote(store_dir.to_path_buf(), events.clone());
            Kind::Remote { conn }
        }
    })
}

/// A thread that relays the holder's notifications; `SessionLost` when the holder goes away.
fn subscribe_remote(store_dir: PathBuf, tx: Sender<Msg>) {
    let _ = std::thread::Builder::new()
        .name("changes".into())
        .spawn(move || {
            let lost = |tx: &Sender<Msg>| {
                let _ = tx.send(Msg::SessionLost);
            };
            // The same trust as every connection: this user's socket, this user's process.
            let Ok(Some(mut s)) = crate::session::connect(&store_dir) else {
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
