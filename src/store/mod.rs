//! The store: expenses in sled, DynamoDB-style (typed items, secondary indexes, conditional writes,
//! a change stream with old and new images, materialized daily aggregates). Rule: this is the only
//! module that imports sled, and every write is ONE sled transaction over all trees that is
//! flushed to disk before the method returns `Ok`.
//!
//! Transactions may be retried by sled, so their closures are pure: ids and timestamps are made
//! before them, and callers publish the returned `ChangeRecord` only after commit.

mod aggregates;
pub mod backup;
mod budget;
mod check;
mod checkpoints;
mod codec;
mod error;
mod history;
mod import;
mod keys;
pub mod mark;
mod restore;
mod retention;
mod stream;
mod tables;
mod trash;
pub mod triggers;

pub use crate::domain::change::{BatchUndo, ChangeRecord, ChangeView, Event, Origin, Undone};
pub use crate::domain::trash::Trashed;
pub use aggregates::{AggRow, MonthAggRow, Projected};
pub use budget::Budget;
pub use check::CheckReport;
pub use checkpoints::{DeadLetter, TriggerState};
pub use error::StoreError;
pub use history::{HistoryWindow, ItemHistory};
pub use import::{ImportRow, Imported};
pub use stream::Images;
pub use tables::SCHEMA_VERSION;

use crate::domain::{Currency, Draft, Expense, ExpenseId, Kind};
use chrono::NaiveDate;
use codec::Code;
use codec::{decode_item, decode_payee, decode_u32, decode_u64, Agg, StoredItem};
use error::corrupt;
use keys::{date_key, date_u32, AggKey, COUNT_CATEGORY, COUNT_PAYEE, COUNT_TAG};
use sled::transaction::TransactionError;
use sled::Transactional;
use std::collections::{BTreeMap, HashMap};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tables::{abort, Abort, Change, Trees, Tx, TxResult, ITEMS, META, META_SCHEMA};

/// How long `open` keeps retrying a locked store before reporting `StoreError::Locked`.
const LOCK_GRACE: std::time::Duration = std::time::Duration::from_millis(400);

/// Items written per transaction by [`Store::put_batch`].
const BATCH_CHUNK: usize = 10_000;
/// The trash time-to-live of undo/redo removals until the holder sets the configured one (the
/// config's default, 30 days).
const DEFAULT_TRASH_TTL_MS: i64 = 30 * 86_400_000;
/// sled's page cache. Its default (1 GiB) lets a large store take most of that in RAM; the
/// ledger reads a page at a time, so a small cache costs little and bounds memory.
const CACHE_BYTES: u64 = 32 * 1024 * 1024;

/// Totals over a date range, from `agg_day` only.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    /// Number of items in the range.
    pub count: u64,
    /// One entry per currency, sorted by currency code.
    pub totals: Vec<CurrencyTotal>,
}

/// Totals of one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrencyTotal {
    /// The currency.
    pub currency: Currency,
    /// Sum of expenses, positive minor units.
    pub spent: i64,
    /// Sum of income, positive minor units.
    pub income: i64,
    /// Number of items in this currency.
    pub count: u64,
}

/// A handle to an open store. Clones are cheap and share the same database.
#[derive(Debug, Clone)]
pub struct Store {
    db: sled::Db,
    trees: Trees,
    path: Option<Arc<Path>>,
    /// The high-water mark (`None` for a temporary store).
    mark: Option<Arc<mark::Mark>>,
    /// How long an expense that an undo or redo removes again stays in the trash (ms; 0: no
    /// trash). Shared by clones; the process holding the store sets it from config.
    trash_ttl: Arc<std::sync::atomic::AtomicI64>,
}

impl Store {
    /// Opens (creating) the store in `dir`. Creates `dir` with mode 0700 (and parents as needed),
    /// refuses a dir owned by another uid (`StoreError::Foreign`), sets the process umask to 0o077
    /// before sled creates files, and makes existing files in `dir` 0600 and subdirs 0700. A store
    /// held by another process is `StoreError::Locked`; a file-system failure is `StoreError::Io`
    /// naming the path (a lock is retried for 400 ms first, see `LOCK_GRACE`). Writes or checks the
    /// schema version.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Store::open_waiting(dir, LOCK_GRACE)
    }

    /// [`Store::open`], retrying a locked store for `grace` (zero: one attempt) before reporting
    /// `StoreError::Locked`.
    pub fn open_waiting(dir: &Path, grace: std::time::Duration) -> Result<Store, StoreError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, source }
        };
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io(dir))?;
        let md = std::fs::metadata(dir).map_err(io(dir))?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if md.uid() != me {
            return Err(StoreError::Foreign {
                path: dir.to_path_buf(),
                owner: md.uid(),
            });
        }
        // Files sled creates from now on are owner-only. SAFETY: umask cannot fail; it is
        // process-wide, which is what we want for every file the app writes.
        unsafe { libc::umask(0o077) };
        tighten_dir(dir)?;
        // sled releases its file lock asynchronously after the last handle drops (background IO
        // threads and epoch-deferred frees still hold the file), so a store this process just
        // closed can look locked for a moment: retry briefly before reporting Locked.
        let started = std::time::Instant::now();
        let db = loop {
            match sled::Config::new()
                .path(dir)
                .cache_capacity(CACHE_BYTES)
                // Every write flushes before it returns, so sled's background flusher adds
                // nothing but a wait of up to 500 ms when the handle drops (process exit).
                .flush_every_ms(None)
                .open()
                .map_err(|e| open_error(dir, e))
            {
                Err(StoreError::Locked { .. }) if started.elapsed() < grace => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                r => break r?,
            }
        };
        // Only now, holding sled's lock, walk the files: before it, the holder may be replacing
        // its snapshot files under our feet.
        tighten_files(dir)?;
        Store::from_db(db, Some(Arc::from(dir)))
    }

    /// A store in a temporary location, deleted when the last handle is dropped (tests, demos).
    pub fn open_temporary() -> Result<Store, StoreError> {
        let db = sled::Config::new().temporary(true).open()?;
        Store::from_db(db, None)
    }

    fn from_db(db: sled::Db, path: Option<Arc<Path>>) -> Result<Store, StoreError> {
        let trees = Trees::open(&db)?;
        match trees.meta.get(META_SCHEMA)? {
            Some(v) => {
                let found = decode_u32(META, META_SCHEMA, &v)?;
                if found > SCHEMA_VERSION {
                    return Err(StoreError::SchemaTooNew {
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
                if found < 4 {
                    tables::project_date_index(&db, &trees)?;
                    trees
                        .meta
                        .insert(META_SCHEMA, &SCHEMA_VERSION.to_be_bytes()[..])?;
                    db.flush()?;
                }
            }
            None => {
                trees
                    .meta
                    .insert(META_SCHEMA, &SCHEMA_VERSION.to_be_bytes()[..])?;
                db.flush()?;
            }
        }
        if trees.meta.get(tables::META_RESTORING)?.is_some() {
            let at = path
                .as_deref()
                .map_or("the store".into(), |p| p.display().to_string());
            return Err(StoreError::Invalid(format!(
                "{at} holds a restore that did not finish; delete that directory (and the \
                 .hwm file beside it) and restore again"
            )));
        }
        // A store last written before marks existed gets its chain once, from the whole stream.
        let seq = trees.last_seq()?;
        if seq > 0 && trees.meta.get(tables::META_HASH)?.is_none() {
            let h = mark::chain_of(&trees.stream)?;
            trees.meta.insert(tables::META_HASH, &h[..])?;
            db.flush()?;
        }
        let mark = match &path {
            Some(p) => Some(Arc::new(mark::Mark::open(
                p,
                trees.last_seq()?,
                trees.stream_hash()?,
            )?)),
            None => None,
        };
        Ok(Store {
            db,
            trees,
            path,
            mark,
            trash_ttl: Arc::new(std::sync::atomic::AtomicI64::new(DEFAULT_TRASH_TTL_MS)),
        })
    }

    /// Sets how long an expense that an undo or redo removes again stays in the trash (the
    /// config's `trash_days`; 0: removed at once).
    pub fn set_trash_ttl(&self, ttl_ms: i64) {
        self.trash_ttl
            .store(ttl_ms.max(0), std::sync::atomic::Ordering::Relaxed);
    }

    /// The store directory (`None` for a temporary store).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Stores a new expense with a fresh id, version 1, `created = updated = now_ms`.
    pub fn put(
        &self,
        draft: Draft,
        origin: Origin,
        now_ms: i64,
    ) -> Result<ChangeRecord, StoreError> {
        check_draft(&draft)?;
        let id = ExpenseId::generate();
        self.transact(|tx| insert_new(tx, id, &draft, origin, now_ms))
    }

    /// Conditional update: `StoreError::Conflict` unless the stored version is
    /// `expected_version`. The new version is the old + 1, `updated = now_ms`, `created` kept.
    pub fn update(
        &self,
        id: ExpenseId,
        expected_version: u64,
        draft: Draft,
        origin: Origin,
        now_ms: i64,
    ) -> Result<ChangeRecord, StoreError> {
        check_draft(&draft)?;
        self.transact(|tx| {
            let cur = expect_version(tx, id, expected_version)?;
            let seq = tx.next_seq()?;
            let new = StoredItem::new(&draft, cur.created, now_ms, cur.version + 1, seq);
            write(
                tx,
                Event::Modify,
                origin,
                now_ms,
                id,
                seq,
                Some(cur),
                Some(new),
            )
        })
    }

    /// Conditional delete, with the same conflict rule as [`Store::update`].
    pub fn delete(
        &self,
        id: ExpenseId,
        expected_version: u64,
        origin: Origin,
        now_ms: i64,
    ) -> Result<ChangeRecord, StoreError> {
        self.transact(|tx| {
            let cur = expect_version(tx, id, expected_version)?;
            let seq = tx.next_seq()?;
            write(tx, Event::Remove, origin, now_ms, id, seq, Some(cur), None)
        })
    }

    /// Reverses change record `seq` as one new record with origin `Undo`: INSERT -> delete;
    /// MODIFY -> write back the old image's fields (version keeps increasing); REMOVE -> re-insert
    /// the old image (same id, created kept, version = old + 1). Conditional: the item must still
    /// hold the fields that record left it with (for REMOVE: still absent, with no later change), else Conflict.
    pub fn undo(&self, seq: u64, now_ms: i64) -> Result<ChangeRecord, StoreError> {
        self.reverse(seq, Origin::Undo, now_ms)
    }

    /// [`Store::undo`] writing its record with `origin` (`Redo` reverses an undo record).
    pub(crate) fn reverse(
        &self,
        seq: u64,
        origin: Origin,
        now_ms: i64,
    ) -> Result<ChangeRecord, StoreError> {
        let start = self.trees.stream_start()?;
        if seq < start {
            return Err(retention::trimmed(seq, start));
        }
        let target = stream::read_change(&self.trees, seq)?.ok_or(StoreError::UnknownSeq(seq))?;
        let id = target.id;
        let skey = keys::seq_key(seq);
        let stored = |e: Option<&Expense>| -> Result<StoredItem, StoreError> {
            let e =
                e.ok_or_else(|| corrupt(tables::STREAM, &skey, "image missing for its event"))?;
            Ok(StoredItem::new(
                &e.draft, e.created, e.updated, e.version, 0,
            ))
        };
        if target.origin == Origin::Ttl {
            return Err(StoreError::Purged(id));
        }
        // Taking back an INSERT that brought an expense back (a restore from the trash, an
        // undo of a delete, the redo of one) deletes it again: into the trash, like any delete.
        let ttl = self.trash_ttl.load(std::sync::atomic::Ordering::Relaxed);
        let to_trash = target.event == Event::Insert
            && ttl > 0
            && stream::read_record(&self.trees.stream, seq)?.is_some_and(|r| r.prev_seq.is_some());
        match target.event {
            Event::Insert | Event::Modify => {
                let written = stored(target.new.as_ref())?;
                let old = match target.event {
                    Event::Modify => Some(stored(target.old.as_ref())?),
                    _ => None,
                };
                self.transact(|tx| {
                    // The item must look as that record left it: written by it, or brought
                    // back to the same fields by later undos (add, edit, u, u).
                    let cur = match tx.current(id)? {
                        Some(c) if c.last_seq == seq || same_fields(&c, &written) => c,
                        other => {
                            return abort(StoreError::Conflict {
                                id,
                                expected: written.version,
                                found: other.map(|c| c.version),
                            })
                        }
                    };
                    let new_seq = tx.next_seq()?;
                    let new = old.as_ref().map(|o| StoredItem {
                        created: cur.created,
                        updated: now_ms,
                        version: cur.version + 1,
                        last_seq: new_seq,
                        ..o.clone()
                    });
                    let event = if new.is_some() {
                        Event::Modify
                    } else {
                        Event::Remove
                    };
                    let trashed = (to_trash && new.is_none()).then(|| cur.clone());
                    let rec = write(tx, event, origin, now_ms, id, new_seq, Some(cur), new)?;
                    if let Some(image) = trashed {
                        trash::put(tx, id, image, now_ms, ttl, new_seq)?;
                    }
                    Ok(rec)
                })
            }
            Event::Remove => {
                let old = stored(target.old.as_ref())?;
                loop {
                    // Nothing may have happened to `id` since `seq`. Transactions cannot scan, so
                    // scan the stream here and have the transaction check that no record was
                    // added since; if one was, plan again.
                    let last = self.last_seq()?;
                    for kv in self
                        .trees
                        .stream
                        .range(keys::seq_key(seq.saturating_add(1))..)
                    {
                        let (k, v) = kv?;
                        let head = codec::decode_record_head(tables::STREAM, &k, &v)?;
                        if head.id == id.0 && head.origin == Origin::Ttl.code() {
                            return Err(StoreError::Purged(id));
                        }
                        if head.id == id.0 {
                            return Err(StoreError::Conflict {
                                id,
                                expected: old.version,
                                found: self.get(id)?.map(|e| e.version),
                            });
                        }
                    }
                    let r = self.try_transact(|tx| {
                        if tx.last_seq()? != last {
                            return abort(Abort::Retry);
                        }
                        if let Some(c) = tx.current(id)? {
                            return abort(StoreError::Conflict {
                                id,
                                expected: old.version,
                                found: Some(c.version),
                            });
                        }
                        let new_seq = tx.next_seq()?;
                        let new = StoredItem {
                            updated: now_ms,
                            version: old.version + 1,
                            last_seq: new_seq,
                            ..old.clone()
                        };
                        let c = Change {
                            id,
                            seq: new_seq,
                            event: Event::Insert,
                            origin,
                            at: now_ms,
                            prev_seq: Some(seq),
                            batch: None,
                            old: None,
                            new: Some(&new),
                        };
                        let rec = tx.write(&c)?;
                        // A delete that went to the trash comes back out of it.
                        trash::forget(tx, id)?;
                        finish(new_seq, &rec, None)
                    });
                    match r {
                        Ok(rec) => return Ok(rec),
                        Err(Abort::Store(e)) => return Err(e),
                        Err(Abort::Retry) => continue,
                    }
                }
            }
        }
    }

    /// Reverses the latest change that is not already undone, from any session: walking back
    /// through the stream, each undo record cancels the latest earlier change of the same
    /// expense (undo only ever reverses an item's most recent standing change). `None` when there
    /// is nothing left to undo.
    pub fn undo_latest(&self, now_ms: i64) -> Result<Option<ChangeRecord>, StoreError> {
        match self.latest_standing()? {
            Some(seq) => self.undo(seq, now_ms).map(Some),
            None => Ok(None),
        }
    }

    /// The seq of the latest change that is not already undone (see [`Store::undo_latest`]).
    /// An item removed for good (a `ttl` record) has nothing left to undo: its records are
    /// skipped, so a sweep never blocks `u`. A `restore` record ends the walk: a restored store
    /// starts there. Running past the first kept record of a trimmed stream is
    /// `StoreError::Trimmed` (see `store/retention.rs`).
    fn latest_standing(&self) -> Result<Option<u64>, StoreError> {
        let mut pending: HashMap<u128, u64> = HashMap::new();
        let mut gone: std::collections::HashSet<u128> = std::collections::HashSet::new();
        for kv in self.trees.stream.iter().rev() {
            let (k, v) = kv?;
            let head = codec::decode_record_head(tables::STREAM, &k, &v)?;
            if head.origin == Origin::Ttl.code() {
                gone.insert(head.id);
                continue;
            }
            // A restored store starts from its restore: the base, not a change to take back.
            if head.origin == Origin::Restore.code() {
                return Ok(None);
            }
            if gone.contains(&head.id) {
                continue;
            }
            if head.origin == Origin::Undo.code() {
                *pending.entry(head.id).or_default() += 1;
                continue;
            }
            match pending.get_mut(&head.id) {
                Some(n) if *n > 0 => *n -= 1,
                _ => {
                    let seq = keys::decode_seq(&k)
                        .ok_or_else(|| corrupt(tables::STREAM, &k, "not a seq key"))?;
                    return Ok(Some(seq));
                }
            }
        }
        // The walk ran past the kept records: what is left to undo was trimmed.
        let start = self.trees.stream_start()?;
        if start > 1 {
            return Err(retention::trimmed(start - 1, start));
        }
        Ok(None)
    }

    /// Stores many new expenses, each with its own id and change record, in transactions of
    /// `BATCH_CHUNK` items (each flushed). Returns how many were stored. Chunks are atomic one by
    /// one: on an error the earlier chunks stay stored (an all-or-nothing import needs a batch
    /// marker; see the import issue).
    pub fn put_batch(
        &self,
        drafts: Vec<Draft>,
        origin: Origin,
        now_ms: i64,
    ) -> Result<usize, StoreError> {
        for d in &drafts {
            check_draft(d)?;
        }
        let items: Vec<(ExpenseId, Draft)> = drafts
            .into_iter()
            .map(|d| (ExpenseId::generate(), d))
            .collect();
        for chunk in items.chunks(BATCH_CHUNK) {
            self.transact(|tx| {
                for (id, draft) in chunk {
                    insert_new(tx, *id, draft, origin, now_ms)?;
                }
                Ok(())
            })?;
        }
        Ok(items.len())
    }

    /// The expense `id`, if stored.
    pub fn get(&self, id: ExpenseId) -> Result<Option<Expense>, StoreError> {
        let key = keys::id_key(id);
        match self.trees.items.get(key)? {
            Some(v) => Ok(Some(
                decode_item(ITEMS, &key, &v)?.to_expense(id, ITEMS, &key)?,
            )),
            None => Ok(None),
        }
    }

    fn must_get(&self, id: ExpenseId, index: &str, key: &[u8]) -> Result<Expense, StoreError> {
        self.get(id)?
            .ok_or_else(|| corrupt(index, key, format!("index entry for missing item {id}")))
    }

    /// Items with `from <= date <= to` in (date, id) order (or reversed), skipping `skip`, at
    /// most `take`.
    pub fn range(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        reverse: bool,
        skip: usize,
        take: usize,
    ) -> Result<Vec<Expense>, StoreError> {
        if from > to {
            return Ok(Vec::new());
        }
        let lo = date_key(date_u32(from), ExpenseId(0));
        let hi = date_key(date_u32(to), ExpenseId(u128::MAX));
        let iter = self.trees.idx_date.range(lo..=hi).keys();
        let keys: Box<dyn Iterator<Item = sled::Result<sled::IVec>>> = if reverse {
            Box::new(iter.rev())
        } else {
            Box::new(iter)
        };
        let mut out = Vec::new();
        for k in keys.skip(skip).take(take) {
            let k = k?;
            let (_, id) = keys::decode_date_key(&k)
                .ok_or_else(|| corrupt(tables::IDX_DATE, &k, "not a date key"))?;
            out.push(self.must_get(id, tables::IDX_DATE, &k)?);
        }
        Ok(out)
    }

    /// Items with `from <= date <= to` in (date, id) order, read one at a time as the caller
    /// consumes them (constant memory: `expense export` of a million items streams).
    pub fn iter_range(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = Result<Expense, StoreError>> + '_ {
        let lo = date_key(date_u32(from), ExpenseId(0));
        let hi = date_key(date_u32(to), ExpenseId(u128::MAX));
        let keys = (from <= to).then(|| self.trees.idx_date.range(lo..=hi).keys());
        keys.into_iter().flatten().map(move |k| {
            let k = k?;
            let (_, id) = keys::decode_date_key(&k)
                .ok_or_else(|| corrupt(tables::IDX_DATE, &k, "not a date key"))?;
            self.must_get(id, tables::IDX_DATE, &k)
        })
    }

    /// The index `range(from, to, reverse, ..)` would give the item `id`, counting index keys
    /// only (no item reads); `None` when it is not stored or outside the range.
    pub fn position_in_range(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        reverse: bool,
        id: ExpenseId,
    ) -> Result<Option<usize>, StoreError> {
        let Some(item) = self.get(id)? else {
            return Ok(None);
        };
        let date = item.draft.date;
        if date < from || date > to {
            return Ok(None);
        }
        let key = date_key(date_u32(date), id);
        let n = if reverse {
            let hi = date_key(date_u32(to), ExpenseId(u128::MAX));
            self.trees
                .idx_date
                .range(key..=hi)
                .keys()
                .count()
                .saturating_sub(1)
        } else {
            let lo = date_key(date_u32(from), ExpenseId(0));
            self.trees.idx_date.range(lo..key).keys().count()
        };
        Ok(Some(n))
    }

    /// Items in the date range whose category is `category` or below it (`food` matches
    /// `food:groceries`, not `foodstuff`), sorted by (date, id). An empty `category` matches all.
    pub fn range_in_category(
        &self,
        category: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Expense>, StoreError> {
        if category.is_empty() {
            return self.range(from, to, false, 0, usize::MAX);
        }
        if from > to {
            return Ok(Vec::new());
        }
        // The month's date entries carry the category (schema 4): one range scan picks the ids,
        // in (date, id) order, then each item is read.
        let below = format!("{category}:");
        let mut found: Vec<(NaiveDate, ExpenseId)> = Vec::new();
        self.for_each_projected(from, to, usize::MAX, |p| {
            if p.category == category || p.category.starts_with(&below) {
                found.push((p.date, p.id));
            }
        })?;
        found
            .into_iter()
            .map(|(date, id)| self.must_get(id, tables::IDX_DATE, &date_key(date_u32(date), id)))
            .collect()
    }

    /// Category counters whose name starts with `prefix` (`counts` keys `b'c' ++ name`).
    fn prefixed_counts(
        &self,
        kind: u8,
        prefix: &str,
    ) -> Result<Vec<(String, sled::IVec)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.trees.counts.scan_prefix(keys::count_key(kind, prefix)) {
            let (k, v) = kv?;
            let (_, name) = keys::decode_count_key(&k)
                .ok_or_else(|| corrupt(tables::COUNTS, &k, "name is not UTF-8"))?;
            out.push((name, v));
        }
        Ok(out)
    }

    /// Count and per-currency spent/income for `from <= date <= to`, from `agg_day` only.
    pub fn summary(&self, from: NaiveDate, to: NaiveDate) -> Result<Summary, StoreError> {
        let mut summary = Summary::default();
        if from > to {
            return Ok(summary);
        }
        let lo = date_u32(from).to_be_bytes();
        let hi = date_u32(to).saturating_add(1).to_be_bytes();
        let mut by_currency: BTreeMap<Currency, CurrencyTotal> = BTreeMap::new();
        let overflow = || StoreError::Overflow("the summary total".into());
        for kv in self.trees.agg_day.range(lo..hi) {
            let (k, v) = kv?;
            let key = AggKey::decode(&k).ok_or_else(|| corrupt(tables::AGG_DAY, &k, "bad key"))?;
            let agg = Agg::decode(tables::AGG_DAY, &k, &v)?;
            let t = by_currency.entry(key.currency).or_insert(CurrencyTotal {
                currency: key.currency,
                spent: 0,
                income: 0,
                count: 0,
            });
            let sum = match key.kind {
                Kind::Expense => &mut t.spent,
                Kind::Income => &mut t.income,
            };
            *sum = sum.checked_add(agg.sum).ok_or_else(overflow)?;
            t.count = t.count.checked_add(agg.count).ok_or_else(overflow)?;
            summary.count = summary.count.checked_add(agg.count).ok_or_else(overflow)?;
        }
        summary.totals = by_currency.into_values().collect();
        Ok(summary)
    }

    /// Known categories with their use counts, most used first (ties by name).
    pub fn categories(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.counted(COUNT_CATEGORY)
    }

    /// Known tags with the number of items carrying them, most used first (ties by name).
    pub fn tags(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.counted(COUNT_TAG)
    }

    /// The plain u64 counters of one kind, most used first (ties by name).
    fn counted(&self, kind: u8) -> Result<Vec<(String, u64)>, StoreError> {
        let mut out = Vec::new();
        for (name, v) in self.prefixed_counts(kind, "")? {
            let key = keys::count_key(kind, &name);
            out.push((name, decode_u64(tables::COUNTS, &key, &v)?));
        }
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// Known payees with their use counts and the category each was last written with, most
    /// used first (ties by name).
    pub fn payees(&self) -> Result<Vec<(String, u64, String)>, StoreError> {
        let mut out = Vec::new();
        for (name, v) in self.prefixed_counts(COUNT_PAYEE, "")? {
            let key = keys::count_key(COUNT_PAYEE, &name);
            let p = decode_payee(tables::COUNTS, &key, &v)?;
            out.push((name, p.count, p.last_category));
        }
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// The seq of the last change record (0 for a new store).
    pub fn last_seq(&self) -> Result<u64, StoreError> {
        self.trees.last_seq()
    }

    /// Change records with `seq > after`, at most `limit`, old images resolved via `prev_seq`.
    pub fn stream_since(&self, after: u64, limit: usize) -> Result<Vec<ChangeRecord>, StoreError> {
        stream::read_since(&self.trees, after, limit)
    }

    /// Hands each change record with `seq > after` (at most `limit`) to `visit`, borrowed and
    /// with only the `images` asked for; the fast path of `expense stream`. Returns the seq of
    /// the last record visited.
    pub fn visit_stream<E: From<StoreError>>(
        &self,
        after: u64,
        limit: usize,
        images: Images,
        visit: impl FnMut(&ChangeView<'_>) -> Result<(), E>,
    ) -> Result<Option<u64>, E> {
        stream::visit_since(&self.trees, after, limit, images, visit)
    }

    /// Number of stored items (sled counts them by scanning `items`).
    pub fn len(&self) -> usize {
        self.trees.items.len()
    }

    /// True when no item is stored.
    pub fn is_empty(&self) -> bool {
        // `first()` reads one key; sled's `is_empty` is cheap too, but say so explicitly.
        matches!(self.trees.items.first(), Ok(None))
    }

    /// Recomputes the indexes, aggregates and counters from `items` and checks the stream (seqs
    /// 1..=last gap-free, `meta` seq == last record, replay == items). One line per difference;
    /// empty means consistent. ([`Store::check`] with the repair plan.)
    pub fn verify(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.check()?.problems)
    }

    /// Flushes everything to disk (writes are already durable; this is for shutdown).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    /// Ends this handle without sled's drop-time work, for a process that exits next. Every
    /// write was flushed before it returned Ok, so what sled does when its last handle drops (a
    /// flush that finds nothing to write, an fsync, a walk over every page for its event log,
    /// joining its flusher thread) changes nothing on disk, and costs a one-shot command ~7 ms
    /// at 100k expenses; the store is left as a kill -9 after the last write leaves it, which
    /// opens like any other. Flushes first (a no-op when nothing is pending). The OS closes the
    /// files and releases sled's lock when the process exits.
    pub fn close_for_exit(self) -> Result<(), StoreError> {
        self.flush()?;
        std::mem::forget(self);
        Ok(())
    }

    /// Runs `f` as one transaction over every tree, flushed on commit.
    fn transact<R>(&self, f: impl Fn(&Tx<'_>) -> TxResult<R>) -> Result<R, StoreError> {
        self.try_transact(f).map_err(|e| match e {
            Abort::Store(e) => e,
            Abort::Retry => StoreError::Sled(RETRY.into()),
        })
    }

    /// `Err(StoreError::BehindMark)` when the store opened behind its high-water mark.
    pub fn check_writable(&self) -> Result<(), StoreError> {
        match (&self.mark, &self.path) {
            (Some(m), Some(p)) => m.check_writable(p),
            _ => Ok(()),
        }
    }

    /// Why writes are refused, if they are (see `store/mark.rs`).
    pub fn write_refusal(&self) -> Option<String> {
        match (&self.mark, &self.path) {
            (Some(m), Some(p)) => m.refusal(p),
            _ => None,
        }
    }

    /// Like `transact`, but hands `Abort::Retry` back to a caller that re-plans. Refused when
    /// the store is behind its mark; moves the mark after the flushed commit.
    fn try_transact<R>(&self, f: impl Fn(&Tx<'_>) -> TxResult<R>) -> Result<R, Abort> {
        self.check_writable()?;
        let chain = std::cell::Cell::new(None);
        let r = self.transact_unmarked(f, &chain)?;
        if let (Some(m), Some((seq, hash))) = (&self.mark, chain.get()) {
            m.advance(seq, &hash)?;
        }
        Ok(r)
    }

    fn transact_unmarked<R>(
        &self,
        f: impl Fn(&Tx<'_>) -> TxResult<R>,
        chain: &std::cell::Cell<Option<(u64, mark::Hash)>>,
    ) -> Result<R, Abort> {
        let t = &self.trees;
        let trees = (
            &t.items,
            &t.idx_date,
            &t.stream,
            &t.agg_day,
            &t.agg_month,
            &t.counts,
            &t.imports,
            &t.meta,
            &t.trash,
        );
        let r = trees.transaction(
            |(items, idx_date, stream, agg_day, agg_month, counts, imports, meta, trash)| {
                let tx = Tx {
                    items,
                    idx_date,
                    stream,
                    agg_day,
                    agg_month,
                    counts,
                    imports,
                    meta,
                    trash,
                    deltas: Default::default(),
                    chain: Default::default(),
                };
                let r = f(&tx)?;
                tx.apply_deltas()?;
                chain.set(tx.chain.get());
                // Makes `transaction()` flush (fsync) after commit and before it returns Ok.
                items.flush();
                Ok(r)
            },
        );
        r.map_err(|e| match e {
            TransactionError::Abort(a) => a,
            TransactionError::Storage(e) => Abort::Store(e.into()),
        })
    }
}

/// Message of an `Abort::Retry` that reached a caller that does not re-plan (a bug).
const RETRY: &str = "the store changed while planning this change; try again";

/// Writes a new item `id` as an INSERT record.
fn insert_new(
    tx: &Tx<'_>,
    id: ExpenseId,
    draft: &Draft,
    origin: Origin,
    now_ms: i64,
) -> TxResult<ChangeRecord> {
    if let Some(c) = tx.current(id)? {
        return abort(StoreError::Conflict {
            id,
            expected: 0,
            found: Some(c.version),
        });
    }
    let seq = tx.next_seq()?;
    let new = StoredItem::new(draft, now_ms, now_ms, 1, seq);
    write(tx, Event::Insert, origin, now_ms, id, seq, None, Some(new))
}

/// The current item `id` if its version is `expected`, else a Conflict abort.
fn expect_version(tx: &Tx<'_>, id: ExpenseId, expected: u64) -> TxResult<StoredItem> {
    match tx.current(id)? {
        Some(c) if c.version == expected => Ok(c),
        other => abort(StoreError::Conflict {
            id,
            expected,
            found: other.map(|c| c.version),
        }),
    }
}

/// Writes `old -> new` for `id` as record `seq` (prev_seq = the old image's record) and returns
/// the public record.
#[allow(clippy::too_many_arguments)]
fn write(
    tx: &Tx<'_>,
    event: Event,
    origin: Origin,
    at: i64,
    id: ExpenseId,
    seq: u64,
    old: Option<StoredItem>,
    new: Option<StoredItem>,
) -> TxResult<ChangeRecord> {
    let c = Change {
        id,
        seq,
        event,
        origin,
        at,
        prev_seq: old.as_ref().map(|o| o.last_seq),
        batch: None,
        old: old.as_ref(),
        new: new.as_ref(),
    };
    let rec = tx.write(&c)?;
    finish(seq, &rec, old.as_ref())
}

fn finish(seq: u64, rec: &codec::StoredRecord, old: Option<&StoredItem>) -> TxResult<ChangeRecord> {
    match stream::to_change_record(seq, rec, old) {
        Ok(r) => Ok(r),
        Err(e) => abort(e),
    }
}

/// Rejects drafts the key layout cannot hold.
fn check_draft(d: &Draft) -> Result<(), StoreError> {
    use chrono::Datelike;
    if !(1..=9999).contains(&d.date.year()) {
        return Err(StoreError::Invalid(format!(
            "the date {} is outside years 1-9999",
            d.date
        )));
    }
    if d.amount < 0 {
        return Err(StoreError::Invalid(format!(
            "the amount {} is negative (amounts are positive; the kind gives the direction)",
            d.amount
        )));
    }
    for (what, s) in [("category", &d.category), ("payee", &d.payee)] {
        if s.len() > usize::from(u16::MAX) {
            return Err(StoreError::Invalid(format!(
                "the {what} is longer than 65535 bytes"
            )));
        }
    }
    Ok(())
}

fn chmod(p: &Path, mode: u32) -> Result<(), StoreError> {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).map_err(|source| {
        StoreError::Io {
            path: p.to_path_buf(),
            source,
        }
    })
}

/// Strips group/other permissions from `dir`, keeping the owner's (so a read-only dir stays
/// read-only and fails visibly).
fn tighten_dir(dir: &Path) -> Result<(), StoreError> {
    let md = std::fs::metadata(dir).map_err(|source| StoreError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mode = md.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        chmod(dir, mode & 0o700)?;
    }
    Ok(())
}

/// Makes files under `dir` 0600 and subdirs 0700 (stores written before the app set its umask).
/// A file that vanishes during the walk is skipped: sled retires old snapshot files.
fn tighten_files(dir: &Path) -> Result<(), StoreError> {
    let io = |path: &Path| {
        let path: PathBuf = path.to_path_buf();
        move |source| StoreError::Io { path, source }
    };
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(io(&d))? {
            let entry = entry.map_err(io(&d))?;
            let p = entry.path();
            let md = match std::fs::symlink_metadata(&p) {
                Ok(md) => md,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(&p)(e)),
            };
            let want = if md.is_dir() {
                stack.push(p.clone());
                0o700
            } else if md.is_file() {
                0o600
            } else {
                continue;
            };
            if md.permissions().mode() & 0o7777 != want {
                match chmod(&p, want) {
                    Err(StoreError::Io { source, .. })
                        if source.kind() == std::io::ErrorKind::NotFound => {}
                    r => r?,
                }
            }
        }
    }
    Ok(())
}

/// Maps sled's open errors: its lock failure is an `Io` error of kind `Other` whose message is
/// `could not acquire lock on "<dir>/db": Os { code: 11, kind: WouldBlock, .. }`.
fn open_error(dir: &Path, e: sled::Error) -> StoreError {
    match e {
        sled::Error::Io(source) => {
            let msg = source.to_string();
            if msg.contains("could not acquire lock") || msg.contains("WouldBlock") {
                StoreError::Locked {
                    path: dir.to_path_buf(),
                }
            } else {
                StoreError::Io {
                    path: dir.to_path_buf(),
                    source,
                }
            }
        }
        e => e.into(),
    }
}

/// True when two images hold the same expense fields (bookkeeping aside).
fn same_fields(a: &StoredItem, b: &StoredItem) -> bool {
    let plain = |i: &StoredItem| StoredItem {
        created: 0,
        updated: 0,
        version: 0,
        last_seq: 0,
        ..i.clone()
    };
    plain(a) == plain(b)
}
