//! Money: integer minor units plus an ISO 4217 currency. No float ever holds an amount.
//!
//! Parsing is our own (never through `f64`): it accepts `12`, `12.5`, `1,234.56`, `1 234.56` and
//! simple exact arithmetic (`12+3.50`, `3*2.40`), and every rejection says why, quoting the input.

use crate::domain::text::shown;
use serde::{Deserialize, Serialize};
use std::fmt;

/// ISO 4217 codes with the number of minor-unit digits. Codes not listed are rejected, so a typo
/// (`EUT`) never becomes a currency of its own.
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("EGP", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("HKD", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("LYD", 3),
    ("MAD", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("NGN", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("SAR", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TND", 3),
    ("TRY", 2),
    ("TWD", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("VND", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("ZAR", 2),
];

/// An ISO 4217 currency code, stored as three ASCII upper-case letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Currency([u8; 3]);

impl Currency {
    /// The euro, the default when config names none.
    pub const EUR: Currency = Currency(*b"EUR");

    /// Parses a known ISO 4217 code, case-insensitively.
    pub fn parse(code: &str) -> Result<Currency, MoneyError> {
        let upper = code.trim().to_ascii_uppercase();
        if CURRENCIES.iter().any(|(c, _)| *c == upper) {
            let b = upper.as_bytes();
            Ok(Currency([b[0], b[1], b[2]]))
        } else {
            Err(MoneyError::UnknownCurrency(code.to_string()))
        }
    }

    /// The three-letter code.
    pub fn code(&self) -> &str {
        // Only constructed from ASCII codes in `CURRENCIES` (or checked bytes in `from_bytes`).
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// The raw bytes, for compact keys.
    pub fn bytes(&self) -> [u8; 3] {
        self.0
    }

    /// Rebuilds a currency from stored bytes (used by the store's key codecs).
    pub fn from_bytes(b: [u8; 3]) -> Option<Currency> {
        std::str::from_utf8(&b)
            .ok()
            .and_then(|s| Currency::parse(s).ok())
    }

    /// Digits after the decimal point (JPY 0, EUR 2, KWD 3).
    pub fn exponent(&self) -> u32 {
        CURRENCIES
            .iter()
            .find(|(c, _)| c.as_bytes() == self.0)
            .map(|(_, e)| u32::from(*e))
            .unwrap_or(2)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why an amount or currency was rejected; the `Display` is what a person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amount is empty")]
    Empty,
    #[error("'{}': not an amount (write digits like 12.50)", shown(.0))]
    NotANumber(String),
    #[error("'{}': exponent notation is not accepted, write the digits out", shown(.0))]
    Exponent(String),
    #[error("'{}': hexadecimal is not accepted", shown(.0))]
    Hex(String),
    #[error("'{}': '_' is not a digit separator here, write 1000 or 1,000", shown(.0))]
    Underscore(String),
    #[error("'{}': only the ASCII digits 0-9 are read (write 12.50)", shown(.0))]
    NonAsciiDigit(String),
    #[error("'{}': more than one decimal separator", shown(.0))]
    TwoDecimalPoints(String),
    #[error("'{}': digit groups after ',' or ' ' must have exactly three digits", shown(.0))]
    BadGrouping(String),
    #[error("'{}': {currency} has {exponent} decimal places", shown(.input))]
    TooPrecise {
        input: String,
        currency: Currency,
        exponent: u32,
    },
    #[error("'{}' is too large", shown(.0))]
    Overflow(String),
    #[error("'{}': unexpected '{}'", shown(.0), .1)]
    Unexpected(String, char),
    #[error("'{}': division is not exact", shown(.0))]
    Inexact(String),
    #[error("'{}': division by zero", shown(.0))]
    DivisionByZero(String),
    #[error("'{}': parentheses nested more than {MAX_DEPTH} deep", shown(.0))]
    TooDeep(String),
    #[error("'{}': the amount must be positive (a refund starts with '-': -12.50)", shown(.0))]
    NotPositive(String),
    /// `-0`, `-0.00`: a refund of nothing.
    #[error("'{}': a refund must be more than zero", shown(.0))]
    ZeroRefund(String),
    /// Starts with `-` but comes to more than zero (`-5+10`).
    #[error("'{}' starts with '-' but comes to more than zero (a refund is below zero)", shown(.0))]
    RefundAboveZero(String),
    #[error("unknown currency '{}' (use an ISO 4217 code such as EUR, USD, JPY)", shown(.0))]
    UnknownCurrency(String),
}

/// Why an exact division has no result.
#[derive(Debug, Clone, Copy)]
enum DivFail {
    /// An intermediate or the quotient does not fit.
    Overflow,
    /// The quotient does not terminate within `MAX_SCALE` digits.
    Inexact,
}

/// An exact decimal: `value / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decimal {
    value: i128,
    scale: u32,
}

const MAX_SCALE: u32 = 18;

/// The deepest nesting of parentheses read. Each level is a recursion of the parser, so an
/// unbounded nest (`((((…` pasted or piped in) would overflow the stack: a crash, not an error.
const MAX_DEPTH: u32 = 16;

impl Decimal {
    fn rescale(self, scale: u32) -> Option<Decimal> {
        let factor = 10i128.checked_pow(scale.checked_sub(self.scale)?)?;
        Some(Decimal {
            value: self.value.checked_mul(factor)?,
            scale,
        })
    }

    fn add(self, other: Decimal, neg: bool) -> Option<Decimal> {
        let scale = self.scale.max(other.scale);
        let (a, b) = (self.rescale(scale)?, other.rescale(scale)?);
        let value = if neg {
            a.value.checked_sub(b.value)?
        } else {
            a.value.checked_add(b.value)?
        };
        Some(Decimal { value, scale })
    }

    fn mul(self, other: Decimal) -> Option<Decimal> {
        // Normalized before the scale check: `0.5000000000*2.0000000000` is 1, not too large.
        let d = Decimal {
            value: self.value.checked_mul(other.value)?,
            scale: self.scale + other.scale,
        }
        .normalize();
        (d.scale <= MAX_SCALE).then_some(d)
    }

    /// Exact division at up to `MAX_SCALE` digits.
    fn div(self, other: Decimal) -> Result<Decimal, DivFail> {
        let overflow = DivFail::Overflow;
        let mut num = 10i128
            .checked_pow(other.scale)
            .and_then(|f| self.value.checked_mul(f))
            .ok_or(overflow)?;
        let den = 10i128
            .checked_pow(self.scale)
            .and_then(|f| other.value.checked_mul(f))
            .ok_or(overflow)?;
        let mut scale = 0;
        // Checked: `i128::MIN % -1` overflows (and panics) like `i128::MIN / -1`.
        while num.checked_rem(den).ok_or(overflow)? != 0 {
            if scale == MAX_SCALE {
                return Err(DivFail::Inexact);
            }
            num = num.checked_mul(10).ok_or(overflow)?;
            scale += 1;
        }
        let value = num.checked_div(den).ok_or(overflow)?;
        Ok(Decimal { value, scale }.normalize())
    }

    fn normalize(mut self) -> Decimal {
        while self.scale > 0 && self.value % 10 == 0 {
            self.value /= 10;
            self.scale -= 1;
        }
        self
    }
}

/// Parses one plain amount (no arithmetic) into minor units of `currency`.
///
/// Accepts `12`, `12.5`, `12.50`, `1,234.56`, `1 234.56`; the result may be zero or positive.
pub fn parse_amount(input: &str, currency: Currency) -> Result<i64, MoneyError> {
    // Errors quote the text as trimmed: `'\t12x '` would show as `'^I12x '`.
    let input = input.trim();
    let d = parse_number(input, input)?;
    to_minor(d, currency, input)
}

/// Parses an amount that may be simple arithmetic (`12+3.50`, `3*2.40`, `(10-2)/4`), computed
/// exactly, into positive minor units of `currency`.
pub fn eval_amount(input: &str, currency: Currency) -> Result<i64, MoneyError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(MoneyError::Empty);
    }
    let mut p = ExprParser {
        src: input,
        pos: 0,
        depth: 0,
    };
    let d = p.expr()?;
    p.skip_ws();
    if let Some(c) = p.peek() {
        return Err(MoneyError::Unexpected(input.to_string(), c));
    }
    let minor = to_minor(d, currency, input)?;
    if minor <= 0 {
        return Err(MoneyError::NotPositive(input.to_string()));
    }
    Ok(minor)
}

/// Like [`eval_amount`], but a leading `-` makes a refund: `-12.50` and `-3*2.40` come back
/// negative. Only the leading sign says refund (`2-5` is still refused): what is written first
/// is what the person meant. `-0` and a `-` line that comes to zero or more are refused.
pub fn eval_signed_amount(input: &str, currency: Currency) -> Result<i64, MoneyError> {
    let input = input.trim();
    if !input.starts_with('-') {
        return eval_amount(input, currency);
    }
    let mut p = ExprParser {
        src: input,
        pos: 1,
        depth: 0,
    };
    let first = p.term()?;
    let negated = Decimal {
        value: -first.value,
        scale: first.scale,
    };
    let d = p.more_terms(negated)?;
    p.skip_ws();
    if let Some(c) = p.peek() {
        return Err(MoneyError::Unexpected(input.to_string(), c));
    }
    let minor = to_minor(d, currency, input)?;
    match minor {
        0 => Err(MoneyError::ZeroRefund(input.to_string())),
        m if m > 0 => Err(MoneyError::RefundAboveZero(input.to_string())),
        // Kept negatable, so every `-amount` elsewhere stays in range.
        i64::MIN => Err(MoneyError::Overflow(input.to_string())),
        m => Ok(m),
    }
}

fn to_minor(d: Decimal, currency: Currency, input: &str) -> Result<i64, MoneyError> {
    let exponent = currency.exponent();
    let d = d.normalize();
    if d.scale > exponent {
        return Err(MoneyError::TooPrecise {
            input: input.to_string(),
            currency,
            exponent,
        });
    }
    let scaled = d
        .rescale(exponent)
        .ok_or_else(|| MoneyError::Overflow(input.to_string()))?;
    i64::try_from(scaled.value).map_err(|_| MoneyError::Overflow(input.to_string()))
}

/// Strict number syntax: digits, optional groups of three after `,` or ` `, one `.` and decimals.
fn parse_number(s: &str, input: &str) -> Result<Decimal, MoneyError> {
    let err_input = || input.to_string();
    if s.is_empty() {
        return Err(MoneyError::Empty);
    }
    let lower = s.to_ascii_lowercase();
    if lower.contains("nan") || lower.contains("inf") {
        return Err(MoneyError::NotANumber(err_input()));
    }
    if lower.starts_with("0x") {
        return Err(MoneyError::Hex(err_input()));
    }
    if s.contains('_') {
        return Err(MoneyError::Underscore(err_input()));
    }
    if s.chars().any(|c| c.is_numeric() && !c.is_ascii_digit()) {
        return Err(MoneyError::NonAsciiDigit(err_input()));
    }
    if s.chars().any(|c| c.is_ascii_digit()) && lower.contains('e') {
        return Err(MoneyError::Exponent(err_input()));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_digit() || matches!(c, '.' | ',' | ' ')))
    {
        return Err(MoneyError::Unexpected(err_input(), c));
    }
    if s.matches('.').count() > 1 {
        return Err(MoneyError::TwoDecimalPoints(err_input()));
    }
    let (int_part, frac_part) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if frac_part.contains([',', ' ']) {
        return Err(MoneyError::TwoDecimalPoints(err_input()));
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(MoneyError::NotANumber(err_input()));
    }
    let mut digits = String::with_capacity(s.len());
    let groups: Vec<&str> = int_part.split([',', ' ']).collect();
    if groups.len() > 1 {
        let first_ok = !groups[0].is_empty() && groups[0].len() <= 3;
        if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
            return Err(MoneyError::BadGrouping(err_input()));
        }
    }
    for g in &groups {
        digits.push_str(g);
    }
    let scale = frac_part.len() as u32;
    if scale > MAX_SCALE {
        return Err(MoneyError::Overflow(err_input()));
    }
    digits.push_str(frac_part);
    let value: i128 = if digits.is_empty() {
        0
    } else {
        digits
            .parse()
            .map_err(|_| MoneyError::Overflow(err_input()))?
    };
    if value > i128::from(i64::MAX) * 10i128.pow(MAX_SCALE) {
        return Err(MoneyError::Overflow(err_input()));
    }
    Ok(Decimal { value, scale })
}

/// Recursive descent over `+ - * / ( )` with the usual precedence.
struct ExprParser<'a> {
    /// The whole amount, trimmed; errors quote it.
    src: &'a str,
    pos: usize,
    /// Open parentheses around `pos`, at most [`MAX_DEPTH`].
    depth: u32,
}

impl ExprParser<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn skip_ws(&mut self) {
        while self.peek() == Some(' ') {
            self.pos += 1;
        }
    }

    fn overflow(&self) -> MoneyError {
        MoneyError::Overflow(self.src.to_string())
    }

    fn expr(&mut self) -> Result<Decimal, MoneyError> {
        let first = self.term()?;
        self.more_terms(first)
    }

    /// `+ term` and `- term` after `acc`, left to right.
    fn more_terms(&mut self, mut acc: Decimal) -> Result<Decimal, MoneyError> {
        loop {
            self.skip_ws();
            match self.peek() {
                Some(op @ ('+' | '-')) => {
                    self.pos += 1;
                    let rhs = self.term()?;
                    acc = acc.add(rhs, op == '-').ok_or_else(|| self.overflow())?;
                }
                _ => return Ok(acc),
            }
        }
    }

    fn term(&mut self) -> Result<Decimal, MoneyError> {
        let mut acc = self.atom()?;
        loop {
            self.skip_ws();
            match self.peek() {
                Some('*' | 'x' | '×') => {
                    self.pos += self.peek().map_or(1, char::len_utf8);
                    let rhs = self.atom()?;
                    acc = acc.mul(rhs).ok_or_else(|| self.overflow())?;
                }
                Some('/') => {
                    self.pos += 1;
                    let rhs = self.atom()?;
                    if rhs.value == 0 {
                        return Err(MoneyError::DivisionByZero(self.src.to_string()));
                    }
                    acc = acc.div(rhs).map_err(|fail| match fail {
                        DivFail::Overflow => self.overflow(),
                        DivFail::Inexact => MoneyError::Inexact(self.src.to_string()),
                    })?;
                }
                _ => return Ok(acc),
            }
        }
    }

    fn atom(&mut self) -> Result<Decimal, MoneyError> {
        self.skip_ws();
        if self.peek() == Some('(') {
            if self.depth == MAX_DEPTH {
                return Err(MoneyError::TooDeep(self.src.to_string()));
            }
            self.pos += 1;
            self.depth += 1;
            let inner = self.expr()?;
            self.depth -= 1;
            self.skip_ws();
            if self.peek() != Some(')') {
                return Err(MoneyError::NotANumber(self.src.to_string()));
            }
            self.pos += 1;
            return Ok(inner);
        }
        let start = self.pos;
        // A number runs until an operator; inner spaces are digit grouping (`1 234.56`).
        while let Some(c) = self.peek() {
            if matches!(c, '+' | '-' | '*' | '/' | '(' | ')' | 'x' | '×') {
                break;
            }
            self.pos += c.len_utf8();
        }
        let text = self.src[start..self.pos].trim();
        if text.is_empty() {
            return match self.peek() {
                Some(c) => Err(MoneyError::Unexpected(self.src.to_string(), c)),
                None => Err(MoneyError::NotANumber(self.src.to_string())),
            };
        }
        // `0x10`: 'x' above is multiplication, so catch hex before it splits the number.
        if text == "0"
            && self.peek() == Some('x')
            && self.src[self.pos + 1..].starts_with(|c: char| c.is_ascii_hexdigit())
        {
            return Err(MoneyError::Hex(self.src.to_string()));
        }
        parse_number(text, self.src)
    }
}

/// Formats minor units as a plain decimal string (`1234.50`, `-3.000`, `500`), the form used in
/// JSON, CSV and forms.
pub fn format_plain(minor: i64, currency: Currency) -> String {
    let mut out = Vec::with_capacity(24);
    push_plain(&mut out, minor, currency);
    // Only ASCII digits, '-' and '.' were pushed.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends [`format_plain`]'s text to `out` without allocating: the hot path of `expense
/// stream` and export.
pub fn push_plain(out: &mut Vec<u8>, minor: i64, currency: Currency) {
    let exp = currency.exponent();
    if minor < 0 {
        out.push(b'-');
    }
    let abs = minor.unsigned_abs();
    let mut digits = itoa::Buffer::new();
    if exp == 0 {
        out.extend_from_slice(digits.format(abs).as_bytes());
        return;
    }
    let div = 10u64.pow(exp);
    out.extend_from_slice(digits.format(abs / div).as_bytes());
    out.push(b'.');
    let frac = digits.format(abs % div).as_bytes();
    out.extend(std::iter::repeat_n(
        b'0',
        (exp as usize).saturating_sub(frac.len()),
    ));
    out.extend_from_slice(frac);
}

/// Formats minor units with thousands separators for display (`1,234.50`).
pub fn format_grouped(minor: i64, currency: Currency) -> String {
    let plain = format_plain(minor, currency);
    let (sign, rest) = plain
        .strip_prefix('-')
        .map_or(("", plain.as_str()), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut grouped = String::with_capacity(plain.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Adds amounts with overflow checking; `None` means the sum does not fit.
pub fn checked_sum(amounts: impl IntoIterator<Item = i64>) -> Option<i64> {
    amounts.into_iter().try_fold(0i64, i64::checked_add)
}

/// Percent change from `last` to `this` (`+12%`, `-3%`), or `new` when `last` was zero and
/// `this` is not (nothing to compare with), or empty when both are zero. Shared by the review
/// screen and `expense report`, so the two always agree; whole percents, truncated toward zero.
pub fn percent_change(this: i64, last: i64) -> String {
    if last == 0 {
        return if this == 0 {
            String::new()
        } else {
            "new".into()
        };
    }
    // i128: the difference of two i64 amounts times 100 cannot overflow there.
    let pct = (i128::from(this) - i128::from(last)) * 100 / i128::from(last);
    format!("{pct:+}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(s: &str) -> Result<i64, MoneyError> {
        parse_amount(s, Currency::EUR)
    }

    #[test]
    fn accepts_the_usual_forms() {
        assert_eq!(eur("12"), Ok(1200));
        assert_eq!(eur("12.5"), Ok(1250));
        assert_eq!(eur("12.50"), Ok(1250));
        assert_eq!(eur("1,234.56"), Ok(123456));
        assert_eq!(eur("1 234.56"), Ok(123456));
        assert_eq!(eur(".5"), Ok(50));
        assert_eq!(eur("1,234,567"), Ok(123456700));
    }

    #[test]
    fn rejects_with_reasons() {
        assert!(matches!(eur("12,3.4"), Err(MoneyError::BadGrouping(_))));
        assert!(matches!(eur("1e3"), Err(MoneyError::Exponent(_))));
        assert!(matches!(eur("NaN"), Err(MoneyError::NotANumber(_))));
        assert!(matches!(eur("inf"), Err(MoneyError::NotANumber(_))));
        assert!(matches!(eur("0x10"), Err(MoneyError::Hex(_))));
        assert!(matches!(eur("1_000"), Err(MoneyError::Underscore(_))));
        assert!(matches!(eur("１２３"), Err(MoneyError::NonAsciiDigit(_))));
        assert!(matches!(
            eur("12.345"),
            Err(MoneyError::TooPrecise { exponent: 2, .. })
        ));
        assert!(matches!(eur("1.2.3"), Err(MoneyError::TwoDecimalPoints(_))));
        assert!(matches!(
            eur("99999999999999999999"),
            Err(MoneyError::Overflow(_))
        ));
        assert!(matches!(eur(""), Err(MoneyError::Empty)));
        assert!(matches!(eur("12a"), Err(MoneyError::Unexpected(_, 'a'))));
        let msg = eur("12,3.4").unwrap_err().to_string();
        assert!(msg.contains("'12,3.4'"), "{msg}");
    }

    #[test]
    fn currency_exponents() {
        let jpy = Currency::parse("jpy").unwrap();
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(parse_amount("500", jpy), Ok(500));
        assert!(parse_amount("500.5", jpy).is_err());
        assert_eq!(parse_amount("1.234", kwd), Ok(1234));
        assert_eq!(format_plain(1234, kwd), "1.234");
        assert_eq!(format_plain(500, jpy), "500");
        assert!(Currency::parse("EUT").is_err());
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(eval_amount("12+3.50", Currency::EUR), Ok(1550));
        assert_eq!(eval_amount("3*2.40", Currency::EUR), Ok(720));
        assert_eq!(eval_amount("0.1+0.2", Currency::EUR), Ok(30));
        assert_eq!(eval_amount("(10-2)/4", Currency::EUR), Ok(200));
        assert_eq!(eval_amount("10 / 4", Currency::EUR), Ok(250));
        assert!(matches!(
            eval_amount("10/3", Currency::EUR),
            Err(MoneyError::Inexact(_))
        ));
        assert!(matches!(
            eval_amount("1/0", Currency::EUR),
            Err(MoneyError::DivisionByZero(_))
        ));
        assert!(matches!(
            eval_amount("2-5", Currency::EUR),
            Err(MoneyError::NotPositive(_))
        ));
        assert!(matches!(
            eval_amount("0x10", Currency::EUR),
            Err(MoneyError::Hex(_))
        ));
        assert!(matches!(
            eval_amount("1.111*3", Currency::EUR),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert_eq!(eval_amount("1 234.56", Currency::EUR), Ok(123456));
        assert!(eval_amount("9223372036854775807*10", Currency::EUR).is_err());
    }

    #[test]
    fn a_leading_minus_is_a_refund() {
        let eur = |s: &str| eval_signed_amount(s, Currency::EUR);
        assert_eq!(eur("-12.50"), Ok(-1250));
        assert_eq!(eur(" - 12.50 "), Ok(-1250));
        assert_eq!(eur("-3*2.40"), Ok(-720), "the sign binds to the first term");
        assert_eq!(eur("-5+3"), Ok(-200));
        assert_eq!(eur("-1,000"), Ok(-100000));
        assert_eq!(eur("12.50"), Ok(1250), "no sign: as eval_amount");
        assert!(matches!(eur("-0"), Err(MoneyError::ZeroRefund(_))));
        assert!(matches!(eur("-0.00"), Err(MoneyError::ZeroRefund(_))));
        assert!(matches!(eur("-5+10"), Err(MoneyError::RefundAboveZero(_))));
        assert!(matches!(eur("2-5"), Err(MoneyError::NotPositive(_))));
        assert!(matches!(eur("--5"), Err(MoneyError::Unexpected(_, '-'))));
        assert!(matches!(eur("-"), Err(MoneyError::NotANumber(_))));
        assert!(matches!(eur("-1.234"), Err(MoneyError::TooPrecise { .. })));
        assert!(matches!(
            eval_signed_amount("-92233720368547758.08", Currency::EUR),
            Err(MoneyError::Overflow(_))
        ));
        assert_eq!(
            eur("-0").unwrap_err().to_string(),
            "'-0': a refund must be more than zero"
        );
        assert_eq!(
            eur("0").unwrap_err().to_string(),
            "'0': the amount must be positive (a refund starts with '-': -12.50)"
        );
    }

    #[test]
    fn formatting() {
        assert_eq!(format_plain(123456, Currency::EUR), "1234.56");
        assert_eq!(format_plain(-5, Currency::EUR), "-0.05");
        assert_eq!(format_grouped(123456789, Currency::EUR), "1,234,567.89");
        assert_eq!(format_grouped(-100000, Currency::EUR), "-1,000.00");
        assert_eq!(checked_sum([i64::MAX, 1]), None);
        assert_eq!(checked_sum([1, 2]), Some(3));
    }

    #[test]
    fn percent_change_reads_like_the_report() {
        assert_eq!(percent_change(0, 0), "");
        assert_eq!(percent_change(5, 0), "new");
        assert_eq!(percent_change(112, 100), "+12%");
        assert_eq!(percent_change(97, 100), "-3%");
        assert_eq!(percent_change(100, 100), "+0%");
        assert_eq!(
            percent_change(i64::MAX, 1),
            format!("+{}%", (i128::from(i64::MAX) - 1) * 100)
        );
    }
}
