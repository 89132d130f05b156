//! Issue 12, items 5 and 10 through the binary: date formats with times, a bad config value
//! named by file:line:key, options among `add`'s words, `--`, two-word payees, broken pipes and a
//! read command on a data dir with no store.

mod common;

use common::{fails, list_json, ok, Sandbox};
use std::io::Read;
use std::process::Stdio;

fn add(sb: &Sandbox, words: &[&str]) -> String {
    let mut args = vec!["add"];
    args.extend_from_slice(words);
    ok(sb.cmd(&args).output().unwrap())
}

#[test]
fn a_date_format_with_a_time_imports_the_date() {
    let sb = Sandbox::new();
    let csv = sb.tmp.path().join("t.csv");
    std::fs::write(
        &csv,
        "date,amount,payee\n2026-03-01 23:59:58,-4.50,Coffee\n",
    )
    .unwrap();
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %T"] {
        let out = sb
            .cmd(&[
                "import",
                csv.to_str().unwrap(),
                "--date-format",
                fmt,
                "--dry-run",
            ])
            .output()
            .unwrap();
        ok(out);
    }
    for fmt in ["%H:%M:%S", "%z", "%s %Q"] {
        let out = sb
            .cmd(&["import", csv.to_str().unwrap(), "--date-format", fmt])
            .output()
            .unwrap();
        let err = fails(out);
        assert!(
            err.contains("--date-format") && !err.contains("panick"),
            "{err}"
        );
    }
}

#[test]
fn a_bad_profile_date_format_names_file_line_and_key_without_panic() {
    let sb = Sandbox::new();
    add(&sb, &["5", "food!"]);
    let cfg = sb.config.join("config.toml");
    std::fs::write(&cfg, "[import.profiles.bank]\n\ndate_format = \"%H:%M\"\n").unwrap();
    let err = fails(sb.cmd(&["list"]).output().unwrap());
    assert!(
        err.contains("config.toml:3: import.profiles.bank.date_format") && !err.contains("panick"),
        "{err}"
    );
    std::fs::write(
        &cfg,
        "[import.profiles.bank]\ndate_format = \"%Y-%m-%d %T\"\n",
    )
    .unwrap();
    ok(sb.cmd(&["list"]).output().unwrap());
}

#[test]
fn options_may_come_among_the_words() {
    let sb = Sandbox::new();
    let out = add(&sb, &["5", "food!", "--json"]);
    let row: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(row["category"], "food");
    let out = add(&sb, &["--new-category", "12.50", "--dry-run", "drinks"]);
    assert!(
        out.starts_with("would add:") && out.contains("drinks"),
        "{out}"
    );
    assert_eq!(list_json(&sb, &[]).len(), 1, "--dry-run stored nothing");
    // `--` ends the options: what follows is a word, here one the grammar refuses.
    let err = fails(
        sb.cmd(&["add", "5", "food", "--", "--json"])
            .output()
            .unwrap(),
    );
    assert!(err.contains("'--json'"), "{err}");
    // A relative day still reads as a word, not an option.
    let out = add(&sb, &["5", "food", "-2", "--dry-run"]);
    assert!(out.starts_with("would add:"), "{out}");
    let err = fails(sb.cmd(&["add", "5", "food", "--jsn"]).output().unwrap());
    assert!(err.contains("--jsn"), "{err}");
}

#[test]
fn a_payee_of_two_words() {
    let sb = Sandbox::new();
    add(&sb, &["5", "food!", "@Cafe Central"]);
    add(&sb, &["6", "food", "--payee", "Corner Shop", "\"a note\""]);
    let rows = list_json(&sb, &[]);
    let mut payees: Vec<&str> = rows.iter().map(|r| r["payee"].as_str().unwrap()).collect();
    payees.sort();
    assert_eq!(payees, ["Cafe Central", "Corner Shop"]);
    assert!(rows.iter().all(|r| r["note"] != "Cafe Central"));
}

#[test]
fn broken_pipes_end_quietly() {
    let sb = Sandbox::new();
    ok(sb.cmd(&["demo"]).output().unwrap());
    for args in [
        &["export", "--format", "csv"][..],
        &["export", "--format", "json"],
        &["export", "--format", "ledger"],
        &["list", "--csv"],
        &["stream"],
        &["history"],
    ] {
        let mut child = sb
            .cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 1];
        let _ = child.stdout.take().unwrap().read(&mut first); // then closed
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(status.success(), "{args:?}: {status} {err}");
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
    }
}

#[test]
fn a_read_command_on_a_missing_store_creates_nothing() {
    let sb = Sandbox::new();
    let typo = sb.tmp.path().join("typo");
    for args in [
        &["list"][..],
        &["report"],
        &["export", "--format", "csv"],
        &["history"],
        &["stream"],
        &["trash", "list"],
        &["budget", "list"],
        &["check"],
    ] {
        let err = fails(sb.cmd_at(&typo, args).output().unwrap());
        assert!(
            err.contains("no store at") && err.contains("add ...` creates one"),
            "{args:?}: {err}"
        );
        assert!(!typo.exists(), "{args:?} created {}", typo.display());
    }
    add(&sb, &["5", "food!"]);
    ok(sb.cmd(&["list"]).output().unwrap());
}

/// A backup file that is not there is named as a backup (not "the store"), and the OS reason is
/// printed once.
#[test]
fn a_missing_backup_file_is_named_and_its_reason_printed_once() {
    let sb = Sandbox::new();
    let missing = sb.tmp.path().join("no-such-backup.jsonl");
    let to = sb.tmp.path().join("restored");
    for args in [
        vec!["backup", "--verify", missing.to_str().unwrap()],
        vec![
            "restore",
            missing.to_str().unwrap(),
            "--to",
            to.to_str().unwrap(),
        ],
    ] {
        let e = fails(sb.cmd(&args).output().unwrap());
        assert!(
            e.contains("no-such-backup.jsonl: cannot open it: No such file or directory")
                && !e.contains("cannot use the store"),
            "{e}"
        );
        assert_eq!(e.matches("os error 2").count(), 1, "{e}");
    }
    assert!(!to.exists(), "nothing created");
}

/// A config file that is a link to `/dev/zero`, or far too large, is refused at once with its
/// path, not read without end.
#[test]
fn a_config_that_never_ends_is_refused() {
    let sb = Sandbox::new();
    let config = sb.tmp.path().join("cfg");
    std::fs::create_dir_all(&config).unwrap();
    std::os::unix::fs::symlink("/dev/zero", config.join("config.toml")).unwrap();
    let e = fails(
        sb.cmd(&["list"])
            .env("EXPENSE_CONFIG_DIR", &config)
            .output()
            .unwrap(),
    );
    assert!(e.contains("config.toml: it is not a regular file"), "{e}");
    std::fs::remove_file(config.join("config.toml")).unwrap();
    std::fs::write(config.join("config.toml"), vec![b'#'; 2 << 20]).unwrap();
    let e = fails(
        sb.cmd(&["list"])
            .env("EXPENSE_CONFIG_DIR", &config)
            .output()
            .unwrap(),
    );
    assert!(e.contains("config.toml: it is larger than 1 MiB"), "{e}");
}
