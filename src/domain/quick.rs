//! The one-line entry grammar shared by `expense add WORDS...` and the TUI's quick-entry prompt:
//! `12.50 groceries @Lidl yesterday #weekly "team lunch"`.
//!
//! Words, in any order: an amount (`12.50`, `+2500` for income, `-12.50` for a refund, with a
//! currency code or symbol next to it: `12.50 EUR`, `€12.50`, `USD 3`); a category (as written, or
//! a unique prefix or fuzzy match of a known one; a trailing `!` says it is new); `@payee`;
//! `#tag`; a quoted note; a date (`today`, `yesterday`, a weekday for the most recent one,
//! `2026-11-03`, `11-03`, a day of this month such as `3` after the amount, `-2` for two days
//! ago). Errors name the word they are about; an amount is ASCII digits, so `inf`, `NaN`, `١٢`
//! or `１２` where the amount goes is named as that word's mistake (see `unreadable_amount`),
//! never as a second category.
//!
//! Minus, the rule (`refund_word`): a word `-` + an amount with anything besides digits
//! (`-12.50`, `-1,000`, `-€5`, `-3*2`) is always a refund. A word `-N` of digits only is the
//! refund when the line has no other amount and none was taken yet (`-5 food`), else N days ago
//! (`12 food -2`, `-5 food -2`: a refund of 5 two days ago). `+-5` is refused (an income is
//! never negative), as is `-0`.
//!
//! One classifier (`classify`) says what each word is, for [`parse`] and for [`roles`] (the
//! TUI completes the word under the cursor by its role), so the two never disagree. The words
//! and their places in a typed line are `quick/words.rs`.

use super::expense::{Draft, Kind};
use super::money::{eval_signed_amount, Currency, MoneyError};
use super::validate::{
    parse_category, parse_iso_date, parse_note, parse_payee, parse_tags, FieldError,
};
use chrono::{Datelike, NaiveDate, Weekday};
use std::fmt;

mod words;
pub use words::{from_args, spans, split, Span, Word};

/// What the grammar needs to know besides the words.
pub struct QuickContext<'a> {
    /// Today's date (for relative dates).
    pub today: NaiveDate,
    /// Currency when none is named.
    pub currency: Currency,
    /// Known categories, most used first.
    pub categories: &'a [(String, u64)],
    /// `--new-category`: take the category as written.
    pub allow_new: bool,
}

/// A rejected line: which word (1-based; 0 for the line as a whole) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickError {
    /// 1-based word number, 0 when no single word is at fault.
    pub word: usize,
    /// The word as typed.
    pub text: String,
    /// What is wrong.
    pub reason: QuickReason,
}

/// What is wrong with a quick-entry line or one of its words; its `Display` is the reason a
/// person reads (after `word N 'text': ` when one word is at fault).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuickReason {
    /// A quote is opened and never closed.
    #[error("the closing quote is missing")]
    UnclosedQuote,
    /// A second `@payee`.
    #[error("a second payee (one @payee per expense)")]
    SecondPayee,
    /// `@` alone.
    #[error("the payee after '@' is empty")]
    EmptyPayee,
    /// `#` alone.
    #[error("the tag after '#' is empty")]
    EmptyTag,
    /// A second date word.
    #[error("a second date")]
    SecondDate,
    /// A second, different currency.
    #[error("a second currency")]
    SecondCurrency,
    /// A second amount; holds the word number of the first.
    #[error("a second amount (word {0} is the amount)")]
    SecondAmount(usize),
    /// `+` and `-` on one amount (`+-5`): an income is never negative.
    #[error("an income cannot be negative (a refund is written -12.50, without '+')")]
    NegativeIncome,
    /// A bare number after the amount that is no day of the month.
    #[error("a second amount (only one per expense; a day of the month is 1-31)")]
    NotADay,
    /// A day this month does not have; `month` is any day of the month.
    #[error("{} has no day {day}", .month.format("%B %Y"))]
    NoSuchDay {
        /// A day of the month meant.
        month: NaiveDate,
        /// The day asked for.
        day: u32,
    },
    /// `-N` reaching before the first representable day.
    #[error("out of range")]
    OutOfRange,
    /// A second category word.
    #[error("a second category (word {word} '{category}' is the category; quote a note: \"...\")")]
    SecondCategory {
        /// The word number of the first.
        word: usize,
        /// The first category as written.
        category: String,
    },
    /// The line has no amount.
    #[error("no amount (e.g. expense add 12.50 groceries)")]
    NoAmount,
    /// The line has no category; holds the first known ones for the hint.
    #[error("no category{}", known_hint(.0))]
    NoCategory(Vec<String>),
    /// No known category matches; holds the first known ones for the hint.
    #[error("unknown category{}; end it with '!' (or pass --new-category) to create it", known_hint(.0))]
    UnknownCategory(Vec<String>),
    /// Several known categories match.
    #[error("ambiguous category: {}", .0.join(", "))]
    AmbiguousCategory(Vec<String>),
    /// A field rule (date, payee, category, tags, note).
    #[error(transparent)]
    Field(#[from] FieldError),
    /// The amount or currency, as the money parser words it.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

impl QuickError {
    fn new(word: usize, text: &str, reason: impl Into<QuickReason>) -> QuickError {
        QuickError {
            word,
            text: text.to_string(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for QuickError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = crate::domain::text::shown(&self.text);
        let reason = self.reason.to_string();
        if self.word == 0 {
            f.write_str(&reason)
        } else if reason.starts_with(&format!("'{text}'")) {
            // The reason already quotes the word (amount errors do).
            write!(f, "word {} {reason}", self.word)
        } else {
            write!(f, "word {} '{text}': {reason}", self.word)
        }
    }
}

impl std::error::Error for QuickError {}

const SYMBOLS: [(char, &str); 4] = [('€', "EUR"), ('$', "USD"), ('£', "GBP"), ('¥', "JPY")];

/// Parses the words into a draft, or says which word is wrong.
pub fn parse(words: &[Word], ctx: &QuickContext) -> Result<Draft, QuickError> {
    let mut amount: Option<(usize, String)> = None;
    let mut kind = Kind::Expense;
    let mut currency: Option<(usize, Currency)> = None;
    let mut date: Option<NaiveDate> = None;
    let mut category: Option<(usize, String, bool)> = None;
    let mut payee: Option<String> = None;
    let mut tags: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    let line_has_amount = line_has_amount(words, ctx.today);
    for (i, w) in words.iter().enumerate() {
        let n = i + 1;
        let t = w.text.trim();
        let err = |reason: QuickReason| QuickError::new(n, t, reason);
        match classify(w, ctx.today, line_has_amount) {
            Class::Note => notes.push(w.text.clone()),
            Class::Blank => {}
            Class::Minus(how) => {
                let refund = match how {
                    Refund::Always => true,
                    // Five digits and more are no day count: a second amount, said so below.
                    Refund::UnlessDate => {
                        (!line_has_amount && amount.is_none())
                            || relative_date(t, ctx.today).is_none()
                    }
                };
                if !refund {
                    // Not a refund: `-N` days ago (`relative_date` took it, or it would be one).
                    if let Some(d) = relative_date(t, ctx.today) {
                        take_date(&mut date, d).map_err(err)?;
                    }
                    continue;
                }
                if let Some((first, _)) = &amount {
                    return Err(err(QuickReason::SecondAmount(*first)));
                }
                let (text, _, symbols) = strip_amount(&t[1..]);
                for code in symbols.into_iter().flatten() {
                    let c = Currency::parse(code).map_err(|e| err(e.into()))?;
                    if currency.is_some_and(|(_, prev)| prev != c) {
                        return Err(err(QuickReason::SecondCurrency));
                    }
                    currency = Some((n, c));
                }
                amount = Some((n, format!("-{text}")));
            }
            Class::Payee(p) => {
                if payee.is_some() {
                    return Err(err(QuickReason::SecondPayee));
                }
                if p.trim().is_empty() {
                    return Err(err(QuickReason::EmptyPayee));
                }
                payee = Some(parse_payee(p).map_err(|e| err(e.into()))?);
            }
            Class::Tag(tag) => {
                if tag.trim().is_empty() {
                    return Err(err(QuickReason::EmptyTag));
                }
                tags.push(tag.to_string());
            }
            Class::Date(d) => take_date(&mut date, d).map_err(err)?,
            Class::Currency(c) => {
                if currency.is_some_and(|(_, prev)| prev != c) {
                    return Err(err(QuickReason::SecondCurrency));
                }
                currency = Some((n, c));
            }
            Class::Number => {
                let (text, sign, symbols) = strip_amount(t);
                for code in symbols.into_iter().flatten() {
                    let c = Currency::parse(code).map_err(|e| err(e.into()))?;
                    if currency.is_some_and(|(_, prev)| prev != c) {
                        return Err(err(QuickReason::SecondCurrency));
                    }
                    currency = Some((n, c));
                }
                match &amount {
                    None => {
                        if sign == Some('+') {
                            kind = Kind::Income;
                        }
                        amount = Some((n, text.to_string()));
                    }
                    Some(_) if date.is_none() && sign.is_none() && symbols == [None, None] => {
                        date = Some(day_of_month(text, ctx.today).map_err(err)?);
                    }
                    Some((first, _)) => {
                        return Err(err(QuickReason::SecondAmount(*first)));
                    }
                }
            }
            Class::Unreadable(reason) => return Err(err(reason)),
            Class::Category => {
                let (name, new) = match t.strip_suffix('!') {
                    Some(name) => (name, true),
                    None => (t, false),
                };
                if let Some((first, prev, _)) = &category {
                    return Err(err(QuickReason::SecondCategory {
                        word: *first,
                        category: prev.clone(),
                    }));
                }
                category = Some((n, name.to_string(), new));
            }
        }
    }

    let currency = currency.map_or(ctx.currency, |(_, c)| c);
    let Some((an, amount_text)) = amount else {
        return Err(QuickError::new(0, "", QuickReason::NoAmount));
    };
    let amount = eval_signed_amount(&amount_text, currency)
        .map_err(|e| QuickError::new(an, &words[an - 1].text, e))?;
    let Some((cn, cat_text, new)) = category else {
        return Err(QuickError::new(
            0,
            "",
            QuickReason::NoCategory(first_known(ctx.categories)),
        ));
    };
    let category = resolve_category(&cat_text, new || ctx.allow_new, ctx.categories)
        .map_err(|e| QuickError::new(cn, &words[cn - 1].text, e))?;
    let tags = parse_tags(&tags.join(" ")).map_err(|e| QuickError::new(0, "", e))?;
    let note = parse_note(&notes.join(" ")).map_err(|e| QuickError::new(0, "", e))?;
    Ok(Draft {
        date: date.unwrap_or(ctx.today),
        amount,
        currency,
        category,
        payee: payee.unwrap_or_default(),
        note,
        tags,
        kind,
    })
}

/// What a word is to the grammar, as [`parse`] reads it (see [`roles`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A quoted note.
    Note,
    /// An unquoted empty word (a shell's `''`): nothing.
    Empty,
    /// A number: the amount or a refund, or after the amount a day of the month or `-N` days
    /// ago.
    Number,
    /// A date word: `yesterday`, `fri`, `2026-11-03`, `11-03`.
    Date,
    /// A currency code (`USD`).
    Currency,
    /// `@payee`.
    Payee,
    /// `#tag`.
    Tag,
    /// A word no other rule takes: the category when it is the first such word (a second one
    /// is refused as a second category).
    Category,
    /// An amount the grammar cannot read (`١٢`, `+-5`, `inf` on a line with no amount).
    Unreadable,
}

/// The role of each word, by the rules [`parse`] follows (the same code decides), whether or
/// not the line parses: the TUI completes the word under the cursor by its role.
pub fn roles(words: &[Word], today: NaiveDate) -> Vec<Role> {
    let has_amount = line_has_amount(words, today);
    words
        .iter()
        .map(|w| match classify(w, today, has_amount) {
            Class::Note => Role::Note,
            Class::Blank => Role::Empty,
            Class::Minus(_) | Class::Number => Role::Number,
            Class::Date(_) => Role::Date,
            Class::Currency(_) => Role::Currency,
            Class::Payee(_) => Role::Payee,
            Class::Tag(_) => Role::Tag,
            Class::Category => Role::Category,
            Class::Unreadable(_) => Role::Unreadable,
        })
        .collect()
}

/// A word as the grammar first sees it, before what came earlier on the line decides
/// between amount and date for a `-N` or a second number.
enum Class<'w> {
    Note,
    Blank,
    /// `-` and an amount: a refund, or (`-N`) maybe days ago.
    Minus(Refund),
    /// The text after `@`.
    Payee(&'w str),
    /// The text after `#`.
    Tag(&'w str),
    Date(Result<NaiveDate, QuickReason>),
    Currency(Currency),
    /// An amount, or after the amount a day of the month.
    Number,
    Unreadable(QuickReason),
    Category,
}

/// Whether some word of the line is surely an amount: `inf` and `nan` are amounts gone wrong
/// when no other word is an amount, else categories; a `-N` word is a refund only when no
/// other word is an amount.
fn line_has_amount(words: &[Word], today: NaiveDate) -> bool {
    words.iter().any(|w| {
        let t = w.text.trim();
        !w.quoted
            && (refund_word(t) == Some(Refund::Always)
                || (relative_date(t, today).is_none() && looks_numeric(t)))
    })
}

/// The class of one word; the order of the tests is the grammar's precedence.
fn classify(w: &Word, today: NaiveDate, line_has_amount: bool) -> Class<'_> {
    let t = w.text.trim();
    if w.quoted {
        return Class::Note;
    }
    if t.is_empty() {
        return Class::Blank;
    }
    if let Some(how) = refund_word(t) {
        return Class::Minus(how);
    }
    if let Some(p) = t.strip_prefix('@') {
        return Class::Payee(p);
    }
    if let Some(tag) = t.strip_prefix('#') {
        return Class::Tag(tag);
    }
    if let Some(d) = relative_date(t, today) {
        return Class::Date(d);
    }
    let code = t.len() == 3 && t.chars().all(|c| c.is_ascii_alphabetic());
    if let Some(c) = code.then(|| Currency::parse(t).ok()).flatten() {
        return Class::Currency(c);
    }
    if looks_numeric(t) {
        return Class::Number;
    }
    match unreadable_amount(t, line_has_amount) {
        Some(reason) => Class::Unreadable(reason),
        None => Class::Category,
    }
}

/// The line's date, unless it has one already.
fn take_date(
    date: &mut Option<NaiveDate>,
    d: Result<NaiveDate, QuickReason>,
) -> Result<(), QuickReason> {
    if date.is_some() {
        return Err(QuickReason::SecondDate);
    }
    *date = Some(d?);
    Ok(())
}

/// `today`, `yesterday`, weekdays, `-N`, `YYYY-MM-DD`, `MM-DD`; `None` when `t` is no date word.
fn relative_date(t: &str, today: NaiveDate) -> Option<Result<NaiveDate, QuickReason>> {
    let lower = t.to_ascii_lowercase();
    match lower.as_str() {
        "today" => return Some(Ok(today)),
        "yesterday" => return Some(today.pred_opt().ok_or(FieldError::DateOutOfRange.into())),
        _ => {}
    }
    if let Some(wd) = weekday(&lower) {
        let back = (7 + today.weekday().num_days_from_monday() - wd.num_days_from_monday()) % 7;
        // Checked: `today - days` panics before the first representable day.
        return Some(
            today
                .checked_sub_days(chrono::Days::new(u64::from(back)))
                .ok_or(QuickReason::OutOfRange),
        );
    }
    if let Some(days) = lower.strip_prefix('-') {
        if !days.is_empty() && days.len() <= 4 && days.bytes().all(|b| b.is_ascii_digit()) {
            let n: u64 = days.parse().unwrap_or(0);
            return Some(
                today
                    .checked_sub_days(chrono::Days::new(n))
                    .ok_or(QuickReason::OutOfRange),
            );
        }
    }
    let b = t.as_bytes();
    // Anything shaped like a year and a dash is a date, checked strictly (`2023-2-3` is refused).
    if b.len() > 5 && b[4] == b'-' && b[..4].iter().all(u8::is_ascii_digit) {
        return Some(parse_iso_date(t).map_err(QuickReason::from));
    }
    if b.len() == 5
        && b[2] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 2 || c.is_ascii_digit())
    {
        return Some(
            parse_iso_date(&format!("{:04}-{t}", today.year())).map_err(QuickReason::from),
        );
    }
    None
}

fn weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tues" | "tuesday" => Weekday::Tue,
        "wed" | "wednesday" => Weekday::Wed,
        "thu" | "thur" | "thurs" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => return None,
    })
}

/// A day of this month, for a bare number after the amount.
fn day_of_month(t: &str, today: NaiveDate) -> Result<NaiveDate, QuickReason> {
    let day: u32 = t.parse().map_err(|_| QuickReason::NotADay)?;
    NaiveDate::from_ymd_opt(today.year(), today.month(), day)
        .ok_or(QuickReason::NoSuchDay { month: today, day })
}

/// Digits with optional sign, currency symbol and the amount characters (`+€1,234.50`, `3*2.40`).
fn looks_numeric(t: &str) -> bool {
    let (core, _, _) = strip_amount(t);
    core.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '(')
        && core.chars().any(|c| c.is_ascii_digit())
}

/// When a word starting with `-` is a refund (see the module doc); `None` when it is no amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refund {
    /// `-12.50`, `-€5`, `-1,000`: never a date.
    Always,
    /// `-5`: a refund when the line has no other amount, else five days ago.
    UnlessDate,
}

/// Whether `t` is `-` followed by an amount, and of which sort.
fn refund_word(t: &str) -> Option<Refund> {
    let rest = t.strip_prefix('-')?;
    if rest.starts_with(['+', '-']) || !looks_numeric(rest) {
        return None;
    }
    Some(if rest.bytes().all(|b| b.is_ascii_digit()) {
        Refund::UnlessDate
    } else {
        Refund::Always
    })
}

/// Why a word that no other rule took, and that would become the category, is an amount the
/// grammar cannot read: digits of another script (`١٢`, `１２`), a minus after a plus (`+-5`),
/// or `inf`/`nan` on a line with no amount. Each names the word instead of the misleading "a second
/// category" that the next word would get. Digits of other scripts are refused, not converted:
/// std knows no digit values beyond ASCII, and every other reader of amounts (the form, import,
/// config) reads ASCII digits only, so the one rule holds everywhere.
fn unreadable_amount(t: &str, line_has_amount: bool) -> Option<QuickReason> {
    let (minus, rest) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (core, _, _) = strip_amount(rest);
    let lower = core.to_lowercase();
    if !line_has_amount && matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        return Some(MoneyError::NotANumber(t.to_string()).into());
    }
    if core.starts_with(|c: char| c.is_numeric() && !c.is_ascii_digit()) {
        return Some(MoneyError::NonAsciiDigit(t.to_string()).into());
    }
    if !minus && t.starts_with("+-") && looks_numeric(&t[2..]) {
        return Some(QuickReason::NegativeIncome);
    }
    None
}

/// Splits `+€12.50` into (`12.50`, Some('+'), [Some("EUR"), None]): the sign, then a symbol
/// before the digits and one after them (`$12€` has two, a second currency).
fn strip_amount(t: &str) -> (&str, Option<char>, [Option<&'static str>; 2]) {
    let (sign, mut core) = match t.strip_prefix('+') {
        Some(rest) => (Some('+'), rest),
        None => (None, t),
    };
    let mut codes = [None, None];
    if let Some((rest, code)) = SYMBOLS
        .iter()
        .find_map(|(sym, code)| Some((core.strip_prefix(*sym)?, *code)))
    {
        core = rest;
        codes[0] = Some(code);
    }
    if let Some((rest, code)) = SYMBOLS
        .iter()
        .find_map(|(sym, code)| Some((core.strip_suffix(*sym)?, *code)))
    {
        core = rest;
        codes[1] = Some(code);
    }
    (core, sign, codes)
}

/// The first eight known categories, for [`known_hint`].
fn first_known(known: &[(String, u64)]) -> Vec<String> {
    known.iter().take(8).map(|(n, _)| n.clone()).collect()
}

fn known_hint(names: &[String]) -> String {
    if names.is_empty() {
        " (write one, e.g. food:groceries)".into()
    } else {
        format!(" (known: {})", names.join(", "))
    }
}

/// The category as written when known (or a parent of known ones) or marked new; else a unique
/// prefix or fuzzy match of a known one; else an error listing the candidates.
pub fn resolve_category(
    text: &str,
    new: bool,
    known: &[(String, u64)],
) -> Result<String, QuickReason> {
    let written = parse_category(text)?;
    let lower = written.to_lowercase();
    let is_known = |c: &str| {
        let c = c.to_lowercase();
        c == lower || c.starts_with(&format!("{lower}:"))
    };
    if new || known.iter().any(|(c, _)| is_known(c)) {
        // Keep the stored spelling of an exact match.
        return Ok(known
            .iter()
            .find(|(c, _)| c.to_lowercase() == lower)
            .map_or(written, |(c, _)| c.clone()));
    }
    // A prefix of the whole path or of any of its parts: `groc` -> `food:groceries`.
    let prefixed: Vec<&str> = known
        .iter()
        .map(|(c, _)| c.as_str())
        .filter(|c| {
            let c = c.to_lowercase();
            c.starts_with(&lower) || c.split(':').any(|part| part.starts_with(&lower))
        })
        .collect();
    let candidates: Vec<String> = match prefixed.len() {
        1 => return Ok(prefixed[0].to_string()),
        0 => super::fuzzy::rank(&written, known.iter().map(|(c, _)| c.as_str()), 6),
        _ => prefixed.iter().take(6).map(|s| s.to_string()).collect(),
    };
    match candidates.len() {
        1 => Ok(candidates[0].clone()),
        0 => Err(QuickReason::UnknownCategory(first_known(known))),
        _ => Err(QuickReason::AmbiguousCategory(candidates)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    fn line(s: &str) -> String {
        let known = [("food:groceries".to_string(), 3), ("fun".to_string(), 1)];
        let ctx = QuickContext {
            today: today(),
            currency: Currency::EUR,
            categories: &known,
            allow_new: false,
        };
        match split(s) {
            Ok(words) => parse(&words, &ctx).unwrap_err().to_string(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn reasons_read_word_for_word() {
        let cases = [
            (
                "12 groceries \"x",
                "word 3 'x': the closing quote is missing",
            ),
            (
                "12 groceries @A @B",
                "word 4 '@B': a second payee (one @payee per expense)",
            ),
            ("12 groceries @", "word 3 '@': the payee after '@' is empty"),
            ("12 groceries #", "word 3 '#': the tag after '#' is empty"),
            ("12 groceries today -1", "word 4 '-1': a second date"),
            ("12 EUR USD groceries", "word 3 'USD': a second currency"),
            (
                "12 groceries 3 4",
                "word 4 '4': a second amount (word 1 is the amount)",
            ),
            (
                "12 groceries 1.5",
                "word 3 '1.5': a second amount (only one per expense; a day of the month is 1-31)",
            ),
            (
                "12 groceries 31",
                "word 3 '31': November 2026 has no day 31",
            ),
            (
                "12 groceries fun",
                "word 3 'fun': a second category (word 2 'groceries' is the category; \
                 quote a note: \"...\")",
            ),
            ("groceries", "no amount (e.g. expense add 12.50 groceries)"),
            ("12", "no category (known: food:groceries, fun)"),
            (
                "12 xyzzy",
                "word 2 'xyzzy': unknown category (known: food:groceries, fun); end it with '!' \
                 (or pass --new-category) to create it",
            ),
            (
                "12 f",
                "word 2 'f': ambiguous category: food:groceries, fun",
            ),
            (
                "12 groceries 2023-02-30",
                "word 3 '2023-02-30': date '2023-02-30' does not exist",
            ),
            (
                "12,3.4 groceries",
                "word 1 '12,3.4': digit groups after ',' or ' ' must have exactly three digits",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(line(input), want, "{input}");
        }
        assert_eq!(QuickReason::OutOfRange.to_string(), "out of range");
        assert_eq!(
            QuickReason::NoCategory(Vec::new()).to_string(),
            "no category (write one, e.g. food:groceries)"
        );
        assert_eq!(
            resolve_category("a::b", false, &[])
                .unwrap_err()
                .to_string(),
            "category 'a::b' has an empty part between ':'"
        );
    }

    /// Whether a store with no categories takes new ones without asking is the caller's call
    /// (`expense add` does; a TUI whose names are not loaded yet must not): `new` says it.
    #[test]
    fn an_unknown_category_needs_new_even_with_nothing_known() {
        assert!(resolve_category("groceries", false, &[]).is_err());
        assert_eq!(
            resolve_category("groceries", true, &[]).unwrap(),
            "groceries"
        );
        let known = [("food:groceries".to_string(), 1)];
        assert_eq!(
            resolve_category("groc", false, &known).unwrap(),
            "food:groceries"
        );
        assert!(matches!(
            resolve_category("xyzzy", false, &known),
            Err(QuickReason::UnknownCategory(_))
        ));
    }

    #[test]
    fn a_shell_word_starting_with_at_is_a_payee_even_with_spaces() {
        let args: Vec<String> = ["12", "@Cafe Central", "team lunch"]
            .map(String::from)
            .to_vec();
        let words = from_args(&args);
        assert!(!words[1].quoted, "a payee");
        assert!(words[2].quoted, "a note");
    }
}
