//! The store stays open between commands (`linger_minutes`): a command that opened the store
//! leaves a quiet holder behind that serves the next commands, leaves on SIGTERM and when the
//! store's files are gone, and steps aside for a command that must hold the store itself.
//! Run as the real binary; the lingering process is found through its marker and the lock.

mod common;

use common::{ok, wait_until, Sandbox};
use std::path::PathBuf;
use std::process::Command;

/// `args` with the store kept open for a minute after the command.
fn lingering(sb: &Sandbox, args: &[&str]) -> Command {
    let mut c = sb.cmd(args);
    c.env("EXPENSE_LINGER_MINUTES", "1");
    c
}

fn store(sb: &Sandbox) -> PathBuf {
    sb.data.join("store")
}

/// The pid the marker names, once the lingering holder serves the store.
fn lingerer(sb: &Sandbox) -> Option<libc::pid_t> {
    let marker = store(sb).with_extension("linger");
    std::fs::read_to_string(marker).ok()?.trim().parse().ok()
}

/// Running, not a zombie: the lingering process is nobody's child here, and whoever reaps
/// orphans on a test machine (its PID 1) may take its time or never do it.
fn alive(pid: libc::pid_t) -> bool {
    expense_tracker::session::peer::state_of(pid as u32).is_some_and(|s| s != 'Z' && s != 'X')
}

/// The process holding sled's lock on the store, as /proc/locks tells.
fn lock_holder(sb: &Sandbox) -> Option<u32> {
    expense_tracker::store::lock_holder(&store(sb))
}

/// Waits for the lingering holder to serve, and returns its pid.
fn started(sb: &Sandbox) -> libc::pid_t {
    assert!(
        wait_until(|| lingerer(sb).is_some() && store(sb).with_extension("sock").exists()),
        "no holder lingered; its log: {:?}",
        std::fs::read_to_string(store(sb).with_extension("linger-log"))
    );
    lingerer(sb).unwrap()
}

#[test]
fn a_command_leaves_the_store_open_and_the_next_one_is_served_by_it() {
    let sb = Sandbox::new();
    ok(lingering(&sb, &["add", "12.50", "groceries", "@Lidl"])
        .output()
        .unwrap());
    let pid = started(&sb);
    assert_eq!(lock_holder(&sb), Some(pid as u32), "it holds the store");
    // The next commands, from another "shell", go through it: they read and write.
    ok(lingering(&sb, &["add", "3.20", "groceries", "@Bakery"])
        .output()
        .unwrap());
    let list = ok(sb.cmd(&["list"]).output().unwrap());
    assert!(list.contains("Lidl") && list.contains("Bakery"), "{list}");
    assert_eq!(
        lingerer(&sb),
        Some(pid),
        "still the same holder, no second one"
    );
    assert_eq!(lock_holder(&sb), Some(pid as u32));
    // SIGTERM: it lets the store go, cleanly, and leaves nothing behind.
    // SAFETY: the pid is the lingering holder's, which this test started.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    assert!(wait_until(|| !alive(pid)), "still running after SIGTERM");
    assert!(lingerer(&sb).is_none(), "the marker is removed");
    assert!(
        !store(&sb).with_extension("sock").exists(),
        "the socket is removed"
    );
    let check = ok(sb.cmd(&["check"]).output().unwrap());
    assert!(!check.contains("damage"), "{check}");
}

#[test]
fn it_leaves_when_the_store_is_deleted() {
    let sb = Sandbox::new();
    ok(lingering(&sb, &["add", "1", "food"]).output().unwrap());
    let pid = started(&sb);
    std::fs::remove_dir_all(&sb.data).unwrap();
    assert!(
        wait_until(|| !alive(pid)),
        "still running with its store gone"
    );
}

/// The store's folder deleted (with its mark, not its socket beside it) and the next command
/// run at once: the old holder serves nobody again, since what it wrote would go into files
/// nobody opens; the command works on the new store made at that path, and the old holder
/// leaves. (It used to look for its files every 200 ms, and served whoever came before.)
#[test]
fn a_deleted_store_is_never_served_and_the_next_command_makes_a_new_one() {
    let sb = Sandbox::new();
    ok(lingering(&sb, &["add", "1", "food", "@Old"])
        .output()
        .unwrap());
    let pid = started(&sb);
    std::fs::remove_dir_all(store(&sb)).unwrap();
    std::fs::remove_file(store(&sb).with_extension("hwm")).unwrap();
    assert!(store(&sb).with_extension("sock").exists());
    ok(sb.cmd(&["add", "7", "books", "@New"]).output().unwrap());
    let list = ok(sb.cmd(&["list"]).output().unwrap());
    assert!(list.contains("New") && !list.contains("Old"), "{list}");
    assert!(wait_until(|| !alive(pid)), "the old holder still runs");
    // What was said is in the new store, read by a fresh process.
    let list = ok(sb.cmd(&["list"]).output().unwrap());
    assert!(list.contains("New") && !list.contains("Old"), "{list}");
    let check = ok(sb.cmd(&["check"]).output().unwrap());
    assert!(!check.contains("damage"), "{check}");
}

#[test]
fn off_when_zero_and_never_for_a_store_not_there() {
    let sb = Sandbox::new();
    // 0 (what every other test runs with): the store closes with the command.
    ok(sb.cmd(&["add", "1", "food"]).output().unwrap());
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(lingerer(&sb).is_none() && lock_holder(&sb).is_none());
    // A read-only command on a data dir with no store creates nothing and leaves nothing.
    let other = Sandbox::new();
    let out = lingering(&other, &["list"]).output().unwrap();
    assert!(!out.status.success());
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!other.data.exists(), "no store made");
}

#[test]
fn a_command_that_must_hold_the_store_asks_the_lingering_one_to_leave() {
    let sb = Sandbox::new();
    ok(lingering(&sb, &["add", "12.50", "groceries"])
        .output()
        .unwrap());
    let pid = started(&sb);
    ok(sb.cmd(&["backup"]).output().unwrap());
    ok(sb.cmd(&["add", "99", "groceries"]).output().unwrap());
    // Replacing the store under a holder is refused; the lingering one steps aside instead.
    let out = sb.cmd(&["restore", "--latest"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{err}");
    assert!(wait_until(|| !alive(pid)), "the lingering holder left");
    let list = ok(sb.cmd(&["list"]).output().unwrap());
    assert!(!list.contains("99.00"), "the store is the backup's: {list}");
}

/// An upgrade replaces the program: the holder of the old one leaves, so the next command runs
/// the new one instead of being served by the old.
#[test]
fn it_leaves_when_its_program_is_replaced() {
    let sb = Sandbox::new();
    let exe = sb.tmp.path().join("expense-copy");
    std::fs::copy(common::bin(), &exe).unwrap();
    let mut c = Command::new(&exe);
    c.arg("--data-dir").arg(&sb.data).args(["add", "1", "food"]);
    common::scrub(&mut c, &sb.config);
    c.env("EXPENSE_LINGER_MINUTES", "1");
    // A copy just written can be "busy" for a moment: another test's thread may fork while
    // the copy's write handle is open, and the child holds it until it execs.
    let out = (0..100)
        .find_map(|_| match c.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20));
                None
            }
            r => Some(r.unwrap()),
        })
        .expect("the copied program ran within 2 s");
    ok(out);
    let pid = started(&sb);
    // As `cargo install` does: a new file renamed over the old one.
    let new = sb.tmp.path().join("expense-new");
    std::fs::copy(common::bin(), &new).unwrap();
    std::fs::rename(&new, &exe).unwrap();
    assert!(wait_until(|| !alive(pid)), "the old program still serves");
}
