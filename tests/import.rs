//! `expense import` through the binary: dedupe (same file, overlapping file), all-or-nothing with
//! named lines, file quirks (BOM, semicolons, decimal comma, quoted newlines, invalid UTF-8,
//! escape sequences), export round trips (CSV and JSON, byte for byte), --skip-bad, undo of a
//! whole import, a config profile and a category rule.

mod common;

use common::{list_json, Sandbox};
use std::path::PathBuf;
use std::process::Output;

fn run(sb: &Sandbox, args: &[&str]) -> Output {
    sb.cmd(args).current_dir(sb.tmp.path()).output().unwrap()
}

/// Runs and expects success; returns stdout.
fn ok(sb: &Sandbox, args: &[&str]) -> String {
    let out = run(sb, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs and expects failure; returns stdout + stderr.
fn fails(sb: &Sandbox, args: &[&str]) -> String {
    let out = run(sb, args);
    assert!(!out.status.success(), "{args:?} should fail");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn write(sb: &Sandbox, name: &str, bytes: &[u8]) -> PathBuf {
    let p = sb.tmp.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn month(sb: &Sandbox, m: &str) -> Vec<serde_json::Value> {
    list_json(sb, &["--month", m])
}

fn payees(rows: &[serde_json::Value]) -> Vec<String> {
    let mut p: Vec<String> = rows
        .iter()
        .map(|r| r["payee"].as_str().unwrap().to_string())
        .collect();
    p.sort();
    p
}

const JAN: &str = "date,amount,payee,note
2026-01-03,-4.50,Coffee,
2026-01-03,-4.50,Coffee,
2026-01-10,-50.00,Grocer,weekly
2026-01-20,2500.00,ACME,salary
";

/// Overlaps JAN from the 10th and adds February.
const JAN_FEB: &str = "date,amount,payee,note
2026-01-10,-50.00,Grocer,weekly
2026-01-20,2500.00,ACME,salary
2026-02-01,-9.99,Streaming,
";

#[test]
fn the_same_file_twice_adds_nothing_the_second_time() {
    let sb = Sandbox::new();
    write(&sb, "jan.csv", JAN.as_bytes());
    let first = ok(&sb, &["import", "jan.csv"]);
    assert!(first.contains("imported 4 new expenses"), "{first}");
    let second = ok(&sb, &["import", "jan.csv"]);
    assert!(
        second.contains("imported 0 new expenses") && second.contains("4 already in the store"),
        "{second}"
    );
    let rows = month(&sb, "2026-01");
    assert_eq!(rows.len(), 4, "both identical coffees are kept, once each");
    let income: Vec<_> = rows.iter().filter(|r| r["kind"] == "income").collect();
    assert_eq!(income.len(), 1);
    assert_eq!(income[0]["amount"], "2500.00");
    assert!(rows.iter().all(|r| r["category"] == "uncategorized"));
}

#[test]
fn an_overlapping_file_adds_only_the_new_rows() {
    let sb = Sandbox::new();
    write(&sb, "jan.csv", JAN.as_bytes());
    write(&sb, "janfeb.csv", JAN_FEB.as_bytes());
    ok(&sb, &["import", "jan.csv"]);
    let dry = ok(&sb, &["import", "--dry-run", "janfeb.csv"]);
    assert!(
        dry.contains("1 new, 2 already in the store, 0 bad"),
        "{dry}"
    );
    assert!(dry.contains("[already stored]"), "{dry}");
    let out = ok(&sb, &["import", "janfeb.csv"]);
    assert!(out.contains("imported 1 new expense from"), "{out}");
    assert_eq!(month(&sb, "2026-01").len(), 4);
    assert_eq!(payees(&month(&sb, "2026-02")), vec!["Streaming"]);
}

#[test]
fn a_bad_line_stores_nothing_and_is_named() {
    let sb = Sandbox::new();
    let text = "date,amount,payee\n2026-01-01,-1.00,A\n2026-01-02,-1.0.0,B\n2026-02-30,-3,C\n2026-01-04,-4,D\n";
    write(&sb, "bad.csv", text.as_bytes());
    let err = fails(&sb, &["import", "bad.csv"]);
    assert!(err.contains("line 3:") && err.contains("-1.0.0"), "{err}");
    assert!(
        err.contains("line 4:") && err.contains("2026-02-30"),
        "{err}"
    );
    assert!(err.contains("nothing imported: 2 bad rows"), "{err}");
    assert!(
        !err.contains("line 2:") && !err.contains("line 5:"),
        "{err}"
    );
    // A refused import stores nothing and creates no store.
    assert!(fails(&sb, &["list"]).contains("no store at"));

    let out = ok(&sb, &["import", "--skip-bad", "bad.csv"]);
    assert!(
        out.contains("imported 2 new expenses") && out.contains("2 bad rows skipped"),
        "{out}"
    );
    let listed = run(&sb, &["import", "--skip-bad", "bad.csv"]);
    let stderr = String::from_utf8_lossy(&listed.stderr);
    assert!(
        stderr.contains("line 3:") && stderr.contains("line 4:"),
        "{stderr}"
    );
    assert_eq!(payees(&month(&sb, "2026-01")), vec!["A", "D"]);
}

#[test]
fn bom_semicolons_decimal_comma_and_quoted_newlines() {
    let sb = Sandbox::new();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(
        "Buchungstag;Empfänger;Betrag;Verwendungszweck\n\
         03.01.2026;\"Bäckerei\nMüller\";-1.234,56;\"Brot; Kuchen\"\n\
         \n\
         04.01.2026;Laden;-0,99;x\n\
         05.01.2026;Laden;-0,9x;y\n"
            .as_bytes(),
    );
    write(&sb, "de.csv", &bytes);
    let err = fails(
        &sb,
        &[
            "import",
            "de.csv",
            "--decimal-comma",
            "--date-format",
            "%d.%m.%Y",
        ],
    );
    // The bad row is on physical line 6: the quoted newline and the blank line count.
    assert!(err.contains("line 6:") && err.contains("-0,9x"), "{err}");
    let out = ok(
        &sb,
        &[
            "import",
            "de.csv",
            "--decimal-comma",
            "--date-format",
            "%d.%m.%Y",
            "--skip-bad",
        ],
    );
    let rows = month(&sb, "2026-01");
    assert_eq!(rows.len(), 2);
    let b = rows.iter().find(|r| r["amount"] == "1234.56").unwrap();
    // Stored text holds no line break: the quoted newline became a space, and the import said so.
    assert_eq!(b["payee"], "Bäckerei Müller");
    assert!(
        out.contains("replaced control or bidi characters in 1 cell "),
        "{out}"
    );
    assert_eq!(b["note"], "Brot; Kuchen");
    assert_eq!(b["kind"], "expense");
}

#[test]
fn an_invalid_utf8_line_is_named_and_latin1_reads_it() {
    let sb = Sandbox::new();
    write(
        &sb,
        "latin.csv",
        b"date,amount,payee\n2026-01-01,-1,Ok\n2026-01-02,-2,Caf\xE9\n",
    );
    let err = fails(&sb, &["import", "latin.csv"]);
    assert!(
        err.contains("line 3:") && err.contains("not valid UTF-8") && err.contains("0xE9"),
        "{err}"
    );
    // A refused import stores nothing and creates no store.
    assert!(fails(&sb, &["list"]).contains("no store at"));
    ok(&sb, &["import", "latin.csv", "--encoding", "latin1"]);
    assert_eq!(payees(&month(&sb, "2026-01")), vec!["Café", "Ok"]);
}

#[test]
fn escape_sequences_in_payees_are_replaced_and_counted() {
    let sb = Sandbox::new();
    write(
        &sb,
        "esc.csv",
        b"date,amount,payee\n2026-01-01,-1,\"Evil\x1b[2J\x1b]0;pwned\x07Shop\"\n",
    );
    let dry = ok(&sb, &["import", "--dry-run", "esc.csv"]);
    assert!(!dry.contains('\x1b'), "{dry:?}");
    assert!(dry.contains("in 1 cell "), "{dry}");
    ok(&sb, &["import", "esc.csv"]);
    let rows = month(&sb, "2026-01");
    assert_eq!(
        rows[0]["payee"],
        "Evil\u{FFFD}[2J\u{FFFD}]0;pwned\u{FFFD}Shop"
    );
    let plain = ok(&sb, &["list", "--month", "2026-01"]);
    assert!(
        !plain.contains('\x1b') && !plain.contains('\x07'),
        "{plain:?}"
    );
    assert!(
        plain.contains("Evil\u{FFFD}[2J\u{FFFD}]0;pwned\u{FFFD}Shop"),
        "{plain}"
    );
}

/// A store with edits (version 2), income, tags, notes with commas and quotes, another currency.
fn filled() -> Sandbox {
    let sb = Sandbox::new();
    for words in [
        &[
            "12.50",
            "food:groceries!",
            "@Lidl",
            "2026-11-03",
            "#weekly",
            "#a",
            "say \"hi\", ok",
        ][..],
        &["+2500", "salary!", "@ACME", "2026-11-25"][..],
        &["500", "JPY", "fun:books!", "@Kinokuniya", "2026-10-30"][..],
        &["3", "food:coffee!", "@=Bad[31mCafe", "2026-11-04"][..],
    ] {
        let mut args = vec!["add"];
        args.extend_from_slice(words);
        ok(&sb, &args);
    }
    let id = list_json(&sb, &["--month", "2026-11"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(&sb, &["edit", &id, "--amount", "13.75"]);
    sb
}

fn round_trip(format: &str) {
    let a = filled();
    let first = ok(&a, &["export", "--format", format]);
    assert!(first.contains("13.75"));
    let file = write(&a, &format!("export.{format}"), first.as_bytes());
    // Into a store that has these ids: nothing is added.
    let same = ok(&a, &["import", file.to_str().unwrap()]);
    assert!(
        same.contains("imported 0 new") && same.contains("4 already"),
        "{same}"
    );
    // Into an empty store: the same expenses, ids and versions, so the same bytes.
    let b = Sandbox::new();
    let out = ok(&b, &["import", file.to_str().unwrap()]);
    assert!(out.contains("imported 4 new expenses"), "{out}");
    let second = ok(&b, &["export", "--format", format]);
    assert_eq!(first, second);
    let again = ok(&b, &["import", file.to_str().unwrap()]);
    assert!(again.contains("imported 0 new"), "{again}");
}

#[test]
fn csv_export_round_trips_byte_for_byte() {
    round_trip("csv");
}

#[test]
fn json_export_round_trips_byte_for_byte() {
    round_trip("json");
}

#[test]
fn undo_takes_a_whole_import_back_in_one_step() {
    let sb = Sandbox::new();
    ok(&sb, &["add", "1", "misc!", "@Before", "2026-01-01"]);
    write(&sb, "jan.csv", JAN.as_bytes());
    ok(&sb, &["import", "jan.csv"]);
    assert_eq!(month(&sb, "2026-01").len(), 5);
    let undo = ok(&sb, &["undo"]);
    assert!(undo.contains("removed 4 expenses"), "{undo}");
    assert_eq!(payees(&month(&sb, "2026-01")), vec!["Before"]);
    // History is kept and the undone file can be imported again.
    let again = ok(&sb, &["import", "jan.csv"]);
    assert!(again.contains("imported 4 new"), "{again}");
    // The next undo after that is the import again; then the add before it.
    ok(&sb, &["undo"]);
    let undo = ok(&sb, &["undo"]);
    assert!(undo.contains("Before"), "{undo}");
    assert!(month(&sb, "2026-01").is_empty());
}

#[test]
fn a_profile_from_config_and_a_category_rule() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.config.join("config.toml"),
        r#"
[import]
default_category = "misc"

[[import.rules]]
payee = "lidl"
category = "food:groceries"

[[import.rules]]
payee = "db *"
category = "transport"

[import.profiles.bank]
date_col = "Tag"
debit_col = "Soll"
credit_col = "Haben"
payee_col = 2
date_format = "%d.%m.%Y"
decimal_comma = true
currency = "CHF"
"#,
    )
    .unwrap();
    write(
        &sb,
        "bank.csv",
        "Tag;Wer;Soll;Haben;Saldo\n\
         02.01.2026;LIDL Zürich;12,30;;1\n\
         03.01.2026;DB Fernverkehr;89,00;;2\n\
         04.01.2026;Kiosk;1,00;;3\n\
         05.01.2026;Arbeitgeber;;4.000,00;4\n"
            .as_bytes(),
    );
    let dry = ok(
        &sb,
        &["import", "bank.csv", "--profile", "bank", "--dry-run"],
    );
    assert!(dry.contains("ignored columns: 'Saldo'"), "{dry}");
    ok(&sb, &["import", "bank.csv", "--profile", "bank"]);
    let rows = month(&sb, "2026-01");
    let by = |p: &str| rows.iter().find(|r| r["payee"] == p).unwrap().clone();
    assert_eq!(by("LIDL Zürich")["category"], "food:groceries");
    assert_eq!(by("LIDL Zürich")["currency"], "CHF");
    assert_eq!(by("LIDL Zürich")["amount"], "12.30");
    assert_eq!(by("DB Fernverkehr")["category"], "transport");
    assert_eq!(by("Kiosk")["category"], "misc");
    assert_eq!(by("Arbeitgeber")["kind"], "income");
    assert_eq!(by("Arbeitgeber")["amount"], "4000.00");
    let err = fails(&sb, &["import", "bank.csv", "--profile", "nope"]);
    assert!(
        err.contains("--profile 'nope'") && err.contains("bank"),
        "{err}"
    );
}

#[test]
fn arguments_are_checked_before_the_store_is_opened() {
    let sb = Sandbox::new();
    write(&sb, "jan.csv", JAN.as_bytes());
    let err = fails(&sb, &["import", "jan.csv", "--date-format", "%Q"]);
    assert!(err.contains("--date-format"), "{err}");
    let err = fails(&sb, &["import", "missing.csv"]);
    assert!(err.contains("missing.csv"), "{err}");
    write(&sb, "odd.csv", b"when,what\n1,2\n");
    let err = fails(&sb, &["import", "odd.csv"]);
    assert!(
        err.contains("date column") && err.contains("'when'"),
        "{err}"
    );
    assert!(!sb.data.exists(), "no store was created");
}
