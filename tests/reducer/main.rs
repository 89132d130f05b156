//! Reducer tests: a `State` with an injected date, a list of actions, the expected state and
//! effects. No terminal, no store: `Fake` answers `LoadWindow` from an in-memory list, like the
//! runtime would, so a test can run many steps. This file holds the fixture; one module per
//! screen holds its tests (the review's are in `tests/review_reducer.rs`).

mod form;
mod history;
mod ledger;
mod quick;
mod schedules;
mod shared;
mod trash;

use chrono::NaiveDate;
use expense_tracker::app::action::{Change, Completions, Stepped, Stored, Totals, WindowLoaded};
use expense_tracker::app::effect::{SortKey, WindowQuery};
use expense_tracker::app::fuzzy::Fuzzy;
use expense_tracker::app::state::{FormMode, FormState, Overlay};
use expense_tracker::app::Answer;
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
                let more = update(
                    &mut self.state,
                    Action::Answer(Answer::WindowLoaded(Box::new(loaded))),
                );
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
            upcoming: Vec::new(),
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
