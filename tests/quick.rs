//! Table test of the one-line entry grammar: each line with the expected parse or message.

use chrono::NaiveDate;
use expense_tracker::domain::quick::{from_args, parse, roles, split, QuickContext, Role};
use expense_tracker::domain::{Currency, Kind};

/// Saturday 2026-11-21.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

fn known() -> Vec<(String, u64)> {
    [
        ("food:groceries", 40),
        ("food:restaurants", 12),
        ("food:coffee", 30),
        ("transport:fuel", 8),
        ("rent", 3),
        ("income:salary", 2),
        ("fun:cinema", 4),
    ]
    .iter()
    .map(|(c, n)| (c.to_string(), *n))
    .collect()
}

/// Expected: date, amount (minor), currency, category, payee, tags, note, kind.
type Want = (
    &'static str,
    i64,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    Kind,
);

const E: Kind = Kind::Expense;
const I: Kind = Kind::Income;

const GOOD: &[(&str, Want)] = &[
    (
        "12.50 groceries",
        ("2026-11-21", 1250, "EUR", "food:groceries", "", &[], "", E),
    ),
    (
        "groceries 12.50",
        ("2026-11-21", 1250, "EUR", "food:groceries", "", &[], "", E),
    ),
    (
        "12.50 groc",
        ("2026-11-21", 1250, "EUR", "food:groceries", "", &[], "", E),
    ),
    (
        "12.50 food:groceries @Lidl",
        (
            "2026-11-21",
            1250,
            "EUR",
            "food:groceries",
            "Lidl",
            &[],
            "",
            E,
        ),
    ),
    (
        "12.50 groceries @Lidl yesterday #weekly \"team lunch\"",
        (
            "2026-11-20",
            1250,
            "EUR",
            "food:groceries",
            "Lidl",
            &["weekly"],
            "team lunch",
            E,
        ),
    ),
    (
        "+2500 salary",
        ("2026-11-21", 250000, "EUR", "income:salary", "", &[], "", I),
    ),
    (
        "+2,500.00 income:salary @ACME",
        (
            "2026-11-21",
            250000,
            "EUR",
            "income:salary",
            "ACME",
            &[],
            "",
            I,
        ),
    ),
    (
        "12.50 EUR coffee",
        ("2026-11-21", 1250, "EUR", "food:coffee", "", &[], "", E),
    ),
    (
        "USD 3 coffee",
        ("2026-11-21", 300, "USD", "food:coffee", "", &[], "", E),
    ),
    (
        "3 usd coffee",
        ("2026-11-21", 300, "USD", "food:coffee", "", &[], "", E),
    ),
    (
        "€12.50 coffee",
        ("2026-11-21", 1250, "EUR", "food:coffee", "", &[], "", E),
    ),
    (
        "12.50€ coffee",
        ("2026-11-21", 1250, "EUR", "food:coffee", "", &[], "", E),
    ),
    (
        "$4 coffee",
        ("2026-11-21", 400, "USD", "food:coffee", "", &[], "", E),
    ),
    (
        "£4.20 coffee",
        ("2026-11-21", 420, "GBP", "food:coffee", "", &[], "", E),
    ),
    (
        "¥500 coffee",
        ("2026-11-21", 500, "JPY", "food:coffee", "", &[], "", E),
    ),
    (
        "500 JPY coffee",
        ("2026-11-21", 500, "JPY", "food:coffee", "", &[], "", E),
    ),
    (
        "1.250 KWD rent",
        ("2026-11-21", 1250, "KWD", "rent", "", &[], "", E),
    ),
    (
        "4.50 coffee today",
        ("2026-11-21", 450, "EUR", "food:coffee", "", &[], "", E),
    ),
    (
        "4.50 coffee yesterday",
        ("2026-11-20", 450, "EUR", "food:coffee", "", &[], "", E),
    ),
    (
        "4.50 coffee mon",
        ("2026-11-16", 450, "EUR", "food:coffee", "", &[], "", E),
    ),
    (
        "4.50 coffee friday",
        ("2026-11-20", 450, "EUR", "food:coffee", "", &[], "", E),
    ),
    (
        "4.50 coffee sat",
        ("2026-11-21", 450, "EUR", "food:coffee", "", &[], "", E),
    ),
    (
        "4.50 coffee sun",
        ("2026-11-15", 450, "EUR", "food:coffee", "", &[], "", E),
    ),
    (
        "4.50 coffee 2026-11-03",
        ("2026-11-03", 450, "EUR", "food:coffee", "", &[], "", E),
    ),
    (
        "4.50 coffee 11-03",
        ("2026-11-03", 450, "EUR", "food:coffee", "", &[], "", E),
    ),
    (
        "4.50 coffee 3",
        ("2026-11-03", 450, "EUR", "food:coffee", "", &[], "", E),
    ),
    (
        "4.50 coffee -2",
        ("2026-11-19", 450, "EUR", "food:coffee", "", &[], "", E),
    ),
    (
        "-2 4.50 coffee",
        ("2026-11-19", 450, "EUR", "food:coffee", "", &[], "", E),
    ),
    (
        "2024-02-29 4.50 coffee",
        ("2024-02-29", 450, "EUR", "food:coffee", "", &[], "", E),
    ),
    (
        "12+3.50 groceries",
        ("2026-11-21", 1550, "EUR", "food:groceries", "", &[], "", E),
    ),
    (
        "3*2.40 coffee",
        ("2026-11-21", 720, "EUR", "food:coffee", "", &[], "", E),
    ),
    (
        "1,234.56 rent",
        ("2026-11-21", 123456, "EUR", "rent", "", &[], "", E),
    ),
    (
        "12 books!",
        ("2026-11-21", 1200, "EUR", "books", "", &[], "", E),
    ),
    (
        "12 fun:books!",
        ("2026-11-21", 1200, "EUR", "fun:books", "", &[], "", E),
    ),
    (
        "12 food",
        ("2026-11-21", 1200, "EUR", "food", "", &[], "", E),
    ),
    (
        "12 FOOD:Groceries",
        ("2026-11-21", 1200, "EUR", "food:groceries", "", &[], "", E),
    ),
    (
        "9 cinema #date #fun",
        (
            "2026-11-21",
            900,
            "EUR",
            "fun:cinema",
            "",
            &["date", "fun"],
            "",
            E,
        ),
    ),
    (
        "9 cinema #a #a",
        ("2026-11-21", 900, "EUR", "fun:cinema", "", &["a"], "", E),
    ),
    (
        "@\"Corner Shop\" 3 groceries",
        (
            "2026-11-21",
            300,
            "EUR",
            "food:groceries",
            "Corner Shop",
            &[],
            "",
            E,
        ),
    ),
    (
        "3 groceries 'for the party'",
        (
            "2026-11-21",
            300,
            "EUR",
            "food:groceries",
            "",
            &[],
            "for the party",
            E,
        ),
    ),
    (
        "3 restaurants",
        ("2026-11-21", 300, "EUR", "food:restaurants", "", &[], "", E),
    ),
    (
        "60 fuel",
        ("2026-11-21", 6000, "EUR", "transport:fuel", "", &[], "", E),
    ),
    (
        "60 transport:fuel @Aral -1 #car",
        (
            "2026-11-20",
            6000,
            "EUR",
            "transport:fuel",
            "Aral",
            &["car"],
            "",
            E,
        ),
    ),
    // Refunds: a leading '-' on an amount with decimals is always the amount; `-N` alone is
    // the amount when no other word is, else N days ago.
    (
        "-12.50 groceries",
        ("2026-11-21", -1250, "EUR", "food:groceries", "", &[], "", E),
    ),
    (
        "groceries -1,000",
        (
            "2026-11-21",
            -100000,
            "EUR",
            "food:groceries",
            "",
            &[],
            "",
            E,
        ),
    ),
    (
        "-€5 groceries -2",
        ("2026-11-19", -500, "EUR", "food:groceries", "", &[], "", E),
    ),
    (
        "-5 groceries",
        ("2026-11-21", -500, "EUR", "food:groceries", "", &[], "", E),
    ),
    (
        "-5 groceries -2",
        ("2026-11-19", -500, "EUR", "food:groceries", "", &[], "", E),
    ),
    (
        "12 groceries -2",
        ("2026-11-19", 1200, "EUR", "food:groceries", "", &[], "", E),
    ),
    (
        "-2 12 groceries",
        ("2026-11-19", 1200, "EUR", "food:groceries", "", &[], "", E),
    ),
    (
        "-3*2.40 USD groceries",
        ("2026-11-21", -720, "USD", "food:groceries", "", &[], "", E),
    ),
];

const BAD: &[(&str, &str)] = &[
    ("groceries", "no amount"),
    ("12.50", "no category"),
    ("12,3.4 groceries", "word 1 '12,3.4'"),
    ("1e3 groceries", "exponent"),
    ("12.345 groceries", "EUR has 2 decimal places"),
    ("500.5 JPY coffee", "JPY has 0 decimal places"),
    ("12 groceries 13 14", "word 4 '14': a second amount"),
    ("12 groceries €13", "a second amount"),
    (
        "12 groceries 32",
        "word 3 '32': November 2026 has no day 32",
    ),
    (
        "12 food:groceries coffee",
        "word 3 'coffee': a second category",
    ),
    ("12 xyzzy", "word 2 'xyzzy': unknown category"),
    ("12 food:", "empty part"),
    ("12 f", "ambiguous category"),
    ("12 groceries @", "the payee after '@' is empty"),
    ("12 groceries @A @B", "a second payee"),
    ("12 groceries #", "the tag after '#' is empty"),
    ("12 groceries today yesterday", "a second date"),
    ("12 groceries 2023-02-29", "does not exist"),
    ("12 groceries 2023-2-3", "must be YYYY-MM-DD"),
    ("12 EUR USD groceries", "a second currency"),
    ("€12 USD groceries", "a second currency"),
    ("10/3 groceries", "division is not exact"),
    ("0 groceries", "must be positive"),
    ("99999999999999999999 groceries", "too large"),
    ("12 groceries \"unclosed", "closing quote"),
    ("inf groceries", "word 1 'inf': not an amount"),
    (
        "١٢ groceries",
        "word 1 '١٢': only the ASCII digits 0-9 are read",
    ),
    (
        "-0 groceries",
        "word 1 '-0': a refund must be more than zero",
    ),
    (
        "-0.00 groceries",
        "word 1 '-0.00': a refund must be more than zero",
    ),
    (
        "+-5 groceries",
        "word 1 '+-5': an income cannot be negative",
    ),
    (
        "12 groceries -3.50",
        "word 3 '-3.50': a second amount (word 1 is the amount)",
    ),
    (
        "-3.50 groceries €12",
        "word 3 '€12': a second amount (word 1 is the amount)",
    ),
    (
        "-5+10 groceries",
        "word 1 '-5+10' starts with '-' but comes to more than zero",
    ),
];

fn ctx(known: &[(String, u64)]) -> QuickContext<'_> {
    QuickContext {
        today: today(),
        currency: Currency::EUR,
        categories: known,
        allow_new: false,
    }
}

#[test]
fn good_lines_parse_as_expected() {
    let known = known();
    for (line, want) in GOOD {
        let words = split(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        let d = parse(&words, &ctx(&known)).unwrap_or_else(|e| panic!("{line}: {e}"));
        let got = (
            d.date.format("%Y-%m-%d").to_string(),
            d.amount,
            d.currency.code().to_string(),
            d.category.clone(),
            d.payee.clone(),
            d.tags.clone(),
            d.note.clone(),
            d.kind,
        );
        let want = (
            want.0.to_string(),
            want.1,
            want.2.to_string(),
            want.3.to_string(),
            want.4.to_string(),
            want.5.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            want.6.to_string(),
            want.7,
        );
        assert_eq!(got, want, "line: {line}");
    }
}

/// `roles` is what `parse` decides, word by word: every good line has exactly one category
/// word, and the TUI completes that word from the categories.
#[test]
fn roles_say_which_word_the_grammar_takes_for_what() {
    use Role::*;
    let words = split("12.50 gro @Lidl #weekly yesterday USD \"a note\" fun -2 +-5").unwrap();
    assert_eq!(
        roles(&words, today()),
        [Number, Category, Payee, Tag, Date, Currency, Note, Category, Number, Unreadable]
    );
    // `-2` is a refund on a line with no other amount, two days ago on one with an amount;
    // either way a number, never the category.
    let words = split("-2 groc").unwrap();
    assert_eq!(roles(&words, today()), [Number, Category]);
    // `inf` is an amount gone wrong on a line with no amount, else a category.
    assert_eq!(roles(&split("inf").unwrap(), today()), [Unreadable]);
    assert_eq!(roles(&split("3 inf").unwrap(), today()), [Number, Category]);
    for (line, _) in GOOD {
        let words = split(line).unwrap();
        let categories = roles(&words, today())
            .into_iter()
            .filter(|r| *r == Category)
            .count();
        assert_eq!(categories, 1, "{line}");
    }
}

#[test]
fn bad_lines_say_what_and_where() {
    let known = known();
    for (line, want) in BAD {
        let msg = match split(line) {
            Err(e) => e.to_string(),
            Ok(words) => match parse(&words, &ctx(&known)) {
                Err(e) => e.to_string(),
                Ok(d) => panic!("{line}: expected an error with '{want}', got {d:?}"),
            },
        };
        assert!(
            msg.contains(want),
            "line: {line}\n  got: {msg}\n want: {want}"
        );
    }
}

#[test]
fn at_least_fifty_cases() {
    assert!(GOOD.len() + BAD.len() >= 50);
}

#[test]
fn shell_words_with_spaces_are_notes_and_new_category_flag_works() {
    let known = known();
    let args: Vec<String> = ["12", "books", "team lunch"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut c = ctx(&known);
    assert!(parse(&from_args(&args), &c).is_err(), "books is unknown");
    c.allow_new = true;
    let d = parse(&from_args(&args), &c).unwrap();
    assert_eq!(
        (d.category.as_str(), d.note.as_str()),
        ("books", "team lunch")
    );
}

#[test]
fn a_pasted_megabyte_is_named_not_repeated() {
    let known = known();
    let big = "9".repeat(1_000_000);
    for line in [
        format!("{big}x food"),
        format!("12 food {}", "z".repeat(1_000_000)),
    ] {
        let words = split(&line).unwrap();
        let msg = parse(&words, &ctx(&known)).unwrap_err().to_string();
        assert!(msg.len() < 300, "{} bytes: {}", msg.len(), &msg[..300]);
        assert!(msg.contains("characters)"), "{msg}");
    }
}

/// `inf`, `NaN` and digits of other scripts where the amount goes are named as
/// the amount they fail to be, not as "a second category" at the next word.
#[test]
fn amounts_gone_wrong_name_their_word() {
    let known = known();
    let not_an_amount = "not an amount (write digits like 12.50)";
    let ascii = "only the ASCII digits 0-9 are read (write 12.50)";
    let cases = [
        ("inf food", format!("word 1 'inf': {not_an_amount}")),
        ("NaN food", format!("word 1 'NaN': {not_an_amount}")),
        (
            "food +Infinity",
            format!("word 2 '+Infinity': {not_an_amount}"),
        ),
        ("€nan", format!("word 1 '€nan': {not_an_amount}")),
        ("١٢ food", format!("word 1 '١٢': {ascii}")),
        ("１２ food", format!("word 1 '１２': {ascii}")),
        ("€１２.５０ food", format!("word 1 '€１２.５０': {ascii}")),
        ("12 food ３", format!("word 3 '３': {ascii}")),
        ("12٣ food", format!("word 1 '12٣': {ascii}")),
    ];
    for (line, want) in cases {
        let words = split(line).unwrap();
        let got = parse(&words, &ctx(&known)).unwrap_err().to_string();
        assert_eq!(got, want, "line: {line}");
    }
    // With an amount on the line, `inf` and `nan` are words like any other (a category here);
    // `-2` is still two days ago.
    let mut c = ctx(&known);
    c.allow_new = true;
    for (line, category) in [("12 nan", "nan"), ("inf 12", "inf"), ("12 -2 rent", "rent")] {
        let d = parse(&split(line).unwrap(), &c).unwrap();
        assert_eq!(d.category, category, "line: {line}");
    }
}
