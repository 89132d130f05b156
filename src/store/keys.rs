//! Key codecs, one small function pair per key shape. Rule: keys sort in the order we scan them,
//! so integers are unsigned big-endian (dates as `yyyymmdd: u32`), and variable-length text in the
//! middle of a key is length-prefixed so that one value is never a byte prefix of another
//! (`food` vs `foodstuff`). Money never appears in a key.

use crate::domain::{Currency, ExpenseId, Kind};
use chrono::{Datelike, NaiveDate};

/// The date as `year * 10000 + month * 100 + day`. Years outside 0..=9999 are clamped (writes
/// reject them before they get here; queries may pass extreme bounds).
pub fn date_u32(d: NaiveDate) -> u32 {
    let y = d.year().clamp(0, 9999) as u32;
    y * 10_000 + d.month() * 100 + d.day()
}

/// Inverse of [`date_u32`]; `None` for a number that is not a real date.
pub fn date_from_u32(n: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt((n / 10_000) as i32, (n / 100) % 100, n % 100)
}

/// `items` key: the id, 16 bytes big-endian.
pub fn id_key(id: ExpenseId) -> [u8; 16] {
    id.to_bytes()
}

/// Decodes an `items` key.
pub fn decode_id(key: &[u8]) -> Option<ExpenseId> {
    Some(ExpenseId::from_bytes(key.try_into().ok()?))
}

/// `stream` key: the sequence number, 8 bytes big-endian.
pub fn seq_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

/// Decodes a `stream` key.
pub fn decode_seq(key: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(key.try_into().ok()?))
}

/// `idx_date` key: `date u32 BE ++ id`.
pub fn date_key(date: u32, id: ExpenseId) -> [u8; 20] {
    let mut k = [0u8; 20];
    k[..4].copy_from_slice(&date.to_be_bytes());
    k[4..].copy_from_slice(&id.to_bytes());
    k
}

/// Decodes an `idx_date` key into `(date, id)`.
pub fn decode_date_key(key: &[u8]) -> Option<(u32, ExpenseId)> {
    if key.len() != 20 {
        return None;
    }
    let date = u32::from_be_bytes(key[..4].try_into().ok()?);
    Some((date, decode_id(&key[4..])?))
}

/// The byte code of a kind in `agg_day` keys.
pub fn kind_byte(kind: Kind) -> u8 {
    match kind {
        Kind::Expense => 0,
        Kind::Income => 1,
    }
}

/// Inverse of [`kind_byte`].
pub fn kind_from_byte(b: u8) -> Option<Kind> {
    match b {
        0 => Some(Kind::Expense),
        1 => Some(Kind::Income),
        _ => None,
    }
}

/// One `agg_day` key, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AggKey {
    /// `yyyymmdd`.
    pub date: u32,
    /// Currency of the summed amounts.
    pub currency: Currency,
    /// Spending or income.
    pub kind: Kind,
    /// Full category (the rest of the key).
    pub category: String,
}

impl AggKey {
    /// Decodes an `agg_day` key.
    pub fn decode(key: &[u8]) -> Option<AggKey> {
        let date = u32::from_be_bytes(key.get(..4)?.try_into().ok()?);
        let currency = Currency::from_bytes(key.get(4..7)?.try_into().ok()?)?;
        let kind = kind_from_byte(*key.get(7)?)?;
        let category = std::str::from_utf8(key.get(8..)?).ok()?.to_string();
        Some(AggKey {
            date,
            currency,
            kind,
            category,
        })
    }
}

/// `agg_day` key from raw parts: `date u32 BE ++ currency 3 bytes ++ kind u8 ++ category bytes`.
pub fn agg_key(date: u32, currency: [u8; 3], kind: u8, category: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(8 + category.len());
    k.extend_from_slice(&date.to_be_bytes());
    k.extend_from_slice(&currency);
    k.push(kind);
    k.extend_from_slice(category.as_bytes());
    k
}

/// The budgeting month of day `date` (`yyyymmdd`) as `yyyymm`, for months starting on
/// `start_day`: with 25, 20261124 is in 202610 and 20261125 in 202611.
pub fn month_u32(date: u32, start_day: u32) -> u32 {
    let (y, m, d) = (date / 10_000, (date / 100) % 100, date % 100);
    if d >= start_day {
        y * 100 + m
    } else if m == 1 {
        y.saturating_sub(1) * 100 + 12
    } else {
        y * 100 + m - 1
    }
}

/// `yyyymm` of a month.
pub fn month_key(m: crate::domain::Month) -> u32 {
    (m.year.clamp(0, 9999) as u32) * 100 + m.month
}

/// Prefix of category counters in `counts`.
pub const COUNT_CATEGORY: u8 = b'c';
/// Prefix of payee counters in `counts`.
pub const COUNT_PAYEE: u8 = b'p';
/// Prefix of tag counters in `counts`.
pub const COUNT_TAG: u8 = b't';

/// `counts` key of a category or payee: `prefix ++ text` (the prefix byte separates the two; the
/// text is the whole rest, so no length is needed).
pub fn count_key(prefix: u8, text: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + text.len());
    k.push(prefix);
    k.extend_from_slice(text.as_bytes());
    k
}

/// Decodes a `counts` key into `(prefix, text)`.
pub fn decode_count_key(key: &[u8]) -> Option<(u8, String)> {
    let (&p, rest) = key.split_first()?;
    Some((p, std::str::from_utf8(rest).ok()?.to_string()))
}

/// Lower-case hex of `bytes` (hashes in the mark file and backups, keys in error messages). The
/// one hex encoder of the store; it lives with the key codecs because `error.rs` needs it too.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `N` bytes whose lower- or upper-case hex is `s` (exactly `2 * N` digits), if it is that.
pub(crate) fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_sort_as_bytes() {
        let dates = [
            d(1999, 12, 31),
            d(2000, 1, 1),
            d(2024, 2, 29),
            d(2024, 10, 1),
        ];
        for w in dates.windows(2) {
            let (a, b) = (
                date_key(date_u32(w[0]), ExpenseId(u128::MAX)),
                date_key(date_u32(w[1]), ExpenseId(0)),
            );
            assert!(a < b, "{:?} !< {:?}", w[0], w[1]);
        }
        for x in dates {
            assert_eq!(date_from_u32(date_u32(x)), Some(x));
        }
        assert_eq!(date_u32(d(2024, 3, 7)), 20240307);
        assert_eq!(date_from_u32(20240230), None);
    }

    #[test]
    fn months_of_days() {
        assert_eq!(month_u32(20261124, 25), 202610);
        assert_eq!(month_u32(20261125, 25), 202611);
        assert_eq!(month_u32(20260103, 25), 202512);
        assert_eq!(month_u32(20260103, 1), 202601);
        for (day, sd) in [
            (d(2026, 1, 3), 25),
            (d(2024, 2, 29), 15),
            (d(2026, 12, 31), 1),
        ] {
            let m = crate::domain::Month::containing(day, sd);
            assert_eq!(month_u32(date_u32(day), sd), month_key(m));
        }
    }

    #[test]
    fn round_trips() {
        let id = ExpenseId(0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        assert_eq!(decode_id(&id_key(id)), Some(id));
        assert_eq!(decode_seq(&seq_key(77)), Some(77));
        assert!(seq_key(255) < seq_key(256));
        assert_eq!(
            decode_date_key(&date_key(20240131, id)),
            Some((20240131, id))
        );
        let k = AggKey {
            date: 20240131,
            currency: Currency::parse("JPY").unwrap(),
            kind: Kind::Income,
            category: "food:x".into(),
        };
        let bytes = agg_key(k.date, k.currency.bytes(), kind_byte(k.kind), &k.category);
        assert_eq!(AggKey::decode(&bytes), Some(k));
        assert_eq!(
            decode_count_key(&count_key(COUNT_PAYEE, "Café")),
            Some((COUNT_PAYEE, "Café".into()))
        );
    }
}
