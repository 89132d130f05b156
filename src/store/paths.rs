//! Where things of a store live on disk besides the store itself. Rule: a leaf; paths only,
//! no I/O, so the mark (`mark.rs`) and backups (`backup/`) both name a backup folder without
//! importing each other.

use std::path::{Path, PathBuf};

/// The default folder for backups of the store in `store_dir`: `<data dir>/backups` for the
/// main store (`<data dir>/store`), `<data dir>/backups-<name>` for another (the demo), so
/// keeping the last N of one never deletes the other's.
pub fn default_backup_dir(store_dir: &Path) -> Option<PathBuf> {
    let parent = store_dir.parent()?;
    let name = store_dir.file_name()?.to_string_lossy();
    Some(if name == "store" {
        parent.join("backups")
    } else {
        parent.join(format!("backups-{name}"))
    })
}

/// The name prefix of the backup a restore over the live store takes of it first
/// (`expense-before-restore-<UTC time>.jsonl.zst`). It is kept like a backup taken by hand, but it
/// is never "the newest backup" a damaged store is sent back to (`restore --latest`): that
/// would put back the store the restore replaced.
pub const SAFETY_PREFIX: &str = "expense-before-restore-";

/// Whether a file named `name` in a backup folder is a backup `restore --latest` may choose:
/// `expense-*.jsonl.zst` (or `expense-*.jsonl`, plain, as versions before compressed backups
/// wrote them), not a restore's safety backup.
pub fn is_restorable_backup(name: &str) -> bool {
    name.starts_with("expense-")
        && (name.ends_with(".jsonl") || name.ends_with(".jsonl.zst"))
        && !name.starts_with(SAFETY_PREFIX)
}
