//! The ledger's reducer: start-up, moving the cursor through a windowed month (loads only
//! past the window), months, sort, filter, the delete prompt, and changes from elsewhere.

use super::*;
use expense_tracker::app::Answer;

#[test]
fn first_load_fills_the_window() {
    let f = Fake::with_rows(1000);
    let l = &f.state.ledger;
    assert_eq!(l.total, Some(1000));
    assert_eq!(l.window_start, 0);
    assert_eq!(l.window.len(), 63, "visible page plus a page after");
    assert_eq!(l.cursor.selected, 0);
    assert_eq!(l.totals.len(), 1);
    assert_eq!(l.totals[0].count, 1000);
    f.assert_selection_shown();
}

#[test]
fn resize_before_anything_is_loaded_emits_nothing() {
    let mut s = State::new(today(), 1, Currency::EUR);
    let fx = update(
        &mut s,
        Action::Resize {
            width: 120,
            height: 40,
        },
    );
    assert!(fx.is_empty());
    assert_eq!(s.size, (120, 40));
}

#[test]
fn j_and_k_clamp_at_both_ends() {
    let mut f = Fake::with_rows(3);
    assert!(f.send(Action::SelectPrev).is_empty());
    assert_eq!(f.state.ledger.cursor.selected, 0);
    f.send(Action::SelectNext);
    f.send(Action::SelectNext);
    assert_eq!(f.state.ledger.cursor.selected, 2);
    assert!(f.send(Action::SelectNext).is_empty());
    assert_eq!(f.state.ledger.cursor.selected, 2, "stays on the last row");
    f.send(Action::SelectPrev);
    assert_eq!(f.state.ledger.cursor.selected, 1);
}

#[test]
fn moving_in_an_empty_month_stays_at_zero() {
    let mut f = Fake::with_rows(0);
    assert_eq!(f.state.ledger.total, Some(0));
    for a in [
        Action::SelectNext,
        Action::SelectPrev,
        Action::PageDown,
        Action::PageUp,
        Action::SelectLast,
        Action::SelectFirst,
    ] {
        assert!(f.send(a.clone()).is_empty(), "{a:?}");
        assert_eq!(f.state.ledger.cursor.selected, 0, "{a:?}");
        assert_eq!(f.state.ledger.cursor.offset, 0, "{a:?}");
    }
}

#[test]
fn j_scrolls_one_row_and_loads_only_past_the_window() {
    let mut f = Fake::with_rows(1000);
    // Rows 0..63 are loaded; the table shows 21. Moving to row 62 needs no load.
    for i in 1..=62 {
        let fx = f.send(Action::SelectNext);
        assert!(fx.is_empty(), "step {i} reloaded: {fx:?}");
        assert_eq!(f.state.ledger.cursor.selected, i);
        f.assert_selection_shown();
    }
    assert_eq!(f.state.ledger.cursor.offset, 42);
    // Row 63 is not loaded: exactly one load, a page before to a page after.
    let fx = f.send(Action::SelectNext);
    let qs = load_windows(&fx);
    assert_eq!(fx.len(), 1);
    assert_eq!(qs[0].start, 43 - 21);
    assert_eq!(qs[0].len, 63);
    assert_eq!(f.state.ledger.window_start, 22);
    f.assert_selection_shown();
}

#[test]
fn page_down_and_up_keep_the_selection_visible() {
    let mut f = Fake::with_rows(1000);
    let mut loads = 0;
    for step in 1..=60 {
        let fx = f.send(Action::PageDown);
        loads += load_windows(&fx).len();
        assert_eq!(f.state.ledger.cursor.selected, (step * 21).min(999));
        f.assert_selection_shown();
    }
    assert_eq!(f.state.ledger.cursor.selected, 999);
    assert_eq!(f.state.ledger.cursor.offset, 1000 - 21);
    assert!(loads < 60, "a load every page at most, got {loads}");
    assert!(
        f.send(Action::PageDown).is_empty(),
        "at the end, nothing to load"
    );
    for _ in 0..60 {
        f.send(Action::PageUp);
        f.assert_selection_shown();
    }
    assert_eq!(f.state.ledger.cursor.selected, 0);
    assert_eq!(f.state.ledger.cursor.offset, 0);
}

#[test]
fn select_last_and_first_jump_and_load() {
    let mut f = Fake::with_rows(1000);
    let fx = f.send(Action::SelectLast);
    let qs = load_windows(&fx);
    assert_eq!(qs.len(), 1, "the end is not loaded");
    assert_eq!(qs[0].start, 979 - 21);
    assert_eq!(f.state.ledger.cursor.selected, 999);
    assert_eq!(f.state.ledger.cursor.offset, 979);
    f.assert_selection_shown();
    assert!(f.send(Action::SelectLast).is_empty());
    let fx = f.send(Action::SelectFirst);
    assert_eq!(load_windows(&fx).len(), 1);
    assert_eq!(f.state.ledger.cursor.selected, 0);
    assert_eq!(f.state.ledger.cursor.offset, 0);
    f.assert_selection_shown();
}

#[test]
fn the_window_never_holds_the_whole_month() {
    let mut f = Fake::with_rows(1000);
    for _ in 0..300 {
        f.send(Action::SelectNext);
        assert!(f.state.ledger.window.len() <= 63);
    }
    f.assert_selection_shown();
}

#[test]
fn shrinking_the_terminal_keeps_the_selection_visible() {
    let mut f = Fake::with_rows(1000);
    for _ in 0..20 {
        f.send(Action::SelectNext);
    }
    f.send(Action::Resize {
        width: 80,
        height: 10,
    });
    let l = &f.state.ledger;
    // 10 rows: header, table header, status -> 7 rows.
    assert!(
        l.cursor.selected >= l.cursor.offset && l.cursor.selected < l.cursor.offset + 7,
        "{l:?}"
    );
}

#[test]
fn prev_next_and_this_month_query_the_right_days() {
    let mut f = Fake::with_rows(10);
    let fx = f.send(Action::PrevMonth);
    assert_eq!(
        f.state.ledger.month,
        Month {
            year: 2026,
            month: 10
        }
    );
    let qs = load_windows(&fx);
    assert_eq!(qs.len(), 1);
    assert_eq!(
        (qs[0].from, qs[0].to),
        (day(2026, 10, 1), day(2026, 10, 31))
    );
    assert_eq!(qs[0].start, 0);
    assert_eq!(f.state.ledger.total, Some(0));

    f.send(Action::NextMonth);
    let fx = f.send(Action::NextMonth);
    assert_eq!(
        f.state.ledger.month,
        Month {
            year: 2026,
            month: 12
        }
    );
    let qs = load_windows(&fx);
    assert_eq!(
        (qs[0].from, qs[0].to),
        (day(2026, 12, 1), day(2026, 12, 31))
    );

    let fx = f.send(Action::ThisMonth);
    assert_eq!(
        f.state.ledger.month,
        Month {
            year: 2026,
            month: 11
        }
    );
    let qs = load_windows(&fx);
    assert_eq!(
        (qs[0].from, qs[0].to),
        (day(2026, 11, 1), day(2026, 11, 30))
    );
    assert_eq!(f.state.ledger.total, Some(10));
}

#[test]
fn month_switch_resets_selection() {
    let mut f = Fake::with_rows(100);
    f.send(Action::SelectLast);
    f.send(Action::PrevMonth);
    assert_eq!(f.state.ledger.cursor.selected, 0);
    assert_eq!(f.state.ledger.cursor.offset, 0);
}

#[test]
fn custom_start_day_shifts_the_range() {
    let mut s = State::new(today(), 25, Currency::EUR);
    // 2026-11-21 is before the 25th: the October budgeting month.
    assert_eq!(
        s.ledger.month,
        Month {
            year: 2026,
            month: 10
        }
    );
    let fx = update(&mut s, Action::NextMonth);
    let qs = load_windows(&fx);
    assert_eq!(
        (qs[0].from, qs[0].to),
        (day(2026, 11, 25), day(2026, 12, 24))
    );
}

#[test]
fn stale_window_for_the_previous_month_is_ignored() {
    let mut f = Fake::with_rows(50);
    let fx = f.send_raw(Action::PrevMonth);
    let october = load_windows(&fx)[0].clone();
    let fx = f.send_raw(Action::NextMonth);
    let november = load_windows(&fx)[0].clone();
    // October's answer arrives after the person already went back to November.
    let stale = f.load(&october);
    let fx = f.send_raw(Action::Answer(Answer::WindowLoaded(Box::new(stale))));
    assert!(fx.is_empty());
    assert_eq!(f.state.ledger.total, None, "still waiting for November");
    assert!(f.state.ledger.window.is_empty());
    let fresh = f.load(&november);
    f.send_raw(Action::Answer(Answer::WindowLoaded(Box::new(fresh))));
    assert_eq!(f.state.ledger.total, Some(50));
}

#[test]
fn cycle_sort_goes_through_every_column() {
    let mut f = Fake::with_rows(20);
    let mut seen = Vec::new();
    for _ in 0..4 {
        let fx = f.send(Action::CycleSort);
        let q = load_windows(&fx)[0].clone();
        assert_eq!(q.sort, f.state.ledger.sort);
        assert_eq!(q.descending, f.state.ledger.descending);
        assert_eq!(q.start, 0);
        seen.push((q.sort, q.descending));
    }
    assert_eq!(
        seen,
        vec![
            (SortKey::Amount, true),
            (SortKey::Category, false),
            (SortKey::Payee, false),
            (SortKey::Date, true),
        ]
    );
}

#[test]
fn reverse_sort_flips_order_and_goes_to_the_top() {
    let mut f = Fake::with_rows(20);
    f.send(Action::SelectNext);
    f.send(Action::SelectNext);
    let newest = f.state.ledger.row(0).cloned().unwrap();
    let fx = f.send(Action::ReverseSort);
    let q = load_windows(&fx)[0];
    assert!(!q.descending);
    assert_eq!(f.state.ledger.cursor.selected, 0);
    let oldest = f.state.ledger.row(0).unwrap();
    assert!(oldest.draft.date < newest.draft.date);
    f.send(Action::ReverseSort);
    assert!(f.state.ledger.descending);
    assert_eq!(f.state.ledger.row(0), Some(&newest));
}

#[test]
fn amount_sort_loads_largest_first() {
    let mut f = Fake::with_rows(20);
    f.send(Action::CycleSort);
    let amounts: Vec<i64> = f
        .state
        .ledger
        .window
        .iter()
        .map(|e| e.draft.amount)
        .collect();
    assert_eq!(amounts[0], 119);
    assert!(amounts.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn filter_typing_queries_with_the_text() {
    let mut f = Fake::with_rows(50);
    assert!(f.send(Action::StartFilter).is_empty());
    assert!(f.state.ledger.filter_editing);
    let mut last = None;
    for c in "lidl".chars() {
        let fx = f.send(Action::Input(InputRequest::InsertChar(c)));
        let qs = load_windows(&fx);
        assert_eq!(qs.len(), 1);
        last = Some(qs[0].clone());
    }
    let q = last.unwrap();
    assert_eq!(q.filter, "lidl");
    assert_eq!(q.start, 0);
    assert_eq!(f.state.ledger.total, Some(10));
    assert!(f
        .state
        .ledger
        .window
        .iter()
        .all(|e| e.draft.payee == "Lidl"));
    // Enter keeps the filter and leaves the line.
    assert!(f.send(Action::Submit).is_empty());
    assert!(!f.state.ledger.filter_editing);
    assert_eq!(f.state.ledger.filter.value(), "lidl");
    assert!(
        f.state.overlay.is_none(),
        "Enter in the filter must not open a form"
    );
}

#[test]
fn filter_cancel_clears_and_reloads() {
    let mut f = Fake::with_rows(50);
    f.send(Action::StartFilter);
    f.send(Action::Input(InputRequest::InsertChar('x')));
    let fx = f.send(Action::Cancel);
    let qs = load_windows(&fx);
    assert_eq!(qs.len(), 1);
    assert_eq!(qs[0].filter, "");
    assert!(!f.state.ledger.filter_editing);
    assert_eq!(f.state.ledger.filter.value(), "");
    assert_eq!(f.state.ledger.total, Some(50));
}

#[test]
fn esc_in_the_ledger_clears_a_kept_filter() {
    let mut f = Fake::with_rows(50);
    f.send(Action::StartFilter);
    f.send(Action::Input(InputRequest::InsertChar('B')));
    f.send(Action::Submit);
    assert_eq!(f.state.ledger.total, Some(10));
    let fx = f.send(Action::ClearFilter);
    assert_eq!(load_windows(&fx)[0].filter, "");
    assert_eq!(f.state.ledger.total, Some(50));
    assert!(f.send(Action::ClearFilter).is_empty(), "nothing to clear");
}

#[test]
fn moving_while_filtering_keeps_the_line_open() {
    let mut f = Fake::with_rows(50);
    f.send(Action::StartFilter);
    f.send(Action::SelectNext);
    assert!(f.state.ledger.filter_editing);
    assert_eq!(f.state.ledger.cursor.selected, 1);
    // Letters are text while filtering, never commands.
    let fx = f.send(Action::Input(InputRequest::InsertChar('q')));
    assert!(!f.state.quitting);
    assert_eq!(load_windows(&fx)[0].filter, "q");
}

#[test]
fn delete_asks_then_deletes_at_the_shown_version() {
    let mut f = Fake::with_rows(5);
    f.send(Action::SelectNext);
    let row = f.state.ledger.selected_row().cloned().unwrap();
    assert!(f.send(Action::DeleteSelected).is_empty());
    match &f.state.overlay {
        Some(Overlay::ConfirmDelete { expense }) => assert_eq!(**expense, row),
        other => panic!("{other:?}"),
    }
    let fx = f.send(Action::Submit);
    assert_eq!(
        fx,
        vec![Effect::Delete {
            id: row.id,
            expected_version: row.version,
        }]
    );
    assert!(f.state.overlay.is_none());
}

#[test]
fn delete_cancel_keeps_it() {
    let mut f = Fake::with_rows(5);
    f.send(Action::DeleteSelected);
    assert!(matches!(
        f.state.overlay,
        Some(Overlay::ConfirmDelete { .. })
    ));
    assert!(f.send(Action::Cancel).is_empty());
    assert!(f.state.overlay.is_none());
    // Other keys in the prompt do nothing, in particular not quit the app.
    f.send(Action::DeleteSelected);
    assert!(f.send(Action::SelectNext).is_empty());
    assert!(f.send(Action::Quit).is_empty());
    assert!(!f.state.quitting);
}

#[test]
fn delete_with_nothing_selected_is_a_message() {
    let mut f = Fake::with_rows(0);
    assert!(f.send(Action::DeleteSelected).is_empty());
    assert!(f.state.overlay.is_none());
    assert!(f.state.toast.as_ref().unwrap().error);
}

#[test]
fn changed_elsewhere_reloads_the_visible_page_and_keeps_the_row_under_the_cursor() {
    let mut f = Fake::with_rows(100);
    for _ in 0..30 {
        f.send(Action::SelectNext);
    }
    let under = f.state.ledger.selected_row().unwrap().id;
    // Another session adds an expense dated the 30th: it sorts above the cursor (newest first).
    let mut newest = expense(500);
    newest.draft.date = day(2026, 11, 30);
    f.store.push(newest);
    let fx = f.send(Action::ChangedElsewhere);
    let qs = load_windows(&fx);
    assert_eq!(qs.len(), 1);
    assert_eq!(qs[0].focus, Some(under));
    assert!(qs[0].start <= f.state.ledger.cursor.offset);
    assert!(
        !fx.contains(&Effect::LoadCompletions),
        "completions load when a form opens"
    );
    assert_eq!(f.state.ledger.total, Some(101));
    assert_eq!(
        f.state.ledger.cursor.selected, 31,
        "the selection moved with its row"
    );
    assert_eq!(f.state.ledger.selected_row().unwrap().id, under);

    // A row above goes away elsewhere: the cursor's row is still the same.
    f.store.retain(|e| e.id != ExpenseId(501));
    f.send(Action::ChangedElsewhere);
    assert_eq!(f.state.ledger.cursor.selected, 30);
    assert_eq!(f.state.ledger.selected_row().unwrap().id, under);

    // The cursor's own row goes away elsewhere: the cursor stays where it was.
    f.store.retain(|e| e.id != under);
    f.send(Action::ChangedElsewhere);
    assert_eq!(f.state.ledger.total, Some(99));
    assert_eq!(f.state.ledger.cursor.selected, 30);
}

#[test]
fn deleting_the_last_row_moves_the_selection_up() {
    let mut f = Fake::with_rows(5);
    f.send(Action::SelectLast);
    let row = f.state.ledger.selected_row().cloned().unwrap();
    f.send(Action::DeleteSelected);
    f.send(Action::Submit);
    f.store.retain(|e| e.id != row.id);
    f.send(Action::Answer(Answer::Stored(Box::new(Stored {
        seq: 1,
        change: Change::Deleted,
        expense: row,
    }))));
    assert_eq!(f.state.ledger.total, Some(4));
    assert_eq!(f.state.ledger.cursor.selected, 3);
    assert!(f.state.ledger.selected_row().is_some());
}
