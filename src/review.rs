//! The monthly review's numbers, computed from the store's aggregates: one function, [`compute`],
//! used by the TUI runtime, `expense report` and the benchmarks, so the screen and the report
//! can never disagree. Top payees and the largest expenses need items, so they come from
//! [`details`], a separate bounded scan (see [`DETAIL_LIMIT`]) that the screen loads after the
//! numbers. Rule: amounts of different currencies are never added, except through the
//! configured exact rates ([`Rates`]), and a converted review says so.

use crate::domain::rates::Rates;
use crate::domain::{Currency, Expense, ExpenseId, Kind, Month};
use crate::store::triggers::is_within;
use crate::store::{Store, StoreError};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Months in the spending trend (the review's month and the 11 before it).
pub const TREND_MONTHS: u32 = 12;
/// At most this many of the month's items are read for top payees and largest expenses. A month
/// of the 1M-expense demo holds ~8,500; a month beyond the limit is reported as truncated.
pub const DETAIL_LIMIT: usize = 50_000;
/// Entries in the top-payee and largest-expense lists.
pub const TOP_N: usize = 10;

/// Totals of one currency in one month.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Totals {
    /// The currency.
    pub currency: Currency,
    /// Spending, positive minor units.
    pub spent: i64,
    /// Income, positive minor units.
    pub income: i64,
    /// Number of items.
    pub count: u64,
}

impl Totals {
    /// Income minus spending.
    pub fn net(&self) -> i64 {
        self.income.saturating_sub(self.spent)
    }
}

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

/// `food` for `food:groceries`.
fn top_level(category: &str) -> &str {
    category.split(':').next().unwrap_or(category)
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
    /// The month.
    pub month: Month,
    /// First day of a budgeting month (1..=28).
    pub start_day: u32,
    /// The default currency (target of conversion).
    pub currency: Currency,
    /// Rates to the default currency; empty: no conversion.
    pub rates: Rates,
}

/// Totals per currency gathered from rows.
#[derive(Default)]
struct TotalsAcc(BTreeMap<Currency, Totals>);

impl TotalsAcc {
    fn add(&mut self, currency: Currency, kind: Kind, sum: i64, count: u64) {
        let t = self.0.entry(currency).or_insert(Totals {
            currency,
            spent: 0,
            income: 0,
            count: 0,
        });
        match kind {
            Kind::Expense => t.spent = t.spent.saturating_add(sum),
            Kind::Income => t.income = t.income.saturating_add(sum),
        }
        t.count += count;
    }

    fn done(self) -> Vec<Totals> {
        self.0.into_values().collect()
    }
}

/// The review of `q.month`: one range scan of the month's day aggregates (totals, categories,
/// days) and one of the month aggregates for the 12 months before it (last month, last year,
/// trend), plus the budgets. No item is read.
pub fn compute(store: &Store, q: &ReviewQuery) -> Result<Review, StoreError> {
    let (from, to) = q.month.range(q.start_day);
    let mut totals = TotalsAcc::default();
    let mut this: BTreeMap<(String, Currency), (i64, u64)> = BTreeMap::new();
    let mut days: BTreeMap<(NaiveDate, Currency, String), i64> = BTreeMap::new();
    store.for_each_agg(from, to, |r| {
        totals.add(r.currency, r.kind, r.sum, r.count);
        if r.kind == Kind::Expense {
            let top = top_level(&r.category).to_string();
            let d = days.entry((r.date, r.currency, top)).or_default();
            *d = d.saturating_add(r.sum);
            let e = this.entry((r.category, r.currency)).or_default();
            e.0 = e.0.saturating_add(r.sum);
            e.1 += r.count;
        }
    })?;
    let year_ago = months_back(q.month, 12);
    let last = q.month.prev();
    let mut last_month = TotalsAcc::default();
    let mut last_year = TotalsAcc::default();
    let mut before: BTreeMap<(String, Currency), i64> = BTreeMap::new();
    let mut trend: Vec<TrendPoint> = Vec::new();
    store.for_each_month_agg(year_ago, last, q.start_day, |r| {
        if r.month == last {
            last_month.add(r.currency, r.kind, r.sum, r.count);
        }
        if r.month == year_ago {
            last_year.add(r.currency, r.kind, r.sum, r.count);
        }
        if r.kind != Kind::Expense {
            return;
        }
        if r.month == last {
            let e = before.entry((r.category.clone(), r.currency)).or_default();
            *e = e.saturating_add(r.sum);
        }
        if r.month > year_ago {
            trend.push(TrendPoint {
                month: r.month,
                category: r.category,
                currency: r.currency,
                spent: r.sum,
            });
        }
    })?;
    for ((category, currency), (spent, _)) in &this {
        trend.push(TrendPoint {
            month: q.month,
            category: category.clone(),
            currency: *currency,
            spent: *spent,
        });
    }
    let budgets = store.budgets()?;
    let mut review = Review {
        month: q.month,
        from,
        to,
        totals: totals.done(),
        last_month: last_month.done(),
        last_year: last_year.done(),
        categories: Vec::new(),
        days: days
            .into_iter()
            .map(|((date, currency, category), spent)| DaySpend {
                date,
                currency,
                category,
                spent,
            })
            .collect(),
        trend,
        converted: None,
    };
    let leaves = Leaves { this, before };
    let budgets: Vec<(String, Currency, i64)> = budgets
        .into_iter()
        .map(|b| (b.category, b.currency, b.amount))
        .collect();
    if q.rates.is_empty() {
        review.categories = tree(&leaves, &budgets);
        return Ok(review);
    }
    Ok(convert(review, leaves, &budgets, q))
}

/// Month sums per (leaf category, currency): this month (sum, count) and the month before.
struct Leaves {
    this: BTreeMap<(String, Currency), (i64, u64)>,
    before: BTreeMap<(String, Currency), i64>,
}

fn months_back(m: Month, n: u32) -> Month {
    (0..n).fold(m, |m, _| m.prev())
}

/// Every category node (each leaf and its parents, plus budgeted ones) with rolled-up sums.
fn tree(leaves: &Leaves, budgets: &[(String, Currency, i64)]) -> Vec<CategoryTotal> {
    // Key: path segments (so `food` < `food:x` < `food-2` as a tree), then currency.
    let mut nodes: BTreeMap<(Vec<String>, Currency), CategoryTotal> = BTreeMap::new();
    fn node<'a>(
        nodes: &'a mut BTreeMap<(Vec<String>, Currency), CategoryTotal>,
        path: &str,
        currency: Currency,
    ) -> &'a mut CategoryTotal {
        let segs: Vec<String> = path.split(':').map(str::to_string).collect();
        nodes
            .entry((segs, currency))
            .or_insert_with(|| CategoryTotal {
                category: path.to_string(),
                depth: path.matches(':').count(),
                has_children: false,
                currency,
                this: 0,
                last: 0,
                count: 0,
                budget: None,
            })
    }
    let add = |nodes: &mut BTreeMap<_, _>, cat: &str, cur, this: i64, last: i64, count: u64| {
        for a in crate::store::triggers::ancestors(cat) {
            let n = node(nodes, a, cur);
            n.this = n.this.saturating_add(this);
            n.last = n.last.saturating_add(last);
            n.count += count;
        }
    };
    for ((cat, cur), (sum, count)) in &leaves.this {
        add(&mut nodes, cat, *cur, *sum, 0, *count);
    }
    for ((cat, cur), sum) in &leaves.before {
        add(&mut nodes, cat, *cur, 0, *sum, 0);
    }
    for (cat, cur, amount) in budgets {
        add(&mut nodes, cat, *cur, 0, 0, 0);
        node(&mut nodes, cat, *cur).budget = Some(*amount);
    }
    let mut out: Vec<CategoryTotal> = nodes.into_values().collect();
    for i in 0..out.len() {
        let (cat, cur) = (out[i].category.clone(), out[i].currency);
        out[i].has_children = out[i + 1..]
            .iter()
            .any(|c| c.currency == cur && c.depth > out[i].depth && is_within(&c.category, &cat));
    }
    out
}

/// The review with every amount that has a rate converted into `q.currency` (rounded half away
/// from zero per category and per total, exactly, in integers).
fn convert(
    mut review: Review,
    leaves: Leaves,
    budgets: &[(String, Currency, i64)],
    q: &ReviewQuery,
) -> Review {
    let to = q.currency;
    let conv = |c: Currency, v: i64| -> (Currency, i64) {
        match q.rates.convert(v, c, to) {
            Some(x) => (to, x),
            None => (c, v),
        }
    };
    let merge_totals = |ts: Vec<Totals>| -> Vec<Totals> {
        let mut acc = TotalsAcc::default();
        for t in ts {
            let (c, spent) = conv(t.currency, t.spent);
            let (_, income) = conv(t.currency, t.income);
            acc.add(c, Kind::Expense, spent, t.count);
            acc.add(c, Kind::Income, income, 0);
        }
        acc.done()
    };
    review.totals = merge_totals(std::mem::take(&mut review.totals));
    review.last_month = merge_totals(std::mem::take(&mut review.last_month));
    review.last_year = merge_totals(std::mem::take(&mut review.last_year));
    let mut this: BTreeMap<(String, Currency), (i64, u64)> = BTreeMap::new();
    for ((cat, cur), (sum, count)) in leaves.this {
        let (c, v) = conv(cur, sum);
        let e = this.entry((cat, c)).or_default();
        e.0 = e.0.saturating_add(v);
        e.1 += count;
    }
    let mut before: BTreeMap<(String, Currency), i64> = BTreeMap::new();
    for ((cat, cur), sum) in leaves.before {
        let (c, v) = conv(cur, sum);
        let e = before.entry((cat, c)).or_default();
        *e = e.saturating_add(v);
    }
    review.categories = tree(&Leaves { this, before }, budgets);
    let mut days: BTreeMap<(NaiveDate, Currency, String), i64> = BTreeMap::new();
    for d in std::mem::take(&mut review.days) {
        let (c, v) = conv(d.currency, d.spent);
        let e = days.entry((d.date, c, d.category)).or_default();
        *e = e.saturating_add(v);
    }
    review.days = days
        .into_iter()
        .map(|((date, currency, category), spent)| DaySpend {
            date,
            currency,
            category,
            spent,
        })
        .collect();
    for p in &mut review.trend {
        (p.currency, p.spent) = conv(p.currency, p.spent);
    }
    review.converted = Some(Conversion {
        to,
        rates: q.rates.describe(to),
    });
    review
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

/// Top payees and largest expenses of `month`: one range scan of the month's date index entries
/// (at most `limit`, see [`DETAIL_LIMIT`]), which carry the fields this needs
/// (`Store::for_each_projected`); only the `TOP_N` largest are read whole.
pub fn details(
    store: &Store,
    month: Month,
    start_day: u32,
    limit: usize,
) -> Result<ReviewDetails, StoreError> {
    let (from, to) = month.range(start_day);
    // Largest first: amounts compared within a currency, then currency, date and id.
    type Key = (std::cmp::Reverse<i64>, Currency, NaiveDate, ExpenseId);
    // Per currency, per payee: spent and count (looked up by the borrowed payee text).
    let mut payees: BTreeMap<Currency, std::collections::HashMap<String, (i64, u64)>> =
        BTreeMap::new();
    let mut largest: Vec<Key> = Vec::with_capacity(TOP_N + 1);
    let read = store.for_each_projected(from, to, limit.saturating_add(1), |e| {
        if e.kind != Kind::Expense {
            return;
        }
        let of_currency = payees.entry(e.currency).or_default();
        match of_currency.get_mut(e.payee) {
            Some(p) => {
                p.0 = p.0.saturating_add(e.amount);
                p.1 += 1;
            }
            None => {
                of_currency.insert(e.payee.to_string(), (e.amount, 1));
            }
        }
        let key = (std::cmp::Reverse(e.amount), e.currency, e.date, e.id);
        if largest.len() < TOP_N || largest.last().is_some_and(|l| key < *l) {
            let at = largest.partition_point(|l| *l < key);
            largest.insert(at, key);
            largest.truncate(TOP_N);
        }
    })?;
    // Only the few largest are read whole.
    let largest = largest
        .into_iter()
        .map(|(_, _, _, id)| {
            store.get(id)?.ok_or_else(|| {
                StoreError::Invalid(format!("expense {id} is in the date index but not stored"))
            })
        })
        .collect::<Result<Vec<Expense>, StoreError>>()?;
    let mut top: Vec<PayeeTotal> = payees
        .into_iter()
        .flat_map(|(currency, of_currency)| {
            of_currency
                .into_iter()
                .map(move |(payee, (spent, count))| PayeeTotal {
                    payee,
                    currency,
                    spent,
                    count,
                })
        })
        .collect();
    top.sort_by(|a, b| (b.spent, &a.currency, &a.payee).cmp(&(a.spent, &b.currency, &b.payee)));
    top.truncate(TOP_N);
    Ok(ReviewDetails {
        month,
        top_payees: top,
        largest,
        truncated: read > limit,
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Draft;
    use crate::store::Origin;

    /// The date index's projected fields give what one pass over the month's items gives:
    /// payee sums, the largest expenses in their total order, and the limit.
    #[test]
    fn details_from_the_index_projection_equal_one_pass_over_items() {
        let store = Store::open_temporary().unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let drafts: Vec<Draft> = (0..1500u32)
            .map(|i| Draft {
                date: day(1 + i % 30),
                // Ties on purpose: the order's later keys (currency, date, id) decide.
                amount: i64::from(i * 7919 % 600) + 1,
                currency: if i % 5 == 0 {
                    Currency::parse("USD").unwrap()
                } else {
                    Currency::EUR
                },
                category: "food".into(),
                payee: format!("payee{}", i % 37),
                note: String::new(),
                tags: vec![],
                kind: if i % 11 == 0 {
                    Kind::Income
                } else {
                    Kind::Expense
                },
            })
            .collect();
        store.put_batch(drafts, Origin::User, 1).unwrap();
        let month = Month::containing(day(15), 1);
        let items = store.range(day(1), day(30), false, 0, usize::MAX).unwrap();
        for limit in [100, 1499, DETAIL_LIMIT] {
            let d = details(&store, month, 1, limit).unwrap();
            let read: Vec<&Expense> = items.iter().take(limit + 1).collect();
            let spent: Vec<&&Expense> = read
                .iter()
                .filter(|e| e.draft.kind == Kind::Expense)
                .collect();
            let mut payees: BTreeMap<(String, Currency), (i64, u64)> = BTreeMap::new();
            for e in &spent {
                let p = payees
                    .entry((e.draft.payee.clone(), e.draft.currency))
                    .or_default();
                p.0 += e.draft.amount;
                p.1 += 1;
            }
            let mut want: Vec<PayeeTotal> = payees
                .into_iter()
                .map(|((payee, currency), (spent, count))| PayeeTotal {
                    payee,
                    currency,
                    spent,
                    count,
                })
                .collect();
            want.sort_by(|a, b| {
                (b.spent, &a.currency, &a.payee).cmp(&(a.spent, &b.currency, &b.payee))
            });
            want.truncate(TOP_N);
            assert_eq!(d.top_payees, want, "limit {limit}");
            let mut largest: Vec<Expense> = spent.iter().map(|e| (**e).clone()).collect();
            largest.sort_by(|a, b| {
                (b.draft.amount, a.draft.currency, a.draft.date, a.id).cmp(&(
                    a.draft.amount,
                    b.draft.currency,
                    b.draft.date,
                    b.id,
                ))
            });
            largest.truncate(TOP_N);
            assert_eq!(d.largest, largest, "limit {limit}");
            assert_eq!(d.truncated, read.len() > limit, "limit {limit}");
        }
    }
}
