//! The trash end to end: the real TUI under a pseudo-terminal deletes into the trash, shows it
//! on `T`, restores with `r`, purges with `x` `y`; a command from another shell runs through the
//! TUI's session and the trash screen follows it live. Waits poll the screen, never sleep.

mod common;

use common::{Sandbox, Tui, TIMEOUT};

fn add(sb: &Sandbox, words: &[&str]) {
    let mut args = vec!["add"];
    args.extend_from_slice(words);
    let out = sb.cmd(&args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn cli(sb: &Sandbox, args: &[&str]) -> String {
    let out = sb.cmd(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn delete_restore_and_purge_through_the_trash_screen() {
    let sb = Sandbox::new();
    add(&sb, &["9.99", "food!", "@Zebra"]);
    add(&sb, &["4.20", "food", "@Yak"]);
    let mut t = Tui::start(&sb, 100, 30);
    t.wait_for("Zebra", TIMEOUT);

    // The newest row (Yak) is selected first; delete it into the trash.
    t.type_str("d");
    t.wait_for("y delete", TIMEOUT);
    t.type_str("y");
    t.wait_for("Moved to trash 4.20 EUR", TIMEOUT);
    t.wait_for("T shows the trash", TIMEOUT);
    t.type_str("T");
    t.wait_for("Trash  1 item", TIMEOUT);
    t.wait_until("the trashed row", TIMEOUT, |s| {
        s.lines()
            .any(|l| l.contains("Yak") && l.contains("30 days") && l.contains("4.20 EUR"))
    });

    // Another shell sees the trash through this TUI's session, and restores from it: the
    // screen follows.
    let listed = cli(&sb, &["trash", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let id = v[0]["id"].as_str().unwrap().to_string();
    let restored = cli(&sb, &["trash", "restore", &id[..12]]);
    assert!(restored.starts_with("restored:"), "{restored}");
    t.wait_for("Trash  0 items", TIMEOUT);

    // Back to the ledger, delete again, restore with r. The cursor stayed on Zebra while Yak
    // came back above it from the other shell: `g` goes up to Yak.
    t.send(b"\x1b");
    // Zebra is never in the trash: the ledger is back (a toast may still name Yak).
    t.wait_for("Zebra", TIMEOUT);
    t.type_str("g");
    t.type_str("d");
    t.wait_for("Delete 4.20 EUR", TIMEOUT);
    t.wait_for("y delete", TIMEOUT);
    t.type_str("y");
    t.wait_for("Moved to trash", TIMEOUT);
    t.type_str("T");
    t.wait_for("Trash  1 item", TIMEOUT);
    t.type_str("r");
    t.wait_for("Restored 4.20 EUR", TIMEOUT);
    t.wait_for("Trash  0 items", TIMEOUT);

    // Delete again and purge: asks first, then gone for good.
    t.send(b"\x1b");
    // Zebra is never in the trash: the ledger is back (a toast may still name Yak).
    t.wait_for("Zebra", TIMEOUT);
    t.delete_selected();
    t.type_str("T");
    t.wait_for("Trash  1 item", TIMEOUT);
    t.type_str("x");
    t.wait_for("for good? This", TIMEOUT);
    t.type_str("y");
    t.wait_for("Purged for good 4.20 EUR", TIMEOUT);
    t.wait_for("Trash  0 items", TIMEOUT);
    // `u` on the ledger steps over what was purged for good (it cannot come back) and undoes
    // the change before it.
    t.send(b"\x1b");
    t.wait_for("Zebra", TIMEOUT);
    t.type_str("u");
    t.wait_for("Undid: add 9.99 EUR food @Zebra", TIMEOUT);
    t.quit();

    let stream = cli(&sb, &["stream"]);
    let lines: Vec<&str> = stream.lines().collect();
    let last: serde_json::Value = serde_json::from_str(lines[lines.len() - 2]).unwrap();
    assert_eq!(last["eventName"], "REMOVE");
    // A purge is a person's REMOVE (an expiry would say `ttl`).
    assert_eq!(last["origin"], "user");
    assert_eq!(last["dynamodb"]["OldImage"]["payee"], "Yak");
    assert!(cli(&sb, &["check"]).contains("consistent"));
}
