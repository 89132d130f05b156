//! Stored text never drives a terminal or a spreadsheet (issue 12, item 3), through the real
//! binary: `add` refuses control characters naming the field, import replaces and counts them,
//! CSV output puts `'` before formulas unless `--raw`, and nothing stored holds a control.

mod common;

use common::Sandbox;
use std::process::Output;

fn run(sb: &Sandbox, args: &[&str]) -> Output {
    sb.cmd(args).current_dir(sb.tmp.path()).output().unwrap()
}

fn ok(sb: &Sandbox, args: &[&str]) -> String {
    let out = run(sb, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const TITLE: &str = "\u{1b}]0;pwned\u{7}";
const LINK: &str = "=HYPERLINK(\"http://x\")";

/// Every text field of every stored expense, read back as JSON (exact bytes, escapes decoded).
fn stored_text(sb: &Sandbox) -> Vec<String> {
    let all: Vec<serde_json::Value> =
        serde_json::from_str(&ok(sb, &["export", "--format", "json"])).unwrap();
    let mut text = Vec::new();
    for e in &all {
        for f in ["category", "payee", "note"] {
            text.push(e[f].as_str().unwrap().to_string());
        }
        for t in e["tags"].as_array().unwrap() {
            text.push(t.as_str().unwrap().to_string());
        }
    }
    text
}

fn assert_no_controls(text: &[String]) {
    for s in text {
        assert!(
            !s.chars().any(|c| c.is_control()
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
            "stored text holds a control: {s:?}"
        );
    }
}

#[test]
fn add_refuses_controls_and_csv_neutralises_formulas() {
    let sb = Sandbox::new();
    let payee = format!("@Bad{TITLE}Cafe");
    let out = run(&sb, &["add", "3", "food!", &payee, "2026-11-04"]);
    assert!(!out.status.success(), "a payee with ESC was accepted");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("payee") && err.contains("U+001B") && !err.contains('\u{1b}'),
        "{err}"
    );
    let note = format!("a note {TITLE}");
    let out = run(&sb, &["add", "3", "food!", "@Cafe", &note, "2026-11-04"]);
    assert!(!out.status.success(), "a note with ESC was accepted");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("note 'a note ^[]0;pwned^G'"), "{err}");

    ok(
        &sb,
        &["add", "12.50", "food!", &format!("@{LINK}"), "2026-11-03"],
    );
    ok(&sb, &["add", "2", "food", "@-2+3+cmd|x", "2026-11-05"]);
    ok(&sb, &["add", "1", "food", "@'=quoted", "2026-11-06"]);
    assert_no_controls(&stored_text(&sb));

    // Stdout is a pipe here: exact text, but formulas get their quote.
    let csv = ok(&sb, &["list", "--csv", "--month", "2026-11"]);
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{csv}");
    assert!(csv.contains(",'-2+3+cmd|x,"), "{csv}");
    assert!(csv.contains(",12.50,"), "amounts stay numbers: {csv}");
    let export = ok(&sb, &["export", "--format", "csv"]);
    assert_eq!(export, csv);
    let raw = ok(&sb, &["export", "--format", "csv", "--raw"]);
    assert!(raw.contains("\"=HYPERLINK(\"\"http://x\"\")\""), "{raw}");
    assert_eq!(
        raw,
        ok(&sb, &["list", "--csv", "--raw", "--month", "2026-11"])
    );

    // Export -> import into an empty store -> export keeps every byte.
    let file = sb.tmp.path().join("export.csv");
    std::fs::write(&file, &export).unwrap();
    let other = Sandbox::new();
    ok(&other, &["import", file.to_str().unwrap()]);
    assert_eq!(ok(&other, &["export", "--format", "csv"]), export);
    assert!(export.contains(",''=quoted,"), "{export}");
    // JSON holds the text as it is, and reads back as it is.
    let json = ok(&sb, &["export", "--format", "json"]);
    assert!(
        json.contains("\"'=quoted\"") && json.contains("\"=HYPERLINK"),
        "{json}"
    );
    let file = sb.tmp.path().join("export.json");
    std::fs::write(&file, &json).unwrap();
    let third = Sandbox::new();
    ok(&third, &["import", file.to_str().unwrap()]);
    assert_eq!(ok(&third, &["export", "--format", "json"]), json);
}

#[test]
fn import_replaces_and_counts_controls() {
    let sb = Sandbox::new();
    let file = sb.tmp.path().join("bank.csv");
    let csv = format!(
        "date,amount,payee,note\n\
         2026-01-03,-4.50,Bad{TITLE}Cafe,\"two\nlines\"\n\
         2026-01-04,-5.00,x\u{202E}y,nul\0here\n\
         2026-01-05,-6.00,{},plain\n",
        "\"=HYPERLINK(\"\"http://x\"\")\""
    );
    std::fs::write(&file, csv).unwrap();
    let out = ok(&sb, &["import", file.to_str().unwrap()]);
    assert!(out.contains("imported 3 new expenses"), "{out}");
    assert!(
        out.contains("replaced control or bidi characters in 4 cells"),
        "{out}"
    );
    let text = stored_text(&sb);
    assert_no_controls(&text);
    assert!(
        text.contains(&"Bad\u{FFFD}]0;pwned\u{FFFD}Cafe".to_string()),
        "{text:?}"
    );
    assert!(text.contains(&"two lines".to_string()), "{text:?}");
    assert!(text.contains(&LINK.to_string()), "{text:?}");

    // The ledger journal holds no control either (and never did for these).
    let journal = ok(&sb, &["export", "--format", "ledger"]);
    assert!(!journal.contains('\u{1b}') && !journal.contains('\u{202E}'));
}

/// Runs `expense --data-dir DATA args` with stdout and stderr on a pseudo-terminal; returns
/// every byte it wrote there.
fn on_terminal(sb: &Sandbox, data: &std::path::Path, args: &[&str]) -> Vec<u8> {
    use portable_pty::{native_pty_system, CommandBuilder, PtySize};
    use std::io::Read;
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(common::bin());
    cmd.arg("--data-dir");
    cmd.arg(data);
    cmd.args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("EXPENSE_") || k == "NO_COLOR" {
            cmd.env_remove(k);
        }
    }
    cmd.env("EXPENSE_CONFIG_DIR", &sb.config);
    cmd.cwd(sb.tmp.path());
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let collect = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        // EOF or EIO once the child and every slave fd are gone.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        all
    });
    let status = child.wait().unwrap();
    drop(pair.master);
    let out = collect.join().unwrap();
    assert!(
        status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out)
    );
    out
}

/// The text an old store holds: an OSC title sequence, BEL and U+202E.
const OLD: &str = "Bad\u{1b}]0;pwned\u{7}\u{202E}Cafe";

/// Fills `sb.data` as a store written before input refused controls would be (by restoring a
/// backup whose payee and note hold [`OLD`]).
fn old_store(sb: &Sandbox) {
    let maker = Sandbox::new();
    ok(
        &maker,
        &["add", "3", "food!", "@PAYEE", "a NOTE", "2026-11-04"],
    );
    let backup = maker.tmp.path().join("old.bak");
    ok(&maker, &["backup", backup.to_str().unwrap()]);
    let hostile = "Bad\\u001b]0;pwned\\u0007\\u202eCafe";
    // Edited by hand, the file is written as an older version wrote it: without the checksums
    // (which would, rightly, refuse an edited line).
    let text: String = std::fs::read_to_string(&backup)
        .unwrap()
        .replace("PAYEE", hostile)
        .replace("NOTE", hostile)
        .replace(",\"checksum\":\"sha256\"", "")
        .lines()
        .map(|l| {
            let l = match l.rfind(",\"crc\":\"") {
                Some(i) => format!("{}}}", &l[..i]),
                None => l.to_string(),
            };
            match l.find(",\"sha256\":\"") {
                Some(i) => format!("{}}}", &l[..i]),
                None => l,
            }
        })
        .map(|l| l + "\n")
        .collect();
    std::fs::write(&backup, text).unwrap();
    let to = sb.data.to_str().unwrap();
    ok(&maker, &["restore", backup.to_str().unwrap(), "--to", to]);
}

/// Every read command that prints stored text, with the month that holds it.
const READERS: [&[&str]; 10] = [
    &["list", "--month", "2026-11"],
    &["list", "--csv", "--month", "2026-11"],
    &["list", "--csv", "--raw", "--month", "2026-11"],
    &["list", "--json", "--month", "2026-11"],
    &["export", "--format", "csv", "--raw"],
    &["export", "--format", "json"],
    &["export", "--format", "ledger"],
    &["history"],
    &["stream"],
    &["report", "--month", "2026-11"],
];

fn assert_inert(args: &[&str], out: &[u8]) {
    let text = String::from_utf8_lossy(out);
    assert!(
        !out.contains(&0x1b) && !out.contains(&0x07) && !text.contains('\u{202E}'),
        "{args:?} reached the terminal: {text:?}"
    );
    assert!(text.contains("Cafe"), "{args:?}: {text}");
}

/// An old store's controls never reach a terminal, on any read path, while pipes still get the
/// exact text.
#[test]
fn old_stored_controls_never_reach_a_terminal() {
    let sb = Sandbox::new();
    old_store(&sb);
    let piped = run(&sb, &["list", "--csv", "--raw", "--month", "2026-11"]);
    let piped = String::from_utf8(piped.stdout).unwrap();
    assert!(piped.contains(OLD), "{piped:?}");
    for args in READERS {
        assert_inert(args, &on_terminal(&sb, &sb.data, args));
    }
    // The trash list too, once the old expense is deleted.
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&ok(&sb, &["list", "--json", "--month", "2026-11"])).unwrap();
    ok(&sb, &["rm", rows[0]["id"].as_str().unwrap()]);
    for args in [&["trash"][..], &["trash", "list", "--json"], &["history"]] {
        assert_inert(args, &on_terminal(&sb, &sb.data, args));
    }
    ok(&sb, &["undo"]);
    // The ledger journal replaces them even in a file.
    let journal = ok(&sb, &["export", "--format", "ledger"]);
    assert!(
        journal.contains("Bad\u{FFFD}]0 pwned\u{FFFD}\u{FFFD}Cafe"),
        "{journal}"
    );
    // An edit of the old expense cleans the text it keeps (the store would refuse it), and
    // says so.
    let out = run(
        &sb,
        &["edit", rows[0]["id"].as_str().unwrap(), "--amount", "4"],
    );
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("in the stored payee") && err.contains("in the stored note"),
        "{err}"
    );
    assert_no_controls(&stored_text(&sb));
}

/// The same when a TUI holds the store and the commands run in its session (their output comes
/// over the socket, and the caller's terminal is what matters).
#[test]
fn old_stored_controls_never_reach_a_terminal_through_a_session() {
    let sb = Sandbox::new();
    old_store(&sb);
    let mut tui = common::Tui::start(&sb, 120, 30);
    // It opens on this month; the old expense is in 2026-11.
    tui.wait_for("No expenses", common::TIMEOUT);
    for args in [READERS[1], READERS[4], READERS[7]] {
        assert_inert(args, &on_terminal(&sb, &sb.data, args));
    }
    tui.quit();
}
