//! Tests of `store/schedule.rs`: schedules are items of the stream, posting is exactly once and
//! one batch that one undo takes back, confirmed schedules wait in the due list.
use super::*;
use crate::domain::change::Undone;
use crate::domain::schedule::End;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn rent(start: NaiveDate, day: MonthDay, confirm: bool) -> Schedule {
    let draft = Draft::sample(start, 95_000, "housing:rent", "Landlord");
    let rule = Rule::new(start, Every::Months(1, day), End::Never).unwrap();
    Schedule::new(new_schedule_id(), draft, rule, confirm)
}

/// A store with a 30-day trash and rent monthly on the 31st from 31 January 2026 (made at 10).
fn rent_on_the_31st() -> (Store, ExpenseId) {
    let s = Store::open_temporary().unwrap();
    s.set_trash_ttl(30 * 86_400_000);
    let id = s
        .save_schedule(
            &rent(d(2026, 1, 31), MonthDay::Day(31), false),
            Origin::User,
            10,
        )
        .unwrap()
        .id;
    (s, id)
}

fn consistent(s: &Store) {
    let c = s.check().unwrap();
    assert!(c.is_consistent(), "{:?}", c.problems);
}

#[test]
fn an_image_round_trips_the_rule_and_its_state() {
    let mut s = rent(d(2026, 1, 31), MonthDay::Day(31), true);
    s.template.tags = vec!["home".into()];
    s.mark_handled(0);
    s.mark_handled(2);
    let o = s.date_of(3).unwrap();
    s.move_occurrence(o, d(2026, 4, 29)).unwrap();
    s.paused = true;
    s.version = 4;
    let img = image(&s, 1, 2, 3);
    let back = from_image(s.id, &img, "t", b"k").unwrap().unwrap();
    assert_eq!(back, s);
    assert_eq!(img.tags[0], "home");
    assert!(is_schedule_id(s.id.0));
}

#[test]
fn missed_months_are_posted_at_once_in_one_batch_that_one_undo_takes_back() {
    let s = Store::open_temporary().unwrap();
    let sched = rent(d(2026, 1, 31), MonthDay::Day(31), false);
    let made = s.save_schedule(&sched, Origin::User, 10).unwrap();
    assert_eq!(made.event, Event::Insert);
    assert!(made.schedule.is_some() && made.new.is_none());
    let id = made.id;
    // The laptop was off until 2 May: January, February (clamped), March, April are due.
    let p = s.post_due(d(2026, 5, 2), 20).unwrap();
    let dates: Vec<NaiveDate> = p
        .records
        .iter()
        .map(|r| r.new.as_ref().unwrap().draft.date)
        .collect();
    assert_eq!(
        dates,
        [
            d(2026, 1, 31),
            d(2026, 2, 28),
            d(2026, 3, 31),
            d(2026, 4, 30)
        ]
    );
    assert!(p.records.iter().all(|r| r.origin == Origin::Schedule));
    assert_eq!(s.len(), 4);
    let all = s.schedules().unwrap();
    assert_eq!(
        occurrence_of(p.records[1].id, &all),
        Some((id, d(2026, 2, 28)))
    );
    assert_eq!(s.schedule(id).unwrap().unwrap().next, 4);
    // Nothing more is due the same day: no write.
    let seq = s.last_seq().unwrap();
    assert!(s.post_due(d(2026, 5, 2), 21).unwrap().records.is_empty());
    assert_eq!(s.last_seq().unwrap(), seq);
    consistent(&s);
    // One undo takes the four expenses and the schedule's step back.
    let Some(Undone::Batch(b)) = s.undo_step(30).unwrap() else {
        panic!("expected the batch undone")
    };
    assert_eq!(b.undone, 5, "four expenses and the schedule");
    assert_eq!(s.len(), 0);
    assert_eq!(s.schedule(id).unwrap().unwrap().next, 0);
    consistent(&s);
    // The taken-back occurrences are not posted again (they wait in the trash): the schedule
    // steps past them without a second post.
    let again = s.post_due(d(2026, 5, 2), 40).unwrap();
    assert!(again.records.is_empty());
    assert_eq!(again.already, 4);
    assert_eq!(s.schedule(id).unwrap().unwrap().next, 4);
    // Then May falls due.
    let may = s.post_due(d(2026, 5, 31), 50).unwrap();
    assert_eq!(may.records.len(), 1);
    assert_eq!(
        may.records[0].new.as_ref().unwrap().draft.date,
        d(2026, 5, 31)
    );
    consistent(&s);
}

#[test]
fn a_schedule_that_asks_waits_in_the_due_list() {
    let s = Store::open_temporary().unwrap();
    let sched = rent(d(2026, 3, 1), MonthDay::Day(1), true);
    let id = s.save_schedule(&sched, Origin::User, 1).unwrap().id;
    assert!(s.post_due(d(2026, 5, 15), 2).unwrap().records.is_empty());
    let due = s.due(d(2026, 5, 15)).unwrap();
    let dates: Vec<NaiveDate> = due.iter().map(|(_, o)| o.date).collect();
    assert_eq!(dates, [d(2026, 3, 1), d(2026, 4, 1), d(2026, 5, 1)]);
    // April posted as edited, March skipped, May posted as it is: in any order.
    let v = |s: &Store| s.schedule(id).unwrap().unwrap().version;
    let mut edited = due[1].0.draft_for(&due[1].1);
    edited.amount = 99_000;
    let recs = s
        .handle_occurrence(
            id,
            v(&s),
            d(2026, 4, 1),
            Confirm::PostAs(edited),
            Origin::User,
            3,
        )
        .unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].new.as_ref().unwrap().draft.amount, 99_000);
    s.handle_occurrence(id, v(&s), d(2026, 3, 1), Confirm::Skip, Origin::User, 4)
        .unwrap();
    // A stale version is a conflict.
    assert!(matches!(
        s.handle_occurrence(id, 1, d(2026, 5, 1), Confirm::Post, Origin::User, 5),
        Err(StoreError::Conflict { .. })
    ));
    s.handle_occurrence(id, v(&s), d(2026, 5, 1), Confirm::Post, Origin::User, 5)
        .unwrap();
    assert!(s.due(d(2026, 5, 15)).unwrap().is_empty());
    assert_eq!(s.len(), 2);
    assert_eq!(s.schedule(id).unwrap().unwrap().next, 3);
    // A day that is no occurrence, or one handled, is refused and changes nothing.
    let e = s
        .handle_occurrence(id, v(&s), d(2026, 4, 2), Confirm::Post, Origin::User, 6)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no occurrence on 2026-04-02"), "{e}");
    let e = s
        .handle_occurrence(id, v(&s), d(2026, 4, 1), Confirm::Post, Origin::User, 6)
        .unwrap_err()
        .to_string();
    assert!(e.contains("already posted or skipped"), "{e}");
    consistent(&s);
}

#[test]
fn edits_pause_and_removal_are_records_undo_takes_back() {
    let s = Store::open_temporary().unwrap();
    let sched = rent(d(2026, 1, 1), MonthDay::Day(1), false);
    let rec = s.save_schedule(&sched, Origin::User, 1).unwrap();
    let mut cur = s.schedule(rec.id).unwrap().unwrap();
    assert_eq!(cur.version, 1);
    cur.paused = true;
    let m = s.save_schedule(&cur, Origin::User, 2).unwrap();
    assert_eq!(m.event, Event::Modify);
    assert!(
        s.post_due(d(2026, 6, 1), 3).unwrap().records.is_empty(),
        "paused"
    );
    // A stale write is refused.
    assert!(matches!(
        s.save_schedule(&cur, Origin::User, 4),
        Err(StoreError::Conflict { .. })
    ));
    let Some(Undone::One(_)) = s.undo_step(5).unwrap() else {
        panic!("the pause is undone")
    };
    assert!(!s.schedule(rec.id).unwrap().unwrap().paused);
    let v = s.schedule(rec.id).unwrap().unwrap().version;
    s.remove_schedule(rec.id, v, Origin::User, 6).unwrap();
    assert!(s.schedules().unwrap().is_empty());
    s.undo_step(7).unwrap().unwrap();
    assert_eq!(s.schedules().unwrap().len(), 1);
    assert_eq!(s.len(), 0, "a schedule is not an expense");
    consistent(&s);
}

#[test]
fn bad_schedules_are_refused_and_change_nothing() {
    let s = Store::open_temporary().unwrap();
    let mut sched = rent(d(2026, 1, 1), MonthDay::Day(1), false);
    sched.template.payee = "a\u{1b}[2J".into();
    let e = s.save_schedule(&sched, Origin::User, 1).unwrap_err();
    assert!(e.to_string().contains("payee"), "{e}");
    let mut sched = rent(d(2026, 1, 1), MonthDay::Day(1), false);
    sched.rule.every = Every::Months(0, MonthDay::Day(1));
    let e = s.save_schedule(&sched, Origin::User, 1).unwrap_err();
    assert!(e.to_string().contains("not every 0"), "{e}");
    assert_eq!(s.last_seq().unwrap(), 0);
}

/// An occurrence that left the store for good (its hand posting undone, or its undone posting
/// expired from the trash) and is posted again follows the record that removed it, so its
/// chain stays whole: its history is one, and `check` finds the store consistent.
#[test]
fn an_occurrence_posted_again_after_it_left_chains_to_its_removal() {
    let s = Store::open_temporary().unwrap();
    let id = s
        .save_schedule(
            &rent(d(2026, 3, 1), MonthDay::Day(1), true),
            Origin::User,
            1,
        )
        .unwrap()
        .id;
    let v = |s: &Store| s.schedule(id).unwrap().unwrap().version;
    let post = |s: &Store, at| {
        s.handle_occurrence(id, v(s), d(2026, 3, 1), Confirm::Post, Origin::User, at)
            .unwrap()
    };
    let first = post(&s, 2);
    // A person's posting undone: out for good (no trash), due again, posted again.
    s.undo_step(3).unwrap().unwrap();
    assert_eq!((s.len(), s.trashed().unwrap().len()), (0, 0));
    let again = post(&s, 4);
    assert_eq!(again[0].id, first[0].id);
    let history = s.item_history(first[0].id, 0, 10).unwrap();
    assert_eq!(
        history.total, 3,
        "posted, taken back, posted again: one chain"
    );
    consistent(&s);

    // The schedule's own posting, undone into the trash and expired there: the next open
    // posts it again, chained to the expiry.
    let s = Store::open_temporary().unwrap();
    s.set_trash_ttl(10);
    s.save_schedule(
        &rent(d(2026, 3, 1), MonthDay::Day(1), false),
        Origin::User,
        1,
    )
    .unwrap();
    let posted = s.post_due(d(2026, 3, 2), 2).unwrap();
    s.undo_step(3).unwrap().unwrap();
    assert_eq!(s.trashed().unwrap().len(), 1);
    assert_eq!(s.sweep_trash(100).unwrap(), 1);
    let reposted = s.post_due(d(2026, 3, 2), 101).unwrap();
    assert_eq!(reposted.records[0].id, posted.records[0].id);
    assert_eq!(
        s.item_history(posted.records[0].id, 0, 10).unwrap().total,
        4
    );
    consistent(&s);
}

/// Occurrence ids are told from expense ids made by a clock.
#[test]
fn occurrence_ids_are_told_from_other_ids() {
    let s = new_schedule_id();
    for day in [d(2026, 1, 31), d(1999, 12, 31), d(9999, 12, 31)] {
        assert!(is_occurrence_id(occurrence_id(s, day).0), "{day}");
    }
    for _ in 0..10_000 {
        let id = ExpenseId::generate().0;
        assert!(!is_occurrence_id(id));
        // Even with the mark: the day and the time bits do not agree.
        assert!(!is_occurrence_id(
            (id & !(0xFFFF << 64)) | (OCCURRENCE_MARK << 64)
        ));
    }
    assert!(!is_occurrence_id(s.0));
}

/// The four occurrences and the schedule's step of a posting, undone (to the trash) and redone
/// (back from it), twice: each step one batch with its words, the store consistent after each,
/// and nothing posted again afterwards.
#[test]
fn redo_after_undo_of_a_posting_brings_it_back_consistent() {
    use crate::domain::change::step_text;
    let (s, id) = rent_on_the_31st();
    assert_eq!(s.post_due(d(2026, 5, 2), 20).unwrap().records.len(), 4);
    for round in 0..2 {
        let now = 100 * (round + 1);
        let undone = s.undo_step(now).unwrap().unwrap();
        assert_eq!(
            step_text(false, &undone),
            "Undid: posting of 4 recurring expenses (1 schedule set back)"
        );
        assert_eq!((s.len(), s.trashed().unwrap().len()), (0, 4));
        assert_eq!(s.schedule(id).unwrap().unwrap().next, 0);
        consistent(&s);
        let redone = s.redo_step(now + 10).unwrap().unwrap();
        assert_eq!(
            step_text(true, &redone),
            "Redid: posting of 4 recurring expenses (1 schedule moved on)"
        );
        assert_eq!((s.len(), s.trashed().unwrap().len()), (4, 0));
        assert_eq!(s.schedule(id).unwrap().unwrap().next, 4);
        consistent(&s);
        let seq = s.last_seq().unwrap();
        let again = s.post_due(d(2026, 5, 2), now + 20).unwrap();
        assert_eq!((again.records.len(), again.already), (0, 0));
        assert_eq!(s.last_seq().unwrap(), seq, "nothing due, nothing written");
    }
}

/// An open between the undo and the redo runs the posting pass, which steps the schedule past
/// the occurrences waiting in the trash (origin `schedule`). That is no person's change: the
/// redo still brings the expenses back (the schedule, moved on already, is left as it is), and
/// nothing is posted twice.
#[test]
fn a_posting_pass_between_undo_and_redo_does_not_stop_the_redo() {
    use crate::domain::change::step_text;
    let (s, id) = rent_on_the_31st();
    s.post_due(d(2026, 5, 2), 20).unwrap();
    s.undo_step(30).unwrap().unwrap();
    let stepped = s.post_due(d(2026, 5, 2), 40).unwrap();
    assert_eq!((stepped.records.len(), stepped.already), (0, 4));
    let redone = s.redo_step(50).unwrap().unwrap();
    assert_eq!(
        step_text(true, &redone),
        "Redid: posting of 4 recurring expenses (1 schedule moved on)",
        "the schedule had moved on already: nothing left as it was"
    );
    assert_eq!((s.len(), s.trashed().unwrap().len()), (4, 0));
    assert_eq!(s.schedule(id).unwrap().unwrap().next, 4);
    consistent(&s);
    let seq = s.last_seq().unwrap();
    assert!(s.post_due(d(2026, 5, 2), 60).unwrap().records.is_empty());
    assert_eq!(s.last_seq().unwrap(), seq);
    // The redo wrote the expenses only (the schedule held its state already): undone, it
    // still reads as a posting, and the occurrences wait in the trash, not posted again.
    let undone = s.undo_step(62).unwrap().unwrap();
    assert_eq!(
        step_text(false, &undone),
        "Undid: posting of 4 recurring expenses"
    );
    assert_eq!((s.len(), s.trashed().unwrap().len()), (0, 4));
    assert!(s.post_due(d(2026, 5, 2), 64).unwrap().records.is_empty());
    consistent(&s);
    s.redo_step(66).unwrap().unwrap();
    assert_eq!(s.len(), 4);
    // A person's change after an undo still clears the redo.
    s.undo_step(70).unwrap().unwrap();
    s.put(
        Draft::sample(d(2026, 5, 2), 100, "food", "Shop"),
        Origin::User,
        80,
    )
    .unwrap();
    assert!(s.redo_step(90).unwrap().is_none());
}

/// A schedule's records read as the schedule's in the history, its undo and redo lines, and
/// its own history (`item_history` reads `schedules-1`, not `items`).
#[test]
fn a_schedules_history_reads_as_the_schedule() {
    use crate::domain::change::step_text;
    let s = Store::open_temporary().unwrap();
    let made = s
        .save_schedule(
            &rent(d(2026, 1, 1), MonthDay::Day(1), false),
            Origin::User,
            1,
        )
        .unwrap();
    assert_eq!(
        made.summary(),
        "schedule 950.00 EUR housing:rent @Landlord: every month on the 1st from 2026-01-01"
    );
    let posted = s.post_due(d(2026, 2, 15), 2).unwrap();
    let step = s.stream_since(s.last_seq().unwrap() - 1, 1).unwrap();
    assert_eq!(
        step[0].summary(),
        "schedule 950.00 EUR housing:rent @Landlord: next 2026-01-01 → 2026-03-01"
    );
    assert_eq!(
        posted.records[0].summary(),
        "950.00 EUR housing:rent @Landlord"
    );
    let mut cur = s.schedule(made.id).unwrap().unwrap();
    cur.paused = true;
    s.save_schedule(&cur, Origin::User, 3).unwrap();
    let Some(u) = s.undo_step(4).unwrap() else {
        panic!("the pause is undone")
    };
    assert_eq!(
        step_text(false, &u),
        "Undid: edit schedule 950.00 EUR housing:rent @Landlord (paused)"
    );
    let r = s.redo_step(5).unwrap().unwrap();
    assert_eq!(
        step_text(true, &r),
        "Redid: edit schedule 950.00 EUR housing:rent @Landlord (paused)"
    );
    // The detail view's fields: the schedule's, `paused` changed.
    let last = s.stream_since(s.last_seq().unwrap() - 1, 1).unwrap();
    let changed: Vec<&str> = last[0]
        .fields()
        .into_iter()
        .filter(|f| f.changed())
        .map(|f| f.field)
        .collect();
    assert_eq!(changed, ["paused"]);
    assert_eq!(last[0].versions(), (Some(4), Some(5)));
    // Its own history: made, stepped, paused, unpaused (undo), paused (redo).
    let h = s.item_history(made.id, 0, 10).unwrap();
    assert_eq!(h.total, 5);
    assert!(h
        .records
        .iter()
        .all(|r| r.schedule.is_some() && r.new.is_none()));
    let v = s.schedule(made.id).unwrap().unwrap().version;
    s.remove_schedule(made.id, v, Origin::User, 6).unwrap();
    let h = s.item_history(made.id, 0, 10).unwrap();
    assert_eq!(
        h.total, 6,
        "a removed schedule's history is found in the stream"
    );
    assert!(h.records[0]
        .summary()
        .starts_with("schedule removed: 950.00 EUR housing:rent @Landlord"));
    consistent(&s);
}

/// `check` holds `schedules-1` against the replay and names the table: a schedule lost from it,
/// or one written behind the stream's back, is reported as a schedule's problem; it is not a
/// lost expense, so a repair of the derived trees goes on (and leaves it, as it leaves
/// `items`).
#[test]
fn check_names_a_schedule_lost_or_changed_behind_the_streams_back() {
    let s = Store::open_temporary().unwrap();
    let a = s
        .save_schedule(
            &rent(d(2026, 1, 1), MonthDay::Day(1), false),
            Origin::User,
            1,
        )
        .unwrap()
        .id;
    let b = s
        .save_schedule(
            &rent(d(2026, 1, 2), MonthDay::Day(2), false),
            Origin::User,
            2,
        )
        .unwrap()
        .id;
    s.post_due(d(2026, 2, 5), 3).unwrap();
    consistent(&s);
    s.trees.schedules.remove(id_key(a)).unwrap();
    let key = id_key(b);
    let mut img = decode_item(
        SCHEDULES,
        &key,
        &s.trees.schedules.get(key).unwrap().unwrap(),
    )
    .unwrap();
    img.last_seq = 1;
    s.trees
        .schedules
        .insert(key, super::super::codec::encode_item(&img).unwrap())
        .unwrap();
    let r = s.check().unwrap();
    assert_eq!(r.problems.len(), 2, "{:?}", r.problems);
    assert!(
        r.problems
            .iter()
            .any(|p| p.contains(&format!("replay has schedule {a}, which schedules-1 lacks"))),
        "{:?}",
        r.problems
    );
    assert!(
        r.problems
            .iter()
            .any(|p| p.contains(&format!("replay of {b}"))
                && p.contains("schedules-1 has the one of record 1")),
        "{:?}",
        r.problems
    );
    assert!(r.missing.is_empty(), "a schedule is no lost expense");
    assert_eq!(s.repair(&r).unwrap(), 0, "nothing derived to rebuild");
    assert_eq!(s.check().unwrap().problems, r.problems, "left as it is");
}

/// After the undo of a posting, every open steps the schedule past the occurrences in the
/// trash (the posting pass); `u` passes over those steps and takes back the change before the
/// posting, as it would have without them: undo never gets stuck on the poster.
#[test]
fn undo_passes_over_the_steps_past_an_undone_posting() {
    use crate::domain::change::step_text;
    let s = Store::open_temporary().unwrap();
    s.set_trash_ttl(30 * 86_400_000);
    let lunch = s
        .put(
            Draft::sample(d(2026, 1, 2), 900, "food", "Deli"),
            Origin::User,
            5,
        )
        .unwrap();
    s.save_schedule(
        &rent(d(2026, 1, 31), MonthDay::Day(31), false),
        Origin::User,
        10,
    )
    .unwrap();
    s.post_due(d(2026, 3, 2), 20).unwrap();
    let u = s.undo_step(30).unwrap().unwrap();
    assert_eq!(
        step_text(false, &u),
        "Undid: posting of 2 recurring expenses (1 schedule set back)"
    );
    // Two opens, each stepping past the trashed occurrences (the second finds them handled).
    assert_eq!(s.post_due(d(2026, 3, 2), 40).unwrap().already, 2);
    assert_eq!(s.post_due(d(2026, 3, 2), 41).unwrap().already, 0);
    // `u` now takes back the schedule's making, then the lunch.
    let u = s.undo_step(50).unwrap().unwrap();
    assert!(
        step_text(false, &u).starts_with("Undid: add schedule 950.00 EUR housing:rent"),
        "{}",
        step_text(false, &u)
    );
    assert!(s.schedules().unwrap().is_empty());
    let u = s.undo_step(60).unwrap().unwrap();
    assert_eq!(step_text(false, &u), "Undid: add 9.00 EUR food @Deli");
    assert!(s.get(lunch.id).unwrap().is_none());
    consistent(&s);
}

/// An edit undone after posting passes stepped the schedule on: the fields the edit changed go
/// back, how far it was handled stays (so nothing handled is posted again).
#[test]
fn an_edit_undone_after_steps_keeps_how_far_the_schedule_was_handled() {
    let (s, id) = rent_on_the_31st();
    let mut dearer = s.schedule(id).unwrap().unwrap();
    dearer.template.amount = 99_000;
    s.save_schedule(&dearer, Origin::User, 11).unwrap();
    s.post_due(d(2026, 3, 2), 20).unwrap();
    s.undo_step(30).unwrap().unwrap();
    assert_eq!(s.post_due(d(2026, 3, 2), 40).unwrap().already, 2);
    let u = s.undo_step(50).unwrap().unwrap();
    assert_eq!(
        crate::domain::change::step_text(false, &u),
        "Undid: edit schedule 990.00 EUR housing:rent @Landlord (amount 950.00 → 990.00)"
    );
    let now = s.schedule(id).unwrap().unwrap();
    assert_eq!((now.template.amount, now.next), (95_000, 2));
    assert!(s.post_due(d(2026, 3, 2), 60).unwrap().records.is_empty());
    consistent(&s);
    // Redo makes the edit again, still keeping how far it was handled.
    s.redo_step(70).unwrap().unwrap();
    let now = s.schedule(id).unwrap().unwrap();
    assert_eq!((now.template.amount, now.next), (99_000, 2));
    consistent(&s);
}
