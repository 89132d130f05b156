//! Restore: fills a blank store from a [`Snapshot`] (a backup file or a point in time).
//! Rule: the result is byte for byte the store that writing each item through [`Tx::write`]
//! as one INSERT (origin `restore`) would give, at a fraction of the cost.
//!
//! Why not the transactional write path: a restore fills a store nobody else sees yet (a new
//! directory, or the live one that `--force-live` emptied and holds alone), so per-chunk
//! transactions buy nothing, and at 1M items they ran at ~7k items/s (148 s). Instead:
//!
//! 1. `meta` `restore_incomplete` is written and flushed: a store that holds it is refused at
//!    open (an interrupted restore; delete it and restore again).
//! 2. `items` (one thread) and `stream` (another, with the running hash chain) are written
//!    with plain inserts, each item one INSERT record with the bytes `Tx::write` would give
//!    (seq in snapshot order from 1, `at` = the item's `updated`, its `last_seq` = its seq),
//!    then the `meta` seq and stream hash.
//! 3. The derived trees are built by the consistency check (`Store::rebuild_derived`: the
//!    check's expected entries, without a message each, applied by `Store::repair`), not by a
//!    second copy of the index code.
//! 4. Budgets, schedules (each one INSERT, origin `restore`, through `Tx::write`) and import
//!    hashes; the marker is removed, flushed, and the high-water mark moves to the last seq.
//!
//! Measured (release, 2 cores, 1,033,379 items): 34.6 s and 1.2 GB peak (items and stream
//! 10 s, derived trees 21 s), against 148 s before. Plain inserts, not `sled::Batch`es: with
//! no atomic write needed, batches were slower (142k items: 7.3 s with 50k-item batches, 4.6 s
//! with inserts) and held their entries twice (2.1 GB against 0.33 GB).

use super::backup::{RestoreInfo, Snapshot};
use super::chain::next_hash;
use super::codec::Code;
use super::codec::{encode_record, encode_u64, StoredItem, StoredRecord};
use super::error::StoreError;
use super::keys::{id_key, seq_key};
use super::pointer::encode_pointer;
use super::tables::{
    abort, Change, Tx, TxResult, META_HASH, META_RESTORING, META_SEQ, META_STREAM_LABEL,
};
use super::{Event, Origin, Store};
use crate::domain::ExpenseId;

/// When a restore's budget and schedule records are stamped: the newest `updated` of the
/// snapshot's items and schedules (as each item's record is stamped with its own), so a
/// restore of the same snapshot writes the same bytes.
fn budget_time(snap: &Snapshot) -> i64 {
    snap.items
        .iter()
        .chain(&snap.schedules)
        .map(|(_, i)| i.updated)
        .max()
        .unwrap_or(0)
}

impl Store {
    /// Fills this blank store with `snap`: each item keeps its id, version, created and updated
    /// and gets one INSERT record (origin `restore`, at = its `updated`); indexes, aggregates
    /// and counters are built from the items. See the module doc. Refused unless the store is
    /// blank; a snapshot whose ids are not strictly ascending is refused before any write.
    pub fn restore_snapshot(&self, snap: &Snapshot) -> Result<RestoreInfo, StoreError> {
        self.check_writable()?;
        if !self.is_blank()? {
            return Err(StoreError::Invalid(
                "a restore needs an empty store; this one holds data".into(),
            ));
        }
        if let Some(w) = snap.items.windows(2).find(|w| w[0].0 >= w[1].0) {
            return Err(StoreError::Invalid(format!(
                "the snapshot's expenses are not in id order (or repeat one): {} before {}",
                w[0].0, w[1].0
            )));
        }
        let t = &self.trees;
        t.meta.insert(META_RESTORING, &[][..])?;
        self.db.flush()?;
        if let Some(sd) = snap.month_start_day {
            self.use_month_start_day(sd)?;
        }
        let first = t.last_seq()? + 1;
        // `items` on one thread, `stream` (and the hash chain) on another: sled takes inserts
        // into different trees in parallel.
        let (seq, hash) = std::thread::scope(|s| {
            let items = s.spawn(|| {
                // Each points to its INSERT below (`store/pointer.rs`).
                for (seq, (id, _)) in (first..).zip(&snap.items) {
                    t.items.insert(&id_key(*id)[..], encode_pointer(seq)?)?;
                }
                Ok::<_, StoreError>(())
            });
            let mut hash = t.stream_hash()?;
            let mut last = first - 1;
            for (seq, (id, item)) in (first..).zip(&snap.items) {
                let bytes = encode_record(
                    &StoredRecord {
                        expires: None,
                        event: Event::Insert.code(),
                        at: item.updated,
                        origin: Origin::Restore.code(),
                        id: id.0,
                        prev_seq: None,
                        new: Some(StoredItem {
                            last_seq: seq,
                            ..item.clone()
                        }),
                        batch: None,
                    },
                    seq,
                )?;
                hash = next_hash(&hash, seq, &bytes);
                t.stream.insert(&seq_key(seq)[..], bytes)?;
                last = seq;
            }
            items
                .join()
                .map_err(|_| StoreError::Sled("the restore's item writer panicked".into()))??;
            Ok::<_, StoreError>((last, hash))
        })?;
        if seq > 0 {
            t.meta.insert(META_SEQ, &encode_u64(seq)[..])?;
            t.meta.insert(META_HASH, &hash[..])?;
        }
        self.rebuild_derived()?;
        for b in &snap.budgets {
            self.set_budget(
                &b.category,
                Some((b.currency, b.amount)),
                Origin::Restore,
                budget_time(snap),
            )?;
        }
        // Schedules keep how far they were handled, so the next open posts exactly what fell
        // due since (the posted occurrences, restored above, are their exactly-once keys).
        self.restore_schedules(&snap.schedules, budget_time(snap))?;
        for h in &snap.imports {
            // The importing record is not kept by a restore: seq 0 names none.
            t.imports.insert(&h[..], &seq_key(0)[..])?;
        }
        t.meta.remove(META_RESTORING)?;
        // A restored store's sequence numbers are a new stream (as a restored DynamoDB table
        // gets a new stream): a consumer's old checkpoint must not be read against it.
        let old_label = t
            .meta
            .get(META_STREAM_LABEL)?
            .map(|v| String::from_utf8_lossy(&v).into_owned());
        let label = super::stream::label_after(old_label.as_deref());
        t.meta.insert(META_STREAM_LABEL, label.as_bytes())?;
        self.db.flush()?;
        if let Some(m) = &self.mark {
            m.advance(seq, &hash)?;
        }
        Ok(RestoreInfo {
            source_seq: snap.seq,
            expenses: snap.items.len() as u64,
            budgets: snap.budgets.len() as u64,
            schedules: snap.schedules.len() as u64,
            imports: snap.imports.len() as u64,
            skipped: snap.skipped,
            label,
        })
    }
}

/// Writes `img` as item `id` of a store being restored: one INSERT, origin `restore`, stamped
/// `at`, its bookkeeping kept (the new record's seq as its `last_seq`); `found` is the version
/// already stored under `id` (a conflict: a restore starts from a blank store). Expenses and
/// schedules alike (`Tx::write` routes an image by its kind).
pub(super) fn insert_restored(
    tx: &Tx<'_>,
    id: ExpenseId,
    img: &StoredItem,
    found: Option<u64>,
    at: i64,
) -> TxResult<()> {
    if found.is_some() {
        return abort(StoreError::Conflict {
            id,
            expected: 0,
            found,
        });
    }
    let seq = tx.next_seq()?;
    let new = StoredItem {
        last_seq: seq,
        ..img.clone()
    };
    tx.write(&Change {
        id,
        seq,
        event: Event::Insert,
        origin: Origin::Restore,
        at,
        prev_seq: None,
        batch: None,
        old: None,
        new: Some(&new),
        trashing: Default::default(),
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Currency, Kind};
    use crate::store::tables::ITEMS;

    /// A tree's entries, in key order.
    type Rows = Vec<(Vec<u8>, Vec<u8>)>;

    impl Store {
        /// The restore as it was before the fast path: every item through `Tx::write` in
        /// flushed transactions of 5,000. The reference the fast path must equal.
        fn restore_snapshot_tx(&self, snap: &Snapshot) -> Result<(), StoreError> {
            if let Some(sd) = snap.month_start_day {
                self.use_month_start_day(sd)?;
            }
            for chunk in snap.items.chunks(5_000) {
                self.transact(|tx| {
                    for (id, item) in chunk {
                        let found = tx.current(*id)?.map(|c| c.version);
                        insert_restored(tx, *id, item, found, item.updated)?;
                    }
                    Ok(())
                })?;
            }
            for b in &snap.budgets {
                self.set_budget(
                    &b.category,
                    Some((b.currency, b.amount)),
                    Origin::Restore,
                    budget_time(snap),
                )?;
            }
            self.restore_schedules(&snap.schedules, budget_time(snap))?;
            self.transact(|tx| {
                for h in &snap.imports {
                    tx.imports.insert(&h[..], &seq_key(0)[..])?;
                }
                Ok(())
            })
        }

        /// Every tree's name and entries.
        fn dump(&self) -> Vec<(String, Rows)> {
            let mut names = self.db.tree_names();
            names.sort();
            names
                .into_iter()
                .map(|n| {
                    let tree = self.db.open_tree(&n).unwrap();
                    let rows = tree
                        .iter()
                        .map(|kv| {
                            let (k, v) = kv.unwrap();
                            (k.to_vec(), v.to_vec())
                        })
                        .collect();
                    (String::from_utf8_lossy(&n).into_owned(), rows)
                })
                .collect()
        }
    }

    /// A snapshot that exercises every derived tree: categories (and none), payees (and none)
    /// written with changing categories across chunk and transaction boundaries, repeated and
    /// empty tags, two currencies, income, a month start day, budgets and import hashes.
    fn snapshot(n: u64) -> Snapshot {
        let mut items: Vec<(ExpenseId, StoredItem)> = (0..n)
            .map(|i| {
                let id = ExpenseId(u128::from(i) * 7_919 + (1 << 100));
                let item = StoredItem {
                    date: 20_240_101 + (i % 12) as u32 * 100 + (i % 28) as u32,
                    amount: (i * 37 % 10_000) as i64,
                    currency: if i % 5 == 0 {
                        *b"USD"
                    } else {
                        Currency::EUR.bytes()
                    },
                    category: ["food", "food:out", "rent", ""][(i % 4) as usize].into(),
                    payee: ["Shop", "", "Café", "Bäcker"][(i / 3 % 4) as usize].into(),
                    note: format!("n{i}"),
                    tags: match i % 3 {
                        0 => vec![],
                        1 => vec!["a".into(), "a".into(), String::new()],
                        _ => vec!["b".into(), "a".into()],
                    },
                    kind: crate::store::keys::kind_byte(if i % 11 == 0 {
                        Kind::Income
                    } else {
                        Kind::Expense
                    }),
                    created: 1_700_000_000_000 + i as i64,
                    updated: 1_700_000_100_000 + i as i64,
                    version: 1 + i % 3,
                    last_seq: 0,
                };
                (id, item)
            })
            .collect();
        items.sort_by_key(|(id, _)| *id);
        Snapshot {
            seq: n + 40,
            month_start_day: Some(25),
            items,
            budgets: vec![crate::store::Budget {
                category: "food".into(),
                currency: Currency::EUR,
                amount: 40_000,
            }],
            schedules: vec![schedule()],
            imports: vec![[7u8; 16], [9u8; 16]],
            skipped: 0,
            unverified: false,
        }
    }

    /// A monthly schedule two occurrences along, one more handled out of order and one moved.
    fn schedule() -> (ExpenseId, StoredItem) {
        use crate::domain::schedule::{End, Every, MonthDay, Rule, Schedule};
        let day = chrono::NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
        let rule = Rule::new(day, Every::Months(1, MonthDay::Day(31)), End::Never).unwrap();
        let draft = crate::domain::Draft::sample(day, 95_000, "rent", "Landlord");
        let mut s = Schedule::new(crate::store::new_schedule_id(), draft, rule, false);
        s.mark_handled(0);
        s.mark_handled(1);
        s.mark_handled(3);
        let o = s.date_of(2).unwrap();
        s.move_occurrence(o, chrono::NaiveDate::from_ymd_opt(2024, 3, 30).unwrap())
            .unwrap();
        s.version = 5;
        let img = crate::store::schedule::image(&s, 1_700_000_000_000, 1_700_000_200_000, 0);
        (s.id, img)
    }

    /// The fast path gives exactly the trees the transactional path gives (every key and
    /// value of every tree, the stream's bytes and `meta` hash included), and a store `check`
    /// finds consistent (restored import rows, seq 0, included).
    #[test]
    fn fast_restore_equals_the_transactional_one() {
        let snap = snapshot(12_000);
        let fast = Store::open_temporary().unwrap();
        let info = fast.restore_snapshot(&snap).unwrap();
        assert_eq!(
            (info.expenses, info.budgets, info.schedules, info.imports),
            (12_000, 1, 1, 2)
        );
        let id = snap.schedules[0].0;
        let restored = fast.schedules().unwrap();
        assert_eq!(restored.len(), 1);
        assert_eq!(
            (restored[0].id, restored[0].next, restored[0].version),
            (id, 2, 5)
        );
        assert_eq!(restored[0].done, [3]);
        assert_eq!(restored[0].moved.len(), 1);
        let slow = Store::open_temporary().unwrap();
        slow.restore_snapshot_tx(&snap).unwrap();
        // Each store has its own stream label (a restore starts a new one); the rest is equal.
        assert!(!fast.stream_label().unwrap().is_empty());
        // So has each its own replica id (`store/sync.rs`).
        for s in [&fast, &slow] {
            s.trees.meta.remove(META_STREAM_LABEL).unwrap();
            s.trees
                .meta
                .remove(super::super::tables::META_REPLICA)
                .unwrap();
        }
        let (a, b) = (fast.dump(), slow.dump());
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.0, y.0);
            assert!(x.1 == y.1, "tree {} differs", x.0);
        }
        let items = a.iter().find(|(n, _)| n == ITEMS).unwrap();
        assert_eq!(items.1.len(), 12_000);
        let problems = fast.verify().unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(fast.trees.stream_hash().unwrap(), {
            crate::store::stream::chain_of(&fast.trees.stream).unwrap()
        });
    }

    /// A restore that stops half-way (here: a day total that overflows i64) leaves its marker,
    /// and the store is refused at open with a message saying what to do.
    #[test]
    fn an_interrupted_restore_is_refused_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let mut snap = snapshot(2);
        for (_, item) in &mut snap.items {
            item.amount = i64::MAX;
            item.date = 20_240_101;
            item.category = "x".into();
            item.currency = Currency::EUR.bytes();
            item.kind = crate::store::keys::kind_byte(Kind::Expense);
        }
        {
            let store = Store::open(&path).unwrap();
            let e = store.restore_snapshot(&snap).unwrap_err().to_string();
            assert!(e.contains("overflows"), "{e}");
        }
        let e = Store::open_waiting(&path, std::time::Duration::from_secs(5))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("holds a restore that did not finish") && e.contains("delete"),
            "{e}"
        );
    }

    /// Ids out of order (or repeated) are refused before anything is written.
    #[test]
    fn ids_out_of_order_are_refused_before_writing() {
        let mut snap = snapshot(3);
        snap.items.swap(0, 2);
        let store = Store::open_temporary().unwrap();
        let e = store.restore_snapshot(&snap).unwrap_err().to_string();
        assert!(e.contains("not in id order"), "{e}");
        assert!(store.is_blank().unwrap());
        assert!(store.trees.meta.get(META_RESTORING).unwrap().is_none());
    }
}
