//! `expense import` through the binary against the hostile files of issue 12 (finding 9): an
//! unbalanced quote, a debit/credit export with `0.00` in the unused column (YNAB), an amount
//! with a currency symbol in another script and three decimals, and a file whose expenses are
//! positive (told by its ledger-style categories, or by the payees the store already holds).
//! Each refusal names what and where, and changes nothing.

mod common;

use common::{fails, list_json, ok, Sandbox};

fn write(sb: &Sandbox, name: &str, text: &str) {
    std::fs::write(sb.tmp.path().join(name), text).unwrap();
}

fn run(sb: &Sandbox, args: &[&str]) -> std::process::Output {
    sb.cmd(args).current_dir(sb.tmp.path()).output().unwrap()
}

/// A store holding one expense, so "nothing changed" can be seen.
fn with_one_expense() -> Sandbox {
    let sb = Sandbox::new();
    ok(run(&sb, &["add", "1", "seed!", "@Before", "2026-01-01"]));
    sb
}

/// The month's rows as (payee, kind, amount, currency), sorted.
fn rows(sb: &Sandbox, month: &str) -> Vec<(String, String, String, String)> {
    let mut out: Vec<_> = list_json(sb, &["--month", month])
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            (s("payee"), s("kind"), s("amount"), s("currency"))
        })
        .collect();
    out.sort();
    out
}

fn row(payee: &str, kind: &str, amount: &str, currency: &str) -> (String, String, String, String) {
    (payee.into(), kind.into(), amount.into(), currency.into())
}

#[test]
fn an_unbalanced_quote_is_refused_with_its_line_and_stores_nothing() {
    let sb = with_one_expense();
    // Before: the quote on line 3 swallowed the rows after it into one payee, and the import
    // reported success.
    write(
        &sb,
        "quote.csv",
        "date,amount,payee\n\
         2026-01-02,-1.00,Ok\n\
         2026-01-03,-2.00,\"Shop\n\
         2026-01-04,-3.00,Cafe\n\
         2026-01-05,-4.00,Bar\n",
    );
    for extra in [&[][..], &["--skip-bad"][..], &["--dry-run"][..]] {
        let mut args = vec!["import", "quote.csv"];
        args.extend_from_slice(extra);
        let err = fails(run(&sb, &args));
        assert!(
            err.contains("quote.csv: line 3: a quote opens a cell here that runs on over line 4")
                && err.contains("nothing was imported"),
            "{extra:?}: {err}"
        );
    }
    write(
        &sb,
        "eof.csv",
        "date,amount,payee\n2026-01-02,-1.00,Ok\n2026-01-03,-2.00,\"Shop\n",
    );
    let err = fails(run(&sb, &["import", "eof.csv"]));
    assert!(
        err.contains("eof.csv: line 3: a quote opens a cell here and is never closed"),
        "{err}"
    );
    assert_eq!(
        rows(&sb, "2026-01"),
        vec![row("Before", "expense", "1.00", "EUR")]
    );
}

#[test]
fn a_ynab_export_with_zero_in_the_unused_column_imports() {
    let sb = Sandbox::new();
    // YNAB's register export: Outflow and Inflow, the unused one `$0.00`.
    write(
        &sb,
        "ynab.csv",
        "\"Account\",\"Flag\",\"Date\",\"Payee\",\"Category Group/Category\",\"Category Group\",\
         \"Category\",\"Memo\",\"Outflow\",\"Inflow\",\"Cleared\"\n\
         \"Checking\",\"\",\"01/05/2026\",\"Grocer\",\"Food: Groceries\",\"Food\",\"Groceries\",\
         \"\",$12.34,$0.00,\"Cleared\"\n\
         \"Checking\",\"\",\"01/06/2026\",\"ACME\",\"Inflow: Ready to Assign\",\"Inflow\",\
         \"Ready to Assign\",\"\",$0.00,\"$1,500.00\",\"Cleared\"\n\
         \"Checking\",\"\",\"01/07/2026\",\"Cafe\",\"Food: Eating Out\",\"Food\",\"Eating Out\",\
         \"\",$3.50,$0.00,\"Uncleared\"\n",
    );
    let out = ok(run(
        &sb,
        &[
            "import",
            "ynab.csv",
            "--date-format",
            "%m/%d/%Y",
            "--currency",
            "USD",
        ],
    ));
    assert!(out.contains("imported 3 new expenses"), "{out}");
    assert_eq!(
        rows(&sb, "2026-01"),
        vec![
            row("ACME", "income", "1500.00", "USD"),
            row("Cafe", "expense", "3.50", "USD"),
            row("Grocer", "expense", "12.34", "USD"),
        ]
    );
    // Both zero is still a bad row, named by its line.
    write(
        &sb,
        "zero.csv",
        "Date,Payee,Outflow,Inflow\n2026-01-08,Nobody,0.00,0.00\n",
    );
    let err = fails(run(&sb, &["import", "zero.csv"]));
    assert!(
        err.contains("line 2: debit and credit are both zero"),
        "{err}"
    );
}

#[test]
fn currency_symbols_of_another_script_and_three_decimals_are_read_exactly() {
    let sb = Sandbox::new();
    // Jordanian dinars: 3 decimals, the symbol written in Arabic before the number.
    write(
        &sb,
        "jod.csv",
        "date,amount,payee\n\
         2026-01-02,-د.ا.4.750,Souk\n\
         2026-01-03,د.ا.-0.125,Bakery\n\
         2026-01-04,1\u{202F}250.000 د.ا.,Salary\n",
    );
    // Given as --currency JOD, and without it (the symbol names the currency).
    ok(run(&sb, &["import", "jod.csv", "--currency", "JOD"]));
    let want = vec![
        row("Bakery", "expense", "0.125", "JOD"),
        row("Salary", "income", "1250.000", "JOD"),
        row("Souk", "expense", "4.750", "JOD"),
    ];
    assert_eq!(rows(&sb, "2026-01"), want);
    let other = Sandbox::new();
    write(
        &other,
        "jod.csv",
        &std::fs::read_to_string(sb.tmp.path().join("jod.csv")).unwrap(),
    );
    ok(run(&other, &["import", "jod.csv"]));
    assert_eq!(rows(&other, "2026-01"), want);
    // A symbol that names another currency than the one given is refused, with its line.
    let err = fails(run(&other, &["import", "jod.csv", "--currency", "KWD"]));
    assert!(
        err.contains("line 2: amount '-د.ا.4.750' is in JOD, but the row's currency is KWD"),
        "{err}"
    );
}

/// A ledger-style file: expenses positive, income negative.
const POSITIVE: &str = "date,amount,payee,category\n\
    2026-01-02,12.50,Grocer,expenses:food\n\
    2026-01-03,4.20,Cafe,expenses:eating out\n\
    2026-01-04,-2500.00,ACME,income:salary\n";

#[test]
fn a_file_whose_categories_say_expenses_are_positive_stops_and_names_the_sign() {
    let sb = with_one_expense();
    write(&sb, "ledger.csv", POSITIVE);
    let err = fails(run(&sb, &["import", "ledger.csv"]));
    assert!(
        err.contains(
            "ledger.csv: nothing imported: 3 of the 3 rows whose category names expenses or \
             income come out as the other kind with --sign expense-negative"
        ) && err.contains("Give --sign expense-positive"),
        "{err}"
    );
    assert_eq!(rows(&sb, "2026-01").len(), 1, "nothing stored");
    let dry = ok(run(&sb, &["import", "ledger.csv", "--dry-run"]));
    assert!(
        dry.contains("the import would stop here: 3 of the 3 rows"),
        "{dry}"
    );
    ok(run(
        &sb,
        &["import", "ledger.csv", "--sign", "expense-positive"],
    ));
    assert_eq!(
        rows(&sb, "2026-01"),
        vec![
            row("ACME", "income", "2500.00", "EUR"),
            row("Before", "expense", "1.00", "EUR"),
            row("Cafe", "expense", "4.20", "EUR"),
            row("Grocer", "expense", "12.50", "EUR"),
        ]
    );
    // Giving the convention is the person's choice: taken as it is.
    let other = Sandbox::new();
    write(&other, "ledger.csv", POSITIVE);
    ok(run(
        &other,
        &["import", "ledger.csv", "--sign", "expense-negative"],
    ));
    assert_eq!(
        rows(&other, "2026-01")[0],
        row("ACME", "expense", "2500.00", "EUR")
    );
}

#[test]
fn a_file_whose_known_payees_say_expenses_are_positive_stops() {
    let sb = Sandbox::new();
    for payee in ["@Grocer", "@Cafe", "@Bakery"] {
        ok(run(&sb, &["add", "3", "food!", payee, "2025-12-01"]));
    }
    write(
        &sb,
        "card.csv",
        "date,amount,payee\n\
         2026-01-02,12.50,GROCER\n\
         2026-01-03,4.20,Cafe\n\
         2026-01-04,2.10,bakery\n\
         2026-01-05,9.99,Somewhere new\n",
    );
    let err = fails(run(&sb, &["import", "card.csv"]));
    assert!(
        err.contains(
            "3 of the 3 rows whose payee the store already holds come out as the other kind \
             with --sign expense-negative (e.g. a row from 'GROCER')"
        ) && err.contains("Give --sign expense-positive"),
        "{err}"
    );
    assert!(rows(&sb, "2026-01").is_empty(), "nothing stored");
    // Two refunds from known shops in a bank statement do not stop it.
    write(
        &sb,
        "bank.csv",
        "date,amount,payee\n\
         2026-01-02,12.50,Grocer\n\
         2026-01-03,4.20,Cafe\n\
         2026-01-04,-2.10,Bakery\n\
         2026-01-05,-9.99,Somewhere new\n",
    );
    let out = ok(run(&sb, &["import", "bank.csv"]));
    assert!(out.contains("imported 4 new expenses"), "{out}");
}
