//! `expense stream`: the change stream as DynamoDB-shaped NDJSON, its views and starting points,
//! and `--follow` while other sessions write.

mod common;

use common::{Sandbox, Tui, TIMEOUT};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn ok(sb: &Sandbox, args: &[&str]) -> String {
    let out = sb.cmd(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn records(sb: &Sandbox, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["stream"];
    all.extend_from_slice(args);
    ok(sb, &all)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn records_have_the_dynamodb_shape_and_views() {
    let sb = Sandbox::new();
    ok(&sb, &["add", "3", "tea!"]);
    let added: Value = serde_json::from_str(&ok(&sb, &["add", "--json", "5", "cake!"])).unwrap();
    let id = added["id"].as_str().unwrap().to_string();
    ok(&sb, &["edit", &id, "--amount", "6"]);
    ok(&sb, &["rm", &id]);

    let all = records(&sb, &[]);
    let names: Vec<&str> = all
        .iter()
        .map(|r| r["eventName"].as_str().unwrap())
        .collect();
    // `rm` moves the expense to the trash: a MODIFY, as DynamoDB shows a TTL attribute set.
    assert_eq!(names, ["INSERT", "INSERT", "MODIFY", "MODIFY"]);
    let modify = &all[2];
    assert_eq!(modify["eventSource"], "expense-tracker");
    assert_eq!(modify["origin"], "user");
    let db = &modify["dynamodb"];
    assert_eq!(db["Keys"]["id"], id.as_str());
    assert_eq!(db["OldImage"]["amount"], "5.00");
    assert_eq!(db["NewImage"]["amount"], "6.00");
    assert_eq!(db["SequenceNumber"], "00000000000000000003");
    assert_eq!(db["StreamViewType"], "NEW_AND_OLD_IMAGES");
    assert!(db["ApproximateCreationDateTime"].as_i64().unwrap() > 1_700_000_000);
    // A move to the trash keeps the item in its new image (marked); an INSERT has no old one.
    assert_eq!(all[3]["dynamodb"]["NewImage"]["amount"], "6.00");
    assert!(all[0]["dynamodb"].get("OldImage").is_none());

    let keys = records(&sb, &["--view", "keys_only", "--since", "2"]);
    assert_eq!(keys.len(), 2);
    assert!(keys[0]["dynamodb"].get("NewImage").is_none());
    assert!(keys[0]["dynamodb"].get("OldImage").is_none());
    let old = records(&sb, &["--view", "old_image", "--since", "2"]);
    assert!(old[0]["dynamodb"].get("NewImage").is_none());
    assert_eq!(old[0]["dynamodb"]["OldImage"]["amount"], "5.00");

    assert!(records(&sb, &["--since", "latest"]).is_empty());
    assert_eq!(records(&sb, &["--since", "2000-01-01"]).len(), 4);
    assert!(records(&sb, &["--since", "2999-01-01 00:00:00"]).is_empty());

    let bad = sb
        .cmd(&["stream", "--since", "yesterdayish"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--since 'yesterdayish'"));
}

/// `expense stream --follow` with its lines delivered to a channel.
fn follow(sb: &Sandbox) -> (Child, mpsc::Receiver<String>) {
    let mut child = sb
        .cmd(&["stream", "--follow", "--since", "latest"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    (child, rx)
}

fn next_with(rx: &mpsc::Receiver<String>, needle: &str) -> String {
    loop {
        let line = rx
            .recv_timeout(TIMEOUT)
            .unwrap_or_else(|_| panic!("no record with {needle:?} within {TIMEOUT:?}"));
        if line.contains(needle) {
            return line;
        }
    }
}

#[test]
fn follow_through_a_session_sees_every_writer_and_stops_with_its_caller() {
    let sb = Sandbox::new();
    let mut tui = Tui::start(&sb, 100, 30);
    tui.wait_for("No expenses", TIMEOUT);
    let (mut child, rx) = follow(&sb);
    // Give the follower a moment to take its starting point, then write from a shell and
    // from the TUI.
    std::thread::sleep(Duration::from_millis(300));
    ok(&sb, &["add", "4.50", "coffee!", "@Shell"]);
    next_with(&rx, "Shell");
    tui.quick_entry("8 lunch! @FromTui");
    next_with(&rx, "FromTui");

    // The caller goes away: the session stops following, so the TUI quits promptly.
    child.kill().unwrap();
    child.wait().unwrap();
    tui.quit();
}

#[test]
fn a_follower_that_holds_the_store_serves_other_shells() {
    let sb = Sandbox::new();
    ok(&sb, &["add", "1", "first!"]);
    let (mut child, rx) = follow(&sb);
    std::thread::sleep(Duration::from_millis(300));
    ok(&sb, &["add", "2", "second!", "@Other"]);
    let line = next_with(&rx, "Other");
    assert!(line.contains("\"INSERT\""));
    child.kill().unwrap();
    child.wait().unwrap();
}

/// A store's stream has an identity: `--info` names its label and range; a restore starts a new
/// label (as a restored DynamoDB table gets a new stream) and says so; reopening keeps it.
#[test]
fn the_stream_has_a_label_and_a_restore_starts_a_new_one() {
    let sb = Sandbox::new();
    ok(&sb, &["add", "12.50", "food!", "@Lidl"]);
    ok(&sb, &["add", "3", "food", "@Bakery"]);
    let info = ok(&sb, &["stream", "--info"]);
    let lines: Vec<&str> = info.lines().collect();
    assert!(lines[0].starts_with("label 20"), "{info}");
    assert_eq!(&lines[1..], ["first 1", "last 2", "trimmed none"]);
    let file = sb.tmp.path().join("b.jsonl");
    ok(&sb, &["backup", file.to_str().unwrap()]);
    let to = sb.tmp.path().join("restored");
    let msg = ok(
        &sb,
        &[
            "restore",
            file.to_str().unwrap(),
            "--to",
            to.to_str().unwrap(),
        ],
    );
    assert!(msg.contains("starts anew as stream"), "{msg}");
    let out = sb.cmd_at(&to, &["stream", "--info"]).output().unwrap();
    assert!(out.status.success());
    let restored = String::from_utf8(out.stdout).unwrap();
    assert!(restored.starts_with("label 20"), "{restored}");
    assert_ne!(restored.lines().next(), info.lines().next(), "a new label");
    assert_eq!(ok(&sb, &["stream", "--info"]), info, "the label is kept");
}
