//! `expense stream --format dynamodb` read by the real consumers of DynamoDB Streams: boto3's
//! `TypeDeserializer`, aws-lambda-powertools' `DynamoDBStreamEvent` and its pydantic
//! `DynamoDBStreamModel` (`tests/py/consume_stream.py`), over a store that holds every kind of
//! record the binary writes today: add, edit, delete to the trash, trash restore, purge, TTL
//! expiry (an injected clock, `EXPENSE_NOW`, a month on), CSV import, undo and redo, budgets, a
//! category rename, schedules (made, posting, moved by the rename, removed) and the expenses
//! they post. A trigger with `format = "dynamodb"` receives byte for byte the records the stream
//! prints.
//!
//! Python comes from the virtual environment `.ci/run` makes (`EXPENSE_TEST_PYTHON`, else
//! `target/py-venv/bin/python`). Without it the test says why on stderr and fails when `CI` or
//! `EXPENSE_TEST_PYTHON` is set, else passes, so a plain `cargo test` on a fresh checkout still
//! runs.

mod common;

use common::Sandbox;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Command, Output};

const DAY0: &str = "2026-12-01T10:00:00Z";
/// A month on: the trashed expense has expired (30 days).
const DAY31: &str = "2027-01-01T10:00:00Z";
const REGION: &str = "eu-west-1";

/// The Python with boto3, powertools and pydantic, or why there is none.
fn python() -> Result<PathBuf, String> {
    let (path, from) = match std::env::var_os("EXPENSE_TEST_PYTHON") {
        Some(p) => (PathBuf::from(p), "EXPENSE_TEST_PYTHON"),
        None => (
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/py-venv/bin/python"),
            "the default venv",
        ),
    };
    if !path.exists() {
        return Err(format!("no Python at {} ({from})", path.display()));
    }
    let probe = Command::new(&path)
        .args([
            "-c",
            "import boto3, pydantic, aws_lambda_powertools.utilities.parser.models",
        ])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", path.display()))?;
    if !probe.status.success() {
        return Err(format!(
            "{} lacks boto3, pydantic or aws-lambda-powertools: {}",
            path.display(),
            String::from_utf8_lossy(&probe.stderr).trim()
        ));
    }
    Ok(path)
}

fn run(sb: &Sandbox, now: &str, args: &[&str]) -> Output {
    let out = sb.cmd(args).env("EXPENSE_NOW", now).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json_of(sb: &Sandbox, now: &str, args: &[&str]) -> Value {
    serde_json::from_slice(&run(sb, now, args).stdout).unwrap()
}

fn add(sb: &Sandbox, words: &[&str]) -> String {
    let mut args = vec!["add", "--json"];
    args.extend_from_slice(words);
    json_of(sb, DAY0, &args)["id"].as_str().unwrap().to_string()
}

fn lines(o: &Output) -> Vec<String> {
    String::from_utf8(o.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Recurring expenses (made through the library: the CLI that makes them is another room):
/// rent from 1 November, posting by itself (the next command's open posts November and
/// December, origin `schedule`, and 1 January a month on), a canteen pass that asks first
/// (moved by the rename below, a MODIFY with origin `rename`), and one removed at once.
fn make_schedules(sb: &Sandbox) {
    use expense_tracker::domain::schedule::{End, Every, MonthDay, Rule, Schedule};
    use expense_tracker::domain::{Currency, Draft};
    use expense_tracker::store::{new_schedule_id, Origin, Store};
    let store = Store::open(&sb.data.join("store")).unwrap();
    let day = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(DAY0)
        .unwrap()
        .timestamp_millis();
    let draft = |date, amount, category: &str, payee: &str| Draft {
        date,
        amount,
        currency: Currency::EUR,
        category: category.into(),
        payee: payee.into(),
        note: String::new(),
        tags: Vec::new(),
        kind: expense_tracker::domain::Kind::Expense,
    };
    let mut rent = Schedule::new(
        new_schedule_id(),
        draft(day(11, 1), 95_000, "housing", "Landlord"),
        Rule::new(day(11, 1), Every::Months(1, MonthDay::Day(1)), End::Never).unwrap(),
        false,
    );
    rent.template.tags = vec!["home".into(), "fixed".into()];
    rent.template.note = "flat \"3b\"".into();
    store.save_schedule(&rent, Origin::User, at).unwrap();
    let canteen = Schedule::new(
        new_schedule_id(),
        draft(day(11, 30), 650, "food:canteen", ""),
        Rule::new(day(11, 30), Every::Weeks(1), End::After(8)).unwrap(),
        true,
    );
    store.save_schedule(&canteen, Origin::User, at).unwrap();
    let mut gone = Schedule::new(
        new_schedule_id(),
        draft(day(12, 24), 1000, "gifts", "Shop"),
        Rule::new(day(12, 24), Every::Years(1), End::On(day(12, 31))).unwrap(),
        false,
    );
    gone.template.currency = Currency::parse("JPY").unwrap();
    let made = store.save_schedule(&gone, Origin::User, at).unwrap();
    store.remove_schedule(made.id, 1, Origin::User, at).unwrap();
}

/// The store's schedules as the plain format writes their images.
fn schedule_rows(sb: &Sandbox) -> Value {
    let store = expense_tracker::store::Store::open(&sb.data.join("store")).unwrap();
    let rows: Vec<_> = store
        .schedules()
        .unwrap()
        .iter()
        .map(expense_tracker::domain::schedule_row::ScheduleRow::of)
        .collect();
    serde_json::to_value(rows).unwrap()
}

/// A store holding every kind of record, with a `format = "dynamodb"` trigger that appends
/// what it receives to `trigger.ndjson`.
fn store_with_every_kind_of_record() -> Sandbox {
    let sb = Sandbox::new();
    let received = sb.tmp.path().join("trigger.ndjson");
    std::fs::write(
        sb.config.join("config.toml"),
        format!(
            "[stream]\nregion = \"{REGION}\"\n\n[[trigger]]\nname = \"lambda\"\n\
             command = \"cat >> '{}'\"\nformat = \"dynamodb\"\n",
            received.display()
        ),
    )
    .unwrap();
    let lidl = add(
        &sb,
        &["12.50", "food!", "@Lidl", "#weekly", "#shop", "2026-12-01"],
    );
    add(&sb, &["3", "tea!", "2026-12-01"]);
    make_schedules(&sb);
    add(&sb, &["1000", "JPY", "travel!", "@Hotel", "2026-12-01"]);
    add(&sb, &["0.005", "KWD", "fees!", "2026-12-01"]);
    add(&sb, &["+2500", "salary!", "@ACME", "2026-12-01"]);
    // A refund: a negative amount, a negative `N` in the images.
    add(&sb, &["--", "-4.50", "tea", "2026-12-01"]);
    run(
        &sb,
        DAY0,
        &[
            "edit",
            &lidl,
            "--amount",
            "13",
            "--note",
            "with \"quotes\" \\ and é",
        ],
    );
    // Deleted to the trash, and left there to expire (TTL) on DAY31.
    let expires = add(&sb, &["4.20", "snacks!", "@Kiosk", "2026-12-01"]);
    run(&sb, DAY0, &["rm", &expires]);
    // Deleted and restored from the trash.
    let restored = add(&sb, &["8", "books!", "2026-12-01"]);
    run(&sb, DAY0, &["rm", &restored]);
    run(&sb, DAY0, &["trash", "restore", &restored]);
    // Deleted and purged.
    let purged = add(&sb, &["9", "junk!", "2026-12-01"]);
    run(&sb, DAY0, &["rm", &purged]);
    run(&sb, DAY0, &["trash", "purge", &purged]);
    // An import, undone and redone; then one edit undone.
    let csv = sb.tmp.path().join("bank.csv");
    std::fs::write(
        &csv,
        "date,amount,payee,category\n2026-12-01,-21.40,Cafe,food\n2026-12-01,-5,Bakery,food\n",
    )
    .unwrap();
    run(&sb, DAY0, &["import", csv.to_str().unwrap()]);
    run(&sb, DAY0, &["undo"]);
    run(&sb, DAY0, &["redo"]);
    run(&sb, DAY0, &["edit", &lidl, "--payee", "Lidl City"]);
    run(&sb, DAY0, &["undo"]);
    // Budgets are items too: set, changed, one undone, one removed.
    run(&sb, DAY0, &["budget", "set", "food", "300"]);
    run(&sb, DAY0, &["budget", "set", "food", "250.50"]);
    run(
        &sb,
        DAY0,
        &["budget", "set", "travel", "5000", "--currency", "JPY"],
    );
    run(&sb, DAY0, &["undo"]);
    run(&sb, DAY0, &["budget", "set", "tea", "20"]);
    run(&sb, DAY0, &["budget", "rm", "tea"]);
    // A category renamed with its budget: MODIFYs and the budget's REMOVE and INSERT, origin
    // `rename`, one batch.
    run(&sb, DAY0, &["categories", "rename", "food", "meals"]);
    // A month on, the first command sweeps the expired expense.
    run(&sb, DAY31, &["list", "--month", "2026-12"]);
    sb
}

#[test]
fn real_dynamodb_consumers_read_every_kind_of_record() {
    let sb = store_with_every_kind_of_record();
    let dynamodb = run(
        &sb,
        DAY31,
        &[
            "stream",
            "--format",
            "dynamodb",
            "--view",
            "new_and_old_images",
        ],
    );
    let plain: Vec<Value> = lines(&run(&sb, DAY31, &["stream"]))
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The store holds what the test claims: each kind of change, each origin.
    let kinds: std::collections::BTreeSet<(String, String)> = plain
        .iter()
        .map(|r| {
            (
                r["eventName"].as_str().unwrap().to_string(),
                r["origin"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (event, origin) in [
        ("INSERT", "user"),
        ("MODIFY", "user"),
        ("INSERT", "import"),
        ("REMOVE", "undo"),
        ("INSERT", "redo"),
        ("MODIFY", "undo"),
        ("REMOVE", "ttl"),
        ("REMOVE", "user"),
        ("MODIFY", "rename"),
        ("INSERT", "rename"),
        ("REMOVE", "rename"),
        ("INSERT", "schedule"),
        ("MODIFY", "schedule"),
    ] {
        assert!(
            kinds.contains(&(event.to_string(), origin.to_string())),
            "no {event} by {origin} in {kinds:?}"
        );
    }
    let ttl_removals = plain
        .iter()
        .filter(|r| r["eventName"] == "REMOVE" && r["origin"] == "ttl")
        .count();
    // Schedules are items of their own key space: made, stepped on by postings, moved by the
    // rename, removed; the occurrences they post are ordinary expense INSERTs.
    let schedule_events: std::collections::BTreeSet<(String, String)> = plain
        .iter()
        .filter(|r| {
            r["dynamodb"]["Keys"]["id"]
                .as_str()
                .unwrap()
                .starts_with("schedule:")
        })
        .map(|r| {
            (
                r["eventName"].as_str().unwrap().to_string(),
                r["origin"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for want in [
        ("INSERT", "user"),
        ("MODIFY", "schedule"),
        ("MODIFY", "rename"),
        ("REMOVE", "user"),
    ] {
        assert!(
            schedule_events.contains(&(want.0.to_string(), want.1.to_string())),
            "no schedule {want:?} in {schedule_events:?}"
        );
    }
    let posted: Vec<&Value> = plain
        .iter()
        .filter(|r| r["eventName"] == "INSERT" && r["origin"] == "schedule")
        .collect();
    assert_eq!(posted.len(), 3, "rent for November, December and January");
    assert!(posted
        .iter()
        .all(|r| r["dynamodb"]["NewImage"]["payee"] == "Landlord"
            && r["dynamodb"]["NewImage"].get("type").is_none()));

    // A trigger in the DynamoDB format gets the very same bytes.
    let received = std::fs::read_to_string(sb.tmp.path().join("trigger.ndjson")).unwrap();
    let received: Vec<&str> = received.lines().collect();
    assert_eq!(
        received,
        lines(&dynamodb),
        "trigger records != stream records"
    );

    let info = String::from_utf8(run(&sb, DAY31, &["stream", "--info"]).stdout).unwrap();
    let label = info
        .lines()
        .find_map(|l| l.strip_prefix("label "))
        .unwrap()
        .to_string();
    // The rent posted for November and January lives in those months.
    let items: Vec<Value> = ["2026-11", "2026-12", "2027-01"]
        .iter()
        .flat_map(|m| {
            let rows = json_of(&sb, DAY31, &["list", "--json", "--month", m]);
            rows.as_array().unwrap().clone()
        })
        .collect();
    let expect = json!({
        "region": REGION,
        "label": label,
        "plain": plain,
        "items": items,
        "trash": json_of(&sb, DAY31, &["trash", "list", "--json"]),
        "budgets": json_of(&sb, DAY31, &["budget", "list", "--json"]),
        "schedules": schedule_rows(&sb),
        "ttl_removals": ttl_removals,
    });
    let python = match python() {
        Ok(p) => p,
        Err(why) => {
            let why = format!(
                "the real DynamoDB consumers cannot run: {why}. .ci/run makes their venv: \
                 python3 -m venv target/py-venv && target/py-venv/bin/pip install -r \
                 tests/py/requirements.txt"
            );
            let required = std::env::var_os("CI").is_some()
                || std::env::var_os("EXPENSE_TEST_PYTHON").is_some();
            assert!(
                !required,
                "{why} (CI or EXPENSE_TEST_PYTHON is set: no skipping)"
            );
            eprintln!("dynamodb_consumers: SKIPPED: {why}");
            return;
        }
    };
    let stream_file = sb.tmp.path().join("stream.ndjson");
    let expect_file = sb.tmp.path().join("expect.json");
    std::fs::write(&stream_file, &dynamodb.stdout).unwrap();
    std::fs::write(&expect_file, serde_json::to_vec(&expect).unwrap()).unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/py/consume_stream.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(&stream_file)
        .arg(&expect_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the consumers refused the records:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_checkpoint_from_before_a_restore_is_refused_and_prints_nothing() {
    let sb = Sandbox::new();
    add(&sb, &["1", "tea!"]);
    add(&sb, &["2", "tea!"]);
    let first: Value = serde_json::from_str(&lines(&run(&sb, DAY0, &["stream"]))[0]).unwrap();
    // The plain eventID up to its last `-` is the record's checkpoint, LABEL/SEQ.
    let checkpoint = first["eventID"]
        .as_str()
        .unwrap()
        .rsplit_once('-')
        .unwrap()
        .0;
    let (old_label, _) = checkpoint.split_once('/').unwrap();
    let after = lines(&run(&sb, DAY0, &["stream", "--since", checkpoint]));
    assert_eq!(after.len(), 1, "{after:?}");

    // A restore starts a new stream: the old checkpoint means nothing in it.
    let file = sb.tmp.path().join("b.jsonl");
    run(&sb, DAY0, &["backup", file.to_str().unwrap()]);
    run(
        &sb,
        DAY0,
        &["restore", file.to_str().unwrap(), "--force-live"],
    );
    let info = String::from_utf8(run(&sb, DAY0, &["stream", "--info"]).stdout).unwrap();
    let new_label = info.lines().find_map(|l| l.strip_prefix("label ")).unwrap();
    assert_ne!(new_label, old_label);
    for format in ["plain", "dynamodb"] {
        for extra in [&[][..], &["--allow-gaps"][..]] {
            let mut args = vec!["stream", "--format", format, "--since", checkpoint];
            args.extend_from_slice(extra);
            let out = sb.cmd(&args).env("EXPENSE_NOW", DAY0).output().unwrap();
            assert_eq!(out.status.code(), Some(1), "{args:?}");
            assert!(out.stdout.is_empty(), "{args:?} printed records");
            let err = String::from_utf8_lossy(&out.stderr);
            for needle in [
                format!("from stream {old_label}"),
                format!("this store's stream is {new_label}"),
                "a restore started a new stream".to_string(),
                "ExpiredIteratorException".to_string(),
            ] {
                assert!(err.contains(&needle), "{needle:?} not in {err}");
            }
        }
    }
    // The new stream's own checkpoints work.
    let since = format!("{new_label}/0");
    assert_eq!(
        lines(&run(&sb, DAY0, &["stream", "--since", &since])).len(),
        2
    );
    let bad = sb.cmd(&["stream", "--since", "x/y"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("a checkpoint is LABEL/SEQ"));
}
