//! Schedules (recurring expenses) as the binary's readers of the change stream see them, the
//! way a person runs it: the history and its undo/redo lines, `history schedule:ID`, the stream
//! in both formats and every view, a category rename that moves a schedule, a backup and its
//! restore (from the file and at a time), and `check`. The schedule is made through the
//! library (the command that makes one is another room's); every other step is the binary,
//! with the clock set by `EXPENSE_NOW`, and each command's open runs the posting pass.

mod common;

use common::{ok, Sandbox};
use expense_tracker::domain::schedule::{End, Every, MonthDay, Rule, Schedule};
use expense_tracker::domain::{Currency, Draft, Kind};
use expense_tracker::store::{new_schedule_id, Origin, Store};
use serde_json::Value;

/// 15 December 2026: rent of 1 November and 1 December has fallen due.
const NOW: &str = "2026-12-15T10:00:00Z";

fn run(sb: &Sandbox, args: &[&str]) -> String {
    ok(sb.cmd(args).env("EXPENSE_NOW", NOW).output().unwrap())
}

fn day(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A store with one expense and a rent schedule from 1 November (nothing posted yet: the
/// library does not run the posting pass); the schedule's id.
fn store_with_rent(sb: &Sandbox) -> String {
    run(sb, &["add", "4.50", "food!", "@Deli", "2026-12-02"]);
    let store = Store::open(&sb.data.join("store")).unwrap();
    let draft = Draft {
        date: day(2026, 11, 1),
        amount: 95_000,
        currency: Currency::EUR,
        category: "housing:rent".into(),
        payee: "Landlord".into(),
        note: String::new(),
        tags: vec!["home".into()],
        kind: Kind::Expense,
    };
    let rule = Rule::new(
        day(2026, 11, 1),
        Every::Months(1, MonthDay::Day(1)),
        End::Never,
    )
    .unwrap();
    let s = Schedule::new(new_schedule_id(), draft, rule, false);
    let at = chrono::DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .timestamp_millis();
    store
        .save_schedule(&s, Origin::User, at)
        .unwrap()
        .id
        .to_string()
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn history_undo_and_redo_read_as_the_schedule() {
    let sb = Sandbox::new();
    let id = store_with_rent(&sb);
    // This command's open posts November and December, one batch.
    let history = run(&sb, &["history"]);
    let lines: Vec<&str> = history.lines().collect();
    assert!(
        lines[0]
            .contains("schedule 950.00 EUR housing:rent @Landlord: next 2026-11-01 → 2027-01-01"),
        "{history}"
    );
    assert!(
        history.contains(
            "schedule 950.00 EUR housing:rent @Landlord: every month on the 1st from 2026-11-01"
        ),
        "{history}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.ends_with("INSERT  schedule  950.00 EUR housing:rent @Landlord"))
            .count(),
        2,
        "the two posted expenses: {history}"
    );
    assert_eq!(
        run(&sb, &["undo"]).trim(),
        "Undid: posting of 2 recurring expenses (1 schedule set back)"
    );
    // The redo's own open steps the schedule past the occurrences in the trash first; the
    // redo brings them back all the same.
    assert_eq!(
        run(&sb, &["redo"]).trim(),
        "Redid: posting of 2 recurring expenses (1 schedule moved on)"
    );
    let list: Value =
        serde_json::from_str(&run(&sb, &["list", "--json", "--month", "2026-11"])).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Undo, undo: the posting, then (past the opens' steps) the schedule's making, then the
    // expense before it.
    run(&sb, &["undo"]);
    let made = run(&sb, &["undo"]);
    assert!(
        made.starts_with("Undid: add schedule 950.00 EUR housing:rent @Landlord"),
        "{made}"
    );
    assert_eq!(run(&sb, &["undo"]).trim(), "Undid: add 4.50 EUR food @Deli");
    // The schedule's own history, by its stream key.
    let own = run(&sb, &["history", &format!("schedule:{id}")]);
    assert!(own.lines().count() >= 5, "{own}");
    assert!(
        own.lines()
            .next()
            .unwrap()
            .contains("schedule removed: 950.00 EUR"),
        "{own}"
    );
    assert!(run(&sb, &["check", "--stream"]).contains("consistent"));
}

#[test]
fn the_stream_keys_a_schedule_by_its_id_in_every_view_and_format() {
    let sb = Sandbox::new();
    let id = store_with_rent(&sb);
    let key = format!("schedule:{id}");
    for format in ["plain", "dynamodb"] {
        for view in ["keys_only", "new_image", "old_image", "new_and_old_images"] {
            let recs = json_lines(&run(&sb, &["stream", "--format", format, "--view", view]));
            let of_schedule: Vec<&Value> = recs
                .iter()
                .filter(|r| {
                    let k = &r["dynamodb"]["Keys"]["id"];
                    k.as_str() == Some(key.as_str()) || k["S"].as_str() == Some(key.as_str())
                })
                .collect();
            assert_eq!(of_schedule.len(), 2, "{format} {view}: made and stepped on");
            let posting = of_schedule[1];
            let new = &posting["dynamodb"]["NewImage"];
            assert_eq!(!new.is_null(), view.contains("new"), "{format} {view}");
            if new.is_null() {
                continue;
            }
            let (ty, next) = if format == "plain" {
                (new["type"].clone(), new["next"].clone())
            } else {
                (new["type"]["S"].clone(), new["next"]["S"].clone())
            };
            assert_eq!(
                (ty.as_str(), next.as_str()),
                (Some("schedule"), Some("2027-01-01"))
            );
            assert_eq!(posting["origin"], "schedule");
        }
    }
    // The expenses it posted are ordinary expense INSERTs, origin schedule.
    let recs = json_lines(&run(&sb, &["stream"]));
    let posted: Vec<&Value> = recs
        .iter()
        .filter(|r| r["origin"] == "schedule" && r["eventName"] == "INSERT")
        .collect();
    assert_eq!(posted.len(), 2);
    assert!(posted
        .iter()
        .all(|r| r["dynamodb"]["NewImage"]["category"] == "housing:rent"
            && r["dynamodb"]["NewImage"].get("type").is_none()));
}

#[test]
fn a_rename_moves_the_schedule_and_a_restore_keeps_it() {
    let sb = Sandbox::new();
    store_with_rent(&sb);
    let dry = run(
        &sb,
        &["categories", "rename", "housing", "home", "--dry-run"],
    );
    assert!(
        dry.contains("1 schedule moves along (its future occurrences post to home)"),
        "{dry}"
    );
    let done = run(&sb, &["categories", "rename", "housing", "home"]);
    assert!(
        done.contains("Renamed housing → home: 2 expenses, schedule moved"),
        "{done}"
    );
    let file = sb.tmp.path().join("b.jsonl");
    let f = file.to_str().unwrap();
    let backup = run(&sb, &["backup", f]);
    assert!(backup.contains("0 budgets, 1 schedule,"), "{backup}");
    assert!(run(&sb, &["backup", "--verify", f]).contains("1 schedule"));
    // From the file, and at a time (the store as it is now).
    for (what, args) in [
        ("file", vec!["restore", f]),
        ("at", vec!["restore", "--at", "2030-01-01 00:00"]),
    ] {
        let to = sb.tmp.path().join(what);
        let mut args = args.clone();
        let to_text = to.to_str().unwrap().to_string();
        args.extend(["--to", &to_text]);
        let out = run(&sb, &args);
        assert!(
            out.contains("restored 3 expenses, 0 budgets, 1 schedule"),
            "{what}: {out}"
        );
        let r = ok(sb
            .cmd_at(&to, &["check", "--stream"])
            .env("EXPENSE_NOW", NOW)
            .output()
            .unwrap());
        assert!(r.contains("consistent"), "{what}: {r}");
        // Nothing is posted again in the restored store; it posts on from January.
        let stream = ok(sb
            .cmd_at(&to, &["stream"])
            .env("EXPENSE_NOW", "2027-01-02T10:00:00Z")
            .output()
            .unwrap());
        let posted: Vec<Value> = json_lines(&stream)
            .into_iter()
            .filter(|r| r["origin"] == "schedule" && r["eventName"] == "INSERT")
            .collect();
        assert_eq!(posted.len(), 1, "{what}: only January");
        assert_eq!(posted[0]["dynamodb"]["NewImage"]["date"], "2027-01-01");
        assert_eq!(posted[0]["dynamodb"]["NewImage"]["category"], "home:rent");
    }
    // One undo takes the rename back, the schedule with it.
    let undo = run(&sb, &["undo"]);
    assert_eq!(
        undo.trim(),
        "Undid: rename housing → home (2 expenses, schedule moved)"
    );
    let s = Store::open(&sb.data.join("store")).unwrap();
    assert_eq!(s.schedules().unwrap()[0].template.category, "housing:rent");
}
