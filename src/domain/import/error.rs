//! Why an import setting, a column or a cell was refused. Every `Display` here is the sentence
//! a person reads, naming the column and quoting the cell (shown through `text::shown` /
//! `text::inert`); the CLI prints it as is. Rule: messages change only with their tests.

use super::columns;
use super::{AroundNumber, Col};
use crate::domain::money::{Currency, MoneyError};
use crate::domain::text::{inert, shown};
use crate::domain::validate::FieldError;

/// Why an import setting, a column or a cell was refused; its `Display` is the message a person
/// reads, naming the column and quoting the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// A sign convention other than expense-negative / expense-positive (lower-cased).
    #[error("'{0}' is not a sign convention (use expense-negative or expense-positive)")]
    Sign(String),
    /// An encoding other than utf-8 / windows-1252 (lower-cased).
    #[error("'{0}' is not a supported encoding (use utf-8 or windows-1252/latin1)")]
    Encoding(String),
    /// A date format chrono cannot read.
    #[error("'{0}' is not a valid date format (e.g. %d.%m.%Y)")]
    DateFormatInvalid(String),
    /// A date format without a year, a month or a day.
    #[error("date format '{0}' must hold a year, a month and a day (e.g. %d.%m.%Y)")]
    DateFormatIncomplete(String),
    /// A delimiter that is not one ASCII character.
    #[error("'{}' must be one ASCII character such as ',' ';' '|' or tab", .0.escape_debug())]
    Delimiter(String),
    /// A blank column reference.
    #[error("the column is empty")]
    ColumnEmpty,
    /// Column number 0 (or too large to count).
    #[error("column number '{0}' must be 1 or more")]
    ColumnNumber(String),
    /// A column named by header in a file without one.
    #[error("--{}-col '{name}': the file has no header, so name columns by number", .col.name())]
    ColumnNeedsNumber {
        /// The field.
        col: Col,
        /// The header name as given.
        name: String,
    },
    /// A column named by a header the file does not have.
    #[error("--{}-col '{name}': no such column; the header has {}", .col.name(), columns::list(.header))]
    NoSuchColumn {
        /// The field.
        col: Col,
        /// The header name as given.
        name: String,
        /// The file's header.
        header: Vec<String>,
    },
    /// A column number past the header's end.
    #[error("--{}-col {number}: the header has only {columns} columns", .col.name())]
    ColumnBeyondHeader {
        /// The field.
        col: Col,
        /// The 1-based column number given.
        number: usize,
        /// How many columns the header has.
        columns: usize,
    },
    /// A needed column is not in the header.
    #[error("the file needs {need}; its header has {}", columns::list(.header))]
    MissingColumn {
        /// What is missing.
        need: Needed,
        /// The file's header.
        header: Vec<String>,
    },
    /// A needed column was not given by number for a file without a header.
    #[error("the file has no header, so it needs {0} by number")]
    MissingNumberedColumn(Needed),
    /// The currency cell.
    #[error("currency: {0}")]
    Currency(MoneyError),
    /// A date cell that does not match the given format.
    #[error("date '{}' does not match the format '{format}': {reason}", shown(.text))]
    DateFormat {
        /// The cell.
        text: String,
        /// The format.
        format: String,
        /// What chrono says.
        reason: chrono::format::ParseError,
    },
    /// A date cell that is not `YYYY-MM-DD` (no format given).
    #[error("date '{}' is not YYYY-MM-DD (give another format with --date-format, e.g. %d.%m.%Y)", shown(.0))]
    DateNotIso(String),
    /// A date cell outside the years 1-9999.
    #[error("date '{}' is outside the years 1-9999", shown(.0))]
    DateYears(String),
    /// A kind cell other than expense / income.
    #[error("kind '{}' must be expense or income", inert(.0))]
    Kind(String),
    /// A negative amount while the kind column says income (a refund is a negative expense).
    #[error("amount '{0}' is negative, but the kind is income (a refund is a negative expense)")]
    NegativeWithKind(String),
    /// Debit and credit both non-zero.
    #[error("both debit and credit hold an amount")]
    DebitAndCredit,
    /// Debit and credit both empty.
    #[error("debit and credit are both empty")]
    NoDebitOrCredit,
    /// Debit and credit both zero (or one zero, the other empty).
    #[error("debit and credit are both zero")]
    DebitCreditZero,
    /// An amount, debit or credit cell whose text around the number is not a sign and a
    /// currency symbol.
    #[error("{}", around_message(*.col, .text, .why))]
    AroundAmount {
        /// Amount, debit or credit.
        col: Col,
        /// The cell.
        text: String,
        /// What is wrong around the number.
        why: AroundNumber,
    },
    /// An amount whose symbol names another currency than the row's given one.
    #[error(
        "{} '{}' is in {named}, but the row's currency is {currency} (its currency column or \
         --currency)",
        .col.name(),
        shown(.text)
    )]
    SymbolCurrency {
        /// Amount, debit or credit.
        col: Col,
        /// The cell.
        text: String,
        /// The currency its symbol names.
        named: Currency,
        /// The row's currency.
        currency: Currency,
    },
    /// An amount, debit or credit cell the money parser refuses.
    #[error("{}", amount_message(*.col, .text, .reason, *.decimal_comma_hint))]
    Amount {
        /// Amount, debit or credit.
        col: Col,
        /// The cell.
        text: String,
        /// What the money parser says.
        reason: MoneyError,
        /// The cell looks like `12,50` and `--decimal-comma` was not given.
        decimal_comma_hint: bool,
    },
    /// An amount, debit or credit cell that is zero.
    #[error("{} '{}' is zero", .col.name(), shown(.text))]
    Zero {
        /// Amount, debit or credit.
        col: Col,
        /// The cell.
        text: String,
    },
    /// An id cell that is not an expense id (the id parser's message).
    #[error("{}", inert(.0))]
    Id(String),
    /// A version cell that is not a whole number from 1.
    #[error("version '{}' must be a whole number from 1", inert(.0))]
    Version(String),
    /// A payee, note, category or tags cell.
    #[error(transparent)]
    Field(#[from] FieldError),
}

/// `amount '12,3.4': …`, quoting the cell once: the money parser's reason often quotes it.
fn amount_message(col: Col, text: &str, reason: &MoneyError, hint: bool) -> String {
    let shown = shown(text);
    let hint = if hint {
        " (for amounts like 12,50 use --decimal-comma)"
    } else {
        ""
    };
    let what = col.name();
    let e = reason.to_string();
    // The reason quotes what it parsed; when that is the field as written, once is enough.
    if e.starts_with(&format!("'{shown}'")) {
        format!("{what} {e}{hint}")
    } else {
        format!("{what} '{shown}': {e}{hint}")
    }
}

/// `amount '12 apples': 'apples' is not a currency symbol or code`, and the like.
fn around_message(col: Col, text: &str, why: &AroundNumber) -> String {
    let what = col.name();
    let text = shown(text);
    match why {
        AroundNumber::Signs => format!("{what} '{text}' has more than one sign"),
        AroundNumber::NotASymbol(s) => format!(
            "{what} '{text}': '{}' is not a currency symbol or code",
            shown(s)
        ),
        AroundNumber::TwoSymbols => {
            format!("{what} '{text}' has a currency symbol before and after the number")
        }
    }
}

/// Every problem of one row; `Display` joins them with `; `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", join(.0))]
pub struct RowError(pub Vec<ImportError>);

fn join(errors: &[ImportError]) -> String {
    let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
    all.join("; ")
}

/// The columns a file cannot do without.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Needed {
    /// The date.
    #[error("a date column (--date-col)")]
    Date,
    /// An amount, or debit and credit.
    #[error(
        "an amount column (--amount-col) or debit and credit columns (--debit-col, --credit-col)"
    )]
    Amount,
}

#[cfg(test)]
mod tests {
    use super::super::{
        check_date_format, convert, parse_day, parse_delimiter, Columns, Defaults, ImportSpec,
        Parsed, Sign, TextEncoding,
    };
    use super::*;
    use crate::domain::expense::ExpenseId;
    use crate::domain::money::{parse_amount, Currency};

    fn row(cols: &Columns, spec: &ImportSpec, cells: &str) -> Result<Parsed, String> {
        let defaults = Defaults {
            currency: Currency::EUR,
            category: "uncategorized",
            rules: &[],
        };
        let cells: Vec<&str> = cells.split('|').collect();
        convert(&cells, cols, spec, &defaults).map_err(|e| e.to_string())
    }

    #[test]
    fn setting_and_cell_messages_read_as_before() {
        let msg = |e: ImportError| e.to_string();
        assert_eq!(
            msg(Sign::parse(" Up ").unwrap_err()),
            "'up' is not a sign convention (use expense-negative or expense-positive)"
        );
        assert_eq!(
            msg(TextEncoding::parse("ebcdic").unwrap_err()),
            "'ebcdic' is not a supported encoding (use utf-8 or windows-1252/latin1)"
        );
        assert_eq!(
            msg(check_date_format("%Q").unwrap_err()),
            "'%Q' is not a valid date format (e.g. %d.%m.%Y)"
        );
        assert_eq!(
            msg(check_date_format("%Y").unwrap_err()),
            "date format '%Y' must hold a year, a month and a day (e.g. %d.%m.%Y)"
        );
        assert_eq!(
            msg(parse_delimiter("\n").unwrap_err()),
            "'\\n' must be one ASCII character such as ',' ';' '|' or tab"
        );
        assert_eq!(
            msg(parse_day("1.3.2026", Some("%Y-%m-%d")).unwrap_err()),
            "date '1.3.2026' does not match the format '%Y-%m-%d': input contains invalid characters"
        );
        assert_eq!(
            msg(parse_day("0000-01-01", None).unwrap_err()),
            "date '0000-01-01' is outside the years 1-9999"
        );

        let spec = ImportSpec::default();
        let h: Vec<String> = ["id", "date", "amount", "kind", "version", "note"]
            .map(String::from)
            .to_vec();
        let c = Columns::resolve(Some(&h), &spec).unwrap();
        let id = ExpenseId::generate();
        let e = row(&c, &spec, &format!("{id}|2026-03-01|-2|income|0|")).unwrap_err();
        assert_eq!(
            e,
            "amount '-2' is negative, but the kind is income (a refund is a negative expense); \
             version '0' must be a whole number from 1"
        );
        let e = row(&c, &spec, "x|2026-03-01|2|gift\u{1b}|1|").unwrap_err();
        assert!(
            e.starts_with("kind 'gift^[' must be expense or income; 'x' is not an expense id"),
            "{e}"
        );
        let long = "n".repeat(MAX_NOTE_FOR_TEST + 1);
        let e = row(&c, &spec, &format!("|2026-03-01|2|expense||{long}")).unwrap_err();
        assert_eq!(e, "note is too long (2001 bytes; at most 2000 characters)");
        let e = row(&c, &spec, "|2026-03-01|0|expense||").unwrap_err();
        assert_eq!(e, "amount '0' is zero");
        let h = ["date", "debit", "credit"].map(String::from).to_vec();
        let c = Columns::resolve(Some(&h), &spec).unwrap();
        assert_eq!(
            row(&c, &spec, "2026-03-01|1|2").unwrap_err(),
            "both debit and credit hold an amount"
        );
        assert_eq!(
            row(&c, &spec, "2026-03-01||").unwrap_err(),
            "debit and credit are both empty"
        );
        assert_eq!(
            row(&c, &spec, "2026-03-01|x|").unwrap_err(),
            "debit 'x': unexpected 'x'"
        );
        assert_eq!(
            row(&c, &spec, "2026-03-01|-x|").unwrap_err(),
            "debit '-x': 'x': unexpected 'x'"
        );
        assert_eq!(
            row(&c, &spec, "2026-03-01|1,5|").unwrap_err(),
            format!(
                "debit {} (for amounts like 12,50 use --decimal-comma)",
                parse_amount("1,5", Currency::EUR).unwrap_err()
            )
        );
    }

    const MAX_NOTE_FOR_TEST: usize = crate::domain::validate::MAX_NOTE;
}
