//! Test hooks: public only so that integration tests can damage a store on purpose and watch
//! `check` find it. Rule: nothing in the app calls these; each is `#[doc(hidden)]`.

use super::check::describe;
use super::codec::Agg;
use super::error::StoreError;
use super::keys;
use super::tables::AGG_DAY;
use super::Store;

impl Store {
    /// Test hook: adds `delta` to the sum of the first `agg_day` row (or, with no rows, writes a
    /// row no item explains), bypassing every check, so tests can see `check` find it and
    /// `check --repair` fix it. Returns the damaged key in words.
    #[doc(hidden)]
    pub fn damage_aggregate_for_tests(&self, delta: i64) -> Result<String, StoreError> {
        let t = &self.trees;
        let (key, agg) = match t.agg_day.first()? {
            Some((k, v)) => (k.to_vec(), Agg::decode(AGG_DAY, &k, &v)?),
            None => (
                keys::agg_key(20000101, *b"EUR", 0, "damage"),
                Agg { sum: 0, count: 1 },
            ),
        };
        let damaged = Agg {
            sum: agg.sum.wrapping_add(delta),
            count: agg.count,
        };
        t.agg_day.insert(&key[..], &damaged.encode()[..])?;
        self.db.flush()?;
        Ok(describe(AGG_DAY, &key))
    }

    /// Test hook: overwrites the stored bytes of the `n`th item (in id order) with a value no
    /// decoder reads, bypassing every check, so tests can see a read meet a damaged record.
    /// Returns the item's id.
    #[doc(hidden)]
    pub fn damage_item_for_tests(&self, n: usize) -> Result<crate::domain::ExpenseId, StoreError> {
        let (k, _) = self
            .trees
            .items
            .iter()
            .nth(n)
            .ok_or_else(|| StoreError::Invalid(format!("no item number {n}")))??;
        self.trees.items.insert(&k, &b"\xffdamaged"[..])?;
        self.db.flush()?;
        let id = keys::decode_id(&k).ok_or_else(|| StoreError::Invalid("not an id key".into()))?;
        Ok(id)
    }
}
