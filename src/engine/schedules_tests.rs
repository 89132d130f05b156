//! Tests of the schedule effects as `Engine::execute` runs them: what each answers, what the
//! store holds after, a stale version in words about a schedule, and the posting pass of a new
//! day with what waits.
use super::*;
use crate::domain::effect::Effect;
use crate::domain::schedule::{End, Every, MonthDay, Rule};
use crate::engine::Engine;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn monthly(start: NaiveDate, confirm: bool, payee: &str) -> Schedule {
    let rule = Rule::new(start, Every::Months(1, MonthDay::Day(1)), End::Never).unwrap();
    let draft = Draft::sample(start, 95_000, "rent", payee);
    Schedule::new(ExpenseId(0), draft, rule, confirm)
}

fn one(mut answers: Vec<Answer>) -> Answer {
    assert_eq!(answers.len(), 1, "{answers:?}");
    answers.remove(0)
}

fn saved(a: Answer) -> ScheduleSaved {
    match a {
        Answer::ScheduleSaved(s) => *s,
        other => panic!("{other:?}"),
    }
}

#[test]
fn save_load_handle_and_remove_answer_what_they_did() {
    let store = Store::open_temporary().unwrap();
    let mut engine = Engine::new(store.clone());
    let s = saved(one(engine.execute(
        Effect::SaveSchedule(Box::new(monthly(d(2026, 9, 1), true, "Landlord"))),
        1,
    )));
    let made = s.change.new.clone().unwrap();
    assert!(s.change.old.is_none() && s.posted.is_none());
    assert_eq!(made.version, 1);
    // Three due (September to November), waiting in the due list.
    let today = d(2026, 11, 21);
    let Answer::SchedulesLoaded(l) = one(engine.execute(Effect::LoadSchedules { today }, 2)) else {
        panic!()
    };
    assert_eq!(l.schedules, vec![made.clone()]);
    let due: Vec<NaiveDate> = l.due.iter().map(|(_, o)| o.date).collect();
    assert_eq!(due, [d(2026, 9, 1), d(2026, 10, 1), d(2026, 11, 1)]);
    // Post one as it is, one edited, skip one: each answers with the schedule after it.
    let handle = |engine: &mut Engine, natural, how| {
        let version = store.schedule(made.id).unwrap().unwrap().version;
        saved(one(engine.execute(
            Effect::HandleOccurrence {
                id: made.id,
                expected_version: version,
                natural,
                how,
            },
            3,
        )))
    };
    let posted = handle(&mut engine, d(2026, 9, 1), Confirm::Post);
    let e = posted.posted.unwrap();
    assert_eq!((e.draft.date, e.draft.amount), (d(2026, 9, 1), 95_000));
    assert_eq!(posted.handled, Some(d(2026, 9, 1)));
    // A person posted it: undo takes it back for good (not into the trash, where the poster
    // would step past it), and it waits in the due list again, to be posted again.
    assert!(matches!(
        one(engine.execute(Effect::Undo, 4)),
        Answer::Stepped(_)
    ));
    assert_eq!((store.len(), store.trashed().unwrap().len()), (0, 0));
    assert_eq!(store.due(today).unwrap().len(), 3);
    let posted = handle(&mut engine, d(2026, 9, 1), Confirm::Post);
    assert_eq!(
        posted.posted.unwrap().id,
        e.id,
        "the occurrence's own id again"
    );
    let mut edited = made.draft_for(&made.date_of(1).unwrap());
    edited.amount = 97_500;
    let posted = handle(&mut engine, d(2026, 10, 1), Confirm::PostAs(edited));
    assert_eq!(posted.posted.unwrap().draft.amount, 97_500);
    let skipped = handle(&mut engine, d(2026, 11, 1), Confirm::Skip);
    assert!(skipped.posted.is_none());
    assert_eq!(
        skipped
            .change
            .new
            .as_ref()
            .unwrap()
            .next_occurrence()
            .unwrap()
            .date,
        d(2026, 12, 1)
    );
    assert_eq!(store.len(), 2, "two posted, one skipped");
    let version = store.schedule(made.id).unwrap().unwrap().version;
    let removed = saved(one(engine.execute(
        Effect::RemoveSchedule {
            id: made.id,
            expected_version: version,
        },
        4,
    )));
    assert!(removed.change.new.is_none());
    assert!(store.schedules().unwrap().is_empty());
    assert_eq!(store.len(), 2, "what it posted stays");
    let check = store.check().unwrap();
    assert!(check.is_consistent(), "{:?}", check.problems);
}

#[test]
fn a_stale_version_is_said_about_the_schedule() {
    let store = Store::open_temporary().unwrap();
    let mut engine = Engine::new(store.clone());
    let made = saved(one(engine.execute(
        Effect::SaveSchedule(Box::new(monthly(d(2027, 1, 1), false, "Landlord"))),
        1,
    )))
    .change
    .new
    .unwrap();
    let mut paused = made.clone();
    paused.paused = true;
    saved(one(
        engine.execute(Effect::SaveSchedule(Box::new(paused)), 2)
    ));
    // Another session's list still shows version 1.
    let mut stale = made.clone();
    stale.template.amount = 1;
    let Answer::Failed(text) = one(engine.execute(Effect::SaveSchedule(Box::new(stale)), 3)) else {
        panic!()
    };
    assert_eq!(
        text,
        "this recurring expense was changed elsewhere (you read version 1, it is now version \
         2); the list is read again: look, then try again"
    );
    saved(one(engine.execute(
        Effect::RemoveSchedule {
            id: made.id,
            expected_version: 2,
        },
        4,
    )));
    let Answer::Failed(text) = one(engine.execute(
        Effect::HandleOccurrence {
            id: made.id,
            expected_version: 2,
            natural: d(2027, 1, 1),
            how: Confirm::Skip,
        },
        5,
    )) else {
        panic!()
    };
    assert!(text.contains("(it was removed)"), "{text}");
    assert_eq!(store.schedule(made.id).unwrap(), None);
}

#[test]
fn post_due_posts_once_and_counts_what_waits() {
    let store = Store::open_temporary().unwrap();
    let mut engine = Engine::new(store.clone());
    for (confirm, payee) in [(false, "Landlord"), (true, "Garage")] {
        let s = monthly(d(2026, 9, 1), confirm, payee);
        saved(one(engine.execute(Effect::SaveSchedule(Box::new(s)), 1)));
    }
    let today = d(2026, 11, 21);
    let answer = one(engine.execute(Effect::PostDue { today }, 2));
    let Answer::DuePosted { text, waiting } = answer else {
        panic!("{answer:?}")
    };
    let text = text.unwrap();
    assert_eq!(
        text,
        "Posted 3 recurring expenses (Landlord ×3); undo takes them back"
    );
    assert!(is_posted_text(&text));
    assert_eq!(waiting, 3, "the garage's three wait");
    // Again the same day (a second TUI, a retried request): nothing more.
    let again = one(engine.execute(Effect::PostDue { today }, 3));
    assert_eq!(
        again,
        Answer::DuePosted {
            text: None,
            waiting: 3
        }
    );
    assert_eq!(store.len(), 3);
    assert!(Effect::PostDue { today }.is_read(), "safe to run again");
    assert!(Effect::LoadSchedules { today }.is_read());
    assert!(!Effect::SaveSchedule(Box::new(monthly(today, false, "x"))).is_read());
    assert!(!is_posted_text("an interrupted import was rolled back"));
}
