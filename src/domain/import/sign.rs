//! Which sign convention a file with one signed amount column uses, judged before anything is
//! stored from what its rows say besides their sign. Pure: the store's payee counts come in as
//! data.
//!
//! The rule, deterministic, in this order:
//! 1. Only a convention left to its default is checked: one that was given (`--sign`, or a
//!    profile's `sign`) is the person's choice. A file with a kind column or with debit and
//!    credit columns has no convention (its direction does not hang on a sign).
//! 2. Categories that name the kind, ledger-style, decide when any row has one
//!    ([`by_categories`]): a top level `expenses` or `expense` says expense, `income`, `revenue`
//!    or `revenues` says income (the path split at `:` or `/`, any case). When more of these
//!    rows come out as the other kind under the convention than as their own, the import stops.
//! 3. Otherwise the store's history ([`by_payees`]): a row whose payee (folded as row hashes
//!    fold it) the store already holds mostly as expenses, or mostly as incomes (a tie says
//!    nothing), says that kind. When at least [`MIN_PAYEE_VOTES`] such rows come out as the
//!    other kind and they outnumber those that come out as their own, the import stops. Three,
//!    so that a refund or two from a shop you know does not stop a bank statement.
//!
//! A row "comes out as" the direction of its money: a refund (money in, in an `expenses:`
//! category, stored as a negative expense) comes out as income here, so a few refunds never
//! stop an import and a file read the wrong way round still does.

use super::Sign;
use crate::domain::expense::{Draft, Kind};
use crate::domain::text::shown;
use std::collections::HashMap;

/// Rows of known payees that must come out as the other kind before the store's history stops
/// an import.
pub const MIN_PAYEE_VOTES: usize = 3;

/// What told the import its signs run the other way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// Ledger-style categories (`expenses:food`); `example` is one such category.
    Categories {
        /// A category of a row that came out as the other kind.
        example: String,
    },
    /// Payees the store holds; `example` is one such payee.
    Payees {
        /// A payee of a row that came out as the other kind.
        example: String,
    },
}

/// An import whose sign convention disagrees with its rows; `Display` is what a person reads
/// (the CLI puts the file's name and "nothing imported" before it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", message(self))]
pub struct SignMismatch {
    /// What says so.
    pub evidence: Evidence,
    /// Rows with evidence that came out as the other kind.
    pub against: usize,
    /// Rows with evidence.
    pub of: usize,
    /// The convention the rows were read with.
    pub sign: Sign,
}

impl SignMismatch {
    /// The convention the evidence asks for.
    pub fn wanted(&self) -> Sign {
        other(self.sign)
    }
}

fn other(sign: Sign) -> Sign {
    match sign {
        Sign::ExpenseNegative => Sign::ExpensePositive,
        Sign::ExpensePositive => Sign::ExpenseNegative,
    }
}

fn name(sign: Sign) -> &'static str {
    match sign {
        Sign::ExpenseNegative => "expense-negative",
        Sign::ExpensePositive => "expense-positive",
    }
}

fn message(m: &SignMismatch) -> String {
    let (given, wanted) = (name(m.sign), name(m.wanted()));
    let (whose, example) = match &m.evidence {
        Evidence::Categories { example } => (
            "whose category names expenses or income",
            format!("a row in '{}'", shown(example)),
        ),
        Evidence::Payees { example } => (
            "whose payee the store already holds",
            format!("a row from '{}'", shown(example)),
        ),
    };
    let writes = match m.wanted() {
        Sign::ExpensePositive => "positive",
        Sign::ExpenseNegative => "negative",
    };
    format!(
        "{} of the {} rows {whose} come out as the other kind with --sign {given} (e.g. {example}): \
         this file writes expenses {writes}. Give --sign {wanted}, or --sign {given} to import the \
         signs as they are",
        m.against, m.of
    )
}

/// The kind a category names ledger-style (see the module doc), if it names one.
pub fn category_kind(category: &str) -> Option<Kind> {
    let top = category.split([':', '/']).next()?.trim().to_lowercase();
    match top.as_str() {
        "expenses" | "expense" => Some(Kind::Expense),
        "income" | "revenue" | "revenues" => Some(Kind::Income),
        _ => None,
    }
}

/// A payee as the import compares payees: trimmed, lower-cased, runs of whitespace as one space
/// (the folding of row hashes).
pub fn fold_payee(p: &str) -> String {
    p.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The kind each folded payee mostly has in `kinds` (the store's `[expenses, incomes]` per payee
/// as stored); payees with as many of each are left out.
pub fn payee_majority(kinds: &HashMap<String, [u64; 2]>) -> HashMap<String, Kind> {
    let mut folded: HashMap<String, [u64; 2]> = HashMap::new();
    for (payee, n) in kinds {
        let f = folded.entry(fold_payee(payee)).or_default();
        f[0] += n[0];
        f[1] += n[1];
    }
    folded
        .into_iter()
        .filter_map(|(p, [e, i])| match e.cmp(&i) {
            std::cmp::Ordering::Greater => Some((p, Kind::Expense)),
            std::cmp::Ordering::Less => Some((p, Kind::Income)),
            std::cmp::Ordering::Equal => None,
        })
        .collect()
}

/// Step 2 of the rule: `None` when no row's category names a kind; else whether the rows, read
/// with `sign`, agree with their categories.
pub fn by_categories(rows: &[&Draft], sign: Sign) -> Option<Result<(), SignMismatch>> {
    let votes = rows
        .iter()
        .filter_map(|d| Some((category_kind(&d.category)?, *d)));
    tally(votes, sign, 1, |d| Evidence::Categories {
        example: d.category.clone(),
    })
}

/// Step 3 of the rule: whether the rows, read with `sign`, agree with the kind the store mostly
/// holds for their payees (`majority`, from [`payee_majority`]).
pub fn by_payees(
    rows: &[&Draft],
    sign: Sign,
    majority: &HashMap<String, Kind>,
) -> Result<(), SignMismatch> {
    if majority.is_empty() {
        return Ok(());
    }
    let votes = rows
        .iter()
        .filter_map(|d| Some((*majority.get(&fold_payee(&d.payee))?, *d)));
    let example = |d: &Draft| Evidence::Payees {
        example: d.payee.clone(),
    };
    tally(votes, sign, MIN_PAYEE_VOTES, example).unwrap_or(Ok(()))
}

/// Counts rows whose kind differs from the kind their evidence says; `None` without evidence.
fn tally<'a>(
    votes: impl Iterator<Item = (Kind, &'a Draft)>,
    sign: Sign,
    min_against: usize,
    evidence: impl Fn(&Draft) -> Evidence,
) -> Option<Result<(), SignMismatch>> {
    let (mut of, mut against) = (0usize, 0usize);
    let mut first_against: Option<&Draft> = None;
    for (said, d) in votes {
        of += 1;
        // The direction of the money: a refund is money in, as an income is.
        let came = if d.is_refund() { Kind::Income } else { d.kind };
        if came != said {
            against += 1;
            first_against.get_or_insert(d);
        }
    }
    if of == 0 {
        return None;
    }
    Some(match first_against {
        Some(d) if against >= min_against && against > of - against => Err(SignMismatch {
            evidence: evidence(d),
            against,
            of,
            sign,
        }),
        _ => Ok(()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;
    use chrono::NaiveDate;

    fn d(category: &str, payee: &str, kind: Kind) -> Draft {
        Draft {
            date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            amount: 100,
            currency: Currency::EUR,
            category: category.into(),
            payee: payee.into(),
            note: String::new(),
            tags: vec![],
            kind,
        }
    }

    #[test]
    fn categories_name_the_kind_ledger_style() {
        assert_eq!(category_kind("Expenses:Food"), Some(Kind::Expense));
        assert_eq!(category_kind("expense/rent"), Some(Kind::Expense));
        assert_eq!(category_kind("income:salary"), Some(Kind::Income));
        assert_eq!(category_kind("Revenues"), Some(Kind::Income));
        assert_eq!(category_kind("assets:bank"), None);
        assert_eq!(category_kind("food"), None);
    }

    #[test]
    fn categories_decide_by_majority() {
        use Kind::{Expense as E, Income as I};
        let swapped = [
            d("expenses:food", "a", I),
            d("expenses:rent", "b", I),
            d("income:salary", "c", E),
            d("food", "d", E),
        ];
        let rows: Vec<&Draft> = swapped.iter().collect();
        let e = by_categories(&rows, Sign::ExpenseNegative)
            .unwrap()
            .unwrap_err();
        assert_eq!((e.against, e.of, e.wanted()), (3, 3, Sign::ExpensePositive));
        assert_eq!(
            e.to_string(),
            "3 of the 3 rows whose category names expenses or income come out as the other kind \
             with --sign expense-negative (e.g. a row in 'expenses:food'): this file writes \
             expenses positive. Give --sign expense-positive, or --sign expense-negative to \
             import the signs as they are"
        );
        // One refund among expenses is not a swapped file; no kind-naming category says nothing.
        let fine = [
            d("expenses:food", "a", E),
            d("expenses:food", "a", I),
            d("expenses:rent", "b", E),
        ];
        let rows: Vec<&Draft> = fine.iter().collect();
        assert_eq!(by_categories(&rows, Sign::ExpenseNegative), Some(Ok(())));
        let plain = [d("food", "a", I)];
        let rows: Vec<&Draft> = plain.iter().collect();
        assert_eq!(by_categories(&rows, Sign::ExpenseNegative), None);
        // A tie stops nothing.
        let tie = [d("expenses:a", "a", I), d("expenses:b", "b", E)];
        let rows: Vec<&Draft> = tie.iter().collect();
        assert_eq!(by_categories(&rows, Sign::ExpenseNegative), Some(Ok(())));
    }

    #[test]
    fn stored_payees_need_three_rows_against_and_a_majority() {
        use Kind::{Expense as E, Income as I};
        let stored: HashMap<String, [u64; 2]> = [
            ("Lidl".to_string(), [5, 0]),
            ("LIDL ".to_string(), [1, 0]),
            ("ACME".to_string(), [0, 2]),
            ("Even".to_string(), [1, 1]),
        ]
        .into_iter()
        .collect();
        let majority = payee_majority(&stored);
        assert_eq!(majority.get("lidl"), Some(&E));
        assert_eq!(majority.get("acme"), Some(&I));
        assert_eq!(majority.get("even"), None);
        let two_refunds = [d("", "lidl", I), d("", "Lidl", I), d("", "x", E)];
        let rows: Vec<&Draft> = two_refunds.iter().collect();
        assert_eq!(by_payees(&rows, Sign::ExpenseNegative, &majority), Ok(()));
        let swapped = [
            d("", "lidl", I),
            d("", "Lidl", I),
            d("", "  LIDL", I),
            d("", "acme", E),
            d("", "even", I),
        ];
        let rows: Vec<&Draft> = swapped.iter().collect();
        let e = by_payees(&rows, Sign::ExpenseNegative, &majority).unwrap_err();
        assert_eq!((e.against, e.of), (4, 4));
        assert!(e.to_string().contains("(e.g. a row from 'lidl')"), "{e}");
    }
}
