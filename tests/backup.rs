//! Backups, restore, point-in-time restore and the high-water mark: through the binary (backup
//! while other processes write, refusals, damaged files) and through the library (the store
//! rebuilt at every sequence number equals the replay of the stream up to it).

mod common;

use chrono::NaiveDate;
use common::{fails, ok, Sandbox};
use expense_tracker::domain::{Currency, Draft, Expense, ExpenseId, Kind};
use expense_tracker::store::{Event, Origin, Store, StoreError};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Every item of a store, by id.
fn items(store: &Store) -> BTreeMap<ExpenseId, Expense> {
    let lo = NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
    let hi = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
    store
        .range(lo, hi, false, 0, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|e| (e.id, e))
        .collect()
}

/// The items after replaying the stream of `store` up to `seq`.
fn replay(store: &Store, seq: u64) -> BTreeMap<ExpenseId, Expense> {
    let mut out = BTreeMap::new();
    for r in store.stream_since(0, seq as usize).unwrap() {
        match r.new {
            Some(e) => out.insert(r.id, e),
            None => out.remove(&r.id),
        };
    }
    out
}

/// `expense restore FILE --to TO`; its output.
fn restore_to(sb: &Sandbox, file: &Path, to: &Path) -> String {
    let (file, to) = (file.to_str().unwrap(), to.to_str().unwrap());
    ok(sb.cmd(&["restore", file, "--to", to]).output().unwrap())
}

fn seq_of(backup_output: &str) -> u64 {
    let w = backup_output
        .split("consistent at change ")
        .nth(1)
        .expect("backup prints its seq");
    w.split(',').next().unwrap().parse().unwrap()
}

#[test]
fn backup_while_other_processes_write_restores_the_state_at_its_seq() {
    let sb = Sandbox::new();
    for i in 0..20 {
        ok(sb
            .cmd(&["add", &format!("{i}.25"), "food!", "@Shop"])
            .output()
            .unwrap());
    }
    // Two writers adding and a backup taken meanwhile (through whichever process holds the
    // store at that moment).
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let data = sb.data.clone();
            let config = sb.config.clone();
            std::thread::spawn(move || {
                for i in 0..15 {
                    let mut c = std::process::Command::new(common::bin());
                    c.arg("--data-dir")
                        .arg(&data)
                        .args(["add", &format!("{w}{i}.5"), "rent!"]);
                    common::scrub(&mut c, &config);
                    ok(c.output().unwrap());
                }
            })
        })
        .collect();
    let file = sb.tmp.path().join("snap.jsonl");
    let mut outs = Vec::new();
    for _ in 0..3 {
        outs.push(ok(sb
            .cmd(&["backup", file.to_str().unwrap()])
            .output()
            .unwrap()));
    }
    for w in writers {
        w.join().unwrap();
    }
    let seq = seq_of(outs.last().unwrap());
    let to = sb.tmp.path().join("restored");
    let msg = restore_to(&sb, &file, &to);
    assert!(msg.contains(&format!("source change {seq}")), "{msg}");
    let check = sb.cmd_at(&to, &["check", "--stream"]).output().unwrap();
    assert!(ok(check).contains("consistent"));
    let src = Store::open(&sb.data.join("store")).unwrap();
    let restored = Store::open(&to.join("store")).unwrap();
    assert_eq!(items(&restored), replay(&src, seq));
    assert!(seq >= 20 && src.last_seq().unwrap() == 50);
}

#[test]
fn a_store_put_back_behind_its_mark_refuses_writes_but_reads() {
    let sb = Sandbox::new();
    ok(common::auto_backups(sb.cmd(&["add", "1", "food!"]))
        .output()
        .unwrap());
    // The automatic backup runs after the add, in a process of its own: wait for it.
    assert!(common::wait_until(
        || backup_files(&sb).len() == 1 || log_written(&sb)
    ));
    assert!(
        !log_written(&sb),
        "{:?}",
        std::fs::read_to_string(sb.data.join("store.backup-log"))
    );
    wait_for_store_free(&sb);
    ok(sb.cmd(&["add", "2", "food!"]).output().unwrap());
    let store = sb.data.join("store");
    let saved = sb.tmp.path().join("saved");
    common::kill::copy_dir(&store, &saved);
    for i in 3..6 {
        ok(sb.cmd(&["add", &i.to_string(), "food!"]).output().unwrap());
    }
    std::fs::remove_dir_all(&store).unwrap();
    common::kill::copy_dir(&saved, &store);
    let err = fails(sb.cmd(&["add", "9", "food!"]).output().unwrap());
    assert!(
        err.contains("has lost changes")
            && err.contains("ends at change 2")
            && err.contains("says change 5")
            && err.contains("expense restore")
            && err.contains("expense check"),
        "{err}"
    );
    // The automatic backup of the first add is named as the one to restore.
    assert!(err.contains("backups/expense-"), "{err}");
    // Reads show what it holds, then fail: what they showed lacks the lost changes.
    let out = sb.cmd(&["list", "--json"]).output().unwrap();
    assert!(!out.status.success());
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("may lack changes"), "{err}");
}

/// The backup files in the default folder (`*.jsonl.zst`, or plain `*.jsonl`), sorted by name
/// (= by time).
fn backup_files(sb: &Sandbox) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = match std::fs::read_dir(sb.data.join("backups")) {
        Ok(rd) => rd
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let name = p.to_string_lossy();
                name.ends_with(".jsonl") || name.ends_with(".jsonl.zst")
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

/// The background backup wrote an error to its log.
fn log_written(sb: &Sandbox) -> bool {
    std::fs::read_to_string(sb.data.join("store.backup-log")).is_ok_and(|t| !t.trim().is_empty())
}

/// Waits until no process holds the store (the background backup has exited).
fn wait_for_store_free(sb: &Sandbox) {
    assert!(common::wait_until(|| {
        match Store::open_waiting(&sb.data.join("store"), std::time::Duration::ZERO) {
            Ok(_) => true,
            Err(expense_tracker::store::StoreError::Locked { .. }) => false,
            Err(e) => panic!("{e}"),
        }
    }));
}

#[test]
fn the_automatic_backup_runs_after_the_command_in_a_process_of_its_own() {
    let sb = Sandbox::new();
    let out = ok(common::auto_backups(sb.cmd(&["add", "1", "food!"]))
        .output()
        .unwrap());
    assert!(out.contains("added"), "{out}");
    // The command started it and returned; the backup process writes the file.
    let log = sb.data.join("store.backup-log");
    assert!(
        log.exists(),
        "the command starts the backup before it exits"
    );
    assert!(common::wait_until(
        || backup_files(&sb).len() == 1 || log_written(&sb)
    ));
    assert!(!log_written(&sb), "{:?}", std::fs::read_to_string(&log));
    wait_for_store_free(&sb);
    // It is a whole backup of what the command left, compressed: restore it elsewhere and look.
    let file = &backup_files(&sb)[0];
    assert!(file.to_string_lossy().ends_with(".jsonl.zst"), "{file:?}");
    assert!(std::fs::read(file)
        .unwrap()
        .starts_with(&[0x28, 0xb5, 0x2f, 0xfd]));
    let to = sb.tmp.path().join("restored");
    restore_to(&sb, file, &to);
    let list = sb.cmd_at(&to, &["list", "--json"]).output().unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&ok(list)).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        std::fs::metadata(&log).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Not due again today: the next command starts none (it would create the log first).
    std::fs::remove_file(&log).unwrap();
    ok(common::auto_backups(sb.cmd(&["add", "2", "food!"]))
        .output()
        .unwrap());
    assert!(!log.exists());
    assert_eq!(backup_files(&sb).len(), 1);
}

#[test]
fn a_failed_automatic_backup_is_reported_by_the_next_command() {
    let sb = Sandbox::new();
    // The backup folder is a file: every backup fails.
    std::fs::write(sb.tmp.path().join("bk"), "not a folder").unwrap();
    std::fs::write(sb.config.join("config.toml"), "[backup]\ndir = \"bk\"\n").unwrap();
    let run = |args: &[&str]| {
        let mut c = common::auto_backups(sb.cmd(args));
        c.current_dir(sb.tmp.path());
        c.output().unwrap()
    };
    let out = run(&["add", "1", "food!"]);
    assert!(String::from_utf8_lossy(&out.stderr).is_empty(), "{out:?}");
    ok(out);
    assert!(common::wait_until(|| log_written(&sb)));
    wait_for_store_free(&sb);
    // The command still does its work, says what went wrong, and tries again.
    let out = run(&["add", "2", "food!"]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    ok(out);
    assert!(
        err.contains("the last automatic backup failed") && err.contains("bk"),
        "{err}"
    );
    assert_eq!(common::list_json(&sb, &[]).len(), 2);
}

#[test]
fn restore_refuses_a_non_empty_dir_and_a_held_live_store_and_replaces_a_free_one() {
    let sb = Sandbox::new();
    ok(sb.cmd(&["add", "1", "food!"]).output().unwrap());
    let file = sb.tmp.path().join("one.jsonl");
    ok(sb
        .cmd(&["backup", file.to_str().unwrap()])
        .output()
        .unwrap());
    ok(sb.cmd(&["add", "2", "food!"]).output().unwrap());
    let f = file.to_str().unwrap();
    let full = sb.tmp.path().join("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("x"), "keep me").unwrap();
    let err = fails(
        sb.cmd(&["restore", f, "--to", full.to_str().unwrap()])
            .output()
            .unwrap(),
    );
    assert!(err.contains("is not empty"), "{err}");
    assert_eq!(std::fs::read_dir(&full).unwrap().count(), 1);
    // Another process holds the store: refused, nothing changes.
    {
        let _held = Store::open(&sb.data.join("store")).unwrap();
        let err = fails(sb.cmd(&["restore", f, "--force-live"]).output().unwrap());
        // Named by its pid: this test process holds it.
        let holder = format!("is held by expense process {}", std::process::id());
        assert!(
            err.contains(&holder) && err.contains("close it, then run this again"),
            "{err}"
        );
    }
    assert_eq!(common::list_json(&sb, &[]).len(), 2);
    let before = common::list_json(&sb, &[]);
    let backups = |sb: &Sandbox| backup_files(sb).len();
    let n = backups(&sb);
    let msg = ok(sb.cmd(&["restore", f, "--force-live"]).output().unwrap());
    assert!(
        msg.contains("first, backup") && msg.contains("restored 1 expense"),
        "{msg}"
    );
    assert_eq!(backups(&sb), n + 1);
    assert_eq!(common::list_json(&sb, &[]).len(), 1);
    ok(sb.cmd(&["check", "--stream"]).output().unwrap());
    // The restore is the base of the new history: undo stops there.
    let undo = ok(sb.cmd(&["undo"]).output().unwrap());
    assert!(undo.contains("nothing to undo"), "{undo}");
    assert_eq!(common::list_json(&sb, &[]).len(), 1);
    // Writes work again after the restore (the mark was reset with the store).
    ok(sb.cmd(&["add", "3", "food!"]).output().unwrap());
    assert_eq!(before.len(), 2);
}

/// `text` (a backup) as a version before checksums wrote it: no `checksum`, `crc`, `sha256`.
fn unsealed(text: &str) -> String {
    text.lines()
        .map(|l| {
            let l = l.split(",\"crc\":").next().unwrap();
            let l = l.split(",\"sha256\":").next().unwrap();
            format!("{}}}\n", l.replace(",\"checksum\":\"sha256\"", ""))
        })
        .collect()
}

#[test]
fn damaged_backups_are_refused_with_their_line_and_change_nothing() {
    let sb = Sandbox::new();
    ok(sb.cmd(&["add", "1", "food!", "@Shop"]).output().unwrap());
    ok(sb.cmd(&["add", "2.50", "rent!"]).output().unwrap());
    let file = sb.tmp.path().join("b.jsonl");
    ok(sb
        .cmd(&["backup", file.to_str().unwrap()])
        .output()
        .unwrap());
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The checks behind the checksums, on a file of a version that wrote none.
    let old = unsealed(&text);
    let cases: Vec<(String, &str)> = vec![
        // A value changed by hand: its line's checksum no longer holds.
        (text.replace("\"minor\":250", "\"minor\":251"), "checksum"),
        // Truncated in the middle of a line.
        (text[..text.len() / 2].to_string(), "line "),
        // The end record is missing.
        (lines[..lines.len() - 1].join("\n") + "\n", "truncated"),
        // Amount and minor disagree.
        (old.replace("\"minor\":250", "\"minor\":251"), "disagrees"),
        // A newer format.
        (
            old.replace("\"version\":1,\"app\"", "\"version\":9,\"app\""),
            "newer",
        ),
        (String::new(), "empty"),
        (
            old.replace(
                "{\"type\":\"end\",\"expenses\":2",
                "{\"type\":\"end\",\"expenses\":3",
            ),
            "counts",
        ),
    ];
    for (i, (bad, want)) in cases.iter().enumerate() {
        let p = sb.tmp.path().join(format!("bad{i}.jsonl"));
        std::fs::write(&p, bad).unwrap();
        let to = sb.tmp.path().join(format!("r{i}"));
        let err = fails(
            sb.cmd(&["restore", p.to_str().unwrap(), "--to", to.to_str().unwrap()])
                .output()
                .unwrap(),
        );
        assert!(
            err.contains(want) && err.contains("line "),
            "case {i}: {err}"
        );
        assert!(!to.exists(), "case {i} created {}", to.display());
    }
    // A record of an unknown kind is skipped and counted.
    let extra = old.replacen('\n', "\n{\"type\":\"trash\",\"id\":\"x\"}\n", 1);
    let p = sb.tmp.path().join("newer-kind.jsonl");
    std::fs::write(&p, extra).unwrap();
    let msg = restore_to(&sb, &p, &sb.tmp.path().join("rk"));
    assert!(
        msg.contains("restored 2 expenses") && msg.contains("skipped 1 record"),
        "{msg}"
    );
}

#[test]
fn restore_at_a_time_gives_the_store_as_it_was() {
    let sb = Sandbox::new();
    ok(sb.cmd(&["add", "1", "food!"]).output().unwrap());
    let store = Store::open(&sb.data.join("store")).unwrap();
    let first = store.stream_since(0, 1).unwrap()[0].at;
    drop(store);
    // Writes one second later (records are stamped in ms; --at takes whole seconds).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ok(sb.cmd(&["add", "2", "food!"]).output().unwrap());
    let at = chrono::DateTime::from_timestamp_millis(first - first.rem_euclid(1000) + 999)
        .unwrap()
        .to_rfc3339();
    let to = sb.tmp.path().join("then");
    let msg = ok(sb
        .cmd(&["restore", "--at", &at, "--to", to.to_str().unwrap()])
        .output()
        .unwrap());
    assert!(
        msg.contains("restored 1 expense") && msg.contains("source change 1"),
        "{msg}"
    );
    let err = fails(
        sb.cmd(&["restore", "--at", "yesterday-ish", "--to", "x"])
            .output()
            .unwrap(),
    );
    assert!(err.contains("'yesterday-ish' is not a time"), "{err}");
}

fn draft(day: u32, amount: i64, cat: &str) -> Draft {
    Draft {
        date: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(u64::from(day)),
        amount,
        currency: Currency::EUR,
        category: cat.into(),
        payee: if amount % 2 == 0 {
            "Shop".into()
        } else {
            String::new()
        },
        note: String::new(),
        tags: if amount % 3 == 0 {
            vec!["t".into()]
        } else {
            vec![]
        },
        // Negative amounts are refunds, which only an expense can be.
        kind: if amount > 0 && amount % 5 == 0 {
            Kind::Income
        } else {
            Kind::Expense
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// The store rebuilt (point in time) at every sequence number equals the replay of the
    /// stream up to it, and is consistent.
    #[test]
    fn the_store_at_every_seq_equals_the_replay_up_to_it(
        ops in proptest::collection::vec(
            (0u8..3, 0usize..8, 0u32..60, (-9_999i64..10_000).prop_filter("not 0", |a| *a != 0)),
            1..14,
        )
    ) {
        let store = Store::open_temporary().unwrap();
        let cats = ["food", "rent", "fun:games"];
        let mut live: Vec<ExpenseId> = Vec::new();
        let mut ats = Vec::new();
        for (i, (op, pick, day, amount)) in ops.into_iter().enumerate() {
            let now = 1_000 * (i as i64 + 1);
            let cat = cats[amount.rem_euclid(3) as usize];
            let written = match (op, live.is_empty()) {
                (0, _) | (_, true) => store.put(draft(day, amount, cat), Origin::User, now),
                (1, false) => {
                    let id = live[pick % live.len()];
                    let v = store.get(id).unwrap().unwrap().version;
                    store.update(id, v, draft(day, amount, cat), Origin::User, now)
                }
                _ => {
                    let id = live[pick % live.len()];
                    let v = store.get(id).unwrap().unwrap().version;
                    store.delete(id, v, Origin::User, now)
                }
            };
            let rec = match written {
                // A refund in a category that holds only income is refused by design.
                Err(StoreError::Invalid(m)) if m.contains("is an income category") => continue,
                r => r.unwrap(),
            };
            match rec.event {
                Event::Insert => live.push(rec.id),
                Event::Remove => live.retain(|i| *i != rec.id),
                Event::Modify => {}
            }
            ats.push(now);
        }
        for (k, at) in ats.iter().enumerate() {
            let snap = store.snapshot_at(*at).unwrap();
            prop_assert_eq!(snap.seq, k as u64 + 1);
            let rebuilt = Store::open_temporary().unwrap();
            rebuilt.restore_snapshot(&snap).unwrap();
            prop_assert_eq!(items(&rebuilt), replay(&store, k as u64 + 1));
            prop_assert!(rebuilt.verify().unwrap().is_empty());
        }
        // Before the first record: empty.
        prop_assert!(store.snapshot_at(0).unwrap().items.is_empty());
    }
}
