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

/// Checks a chrono date format: it must parse as a format and hold a year, month and day.
pub fn check_date_format(fmt: &str) -> Result<(), ImportError> {
    use chrono::format::{Item, StrftimeItems};
    if StrftimeItems::new(fmt).any(|i| matches!(i, Item::Error)) {
        return Err(ImportError::DateFormatInvalid(fmt.to_string()));
    }
    let sample = NaiveDate::from_ymd_opt(2031, 12, 29).unwrap_or_default();
    let text = sample.format(fmt).to_string();
    match NaiveDate::parse_from_str(&text, fmt) {
        Ok(d) if d == sample => Ok(()),
        _ => Err(ImportError::DateFormatIncomplete(fmt.to_string())),
    }
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
}
