//! Monthly budgets per category (top level or sub-category): items of their own key space in
//! the change stream (issue 11), materialized in `budgets-1`. Rule: a budget change is one
//! record like any other write (INSERT, MODIFY, REMOVE with origin, old and new image), written
//! by `Tx::write` in the same flushed transaction as its `budgets-1` entry, so history, undo,
//! redo, triggers, point-in-time restore and `check` see budgets as they see expenses.
//!
//! In the stream a budget's image is a `StoredItem` with kind [`BUDGET_KIND`], its category,
//! amount and currency, and the usual bookkeeping (created, updated, version, last_seq); its id
//! is [`budget_id`] of the category: the top 16 bits all ones (a ULID there would be stamped
//! after the year 10000), the rest from a SHA-256 of the category. Nothing turns such an image
//! into an expense (`keys::kind_from_byte` refuses the kind), and `store/stream.rs` shows it as
//! a [`BudgetChange`].

use super::codec::{decode_u64, StoredItem};
use super::error::{corrupt, StoreError};
use super::tables::{abort, Change, Trashing, Tx, TxResult, BUDGETS, META, META_BUDGET_REMOVED};
use super::{ChangeRecord, Event, Origin, Store};
use crate::domain::budget::{BudgetChange, Limit};
use crate::domain::{Currency, ExpenseId};
use sha2::{Digest, Sha256};

/// The kind byte of a budget image in the stream (expenses use 0 and 1).
pub(crate) const BUDGET_KIND: u8 = 0xB0;

/// The top 16 bits of every budget id.
const BUDGET_TAG: u128 = 0xFFFF;

/// The item id of `category`'s budget.
pub(crate) fn budget_id(category: &str) -> ExpenseId {
    let h = Sha256::digest(category.as_bytes());
    let mut b = [0u8; 16];
    b[2..].copy_from_slice(&h[..14]);
    ExpenseId((BUDGET_TAG << 112) | u128::from_be_bytes(b))
}

/// True for the id of a budget.
pub(crate) fn is_budget_id(id: u128) -> bool {
    id >> 112 == BUDGET_TAG
}

/// A monthly budget: at most `amount` minor units of `currency` spent in `category` (and its
/// sub-categories) per budgeting month.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Budget {
    /// The category path (`food`, `food:groceries`).
    pub category: String,
    /// Currency of the limit; spending in other currencies is not counted against it.
    pub currency: Currency,
    /// The limit, positive minor units.
    pub amount: i64,
}

/// A budget image as the stream stores it.
pub(crate) fn image(
    category: &str,
    currency: Currency,
    amount: i64,
    created: i64,
    updated: i64,
    version: u64,
    last_seq: u64,
) -> StoredItem {
    StoredItem {
        date: 0,
        amount,
        currency: currency.bytes(),
        category: category.to_string(),
        payee: String::new(),
        note: String::new(),
        tags: Vec::new(),
        kind: BUDGET_KIND,
        created,
        updated,
        version,
        last_seq,
    }
}

/// The limit a budget image holds (`None` for an image that is not a budget's).
pub(crate) fn limit(i: &StoredItem) -> Option<Limit> {
    if i.kind != BUDGET_KIND {
        return None;
    }
    Some(Limit {
        currency: Currency::from_bytes(i.currency)?,
        amount: i.amount,
        version: i.version,
    })
}

/// The public change of a record whose images are a budget's.
pub(crate) fn change(old: Option<&StoredItem>, new: Option<&StoredItem>) -> Option<BudgetChange> {
    let category = new
        .or(old)
        .filter(|i| i.kind == BUDGET_KIND)?
        .category
        .clone();
    Some(BudgetChange {
        category,
        old: old.and_then(limit),
        new: new.and_then(limit),
    })
}

/// The `budgets-1` value of `img`: `currency (3) ++ amount i64 BE ++ version u64 BE ++ last_seq
/// u64 BE ++ created i64 BE ++ updated i64 BE` (43 bytes). Stores written before budgets were
/// in the stream hold the first 11 bytes only (`migration_008_budgets_in_the_stream`).
pub(crate) fn encode_value(img: &StoredItem) -> Vec<u8> {
    let mut v = Vec::with_capacity(43);
    v.extend_from_slice(&img.currency);
    v.extend_from_slice(&img.amount.to_be_bytes());
    v.extend_from_slice(&img.version.to_be_bytes());
    v.extend_from_slice(&img.last_seq.to_be_bytes());
    v.extend_from_slice(&img.created.to_be_bytes());
    v.extend_from_slice(&img.updated.to_be_bytes());
    v
}

/// Decodes a `budgets-1` entry as the image its last record wrote (bookkeeping zero for an
/// 11-byte entry of an older store).
pub(crate) fn decode_image(key: &[u8], value: &[u8]) -> Result<StoredItem, StoreError> {
    let category =
        std::str::from_utf8(key).map_err(|_| corrupt(BUDGETS, key, "category is not UTF-8"))?;
    if value.len() != 11 && value.len() != 43 {
        return Err(corrupt(
            BUDGETS,
            key,
            format!("{} bytes, want 11 or 43", value.len()),
        ));
    }
    let n = |at: usize| {
        <[u8; 8]>::try_from(value.get(at..at + 8).unwrap_or_default()).unwrap_or_default()
    };
    let currency = <[u8; 3]>::try_from(&value[..3])
        .ok()
        .and_then(Currency::from_bytes)
        .ok_or_else(|| corrupt(BUDGETS, key, "bad currency"))?;
    let (version, last_seq, created, updated) = if value.len() == 43 {
        (
            u64::from_be_bytes(n(11)),
            u64::from_be_bytes(n(19)),
            i64::from_be_bytes(n(27)),
            i64::from_be_bytes(n(35)),
        )
    } else {
        (0, 0, 0, 0)
    };
    Ok(image(
        category,
        currency,
        i64::from_be_bytes(n(3)),
        created,
        updated,
        version,
        last_seq,
    ))
}

/// Decodes a `budgets-1` entry.
pub(crate) fn decode(key: &[u8], value: &[u8]) -> Result<Budget, StoreError> {
    let img = decode_image(key, value)?;
    Ok(Budget {
        currency: Currency::from_bytes(img.currency)
            .ok_or_else(|| corrupt(BUDGETS, key, "bad currency"))?,
        amount: img.amount,
        category: img.category,
    })
}

/// The budget image of `category` inside a transaction.
pub(crate) fn current(tx: &Tx<'_>, category: &str) -> TxResult<Option<StoredItem>> {
    match tx.budgets.get(category.as_bytes())? {
        Some(v) => match decode_image(category.as_bytes(), &v) {
            Ok(i) => Ok(Some(i)),
            Err(e) => abort(e),
        },
        None => Ok(None),
    }
}

/// The seq of the record that removed `category`'s budget, when it was removed (see
/// `tables::META_BUDGET_REMOVED`).
fn removed_by(tx: &Tx<'_>, category: &str) -> TxResult<Option<u64>> {
    let key = [META_BUDGET_REMOVED, category.as_bytes()].concat();
    match tx.meta.get(&key)? {
        Some(v) => match decode_u64(META, &key, &v) {
            Ok(s) => Ok(Some(s)),
            Err(e) => abort(e),
        },
        None => Ok(None),
    }
}

/// Writes `category`'s budget as `limit` (None: removes it) inside `tx` as one record with
/// `origin`; `Ok(None)` when it already is so (nothing written).
pub(crate) fn write(
    tx: &Tx<'_>,
    category: &str,
    limit: Option<(Currency, i64)>,
    origin: Origin,
    now_ms: i64,
) -> TxResult<Option<ChangeRecord>> {
    write_batched(tx, category, limit, origin, now_ms, None)
}

/// [`write`], the record tagged with the batch `batch` holds (set to its seq when it holds
/// none yet: the record then starts the batch), as a category rename writes its budgets.
pub(crate) fn write_batched(
    tx: &Tx<'_>,
    category: &str,
    limit: Option<(Currency, i64)>,
    origin: Origin,
    now_ms: i64,
    batch: Option<&mut Option<u64>>,
) -> TxResult<Option<ChangeRecord>> {
    let cur = current(tx, category)?;
    let same = match (&cur, limit) {
        (None, None) => true,
        (Some(c), Some((currency, amount))) => c.currency == currency.bytes() && c.amount == amount,
        _ => false,
    };
    if same {
        return Ok(None);
    }
    let seq = tx.next_seq()?;
    let new = limit.map(|(currency, amount)| {
        image(
            category,
            currency,
            amount,
            cur.as_ref().map_or(now_ms, |c| c.created),
            now_ms,
            cur.as_ref().map_or(1, |c| c.version + 1),
            seq,
        )
    });
    let event = match (&cur, &new) {
        (None, _) => Event::Insert,
        (Some(_), Some(_)) => Event::Modify,
        (Some(_), None) => Event::Remove,
    };
    let rec = tx.write(&Change {
        id: budget_id(category),
        seq,
        event,
        origin,
        at: now_ms,
        // An entry of an older store that no record wrote yet has last_seq 0; a budget set
        // again after its removal follows the record that removed it.
        prev_seq: match &cur {
            Some(c) => Some(c.last_seq).filter(|s| *s > 0),
            None => removed_by(tx, category)?,
        },
        batch: batch.map(|b| *b.get_or_insert(seq)),
        old: cur.as_ref(),
        new: new.as_ref(),
        trashing: Trashing::No,
    })?;
    super::write::finish(seq, &rec, &super::stream::Before::live(cur)).map(Some)
}

impl Store {
    /// Gives the budgets of a store written before budgets were items (11-byte `budgets-1`
    /// entries, no record) their INSERT records, origin `migration`, in one transaction, at the
    /// first open that may write (`Store::open`); returns how many. Idempotent: an entry with a
    /// record is left alone. A store that refuses writes keeps them as they are until an open
    /// that may write (reads accept both forms).
    pub(super) fn stream_older_budgets(&self, now_ms: i64) -> Result<usize, StoreError> {
        if self.write_refusal().is_some() {
            return Ok(0);
        }
        let mut older = Vec::new();
        for kv in self.trees.budgets.iter() {
            let (k, v) = kv?;
            if v.len() == 11 {
                older.push(decode(&k, &v)?);
            }
        }
        if older.is_empty() {
            return Ok(0);
        }
        self.transact(|tx| {
            for b in &older {
                let seq = tx.next_seq()?;
                let new = image(&b.category, b.currency, b.amount, now_ms, now_ms, 1, seq);
                tx.write(&Change {
                    id: budget_id(&b.category),
                    seq,
                    event: Event::Insert,
                    origin: Origin::Migration,
                    at: now_ms,
                    prev_seq: None,
                    batch: None,
                    old: None,
                    new: Some(&new),
                    trashing: Trashing::No,
                })?;
            }
            Ok(())
        })?;
        Ok(older.len())
    }

    /// Sets (`Some`) or removes (`None`) the monthly budget of `category`, durably, as one
    /// change record with `origin` (see the module doc). A limit must be positive; the category
    /// must be non-empty. Returns the record, or `None` when the budget already was so.
    pub fn set_budget(
        &self,
        category: &str,
        limit: Option<(Currency, i64)>,
        origin: Origin,
        now_ms: i64,
    ) -> Result<Option<ChangeRecord>, StoreError> {
        if category.is_empty() || category.len() > usize::from(u16::MAX) {
            return Err(StoreError::Invalid(
                "a budget needs a category of 1 to 65535 bytes".into(),
            ));
        }
        if let Some((_, amount)) = limit {
            if amount <= 0 {
                return Err(StoreError::Invalid(format!(
                    "the budget {amount} is not positive (clear it to remove the budget)"
                )));
            }
        }
        self.transact(|tx| write(tx, category, limit, origin, now_ms))
    }

    /// Every budget, sorted by category.
    pub fn budgets(&self) -> Result<Vec<Budget>, StoreError> {
        let mut out = Vec::new();
        for kv in self.trees.budgets.iter() {
            let (k, v) = kv?;
            out.push(decode(&k, &v)?);
        }
        Ok(out)
    }

    /// The budget of exactly `category`, if one is set.
    pub fn budget(&self, category: &str) -> Result<Option<Budget>, StoreError> {
        match self.trees.budgets.get(category.as_bytes())? {
            Some(v) => Ok(Some(decode(category.as_bytes(), &v)?)),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_change_clear() {
        let s = Store::open_temporary().unwrap();
        assert!(s.budgets().unwrap().is_empty());
        s.set_budget("food", Some((Currency::EUR, 20_000)), Origin::User, 1)
            .unwrap();
        s.set_budget(
            "food:groceries",
            Some((Currency::EUR, 5_000)),
            Origin::User,
            2,
        )
        .unwrap();
        s.set_budget("food", Some((Currency::EUR, 25_000)), Origin::User, 3)
            .unwrap();
        let all = s.budgets().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].category, "food");
        assert_eq!(all[0].amount, 25_000);
        s.set_budget("food", None, Origin::User, 4).unwrap();
        assert_eq!(s.budget("food").unwrap(), None);
        assert_eq!(s.budget("food:groceries").unwrap().unwrap().amount, 5_000);
        assert!(s
            .set_budget("food", Some((Currency::EUR, 0)), Origin::User, 5)
            .is_err());
        assert!(s
            .set_budget("", Some((Currency::EUR, 1)), Origin::User, 5)
            .is_err());
        assert!(decode(b"x", b"EUR").is_err());
    }

    /// Budgets are items of the stream: each change is a record with its limits, `u` takes the
    /// latest back (not an older expense), redo makes it again, a point in time sees the
    /// budgets of that time, and `check` replays them.
    #[test]
    fn budgets_are_items_in_the_stream() {
        use crate::domain::change::Undone;
        let s = Store::open_temporary().unwrap();
        let d = crate::domain::Draft::sample(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            500,
            "food",
            "Shop",
        );
        s.put(d, Origin::User, 10).unwrap();
        let set = s
            .set_budget("food", Some((Currency::EUR, 20_000)), Origin::User, 20)
            .unwrap()
            .unwrap();
        assert_eq!(set.event, Event::Insert);
        let b = set.budget.as_ref().unwrap();
        assert_eq!(
            (b.category.as_str(), b.old, b.new.map(|l| l.amount)),
            ("food", None, Some(20_000))
        );
        assert_eq!(set.summary(), "budget food 200.00 EUR");
        // Setting the same limit again writes nothing.
        assert!(s
            .set_budget("food", Some((Currency::EUR, 20_000)), Origin::User, 25)
            .unwrap()
            .is_none());
        let m = s
            .set_budget("food", Some((Currency::EUR, 30_000)), Origin::User, 30)
            .unwrap()
            .unwrap();
        assert_eq!(m.event, Event::Modify);
        assert_eq!(m.summary(), "budget food 200.00 → 300.00 EUR");
        assert!(
            s.check().unwrap().is_consistent(),
            "{:?}",
            s.check().unwrap().problems
        );
        // `u` takes the budget change back, not the older expense.
        let Some(Undone::One(u)) = s.undo_step(40).unwrap() else {
            panic!("expected one change undone")
        };
        assert_eq!(u.origin, Origin::Undo);
        assert_eq!(s.budget("food").unwrap().unwrap().amount, 20_000);
        assert_eq!(
            crate::domain::change::step_text(false, &Undone::One(u)),
            "Undid: set budget food 200.00 → 300.00 EUR"
        );
        assert!(s.redo_step(50).unwrap().is_some());
        assert_eq!(s.budget("food").unwrap().unwrap().amount, 30_000);
        let rm = s
            .set_budget("food", None, Origin::User, 60)
            .unwrap()
            .unwrap();
        assert_eq!(rm.event, Event::Remove);
        assert_eq!(s.budget("food").unwrap(), None);
        assert_eq!(s.len(), 1, "a budget is not an expense");
        assert!(
            s.check().unwrap().is_consistent(),
            "{:?}",
            s.check().unwrap().problems
        );
        // A point in time holds the budgets of that time.
        assert_eq!(s.snapshot_at(25).unwrap().budgets[0].amount, 20_000);
        assert_eq!(s.snapshot_at(35).unwrap().budgets[0].amount, 30_000);
        assert!(s.snapshot_at(65).unwrap().budgets.is_empty());
        assert_eq!(s.snapshot_at(65).unwrap().items.len(), 1);
    }

    /// A budget set again after its removal follows the removing record (`prev_seq`), so the
    /// budget's chain stays whole and `check` finds the store consistent.
    #[test]
    fn a_budget_set_again_after_its_removal_chains_to_the_removal() {
        let s = Store::open_temporary().unwrap();
        s.set_budget("x", Some((Currency::EUR, 100)), Origin::User, 1)
            .unwrap();
        let rm = s.set_budget("x", None, Origin::User, 2).unwrap().unwrap();
        s.set_budget("x", Some((Currency::EUR, 200)), Origin::User, 3)
            .unwrap();
        let again = s.stream_since(rm.seq, 1).unwrap();
        assert_eq!(again[0].event, Event::Insert);
        let c = s.check().unwrap();
        assert!(c.is_consistent(), "{:?}", c.problems);
        let hist = s.item_history(budget_id("x"), 0, 10).unwrap();
        assert_eq!(hist.total, 3, "one chain: set, removed, set again");
    }

    /// A budget an older store held outside the stream (11 bytes) gets its INSERT record, origin
    /// `migration`, at open; undo passes over it.
    #[test]
    fn an_older_stores_budgets_get_their_records() {
        let s = Store::open_temporary().unwrap();
        let mut v = Currency::EUR.bytes().to_vec();
        v.extend_from_slice(&700i64.to_be_bytes());
        s.trees.budgets.insert("fun", v).unwrap();
        assert_eq!(s.budget("fun").unwrap().unwrap().amount, 700);
        assert_eq!(s.stream_older_budgets(5).unwrap(), 1);
        assert_eq!(s.stream_older_budgets(6).unwrap(), 0, "once");
        let recs = s.stream_since(0, 10).unwrap();
        assert_eq!(recs.len(), 1);
        assert_eq!(
            (recs[0].event, recs[0].origin),
            (Event::Insert, Origin::Migration)
        );
        assert!(
            s.check().unwrap().is_consistent(),
            "{:?}",
            s.check().unwrap().problems
        );
        assert!(
            s.undo_step(7).unwrap().is_none(),
            "nothing a person did to undo"
        );
    }
}
