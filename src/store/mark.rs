//! The high-water mark: detects a store that reopened `Ok` with changes missing (a damaged or
//! replaced sled directory). Rule: after every flushed write the mark file beside the store
//! (`<store dir>.hwm`, 0600) holds the last seq and the running stream hash of that write, and
//! never moves backwards; `meta` holds the same pair, written inside each write transaction. At
//! open, a store whose `meta` seq is below the mark, or at the mark with another hash, is opened
//! for reading only.
//!
//! The running hash: `h(seq) = SHA-256(h(seq - 1) ++ seq u64 BE ++ stored record bytes)`, with
//! `h` = 32 zero bytes before the first record (or before the first write of a store created
//! before marks existed). SHA-256 because the crate is already here (import row hashes) and a
//! mark must never change meaning between versions.
//!
//! File format, one line rewritten in place and synced after each write (a single short
//! `pwrite` is not torn in practice): `expense-hwm 1 <seq, 20 digits> <hash, 64 hex>\n`.

use super::error::StoreError;
use super::keys::{hex, unhex};
use std::fs::File;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub use super::chain::{next_hash, Hash, ZERO};
pub use super::stream::chain_of;

/// The mark file of the store in `store_dir`: `<store_dir>.hwm`.
pub fn mark_path(store_dir: &Path) -> PathBuf {
    let mut p = store_dir.as_os_str().to_owned();
    p.push(".hwm");
    PathBuf::from(p)
}

fn line(seq: u64, hash: &Hash) -> String {
    format!("expense-hwm 1 {seq:020} {}\n", hex(hash))
}

/// Parses a mark line.
fn parse(text: &str) -> Option<(u64, Hash)> {
    let mut w = text.split_ascii_whitespace();
    if w.next()? != "expense-hwm" || w.next()? != "1" {
        return None;
    }
    let seq = w.next()?.parse().ok()?;
    let h = unhex::<32>(w.next()?)?;
    if w.next().is_some() {
        return None;
    }
    Some((seq, h))
}

/// The open mark of one store.
#[derive(Debug)]
pub struct Mark {
    path: PathBuf,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    file: File,
    seq: u64,
    /// Why writes are refused (set at open, cleared by [`Mark::reset`]).
    refused: Option<Refusal>,
}

/// What the open found wrong.
#[derive(Debug, Clone)]
pub struct Refusal {
    store_seq: u64,
    mark_seq: u64,
    hash_differs: bool,
}

impl Mark {
    /// Opens (creating) the mark of the store in `store_dir`, whose `meta` says `seq` and
    /// `hash`, and compares them.
    pub fn open(store_dir: &Path, seq: u64, hash: Hash) -> Result<Mark, StoreError> {
        let path = mark_path(store_dir);
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(e)),
        };
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(io)?;
        let mut refused = None;
        let mut at = seq;
        match text.as_deref().map(|t| (t, parse(t))) {
            Some((_, Some((mseq, mhash)))) if mseq > seq || (mseq == seq && mhash != hash) => {
                refused = Some(Refusal {
                    store_seq: seq,
                    mark_seq: mseq,
                    hash_differs: mseq == seq,
                });
                at = mseq;
            }
            Some((_, Some((mseq, _)))) if mseq == seq => {}
            Some((t, None)) if !t.is_empty() => {
                return Err(StoreError::Invalid(format!(
                    "the high-water mark {} is unreadable ({:?}); if the store is known good, \
                     delete that file and open it again",
                    path.display(),
                    t.chars().take(40).collect::<String>()
                )))
            }
            // Missing, empty, or behind the store (a crash between the flush and the mark
            // write): the store is ahead, so bring the mark up to it.
            _ => {
                file.write_all_at(line(seq, &hash).as_bytes(), 0)
                    .and_then(|()| file.set_len(line(seq, &hash).len() as u64))
                    .and_then(|()| file.sync_data())
                    .map_err(io)?;
            }
        }
        Ok(Mark {
            path,
            state: Mutex::new(State {
                file,
                seq: at,
                refused,
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Err(StoreError::BehindMark)` when writes are refused.
    pub fn check_writable(&self, store_dir: &Path) -> Result<(), StoreError> {
        match &self.lock().refused {
            None => Ok(()),
            Some(r) => Err(self.error(store_dir, r)),
        }
    }

    /// The refusal as a message, if writes are refused.
    pub fn refusal(&self, store_dir: &Path) -> Option<String> {
        let st = self.lock();
        st.refused
            .as_ref()
            .map(|r| self.error(store_dir, r).to_string())
    }

    fn error(&self, store_dir: &Path, r: &Refusal) -> StoreError {
        StoreError::BehindMark {
            path: store_dir.to_path_buf(),
            mark: self.path.clone(),
            store_seq: r.store_seq,
            mark_seq: r.mark_seq,
            hash_differs: r.hash_differs,
            backup: newest_backup(store_dir),
        }
    }

    /// Moves the mark to `seq`/`hash` after a flushed write, unless it is already further
    /// (threads commit concurrently; the mark never moves backwards).
    pub fn advance(&self, seq: u64, hash: &Hash) -> Result<(), StoreError> {
        let mut st = self.lock();
        if seq <= st.seq {
            return Ok(());
        }
        st.file
            .write_all_at(line(seq, hash).as_bytes(), 0)
            .and_then(|()| st.file.sync_data())
            .map_err(|source| StoreError::Io {
                path: self.path.clone(),
                source,
            })?;
        st.seq = seq;
        Ok(())
    }
}

/// Sets the mark of the store in `store_dir` to `seq`/`hash` whatever it said, synced: the store
/// there was just replaced whole (`swap.rs`), so its history starts anew.
pub(super) fn write_file(store_dir: &Path, seq: u64, hash: &Hash) -> Result<(), StoreError> {
    let path = mark_path(store_dir);
    let text = line(seq, hash);
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .and_then(|f| {
            use std::io::Write;
            (&f).write_all(text.as_bytes())?;
            f.sync_all()
        })
        .map_err(|source| StoreError::Io { path, source })
}

/// The newest backup `restore --latest` would choose in the store's default backup folder, for
/// the message.
fn newest_backup(store_dir: &Path) -> Option<PathBuf> {
    let dir = super::paths::default_backup_dir(store_dir)?;
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| super::paths::is_restorable_backup(&e.file_name().to_string_lossy()))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max()
        .map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mark_lines_round_trip_and_junk_is_rejected() {
        let h = next_hash(&ZERO, 1, b"abc");
        assert_ne!(h, ZERO);
        assert_eq!(parse(&line(42, &h)), Some((42, h)));
        assert_eq!(parse("expense-hwm 2 1 00"), None);
        assert_eq!(parse("garbage"), None);
        // The chain depends on the order and the seq.
        assert_ne!(next_hash(&h, 2, b"x"), next_hash(&h, 3, b"x"));
    }

    #[test]
    fn a_store_behind_its_mark_is_refused_until_the_mark_is_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        let h5 = next_hash(&ZERO, 5, b"r");
        let m = Mark::open(&store, 5, h5).unwrap();
        m.advance(3, &ZERO).unwrap(); // backwards: ignored
        m.advance(7, &h5).unwrap();
        drop(m);
        let text = std::fs::read_to_string(mark_path(&store)).unwrap();
        assert_eq!(parse(&text), Some((7, h5)));
        let m = Mark::open(&store, 5, h5).unwrap();
        let e = m.check_writable(&store).unwrap_err().to_string();
        assert!(e.contains("change 5") && e.contains("change 7"), "{e}");
        // A store swapped in whole (`swap.rs`) rewrites the mark: writable again.
        drop(m);
        write_file(&store, 5, &h5).unwrap();
        Mark::open(&store, 5, h5)
            .unwrap()
            .check_writable(&store)
            .unwrap();
        // Same seq, other hash: refused too.
        let m = Mark::open(&store, 0, h5).unwrap();
        assert!(m.check_writable(&store).is_err());
    }

    /// A store last written before marks existed gets the chain of its whole stream at open,
    /// so `check --stream` can verify it, and keeps writing.
    #[test]
    fn a_store_from_before_marks_gets_its_chain_at_open() {
        use crate::domain::{Currency, Draft, Kind};
        use crate::store::{Origin, Store};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let draft = Draft {
            date: chrono::NaiveDate::from_ymd_opt(2024, 1, 2).unwrap(),
            amount: 5,
            currency: Currency::EUR,
            category: "food".into(),
            payee: String::new(),
            note: String::new(),
            tags: vec![],
            kind: Kind::Expense,
        };
        let chained = {
            let store = Store::open(&path).unwrap();
            store.put(draft.clone(), Origin::User, 1).unwrap();
            store.put(draft.clone(), Origin::User, 2).unwrap();
            let h = store.trees.stream_hash().unwrap();
            assert_eq!(h, chain_of(&store.trees.stream).unwrap());
            store
                .trees
                .meta
                .remove(super::super::tables::META_HASH)
                .unwrap();
            store.flush().unwrap();
            h
        };
        std::fs::remove_file(mark_path(&path)).unwrap();
        let store = Store::open_waiting(&path, std::time::Duration::from_secs(5)).unwrap();
        assert_eq!(store.trees.stream_hash().unwrap(), chained);
        store.put(draft, Origin::User, 3).unwrap();
        assert!(store.verify().unwrap().is_empty());
        let text = std::fs::read_to_string(mark_path(&path)).unwrap();
        assert_eq!(parse(&text).map(|m| m.0), Some(3));
    }
}
