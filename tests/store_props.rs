//! Store invariants: after any sequence of puts, updates, deletes and undos (with stale versions
//! mixed in) the derived trees equal a recomputation from the items, the stream is gap-free with
//! one record per successful write and replays to the items, and the items equal a model. Plus
//! plain tests of messages, undo, batches, range queries, category prefixes and permissions.

use chrono::NaiveDate;
use expense_tracker::domain::{Currency, Draft, Expense, ExpenseId, Kind, Month};
use expense_tracker::engine::review;
use expense_tracker::store::{
    ChangeRecord, Event, Origin, Store, StoreError, Summary, SCHEMA_VERSION,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::os::unix::fs::PermissionsExt;

const CATEGORIES: [&str; 6] = [
    "food",
    "food:groceries",
    "foodstuff",
    "rent",
    "fun:games",
    "food:x:y",
];
const PAYEES: [&str; 4] = ["", "Bakery", "Landlord", "Shop"];
const CURRENCIES: [&str; 3] = ["EUR", "JPY", "USD"];

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn base() -> NaiveDate {
    day(2023, 12, 20)
}

fn draft(date: NaiveDate, amount: i64, cur: &str, cat: &str, payee: &str, kind: Kind) -> Draft {
    Draft {
        date,
        amount,
        currency: Currency::parse(cur).unwrap(),
        category: cat.into(),
        payee: payee.into(),
        note: format!("note {amount}"),
        // No tag, one tag, or a repeated tag: tag counters count items, each once.
        tags: match amount.rem_euclid(3) {
            0 => vec![],
            1 => vec!["t".into()],
            _ => vec!["t".into(), "u".into(), "t".into()],
        },
        kind,
    }
}

fn simple(date: NaiveDate, amount: i64, cat: &str) -> Draft {
    draft(date, amount, "EUR", cat, "Shop", Kind::Expense)
}

#[derive(Debug, Clone)]
struct Spec {
    days: u64,
    amount: i64,
    cur: usize,
    cat: usize,
    payee: usize,
    income: bool,
}

impl Spec {
    fn draft(&self) -> Draft {
        draft(
            base() + chrono::Days::new(self.days),
            self.amount,
            CURRENCIES[self.cur],
            CATEGORIES[self.cat],
            PAYEES[self.payee],
            if self.income {
                Kind::Income
            } else {
                Kind::Expense
            },
        )
    }
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0u64..100,
        // Negative: a refund (an expense only; an income's amount is its absolute value).
        -200_000i64..1_000_000,
        0..3usize,
        0..6usize,
        0..4usize,
        any::<bool>(),
    )
        .prop_map(|(days, amount, cur, cat, payee, income)| Spec {
            days,
            amount: if income { amount.abs() } else { amount },
            cur,
            cat,
            payee,
            income,
        })
}

#[derive(Debug, Clone)]
enum Op {
    Put(Spec),
    Update {
        target: usize,
        spec: Spec,
        stale: bool,
    },
    Delete {
        target: usize,
        stale: bool,
    },
    Undo {
        pick: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => spec().prop_map(Op::Put),
        3 => (any::<usize>(), spec(), prop::bool::weighted(0.2))
            .prop_map(|(target, spec, stale)| Op::Update { target, spec, stale }),
        2 => (any::<usize>(), prop::bool::weighted(0.2))
            .prop_map(|(target, stale)| Op::Delete { target, stale }),
        2 => any::<usize>().prop_map(|pick| Op::Undo { pick }),
    ]
}

/// What the store should hold.
#[derive(Default)]
struct Model {
    items: HashMap<ExpenseId, Expense>,
    /// Seq of the last record per id (also for deleted ids).
    last: HashMap<ExpenseId, u64>,
    /// Every id ever created, in creation order.
    known: Vec<ExpenseId>,
    records: Vec<ChangeRecord>,
    /// Items in the trash (an undo of a re-insert puts the item there).
    trashed: HashMap<ExpenseId, Expense>,
}

/// What a record did inside the store: a move to the trash (shown as a MODIFY with the trash
/// mark) removed the item from `items`; a restore from it (a MODIFY from a trashed image)
/// inserted it.
fn stored_event(r: &ChangeRecord) -> Event {
    if r.new_trash.is_some() {
        Event::Remove
    } else if r.old_trash.is_some() && r.event == Event::Modify {
        Event::Insert
    } else {
        r.event
    }
}

impl Model {
    fn record(&mut self, rec: &ChangeRecord) {
        assert_eq!(rec.seq, self.records.len() as u64 + 1, "seqs are gap-free");
        match rec.live_new() {
            Some(e) => self.items.insert(rec.id, e.clone()),
            None => self.items.remove(&rec.id),
        };
        match (&rec.new, rec.new_trash) {
            (Some(e), Some(_)) => self.trashed.insert(rec.id, e.clone()),
            _ => self.trashed.remove(&rec.id),
        };
        self.last.insert(rec.id, rec.seq);
        self.records.push(rec.clone());
    }
}

fn assert_conflict(r: Result<ChangeRecord, StoreError>, id: ExpenseId, found: Option<u64>) {
    match r {
        Err(StoreError::Conflict {
            id: i, found: f, ..
        }) => {
            assert_eq!((i, f), (id, found));
        }
        other => panic!("expected conflict on {id} (found {found:?}), got {other:?}"),
    }
}

/// True when the store must refuse `d`: a refund in a category whose live items are all
/// incomes (at least one), as `Store::is_income_category` reads the aggregates.
fn refused_refund(m: &Model, d: &expense_tracker::domain::Draft) -> bool {
    if !d.is_refund() {
        return false;
    }
    let mut income = false;
    for e in m.items.values().filter(|e| e.draft.category == d.category) {
        match e.draft.kind {
            expense_tracker::domain::Kind::Income => income = true,
            expense_tracker::domain::Kind::Expense => return false,
        }
    }
    income
}

/// Asserts that `r` is the refusal of a refund in an income category and nothing changed.
fn assert_refund_refused(store: &Store, r: Result<ChangeRecord, StoreError>, seq_before: u64) {
    match r {
        Err(StoreError::Invalid(m)) if m.contains("is an income category") => {}
        other => panic!("expected the refund refused, got {other:?}"),
    }
    assert_eq!(store.last_seq().unwrap(), seq_before);
}

fn apply(store: &Store, m: &mut Model, op: &Op, now: i64) {
    let seq_before = store.last_seq().unwrap();
    match op {
        Op::Put(s) if refused_refund(m, &s.draft()) => {
            assert_refund_refused(store, store.put(s.draft(), Origin::User, now), seq_before);
        }
        Op::Put(s) => {
            let rec = store.put(s.draft(), Origin::User, now).unwrap();
            assert_eq!(rec.event, Event::Insert);
            assert_eq!(rec.old, None);
            let want = Expense {
                id: rec.id,
                draft: s.draft(),
                created: now,
                updated: now,
                version: 1,
            };
            assert_eq!(rec.new.as_ref(), Some(&want));
            m.known.push(rec.id);
            m.record(&rec);
        }
        Op::Update { .. } | Op::Delete { .. } if m.known.is_empty() => {}
        Op::Update {
            target,
            spec,
            stale,
        } => {
            let id = m.known[target % m.known.len()];
            let cur = m.items.get(&id).cloned();
            let version = match &cur {
                Some(c) if *stale => c.version + 1 + (*target as u64 % 2) * 5,
                Some(c) => c.version,
                None => 1,
            };
            let r = store.update(id, version, spec.draft(), Origin::User, now);
            if refused_refund(m, &spec.draft()) {
                return assert_refund_refused(store, r, seq_before);
            }
            match cur {
                Some(c) if !stale => {
                    let rec = r.unwrap();
                    assert_eq!(rec.event, Event::Modify);
                    assert_eq!(rec.old.as_ref(), Some(&c));
                    let want = Expense {
                        id,
                        draft: spec.draft(),
                        created: c.created,
                        updated: now,
                        version: c.version + 1,
                    };
                    assert_eq!(rec.new.as_ref(), Some(&want));
                    m.record(&rec);
                }
                c => {
                    assert_conflict(r, id, c.map(|c| c.version));
                    assert_eq!(store.last_seq().unwrap(), seq_before);
                    assert_eq!(store.get(id).unwrap(), m.items.get(&id).cloned());
                }
            }
        }
        Op::Delete { target, stale } => {
            let id = m.known[target % m.known.len()];
            let cur = m.items.get(&id).cloned();
            let version = match &cur {
                Some(c) if *stale => c
                    .version
                    .saturating_sub(1)
                    .max(c.version + 1 - 2 * (c.version > 1) as u64),
                Some(c) => c.version,
                None => 7,
            };
            let r = store.delete(id, version, Origin::User, now);
            match cur {
                Some(c) if c.version == version => {
                    let rec = r.unwrap();
                    assert_eq!(
                        (rec.event, rec.old.as_ref(), rec.new.as_ref()),
                        (Event::Remove, Some(&c), None)
                    );
                    m.record(&rec);
                }
                c => {
                    assert_conflict(r, id, c.map(|c| c.version));
                    assert_eq!(store.last_seq().unwrap(), seq_before);
                    assert_eq!(store.get(id).unwrap(), m.items.get(&id).cloned());
                }
            }
        }
        Op::Undo { pick } => {
            if m.records.is_empty() {
                return;
            }
            let target = m.records[pick % m.records.len()].clone();
            let id = target.id;
            let cur = m.items.get(&id).cloned();
            let is_last = m.last.get(&id) == Some(&target.seq);
            let r = store.undo(target.seq, now);
            // Undo of an insert or edit also applies when later undos brought the item back to
            // the very fields that record wrote.
            let same_fields = match (&cur, target.live_new()) {
                (Some(c), Some(n)) => c.draft == n.draft,
                _ => false,
            };
            // Undo of a removal also applies when later changes left the item in the trash
            // with the fields that removal took away.
            let trashed = m.trashed.get(&id).cloned();
            let old_in_trash = match (&trashed, target.live_old()) {
                (Some(t), Some(o)) => t.draft == o.draft,
                _ => false,
            };
            let event = stored_event(&target);
            let ok = match event {
                Event::Insert | Event::Modify => cur.is_some() && (is_last || same_fields),
                Event::Remove => cur.is_none() && (is_last || old_in_trash),
            };
            if !ok {
                assert_conflict(r, id, cur.map(|c| c.version));
                assert_eq!(store.last_seq().unwrap(), seq_before);
                assert_eq!(store.get(id).unwrap(), m.items.get(&id).cloned());
                return;
            }
            let rec = r.unwrap();
            assert_eq!(rec.origin, Origin::Undo);
            let want = match event {
                Event::Insert => None,
                Event::Modify => {
                    let c = cur.clone().unwrap();
                    Some(Expense {
                        id,
                        draft: target.old.clone().unwrap().draft,
                        created: c.created,
                        updated: now,
                        version: c.version + 1,
                    })
                }
                Event::Remove => {
                    let old = target.old.clone().unwrap();
                    let floor = trashed.as_ref().map_or(0, |t| t.version);
                    Some(Expense {
                        updated: now,
                        version: old.version.max(floor) + 1,
                        ..old
                    })
                }
            };
            assert_eq!(rec.live_old().cloned(), cur);
            assert_eq!(rec.live_new().cloned(), want);
            m.record(&rec);
        }
    }
}

/// Summary computed from the model.
fn model_summary(m: &Model, from: NaiveDate, to: NaiveDate) -> Summary {
    let mut by: BTreeMap<Currency, (i64, i64, u64)> = BTreeMap::new();
    let mut count = 0;
    for e in m.items.values() {
        if e.draft.date < from || e.draft.date > to {
            continue;
        }
        count += 1;
        let t = by.entry(e.draft.currency).or_default();
        match e.draft.kind {
            Kind::Expense => t.0 += e.draft.amount,
            Kind::Income => t.1 += e.draft.amount,
        }
        t.2 += 1;
    }
    Summary {
        count,
        totals: by
            .into_iter()
            .map(
                |(currency, (spent, income, count))| expense_tracker::domain::totals::Totals {
                    currency,
                    spent,
                    income,
                    count,
                },
            )
            .collect(),
    }
}

/// Month aggregates (from `agg_month` when kept for `start_day`, else from `agg_day`) equal sums
/// of the model's items per (month, currency, kind, category).
fn check_months(store: &Store, m: &Model, start_day: u32) {
    let mut want: BTreeMap<(Month, String, bool, String), (i64, u64)> = BTreeMap::new();
    for e in m.items.values() {
        let d = &e.draft;
        let k = (
            Month::containing(d.date, start_day),
            d.currency.code().to_string(),
            d.kind == Kind::Income,
            d.category.clone(),
        );
        let w = want.entry(k).or_default();
        w.0 += d.amount;
        w.1 += 1;
    }
    let mut got = BTreeMap::new();
    let first = Month::parse("2023-10").unwrap();
    let last = Month::parse("2024-05").unwrap();
    store
        .for_each_month_agg(first, last, start_day, |r| {
            let k = (
                r.month,
                r.currency.code().to_string(),
                r.kind == Kind::Income,
                r.category,
            );
            assert!(got.insert(k, (r.sum, r.count)).is_none(), "one row per key");
        })
        .unwrap();
    assert_eq!(got, want, "start day {start_day}");
}

fn check_all(store: &Store, m: &Model) {
    assert_eq!(store.verify().unwrap(), Vec::<String>::new());
    let n = m.records.len() as u64;
    assert_eq!(store.last_seq().unwrap(), n);
    let stream = store.stream_since(0, usize::MAX).unwrap();
    assert_eq!(
        stream, m.records,
        "the stream is exactly the successful writes, old images resolved"
    );
    if n > 3 {
        assert_eq!(store.stream_since(2, 2).unwrap(), m.records[2..4].to_vec());
    }
    assert!(store.stream_since(n, 10).unwrap().is_empty());
    // Replaying new images per id gives the items (a trashed image is not an item).
    let mut replay: HashMap<ExpenseId, Option<Expense>> = HashMap::new();
    for r in &stream {
        replay.insert(r.id, r.live_new().cloned());
    }
    let replay: HashMap<_, _> = replay
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
    assert_eq!(replay, m.items);
    // The items, in (date, id) order.
    let all = store
        .range(day(2000, 1, 1), day(2100, 1, 1), false, 0, usize::MAX)
        .unwrap();
    let mut want: Vec<Expense> = m.items.values().cloned().collect();
    want.sort_by_key(|e| (e.draft.date, e.id));
    assert_eq!(all, want);
    assert_eq!(store.len(), m.items.len());
    for (from, to) in [
        (day(2023, 12, 1), day(2023, 12, 31)),
        (day(2024, 1, 1), day(2024, 1, 31)),
        (day(2024, 1, 15), day(2024, 2, 14)),
        (day(2000, 1, 1), day(2100, 1, 1)),
    ] {
        assert_eq!(
            store.summary(from, to).unwrap(),
            model_summary(m, from, to),
            "{from}..{to}"
        );
    }
    let mut cats: BTreeMap<String, u64> = BTreeMap::new();
    for e in m.items.values() {
        *cats.entry(e.draft.category.clone()).or_default() += 1;
    }
    let got: BTreeMap<String, u64> = store.categories().unwrap().into_iter().collect();
    assert_eq!(got, cats);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_op_sequence_keeps_the_store_consistent(ops in prop::collection::vec(op(), 1..40)) {
        let store = Store::open_temporary().unwrap();
        // Month aggregates kept for months starting on the 15th while writing.
        store.use_month_start_day(15).unwrap();
        let mut m = Model::default();
        for (i, op) in ops.iter().enumerate() {
            apply(&store, &mut m, op, 1_700_000_000_000 + i as i64);
        }
        check_all(&store, &m);
        check_months(&store, &m, 15);
        // Switching the start day rebuilds them from the day aggregates.
        assert!(store.use_month_start_day(1).unwrap());
        assert_eq!(store.verify().unwrap(), Vec::<String>::new());
        check_months(&store, &m, 1);
        check_months(&store, &m, 25);
    }
}

#[test]
fn conflict_messages_say_what_happened() {
    let store = Store::open_temporary().unwrap();
    let id = store
        .put(simple(base(), 100, "food"), Origin::User, 1)
        .unwrap()
        .id;
    store
        .update(id, 1, simple(base(), 200, "food"), Origin::User, 2)
        .unwrap();
    let err = store
        .update(id, 1, simple(base(), 300, "food"), Origin::User, 3)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("expense {id} was changed elsewhere (you read version 1, it is now version 2); reload and try again")
    );
    store.delete(id, 2, Origin::User, 4).unwrap();
    let err = store.delete(id, 2, Origin::User, 5).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("expense {id} was changed elsewhere (you read version 2, it was deleted); reload and try again")
    );
    assert_eq!(store.last_seq().unwrap(), 3);
}

#[test]
fn undo_reverses_each_event_kind() {
    let store = Store::open_temporary().unwrap();
    let a = store
        .put(simple(base(), 100, "food"), Origin::User, 1)
        .unwrap();
    // INSERT -> delete.
    let u = store.undo(a.seq, 2).unwrap();
    assert_eq!((u.event, u.origin, u.seq), (Event::Remove, Origin::Undo, 2));
    assert_eq!(store.get(a.id).unwrap(), None);
    // Undo of that undo re-inserts with a higher version.
    let back = store.undo(u.seq, 3).unwrap();
    assert_eq!(back.event, Event::Insert);
    let e = store.get(a.id).unwrap().unwrap();
    assert_eq!((e.version, e.created, e.updated), (2, 1, 3));
    assert_eq!(e.draft, simple(base(), 100, "food"));
    // MODIFY -> old fields back, version keeps increasing.
    let m = store
        .update(
            a.id,
            2,
            simple(day(2024, 2, 3), 999, "rent"),
            Origin::User,
            4,
        )
        .unwrap();
    let u = store.undo(m.seq, 5).unwrap();
    assert_eq!(u.event, Event::Modify);
    let e = store.get(a.id).unwrap().unwrap();
    assert_eq!(
        (e.version, e.draft.clone()),
        (4, simple(base(), 100, "food"))
    );
    // Undoing `m` again conflicts: the item is no longer as `m` left it.
    assert!(matches!(
        store.undo(m.seq, 6),
        Err(StoreError::Conflict { found: Some(4), .. })
    ));
    // REMOVE -> back with version + 1.
    let d = store.delete(a.id, 4, Origin::User, 7).unwrap();
    let u = store.undo(d.seq, 8).unwrap();
    assert_eq!(u.event, Event::Insert);
    assert_eq!(u.old, None);
    assert_eq!(store.get(a.id).unwrap().unwrap().version, 5);
    // Undoing that REMOVE again conflicts (it exists), and so does it after another delete.
    assert!(matches!(
        store.undo(d.seq, 9),
        Err(StoreError::Conflict { found: Some(5), .. })
    ));
    store.delete(a.id, 5, Origin::User, 10).unwrap();
    assert!(matches!(
        store.undo(d.seq, 11),
        Err(StoreError::Conflict { found: None, .. })
    ));
    assert!(matches!(
        store.undo(999, 12),
        Err(StoreError::UnknownSeq(999))
    ));
    assert_eq!(store.verify().unwrap(), Vec::<String>::new());
}

#[test]
fn put_batch_stores_everything_with_records() {
    let store = Store::open_temporary().unwrap();
    let drafts: Vec<Draft> = (0..4500)
        .map(|i| {
            simple(
                base() + chrono::Days::new(i % 90),
                100 + i as i64,
                CATEGORIES[(i % 6) as usize],
            )
        })
        .collect();
    assert_eq!(store.put_batch(drafts, Origin::Demo, 42).unwrap(), 4500);
    assert_eq!(store.len(), 4500);
    assert_eq!(store.last_seq().unwrap(), 4500);
    let recs = store.stream_since(0, usize::MAX).unwrap();
    assert_eq!(recs.len(), 4500);
    assert!(recs.iter().enumerate().all(|(i, r)| r.seq == i as u64 + 1
        && r.event == Event::Insert
        && r.origin == Origin::Demo));
    assert_eq!(
        store
            .summary(day(2000, 1, 1), day(2100, 1, 1))
            .unwrap()
            .count,
        4500
    );
    assert_eq!(store.categories().unwrap()[0].1, 750);
    assert_eq!(
        store.payees().unwrap(),
        vec![("Shop".to_string(), 4500, CATEGORIES[5].to_string())]
    );
    assert_eq!(store.verify().unwrap(), Vec::<String>::new());
}

#[test]
fn range_skip_take_reverse() {
    let store = Store::open_temporary().unwrap();
    let mut ids = Vec::new();
    for d in 1..=10 {
        ids.push(
            store
                .put(simple(day(2024, 3, d), d as i64, "food"), Origin::User, 1)
                .unwrap()
                .id,
        );
    }
    let dates = |v: Vec<Expense>| v.iter().map(|e| e.draft.amount).collect::<Vec<_>>();
    let (from, to) = (day(2024, 3, 2), day(2024, 3, 8));
    assert_eq!(
        dates(store.range(from, to, false, 0, 100).unwrap()),
        vec![2, 3, 4, 5, 6, 7, 8]
    );
    assert_eq!(
        dates(store.range(from, to, false, 2, 3).unwrap()),
        vec![4, 5, 6]
    );
    assert_eq!(
        dates(store.range(from, to, true, 0, 3).unwrap()),
        vec![8, 7, 6]
    );
    assert_eq!(
        dates(store.range(from, to, true, 5, 10).unwrap()),
        vec![3, 2]
    );
    assert!(store.range(to, from, false, 0, 10).unwrap().is_empty());
    assert_eq!(
        store
            .range(day(2024, 3, 1), day(2024, 3, 1), false, 0, 1)
            .unwrap()[0]
            .id,
        ids[0]
    );
}

#[test]
fn category_ranges_include_subcategories_only() {
    let store = Store::open_temporary().unwrap();
    for (i, cat) in [
        "food",
        "food:groceries",
        "foodstuff",
        "food:x:y",
        "fo",
        "rent",
    ]
    .iter()
    .enumerate()
    {
        store
            .put(
                simple(day(2024, 1, 10 + i as u32), i as i64, cat),
                Origin::User,
                1,
            )
            .unwrap();
    }
    store
        .put(simple(day(2024, 5, 1), 99, "food"), Origin::User, 1)
        .unwrap();
    let cats = |c: &str, to| {
        store
            .range_in_category(c, day(2024, 1, 1), to)
            .unwrap()
            .into_iter()
            .map(|e| e.draft.category)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        cats("food", day(2024, 1, 31)),
        vec!["food", "food:groceries", "food:x:y"]
    );
    assert_eq!(cats("food", day(2024, 12, 31)).len(), 4);
    assert_eq!(cats("food:x", day(2024, 1, 31)), vec!["food:x:y"]);
    assert_eq!(cats("foodstuff", day(2024, 1, 31)), vec!["foodstuff"]);
    assert_eq!(cats("fo", day(2024, 1, 31)), vec!["fo"]);
    assert!(cats("foo", day(2024, 1, 31)).is_empty());
}

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn files_are_owner_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a/b/store");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let junk = dir.join("old-file");
    std::fs::write(&junk, b"x").unwrap();
    std::fs::set_permissions(&junk, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = Store::open(&dir).unwrap();
    store
        .put(simple(base(), 1, "food"), Origin::User, 1)
        .unwrap();
    store.flush().unwrap();
    assert_eq!(mode(&dir), 0o700);
    let mut stack = vec![dir.clone()];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                assert_eq!(mode(&p), 0o700, "{}", p.display());
                stack.push(p);
            } else {
                assert_eq!(mode(&p), 0o600, "{}", p.display());
                files += 1;
            }
        }
    }
    assert!(files >= 3, "sled wrote files");
    // A directory created by open is 0700 with its parents.
    let fresh = tmp.path().join("x/y");
    drop(Store::open(&fresh).unwrap());
    assert_eq!(mode(&fresh), 0o700);
    assert_eq!(mode(&tmp.path().join("x")), 0o700);
}

#[test]
fn io_errors_name_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let dir = file.join("store");
    let err = Store::open(&dir).unwrap_err();
    assert!(matches!(err, StoreError::Io { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&dir.display().to_string()) && msg.contains("os error"),
        "{msg}"
    );
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        // Root ignores permission bits, so this part only runs as a normal user.
        let ro = tmp.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o500)).unwrap();
        let err = Store::open(&ro).unwrap_err();
        assert!(matches!(err, StoreError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains(&ro.display().to_string()), "{err}");
    }
}

#[test]
fn foreign_directories_are_refused() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return; // only root can hand a directory to another uid
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("theirs");
    std::fs::create_dir(&dir).unwrap();
    let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: `c` is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::chown(c.as_ptr(), 4321, 4321) }, 0);
    match Store::open(&dir) {
        Err(e @ StoreError::Foreign { owner: 4321, .. }) => {
            assert!(
                e.to_string().contains("4321")
                    && e.to_string().contains(&dir.display().to_string())
            )
        }
        other => panic!("expected Foreign, got {other:?}"),
    }
}

#[test]
fn reopen_keeps_data_and_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let id = {
        let store = Store::open(&dir).unwrap();
        assert_eq!(store.path(), Some(dir.as_path()));
        store
            .put(simple(base(), 5, "food"), Origin::User, 1)
            .unwrap()
            .id
    };
    let store = Store::open(&dir).unwrap();
    assert_eq!(store.get(id).unwrap().unwrap().draft.amount, 5);
    assert_eq!(store.last_seq().unwrap(), 1);
    assert!(!store.is_empty());
}

#[test]
fn version_1_store_is_upgraded_when_month_aggregates_are_built() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    // Raw sled access to `meta`, waiting for the store's lock to be released (asynchronously,
    // after the last handle drops).
    let meta = |f: &dyn Fn(&sled::Tree)| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let db = loop {
            match sled::open(&dir) {
                Ok(db) => break db,
                Err(e) if std::time::Instant::now() < deadline => drop(e),
                Err(e) => panic!("{e}"),
            }
        };
        f(&db.open_tree("meta").unwrap());
        db.flush().unwrap();
    };
    {
        let store = Store::open(&dir).unwrap();
        store
            .put(simple(base(), 5, "food"), Origin::User, 1)
            .unwrap();
    }
    // As a version-1 build left it.
    meta(&|m| {
        m.insert("schema_version", &1u32.to_be_bytes()[..]).unwrap();
    });
    {
        let store = Store::open(&dir).unwrap();
        assert_eq!(store.month_start_day().unwrap(), None);
        assert!(store.use_month_start_day(25).unwrap());
        assert!(
            !store.use_month_start_day(25).unwrap(),
            "kept: nothing to rebuild"
        );
        assert_eq!(store.verify().unwrap(), Vec::<String>::new());
    }
    meta(&|m| {
        let v = m.get("schema_version").unwrap().unwrap();
        assert_eq!(v.as_ref(), &SCHEMA_VERSION.to_be_bytes()[..]);
    });
}

#[test]
fn version_2_store_gets_the_date_index_projection_and_loses_the_text_indexes_at_open() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let raw = |f: &dyn Fn(&sled::Db)| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let db = loop {
            match sled::open(&dir) {
                Ok(db) => break db,
                Err(e) if std::time::Instant::now() < deadline => drop(e),
                Err(e) => panic!("{e}"),
            }
        };
        f(&db);
        db.flush().unwrap();
    };
    let want = {
        let store = Store::open(&dir).unwrap();
        for (i, cat) in ["food", "rent", "fun"].iter().enumerate() {
            let mut d = simple(base(), 100 * (i as i64 + 1), cat);
            d.payee = format!("payee {i}");
            store.put(d, Origin::User, 1).unwrap();
        }
        let month = Month::containing(base(), 1);
        review::details(&store, month, 1, review::DETAIL_LIMIT).unwrap()
    };
    assert_eq!(want.largest.len(), 3);
    // As a version-2 build left it: empty date index values.
    raw(&|db| {
        let idx = db.open_tree("idx_date-1").unwrap();
        let keys: Vec<_> = idx.iter().keys().map(Result::unwrap).collect();
        assert_eq!(keys.len(), 3);
        for k in keys {
            idx.insert(k, &[][..]).unwrap();
        }
        // The category and payee indexes schema 4 dropped, with an entry each.
        for old in ["idx_category-1", "idx_payee-1"] {
            db.open_tree(old).unwrap().insert(b"k", &[][..]).unwrap();
        }
        let meta = db.open_tree("meta").unwrap();
        meta.insert("schema_version", &2u32.to_be_bytes()[..])
            .unwrap();
    });
    {
        let store = Store::open(&dir).unwrap();
        assert_eq!(store.verify().unwrap(), Vec::<String>::new());
        let month = Month::containing(base(), 1);
        assert_eq!(
            review::details(&store, month, 1, review::DETAIL_LIMIT).unwrap(),
            want
        );
        // The ledger of one category reads the projected categories now.
        let (from, to) = month.range(1);
        let rent = store.range_in_category("rent", from, to).unwrap();
        assert_eq!(rent.len(), 1);
        assert_eq!(rent[0].draft.category, "rent");
    }
    raw(&|db| {
        let v = db
            .open_tree("meta")
            .unwrap()
            .get("schema_version")
            .unwrap()
            .unwrap();
        assert_eq!(v.as_ref(), &SCHEMA_VERSION.to_be_bytes()[..]);
        let idx = db.open_tree("idx_date-1").unwrap();
        assert!(idx.iter().values().all(|v| !v.unwrap().is_empty()));
        let names: Vec<String> = db
            .tree_names()
            .iter()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect();
        assert!(
            !names
                .iter()
                .any(|n| n == "idx_category-1" || n == "idx_payee-1"),
            "{names:?}"
        );
    });
}

#[test]
fn tag_counts_follow_writes() {
    let store = Store::open_temporary().unwrap();
    let a = store
        .put(
            draft(base(), 2, "EUR", "food", "Shop", Kind::Expense),
            Origin::User,
            1,
        )
        .unwrap();
    store
        .put(
            draft(base(), 4, "EUR", "food", "Shop", Kind::Expense),
            Origin::User,
            1,
        )
        .unwrap();
    assert_eq!(
        store.tags().unwrap(),
        vec![("t".to_string(), 2), ("u".to_string(), 1)]
    );
    let e = a.new.unwrap();
    store.delete(e.id, e.version, Origin::User, 2).unwrap();
    assert_eq!(store.tags().unwrap(), vec![("t".to_string(), 1)]);
    assert!(store.verify().unwrap().is_empty());
}

#[test]
fn undo_twice_walks_back_through_a_session() {
    let store = Store::open_temporary().unwrap();
    // add, edit, u, u: the expense is gone again.
    let add = store
        .put(simple(base(), 500, "food"), Origin::User, 1)
        .unwrap();
    let e = add.new.clone().unwrap();
    let edit = store
        .update(e.id, e.version, simple(base(), 700, "fun"), Origin::User, 2)
        .unwrap();
    store.undo(edit.seq, 3).unwrap();
    let gone = store.undo(add.seq, 4).unwrap();
    assert_eq!(gone.event, Event::Remove);
    assert_eq!(gone.origin, Origin::Undo);
    assert!(store.get(e.id).unwrap().is_none());
    // add, delete, u, u: also gone, through the re-inserted image.
    let add = store
        .put(simple(base(), 900, "food"), Origin::User, 5)
        .unwrap();
    let e = add.new.clone().unwrap();
    let del = store.delete(e.id, e.version, Origin::User, 6).unwrap();
    store.undo(del.seq, 7).unwrap();
    assert!(store.get(e.id).unwrap().is_some());
    store.undo(add.seq, 8).unwrap();
    assert!(store.get(e.id).unwrap().is_none());
    // An item changed to other fields since is still a conflict.
    let add = store
        .put(simple(base(), 100, "food"), Origin::User, 9)
        .unwrap();
    let e = add.new.clone().unwrap();
    store
        .update(
            e.id,
            e.version,
            simple(base(), 200, "food"),
            Origin::User,
            10,
        )
        .unwrap();
    assert!(matches!(
        store.undo(add.seq, 11),
        Err(StoreError::Conflict { .. })
    ));
    assert!(store.verify().unwrap().is_empty());
}

#[test]
fn position_in_range_matches_range_order() {
    let store = Store::open_temporary().unwrap();
    let mut ids = Vec::new();
    for (i, d) in [5, 1, 9, 1, 30, 15].iter().enumerate() {
        let r = store
            .put(
                simple(day(2024, 1, *d), 100 + i as i64, "food"),
                Origin::User,
                1,
            )
            .unwrap();
        ids.push(r.id);
    }
    let (from, to) = (day(2024, 1, 1), day(2024, 1, 31));
    for reverse in [false, true] {
        let order = store.range(from, to, reverse, 0, usize::MAX).unwrap();
        for (i, e) in order.iter().enumerate() {
            assert_eq!(
                store.position_in_range(from, to, reverse, e.id).unwrap(),
                Some(i)
            );
        }
    }
    assert_eq!(
        store
            .position_in_range(day(2024, 2, 1), day(2024, 2, 29), false, ids[0])
            .unwrap(),
        None
    );
}

#[test]
fn undo_latest_walks_back_across_sessions() {
    let store = Store::open_temporary().unwrap();
    let a = store
        .put(simple(base(), 100, "food"), Origin::User, 1)
        .unwrap();
    let b = store
        .put(simple(base(), 200, "fun"), Origin::User, 2)
        .unwrap();
    let ea = a.new.clone().unwrap();
    let edit = store
        .update(
            ea.id,
            ea.version,
            simple(base(), 150, "food"),
            Origin::User,
            3,
        )
        .unwrap();
    // A TUI session undoes its own edit; the shell's undo then skips it.
    store.undo(edit.seq, 4).unwrap();
    let r = store.undo_latest(5).unwrap().unwrap();
    assert_eq!((r.id, r.event), (b.id, Event::Remove));
    let r = store.undo_latest(6).unwrap().unwrap();
    assert_eq!((r.id, r.event), (a.id, Event::Remove));
    assert!(store.undo_latest(7).unwrap().is_none());
    assert!(store.is_empty());
    assert!(store.verify().unwrap().is_empty());
}

/// A refund (a negative expense) nets against its category's day and month aggregates, undo of
/// it restores them, and the store refuses a negative income, naming why.
#[test]
fn refunds_net_in_the_aggregates_and_a_negative_income_is_refused() {
    let store = Store::open_temporary().unwrap();
    store.use_month_start_day(1).unwrap();
    store
        .put(simple(base(), 4_000, "food"), Origin::User, 1)
        .unwrap();
    store
        .put(simple(base(), -1_250, "food"), Origin::User, 2)
        .unwrap();
    let month = |store: &Store| {
        let m = Month::containing(base(), 1);
        let mut rows = Vec::new();
        store
            .for_each_month_agg(m, m, 1, |r| rows.push((r.category, r.sum, r.count)))
            .unwrap();
        rows
    };
    assert_eq!(month(&store), [("food".to_string(), 2_750, 2)]);
    assert!(store.verify().unwrap().is_empty());
    store.undo_latest(3).unwrap().unwrap();
    assert_eq!(month(&store), [("food".to_string(), 4_000, 1)]);
    let err = store
        .put(
            draft(base(), -500, "EUR", "salary", "ACME", Kind::Income),
            Origin::User,
            4,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("an income cannot be negative"), "{err}");
    assert_eq!(store.last_seq().unwrap(), 3, "nothing written");
    assert!(store.verify().unwrap().is_empty());
}
