//! Imports and their undo: many rows in batched transactions, each row deduplicated against what
//! the store already holds (a row hash in `imports`, or the expense id an exported row carries),
//! every record tagged with one batch id, and [`Store::undo_batch`] reversing a whole import in
//! one step. Rule: history is never rewritten; an undone import leaves INSERT and REMOVE records.
//!
//! Whole or nothing, even when killed: rows are written in flushed transactions of
//! `IMPORT_CHUNK` rows, and while some are written and others not, `meta` holds the import's
//! `import_incomplete` marker (batch id, rows expected, rows written), written in the same
//! transaction as each chunk but the last and removed in the transaction of the last. A chunk
//! that fails takes the written ones back at once; a process killed mid-import (kill -9, a
//! hang-up, a crash) leaves the marker, and the next open of the store takes the written rows
//! back ([`Store::roll_back_interrupted_imports`]) and keeps a sentence saying so for whoever
//! opened it ([`Store::take_notices`]). Rolled back, not completed: the file may be gone. The
//! rollback is an import undo (REMOVE records, origin `undo`, the row hashes forgotten, so the
//! file can be imported again), which `redo` never brings back. Rows another session changed
//! while the import ran are kept (they are that person's now) and the notice counts them.

use super::codec::{self, decode_u64, encode_u64, StoredItem};
use super::keys::{self, seq_key};
use super::tables::{
    Change, Trees, Tx, TxResult, IDX_DATE, META, META_IMPORT_INCOMPLETE, META_IMPORT_ROLLED_BACK,
    STREAM,
};
use super::write::check_draft;
use super::{BatchUndo, Event, Origin, Store, StoreError};
use crate::domain::{Draft, ExpenseId, Kind};
use std::collections::{HashMap, HashSet};

/// Rows written per transaction by [`Store::import`]. sled keeps every node an open transaction's
/// commit replaces until the commit ends (the commit holds one epoch guard), so a chunk's memory
/// grows with its rows: at 100k rows into an empty store, chunks of 10,000 peaked at 365 MiB and
/// chunks of 2,000 at 217 MiB, with 9 % less CPU time (fewer fresh pages to fault in) and the same
/// wall time (median of 6, interleaved; `benches/README.md`, issue 15 item 7).
pub(super) const IMPORT_CHUNK: usize = 2_000;

/// Bits 64..80 of the id of an imported bank row (see [`import_id`]).
const IMPORT_MARK: u128 = 0x1B1B;

/// The id of the expense a bank row with dedupe hash `hash` on `date` becomes: the top 48 bits
/// the ms of its day (as a ULID's, so it sorts among the day's expenses), then `IMPORT_MARK`
/// and the hash's two halves folded into 64 bits. The same row imported on two devices is the same key, so a sync
/// leaves one expense (issue 16).
pub(crate) fn import_id(hash: &[u8; 16], date: chrono::NaiveDate) -> ExpenseId {
    let ms = date
        .and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_millis().max(0)) as u128;
    // Both halves of the hash, folded (the high one mixed first, so equal halves do not
    // cancel): all 128 bits count.
    let h = u128::from_be_bytes(*hash);
    let low = ((h >> 64) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ h as u64;
    ExpenseId(((ms & ((1 << 48) - 1)) << 80) | (IMPORT_MARK << 64) | u128::from(low))
}

/// One row to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// The expense as it will be stored.
    pub draft: Draft,
    /// The row's dedupe hash (`domain::import::row_hash`); `None` for rows that carry an id.
    pub hash: Option<[u8; 16]>,
    /// The expense id an exported row carries; kept, and a duplicate when the store has or had it.
    pub id: Option<ExpenseId>,
    /// The version an exported row carries (with its id), kept so a re-export gives the same bytes.
    pub version: Option<u64>,
}

/// What [`Store::import`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    /// The batch id of the records written (the seq of the first); `None` when nothing was new.
    pub batch: Option<u64>,
    /// Rows stored.
    pub added: usize,
    /// Rows already in the store (or twice in the input), not stored again.
    pub duplicates: usize,
}

impl Store {
    /// For each row, whether the store already has it: its hash is in `imports`, or its id is an
    /// item now or was one (a deleted expense is not brought back), or an earlier row of `rows`
    /// has the same id. Point reads, plus one scan of the stream heads when some ids are unknown.
    pub fn known_imports(&self, rows: &[ImportRow]) -> Result<Vec<bool>, StoreError> {
        let mut known = Vec::with_capacity(rows.len());
        let mut seen_ids: HashSet<u128> = HashSet::new();
        let mut absent: HashMap<u128, Vec<usize>> = HashMap::new();
        for (i, row) in rows.iter().enumerate() {
            let k = match (row.id, &row.hash) {
                (Some(id), _) => {
                    // Twice in the input, or stored now.
                    if !seen_ids.insert(id.0) || self.trees.items.contains_key(keys::id_key(id))? {
                        true
                    } else {
                        absent.entry(id.0).or_default().push(i);
                        false
                    }
                }
                (None, Some(h)) => self.trees.imports.contains_key(h)?,
                (None, None) => false,
            };
            known.push(k);
        }
        if !absent.is_empty() && self.last_seq()? > 0 {
            for kv in self.trees.stream.iter() {
                let (k, v) = kv?;
                let head = codec::decode_record_head(STREAM, &k, &v)?;
                if let Some(rows) = absent.remove(&head.id) {
                    for i in rows {
                        known[i] = true;
                    }
                }
            }
        }
        Ok(known)
    }

    /// Stores the rows that [`Store::known_imports`] does not find, each as an INSERT with origin
    /// `Import` and one batch id, with its hash in `imports`, in flushed transactions of
    /// `IMPORT_CHUNK` rows; `progress(done)` is called after each. Inside each transaction every
    /// row is checked again, so two imports racing never store a row twice. See the module doc
    /// for what a crash leaves.
    pub fn import(
        &self,
        rows: &[ImportRow],
        now_ms: i64,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Imported, StoreError> {
        for r in rows {
            check_draft(&r.draft)?;
        }
        let known = self.known_imports(rows)?;
        let fresh: Vec<(ExpenseId, &ImportRow)> = rows
            .iter()
            .zip(&known)
            .filter(|(_, k)| !**k)
            .map(|(r, _)| {
                let derived = r.hash.map(|h| import_id(&h, r.draft.date));
                (r.id.or(derived).unwrap_or_else(ExpenseId::generate), r)
            })
            .collect();
        let mut batch = None;
        let mut added = 0;
        let expected = fresh.len() as u64;
        let chunks = fresh.len().div_ceil(IMPORT_CHUNK);
        for (n, chunk) in fresh.chunks(IMPORT_CHUNK).enumerate() {
            let last = n + 1 == chunks;
            let written = self.transact(|tx| {
                let mut b = batch;
                let mut a = 0;
                for (id, row) in chunk {
                    if let Some(h) = &row.hash {
                        if tx.imports.get(h)?.is_some() {
                            continue;
                        }
                    }
                    // Stored, in the trash, or removed on another device (a tombstone synced
                    // here): the same bank row imported on two devices is one expense.
                    let Some(prev_seq) = super::sync::import_gate(tx, *id)? else {
                        continue;
                    };
                    let seq = tx.next_seq()?;
                    let version = row.version.unwrap_or(1);
                    let new = StoredItem::new(&row.draft, now_ms, now_ms, version, seq);
                    let c = Change {
                        trashing: Default::default(),
                        id: *id,
                        seq,
                        event: Event::Insert,
                        origin: Origin::Import,
                        at: now_ms,
                        prev_seq,
                        batch: Some(*b.get_or_insert(seq)),
                        old: None,
                        new: Some(&new),
                    };
                    tx.write(&c)?;
                    if let Some(h) = &row.hash {
                        tx.imports.insert(&h[..], &seq_key(seq)[..])?;
                    }
                    a += 1;
                }
                // The marker says "not whole yet" from the first chunk that wrote a row until
                // the last chunk, in the same transactions as the rows.
                if let Some(b) = b {
                    let key = incomplete_key(b);
                    if last {
                        tx.meta.remove(&key[..])?;
                    } else {
                        let mark = Incomplete {
                            expected,
                            written: (added + a) as u64,
                        };
                        tx.meta.insert(&key[..], &mark.encode()[..])?;
                    }
                }
                Ok((b, a))
            });
            let (b, a) = match (written, batch) {
                (Ok(done), _) => done,
                (Err(e), None) => return Err(e),
                (Err(e), Some(b)) => {
                    let written = added as u64;
                    return Err(self.stopped(b, expected, written, e, now_ms));
                }
            };
            batch = b;
            added += a;
            progress((n * IMPORT_CHUNK + chunk.len()).min(fresh.len()));
        }
        Ok(Imported {
            batch,
            added,
            duplicates: rows.len() - added,
        })
    }

    /// The error of an import whose chunk failed after `written` rows of batch `b` were
    /// stored: they are taken back now (or, if that fails too, at the next open).
    fn stopped(
        &self,
        b: u64,
        expected: u64,
        written: u64,
        cause: StoreError,
        now_ms: i64,
    ) -> StoreError {
        let rolled_back = self.roll_back(b, now_ms).is_ok();
        StoreError::ImportStopped {
            written,
            expected,
            cause: Box::new(cause),
            rolled_back,
        }
    }

    /// Takes back every import an earlier process left unfinished (its `import_incomplete`
    /// marker, see the module doc), and keeps one sentence per import for
    /// [`Store::take_notices`]: that it was rolled back (batch, rows written of rows expected,
    /// rows kept because someone changed them since), or why it could not be (a store opened
    /// behind its mark refuses writes; the marker stays and the next open tries again). Called
    /// by open, before anyone else can see the store. Best effort: never fails the open.
    pub(super) fn roll_back_interrupted_imports(&self, now_ms: i64) {
        let marks = match incomplete_imports(&self.trees) {
            Ok(m) => m,
            Err(e) => {
                self.notice(format!("could not look for an interrupted import: {e}"));
                return;
            }
        };
        for (batch, mark) in marks {
            let what = format!(
                "an import interrupted earlier (batch {batch}, {} of {} rows written)",
                mark.written, mark.expected
            );
            let text = match self.roll_back(batch, now_ms) {
                Ok(u) if u.kept == 0 => format!("{what} was rolled back; nothing of it is stored"),
                Ok(u) => format!(
                    "{what} was rolled back, except {} row{} changed since (kept)",
                    u.kept,
                    if u.kept == 1 { "" } else { "s" }
                ),
                Err(e) => format!(
                    "{what} could not be rolled back: {e}; the next open of the store tries again"
                ),
            };
            self.notice(text);
        }
    }

    /// Takes back the rows of the unfinished import `batch` (an import undo) and, in the
    /// transaction of its last chunk, removes the import's marker and records the undo batch as
    /// a rollback (so `redo` leaves it). A marker without any record of its batch is removed.
    fn roll_back(&self, batch: u64, now_ms: i64) -> Result<BatchUndo, StoreError> {
        let key = incomplete_key(batch);
        let then = |tx: &Tx<'_>, undo: Option<u64>| -> TxResult<()> {
            tx.meta.remove(&key[..])?;
            if let Some(u) = undo {
                tx.meta.insert(rolled_back_key(u), &encode_u64(batch)[..])?;
            }
            Ok(())
        };
        match self.undo_batch_then(batch, now_ms, &then) {
            Err(StoreError::UnknownBatch(_)) => {
                self.transact(|tx| then(tx, None))?;
                Ok(BatchUndo {
                    batch,
                    undone: 0,
                    kept: 0,
                    rename: None,
                    posting: None,
                })
            }
            r => r,
        }
    }

    /// True when the undo batch `undo` is the rollback of an interrupted import (which `redo`
    /// must not bring back: that would store part of an import).
    pub(super) fn is_import_rollback(&self, undo: u64) -> Result<bool, StoreError> {
        Ok(self.trees.meta.contains_key(rolled_back_key(undo))?)
    }

    /// For every payee the store's expenses name, how many are expenses and how many incomes
    /// (`[expense, income]`), payees exactly as stored: one pass over the date index's
    /// projections. An import checks its sign convention against it.
    pub fn payee_kinds(&self) -> Result<HashMap<String, [u64; 2]>, StoreError> {
        let mut out: HashMap<String, [u64; 2]> = HashMap::new();
        for kv in self.trees.idx_date.iter() {
            let (k, v) = kv?;
            let p = codec::decode_projection(IDX_DATE, &k, &v)?;
            if p.payee.is_empty() {
                continue;
            }
            let i = match keys::kind_from_byte(p.kind) {
                Some(Kind::Expense) => 0,
                Some(Kind::Income) => 1,
                None => continue,
            };
            match out.get_mut(p.payee) {
                Some(n) => n[i] += 1,
                None => {
                    let mut n = [0; 2];
                    n[i] = 1;
                    out.insert(p.payee.to_string(), n);
                }
            }
        }
        Ok(out)
    }

    pub(super) fn notice(&self, text: String) {
        match self.notices.lock() {
            Ok(mut n) => n.push(text),
            Err(poisoned) => poisoned.into_inner().push(text),
        }
    }
}

/// What an `import_incomplete` marker holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Incomplete {
    /// Rows the import set out to write.
    expected: u64,
    /// Rows written by its committed chunks.
    written: u64,
}

impl Incomplete {
    fn encode(self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&encode_u64(self.expected));
        b[8..].copy_from_slice(&encode_u64(self.written));
        b
    }

    fn decode(key: &[u8], v: &[u8]) -> Result<Incomplete, StoreError> {
        if v.len() != 16 {
            return Err(super::error::corrupt(
                META,
                key,
                "import marker is not 16 bytes",
            ));
        }
        Ok(Incomplete {
            expected: decode_u64(META, key, &v[..8])?,
            written: decode_u64(META, key, &v[8..])?,
        })
    }
}

fn incomplete_key(batch: u64) -> Vec<u8> {
    [META_IMPORT_INCOMPLETE, &encode_u64(batch)[..]].concat()
}

pub(super) fn rolled_back_key(undo: u64) -> Vec<u8> {
    [META_IMPORT_ROLLED_BACK, &encode_u64(undo)[..]].concat()
}

/// The `import_incomplete` markers, by batch id.
fn incomplete_imports(trees: &Trees) -> Result<Vec<(u64, Incomplete)>, StoreError> {
    let mut out = Vec::new();
    for kv in trees.meta.scan_prefix(META_IMPORT_INCOMPLETE) {
        let (k, v) = kv?;
        let batch = decode_u64(META, &k, &k[META_IMPORT_INCOMPLETE.len()..])?;
        out.push((batch, Incomplete::decode(&k, &v)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::change::Undone;
    use crate::domain::{Currency, Kind};
    use chrono::NaiveDate;

    fn row(day: u32, amount: i64, hash: u8) -> ImportRow {
        ImportRow {
            draft: Draft {
                date: NaiveDate::from_ymd_opt(2026, 3, day).unwrap(),
                amount,
                currency: Currency::EUR,
                category: "food".into(),
                payee: "Shop".into(),
                note: String::new(),
                tags: vec![],
                kind: Kind::Expense,
            },
            hash: Some([hash; 16]),
            id: None,
            version: None,
        }
    }

    #[test]
    fn import_dedupes_tags_batches_and_undoes_in_one_step() {
        let store = Store::open_temporary().unwrap();
        store
            .put(row(1, 100, 0).draft, Origin::User, 1)
            .expect("put");
        let rows: Vec<ImportRow> = (1..=5)
            .map(|i| row(i, 100 * i64::from(i), i as u8))
            .collect();
        let mut calls = Vec::new();
        let first = store.import(&rows, 10, &mut |n| calls.push(n)).unwrap();
        assert_eq!(
            (first.added, first.duplicates, first.batch),
            (5, 0, Some(2))
        );
        assert_eq!(calls, vec![5]);
        // Again, and overlapping: only the new row is stored.
        let mut more = rows[2..].to_vec();
        more.push(row(9, 900, 9));
        let second = store.import(&more, 11, &mut |_| {}).unwrap();
        assert_eq!((second.added, second.duplicates), (1, 3));
        assert_eq!(store.len(), 7);
        let recs = store.stream_since(1, 100).unwrap();
        assert!(recs[..5]
            .iter()
            .all(|r| r.origin == Origin::Import && r.batch == Some(2)));
        assert_eq!(recs[5].batch, Some(7));
        assert!(store.verify().unwrap().is_empty());

        // The latest import first, then the one before it, each in one step.
        let Some(Undone::Batch(u)) = store.undo_step(20).unwrap() else {
            panic!("expected a batch undo")
        };
        assert_eq!((u.batch, u.undone, u.kept), (7, 1, 0));
        // Edit one item of the first import: it is kept, the rest go.
        let victim = recs[0].id;
        let e = store.get(victim).unwrap().unwrap();
        let mut d = e.draft.clone();
        d.amount = 1;
        store
            .update(victim, e.version, d, Origin::User, 21)
            .unwrap();
        let u = store.undo_batch(2, 22).unwrap();
        assert_eq!((u.undone, u.kept), (4, 1));
        assert_eq!(store.len(), 2);
        assert!(store.verify().unwrap().is_empty());
        // Undone rows can be imported again; the kept one is still a duplicate.
        let again = store.import(&rows, 30, &mut |_| {}).unwrap();
        assert_eq!((again.added, again.duplicates), (4, 1));
        assert!(matches!(
            store.undo_batch(999, 31),
            Err(StoreError::UnknownBatch(999))
        ));
        assert!(store.verify().unwrap().is_empty());
    }

    /// `n` distinct rows on one day (hashes from the row number).
    fn many(n: usize) -> Vec<ImportRow> {
        (0..n)
            .map(|i| {
                let mut r = row(2, 100 + i as i64, 0);
                r.hash = Some(u128::try_from(i).unwrap().to_be_bytes());
                r
            })
            .collect()
    }

    fn open(dir: &std::path::Path) -> Store {
        Store::open_waiting(dir, std::time::Duration::from_secs(5)).unwrap()
    }

    #[test]
    fn an_import_stopped_mid_way_is_rolled_back_at_the_next_open_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let store = open(&path);
        store.put(row(1, 7, 0).draft, Origin::User, 1).unwrap();
        let rows = many(IMPORT_CHUNK + 1);
        // The process dies after the first chunk is stored (here: its progress report panics,
        // which leaves the store exactly as a kill at that moment does).
        let died = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            store.import(&rows, 5, &mut |n| assert!(n < IMPORT_CHUNK, "killed"))
        }));
        assert!(died.is_err());
        assert_eq!(store.len(), IMPORT_CHUNK + 1, "the first chunk was written");
        assert_eq!(incomplete_imports(&store.trees).unwrap().len(), 1);
        drop(store);

        let store = open(&path);
        let notices = store.take_notices();
        assert_eq!(
            notices,
            vec![format!(
                "an import interrupted earlier (batch 2, {IMPORT_CHUNK} of {} rows written) was \
                 rolled back; nothing of it is stored",
                IMPORT_CHUNK + 1
            )]
        );
        assert!(store.take_notices().is_empty(), "said once");
        assert_eq!(store.len(), 1, "only the expense from before");
        assert!(incomplete_imports(&store.trees).unwrap().is_empty());
        assert!(store.verify().unwrap().is_empty());
        // Every removal is a REMOVE record of the stream, and redo does not bring part back.
        let last = store.last_seq().unwrap();
        let recs = store.stream_since(last - 3, 10).unwrap();
        assert!(recs
            .iter()
            .all(|r| r.event == Event::Remove && r.origin == Origin::Undo));
        assert!(store.redo_step(9).unwrap().is_none());
        // The hashes are forgotten: the same file imports whole.
        let again = store.import(&rows, 10, &mut |_| {}).unwrap();
        assert_eq!((again.added, again.duplicates), (IMPORT_CHUNK + 1, 0));
        assert!(incomplete_imports(&store.trees).unwrap().is_empty());
        drop(store);
        let store = open(&path);
        assert!(
            store.take_notices().is_empty(),
            "a whole import leaves no marker"
        );
        assert_eq!(store.len(), IMPORT_CHUNK + 2);
    }

    #[test]
    fn a_chunk_that_fails_takes_the_written_ones_back_at_once() {
        let store = Store::open_temporary().unwrap();
        let mut rows = many(IMPORT_CHUNK);
        // The second chunk overflows the day's total: its transaction aborts.
        let mut huge = row(2, i64::MAX, 0);
        huge.hash = Some([0xEE; 16]);
        rows.push(huge);
        let e = store.import(&rows, 5, &mut |_| {}).unwrap_err();
        let text = e.to_string();
        assert!(
            matches!(e, StoreError::ImportStopped { written, rolled_back: true, .. }
                if written == IMPORT_CHUNK as u64),
            "{text}"
        );
        assert!(
            text.contains("would overflow") && text.contains("nothing was imported"),
            "{text}"
        );
        assert_eq!(store.len(), 0);
        assert!(incomplete_imports(&store.trees).unwrap().is_empty());
        assert!(store.take_notices().is_empty());
        assert!(store.verify().unwrap().is_empty());
    }

    #[test]
    fn payee_kinds_count_expenses_and_incomes_per_payee() {
        let store = Store::open_temporary().unwrap();
        let mut d = row(1, 5, 0).draft;
        store.put(d.clone(), Origin::User, 1).unwrap();
        store.put(d.clone(), Origin::User, 1).unwrap();
        d.kind = Kind::Income;
        store.put(d.clone(), Origin::User, 1).unwrap();
        d.payee = String::new();
        store.put(d, Origin::User, 1).unwrap();
        let kinds = store.payee_kinds().unwrap();
        assert_eq!(kinds.len(), 1);
        assert_eq!(kinds["Shop"], [2, 1]);
    }

    #[test]
    fn rows_with_ids_keep_them_and_are_never_added_twice() {
        let store = Store::open_temporary().unwrap();
        let rec = store.put(row(1, 100, 0).draft, Origin::User, 1).unwrap();
        let gone = store.put(row(2, 200, 0).draft, Origin::User, 1).unwrap();
        store.delete(gone.id, 1, Origin::User, 2).unwrap();
        let fresh = ExpenseId::generate();
        let with_id = |id: ExpenseId, version| ImportRow {
            hash: None,
            id: Some(id),
            version: Some(version),
            ..row(3, 300, 0)
        };
        let rows = vec![
            with_id(rec.id, 1),
            with_id(gone.id, 1),
            with_id(fresh, 4),
            with_id(fresh, 4),
        ];
        assert_eq!(
            store.known_imports(&rows).unwrap(),
            vec![true, true, false, true]
        );
        let done = store.import(&rows, 5, &mut |_| {}).unwrap();
        assert_eq!((done.added, done.duplicates), (1, 3));
        let got = store.get(fresh).unwrap().unwrap();
        assert_eq!((got.version, got.draft.amount), (4, 300));
        assert!(store.verify().unwrap().is_empty());
    }
}
