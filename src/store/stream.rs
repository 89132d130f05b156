//! The change stream: one record per committed write, numbered 1, 2, 3... without gaps. Rule: a
//! record stores only its new image; its old image is the new image of the previous record for
//! the same id (`prev_seq`), resolved here when records are read. Records older than `[stream]
//! keep_days` may be trimmed (`store/retention.rs`): the stream then starts at `meta`
//! `stream_start`, and an old image whose record is gone comes from `stream_base-1`.
//!
//! **What the stream shows** (schema 5, the way DynamoDB shows an item with a time-to-live):
//! every item has one INSERT and at most one REMOVE per lifetime. A move to the trash is stored
//! as a removal (`codec::TRASH_MOVE`: the item left `items`) and shown as a MODIFY whose new
//! image is the item as it was, carrying the trash mark (`ChangeRecord::new_trash`); a restore
//! from the trash is stored as an INSERT after it and shown as a MODIFY whose old image carries
//! the mark; the expiry (origin `ttl`) or purge (origin `user`) is the item's REMOVE
//! (`codec::TRASH_REMOVE`), whose old image is the trashed item with its mark. A plain REMOVE
//! (no trash) followed by an INSERT (its undo) shows as a REMOVE and a new INSERT. Stores
//! written before schema 5 stored moves to the trash as plain REMOVEs: `migration_007` lists
//! their seqs in `meta` `legacy_trash` ([`legacy_trash`]), and they read as moves.

use super::codec::Code;
use super::codec::{decode_record, is_removal, StoredItem, StoredRecord, TRASH_MOVE};
use super::error::{corrupt, StoreError};
use super::keys::{decode_seq, seq_key};
use super::tables::{Trees, META, META_LEGACY_TRASH, STREAM};
use crate::domain::budget::BudgetView;
use crate::domain::change::{ChangeRecord, ChangeView, Event, Origin};
use crate::domain::schedule_row::ScheduleView;
use crate::domain::trash::TrashMark;
use crate::domain::ExpenseId;
use std::collections::HashMap;

/// Seqs of the REMOVE records that moved an item into the trash before schema 5, with the
/// expiry each gave (see the module doc).
pub(crate) type Legacy = HashMap<u64, i64>;

/// The legacy trash moves of this store (empty for a store created at schema 5 or later).
pub(crate) fn legacy_trash(t: &Trees) -> Result<Legacy, StoreError> {
    let Some(v) = t.meta.get(META_LEGACY_TRASH)? else {
        return Ok(Legacy::new());
    };
    if v.len() % 16 != 0 {
        return Err(corrupt(
            META,
            META_LEGACY_TRASH,
            "length is not a multiple of 16",
        ));
    }
    Ok(v.chunks_exact(16)
        .map(|c| {
            let seq = u64::from_be_bytes(c[..8].try_into().unwrap_or_default());
            let exp = i64::from_be_bytes(c[8..].try_into().unwrap_or_default());
            (seq, exp)
        })
        .collect())
}

/// Encodes a legacy list for `meta` (seq u64 BE ++ expiry i64 BE, per move, in seq order).
pub(crate) fn encode_legacy(moves: &Legacy) -> Vec<u8> {
    let mut v: Vec<(&u64, &i64)> = moves.iter().collect();
    v.sort_unstable();
    v.into_iter()
        .flat_map(|(s, e)| s.to_be_bytes().into_iter().chain(e.to_be_bytes()))
        .collect()
}

/// The trash mark a record at `seq` gave its item, when it moved the item into the trash.
pub(crate) fn move_mark(
    seq: u64,
    event: u8,
    at: i64,
    expires: Option<i64>,
    legacy: &Legacy,
) -> Option<TrashMark> {
    let expires_at = if event == TRASH_MOVE {
        expires.unwrap_or(at)
    } else if event == Event::Remove.code() {
        *legacy.get(&seq)?
    } else {
        return None;
    };
    Some(TrashMark {
        deleted_at: at,
        expires_at,
    })
}

/// The item before a record: its image (for a removal, the image removed) and, when it was in
/// the trash, its mark.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Before {
    /// The image.
    pub image: Option<StoredItem>,
    /// Set when the image was in the trash.
    pub trash: Option<TrashMark>,
}

impl Before {
    /// A live image.
    pub fn live(image: Option<StoredItem>) -> Before {
        Before { image, trash: None }
    }

    /// What the item is after record `rec` (at `seq`) given what it was before: its new
    /// image, or for a removal the image removed (with the mark when it went to the trash).
    pub fn after(seq: u64, rec: &StoredRecord, before: &Before, legacy: &Legacy) -> Before {
        if rec.new.is_some() {
            return Before::live(rec.new.clone());
        }
        Before {
            image: before.image.clone(),
            trash: move_mark(seq, rec.event, rec.at, rec.expires, legacy),
        }
    }
}

/// What [`shown`] gives: (event, old image, new image, old mark, new mark).
type Shown<I> = (
    Event,
    Option<I>,
    Option<I>,
    Option<TrashMark>,
    Option<TrashMark>,
);

/// The public event and images of stored record `rec` at `seq` (see the module doc).
fn shown<I: Clone>(
    seq: u64,
    rec: &StoredRecord,
    old: Option<I>,
    old_trash: Option<TrashMark>,
    new: Option<I>,
    legacy: &Legacy,
) -> Result<Shown<I>, StoreError> {
    let key = seq_key(seq);
    let event = Event::from_code(rec.event)
        .ok_or_else(|| corrupt(STREAM, &key, format!("bad event {}", rec.event)))?;
    Ok(match event {
        Event::Insert => match old_trash {
            Some(m) => (Event::Modify, old, new, Some(m), None),
            None => (Event::Insert, None, new, None, None),
        },
        Event::Modify => (Event::Modify, old, new, None, None),
        Event::Remove => match move_mark(seq, rec.event, rec.at, rec.expires, legacy) {
            Some(m) => (Event::Modify, old.clone(), old, None, Some(m)),
            None => (Event::Remove, old, None, old_trash, None),
        },
    })
}

/// Builds the public record from its stored form and the item before it.
pub(crate) fn to_change_record(
    seq: u64,
    rec: &StoredRecord,
    before: &Before,
    legacy: &Legacy,
) -> Result<ChangeRecord, StoreError> {
    let key = seq_key(seq);
    let id = ExpenseId(rec.id);
    let origin = Origin::from_code(rec.origin)
        .ok_or_else(|| corrupt(STREAM, &key, format!("bad origin {}", rec.origin)))?;
    let image = |i: Option<&StoredItem>| i.map(|i| i.to_expense(id, STREAM, &key)).transpose();
    let (event, old, new, old_trash, new_trash) = shown(
        seq,
        rec,
        before.image.as_ref(),
        before.trash,
        rec.new.as_ref(),
        legacy,
    )?;
    // A budget's images are shown as its limits (`store/budget.rs`), never as expenses.
    let budget = super::budget::change(old, new);
    // A schedule's likewise, as the schedule before and after (`store/schedule.rs`).
    let schedule = super::schedule::change(id, old, new, &key)?;
    let (old, new, old_trash, new_trash) = match (&budget, &schedule) {
        (None, None) => (image(old)?, image(new)?, old_trash, new_trash),
        _ => (None, None, None, None),
    };
    Ok(ChangeRecord {
        seq,
        event,
        at: rec.at,
        origin,
        id,
        old,
        new,
        batch: rec.batch,
        old_trash,
        new_trash,
        budget,
        schedule,
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

/// The item before a record whose previous record is `prev`: the new image of the record at
/// `prev`; when that is a removal, the image it removed, with the trash mark when it moved the
/// item into the trash. `seen` holds, per seq already read, the item after that record
/// ([`Before::after`]). A `prev` below `start` was trimmed: the image comes from the base
/// (`store/retention.rs`), which holds exactly what the id's last trimmed record left (without
/// a trash mark).
pub(crate) fn before_at(
    t: &Trees,
    start: u64,
    id: u128,
    prev: Option<u64>,
    seen: &HashMap<u64, Before>,
    legacy: &Legacy,
) -> Result<Before, StoreError> {
    let mut prev = prev;
    let mut trash = None;
    while let Some(p) = prev {
        if let Some(b) = seen.get(&p) {
            return Ok(Before {
                image: b.image.clone(),
                trash: trash.or(b.trash),
            });
        }
        if p < start {
            let b = super::retention::base_before(t, id)?;
            return Ok(Before {
                image: b.image,
                trash: trash.or(b.trash),
            });
        }
        match read_record(&t.stream, p)? {
            Some(r) if r.new.is_some() => {
                return Ok(Before {
                    image: r.new,
                    trash,
                })
            }
            Some(r) if is_removal(r.event) && r.prev_seq < Some(p) => {
                trash = trash.or(move_mark(p, r.event, r.at, r.expires, legacy));
                prev = r.prev_seq;
            }
            Some(_) => return Ok(Before { image: None, trash }),
            None => {
                return Err(corrupt(
                    STREAM,
                    &seq_key(p),
                    "record named by prev_seq is missing",
                ))
            }
        }
    }
    Ok(Before { image: None, trash })
}

/// Records with `seq > after`, at most `limit`, old images resolved.
pub(crate) fn read_since(
    t: &Trees,
    after: u64,
    limit: usize,
) -> Result<Vec<ChangeRecord>, StoreError> {
    let mut out = Vec::new();
    // The item after each record of this batch, so a chain of changes to one id is resolved
    // without re-reads.
    let mut seen: HashMap<u64, Before> = HashMap::new();
    let Some(from) = after.checked_add(1) else {
        return Ok(out);
    };
    let start = t.stream_start()?;
    let legacy = legacy_trash(t)?;
    for kv in t.stream.range(seq_key(from)..).take(limit) {
        let (k, v) = kv?;
        let seq = decode_seq(&k).ok_or_else(|| corrupt(STREAM, &k, "key is not a seq"))?;
        let rec = decode_record(STREAM, &k, &v)?;
        let before = before_at(t, start, rec.id, rec.prev_seq, &seen, &legacy)?;
        out.push(to_change_record(seq, &rec, &before, &legacy)?);
        seen.insert(seq, Before::after(seq, &rec, &before, &legacy));
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
    let legacy = legacy_trash(t)?;
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
                // A budget's key is its category, which only its image holds.
                if super::budget::is_budget_id(h.id) {
                    page.push((seq, decode_record(STREAM, &k, &v)?));
                    continue;
                }
                StoredRecord {
                    event: h.event,
                    at: h.at,
                    origin: h.origin,
                    id: h.id,
                    prev_seq: h.prev_seq,
                    new: None,
                    batch: None,
                    expires: None,
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
            let origin = Origin::from_code(rec.origin)
                .ok_or_else(|| corrupt(STREAM, &key, format!("bad origin {}", rec.origin)))?;
            // The item before is needed for the old image, for the new image of a move to the
            // trash (the item as it was), and for the event of an INSERT after a removal (a
            // restore from the trash shows as a MODIFY).
            let moved = rec.event == TRASH_MOVE
                || (rec.event == Event::Remove.code() && legacy.contains_key(seq));
            let budget = super::budget::is_budget_id(rec.id);
            let schedule = super::schedule::is_schedule_id(rec.id);
            let need = images.old
                || budget
                || (moved && images.new)
                || (rec.event == Event::Insert.code() && rec.prev_seq.is_some());
            let fetched;
            let (old, old_trash) = if !need {
                (None, None)
            } else {
                match before_in_page(&page, first, rec, &legacy) {
                    Ok(found) => found,
                    Err((p, trash)) => {
                        let mut b = before_at(t, start, rec.id, Some(p), &HashMap::new(), &legacy)?;
                        b.trash = trash.or(b.trash);
                        fetched = b;
                        (fetched.image.as_ref(), fetched.trash)
                    }
                }
            };
            let (event, old, new, old_trash, new_trash) =
                shown(*seq, rec, old, old_trash, rec.new.as_ref(), &legacy)?;
            if budget {
                let category = new.or(old).map_or("", |i| i.category.as_str());
                visit(&ChangeView {
                    seq: *seq,
                    event,
                    at: rec.at,
                    origin,
                    id,
                    old: None,
                    new: None,
                    old_trash: None,
                    new_trash: None,
                    budget: Some(BudgetView {
                        category,
                        old: old.and_then(super::budget::limit).filter(|_| images.old),
                        new: new.and_then(super::budget::limit).filter(|_| images.new),
                    }),
                    schedule: None,
                })?;
                last = Some(*seq);
                continue;
            }
            if schedule {
                // A schedule's images are shown as the schedule (`store/schedule.rs`), never
                // as expenses; a reader of keys only gets neither, but still a schedule's
                // record.
                let as_schedule = |i: Option<&StoredItem>, wanted: bool| {
                    i.filter(|_| wanted)
                        .map(|i| super::schedule::from_image(id, i, STREAM, &key))
                        .transpose()
                        .map(Option::flatten)
                };
                let old = as_schedule(old, images.old)?;
                let new = as_schedule(new, images.new)?;
                visit(&ChangeView {
                    seq: *seq,
                    event,
                    at: rec.at,
                    origin,
                    id,
                    old: None,
                    new: None,
                    old_trash: None,
                    new_trash: None,
                    budget: None,
                    schedule: Some(ScheduleView {
                        old: old.as_ref(),
                        new: new.as_ref(),
                    }),
                })?;
                last = Some(*seq);
                continue;
            }
            let new = new.filter(|_| images.new);
            let old = old.filter(|_| images.old);
            visit(&ChangeView {
                seq: *seq,
                event,
                at: rec.at,
                origin,
                id,
                old: old.map(|i| i.view(id, STREAM, &key)).transpose()?,
                new: new.map(|i| i.view(id, STREAM, &key)).transpose()?,
                old_trash: old_trash.filter(|_| images.old),
                new_trash: new_trash.filter(|_| images.new),
                budget: None,
                schedule: None,
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

/// The item before `rec` when the page answers it (the [`before_at`] rule), or `Err((p,
/// mark))`: the record at `p`, outside the page, must be read (`mark`: the trash mark found on
/// the way there).
#[allow(clippy::type_complexity)]
fn before_in_page<'a>(
    page: &'a [(u64, StoredRecord)],
    first: u64,
    rec: &StoredRecord,
    legacy: &Legacy,
) -> Result<(Option<&'a StoredItem>, Option<TrashMark>), (u64, Option<TrashMark>)> {
    let mut prev = rec.prev_seq;
    let mut trash = None;
    while let Some(p) = prev {
        let at = p.checked_sub(first).and_then(|i| usize::try_from(i).ok());
        let Some((seq, r)) = at.and_then(|i| page.get(i)) else {
            return Err((p, trash));
        };
        if *seq != p {
            return Err((p, trash));
        }
        if let Some(n) = &r.new {
            return Ok((Some(n), trash));
        }
        if is_removal(r.event) && r.prev_seq < Some(p) {
            trash = trash.or(move_mark(p, r.event, r.at, r.expires, legacy));
            prev = r.prev_seq;
        } else {
            return Ok((None, trash));
        }
    }
    Ok((None, trash))
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
        // A schedule made, posting (its MODIFY after the expenses it posts), and removed: its
        // records are the schedule's, in every view, never an expense's.
        let rule = crate::domain::schedule::Rule::new(
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            crate::domain::schedule::Every::Weeks(1),
            crate::domain::schedule::End::Never,
        )
        .unwrap();
        let sched = crate::domain::schedule::Schedule::new(
            crate::store::new_schedule_id(),
            draft(900, "rent"),
            rule,
            false,
        );
        let made = s.save_schedule(&sched, Origin::User, 8).unwrap();
        let posted = s
            .post_due(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), 9)
            .unwrap();
        assert_eq!(posted.records.len(), 3);
        s.remove_schedule(made.id, 2, Origin::User, 10).unwrap();
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
                            w.new_trash = w.new_trash.filter(|_| new);
                            w.old_trash = w.old_trash.filter(|_| old);
                            if let Some(sc) = &mut w.schedule {
                                sc.new = sc.new.filter(|_| new);
                                sc.old = sc.old.filter(|_| old);
                            }
                            assert_eq!(
                                v.schedule.is_some(),
                                crate::store::schedule::is_schedule_id(v.id.0)
                            );
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
