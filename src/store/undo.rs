//! One undo: the inverse of a change record, and one executor that writes it, used by a single
//! undo or redo ([`Store::undo`], `Store::reverse`), a history batch (`Store::reverse_batch`:
//! undo or redo of a whole batch) and an import undo ([`Store::undo_batch`], which also forgets
//! the import's row hashes). Which change `u` takes back is `store/history.rs`'s
//! (`Store::undo_latest`).
//!
//! The inverse of one record ([`plan_reversal`]), given the item's state now:
//! - INSERT -> REMOVE, MODIFY -> MODIFY back to the old image's fields (created kept, version
//!   = current + 1), both only while the item still looks as the record left it: written by
//!   that record (`last_seq == seq`), or brought back to the same fields by later undos and
//!   redos (add, edit, u, u). Otherwise a conflict.
//! - REMOVE -> INSERT of the old image (same id, created kept, version = old + 1), only while
//!   the id is absent and has no later record; a later `ttl` record means it is gone for good
//!   ([`StoreError::Purged`]). A re-insert takes the item out of the trash in the same
//!   transaction.
//!
//! **The rule for a re-inserted item**: undo puts an item back where it was. Taking back an
//! INSERT that brought an expense back from the trash (a restore, an undo of a move to the
//! trash, or the redo of one: its previous record moved the item to the trash) puts it in the
//! trash again, in every path (single undo, history batch, import undo), so the person can see
//! it and restore it; with a trash time-to-live of 0 it is removed at once. An INSERT of a new
//! expense (a put, an import row), or one that came back after a plain REMOVE (the redo of an
//! import undo), taken back is removed outright. So undoing everything leaves an empty store.
//!
//! **Never jammed**: a removal can be undone while the item is absent and, if it sits in the
//! trash, holds the fields the removal took away (a restore and its undo leave it so); when the
//! latest change cannot be undone, `undo_step` says what changed its expense since
//! (`StoreError::UndoBlocked`), and `undo_step_skipping` leaves such changes and undoes the one
//! before (`store/history.rs`).
//!
//! Writing: every path plans outside a transaction (sled transactions cannot scan), then writes
//! in flushed transactions of `BATCH_CHUNK` records that first check no record was added since
//! the plan (`Abort::Retry`: plan the rest again). The closures are pure: all they read comes
//! from the transaction, so a retry by sled gives the same writes.

use super::codec::{self, Code, StoredItem, StoredRecord};
use super::error::corrupt;
use super::fold::Fold;
use super::keys::{self, seq_key};
use super::stream::{legacy_trash, Before, Legacy};
use super::tables::{abort, Abort, Change, Trashing, Tx, TxResult, IMPORTS, STREAM};
use super::write::{finish, BATCH_CHUNK};
use super::{retention, trash, BatchUndo, ChangeRecord, Event, Origin, Store, StoreError};
use crate::domain::rename::{RenameNote, RenameStep};
use crate::domain::schedule_row::PostingNote;
use crate::domain::ExpenseId;
use std::collections::{HashMap, HashSet};

/// One record to take back, as planned outside the transaction.
#[derive(Debug, Clone)]
pub(super) struct Target {
    /// The record's seq.
    pub seq: u64,
    /// The expense it changed.
    pub id: ExpenseId,
    /// What it did.
    pub event: Event,
    /// Its stored event code (tells a trash move and a removal from the trash from a REMOVE).
    pub code: u8,
    /// Who wrote it.
    pub origin: Origin,
    /// The image before the record (None for an INSERT).
    pub old: Option<StoredItem>,
    /// The image the record wrote (None for a REMOVE).
    pub new: Option<StoredItem>,
    /// An INSERT that brought an expense back from the trash (its previous record moved it
    /// there): taken back, it goes back to the trash.
    pub reinserted: bool,
    /// What the stream holds for the id after this record.
    pub later: Later,
    /// The seq of the id's newest record when planned (this record's, when there is none
    /// later): the `prev_seq` of a re-insert of an item that is in no tree.
    pub last: u64,
    /// The import row hash to forget when the record is taken back (import undo only).
    pub hash: Option<sled::IVec>,
}

/// What the stream holds for a target's id after the target (looked at for REMOVEs only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Later {
    /// No later record.
    Nothing,
    /// A later record by a person or an undo/redo.
    Changed,
    /// A later `ttl` record: removed for good.
    Purged,
}

/// The inverse of one record given the item's state now (see the module doc).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Reversal {
    /// Write `event`, leaving the item as `new` (None: removed); `to_trash`: the removed item
    /// goes to the trash.
    Write {
        /// The event of the new record.
        event: Event,
        /// The item after it (None for a REMOVE).
        new: Option<StoredItem>,
        /// The item removed goes to the trash.
        to_trash: bool,
    },
    /// The item no longer looks as the record left it.
    Conflict {
        /// The version the record left.
        expected: u64,
        /// The version stored now.
        found: Option<u64>,
    },
    /// The item was removed for good (a `ttl` record).
    Purged,
}

/// The inverse of `t` for the item as it is now (`cur` in `items`, `trashed` in the trash),
/// written as record `new_seq` at `now_ms`; `trash_ttl_ms` > 0 sends a re-inserted item taken
/// back to the trash. Pure.
pub(super) fn plan_reversal(
    t: &Target,
    cur: Option<&StoredItem>,
    trashed: Option<&StoredItem>,
    new_seq: u64,
    now_ms: i64,
    trash_ttl_ms: i64,
) -> Reversal {
    if t.origin == Origin::Ttl || t.code == codec::TRASH_REMOVE || t.later == Later::Purged {
        return Reversal::Purged;
    }
    match t.event {
        Event::Insert | Event::Modify => {
            let Some(written) = t.new.as_ref() else {
                return Reversal::Purged; // not reached: images are checked when planned
            };
            let c = match cur {
                Some(c) if c.last_seq == t.seq || same_fields(c, written) => c,
                other => {
                    return Reversal::Conflict {
                        expected: written.version,
                        found: other.map(|c| c.version),
                    }
                }
            };
            if t.event == Event::Insert {
                return Reversal::Write {
                    event: Event::Remove,
                    new: None,
                    // An occurrence a schedule posted goes to the trash too: the poster finds
                    // it there and steps past it instead of posting it again (`store/schedule.rs`).
                    to_trash: (t.reinserted || t.origin == Origin::Schedule) && trash_ttl_ms > 0,
                };
            }
            let old = t.old.as_ref().unwrap_or(written);
            Reversal::Write {
                event: Event::Modify,
                new: Some(StoredItem {
                    created: c.created,
                    updated: now_ms,
                    version: c.version + 1,
                    last_seq: new_seq,
                    ..old.clone()
                }),
                to_trash: false,
            }
        }
        Event::Remove => {
            let Some(old) = t.old.as_ref() else {
                return Reversal::Purged; // not reached: images are checked when planned
            };
            // Later changes that left the item in the trash again with the fields this removal
            // took away (a restore from the trash and its undo) do not stand in the way: the
            // item looks as this removal left it. Any other later change does.
            let as_left = match (cur, trashed) {
                (Some(_), _) => false,
                (None, Some(tr)) => same_fields(tr, old),
                (None, None) => t.later == Later::Nothing,
            };
            if !as_left {
                return Reversal::Conflict {
                    expected: old.version,
                    found: cur.map(|c| c.version),
                };
            }
            let floor = trashed.map_or(0, |tr| tr.version);
            Reversal::Write {
                event: Event::Insert,
                new: Some(StoredItem {
                    updated: now_ms,
                    version: old.version.max(floor) + 1,
                    last_seq: new_seq,
                    ..old.clone()
                }),
                to_trash: false,
            }
        }
    }
}

/// True when two images hold the same expense fields (bookkeeping aside).
pub(super) fn same_fields(a: &StoredItem, b: &StoredItem) -> bool {
    let plain = |i: &StoredItem| StoredItem {
        created: 0,
        updated: 0,
        version: 0,
        last_seq: 0,
        ..i.clone()
    };
    plain(a) == plain(b)
}

/// What the executor also writes in the transaction of its last chunk, given the new batch id.
pub(super) type Then<'a> = dyn Fn(&Tx<'_>, Option<u64>) -> TxResult<()> + 'a;

/// How the executor writes: as one batch or a single record, with which origin.
#[derive(Debug, Clone, Copy)]
struct Run {
    origin: Origin,
    /// Tag the new records with one new batch id (its first seq).
    batched: bool,
    /// Build and keep the public records written (a single undo returns its record).
    keep: bool,
    now_ms: i64,
    trash_ttl_ms: i64,
}

/// What one run of the executor did.
#[derive(Debug, Default)]
struct Done {
    /// Records written (public form), when `Run::keep`.
    records: Vec<ChangeRecord>,
    /// Targets taken back.
    undone: usize,
    /// Targets left as they are, with why.
    kept: Vec<(ExpenseId, Kept)>,
    /// Targets taken back that are expenses (not budgets or schedules): what a rename's note
    /// counts.
    expenses: u64,
    /// Targets taken back that are schedules.
    schedules: u64,
    /// Some target (taken back or kept) was a schedule's record: the batch posted recurring
    /// expenses or handled an occurrence (unless it was a rename).
    saw_schedule: bool,
    /// Targets (taken back or kept) that are posted occurrences of a schedule, and targets
    /// that are other expenses: a batch of occurrences only (the redo of an undone posting
    /// whose schedule had moved on already) is a posting too.
    occurrences: u64,
    others: u64,
}

/// Why a target was left as it is.
#[derive(Debug, Clone, Copy)]
enum Kept {
    /// [`Reversal::Conflict`].
    Conflict { expected: u64, found: Option<u64> },
    /// [`Reversal::Purged`].
    Purged,
}

/// Takes back `t` inside `tx` as record `new_seq` (allocated here); `Ok(None)` when it is kept.
fn reverse_in(
    tx: &Tx<'_>,
    t: &Target,
    run: Run,
    batch: &mut Option<u64>,
) -> TxResult<Result<Option<ChangeRecord>, Kept>> {
    // A budget's current image is its `budgets-1` entry (`store/budget.rs`).
    let budget = t
        .new
        .as_ref()
        .or(t.old.as_ref())
        .filter(|_| super::budget::is_budget_id(t.id.0));
    let cur = match budget {
        Some(b) => super::budget::current(tx, &b.category)?,
        // A schedule's is its `schedules-1` entry (`store/schedule.rs`).
        None if super::schedule::is_schedule_id(t.id.0) => super::schedule::current(tx, t.id)?,
        None => tx.current(t.id)?,
    };
    // A schedule that already holds what a batch's reversal would write is taken back as it
    // is: the redo of an undone posting, after a posting pass stepped the schedule on past the
    // occurrences in the trash again (`store/schedule.rs`), finds it moved on already.
    if run.batched
        && t.event == Event::Modify
        && super::schedule::is_schedule_id(t.id.0)
        && matches!((&cur, &t.old), (Some(c), Some(o)) if same_fields(c, o))
    {
        return Ok(Ok(None));
    }
    let stepped = match &cur {
        Some(c) if super::schedule::is_schedule_id(t.id.0) => super::schedule::stepped_on(t, c),
        _ => None,
    };
    let t = stepped.as_ref().unwrap_or(t);
    let row = match cur {
        Some(_) => None,
        None => trash::row(tx, t.id)?,
    };
    let trashed = row.as_ref().map(|r| &r.image);
    // The seq the record would get; only taken when it is written.
    let new_seq = tx.last_seq()? + 1;
    let (event, new, to_trash) = match plan_reversal(
        t,
        cur.as_ref(),
        trashed,
        new_seq,
        run.now_ms,
        run.trash_ttl_ms,
    ) {
        Reversal::Write {
            event,
            new,
            to_trash,
        } => (event, new, to_trash),
        Reversal::Conflict { expected, found } => {
            return Ok(Err(Kept::Conflict { expected, found }))
        }
        Reversal::Purged => return Ok(Err(Kept::Purged)),
    };
    let seq = tx.next_seq()?;
    debug_assert_eq!(seq, new_seq);
    let c = Change {
        id: t.id,
        seq,
        event,
        origin: run.origin,
        at: run.now_ms,
        prev_seq: Some(match (&cur, &row) {
            (Some(c), _) => c.last_seq,
            (None, Some(r)) => r.remove_seq,
            (None, None) => t.last,
        }),
        batch: run.batched.then(|| *batch.get_or_insert(seq)),
        old: cur.as_ref(),
        new: new.as_ref(),
        trashing: if to_trash {
            Trashing::Into {
                expires: run.now_ms.saturating_add(run.trash_ttl_ms),
            }
        } else {
            Trashing::No
        },
    };
    let rec = tx.write(&c)?;
    match (&cur, to_trash) {
        (Some(image), true) => {
            trash::put(tx, t.id, image.clone(), run.now_ms, run.trash_ttl_ms, seq)?
        }
        // A re-insert takes the item out of the trash, if a delete put it there.
        (None, _) => {
            trash::forget(tx, t.id)?;
        }
        _ => {}
    }
    if let Some(h) = &t.hash {
        tx.imports.remove(h)?;
    }
    if run.keep {
        let before = match (cur, row) {
            (Some(c), _) => Before::live(Some(c)),
            (None, Some(r)) => r.before(),
            (None, None) => Before::default(),
        };
        return finish(seq, &rec, &before).map(|r| Ok(Some(r)));
    }
    Ok(Ok(None))
}

impl Store {
    /// The trash time-to-live an undo or redo gives an item it removes again (ms, 0: none).
    fn undo_trash_ttl(&self) -> i64 {
        self.trash_ttl.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The one executor: plans with `plan(finished)` (the targets not yet written, and the last
    /// seq seen), writes them in flushed transactions of `BATCH_CHUNK` that each check no record
    /// was added since the plan, and plans the rest again when one was.
    fn execute(
        &self,
        run: Run,
        plan: impl Fn(&HashSet<u64>) -> Result<(Vec<Target>, u64), StoreError>,
    ) -> Result<Done, StoreError> {
        self.execute_then(run, plan, None, None)
    }

    /// [`Store::execute`], and `then(tx, batch)` (the new batch id, if any record was written)
    /// inside the transaction that writes the last chunk, or in one of its own when nothing is
    /// left to write: what `then` writes commits exactly when the whole reversal has. With
    /// `fold` (the undo or redo of a rename), each chunk's records join the history fold of the
    /// chunk before (`store/fold.rs`) in its own transaction.
    fn execute_then(
        &self,
        run: Run,
        plan: impl Fn(&HashSet<u64>) -> Result<(Vec<Target>, u64), StoreError>,
        then: Option<&Then<'_>>,
        fold: Option<&RenameNote>,
    ) -> Result<Done, StoreError> {
        let mut done = Done::default();
        let mut batch: Option<u64> = None;
        let mut folded: Option<Fold> = None;
        let mut finished: HashSet<u64> = HashSet::new();
        'plan: loop {
            let (targets, mut expect) = plan(&finished)?;
            if targets.is_empty() {
                if let Some(then) = then {
                    self.transact(|tx| then(tx, batch))?;
                }
            }
            let chunks = targets.len().div_ceil(BATCH_CHUNK);
            for (i, chunk) in targets.chunks(BATCH_CHUNK).enumerate() {
                let r = self.try_transact(|tx| {
                    if tx.last_seq()? != expect {
                        return abort(Abort::Retry);
                    }
                    let mut b = batch;
                    let mut out = Done::default();
                    for t in chunk {
                        let schedule = super::schedule::is_schedule_id(t.id.0);
                        out.saw_schedule |= schedule;
                        if super::schedule::is_occurrence_id(t.id.0) {
                            out.occurrences += 1;
                        } else if !schedule && !super::budget::is_budget_id(t.id.0) {
                            out.others += 1;
                        }
                        match reverse_in(tx, t, run, &mut b)? {
                            Ok(rec) => {
                                out.undone += 1;
                                out.expenses +=
                                    u64::from(!super::budget::is_budget_id(t.id.0) && !schedule);
                                out.schedules += u64::from(schedule);
                                out.records.extend(rec);
                            }
                            Err(why) => out.kept.push((t.id, why)),
                        }
                    }
                    let mut f = folded.clone();
                    if let Some(note) = fold {
                        let hi = tx.last_seq()?;
                        f = super::fold::extend(
                            tx,
                            f.as_ref(),
                            expect + 1,
                            hi,
                            out.expenses,
                            note,
                        )?;
                    }
                    if let Some(then) = then.filter(|_| i + 1 == chunks) {
                        then(tx, b)?;
                    }
                    Ok((b, out, tx.last_seq()?, f))
                });
                match r {
                    Ok((b, out, now_last, f)) => {
                        batch = b;
                        folded = f;
                        done.expenses += out.expenses;
                        done.schedules += out.schedules;
                        done.saw_schedule |= out.saw_schedule;
                        done.occurrences += out.occurrences;
                        done.others += out.others;
                        done.undone += out.undone;
                        done.records.extend(out.records);
                        done.kept.extend(out.kept);
                        expect = now_last;
                        finished.extend(chunk.iter().map(|t| t.seq));
                    }
                    Err(Abort::Store(e)) => return Err(e),
                    Err(Abort::Retry) => continue 'plan,
                }
            }
            return Ok(done);
        }
    }

    /// Reverses change record `seq` as one new record with origin `Undo`: INSERT -> delete
    /// (into the trash when the INSERT brought the expense back, see the module doc); MODIFY ->
    /// write back the old image's fields (version keeps increasing); REMOVE -> re-insert the
    /// old image (same id, created kept, version = old + 1). Conditional: the item must still
    /// hold the fields that record left it with (for REMOVE: still absent, with no later
    /// change), else Conflict.
    pub fn undo(&self, seq: u64, now_ms: i64) -> Result<ChangeRecord, StoreError> {
        self.reverse(seq, Origin::Undo, now_ms)
    }

    /// [`Store::undo`] writing its record with `origin` (`Redo` reverses an undo record).
    pub(super) fn reverse(
        &self,
        seq: u64,
        origin: Origin,
        now_ms: i64,
    ) -> Result<ChangeRecord, StoreError> {
        let run = Run {
            origin,
            batched: false,
            keep: true,
            now_ms,
            trash_ttl_ms: self.undo_trash_ttl(),
        };
        let done = self.execute(run, |_| self.plan_one(seq))?;
        if let Some(rec) = done.records.into_iter().next() {
            return Ok(rec);
        }
        let (id, why) = done
            .kept
            .into_iter()
            .next()
            .ok_or(StoreError::UnknownSeq(seq))?;
        Err(match why {
            Kept::Conflict { expected, found } => StoreError::Conflict {
                id,
                expected,
                found,
            },
            Kept::Purged => StoreError::Purged(id),
        })
    }

    /// The one target of a single undo or redo of `seq`, and the last seq seen.
    fn plan_one(&self, seq: u64) -> Result<(Vec<Target>, u64), StoreError> {
        let last = self.last_seq()?;
        let start = self.trees.stream_start()?;
        if seq < start {
            return Err(retention::trimmed(seq, start));
        }
        let key = seq_key(seq);
        let v = self
            .trees
            .stream
            .get(key)?
            .ok_or(StoreError::UnknownSeq(seq))?;
        let rec = codec::decode_record(STREAM, &key, &v)?;
        let mut t = self.target(seq, &key, rec, &HashMap::new())?;
        if t.event == Event::Remove {
            // Transactions cannot scan: look for later records of the id here; the executor's
            // transaction checks that no record was added since.
            for kv in self.trees.stream.range(seq_key(seq.saturating_add(1))..) {
                let (k, v) = kv?;
                let head = codec::decode_record_head(STREAM, &k, &v)?;
                if head.id == t.id.0 {
                    let gone =
                        head.origin == Origin::Ttl.code() || head.event == codec::TRASH_REMOVE;
                    if gone {
                        t.later = Later::Purged;
                    } else if t.later == Later::Nothing {
                        t.later = Later::Changed;
                    }
                    t.last = keys::decode_seq(&k).unwrap_or(t.last);
                }
            }
        }
        Ok((vec![t], last))
    }

    /// The target for stored record `seq`, its images checked and resolved.
    fn target(
        &self,
        seq: u64,
        key: &[u8],
        rec: StoredRecord,
        seen: &HashMap<u64, Before>,
    ) -> Result<Target, StoreError> {
        let event = Event::from_code(rec.event)
            .ok_or_else(|| corrupt(STREAM, key, format!("bad event {}", rec.event)))?;
        let origin = Origin::from_code(rec.origin)
            .ok_or_else(|| corrupt(STREAM, key, format!("bad origin {}", rec.origin)))?;
        // The image is all an undo needs; trash marks only change how the stream shows it.
        let before = self.before(&rec, seen, &Legacy::new())?;
        // An INSERT brought the item back from the trash when its previous record moved it
        // there (a move stored before schema 5 is known from the legacy list only).
        let from_trash = event == Event::Insert
            && rec.prev_seq.is_some()
            && (before.trash.is_some()
                || rec
                    .prev_seq
                    .is_some_and(|p| legacy_trash(&self.trees).is_ok_and(|l| l.contains_key(&p))));
        let old = before.image;
        let missing = match event {
            Event::Insert => rec.new.is_none(),
            Event::Modify => rec.new.is_none() || old.is_none(),
            Event::Remove => old.is_none(),
        };
        if missing && origin != Origin::Ttl {
            return Err(corrupt(STREAM, key, "image missing for its event"));
        }
        Ok(Target {
            seq,
            id: ExpenseId(rec.id),
            event,
            code: rec.event,
            origin,
            old,
            reinserted: from_trash,
            last: seq,
            new: rec.new,
            later: Later::Nothing,
            hash: None,
        })
    }

    /// Reverses every record of `batch` as one new batch with `origin` (each record as
    /// [`Store::undo`] would, the re-inserted rule included). Records that fail their condition
    /// are left and counted as `kept`. Flushed transactions of `BATCH_CHUNK` records; when
    /// another write lands between planning and a transaction, the rest is planned again.
    pub(super) fn reverse_batch(
        &self,
        batch: u64,
        origin: Origin,
        now_ms: i64,
    ) -> Result<BatchUndo, StoreError> {
        self.run_batch(batch, origin, now_ms, false, None)
    }

    /// [`Store::reverse_batch`], with `then(tx, new_batch)` written in the transaction of its
    /// last chunk (see `execute_then`): the rollback of an interrupted rename clears its marker
    /// there.
    pub(super) fn reverse_batch_then(
        &self,
        batch: u64,
        now_ms: i64,
        then: &Then<'_>,
    ) -> Result<BatchUndo, StoreError> {
        self.run_batch(batch, Origin::Undo, now_ms, false, Some(then))
    }

    /// Reverses the import `batch`: every item it inserted that still holds the fields it was
    /// imported with is removed (a REMOVE record with origin `Undo` each, all tagged with a new
    /// batch id) and its row hash forgotten, so the file can be imported again. Items changed or
    /// deleted since are left alone and counted as `kept`. Written by the same executor as
    /// every undo, in flushed transactions of `BATCH_CHUNK` items. `UnknownBatch` when no import
    /// has that id.
    pub fn undo_batch(&self, batch: u64, now_ms: i64) -> Result<BatchUndo, StoreError> {
        self.run_batch(batch, Origin::Undo, now_ms, true, None)
    }

    /// [`Store::undo_batch`], with `then(tx, undo_batch)` written in the transaction of its last
    /// chunk (see `execute_then`): the rollback of an interrupted import clears its marker there.
    pub(super) fn undo_batch_then(
        &self,
        batch: u64,
        now_ms: i64,
        then: &Then<'_>,
    ) -> Result<BatchUndo, StoreError> {
        self.run_batch(batch, Origin::Undo, now_ms, true, Some(then))
    }

    fn run_batch(
        &self,
        batch: u64,
        origin: Origin,
        now_ms: i64,
        import: bool,
        then: Option<&Then<'_>>,
    ) -> Result<BatchUndo, StoreError> {
        let run = Run {
            origin,
            batched: true,
            keep: false,
            now_ms,
            trash_ttl_ms: self.undo_trash_ttl(),
        };
        // A rename (or its undo or redo) is one line of the history: so is its reversal.
        let note = match self.fold_at(batch)? {
            Some(f) if !import => Some(f.note.as_step(match (origin, f.note.step) {
                (Origin::Redo, _) => RenameStep::Redo,
                (_, RenameStep::Rename | RenameStep::Redo) => RenameStep::Undo,
                // The undo of an undo is a redo in all but its origin.
                (_, RenameStep::Undo) => RenameStep::Redo,
            })),
            _ => None,
        };
        let done = self.execute_then(
            run,
            |finished| {
                let (targets, last) = self.plan_batch(batch, finished, import)?;
                if targets.is_empty() && finished.is_empty() {
                    return Err(StoreError::UnknownBatch(batch));
                }
                Ok((targets, last))
            },
            then,
            note.as_ref(),
        )?;
        // A batch with a schedule's record that is no rename posted recurring expenses (or
        // handled one occurrence), or is the undo or redo of that.
        let occurrences_only = done.occurrences > 0 && done.others == 0;
        let posting = (note.is_none() && !import && (done.saw_schedule || occurrences_only))
            .then_some(PostingNote {
                expenses: done.expenses,
                schedules: done.schedules,
            });
        Ok(BatchUndo {
            batch,
            undone: done.undone,
            kept: done.kept.len(),
            rename: note.map(|n| RenameNote {
                expenses: done.expenses,
                ..n
            }),
            posting,
        })
    }

    /// The records of `batch` not in `finished` (for an import: its INSERTs with their row
    /// hashes), each knowing whether its id has later records, and the last seq seen.
    fn plan_batch(
        &self,
        batch: u64,
        finished: &HashSet<u64>,
        import: bool,
    ) -> Result<(Vec<Target>, u64), StoreError> {
        let last = self.last_seq()?;
        let start = self.trees.stream_start()?;
        if batch < start {
            return Err(retention::trimmed(batch, start));
        }
        let mut targets: Vec<Target> = Vec::new();
        let mut latest: HashMap<u128, (u64, bool)> = HashMap::new();
        for kv in self.trees.stream.range(seq_key(batch)..=seq_key(last)) {
            let (k, v) = kv?;
            let seq = keys::decode_seq(&k).ok_or_else(|| corrupt(STREAM, &k, "not a seq"))?;
            let head = codec::decode_record_head(STREAM, &k, &v)?;
            let gone = head.origin == Origin::Ttl.code() || head.event == codec::TRASH_REMOVE;
            latest.insert(head.id, (seq, gone));
            if import
                && (head.origin != Origin::Import.code() || head.event != Event::Insert.code())
            {
                continue;
            }
            let rec = codec::decode_record(STREAM, &k, &v)?;
            if rec.batch != Some(batch) || finished.contains(&seq) {
                continue;
            }
            targets.push(self.target(seq, &k, rec, &HashMap::new())?);
        }
        for t in &mut targets {
            if let Some((s, _)) = latest.get(&t.id.0) {
                t.last = *s;
            }
            if t.event == Event::Remove {
                t.later = match latest.get(&t.id.0) {
                    Some((s, _)) if *s == t.seq => Later::Nothing,
                    Some((_, true)) => Later::Purged,
                    _ => Later::Changed,
                };
            }
        }
        if import && !targets.is_empty() {
            let index: HashMap<u64, usize> = targets
                .iter()
                .enumerate()
                .map(|(i, t)| (t.seq, i))
                .collect();
            for kv in self.trees.imports.iter() {
                let (k, v) = kv?;
                let seq = codec::decode_u64(IMPORTS, &k, &v)?;
                if let Some(&i) = index.get(&seq) {
                    targets[i].hash = Some(k);
                }
            }
        }
        Ok((targets, last))
    }
}
