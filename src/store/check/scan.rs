//! The scan of `items`: key ranges handed to a pool of worker threads (one per core), each
//! decoding items without copying their text ([`ItemView`]) and numbering categories, payees and
//! tags ([`Interner`]) into a [`Partial`]; [`merge`] joins the partials into what every derived
//! tree should hold ([`Expected`]). Rule: nothing here reads a derived tree or writes anything;
//! it says what `items` implies, and `compare.rs` holds the trees against it.

use super::super::codec::compact::{Base, Compact, ITEM_COMPACT};
use super::super::codec::{encode_projection, DateProjection};
use super::super::error::{hex, StoreError};
use super::super::keys::{
    self, count_key, date_from_u32, date_key, decode_id, seq_key, COUNT_CATEGORY, COUNT_PAYEE,
    COUNT_TAG,
};
use super::super::pointer::{pointer_seq, read_item, records_at};
use super::super::tables::{Trees, ITEMS};
use super::join;
use super::replay::view_record;
use crate::domain::{Currency, ExpenseId};
use serde::Deserialize;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::ops::Bound;

/// An `items` value (or a stream image) decoded without copying its text: the fields of
/// `codec::StoredItem` in the same order, so it accepts exactly the bytes `decode_item` accepts
/// and hashes exactly like the `StoredItem` it decodes to (test `views_hash_like_items`).
#[derive(Debug, Hash, Deserialize)]
pub(super) struct ItemView<'a> {
    pub(super) date: u32,
    pub(super) amount: i64,
    pub(super) currency: [u8; 3],
    #[serde(borrow)]
    pub(super) category: &'a str,
    #[serde(borrow)]
    pub(super) payee: &'a str,
    #[serde(borrow)]
    pub(super) note: &'a str,
    #[serde(borrow)]
    pub(super) tags: Vec<&'a str>,
    pub(super) kind: u8,
    pub(super) created: i64,
    pub(super) updated: i64,
    pub(super) version: u64,
    pub(super) last_seq: u64,
}

impl<'a> ItemView<'a> {
    /// The view of a compact image (`codec/compact.rs`) counted from `base`.
    pub(super) fn of(c: Compact<&'a str>, base: Base) -> Self {
        let (date, created, updated, last_seq) = c.counted(base);
        ItemView {
            date,
            amount: c.amount,
            currency: c.currency,
            category: c.category,
            payee: c.payee,
            note: c.note,
            tags: c.tags,
            kind: c.kind,
            created,
            updated,
            version: c.version,
            last_seq,
        }
    }
}

/// An `items` value, compact or plain, decoded without copying its text; `None` for bytes
/// `decode_item` refuses.
pub(super) fn view_item(bytes: &[u8]) -> Option<ItemView<'_>> {
    match bytes.split_first() {
        Some((&ITEM_COMPACT, rest)) => postcard::take_from_bytes::<Compact<&str>>(rest)
            .ok()
            .map(|(c, _)| ItemView::of(c, Base::Item)),
        _ => postcard::take_from_bytes::<ItemView>(bytes)
            .ok()
            .map(|(v, _)| v),
    }
}

pub(super) fn image_hash(item: &super::super::codec::StoredItem) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    item.hash(&mut h);
    h.finish()
}

/// [`image_hash`] of the item `view` decodes to.
pub(super) fn view_hash(view: &ItemView) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    view.hash(&mut h);
    h.finish()
}

/// Texts (categories, payees, tags) as small numbers, so that a scan allocates a text once, not
/// once per item.
#[derive(Default)]
pub(super) struct Interner {
    pub(super) ids: HashMap<Box<str>, u32, Fast>,
    pub(super) names: Vec<Box<str>>,
}

impl Interner {
    /// The number of `text`, new ones numbered in order of arrival.
    pub(super) fn id(&mut self, text: &str) -> u32 {
        if let Some(&i) = self.ids.get(text) {
            return i;
        }
        let i = u32::try_from(self.names.len()).expect("fewer than 4G distinct texts");
        self.ids.insert(text.into(), i);
        self.names.push(text.into());
        i
    }

    /// The numbers in `self` of the texts of `other`, by their number in `other`.
    pub(super) fn absorb(&mut self, other: &Interner) -> Vec<u32> {
        other.names.iter().map(|n| self.id(n)).collect()
    }
}

/// `v[i]`, growing `v` with defaults when `i` is new.
pub(super) fn slot<T: Default>(v: &mut Vec<T>, i: u32) -> &mut T {
    let i = i as usize;
    if v.len() <= i {
        v.resize_with(i + 1, T::default);
    }
    &mut v[i]
}

/// The hasher of the maps a check fills per item or per record (SipHash was a tenth of the CPU
/// of a check at 1M items; the keys come from this store, not from a network).
pub(super) type Fast = foldhash::fast::RandomState;

/// What a stream replay leaves per id: (seq of its last record, hash of that record's new image;
/// `None` after a REMOVE).
pub(super) type Live = HashMap<u128, (u64, Option<u64>), Fast>;

/// Day or month aggregate sums from items: (category, date or month, currency, kind) -> sums.
pub(super) type AggSums = HashMap<(u32, u32, [u8; 3], u8), (i128, u64), Fast>;

/// What the derived trees must hold, computed by one worker from the `items` ranges it scanned.
/// Texts are numbers of the worker's interners until [`merge`] renumbers them.
#[derive(Default)]
pub(super) struct Partial {
    /// (range number, message): sorted by range before they are reported.
    pub(super) problems: Vec<(usize, String)>,
    pub(super) items: u64,
    pub(super) categories: Interner,
    pub(super) payees: Interner,
    pub(super) tags: Interner,
    /// (date, id) and the projected fields of every item.
    pub(super) idx_date: Vec<DateRow>,
    pub(super) agg_day: AggSums,
    pub(super) agg_month: AggSums,
    /// Items per category (by category number).
    pub(super) category_counts: Vec<u64>,
    /// Items per payee (by payee number).
    pub(super) payee_counts: Vec<u64>,
    /// (last_seq, category) of each payee's most recently written item.
    pub(super) payee_last: Vec<(u64, u32)>,
    /// Items per tag (by tag number).
    pub(super) tag_counts: Vec<u64>,
    /// (id, last_seq, hash of the image) per item.
    pub(super) images: Vec<(u128, u64, u64)>,
}

/// A key range of a tree.
pub(super) type KeyRange = (Bound<Vec<u8>>, Bound<Vec<u8>>);

/// Splits the key space of `tree` into up to `parts` ranges of about equal width, using the
/// first 16 key bytes as a number (ids are 16-byte ULIDs).
pub(super) fn split(tree: &sled::Tree, parts: usize) -> Result<Vec<KeyRange>, StoreError> {
    let num = |k: &[u8]| {
        let mut b = [0u8; 16];
        let n = k.len().min(16);
        b[..n].copy_from_slice(&k[..n]);
        u128::from_be_bytes(b)
    };
    let (Some((first, _)), Some((last, _))) = (tree.first()?, tree.last()?) else {
        return Ok(vec![(Bound::Unbounded, Bound::Unbounded)]);
    };
    let (lo, hi) = (num(&first), num(&last));
    let step = (hi - lo) / parts.max(1) as u128;
    if parts <= 1 || step == 0 {
        return Ok(vec![(Bound::Unbounded, Bound::Unbounded)]);
    }
    let cuts: Vec<Vec<u8>> = (1..parts)
        .map(|i| (lo + step * i as u128).to_be_bytes().to_vec())
        .collect();
    let mut out = Vec::new();
    let mut start = Bound::Unbounded;
    for c in cuts {
        out.push((start, Bound::Excluded(c.clone())));
        start = Bound::Included(c);
    }
    out.push((start, Bound::Unbounded));
    Ok(out)
}

/// Phase 1 for range number `part` of `items`, added to the worker's `p`.
pub(super) fn scan_items(
    t: &Trees,
    range: &KeyRange,
    part: usize,
    start_day: Option<u32>,
    images: bool,
    p: &mut Partial,
) -> Result<(), StoreError> {
    let mut tags: Vec<u32> = Vec::new();
    let mut kvs = t.items.range(range.clone());
    loop {
        // A chunk at a time, so that the records its pointers name are read in seq order
        // (`pointer::records_at`: one range scan of the stream where they lie close).
        let chunk: Vec<(sled::IVec, sled::IVec)> =
            kvs.by_ref().take(SCAN_CHUNK).collect::<Result<_, _>>()?;
        if chunk.is_empty() {
            return Ok(());
        }
        let seqs: Vec<Option<u64>> = chunk
            .iter()
            .map(|(k, v)| pointer_seq(k, v).ok().flatten())
            .collect();
        let mut records =
            records_at(t, &seqs.iter().flatten().copied().collect::<Vec<_>>()).into_iter();
        let fetched: Vec<Option<Result<Option<sled::IVec>, StoreError>>> = seqs
            .iter()
            .map(|s| s.and_then(|_| records.next()))
            .collect();
        for ((k, v), rec) in chunk.into_iter().zip(fetched) {
            scan_one(t, part, start_day, images, p, &mut tags, (k, v), rec)?;
        }
    }
}

/// Items scanned per chunk by [`scan_items`].
const SCAN_CHUNK: usize = 1_024;

/// One `items` entry `(k, v)` into `p`; `rec`: the record its pointer names, read ahead.
#[allow(clippy::too_many_arguments)]
fn scan_one(
    t: &Trees,
    part: usize,
    start_day: Option<u32>,
    images: bool,
    p: &mut Partial,
    tags: &mut Vec<u32>,
    (k, v): (sled::IVec, sled::IVec),
    rec: Option<Result<Option<sled::IVec>, StoreError>>,
) -> Result<(), StoreError> {
    p.items += 1;
    let Some(id) = decode_id(&k) else {
        p.problems
            .push((part, format!("{ITEMS}: key {} is not an id", hex(&k))));
        return Ok(());
    };
    // The bytes of the record (or base row) a pointer names, which `item` borrows.
    let held: sled::IVec;
    let viewed = match pointer_seq(&k, &v) {
        Ok(None) => view_item(&v),
        Ok(Some(seq)) => match rec.transpose()?.flatten() {
            Some(b) => {
                held = b;
                view_record(&seq_key(seq), &held)
                    .ok()
                    .filter(|r| r.id == id.0)
                    .and_then(|r| r.new)
                    .filter(|i| i.last_seq == seq)
            }
            None => match t.stream_base.get(k.clone())? {
                Some(b) => {
                    held = b;
                    view_item(&held).filter(|i| i.last_seq == seq)
                }
                None => None,
            },
        },
        Err(_) => None,
    };
    let Some(item) = viewed else {
        // The same bytes fail `read_item`, which names what is wrong.
        let msg = match read_item(t, id, &k, &v) {
            Err(e) => e.to_string(),
            Ok(_) => format!("{ITEMS}: {id} does not decode"),
        };
        p.problems.push((part, msg));
        return Ok(());
    };
    // The fields a domain expense needs must decode (checked without building one).
    if date_from_u32(item.date).is_none()
        || Currency::from_bytes(item.currency).is_none()
        || keys::kind_from_byte(item.kind).is_none()
    {
        if let Err(e) = read_item(t, id, &k, &v).and_then(|i| i.to_expense(id, ITEMS, &k)) {
            p.problems.push((part, e.to_string()));
        }
    }
    let category = p.categories.id(item.category);
    p.idx_date.push(DateRow {
        date: item.date,
        id: id.0,
        kind: item.kind,
        currency: item.currency,
        amount: item.amount,
        payee: if item.payee.is_empty() {
            NO_PAYEE
        } else {
            p.payees.id(item.payee)
        },
        category,
    });
    if !item.payee.is_empty() {
        let payee = p.payees.id(item.payee);
        *slot(&mut p.payee_counts, payee) += 1;
        let last = slot(&mut p.payee_last, payee);
        if last.0 <= item.last_seq {
            *last = (item.last_seq, category);
        }
    }
    if !item.category.is_empty() {
        *slot(&mut p.category_counts, category) += 1;
    }
    // Each non-empty tag once per item (a tag counter counts items, not mentions).
    tags.clear();
    for tag in item.tags.iter().filter(|t| !t.is_empty()) {
        let n = p.tags.id(tag);
        if !tags.contains(&n) {
            tags.push(n);
            *slot(&mut p.tag_counts, n) += 1;
        }
    }
    let e = p
        .agg_day
        .entry((category, item.date, item.currency, item.kind))
        .or_default();
    e.0 += i128::from(item.amount);
    e.1 += 1;
    if let Some(sd) = start_day {
        let month = keys::month_u32(item.date, sd);
        let e = p
            .agg_month
            .entry((category, month, item.currency, item.kind))
            .or_default();
        e.0 += i128::from(item.amount);
        e.1 += 1;
    }
    if images {
        p.images.push((id.0, item.last_seq, view_hash(&item)));
    }
    Ok(())
}

/// The payee number of an item without a payee.
pub(super) const NO_PAYEE: u32 = u32::MAX;

/// One expected `idx_date` entry: its key (date, id), which sorts like its bytes, and the
/// fields projected into its value (`codec::DateProjection`), payee and category by number.
#[derive(Debug, Clone, Copy)]
pub(super) struct DateRow {
    pub(super) date: u32,
    pub(super) id: u128,
    pub(super) kind: u8,
    pub(super) currency: [u8; 3],
    pub(super) amount: i64,
    pub(super) payee: u32,
    pub(super) category: u32,
}

/// The expected `idx_date` entries, sorted in key order, with the payee and category names their
/// numbers point to; keys and values are made one at a time into a buffer.
pub(super) struct DateKeys {
    pub(super) rows: Vec<DateRow>,
    pub(super) payees: Vec<Box<str>>,
    pub(super) categories: Vec<Box<str>>,
}

impl DateKeys {
    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }
    /// Writes key `i` into `buf` (cleared first).
    pub(super) fn key(&self, i: usize, buf: &mut Vec<u8>) {
        let r = &self.rows[i];
        buf.clear();
        buf.extend_from_slice(&date_key(r.date, ExpenseId(r.id)));
    }
    /// Writes the value (the projection) of entry `i` into `buf` (cleared first).
    pub(super) fn value(&self, i: usize, buf: &mut Vec<u8>) {
        let r = &self.rows[i];
        let payee = match r.payee {
            NO_PAYEE => "",
            n => &self.payees[n as usize],
        };
        buf.clear();
        let p = DateProjection {
            kind: r.kind,
            currency: r.currency,
            amount: r.amount,
            payee,
            category: &self.categories[r.category as usize],
        };
        // Encoding into memory cannot fail; an empty value would show as a difference.
        if let Ok(v) = encode_projection(&p) {
            buf.extend_from_slice(&v);
        }
    }
}

/// Everything phase 2 compares the derived trees with, from all workers' partials.
pub(super) struct Expected {
    pub(super) problems: Vec<String>,
    pub(super) items: u64,
    pub(super) idx_date: DateKeys,
    pub(super) agg_day: HashMap<Vec<u8>, (i128, u64)>,
    pub(super) agg_month: HashMap<Vec<u8>, (i128, u64)>,
    /// `counts` key -> count.
    pub(super) counts: HashMap<Vec<u8>, u64>,
    /// Payee -> category of its most recently written item.
    pub(super) payee_last: HashMap<String, String>,
    pub(super) images: Vec<(u128, u64, u64)>,
}

/// Merges the workers' partials into global numbers (texts ranked in key order) and sorts the
/// expected index keys, the three sorts on their own threads.
pub(super) fn merge(parts: Vec<Partial>) -> Expected {
    let (mut categories, mut payees, mut tags) = (
        Interner::default(),
        Interner::default(),
        Interner::default(),
    );
    let mut problems = Vec::new();
    let mut items = 0;
    let (mut date, mut images) = (Vec::new(), Vec::new());
    let (mut agg_day, mut agg_month) = (AggSums::default(), AggSums::default());
    let (mut cat_n, mut pay_n, mut tag_n) = (Vec::new(), Vec::new(), Vec::new());
    let mut pay_last: Vec<(u64, u32)> = Vec::new();
    for mut p in parts {
        let c = categories.absorb(&p.categories);
        let y = payees.absorb(&p.payees);
        let g = tags.absorb(&p.tags);
        problems.append(&mut p.problems);
        items += p.items;
        date.extend(p.idx_date.iter().map(|r| DateRow {
            payee: match r.payee {
                NO_PAYEE => NO_PAYEE,
                n => y[n as usize],
            },
            category: c[r.category as usize],
            ..*r
        }));
        images.append(&mut p.images);
        for (all, mine) in [(&mut agg_day, p.agg_day), (&mut agg_month, p.agg_month)] {
            for ((n, when, cur, kind), (s, k)) in mine {
                let e = all.entry((c[n as usize], when, cur, kind)).or_default();
                e.0 += s;
                e.1 += k;
            }
        }
        for (all, mine, map) in [
            (&mut cat_n, &p.category_counts, &c),
            (&mut pay_n, &p.payee_counts, &y),
            (&mut tag_n, &p.tag_counts, &g),
        ] {
            for (n, k) in mine.iter().enumerate() {
                *slot(all, map[n]) += k;
            }
        }
        for (n, &(seq, category)) in p.payee_last.iter().enumerate() {
            let last = slot(&mut pay_last, y[n]);
            if last.0 <= seq {
                *last = (seq, c[category as usize]);
            }
        }
    }
    problems.sort_by_key(|(part, _)| *part);
    let agg = |sums: AggSums| -> HashMap<Vec<u8>, (i128, u64)> {
        sums.into_iter()
            .map(|((n, when, cur, kind), v)| {
                (
                    keys::agg_key(when, cur, kind, &categories.names[n as usize]),
                    v,
                )
            })
            .collect()
    };
    let mut counts = HashMap::new();
    for (prefix, names, n) in [
        (COUNT_CATEGORY, &categories.names, &cat_n),
        (COUNT_PAYEE, &payees.names, &pay_n),
        (COUNT_TAG, &tags.names, &tag_n),
    ] {
        for (name, &k) in names.iter().zip(n.iter()) {
            if k > 0 {
                counts.insert(count_key(prefix, name), k);
            }
        }
    }
    let payee_last = pay_last
        .iter()
        .enumerate()
        .map(|(n, &(_, c))| {
            (
                payees.names[n].to_string(),
                categories.names[c as usize].to_string(),
            )
        })
        .collect();
    date.sort_unstable_by_key(|r| (r.date, r.id));
    Expected {
        problems: problems.into_iter().map(|(_, m)| m).collect(),
        items,
        idx_date: DateKeys {
            rows: date,
            payees: payees.names.clone(),
            categories: categories.names.clone(),
        },
        agg_day: agg(agg_day),
        agg_month: agg(agg_month),
        counts,
        payee_last,
        images,
    }
}
/// `0..n` cut into up to `parts` non-empty ranges of about equal length (one empty range when
/// `n` is 0, so that an empty expectation still reads the whole tree).
pub(super) fn chunks(n: usize, parts: usize) -> Vec<(usize, usize)> {
    let parts = parts.clamp(1, n.max(1));
    let mut out: Vec<(usize, usize)> = (0..parts)
        .map(|i| (n * i / parts, n * (i + 1) / parts))
        .filter(|(a, b)| a < b)
        .collect();
    if out.is_empty() {
        out.push((0, 0));
    }
    out
}

/// Runs jobs `0..n` on `workers` threads, each thread taking the next job when it finishes one
/// (so uneven jobs still keep every core busy), and returns each thread's state.
pub(super) fn pool<S: Default + Send>(
    workers: usize,
    n: usize,
    job: impl Fn(usize, &mut S) -> Result<(), StoreError> + Sync,
) -> Result<Vec<S>, StoreError> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (job, next) = (&job, &next);
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..workers.clamp(1, n.max(1)))
            .map(|_| {
                s.spawn(move || {
                    let mut state = S::default();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= n {
                            return Ok(state);
                        }
                        job(i, &mut state)?;
                    }
                })
            })
            .collect();
        threads.into_iter().map(|h| join(h)?).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::super::replay::view_record;
    use super::*;
    use crate::store::codec::decode_record;
    use crate::store::tables::STREAM;

    #[test]
    fn views_hash_like_items() {
        use crate::store::codec::{
            encode_item, encode_item_plain, encode_record, encode_record_plain, StoredItem,
            StoredRecord,
        };
        let k = crate::store::keys::seq_key(4);
        for tags in [vec![], vec!["a".to_string(), String::new(), "a".into()]] {
            let item = StoredItem {
                date: 20261103,
                amount: 1234,
                currency: *b"EUR",
                category: "food:groceries".into(),
                payee: "Shop".into(),
                note: "n\u{e9}".into(),
                tags,
                kind: 0,
                created: 1,
                updated: 2,
                version: 3,
                last_seq: 4,
            };
            for bytes in [
                encode_item(&item).unwrap(),
                encode_item_plain(&item).unwrap(),
            ] {
                let view = view_item(&bytes).unwrap();
                assert_eq!(view_hash(&view), image_hash(&item));
                assert!(view_item(&bytes[..bytes.len() - 1]).is_none());
            }
            for (batch, plain) in [
                (None, false),
                (Some(9), false),
                (None, true),
                (Some(9), true),
            ] {
                let rec = StoredRecord {
                    event: 1,
                    at: 5,
                    origin: 1,
                    id: 77,
                    prev_seq: Some(3),
                    new: Some(item.clone()),
                    batch,
                    expires: None,
                };
                let bytes = match plain {
                    true => encode_record_plain(&rec).unwrap(),
                    false => encode_record(&rec, 4).unwrap(),
                };
                let v = view_record(&k, &bytes).unwrap();
                assert_eq!((v.id, v.prev_seq), (77, Some(3)));
                assert_eq!(view_hash(&v.new.unwrap()), image_hash(&item));
                // What `decode_record` refuses, the view refuses with its message.
                let mut bad = bytes.clone();
                bad.extend_from_slice(&[1, 2]);
                let want = decode_record(STREAM, &k, &bad).unwrap_err().to_string();
                assert_eq!(view_record(&k, &bad).unwrap_err().to_string(), want);
                let cut = &bytes[..bytes.len() - 3];
                assert_eq!(
                    view_record(&k, cut).is_err(),
                    decode_record(STREAM, &k, cut).is_err()
                );
            }
        }
        // A different image hashes differently.
        let bytes = encode_item(&StoredItem {
            date: 20261103,
            amount: 1,
            currency: *b"EUR",
            category: "a".into(),
            payee: String::new(),
            note: String::new(),
            tags: vec![],
            kind: 0,
            created: 0,
            updated: 0,
            version: 1,
            last_seq: 1,
        })
        .unwrap();
        let a = view_item(&bytes).unwrap();
        let ha = view_hash(&a);
        let b = ItemView {
            category: "ab",
            ..a
        };
        assert_ne!(ha, view_hash(&b));
    }

    #[test]
    fn chunks_cover_every_key_once() {
        for n in [0usize, 1, 2, 7, 100] {
            for parts in [1usize, 2, 8, 200] {
                let c = chunks(n, parts);
                assert_eq!(c.first().map(|c| c.0), Some(0));
                assert_eq!(c.last().map(|c| c.1), Some(n));
                assert!(c.windows(2).all(|w| w[0].1 == w[1].0 && w[0].0 < w[0].1));
                assert!(c.len() <= parts.max(1));
            }
        }
    }
}
