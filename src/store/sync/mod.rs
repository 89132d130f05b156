//! Replication between devices, as DynamoDB global tables do it: every store is a replica with
//! its own id, every write carries a stamp (a hybrid logical clock time and the replica that
//! wrote it), and an item takes a peer's state only when the peer's stamp is newer than its own
//! (last writer wins), so every replica ends with the same items whatever the order of syncs.
//!
//! Rules:
//! - A stamp's time is `Unix ms << 16` plus a counter: never behind the wall clock, never behind
//!   any stamp this store has received (`meta` `hlc_seen`), and always after the item's previous
//!   stamp, so a later write of an item wins over every earlier one, here or on a peer.
//! - `stamp` runs inside every write (`Tx::write`): a live item whose stamp is its `updated`
//!   time on this replica keeps no entry (the common case costs nothing); any other stamp, and
//!   every removal (its tombstone, kept for good), is an entry in `sync-1`.
//! - What a peer has not seen is found from the stream (the ids of the records after the seq it
//!   has), and sent as each item's state now: live with its image, in the trash, or gone.
//! - A peer's item is applied as an ordinary write with origin `replica`, in one flushed
//!   transaction per batch that also moves the peer's checkpoint, so a sync cut short at any
//!   point resumes with nothing lost and nothing twice. Items whose stamp names the peer are not
//!   sent back to it.
//! - An applied item that replaces a local change the peer had not seen is a conflict: its record
//!   is listed (`b'c'` keys), and the losing version is the record's old image.

use super::codec::StoredItem;
use super::codec::{decode_item, decode_record_head, decode_u64, encode_item_plain, encode_u64};
use super::error::{corrupt, StoreError};
use super::keys::{decode_id, decode_seq, id_key, seq_key};
use super::tables::{
    abort, Change, Tx, TxResult, META, META_HLC_SEEN, META_REPLICA, META_REPLICA_HOME, SYNC,
};
use super::trash::TrashRow;
use super::{budget, schedule, Store};
use crate::domain::ExpenseId;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::Path;

mod apply;
use apply::{apply_one, checked, Outcome};

/// Key prefix of an item's stamp entry.
const STAMP: u8 = b's';
/// Key prefix of a peer's state.
const PEER: u8 = b'p';
/// Key prefix of a conflict.
const CONFLICT: u8 = b'c';

/// The seq a conflict row's key (`c` ++ seq) names.
fn conflict_seq(key: &[u8]) -> Result<u64, StoreError> {
    decode_seq(&key[1..]).ok_or_else(|| corrupt(SYNC, key, "bad conflict key"))
}

/// When and where an item was last written: the hybrid logical clock time, then the replica id
/// (the tie-break). Ordered: the greater stamp wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Stamp {
    /// `Unix ms << 16 | counter`.
    pub hlc: u64,
    /// The replica that wrote it.
    pub replica: u128,
}

/// The clock time of Unix ms `ms` (counter 0).
pub fn hlc_of_ms(ms: i64) -> u64 {
    u64::try_from(ms.max(0)).unwrap_or(0) << 16
}

/// The Unix ms of clock time `hlc`.
pub fn ms_of_hlc(hlc: u64) -> i64 {
    i64::try_from(hlc >> 16).unwrap_or(i64::MAX)
}

/// An item's state as a peer is told it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyncState {
    /// Live, with its image (postcard of the stored image).
    Live(Vec<u8>),
    /// In the trash.
    Trashed {
        /// The image it was deleted with.
        image: Vec<u8>,
        /// Unix ms of the delete.
        deleted_at: i64,
        /// Unix ms when it goes for good.
        expires_at: i64,
    },
    /// Removed (a tombstone).
    Gone,
}

/// One item as sent to a peer: id, stamp and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncItem {
    /// The item id (expense, budget or schedule).
    pub id: u128,
    /// Its last write's stamp.
    pub stamp: Stamp,
    /// What it is now.
    pub state: SyncState,
}

/// Items a peer has not seen, from the stream after the seq it has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncPage {
    /// The items' states now.
    pub items: Vec<SyncItem>,
    /// The last seq these items cover: the peer's checkpoint once it applied them.
    pub upto: u64,
    /// True when `upto` is the store's last seq.
    pub done: bool,
}

/// Where a full sync's listing is: which table, and the last key sent from it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FullCursor {
    /// 0 items, 1 trash, 2 budgets, 3 schedules, 4 tombstones, 5 done.
    pub table: u8,
    /// The last key listed in that table.
    pub after: Vec<u8>,
}

/// What this store knows of one peer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerState {
    /// The peer's seq up to which its changes are applied here.
    pub received_upto: u64,
    /// This store's seq up to which the peer said it has our changes.
    pub sent_upto: u64,
    /// Unix ms of the last sync that finished.
    pub last_sync: i64,
    /// Items received and applied, over all syncs.
    pub received: u64,
    /// Items sent, over all syncs.
    pub sent: u64,
    /// Conflicts found here, over all syncs.
    pub conflicts: u64,
    /// The peer's stream label at the last sync (a restore there starts a new stream).
    pub label: String,
    /// How the peer was last reached (`user@host`, a config name).
    pub address: String,
}

/// A peer's write that replaced a local change the peer had not seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The item.
    pub id: u128,
    /// The record here whose image lost (the old image of the conflict's record).
    pub lost_seq: u64,
    /// The peer that won.
    pub peer: u128,
    /// Unix ms when the sync applied it.
    pub at: i64,
}

/// What applying one batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Items written.
    pub applied: usize,
    /// Items not newer than what this store holds.
    pub skipped: usize,
    /// Applied items that replaced a local change (see [`Conflict`]).
    pub conflicts: usize,
    /// Items refused, each with why (nothing of them was written).
    pub rejected: Vec<String>,
}

/// A stamp entry: the stamp and the seq of the item's last record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    stamp: Stamp,
    seq: u64,
}

fn stamp_key(id: u128) -> [u8; 17] {
    let mut k = [0u8; 17];
    k[0] = STAMP;
    k[1..].copy_from_slice(&id.to_be_bytes());
    k
}

fn peer_key(peer: u128) -> [u8; 17] {
    let mut k = stamp_key(peer);
    k[0] = PEER;
    k
}

fn encode_entry(stamp: Stamp, seq: u64) -> [u8; 32] {
    let mut v = [0u8; 32];
    v[..8].copy_from_slice(&stamp.hlc.to_be_bytes());
    v[8..24].copy_from_slice(&stamp.replica.to_be_bytes());
    v[24..].copy_from_slice(&seq.to_be_bytes());
    v
}

fn decode_entry(key: &[u8], v: &[u8]) -> Result<Entry, StoreError> {
    if v.len() != 32 {
        return Err(corrupt(SYNC, key, format!("stamp of {} bytes", v.len())));
    }
    let n = |r: std::ops::Range<usize>| v[r].iter().fold(0u128, |a, b| a << 8 | u128::from(*b));
    Ok(Entry {
        stamp: Stamp {
            hlc: n(0..8) as u64,
            replica: n(8..24),
        },
        seq: n(24..32) as u64,
    })
}

fn lift<T>(r: Result<T, StoreError>) -> TxResult<T> {
    r.or_else(abort)
}

/// The stamp entry of `id` inside a transaction.
fn entry(tx: &Tx<'_>, id: u128) -> TxResult<Option<Entry>> {
    let key = stamp_key(id);
    match tx.sync.get(key)? {
        Some(v) => lift(decode_entry(&key, &v)).map(Some),
        None => Ok(None),
    }
}

/// Whether an import may write `id` (a bank row's derived id, which another device may have
/// written too), and the record it then follows: `None` when the id is stored, in the trash,
/// or was removed by a peer (the row was imported there and deleted); else `Some(prev_seq)`,
/// the REMOVE of an import undone here, which may be imported again.
pub(super) fn import_gate(tx: &Tx<'_>, id: ExpenseId) -> TxResult<Option<Option<u64>>> {
    if tx.current(id)?.is_some() || super::trash::row(tx, id)?.is_some() {
        return Ok(None);
    }
    let (_, replica) = clock(tx)?;
    match entry(tx, id.0)? {
        Some(e) if e.stamp.replica != replica => Ok(None),
        Some(e) => Ok(Some(Some(e.seq).filter(|s| *s > 0))),
        None => Ok(Some(None)),
    }
}

/// (`hlc_seen`, this replica's id), read once per transaction.
fn clock(tx: &Tx<'_>) -> TxResult<(u64, u128)> {
    if let Some(c) = tx.clock.get() {
        return Ok(c);
    }
    let seen = match tx.meta.get(META_HLC_SEEN)? {
        Some(v) => lift(decode_u64(META, META_HLC_SEEN, &v))?,
        None => 0,
    };
    let replica = match tx.meta.get(META_REPLICA)? {
        Some(v) => lift(decode_replica(&v))?,
        None => 0,
    };
    tx.clock.set(Some((seen, replica)));
    Ok((seen, replica))
}

fn decode_replica(v: &[u8]) -> Result<u128, StoreError> {
    let b: [u8; 16] = v
        .try_into()
        .map_err(|_| corrupt(META, META_REPLICA, format!("{} bytes", v.len())))?;
    Ok(u128::from_be_bytes(b))
}

/// Stamps the change `c` (called by [`Tx::write`] for every record): the peer's stamp when one
/// is being applied, else the next clock time for the item, kept as an entry unless the image's
/// `updated` implies it.
pub(super) fn stamp(tx: &Tx<'_>, c: &Change<'_>) -> TxResult<()> {
    let key = stamp_key(c.id.0);
    if let Some(s) = tx.remote.get() {
        tx.sync.insert(&key[..], &encode_entry(s, c.seq)[..])?;
        return Ok(());
    }
    let (seen, replica) = clock(tx)?;
    let had = entry(tx, c.id.0)?;
    let previous = match (&had, c.old) {
        (Some(e), _) => e.stamp.hlc,
        (None, Some(o)) => hlc_of_ms(o.updated),
        (None, None) => 0,
    };
    let hlc = hlc_of_ms(c.at)
        .max(seen.saturating_add(1))
        .max(previous.saturating_add(1));
    match c.new {
        Some(n) if hlc_of_ms(n.updated) == hlc => {
            if had.is_some() {
                tx.sync.remove(&key[..])?;
            }
        }
        _ => {
            let s = Stamp { hlc, replica };
            tx.sync.insert(&key[..], &encode_entry(s, c.seq)[..])?;
        }
    }
    Ok(())
}

/// An item's state inside a transaction.
enum Local {
    Live(StoredItem),
    Trashed(TrashRow),
    Gone,
}

/// Which table an id belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Expense,
    Budget,
    Schedule,
}

fn table_of(id: u128) -> Table {
    if budget::is_budget_id(id) {
        Table::Budget
    } else if schedule::is_schedule_id(id) {
        Table::Schedule
    } else {
        Table::Expense
    }
}

/// Two images that say the same (bookkeeping aside).
fn same_content(a: &StoredItem, b: &StoredItem) -> bool {
    let strip = |i: &StoredItem| StoredItem {
        version: 0,
        last_seq: 0,
        ..i.clone()
    };
    strip(a) == strip(b)
}

impl Store {
    /// This store's replica id.
    pub fn replica_id(&self) -> Result<u128, StoreError> {
        match self.trees.meta.get(META_REPLICA)? {
            Some(v) => decode_replica(&v),
            None => Err(corrupt(META, META_REPLICA, "no replica id")),
        }
    }

    /// Gives the store a replica id (and notes where it lives) when it has none: at its first
    /// open by a version that syncs.
    pub(super) fn ensure_replica_id(&self) -> Result<(), StoreError> {
        if self.trees.meta.get(META_REPLICA)?.is_some() {
            return Ok(());
        }
        self.set_replica_id(ExpenseId::generate().0)
    }

    fn set_replica_id(&self, id: u128) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        batch.insert(META_REPLICA, &id.to_be_bytes()[..]);
        if let Some(home) = self.path.as_deref().and_then(home_of) {
            batch.insert(META_REPLICA_HOME, &home[..]);
        }
        self.trees.meta.apply_batch(batch)?;
        self.trees.meta.flush()?;
        Ok(())
    }

    /// Gives this store a new replica id (a copy of another store must, before it syncs):
    /// peers then see it as a new device. Its items keep their stamps. Returns the new id.
    pub fn new_replica_id(&self) -> Result<u128, StoreError> {
        self.check_writable()?;
        let id = ExpenseId::generate().0;
        self.set_replica_id(id)?;
        Ok(id)
    }

    /// Why this store may not sync, when it is a copy of another (its replica id was made for a
    /// folder that is not this one: `cp -r`), saying how to give it an id of its own.
    pub fn copied_from_elsewhere(&self) -> Result<Option<String>, StoreError> {
        let (Some(path), Some(saved)) = (
            self.path.as_deref(),
            self.trees.meta.get(META_REPLICA_HOME)?,
        ) else {
            return Ok(None);
        };
        match home_of(path) {
            Some(now) if now[..] != saved[..] => Ok(Some(format!(
                "the store in {} is a copy of another store (its replica id {} was made for \
                 another folder), so syncing it would mix two devices' changes; run `expense \
                 sync --new-replica-id` to make it a replica of its own, then sync",
                path.display(),
                ExpenseId(self.replica_id()?)
            ))),
            _ => Ok(None),
        }
    }

    /// The first seq the stream still holds: a peer that has less than the seq before it
    /// needs a full sync.
    pub fn sync_stream_start(&self) -> Result<u64, StoreError> {
        self.trees.stream_start()
    }

    /// What this store knows of `peer` (default: nothing yet).
    pub fn sync_peer(&self, peer: u128) -> Result<PeerState, StoreError> {
        let key = peer_key(peer);
        match self.trees.sync.get(key)? {
            Some(v) => postcard::from_bytes(&v).map_err(|e| corrupt(SYNC, &key, e.to_string())),
            None => Ok(PeerState::default()),
        }
    }

    /// Every peer this store has synced with.
    pub fn sync_peers(&self) -> Result<Vec<(u128, PeerState)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.trees.sync.scan_prefix([PEER]) {
            let (k, v) = kv?;
            let id = decode_id(&k[1..]).ok_or_else(|| corrupt(SYNC, &k, "bad peer key"))?;
            let p = postcard::from_bytes(&v).map_err(|e| corrupt(SYNC, &k, e.to_string()))?;
            out.push((id.0, p));
        }
        Ok(out)
    }

    /// Saves what this store knows of `peer` (flushed).
    pub fn set_sync_peer(&self, peer: u128, state: &PeerState) -> Result<(), StoreError> {
        self.check_writable()?;
        let v = postcard::to_stdvec(state)
            .map_err(|e| StoreError::Sled(format!("cannot encode peer state: {e}")))?;
        self.trees.sync.insert(peer_key(peer), v)?;
        self.trees.sync.flush()?;
        Ok(())
    }

    /// The seqs of the records a sync wrote over a change made here (the keys of
    /// [`Store::sync_conflicts`], without decoding the rows).
    pub(crate) fn conflict_seqs(&self) -> Result<std::collections::HashSet<u64>, StoreError> {
        let mut out = std::collections::HashSet::new();
        for kv in self.trees.sync.scan_prefix([CONFLICT]) {
            let (k, _) = kv?;
            out.insert(conflict_seq(&k)?);
        }
        Ok(out)
    }

    /// Every conflict, oldest first: (the seq of the record that won, the conflict).
    pub fn sync_conflicts(&self) -> Result<Vec<(u64, Conflict)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.trees.sync.scan_prefix([CONFLICT]) {
            let (k, v) = kv?;
            let seq = conflict_seq(&k)?;
            let c = postcard::from_bytes(&v).map_err(|e| corrupt(SYNC, &k, e.to_string()))?;
            out.push((seq, c));
        }
        Ok(out)
    }

    /// How many conflicts were found by records after seq `after` (a session's checkpoint).
    pub fn sync_conflicts_after(&self, after: u64) -> Result<usize, StoreError> {
        let mut from = [0u8; 9];
        from[0] = CONFLICT;
        from[1..].copy_from_slice(&seq_key(after.saturating_add(1)));
        let mut n = 0;
        for kv in self.trees.sync.range(from..) {
            let (k, _) = kv?;
            if k.first() != Some(&CONFLICT) {
                break;
            }
            n += 1;
        }
        Ok(n)
    }

    /// The ids of the budgets held now, by their item id.
    fn budget_categories(&self) -> Result<HashMap<u128, String>, StoreError> {
        let mut out = HashMap::new();
        for kv in self.trees.budgets.iter() {
            let (k, _) = kv?;
            let cat = String::from_utf8_lossy(&k).into_owned();
            out.insert(budget::budget_id(&cat).0, cat);
        }
        Ok(out)
    }

    /// The state of item `id` now, as a peer is told it; `None` for an id this store never
    /// stamped nor holds (a legacy removal: `at` is its record's time).
    fn sync_item(
        &self,
        id: u128,
        budgets: &HashMap<u128, String>,
        replica: u128,
        at: i64,
    ) -> Result<SyncItem, StoreError> {
        let t = &self.trees;
        let skey = stamp_key(id);
        let e = match t.sync.get(skey)? {
            Some(v) => Some(decode_entry(&skey, &v)?),
            None => None,
        };
        let ikey = id_key(ExpenseId(id));
        // The live image, read once from its table (no encode and decode in between).
        let live = match table_of(id) {
            Table::Expense => match t.items.get(ikey)? {
                Some(v) => Some(super::pointer::read_item(t, ExpenseId(id), &ikey, &v)?),
                None => None,
            },
            Table::Schedule => match t.schedules.get(ikey)? {
                Some(v) => Some(decode_item(super::tables::SCHEDULES, &ikey, &v)?),
                None => None,
            },
            Table::Budget => match budgets.get(&id) {
                Some(cat) => match t.budgets.get(cat.as_bytes())? {
                    Some(v) => Some(budget::decode_image(cat.as_bytes(), &v)?),
                    None => None,
                },
                None => None,
            },
        };
        let implied = |ms: i64| Stamp {
            hlc: hlc_of_ms(ms),
            replica,
        };
        if let Some(img) = live {
            let stamp = e.map_or_else(|| implied(img.updated), |e| e.stamp);
            return Ok(SyncItem {
                id,
                stamp,
                // In the form every version reads (a peer may run an older one).
                state: SyncState::Live(encode_item_plain(&img)?),
            });
        }
        if table_of(id) == Table::Expense {
            if let Some(row) = super::trash::row_now(t, ExpenseId(id))? {
                let stamp = e.map_or_else(|| implied(row.deleted_at), |e| e.stamp);
                return Ok(SyncItem {
                    id,
                    stamp,
                    state: SyncState::Trashed {
                        image: encode_item_plain(&row.image)?,
                        deleted_at: row.deleted_at,
                        expires_at: row.expires_at,
                    },
                });
            }
        }
        Ok(SyncItem {
            id,
            stamp: e.map_or_else(|| implied(at), |e| e.stamp),
            state: SyncState::Gone,
        })
    }

    /// The items changed after seq `after`: the ids of up to `records` records, as they are
    /// now, without those last written by `skip` (the peer being told: it has them).
    pub fn sync_changes(
        &self,
        after: u64,
        records: usize,
        skip: u128,
    ) -> Result<SyncPage, StoreError> {
        let replica = self.replica_id()?;
        let budgets = self.budget_categories()?;
        let last = self.trees.last_seq()?;
        let mut seen = HashSet::new();
        let mut ids = Vec::new();
        let mut upto = after;
        let start = seq_key(after.saturating_add(1));
        for kv in self.trees.stream.range(start..).take(records.max(1)) {
            let (k, v) = kv?;
            let seq =
                decode_seq(&k).ok_or_else(|| corrupt(super::tables::STREAM, &k, "bad seq"))?;
            let head = decode_record_head(super::tables::STREAM, &k, &v)?;
            upto = seq;
            if seen.insert(head.id) {
                ids.push((head.id, head.at));
            }
        }
        let mut items = Vec::with_capacity(ids.len());
        for (id, at) in ids {
            let item = self.sync_item(id, &budgets, replica, at)?;
            if item.stamp.replica != skip {
                items.push(item);
            }
        }
        Ok(SyncPage {
            items,
            upto,
            done: upto >= last,
        })
    }

    /// A page of every item this store holds or has removed (a full sync), from `cursor`;
    /// the cursor of the next page, `table == 5` when this was the last.
    pub fn sync_full_page(
        &self,
        cursor: &FullCursor,
        limit: usize,
    ) -> Result<(Vec<SyncItem>, FullCursor), StoreError> {
        let replica = self.replica_id()?;
        let budgets = self.budget_categories()?;
        let t = &self.trees;
        let mut cur = cursor.clone();
        let mut out = Vec::new();
        while cur.table < 5 && out.len() < limit {
            let (tree, prefix): (&sled::Tree, &[u8]) = match cur.table {
                0 => (&t.items, &[]),
                1 => (&t.trash, b"r"),
                2 => (&t.budgets, &[]),
                3 => (&t.schedules, &[]),
                _ => (&t.sync, &[STAMP]),
            };
            let from = if cur.after.is_empty() {
                std::ops::Bound::Included(prefix.to_vec())
            } else {
                std::ops::Bound::Excluded(cur.after.clone())
            };
            let mut ended = true;
            for kv in tree.range::<Vec<u8>, _>((from, std::ops::Bound::Unbounded)) {
                let (k, _) = kv?;
                if !k.starts_with(prefix) {
                    break;
                }
                cur.after = k.to_vec();
                let id = match cur.table {
                    2 => budget::budget_id(&String::from_utf8_lossy(&k)).0,
                    0 | 3 => decode_id(&k).map(|i| i.0).unwrap_or(0),
                    _ => decode_id(&k[1..]).map(|i| i.0).unwrap_or(0),
                };
                let item = self.sync_item(id, &budgets, replica, 0)?;
                // Tombstones only: what is live or trashed was listed from its own table.
                if cur.table < 4 || item.state == SyncState::Gone {
                    out.push(item);
                }
                if out.len() >= limit {
                    ended = false;
                    break;
                }
            }
            if ended {
                cur = FullCursor {
                    table: cur.table + 1,
                    after: Vec::new(),
                };
            }
        }
        Ok((out, cur))
    }

    /// What [`Store::sync_apply`] would do with `items`, writing nothing (`expense sync
    /// --dry-run`): how many would be written, how many are not newer than what is here, how
    /// many would replace a change made on this replica, and which would be refused.
    pub fn sync_preview(&self, items: &[SyncItem]) -> Result<Applied, StoreError> {
        let replica = self.replica_id()?;
        let budgets = self.budget_categories()?;
        let mut out = Applied::default();
        for it in items {
            if let Err(why) = checked(it) {
                out.rejected.push(format!("{}: {why}", ExpenseId(it.id)));
                continue;
            }
            let mine = self.sync_item(it.id, &budgets, replica, 0)?;
            if mine.stamp >= it.stamp {
                out.skipped += 1;
                continue;
            }
            out.applied += 1;
            if mine.state != SyncState::Gone && mine.stamp.replica == replica {
                out.conflicts += 1;
            }
        }
        Ok(out)
    }

    /// Applies a peer's items, last writer wins, in one flushed transaction that also moves
    /// the peer's checkpoint to `upto` (its seq these items cover). `have` is this store's seq
    /// up to which the peer has our changes: a local change after it that an item replaces is
    /// a conflict. Items that fail validation are reported and not applied; the others are.
    pub fn sync_apply(
        &self,
        peer: u128,
        have: u64,
        items: &[SyncItem],
        upto: u64,
        now_ms: i64,
    ) -> Result<Applied, StoreError> {
        let mut applied = Applied::default();
        let mut valid = Vec::with_capacity(items.len());
        for it in items {
            match checked(it) {
                Ok(v) => valid.push(v),
                Err(why) => applied
                    .rejected
                    .push(format!("{}: {why}", ExpenseId(it.id))),
            }
        }
        let budgets = self.budget_categories()?;
        let outcomes = self.transact(|tx| {
            let (seen, _) = clock(tx)?;
            let mut out = Vec::with_capacity(valid.len());
            let mut max = seen;
            for v in &valid {
                max = max.max(v.stamp.hlc);
                out.push(apply_one(tx, v, &budgets, peer, have, now_ms)?);
            }
            if max > seen {
                tx.meta.insert(META_HLC_SEEN, &encode_u64(max)[..])?;
            }
            let key = peer_key(peer);
            let mut state: PeerState = match tx.sync.get(key)? {
                Some(v) => {
                    lift(postcard::from_bytes(&v).map_err(|e| corrupt(SYNC, &key, e.to_string())))?
                }
                None => PeerState::default(),
            };
            state.received_upto = state.received_upto.max(upto);
            state.received += out.iter().filter(|o| **o != Outcome::Skipped).count() as u64;
            state.conflicts += out.iter().filter(|o| **o == Outcome::Conflict).count() as u64;
            let bytes = postcard::to_stdvec(&state)
                .map_err(|e| StoreError::Sled(format!("cannot encode peer state: {e}")));
            tx.sync.insert(&peer_key(peer)[..], lift(bytes)?)?;
            Ok(out)
        })?;
        for o in outcomes {
            match o {
                Outcome::Skipped => applied.skipped += 1,
                Outcome::Applied => applied.applied += 1,
                Outcome::Conflict => {
                    applied.applied += 1;
                    applied.conflicts += 1;
                }
            }
        }
        Ok(applied)
    }
}

/// Where a store's folder is: `dev ++ inode`.
fn home_of(path: &Path) -> Option<[u8; 16]> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    let mut h = [0u8; 16];
    h[..8].copy_from_slice(&m.dev().to_be_bytes());
    h[8..].copy_from_slice(&m.ino().to_be_bytes());
    Some(h)
}
