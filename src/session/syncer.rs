//! The background sync of a process that holds the store (`[sync] every_minutes`): every so
//! often (the first time a few seconds after it took the store) it runs `expense sync` with the configured peers, through the same command runner
//! that serves other processes' commands, so it is the very code a person runs. Quiet: what it
//! prints is dropped; a failure is left as a notice (`Store::add_notice`), which an open TUI
//! shows in its status line, and a conflict is noticed by every session's engine as any
//! sync's is.

use super::{CommandRunner, RunRequest};
use crate::config::SyncConfig;
use crate::store::Store;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The running background sync; [`Syncer::stop`] ends it.
pub struct Syncer {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

/// How long after taking the store the first background sync runs: a session opened in the
/// morning gets the night's changes from the other devices at once.
const FIRST_AFTER: Duration = Duration::from_secs(5);

/// The command the background sync runs: `expense sync PEER...` with the holder's `[sync]`
/// settings passed as the environment a command reads them from.
pub fn request(sync: &SyncConfig) -> RunRequest {
    let mut argv = vec!["expense".to_string(), "sync".to_string()];
    argv.extend(sync.peers.iter().cloned());
    RunRequest {
        argv,
        cwd: std::env::temp_dir(),
        config_dir: None,
        env: vec![
            ("EXPENSE_SSH".into(), sync.ssh.clone()),
            ("EXPENSE_SYNC_REMOTE".into(), sync.remote.clone()),
        ],
        today: crate::clock::today(),
        err_is_tty: false,
    }
}

impl Syncer {
    /// Starts syncing `store` with `sync.peers` every `sync.every_minutes` (none when 0 or no
    /// peer is configured).
    pub fn start(store: Store, sync: &SyncConfig, runner: CommandRunner) -> Option<Syncer> {
        if sync.every_minutes == 0 || sync.peers.is_empty() {
            return None;
        }
        let every = Duration::from_secs(u64::from(sync.every_minutes) * 60);
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let sync = sync.clone();
        let stop2 = stop.clone();
        let thread = std::thread::Builder::new()
            .name("sync".into())
            .spawn(move || {
                let mut wait = FIRST_AFTER.min(every);
                loop {
                    {
                        let (lock, wake) = &*stop2;
                        let stopped = lock.lock().unwrap_or_else(|p| p.into_inner());
                        let (stopped, _) = wake
                            .wait_timeout_while(stopped, wait, |s| !*s)
                            .unwrap_or_else(|p| p.into_inner());
                        if *stopped {
                            return;
                        }
                    }
                    wait = every;
                    let (mut out, mut err) = (Vec::new(), Vec::new());
                    let done = runner(request(&sync), store.clone(), &mut out, &mut err, &|| false);
                    if let Err(e) = done {
                        let said = String::from_utf8_lossy(&err);
                        let why = said
                            .lines()
                            .next()
                            .unwrap_or(&e)
                            .trim_start_matches("expense: ");
                        store.add_notice(format!("background sync failed: {why}"));
                    }
                }
            })
            .ok()?;
        Some(Syncer {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops: no new sync starts; one under way is waited for (it holds the store).
    pub fn stop(mut self) {
        let (lock, wake) = &*self.stop;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = true;
        wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
