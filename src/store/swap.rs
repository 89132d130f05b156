//! Replacing the live store with a snapshot, atomically: `expense restore --force-live` and
//! `--latest`. Rule: the new store is built beside the live one (`<store>.restoring`), then the
//! two directories trade places in one `renameat2(RENAME_EXCHANGE)`, so a kill at any instant
//! leaves the old store or the new one at `<store>`, never an empty or half-built one.
//!
//! The high-water mark (`<store>.hwm`, see `mark.rs`) lives beside the directory, so it cannot
//! move with it. A journal closes that gap: before the exchange, `<store>.swap` is written and
//! synced with the new store's last seq and running hash; after it, the mark is set to them and
//! the journal removed. An open that finds a journal (the restore was killed between the two)
//! finishes the work: when the store at `<store>` is the new one (its seq and hash are the
//! journal's) the mark is set to it; otherwise the exchange never happened and the unused copy
//! beside it is removed. Nothing here ever deletes the store that was live, except the
//! restore itself once a safety backup of it is written; an open that finds one left beside
//! keeps it as `<store>.replaced`.
//!
//! File format of the journal: one line, `expense-swap 1 <seq, 20 digits> <hash, 64 hex>\n`.

use super::backup::{RestoreInfo, Snapshot};
use super::chain::Hash;
use super::error::StoreError;
use super::keys::{hex, unhex};
use super::Store;
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// `<store_dir><suffix>`: a sibling of the store directory.
fn sibling(store_dir: &Path, suffix: &str) -> PathBuf {
    let mut p: OsString = store_dir.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// Where the new store is built: `<store>.restoring`.
pub fn building_dir(store_dir: &Path) -> PathBuf {
    sibling(store_dir, ".restoring")
}

/// The journal of a swap in progress: `<store>.swap`.
fn journal_path(store_dir: &Path) -> PathBuf {
    sibling(store_dir, ".swap")
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Syncs a directory, so renames and removals in it survive a power cut.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io(dir))
}

fn parent_of(store_dir: &Path) -> &Path {
    match store_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Removes a store directory and the mark and reserve files beside it; absent is fine.
fn remove_store_dir(dir: &Path) -> Result<(), StoreError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(dir)(e)),
    }
    for file in [super::mark::mark_path(dir), sibling(dir, ".reserve")] {
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&file)(e)),
        }
    }
    Ok(())
}

fn journal_line(seq: u64, hash: &Hash) -> String {
    format!("expense-swap 1 {seq:020} {}\n", hex(hash))
}

fn parse_journal(text: &str) -> Option<(u64, Hash)> {
    let mut w = text.split_ascii_whitespace();
    if w.next()? != "expense-swap" || w.next()? != "1" {
        return None;
    }
    let seq = w.next()?.parse().ok()?;
    let hash = unhex::<32>(w.next()?)?;
    w.next().is_none().then_some((seq, hash))
}

/// Trades the places of two directories in one step (Linux `renameat2` with
/// `RENAME_EXCHANGE`). A file system without it is refused with a message before anything
/// changed.
fn exchange(a: &Path, b: &Path) -> Result<(), StoreError> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = |p: &Path| {
            std::ffi::CString::new(p.as_os_str().as_bytes())
                .map_err(|_| StoreError::Invalid(format!("{} holds a NUL byte", p.display())))
        };
        let (ca, cb) = (c(a)?, c(b)?);
        // SAFETY: both are valid NUL-terminated paths; AT_FDCWD resolves them as given.
        let r = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                ca.as_ptr(),
                libc::AT_FDCWD,
                cb.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if !matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) {
            return Err(io(b)(e));
        }
    }
    Err(StoreError::Invalid(format!(
        "the file system holding {} cannot swap two folders in one step, so the live store \
         cannot be replaced safely; nothing was changed: restore with --to DIR, then move that \
         store in place of this one with no expense process running",
        b.display()
    )))
}

/// What [`replace_live`] did.
#[derive(Debug)]
pub struct Replaced {
    /// What the new store holds.
    pub info: RestoreInfo,
    /// Where the store that was live was kept (when asked to keep it).
    pub kept: Option<PathBuf>,
}

/// Replaces the store in `store_dir` with `snap` (see the module doc). The caller holds the
/// live store's lock (or the live store cannot be opened at all: it is damaged) and has backed
/// it up, or names `keep` for where the old directory goes. Returns what was restored.
pub fn replace_live(
    store_dir: &Path,
    snap: &Snapshot,
    keep: Option<&Path>,
) -> Result<Replaced, StoreError> {
    let parent = parent_of(store_dir);
    let build = building_dir(store_dir);
    // A build left by a restore killed earlier was never live.
    remove_store_dir(&build)?;
    let built = (|| {
        let new = Store::open(&build)?;
        let info = new.restore_snapshot(snap)?;
        new.flush()?;
        let end = (new.trees.last_seq()?, new.trees.stream_hash()?);
        Ok::<_, StoreError>((info, end))
    })();
    let (info, (seq, hash)) = match built {
        Ok(b) => b,
        Err(e) => {
            let _ = remove_store_dir(&build);
            return Err(e);
        }
    };
    let journal = journal_path(store_dir);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&journal)
        .map_err(io(&journal))?;
    f.write_all(journal_line(seq, &hash).as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(io(&journal))?;
    sync_dir(parent)?;
    if let Err(e) = exchange(&build, store_dir) {
        let _ = std::fs::remove_file(&journal);
        let _ = remove_store_dir(&build);
        return Err(e);
    }
    sync_dir(parent)?;
    super::mark::write_file(store_dir, seq, &hash)?;
    // The old store is now at `build`. One that is kept moves before the journal goes (a kill
    // in between leaves it where an open keeps it too); one backed up is removed after.
    let kept = match keep {
        Some(k) => {
            std::fs::rename(&build, k).map_err(io(k))?;
            let _ = std::fs::remove_file(super::mark::mark_path(&build));
            let _ = std::fs::remove_file(sibling(&build, ".reserve"));
            Some(k.to_path_buf())
        }
        None => None,
    };
    std::fs::remove_file(&journal).map_err(io(&journal))?;
    sync_dir(parent)?;
    if keep.is_none() {
        remove_store_dir(&build)?;
    }
    Ok(Replaced { info, kept })
}

/// At open, holding the lock of the store in `store_dir` whose last seq and running hash are
/// `seq` and `hash`: finishes a swap that a kill interrupted (see the module doc). Returns a
/// line for the person when there was one.
pub(super) fn finish_interrupted(
    store_dir: &Path,
    seq: u64,
    hash: &Hash,
) -> Result<Option<String>, StoreError> {
    let journal = journal_path(store_dir);
    let text = match std::fs::read_to_string(&journal) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(&journal)(e)),
    };
    let build = building_dir(store_dir);
    let swapped = parse_journal(&text) == Some((seq, *hash));
    let note = if swapped {
        super::mark::write_file(store_dir, seq, hash)?;
        if build.exists() {
            // The store that was live before the restore: kept, never deleted here.
            let kept = sibling(store_dir, ".replaced");
            remove_store_dir(&kept)?;
            std::fs::rename(&build, &kept).map_err(io(&kept))?;
            let _ = std::fs::remove_file(super::mark::mark_path(&build));
            let _ = std::fs::remove_file(sibling(&build, ".reserve"));
            format!(
                "a restore over this store was interrupted after the new store was in place; \
                 it is finished (the store from before is kept in {})",
                kept.display()
            )
        } else {
            "a restore over this store was interrupted after the new store was in place; it is \
             finished"
                .to_string()
        }
    } else {
        remove_store_dir(&build)?;
        "a restore over this store was interrupted before the new store was put in place; the \
         store is as it was before it (restore again to replace it)"
            .to_string()
    };
    std::fs::remove_file(&journal).map_err(io(&journal))?;
    sync_dir(parent_of(store_dir))?;
    Ok(Some(note))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::chain::ZERO;

    #[test]
    fn journal_lines_round_trip_and_junk_is_refused() {
        let h = crate::store::chain::next_hash(&ZERO, 1, b"x");
        assert_eq!(parse_journal(&journal_line(7, &h)), Some((7, h)));
        assert_eq!(parse_journal("expense-swap 2 7 00"), None);
        assert_eq!(parse_journal(""), None);
    }

    fn store_with(dir: &Path, n: i64) -> (u64, Hash) {
        let s = Store::open(dir).unwrap();
        for i in 0..n {
            let d = crate::domain::Draft::sample(
                chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
                100 + i,
                "food",
                "Shop",
            );
            s.put(d, crate::store::Origin::User, 1).unwrap();
        }
        let end = (s.trees.last_seq().unwrap(), s.trees.stream_hash().unwrap());
        drop(s);
        end
    }

    fn count(dir: &Path) -> (u64, Option<String>, Vec<String>) {
        let s = Store::open(dir).unwrap();
        let n = s.trees.items.len() as u64;
        (n, s.write_refusal(), s.take_notices())
    }

    /// A kill between the exchange and the new mark: the next open finishes the swap (the new
    /// store takes writes; the old one is kept, not deleted).
    #[test]
    fn an_open_finishes_a_swap_killed_after_the_exchange() {
        let d = tempfile::tempdir().unwrap();
        let live = d.path().join("store");
        store_with(&live, 5);
        let (seq, hash) = store_with(&building_dir(&live), 2);
        std::fs::write(journal_path(&live), journal_line(seq, &hash)).unwrap();
        exchange(&building_dir(&live), &live).unwrap();
        let (n, refusal, notes) = count(&live);
        assert_eq!(n, 2);
        assert_eq!(refusal, None, "the mark follows the new store");
        assert!(notes[0].contains("it is finished"), "{notes:?}");
        assert!(!journal_path(&live).exists() && !building_dir(&live).exists());
        let kept = sibling(&live, ".replaced");
        assert_eq!(count(&kept).0, 5, "the store from before is kept");
        assert!(count(&live).2.is_empty(), "said once");
    }

    /// A kill after the journal but before the exchange: the old store stays, writable, and
    /// the unused copy goes.
    #[test]
    fn an_open_undoes_a_swap_killed_before_the_exchange() {
        let d = tempfile::tempdir().unwrap();
        let live = d.path().join("store");
        store_with(&live, 5);
        let (seq, hash) = store_with(&building_dir(&live), 2);
        std::fs::write(journal_path(&live), journal_line(seq, &hash)).unwrap();
        let (n, refusal, notes) = count(&live);
        assert_eq!((n, refusal), (5, None));
        assert!(notes[0].contains("as it was before"), "{notes:?}");
        assert!(!journal_path(&live).exists() && !building_dir(&live).exists());
    }

    #[test]
    fn exchange_trades_two_folders() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        std::fs::write(a.join("one"), "a").unwrap();
        exchange(&a, &b).unwrap();
        assert!(b.join("one").exists() && !a.join("one").exists());
    }
}
