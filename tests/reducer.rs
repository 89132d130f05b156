//! Reducer tests: a `State` with an injected date, a list of actions, the expected state and
//! effects. No terminal, no store: `Fake` answers `LoadWindow` from an in-memory list, like the
//! runtime would, so a test can run many steps.

use chrono::NaiveDate;
use expense_tracker::app::action::{Change, Completions, Stepped, Stored, Totals, WindowLoaded};
use expense_tracker::app::effect::{SortKey, WindowQuery};
use expense_tracker::app::fuzzy::Fuzzy;
use expense_tracker::app::state::{FormMode, FormState, Overlay};
use expense_tracker::app::{update, Action, Effect, State};
use expense_tracker::domain::validate::Field;
use expense_tracker::domain::{Currency, Draft, Expense, ExpenseId, Kind, Month};
use tui_input::InputRequest;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn today() -> NaiveDate {
    day(2026, 11, 21)
}

/// Expense `i` (id `i + 1`), dated in November 2026, newest for the smallest `i`.
fn expense(i: usize) -> Expense {
    let payees = ["Lidl", "Bakery", "Landlord", "Shell", "Cinema"];
    let cats = [
        "food:groceries",
        "food:bakery",
        "rent",
        "transport:fuel",
        "fun",
    ];
    Expense {
        id: ExpenseId(i as u128 + 1),
        draft: Draft {
            date: day(2026, 11, 30 - (i % 30) as u32),
            amount: 100 + i as i64,
            currency: Currency::EUR,
            category: cats[i % 5].into(),
            payee: payees[i % 5].into(),
            note: String::new(),
            tags: Vec::new(),
            kind: Kind::Expense,
        },
        created: 0,
        updated: 0,
        version: 1,
    }
}

/// The runtime's side of the loop: the store as a list, answering `LoadWindow`.
struct Fake {
    state: State,
    store: Vec<Expense>,
}

impl Fake {
    /// A state at 80x24 on 2026-11-21 showing `store`, first page loaded.
    fn new(store: Vec<Expense>) -> Fake {
        let mut f = Fake {
            state: State::new(today(), 1, Currency::EUR),
            store,
        };
        let fx = f.send(Action::Resize {
            width: 80,
            height: 24,
        });
        assert!(fx.is_empty(), "nothing loaded yet, so nothing to follow");
        let q = f.query_now();
        f.answer(&[Effect::LoadWindow(q)]);
        f
    }

    fn with_rows(n: usize) -> Fake {
        Fake::new((0..n).map(expense).collect())
    }

    /// The query the reducer would send for a fresh view (used once at start-up, like the
    /// runtime's first load).
    fn query_now(&self) -> WindowQuery {
        let (from, to) = self.state.month_range();
        let l = &self.state.ledger;
        WindowQuery {
            from,
            to,
            sort: l.sort,
            descending: l.descending,
            filter: l.filter.value().to_string(),
            start: 0,
            len: 63,
            focus: None,
            category: l.category.clone(),
        }
    }

    /// Applies `action`, answers every `LoadWindow` it emitted (and the follow-ups), and returns
    /// the effects the action itself emitted.
    fn send(&mut self, action: Action) -> Vec<Effect> {
        let fx = update(&mut self.state, action);
        self.answer(&fx);
        fx
    }

    /// Applies `action` without answering anything.
    fn send_raw(&mut self, action: Action) -> Vec<Effect> {
        update(&mut self.state, action)
    }

    fn answer(&mut self, fx: &[Effect]) {
        for e in fx {
            if let Effect::LoadWindow(q) = e {
                let loaded = self.load(q);
                let more = update(&mut self.state, Action::WindowLoaded(Box::new(loaded)));
                self.answer(&more);
            }
        }
    }

    /// What the store would answer to `q`.
    fn load(&self, q: &WindowQuery) -> WindowLoaded {
        let month: Vec<&Expense> = self
            .store
            .iter()
            .filter(|e| e.draft.date >= q.from && e.draft.date <= q.to)
            .collect();
        let mut totals = Totals::of(month.iter().copied());
        let mut fuzzy = Fuzzy::new(&q.filter);
        let mut rows: Vec<Expense> = month
            .into_iter()
            .filter(|e| {
                q.filter.is_empty()
                    || fuzzy
                        .score(&format!("{} {}", e.draft.payee, e.draft.category))
                        .is_some()
            })
            .cloned()
            .collect();
        rows.sort_by(|a, b| {
            let (x, y) = (&a.draft, &b.draft);
            let by = match q.sort {
                SortKey::Date => x.date.cmp(&y.date),
                SortKey::Amount => x.amount.cmp(&y.amount),
                SortKey::Category => x.category.cmp(&y.category),
                SortKey::Payee => x.payee.cmp(&y.payee),
            };
            by.then(a.id.cmp(&b.id))
        });
        if q.descending {
            rows.reverse();
        }
        let total = rows.len();
        // Like the runtime: a filtered view totals what it lists and names the month's count.
        let month_count = if q.filter.is_empty() {
            None
        } else {
            let month_count = totals.iter().map(|t| t.count).sum();
            totals = Totals::of(&rows);
            Some(month_count)
        };
        let mut q = q.clone();
        let focus = q.focus.and_then(|id| rows.iter().position(|e| e.id == id));
        if let Some(i) = focus {
            q.start = i.saturating_sub(q.len / 3);
        }
        let rows = rows.into_iter().skip(q.start).take(q.len).collect();
        WindowLoaded {
            query: q,
            total,
            rows,
            totals,
            focus,
            month_count,
        }
    }

    fn form(&self) -> &FormState {
        match &self.state.overlay {
            Some(Overlay::Form(f)) => f,
            other => panic!("expected a form, got {other:?}"),
        }
    }

    fn type_str(&mut self, s: &str) {
        for c in s.chars() {
            let fx = self.send(Action::Input(InputRequest::InsertChar(c)));
            assert!(fx.is_empty(), "typing into a form emits nothing");
        }
    }

    /// Indexes of the visible rows (21 at 80x24).
    fn visible(&self) -> std::ops::Range<usize> {
        let l = &self.state.ledger;
        l.cursor.offset..l.cursor.offset + 21
    }

    /// The selection is on screen and its row is loaded.
    fn assert_selection_shown(&self) {
        let l = &self.state.ledger;
        assert!(
            self.visible().contains(&l.cursor.selected),
            "selected {} outside visible {:?}",
            l.cursor.selected,
            self.visible()
        );
        let q = WindowQuery {
            start: l.cursor.offset,
            len: 21,
            ..self.query_now()
        };
        for (k, want) in self.load(&q).rows.iter().enumerate() {
            let i = l.cursor.offset + k;
            assert_eq!(l.row(i), Some(want), "row {i} loaded");
        }
    }
}

fn load_windows(fx: &[Effect]) -> Vec<&WindowQuery> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::LoadWindow(q) => Some(q),
            _ => None,
        })
        .collect()
}

// ---------------------------------------------------------------- start-up and navigation

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

// ---------------------------------------------------------------- months

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
    let fx = f.send_raw(Action::WindowLoaded(Box::new(stale)));
    assert!(fx.is_empty());
    assert_eq!(f.state.ledger.total, None, "still waiting for November");
    assert!(f.state.ledger.window.is_empty());
    let fresh = f.load(&november);
    f.send_raw(Action::WindowLoaded(Box::new(fresh)));
    assert_eq!(f.state.ledger.total, Some(50));
}

// ---------------------------------------------------------------- sort

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

// ---------------------------------------------------------------- filter

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

// ---------------------------------------------------------------- form

#[test]
fn open_add_starts_on_amount_with_today_and_default_currency() {
    let mut f = Fake::with_rows(5);
    let fx = f.send(Action::OpenAdd);
    assert_eq!(fx, vec![Effect::LoadCompletions]);
    let form = f.form();
    assert_eq!(form.mode, FormMode::New);
    assert_eq!(form.focus, Field::Amount);
    assert_eq!(form.input(Field::Date).value(), "2026-11-21");
    assert_eq!(form.input(Field::Currency).value(), "EUR");
    assert_eq!(form.input(Field::Amount).value(), "");
    assert_eq!(form.kind, Kind::Expense);
    assert!(form.errors.is_empty());
}

#[test]
fn invalid_amount_shows_an_error_and_emits_nothing() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.type_str("12,3.4");
    let fx = f.send(Action::Submit);
    assert!(fx.is_empty(), "{fx:?}");
    let form = f.form();
    assert!(form.error(Field::Amount).is_some(), "{:?}", form.errors);
    assert_eq!(
        form.focus,
        Field::Amount,
        "focus goes to the first bad field"
    );
    assert!(!form.saving);
    // Editing the field clears its error.
    f.send(Action::Input(InputRequest::DeletePrevChar));
    assert!(f.form().error(Field::Amount).is_none());
}

fn valid_form(f: &mut Fake) {
    f.send(Action::OpenAdd);
    f.type_str("12+3.50");
    f.send(Action::FocusNext); // payee
    f.type_str("Bakery");
    f.send(Action::FocusNext); // category
    f.type_str("food");
}

#[test]
fn valid_form_puts_exactly_one_draft() {
    let mut f = Fake::with_rows(5);
    valid_form(&mut f);
    let fx = f.send(Action::Submit);
    let draft = Draft {
        date: today(),
        amount: 1550,
        currency: Currency::EUR,
        category: "food".into(),
        payee: "Bakery".into(),
        note: String::new(),
        tags: Vec::new(),
        kind: Kind::Expense,
    };
    assert_eq!(fx, vec![Effect::Put(draft)]);
    assert!(f.form().saving);
    // Keys wait while the store confirms: a second Enter cannot store twice.
    assert!(f.send(Action::Submit).is_empty());
}

#[test]
fn income_toggle_reaches_the_draft() {
    let mut f = Fake::with_rows(5);
    valid_form(&mut f);
    f.send(Action::ToggleKind);
    let fx = f.send(Action::Submit);
    match &fx[..] {
        [Effect::Put(d)] => assert_eq!(d.kind, Kind::Income),
        other => panic!("{other:?}"),
    }
}

#[test]
fn focus_next_and_prev_follow_tab_order() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    let mut order = vec![f.form().focus];
    for _ in 0..8 {
        f.send(Action::FocusNext);
        order.push(f.form().focus);
    }
    assert_eq!(
        order,
        vec![
            Field::Amount,
            Field::Payee,
            Field::Category,
            Field::Tags,
            Field::Note,
            Field::Currency,
            Field::Kind,
            Field::Date,
            Field::Amount,
        ]
    );
    f.send(Action::FocusPrev);
    assert_eq!(f.form().focus, Field::Date);
    f.send(Action::FocusPrev);
    assert_eq!(f.form().focus, Field::Kind, "wraps around backwards");
}

fn lidl_completions() -> Completions {
    Completions {
        categories: vec![("food:groceries".into(), 3), ("rent".into(), 1)],
        payees: vec![("Lidl".into(), 3, "food:groceries".into())],
        tags: vec![("weekly".into(), 2)],
    }
}

#[test]
fn payee_completion_suggests_and_proposes_the_category() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.send(Action::CompletionsLoaded(lidl_completions()));
    f.type_str("4.20");
    f.send(Action::FocusNext);
    assert_eq!(f.form().focus, Field::Payee);
    f.type_str("Li");
    assert_eq!(f.form().suggestions, vec!["Lidl".to_string()]);
    assert_eq!(f.form().suggestion, None);
    f.send(Action::SuggestNext);
    assert_eq!(f.form().suggestion, Some(0));
    // Enter on a highlighted suggestion accepts it, it does not save.
    let fx = f.send(Action::Submit);
    assert!(fx.is_empty());
    let form = f.form();
    assert_eq!(form.input(Field::Payee).value(), "Lidl");
    assert_eq!(form.input(Field::Category).value(), "food:groceries");
    assert!(form.suggestions.is_empty());
    // Now Enter saves with both.
    let fx = f.send(Action::Submit);
    match &fx[..] {
        [Effect::Put(d)] => {
            assert_eq!(
                (d.payee.as_str(), d.category.as_str()),
                ("Lidl", "food:groceries")
            );
            assert_eq!(d.amount, 420);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn leaving_a_known_payee_proposes_its_category_but_never_overwrites() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.send(Action::CompletionsLoaded(lidl_completions()));
    f.send(Action::FocusNext);
    f.type_str("Lidl");
    f.send(Action::FocusNext);
    assert_eq!(f.form().input(Field::Category).value(), "food:groceries");

    f.send(Action::Cancel);
    f.send(Action::OpenAdd);
    f.send(Action::FocusNext); // payee
    f.send(Action::FocusNext); // category
    f.type_str("rent");
    f.send(Action::FocusPrev); // payee
    f.type_str("Lidl");
    f.send(Action::FocusNext);
    assert_eq!(f.form().input(Field::Category).value(), "rent");
}

#[test]
fn typing_replaces_a_proposed_category_and_a_new_payee_takes_its_proposal_away() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    let mut c = lidl_completions();
    c.payees.push(("Landlord".into(), 1, "rent".into()));
    f.send(Action::CompletionsLoaded(c));
    f.send(Action::FocusNext);
    f.type_str("Lidl");
    f.send(Action::FocusNext);
    assert!(f.form().category_proposed);
    // Typing over the proposal replaces it, as a user who did not look at it expects.
    f.type_str("food:lunch");
    assert_eq!(f.form().input(Field::Category).value(), "food:lunch");
    assert!(!f.form().category_proposed);
    // What the user typed is never replaced by a later payee.
    f.send(Action::FocusPrev);
    f.send(Action::Input(InputRequest::DeleteLine));
    f.type_str("Landlord");
    f.send(Action::FocusNext);
    assert_eq!(f.form().input(Field::Category).value(), "food:lunch");

    f.send(Action::Cancel);
    f.send(Action::OpenAdd);
    f.send(Action::FocusNext);
    f.type_str("Lidl");
    f.send(Action::FocusNext);
    // An edit key keeps the proposal and edits it.
    f.send(Action::Input(InputRequest::DeletePrevChar));
    assert_eq!(f.form().input(Field::Category).value(), "food:grocerie");
    assert!(!f.form().category_proposed);

    f.send(Action::Cancel);
    f.send(Action::OpenAdd);
    f.send(Action::FocusNext);
    f.type_str("Lidl");
    f.send(Action::FocusNext);
    // Another known payee replaces a proposal nobody touched; an unknown one clears it.
    f.send(Action::FocusPrev);
    f.send(Action::Input(InputRequest::DeleteLine));
    f.type_str("Landlord");
    f.send(Action::FocusNext);
    assert_eq!(f.form().input(Field::Category).value(), "rent");
    f.send(Action::FocusPrev);
    f.send(Action::Input(InputRequest::DeleteLine));
    f.type_str("Someone new");
    f.send(Action::FocusNext);
    assert_eq!(f.form().input(Field::Category).value(), "");
}

#[test]
fn esc_first_closes_suggestions_then_the_form() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.send(Action::CompletionsLoaded(lidl_completions()));
    f.send(Action::FocusNext);
    f.type_str("L");
    f.send(Action::SuggestNext);
    assert!(f.send(Action::Cancel).is_empty());
    assert!(f.form().suggestions.is_empty());
    assert_eq!(f.form().input(Field::Payee).value(), "L");
    f.send(Action::Cancel);
    assert!(f.state.overlay.is_none());
}

#[test]
fn tag_completion_appends_to_the_list() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.send(Action::CompletionsLoaded(lidl_completions()));
    for _ in 0..3 {
        f.send(Action::FocusNext);
    }
    assert_eq!(f.form().focus, Field::Tags);
    f.type_str("trip we");
    assert_eq!(f.form().suggestions, vec!["weekly".to_string()]);
    f.send(Action::SuggestNext);
    f.send(Action::Submit);
    assert_eq!(f.form().input(Field::Tags).value(), "trip weekly ");
}

#[test]
fn open_edit_updates_the_selected_row_at_its_version() {
    let mut f = Fake::with_rows(5);
    f.send(Action::SelectNext);
    let row = f.state.ledger.selected_row().cloned().unwrap();
    let fx = f.send(Action::OpenEdit);
    assert_eq!(fx, vec![Effect::LoadCompletions]);
    let form = f.form();
    assert_eq!(
        form.mode,
        FormMode::Edit {
            id: row.id,
            version: row.version
        }
    );
    assert_eq!(form.input(Field::Payee).value(), row.draft.payee);
    // Saving without changes writes the same fields back, conditional on the version.
    let fx = f.send(Action::Submit);
    assert_eq!(
        fx,
        vec![Effect::Update {
            id: row.id,
            expected_version: row.version,
            draft: row.draft.clone(),
        }]
    );
}

#[test]
fn enter_in_the_ledger_edits_and_with_nothing_selected_says_so() {
    let mut f = Fake::with_rows(2);
    f.send(Action::Submit);
    assert!(matches!(f.state.overlay, Some(Overlay::Form(_))));
    let mut f = Fake::with_rows(0);
    assert!(f.send(Action::OpenEdit).is_empty());
    assert!(f.state.overlay.is_none());
    assert!(f.state.toast.as_ref().unwrap().error);
}

#[test]
fn cancel_closes_the_form_without_effects() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenAdd);
    f.type_str("5");
    assert!(f.send(Action::Cancel).is_empty());
    assert!(f.state.overlay.is_none());
}

#[test]
fn store_failure_while_saving_is_shown_in_the_form() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenEdit);
    assert_eq!(f.send(Action::Submit).len(), 1);
    let msg = "This expense was changed elsewhere (version 2); reopen it to edit.";
    assert!(f.send(Action::Failed(msg.into())).is_empty());
    let form = f.form();
    assert!(!form.saving, "keys work again");
    assert_eq!(form.store_error.as_deref(), Some(msg));
    assert!(
        f.state.toast.is_none(),
        "the message is in the form, not the status bar"
    );
}

#[test]
fn failure_without_a_saving_form_is_a_toast() {
    let mut f = Fake::with_rows(5);
    f.send(Action::Failed("disk full".into()));
    let toast = f.state.toast.clone().unwrap();
    assert!(toast.error);
    assert_eq!(toast.text, "disk full");
    // The next key clears it.
    f.send(Action::SelectNext);
    assert!(f.state.toast.is_none());
}

#[test]
fn stored_closes_the_saving_form_reloads_and_offers_undo() {
    let mut f = Fake::with_rows(5);
    valid_form(&mut f);
    let fx = f.send(Action::Submit);
    let Effect::Put(draft) = fx[0].clone() else {
        panic!()
    };
    let expense = Expense {
        id: ExpenseId(99),
        draft,
        created: 0,
        updated: 0,
        version: 1,
    };
    f.store.push(expense.clone());
    let fx = f.send(Action::Stored(Box::new(Stored {
        seq: 7,
        change: Change::Added,
        expense,
    })));
    assert!(f.state.overlay.is_none());
    assert_eq!(load_windows(&fx).len(), 1);
    assert!(fx.contains(&Effect::LoadCompletions));
    assert_eq!(f.state.ledger.total, Some(6));
    let toast = f.state.toast.clone().unwrap();
    assert!(!toast.error);
    assert!(toast.text.starts_with("Added 15.50 EUR"), "{}", toast.text);
}

#[test]
fn the_saved_message_names_the_payee_only_when_there_is_one() {
    let mut f = Fake::with_rows(3);
    let mut e = expense(1);
    e.draft.payee.clear();
    f.send(Action::Stored(Box::new(Stored {
        seq: 3,
        change: Change::Added,
        expense: e.clone(),
    })));
    let text = f.state.toast.clone().unwrap().text;
    assert_eq!(text, "Added 1.01 EUR · food:bakery · u undoes");
    e.draft.payee = "Bakery".into();
    f.send(Action::Stored(Box::new(Stored {
        seq: 4,
        change: Change::Edited,
        expense: e,
    })));
    let text = f.state.toast.clone().unwrap().text;
    assert_eq!(text, "Saved 1.01 EUR · food:bakery · Bakery · u undoes");
}

// ---------------------------------------------------------------- delete

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
            ttl_ms: 30 * 86_400_000,
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

// ---------------------------------------------------------------- undo, help, quit

fn stored(seq: u64, change: Change) -> Action {
    Action::Stored(Box::new(Stored {
        seq,
        change,
        expense: expense(0),
    }))
}

fn stepped(redo: bool, text: &str, expense: Option<Expense>) -> Action {
    Action::Stepped(Box::new(Stepped {
        redo,
        text: text.into(),
        expense,
    }))
}

#[test]
fn undo_and_redo_go_to_the_whole_store_from_ledger_and_review() {
    let mut f = Fake::with_rows(5);
    f.send(stored(7, Change::Added));
    assert_eq!(f.send(Action::Undo), vec![Effect::Undo]);
    assert_eq!(f.send(Action::Redo), vec![Effect::Redo]);
    f.send(Action::OpenReview);
    assert_eq!(f.send(Action::Undo), vec![Effect::Undo]);
    assert_eq!(f.send(Action::Redo), vec![Effect::Redo]);
}

#[test]
fn a_step_says_what_it_did_and_keeps_its_expense_under_the_cursor() {
    let mut f = Fake::with_rows(5);
    let e = expense(3);
    let fx = f.send(stepped(
        false,
        "Undid: edit 1.03 EUR rent @Landlord (amount 1.00 → 1.03)",
        Some(e.clone()),
    ));
    let toast = f.state.toast.clone().unwrap();
    assert!(!toast.error);
    assert!(toast.text.starts_with("Undid: edit"), "{}", toast.text);
    let windows = load_windows(&fx);
    assert_eq!(windows.len(), 1);
    assert_eq!(windows[0].focus, Some(e.id));
    assert!(fx.contains(&Effect::LoadCompletions));
    // An expense of another month, a removal and a batch step leave the row that was under
    // the cursor there.
    let under = f.state.ledger.selected_row().unwrap().id;
    let mut other = expense(1);
    other.draft.date = day(2026, 1, 5);
    let fx = f.send(stepped(true, "Redid: add 1.01 EUR", Some(other)));
    assert_eq!(load_windows(&fx)[0].focus, Some(under));
    let fx = f.send(stepped(false, "Undid: add 1.01 EUR", None));
    assert_eq!(load_windows(&fx)[0].focus, Some(under));
    let fx = f.send(stepped(true, "Redid: import: restored 2 expenses", None));
    assert_eq!(load_windows(&fx)[0].focus, Some(under));
}

#[test]
fn a_failed_undo_shows_why() {
    let mut f = Fake::with_rows(5);
    assert_eq!(f.send(Action::Undo), vec![Effect::Undo]);
    f.send(Action::Failed("expense 01X was changed elsewhere".into()));
    let toast = f.state.toast.clone().unwrap();
    assert!(toast.error);
    assert!(toast.text.contains("changed elsewhere"), "{}", toast.text);
}

#[test]
fn undo_with_nothing_to_undo_says_so() {
    let mut f = Fake::with_rows(5);
    f.send(stepped(false, "Nothing to undo", None));
    let toast = f.state.toast.clone().unwrap();
    assert!(!toast.error);
    assert_eq!(toast.text, "Nothing to undo");
}

#[test]
fn help_opens_scrolls_and_closes() {
    let mut f = Fake::with_rows(5);
    f.send(Action::OpenHelp);
    f.send(Action::ScrollDown);
    f.send(Action::ScrollDown);
    f.send(Action::ScrollUp);
    assert!(matches!(f.state.overlay, Some(Overlay::Help { scroll: 1 })));
    f.send(Action::Cancel);
    assert!(f.state.overlay.is_none());
    assert_eq!(
        f.state.ledger.cursor.selected, 0,
        "help keys never move the ledger"
    );
}

#[test]
fn quit_sets_quitting_and_asks_to_leave() {
    let mut f = Fake::with_rows(5);
    assert_eq!(f.send(Action::Quit), vec![Effect::Quit]);
    assert!(f.state.quitting);
}

#[test]
fn tick_changes_today_and_new_forms_use_it() {
    let mut f = Fake::with_rows(5);
    assert!(f.send(Action::Tick(day(2026, 11, 22))).is_empty());
    f.send(Action::OpenAdd);
    assert_eq!(f.form().input(Field::Date).value(), "2026-11-22");
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
    assert!(fx.contains(&Effect::LoadCompletions));
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
    f.send(Action::Stored(Box::new(Stored {
        seq: 1,
        change: Change::Deleted,
        expense: row,
    })));
    assert_eq!(f.state.ledger.total, Some(4));
    assert_eq!(f.state.ledger.cursor.selected, 3);
    assert!(f.state.ledger.selected_row().is_some());
}

#[test]
fn an_edit_into_another_month_says_where_it_went() {
    let mut f = Fake::with_rows(5);
    let mut e = expense(0);
    e.draft.date = day(2026, 10, 3);
    f.send(Action::Stored(Box::new(Stored {
        seq: 2,
        change: Change::Edited,
        expense: e,
    })));
    let text = f.state.toast.clone().unwrap().text;
    assert!(text.contains("(in October 2026)"), "{text}");
}

#[test]
fn a_saved_expense_stays_selected_wherever_it_moved() {
    let mut f = Fake::with_rows(200);
    // The expense at index 150 of the fake store, as the runtime would report its save.
    let saved = f.store[150].clone();
    let fx = f.send(Action::Stored(Box::new(Stored {
        seq: 9,
        change: Change::Edited,
        expense: saved.clone(),
    })));
    let Some(Effect::LoadWindow(q)) = fx.first() else {
        panic!("expected a load, got {fx:?}")
    };
    assert_eq!(q.focus, Some(saved.id));
    let l = &f.state.ledger;
    assert_eq!(l.selected_row().map(|e| e.id), Some(saved.id));
    assert!(
        l.cursor.selected >= l.cursor.offset && l.cursor.selected < l.cursor.offset + 21,
        "selection on screen"
    );
}

#[test]
fn quick_entry_uses_the_add_grammar() {
    let mut f = Fake::with_rows(5);
    f.send(Action::CompletionsLoaded(Completions {
        categories: vec![("food:groceries".into(), 3)],
        ..Completions::default()
    }));
    assert_eq!(f.send(Action::OpenQuick), vec![Effect::LoadCompletions]);
    for c in "12.50 xyz".chars() {
        f.send(Action::Input(InputRequest::InsertChar(c)));
    }
    assert!(
        f.send(Action::Submit).is_empty(),
        "an unknown category stores nothing"
    );
    match &f.state.overlay {
        Some(Overlay::Quick { error: Some(e), .. }) => assert!(e.contains("word 2 'xyz'"), "{e}"),
        other => panic!("expected the prompt with an error, got {other:?}"),
    }
    for _ in 0..3 {
        f.send(Action::Input(InputRequest::DeletePrevChar));
    }
    for c in "groc @Lidl yesterday".chars() {
        f.send(Action::Input(InputRequest::InsertChar(c)));
    }
    let fx = f.send(Action::Submit);
    let [Effect::Put(d)] = fx.as_slice() else {
        panic!("expected one Put, got {fx:?}")
    };
    assert_eq!(
        (d.amount, d.category.as_str(), d.payee.as_str()),
        (1250, "food:groceries", "Lidl")
    );
    assert_eq!(d.date, day(2026, 11, 20));
    assert!(f.state.overlay.is_none());
    f.send(Action::OpenQuick);
    f.send(Action::Cancel);
    assert!(f.state.overlay.is_none());
}
