//! How the triggers are doing ([`Health`], for `expense triggers` and the TUI's status line),
//! and what a person does about dead letters: deliver them again ([`retry_dead_letter`]) or
//! forget them ([`drop_dead_letters`]).

use super::deliver::deliver;
use super::worker::{state_lock, update};
use super::TriggerSpec;
use crate::store::{Store, StoreError};

/// A trigger this many seconds behind is reported as behind even when nothing failed (a
/// command that hangs until its timeout, or a batch window that never fills).
pub const BEHIND_SECS: i64 = 60;

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
    /// Now minus the time of the oldest record not yet done (after the checkpoint), in
    /// seconds: it keeps growing while a trigger is stuck on a record.
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
    /// status 1`, or `trigger notify 95 s behind (3 records)` for one that is stuck without
    /// failing.
    pub fn warning(&self) -> Option<String> {
        if self.attempts > 0 {
            Some(format!(
                "trigger {} failing ({} attempt{}): {}",
                self.name,
                self.attempts,
                if self.attempts == 1 { "" } else { "s" },
                self.last_error.as_deref().unwrap_or("?")
            ))
        } else if self.lag_records > 0 && self.lag_seconds >= BEHIND_SECS {
            Some(format!(
                "trigger {} {} s behind ({} record{})",
                self.name,
                self.lag_seconds,
                self.lag_records,
                if self.lag_records == 1 { "" } else { "s" }
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
    let now = crate::clock::now_ms();
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

/// Delivers dead letter `seq` of `spec` again, now (alone, in the trigger's shape); on success
/// it leaves the list. No lock is held while the command runs.
pub fn retry_dead_letter(store: &Store, spec: &TriggerSpec, seq: u64) -> Result<(), String> {
    let record = store
        .stream_since(seq.saturating_sub(1), 1)
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|r| r.seq == seq)
        .ok_or_else(|| format!("record {seq} is no longer in the stream"))?;
    deliver(spec, std::slice::from_ref(&record), 1, false)?;
    store
        .remove_dead_letter(&spec.name, seq)
        .map_err(|e| e.to_string())?;
    update(store, &spec.name, |st| st.delivered += 1)
        .map(|_| ())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trigger_stuck_without_failing_is_reported_behind() {
        let h = Health {
            name: "slow".into(),
            configured: true,
            checkpoint: Some(3),
            lag_records: 2,
            lag_seconds: BEHIND_SECS - 1,
            delivered: 3,
            failures: 0,
            redelivered: 0,
            attempts: 0,
            last_error: None,
            dead_letters: 0,
        };
        assert_eq!(h.warning(), None, "a moment behind is normal");
        let stuck = Health {
            lag_seconds: 95,
            ..h.clone()
        };
        assert_eq!(
            stuck.warning().as_deref(),
            Some("trigger slow 95 s behind (2 records)")
        );
        let failing = Health {
            attempts: 1,
            last_error: Some("exit status 1".into()),
            ..stuck
        };
        assert_eq!(
            failing.warning().as_deref(),
            Some("trigger slow failing (1 attempt): exit status 1"),
            "a failure says more than the lag"
        );
    }
}
