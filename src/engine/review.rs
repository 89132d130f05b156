//! The review query: the monthly review's numbers from the store's aggregates, one function,
//! [`compute`], used by the engine, `expense report` and the benchmarks, so the screen and the
//! report can never disagree. Top payees and the largest expenses need items, so they come from
//! [`details`], a separate bounded scan (see [`DETAIL_LIMIT`]) that the screen loads after the
//! numbers. The data types are `domain::review`.

use crate::domain::category::{ancestors, is_within, top_level};
pub use crate::domain::review::DETAIL_LIMIT;
use crate::domain::review::{
    months_back, CategoryTotal, Conversion, DaySpend, PayeeTotal, Review, ReviewDetails,
    ReviewQuery, TrendPoint, TOP_N,
};
use crate::domain::totals::{PerCurrency, Totals};
use crate::domain::{Currency, Expense, ExpenseId, Kind, Month};
use crate::store::{Store, StoreError};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The review of `q.month`: one range scan of the month's day aggregates (totals, categories,
/// days) and one of the month aggregates for the 12 months before it (last month, last year,
/// trend), plus the budgets. No item is read. Months start on `start_day`: the day the store
/// keeps its month aggregates for (`Store::month_start_day`, set by its holder).
pub fn compute(store: &Store, q: &ReviewQuery, start_day: u32) -> Result<Review, StoreError> {
    let (from, to) = q.month.range(start_day);
    let mut totals = PerCurrency::default();
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
    let mut last_month = PerCurrency::default();
    let mut last_year = PerCurrency::default();
    let mut before: BTreeMap<(String, Currency), i64> = BTreeMap::new();
    let mut trend: Vec<TrendPoint> = Vec::new();
    store.for_each_month_agg(year_ago, last, start_day, |r| {
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
    // What recurring expenses will still post in the month (pending occurrences, `store/
    // schedule.rs`): a small read of `schedules-1`, nothing when there are none.
    let mut to_come: BTreeMap<(String, Currency), i64> = BTreeMap::new();
    let schedules = store.schedules()?;
    for u in super::schedules::upcoming(&schedules, from, to) {
        if u.draft.kind == Kind::Expense {
            let e = to_come
                .entry((u.draft.category, u.draft.currency))
                .or_default();
            *e = e.saturating_add(u.draft.amount);
        }
    }
    let leaves = Leaves {
        this,
        before,
        to_come,
    };
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
    /// Recurring expenses still to come in the month.
    to_come: BTreeMap<(String, Currency), i64>,
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
                to_come: 0,
            })
    }
    // (this, last, count, to come) added to a category and every parent.
    let add = |nodes: &mut BTreeMap<_, _>, cat: &str, cur, v: (i64, i64, u64, i64)| {
        for a in ancestors(cat) {
            let n = node(nodes, a, cur);
            n.this = n.this.saturating_add(v.0);
            n.last = n.last.saturating_add(v.1);
            n.count += v.2;
            n.to_come = n.to_come.saturating_add(v.3);
        }
    };
    for ((cat, cur), (sum, count)) in &leaves.this {
        add(&mut nodes, cat, *cur, (*sum, 0, *count, 0));
    }
    for ((cat, cur), sum) in &leaves.before {
        add(&mut nodes, cat, *cur, (0, *sum, 0, 0));
    }
    for ((cat, cur), sum) in &leaves.to_come {
        add(&mut nodes, cat, *cur, (0, 0, 0, *sum));
    }
    for (cat, cur, amount) in budgets {
        add(&mut nodes, cat, *cur, (0, 0, 0, 0));
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
        let mut acc = PerCurrency::default();
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
    let mut to_come: BTreeMap<(String, Currency), i64> = BTreeMap::new();
    for ((cat, cur), sum) in leaves.to_come {
        let (c, v) = conv(cur, sum);
        let e = to_come.entry((cat, c)).or_default();
        *e = e.saturating_add(v);
    }
    review.categories = tree(
        &Leaves {
            this,
            before,
            to_come,
        },
        budgets,
    );
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
        // Largest spending: a refund is money back, never one of the largest.
        if e.amount > 0 && (largest.len() < TOP_N || largest.last().is_some_and(|l| key < *l)) {
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

    /// The review counts what recurring expenses will still post in the month per category (and
    /// its parents), apart from what was spent, and says which budgets that takes over.
    #[test]
    #[allow(clippy::inconsistent_digit_grouping)]
    fn the_review_shows_what_is_still_to_come_and_which_budget_it_takes_over() {
        use crate::domain::schedule::{End, Every, Rule, Schedule};
        use crate::store::Origin;
        let store = Store::open_temporary().unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let spend = crate::domain::Draft::sample(day(2), 150_00, "food:groceries", "Lidl");
        store.put(spend, Origin::User, 1).unwrap();
        store
            .set_budget("food", Some((Currency::EUR, 300_00)), Origin::User, 1)
            .unwrap();
        let rule = Rule::new(day(1), Every::Weeks(1), End::Never).unwrap();
        let box_ = crate::domain::Draft::sample(day(1), 25_00, "food:veg-box", "Farm");
        let s = Schedule::new(crate::store::new_schedule_id(), box_, rule, false);
        store.save_schedule(&s, Origin::User, 1).unwrap();
        // Posted through the 10th (1st and 8th); the 15th, 22nd and 29th are still to come.
        assert_eq!(store.post_due(day(10), 2).unwrap().records.len(), 2);
        let q = ReviewQuery {
            month: Month::containing(day(10), 1),
            rates: Default::default(),
            currency: Currency::EUR,
        };
        let r = compute(&store, &q, 1).unwrap();
        let food = r.categories.iter().find(|c| c.category == "food").unwrap();
        assert_eq!((food.this, food.to_come), (200_00, 75_00));
        assert!(!food.will_go_over(), "200 spent + 75 to come fit in 300");
        let veg = r
            .categories
            .iter()
            .find(|c| c.category == "food:veg-box")
            .unwrap();
        assert_eq!(veg.to_come, 75_00);
        store
            .set_budget("food", Some((Currency::EUR, 250_00)), Origin::User, 3)
            .unwrap();
        let r = compute(&store, &q, 1).unwrap();
        let food = r.categories.iter().find(|c| c.category == "food").unwrap();
        assert!(food.will_go_over(), "200 spent + 75 to come > 250");
    }
}
