//! Applying a peer's items: each checked as a local write would be, compared with this store's
//! stamp (last writer wins), and written as the records that take the item from its state here
//! to the peer's (live, in the trash, gone), with origin `replica`.

use super::super::codec::{decode_u64, StoredItem};
use super::super::error::{corrupt, StoreError};
use super::super::keys::{id_key, seq_key};
use super::super::tables::{
    abort, Change, Trashing, Tx, TxResult, META, META_BUDGET_REMOVED, META_OCCURRENCE_REMOVED, SYNC,
};
use super::super::trash::TrashRow;
use super::super::{budget, schedule, Event, Origin};
use super::{
    clock, encode_entry, entry, hlc_of_ms, lift, same_content, stamp_key, table_of, Conflict,
    Entry, Local, Stamp, SyncItem, SyncState, Table, CONFLICT,
};
use crate::domain::ExpenseId;
use std::collections::HashMap;

/// A peer's item, decoded and checked.
pub(super) struct Valid {
    id: ExpenseId,
    pub(super) stamp: Stamp,
    state: Checked,
}

pub(super) enum Checked {
    Live(StoredItem),
    Trashed(StoredItem, i64, i64),
    Gone,
}

/// Decodes a peer's item and checks it as a local write would be: an expense as a draft, a
/// budget's id against its category, a schedule's rule.
pub(super) fn checked(it: &SyncItem) -> Result<Valid, String> {
    let id = ExpenseId(it.id);
    let table = table_of(it.id);
    let image = |b: &[u8]| -> Result<StoredItem, String> {
        let (img, _) =
            super::super::codec::parse_item(b).map_err(|e| format!("unreadable image ({e})"))?;
        match table {
            Table::Expense => {
                let key = id_key(id);
                let e = img.to_expense(id, SYNC, &key).map_err(|e| e.to_string())?;
                super::super::write::check_draft(&e.draft).map_err(|e| e.to_string())?;
            }
            Table::Budget => {
                if img.kind != budget::BUDGET_KIND
                    || budget::budget_id(&img.category) != id
                    || budget::limit(&img).is_none()
                {
                    return Err("not a budget of that category".into());
                }
            }
            Table::Schedule => {
                if img.kind != schedule::SCHEDULE_KIND {
                    return Err("not a schedule".into());
                }
                schedule::from_image(id, &img, SYNC, &id_key(id)).map_err(|e| e.to_string())?;
            }
        }
        Ok(img)
    };
    let state = match &it.state {
        SyncState::Live(b) => Checked::Live(image(b)?),
        SyncState::Trashed {
            image: b,
            deleted_at,
            expires_at,
        } => {
            if table != Table::Expense {
                return Err("only an expense can be in the trash".into());
            }
            Checked::Trashed(image(b)?, *deleted_at, *expires_at)
        }
        SyncState::Gone => Checked::Gone,
    };
    Ok(Valid {
        id,
        stamp: it.stamp,
        state,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Skipped,
    Applied,
    Conflict,
}

/// The seq of the last record of `id`, which is gone here (its tombstone, or the `meta` key an
/// older store kept for a budget or an occurrence).
fn gone_seq(
    tx: &Tx<'_>,
    id: ExpenseId,
    had: Option<Entry>,
    category: Option<&str>,
) -> TxResult<Option<u64>> {
    // A tombstone learnt from a peer for an id never stored here names seq 0: no record.
    if let Some(e) = had {
        return Ok(Some(e.seq).filter(|s| *s > 0));
    }
    let key = match (table_of(id.0), category) {
        (Table::Budget, Some(c)) => [META_BUDGET_REMOVED, c.as_bytes()].concat(),
        (Table::Expense, _) => [META_OCCURRENCE_REMOVED, &id_key(id)[..]].concat(),
        _ => return Ok(None),
    };
    match tx.meta.get(&key)? {
        Some(v) => lift(decode_u64(META, &key, &v)).map(Some),
        None => Ok(None),
    }
}

/// Writes one record of an applied item (origin `replica`).
#[allow(clippy::too_many_arguments)]
fn put(
    tx: &Tx<'_>,
    id: ExpenseId,
    event: Event,
    prev_seq: Option<u64>,
    old: Option<&StoredItem>,
    new: Option<&StoredItem>,
    trashing: Trashing,
    now_ms: i64,
) -> TxResult<u64> {
    let seq = tx.next_seq()?;
    let new = new.map(|n| StoredItem {
        version: old.map_or(1, |o| o.version + 1),
        last_seq: seq,
        ..n.clone()
    });
    tx.write(&Change {
        id,
        seq,
        event,
        origin: Origin::Replica,
        at: now_ms,
        prev_seq,
        batch: None,
        old,
        new: new.as_ref(),
        trashing,
    })?;
    Ok(seq)
}

/// Applies one peer item inside the batch's transaction.
pub(super) fn apply_one(
    tx: &Tx<'_>,
    v: &Valid,
    budgets: &HashMap<u128, String>,
    peer: u128,
    have: u64,
    now_ms: i64,
) -> TxResult<Outcome> {
    let (_, replica) = clock(tx)?;
    let id = v.id;
    let table = table_of(id.0);
    let category = match &v.state {
        Checked::Live(i) | Checked::Trashed(i, _, _) => Some(i.category.as_str()),
        Checked::Gone => budgets.get(&id.0).map(String::as_str),
    };
    let had = entry(tx, id.0)?;
    let local = match table {
        Table::Expense => match tx.current(id)? {
            Some(i) => Local::Live(i),
            None => match super::super::trash::row(tx, id)? {
                Some(r) => Local::Trashed(r),
                None => Local::Gone,
            },
        },
        Table::Schedule => match schedule::current(tx, id)? {
            Some(i) => Local::Live(i),
            None => Local::Gone,
        },
        Table::Budget => match category {
            Some(c) => match budget::current(tx, c)? {
                Some(i) => Local::Live(i),
                None => Local::Gone,
            },
            None => Local::Gone,
        },
    };
    let implied = |ms: i64| Stamp {
        hlc: hlc_of_ms(ms),
        replica,
    };
    let (ours, last) = match &local {
        Local::Live(i) => (
            Some(had.map_or_else(|| implied(i.updated), |e| e.stamp)),
            Some(i.last_seq),
        ),
        Local::Trashed(r) => (
            Some(had.map_or_else(|| implied(r.deleted_at), |e| e.stamp)),
            Some(r.remove_seq),
        ),
        Local::Gone => (had.map(|e| e.stamp), gone_seq(tx, id, had, category)?),
    };
    if ours.is_some_and(|s| s >= v.stamp) {
        return Ok(Outcome::Skipped);
    }
    let conflict = matches!(&local, Local::Live(_) | Local::Trashed(_))
        && last.is_some_and(|s| s > have)
        && ours.is_some_and(|s| s.replica != peer);
    tx.remote.set(Some(v.stamp));
    let r = transition(tx, id, local, last, &v.state, now_ms);
    tx.remote.set(None);
    let first = r?;
    match first {
        Some(seq) if conflict => {
            let c = Conflict {
                id: id.0,
                lost_seq: last.unwrap_or(0),
                peer,
                at: now_ms,
            };
            let bytes = postcard::to_stdvec(&c)
                .map_err(|e| StoreError::Sled(format!("cannot encode conflict: {e}")));
            let mut key = [0u8; 9];
            key[0] = CONFLICT;
            key[1..].copy_from_slice(&seq_key(seq));
            tx.sync.insert(&key[..], lift(bytes)?)?;
            Ok(Outcome::Conflict)
        }
        _ => Ok(Outcome::Applied),
    }
}

/// Moves the live item `id` (just written by record `written`) into the trash with the peer's
/// times.
fn trash_again(
    tx: &Tx<'_>,
    id: ExpenseId,
    written: u64,
    deleted_at: i64,
    expires_at: i64,
    now_ms: i64,
) -> TxResult<u64> {
    let Some(cur) = tx.current(id)? else {
        return abort(corrupt(
            SYNC,
            &id_key(id),
            "the item just written is not stored",
        ));
    };
    let trashing = Trashing::Into {
        expires: expires_at,
    };
    let seq = put(
        tx,
        id,
        Event::Remove,
        Some(written),
        Some(&cur),
        None,
        trashing,
        now_ms,
    )?;
    super::super::trash::put_row(
        tx,
        id,
        TrashRow {
            image: cur,
            deleted_at,
            expires_at,
            remove_seq: seq,
        },
    )?;
    Ok(seq)
}

/// Writes what takes `id` from `local` to the peer's `state`; the seq of the first record
/// written (`None` when only the stamp changed).
fn transition(
    tx: &Tx<'_>,
    id: ExpenseId,
    local: Local,
    last: Option<u64>,
    state: &Checked,
    now_ms: i64,
) -> TxResult<Option<u64>> {
    let only_stamp = |tx: &Tx<'_>| -> TxResult<Option<u64>> {
        if let (Some(s), Some(seq)) = (tx.remote.get(), last) {
            tx.sync
                .insert(&stamp_key(id.0)[..], &encode_entry(s, seq)[..])?;
        }
        Ok(None)
    };
    match (local, state) {
        (Local::Live(old), Checked::Live(new)) => {
            if same_content(&old, new) {
                return only_stamp(tx);
            }
            let prev = Some(old.last_seq).filter(|s| *s > 0);
            put(
                tx,
                id,
                Event::Modify,
                prev,
                Some(&old),
                Some(new),
                Trashing::No,
                now_ms,
            )
            .map(Some)
        }
        (Local::Trashed(row), Checked::Live(new)) => {
            super::super::trash::forget(tx, id)?;
            let prev = Some(row.remove_seq);
            let seq = put(
                tx,
                id,
                Event::Insert,
                prev,
                None,
                Some(&StoredItem {
                    version: row.image.version,
                    ..new.clone()
                }),
                Trashing::No,
                now_ms,
            )?;
            Ok(Some(seq))
        }
        (Local::Gone, Checked::Live(new)) => put(
            tx,
            id,
            Event::Insert,
            last,
            None,
            Some(new),
            Trashing::No,
            now_ms,
        )
        .map(Some),
        (Local::Live(old), Checked::Trashed(img, deleted_at, expires_at)) => {
            // Another image than ours: written first, then into the trash like the peer's.
            let written = if same_content(&old, img) {
                None
            } else {
                let prev = Some(old.last_seq).filter(|s| *s > 0);
                let m = Event::Modify;
                Some(put(
                    tx,
                    id,
                    m,
                    prev,
                    Some(&old),
                    Some(img),
                    Trashing::No,
                    now_ms,
                )?)
            };
            let last = written.unwrap_or(old.last_seq);
            let seq = trash_again(tx, id, last, *deleted_at, *expires_at, now_ms)?;
            Ok(Some(written.unwrap_or(seq)))
        }
        (Local::Trashed(row), Checked::Trashed(img, deleted_at, expires_at)) => {
            super::super::trash::forget(tx, id)?;
            if same_content(&row.image, img) {
                // Trashed on both sides with the same image: the row takes the peer's times.
                super::super::trash::put_row(
                    tx,
                    id,
                    TrashRow {
                        deleted_at: *deleted_at,
                        expires_at: *expires_at,
                        ..row
                    },
                )?;
                return only_stamp(tx);
            }
            // Another image in the trash: back out of the trash as the peer's, and in again.
            let first = put(
                tx,
                id,
                Event::Insert,
                Some(row.remove_seq),
                None,
                Some(&StoredItem {
                    version: row.image.version,
                    ..img.clone()
                }),
                Trashing::No,
                now_ms,
            )?;
            trash_again(tx, id, first, *deleted_at, *expires_at, now_ms)?;
            Ok(Some(first))
        }
        (Local::Gone, Checked::Trashed(img, deleted_at, expires_at)) => {
            let first = put(
                tx,
                id,
                Event::Insert,
                last,
                None,
                Some(img),
                Trashing::No,
                now_ms,
            )?;
            trash_again(tx, id, first, *deleted_at, *expires_at, now_ms)?;
            Ok(Some(first))
        }
        (Local::Live(old), Checked::Gone) => {
            let prev = Some(old.last_seq).filter(|s| *s > 0);
            put(
                tx,
                id,
                Event::Remove,
                prev,
                Some(&old),
                None,
                Trashing::No,
                now_ms,
            )
            .map(Some)
        }
        (Local::Trashed(row), Checked::Gone) => {
            super::super::trash::forget(tx, id)?;
            let prev = Some(row.remove_seq);
            put(
                tx,
                id,
                Event::Remove,
                prev,
                None,
                None,
                Trashing::OutForGood,
                now_ms,
            )
            .map(Some)
        }
        (Local::Gone, Checked::Gone) => {
            if let Some(s) = tx.remote.get() {
                tx.sync.insert(
                    &stamp_key(id.0)[..],
                    &encode_entry(s, last.unwrap_or(0))[..],
                )?;
            }
            Ok(None)
        }
    }
}
