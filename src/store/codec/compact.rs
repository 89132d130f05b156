//! The compact forms of `items` values, stream records and their images (schema 7), written by
//! every write since; the plain forms of earlier versions are still read (the stream's running
//! hash covers each record's stored bytes, so records already written keep theirs, and nothing
//! is migrated). Rule: each compact value starts with a byte no plain one can start with, and
//! carries exactly what the plain one does, so decoding either gives the same `StoredItem` and
//! `StoredRecord` (tested in `codec/mod.rs`).
//!
//! What makes them smaller, per expense at 1M (benches/README.md, "Half the disk"): an image in
//! a record counts its `created` and `updated` back from the record's time and its `last_seq`
//! back from the record's seq (0 and 0 for an INSERT: one byte each instead of ~17 in all); an
//! item's `updated` counts from its `created`; a date is `yyyymmdd - 19000000` (3 bytes up to
//! 2109 instead of 4); a record's id is its 16 bytes (a varint of a u128 took 19), and its
//! event code shares the marker byte.

use super::StoredItem;
use serde::{Deserialize, Serialize};

/// First byte of a compact `items` value (or an image in `stream_base`, `trash`, `sync`). A
/// plain value is postcard of `StoredItem`, which starts with the date as a varint: budgets'
/// images hold date 0 (byte 0x00), every real date is a multi-byte varint (first byte >= 0x80).
pub const ITEM_COMPACT: u8 = 0x01;

/// Set in the first byte of a compact stream record, whose low bits are the event code. A plain
/// record starts with its event code itself (1 to 5).
pub const RECORD_COMPACT: u8 = 0x80;

/// Dates are stored as `yyyymmdd - DATE_BASE` (wrapping), small for this century and the next.
const DATE_BASE: u32 = 19_000_000;

/// What a compact image's times and seq are counted from.
#[derive(Debug, Clone, Copy)]
pub enum Base {
    /// An `items` value: `updated` counts from `created`, `last_seq` as it is.
    Item,
    /// An image in the record at `seq`, written at `at`: `created`, `updated` and `last_seq`
    /// count back from those.
    Record {
        /// The record's time (Unix ms).
        at: i64,
        /// The record's seq.
        seq: u64,
    },
}

/// An image in compact form, its texts as `S` (`&str` to write or to read without copying,
/// `String` to own). Fields in the order of `StoredItem`; `date`, `created`, `updated` and
/// `last_seq` are counted as [`Base`] says.
#[derive(Debug, Serialize, Deserialize)]
pub struct Compact<S> {
    date: u32,
    /// Positive minor units.
    pub amount: i64,
    /// ISO 4217 code bytes.
    pub currency: [u8; 3],
    /// Category path.
    pub category: S,
    /// Payee, may be empty.
    pub payee: S,
    /// Note.
    pub note: S,
    /// Tags.
    pub tags: Vec<S>,
    /// `keys::kind_byte`.
    pub kind: u8,
    created: i64,
    updated: i64,
    /// Version for conditional writes.
    pub version: u64,
    last_seq: u64,
}

/// The fields of an image that [`Base`] counts: (`date` yyyymmdd, `created`, `updated`,
/// `last_seq`).
pub type Counted = (u32, i64, i64, u64);

impl<'a> Compact<&'a str> {
    /// The compact form of `item`, counted from `base`.
    pub fn of(item: &'a StoredItem, base: Base) -> Self {
        let (created, updated, last_seq) = match base {
            Base::Item => (
                item.created,
                item.updated.wrapping_sub(item.created),
                item.last_seq,
            ),
            Base::Record { at, seq } => (
                at.wrapping_sub(item.created),
                at.wrapping_sub(item.updated),
                seq.wrapping_sub(item.last_seq),
            ),
        };
        Compact {
            date: item.date.wrapping_sub(DATE_BASE),
            amount: item.amount,
            currency: item.currency,
            category: &item.category,
            payee: &item.payee,
            note: &item.note,
            tags: item.tags.iter().map(String::as_str).collect(),
            kind: item.kind,
            created,
            updated,
            version: item.version,
            last_seq,
        }
    }
}

impl<S> Compact<S> {
    /// The counted fields as they are, given the `base` this image was written with.
    pub fn counted(&self, base: Base) -> Counted {
        let date = self.date.wrapping_add(DATE_BASE);
        match base {
            Base::Item => (
                date,
                self.created,
                self.created.wrapping_add(self.updated),
                self.last_seq,
            ),
            Base::Record { at, seq } => (
                date,
                at.wrapping_sub(self.created),
                at.wrapping_sub(self.updated),
                seq.wrapping_sub(self.last_seq),
            ),
        }
    }
}

impl Compact<String> {
    /// The image as stored, given the `base` it was written with.
    pub fn into_item(self, base: Base) -> StoredItem {
        let (date, created, updated, last_seq) = self.counted(base);
        StoredItem {
            date,
            amount: self.amount,
            currency: self.currency,
            category: self.category,
            payee: self.payee,
            note: self.note,
            tags: self.tags,
            kind: self.kind,
            created,
            updated,
            version: self.version,
            last_seq,
        }
    }
}

/// A compact record after its first byte (which holds [`RECORD_COMPACT`] and the event code);
/// the trailer (expiry, batch id) follows as in a plain record.
#[derive(Debug, Serialize, Deserialize)]
pub struct CompactRecord<S> {
    /// Unix ms.
    pub at: i64,
    /// `Origin::code`.
    pub origin: u8,
    /// The expense id, big-endian.
    pub id: [u8; 16],
    /// Seq of the previous record for this id.
    pub prev_seq: Option<u64>,
    /// The image written (None for a removal), counted from `at` and the record's seq.
    pub new: Option<Compact<S>>,
}

/// The head of a compact record after its first byte.
#[derive(Debug, Deserialize)]
pub struct CompactHead {
    /// Unix ms.
    pub at: i64,
    /// `Origin::code`.
    pub origin: u8,
    /// The expense id, big-endian.
    pub id: [u8; 16],
    /// Seq of the previous record for this id.
    pub prev_seq: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::super::{
        decode_item, decode_record, decode_record_head, encode_item, encode_item_plain,
        encode_record, encode_record_plain, StoredItem, StoredRecord,
    };
    use proptest::prelude::*;

    proptest! {
        /// Any image and record, extreme numbers included (times and seqs far from the
        /// record's, date 0, amounts at the ends of i64), reads back the same from the compact
        /// form as from the plain one, and a compact value cut short does not read.
        #[test]
        fn compact_and_plain_read_back_the_same(
            date in prop_oneof![Just(0u32), 101u32..99_991_231, any::<u32>()],
            amount in any::<i64>(),
            text in "\\PC{0,10}",
            tags in proptest::collection::vec("\\PC{0,4}", 0..3),
            kind in any::<u8>(),
            created in any::<i64>(),
            updated in any::<i64>(),
            version in any::<u64>(),
            last_seq in any::<u64>(),
            at in any::<i64>(),
            seq in any::<u64>(),
            id in any::<u128>(),
            prev_seq in proptest::option::of(any::<u64>()),
            event in 1u8..=5,
            batch in proptest::option::of(any::<u64>()),
            expires in proptest::option::of(any::<i64>()),
        ) {
            let item = StoredItem {
                date, amount, currency: *b"EUR", category: text.clone(), payee: text.clone(),
                note: text, tags, kind, created, updated, version, last_seq,
            };
            let compact = encode_item(&item).unwrap();
            prop_assert_eq!(&decode_item("i", b"k", &compact).unwrap(), &item);
            prop_assert_eq!(&decode_item("i", b"k", &encode_item_plain(&item).unwrap()).unwrap(), &item);
            prop_assert!(decode_item("i", b"k", &compact[..compact.len() - 1]).is_err());
            let rec = StoredRecord {
                event, at, origin: 1, id, prev_seq, new: Some(item), batch,
                expires: if event == super::super::TRASH_MOVE { expires.or(Some(at)) } else { None },
            };
            let key = crate::store::keys::seq_key(seq);
            let compact = encode_record(&rec, seq).unwrap();
            prop_assert_eq!(&decode_record("s", &key, &compact).unwrap(), &rec);
            let plain = encode_record_plain(&rec).unwrap();
            prop_assert_eq!(&decode_record("s", &key, &plain).unwrap(), &rec);
            let (h1, h2) = (
                decode_record_head("s", &key, &compact).unwrap(),
                decode_record_head("s", &key, &plain).unwrap(),
            );
            prop_assert_eq!((h1.event, h1.at, h1.id, h1.prev_seq), (h2.event, h2.at, h2.id, h2.prev_seq));
            // (A record's expiry and batch id are optional trailers in both forms: cut, a
            // one-byte batch id reads as none, so only a record without them is cut here.)
            if rec.batch.is_none() && rec.event != super::super::TRASH_MOVE {
                prop_assert!(decode_record("s", &key, &compact[..compact.len() - 1]).is_err());
            }
        }
    }
    use crate::domain::change::Origin;
    use crate::store::tables::{META_HASH, STREAM};
    use crate::store::Store;

    fn everything(s: &Store) -> Vec<crate::domain::Expense> {
        let day = |y| chrono::NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
        s.range(day(1900), day(2200), false, 0, usize::MAX).unwrap()
    }

    /// A store as a version-6 build left it (every value plain, the running hash over those
    /// bytes) reads the same, checks consistent, and takes compact writes after the plain ones:
    /// the stream, its hash chain and `check` hold across the two forms.
    #[test]
    fn a_store_of_plain_values_reads_the_same_and_goes_on_compact() {
        let s = Store::open_temporary().unwrap();
        let draft = crate::store::backup::tests::draft;
        let a = s.put(draft(100), Origin::User, 1_000).unwrap();
        let b = s.put(draft(200), Origin::User, 2_000).unwrap();
        let mut changed = draft(250);
        changed.note = "changed".into();
        s.update(b.id, 1, changed, Origin::User, 3_000).unwrap();
        s.delete(a.id, 1, Origin::User, 4_000).unwrap();
        let records = s.stream_since(0, usize::MAX).unwrap();
        let items = everything(&s);
        let t = &s.trees;
        for kv in t.items.iter() {
            let (k, v) = kv.unwrap();
            let id = crate::store::keys::decode_id(&k).unwrap();
            let item = crate::store::pointer::read_item(t, id, &k, &v).unwrap();
            let plain = encode_item_plain(&item).unwrap();
            t.items.insert(k, plain).unwrap();
        }
        for kv in t.stream.iter() {
            let (k, v) = kv.unwrap();
            let plain = encode_record_plain(&decode_record(STREAM, &k, &v).unwrap()).unwrap();
            assert!(plain.len() > v.len(), "the compact record was the smaller");
            t.stream.insert(k, plain).unwrap();
        }
        let chained = crate::store::stream::chain_of(&t.stream).unwrap();
        t.meta.insert(META_HASH, &chained[..]).unwrap();
        assert!(t.items.iter().all(|kv| kv.unwrap().1[0] >= 0x80));
        assert_eq!(s.stream_since(0, usize::MAX).unwrap(), records);
        assert_eq!(everything(&s), items);
        assert_eq!(s.verify().unwrap(), Vec::<String>::new());
        // New writes after the plain ones: compact records, `items` pointing to them, and
        // everything still agrees.
        let c = s.put(draft(300), Origin::User, 5_000).unwrap();
        s.update(b.id, 2, draft(260), Origin::User, 6_000).unwrap();
        for id in [b.id, c.id] {
            let v = t
                .items
                .get(crate::store::keys::id_key(id))
                .unwrap()
                .unwrap();
            assert_eq!(v[0], crate::store::pointer::ITEM_POINTER);
        }
        assert_eq!(s.get(c.id).unwrap().unwrap().draft.amount, 300);
        assert_eq!(s.get(b.id).unwrap().unwrap().draft.amount, 260);
        let last = t.stream.last().unwrap().unwrap().1;
        assert_ne!(last[0] & super::RECORD_COMPACT, 0);
        let all = s.stream_since(0, usize::MAX).unwrap();
        assert_eq!(all[..records.len()], records[..]);
        assert_eq!(all.len(), records.len() + 2);
        assert_eq!(
            all.last().unwrap().old.as_ref().unwrap().draft.note,
            "changed",
            "the old image of a compact record is the plain one before it"
        );
        assert_eq!(s.verify().unwrap(), Vec::<String>::new());
    }
}
