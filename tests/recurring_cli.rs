//! `expense recurring` and `expense upcoming` through the real binary (assert_cmd), with the
//! clock set by `EXPENSE_NOW`: schedules made, listed (table and JSON), edited for the future
//! only, paused and resumed (the pause skipped), occurrences skipped, moved, waiting for a
//! confirmation and posted; what fell due posted at the next open, once, and said on stderr
//! (never in JSON on stdout); the month-end rule; bad input named and nothing changed.

mod common;

use assert_cmd::Command;
use common::Sandbox;
use serde_json::Value;

/// `expense ARGS` at the instant `now` (an RFC 3339 time or a day's local midnight).
fn at(sb: &Sandbox, now: &str, args: &[&str]) -> Command {
    let mut c = sb.cmd(args);
    c.env("EXPENSE_NOW", now);
    Command::from_std(c)
}

/// Stdout and stderr of a command that must succeed.
fn ok(sb: &Sandbox, now: &str, args: &[&str]) -> (String, String) {
    let out = at(sb, now, args).assert().success().get_output().clone();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Stdout of a command that must succeed.
fn out(sb: &Sandbox, now: &str, args: &[&str]) -> String {
    ok(sb, now, args).0
}

/// Stderr of a command that must fail with exit status `code`.
fn refused(sb: &Sandbox, now: &str, args: &[&str], code: i32) -> String {
    let out = at(sb, now, args).assert().code(code).get_output().clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    err
}

fn json(sb: &Sandbox, now: &str, args: &[&str]) -> Value {
    serde_json::from_str(&out(sb, now, args)).unwrap()
}

/// Every expense's (date, amount, payee), by date.
fn expenses(sb: &Sandbox, now: &str) -> Vec<(String, String, String)> {
    let rows = json(sb, now, &["export", "--format", "json"]);
    let mut v: Vec<(String, String, String)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["date"].as_str().unwrap().to_string(),
                r["amount"].as_str().unwrap().to_string(),
                r["payee"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// The schedules as `recurring list --json` gives them.
fn schedules(sb: &Sandbox, now: &str) -> Vec<Value> {
    json(sb, now, &["recurring", "list", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

/// The id of the only schedule whose payee is `payee`.
fn id_of(sb: &Sandbox, now: &str, payee: &str) -> String {
    let all = schedules(sb, now);
    let found: Vec<&Value> = all.iter().filter(|s| s["payee"] == payee).collect();
    assert_eq!(found.len(), 1, "{payee}: {all:?}");
    found[0]["id"].as_str().unwrap().to_string()
}

/// The keys of a JSON object, sorted.
fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

/// How many changes the history holds (nothing changed: the same count).
fn stream_len(sb: &Sandbox, now: &str) -> usize {
    out(sb, now, &["history", "--limit", "100000"])
        .lines()
        .count()
}

const DAY: &str = "2027-01-10T10:00:00Z";

/// `expense recurring add 950 rent! @Landlord --every month --on 1` at `now`: its stdout.
fn rent(sb: &Sandbox, now: &str) -> String {
    let args = "recurring add 950 rent! @Landlord --every month --on 1";
    out(sb, now, &args.split(' ').collect::<Vec<_>>())
}

#[test]
fn a_schedule_is_made_listed_and_shown_as_json() {
    let sb = Sandbox::new();
    let made = rent(&sb, DAY);
    assert!(
        made.starts_with("added schedule 7ZZ")
            && made.contains("950.00 EUR rent @Landlord, every month on the 1st from 2027-01-10"),
        "{made}"
    );
    assert!(
        made.contains("next: 2027-02-01, 2027-03-01, 2027-04-01"),
        "{made}"
    );
    // `--every 2 weeks` (two values) with a weekday, and a word after the unit that is the
    // expense's (`--every week @Gym`).
    let gym = out(
        &sb,
        DAY,
        &[
            "recurring",
            "add",
            "15",
            "gym!",
            "--every",
            "2",
            "weeks",
            "--on",
            "fri",
        ],
    );
    assert!(
        gym.contains("every 2 weeks on Friday from 2027-01-15"),
        "{gym}"
    );
    let pool = out(
        &sb,
        DAY,
        &["recurring", "add", "4", "gym", "--every", "week", "@Pool"],
    );
    assert!(pool.contains("4.00 EUR gym @Pool, every week on"), "{pool}");
    // A refund and an income, in the words of `expense add`.
    out(
        &sb,
        DAY,
        &[
            "recurring",
            "add",
            "-12.50",
            "gym",
            "@Cashback",
            "--every",
            "month",
        ],
    );
    out(
        &sb,
        DAY,
        &[
            "recurring",
            "add",
            "+2500",
            "salary!",
            "@Employer",
            "--every",
            "month",
            "--on",
            "last",
            "--count",
            "12",
        ],
    );

    let all = schedules(&sb, DAY);
    assert_eq!(all.len(), 5);
    let rent = all.iter().find(|s| s["payee"] == "Landlord").unwrap();
    assert_eq!(
        keys(rent),
        [
            "amount", "category", "confirm", "currency", "ended", "id", "kind", "next", "note",
            "paused", "payee", "rule", "short_id", "tags", "version", "waiting"
        ]
    );
    assert_eq!(rent["amount"], "950.00");
    assert_eq!(rent["next"], "2027-02-01");
    assert_eq!(
        rent["rule"],
        serde_json::json!({"every": 1, "unit": "months", "on": 1, "start": "2027-01-10",
            "until": null, "count": null, "text": "every month on the 1st from 2027-01-10"})
    );
    let id = rent["id"].as_str().unwrap();
    let short = rent["short_id"].as_str().unwrap();
    assert!(id.starts_with(short) && short.len() >= 8, "{short} {id}");
    let salary = all.iter().find(|s| s["payee"] == "Employer").unwrap();
    assert_eq!(
        (salary["kind"].as_str(), salary["rule"]["on"].as_str()),
        (Some("income"), Some("last"))
    );
    assert_eq!(salary["rule"]["count"], 12);
    let cashback = all.iter().find(|s| s["payee"] == "Cashback").unwrap();
    assert_eq!(cashback["amount"], "-12.50");
    let pool = all.iter().find(|s| s["payee"] == "Pool").unwrap();
    assert_eq!(pool["rule"]["on"], "sunday", "2027-01-10 is a Sunday");

    // The table: one line per schedule under a header, ids as short as they are unique.
    let table = out(&sb, DAY, &["recurring", "list"]);
    assert!(table.starts_with("ID "), "{table}");
    let line = table
        .lines()
        .find(|l| l.starts_with(&format!("{short} ")))
        .unwrap();
    assert!(
        line.contains(" 2027-02-01 ") && line.contains("every month on the 1st"),
        "{table}"
    );
    assert!(table.contains("5 schedules"), "{table}");
    // What falls today was posted at once: the weekly one from today, the monthly refund.
    assert_eq!(
        expenses(&sb, DAY),
        [
            ("2027-01-10".into(), "-12.50".into(), "Cashback".into()),
            ("2027-01-10".into(), "4.00".into(), "Pool".into()),
        ]
    );
}

#[test]
fn monthly_on_the_31st_posts_on_the_last_day_of_shorter_months_and_never_drifts() {
    let sb = Sandbox::new();
    out(
        &sb,
        "2027-01-05",
        &[
            "recurring",
            "add",
            "9.99",
            "music!",
            "@Spotify",
            "--every",
            "month",
            "--on",
            "31",
        ],
    );
    // The laptop was off until 1 June 2028: every month since is posted at the open, said once.
    let later = "2028-06-01T09:00:00Z";
    let (_, err) = ok(&sb, later, &["list", "--json"]);
    assert!(
        err.contains("Posted 17 recurring expenses (Spotify ×17); undo takes them back"),
        "{err}"
    );
    let dates: Vec<String> = expenses(&sb, later).into_iter().map(|e| e.0).collect();
    assert_eq!(
        dates,
        [
            "2027-01-31",
            "2027-02-28",
            "2027-03-31",
            "2027-04-30",
            "2027-05-31",
            "2027-06-30",
            "2027-07-31",
            "2027-08-31",
            "2027-09-30",
            "2027-10-31",
            "2027-11-30",
            "2027-12-31",
            "2028-01-31",
            "2028-02-29",
            "2028-03-31",
            "2028-04-30",
            "2028-05-31",
        ]
    );
    let (_, again) = ok(&sb, later, &["list"]);
    assert!(!again.contains("Posted"), "said once: {again}");
    assert_eq!(expenses(&sb, later).len(), 17, "posted once");
    assert!(out(&sb, later, &["check"]).contains("consistent"));
}

#[test]
fn the_open_posts_what_fell_due_and_says_so_on_stderr_not_in_json() {
    let sb = Sandbox::new();
    rent(&sb, DAY);
    // Read-only commands hold the store too: `list --json` posts February and March.
    let (stdout, stderr) = ok(&sb, "2027-03-02", &["list", "--json", "--month", "2027-03"]);
    let rows: Value = serde_json::from_str(&stdout).expect("stdout is JSON only");
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(
        stderr.trim(),
        "expense: note: Posted 2 recurring expenses (Landlord ×2); undo takes them back"
    );
    // The history says where they came from; one undo takes the batch back.
    let history = out(&sb, "2027-03-02", &["history", "--limit", "3"]);
    assert!(history.contains("schedule"), "{history}");
    let undone = out(&sb, "2027-03-02", &["undo"]);
    assert!(undone.starts_with("Undid"), "{undone}");
    assert!(expenses(&sb, "2027-03-02").is_empty());
    // And they are not posted again: they are in the trash, the poster steps past them.
    let (_, err) = ok(&sb, "2027-03-02", &["list"]);
    assert!(!err.contains("Posted"), "{err}");
    assert!(expenses(&sb, "2027-03-02").is_empty());
    assert!(out(&sb, "2027-03-02", &["check"]).contains("consistent"));
}

#[test]
fn edits_change_what_comes_never_what_was_posted() {
    let sb = Sandbox::new();
    rent(&sb, "2027-01-01T10:00:00Z");
    let now = "2027-03-10T10:00:00Z";
    let id = id_of(&sb, now, "Landlord");
    // January to March were posted at this open.
    assert_eq!(expenses(&sb, now).len(), 3);
    let saved = out(
        &sb,
        now,
        &[
            "recurring",
            "edit",
            &id[..10],
            "--amount",
            "1000",
            "--on",
            "15",
        ],
    );
    assert!(
        saved.contains("saved schedule") && saved.contains("1,000.00 EUR rent @Landlord"),
        "{saved}"
    );
    // The new rule starts after the last day handled (1 March): 15 March comes next.
    assert!(saved.contains("next: 2027-03-15, 2027-04-15"), "{saved}");
    let posted = expenses(&sb, now);
    assert!(
        posted.iter().all(|e| e.1 == "950.00"),
        "posted ones stay: {posted:?}"
    );
    let later = "2027-05-20T10:00:00Z";
    let e = expenses(&sb, later);
    assert_eq!(
        e[3..],
        [
            ("2027-03-15".into(), "1000.00".into(), "Landlord".into()),
            ("2027-04-15".into(), "1000.00".into(), "Landlord".into()),
            ("2027-05-15".into(), "1000.00".into(), "Landlord".into()),
        ]
    );
    // Nothing to change is said, not stored.
    let err = refused(&sb, later, &["recurring", "edit", &id], 1);
    assert!(err.contains("nothing to change"), "{err}");
    let unchanged = out(&sb, later, &["recurring", "edit", &id, "--amount", "1000"]);
    assert!(unchanged.starts_with("unchanged"), "{unchanged}");
    // An end: --count, then --forever.
    let ended = out(
        &sb,
        later,
        &["recurring", "edit", &id, "--until", "2027-06-30"],
    );
    assert!(ended.contains("until 2027-06-30"), "{ended}");
    assert!(ended.contains("next: 2027-06-15\n"), "{ended}");
    let again = out(&sb, later, &["recurring", "edit", &id, "--forever"]);
    assert!(!again.contains("until"), "{again}");
}

#[test]
fn pause_resume_skip_move_and_remove() {
    let sb = Sandbox::new();
    let start = "2027-01-01T10:00:00Z";
    out(
        &sb,
        start,
        &[
            "recurring",
            "add",
            "20",
            "gym!",
            "@Gym",
            "--every",
            "week",
            "--start",
            "2027-01-04",
        ],
    );
    let id = id_of(&sb, start, "Gym");
    // Skip the next one (4 January), move the one of the 11th to the 12th.
    let skipped = out(&sb, start, &["recurring", "skip", &id]);
    assert!(skipped.starts_with("skipped 2027-01-04"), "{skipped}");
    let moved = out(
        &sb,
        start,
        &["recurring", "move", &id, "2027-01-11", "--to", "2027-01-12"],
    );
    assert!(moved.contains("next: 2027-01-12, 2027-01-18"), "{moved}");
    // A move past a neighbour keeps the order: refused, nothing changed.
    let before = stream_len(&sb, start);
    let err = refused(
        &sb,
        start,
        &["recurring", "move", &id, "2027-01-18", "--to", "2027-01-26"],
        1,
    );
    assert!(
        err.contains("--to 2027-01-26") && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(stream_len(&sb, start), before);
    // Skip a day that is not an occurrence: refused.
    let err = refused(&sb, start, &["recurring", "skip", &id, "2027-01-19"], 1);
    assert!(err.contains("no occurrence on 2027-01-19"), "{err}");

    let mid = "2027-01-20T10:00:00Z";
    assert_eq!(
        expenses(&sb, mid),
        [
            ("2027-01-12".into(), "20.00".into(), "Gym".into()),
            ("2027-01-18".into(), "20.00".into(), "Gym".into()),
        ]
    );
    let paused = out(&sb, mid, &["recurring", "pause", &id]);
    assert!(paused.contains("paused schedule"), "{paused}");
    assert!(schedules(&sb, mid)[0]["paused"] == true);
    // Paused: three weeks pass, nothing is posted, nothing is upcoming.
    let late = "2027-02-08T10:00:00Z";
    assert_eq!(expenses(&sb, late).len(), 2);
    assert!(out(&sb, late, &["upcoming"]).starts_with("nothing recurring falls due"));
    // Resumed on a Monday: the three that fell in the pause are skipped; today's is posted.
    let resumed = out(&sb, late, &["recurring", "resume", &id]);
    assert!(
        resumed.contains("skipped 2 occurrences that fell in the pause: 2027-01-25, 2027-02-01"),
        "{resumed}"
    );
    assert!(
        resumed.contains("Posted 1 recurring expense (Gym)"),
        "{resumed}"
    );
    assert_eq!(expenses(&sb, late).len(), 3);
    // Removed: what it posted stays; undo brings the schedule back.
    let removed = out(&sb, late, &["recurring", "rm", &id]);
    assert!(removed.contains("the expenses it posted stay"), "{removed}");
    assert!(schedules(&sb, late).is_empty());
    assert_eq!(expenses(&sb, late).len(), 3);
    out(&sb, late, &["undo"]);
    assert_eq!(schedules(&sb, late).len(), 1);
    assert!(out(&sb, late, &["check"]).contains("consistent"));
}

#[test]
fn confirmed_schedules_wait_in_the_due_list_to_be_posted_or_skipped() {
    let sb = Sandbox::new();
    out(
        &sb,
        "2027-01-01T10:00:00Z",
        &[
            "recurring",
            "add",
            "60",
            "phone!",
            "@Telco",
            "--every",
            "month",
            "--on",
            "last",
            "--confirm",
        ],
    );
    let now = "2027-03-05T10:00:00Z";
    // Nothing posts by itself; the open says what waits.
    let (_, err) = ok(&sb, now, &["list"]);
    assert!(
        err.contains("2 recurring expenses wait for confirmation: expense recurring due"),
        "{err}"
    );
    assert!(expenses(&sb, now).is_empty());
    let due = json(&sb, now, &["recurring", "due", "--json"]);
    let dates: Vec<&str> = due
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2027-01-31", "2027-02-28"]);
    assert!(due[0]["due"] == true && due[0]["confirm"] == true);
    let table = out(&sb, now, &["recurring", "due"]);
    assert!(table.contains("2 waiting"), "{table}");
    // The upcoming list shows them first, then what is to come.
    let up = json(&sb, now, &["upcoming", "--days", "31", "--json"]);
    let up: Vec<(&str, bool)> = up
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["date"].as_str().unwrap(), r["due"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        up,
        [
            ("2027-01-31", true),
            ("2027-02-28", true),
            ("2027-03-31", false)
        ]
    );
    let id = id_of(&sb, now, "Telco");
    // Post the first with another amount; skip the second.
    let posted = out(&sb, now, &["recurring", "post", &id, "--amount", "61.20"]);
    assert!(
        posted.starts_with("posted: 2027-01-31 61.20 EUR phone @Telco"),
        "{posted}"
    );
    let skipped = out(&sb, now, &["recurring", "skip", &id, "2027-02-28"]);
    assert!(skipped.starts_with("skipped 2027-02-28"), "{skipped}");
    assert!(out(&sb, now, &["recurring", "due"]).contains("nothing waits"));
    assert_eq!(
        expenses(&sb, now),
        [("2027-01-31".into(), "61.20".into(), "Telco".into())]
    );
    // Posting it again is refused: it was handled.
    let err = refused(&sb, now, &["recurring", "post", &id, "2027-01-31"], 1);
    assert!(err.contains("already posted or skipped"), "{err}");
    // From now on it posts by itself.
    let later = "2027-04-02T10:00:00Z";
    out(&sb, later, &["recurring", "edit", &id, "--no-confirm"]);
    assert_eq!(expenses(&sb, later).len(), 2);
}

#[test]
fn upcoming_shows_the_days_ahead_as_table_and_json() {
    let sb = Sandbox::new();
    out(
        &sb,
        DAY,
        &[
            "recurring",
            "add",
            "5",
            "coffee!",
            "@Cafe",
            "--every",
            "3",
            "days",
            "--start",
            "tomorrow",
        ],
    );
    let rows = json(&sb, DAY, &["upcoming", "--days", "10", "--json"]);
    let rows = rows.as_array().unwrap();
    let dates: Vec<&str> = rows.iter().map(|r| r["date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2027-01-11", "2027-01-14", "2027-01-17"]);
    assert_eq!(
        keys(&rows[0]),
        [
            "amount", "category", "confirm", "currency", "date", "due", "kind", "note", "payee",
            "schedule", "short_id", "tags"
        ]
    );
    let table = out(&sb, DAY, &["upcoming"]);
    assert!(table.starts_with("DATE"), "{table}");
    assert!(
        table.contains("10 occurrences from 2027-01-10 to 2027-02-08"),
        "{table}"
    );
    let err = refused(&sb, DAY, &["upcoming", "--days", "0"], 2);
    assert!(err.contains("--days"), "{err}");
}

#[test]
fn bad_rules_name_their_option_and_change_nothing() {
    let sb = Sandbox::new();
    // Before any store: nothing is created.
    for (args, says) in [
        (
            vec!["--every", "month", "--on", "0"],
            "--on '0': day 0 is not a day of the month",
        ),
        (
            vec!["--every", "month", "--on", "32"],
            "--on '32': day 32 is not a day of the month",
        ),
        (
            vec!["--every", "0", "months"],
            "--every '0 months': a schedule repeats every 1 or more months",
        ),
        (
            vec![
                "--every",
                "month",
                "--start",
                "2027-05-01",
                "--until",
                "2027-04-01",
            ],
            "--until '2027-04-01': the schedule ends (2027-04-01) before it starts (2027-05-01)",
        ),
        (
            vec!["--every", "month", "--count", "0"],
            "--count 0: a schedule that ends after 0 occurrences",
        ),
        (vec!["--every", "2"], "--every '2': say what"),
        (
            vec!["--every", "lunar"],
            "--every 'lunar': 'lunar' is not a unit",
        ),
        (
            vec!["--every", "week", "--on", "15"],
            "--on '15': a weekly schedule falls on a weekday",
        ),
        (vec![], "--every: say how often"),
    ] {
        let mut a = vec!["recurring", "add", "950", "rent!"];
        a.extend(args);
        let err = refused(&sb, DAY, &a, 1);
        assert!(err.contains(says), "{a:?}: {err}");
    }
    assert!(!sb.data.exists(), "a refused command created the store");
    // clap's own refusals: exit status 2.
    let err = refused(
        &sb,
        DAY,
        &[
            "recurring",
            "add",
            "9",
            "x!",
            "--every",
            "month",
            "--until",
            "2027-05-01",
            "--count",
            "3",
        ],
        2,
    );
    assert!(err.contains("cannot be used with"), "{err}");
    refused(
        &sb,
        DAY,
        &[
            "recurring",
            "add",
            "9",
            "x!",
            "--every",
            "month",
            "--count",
            "-1",
        ],
        2,
    );

    // With a store: an edit's bad rule changes nothing either.
    out(
        &sb,
        DAY,
        &[
            "recurring",
            "add",
            "950",
            "rent!",
            "--every",
            "month",
            "--on",
            "1",
        ],
    );
    out(
        &sb,
        DAY,
        &["recurring", "add", "5", "coffee!", "--every", "day"],
    );
    let before = stream_len(&sb, DAY);
    let list = schedules(&sb, DAY);
    let rent = list.iter().find(|s| s["category"] == "rent").unwrap();
    let id = rent["id"].as_str().unwrap();
    for (args, says) in [
        (vec!["--on", "32"], "--on '32'"),
        (vec!["--every", "0", "weeks"], "--every '0 weeks'"),
        (
            vec!["--until", "2026-01-01"],
            "--until '2026-01-01': the schedule ends (2026-01-01) before it starts",
        ),
        (vec!["--count", "0"], "--count 0"),
    ] {
        let mut a = vec!["recurring", "edit", id];
        a.extend(args);
        let err = refused(&sb, DAY, &a, 1);
        assert!(
            err.contains(says) && err.contains("nothing was changed"),
            "{a:?}: {err}"
        );
    }
    assert_eq!(stream_len(&sb, DAY), before);
    assert_eq!(schedules(&sb, DAY), list);

    // Ids: a start shared by both, one of none, a character ids never have.
    let err = refused(&sb, DAY, &["recurring", "pause", "7ZZ"], 1);
    assert!(
        err.contains("'7ZZ' starts 2 schedule ids; give more of the id"),
        "{err}"
    );
    let err = refused(&sb, DAY, &["recurring", "pause", "01AB"], 1);
    assert!(
        err.contains("no schedule has an id starting with '01AB'"),
        "{err}"
    );
    let err = refused(&sb, DAY, &["recurring", "rm", "7ZZ-"], 1);
    assert!(err.contains("'-' does not occur in ids"), "{err}");
    assert_eq!(stream_len(&sb, DAY), before);
}

#[test]
fn read_only_commands_create_no_store() {
    let sb = Sandbox::new();
    for args in [
        vec!["recurring"],
        vec!["recurring", "list", "--json"],
        vec!["recurring", "due"],
        vec!["upcoming"],
    ] {
        let err = refused(&sb, DAY, &args, 1);
        assert!(err.contains("no store at"), "{args:?}: {err}");
    }
    assert!(!sb.data.join("store").exists());
}
