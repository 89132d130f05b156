//! How to read a file: the import settings ([`ImportSpec`], [`Sign`], [`TextEncoding`]) and
//! the checks of their text forms (date format, delimiter), shared by config profiles and
//! `expense import` flags. Pure; every refusal is an [`ImportError`].

use super::{Col, ColumnRef, ImportError};
use crate::domain::money::Currency;
use chrono::NaiveDate;

/// Which sign a single amount column gives spending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sign {
    /// `-12.50` is spending, `12.50` income (bank statements).
    #[default]
    ExpenseNegative,
    /// `12.50` is spending, `-12.50` income (a list of expenses, card statements).
    ExpensePositive,
}

impl Sign {
    /// Parses `expense-negative` / `expense-positive` (also `negative` / `positive`).
    pub fn parse(s: &str) -> Result<Sign, ImportError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "expense-negative" | "negative" => Ok(Sign::ExpenseNegative),
            "expense-positive" | "positive" => Ok(Sign::ExpensePositive),
            other => Err(ImportError::Sign(other.to_string())),
        }
    }
}

/// The text encoding of a file. A UTF-8 byte order mark is always skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextEncoding {
    /// UTF-8; an invalid byte makes its row bad.
    #[default]
    Utf8,
    /// Windows-1252, the superset of Latin-1 that Western European banks write.
    Windows1252,
}

impl TextEncoding {
    /// Parses `utf-8`, or `latin1` / `iso-8859-1` / `windows-1252` / `cp1252`.
    pub fn parse(s: &str) -> Result<TextEncoding, ImportError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(TextEncoding::Utf8),
            "latin1" | "latin-1" | "iso-8859-1" | "windows-1252" | "cp1252" => {
                Ok(TextEncoding::Windows1252)
            }
            other => Err(ImportError::Encoding(other.to_string())),
        }
    }
}

/// How to read a file: explicit columns (the rest mapped by header), date format, sign
/// convention, decimal comma, delimiter, encoding, default currency. Built from a config profile
/// and `expense import` flags (flags win).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportSpec {
    /// Explicit columns by field.
    pub columns: Vec<(Col, ColumnRef)>,
    /// A chrono format such as `%d.%m.%Y`; `None`: `YYYY-MM-DD` (a time after it is ignored).
    pub date_format: Option<String>,
    /// Sign convention of a single amount column.
    pub sign: Sign,
    /// The convention was given (a flag or a profile), not left to its default: the import
    /// then takes it as it is and does not check it against the rows (`domain::import::sign`).
    pub sign_given: bool,
    /// Amounts are written `1.234,56`.
    pub decimal_comma: bool,
    /// Field delimiter; `None`: guessed from the first line (`,` `;` tab or `|`).
    pub delimiter: Option<u8>,
    /// Text encoding.
    pub encoding: TextEncoding,
    /// Currency of rows that name none; `None`: the configured currency.
    pub currency: Option<Currency>,
    /// The file has no header row (columns must then be given by number).
    pub no_header: bool,
}

impl ImportSpec {
    /// Sets or replaces the explicit column of `col`.
    pub fn set_column(&mut self, col: Col, r: ColumnRef) {
        self.columns.retain(|(c, _)| *c != col);
        self.columns.push((col, r));
    }
}

/// Checks a chrono date format: it must parse as a format and hold a year, month and day (or a
/// Unix timestamp, `%s`). Time fields (`%H:%M:%S`, `%T`, `%z`) are allowed: their date is taken.
pub fn check_date_format(fmt: &str) -> Result<(), ImportError> {
    use chrono::format::{Item, StrftimeItems};
    use std::fmt::Write;
    if StrftimeItems::new(fmt).any(|i| matches!(i, Item::Error)) {
        return Err(ImportError::DateFormatInvalid(fmt.to_string()));
    }
    // A full date-time with an offset, so every field the format may print is known; formatting
    // through `write!` turns a field chrono cannot print into an error instead of a panic.
    let sample = NaiveDate::from_ymd_opt(2031, 12, 29)
        .and_then(|d| d.and_hms_opt(13, 14, 15))
        .and_then(|t| {
            chrono::FixedOffset::east_opt(3600).and_then(|o| t.and_local_timezone(o).single())
        });
    let Some(sample) = sample else {
        return Err(ImportError::DateFormatIncomplete(fmt.to_string()));
    };
    let mut text = String::new();
    if write!(text, "{}", sample.format(fmt)).is_err() {
        return Err(ImportError::DateFormatInvalid(fmt.to_string()));
    }
    match parse_date(&text, fmt) {
        Ok(d) if d == sample.date_naive() => Ok(()),
        _ => Err(ImportError::DateFormatIncomplete(fmt.to_string())),
    }
}

/// The day `s` names in the chrono format `fmt`. A format with time fields gives the date part
/// (the local date when an offset is given; the UTC date of a bare `%s` timestamp). Never panics.
pub fn parse_date(s: &str, fmt: &str) -> Result<NaiveDate, chrono::format::ParseError> {
    use chrono::format::{parse, Parsed, StrftimeItems};
    let mut parsed = Parsed::new();
    parse(&mut parsed, s, StrftimeItems::new(fmt))?;
    parsed
        .to_naive_date()
        .or_else(|e| {
            parsed
                .to_datetime()
                .map(|d| d.naive_local().date())
                .map_err(|_| e)
        })
        .or_else(|e| {
            parsed
                .to_naive_datetime_with_offset(0)
                .map(|d| d.date())
                .map_err(|_| e)
        })
}

/// A field delimiter: one ASCII character, or `tab` / `\t`.
pub fn parse_delimiter(s: &str) -> std::result::Result<u8, ImportError> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" && s != "\r" => {
            Ok(s.as_bytes()[0])
        }
        _ => Err(ImportError::Delimiter(s.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_formats_are_checked() {
        assert!(check_date_format("%d.%m.%Y").is_ok());
        assert!(check_date_format("%Y").is_err());
        assert!(check_date_format("%Q").is_err());
    }

    #[test]
    fn date_formats_with_times_give_the_date() {
        for (fmt, text) in [
            ("%Y-%m-%d %H:%M:%S", "2026-03-01 23:59:58"),
            ("%Y-%m-%d %T", "2026-03-01 23:59:58"),
            ("%Y-%m-%dT%H:%M:%S%z", "2026-03-01T23:59:58+0100"),
            ("%d.%m.%Y %H:%M", "01.03.2026 07:05"),
            ("%s", "1772323200"),
        ] {
            assert!(check_date_format(fmt).is_ok(), "{fmt}");
            assert_eq!(
                parse_date(text, fmt).ok(),
                NaiveDate::from_ymd_opt(2026, 3, 1),
                "{fmt} {text}"
            );
        }
        assert!(check_date_format("%H:%M:%S").is_err());
        assert!(check_date_format("%z").is_err());
        assert!(check_date_format("%T").is_err());
    }

    proptest::proptest! {
        /// No format string and no cell make the date checks panic.
        #[test]
        fn no_format_or_cell_panics(
            fmt in "(%[-_0#^]?[0-9]?[:.]?[a-zA-Z%+.:#0-9]|[-/ .T:a-z0-9])*",
            cell in "[-+ 0-9:./TZa-zA-Z]{0,30}",
        ) {
            let _ = check_date_format(&fmt);
            let _ = parse_date(&cell, &fmt);
            let _ = parse_date(&cell, "%Y-%m-%d %H:%M:%S%z");
        }

        /// Arbitrary text as a format or a cell never panics either.
        #[test]
        fn arbitrary_text_never_panics(fmt in "\\PC{0,20}", cell in "\\PC{0,20}") {
            let _ = check_date_format(&fmt);
            let _ = parse_date(&cell, &fmt);
        }
    }
}
