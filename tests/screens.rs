//! Screens: render a `State` into a `TestBackend` and compare with insta snapshots. Snapshots hold
//! text only, so cells whose colour carries meaning are checked by their `fg`. Every state has an
//! injected `today` and fixed ids, so the screens are deterministic.

use chrono::NaiveDate;
use expense_tracker::app::action::{Completions, Totals, WindowLoaded};
use expense_tracker::app::Answer;
use expense_tracker::app::{update, Action, Effect, State};
use expense_tracker::domain::answer::UpcomingRow;
use expense_tracker::domain::{Currency, Draft, Expense, ExpenseId, Kind};
use expense_tracker::tui::keymap::Keymap;
use expense_tracker::ui::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use ratatui::Terminal;
use tui_input::InputRequest;

#[path = "common/screen.rs"]
mod screen;
use screen::{draw, draw_themed, style_map as styled};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn item(n: u128, date: u32, amount: i64, cat: &str, payee: &str) -> Expense {
    Expense {
        id: ExpenseId(n),
        draft: Draft {
            date: day(date),
            amount,
            currency: Currency::EUR,
            category: cat.into(),
            payee: payee.into(),
            note: String::new(),
            tags: Vec::new(),
            kind: Kind::Expense,
        },
        created: 0,
        updated: 0,
        version: 1,
    }
}

/// About 30 rows of November 2026, newest first, with one income, a tag, a long note and a payee
/// that tries to colour the terminal and reverse the text.
fn month_rows() -> Vec<Expense> {
    let payees = [
        "Lidl",
        "Bakery Müller",
        "Shell",
        "Cinema Paradiso",
        "Pharmacy",
    ];
    let cats = [
        "food:groceries",
        "food:bakery",
        "transport:fuel",
        "fun:movies",
        "health",
    ];
    let mut rows = Vec::new();
    for i in 0..30u32 {
        let n = u128::from(i) + 1;
        let k = i as usize % 5;
        rows.push(item(
            n,
            30 - i,
            i64::from(i) * 137 % 9000 + 250,
            cats[k],
            payees[k],
        ));
    }
    // Row 0: income.
    rows[0].draft.kind = Kind::Income;
    rows[0].draft.amount = 325_000; // 3,250.00 EUR
    rows[0].draft.category = "salary".into();
    rows[0].draft.payee = "ACME GmbH".into();
    // Row 1: a tag and a long note.
    rows[1].draft.tags = vec!["weekly".into(), "cash".into()];
    rows[1].draft.note =
        "bought bread, rolls and a birthday cake for Anna; remember to ask about the receipt"
            .into();
    // Row 2: hostile payee text.
    rows[2].draft.payee = "Evil\u{1b}[31mRed\u{202E}kcab".into();
    rows
}

fn today() -> NaiveDate {
    day(21)
}

/// Answers every `LoadWindow` in `fx` from `rows` (already in view order).
fn answer(state: &mut State, rows: &[Expense], fx: Vec<Effect>) {
    answer_ahead(state, rows, &[], fx)
}

/// [`answer`], with `upcoming` as the view's recurring expenses still to come.
fn answer_ahead(state: &mut State, rows: &[Expense], upcoming: &[UpcomingRow], fx: Vec<Effect>) {
    for e in fx {
        if let Effect::LoadWindow(query) = e {
            let page = rows.iter().skip(query.start).take(query.len).cloned();
            let loaded = WindowLoaded {
                total: rows.len(),
                rows: page.collect(),
                totals: Totals::of(rows),
                query,
                focus: None,
                month_count: None,
                upcoming: upcoming.to_vec(),
            };
            let more = update(
                state,
                Action::Answer(Answer::WindowLoaded(Box::new(loaded))),
            );
            answer_ahead(state, rows, upcoming, more);
        }
    }
}

/// A state at `w`x`h` on 2026-11-21 with `rows` loaded.
fn state_with(rows: &[Expense], w: u16, h: u16) -> State {
    state_ahead(rows, &[], w, h)
}

/// [`state_with`], with `upcoming` still to come in the month.
fn state_ahead(rows: &[Expense], upcoming: &[UpcomingRow], w: u16, h: u16) -> State {
    let mut s = State::new(today(), 1, Currency::EUR);
    update(
        &mut s,
        Action::Resize {
            width: w,
            height: h,
        },
    );
    let fx = update(&mut s, Action::ThisMonth);
    answer_ahead(&mut s, rows, upcoming, fx);
    s
}

fn send(s: &mut State, rows: &[Expense], a: Action) {
    let fx = update(s, a);
    answer(s, rows, fx);
}

fn type_str(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, Action::Input(InputRequest::InsertChar(c)));
    }
}

/// Draws with `keymap`'s help and hints (a user's patched keymap).
fn draw_with(keymap: &Keymap, state: &State, w: u16, h: u16) -> Terminal<TestBackend> {
    draw_themed(keymap, &Theme::DEFAULT, state, w, h)
}

/// Position of the first cell where `needle` starts on any line.
fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let area = buf.area;
    for y in 0..area.height {
        let line: Vec<&str> = (0..area.width).map(|x| buf[(x, y)].symbol()).collect();
        let text: String = line.concat();
        if let Some(byte) = text.find(needle) {
            // Symbols are one per cell here (no wide characters in the needles).
            let x = text[..byte].chars().count() as u16;
            return Some((x, y));
        }
    }
    None
}

fn screen_text(buf: &Buffer) -> String {
    let area = buf.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------- ledger

#[test]
fn ledger_month_view_80x24() {
    let rows = month_rows();
    let s = state_with(&rows, 80, 24);
    let t = draw(&s, 80, 24);
    insta::assert_snapshot!("ledger_month_view_80x24", t.backend());
}

#[test]
fn a_rebound_key_shows_in_the_footer() {
    let rows = month_rows();
    let s = state_with(&rows, 80, 24);
    let mut keymap = Keymap::load(None).unwrap();
    keymap
        .patch(
            "[ledger]\n\"n\" = \"open_add\"\n\"a\" = \"none\"\n\"ctrl-y\" = \"undo\"\n",
            "keymap.toml",
        )
        .unwrap();
    let t = draw_with(&keymap, &s, 80, 24);
    let text = screen_text(t.backend().buffer());
    let footer = text.lines().last().unwrap();
    assert!(
        footer.starts_with(" n add e edit d del ^y undo c hist"),
        "{footer}"
    );
    // The default keymap's footer is the one the snapshots hold.
    let t = draw(&s, 80, 24);
    let text = screen_text(t.backend().buffer());
    assert!(text
        .lines()
        .last()
        .unwrap()
        .starts_with(" a add e edit d del u undo c hist"));
}

#[test]
fn ledger_month_view_40x12() {
    let rows = month_rows();
    let s = state_with(&rows, 40, 12);
    let t = draw(&s, 40, 12);
    insta::assert_snapshot!("ledger_month_view_40x12", t.backend());
}

#[test]
fn ledger_scrolled_to_the_end_80x24() {
    let rows = month_rows();
    let mut s = state_with(&rows, 80, 24);
    send(&mut s, &rows, Action::SelectLast);
    let t = draw(&s, 80, 24);
    insta::assert_snapshot!("ledger_scrolled_to_the_end_80x24", t.backend());
}

#[test]
fn ledger_filter_line_80x24() {
    let rows = month_rows();
    let mut s = state_with(&rows, 80, 24);
    send(&mut s, &rows, Action::StartFilter);
    type_str(&mut s, "bak");
    let t = draw(&s, 80, 24);
    let buf = t.backend().buffer();
    let last = screen_text(buf).lines().last().unwrap().to_string();
    assert!(last.starts_with("/bak"), "{last}");
}

#[test]
fn hostile_payee_is_drawn_inert() {
    let rows = month_rows();
    // Wide enough for the whole payee (at 80 columns it is cut after "Red<").
    let s = state_with(&rows, 200, 24);
    let t = draw(&s, 200, 24);
    let text = screen_text(t.backend().buffer());
    assert!(text.contains("Evil^[[31mRed<U+202E>kcab"), "{text}");
    assert!(!text.contains('\u{1b}'));
    assert!(!text.contains('\u{202E}'));
}

/// A store out of reach is said in the status line, in red, before any other message, and
/// made inert like all text there.
#[test]
fn a_store_out_of_reach_is_the_first_thing_the_status_line_says() {
    let rows = month_rows();
    let mut s = state_with(&rows, 100, 24);
    send(
        &mut s,
        &rows,
        Action::Answer(Answer::Failed("an older failure".into())),
    );
    let why = "the store is held by stopped process 42: resume it (fg in its shell, or kill -CONT 42)\u{1b}[2J";
    send(
        &mut s,
        &rows,
        Action::Answer(Answer::StoreAway(Some(why.into()))),
    );
    let t = draw(&s, 100, 24);
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "held by stopped process 42").expect("the reason is shown");
    assert_eq!(y, 23, "in the status line");
    assert_eq!(buf[(x, y)].fg, Color::Red);
    let text = screen_text(buf);
    assert!(!text.contains("an older failure"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text}");
}

#[test]
fn income_amount_is_green_expense_is_not() {
    let rows = month_rows();
    let s = state_with(&rows, 80, 24);
    let t = draw(&s, 80, 24);
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "+3,250.00 EUR").expect("income row shown with a plus");
    assert_eq!(buf[(x, y)].fg, Color::Green, "income sign");
    assert_eq!(buf[(x + 5, y)].fg, Color::Green, "income digits");
    // The second row is an ordinary expense: not green.
    let (ex, ey) = find(buf, "Bakery Müller").unwrap();
    assert_eq!(ey, y + 1);
    let amount_x = (ex..80)
        .rev()
        .find(|&cx| buf[(cx, ey)].symbol().chars().all(|c| c.is_ascii_digit()))
        .unwrap();
    assert_ne!(buf[(amount_x, ey)].fg, Color::Green);
    // The header's income total is green as well.
    let (hx, hy) = find(buf, "3,250.00 EUR").unwrap();
    assert_eq!(hy, 0);
    assert_eq!(buf[(hx, hy)].fg, Color::Green);
}

/// A refund keeps its '-' and takes the colour of money coming in; the month's spent total in
/// the header is net of it.
#[test]
fn a_refund_reads_apart_from_spending() {
    let rows = vec![
        item(2, 5, -1_250, "food", "Lidl refund"),
        item(1, 3, 4_000, "food", "Lidl"),
    ];
    let s = state_with(&rows, 80, 24);
    let t = draw(&s, 80, 24);
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "-12.50 EUR").expect("the refund keeps its sign");
    assert_eq!(buf[(x, y)].fg, Color::Green, "refund sign");
    assert_eq!(buf[(x + 1, y)].fg, Color::Green, "refund digits");
    let (sx, sy) = find(buf, "40.00 EUR").unwrap();
    assert_ne!(buf[(sx, sy)].fg, Color::Green, "spending is not green");
}

#[test]
fn empty_month_tells_the_newcomer_what_to_press() {
    let s = state_with(&[], 80, 24);
    let t = draw(&s, 80, 24);
    let text = screen_text(t.backend().buffer());
    assert!(text.contains("No expenses in November 2026"), "{text}");
    assert!(text.contains("Press a to add one"), "{text}");
    insta::assert_snapshot!("empty_month_80x24", t.backend());
}

#[test]
fn empty_month_40x12() {
    let s = state_with(&[], 40, 12);
    let t = draw(&s, 40, 12);
    insta::assert_snapshot!("empty_month_40x12", t.backend());
}

#[test]
fn nothing_matches_the_filter() {
    let rows = month_rows();
    let mut s = state_with(&rows, 80, 24);
    send(&mut s, &rows, Action::StartFilter);
    // The fake store answers with no rows for this filter.
    let fx = update(&mut s, Action::Input(InputRequest::InsertChar('z')));
    answer(&mut s, &[], fx);
    let t = draw(&s, 80, 24);
    let text = screen_text(t.backend().buffer());
    assert!(
        text.contains("Nothing in November 2026 matches 'z'"),
        "{text}"
    );
    assert!(text.contains("Esc clears the filter"), "{text}");
}

// ---------------------------------------------------------------- form

fn form_with_amount_error(w: u16, h: u16) -> State {
    let rows = month_rows();
    let mut s = state_with(&rows, w, h);
    send(&mut s, &rows, Action::OpenAdd);
    type_str(&mut s, "12,3.4");
    let fx = update(&mut s, Action::Submit);
    assert!(fx.is_empty());
    s
}

#[test]
fn add_form_with_amount_error_80x24() {
    let s = form_with_amount_error(80, 24);
    let t = draw(&s, 80, 24);
    insta::assert_snapshot!("add_form_amount_error_80x24", t.backend());
}

#[test]
fn add_form_with_amount_error_40x12() {
    let s = form_with_amount_error(40, 12);
    let t = draw(&s, 40, 12);
    insta::assert_snapshot!("add_form_amount_error_40x12", t.backend());
}

#[test]
fn validation_error_is_red_and_under_the_amount() {
    let s = form_with_amount_error(80, 24);
    let t = draw(&s, 80, 24);
    let buf = t.backend().buffer();
    let (ax, ay) = find(buf, "│Amount").expect("amount label in the form");
    let (ex, ey) = find(buf, "↳").expect("error marker");
    assert_eq!(ey, ay + 1, "the reason is on the line under the amount");
    assert!(ex > ax);
    assert_eq!(buf[(ex, ey)].fg, Color::Red);
    assert_eq!(buf[(ex + 2, ey)].fg, Color::Red);
    // The cursor sits in the focused amount field, after the text.
    let mut t = t;
    let pos = t.get_cursor_position().unwrap();
    assert_eq!(pos.y, ay);
    assert_eq!(pos.x, ax + 1 + 10 + 6);
}

#[test]
fn validation_reason_is_readable_at_80x24() {
    let s = form_with_amount_error(80, 24);
    let text = screen_text(draw(&s, 80, 24).backend().buffer());
    assert!(text.contains("exactly three digits"), "{text}");
}

#[test]
fn add_form_says_how_to_save_at_40x12() {
    let s = form_with_amount_error(40, 12);
    let text = screen_text(draw(&s, 40, 12).backend().buffer());
    assert!(text.contains("Enter"), "{text}");
    assert!(text.contains("Esc"), "{text}");
}

#[test]
fn edit_form_shows_the_start_of_a_long_note() {
    let rows = month_rows();
    let mut s = state_with(&rows, 80, 24);
    send(&mut s, &rows, Action::SelectNext);
    send(&mut s, &rows, Action::OpenEdit);
    let text = screen_text(draw(&s, 80, 24).backend().buffer());
    assert!(text.contains("Note      bought bread"), "{text}");
}

#[test]
fn edit_form_with_store_error_80x24() {
    let rows = month_rows();
    let mut s = state_with(&rows, 80, 24);
    send(&mut s, &rows, Action::SelectNext);
    send(&mut s, &rows, Action::OpenEdit);
    assert_eq!(update(&mut s, Action::Submit).len(), 1);
    update(
        &mut s,
        Action::Answer(Answer::Failed(
            "This expense was changed elsewhere; reopen it to edit.".into(),
        )),
    );
    let t = draw(&s, 80, 24);
    insta::assert_snapshot!("edit_form_store_error_80x24", t.backend());
}

// ---------------------------------------------------------------- overlays

#[test]
fn help_overlay_80x24() {
    let rows = month_rows();
    let mut s = state_with(&rows, 80, 24);
    send(&mut s, &rows, Action::OpenHelp);
    let t = draw(&s, 80, 24);
    insta::assert_snapshot!("help_80x24", t.backend());
}

#[test]
fn help_overlay_40x12() {
    let rows = month_rows();
    let mut s = state_with(&rows, 40, 12);
    send(&mut s, &rows, Action::OpenHelp);
    let t = draw(&s, 40, 12);
    insta::assert_snapshot!("help_40x12", t.backend());
}

#[test]
fn help_scroll_up_moves_after_scrolling_past_the_end() {
    let rows = month_rows();
    let mut s = state_with(&rows, 80, 24);
    s.help_lines = expense_tracker::ui::help::line_count(&Keymap::load(None).unwrap().help());
    send(&mut s, &rows, Action::OpenHelp);
    for _ in 0..200 {
        update(&mut s, Action::ScrollDown);
    }
    let bottom = screen_text(draw(&s, 80, 24).backend().buffer());
    update(&mut s, Action::ScrollUp);
    let one_up = screen_text(draw(&s, 80, 24).backend().buffer());
    assert_ne!(bottom, one_up, "one k after the end must scroll up a line");
}

#[test]
fn delete_confirmation_80x24() {
    let rows = month_rows();
    let mut s = state_with(&rows, 80, 24);
    send(&mut s, &rows, Action::SelectNext);
    send(&mut s, &rows, Action::DeleteSelected);
    let t = draw(&s, 80, 24);
    let text = screen_text(t.backend().buffer());
    assert!(text.contains("Delete"), "{text}");
    insta::assert_snapshot!("delete_confirmation_80x24", t.backend());
}

#[test]
fn delete_confirmation_says_which_keys_to_press() {
    let rows = month_rows();
    for (w, h) in [(80, 24), (40, 12)] {
        let mut s = state_with(&rows, w, h);
        send(&mut s, &rows, Action::SelectNext);
        send(&mut s, &rows, Action::DeleteSelected);
        let text = screen_text(draw(&s, w, h).backend().buffer());
        assert!(text.contains("y delete"), "{w}x{h}\n{text}");
        assert!(text.contains("Esc keep it"), "{w}x{h}\n{text}");
    }
}

#[test]
fn delete_confirmation_40x12() {
    let rows = month_rows();
    let mut s = state_with(&rows, 40, 12);
    send(&mut s, &rows, Action::DeleteSelected);
    let t = draw(&s, 40, 12);
    insta::assert_snapshot!("delete_confirmation_40x12", t.backend());
}

#[test]
fn toast_after_undo_with_nothing_to_undo() {
    let rows = month_rows();
    let mut s = state_with(&rows, 80, 24);
    send(
        &mut s,
        &rows,
        Action::Answer(Answer::Stepped(Box::new(
            expense_tracker::app::action::Stepped {
                redo: false,
                text: "Nothing to undo".into(),
                expense: None,
            },
        ))),
    );
    let t = draw(&s, 80, 24);
    let text = screen_text(t.backend().buffer());
    let last = text.lines().last().unwrap();
    assert!(last.contains("Nothing to undo"), "{last}");
}

// ---------------------------------------------------------------- sizes

#[test]
fn terminal_too_small_10x3() {
    let rows = month_rows();
    let s = state_with(&rows, 10, 3);
    let t = draw(&s, 10, 3);
    insta::assert_snapshot!("too_small_10x3", t.backend());
}

/// Every state worth drawing, at `w`x`h`.
fn states_at(w: u16, h: u16) -> Vec<State> {
    let rows = month_rows();
    let base = state_with(&rows, w, h);
    let mut out = vec![base.clone(), state_with(&[], w, h)];
    let mut loading = State::new(today(), 1, Currency::EUR);
    update(
        &mut loading,
        Action::Resize {
            width: w,
            height: h,
        },
    );
    out.push(loading);
    for a in [Action::OpenHelp, Action::DeleteSelected, Action::SelectLast] {
        let mut s = base.clone();
        send(&mut s, &rows, a);
        out.push(s);
    }
    let mut form = base.clone();
    send(&mut form, &rows, Action::OpenAdd);
    type_str(&mut form, "12,3.4 and a long long long text to scroll");
    update(&mut form, Action::Submit);
    out.push(form);
    let mut filter = base;
    send(&mut filter, &rows, Action::StartFilter);
    type_str(
        &mut filter,
        "a very long filter text \u{1b}[31m that scrolls",
    );
    out.push(filter);
    out
}

#[test]
fn every_size_renders_without_panicking() {
    let mut sizes: Vec<(u16, u16)> = (1..=30)
        .flat_map(|w| (1..=12).map(move |h| (w, h)))
        .collect();
    sizes.extend([
        (31, 6),
        (51, 13),
        (52, 14),
        (71, 20),
        (72, 20),
        (120, 40),
        (250, 70),
    ]);
    for (w, h) in sizes {
        for s in states_at(w, h) {
            draw(&s, w, h);
        }
    }
}

#[test]
fn state_size_out_of_step_with_the_terminal_does_not_panic() {
    // A resize not yet delivered: the state thinks 120x40, the terminal is 40x10 (and back).
    let rows = month_rows();
    let s = state_with(&rows, 120, 40);
    draw(&s, 40, 10);
    let s = state_with(&rows, 30, 6);
    draw(&s, 120, 40);
}

#[test]
fn a_filtered_ledger_heads_with_what_it_lists_of_the_month() {
    let rows = month_rows();
    let mut s = state_with(&rows, 80, 24);
    send(&mut s, &rows, Action::StartFilter);
    let fx = update(&mut s, Action::Input(InputRequest::InsertChar('b')));
    let listed: Vec<Expense> = rows
        .iter()
        .filter(|e| e.draft.payee.starts_with("Bakery") && e.draft.kind == Kind::Expense)
        .cloned()
        .collect();
    assert!(!listed.is_empty() && listed.len() < rows.len());
    for e in fx {
        if let Effect::LoadWindow(query) = e {
            let loaded = WindowLoaded {
                total: listed.len(),
                rows: listed.clone(),
                totals: Totals::of(&listed),
                query,
                focus: None,
                month_count: Some(rows.len() as u64),
                upcoming: Vec::new(),
            };
            update(
                &mut s,
                Action::Answer(Answer::WindowLoaded(Box::new(loaded))),
            );
        }
    }
    let t = draw(&s, 80, 24);
    let text = screen_text(t.backend().buffer());
    let head = text.lines().next().unwrap();
    let spent: i64 = listed.iter().map(|e| e.draft.amount).sum();
    let spent = expense_tracker::domain::money::format_grouped(spent, Currency::EUR);
    assert!(
        head.contains(&format!("spent {spent} EUR"))
            && head.contains(&format!("{} of {} items", listed.len(), rows.len())),
        "{head}"
    );
    // At 40 columns the count stays, shorter.
    let t = draw(&s, 40, 12);
    let text = screen_text(t.backend().buffer());
    let head = text.lines().next().unwrap();
    assert!(
        head.contains(&format!("{}/{}", listed.len(), rows.len())),
        "{head}"
    );
}

/// The month ahead: recurring expenses still to come show dimmed below the table, marked, with
/// how many and how much, never in the header's totals; the table gives up their lines and the
/// cursor pages by what is left. On a short screen one summary line.
#[test]
fn ledger_shows_the_recurring_expenses_still_to_come_below_its_rows() {
    let rows = month_rows();
    let up = |d: u32, cents: i64, cat: &str, payee: &str, confirm: bool| UpcomingRow {
        date: day(d),
        draft: item(0, d, cents, cat, payee).draft,
        confirm,
    };
    let upcoming = vec![
        up(25, 4_900, "transport:pass", "", false),
        up(28, 1_299, "fun:streaming", "Netflix", true),
        up(30, 95_000, "housing:rent", "Landlord", false),
        up(30, 3_000, "sport", "Gym\u{1b}[2J", false),
    ];
    let mut s = state_ahead(&rows, &upcoming, 80, 24);
    let t = draw(&s, 80, 24);
    insta::assert_snapshot!("ledger_still_to_come_80x24", t.backend());
    let text = screen_text(t.backend().buffer());
    let head = text.lines().next().unwrap();
    assert!(!head.contains("1,052"), "not counted as spent: {head}");
    assert!(
        text.contains("still to come: 4 · 1,041.99 EUR (+1 more)"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "user text stays inert");
    // The table pages by the rows left to it: 24 - header - status - 4 lines - column header.
    send(&mut s, &rows, Action::PageDown);
    assert_eq!(s.ledger.cursor.selected, 17);
    // Small: the summary line alone.
    let s = state_ahead(&rows, &upcoming, 60, 15);
    let t = draw(&s, 60, 15);
    insta::assert_snapshot!("ledger_still_to_come_60x15", t.backend());
}

/// Every theme draws the ledger legibly at 16 colours: a reviewed snapshot of its colours per
/// theme (the selection, income, refunds, the month ahead), no cell whose text is the colour of
/// its background, and nothing dimmed in the high-contrast theme.
#[test]
fn ledger_in_every_theme() {
    let mut rows = month_rows();
    rows[4].draft.amount = -500; // a refund
    let upcoming = vec![UpcomingRow {
        date: day(30),
        draft: item(0, 30, 95_000, "housing:rent", "Landlord").draft,
        confirm: false,
    }];
    let mut s = state_ahead(&rows, &upcoming, 80, 24);
    send(&mut s, &rows, Action::SelectNext);
    let keymap = Keymap::load(None).unwrap();
    for (name, theme, may_dim) in [
        ("default", Theme::DEFAULT, true),
        ("light", Theme::LIGHT, true),
        ("high_contrast", Theme::HIGH_CONTRAST, false),
        ("mono", Theme::MONO, true),
    ] {
        let t = draw_themed(&keymap, &theme, &s, 80, 24);
        let buf = t.backend().buffer();
        screen::assert_legible(buf, may_dim, name);
        insta::assert_snapshot!(format!("ledger_theme_{name}_80x24"), styled(buf));
    }
}

/// The demo store says so in the header, in words when there is room and as `DEMO` when not.
#[test]
fn the_demo_store_says_it_is_the_demo() {
    let rows = month_rows();
    let mut s = state_with(&rows, 100, 24);
    s.demo = true;
    let head = |s: &State, w| {
        screen_text(draw(s, w, 24).backend().buffer())
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    assert!(head(&s, 100).starts_with(" DEMO data (expense --demo) November 2026"));
    assert!(
        head(&s, 60).starts_with(" DEMO Nov 2026"),
        "{}",
        head(&s, 60)
    );
    s.demo = false;
    assert!(!head(&s, 100).contains("DEMO"));
}

// ---------------------------------------------------------------- a newcomer's sizes

/// The sizes a newcomer's terminal has: a big one, the classic one, a phone over SSH.
const SIZES: [(u16, u16); 3] = [(120, 40), (80, 24), (60, 15)];

/// The ledger, the form with a validation message, the filter narrowed by a field, help after
/// a remapped key and the form after a conflict, at each size: what a person meets in the
/// first hour, each readable in one snapshot.
#[test]
fn first_hour_screens_at_three_sizes() {
    let rows = month_rows();
    // `h` went to months; a user who wants the expense's history on `y` says so.
    let mut remapped = Keymap::load(None).unwrap();
    remapped
        .patch("[ledger]\n\"y\" = \"item_history\"\n", "keymap.toml")
        .unwrap();
    for (w, h) in SIZES {
        let size = format!("{w}x{h}");
        let s = state_with(&rows, w, h);
        insta::assert_snapshot!(
            format!("first_hour_ledger_{size}"),
            draw(&s, w, h).backend()
        );

        let s = form_with_amount_error(w, h);
        let text = screen_text(draw(&s, w, h).backend().buffer());
        assert!(text.contains("↳"), "{size}: the reason shows\n{text}");
        insta::assert_snapshot!(
            format!("first_hour_form_error_{size}"),
            draw(&s, w, h).backend()
        );

        // `cat:food` keeps the food rows only (as the store would answer it).
        let mut s = state_with(&rows, w, h);
        send(&mut s, &rows, Action::StartFilter);
        let filter = expense_tracker::domain::filter::Filter::parse("cat:food");
        let mut matcher = filter.matcher();
        let food: Vec<Expense> = rows
            .iter()
            .filter(|e| matcher.matches(e))
            .cloned()
            .collect();
        assert!(!food.is_empty() && food.len() < rows.len());
        for c in "cat:food".chars() {
            let fx = update(&mut s, Action::Input(InputRequest::InsertChar(c)));
            answer(&mut s, &food, fx);
        }
        let text = screen_text(draw(&s, w, h).backend().buffer());
        assert!(
            !text.contains("Landlord"),
            "{size}: rent is no food\n{text}"
        );
        insta::assert_snapshot!(
            format!("first_hour_filter_{size}"),
            draw(&s, w, h).backend()
        );

        // The footer names the user's key; the help, scrolled to it, lists both.
        let mut s = state_with(&rows, w, h);
        let text = screen_text(draw_with(&remapped, &s, w, h).backend().buffer());
        assert!(
            text.contains(" y hist"),
            "{size}: the footer names y\n{text}"
        );
        s.help_lines = expense_tracker::ui::help::line_count(&remapped.help());
        send(&mut s, &rows, Action::OpenHelp);
        let mut scrolled = 0;
        while !screen_text(draw_with(&remapped, &s, w, h).backend().buffer()).contains("c, y") {
            assert!(
                scrolled < 60,
                "{size}: the remapped key is nowhere in the help"
            );
            update(&mut s, Action::ScrollDown);
            scrolled += 1;
        }
        let t = draw_with(&remapped, &s, w, h);
        insta::assert_snapshot!(format!("first_hour_help_remapped_{size}"), t.backend());

        let mut s = state_with(&rows, w, h);
        send(&mut s, &rows, Action::SelectNext);
        let mine = s.ledger.selected_row().cloned().unwrap();
        send(&mut s, &rows, Action::OpenEdit);
        type_str(&mut s, "0");
        assert_eq!(update(&mut s, Action::Submit).len(), 1);
        let mut theirs = mine.clone();
        theirs.version += 1;
        theirs.draft.payee = "Café Central".into();
        theirs.draft.note = "from the phone".into();
        update(
            &mut s,
            Action::Answer(Answer::Conflicted(Box::new(
                expense_tracker::domain::answer::Conflicted {
                    message: "changed elsewhere".into(),
                    current: Some(theirs),
                },
            ))),
        );
        let text = screen_text(draw(&s, w, h).backend().buffer());
        assert!(
            text.contains("take theirs"),
            "{size}: the key to take theirs\n{text}"
        );
        insta::assert_snapshot!(
            format!("first_hour_conflict_{size}"),
            draw(&s, w, h).backend()
        );
    }
}
// ---------------------------------------------------------------- quick entry

/// The ledger with the quick entry open on `line` (typed), the store's names loaded.
fn quick_entry(line: &str, w: u16, h: u16) -> State {
    let rows = month_rows();
    let mut s = state_with(&rows, w, h);
    send(&mut s, &rows, Action::OpenQuick);
    let names =
        |list: &[&str]| -> Vec<(String, u64)> { list.iter().map(|n| (n.to_string(), 1)).collect() };
    let completions = Completions {
        categories: names(&[
            "food:groceries",
            "food:bakery",
            "transport:fuel",
            "fun:movies",
            "health",
            "salary",
        ]),
        payees: ["Lidl", "Bakery Müller", "Shell", "Cinema Paradiso"]
            .iter()
            .map(|p| (p.to_string(), 1, "food:groceries".to_string()))
            .collect(),
        tags: names(&["weekly", "work"]),
    };
    send(
        &mut s,
        &rows,
        Action::Answer(Answer::CompletionsLoaded(completions)),
    );
    type_str(&mut s, line);
    s
}

/// The tags for `#w` over the line, lined up with the word; how the line reads under it; the
/// title names Tab and ↑. At 60 columns the keys stay and the label goes.
#[test]
fn quick_entry_with_completions_and_preview() {
    for (w, h) in [(80, 24), (60, 15)] {
        let s = quick_entry("12.50 groc @Lidl yesterday #w", w, h);
        let t = draw(&s, w, h);
        let text = screen_text(t.backend().buffer());
        assert!(text.contains("Tab complete · ↑ recall"), "{w}x{h}\n{text}");
        assert!(
            text.contains("↳ 12.50 EUR · food:groceries · @Lidl · Fri 20 Nov · #w"),
            "{w}x{h}\n{text}"
        );
        insta::assert_snapshot!(format!("quick_entry_completions_{w}x{h}"), t.backend());
    }
}

/// A line Enter would refuse says why under it, in the error colour, with the names for the
/// word under the cursor still listed above it.
#[test]
fn quick_entry_refused_line_60x15() {
    let s = quick_entry("12,3.4 f", 60, 15);
    let t = draw(&s, 60, 15);
    let buf = t.backend().buffer();
    let text = screen_text(buf);
    let (x, y) = find(buf, "word 1 '12,3.4'").unwrap_or_else(|| panic!("{text}"));
    assert_eq!(buf[(x, y)].fg, Color::Red);
    assert!(text.contains("▸ food:groceries"), "{text}");
    insta::assert_snapshot!("quick_entry_refused_60x15", t.backend());
}
