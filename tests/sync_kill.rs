//! A sync killed at random points (issue 16): two stores of a few thousand expenses each sync
//! through the local transport while the test kills, after a random delay, either side (the
//! client `expense sync`, or the `expense sync --serve` it started) with SIGKILL, SIGTERM or
//! SIGHUP. Between cycles each store gets one new expense. After every cycle both stores pass
//! `check --stream`; at the end one sync finishes the job: both hold the same expenses, every
//! one of them exactly once, none lost. The seed is printed for a rerun
//! (`EXPENSE_SYNC_KILL_SEED`); `EXPENSE_SYNC_KILL_CYCLES` sets the cycles (default 50).

mod common;

use common::{kill, Sandbox};
use rand::Rng;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn csv(rows: usize, tag: &str) -> String {
    use std::fmt::Write;
    let mut text = String::from("date,amount,payee\n");
    for i in 0..rows {
        let _ = writeln!(
            text,
            "2026-11-{:02},-{}.{:02},{tag} {i}",
            1 + i % 28,
            1 + i % 97,
            i % 100
        );
    }
    text
}

/// The payees of `csv(rows, tag)`.
fn csv_payees(rows: usize, tag: &str) -> Vec<String> {
    (0..rows).map(|i| format!("{tag} {i}")).collect()
}

fn check(sb: &Sandbox, data: &Path) {
    let o = sb.cmd_at(data, &["check", "--stream"]).output().unwrap();
    assert!(
        o.status.success(),
        "{}: {}{}",
        data.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Every expense's payee in November (the payees are all distinct by construction).
fn payees(sb: &Sandbox, data: &Path) -> Vec<String> {
    let o = sb
        .cmd_at(data, &["export", "--format", "csv"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut v: Vec<String> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| {
            l.split(',')
                .find(|c| c.starts_with("A ") || c.starts_with("B "))
        })
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// The pid of the `sync --serve` serving `data`, when one runs.
fn server_pid(data: &Path) -> Option<libc::pid_t> {
    let want = data.to_string_lossy().into_owned();
    for e in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<libc::pid_t>() else {
            continue;
        };
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmd
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if args.iter().any(|a| a == "--serve") && args.contains(&want) {
            return Some(pid);
        }
    }
    None
}

fn import(sb: &Sandbox, data: &Path, rows: usize, tag: &str) {
    let file = sb.tmp.path().join(format!("{}.csv", tag.replace(' ', "-")));
    std::fs::write(&file, csv(rows, tag)).unwrap();
    let o = sb
        .cmd_at(data, &["import", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_sync_killed_anywhere_loses_nothing_and_doubles_nothing() {
    let cycles: usize = std::env::var("EXPENSE_SYNC_KILL_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let (_, mut rng) = kill::rng("EXPENSE_SYNC_KILL_SEED", "sync_kill");
    let sb = Sandbox::new();
    let a = sb.tmp.path().join("a");
    let b = sb.tmp.path().join("b");
    import(&sb, &a, 3_000, "A");
    import(&sb, &b, 3_000, "B");
    // How long a whole first sync takes here: the kills fall inside it.
    let probe_a = sb.tmp.path().join("probe-a");
    let probe_b = sb.tmp.path().join("probe-b");
    kill::copy_dir(&a, &probe_a);
    kill::copy_dir(&b, &probe_b);
    for probe in [&probe_a, &probe_b] {
        let o = sb
            .cmd_at(probe, &["sync", "--new-replica-id"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    // The first sync moves everything; a full one after it compares every item, which is
    // what the cycles' syncs take at most: the kills fall within that.
    let mut whole = 50;
    for full in ["--", "--full"] {
        let t = Instant::now();
        let o = sb
            .cmd_at(&probe_a, &["sync", full, probe_b.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        whole = t.elapsed().as_millis().max(50) as u64;
    }
    let mut expected = payees(&sb, &a);
    expected.extend(payees(&sb, &b));
    let mut cut = 0;
    for cycle in 0..cycles {
        // Every third cycle brings a few hundred new rows on each side, so there is a real
        // exchange to cut; the other cycles alternate a plain sync and a full one (every item
        // compared), which is long too.
        if cycle % 3 == 0 {
            for (data, tag) in [(&a, format!("A c{cycle}")), (&b, format!("B c{cycle}"))] {
                import(&sb, data, 300, &tag);
                expected.extend(csv_payees(300, &tag));
            }
        }
        for (data, tag) in [(&a, "A"), (&b, "B")] {
            let payee = format!("{tag} extra {cycle}");
            let o = sb
                .cmd_at(
                    data,
                    &["add", "1", "misc!", "2026-11-15", &format!("@{payee}")],
                )
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            expected.push(payee);
        }
        let signal = kill::SIGNALS[cycle % kill::SIGNALS.len()];
        let delay = Duration::from_millis(rng.gen_range(0..whole));
        let full = if cycle % 3 == 1 { "--full" } else { "--" };
        let mut client = sb
            .cmd_at(&a, &["sync", full, b.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let server_side = cycle % 2 == 1;
        let target = if server_side {
            server_pid(&b)
        } else {
            Some(client.id() as libc::pid_t)
        };
        if let Some(pid) = target {
            // SAFETY: kill has no memory effects.
            unsafe { libc::kill(pid, signal) };
        }
        if !client.wait().unwrap().success() {
            cut += 1;
        }
        // The server (when the client died) ends at the end of its input; wait for it.
        let end = Instant::now() + Duration::from_secs(20);
        while server_pid(&b).is_some() && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(20));
        }
        check(&sb, &a);
        check(&sb, &b);
    }
    eprintln!("sync_kill: {cut} of {cycles} syncs were cut short");
    assert!(
        cut > 0,
        "no kill landed inside a sync: the test tested nothing"
    );
    // One sync that runs to its end finishes the job.
    let o = sb
        .cmd_at(&a, &["sync", b.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    expected.sort();
    let (pa, pb) = (payees(&sb, &a), payees(&sb, &b));
    assert_eq!(pa.len(), expected.len(), "A: nothing lost, nothing doubled");
    assert_eq!(pa, expected);
    assert_eq!(pb, expected);
    check(&sb, &a);
    check(&sb, &b);
}
