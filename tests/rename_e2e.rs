//! The rename prompt under a pseudo-terminal: `R` on a review category opens it with the name
//! and what will move, a name into its own subcategory is refused in the prompt, Enter renames
//! (the status line says so and the store holds the new names and the moved budget), `u` takes
//! it all back, and `H` shows each step as one line.

mod common;

use common::{ok, this_month, Sandbox, Tui, TIMEOUT};

fn categories(sb: &Sandbox) -> Vec<String> {
    let text = ok(sb.cmd(&["categories"]).output().unwrap());
    text.lines()
        .map(|l| l.split_whitespace().next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn review_rename_prompt_renames_and_u_takes_it_back() {
    let sb = Sandbox::new();
    let day = format!("{}-01", this_month());
    for (amount, cat) in [("40", "food:groceries!"), ("12", "food!"), ("900", "rent!")] {
        ok(sb.cmd(&["add", amount, cat, &day]).output().unwrap());
    }
    ok(sb.cmd(&["budget", "set", "food", "300"]).output().unwrap());
    let mut t = Tui::start(&sb, 100, 30);
    t.wait_for("rent", TIMEOUT);
    t.type_str("r");
    t.wait_for("Top payees", TIMEOUT);
    // rent sorts first (largest); food is second.
    t.type_str("j");
    t.type_str("R");
    t.wait_for("Rename · food", TIMEOUT);
    t.wait_for("1 expense (and 1 in subcategories) in food", TIMEOUT);
    // Into its own subcategory: refused in the prompt, nothing sent.
    t.type_str(":hot");
    t.wait_for("a category cannot move into its own", TIMEOUT);
    t.enter();
    t.wait_for("Rename · food", TIMEOUT);
    for _ in 0..8 {
        t.send(b"\x7f");
    }
    t.type_str("meals");
    t.wait_for("will move to meals", TIMEOUT);
    t.wait_for("budget food 300.00 EUR moves to meals", TIMEOUT);
    t.enter();
    t.wait_for("Renamed food → meals: 2 expenses, budget moved", TIMEOUT);
    t.wait_until("the review shows meals", TIMEOUT, |s| {
        s.contains("meals") && !s.contains("Rename ·")
    });
    assert_eq!(categories(&sb), ["meals", "meals:groceries", "rent"]);
    t.type_str("u");
    t.wait_for(
        "Undid: rename food → meals (2 expenses, budget moved)",
        TIMEOUT,
    );
    assert_eq!(categories(&sb), ["food", "food:groceries", "rent"]);
    t.type_str("H");
    t.wait_for(
        "undo of rename food → meals: 2 expenses, budget moved",
        TIMEOUT,
    );
    t.wait_for("renamed food → meals: 2 expenses, budget moved", TIMEOUT);
    t.quit();
    let budgets = ok(sb.cmd(&["budget", "list"]).output().unwrap());
    assert!(budgets.starts_with("food "), "{budgets}");
    ok(sb.cmd(&["check", "--stream"]).output().unwrap());
}
