//! `expense export`: a golden ledger journal, CSV/JSON equal to `list`, and hledger reading the
//! journal back when it is installed.

mod common;

use assert_cmd::Command;
use common::Sandbox;

fn run(sb: &Sandbox, args: &[&str]) -> String {
    let out = Command::from_std(sb.cmd(args))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

/// Three expenses with fixed dates, one income, a tag, a note with a `;` and a payee with the
/// visible rest of an escape sequence (control characters are refused at input now; the
/// journal's handling of old stores that hold some is a unit test of `journal_text`).
fn filled() -> Sandbox {
    let sb = Sandbox::new();
    for words in [
        &[
            "12.50",
            "food:groceries!",
            "@Lidl",
            "2026-11-03",
            "#weekly",
            "team lunch; big",
        ][..],
        &["+2500", "salary!", "@ACME", "2026-11-25"][..],
        &["500", "JPY", "fun:books!", "@Kinokuniya", "2026-10-30"][..],
        &["3", "food:coffee!", "@Bad[31mCafe", "2026-11-04"][..],
    ] {
        let mut args = vec!["add"];
        args.extend_from_slice(words);
        run(&sb, &args);
    }
    sb
}

/// The journal without its per-expense id comments (ids are time-based).
fn without_ids(journal: &str) -> String {
    journal
        .lines()
        .filter(|l| !l.trim_start().starts_with("; id: "))
        .collect::<Vec<_>>()
        .join("\n")
}

const GOLDEN: &str = "; exported by expense-tracker

2026-10-30 Kinokuniya
    expenses:fun:books  500 JPY
    assets:cash

2026-11-03 Lidl
    ; team lunch big
    ; weekly:
    expenses:food:groceries  12.50 EUR
    assets:cash

2026-11-04 Bad[31mCafe
    expenses:food:coffee  3.00 EUR
    assets:cash

2026-11-25 ACME
    assets:cash  2500.00 EUR
    income:salary";

#[test]
fn ledger_journal_matches_the_golden_file() {
    let sb = filled();
    let journal = run(&sb, &["export", "--format", "ledger"]);
    assert_eq!(without_ids(&journal), GOLDEN);
    assert_eq!(
        journal.matches("; id: ").count(),
        4,
        "every transaction names its id"
    );
    let one_month = run(&sb, &["export", "--format", "ledger", "--month", "2026-10"]);
    assert!(one_month.contains("Kinokuniya") && !one_month.contains("Lidl"));
    let range = run(
        &sb,
        &[
            "export",
            "--format",
            "ledger",
            "--from",
            "2026-11-04",
            "--to",
            "2026-11-30",
        ],
    );
    assert!(range.contains("ACME") && range.contains("Cafe") && !range.contains("Lidl"));
}

#[test]
fn csv_and_json_equal_list() {
    let sb = filled();
    assert_eq!(
        run(&sb, &["export", "--format", "json", "--month", "2026-11"]),
        run(&sb, &["list", "--json", "--month", "2026-11"])
    );
    assert_eq!(
        run(&sb, &["export", "--format", "csv", "--month", "2026-11"]),
        run(&sb, &["list", "--csv", "--month", "2026-11"])
    );
    let all: Vec<serde_json::Value> =
        serde_json::from_str(&run(&sb, &["export", "--format", "json"])).unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0]["currency"], "JPY");
}

#[test]
fn bad_ranges_are_refused() {
    let sb = filled();
    let out = Command::from_std(sb.cmd(&["export", "--format", "ledger", "--from", "2026-02-30"]))
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(out).unwrap().contains("2026-02-30"));
}

#[test]
fn hledger_reads_the_journal_when_installed() {
    let Ok(status) = std::process::Command::new("hledger")
        .arg("--version")
        .output()
    else {
        println!("hledger is not installed here: skipping the read-back check");
        return;
    };
    assert!(status.status.success());
    let sb = filled();
    let path = sb.data.with_file_name("export.journal");
    std::fs::write(&path, run(&sb, &["export", "--format", "ledger"])).unwrap();
    let out = std::process::Command::new("hledger")
        .args([
            "-f",
            path.to_str().unwrap(),
            "balance",
            "--flat",
            "--no-total",
            "expenses:food",
            "income",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "hledger failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("12.50 EUR") && text.contains("expenses:food:groceries"),
        "{text}"
    );
    assert!(
        text.contains("-2500.00 EUR") && text.contains("income:salary"),
        "{text}"
    );
}
