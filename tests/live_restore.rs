//! Replacing the live store (`restore FILE --force-live`, `restore --latest`) can be killed at
//! any instant and leaves one whole store or the other (issue 12, finding 1), and a damaged
//! store has a way back in one step (finding 7).

mod common;

use common::{fails, ok, Sandbox};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A CSV of `n` expenses over a year.
fn csv(path: &Path, n: usize, salt: usize) {
    let mut text = String::from("date,amount,payee\n");
    for i in 0..n {
        text.push_str(&format!(
            "2026-{:02}-{:02},-{}.{:02},Shop {}\n",
            i % 12 + 1,
            i % 28 + 1,
            (i * 7 + salt) % 900 + 1,
            i % 100,
            i % 50
        ));
    }
    std::fs::write(path, text).unwrap();
}

/// How many items the store holds, from a clean `check --stream` (which fails on any
/// difference, and on a store whose writes are refused).
fn whole_count(sb: &Sandbox) -> u64 {
    let out = ok(sb.cmd(&["check", "--stream"]).output().unwrap());
    let n = out
        .split_whitespace()
        .nth(1)
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no count in {out:?}"));
    assert!(out.trim_end().ends_with("consistent"), "{out}");
    n
}

/// A tiny deterministic generator (the seed is printed, so a failure can be replayed).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

#[test]
fn a_live_restore_killed_at_any_instant_leaves_one_whole_store() {
    let sb = Sandbox::new();
    // Two backups of different sizes; each restore swaps one for the other.
    let (a_csv, b_csv) = (sb.tmp.path().join("a.csv"), sb.tmp.path().join("b.csv"));
    csv(&a_csv, 4_000, 0);
    csv(&b_csv, 2_000, 1);
    ok(sb
        .cmd(&["import", a_csv.to_str().unwrap()])
        .output()
        .unwrap());
    let a = sb.tmp.path().join("a.jsonl");
    ok(sb.cmd(&["backup", a.to_str().unwrap()]).output().unwrap());
    ok(sb
        .cmd(&["import", b_csv.to_str().unwrap()])
        .output()
        .unwrap());
    let b = sb.tmp.path().join("b.jsonl");
    ok(sb.cmd(&["backup", b.to_str().unwrap()]).output().unwrap());
    let (na, nb) = (4_000u64, 6_000u64);
    assert_eq!(whole_count(&sb), nb);
    // How long one whole restore takes here: the kills fall inside it.
    let t = Instant::now();
    ok(sb
        .cmd(&["restore", a.to_str().unwrap(), "--force-live"])
        .output()
        .unwrap());
    let span = t.elapsed().as_millis().max(50) as u64;
    let mut now = whole_count(&sb);
    assert_eq!(now, na);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("seed {seed}, one restore {span} ms");
    let mut rng = Lcg(seed);
    let signals = [libc::SIGKILL, libc::SIGTERM, libc::SIGHUP];
    let (mut old_seen, mut new_seen) = (0, 0);
    for cycle in 0..20 {
        let (file, want) = if cycle % 2 == 0 { (&b, nb) } else { (&a, na) };
        let mut child = sb
            .cmd(&["restore", file.to_str().unwrap(), "--force-live"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let delay = rng.next(span * 11 / 10);
        std::thread::sleep(Duration::from_millis(delay));
        let sig = signals[cycle % signals.len()];
        // SAFETY: signalling our own child, which is not yet reaped.
        unsafe { libc::kill(child.id() as libc::pid_t, sig) };
        child.wait().unwrap();
        let after = whole_count(&sb);
        assert!(
            after == now || after == want,
            "cycle {cycle} (signal {sig} after {delay} ms): {after} items, expected {now} or {want}"
        );
        if after == want {
            new_seen += 1;
        } else {
            old_seen += 1;
        }
        // Whichever it is, it takes writes (its mark agrees with it).
        ok(sb.cmd(&["add", "1", "food!"]).output().unwrap());
        now = after + 1;
    }
    eprintln!("old store kept {old_seen} times, new one in place {new_seen} times");
    let leftovers: Vec<_> = std::fs::read_dir(&sb.data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("store.") && n != "store.hwm")
        .collect();
    // A kill between the swap and the cleanup leaves the old store beside; the next open
    // keeps it as `store.replaced` (never deleted by an open), nothing else.
    let allowed = [
        "store.reserve",
        "store.replaced",
        "store.restoring",
        "store.restoring.hwm",
        "store.restoring.reserve",
    ];
    assert!(
        leftovers.iter().all(|n| allowed.contains(&n.as_str())),
        "{leftovers:?}"
    );
    // A finished restore cleans up what the killed ones left.
    ok(sb
        .cmd(&["restore", a.to_str().unwrap(), "--force-live"])
        .output()
        .unwrap());
    assert_eq!(whole_count(&sb), na);
    assert!(!sb.data.join("store.restoring").exists());
    ok(sb.cmd(&["add", "1", "food!"]).output().unwrap());
}

/// Flips bytes all over sled's files, as a failing disk would.
fn damage(store: &Path) {
    for e in std::fs::read_dir(store).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            let mut bytes = std::fs::read(&p).unwrap();
            for i in (0..bytes.len()).step_by(97) {
                bytes[i] ^= 0x5a;
            }
            std::fs::write(&p, bytes).unwrap();
        }
    }
}

#[test]
fn a_damaged_store_names_the_way_back_and_restore_latest_takes_it() {
    let sb = Sandbox::new();
    ok(sb.cmd(&["add", "12.50", "food!"]).output().unwrap());
    ok(sb.cmd(&["add", "3", "food"]).output().unwrap());
    ok(sb.cmd(&["backup"]).output().unwrap());
    ok(sb.cmd(&["add", "4", "food"]).output().unwrap());
    damage(&sb.data.join("store"));
    let err = fails(sb.cmd(&["list"]).output().unwrap());
    assert!(err.contains("expense restore --latest"), "{err}");
    let out = ok(sb.cmd(&["restore", "--latest"]).output().unwrap());
    assert!(out.contains("restored 2 expenses"), "{out}");
    assert!(out.contains("is kept in"), "{out}");
    assert_eq!(whole_count(&sb), 2);
    let kept: Vec<_> = std::fs::read_dir(&sb.data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("store.damaged-"))
        .collect();
    assert_eq!(
        kept.len(),
        1,
        "the damaged store is kept aside, not deleted"
    );
    ok(sb.cmd(&["add", "5", "food"]).output().unwrap());
}

#[test]
fn a_store_behind_its_mark_is_not_consistent_and_restore_latest_is_the_way_back() {
    let sb = Sandbox::new();
    ok(sb.cmd(&["add", "1", "food!"]).output().unwrap());
    ok(sb.cmd(&["backup"]).output().unwrap());
    let store = sb.data.join("store");
    let saved = sb.tmp.path().join("saved");
    assert!(Command::new("cp")
        .args(["-a", store.to_str().unwrap(), saved.to_str().unwrap()])
        .status()
        .unwrap()
        .success());
    ok(sb.cmd(&["add", "2", "food"]).output().unwrap());
    std::fs::remove_dir_all(&store).unwrap();
    std::fs::rename(&saved, &store).unwrap();
    // Open refuses writes; check agrees (never "consistent"), and both name the way back.
    let add = fails(sb.cmd(&["add", "9", "food"]).output().unwrap());
    assert!(add.contains("expense restore --latest"), "{add}");
    let out = sb.cmd(&["check"]).output().unwrap();
    assert!(!out.status.success());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!text.contains(": consistent"), "{text}");
    assert!(
        text.contains("lost changes") && text.contains("expense restore --latest"),
        "{text}"
    );
    let repair = fails(sb.cmd(&["check", "--repair"]).output().unwrap());
    assert!(repair.contains("expense restore --latest"), "{repair}");
    // The TUI says so as it starts, not at the first save.
    let mut tui = common::Tui::start(&sb, 100, 20);
    tui.wait_for("expense restore --latest", common::TIMEOUT);
    tui.quit();
    let out = ok(sb.cmd(&["restore", "--latest"]).output().unwrap());
    assert!(out.contains("restored 1 expense"), "{out}");
    assert_eq!(whole_count(&sb), 1);
    ok(sb.cmd(&["add", "3", "food"]).output().unwrap());
}

/// One flipped bit anywhere in sled's log (a failing disk): `export` either gives exactly the
/// expenses it had, or fails naming the way back, and `check` never calls a store consistent
/// whose export changed. (sled drops the log from a damaged segment on, so most flips lose
/// every later change: the high-water mark sees it.)
#[test]
fn a_flipped_bit_in_the_store_never_passes_silently() {
    let sb = Sandbox::new();
    let rows = sb.tmp.path().join("rows.csv");
    csv(&rows, 600, 3);
    ok(sb
        .cmd(&["import", rows.to_str().unwrap()])
        .output()
        .unwrap());
    let good = ok(sb.cmd(&["export", "--format", "csv"]).output().unwrap());
    let store = sb.data.join("store");
    let pristine = sb.tmp.path().join("pristine");
    assert!(Command::new("cp")
        .args(["-a", store.to_str().unwrap(), pristine.to_str().unwrap()])
        .status()
        .unwrap()
        .success());
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("seed {seed}");
    let mut rng = Lcg(seed);
    let mut failed = 0;
    for _ in 0..12 {
        std::fs::remove_dir_all(&store).unwrap();
        assert!(Command::new("cp")
            .args(["-a", pristine.to_str().unwrap(), store.to_str().unwrap()])
            .status()
            .unwrap()
            .success());
        let db = store.join("db");
        let mut bytes = std::fs::read(&db).unwrap();
        let at = rng.next(bytes.len() as u64) as usize;
        bytes[at] ^= 1 << rng.next(8);
        std::fs::write(&db, bytes).unwrap();
        let out = sb.cmd(&["export", "--format", "csv"]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_ne!(out.status.code(), Some(101), "a panic: {err}");
        if out.status.success() {
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                good,
                "byte {at}: an export that changed passed as good"
            );
        } else {
            failed += 1;
            assert!(err.contains("expense restore --latest"), "byte {at}: {err}");
            let check = sb.cmd(&["check"]).output().unwrap();
            assert!(
                !check.status.success(),
                "byte {at}: check passed a damaged store"
            );
        }
    }
    eprintln!("{failed} of 12 flips were found");
}

/// A record that cannot be read, in the middle of an export: the export writes what comes
/// before it, then fails (exit 1) saying how far it got, which record, and the way back;
/// `check` agrees; `restore --latest` takes the store back to the last backup in one step.
#[test]
fn an_export_that_meets_a_damaged_record_says_where_it_stopped_and_the_way_back() {
    let sb = Sandbox::new();
    let rows = sb.tmp.path().join("rows.csv");
    csv(&rows, 40, 5);
    ok(sb
        .cmd(&["import", rows.to_str().unwrap()])
        .output()
        .unwrap());
    ok(sb.cmd(&["backup"]).output().unwrap());
    let id = {
        let store = expense_tracker::store::Store::open(&sb.data.join("store")).unwrap();
        store.damage_item_for_tests(17).unwrap()
    };
    let out = sb.cmd(&["export", "--format", "csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the export stopped after")
            && err.contains("incomplete")
            && err.contains("expense restore --latest"),
        "{err}"
    );
    let written = String::from_utf8_lossy(&out.stdout).lines().count() - 1;
    assert!(written < 40, "{written} rows before the damaged one");
    assert!(
        err.contains(&format!("stopped after {written} expense")),
        "{err}"
    );
    let check = sb.cmd(&["check"]).output().unwrap();
    assert!(!check.status.success());
    let text = String::from_utf8_lossy(&check.stdout).to_string()
        + &String::from_utf8_lossy(&check.stderr);
    assert!(text.contains("items"), "{text}");
    eprintln!("damaged {id}: {text}");
    // Repair rebuilds derived data from the items, so it must not drop the unreadable one.
    let repair = fails(sb.cmd(&["check", "--repair"]).output().unwrap());
    assert!(
        repair.contains("nothing was changed") && repair.contains("expense restore --latest"),
        "{repair}"
    );
    ok(sb.cmd(&["restore", "--latest"]).output().unwrap());
    assert_eq!(whole_count(&sb), 40);
    let out = ok(sb.cmd(&["export", "--format", "csv"]).output().unwrap());
    assert_eq!(out.lines().count(), 41);
}
