//! Durable state of the user triggers (`[[trigger]]` in config, run by `crate::triggers`): per
//! trigger a checkpoint (the last stream seq it is done with) with its retry state and counters,
//! and its dead letters (records that failed every attempt). Not derived from items and not in
//! the change stream; every change is one flushed write on `triggers-1`.
//!
//! Delivery protocol (at least once): before a batch of records is handed to the command, the
//! state is saved with `in_flight = Some(last seq of the batch)`; after the command succeeded,
//! with `checkpoint = that seq` and `in_flight = None`. A process killed between the two finds
//! `in_flight` set at the next start and delivers the records up to it again, counted in
//! `redelivered` (the only way a record is delivered twice).

use super::error::{corrupt, StoreError};
use super::tables::TRIGGERS;
use super::Store;
use serde::{Deserialize, Serialize};

/// Where one trigger stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerState {
    /// Every record up to this seq is delivered, skipped by the filter, or dead-lettered.
    pub checkpoint: u64,
    /// Failed attempts at the record after the checkpoint.
    pub attempts: u32,
    /// Unix ms before which the next attempt waits (backoff).
    pub next_attempt_ms: i64,
    /// The last failure's message (`None` once a delivery succeeds).
    pub last_error: Option<String>,
    /// Unix ms of the last failure.
    pub last_failure_ms: i64,
    /// The last record of the batch handed to the command and not yet confirmed.
    pub in_flight: Option<u64>,
    /// Records delivered successfully.
    pub delivered: u64,
    /// Failed attempts, all time.
    pub failures: u64,
    /// Records delivered again after a crash left them in flight (each record of a batch
    /// counts).
    pub redelivered: u64,
}

/// A record that failed every attempt of a trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The record's seq.
    pub seq: u64,
    /// Attempts made.
    pub attempts: u32,
    /// The last attempt's failure.
    pub error: String,
    /// Unix ms when it was dead-lettered.
    pub at: i64,
}

const STATE: u8 = b's';
const DEAD: u8 = b'd';

fn state_key(name: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + name.len());
    k.push(STATE);
    k.extend_from_slice(name.as_bytes());
    k
}

fn dead_prefix(name: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(2 + name.len() + 8);
    k.push(DEAD);
    k.extend_from_slice(name.as_bytes());
    k.push(0);
    k
}

fn dead_key(name: &str, seq: u64) -> Vec<u8> {
    let mut k = dead_prefix(name);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

fn decode<T: for<'de> Deserialize<'de>>(key: &[u8], v: &[u8]) -> Result<T, StoreError> {
    postcard::from_bytes(v).map_err(|e| corrupt(TRIGGERS, key, e.to_string()))
}

fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>, StoreError> {
    postcard::to_stdvec(v)
        .map_err(|e| StoreError::Sled(format!("cannot encode trigger state: {e}")))
}

impl Store {
    /// The state of trigger `name` (`None`: never run).
    pub fn trigger_state(&self, name: &str) -> Result<Option<TriggerState>, StoreError> {
        let key = state_key(name);
        match self.trees.triggers.get(&key)? {
            Some(v) => decode(&key, &v).map(Some),
            None => Ok(None),
        }
    }

    /// Every trigger that has state, by name.
    pub fn trigger_states(&self) -> Result<Vec<(String, TriggerState)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.trees.triggers.scan_prefix([STATE]) {
            let (k, v) = kv?;
            let name = std::str::from_utf8(&k[1..])
                .map_err(|_| corrupt(TRIGGERS, &k, "name is not UTF-8"))?;
            out.push((name.to_string(), decode(&k, &v)?));
        }
        Ok(out)
    }

    /// Saves the state of trigger `name`, durably.
    pub fn set_trigger_state(&self, name: &str, state: &TriggerState) -> Result<(), StoreError> {
        let tree = &self.trees.triggers;
        tree.insert(state_key(name), encode(state)?)?;
        tree.flush()?;
        Ok(())
    }

    /// Saves `state` and adds `letters` to the dead letters of `name`, in one durable write.
    pub fn dead_letter(
        &self,
        name: &str,
        state: &TriggerState,
        letters: &[DeadLetter],
    ) -> Result<(), StoreError> {
        let tree = &self.trees.triggers;
        let mut batch = sled::Batch::default();
        batch.insert(state_key(name), encode(state)?);
        for letter in letters {
            batch.insert(dead_key(name, letter.seq), encode(letter)?);
        }
        tree.apply_batch(batch)?;
        tree.flush()?;
        Ok(())
    }

    /// The dead letters of `name`, oldest record first.
    pub fn dead_letters(&self, name: &str) -> Result<Vec<DeadLetter>, StoreError> {
        let mut out = Vec::new();
        for kv in self.trees.triggers.scan_prefix(dead_prefix(name)) {
            let (k, v) = kv?;
            out.push(decode(&k, &v)?);
        }
        Ok(out)
    }

    /// Removes the dead letter of `name` for record `seq`; false when there was none.
    pub fn remove_dead_letter(&self, name: &str, seq: u64) -> Result<bool, StoreError> {
        let tree = &self.trees.triggers;
        let had = tree.remove(dead_key(name, seq))?.is_some();
        tree.flush()?;
        Ok(had)
    }

    /// Forgets trigger `name`: its state and dead letters. Returns how many dead letters went.
    pub fn forget_trigger(&self, name: &str) -> Result<usize, StoreError> {
        let tree = &self.trees.triggers;
        let mut batch = sled::Batch::default();
        batch.remove(state_key(name));
        let mut n = 0;
        for kv in tree.scan_prefix(dead_prefix(name)) {
            let (k, _) = kv?;
            batch.remove(k);
            n += 1;
        }
        tree.apply_batch(batch)?;
        tree.flush()?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_and_dead_letters_round_trip_per_trigger() {
        let store = Store::open_temporary().unwrap();
        assert_eq!(store.trigger_state("a").unwrap(), None);
        let st = TriggerState {
            checkpoint: 7,
            attempts: 2,
            last_error: Some("exit status 1".into()),
            ..Default::default()
        };
        store.set_trigger_state("a", &st).unwrap();
        // A name that is a prefix of another does not see the other's letters.
        for (name, seq) in [("a", 3), ("a", 9), ("ab", 4)] {
            let letter = DeadLetter {
                seq,
                attempts: 5,
                error: "boom".into(),
                at: 1,
            };
            store.dead_letter(name, &st, &[letter]).unwrap();
        }
        assert_eq!(store.trigger_state("a").unwrap(), Some(st.clone()));
        let seqs: Vec<u64> = store
            .dead_letters("a")
            .unwrap()
            .iter()
            .map(|d| d.seq)
            .collect();
        assert_eq!(seqs, vec![3, 9]);
        assert!(store.remove_dead_letter("a", 3).unwrap());
        assert!(!store.remove_dead_letter("a", 3).unwrap());
        assert_eq!(store.trigger_states().unwrap().len(), 2);
        assert_eq!(store.forget_trigger("ab").unwrap(), 1);
        assert_eq!(store.dead_letters("ab").unwrap(), vec![]);
        assert_eq!(store.trigger_states().unwrap().len(), 1);
    }
}
