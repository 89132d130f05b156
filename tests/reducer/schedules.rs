//! Recurring expenses in the reducer: the schedules screen (opened from the ledger, the due
//! list on top), the schedule form (built from the expense form, rule fields checked), what
//! each key asks of the store (always an effect, conditional on the version the list showed),
//! what the answers say, "repeat this" from a ledger row, and posting on a new day.

use super::*;
use expense_tracker::app::answer::{ScheduleSaved, SchedulesLoaded};
use expense_tracker::app::state::{RuleField, Screen, Unit};
use expense_tracker::domain::schedule::{
    Confirm, End, Every, MonthDay, Rule, Schedule, ScheduleChange,
};

fn draft(date: NaiveDate, cents: i64, category: &str, payee: &str) -> Draft {
    Draft {
        date,
        amount: cents,
        currency: Currency::EUR,
        category: category.into(),
        payee: payee.into(),
        note: String::new(),
        tags: Vec::new(),
        kind: Kind::Expense,
    }
}

/// Schedule `id` at version 3: monthly on `day` from `start`.
fn monthly(
    id: u128,
    start: NaiveDate,
    day: u8,
    confirm: bool,
    what: (&str, &str, i64),
) -> Schedule {
    let rule = Rule::new(start, Every::Months(1, MonthDay::Day(day)), End::Never).unwrap();
    let mut s = Schedule::new(
        ExpenseId(id),
        draft(start, what.2, what.0, what.1),
        rule,
        confirm,
    );
    s.version = 3;
    s
}

/// Rent (posts by itself, next on 1 December) and a streaming service that asks, whose 15
/// November occurrence is due.
fn schedules() -> Vec<Schedule> {
    let mut rent = monthly(1, day(2026, 1, 1), 1, false, ("rent", "Landlord", 95_000));
    for k in 0..11 {
        rent.mark_handled(k);
    }
    let mut tv = monthly(2, day(2026, 10, 15), 15, true, ("fun:tv", "Netflix", 999));
    tv.mark_handled(0);
    vec![rent, tv]
}

/// The schedules screen open on `schedules()`, the due list read for today.
fn on_schedules() -> Fake {
    let mut f = Fake::with_rows(5);
    let fx = f.send(Action::OpenSchedules);
    assert_eq!(fx, vec![Effect::LoadSchedules { today: today() }]);
    assert_eq!(f.state.screen, Screen::Schedules);
    let all = schedules();
    let due = vec![(ExpenseId(2), all[1].date_of(1).unwrap())];
    f.send(Action::Answer(Answer::SchedulesLoaded(Box::new(
        SchedulesLoaded {
            today: today(),
            schedules: all,
            due,
        },
    ))));
    f
}

fn rule_form(f: &Fake) -> &expense_tracker::app::state::RuleForm {
    f.form().rule.as_deref().expect("a schedule form")
}

#[test]
fn the_screen_lists_the_due_occurrences_first_and_esc_goes_back() {
    let mut f = on_schedules();
    let rows = f.state.schedules.rows();
    assert_eq!(rows.len(), 3, "one due, two schedules");
    assert!(
        matches!(rows[0], expense_tracker::app::state::ScheduleRow::Due(s, o)
        if s.id == ExpenseId(2) && o.date == day(2026, 11, 15))
    );
    assert_eq!(f.state.schedules.due_rows(), 1);
    // Esc: the ledger, read again.
    let fx = f.send(Action::OpenLedger);
    assert_eq!(f.state.screen, Screen::Ledger);
    assert!(matches!(fx[..], [Effect::LoadWindow(_)]));
}

#[test]
fn enter_posts_the_due_occurrence_and_s_skips_it_on_the_version_shown() {
    let mut f = on_schedules();
    let post = Effect::HandleOccurrence {
        id: ExpenseId(2),
        expected_version: 3,
        natural: day(2026, 11, 15),
        how: Confirm::Post,
    };
    assert_eq!(f.send_raw(Action::Submit), vec![post]);
    assert!(f.state.schedules.writing);
    let skip = f.send_raw(Action::SkipOccurrence);
    assert!(
        matches!(&skip[..], [Effect::HandleOccurrence { how: Confirm::Skip, natural, .. }]
        if *natural == day(2026, 11, 15))
    );
    // On a schedule's row, s skips its next occurrence (rent's 1 December).
    f.send(Action::SelectNext);
    let skip = f.send_raw(Action::SkipOccurrence);
    assert!(
        matches!(&skip[..], [Effect::HandleOccurrence { id, how: Confirm::Skip, natural, .. }]
        if *id == ExpenseId(1) && *natural == day(2026, 12, 1))
    );
}

#[test]
fn e_on_a_due_row_edits_it_and_saving_posts_it_as_edited() {
    let mut f = on_schedules();
    assert_eq!(f.send(Action::OpenEdit), vec![Effect::LoadCompletions]);
    let form = f.form();
    assert!(
        matches!(form.mode, FormMode::PostDue { id, version: 3, natural }
        if id == ExpenseId(2) && natural == day(2026, 11, 15))
    );
    assert_eq!(form.input(Field::Date).value(), "2026-11-15");
    assert_eq!(form.input(Field::Amount).value(), "9.99");
    for _ in 0..4 {
        f.send(Action::Input(InputRequest::DeletePrevChar));
    }
    f.type_str("12.49");
    // The schedule's own category is no typo, though no expense has it yet.
    let fx = f.send(Action::Submit);
    let want = draft(day(2026, 11, 15), 1249, "fun:tv", "Netflix");
    assert_eq!(
        fx,
        vec![Effect::HandleOccurrence {
            id: ExpenseId(2),
            expected_version: 3,
            natural: day(2026, 11, 15),
            how: Confirm::PostAs(want),
        }]
    );
    assert!(f.form().saving);
}

#[test]
fn a_new_schedule_is_the_expense_form_with_the_rule_after_it() {
    let mut f = on_schedules();
    f.send(Action::OpenAdd);
    assert_eq!(f.form().mode, FormMode::Schedule);
    assert!(rule_form(&f).base.is_none());
    f.type_str("950");
    f.send(Action::FocusNext); // payee
    f.type_str("Landlord");
    f.send(Action::FocusNext); // category
    f.type_str("rent");
    // Past the expense's fields (tags, note, currency, kind) into the rule's.
    for _ in 0..5 {
        f.send(Action::FocusNext);
    }
    assert_eq!(rule_form(&f).focus, Some(RuleField::Every));
    assert!(
        !f.form().focused(Field::Kind),
        "no expense field has the keyboard"
    );
    f.send(Action::FocusNext); // unit: space steps, a letter picks
    f.send(Action::Input(InputRequest::InsertChar(' ')));
    assert_eq!(rule_form(&f).unit, Unit::Years);
    f.send(Action::Input(InputRequest::InsertChar('m')));
    assert_eq!(rule_form(&f).unit, Unit::Months);
    f.send(Action::FocusNext); // on day
    f.type_str("last");
    f.send(Action::FocusNext); // ends
    f.type_str("12");
    f.send(Action::FocusNext); // confirm
    f.send(Action::Input(InputRequest::InsertChar('y')));
    f.send(Action::FocusNext);
    assert_eq!(f.form().focus, Field::Date, "round again to the start");
    assert_eq!(rule_form(&f).focus, None);
    let fx = f.send(Action::Submit);
    let [Effect::SaveSchedule(s)] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert_eq!(s.version, 0, "a new one");
    assert_eq!(
        s.rule,
        Rule::new(today(), Every::Months(1, MonthDay::Last), End::After(12)).unwrap()
    );
    assert!(s.confirm);
    assert_eq!(s.template, draft(today(), 95_000, "rent", "Landlord"));
    assert!(f.form().saving);
}

#[test]
fn a_bad_rule_is_said_under_its_field_and_nothing_is_asked() {
    let mut f = on_schedules();
    f.send(Action::OpenAdd);
    f.type_str("9");
    f.send(Action::FocusNext);
    f.type_str("Gym");
    f.send(Action::FocusNext);
    f.type_str("fun");
    for _ in 0..5 {
        f.send(Action::FocusNext);
    }
    // every 0 months, on the 32nd, ending before it starts.
    f.send(Action::Input(InputRequest::DeletePrevChar));
    f.type_str("0");
    f.send(Action::FocusNext);
    f.send(Action::FocusNext);
    f.type_str("32");
    f.send(Action::FocusNext);
    assert_eq!(
        rule_form(&f).error(RuleField::On),
        Some("day 32 is not a day of the month: use 1-31, or 'last'"),
        "said as soon as the field is left"
    );
    f.type_str("2026-01-01");
    assert!(f.send(Action::Submit).is_empty());
    let r = rule_form(&f);
    assert!(
        r.error(RuleField::Every).unwrap().contains("not every 0"),
        "{:?}",
        r.errors
    );
    assert!(
        r.error(RuleField::Ends)
            .unwrap()
            .contains("before it starts"),
        "{:?}",
        r.errors
    );
    assert_eq!(
        r.focus,
        Some(RuleField::Every),
        "the first wrong field has the keyboard"
    );
    assert!(!f.form().saving);
    // Typing in a field clears its reason.
    f.type_str("1");
    assert!(rule_form(&f).error(RuleField::Every).is_none());
}

#[test]
fn editing_keeps_what_was_handled_and_changes_what_comes() {
    let mut f = on_schedules();
    f.send(Action::SelectNext); // rent
    f.send(Action::Submit);
    assert!(rule_form(&f).base.is_some());
    assert_eq!(f.form().input(Field::Date).value(), "2026-01-01");
    assert_eq!(rule_form(&f).on.value(), "1");
    // The amount goes up; the rule stays.
    for _ in 0..6 {
        f.send(Action::Input(InputRequest::DeletePrevChar));
    }
    f.type_str("990");
    let fx = f.send(Action::Submit);
    let [Effect::SaveSchedule(s)] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert_eq!((s.version, s.next, s.template.amount), (3, 11, 99_000));
    assert_eq!(s.next_occurrence().unwrap().date, day(2026, 12, 1));
}

#[test]
fn pause_resume_end_remove_and_move_are_writes_of_the_version_shown() {
    let mut f = on_schedules();
    f.send(Action::SelectNext); // rent
    let fx = f.send_raw(Action::TogglePause);
    assert!(matches!(&fx[..], [Effect::SaveSchedule(s)] if s.paused && s.version == 3));
    let fx = f.send_raw(Action::EndSchedule);
    assert!(matches!(&fx[..], [Effect::SaveSchedule(s)]
        if s.rule.end == End::On(today()) && s.next == 11));
    // Remove asks first.
    assert!(f.send_raw(Action::DeleteSelected).is_empty());
    assert!(matches!(
        f.state.overlay,
        Some(Overlay::ConfirmRemoveSchedule { .. })
    ));
    assert_eq!(
        f.send_raw(Action::Submit),
        vec![Effect::RemoveSchedule {
            id: ExpenseId(1),
            expected_version: 3
        }]
    );
    // Move the next occurrence: a day that does not exist, then one past the one after it,
    // then a good one.
    assert!(f.send_raw(Action::MoveOccurrence).is_empty());
    let Some(Overlay::Move(m)) = &f.state.overlay else {
        panic!("{:?}", f.state.overlay)
    };
    assert_eq!(m.input.value(), "2026-12-01");
    let retype = |f: &mut Fake, text: &str| {
        for _ in 0..10 {
            f.send(Action::Input(InputRequest::DeletePrevChar));
        }
        for c in text.chars() {
            f.send(Action::Input(InputRequest::InsertChar(c)));
        }
        f.send_raw(Action::Submit)
    };
    let error = |f: &Fake| match &f.state.overlay {
        Some(Overlay::Move(m)) => m.error.clone(),
        other => panic!("{other:?}"),
    };
    assert!(retype(&mut f, "2026-12-32").is_empty());
    assert_eq!(
        error(&f).as_deref(),
        Some("date '2026-12-32' does not exist")
    );
    assert!(retype(&mut f, "2027-01-02").is_empty());
    assert!(error(&f).unwrap().contains("occurrences keep their order"));
    let fx = retype(&mut f, "2026-12-03");
    assert!(matches!(&fx[..], [Effect::SaveSchedule(s)]
        if s.next_occurrence().unwrap().date == day(2026, 12, 3)));
}

#[test]
fn a_paused_schedule_resumes_skipping_what_fell_in_the_pause() {
    let mut f = Fake::with_rows(1);
    f.send(Action::OpenSchedules);
    let mut rent = monthly(1, day(2026, 1, 1), 1, false, ("rent", "Landlord", 95_000));
    for k in 0..8 {
        rent.mark_handled(k);
    }
    rent.paused = true;
    f.send(Action::Answer(Answer::SchedulesLoaded(Box::new(
        SchedulesLoaded {
            today: today(),
            schedules: vec![rent],
            due: Vec::new(),
        },
    ))));
    let fx = f.send_raw(Action::TogglePause);
    let [Effect::SaveSchedule(s)] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert!(!s.paused);
    assert_eq!(
        s.next_occurrence().unwrap().date,
        day(2026, 12, 1),
        "Sept-Nov skipped"
    );
}

#[test]
fn repeat_this_opens_the_schedule_form_monthly_from_the_next_occurrence() {
    let mut f = Fake::new(vec![Expense {
        id: ExpenseId(9),
        draft: draft(day(2026, 1, 31), 4_500, "fun:gym", "Gym"),
        created: 0,
        updated: 0,
        version: 1,
    }]);
    f.send(Action::PrevMonth);
    for _ in 0..9 {
        f.send(Action::PrevMonth);
    }
    assert_eq!(f.state.ledger.total, Some(1), "January holds the expense");
    f.send(Action::RepeatExpense);
    let form = f.form();
    assert_eq!(form.mode, FormMode::Schedule);
    // 31 January: next is 28 February, on the 31st each month after.
    assert_eq!(form.input(Field::Date).value(), "2026-02-28");
    assert_eq!(form.input(Field::Payee).value(), "Gym");
    assert_eq!(rule_form(&f).on.value(), "31");
    let fx = f.send(Action::Submit);
    let [Effect::SaveSchedule(s)] = &fx[..] else {
        panic!("{fx:?}")
    };
    let dates: Vec<NaiveDate> = s
        .rule
        .between(day(2026, 1, 1), day(2026, 4, 30))
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    assert_eq!(
        dates,
        [day(2026, 2, 28), day(2026, 3, 31), day(2026, 4, 30)]
    );
}

fn saved(old: Option<Schedule>, new: Option<Schedule>, posted: Option<Expense>) -> Action {
    let handled = posted.as_ref().map(|e| e.draft.date);
    Action::Answer(Answer::ScheduleSaved(Box::new(ScheduleSaved {
        seq: 40,
        change: ScheduleChange { old, new },
        posted,
        handled,
    })))
}

#[test]
fn answers_close_the_form_say_what_was_done_and_read_the_list_again() {
    let mut f = on_schedules();
    f.send(Action::SelectNext);
    f.send(Action::TogglePause);
    let rent = schedules()[0].clone();
    let mut paused = rent.clone();
    paused.paused = true;
    paused.version = 4;
    let fx = f.send_raw(saved(Some(rent.clone()), Some(paused), None));
    assert_eq!(
        f.state.toast.as_ref().unwrap().text,
        "Paused 950.00 EUR rent @Landlord: nothing falls due until p resumes it · u undoes"
    );
    assert!(matches!(
        fx[..],
        [Effect::LoadWindow(_), Effect::LoadSchedules { .. }]
    ));
    assert!(!f.state.schedules.writing);
    // A post from the due list: the ledger keeps the new expense under the cursor.
    let tv = schedules()[1].clone();
    let e = Expense {
        id: ExpenseId(77),
        draft: draft(day(2026, 11, 15), 999, "fun:tv", "Netflix"),
        created: 0,
        updated: 0,
        version: 1,
    };
    let fx = f.send_raw(saved(Some(tv.clone()), Some(tv), Some(e)));
    assert_eq!(
        f.state.toast.as_ref().unwrap().text,
        "Posted 9.99 EUR fun:tv @Netflix on 2026-11-15 · u undoes"
    );
    assert!(matches!(&fx[0], Effect::LoadWindow(q) if q.focus == Some(ExpenseId(77))));
    // A new schedule that is due today posts at once.
    let mut new = monthly(5, today(), 21, false, ("gym", "Gym", 3_000));
    new.version = 1;
    let fx = f.send_raw(saved(None, Some(new), None));
    assert_eq!(
        f.state.toast.as_ref().unwrap().text,
        "Added recurring 30.00 EUR gym @Gym"
    );
    assert_eq!(fx[0], Effect::PostDue { today: today() });
    f.send_raw(Action::Answer(Answer::DuePosted {
        text: Some("Posted 1 recurring expense (Gym); undo takes it back".into()),
        waiting: 0,
    }));
    assert_eq!(
        f.state.toast.as_ref().unwrap().text,
        "Added recurring 30.00 EUR gym @Gym · Posted 1 recurring expense (Gym); undo takes it back"
    );
}

#[test]
fn a_conflict_is_said_and_the_list_is_read_again() {
    let mut f = on_schedules();
    f.send(Action::SelectNext);
    f.send_raw(Action::TogglePause);
    let fx = f.send_raw(Action::Answer(Answer::Failed(
        "this recurring expense was changed elsewhere (you read version 3, it is now version \
         4); the list is read again: look, then try again"
            .into(),
    )));
    assert_eq!(fx, vec![Effect::LoadSchedules { today: today() }]);
    assert!(f.state.toast.as_ref().unwrap().error);
    // A failure of a read is said, not read again (no loop).
    assert!(f
        .send_raw(Action::Answer(Answer::Failed("disk".into())))
        .is_empty());
    // In a form: the reason shows in it, and the list is read again under it.
    f.send(Action::Submit);
    f.send_raw(Action::Submit);
    assert!(f.form().saving);
    let fx = f.send_raw(Action::Answer(Answer::Failed("changed elsewhere".into())));
    assert_eq!(f.form().store_error.as_deref(), Some("changed elsewhere"));
    assert!(!f.form().saving);
    assert_eq!(fx, vec![Effect::LoadSchedules { today: today() }]);
}

#[test]
fn a_new_day_posts_what_fell_due_and_the_start_says_what_waits() {
    let mut s = State::new(today(), 1, Currency::EUR);
    let fx = expense_tracker::app::update::start(&s);
    assert!(
        matches!(fx[..], [Effect::LoadWindow(_), Effect::PostDue { today: t }] if t == today())
    );
    // What the open posted shows, then the count of what waits joins it.
    update(
        &mut s,
        Action::Answer(Answer::Notice(
            "Posted 2 recurring expenses (rent, gym); undo takes them back".into(),
        )),
    );
    update(
        &mut s,
        Action::Answer(Answer::DuePosted {
            text: None,
            waiting: 2,
        }),
    );
    let toast = s.toast.clone().unwrap();
    assert_eq!(
        toast.text,
        "Posted 2 recurring expenses (rent, gym); undo takes them back · 2 recurring expenses \
         wait for you: R shows them"
    );
    assert!(!toast.error);
    // The same day again: nothing; the next day: post.
    assert!(update(&mut s, Action::Tick(today())).is_empty());
    let next = day(2026, 11, 22);
    assert_eq!(
        update(&mut s, Action::Tick(next)),
        vec![Effect::PostDue { today: next }]
    );
    assert_eq!(s.today, next);
    // Nothing posted, nothing waiting: the status line is left as it is.
    s.toast = None;
    let fx = update(
        &mut s,
        Action::Answer(Answer::DuePosted {
            text: None,
            waiting: 0,
        }),
    );
    assert!(fx.is_empty() && s.toast.is_none());
    let fx = update(
        &mut s,
        Action::Answer(Answer::DuePosted {
            text: Some("Posted 1 recurring expense (rent); undo takes it back".into()),
            waiting: 1,
        }),
    );
    assert_eq!(
        s.toast.unwrap().text,
        "Posted 1 recurring expense (rent); undo takes it back · 1 recurring expense waits for \
         you: R shows it"
    );
    assert!(
        matches!(fx[..], [Effect::LoadWindow(_)]),
        "the ledger shows what was posted"
    );
}
