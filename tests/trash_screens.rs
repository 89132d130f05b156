//! The trash screen: reducer (open, move, restore, purge with its prompt, back, live reload,
//! the ledger's delete message) and rendered snapshots at 80x24 and 60x15 (a full trash, the
//! purge prompt, an empty trash), with the expiry colour checked on the last-day row.
// Amounts are written as units_cents (950_00 is 950.00).
#![allow(clippy::inconsistent_digit_grouping)]

use chrono::NaiveDate;
use expense_tracker::app::action::{Change, Stored, TrashLoaded};
use expense_tracker::app::state::{Overlay, Screen};
use expense_tracker::app::Answer;
use expense_tracker::app::{update, Action, Effect, State};
use expense_tracker::domain::{Currency, Draft, Expense, ExpenseId, Kind};
use expense_tracker::store::Trashed;
use expense_tracker::tui::keymap::Keymap;
use expense_tracker::ui::theme::{Meaning, Theme};

#[path = "common/screen.rs"]
mod screen;
use screen::draw;

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;
/// "Now" of the loaded rows: 2026-12-01 10:00 UTC.
const NOW: i64 = 1_796_119_200_000;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

fn trashed(n: u128, day: u32, cents: i64, cat: &str, payee: &str, deleted_ago: i64) -> Trashed {
    let deleted_at = NOW - deleted_ago;
    Trashed {
        expense: Expense {
            id: ExpenseId(n),
            draft: Draft {
                date: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
                amount: cents,
                currency: Currency::EUR,
                category: cat.into(),
                payee: payee.into(),
                note: String::new(),
                tags: Vec::new(),
                kind: Kind::Expense,
            },
            created: 0,
            updated: 0,
            version: 2,
        },
        deleted_at,
        expires_at: deleted_at + 30 * DAY,
    }
}

fn rows() -> Vec<Trashed> {
    vec![
        trashed(1, 28, 12_50, "food:groceries", "Lidl", 5 * 60_000),
        trashed(
            2,
            20,
            23_10,
            "food:restaurants",
            "Café \u{1b}[31mEvil",
            3 * HOUR,
        ),
        trashed(3, 11, 45_99, "fun:games", "Steam", 2 * DAY),
        trashed(4, 2, 950_00, "rent", "Landlord", 29 * DAY + 20 * HOUR),
    ]
}

fn state(width: u16, height: u16) -> State {
    let mut s = State::new(today(), 1, Currency::EUR);
    update(&mut s, Action::Resize { width, height });
    s
}

fn open_with(s: &mut State, rows: Vec<Trashed>) {
    assert_eq!(update(s, Action::OpenTrash), vec![Effect::LoadTrash]);
    assert_eq!(s.screen, Screen::Trash);
    let ttl_ms = s.trash_ttl_ms;
    update(
        s,
        Action::Answer(Answer::TrashLoaded(Box::new(TrashLoaded {
            rows,
            now_ms: NOW,
            ttl_ms,
        }))),
    );
}

#[test]
fn trash_80x24() {
    let mut s = state(80, 24);
    open_with(&mut s, rows());
    let t = draw(&s, 80, 24);
    insta::assert_snapshot!("trash_80x24", t.backend());
    // The row in its last day shows its expiry in the error colour, the others muted.
    let buf = t.backend().buffer();
    let expires_col = (0..80)
        .find(|&x| buf[(x, 1)].symbol() == "E")
        .expect("an Expires column");
    let last_day = (0..24)
        .find(|&y| (0..80).any(|x| buf[(x, y)].symbol() == "L" && buf[(x + 1, y)].symbol() == "a"))
        .expect("the Landlord row");
    assert_eq!(
        buf[(expires_col, last_day)].fg,
        Theme::DEFAULT.style(Meaning::Error).fg.unwrap()
    );
    assert_eq!(
        buf[(expires_col, 3)].fg,
        Theme::DEFAULT.style(Meaning::Muted).fg.unwrap()
    );
}

#[test]
fn trash_60x15_and_purge_prompt() {
    let mut s = state(60, 15);
    open_with(&mut s, rows());
    insta::assert_snapshot!("trash_60x15", draw(&s, 60, 15).backend());
    update(&mut s, Action::SelectNext);
    update(&mut s, Action::PurgeSelected);
    insta::assert_snapshot!("trash_purge_prompt_60x15", draw(&s, 60, 15).backend());
}

#[test]
fn empty_trash_80x24() {
    let mut s = state(80, 24);
    open_with(&mut s, Vec::new());
    insta::assert_snapshot!("trash_empty_80x24", draw(&s, 80, 24).backend());
}

#[test]
fn restore_and_purge_ask_the_store_and_purge_asks_first() {
    let mut s = state(80, 24);
    open_with(&mut s, rows());
    update(&mut s, Action::SelectNext);
    assert_eq!(
        update(&mut s, Action::RestoreSelected),
        vec![Effect::Restore { id: ExpenseId(2) }]
    );
    assert_eq!(
        update(&mut s, Action::Submit),
        vec![Effect::Restore { id: ExpenseId(2) }],
        "Enter restores too"
    );
    assert!(update(&mut s, Action::PurgeSelected).is_empty());
    assert!(
        matches!(&s.overlay, Some(Overlay::ConfirmPurge { item }) if item.expense.id == ExpenseId(2))
    );
    // n keeps it.
    assert!(update(&mut s, Action::Cancel).is_empty());
    assert!(s.overlay.is_none());
    assert_eq!(
        s.screen,
        Screen::Trash,
        "cancelling the prompt stays on the trash"
    );
    update(&mut s, Action::PurgeSelected);
    assert_eq!(
        update(&mut s, Action::Submit),
        vec![Effect::Purge { id: ExpenseId(2) }]
    );
    assert!(s.overlay.is_none());
}

#[test]
fn answers_reload_the_trash_and_purges_are_not_undoable() {
    let mut s = state(80, 24);
    open_with(&mut s, rows());
    let r = rows().remove(0);
    let fx = update(
        &mut s,
        Action::Answer(Answer::Stored(Box::new(Stored {
            seq: 9,
            change: Change::Restored,
            expense: r.expense.clone(),
        }))),
    );
    assert!(fx.contains(&Effect::LoadTrash), "{fx:?}");
    assert!(s
        .toast
        .as_ref()
        .unwrap()
        .text
        .starts_with("Restored 12.50 EUR"));
    update(
        &mut s,
        Action::Answer(Answer::Stored(Box::new(Stored {
            seq: 10,
            change: Change::Purged,
            expense: r.expense,
        }))),
    );
    let t = &s.toast.as_ref().unwrap().text;
    assert!(
        t.starts_with("Purged for good") && !t.contains("u undoes"),
        "{t}"
    );
    // Another session (or the sweeper) changed the store: the trash reloads too.
    assert!(update(&mut s, Action::ChangedElsewhere).contains(&Effect::LoadTrash));
    // A shorter list keeps the selection inside it.
    update(&mut s, Action::SelectLast);
    assert_eq!(s.trash.cursor.selected, 3);
    update(
        &mut s,
        Action::Answer(Answer::TrashLoaded(Box::new(TrashLoaded {
            rows: rows()[..2].to_vec(),
            now_ms: NOW,
            ttl_ms: 30 * 86_400_000,
        }))),
    );
    assert_eq!(s.trash.cursor.selected, 1);
}

#[test]
fn an_undo_of_something_purged_says_so() {
    let mut s = state(80, 24);
    assert_eq!(update(&mut s, Action::Undo), vec![Effect::Undo]);
    update(
        &mut s,
        Action::Answer(Answer::UndoImpossible("gone for good".into())),
    );
    let t = s.toast.as_ref().unwrap();
    assert!(t.error && t.text == "gone for good", "{t:?}");
}

#[test]
fn esc_goes_back_and_an_empty_trash_says_so() {
    let mut s = state(80, 24);
    open_with(&mut s, Vec::new());
    assert!(update(&mut s, Action::RestoreSelected).is_empty());
    assert!(s.toast.as_ref().unwrap().error);
    assert!(update(&mut s, Action::PurgeSelected).is_empty());
    assert!(s.overlay.is_none());
    let fx = update(&mut s, Action::OpenLedger);
    assert_eq!(s.screen, Screen::Ledger);
    assert!(matches!(fx.as_slice(), [Effect::LoadWindow(_)]));
}

#[test]
fn ledger_delete_moves_to_the_trash_and_says_so() {
    let mut s = state(80, 24);
    let e = rows().remove(0).expense;
    update(
        &mut s,
        Action::Answer(Answer::Stored(Box::new(Stored {
            seq: 3,
            change: Change::Trashed,
            expense: e.clone(),
        }))),
    );
    let t = &s.toast.as_ref().unwrap().text;
    assert!(t.starts_with("Moved to trash 12.50 EUR"), "{t}");
    assert!(t.ends_with("· u undoes · T shows the trash"), "{t}");
    // The holder keeps no trash: the engine answers Deleted, whatever this TUI's config says.
    update(
        &mut s,
        Action::Answer(Answer::Stored(Box::new(Stored {
            seq: 4,
            change: Change::Deleted,
            expense: e,
        }))),
    );
    let t = &s.toast.as_ref().unwrap().text;
    assert!(
        t.starts_with("Deleted 12.50 EUR") && !t.contains("trash"),
        "{t}"
    );
}

#[test]
fn keys_resolve_on_the_trash_screen() {
    use expense_tracker::tui::keymap::Context;
    use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    let km = Keymap::load(None).unwrap();
    let key = |c: KeyCode| Event::Key(KeyEvent::new(c, KeyModifiers::NONE));
    let mut s = state(80, 24);
    assert_eq!(
        km.resolve(Context::of(&s), &key(KeyCode::Char('T'))),
        Some(Action::OpenTrash)
    );
    open_with(&mut s, rows());
    assert_eq!(Context::of(&s), Context::Trash);
    for (k, a) in [
        (KeyCode::Char('r'), Action::RestoreSelected),
        (KeyCode::Enter, Action::RestoreSelected),
        (KeyCode::Char('x'), Action::PurgeSelected),
        (KeyCode::Delete, Action::PurgeSelected),
        (KeyCode::Esc, Action::OpenLedger),
        (KeyCode::Char('j'), Action::SelectNext),
    ] {
        assert_eq!(km.resolve(Context::Trash, &key(k)), Some(a));
    }
    update(&mut s, Action::PurgeSelected);
    assert_eq!(Context::of(&s), Context::Confirm);
    let help: Vec<_> = km
        .help()
        .into_iter()
        .filter(|h| h.context == "trash")
        .collect();
    assert!(help.iter().any(|h| h.desc.contains("purge")), "{help:?}");
}
