//! Tests of `domain/rename.rs`: the names a rename accepts, plans (counts, budgets moved and
//! merged by each rule), and the words of notes.

use super::*;

fn used() -> Vec<(String, u64)> {
    [
        ("food", 3),
        ("food:coffee", 5),
        ("food:lunch", 2),
        ("foodstuff", 7),
        ("drinks:coffee", 1),
    ]
    .iter()
    .map(|(c, n)| (c.to_string(), *n))
    .collect()
}

fn budget(c: &str, cur: Currency, amount: i64) -> BudgetLine {
    BudgetLine {
        category: c.into(),
        currency: cur,
        amount,
    }
}

#[test]
fn names_follow_the_category_rules_and_never_point_into_themselves() {
    assert_eq!(
        check_names(" food ", "drinks : hot").unwrap(),
        ("food".into(), "drinks:hot".into())
    );
    let e = |a, b| check_names(a, b).unwrap_err().to_string();
    assert_eq!(
        e("food", "food"),
        "'food' is already its name: a rename onto itself changes nothing"
    );
    assert_eq!(
        e("food", "food:x"),
        "'food:x' is below 'food': a category cannot move into its own subcategory"
    );
    assert_eq!(
        e("food", "a::b"),
        "new name: category 'a::b' has an empty part between ':'"
    );
    assert_eq!(
        e("", "x"),
        "old name: category is empty (e.g. food:groceries)"
    );
    assert!(e("food", "x\u{1b}").starts_with("new name: category 'x^['"));
    // Up into the parent is a merge, not a loop; a sibling that shares a prefix is fine.
    assert!(check_names("food:coffee", "food").is_ok());
    assert!(check_names("food", "foodstuff").is_ok());
    assert_eq!(
        moved("food:coffee", "food", "drinks").unwrap(),
        "drinks:coffee"
    );
    assert_eq!(moved("foodstuff", "food", "drinks"), None);
}

#[test]
fn a_plan_counts_the_tree_and_moves_budgets() {
    let b = [budget("food", Currency::EUR, 20_000)];
    let p = plan("food", "drinks", &used(), &b, BudgetMerge::Sum).unwrap();
    assert_eq!((p.exact, p.below, p.merge), (3, 7, true));
    assert_eq!(
        p.moving_text(),
        "3 expenses (and 7 in subcategories) will merge into drinks"
    );
    assert_eq!(p.budget_text(), "budget food 200.00 EUR moves to drinks");
    assert_eq!(p.budget_counts(), (1, 0));
    assert_eq!(counts_text(0, 1234), "1,234 expenses in subcategories");
    assert_eq!(
        counts_text(1, 1234),
        "1 expense (and 1,234 in subcategories)"
    );
    let p = plan("foodstuff", "pantry", &used(), &[], BudgetMerge::Sum).unwrap();
    assert!(!p.merge);
    assert_eq!(p.moving_text(), "7 expenses will move to pantry");
    assert_eq!(p.budget_text(), "no budget moves");
    let e = plan("nope", "x", &used(), &[], BudgetMerge::Sum).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("no expense, budget or schedule uses category 'nope' (known: food"),
        "{e}"
    );
    // A category only a budget names can be renamed.
    let b = [budget("travel", Currency::EUR, 5_000)];
    assert!(plan("travel", "trips", &used(), &b, BudgetMerge::Sum).is_ok());
    let long = "x".repeat(MAX_CATEGORY - 3);
    let e = plan("food", &long, &used(), &[], BudgetMerge::Sum).unwrap_err();
    assert!(matches!(e, RenameError::TooLong { ref from, .. } if from == "food:coffee"));
}

#[test]
fn budgets_that_meet_merge_by_the_rule_or_refuse_two_currencies() {
    let b = [
        budget("food", Currency::EUR, 20_000),
        budget("drinks", Currency::EUR, 10_000),
    ];
    let sum = plan("food", "drinks", &used(), &b, BudgetMerge::Sum).unwrap();
    assert_eq!(sum.budgets[0].result, 30_000);
    assert_eq!(
        sum.budget_text(),
        "budgets of food and drinks merge: 200.00 + 100.00 = 300.00 EUR (summed)"
    );
    assert_eq!(sum.budget_counts(), (0, 1));
    let keep = plan("food", "drinks", &used(), &b, BudgetMerge::KeepNew).unwrap();
    assert_eq!(keep.budgets[0].result, 10_000);
    assert_eq!(
        keep.budget_text(),
        "budget food 200.00 EUR goes, drinks keeps 100.00 EUR (keep-new)"
    );
    let old = plan("food", "drinks", &used(), &b, BudgetMerge::KeepOld).unwrap();
    assert_eq!(old.budgets[0].result, 20_000);
    // Up into the parent: its budget already counts the moved spending, never twice.
    let up = [
        budget("food", Currency::EUR, 20_000),
        budget("food:coffee", Currency::EUR, 5_000),
    ];
    let p = plan("food:coffee", "food", &used(), &up, BudgetMerge::Sum).unwrap();
    assert_eq!(p.budgets[0].result, 20_000);
    assert_eq!(
        p.budget_text(),
        "budget food:coffee 50.00 EUR goes, food keeps 200.00 EUR (it already counts \
         food:coffee)"
    );
    let p = plan("food:coffee", "food", &used(), &up, BudgetMerge::KeepOld).unwrap();
    assert_eq!(p.budgets[0].result, 5_000);
    let usd = [
        budget("food", Currency::EUR, 20_000),
        budget("drinks", Currency::parse("USD").unwrap(), 10_000),
    ];
    let e = plan("food", "drinks", &used(), &usd, BudgetMerge::Sum).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the budgets of food (200.00 EUR) and drinks (100.00 USD) are in different \
         currencies and cannot be merged; remove one first (expense budget rm CATEGORY)"
    );
    assert_eq!(BudgetMerge::parse("KEEP-NEW"), Some(BudgetMerge::KeepNew));
    assert_eq!(BudgetMerge::parse("max"), None);
}

#[test]
fn notes_read_as_one_line() {
    let n = RenameNote {
        step: RenameStep::Rename,
        from: "food".into(),
        to: "drinks".into(),
        merged: false,
        expenses: 1234,
        budgets_moved: 1,
        budgets_merged: 0,
        schedules: 0,
    };
    assert_eq!(
        n.line(),
        "renamed food → drinks: 1,234 expenses, budget moved"
    );
    let undo = RenameNote {
        expenses: 1,
        ..n.as_step(RenameStep::Undo)
    };
    assert_eq!(
        undo.line(),
        "undo of rename food → drinks: 1 expense, budget moved"
    );
    assert_eq!(
        undo.step_line(false, 2),
        "Undid: rename food → drinks (1 expense, budget moved); 2 changed since, left as \
         they are"
    );
    let merged = RenameNote {
        merged: true,
        budgets_moved: 0,
        budgets_merged: 2,
        schedules: 0,
        ..n.clone()
    };
    assert_eq!(
        merged.line(),
        "merged food into drinks: 1,234 expenses, 2 budgets merged"
    );
    assert_eq!(expenses_text(1_000_000), "1,000,000 expenses");
    assert_eq!(
        n.done_line(),
        "Renamed food → drinks: 1,234 expenses, budget moved"
    );
    let named = [
        (Some("lidl".to_string()), "food:groceries".to_string()),
        (Some("bvg".to_string()), "transport".to_string()),
        (None, "food".to_string()),
    ];
    assert_eq!(
        config_changes(&named, "food", "drinks"),
        [
            "[[import.rules]] payee = \"lidl\": category \"food:groceries\" → \"drinks:groceries\"",
            "[import] default_category \"food\" → \"drinks\""
        ]
    );
    assert_eq!(expenses_text(0), "0 expenses");
}
