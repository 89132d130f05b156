//! `expense sync` as a person runs it (issue 16): with a store in a local folder, through an
//! ssh stand-in that runs the remote command in a shell (so the data dir's quoting is what a
//! remote shell gets), status and conflicts, a copied store, and every bad peer: one that is
//! not an expense store, another protocol version, a frame cut short, an unreachable host. Each
//! says what went wrong, exits non-zero, and leaves both stores as they were.

mod common;

use common::Sandbox;
use std::path::{Path, PathBuf};
use std::process::Output;

fn run(sb: &Sandbox, data: &Path, args: &[&str]) -> Output {
    sb.cmd_at(data, args).output().unwrap()
}

fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn failed(o: Output) -> String {
    assert!(
        !o.status.success(),
        "expected a failure; stdout: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8(o.stderr).unwrap()
}

/// The month's rows of a store, as `list` prints them (ids and all).
fn rows(sb: &Sandbox, data: &Path) -> Vec<String> {
    let out = ok(run(sb, data, &["list", "--month", "2026-11"]));
    let mut v: Vec<String> = out
        .lines()
        .filter(|l| l.contains("2026-11-"))
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// The id (as `list` shows it) of the row whose text holds `payee`.
fn id_of(sb: &Sandbox, data: &Path, payee: &str) -> String {
    let row = rows(sb, data).into_iter().find(|r| r.contains(payee));
    let row = row.unwrap_or_else(|| panic!("no row with {payee}"));
    row.split_whitespace().next().unwrap().to_string()
}

fn consistent(sb: &Sandbox, data: &Path) {
    ok(run(sb, data, &["check", "--stream"]));
}

/// Two stores: A holds two expenses, B one.
fn two_stores() -> (Sandbox, PathBuf, PathBuf) {
    let sb = Sandbox::new();
    let a = sb.tmp.path().join("a");
    let b = sb.tmp.path().join("b data");
    ok(run(
        &sb,
        &a,
        &["add", "12.50", "food!", "@Lidl", "2026-11-03"],
    ));
    ok(run(&sb, &a, &["add", "3", "coffee!", "2026-11-04"]));
    ok(run(
        &sb,
        &b,
        &["add", "950", "rent!", "@Landlord", "2026-11-01"],
    ));
    (sb, a, b)
}

/// [`two_stores`] synced, then the Lidl expense edited on both between syncs: to 20.00 on A,
/// then to 30.00 on B (the later write). Returns the sandbox, both folders and its id.
fn edited_on_both() -> (Sandbox, PathBuf, PathBuf, String) {
    let (sb, a, b) = two_stores();
    ok(run(&sb, &a, &["sync", b.to_str().unwrap()]));
    let id = id_of(&sb, &a, "Lidl");
    ok(run(&sb, &a, &["edit", &id, "--amount", "20"]));
    std::thread::sleep(std::time::Duration::from_millis(5));
    ok(run(&sb, &b, &["edit", &id, "--amount", "30"]));
    (sb, a, b, id)
}

/// A stand-in for ssh: `fake-ssh HOST COMMAND` runs COMMAND in a shell here, as sshd would
/// on HOST.
fn fake_ssh(sb: &Sandbox, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = sb.tmp.path().join(format!("ssh-{}", body.len()));
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[test]
fn two_stores_exchange_everything_both_ways_and_again_nothing() {
    let (sb, a, b) = two_stores();
    let out = ok(run(&sb, &a, &["sync", b.to_str().unwrap()]));
    assert!(out.contains("1 received, 2 sent"), "{out}");
    assert_eq!(rows(&sb, &a), rows(&sb, &b));
    assert_eq!(rows(&sb, &a).len(), 3);
    let out = ok(run(&sb, &a, &["sync", b.to_str().unwrap()]));
    assert!(out.contains("0 received, 0 sent"), "{out}");
    // An edit and a delete on B travel back to A.
    let id = id_of(&sb, &b, "Lidl");
    ok(run(&sb, &b, &["edit", &id, "--amount", "13"]));
    let coffee = id_of(&sb, &b, "coffee");
    ok(run(&sb, &b, &["rm", &coffee]));
    let out = ok(run(&sb, &a, &["sync", b.to_str().unwrap()]));
    assert!(out.contains("2 received, 0 sent"), "{out}");
    assert_eq!(rows(&sb, &a), rows(&sb, &b));
    assert!(rows(&sb, &a).iter().any(|r| r.contains("13.00")));
    // The delete went to A's trash too.
    assert!(ok(run(&sb, &a, &["trash"])).contains("coffee"));
    consistent(&sb, &a);
    consistent(&sb, &b);
    let status = ok(run(&sb, &a, &["sync", "--status"]));
    assert!(
        status.contains("last sync") && status.contains("waiting to send: 0 records"),
        "{status}"
    );
}

/// `u` after a sync takes back this device's own latest change, not the one a sync brought
/// from the other device; that one stays, and the other device's own `u` takes it back.
#[test]
fn undo_after_a_sync_takes_back_the_own_change_not_the_peers() {
    let (sb, a, b) = two_stores();
    ok(run(&sb, &a, &["sync", b.to_str().unwrap()]));
    ok(run(
        &sb,
        &b,
        &["add", "7", "coffee", "@Kiosk", "2026-11-05"],
    ));
    ok(run(&sb, &a, &["sync", b.to_str().unwrap()]));
    assert!(rows(&sb, &a).iter().any(|r| r.contains("Kiosk")));
    let out = ok(run(&sb, &a, &["undo"]));
    assert!(out.contains("3.00"), "the coffee added on A last: {out}");
    let left = rows(&sb, &a);
    assert!(left.iter().any(|r| r.contains("Kiosk")), "{left:?}");
    assert!(!left.iter().any(|r| r.contains("3.00")), "{left:?}");
    // On B, the same `u` takes back B's own newest change: the kiosk coffee.
    let out = ok(run(&sb, &b, &["undo"]));
    assert!(out.contains("Kiosk"), "{out}");
    ok(run(&sb, &a, &["sync", b.to_str().unwrap()]));
    assert_eq!(rows(&sb, &a), rows(&sb, &b));
    assert!(!rows(&sb, &a).iter().any(|r| r.contains("Kiosk")));
    consistent(&sb, &a);
    consistent(&sb, &b);
}

/// A conflict whose winning version is in the peer's trash arrives as two records (the image,
/// then the move into the trash): `u` takes both back, one press each, and the version
/// replaced here is live again.
#[test]
fn undo_brings_back_a_version_replaced_by_one_in_the_peers_trash() {
    let (sb, a, b, id) = edited_on_both();
    ok(run(&sb, &b, &["rm", &id]));
    let out = ok(run(&sb, &a, &["sync", b.to_str().unwrap()]));
    assert!(out.contains("1 conflict"), "{out}");
    assert!(!rows(&sb, &a).iter().any(|r| r.contains("Lidl")));
    ok(run(&sb, &a, &["undo"]));
    assert!(rows(&sb, &a).iter().any(|r| r.contains("30.00")));
    ok(run(&sb, &a, &["undo"]));
    assert!(rows(&sb, &a).iter().any(|r| r.contains("20.00")));
    consistent(&sb, &a);
}

/// An expense purged on the other device arrives as its REMOVE for good: `u` here passes over
/// it (and over this device's own delete of it, which nothing can take back now) to the change
/// before, as it passes over a trash expiry.
#[test]
fn undo_passes_over_an_expense_purged_on_the_other_device() {
    let (sb, a, b) = two_stores();
    ok(run(&sb, &a, &["sync", b.to_str().unwrap()]));
    let coffee = id_of(&sb, &a, "coffee");
    ok(run(&sb, &a, &["rm", &coffee]));
    ok(run(&sb, &a, &["sync", b.to_str().unwrap()]));
    ok(run(&sb, &b, &["trash", "purge", &coffee]));
    ok(run(&sb, &a, &["sync", b.to_str().unwrap()]));
    assert!(!ok(run(&sb, &a, &["trash"])).contains("coffee"));
    let out = ok(run(&sb, &a, &["undo"]));
    assert!(out.contains("Lidl"), "{out}");
    assert!(!rows(&sb, &a).iter().any(|r| r.contains("Lidl")));
    consistent(&sb, &a);
}

#[test]
fn a_dry_run_says_what_would_move_and_writes_nothing() {
    let (sb, a, b) = two_stores();
    let seqs = |d: &Path| {
        ok(run(&sb, d, &["sync", "--status"]))
            .lines()
            .next()
            .map(str::to_string)
    };
    let before = (seqs(&a), seqs(&b));
    let out = ok(run(&sb, &a, &["sync", "--dry-run", b.to_str().unwrap()]));
    assert!(
        out.contains("would write 1 item here and 2 there") && out.contains("nothing was written"),
        "{out}"
    );
    assert_eq!((seqs(&a), seqs(&b)), before, "no record on either side");
    assert_eq!(rows(&sb, &a).len(), 2);
    assert_eq!(rows(&sb, &b).len(), 1);
    assert!(ok(run(&sb, &a, &["sync", "--status"])).contains("no sync yet"));
    let out = ok(run(&sb, &a, &["sync", b.to_str().unwrap()]));
    assert!(out.contains("1 received, 2 sent"), "{out}");
}

#[test]
fn through_a_remote_shell_the_data_dir_arrives_whole() {
    let (sb, a, b) = two_stores();
    // `ssh HOST CMD`: the command reaches a shell, which must see the quoted folder "b data".
    let ssh = fake_ssh(&sb, "shift\nexec sh -c \"$1\"");
    let peer = format!("somehost:{}", b.display());
    let out = sb
        .cmd_at(&a, &["sync", &peer])
        .env("EXPENSE_SSH", &ssh)
        .env("EXPENSE_SYNC_REMOTE", common::bin())
        .output()
        .unwrap();
    let out = ok(out);
    assert!(out.contains("synced with somehost:"), "{out}");
    assert_eq!(rows(&sb, &a), rows(&sb, &b));
    // A named peer from config.toml, synced with `expense sync` alone.
    std::fs::write(
        sb.config.join("config.toml"),
        format!(
            "[sync]\npeers = [\"desk={peer}\"]\nssh = \"{}\"\nremote = \"{}\"\n",
            ssh.display(),
            common::bin()
        ),
    )
    .unwrap();
    ok(run(&sb, &b, &["add", "7", "food", "2026-11-09"]));
    let out = ok(run(&sb, &a, &["sync"]));
    assert!(out.contains("synced with desk: 1 received"), "{out}");
}

#[test]
fn a_peer_that_is_not_an_expense_store_is_named_and_nothing_changes() {
    let (sb, a, _) = two_stores();
    let before = rows(&sb, &a);
    let cases = [
        ("echo 'Welcome to Ubuntu'", "is not an expense store that syncs: it said 'Welcome to Ubuntu'"),
        ("echo 'expense-sync 2'; sleep 1", "speaks sync protocol 2 and this expense speaks 1"),
        // The greeting, then a frame cut after its length.
        ("printf 'expense-sync 1\\n\\100\\000\\000\\000abc'", "closed in the middle of the sync"),
        (
            "echo 'ssh: Could not resolve hostname nowhere: Name or service not known' >&2; exit 255",
            "Could not resolve hostname nowhere",
        ),
    ];
    for (script, says) in cases {
        let ssh = fake_ssh(&sb, script);
        let err = failed(
            sb.cmd_at(&a, &["sync", "nowhere"])
                .env("EXPENSE_SSH", &ssh)
                .output()
                .unwrap(),
        );
        assert!(err.contains(says), "{script}: {err}");
        assert!(err.contains("syncing with nowhere"), "{err}");
        assert_eq!(rows(&sb, &a), before, "{script}");
    }
    consistent(&sb, &a);
    let status = ok(run(&sb, &a, &["sync", "--status"]));
    assert!(status.contains("no sync yet"), "{status}");
}

#[test]
fn a_copied_store_is_refused_until_it_takes_a_replica_id_of_its_own() {
    let (sb, a, b) = two_stores();
    let copy = sb.tmp.path().join("copy");
    common::kill::copy_dir(&a, &copy);
    let err = failed(run(&sb, &copy, &["sync", b.to_str().unwrap()]));
    assert!(err.contains("is a copy of another store"), "{err}");
    assert!(err.contains("expense sync --new-replica-id"), "{err}");
    // The copy against its original: the same replica id.
    let err = failed(run(&sb, &a, &["sync", copy.to_str().unwrap()]));
    assert!(err.contains("copy"), "{err}");
    assert_eq!(rows(&sb, &b).len(), 1, "nothing moved");
    let out = ok(run(&sb, &copy, &["sync", "--new-replica-id"]));
    assert!(out.contains("is now replica"), "{out}");
    ok(run(&sb, &copy, &["add", "1", "food", "2026-11-20"]));
    ok(run(&sb, &copy, &["sync", b.to_str().unwrap()]));
    ok(run(&sb, &a, &["sync", b.to_str().unwrap()]));
    assert_eq!(rows(&sb, &a), rows(&sb, &b));
    assert_eq!(rows(&sb, &a).len(), 4);
}

#[test]
fn a_concurrent_edit_is_listed_as_a_conflict_with_the_replaced_version_in_history() {
    let (sb, a, b, id) = edited_on_both();
    let out = ok(run(&sb, &a, &["sync", b.to_str().unwrap()]));
    assert!(out.contains("1 conflict"), "{out}");
    assert!(rows(&sb, &a).iter().any(|r| r.contains("30.00")));
    let list = ok(run(&sb, &a, &["sync", "--conflicts"]));
    assert!(
        list.contains(&id[..8]) && list.contains("replaced record"),
        "{list}"
    );
    let history = ok(run(&sb, &a, &["history", &id]));
    assert!(
        history.contains("20.00") && history.contains("30.00"),
        "{history}"
    );
    // The replaced version comes back with an undo here, and wins at the next sync.
    ok(run(&sb, &a, &["undo"]));
    assert!(rows(&sb, &a).iter().any(|r| r.contains("20.00")));
    ok(run(&sb, &a, &["sync", b.to_str().unwrap()]));
    assert!(rows(&sb, &b).iter().any(|r| r.contains("20.00")));
    assert!(ok(run(&sb, &b, &["sync", "--conflicts"])).contains("no conflicts"));
}
