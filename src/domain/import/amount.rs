//! An amount cell taken apart: its sign, the number as written, and the currency symbol or code
//! around it, in any script (`$-12.50`, `-12,50 €`, `د.ا.4.750`, `CHF 12.50`, `₹1,234`). Pure.
//!
//! The number is the span from the first ASCII digit to the last one (a `.` or `,` just before
//! the first digit belongs to it, `$.50`, unless a letter comes before it: `Rs.50` and `د.ا.4.750`
//! end their symbol with a dot). What comes before and after may hold one sign (`-`, `+` or
//! U+2212), spaces (also no-break and thin spaces), the bidi marks right-to-left text carries,
//! and one currency symbol or code. The number itself goes through the exact money parser, so
//! a symbol never turns a cell into a float or loosens the number's syntax.
//!
//! What a symbol says ([`symbol_currency`]): a code or symbol that names one currency (`€`,
//! `£`, `₹`, `د.ا`, `zł`, `USD`) gives it; a symbol several currencies write (`$`, `¥`, `kr`,
//! `﷼`, or any character of Unicode's currency-symbol block not listed) names none; anything
//! else is not a currency symbol and the cell is refused.

use crate::domain::money::Currency;

/// An amount cell taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountText {
    /// A `-` (or U+2212) was written.
    pub neg: bool,
    /// The number as written, no-break and thin spaces made plain spaces.
    pub number: String,
    /// The symbol or code around it, as written (`None`: none).
    pub symbol: Option<String>,
}

/// Why the text around a number is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AroundNumber {
    /// More than one sign.
    Signs,
    /// Text that is not a currency symbol or code (as written).
    NotASymbol(String),
    /// A symbol before the number and another after it.
    TwoSymbols,
}

/// What a currency symbol or code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbol {
    /// It names this currency.
    Names(Currency),
    /// Several currencies write it.
    Ambiguous,
}

/// Takes `cell` apart (see the module doc). A cell without any ASCII digit is handed back whole
/// as the number (after its sign), so the money parser says what is wrong with it.
pub fn split_amount(cell: &str) -> Result<AmountText, AroundNumber> {
    let t = cell.trim();
    let Some(first) = t.find(|c: char| c.is_ascii_digit()) else {
        let (neg, rest) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        return Ok(AmountText {
            neg,
            number: rest.to_string(),
            symbol: None,
        });
    };
    let last = t.rfind(|c: char| c.is_ascii_digit()).unwrap_or(first) + 1;
    // A separator right before the first digit is the number's (`$.50`), unless a letter comes
    // before it (`Rs.50`, `د.ا.4.750`: the dot ends the symbol).
    let mut start = first;
    if let Some(sep) = t[..first]
        .chars()
        .next_back()
        .filter(|c| matches!(c, '.' | ','))
    {
        let before = t[..first - sep.len_utf8()].chars().next_back();
        if !before.is_some_and(char::is_alphabetic) {
            start = first - sep.len_utf8();
        }
    }
    let number: String = t[start..last]
        .chars()
        .map(|c| match c {
            '\u{00A0}' | '\u{202F}' | '\u{2009}' => ' ',
            c => c,
        })
        .collect();
    let (neg_before, before) = around(&t[..start])?;
    let (neg_after, after) = around(&t[last..])?;
    if neg_before.is_some() && neg_after.is_some() {
        return Err(AroundNumber::Signs);
    }
    let symbol = match (before, after) {
        (Some(_), Some(_)) => return Err(AroundNumber::TwoSymbols),
        (s, None) | (None, s) => s,
    };
    if let Some(s) = &symbol {
        if symbol_currency(s).is_none() {
            return Err(AroundNumber::NotASymbol(s.clone()));
        }
    }
    Ok(AmountText {
        neg: neg_before.or(neg_after) == Some(true),
        number,
        symbol,
    })
}

/// The sign (`Some(true)` for a minus) and the symbol in the text on one side of the number.
fn around(s: &str) -> Result<(Option<bool>, Option<String>), AroundNumber> {
    let mut sign = None;
    let mut symbol = String::new();
    for c in s.chars() {
        match c {
            '-' | '\u{2212}' | '+' => {
                if sign.is_some() {
                    return Err(AroundNumber::Signs);
                }
                sign = Some(c != '+');
            }
            c if c.is_whitespace() || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}') => {}
            c => symbol.push(c),
        }
    }
    Ok((sign, (!symbol.is_empty()).then_some(symbol)))
}

/// Symbols (folded: lower case, no dot at either end) that name one currency. ISO codes are
/// not listed: any code `Currency::parse` knows names itself.
const SYMBOLS: &[(&str, &str)] = &[
    ("€", "EUR"),
    ("£", "GBP"),
    ("us$", "USD"),
    ("円", "JPY"),
    ("jp¥", "JPY"),
    ("元", "CNY"),
    ("cn¥", "CNY"),
    ("rmb", "CNY"),
    ("₹", "INR"),
    ("₽", "RUB"),
    ("руб", "RUB"),
    ("₪", "ILS"),
    ("₩", "KRW"),
    ("₺", "TRY"),
    ("tl", "TRY"),
    ("₴", "UAH"),
    ("грн", "UAH"),
    ("₱", "PHP"),
    ("₫", "VND"),
    ("₦", "NGN"),
    ("฿", "THB"),
    ("zł", "PLN"),
    ("kč", "CZK"),
    ("ft", "HUF"),
    ("lei", "RON"),
    ("лв", "BGN"),
    ("дин", "RSD"),
    ("din", "RSD"),
    ("r$", "BRL"),
    ("r", "ZAR"),
    ("c$", "CAD"),
    ("ca$", "CAD"),
    ("a$", "AUD"),
    ("au$", "AUD"),
    ("nz$", "NZD"),
    ("hk$", "HKD"),
    ("s$", "SGD"),
    ("nt$", "TWD"),
    ("mx$", "MXN"),
    ("fr", "CHF"),
    ("sfr", "CHF"),
    ("rm", "MYR"),
    ("rp", "IDR"),
    ("ksh", "KES"),
    ("ush", "UGX"),
    ("e£", "EGP"),
    ("ج.م", "EGP"),
    ("د.إ", "AED"),
    ("ر.س", "SAR"),
    ("ر.ق", "QAR"),
    ("ر.ع", "OMR"),
    ("د.ا", "JOD"),
    ("jd", "JOD"),
    ("د.ك", "KWD"),
    ("kd", "KWD"),
    ("د.ب", "BHD"),
    ("bd", "BHD"),
    ("ع.د", "IQD"),
    ("ل.د", "LYD"),
    ("ld", "LYD"),
    ("د.ت", "TND"),
    ("dt", "TND"),
    ("د.م", "MAD"),
    ("dh", "MAD"),
];

/// Symbols several currencies write (folded as in [`SYMBOLS`]).
const AMBIGUOUS: &[&str] = &["$", "¥", "￥", "kr", "rs", "₨", "﷼", "cfa", "fcfa", "＄"];

/// What the symbol or code `s` says (see the module doc); `None` when it is not one.
pub fn symbol_currency(s: &str) -> Option<Symbol> {
    let folded = s.trim_matches('.').to_lowercase();
    if let Some((_, code)) = SYMBOLS.iter().find(|(sym, _)| *sym == folded) {
        return Currency::parse(code).ok().map(Symbol::Names);
    }
    if folded.len() == 3 && folded.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Currency::parse(&folded).ok().map(Symbol::Names);
    }
    if AMBIGUOUS.contains(&folded.as_str()) || folded.chars().all(is_currency_sign) {
        return Some(Symbol::Ambiguous);
    }
    None
}

/// Characters Unicode gives the general category Sc (currency symbol).
fn is_currency_sign(c: char) -> bool {
    matches!(c,
        '$' | '\u{A2}'..='\u{A5}' | '\u{58F}' | '\u{60B}' | '\u{7FE}' | '\u{7FF}'
        | '\u{9F2}' | '\u{9F3}' | '\u{9FB}' | '\u{AF1}' | '\u{BF9}' | '\u{E3F}' | '\u{17DB}'
        | '\u{20A0}'..='\u{20C0}' | '\u{A838}' | '\u{FDFC}' | '\u{FE69}' | '\u{FF04}'
        | '\u{FFE0}' | '\u{FFE1}' | '\u{FFE5}' | '\u{FFE6}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> (bool, String, Option<String>) {
        let a = split_amount(s).unwrap();
        (a.neg, a.number, a.symbol)
    }

    fn names(s: &str) -> Option<String> {
        match symbol_currency(s) {
            Some(Symbol::Names(c)) => Some(c.code().to_string()),
            _ => None,
        }
    }

    #[test]
    fn symbols_of_any_script_on_either_side_with_the_sign_anywhere() {
        let sym = |s: &str| Some(s.to_string());
        assert_eq!(split("12.50"), (false, "12.50".into(), None));
        assert_eq!(split("-$12.50"), (true, "12.50".into(), sym("$")));
        assert_eq!(split("$-12.50"), (true, "12.50".into(), sym("$")));
        assert_eq!(split("12,50 €"), (false, "12,50".into(), sym("€")));
        assert_eq!(
            split("-1\u{202F}234,50\u{A0}€"),
            (true, "1 234,50".into(), sym("€"))
        );
        assert_eq!(split("د.ا.4.750"), (false, "4.750".into(), sym("د.ا.")));
        assert_eq!(
            split("\u{200F}-د.ا.\u{200F}4.750"),
            (true, "4.750".into(), sym("د.ا."))
        );
        assert_eq!(split("4.750 د.ك"), (false, "4.750".into(), sym("د.ك")));
        assert_eq!(split("$.50"), (false, ".50".into(), sym("$")));
        assert_eq!(split("Rs.50"), (false, "50".into(), sym("Rs.")));
        assert_eq!(split("CHF 12.50"), (false, "12.50".into(), sym("CHF")));
        assert_eq!(split("12.50-"), (true, "12.50".into(), None));
        assert_eq!(split("\u{2212}3"), (true, "3".into(), None));
        // No digit: the money parser says what is wrong.
        assert_eq!(split("-x"), (true, "x".into(), None));
        // Inside the number nothing changes: the money parser judges `1e5` and `12abc3`.
        assert_eq!(split("1e5").1, "1e5");
        assert_eq!(split("12abc3").1, "12abc3");
    }

    #[test]
    fn what_is_not_a_symbol_is_refused() {
        assert_eq!(
            split_amount("12 apples"),
            Err(AroundNumber::NotASymbol("apples".into()))
        );
        assert_eq!(split_amount("--12"), Err(AroundNumber::Signs));
        assert_eq!(split_amount("-12-"), Err(AroundNumber::Signs));
        assert_eq!(split_amount("$12 €"), Err(AroundNumber::TwoSymbols));
    }

    #[test]
    fn symbols_name_a_currency_or_none() {
        assert_eq!(names("€").as_deref(), Some("EUR"));
        assert_eq!(names("د.ا.").as_deref(), Some("JOD"));
        assert_eq!(names("usd").as_deref(), Some("USD"));
        assert_eq!(names("Zł").as_deref(), Some("PLN"));
        assert_eq!(names("KD").as_deref(), Some("KWD"));
        for s in ["$", "¥", "kr", "kr.", "₿", "₠"] {
            assert_eq!(symbol_currency(s), Some(Symbol::Ambiguous), "{s}");
        }
        for s in ["abc", "xyz", "euros", "#"] {
            assert_eq!(symbol_currency(s), None, "{s}");
        }
    }
}
