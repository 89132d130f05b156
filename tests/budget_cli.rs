//! `expense budget` through the real binary: budgets are items of the change stream, so the
//! history shows each change, `undo` takes the latest back (a budget, not an older expense),
//! and bad input says what and where and changes nothing.

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_expense"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(args)
        .env("EXPENSE_CONFIG_DIR", dir.join("config"))
        .env("EXPENSE_BACKUP_EVERY_DAYS", "0")
        // The store closes when each command ends (tests/linger.rs keeps it open).
        .env("EXPENSE_LINGER_MINUTES", "0")
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(!out.status.success(), "{args:?} succeeded");
    String::from_utf8(out.stderr).unwrap()
}

fn stream_len(dir: &Path) -> usize {
    ok(dir, &["stream"]).lines().count()
}

#[test]
fn budgets_are_set_listed_undone_and_removed_through_the_stream() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["add", "12", "food:groceries!", "@Lidl"]);
    assert!(ok(d, &["budget", "list"]).contains("no budgets"));
    assert_eq!(
        ok(d, &["budget", "set", "food", "300"]).trim(),
        "budget food 300.00 EUR"
    );
    assert_eq!(
        ok(d, &["budget", "set", "food", "250.50"]).trim(),
        "budget food 300.00 → 250.50 EUR"
    );
    let list: serde_json::Value =
        serde_json::from_str(&ok(d, &["budget", "list", "--json"])).unwrap();
    assert_eq!(
        list,
        serde_json::json!([{"category": "food", "amount": "250.50", "currency": "EUR"}])
    );
    let history = ok(d, &["history", "--limit", "2"]);
    assert!(
        history.contains("MODIFY  user    budget food 300.00 → 250.50 EUR"),
        "{history}"
    );
    // `undo` takes the budget change back, not the older expense.
    assert_eq!(
        ok(d, &["undo"]).trim(),
        "Undid: set budget food 300.00 → 250.50 EUR"
    );
    assert!(ok(d, &["budget", "list"]).contains("300.00 EUR"));
    assert_eq!(ok(d, &["list", "--json"]).matches("\"id\"").count(), 1);
    assert!(ok(d, &["redo"]).contains("Redid: set budget food 300.00 → 250.50 EUR"));
    assert!(ok(d, &["budget", "rm", "food"]).contains("budget food removed (was 250.50 EUR)"));
    assert!(ok(d, &["budget", "list"]).contains("no budgets"));
    assert!(ok(d, &["check"]).contains("consistent"));
}

#[test]
fn bad_budgets_say_what_and_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["add", "12", "food!", "@Lidl"]);
    let before = stream_len(d);
    let e = fails(d, &["budget", "set", "food", "12,3.4"]);
    assert!(e.contains("amount '12,3.4'"), "{e}");
    let e = fails(d, &["budget", "set", "food", "0"]);
    assert!(e.contains("must be above 0"), "{e}");
    let e = fails(d, &["budget", "set", "fod", "10"]);
    assert!(
        e.contains("category 'fod': no expense or recurring expense uses it (known: food)"),
        "{e}"
    );
    let e = fails(d, &["budget", "set", "food", "10", "--currency", "EURO"]);
    assert!(e.contains("--currency 'EURO'"), "{e}");
    let e = fails(d, &["budget", "rm", "food"]);
    assert!(e.contains("no budget for 'food'"), "{e}");
    assert_eq!(stream_len(d), before, "nothing written");
    // A parent of a used category may be budgeted; setting the same limit twice writes once.
    ok(d, &["add", "3", "fun:games!"]);
    ok(d, &["budget", "set", "fun", "50"]);
    assert!(ok(d, &["budget", "set", "fun", "50"]).starts_with("unchanged"));
    assert_eq!(stream_len(d), before + 2);
}

/// A category that only a recurring expense uses so far (rent, due at the month's end) can be
/// budgeted: the month ahead is what the budget is for.
#[test]
fn a_category_only_a_recurring_expense_uses_can_be_budgeted() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(
        d,
        &[
            "recurring",
            "add",
            "950",
            "rent!",
            "--every",
            "month",
            "--on",
            "28",
            "--start",
            "2099-01-01",
        ],
    );
    ok(d, &["budget", "set", "rent", "900"]);
    let e = fails(d, &["budget", "set", "fun", "10"]);
    assert!(e.contains("known: "), "{e}");
}
