//! Ids by their start, as people type them back from `expense list`: the stored expenses whose
//! ULID text starts with a prefix, and the shortest start that tells a stored id from every
//! other. Rule: a ULID's text sorts as its 16 key bytes do (Crockford base32, fixed width), so a
//! text prefix is one key range of `items` and an id's nearest other ids are its key neighbours;
//! neither reads more than it returns.

use super::keys;
use super::tables::ITEMS;
use super::{Store, StoreError};
use crate::domain::{Expense, ExpenseId};

/// The ids whose text starts with `prefix` (upper-case Crockford base32, at most 26
/// characters): the lowest and highest, or `None` when no id can start so (`8…` and above
/// overflow 128 bits).
pub fn prefix_range(prefix: &str) -> Option<(ExpenseId, ExpenseId)> {
    // A first character above 7 would need more than 128 bits (the ulid crate's parser does
    // not refuse it everywhere, so it is refused here).
    if prefix.len() > 26 || prefix.chars().next().is_some_and(|c| c > '7') {
        return None;
    }
    let pad = |c: char| format!("{prefix}{}", c.to_string().repeat(26 - prefix.len()));
    let lo = ulid::Ulid::from_string(&pad('0')).ok()?;
    // A first character of 7 is the highest a ULID has: `7ZZ…` is u128::MAX.
    let hi = ulid::Ulid::from_string(&pad('Z')).ok()?;
    Some((ExpenseId(lo.0), ExpenseId(hi.0)))
}

/// How many leading characters two ids' texts share.
fn shared_start(a: ExpenseId, b: ExpenseId) -> usize {
    let (mut x, mut y) = ([0u8; 26], [0u8; 26]);
    let (a, b) = (a.encode(&mut x), b.encode(&mut y));
    a.bytes().zip(b.bytes()).take_while(|(p, q)| p == q).count()
}

impl Store {
    /// The stored expenses whose id text starts with `prefix`, in id order, at most `take`.
    pub fn starting_with(&self, prefix: &str, take: usize) -> Result<Vec<Expense>, StoreError> {
        let Some((lo, hi)) = prefix_range(prefix) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for kv in self
            .trees
            .items
            .range(keys::id_key(lo)..=keys::id_key(hi))
            .take(take)
        {
            let (k, v) = kv?;
            let id =
                keys::decode_id(&k).ok_or_else(|| super::error::corrupt(ITEMS, &k, "not an id"))?;
            let item = super::pointer::read_item(&self.trees, id, &k, &v)?;
            out.push(item.to_expense(id, ITEMS, &k)?);
        }
        Ok(out)
    }

    /// The shortest start of `id`'s text that no other stored expense id shares, at least
    /// `min` characters (git's short hashes): the longest start it shares with its key
    /// neighbours, plus one.
    pub fn short_id(&self, id: ExpenseId, min: usize) -> Result<String, StoreError> {
        let key = keys::id_key(id);
        let mut shared = 0;
        for kv in [self.trees.items.get_lt(key)?, self.trees.items.get_gt(key)?]
            .into_iter()
            .flatten()
        {
            if let Some(other) = keys::decode_id(&kv.0) {
                shared = shared.max(shared_start(id, other));
            }
        }
        let text = id.to_string();
        Ok(text[..(shared + 1).max(min).min(text.len())].to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_one_key_range() {
        let (lo, hi) = prefix_range("01KC3").unwrap();
        assert_eq!(lo.to_string(), "01KC3000000000000000000000");
        assert_eq!(hi.to_string(), "01KC3ZZZZZZZZZZZZZZZZZZZZZ");
        assert_eq!(prefix_range("7").unwrap().1, ExpenseId(u128::MAX));
        assert!(prefix_range("8").is_none());
        let full = "01KC3000000000000000000001";
        assert_eq!(prefix_range(full).unwrap().0.to_string(), full);
        assert_eq!(prefix_range(full).unwrap().1.to_string(), full);
    }

    #[test]
    fn shared_starts_count_characters() {
        let a: ExpenseId = "01KC3000000000000000000000".parse().unwrap();
        let b: ExpenseId = "01KC3100000000000000000000".parse().unwrap();
        assert_eq!(shared_start(a, b), 5);
        assert_eq!(shared_start(a, a), 26);
    }
}
