//! Reads: one item, a date range of items (a page of the ledger, an export), positions in a
//! range, a category's items, totals from the day aggregates, the completion counters and the
//! change stream. Rule: reads never write, and a read that lists items walks an index (`idx_date`)
//! and reads only the items it returns.

use super::codec::{decode_payee, decode_u64, Agg};
use super::error::corrupt;
use super::keys::{self, date_key, date_u32, AggKey, COUNT_CATEGORY, COUNT_PAYEE, COUNT_TAG};
use super::tables::{self, ITEMS};
use super::{stream, ChangeRecord, ChangeView, Images, Store, StoreError, Summary};
use crate::domain::totals::Totals;
use crate::domain::{Currency, Expense, ExpenseId, Kind};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Items read per batch by [`Store::iter_range`].
const EXPORT_BATCH: usize = 2_048;

impl Store {
    /// The expense `id`, if stored.
    pub fn get(&self, id: ExpenseId) -> Result<Option<Expense>, StoreError> {
        let key = keys::id_key(id);
        match self.trees.items.get(key)? {
            Some(v) => Ok(Some(
                super::pointer::read_item(&self.trees, id, &key, &v)?
                    .to_expense(id, ITEMS, &key)?,
            )),
            None => Ok(None),
        }
    }

    pub(super) fn must_get(
        &self,
        id: ExpenseId,
        index: &str,
        key: &[u8],
    ) -> Result<Expense, StoreError> {
        self.get(id)?
            .ok_or_else(|| corrupt(index, key, format!("index entry for missing item {id}")))
    }

    /// Items with `from <= date <= to` in (date, id) order (or reversed), skipping `skip`, at
    /// most `take`.
    pub fn range(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        reverse: bool,
        skip: usize,
        take: usize,
    ) -> Result<Vec<Expense>, StoreError> {
        if from > to {
            return Ok(Vec::new());
        }
        let lo = date_key(date_u32(from), ExpenseId(0));
        let hi = date_key(date_u32(to), ExpenseId(u128::MAX));
        let iter = self.trees.idx_date.range(lo..=hi).keys();
        let keys: Box<dyn Iterator<Item = sled::Result<sled::IVec>>> = if reverse {
            Box::new(iter.rev())
        } else {
            Box::new(iter)
        };
        let mut out = Vec::new();
        for k in keys.skip(skip).take(take) {
            let k = k?;
            let (_, id) = keys::decode_date_key(&k)
                .ok_or_else(|| corrupt(tables::IDX_DATE, &k, "not a date key"))?;
            out.push(self.must_get(id, tables::IDX_DATE, &k)?);
        }
        Ok(out)
    }

    /// Items with `from <= date <= to` in (date, id) order, read a batch at a time as the
    /// caller consumes them (constant memory: `expense export` of a million items streams; a
    /// batch's images are read in seq order, `pointer::read_items`).
    pub fn iter_range(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = Result<Expense, StoreError>> + '_ {
        let lo = date_key(date_u32(from), ExpenseId(0));
        let hi = date_key(date_u32(to), ExpenseId(u128::MAX));
        let mut keys = (from <= to)
            .then(|| self.trees.idx_date.range(lo..=hi).keys())
            .into_iter()
            .flatten();
        let mut ready = std::collections::VecDeque::new();
        std::iter::from_fn(move || {
            if ready.is_empty() {
                self.next_batch(&mut keys, &mut ready);
            }
            ready.pop_front()
        })
    }

    /// Up to [`EXPORT_BATCH`] items of the `idx_date` keys `keys` into `ready`, in their order;
    /// an error ends the batch.
    fn next_batch(
        &self,
        keys: &mut impl Iterator<Item = sled::Result<sled::IVec>>,
        ready: &mut std::collections::VecDeque<Result<Expense, StoreError>>,
    ) {
        let mut entries = Vec::new();
        let mut failed = None;
        for k in keys.by_ref().take(EXPORT_BATCH) {
            let found = k.map_err(StoreError::from).and_then(|k| {
                let (_, id) = keys::decode_date_key(&k)
                    .ok_or_else(|| corrupt(tables::IDX_DATE, &k, "not a date key"))?;
                let ikey = keys::id_key(id);
                match self.trees.items.get(ikey)? {
                    Some(v) => Ok((id, sled::IVec::from(&ikey[..]), v)),
                    None => Err(corrupt(
                        tables::IDX_DATE,
                        &k,
                        format!("index entry for missing item {id}"),
                    )),
                }
            });
            match found {
                Ok(e) => entries.push(e),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let items = super::pointer::read_items(&self.trees, &entries);
        for ((id, key, _), item) in entries.iter().zip(items) {
            ready.push_back(item.and_then(|i| i.to_expense(*id, ITEMS, key)));
        }
        ready.extend(failed.map(Err));
    }

    /// The index `range(from, to, reverse, ..)` would give the item `id`, counting index keys
    /// only (no item reads); `None` when it is not stored or outside the range.
    pub fn position_in_range(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        reverse: bool,
        id: ExpenseId,
    ) -> Result<Option<usize>, StoreError> {
        let Some(item) = self.get(id)? else {
            return Ok(None);
        };
        let date = item.draft.date;
        if date < from || date > to {
            return Ok(None);
        }
        let key = date_key(date_u32(date), id);
        let n = if reverse {
            let hi = date_key(date_u32(to), ExpenseId(u128::MAX));
            self.trees
                .idx_date
                .range(key..=hi)
                .keys()
                .count()
                .saturating_sub(1)
        } else {
            let lo = date_key(date_u32(from), ExpenseId(0));
            self.trees.idx_date.range(lo..key).keys().count()
        };
        Ok(Some(n))
    }

    /// Items in the date range whose category is `category` or below it (`food` matches
    /// `food:groceries`, not `foodstuff`), sorted by (date, id). An empty `category` matches all.
    pub fn range_in_category(
        &self,
        category: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Expense>, StoreError> {
        if category.is_empty() {
            return self.range(from, to, false, 0, usize::MAX);
        }
        if from > to {
            return Ok(Vec::new());
        }
        // The month's date entries carry the category (schema 4): one range scan picks the ids,
        // in (date, id) order, then each item is read.
        let below = format!("{category}:");
        let mut found: Vec<(NaiveDate, ExpenseId)> = Vec::new();
        self.for_each_projected(from, to, usize::MAX, |p| {
            if p.category == category || p.category.starts_with(&below) {
                found.push((p.date, p.id));
            }
        })?;
        found
            .into_iter()
            .map(|(date, id)| self.must_get(id, tables::IDX_DATE, &date_key(date_u32(date), id)))
            .collect()
    }

    /// Category counters whose name starts with `prefix` (`counts` keys `b'c' ++ name`).
    pub(super) fn prefixed_counts(
        &self,
        kind: u8,
        prefix: &str,
    ) -> Result<Vec<(String, sled::IVec)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.trees.counts.scan_prefix(keys::count_key(kind, prefix)) {
            let (k, v) = kv?;
            let (_, name) = keys::decode_count_key(&k)
                .ok_or_else(|| corrupt(tables::COUNTS, &k, "name is not UTF-8"))?;
            out.push((name, v));
        }
        Ok(out)
    }

    /// Count and per-currency spent/income for `from <= date <= to`, from `agg_day` only.
    pub fn summary(&self, from: NaiveDate, to: NaiveDate) -> Result<Summary, StoreError> {
        let mut summary = Summary::default();
        if from > to {
            return Ok(summary);
        }
        let lo = date_u32(from).to_be_bytes();
        let hi = date_u32(to).saturating_add(1).to_be_bytes();
        let mut by_currency: BTreeMap<Currency, Totals> = BTreeMap::new();
        let overflow = || StoreError::Overflow("the summary total".into());
        for kv in self.trees.agg_day.range(lo..hi) {
            let (k, v) = kv?;
            let key = AggKey::decode(&k).ok_or_else(|| corrupt(tables::AGG_DAY, &k, "bad key"))?;
            let agg = Agg::decode(tables::AGG_DAY, &k, &v)?;
            let t = by_currency
                .entry(key.currency)
                .or_insert_with(|| Totals::zero(key.currency));
            let sum = match key.kind {
                Kind::Expense => &mut t.spent,
                Kind::Income => &mut t.income,
            };
            *sum = sum.checked_add(agg.sum).ok_or_else(overflow)?;
            t.count = t.count.checked_add(agg.count).ok_or_else(overflow)?;
            summary.count = summary.count.checked_add(agg.count).ok_or_else(overflow)?;
        }
        summary.totals = by_currency.into_values().collect();
        Ok(summary)
    }

    /// The stream's label (`tables::META_STREAM_LABEL`): sequence numbers are read together
    /// with it; a restore starts a new one.
    pub fn stream_label(&self) -> Result<String, StoreError> {
        let key = super::tables::META_STREAM_LABEL;
        match self.trees.meta.get(key)? {
            Some(v) => String::from_utf8(v.to_vec())
                .map_err(|_| corrupt(super::tables::META, key, "stream label is not UTF-8")),
            None => Err(corrupt(super::tables::META, key, "no stream label")),
        }
    }

    /// Known categories with their use counts, most used first (ties by name).
    pub fn categories(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.counted(COUNT_CATEGORY)
    }

    /// Known tags with the number of items carrying them, most used first (ties by name).
    pub fn tags(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.counted(COUNT_TAG)
    }

    /// The plain u64 counters of one kind, most used first (ties by name).
    pub(super) fn counted(&self, kind: u8) -> Result<Vec<(String, u64)>, StoreError> {
        let mut out = Vec::new();
        for (name, v) in self.prefixed_counts(kind, "")? {
            let key = keys::count_key(kind, &name);
            out.push((name, decode_u64(tables::COUNTS, &key, &v)?));
        }
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// Known payees with their use counts and the category each was last written with, most
    /// used first (ties by name).
    pub fn payees(&self) -> Result<Vec<(String, u64, String)>, StoreError> {
        let mut out = Vec::new();
        for (name, v) in self.prefixed_counts(COUNT_PAYEE, "")? {
            let key = keys::count_key(COUNT_PAYEE, &name);
            let p = decode_payee(tables::COUNTS, &key, &v)?;
            out.push((name, p.count, p.last_category));
        }
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// The seq of the last change record (0 for a new store).
    pub fn last_seq(&self) -> Result<u64, StoreError> {
        self.trees.last_seq()
    }

    /// Change records with `seq > after`, at most `limit`, old images resolved via `prev_seq`.
    pub fn stream_since(&self, after: u64, limit: usize) -> Result<Vec<ChangeRecord>, StoreError> {
        stream::read_since(&self.trees, after, limit)
    }

    /// Hands each change record with `seq > after` (at most `limit`) to `visit`, borrowed and
    /// with only the `images` asked for; the fast path of `expense stream`. Returns the seq of
    /// the last record visited.
    pub fn visit_stream<E: From<StoreError>>(
        &self,
        after: u64,
        limit: usize,
        images: Images,
        visit: impl FnMut(&ChangeView<'_>) -> Result<(), E>,
    ) -> Result<Option<u64>, E> {
        stream::visit_since(&self.trees, after, limit, images, visit)
    }

    /// Number of stored items (sled counts them by scanning `items`).
    pub fn len(&self) -> usize {
        self.trees.items.len()
    }

    /// True when no item is stored.
    pub fn is_empty(&self) -> bool {
        // `first()` reads one key; sled's `is_empty` is cheap too, but say so explicitly.
        matches!(self.trees.items.first(), Ok(None))
    }
}
