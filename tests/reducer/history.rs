//! The history screen's cursor: paging through a stream longer than a window loads only past
//! the window, and a resize keeps the selection on screen.

use super::*;
use expense_tracker::app::action::{HistoryLoaded, HistoryRow};
use expense_tracker::app::effect::HistoryQuery;
use expense_tracker::app::Answer;
use expense_tracker::store::{ChangeRecord, Event, Origin};

/// Record at position `i` (0 = the newest) of a stream of `n` adds.
fn record(n: usize, i: usize) -> HistoryRow {
    let e = expense(i);
    HistoryRow {
        record: ChangeRecord {
            seq: (n - i) as u64,
            event: Event::Insert,
            at: 0,
            origin: Origin::User,
            id: e.id,
            old: None,
            new: Some(e),
            batch: None,
            old_trash: None,
            new_trash: None,
            budget: None,
            schedule: None,
        },
        time: "2026-11-21 10:00:00".into(),
        fold: None,
    }
}

/// Answers the `LoadHistory` effects in `fx` from a stream of `n` records.
fn answer(f: &mut Fake, n: usize, fx: &[Effect]) {
    for e in fx {
        if let Effect::LoadHistory(q) = e {
            let rows = (q.start..(q.start + q.len).min(n))
                .map(|i| record(n, i))
                .collect();
            let loaded = HistoryLoaded {
                query: q.clone(),
                total: n,
                rows,
            };
            let more = f.send(Action::Answer(Answer::HistoryLoaded(Box::new(loaded))));
            answer(f, n, &more);
        }
    }
}

fn history_queries(fx: &[Effect]) -> Vec<&HistoryQuery> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::LoadHistory(q) => Some(q),
            _ => None,
        })
        .collect()
}

/// The whole store's history of `n` records, opened from the ledger and loaded.
fn open(n: usize) -> Fake {
    let mut f = Fake::with_rows(5);
    let fx = f.send(Action::OpenHistory);
    assert_eq!(
        history_queries(&fx),
        [&HistoryQuery {
            item: None,
            start: 0,
            len: 63
        }]
    );
    answer(&mut f, n, &fx);
    f
}

#[test]
fn page_down_moves_selection_and_viewport_and_loads_only_past_the_window() {
    let mut f = open(200);
    f.send(Action::SelectNext);
    // Rows 0..63 are loaded: two pages down stay inside them.
    for page in 1..=2 {
        let fx = f.send(Action::PageDown);
        assert!(history_queries(&fx).is_empty(), "page {page} is loaded");
        let c = f.state.history.cursor;
        assert_eq!((c.selected, c.offset), (1 + 21 * page, 21 * page));
    }
    let fx = f.send(Action::PageDown);
    assert_eq!(
        history_queries(&fx),
        [&HistoryQuery {
            item: None,
            start: 42,
            len: 63
        }],
        "a page before, the visible page, a page after"
    );
    answer(&mut f, 200, &fx);
    let h = &f.state.history;
    assert_eq!((h.cursor.selected, h.cursor.offset), (64, 63));
    assert_eq!(h.selected_row().unwrap().record.seq, 200 - 64);
    f.send(Action::PageUp);
    let c = f.state.history.cursor;
    assert_eq!((c.selected, c.offset), (43, 42));
    f.send(Action::SelectLast);
    let c = f.state.history.cursor;
    assert_eq!((c.selected, c.offset), (199, 179));
}

#[test]
fn shrinking_the_terminal_keeps_the_history_selection_visible() {
    let mut f = open(200);
    for _ in 0..20 {
        f.send(Action::SelectNext);
    }
    assert_eq!(f.state.history.cursor.offset, 0);
    let fx = f.send(Action::Resize {
        width: 80,
        height: 10,
    });
    answer(&mut f, 200, &fx);
    // 7 rows at 80x10: the selection is the last of them.
    let c = f.state.history.cursor;
    assert_eq!((c.selected, c.offset), (20, 14));
}
