//! Whole-app tests without a PTY (gitui style): the default keymap, `app::update`, a real engine
//! on a temporary store and `ui::render` on a `TestBackend`, driven by key presses as a person
//! uses the app. Every test asserts what the screen shows and what the store holds, and runs
//! twice: with the effects run by an `Engine` in this process (`local`), and by a session
//! server across its socket, as a second TUI does (`session`). The PTY tests in `e2e.rs` and
//! `sessions.rs` keep covering the terminal itself.

mod app;

use app::{today, Harness, Via};
use chrono::Datelike;
use expense_tracker::app::Action;
use expense_tracker::domain::{Currency, Draft, Expense, Kind};
use expense_tracker::store::{Event, Origin};

/// One test body, run locally and through a session: `mod name { fn local(); fn session(); }`.
macro_rules! both {
    ($(#[doc = $doc:literal])* fn $name:ident($h:ident: &mut Harness) $body:block) => {
        $(#[doc = $doc])*
        mod $name {
            use super::*;

            fn body($h: &mut Harness) $body

            #[test]
            fn local() {
                body(&mut Harness::new(Via::Local));
            }

            #[test]
            fn session() {
                body(&mut Harness::new(Via::Session));
            }
        }
    };
}

/// Adds an expense through the add form: `a`, amount, Tab, payee, Tab, category, Enter.
fn add(h: &mut Harness, amount: &str, payee: &str, category: &str) {
    h.press("a")
        .type_str(amount)
        .press("tab")
        .type_str(payee)
        .press("tab")
        .type_str(category)
        .press("enter");
    // A category the store does not know yet: the form asks once, Enter creates it.
    if h.screen().contains(&format!("new category '{category}'?")) {
        h.press("enter");
    }
}

/// This month's items in the store, by date then id.
fn items(h: &Harness) -> Vec<Expense> {
    let from = today().with_day0(0).expect("first of the month");
    let to = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("last of the month");
    h.store()
        .range(from, to, false, 0, usize::MAX)
        .expect("store range")
}

/// The stored item whose payee is `payee`.
fn item(h: &Harness, payee: &str) -> Expense {
    let all = items(h);
    all.iter()
        .find(|e| e.draft.payee == payee)
        .cloned()
        .unwrap_or_else(|| panic!("no {payee} in the store: {all:?}"))
}

/// The screen's line holding `needle`.
fn line(screen: &str, needle: &str) -> String {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} on\n{screen}"))
        .to_string()
}

/// The ledger's table rows on the screen (they start with their date).
fn ledger_rows(screen: &str) -> Vec<&str> {
    screen.lines().filter(|l| l.starts_with("2026-")).collect()
}

/// Minor units as the screens print them (`12.50`); the tests keep amounts under 1,000.
fn money(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

both! {
    /// Add: the form saves one draft; the ledger shows the row and the total, the store holds
    /// exactly that expense, and the history has its INSERT from the user.
    fn add_through_the_form(h: &mut Harness) {
        assert!(h.screen().contains("No expenses in November 2026"), "{}", h.screen());
        h.press("a");
        assert!(h.screen().contains("Add expense"), "{}", h.screen());
        h.type_str("12.50")
            .press("tab")
            .type_str("Lidl")
            .press("tab")
            .type_str("food:groceries")
            .press("enter");

        let screen = h.screen();
        assert!(!screen.contains("Add expense"), "the form closed:\n{screen}");
        let row = line(&screen, "Lidl");
        assert!(row.starts_with("2026-11-21"), "{row}");
        assert!(row.contains("food:groceries") && row.contains("12.50 EUR"), "{row}");
        assert!(screen.contains("spent 12.50 EUR  1 item"), "{screen}");
        assert!(screen.contains("Added 12.50 EUR · food:groceries · Lidl"), "{screen}");

        let all = items(h);
        assert_eq!(all.len(), 1, "{all:?}");
        let e = &all[0];
        assert_eq!(
            e.draft,
            Draft {
                date: today(),
                amount: 1250,
                currency: Currency::EUR,
                category: "food:groceries".into(),
                payee: "Lidl".into(),
                note: String::new(),
                tags: Vec::new(),
                kind: Kind::Expense,
            }
        );
        assert_eq!(e.version, 1);
        let history = h.store().history_window(0, 10).expect("history").records;
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].event, Event::Insert);
        assert_eq!(history[0].origin, Origin::User);
        assert_eq!(history[0].id, e.id);
    }
}

both! {
    /// Edit: `e` on the selected row opens it in the form; a new amount is saved as a new
    /// version of the same expense, the other row untouched.
    fn edit_the_selected_amount(h: &mut Harness) {
        add(h, "12.50", "Lidl", "food:groceries");
        add(h, "7", "Bakery", "food:bakery");
        let before = item(h, "Bakery");
        // The newest row is selected after the add.
        assert!(line(&h.screen(), "Bakery").contains("7.00 EUR"));
        h.press("e");
        let screen = h.screen();
        assert!(screen.contains("Edit expense"), "{screen}");
        assert!(line(&screen, "│Amount").contains("7.00"), "{screen}");
        // The form opens on the amount: clear it and type the new one.
        for _ in 0.."7.00".len() {
            h.press("backspace");
        }
        h.type_str("8.25").press("enter");

        let screen = h.screen();
        assert!(!screen.contains("Edit expense"), "{screen}");
        assert!(line(&screen, "Bakery").contains("8.25 EUR"), "{screen}");
        assert!(line(&screen, "Lidl").contains("12.50 EUR"), "{screen}");
        assert!(screen.contains("spent 20.75 EUR  2 items"), "{screen}");

        let after = item(h, "Bakery");
        assert_eq!(after.id, before.id, "edited in place");
        assert_eq!(after.draft.amount, 825);
        assert_eq!(after.version, before.version + 1);
        assert_eq!(item(h, "Lidl").draft.amount, 1250);
        assert_eq!(items(h).len(), 2);
    }
}

both! {
    /// Delete: `d` asks, `y` moves the selected expense into the trash; it leaves the ledger and
    /// the store's items, and the trash holds it.
    fn delete_into_the_trash(h: &mut Harness) {
        add(h, "12.50", "Lidl", "food:groceries");
        add(h, "7", "Bakery", "food:bakery");
        let bakery = item(h, "Bakery");
        h.press("d");
        assert!(
            h.screen().contains("Delete 7.00 EUR · food:bakery · Bakery on 2026-11-21?"),
            "{}",
            h.screen()
        );
        h.press("y");

        let screen = h.screen();
        let rows = ledger_rows(&screen);
        assert_eq!(rows.len(), 1, "{screen}");
        assert!(rows[0].contains("Lidl"), "the Bakery row is gone:\n{screen}");
        assert!(screen.contains("Moved to trash 7.00 EUR"), "{screen}");
        assert!(screen.contains("spent 12.50 EUR  1 item"), "{screen}");

        assert_eq!(items(h).len(), 1);
        assert!(h.store().get(bakery.id).expect("get").is_none());
        let trash = h.store().trashed().expect("trash");
        assert_eq!(trash.len(), 1);
        assert_eq!(trash[0].expense.id, bakery.id);
        assert_eq!(trash[0].expense.draft, bakery.draft);
    }
}

both! {
    /// Undo and redo: `u` takes back the edit, then the add; ctrl-r brings them back in order.
    /// The screen and the store agree after every step.
    fn undo_and_redo(h: &mut Harness) {
        add(h, "12.50", "Lidl", "food:groceries");
        let id = item(h, "Lidl").id;
        h.press("e");
        for _ in 0.."12.50".len() {
            h.press("backspace");
        }
        h.type_str("20").press("enter");
        assert!(line(&h.screen(), "Lidl").contains("20.00 EUR"), "{}", h.screen());

        h.press("u");
        assert!(line(&h.screen(), "Lidl").contains("12.50 EUR"), "{}", h.screen());
        assert_eq!(item(h, "Lidl").draft.amount, 1250);

        h.press("u");
        let screen = h.screen();
        assert!(screen.contains("0 items"), "{screen}");
        assert!(ledger_rows(&screen).is_empty(), "{screen}");
        assert!(items(h).is_empty());

        h.press("ctrl-r");
        let screen = h.screen();
        assert!(line(&screen, "Lidl").contains("12.50 EUR"), "{screen}");
        assert!(screen.contains("1 item"), "{screen}");
        let back = item(h, "Lidl");
        assert_eq!((back.id, back.draft.amount), (id, 1250));

        h.press("ctrl-r");
        assert!(line(&h.screen(), "Lidl").contains("20.00 EUR"), "{}", h.screen());
        assert_eq!(item(h, "Lidl").draft.amount, 2000);
        assert_eq!(items(h).len(), 1);
    }
}

both! {
    /// Review: `r` opens the month's review; the spent total and each category's amount (top
    /// level, and the children once expanded) equal the sums of the store's items.
    fn review_totals_equal_the_store(h: &mut Harness) {
        add(h, "12.50", "Lidl", "food:groceries");
        add(h, "7", "Bakery", "food:bakery");
        add(h, "4.20", "Aldi", "food:groceries");
        add(h, "900", "Landlord", "rent");
        h.press("r");
        let screen = h.screen();
        assert!(screen.contains("Category"), "{screen}");
        assert!(screen.contains("Top payees"), "{screen}");

        let stored = items(h);
        let sum = |prefix: &str| -> i64 {
            stored
                .iter()
                .filter(|e| e.draft.category == prefix
                    || e.draft.category.starts_with(&format!("{prefix}:")))
                .map(|e| e.draft.amount)
                .sum()
        };
        let total: i64 = stored.iter().map(|e| e.draft.amount).sum();
        assert_eq!(total, 92370);
        assert!(screen.contains(&format!("spent {} EUR", money(total))), "{screen}");
        // Rent spent most: first; food second, collapsed.
        let rent = line(&screen, "rent");
        assert!(rent.contains(&money(sum("rent"))), "{rent}");
        let food = line(&screen, "▸ food");
        assert!(food.contains(&money(sum("food"))), "{food}");

        h.press("j").press("space");
        let screen = h.screen();
        assert!(line(&screen, "food").contains(&money(sum("food"))), "{screen}");
        for child in ["groceries", "bakery"] {
            let l = line(&screen, child);
            let want = money(sum(&format!("food:{child}")));
            assert!(l.contains(&want), "{child}: want {want} in {l}\n{screen}");
        }
        assert_eq!(sum("food:groceries"), 1670);
    }
}

both! {
    /// History: `H` lists every change record of the store, newest first, with its event.
    fn history_lists_the_records(h: &mut Harness) {
        add(h, "12.50", "Lidl", "food:groceries");
        add(h, "7", "Bakery", "food:bakery");
        h.press("d").press("y");
        h.press("H");
        let screen = h.screen();
        let records = h.store().history_window(0, 100).expect("history").records;
        assert_eq!(records.len(), 3);
        assert!(screen.contains("History all changes  3 records"), "{screen}");
        let lines: Vec<&str> = screen.lines().collect();
        let header = lines
            .iter()
            .position(|l| l.contains("Seq") && l.contains("Event"))
            .expect("table header");
        for (i, r) in records.iter().enumerate() {
            let row = lines[header + 1 + i];
            let e = r.new.as_ref().or(r.old.as_ref()).expect("an image");
            let event = match r.event {
                Event::Insert => "INSERT",
                Event::Modify => "MODIFY",
                Event::Remove => "REMOVE",
            };
            assert!(row.trim_start().starts_with(&r.seq.to_string()), "{row}");
            assert!(row.contains(event), "{row}");
            assert!(row.contains(&format!("@{}", e.draft.payee)), "{row}");
        }
        // A delete moves the expense to the trash: a MODIFY that marks it, as DynamoDB's TTL.
        assert_eq!(records[0].event, Event::Modify);
        assert!(records[0].new_trash.is_some());
        assert!(screen.contains("to the trash: 7.00 EUR"), "{screen}");
        // Esc goes back to the ledger.
        h.press("esc");
        assert!(h.screen().contains("Lidl"), "{}", h.screen());
    }
}

both! {
    /// Trash: `T` shows the deleted expense, `r` restores it; the trash empties, the store has
    /// the expense again under its id, and the ledger shows it.
    fn trash_restores_the_deleted(h: &mut Harness) {
        add(h, "12.50", "Lidl", "food:groceries");
        add(h, "7", "Bakery", "food:bakery");
        let bakery = item(h, "Bakery");
        h.press("d").press("y");
        h.press("T");
        let screen = h.screen();
        assert!(screen.contains("Trash  1 item"), "{screen}");
        let row = line(&screen, "Bakery");
        assert!(row.contains("30 days") && row.contains("7.00 EUR"), "{row}");

        h.press("r");
        let screen = h.screen();
        assert!(screen.contains("Restored 7.00 EUR"), "{screen}");
        assert!(screen.contains("Trash  0 items"), "{screen}");
        assert!(h.store().trashed().expect("trash").is_empty());
        let back = h.store().get(bakery.id).expect("get").expect("restored");
        assert_eq!(back.draft, bakery.draft);

        h.press("esc");
        let screen = h.screen();
        assert!(line(&screen, "Bakery").contains("7.00 EUR"), "{screen}");
        assert!(screen.contains("spent 19.50 EUR  2 items"), "{screen}");
        assert_eq!(items(h).len(), 2);
    }
}

both! {
    /// Another session's write shows once the change notification arrives (driven here as the
    /// loop does on `Msg::StoreChanged`: `Action::ChangedElsewhere`), with no key pressed.
    fn a_change_elsewhere_reloads(h: &mut Harness) {
        add(h, "12.50", "Lidl", "food:groceries");
        let draft = Draft {
            date: today(),
            amount: 300,
            currency: Currency::EUR,
            category: "transport".into(),
            payee: "Metro".into(),
            note: String::new(),
            tags: Vec::new(),
            kind: Kind::Expense,
        };
        h.store().put(draft, Origin::User, 0).expect("another session's add");
        assert!(!h.screen().contains("Metro"), "not before the notification");
        h.send(Action::ChangedElsewhere);
        let screen = h.screen();
        assert!(line(&screen, "Metro").contains("3.00 EUR"), "{screen}");
        assert!(screen.contains("spent 15.50 EUR  2 items"), "{screen}");
    }
}

both! {
    /// The whole 80x24 screen after an add through the form; one snapshot for both variants, so
    /// the local and the session screens are the same.
    fn snapshot_after_add(h: &mut Harness) {
        add(h, "12.50", "Lidl", "food:groceries");
        add(h, "3.40", "Bakery", "food:bakery");
        insta::assert_snapshot!("ledger_after_add_80x24", h.backend());
    }
}

mod flows;
mod schedules;
