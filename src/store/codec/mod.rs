//! Value (de)serialization, all in one place. Rule: values are postcard of compact `Stored*`
//! structs (dates as `yyyymmdd`, currency as 3 bytes, enums as `u8`), never of domain types
//! directly, so the on-disk format changes only here; a value that does not decode is
//! `StoreError::Corrupt` naming its tree and key. Items and stream records are written in the
//! smaller forms of `compact.rs` (schema 7) and read in either form.

use super::chain::Hash;
use super::error::{corrupt, StoreError};
use super::keys::{date_from_u32, date_u32, kind_byte, kind_from_byte};
use crate::domain::change::{Event, Origin};
use crate::domain::rename::{RenameNote, RenameStep};
use crate::domain::{Currency, Draft, Expense, ExpenseId, ExpenseView};
use compact::{Base, Compact, CompactHead, CompactRecord, ITEM_COMPACT, RECORD_COMPACT};
use serde::{Deserialize, Serialize};

pub mod compact;

/// An expense as stored in `items` and in stream images: no id (it is the key), plus the seq of
/// the change record that wrote this image.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StoredItem {
    /// `yyyymmdd`.
    pub date: u32,
    /// Positive minor units.
    pub amount: i64,
    /// ISO 4217 code bytes.
    pub currency: [u8; 3],
    /// Category path.
    pub category: String,
    /// Payee, may be empty.
    pub payee: String,
    /// Note.
    pub note: String,
    /// Tags.
    pub tags: Vec<String>,
    /// `keys::kind_byte`.
    pub kind: u8,
    /// Unix ms of the first write.
    pub created: i64,
    /// Unix ms of the last write.
    pub updated: i64,
    /// Version for conditional writes.
    pub version: u64,
    /// Seq of the change record that wrote this image.
    pub last_seq: u64,
}

impl StoredItem {
    /// The stored form of `draft` with the given bookkeeping.
    pub fn new(draft: &Draft, created: i64, updated: i64, version: u64, last_seq: u64) -> Self {
        StoredItem {
            date: date_u32(draft.date),
            amount: draft.amount,
            currency: draft.currency.bytes(),
            category: draft.category.clone(),
            payee: draft.payee.clone(),
            note: draft.note.clone(),
            tags: draft.tags.clone(),
            kind: kind_byte(draft.kind),
            created,
            updated,
            version,
            last_seq,
        }
    }

    /// The image as a borrowed domain view (dates, currency and kind checked); `tree`/`key`
    /// name the source for a `Corrupt` error.
    pub fn view(
        &self,
        id: ExpenseId,
        tree: &str,
        key: &[u8],
    ) -> Result<ExpenseView<'_>, StoreError> {
        let date = date_from_u32(self.date)
            .ok_or_else(|| corrupt(tree, key, format!("bad date {}", self.date)))?;
        let currency = Currency::from_bytes(self.currency)
            .ok_or_else(|| corrupt(tree, key, format!("bad currency {:?}", self.currency)))?;
        let kind = kind_from_byte(self.kind)
            .ok_or_else(|| corrupt(tree, key, format!("bad kind {}", self.kind)))?;
        Ok(ExpenseView {
            id,
            date,
            amount: self.amount,
            currency,
            category: &self.category,
            payee: &self.payee,
            note: &self.note,
            tags: &self.tags,
            kind,
            version: self.version,
        })
    }

    /// Rebuilds the domain expense; `tree`/`key` name the source for a `Corrupt` error.
    pub fn to_expense(&self, id: ExpenseId, tree: &str, key: &[u8]) -> Result<Expense, StoreError> {
        let v = self.view(id, tree, key)?;
        Ok(Expense {
            id,
            draft: Draft {
                date: v.date,
                amount: v.amount,
                currency: v.currency,
                category: v.category.to_owned(),
                payee: v.payee.to_owned(),
                note: v.note.to_owned(),
                tags: v.tags.to_vec(),
                kind: v.kind,
            },
            created: self.created,
            updated: self.updated,
            version: self.version,
        })
    }
}

/// A change record as stored in `stream`. The old image is not stored: it is the `new` image of
/// the record at `prev_seq` (the previous record for the same id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecord {
    /// `Event::code`.
    pub event: u8,
    /// Unix ms.
    pub at: i64,
    /// `Origin::code`.
    pub origin: u8,
    /// The expense id.
    pub id: u128,
    /// Seq of the previous record for this id.
    pub prev_seq: Option<u64>,
    /// The image written (None for REMOVE).
    pub new: Option<StoredItem>,
    /// The import (or batch undo) this record belongs to: the seq of the batch's first record.
    /// Not part of the postcard struct: [`encode_record`] appends it after the image, so records
    /// without one keep their old bytes and older readers, which ignore trailing bytes, still
    /// read records with one.
    #[serde(skip)]
    pub batch: Option<u64>,
    /// For a [`TRASH_MOVE`] record only: when the trashed item expires (Unix ms). Appended by
    /// [`encode_record`] right after the image, before the batch id.
    #[serde(skip)]
    pub expires: Option<i64>,
}

/// Event code of a record that moved its item into the trash (schema 5): inside the store it
/// is a removal like REMOVE (the item leaves `items`, every index and aggregate), and the
/// stream shows it as a MODIFY whose new image carries the trash mark, as DynamoDB shows an
/// update of a TTL attribute. See `store/trash.rs`.
pub const TRASH_MOVE: u8 = 4;
/// Event code of the REMOVE that takes a trashed item away for good (expiry, origin `ttl`, or
/// purge, origin `user`; schema 5): the item's one REMOVE. Not undoable.
pub const TRASH_REMOVE: u8 = 5;

/// True for the codes of a record that took its item out of `items` (REMOVE, [`TRASH_MOVE`],
/// [`TRASH_REMOVE`]).
pub fn is_removal(code: u8) -> bool {
    code == Event::Remove.code() || code == TRASH_MOVE || code == TRASH_REMOVE
}

/// The leading fields of a `StoredRecord`; postcard is sequential, so this decodes the head of a
/// record without decoding its image.
#[derive(Debug, Deserialize)]
pub struct RecordHead {
    /// `Event::code`.
    pub event: u8,
    /// Unix ms.
    pub at: i64,
    /// `Origin::code`.
    pub origin: u8,
    /// The expense id.
    pub id: u128,
    /// Seq of the previous record for this id.
    pub prev_seq: Option<u64>,
}

/// An `idx_date` value: the item's fields that a month's top payees and largest expenses need,
/// projected into the index (as a DynamoDB index projects attributes) so that those are one
/// range scan of the month's index entries instead of a point read of each item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateProjection<'a> {
    /// `keys::kind_byte`.
    pub kind: u8,
    /// ISO 4217 code bytes.
    pub currency: [u8; 3],
    /// Positive minor units.
    pub amount: i64,
    /// Payee, may be empty.
    #[serde(borrow)]
    pub payee: &'a str,
    /// Category path (schema 4).
    #[serde(borrow)]
    pub category: &'a str,
}

impl<'a> DateProjection<'a> {
    /// The projection of `item`.
    pub fn of(item: &'a StoredItem) -> Self {
        DateProjection {
            kind: item.kind,
            currency: item.currency,
            amount: item.amount,
            payee: &item.payee,
            category: &item.category,
        }
    }
}

/// Encodes an `idx_date` value.
pub fn encode_projection(p: &DateProjection<'_>) -> Result<Vec<u8>, StoreError> {
    encode("date index projection", p)
}

/// Decodes an `idx_date` value found at `key`, borrowing the payee from `bytes`.
pub fn decode_projection<'a>(
    tree: &str,
    key: &[u8],
    bytes: &'a [u8],
) -> Result<DateProjection<'a>, StoreError> {
    postcard::from_bytes(bytes).map_err(|e| corrupt(tree, key, e.to_string()))
}

fn encode<T: Serialize>(what: &str, v: &T) -> Result<Vec<u8>, StoreError> {
    postcard::to_stdvec(v).map_err(|e| StoreError::Sled(format!("cannot encode {what}: {e}")))
}

/// Encodes an `items` value (or an image kept elsewhere in the store) in its compact form
/// (`codec/compact.rs`): [`ITEM_COMPACT`], then postcard of the compact image.
pub fn encode_item(item: &StoredItem) -> Result<Vec<u8>, StoreError> {
    let mut out = vec![ITEM_COMPACT];
    postcard::to_io(&Compact::of(item, Base::Item), &mut out)
        .map_err(|e| StoreError::Sled(format!("cannot encode item: {e}")))?;
    Ok(out)
}

/// Encodes an image in the plain form (postcard of `StoredItem`), which every version reads:
/// what sync sends to a peer.
pub fn encode_item_plain(item: &StoredItem) -> Result<Vec<u8>, StoreError> {
    encode("item", item)
}

/// Decodes an `items` value (or an image kept elsewhere), compact or plain, found in `tree` at
/// `key`.
pub fn decode_item(tree: &str, key: &[u8], bytes: &[u8]) -> Result<StoredItem, StoreError> {
    take_item(tree, key, bytes).map(|(item, _)| item)
}

/// [`decode_item`] of the start of `bytes`, and what follows the image.
pub fn take_item<'a>(
    tree: &str,
    key: &[u8],
    bytes: &'a [u8],
) -> Result<(StoredItem, &'a [u8]), StoreError> {
    parse_item(bytes).map_err(|e| corrupt(tree, key, e.to_string()))
}

/// [`take_item`] of bytes that are not the store's (a peer's image), with postcard's error.
pub fn parse_item(bytes: &[u8]) -> Result<(StoredItem, &[u8]), postcard::Error> {
    match bytes.split_first() {
        Some((&ITEM_COMPACT, rest)) => postcard::take_from_bytes::<Compact<String>>(rest)
            .map(|(c, rest)| (c.into_item(Base::Item), rest)),
        _ => postcard::take_from_bytes(bytes),
    }
}

/// The seq a `stream` key names (a compact record counts its image from it).
fn record_seq(tree: &str, key: &[u8]) -> Result<u64, StoreError> {
    super::keys::decode_seq(key).ok_or_else(|| corrupt(tree, key, "not a sequence number"))
}

/// Encodes the `stream` value of record `seq` in its compact form (`codec/compact.rs`): a byte
/// of [`RECORD_COMPACT`] and the event code, postcard of the rest with the image counted from
/// the record's time and seq, then, for a [`TRASH_MOVE`], its expiry as a postcard (zigzag)
/// varint, then the batch id as a postcard varint when the record has one (the trailer of a
/// plain record, which was postcard of `StoredRecord`).
pub fn encode_record(rec: &StoredRecord, seq: u64) -> Result<Vec<u8>, StoreError> {
    let base = Base::Record { at: rec.at, seq };
    if rec.event & RECORD_COMPACT != 0 {
        return Err(StoreError::Sled(format!("no event code {}", rec.event)));
    }
    let compact = CompactRecord {
        at: rec.at,
        origin: rec.origin,
        id: rec.id.to_be_bytes(),
        prev_seq: rec.prev_seq,
        new: rec.new.as_ref().map(|i| Compact::of(i, base)),
    };
    let mut out = vec![RECORD_COMPACT | rec.event];
    postcard::to_io(&compact, &mut out)
        .map_err(|e| StoreError::Sled(format!("cannot encode change record: {e}")))?;
    trailer(rec, &mut out)?;
    Ok(out)
}

/// Appends what follows a record's image: for a [`TRASH_MOVE`] its expiry, then the batch id.
fn trailer(rec: &StoredRecord, out: &mut Vec<u8>) -> Result<(), StoreError> {
    if rec.event == TRASH_MOVE {
        out.extend_from_slice(&encode("expiry", &rec.expires.unwrap_or(rec.at))?);
    }
    if let Some(b) = rec.batch {
        out.extend_from_slice(&encode("batch id", &b)?);
    }
    Ok(())
}

/// A record as a version-6 build stored it: postcard of `StoredRecord`, then the trailer (tests
/// of the plain form, which is still read).
#[cfg(test)]
pub fn encode_record_plain(rec: &StoredRecord) -> Result<Vec<u8>, StoreError> {
    let mut out = encode("change record", rec)?;
    trailer(rec, &mut out)?;
    Ok(out)
}

/// What follows the image of a record with event code `event`: (expiry, batch id). The one
/// reader of those bytes (`check`'s borrowed decoding uses it too).
pub fn decode_trailer(
    tree: &str,
    key: &[u8],
    event: u8,
    mut rest: &[u8],
) -> Result<(Option<i64>, Option<u64>), StoreError> {
    let mut expires = None;
    if event == TRASH_MOVE {
        let (e, tail): (i64, _) = postcard::take_from_bytes(rest)
            .map_err(|e| corrupt(tree, key, format!("trash expiry: {e}")))?;
        expires = Some(e);
        rest = tail;
    }
    if rest.is_empty() {
        return Ok((expires, None));
    }
    let (batch, tail): (u64, _) = postcard::take_from_bytes(rest)
        .map_err(|e| corrupt(tree, key, format!("batch id: {e}")))?;
    if !tail.is_empty() {
        return Err(corrupt(
            tree,
            key,
            format!("{} unexpected bytes after the batch id", tail.len()),
        ));
    }
    Ok((expires, Some(batch)))
}

/// Decodes a `stream` value, compact or plain (with its expiry and batch id, if they follow the
/// image); `key` is its seq.
pub fn decode_record(tree: &str, key: &[u8], bytes: &[u8]) -> Result<StoredRecord, StoreError> {
    let fail = |e: postcard::Error| corrupt(tree, key, e.to_string());
    let (mut rec, rest) = match bytes.split_first() {
        Some((&first, body)) if first & RECORD_COMPACT != 0 => {
            let (c, rest) =
                postcard::take_from_bytes::<CompactRecord<String>>(body).map_err(fail)?;
            let base = Base::Record {
                at: c.at,
                seq: record_seq(tree, key)?,
            };
            let rec = StoredRecord {
                event: first & !RECORD_COMPACT,
                at: c.at,
                origin: c.origin,
                id: u128::from_be_bytes(c.id),
                prev_seq: c.prev_seq,
                new: c.new.map(|i| i.into_item(base)),
                batch: None,
                expires: None,
            };
            (rec, rest)
        }
        _ => postcard::take_from_bytes::<StoredRecord>(bytes).map_err(fail)?,
    };
    (rec.expires, rec.batch) = decode_trailer(tree, key, rec.event, rest)?;
    Ok(rec)
}

/// Decodes only the head of a `stream` value, compact or plain.
pub fn decode_record_head(tree: &str, key: &[u8], bytes: &[u8]) -> Result<RecordHead, StoreError> {
    let fail = |e: postcard::Error| corrupt(tree, key, e.to_string());
    match bytes.split_first() {
        Some((&first, body)) if first & RECORD_COMPACT != 0 => {
            let (h, _) = postcard::take_from_bytes::<CompactHead>(body).map_err(fail)?;
            Ok(RecordHead {
                event: first & !RECORD_COMPACT,
                at: h.at,
                origin: h.origin,
                id: u128::from_be_bytes(h.id),
                prev_seq: h.prev_seq,
            })
        }
        _ => postcard::take_from_bytes::<RecordHead>(bytes)
            .map(|(h, _)| h)
            .map_err(fail),
    }
}

/// An `agg_day` value: sum of minor units and number of items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Agg {
    /// Sum of positive minor units.
    pub sum: i64,
    /// Number of items.
    pub count: u64,
}

impl Agg {
    /// 16 bytes: `sum i64 BE ++ count u64 BE`.
    pub fn encode(&self) -> [u8; 16] {
        let mut v = [0u8; 16];
        v[..8].copy_from_slice(&self.sum.to_be_bytes());
        v[8..].copy_from_slice(&self.count.to_be_bytes());
        v
    }

    /// Decodes an `agg_day` value.
    pub fn decode(tree: &str, key: &[u8], bytes: &[u8]) -> Result<Agg, StoreError> {
        let bad = || {
            corrupt(
                tree,
                key,
                format!("aggregate of {} bytes, want 16", bytes.len()),
            )
        };
        let sum = i64::from_be_bytes(
            bytes
                .get(..8)
                .ok_or_else(bad)?
                .try_into()
                .map_err(|_| bad())?,
        );
        let count = u64::from_be_bytes(
            bytes
                .get(8..16)
                .ok_or_else(bad)?
                .try_into()
                .map_err(|_| bad())?,
        );
        if bytes.len() != 16 {
            return Err(bad());
        }
        Ok(Agg { sum, count })
    }
}

/// Encodes a big-endian u64 (category counts, `meta` seq).
pub fn encode_u64(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

/// Decodes a big-endian u64.
pub fn decode_u64(tree: &str, key: &[u8], bytes: &[u8]) -> Result<u64, StoreError> {
    bytes
        .try_into()
        .map(u64::from_be_bytes)
        .map_err(|_| corrupt(tree, key, format!("{} bytes, want 8", bytes.len())))
}

/// Decodes a big-endian u32 (`meta` schema version).
pub fn decode_u32(tree: &str, key: &[u8], bytes: &[u8]) -> Result<u32, StoreError> {
    bytes
        .try_into()
        .map(u32::from_be_bytes)
        .map_err(|_| corrupt(tree, key, format!("{} bytes, want 4", bytes.len())))
}

/// A payee counter: how many items name it and the category it was last written with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayeeCount {
    /// Items naming the payee.
    pub count: u64,
    /// Category of the most recent write naming the payee.
    pub last_category: String,
}

/// Encodes a payee counter.
pub fn encode_payee(p: &PayeeCount) -> Result<Vec<u8>, StoreError> {
    encode("payee count", p)
}

/// Decodes a payee counter.
pub fn decode_payee(tree: &str, key: &[u8], bytes: &[u8]) -> Result<PayeeCount, StoreError> {
    postcard::from_bytes(bytes).map_err(|e| corrupt(tree, key, e.to_string()))
}

/// A rename's note as `meta` stores it (see [`encode_note`]); `step`: 0 rename, 1 undo, 2 redo.
#[derive(Serialize, Deserialize)]
struct StoredNote {
    step: u8,
    from: String,
    to: String,
    merged: bool,
    expenses: u64,
    budgets_moved: u32,
    budgets_merged: u32,
}

/// A `meta` value that carries a rename's note (`store/fold.rs`, `store/rename.rs`): two u64
/// BE (a fold: its last seq and 0; a rename's marker: expenses expected and written), then
/// postcard of the note, then (when it moved any) postcard of its schedule count.
pub fn encode_note(a: u64, b: u64, note: &RenameNote) -> Result<Vec<u8>, StoreError> {
    let stored = StoredNote {
        step: match note.step {
            RenameStep::Rename => 0,
            RenameStep::Undo => 1,
            RenameStep::Redo => 2,
        },
        from: note.from.clone(),
        to: note.to.clone(),
        merged: note.merged,
        expenses: note.expenses,
        budgets_moved: note.budgets_moved,
        budgets_merged: note.budgets_merged,
    };
    let mut v = Vec::with_capacity(64);
    v.extend_from_slice(&a.to_be_bytes());
    v.extend_from_slice(&b.to_be_bytes());
    v.extend_from_slice(&encode("rename note", &stored)?);
    // After the note, so notes written before schedules (without it) still read, and a build
    // of before reads these (postcard leaves the bytes after a value alone).
    if note.schedules > 0 {
        v.extend_from_slice(&encode("rename note", &note.schedules)?);
    }
    Ok(v)
}

/// Decodes a value written by [`encode_note`].
pub fn decode_note(
    tree: &str,
    key: &[u8],
    bytes: &[u8],
) -> Result<(u64, u64, RenameNote), StoreError> {
    if bytes.len() < 16 {
        return Err(corrupt(tree, key, "rename note shorter than 16 bytes"));
    }
    let a = decode_u64(tree, key, &bytes[..8])?;
    let b = decode_u64(tree, key, &bytes[8..16])?;
    let (s, rest): (StoredNote, &[u8]) =
        postcard::take_from_bytes(&bytes[16..]).map_err(|e| corrupt(tree, key, e.to_string()))?;
    let schedules: u32 = if rest.is_empty() {
        0
    } else {
        postcard::from_bytes(rest).map_err(|e| corrupt(tree, key, e.to_string()))?
    };
    let step = match s.step {
        0 => RenameStep::Rename,
        1 => RenameStep::Undo,
        2 => RenameStep::Redo,
        n => return Err(corrupt(tree, key, format!("bad rename step {n}"))),
    };
    let note = RenameNote {
        step,
        from: s.from,
        to: s.to,
        merged: s.merged,
        expenses: s.expenses,
        budgets_moved: s.budgets_moved,
        budgets_merged: s.budgets_merged,
        schedules,
    };
    Ok((a, b, note))
}

/// A 32-byte running hash stored under `tree`/`key` (the one decoder of stored hashes).
pub fn decode_hash(tree: &str, key: &[u8], bytes: &[u8]) -> Result<Hash, StoreError> {
    <Hash>::try_from(bytes).map_err(|_| corrupt(tree, key, "hash is not 32 bytes"))
}

/// The byte a stream record stores for an [`Event`] or an [`Origin`] (their storage codes are
/// the store's business, so they live here, not on the domain nouns).
pub(crate) trait Code: Sized {
    /// Stored byte.
    fn code(self) -> u8;
    /// The value stored as `b`, if any.
    fn from_code(b: u8) -> Option<Self>;
}

impl Code for Event {
    fn code(self) -> u8 {
        match self {
            Event::Insert => 1,
            Event::Modify => 2,
            Event::Remove => 3,
        }
    }

    /// The event a stored code means inside the store: [`TRASH_MOVE`] and [`TRASH_REMOVE`]
    /// are removals (the item left `items`); how the stream shows them is `store/stream.rs`'s
    /// business.
    fn from_code(b: u8) -> Option<Event> {
        match b {
            1 => Some(Event::Insert),
            2 => Some(Event::Modify),
            3 | TRASH_MOVE | TRASH_REMOVE => Some(Event::Remove),
            _ => None,
        }
    }
}

impl Code for Origin {
    fn code(self) -> u8 {
        match self {
            Origin::User => 0,
            Origin::Import => 1,
            Origin::Undo => 2,
            Origin::Ttl => 3,
            Origin::Replica => 4,
            Origin::Demo => 5,
            Origin::Redo => 6,
            Origin::Restore => 7,
            Origin::Migration => 8,
            Origin::Rename => 9,
            Origin::Schedule => 10,
        }
    }

    fn from_code(b: u8) -> Option<Origin> {
        Some(match b {
            0 => Origin::User,
            1 => Origin::Import,
            2 => Origin::Undo,
            3 => Origin::Ttl,
            4 => Origin::Replica,
            5 => Origin::Demo,
            6 => Origin::Redo,
            7 => Origin::Restore,
            8 => Origin::Migration,
            9 => Origin::Rename,
            10 => Origin::Schedule,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An id as ids are made (a ULID: 48 bits of time, then random).
    const ULID: u128 = 0x0193_8a5e_2b7c_4d1e_8f90_a1b2_c3d4_e5f6;

    #[test]
    fn record_head_reads_the_prefix() {
        let item = StoredItem::new(
            &Draft {
                date: chrono::NaiveDate::from_ymd_opt(2024, 1, 2).unwrap(),
                amount: 1250,
                currency: Currency::EUR,
                category: "food".into(),
                payee: "Bakery".into(),
                note: String::new(),
                tags: vec!["a".into()],
                kind: crate::domain::Kind::Expense,
            },
            77,
            77,
            2,
            9,
        );
        let rec = StoredRecord {
            event: 2,
            at: 77,
            origin: 0,
            id: ULID,
            prev_seq: Some(3),
            new: Some(item.clone()),
            batch: None,
            expires: None,
        };
        // Both forms: the compact one written since schema 7, the plain one still read. The
        // key is the record's seq, from which a compact image counts its `last_seq`.
        let k = super::super::keys::seq_key(9);
        type Enc = fn(&StoredRecord) -> Result<Vec<u8>, StoreError>;
        let compact: Enc = |r| encode_record(r, 9);
        for (form, enc) in [("compact", compact), ("plain", encode_record_plain as Enc)] {
            let bytes = enc(&rec).unwrap();
            assert_eq!(decode_record("s", &k, &bytes).unwrap(), rec, "{form}");
            // A batch id follows the image; the head and the record without it read the same.
            let batched = StoredRecord {
                batch: Some(300),
                ..rec.clone()
            };
            let more = enc(&batched).unwrap();
            assert_eq!(more.len(), bytes.len() + 2);
            assert_eq!(decode_record("s", &k, &more).unwrap(), batched);
            let mut junk = more.clone();
            junk.push(7);
            assert!(decode_record("s", &k, &junk).is_err());
            let head = decode_record_head("s", &k, &bytes).unwrap();
            assert_eq!(
                (head.event, head.at, head.origin, head.id, head.prev_seq),
                (2, 77, 0, ULID, Some(3))
            );
            // A trash move carries its expiry before the batch id.
            let moved = StoredRecord {
                event: TRASH_MOVE,
                new: None,
                expires: Some(-86_400_000),
                batch: Some(300),
                ..rec.clone()
            };
            assert_eq!(
                decode_record("s", &k, &enc(&moved).unwrap()).unwrap(),
                moved
            );
            let unbatched = StoredRecord {
                batch: None,
                ..moved.clone()
            };
            assert_eq!(
                decode_record("s", &k, &enc(&unbatched).unwrap()).unwrap(),
                unbatched
            );
        }
        let plain = encode_record_plain(&rec).unwrap();
        let compact = encode_record(&rec, 9).unwrap();
        assert_eq!(postcard::from_bytes::<StoredRecord>(&plain).unwrap(), rec);
        // The image's times and seq are the record's here (as in every INSERT), the id is 16
        // bytes: the compact record is the smaller.
        assert!(compact.len() < plain.len(), "{compact:?} vs {plain:?}");
        // A compact record needs its seq: a key that is none is damage, not a guess.
        assert!(decode_record("s", b"k", &compact).is_err());
        // Items: both forms read the same; the compact one starts with its marker.
        let ci = encode_item(&item).unwrap();
        let pi = encode_item_plain(&item).unwrap();
        assert_eq!(ci[0], ITEM_COMPACT);
        assert!(pi[0] >= 0x80, "a plain item starts with a multi-byte date");
        assert_eq!(decode_item("i", b"k", &ci).unwrap(), item);
        assert_eq!(decode_item("i", b"k", &pi).unwrap(), item);
        assert!(ci.len() < pi.len(), "{ci:?} vs {pi:?}");
        let back = item.to_expense(ExpenseId(ULID), "items", b"k").unwrap();
        assert_eq!(back.draft.amount, 1250);
        let err = decode_item("items-1", &[0xab], &[0xff, 0xff]).unwrap_err();
        assert!(
            err.to_string().contains("items-1") && err.to_string().contains("ab"),
            "{err}"
        );
        let a = Agg { sum: -5, count: 2 };
        assert_eq!(Agg::decode("a", b"", &a.encode()).unwrap(), a);
    }
}
