//! Reducer tests of the review screen: a `State` with an injected date, plain `Review` data
//! (no store), actions in, expected state and effects out.
// Amounts are written as units_cents (950_00 is 950.00).
#![allow(clippy::inconsistent_digit_grouping)]

use chrono::NaiveDate;
use expense_tracker::app::state::{BudgetForm, Overlay, Screen};
use expense_tracker::app::Answer;
use expense_tracker::app::{update, Action, Effect, State};
use expense_tracker::domain::budget::{AlertLevel, BudgetAlert};
use expense_tracker::domain::review::{CategorySort, CategoryTotal, Review, ReviewDetails, Totals};
use expense_tracker::domain::{Currency, Month};
use expense_tracker::ui::layout::review_table_rows;
use tui_input::InputRequest;

/// The open budget form (an overlay), if any.
fn budget_form(s: &State) -> Option<&BudgetForm> {
    match &s.overlay {
        Some(Overlay::Budget(form)) => Some(form),
        _ => None,
    }
}

fn nov() -> Month {
    Month::parse("2026-11").unwrap()
}

fn cat(path: &str, this: i64, last: i64, budget: Option<i64>, has_children: bool) -> CategoryTotal {
    CategoryTotal {
        category: path.into(),
        depth: path.matches(':').count(),
        has_children,
        currency: Currency::EUR,
        this,
        last,
        count: 1,
        budget,
        to_come: 0,
    }
}

/// food (groceries, restaurants), rent, transport; in tree order as `compute` gives them.
fn review(month: Month) -> Review {
    let (from, to) = month.range(1);
    Review {
        month,
        from,
        to,
        totals: vec![Totals {
            currency: Currency::EUR,
            spent: 1_400_00,
            income: 0,
            count: 5,
        }],
        last_month: Vec::new(),
        last_year: Vec::new(),
        categories: vec![
            cat("food", 400_00, 300_00, Some(300_00), true),
            cat("food:groceries", 300_00, 200_00, None, false),
            cat("food:restaurants", 100_00, 100_00, None, false),
            cat("rent", 950_00, 950_00, Some(1_000_00), false),
            cat("transport", 50_00, 0, None, false),
        ],
        days: Vec::new(),
        trend: Vec::new(),
        converted: None,
    }
}

/// A state on the review of November 2026, loaded.
fn on_review() -> State {
    let mut s = State::new(
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
        1,
        Currency::EUR,
    );
    update(
        &mut s,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    let fx = update(&mut s, Action::OpenReview);
    assert_eq!(s.screen, Screen::Review);
    assert!(matches!(&fx[0], Effect::LoadReview(q) if q.month == nov()));
    assert!(matches!(&fx[1], Effect::LoadReviewDetails { month, .. } if *month == nov()));
    update(
        &mut s,
        Action::Answer(Answer::ReviewLoaded(Box::new(review(nov())))),
    );
    s
}

fn names(s: &State) -> Vec<String> {
    let data = s.review.data.as_ref().unwrap();
    s.review
        .visible()
        .iter()
        .map(|&i| data.categories[i].category.clone())
        .collect()
}

fn selected(s: &State) -> String {
    s.review.selected_row().unwrap().category.clone()
}

#[test]
fn rows_sorted_by_spending_and_navigation_stays_in_bounds() {
    let mut s = on_review();
    assert_eq!(names(&s), ["rent", "food", "transport"]);
    assert_eq!(selected(&s), "rent");
    update(&mut s, Action::SelectPrev);
    assert_eq!(s.review.cursor.selected, 0);
    for _ in 0..5 {
        update(&mut s, Action::SelectNext);
    }
    assert_eq!(selected(&s), "transport");
    update(&mut s, Action::SelectFirst);
    assert_eq!(selected(&s), "rent");
    update(&mut s, Action::PageDown);
    assert_eq!(selected(&s), "transport");
    // Sort by name, then reversed.
    update(&mut s, Action::CycleSort);
    assert_eq!(s.review.sort, CategorySort::Name);
    assert_eq!(names(&s), ["food", "rent", "transport"]);
    update(&mut s, Action::ReverseSort);
    assert_eq!(names(&s), ["transport", "rent", "food"]);
    update(&mut s, Action::CycleSort); // change from last month
    assert_eq!(names(&s), ["food", "transport", "rent"]);
    update(&mut s, Action::CycleSort); // least left of the budget first, none last
    assert_eq!(names(&s), ["food", "rent", "transport"]);
}

#[test]
fn expand_and_collapse() {
    let mut s = on_review();
    update(&mut s, Action::SelectNext); // food
    update(&mut s, Action::ToggleExpand);
    assert_eq!(
        names(&s),
        [
            "rent",
            "food",
            "food:groceries",
            "food:restaurants",
            "transport"
        ]
    );
    update(&mut s, Action::ToggleExpand);
    assert_eq!(names(&s), ["rent", "food", "transport"]);
    // Right expands, right again steps onto the first child, left goes back to the parent,
    // left again collapses.
    update(&mut s, Action::Expand);
    assert_eq!(selected(&s), "food");
    update(&mut s, Action::Expand);
    assert_eq!(selected(&s), "food:groceries");
    update(&mut s, Action::Collapse);
    assert_eq!(selected(&s), "food");
    update(&mut s, Action::Collapse);
    assert_eq!(names(&s), ["rent", "food", "transport"]);
    // A leaf neither expands nor moves.
    update(&mut s, Action::SelectFirst);
    update(&mut s, Action::Expand);
    assert_eq!(names(&s).len(), 3);
    assert_eq!(selected(&s), "rent");
    // Collapsing a parent with the selection below it keeps the selection in bounds.
    update(&mut s, Action::SelectLast);
    update(&mut s, Action::SelectPrev);
    update(&mut s, Action::Expand);
    update(&mut s, Action::SelectLast);
    update(&mut s, Action::SelectPrev);
    assert_eq!(selected(&s), "food:restaurants");
    update(&mut s, Action::Collapse);
    assert_eq!(selected(&s), "food");
}

#[test]
fn month_change_reloads_and_drops_stale_answers() {
    let mut s = on_review();
    let fx = update(&mut s, Action::NextMonth);
    let dec = nov().next();
    assert_eq!(s.review.month, dec);
    assert!(
        s.review.data.is_none(),
        "November's numbers are not shown under December"
    );
    assert!(matches!(&fx[0], Effect::LoadReview(q) if q.month == dec));
    // A late answer for November is ignored; December's is taken.
    update(
        &mut s,
        Action::Answer(Answer::ReviewLoaded(Box::new(review(nov())))),
    );
    assert!(s.review.data.is_none());
    update(
        &mut s,
        Action::Answer(Answer::ReviewLoaded(Box::new(review(dec)))),
    );
    assert_eq!(s.review.data.as_ref().unwrap().month, dec);
    update(
        &mut s,
        Action::Answer(Answer::DetailsLoaded(Box::new(ReviewDetails {
            month: nov(),
            top_payees: Vec::new(),
            largest: Vec::new(),
            truncated: false,
        }))),
    );
    assert!(s.review.details.is_none());
    let fx = update(&mut s, Action::PrevMonth);
    assert!(matches!(&fx[0], Effect::LoadReview(q) if q.month == nov()));
    let fx = update(&mut s, Action::ThisMonth);
    assert!(matches!(&fx[0], Effect::LoadReview(q) if q.month == nov()));
}

#[test]
fn enter_opens_the_ledger_filtered_to_the_category_and_month() {
    let mut s = on_review();
    // A text filter kept on the ledger from before does not hide any of the category's rows.
    s.ledger.filter = tui_input::Input::new("star".into());
    update(&mut s, Action::PrevMonth);
    let oct = nov().prev();
    update(
        &mut s,
        Action::Answer(Answer::ReviewLoaded(Box::new(review(oct)))),
    );
    update(&mut s, Action::SelectNext); // food
    let fx = update(&mut s, Action::OpenCategory);
    assert_eq!(s.screen, Screen::Ledger);
    assert_eq!(s.ledger.month, oct);
    assert_eq!(s.ledger.category.as_deref(), Some("food"));
    match &fx[..] {
        [Effect::LoadWindow(q)] => {
            assert_eq!(q.category.as_deref(), Some("food"));
            assert_eq!((q.from, q.to), oct.range(1));
            assert_eq!(q.filter, "");
        }
        other => panic!("expected one LoadWindow, got {other:?}"),
    }
    // Esc on the ledger clears the category; r goes back to the review.
    let fx = update(&mut s, Action::ClearFilter);
    assert_eq!(s.ledger.category, None);
    assert!(matches!(&fx[..], [Effect::LoadWindow(q)] if q.category.is_none()));
    update(&mut s, Action::OpenReview);
    assert_eq!(s.screen, Screen::Review);
    // Esc on the review goes back to the ledger.
    update(&mut s, Action::OpenLedger);
    assert_eq!(s.screen, Screen::Ledger);
}

#[test]
fn budget_form_sets_changes_and_clears() {
    let mut s = on_review();
    update(&mut s, Action::SelectNext); // food, budget 300.00
    update(&mut s, Action::EditBudget);
    let form = budget_form(&s).unwrap();
    assert_eq!(form.category, "food");
    assert_eq!(form.input.value(), "300.00");
    // Keys go to the form, not the table.
    update(&mut s, Action::SelectNext);
    assert_eq!(selected(&s), "food");
    for _ in 0..6 {
        update(&mut s, Action::Input(InputRequest::DeletePrevChar));
    }
    for c in "abc".chars() {
        update(&mut s, Action::Input(InputRequest::InsertChar(c)));
    }
    assert!(update(&mut s, Action::Submit).is_empty());
    let err = budget_form(&s).unwrap().error.clone().unwrap();
    assert!(err.contains("abc"), "{err}");
    for _ in 0..3 {
        update(&mut s, Action::Input(InputRequest::DeletePrevChar));
    }
    for c in "250".chars() {
        update(&mut s, Action::Input(InputRequest::InsertChar(c)));
    }
    let fx = update(&mut s, Action::Submit);
    assert_eq!(
        fx,
        [Effect::SetBudget {
            category: "food".into(),
            limit: Some((Currency::EUR, 250_00)),
        }]
    );
    // A store failure stays in the form.
    update(&mut s, Action::Answer(Answer::Failed("disk full".into())));
    assert_eq!(budget_form(&s).unwrap().error.as_deref(), Some("disk full"));
    update(&mut s, Action::Submit);
    let fx = update(
        &mut s,
        Action::Answer(Answer::BudgetSaved {
            category: "food".into(),
            limit: Some((Currency::EUR, 250_00)),
        }),
    );
    assert!(budget_form(&s).is_none());
    assert!(s.toast.as_ref().unwrap().text.contains("250.00 EUR"));
    assert!(matches!(&fx[0], Effect::LoadReview(_)));
    // Empty clears; Esc cancels without an effect.
    update(&mut s, Action::EditBudget);
    for _ in 0..6 {
        update(&mut s, Action::Input(InputRequest::DeletePrevChar));
    }
    let fx = update(&mut s, Action::Submit);
    assert_eq!(
        fx,
        [Effect::SetBudget {
            category: "food".into(),
            limit: None,
        }]
    );
    update(
        &mut s,
        Action::Answer(Answer::BudgetSaved {
            category: "food".into(),
            limit: None,
        }),
    );
    update(&mut s, Action::EditBudget);
    assert!(update(&mut s, Action::Cancel).is_empty());
    assert!(budget_form(&s).is_none());
    // Zero is refused.
    update(&mut s, Action::SelectFirst);
    update(&mut s, Action::EditBudget);
    for _ in 0..8 {
        update(&mut s, Action::Input(InputRequest::DeletePrevChar));
    }
    update(&mut s, Action::Input(InputRequest::InsertChar('0')));
    assert!(update(&mut s, Action::Submit).is_empty());
    assert!(budget_form(&s).unwrap().error.is_some());
}

#[test]
fn budget_alerts_become_the_notice() {
    let mut s = on_review();
    let alert = |level| BudgetAlert {
        category: "food".into(),
        month: nov(),
        currency: Currency::EUR,
        budget: 100_00,
        spent: 85_00,
        level,
    };
    update(
        &mut s,
        Action::Answer(Answer::BudgetAlerts(vec![alert(AlertLevel::Warning)])),
    );
    let t = s.toast.clone().unwrap();
    assert!(t.text.starts_with("Budget food: 85% used"), "{}", t.text);
    assert!(!t.error);
    update(
        &mut s,
        Action::Answer(Answer::BudgetAlerts(vec![alert(AlertLevel::Over)])),
    );
    assert!(s.toast.as_ref().unwrap().error);
    // Nothing crossed: the last message stays.
    let before = s.toast.clone();
    update(&mut s, Action::Answer(Answer::BudgetAlerts(Vec::new())));
    assert_eq!(s.toast, before);
}

#[test]
fn back_from_the_history_the_review_loads_again() {
    // An undo on the history screen changes the month's numbers; the review must not show the
    // ones it had before.
    let mut s = on_review();
    update(&mut s, Action::OpenHistory);
    assert_eq!(s.screen, Screen::History);
    let fx = update(&mut s, Action::Cancel);
    assert_eq!(s.screen, Screen::Review);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadReview(q) if q.month == nov())),
        "{fx:?}"
    );
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::LoadReviewDetails { month, .. } if *month == nov())));
}

#[test]
fn a_notice_from_another_sessions_write_is_not_joined_with_an_old_message() {
    let mut s = on_review();
    let alert = BudgetAlert {
        category: "food".into(),
        month: nov(),
        currency: Currency::EUR,
        budget: 100_00,
        spent: 101_00,
        level: AlertLevel::Over,
    };
    s.toast = Some(expense_tracker::app::state::Toast {
        text: "Budget of food set to 100.00 EUR a month".into(),
        error: false,
    });
    // Another shell's add crosses the budget: the change arrives, then the alert.
    update(&mut s, Action::ChangedElsewhere);
    update(&mut s, Action::Answer(Answer::BudgetAlerts(vec![alert])));
    let t = s.toast.clone().unwrap();
    assert!(t.text.starts_with("Budget food: 101% used"), "{}", t.text);
    assert!(!t.text.contains("set to"), "{}", t.text);
    // A notice that came before the change's notification is not taken away by it.
    update(&mut s, Action::ChangedElsewhere);
    assert!(s.toast.as_ref().unwrap().text.starts_with("Budget food"));
}

/// `n` top-level categories, `c00` spending the most.
fn many(n: usize) -> Review {
    let mut r = review(nov());
    r.categories = (0..n)
        .map(|i| cat(&format!("c{i:02}"), (100 - i as i64) * 100, 0, None, false))
        .collect();
    r
}

#[test]
fn page_keys_move_by_the_screen_and_the_viewport_is_kept_in_state() {
    let mut s = on_review();
    update(
        &mut s,
        Action::Answer(Answer::ReviewLoaded(Box::new(many(60)))),
    );
    // 80x24: the table shows 13 rows (the header and the charts take the rest), not the
    // ledger's 21; pages move by those 13, the viewport moving with the selection.
    assert_eq!(review_table_rows(80, 24, 2, 60), 13);
    update(&mut s, Action::SelectNext);
    update(&mut s, Action::PageDown);
    assert_eq!(selected(&s), "c14");
    assert_eq!(s.review.cursor.offset, 13);
    update(&mut s, Action::PageUp);
    assert_eq!(selected(&s), "c01");
    assert_eq!(s.review.cursor.offset, 0);
    // Moving up inside the viewport keeps it (the render used to scroll with every key).
    update(&mut s, Action::SelectLast);
    assert_eq!(s.review.cursor.offset, 47);
    for _ in 0..5 {
        update(&mut s, Action::SelectPrev);
    }
    assert_eq!(selected(&s), "c54");
    assert_eq!(s.review.cursor.offset, 47);
    // A smaller screen (small tier: no charts) pages by its own height, 6 rows.
    update(
        &mut s,
        Action::Resize {
            width: 80,
            height: 10,
        },
    );
    assert_eq!(s.review.cursor.offset, 49, "the selection stays on screen");
    update(&mut s, Action::PageUp);
    assert_eq!(selected(&s), "c48");
    assert_eq!(s.review.cursor.offset, 43);
}

#[test]
fn page_down_at_80x24_never_jumps_over_rows_the_screen_never_showed() {
    let mut s = on_review();
    update(
        &mut s,
        Action::Answer(Answer::ReviewLoaded(Box::new(many(60)))),
    );
    let shown = review_table_rows(80, 24, 2, 60);
    let mut seen = [false; 60];
    for _ in 0..10 {
        let c = s.review.cursor;
        // The selected row is on screen: inside the rows the table draws.
        assert!(
            c.offset <= c.selected && c.selected < c.offset + shown,
            "{c:?}"
        );
        for row in seen.iter_mut().skip(c.offset).take(shown) {
            *row = true;
        }
        let before = c.selected;
        update(&mut s, Action::PageDown);
        let moved = s.review.cursor.selected - before;
        assert!(
            moved == shown || s.review.cursor.selected == 59,
            "moved {moved}"
        );
    }
    assert_eq!(s.review.cursor.selected, 59);
    assert!(seen.iter().all(|&x| x), "every row was on screen once");
    // At 120x40 a second currency takes a header line from the table: the page shrinks and
    // the selection stays shown.
    update(
        &mut s,
        Action::Resize {
            width: 120,
            height: 40,
        },
    );
    let mut two = many(60);
    two.totals.push(Totals {
        currency: Currency::parse("USD").unwrap(),
        spent: 1_00,
        income: 0,
        count: 1,
    });
    update(&mut s, Action::Answer(Answer::ReviewLoaded(Box::new(two))));
    let c = s.review.cursor;
    assert_eq!(review_table_rows(120, 40, 3, 60), 23);
    assert_eq!(c.selected, 59);
    assert_eq!(c.offset, 60 - 23);
    update(&mut s, Action::PageUp);
    assert_eq!(s.review.cursor.selected, 59 - 23);
}
