//! The [`Dispatcher`] of the process that holds the store: one worker thread per trigger, each
//! waiting on the store's change feed, so a slow or hanging command delays only its own trigger
//! (its `timeout` ends the run). Letting go ([`Dispatcher::finish`]) gives every worker the
//! same deadline to deliver what is due.

use super::worker::{pass, start_at_newest, Paused};
use super::TriggerSpec;
use crate::engine::feed::Subscription;
use crate::store::Store;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The longest nap of a worker: a commit, a retry's or window's time or `finish` wakes it
/// sooner.
const NAP: Duration = Duration::from_secs(1);

/// What the workers share with the dispatcher.
struct Shared {
    stop: AtomicBool,
    /// Set by `finish`: deliver what is due before this Unix ms, then end.
    finishing: Mutex<Option<i64>>,
}

impl Shared {
    fn finish_by(&self) -> Option<i64> {
        *self.finishing.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Runs the triggers in the background of the process that holds the store.
pub struct Dispatcher {
    /// Wakes the workers (they wait on the store's change feed).
    wake: Subscription,
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl Dispatcher {
    /// Starts one worker per trigger in `specs` (`None` when there are none).
    pub fn start(store: Store, specs: Vec<TriggerSpec>) -> Option<Dispatcher> {
        if specs.is_empty() {
            return None;
        }
        // A trigger seen for the first time starts at the newest record, decided now: before
        // the command or session that started us writes anything.
        for spec in &specs {
            let _ = start_at_newest(&store, &spec.name);
        }
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            finishing: Mutex::new(None),
        });
        let wake = Subscription::new(&store);
        let workers = specs
            .into_iter()
            .filter_map(|spec| {
                let (store, shared) = (store.clone(), shared.clone());
                std::thread::Builder::new()
                    .name(format!("trigger-{}", spec.name))
                    .spawn(move || run(&store, &spec, &shared))
                    .ok()
            })
            .collect();
        Some(Dispatcher {
            wake,
            shared,
            workers,
        })
    }

    /// Delivers what is due within `wait` (including retries whose backoff ends by then, and
    /// batches whose window has not closed), then stops. What is left, a run still going
    /// included, is delivered by the next process that holds the store.
    pub fn finish(mut self, wait: Duration) {
        *self
            .shared
            .finishing
            .lock()
            .unwrap_or_else(|p| p.into_inner()) =
            Some(crate::clock::now_ms().saturating_add(wait.as_millis() as i64));
        self.wake.wake_all();
        let deadline = Instant::now() + wait;
        while self.workers.iter().any(|w| !w.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.shared.stop.store(true, Ordering::SeqCst);
        for w in std::mem::take(&mut self.workers) {
            if w.is_finished() {
                let _ = w.join();
            }
        }
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if !self.workers.is_empty() {
            self.wake.wake_all();
        }
    }
}

/// One trigger's worker: a pass whenever the stream grew, a wait came due, or finishing began.
fn run(store: &Store, spec: &TriggerSpec, shared: &Shared) {
    // From seq 0: the first round looks at the trigger's checkpoint.
    let mut feed = Subscription::after(store, 0);
    let mut seen = None;
    let mut next: Option<i64> = None;
    let mut finished_round = false;
    let now_ms = crate::clock::now_ms;
    while !shared.stop.load(Ordering::SeqCst) {
        feed.poll();
        let last = Some(feed.seen());
        let due = next.is_some_and(|t| now_ms() >= t);
        let finish_by = shared.finish_by();
        if last != seen || due || (finish_by.is_some() && !finished_round) {
            seen = last;
            next = None;
            // A store error (the disk, a damaged record) is retried on the next round; the
            // trigger's state is unchanged, so nothing is skipped.
            match pass(store, spec, &shared.stop, finish_by.is_some()) {
                Ok(Paused::Until(t)) => next = Some(t),
                Ok(Paused::CaughtUp | Paused::Stopped) => {}
                Err(_) => seen = None,
            }
            finished_round = finish_by.is_some();
        }
        if finished_round && next.is_none_or(|t| finish_by.is_none_or(|by| t > by)) {
            // Finishing, and nothing is due before the deadline: leave now, not after a nap.
            return;
        }
        let nap = next
            .map(|t| Duration::from_millis((t - now_ms()).clamp(1, NAP.as_millis() as i64) as u64))
            .unwrap_or(NAP);
        feed.wait(nap);
    }
}
