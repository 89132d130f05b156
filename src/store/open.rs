//! Opening a store: the directory and its permissions, sled's lock (retried briefly), the schema
//! check and the numbered migrations (`store/migrate.rs`, which also give a store written before
//! marks existed its running-hash chain), the refusal of an unfinished restore, and the
//! high-water mark. Rule: nothing is written before the
//! store is known to be ours (owner-only directory, lock held); the first write of a new store is
//! its schema version.

use super::error::StoreError;
use super::{mark, migrate, tables, Store};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tables::Trees;

/// How long `open` keeps retrying a locked store before reporting `StoreError::Locked`.
pub(super) const LOCK_GRACE: std::time::Duration = std::time::Duration::from_millis(400);

/// sled's page cache. Its default (1 GiB) lets a large store take most of that in RAM; the
/// ledger reads a page at a time, so a small cache costs little and bounds memory. sled keeps
/// several times this in materialized pages: a TUI that walked every month of a 1M store and
/// their reviews grew to 220 MiB with 32 MiB (benches/README.md, "TUI memory at 1M"). At 1M,
/// 32, 8 and 4 MiB drew the first frame, `j`, `PgDn`, `]` and the review in the same time and
/// `expense check` was no slower; a 100k import was no slower at 8 MiB, 10-20 % slower at 4.
pub(super) const CACHE_BYTES: u64 = 8 * 1024 * 1024;

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
        // The folder that holds the store must be this user's alone: checked before anything
        // is created in it, and again once a new one exists.
        let parent = dir.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(parent) = parent.filter(|p| p.exists()) {
            check_private(parent)?;
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io(dir))?;
        if let Some(parent) = parent {
            check_private(parent)?;
        }
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
        // Said once the store is open: what this open had to do first.
        let mut early = Vec::new();
        let mut freed = false;
        let mut unstuck = false;
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
                // sled writes a snapshot when it opens: on a full disk, free the reserve kept
                // for this (`space.rs`) and try once more, so reading still works.
                Err(StoreError::NoSpace { .. }) if !freed && super::space::free_reserve(dir) => {
                    freed = true;
                    early.push(format!(
                        "the disk holding {} is full: the space kept in reserve for this was \
                         freed so the store could open; free some space, as writes are refused \
                         until there is room",
                        dir.display()
                    ));
                }
                // A snapshot sled did not finish (a full disk, a kill) is read as damage by
                // the next open (sled 0.34 takes the newest `snap.*` file, finished or not).
                // Removed only under sled's own lock: then it is nobody's work in progress.
                Err(StoreError::Damaged { .. }) if !unstuck && remove_unfinished_snapshots(dir) => {
                    unstuck = true;
                    early.push(
                        "removed a store snapshot that an interrupted open had left unfinished"
                            .to_string(),
                    );
                }
                // sled writes `conf` unlocked when it creates a store: another process creating
                // it at the same moment reads it half written. Real damage stays damage.
                Err(StoreError::Damaged { .. }) if started.elapsed() < LOCK_GRACE => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                r => break r?,
            }
        };
        // Only now, holding sled's lock, walk the files: before it, the holder may be replacing
        // its snapshot files under our feet.
        tighten_files(dir)?;
        let store = Store::from_db(db, Some(Arc::from(dir)))?;
        if !early.is_empty() {
            let mut notes = store.notices.lock().unwrap_or_else(|p| p.into_inner());
            early.append(&mut notes);
            *notes = early;
        }
        super::space::keep_reserve(dir);
        Ok(store)
    }

    /// A store in a temporary location, deleted when the last handle is dropped (tests, demos).
    pub fn open_temporary() -> Result<Store, StoreError> {
        let db = sled::Config::new().temporary(true).open()?;
        Store::from_db(db, None)
    }

    pub(super) fn from_db(db: sled::Db, path: Option<Arc<Path>>) -> Result<Store, StoreError> {
        let trees = Trees::open(&db)?;
        migrate::run_migrations(&db, &trees)?;
        if trees.meta.get(tables::META_RESTORING)?.is_some() {
            let at = path
                .as_deref()
                .map_or("the store".into(), |p| p.display().to_string());
            return Err(StoreError::Invalid(format!(
                "{at} holds a restore that did not finish; delete that directory (and the \
                 .hwm file beside it) and restore again"
            )));
        }
        let mut notices = Vec::new();
        if let Some(p) = &path {
            let end = (trees.last_seq()?, trees.stream_hash()?);
            notices.extend(super::swap::finish_interrupted(p, end.0, &end.1)?);
        }
        let mark = match &path {
            Some(p) => Some(Arc::new(mark::Mark::open(
                p,
                trees.last_seq()?,
                trees.stream_hash()?,
            )?)),
            None => None,
        };
        let last = trees.last_seq()?;
        let store = Store {
            db,
            trees: Arc::new(trees),
            path,
            mark,
            trash_ttl: Arc::new(std::sync::atomic::AtomicI64::new(
                super::tables::DEFAULT_TRASH_TTL_MS,
            )),
            feed: Arc::new(super::feed::Feed::new(last)),
            notices: Arc::new(std::sync::Mutex::new(notices)),
        };
        store.ensure_replica_id()?;
        store.roll_back_interrupted_imports(crate::clock::now_ms());
        store.roll_back_interrupted_renames(crate::clock::now_ms());
        // Schema 5 made budgets items of the stream; an older store's get their records here,
        // where the write path exists (a migration sees only the trees). Best effort: a store
        // that cannot be written now still opens, and the next open tries again.
        let _ = store.stream_older_budgets(crate::clock::now().timestamp_millis());
        Ok(store)
    }
}

/// Removes sled's `snap.*.generating` files in `dir` while holding sled's lock (its `flock` on
/// `db`, taken the way sled takes it); true when there was one. False when another process
/// holds the store.
fn remove_unfinished_snapshots(dir: &Path) -> bool {
    use std::os::unix::io::AsRawFd;
    let Ok(db) = std::fs::OpenOptions::new().read(true).open(dir.join("db")) else {
        return false;
    };
    // SAFETY: a valid open descriptor; the lock goes with it when `db` is dropped.
    if unsafe { libc::flock(db.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        return false;
    }
    let mut removed = false;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.")
            && name.ends_with(".generating")
            && std::fs::remove_file(e.path()).is_ok()
        {
            removed = true;
        }
    }
    removed
}

/// Refuses the folder that holds the store (and its session socket) when another user owns it
/// or may write in it: such a user could replace the store or answer on its socket.
pub fn check_private(dir: &Path) -> Result<(), StoreError> {
    let md = std::fs::metadata(dir).map_err(|source| StoreError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let shown = dir.display();
    if md.uid() != me {
        return Err(StoreError::Exposed {
            path: dir.to_path_buf(),
            why: format!(
                "the data folder belongs to user id {}, not to you (user id {me}); keep your \
                 records in a folder of your own (--data-dir, or EXPENSE_DATA_DIR)",
                md.uid()
            ),
        });
    }
    let mode = md.permissions().mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(StoreError::Exposed {
            path: dir.to_path_buf(),
            why: format!(
                "other users may write in the data folder (mode {mode:04o}), and could replace \
                 the store or answer on its socket; make it yours alone: chmod 700 '{shown}'"
            ),
        });
    }
    Ok(())
}

pub(super) fn chmod(p: &Path, mode: u32) -> Result<(), StoreError> {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).map_err(|source| {
        StoreError::Io {
            path: p.to_path_buf(),
            source,
        }
    })
}

/// Strips group/other permissions from `dir`, keeping the owner's (so a read-only dir stays
/// read-only and fails visibly).
pub(super) fn tighten_dir(dir: &Path) -> Result<(), StoreError> {
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
pub(super) fn tighten_files(dir: &Path) -> Result<(), StoreError> {
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
pub(super) fn open_error(dir: &Path, e: sled::Error) -> StoreError {
    match e {
        sled::Error::Io(source) if super::space::is_full(&source) => super::space::no_space(dir),
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
        e @ sled::Error::Corruption { .. } => StoreError::Damaged {
            path: Some(dir.to_path_buf()),
            what: e.to_string(),
        },
        e => e.into(),
    }
}
