//! Sync between replicas (issue 16): three stores, random operations on each (add, edit,
//! delete, trash restore, purge, budgets, undo, category rename), syncs between random pairs in
//! random order through the real protocol code (`engine::sync::client` against
//! `engine::sync::serve` on a socket pair), each replica with its own clock skew; then a final
//! round: all three hold exactly the same expenses, trash and budgets, every store passes
//! `check --stream`, and every conflict names a record the store holds.

use chrono::NaiveDate;
use expense_tracker::domain::rename::BudgetMerge;
use expense_tracker::domain::schedule::{End, Every, Rule, Schedule};
use expense_tracker::domain::{Currency, Draft, ExpenseId, Kind};
use expense_tracker::engine::sync::{client, serve, Report};
use expense_tracker::store::{ImportRow, Origin, Store};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::io::BufReader;
use std::os::unix::net::UnixStream;

const CATS: [&str; 4] = ["food", "food:coffee", "rent", "fun"];
const DAY: i64 = 86_400_000;

fn draft(amount: i64, cat: &str, day: u32) -> Draft {
    Draft {
        date: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
        amount,
        currency: Currency::EUR,
        category: cat.into(),
        payee: format!("P{}", amount % 7),
        note: String::new(),
        tags: vec![],
        kind: Kind::Expense,
    }
}

#[derive(Debug, Clone)]
enum Op {
    Add(i64, usize, u32),
    Edit(usize, i64),
    Trash(usize),
    Restore(usize),
    Purge(usize),
    Budget(usize, Option<i64>),
    Undo,
    Rename(usize, usize),
    /// The same bank file (rows `k..k+3` of one statement) imported here.
    Import(usize),
    /// A new schedule: every 3 days from Nov 1, 5 times, in this category.
    Schedule(usize),
    /// Post what is due by Nov `day`.
    PostDue(u32),
    Sync(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1i64..5_000, 0..CATS.len(), 1u32..29).prop_map(|(a, c, d)| Op::Add(a, c, d)),
        3 => (any::<usize>(), 1i64..5_000).prop_map(|(i, a)| Op::Edit(i, a)),
        2 => any::<usize>().prop_map(Op::Trash),
        1 => any::<usize>().prop_map(Op::Restore),
        1 => any::<usize>().prop_map(Op::Purge),
        1 => (0..CATS.len(), proptest::option::of(1i64..90_000)).prop_map(|(c, a)| Op::Budget(c, a)),
        1 => Just(Op::Undo),
        1 => (0..CATS.len(), 0..CATS.len()).prop_map(|(a, b)| Op::Rename(a, b)),
        1 => (0usize..4).prop_map(Op::Import),
        1 => (0..CATS.len()).prop_map(Op::Schedule),
        1 => (1u32..20).prop_map(Op::PostDue),
        3 => (0usize..3).prop_map(Op::Sync),
    ]
}

struct Replica {
    store: Store,
    /// This device's clock skew (ms).
    skew: i64,
}

/// Runs one sync: `a` runs the client, `b` serves, over a socket pair; the client's outcome.
fn try_sync(
    a: &Store,
    b: &Store,
    now: i64,
    opts: expense_tracker::engine::sync::Options,
) -> Result<Report, expense_tracker::engine::sync::SyncError> {
    let (ca, cb) = UnixStream::pair().unwrap();
    let served = b.clone();
    let server = std::thread::spawn(move || {
        let mut r = BufReader::new(cb.try_clone().unwrap());
        let mut w = cb;
        serve(&served, &mut r, &mut w, &move || now)
    });
    let mut r = BufReader::new(ca.try_clone().unwrap());
    let mut w = ca;
    let report = client(a, &mut r, &mut w, opts, "test", &move || now);
    let served = server.join().unwrap();
    if report.is_ok() {
        served.expect("server side");
    }
    report
}

/// [`try_sync`], which must succeed.
fn sync(a: &Store, b: &Store, now: i64) -> Report {
    try_sync(a, b, now, Default::default()).expect("client side")
}

fn all_expenses(s: &Store) -> Vec<Draft> {
    let d = |y, m, x| NaiveDate::from_ymd_opt(y, m, x).unwrap();
    let mut v: Vec<(ExpenseId, Draft)> = s
        .range(d(2000, 1, 1), d(2100, 1, 1), false, 0, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|e| (e.id, e.draft))
        .collect();
    v.sort_by_key(|(id, _)| *id);
    v.into_iter().map(|(_, d)| d).collect()
}

fn ids(s: &Store) -> Vec<ExpenseId> {
    let d = |y, m, x| NaiveDate::from_ymd_opt(y, m, x).unwrap();
    s.range(d(2000, 1, 1), d(2100, 1, 1), false, 0, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect()
}

/// A replica's expenses by id, then its trash, budgets and schedules as text.
type Held = (
    Vec<(ExpenseId, Draft)>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
);

/// What must be equal on every replica: expenses (by id), the trash (id, image, times),
/// budgets, schedules (and how far each was posted).
fn state(s: &Store) -> Held {
    let d = |y, m, x| NaiveDate::from_ymd_opt(y, m, x).unwrap();
    let mut items: Vec<(ExpenseId, Draft)> = s
        .range(d(2000, 1, 1), d(2100, 1, 1), false, 0, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|e| (e.id, e.draft))
        .collect();
    items.sort_by_key(|(id, _)| *id);
    let mut trash: Vec<String> = s
        .trashed()
        .unwrap()
        .into_iter()
        .map(|t| {
            format!(
                "{} {:?} {} {}",
                t.expense.id, t.expense.draft, t.deleted_at, t.expires_at
            )
        })
        .collect();
    trash.sort();
    let budgets = s
        .budgets()
        .unwrap()
        .into_iter()
        .map(|b| format!("{b:?}"))
        .collect();
    let schedules = s
        .schedules()
        .unwrap()
        .into_iter()
        .map(|x| {
            format!(
                "{:?} {:?} {} {:?} {:?}",
                x.id, x.template, x.next, x.done, x.rule
            )
        })
        .collect();
    (items, trash, budgets, schedules)
}

fn apply(r: &Replica, op: &Op, now: i64) {
    let s = &r.store;
    let now = now + r.skew;
    let pick = |i: usize| {
        let v = ids(s);
        (!v.is_empty()).then(|| v[i % v.len()])
    };
    let picked_trash = |i: usize| {
        let v = s.trashed().unwrap();
        (!v.is_empty()).then(|| v[i % v.len()].expense.id)
    };
    // Refusals (a conflict, nothing to undo, a rename onto itself) are part of the game; a
    // store error of another kind is not.
    match op {
        Op::Add(a, c, d) => {
            s.put(draft(*a, CATS[*c], *d), Origin::User, now).unwrap();
        }
        Op::Edit(i, a) => {
            if let Some(id) = pick(*i) {
                let e = s.get(id).unwrap().unwrap();
                let mut dr = e.draft.clone();
                dr.amount = *a;
                s.update(id, e.version, dr, Origin::User, now).unwrap();
            }
        }
        Op::Trash(i) => {
            if let Some(id) = pick(*i) {
                let v = s.get(id).unwrap().unwrap().version;
                s.trash(id, v, now, 30 * DAY).unwrap();
            }
        }
        Op::Restore(i) => {
            if let Some(id) = picked_trash(*i) {
                s.restore(id, now).unwrap();
            }
        }
        Op::Purge(i) => {
            if let Some(id) = picked_trash(*i) {
                s.purge(id, now).unwrap();
            }
        }
        Op::Budget(c, a) => {
            let _ = s
                .set_budget(CATS[*c], a.map(|a| (Currency::EUR, a)), Origin::User, now)
                .unwrap();
        }
        Op::Undo => {
            let _ = s.undo_step(now);
        }
        Op::Rename(a, b) => {
            let _ = s.rename_category(CATS[*a], CATS[*b], BudgetMerge::Sum, now, &mut |_, _| {});
        }
        Op::Import(k) => {
            let rows: Vec<ImportRow> = (*k..k + 3)
                .map(|i| ImportRow {
                    draft: draft(1_000 + i as i64, "food", 1 + i as u32),
                    hash: Some(
                        u128::try_from(i)
                            .unwrap()
                            .wrapping_mul(0x9E37_79B9)
                            .to_be_bytes(),
                    ),
                    id: None,
                    version: None,
                })
                .collect();
            s.import(&rows, now, &mut |_| {}).unwrap();
        }
        Op::Schedule(c) => {
            let start = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
            let rule = Rule::new(start, Every::Days(3), End::After(5)).unwrap();
            let sch = Schedule::new(ExpenseId(0), draft(950, CATS[*c], 1), rule, false);
            s.save_schedule(&sch, Origin::User, now).unwrap();
        }
        Op::PostDue(day) => {
            s.post_due(NaiveDate::from_ymd_opt(2026, 11, *day).unwrap(), now)
                .unwrap();
        }
        Op::Sync(_) => unreachable!(),
    }
}

fn consistent(s: &Store, who: usize) {
    let r = s.check_scope(true).unwrap();
    assert!(r.is_consistent(), "replica {who}: {:#?}", r.problems);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("EXPENSE_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        .. ProptestConfig::default()
    })]

    #[test]
    fn three_replicas_converge_whatever_the_order_of_syncs(
        steps in proptest::collection::vec((0usize..3, op()), 1..40),
        skews in proptest::array::uniform3(-3_600_000i64..3_600_000),
    ) {
        let reps: Vec<Replica> = skews
            .iter()
            .map(|&skew| Replica { store: Store::open_temporary().unwrap(), skew })
            .collect();
        // A clock that moves 1 ms per step: many writes share a millisecond on some replica,
        // so the clock's counter and the replica tie-break are exercised.
        let mut now = 1_790_000_000_000i64;
        for (who, op) in &steps {
            now += 1;
            match op {
                Op::Sync(other) => {
                    let other = (*who + 1 + other % 2) % 3;
                    sync(&reps[*who].store, &reps[other].store, now);
                }
                op => apply(&reps[*who], op, now),
            }
        }
        // The final round: every pair, twice around, so every change reaches everyone.
        for (a, b) in [(0, 1), (1, 2), (2, 0), (0, 1), (1, 2)] {
            now += 1;
            sync(&reps[a].store, &reps[b].store, now);
        }
        let first = state(&reps[0].store);
        for (i, r) in reps.iter().enumerate() {
            consistent(&r.store, i);
            prop_assert_eq!(&state(&r.store), &first, "replica {} differs from replica 0", i);
            for (seq, c) in r.store.sync_conflicts().unwrap() {
                prop_assert!(seq <= r.store.last_seq().unwrap());
                prop_assert!(c.lost_seq < seq, "the lost record comes before the winner");
            }
        }
        // Nothing left to send: another round moves nothing.
        let again = sync(&reps[0].store, &reps[1].store, now + 1);
        prop_assert_eq!((again.received, again.sent), (0, 0));
        let _ = all_expenses;
    }
}

#[test]
fn a_later_edit_wins_on_every_replica_and_the_replaced_local_edit_is_a_conflict() {
    let a = Store::open_temporary().unwrap();
    let b = Store::open_temporary().unwrap();
    let t0 = 1_790_000_000_000;
    let x = a.put(draft(100, "food", 3), Origin::User, t0).unwrap();
    sync(&a, &b, t0 + 1);
    assert_eq!(all_expenses(&b).len(), 1);
    // Both edit before they see each other: b's edit is later, so it wins everywhere.
    let va = a.get(x.id).unwrap().unwrap();
    a.update(
        x.id,
        va.version,
        draft(200, "food", 3),
        Origin::User,
        t0 + 10,
    )
    .unwrap();
    let vb = b.get(x.id).unwrap().unwrap();
    b.update(
        x.id,
        vb.version,
        draft(300, "food", 3),
        Origin::User,
        t0 + 20,
    )
    .unwrap();
    let r = sync(&a, &b, t0 + 30);
    assert_eq!((r.received, r.conflicts), (1, 1), "{r:?}");
    assert_eq!(all_expenses(&a)[0].amount, 300);
    assert_eq!(all_expenses(&b)[0].amount, 300);
    let conflicts = a.sync_conflicts().unwrap();
    assert_eq!(conflicts.len(), 1);
    // The replaced version is the old image of the record that won.
    let (seq, c) = &conflicts[0];
    let rec = a.stream_since(seq - 1, 1).unwrap().remove(0);
    assert_eq!(rec.origin, Origin::Replica);
    assert_eq!(rec.old.unwrap().draft.amount, 200);
    assert_eq!(c.id, x.id.0);
    // b's own edit won there: no conflict on b.
    assert!(b.sync_conflicts().unwrap().is_empty());
    consistent(&a, 0);
    consistent(&b, 1);
}

#[test]
fn a_delete_travels_as_a_tombstone_that_an_older_edit_cannot_undo() {
    let a = Store::open_temporary().unwrap();
    let b = Store::open_temporary().unwrap();
    let c = Store::open_temporary().unwrap();
    let t0 = 1_790_000_000_000;
    let x = a.put(draft(100, "food", 3), Origin::User, t0).unwrap();
    sync(&a, &b, t0 + 1);
    sync(&a, &c, t0 + 2);
    // c edits (older), a deletes for good (newer).
    let vc = c.get(x.id).unwrap().unwrap();
    c.update(
        x.id,
        vc.version,
        draft(150, "food", 3),
        Origin::User,
        t0 + 5,
    )
    .unwrap();
    let va = a.get(x.id).unwrap().unwrap();
    a.delete(x.id, va.version, Origin::User, t0 + 9).unwrap();
    sync(&a, &b, t0 + 10);
    assert!(all_expenses(&b).is_empty());
    // The older edit arrives at b later through c: it does not bring the expense back.
    sync(&c, &b, t0 + 11);
    assert!(all_expenses(&b).is_empty());
    assert!(all_expenses(&c).is_empty());
    sync(&a, &c, t0 + 12);
    assert!(all_expenses(&a).is_empty());
    for (i, s) in [&a, &b, &c].into_iter().enumerate() {
        consistent(s, i);
    }
    let _: BTreeMap<u8, u8> = BTreeMap::new();
}

#[test]
fn an_item_that_fails_validation_is_reported_and_the_rest_of_its_batch_applied() {
    use expense_tracker::store::sync::SyncState;
    let a = Store::open_temporary().unwrap();
    let b = Store::open_temporary().unwrap();
    let t0 = 1_790_000_000_000;
    a.put(draft(100, "food", 3), Origin::User, t0).unwrap();
    a.put(draft(200, "food", 4), Origin::User, t0).unwrap();
    a.set_budget("food", Some((Currency::EUR, 30_000)), Origin::User, t0)
        .unwrap();
    let page = a.sync_changes(0, 100, 0).unwrap();
    assert_eq!(page.items.len(), 3);
    let mut items = page.items.clone();
    // An image that does not decode, and a budget under another category's id.
    items[0].state = SyncState::Live(vec![0xFF, 0xFF, 0xFF]);
    let budget = items.iter().position(|i| i.id >> 112 == 0xFFFF).unwrap();
    items[budget].id ^= 1;
    let peer = a.replica_id().unwrap();
    let applied = b.sync_apply(peer, 0, &items, page.upto, t0 + 1).unwrap();
    assert_eq!(applied.applied, 1, "{applied:?}");
    assert_eq!(applied.rejected.len(), 2, "{applied:?}");
    assert!(
        applied.rejected[0].contains("unreadable image"),
        "{applied:?}"
    );
    assert!(applied.rejected[1].contains("not a budget of that category"));
    assert_eq!(all_expenses(&b).len(), 1);
    assert!(b.budgets().unwrap().is_empty());
    consistent(&b, 1);
}

#[test]
fn a_peer_away_longer_than_the_stream_keeps_is_told_to_sync_in_full_and_then_can() {
    let a = Store::open_temporary().unwrap();
    let b = Store::open_temporary().unwrap();
    let day = 86_400_000;
    let t0 = 1_790_000_000_000;
    a.put(draft(100, "food", 3), Origin::User, t0).unwrap();
    sync(&a, &b, t0 + 1);
    for i in 0..5 {
        a.put(draft(200 + i, "food", 4), Origin::User, t0 + 2)
            .unwrap();
    }
    // A keeps 30 days of records; the new ones are 40 days old when b comes back.
    assert!(a.trim_stream(t0 + 3).unwrap() > 0);
    a.put(draft(300, "food", 5), Origin::User, t0 + 40 * day)
        .unwrap();
    let err = try_sync(&b, &a, t0 + 40 * day, Default::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("--full"), "{err}");
    assert_eq!(all_expenses(&b).len(), 1, "nothing applied");
    // The full sync compares item by item and brings all of it.
    let full = expense_tracker::engine::sync::Options {
        full: true,
        dry_run: false,
    };
    let report = try_sync(&b, &a, t0 + 41 * day, full).unwrap();
    assert_eq!(report.received, 6, "{report:?}");
    assert_eq!(all_expenses(&a), all_expenses(&b));
    // After it, plain syncs go on.
    a.put(draft(400, "food", 6), Origin::User, t0 + 42 * day)
        .unwrap();
    assert_eq!(sync(&b, &a, t0 + 43 * day).received, 1);
    consistent(&b, 1);
}
