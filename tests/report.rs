//! `expense report` and `expense check` through the binary: the report's numbers equal the sums
//! of `expense list --json` for the same month (also with a custom month start day), budget
//! notices from `expense add` appear once per crossing, and `check` finds a damaged aggregate
//! that `check --repair` fixes.
// Amounts are written as units_cents (950_00 is 950.00).
#![allow(clippy::inconsistent_digit_grouping)]

mod common;

use common::{list_json, Sandbox};
use expense_tracker::domain::Currency;
use expense_tracker::store::{Origin, Store};
use serde_json::Value;
use std::collections::BTreeMap;

fn ok(sb: &Sandbox, args: &[&str]) -> (String, String) {
    let out = sb.cmd(args).output().unwrap();
    let (o, e) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert!(out.status.success(), "{args:?} failed: {e}");
    (o, e)
}

/// Decimal string to minor units (2 decimals in these tests).
fn cents(s: &str) -> i64 {
    let (i, f) = s.split_once('.').unwrap_or((s, "00"));
    let neg = i.starts_with('-');
    let v = i.trim_start_matches('-').parse::<i64>().unwrap() * 100 + f.parse::<i64>().unwrap();
    if neg {
        -v
    } else {
        v
    }
}

fn report(sb: &Sandbox, month: &str) -> Value {
    let (out, _) = ok(sb, &["report", "--month", month, "--json"]);
    serde_json::from_str(&out).unwrap()
}

/// Checks one month: totals per currency and every category row (top level and below) against
/// sums over `list --json`.
fn check_month(sb: &Sandbox, month: &str) {
    let rows = list_json(sb, &["--month", month]);
    let r = report(sb, month);
    assert_eq!(r["month"], month);
    let mut spent: BTreeMap<String, (i64, i64, u64)> = BTreeMap::new();
    let mut cats: BTreeMap<(String, String), (i64, u64)> = BTreeMap::new();
    for row in &rows {
        let cur = row["currency"].as_str().unwrap().to_string();
        let amount = cents(row["amount"].as_str().unwrap());
        let t = spent.entry(cur.clone()).or_default();
        t.2 += 1;
        if row["kind"] == "income" {
            t.1 += amount;
            continue;
        }
        t.0 += amount;
        let cat = row["category"].as_str().unwrap();
        let parts: Vec<&str> = cat.split(':').collect();
        for n in 1..=parts.len() {
            let c = cats.entry((parts[..n].join(":"), cur.clone())).or_default();
            c.0 += amount;
            c.1 += 1;
        }
    }
    let totals: BTreeMap<String, (i64, i64, u64)> = r["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["currency"].as_str().unwrap().to_string(),
                (
                    cents(t["spent"].as_str().unwrap()),
                    cents(t["income"].as_str().unwrap()),
                    t["count"].as_u64().unwrap(),
                ),
            )
        })
        .collect();
    assert_eq!(totals, spent, "totals of {month}");
    let got: BTreeMap<(String, String), (i64, u64)> = r["categories"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["count"].as_u64().unwrap() > 0)
        .map(|c| {
            (
                (
                    c["category"].as_str().unwrap().to_string(),
                    c["currency"].as_str().unwrap().to_string(),
                ),
                (
                    cents(c["total"].as_str().unwrap()),
                    c["count"].as_u64().unwrap(),
                ),
            )
        })
        .collect();
    assert_eq!(got, cats, "categories of {month}");
}

#[test]
fn report_equals_the_sums_of_list() {
    let sb = Sandbox::new();
    ok(&sb, &["demo", "--count", "600", "--months", "4"]);
    ok(
        &sb,
        &["add", "12.50", "USD", "food:groceries!", "2026-11-03"],
    );
    ok(&sb, &["add", "7", "USD", "transport!", "2026-10-30"]);
    for m in ["2026-10", "2026-11", "2026-09"] {
        check_month(&sb, m);
    }
    // The same with months starting on the 25th (config), which also rebuilds the month
    // aggregates for that day.
    std::fs::write(sb.config.join("config.toml"), "month_start_day = 25\n").unwrap();
    for m in ["2026-10", "2026-09"] {
        check_month(&sb, m);
    }
    let r = report(&sb, "2026-10");
    assert_eq!(r["from"], "2026-10-25");
    assert_eq!(r["to"], "2026-11-24");
    // Plain output names the month and each currency separately.
    let (plain, _) = ok(&sb, &["report", "--month", "2026-10"]);
    assert!(plain.contains("October 2026"), "{plain}");
    assert!(plain.contains("USD: spent"), "{plain}");
    assert!(plain.contains("EUR: spent"), "{plain}");
    let (check, _) = ok(&sb, &["check"]);
    assert!(check.contains("consistent"), "{check}");
}

#[test]
fn report_converts_with_configured_rates_and_says_so() {
    let sb = Sandbox::new();
    ok(&sb, &["add", "10", "EUR", "food!", "2026-11-03"]);
    ok(&sb, &["add", "10", "USD", "food!", "2026-11-04"]);
    let r = report(&sb, "2026-11");
    assert_eq!(
        r["totals"].as_array().unwrap().len(),
        2,
        "never summed silently"
    );
    assert!(r["converted"].is_null());
    std::fs::write(sb.config.join("config.toml"), "[rates]\nUSD = \"0.92\"\n").unwrap();
    let r = report(&sb, "2026-11");
    let totals = r["totals"].as_array().unwrap();
    assert_eq!(totals.len(), 1);
    assert_eq!(totals[0]["spent"], "19.20");
    assert_eq!(r["converted"]["rates"][0], "1 USD = 0.92 EUR");
    let (plain, _) = ok(&sb, &["report", "--month", "2026-11"]);
    assert!(
        plain.contains("converted to EUR: 1 USD = 0.92 EUR"),
        "{plain}"
    );
}

#[test]
fn bad_month_is_refused_before_the_store_opens() {
    let sb = Sandbox::new();
    let out = sb.cmd(&["report", "--month", "2026-13"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("2026-13"), "{err}");
}

fn set_budget(sb: &Sandbox, category: &str, cents: i64) {
    let store = Store::open(&sb.data.join("store")).unwrap();
    store
        .set_budget(category, Some((Currency::EUR, cents)), Origin::User, 0)
        .unwrap();
}

#[test]
fn budget_notice_once_at_80_and_once_at_100() {
    let sb = Sandbox::new();
    ok(&sb, &["add", "10", "food:groceries!", "2026-11-02"]);
    set_budget(&sb, "food", 10000);
    let add = |words: &[&str]| {
        let mut args = vec!["add"];
        args.extend_from_slice(words);
        ok(&sb, &args).1
    };
    assert_eq!(
        add(&["60", "food:groceries", "2026-11-03"]),
        "",
        "70%: nothing yet"
    );
    let at80 = add(&["15", "food:groceries", "2026-11-04"]);
    assert!(
        at80.contains("Budget food: 85% used in November 2026"),
        "{at80}"
    );
    assert_eq!(at80.lines().count(), 1);
    assert_eq!(
        add(&["5", "food:groceries", "2026-11-05"]),
        "",
        "90%: already told"
    );
    // Another month or another category does not count.
    assert_eq!(add(&["50", "food:groceries", "2026-12-05"]), "");
    assert_eq!(add(&["50", "rent!", "2026-11-05"]), "");
    let at100 = add(&["20", "food", "2026-11-06"]);
    assert!(at100.contains("110% used, over budget"), "{at100}");
    assert_eq!(add(&["1", "food", "2026-11-06"]), "", "already over");
}

#[test]
fn check_finds_a_damaged_aggregate_and_repair_fixes_it() {
    let sb = Sandbox::new();
    ok(&sb, &["demo", "--count", "200", "--months", "2"]);
    let damaged = {
        let store = Store::open(&sb.data.join("store")).unwrap();
        store.damage_aggregate_for_tests(7).unwrap()
    };
    let out = sb.cmd(&["check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stdout.contains(&damaged), "{stdout}");
    assert!(stdout.contains("1 difference"), "{stdout}");
    assert!(stderr.contains("--repair"), "{stderr}");
    let (fixed, _) = ok(&sb, &["check", "--repair"]);
    assert!(fixed.contains("repaired 1 entry"), "{fixed}");
    assert!(fixed.contains("now consistent"), "{fixed}");
    let (again, _) = ok(&sb, &["check", "--stream"]);
    assert!(
        again.contains("200 items and 200 change records: consistent"),
        "{again}"
    );
}

/// The month start day is the store's, set by the process that holds it: a caller whose config
/// starts months on another day gets the holder's months through the session, and its report
/// never rebuilds the month aggregates under the holder (which a running TUI reads).
#[test]
fn a_report_through_a_session_keeps_the_holders_month_start_day() {
    use expense_tracker::session::holder::{Holder, HolderSetup};
    let sb = Sandbox::new();
    ok(&sb, &["add", "12.50", "food!", "2026-11-20"]);
    let store_dir = sb.data.join("store");
    let store = Store::open(&store_dir).unwrap();
    let setup = HolderSetup {
        triggers: Vec::new(),
        stream_keep_days: 0,
        trash_ttl_ms: 0,
        month_start_day: 1,
        sync: Default::default(),
    };
    let sock = expense_tracker::session::socket_path(&store_dir);
    let holder = Holder::take(
        store.clone(),
        &sock,
        &setup,
        expense_tracker::cli::launch::runner(),
    );
    let out = sb
        .cmd(&["report", "--month", "2026-11", "--json"])
        .env("EXPENSE_MONTH_START_DAY", "15")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["from"], "2026-11-01", "{r}");
    assert_eq!(store.month_start_day().unwrap(), Some(1));
    holder.release().flush().unwrap();
}
