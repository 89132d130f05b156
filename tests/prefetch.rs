//! Reading ahead (issue 15, item 4): the pages and months a screen is one key away from are
//! read before the key comes (`app::prefetch::next_reads`, `Effect::Prefetch`,
//! `engine::prefetch`). What it must never do is change what the screen shows: a session that
//! reads ahead and one that does not, given the same keys and the same commits from elsewhere
//! in between, end every key with the same state, and the reads ahead are really used.

use chrono::NaiveDate;
use expense_tracker::app::prefetch::{is_arrival, next_reads};
use expense_tracker::app::{update, Action, Effect, State};
use expense_tracker::domain::{Currency, Draft, Kind};
use expense_tracker::engine::Engine;
use expense_tracker::store::{Origin, Store};
use std::time::{Duration, Instant};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

fn draft(date: NaiveDate, i: i64) -> Draft {
    Draft {
        date,
        amount: 100 + i,
        currency: Currency::EUR,
        category: ["food", "rent", "travel:train"][(i % 3) as usize].into(),
        payee: format!("Payee {}", i % 7),
        note: String::new(),
        tags: Vec::new(),
        kind: Kind::Expense,
    }
}

/// Four months of 120 expenses each (a page at 100x30 is about 24 rows).
fn store() -> Store {
    let store = Store::open_temporary().unwrap();
    for m in 8..=11 {
        for i in 0..120 {
            let d = NaiveDate::from_ymd_opt(2026, m, 1 + (i % 28) as u32).unwrap();
            store.put(draft(d, i), Origin::User, 0).unwrap();
        }
    }
    store
}

/// Runs `action` and every effect it causes, as the event loop does (answers in order).
fn step(state: &mut State, engine: &mut Engine, action: Action) {
    let mut queue = std::collections::VecDeque::from([action]);
    while let Some(a) = queue.pop_front() {
        for fx in update(state, a) {
            if !matches!(fx, Effect::Quit | Effect::Suspend) {
                queue.extend(engine.execute(fx, 0).into_iter().map(Action::Answer));
            }
        }
    }
}

fn start(store: &Store) -> (State, Engine) {
    let mut state = State::new(today(), 1, Currency::EUR);
    let mut engine = Engine::new(store.clone());
    step(
        &mut state,
        &mut engine,
        Action::Resize {
            width: 100,
            height: 30,
        },
    );
    step(&mut state, &mut engine, Action::ThisMonth);
    (state, engine)
}

/// What the two sessions must agree on: the ledger, the review and the history as the screens
/// draw them.
fn shown(state: &State) -> String {
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}",
        state.screen, state.ledger, state.review, state.history
    )
}

#[test]
fn the_reads_named_are_the_ones_the_keys_ask_for() {
    let store = store();
    let (state, _engine) = start(&store);
    let reads = next_reads(&state, None);
    for key in [Action::NextMonth, Action::PrevMonth, Action::SelectLast] {
        let asked = update(&mut state.clone(), key.clone());
        assert!(!asked.is_empty(), "{key:?} asks for a page");
        for fx in asked {
            assert!(
                reads.contains(&fx),
                "{key:?} asks for {fx:?}, not read ahead"
            );
        }
    }
    // The key pressed last is read for first (walking back through months, `[` again).
    let back = update(&mut state.clone(), Action::PrevMonth);
    assert_eq!(next_reads(&state, Some(&Action::PrevMonth))[0], back[0]);
    assert_ne!(reads[0], back[0], "without it, paging down comes first");
    // Paging asks for rows only once it leaves the rows loaded (a page above and two below
    // the first): the third PgDn here.
    let mut paged = state.clone();
    assert!(update(&mut paged, Action::PageDown).is_empty());
    assert!(update(&mut paged, Action::PageDown).is_empty());
    let asked = update(&mut paged, Action::PageDown);
    assert!(matches!(asked[..], [Effect::LoadWindow(_)]));
    assert!(reads.contains(&asked[0]));
    // Nothing while a form has the keys.
    let mut form = state.clone();
    step(&mut form, &mut Engine::new(store.clone()), Action::OpenAdd);
    assert!(next_reads(&form, None).is_empty());
    // The review: its own months, numbers and details.
    let mut review = state.clone();
    let mut engine = Engine::new(store.clone());
    step(&mut review, &mut engine, Action::OpenReview);
    let reads = next_reads(&review, None);
    for fx in update(&mut review.clone(), Action::PrevMonth) {
        assert!(reads.contains(&fx), "review [ asks for {fx:?}");
    }
    // The history: its next page past the records loaded.
    let mut history = state.clone();
    step(&mut history, &mut engine, Action::OpenHistory);
    let reads = next_reads(&history, Some(&Action::SelectLast));
    let last = update(&mut history.clone(), Action::SelectLast);
    assert!(matches!(last[..], [Effect::LoadHistory(_)]), "{last:?}");
    assert_eq!(reads[0], last[0]);
    // The loop reads ahead when a read of any of the three screens arrives.
    for fx in [&last[0], &reads[1]]
        .into_iter()
        .chain(next_reads(&state, None).first())
    {
        for answer in engine.execute(fx.clone(), 0) {
            assert!(is_arrival(&Action::Answer(answer)), "after {fx:?}");
        }
    }
}

/// Waits (bounded) for the reads ahead to be done: the engine answers them from memory then.
fn settle() {
    std::thread::sleep(Duration::from_millis(40));
}

#[test]
fn reading_ahead_never_changes_what_a_key_shows_even_with_commits_between() {
    let store = store();
    let (mut plain, mut plain_engine) = start(&store);
    let (mut ahead, mut ahead_engine) = start(&store);
    let keys = [
        Action::PageDown,
        Action::PageDown,
        Action::PageDown,
        Action::PrevMonth,
        Action::PageDown,
        Action::PageDown,
        Action::SelectLast,
        Action::PrevMonth,
        Action::PageUp,
        Action::NextMonth,
        Action::NextMonth,
        Action::SelectFirst,
        Action::OpenReview,
        Action::PrevMonth,
        Action::PrevMonth,
        Action::NextMonth,
        Action::OpenHistory,
        Action::PageDown,
        Action::PageDown,
        Action::PageDown,
        Action::PageDown,
        Action::SelectLast,
        Action::PageUp,
        Action::PageUp,
        Action::SelectFirst,
    ];
    let started = Instant::now();
    for (i, key) in keys.iter().enumerate() {
        ahead_engine.execute(Effect::Prefetch(next_reads(&ahead, keys[..i].last())), 0);
        settle();
        // Every third key, another session adds to the month one key away (what was read
        // ahead for it is out of date now).
        if i % 3 == 2 {
            let d = NaiveDate::from_ymd_opt(2026, 9, 15).unwrap();
            store
                .put(draft(d, 1_000 + i as i64), Origin::User, 0)
                .unwrap();
            let d = NaiveDate::from_ymd_opt(2026, 10, 15).unwrap();
            store
                .put(draft(d, 2_000 + i as i64), Origin::User, 0)
                .unwrap();
        }
        step(&mut plain, &mut plain_engine, key.clone());
        step(&mut ahead, &mut ahead_engine, key.clone());
        assert_eq!(shown(&ahead), shown(&plain), "after key {i} ({key:?})");
    }
    assert!(
        ahead_engine.answered_ahead() >= 4,
        "reads ahead were used {} times in {:?}",
        ahead_engine.answered_ahead(),
        started.elapsed()
    );
    assert_eq!(plain_engine.answered_ahead(), 0);
}
