//! Exchange rates from config (`[rates] USD = "0.92"`: one USD is 0.92 of the default currency),
//! as exact rationals. Rule: conversion is integer arithmetic with one rounding (half away from
//! zero) at the end; no float ever sees an amount or a rate.

use super::{Currency, MoneyError};

/// Rates into one target currency.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Rates {
    /// (currency, numerator, denominator): one unit of `currency` is `num / den` target units.
    rates: Vec<(Currency, i128, i128)>,
    /// The rate strings as written, for display.
    shown: Vec<(Currency, String)>,
}

/// Most decimal places a rate may have.
const MAX_RATE_DECIMALS: usize = 12;

/// Why a `[rates]` entry was refused; its `Display` is the message a person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    /// The key is not a known currency.
    #[error("rates: {0}")]
    Currency(MoneyError),
    /// The value is not a usable rate.
    #[error("rates: {code} = \"{rate}\": {why}")]
    Bad {
        /// The currency code as written.
        code: String,
        /// The rate as written.
        rate: String,
        /// What is wrong with it.
        why: BadRate,
    },
}

/// What is wrong with a rate's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadRate {
    /// Not digits with at most one `.`.
    #[error("write a plain decimal number such as 0.92")]
    NotDecimal,
    /// More than 12 digits after the point.
    #[error("at most {} decimal places", MAX_RATE_DECIMALS)]
    TooManyDecimals,
    /// More than 15 digits before the point.
    #[error("too large")]
    TooLarge,
    /// The digits do not make a number.
    #[error("not a number")]
    NotANumber,
    /// Zero.
    #[error("a rate must be above zero")]
    Zero,
}

impl Rates {
    /// Adds the rate of `code` written as `rate` (`"0.92"`, `"1"`, `"157.3"`); the error names
    /// the code and quotes the value.
    pub fn insert(&mut self, code: &str, rate: &str) -> Result<(), RateError> {
        let currency = Currency::parse(code).map_err(RateError::Currency)?;
        let bad = |why: BadRate| RateError::Bad {
            code: code.to_string(),
            rate: rate.to_string(),
            why,
        };
        let s = rate.trim();
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() && frac.is_empty()
            || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
        {
            return Err(bad(BadRate::NotDecimal));
        }
        if frac.len() > MAX_RATE_DECIMALS {
            return Err(bad(BadRate::TooManyDecimals));
        }
        if int.len() > 15 {
            return Err(bad(BadRate::TooLarge));
        }
        let digits = format!("{int}{frac}");
        let num: i128 = digits.parse().map_err(|_| bad(BadRate::NotANumber))?;
        if num == 0 {
            return Err(bad(BadRate::Zero));
        }
        let den = 10i128.pow(frac.len() as u32);
        self.rates.retain(|r| r.0 != currency);
        self.shown.retain(|r| r.0 != currency);
        self.rates.push((currency, num, den));
        self.shown.push((currency, s.to_string()));
        self.rates.sort_by_key(|r| r.0);
        self.shown.sort_by_key(|r| r.0);
        Ok(())
    }

    /// True when no rate is set (no conversion).
    pub fn is_empty(&self) -> bool {
        self.rates.is_empty()
    }

    /// `minor` units of `from` in minor units of `to`: unchanged when they are the same, `None`
    /// without a rate for `from` or when the result does not fit.
    pub fn convert(&self, minor: i64, from: Currency, to: Currency) -> Option<i64> {
        if from == to {
            return Some(minor);
        }
        let &(_, num, den) = self.rates.iter().find(|r| r.0 == from)?;
        let (ef, et) = (from.exponent(), to.exponent());
        let mut n = i128::from(minor).checked_mul(num)?;
        let mut d = den;
        if et >= ef {
            n = n.checked_mul(10i128.checked_pow(et - ef)?)?;
        } else {
            d = d.checked_mul(10i128.checked_pow(ef - et)?)?;
        }
        // Half away from zero.
        let q = (n.abs() * 2 + d) / (2 * d);
        i64::try_from(if n < 0 { -q } else { q }).ok()
    }

    /// `1 USD = 0.92 EUR` per rate, by currency code.
    pub fn describe(&self, to: Currency) -> Vec<String> {
        self.shown
            .iter()
            .map(|(c, r)| format!("1 {c} = {r} {to}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(c: &str) -> Currency {
        Currency::parse(c).unwrap()
    }

    #[test]
    fn exact_conversion() {
        let mut r = Rates::default();
        r.insert("USD", "0.92").unwrap();
        r.insert("jpy", "0.0061").unwrap();
        // 10.00 USD -> 9.20 EUR; 0.01 USD -> 0.0092 -> 0.01 EUR (half away from zero).
        assert_eq!(r.convert(1000, cur("USD"), Currency::EUR), Some(920));
        assert_eq!(r.convert(1, cur("USD"), Currency::EUR), Some(1));
        // 1000 JPY (no minor unit) -> 6.10 EUR.
        assert_eq!(r.convert(1000, cur("JPY"), Currency::EUR), Some(610));
        assert_eq!(r.convert(5, Currency::EUR, Currency::EUR), Some(5));
        assert_eq!(r.convert(5, cur("GBP"), Currency::EUR), None);
        assert_eq!(r.describe(Currency::EUR)[1], "1 USD = 0.92 EUR");
        // 0.005 -> rounds half away from zero: 1 cent of USD at 0.5 -> 0.005 EUR -> 0.01.
        let mut h = Rates::default();
        h.insert("USD", "0.5").unwrap();
        assert_eq!(h.convert(1, cur("USD"), Currency::EUR), Some(1));
        assert_eq!(h.convert(3, cur("USD"), Currency::EUR), Some(2));
    }

    #[test]
    fn bad_rates_are_named() {
        let mut r = Rates::default();
        for bad in ["", "abc", "1e3", "-1", "0", "0.0000000000001", "1,5"] {
            let e = r.insert("USD", bad).unwrap_err().to_string();
            assert!(e.contains("USD"), "{e}");
        }
        assert!(r
            .insert("XXX", "1")
            .unwrap_err()
            .to_string()
            .contains("XXX"));
    }

    #[test]
    fn rate_messages_read_as_before() {
        let mut r = Rates::default();
        let msg = |r: &mut Rates, c: &str, v: &str| r.insert(c, v).unwrap_err().to_string();
        assert_eq!(
            msg(&mut r, "USD", "1,5"),
            "rates: USD = \"1,5\": write a plain decimal number such as 0.92"
        );
        assert_eq!(
            msg(&mut r, "USD", "0.0000000000001"),
            "rates: USD = \"0.0000000000001\": at most 12 decimal places"
        );
        assert_eq!(
            msg(&mut r, "USD", "1234567890123456"),
            "rates: USD = \"1234567890123456\": too large"
        );
        assert_eq!(
            msg(&mut r, "USD", " 0.0 "),
            "rates: USD = \" 0.0 \": a rate must be above zero"
        );
        assert_eq!(BadRate::NotANumber.to_string(), "not a number");
        assert_eq!(
            msg(&mut r, "XXX", "1"),
            format!("rates: {}", Currency::parse("XXX").unwrap_err())
        );
    }
}
