//! The expense item: what is stored, listed and edited.

use super::money::{format_plain, Currency};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A time-ordered id (ULID): sorts by creation time, 16 bytes in keys, 26 characters in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExpenseId(pub u128);

impl ExpenseId {
    /// A new id for the current instant.
    pub fn generate() -> ExpenseId {
        ExpenseId(ulid::Ulid::new().0)
    }

    /// The big-endian bytes used in keys.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0.to_be_bytes()
    }

    /// Rebuilds an id from key bytes.
    pub fn from_bytes(b: [u8; 16]) -> ExpenseId {
        ExpenseId(u128::from_be_bytes(b))
    }
}

impl ExpenseId {
    /// The ULID text written into `buf`, without allocating.
    pub fn encode(self, buf: &mut [u8; 26]) -> &str {
        ulid::Ulid(self.0).array_to_str(buf)
    }
}

impl fmt::Display for ExpenseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", ulid::Ulid(self.0))
    }
}

impl FromStr for ExpenseId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ulid::Ulid::from_string(s.trim())
            .map(|u| ExpenseId(u.0))
            .map_err(|e| format!("'{s}' is not an expense id: {e}"))
    }
}

/// Money going out or coming in; the kind gives the direction. An expense's amount is positive,
/// or negative for a refund (money back in that category: it nets against its spending in every
/// sum); an income's is never negative ([`refused_sign`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Spending.
    #[default]
    Expense,
    /// Money received (salary, refunds).
    Income,
}

impl Kind {
    /// The word used in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Expense => "expense",
            Kind::Income => "income",
        }
    }
}

/// Why `amount` cannot go with `kind`, as a person reads it, or `None`: a negative income is
/// refused (a refund is a negative expense). Every writer checks it (validation, the store).
pub fn refused_sign(kind: Kind, amount: i64) -> Option<&'static str> {
    (kind == Kind::Income && amount < 0)
        .then_some("an income cannot be negative (a refund is a negative expense: -12.50 food)")
}

impl Draft {
    /// True for a refund: an expense with a negative amount.
    pub fn is_refund(&self) -> bool {
        self.kind == Kind::Expense && self.amount < 0
    }
}

/// The fields a person enters; everything an expense is except identity and bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// The day it happened.
    pub date: NaiveDate,
    /// Minor units of `currency`: positive, or negative for a refund (an expense only).
    pub amount: i64,
    /// ISO 4217 currency.
    pub currency: Currency,
    /// Hierarchical category, segments separated by `:` (`food:groceries`).
    pub category: String,
    /// Who was paid (or who paid).
    pub payee: String,
    /// Free text.
    pub note: String,
    /// Short labels without spaces.
    pub tags: Vec<String>,
    /// Expense or income.
    pub kind: Kind,
}

/// A stored expense: a draft plus identity, timestamps (Unix milliseconds) and a version that
/// conditional writes check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expense {
    /// Time-ordered id.
    pub id: ExpenseId,
    /// What the person entered.
    pub draft: Draft,
    /// When it was first stored, Unix milliseconds.
    pub created: i64,
    /// When it was last changed, Unix milliseconds.
    pub updated: i64,
    /// Starts at 1, bumped by every update; update and delete name the version they read.
    pub version: u64,
}

impl Expense {
    /// The signed amount: negative for spending, positive for income and refunds.
    pub fn signed_amount(&self) -> i64 {
        match self.draft.kind {
            Kind::Expense => -self.draft.amount,
            Kind::Income => self.draft.amount,
        }
    }

    /// The JSON/CSV row shape scripts rely on.
    pub fn to_row(&self) -> ExpenseRow {
        let d = &self.draft;
        ExpenseRow {
            id: self.id.to_string(),
            date: d.date.format("%Y-%m-%d").to_string(),
            amount: format_plain(d.amount, d.currency),
            currency: d.currency.code().to_string(),
            category: d.category.clone(),
            payee: d.payee.clone(),
            note: d.note.clone(),
            tags: d.tags.clone(),
            kind: d.kind.as_str().to_string(),
            version: self.version,
        }
    }
}

/// An expense borrowed from wherever it is held (a domain [`Expense`] or a stored image): what
/// `expense stream` writes from, without copying its strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpenseView<'a> {
    /// Time-ordered id.
    pub id: ExpenseId,
    /// The day it happened.
    pub date: NaiveDate,
    /// Minor units of `currency`, negative for a refund.
    pub amount: i64,
    /// ISO 4217 currency.
    pub currency: Currency,
    /// Hierarchical category.
    pub category: &'a str,
    /// Payee.
    pub payee: &'a str,
    /// Free text.
    pub note: &'a str,
    /// Tags.
    pub tags: &'a [String],
    /// Expense or income.
    pub kind: Kind,
    /// Version for conditional edits.
    pub version: u64,
}

impl Expense {
    /// The expense as a borrowed view.
    pub fn view(&self) -> ExpenseView<'_> {
        let d = &self.draft;
        ExpenseView {
            id: self.id,
            date: d.date,
            amount: d.amount,
            currency: d.currency,
            category: &d.category,
            payee: &d.payee,
            note: &d.note,
            tags: &d.tags,
            kind: d.kind,
            version: self.version,
        }
    }
}

/// The external shape of an expense in `list --json` and `--csv`; amounts are decimal strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpenseRow {
    /// ULID text.
    pub id: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Decimal string, positive (`kind` gives the direction) or negative for a refund.
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Hierarchical category.
    pub category: String,
    /// Payee.
    pub payee: String,
    /// Note.
    pub note: String,
    /// Tags.
    pub tags: Vec<String>,
    /// `expense` or `income`.
    pub kind: String,
    /// Version for conditional edits.
    pub version: u64,
}

impl ExpenseRow {
    /// Column names of the flat (CSV) form, in the order of [`ExpenseRow::into_cells`].
    pub const COLUMNS: [&'static str; 10] = [
        "id", "date", "amount", "currency", "category", "payee", "note", "tags", "kind", "version",
    ];

    /// The row as CSV cells (tags space-separated), in [`ExpenseRow::COLUMNS`] order.
    pub fn into_cells(self) -> [String; 10] {
        [
            self.id,
            self.date,
            self.amount,
            self.currency,
            self.category,
            self.payee,
            self.note,
            self.tags.join(" "),
            self.kind,
            self.version.to_string(),
        ]
    }
}
/// Test expenses for unit tests across the crate (one shape instead of a `draft()` per module).
#[cfg(test)]
impl Draft {
    /// `amount` minor units of EUR spent on `date` in `category` at `payee`; no note, no tags.
    pub(crate) fn sample(date: NaiveDate, amount: i64, category: &str, payee: &str) -> Draft {
        Draft {
            date,
            amount,
            currency: Currency::EUR,
            category: category.into(),
            payee: payee.into(),
            note: String::new(),
            tags: Vec::new(),
            kind: Kind::Expense,
        }
    }
}
