//! Which column holds what: header names mapped to fields (case-insensitive, common English and
//! German bank names), or columns named by `--*-col` flags and profiles. Pure.

use super::{ImportError, ImportSpec, Needed};
use crate::domain::text::inert;
use std::collections::HashMap;

/// A column named by its header (case-insensitive) or its 1-based number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRef {
    /// A header name.
    Name(String),
    /// A 1-based column number.
    Number(usize),
}

impl ColumnRef {
    /// All digits: a column number (from 1); anything else: a header name.
    pub fn parse(s: &str) -> Result<ColumnRef, ImportError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(ImportError::ColumnEmpty);
        }
        if t.bytes().all(|b| b.is_ascii_digit()) {
            match t.parse::<usize>() {
                Ok(n) if n >= 1 => Ok(ColumnRef::Number(n)),
                _ => Err(ImportError::ColumnNumber(t.to_string())),
            }
        } else {
            Ok(ColumnRef::Name(t.to_string()))
        }
    }
}

/// The fields a column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Col {
    /// The day.
    Date,
    /// A signed amount.
    Amount,
    /// Money out (positive).
    Debit,
    /// Money in (positive).
    Credit,
    /// Payee or description.
    Payee,
    /// Category path.
    Category,
    /// ISO 4217 code.
    Currency,
    /// Free text.
    Note,
    /// Space- or comma-separated tags.
    Tags,
    /// `expense` or `income` (the amount is then positive).
    Kind,
    /// The expense id of an exported row.
    Id,
    /// The version of an exported row.
    Version,
}

impl Col {
    /// Every field, in the order headers are matched (payee before note, so `description` is
    /// the payee when there is no payee column and the note otherwise).
    pub const ALL: [Col; 12] = [
        Col::Date,
        Col::Amount,
        Col::Debit,
        Col::Credit,
        Col::Payee,
        Col::Category,
        Col::Currency,
        Col::Note,
        Col::Tags,
        Col::Kind,
        Col::Id,
        Col::Version,
    ];

    /// The field's name in messages and flags (`--date-col`).
    pub fn name(self) -> &'static str {
        match self {
            Col::Date => "date",
            Col::Amount => "amount",
            Col::Debit => "debit",
            Col::Credit => "credit",
            Col::Payee => "payee",
            Col::Category => "category",
            Col::Currency => "currency",
            Col::Note => "note",
            Col::Tags => "tags",
            Col::Kind => "kind",
            Col::Id => "id",
            Col::Version => "version",
        }
    }

    /// Header names recognised for this field, best first (compared after [`fold_header`]).
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Col::Date => &[
                "date",
                "booking date",
                "transaction date",
                "posting date",
                "posted date",
                "buchungstag",
                "buchungsdatum",
                "datum",
            ],
            Col::Amount => &["amount", "value", "sum", "betrag", "umsatz"],
            Col::Debit => &[
                "debit",
                "withdrawal",
                "withdrawals",
                "money out",
                "paid out",
                "outflow",
            ],
            Col::Credit => &[
                "credit", "deposit", "deposits", "money in", "paid in", "inflow",
            ],
            Col::Payee => &[
                "payee",
                "merchant",
                "name",
                "counterparty",
                "beneficiary",
                "empfänger",
                "beguenstigter/zahlungspflichtiger",
                "auftraggeber/empfänger",
                "description",
            ],
            Col::Category => &["category", "kategorie"],
            Col::Currency => &["currency", "ccy", "währung", "waehrung"],
            Col::Note => &[
                "note",
                "notes",
                "memo",
                "reference",
                "verwendungszweck",
                "description",
            ],
            Col::Tags => &["tags", "tag", "labels"],
            Col::Kind => &["kind"],
            Col::Id => &["id"],
            Col::Version => &["version"],
        }
    }
}

/// A header for matching: trimmed, lower-cased, inner whitespace collapsed, `_` as a space.
pub fn fold_header(h: &str) -> String {
    h.replace('_', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Where each field is, once the header (or the spec alone) has been resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    at: HashMap<Col, usize>,
    /// Header names not mapped to any field (shown by `--dry-run`).
    pub ignored: Vec<String>,
}

impl Columns {
    /// Maps `header` (or, without one, only the spec's numbered columns) to fields. Explicit
    /// columns first, then header names. Needs a date and either an amount or debit and credit.
    pub fn resolve(header: Option<&[String]>, spec: &ImportSpec) -> Result<Columns, ImportError> {
        let folded: Vec<String> = header
            .unwrap_or_default()
            .iter()
            .map(|h| fold_header(h))
            .collect();
        let mut at: HashMap<Col, usize> = HashMap::new();
        let mut used: Vec<bool> = vec![false; folded.len()];
        for (col, r) in &spec.columns {
            let i = match r {
                ColumnRef::Number(n) => n - 1,
                ColumnRef::Name(name) => {
                    let want = fold_header(name);
                    if header.is_none() {
                        return Err(ImportError::ColumnNeedsNumber {
                            col: *col,
                            name: name.clone(),
                        });
                    }
                    folded.iter().position(|h| *h == want).ok_or_else(|| {
                        ImportError::NoSuchColumn {
                            col: *col,
                            name: name.clone(),
                            header: header.unwrap_or_default().to_vec(),
                        }
                    })?
                }
            };
            if header.is_some() && i >= folded.len() {
                return Err(ImportError::ColumnBeyondHeader {
                    col: *col,
                    number: i + 1,
                    columns: folded.len(),
                });
            }
            if let Some(u) = used.get_mut(i) {
                *u = true;
            }
            at.insert(*col, i);
        }
        let explicit_amounts = [Col::Amount, Col::Debit, Col::Credit]
            .iter()
            .any(|c| at.contains_key(c));
        for col in Col::ALL {
            if at.contains_key(&col) {
                continue;
            }
            let is_amount = matches!(col, Col::Amount | Col::Debit | Col::Credit);
            if is_amount && explicit_amounts {
                continue;
            }
            for syn in col.synonyms() {
                if let Some(i) = folded.iter().position(|h| h == syn) {
                    if !used[i] {
                        used[i] = true;
                        at.insert(col, i);
                        break;
                    }
                }
            }
        }
        // An amount column wins over debit/credit found by name; a lone debit or credit is
        // not enough.
        if at.contains_key(&Col::Amount) && !explicit_amounts {
            at.remove(&Col::Debit);
            at.remove(&Col::Credit);
        }
        let have = |c| at.contains_key(&c);
        let missing = if !have(Col::Date) {
            Some(Needed::Date)
        } else if !(have(Col::Amount) || have(Col::Debit) && have(Col::Credit)) {
            Some(Needed::Amount)
        } else {
            None
        };
        if let Some(need) = missing {
            return Err(match header {
                Some(h) => ImportError::MissingColumn {
                    need,
                    header: h.to_vec(),
                },
                None => ImportError::MissingNumberedColumn(need),
            });
        }
        let ignored = header
            .unwrap_or_default()
            .iter()
            .zip(&used)
            .filter(|(_, u)| !**u)
            .map(|(h, _)| h.clone())
            .collect();
        Ok(Columns { at, ignored })
    }

    /// The column index of `col`, if mapped.
    pub fn get(&self, col: Col) -> Option<usize> {
        self.at.get(&col).copied()
    }
}

/// A header as messages list it: each name quoted, or `no columns`.
pub(super) fn list(header: &[String]) -> String {
    let names: Vec<String> = header.iter().map(|h| format!("'{}'", inert(h))).collect();
    if names.is_empty() {
        "no columns".into()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(s: &str) -> Vec<String> {
        s.split(',').map(String::from).collect()
    }

    #[test]
    fn headers_map_by_name_and_synonym() {
        let spec = ImportSpec::default();
        let h = header("Booking Date,Description,Amount,Memo,Extra");
        let c = Columns::resolve(Some(&h), &spec).unwrap();
        assert_eq!(c.get(Col::Date), Some(0));
        assert_eq!(c.get(Col::Payee), Some(1));
        assert_eq!(c.get(Col::Amount), Some(2));
        assert_eq!(c.get(Col::Note), Some(3));
        assert_eq!(c.ignored, vec!["Extra".to_string()]);
        // With a payee column, description is the note.
        let h = header("date,payee,description,debit,credit");
        let c = Columns::resolve(Some(&h), &spec).unwrap();
        assert_eq!((c.get(Col::Payee), c.get(Col::Note)), (Some(1), Some(2)));
        assert_eq!((c.get(Col::Debit), c.get(Col::Credit)), (Some(3), Some(4)));
        let err = Columns::resolve(Some(&header("when,what,how much")), &spec).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the file needs a date column (--date-col); its header has 'when', 'what', 'how much'"
        );
        let err = Columns::resolve(Some(&header("date,payee,debit")), &spec).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the file needs an amount column (--amount-col) or debit and credit columns \
             (--debit-col, --credit-col); its header has 'date', 'payee', 'debit'"
        );
        let err = Columns::resolve(None, &spec).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the file has no header, so it needs a date column (--date-col) by number"
        );
    }

    #[test]
    fn explicit_columns_by_name_or_number() {
        let mut spec = ImportSpec::default();
        spec.set_column(Col::Date, ColumnRef::parse("Wertstellung").unwrap());
        spec.set_column(Col::Amount, ColumnRef::parse("3").unwrap());
        let h = header("Buchungstag,Wertstellung,Summe");
        let c = Columns::resolve(Some(&h), &spec).unwrap();
        assert_eq!((c.get(Col::Date), c.get(Col::Amount)), (Some(1), Some(2)));
        spec.set_column(Col::Payee, ColumnRef::parse("Nope").unwrap());
        let err = Columns::resolve(Some(&h), &spec).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--payee-col 'Nope': no such column; the header has 'Buchungstag', 'Wertstellung', 'Summe'"
        );
        spec.set_column(Col::Payee, ColumnRef::Number(9));
        let err = Columns::resolve(Some(&h), &spec).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--payee-col 9: the header has only 3 columns"
        );
        let err = Columns::resolve(None, &spec).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--date-col 'Wertstellung': the file has no header, so name columns by number"
        );
        assert_eq!(
            ColumnRef::parse("0").unwrap_err().to_string(),
            "column number '0' must be 1 or more"
        );
        assert_eq!(
            ColumnRef::parse(" ").unwrap_err().to_string(),
            "the column is empty"
        );
        assert_eq!(list(&[]), "no columns");
        let mut spec = ImportSpec {
            no_header: true,
            ..ImportSpec::default()
        };
        spec.set_column(Col::Date, ColumnRef::Number(1));
        spec.set_column(Col::Amount, ColumnRef::Number(2));
        let c = Columns::resolve(None, &spec).unwrap();
        assert_eq!(c.get(Col::Amount), Some(1));
    }
}
