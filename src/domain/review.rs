//! The monthly review as data: what the review screen, `expense report` and the benchmarks
//! show, computed by `engine::review` from the store's aggregates. Rule: amounts of different
//! currencies are never added, except through the configured exact rates ([`Rates`]), and a
//! converted review says so. Everything here is pure: no store, no clock.

use super::category::is_within;
use super::rates::Rates;
pub use super::totals::Totals;
use super::{Currency, Expense, Month};
use chrono::NaiveDate;

/// Months in the spending trend (the review's month and the 11 before it).
pub const TREND_MONTHS: u32 = 12;
/// At most this many of the month's items are read for top payees and largest expenses. A month
/// of the 1M-expense demo holds ~8,500; a month beyond the limit is reported as truncated.
pub const DETAIL_LIMIT: usize = 50_000;
/// Entries in the top-payee and largest-expense lists.
pub const TOP_N: usize = 10;

/// Spending of one category (with everything below it) in one currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CategoryTotal {
    /// Full path (`food:groceries`).
    pub category: String,
    /// 0 for a top-level category.
    pub depth: usize,
    /// True when sub-categories appear in this review.
    pub has_children: bool,
    /// The currency of the amounts.
    pub currency: Currency,
    /// Spent in the review's month, positive minor units.
    pub this: i64,
    /// Spent in the month before.
    pub last: i64,
    /// Expenses in the review's month.
    pub count: u64,
    /// The monthly budget of exactly this category in this currency, if set.
    pub budget: Option<i64>,
    /// Recurring expenses still to come in the review's month (not posted yet, not in `this`),
    /// minor units: what the month will have spent is `this + to_come`.
    pub to_come: i64,
}

impl CategoryTotal {
    /// The last path segment, the name shown indented under its parent.
    pub fn name(&self) -> &str {
        self.category.rsplit(':').next().unwrap_or(&self.category)
    }

    /// The parent path, if any.
    pub fn parent(&self) -> Option<&str> {
        self.category.rsplit_once(':').map(|(p, _)| p)
    }

    /// Budget minus spending (negative when over).
    pub fn remaining(&self) -> Option<i64> {
        self.budget.map(|b| b.saturating_sub(self.this))
    }

    /// True when the budget is not over yet but will be once what is still to come is posted.
    pub fn will_go_over(&self) -> bool {
        self.budget.is_some_and(|b| {
            self.this <= b && self.to_come > 0 && self.this.saturating_add(self.to_come) > b
        })
    }
}

/// Spending of one day in one currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DaySpend {
    /// The day.
    pub date: NaiveDate,
    /// The currency.
    pub currency: Currency,
    /// The top-level category (`food` for `food:groceries`), so the budget pace compares a
    /// budget with the spending it covers.
    pub category: String,
    /// Spent, positive minor units.
    pub spent: i64,
}

/// Spending of one (month, leaf category, currency), for the trends.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TrendPoint {
    /// The month.
    pub month: Month,
    /// Full category path as stored.
    pub category: String,
    /// The currency.
    pub currency: Currency,
    /// Spent, positive minor units.
    pub spent: i64,
}

/// The review of one month, from aggregates only.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Review {
    /// The month.
    pub month: Month,
    /// Its first day.
    pub from: NaiveDate,
    /// Its last day.
    pub to: NaiveDate,
    /// This month, per currency (sorted by code).
    pub totals: Vec<Totals>,
    /// The month before.
    pub last_month: Vec<Totals>,
    /// The same month a year before (empty when nothing was stored then).
    pub last_year: Vec<Totals>,
    /// Every category with spending this or last month or a budget, and every parent of one,
    /// in tree order (parents before children, siblings by name).
    pub categories: Vec<CategoryTotal>,
    /// Spending per day and currency, by date.
    pub days: Vec<DaySpend>,
    /// Spending per month and leaf category of the `TREND_MONTHS` ending with this one.
    pub trend: Vec<TrendPoint>,
    /// Set when amounts were converted: into which currency, with the rates used.
    pub converted: Option<Conversion>,
}

/// How a review was converted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Conversion {
    /// Everything with a rate is in this currency.
    pub to: Currency,
    /// The rates applied (`1 USD = 0.92 EUR`), for the screen to show.
    pub rates: Vec<String>,
}

/// What to review.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReviewQuery {
    /// The month (its days follow the month start day the store keeps its aggregates for).
    pub month: Month,
    /// The default currency (target of conversion).
    pub currency: Currency,
    /// Rates to the default currency; empty: no conversion.
    pub rates: Rates,
}

/// Spending of one payee in one currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PayeeTotal {
    /// The payee (empty: none given).
    pub payee: String,
    /// The currency.
    pub currency: Currency,
    /// Spent, positive minor units.
    pub spent: i64,
    /// Number of expenses.
    pub count: u64,
}

/// Top payees and largest expenses of a month: the part of the review that needs items.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReviewDetails {
    /// The month.
    pub month: Month,
    /// Payees by spending, largest first, at most `TOP_N`.
    pub top_payees: Vec<PayeeTotal>,
    /// The largest expenses, at most `TOP_N`, largest first (amounts compared within a
    /// currency, currencies by code).
    pub largest: Vec<Expense>,
    /// True when the month has more than `DETAIL_LIMIT` items and only the first were read.
    pub truncated: bool,
}

/// The month `n` months before `m`.
pub fn months_back(m: Month, n: u32) -> Month {
    (0..n).fold(m, |m, _| m.prev())
}

/// How the category table is ordered (among siblings; children stay under their parent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum CategorySort {
    /// By this month's spending.
    #[default]
    Spent,
    /// By name.
    Name,
    /// By the change from last month.
    Change,
    /// By what is left of the budget, least (most over) first; no budget last.
    Remaining,
}

impl CategorySort {
    /// The next order in the cycle.
    pub fn next(self) -> CategorySort {
        match self {
            CategorySort::Spent => CategorySort::Name,
            CategorySort::Name => CategorySort::Change,
            CategorySort::Change => CategorySort::Remaining,
            CategorySort::Remaining => CategorySort::Spent,
        }
    }

    /// Column name.
    pub fn label(self) -> &'static str {
        match self {
            CategorySort::Spent => "spent",
            CategorySort::Name => "name",
            CategorySort::Change => "change",
            CategorySort::Remaining => "remaining",
        }
    }
}

impl Review {
    /// Indexes into `categories` of the rows shown: top-level categories, and the children of
    /// every expanded one (by path), siblings in `sort` order (`descending` reverses it).
    pub fn visible(
        &self,
        expanded: &std::collections::BTreeSet<String>,
        sort: CategorySort,
        descending: bool,
    ) -> Vec<usize> {
        let mut out = Vec::new();
        self.push_children(None, 0, expanded, sort, descending, &mut out);
        out
    }

    fn push_children(
        &self,
        parent: Option<usize>,
        depth: usize,
        expanded: &std::collections::BTreeSet<String>,
        sort: CategorySort,
        descending: bool,
        out: &mut Vec<usize>,
    ) {
        let mut kids: Vec<usize> = (0..self.categories.len())
            .filter(|&i| {
                let c = &self.categories[i];
                c.depth == depth
                    && match parent {
                        None => true,
                        Some(p) => {
                            let p = &self.categories[p];
                            c.currency == p.currency && c.parent() == Some(p.category.as_str())
                        }
                    }
            })
            .collect();
        let key = |i: &usize| {
            let c = &self.categories[*i];
            match sort {
                CategorySort::Spent => (c.this, 0i64),
                CategorySort::Change => (c.this.saturating_sub(c.last), 0),
                CategorySort::Remaining => match c.remaining() {
                    Some(r) => (1, r.saturating_neg()),
                    None => (0, 0),
                },
                CategorySort::Name => (0, 0),
            }
        };
        kids.sort_by(|a, b| {
            let (ca, cb) = (&self.categories[*a], &self.categories[*b]);
            let by_name = ca
                .name()
                .to_lowercase()
                .cmp(&cb.name().to_lowercase())
                .then(ca.currency.cmp(&cb.currency));
            let primary = if sort == CategorySort::Name {
                std::cmp::Ordering::Equal
            } else {
                key(b).cmp(&key(a))
            };
            let ord = primary.then(by_name);
            if descending {
                ord.reverse()
            } else {
                ord
            }
        });
        for k in kids {
            out.push(k);
            let c = &self.categories[k];
            if c.has_children && expanded.contains(&c.category) {
                self.push_children(Some(k), depth + 1, expanded, sort, descending, out);
            }
        }
    }

    /// Total spending of `category` (and below) per month of the trend, in `currency`, oldest
    /// first; `None` category: all spending.
    pub fn trend_of(&self, category: Option<&str>, currency: Currency) -> Vec<(Month, i64)> {
        let mut months: Vec<(Month, i64)> = (0..TREND_MONTHS)
            .rev()
            .map(|n| (months_back(self.month, n), 0))
            .collect();
        for p in &self.trend {
            if p.currency != currency || category.is_some_and(|c| !is_within(&p.category, c)) {
                continue;
            }
            if let Some(m) = months.iter_mut().find(|(m, _)| *m == p.month) {
                m.1 = m.1.saturating_add(p.spent);
            }
        }
        months
    }

    /// The currency the charts use: the converted one, else the one with the most spending.
    pub fn main_currency(&self) -> Option<Currency> {
        if let Some(c) = &self.converted {
            return Some(c.to);
        }
        self.totals
            .iter()
            .max_by_key(|t| (t.spent, std::cmp::Reverse(t.currency)))
            .map(|t| t.currency)
    }
}
