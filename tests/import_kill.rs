//! An import is whole or nothing even when its process dies: `expense import` of a 30,000-row
//! file (three flushed chunks) is killed with SIGKILL or hung up (SIGHUP) mid-way, and the next
//! command finds either every row or none, says on stderr that an interrupted import was rolled
//! back (once), and `expense check` finds the store consistent.
//!
//! Two kinds of cycles: synchronized ones run the import under a pseudo-terminal and kill it as
//! soon as its progress bar shows a chunk stored (so a rollback must follow), and random ones
//! kill it after a random delay within the time a whole import takes (any outcome is fine as
//! long as it is all or nothing and said truthfully). The seed is printed for a rerun.

mod common;

use common::{kill, Sandbox, Tui, TIMEOUT};
use rand::Rng;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const ROWS: usize = 30_000;

/// The big file, once per test process: distinct rows, all in January 2026.
fn big_file(dir: &Path) -> PathBuf {
    use std::fmt::Write;
    let mut text = String::from("date,amount,payee\n");
    for i in 0..ROWS {
        let _ = writeln!(
            text,
            "2026-01-{:02},-{}.{:02},Payee {i}",
            1 + i % 28,
            1 + i % 997,
            i % 100
        );
    }
    let path = dir.join("big.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// A store with one expense in January, and no automatic backups (a backup process starting
/// after a whole import would hold the store when the test looks).
fn seeded() -> Sandbox {
    let sb = Sandbox::new();
    std::fs::write(sb.config.join("config.toml"), "[backup]\nevery_days = 0\n").unwrap();
    let out = sb
        .cmd(&["add", "1", "seed!", "@Before", "2026-01-01"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    sb
}

/// January's row count and what the command said on stderr.
fn january(sb: &Sandbox) -> (usize, String) {
    let out = sb
        .cmd(&["list", "--json", "--month", "2026-01"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "list failed: {err}");
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    (rows.len(), err)
}

/// The rows written that the notice names (`K of 30000 rows written`), if there is a notice.
fn rolled_back(err: &str) -> Option<u64> {
    let rest = err.split("an import interrupted earlier (batch ").nth(1)?;
    let (_, rest) = rest.split_once(", ")?;
    let (k, rest) = rest.split_once(" of ")?;
    assert!(
        rest.starts_with(&format!(
            "{ROWS} rows written) was rolled back; nothing of it is stored"
        )),
        "{err}"
    );
    k.parse().ok()
}

/// Checks the store after a killed import: all rows or none, said truthfully and once, and a
/// consistent store. Returns whether it was rolled back.
fn all_or_nothing(sb: &Sandbox, what: &str) -> bool {
    let (n, err) = january(sb);
    let said = rolled_back(&err);
    match n {
        1 => {
            if let Some(k) = said {
                assert!(k > 0 && k < ROWS as u64, "{what}: {err}");
            } else {
                assert!(!err.contains("interrupted"), "{what}: {err}");
            }
        }
        n if n == ROWS + 1 => assert!(said.is_none() && err.is_empty(), "{what}: {err}"),
        n => panic!("{what}: {n} rows in January: part of the import is stored; stderr: {err}"),
    }
    let (again, err) = january(sb);
    assert_eq!(again, n, "{what}");
    assert!(err.is_empty(), "{what}: said once, not again: {err}");
    let check = sb.cmd(&["check"]).output().unwrap();
    assert!(
        check.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    said.is_some()
}

/// Runs the import under a terminal and, as soon as its progress bar shows a stored chunk,
/// kills it (`hang_up`: closes the terminal, SIGHUP; else SIGKILL).
fn killed_after_a_chunk(file: &Path, hang_up: bool) -> Sandbox {
    let sb = seeded();
    let mut tui = Tui::start_args(&sb, 100, 10, &["import", file.to_str().unwrap()]);
    let total = format!("/{ROWS}");
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
    assert!(tui.wait_exit(TIMEOUT).is_some(), "the import did not end");
    drop(tui);
    sb
}

#[test]
fn an_import_killed_or_hung_up_mid_way_leaves_all_rows_or_none() {
    let files = tempfile::tempdir().unwrap();
    let file = big_file(files.path());
    let arg = file.to_str().unwrap();

    // Synchronized: a chunk was stored when the process died, so the next command rolls it
    // back and says so (the import finishing first is the only other outcome allowed).
    let mut rollbacks = 0;
    let mut took = None;
    for hang_up in [false, true] {
        let sb = killed_after_a_chunk(&file, hang_up);
        rollbacks += usize::from(all_or_nothing(&sb, &format!("hang_up={hang_up}")));
        if hang_up {
            // Rolled back rows leave no hash behind: the file imports whole afterwards (timed:
            // the random kills below fall within the time a whole import takes).
            let started = Instant::now();
            let out = sb.cmd(&["import", arg]).output().unwrap();
            took = Some(started.elapsed());
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                text.contains(&format!("imported {ROWS} new expenses")),
                "{text}"
            );
            assert!(!all_or_nothing(&sb, "imported again"));
        }
    }
    assert!(rollbacks > 0, "no synchronized cycle was cut mid-import");
    let took = took.unwrap_or(Duration::from_secs(10));

    eprintln!("import_kill: whole import {took:?}");
    let (seed, mut rng) = kill::rng("IMPORT_KILL_SEED", "import_kill");
    for cycle in 0..3 {
        let sb = seeded();
        // Reading and checking the file come first and take about half of it.
        let delay = took.mul_f64(rng.gen_range(0.4..1.1));
        let signal = if cycle % 2 == 0 {
            libc::SIGKILL
        } else {
            libc::SIGHUP
        };
        kill::kill_after(sb.cmd(&["import", arg]), delay, signal);
        let what = format!("cycle {cycle}, signal {signal} after {delay:?} (seed {seed})");
        let rolled = all_or_nothing(&sb, &what);
        eprintln!("import_kill: {what}: rolled back: {rolled}");
    }
}
