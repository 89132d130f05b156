//! Backups: a consistent snapshot of the store's user data in a documented, versioned, portable
//! text format, and the point-in-time snapshot of the stream; `store/restore.rs` rebuilds a
//! store from either.
//! Rule: a backup never stops writers (no global lock); a restore reads and checks the whole
//! file before it writes anything.
//!
//! # Format `expense-backup`, version 1
//!
//! UTF-8 NDJSON, one JSON object per line:
//!
//! 1. header: `{"format":"expense-backup","version":1,"app":"0.1.0","created":"<RFC 3339 UTC>",
//!    "seq":S,"month_start_day":N|null}`; `seq` is the change record the snapshot is
//!    consistent at (the store as it was right after record `S`).
//! 2. records, each with a `type`:
//!    - `expense`: the fields of `expense list --json` (`id`, `date`, `amount` as a decimal
//!      string, `currency`, `category`, `payee`, `note`, `tags`, `kind`, `version`) plus `minor`
//!      (the amount in integer minor units, authoritative; `amount` must agree with it),
//!      `created` and `updated` (Unix milliseconds);
//!    - `budget`: `category`, `currency`, `minor` (the monthly limit);
//!    - `schedule`: a recurring expense: `id`, the expense it posts (`amount`, `minor`,
//!      `currency`, `category`, `payee`, `note`, `tags`, `kind`), its rule (`unit` day, week,
//!      month or year, `every`, `on` for a monthly one, `start`, `end` or `count`), `confirm`,
//!      `paused`, `state` (how far it was handled, by occurrence number from 0: `next`, the
//!      first not handled, `done`, those after it handled, `moved`, (number, day) pairs),
//!      `version`, `created`, `updated`;
//!    - `import`: `hash`, the 32 hex digits of an imported bank row (so it is not imported twice).
//!
//!    A reader skips a record whose `type` it does not know (newer writers add kinds, e.g.
//!    trashed items) and says how many it skipped; a change that old readers must not skip
//!    bumps `version`, which they refuse.
//! 3. trailer: `{"type":"end","expenses":E,"budgets":B,"imports":I,"schedules":S,"sha256":H}`.
//!    A file without it, or whose counts differ, is truncated or damaged and is refused. Files
//!    written before schedules have no `schedule` lines and no `schedules` count (read as 0); an
//!    older reader skips the lines (and counts them as skipped) and ignores the count.
//!
//! # Checksums (`sum.rs`)
//!
//! The header says `"checksum":"sha256"`; every line (header and trailer included) ends in
//! `,"crc":"<8 lowercase hex>"}`, the CRC-32 of the line's bytes before that field, so a damaged
//! line is named; `H` is the SHA-256 of every byte before the trailer, so a lost, repeated or
//! changed line anywhere is found. They are fields an older reader ignores, so `version` stays 1.
//! A file without them (an older writer's) is read with `Snapshot::unverified` set; a checksum
//! such a file has anyway is still checked, so damage to the header's `checksum` cannot turn
//! checking off (the trailer's SHA-256 covers the header).
//!
//! # Compression (`zst.rs`)
//!
//! A backup whose file name ends in `.zst` (the default names, `expense-<UTC time>.jsonl.zst`)
//! is the same text as one zstd frame with zstd's content checksum, then a zstd skippable frame
//! holding the SHA-256 of the compressed bytes before it: `zstd -d` gives the NDJSON back.
//! Readers tell a compressed file by its first four bytes (zstd's magic number), not by its
//! name, so plain files of older versions read as before. The checksums above are of the text;
//! zstd and the compressed bytes' SHA-256 find damage that decodes to the same text too, and a
//! read error of a compressed file is named like any other damage (`BadBackup`, the file and
//! the line being read). Not a format change: the text
//! inside is version 1 as above (an older build, which reads only plain files, refuses a
//! compressed one as not UTF-8 text at line 1, and reads it once decompressed).
//!
//! # Consistency without a global read transaction
//!
//! Read the last seq `S0`, scan `items`, read `S1`. Items whose image is newer than `S0` are
//! left out of the scan. If `S1 > S0`, every id that a record in `(S0, S1]` touched is taken
//! from the stream instead (each record holds its new image, so the last one per id is the
//! state at `S1`), the scanned copy of those ids is dropped, and the snapshot is at `S1`.
//!
//! Rooms: `format.rs` (the line types and their conversion to and from stored items),
//! `sum.rs` (sealing and checking lines, the file's SHA-256), `zst.rs` (compressed files),
//! `write.rs` (`Store::backup_to` and the point-in-time `Store::snapshot_at`), `read.rs`
//! (`read_backup`); this file keeps what a backup and a restore hand over (`BackupInfo`,
//! `RestoreInfo`, `Snapshot`) and the store-side preparation of a restore.

mod format;
mod read;
mod sum;
mod write;
mod zst;

pub use super::paths::{default_backup_dir, is_restorable_backup, SAFETY_PREFIX};
pub use format::{ExpenseRecord, Header, Line, FORMAT, FORMAT_VERSION};
pub use read::read_backup;
pub use write::clean_leftovers;

use super::codec::StoredItem;
use super::error::StoreError;
use super::Store;
use crate::domain::ExpenseId;
use std::path::{Path, PathBuf};

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    /// The file.
    pub path: PathBuf,
    /// The seq it is consistent at.
    pub seq: u64,
    /// Expenses written.
    pub expenses: u64,
    /// Budgets written.
    pub budgets: u64,
    /// Schedules written.
    pub schedules: u64,
    /// Import hashes written.
    pub imports: u64,
    /// File size in bytes.
    pub bytes: u64,
}

/// What a restore wrote.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RestoreInfo {
    /// The backup's (or point in time's) seq in the source store.
    pub source_seq: u64,
    /// Expenses restored.
    pub expenses: u64,
    /// Budgets restored.
    pub budgets: u64,
    /// Schedules restored.
    pub schedules: u64,
    /// Import hashes restored.
    pub imports: u64,
    /// Records of unknown kinds skipped.
    pub skipped: u64,
    /// The restored store's new stream label (its change records are a new stream).
    pub label: String,
}

/// The contents of a checked backup file, held as stored items.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The change record of the source store the snapshot is consistent at.
    pub seq: u64,
    /// Month start day of the source.
    pub month_start_day: Option<u32>,
    /// Items in ascending id order (each id once), as `read_backup` and `snapshot_at` give them.
    pub items: Vec<(ExpenseId, StoredItem)>,
    /// Budgets.
    pub budgets: Vec<super::Budget>,
    /// Schedules as their stored images (`store/schedule.rs`), in ascending id order, with how
    /// far each was handled.
    pub schedules: Vec<(ExpenseId, StoredItem)>,
    /// Import hashes.
    pub imports: Vec<[u8; 16]>,
    /// Records of unknown kinds skipped.
    pub skipped: u64,
    /// True for a file without checksums (written by an older version): its structure and
    /// counts were checked, a changed value inside could not be.
    pub unverified: bool,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn bad(path: &Path, line: u64, reason: impl Into<String>) -> StoreError {
    StoreError::BadBackup {
        path: path.to_path_buf(),
        line,
        reason: reason.into(),
    }
}

impl Store {
    /// True when the store holds nothing: no item, no record, no budget, no import.
    pub fn is_blank(&self) -> Result<bool, StoreError> {
        // Trigger state does not count: the process restoring may have set up its checkpoints.
        if self.last_seq()? != 0 {
            return Ok(false);
        }
        for tree in self.trees.data() {
            if !std::ptr::eq(tree, &self.trees.triggers) && tree.first()?.is_some() {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod schedule_tests;

#[cfg(test)]
pub(crate) mod tests {
    use crate::domain::{Currency, Draft, Kind};

    /// A draft of `amount` minor units (food, Shop, 2024-05-01).
    pub(crate) fn draft(amount: i64) -> Draft {
        Draft {
            date: chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
            amount,
            currency: Currency::EUR,
            category: "food".into(),
            payee: "Shop".into(),
            note: "n".into(),
            tags: vec![],
            kind: Kind::Expense,
        }
    }
}
