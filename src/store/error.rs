//! Store errors. Rule: the `Display` of every variant is the sentence a person reads (it names the
//! expense, version, path or tree involved), so callers can show it as is.

pub(crate) use super::keys::hex;
use crate::domain::ExpenseId;
use std::path::PathBuf;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A conditional write found another version than the caller read (`found: None`: deleted).
    #[error(
        "expense {id} was changed elsewhere (you read version {expected}, {}); reload and try again",
        now_text(*.found)
    )]
    Conflict {
        /// The expense.
        id: ExpenseId,
        /// The version the caller based its change on.
        expected: u64,
        /// The version stored now, `None` when it no longer exists.
        found: Option<u64>,
    },
    /// The latest change cannot be undone: something newer changed its expense.
    #[error(
        "cannot undo {what}: {by} changed that expense since. Press u again (expense undo \
         --skip) to leave it as it is and undo the change before it, or undo the newer change \
         first (H, the history)"
    )]
    UndoBlocked {
        /// The change, as the history lists it.
        what: String,
        /// What changed the expense since, and when.
        by: String,
    },
    /// No expense with this id.
    #[error("expense {0} does not exist")]
    NotFound(ExpenseId),
    /// The expense is not in the trash (restored, purged, or never deleted).
    #[error("expense {0} is not in the trash")]
    NotInTrash(ExpenseId),
    /// The expense left the trash for good (expired or purged): nothing can bring it back.
    #[error(
        "expense {0} was removed from the trash for good (it expired or was purged); \
         it cannot be undone or restored"
    )]
    Purged(ExpenseId),
    /// No change record with this sequence number.
    #[error("there is no change number {0} in the history")]
    UnknownSeq(u64),
    /// The change record was trimmed (`[stream] keep_days`, see `store/retention.rs`).
    #[error(
        "change number {seq} is no longer in the history: the records before {start} were \
         trimmed (`[stream] keep_days` in config.toml)"
    )]
    Trimmed {
        /// The seq asked for.
        seq: u64,
        /// The first kept seq.
        start: u64,
    },
    /// A point in time before the kept part of a trimmed stream (see `store/retention.rs`).
    #[error(
        "cannot rebuild the store at that time: the change stream before record {start} was \
         trimmed (`[stream] keep_days`); the earliest point in time it can rebuild is {earliest}"
    )]
    BeforeWindow {
        /// The first kept seq.
        start: u64,
        /// The earliest time that can be rebuilt, local `YYYY-MM-DD HH:MM:SS`.
        earliest: String,
    },
    /// No import with this batch id.
    #[error("there is no import with batch id {0} in the history")]
    UnknownBatch(u64),
    /// Another process holds the store (sled allows one process per store).
    #[error("the store at {} is in use by another expense process", .path.display())]
    Locked {
        /// The store directory.
        path: PathBuf,
    },
    /// The process that holds the store is stopped (ctrl-z, SIGSTOP, a debugger): until it is
    /// resumed it can neither serve other processes nor let the store go.
    #[error(
        "the store is held by expense process {pid} (`{command}`), which is stopped{}",
        resume_text(*.pid, *.traced)
    )]
    HolderStopped {
        /// The holder's process id.
        pid: u32,
        /// Its command line, shortened and made inert.
        command: String,
        /// Stopped by a debugger (tracing stop) rather than by job control or a signal.
        traced: bool,
    },
    /// Another process holds the store and does not serve it to others (a command that works on
    /// the store alone, such as a restore, or a holder still taking or letting it go).
    #[error(
        "the store at {} is in use by expense process {pid} (`{command}`), which does not serve \
         other processes now; run this again when it is done (or end it: kill {pid})",
        .path.display()
    )]
    HolderBusy {
        /// The store directory.
        path: PathBuf,
        /// The holder's process id.
        pid: u32,
        /// Its command line, shortened and made inert.
        command: String,
    },
    /// The store directory belongs to another user; we refuse to read or write it.
    #[error(
        "the store directory {} belongs to user id {owner}, not to you; refusing to use it",
        .path.display()
    )]
    Foreign {
        /// The store directory.
        path: PathBuf,
        /// Its owner's uid.
        owner: u32,
    },
    /// A folder or socket that other users could control: refused before anything is read,
    /// written or sent (`why` says what and how to fix it).
    #[error("refusing {}: {why}", .path.display())]
    Exposed {
        /// The folder or socket.
        path: PathBuf,
        /// What is wrong and how to fix it.
        why: String,
    },
    /// A file-system error, with the path it happened on.
    #[error("{}", io_text(.path, .source))]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Another backup to the same file is running (it holds the file's `.tmp`).
    #[error(
        "another backup is running into {} (it holds {}); wait for it, or name another file",
        .path.with_extension("").display(),
        .path.display()
    )]
    BackupRunning {
        /// The temporary file held.
        path: PathBuf,
    },
    /// A backup file that cannot be restored (damaged, truncated, or not a backup).
    #[error("backup {}{}: {reason}; nothing was changed", .path.display(), at_line(*.line))]
    BadBackup {
        /// The backup file.
        path: PathBuf,
        /// 1-based line number; 0 for the file as a whole.
        line: u64,
        /// What is wrong there.
        reason: String,
    },
    /// The store ends before its high-water mark (or has another history at it): changes
    /// were lost. Writes are refused; reads work.
    #[error(
        "the store at {} has lost changes: it ends at change {store_seq}, but its high-water mark {} says change {mark_seq} was written{}. Writing is refused (reading works, with this warning). The way back: `expense restore --latest` puts the newest backup{} in its place (this store is backed up first); `expense check --stream` shows what it holds",
        .path.display(),
        .mark.display(),
        if *.hash_differs { " with another history" } else { "" },
        match .backup { Some(b) => format!(" ({})", b.display()), None => String::new() }
    )]
    BehindMark {
        /// The store directory.
        path: PathBuf,
        /// The mark file.
        mark: PathBuf,
        /// The last seq the store holds.
        store_seq: u64,
        /// The last seq the mark saw written.
        mark_seq: u64,
        /// Same seq, different running hash.
        hash_differs: bool,
        /// The newest backup beside the store.
        backup: Option<PathBuf>,
    },
    /// The store's folder (or its `db` file) was deleted or replaced after this process opened
    /// it: a write would land in files nobody opens again. Refused before it touches sled.
    #[error(
        "the store's folder {} was deleted, moved or replaced after this expense opened it; \
         nothing was written: quit and start expense again, to work on what is at that path now",
        .path.display()
    )]
    MovedAway {
        /// The store directory.
        path: PathBuf,
    },
    /// A chunk of an import failed after others were written.
    #[error(
        "the import stopped after {written} of {expected} rows were written ({cause}); {}",
        if *.rolled_back {
            "they were taken back, nothing was imported"
        } else {
            "taking them back failed too: the next open of the store takes them back"
        }
    )]
    ImportStopped {
        /// Rows the committed chunks wrote.
        written: u64,
        /// Rows the import set out to write.
        expected: u64,
        /// Why the chunk failed.
        cause: Box<StoreError>,
        /// Whether the written rows were taken back at once.
        rolled_back: bool,
    },
    /// A category rename that is not allowed (the names, an unknown category, budgets in two
    /// currencies): nothing was written.
    #[error("{0}; nothing was changed")]
    Rename(#[from] crate::domain::rename::RenameError),
    /// A chunk of a category rename failed after others were written.
    #[error(
        "the rename stopped after {written} of {expected} expenses were moved ({cause}); {}",
        if *.rolled_back {
            "they were moved back, nothing was changed"
        } else {
            "moving them back failed too: the next open of the store moves them back"
        }
    )]
    RenameStopped {
        /// Expenses the committed chunks moved.
        written: u64,
        /// Expenses the rename set out to move.
        expected: u64,
        /// Why the chunk failed.
        cause: Box<StoreError>,
        /// Whether the moved ones were moved back at once.
        rolled_back: bool,
    },
    /// Any other error reported by sled.
    #[error("store error: {0}")]
    Sled(String),
    /// `check --repair` met expenses the change stream holds and `items` lacks.
    #[error(
        "{count} expense{} the change stream holds {} missing from the items (the first: {first}); \
         repair rebuilds only indexes and totals from the items, and would drop {} from every \
         total, so nothing was changed; {WAY_BACK}",
        if *.count == 1 { "" } else { "s" },
        if *.count == 1 { "is" } else { "are" },
        if *.count == 1 { "it" } else { "them" }
    )]
    ItemsMissing {
        /// How many.
        count: usize,
        /// The first of them.
        first: ExpenseId,
    },
    /// The device holding the store is full (or the user's quota is used up).
    #[error(
        "no space left on the device holding {}; nothing was saved: free some space (`df -h {}` \
         shows it) and try again",
        .dir.as_ref().map_or("the store".into(), |d| d.display().to_string()),
        .dir.as_ref().map_or(".".into(), |d| d.display().to_string())
    )]
    NoSpace {
        /// The data folder, when known.
        dir: Option<PathBuf>,
    },
    /// sled found its own files damaged (at open, or reading a page).
    #[error("the store{} is damaged ({what}); {WAY_BACK}", .path.as_ref().map(|p| format!(" at {}", p.display())).unwrap_or_default())]
    Damaged {
        /// The store directory, when known.
        path: Option<PathBuf>,
        /// What sled said.
        what: String,
    },
    /// A stored key or value could not be decoded.
    #[error("the store is damaged: tree {tree}, key {key_hex}: {reason}; {WAY_BACK}")]
    Corrupt {
        /// Tree name.
        tree: String,
        /// The key in hex.
        key_hex: String,
        /// What was wrong.
        reason: String,
    },
    /// An aggregate or counter would overflow.
    #[error("cannot store this: {0} would overflow")]
    Overflow(String),
    /// The draft cannot be stored as given (e.g. a year outside 1..=9999).
    #[error("cannot store this: {0}")]
    Invalid(String),
    /// The store was written by a newer version of the program.
    #[error(
        "the store has schema version {found}, but this program supports up to {supported}; \
         upgrade expense to open it"
    )]
    SchemaTooNew {
        /// Version found in `meta`.
        found: u32,
        /// `SCHEMA_VERSION` of this build.
        supported: u32,
    },
}

/// What every message about a damaged store ends with: the way back, in one step.
pub const WAY_BACK: &str = "the way back: `expense restore --latest` puts the newest backup in \
                            its place (this store is kept aside); `expense check --stream` lists \
                            what is damaged";

/// Whether `e` is the OS saying the device (or the user's quota) is full.
pub(crate) fn is_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull
        || matches!(e.raw_os_error(), Some(libc::ENOSPC | libc::EDQUOT))
}

/// The sentence of `StoreError::Io`: a full device is named as such (with the folder to free
/// space in), anything else with the path and the OS error.
fn io_text(path: &std::path::Path, source: &std::io::Error) -> String {
    if is_full(source) {
        let dir = path.parent().unwrap_or(path);
        format!(
            "no space left on the device holding {}; nothing was written there: free some space \
             (`df -h {}` shows it) and try again",
            dir.display(),
            dir.display()
        )
    } else {
        format!("cannot use the store at {}: {source}", path.display())
    }
}

/// `, line N` for a 1-based line, nothing for 0 (the file as a whole).
fn at_line(line: u64) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(", line {line}")
    }
}

fn now_text(found: Option<u64>) -> String {
    match found {
        Some(v) => format!("it is now version {v}"),
        None => "it was deleted".to_string(),
    }
}

/// How to resume a stopped holder: job control's `fg` or SIGCONT, or the debugger that stopped it.
fn resume_text(pid: u32, traced: bool) -> String {
    if traced {
        " under a debugger; continue it there".to_string()
    } else {
        format!(" (ctrl-z); resume it with `fg` in its shell or `kill -CONT {pid}`")
    }
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        match e {
            sled::Error::Corruption { .. } => StoreError::Damaged {
                path: None,
                what: e.to_string(),
            },
            sled::Error::Io(io) if is_full(&io) => StoreError::NoSpace { dir: None },
            e => StoreError::Sled(e.to_string()),
        }
    }
}

/// A `Corrupt` error for `tree`/`key`.
pub(crate) fn corrupt(tree: &str, key: &[u8], reason: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        tree: tree.to_string(),
        key_hex: hex(key),
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_messages() {
        let id = ExpenseId(1);
        let e = StoreError::Conflict {
            id,
            expected: 3,
            found: Some(4),
        };
        assert_eq!(
            e.to_string(),
            format!(
                "expense {id} was changed elsewhere (you read version 3, it is now version 4); \
                 reload and try again"
            )
        );
        let e = StoreError::Conflict {
            id,
            expected: 3,
            found: None,
        };
        assert!(e.to_string().contains("it was deleted); reload"));
    }
}
