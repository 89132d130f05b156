//! Trash with time-to-live, at the store level: moving to the trash, restoring, purging and
//! sweeping write the documented stream records, keep aggregates and `check` consistent, and
//! (property) after any mix of them at random clock times the trash holds exactly the deleted,
//! not yet expired items.

use chrono::NaiveDate;
use expense_tracker::domain::{Currency, Draft, ExpenseId, Kind};
use expense_tracker::store::{Event, Origin, Store, StoreError};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const DAY: i64 = 86_400_000;

fn draft(amount: i64, cat: &str) -> Draft {
    Draft {
        date: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
        amount,
        currency: Currency::EUR,
        category: cat.into(),
        payee: "Shop".into(),
        note: String::new(),
        tags: vec!["t".into()],
        kind: Kind::Expense,
    }
}

fn nov(store: &Store) -> expense_tracker::store::Summary {
    let d = |x| NaiveDate::from_ymd_opt(2026, 11, x).unwrap();
    store.summary(d(1), d(30)).unwrap()
}

fn consistent(store: &Store) {
    let r = store.check().unwrap();
    assert!(r.is_consistent(), "{:#?}", r.problems);
}

#[test]
fn trash_then_sweep_writes_a_ttl_remove_with_the_old_image() {
    let s = Store::open_temporary().unwrap();
    let a = s.put(draft(1250, "food"), Origin::User, 0).unwrap();
    s.put(draft(300, "food"), Origin::User, 0).unwrap();
    let del = s.trash(a.id, 1, 1_000, 30 * DAY).unwrap();
    // A move to the trash is a MODIFY that marks the item (DynamoDB's TTL attribute).
    assert_eq!((del.event, del.origin), (Event::Modify, Origin::User));
    assert_eq!(del.new_trash.map(|m| m.expires_at), Some(1_000 + 30 * DAY));
    assert_eq!(nov(&s).count, 1, "a trashed item leaves the totals");
    assert_eq!(s.get(a.id).unwrap(), None);
    let t = s.trashed().unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!(
        (t[0].expense.id, t[0].deleted_at, t[0].expires_at),
        (a.id, 1_000, 1_000 + 30 * DAY)
    );
    consistent(&s);

    assert_eq!(s.sweep_trash(1_000 + 29 * DAY).unwrap(), 0);
    assert_eq!(s.trashed().unwrap().len(), 1);
    assert_eq!(s.sweep_trash(1_000 + 30 * DAY).unwrap(), 1);
    assert!(s.trashed().unwrap().is_empty());
    assert_eq!(nov(&s).count, 1, "the sweep does not unindex twice");
    consistent(&s);

    let recs = s.stream_since(del.seq, 10).unwrap();
    assert_eq!(recs.len(), 1);
    let ttl = &recs[0];
    assert_eq!(
        (ttl.event, ttl.origin, ttl.id),
        (Event::Remove, Origin::Ttl, a.id)
    );
    assert_eq!(ttl.old.as_ref().unwrap().draft, draft(1250, "food"));
    assert_eq!(ttl.new, None);
    // The user REMOVE still reads with its own old image.
    let again = s.stream_since(del.seq - 1, 1).unwrap();
    assert_eq!(again[0].old.as_ref().unwrap().draft.amount, 1250);
}

#[test]
fn restore_inserts_the_same_id_with_the_next_version() {
    let s = Store::open_temporary().unwrap();
    let a = s.put(draft(500, "rent"), Origin::User, 0).unwrap();
    let del = s.trash(a.id, 1, 10, DAY).unwrap();
    let back = s.restore(a.id, 20).unwrap();
    // A restore is a MODIFY from the marked image.
    assert_eq!((back.event, back.origin), (Event::Modify, Origin::User));
    assert_eq!(back.old.as_ref().map(|o| o.version), Some(1));
    assert!(back.old_trash.is_some() && back.new_trash.is_none());
    let e = s.get(a.id).unwrap().unwrap();
    assert_eq!((e.version, e.updated, e.created), (2, 20, 0));
    assert!(s.trashed().unwrap().is_empty());
    assert_eq!(nov(&s).count, 1);
    assert!(back.seq > del.seq);
    consistent(&s);
    // Not in the trash any more: a clear error, nothing written.
    let last = s.last_seq().unwrap();
    assert!(matches!(s.restore(a.id, 30), Err(StoreError::NotInTrash(id)) if id == a.id));
    assert!(matches!(s.purge(a.id, 30), Err(StoreError::NotInTrash(_))));
    assert_eq!(s.last_seq().unwrap(), last);
    // Deleted again later: a second trip through the trash.
    s.trash(a.id, 2, 40, DAY).unwrap();
    // A purge is a person's REMOVE (an expiry is the `ttl` one).
    assert_eq!(s.purge(a.id, 50).unwrap().origin, Origin::User);
    consistent(&s);
}

#[test]
fn history_shows_the_expired_item_as_the_old_image_of_its_ttl_remove() {
    let s = Store::open_temporary().unwrap();
    let a = s.put(draft(700, "fun"), Origin::User, 0).unwrap();
    s.trash(a.id, 1, 10, DAY).unwrap();
    assert_eq!(s.sweep_trash(10 + DAY).unwrap(), 1);
    let h = s.item_history(a.id, 0, 10).unwrap();
    let ttl = &h.records[0];
    assert_eq!((ttl.event, ttl.origin), (Event::Remove, Origin::Ttl));
    assert_eq!(ttl.old.as_ref().map(|e| e.draft.amount), Some(700));
    // The same record as the whole-store window and `expense stream` give it.
    let w = s.history_window(0, 10).unwrap();
    assert_eq!(w.records[0].old, ttl.old);
    assert_eq!(s.stream_since(ttl.seq - 1, 1).unwrap()[0].old, ttl.old);
}

#[test]
fn taking_back_a_comeback_deletes_into_the_trash_again() {
    let s = Store::open_temporary().unwrap();
    s.set_trash_ttl(2 * DAY);
    let a = s.put(draft(700, "fun"), Origin::User, 0).unwrap();
    s.trash(a.id, 1, 10, DAY).unwrap();
    // Undo of the delete brings it back; the redo deletes it again: into the trash.
    s.undo_step(20).unwrap().unwrap();
    assert!(s.trashed().unwrap().is_empty());
    s.redo_step(30).unwrap().unwrap();
    let t = s.trashed().unwrap();
    assert_eq!(t.len(), 1, "the redone delete is in the trash");
    assert_eq!(t[0].expense.id, a.id);
    consistent(&s);
    // Restored from the trash, then that restore undone: back in the trash, with the store's
    // time-to-live from the redo's time.
    s.restore(a.id, 40).unwrap();
    s.undo_step(50).unwrap().unwrap();
    assert_eq!(s.trashed().unwrap().len(), 1);
    assert_eq!(s.sweep_trash(50 + 2 * DAY - 1).unwrap(), 0);
    assert_eq!(s.sweep_trash(50 + 2 * DAY).unwrap(), 1);
    consistent(&s);
    // Undo of a plain add is no delete a person made: no trash.
    let b = s.put(draft(800, "fun"), Origin::User, 60).unwrap();
    s.undo_step(70).unwrap().unwrap();
    assert!(s.get(b.id).unwrap().is_none());
    assert!(s.trashed().unwrap().is_empty());
    consistent(&s);
}

#[test]
fn undo_of_a_delete_takes_it_out_of_the_trash_and_a_purge_cannot_be_undone() {
    let s = Store::open_temporary().unwrap();
    let a = s.put(draft(700, "fun"), Origin::User, 0).unwrap();
    let del = s.trash(a.id, 1, 10, DAY).unwrap();
    let un = s.undo_latest(20).unwrap().unwrap();
    assert_eq!((un.event, un.origin), (Event::Modify, Origin::Undo));
    assert!(un.old_trash.is_some());
    assert!(s.trashed().unwrap().is_empty());
    assert!(s.get(a.id).unwrap().is_some());
    consistent(&s);

    let b = s.put(draft(800, "fun"), Origin::User, 30).unwrap();
    let del_b = s.trash(b.id, 1, 40, DAY).unwrap();
    let purged = s.purge(b.id, 50).unwrap();
    let msg = s.undo(purged.seq, 60).unwrap_err().to_string();
    assert!(msg.contains("for good"), "{msg}");
    let msg = s.undo(del_b.seq, 60).unwrap_err().to_string();
    assert!(msg.contains("for good"), "{msg}");
    // `u` skips what is gone for good and undoes the latest standing change instead (b's put
    // cannot be undone either, so it goes to a's undo record... which cancels a's delete: the
    // standing change left is a's put).
    let next = s.undo_latest(70).unwrap().unwrap();
    assert_eq!(next.id, a.id);
    let _ = del;
    consistent(&s);
}

#[test]
fn zero_days_deletes_at_once_and_purge_all_empties_in_chunks() {
    let s = Store::open_temporary().unwrap();
    let a = s.put(draft(100, "x"), Origin::User, 0).unwrap();
    s.trash(a.id, 1, 5, 0).unwrap();
    assert!(s.trashed().unwrap().is_empty());
    let drafts: Vec<Draft> = (0..2_500).map(|i| draft(i + 1, "bulk")).collect();
    s.put_batch(drafts, Origin::Import, 0).unwrap();
    let ids: Vec<(ExpenseId, u64)> = s
        .range(
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            false,
            0,
            usize::MAX,
        )
        .unwrap()
        .into_iter()
        .map(|e| (e.id, e.version))
        .collect();
    for (i, (id, v)) in ids.iter().enumerate() {
        s.trash(*id, *v, 10 + i as i64, DAY).unwrap();
    }
    assert_eq!(s.trashed().unwrap().len(), 2_500);
    assert!(s.is_empty());
    assert_eq!(s.purge_all(100).unwrap(), 2_500);
    assert!(s.trashed().unwrap().is_empty());
    consistent(&s);
}

#[test]
fn concurrent_sweeps_and_purges_remove_each_item_once() {
    let s = Store::open_temporary().unwrap();
    let mut ids = Vec::new();
    for i in 0..300 {
        let id = s.put(draft(i + 1, "c"), Origin::User, 0).unwrap().id;
        s.trash(id, 1, 0, 1 + i % 3).unwrap();
        ids.push(id);
    }
    let handles: Vec<_> = (0..3)
        .map(|k| {
            let s = s.clone();
            let ids = ids.clone();
            std::thread::spawn(move || match k {
                0 => s.sweep_trash(10).unwrap(),
                1 => s.purge_all(10).unwrap(),
                _ => ids.iter().filter(|id| s.purge(**id, 10).is_ok()).count(),
            })
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, 300, "every item removed exactly once");
    assert!(s.trashed().unwrap().is_empty());
    let ttl = s
        .stream_since(0, usize::MAX)
        .unwrap()
        .into_iter()
        .filter(|r| r.event == Event::Remove && r.old_trash.is_some())
        .count();
    assert_eq!(ttl, 300, "one REMOVE per item, expiry or purge");
    consistent(&s);
}

#[derive(Debug, Clone)]
enum Op {
    Put(i64),
    Edit(usize, i64),
    Trash(usize, u8),
    Restore(usize),
    Purge(usize),
    Undo,
    Sweep,
    Advance(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1i64..10_000).prop_map(Op::Put),
        1 => (0usize..50, 1i64..10_000).prop_map(|(i, a)| Op::Edit(i, a)),
        3 => (0usize..50, 0u8..4).prop_map(|(i, d)| Op::Trash(i, d)),
        1 => (0usize..50).prop_map(Op::Restore),
        1 => (0usize..50).prop_map(Op::Purge),
        1 => Just(Op::Undo),
        2 => Just(Op::Sweep),
        2 => (0u8..5).prop_map(Op::Advance),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn trash_holds_exactly_the_deleted_unexpired_items(ops in prop::collection::vec(op(), 1..60)) {
        let s = Store::open_temporary().unwrap();
        let mut now: i64 = 1_000;
        let mut known: Vec<ExpenseId> = Vec::new();
        // id -> expires_at of what the model says is in the trash.
        let mut trash: BTreeMap<ExpenseId, i64> = BTreeMap::new();
        let mut gone: BTreeSet<ExpenseId> = BTreeSet::new();
        for op in ops {
            now += 1;
            let pick = |i: usize| known.get(i % known.len().max(1)).copied();
            match op {
                Op::Put(a) => known.push(s.put(draft(a, "c"), Origin::User, now).unwrap().id),
                Op::Edit(i, a) => if let Some(id) = pick(i) {
                    if let Some(e) = s.get(id).unwrap() {
                        s.update(id, e.version, draft(a, "d"), Origin::User, now).unwrap();
                    }
                },
                Op::Trash(i, d) => if let Some(id) = pick(i) {
                    if let Some(e) = s.get(id).unwrap() {
                        let ttl = i64::from(d) * DAY;
                        s.trash(id, e.version, now, ttl).unwrap();
                        if ttl > 0 { trash.insert(id, now + ttl); } else { gone.insert(id); }
                    }
                },
                Op::Restore(i) => if let Some(id) = pick(i) {
                    let r = s.restore(id, now);
                    prop_assert_eq!(r.is_ok(), trash.remove(&id).is_some());
                },
                Op::Purge(i) => if let Some(id) = pick(i) {
                    let r = s.purge(id, now);
                    let was = trash.remove(&id).is_some();
                    prop_assert_eq!(r.is_ok(), was);
                    if was { gone.insert(id); }
                },
                Op::Undo => {
                    // The model follows what undo did: a re-insert takes the item out of the
                    // trash, a removal of an add puts nothing in it.
                    // Taking back a comeback (a restore, an undone delete) trashes it again with
                    // the store's time-to-live (30 days here); which INSERTs were comebacks is
                    // pinned down by `taking_back_a_comeback_deletes_into_the_trash_again`.
                    if let Ok(Some(rec)) = s.undo_latest(now) {
                        if rec.live_new().is_some() { trash.remove(&rec.id); gone.remove(&rec.id); }
                        if rec.live_new().is_none() {
                            if let Some(t) = s.trashed().unwrap().into_iter().find(|t| t.expense.id == rec.id) {
                                prop_assert_eq!(t.expires_at, now + 30 * DAY);
                                trash.insert(rec.id, t.expires_at);
                            }
                        }
                    }
                },
                Op::Sweep => {
                    let due: Vec<ExpenseId> =
                        trash.iter().filter(|(_, &x)| x <= now).map(|(id, _)| *id).collect();
                    prop_assert_eq!(s.sweep_trash(now).unwrap(), due.len());
                    for id in due { trash.remove(&id); gone.insert(id); }
                },
                Op::Advance(d) => now += i64::from(d) * DAY / 2,
            }
            let held: BTreeMap<ExpenseId, i64> = s
                .trashed()
                .unwrap()
                .into_iter()
                .map(|t| (t.expense.id, t.expires_at))
                .collect();
            prop_assert_eq!(&held, &trash);
            for id in trash.keys().chain(gone.iter()) {
                prop_assert!(s.get(*id).unwrap().is_none());
            }
        }
        let r = s.check().unwrap();
        prop_assert!(r.is_consistent(), "{:#?}", r.problems);
    }
}
