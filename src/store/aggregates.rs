//! Reads of the materialized aggregates (`agg_day-1`), and the bounded item scans the monthly
//! review needs besides them. Rule: nothing here writes; a month of any start day is a range of
//! days, so every query takes an inclusive date range.

use super::codec::{decode_projection, decode_u32, decode_u64, Agg};
use super::error::corrupt;
use super::keys::{
    date_from_u32, date_key, date_u32, decode_date_key, kind_byte, kind_from_byte, month_key,
    month_u32, AggKey,
};
use super::tables::{AGG_DAY, AGG_MONTH, IDX_DATE, META, META_SEQ, META_START_DAY};
use super::write::RETRY;
use super::{Store, StoreError};
use crate::domain::{Currency, ExpenseId, Kind, Month};
use chrono::NaiveDate;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;
use std::collections::{BTreeMap, HashMap};

/// One `agg_day` row: the sum and count of one (day, currency, kind, category).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggRow {
    /// The day.
    pub date: NaiveDate,
    /// Currency of the amounts.
    pub currency: Currency,
    /// Spending or income.
    pub kind: Kind,
    /// Full category path.
    pub category: String,
    /// Sum of positive minor units.
    pub sum: i64,
    /// Number of items.
    pub count: u64,
}

/// One row of a month's aggregate: the sum and count of one (month, currency, kind, category).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthAggRow {
    /// The budgeting month.
    pub month: Month,
    /// Currency of the amounts.
    pub currency: Currency,
    /// Spending or income.
    pub kind: Kind,
    /// Full category path.
    pub category: String,
    /// Sum of positive minor units.
    pub sum: i64,
    /// Number of items.
    pub count: u64,
}

/// One `idx_date` entry with the fields projected into it (see `codec::DateProjection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Projected<'a> {
    /// The expense.
    pub id: ExpenseId,
    /// Its date.
    pub date: NaiveDate,
    /// Expense or income.
    pub kind: Kind,
    /// Its currency.
    pub currency: Currency,
    /// Positive minor units.
    pub amount: i64,
    /// Payee, may be empty.
    pub payee: &'a str,
    /// Category path.
    pub category: &'a str,
}

impl Store {
    /// The month start day `agg_month` is maintained for, if any.
    pub fn month_start_day(&self) -> Result<Option<u32>, StoreError> {
        match self.trees.meta.get(META_START_DAY)? {
            Some(v) => Ok(Some(decode_u32(META, META_START_DAY, &v)?)),
            None => Ok(None),
        }
    }

    /// Makes `agg_month` hold months starting on `start_day`, rebuilding it from `agg_day` (one
    /// scan of the day aggregates, no item reads) when it holds another start day or none.
    /// Returns true when it rebuilt. The rebuild is one flushed transaction that only commits if
    /// no write happened since the scan (else it scans again).
    pub fn use_month_start_day(&self, start_day: u32) -> Result<bool, StoreError> {
        if !(1..=28).contains(&start_day) {
            return Err(StoreError::Invalid(format!(
                "month start day {start_day} is not in 1-28"
            )));
        }
        loop {
            if self.month_start_day()? == Some(start_day) {
                return Ok(false);
            }
            let last = self.last_seq()?;
            let mut want: BTreeMap<Vec<u8>, Agg> = BTreeMap::new();
            for kv in self.trees.agg_day.iter() {
                let (k, v) = kv?;
                let agg = Agg::decode(AGG_DAY, &k, &v)?;
                let date = k
                    .get(..4)
                    .and_then(|d| d.try_into().ok())
                    .map(u32::from_be_bytes)
                    .ok_or_else(|| corrupt(AGG_DAY, &k, "bad key"))?;
                let mut key = month_u32(date, start_day).to_be_bytes().to_vec();
                key.extend_from_slice(&k[4..]);
                let e = want.entry(key).or_default();
                e.sum = e
                    .sum
                    .checked_add(agg.sum)
                    .ok_or_else(|| StoreError::Overflow("a month total".into()))?;
                e.count += agg.count;
            }
            let old: Vec<sled::IVec> = self
                .trees
                .agg_month
                .iter()
                .keys()
                .collect::<Result<_, _>>()?;
            let r = (&self.trees.agg_month, &self.trees.meta).transaction(|(am, meta)| {
                let now = match meta.get(META_SEQ)? {
                    Some(v) => decode_u64(META, META_SEQ, &v)
                        .map_err(ConflictableTransactionError::Abort)?,
                    None => 0,
                };
                if now != last {
                    return Err(ConflictableTransactionError::Abort(StoreError::Sled(
                        RETRY.into(),
                    )));
                }
                for k in &old {
                    am.remove(k)?;
                }
                for (k, v) in &want {
                    am.insert(&k[..], &v.encode()[..])?;
                }
                meta.insert(META_START_DAY, &start_day.to_be_bytes()[..])?;
                am.flush();
                Ok(())
            });
            match r {
                Ok(()) => return Ok(true),
                Err(TransactionError::Abort(StoreError::Sled(m))) if m == RETRY => continue,
                Err(TransactionError::Abort(e)) => return Err(e),
                Err(TransactionError::Storage(e)) => return Err(e.into()),
            }
        }
    }

    /// For every category the store's aggregates name, whether it ever held an expense and
    /// whether it ever held an income (`[expense, income]`, exactly the category, every month
    /// ever). One scan of the month aggregates when they are kept (~12k rows for ten years of 50
    /// categories), else of the day aggregates: asked for refunds and imported credits only.
    pub fn category_kinds(&self) -> Result<HashMap<String, [bool; 2]>, StoreError> {
        let tree = match self.month_start_day()? {
            Some(_) => (&self.trees.agg_month, AGG_MONTH),
            None => (&self.trees.agg_day, super::tables::AGG_DAY),
        };
        let mut out: HashMap<String, [bool; 2]> = HashMap::new();
        for kv in tree.0.iter() {
            let (k, _) = kv?;
            let key = AggKey::decode(&k).ok_or_else(|| corrupt(tree.1, &k, "bad key"))?;
            let i = usize::from(key.kind == Kind::Income);
            out.entry(key.category).or_default()[i] = true;
        }
        Ok(out)
    }

    /// True when `category` holds income and never held an expense: an income category, where
    /// a refund is refused (a refund is money back in an expense category).
    pub fn is_income_category(&self, category: &str) -> Result<bool, StoreError> {
        Ok(self.category_kinds()?.get(category) == Some(&[false, true]))
    }

    /// Calls `f` with every aggregate row of the months `first..=last` (months starting on
    /// `start_day`), in month order. Reads `agg_month` when it is kept for `start_day`, else sums
    /// `agg_day` over the months' days: the same rows either way, the first much faster.
    pub fn for_each_month_agg(
        &self,
        first: Month,
        last: Month,
        start_day: u32,
        mut f: impl FnMut(MonthAggRow),
    ) -> Result<(), StoreError> {
        if first > last {
            return Ok(());
        }
        if self.month_start_day()? == Some(start_day) {
            let lo = month_key(first).to_be_bytes();
            let hi = month_key(last).saturating_add(1).to_be_bytes();
            for kv in self.trees.agg_month.range(lo..hi) {
                let (k, v) = kv?;
                let key = AggKey::decode(&k).ok_or_else(|| corrupt(AGG_MONTH, &k, "bad key"))?;
                let agg = Agg::decode(AGG_MONTH, &k, &v)?;
                let month = Month {
                    year: (key.date / 100) as i32,
                    month: key.date % 100,
                };
                f(MonthAggRow {
                    month,
                    currency: key.currency,
                    kind: key.kind,
                    category: key.category,
                    sum: agg.sum,
                    count: agg.count,
                });
            }
            return Ok(());
        }
        let (from, _) = first.range(start_day);
        let (_, to) = last.range(start_day);
        // Day rows summed per (month, currency, kind, category), in key order like `agg_month`.
        let mut sums: BTreeMap<(Month, Currency, u8, String), (i64, u64)> = BTreeMap::new();
        let mut overflow = false;
        self.for_each_agg(from, to, |r| {
            let m = Month::containing(r.date, start_day);
            let e = sums
                .entry((m, r.currency, kind_byte(r.kind), r.category))
                .or_default();
            match e.0.checked_add(r.sum) {
                Some(s) => e.0 = s,
                None => overflow = true,
            }
            e.1 += r.count;
        })?;
        if overflow {
            return Err(StoreError::Overflow("a month total".into()));
        }
        for ((month, currency, kind, category), (sum, count)) in sums {
            f(MonthAggRow {
                month,
                currency,
                kind: kind_from_byte(kind).unwrap_or(Kind::Expense),
                category,
                sum,
                count,
            });
        }
        Ok(())
    }

    /// Calls `f` with every aggregate row of `from <= date <= to`, in (date, currency, kind,
    /// category) order. One range scan of `agg_day`; no item is read.
    pub fn for_each_agg(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        mut f: impl FnMut(AggRow),
    ) -> Result<(), StoreError> {
        if from > to {
            return Ok(());
        }
        let lo = date_u32(from).to_be_bytes();
        let hi = date_u32(to).saturating_add(1).to_be_bytes();
        for kv in self.trees.agg_day.range(lo..hi) {
            let (k, v) = kv?;
            let key = AggKey::decode(&k).ok_or_else(|| corrupt(AGG_DAY, &k, "bad key"))?;
            let agg = Agg::decode(AGG_DAY, &k, &v)?;
            let date = date_from_u32(key.date).ok_or_else(|| corrupt(AGG_DAY, &k, "bad date"))?;
            f(AggRow {
                date,
                currency: key.currency,
                kind: key.kind,
                category: key.category,
                sum: agg.sum,
                count: agg.count,
            });
        }
        Ok(())
    }

    /// Calls `f` with the date index entries of `from <= date <= to` (at most `limit`, the
    /// earliest), each with the fields projected into it: one range scan, no item read. The scan
    /// behind a month's "top payees" and "largest expenses"; returns how many were read.
    pub fn for_each_projected(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        limit: usize,
        mut f: impl FnMut(Projected<'_>),
    ) -> Result<usize, StoreError> {
        if from > to {
            return Ok(0);
        }
        let lo = date_key(date_u32(from), ExpenseId(0));
        let hi = date_key(date_u32(to), ExpenseId(u128::MAX));
        let mut read = 0;
        for kv in self.trees.idx_date.range(lo..=hi).take(limit) {
            let (k, v) = kv?;
            let (date, id) =
                decode_date_key(&k).ok_or_else(|| corrupt(IDX_DATE, &k, "not a date key"))?;
            let p = decode_projection(IDX_DATE, &k, &v)?;
            let bad = |what: String| corrupt(IDX_DATE, &k, what);
            f(Projected {
                id,
                date: date_from_u32(date).ok_or_else(|| bad(format!("bad date {date}")))?,
                kind: kind_from_byte(p.kind).ok_or_else(|| bad(format!("bad kind {}", p.kind)))?,
                currency: Currency::from_bytes(p.currency)
                    .ok_or_else(|| bad(format!("bad currency {:?}", p.currency)))?,
                amount: p.amount,
                payee: p.payee,
                category: p.category,
            });
            read += 1;
        }
        Ok(read)
    }
}
