//! A full disk. Rule: a write is refused before it touches sled when the device holding the
//! store has less than [`MIN_FREE`] left, so sled never meets `ENOSPC` in the middle of a
//! commit (after which its handle refuses every later write until the process restarts, and
//! the failed change can still show in memory); the refusal changes nothing, and once space is
//! back the next write simply works, in the same process.
//!
//! Reading must work on a full disk too, but sled writes a snapshot file when it opens a store
//! written since the last one. So the store keeps a reserve beside it (`<store>.reserve`,
//! [`reserve_bytes`], allocated for real with `posix_fallocate`, not a sparse file): an open
//! that fails for want of space frees it and tries once more, and says so; the next open with
//! space enough allocates it again.

pub(super) use super::error::is_full;
use super::error::StoreError;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Free space below which writes are refused: two of sled's 512 KiB log segments, plus room
/// for the snapshot and the mark.
pub(super) const MIN_FREE: u64 = 2 * 1024 * 1024;

/// The reserve file of the store in `store_dir`.
pub(super) fn reserve_path(store_dir: &Path) -> PathBuf {
    let mut p = store_dir.as_os_str().to_owned();
    p.push(".reserve");
    PathBuf::from(p)
}

/// Bytes free for this process on the device holding `dir` (root may use the blocks kept for
/// it), `None` when the file system does not say.
pub(super) fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs writes only into `st`, which is a valid, zeroed struct.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a valid out pointer.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    // SAFETY: geteuid cannot fail.
    let blocks = if unsafe { libc::geteuid() } == 0 {
        st.f_bfree
    } else {
        st.f_bavail
    };
    Some(blocks.saturating_mul(st.f_frsize))
}

/// The folder a person frees space in: the data folder holding the store.
fn shown(store_dir: &Path) -> PathBuf {
    store_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(store_dir)
        .to_path_buf()
}

/// `StoreError::NoSpace` for the store in `store_dir`.
pub(super) fn no_space(store_dir: &Path) -> StoreError {
    StoreError::NoSpace {
        dir: Some(shown(store_dir)),
    }
}

/// Refuses a write to the store in `store_dir` when its device has less than [`MIN_FREE`]
/// left, or, when the reserve was freed for reading, less than that and room for the reserve
/// again (writes do not eat the space that lets the store open; see the module doc).
pub(super) fn check_space(store_dir: &Path) -> Result<(), StoreError> {
    let Some(free) = free_bytes(store_dir) else {
        return Ok(());
    };
    let need = if reserve_path(store_dir).exists() {
        MIN_FREE
    } else {
        MIN_FREE + reserve_bytes(store_dir)
    };
    if free < need {
        return Err(no_space(store_dir));
    }
    Ok(())
}

/// The reserve's size for the store in `store_dir`: [`MIN_FREE`] plus twice its newest sled
/// snapshot (what an open writes).
pub(super) fn reserve_bytes(store_dir: &Path) -> u64 {
    let snap = std::fs::read_dir(store_dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("snap."))
        .filter_map(|e| e.metadata().ok().map(|m| m.len()))
        .max()
        .unwrap_or(0);
    MIN_FREE + 2 * snap
}

/// Allocates the reserve when it is missing or too small and the device has room for it and
/// [`MIN_FREE`] more. Best effort: a reserve is a comfort, not a condition.
pub(super) fn keep_reserve(store_dir: &Path) {
    let path = reserve_path(store_dir);
    let want = reserve_bytes(store_dir);
    let have = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    if have >= want {
        return;
    }
    if free_bytes(store_dir).is_some_and(|f| f < want - have + MIN_FREE) {
        return;
    }
    let Ok(f) = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
    else {
        return;
    };
    use std::os::unix::io::AsRawFd;
    let len = libc::off_t::try_from(want).unwrap_or(libc::off_t::MAX);
    // SAFETY: a valid open descriptor; the range is within off_t.
    if unsafe { libc::posix_fallocate(f.as_raw_fd(), 0, len) } != 0 {
        // Not allocated for real: no reserve rather than a sparse one that frees nothing.
        drop(f);
        let _ = std::fs::remove_file(&path);
    }
}

/// Frees the reserve of the store in `store_dir`; true when there was one.
pub(super) fn free_reserve(store_dir: &Path) -> bool {
    std::fs::remove_file(reserve_path(store_dir)).is_ok()
}
