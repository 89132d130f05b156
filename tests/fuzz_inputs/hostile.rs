//! Hostile alphabets and the run length shared by every target.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, FileFailurePersistence};

/// Cases per property when `EXPENSE_FUZZ_CASES` is unset.
const DEFAULT_CASES: u32 = 2000;

/// Cases per property: `EXPENSE_FUZZ_CASES` (CI sets it) or [`DEFAULT_CASES`]. A dedicated
/// variable, not `PROPTEST_CASES`, so the store's slower property tests keep their own counts.
pub fn cases() -> u32 {
    std::env::var("EXPENSE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// The proptest configuration of a property run `1/divisor` as often (at least 16 cases), for
/// the targets whose one case costs a file write and a store lookup.
pub fn config(divisor: u32) -> Config {
    Config {
        cases: (cases() / divisor).max(16),
        max_shrink_iters: 4096,
        // `money.rs` -> `money.proptest-regressions` beside it, as the other property tests.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    }
}

/// Single characters that parsers trip on.
const CHARS: &[char] = &[
    // ASCII digits and the amount grammar's own characters.
    '0', '1', '5', '9', '.', ',', ' ', '+', '-', '*', '/', 'x', '(', ')', 'e', 'E', '_',
    // Control characters, bidi overrides, invisible and odd spaces.
    '\0', '\t', '\n', '\r', '\u{1b}', '\u{7f}', '\u{85}', '\u{a0}', '\u{2009}', '\u{202f}',
    '\u{202e}', '\u{2066}', '\u{200d}', '\u{feff}', '\u{301}',
    // Digits that are not ASCII: Arabic-Indic, Persian, Devanagari, Bengali, Thai, fullwidth,
    // and numerals that are no decimal digit at all.
    '٠', '١', '٢', '۳', '३', '৪', '๕', '０', '１', '２', '²', '½', 'Ⅻ', '①', '〇',
    // Decimal and group separators of other scripts, the multiplication sign.
    '٫', '٬', '×', '·',
    // Currency symbols (four known to the grammar) and quotes of every kind.
    '€', '$', '£', '¥', '₹', '₽', '"', '\'', '`', '“', '”', '«',
    // The grammar's markers and TOML/CSV structure.
    '@', '#', '!', ':', ';', '|', '[', ']', '=', '{', '}', '\\', '%',
    // Letters, including ones that spell inf and nan, and wide ones.
    'a', 'i', 'n', 'f', 'N', 'I', 'F', 'é', 'ß', 'Σ', 'İ', '😀',
];

/// Whole words that parsers trip on.
pub const TOKENS: &[&str] = &[
    "inf",
    "NaN",
    "nan",
    "Infinity",
    "-inf",
    "+inf",
    "€inf",
    "١٢",
    "１２",
    "１２.５０",
    "۱۲۳",
    "EUR",
    "usd",
    "JPY",
    "KWD",
    "BHD",
    "XYZ",
    "--",
    "-",
    "0x1F",
    "1e3",
    "1E-2",
    "1_000",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "92233720368547758.07",
    "92233720368547758.08",
    "9223372036854775.807",
    "18446744073709551616",
    "99999999999999999999",
    "170141183460469231731687303715884105727",
    "0.000000000000000000001",
    "1,234.56",
    "1 234,56",
    "1.234,56",
    "12,5",
    "0",
    "00",
    "0.00",
    "today",
    "yesterday",
    "mon",
    "Sunday",
    "-2",
    "-99999",
    "2026-11-03",
    "2026-02-30",
    "0000-01-01",
    "9999-12-31",
    "-0001-01-01",
    "11-03",
    "31",
    "32",
    "4294967296",
    "((((",
    "))))",
    "\"\"",
    "''",
    "\r\n",
    "#",
    "@",
    "!",
    "food:groceries",
    "a::b",
];

/// Amount-shaped numbers: plain, with decimals, grouped, and the edges of `i64`.
pub fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        (any::<u64>(), 0usize..24).prop_map(|(n, d)| with_point(&n.to_string(), d)),
        "[0-9]{1,30}(\\.[0-9]{0,30})?",
        "[0-9]{1,3}([, ][0-9]{1,4}){0,7}(\\.[0-9]{1,4})?",
        select(TOKENS)
            .prop_filter("a number", |t| t.starts_with(|c: char| c.is_ascii_digit()))
            .prop_map(String::from),
    ]
}

/// `digits` with a decimal point `d` places from the right (zero-padded on the left).
fn with_point(digits: &str, d: usize) -> String {
    if d == 0 {
        return digits.to_string();
    }
    let padded = format!("{digits:0>width$}", width = d + 1);
    let (int, frac) = padded.split_at(padded.len() - d);
    format!("{int}.{frac}")
}

/// One hostile piece: a character, a token, a number or any character at all.
pub fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        5 => select(CHARS).prop_map(String::from),
        3 => select(TOKENS).prop_map(String::from),
        1 => number(),
        1 => any::<char>().prop_map(String::from),
    ]
}

/// Up to `max` hostile pieces run together.
pub fn text(max: usize) -> impl Strategy<Value = String> {
    vec(piece(), 0..max).prop_map(|p| p.concat())
}

/// A currency code the parser knows (every exponent: 0, 2, 3).
pub fn currency_code() -> impl Strategy<Value = &'static str> {
    select(&["EUR", "USD", "JPY", "KWD", "BHD", "CLP", "GBP", "VND"][..])
}
