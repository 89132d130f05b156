//! Schedules in backups and point-in-time restores: saved with how far they were handled,
//! restored as they were (so nothing is posted twice or skipped), taken at the backup's seq
//! when written during the scan, refused line by line when damaged; a file written before
//! schedules still reads.

use super::super::error::StoreError;
use super::super::{new_schedule_id, Origin, Store};
use super::read_backup;
use crate::domain::schedule::{End, Every, MonthDay, Rule, Schedule};
use crate::domain::{Currency, Draft};
use chrono::NaiveDate;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Rent monthly on the 31st from January 2026 (posts by itself), and a gym fee every two weeks
/// that asks, ending after 10 occurrences, with tags and a refund's sign.
fn schedules() -> [Schedule; 2] {
    let rent = Schedule::new(
        new_schedule_id(),
        Draft::sample(d(2026, 1, 31), 95_000, "housing:rent", "Landlord"),
        Rule::new(
            d(2026, 1, 31),
            Every::Months(1, MonthDay::Day(31)),
            End::Never,
        )
        .unwrap(),
        false,
    );
    let mut gym = Schedule::new(
        new_schedule_id(),
        Draft {
            tags: vec!["sport".into(), "fixed".into()],
            note: "with \"quotes\" \\ and é".into(),
            ..Draft::sample(d(2026, 1, 5), -1_500, "fun:gym", "Gym")
        },
        Rule::new(d(2026, 1, 5), Every::Weeks(2), End::After(10)).unwrap(),
        true,
    );
    gym.template.currency = Currency::parse("USD").unwrap();
    [rent, gym]
}

/// A store with both schedules, rent posted to the end of April, one gym occurrence skipped
/// out of order and the next one moved, a budget, and an expense.
fn store() -> Store {
    let s = Store::open_temporary().unwrap();
    let [rent, gym] = schedules();
    s.save_schedule(&rent, Origin::User, 1_000).unwrap();
    let gym_id = s.save_schedule(&gym, Origin::User, 1_001).unwrap().id;
    s.put(
        Draft::sample(d(2026, 1, 3), 700, "food", "Shop"),
        Origin::User,
        1_002,
    )
    .unwrap();
    s.set_budget("food", Some((Currency::EUR, 30_000)), Origin::User, 1_003)
        .unwrap();
    assert_eq!(s.post_due(d(2026, 5, 2), 2_000).unwrap().records.len(), 4);
    let v = s.schedule(gym_id).unwrap().unwrap().version;
    s.handle_occurrence(
        gym_id,
        v,
        d(2026, 2, 2),
        crate::store::Confirm::Skip,
        Origin::User,
        3_000,
    )
    .unwrap();
    let mut g = s.schedule(gym_id).unwrap().unwrap();
    let o = g.date_of(1).unwrap();
    g.move_occurrence(o, d(2026, 1, 20)).unwrap();
    s.save_schedule(&g, Origin::User, 4_000).unwrap();
    s
}

fn consistent(s: &Store) {
    let c = s.check().unwrap();
    assert!(c.is_consistent(), "{:?}", c.problems);
}

/// What a person would compare: each schedule with its state, by id.
fn state(s: &Store) -> Vec<Schedule> {
    s.schedules().unwrap()
}

#[test]
fn schedules_round_trip_through_a_backup_with_their_state() {
    let dir = tempfile::tempdir().unwrap();
    let s = store();
    let path = dir.path().join("b.jsonl");
    let info = s.backup_to(&path, chrono::Utc::now()).unwrap();
    assert_eq!(
        (info.expenses, info.budgets, info.schedules),
        (5, 1, 2),
        "the expense, the four rent occurrences, the budget, two schedules"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches("{\"type\":\"schedule\"").count(), 2);
    assert!(text.contains("\"schedules\":2"), "{text}");
    let snap = read_backup(&path).unwrap();
    assert_eq!(snap.schedules.len(), 2);
    let to = Store::open_temporary().unwrap();
    let r = to.restore_snapshot(&snap).unwrap();
    assert_eq!((r.expenses, r.schedules), (5, 2));
    let (before, after) = (state(&s), state(&to));
    assert_eq!(before, after, "same rule, template, state and version");
    consistent(&to);
    // Nothing is posted again, and what fell due since is posted once.
    let again = to.post_due(d(2026, 5, 2), 5_000).unwrap();
    assert_eq!((again.records.len(), again.already), (0, 0));
    assert_eq!(to.post_due(d(2026, 5, 31), 6_000).unwrap().records.len(), 1);
    // The gym's due list as it was: 5 January, the one moved to the 20th, 16 February (2
    // February was skipped).
    let due: Vec<NaiveDate> = to
        .due(d(2026, 2, 28))
        .unwrap()
        .into_iter()
        .map(|(_, o)| o.date)
        .collect();
    assert_eq!(due, [d(2026, 1, 5), d(2026, 1, 20), d(2026, 2, 16)]);
    consistent(&to);
}

/// A point in time holds the schedules of that time, each as handled then; restored, the store
/// posts on from there.
#[test]
fn a_point_in_time_holds_the_schedules_of_that_time() {
    let s = store();
    let at_made = s.snapshot_at(1_500).unwrap();
    assert_eq!(at_made.schedules.len(), 2);
    assert_eq!(
        at_made.items.len(),
        1,
        "only the expense: schedules are not items"
    );
    let to = Store::open_temporary().unwrap();
    to.restore_snapshot(&at_made).unwrap();
    assert!(state(&to).iter().all(|x| x.next == 0 && x.done.is_empty()));
    consistent(&to);
    // Posting from there posts the four months again: the occurrences were not there then.
    assert_eq!(to.post_due(d(2026, 5, 2), 5_000).unwrap().records.len(), 4);
    let now = s.snapshot_at(i64::MAX).unwrap();
    let to = Store::open_temporary().unwrap();
    to.restore_snapshot(&now).unwrap();
    assert_eq!(state(&to), state(&s));
    consistent(&to);
    // A removed schedule is gone from the points in time after its removal.
    let id = state(&s)[0].id;
    let v = s.schedule(id).unwrap().unwrap().version;
    s.remove_schedule(id, v, Origin::User, 9_000).unwrap();
    assert_eq!(s.snapshot_at(8_999).unwrap().schedules.len(), 2);
    assert_eq!(s.snapshot_at(9_000).unwrap().schedules.len(), 1);
}

/// Schedule and budget changes that land while the items are scanned are taken from the
/// stream: the file holds them as they were at its seq (a budget or schedule image never
/// reaches an expense line).
#[test]
fn schedule_and_budget_writes_during_the_scan_are_taken_at_the_backups_seq() {
    let dir = tempfile::tempdir().unwrap();
    let s = store();
    let path = dir.path().join("b.jsonl");
    let tmp = dir.path().join("b.jsonl.tmp");
    let w = s.clone();
    let during = move || {
        let [rent, gym] = {
            let all = w.schedules().unwrap();
            [all[0].clone(), all[1].clone()]
        };
        let mut paused = rent.clone();
        paused.paused = true;
        w.save_schedule(&paused, Origin::User, 7_000).unwrap();
        w.remove_schedule(gym.id, gym.version, Origin::User, 7_001)
            .unwrap();
        w.set_budget("food", None, Origin::User, 7_002).unwrap();
        w.set_budget("fun", Some((Currency::EUR, 100)), Origin::User, 7_003)
            .unwrap();
    };
    let info = s
        .backup_inner(&path, &tmp, chrono::Utc::now(), &during)
        .unwrap();
    assert_eq!(info.seq, s.last_seq().unwrap());
    let snap = read_backup(&path).unwrap();
    assert_eq!(snap.items.len(), 5);
    assert_eq!(snap.budgets.len(), 1);
    assert_eq!(snap.budgets[0].category, "fun");
    let to = Store::open_temporary().unwrap();
    to.restore_snapshot(&snap).unwrap();
    assert_eq!(state(&to), state(&s));
    assert!(state(&to)[0].paused);
    consistent(&to);
}

/// A file written before schedules (no `schedule` line, no `schedules` count) still reads; a
/// `schedule` line a count does not match is refused; a line of a kind this build does not
/// know is skipped and counted.
#[test]
fn a_backup_from_before_schedules_still_reads() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open_temporary().unwrap();
    s.put(
        Draft::sample(d(2026, 1, 3), 700, "food", "Shop"),
        Origin::User,
        1,
    )
    .unwrap();
    let path = dir.path().join("b.jsonl");
    s.backup_to(&path, chrono::Utc::now()).unwrap();
    // What the version before schedules wrote: no checksums (they cover the count) and no
    // `schedules` in the end record.
    let old: String = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| {
            let l = l.split(",\"crc\":").next().unwrap();
            let l = l.split(",\"sha256\":").next().unwrap();
            let l = l.replace(",\"checksum\":\"sha256\"", "");
            format!("{}}}\n", l.replace(",\"schedules\":0", ""))
        })
        .collect();
    assert!(!old.contains("schedules"), "{old}");
    std::fs::write(&path, &old).unwrap();
    let snap = read_backup(&path).unwrap();
    assert_eq!((snap.items.len(), snap.schedules.len()), (1, 0));
    // A count that says there are schedules when there are none is a damaged file.
    let lying = old.replace("\"imports\":0", "\"imports\":0,\"schedules\":1");
    std::fs::write(&path, lying).unwrap();
    let e = read_backup(&path).unwrap_err().to_string();
    assert!(e.contains("1 schedules; the file holds 1, 0, 0, 0"), "{e}");
}

/// Every changed byte of a schedule line is refused, naming that line (its checksum; a field
/// the line no longer holds; a value the rules refuse).
#[test]
fn a_damaged_schedule_line_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let s = store();
    let path = dir.path().join("b.jsonl");
    s.backup_to(&path, chrono::Utc::now()).unwrap();
    let good = std::fs::read(&path).unwrap();
    let text = String::from_utf8(good.clone()).unwrap();
    let at = text.find("{\"type\":\"schedule\"").unwrap();
    let line = text[..at].matches('\n').count() as u64 + 1;
    let end = at + text[at..].find('\n').unwrap();
    let bad = dir.path().join("bad.jsonl");
    for i in at..end {
        let mut b = good.clone();
        b[i] ^= 0x01;
        std::fs::write(&bad, &b).unwrap();
        match read_backup(&bad) {
            Err(StoreError::BadBackup { line: l, .. }) => {
                assert_eq!(l, line, "byte {i} ({:?})", good[i] as char)
            }
            other => panic!("byte {i}: {other:?}"),
        }
    }
    // Values a schedule line must not hold, in a file without checksums (so the value itself
    // is what is checked): an occurrence state out of order, a rule the rules refuse, a day
    // that is no day, an id that is not a schedule's.
    let plain: String = text
        .lines()
        .map(|l| {
            let l = l.split(",\"crc\":").next().unwrap();
            let l = l.split(",\"sha256\":").next().unwrap();
            format!("{}}}\n", l.replace(",\"checksum\":\"sha256\"", ""))
        })
        .collect();
    std::fs::write(&bad, &plain).unwrap();
    assert!(read_backup(&bad).is_ok());
    let rent_line = plain
        .lines()
        .find(|l| l.contains("\"type\":\"schedule\"") && l.contains("housing:rent"))
        .unwrap();
    let n = plain
        .lines()
        .position(|l| l == rent_line)
        .map(|p| p as u64 + 1)
        .unwrap();
    for (from, to, why) in [
        ("\"every\":1", "\"every\":0", "not every 0"),
        ("\"on\":\"31\"", "\"on\":\"32\"", "day 32"),
        (
            "\"start\":\"2026-01-31\"",
            "\"start\":\"2026-02-30\"",
            "start",
        ),
        (
            "\"next\":4,\"done\":[]",
            "\"next\":4,\"done\":[4]",
            "not in order",
        ),
        ("\"unit\":\"month\"", "\"unit\":\"fortnight\"", "fortnight"),
        ("\"minor\":95000", "\"minor\":95001", "disagrees"),
        ("\"id\":\"7", "\"id\":\"0", "not a schedule's id"),
    ] {
        assert!(rent_line.contains(from), "{from} not in {rent_line}");
        std::fs::write(
            &bad,
            plain.replace(rent_line, &rent_line.replacen(from, to, 1)),
        )
        .unwrap();
        match read_backup(&bad) {
            Err(StoreError::BadBackup { line, reason, .. }) => {
                assert_eq!(line, n, "{to}");
                assert!(reason.contains(why), "{to}: {reason}");
            }
            other => panic!("{to}: {other:?}"),
        }
    }
}
