//! The review screen rendered into a `TestBackend` at 120x40, 80x24 and 40x12, from numbers
//! computed by `review::compute` over a temporary store (the same path the runtime takes), with
//! one budget over and one under. Cells whose colour carries meaning are checked by style.
// Amounts are written as units_cents (950_00 is 950.00).
#![allow(clippy::inconsistent_digit_grouping)]

use chrono::NaiveDate;
use expense_tracker::app::state::Screen;
use expense_tracker::app::Answer;
use expense_tracker::app::{update, Action, Effect, State};
use expense_tracker::domain::{Currency, Draft, Kind};
use expense_tracker::engine::review;
use expense_tracker::store::{Origin, Store};
use expense_tracker::tui::keymap::Keymap;
use expense_tracker::ui::theme::{Meaning, Theme};
use expense_tracker::ui::{render, Chrome};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;

#[path = "common/screen.rs"]
mod screen;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn put(s: &Store, date: NaiveDate, cents: i64, cat: &str, payee: &str, kind: Kind) {
    let d = Draft {
        date,
        amount: cents,
        currency: Currency::EUR,
        category: cat.into(),
        payee: payee.into(),
        note: String::new(),
        tags: Vec::new(),
        kind,
    };
    s.put(d, Origin::User, 0).unwrap();
}

/// November 2026 with food (groceries, restaurants), rent, fun; October and November 2025 for
/// the comparisons; budgets: food 300 (over), rent 1000 (under), fun:games 50 (warning).
fn store() -> Store {
    let s = Store::open_temporary().unwrap();
    s.use_month_start_day(1).unwrap();
    let e = Kind::Expense;
    let nov = [
        (2, 950_00, "rent", "Landlord"),
        (3, 84_30, "food:groceries", "Lidl"),
        (5, 61_15, "food:restaurants", "Pizza Roma"),
        (8, 102_40, "food:groceries", "Rewe"),
        (11, 45_99, "fun:games", "Steam"),
        (14, 38_75, "food:restaurants", "Sushi Bar"),
        (16, 12_50, "transport", "BVG"),
        (19, 66_20, "food:groceries", "Lidl"),
        // The store refuses control characters; `run` puts the ESC back as an old store
        // (written before that rule) would hold it.
        (20, 23_10, "food:restaurants", "Café OLD[31mEvil"),
    ];
    for (d, c, cat, p) in nov {
        put(&s, day(11, d), c, cat, p, e);
    }
    put(&s, day(11, 1), 3_250_00, "salary", "ACME", Kind::Income);
    for (d, c, cat) in [
        (2, 950_00, "rent"),
        (6, 140_00, "food:groceries"),
        (9, 70_00, "food:restaurants"),
        (12, 20_00, "fun:games"),
    ] {
        put(&s, day(10, d), c, cat, "x", e);
    }
    let last_year = NaiveDate::from_ymd_opt(2025, 11, 4).unwrap();
    put(&s, last_year, 1_111_11, "rent", "Old landlord", e);
    for m in 1..10 {
        put(
            &s,
            day(m, 15),
            500_00 + i64::from(m) * 10_00,
            "food:groceries",
            "Aldi",
            e,
        );
    }
    s.set_budget("food", Some((Currency::EUR, 300_00)), Origin::User, 0)
        .unwrap();
    s.set_budget("rent", Some((Currency::EUR, 1_000_00)), Origin::User, 0)
        .unwrap();
    s.set_budget("fun:games", Some((Currency::EUR, 50_00)), Origin::User, 0)
        .unwrap();
    s
}

/// Runs the review effects against `store` like the runtime, feeding the answers back.
fn run(state: &mut State, store: &Store, fx: Vec<Effect>) {
    for e in fx {
        let a = match e {
            Effect::LoadReview(q) => Action::Answer(Answer::ReviewLoaded(Box::new(
                review::compute(store, &q, state.month_start_day).unwrap(),
            ))),
            Effect::LoadReviewDetails { month } => {
                let mut d =
                    review::details(store, month, state.month_start_day, review::DETAIL_LIMIT)
                        .unwrap();
                for p in &mut d.top_payees {
                    p.payee = p.payee.replace("OLD", "\u{1b}");
                }
                for e in &mut d.largest {
                    e.draft.payee = e.draft.payee.replace("OLD", "\u{1b}");
                }
                Action::Answer(Answer::DetailsLoaded(Box::new(d)))
            }
            _ => continue,
        };
        let more = update(state, a);
        run(state, store, more);
    }
}

fn review_state(w: u16, h: u16) -> State {
    let store = store();
    let mut s = State::new(day(11, 21), 1, Currency::EUR);
    update(
        &mut s,
        Action::Resize {
            width: w,
            height: h,
        },
    );
    let fx = update(&mut s, Action::OpenReview);
    assert_eq!(s.screen, Screen::Review);
    run(&mut s, &store, fx);
    s
}

fn draw(state: &State, w: u16, h: u16, theme: &Theme) -> Terminal<TestBackend> {
    let keymap = Keymap::load(None).unwrap();
    let (help, hints) = (keymap.help(), keymap.hints());
    let chrome = Chrome {
        theme,
        help: &help,
        hints: &hints,
    };
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| render(state, &chrome, f)).unwrap();
    t
}

fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    for y in 0..buf.area.height {
        let text: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        if let Some(b) = text.find(needle) {
            return Some((text[..b].chars().count() as u16, y));
        }
    }
    None
}

fn text(buf: &Buffer) -> String {
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
fn review_120x40() {
    let mut s = review_state(120, 40);
    // food and fun expanded, selection on food: the trend shows food's part.
    update(&mut s, Action::SelectNext);
    update(&mut s, Action::SelectNext);
    update(&mut s, Action::ToggleExpand);
    update(&mut s, Action::SelectPrev);
    update(&mut s, Action::ToggleExpand);
    let t = draw(&s, 120, 40, &Theme::DEFAULT);
    insta::assert_snapshot!("review_120x40", t.backend());
    let buf = t.backend().buffer();
    // Over budget is red with a `!`; a budget at 80%+ is yellow with a `~`.
    let (x, y) = find(buf, "-75.90!").expect("food is over budget");
    assert_eq!(buf[(x, y)].fg, Color::Red);
    let (x, y) = find(buf, "4.01~").expect("games at 92%");
    assert_eq!(buf[(x, y)].fg, Color::Yellow);
    // User text is inert.
    assert!(text(buf).contains("Café ^[[31mEvil"));
}

#[test]
fn review_pages_by_the_rows_it_draws() {
    let mut s = review_state(80, 24);
    let mut data = s.review.data.clone().unwrap();
    let proto = data.categories[0].clone();
    data.categories = (0..40)
        .map(|i| expense_tracker::domain::review::CategoryTotal {
            category: format!("c{i:02}"),
            depth: 0,
            has_children: false,
            this: (100 - i) * 100,
            ..proto.clone()
        })
        .collect();
    update(&mut s, Action::Answer(Answer::ReviewLoaded(Box::new(data))));
    update(&mut s, Action::PageDown);
    // 13 rows fit: the page moved by 13, and the table starts at the offset kept in state.
    assert_eq!(s.review.cursor.selected, 13);
    assert_eq!(s.review.cursor.offset, 13);
    let t = draw(&s, 80, 24, &Theme::DEFAULT);
    let buf = t.backend().buffer();
    let (_, header_y) = find(buf, "Category").unwrap();
    let (_, first_y) = find(buf, "c13").expect("the selected row is drawn");
    assert_eq!(first_y, header_y + 1, "first row drawn is the offset");
    assert!(find(buf, "c12 ").is_none());
    assert!(find(buf, "c25 ").is_some() && find(buf, "c26 ").is_none());
    let selected = Theme::DEFAULT.style(Meaning::Selected);
    let on = |y: u16| buf[(2, y)].style() == buf[(2, y)].style().patch(selected);
    assert!(on(first_y), "c13 is the highlighted row");
    assert!(!on(first_y + 1));
}

#[test]
fn review_80x24() {
    let s = review_state(80, 24);
    let t = draw(&s, 80, 24, &Theme::DEFAULT);
    insta::assert_snapshot!("review_80x24", t.backend());
}

/// A phone over SSH: the table and its totals with their words; the charts give way first.
#[test]
fn review_60x15() {
    let s = review_state(60, 15);
    let t = draw(&s, 60, 15, &Theme::DEFAULT);
    let text: String = t
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(text.contains("spent "), "{text}");
    insta::assert_snapshot!("review_60x15", t.backend());
}

#[test]
fn review_40x12_keeps_the_numbers() {
    let s = review_state(40, 12);
    let t = draw(&s, 40, 12, &Theme::DEFAULT);
    insta::assert_snapshot!("review_40x12", t.backend());
    let screen = text(t.backend().buffer());
    assert!(
        screen.contains("1,384.39 EUR"),
        "total spent shown:\n{screen}"
    );
    assert!(screen.contains("-75.90!"), "over budget shown:\n{screen}");
    assert!(!screen.contains("12 months"), "charts dropped:\n{screen}");
}

#[test]
fn review_ascii_and_mono() {
    let mut s = review_state(120, 40);
    s.ascii_charts = true;
    let t = draw(&s, 120, 40, &Theme::MONO);
    insta::assert_snapshot!("review_120x40_ascii_mono", t.backend());
    let buf = t.backend().buffer();
    let screen = text(buf);
    assert!(!screen.contains('█') && !screen.contains('▸'), "{screen}");
    // Without colour, over budget is bold reverse.
    let (x, y) = find(buf, "-75.90!").unwrap();
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
    assert_eq!(buf[(x, y)].fg, Color::Reset);
}

#[test]
fn budget_form_over_the_review() {
    let mut s = review_state(80, 24);
    update(&mut s, Action::EditBudget);
    let t = draw(&s, 80, 24, &Theme::DEFAULT);
    insta::assert_snapshot!("review_budget_form_80x24", t.backend());
}

#[test]
fn too_small_below_30x6() {
    let s = review_state(29, 6);
    let t = draw(&s, 29, 6, &Theme::DEFAULT);
    assert!(text(t.backend().buffer()).contains("terminal too small"));
}

#[test]
fn the_budget_pace_counts_only_the_spending_its_budgets_cover() {
    // Food has a budget and is under its pace; rent, without a budget, is large. The line
    // adds up food alone: it never crosses the pace, and the title says what it counts.
    let store = Store::open_temporary().unwrap();
    store.use_month_start_day(1).unwrap();
    for d in 1..=20 {
        put(
            &store,
            day(11, d),
            5_00,
            "food:groceries",
            "Lidl",
            Kind::Expense,
        );
    }
    put(
        &store,
        day(11, 1),
        2_000_00,
        "rent",
        "Landlord",
        Kind::Expense,
    );
    store
        .set_budget("food", Some((Currency::EUR, 300_00)), Origin::User, 0)
        .unwrap();
    let mut s = State::new(day(11, 21), 1, Currency::EUR);
    update(
        &mut s,
        Action::Resize {
            width: 120,
            height: 40,
        },
    );
    let fx = update(&mut s, Action::OpenReview);
    run(&mut s, &store, fx);
    let days = &s.review.data.as_ref().unwrap().days;
    assert!(days.iter().any(|d| d.category == "food" && d.spent == 5_00));
    assert!(days
        .iter()
        .any(|d| d.category == "rent" && d.spent == 2_000_00));
    let t = draw(&s, 120, 40, &Theme::DEFAULT);
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "Days: food vs pace of 300.00").expect("the pace chart's title");
    // No day of the chart is drawn in the over-the-pace style.
    let over = Theme::DEFAULT.style(Meaning::Over).fg;
    for row in y + 1..y + 12 {
        for col in x..x + 31 {
            let cell = &buf[(col, row)];
            assert!(
                cell.symbol() == " " || Some(cell.fg) != over,
                "day column at ({col},{row}) is over the pace"
            );
        }
    }
}

/// The month ahead in the review: a monthly transport pass still to come shows in its own
/// column and in the header, apart from what was spent, and a budget that it will take over is
/// marked `>` (yellow) before it is over.
#[test]
fn the_review_shows_what_recurring_expenses_will_still_spend() {
    use expense_tracker::domain::schedule::{End, Every, MonthDay, Rule, Schedule};
    let store = store();
    store
        .set_budget("transport", Some((Currency::EUR, 50_00)), Origin::User, 0)
        .unwrap();
    let rule = Rule::new(day(11, 1), Every::Months(1, MonthDay::Day(28)), End::Never).unwrap();
    let pass = Draft {
        date: day(11, 1),
        amount: 49_00,
        currency: Currency::EUR,
        category: "transport".into(),
        payee: "BVG".into(),
        note: String::new(),
        tags: Vec::new(),
        kind: Kind::Expense,
    };
    let s = Schedule::new(expense_tracker::store::new_schedule_id(), pass, rule, false);
    store.save_schedule(&s, Origin::User, 0).unwrap();
    let mut state = State::new(day(11, 21), 1, Currency::EUR);
    update(
        &mut state,
        Action::Resize {
            width: 100,
            height: 30,
        },
    );
    let fx = update(&mut state, Action::OpenReview);
    run(&mut state, &store, fx);
    let t = draw(&state, 100, 30, &Theme::DEFAULT);
    insta::assert_snapshot!("review_still_to_come_100x30", t.backend());
    let buf = t.backend().buffer();
    let all = text(buf);
    assert!(all.contains("still to come 49.00"), "{all}");
    assert!(all.contains("+49.00"), "{all}");
    // transport: 12.50 spent of 50.00, 49.00 to come: not over yet, over then.
    let (x, y) = find(buf, "37.50>").expect("transport will go over");
    assert_eq!(buf[(x, y)].fg, Color::Yellow);
}

/// Every theme draws the review legibly at 16 colours (see `ledger_in_every_theme` in
/// tests/screens.rs): budgets over, near and under, the charts and the panels.
#[test]
fn review_in_every_theme() {
    let s = review_state(100, 30);
    for (name, theme, may_dim) in [
        ("default", Theme::DEFAULT, true),
        ("light", Theme::LIGHT, true),
        ("high_contrast", Theme::HIGH_CONTRAST, false),
        ("mono", Theme::MONO, true),
    ] {
        let t = draw(&s, 100, 30, &theme);
        let buf = t.backend().buffer();
        screen::assert_legible(buf, may_dim, name);
        insta::assert_snapshot!(
            format!("review_theme_{name}_100x30"),
            screen::style_map(buf)
        );
    }
}
