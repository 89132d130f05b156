//! Monthly budgets per category (top level or sub-category), in their own tree. Rule: a budget is
//! user data, not derived from items, so it is not in the change stream and `verify` only checks
//! that each value decodes; every change is one flushed transaction on `budgets-1`.

use super::error::{corrupt, StoreError};
use super::tables::BUDGETS;
use super::Store;
use crate::domain::Currency;
use sled::transaction::TransactionError;

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

/// The `budgets-1` value: `currency (3) ++ amount i64 BE`.
fn encode(b: &Budget) -> [u8; 11] {
    let mut v = [0u8; 11];
    v[..3].copy_from_slice(&b.currency.bytes());
    v[3..].copy_from_slice(&b.amount.to_be_bytes());
    v
}

/// Decodes a `budgets-1` entry.
pub(crate) fn decode(key: &[u8], value: &[u8]) -> Result<Budget, StoreError> {
    let category = std::str::from_utf8(key)
        .map_err(|_| corrupt(BUDGETS, key, "category is not UTF-8"))?
        .to_string();
    let (cur, amount) = match (value.get(..3), value.get(3..)) {
        (Some(c), Some(a)) if value.len() == 11 => (c, a),
        _ => {
            return Err(corrupt(
                BUDGETS,
                key,
                format!("{} bytes, want 11", value.len()),
            ))
        }
    };
    let currency = cur
        .try_into()
        .ok()
        .and_then(Currency::from_bytes)
        .ok_or_else(|| corrupt(BUDGETS, key, "bad currency"))?;
    let amount = i64::from_be_bytes(
        amount
            .try_into()
            .map_err(|_| corrupt(BUDGETS, key, "bad amount"))?,
    );
    Ok(Budget {
        category,
        currency,
        amount,
    })
}

impl Store {
    /// Sets (`Some`) or removes (`None`) the monthly budget of `category`, durably. A limit must
    /// be positive; the category must be non-empty.
    pub fn set_budget(
        &self,
        category: &str,
        limit: Option<(Currency, i64)>,
    ) -> Result<(), StoreError> {
        self.check_writable()?;
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
        let value = limit.map(|(currency, amount)| {
            encode(&Budget {
                category: category.to_string(),
                currency,
                amount,
            })
        });
        let r: Result<(), TransactionError<()>> = self.trees.budgets.transaction(|t| {
            match &value {
                Some(v) => drop(t.insert(category.as_bytes(), &v[..])?),
                None => drop(t.remove(category.as_bytes())?),
            }
            // Durable before `transaction()` returns Ok.
            t.flush();
            Ok(())
        });
        r.map_err(|e| match e {
            TransactionError::Abort(()) => StoreError::Sled("budget write aborted".into()),
            TransactionError::Storage(e) => e.into(),
        })
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
        s.set_budget("food", Some((Currency::EUR, 20_000))).unwrap();
        s.set_budget("food:groceries", Some((Currency::EUR, 5_000)))
            .unwrap();
        s.set_budget("food", Some((Currency::EUR, 25_000))).unwrap();
        let all = s.budgets().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].category, "food");
        assert_eq!(all[0].amount, 25_000);
        s.set_budget("food", None).unwrap();
        assert_eq!(s.budget("food").unwrap(), None);
        assert_eq!(s.budget("food:groceries").unwrap().unwrap().amount, 5_000);
        assert!(s.set_budget("food", Some((Currency::EUR, 0))).is_err());
        assert!(s.set_budget("", Some((Currency::EUR, 1))).is_err());
        assert!(decode(b"x", b"EUR").is_err());
    }
}
