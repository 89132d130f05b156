//! `expense check`: recompute every derived tree (indexes, day and month aggregates, counters)
//! from `items`, check the stream against `items`, report each difference, and optionally repair
//! the derived trees by applying exactly those differences. Rule: `items` and `stream` are the
//! truth and are never changed here (only `meta` seq may be set to the last stream record).
//!
//! Speed (the bare sled scans are the floor; two sled scans on two threads run only ~1.3x faster
//! than one after the other on the 2-core dev machine): exactly one worker thread per core takes
//! key ranges of `items` from a queue (ids need not spread evenly), decoding items without
//! copying their text and numbering categories, payees and tags, while another thread replays
//! `stream`. Then the expected date index entries are sorted as numbers, and the workers take
//! ranges of them, each merged in key order against the same key range of the tree (no copy of a
//! tree in memory); aggregates and counters are two more jobs. Schema 4 dropped the category and
//! payee indexes, which were 2 of the ~4M entries read at 1M (see `tables::IDX_DATE`).

use super::codec::Code;
use super::codec::{
    decode_item, decode_payee, decode_record, encode_payee, encode_projection, Agg, DateProjection,
    PayeeCount,
};
use super::error::{hex, StoreError};
use super::keys::{
    self, count_key, date_from_u32, date_key, decode_count_key, decode_date_key, decode_id,
    decode_seq, AggKey, COUNT_CATEGORY, COUNT_PAYEE, COUNT_TAG,
};
use super::tables::{
    Trees, AGG_DAY, AGG_MONTH, COUNTS, IDX_DATE, IMPORTS, ITEMS, META, META_SEQ, STREAM,
    STREAM_BASE,
};
use super::Store;
use crate::domain::money::format_plain;
use crate::domain::{Currency, ExpenseId};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::ops::Bound;

/// One change that makes a derived tree agree with `items`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fix {
    tree: &'static str,
    key: Vec<u8>,
    /// `Some`: insert this value; `None`: remove the key.
    value: Option<Vec<u8>>,
}

/// What `Store::check` found.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// Items read.
    pub items: u64,
    /// Stream records read.
    pub records: u64,
    /// One line per difference, for a person.
    pub problems: Vec<String>,
    /// Differences `Store::repair` can fix (derived trees and the `meta` seq).
    fixes: Vec<Fix>,
}

impl CheckReport {
    /// True when nothing differs.
    pub fn is_consistent(&self) -> bool {
        self.problems.is_empty()
    }

    /// How many of the problems `Store::repair` fixes (the rest are in `items` or `stream`).
    pub fn repairable(&self) -> usize {
        self.fixes.len()
    }
}

/// An `items` value (or a stream image) decoded without copying its text: the fields of
/// `codec::StoredItem` in the same order, so it accepts exactly the bytes `decode_item` accepts
/// and hashes exactly like the `StoredItem` it decodes to (test `views_hash_like_items`).
#[derive(Debug, Hash, Deserialize)]
struct ItemView<'a> {
    date: u32,
    amount: i64,
    currency: [u8; 3],
    #[serde(borrow)]
    category: &'a str,
    #[serde(borrow)]
    payee: &'a str,
    #[serde(borrow)]
    note: &'a str,
    #[serde(borrow)]
    tags: Vec<&'a str>,
    kind: u8,
    created: i64,
    updated: i64,
    version: u64,
    last_seq: u64,
}

/// A `stream` value decoded without copying its image: the postcard fields of
/// `codec::StoredRecord` in the same order (the batch id after it is read by [`view_record`]).
#[derive(Debug, Deserialize)]
struct RecordView<'a> {
    #[allow(dead_code)] // decoded to reach the fields after it
    event: u8,
    #[allow(dead_code)]
    at: i64,
    #[allow(dead_code)]
    origin: u8,
    id: u128,
    prev_seq: Option<u64>,
    #[serde(borrow)]
    new: Option<ItemView<'a>>,
}

/// Decodes a `stream` value as [`decode_record`] does (the same bytes are accepted, with the same
/// message when they are not), without copying the image.
fn view_record<'a>(key: &[u8], bytes: &'a [u8]) -> Result<RecordView<'a>, StoreError> {
    let fail = || match decode_record(STREAM, key, bytes) {
        Err(e) => e,
        Ok(_) => StoreError::Invalid(format!("{STREAM}: record {} does not decode", hex(key))),
    };
    let (rec, rest) = postcard::take_from_bytes::<RecordView>(bytes).map_err(|_| fail())?;
    if !rest.is_empty() {
        match postcard::take_from_bytes::<u64>(rest) {
            Ok((_, [])) => {}
            _ => return Err(fail()),
        }
    }
    Ok(rec)
}

fn image_hash(item: &super::codec::StoredItem) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    item.hash(&mut h);
    h.finish()
}

/// [`image_hash`] of the item `view` decodes to.
fn view_hash(view: &ItemView) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    view.hash(&mut h);
    h.finish()
}

/// Texts (categories, payees, tags) as small numbers, so that a scan allocates a text once, not
/// once per item.
#[derive(Default)]
struct Interner {
    ids: HashMap<Box<str>, u32, Fast>,
    names: Vec<Box<str>>,
}

impl Interner {
    /// The number of `text`, new ones numbered in order of arrival.
    fn id(&mut self, text: &str) -> u32 {
        if let Some(&i) = self.ids.get(text) {
            return i;
        }
        let i = u32::try_from(self.names.len()).expect("fewer than 4G distinct texts");
        self.ids.insert(text.into(), i);
        self.names.push(text.into());
        i
    }

    /// The numbers in `self` of the texts of `other`, by their number in `other`.
    fn absorb(&mut self, other: &Interner) -> Vec<u32> {
        other.names.iter().map(|n| self.id(n)).collect()
    }
}

/// `v[i]`, growing `v` with defaults when `i` is new.
fn slot<T: Default>(v: &mut Vec<T>, i: u32) -> &mut T {
    let i = i as usize;
    if v.len() <= i {
        v.resize_with(i + 1, T::default);
    }
    &mut v[i]
}

/// The hasher of the maps a check fills per item or per record (SipHash was a tenth of the CPU
/// of a check at 1M items; the keys come from this store, not from a network).
type Fast = foldhash::fast::RandomState;

/// What a stream replay leaves per id: (seq of its last record, hash of that record's new image;
/// `None` after a REMOVE).
pub(super) type Live = HashMap<u128, (u64, Option<u64>), Fast>;

/// Day or month aggregate sums from items: (category, date or month, currency, kind) -> sums.
type AggSums = HashMap<(u32, u32, [u8; 3], u8), (i128, u64), Fast>;

/// What the derived trees must hold, computed by one worker from the `items` ranges it scanned.
/// Texts are numbers of the worker's interners until [`merge`] renumbers them.
#[derive(Default)]
struct Partial {
    /// (range number, message): sorted by range before they are reported.
    problems: Vec<(usize, String)>,
    items: u64,
    categories: Interner,
    payees: Interner,
    tags: Interner,
    /// (date, id) and the projected fields of every item.
    idx_date: Vec<DateRow>,
    agg_day: AggSums,
    agg_month: AggSums,
    /// Items per category (by category number).
    category_counts: Vec<u64>,
    /// Items per payee (by payee number).
    payee_counts: Vec<u64>,
    /// (last_seq, category) of each payee's most recently written item.
    payee_last: Vec<(u64, u32)>,
    /// Items per tag (by tag number).
    tag_counts: Vec<u64>,
    /// (id, last_seq, hash of the image) per item.
    images: Vec<(u128, u64, u64)>,
}

/// A key range of a tree.
type KeyRange = (Bound<Vec<u8>>, Bound<Vec<u8>>);

/// Splits the key space of `tree` into up to `parts` ranges of about equal width, using the
/// first 16 key bytes as a number (ids are 16-byte ULIDs).
fn split(tree: &sled::Tree, parts: usize) -> Result<Vec<KeyRange>, StoreError> {
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
fn scan_items(
    t: &Trees,
    range: &KeyRange,
    part: usize,
    start_day: Option<u32>,
    images: bool,
    p: &mut Partial,
) -> Result<(), StoreError> {
    let mut tags: Vec<u32> = Vec::new();
    for kv in t.items.range(range.clone()) {
        let (k, v) = kv?;
        p.items += 1;
        let Some(id) = decode_id(&k) else {
            p.problems
                .push((part, format!("{ITEMS}: key {} is not an id", hex(&k))));
            continue;
        };
        let Ok(item) = postcard::from_bytes::<ItemView>(&v) else {
            // The same bytes fail `decode_item`, which names what is wrong.
            let msg = match decode_item(ITEMS, &k, &v) {
                Err(e) => e.to_string(),
                Ok(_) => format!("{ITEMS}: {id} does not decode"),
            };
            p.problems.push((part, msg));
            continue;
        };
        // The fields a domain expense needs must decode (checked without building one).
        if date_from_u32(item.date).is_none()
            || Currency::from_bytes(item.currency).is_none()
            || keys::kind_from_byte(item.kind).is_none()
        {
            if let Err(e) = decode_item(ITEMS, &k, &v).and_then(|i| i.to_expense(id, ITEMS, &k)) {
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
    }
    Ok(())
}

/// The payee number of an item without a payee.
const NO_PAYEE: u32 = u32::MAX;

/// One expected `idx_date` entry: its key (date, id), which sorts like its bytes, and the
/// fields projected into its value (`codec::DateProjection`), payee and category by number.
#[derive(Debug, Clone, Copy)]
struct DateRow {
    date: u32,
    id: u128,
    kind: u8,
    currency: [u8; 3],
    amount: i64,
    payee: u32,
    category: u32,
}

/// The expected `idx_date` entries, sorted in key order, with the payee and category names their
/// numbers point to; keys and values are made one at a time into a buffer.
struct DateKeys {
    rows: Vec<DateRow>,
    payees: Vec<Box<str>>,
    categories: Vec<Box<str>>,
}

impl DateKeys {
    fn len(&self) -> usize {
        self.rows.len()
    }
    /// Writes key `i` into `buf` (cleared first).
    fn key(&self, i: usize, buf: &mut Vec<u8>) {
        let r = &self.rows[i];
        buf.clear();
        buf.extend_from_slice(&date_key(r.date, ExpenseId(r.id)));
    }
    /// Writes the value (the projection) of entry `i` into `buf` (cleared first).
    fn value(&self, i: usize, buf: &mut Vec<u8>) {
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
struct Expected {
    problems: Vec<String>,
    items: u64,
    idx_date: DateKeys,
    agg_day: HashMap<Vec<u8>, (i128, u64)>,
    agg_month: HashMap<Vec<u8>, (i128, u64)>,
    /// `counts` key -> count.
    counts: HashMap<Vec<u8>, u64>,
    /// Payee -> category of its most recently written item.
    payee_last: HashMap<String, String>,
    images: Vec<(u128, u64, u64)>,
}

/// Merges the workers' partials into global numbers (texts ranked in key order) and sorts the
/// expected index keys, the three sorts on their own threads.
fn merge(parts: Vec<Partial>) -> Expected {
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

/// What replaying the stream gives.
#[derive(Default)]
struct Replay {
    problems: Vec<String>,
    records: u64,
    /// Last seq in the stream (0 when empty).
    last: u64,
    /// id -> (seq of its last record, hash of that record's new image).
    live: Live,
    /// The running stream hash (`store/mark.rs`) after the last record.
    chain: super::chain::Hash,
}

/// Only the last stream seq (for the `meta` seq check), without reading the records.
fn last_record(t: &Trees) -> Result<Replay, StoreError> {
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
fn replay_stream(t: &Trees) -> Result<Replay, StoreError> {
    let mut r = Replay::default();
    let start = t.stream_start()?;
    let mut expect = start;
    r.last = start.saturating_sub(1);
    r.chain = super::retention::base_hash(t)?;
    // At most one live entry per record: growing the map a dozen times costs more than this.
    if let Some(end) = t.stream.last()?.and_then(|(k, _)| decode_seq(&k)) {
        let records = end.saturating_sub(start).saturating_add(1);
        r.live
            .reserve(usize::try_from(records.min(1 << 24)).unwrap_or(0));
    }
    super::retention::for_each_base(t, |e| {
        let (id, seq, hash) = match &e {
            super::retention::BaseEntry::Live(id, img) => {
                (*id, img.last_seq, Some(image_hash(img)))
            }
            super::retention::BaseEntry::Removed(id, seq) => (*id, *seq, None),
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
        r.chain = super::chain::next_hash(&r.chain, seq, &v);
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

/// A derived-tree key in words, for messages.
pub(super) fn describe(tree: &str, key: &[u8]) -> String {
    let date = |d: u32| date_from_u32(d).map_or(d.to_string(), |d| d.to_string());
    let shown = match tree {
        IDX_DATE => decode_date_key(key).map(|(d, id)| format!("{} {id}", date(d))),
        AGG_DAY | AGG_MONTH => AggKey::decode(key).map(|k| {
            let when = if tree == AGG_MONTH {
                format!("{:04}-{:02}", k.date / 100, k.date % 100)
            } else {
                date(k.date)
            };
            format!("{when} {} {} '{}'", k.currency, k.kind.as_str(), k.category)
        }),
        COUNTS => decode_count_key(key).map(|(p, name)| {
            let what = match p {
                COUNT_CATEGORY => "category",
                COUNT_PAYEE => "payee",
                _ => "tag",
            };
            format!("{what} '{name}'")
        }),
        _ => None,
    };
    let shown = shown.unwrap_or_else(|| format!("key {}", hex(key)));
    crate::domain::text::inert(&shown).into_owned()
}

/// Merges entries `a..b` of `want` against the same key range of `idx_date` (`a == 0`: from
/// the tree's start; `b == want.len()`: to its end), keys and projected values, so that ranges
/// can be compared on different threads and their results joined in order.
fn compare_date_index(
    tree: &sled::Tree,
    want: &DateKeys,
    (a, b): (usize, usize),
    quiet: bool,
) -> Outcome {
    let name = IDX_DATE;
    let (mut out, mut fixes) = (Vec::new(), Vec::new());
    let mut ev = Vec::new();
    let mut missing = |i: usize, k: &[u8], out: &mut Vec<String>, fixes: &mut Vec<Fix>| {
        if !quiet {
            out.push(format!("{name}: missing entry {}", describe(name, k)));
        }
        want.value(i, &mut ev);
        fixes.push(Fix {
            tree: name,
            key: k.to_vec(),
            value: Some(ev.clone()),
        });
    };
    let bound = |i: usize, edge: usize| {
        if i == edge {
            None
        } else {
            let mut k = Vec::new();
            want.key(i, &mut k);
            Some(k)
        }
    };
    let lo = bound(a, 0).map_or(Bound::Unbounded, Bound::Included);
    let hi = bound(b, want.len()).map_or(Bound::Unbounded, Bound::Excluded);
    let (mut i, mut w, mut wv) = (a, Vec::new(), Vec::new());
    if i < b {
        want.key(i, &mut w);
    }
    for kv in tree.range::<Vec<u8>, _>((lo, hi)) {
        let (k, v) = kv?;
        while i < b && w[..] < k[..] {
            missing(i, &w, &mut out, &mut fixes);
            i += 1;
            if i < b {
                want.key(i, &mut w);
            }
        }
        if i < b && w[..] == k[..] {
            want.value(i, &mut wv);
            if wv[..] != v[..] {
                if !quiet {
                    out.push(format!(
                        "{name}: entry {} does not hold its item's fields",
                        describe(name, &k)
                    ));
                }
                fixes.push(Fix {
                    tree: name,
                    key: k.to_vec(),
                    value: Some(wv.clone()),
                });
            }
            i += 1;
            if i < b {
                want.key(i, &mut w);
            }
        } else {
            if !quiet {
                out.push(format!("{name}: extra entry {}", describe(name, &k)));
            }
            fixes.push(Fix {
                tree: name,
                key: k.to_vec(),
                value: None,
            });
        }
    }
    while i < b {
        missing(i, &w, &mut out, &mut fixes);
        i += 1;
        if i < b {
            want.key(i, &mut w);
        }
    }
    Ok((out, fixes))
}

/// `0..n` cut into up to `parts` non-empty ranges of about equal length (one empty range when
/// `n` is 0, so that an empty expectation still reads the whole tree).
fn chunks(n: usize, parts: usize) -> Vec<(usize, usize)> {
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
fn pool<S: Default + Send>(
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

/// Compares an aggregate tree with the sums from items.
fn compare_aggs(
    tree: &sled::Tree,
    name: &'static str,
    want: &HashMap<Vec<u8>, (i128, u64)>,
    quiet: bool,
) -> Result<(Vec<String>, Vec<Fix>), StoreError> {
    let (mut out, mut fixes) = (Vec::new(), Vec::new());
    let money = |key: &[u8], sum: i128| {
        let cur = key
            .get(4..7)
            .and_then(|c| c.try_into().ok())
            .and_then(Currency::from_bytes);
        match (cur, i64::try_from(sum)) {
            (Some(c), Ok(s)) => format!("{} {c}", format_plain(s, c)),
            _ => sum.to_string(),
        }
    };
    let mut seen = 0usize;
    for kv in tree.iter() {
        let (k, v) = kv?;
        let have = Agg::decode(name, &k, &v);
        match (want.get(&k[..]), have) {
            (Some(&(s, c)), Ok(h)) if i128::from(h.sum) == s && h.count == c => seen += 1,
            (Some(&(s, c)), have) => {
                seen += 1;
                if !quiet {
                    let stored = match have {
                        Ok(h) => format!("{} in {} items", money(&k, h.sum.into()), h.count),
                        Err(e) => e.to_string(),
                    };
                    out.push(format!(
                        "{name}: {} holds {stored}, items say {} in {c}",
                        describe(name, &k),
                        money(&k, s)
                    ));
                }
                match i64::try_from(s) {
                    Ok(sum) => fixes.push(Fix {
                        tree: name,
                        key: k.to_vec(),
                        value: Some(Agg { sum, count: c }.encode().to_vec()),
                    }),
                    Err(_) => out.push(format!("{name}: {} overflows", describe(name, &k))),
                }
            }
            (None, _) => {
                if !quiet {
                    out.push(format!(
                        "{name}: extra row {} (no item has it)",
                        describe(name, &k)
                    ));
                }
                fixes.push(Fix {
                    tree: name,
                    key: k.to_vec(),
                    value: None,
                });
            }
        }
    }
    if seen < want.len() {
        let mut missing: Vec<(&Vec<u8>, &(i128, u64))> = want
            .iter()
            .filter(|(k, _)| !matches!(tree.contains_key(k), Ok(true)))
            .collect();
        missing.sort();
        for (k, &(s, c)) in missing {
            if !quiet {
                out.push(format!(
                    "{name}: missing row {} = {} in {c} items",
                    describe(name, k),
                    money(k, s)
                ));
            }
            match i64::try_from(s) {
                Ok(sum) => fixes.push(Fix {
                    tree: name,
                    key: k.clone(),
                    value: Some(Agg { sum, count: c }.encode().to_vec()),
                }),
                Err(_) => out.push(format!("{name}: {} overflows", describe(name, k))),
            }
        }
    }
    Ok((out, fixes))
}

/// Compares `counts` (payee counters: the count only; their last category is history).
fn compare_counts(t: &Trees, want: &Expected, quiet: bool) -> Outcome {
    let counts = &want.counts;
    let (mut out, mut fixes) = (Vec::new(), Vec::new());
    let payee_value = |k: &[u8], n: u64, last: Option<String>| -> Result<Vec<u8>, StoreError> {
        let last_category = last
            .or_else(|| {
                let name = std::str::from_utf8(k.get(1..)?).ok()?;
                want.payee_last.get(name).cloned()
            })
            .unwrap_or_default();
        encode_payee(&PayeeCount {
            count: n,
            last_category,
        })
    };
    let mut seen = 0usize;
    for kv in t.counts.iter() {
        let (k, v) = kv?;
        let is_payee = k.first() == Some(&COUNT_PAYEE);
        let (have, last) = if is_payee {
            match decode_payee(COUNTS, &k, &v) {
                Ok(pc) => (Some(pc.count), Some(pc.last_category)),
                Err(_) => (None, None),
            }
        } else {
            (super::codec::decode_u64(COUNTS, &k, &v).ok(), None)
        };
        let want = counts.get(&k[..]).copied();
        if want.is_some() {
            seen += 1;
        }
        if have == want {
            continue;
        }
        let fix = match want {
            None => {
                if !quiet {
                    out.push(format!(
                        "{COUNTS}: extra counter {} (no item has it)",
                        describe(COUNTS, &k)
                    ));
                }
                None
            }
            Some(n) => {
                if !quiet {
                    out.push(format!(
                        "{COUNTS}: counter {} is {}, items say {n}",
                        describe(COUNTS, &k),
                        have.map_or("unreadable".to_string(), |h| h.to_string())
                    ));
                }
                Some(if is_payee {
                    payee_value(&k, n, last)?
                } else {
                    n.to_be_bytes().to_vec()
                })
            }
        };
        fixes.push(Fix {
            tree: COUNTS,
            key: k.to_vec(),
            value: fix,
        });
    }
    if seen < counts.len() {
        let mut missing: Vec<(&Vec<u8>, &u64)> = counts
            .iter()
            .filter(|(k, _)| !matches!(t.counts.contains_key(k), Ok(true)))
            .collect();
        missing.sort();
        for (k, &n) in missing {
            if !quiet {
                out.push(format!(
                    "{COUNTS}: missing counter {} = {n}",
                    describe(COUNTS, k)
                ));
            }
            let value = if k.first() == Some(&COUNT_PAYEE) {
                payee_value(k, n, None)?
            } else {
                n.to_be_bytes().to_vec()
            };
            fixes.push(Fix {
                tree: COUNTS,
                key: k.clone(),
                value: Some(value),
            });
        }
    }
    Ok((out, fixes))
}

type Outcome = Result<(Vec<String>, Vec<Fix>), StoreError>;

impl Store {
    /// Recomputes the derived trees from `items` and replays the stream against them, using
    /// every core. See the module docs; `verify` is this without the repair plan.
    pub fn check(&self) -> Result<CheckReport, StoreError> {
        self.check_scope(true)
    }

    /// [`Store::check`]; with `replay` false the stream is not replayed (its last record is
    /// still compared with the `meta` seq): the derived trees only, about 30 % less to read.
    pub fn check_scope(&self, replay: bool) -> Result<CheckReport, StoreError> {
        self.check_inner(replay, false)
    }

    /// Makes every derived tree (indexes, aggregates, counters) agree with `items` through
    /// [`Store::check_scope`] without the replay and without a message per difference (a store
    /// whose derived trees are empty differs in every entry: 4M+ lines at 1M items), then
    /// [`Store::repair`]. For `restore_snapshot`, which fills `items` and `stream` and leaves
    /// the rest to this. A difference repair cannot fix (an unreadable item, a total that
    /// overflows) is an error naming the first few.
    pub(crate) fn rebuild_derived(&self) -> Result<usize, StoreError> {
        let report = self.check_inner(false, true)?;
        if !report.problems.is_empty() {
            let n = report.problems.len();
            let first: Vec<&str> = report.problems.iter().take(3).map(String::as_str).collect();
            return Err(StoreError::Invalid(format!(
                "{n} problem{} the derived trees cannot be built past: {}",
                if n == 1 { "" } else { "s" },
                first.join("; ")
            )));
        }
        self.repair(&report)
    }

    /// [`Store::check_scope`]; `quiet`: differences that `repair` fixes get their `Fix` but no
    /// message (the report then lists only what repair cannot fix).
    fn check_inner(&self, replay: bool, quiet: bool) -> Result<CheckReport, StoreError> {
        let with_stream = replay;
        let t = &self.trees;
        let start_day = self.month_start_day()?;
        // Exactly one thread per core (the stream replay, one sequential scan, is the one more).
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8));
        // Many more ranges than threads: ids need not be spread evenly (bulk imports, demo
        // data), and a thread that finishes early takes the next range.
        let ranges = split(&t.items, workers * 16)?;
        let (want, replay, results) = std::thread::scope(|s| {
            let stream = s.spawn(move || {
                if with_stream {
                    replay_stream(t)
                } else {
                    last_record(t)
                }
            });
            let parts = pool(workers, ranges.len(), |i, p: &mut Partial| {
                scan_items(t, &ranges[i], i, start_day, with_stream, p)
            })?;
            let want = merge(parts);
            let results = {
                // Phase 2: the date index in ranges of its expected keys, then the aggregates
                // and counters; results joined in that order below.
                let jobs = chunks(want.idx_date.len(), workers * 4);
                let small = jobs.len();
                let want = &want;
                let done = pool(workers, small + 2, |i, out: &mut Vec<(usize, Outcome)>| {
                    let r = match i {
                        i if i < small => {
                            compare_date_index(&t.idx_date, &want.idx_date, jobs[i], quiet)
                        }
                        i if i == small => compare_aggs(&t.agg_day, AGG_DAY, &want.agg_day, quiet)
                            .and_then(|(mut o, mut f)| {
                                let (o2, f2) =
                                    compare_aggs(&t.agg_month, AGG_MONTH, &want.agg_month, quiet)?;
                                o.extend(o2);
                                f.extend(f2);
                                Ok((o, f))
                            }),
                        _ => compare_counts(t, want, quiet),
                    };
                    out.push((i, r));
                    Ok(())
                })?;
                let mut results: Vec<(usize, Outcome)> = done.into_iter().flatten().collect();
                // Report order: idx_date (in key order), aggregates, counters.
                results.sort_by_key(|(i, _)| *i);
                results
            };
            Ok::<_, StoreError>((want, join(stream)??, results))
        })?;
        let mut report = CheckReport {
            items: want.items,
            records: replay.records,
            problems: want.problems.clone(),
            fixes: Vec::new(),
        };
        report.problems.extend(replay.problems.iter().cloned());
        for (_, r) in results {
            let (out, fixes) = r?;
            report.problems.extend(out);
            report.fixes.extend(fixes);
        }
        // The stream's replay must give exactly `items`.
        let images = if with_stream { &want.images[..] } else { &[] };
        let mut wrong: Vec<(u128, String)> = Vec::new();
        for &(id, last_seq, hash) in images {
            match replay.live.get(&id) {
                None | Some((_, None)) => wrong.push((
                    id,
                    format!("{STREAM}: replay lacks item {}", ExpenseId(id)),
                )),
                Some((seq, Some(h))) if *h != hash || *seq != last_seq => wrong.push((
                    id,
                    format!(
                        "{STREAM}: replay of {} gives the image of record {seq}, items has the one of record {last_seq}",
                        ExpenseId(id)
                    ),
                )),
                Some(_) => {}
            }
        }
        wrong.sort_unstable();
        report.problems.extend(wrong.into_iter().map(|(_, m)| m));
        if with_stream
            && replay
                .live
                .values()
                .filter(|(_, img)| img.is_some())
                .count()
                != images.len()
        {
            let have: std::collections::HashSet<u128> = images.iter().map(|i| i.0).collect();
            let mut extra: Vec<u128> = replay
                .live
                .iter()
                .filter(|(id, (_, img))| img.is_some() && !have.contains(id))
                .map(|(id, _)| *id)
                .collect();
            extra.sort_unstable();
            for id in extra {
                report.problems.push(format!(
                    "{STREAM}: replay has {}, which items lacks",
                    ExpenseId(id)
                ));
            }
        }
        report
            .problems
            .extend(check_imports(t, replay.last, with_stream)?);
        let live = |id: u128| replay.live.get(&id).copied();
        let live: &super::trash::LiveLookup<'_> = &live;
        report.problems.extend(super::trash::check(
            t,
            with_stream.then_some(live),
            image_hash,
        )?);
        if with_stream && t.stream_hash()? != replay.chain {
            // Reported, not repaired: the high-water mark file holds the stored hash too.
            report.problems.push(format!(
                "{META}: stream_hash differs from the running hash of the replayed stream"
            ));
        }
        let meta_seq = t.last_seq()?;
        if meta_seq != replay.last {
            if !quiet {
                report.problems.push(format!(
                    "{META}: seq is {meta_seq}, the last stream record is {}",
                    replay.last
                ));
            }
            report.fixes.push(Fix {
                tree: META,
                key: META_SEQ.to_vec(),
                value: Some(replay.last.to_be_bytes().to_vec()),
            });
        }
        Ok(report)
    }

    /// Applies the fixes of `report` (from [`Store::check`] just before, with no write in
    /// between) to the derived trees, one thread per tree, then flushes. Returns how many
    /// entries it changed. A crash half-way leaves a store that `check` reports and `repair`
    /// finishes: every fix is recomputed from `items`, which this never touches.
    ///
    /// Plain inserts, not `sled::Batch`es: nothing here needs one atomic write, and for the
    /// ~4M entries of a rebuild from nothing (`rebuild_derived` after a restore of 1M items)
    /// batches were slower and held every entry twice (measured, 142k items: 462k fixes in
    /// 5-6 s with 1k-100k batches, 0.7-2.1 GB peak).
    pub fn repair(&self, report: &CheckReport) -> Result<usize, StoreError> {
        let t = &self.trees;
        let mut by_tree: BTreeMap<&'static str, Vec<&Fix>> = BTreeMap::new();
        for f in &report.fixes {
            by_tree.entry(f.tree).or_default().push(f);
        }
        let mut jobs = Vec::new();
        for (name, fixes) in by_tree {
            let tree = match name {
                IDX_DATE => &t.idx_date,
                AGG_DAY => &t.agg_day,
                AGG_MONTH => &t.agg_month,
                COUNTS => &t.counts,
                META => &t.meta,
                other => return Err(StoreError::Sled(format!("no repair for tree {other}"))),
            };
            jobs.push((tree, fixes));
        }
        std::thread::scope(|s| {
            let handles: Vec<_> = jobs
                .into_iter()
                .map(|(tree, fixes)| {
                    s.spawn(move || {
                        for f in fixes {
                            match &f.value {
                                Some(v) => drop(tree.insert(&f.key[..], &v[..])?),
                                None => drop(tree.remove(&f.key[..])?),
                            }
                        }
                        Ok::<_, StoreError>(())
                    })
                })
                .collect();
            handles.into_iter().try_for_each(|h| join(h)?)
        })?;
        self.db.flush()?;
        Ok(report.fixes.len())
    }
}

/// `imports-1`: every value is 0 (restored) or the seq of a record in the stream (1..=`last`); with `records`,
/// that record is read and must be an INSERT with origin import. Nothing here is repairable: the
/// tree is the memory of which bank rows were imported, not derived from items.
fn check_imports(t: &Trees, last: u64, records: bool) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    let start = t.stream_start()?;
    for kv in t.imports.iter() {
        let (k, v) = kv?;
        let seq = match super::codec::decode_u64(IMPORTS, &k, &v) {
            Ok(seq) => seq,
            Err(e) => {
                out.push(e.to_string());
                continue;
            }
        };
        // 0: a row a restore brought back; the record that imported it is not kept.
        if seq == 0 {
            continue;
        }
        if seq > last {
            out.push(format!(
                "{IMPORTS}: row {} names record {seq}, the stream ends at {last}",
                hex(&k)
            ));
            continue;
        }
        // A record trimmed by `[stream] keep_days` cannot be read back.
        if !records || seq < start {
            continue;
        }
        let key = super::keys::seq_key(seq);
        let head = match t.stream.get(key)? {
            Some(v) => super::codec::decode_record_head(STREAM, &key, &v)?,
            None => {
                out.push(format!(
                    "{IMPORTS}: row {} names record {seq}, which the stream lacks",
                    hex(&k)
                ));
                continue;
            }
        };
        let import = super::Origin::Import.code();
        let insert = super::Event::Insert.code();
        if head.origin != import || head.event != insert {
            out.push(format!(
                "{IMPORTS}: row {} names record {seq}, which is not an import's INSERT",
                hex(&k)
            ));
        }
    }
    Ok(out)
}

/// Joins a scoped thread, turning a panic into an error.
fn join<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> Result<T, StoreError> {
    h.join()
        .map_err(|_| StoreError::Sled("a check thread panicked".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Draft, Kind};
    use crate::store::Origin;

    fn draft(day: u32, amount: i64, cat: &str, payee: &str) -> Draft {
        Draft {
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            amount,
            currency: Currency::EUR,
            category: cat.into(),
            payee: payee.into(),
            note: String::new(),
            tags: vec!["t".into()],
            kind: Kind::Expense,
        }
    }

    #[test]
    fn views_hash_like_items() {
        use crate::store::codec::{encode_item, encode_record, StoredItem, StoredRecord};
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
            let bytes = encode_item(&item).unwrap();
            let view: ItemView = postcard::from_bytes(&bytes).unwrap();
            assert_eq!(view_hash(&view), image_hash(&item));
            for batch in [None, Some(9)] {
                let rec = StoredRecord {
                    event: 1,
                    at: 5,
                    origin: 1,
                    id: 77,
                    prev_seq: Some(3),
                    new: Some(item.clone()),
                    batch,
                };
                let bytes = encode_record(&rec).unwrap();
                let v = view_record(b"k", &bytes).unwrap();
                assert_eq!((v.id, v.prev_seq), (77, Some(3)));
                assert_eq!(view_hash(&v.new.unwrap()), image_hash(&item));
                // What `decode_record` refuses, the view refuses with its message.
                let mut bad = bytes.clone();
                bad.extend_from_slice(&[1, 2]);
                let want = decode_record(STREAM, b"k", &bad).unwrap_err().to_string();
                assert_eq!(view_record(b"k", &bad).unwrap_err().to_string(), want);
                let cut = &bytes[..bytes.len() - 3];
                assert_eq!(
                    view_record(b"k", cut).is_err(),
                    decode_record(STREAM, b"k", cut).is_err()
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
        let a: ItemView = postcard::from_bytes(&bytes).unwrap();
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

    #[test]
    fn import_rows_must_name_an_imports_insert() {
        let s = Store::open_temporary().unwrap();
        let user = s
            .put(draft(3, 100, "food", "Shop"), Origin::User, 1)
            .unwrap();
        assert!(s.check().unwrap().is_consistent());
        let t = &s.trees;
        t.imports
            .insert([1u8; 16], &user.seq.to_be_bytes())
            .unwrap();
        t.imports.insert([2u8; 16], &99u64.to_be_bytes()).unwrap();
        t.imports.insert([3u8; 16], &[1u8, 2][..]).unwrap();
        let quick = s.check_scope(false).unwrap().problems;
        assert_eq!(quick.len(), 2, "{quick:?}");
        assert!(
            quick[0].contains("names record 99, the stream ends at 1"),
            "{quick:?}"
        );
        assert!(quick[1].contains("2 bytes, want 8"), "{quick:?}");
        let full = s.check().unwrap().problems;
        assert!(
            full.iter()
                .any(|p| p.contains("names record 1, which is not an import's INSERT")),
            "{full:?}"
        );
    }

    #[test]
    fn finds_and_repairs_every_derived_tree() {
        let s = Store::open_temporary().unwrap();
        s.use_month_start_day(25).unwrap();
        for i in 0..50u32 {
            let cat = ["food", "food:x", "rent"][i as usize % 3];
            s.put(
                draft(1 + i % 28, 100 + i64::from(i), cat, "Shop"),
                Origin::User,
                1,
            )
            .unwrap();
        }
        let clean = s.check().unwrap();
        assert!(clean.is_consistent(), "{:?}", clean.problems);
        assert_eq!((clean.items, clean.records), (50, 50));
        // Damage one entry of each derived tree.
        let t = &s.trees;
        s.damage_aggregate_for_tests(7).unwrap();
        let (k, _) = t.agg_month.first().unwrap().unwrap();
        t.agg_month.remove(k).unwrap();
        let (k, _) = t.idx_date.first().unwrap().unwrap();
        t.idx_date.remove(k).unwrap();
        // A date index entry whose projection no longer matches its item.
        let (k, _) = t.idx_date.last().unwrap().unwrap();
        t.idx_date.insert(k, &[][..]).unwrap();
        // An entry for an item that does not exist.
        t.idx_date
            .insert(date_key(20261105, ExpenseId(999)), &[][..])
            .unwrap();
        t.counts
            .insert(count_key(COUNT_CATEGORY, "rent"), &99u64.to_be_bytes()[..])
            .unwrap();
        t.counts.remove(count_key(COUNT_PAYEE, "Shop")).unwrap();
        t.meta.insert(META_SEQ, &77u64.to_be_bytes()[..]).unwrap();
        let r = s.check().unwrap();
        assert_eq!(r.problems.len(), 8, "{:#?}", r.problems);
        assert_eq!(r.repairable(), 8);
        assert!(r
            .problems
            .iter()
            .any(|p| p.contains("idx_date-1") && p.contains("does not hold its item's fields")));
        assert!(r
            .problems
            .iter()
            .any(|p| p.contains("agg_day-1") && p.contains("2026-11-01 EUR expense")));
        assert_eq!(s.repair(&r).unwrap(), 8);
        let after = s.check().unwrap();
        assert!(after.is_consistent(), "{:?}", after.problems);
        // The payee counter came back with its category.
        assert_eq!(s.payees().unwrap()[0].2, "food:x");
    }
}
