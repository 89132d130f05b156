//! Recurring expenses (issue 13): schedules are items of their own key space in the change
//! stream, materialized in `schedules-1`, and the occurrences they post are expenses whose id is
//! their key. Rule: a schedule change is one record like any other write (INSERT, MODIFY, REMOVE
//! with old and new image), written by `Tx::write` in the same flushed transaction as its
//! `schedules-1` entry, so history, undo, backups, point-in-time restore and `check` see
//! schedules as they see expenses and budgets.
//!
//! Image: a `StoredItem` with kind [`SCHEDULE_KIND`]; `date` is the rule's start, amount,
//! currency, category, payee and note are the expense it posts, its tags are the expense's tags
//! followed by one more, a NUL and the hex of postcard [`StoredRule`] (the rule and how far it was
//! handled). Stored text never holds a NUL (`write::check_draft`), so that last tag cannot be a
//! person's. Nothing turns such an image into an expense (`keys::kind_from_byte` refuses the
//! kind). Id: [`SCHEDULE_TAG`] in the top 16 bits, the rest random.
//!
//! Exactly once: occurrence `o` of schedule `s` is posted as the expense [`occurrence_id`]`(s,
//! o.natural)`, in the same transaction as the schedule's MODIFY that marks it handled; the
//! transaction reads the schedule again and posts only what is still pending there, and an
//! occurrence whose expense already exists (live or in the trash) is marked handled without a
//! second post. Two processes, a retried transaction or a crash mid-way therefore never post an
//! occurrence twice, and never skip one (the marker moves only with the post).

use super::codec::{decode_item, StoredItem};
use super::error::{corrupt, StoreError};
use super::keys::{date_from_u32, date_u32, id_key, kind_byte, kind_from_byte};
use super::tables::{abort, Change, Trashing, Tx, TxResult, META_OCCURRENCE_REMOVED, SCHEDULES};
use super::undo::{same_fields, Target};
use super::{ChangeRecord, Event, Origin, Store};
pub use crate::domain::schedule::Confirm;
use crate::domain::schedule::{
    Every, MonthDay, Occurrence, Rule, Schedule, ScheduleChange, MAX_AT_ONCE,
};
use crate::domain::{Currency, Draft, ExpenseId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The kind byte of a schedule image in the stream (expenses use 0 and 1, budgets 0xB0).
pub(crate) const SCHEDULE_KIND: u8 = 0x5C;

/// The top 16 bits of every schedule id.
const SCHEDULE_TAG: u128 = 0xFFFE;

/// Bits 64..80 of every occurrence id: what tells an occurrence's expense from another.
const OCCURRENCE_MARK: u128 = 0x5C5C;

/// True for the id of a schedule.
pub(crate) fn is_schedule_id(id: u128) -> bool {
    id >> 112 == SCHEDULE_TAG
}

/// A new schedule id.
pub fn new_schedule_id() -> ExpenseId {
    let r = ExpenseId::generate().0;
    ExpenseId((SCHEDULE_TAG << 112) | (r & ((1u128 << 112) - 1)))
}

/// The 32-bit fingerprint of a schedule in its occurrences' ids.
fn fingerprint(schedule: ExpenseId) -> u32 {
    let h = Sha256::digest(schedule.to_bytes());
    u32::from_be_bytes([h[0], h[1], h[2], h[3]])
}

/// The id of the expense that occurrence `natural` of `schedule` posts: the top 48 bits the ms
/// of its day (as a ULID's, so it sorts among the day's expenses), then `OCCURRENCE_MARK`, the
/// schedule's fingerprint and the day as `yyyymmdd`. One id per (schedule, day): the key that
/// makes posting conditional.
pub fn occurrence_id(schedule: ExpenseId, natural: NaiveDate) -> ExpenseId {
    let ms = natural
        .and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_millis().max(0)) as u128;
    let time = ms & ((1 << 48) - 1);
    ExpenseId(
        (time << 80)
            | (OCCURRENCE_MARK << 64)
            | (u128::from(fingerprint(schedule)) << 32)
            | u128::from(date_u32(natural)),
    )
}

/// The seq of the REMOVE that took occurrence `id` out of the store for good, when one did
/// (see `tables::META_OCCURRENCE_REMOVED`).
fn removed_by(tx: &Tx<'_>, id: ExpenseId) -> TxResult<Option<u64>> {
    let key = [META_OCCURRENCE_REMOVED, &id_key(id)[..]].concat();
    match tx.meta.get(&key)? {
        Some(v) => match super::codec::decode_u64(super::tables::META, &key, &v) {
            Ok(s) => Ok(Some(s)),
            Err(e) => abort(e),
        },
        None => Ok(None),
    }
}

/// True for the id of a posted occurrence of some schedule (its mark, a day in its low bits, and
/// that day's midnight in its time bits: a ULID made by a clock is never all three).
pub(crate) fn is_occurrence_id(id: u128) -> bool {
    if (id >> 64) & 0xFFFF != OCCURRENCE_MARK {
        return false;
    }
    date_from_u32(id as u32).is_some_and(|day| occurrence_id(ExpenseId(0), day).0 >> 80 == id >> 80)
}

/// The (schedule, occurrence day) an expense id was posted for, when it is an occurrence of
/// one of `schedules`.
pub fn occurrence_of(id: ExpenseId, schedules: &[Schedule]) -> Option<(ExpenseId, NaiveDate)> {
    if !is_occurrence_id(id.0) {
        return None;
    }
    let day = date_from_u32(id.0 as u32)?;
    let fp = (id.0 >> 32) as u32;
    schedules
        .iter()
        .find(|s| fingerprint(s.id) == fp && occurrence_id(s.id, day) == id)
        .map(|s| (s.id, day))
}

/// The rule and state of a schedule as its image's last tag holds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredRule {
    /// `keys::kind_byte` of the expense it posts.
    kind: u8,
    /// 0 days, 1 weeks, 2 months, 3 years.
    unit: u8,
    /// Every `n` units.
    n: u32,
    /// Monthly: the day (1-31), 0 for the last day.
    day: u8,
    /// 0 never, 1 on `end` (`yyyymmdd`), 2 after `end` occurrences.
    end_kind: u8,
    end: u32,
    confirm: bool,
    paused: bool,
    next: u32,
    done: Vec<u32>,
    /// (occurrence, `yyyymmdd`).
    moved: Vec<(u32, u32)>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The image of `s` with its bookkeeping.
pub(crate) fn image(s: &Schedule, created: i64, updated: i64, last_seq: u64) -> StoredItem {
    use crate::domain::schedule::End;
    let (unit, n, day) = match s.rule.every {
        Every::Days(n) => (0, n, 0),
        Every::Weeks(n) => (1, n, 0),
        Every::Months(n, MonthDay::Day(d)) => (2, n, d),
        Every::Months(n, MonthDay::Last) => (2, n, 0),
        Every::Years(n) => (3, n, 0),
    };
    let (end_kind, end) = match s.rule.end {
        End::Never => (0, 0),
        End::On(d) => (1, date_u32(d)),
        End::After(c) => (2, c),
    };
    let rule = StoredRule {
        kind: kind_byte(s.template.kind),
        unit,
        n,
        day,
        end_kind,
        end,
        confirm: s.confirm,
        paused: s.paused,
        next: s.next,
        done: s.done.clone(),
        moved: s.moved.iter().map(|(k, d)| (*k, date_u32(*d))).collect(),
    };
    let bytes = postcard::to_allocvec(&rule).unwrap_or_default();
    let mut tags = s.template.tags.clone();
    tags.push(format!("\0{}", hex(&bytes)));
    StoredItem {
        date: date_u32(s.rule.start),
        amount: s.template.amount,
        currency: s.template.currency.bytes(),
        category: s.template.category.clone(),
        payee: s.template.payee.clone(),
        note: s.template.note.clone(),
        tags,
        kind: SCHEDULE_KIND,
        created,
        updated,
        version: s.version,
        last_seq,
    }
}

/// The schedule an image holds (`None` for an image that is not a schedule's); `Err` names
/// `tree` and `key` when it is one but does not decode.
pub(crate) fn from_image(
    id: ExpenseId,
    i: &StoredItem,
    tree: &str,
    key: &[u8],
) -> Result<Option<Schedule>, StoreError> {
    use crate::domain::schedule::End;
    if i.kind != SCHEDULE_KIND {
        return Ok(None);
    }
    let bad = |what: &str| corrupt(tree, key, format!("schedule: {what}"));
    let (last, tags) = i.tags.split_last().ok_or_else(|| bad("no rule"))?;
    let bytes = last
        .strip_prefix('\0')
        .and_then(unhex)
        .ok_or_else(|| bad("rule is not hex"))?;
    let r: StoredRule = postcard::from_bytes(&bytes).map_err(|e| bad(&e.to_string()))?;
    let start = date_from_u32(i.date).ok_or_else(|| bad("bad start"))?;
    let every = match (r.unit, r.day) {
        (0, _) => Every::Days(r.n),
        (1, _) => Every::Weeks(r.n),
        (2, 0) => Every::Months(r.n, MonthDay::Last),
        (2, d) => Every::Months(r.n, MonthDay::Day(d)),
        (3, _) => Every::Years(r.n),
        _ => return Err(bad("bad unit")),
    };
    let end = match r.end_kind {
        0 => End::Never,
        1 => End::On(date_from_u32(r.end).ok_or_else(|| bad("bad end"))?),
        2 => End::After(r.end),
        _ => return Err(bad("bad end")),
    };
    let rule = Rule::new(start, every, end).map_err(|e| bad(&e.to_string()))?;
    let moved = r
        .moved
        .iter()
        .map(|(k, d)| date_from_u32(*d).map(|d| (*k, d)))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| bad("bad moved day"))?;
    Ok(Some(Schedule {
        id,
        template: Draft {
            date: start,
            amount: i.amount,
            currency: Currency::from_bytes(i.currency).ok_or_else(|| bad("bad currency"))?,
            category: i.category.clone(),
            payee: i.payee.clone(),
            note: i.note.clone(),
            tags: tags.to_vec(),
            kind: kind_from_byte(r.kind).ok_or_else(|| bad("bad kind"))?,
        },
        rule,
        confirm: r.confirm,
        paused: r.paused,
        next: r.next,
        done: r.done,
        moved,
        version: i.version,
    }))
}

/// The schedule an image holds, `None` when it is not a schedule's (or does not decode).
fn schedule_of(img: &StoredItem) -> Option<Schedule> {
    from_image(ExpenseId(0), img, SCHEDULES, b"").ok().flatten()
}

/// `img` (a schedule's image) with the handled state (`next`, `done`, `moved`) of `state`,
/// another image of the same schedule under the same rule; its bookkeeping kept. `None` when
/// either is no schedule's or their rules differ (the state would mean other days).
pub(super) fn with_state_of(img: &StoredItem, state: &StoredItem) -> Option<StoredItem> {
    let mut s = schedule_of(img)?;
    let st = schedule_of(state)?;
    if s.rule != st.rule {
        return None;
    }
    s.next = st.next;
    s.done = st.done;
    s.moved = st.moved;
    Some(image(&s, img.created, img.updated, img.last_seq))
}

/// For a record that made or edited a schedule without handling an occurrence, when the
/// schedule now (`cur`) differs from what the record left only in how far it was handled
/// (posting passes stepped it on since: no person's change), the target as if the record had
/// left it so: its undo then removes the schedule, or writes back the fields the edit changed
/// and keeps how far it was handled. `None` when that is not the case (the usual rule holds).
pub(super) fn stepped_on(t: &Target, cur: &StoredItem) -> Option<Target> {
    let new = t.new.as_ref()?;
    if cur.last_seq == t.seq || same_fields(cur, new) {
        return None;
    }
    // The record itself handled nothing: it made the schedule, or changed what a person sets.
    let handled_nothing = match (&t.event, &t.old) {
        (Event::Insert, _) => true,
        (Event::Modify, Some(old)) => with_state_of(old, new).is_some_and(|o| same_fields(&o, old)),
        _ => false,
    };
    let left = with_state_of(new, cur)?;
    if !handled_nothing || !same_fields(&left, cur) {
        return None;
    }
    let old = match &t.old {
        Some(o) => Some(with_state_of(o, cur)?),
        None => None,
    };
    Some(Target {
        new: Some(left),
        old,
        ..t.clone()
    })
}

/// The public change of a record whose images are a schedule's (`None` when they are not).
pub(crate) fn change(
    id: ExpenseId,
    old: Option<&StoredItem>,
    new: Option<&StoredItem>,
    key: &[u8],
) -> Result<Option<ScheduleChange>, StoreError> {
    if old.or(new).is_none_or(|i| i.kind != SCHEDULE_KIND) {
        return Ok(None);
    }
    let tree = super::tables::STREAM;
    let old = old
        .map(|i| from_image(id, i, tree, key))
        .transpose()?
        .flatten();
    let new = new
        .map(|i| from_image(id, i, tree, key))
        .transpose()?
        .flatten();
    Ok(Some(ScheduleChange { old, new }))
}

/// The stored image of schedule `id` inside a transaction.
pub(crate) fn current(tx: &Tx<'_>, id: ExpenseId) -> TxResult<Option<StoredItem>> {
    let key = id_key(id);
    match tx.schedules.get(key)? {
        Some(v) => match decode_item(SCHEDULES, &key, &v) {
            Ok(i) => Ok(Some(i)),
            Err(e) => abort(e),
        },
        None => Ok(None),
    }
}

fn decode_schedule(k: &[u8], v: &[u8]) -> Result<Schedule, StoreError> {
    let id = <[u8; 16]>::try_from(k)
        .map(ExpenseId::from_bytes)
        .map_err(|_| corrupt(SCHEDULES, k, "key is not an id"))?;
    let img = decode_item(SCHEDULES, k, v)?;
    from_image(id, &img, SCHEDULES, k)?.ok_or_else(|| corrupt(SCHEDULES, k, "not a schedule"))
}

/// What one posting pass did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Posted {
    /// The expenses posted, in order.
    pub records: Vec<ChangeRecord>,
    /// Occurrences found already posted (marked handled, not posted again).
    pub already: usize,
    /// The batch id of the pass (None when nothing was written).
    pub batch: Option<u64>,
}

/// Writes schedule `s` as record `seq` over `cur` (None: a new one), tagged with `batch`.
#[allow(clippy::too_many_arguments)]
fn write_schedule(
    tx: &Tx<'_>,
    s: Option<&Schedule>,
    id: ExpenseId,
    cur: Option<StoredItem>,
    origin: Origin,
    now_ms: i64,
    batch: Option<&mut Option<u64>>,
) -> TxResult<ChangeRecord> {
    let seq = tx.next_seq()?;
    let new = s.map(|s| {
        let mut s = s.clone();
        s.version = cur.as_ref().map_or(1, |c| c.version + 1);
        image(&s, cur.as_ref().map_or(now_ms, |c| c.created), now_ms, seq)
    });
    let event = match (&cur, &new) {
        (None, _) => Event::Insert,
        (Some(_), Some(_)) => Event::Modify,
        (Some(_), None) => Event::Remove,
    };
    let rec = tx.write(&Change {
        id,
        seq,
        event,
        origin,
        at: now_ms,
        prev_seq: cur.as_ref().map(|c| c.last_seq),
        batch: batch.map(|b| *b.get_or_insert(seq)),
        old: cur.as_ref(),
        new: new.as_ref(),
        trashing: Trashing::No,
    })?;
    super::write::finish(seq, &rec, &super::stream::Before::live(cur))
}

/// Schedule `id` as the transaction reads it, checked against `expected` (a version, or None to
/// take any); a Conflict abort otherwise.
fn read_in(tx: &Tx<'_>, id: ExpenseId, expected: Option<u64>) -> TxResult<(StoredItem, Schedule)> {
    let Some(img) = current(tx, id)? else {
        return abort(StoreError::Conflict {
            id,
            expected: expected.unwrap_or(0),
            found: None,
        });
    };
    if expected.is_some_and(|v| v != img.version) {
        return abort(StoreError::Conflict {
            id,
            expected: expected.unwrap_or(0),
            found: Some(img.version),
        });
    }
    let key = id_key(id);
    match from_image(id, &img, SCHEDULES, &key) {
        Ok(Some(s)) => Ok((img, s)),
        Ok(None) => abort(corrupt(SCHEDULES, &key, "not a schedule")),
        Err(e) => abort(e),
    }
}

/// True when the expense of occurrence `natural` of `s` exists (live or in the trash).
fn posted_already(tx: &Tx<'_>, s: &Schedule, natural: NaiveDate) -> TxResult<bool> {
    let id = occurrence_id(s.id, natural);
    Ok(tx.current(id)?.is_some() || super::trash::row(tx, id)?.is_some())
}

/// Posts occurrence `o` of `s` (as `draft`) inside `tx` unless it was posted already; marks it
/// handled either way. Returns the INSERT record when it posted.
fn post_in(
    tx: &Tx<'_>,
    s: &mut Schedule,
    o: Occurrence,
    draft: &Draft,
    origin: Origin,
    now_ms: i64,
    batch: &mut Option<u64>,
) -> TxResult<Option<ChangeRecord>> {
    s.mark_handled(o.k);
    if posted_already(tx, s, o.natural)? {
        return Ok(None);
    }
    let id = occurrence_id(s.id, o.natural);
    let seq = tx.next_seq()?;
    let new = StoredItem::new(draft, now_ms, now_ms, 1, seq);
    let rec = tx.write(&Change {
        id,
        seq,
        event: Event::Insert,
        origin,
        at: now_ms,
        // Posted again after an undo took it out for good: its chain goes on from there.
        prev_seq: removed_by(tx, id)?,
        batch: Some(*batch.get_or_insert(seq)),
        old: None,
        new: Some(&new),
        trashing: Trashing::No,
    })?;
    super::write::finish(seq, &rec, &super::stream::Before::live(None)).map(Some)
}

/// Moves schedule `id` from the renamed tree (`from`) to `to` inside a category rename's
/// first transaction: a MODIFY of its template's category, origin `rename`, tagged with the
/// rename's batch. `false` (nothing written) when it is gone or no longer posts within `from`
/// (changed since the plan: left as it is).
pub(super) fn rename_in(
    tx: &Tx<'_>,
    id: ExpenseId,
    from: &str,
    to: &str,
    now_ms: i64,
    batch: &mut Option<u64>,
) -> TxResult<bool> {
    let Some(img) = current(tx, id)? else {
        return Ok(false);
    };
    let key = id_key(id);
    let mut s = match from_image(id, &img, SCHEDULES, &key) {
        Ok(Some(s)) => s,
        Ok(None) => return abort(corrupt(SCHEDULES, &key, "not a schedule")),
        Err(e) => return abort(e),
    };
    let Some(category) = crate::domain::rename::moved(&s.template.category, from, to) else {
        return Ok(false);
    };
    s.template.category = category;
    write_schedule(
        tx,
        Some(&s),
        id,
        Some(img),
        Origin::Rename,
        now_ms,
        Some(batch),
    )?;
    Ok(true)
}

impl Store {
    /// Writes `schedules` (images as a backup or a point in time held them, with how far each
    /// was handled) into a store being restored: one INSERT each, origin `restore`, stamped
    /// `at`, keeping id, version, created and updated, in one flushed transaction. A schedule
    /// that exists already is a conflict (the store is blank when a restore starts).
    pub(crate) fn restore_schedules(
        &self,
        schedules: &[(ExpenseId, StoredItem)],
        at: i64,
    ) -> Result<(), StoreError> {
        if schedules.is_empty() {
            return Ok(());
        }
        self.transact(|tx| {
            for (id, img) in schedules {
                let found = current(tx, *id)?.map(|c| c.version);
                super::restore::insert_restored(tx, *id, img, found, at)?;
            }
            Ok(())
        })
    }

    /// Every schedule, by id (the order they were made).
    pub fn schedules(&self) -> Result<Vec<Schedule>, StoreError> {
        let mut out = Vec::new();
        for kv in self.trees.schedules.iter() {
            let (k, v) = kv?;
            out.push(decode_schedule(&k, &v)?);
        }
        Ok(out)
    }

    /// Schedule `id`, if it exists.
    pub fn schedule(&self, id: ExpenseId) -> Result<Option<Schedule>, StoreError> {
        let key = id_key(id);
        match self.trees.schedules.get(key)? {
            Some(v) => Ok(Some(decode_schedule(&key, &v)?)),
            None => Ok(None),
        }
    }

    /// Stores `s`: a new schedule when its version is 0 (with a fresh id when its id is not a
    /// schedule id), else a conditional MODIFY of the version it names (`StoreError::Conflict`
    /// when it changed since). The expense it posts must be one the store accepts.
    pub fn save_schedule(
        &self,
        s: &Schedule,
        origin: Origin,
        now_ms: i64,
    ) -> Result<ChangeRecord, StoreError> {
        super::write::check_draft(&s.template)?;
        Rule::new(s.rule.start, s.rule.every, s.rule.end)
            .map_err(|e| StoreError::Invalid(format!("{e}; nothing was stored")))?;
        let mut s = s.clone();
        if s.version == 0 && !is_schedule_id(s.id.0) {
            s.id = new_schedule_id();
        }
        self.transact(|tx| {
            let cur = current(tx, s.id)?;
            match (&cur, s.version) {
                (None, 0) => {}
                (Some(c), v) if c.version == v => {}
                (c, v) => {
                    return abort(StoreError::Conflict {
                        id: s.id,
                        expected: v,
                        found: c.as_ref().map(|c| c.version),
                    })
                }
            }
            write_schedule(tx, Some(&s), s.id, cur, origin, now_ms, None)
        })
    }

    /// Removes schedule `id` (conditional on `expected_version`); what it posted stays.
    pub fn remove_schedule(
        &self,
        id: ExpenseId,
        expected_version: u64,
        origin: Origin,
        now_ms: i64,
    ) -> Result<ChangeRecord, StoreError> {
        self.transact(|tx| {
            let (img, _) = read_in(tx, id, Some(expected_version))?;
            write_schedule(tx, None, id, Some(img), origin, now_ms, None)
        })
    }

    /// Posts every occurrence due on or before `today` of the schedules that do not ask to be
    /// confirmed and are not paused, with origin `schedule`, as one batch with the schedules'
    /// MODIFY records (one undo takes it all back), in one flushed transaction: exactly once (see
    /// the module doc). Cheap when nothing is due: one scan of `schedules-1`, no write.
    pub fn post_due(&self, today: NaiveDate, now_ms: i64) -> Result<Posted, StoreError> {
        if self.trees.schedules.is_empty() || self.write_refusal().is_some() {
            return Ok(Posted::default());
        }
        let due: Vec<ExpenseId> = self
            .schedules()?
            .into_iter()
            .filter(|s| !s.confirm && !s.pending(today).is_empty())
            .map(|s| s.id)
            .collect();
        if due.is_empty() {
            return Ok(Posted::default());
        }
        self.transact(|tx| {
            let mut out = Posted::default();
            let mut batch = None;
            for id in &due {
                // Read again inside the transaction: what is pending is decided here.
                let Some(img) = current(tx, *id)? else {
                    continue;
                };
                let key = id_key(*id);
                let mut s = match from_image(*id, &img, SCHEDULES, &key) {
                    Ok(Some(s)) => s,
                    Ok(None) => continue,
                    Err(e) => return abort(e),
                };
                if s.confirm {
                    continue;
                }
                let pending = s.pending(today);
                if pending.is_empty() {
                    continue;
                }
                for o in pending.into_iter().take(MAX_AT_ONCE) {
                    let draft = s.draft_for(&o);
                    match post_in(tx, &mut s, o, &draft, Origin::Schedule, now_ms, &mut batch)? {
                        Some(r) => out.records.push(r),
                        None => out.already += 1,
                    }
                }
                write_schedule(
                    tx,
                    Some(&s),
                    *id,
                    Some(img),
                    Origin::Schedule,
                    now_ms,
                    Some(&mut batch),
                )?;
            }
            out.batch = batch;
            Ok(out)
        })
    }

    /// The occurrences of schedules that ask to be confirmed, due on or before `today`, in date
    /// order.
    pub fn due(&self, today: NaiveDate) -> Result<Vec<(Schedule, Occurrence)>, StoreError> {
        let mut out = Vec::new();
        for s in self.schedules()? {
            if s.confirm {
                for o in s.pending(today) {
                    out.push((s.clone(), o));
                }
            }
        }
        out.sort_by_key(|(s, o)| (o.date, s.id));
        Ok(out)
    }

    /// Handles occurrence `natural` of schedule `id` (version `expected_version`) one by one:
    /// posts it (as the schedule has it, or edited), or skips it, with the schedule's MODIFY in
    /// the same batch. Also for a schedule that posts by itself (skip the next one, post one
    /// early). Returns the records written (the expense first when one was posted).
    pub fn handle_occurrence(
        &self,
        id: ExpenseId,
        expected_version: u64,
        natural: NaiveDate,
        how: Confirm,
        origin: Origin,
        now_ms: i64,
    ) -> Result<Vec<ChangeRecord>, StoreError> {
        if let Confirm::PostAs(d) = &how {
            super::write::check_draft(d)?;
        }
        self.transact(|tx| {
            let (img, mut s) = read_in(tx, id, Some(expected_version))?;
            let o = match s.find(natural) {
                Ok(o) => o,
                Err(e) => return abort(StoreError::Invalid(format!("{e}; nothing was changed"))),
            };
            let mut batch = None;
            let mut out = Vec::new();
            match &how {
                Confirm::Skip => s.mark_handled(o.k),
                Confirm::Post | Confirm::PostAs(_) => {
                    let draft = match &how {
                        Confirm::PostAs(d) => d.clone(),
                        _ => s.draft_for(&o),
                    };
                    out.extend(post_in(tx, &mut s, o, &draft, origin, now_ms, &mut batch)?);
                }
            }
            out.push(write_schedule(
                tx,
                Some(&s),
                id,
                Some(img),
                origin,
                now_ms,
                Some(&mut batch),
            )?);
            Ok(out)
        })
    }
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
