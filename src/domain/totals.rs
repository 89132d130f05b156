//! Spending and income of one currency: the one `Totals` that the ledger's header, the review and
//! the store's month summary all hand around. Rule: amounts of different currencies are never
//! added; a list of totals has one entry per currency, sorted by currency code.

use super::{Currency, Expense, Kind};
use std::collections::BTreeMap;

/// Spending and income of one currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Totals {
    /// The currency.
    pub currency: Currency,
    /// Sum of expenses, positive minor units.
    pub spent: i64,
    /// Sum of income, positive minor units.
    pub income: i64,
    /// Number of items.
    pub count: u64,
}

impl Totals {
    /// Nothing yet, in `currency`.
    pub fn zero(currency: Currency) -> Totals {
        Totals {
            currency,
            spent: 0,
            income: 0,
            count: 0,
        }
    }

    /// Income minus spending.
    pub fn net(&self) -> i64 {
        self.income.saturating_sub(self.spent)
    }

    /// Adds `count` items of `kind` summing to `sum` (saturating: a corrupt sum never wraps).
    pub fn add(&mut self, kind: Kind, sum: i64, count: u64) {
        match kind {
            Kind::Expense => self.spent = self.spent.saturating_add(sum),
            Kind::Income => self.income = self.income.saturating_add(sum),
        }
        self.count += count;
    }

    /// Spending and income of `rows` per currency, sorted by currency code like the store's
    /// month summary, so a narrowed view lists currencies in the same order as the month.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a Expense>) -> Vec<Totals> {
        let mut acc = PerCurrency::default();
        for e in rows {
            acc.add(e.draft.currency, e.draft.kind, e.draft.amount, 1);
        }
        acc.done()
    }
}

/// Totals gathered per currency, handed out sorted by currency code.
#[derive(Debug, Default)]
pub struct PerCurrency(BTreeMap<Currency, Totals>);

impl PerCurrency {
    /// Adds `count` items of `kind` in `currency` summing to `sum`.
    pub fn add(&mut self, currency: Currency, kind: Kind, sum: i64, count: u64) {
        self.0
            .entry(currency)
            .or_insert_with(|| Totals::zero(currency))
            .add(kind, sum, count);
    }

    /// One `Totals` per currency, by currency code.
    pub fn done(self) -> Vec<Totals> {
        self.0.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Draft, ExpenseId};
    use chrono::NaiveDate;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    fn expense(amount: i64, currency: Currency, kind: Kind) -> Expense {
        Expense {
            id: ExpenseId(u128::try_from(amount).unwrap()),
            draft: Draft {
                date: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
                amount,
                currency,
                category: "food".into(),
                payee: String::new(),
                note: String::new(),
                tags: Vec::new(),
                kind,
            },
            created: 0,
            updated: 0,
            version: 1,
        }
    }

    #[test]
    fn totals_of_rows_never_add_currencies_and_sort_by_code() {
        let rows = [
            expense(500, usd(), Kind::Expense),
            expense(250, Currency::EUR, Kind::Expense),
            expense(1000, Currency::EUR, Kind::Income),
            expense(100, Currency::EUR, Kind::Expense),
        ];
        let t = Totals::of(&rows);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].currency, Currency::EUR);
        assert_eq!((t[0].spent, t[0].income, t[0].count), (350, 1000, 3));
        assert_eq!(t[0].net(), 650);
        assert_eq!((t[1].currency, t[1].spent, t[1].count), (usd(), 500, 1));
    }
}
