//! Writing backups: `Store::backup_to` (a consistent file while writers go on, see the module
//! doc of `store/backup`) and `Store::snapshot_at` (the store at a point in time, replayed from
//! the stream). Rule: a backup never stops writers and never leaves a partial file under the
//! final name (it goes through `path.tmp`, renamed when complete and flushed, and `flock`ed
//! while written, so the next backup can remove the temporary files of killed ones and leave a
//! running one's alone); every line goes through `sum::Sealer`.

use super::super::codec::{decode_item, decode_record, StoredItem};
use super::super::error::StoreError;
use super::super::keys::{decode_id, decode_seq, seq_key};
use super::super::tables::{BUDGETS, ITEMS, SCHEDULES, STREAM};
use super::super::{budget, schedule, Store};
use super::format::{
    line_id, schedule_record, write_expense, Header, Line, FORMAT, FORMAT_VERSION,
};
use super::sum::{Sealer, SHA256};
use super::zst::{self, Out};
use super::{io_err, BackupInfo, Snapshot};
use crate::domain::{Currency, ExpenseId};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::BufRead;
use std::path::{Path, PathBuf};

impl Store {
    /// Writes a consistent snapshot to `path` (through `path.tmp`, renamed when complete and
    /// flushed; mode 0600). Writers go on meanwhile; see the module doc. First removes the
    /// temporary files that killed backups left in the folder of `path` ([`clean_leftovers`]).
    pub fn backup_to(
        &self,
        path: &Path,
        created: chrono::DateTime<chrono::Utc>,
    ) -> Result<BackupInfo, StoreError> {
        let tmp = suffixed(path, ".tmp");
        if let Some(dir) = path.parent() {
            clean_leftovers(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            });
        }
        let r = self.backup_inner(path, &tmp, created, &|| {});
        if let Err(e) = &r {
            // Another backup to the same path holds the temporary file: it is not ours.
            if !matches!(e, StoreError::BackupRunning { .. }) {
                let _ = std::fs::remove_file(&tmp);
            }
        }
        r
    }

    pub(super) fn backup_inner(
        &self,
        path: &Path,
        tmp: &Path,
        created: chrono::DateTime<chrono::Utc>,
        after_scan: &dyn Fn(),
    ) -> Result<BackupInfo, StoreError> {
        let s0 = self.last_seq()?;
        let mut header = Header {
            format: FORMAT.into(),
            version: FORMAT_VERSION,
            app: env!("CARGO_PKG_VERSION").into(),
            created: created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            seq: s0,
            month_start_day: self.month_start_day()?,
            checksum: Some(SHA256.into()),
        };
        let ioe = io_err(tmp);
        let compressed = zst::wants_compression(path);
        let sealer = |f: File| -> Result<Sealer<Out>, StoreError> {
            Ok(Sealer::new(
                Out::new(f, compressed).map_err(&ioe)?,
                tmp.into(),
            ))
        };
        let mut w = sealer(open_locked(tmp)?)?;
        let mut expenses = 0u64;
        let mut newest_seen = 0u64;
        w.json(&header)?;
        // On disk at once, so a backup killed early leaves a file [`clean_leftovers`] knows.
        w.flush()?;
        for kv in self.trees.items.iter() {
            let (k, v) = kv?;
            let id = decode_id(&k)
                .ok_or_else(|| super::super::error::corrupt(ITEMS, &k, "key is not an id"))?;
            let item = super::super::pointer::read_item(&self.trees, id, &k, &v)?;
            if item.last_seq > s0 {
                newest_seen = newest_seen.max(item.last_seq);
                continue;
            }
            w.line(|b| write_expense(b, id, &item))?;
            expenses += 1;
        }
        // Budgets and schedules are items too (few: held in memory, written after the
        // expenses), taken at S0 like the expenses and brought to S1 from the stream below.
        let mut budgets: BTreeMap<u128, StoredItem> = BTreeMap::new();
        for kv in self.trees.budgets.iter() {
            let (k, v) = kv?;
            let img = budget::decode_image(&k, &v)?;
            if img.last_seq > s0 {
                newest_seen = newest_seen.max(img.last_seq);
                continue;
            }
            budgets.insert(budget::budget_id(&img.category).0, img);
        }
        let mut schedules: BTreeMap<u128, StoredItem> = BTreeMap::new();
        for kv in self.trees.schedules.iter() {
            let (k, v) = kv?;
            let id = decode_id(&k)
                .ok_or_else(|| super::super::error::corrupt(SCHEDULES, &k, "key is not an id"))?;
            let img = decode_item(SCHEDULES, &k, &v)?;
            if img.last_seq > s0 {
                newest_seen = newest_seen.max(img.last_seq);
                continue;
            }
            schedules.insert(id.0, img);
        }
        after_scan();
        // An image the scan skipped may be newer than the `meta` seq read now (a commit seen
        // half-way by a reader outside transactions): S1 covers it.
        let s1 = self.last_seq()?.max(newest_seen);
        // The first pass's file stays open (and locked, so no other backup takes it for a
        // leftover) until its copy is done.
        let mut scanned_file = None;
        if s1 > s0 {
            let mut touched = self.touched_between(s0, s1)?;
            // The budgets and schedules the records touched: their state at S1.
            for (id, img) in touched.iter() {
                let kept = if budget::is_budget_id(*id) {
                    &mut budgets
                } else if schedule::is_schedule_id(*id) {
                    &mut schedules
                } else {
                    continue;
                };
                match img {
                    Some(i) => kept.insert(*id, i.clone()),
                    None => kept.remove(id),
                };
            }
            touched.retain(|id, _| !budget::is_budget_id(*id) && !schedule::is_schedule_id(*id));
            let held = w.into_inner().finish().map_err(&ioe)?;
            // Copy the scan without the touched ids, then append their S1 state.
            let scanned = suffixed(tmp, "2");
            std::fs::rename(tmp, &scanned).map_err(&ioe)?;
            scanned_file = Some((held, scanned.clone()));
            let mut reader = zst::lines(File::open(&scanned).map_err(&ioe)?).map_err(&ioe)?;
            w = sealer(open_locked(tmp)?)?;
            header.seq = s1;
            w.json(&header)?;
            expenses = 0;
            let ids: HashSet<String> = touched.keys().map(|i| ExpenseId(*i).to_string()).collect();
            let mut line = Vec::new();
            let mut first = true;
            loop {
                line.clear();
                if reader.read_until(b'\n', &mut line).map_err(&ioe)? == 0 {
                    break;
                }
                if std::mem::take(&mut first) {
                    continue; // the old header
                }
                let l = line.strip_suffix(b"\n").unwrap_or(&line);
                let id = std::str::from_utf8(l).ok().and_then(line_id);
                if id.is_some_and(|id| ids.contains(id)) {
                    continue;
                }
                w.raw(l)?;
                expenses += 1;
            }
            let mut last: Vec<(u128, StoredItem)> = touched
                .into_iter()
                .filter_map(|(id, img)| img.map(|i| (id, i)))
                .collect();
            last.sort_by_key(|(id, _)| *id);
            for (id, item) in last {
                w.line(|b| write_expense(b, ExpenseId(id), &item))?;
                expenses += 1;
            }
        }
        let mut budget_images: Vec<StoredItem> = budgets.into_values().collect();
        budget_images.sort_by(|a, b| a.category.cmp(&b.category));
        let budgets = budget_images.len() as u64;
        for img in budget_images {
            let currency = Currency::from_bytes(img.currency).ok_or_else(|| {
                super::super::error::corrupt(BUDGETS, img.category.as_bytes(), "bad currency")
            })?;
            w.json(&Line::Budget {
                category: img.category,
                currency: currency.code().to_string(),
                minor: img.amount,
            })?;
        }
        let n_schedules = schedules.len() as u64;
        for (id, img) in schedules {
            w.json(&Line::Schedule(schedule_record(
                ExpenseId(id),
                &img,
                SCHEDULES,
            )?))?;
        }
        let mut imports = 0u64;
        for k in self.trees.imports.iter().keys() {
            let k = k?;
            let hash = k.iter().map(|b| format!("{b:02x}")).collect::<String>();
            w.json(&Line::Import { hash })?;
            imports += 1;
        }
        let end = Line::End {
            expenses,
            budgets,
            imports,
            schedules: n_schedules,
            sha256: Some(w.digest()),
        };
        w.json(&end)?;
        let file = w.into_inner().finish().map_err(&ioe)?;
        file.sync_all().map_err(&ioe)?;
        let bytes = file.metadata().map_err(&ioe)?.len();
        if let Some((held, scanned)) = scanned_file {
            let _ = std::fs::remove_file(scanned);
            drop(held);
        }
        std::fs::rename(tmp, path).map_err(io_err(path))?;
        drop(file);
        if let Some(dir) = path.parent() {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(BackupInfo {
            path: path.to_path_buf(),
            seq: header.seq,
            expenses,
            budgets,
            schedules: n_schedules,
            imports,
            bytes,
        })
    }

    /// The state at `s1` of every id a record in `(s0, s1]` touched, from the records' new
    /// images; waits (up to a second) for records of commits still becoming visible.
    fn touched_between(
        &self,
        s0: u64,
        s1: u64,
    ) -> Result<HashMap<u128, Option<StoredItem>>, StoreError> {
        for _ in 0..1000 {
            let mut touched = HashMap::new();
            let mut n = 0u64;
            for kv in self.trees.stream.range(seq_key(s0 + 1)..=seq_key(s1)) {
                let (k, v) = kv?;
                let rec = decode_record(STREAM, &k, &v)?;
                touched.insert(rec.id, rec.new);
                n += 1;
            }
            if n == s1 - s0 {
                return Ok(touched);
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        Err(StoreError::Sled(format!(
            "the change records {}..={s1} did not all appear; try the backup again",
            s0 + 1
        )))
    }

    /// The store as it was right after the last record written at or before `at_ms` (the
    /// stream is read in seq order up to the first record stamped later), as a snapshot, with
    /// the budgets and schedules of that time (they are items of the stream, `store/budget.rs`,
    /// `store/schedule.rs`). A trimmed stream (`[stream]
    /// keep_days`) starts from its base (`store/retention.rs`): a time before the last trimmed
    /// record is refused, naming the earliest time that can be rebuilt.
    pub fn snapshot_at(&self, at_ms: i64) -> Result<Snapshot, StoreError> {
        let mut live: HashMap<u128, StoredItem> = HashMap::new();
        let start = self.trees.stream_start()?;
        let mut seq = start.saturating_sub(1);
        if let Some(base_at) = super::super::retention::base_at(&self.trees)? {
            if at_ms < base_at {
                return Err(StoreError::BeforeWindow {
                    start,
                    // Rounded up to a whole second, so the time shown can be typed as it is.
                    earliest: show_ms(
                        base_at
                            .saturating_add(999)
                            .div_euclid(1000)
                            .saturating_mul(1000),
                    ),
                });
            }
            super::super::retention::for_each_base(&self.trees, |e| {
                if let super::super::retention::BaseEntry::Live(id, img) = e {
                    live.insert(id, img);
                }
                Ok(())
            })?;
        }
        for kv in self.trees.stream.iter() {
            let (k, v) = kv?;
            let rec = decode_record(STREAM, &k, &v)?;
            if rec.at > at_ms {
                break;
            }
            seq = decode_seq(&k)
                .ok_or_else(|| super::super::error::corrupt(STREAM, &k, "key is not a seq"))?;
            match rec.new {
                Some(img) => live.insert(rec.id, img),
                None => live.remove(&rec.id),
            };
        }
        // Budgets and schedules are items of the stream too: the ones live at `at_ms` are its
        // budgets and schedules (each with how far it was handled then).
        let (budget_images, rest): (Vec<_>, Vec<_>) = live
            .into_iter()
            .partition(|(_, i)| super::super::budget::limit(i).is_some());
        let (schedules, items): (Vec<_>, Vec<_>) = rest
            .into_iter()
            .partition(|(id, _)| schedule::is_schedule_id(*id));
        let by_id = |v: Vec<(u128, StoredItem)>| {
            let mut v: Vec<(ExpenseId, StoredItem)> =
                v.into_iter().map(|(id, i)| (ExpenseId(id), i)).collect();
            v.sort_by_key(|(id, _)| *id);
            v
        };
        let (items, schedules) = (by_id(items), by_id(schedules));
        let mut budgets: Vec<super::super::budget::Budget> = budget_images
            .into_iter()
            .filter_map(|(_, i)| {
                let l = super::super::budget::limit(&i)?;
                Some(super::super::budget::Budget {
                    category: i.category,
                    currency: l.currency,
                    amount: l.amount,
                })
            })
            .collect();
        budgets.sort_by(|a, b| a.category.cmp(&b.category));
        Ok(Snapshot {
            seq,
            month_start_day: self.month_start_day()?,
            items,
            budgets,
            schedules,
            imports: Vec::new(),
            skipped: 0,
            unverified: false,
        })
    }
}

/// `ms` as local time, `YYYY-MM-DD HH:MM:SS` (what `restore --at` reads).
fn show_ms(ms: i64) -> String {
    use chrono::TimeZone;
    match chrono::Local.timestamp_millis_opt(ms).single() {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => format!("{ms} ms after 1970"),
    }
}

/// `path` with `suffix` appended to its name.
fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// Creates `path` for writing, owner-only, replacing a leftover, and holds an exclusive
/// `flock` on it for as long as the file is open: [`clean_leftovers`] and a second backup to
/// the same path can tell a running backup's file from a killed one's.
fn open_locked(path: &Path) -> Result<File, StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(io_err(path))?;
    // SAFETY: flock on a descriptor this function owns; it touches no memory.
    if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let e = std::io::Error::last_os_error();
        if e.kind() == std::io::ErrorKind::WouldBlock {
            return Err(StoreError::BackupRunning {
                path: path.to_path_buf(),
            });
        }
        return Err(io_err(path)(e));
    }
    f.set_len(0).map_err(io_err(path))?;
    Ok(f)
}

/// Removes the temporary files of killed backups from `dir`: files named `*.tmp` or `*.tmp2`
/// whose text begins like a backup (`{"format":"expense-backup"`, compressed or not) and that no running backup holds
/// (its `flock`, `open_locked`). Anything else, a user's own `notes.tmp` included, stays.
/// Best effort: a file that cannot be read or removed is left for the next time.
pub fn clean_leftovers(dir: &Path) -> Vec<PathBuf> {
    use std::os::unix::io::AsRawFd;
    let mut removed = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return removed;
    };
    let start = format!("{{\"format\":\"{FORMAT}\"");
    for e in rd.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if !(name.ends_with(".tmp") || name.ends_with(".tmp2")) {
            continue;
        }
        if !e.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let path = e.path();
        let Ok(f) = File::open(&path) else {
            continue;
        };
        let ours = if f.metadata().is_ok_and(|m| m.len() == 0) {
            // Killed between creating the file and writing its header: only default names.
            let name = name.trim_end_matches('2');
            name.ends_with(".jsonl.tmp") || name.ends_with(".jsonl.zst.tmp")
        } else {
            // The text's head, decompressed when the file is.
            zst::head(&path, start.len()) == start.as_bytes()
        };
        if !ours {
            continue;
        }
        // SAFETY: flock on a descriptor owned here; released when `f` is closed.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            continue; // a running backup's
        }
        if std::fs::remove_file(&path).is_ok() {
            removed.push(path);
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::super::read_backup;
    use super::super::tests::draft;
    use super::*;
    use crate::store::Origin;

    /// Writes that land during the scan (a modify, a delete, an insert) are taken from the
    /// stream: the file holds the state at S1, each id once.
    #[test]
    fn writes_during_the_scan_are_taken_from_the_stream() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_temporary().unwrap();
        let ids: Vec<ExpenseId> = (1..=3)
            .map(|i| store.put(draft(i * 100), Origin::User, i).unwrap().id)
            .collect();
        let path = dir.path().join("b.jsonl");
        let tmp = dir.path().join("b.jsonl.tmp");
        let s = store.clone();
        let during = move || {
            s.update(ids[0], 1, draft(111), Origin::User, 10).unwrap();
            s.delete(ids[1], 1, Origin::User, 11).unwrap();
            s.put(draft(444), Origin::User, 12).unwrap();
        };
        let now = chrono::Utc::now();
        let info = store.backup_inner(&path, &tmp, now, &during).unwrap();
        assert_eq!((info.seq, info.expenses), (6, 3));
        let snap = read_backup(&path).unwrap();
        assert_eq!(snap.seq, 6);
        let mut amounts: Vec<i64> = snap.items.iter().map(|(_, i)| i.amount).collect();
        amounts.sort_unstable();
        assert_eq!(amounts, vec![111, 300, 444]);
        assert!(!tmp.exists());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    /// A backup to a `.zst` name is the text of the plain one, compressed (also when writes
    /// during the scan make it copy its first pass), and reads back to the same snapshot.
    #[test]
    fn a_compressed_backup_is_the_plain_text_compressed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_temporary().unwrap();
        for i in 1..=50 {
            store.put(draft(i * 100), Origin::User, i).unwrap();
        }
        let now = chrono::Utc::now();
        let text = |p: &Path| {
            let mut t = Vec::new();
            std::io::Read::read_to_end(&mut zst::lines(File::open(p).unwrap()).unwrap(), &mut t)
                .unwrap();
            t
        };
        let plain = dir.path().join("b.jsonl");
        let packed = dir.path().join("b.jsonl.zst");
        store.backup_to(&plain, now).unwrap();
        let info = store.backup_to(&packed, now).unwrap();
        assert!(std::fs::read(&packed).unwrap().starts_with(&zst::MAGIC));
        assert_eq!(info.bytes, std::fs::metadata(&packed).unwrap().len());
        assert!(info.bytes * 4 < std::fs::metadata(&plain).unwrap().len());
        assert_eq!(text(&packed), std::fs::read(&plain).unwrap());
        let (a, b) = (read_backup(&plain).unwrap(), read_backup(&packed).unwrap());
        assert_eq!((a.seq, &a.items), (b.seq, &b.items));
        // Writes during the scan: the first pass is read back through zstd and copied.
        let s = store.clone();
        let during = move || {
            s.put(draft(7), Origin::User, 99).unwrap();
        };
        let tmp = dir.path().join("c.jsonl.zst.tmp");
        let c = dir.path().join("c.jsonl.zst");
        let info = store.backup_inner(&c, &tmp, now, &during).unwrap();
        assert_eq!((info.seq, info.expenses), (51, 51));
        let snap = read_backup(&c).unwrap();
        assert_eq!(snap.items.len(), 51);
        assert!(!snap.unverified);
        assert!(!tmp.exists() && !dir.path().join("c.jsonl.zst.tmp2").exists());
    }
}
