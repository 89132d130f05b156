//! User triggers through the binary: retries with backoff, dead letters with retry and drop,
//! at-least-once delivery across a kill -9 of the process delivering, the TUI's warning for a
//! failing trigger, and budget notices in an open TUI for writes made by another shell.

mod common;

use common::{Sandbox, Tui, TIMEOUT};
use std::time::{Duration, Instant};

/// A hook that fails its first `fail_first` runs (exit 3, a message on stderr), then appends
/// `SEQ ATTEMPT REDELIVERY` and the record's event name to `log`, then sleeps `sleep` seconds.
fn hook(sb: &Sandbox, fail_first: u32, sleep: &str) -> std::path::PathBuf {
    let dir = sb.tmp.path();
    let script = dir.join("hook.sh");
    std::fs::write(
        &script,
        format!(
            r#"n=$(cat '{count}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '{count}'
if [ $n -le {fail_first} ]; then echo "flaky failure $n" >&2; exit 3; fi
name=$(sed -n 's/.*"eventName":"\([A-Z]*\)".*/\1/p')
echo "$EXPENSE_SEQ $EXPENSE_ATTEMPT $EXPENSE_REDELIVERY $name" >> '{log}'
sleep {sleep}
"#,
            count = dir.join("count").display(),
            log = dir.join("log").display(),
        ),
    )
    .unwrap();
    script
}

fn config(sb: &Sandbox, body: &str) {
    std::fs::write(sb.config.join("config.toml"), body).unwrap();
}

fn log(sb: &Sandbox) -> Vec<(u64, u32, bool, String)> {
    let text = std::fs::read_to_string(sb.tmp.path().join("log")).unwrap_or_default();
    text.lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (
                f[0].parse().unwrap(),
                f[1].parse().unwrap(),
                f[2] == "1",
                f.get(3).unwrap_or(&"").to_string(),
            )
        })
        .collect()
}

fn ok(sb: &Sandbox, args: &[&str]) -> String {
    let out = sb.cmd(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn health(sb: &Sandbox, name: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(&ok(sb, &["triggers", "--json"])).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == name)
        .unwrap_or_else(|| panic!("no trigger {name} in {v}"))
        .clone()
}

fn seq_of(sb: &Sandbox) -> u64 {
    let out = ok(sb, &["stream", "--view", "keys_only"]);
    let last = out.lines().last().unwrap();
    let v: serde_json::Value = serde_json::from_str(last).unwrap();
    v["dynamodb"]["SequenceNumber"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_command_failing_twice_then_succeeding_gets_each_record_once_in_order() {
    let sb = Sandbox::new();
    let script = hook(&sb, 2, "0");
    config(
        &sb,
        &format!(
            "[[trigger]]\nname = \"log\"\ncommand = \"sh '{}'\"\nbackoff_ms = 20\n",
            script.display()
        ),
    );
    let mut seqs = Vec::new();
    for i in 1..=4 {
        ok(&sb, &["add", &format!("{i}"), "misc!"]);
        seqs.push(seq_of(&sb));
    }
    ok(&sb, &["rm", &list_first_id(&sb)]);
    seqs.push(seq_of(&sb));
    let got = log(&sb);
    let delivered: Vec<u64> = got.iter().map(|l| l.0).collect();
    assert_eq!(delivered, seqs, "each record once, in order: {got:?}");
    assert_eq!(
        got[0].1, 3,
        "the first record got through on its third attempt"
    );
    assert!(got.iter().all(|l| !l.2), "no redelivery without a crash");
    // `rm` moves to the trash: a MODIFY (the REMOVE comes when it expires).
    assert_eq!(got.last().unwrap().3, "MODIFY");
    let h = health(&sb, "log");
    assert_eq!(h["delivered"], 5);
    assert_eq!(h["failures"], 2);
    assert_eq!(h["redelivered"], 0);
    assert_eq!(h["lag_records"], 0);
    assert_eq!(h["last_error"], serde_json::Value::Null);
}

fn list_first_id(sb: &Sandbox) -> String {
    let v = common::list_json(sb, &[]);
    v[0]["id"].as_str().unwrap().to_string()
}

#[test]
fn failing_records_become_dead_letters_that_retry_and_drop_handle() {
    let sb = Sandbox::new();
    let flag = sb.tmp.path().join("healthy");
    let cmd = format!(
        "test -e '{}' || {{ echo nope >&2; exit 1; }}",
        flag.display()
    );
    config(
        &sb,
        &format!(
            "[[trigger]]\nname = \"big\"\ncommand = \"{}\"\nmax_attempts = 2\nbackoff_ms = 10\n\
             category = \"food\"\nmin_amount = \"10\"\n",
            cmd.replace('\\', "\\\\").replace('"', "\\\"")
        ),
    );
    // Below the minimum, another category: filtered out, not failed.
    ok(&sb, &["add", "9.99", "food!"]);
    ok(&sb, &["add", "50", "rent!"]);
    assert_eq!(health(&sb, "big")["dead_letters"], 0);
    ok(&sb, &["add", "10", "food:x!"]);
    let dead = seq_of(&sb);
    let h = health(&sb, "big");
    assert_eq!(h["dead_letters"], 1, "{h}");
    assert_eq!(h["failures"], 2);
    let text = ok(&sb, &["triggers"]);
    assert!(text.contains(&format!("record {dead:>8}")), "{text}");
    assert!(text.contains("exit status 1: nope"), "{text}");

    // Retry while still failing: stays, exit status 1.
    let out = sb.cmd(&["triggers", "retry", "big"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("failed again"));
    assert_eq!(health(&sb, "big")["dead_letters"], 1);
    // Fixed: retry delivers it.
    std::fs::write(&flag, "").unwrap();
    assert!(ok(&sb, &["triggers", "retry", "big"]).contains(&format!("record {dead}: delivered")));
    assert_eq!(health(&sb, "big")["dead_letters"], 0);

    // Drop forgets without delivering; a wrong name or seq is an error.
    std::fs::remove_file(&flag).unwrap();
    ok(&sb, &["add", "11", "food:x"]);
    assert_eq!(health(&sb, "big")["dead_letters"], 1);
    let out = sb.cmd(&["triggers", "retry", "nosuch"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("no trigger named 'nosuch'"));
    let out = sb.cmd(&["triggers", "drop", "big", "1"]).output().unwrap();
    assert!(!out.status.success());
    assert!(ok(&sb, &["triggers", "drop", "big", "--all"]).contains("dropped 1 dead letter"));
    assert_eq!(health(&sb, "big")["dead_letters"], 0);
}

#[test]
fn a_config_error_names_the_file_line_trigger_and_key_and_changes_nothing() {
    let sb = Sandbox::new();
    for (body, want) in [
        (
            "[[trigger]]\nname = \"x\"\ncommand = \"true\"\nevents = [\"UPSERT\"]\n",
            "config.toml:4: trigger[0] (x): events: 'UPSERT'",
        ),
        (
            "currency = \"EUR\"\n[[trigger]]\nname = \"x\"\ncommand = \"true\"\nbatch_size = 0\n",
            "config.toml:5: trigger[0] (x): batch_size: 0 is not between 1 and 10000",
        ),
        (
            "[[trigger]]\nname = \"ok\"\ncommand = \"true\"\n\n[[trigger]]\nname = \"y\"\n\
             command = \"true\"\nchanged = [\"category\", \"colour\"]\n",
            "config.toml:8: trigger[1] (y): changed: 'colour' is not a field",
        ),
        (
            "[[trigger]]\nname = \"z\"\ncommand = \"true\"\ncolour = \"red\"\n",
            "config.toml:4: trigger[0] (z): unknown field `colour`",
        ),
    ] {
        config(&sb, body);
        let out = sb.cmd(&["add", "1", "food"]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{body}");
        assert!(err.contains(want), "{body}\n{err}");
        assert!(
            !sb.data.exists(),
            "nothing written, not even a store: {body}"
        );
    }
}

fn wait_for(what: &str, mut pred: impl FnMut() -> bool) {
    let start = Instant::now();
    while !pred() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn kill_9_of_the_deliverer_never_skips_a_record_and_counts_redeliveries() {
    let sb = Sandbox::new();
    let script = hook(&sb, 0, "0.15");
    config(
        &sb,
        &format!(
            "[[trigger]]\nname = \"log\"\ncommand = \"sh '{}'\"\nbackoff_ms = 20\nview = \"keys_only\"\n",
            script.display()
        ),
    );
    // Create the store and the trigger's checkpoint first.
    ok(&sb, &["triggers"]);
    // A long-running holder: it serves the adds below and delivers their records.
    let mut holder = sb
        .cmd(&["stream", "--follow", "--since", "latest"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the holder's socket", || {
        sb.data.join("store.sock").exists()
    });
    let mut seqs = Vec::new();
    for i in 1..=12 {
        ok(&sb, &["add", &format!("{i}"), "misc!"]);
        seqs.push(seq_of(&sb));
    }
    wait_for("some deliveries", || log(&sb).len() >= 3);
    // SIGKILL: no chance to save anything.
    holder.kill().unwrap();
    holder.wait().unwrap();
    // The next holder (this command) delivers the rest before it exits.
    ok(&sb, &["list"]);
    // A command of the killed process may still be finishing its line.
    std::thread::sleep(Duration::from_millis(400));
    let got = log(&sb);
    let mut firsts: Vec<u64> = got.iter().map(|l| l.0).collect();
    firsts.dedup();
    assert_eq!(
        firsts, seqs,
        "every record, in order, none skipped: {got:?}"
    );
    let duplicates = got.len() - seqs.len();
    let h = health(&sb, "log");
    assert_eq!(h["lag_records"], 0, "{h}");
    assert!(
        duplicates as u64 <= h["redelivered"].as_u64().unwrap(),
        "a duplicate only after a crash, and counted: {duplicates} duplicates, {h}"
    );
    assert!(h["redelivered"].as_u64().unwrap() <= 1, "{h}");
    // A redelivered record says so to the command.
    if let Some(again) = got.windows(2).find(|w| w[0].0 == w[1].0) {
        assert!(again[1].2, "the second delivery is marked: {got:?}");
    }
}

#[test]
fn an_open_tui_warns_about_a_failing_trigger_and_shows_budget_crossings_from_other_shells() {
    let sb = Sandbox::new();
    config(
        &sb,
        "[[trigger]]\nname = \"pager\"\ncommand = \"echo pager down >&2; exit 1\"\nbackoff_ms = 60000\n",
    );
    ok(&sb, &["add", "1", "food!"]);
    let mut t = Tui::start(&sb, 120, 30);
    t.wait_for("1.00", TIMEOUT);
    // A budget of 100, then 85 spent from another shell: the TUI shows the 80 % notice.
    t.type_str("r");
    t.wait_for("Category", TIMEOUT);
    t.type_str("b");
    t.wait_for("Budget · food", TIMEOUT);
    t.type_str("100");
    t.enter();
    t.wait_for("Budget of food set to 100.00 EUR", TIMEOUT);
    ok(&sb, &["add", "84", "food"]);
    t.wait_for("Budget food: 85% used", Duration::from_secs(5));
    // The trigger failed on that record (through the TUI's dispatcher): once the notice is
    // gone, the status line says so.
    t.type_str("j");
    t.wait_until("the trigger warning", Duration::from_secs(8), |s| {
        s.contains("trigger pager failing (1 attempt): exit status 1: pager down")
    });
    t.quit();
}
