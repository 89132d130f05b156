//! The change stream: one record per committed write, numbered 1, 2, 3... without gaps. Rule: a
//! record stores only its new image; its old image is the new image of the previous record for
//! the same id (`prev_seq`), resolved here when records are read. A REMOVE that follows a REMOVE
//! (the `ttl` record of an expense leaving the trash, see `store/trash.rs`) has as old image the
//! image the first REMOVE removed; an INSERT never has one. Records older than `[stream]
//! keep_days` may be trimmed (`store/retention.rs`): the stream then starts at `meta`
//! `stream_start`, and an old image whose record is gone comes from `stream_base-1`.

use super::codec::Code;
use super::codec::{decode_record, StoredItem, StoredRecord};
use super::error::{corrupt, StoreError};
use super::keys::{decode_seq, seq_key};
use super::tables::{Trees, STREAM};
use crate::domain::change::{ChangeRecord, ChangeView, Event, Origin};
use crate::domain::ExpenseId;
use std::collections::HashMap;

/// Builds the public record from its stored form and the resolved old image.
pub(crate) fn to_change_record(
    seq: u64,
    rec: &StoredRecord,
    old: Option<&StoredItem>,
) -> Result<ChangeRecord, StoreError> {
    let key = seq_key(seq);
    let id = ExpenseId(rec.id);
    let event = Event::from_code(rec.event)
        .ok_or_else(|| corrupt(STREAM, &key, format!("bad event {}", rec.event)))?;
    let origin = Origin::from_code(rec.origin)
        .ok_or_else(|| corrupt(STREAM, &key, format!("bad origin {}", rec.origin)))?;
    let image = |i: Option<&StoredItem>| i.map(|i| i.to_expense(id, STREAM, &key)).transpose();
    Ok(ChangeRecord {
        seq,
        event,
        at: rec.at,
        origin,
        id,
        old: image(old)?,
        new: image(rec.new.as_ref())?,
        batch: rec.batch,
        old_trash: None,
        new_trash: None,
    })
}

/// Reads one stored record.
pub(crate) fn read_record(
    stream: &sled::Tree,
    seq: u64,
) -> Result<Option<StoredRecord>, StoreError> {
    let key = seq_key(seq);
    match stream.get(key)? {
        Some(v) => Ok(Some(decode_record(STREAM, &key, &v)?)),
        None => Ok(None),
    }
}

/// The old image of a record whose event is `event` and whose previous record is `prev`: the
/// new image of the record at `prev`; when that is a REMOVE (the `ttl` REMOVE that follows the
/// REMOVE which moved the item to the trash), the image that REMOVE removed. An INSERT has none.
/// `seen` holds, per seq already read, the image the item had after that record (for a REMOVE:
/// the one it removed). A `prev` below `start` was trimmed: the image comes from the base
/// (`store/retention.rs`), which holds exactly what the id's last trimmed record left.
pub(crate) fn image_at(
    t: &Trees,
    start: u64,
    id: u128,
    event: u8,
    prev: Option<u64>,
    seen: &HashMap<u64, Option<StoredItem>>,
) -> Result<Option<StoredItem>, StoreError> {
    if event == Event::Insert.code() {
        return Ok(None);
    }
    let mut prev = prev;
    while let Some(p) = prev {
        if let Some(img) = seen.get(&p) {
            return Ok(img.clone());
        }
        if p < start {
            return super::retention::base_image(t, id);
        }
        match read_record(&t.stream, p)? {
            Some(r) if r.new.is_some() => return Ok(r.new),
            Some(r) if r.event == Event::Remove.code() && r.prev_seq < Some(p) => {
                prev = r.prev_seq;
            }
            Some(_) => return Ok(None),
            None => {
                return Err(corrupt(
                    STREAM,
                    &seq_key(p),
                    "record named by prev_seq is missing",
                ))
            }
        }
    }
    Ok(None)
}

/// Records with `seq > after`, at most `limit`, old images resolved.
pub(crate) fn read_since(
    t: &Trees,
    after: u64,
    limit: usize,
) -> Result<Vec<ChangeRecord>, StoreError> {
    let mut out = Vec::new();
    // New images of this batch, so a chain of changes to one id is resolved without re-reads.
    let mut seen: HashMap<u64, Option<StoredItem>> = HashMap::new();
    let Some(from) = after.checked_add(1) else {
        return Ok(out);
    };
    let start = t.stream_start()?;
    for kv in t.stream.range(seq_key(from)..).take(limit) {
        let (k, v) = kv?;
        let seq = decode_seq(&k).ok_or_else(|| corrupt(STREAM, &k, "key is not a seq"))?;
        let rec = decode_record(STREAM, &k, &v)?;
        let old = image_at(t, start, rec.id, rec.event, rec.prev_seq, &seen)?;
        out.push(to_change_record(seq, &rec, old.as_ref())?);
        seen.insert(seq, if rec.new.is_some() { rec.new } else { old });
    }
    Ok(out)
}

/// Which images `visit_since` resolves: images not asked for are neither decoded nor looked
/// up (a `keys_only` stream reads only each record's head).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Images {
    /// The item after the change.
    pub new: bool,
    /// The item before the change (looked up through `prev_seq`).
    pub old: bool,
}

/// Hands each record with `seq > after` (at most `limit`) to `visit`, in order, without copying
/// images: the records of one page are decoded once and an old image found in the page is
/// borrowed from it (seqs are gap-free, so `prev_seq - first` indexes the page). Returns the
/// seq of the last record visited (None when there was none).
pub(crate) fn visit_since<E: From<StoreError>>(
    t: &Trees,
    after: u64,
    limit: usize,
    images: Images,
    visit: impl FnMut(&ChangeView<'_>) -> Result<(), E>,
) -> Result<Option<u64>, E> {
    visit_paged(t, after, limit, images, VISIT_PAGE, visit)
}

/// [`visit_since`] decoding `page_len` records at a time (tests use small pages to reach the
/// page boundaries).
fn visit_paged<E: From<StoreError>>(
    t: &Trees,
    after: u64,
    limit: usize,
    images: Images,
    page_len: usize,
    mut visit: impl FnMut(&ChangeView<'_>) -> Result<(), E>,
) -> Result<Option<u64>, E> {
    let Some(from) = after.checked_add(1) else {
        return Ok(None);
    };
    let start = t.stream_start()?;
    let mut last = None;
    let mut page: Vec<(u64, StoredRecord)> = Vec::with_capacity(limit.min(page_len));
    let mut iter = t.stream.range(seq_key(from)..).take(limit);
    loop {
        page.clear();
        for kv in iter.by_ref().take(page_len) {
            let (k, v) = kv.map_err(StoreError::from)?;
            let seq = decode_seq(&k).ok_or_else(|| corrupt(STREAM, &k, "key is not a seq"))?;
            let rec = if images.new || images.old {
                decode_record(STREAM, &k, &v)?
            } else {
                let h = super::codec::decode_record_head(STREAM, &k, &v)?;
                StoredRecord {
                    event: h.event,
                    at: h.at,
                    origin: h.origin,
                    id: h.id,
                    prev_seq: None,
                    new: None,
                    batch: None,
                }
            };
            page.push((seq, rec));
        }
        let Some(&(first, _)) = page.first() else {
            return Ok(last);
        };
        for (seq, rec) in &page {
            let key = seq_key(*seq);
            let id = ExpenseId(rec.id);
            let event = Event::from_code(rec.event)
                .ok_or_else(|| corrupt(STREAM, &key, format!("bad event {}", rec.event)))?;
            let origin = Origin::from_code(rec.origin)
                .ok_or_else(|| corrupt(STREAM, &key, format!("bad origin {}", rec.origin)))?;
            let fetched;
            let old = if !images.old {
                None
            } else {
                match old_in_page(&page, first, rec) {
                    Ok(found) => found,
                    Err(p) => {
                        fetched = image_at(t, start, rec.id, rec.event, Some(p), &HashMap::new())?;
                        fetched.as_ref()
                    }
                }
            };
            let new = if images.new { rec.new.as_ref() } else { None };
            visit(&ChangeView {
                seq: *seq,
                event,
                at: rec.at,
                origin,
                id,
                old: old.map(|i| i.view(id, STREAM, &key)).transpose()?,
                new: new.map(|i| i.view(id, STREAM, &key)).transpose()?,
                old_trash: None,
                new_trash: None,
            })?;
            last = Some(*seq);
        }
        if page.len() < page_len {
            return Ok(last);
        }
    }
}

/// Records decoded at a time by [`visit_since`].
const VISIT_PAGE: usize = 4096;

/// The old image of `rec` when the page answers it (the [`image_at`] rule), or `Err(p)`: the
/// record at `p`, outside the page, must be read.
fn old_in_page<'a>(
    page: &'a [(u64, StoredRecord)],
    first: u64,
    rec: &StoredRecord,
) -> Result<Option<&'a StoredItem>, u64> {
    if rec.event == Event::Insert.code() {
        return Ok(None);
    }
    let mut prev = rec.prev_seq;
    while let Some(p) = prev {
        let at = p.checked_sub(first).and_then(|i| usize::try_from(i).ok());
        let Some((seq, r)) = at.and_then(|i| page.get(i)) else {
            return Err(p);
        };
        if *seq != p {
            return Err(p);
        }
        if let Some(n) = &r.new {
            return Ok(Some(n));
        }
        if r.event == Event::Remove.code() && r.prev_seq < Some(p) {
            prev = r.prev_seq;
        } else {
            return Ok(None);
        }
    }
    Ok(None)
}

/// The running hash of the whole `stream` tree, from its first record (for stores written
/// before marks existed, and for `Store::check`).
pub fn chain_of(stream: &sled::Tree) -> Result<super::chain::Hash, StoreError> {
    let mut h = super::chain::ZERO;
    for kv in stream.iter() {
        let (k, v) = kv?;
        let seq = decode_seq(&k).ok_or_else(|| corrupt(STREAM, &k, "key is not a seq"))?;
        h = super::chain::next_hash(&h, seq, &v);
    }
    Ok(h)
}

/// A new stream label: now (UTC, ms), or just after `previous` when the clock has not passed it
/// (a fixed test clock, a restore in the same millisecond), so a new label never equals the old.
pub(crate) fn label_after(previous: Option<&str>) -> String {
    const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3f";
    let mut at = crate::clock::now();
    if let Some(prev) = previous
        .and_then(|p| chrono::NaiveDateTime::parse_from_str(p, FORMAT).ok())
        .map(|p| p.and_utc())
    {
        if at <= prev {
            at = prev + chrono::Duration::milliseconds(1);
        }
    }
    at.format(FORMAT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Currency, Draft, Kind};
    use crate::store::Store;
    use chrono::NaiveDate;

    fn draft(amount: i64, cat: &str) -> Draft {
        Draft {
            date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            amount,
            currency: Currency::EUR,
            category: cat.into(),
            payee: String::new(),
            note: String::new(),
            tags: vec![],
            kind: Kind::Expense,
        }
    }

    /// Every start, limit, page size and image choice gives the records `read_since` gives,
    /// including old images found in the page, before it, and behind a trash REMOVE chain.
    #[test]
    fn visiting_equals_reading_at_every_page_boundary() {
        let s = Store::open_temporary().unwrap();
        let v = |r: &ChangeRecord| r.new.as_ref().unwrap().version;
        let a = s.put(draft(100, "food"), Origin::User, 1).unwrap();
        let b = s.put(draft(200, "rent"), Origin::User, 2).unwrap();
        let a2 = s
            .update(a.id, v(&a), draft(150, "food:x"), Origin::User, 3)
            .unwrap();
        s.trash(b.id, v(&b), 4, 10).unwrap();
        s.update(a.id, v(&a2), draft(175, "food:y"), Origin::User, 5)
            .unwrap();
        assert_eq!(s.sweep_trash(100).unwrap(), 1);
        let c = s.put(draft(300, "car"), Origin::User, 6).unwrap();
        s.delete(c.id, v(&c), Origin::User, 7).unwrap();
        let all = read_since(&s.trees, 0, usize::MAX).unwrap();
        assert!(all.len() >= 8, "{}", all.len());
        let n = all.len() as u64;
        for (new, old) in [(true, true), (true, false), (false, true), (false, false)] {
            let images = Images { new, old };
            for page_len in [1, 2, 3, 64] {
                for after in 0..=n {
                    for limit in [1, 2, 5, usize::MAX] {
                        let want = read_since(&s.trees, after, limit).unwrap();
                        let mut i = 0;
                        let last = visit_paged(&s.trees, after, limit, images, page_len, |v| {
                            let mut w = want[i].view();
                            w.new = w.new.filter(|_| new);
                            w.old = w.old.filter(|_| old);
                            assert_eq!(*v, w, "after {after} limit {limit} page {page_len}");
                            i += 1;
                            Ok::<(), StoreError>(())
                        })
                        .unwrap();
                        assert_eq!(i, want.len());
                        assert_eq!(last, want.last().map(|r| r.seq));
                    }
                }
            }
        }
    }
}
