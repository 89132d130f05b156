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
//!    - `import`: `hash`, the 32 hex digits of an imported bank row (so it is not imported twice).
//!
//!    A reader skips a record whose `type` it does not know (newer writers add kinds, e.g.
//!    trashed items) and says how many it skipped; a change that old readers must not skip
//!    bumps `version`, which they refuse.
//! 3. trailer: `{"type":"end","expenses":E,"budgets":B,"imports":I}`. A file without it, or
//!    whose counts differ, is truncated or damaged and is refused.
//!
//! # Consistency without a global read transaction
//!
//! Read the last seq `S0`, scan `items`, read `S1`. Items whose image is newer than `S0` are
//! left out of the scan. If `S1 > S0`, every id that a record in `(S0, S1]` touched is taken
//! from the stream instead (each record holds its new image, so the last one per id is the
//! state at `S1`), the scanned copy of those ids is dropped, and the snapshot is at `S1`.

use super::codec::{decode_item, decode_record, StoredItem};
use super::error::StoreError;
use super::keys::{date_from_u32, date_u32, decode_id, decode_seq, kind_byte, seq_key};
pub use super::paths::default_backup_dir;
use super::tables::{ITEMS, STREAM};
use super::Store;
use crate::domain::money::{format_plain, Currency};
use crate::domain::{ExpenseId, Kind};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The `format` of the header line.
pub const FORMAT: &str = "expense-backup";
/// The newest format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The header line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// Format version.
    pub version: u32,
    /// Version of the app that wrote it.
    pub app: String,
    /// When it was written (RFC 3339, UTC).
    pub created: String,
    /// The change record the snapshot is consistent at.
    pub seq: u64,
    /// The month start day the store kept month aggregates for.
    pub month_start_day: Option<u32>,
}

/// An `expense` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpenseRecord {
    /// ULID text.
    pub id: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Decimal string (informative; must agree with `minor`).
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Category path.
    pub category: String,
    /// Payee.
    pub payee: String,
    /// Note.
    pub note: String,
    /// Tags.
    pub tags: Vec<String>,
    /// `expense` or `income`.
    pub kind: Kind,
    /// Version for conditional writes.
    pub version: u64,
    /// The amount in minor units.
    pub minor: i64,
    /// First stored, Unix ms.
    pub created: i64,
    /// Last changed, Unix ms.
    pub updated: i64,
}

/// One record line.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Line {
    /// An expense.
    Expense(ExpenseRecord),
    /// A monthly budget.
    Budget {
        /// Category path.
        category: String,
        /// ISO 4217 code.
        currency: String,
        /// Limit in minor units.
        minor: i64,
    },
    /// An imported row's hash.
    Import {
        /// 32 hex digits.
        hash: String,
    },
    /// The trailer.
    End {
        /// Expense records in the file.
        expenses: u64,
        /// Budget records.
        budgets: u64,
        /// Import records.
        imports: u64,
    },
}

/// Only the `type` of a line (to skip unknown kinds).
#[derive(Deserialize)]
struct Tag {
    #[serde(rename = "type")]
    ty: String,
}

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
    /// Import hashes restored.
    pub imports: u64,
    /// Records of unknown kinds skipped.
    pub skipped: u64,
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
    /// Import hashes.
    pub imports: Vec<[u8; 16]>,
    /// Records of unknown kinds skipped.
    pub skipped: u64,
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

/// An `expense` line as written: borrows the stored item (no clones of its text) and formats
/// the date by hand (chrono's strftime showed up in profiles). Same fields, same order as
/// [`ExpenseRecord`] behind the `type` tag.
#[derive(Serialize)]
struct ExpenseOut<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    id: String,
    date: String,
    amount: String,
    currency: &'a str,
    category: &'a str,
    payee: &'a str,
    note: &'a str,
    tags: &'a [String],
    kind: Kind,
    version: u64,
    minor: i64,
    created: i64,
    updated: i64,
}

/// Writes the `expense` line of a stored item (without the newline).
fn write_expense(w: &mut impl Write, id: ExpenseId, item: &StoredItem) -> Result<(), StoreError> {
    let key = id.to_bytes();
    let bad = |what: &str| super::error::corrupt(ITEMS, &key, what.to_string());
    let currency = Currency::from_bytes(item.currency).ok_or_else(|| bad("bad currency"))?;
    let kind = super::keys::kind_from_byte(item.kind).ok_or_else(|| bad("bad kind"))?;
    date_from_u32(item.date).ok_or_else(|| bad("bad date"))?;
    let d = item.date;
    let out = ExpenseOut {
        ty: "expense",
        id: id.to_string(),
        date: format!("{:04}-{:02}-{:02}", d / 10_000, d / 100 % 100, d % 100),
        amount: format_plain(item.amount, currency),
        currency: currency.code(),
        category: &item.category,
        payee: &item.payee,
        note: &item.note,
        tags: &item.tags,
        kind,
        version: item.version,
        minor: item.amount,
        created: item.created,
        updated: item.updated,
    };
    serde_json::to_writer(w, &out)
        .map_err(|e| StoreError::Sled(format!("cannot encode a backup line: {e}")))
}

/// The stored item of a record line (with `last_seq` 0), or why it is invalid.
fn stored_item(r: &ExpenseRecord) -> Result<(ExpenseId, StoredItem), String> {
    let id: ExpenseId = r.id.parse()?;
    let date = chrono::NaiveDate::parse_from_str(&r.date, "%Y-%m-%d")
        .map_err(|e| format!("date '{}': {e}", r.date))?;
    use chrono::Datelike;
    if !(1..=9999).contains(&date.year()) {
        return Err(format!("date '{}' is outside years 1-9999", r.date));
    }
    let currency = Currency::parse(&r.currency).map_err(|e| format!("currency: {e}"))?;
    if r.minor < 0 {
        return Err(format!("minor {} is negative", r.minor));
    }
    let shown = format_plain(r.minor, currency);
    if shown != r.amount {
        return Err(format!(
            "amount '{}' disagrees with minor {} ({shown} {})",
            r.amount, r.minor, r.currency
        ));
    }
    if r.version == 0 {
        return Err("version 0 (versions start at 1)".into());
    }
    for (what, s) in [("category", &r.category), ("payee", &r.payee)] {
        if s.len() > usize::from(u16::MAX) {
            return Err(format!("the {what} is longer than 65535 bytes"));
        }
    }
    Ok((
        id,
        StoredItem {
            date: date_u32(date),
            amount: r.minor,
            currency: currency.bytes(),
            category: r.category.clone(),
            payee: r.payee.clone(),
            note: r.note.clone(),
            tags: r.tags.clone(),
            kind: kind_byte(r.kind),
            created: r.created,
            updated: r.updated,
            version: r.version,
            last_seq: 0,
        },
    ))
}

/// The id text at the start of an expense line as this module writes it, if it is one.
fn line_id(line: &str) -> Option<&str> {
    line.strip_prefix(r#"{"type":"expense","id":""#)?.get(..26)
}

impl Store {
    /// Writes a consistent snapshot to `path` (through `path.tmp`, renamed when complete and
    /// flushed; mode 0600). Writers go on meanwhile; see the module doc.
    pub fn backup_to(
        &self,
        path: &Path,
        created: chrono::DateTime<chrono::Utc>,
    ) -> Result<BackupInfo, StoreError> {
        let tmp = {
            let mut p = path.as_os_str().to_owned();
            p.push(".tmp");
            PathBuf::from(p)
        };
        let r = self.backup_inner(path, &tmp, created, &|| {});
        if r.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        r
    }

    fn backup_inner(
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
        };
        let ioe = io_err(tmp);
        let mut w = BufWriter::with_capacity(1 << 20, open_private(tmp)?);
        let json =
            |e: serde_json::Error| StoreError::Sled(format!("cannot encode a backup line: {e}"));
        let mut expenses = 0u64;
        let mut newest_seen = 0u64;
        serde_json::to_writer(&mut w, &header).map_err(json)?;
        w.write_all(b"\n").map_err(&ioe)?;
        for kv in self.trees.items.iter() {
            let (k, v) = kv?;
            let id = decode_id(&k)
                .ok_or_else(|| super::error::corrupt(ITEMS, &k, "key is not an id"))?;
            let item = decode_item(ITEMS, &k, &v)?;
            if item.last_seq > s0 {
                newest_seen = newest_seen.max(item.last_seq);
                continue;
            }
            write_expense(&mut w, id, &item)?;
            w.write_all(b"\n").map_err(&ioe)?;
            expenses += 1;
        }
        after_scan();
        // An image the scan skipped may be newer than the `meta` seq read now (a commit seen
        // half-way by a reader outside transactions): S1 covers it.
        let s1 = self.last_seq()?.max(newest_seen);
        if s1 > s0 {
            let touched = self.touched_between(s0, s1)?;
            w.flush().map_err(&ioe)?;
            drop(w);
            // Copy the scan without the touched ids, then append their S1 state.
            let scanned = {
                let mut p = tmp.as_os_str().to_owned();
                p.push("2");
                PathBuf::from(p)
            };
            std::fs::rename(tmp, &scanned).map_err(&ioe)?;
            let reader = BufReader::new(File::open(&scanned).map_err(&ioe)?);
            w = BufWriter::with_capacity(1 << 20, open_private(tmp)?);
            header.seq = s1;
            serde_json::to_writer(&mut w, &header).map_err(json)?;
            w.write_all(b"\n").map_err(&ioe)?;
            expenses = 0;
            let ids: HashSet<String> = touched.keys().map(|i| ExpenseId(*i).to_string()).collect();
            for line in reader.lines().skip(1) {
                let line = line.map_err(&ioe)?;
                if line_id(&line).is_some_and(|id| ids.contains(id)) {
                    continue;
                }
                w.write_all(line.as_bytes()).map_err(&ioe)?;
                w.write_all(b"\n").map_err(&ioe)?;
                expenses += 1;
            }
            let _ = std::fs::remove_file(&scanned);
            let mut last: Vec<(u128, StoredItem)> = touched
                .into_iter()
                .filter_map(|(id, img)| img.map(|i| (id, i)))
                .collect();
            last.sort_by_key(|(id, _)| *id);
            for (id, item) in last {
                write_expense(&mut w, ExpenseId(id), &item)?;
                w.write_all(b"\n").map_err(&ioe)?;
                expenses += 1;
            }
        }
        let mut budgets = 0u64;
        for kv in self.trees.budgets.iter() {
            let (k, v) = kv?;
            let b = super::budget::decode(&k, &v)?;
            let line = Line::Budget {
                category: b.category,
                currency: b.currency.code().to_string(),
                minor: b.amount,
            };
            serde_json::to_writer(&mut w, &line).map_err(json)?;
            w.write_all(b"\n").map_err(&ioe)?;
            budgets += 1;
        }
        let mut imports = 0u64;
        for k in self.trees.imports.iter().keys() {
            let k = k?;
            let hash = k.iter().map(|b| format!("{b:02x}")).collect::<String>();
            serde_json::to_writer(&mut w, &Line::Import { hash }).map_err(json)?;
            w.write_all(b"\n").map_err(&ioe)?;
            imports += 1;
        }
        let end = Line::End {
            expenses,
            budgets,
            imports,
        };
        serde_json::to_writer(&mut w, &end).map_err(json)?;
        w.write_all(b"\n").map_err(&ioe)?;
        let file = w.into_inner().map_err(|e| ioe(e.into_error()))?;
        file.sync_all().map_err(&ioe)?;
        let bytes = file.metadata().map_err(&ioe)?.len();
        drop(file);
        std::fs::rename(tmp, path).map_err(io_err(path))?;
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
            imports,
            bytes,
        })
    }

    /// Empties every tree, for `expense restore --force-live` (which backs the store up
    /// first and holds it alone). Not one transaction: a crash in the middle leaves a partly
    /// cleared store, which that backup restores.
    pub fn clear_for_restore(&self) -> Result<(), StoreError> {
        let t = &self.trees;
        for tree in t.data() {
            tree.clear()?;
        }
        t.meta.remove(super::tables::META_STREAM_START)?;
        t.meta.remove(super::tables::META_BASE_HASH)?;
        t.meta.remove(super::tables::META_BASE_AT)?;
        t.meta.remove(super::tables::META_SEQ)?;
        t.meta.remove(super::tables::META_HASH)?;
        t.meta.remove(super::tables::META_START_DAY)?;
        self.db.flush()?;
        if let Some(m) = &self.mark {
            m.reset()?;
        }
        Ok(())
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

    /// The store as it was right after the last record written at or before `at_ms` (the
    /// stream is read in seq order up to the first record stamped later), as a snapshot, with
    /// the current budgets (they are not in the stream). A trimmed stream (`[stream]
    /// keep_days`) starts from its base (`store/retention.rs`): a time before the last trimmed
    /// record is refused, naming the earliest time that can be rebuilt.
    pub fn snapshot_at(&self, at_ms: i64) -> Result<Snapshot, StoreError> {
        let mut live: HashMap<u128, StoredItem> = HashMap::new();
        let start = self.trees.stream_start()?;
        let mut seq = start.saturating_sub(1);
        if let Some(base_at) = super::retention::base_at(&self.trees)? {
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
            super::retention::for_each_base(&self.trees, |e| {
                if let super::retention::BaseEntry::Live(id, img) = e {
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
                .ok_or_else(|| super::error::corrupt(STREAM, &k, "key is not a seq"))?;
            match rec.new {
                Some(img) => live.insert(rec.id, img),
                None => live.remove(&rec.id),
            };
        }
        let mut items: Vec<(ExpenseId, StoredItem)> =
            live.into_iter().map(|(id, i)| (ExpenseId(id), i)).collect();
        items.sort_by_key(|(id, _)| *id);
        Ok(Snapshot {
            seq,
            month_start_day: self.month_start_day()?,
            items,
            budgets: self.budgets()?,
            imports: Vec::new(),
            skipped: 0,
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

/// Creates `path` for writing, owner-only, replacing a leftover.
fn open_private(path: &Path) -> Result<File, StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io_err(path))
}

/// Reads and checks a whole backup file. Any problem is `StoreError::BadBackup` naming the
/// file, the line and (for JSON errors) the column.
pub fn read_backup(path: &Path) -> Result<Snapshot, StoreError> {
    let file = File::open(path).map_err(io_err(path))?;
    let mut lines = BufReader::with_capacity(1 << 20, file).lines();
    let ioe = io_err(path);
    let first = match lines.next() {
        Some(l) => l.map_err(&ioe)?,
        None => return Err(bad(path, 1, "the file is empty, not a backup")),
    };
    let header: Header = serde_json::from_str(&first).map_err(|e| {
        bad(
            path,
            1,
            format!("not an expense backup header (column {}): {e}", e.column()),
        )
    })?;
    if header.format != FORMAT {
        return Err(bad(
            path,
            1,
            format!("format '{}' is not '{FORMAT}'", header.format),
        ));
    }
    if header.version > FORMAT_VERSION {
        return Err(bad(
            path,
            1,
            format!(
                "format version {} is newer than this build reads ({FORMAT_VERSION}); update expense",
                header.version
            ),
        ));
    }
    let mut snap = Snapshot {
        seq: header.seq,
        month_start_day: header.month_start_day,
        ..Snapshot::default()
    };
    let mut ids = HashSet::new();
    let mut n = 1u64;
    let mut ended = false;
    for line in lines {
        n += 1;
        let line = line.map_err(|e| bad(path, n, format!("cannot read: {e}")))?;
        if ended {
            if line.trim().is_empty() {
                continue;
            }
            return Err(bad(path, n, "data after the end record"));
        }
        let rec: Line = match serde_json::from_str(&line) {
            Ok(r) => r,
            Err(e) => match serde_json::from_str::<Tag>(&line) {
                Ok(t) if !["expense", "budget", "import", "end"].contains(&t.ty.as_str()) => {
                    snap.skipped += 1;
                    continue;
                }
                _ => return Err(bad(path, n, format!("column {}: {e}", e.column()))),
            },
        };
        match rec {
            Line::Expense(r) => {
                let (id, item) = stored_item(&r).map_err(|e| bad(path, n, e))?;
                if !ids.insert(id) {
                    return Err(bad(path, n, format!("expense {id} appears twice")));
                }
                snap.items.push((id, item));
            }
            Line::Budget {
                category,
                currency,
                minor,
            } => {
                let currency = Currency::parse(&currency)
                    .map_err(|e| bad(path, n, format!("budget currency: {e}")))?;
                if category.is_empty() || minor <= 0 {
                    return Err(bad(
                        path,
                        n,
                        "a budget needs a category and a positive limit",
                    ));
                }
                snap.budgets.push(super::Budget {
                    category,
                    currency,
                    amount: minor,
                });
            }
            Line::Import { hash } => {
                let h = super::keys::unhex::<16>(&hash).ok_or_else(|| {
                    bad(
                        path,
                        n,
                        format!("import hash '{hash}' is not 32 hex digits"),
                    )
                })?;
                snap.imports.push(h);
            }
            Line::End {
                expenses,
                budgets,
                imports,
            } => {
                let have = (
                    snap.items.len() as u64,
                    snap.budgets.len() as u64,
                    snap.imports.len() as u64,
                );
                if have != (expenses, budgets, imports) {
                    return Err(bad(
                        path,
                        n,
                        format!(
                            "the end record counts {expenses} expenses, {budgets} budgets, {imports} imports; the file holds {}, {}, {}",
                            have.0, have.1, have.2
                        ),
                    ));
                }
                ended = true;
            }
        }
    }
    if !ended {
        return Err(bad(
            path,
            n,
            "the file ends without its end record: it is truncated",
        ));
    }
    // A date that does not round-trip would have failed above; keep ids sorted for writing.
    debug_assert!(snap
        .items
        .iter()
        .all(|(_, i)| date_from_u32(i.date).is_some()));
    snap.items.sort_by_key(|(id, _)| *id);
    Ok(snap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Draft;
    use crate::store::Origin;

    fn draft(amount: i64) -> Draft {
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

    /// A restore over the live store starts from nothing: no trash rows of the old items, no
    /// trigger checkpoints pointing into the old stream.
    #[test]
    fn clearing_for_a_restore_empties_every_data_tree() {
        let s = Store::open_temporary().unwrap();
        let a = s.put(draft(100), Origin::User, 1).unwrap();
        s.put(draft(200), Origin::User, 2).unwrap();
        s.trash(a.id, 1, 3, 86_400_000).unwrap();
        s.set_budget("food", Some((Currency::EUR, 500))).unwrap();
        let st = crate::store::TriggerState {
            checkpoint: 3,
            ..Default::default()
        };
        s.set_trigger_state("t", &st).unwrap();
        assert!(!s.is_blank().unwrap());
        s.clear_for_restore().unwrap();
        assert!(s.is_blank().unwrap());
        assert!(s.trashed().unwrap().is_empty());
        assert!(s.trigger_states().unwrap().is_empty());
        // A trigger set up by the restoring process does not make the store count as used.
        s.set_trigger_state("t", &st).unwrap();
        assert!(s.is_blank().unwrap());
    }

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
}
