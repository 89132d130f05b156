//! One trigger's pass over the stream: gather the next batch of matching records after its
//! checkpoint, dead-letter those older than `max_record_age`, wait for `batch_window` to fill
//! the batch, hand it to the command, then move the checkpoint (success), schedule a retry, or
//! dead-letter the batch (its last attempt failed).
//!
//! Rule: the checkpoint moves only after the whole batch succeeded (or went to the dead
//! letters); a batch handed over is first marked `in_flight` (its last seq), so a process killed
//! during the run leaves the mark and the next holder delivers the batch again, flagged as a
//! redelivery and counted (at least once, never skipped). Trigger state is read and written in
//! short locked steps, never across a run of the command: a command that itself runs
//! `expense triggers` (or a slow trigger) holds nobody up.

use super::deliver::deliver;
use super::TriggerSpec;
use crate::store::{ChangeRecord, DeadLetter, Store, StoreError, TriggerState};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Records read per store call.
const PAGE: usize = 256;

/// Serializes every read-modify-write of trigger state in this process (the workers and
/// `expense triggers retry|drop` run for a caller on a session thread). Held for one store
/// write at a time, never while a command runs.
static STATE_LOCK: Mutex<()> = Mutex::new(());

pub(super) fn state_lock() -> std::sync::MutexGuard<'static, ()> {
    STATE_LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// Reads the state of `name` (default when it has none), applies `f`, saves it durably.
pub(super) fn update(
    store: &Store,
    name: &str,
    f: impl FnOnce(&mut TriggerState),
) -> Result<TriggerState, StoreError> {
    let _guard = state_lock();
    let mut st = store.trigger_state(name)?.unwrap_or_default();
    f(&mut st);
    store.set_trigger_state(name, &st)?;
    Ok(st)
}

/// Gives a trigger seen for the first time a checkpoint at the newest record (it gets what is
/// written after it was configured); true when it was new.
pub(super) fn start_at_newest(store: &Store, name: &str) -> Result<bool, StoreError> {
    let _guard = state_lock();
    if store.trigger_state(name)?.is_some() {
        return Ok(false);
    }
    let st = TriggerState {
        checkpoint: store.last_seq()?,
        ..TriggerState::default()
    };
    store.set_trigger_state(name, &st)?;
    Ok(true)
}

fn now_ms() -> i64 {
    crate::clock::now_ms()
}

/// Why a pass over one trigger stopped.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Paused {
    /// Everything up to the newest record is done.
    CaughtUp,
    /// Waiting until this Unix ms: a retry's backoff, or a batch window filling.
    Until(i64),
    /// The dispatcher is stopping.
    Stopped,
}

/// The next batch after `after`: matching records (at most `batch_size`), the seq up to which
/// everything was looked at, and whether the stream ended there.
struct Gathered {
    batch: Vec<ChangeRecord>,
    scanned_to: u64,
    at_end: bool,
}

fn gather(store: &Store, spec: &TriggerSpec, after: u64) -> Result<Gathered, StoreError> {
    let mut g = Gathered {
        batch: Vec::new(),
        scanned_to: after,
        at_end: false,
    };
    loop {
        let page = store.stream_since(g.scanned_to, PAGE)?;
        let full_page = page.len() == PAGE;
        for r in page {
            g.scanned_to = r.seq;
            if spec.matches(&r) {
                g.batch.push(r);
                if g.batch.len() == spec.batch_size {
                    return Ok(g);
                }
            }
        }
        if !full_page {
            g.at_end = true;
            return Ok(g);
        }
        if g.batch.is_empty() {
            // A long run of records the filter skips: save the progress first.
            return Ok(g);
        }
    }
}

/// Delivers `spec`'s due batches, in order, until it is caught up, waits (retry or window), or
/// `stop`. `finishing`: the holder is letting go, so a batch window is not waited for.
pub(super) fn pass(
    store: &Store,
    spec: &TriggerSpec,
    stop: &AtomicBool,
    finishing: bool,
) -> Result<Paused, StoreError> {
    let name = spec.name.as_str();
    if start_at_newest(store, name)? {
        return Ok(Paused::CaughtUp);
    }
    loop {
        if stop.load(Ordering::SeqCst) {
            return Ok(Paused::Stopped);
        }
        let st = store.trigger_state(name)?.unwrap_or_default();
        if st.attempts > 0 && now_ms() < st.next_attempt_ms {
            return Ok(Paused::Until(st.next_attempt_ms));
        }
        let g = gather(store, spec, st.checkpoint)?;
        if g.batch.is_empty() {
            if g.scanned_to > st.checkpoint {
                update(store, name, |s| {
                    s.checkpoint = s.checkpoint.max(g.scanned_to)
                })?;
            }
            if g.at_end {
                return Ok(Paused::CaughtUp);
            }
            continue;
        }
        let now = now_ms();
        // Records too old to be worth running go to the dead letters, oldest first (records
        // are in time order, so the old ones lead the batch).
        let old = g.batch.iter().take_while(|r| spec.too_old(r, now)).count();
        if old > 0 {
            expire(store, spec, &st, &g.batch[..old], now)?;
            continue;
        }
        let batch = g.batch;
        if batch.len() < spec.batch_size && g.at_end && !finishing && !spec.batch_window.is_zero() {
            let due = batch[0]
                .at
                .saturating_add(spec.batch_window.as_millis() as i64);
            if now < due {
                return Ok(Paused::Until(due));
            }
        }
        let (first, last) = (batch[0].seq, batch[batch.len() - 1].seq);
        // Records up to a batch still marked in flight were handed over by a process that died
        // before it heard the answer: this is (possibly) their second delivery.
        let again = st
            .in_flight
            .map_or(0, |f| batch.iter().filter(|r| r.seq <= f).count());
        update(store, name, |s| s.in_flight = Some(last))?;
        let result = deliver(spec, &batch, st.attempts + 1, again > 0);
        match result {
            Ok(()) => {
                update(store, name, |s| {
                    s.checkpoint = last;
                    s.in_flight = None;
                    s.attempts = 0;
                    s.last_error = None;
                    s.delivered += batch.len() as u64;
                    s.redelivered += again as u64;
                })?;
            }
            Err(why) => {
                let now = now_ms();
                let _guard = state_lock();
                let mut s = store.trigger_state(name)?.unwrap_or_default();
                s.in_flight = None;
                s.attempts += 1;
                s.failures += 1;
                s.last_failure_ms = now;
                s.last_error = Some(why.clone());
                if s.attempts >= spec.max_attempts {
                    let letters: Vec<DeadLetter> = batch
                        .iter()
                        .map(|r| DeadLetter {
                            seq: r.seq,
                            attempts: s.attempts,
                            error: if batch.len() == 1 {
                                why.clone()
                            } else {
                                format!("{why} (batch of records {first}..={last})")
                            },
                            at: now,
                        })
                        .collect();
                    s.checkpoint = last;
                    s.attempts = 0;
                    store.dead_letter(name, &s, &letters)?;
                } else {
                    let wait = spec.backoff_after(s.attempts);
                    s.next_attempt_ms = now.saturating_add(wait.as_millis() as i64);
                    store.set_trigger_state(name, &s)?;
                    return Ok(Paused::Until(s.next_attempt_ms));
                }
            }
        }
    }
}

/// Dead-letters `old` (a leading run of the batch after `st.checkpoint`) because they passed
/// `max_record_age`, and moves the checkpoint past them.
fn expire(
    store: &Store,
    spec: &TriggerSpec,
    st: &TriggerState,
    old: &[ChangeRecord],
    now: i64,
) -> Result<(), StoreError> {
    let age = spec.max_record_age.map_or(0, |a| a.as_secs());
    let failing = st
        .last_error
        .as_deref()
        .filter(|_| st.attempts > 0)
        .map(|e| format!("; it was failing: {e}"))
        .unwrap_or_default();
    let letters: Vec<DeadLetter> = old
        .iter()
        .map(|r| DeadLetter {
            seq: r.seq,
            attempts: st.attempts,
            error: format!(
                "older than max_record_age ({age} s) when it came up for delivery ({} s old): \
                 not run{failing}",
                now.saturating_sub(r.at) / 1000
            ),
            at: now,
        })
        .collect();
    let _guard = state_lock();
    let mut s = store.trigger_state(&spec.name)?.unwrap_or_default();
    s.checkpoint = old[old.len() - 1].seq;
    s.attempts = 0;
    s.in_flight = None;
    store.dead_letter(&spec.name, &s, &letters)
}
