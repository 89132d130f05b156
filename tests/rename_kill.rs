//! A category rename is whole or nothing even when its process dies: `expense categories rename
//! food meals` over 30,000 expenses (three flushed chunks, the budget in the first) is killed
//! with SIGKILL or hung up (SIGHUP) mid-way, and the next command finds every expense and the
//! budget under one name (all renamed, or none), says on stderr that an interrupted rename was
//! taken back (once, only when it was), and `expense check --stream` finds the store consistent.
//!
//! As `tests/import_kill.rs` does: synchronized cycles run the rename under a pseudo-terminal
//! and kill it as soon as its progress bar shows a chunk stored; random ones kill it after a
//! random delay within the time a whole rename takes. The seed is printed for a rerun.

mod common;

use common::{kill, ok, Sandbox, Tui, TIMEOUT};
use rand::Rng;
use std::time::{Duration, Instant};

const ROWS: usize = 30_000;

/// A store with one expense in `food` and 30,000 in `food:x`, and a budget on `food`, built
/// once (by import); each cycle gets a copy. No automatic backups (a backup process would hold
/// the store when the test looks).
struct Base {
    sb: Sandbox,
}

impl Base {
    fn new() -> Base {
        use std::fmt::Write;
        let sb = Sandbox::new();
        let mut text = String::from("date,amount,payee,category\n");
        for i in 0..ROWS {
            let _ = writeln!(
                text,
                "2026-01-{:02},-{}.{:02},Payee {i},food:x",
                1 + i % 28,
                1 + i % 997,
                i % 100
            );
        }
        let file = sb.tmp.path().join("big.csv");
        std::fs::write(&file, text).unwrap();
        ok(sb
            .cmd(&["add", "1", "food!", "@Before", "2026-01-01"])
            .output()
            .unwrap());
        ok(sb
            .cmd(&["import", file.to_str().unwrap()])
            .output()
            .unwrap());
        ok(sb.cmd(&["budget", "set", "food", "300"]).output().unwrap());
        Base { sb }
    }

    /// A fresh copy of the base store.
    fn copy(&self) -> Sandbox {
        let sb = Sandbox::new();
        std::fs::write(sb.config.join("config.toml"), "[backup]\nevery_days = 0\n").unwrap();
        kill::copy_dir(&self.sb.data, &sb.data);
        sb
    }
}

/// The categories in use with their counts, the budgets, and what the command said on stderr.
fn state(sb: &Sandbox) -> (Vec<(String, u64)>, String, String) {
    let out = sb.cmd(&["categories", "list", "--json"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "categories failed: {err}");
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let cats = rows
        .iter()
        .filter(|r| r["count"].as_u64() != Some(0))
        .map(|r| {
            (
                r["category"].as_str().unwrap().to_string(),
                r["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let budgets = ok(sb.cmd(&["budget", "list"]).output().unwrap());
    (cats, budgets, err)
}

/// The expenses moved that the notice names (`K of 30000 expenses moved`), if there is one.
fn taken_back(err: &str) -> Option<u64> {
    let rest = err
        .split("a category rename interrupted earlier (food → meals, ")
        .nth(1)?;
    let (k, rest) = rest.split_once(" of ")?;
    assert!(
        rest.starts_with(&format!(
            "{} expenses moved) was taken back; nothing of it is stored",
            ROWS + 1
        )),
        "{err}"
    );
    k.parse().ok()
}

/// Checks the store after a killed rename: all renamed or none, budget included, said
/// truthfully and once, and consistent. Returns what it found: `taken back`, `none` (killed
/// before the first chunk) or `whole`.
fn all_or_nothing(sb: &Sandbox, what: &str) -> &'static str {
    let (cats, budgets, err) = state(sb);
    let said = taken_back(&err);
    let none = vec![("food".to_string(), 1), ("food:x".to_string(), ROWS as u64)];
    let all = vec![
        ("meals".to_string(), 1),
        ("meals:x".to_string(), ROWS as u64),
    ];
    if cats == none {
        assert!(budgets.starts_with("food "), "{what}: {budgets}");
        if let Some(k) = said {
            assert!(k > 0 && k <= ROWS as u64, "{what}: {err}");
        } else {
            assert!(!err.contains("interrupted"), "{what}: {err}");
        }
    } else if cats == all {
        assert!(budgets.starts_with("meals "), "{what}: {budgets}");
        assert!(said.is_none() && err.is_empty(), "{what}: {err}");
    } else {
        panic!("{what}: part of the rename is stored: {cats:?}; stderr: {err}");
    }
    let (again, _, err) = state(sb);
    assert_eq!(again, cats, "{what}");
    assert!(err.is_empty(), "{what}: said once, not again: {err}");
    let check = sb.cmd(&["check", "--stream"]).output().unwrap();
    assert!(
        check.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    match (said, cats == all) {
        (Some(_), _) => "taken back",
        (None, false) => "none",
        (None, true) => "whole",
    }
}

const RENAME: [&str; 4] = ["categories", "rename", "food", "meals"];

/// Runs the rename under a terminal and, as soon as its progress bar shows a stored chunk, kills
/// it (`hang_up`: closes the terminal, SIGHUP; else SIGKILL).
fn killed_after_a_chunk(base: &Base, hang_up: bool) -> Sandbox {
    let sb = base.copy();
    let mut tui = Tui::start_args(&sb, 100, 10, &RENAME);
    let total = format!("/{}", ROWS + 1);
    assert!(
        tui.wait_raw(total.as_bytes(), Duration::from_secs(120)),
        "no progress shown: {}",
        String::from_utf8_lossy(&tui.raw())
    );
    if hang_up {
        tui.hang_up();
    } else {
        // SAFETY: kill has no memory effects; the pid is our child's.
        unsafe { libc::kill(tui.pid(), libc::SIGKILL) };
    }
    assert!(tui.wait_exit(TIMEOUT).is_some(), "the rename did not end");
    drop(tui);
    sb
}

#[test]
fn a_rename_killed_or_hung_up_mid_way_leaves_all_or_nothing() {
    let base = Base::new();
    let mut rollbacks = 0;
    for hang_up in [false, true] {
        let sb = killed_after_a_chunk(&base, hang_up);
        let found = all_or_nothing(&sb, &format!("hang_up={hang_up}"));
        rollbacks += usize::from(found == "taken back");
    }
    assert!(rollbacks > 0, "no synchronized cycle was cut mid-rename");

    // A whole rename, timed: the random kills fall within it.
    let sb = base.copy();
    let started = Instant::now();
    let out = ok(sb.cmd(&RENAME).output().unwrap());
    let took = started.elapsed();
    assert!(
        out.starts_with(&format!(
            "Renamed food → meals: {} expenses, budget moved",
            "30,001"
        )),
        "{out}"
    );
    assert_eq!(all_or_nothing(&sb, "whole"), "whole");

    eprintln!("rename_kill: whole rename {took:?}");
    let (seed, mut rng) = kill::rng("RENAME_KILL_SEED", "rename_kill");
    for cycle in 0..3 {
        let sb = base.copy();
        // Opening the store and finding the expenses come first, then the chunks.
        let delay = took.mul_f64(rng.gen_range(0.3..1.0));
        let signal = if cycle % 2 == 0 {
            libc::SIGKILL
        } else {
            libc::SIGHUP
        };
        kill::kill_after(sb.cmd(&RENAME), delay, signal);
        let what = format!("cycle {cycle}, signal {signal} after {delay:?} (seed {seed})");
        let found = all_or_nothing(&sb, &what);
        eprintln!("rename_kill: {what}: {found}");
    }
}
