//! Tests of `store/rename.rs`: a rename and a merge move the tree and its budgets in one batch,
//! one undo takes all of it back exactly and redo makes it again, the store stays consistent,
//! the history shows one line per step, bad input changes nothing, and a rename cut short is
//! taken back (at once, or at the next open).

use super::*;
use crate::domain::change::Undone;
use crate::domain::rename::RenameStep;
use crate::domain::{Currency, Draft};
use chrono::NaiveDate;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

fn put(s: &Store, d: u32, amount: i64, category: &str) -> ExpenseId {
    s.put(
        Draft::sample(day(d), amount, category, "Shop"),
        Origin::User,
        1,
    )
    .unwrap()
    .id
}

/// Every expense as (id, category, amount) and every budget: what a rename changes and an
/// undo must give back exactly.
fn contents(s: &Store) -> (Vec<(u128, String, i64)>, Vec<super::super::Budget>) {
    let mut items = Vec::new();
    for kv in s.trees.items.iter() {
        let (k, v) = kv.unwrap();
        let id = keys::decode_id(&k).unwrap();
        let i = super::super::pointer::read_item(&s.trees, id, &k, &v).unwrap();
        items.push((keys::decode_id(&k).unwrap().0, i.category, i.amount));
    }
    (items, s.budgets().unwrap())
}

fn consistent(s: &Store) {
    let c = s.check().unwrap();
    assert!(c.is_consistent(), "{:?}", c.problems);
}

fn eur(amount: i64) -> Option<(Currency, i64)> {
    Some((Currency::EUR, amount))
}

fn no_progress() -> impl FnMut(u64, u64) {
    |_, _| {}
}

/// food (2), food:coffee (3), foodstuff (1, not below food), budgets food 200 and food:coffee
/// 50.
fn store() -> Store {
    let s = Store::open_temporary().unwrap();
    s.use_month_start_day(1).unwrap();
    put(&s, 1, 1000, "food");
    put(&s, 2, 1200, "food");
    for d in 3..6 {
        put(&s, d, 300, "food:coffee");
    }
    put(&s, 7, 999, "foodstuff");
    s.set_budget("food", eur(20_000), Origin::User, 2).unwrap();
    s.set_budget("food:coffee", eur(5_000), Origin::User, 3)
        .unwrap();
    s
}

#[test]
fn a_rename_moves_the_tree_and_its_budgets_in_one_batch_and_one_undo_takes_it_back() {
    let s = store();
    let before = contents(&s);
    let first = s.last_seq().unwrap() + 1;
    let mut calls = Vec::new();
    let done = s
        .rename_category("food", "drinks", BudgetMerge::Sum, 10, &mut |a, b| {
            calls.push((a, b))
        })
        .unwrap();
    assert_eq!(calls, [(0, 5), (5, 5)]);
    assert_eq!(done.batch, Some(first));
    assert_eq!(
        done.note.line(),
        "renamed food → drinks: 5 expenses, 2 budgets moved"
    );
    let cats: Vec<(String, u64)> = {
        let mut c = s.categories().unwrap();
        c.sort();
        c
    };
    assert_eq!(
        cats,
        [
            ("drinks".to_string(), 2),
            ("drinks:coffee".to_string(), 3),
            ("foodstuff".to_string(), 1)
        ]
    );
    let budgets: Vec<(String, i64)> = s
        .budgets()
        .unwrap()
        .into_iter()
        .map(|b| (b.category, b.amount))
        .collect();
    assert_eq!(
        budgets,
        [("drinks".into(), 20_000), ("drinks:coffee".into(), 5_000)]
    );
    // One batch: 4 budget records (two removed, two set) and 5 MODIFYs, origin rename.
    let recs = s.stream_since(first - 1, 100).unwrap();
    assert_eq!(recs.len(), 9);
    assert!(recs
        .iter()
        .all(|r| r.origin == Origin::Rename && r.batch == Some(first)));
    assert_eq!(
        recs.iter().filter(|r| r.event == Event::Modify).count(),
        5,
        "one MODIFY per expense"
    );
    consistent(&s);
    // The history shows it as one line.
    let w = s.history_window(0, 3).unwrap();
    assert_eq!(w.total, first);
    assert_eq!(
        w.folds[0]
            .as_ref()
            .map(|f| (f.first, f.records, f.text.as_str())),
        Some((
            first,
            9,
            "renamed food → drinks: 5 expenses, 2 budgets moved"
        ))
    );
    assert!(w.folds[1].is_none());

    // One undo takes all of it back, exactly.
    let Some(Undone::Batch(u)) = s.undo_step(20).unwrap() else {
        panic!("expected a batch undo")
    };
    assert_eq!((u.undone, u.kept), (9, 0));
    let note = u.rename.clone().unwrap();
    assert_eq!((note.step, note.expenses), (RenameStep::Undo, 5));
    assert_eq!(
        crate::domain::change::step_text(false, &Undone::Batch(u)),
        "Undid: rename food → drinks (5 expenses, 2 budgets moved)"
    );
    assert_eq!(contents(&s), before);
    consistent(&s);
    // Redo makes it again; undo again gives the same store back.
    let Some(Undone::Batch(r)) = s.redo_step(30).unwrap() else {
        panic!("expected a batch redo")
    };
    assert_eq!(r.rename.as_ref().map(|n| n.step), Some(RenameStep::Redo));
    assert_eq!(s.budget("drinks").unwrap().unwrap().amount, 20_000);
    assert_eq!(s.budget("food").unwrap(), None);
    consistent(&s);
    let w = s.history_window(0, 10).unwrap();
    assert_eq!(w.total, first + 2, "rename, undo, redo: one line each");
    let lines: Vec<&str> = w.folds[..3]
        .iter()
        .map(|f| f.as_ref().unwrap().text.as_str())
        .collect();
    assert_eq!(
        lines,
        [
            "redo of rename food → drinks: 5 expenses, 2 budgets moved",
            "undo of rename food → drinks: 5 expenses, 2 budgets moved",
            "renamed food → drinks: 5 expenses, 2 budgets moved"
        ]
    );
    assert!(s.undo_step(40).unwrap().is_some());
    assert_eq!(contents(&s), before);
    consistent(&s);
}

#[test]
fn a_merge_joins_the_expenses_and_sums_the_budgets_and_undo_splits_them_again() {
    let s = store();
    put(&s, 8, 450, "drinks");
    put(&s, 9, 250, "drinks:coffee");
    s.set_budget("drinks", eur(10_000), Origin::User, 4)
        .unwrap();
    let before = contents(&s);
    let plan = s.plan_rename("food", "drinks", BudgetMerge::Sum).unwrap();
    assert!(plan.merge);
    assert_eq!(
        plan.budget_text(),
        "budgets of food and drinks merge: 200.00 + 100.00 = 300.00 EUR (summed); budget \
         food:coffee 50.00 EUR moves to drinks:coffee"
    );
    let done = s
        .rename_category("food", "drinks", BudgetMerge::Sum, 10, &mut no_progress())
        .unwrap();
    assert_eq!(
        done.note.line(),
        "merged food into drinks: 5 expenses, budget moved, budget merged"
    );
    let mut cats = s.categories().unwrap();
    cats.sort();
    assert_eq!(
        cats,
        [
            ("drinks".to_string(), 3),
            ("drinks:coffee".to_string(), 4),
            ("foodstuff".to_string(), 1)
        ]
    );
    assert_eq!(s.budget("drinks").unwrap().unwrap().amount, 30_000);
    consistent(&s);
    assert!(matches!(s.undo_step(20).unwrap(), Some(Undone::Batch(_))));
    assert_eq!(contents(&s), before);
    consistent(&s);
    // The other rules: keep the new name's budget, or the moved one.
    for (policy, want) in [
        (BudgetMerge::KeepNew, 10_000),
        (BudgetMerge::KeepOld, 20_000),
    ] {
        s.rename_category("food", "drinks", policy, 30, &mut no_progress())
            .unwrap();
        assert_eq!(s.budget("drinks").unwrap().unwrap().amount, want);
        assert_eq!(s.budget("food").unwrap(), None);
        consistent(&s);
        s.undo_step(40).unwrap();
        assert_eq!(contents(&s), before);
    }
    // Up into the parent: food:coffee merges into food.
    s.rename_category(
        "food:coffee",
        "food",
        BudgetMerge::Sum,
        50,
        &mut no_progress(),
    )
    .unwrap();
    // food's budget already counted food:coffee: kept, not summed.
    assert_eq!(s.budget("food").unwrap().unwrap().amount, 20_000);
    assert_eq!(s.budget("food:coffee").unwrap(), None);
    assert!(s
        .categories()
        .unwrap()
        .iter()
        .all(|(c, _)| c != "food:coffee"));
    consistent(&s);
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let s = store();
    s.set_budget(
        "drinks",
        Some((Currency::parse("USD").unwrap(), 100)),
        Origin::User,
        5,
    )
    .unwrap();
    let last = s.last_seq().unwrap();
    let before = contents(&s);
    let cases = [
        ("food", "food", "'food' is already its name"),
        (
            "food",
            "food:hot",
            "a category cannot move into its own subcategory",
        ),
        (
            "nope",
            "x",
            "no expense, budget or schedule uses category 'nope'",
        ),
        (
            "food",
            "a::b",
            "new name: category 'a::b' has an empty part",
        ),
        ("food", "", "new name: category is empty"),
        (
            "food",
            "drinks",
            "in different currencies and cannot be merged",
        ),
    ];
    for (from, to, says) in cases {
        let e = s
            .rename_category(from, to, BudgetMerge::Sum, 9, &mut no_progress())
            .unwrap_err();
        let text = e.to_string();
        assert!(
            matches!(e, StoreError::Rename(_))
                && text.contains(says)
                && text.ends_with("; nothing was changed"),
            "{from} -> {to}: {text}"
        );
    }
    assert_eq!(s.last_seq().unwrap(), last);
    assert_eq!(contents(&s), before);
    // The preview says the same, and counts the category.
    let p = s.preview_rename("food", "food").unwrap();
    assert_eq!((p.exact, p.below), (2, 3));
    assert!(p.plan.unwrap_err().contains("already its name"));
}

/// `n` expenses on March 1 in `food:x`.
fn many(s: &Store, n: usize) {
    let drafts = (0..n)
        .map(|i| Draft::sample(day(1), 100 + i as i64, "food:x", "Shop"))
        .collect();
    s.put_batch(drafts, Origin::User, 1).unwrap();
}

#[test]
fn a_rename_of_many_chunks_is_one_batch_and_one_history_line() {
    let s = store();
    many(&s, BATCH_CHUNK + 5);
    let first = s.last_seq().unwrap() + 1;
    let mut calls = Vec::new();
    s.rename_category("food", "meals", BudgetMerge::Sum, 10, &mut |a, b| {
        calls.push((a, b))
    })
    .unwrap();
    let n = (BATCH_CHUNK + 10) as u64;
    assert_eq!(calls, [(0, n), (BATCH_CHUNK as u64, n), (n, n)]);
    assert!(s
        .trees
        .meta
        .scan_prefix(META_RENAME_INCOMPLETE)
        .next()
        .is_none());
    let w = s.history_window(0, 2).unwrap();
    assert_eq!(w.total, first);
    let f = w.folds[0].as_ref().unwrap();
    assert_eq!((f.first, f.records), (first, n + 4));
    assert!(
        f.text.starts_with("renamed food → meals: 10,010 expenses"),
        "{}",
        f.text
    );
    assert_eq!(w.records[1].seq, first - 1);
    consistent(&s);
    s.undo_step(20).unwrap();
    assert_eq!(s.categories().unwrap()[0], ("food:x".to_string(), n - 5));
    consistent(&s);
}

#[test]
fn a_chunk_that_fails_moves_the_written_ones_back_at_once() {
    let s = Store::open_temporary().unwrap();
    many(&s, BATCH_CHUNK);
    // The second chunk's expense would overflow March 2's total of `meals:x`.
    put(&s, 2, i64::MAX - 10, "meals:x");
    put(&s, 2, 100, "food:x");
    let before = contents(&s);
    let e = s
        .rename_category("food", "meals", BudgetMerge::Sum, 10, &mut no_progress())
        .unwrap_err();
    let text = e.to_string();
    assert!(
        matches!(e, StoreError::RenameStopped { written, rolled_back: true, .. }
            if written == BATCH_CHUNK as u64),
        "{text}"
    );
    assert!(text.contains("nothing was changed"), "{text}");
    assert_eq!(contents(&s), before);
    assert!(s
        .trees
        .meta
        .scan_prefix(META_RENAME_INCOMPLETE)
        .next()
        .is_none());
    assert!(
        s.redo_step(20).unwrap().is_none(),
        "redo never brings part of it back"
    );
    consistent(&s);
}

#[test]
fn a_rename_killed_mid_way_is_taken_back_at_the_next_open_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let open = || Store::open_waiting(&path, std::time::Duration::from_secs(5)).unwrap();
    let s = open();
    many(&s, BATCH_CHUNK + 1);
    s.set_budget("food", eur(100), Origin::User, 2).unwrap();
    let before = contents(&s);
    // The process dies after the first chunk is stored (its progress report panics, which
    // leaves the store as a kill at that moment does).
    let died = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        s.rename_category("food", "meals", BudgetMerge::Sum, 5, &mut |n, _| {
            assert!(n < BATCH_CHUNK as u64, "killed")
        })
    }));
    assert!(died.is_err());
    assert_eq!(s.budget("meals").unwrap().unwrap().amount, 100, "half done");
    drop(s);

    let s = open();
    assert_eq!(
        s.take_notices(),
        [format!(
            "a category rename interrupted earlier (food → meals, {BATCH_CHUNK} of {} expenses \
             moved) was taken back; nothing of it is stored (run it again)",
            BATCH_CHUNK + 1
        )]
    );
    assert!(s.take_notices().is_empty(), "said once");
    assert_eq!(contents(&s), before);
    assert!(s
        .trees
        .meta
        .scan_prefix(META_RENAME_INCOMPLETE)
        .next()
        .is_none());
    consistent(&s);
    assert!(
        s.redo_step(9).unwrap().is_none(),
        "redo never brings part of it back"
    );
    // The history: the part written, and its rollback, one line each.
    let w = s.history_window(0, 2).unwrap();
    let texts: Vec<String> = w.folds.iter().map(|f| f.clone().unwrap().text).collect();
    assert_eq!(
        texts,
        [
            "undo of rename food → meals: 10,000 expenses, budget moved".to_string(),
            "renamed food → meals: 10,000 expenses, budget moved".to_string()
        ]
    );
    drop(s);
    let s = open();
    assert!(s.take_notices().is_empty());
    // The rename runs whole afterwards.
    s.rename_category("food", "meals", BudgetMerge::Sum, 10, &mut no_progress())
        .unwrap();
    assert_eq!(s.categories().unwrap()[0].0, "meals:x");
    consistent(&s);
}

#[test]
fn categories_list_counts_and_totals_per_currency() {
    let s = store();
    s.put(
        Draft {
            currency: Currency::parse("USD").unwrap(),
            ..Draft::sample(day(9), 700, "food", "Shop")
        },
        Origin::User,
        1,
    )
    .unwrap();
    s.set_budget("travel", eur(1), Origin::User, 2).unwrap();
    let uses = s.category_uses().unwrap();
    let names: Vec<&str> = uses.iter().map(|u| u.category.as_str()).collect();
    assert_eq!(names, ["food", "food:coffee", "foodstuff", "travel"]);
    assert_eq!(uses[0].count, 3);
    let t: Vec<(String, i64)> = uses[0]
        .totals
        .iter()
        .map(|t| (t.currency.to_string(), t.spent))
        .collect();
    assert_eq!(t, [("EUR".to_string(), 2200), ("USD".to_string(), 700)]);
    assert_eq!((uses[3].count, uses[3].totals.len()), (0, 0));
}

#[test]
fn an_undo_leaves_an_expense_changed_since_as_it_is_and_says_so() {
    let s = store();
    let done = s
        .rename_category("food", "meals", BudgetMerge::Sum, 10, &mut no_progress())
        .unwrap();
    let id = ExpenseId(
        contents(&s)
            .0
            .iter()
            .find(|(_, c, _)| c == "meals")
            .unwrap()
            .0,
    );
    let e = s.get(id).unwrap().unwrap();
    let mut d = e.draft.clone();
    d.amount += 1;
    s.update(id, e.version, d, Origin::User, 11).unwrap();
    let u = s
        .reverse_batch(done.batch.unwrap(), Origin::Undo, 12)
        .unwrap();
    assert_eq!((u.undone, u.kept), (8, 1));
    assert_eq!(
        crate::domain::change::step_text(false, &Undone::Batch(u)),
        "Undid: rename food → meals (4 expenses, 2 budgets moved); 1 changed since, left as it is"
    );
    assert_eq!(s.get(id).unwrap().unwrap().draft.category, "meals");
    assert_eq!(s.budget("food").unwrap().unwrap().amount, 20_000);
    consistent(&s);
}

/// Schedules of the renamed tree move with it in the first chunk, beside the budgets (a MODIFY
/// each, origin `rename`, the same batch): `food:coffee` posts to `drinks:coffee` from then on.
/// The plan, the note and the history line count them; one undo takes them back with the rest;
/// what they post after the rename goes to the new name. A category only a schedule uses can
/// be renamed.
#[test]
fn schedules_of_the_tree_move_with_it_and_one_undo_takes_them_back() {
    use crate::domain::schedule::{End, Every, MonthDay, Rule, Schedule};
    let s = store();
    let schedule = |category: &str| {
        let start = day(10);
        let rule = Rule::new(start, Every::Months(1, MonthDay::Day(10)), End::Never).unwrap();
        Schedule::new(
            crate::store::new_schedule_id(),
            Draft::sample(start, 450, category, "Café"),
            rule,
            false,
        )
    };
    let coffee = s
        .save_schedule(&schedule("food:coffee"), Origin::User, 5)
        .unwrap()
        .id;
    let stuff = s
        .save_schedule(&schedule("foodstuff"), Origin::User, 6)
        .unwrap()
        .id;
    let plan = s.plan_rename("food", "drinks", BudgetMerge::Sum).unwrap();
    assert_eq!(plan.schedules.len(), 1, "foodstuff is not below food");
    assert_eq!(
        plan.schedule_text().as_deref(),
        Some("1 schedule moves along (its future occurrences post to drinks)")
    );
    let preview = s.preview_rename("food", "drinks").unwrap();
    assert_eq!(preview.plan.unwrap().schedules, plan.schedules);
    let first = s.last_seq().unwrap() + 1;
    let done = s
        .rename_category("food", "drinks", BudgetMerge::Sum, 10, &mut no_progress())
        .unwrap();
    assert_eq!(
        done.note.line(),
        "renamed food → drinks: 5 expenses, 2 budgets moved, schedule moved"
    );
    let cat = |id| s.schedule(id).unwrap().unwrap().template.category;
    assert_eq!(
        (cat(coffee), cat(stuff)),
        ("drinks:coffee".into(), "foodstuff".into())
    );
    // In the first chunk beside the budgets: 4 budget records, 1 schedule record, then the
    // expenses; all one batch, origin rename.
    let recs = s.stream_since(first - 1, 100).unwrap();
    assert_eq!(recs.len(), 10);
    assert!(recs
        .iter()
        .all(|r| r.origin == Origin::Rename && r.batch == Some(first)));
    assert!(recs[4].schedule.is_some(), "{:?}", recs[4]);
    assert_eq!(
        recs[4].summary(),
        "schedule 4.50 EUR drinks:coffee @Café: category food:coffee → drinks:coffee"
    );
    consistent(&s);
    let w = s.history_window(0, 1).unwrap();
    assert_eq!(
        w.folds[0].as_ref().map(|f| (f.records, f.text.as_str())),
        Some((
            10,
            "renamed food → drinks: 5 expenses, 2 budgets moved, schedule moved"
        ))
    );
    // What it posts now goes to the new name.
    let posted = s.post_due(day(10), 20).unwrap();
    let mut cats: Vec<String> = posted
        .records
        .iter()
        .map(|r| r.new.as_ref().unwrap().draft.category.clone())
        .collect();
    // Posted in the order of the schedules' ids, whose low bits are random: compare as a set.
    cats.sort();
    assert_eq!(cats, ["drinks:coffee", "foodstuff"]);
    // Undo the posting, then the rename: the schedule is back on food:coffee.
    s.undo_step(30).unwrap().unwrap();
    let Some(Undone::Batch(u)) = s.undo_step(40).unwrap() else {
        panic!("expected the rename undone")
    };
    assert_eq!((u.undone, u.kept), (10, 0));
    assert_eq!(
        crate::domain::change::step_text(false, &Undone::Batch(u)),
        "Undid: rename food → drinks (5 expenses, 2 budgets moved, schedule moved)"
    );
    assert_eq!(cat(coffee), "food:coffee");
    consistent(&s);
    // Redo moves it again.
    s.redo_step(50).unwrap().unwrap();
    assert_eq!(cat(coffee), "drinks:coffee");
    consistent(&s);
    // A category only a schedule names is in the list and can be renamed.
    let only = s
        .save_schedule(&schedule("gym"), Origin::User, 60)
        .unwrap()
        .id;
    assert!(s
        .category_uses()
        .unwrap()
        .iter()
        .any(|c| c.category == "gym" && c.count == 0));
    let done = s
        .rename_category("gym", "sport", BudgetMerge::Sum, 70, &mut no_progress())
        .unwrap();
    assert_eq!(
        done.note.line(),
        "renamed gym → sport: 0 expenses, schedule moved"
    );
    assert_eq!(cat(only), "sport");
    consistent(&s);
}

/// A rename's note keeps its schedule count where `meta` stores it (after the note, so a note
/// written before schedules, without it, still reads as 0).
#[test]
fn a_notes_schedule_count_is_stored_after_it() {
    use super::super::codec::{decode_note, encode_note};
    let plan = s_plan();
    let note = plan.note(7);
    assert_eq!(note.schedules, 1);
    let v = encode_note(1, 2, &note).unwrap();
    assert_eq!(decode_note("meta", b"k", &v).unwrap(), (1, 2, note.clone()));
    let older = encode_note(
        1,
        2,
        &RenameNote {
            schedules: 0,
            ..note.clone()
        },
    )
    .unwrap();
    assert_eq!(older.len() + 1, v.len(), "no count written for none");
    assert_eq!(decode_note("meta", b"k", &older).unwrap().2.schedules, 0);
}

/// A plan of `food` → `drinks` moving one schedule.
fn s_plan() -> crate::domain::rename::RenamePlan {
    crate::domain::rename::plan_with(
        "food",
        "drinks",
        &[("food".into(), 1)],
        &[],
        &[crate::domain::rename::ScheduleLine {
            id: crate::store::new_schedule_id(),
            category: "food:x".into(),
        }],
        BudgetMerge::Sum,
    )
    .unwrap()
}
