//! Replaying the stream: seqs without gaps, `prev_seq` chains per id, each image's `last_seq`,
//! and the running hash, giving the live image per id to hold against `items`. Rule: the stream
//! is read once, in seq order, on its own thread while the workers scan `items`; nothing is
//! written.

use super::super::codec::compact::{Base, CompactRecord, RECORD_COMPACT};
use super::super::codec::{decode_record, decode_trailer};
use super::super::error::{hex, StoreError};
use super::super::keys::decode_seq;
use super::super::tables::{Trees, STREAM, STREAM_BASE};
use super::scan::{image_hash, view_hash, ItemView, Live};
use crate::domain::ExpenseId;
use serde::Deserialize;

/// A `stream` value decoded without copying its image: the postcard fields of a plain
/// `codec::StoredRecord` in the same order (the batch id after it is read by [`view_record`]),
/// or what a compact record (`codec/compact.rs`) holds.
#[derive(Debug, Deserialize)]
pub(super) struct RecordView<'a> {
    pub(super) event: u8,
    #[allow(dead_code)]
    pub(super) at: i64,
    #[allow(dead_code)]
    pub(super) origin: u8,
    pub(super) id: u128,
    pub(super) prev_seq: Option<u64>,
    #[serde(borrow)]
    pub(super) new: Option<ItemView<'a>>,
}

/// Decodes a `stream` value as [`decode_record`] does (the same bytes are accepted, with the same
/// message when they are not), without copying the image.
pub(super) fn view_record<'a>(key: &[u8], bytes: &'a [u8]) -> Result<RecordView<'a>, StoreError> {
    let fail = || match decode_record(STREAM, key, bytes) {
        Err(e) => e,
        Ok(_) => StoreError::Invalid(format!("{STREAM}: record {} does not decode", hex(key))),
    };
    let (rec, rest) = match bytes.split_first() {
        Some((&first, body)) if first & RECORD_COMPACT != 0 => {
            let seq = decode_seq(key).ok_or_else(fail)?;
            let (c, rest) =
                postcard::take_from_bytes::<CompactRecord<&str>>(body).map_err(|_| fail())?;
            let base = Base::Record { at: c.at, seq };
            let rec = RecordView {
                event: first & !RECORD_COMPACT,
                at: c.at,
                origin: c.origin,
                id: u128::from_be_bytes(c.id),
                prev_seq: c.prev_seq,
                new: c.new.map(|i| ItemView::of(i, base)),
            };
            (rec, rest)
        }
        _ => postcard::take_from_bytes::<RecordView>(bytes).map_err(|_| fail())?,
    };
    decode_trailer(STREAM, key, rec.event, rest).map_err(|_| fail())?;
    Ok(rec)
}

/// What replaying the stream gives.
#[derive(Default)]
pub(super) struct Replay {
    pub(super) problems: Vec<String>,
    pub(super) records: u64,
    /// Last seq in the stream (0 when empty).
    pub(super) last: u64,
    /// id -> (seq of its last record, hash of that record's new image).
    pub(super) live: Live,
    /// The running stream hash (`store/mark.rs`) after the last record.
    pub(super) chain: super::super::chain::Hash,
}

/// Only the last stream seq (for the `meta` seq check), without reading the records.
pub(super) fn last_record(t: &Trees) -> Result<Replay, StoreError> {
    let last = match t.stream.last()? {
        Some((k, _)) => decode_seq(&k).unwrap_or(0),
        None => 0,
    };
    Ok(Replay {
        last,
        ..Replay::default()
    })
}

/// Seqs 1..=last without gaps, `prev_seq` chains per id, each image's `last_seq` is its record.
/// A trimmed stream (`store/retention.rs`) starts at `meta` `stream_start`, its live map
/// seeded from `stream_base-1` and its chain from `meta` `stream_base_hash`.
pub(super) fn replay_stream(t: &Trees) -> Result<Replay, StoreError> {
    let mut r = Replay::default();
    let start = t.stream_start()?;
    let mut expect = start;
    r.last = start.saturating_sub(1);
    r.chain = super::super::retention::base_hash(t)?;
    // At most one live entry per record: growing the map a dozen times costs more than this.
    if let Some(end) = t.stream.last()?.and_then(|(k, _)| decode_seq(&k)) {
        let records = end.saturating_sub(start).saturating_add(1);
        r.live
            .reserve(usize::try_from(records.min(1 << 24)).unwrap_or(0));
    }
    super::super::retention::for_each_base(t, |e| {
        let (id, seq, hash) = match &e {
            super::super::retention::BaseEntry::Live(id, img) => {
                (*id, img.last_seq, Some(image_hash(img)))
            }
            super::super::retention::BaseEntry::Removed(id, seq) => (*id, *seq, None),
        };
        if seq >= start {
            r.problems.push(format!(
                "{STREAM_BASE}: {} names record {seq}, which is not trimmed (the stream starts at {start})",
                ExpenseId(id)
            ));
        }
        if r.live.insert(id, (seq, hash)).is_some() {
            r.problems.push(format!(
                "{STREAM_BASE}: {} is both live and removed",
                ExpenseId(id)
            ));
        }
        Ok(())
    })?;
    for kv in t.stream.iter() {
        let (k, v) = kv?;
        r.records += 1;
        let Some(seq) = decode_seq(&k) else {
            r.problems
                .push(format!("{STREAM}: key {} is not a seq", hex(&k)));
            continue;
        };
        if seq != expect {
            r.problems
                .push(format!("{STREAM}: expected seq {expect}, found {seq}"));
        }
        expect = seq.saturating_add(1);
        r.last = seq;
        r.chain = super::super::chain::next_hash(&r.chain, seq, &v);
        let rec = match view_record(&k, &v) {
            Ok(rec) => rec,
            Err(e) => {
                r.problems.push(e.to_string());
                continue;
            }
        };
        let prev = r.live.get(&rec.id).map(|(s, _)| *s);
        if rec.prev_seq != prev {
            r.problems.push(format!(
                "{STREAM}: record {seq} for {} names prev_seq {:?}, the previous record is {:?}",
                ExpenseId(rec.id),
                rec.prev_seq,
                prev
            ));
        }
        if let Some(n) = &rec.new {
            if n.last_seq != seq {
                r.problems.push(format!(
                    "{STREAM}: record {seq} image has last_seq {}",
                    n.last_seq
                ));
            }
        }
        r.live
            .insert(rec.id, (seq, rec.new.as_ref().map(view_hash)));
    }
    Ok(r)
}
