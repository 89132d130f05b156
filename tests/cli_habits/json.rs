//! `--json` on the commands that change something: budgets, a category rename, the recurring
//! commands, triggers' retry and drop (and the dead letters in the list), backup, restore, demo
//! and `add --dry-run`; each checked for real values, with the field names of the lists.

use super::*;

#[test]
fn budget_set_and_rm_print_json_with_the_fields_of_budget_list() {
    let sb = store();
    let set = json(&sb, &["budget", "set", "food", "300", "--json"]);
    assert_eq!(
        set,
        serde_json::json!({"category": "food", "amount": "300.00", "currency": "EUR",
            "old": null, "changed": true})
    );
    let raised = json(&sb, &["budget", "set", "food", "350.5", "--json"]);
    assert_eq!(raised["amount"], "350.50", "{raised}");
    assert_eq!(raised["old"]["amount"], "300.00");
    assert_eq!(raised["changed"], true);
    let same = json(&sb, &["budget", "set", "food", "350.50", "--json"]);
    assert_eq!(same["changed"], false, "{same}");
    assert_eq!(
        same["old"],
        serde_json::json!({"amount": "350.50", "currency": "EUR"})
    );
    let listed = json(&sb, &["budget", "list", "--json"]);
    for k in ["category", "amount", "currency"] {
        assert_eq!(listed[0][k], same[k], "{k}: the same field as budget list");
    }
    let gone = json(&sb, &["budget", "rm", "food", "--json"]);
    assert_eq!(gone["category"], "food", "{gone}");
    assert_eq!(gone["amount"], Value::Null);
    assert_eq!(gone["old"]["amount"], "350.50");
    assert_eq!(
        json(&sb, &["budget", "list", "--json"]),
        serde_json::json!([])
    );
    // An error stays a sentence on stderr, with nothing on stdout.
    let out = run(&sb, &["budget", "rm", "food", "--json"])
        .assert()
        .failure();
    assert!(out.get_output().stdout.is_empty());
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("no budget for 'food'"), "{err}");
}

#[test]
fn categories_rename_prints_json_also_as_a_dry_run() {
    let sb = store();
    ok(&sb, &["budget", "set", "food", "300"]);
    ok(&sb, &["budget", "set", "fun", "50"]);
    ok(&sb, &["rm", C]);
    let before = listed(&sb);
    let dry = json(
        &sb,
        &["categories", "rename", "food", "fun", "--dry-run", "--json"],
    );
    assert_eq!(dry["dry_run"], true, "{dry}");
    assert_eq!(
        (dry["from"].as_str(), dry["to"].as_str()),
        (Some("food"), Some("fun"))
    );
    assert_eq!(dry["merge"], true);
    assert_eq!(dry["expenses"], 1, "A; C is in the trash");
    assert_eq!(dry["in_trash"], 1);
    assert_eq!(
        dry["budgets"],
        serde_json::json!([{"from": "food", "to": "fun", "amount": "300.00", "currency": "EUR",
            "existing": "50.00", "result": "350.00"}])
    );
    assert_eq!(dry["budget_rule"], "sum");
    assert_eq!(dry["batch"], Value::Null);
    assert_eq!(listed(&sb), before, "a dry run changes nothing");

    let done = json(&sb, &["categories", "rename", "food", "fun", "--json"]);
    assert_eq!(done["dry_run"], false, "{done}");
    assert_eq!(done["expenses"], 1);
    assert_eq!(done["budgets"], dry["budgets"]);
    assert!(done["batch"].as_u64().is_some(), "{done}");
    assert!(
        done["text"]
            .as_str()
            .unwrap()
            .starts_with("Merged food into fun"),
        "{done}"
    );
    let cats: Vec<Value> = listed(&sb)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["category"].clone())
        .collect();
    assert_eq!(cats, ["fun", "fun"]);
    assert_eq!(
        json(&sb, &["budget", "list", "--json"])[0]["amount"],
        "350.00"
    );
}

/// `expense ARGS` at `now`, parsed.
fn json_at(sb: &Sandbox, now: &str, args: &[&str]) -> Value {
    let mut c = sb.cmd(args);
    c.env("EXPENSE_NOW", now);
    let out = Command::from_std(c)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn recurring_changes_print_the_schedule_as_recurring_list_json_has_it() {
    let (sb, rent, gym) = schedules();
    let row_of = |sb: &Sandbox, now: &str, id: &str| -> Value {
        let all = json_at(sb, now, &["recurring", "list", "--json"]);
        all.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let edited = json_now(
        &sb,
        &["recurring", "edit", &rent, "--amount", "1000", "--json"],
    );
    assert_eq!(edited["amount"], "1000.00", "{edited}");
    assert_eq!(
        (edited["changed"].clone(), edited["dropped"].clone()),
        (true.into(), serde_json::json!([]))
    );
    let row = row_of(&sb, NOW, &rent);
    for (k, v) in row.as_object().unwrap() {
        assert_eq!(&edited[k], v, "{k}: the row of recurring list --json");
    }
    // A new rule drops what waited under the old one, and says which days.
    let g = json_now(&sb, &["recurring", "edit", &gym, "--on", "6", "--json"]);
    assert_eq!(
        g["dropped"],
        serde_json::json!(["2026-02-05", "2026-03-05", "2026-04-05"]),
        "{g}"
    );
    assert_eq!(
        (g["rule"]["on"].clone(), g["next"].clone()),
        (6.into(), "2026-05-06".into())
    );

    let p = json_now(&sb, &["recurring", "pause", &rent, "--json"]);
    assert_eq!(
        (p["paused"].clone(), p["changed"].clone()),
        (true.into(), true.into()),
        "{p}"
    );
    let again = json_now(&sb, &["recurring", "pause", &rent, "--json"]);
    assert_eq!(again["changed"], false);
    // Resumed two months on: what fell in the pause is skipped, and named.
    const JUNE: &str = "2026-06-15T10:00:00Z";
    let r = json_at(&sb, JUNE, &["recurring", "resume", &rent, "--json"]);
    assert_eq!(r["paused"], false, "{r}");
    assert_eq!(
        r["skipped"],
        serde_json::json!(["2026-05-01", "2026-06-01"])
    );
    assert_eq!(r["next"], "2026-07-01");

    let s = json_at(&sb, JUNE, &["recurring", "skip", &rent, "--json"]);
    assert_eq!(
        (s["skipped"].clone(), s["next"].clone()),
        ("2026-07-01".into(), "2026-08-01".into()),
        "{s}"
    );
    let m = json_at(
        &sb,
        JUNE,
        &[
            "recurring",
            "move",
            &rent,
            "2026-08-01",
            "--to",
            "2026-08-03",
            "--json",
        ],
    );
    assert_eq!(
        m["moved"],
        serde_json::json!({"from": "2026-08-01", "to": "2026-08-03"}),
        "{m}"
    );
    assert_eq!(m["next"], "2026-08-03");

    // The gym's May occurrence waits; posting it prints the expense and the schedule.
    let posted = json_at(
        &sb,
        JUNE,
        &["recurring", "post", &gym, "--amount", "31", "--json"],
    );
    assert_eq!(posted["date"], "2026-05-06", "{posted}");
    assert_eq!(posted["posted"], true);
    assert_eq!(posted["expense"]["amount"], "31.00");
    assert_eq!(posted["expense"]["date"], "2026-05-06");
    assert_eq!(posted["expense"]["id"], posted["expense_id"]);
    assert_eq!(posted["schedule"]["id"], gym.as_str());
    assert_eq!(
        posted["schedule"]["waiting"],
        serde_json::json!(["2026-06-06"])
    );
    let month = json_at(&sb, JUNE, &["list", "--month", "2026-05", "--json"]);
    assert!(
        month
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == posted["expense_id"]),
        "{month}"
    );

    let removed = json_at(&sb, JUNE, &["recurring", "rm", &rent, "--json"]);
    assert_eq!(
        (removed["id"].as_str(), removed["amount"].as_str()),
        (Some(rent.as_str()), Some("1000.00")),
        "{removed}"
    );
    assert_eq!(row_of(&sb, JUNE, &rent), Value::Null, "removed");
}

#[test]
fn triggers_json_has_the_dead_letters_and_retry_and_drop_print_json() {
    let sb = Sandbox::new();
    let flag = sb.tmp.path().join("healthy");
    std::fs::write(
        sb.config.join("config.toml"),
        format!(
            "[[trigger]]\nname = \"flaky\"\ncommand = \"test -e '{}' || {{ echo nope >&2; exit 1; }}\"\n\
             max_attempts = 1\nbackoff_ms = 10\n",
            flag.display()
        ),
    )
    .unwrap();
    ok(&sb, &["add", "10", "food!"]);
    let seq = json(&sb, &["history", "--json", "--limit", "1"])[0]["seq"].clone();
    let t = json(&sb, &["triggers", "list", "--json"]);
    assert_eq!(t[0]["dead_letters"], 1, "{t}");
    let dead = &t[0]["dead_letter_records"];
    assert_eq!(dead.as_array().map(Vec::len), Some(1), "{t}");
    assert_eq!(dead[0]["seq"], seq);
    assert_eq!(dead[0]["attempts"], 1);
    assert!(dead[0]["error"].as_str().unwrap().contains("nope"), "{t}");
    assert!(dead[0]["at_ms"].as_i64() > Some(0));
    assert_eq!(
        json(&sb, &["triggers", "--json"]),
        t,
        "the same before the subcommand"
    );

    // Still failing: the JSON says so, and the exit status and stderr as without it.
    let out = run(&sb, &["triggers", "retry", "flaky", "--json"])
        .assert()
        .failure();
    let r: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        (r["delivered"].clone(), r["failed"].clone()),
        (0.into(), 1.into()),
        "{r}"
    );
    assert_eq!(r["results"][0]["seq"], seq);
    assert_eq!(r["results"][0]["delivered"], false);
    assert!(r["results"][0]["error"].as_str().unwrap().contains("nope"));
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("failed again"), "{err}");
    std::fs::write(&flag, "").unwrap();
    let r = json(&sb, &["triggers", "retry", "flaky", "--json"]);
    assert_eq!(
        (r["delivered"].clone(), r["failed"].clone()),
        (1.into(), 0.into()),
        "{r}"
    );
    assert_eq!(r["results"][0]["error"], Value::Null);
    assert_eq!(
        json(&sb, &["triggers", "--json"])[0]["dead_letter_records"],
        serde_json::json!([])
    );

    std::fs::remove_file(&flag).unwrap();
    ok(&sb, &["add", "11", "food"]);
    let d = json(&sb, &["triggers", "drop", "flaky", "--all", "--json"]);
    assert_eq!(
        d,
        serde_json::json!({"name": "flaky", "dropped": 1, "forgot": false})
    );
}

#[test]
fn backup_verify_restore_and_demo_print_json() {
    let sb = store();
    ok(&sb, &["budget", "set", "food", "300"]);
    let seq = json(&sb, &["history", "--json", "--limit", "1"])[0]["seq"].clone();
    let file = sb.tmp.path().join("b.jsonl");
    let b = json(&sb, &["backup", file.to_str().unwrap(), "--json"]);
    assert_eq!(b["path"], file.to_str().unwrap(), "{b}");
    assert_eq!(
        (
            b["expenses"].clone(),
            b["budgets"].clone(),
            b["schedules"].clone()
        ),
        (3.into(), 1.into(), 0.into())
    );
    assert_eq!(b["imports"], 0, "imported with ids, no row hashes");
    assert_eq!(b["seq"], seq);
    assert_eq!(b["bytes"], std::fs::metadata(&file).unwrap().len());
    let v = json(
        &sb,
        &["backup", "--verify", file.to_str().unwrap(), "--json"],
    );
    assert_eq!(v["verified"], true, "{v}");
    for k in ["seq", "expenses", "budgets", "schedules", "imports"] {
        assert_eq!(v[k], b[k], "{k}");
    }

    let to = sb.tmp.path().join("restored");
    let r = json(
        &sb,
        &[
            "restore",
            file.to_str().unwrap(),
            "--to",
            to.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(r["to"], to.to_str().unwrap(), "{r}");
    assert_eq!(r["file"], file.to_str().unwrap());
    assert_eq!(
        (
            r["expenses"].clone(),
            r["budgets"].clone(),
            r["source_seq"].clone()
        ),
        (3.into(), 1.into(), seq)
    );
    assert!(!r["label"].as_str().unwrap().is_empty());
    assert_eq!(
        (
            r["at"].clone(),
            r["safety_backup"].clone(),
            r["kept"].clone()
        ),
        (Value::Null, Value::Null, Value::Null)
    );
    let back = sb
        .cmd_at(&to, &["list", "--month", "2026-01", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&back.stdout).unwrap(),
        listed(&sb)
    );

    // Over the live store, which is backed up first.
    ok(&sb, &["add", "1", "food", "2026-01-09"]);
    let live = json(
        &sb,
        &["restore", file.to_str().unwrap(), "--force-live", "--json"],
    );
    assert_eq!(live["safety_backup"]["expenses"], 4, "{live}");
    let safety = live["safety_backup"]["path"].as_str().unwrap();
    assert!(std::path::Path::new(safety).exists(), "{live}");
    assert_eq!(live["to"], sb.data.join("store").to_str().unwrap());
    assert_eq!(listed(&sb).as_array().unwrap().len(), 3, "as in the backup");

    let other = sb.tmp.path().join("demo-data");
    let out = sb
        .cmd_at(
            &other,
            &["demo", "--count", "40", "--months", "2", "--json"],
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (d["stored"].clone(), d["months"].clone(), d["seed"].clone()),
        (40.into(), 2.into(), 7.into()),
        "{d}"
    );
    assert!(d["from"].as_str() <= d["to"].as_str(), "{d}");
    let all = sb
        .cmd_at(&other, &["export", "--format", "json"])
        .output()
        .unwrap();
    let all: Value = serde_json::from_slice(&all.stdout).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 40);
    let first = all
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["date"].as_str())
        .min();
    assert_eq!(first, d["from"].as_str());
}

#[test]
fn add_dry_run_prints_the_expense_it_would_store_as_json() {
    let fresh = Sandbox::new();
    let dry = json(
        &fresh,
        &[
            "add",
            "--dry-run",
            "--json",
            "12.50",
            "groceries",
            "2026-01-05",
            "#weekly",
            "--payee",
            "Café Central",
        ],
    );
    assert_eq!(
        dry,
        serde_json::json!({"date": "2026-01-05", "amount": "12.50", "currency": "EUR",
            "category": "groceries", "payee": "Café Central", "note": "", "tags": ["weekly"],
            "kind": "expense"})
    );
    assert!(!fresh.data.exists(), "a dry run created the data dir");
    // On a store: the fields of the row `add --json` stores, without its id and version.
    let sb = store();
    let args = ["+20", "fun", "2026-01-06", "--payee", "Kino"];
    let mut dry_args = vec!["add", "--dry-run", "--json"];
    dry_args.extend(args);
    let dry = json(&sb, &dry_args);
    let mut add_args = vec!["add", "--json"];
    add_args.extend(args);
    let mut row = json(&sb, &add_args);
    let m = row.as_object_mut().unwrap();
    m.remove("id");
    m.remove("version");
    assert_eq!(dry, row);
    assert_eq!(dry["kind"], "income");
}

#[test]
fn the_lists_shown_without_a_subcommand_take_json_too() {
    let (sb, rent, _) = schedules();
    at_now(&sb, &["add", "4", "food!", "2026-04-09"])
        .assert()
        .success();
    at_now(&sb, &["budget", "set", "food", "50"])
        .assert()
        .success();
    let id = json_now(&sb, &["list", "--month", "2026-04", "--json"])[0]["id"].clone();
    at_now(&sb, &["rm", id.as_str().unwrap()])
        .assert()
        .success();
    for (bare, list) in [
        ("budget", "list"),
        ("trash", "list"),
        ("categories", "list"),
        ("recurring", "list"),
    ] {
        let shown = json_now(&sb, &[bare, "--json"]);
        assert_eq!(shown, json_now(&sb, &[bare, list, "--json"]), "{bare}");
        assert_eq!(
            shown.as_array().map(Vec::is_empty),
            Some(false),
            "{bare}: {shown}"
        );
    }
    assert_eq!(json_now(&sb, &["trash", "--json"])[0]["id"], id);
    assert_eq!(
        json_now(&sb, &["recurring", "--json"])[0]["id"],
        rent.as_str()
    );
    // Before a subcommand it means nothing: refused, as a typo would be.
    at_now(&sb, &["budget", "--json", "set", "food", "60"])
        .assert()
        .failure();
}
