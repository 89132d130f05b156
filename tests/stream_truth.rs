//! The change stream as the whole truth (issue 11): on random sequences of every kind of change
//! (add, edit, delete to the trash, restore, purge, expiry, import, undo, undo --skip, redo),
//! - totals computed from the stream alone (new minus old per category, a trashed image
//!   counting nowhere) equal the store's own, and INSERT minus REMOVE per id is the items plus
//!   the trash: each item has one REMOVE per lifetime;
//! - undo never jams: while a change that can be undone is left, `undo --skip` undoes one, and
//!   undoing everything leaves no expense behind but those removed for good.
//!
//! And the jam the issue reported, through the real binary: `add A; add B; rm A; trash restore
//! A; undo` then every further `undo` works down to an empty store.

use expense_tracker::domain::{Currency, Draft, Kind};
use expense_tracker::store::{Event, ImportRow, Origin, Store};
use proptest::prelude::*;
use std::collections::HashMap;
use std::process::Command;

const DAY: i64 = 86_400_000;

fn draft(n: u8) -> Draft {
    Draft {
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, 1 + u32::from(n % 28)).unwrap(),
        amount: 100 + i64::from(n) * 7,
        currency: Currency::EUR,
        category: ["food", "rent", "fun:games"][usize::from(n % 3)].into(),
        payee: format!("payee {}", n % 4),
        note: String::new(),
        tags: vec![],
        kind: if n.is_multiple_of(11) {
            Kind::Income
        } else {
            Kind::Expense
        },
    }
}

#[derive(Debug, Clone)]
enum Op {
    Add(u8),
    Edit(usize, u8),
    Trash(usize),
    Restore(usize),
    Purge(usize),
    Expire,
    Import(u8),
    Undo,
    UndoSkip,
    Redo,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<u8>().prop_map(Op::Add),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(i, n)| Op::Edit(i, n)),
        2 => any::<usize>().prop_map(Op::Trash),
        2 => any::<usize>().prop_map(Op::Restore),
        1 => any::<usize>().prop_map(Op::Purge),
        1 => Just(Op::Expire),
        1 => (1u8..5).prop_map(Op::Import),
        3 => Just(Op::Undo),
        1 => Just(Op::UndoSkip),
        2 => Just(Op::Redo),
    ]
}

fn apply(s: &Store, op: &Op, now: i64, imports: &mut u8) {
    let live = || {
        s.range(
            chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(),
            false,
            0,
            usize::MAX,
        )
        .unwrap()
    };
    let trashed = || s.trashed().unwrap();
    match op {
        Op::Add(n) => drop(s.put(draft(*n), Origin::User, now).unwrap()),
        Op::Edit(i, n) => {
            let all = live();
            if let Some(e) = all.get(i % all.len().max(1)) {
                s.update(e.id, e.version, draft(*n), Origin::User, now)
                    .unwrap();
            }
        }
        Op::Trash(i) => {
            let all = live();
            if let Some(e) = all.get(i % all.len().max(1)) {
                s.trash(e.id, e.version, now, 3 * DAY).unwrap();
            }
        }
        Op::Restore(i) | Op::Purge(i) => {
            let all = trashed();
            if let Some(t) = all.get(i % all.len().max(1)) {
                if matches!(op, Op::Restore(_)) {
                    s.restore(t.expense.id, now).unwrap();
                } else {
                    s.purge(t.expense.id, now).unwrap();
                }
            }
        }
        Op::Expire => drop(s.sweep_trash(now).unwrap()),
        Op::Import(k) => {
            *imports += 1;
            let rows: Vec<ImportRow> = (0..*k)
                .map(|j| ImportRow {
                    draft: draft(j.wrapping_mul(13).wrapping_add(*imports)),
                    hash: Some([*imports, j, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]),
                    id: None,
                    version: None,
                })
                .collect();
            s.import(&rows, now, &mut |_| {}).unwrap();
        }
        // A blocked undo is an answer, not a failure: it writes nothing.
        Op::Undo => drop(s.undo_step(now)),
        Op::UndoSkip => drop(s.undo_step_skipping(now).unwrap()),
        Op::Redo => drop(s.redo_step(now)),
    }
}

/// Per (category, kind): sum of amounts and count, from the live items.
fn store_totals(s: &Store) -> HashMap<(String, Kind), (i64, i64)> {
    let mut out: HashMap<(String, Kind), (i64, i64)> = HashMap::new();
    let all = s
        .range(
            chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(),
            false,
            0,
            usize::MAX,
        )
        .unwrap();
    for e in all {
        let t = out.entry((e.draft.category, e.draft.kind)).or_default();
        t.0 += e.draft.amount;
        t.1 += 1;
    }
    out.retain(|_, v| *v != (0, 0));
    out
}

/// The same totals from the stream alone: new minus old per category, trashed images counting
/// nowhere.
fn stream_totals(s: &Store) -> HashMap<(String, Kind), (i64, i64)> {
    let mut out: HashMap<(String, Kind), (i64, i64)> = HashMap::new();
    for r in s.stream_since(0, usize::MAX).unwrap() {
        if let Some(e) = r.live_old() {
            let t = out
                .entry((e.draft.category.clone(), e.draft.kind))
                .or_default();
            t.0 -= e.draft.amount;
            t.1 -= 1;
        }
        if let Some(e) = r.live_new() {
            let t = out
                .entry((e.draft.category.clone(), e.draft.kind))
                .or_default();
            t.0 += e.draft.amount;
            t.1 += 1;
        }
    }
    out.retain(|_, v| *v != (0, 0));
    out
}

/// INSERT minus REMOVE per id, summed: the items plus the trash.
fn lifetimes(s: &Store) -> i64 {
    s.stream_since(0, usize::MAX)
        .unwrap()
        .iter()
        .map(|r| match r.event {
            Event::Insert => 1,
            Event::Remove => -1,
            Event::Modify => 0,
        })
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_stream_is_the_whole_truth_and_undo_never_jams(ops in prop::collection::vec(op(), 1..40)) {
        let s = Store::open_temporary().unwrap();
        s.set_trash_ttl(3 * DAY);
        let mut now = 1_700_000_000_000i64;
        let mut imports = 0u8;
        for op in &ops {
            now += DAY / 2;
            apply(&s, op, now, &mut imports);
            prop_assert_eq!(stream_totals(&s), store_totals(&s), "after {:?}", op);
            let held = (s.len() + s.trashed().unwrap().len()) as i64;
            prop_assert_eq!(lifetimes(&s), held, "one REMOVE per lifetime, after {:?}", op);
        }
        prop_assert!(s.check().unwrap().is_consistent());
        // Undo everything: every step undoes something until nothing is left to undo.
        for _ in 0..10_000 {
            now += 1;
            match s.undo_step_skipping(now).unwrap() {
                (Some(_), _) => {}
                (None, _) => break,
            }
        }
        prop_assert_eq!(s.len(), 0, "no expense is left once everything is undone");
        prop_assert!(s.trashed().unwrap().is_empty(), "nor in the trash");
        prop_assert_eq!(stream_totals(&s), store_totals(&s));
        prop_assert!(s.check().unwrap().is_consistent());
    }
}

/// The jam of the issue, through the real binary: every `undo` after the restore works.
#[test]
fn undo_goes_on_after_a_restore_from_the_trash_and_its_undo() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_expense"))
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .env("EXPENSE_CONFIG_DIR", dir.path().join("config"))
            .env("EXPENSE_BACKUP_EVERY_DAYS", "0")
            // The store closes when each command ends (tests/linger.rs keeps it open).
            .env("EXPENSE_LINGER_MINUTES", "0")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {text}");
        text
    };
    run(&["add", "5", "food!", "@A"]);
    run(&["add", "7", "food", "@B"]);
    let list = run(&["list", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&list).unwrap();
    let a = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["payee"] == "A")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    run(&["rm", &a]);
    run(&["trash", "restore", &a]);
    let steps: Vec<String> = (0..5).map(|_| run(&["undo"])).collect();
    assert!(steps[0].contains("Undid"), "{steps:?}");
    assert!(steps[1].contains("Undid"), "{steps:?}");
    assert!(
        steps[2].contains("Undid: add 7.00 EUR food @B"),
        "{steps:?}"
    );
    assert!(
        steps[3].contains("Undid: add 5.00 EUR food @A"),
        "{steps:?}"
    );
    assert!(steps[4].contains("nothing to undo"), "{steps:?}");
    assert_eq!(run(&["list", "--json"]).trim(), "[]");
}
