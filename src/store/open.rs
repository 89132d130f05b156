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
        // sled is given the folder itself, not its name (see `Home`).
        let home = Home::pin(dir);
        let sled_dir = home.as_ref().map_or(dir, |h| h.pinned.as_path());
        let db = loop {
            match sled::Config::new()
                .path(sled_dir)
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
                Err(StoreError::Damaged { .. })
                    if !unstuck && remove_unfinished_snapshots(sled_dir) =>
                {
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
        let mut store = Store::from_db(db, Some(Arc::from(dir)))?;
        store.home = home.map(|h| Arc::new(h.with_db()));
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
            home: None,
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

/// The folder a store was opened in, held open (its descriptor) for as long as the store is.
///
/// sled names its files by path (`db`, `conf`, `snap.*`, `blobs/`), and its open writes a new
/// snapshot and removes the older ones by name. If the data folder was deleted while a process
/// was opening it (`rm -rf` of the folder while the automatic backup after a command or a
/// lingering holder starts up) and a new store made at the same path meanwhile, those writes and
/// removals landed in the new store, which then read as damaged. sled is given
/// `/proc/self/fd/N` of this folder instead: its names resolve in the folder this process
/// opened whatever becomes of the path, and a deleted folder takes no new file (the old
/// process's open fails instead of harming the new store). Where `/proc` is not there, sled
/// gets the path as before.
#[derive(Debug)]
pub(super) struct Home {
    /// The open folder; its descriptor is what `pinned` names.
    _folder: std::fs::File,
    /// `/proc/self/fd/N` of `_folder`.
    pinned: PathBuf,
    /// (device, inode) of the folder and of its `db` file as sled opened them.
    folder: (u64, u64),
    db: Option<(u64, u64)>,
}

impl Home {
    /// Opens `dir` and checks that `/proc/self/fd/N` leads to it; `None` when it does not.
    fn pin(dir: &Path) -> Option<Home> {
        use std::os::fd::AsRawFd;
        let folder = std::fs::File::open(dir).ok()?;
        let pinned = PathBuf::from(format!("/proc/self/fd/{}", folder.as_raw_fd()));
        let id = |md: std::fs::Metadata| (md.dev(), md.ino());
        let own = id(folder.metadata().ok()?);
        (std::fs::metadata(&pinned).ok().map(id) == Some(own)).then_some(Home {
            _folder: folder,
            pinned,
            folder: own,
            db: None,
        })
    }

    /// Notes which `db` file sled holds (read through the pinned folder, right after the open).
    fn with_db(mut self) -> Home {
        self.db = std::fs::metadata(self.pinned.join("db"))
            .ok()
            .map(|md| (md.dev(), md.ino()));
        self
    }

    /// True when `path` is still this folder, holding this `db` file, or when that cannot be
    /// told (a `stat` that fails for another reason than a missing name).
    pub(super) fn is_at(&self, path: &Path) -> bool {
        let same = |p: &Path, want: Option<(u64, u64)>| match std::fs::metadata(p) {
            Ok(md) => want.is_none_or(|w| (md.dev(), md.ino()) == w),
            Err(e) => e.kind() != std::io::ErrorKind::NotFound,
        };
        same(path, Some(self.folder)) && same(&path.join("db"), self.db)
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

#[cfg(test)]
mod tests {
    use super::super::{Store, StoreError};
    use super::Home;
    use crate::domain::change::Origin;

    fn add(store: &Store, amount: i64) -> Result<crate::domain::ExpenseId, StoreError> {
        let draft = super::super::backup::tests::draft(amount);
        store.put(draft, Origin::User, 1).map(|r| r.id)
    }

    /// sled given the pinned folder works in that folder whatever becomes of its name: once
    /// the folder is deleted and a new one made at the path, an open through the pin fails and
    /// leaves the new folder as it was (given the path, it would fill the new one).
    #[test]
    fn sled_works_in_the_folder_opened_not_in_its_name() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("store");
        std::fs::create_dir(&dir).unwrap();
        let home = Home::pin(&dir).expect("/proc/self/fd leads to the folder");
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("snap.0000000000000001"), b"the new store's").unwrap();
        assert!(sled::Config::new().path(&home.pinned).open().is_err());
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left,
            ["snap.0000000000000001"],
            "nothing written or removed there"
        );
    }

    /// A store whose folder is deleted (or renamed) after the open refuses writes, naming the
    /// folder; a new store made at the path is another store, and the renamed folder still
    /// opens with what was written before.
    #[test]
    fn a_store_whose_folder_went_away_refuses_writes() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("store");
        let old = Store::open(&dir).unwrap();
        let kept = add(&old, 100).unwrap();
        assert!(!old.moved_away());
        let elsewhere = tmp.path().join("moved");
        std::fs::rename(&dir, &elsewhere).unwrap();
        assert!(old.moved_away());
        // The mark beside the folder goes with it (as with the whole data folder deleted).
        let mark = super::super::mark::mark_path;
        std::fs::rename(mark(&dir), mark(&elsewhere)).unwrap();
        let err = add(&old, 200).unwrap_err();
        assert!(matches!(&err, StoreError::MovedAway { path } if path == &dir));
        assert!(
            err.to_string().contains("was deleted, moved or replaced"),
            "{err}"
        );
        let new = Store::open(&dir).unwrap();
        assert!(!new.moved_away());
        assert!(
            old.moved_away(),
            "a new store at the path is not the old one"
        );
        add(&new, 300).unwrap();
        assert_eq!(new.get(kept).unwrap(), None);
        drop((old, new));
        let back = Store::open(&elsewhere).unwrap();
        assert_eq!(back.get(kept).unwrap().map(|e| e.draft.amount), Some(100));
        assert_eq!(
            back.last_seq().unwrap(),
            1,
            "the refused write left nothing"
        );
    }
}
