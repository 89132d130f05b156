//! Recurring expenses as a person uses them, through the keymap, the reducer, a real engine
//! and the screen, locally and across the session socket: the schedules screen adds a
//! schedule (posted at once when it is due today), pauses it, posts a due occurrence that
//! waits for a confirmation; two TUIs on one store meet a stale version as a clear message
//! and a list read again.

use super::*;
use expense_tracker::domain::schedule::End;

/// Adds a schedule through the form on the schedules screen: amount, payee, category, then
/// the start (`start`, replacing today) and the rule's fields as `(every, unit letter, on day,
/// ends, confirm)`.
fn add_schedule(
    h: &mut Harness,
    what: (&str, &str, &str),
    start: &str,
    rule: (&str, char, &str, &str, bool),
) {
    h.press("a");
    assert!(
        h.screen().contains("New recurring expense"),
        "{}",
        h.screen()
    );
    h.type_str(what.0)
        .press("tab")
        .type_str(what.1)
        .press("tab");
    h.type_str(what.2);
    // Back to the start, past the category, payee and amount.
    for _ in 0..3 {
        h.press("backtab");
    }
    for _ in 0..10 {
        h.press("backspace");
    }
    h.type_str(start);
    // Forward to the rule: amount .. kind is 7 fields.
    for _ in 0..8 {
        h.press("tab");
    }
    h.press("backspace").type_str(rule.0).press("tab");
    h.type_str(&rule.1.to_string()).press("tab");
    h.type_str(rule.2).press("tab");
    h.type_str(rule.3).press("tab");
    h.type_str(if rule.4 { "y" } else { "n" });
    h.press("enter");
    if h.screen().contains("new category") {
        h.press("enter");
    }
}

both! {
    /// `R` opens the screen; a monthly rent starting today is added and posted at once (it is
    /// due today), listed with its next date; `p` pauses it; a streaming service that asks is
    /// added from 1 November and waits in the due list, where Enter posts it.
    fn the_schedules_screen_adds_pauses_and_posts(h: &mut Harness) {
        h.press("R");
        assert!(h.screen().contains("No recurring expenses yet"), "{}", h.screen());
        add_schedule(h, ("950", "Landlord", "rent"), "2026-11-21", ("1", 'm', "", "", false));
        let screen = h.screen();
        assert!(
            screen.contains("Added recurring 950.00 EUR rent @Landlord · Posted 1 recurring expense"),
            "{screen}"
        );
        let row = line(&screen, "Landlord");
        assert!(row.starts_with("auto"), "{row}");
        assert!(row.contains("2026-12-21") || row.contains("Dec 21"), "{row}");
        assert!(row.contains("monthly, 21st") && row.contains("950.00 EUR"), "{row}");
        let posted = item(h, "Landlord");
        assert_eq!((posted.draft.date, posted.draft.amount), (today(), 95_000));
        let all = h.store().schedules().expect("schedules");
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].next, 1, "today's occurrence is handled");

        h.press("p");
        assert!(line(&h.screen(), "Landlord").starts_with("paused"), "{}", h.screen());
        assert!(h.store().schedules().expect("schedules")[0].paused);

        add_schedule(h, ("9.99", "Netflix", "fun:tv"), "2026-11-01", ("1", 'm', "1", "12", true));
        let screen = h.screen();
        assert!(screen.contains("1 due, waiting for you"), "{screen}");
        let due = line(&screen, "Netflix");
        assert!(due.starts_with("due"), "the due row comes first: {screen}");
        let tv = h
            .store()
            .schedules()
            .expect("schedules")
            .into_iter()
            .find(|s| s.template.payee == "Netflix")
            .expect("the streaming schedule");
        assert!(tv.confirm && tv.rule.end == End::After(12));
        h.press("g").press("enter");
        let screen = h.screen();
        assert!(screen.contains("Posted 9.99 EUR fun:tv @Netflix on 2026-11-01"), "{screen}");
        assert!(!screen.contains("due, waiting"), "{screen}");
        assert_eq!(item(h, "Netflix").draft.date, today().with_day(1).expect("1st"));
    }
}

/// Two TUIs on one store: the holder pauses a schedule; the guest, whose list still shows it
/// running, pauses it too and is told it changed elsewhere, and its list is read again.
#[test]
fn a_stale_schedule_is_refused_with_a_clear_message_and_the_list_read_again() {
    let mut holder = Harness::holder();
    holder.press("R");
    add_schedule(
        &mut holder,
        ("30", "Gym", "fun:gym"),
        "2026-12-05",
        ("1", 'm', "", "", false),
    );
    let mut guest = holder.guest();
    guest.press("R");
    assert!(
        line(&guest.screen(), "Gym").starts_with("auto"),
        "{}",
        guest.screen()
    );
    holder.press("p");
    assert!(line(&holder.screen(), "Gym").starts_with("paused"));
    guest.press("p");
    let screen = guest.screen();
    assert!(
        screen.contains("this recurring expense was changed elsewhere"),
        "{screen}"
    );
    assert!(
        line(&screen, "Gym").starts_with("paused"),
        "read again: {screen}"
    );
    // Paused once, by the holder: the guest's write changed nothing.
    let s = &guest.store().schedules().expect("schedules")[0];
    assert!(s.paused);
    assert_eq!(s.version, 2);
}
