//! The review's rename prompt (`R`): the reducer with plain data (what it asks, what it keeps,
//! what Enter and Esc do, errors in the prompt, the status line after), and the prompt drawn
//! over the review into a `TestBackend` from a real store through the engine (snapshots at
//! 80x24, a merge, and 60x15, a refusal).
// Amounts are written as units_cents (950_00 is 950.00).
#![allow(clippy::inconsistent_digit_grouping)]

use chrono::NaiveDate;
use expense_tracker::app::state::{Overlay, RenameForm, Screen};
use expense_tracker::app::Answer;
use expense_tracker::app::{update, Action, Effect, State};
use expense_tracker::domain::rename::{BudgetMerge, RenameNote, RenamePreview, RenameStep};
use expense_tracker::domain::review::{CategoryTotal, Review, Totals};
use expense_tracker::domain::{Currency, Draft, Kind, Month};
use expense_tracker::engine::Engine;
use expense_tracker::store::{Origin, Store};
use tui_input::InputRequest;

#[path = "common/screen.rs"]
mod screen;
use screen::draw;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

fn form(s: &State) -> Option<&RenameForm> {
    match &s.overlay {
        Some(Overlay::Rename(f)) => Some(f),
        _ => None,
    }
}

fn cat(path: &str, this: i64, has_children: bool) -> CategoryTotal {
    CategoryTotal {
        category: path.into(),
        depth: path.matches(':').count(),
        has_children,
        currency: Currency::EUR,
        this,
        last: 0,
        count: 1,
        budget: None,
        to_come: 0,
    }
}

/// The review of November 2026 with rent and food (groceries), loaded from plain data.
fn on_review() -> State {
    let mut s = State::new(today(), 1, Currency::EUR);
    update(
        &mut s,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    update(&mut s, Action::OpenReview);
    let month = Month::parse("2026-11").unwrap();
    let (from, to) = month.range(1);
    let review = Review {
        month,
        from,
        to,
        totals: vec![Totals {
            currency: Currency::EUR,
            spent: 1_000_00,
            income: 0,
            count: 2,
        }],
        last_month: Vec::new(),
        last_year: Vec::new(),
        categories: vec![
            cat("food", 50_00, true),
            cat("food:groceries", 50_00, false),
            cat("rent", 950_00, false),
        ],
        days: Vec::new(),
        trend: Vec::new(),
        converted: None,
    };
    update(
        &mut s,
        Action::Answer(Answer::ReviewLoaded(Box::new(review))),
    );
    s
}

fn typed(s: &mut State, text: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in text.chars() {
        fx = update(s, Action::Input(InputRequest::InsertChar(c)));
    }
    fx
}

fn clear(s: &mut State) {
    for _ in 0..20 {
        update(s, Action::Input(InputRequest::DeletePrevChar));
    }
}

fn preview(from: &str, asked: &str, plan: Result<(), &str>) -> RenamePreview {
    RenamePreview {
        from: from.into(),
        asked: asked.into(),
        exact: 1,
        below: 1,
        plan: match plan {
            Ok(()) => Ok(expense_tracker::domain::rename::plan(
                from,
                asked,
                &[(from.to_string(), 1), (format!("{from}:groceries"), 1)],
                &[],
                BudgetMerge::Sum,
            )
            .unwrap()),
            Err(e) => Err(e.into()),
        },
    }
}

#[test]
fn the_prompt_asks_as_the_name_is_typed_and_renames_on_enter() {
    let mut s = on_review();
    update(&mut s, Action::SelectNext); // food (rent sorts first)
    let fx = update(&mut s, Action::RenameCategory);
    assert_eq!(
        fx,
        [Effect::PreviewRename {
            from: "food".into(),
            to: "food".into()
        }]
    );
    let f = form(&s).unwrap();
    assert_eq!((f.category.as_str(), f.input.value()), ("food", "food"));
    clear(&mut s);
    let fx = typed(&mut s, "meals");
    assert_eq!(
        fx,
        [Effect::PreviewRename {
            from: "food".into(),
            to: "meals".into()
        }]
    );
    // An answer for text no longer shown is dropped; the one for "meals" is kept.
    update(
        &mut s,
        Action::Answer(Answer::RenamePreviewed(Box::new(preview(
            "food",
            "meal",
            Ok(()),
        )))),
    );
    assert!(form(&s).unwrap().preview.is_none());
    update(
        &mut s,
        Action::Answer(Answer::RenamePreviewed(Box::new(preview(
            "food",
            "meals",
            Ok(()),
        )))),
    );
    assert!(form(&s).unwrap().preview.is_some());
    let fx = update(&mut s, Action::Submit);
    assert_eq!(
        fx,
        [Effect::RenameCategory {
            from: "food".into(),
            to: "meals".into(),
            policy: BudgetMerge::Sum
        }]
    );
    assert!(form(&s).unwrap().saving);
    // A store failure shows in the prompt, which stays open.
    update(&mut s, Action::Answer(Answer::Failed("disk full".into())));
    let f = form(&s).unwrap();
    assert_eq!((f.error.as_deref(), f.saving), (Some("disk full"), false));
    update(&mut s, Action::Submit);
    let note = RenameNote {
        step: RenameStep::Rename,
        from: "food".into(),
        to: "meals".into(),
        merged: false,
        expenses: 2,
        budgets_moved: 0,
        budgets_merged: 0,
        schedules: 0,
    };
    s.import_categories = vec![(Some("lidl".into()), "food:groceries".into())];
    s.review.expanded.insert("food".into());
    s.ledger.category = Some("food:groceries".into());
    let fx = update(&mut s, Action::Answer(Answer::Renamed(Box::new(note))));
    assert!(form(&s).is_none());
    assert_eq!(
        s.toast.as_ref().unwrap().text,
        "Renamed food → meals: 2 expenses · u undoes · 1 import setting in config.toml still \
         names food: [[import.rules]] payee = \"lidl\": category \"food:groceries\" → \
         \"meals:groceries\""
    );
    // The open category and the ledger's category follow the new name.
    assert!(s.review.expanded.contains("meals"));
    assert_eq!(s.ledger.category.as_deref(), Some("meals:groceries"));
    assert!(
        matches!(&fx[0], Effect::LoadWindow(q) if q.category.as_deref() == Some("meals:groceries"))
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadReview(_))));
    assert_eq!(s.screen, Screen::Review);
}

#[test]
fn a_refused_name_shows_in_the_prompt_without_asking_the_store_and_esc_cancels() {
    let mut s = on_review();
    update(&mut s, Action::SelectNext);
    update(&mut s, Action::RenameCategory);
    typed(&mut s, ":x");
    update(
        &mut s,
        Action::Answer(Answer::RenamePreviewed(Box::new(preview(
            "food",
            "food:x",
            Err("'food:x' is below 'food'"),
        )))),
    );
    assert!(update(&mut s, Action::Submit).is_empty());
    assert_eq!(
        form(&s).unwrap().error.as_deref(),
        Some("'food:x' is below 'food'")
    );
    // Typing clears the error and asks again.
    assert_eq!(typed(&mut s, "y").len(), 1);
    assert!(form(&s).unwrap().error.is_none());
    assert!(update(&mut s, Action::Cancel).is_empty());
    assert!(form(&s).is_none());
    // No category selected (nothing loaded): a message, no prompt.
    let mut empty = State::new(today(), 1, Currency::EUR);
    update(&mut empty, Action::OpenReview);
    assert!(update(&mut empty, Action::RenameCategory).is_empty());
    assert!(empty.toast.as_ref().unwrap().error);
}

/// November 2026: food (groceries, restaurants), drinks, rent; budgets food 300, drinks 100.
fn store() -> Store {
    let s = Store::open_temporary().unwrap();
    s.use_month_start_day(1).unwrap();
    for (d, cents, cat, payee) in [
        (2, 950_00, "rent", "Landlord"),
        (3, 84_30, "food:groceries", "Lidl"),
        (5, 61_15, "food:restaurants", "Pizza Roma"),
        (8, 102_40, "food:groceries", "Rewe"),
        (9, 12_00, "food", "Market"),
        (11, 23_50, "drinks", "Bar"),
    ] {
        let draft = Draft {
            date: NaiveDate::from_ymd_opt(2026, 11, d).unwrap(),
            amount: cents,
            currency: Currency::EUR,
            category: cat.into(),
            payee: payee.into(),
            note: String::new(),
            tags: Vec::new(),
            kind: Kind::Expense,
        };
        s.put(draft, Origin::User, 0).unwrap();
    }
    s.set_budget("food", Some((Currency::EUR, 300_00)), Origin::User, 0)
        .unwrap();
    s.set_budget("drinks", Some((Currency::EUR, 100_00)), Origin::User, 0)
        .unwrap();
    s
}

/// Runs `action` and every effect it causes through the engine, as the event loop does.
fn step(state: &mut State, engine: &mut Engine, action: Action) {
    let mut queue = vec![action];
    while let Some(a) = queue.pop() {
        for fx in update(state, a) {
            if !matches!(fx, Effect::Quit | Effect::Suspend) {
                queue.extend(engine.execute(fx, 0).into_iter().map(Action::Answer));
            }
        }
    }
}

/// The review at `w` x `h` with the prompt open on food and `name` typed.
fn prompt(w: u16, h: u16, name: &str) -> (State, Engine) {
    let mut engine = Engine::new(store());
    let mut s = State::new(today(), 1, Currency::EUR);
    step(
        &mut s,
        &mut engine,
        Action::Resize {
            width: w,
            height: h,
        },
    );
    step(&mut s, &mut engine, Action::OpenReview);
    step(&mut s, &mut engine, Action::SelectNext); // food (rent sorts first)
    step(&mut s, &mut engine, Action::RenameCategory);
    for _ in 0..4 {
        step(
            &mut s,
            &mut engine,
            Action::Input(InputRequest::DeletePrevChar),
        );
    }
    for c in name.chars() {
        step(
            &mut s,
            &mut engine,
            Action::Input(InputRequest::InsertChar(c)),
        );
    }
    (s, engine)
}

#[test]
fn rename_prompt_merging_into_drinks_80x24() {
    let (mut s, mut engine) = prompt(80, 24, "drinks");
    let t = draw(&s, 80, 24);
    insta::assert_snapshot!("rename_prompt_merge_80x24", t.backend());
    // Enter merges; the status line says so, and u takes it back.
    step(&mut s, &mut engine, Action::Submit);
    assert!(form(&s).is_none());
    let toast = s.toast.clone().unwrap().text;
    assert_eq!(
        toast,
        "Merged food into drinks: 4 expenses, budget merged · u undoes"
    );
    let store = engine.store().clone();
    assert_eq!(store.budget("drinks").unwrap().unwrap().amount, 400_00);
    step(&mut s, &mut engine, Action::Undo);
    assert_eq!(
        s.toast.clone().unwrap().text,
        "Undid: merge food into drinks (4 expenses, budget merged)"
    );
    assert_eq!(store.budget("food").unwrap().unwrap().amount, 300_00);
    assert!(store.check().unwrap().is_consistent());
}

#[test]
fn rename_prompt_refusing_a_subcategory_60x15() {
    let (s, _engine) = prompt(60, 15, "food:sub");
    let t = draw(&s, 60, 15);
    insta::assert_snapshot!("rename_prompt_refused_60x15", t.backend());
}

/// A schedule posting to the renamed tree: the prompt says it moves along, the status line
/// counts it, and `u` takes it back with the rest.
#[test]
fn the_prompt_says_schedules_move_along() {
    use expense_tracker::domain::schedule::{End, Every, MonthDay, Rule, Schedule};
    let (mut s, mut engine) = prompt(80, 24, "meals");
    let store = engine.store().clone();
    let day = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let lunch = Schedule::new(
        expense_tracker::store::new_schedule_id(),
        Draft {
            date: day,
            amount: 8_50,
            currency: Currency::EUR,
            category: "food:restaurants".into(),
            payee: "Canteen".into(),
            note: String::new(),
            tags: Vec::new(),
            kind: Kind::Expense,
        },
        Rule::new(day, Every::Months(1, MonthDay::Day(3)), End::Never).unwrap(),
        false,
    );
    let id = store.save_schedule(&lunch, Origin::User, 0).unwrap().id;
    // Typing again asks the store again, which now holds the schedule.
    step(
        &mut s,
        &mut engine,
        Action::Input(InputRequest::DeletePrevChar),
    );
    step(
        &mut s,
        &mut engine,
        Action::Input(InputRequest::InsertChar('s')),
    );
    let t = draw(&s, 80, 24);
    let text: String = t
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(
        text.contains("1 schedule moves along (its future occurrences post to meals)"),
        "{text}"
    );
    step(&mut s, &mut engine, Action::Submit);
    assert_eq!(
        s.toast.clone().unwrap().text,
        "Renamed food → meals: 4 expenses, budget moved, schedule moved · u undoes"
    );
    let category = |store: &Store| store.schedule(id).unwrap().unwrap().template.category;
    assert_eq!(category(&store), "meals:restaurants");
    step(&mut s, &mut engine, Action::Undo);
    assert_eq!(
        s.toast.clone().unwrap().text,
        "Undid: rename food → meals (4 expenses, budget moved, schedule moved)"
    );
    assert_eq!(category(&store), "food:restaurants");
    assert!(store.check().unwrap().is_consistent());
}
