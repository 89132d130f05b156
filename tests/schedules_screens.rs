//! The schedules screen drawn into a `TestBackend` from plain data: the due list over every
//! schedule with the selected row's rule under the table (80x24, 60x15), the empty screen,
//! the schedule form with a rule refused under its field, and the move and remove prompts.
//! The due row's state is checked in its colour.
// Amounts are written as units_cents (950_00 is 950.00).
#![allow(clippy::inconsistent_digit_grouping)]

use chrono::NaiveDate;
use expense_tracker::app::answer::SchedulesLoaded;
use expense_tracker::app::state::Screen;
use expense_tracker::app::Answer;
use expense_tracker::app::{update, Action, Effect, State};
use expense_tracker::domain::schedule::{End, Every, MonthDay, Occurrence, Rule, Schedule};
use expense_tracker::domain::{Currency, Draft, ExpenseId, Kind};
use expense_tracker::ui::theme::{Meaning, Theme};
use tui_input::InputRequest;

#[path = "common/screen.rs"]
mod screen;
use screen::draw;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn today() -> NaiveDate {
    day(2026, 11, 21)
}

fn schedule(id: u128, what: (&str, &str, i64), rule: Rule, confirm: bool) -> Schedule {
    let draft = Draft {
        date: rule.start,
        amount: what.2,
        currency: Currency::EUR,
        category: what.0.into(),
        payee: what.1.into(),
        note: String::new(),
        tags: Vec::new(),
        kind: Kind::Expense,
    };
    let mut s = Schedule::new(ExpenseId(id), draft, rule, confirm);
    s.version = 2;
    s
}

/// Rent (monthly on the 1st, 11 posted), a weekly cleaner that asks (its 16 November one is
/// due), a paused gym, insurance that ended, and a payee holding an escape sequence.
fn schedules() -> (Vec<Schedule>, Vec<(ExpenseId, Occurrence)>) {
    let mut rent = schedule(
        1,
        ("housing:rent", "Landlord", 950_00),
        Rule::new(
            day(2026, 1, 1),
            Every::Months(1, MonthDay::Day(1)),
            End::Never,
        )
        .unwrap(),
        false,
    );
    for k in 0..11 {
        rent.mark_handled(k);
    }
    let mut cleaner = schedule(
        2,
        ("home:cleaning", "Maria", 60_00),
        Rule::new(day(2026, 11, 2), Every::Weeks(1), End::Never).unwrap(),
        true,
    );
    cleaner.mark_handled(0);
    cleaner.mark_handled(1);
    let mut gym = schedule(
        3,
        ("fun:gym", "Gym \u{1b}[31mEvil", 30_00),
        Rule::new(
            day(2026, 3, 15),
            Every::Months(1, MonthDay::Last),
            End::Never,
        )
        .unwrap(),
        false,
    );
    gym.paused = true;
    let mut insurance = schedule(
        4,
        ("insurance", "Allianz", 420_00),
        Rule::new(day(2025, 6, 1), Every::Years(1), End::After(1)).unwrap(),
        false,
    );
    insurance.mark_handled(0);
    let due = vec![(ExpenseId(2), cleaner.date_of(2).unwrap())];
    (vec![rent, cleaner, gym, insurance], due)
}

fn state(width: u16, height: u16) -> State {
    let mut s = State::new(today(), 1, Currency::EUR);
    update(&mut s, Action::Resize { width, height });
    assert_eq!(
        update(&mut s, Action::OpenSchedules),
        vec![Effect::LoadSchedules { today: today() }]
    );
    assert_eq!(s.screen, Screen::Schedules);
    s
}

fn load(s: &mut State, schedules: Vec<Schedule>, due: Vec<(ExpenseId, Occurrence)>) {
    update(
        s,
        Action::Answer(Answer::SchedulesLoaded(Box::new(SchedulesLoaded {
            today: today(),
            schedules,
            due,
        }))),
    );
}

#[test]
fn schedules_80x24() {
    let mut s = state(80, 24);
    let (all, due) = schedules();
    load(&mut s, all, due);
    let t = draw(&s, 80, 24);
    insta::assert_snapshot!("schedules_80x24", t.backend());
    // The due row's state stands out; a schedule that posts by itself is muted.
    let buf = t.backend().buffer();
    assert_eq!(buf[(0, 2)].symbol(), "d");
    assert_eq!(
        buf[(0, 2)].fg,
        Theme::DEFAULT.style(Meaning::Over).fg.unwrap()
    );
    assert_eq!(
        buf[(0, 3)].fg,
        Theme::DEFAULT.style(Meaning::Muted).fg.unwrap()
    );
}

#[test]
fn schedules_60x15_with_a_schedule_selected() {
    let mut s = state(60, 15);
    let (all, due) = schedules();
    load(&mut s, all, due);
    update(&mut s, Action::SelectNext);
    insta::assert_snapshot!("schedules_60x15", draw(&s, 60, 15).backend());
}

#[test]
fn no_schedules_yet_80x24() {
    let mut s = state(80, 24);
    load(&mut s, Vec::new(), Vec::new());
    insta::assert_snapshot!("schedules_empty_80x24", draw(&s, 80, 24).backend());
}

#[test]
fn schedule_form_with_a_refused_day_80x24_and_60x15() {
    for (w, h) in [(80, 24), (60, 15)] {
        let mut s = state(w, h);
        load(&mut s, Vec::new(), Vec::new());
        update(&mut s, Action::OpenAdd);
        for c in "950".chars() {
            update(&mut s, Action::Input(InputRequest::InsertChar(c)));
        }
        // Amount .. kind, every, unit, then the day of the month.
        for _ in 0..9 {
            update(&mut s, Action::FocusNext);
        }
        for c in "32".chars() {
            update(&mut s, Action::Input(InputRequest::InsertChar(c)));
        }
        update(&mut s, Action::FocusNext);
        insta::assert_snapshot!(
            format!("schedule_form_bad_day_{w}x{h}"),
            draw(&s, w, h).backend()
        );
    }
}

#[test]
fn move_and_remove_prompts_60x15() {
    let mut s = state(60, 15);
    let (all, due) = schedules();
    load(&mut s, all, due);
    update(&mut s, Action::SelectNext); // rent
    update(&mut s, Action::MoveOccurrence);
    for _ in 0..2 {
        update(&mut s, Action::Input(InputRequest::DeletePrevChar));
    }
    for c in "40".chars() {
        update(&mut s, Action::Input(InputRequest::InsertChar(c)));
    }
    update(&mut s, Action::Submit);
    insta::assert_snapshot!("schedule_move_refused_60x15", draw(&s, 60, 15).backend());
    update(&mut s, Action::Cancel);
    update(&mut s, Action::DeleteSelected);
    insta::assert_snapshot!("schedule_remove_prompt_60x15", draw(&s, 60, 15).backend());
}
