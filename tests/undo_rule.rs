//! The one undo rule (`store/undo.rs`), asserted in every path that used to have its own copy:
//! a single undo or redo, a history batch (undo/redo of a whole batch) and an import undo.
//! Rule: undo puts an item back where it was. Taking back an INSERT that brought an expense
//! back from the trash (a restore, an undo of a delete into the trash, or the redo of one) puts
//! it in the trash again when the trash TTL is above 0, and removes it outright otherwise; an
//! INSERT of a new expense, or one that came back after a plain removal, taken back is removed.
//! And the condition of every path: the item must hold what the record wrote, by that record
//! or by later undos that brought it back to the same fields (add, edit, u, u).

use chrono::NaiveDate;
use expense_tracker::domain::{Currency, Draft, Kind};
use expense_tracker::store::{Event, ImportRow, Origin, Store, Undone};

const DAY: i64 = 86_400_000;
const TTL: i64 = 30 * DAY;

fn draft(amount: i64) -> Draft {
    Draft {
        date: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
        amount,
        currency: Currency::EUR,
        category: "food".into(),
        payee: "Shop".into(),
        note: String::new(),
        tags: vec![],
        kind: Kind::Expense,
    }
}

fn rows(n: u8) -> Vec<ImportRow> {
    (1..=n)
        .map(|i| ImportRow {
            draft: draft(100 * i64::from(i)),
            hash: Some([i; 16]),
            id: None,
            version: None,
        })
        .collect()
}

fn store(ttl: i64) -> Store {
    let s = Store::open_temporary().unwrap();
    s.set_trash_ttl(ttl);
    s
}

fn consistent(s: &Store) {
    let r = s.check().unwrap();
    assert!(r.is_consistent(), "{:#?}", r.problems);
}

fn batch(u: Option<Undone>) -> expense_tracker::store::BatchUndo {
    match u {
        Some(Undone::Batch(b)) => b,
        other => panic!("expected a batch step, got {other:?}"),
    }
}

/// Single undo: restore from the trash, then undo the restore: the item goes back to the trash.
#[test]
fn single_undo_of_a_reinsert_puts_it_in_the_trash() {
    for (ttl, trashed) in [(TTL, 1), (0, 0)] {
        let s = store(ttl);
        let a = s.put(draft(100), Origin::User, 1).unwrap();
        s.trash(a.id, 1, 2, TTL).unwrap();
        let back = s.restore(a.id, 3).unwrap();
        // Out of the trash: a MODIFY from the marked image.
        assert_eq!(back.event, Event::Modify);
        let undo = s.undo(back.seq, 4).unwrap();
        // Back into the trash (a MODIFY), or with no trash, the item's REMOVE.
        let into = if ttl > 0 {
            Event::Modify
        } else {
            Event::Remove
        };
        assert_eq!((undo.event, undo.origin), (into, Origin::Undo));
        assert_eq!(s.get(a.id).unwrap(), None);
        assert_eq!(s.trashed().unwrap().len(), trashed, "ttl {ttl}");
        consistent(&s);
        // The redo brings it back out of the trash.
        let Some(Undone::One(redo)) = s.redo_step(5).unwrap() else {
            panic!("expected a redo")
        };
        let out = if ttl > 0 {
            Event::Modify
        } else {
            Event::Insert
        };
        assert_eq!(redo.event, out);
        assert!(s.get(a.id).unwrap().is_some());
        assert!(s.trashed().unwrap().is_empty());
        consistent(&s);
    }
}

/// History batch: import, undo it, redo it (INSERTs that bring the items back), undo the redo:
/// undo puts things back where they were, so the items are removed outright again, as the
/// import undo left them (never into the trash they never were in), whatever the trash TTL.
#[test]
fn history_batch_undo_of_reinserts_puts_them_back_where_they_were() {
    for (ttl, trashed) in [(TTL, 0), (0, 0)] {
        let s = store(ttl);
        let imp = s.import(&rows(3), 1, &mut |_| {}).unwrap();
        assert_eq!(imp.added, 3);
        let u = batch(s.undo_step(2).unwrap());
        assert_eq!((u.undone, u.kept), (3, 0));
        assert!(
            s.trashed().unwrap().is_empty(),
            "new items are removed outright"
        );
        let r = batch(s.redo_step(3).unwrap());
        assert_eq!((r.undone, r.kept), (3, 0));
        assert_eq!(s.len(), 3);
        let u = batch(s.undo_step(4).unwrap());
        assert_eq!((u.undone, u.kept), (3, 0));
        assert_eq!(s.len(), 0);
        assert_eq!(s.trashed().unwrap().len(), trashed, "ttl {ttl}");
        consistent(&s);
        // Redo again: back out of the trash.
        let r = batch(s.redo_step(5).unwrap());
        assert_eq!((r.undone, r.kept), (3, 0));
        assert_eq!(s.len(), 3);
        assert!(s.trashed().unwrap().is_empty());
        consistent(&s);
    }
}

/// Import undo: an import INSERT brings nothing back, so its items are removed outright, also
/// one that was deleted and restored since (it holds the imported fields); the hash is forgotten.
#[test]
fn import_undo_removes_new_items_outright_and_forgets_hashes() {
    let s = store(TTL);
    let imp = s.import(&rows(2), 1, &mut |_| {}).unwrap();
    let first = s.stream_since(0, 1).unwrap().remove(0);
    s.trash(first.id, 1, 2, TTL).unwrap();
    s.restore(first.id, 3).unwrap();
    let u = s.undo_batch(imp.batch.unwrap(), 4).unwrap();
    assert_eq!((u.undone, u.kept), (2, 0));
    assert_eq!(s.len(), 0);
    assert!(s.trashed().unwrap().is_empty());
    consistent(&s);
    let again = s.import(&rows(2), 5, &mut |_| {}).unwrap();
    assert_eq!(again.added, 2, "the hashes were forgotten");
}

/// The same-fields condition, single path: add, edit, u, u removes the item.
#[test]
fn add_edit_u_u_removes_the_item() {
    let s = store(TTL);
    let a = s.put(draft(100), Origin::User, 1).unwrap();
    s.update(a.id, 1, draft(200), Origin::User, 2).unwrap();
    let Some(Undone::One(u1)) = s.undo_step(3).unwrap() else {
        panic!("expected one")
    };
    assert_eq!(u1.event, Event::Modify);
    let Some(Undone::One(u2)) = s.undo_step(4).unwrap() else {
        panic!("expected one")
    };
    assert_eq!(u2.event, Event::Remove);
    assert_eq!(s.get(a.id).unwrap(), None);
    assert!(
        s.trashed().unwrap().is_empty(),
        "a new item is removed outright"
    );
    consistent(&s);
}

/// The same-fields condition, batch paths: an item edited and the edit undone still holds what
/// the batch wrote, so the import undo and the history batch take it back with the rest.
#[test]
fn edit_then_undo_of_the_edit_keeps_an_item_in_its_batch() {
    // Import undo.
    let s = store(TTL);
    let imp = s.import(&rows(2), 1, &mut |_| {}).unwrap();
    let id = s.stream_since(0, 1).unwrap()[0].id;
    let e = s.get(id).unwrap().unwrap();
    let edit = s.update(id, e.version, draft(1), Origin::User, 2).unwrap();
    s.undo(edit.seq, 3).unwrap();
    let u = s.undo_batch(imp.batch.unwrap(), 4).unwrap();
    assert_eq!((u.undone, u.kept), (2, 0));
    consistent(&s);

    // History batch: import, undo, redo, edit one, u (the edit), u (the redo batch).
    let s = store(TTL);
    s.import(&rows(2), 1, &mut |_| {}).unwrap();
    batch(s.undo_step(2).unwrap());
    batch(s.redo_step(3).unwrap());
    let e = s.range(draft(0).date, draft(0).date, false, 0, 1).unwrap()[0].clone();
    s.update(e.id, e.version, draft(1), Origin::User, 4)
        .unwrap();
    assert!(matches!(s.undo_step(5).unwrap(), Some(Undone::One(_))));
    let u = batch(s.undo_step(6).unwrap());
    assert_eq!((u.undone, u.kept), (2, 0));
    assert_eq!(s.len(), 0);
    assert_eq!(
        s.trashed().unwrap().len(),
        0,
        "re-inserts taken back go where they were: removed, as the import undo left them"
    );
    consistent(&s);
}
