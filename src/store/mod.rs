//! The store: expenses in sled, DynamoDB-style (typed items, secondary indexes, conditional writes,
//! a change stream with old and new images, materialized daily aggregates). Rule: this is the only
//! module that imports sled, and every write is ONE sled transaction over all trees that is
//! flushed to disk before the method returns `Ok`.
//!
//! Transactions may be retried by sled, so their closures are pure: ids and timestamps are made
//! before them, and callers publish the returned `ChangeRecord` only after commit.
//!
//! Rooms (one line each; the nouns they share live in `domain/`):
//! - `open.rs`: open, lock wait, permissions, schema check, the mark. `lock.rs`: who holds it.
//! - `migrate.rs`: numbered schema migrations (`migration_002_…`), each Skip or Execute(n).
//! - `write.rs`: the floor: transact/try_transact, put/update/delete/put_batch, write/finish.
//! - `undo.rs`: one inverse-of-record table and one executor for undo, redo, batches, imports.
//! - `query.rs`: get, range, positions, category ranges, summary, completions, stream reads.
//! - `tables.rs`: the schema document (trees, meta keys, SCHEMA_VERSION) and the write core.
//! - `keys.rs` / `codec.rs`: key shapes and hex / value (de)serialization, byte codes, hashes.
//!   `pointer.rs`: `items` values that name the stream record holding the image (schema 8).
//! - `chain.rs`: the running hash of the stream. `mark.rs`: the high-water mark file.
//! - `paths.rs`: where a store's backups go. `error.rs`: `StoreError`.
//! - `stream.rs`: reading change records, old images via `prev_seq`.
//! - `aggregates.rs`, `budget.rs`, `checkpoints.rs`: month aggregates, budgets, trigger state.
//! - `history.rs`: history windows and the undo/redo step rule. `import.rs`: CSV import batches,
//!   whole or nothing (an import cut short is rolled back at the next open, which says so).
//! - `schedule.rs`: recurring expenses: schedules as items, posting due occurrences exactly once.
//! - `rename.rs`: renaming and merging categories (one batch with their budgets, whole or
//!   nothing like an import). `fold.rs`: runs of records the history shows as one line.
//! - `trash.rs`, `retention.rs`: trash with TTL, stream trimming. `restore.rs`: point in time.
//! - `id_prefix.rs`: expenses by the start of their id, and the shortest start that names one.
//! - `backup/`: backup files (format, write, read). `check/`: `expense check` and repair (scan,
//!   replay, compare). `testing.rs`: test hooks.
//! - `sync.rs`: replication between devices: replica id, stamps (hybrid logical clock), the
//!   changes a peer has not seen, applying a peer's changes last writer wins, conflicts.
//! - `feed.rs`: the commit feed: the newest committed seq, and a wait for a newer one.

mod aggregates;
pub mod backup;
mod budget;
mod chain;
mod check;
mod checkpoints;
mod codec;
mod error;
pub mod feed;
mod fold;
mod history;
mod id_prefix;
mod import;
mod keys;
mod lock;
pub mod mark;
mod migrate;
mod open;
mod paths;
mod pointer;
mod query;
mod rename;
mod restore;
mod retention;
mod schedule;
mod space;
mod stream;
pub mod swap;
pub mod sync;
mod tables;
mod testing;
mod trash;
mod undo;
mod write;

pub use crate::domain::change::{BatchUndo, ChangeRecord, ChangeView, Event, Origin, Undone};
pub use crate::domain::trash::Trashed;
pub use aggregates::{AggRow, MonthAggRow, Projected};
pub use budget::Budget;
pub use check::CheckReport;
pub use checkpoints::{DeadLetter, TriggerState};
pub use error::StoreError;
pub use history::{HistoryWindow, ItemHistory};
pub use import::{ImportRow, Imported};
pub use lock::lock_holder;
pub use open::check_private;
pub use rename::{CategoryUse, Renamed};
pub use schedule::{new_schedule_id, occurrence_id, occurrence_of, Confirm, Posted};
pub use stream::Images;
pub use tables::SCHEMA_VERSION;

use crate::domain::totals::Totals;
use std::path::Path;
use std::sync::Arc;
use tables::Trees;

/// Totals over a date range, from `agg_day` only.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    /// Number of items in the range.
    pub count: u64,
    /// One entry per currency, sorted by currency code.
    pub totals: Vec<Totals>,
}

/// A handle to an open store. Clones are cheap and share the same database.
#[derive(Debug, Clone)]
pub struct Store {
    db: sled::Db,
    trees: Arc<Trees>,
    path: Option<Arc<Path>>,
    /// The high-water mark (`None` for a temporary store).
    mark: Option<Arc<mark::Mark>>,
    /// How long an expense that an undo or redo removes again stays in the trash (ms; 0: no
    /// trash). Shared by clones; the process holding the store sets it from config.
    trash_ttl: Arc<std::sync::atomic::AtomicI64>,
    /// The newest committed seq, announced after each write (see `store/feed.rs`).
    feed: Arc<feed::Feed>,
    /// What the open found and finished for the person (an interrupted restore swapped in, an
    /// interrupted import rolled back), handed out once by [`Store::take_notices`].
    notices: Arc<std::sync::Mutex<Vec<String>>>,
    /// The folder the store was opened in, held open while the store is (`None` for a temporary
    /// store): see `store/open.rs`, `Home`.
    home: Option<Arc<open::Home>>,
}

impl Store {
    /// The lines the open has for the person (each given out once): work it finished that an
    /// earlier process left half done.
    pub fn take_notices(&self) -> Vec<String> {
        std::mem::take(&mut *self.notices.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Leaves a notice for the person (printed by `cli/launch.rs`, shown by the TUI).
    pub fn add_notice(&self, text: String) {
        self.notices
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(text);
    }

    /// Sets how long an expense that an undo or redo removes again stays in the trash (the
    /// config's `trash_days`; 0: removed at once).
    pub fn set_trash_ttl(&self, ttl_ms: i64) {
        self.trash_ttl
            .store(ttl_ms.max(0), std::sync::atomic::Ordering::Relaxed);
    }

    /// How long a deleted expense stays in the trash (ms; 0: deleted at once), as the process
    /// holding the store set it from its config (`set_trash_ttl`).
    pub fn trash_ttl(&self) -> i64 {
        self.trash_ttl.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The commit feed: wait here for records newer than a seq instead of polling `last_seq`.
    pub fn feed(&self) -> &Arc<feed::Feed> {
        &self.feed
    }

    /// The store directory (`None` for a temporary store).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// True when the store's path no longer leads to this store: its folder or its `db` file
    /// was deleted, moved or replaced since the open (`rm -rf` of the data folder, perhaps
    /// with a new store made there since). Whatever this handle writes then lands in files
    /// nobody will open again: writes are refused, and a process that serves others stops
    /// serving it. False for a temporary store.
    pub fn moved_away(&self) -> bool {
        match (&self.path, &self.home) {
            (Some(path), Some(home)) => !home.is_at(path),
            // Opened without `/proc`: only a `db` file gone is seen.
            (Some(path), None) => !path.join("db").exists(),
            (None, _) => false,
        }
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
}
