//! Crash safety and locking across processes. The test binary re-runs itself as the child
//! (`--exact crash_child --ignored`), so no helper binary is needed: the child writes as fast as it
//! can and acknowledges each `Ok` on stdout; the parent kills it with SIGKILL at a random moment
//! and checks that every acknowledged write survived and the store is consistent.

use chrono::NaiveDate;
use expense_tracker::domain::{Currency, Draft, ExpenseId, Kind};
use expense_tracker::store::{Event, Origin, Store, StoreError};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const ITERATIONS: u64 = 100;

fn draft(i: u64) -> Draft {
    Draft {
        date: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(i % 365),
        amount: (i % 10_000) as i64 + 1,
        currency: Currency::EUR,
        category: ["food", "rent", "fun:games"][(i % 3) as usize].into(),
        payee: if i.is_multiple_of(2) {
            "Shop".into()
        } else {
            String::new()
        },
        note: format!("crash test {i}"),
        tags: vec![],
        kind: if i.is_multiple_of(5) {
            Kind::Income
        } else {
            Kind::Expense
        },
    }
}

/// Opens `dir`, retrying while a just-killed process's lock is released.
fn open_retry(dir: &Path) -> Store {
    let start = Instant::now();
    loop {
        match Store::open(dir) {
            Ok(s) => return s,
            Err(StoreError::Locked { .. }) if start.elapsed() < Duration::from_secs(10) => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("opening {}: {e}", dir.display()),
        }
    }
}

/// Starts this test binary running only the ignored test `name`, with `CRASH_DIR=dir`, and a
/// channel of its complete stdout lines.
fn spawn_child(name: &str, dir: &Path) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--ignored", "--nocapture"])
        .env("CRASH_DIR", dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        loop {
            let mut line = String::new();
            match r.read_line(&mut line) {
                Ok(0) | Err(_) => break,
                // A line cut by the kill has no newline and was never acknowledged.
                Ok(_) if line.ends_with('\n') => {
                    if tx.send(line.trim_end().to_string()).is_err() {
                        break;
                    }
                }
                Ok(_) => break,
            }
        }
    });
    (child, rx)
}

/// The child: writes forever, printing `ACK <id> <seq>` after each durable `Ok`.
#[test]
#[ignore = "run by crash_keeps_every_acknowledged_write as a child process"]
fn crash_child() {
    let Some(dir) = std::env::var_os("CRASH_DIR") else {
        return;
    };
    let store = open_retry(Path::new(&dir));
    let mut out = std::io::stdout().lock();
    for i in 0.. {
        let rec = store
            .put(draft(i), Origin::User, 1_700_000_000_000 + i as i64)
            .unwrap();
        writeln!(out, "ACK {} {}", rec.id, rec.seq).unwrap();
        out.flush().unwrap();
    }
}

/// The child of the lock test: holds the store until killed.
#[test]
#[ignore = "run by a_held_store_is_locked_for_other_processes as a child process"]
fn lock_holder() {
    let Some(dir) = std::env::var_os("CRASH_DIR") else {
        return;
    };
    let _store = open_retry(Path::new(&dir));
    println!("HELD");
    std::io::stdout().flush().unwrap();
    std::thread::sleep(Duration::from_secs(60));
}

/// splitmix64: a cheap deterministic PRNG, one stream per iteration.
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn parse_ack(line: &str) -> Option<(ExpenseId, u64)> {
    let mut parts = line.strip_prefix("ACK ")?.split(' ');
    let id = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    Some((id, seq))
}

#[test]
fn crash_keeps_every_acknowledged_write() {
    let tmp = tempfile::tempdir().unwrap();
    let dir: PathBuf = tmp.path().join("store");
    let mut acked: Vec<(ExpenseId, u64)> = Vec::new();
    let started = Instant::now();
    for iter in 0..ITERATIONS {
        let wait = Duration::from_millis(2 + splitmix(iter) % 29);
        let (mut child, rx) = spawn_child("crash_child", &dir);
        let mut lines = Vec::new();
        // Wait for the first ACK, then let it run for `wait`.
        let first_deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = first_deadline.saturating_duration_since(Instant::now());
            let line = rx.recv_timeout(left).unwrap_or_else(|e| {
                let _ = child.kill();
                panic!("iteration {iter}: no ACK from the child ({e})")
            });
            let is_ack = line.starts_with("ACK ");
            lines.push(line);
            if is_ack {
                break;
            }
        }
        let deadline = Instant::now() + wait;
        while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            lines.push(line);
        }
        child.kill().unwrap();
        child.wait().unwrap();
        // Everything the child printed before it died was acknowledged after a durable Ok.
        lines.extend(rx.iter());
        let new: Vec<(ExpenseId, u64)> = lines.iter().filter_map(|l| parse_ack(l)).collect();
        assert!(!new.is_empty());
        if let (Some(last), Some(first)) = (acked.last(), new.first()) {
            assert!(first.1 > last.1, "seqs keep increasing across runs");
        }
        acked.extend(&new);

        let store = open_retry(&dir);
        for &(id, seq) in &acked {
            assert!(
                store.get(id).unwrap().is_some(),
                "iteration {iter}: acknowledged {id} is lost"
            );
            let _ = seq;
        }
        for &(id, seq) in &new {
            let rec = &store.stream_since(seq - 1, 1).unwrap()[0];
            assert_eq!((rec.seq, rec.id, rec.event), (seq, id, Event::Insert));
        }
        assert!(store.last_seq().unwrap() >= new.last().unwrap().1);
        assert_eq!(
            store.verify().unwrap(),
            Vec::<String>::new(),
            "iteration {iter}"
        );
        drop(store);
    }
    eprintln!(
        "{ITERATIONS} crashes, {} acknowledged writes, {:?}",
        acked.len(),
        started.elapsed()
    );
}

#[test]
fn a_held_store_is_locked_for_other_processes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("held");
    let (mut child, rx) = spawn_child("lock_holder", &dir);
    loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(l) if l == "HELD" => break,
            Ok(_) => continue,
            Err(e) => {
                let _ = child.kill();
                panic!("the child never held the store: {e}");
            }
        }
    }
    let err = Store::open(&dir).unwrap_err();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        matches!(&err, StoreError::Locked { path } if path == &dir),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "the store at {} is in use by another expense process",
            dir.display()
        )
    );
    // Once the holder is gone the store opens.
    drop(open_retry(&dir));
}
