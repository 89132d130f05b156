//! `items` values that point into the stream (schema 8). Rule: an expense's current image is
//! stored once, as the new image of its newest change record; its `items` value names that
//! record ([`ITEM_POINTER`] ++ the seq as a postcard varint, 2-5 bytes), and every reader of
//! `items` takes the image from there ([`read_item`], `Tx::current`, `check`'s scan).
//!
//! Where the image is found: the stream record `seq` while it is kept; once `trim_stream` folded
//! it into `stream_base-1` (`store/retention.rs`), the base row of the id, which holds exactly
//! the new image of the id's last trimmed record (the same bytes' meaning: its `last_seq` is
//! `seq`). A record that is gone from both, or that is not an image of this id written at
//! `seq`, is damage, named as such ([`pointed_image`]).
//!
//! Why (`benches/README.md`, "Items point into the stream"): the stream's newest image of every
//! expense repeated its `items` value, 48 of the 190 bytes stored per expense at 1M; sled's file
//! grows ~3x the bytes stored. The stream keeps the bytes (its running hash covers them), so
//! `items` is the one that gives them up. Values written before schema 8 hold the image (the
//! compact or the plain form) and are read as before; nothing is migrated.

use super::codec::{decode_item, decode_record, StoredItem};
use super::error::{corrupt, StoreError};
use super::keys::{id_key, seq_key};
use super::tables::{Trees, ITEMS, STREAM_BASE};
use crate::domain::ExpenseId;

/// First byte of an `items` value that points to a stream record. No image starts with it: a
/// compact one starts with `codec::compact::ITEM_COMPACT` (1), a plain one with its date as a
/// postcard varint, whose first byte has the high bit set for every date an expense can have.
pub const ITEM_POINTER: u8 = 0x02;

/// The `items` value that points to stream record `seq`.
pub fn encode_pointer(seq: u64) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::with_capacity(11);
    out.push(ITEM_POINTER);
    postcard::to_io(&seq, &mut out)
        .map_err(|e| StoreError::Sled(format!("cannot encode a pointer: {e}")))?;
    Ok(out)
}

/// The seq an `items` value at `key` points to, `None` for a value that holds the image itself
/// (written before schema 8).
pub fn pointer_seq(key: &[u8], value: &[u8]) -> Result<Option<u64>, StoreError> {
    let Some((&ITEM_POINTER, rest)) = value.split_first() else {
        return Ok(None);
    };
    match postcard::take_from_bytes::<u64>(rest) {
        Ok((seq, [])) => Ok(Some(seq)),
        Ok(_) => Err(corrupt(ITEMS, key, "bytes after the seq it points to")),
        Err(e) => Err(corrupt(ITEMS, key, format!("pointer to a record: {e}"))),
    }
}

/// The image the `items` entry `key` of `id`, pointing to `seq`, names: the new image of the
/// record's stored bytes `record`, or, when the record is gone (trimmed), the base row `base`
/// gives. Refuses a record of another id, one without a new image, or one whose image was not
/// written by it; and a missing record without a base row of that seq.
pub fn pointed_image(
    key: &[u8],
    id: ExpenseId,
    seq: u64,
    record: Option<&[u8]>,
    base: impl FnOnce() -> Result<Option<StoredItem>, StoreError>,
) -> Result<StoredItem, StoreError> {
    let img = match record {
        Some(bytes) => {
            let rec = decode_record(super::tables::STREAM, &seq_key(seq), bytes)?;
            let Some(img) = rec.new else {
                let what = format!("points to record {seq}, a removal");
                return Err(corrupt(ITEMS, key, what));
            };
            if rec.id != id.0 {
                let what = format!("points to record {seq}, a change of {}", ExpenseId(rec.id));
                return Err(corrupt(ITEMS, key, what));
            }
            img
        }
        None => base()?.ok_or_else(|| {
            corrupt(
                ITEMS,
                key,
                format!("points to record {seq}, which is neither in the stream nor in its base"),
            )
        })?,
    };
    if img.last_seq != seq {
        return Err(corrupt(
            ITEMS,
            key,
            format!(
                "points to record {seq}, whose image was written by record {}",
                img.last_seq
            ),
        ));
    }
    Ok(img)
}

/// The live base row of `id` in `stream_base-1` (what a trimmed newest record left), if any.
pub fn base_row(base: &sled::Tree, id: ExpenseId) -> Result<Option<StoredItem>, StoreError> {
    let k = id_key(id);
    match base.get(k)? {
        Some(v) => decode_item(STREAM_BASE, &k, &v).map(Some),
        None => Ok(None),
    }
}

/// The image the `items` value `value` of `id` (at `key`) gives: itself before schema 8, else
/// the record it points to.
pub fn read_item(
    t: &Trees,
    id: ExpenseId,
    key: &[u8],
    value: &[u8],
) -> Result<StoredItem, StoreError> {
    match pointer_seq(key, value)? {
        None => decode_item(ITEMS, key, value),
        Some(seq) => {
            let rec = t.stream.get(seq_key(seq))?;
            pointed_image(key, id, seq, rec.as_deref(), || {
                base_row(&t.stream_base, id)
            })
        }
    }
}

/// The stored bytes of the stream records `seqs` (in any order), each `None` when it is not
/// kept (trimmed, or damage): read in seq order, by one range scan where they lie close
/// together (a range of expenses entered or imported in date order), else one by one.
pub fn records_at(t: &Trees, seqs: &[u64]) -> Vec<Result<Option<sled::IVec>, StoreError>> {
    let mut order: Vec<usize> = (0..seqs.len()).collect();
    order.sort_unstable_by_key(|&i| seqs[i]);
    let mut out: Vec<Result<Option<sled::IVec>, StoreError>> =
        seqs.iter().map(|_| Ok(None)).collect();
    let (Some(&first), Some(&last)) = (order.first(), order.last()) else {
        return out;
    };
    let (lo, hi) = (seqs[first], seqs[last]);
    if hi - lo >= 16 * seqs.len() as u64 {
        for i in order {
            out[i] = t.stream.get(seq_key(seqs[i])).map_err(StoreError::from);
        }
        return out;
    }
    let mut records = t.stream.range(seq_key(lo)..=seq_key(hi)).peekable();
    for i in order {
        let want = seq_key(seqs[i]);
        // Records before the wanted one are passed over.
        while let Some(kv) = records.peek() {
            match kv {
                Ok((k, _)) if k.as_ref() < &want[..] => {
                    records.next();
                }
                Ok((k, v)) => {
                    if k.as_ref() == &want[..] {
                        out[i] = Ok(Some(v.clone()));
                    }
                    break;
                }
                Err(_) => {
                    if let Some(Err(e)) = records.next() {
                        out[i] = Err(e.into());
                    }
                    break;
                }
            }
        }
    }
    out
}

/// [`read_item`] of many `items` entries `(id, key, value)` at once, in their order: the records
/// pointed to are read in seq order, by one range scan of the stream where they lie close
/// together (a date range of expenses entered or imported in date order), else one by one.
/// What `expense export` reads a million items through: one point read into the stream per
/// expense made it 1.5x slower.
pub fn read_items(
    t: &Trees,
    entries: &[(ExpenseId, sled::IVec, sled::IVec)],
) -> Vec<Result<StoredItem, StoreError>> {
    let mut out: Vec<Option<Result<StoredItem, StoreError>>> = Vec::with_capacity(entries.len());
    // (seq, position) of the entries that point.
    let mut wanted: Vec<(u64, usize)> = Vec::new();
    for (i, (id, key, value)) in entries.iter().enumerate() {
        match pointer_seq(key, value) {
            Ok(Some(seq)) => {
                wanted.push((seq, i));
                out.push(None);
            }
            Ok(None) => out.push(Some(read_item(t, *id, key, value))),
            Err(e) => out.push(Some(Err(e))),
        }
    }
    let resolve = |i: usize, seq: u64, rec: Option<&[u8]>| {
        let (id, key, _) = &entries[i];
        pointed_image(key, *id, seq, rec, || base_row(&t.stream_base, *id))
    };
    let seqs: Vec<u64> = wanted.iter().map(|w| w.0).collect();
    for ((seq, i), rec) in wanted.iter().zip(records_at(t, &seqs)) {
        out[*i] = Some(rec.and_then(|r| resolve(*i, *seq, r.as_deref())));
    }
    out.into_iter()
        .map(|r| r.unwrap_or_else(|| Err(StoreError::Sled("an item was not read".into()))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::change::Origin;
    use crate::store::backup::tests::draft;
    use crate::store::codec::{encode_item, encode_item_plain};
    use crate::store::Store;

    fn value(s: &Store, id: ExpenseId) -> sled::IVec {
        s.trees.items.get(id_key(id)).unwrap().unwrap()
    }

    fn problems(s: &Store) -> Vec<String> {
        s.check().unwrap().problems
    }

    #[test]
    fn a_pointer_round_trips_and_nothing_else_reads_as_one() {
        for seq in [0, 1, 127, 128, 1 << 35, u64::MAX] {
            let v = encode_pointer(seq).unwrap();
            assert_eq!(pointer_seq(b"k", &v).unwrap(), Some(seq));
        }
        // A million records in: 4 bytes where the image took ~48.
        assert_eq!(encode_pointer(1_000_000).unwrap().len(), 4);
        let cut = pointer_seq(b"k", &[ITEM_POINTER, 0x80]).unwrap_err();
        assert!(cut.to_string().contains("pointer to a record"), "{cut}");
        assert!(pointer_seq(b"k", &[ITEM_POINTER]).is_err());
        let mut long = encode_pointer(5).unwrap();
        long.push(0);
        let e = pointer_seq(b"k", &long).unwrap_err().to_string();
        assert!(e.contains("bytes after the seq"), "{e}");
        // Images in both older forms are not pointers, whatever their date.
        let s = Store::open_temporary().unwrap();
        let mut img = s.put(draft(1), Origin::User, 1).unwrap().new.unwrap();
        for year in [1, 1970, 9999] {
            img.draft.date = chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
            let item = StoredItem::new(&img.draft, 1, 2, 3, 4);
            for bytes in [
                encode_item(&item).unwrap(),
                encode_item_plain(&item).unwrap(),
            ] {
                assert_eq!(pointer_seq(b"k", &bytes).unwrap(), None);
            }
        }
    }

    #[test]
    fn items_point_to_the_newest_record_and_read_it_from_the_base_once_trimmed() {
        let s = Store::open_temporary().unwrap();
        let a = s.put(draft(100), Origin::User, 1_000).unwrap();
        let b = s.put(draft(200), Origin::User, 2_000).unwrap();
        let a2 = s.update(a.id, 1, draft(150), Origin::User, 3_000).unwrap();
        assert_eq!(pointer_seq(b"k", &value(&s, a.id)).unwrap(), Some(a2.seq));
        assert_eq!(pointer_seq(b"k", &value(&s, b.id)).unwrap(), Some(b.seq));
        // b's only record and a's first are trimmed: b's image is its base row now.
        assert_eq!(s.trim_stream(2_500).unwrap(), 2);
        assert!(s.trees.stream.get(seq_key(b.seq)).unwrap().is_none());
        assert_eq!(s.get(b.id).unwrap(), b.new);
        assert_eq!(s.get(a.id).unwrap(), a2.new);
        assert!(problems(&s).is_empty(), "{:?}", problems(&s));
        // A write over an image read from the base (`Tx::current`), then its undo.
        let b2 = s.update(b.id, 1, draft(250), Origin::User, 4_000).unwrap();
        assert_eq!(b2.old, b.new);
        assert_eq!(pointer_seq(b"k", &value(&s, b.id)).unwrap(), Some(b2.seq));
        s.undo_latest(5_000).unwrap().unwrap();
        assert_eq!(s.get(b.id).unwrap().unwrap().draft, b.new.unwrap().draft);
        assert!(problems(&s).is_empty(), "{:?}", problems(&s));
    }

    #[test]
    fn many_items_read_at_once_are_the_ones_read_alone_near_or_far_apart_and_trimmed() {
        let s = Store::open_temporary().unwrap();
        let mut ids = Vec::new();
        for i in 0..200 {
            ids.push(s.put(draft(i), Origin::User, 1_000 + i).unwrap().id);
        }
        // Far apart: the first ten and ten edited long after; one old image in the base.
        for (n, id) in ids.iter().take(10).enumerate() {
            s.update(*id, 1, draft(5_000), Origin::User, 10_000 + n as i64)
                .unwrap();
        }
        assert!(s.trim_stream(1_050).unwrap() > 0);
        let entries = |pick: &[ExpenseId]| -> Vec<(ExpenseId, sled::IVec, sled::IVec)> {
            pick.iter()
                .map(|id| (*id, id_key(*id)[..].into(), value(&s, *id)))
                .collect()
        };
        let mut far: Vec<ExpenseId> = ids[..10].to_vec();
        far.extend(&ids[190..]);
        far.push(ids[20]);
        // Read one by one: seqs 201 and 21 (trimmed: its base row), 180 apart for 2 entries.
        let apart = [ids[0], ids[20]];
        for pick in [&ids[..], &ids[100..140], &far[..], &apart[..]] {
            let got: Vec<StoredItem> = read_items(&s.trees, &entries(pick))
                .into_iter()
                .map(Result::unwrap)
                .collect();
            let alone: Vec<StoredItem> = entries(pick)
                .iter()
                .map(|(id, k, v)| read_item(&s.trees, *id, k, v).unwrap())
                .collect();
            assert_eq!(got, alone);
        }
        // A pointer to a missing record fails in its place only.
        let mut e = entries(&ids[100..103]);
        e[1].2 = encode_pointer(9_999).unwrap().into();
        let got = read_items(&s.trees, &e);
        assert!(got[0].is_ok() && got[2].is_ok());
        let err = got[1].as_ref().unwrap_err().to_string();
        assert!(err.contains("points to record 9999"), "{err}");
    }

    #[test]
    fn a_pointer_to_the_wrong_record_is_damage_that_says_which() {
        let s = Store::open_temporary().unwrap();
        let a = s.put(draft(100), Origin::User, 1_000).unwrap();
        let b = s.put(draft(200), Origin::User, 2_000).unwrap();
        let c = s.put(draft(300), Origin::User, 3_000).unwrap();
        let gone = s.delete(c.id, 1, Origin::User, 4_000).unwrap();
        let a2 = s.update(a.id, 1, draft(150), Origin::User, 5_000).unwrap();
        let cases = [
            (
                b.seq,
                format!("points to record {}, a change of {}", b.seq, b.id),
            ),
            (
                gone.seq,
                format!("points to record {}, a removal", gone.seq),
            ),
            (
                99,
                "points to record 99, which is neither in the stream nor".into(),
            ),
            (
                a.seq,
                format!(
                    "points to record {}, whose image was written by record {}",
                    a.seq, a.seq
                ),
            ),
        ];
        for (seq, want) in cases {
            s.trees
                .items
                .insert(id_key(a.id), encode_pointer(seq).unwrap())
                .unwrap();
            let got = s.get(a.id);
            if seq == a.seq {
                // An older record of the item itself: readable, but not the newest, which
                // only the replay knows.
                assert_eq!(got.unwrap(), a.new);
                let p = problems(&s).join("; ");
                assert!(p.contains(&format!("record {}", a2.seq)), "{p}");
                continue;
            }
            let e = got.unwrap_err().to_string();
            assert!(e.contains(&want) && e.contains(ITEMS), "{e}");
            let p = problems(&s).join("; ");
            assert!(p.contains(&want), "{p}");
            // A write over it is refused with the same words, and changes nothing.
            let before = s.last_seq().unwrap();
            let e = s
                .update(a.id, 2, draft(1), Origin::User, 6_000)
                .unwrap_err();
            assert!(e.to_string().contains(&want), "{e}");
            assert_eq!(s.last_seq().unwrap(), before);
        }
        s.trees
            .items
            .insert(id_key(a.id), encode_pointer(a2.seq).unwrap())
            .unwrap();
        assert!(problems(&s).is_empty(), "{:?}", problems(&s));
    }
}
