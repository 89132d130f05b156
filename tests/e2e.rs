//! End-to-end: the real binary under a pseudo-terminal, driven by keys, checked on the parsed
//! screen (never fixed sleeps: every wait polls the screen with a deadline).

mod common;

use common::{list_json, this_month, Sandbox, Tui, TIMEOUT};
use std::process::Stdio;
use std::time::{Duration, Instant};

const EXIT_LIMIT: Duration = Duration::from_secs(2);

/// Waits for the empty month's text.
fn wait_empty(t: &Tui) {
    t.wait_for("No expenses", TIMEOUT);
}

#[test]
fn add_through_the_form_persists_and_reopens() {
    let sb = Sandbox::new();
    let mut t = Tui::start(&sb, 100, 30);
    wait_empty(&t);

    t.type_str("a");
    t.wait_for("Amount", TIMEOUT);
    t.type_str("12.50");
    t.wait_for("12.50", TIMEOUT);
    t.tab();
    t.type_str("Lidl");
    t.wait_for("Lidl", TIMEOUT);
    t.tab();
    t.type_str("food:groceries");
    t.wait_for("food:groceries", TIMEOUT);
    t.enter();
    // Saved: the form is gone and the table holds the row.
    t.wait_until("the table row with Lidl", TIMEOUT, |s| {
        !s.contains("Add expense")
            && s.lines().any(|l| {
                l.contains("Lidl") && l.contains("food:groceries") && l.contains("12.50 EUR")
            })
    });
    t.quit();

    let items = list_json(&sb, &["--month", &this_month()]);
    let item = items
        .iter()
        .find(|i| i["amount"] == "12.50")
        .unwrap_or_else(|| panic!("no 12.50 item in {items:#?}"));
    assert_eq!(item["payee"], "Lidl");
    assert_eq!(item["category"], "food:groceries");
    assert_eq!(item["currency"], "EUR");
    assert_eq!(item["kind"], "expense");
    assert_eq!(items.len(), 1, "{items:#?}");

    let mut t = Tui::start(&sb, 100, 30);
    t.wait_for("Lidl", TIMEOUT);
    t.quit();
}

#[test]
fn hang_up_exits_quickly_and_releases_the_store() {
    let sb = Sandbox::new();
    let mut t = Tui::start(&sb, 100, 30);
    wait_empty(&t);
    let started = Instant::now();
    t.hang_up();
    let status = t.wait_exit(EXIT_LIMIT);
    assert!(
        status.is_some(),
        "still running {:?} after the terminal hung up",
        started.elapsed()
    );
    eprintln!(
        "SIGHUP: exited in {:?} with {:?}",
        started.elapsed(),
        status
    );
    // The lock is released: another process opens the store.
    let items = list_json(&sb, &[]);
    assert!(items.is_empty());
}

/// A dropped SSH connection should end the app like any other signal: exit status 0, the store
/// flushed, no abort.
#[test]
fn hang_up_exits_cleanly() {
    let sb = Sandbox::new();
    let mut t = Tui::start(&sb, 100, 30);
    wait_empty(&t);
    t.hang_up();
    let status = t
        .wait_exit(EXIT_LIMIT)
        .expect("no exit within 2 s after hang-up");
    assert!(status.success(), "exit after SIGHUP: {status:?}");
}

#[test]
fn sigterm_exits_quickly_and_restores_the_terminal() {
    stops_cleanly_on(libc::SIGTERM, "SIGTERM");
}

/// SIGQUIT (ctrl-\) would dump core and leave the terminal raw: it is a clean way out too.
#[test]
fn sigquit_exits_and_restores_the_terminal() {
    stops_cleanly_on(libc::SIGQUIT, "SIGQUIT");
}

fn stops_cleanly_on(signal: i32, name: &str) {
    let sb = Sandbox::new();
    let mut t = Tui::start(&sb, 100, 30);
    wait_empty(&t);
    assert!(
        t.wait_raw(b"\x1b[?1049h", TIMEOUT),
        "never entered the alternate screen"
    );
    let started = Instant::now();
    // SAFETY: signalling our own child.
    assert_eq!(unsafe { libc::kill(t.pid(), signal) }, 0);
    let status = t.wait_exit(EXIT_LIMIT);
    assert!(
        status.is_some(),
        "still running {:?} after {name}; screen:\n{}",
        started.elapsed(),
        t.screen()
    );
    eprintln!(
        "{name}: exited in {:?} with {:?}",
        started.elapsed(),
        status
    );
    assert!(status.unwrap().success(), "{name} is a normal way out");
    assert!(
        t.wait_raw(b"\x1b[?1049l", Duration::from_secs(2)),
        "the alternate screen was not left; tail of output: {:?}",
        String::from_utf8_lossy(&t.raw()[t.raw().len().saturating_sub(200)..])
    );
    // The message after the restore, and the store is free again.
    assert!(t.wait_raw(
        format!("stopped by {name}").as_bytes(),
        Duration::from_secs(2)
    ));
    assert!(list_json(&sb, &[]).is_empty());
}

#[test]
fn no_terminal_is_a_clear_error() {
    let sb = Sandbox::new();
    let out = sb
        .cmd(&[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "succeeded without a terminal: {err}");
    assert!(err.contains("terminal"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // It checked before touching the store.
    assert!(!sb.data.join("store").exists());
}

#[test]
fn survives_resizes() {
    let sb = Sandbox::new();
    let mut t = Tui::start(&sb, 100, 30);
    wait_empty(&t);

    t.resize(60, 15);
    t.wait_for("No expenses", TIMEOUT);
    t.type_str("?");
    t.wait_for("next row", TIMEOUT);
    t.type_str("?"); // closes help
    t.wait_until("help to close", TIMEOUT, |s| !s.contains("next row"));

    t.resize(20, 5);
    t.wait_for("too small", TIMEOUT);
    assert!(t.child.try_wait().unwrap().is_none(), "died at 20x5");

    t.resize(80, 24);
    t.wait_for("No expenses", TIMEOUT);
    t.type_str("?");
    t.wait_for("next row", TIMEOUT);
    t.type_str("?");
    t.wait_until("help to close", TIMEOUT, |s| !s.contains("next row"));
    t.quit();
}
