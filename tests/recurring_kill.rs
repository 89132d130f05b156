//! Recurring expenses are posted exactly once even when the poster dies or two processes open
//! the store at the same moment. A store with 50 schedules (monthly on days up to the 31st and
//! on the last day, weekly, fortnightly, daily, yearly) was left for two years: the next open
//! posts about 3,100 occurrences in one batch. That open (`expense list`, which only reads but
//! holds the store) is killed with SIGKILL, SIGTERM or SIGHUP at a random instant, many rounds;
//! after each, the next open finishes the work, and then every occurrence the rules give is an
//! expense exactly once (no (schedule, day) twice, none missing), the batch was whole or nothing
//! (the next open posted all of it or none), and `expense check` finds the store consistent.
//! Then two processes started together on the same store (one holds it, the other runs in its
//! session or after it): one batch, posted once. The seed is printed for a rerun.

mod common;

use chrono::NaiveDate;
use common::{kill, ok, Sandbox};
use expense_tracker::domain::schedule::{End, Every, MonthDay, Rule};
use rand::Rng;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::Instant;

/// When the schedules were made.
const MADE: &str = "2025-01-01T12:00:00Z";
/// Two years later: the open that posts.
const NOW: &str = "2027-01-01T12:00:00Z";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
}

/// `expense ARGS` on `sb` at the instant `now`.
fn at(sb: &Sandbox, now: &str, args: &[&str]) -> Command {
    let mut c = sb.cmd(args);
    c.env("EXPENSE_NOW", now);
    c
}

/// The interval of schedule `i` (`--every` and `--on` words).
fn every_of(i: usize) -> Vec<String> {
    let words = match i % 10 {
        0..=5 => format!("month --on {}", (i * 7) % 31 + 1),
        6 => "month --on last".to_string(),
        7 => "week".to_string(),
        8 => "2 weeks".to_string(),
        _ if i < 20 => "day".to_string(),
        _ => "year".to_string(),
    };
    let mut v = vec!["--every".to_string()];
    v.extend(words.split(' ').map(str::to_string));
    v
}

/// The store every round starts from: 50 schedules made two years ago, nothing posted.
struct Base {
    sb: Sandbox,
}

impl Base {
    fn new() -> Base {
        let sb = Sandbox::new();
        for i in 0..50 {
            let amount = format!("{}.25", i + 1);
            let category = format!("cat{}!", i % 7);
            let payee = format!("@Payee {i}");
            let mut args: Vec<String> = ["recurring", "add", &amount, &category, &payee]
                .iter()
                .map(|s| s.to_string())
                .collect();
            args.extend(["--start".to_string(), "2025-01-02".to_string()]);
            args.extend(every_of(i));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            ok(at(&sb, MADE, &args).output().unwrap());
        }
        Base { sb }
    }

    fn copy(&self) -> Sandbox {
        let sb = Sandbox::new();
        kill::copy_dir(&self.sb.data, &sb.data);
        sb
    }
}

/// What the rules give from their start to today, per payee: the occurrences' days (read at
/// the time they were made, when nothing is due, so the base store stays as it is).
fn expected(sb: &Sandbox) -> BTreeMap<String, BTreeSet<String>> {
    let list = at(sb, MADE, &["recurring", "list", "--json"])
        .output()
        .unwrap();
    let list: Value = serde_json::from_str(&ok(list)).unwrap();
    let mut out = BTreeMap::new();
    for s in list.as_array().unwrap() {
        let r = &s["rule"];
        let n = r["every"].as_u64().unwrap() as u32;
        let every = match r["unit"].as_str().unwrap() {
            "days" => Every::Days(n),
            "weeks" => Every::Weeks(n),
            "years" => Every::Years(n),
            _ => Every::Months(
                n,
                match &r["on"] {
                    Value::String(l) if l == "last" => MonthDay::Last,
                    d => MonthDay::Day(d.as_u64().unwrap() as u8),
                },
            ),
        };
        let start: NaiveDate = r["start"].as_str().unwrap().parse().unwrap();
        let rule = Rule::new(start, every, End::Never).unwrap();
        let days = rule
            .between(start, today())
            .into_iter()
            .map(|(_, d)| d.to_string())
            .collect();
        out.insert(s["payee"].as_str().unwrap().to_string(), days);
    }
    out
}

/// Every expense's day per payee; panics on a (payee, day) found twice.
fn posted(sb: &Sandbox, what: &str) -> (BTreeMap<String, BTreeSet<String>>, String) {
    let out = at(sb, NOW, &["export", "--format", "json"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let rows: Value = serde_json::from_str(&ok(out)).unwrap();
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in rows.as_array().unwrap() {
        let payee = r["payee"].as_str().unwrap().to_string();
        let day = r["date"].as_str().unwrap().to_string();
        assert!(
            map.entry(payee.clone()).or_default().insert(day.clone()),
            "{what}: {payee} on {day} posted twice"
        );
    }
    (map, err)
}

/// The number in `Posted N recurring expenses` on stderr (0 when nothing was said).
fn said_posted(err: &str) -> usize {
    err.split("Posted ")
        .skip(1)
        .filter_map(|rest| rest.split(' ').next()?.parse::<usize>().ok())
        .sum()
}

/// After a round: the next open finishes the posting; every occurrence once; the batch whole or
/// nothing; the store consistent. Returns how many the next open posted.
fn exactly_once(sb: &Sandbox, want: &BTreeMap<String, BTreeSet<String>>, what: &str) -> usize {
    let total: usize = want.values().map(BTreeSet::len).sum();
    let (got, err) = posted(sb, what);
    let after = said_posted(&err);
    assert!(
        after == 0 || after == total,
        "{what}: the next open posted {after} of {total}: the batch was split: {err}"
    );
    assert_eq!(
        &got, want,
        "{what}: posted differs from what the rules give"
    );
    let (again, err) = posted(sb, what);
    assert_eq!(again, got, "{what}");
    assert_eq!(said_posted(&err), 0, "{what}: posted again: {err}");
    let check = at(sb, NOW, &["check"]).output().unwrap();
    assert!(
        check.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    after
}

#[test]
fn posting_killed_at_any_instant_or_raced_posts_each_occurrence_once() {
    let base = Base::new();
    let want = expected(&base.sb);
    let total: usize = want.values().map(BTreeSet::len).sum();
    assert_eq!(want.len(), 50);
    assert!(total > 3000, "{total} occurrences in two years");

    // A whole run, timed: the kills fall within it.
    let sb = base.copy();
    let started = Instant::now();
    let out = at(&sb, NOW, &["list", "--month", "2026-12"])
        .output()
        .unwrap();
    let took = started.elapsed();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    ok(out);
    assert_eq!(said_posted(&err), total, "{err}");
    // One line, naming the first few of the 50.
    assert!(
        err.contains(
            "(Payee 0 ×24, Payee 1 ×24, Payee 2 ×24, Payee 3 ×24, Payee 4 ×24, and 45 more)"
        ),
        "{err}"
    );
    assert_eq!(exactly_once(&sb, &want, "whole run"), 0);

    let rounds: usize = std::env::var("RECURRING_KILL_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    eprintln!("recurring_kill: {total} occurrences, a whole run {took:?}, {rounds} rounds");
    let (seed, mut rng) = kill::rng("RECURRING_KILL_SEED", "recurring_kill");
    let mut outcomes = [0usize; 2];
    for round in 0..rounds {
        let sb = base.copy();
        let delay = took.mul_f64(rng.gen_range(0.05..1.1));
        let signal = kill::SIGNALS[round % kill::SIGNALS.len()];
        kill::kill_after(at(&sb, NOW, &["list", "--month", "2026-12"]), delay, signal);
        let what = format!("round {round}, signal {signal} after {delay:?} (seed {seed})");
        let after = exactly_once(&sb, &want, &what);
        outcomes[usize::from(after == 0)] += 1;
        eprintln!("recurring_kill: {what}: the next open posted {after}");
    }
    eprintln!(
        "recurring_kill: killed before the batch committed {}, after {}",
        outcomes[0], outcomes[1]
    );

    // Two processes at the same moment: one holds the store and posts, the other runs in its
    // session (or after it): one batch between them.
    for round in 0..4 {
        let sb = base.copy();
        let commands: [&[&str]; 2] = match round % 2 {
            0 => [&["list", "--month", "2026-12"], &["upcoming", "--json"]],
            _ => [&["add", "1", "lunch!", "@Both"], &["list", "--json"]],
        };
        let children: Vec<_> = commands
            .iter()
            .map(|args| {
                at(&sb, NOW, args)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut said = 0;
        for child in children {
            let out = child.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            said += said_posted(&err);
            ok(out);
        }
        let what = format!("race {round}");
        assert_eq!(said, total, "{what}: posted {said} of {total} between them");
        let mut want = want.clone();
        if round % 2 == 1 {
            want.insert("Both".into(), BTreeSet::from(["2027-01-01".to_string()]));
        }
        assert_eq!(exactly_once(&sb, &want, &what), 0, "{what}");
    }
}
