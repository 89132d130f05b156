//! Habits carried over from git and other CLIs: short ids in `expense list` that `edit`, `rm`,
//! `history` and `trash restore` take back by any unique start, and `--json` on the commands
//! that print. Run as the real binary with assert_cmd.

mod common;

use assert_cmd::Command;
use common::Sandbox;
use serde_json::Value;

const A: &str = "01KC3ABCD00000000000000001";
const B: &str = "01KC3ABCE00000000000000002";
const C: &str = "01KC3XYZ000000000000000003";

fn run(sb: &Sandbox, args: &[&str]) -> Command {
    Command::from_std(sb.cmd(args))
}

fn ok(sb: &Sandbox, args: &[&str]) -> String {
    let out = run(sb, args).assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

fn fails(sb: &Sandbox, args: &[&str]) -> String {
    let out = run(sb, args).assert().failure().get_output().stderr.clone();
    let err = String::from_utf8(out).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn json(sb: &Sandbox, args: &[&str]) -> Value {
    serde_json::from_str(&ok(sb, args)).unwrap()
}

/// A store holding A and B (sharing their first 8 characters) and C, imported with these ids.
fn store() -> Sandbox {
    let sb = Sandbox::new();
    let csv = sb.tmp.path().join("ids.csv");
    std::fs::write(
        &csv,
        format!(
            "id,date,amount,currency,category,payee,note,tags,kind,version\n\
             {A},2026-01-02,12.50,EUR,food,Lidl,,,expense,1\n\
             {B},2026-01-03,7.00,EUR,fun,Kino,,,expense,1\n\
             {C},2026-01-04,3.00,EUR,food,Cafe,,,expense,1\n"
        ),
    )
    .unwrap();
    let out = json(&sb, &["import", "--json", csv.to_str().unwrap()]);
    assert_eq!(out["added"], 3, "{out}");
    assert_eq!(out["duplicates"], 0);
    assert!(out["batch"].is_u64(), "{out}");
    assert_eq!(out["skipped"], Value::Array(Vec::new()));
    sb
}

fn listed(sb: &Sandbox) -> Value {
    json(sb, &["list", "--month", "2026-01", "--json"])
}

#[test]
fn list_shows_the_shortest_unique_start_and_json_and_csv_keep_whole_ids() {
    let sb = store();
    let plain = ok(&sb, &["list", "--month", "2026-01"]);
    let firsts: Vec<&str> = plain
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    // A and B are told apart at their 9th character; C at its 6th, shown at 8.
    assert_eq!(firsts[..3], [&A[..9], &B[..9], "01KC3XYZ"], "{plain}");
    let rows = listed(&sb);
    let ids: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [A, B, C]);
    let csv = ok(&sb, &["list", "--month", "2026-01", "--csv"]);
    assert!(csv.contains(&format!("{C},2026-01-04")), "{csv}");
}

#[test]
fn a_unique_start_names_one_expense_for_edit_rm_history_and_restore() {
    let sb = store();
    let saved = ok(&sb, &["edit", "01kc3x", "--amount", "4"]);
    assert!(saved.contains(&format!("id {C} version 2")), "{saved}");
    let h = json(&sb, &["history", "01KC3XY", "--json"]);
    assert_eq!(h[0]["id"], C);
    assert_eq!(h[0]["event"], "MODIFY");
    assert_eq!(h[0]["old"]["amount"], "3.00");
    assert_eq!(h[0]["new"]["amount"], "4.00");
    let plain = ok(&sb, &["history", "01KC3XY"]);
    assert_eq!(plain.lines().count(), 2, "{plain}");

    let moved = ok(&sb, &["rm", "01kc3abce"]);
    assert!(moved.contains(B), "{moved}");
    // A deleted expense's start is found in the trash by history and restore.
    let h = json(&sb, &["history", &B[..9], "--json"]);
    assert_eq!(h[0]["id"], B, "{h}");
    let back = ok(&sb, &["trash", "restore", "01KC3A"]);
    assert!(back.contains(B), "{back}");
    assert_eq!(listed(&sb).as_array().unwrap().len(), 3);
}

#[test]
fn an_ambiguous_start_lists_the_candidates_and_changes_nothing() {
    let sb = store();
    let before = listed(&sb);
    let err = fails(&sb, &["edit", "01KC3ABC", "--amount", "1"]);
    assert!(err.contains("'01KC3ABC' starts 2 expenses"), "{err}");
    assert!(
        err.contains(&format!("{A}  2026-01-02  12.50 EUR  food")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{B}  2026-01-03  7.00 EUR  fun")),
        "{err}"
    );
    assert!(!err.contains(C), "{err}");
    let err = fails(&sb, &["rm", "01kc3"]);
    assert!(err.contains("'01KC3' starts 3 expenses"), "{err}");
    let err = fails(&sb, &["history", "01KC3"]);
    assert!(err.contains("starts 3 expenses"), "{err}");
    assert_eq!(listed(&sb), before);

    ok(&sb, &["rm", A]);
    ok(&sb, &["rm", B]);
    let err = fails(&sb, &["trash", "restore", "01KC3"]);
    assert!(err.contains("starts 2 ids in the trash"), "{err}");
    assert!(err.contains(&format!("{A}  2026-01-02")), "{err}");
    assert_eq!(listed(&sb).as_array().unwrap().len(), 1);
}

#[test]
fn an_unknown_start_says_so_and_a_bad_one_opens_nothing() {
    let sb = store();
    let err = fails(&sb, &["edit", "01KC3Q", "--amount", "1"]);
    assert!(
        err.contains("no expense has an id starting with '01KC3Q'"),
        "{err}"
    );
    let err = fails(&sb, &["rm", "9ZZZ"]);
    assert!(
        err.contains("no expense has an id starting with '9ZZZ'"),
        "{err}"
    );
    let err = fails(&sb, &["history", "01KC3Q"]);
    assert!(err.contains("no expense has an id"), "{err}");
    let err = fails(&sb, &["rm", "01-x"]);
    assert!(err.contains("is not an id"), "{err}");
    let fresh = Sandbox::new();
    fails(&fresh, &["rm", "01-x"]);
    assert!(!fresh.data.exists(), "a bad id created a store");
}

#[test]
fn undo_redo_and_history_print_json() {
    let sb = store();
    ok(&sb, &["edit", C, "--payee", "Bar"]);
    let u = json(&sb, &["undo", "--json"]);
    assert_eq!(u["done"], true, "{u}");
    assert_eq!(u["action"], "undo");
    assert_eq!(u["record"]["id"], C);
    assert_eq!(u["record"]["new"]["payee"], "Cafe");
    assert!(u["text"].as_str().unwrap().starts_with("Undid:"), "{u}");
    let r = json(&sb, &["redo", "--json"]);
    assert_eq!(r["action"], "redo");
    assert_eq!(r["record"]["new"]["payee"], "Bar");
    let r = json(&sb, &["redo", "--json"]);
    assert_eq!(r["done"], false, "{r}");
    assert_eq!(r["record"], Value::Null);

    let h = json(&sb, &["history", "--json", "--limit", "3"]);
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 3);
    assert_eq!(h[0]["origin"], "redo", "{h:?}");
    assert!(h[0]["seq"].as_u64() > h[1]["seq"].as_u64());

    // The redone edit first, then the whole import in one step.
    ok(&sb, &["undo"]);
    let u = json(&sb, &["undo", "--json"]);
    assert_eq!(u["batch"]["undone"], 3, "{u}");
    assert_eq!(listed(&sb), Value::Array(Vec::new()));
}
