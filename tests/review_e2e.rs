//! The review under a pseudo-terminal: `r` opens it, `b` sets a budget that the store keeps,
//! an add over the budget shows the notice, Enter opens the ledger filtered to the category.

mod common;

use common::{this_month, Sandbox, Tui, TIMEOUT};

#[test]
fn review_budget_notice_and_category_ledger() {
    let sb = Sandbox::new();
    let day = format!("{}-01", this_month());
    for (amount, cat) in [("40", "food:groceries!"), ("900", "rent!")] {
        let out = sb.cmd(&["add", amount, cat, &day]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut t = Tui::start(&sb, 100, 30);
    t.wait_for("rent", TIMEOUT);
    t.type_str("r");
    t.wait_for("Category", TIMEOUT);
    t.wait_for("Top payees", TIMEOUT);
    // rent sorts first (largest); food is second.
    t.type_str("j");
    t.type_str("b");
    t.wait_for("Budget · food", TIMEOUT);
    t.type_str("55");
    t.enter();
    t.wait_for("Budget of food set to 55.00 EUR", TIMEOUT);
    // 40 -> 45 of 55 crosses 80 %: the notice.
    t.quick_entry(&format!("5 food:groceries {day}"));
    t.wait_for("Budget food: 81% used", TIMEOUT);
    // Enter on food (still selected): the ledger of this month, food only.
    t.enter();
    t.wait_until("the ledger filtered to food", TIMEOUT, |s| {
        s.contains("Payee") && s.contains("food:groceries") && !s.contains("900.00")
    });
    t.quit();
    let store = expense_tracker::store::Store::open(&sb.data.join("store")).unwrap();
    assert_eq!(store.budget("food").unwrap().unwrap().amount, 5500);
}
