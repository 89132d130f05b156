//! Refunds through the binary (issue 13, item 2): `-12.50` in `expense add` (with and without
//! `--`) is a negative expense that lowers its category's spending in `report`, in budgets and
//! alerts, keeps its sign in `list` and `export`, and agrees with hledger reading our journal;
//! a negative income and `-0` are refused with nothing changed.

mod common;

use common::{fails, list_json, ok, Sandbox};
use expense_tracker::domain::Currency;
use expense_tracker::store::{Origin, Store};
use serde_json::Value;

fn add(sb: &Sandbox, words: &[&str]) -> (String, String) {
    let mut args = vec!["add"];
    args.extend_from_slice(words);
    let out = sb.cmd(&args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    (ok(out), err)
}

fn report(sb: &Sandbox, month: &str) -> Value {
    serde_json::from_str(&ok(sb
        .cmd(&["report", "--month", month, "--json"])
        .output()
        .unwrap()))
    .unwrap()
}

/// The report's row for `category` in EUR: (total, count).
fn category(r: &Value, category: &str) -> (String, u64) {
    let c = r["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == category && c["currency"] == "EUR")
        .unwrap_or_else(|| panic!("no {category} in {r}"));
    (
        c["total"].as_str().unwrap().to_string(),
        c["count"].as_u64().unwrap(),
    )
}

/// A November with groceries, a refund typed both ways, another category and a salary.
fn november() -> Sandbox {
    let sb = Sandbox::new();
    add(&sb, &["40", "food:groceries!", "@Lidl", "2026-11-03"]);
    add(
        &sb,
        &["--", "-12.50", "food:groceries", "@Lidl", "2026-11-04"],
    );
    add(&sb, &["-5", "food:groceries", "2026-11-05"]);
    add(&sb, &["20", "fun!", "2026-11-05"]);
    add(&sb, &["+2500", "salary!", "2026-11-25"]);
    sb
}

#[test]
fn a_refund_from_the_shell_lowers_its_category_in_report_list_and_check() {
    let sb = november();
    let (out, _) = add(&sb, &["--dry-run", "-7", "fun"]);
    assert!(out.contains("-7.00 EUR fun"), "{out}");
    let r = report(&sb, "2026-11");
    assert_eq!(category(&r, "food:groceries"), ("22.50".into(), 3));
    assert_eq!(category(&r, "food"), ("22.50".into(), 3));
    let eur = r["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["currency"] == "EUR")
        .unwrap();
    assert_eq!(eur["spent"], "42.50");
    assert_eq!(eur["income"], "2500.00");
    // The largest spending holds no refund.
    let largest: Vec<&str> = r["largest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["amount"].as_str().unwrap())
        .collect();
    assert_eq!(largest, ["40.00", "20.00"]);
    // list keeps the sign, in JSON and CSV; the kind stays expense.
    let rows = list_json(&sb, &["--month", "2026-11"]);
    let refunds: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r["amount"].as_str().unwrap().starts_with('-'))
        .map(|r| (r["amount"].as_str().unwrap(), r["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(refunds, [("-12.50", "expense"), ("-5.00", "expense")]);
    let csv = ok(sb
        .cmd(&["list", "--month", "2026-11", "--csv"])
        .output()
        .unwrap());
    assert!(csv.contains(",-12.50,EUR,food:groceries,Lidl,"), "{csv}");
    // The plain report shows the net.
    let plain = ok(sb.cmd(&["report", "--month", "2026-11"]).output().unwrap());
    assert!(plain.contains("22.50"), "{plain}");
    let check = ok(sb.cmd(&["check"]).output().unwrap());
    assert!(check.contains("consistent"), "{check}");
}

#[test]
fn a_negative_income_and_minus_zero_are_refused_and_nothing_changes() {
    let sb = november();
    let before = list_json(&sb, &["--month", "2026-11"]);
    for words in [
        &["--", "+-5", "salary"][..],
        &["-0", "food:groceries"][..],
        &["--", "-0.00", "food:groceries"][..],
    ] {
        let mut args = vec!["add"];
        args.extend_from_slice(words);
        let err = fails(sb.cmd(&args).output().unwrap());
        assert!(
            err.contains("an income cannot be negative")
                || err.contains("a refund must be more than zero"),
            "{words:?}: {err}"
        );
    }
    // A refund in a category that only ever held income (salary) is refused, naming it.
    let err = fails(sb.cmd(&["add", "--", "-5", "salary"]).output().unwrap());
    assert!(
        err.contains("'salary' is an income category") && err.contains("nothing was stored"),
        "{err}"
    );
    // Turning a refund into an income is refused too.
    let refund = before
        .iter()
        .find(|r| r["amount"] == "-12.50")
        .unwrap()
        .clone();
    let id = refund["id"].as_str().unwrap();
    let err = fails(sb.cmd(&["edit", id, "--kind", "income"]).output().unwrap());
    assert!(err.contains("an income cannot be negative"), "{err}");
    let err = fails(sb.cmd(&["edit", id, "--amount", "-0"]).output().unwrap());
    assert!(err.contains("a refund must be more than zero"), "{err}");
    assert_eq!(
        list_json(&sb, &["--month", "2026-11"]),
        before,
        "nothing changed"
    );
    // An edit to another refund amount is fine.
    ok(sb.cmd(&["edit", id, "--amount", "-2"]).output().unwrap());
    assert_eq!(
        category(&report(&sb, "2026-11"), "food:groceries"),
        ("33.00".into(), 3)
    );
}

#[test]
fn a_refund_lowers_what_a_budget_has_used() {
    let sb = Sandbox::new();
    add(&sb, &["10", "food!", "2026-11-02"]);
    let store = Store::open(&sb.data.join("store")).unwrap();
    store
        .set_budget("food", Some((Currency::EUR, 10000)), Origin::User, 0)
        .unwrap();
    drop(store);
    let (_, at90) = add(&sb, &["80", "food", "2026-11-03"]);
    assert!(at90.contains("90% used"), "{at90}");
    add(&sb, &["-30", "food", "2026-11-04"]);
    // 60 used after the refund: another 30 comes to 90 (without the refund it would be 120,
    // over budget). Back below 80% and up again is a new crossing, told again.
    let (_, notice) = add(&sb, &["30", "food", "2026-11-05"]);
    assert!(
        notice.contains("90% used in November 2026 (90.00 of 100.00 EUR)"),
        "{notice}"
    );
    let (_, over) = add(&sb, &["15", "food", "2026-11-06"]);
    assert!(over.contains("105% used, over budget"), "{over}");
}

#[test]
fn undo_of_a_refund_restores_the_spending() {
    let sb = november();
    add(&sb, &["--", "-20", "fun", "2026-11-06"]);
    assert_eq!(category(&report(&sb, "2026-11"), "fun"), ("0.00".into(), 2));
    ok(sb.cmd(&["undo"]).output().unwrap());
    assert_eq!(
        category(&report(&sb, "2026-11"), "fun"),
        ("20.00".into(), 1)
    );
    let check = ok(sb.cmd(&["check"]).output().unwrap());
    assert!(check.contains("consistent"), "{check}");
}

/// The journal's refund posting is negative on the expense account, and hledger's balance of a
/// month with refunds equals our report.
#[test]
fn hledger_agrees_with_the_report_for_a_month_with_refunds() {
    let sb = november();
    let journal = ok(sb.cmd(&["export", "--format", "ledger"]).output().unwrap());
    assert!(
        journal.contains("    expenses:food:groceries  -12.50 EUR\n"),
        "{journal}"
    );
    if std::process::Command::new("hledger")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("hledger is not installed here: skipping the read-back check");
        return;
    }
    let path = sb.data.with_file_name("refunds.journal");
    std::fs::write(&path, journal).unwrap();
    let out = std::process::Command::new("hledger")
        .args([
            "-f",
            path.to_str().unwrap(),
            "balance",
            "--flat",
            "--no-total",
        ])
        .args(["-b", "2026-11-01", "-e", "2026-12-01", "expenses"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "hledger failed: {text}");
    let r = report(&sb, "2026-11");
    for (account, cat) in [
        ("expenses:food:groceries", "food:groceries"),
        ("expenses:fun", "fun"),
    ] {
        let (total, _) = category(&r, cat);
        let line = text
            .lines()
            .find(|l| l.trim_end().ends_with(account))
            .unwrap_or_else(|| panic!("no {account} in {text}"));
        assert!(line.contains(&format!("{total} EUR")), "{line} vs {total}");
    }
}

/// A backup keeps a refund's negative `minor`, verifies, and restores it as it was, consistent.
#[test]
fn a_refund_round_trips_through_a_backup() {
    let sb = november();
    let file = sb.tmp.path().join("refunds.jsonl");
    let f = file.to_str().unwrap();
    ok(sb.cmd(&["backup", f]).output().unwrap());
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("\"minor\":-1250"), "{text}");
    ok(sb.cmd(&["backup", "--verify", f]).output().unwrap());
    let to = sb.tmp.path().join("restored");
    ok(sb
        .cmd(&["restore", f, "--to", to.to_str().unwrap()])
        .output()
        .unwrap());
    let back = ok(sb
        .cmd_at(&to, &["list", "--month", "2026-11", "--json"])
        .output()
        .unwrap());
    let month = ["--month", "2026-11"];
    let want: Vec<Value> = list_json(&sb, &month);
    assert_eq!(serde_json::from_str::<Vec<Value>>(&back).unwrap(), want);
    let check = ok(sb.cmd_at(&to, &["check"]).output().unwrap());
    assert!(check.contains("consistent"), "{check}");
}

/// `expense list --csv` of a month with refunds imports into an empty store as the same month;
/// a bank file's credit in an `expenses:` category comes in as a refund.
#[test]
fn refunds_survive_an_export_and_a_bank_credit_in_an_expense_category_is_one() {
    let sb = november();
    let csv = ok(sb
        .cmd(&["list", "--month", "2026-11", "--csv"])
        .output()
        .unwrap());
    let other = Sandbox::new();
    let file = other.tmp.path().join("november.csv");
    std::fs::write(&file, csv).unwrap();
    ok(other
        .cmd(&["import", file.to_str().unwrap()])
        .output()
        .unwrap());
    let month = ["--month", "2026-11"];
    assert_eq!(list_json(&other, &month), list_json(&sb, &month));
    let bank = other.tmp.path().join("bank.csv");
    std::fs::write(
        &bank,
        "date,amount,payee,category\n\
         2026-12-01,-30.00,Shop,expenses:fun\n\
         2026-12-02,7.50,Shop,expenses:fun\n",
    )
    .unwrap();
    ok(other
        .cmd(&["import", bank.to_str().unwrap()])
        .output()
        .unwrap());
    assert_eq!(
        category(&report(&other, "2026-12"), "expenses:fun"),
        ("22.50".into(), 2)
    );
}

/// A bank file's credit in a plain category the store knows only as spending (`food:groceries`,
/// from history) comes in as a refund and says so; a credit in a category that also held income
/// (`salary`) or a new one stays income.
#[test]
fn an_imported_credit_in_a_category_known_for_spending_is_a_refund() {
    let sb = november();
    let bank = sb.tmp.path().join("bank.csv");
    std::fs::write(
        &bank,
        "date,amount,payee,category\n\
         2026-11-20,-10.00,Lidl,food:groceries\n\
         2026-11-21,4.00,Lidl,food:groceries\n\
         2026-11-22,100.00,ACME,salary\n\
         2026-11-23,9.00,Friend,gifts\n",
    )
    .unwrap();
    let out = ok(sb
        .cmd(&["import", bank.to_str().unwrap()])
        .output()
        .unwrap());
    assert!(
        out.contains("1 credit in expense categories read as refund"),
        "{out}"
    );
    let r = report(&sb, "2026-11");
    // 40 - 12.50 - 5 + 10 - 4 = 28.50 over five expenses.
    assert_eq!(category(&r, "food:groceries"), ("28.50".into(), 5));
    let rows = list_json(&sb, &["--month", "2026-11"]);
    let kind_of = |payee: &str| {
        rows.iter()
            .find(|r| r["payee"] == payee)
            .map(|r| (r["kind"].clone(), r["amount"].clone()))
            .unwrap()
    };
    assert_eq!(kind_of("ACME").0, "income");
    assert_eq!(kind_of("Friend").0, "income");
}
