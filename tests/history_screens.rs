//! The history screen: the list at 80x24 and 60x15, the detail view with changed fields marked
//! (`*`, so it reads without colour), one expense's history, and the reducer behind them:
//! opening, paging through windows, live records from other sessions, Esc back.

use expense_tracker::app::action::{HistoryLoaded, HistoryRow, WindowLoaded};
use expense_tracker::app::effect::HistoryQuery;
use expense_tracker::app::state::Screen;
use expense_tracker::app::Answer;
use expense_tracker::app::{update, Action, Effect, State};
use expense_tracker::domain::{Currency, Draft, Expense, ExpenseId, Kind};
use expense_tracker::store::{ChangeRecord, Event, Origin};
use expense_tracker::tui::keymap::Keymap;
use expense_tracker::ui::theme::Theme;
use expense_tracker::ui::{render, Chrome};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

fn expense(id: u128, amount: i64, cat: &str, payee: &str, version: u64) -> Expense {
    Expense {
        id: ExpenseId(id),
        draft: Draft {
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            amount,
            currency: Currency::EUR,
            category: cat.into(),
            payee: payee.into(),
            note: String::new(),
            tags: vec![],
            kind: Kind::Expense,
        },
        created: 0,
        updated: 0,
        version,
    }
}

fn rec(seq: u64, origin: Origin, old: Option<Expense>, new: Option<Expense>) -> ChangeRecord {
    let event = match (&old, &new) {
        (None, _) => Event::Insert,
        (Some(_), Some(_)) => Event::Modify,
        (Some(_), None) => Event::Remove,
    };
    ChangeRecord {
        seq,
        event,
        at: 0,
        origin,
        id: old.as_ref().or(new.as_ref()).map_or(ExpenseId(0), |e| e.id),
        old,
        new,
        batch: None,
        old_trash: None,
        new_trash: None,
        budget: None,
        schedule: None,
    }
}

/// A stream of `n` records (seq 1..=n), oldest first: adds, an edit, a delete, an undo and a
/// redo of it, imports, and a payee that tries to control the terminal.
fn stream(n: u64) -> Vec<ChangeRecord> {
    let mut out = Vec::new();
    for seq in 1..=n {
        let r = match seq % 7 {
            1 => rec(
                seq,
                Origin::User,
                None,
                Some(expense(seq.into(), 1250, "food", "Lidl", 1)),
            ),
            2 => rec(
                seq,
                Origin::User,
                Some(expense(u128::from(seq) - 1, 1250, "food", "Lidl", 1)),
                Some(expense(
                    u128::from(seq) - 1,
                    1300,
                    "food:restaurants",
                    "Lidl",
                    2,
                )),
            ),
            3 => rec(
                seq,
                Origin::Import,
                None,
                Some(expense(seq.into(), 499, "fun", "Evil\u{1b}[31mRed", 1)),
            ),
            4 => rec(
                seq,
                Origin::User,
                Some(expense(
                    u128::from(seq) - 1,
                    499,
                    "fun",
                    "Evil\u{1b}[31mRed",
                    1,
                )),
                None,
            ),
            5 => rec(
                seq,
                Origin::Undo,
                None,
                Some(expense(
                    u128::from(seq) - 2,
                    499,
                    "fun",
                    "Evil\u{1b}[31mRed",
                    2,
                )),
            ),
            6 => rec(
                seq,
                Origin::Redo,
                Some(expense(
                    u128::from(seq) - 3,
                    499,
                    "fun",
                    "Evil\u{1b}[31mRed",
                    2,
                )),
                None,
            ),
            _ => rec(
                seq,
                Origin::Demo,
                None,
                Some(expense(seq.into(), 325_000, "salary", "ACME GmbH", 1)),
            ),
        };
        out.push(r);
    }
    out
}

/// Answers `LoadHistory` (whole stream, or one id's records) and `LoadWindow` (empty ledger).
fn answer(state: &mut State, stream: &[ChangeRecord], fx: Vec<Effect>) -> usize {
    let mut loads = 0;
    for e in fx {
        match e {
            Effect::LoadHistory(query) => {
                loads += 1;
                let view: Vec<&ChangeRecord> = stream
                    .iter()
                    .rev()
                    .filter(|r| query.item.is_none_or(|id| r.id == id))
                    .collect();
                let rows = view
                    .iter()
                    .skip(query.start)
                    .take(query.len)
                    .map(|r| HistoryRow {
                        record: (*r).clone(),
                        time: format!("2026-11-20 14:{:02}:05", r.seq % 60),
                        fold: None,
                    })
                    .collect();
                let loaded = HistoryLoaded {
                    total: view.len(),
                    rows,
                    query,
                };
                let more = update(
                    state,
                    Action::Answer(Answer::HistoryLoaded(Box::new(loaded))),
                );
                loads += answer(state, stream, more);
            }
            Effect::LoadWindow(query) => {
                let rows: Vec<Expense> = vec![expense(1, 1250, "food", "Lidl", 1)];
                let loaded = WindowLoaded {
                    total: rows.len(),
                    rows,
                    totals: vec![],
                    query,
                    focus: None,
                    month_count: None,
                    upcoming: Vec::new(),
                };
                let more = update(
                    state,
                    Action::Answer(Answer::WindowLoaded(Box::new(loaded))),
                );
                loads += answer(state, stream, more);
            }
            _ => {}
        }
    }
    loads
}

fn state(w: u16, h: u16, stream: &[ChangeRecord]) -> State {
    let mut s = State::new(today(), 1, Currency::EUR);
    update(
        &mut s,
        Action::Resize {
            width: w,
            height: h,
        },
    );
    let fx = update(&mut s, Action::ThisMonth);
    answer(&mut s, stream, fx);
    s
}

fn send(s: &mut State, stream: &[ChangeRecord], a: Action) -> usize {
    let fx = update(s, a);
    answer(s, stream, fx)
}

fn draw(state: &State, w: u16, h: u16, theme: &Theme) -> Terminal<TestBackend> {
    let keymap = Keymap::load(None).expect("built-in keymap");
    let (help, hints) = (keymap.help(), keymap.hints());
    let chrome = Chrome {
        theme,
        help: &help,
        hints: &hints,
    };
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| render(state, &chrome, f)).unwrap();
    terminal
}

fn text(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn history_list_80x24() {
    let st = stream(40);
    let mut s = state(80, 24, &st);
    send(&mut s, &st, Action::OpenHistory);
    assert_eq!(s.screen, Screen::History);
    send(&mut s, &st, Action::SelectNext);
    let t = draw(&s, 80, 24, &Theme::DEFAULT);
    let screen = text(&t);
    assert!(!screen.contains('\u{1b}'), "{screen}");
    insta::assert_snapshot!("history_list_80x24", t.backend());
}

#[test]
fn history_list_60x15() {
    let st = stream(40);
    let mut s = state(60, 15, &st);
    send(&mut s, &st, Action::OpenHistory);
    let t = draw(&s, 60, 15, &Theme::DEFAULT);
    insta::assert_snapshot!("history_list_60x15", t.backend());
}

#[test]
fn history_detail_marks_changed_fields_80x24_and_60x15() {
    let st = stream(40);
    for (w, h) in [(80, 24), (60, 15)] {
        let mut s = state(w, h, &st);
        send(&mut s, &st, Action::OpenHistory);
        // Seq 37 is an edit (37 % 7 == 2): the 4th newest.
        for _ in 0..3 {
            send(&mut s, &st, Action::SelectNext);
        }
        send(&mut s, &st, Action::Submit);
        assert!(s.history.detail);
        let t = draw(&s, w, h, &Theme::MONO);
        let screen = text(&t);
        let marked: Vec<&str> = screen
            .lines()
            .filter(|l| l.contains(" * ") || l.starts_with('*'))
            .collect();
        assert_eq!(marked.len(), 2, "amount and category marked\n{screen}");
        assert!(marked.iter().any(|l| l.contains("amount")), "{screen}");
        assert!(marked.iter().any(|l| l.contains("category")), "{screen}");
        insta::assert_snapshot!(format!("history_detail_{w}x{h}"), t.backend());
        // Esc closes the detail, a second Esc goes back to the ledger.
        send(&mut s, &st, Action::Cancel);
        assert!(!s.history.detail);
        assert_eq!(s.screen, Screen::History);
        send(&mut s, &st, Action::Cancel);
        assert_eq!(s.screen, Screen::Ledger);
    }
}

#[test]
fn item_history_shows_only_that_expense() {
    let st = stream(40);
    let mut s = state(80, 24, &st);
    // The ledger's selected row is expense 1 (added at seq 1, edited at seq 2).
    let fx = update(&mut s, Action::ItemHistory);
    assert_eq!(
        fx,
        vec![Effect::LoadHistory(HistoryQuery {
            item: Some(ExpenseId(1)),
            start: 0,
            len: 21 * 3,
        })]
    );
    answer(&mut s, &st, fx);
    assert_eq!(s.history.total, Some(2));
    let t = draw(&s, 80, 24, &Theme::DEFAULT);
    insta::assert_snapshot!("history_item_80x24", t.backend());
    // H from there shows everything; Esc still goes back to the ledger.
    send(&mut s, &st, Action::OpenHistory);
    assert_eq!((s.history.item, s.history.total), (None, Some(40)));
    send(&mut s, &st, Action::Cancel);
    assert_eq!(s.screen, Screen::Ledger);
}

#[test]
fn paging_loads_windows_never_the_stream() {
    let st = stream(1000);
    let mut s = state(80, 24, &st);
    send(&mut s, &st, Action::OpenHistory);
    assert_eq!(s.history.total, Some(1000));
    assert!(s.history.window.len() <= 63, "{}", s.history.window.len());
    let mut loads = 0;
    for _ in 0..5 {
        loads += send(&mut s, &st, Action::PageDown);
    }
    assert_eq!(s.history.cursor.selected, 5 * 21);
    assert!((1..=5).contains(&loads), "{loads}");
    assert_eq!(s.history.selected_row().unwrap().record.seq, 1000 - 105);
    send(&mut s, &st, Action::SelectLast);
    assert_eq!(s.history.selected_row().unwrap().record.seq, 1);
    assert!(s.history.window.len() <= 63);
    send(&mut s, &st, Action::SelectFirst);
    assert_eq!(s.history.selected_row().unwrap().record.seq, 1000);
    send(&mut s, &st, Action::PageUp);
    assert_eq!(s.history.cursor.selected, 0);
    // A taller terminal shows more rows than were loaded: they are fetched.
    let fx = update(
        &mut s,
        Action::Resize {
            width: 80,
            height: 200,
        },
    );
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadHistory(_))),
        "{fx:?}"
    );
}

#[test]
fn records_from_other_sessions_appear_and_the_selection_stays_put() {
    let st = stream(30);
    let mut s = state(80, 24, &st);
    send(&mut s, &st, Action::OpenHistory);
    send(&mut s, &st, Action::SelectNext);
    send(&mut s, &st, Action::SelectNext);
    assert_eq!(s.history.selected_row().unwrap().record.seq, 28);
    // Another session writes three records.
    let st = stream(33);
    send(&mut s, &st, Action::ChangedElsewhere);
    assert_eq!(s.history.total, Some(33));
    assert_eq!(s.history.selected_row().unwrap().record.seq, 28);
    assert_eq!(s.history.row(0).unwrap().record.seq, 33);
    assert_eq!(
        s.history.cursor.offset, 0,
        "the new records show at the top"
    );
    // Scrolled down, the viewport keeps its records.
    for _ in 0..30 {
        send(&mut s, &st, Action::SelectNext);
    }
    let (offset, top) = (
        s.history.cursor.offset,
        s.history.row(s.history.cursor.offset).unwrap().record.seq,
    );
    assert!(offset > 0);
    let st = stream(34);
    send(&mut s, &st, Action::ChangedElsewhere);
    assert_eq!(
        s.history.row(s.history.cursor.offset).unwrap().record.seq,
        top
    );
    // At the top, the top stays the newest.
    send(&mut s, &st, Action::SelectFirst);
    let st = stream(35);
    send(&mut s, &st, Action::ChangedElsewhere);
    assert_eq!(s.history.selected_row().unwrap().record.seq, 35);
}

#[test]
fn undo_redo_and_help_work_on_the_history_screen() {
    let st = stream(10);
    let mut s = state(80, 24, &st);
    send(&mut s, &st, Action::OpenHistory);
    assert_eq!(update(&mut s, Action::Undo), vec![Effect::Undo]);
    assert_eq!(update(&mut s, Action::Redo), vec![Effect::Redo]);
    // A step reloads the history too.
    let fx = update(
        &mut s,
        Action::Answer(Answer::Stepped(Box::new(
            expense_tracker::app::action::Stepped {
                redo: false,
                text: "Undid: add 12.50 EUR food @Lidl".into(),
                expense: None,
            },
        ))),
    );
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadHistory(_))),
        "{fx:?}"
    );
    let t = draw(&s, 80, 24, &Theme::DEFAULT);
    assert!(text(&t).contains("Undid: add 12.50 EUR food @Lidl"));
    update(&mut s, Action::OpenHelp);
    let t = draw(&s, 80, 24, &Theme::DEFAULT);
    let help = text(&t);
    assert!(help.contains("history"), "{help}");
}

#[test]
fn keys_resolve_on_the_history_screen() {
    use expense_tracker::tui::keymap::Context;
    use ratatui::crossterm::event::{
        Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers,
    };
    let km = Keymap::load(None).unwrap();
    let key = |c: KeyCode, m: KeyModifiers| {
        TermEvent::Key(KeyEvent {
            code: c,
            modifiers: m,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        })
    };
    let none = KeyModifiers::NONE;
    assert_eq!(
        km.resolve(Context::Ledger, &key(KeyCode::Char('c'), none)),
        Some(Action::ItemHistory)
    );
    assert_eq!(
        km.resolve(
            Context::Ledger,
            &key(KeyCode::Char('H'), KeyModifiers::SHIFT)
        ),
        Some(Action::OpenHistory)
    );
    assert_eq!(
        km.resolve(
            Context::Review,
            &key(KeyCode::Char('H'), KeyModifiers::SHIFT)
        ),
        Some(Action::OpenHistory)
    );
    assert_eq!(
        km.resolve(
            Context::Ledger,
            &key(KeyCode::Char('r'), KeyModifiers::CONTROL)
        ),
        Some(Action::Redo)
    );
    assert_eq!(
        km.resolve(Context::History, &key(KeyCode::Enter, none)),
        Some(Action::Submit)
    );
    assert_eq!(
        km.resolve(Context::History, &key(KeyCode::Esc, none)),
        Some(Action::Cancel)
    );
    assert_eq!(
        km.resolve(Context::History, &key(KeyCode::PageDown, none)),
        Some(Action::PageDown)
    );
    assert_eq!(
        km.resolve(Context::History, &key(KeyCode::Char('u'), none)),
        Some(Action::Undo)
    );
    let mut s = State::new(today(), 1, Currency::EUR);
    s.screen = Screen::History;
    assert_eq!(Context::of(&s), Context::History);
    assert!(km
        .help()
        .iter()
        .any(|h| h.context == "history" && h.keys.contains("enter")));
}
