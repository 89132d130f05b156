//! Stream retention through the binary: `[stream] keep_days` trims old change records when a
//! process opens the store, and `expense stream`, `check --stream`, `restore --at` and `undo`
//! keep working inside the kept window (and say so outside it).

mod common;

use common::{fails, ok, Sandbox};
use std::process::Command;

/// `expense args...` with the clock started at `now`.
fn at(sb: &Sandbox, now: &str, args: &[&str]) -> Command {
    let mut c = sb.cmd(args);
    c.env("EXPENSE_NOW", now);
    c
}

#[test]
fn keep_days_trims_old_records_and_the_kept_window_reads_as_before() {
    let sb = Sandbox::new();
    ok(at(&sb, "2026-01-01T10:00:00Z", &["add", "1", "food!"])
        .output()
        .unwrap());
    ok(at(&sb, "2026-01-02T10:00:00Z", &["add", "2", "rent!"])
        .output()
        .unwrap());
    ok(at(&sb, "2026-02-20T10:00:00Z", &["add", "3", "fun!"])
        .output()
        .unwrap());
    let before = ok(sb.cmd(&["stream", "--since", "0"]).output().unwrap());
    assert_eq!(before.lines().count(), 3, "{before}");

    // keep_days = 0 (the default) keeps everything.
    ok(at(&sb, "2026-02-20T11:00:00Z", &["check", "--stream"])
        .output()
        .unwrap());
    assert_eq!(
        ok(sb.cmd(&["stream", "--since", "0"]).output().unwrap()),
        before
    );

    std::fs::write(sb.config.join("config.toml"), "[stream]\nkeep_days = 30\n").unwrap();
    let check = ok(at(&sb, "2026-02-20T11:00:00Z", &["check", "--stream"])
        .output()
        .unwrap());
    assert!(
        check.contains("3 items and 1 change record: consistent"),
        "{check}"
    );
    let after = ok(sb.cmd(&["stream", "--since", "0"]).output().unwrap());
    assert_eq!(after, before.lines().last().unwrap().to_string() + "\n");

    // A consumer resuming inside the trimmed part would miss records: an error that says which,
    // and nothing printed; with --allow-gaps it reads on, told what it misses.
    let out = sb.cmd(&["stream", "--since", "1"]).output().unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("records 2..=2 were trimmed") && err.contains("--allow-gaps"),
        "{err}"
    );
    let out = sb
        .cmd(&["stream", "--since", "1", "--allow-gaps"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), after);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("records 2..=2 were trimmed"), "{err}");
    // A checkpoint past the end (another store's, or from before a restore) is no silence.
    let out = sb.cmd(&["stream", "--since", "150"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("past the end of the stream"), "{err}");

    // Point-in-time restore: from the base on, not before it.
    let to = sb.tmp.path().join("then");
    let msg = ok(sb
        .cmd(&[
            "restore",
            "--at",
            "2026-01-03T00:00:00Z",
            "--to",
            to.to_str().unwrap(),
        ])
        .output()
        .unwrap());
    assert!(msg.contains("restored 2 expenses"), "{msg}");
    let err = fails(
        sb.cmd(&["restore", "--at", "2026-01-01T12:00:00Z", "--to", "x"])
            .output()
            .unwrap(),
    );
    assert!(
        err.contains("before record 3 was trimmed") && err.contains("earliest point in time"),
        "{err}"
    );

    // Undo takes back the kept change, then says the older ones were trimmed.
    ok(sb.cmd(&["undo"]).output().unwrap());
    let err = fails(sb.cmd(&["undo"]).output().unwrap());
    assert!(
        err.contains("trimmed") && err.contains("keep_days"),
        "{err}"
    );
    let check = ok(sb.cmd(&["check", "--stream"]).output().unwrap());
    assert!(check.contains("consistent"), "{check}");
}

#[test]
fn the_environment_sets_keep_days_and_a_bad_value_is_named() {
    let sb = Sandbox::new();
    ok(at(&sb, "2026-01-01T10:00:00Z", &["add", "1", "food!"])
        .output()
        .unwrap());
    ok(at(&sb, "2026-01-01T10:00:01Z", &["add", "2", "food!"])
        .output()
        .unwrap());
    let mut c = at(&sb, "2026-03-01T10:00:00Z", &["check", "--stream"]);
    c.env("EXPENSE_STREAM_KEEP_DAYS", "10");
    let check = ok(c.output().unwrap());
    assert!(check.contains("2 items and 1 change record"), "{check}");
    let mut c = sb.cmd(&["list"]);
    c.env("EXPENSE_STREAM_KEEP_DAYS", "ten");
    let err = fails(c.output().unwrap());
    assert!(err.contains("EXPENSE_STREAM_KEEP_DAYS='ten'"), "{err}");
}
