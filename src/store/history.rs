//! Reading the change stream as history, and undo/redo as steps over the whole store. Rule:
//! history is never rewritten; an undo or redo is a new record (origin `undo` / `redo`), and
//! every read here touches a window of the stream, never all of it.
//!
//! Which change `undo` reverses: the latest standing one ([`Store::undo_step`]): walking back,
//! each undo record cancels the latest earlier change of its expense (see
//! `Store::latest_standing`); redo records are ordinary changes in that walk, so a redo can be
//! undone again. A change that belongs to a batch (an import, or a batch undo/redo of one) is
//! reversed with its whole batch.
//!
//! Which undo `redo` makes again ([`Store::redo_step`]), the usual editor rule read off the
//! stream: walking back from the newest record, step by step (a batch is one step), a redo
//! record counts +1, an undo record with a count above zero was redone (-1), and the first undo
//! at zero is the one to redo. A change a person made (origin user, import or demo) ends the
//! walk with nothing to redo: a new change after undos clears the redo chain. Records written
//! by the machine (ttl, replica, a schedule's posting pass) are stepped over; if they touched
//! the same item, the redo finds it changed and leaves it (one record) or reports the conflict.
//!
//! Known limit: undoing an import forgets its rows' hashes (so the file can be imported again);
//! a redo brings the items back but not the hashes, which are not in the stream.

use super::codec::Code;
use super::codec::{self, StoredRecord};
use super::error::corrupt;
use super::fold::Span;
use super::keys::{self, seq_key};
use super::stream::{legacy_trash, read_record, to_change_record, Before, Legacy};
use super::tables::{ITEMS, SCHEDULES, STREAM};
use super::{ChangeRecord, Origin, Store, StoreError};
use crate::domain::change::{Folded, Undone};
use crate::domain::ExpenseId;
use std::collections::{HashMap, HashSet};

/// Changes `Store::undo_step_skipping` passes over at most before it gives up.
const SKIP_MAX: usize = 1_000;

/// Records of one expense read by [`Store::item_history`] at most (its chain is walked whole to
/// count it; a person's expense changes a handful of times).
pub const ITEM_HISTORY_CAP: usize = 10_000;

/// A window of the whole stream, newest first, in history entries: a record, or a run of
/// records shown as one line (a category rename, see `store/fold.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryWindow {
    /// The newest seq when read (the stream holds records `first..=newest`).
    pub newest: u64,
    /// The first kept seq (1 unless `[stream] keep_days` trimmed older records).
    pub first: u64,
    /// Entries in the whole history (records, with each fold counted once).
    pub total: u64,
    /// The entries' records, newest first, old images resolved (a fold's last record).
    pub records: Vec<ChangeRecord>,
    /// Beside each of `records`: the run it stands for, when it is a fold.
    pub folds: Vec<Option<Folded>>,
}

/// A window of one expense's records, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemHistory {
    /// How many records the expense has (at most `ITEM_HISTORY_CAP`).
    pub total: usize,
    /// The records asked for, newest first, old images resolved.
    pub records: Vec<ChangeRecord>,
}

impl Store {
    /// The entries at positions `skip .. skip + take` counted from the newest (position 0 is
    /// the newest), newest first: a record is one entry, and so is a fold (a rename's batch).
    /// One range scan of seq keys per run of plain records, a point read per fold's last record
    /// and per old image outside the window, and a scan of the folds (one per rename).
    pub fn history_window(&self, skip: usize, take: usize) -> Result<HistoryWindow, StoreError> {
        let newest = self.last_seq()?;
        let first = self.trees.stream_start()?;
        let skip = u64::try_from(skip).unwrap_or(u64::MAX);
        let take = u64::try_from(take).unwrap_or(u64::MAX);
        let all = super::fold::clamp(self.folds()?, first, newest);
        let (spans, total) = super::fold::locate(newest, first, &all, skip, take);
        let mut rows: Vec<(u64, StoredRecord)> = Vec::new();
        let mut folds = Vec::new();
        for span in spans {
            match span {
                Span::Plain { hi, lo } => {
                    for kv in self.trees.stream.range(seq_key(lo)..=seq_key(hi)).rev() {
                        let (k, v) = kv?;
                        let seq =
                            keys::decode_seq(&k).ok_or_else(|| corrupt(STREAM, &k, "not a seq"))?;
                        rows.push((seq, codec::decode_record(STREAM, &k, &v)?));
                        folds.push(None);
                    }
                }
                Span::Fold(i) => {
                    let f = &all[i];
                    let rec = read_record(&self.trees.stream, f.last)?.ok_or_else(|| {
                        corrupt(
                            STREAM,
                            &seq_key(f.last),
                            "record of a history fold is missing",
                        )
                    })?;
                    rows.push((f.last, rec));
                    folds.push(Some(Folded {
                        first: f.first,
                        records: f.last - f.first + 1,
                        text: f.note.line(),
                    }));
                }
            }
        }
        // Images written inside the window need no second read.
        let seen: HashMap<u64, Before> = rows
            .iter()
            .filter(|(_, r)| r.new.is_some())
            .map(|(s, r)| (*s, Before::live(r.new.clone())))
            .collect();
        let legacy = legacy_trash(&self.trees)?;
        let mut records = Vec::with_capacity(rows.len());
        for (seq, rec) in &rows {
            let before = self.before(rec, &seen, &legacy)?;
            records.push(to_change_record(*seq, rec, &before, &legacy)?);
        }
        Ok(HistoryWindow {
            newest,
            first,
            total,
            records,
            folds,
        })
    }

    /// The records of expense (or schedule) `id`, newest first, positions `skip .. skip + take`:
    /// its chain is walked through `prev_seq` from its newest record (the item's `last_seq`; for
    /// a deleted one, found by a backward scan of record heads) down to the first kept record. Empty
    /// when the id never existed (or only before the trimmed part of the stream).
    pub fn item_history(
        &self,
        id: ExpenseId,
        skip: usize,
        take: usize,
    ) -> Result<ItemHistory, StoreError> {
        let key = keys::id_key(id);
        // A schedule's newest record is named by its `schedules-1` entry, an expense's by its
        // `items` entry; a removed one's is found in the stream.
        let start = if super::schedule::is_schedule_id(id.0) {
            match self.trees.schedules.get(key)? {
                Some(v) => Some(codec::decode_item(SCHEDULES, &key, &v)?.last_seq),
                None => None,
            }
        } else {
            match self.trees.items.get(key)? {
                // A pointer names the newest record itself (`store/pointer.rs`).
                Some(v) => Some(match super::pointer::pointer_seq(&key, &v)? {
                    Some(seq) => seq,
                    None => codec::decode_item(ITEMS, &key, &v)?.last_seq,
                }),
                None => None,
            }
        };
        let start = match start {
            Some(s) => Some(s),
            None => self.last_record_of(id)?,
        };
        let first = self.trees.stream_start()?;
        let mut chain: Vec<(u64, StoredRecord)> = Vec::new();
        let mut next = start.filter(|s| *s >= first);
        while let Some(seq) = next.filter(|s| *s >= first) {
            if chain.len() >= ITEM_HISTORY_CAP {
                break;
            }
            let rec = read_record(&self.trees.stream, seq)?.ok_or_else(|| {
                corrupt(STREAM, &seq_key(seq), "record named by prev_seq is missing")
            })?;
            next = rec.prev_seq;
            chain.push((seq, rec));
        }
        let total = chain.len();
        let seen: HashMap<u64, Before> = chain
            .iter()
            .filter(|(_, r)| r.new.is_some())
            .map(|(s, r)| (*s, Before::live(r.new.clone())))
            .collect();
        let legacy = legacy_trash(&self.trees)?;
        let mut records = Vec::new();
        for (seq, rec) in chain.iter().skip(skip).take(take) {
            let before = self.before(rec, &seen, &legacy)?;
            records.push(to_change_record(*seq, rec, &before, &legacy)?);
        }
        Ok(ItemHistory { total, records })
    }

    /// Undoes the latest standing change, from any session; a change of a batch (an import, or
    /// a redo of one) with its whole batch. `None` when nothing is left to undo. A single change
    /// whose expense was changed since fails with `StoreError::Conflict` and writes nothing.
    pub fn undo_step(&self, now_ms: i64) -> Result<Option<Undone>, StoreError> {
        let Some(seq) = self.latest_standing()? else {
            return Ok(None);
        };
        self.undo_at(seq, now_ms).map_err(|e| self.blocked(seq, e))
    }

    /// Undoes the latest standing change that can be undone, leaving the newer ones that
    /// cannot (something newer changed their expense) as they are: `u` pressed again after
    /// undo said it could not, `expense undo --skip`. Returns the step and the changes left
    /// (their history lines). One rule with [`Store::undo_step`]: the same walk, passing over.
    pub fn undo_step_skipping(
        &self,
        now_ms: i64,
    ) -> Result<(Option<Undone>, Vec<String>), StoreError> {
        let mut skip = HashSet::new();
        let mut left = Vec::new();
        loop {
            let Some(seq) = self.latest_standing_but(&skip)? else {
                return Ok((None, left));
            };
            match self.undo_at(seq, now_ms) {
                Ok(step) => return Ok((step, left)),
                Err(StoreError::Conflict { .. } | StoreError::Purged(_))
                    if skip.len() < SKIP_MAX =>
                {
                    left.push(self.change_text(seq)?);
                    skip.insert(seq);
                }
                Err(e) => return Err(self.blocked(seq, e)),
            }
        }
    }

    /// The history line of record `seq` (`edit 13.00 EUR food @Lidl (amount ...)`).
    fn change_text(&self, seq: u64) -> Result<String, StoreError> {
        let rec = self.stream_since(seq.saturating_sub(1), 1)?;
        Ok(rec.first().map(|r| r.summary()).unwrap_or_default())
    }

    /// An undo of `seq` that met a newer change, in words a person knows: what the change was,
    /// what changed the expense since and when, and the way on.
    fn blocked(&self, seq: u64, e: StoreError) -> StoreError {
        let StoreError::Conflict { id, .. } = e else {
            return e;
        };
        let what = self.change_text(seq).unwrap_or_default();
        let newest = self
            .item_history(id, 0, 1)
            .ok()
            .and_then(|h| h.records.into_iter().next());
        let by = match newest {
            Some(r) if r.seq != seq => format!(
                "change {} ({}, {}) at {}",
                r.seq,
                r.summary(),
                r.origin.name(),
                crate::clock::local_time(r.at)
            ),
            _ => "a newer change".into(),
        };
        StoreError::UndoBlocked { what, by }
    }

    /// Undoes standing change `seq` (with its whole batch, if it belongs to one).
    fn undo_at(&self, seq: u64, now_ms: i64) -> Result<Option<Undone>, StoreError> {
        let rec = read_record(&self.trees.stream, seq)?
            .ok_or_else(|| corrupt(STREAM, &seq_key(seq), "record vanished"))?;
        match rec.batch {
            Some(b) if rec.origin == Origin::Import.code() => {
                self.undo_batch(b, now_ms).map(|u| Some(Undone::Batch(u)))
            }
            Some(b) => self
                .reverse_batch(b, Origin::Undo, now_ms)
                .map(|u| Some(Undone::Batch(u))),
            None => self
                .undo(seq, now_ms)
                .map(|r| Some(Undone::One(Box::new(r)))),
        }
    }

    /// Makes the most recent undo that is not redone yet and not cleared by a newer change
    /// again, as new records with origin `Redo` (see the module doc for the rule). `None` when
    /// there is nothing to redo. Conflicts as [`Store::undo_step`].
    pub fn redo_step(&self, now_ms: i64) -> Result<Option<Undone>, StoreError> {
        let Some((seq, batch)) = self.redo_target()? else {
            return Ok(None);
        };
        match batch {
            Some(b) => self
                .reverse_batch(b, Origin::Redo, now_ms)
                .map(|u| Some(Undone::Batch(u))),
            None => self
                .reverse(seq, Origin::Redo, now_ms)
                .map(|r| Some(Undone::One(Box::new(r)))),
        }
    }

    /// The undo record (seq, batch) [`Store::redo_step`] reverses.
    fn redo_target(&self) -> Result<Option<(u64, Option<u64>)>, StoreError> {
        let mut redone = 0u64;
        let mut seen: HashSet<u64> = HashSet::new();
        for kv in self.trees.stream.iter().rev() {
            let (k, v) = kv?;
            let head = codec::decode_record_head(STREAM, &k, &v)?;
            let origin = Origin::from_code(head.origin)
                .ok_or_else(|| corrupt(STREAM, &k, format!("bad origin {}", head.origin)))?;
            let (undo, redo) = (origin == Origin::Undo, origin == Origin::Redo);
            if !(undo || redo) {
                match origin {
                    // Not a person's change, so it does not clear what they may redo. A
                    // posting pass (origin `schedule`) after the undo of a posting steps the
                    // schedule past the occurrences in the trash; redoing brings them back
                    // (their ids are the exactly-once key, so nothing is posted twice).
                    Origin::Ttl | Origin::Replica | Origin::Migration | Origin::Schedule => {
                        continue
                    }
                    _ => return Ok(None),
                }
            }
            let batch = codec::decode_record(STREAM, &k, &v)?.batch;
            if let Some(b) = batch {
                if !seen.insert(b) {
                    continue; // the rest of a step already counted
                }
            }
            if redo {
                redone += 1;
            } else if redone > 0 {
                redone -= 1;
            } else {
                // The rollback of an interrupted import: redoing it would store part of one.
                if let Some(b) = batch {
                    if self.is_import_rollback(b)? {
                        return Ok(None);
                    }
                }
                let seq = keys::decode_seq(&k).ok_or_else(|| corrupt(STREAM, &k, "not a seq"))?;
                return Ok(Some((seq, batch)));
            }
        }
        Ok(None)
    }

    /// The item before `rec`, resolved as `expense stream` does (`stream::before_at`: a
    /// removal looks through to the image it removed, with the trash mark of a move to the
    /// trash; a trimmed previous record comes from the base).
    pub(super) fn before(
        &self,
        rec: &codec::StoredRecord,
        seen: &HashMap<u64, Before>,
        legacy: &Legacy,
    ) -> Result<Before, StoreError> {
        let start = self.trees.stream_start()?;
        super::stream::before_at(&self.trees, start, rec.id, rec.prev_seq, seen, legacy)
    }

    /// The newest record of `id`, by a backward scan of record heads (for deleted expenses).
    fn last_record_of(&self, id: ExpenseId) -> Result<Option<u64>, StoreError> {
        for kv in self.trees.stream.iter().rev() {
            let (k, v) = kv?;
            if codec::decode_record_head(STREAM, &k, &v)?.id == id.0 {
                return Ok(keys::decode_seq(&k));
            }
        }
        Ok(None)
    }
}

/// Which change `u` takes back: the walk back through the stream.
impl Store {
    /// Reverses the latest change that is not already undone, from any session: walking back
    /// through the stream, each undo record cancels the latest earlier change of the same
    /// expense (undo only ever reverses an item's most recent standing change). `None` when there
    /// is nothing left to undo.
    pub fn undo_latest(&self, now_ms: i64) -> Result<Option<ChangeRecord>, StoreError> {
        match self.latest_standing()? {
            Some(seq) => self.undo(seq, now_ms).map(Some),
            None => Ok(None),
        }
    }

    /// True when the sync's record `seq` replaced a change made here: a conflict (its seq is
    /// in `conflicts`, [`Store::conflict_seqs`]), or the move into the trash that a sync writes
    /// right after the conflicting image when the peer's version is in its trash
    /// (`store/sync/apply.rs`, `trash_again`).
    fn replaced_own(seq: u64, head: &codec::RecordHead, conflicts: &HashSet<u64>) -> bool {
        conflicts.contains(&seq)
            || head.prev_seq.is_some_and(|p| {
                head.event == codec::TRASH_MOVE
                    && p.saturating_add(1) == seq
                    && conflicts.contains(&p)
            })
    }

    /// True when the record `key`/`value` (a schedule's, written by a posting pass) belongs to
    /// a batch of schedule records only: the pass posted nothing, it stepped schedules past
    /// occurrences posted before. A batch is one transaction, so its records are contiguous.
    fn only_steps(&self, key: &[u8], value: &[u8]) -> Result<bool, StoreError> {
        let Some(batch) = codec::decode_record(STREAM, key, value)?.batch else {
            return Ok(false);
        };
        for kv in self
            .trees
            .stream
            .range(seq_key(batch).to_vec()..=key.to_vec())
        {
            let (k, v) = kv?;
            let head = codec::decode_record_head(STREAM, &k, &v)?;
            if !super::schedule::is_schedule_id(head.id) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The seq of the latest change that is not already undone (see [`Store::undo_latest`]).
    /// An item removed for good (a `ttl` record) has nothing left to undo: its records are
    /// skipped, so a sweep never blocks `u`. A `restore` record ends the walk: a restored store
    /// starts there. Running past the first kept record of a trimmed stream is
    /// `StoreError::Trimmed` (see `store/retention.rs`).
    pub(super) fn latest_standing(&self) -> Result<Option<u64>, StoreError> {
        self.latest_standing_but(&HashSet::new())
    }

    /// [`Store::latest_standing`] passing over the changes in `skip` (ones that cannot be
    /// undone, left as they are by `expense undo --skip`).
    pub(super) fn latest_standing_but(
        &self,
        skip: &HashSet<u64>,
    ) -> Result<Option<u64>, StoreError> {
        let mut pending: HashMap<u128, u64> = HashMap::new();
        let mut gone: std::collections::HashSet<u128> = std::collections::HashSet::new();
        let mut conflicts: Option<HashSet<u64>> = None;
        for kv in self.trees.stream.iter().rev() {
            let (k, v) = kv?;
            let head = codec::decode_record_head(STREAM, &k, &v)?;
            if head.origin == Origin::Migration.code() {
                continue;
            }
            // A posting pass that only stepped a schedule past occurrences already posted (in
            // the trash after the undo of their posting) is no change to take back: taken
            // back, the next open would step it past again, and `u` would never get further.
            if head.origin == Origin::Schedule.code()
                && super::schedule::is_schedule_id(head.id)
                && self.only_steps(&k, &v)?
            {
                continue;
            }
            if head.origin == Origin::Ttl.code() || head.event == codec::TRASH_REMOVE {
                gone.insert(head.id);
                continue;
            }
            // A sync's record is another device's change, which `u` here does not take back
            // (the person undoes their own; that device's `u` undoes it there, and the next
            // sync brings the undo here), unless it replaced a change made here (a conflict,
            // or the move into or out of the trash written right after one): then `u` brings
            // the replaced version back.
            if head.origin == Origin::Replica.code() {
                // Read once, at the first sync's record met: a sync brings thousands, conflicts
                // are few.
                if conflicts.is_none() {
                    conflicts = Some(self.conflict_seqs()?);
                }
                let seq = keys::decode_seq(&k).unwrap_or(0);
                if !Self::replaced_own(seq, &head, conflicts.as_ref().unwrap_or(&HashSet::new())) {
                    continue;
                }
            }
            // A restored store starts from its restore: the base, not a change to take back.
            if head.origin == Origin::Restore.code() {
                return Ok(None);
            }
            if gone.contains(&head.id) {
                continue;
            }
            if head.origin == Origin::Undo.code() {
                *pending.entry(head.id).or_default() += 1;
                continue;
            }
            match pending.get_mut(&head.id) {
                Some(n) if *n > 0 => *n -= 1,
                _ => {
                    let seq =
                        keys::decode_seq(&k).ok_or_else(|| corrupt(STREAM, &k, "not a seq key"))?;
                    if skip.contains(&seq) {
                        continue;
                    }
                    return Ok(Some(seq));
                }
            }
        }
        // The walk ran past the kept records: what is left to undo was trimmed.
        let start = self.trees.stream_start()?;
        if start > 1 {
            return Err(super::retention::trimmed(start - 1, start));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Draft;

    /// When the latest change cannot be undone (here: its expense was changed behind the
    /// stream's back, as damage would), undo says what and how to go on, writes nothing, and the
    /// skipping undo leaves it and undoes the change before it.
    #[test]
    fn a_blocked_undo_says_what_and_the_skipping_one_goes_on() {
        let s = Store::open_temporary().unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        let a = s
            .put(Draft::sample(day, 500, "food", "Lidl"), Origin::User, 1)
            .unwrap();
        let b = s
            .put(Draft::sample(day, 700, "fun", "Kino"), Origin::User, 2)
            .unwrap();
        let edit = s
            .update(
                b.id,
                1,
                Draft::sample(day, 900, "fun", "Kino"),
                Origin::User,
                3,
            )
            .unwrap();
        // B changed outside the stream: the edit no longer holds.
        let key = keys::id_key(b.id);
        let value = s.trees.items.get(key).unwrap().unwrap();
        let mut img = super::super::pointer::read_item(&s.trees, b.id, &key, &value).unwrap();
        img.amount = 111;
        img.last_seq = 99;
        s.trees
            .items
            .insert(keys::id_key(b.id), codec::encode_item(&img).unwrap())
            .unwrap();
        let last = s.last_seq().unwrap();
        let msg = s.undo_step(4).unwrap_err().to_string();
        assert!(
            msg.starts_with("cannot undo amount 7.00 → 9.00: ") && msg.contains("Press u again"),
            "{msg}"
        );
        assert_eq!(s.last_seq().unwrap(), last, "nothing written");
        // Skipping leaves the edit and B's adding (also blocked), and undoes A's adding.
        let (step, left) = s.undo_step_skipping(5).unwrap();
        let Some(Undone::One(r)) = step else {
            panic!("expected one change undone")
        };
        assert_eq!(r.id, a.id);
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(left[0].contains("amount 7.00 → 9.00"), "{left:?}");
        assert_eq!(edit.seq, 3);
        let (step, _) = s.undo_step_skipping(6).unwrap();
        assert!(step.is_none(), "nothing else can be undone");
    }
}
