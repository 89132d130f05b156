//! Undo and redo over the whole store, and history reads: after any sequence of puts, updates,
//! deletes and an import batch, undoing every step gives back the original items (indexes and
//! aggregates consistent), and redoing every step gives the final items again; a new change
//! clears the redo chain; a redo over a newer change reports the conflict and writes nothing;
//! history windows and per-expense history read the right records.

use chrono::NaiveDate;
use expense_tracker::domain::{Currency, Draft, ExpenseId, Kind};
use expense_tracker::store::{Event, ImportRow, Origin, Store, StoreError, Undone};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn draft(day: u32, amount: i64, cat: &str) -> Draft {
    Draft {
        date: NaiveDate::from_ymd_opt(2026, 3, 1 + day % 28).unwrap(),
        amount,
        currency: Currency::EUR,
        category: cat.into(),
        payee: format!("P{}", amount % 5),
        note: String::new(),
        tags: if amount % 2 == 0 {
            vec!["t".into()]
        } else {
            vec![]
        },
        kind: Kind::Expense,
    }
}

#[derive(Debug, Clone)]
enum Op {
    Put(u32, i64),
    Update { target: usize, amount: i64 },
    Delete { target: usize },
    Import(Vec<(u32, i64)>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u32..28, 1i64..10_000).prop_map(|(d, a)| Op::Put(d, a)),
        3 => (any::<usize>(), 1i64..10_000).prop_map(|(target, amount)| Op::Update { target, amount }),
        2 => any::<usize>().prop_map(|target| Op::Delete { target }),
        1 => prop::collection::vec((0u32..28, 1i64..10_000), 1..6).prop_map(Op::Import),
    ]
}

/// Every stored item's id and fields.
fn items(store: &Store) -> BTreeMap<ExpenseId, Draft> {
    let (lo, hi) = (
        NaiveDate::from_ymd_opt(1, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
    );
    store
        .range(lo, hi, false, 0, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|e| (e.id, e.draft))
        .collect()
}

fn ids(store: &Store) -> Vec<ExpenseId> {
    items(store).into_keys().collect()
}

/// Applies `op`; returns whether it wrote a step (an update of nothing writes none).
fn apply(store: &Store, op: &Op, now: i64, hash: &mut u8) -> bool {
    match op {
        Op::Put(d, a) => {
            store.put(draft(*d, *a, "food"), Origin::User, now).unwrap();
        }
        Op::Update { target, amount } => {
            let ids = ids(store);
            if ids.is_empty() {
                return false;
            }
            let e = store.get(ids[target % ids.len()]).unwrap().unwrap();
            let mut d = e.draft.clone();
            d.amount = *amount;
            d.category = "food:x".into();
            store.update(e.id, e.version, d, Origin::User, now).unwrap();
        }
        Op::Delete { target } => {
            let ids = ids(store);
            if ids.is_empty() {
                return false;
            }
            let e = store.get(ids[target % ids.len()]).unwrap().unwrap();
            store.delete(e.id, e.version, Origin::User, now).unwrap();
        }
        Op::Import(rows) => {
            let rows: Vec<ImportRow> = rows
                .iter()
                .map(|(d, a)| {
                    *hash = hash.wrapping_add(1);
                    ImportRow {
                        draft: draft(*d, *a, "rent"),
                        hash: Some([*hash; 16]),
                        id: None,
                        version: None,
                    }
                })
                .collect();
            let done = store.import(&rows, now, &mut |_| {}).unwrap();
            return done.added > 0;
        }
    }
    true
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn undo_all_gives_the_original_and_redo_all_the_final(
        seed in prop::collection::vec((0u32..28, 1i64..10_000), 0..4),
        ops in prop::collection::vec(op(), 1..25),
    ) {
        let store = Store::open_temporary().unwrap();
        store.use_month_start_day(1).unwrap();
        for (d, a) in &seed {
            store.put(draft(*d, *a, "seed"), Origin::User, 1).unwrap();
        }
        let original = items(&store);
        let mut hash = 0u8;
        let mut steps = 0;
        for (i, op) in ops.iter().enumerate() {
            if apply(&store, op, 1_000 + i as i64, &mut hash) {
                steps += 1;
            }
        }
        let last = items(&store);
        for i in 0..steps {
            let step = store.undo_step(5_000 + i as i64).unwrap();
            prop_assert!(step.is_some(), "undo {i} of {steps} found nothing");
            if let Some(Undone::Batch(b)) = step {
                prop_assert_eq!(b.kept, 0);
            }
        }
        prop_assert_eq!(items(&store), original.clone());
        prop_assert_eq!(store.verify().unwrap(), Vec::<String>::new());
        for i in 0..steps {
            let step = store.redo_step(9_000 + i as i64).unwrap();
            prop_assert!(step.is_some(), "redo {i} of {steps} found nothing");
            if let Some(Undone::Batch(b)) = step {
                prop_assert_eq!(b.kept, 0);
            }
        }
        prop_assert_eq!(items(&store), last);
        prop_assert!(store.redo_step(20_000).unwrap().is_none());
        prop_assert_eq!(store.verify().unwrap(), Vec::<String>::new());
        // And back once more: redone steps undo like any other change.
        for i in 0..steps {
            prop_assert!(store.undo_step(30_000 + i as i64).unwrap().is_some());
        }
        prop_assert_eq!(items(&store), original);
        prop_assert_eq!(store.verify().unwrap(), Vec::<String>::new());
    }
}

#[test]
fn a_new_change_clears_the_redo_chain() {
    let store = Store::open_temporary().unwrap();
    store.put(draft(1, 100, "a"), Origin::User, 1).unwrap();
    store.put(draft(2, 200, "b"), Origin::User, 2).unwrap();
    store.undo_step(3).unwrap().unwrap();
    store.undo_step(4).unwrap().unwrap();
    assert!(store.is_empty());
    // Redo one, then a new change: the other undo can no longer be redone.
    let Some(Undone::One(r)) = store.redo_step(5).unwrap() else {
        panic!("expected one record")
    };
    assert_eq!((r.origin, r.event), (Origin::Redo, Event::Insert));
    assert_eq!(r.new.as_ref().unwrap().draft.amount, 100);
    store.put(draft(3, 300, "c"), Origin::User, 6).unwrap();
    assert!(store.redo_step(7).unwrap().is_none());
    // Undo the new change: its undo is redoable, the older one still is not.
    store.undo_step(8).unwrap().unwrap();
    let Some(Undone::One(r)) = store.redo_step(9).unwrap() else {
        panic!("expected one record")
    };
    assert_eq!(r.new.as_ref().unwrap().draft.amount, 300);
    assert!(store.redo_step(10).unwrap().is_none());
    assert_eq!(store.len(), 2);
    assert!(store.verify().unwrap().is_empty());
}

#[test]
fn a_redo_over_a_newer_change_reports_the_conflict_and_writes_nothing() {
    let store = Store::open_temporary().unwrap();
    let put = store.put(draft(1, 100, "a"), Origin::User, 1).unwrap();
    let e = put.new.unwrap();
    let mut d = e.draft.clone();
    d.amount = 150;
    store.update(e.id, 1, d.clone(), Origin::User, 2).unwrap();
    store.undo_step(3).unwrap().unwrap(); // back to 100, version 3
                                          // A machine write (another device) changes it; it does not clear the redo chain, but the
                                          // redo would overwrite it.
    d.amount = 999;
    store.update(e.id, 3, d, Origin::Replica, 4).unwrap();
    let before = store.last_seq().unwrap();
    match store.redo_step(5) {
        Err(StoreError::Conflict { id, found, .. }) => assert_eq!((id, found), (e.id, Some(4))),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(store.last_seq().unwrap(), before);
    assert_eq!(store.get(e.id).unwrap().unwrap().draft.amount, 999);
}

#[test]
fn history_windows_and_item_history_read_the_right_records() {
    let store = Store::open_temporary().unwrap();
    assert!(store.history_window(0, 10).unwrap().records.is_empty());
    let a = store.put(draft(1, 100, "a"), Origin::User, 1).unwrap().id;
    let b = store.put(draft(2, 200, "b"), Origin::User, 2).unwrap().id;
    for v in 1..=3u64 {
        let e = store.get(a).unwrap().unwrap();
        let mut d = e.draft.clone();
        d.amount += 1;
        store.update(a, v, d, Origin::User, 2 + v as i64).unwrap();
    }
    store.delete(b, 1, Origin::User, 9).unwrap();
    // seqs: 1 put a, 2 put b, 3-5 edits of a, 6 delete b.
    let w = store.history_window(0, 3).unwrap();
    assert_eq!(w.newest, 6);
    let seqs: Vec<u64> = w.records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, vec![6, 5, 4]);
    assert_eq!(w.records[0].event, Event::Remove);
    assert_eq!(w.records[0].old.as_ref().unwrap().draft.amount, 200);
    // Old images come from inside the window or from the record before it.
    assert_eq!(w.records[1].old.as_ref().unwrap().draft.amount, 102);
    assert_eq!(w.records[2].old.as_ref().unwrap().draft.amount, 101);
    let w = store.history_window(4, 10).unwrap();
    let seqs: Vec<u64> = w.records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, vec![2, 1]);
    assert!(store.history_window(6, 10).unwrap().records.is_empty());
    assert!(store.history_window(99, 10).unwrap().records.is_empty());

    let h = store.item_history(a, 0, 10).unwrap();
    assert_eq!(h.total, 4);
    let seqs: Vec<u64> = h.records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, vec![5, 4, 3, 1]);
    assert_eq!(h.records[3].old, None);
    assert_eq!(h.records[0].old.as_ref().unwrap().draft.amount, 102);
    let h = store.item_history(a, 1, 2).unwrap();
    let seqs: Vec<u64> = h.records.iter().map(|r| r.seq).collect();
    assert_eq!((h.total, seqs), (4, vec![4, 3]));
    assert_eq!(h.records[1].old.as_ref().unwrap().draft.amount, 100);
    // A deleted expense's history is found too, and an unknown id has none.
    let h = store.item_history(b, 0, 10).unwrap();
    let seqs: Vec<u64> = h.records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, vec![6, 2]);
    assert_eq!(store.item_history(ExpenseId(7), 0, 10).unwrap().total, 0);
    // Undo and redo continue the chain of their expense.
    store.undo_step(10).unwrap().unwrap();
    store.redo_step(11).unwrap().unwrap();
    let h = store.item_history(b, 0, 10).unwrap();
    let origins: Vec<Origin> = h.records.iter().map(|r| r.origin).collect();
    assert_eq!(
        origins,
        vec![Origin::Redo, Origin::Undo, Origin::User, Origin::User]
    );
}
