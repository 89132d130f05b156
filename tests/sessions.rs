//! Many sessions, one store: commands from other shells while a TUI holds the store, a second
//! TUI, live updates without a key press, hand-over when the holder quits, and recovery after a
//! holder is killed with -9.

mod common;

use common::{list_json, this_month, Sandbox, Tui, TIMEOUT};
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

fn add(sb: &Sandbox, words: &[&str]) -> std::process::Output {
    let mut args = vec!["add"];
    args.extend_from_slice(words);
    sb.cmd(&args).output().unwrap()
}

fn sock(sb: &Sandbox) -> std::path::PathBuf {
    sb.data.join("store.sock")
}

#[test]
fn four_shells_add_800_while_a_tui_holds_the_store() {
    let sb = Sandbox::new();
    let mut owner = Tui::start(&sb, 100, 30);
    owner.wait_for("No expenses", TIMEOUT);
    assert!(sock(&sb).exists(), "the holder serves a socket");

    std::thread::scope(|s| {
        for shell in 0..4 {
            let sb = &sb;
            s.spawn(move || {
                for i in 0..200 {
                    let amount = format!("{}.{:02}", shell + 1, i % 100);
                    let out = add(sb, &[&amount, "coffee!", "@Corner"]);
                    assert!(
                        out.status.success(),
                        "shell {shell} add {i} failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            });
        }
    });
    // The owner shows them without a key press.
    owner.wait_for("800 items", Duration::from_secs(20));
    let items = list_json(&sb, &["--month", &this_month()]);
    assert_eq!(items.len(), 800);
    owner.quit();
    assert!(!sock(&sb).exists(), "the socket goes with its holder");
}

#[test]
fn a_second_tui_sees_changes_and_takes_over_when_the_first_quits() {
    let sb = Sandbox::new();
    let mut first = Tui::start(&sb, 100, 30);
    first.wait_for("No expenses", TIMEOUT);
    let mut second = Tui::start(&sb, 100, 30);
    second.wait_for("No expenses", TIMEOUT);

    assert!(add(&sb, &["4.50", "coffee!", "@Kiosk"]).status.success());
    first.wait_for("Kiosk", TIMEOUT);
    second.wait_for("Kiosk", TIMEOUT);

    // A change typed in the second TUI reaches the first.
    second.quick_entry("7.25 lunch! @Deli");
    first.wait_for("Deli", TIMEOUT);

    first.quit();
    // The second TUI now holds the store and serves the shell.
    let out = add(&sb, &["9", "taxi!", "@Cab"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    second.wait_for("Cab", TIMEOUT);
    // The add may beat the second TUI to the free store and hold it for its moment; the second
    // takes it over once the add is done.
    assert!(common::wait_until(|| sock(&sb).exists()
        && expense_tracker::store::lock_holder(&sb.data.join("store"))
            == Some(second.pid() as u32)));
    second.quit();
    assert_eq!(list_json(&sb, &["--month", &this_month()]).len(), 3);
}

#[test]
fn a_tui_that_takes_over_sets_the_store_up_from_its_config() {
    let sb = Sandbox::new();
    std::fs::write(sb.config.join("config.toml"), "trash_days = 7\n").unwrap();
    let mut first = Tui::start(&sb, 100, 30);
    first.wait_for("No expenses", TIMEOUT);
    let mut second = Tui::start(&sb, 100, 30);
    second.wait_for("No expenses", TIMEOUT);
    first.quit();
    // The second TUI holds the store now. Delete, undo, redo: the redo deletes again, and the
    // store puts the expense in the trash for the configured 7 days, not its default 30.
    second.quick_entry("7.25 lunch! @Deli");
    second.wait_for("Deli", TIMEOUT);
    second.delete_selected();
    second.type_str("u");
    second.wait_for("Undid:", TIMEOUT);
    second.send(b"\x12");
    second.wait_for("Redid:", TIMEOUT);
    let out = sb.cmd(&["trash", "list", "--json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = &rows[0];
    assert_eq!(row["expense"]["payee"], "Deli");
    let kept = row["expires_at_ms"].as_i64().unwrap() - row["deleted_at_ms"].as_i64().unwrap();
    assert_eq!(kept, 7 * 24 * 3600 * 1000);
    second.quit();
}

#[test]
fn a_holder_killed_with_9_leaves_nothing_that_blocks() {
    let sb = Sandbox::new();
    let mut t = Tui::start(&sb, 100, 30);
    t.wait_for("No expenses", TIMEOUT);
    assert!(add(&sb, &["3", "snack!"]).status.success());
    t.wait_for("snack", TIMEOUT);
    // SAFETY: signalling our own child.
    unsafe { libc::kill(t.pid(), libc::SIGKILL) };
    t.wait_exit(TIMEOUT).expect("killed");
    assert!(sock(&sb).exists(), "a stale socket is left behind");

    let out = add(&sb, &["5", "tea!"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut again = Tui::start(&sb, 100, 30);
    again.wait_for("tea", TIMEOUT);
    again.wait_for("snack", TIMEOUT);
    again.quit();
}

#[test]
fn errors_and_output_travel_through_the_session() {
    let sb = Sandbox::new();
    let mut t = Tui::start(&sb, 100, 30);
    t.wait_for("No expenses", TIMEOUT);

    let bad = add(&sb, &["12,3.4", "food!"]);
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.starts_with("expense: word 1 '12,3.4'"), "{err}");
    assert!(bad.stdout.is_empty());

    for i in 0..30 {
        assert!(add(&sb, &[&format!("{i}.10"), "misc!"]).status.success());
    }
    // `list | head` closes the pipe early: no error, no broken TUI.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' --data-dir '{}' list | head -n 2",
            common::bin(),
            sb.data.display()
        ))
        .env("EXPENSE_CONFIG_DIR", &sb.config)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);

    // The session ran the command with the caller's working directory and config.
    std::fs::write(sb.config.join("config.toml"), "currency = \"USD\"\n").unwrap();
    let out = sb.cmd(&["add", "--dry-run", "2", "misc"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("2.00 USD"));
    t.quit();
}

#[test]
fn without_a_tui_concurrent_commands_serve_each_other() {
    let sb = Sandbox::new();
    std::thread::scope(|s| {
        for shell in 0..4 {
            let sb = &sb;
            s.spawn(move || {
                for i in 0..25 {
                    let out = add(sb, &[&format!("{}.{i:02}", shell + 1), "misc!"]);
                    assert!(
                        out.status.success(),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            });
        }
    });
    assert_eq!(list_json(&sb, &[]).len(), 100);
    assert!(!sock(&sb).exists());
}

#[test]
fn the_socket_is_owner_only() {
    let sb = Sandbox::new();
    let mut t = Tui::start(&sb, 100, 30);
    t.wait_for("No expenses", TIMEOUT);
    let mode = std::fs::metadata(sock(&sb)).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "socket mode {mode:o}");
    let dir = std::fs::metadata(&sb.data).unwrap().permissions().mode();
    assert_eq!(dir & 0o077, 0, "data dir mode {dir:o}");
    t.quit();
}
