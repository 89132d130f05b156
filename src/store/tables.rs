//! The schema: every sled tree with its key and value layout, who writes it, and the code that
//! keeps the derived trees in step with `items`. Rule: `items` and `stream` are the truth; indexes,
//! aggregates and counters are derived from them, written in the same transaction as the item
//! (see [`Tx::write`]), and [`verify`] recomputes them from scratch to prove it.
//!
//! All trees are written only by `Store` write methods (put, update, delete, undo, put_batch,
//! import, undo_batch, undo_step, redo_step, trash, restore, purge, sweep_trash), each as one
//! sled transaction over all trees below, flushed before it returns. Exceptions, on a store
//! nobody else sees: `restore_snapshot` fills a blank store with plain inserts under the `meta`
//! `restore_incomplete` marker (`store/restore.rs`; over the live store it is built beside it
//! and swapped in whole, `store/swap.rs`). `trim_stream`
//! (`store/retention.rs`) writes only `stream`, `stream_base` and its `meta` keys, one flushed
//! transaction per chunk.

use super::budget::BUDGET_KIND;
use super::chain::{next_hash, Hash, ZERO};
use super::codec::{
    decode_item, decode_payee, decode_u64, encode_item, encode_payee, encode_projection,
    encode_record, encode_u64, Agg, DateProjection, PayeeCount, StoredItem, StoredRecord,
};
use super::codec::{Code, TRASH_MOVE, TRASH_REMOVE};
use super::error::{corrupt, StoreError};
use super::keys::{
    self, count_key, date_key, id_key, seq_key, COUNT_CATEGORY, COUNT_PAYEE, COUNT_TAG,
};
use super::pointer;
use super::schedule::SCHEDULE_KIND;
use crate::domain::ExpenseId;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use std::collections::BTreeMap;

/// The trash time-to-live of undo/redo removals until the holder sets the configured one (the
/// config's default, 30 days).
pub(super) const DEFAULT_TRASH_TTL_MS: i64 = 30 * 86_400_000;

/// Version of the layout below; bumped (with a numbered migration in `store/migrate.rs`, which
/// `Store::open` runs) whenever it changes.
/// 2 added `agg_month-1` and `budgets-1`. A version-1 store is valid as it is (no budgets, month
/// aggregates not kept until `Store::use_month_start_day` builds them); open records the new
/// version, so a version-1 build, which would not keep `agg_month` in step, refuses it
/// (`migration_002_month_aggregates`).
/// 3 projects kind, currency, amount and payee into `idx_date` values (empty before); a store
/// of an older version gets them at open (one pass over `items`), and a version-2 build, which
/// would write empty values, refuses it (`migration_003_date_index_projection`).
/// 4 adds the category to that projection and drops `idx_category-1` and `idx_payee-1` (see
/// `IDX_DATE` for why); older stores are re-projected and lose the two trees at open
/// (`migration_003_date_index_projection`, `migration_004_drop_category_and_payee_indexes`).
/// 5 stores a move to the trash and the REMOVE that ends a trashed item under their own event
/// codes (`codec::TRASH_MOVE`, `codec::TRASH_REMOVE`), so the stream shows one REMOVE per item
/// (`store/stream.rs`); an older store's moves are listed in `meta` `legacy_trash`
/// (`migration_007_trash_moves`), and a version-4 build, which would read the new codes as
/// corrupt, refuses it.
/// 6 adds records a version-5 build cannot read: origin codes 9 (`rename`) and 10 (`schedule`),
/// and schedule items (kind `schedule::SCHEDULE_KIND`, table `schedules-1`). Nothing to migrate:
/// a version-5 store is a valid version-6 store; open records the new version, so a version-5
/// build refuses the store ("made by a newer version") instead of failing on the first such
/// record mid-read.
/// 7 writes `items` values, the images kept beside them and stream records in compact forms
/// (`codec/compact.rs`: a marker byte no older value starts with, times and seqs counted from
/// the record's, ids as 16 bytes), 17-25 bytes fewer per expense. Nothing to migrate: the
/// plain values of a version-6 store are still read, and the stream's running hash covers each
/// record's stored bytes, so the records written before keep theirs; a version-6 build refuses
/// the store instead of reading compact values as damage.
/// 8 writes an `items` value as a pointer to the stream record that holds the image
/// (`store/pointer.rs`), 44-48 bytes fewer per expense. Nothing to migrate: a value that holds
/// the image is still read; a version-7 build refuses the store instead of reading pointers as
/// damage.
pub const SCHEMA_VERSION: u32 = 8;

/// `items`. Key: id (16 bytes BE). Value since schema 8: a pointer to the stream record whose new
/// image is the expense (`store/pointer.rs`: `0x02 ++ seq` varint; once that record is trimmed,
/// the id's `stream_base` row holds the image). Before: `codec::StoredItem` (the expense without
/// its id, plus `last_seq`, the seq of the change record that wrote this image), in its compact
/// form in schema 7 (`codec::encode_item`), postcard of the struct before; both still read. The
/// images kept in `schedules`, `stream_base`, `trash` and `sync` are `StoredItem`s in the
/// compact form.
pub const ITEMS: &str = "items-1";
/// `idx_date`. Key: `yyyymmdd u32 BE ++ id`. Value: postcard of `codec::DateProjection` (kind,
/// currency, amount, payee, category). A month is one range scan, and what the screens ask of a
/// month beyond its aggregates reads only it: top payees and largest expenses, and the ledger of
/// one category (its ids, then the items).
///
/// Deviation from DESIGN.md, which lists secondary indexes by category and payee: schema 1-3
/// kept `idx_category-1` (`u16 len ++ category ++ date ++ id`) and `idx_payee-1` (the same by
/// payee). Nothing ever queried the payee index, and the category index served only the ledger of
/// one category in one month, which the month's date entries answer as well (a month is
/// thousands of entries). Each cost a sled entry per expense on every write, in every
/// `expense check` (1.4 s and 1.8 s of single-core scanning at 1M) and in every open (sled
/// rebuilds a page table that grows with the entries; leaves split at 16). Schema 4 dropped them.
pub const IDX_DATE: &str = "idx_date-1";
/// The dropped category index of schema 1-3 (see [`IDX_DATE`]); removed at open.
pub const OLD_IDX_CATEGORY: &str = "idx_category-1";
/// The dropped payee index of schema 1-3 (see [`IDX_DATE`]); removed at open.
pub const OLD_IDX_PAYEE: &str = "idx_payee-1";
/// `stream`. Key: seq u64 BE, 1, 2, 3... without gaps. Value: `codec::StoredRecord` in its
/// compact form since schema 7 (`codec::encode_record`; records written before are postcard of
/// the struct and keep those bytes, which the running hash covers)
/// (event, at, origin, id, prev_seq, new image; the old image is the new image at `prev_seq`, or
/// for a `ttl` REMOVE after the REMOVE that trashed the item, the image that one removed;
/// origin codes: 0 user, 1 import, 2 undo, 3 ttl, 4 replica, 5 demo, 6 redo, 7 restore,
/// 8 migration, 9 rename, see `Origin::code`),
/// then, only for records of a batch (an import, a category rename, a batch undo or redo), the
/// batch id as a postcard varint (the
/// seq of the batch's first record). Records without a batch end after the image, so stores
/// written before batches existed read unchanged (no migration).
pub const STREAM: &str = "stream-1";
/// `agg_day`. Key: `yyyymmdd u32 BE ++ currency (3) ++ kind u8 ++ category (rest)`. Value: 16
/// bytes, `sum i64 BE` of minor units and `count u64 BE`. Removed when the count reaches 0. Day
/// granularity, so months with any start day are a range scan.
pub const AGG_DAY: &str = "agg_day-1";
/// `agg_month`. Key: `yyyymm u32 BE ++ currency (3) ++ kind u8 ++ category (rest)`, where
/// `yyyymm` names the budgeting month under the start day in `meta` `month_start_day` (with 25,
/// 202611 holds Nov 25 - Dec 24). Value: as `agg_day`. Maintained (in the same transaction as
/// the item) only while `meta` holds a start day; `Store::use_month_start_day` rebuilds it from
/// `agg_day` when the configured day changes. Why it exists (measured, 1M demo expenses,
/// `benches/core.rs`): the review reads 13 months besides its own (trend, last month, a year
/// ago). From `agg_day` that is ~4,800 rows and the whole review takes 2.9 ms (4-12 ms with a
/// cold cache); from here ~400 rows and 0.4 ms, inside the 1 ms goal. The month's own days (for
/// its chart) still come from `agg_day`, ~380 rows. A store whose `meta` has another start day
/// (or none) gets the same numbers from `agg_day` (`Store::for_each_month_agg`).
pub const AGG_MONTH: &str = "agg_month-1";
/// `counts`. Key `b'c' ++ category` -> u64 BE items using it (non-empty categories only). Key
/// `b'p' ++ payee` -> postcard `codec::PayeeCount` (count, category it was last written with). Key
/// `b't' ++ tag` -> u64 BE items carrying the tag.
/// Removed when the count reaches 0.
pub const COUNTS: &str = "counts-1";
/// `imports`. Key: 16-byte row hash of an imported CSV row (see `domain::import::row_hash`).
/// Value: seq u64 BE of the INSERT record that imported it, or 0 for a row a restore brought
/// back (`Store::restore_snapshot` does not keep the importing record). Written by `Store::import` in the
/// same transaction as the item; removed only by `Store::undo_batch` (an undone import can be
/// imported again), not by a delete, so a row a person deleted does not come back with the next
/// overlapping bank file.
pub const IMPORTS: &str = "imports-1";
/// `budgets`. Key: the category path (whole key). Value: `currency (3) ++ amount i64 BE ++
/// version u64 BE ++ last_seq u64 BE ++ created i64 BE ++ updated i64 BE`, the monthly limit in
/// minor units and the bookkeeping of the budget item's last record (schema 5: budgets are
/// items in the stream, see `store/budget.rs`; older stores held the first 11 bytes). Written
/// by `Tx::write` with the budget's record, like `items` for expenses.
pub const BUDGETS: &str = "budgets-1";
/// `schedules`. Key: the schedule's id (16 bytes BE, top 16 bits `0xFFFE`, see
/// `store/schedule.rs`). Value: postcard of `codec::StoredItem`, the schedule's image as its last
/// record wrote it (kind `schedule::SCHEDULE_KIND`; the rule and how far it was handled ride in
/// its last tag). Written by `Tx::write` with the schedule's record, like `items` for expenses.
/// New without a schema bump: the tree is created empty on open, and an older build never sees
/// a schedule record unless schedules were made (it then reads their images as corrupt, `bad
/// kind`, and refuses rather than guesses).
pub const SCHEDULES: &str = "schedules-1";
/// `triggers`: state of the user triggers (see `store/checkpoints.rs`). Key `b's' ++ name` ->
/// postcard `TriggerState` (checkpoint seq, retry state, counters). Key `b'd' ++ name ++ 0 ++ seq
/// u64 BE` -> postcard `DeadLetter`. Not derived from items, not in the stream; each change is
/// flushed. Trigger names are `[A-Za-z0-9_-]+`, so the 0 byte ends a name.
pub const TRIGGERS: &str = "triggers-1";
/// `trash`. Deleted expenses waiting for their time-to-live (see `store/trash.rs`). Key
/// `b'r' ++ id (16)` -> postcard `trash::TrashRow` (the deleted image, deleted_at ms, expires_at
/// ms, seq of the REMOVE that put it here); key `b'x' ++ expires_at (u64 BE of the ms with the
/// sign bit flipped) ++ id` -> empty, the expiry index the sweeper range-scans. Written by
/// `Store::trash` / `restore` / `purge` / `sweep_trash` and by `Store::undo` of a delete, in the
/// same transaction as the stream record. New in schema 2 stores without a bump: the tree is
/// created empty on open and an older build simply never trashes.
pub const TRASH: &str = "trash-1";
/// `meta`. Key `schema_version` -> u32 BE. Key `seq` -> u64 BE, the last stream seq (read and
/// bumped inside each write transaction, which keeps seqs gap-free). Key `stream_hash` -> the
/// 32-byte running hash of the stream after `seq` (compared with the `<store>.hwm` file at
/// open, see `store/mark.rs`). Key `restore_incomplete` -> empty, only while a restore runs (see
/// `store/restore.rs`). Keys `import_incomplete ++ batch` and `import_rolled_back ++ batch`: an
/// import that is not whole yet, and the rollback of one (see [`META_IMPORT_INCOMPLETE`]); keys
/// `rename_incomplete ++ batch`: a category rename that is not whole yet
/// ([`META_RENAME_INCOMPLETE`]); keys `history_fold ++ seq`: runs of records the history shows
/// as one line ([`META_HISTORY_FOLD`]).
/// Unversioned: it says which version the others are.
pub const META: &str = "meta";

/// `meta` key of the schema version.
pub const META_SCHEMA: &[u8] = b"schema_version";
/// `meta` key of the start day `agg_month` is kept for (u32 BE; absent: not maintained).
pub const META_START_DAY: &[u8] = b"month_start_day";
/// `meta` key of the last seq.
pub const META_SEQ: &[u8] = b"seq";
/// `meta` key set (empty value) while `Store::restore_snapshot` fills a blank store outside
/// transactions (see `store/restore.rs`); a store that holds it at open is refused.
pub const META_RESTORING: &[u8] = b"restore_incomplete";
/// `meta` key of the running stream hash after the last seq (32 bytes, see `store/mark.rs`),
/// written in the same transaction as each record; absent in stores never written since marks
/// exist (the chain then starts from 32 zero bytes).
pub const META_HASH: &[u8] = b"stream_hash";

/// `meta` key prefix of an import whose chunks are not all written yet: the prefix ++ its batch
/// id (u64 BE) -> `expected rows u64 BE ++ written rows u64 BE`. Written by `Store::import` in
/// the transaction of each chunk but the last, removed in the transaction of the last (an import
/// of one chunk never writes it). A store that holds one at open was interrupted mid-import (a
/// kill, a crash, a failed chunk): open takes the written rows back and says so (see
/// `store/import.rs`). Several can exist at once: a holder runs other sessions' imports
/// alongside its own.
pub const META_IMPORT_INCOMPLETE: &[u8] = b"import_incomplete";
/// `meta` key prefix of the undo batch that took back an interrupted import: the prefix ++ the
/// undo batch id (u64 BE) -> the import's batch id (u64 BE). Written in the transaction of the
/// rollback's last chunk, together with the removal of the import's `import_incomplete` key;
/// `Store::redo_step` never redoes such a batch (that would bring back part of an import).
/// Both prefixes are cleared with the stream by a restore over the live store. The rollback of
/// an interrupted category rename is recorded under the same prefix, for the same reason.
pub const META_IMPORT_ROLLED_BACK: &[u8] = b"import_rolled_back";
/// `meta` key prefix of a category rename whose chunks are not all written yet: the prefix ++
/// its batch id (u64 BE) -> `codec::encode_note(expenses expected, expenses written, note)`.
/// Written by `Store::rename_category` in the transaction of each chunk but the last, removed in
/// the transaction of the last, like [`META_IMPORT_INCOMPLETE`]; a store that holds one at open
/// was interrupted mid-rename, and open takes the written part back and says so (see
/// `store/rename.rs`).
pub const META_RENAME_INCOMPLETE: &[u8] = b"rename_incomplete";
/// `meta` key prefix of a removed budget: the prefix ++ its category -> the seq (u64 BE) of the
/// record that removed it. Written by [`Tx::write`] with a budget's REMOVE and removed with the
/// record that sets the budget again, which names that seq as its `prev_seq` (a transaction
/// cannot scan the stream for the budget's last record, and `check` wants every record of an
/// item chained to the one before). Budgets removed before this key existed have none: setting
/// one of those again starts a new chain, which `check` reports.
pub const META_BUDGET_REMOVED: &[u8] = b"budget_removed";
/// `meta` key prefix of a recurring expense's occurrence that left the store for good (an
/// undo of its posting, its purge or expiry from the trash): the prefix ++ its id (16) -> the
/// seq (u64 BE) of that REMOVE. Written by [`Tx::write`] with the REMOVE and removed when the
/// occurrence is posted again, whose INSERT follows that REMOVE (`prev_seq`) as a budget's does
/// (see [`META_BUDGET_REMOVED`]). Only occurrence ids (`schedule::occurrence_id`) have one.
pub const META_OCCURRENCE_REMOVED: &[u8] = b"occurrence_removed";
/// `meta` key prefix of a history fold: the prefix ++ its first seq (u64 BE) ->
/// `codec::encode_note(last seq, 0, note)`: records `first..=last` are one batch of a category
/// rename (or of its undo or redo), which the history shows as one line (see `store/fold.rs`).
/// Written in the same transaction as the records; never removed (a fold of trimmed records
/// is clamped when read; a restore starts a store without any).
pub const META_HISTORY_FOLD: &[u8] = b"history_fold";

/// `stream_base`: what the trimmed part of the stream leaves behind (see `store/retention.rs`),
/// written only by `Store::trim_stream`, in the same transaction as the records it removes.
/// Key `id (16)` -> postcard `codec::StoredItem`: the item as a replay of the trimmed records
/// (`1 ..= stream_start - 1`) leaves it (its `last_seq` names the record that wrote it). Key
/// `id (16) ++ 0x00` -> `seq u64 BE ++ postcard StoredItem`: for an id whose last trimmed record
/// is a REMOVE, that REMOVE's seq and the image it removed (the old image of a later `ttl`
/// REMOVE, which looks through it). Empty while nothing was trimmed.
pub const STREAM_BASE: &str = "stream_base-1";
/// `meta` key of the first kept stream seq (u64 BE; absent: 1, nothing trimmed).
pub const META_STREAM_START: &[u8] = b"stream_start";
/// `meta` key of the running stream hash after the last trimmed record (32 bytes; absent: 32
/// zero bytes). `check --stream` starts its chain from it.
pub const META_BASE_HASH: &[u8] = b"stream_base_hash";
/// `meta` key of the `at` (i64 BE, Unix ms) of the last trimmed record: the earliest time a
/// point-in-time restore can rebuild.
pub const META_BASE_AT: &[u8] = b"stream_base_at";

/// `meta` key of the stream's label (UTF-8, `YYYY-MM-DDTHH:MM:SS.mmm` UTC, like DynamoDB's
/// StreamLabel): written when the store is created (or first opened by a version that has
/// labels, `migrate.rs`), and anew by every restore, so sequence numbers are read together with
/// the stream they belong to.
pub const META_STREAM_LABEL: &[u8] = b"stream_label";

/// `meta` key of the moves to the trash that a store written before schema 5 stored as plain
/// REMOVE records: `seq u64 BE ++ expires_at i64 BE` per move, in seq order, written by
/// `migration_007_trash_moves` and read by `store/stream.rs`, which shows them as moves (a
/// MODIFY with the trash mark). Absent in stores created at schema 5 or later; cleared with the
/// stream by a restore over the live store.
pub const META_LEGACY_TRASH: &[u8] = b"legacy_trash";

/// `sync`: what replication between devices keeps (see `store/sync.rs`). Key `b's' ++ id (16)`
/// -> `hlc u64 BE ++ replica u128 BE ++ seq u64 BE`: the stamp (hybrid logical clock time and
/// replica) of the item's last write and the seq of its last record, written by [`Tx::write`]
/// for every removal (a tombstone, kept for good) and for every write whose stamp is not implied
/// by the image (a live item without an entry has the stamp `updated << 16` of this replica).
/// Key `b'p' ++ replica (16)` -> postcard `sync::PeerState` (how far each side has seen the
/// other). Key `b'c' ++ seq u64 BE` -> postcard `sync::Conflict`: record `seq`, applied from a
/// peer, overwrote a local change the peer had not seen. New without a schema bump: the tree is
/// created empty on open, and an older build never reads it.
pub const SYNC: &str = "sync-1";
/// `meta` key of this store's replica id (16 bytes, random), written when the store is first
/// opened by a version that syncs; a restore makes a new store, so a new id.
pub const META_REPLICA: &[u8] = b"replica_id";
/// `meta` key of where the replica id was made: `dev u64 BE ++ inode u64 BE` of the store's
/// folder. A store found elsewhere (`cp -r`) is a copy and must take a new id before it syncs.
pub const META_REPLICA_HOME: &[u8] = b"replica_home";
/// `meta` key of the newest hybrid logical clock time this store has received from a peer (u64
/// BE): every later local write is stamped after it.
pub const META_HLC_SEEN: &[u8] = b"hlc_seen";

/// Handles to every tree (cheap clones: sled trees are `Arc`s).
#[derive(Debug, Clone)]
pub(crate) struct Trees {
    pub items: sled::Tree,
    pub idx_date: sled::Tree,
    pub stream: sled::Tree,
    pub agg_day: sled::Tree,
    pub agg_month: sled::Tree,
    pub counts: sled::Tree,
    pub imports: sled::Tree,
    pub meta: sled::Tree,
    pub budgets: sled::Tree,
    /// `schedules-1` (see `store/schedule.rs`).
    pub schedules: sled::Tree,
    pub trash: sled::Tree,
    /// `stream_base-1` (see `store/retention.rs`).
    pub stream_base: sled::Tree,
    /// `triggers-1` (see `store/checkpoints.rs`).
    pub triggers: sled::Tree,
    /// `sync-1` (see `store/sync.rs`).
    pub sync: sled::Tree,
}

impl Trees {
    /// Opens (creating) every tree.
    pub fn open(db: &sled::Db) -> Result<Trees, StoreError> {
        Ok(Trees {
            items: db.open_tree(ITEMS)?,
            idx_date: db.open_tree(IDX_DATE)?,
            stream: db.open_tree(STREAM)?,
            agg_day: db.open_tree(AGG_DAY)?,
            agg_month: db.open_tree(AGG_MONTH)?,
            counts: db.open_tree(COUNTS)?,
            imports: db.open_tree(IMPORTS)?,
            meta: db.open_tree(META)?,
            budgets: db.open_tree(BUDGETS)?,
            schedules: db.open_tree(SCHEDULES)?,
            trash: db.open_tree(TRASH)?,
            stream_base: db.open_tree(STREAM_BASE)?,
            triggers: db.open_tree(TRIGGERS)?,
            sync: db.open_tree(SYNC)?,
        })
    }

    /// Every tree that holds data of this store (all but `meta`): what a restore over the live
    /// store clears, and what a blank store has empty.
    pub fn data(&self) -> [&sled::Tree; 13] {
        [
            &self.items,
            &self.idx_date,
            &self.stream,
            &self.agg_day,
            &self.agg_month,
            &self.counts,
            &self.imports,
            &self.budgets,
            &self.schedules,
            &self.trash,
            &self.stream_base,
            &self.triggers,
            &self.sync,
        ]
    }

    /// The running stream hash in `meta` (zeros when never written).
    pub fn stream_hash(&self) -> Result<Hash, StoreError> {
        match self.meta.get(META_HASH)? {
            Some(v) => super::codec::decode_hash(META, META_HASH, &v),
            None => Ok(ZERO),
        }
    }

    /// The first kept stream seq (1 while nothing was trimmed).
    pub fn stream_start(&self) -> Result<u64, StoreError> {
        match self.meta.get(META_STREAM_START)? {
            Some(v) => decode_u64(META, META_STREAM_START, &v),
            None => Ok(1),
        }
    }

    /// The last seq in `meta` (0 for a new store).
    pub fn last_seq(&self) -> Result<u64, StoreError> {
        match self.meta.get(META_SEQ)? {
            Some(v) => decode_u64(META, META_SEQ, &v),
            None => Ok(0),
        }
    }
}

/// Why a write transaction stopped: a store error to report, or "the world moved, run again".
#[derive(Debug)]
pub(crate) enum Abort {
    Store(StoreError),
    Retry,
}

impl From<StoreError> for Abort {
    fn from(e: StoreError) -> Self {
        Abort::Store(e)
    }
}

/// Result type of code inside a write transaction.
pub(crate) type TxResult<T> = Result<T, ConflictableTransactionError<Abort>>;

/// Aborts the transaction with `e`.
pub(crate) fn abort<T>(e: impl Into<Abort>) -> TxResult<T> {
    Err(ConflictableTransactionError::Abort(e.into()))
}

fn lift<T>(r: Result<T, StoreError>) -> TxResult<T> {
    r.map_err(|e| ConflictableTransactionError::Abort(Abort::Store(e)))
}

/// One change to write: the item `id` goes from `old` to `new` as stream record `seq`.
pub(crate) struct Change<'a> {
    pub id: ExpenseId,
    pub seq: u64,
    pub event: super::Event,
    pub origin: super::Origin,
    pub at: i64,
    pub prev_seq: Option<u64>,
    /// The import or batch undo this change belongs to.
    pub batch: Option<u64>,
    pub old: Option<&'a StoredItem>,
    pub new: Option<&'a StoredItem>,
    /// How a REMOVE relates to the trash (ignored for INSERT and MODIFY).
    pub trashing: Trashing,
}

/// How a removal relates to the trash, which decides its stored event code (see
/// `codec::TRASH_MOVE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Trashing {
    /// A plain REMOVE (no trash: a delete with a time-to-live of 0, an import taken back).
    #[default]
    No,
    /// The item moves into the trash until `expires` (Unix ms): a `TRASH_MOVE`.
    Into {
        /// When it expires.
        expires: i64,
    },
    /// The trashed item goes for good: a `TRASH_REMOVE`.
    OutForGood,
}

/// The transactional views of every tree, inside one write transaction.
pub(crate) struct Tx<'a> {
    pub items: &'a TransactionalTree,
    pub idx_date: &'a TransactionalTree,
    pub stream: &'a TransactionalTree,
    pub agg_day: &'a TransactionalTree,
    pub agg_month: &'a TransactionalTree,
    pub counts: &'a TransactionalTree,
    pub imports: &'a TransactionalTree,
    pub meta: &'a TransactionalTree,
    /// `trash-1` (see `store/trash.rs`).
    pub trash: &'a TransactionalTree,
    /// `budgets-1` (see `store/budget.rs`).
    pub budgets: &'a TransactionalTree,
    /// `schedules-1` (see `store/schedule.rs`).
    pub schedules: &'a TransactionalTree,
    /// `sync-1` (see `store/sync.rs`).
    pub sync: &'a TransactionalTree,
    /// `stream_base-1`, read only here: the image an `items` pointer names once its record was
    /// trimmed (`store/pointer.rs`). In the transaction because sled blocks a plain read inside
    /// one (its concurrency control), and so that a trim cannot move an image under it.
    pub stream_base: &'a TransactionalTree,
    /// The stamp of the peer's write being applied (`store/sync.rs`); `None` for a local write,
    /// which [`Tx::write`] stamps from the clock.
    pub remote: std::cell::Cell<Option<super::sync::Stamp>>,
    /// `meta` `hlc_seen` and the replica id, read once per transaction.
    pub clock: std::cell::Cell<Option<(u64, u128)>>,
    /// Aggregate and counter changes, applied at the end of the transaction.
    pub deltas: std::cell::RefCell<Deltas>,
    /// The last seq this transaction wrote and the running hash after it.
    pub chain: std::cell::Cell<Option<(u64, Hash)>>,
}

impl Tx<'_> {
    /// The stored item `id`, if any.
    pub fn current(&self, id: ExpenseId) -> TxResult<Option<StoredItem>> {
        let key = id_key(id);
        let Some(v) = self.items.get(key)? else {
            return Ok(None);
        };
        match lift(pointer::pointer_seq(&key, &v))? {
            None => lift(decode_item(ITEMS, &key, &v)).map(Some),
            Some(seq) => {
                let rec = self.stream.get(seq_key(seq))?;
                let base = match rec {
                    Some(_) => None,
                    None => self.stream_base.get(key)?,
                };
                lift(pointer::pointed_image(
                    &key,
                    id,
                    seq,
                    rec.as_deref(),
                    || base.map(|v| decode_item(STREAM_BASE, &key, &v)).transpose(),
                ))
                .map(Some)
            }
        }
    }

    /// The last seq as seen by this transaction (including its own writes).
    pub fn last_seq(&self) -> TxResult<u64> {
        match self.meta.get(META_SEQ)? {
            Some(v) => lift(decode_u64(META, META_SEQ, &v)),
            None => Ok(0),
        }
    }

    /// The seq the next record gets.
    pub fn next_seq(&self) -> TxResult<u64> {
        match self.last_seq()?.checked_add(1) {
            Some(s) => Ok(s),
            None => abort(StoreError::Overflow("the change sequence number".into())),
        }
    }

    /// Writes one change: the item, index deltas, aggregate deltas, counter deltas, the stream
    /// record and the new last seq. Point reads and writes only (sled transactions cannot scan).
    pub fn write(&self, c: &Change<'_>) -> TxResult<StoredRecord> {
        let ikey = id_key(c.id);
        let budget = c.new.or(c.old).filter(|i| i.kind == BUDGET_KIND);
        let schedule = c.new.or(c.old).is_some_and(|i| i.kind == SCHEDULE_KIND);
        if schedule {
            // A schedule item: its table is `schedules-1`; no index, aggregate or counter.
            match c.new {
                Some(new) => {
                    self.schedules.insert(&ikey[..], lift(encode_item(new))?)?;
                }
                None => {
                    self.schedules.remove(&ikey[..])?;
                }
            }
        } else if let Some(b) = budget {
            // A budget item: its table is `budgets-1`; it has no index, aggregate or counter.
            let gone = [META_BUDGET_REMOVED, b.category.as_bytes()].concat();
            match c.new {
                Some(new) => {
                    self.budgets
                        .insert(b.category.as_bytes(), super::budget::encode_value(new))?;
                    self.meta.remove(gone)?;
                }
                None => {
                    self.budgets.remove(b.category.as_bytes())?;
                    self.meta.insert(gone, &encode_u64(c.seq)[..])?;
                }
            }
        } else {
            if let Some(old) = c.old {
                self.unindex(c.id, old)?;
            }
            match c.new {
                Some(new) => {
                    self.index(c.id, new)?;
                    // The image itself is the stream record's, written below (`store/pointer.rs`).
                    debug_assert_eq!(
                        new.last_seq, c.seq,
                        "an image names the record that wrote it"
                    );
                    self.items
                        .insert(&ikey[..], lift(pointer::encode_pointer(c.seq))?)?;
                }
                None => {
                    self.items.remove(&ikey[..])?;
                }
            }
            if super::schedule::is_occurrence_id(c.id.0) {
                // Gone for good: the next posting of the occurrence chains to this record.
                let gone = [META_OCCURRENCE_REMOVED, &ikey[..]].concat();
                match (c.new, c.trashing) {
                    (None, Trashing::No | Trashing::OutForGood) => {
                        self.meta.insert(gone, &encode_u64(c.seq)[..])?;
                    }
                    _ => {
                        self.meta.remove(gone)?;
                    }
                }
            }
        }
        let (event, expires) = match (c.event, c.trashing) {
            (super::Event::Remove, Trashing::Into { expires }) => (TRASH_MOVE, Some(expires)),
            (super::Event::Remove, Trashing::OutForGood) => (TRASH_REMOVE, None),
            (e, _) => (e.code(), None),
        };
        let rec = StoredRecord {
            event,
            at: c.at,
            origin: c.origin.code(),
            id: c.id.0,
            prev_seq: c.prev_seq,
            new: c.new.cloned(),
            batch: c.batch,
            expires,
        };
        let bytes = lift(encode_record(&rec, c.seq))?;
        let prev = match self.chain.get() {
            Some((_, h)) => h,
            None => match self.meta.get(META_HASH)? {
                Some(v) => lift(super::codec::decode_hash(META, META_HASH, &v))?,
                None => ZERO,
            },
        };
        super::sync::stamp(self, c)?;
        let hash = next_hash(&prev, c.seq, &bytes);
        self.stream.insert(&seq_key(c.seq)[..], bytes)?;
        self.meta.insert(META_SEQ, &encode_u64(c.seq)[..])?;
        self.meta.insert(META_HASH, &hash[..])?;
        self.chain.set(Some((c.seq, hash)));
        Ok(rec)
    }

    fn index(&self, id: ExpenseId, item: &StoredItem) -> TxResult<()> {
        let projection = lift(encode_projection(&DateProjection::of(item)))?;
        self.idx_date
            .insert(&date_key(item.date, id)[..], projection)?;
        self.add_agg(item, true)?;
        if !item.category.is_empty() {
            self.add_count(count_key(COUNT_CATEGORY, &item.category), true)?;
        }
        if !item.payee.is_empty() {
            self.add_payee(&item.payee, &item.category, true)?;
        }
        for tag in distinct_tags(item) {
            self.add_count(count_key(COUNT_TAG, tag), true)?;
        }
        Ok(())
    }

    fn unindex(&self, id: ExpenseId, item: &StoredItem) -> TxResult<()> {
        self.idx_date.remove(&date_key(item.date, id)[..])?;
        self.add_agg(item, false)?;
        if !item.category.is_empty() {
            self.add_count(count_key(COUNT_CATEGORY, &item.category), false)?;
        }
        if !item.payee.is_empty() {
            self.add_payee(&item.payee, &item.category, false)?;
        }
        for tag in distinct_tags(item) {
            self.add_count(count_key(COUNT_TAG, tag), false)?;
        }
        Ok(())
    }

    /// The start day `agg_month` is kept for, read once per transaction.
    fn start_day(&self) -> TxResult<Option<u32>> {
        if let Some(sd) = self.deltas.borrow().start_day {
            return Ok(sd);
        }
        let sd = match self.meta.get(META_START_DAY)? {
            Some(v) => Some(lift(super::codec::decode_u32(META, META_START_DAY, &v))?),
            None => None,
        };
        self.deltas.borrow_mut().start_day = Some(sd);
        Ok(sd)
    }

    fn add_agg(&self, item: &StoredItem, add: bool) -> TxResult<()> {
        if let Some(sd) = self.start_day()? {
            let key = keys::agg_key(
                keys::month_u32(item.date, sd),
                item.currency,
                item.kind,
                &item.category,
            );
            let mut d = self.deltas.borrow_mut();
            let e = d.agg_month.entry(key).or_insert_with(|| AggDelta {
                sum: 0,
                count: 0,
                what: format!("the month total of '{}'", item.category),
            });
            e.sum += if add { 1 } else { -1 } * i128::from(item.amount);
            e.count += if add { 1 } else { -1 };
        }
        let mut d = self.deltas.borrow_mut();
        let e = d.agg.entry(agg_key(item)).or_insert_with(|| AggDelta {
            sum: 0,
            count: 0,
            what: format!(
                "the total of '{}' on {} in {}",
                item.category,
                item.date,
                String::from_utf8_lossy(&item.currency)
            ),
        });
        let sign = if add { 1 } else { -1 };
        e.sum += sign * i128::from(item.amount);
        e.count += if add { 1 } else { -1 };
        Ok(())
    }

    fn add_count(&self, key: Vec<u8>, add: bool) -> TxResult<()> {
        *self.deltas.borrow_mut().counts.entry(key).or_default() += if add { 1 } else { -1 };
        Ok(())
    }

    fn add_payee(&self, payee: &str, category: &str, add: bool) -> TxResult<()> {
        let mut d = self.deltas.borrow_mut();
        let e = d.payees.entry(count_key(COUNT_PAYEE, payee)).or_default();
        e.0 += if add { 1 } else { -1 };
        if add {
            e.1 = Some(category.to_string());
        }
        Ok(())
    }

    /// Writes the aggregate and counter deltas gathered by this transaction's changes: one read
    /// and one write per distinct key, however many items the transaction wrote (a batch of
    /// 10,000 expenses touches a few hundred aggregate rows, not 10,000).
    pub fn apply_deltas(&self) -> TxResult<()> {
        let d = std::mem::take(&mut *self.deltas.borrow_mut());
        let aggs = d
            .agg
            .into_iter()
            .map(|kv| (self.agg_day, AGG_DAY, kv))
            .chain(
                d.agg_month
                    .into_iter()
                    .map(|kv| (self.agg_month, AGG_MONTH, kv)),
            );
        for (tree, name, (key, delta)) in aggs {
            let cur = match tree.get(&key)? {
                Some(v) => lift(Agg::decode(name, &key, &v))?,
                None => Agg::default(),
            };
            let sum = i128::from(cur.sum) + delta.sum;
            let count = i128::from(cur.count) + i128::from(delta.count);
            if count < 0 || (count == 0 && sum != 0) {
                return abort(corrupt(
                    name,
                    &key,
                    "aggregate is missing for a stored item",
                ));
            }
            let (Ok(sum), Ok(count)) = (i64::try_from(sum), u64::try_from(count)) else {
                return abort(StoreError::Overflow(delta.what));
            };
            if count == 0 {
                tree.remove(key)?;
            } else {
                tree.insert(key, &Agg { sum, count }.encode()[..])?;
            }
        }
        for (key, delta) in d.counts {
            let cur = match self.counts.get(&key)? {
                Some(v) => lift(decode_u64(COUNTS, &key, &v))?,
                None => 0,
            };
            match i128::from(cur) + i128::from(delta) {
                n if n < 0 => return abort(corrupt(COUNTS, &key, "counter would go below zero")),
                0 => drop(self.counts.remove(key)?),
                n => drop(self.counts.insert(key, &encode_u64(n as u64)[..])?),
            }
        }
        for (key, (delta, added_category)) in d.payees {
            let cur = match self.counts.get(&key)? {
                Some(v) => lift(decode_payee(COUNTS, &key, &v))?,
                None => PayeeCount {
                    count: 0,
                    last_category: String::new(),
                },
            };
            let count = i128::from(cur.count) + i128::from(delta);
            if count < 0 {
                return abort(corrupt(COUNTS, &key, "payee counter would go below zero"));
            }
            if count == 0 {
                self.counts.remove(key)?;
                continue;
            }
            let last_category = added_category.unwrap_or(cur.last_category);
            let v = lift(encode_payee(&PayeeCount {
                count: count as u64,
                last_category,
            }))?;
            self.counts.insert(key, v)?;
        }
        Ok(())
    }
}

/// Pending changes to `agg_day` and `counts`, gathered while a transaction writes items and
/// applied once at its end ([`Tx::apply_deltas`]).
#[derive(Default)]
pub(crate) struct Deltas {
    agg: BTreeMap<Vec<u8>, AggDelta>,
    agg_month: BTreeMap<Vec<u8>, AggDelta>,
    /// `meta` month start day, once read (`Some(None)`: `agg_month` is not maintained).
    start_day: Option<Option<u32>>,
    counts: BTreeMap<Vec<u8>, i64>,
    /// Payee key -> (count delta, category of the last added item).
    payees: BTreeMap<Vec<u8>, (i64, Option<String>)>,
}

struct AggDelta {
    sum: i128,
    count: i64,
    /// Names the total in an overflow message.
    what: String,
}

/// The `agg_day` key an item contributes to.
fn agg_key(item: &StoredItem) -> Vec<u8> {
    keys::agg_key(item.date, item.currency, item.kind, &item.category)
}

/// An item's non-empty tags, each once (a tag counter counts items, not mentions).
pub(crate) fn distinct_tags(item: &StoredItem) -> std::collections::BTreeSet<&str> {
    item.tags
        .iter()
        .map(String::as_str)
        .filter(|t| !t.is_empty())
        .collect()
}
