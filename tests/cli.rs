//! The headless commands, run as the real binary with assert_cmd.

mod common;

use assert_cmd::Command;
use chrono::Datelike;
use common::{is_root, this_month, Sandbox};
use serde_json::Value;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

fn run(sb: &Sandbox, args: &[&str]) -> Command {
    Command::from_std(sb.cmd(args))
}

/// A sandbox whose store holds `expense demo --count 500`.
fn demo_store() -> Sandbox {
    let sb = Sandbox::new();
    run(&sb, &["demo", "--count", "500"]).assert().success();
    sb
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

fn stderr_of_failure(cmd: &mut Command) -> String {
    let out = cmd.assert().failure().get_output().stderr.clone();
    let err = String::from_utf8(out).unwrap();
    assert!(
        !err.contains("panicked"),
        "panic instead of a message:\n{err}"
    );
    err
}

fn json(sb: &Sandbox, args: &[&str]) -> Vec<Value> {
    let mut a = vec!["list", "--json"];
    a.extend_from_slice(args);
    serde_json::from_str(&stdout(&mut run(sb, &a))).unwrap()
}

/// The most recent month (this one or up to a year back) that has rows.
fn busy_month(sb: &Sandbox) -> (String, Vec<Value>) {
    let mut d = chrono::Local::now().date_naive();
    for _ in 0..12 {
        let m = d.format("%Y-%m").to_string();
        let rows = json(sb, &["--month", &m]);
        if rows.len() >= 5 {
            return (m, rows);
        }
        d = d.with_day0(0).unwrap().pred_opt().unwrap();
    }
    panic!("demo data has no month with rows in the last year");
}

#[test]
fn list_json_shape() {
    let sb = demo_store();
    let (month, rows) = busy_month(&sb);
    let keys = [
        "id", "date", "amount", "currency", "category", "payee", "note", "tags", "kind", "version",
    ];
    let mut ids = std::collections::HashSet::new();
    let mut last_date = String::new();
    for r in &rows {
        let obj = r.as_object().expect("each item is an object");
        let mut got: Vec<&str> = obj.keys().map(String::as_str).collect();
        got.sort_unstable();
        let mut want = keys.to_vec();
        want.sort_unstable();
        assert_eq!(got, want, "{r}");
        let id = r["id"].as_str().unwrap();
        assert_eq!(id.len(), 26, "ULID text: {id}");
        assert!(ids.insert(id.to_string()), "duplicate id {id}");
        let date = r["date"].as_str().unwrap();
        assert!(
            date.starts_with(&format!("{month}-")),
            "{date} not in {month}"
        );
        assert!(
            chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
            "{date}"
        );
        assert!(
            date >= last_date.as_str(),
            "not in date order: {date} after {last_date}"
        );
        last_date = date.to_string();
        let amount = r["amount"].as_str().expect("amount is a string");
        assert!(
            !amount.starts_with('-') && amount.parse::<f64>().is_ok_and(|a| a > 0.0),
            "amount {amount}"
        );
        let cur = r["currency"].as_str().unwrap();
        assert!(
            cur.len() == 3 && cur.chars().all(|c| c.is_ascii_uppercase()),
            "{cur}"
        );
        if cur == "EUR" {
            let (_, cents) = amount.split_once('.').expect("EUR has cents");
            assert_eq!(cents.len(), 2, "{amount}");
        }
        assert!(!r["category"].as_str().unwrap().is_empty());
        assert!(r["payee"].is_string() && r["note"].is_string());
        assert!(r["tags"].as_array().unwrap().iter().all(Value::is_string));
        assert!(
            matches!(r["kind"].as_str(), Some("expense" | "income")),
            "{r}"
        );
        assert!(r["version"].as_u64().is_some_and(|v| v >= 1), "{r}");
    }
}

#[test]
fn list_csv_header_and_rows() {
    let sb = demo_store();
    let (month, rows) = busy_month(&sb);
    let csv = stdout(&mut run(&sb, &["list", "--month", &month, "--csv"]));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("id,date,amount,currency,category,payee,note,tags,kind,version")
    );
    // Every JSON row is in the CSV, by id (quoted fields may hold commas, ids never do).
    let body = lines.collect::<Vec<_>>().join("\n");
    for r in &rows {
        assert!(
            body.contains(r["id"].as_str().unwrap()),
            "{r} missing from CSV"
        );
    }
    assert_eq!(csv.lines().count(), rows.len() + 1, "one line per row");
    // --json and --csv together are refused.
    let err = stderr_of_failure(&mut run(&sb, &["list", "--json", "--csv"]));
    assert!(err.contains("--csv") || err.contains("--json"), "{err}");
}

#[test]
fn list_category_includes_subcategories_only() {
    let sb = demo_store();
    let (month, all) = busy_month(&sb);
    let food = json(&sb, &["--month", &month, "--category", "food"]);
    assert!(!food.is_empty(), "demo month {month} has no food");
    for r in &food {
        let c = r["category"].as_str().unwrap();
        assert!(
            c == "food" || c.starts_with("food:"),
            "{c} under --category food"
        );
    }
    let expected = all
        .iter()
        .filter(|r| {
            let c = r["category"].as_str().unwrap();
            c == "food" || c.starts_with("food:")
        })
        .count();
    assert_eq!(food.len(), expected, "--category food misses rows");
    // A prefix that is not a whole segment matches nothing ("foo" is not "food").
    assert!(json(&sb, &["--month", &month, "--category", "foo"]).is_empty());
}

#[test]
fn bad_month_is_named_and_changes_nothing() {
    let sb = demo_store();
    let before = json(&sb, &["--month", &this_month()]);
    let err = stderr_of_failure(&mut run(&sb, &["list", "--month", "2026-13"]));
    assert!(
        err.contains("2026-13"),
        "message does not name the month:\n{err}"
    );
    let after = json(&sb, &["--month", &this_month()]);
    assert_eq!(before, after);
}

/// A bad argument is rejected before anything is created on disk.
#[test]
fn bad_month_on_a_fresh_dir_creates_nothing() {
    let sb = Sandbox::new();
    let err = stderr_of_failure(&mut run(&sb, &["list", "--month", "2026-13"]));
    assert!(err.contains("2026-13"), "{err}");
    assert!(!sb.data.exists(), "{} was created", sb.data.display());
}

#[test]
fn demo_refuses_a_non_empty_store() {
    let sb = demo_store();
    let before = stdout(&mut run(&sb, &["list", "--json", "--month", &this_month()]));
    let err = stderr_of_failure(&mut run(&sb, &["demo", "--count", "10"]));
    assert!(err.contains("empty"), "{err}");
    let after = stdout(&mut run(&sb, &["list", "--json", "--month", &this_month()]));
    assert_eq!(before, after, "demo wrote into a non-empty store");
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn data_dir_permissions() {
    let sb = demo_store();
    assert_eq!(mode(&sb.data), 0o700, "{}", sb.data.display());
    let store = sb.data.join("store");
    assert_eq!(mode(&store), 0o700, "{}", store.display());
    let mut stack = vec![store];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let md = std::fs::symlink_metadata(&p).unwrap();
            if md.is_dir() {
                assert_eq!(mode(&p), 0o700, "{}", p.display());
                stack.push(p);
            } else {
                assert_eq!(md.permissions().mode() & 0o7777, 0o600, "{}", p.display());
                files += 1;
            }
        }
    }
    assert!(files > 0, "the store holds no files");
}

#[test]
fn loose_permissions_are_tightened_on_open() {
    let sb = demo_store();
    let store = sb.data.join("store");
    let conf = store.join("conf");
    let f = if conf.exists() {
        conf
    } else {
        std::fs::read_dir(&store)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path()
    };
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o755)).unwrap();
    if f.is_file() {
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    run(&sb, &["list", "--json"]).assert().success();
    assert_eq!(mode(&store), 0o700);
    if f.is_file() {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
}

/// Runs `expense --data-dir <parent>/data list` with `parent` at 0500. Root ignores permissions,
/// so as root the command runs as `nobody` (uid/gid 65534) over a tree chowned to it.
#[test]
fn read_only_parent_is_named() {
    let sb = Sandbox::new();
    let parent = sb.tmp.path().join("ro");
    std::fs::create_dir(&parent).unwrap();
    let data = parent.join("data");
    let mut cmd = std::process::Command::new(common::bin());
    cmd.arg("--data-dir").arg(&data).args(["list", "--json"]);
    common::scrub(&mut cmd, &sb.config);
    if is_root() {
        use std::os::unix::process::CommandExt;
        let nobody = 65534;
        // The binary must be reachable by nobody, or we cannot test this as root.
        let reachable = Path::new(common::bin())
            .ancestors()
            .all(|p| std::fs::metadata(p).is_ok_and(|m| m.mode() & 0o001 != 0));
        if !reachable {
            eprintln!("skipped: running as root and the binary is not reachable by nobody");
            return;
        }
        for p in [sb.tmp.path(), &sb.config, &parent] {
            std::os::unix::fs::chown(p, Some(nobody), Some(nobody)).unwrap();
        }
        cmd.uid(nobody).gid(nobody).current_dir("/");
    }
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o500)).unwrap();
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o700)).unwrap();
    eprintln!("read-only parent: {err}");
    assert!(
        !out.status.success(),
        "succeeded on a read-only parent:\n{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains(&data.display().to_string()) || err.contains(&parent.display().to_string()),
        "message does not name the path {}:\n{err}",
        data.display()
    );
    assert!(!data.exists());
}

#[test]
fn broken_config_names_the_line() {
    let sb = Sandbox::new();
    let cfg = sb.config.join("config.toml");
    std::fs::write(&cfg, "currency = \"EUR\"\nmonth_start_day = = 3\n").unwrap();
    let err = stderr_of_failure(&mut run(&sb, &["list", "--json"]));
    assert!(
        err.contains("line 2"),
        "message does not name line 2:\n{err}"
    );
    assert!(
        err.contains("config.toml"),
        "message does not name the file:\n{err}"
    );
    // The config is read before the store is touched.
    assert!(!sb.data.exists());
}

#[test]
fn add_edit_rm_undo_from_the_shell() {
    let sb = Sandbox::new();
    // On a new store the first category is simply new: there is nothing to mistype it against.
    let out = stdout(&mut run(&sb, &["add", "--dry-run", "12.50", "groceries"]));
    assert!(out.contains("12.50 EUR groceries"), "{out}");
    // --dry-run stores nothing: it does not even create the store.
    let out = stdout(&mut run(
        &sb,
        &["add", "--dry-run", "12.50", "food:groceries!", "@Lidl"],
    ));
    assert!(
        out.contains("would add:") && out.contains("12.50 EUR food:groceries @Lidl"),
        "{out}"
    );
    assert!(!sb.data.exists(), "a dry run created {}", sb.data.display());
    // --json prints the stored row.
    let added: Value = serde_json::from_str(&stdout(&mut run(
        &sb,
        &[
            "add",
            "--json",
            "12.50",
            "food:groceries!",
            "@Lidl",
            "#weekly",
            "team lunch",
        ],
    )))
    .unwrap();
    assert_eq!(added["amount"], "12.50");
    assert_eq!(added["note"], "team lunch");
    let id = added["id"].as_str().unwrap().to_string();
    // A known category by prefix; income with '+'.
    let out = stdout(&mut run(&sb, &["add", "+2500", "salary!"]));
    assert!(out.contains("+2,500.00 EUR salary"), "{out}");
    let out = stdout(&mut run(&sb, &["add", "3", "groc"]));
    assert!(out.contains("food:groceries"), "{out}");
    // Once categories exist, an unknown one without '!' is refused and nothing is stored.
    let before = json(&sb, &[]).len();
    let err = stderr_of_failure(&mut run(&sb, &["add", "12.50", "xyzzy"]));
    assert!(
        err.contains("word 2 'xyzzy'") && err.contains("unknown category"),
        "{err}"
    );
    assert_eq!(json(&sb, &[]).len(), before);
    // edit, then rm, then undo brings it back, undo again reverts the edit.
    let out = stdout(&mut run(
        &sb,
        &["edit", &id, "--amount", "13", "--tags", "a b"],
    ));
    assert!(
        out.contains("13.00 EUR") && out.contains("version 2"),
        "{out}"
    );
    let err = stderr_of_failure(&mut run(&sb, &["edit", &id, "--date", "2023-02-30"]));
    assert!(err.contains("2023-02-30"), "{err}");
    stdout(&mut run(&sb, &["rm", &id]));
    assert!(json(&sb, &[]).iter().all(|r| r["id"] != id.as_str()));
    stdout(&mut run(&sb, &["undo"])); // the rm is the latest change
    let row = json(&sb, &[])
        .into_iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap();
    assert_eq!(row["amount"], "13.00");
    stdout(&mut run(&sb, &["undo"]));
    let row = json(&sb, &[])
        .into_iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap();
    assert_eq!(row["amount"], "12.50");
    let err = stderr_of_failure(&mut run(&sb, &["rm", "not-an-id"]));
    assert!(err.contains("not-an-id"), "{err}");
}

#[test]
fn completions_for_each_shell_touch_no_store() {
    let sb = Sandbox::new();
    for (shell, marker) in [
        ("bash", "_expense()"),
        ("zsh", "#compdef expense"),
        ("fish", "complete -c expense"),
    ] {
        let out = stdout(&mut run(&sb, &["completions", shell]));
        assert!(
            out.contains(marker),
            "{shell}: {}",
            &out[..out.len().min(200)]
        );
        assert!(
            out.contains("list") && out.contains("add"),
            "{shell} completes subcommands"
        );
    }
    assert!(!sb.data.exists(), "completions created the data dir");
    let err = stderr_of_failure(&mut run(&sb, &["completions", "tcsh"]));
    assert!(err.contains("tcsh"), "{err}");
}

/// A reader that stops early (`expense completions bash | head -2`) ends the command quietly:
/// no panic, no backtrace, exit 0 (the script is larger than a pipe holds, so the write meets
/// the closed pipe).
#[test]
fn completions_into_a_pipe_closed_early_end_quietly() {
    use std::io::Read;
    let sb = Sandbox::new();
    let mut child = sb
        .cmd(&["completions", "bash"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is dropped here, as `head` exits.
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {err}", out.status);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(&first[..10], b"_expense()");
}
