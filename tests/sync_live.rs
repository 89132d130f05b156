//! A sync while the store is held (issue 16): the peer's store is open in a TUI, so
//! `expense sync --serve` hands the connection to that session (`session::Request::SyncServe`)
//! instead of opening the store, and the TUI shows the incoming expense without a key press;
//! the other way round, a TUI open on the syncing side shows what arrives too.

mod common;

use common::{Sandbox, Tui, TIMEOUT};

#[test]
fn a_tui_open_on_either_side_shows_what_a_sync_brings() {
    let (sa, sb) = (Sandbox::new(), Sandbox::new());
    let (a, b) = (sa.data.clone(), sb.data.clone());
    let add = |data: &std::path::Path, args: &[&str]| {
        let o = sb.cmd_at(data, args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let month = common::this_month();
    let day = format!("{month}-02");
    add(&a, &["add", "12.50", "food!", "@Lidl", &day]);
    add(&b, &["add", "950", "rent!", "@Landlord", &day]);
    // The TUI holds B: the serving side of the sync goes through it.
    let tui = Tui::start(&sb, 100, 20);
    tui.wait_for("Landlord", TIMEOUT);
    let o = sb
        .cmd_at(&a, &["sync", b.to_str().unwrap()])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("1 received, 1 sent"), "{out}");
    tui.wait_for("Lidl", TIMEOUT);
    drop(tui);
    // The TUI on the syncing side now: A's TUI sees B's new expense arrive.
    add(&b, &["add", "4", "food", "@Bakery", &day]);
    let tui_a = Tui::start(&sa, 100, 20);
    tui_a.wait_for("Lidl", TIMEOUT);
    let o = sb
        .cmd_at(&a, &["sync", b.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    tui_a.wait_for("Bakery", TIMEOUT);
}

#[test]
fn an_open_session_syncs_in_the_background_and_says_so_only_when_it_fails() {
    let (sa, sb) = (Sandbox::new(), Sandbox::new());
    let day = format!("{}-03", common::this_month());
    let o = sb
        .cmd(&["add", "44", "food!", "@Market", &day])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::write(
        sa.config.join("config.toml"),
        format!(
            "[sync]\npeers = [\"desk={}\"]\nevery_minutes = 30\n",
            sb.data.display()
        ),
    )
    .unwrap();
    // The first background sync runs a few seconds after the TUI takes the store.
    let tui = Tui::start(&sa, 100, 20);
    tui.wait_for("Market", std::time::Duration::from_secs(30));
    drop(tui);
    // A peer that cannot be reached: the status line says so.
    let ssh = sa.tmp.path().join("ssh");
    std::fs::write(
        &ssh,
        "#!/bin/sh\necho 'ssh: connect to host nowhere port 22: No route to host' >&2\nexit 255\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        sa.config.join("config.toml"),
        format!(
            "[sync]\npeers = [\"nowhere\"]\nssh = \"{}\"\nevery_minutes = 30\n",
            ssh.display()
        ),
    )
    .unwrap();
    let tui = Tui::start(&sa, 120, 20);
    tui.wait_until(
        "the failure in the status line",
        std::time::Duration::from_secs(30),
        |s| s.contains("background sync failed") && s.contains("No route to host"),
    );
}

#[test]
fn a_sync_run_inside_a_tui_session_never_asks_on_the_tuis_terminal() {
    let sb = Sandbox::new();
    let o = sb.cmd(&["add", "5", "food!"]).output().unwrap();
    assert!(o.status.success());
    let tui = Tui::start(&sb, 100, 20);
    tui.wait_for("5.00", TIMEOUT);
    // An ssh that asks for a password on its terminal when it has one.
    let ssh = sb.tmp.path().join("ssh");
    std::fs::write(
        &ssh,
        "#!/bin/sh\nif echo 'Password for nowhere:' > /dev/tty 2>/dev/null; then \
         echo 'asked on a terminal' >&2; else echo 'ssh: no terminal to ask on' >&2; fi\nexit 255\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
    // From another shell: the command runs inside the TUI's process.
    let o = sb
        .cmd(&["sync", "nowhere"])
        .env("EXPENSE_SSH", &ssh)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("no terminal to ask on"), "{err}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!tui.screen().contains("Password"), "{}", tui.screen());
}
