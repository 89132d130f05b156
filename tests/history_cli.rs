//! `expense undo`, `expense redo` and `expense history` through the binary, and the same steps
//! from a TUI while commands run through its session: one undo/redo over the whole store, a
//! whole import per step, the same line printed and shown, history newest first.

mod common;

use common::{list_json, Sandbox, Tui, TIMEOUT};
use std::process::Output;

fn run(sb: &Sandbox, args: &[&str]) -> Output {
    sb.cmd(args).current_dir(sb.tmp.path()).output().unwrap()
}

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

fn fails(sb: &Sandbox, args: &[&str]) -> String {
    let out = run(sb, args);
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn amounts(sb: &Sandbox) -> Vec<String> {
    let mut a: Vec<String> = list_json(sb, &["--month", "2026-01"])
        .iter()
        .map(|r| r["amount"].as_str().unwrap().to_string())
        .collect();
    a.sort();
    a
}

#[test]
fn undo_redo_and_history_from_the_shell() {
    let sb = Sandbox::new();
    assert_eq!(ok(&sb, &["undo"]), "nothing to undo\n");
    assert_eq!(ok(&sb, &["redo"]), "nothing to redo\n");
    ok(&sb, &["add", "12.50", "food!", "@Lidl", "2026-01-05"]);
    let id = list_json(&sb, &["--month", "2026-01"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(&sb, &["edit", &id, "--amount", "13"]);
    let csv = sb.tmp.path().join("jan.csv");
    std::fs::write(
        &csv,
        "date,amount,payee\n2026-01-03,-4.50,Coffee\n2026-01-04,-20.00,Books\n",
    )
    .unwrap();
    ok(&sb, &["import", "jan.csv"]);
    assert_eq!(amounts(&sb), vec!["13.00", "20.00", "4.50"]);

    // History, newest first: the import's two rows, the edit, the add.
    let h = ok(&sb, &["history"]);
    let lines: Vec<&str> = h.lines().collect();
    assert_eq!(lines.len(), 4, "{h}");
    assert!(
        lines[0].trim_start().starts_with('4') && lines[0].contains("INSERT  import"),
        "{h}"
    );
    assert!(
        lines[2].contains("MODIFY  user") && lines[2].contains("amount 12.50 → 13.00"),
        "{h}"
    );
    assert!(
        lines[3].contains("INSERT  user") && lines[3].contains("12.50 EUR food @Lidl"),
        "{h}"
    );
    assert_eq!(ok(&sb, &["history", "--limit", "1"]).lines().count(), 1);
    let mine = ok(&sb, &["history", &id]);
    assert_eq!(mine.lines().count(), 2, "{mine}");

    // Undo: the whole import, then the edit; redo brings them back in order.
    let out = ok(&sb, &["undo"]);
    assert!(
        out.starts_with("Undid: import: removed 2 expenses"),
        "{out}"
    );
    let out = ok(&sb, &["undo"]);
    assert_eq!(
        out,
        "Undid: edit 13.00 EUR food @Lidl (amount 12.50 → 13.00)\n"
    );
    assert_eq!(amounts(&sb), vec!["12.50"]);
    let out = ok(&sb, &["redo"]);
    assert!(out.starts_with("Redid: edit 13.00 EUR food @Lidl"), "{out}");
    let out = ok(&sb, &["redo"]);
    assert!(
        out.starts_with("Redid: import: restored 2 expenses"),
        "{out}"
    );
    assert_eq!(amounts(&sb), vec!["13.00", "20.00", "4.50"]);
    assert_eq!(ok(&sb, &["redo"]), "nothing to redo\n");
    // Nothing was rewritten: every step is a record of its own.
    let h = ok(&sb, &["history", "--limit", "100"]);
    assert_eq!(h.lines().count(), 4 + 3 + 3, "{h}");
    assert_eq!(
        h.lines().filter(|l| l.contains("  redo  ")).count(),
        3,
        "{h}"
    );
    // A new change after an undo clears the redo chain.
    ok(&sb, &["undo"]);
    ok(&sb, &["add", "1", "food", "2026-01-06"]);
    assert_eq!(ok(&sb, &["redo"]), "nothing to redo\n");
    ok(&sb, &["check"]); // exit status 1 on any difference

    let err = fails(&sb, &["history", "not-an-id"]);
    assert!(err.contains("not-an-id"), "{err}");
    let err = fails(&sb, &["history", "01M80ENWE5JF77MKEV1T6J5MSS"]);
    assert!(err.contains("no change record"), "{err}");
}

#[test]
fn the_tui_undoes_and_redoes_changes_made_by_a_command_and_shows_them_in_history() {
    let sb = Sandbox::new();
    let mut t = Tui::start(&sb, 100, 30);
    t.wait_for("No expenses", TIMEOUT);
    // A command from another shell runs in the TUI's session.
    let month = common::this_month();
    ok(&sb, &["add", "7.25", "food!", "@Bakery"]);
    t.wait_for("Bakery", TIMEOUT);
    t.type_str("u");
    t.wait_for("Undid: add 7.25 EUR food @Bakery", TIMEOUT);
    t.wait_until("the row gone", TIMEOUT, |s| !s.contains("7.25 EUR  "));
    t.send(b"\x12"); // Ctrl-r
    t.wait_for("Redid: add 7.25 EUR food @Bakery", TIMEOUT);
    assert_eq!(list_json(&sb, &["--month", &month]).len(), 1);
    t.type_str("H");
    t.wait_for("History all changes", TIMEOUT);
    t.wait_for("INSERT redo", TIMEOUT);
    // Live: a record written elsewhere shows up on the open screen.
    ok(&sb, &["add", "3", "food", "@Kiosk"]);
    t.wait_for("3.00 EUR food @Kiosk", TIMEOUT);
    t.enter();
    t.wait_for("Before (none)", TIMEOUT);
    t.send(b"\x1b");
    t.wait_for("enter detail", TIMEOUT);
    t.send(b"\x1b");
    t.wait_for("a add", TIMEOUT);
    // The shell's undo is the same undo: the latest change, from any session.
    let out = ok(&sb, &["undo"]);
    assert_eq!(out, "Undid: add 3.00 EUR food @Kiosk\n");
    t.quit();
}
