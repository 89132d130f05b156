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
