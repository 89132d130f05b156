//! The trash through the real binary with an injected clock (`EXPENSE_NOW`): `expense rm` moves
//! to the trash, it is still there on day 29, and gone on day 31 with an origin `ttl` REMOVE in
//! `expense stream`; `expense trash restore` round-trips; `expense undo` of a delete takes it out
//! of the trash; purge needs an id or --all; `trash_days = 0` deletes at once.

mod common;

use common::Sandbox;
use std::process::Output;

const DAY0: &str = "2026-12-01T10:00:00Z";

fn run(sb: &Sandbox, now: &str, args: &[&str]) -> Output {
    let out = sb.cmd(args).env("EXPENSE_NOW", now).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Adds one expense on day 0 and returns its id.
fn add(sb: &Sandbox, words: &[&str]) -> String {
    let mut args = vec!["add", "--json"];
    args.extend_from_slice(words);
    let v: serde_json::Value = serde_json::from_slice(&run(sb, DAY0, &args).stdout).unwrap();
    v["id"].as_str().unwrap().to_string()
}

fn trash_ids(sb: &Sandbox, now: &str) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_slice(&run(sb, now, &["trash", "list", "--json"]).stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_deleted_expense_expires_after_thirty_days_with_a_ttl_remove() {
    let sb = Sandbox::new();
    let id = add(&sb, &["12.50", "food!", "@Lidl", "2026-11-30"]);
    let rm = text(&run(&sb, DAY0, &["rm", &id]));
    assert!(rm.starts_with("moved to trash for 30 days:"), "{rm}");

    let day29 = "2026-12-30T10:00:00Z";
    assert_eq!(trash_ids(&sb, day29), vec![id.clone()]);
    let table = text(&run(&sb, day29, &["trash"]));
    assert!(
        table.contains("EXPIRES IN") && table.contains("1 day"),
        "{table}"
    );
    assert!(
        table.contains("12.50 EUR") && table.contains("Lidl"),
        "{table}"
    );

    // Any command that opens the store sweeps first.
    let day31 = "2027-01-01T10:00:00Z";
    assert!(trash_ids(&sb, day31).is_empty());
    let stream = text(&run(&sb, day31, &["stream"]));
    let last: serde_json::Value = serde_json::from_str(stream.lines().last().unwrap()).unwrap();
    assert_eq!(last["eventName"], "REMOVE");
    assert_eq!(last["origin"], "ttl");
    assert_eq!(last["dynamodb"]["Keys"]["id"], id.as_str());
    assert_eq!(last["dynamodb"]["OldImage"]["payee"], "Lidl");
    let check = run(&sb, day31, &["check"]);
    assert!(text(&check).contains("consistent"), "{}", text(&check));
    // Gone for good: nothing to undo, nothing to restore.
    assert!(text(&run(&sb, day31, &["undo"])).contains("nothing to undo"));
    let out = sb
        .cmd(&["trash", "restore", &id])
        .env("EXPENSE_NOW", day31)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not in the trash"));
}

#[test]
fn restore_by_prefix_round_trips_and_undo_of_a_delete_empties_the_trash() {
    let sb = Sandbox::new();
    let id = add(&sb, &["7", "fun!", "2026-11-02"]);
    run(&sb, DAY0, &["rm", &id]);
    let out = text(&run(
        &sb,
        DAY0,
        &["trash", "restore", &id[..10].to_lowercase()],
    ));
    assert!(
        out.starts_with("restored: 2026-11-02 7.00 EUR fun"),
        "{out}"
    );
    assert!(out.contains("version 2"), "{out}");
    let listed = common::list_json(&sb, &["--month", "2026-11"]);
    assert_eq!(listed.len(), 1);
    assert!(trash_ids(&sb, DAY0).is_empty());

    run(&sb, DAY0, &["rm", &id]);
    assert_eq!(trash_ids(&sb, DAY0), vec![id.clone()]);
    let undo = text(&run(&sb, DAY0, &["undo"]));
    assert!(undo.starts_with("Undid: delete 7.00 EUR fun"), "{undo}");
    assert!(trash_ids(&sb, DAY0).is_empty());
    assert_eq!(common::list_json(&sb, &["--month", "2026-11"]).len(), 1);
}

#[test]
fn purge_needs_an_id_or_all_and_cannot_be_undone() {
    let sb = Sandbox::new();
    let a = add(&sb, &["1", "x!", "2026-11-02"]);
    let b = add(&sb, &["2", "x", "2026-11-02"]);
    let c = add(&sb, &["3", "x", "2026-11-02"]);
    for id in [&a, &b, &c] {
        run(&sb, DAY0, &["rm", id]);
    }
    let bare = sb.cmd(&["trash", "purge"]).output().unwrap();
    assert!(!bare.status.success());
    assert_eq!(
        trash_ids(&sb, DAY0).len(),
        3,
        "a bare purge changes nothing"
    );
    let bad = sb.cmd(&["trash", "purge", "0I"]).output().unwrap();
    assert!(String::from_utf8_lossy(&bad.stderr).contains("'I' does not occur in ids"));

    let one = text(&run(&sb, DAY0, &["trash", "purge", &a]));
    assert!(
        one.starts_with("purged for good: 2026-11-02 1.00 EUR x"),
        "{one}"
    );
    let all = text(&run(&sb, DAY0, &["trash", "purge", "--all"]));
    assert_eq!(all.trim(), "purged 2 expenses from the trash for good");
    assert!(trash_ids(&sb, DAY0).is_empty());
    let undo = run(&sb, DAY0, &["undo"]);
    assert!(text(&undo).contains("nothing to undo"), "{}", text(&undo));
    let note = String::from_utf8_lossy(&undo.stderr);
    assert!(
        note.contains("for good") && note.contains("cannot be undone"),
        "{note}"
    );
    assert!(text(&run(&sb, DAY0, &["check"])).contains("consistent"));
}

#[test]
fn zero_trash_days_deletes_at_once() {
    let sb = Sandbox::new();
    let id = add(&sb, &["4", "y!", "2026-11-05"]);
    let out = sb
        .cmd(&["rm", &id])
        .env("EXPENSE_NOW", DAY0)
        .env("EXPENSE_TRASH_DAYS", "0")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("deleted:"));
    assert!(trash_ids(&sb, DAY0).is_empty());
    let bad = sb
        .cmd(&["trash"])
        .env("EXPENSE_NOW", "soon")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bad.stderr).contains("EXPENSE_NOW='soon'"));
}
