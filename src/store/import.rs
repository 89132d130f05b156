//! Imports and their undo: many rows in batched transactions, each row deduplicated against what
//! the store already holds (a row hash in `imports`, or the expense id an exported row carries),
//! every record tagged with one batch id, and [`Store::undo_batch`] reversing a whole import in
//! one step. Rule: history is never rewritten; an undone import leaves INSERT and REMOVE records.
//!
//! Atomicity: rows are written in transactions of `BATCH_CHUNK` rows, each flushed before the
//! next starts. A crash mid-import leaves the chunks already written (each one consistent, with
//! its hashes) and nothing of the rest; running the same import again adds only the missing rows,
//! because the written ones are found by their hashes or ids.

use super::codec::{self, StoredItem};
use super::keys::{self, seq_key};
use super::tables::{Change, STREAM};
use super::write::{check_draft, BATCH_CHUNK};
use super::{Event, Origin, Store, StoreError};
use crate::domain::{Draft, ExpenseId};
use std::collections::{HashMap, HashSet};

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
    /// `BATCH_CHUNK` rows; `progress(done)` is called after each. Inside each transaction every
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
            .map(|(r, _)| (r.id.unwrap_or_else(ExpenseId::generate), r))
            .collect();
        let mut batch = None;
        let mut added = 0;
        for (n, chunk) in fresh.chunks(BATCH_CHUNK).enumerate() {
            let (b, a) = self.transact(|tx| {
                let mut b = batch;
                let mut a = 0;
                for (id, row) in chunk {
                    if let Some(h) = &row.hash {
                        if tx.imports.get(h)?.is_some() {
                            continue;
                        }
                    }
                    if tx.current(*id)?.is_some() {
                        continue;
                    }
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
                        prev_seq: None,
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
                Ok((b, a))
            })?;
            batch = b;
            added += a;
            progress((n * BATCH_CHUNK + chunk.len()).min(fresh.len()));
        }
        Ok(Imported {
            batch,
            added,
            duplicates: rows.len() - added,
        })
    }
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
