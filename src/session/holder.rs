//! The holder: what a process does when it takes the store and when it lets it go, written once
//! for the TUI and for a command that opened the store itself. Taking: keep the month aggregates
//! for the configured start day, set the trash time, post the recurring expenses that fell due
//! (leaving a notice of what it posted and of what waits for a confirmation), sweep the trash,
//! trim the stream, serve the socket, start the trigger dispatcher. Letting go: deliver the triggers that are due while
//! still serving (a trigger's command may itself run `expense` against this store), then stop
//! serving (waiting for commands run for others), and hand the store back to be closed.
//!
//! Rule: the settings the store owns (month start day, trash time) are set here and only here;
//! everything else reads them from the store.

use super::server::Server;
use super::CommandRunner;
use crate::config::Config;
use crate::domain::trigger::TriggerSpec;
use crate::engine::triggers::Dispatcher;
use crate::store::{Store, StoreError};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// How long letting go waits for commands the holder runs for other processes.
pub const DRAIN: Duration = Duration::from_secs(30);

/// How long letting go waits for trigger deliveries that are due (the rest wait for the next
/// process that holds the store).
pub const TRIGGERS_WAIT: Duration = Duration::from_secs(10);

/// What a process sets up whenever it becomes the store's holder: at start, and again when a TUI
/// takes over from a holder that quit.
#[derive(Debug, Clone)]
pub struct HolderSetup {
    /// `[[trigger]]` from config, delivered while this process holds the store.
    pub triggers: Vec<TriggerSpec>,
    /// `[stream] keep_days`: records older than this are trimmed (0 keeps everything).
    pub stream_keep_days: u32,
    /// `trash_days` in ms: how long deleted expenses (and those an undo or redo removes) stay in
    /// the trash.
    pub trash_ttl_ms: i64,
    /// `month_start_day`: the month aggregates are kept for it, and budget alerts use it.
    pub month_start_day: u32,
    /// `[sync]`: the peers a holder syncs with every `every_minutes` (`session/syncer.rs`).
    pub sync: crate::config::SyncConfig,
}

impl HolderSetup {
    /// What `config` asks of a holder.
    pub fn of(config: &Config) -> HolderSetup {
        HolderSetup {
            triggers: config.triggers.clone(),
            stream_keep_days: config.stream_keep_days,
            trash_ttl_ms: config.trash_ttl_ms(),
            month_start_day: config.month_start_day,
            sync: config.sync.clone(),
        }
    }
}

/// The store, held by this process, served to the others.
pub struct Holder {
    store: Store,
    server: Option<Server>,
    dispatcher: Option<Dispatcher>,
    syncer: Option<super::syncer::Syncer>,
}

impl Holder {
    /// Takes `store` (opened by this process) and serves it on `sock`, running other processes'
    /// commands with `runner`. Every step is best effort (a damaged store must still open for
    /// `expense check`, which reports the damage); a TUI, which cannot show a review without the
    /// month aggregates, calls [`Holder::keep_months`] first and refuses to start when it fails.
    pub fn take(store: Store, sock: &Path, setup: &HolderSetup, runner: CommandRunner) -> Holder {
        let _ = Holder::keep_months(&store, setup);
        store.set_trash_ttl(setup.trash_ttl_ms);
        let now = crate::clock::now_ms();
        // Recurring expenses that fell due while no process ran are posted first (before the
        // sweep, so an occurrence an undo took back into the trash is still seen there).
        let _ = crate::engine::schedules::post_at_open(&store, crate::clock::today(), now);
        let _ = store.sweep_trash(now);
        let _ = store.trim_stream_days(setup.stream_keep_days, now);
        // Without a socket (a path too long for one) the store still works for this process.
        let syncer = super::syncer::Syncer::start(store.clone(), &setup.sync, runner.clone());
        let server = Server::start(store.clone(), sock, runner).ok();
        // The triggers' records name this store's stream (best effort, like every step here).
        let triggers = crate::engine::stream_format::for_store(&store, &setup.triggers);
        let triggers = triggers.unwrap_or_else(|_| setup.triggers.clone());
        let dispatcher = Dispatcher::start(store.clone(), triggers);
        Holder {
            store,
            server,
            dispatcher,
            syncer,
        }
    }

    /// Holds `store` for a dry run, which writes nothing: sets the trash time (in memory, for
    /// the commands it serves) and serves it on `sock` (so others need not wait), and takes
    /// none of [`Holder::take`]'s other steps, each of which may write (the month aggregates,
    /// posting, the trash sweep, the stream trim, the triggers).
    pub fn serve(store: Store, sock: &Path, setup: &HolderSetup, runner: CommandRunner) -> Holder {
        store.set_trash_ttl(setup.trash_ttl_ms);
        let server = Server::start(store.clone(), sock, runner).ok();
        Holder {
            store,
            server,
            dispatcher: None,
            syncer: None,
        }
    }

    /// Keeps the store's month aggregates for `setup.month_start_day` (a one-time rebuild when
    /// the configured day changed; nothing when it did not).
    pub fn keep_months(store: &Store, setup: &HolderSetup) -> Result<(), StoreError> {
        store.use_month_start_day(setup.month_start_day).map(|_| ())
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// How long nobody has been served (`None` while someone is, or when nothing is served:
    /// see [`Server::idle_for`]).
    pub fn idle_for(&self) -> Option<Duration> {
        self.server.as_ref().and_then(Server::idle_for)
    }

    /// True when the socket is served (it may not be: a path too long for one).
    pub fn serves(&self) -> bool {
        self.server.is_some()
    }

    /// Change notifications (the newest seq after each commit), when the socket is served.
    pub fn subscribe(&self) -> Option<mpsc::Receiver<u64>> {
        self.server.as_ref().map(Server::subscribe)
    }

    /// Lets go: delivers the triggers due within [`TRIGGERS_WAIT`], stops serving (waiting up
    /// to [`DRAIN`] for commands run for others), and returns the store for closing.
    ///
    /// The order matters: a trigger's command that runs `expense list` (or `add`, `report`)
    /// reaches this store through our socket. Were the socket closed first, that command would
    /// wait for the store we hold while we wait for the command: each run ended by the
    /// deadline, left in flight, and delivered again by the next holder, which is the command
    /// itself (a chain of redeliveries and stalls). Records written by commands served after
    /// the triggers finished wait for the next holder.
    pub fn release(self) -> Store {
        if let Some(s) = self.syncer {
            s.stop();
        }
        if let Some(d) = self.dispatcher {
            d.finish(TRIGGERS_WAIT);
        }
        if let Some(server) = self.server {
            server.shutdown(DRAIN);
        }
        self.store
    }
}
