//! Import mapping: which column holds what, and how one row of text cells becomes a [`Draft`].
//! Pure: the CLI reads the file (encoding, delimiter, line numbers) and hands over cells.
//!
//! Headers are mapped by name (case-insensitive, common English and German bank names); a
//! spec ([`ImportSpec`], from `--*-col` flags or a config profile) names the rest. Amounts go
//! through the exact money parser, never a float. Every error is the sentence a person reads,
//! naming the column and quoting the cell.
//!
//! Cells reach [`convert`] already cleaned of control characters and, from a CSV file, without
//! the `'` that CSV export puts before a formula: the CLI does both ([`text_columns`]).

mod amount;
mod columns;
mod error;
mod sign;
mod spec;

pub use amount::{split_amount, symbol_currency, AmountText, AroundNumber, Symbol};
pub use columns::{fold_header, Col, ColumnRef, Columns};
pub use error::{ImportError, Needed, RowError};
pub use sign::{
    by_categories, by_payees, category_kind, fold_payee, payee_majority, Evidence, SignMismatch,
    MIN_PAYEE_VOTES,
};
pub use spec::{check_date_format, parse_delimiter, ImportSpec, Sign, TextEncoding};

use super::expense::{Draft, ExpenseId, Kind};
use super::money::{parse_amount, Currency};
use super::rules::{categorize, CategoryRule};
use super::validate::{
    parse_category, parse_iso_date, parse_note, parse_payee, parse_tags, FieldError,
};
use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// What a row needs besides its cells: defaults and rules.
#[derive(Debug, Clone)]
pub struct Defaults<'a> {
    /// Currency of rows that name none.
    pub currency: Currency,
    /// Category of rows that name none and match no rule.
    pub category: &'a str,
    /// Payee pattern -> category, first match wins.
    pub rules: &'a [CategoryRule],
}

/// One converted row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The expense.
    pub draft: Draft,
    /// The id an exported row carries.
    pub id: Option<ExpenseId>,
    /// The version an exported row carries (only with its id).
    pub version: Option<u64>,
}

/// The cells of a row that hold a person's text (payee, note, category, tags): the ones CSV
/// export guards against formulas, so the ones a CSV import takes the guard off again.
pub fn text_columns(cols: &Columns) -> Vec<usize> {
    [Col::Payee, Col::Note, Col::Category, Col::Tags]
        .into_iter()
        .filter_map(|c| cols.get(c))
        .collect()
}

/// Converts one row of cells. On failure, every problem of the row, joined by `; `.
pub fn convert(
    cells: &[&str],
    cols: &Columns,
    spec: &ImportSpec,
    defaults: &Defaults<'_>,
) -> Result<Parsed, RowError> {
    let mut errors: Vec<ImportError> = Vec::new();
    let cell = |c: Col| {
        cols.get(c)
            .map(|i| cells.get(i).copied().unwrap_or("").trim())
    };
    let currency = match cell(Col::Currency) {
        Some(s) if !s.is_empty() => Currency::parse(s)
            .map_err(|e| errors.push(ImportError::Currency(e)))
            .ok()
            .map(|currency| RowCurrency {
                currency,
                given: true,
            }),
        _ => Some(match spec.currency {
            Some(currency) => RowCurrency {
                currency,
                given: true,
            },
            None => RowCurrency {
                currency: defaults.currency,
                given: false,
            },
        }),
    };
    let date = cell(Col::Date)
        .map(|s| parse_day(s, spec.date_format.as_deref()))
        .transpose()
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let kind = match cell(Col::Kind) {
        None => None,
        Some(s) => match s.to_ascii_lowercase().as_str() {
            "expense" => Some(Kind::Expense),
            "income" => Some(Kind::Income),
            _ => {
                errors.push(ImportError::Kind(s.to_string()));
                None
            }
        },
    };
    let money = match currency {
        Some(c) => amount(&cell, c, spec, cell(Col::Kind).is_some().then_some(kind))
            .map_err(|e| errors.push(e))
            .ok(),
        None => None,
    };
    let mut text = |c: Col, f: fn(&str) -> Result<String, FieldError>| {
        f(cell(c).unwrap_or(""))
            .map_err(|e| errors.push(e.into()))
            .unwrap_or_default()
    };
    let payee = text(Col::Payee, parse_payee);
    let note = text(Col::Note, parse_note);
    let category = match cell(Col::Category) {
        Some(s) if !s.is_empty() => parse_category(s)
            .map_err(|e| errors.push(e.into()))
            .unwrap_or_default(),
        _ => categorize(defaults.rules, &payee)
            .unwrap_or(defaults.category)
            .to_string(),
    };
    let tags = parse_tags(cell(Col::Tags).unwrap_or(""))
        .map_err(|e| errors.push(e.into()))
        .unwrap_or_default();
    let id = match cell(Col::Id) {
        Some(s) if !s.is_empty() => s
            .parse::<ExpenseId>()
            .map_err(|e| errors.push(ImportError::Id(e)))
            .ok(),
        _ => None,
    };
    let version = match (id, cell(Col::Version)) {
        (Some(_), Some(s)) if !s.is_empty() => match s.parse::<u64>() {
            Ok(v) if v >= 1 => Some(v),
            _ => {
                errors.push(ImportError::Version(s.to_string()));
                None
            }
        },
        _ => None,
    };
    match (date, money) {
        (Some(date), Some((amount, signed_kind, currency))) if errors.is_empty() => Ok(Parsed {
            draft: refund_or_not(Draft {
                date,
                amount,
                currency,
                category,
                payee,
                note,
                tags,
                kind: kind.unwrap_or(signed_kind),
            }),
            id,
            version,
        }),
        _ => Err(RowError(errors)),
    }
}

/// Money in, in a ledger-style expense category (`expenses:food`), is a refund: a negative
/// expense, which nets against that category's spending. Other money in stays income. The sign
/// check ([`by_categories`]) reads a refund as money in, so a file whose every `expenses:` row
/// comes out as money in still stops as read the wrong way round.
fn refund_or_not(d: Draft) -> Draft {
    if d.kind == Kind::Income && category_kind(&d.category) == Some(Kind::Expense) {
        credit_as_refund(d)
    } else {
        d
    }
}

/// A credit (money in, read as an income) as the refund it is: a negative expense of the same
/// amount. For a credit in a ledger-style expense category, and (`expense import`, which knows
/// the store) in a category the store has only ever held expenses in.
pub fn credit_as_refund(d: Draft) -> Draft {
    Draft {
        amount: -d.amount,
        kind: Kind::Expense,
        ..d
    }
}

/// A day in `fmt`, or `YYYY-MM-DD` (optionally followed by a time) without one; years 1-9999.
fn parse_day(s: &str, fmt: Option<&str>) -> Result<NaiveDate, ImportError> {
    let d = match fmt {
        Some(f) => spec::parse_date(s, f).map_err(|reason| ImportError::DateFormat {
            text: s.to_string(),
            format: f.to_string(),
            reason,
        })?,
        None => {
            let day = match s.get(..10) {
                Some(d) if s.len() == 10 || s[10..].starts_with(['T', ' ']) => d,
                _ => s,
            };
            parse_iso_date(day).map_err(|_| ImportError::DateNotIso(s.to_string()))?
        }
    };
    if !(1..=9999).contains(&d.year()) {
        return Err(ImportError::DateYears(s.to_string()));
    }
    Ok(d)
}

/// The currency a row's amount is read in: given (the row's currency cell, or `--currency`), or
/// the default, which a symbol in the amount that names a currency replaces (`€12`, `د.ا.4.750`).
#[derive(Debug, Clone, Copy)]
struct RowCurrency {
    currency: Currency,
    given: bool,
}

/// The amount, the kind its sign (or debit/credit column) gives, and the currency it is in.
/// Debit and credit: the one that holds a non-zero amount gives the kind; the other may be
/// empty or zero (`0.00`, as YNAB and many banks write it). `kind` is `Some` when the file has a
/// kind column (holding the row's kind, if readable): then a negative amount is a refund of an
/// expense (as `expense list --csv` writes one) and refused for an income.
fn amount<'c>(
    cell: &dyn Fn(Col) -> Option<&'c str>,
    cur: RowCurrency,
    spec: &ImportSpec,
    kind: Option<Option<Kind>>,
) -> Result<(i64, Kind, Currency), ImportError> {
    if let Some(s) = cell(Col::Amount) {
        let (neg, minor, currency) = signed_minor(Col::Amount, s, cur, spec.decimal_comma)?;
        if minor == 0 {
            return Err(ImportError::Zero {
                col: Col::Amount,
                text: s.to_string(),
            });
        }
        if let Some(kind) = kind {
            return match (neg, kind) {
                (false, _) => Ok((minor, Kind::Expense, currency)),
                (true, Some(Kind::Income)) => Err(ImportError::NegativeWithKind(s.to_string())),
                // An unreadable kind is the row's error already.
                (true, _) => Ok((-minor, Kind::Expense, currency)),
            };
        }
        let expense = neg == (spec.sign == Sign::ExpenseNegative);
        let kind = if expense { Kind::Expense } else { Kind::Income };
        return Ok((minor, kind, currency));
    }
    let part = |c: Col| match cell(c) {
        Some(s) if !s.is_empty() => {
            signed_minor(c, s, cur, spec.decimal_comma).map(|(_, m, cur)| Some((m, cur)))
        }
        _ => Ok(None),
    };
    let (debit, credit) = (part(Col::Debit)?, part(Col::Credit)?);
    let non_zero = |p: Option<(i64, Currency)>| p.filter(|(m, _)| *m > 0);
    match (non_zero(debit), non_zero(credit)) {
        (Some((d, c)), None) => Ok((d, Kind::Expense, c)),
        (None, Some((m, c))) => Ok((m, Kind::Income, c)),
        (Some(_), Some(_)) => Err(ImportError::DebitAndCredit),
        (None, None) if debit.is_some() || credit.is_some() => Err(ImportError::DebitCreditZero),
        (None, None) => Err(ImportError::NoDebitOrCredit),
    }
}

/// A cell as (negative?, minor units, currency): the sign and a currency symbol taken off
/// (`domain::import::amount`), the number through the exact money parser in the row's currency,
/// or the one the symbol names when the row's was not given. Zero is returned as zero.
fn signed_minor(
    col: Col,
    s: &str,
    cur: RowCurrency,
    decimal_comma: bool,
) -> Result<(bool, i64, Currency), ImportError> {
    let a = split_amount(s).map_err(|why| ImportError::AroundAmount {
        col,
        text: s.to_string(),
        why,
    })?;
    let currency = match a.symbol.as_deref().and_then(symbol_currency) {
        Some(Symbol::Names(named)) if cur.given && named != cur.currency => {
            return Err(ImportError::SymbolCurrency {
                col,
                text: s.to_string(),
                named,
                currency: cur.currency,
            })
        }
        Some(Symbol::Names(named)) => named,
        _ => cur.currency,
    };
    let digits: String = if decimal_comma {
        a.number
            .chars()
            .map(|c| match c {
                ',' => '.',
                '.' => ',',
                c => c,
            })
            .collect()
    } else {
        a.number.clone()
    };
    let minor = parse_amount(&digits, currency).map_err(|reason| ImportError::Amount {
        col,
        text: s.to_string(),
        reason,
        decimal_comma_hint: !decimal_comma && looks_like_decimal_comma(&a.number),
    })?;
    Ok((a.neg, minor, currency))
}

/// `12,5` or `1.234,56`: a comma followed by one or two digits at the end.
fn looks_like_decimal_comma(s: &str) -> bool {
    match s.rsplit_once(',') {
        Some((_, tail)) => {
            (1..=2).contains(&tail.len()) && tail.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// Gives each row its dedupe hash: the same (date, kind, amount, currency, payee, note) gets the
/// same hash in every file, and the n-th repeat of such a row within one file gets occurrence
/// n, so two identical coffees on one day are two rows, and an overlapping file that holds
/// them again adds neither. Payee and note are compared trimmed, lower-cased, with runs of
/// whitespace as one space. The category is left out: rules may change between imports.
#[derive(Debug, Default)]
pub struct RowHasher {
    seen: HashMap<[u8; 32], u32>,
}

impl RowHasher {
    /// The hash of the next row of the file (16 bytes of SHA-256; stable across versions, as
    /// it is kept in the store).
    pub fn next(&mut self, d: &Draft) -> [u8; 16] {
        let norm = fold_payee;
        let mut h = Sha256::new();
        h.update(b"expense-import-row-v1\0");
        h.update(d.date.format("%Y-%m-%d").to_string());
        h.update(match d.kind {
            Kind::Expense => b"\0e",
            Kind::Income => b"\0i",
        });
        h.update(d.amount.to_be_bytes());
        h.update(d.currency.bytes());
        h.update(norm(&d.payee));
        h.update([0]);
        h.update(norm(&d.note));
        let base: [u8; 32] = h.finalize().into();
        let n = self.seen.entry(base).or_default();
        let occurrence = *n;
        *n += 1;
        let mut h = Sha256::new();
        h.update(base);
        h.update(occurrence.to_be_bytes());
        let full: [u8; 32] = h.finalize().into();
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(s: &str) -> Vec<String> {
        s.split(',').map(String::from).collect()
    }

    fn defaults() -> Defaults<'static> {
        Defaults {
            currency: Currency::EUR,
            category: "uncategorized",
            rules: &[],
        }
    }

    fn row(cols: &Columns, spec: &ImportSpec, cells: &str) -> Result<Parsed, String> {
        let cells: Vec<&str> = cells.split('|').collect();
        convert(&cells, cols, spec, &defaults()).map_err(|e| e.to_string())
    }

    #[test]
    fn a_credit_in_an_expense_category_is_a_refund() {
        let spec = ImportSpec::default();
        let h = header("date,amount,payee,category");
        let c = Columns::resolve(Some(&h), &spec).unwrap();
        let p = row(&c, &spec, "2026-03-01|12.50|Shop|expenses:food").unwrap();
        assert_eq!((p.draft.kind, p.draft.amount), (Kind::Expense, -1250));
        let p = row(&c, &spec, "2026-03-01|-12.50|Shop|expenses:food").unwrap();
        assert_eq!((p.draft.kind, p.draft.amount), (Kind::Expense, 1250));
        // Money in anywhere else stays income.
        let p = row(&c, &spec, "2026-03-01|12.50|Boss|salary").unwrap();
        assert_eq!((p.draft.kind, p.draft.amount), (Kind::Income, 1250));
        let p = row(&c, &spec, "2026-03-01|12.50|Boss|income:salary").unwrap();
        assert_eq!((p.draft.kind, p.draft.amount), (Kind::Income, 1250));
        // Debit and credit columns: a credit in an expense category too.
        let h = header("date,debit,credit,category");
        let c = Columns::resolve(Some(&h), &spec).unwrap();
        let p = row(&c, &spec, "2026-03-01||4|expenses:fun").unwrap();
        assert_eq!((p.draft.kind, p.draft.amount), (Kind::Expense, -400));
        // A kind column (as `expense list --csv` writes): a negative expense is a refund, a
        // negative income is refused.
        let h = header("date,amount,kind,category");
        let c = Columns::resolve(Some(&h), &spec).unwrap();
        let p = row(&c, &spec, "2026-03-01|-12.50|expense|food").unwrap();
        assert_eq!((p.draft.kind, p.draft.amount), (Kind::Expense, -1250));
        let e = row(&c, &spec, "2026-03-01|-12.50|income|food").unwrap_err();
        assert!(e.contains("the kind is income"), "{e}");
    }

    #[test]
    fn rows_convert_with_signs_decimal_comma_and_rules() {
        let spec = ImportSpec::default();
        let h = header("date,amount,payee,category,currency");
        let c = Columns::resolve(Some(&h), &spec).unwrap();
        let p = row(&c, &spec, "2026-03-01|-1,234.50|Shop||").unwrap();
        assert_eq!(p.draft.amount, 123_450);
        assert_eq!(p.draft.kind, Kind::Expense);
        assert_eq!(p.draft.category, "uncategorized");
        let p = row(&c, &spec, "2026-03-01T09:00:00|+3|Boss|salary|usd").unwrap();
        assert_eq!((p.draft.kind, p.draft.amount), (Kind::Income, 300));
        assert_eq!(p.draft.currency.code(), "USD");
        let err = row(&c, &spec, "03/01/2026|12,50|Shop||XYZ").unwrap_err();
        assert!(err.contains("currency") && err.contains("XYZ"), "{err}");
        assert!(
            err.contains("03/01/2026") && err.contains("--date-format"),
            "{err}"
        );
        let err = row(&c, &spec, "2026-03-01|12,50|Shop||").unwrap_err();
        assert!(err.contains("--decimal-comma"), "{err}");
        assert!(row(&c, &spec, "2026-03-01|0.00|Shop||")
            .unwrap_err()
            .contains("zero"));
        assert!(row(&c, &spec, "2026-03-01|1e5|Shop||").is_err());
        // The field is quoted once, and a pasted megabyte is named, not repeated.
        let err = row(&c, &spec, "2026-03-01|12,3.4|Shop||").unwrap_err();
        assert_eq!(err.matches("'12,3.4'").count(), 1, "{err}");
        assert!(err.contains("amount '12,3.4': digit groups"), "{err}");
        let big = format!("2026-03-01|{}|Shop||", "7x".repeat(500_000));
        let err = row(&c, &spec, &big).unwrap_err();
        assert!(
            err.len() < 200 && err.contains("(1000000 characters)"),
            "{err}"
        );

        let spec = ImportSpec {
            decimal_comma: true,
            sign: Sign::ExpensePositive,
            date_format: Some("%d.%m.%Y".into()),
            ..ImportSpec::default()
        };
        let p = row(&c, &spec, "01.03.2026|1.234,5|Shop||").unwrap();
        assert_eq!((p.draft.amount, p.draft.kind), (123_450, Kind::Expense));
        assert_eq!(p.draft.date, NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());

        let rules = [CategoryRule::new("shop", "food").unwrap()];
        let d = Defaults {
            rules: &rules,
            ..defaults()
        };
        let cells = ["2026-03-01", "-5", "Big SHOP 1", "", ""];
        assert_eq!(
            convert(&cells, &c, &ImportSpec::default(), &d)
                .unwrap()
                .draft
                .category,
            "food"
        );
        let cells = ["2026-03-01", "-5", "Big SHOP 1", "fun", ""];
        assert_eq!(
            convert(&cells, &c, &ImportSpec::default(), &d)
                .unwrap()
                .draft
                .category,
            "fun"
        );
    }

    #[test]
    fn debit_credit_kind_and_ids() {
        let spec = ImportSpec::default();
        let h = header("date,debit,credit");
        let c = Columns::resolve(Some(&h), &spec).unwrap();
        assert_eq!(
            row(&c, &spec, "2026-03-01|4.50|").unwrap().draft.kind,
            Kind::Expense
        );
        assert_eq!(
            row(&c, &spec, "2026-03-01||7").unwrap().draft.kind,
            Kind::Income
        );
        assert!(row(&c, &spec, "2026-03-01|1|2")
            .unwrap_err()
            .contains("both"));
        assert!(row(&c, &spec, "2026-03-01||")
            .unwrap_err()
            .contains("empty"));
        let h = header("id,date,amount,kind,version,tags");
        let c = Columns::resolve(Some(&h), &spec).unwrap();
        let id = ExpenseId::generate();
        let p = row(&c, &spec, &format!("{id}|2026-03-01|2.00|income|3|a b")).unwrap();
        assert_eq!(
            (p.id, p.version, p.draft.kind),
            (Some(id), Some(3), Kind::Income)
        );
        assert_eq!(p.draft.tags, vec!["a".to_string(), "b".to_string()]);
        assert!(row(&c, &spec, &format!("{id}|2026-03-01|-2|income|1|")).is_err());
        let refund = row(&c, &spec, &format!("{id}|2026-03-01|-2|expense|1|")).unwrap();
        assert_eq!(
            refund.draft.amount, -200,
            "a refund, as list --csv writes one"
        );
        assert!(row(&c, &spec, "nope|2026-03-01|2|expense|1|").is_err());
        assert!(row(&c, &spec, &format!("{id}|2026-03-01|2|gift|1|")).is_err());
    }

    #[test]
    fn currency_symbols_of_any_script_and_three_decimals_are_read_exactly() {
        let spec = ImportSpec::default();
        let h = header("date,amount,payee,category,currency");
        let c = Columns::resolve(Some(&h), &spec).unwrap();
        let got = |cells: &str| {
            let p = row(&c, &spec, cells).unwrap();
            (
                p.draft.amount,
                p.draft.currency.code().to_string(),
                p.draft.kind,
            )
        };
        // No currency given: the symbol names it (the default EUR would refuse 3 decimals).
        let jod = (4750, "JOD".to_string(), Kind::Expense);
        assert_eq!(got("2026-03-01|-د.ا.4.750|Shop||"), jod);
        assert_eq!(got("2026-03-01|د.ا.-4.750|Shop||"), jod);
        assert_eq!(got("2026-03-01|\u{200F}-4.750 د.ا.|Shop||"), jod);
        assert_eq!(got("2026-03-01|-4.750|Shop||JOD"), jod);
        assert_eq!(
            got("2026-03-01|-د.ك.0.125|Shop||KWD"),
            (125, "KWD".into(), Kind::Expense)
        );
        assert_eq!(
            got("2026-03-01|-£3.20|Shop||"),
            (320, "GBP".into(), Kind::Expense)
        );
        assert_eq!(
            got("2026-03-01|$-1,234.50|Shop||USD"),
            (123_450, "USD".into(), Kind::Expense)
        );
        assert_eq!(
            got("2026-03-01|+¥500|Shop||JPY"),
            (500, "JPY".into(), Kind::Income)
        );
        // A symbol several currencies write takes the row's currency.
        assert_eq!(
            got("2026-03-01|-$2|Shop||"),
            (200, "EUR".into(), Kind::Expense)
        );
        let err = row(&c, &spec, "2026-03-01|-€12.00|Shop||USD").unwrap_err();
        assert_eq!(
            err,
            "amount '-€12.00' is in EUR, but the row's currency is USD (its currency column or \
             --currency)"
        );
        let err = row(&c, &spec, "2026-03-01|-د.ا.4.7505|Shop||").unwrap_err();
        assert!(err.contains("JOD has 3 decimal places"), "{err}");
        let err = row(&c, &spec, "2026-03-01|12 apples|Shop||").unwrap_err();
        assert_eq!(
            err,
            "amount '12 apples': 'apples' is not a currency symbol or code"
        );
        let with_currency = ImportSpec {
            currency: Some(Currency::parse("JOD").unwrap()),
            ..ImportSpec::default()
        };
        let p = row(&c, &with_currency, "2026-03-01|-4.750|Shop||").unwrap();
        assert_eq!((p.draft.amount, p.draft.currency.code()), (4750, "JOD"));
    }

    #[test]
    fn zero_in_the_unused_debit_or_credit_column_is_accepted() {
        let spec = ImportSpec::default();
        let h = header("date,payee,outflow,inflow");
        let c = Columns::resolve(Some(&h), &spec).unwrap();
        let got = |cells: &str| {
            let p = row(&c, &spec, cells).unwrap();
            (p.draft.amount, p.draft.kind)
        };
        assert_eq!(got("2026-03-01|Shop|$4.50|$0.00"), (450, Kind::Expense));
        assert_eq!(got("2026-03-01|Boss|0.00|7"), (700, Kind::Income));
        assert_eq!(got("2026-03-01|Boss||7"), (700, Kind::Income));
        assert_eq!(got("2026-03-01|Shop|4.50|0"), (450, Kind::Expense));
        assert_eq!(
            row(&c, &spec, "2026-03-01|x|0.00|0").unwrap_err(),
            "debit and credit are both zero"
        );
        assert_eq!(
            row(&c, &spec, "2026-03-01|x|0.00|").unwrap_err(),
            "debit and credit are both zero"
        );
        assert_eq!(
            row(&c, &spec, "2026-03-01|x|1|2").unwrap_err(),
            "both debit and credit hold an amount"
        );
    }

    #[test]
    fn row_hashes_are_stable_and_count_repeats() {
        let draft = |payee: &str| Draft {
            date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            amount: 250,
            currency: Currency::EUR,
            category: "a".into(),
            payee: payee.into(),
            note: String::new(),
            tags: vec![],
            kind: Kind::Expense,
        };
        let mut a = RowHasher::default();
        let first = a.next(&draft("Cafe  Blue"));
        let second = a.next(&draft("cafe blue"));
        assert_ne!(first, second, "a repeat within one file is another row");
        let mut b = RowHasher::default();
        assert_eq!(
            b.next(&draft("CAFE BLUE")),
            first,
            "same row in another file"
        );
        assert_ne!(b.next(&draft("Cafe Green")), second);
        // Pinned: the hash is kept in stores, so it must never change.
        let hex: String = first.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex.len(), 32);
        assert_eq!(hex, PINNED);
    }

    const PINNED: &str = "51f94dec14e530344fbb18a0f37e5529";
}
