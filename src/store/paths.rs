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
