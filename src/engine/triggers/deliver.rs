//! Delivery: running a trigger's command for one record, the checkpointed pass over the stream,
//! the [`Dispatcher`] thread of the process that holds the store, and [`Health`] for
//! `expense triggers` and the TUI's status line.

use super::TriggerSpec;
use crate::engine::feed::Subscription;
use crate::store::{ChangeRecord, DeadLetter, Store, StoreError, TriggerState};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Records read per store call.
const PAGE: usize = 256;
/// The longest nap of the dispatcher: a commit, a retry's time or `finish` wakes it sooner.
const NAP: Duration = Duration::from_secs(1);
/// Bytes of a failing command's stderr kept in its error message.
const STDERR_TAIL: usize = 300;

/// Serializes every read-modify-write of trigger state in this process (the dispatcher thread
/// and `expense triggers retry|drop` run for a caller on a session thread).
static STATE_LOCK: Mutex<()> = Mutex::new(());

fn state_lock() -> std::sync::MutexGuard<'static, ()> {
    STATE_LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

fn now_ms() -> i64 {
    crate::clock::now_ms()
}

/// Runs `spec`'s command with `record` as JSON on stdin. `Err` says why it failed (exit status
/// and the tail of its stderr, a timeout, or a failure to start).
pub fn deliver(
    spec: &TriggerSpec,
    record: &ChangeRecord,
    attempt: u32,
    redelivery: bool,
) -> Result<(), String> {
    let mut json = crate::engine::stream_format::trigger_record(spec, record)
        .map_err(|e| format!("cannot encode record {}: {e}", record.seq))?;
    json.push(b'\n');
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(&spec.command)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env("EXPENSE_TRIGGER", &spec.name)
        .env("EXPENSE_SEQ", record.seq.to_string())
        .env("EXPENSE_ATTEMPT", attempt.to_string())
        .env("EXPENSE_REDELIVERY", if redelivery { "1" } else { "0" })
        .spawn()
        .map_err(|e| format!("cannot start sh: {e}"))?;
    // Separate threads, so a command that reads nothing or writes a lot cannot block us.
    let writer = child.stdin.take().map(|mut stdin| {
        std::thread::spawn(move || {
            // A command that exits without reading its input is its own business.
            let _ = stdin.write_all(&json);
        })
    });
    let reader = child.stderr.take().map(|mut stderr| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stderr.read_to_end(&mut buf);
            buf
        })
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if started.elapsed() >= spec.timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!(
                    "timed out after {} s and was killed",
                    spec.timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => break Err(format!("waiting for the command: {e}")),
        }
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    let stderr = reader.and_then(|r| r.join().ok()).unwrap_or_default();
    let status = status?;
    if status.success() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&stderr);
    let text = text.trim();
    let tail: String = {
        let start = text
            .char_indices()
            .rev()
            .nth(STDERR_TAIL)
            .map_or(0, |(i, _)| i);
        crate::domain::text::inert(&text[start..]).replace('\n', " ")
    };
    let how = match status.code() {
        Some(code) => format!("exit status {code}"),
        None => "killed by a signal".to_string(),
    };
    Err(if tail.is_empty() {
        how
    } else {
        format!("{how}: {tail}")
    })
}

/// Why a pass over one trigger stopped.
#[derive(Debug, PartialEq, Eq)]
enum Paused {
    /// Everything up to the newest record is done.
    CaughtUp,
    /// A failed record waits for its retry at this Unix ms.
    Backoff(i64),
    /// The dispatcher is stopping.
    Stopped,
}

/// Delivers `spec`'s due records, in order, until it is caught up, waits for a retry, or `stop`.
fn pass(store: &Store, spec: &TriggerSpec, stop: &AtomicBool) -> Result<Paused, StoreError> {
    let _guard = state_lock();
    let name = spec.name.as_str();
    let mut st = match store.trigger_state(name)? {
        Some(st) => st,
        None => {
            // New trigger: it starts at the newest record.
            let st = TriggerState {
                checkpoint: store.last_seq()?,
                ..TriggerState::default()
            };
            store.set_trigger_state(name, &st)?;
            return Ok(Paused::CaughtUp);
        }
    };
    loop {
        if st.attempts > 0 && now_ms() < st.next_attempt_ms {
            return Ok(Paused::Backoff(st.next_attempt_ms));
        }
        let records = store.stream_since(st.checkpoint, PAGE)?;
        if records.is_empty() {
            return Ok(Paused::CaughtUp);
        }
        let mut skipped = false;
        for r in &records {
            if stop.load(Ordering::SeqCst) {
                if skipped {
                    store.set_trigger_state(name, &st)?;
                }
                return Ok(Paused::Stopped);
            }
            if !spec.matches(r) {
                st.checkpoint = r.seq;
                skipped = true;
                continue;
            }
            // A record still marked in flight was handed over by a process that died before
            // it heard the answer: this is a (possible) second delivery.
            let redelivery = st.in_flight == Some(r.seq);
            st.in_flight = Some(r.seq);
            store.set_trigger_state(name, &st)?;
            skipped = false;
            let result = deliver(spec, r, st.attempts + 1, redelivery);
            st.in_flight = None;
            match result {
                Ok(()) => {
                    st.checkpoint = r.seq;
                    st.attempts = 0;
                    st.last_error = None;
                    st.delivered += 1;
                    if redelivery {
                        st.redelivered += 1;
                    }
                    store.set_trigger_state(name, &st)?;
                }
                Err(why) => {
                    let now = now_ms();
                    st.attempts += 1;
                    st.failures += 1;
                    st.last_failure_ms = now;
                    st.last_error = Some(why.clone());
                    if st.attempts >= spec.max_attempts {
                        let letter = DeadLetter {
                            seq: r.seq,
                            attempts: st.attempts,
                            error: why,
                            at: now,
                        };
                        st.checkpoint = r.seq;
                        st.attempts = 0;
                        store.dead_letter(name, &st, &letter)?;
                    } else {
                        let wait = spec.backoff_after(st.attempts);
                        st.next_attempt_ms = now.saturating_add(wait.as_millis() as i64);
                        store.set_trigger_state(name, &st)?;
                        return Ok(Paused::Backoff(st.next_attempt_ms));
                    }
                }
            }
        }
        if skipped {
            store.set_trigger_state(name, &st)?;
        }
    }
}

/// Runs the triggers in the background of the process that holds the store.
pub struct Dispatcher {
    /// Wakes the thread (it waits on the store's change feed).
    wake: Subscription,
    stop: Arc<AtomicBool>,
    /// Set by `finish`: deliver what is due before this Unix ms, then end.
    finishing: Arc<Mutex<Option<i64>>>,
    thread: Option<JoinHandle<()>>,
}

impl Dispatcher {
    /// Starts delivering for `specs` (`None` when there are none).
    pub fn start(store: Store, specs: Vec<TriggerSpec>) -> Option<Dispatcher> {
        if specs.is_empty() {
            return None;
        }
        // A trigger seen for the first time starts at the newest record, decided now: before
        // the command or session that started us writes anything.
        {
            let _guard = state_lock();
            for spec in &specs {
                if let (Ok(None), Ok(last)) = (store.trigger_state(&spec.name), store.last_seq()) {
                    let st = TriggerState {
                        checkpoint: last,
                        ..TriggerState::default()
                    };
                    let _ = store.set_trigger_state(&spec.name, &st);
                }
            }
        }
        let stop = Arc::new(AtomicBool::new(false));
        let finishing = Arc::new(Mutex::new(None));
        let wake = Subscription::new(&store);
        let thread = {
            let (stop, finishing) = (stop.clone(), finishing.clone());
            std::thread::Builder::new()
                .name("triggers".into())
                .spawn(move || run(&store, &specs, &stop, &finishing))
                .ok()?
        };
        Some(Dispatcher {
            wake,
            stop,
            finishing,
            thread: Some(thread),
        })
    }

    /// Delivers what is due within `wait` (including retries whose backoff ends by then), then
    /// stops. What is left is delivered by the next process that holds the store.
    pub fn finish(mut self, wait: Duration) {
        *self.finishing.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(now_ms().saturating_add(wait.as_millis() as i64));
        if let Some(t) = self.thread.take() {
            self.wake.wake_all();
            let deadline = Instant::now() + wait;
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            self.stop.store(true, Ordering::SeqCst);
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if self.thread.is_some() {
            self.wake.wake_all();
        }
    }
}

fn run(store: &Store, specs: &[TriggerSpec], stop: &AtomicBool, finishing: &Mutex<Option<i64>>) {
    // From seq 0: the first round looks at every trigger's checkpoint.
    let mut feed = Subscription::after(store, 0);
    let mut seen = None;
    let mut next_retry: Option<i64> = None;
    let mut finished_round = false;
    while !stop.load(Ordering::SeqCst) {
        feed.poll();
        let last = Some(feed.seen());
        let retry_due = next_retry.is_some_and(|t| now_ms() >= t);
        let finish_by = *finishing.lock().unwrap_or_else(|p| p.into_inner());
        if finish_by.is_some() && finished_round && !retry_due {
            // Only a retry due before the deadline is worth staying for.
            match next_retry {
                Some(t) if finish_by.is_some_and(|by| t <= by) => {}
                _ => return,
            }
        }
        if last != seen || retry_due || (finish_by.is_some() && !finished_round) {
            seen = last;
            next_retry = None;
            for spec in specs {
                // A store error (the disk, a damaged record) is retried on the next round; the
                // trigger's state is unchanged, so nothing is skipped.
                match pass(store, spec, stop) {
                    Ok(Paused::Backoff(t)) => {
                        next_retry = Some(next_retry.map_or(t, |n: i64| n.min(t)));
                    }
                    Ok(_) => {}
                    Err(_) => seen = None,
                }
            }
            finished_round = finish_by.is_some();
        }
        if finished_round && next_retry.is_none_or(|t| finish_by.is_none_or(|by| t > by)) {
            // Finishing, and no retry is due before the deadline: leave now, not after a nap.
            return;
        }
        let nap = next_retry
            .map(|t| Duration::from_millis((t - now_ms()).clamp(1, NAP.as_millis() as i64) as u64))
            .unwrap_or(NAP);
        feed.wait(nap);
    }
}

/// How one trigger is doing, for `expense triggers` and the TUI's status line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Health {
    /// The trigger's name.
    pub name: String,
    /// In the config of the process asking (a trigger removed from config keeps its state and
    /// dead letters until `expense triggers drop NAME --all`).
    pub configured: bool,
    /// The last seq it is done with (`None`: not started yet).
    pub checkpoint: Option<u64>,
    /// Records after the checkpoint.
    pub lag_records: u64,
    /// Age of the oldest record after the checkpoint, in seconds.
    pub lag_seconds: i64,
    /// Records delivered.
    pub delivered: u64,
    /// Failed attempts, all time.
    pub failures: u64,
    /// Records delivered again after a crash.
    pub redelivered: u64,
    /// Failed attempts at the current record.
    pub attempts: u32,
    /// The last failure, while the current record keeps failing.
    pub last_error: Option<String>,
    /// Dead letters waiting for `retry` or `drop`.
    pub dead_letters: usize,
}

impl Health {
    /// True when the trigger needs a person: its current record is failing or it has dead
    /// letters.
    pub fn is_failing(&self) -> bool {
        self.attempts > 0 || self.dead_letters > 0
    }

    /// A one-line warning for the status line, e.g. `trigger notify failing (2 attempts): exit
    /// status 1`.
    pub fn warning(&self) -> Option<String> {
        if self.attempts > 0 {
            Some(format!(
                "trigger {} failing ({} attempt{}): {}",
                self.name,
                self.attempts,
                if self.attempts == 1 { "" } else { "s" },
                self.last_error.as_deref().unwrap_or("?")
            ))
        } else if self.dead_letters > 0 {
            Some(format!(
                "trigger {}: {} dead letter{} (expense triggers)",
                self.name,
                self.dead_letters,
                if self.dead_letters == 1 { "" } else { "s" }
            ))
        } else {
            None
        }
    }
}

/// The health of every trigger in `specs` and of every trigger with state in the store.
pub fn health(store: &Store, specs: &[TriggerSpec]) -> Result<Vec<Health>, StoreError> {
    let last = store.last_seq()?;
    let now = now_ms();
    let mut states = store.trigger_states()?;
    let mut names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
    for (name, _) in &states {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    let mut out = Vec::new();
    for name in names {
        let st = states
            .iter()
            .position(|(n, _)| *n == name)
            .map(|i| states.swap_remove(i).1);
        let checkpoint = st.as_ref().map(|s| s.checkpoint);
        let lag_records = checkpoint.map_or(0, |c| last.saturating_sub(c));
        let lag_seconds = match checkpoint {
            Some(c) if lag_records > 0 => store
                .stream_since(c, 1)?
                .first()
                .map_or(0, |r| (now - r.at).max(0) / 1000),
            _ => 0,
        };
        let st = st.unwrap_or_default();
        out.push(Health {
            configured: specs.iter().any(|s| s.name == name),
            dead_letters: store.dead_letters(&name)?.len(),
            name,
            checkpoint,
            lag_records,
            lag_seconds,
            delivered: st.delivered,
            failures: st.failures,
            redelivered: st.redelivered,
            attempts: st.attempts,
            last_error: if st.attempts > 0 { st.last_error } else { None },
        });
    }
    Ok(out)
}

/// Delivers dead letter `seq` of `spec` again, now; on success it leaves the list.
pub fn retry_dead_letter(store: &Store, spec: &TriggerSpec, seq: u64) -> Result<(), String> {
    let _guard = state_lock();
    let record = store
        .stream_since(seq.saturating_sub(1), 1)
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|r| r.seq == seq)
        .ok_or_else(|| format!("record {seq} is no longer in the stream"))?;
    deliver(spec, &record, 1, false)?;
    store
        .remove_dead_letter(&spec.name, seq)
        .map_err(|e| e.to_string())?;
    let mut st = store
        .trigger_state(&spec.name)
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    st.delivered += 1;
    store
        .set_trigger_state(&spec.name, &st)
        .map_err(|e| e.to_string())
}

/// Removes dead letters of `name` (`seqs` empty: all). Returns how many went.
pub fn drop_dead_letters(store: &Store, name: &str, seqs: &[u64]) -> Result<usize, StoreError> {
    let _guard = state_lock();
    let mut n = 0;
    if seqs.is_empty() {
        for d in store.dead_letters(name)? {
            n += usize::from(store.remove_dead_letter(name, d.seq)?);
        }
    } else {
        for &s in seqs {
            n += usize::from(store.remove_dead_letter(name, s)?);
        }
    }
    Ok(n)
}
