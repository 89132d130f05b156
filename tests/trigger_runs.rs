//! Triggers grown up, through the binary: batches (`{"Records": [...]}`, ceil(N/batch) runs for
//! an import of N), kill -9 during a batched delivery (redelivered, never skipped), records past
//! `max_record_age` dead-lettered instead of fired, lag that keeps growing for a stuck trigger,
//! one hanging trigger never holding up another, and a trigger command that runs `expense`
//! itself against the same store (delivered once, the command that wrote returns).

mod common;

use common::{bin, Sandbox};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn config(sb: &Sandbox, body: &str) {
    std::fs::write(sb.config.join("config.toml"), body).unwrap();
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

fn health_with(sb: &Sandbox, name: &str, now: Option<&str>) -> serde_json::Value {
    let mut c = sb.cmd(&["triggers", "--json"]);
    if let Some(now) = now {
        c.env("EXPENSE_NOW", now);
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == name)
        .unwrap_or_else(|| panic!("no trigger {name} in {v}"))
        .clone()
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The seqs of the records in one line of a trigger's stdin (one record, or `Records`).
fn seqs_in(line: &str) -> Vec<u64> {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    let records = match v.get("Records") {
        Some(rs) => rs.as_array().unwrap().clone(),
        None => vec![v],
    };
    records
        .iter()
        .map(|r| {
            r["dynamodb"]["SequenceNumber"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect()
}

fn wait_for(what: &str, mut pred: impl FnMut() -> bool) {
    let start = Instant::now();
    while !pred() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for `child` to exit (a generous cap, so a hang fails the test instead of the suite).
fn returns(mut child: Child, what: &str) -> std::process::Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{what} never returned");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn quiet(mut c: std::process::Command) -> Child {
    c.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A long-running holder of the store (`stream --follow`), serving the commands of the test;
/// killed with SIGKILL when dropped (also when the test fails), as is the command whose pid a
/// trigger wrote to `pid`.
struct Holder {
    child: Child,
    pid: PathBuf,
}

impl Holder {
    fn start(sb: &Sandbox, pid: PathBuf) -> Holder {
        let child = sb
            .cmd(&["stream", "--follow", "--since", "latest"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for("the holder's socket", || {
            sb.data.join("store.sock").exists()
        });
        Holder { child, pid }
    }

    fn kill_9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        self.kill_9();
        kill_pid(&self.pid);
    }
}

fn csv(sb: &Sandbox, rows: usize) -> PathBuf {
    let path = sb.tmp.path().join("rows.csv");
    let mut text = "date,amount,payee\n".to_string();
    for i in 1..=rows {
        text.push_str(&format!("2026-01-{:02},-{i}.00,Shop {i}\n", 1 + i % 28));
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn kill_pid(pid_file: &Path) {
    if let Ok(pid) = std::fs::read_to_string(pid_file) {
        let _ = std::process::Command::new("kill")
            .arg("-9")
            .arg(pid.trim())
            .stderr(Stdio::null())
            .status();
    }
}

#[test]
fn an_import_of_n_rows_is_ceil_n_over_batch_runs_each_with_lambda_records() {
    let sb = Sandbox::new();
    let dir = sb.tmp.path();
    let (runs, single) = (dir.join("runs"), dir.join("single"));
    config(
        &sb,
        &format!(
            "[[trigger]]\nname = \"batched\"\ncommand = '''cat >> '{}' '''\nbatch_size = 4\n\
             batch_window = 30\nview = \"keys_only\"\n\n\
             [[trigger]]\nname = \"one\"\ncommand = '''cat >> '{}' '''\nview = \"keys_only\"\n",
            runs.display(),
            single.display()
        ),
    );
    ok(&sb, &["triggers"]);
    // The import holds the store and delivers as it exits: full batches at once, the last,
    // partial one when the holder lets go (a window is not waited out by a process leaving).
    ok(&sb, &["import", csv(&sb, 10).to_str().unwrap()]);
    let got: Vec<Vec<u64>> = lines(&runs).iter().map(|l| seqs_in(l)).collect();
    assert_eq!(got, vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8], vec![9, 10]]);
    assert!(lines(&runs).iter().all(|l| l.starts_with("{\"Records\":[")));
    // batch_size 1 keeps the single record, as before.
    let one = lines(&single);
    assert_eq!(one.len(), 10);
    assert!(one.iter().all(|l| l.starts_with("{\"eventID\"")), "{one:?}");
    let h = health_with(&sb, "batched", None);
    assert_eq!(
        (h["delivered"].as_u64(), h["lag_records"].as_u64()),
        (Some(10), Some(0))
    );
}

#[test]
fn kill_9_during_a_batched_delivery_redelivers_the_batch_and_skips_nothing() {
    let sb = Sandbox::new();
    let dir = sb.tmp.path();
    let (runs, first, pid) = (dir.join("runs"), dir.join("first"), dir.join("pid"));
    // Records its input and flags, then the first run hangs (the holder is killed under it).
    let script = dir.join("hook.sh");
    std::fs::write(
        &script,
        format!(
            "input=$(cat)\necho \"$EXPENSE_REDELIVERY $input\" >> '{runs}'\n\
             if [ ! -e '{first}' ]; then touch '{first}'; echo $$ > '{pid}'; exec sleep 60; fi\n",
            runs = runs.display(),
            first = first.display(),
            pid = pid.display()
        ),
    )
    .unwrap();
    config(
        &sb,
        &format!(
            "[[trigger]]\nname = \"log\"\ncommand = \"sh '{}'\"\nbatch_size = 4\n\
             view = \"keys_only\"\ntimeout_secs = 120\n",
            script.display()
        ),
    );
    ok(&sb, &["triggers"]);
    let mut h = Holder::start(&sb, pid.clone());
    ok(&sb, &["import", csv(&sb, 10).to_str().unwrap()]);
    wait_for("the first batch handed over", || pid.exists());
    // SIGKILL while the command holds the batch: no answer was heard.
    h.kill_9();
    kill_pid(&pid);
    // The next holder (this command) delivers again from the checkpoint before it exits.
    ok(&sb, &["triggers"]);
    let got: Vec<(bool, Vec<u64>)> = lines(&runs)
        .iter()
        .map(|l| {
            let (flag, json) = l.split_once(' ').unwrap();
            (flag == "1", seqs_in(json))
        })
        .collect();
    let all: Vec<u64> = got.iter().flat_map(|(_, s)| s.clone()).collect();
    // Each record's first delivery, in order of delivery: every one, none skipped, in order.
    let mut firsts: Vec<u64> = Vec::new();
    for s in &all {
        if !firsts.contains(s) {
            firsts.push(*s);
        }
    }
    assert_eq!(
        firsts,
        (1..=10).collect::<Vec<u64>>(),
        "none skipped: {got:?}"
    );
    let duplicates = all.len() - 10;
    assert!(duplicates >= 1, "the batch in flight came again: {got:?}");
    assert_eq!(got[0], (false, vec![1, 2, 3, 4]));
    assert_eq!(got[1], (true, vec![1, 2, 3, 4]), "marked as a redelivery");
    let h = health_with(&sb, "log", None);
    assert_eq!(h["redelivered"].as_u64(), Some(duplicates as u64), "{h}");
    assert_eq!(
        h["delivered"].as_u64(),
        Some(10),
        "the killed run never counted: {h}"
    );
    assert_eq!(h["lag_records"], 0, "{h}");
}

#[test]
fn records_past_max_record_age_go_to_the_dead_letters_instead_of_firing() {
    let sb = Sandbox::new();
    let runs = sb.tmp.path().join("runs");
    config(
        &sb,
        &format!(
            "[[trigger]]\nname = \"notify\"\ncommand = '''echo run >> '{}'; echo down >&2; exit 1'''\n\
             max_record_age = 60\nmax_attempts = 50\nbackoff_ms = 60000\n",
            runs.display()
        ),
    );
    ok(&sb, &["triggers"]);
    ok(&sb, &["add", "12", "food!"]);
    assert_eq!(
        lines(&runs).len(),
        1,
        "one failed attempt, the retry a minute away"
    );
    // Two hours on, the retry comes due, but the record is too old to fire.
    let later = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let out = sb
        .cmd(&["list"])
        .env("EXPENSE_NOW", &later)
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = sb
        .cmd(&["triggers"])
        .env("EXPENSE_NOW", &later)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(lines(&runs).len(), 1, "not run again");
    assert!(text.contains("older than max_record_age (60 s)"), "{text}");
    assert!(
        text.contains("it was failing: exit status 1: down"),
        "{text}"
    );
    let h = health_with(&sb, "notify", Some(&later));
    assert_eq!(
        (h["dead_letters"].as_u64(), h["lag_records"].as_u64()),
        (Some(1), Some(0))
    );
}

#[test]
fn the_lag_of_a_failing_trigger_keeps_growing() {
    let sb = Sandbox::new();
    config(
        &sb,
        "[[trigger]]\nname = \"stuck\"\ncommand = \"exit 1\"\nmax_attempts = 100\n\
         backoff_ms = 300000\n",
    );
    ok(&sb, &["triggers"]);
    ok(&sb, &["add", "12", "food!"]);
    let now = health_with(&sb, "stuck", None);
    assert_eq!(now["lag_records"], 1, "{now}");
    assert!(now["lag_seconds"].as_i64().unwrap() < 3600, "{now}");
    let later = (chrono::Utc::now() + chrono::Duration::hours(3)).to_rfc3339();
    let h = health_with(&sb, "stuck", Some(&later));
    assert_eq!(h["lag_records"], 1, "{h}");
    assert!(h["lag_seconds"].as_i64().unwrap() >= 3 * 3600, "{h}");
    assert!(h["attempts"].as_u64().unwrap() >= 1, "{h}");
    let text = String::from_utf8(
        sb.cmd(&["triggers"])
            .env("EXPENSE_NOW", &later)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(text.contains("1 rec, 108"), "{text}");
}

#[test]
fn a_hanging_trigger_never_holds_up_a_fast_one() {
    let sb = Sandbox::new();
    let dir = sb.tmp.path();
    let (slow_in, pid, fast) = (dir.join("slow"), dir.join("pid"), dir.join("fast"));
    config(
        &sb,
        &format!(
            "[[trigger]]\nname = \"slow\"\ncommand = '''cat >> '{}'; echo $$ > '{}'; exec sleep 30'''\n\
             timeout_secs = 60\n\n\
             [[trigger]]\nname = \"fast\"\ncommand = '''cat >> '{}' '''\n",
            slow_in.display(),
            pid.display(),
            fast.display()
        ),
    );
    ok(&sb, &["triggers"]);
    let _holder = Holder::start(&sb, pid.clone());
    for i in 1..=3 {
        ok(&sb, &["add", &format!("{i}"), "food!"]);
    }
    wait_for("the fast trigger's three records", || {
        lines(&fast).len() == 3
    });
    // The slow one is still in its first run: one record in, its sleep alive.
    assert_eq!(lines(&slow_in).len(), 1);
    let alive = std::process::Command::new("kill")
        .args(["-0", std::fs::read_to_string(&pid).unwrap().trim()])
        .status()
        .unwrap();
    assert!(alive.success(), "the slow command is still running");
    let slow = health_with(&sb, "slow", None);
    assert_eq!(slow["lag_records"], 3, "{slow}");
    assert_eq!(health_with(&sb, "fast", None)["lag_records"], 0);
}

#[test]
fn a_trigger_that_runs_expense_itself_is_delivered_once_and_the_add_returns() {
    let sb = Sandbox::new();
    let dir = sb.tmp.path();
    let (runs, listed, other) = (dir.join("runs"), dir.join("listed"), dir.join("other"));
    // The other store has no triggers (with this config its own copy would trigger a copy,
    // forever, as a Lambda writing to its own table does).
    let plain = dir.join("plain-config");
    std::fs::create_dir(&plain).unwrap();
    config(
        &sb,
        &format!(
            "[[trigger]]\nname = \"report\"\ncommand = '''\
             '{bin}' --data-dir '{data}' list --json > '{listed}' && \
             EXPENSE_CONFIG_DIR='{plain}' '{bin}' --data-dir '{other}' add 1 copied! && \
             echo \"$EXPENSE_SEQ $EXPENSE_REDELIVERY\" >> '{runs}' '''\nevents = [\"INSERT\"]\n\
             origins = [\"user\"]\n",
            bin = bin(),
            data = sb.data.display(),
            listed = listed.display(),
            other = other.display(),
            plain = plain.display(),
            runs = runs.display()
        ),
    );
    ok(&sb, &["triggers"]);
    // No session open: the add holds the store, and its trigger's `expense list` reaches it
    // through the add's own socket while the add delivers.
    let add = quiet(sb.cmd(&["add", "12.50", "food!", "@Lidl"]));
    let out = returns(add, "expense add");
    assert!(out.status.success());
    assert_eq!(lines(&runs), vec!["1 0".to_string()], "delivered once");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&listed).unwrap()).unwrap();
    assert_eq!(v[0]["payee"], "Lidl", "the trigger saw the store: {v}");
    // Two adds at once (one serves the other): each record once, both return.
    let a = quiet(sb.cmd(&["add", "1", "food"]));
    let b = quiet(sb.cmd(&["add", "2", "food"]));
    assert!(returns(a, "the first add").status.success());
    assert!(returns(b, "the second add").status.success());
    // The next holder finds nothing in flight: no redelivery.
    ok(&sb, &["triggers"]);
    let mut got = lines(&runs);
    got.sort();
    assert_eq!(got, vec!["1 0", "2 0", "3 0"], "each once, none again");
    let h = health_with(&sb, "report", None);
    assert_eq!(
        (h["delivered"].as_u64(), h["redelivered"].as_u64()),
        (Some(3), Some(0))
    );
    let copies = sb.cmd_at(&other, &["list", "--json"]).output().unwrap();
    let copies: serde_json::Value = serde_json::from_slice(&copies.stdout).unwrap();
    assert_eq!(
        copies.as_array().map(Vec::len),
        Some(3),
        "an add to another store, each run"
    );
}

#[test]
fn with_a_tui_open_a_trigger_running_expense_is_delivered_once() {
    let sb = Sandbox::new();
    let dir = sb.tmp.path();
    let (runs, listed) = (dir.join("runs"), dir.join("listed"));
    config(
        &sb,
        &format!(
            "[[trigger]]\nname = \"report\"\ncommand = '''\
             '{bin}' --data-dir '{data}' report > '{listed}' && \
             echo \"$EXPENSE_SEQ $EXPENSE_REDELIVERY\" >> '{runs}' '''\n",
            bin = bin(),
            data = sb.data.display(),
            listed = listed.display(),
            runs = runs.display()
        ),
    );
    ok(&sb, &["triggers"]);
    let mut t = common::Tui::start(&sb, 100, 30);
    t.wait_for("No expenses", common::TIMEOUT);
    // From another shell: the TUI serves the add, its dispatcher runs the trigger, whose
    // `expense report` the TUI serves too.
    let add = quiet(sb.cmd(&["add", "7", "food!"]));
    assert!(returns(add, "expense add").status.success());
    wait_for("the delivery", || lines(&runs).len() == 1);
    t.quit();
    ok(&sb, &["triggers"]);
    assert_eq!(
        lines(&runs),
        vec!["1 0".to_string()],
        "once, not again after the TUI left"
    );
    assert!(std::fs::read_to_string(&listed).unwrap().contains("7.00"));
}
