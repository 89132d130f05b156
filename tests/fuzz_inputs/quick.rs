//! The quick-entry grammar: every line is a draft that, written back as a line, parses to the
//! same draft, or an error that names its word (`word N '…': …`) or the line as a whole.

use crate::hostile::{self, currency_code, number, piece, text};
use chrono::{Datelike, NaiveDate};
use expense_tracker::domain::money::format_plain;
use expense_tracker::domain::quick::{from_args, parse, split, QuickContext, Word};
use expense_tracker::domain::{Draft, Kind};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;

/// Known categories, as the store would rank them.
fn known() -> Vec<(String, u64)> {
    [
        "food:groceries",
        "food:coffee",
        "fun:cinema",
        "rent",
        "transport:fuel",
    ]
    .iter()
    .enumerate()
    .map(|(i, c)| (c.to_string(), 10 - i as u64))
    .collect()
}

/// Today: an ordinary day, or one at the ends of the calendar.
fn today() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        8 => (1970i32..2200, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("a real day")),
        1 => select(vec![
            NaiveDate::MIN,
            NaiveDate::MAX,
            NaiveDate::MIN + chrono::Days::new(3),
            NaiveDate::from_ymd_opt(0, 1, 1).expect("year 0"),
            NaiveDate::from_ymd_opt(9999, 12, 31).expect("year 9999"),
        ]),
    ]
}

/// One word of a quick-entry line, mostly the shapes the grammar looks for.
fn word() -> impl Strategy<Value = String> {
    let symbol = select(&["", "", "€", "$", "£", "¥", "₹"][..]);
    let sign = select(&["", "", "", "+", "-"][..]);
    let name = select(
        &[
            "groceries",
            "food:groceries",
            "groc",
            "f",
            "fun",
            "rent",
            "books",
            "books!",
            "a::b",
            "inf",
            "NaN",
            "today",
            "mon",
            "x:",
        ][..],
    );
    prop_oneof![
        3 => (sign, symbol.clone(), number(), symbol)
            .prop_map(|(g, s, n, t)| format!("{g}{s}{n}{t}")),
        3 => name.prop_map(String::from),
        1 => text(3).prop_map(|t| format!("@{t}")),
        1 => text(3).prop_map(|t| format!("#{t}")),
        1 => text(4).prop_map(|t| format!("\"{t}\"")),
        1 => (1u32..40).prop_map(|d| d.to_string()),
        1 => currency_code().prop_map(String::from),
        3 => piece(),
    ]
}

/// A typed line: grammar-shaped words, hostile text, or any string.
fn line() -> impl Strategy<Value = String> {
    let gap = select(&[" ", " ", "  ", "\t", "\u{a0}"][..]);
    prop_oneof![
        6 => vec((word(), gap), 0..8)
            .prop_map(|ws| ws.into_iter().map(|(w, g)| w + g).collect::<String>()),
        2 => text(30),
        1 => any::<String>(),
    ]
}

/// A line with one word of each kind the grammar takes, in any order, their contents hostile:
/// most such lines are drafts, so the round trip is exercised, not just the errors.
fn entry_line() -> impl Strategy<Value = String> {
    let amount = (
        select(&["", "", "+"][..]),
        select(&["", "", "€", "$", "¥"][..]),
        prop_oneof!["[1-9][0-9]{0,6}(\\.[0-9]{1,2})?", number()],
    )
        .prop_map(|(g, s, n)| format!("{g}{s}{n}"));
    let category = prop_oneof![
        select(&["groceries", "food:coffee", "cin", "rent", "fun", "fuel"][..])
            .prop_map(String::from),
        "[a-zA-Zéß][a-zA-Z0-9éß:_-]{0,12}!",
    ];
    // Mostly printable, sometimes hostile; quoted so that a quote in it is text.
    let words = |n: usize| prop_oneof![3 => "[a-zA-Z0-9 éß&.'\"#@:-]{1,12}", 1 => text(n)];
    let optional = |s: BoxedStrategy<String>| prop_oneof![Just(String::new()), s];
    (
        amount,
        category,
        optional(words(4).prop_map(|t| format!("@{}", quoted(&t))).boxed()),
        vec(words(3).prop_map(|t| format!("#{}", quoted(&t))), 0..3),
        optional(words(6).prop_map(|t| quoted(&t)).boxed()),
        optional(
            select(
                &[
                    "today",
                    "yesterday",
                    "fri",
                    "-3",
                    "2024-02-29",
                    "03-01",
                    "7",
                ][..],
            )
            .prop_map(String::from)
            .boxed(),
        ),
        optional(currency_code().prop_map(String::from).boxed()),
    )
        .prop_flat_map(|(a, c, p, tags, n, d, cur)| {
            let mut words = vec![a, c, p, n, d, cur];
            words.extend(tags);
            Just(words).prop_shuffle()
        })
        .prop_map(|words| words.join(" "))
}

/// `s` as quoted segments that `split` reads back as exactly `s`: runs without `"` in double
/// quotes, each `"` in single quotes.
fn quoted(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('"').enumerate() {
        if i > 0 {
            out.push_str("'\"'");
        }
        if !part.is_empty() {
            out.push('"');
            out.push_str(part);
            out.push('"');
        }
    }
    out
}

/// The draft as a line, or `None` when the line syntax cannot spell it (a category that starts
/// with a quote comes only from a shell word; a year before 0 or after 9999 has no YYYY).
fn render(d: &Draft) -> Option<String> {
    let first = d.category.chars().next()?;
    if matches!(first, '"' | '\'') || !(0..=9999).contains(&d.date.year()) {
        return None;
    }
    let plain = d
        .category
        .chars()
        .all(|c| !c.is_whitespace() && c != '"' && c != '\'');
    let category = match plain {
        true => format!("{}!", d.category),
        false => format!("{first}{}!", quoted(&d.category[first.len_utf8()..])),
    };
    let sign = if d.kind == Kind::Income { "+" } else { "" };
    let mut words = vec![
        format!("{sign}{}", format_plain(d.amount, d.currency)),
        d.currency.code().to_string(),
        category,
        d.date.format("%Y-%m-%d").to_string(),
    ];
    if !d.payee.is_empty() {
        words.push(format!("@{}", quoted(&d.payee)));
    }
    words.extend(d.tags.iter().map(|t| format!("#{}", quoted(t))));
    if !d.note.is_empty() {
        words.push(quoted(&d.note));
    }
    Some(words.join(" "))
}

/// What `parse` says about `words` holds: a draft that round-trips, or an error at a word.
fn check(words: &[Word], today: NaiveDate, allow_new: bool) -> Result<(), TestCaseError> {
    let known = known();
    let ctx = QuickContext {
        today,
        currency: expense_tracker::domain::Currency::EUR,
        categories: &known,
        allow_new,
    };
    match parse(words, &ctx) {
        Ok(d) => {
            // Positive, or a refund: a negative expense (never a negative income, never zero).
            prop_assert!(
                d.amount > 0 || (d.amount < 0 && d.kind == Kind::Expense),
                "{d:?}"
            );
            prop_assert!(!d.category.trim().is_empty(), "{d:?}");
            prop_assert!(d
                .tags
                .iter()
                .all(|t| !t.is_empty() && !t.contains([' ', ','])));
            let Some(line) = render(&d) else {
                return Ok(());
            };
            let again = split(&line).map_err(|e| TestCaseError::fail(format!("{line}: {e}")))?;
            let back = parse(&again, &ctx);
            prop_assert_eq!(back.as_ref(), Ok(&d), "written back as {:?}", line);
        }
        Err(e) => {
            let msg = e.to_string();
            prop_assert!(!msg.trim().is_empty(), "{e:?}");
            prop_assert!(
                e.word <= words.len(),
                "word {} of {}: {msg}",
                e.word,
                words.len()
            );
            if e.word > 0 {
                prop_assert!(msg.starts_with(&format!("word {} '", e.word)), "{msg}");
                prop_assert_eq!(e.text.trim(), words[e.word - 1].text.trim(), "{}", msg);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(hostile::config(1))]

    /// A typed line (the TUI prompt): split, then parsed.
    #[test]
    fn typed_lines_parse_or_name_their_word(
        line in line(),
        today in today(),
        allow_new in any::<bool>(),
    ) {
        match split(&line) {
            Ok(words) => check(&words, today, allow_new)?,
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(e.word >= 1 && msg.starts_with(&format!("word {} '", e.word)), "{msg}");
            }
        }
    }

    /// Lines shaped like entries: drafts that read back the same, or errors at a word.
    #[test]
    fn entry_lines_round_trip_or_name_their_word(
        line in entry_line(),
        today in today(),
        allow_new in any::<bool>(),
    ) {
        let words = split(&line).map_err(|e| TestCaseError::fail(format!("{line}: {e}")))?;
        check(&words, today, allow_new)?;
    }

    /// Words as a shell passes them to `expense add`.
    #[test]
    fn shell_words_parse_or_name_their_word(
        args in vec(prop_oneof![4 => word(), 1 => any::<String>()], 0..7),
        today in today(),
        allow_new in any::<bool>(),
    ) {
        check(&from_args(&args), today, allow_new)?;
    }
}

/// The amount words gone wrong that the issue names, each at its word whatever follows it.
#[test]
fn inf_nan_and_other_digits_are_named_at_their_word() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 21).expect("a day");
    let known = known();
    let ctx = QuickContext {
        today,
        currency: expense_tracker::domain::Currency::EUR,
        categories: &known,
        allow_new: true,
    };
    for amount in ["inf", "NaN", "-inf", "١٢", "１２", "٣.٥", "+-12.50"] {
        for rest in ["food", "food fun", "@shop #tag food", ""] {
            let line = format!("{amount} {rest}");
            let e = parse(&split(&line).expect("no quotes"), &ctx).unwrap_err();
            assert_eq!((e.word, e.text.as_str()), (1, amount), "{line}: {e}");
            assert!(!e.to_string().contains("category"), "{line}: {e}");
        }
    }
}

/// Failures found by these targets, kept as plain tests.
mod found {
    use super::*;
    use expense_tracker::domain::quick::QuickReason;
    use expense_tracker::domain::Currency;

    fn ctx<'a>(today: NaiveDate, known: &'a [(String, u64)]) -> QuickContext<'a> {
        QuickContext {
            today,
            currency: Currency::EUR,
            categories: known,
            allow_new: true,
        }
    }

    /// A weekday on the first representable day reached before it: `today - Days` panicked.
    #[test]
    fn a_weekday_before_the_first_day_is_out_of_range_not_a_panic() {
        let known = known();
        let ctx = ctx(NaiveDate::MIN, &known);
        let mut refused = 0;
        for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
            match parse(&split(&format!("12 food {day}")).expect("no quotes"), &ctx) {
                Ok(d) => assert!(
                    d.date >= NaiveDate::MIN
                        && d.date.weekday().to_string().to_lowercase().starts_with(day)
                ),
                Err(e) => {
                    assert_eq!((e.word, &e.reason), (3, &QuickReason::OutOfRange), "{e}");
                    refused += 1;
                }
            }
        }
        assert_eq!(refused, 6, "only today's own weekday is reachable");
    }

    /// `$0€` was taken for a category (the symbols were stripped one at a time); it is an
    /// amount with two currencies, and `€12€` one with the same currency twice.
    #[test]
    fn an_amount_between_two_symbols_is_an_amount() {
        let known = known();
        let ctx = ctx(
            NaiveDate::from_ymd_opt(2026, 11, 21).expect("a day"),
            &known,
        );
        let e = parse(&split("1 $0€").expect("no quotes"), &ctx).unwrap_err();
        assert_eq!(e.to_string(), "word 2 '$0€': a second currency");
        let d = parse(&split("€12€ rent").expect("no quotes"), &ctx).expect("an entry");
        assert_eq!((d.amount, d.currency), (1200, Currency::EUR));
    }
}
