//! Stream retention: trimming change records older than `[stream] keep_days` while everything
//! that reads the stream keeps working inside the kept window. Rule: trimming records
//! `stream_start ..= T` folds them into `stream_base-1` (the state a replay of `1..=T` leaves,
//! see `tables::STREAM_BASE`) and extends `meta` `stream_base_hash` with their bytes, in the
//! same transaction that removes them; nothing else changes (items, indexes, `meta` seq and
//! hash, the high-water mark). So:
//!
//! - an old image whose record was trimmed is the base image of its id (the base holds exactly
//!   the new image of the id's last trimmed record; for a REMOVE, the image it removed, which a
//!   later `ttl` REMOVE looks through);
//! - `check --stream` replays from `stream_start` with its live map seeded from the base and its
//!   chain from `stream_base_hash`, and still ends at `meta`'s hash;
//! - point-in-time restore starts from the base, so any time from the last trimmed record's
//!   `at` (`meta` `stream_base_at`) on is rebuilt exactly; an earlier one is refused;
//! - undo / redo / history walk the kept records only; a trimmed seq is `StoreError::Trimmed`.
//!
//! Limits on T: never past the lowest trigger checkpoint or dead letter (no undelivered record
//! is trimmed), and never the newest record (the stream keeps its position and `expense stream
//! --since latest` something to stand on).
//!
//! Why a base tree rather than a snapshot in the mark or a backup file: it is written in the
//! same sled transaction as the removal, so a crash never leaves records gone and not folded.
//! It holds one row per live-at-T item (plus one per id whose last trimmed record is a REMOVE
//! not yet followed by a trimmed `ttl` REMOVE: deletes without trash keep that row), so it is
//! about the size of `items`.

use super::chain::{next_hash, Hash, ZERO};
use super::codec::{decode_item, decode_record, encode_item, StoredItem, StoredRecord};
use super::error::{corrupt, StoreError};
use super::keys::{decode_seq, id_key, seq_key};
use super::stream::{legacy_trash, Before};
use super::tables::{
    Trees, META, META_BASE_AT, META_BASE_HASH, META_STREAM_START, STREAM, STREAM_BASE,
};
use super::Store;
use crate::domain::trash::TrashMark;
use crate::domain::ExpenseId;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

/// Records folded per transaction (each flushed).
const TRIM_CHUNK: usize = 5_000;

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// The base key of the REMOVE row of `id`.
fn removed_key(id: u128) -> [u8; 17] {
    let mut k = [0u8; 17];
    k[..16].copy_from_slice(&id_key(ExpenseId(id)));
    k
}

/// Decodes a REMOVE row: (seq of the REMOVE, image it removed).
pub(crate) fn decode_removed(key: &[u8], v: &[u8]) -> Result<(u64, StoredItem), StoreError> {
    if v.len() < 8 {
        return Err(corrupt(
            STREAM_BASE,
            key,
            "removed row is shorter than a seq",
        ));
    }
    let seq = u64::from_be_bytes(v[..8].try_into().unwrap_or_default());
    Ok((seq, decode_item(STREAM_BASE, key, &v[8..])?))
}

/// The image of `id` as of the trim point: its live base image, or, when its last trimmed
/// record is a REMOVE, the image that REMOVE removed; `None` when the base knows nothing of it.
pub(crate) fn base_image(t: &Trees, id: u128) -> Result<Option<StoredItem>, StoreError> {
    let k = id_key(ExpenseId(id));
    if let Some(v) = t.stream_base.get(k)? {
        return decode_item(STREAM_BASE, &k, &v).map(Some);
    }
    let k = removed_key(id);
    match t.stream_base.get(k)? {
        Some(v) => decode_removed(&k, &v).map(|(_, i)| Some(i)),
        None => Ok(None),
    }
}

/// [`base_image`] with the trash mark a removed row keeps when its REMOVE moved the item into
/// the trash (16 bytes after the image: deleted_at, expires_at, i64 BE).
pub(crate) fn base_before(t: &Trees, id: u128) -> Result<Before, StoreError> {
    let k = id_key(ExpenseId(id));
    if let Some(v) = t.stream_base.get(k)? {
        return decode_item(STREAM_BASE, &k, &v).map(|i| Before::live(Some(i)));
    }
    let k = removed_key(id);
    let Some(v) = t.stream_base.get(k)? else {
        return Ok(Before::default());
    };
    let (_, image) = decode_removed(&k, &v)?;
    let (_, rest) = super::codec::take_item(STREAM_BASE, &k, &v[8..])?;
    let trash = match rest.len() {
        0 => None,
        16 => Some(TrashMark {
            deleted_at: i64::from_be_bytes(rest[..8].try_into().unwrap_or_default()),
            expires_at: i64::from_be_bytes(rest[8..].try_into().unwrap_or_default()),
        }),
        n => {
            return Err(corrupt(
                STREAM_BASE,
                &k,
                format!("{n} bytes after the image"),
            ))
        }
    };
    Ok(Before {
        image: Some(image),
        trash,
    })
}

/// One entry of the base, as [`for_each_base`] hands it out.
pub(crate) enum BaseEntry {
    /// The item `id` live at the trim point.
    Live(u128, StoredItem),
    /// The item `id`, removed by record `seq`.
    Removed(u128, u64),
}

/// Calls `f` for every base entry, in id order.
pub(crate) fn for_each_base(
    t: &Trees,
    mut f: impl FnMut(BaseEntry) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    for kv in t.stream_base.iter() {
        let (k, v) = kv?;
        let id = k
            .get(..16)
            .and_then(|b| <[u8; 16]>::try_from(b).ok())
            .map(u128::from_be_bytes)
            .ok_or_else(|| corrupt(STREAM_BASE, &k, "key is shorter than an id"))?;
        match k.len() {
            16 => f(BaseEntry::Live(id, decode_item(STREAM_BASE, &k, &v)?))?,
            17 if k[16] == 0 => {
                let (seq, _) = decode_removed(&k, &v)?;
                f(BaseEntry::Removed(id, seq))?
            }
            _ => {
                return Err(corrupt(
                    STREAM_BASE,
                    &k,
                    "key is not an id or a removed row",
                ))
            }
        }
    }
    Ok(())
}

/// The running hash after the last trimmed record (zeros when nothing was trimmed).
pub(crate) fn base_hash(t: &Trees) -> Result<Hash, StoreError> {
    match t.meta.get(META_BASE_HASH)? {
        Some(v) => super::codec::decode_hash(META, META_BASE_HASH, &v),
        None => Ok(ZERO),
    }
}

/// The `at` of the last trimmed record (`None` when nothing was trimmed).
pub(crate) fn base_at(t: &Trees) -> Result<Option<i64>, StoreError> {
    match t.meta.get(META_BASE_AT)? {
        Some(v) => <[u8; 8]>::try_from(&v[..])
            .map(|b| Some(i64::from_be_bytes(b)))
            .map_err(|_| corrupt(META, META_BASE_AT, "base time is not 8 bytes")),
        None => Ok(None),
    }
}

/// The error for a record that trimming removed.
pub(crate) fn trimmed(seq: u64, start: u64) -> StoreError {
    StoreError::Trimmed { seq, start }
}

impl Store {
    /// The first kept change record (1 while nothing was trimmed).
    pub fn stream_start(&self) -> Result<u64, StoreError> {
        self.trees.stream_start()
    }

    /// Trims the records older than `keep_days` days before `now_ms` (see the module doc);
    /// `keep_days` 0 keeps everything. Returns how many records it trimmed.
    pub fn trim_stream_days(&self, keep_days: u32, now_ms: i64) -> Result<usize, StoreError> {
        if keep_days == 0 {
            return Ok(0);
        }
        self.trim_stream(now_ms.saturating_sub(i64::from(keep_days) * DAY_MS))
    }

    /// The last seq trimming may reach: below the newest record, every trigger's checkpoint
    /// and in-flight record, and every dead letter.
    fn trim_limit(&self) -> Result<u64, StoreError> {
        let mut limit = self.last_seq()?.saturating_sub(1);
        for (name, st) in self.trigger_states()? {
            limit = limit.min(st.checkpoint);
            if let Some(f) = st.in_flight {
                limit = limit.min(f.saturating_sub(1));
            }
            for d in self.dead_letters(&name)? {
                limit = limit.min(d.seq.saturating_sub(1));
            }
        }
        Ok(limit)
    }

    /// Folds every record written before `keep_before_ms` into the base and removes it, in
    /// flushed transactions of `TRIM_CHUNK` records, within the limits of the module doc.
    /// Returns how many records it trimmed.
    pub fn trim_stream(&self, keep_before_ms: i64) -> Result<usize, StoreError> {
        self.check_writable()?;
        let limit = self.trim_limit()?;
        let t = &self.trees;
        let mut done = 0;
        loop {
            let start = t.stream_start()?;
            if start > limit {
                return Ok(done);
            }
            let mut chunk: Vec<(u64, StoredRecord)> = Vec::with_capacity(TRIM_CHUNK);
            let mut hash = base_hash(t)?;
            for kv in t.stream.range(seq_key(start)..=seq_key(limit)) {
                let (k, v) = kv?;
                let seq = decode_seq(&k).ok_or_else(|| corrupt(STREAM, &k, "key is not a seq"))?;
                let expect = start + chunk.len() as u64;
                if seq != expect {
                    return Err(corrupt(
                        STREAM,
                        &k,
                        format!("found while record {expect} was expected"),
                    ));
                }
                let rec = decode_record(STREAM, &k, &v)?;
                if rec.at >= keep_before_ms {
                    break;
                }
                hash = next_hash(&hash, seq, &v);
                chunk.push((seq, rec));
                if chunk.len() == TRIM_CHUNK {
                    break;
                }
            }
            let Some((last, last_rec)) = chunk.last() else {
                return Ok(done);
            };
            let (last, last_at) = (*last, last_rec.at);
            let images: Vec<Option<Vec<u8>>> = chunk
                .iter()
                .map(|(_, r)| r.new.as_ref().map(encode_item).transpose())
                .collect::<Result<_, _>>()?;
            let legacy = legacy_trash(t)?;
            let marks: Vec<Option<TrashMark>> = chunk
                .iter()
                .map(|(seq, r)| super::stream::move_mark(*seq, r.event, r.at, r.expires, &legacy))
                .collect();
            let r: Result<(), TransactionError<StoreError>> = (&t.stream, &t.stream_base, &t.meta)
                .transaction(|(stream, base, meta)| {
                    let now_start = match meta.get(META_STREAM_START)? {
                        Some(v) => <[u8; 8]>::try_from(&v[..]).map_or(0, u64::from_be_bytes),
                        None => 1,
                    };
                    if now_start != start {
                        return Err(ConflictableTransactionError::Abort(StoreError::Invalid(
                            "the change stream was trimmed by another session meanwhile".into(),
                        )));
                    }
                    for (((seq, rec), image), mark) in chunk.iter().zip(&images).zip(&marks) {
                        let live = id_key(ExpenseId(rec.id));
                        let removed = removed_key(rec.id);
                        match image {
                            Some(img) => {
                                base.insert(&live[..], img.as_slice())?;
                                base.remove(&removed[..])?;
                            }
                            None => match base.remove(&live[..])? {
                                // The REMOVE of a live item: keep what it removed.
                                Some(old) => {
                                    let mut v = seq.to_be_bytes().to_vec();
                                    v.extend_from_slice(&old);
                                    if let Some(m) = mark {
                                        v.extend_from_slice(&m.deleted_at.to_be_bytes());
                                        v.extend_from_slice(&m.expires_at.to_be_bytes());
                                    }
                                    base.insert(&removed[..], v)?;
                                }
                                // A REMOVE after a REMOVE (a `ttl` one): the id is gone.
                                None => drop(base.remove(&removed[..])?),
                            },
                        }
                        stream.remove(&seq_key(*seq)[..])?;
                    }
                    meta.insert(META_STREAM_START, &(last + 1).to_be_bytes()[..])?;
                    meta.insert(META_BASE_HASH, &hash[..])?;
                    meta.insert(META_BASE_AT, &last_at.to_be_bytes()[..])?;
                    Ok(())
                });
            match r {
                Ok(()) => {}
                Err(TransactionError::Abort(e)) => return Err(e),
                Err(TransactionError::Storage(e)) => return Err(e.into()),
            }
            self.db.flush()?;
            done += chunk.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Currency, Draft, Kind};
    use crate::store::{ChangeRecord, Origin, TriggerState};

    fn draft(n: u64) -> Draft {
        Draft {
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 1 + (n % 28) as u32).unwrap(),
            amount: 100 + n as i64,
            currency: Currency::EUR,
            category: ["food", "rent", "fun"][(n % 3) as usize].into(),
            payee: format!("payee {}", n % 5),
            note: String::new(),
            tags: Vec::new(),
            kind: Kind::Expense,
        }
    }

    /// A small pseudo-random generator (xorshift), so each seed gives one reproducible store.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// `ops` random changes (puts, edits, deletes with and without trash, restores from the
    /// trash, sweeps, undos), one a second from `t`; returns the next free time.
    fn churn(s: &Store, rng: &mut Rng, ops: usize, mut t: i64) -> i64 {
        for _ in 0..ops {
            t += 1_000;
            let live: Vec<_> = s.list_all_ids();
            let pick = |rng: &mut Rng, v: &Vec<ExpenseId>| v[rng.next(v.len() as u64) as usize];
            match rng.next(8) {
                0 | 1 => drop(s.put(draft(rng.next(100)), Origin::User, t).unwrap()),
                2 if !live.is_empty() => {
                    let id = pick(rng, &live);
                    let v = s.get(id).unwrap().unwrap().version;
                    s.update(id, v, draft(rng.next(100)), Origin::User, t)
                        .unwrap();
                }
                3 if !live.is_empty() => {
                    let id = pick(rng, &live);
                    let v = s.get(id).unwrap().unwrap().version;
                    s.trash(id, v, t, 3_000).unwrap();
                }
                4 if !live.is_empty() => {
                    let id = pick(rng, &live);
                    let v = s.get(id).unwrap().unwrap().version;
                    s.delete(id, v, Origin::User, t).unwrap();
                }
                5 => {
                    if let Some(tr) = s.trashed().unwrap().first() {
                        s.restore(tr.expense.id, t).unwrap();
                    }
                }
                6 => drop(s.sweep_trash(t).unwrap()),
                _ => drop(s.undo_latest(t)),
            }
        }
        t
    }

    impl Store {
        fn list_all_ids(&self) -> Vec<ExpenseId> {
            self.trees
                .items
                .iter()
                .keys()
                .map(|k| ExpenseId(u128::from_be_bytes(k.unwrap()[..].try_into().unwrap())))
                .collect()
        }
    }

    fn all(s: &Store) -> Vec<ChangeRecord> {
        s.stream_since(0, usize::MAX).unwrap()
    }

    fn consistent(s: &Store) {
        let r = s.check_scope(true).unwrap();
        assert!(r.is_consistent(), "{}", r.problems.join("\n"));
    }

    /// Trims at `cutoff` and proves every reader gives what it gave before for the kept part.
    fn trim_and_compare(s: &Store, cutoff: i64) {
        let before = all(s);
        let pitr: Vec<_> = before
            .iter()
            .map(|r| s.snapshot_at(r.at).unwrap())
            .collect();
        let histories: Vec<_> = s
            .list_all_ids()
            .into_iter()
            .map(|id| (id, s.item_history(id, 0, 1_000).unwrap().records))
            .collect();
        let n = s.trim_stream(cutoff).unwrap();
        consistent(s);
        let start = s.stream_start().unwrap();
        let kept: Vec<_> = before.iter().filter(|r| r.seq >= start).cloned().collect();
        assert_eq!(before.len() - kept.len(), n);
        assert_eq!(
            all(s),
            kept,
            "kept records, old images included, are unchanged"
        );
        assert!(!kept.is_empty(), "the newest record is always kept");
        assert!(before.iter().all(|r| r.seq >= start || r.at < cutoff));
        for (r, snap) in before.iter().zip(&pitr) {
            match s.snapshot_at(r.at) {
                Ok(now) => {
                    assert_eq!(
                        (now.seq, &now.items),
                        (snap.seq, &snap.items),
                        "PITR at {}",
                        r.at
                    )
                }
                Err(e) => {
                    assert!(r.seq < start, "refused inside the kept window: {e}");
                    assert!(e.to_string().contains("trimmed"), "{e}");
                }
            }
        }
        for r in &kept {
            let now = s.snapshot_at(r.at).unwrap();
            let i = before.iter().position(|b| b.seq == r.seq).unwrap();
            assert_eq!(now.items, pitr[i].items);
        }
        for (id, recs) in histories {
            let want: Vec<_> = recs.into_iter().filter(|r| r.seq >= start).collect();
            assert_eq!(s.item_history(id, 0, 1_000).unwrap().records, want);
        }
        let w = s.history_window(0, 10_000).unwrap();
        assert_eq!(w.first, start);
        assert_eq!(w.records.len() as u64, w.newest + 1 - start);
    }

    #[test]
    fn trimming_keeps_every_reader_of_the_kept_window() {
        for seed in 1..=6u64 {
            let s = Store::open_temporary().unwrap();
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed);
            let t = churn(&s, &mut rng, 80, 0);
            consistent(&s);
            trim_and_compare(&s, t / 2);
            assert!(s.stream_start().unwrap() > 1);
            // More changes on top of a base (ttl sweeps looking through trimmed REMOVEs,
            // edits of items whose older records are gone), then a second trim.
            let t2 = churn(&s, &mut rng, 80, t);
            consistent(&s);
            trim_and_compare(&s, t + (t2 - t) / 2);
            // Everything but the newest record.
            trim_and_compare(&s, i64::MAX);
            assert_eq!(s.stream_start().unwrap(), s.last_seq().unwrap());
        }
    }

    #[test]
    fn a_ttl_remove_after_a_trimmed_trash_remove_keeps_its_old_image() {
        let s = Store::open_temporary().unwrap();
        let a = s.put(draft(1), Origin::User, 1_000).unwrap();
        s.trash(a.id, 1, 2_000, 10_000).unwrap();
        s.put(draft(2), Origin::User, 3_000).unwrap();
        assert_eq!(s.trim_stream(3_000).unwrap(), 2);
        assert_eq!(s.sweep_trash(20_000).unwrap(), 1);
        let last = all(&s).pop().unwrap();
        assert_eq!(last.origin, Origin::Ttl);
        assert_eq!(last.old, a.new);
        consistent(&s);
    }

    #[test]
    fn undo_across_the_trim_point_says_the_history_was_trimmed() {
        let s = Store::open_temporary().unwrap();
        let a = s.put(draft(1), Origin::User, 1_000).unwrap();
        let b = s.update(a.id, 1, draft(2), Origin::User, 2_000).unwrap();
        s.update(a.id, 2, draft(3), Origin::User, 3_000).unwrap();
        assert_eq!(s.trim_stream(10_000).unwrap(), 2);
        // The kept edit is undone back to the image of a trimmed record.
        s.undo_latest(4_000).unwrap().unwrap();
        assert_eq!(s.get(a.id).unwrap().unwrap().draft, b.new.unwrap().draft);
        let e = s.undo_latest(5_000).unwrap_err().to_string();
        assert!(
            e.contains("before 3 were trimmed") && e.contains("keep_days"),
            "{e}"
        );
        let e = s.undo(1, 5_000).unwrap_err().to_string();
        assert!(e.contains("change number 1 is no longer"), "{e}");
        consistent(&s);
    }

    #[test]
    fn trimming_stops_before_undelivered_records_and_the_newest() {
        let s = Store::open_temporary().unwrap();
        for i in 0..6 {
            s.put(draft(i), Origin::User, 1_000 * (i as i64 + 1))
                .unwrap();
        }
        let st = TriggerState {
            checkpoint: 2,
            ..TriggerState::default()
        };
        s.set_trigger_state("mail", &st).unwrap();
        assert_eq!(s.trim_stream(i64::MAX).unwrap(), 2);
        assert_eq!(s.stream_start().unwrap(), 3);
        // Nothing more while the checkpoint stays.
        assert_eq!(s.trim_stream(i64::MAX).unwrap(), 0);
        s.set_trigger_state(
            "mail",
            &TriggerState {
                checkpoint: 6,
                ..st
            },
        )
        .unwrap();
        assert_eq!(s.trim_stream(i64::MAX).unwrap(), 3);
        assert_eq!(s.stream_start().unwrap(), 6);
        assert_eq!(all(&s).len(), 1);
        consistent(&s);
        // A dead letter is an undelivered record too: `retry` reads it back.
        let letter = crate::store::DeadLetter {
            seq: 7,
            attempts: 3,
            error: "exit 1".into(),
            at: 0,
        };
        for i in 6..10 {
            s.put(draft(i), Origin::User, 1_000 * (i as i64 + 1))
                .unwrap();
        }
        let st = TriggerState {
            checkpoint: 9,
            ..TriggerState::default()
        };
        s.dead_letter("mail", &st, std::slice::from_ref(&letter))
            .unwrap();
        assert_eq!(s.trim_stream(i64::MAX).unwrap(), 1);
        assert_eq!(s.stream_start().unwrap(), 7);
        consistent(&s);
        // keep_days 0 keeps everything.
        assert_eq!(s.trim_stream_days(0, i64::MAX).unwrap(), 0);
    }

    #[test]
    fn pitr_before_the_window_is_refused_with_its_start() {
        let s = Store::open_temporary().unwrap();
        s.put(draft(1), Origin::User, 1_500).unwrap();
        s.put(draft(2), Origin::User, 60_000).unwrap();
        s.trim_stream(10_000).unwrap();
        let e = s.snapshot_at(1_000).unwrap_err().to_string();
        assert!(e.contains("before record 2 was trimmed"), "{e}");
        // Rounded up to the second after the last trimmed record: that time is accepted.
        assert_eq!(s.snapshot_at(2_000).unwrap().items.len(), 1);
    }

    #[test]
    fn check_reports_a_base_entry_that_names_a_kept_record() {
        let s = Store::open_temporary().unwrap();
        let a = s.put(draft(1), Origin::User, 1_000).unwrap();
        s.put(draft(2), Origin::User, 2_000).unwrap();
        s.put(draft(3), Origin::User, 3_000).unwrap();
        s.trim_stream(2_500).unwrap();
        let k = id_key(a.id);
        let mut img = decode_item(
            STREAM_BASE,
            &k,
            &s.trees.stream_base.get(k).unwrap().unwrap(),
        )
        .unwrap();
        img.last_seq = 3;
        s.trees
            .stream_base
            .insert(k, encode_item(&img).unwrap())
            .unwrap();
        let r = s.check_scope(true).unwrap();
        assert!(
            r.problems
                .iter()
                .any(|p| p.contains("which is not trimmed")),
            "{:?}",
            r.problems
        );
    }
}
