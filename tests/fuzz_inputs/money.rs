//! The amount parser: every text is an amount that formats back to itself, or an error that
//! quotes the text; every amount formats to a text that reads back to it.

use crate::hostile::{self, currency_code, number, piece, text};
use expense_tracker::domain::money::{eval_amount, format_grouped, format_plain, parse_amount};
use expense_tracker::domain::text::shown;
use expense_tracker::domain::{Currency, MoneyError};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;

fn currency() -> impl Strategy<Value = Currency> {
    currency_code().prop_map(|c| Currency::parse(c).expect("a listed code"))
}

/// Numbers at the edges of the parser's integers: powers of two around 2^63, 2^64 and 2^127,
/// and 1 (dividing by -1 is where `i128::MIN` overflows).
fn edge() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..128).prop_map(|p| (1u128 << p).to_string()),
        (60u32..66).prop_map(|p| ((1u128 << p) - 1).to_string()),
        Just("1".to_string()),
        Just("0".to_string()),
    ]
}

/// Amount-shaped text: numbers, operators and hostile pieces, arithmetic over edge numbers, or
/// a deep nest of parentheses.
fn amount_text() -> impl Strategy<Value = String> {
    let ops = select(&["+", "-", "*", "/", "x", "×", " ", "(", ")", "((", "))"][..]);
    prop_oneof![
        6 => vec(
            prop_oneof![4 => number(), 3 => ops.clone().prop_map(String::from), 2 => piece()],
            1..10
        )
        .prop_map(|p| p.concat()),
        2 => vec((edge(), ops.clone(), any::<bool>()), 1..5).prop_map(|terms| terms
            .into_iter()
            .map(|(n, op, neg)| if neg { format!("(0-{n}){op}") } else { format!("{n}{op}") })
            .collect::<String>()
            .trim_end_matches(['+', '-', '*', '/', 'x', '×', ' ', '('])
            .to_string()),
        1 => (1usize..5000, 0usize..3).prop_map(|(depth, tail)| format!(
            "{}1{}",
            "(".repeat(depth),
            ")".repeat(depth.saturating_sub(tail))
        )),
    ]
}

/// Checks what both parsers say about `s`.
fn check(s: &str, c: Currency) -> Result<(), TestCaseError> {
    let plain = parse_amount(s, c);
    let eval = eval_amount(s, c);
    for (name, got) in [("parse_amount", &plain), ("eval_amount", &eval)] {
        match got {
            Ok(v) => {
                prop_assert!(*v >= 0, "{name}({s:?}) = {v} is negative");
                prop_assert_eq!(
                    parse_amount(&format_plain(*v, c), c),
                    Ok(*v),
                    "{}({:?}) does not read back",
                    name,
                    s
                );
            }
            Err(e) => check_error(s, e)?,
        }
    }
    if let Ok(v) = eval {
        prop_assert!(v > 0, "eval_amount({s:?}) = {v} is not positive");
    }
    // A plain number is read the same by the form/quick entry (eval) and by import (parse).
    if let Ok(v @ 1..) = plain {
        prop_assert_eq!(eval, Ok(v), "{:?} read two ways", s);
    }
    Ok(())
}

/// An error is non-empty and quotes the input (trimmed, as `text::shown` shows it).
fn check_error(s: &str, e: &MoneyError) -> Result<(), TestCaseError> {
    let msg = e.to_string();
    prop_assert!(!msg.trim().is_empty(), "empty message for {s:?}");
    match e {
        MoneyError::Empty => prop_assert!(s.trim().is_empty(), "{s:?} called empty"),
        MoneyError::UnknownCurrency(_) => prop_assert!(false, "{s:?}: {msg}"),
        _ => {
            let quoted = format!("'{}'", shown(s.trim()));
            prop_assert!(msg.starts_with(&quoted), "{msg:?} does not quote {quoted}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(hostile::config(1))]

    /// Every amount, of every exponent, formats to text that reads back to it.
    #[test]
    fn every_amount_reads_back_from_its_text(minor in any::<i64>(), c in currency()) {
        let plain = format_plain(minor, c);
        let grouped = format_grouped(minor, c);
        if minor >= 0 {
            prop_assert_eq!(parse_amount(&plain, c), Ok(minor));
            prop_assert_eq!(parse_amount(&grouped, c), Ok(minor));
        } else {
            prop_assert!(parse_amount(&plain, c).is_err());
            let below = eval_amount(&format!("0{plain}"), c);
            prop_assert!(matches!(below, Err(MoneyError::NotPositive(_))), "{:?}", below);
        }
        if minor > 0 {
            prop_assert_eq!(eval_amount(&plain, c), Ok(minor));
            prop_assert_eq!(eval_amount(&format!("{grouped} * 1"), c), Ok(minor));
        }
    }

    /// The edges of i64 in minor units: `i64::MAX` is read, one more is too large.
    #[test]
    fn one_past_the_largest_amount_is_too_large(c in currency(), below in 0i64..3) {
        let max = format_plain(i64::MAX - below, c);
        prop_assert_eq!(parse_amount(&max, c), Ok(i64::MAX - below));
        let digits = (i128::from(i64::MAX) + 1).to_string();
        let e = c.exponent() as usize;
        let past = match e {
            0 => digits,
            _ => format!("{}.{}", &digits[..digits.len() - e], &digits[digits.len() - e..]),
        };
        prop_assert!(matches!(parse_amount(&past, c), Err(MoneyError::Overflow(_))));
        let twice = eval_amount(&format!("{max}+{max}"), c);
        prop_assert!(matches!(twice, Err(MoneyError::Overflow(_))), "{:?}", twice);
    }

    /// Products of powers of two reach every i128 near its ends; negated and divided by -1
    /// they cross `i128::MIN`, the one value whose negation does not fit.
    #[test]
    fn arithmetic_at_the_ends_of_i128_is_refused_not_a_crash(
        a in 0u32..128,
        b in 0u32..128,
        d in prop_oneof![Just("1"), Just("2"), Just("0.1"), Just("1.0")],
        c in currency(),
    ) {
        let s = format!("(0-{})*{}/(0-{d})", 1u128 << a, 1u128 << b);
        check(&s, c)?;
    }

    /// Amount-shaped hostile text: an amount that reads back, or an error quoting the text.
    #[test]
    fn amount_shaped_text_is_read_or_refused_by_name(s in amount_text(), c in currency()) {
        check(&s, c)?;
    }

    /// Hostile pieces in any order.
    #[test]
    fn hostile_text_is_read_or_refused_by_name(s in text(12), c in currency()) {
        check(&s, c)?;
    }

    /// Any string at all.
    #[test]
    fn any_string_is_read_or_refused_by_name(s in any::<String>(), c in currency()) {
        check(&s, c)?;
    }

    /// A currency code is a known ISO code (read back the same) or refused with the text.
    #[test]
    fn currency_codes_are_known_or_refused(s in prop_oneof![text(4), "[a-zA-Z]{3}"]) {
        match Currency::parse(&s) {
            Ok(c) => {
                prop_assert_eq!(c.code(), s.trim().to_ascii_uppercase());
                prop_assert_eq!(Currency::parse(c.code()), Ok(c));
            }
            Err(e) => {
                let (msg, quoted) = (e.to_string(), format!("'{}'", shown(&s)));
                prop_assert!(msg.contains(&quoted), "{:?} does not quote {}", msg, quoted);
            }
        }
    }
}

/// Crashes found while writing these targets, kept as plain tests.
mod found {
    use super::*;

    /// `((((…1` nested a recursion per '(' until the stack overflowed (an abort, not even a
    /// panic); now at most 16 levels, then an error quoting the text.
    #[test]
    fn deep_parentheses_are_refused_not_a_stack_overflow() {
        let deep = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
        let e = eval_amount(&deep, Currency::EUR).unwrap_err();
        assert!(matches!(e, MoneyError::TooDeep(_)), "{e:?}");
        assert!(e.to_string().contains("nested more than 16 deep"), "{e}");
        let sixteen = format!("{}12{}", "(".repeat(16), ")".repeat(16));
        assert_eq!(eval_amount(&sixteen, Currency::EUR), Ok(1200));
        let seventeen = format!("({sixteen})");
        assert!(matches!(
            eval_amount(&seventeen, Currency::EUR),
            Err(MoneyError::TooDeep(_))
        ));
    }

    /// `-2^127 / -1` panicked in `i128 %` ("attempt to calculate the remainder with overflow");
    /// the quotient does not fit, so it is too large.
    #[test]
    fn dividing_the_most_negative_value_by_minus_one_is_too_large() {
        let s = "(0-18446744073709551616)*9223372036854775808/(0-1)";
        let e = eval_amount(s, Currency::EUR).unwrap_err();
        assert!(matches!(e, MoneyError::Overflow(_)), "{e:?}");
        assert_eq!(e.to_string(), format!("'{s}' is too large"));
    }

    /// An amount with blanks around it was quoted with them (`'^I0 '`) by some errors.
    #[test]
    fn errors_quote_the_amount_trimmed() {
        let e = eval_amount("\t0 ", Currency::EUR).unwrap_err();
        assert_eq!(
            e.to_string(),
            "'0': the amount must be positive (a refund starts with '-': -12.50)"
        );
        let e = eval_amount(" 99999999999999999999 ", Currency::EUR).unwrap_err();
        assert_eq!(e.to_string(), "'99999999999999999999' is too large");
    }

    /// A product whose decimals cancel is not "too large" (it was, past 18 decimals).
    #[test]
    fn a_product_whose_decimals_cancel_is_read() {
        let s = "0.5000000000*2.0000000000";
        assert_eq!(eval_amount(s, Currency::EUR), Ok(100));
    }
}
