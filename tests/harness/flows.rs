//! More of the app as a person uses it: the one-line entry, a budget on the review, the filter,
//! month navigation, a small terminal, and two TUIs on one store (a holder and a guest).

use super::*;
use chrono::NaiveDate;
use expense_tracker::store::Budget;
use std::time::Duration;

/// At most this long for a change notification to cross threads and the socket.
const NOTICE: Duration = Duration::from_secs(5);

/// Adds one expense through the one-line entry: `i`, the line, Enter.
fn quick(h: &mut Harness, line: &str) {
    h.press("i").type_str(line).press("enter");
}

/// The store's items dated `from..=to`, by date then id.
fn between(h: &Harness, from: (u32, u32), to: (u32, u32)) -> Vec<Expense> {
    let day = |(m, d): (u32, u32)| NaiveDate::from_ymd_opt(2026, m, d).expect("valid date");
    h.store()
        .range(day(from), day(to), false, 0, usize::MAX)
        .expect("store range")
}

/// The ledger's title line (month, total, item count).
fn title(screen: &str) -> &str {
    screen.lines().next().unwrap_or_default()
}

both! {
    /// Quick entry: `i` opens the one-line entry; `4.20 food:coffee! @Starbucks #morning` adds
    /// a new category's expense, and `3.10 coff @Costa -1` resolves the now known category
    /// fuzzily and dates it yesterday. Each row shows in the ledger and the store holds exactly
    /// those drafts; a line the grammar refuses shows its reason and stores nothing.
    fn quick_entry_adds_a_row(h: &mut Harness) {
        h.press("i");
        assert!(h.screen().contains("Quick entry"), "{}", h.screen());
        h.type_str("4.20 food:coffee! @Starbucks #morning").press("enter");

        let screen = h.screen();
        assert!(!screen.contains("Quick entry"), "the entry closed:\n{screen}");
        let row = line(&screen, "Starbucks");
        assert!(row.starts_with("2026-11-21"), "{row}");
        assert!(row.contains("food:coffee") && row.contains("4.20 EUR"), "{row}");
        assert!(row.contains("#morni"), "the tag column: {row}");
        assert!(screen.contains("Added 4.20 EUR · food:coffee · Starbucks"), "{screen}");
        assert!(screen.contains("spent 4.20 EUR  1 item"), "{screen}");
        let all = items(h);
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!(
            all[0].draft,
            Draft {
                date: today(),
                amount: 420,
                currency: Currency::EUR,
                category: "food:coffee".into(),
                payee: "Starbucks".into(),
                note: String::new(),
                tags: vec!["morning".into()],
                kind: Kind::Expense,
            }
        );

        quick(h, "3.10 coff @Costa -1");
        let screen = h.screen();
        let row = line(&screen, "Costa");
        assert!(row.starts_with("2026-11-20"), "{row}");
        assert!(row.contains("food:coffee") && row.contains("3.10 EUR"), "{row}");
        assert!(screen.contains("spent 7.30 EUR  2 items"), "{screen}");
        let costa = item(h, "Costa");
        assert_eq!(costa.draft.category, "food:coffee");
        assert_eq!(costa.draft.amount, 310);
        assert_eq!(costa.draft.date, NaiveDate::from_ymd_opt(2026, 11, 20).unwrap());

        // A category nobody knows, without '!': refused in place, nothing stored.
        h.press("i").type_str("12 xyzzy").press("enter");
        let screen = h.screen();
        assert!(screen.contains("Quick entry"), "the entry stays open:\n{screen}");
        assert!(screen.contains("unknown category"), "{screen}");
        h.press("esc");
        assert!(!h.screen().contains("Quick entry"), "{}", h.screen());
        assert_eq!(items(h).len(), 2);
        assert_eq!(ledger_rows(&h.screen()).len(), 2, "{}", h.screen());
    }
}

both! {
    /// Budget: on the review, `b` on a category opens its budget popup; `50` Enter sets it. The
    /// row shows the budget and what is left, the toast says so, and the store's `budgets()`
    /// holds exactly that limit; `b` again offers the stored value, and an empty field removes it.
    fn budget_set_on_the_review(h: &mut Harness) {
        quick(h, "4.20 food:coffee! @Starbucks");
        quick(h, "12.50 food:groceries! @Lidl");
        h.press("r");
        let food = line(&h.screen(), "▸ food");
        assert!(food.contains("16.70"), "{food}");
        assert!(!food.contains("50.00"), "{food}");
        assert!(h.store().budgets().expect("budgets").is_empty());

        h.press("b");
        let screen = h.screen();
        assert!(screen.contains("Budget · food"), "{screen}");
        assert!(screen.contains("per month (EUR):"), "{screen}");
        h.type_str("50").press("enter");

        let screen = h.screen();
        assert!(!screen.contains("Budget · food"), "the popup closed:\n{screen}");
        assert!(screen.contains("Budget of food set to 50.00 EUR a month"), "{screen}");
        let food = line(&screen, "▸ food");
        assert!(food.contains("50.00") && food.contains("33.30"), "budget and left: {food}");
        assert_eq!(
            h.store().budgets().expect("budgets"),
            vec![Budget {
                category: "food".into(),
                currency: Currency::EUR,
                amount: 5000,
            }]
        );

        // The popup offers the stored budget; emptying it removes the budget.
        h.press("b");
        assert!(line(&h.screen(), "per month (EUR):").contains("50.00"), "{}", h.screen());
        for _ in 0.."50.00".len() {
            h.press("backspace");
        }
        h.press("enter");
        assert!(!line(&h.screen(), "▸ food").contains("50.00"), "{}", h.screen());
        assert!(h.store().budgets().expect("budgets").is_empty());
    }
}

both! {
    /// Filter: `/` and text narrow the ledger to the matching rows as they are typed, and the
    /// title says `N of M items`; Enter keeps the filter, Esc clears it. The store is untouched
    /// and the rows shown are exactly the store's matching items.
    fn filter_narrows_the_list(h: &mut Harness) {
        quick(h, "4.20 food:coffee! @Starbucks");
        quick(h, "12.50 food:groceries! @Lidl");
        quick(h, "3.10 coffee @Costa");
        quick(h, "900 rent! @Landlord");
        assert!(title(&h.screen()).contains("4 items"), "{}", h.screen());

        h.press("/").type_str("coffee");
        let screen = h.screen();
        assert!(title(&screen).contains("2 of 4 items"), "{screen}");
        let rows = ledger_rows(&screen);
        assert_eq!(rows.len(), 2, "{screen}");
        assert!(rows.iter().all(|r| r.contains("food:coffee")), "{screen}");

        let stored = items(h);
        assert_eq!(stored.len(), 4);
        let coffee: Vec<&Expense> = stored
            .iter()
            .filter(|e| e.draft.category == "food:coffee")
            .collect();
        assert_eq!(coffee.len(), 2);
        for e in coffee {
            assert!(
                rows.iter().any(|r| r.contains(e.draft.payee.as_str())),
                "{} shown:\n{screen}",
                e.draft.payee
            );
        }

        // Enter keeps the filter (the footer names it); another text narrows to one.
        h.press("enter");
        let screen = h.screen();
        assert!(screen.contains("/coffee"), "{screen}");
        assert!(title(&screen).contains("2 of 4 items"), "{screen}");
        h.press("/");
        for _ in 0.."coffee".len() {
            h.press("backspace");
        }
        h.type_str("landlord");
        let screen = h.screen();
        assert!(title(&screen).contains("1 of 4 items"), "{screen}");
        let rows = ledger_rows(&screen);
        assert_eq!(rows.len(), 1, "{screen}");
        assert!(rows[0].contains("Landlord") && rows[0].contains("900.00 EUR"), "{screen}");

        // Esc clears it: every row is back.
        h.press("esc");
        let screen = h.screen();
        assert!(!title(&screen).contains(" of "), "{screen}");
        assert!(title(&screen).contains("4 items"), "{screen}");
        assert_eq!(ledger_rows(&screen).len(), 4, "{screen}");
        assert_eq!(items(h).len(), 4);
    }
}

both! {
    /// Months: an expense dated in October (`10-05` in the one-line entry) stays off November's
    /// ledger; `[` shows October with exactly that row, `[` again an empty September, `]` `]`
    /// November again. Each month's rows are the store's items of that month.
    fn month_navigation_shows_other_months(h: &mut Harness) {
        quick(h, "4.20 food:coffee! @Starbucks");
        quick(h, "3.10 coffee @Costa 10-05");
        quick(h, "12.50 food:groceries! @Lidl 2026-10-28");
        let screen = h.screen();
        assert!(screen.contains("to October 2026, t goes there"), "the toast names the month:\n{screen}");
        let rows = ledger_rows(&screen);
        assert_eq!(rows.len(), 1, "{screen}");
        assert!(rows[0].contains("Starbucks"), "{screen}");
        assert_eq!(items(h).len(), 1);

        h.press("[");
        let screen = h.screen();
        assert!(title(&screen).contains("October 2026"), "{screen}");
        assert!(title(&screen).contains("spent 15.60 EUR  2 items"), "{screen}");
        let rows = ledger_rows(&screen);
        assert_eq!(rows.len(), 2, "{screen}");
        assert!(!screen.contains("Starbucks"), "{screen}");
        let october = between(h, (10, 1), (10, 31));
        assert_eq!(october.len(), 2);
        for e in &october {
            let row = line(&screen, &e.draft.payee);
            assert!(row.starts_with(&e.draft.date.to_string()), "{row}");
            assert!(row.contains(&format!("{} EUR", money(e.draft.amount))), "{row}");
        }

        h.press("[");
        let screen = h.screen();
        assert!(screen.contains("No expenses in September 2026"), "{screen}");
        assert!(ledger_rows(&screen).is_empty(), "{screen}");
        assert!(between(h, (9, 1), (9, 30)).is_empty());

        h.press("]").press("]");
        let screen = h.screen();
        assert!(title(&screen).contains("November 2026"), "{screen}");
        assert_eq!(ledger_rows(&screen).len(), 1, "{screen}");
        assert!(line(&screen, "Starbucks").contains("4.20 EUR"), "{screen}");
    }
}

/// A 60x15 terminal: an add and a delete through the keys. The row stays readable (date, payee,
/// amount), the title and the footer's key hints stay on screen, and the store follows.
fn small_terminal_body(h: &mut Harness) {
    let screen = h.screen();
    assert_eq!(screen.lines().count(), 15, "{screen}");
    add(h, "12.50", "Lidl", "food:groceries");
    add(h, "7", "Bakery", "food:bakery");
    let screen = h.screen();
    assert!(screen.lines().all(|l| l.chars().count() <= 60), "{screen}");
    let row = line(&screen, "Bakery");
    assert!(
        row.starts_with("2026-11-21") && row.contains("7.00"),
        "{row}"
    );
    assert!(line(&screen, "Lidl").contains("12.50"), "{screen}");
    assert!(title(&screen).contains("2 items"), "{screen}");
    assert_eq!(items(h).len(), 2);

    h.press("d");
    assert!(
        h.screen().contains("Delete"),
        "the confirmation:\n{}",
        h.screen()
    );
    h.press("y");
    let screen = h.screen();
    let rows = ledger_rows(&screen);
    assert_eq!(rows.len(), 1, "{screen}");
    assert!(
        rows[0].contains("Lidl") && rows[0].contains("12.50"),
        "{screen}"
    );
    assert!(title(&screen).contains("spent 12.50 EUR"), "{screen}");
    assert!(title(&screen).contains("1 item"), "{screen}");
    // The toast took the footer line after the delete; the next key brings the hints back.
    h.press("j");
    let footer = screen_footer(&h.screen());
    assert!(
        footer.starts_with(" a add e edit d del"),
        "the footer's first hints fit: {footer}"
    );
    let stored = items(h);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].draft.payee, "Lidl");
    let trash = h.store().trashed().expect("trash");
    assert_eq!(trash.len(), 1);
    assert_eq!(trash[0].expense.draft.payee, "Bakery");
}

/// The screen's last line (the footer).
fn screen_footer(screen: &str) -> String {
    screen.lines().last().unwrap_or_default().to_string()
}

mod small_terminal_add_and_delete {
    use super::*;

    #[test]
    fn local() {
        small_terminal_body(&mut Harness::sized(Via::Local, 60, 15));
    }

    #[test]
    fn session() {
        small_terminal_body(&mut Harness::sized(Via::Session, 60, 15));
    }
}

/// Two TUIs on one store: the holder (engine in this process, serving the store on its socket)
/// and a guest attached to that session. Each one's write reaches the other as the real
/// `Msg::StoreChanged` on its channel (waited for with a timeout as an upper bound), which
/// becomes `Action::ChangedElsewhere` as in the TUI loop; until then the other screen is as it
/// was. Both harnesses read the same store.
#[test]
fn holder_and_guest_see_each_others_writes() {
    let mut holder = Harness::holder();
    let mut guest = holder.guest();

    // The holder adds: the guest hears of it and shows it.
    quick(&mut holder, "4.20 food:coffee! @Starbucks");
    assert!(line(&holder.screen(), "Starbucks").contains("4.20 EUR"));
    assert!(!guest.screen().contains("Starbucks"), "{}", guest.screen());
    let seq = guest.await_change(NOTICE);
    assert_eq!(seq, guest.store().last_seq().expect("last seq"));
    let screen = guest.screen();
    assert!(line(&screen, "Starbucks").contains("4.20 EUR"), "{screen}");
    assert!(screen.contains("spent 4.20 EUR  1 item"), "{screen}");
    assert_eq!(items(&guest).len(), 1);

    // The guest adds through the session: the holder hears of it and shows it.
    add(&mut guest, "12.50", "Lidl", "food:groceries");
    assert!(line(&guest.screen(), "Lidl").contains("12.50 EUR"));
    assert!(!holder.screen().contains("Lidl"), "{}", holder.screen());
    let before = seq;
    let seq = holder.await_change(NOTICE);
    assert!(seq > before);
    let screen = holder.screen();
    assert!(line(&screen, "Lidl").contains("12.50 EUR"), "{screen}");
    assert!(screen.contains("spent 16.70 EUR  2 items"), "{screen}");
    let stored = items(&holder);
    assert_eq!(stored.len(), 2);
    assert_eq!(item(&holder, "Lidl").draft.amount, 1250);

    // The guest deletes the holder's expense: gone from the holder's screen after the notice.
    let starbucks = item(&guest, "Starbucks");
    // The filter leaves the one row, selected.
    guest.press("/").type_str("starbucks").press("enter");
    guest.press("d");
    assert!(
        guest
            .screen()
            .contains("Delete 4.20 EUR · food:coffee · Starbucks"),
        "{}",
        guest.screen()
    );
    guest.press("y").press("esc");
    let screen = guest.screen();
    assert!(!screen.contains("Starbucks"), "{screen}");
    assert!(line(&screen, "Lidl").contains("12.50 EUR"), "{screen}");
    assert_eq!(
        ledger_rows(&holder.screen()).len(),
        2,
        "not before the notice:\n{}",
        holder.screen()
    );
    holder.await_change(NOTICE);
    let screen = holder.screen();
    // (The holder's own toast, "Added ... Starbucks", stays until its next key.)
    let rows = ledger_rows(&screen);
    assert_eq!(rows.len(), 1, "{screen}");
    assert!(rows[0].contains("Lidl"), "{screen}");
    assert!(screen.contains("spent 12.50 EUR  1 item"), "{screen}");
    assert!(holder.store().get(starbucks.id).expect("get").is_none());
    assert_eq!(holder.store().trashed().expect("trash").len(), 1);
}
