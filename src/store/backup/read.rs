//! Reading backups: `read_backup` reads and checks a whole file before anything is restored.
//! Rule: any problem is `StoreError::BadBackup` naming the file, the line and (for JSON errors)
//! the column; unknown record kinds are skipped and counted, a newer format version is refused.

use super::super::error::StoreError;
use super::super::keys::date_from_u32;
use super::format::{parse, stored_item, stored_schedule, Header, Line, FORMAT, FORMAT_VERSION};
use super::sum::{hex, unseal, SHA256};
use super::{bad, zst, Snapshot};
use crate::domain::money::Currency;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fs::File;
use std::io::BufRead;
use std::path::Path;

/// Reads and checks a whole backup file. Any problem is `StoreError::BadBackup` naming the
/// file, the line and (for JSON errors) the column. A file with checksums (`sum.rs`) must have
/// them on every line and in its end record, and they must hold; a file without them (an older
/// version's) is read with [`Snapshot::unverified`] set, but a checksum it has anyway is
/// checked, so damage to the header's `checksum` does not turn checking off.
pub fn read_backup(path: &Path) -> Result<Snapshot, StoreError> {
    // Not the store: a backup that cannot be opened says so, with the reason.
    let file = File::open(path).map_err(|e| bad(path, 0, format!("cannot open it: {e}")))?;
    // Compressed or not: told by the first bytes (`zst.rs`).
    let mut reader = zst::lines(file).map_err(|e| bad(path, 1, format!("cannot read: {e}")))?;
    let mut raw = Vec::new();
    if reader
        .read_until(b'\n', &mut raw)
        .map_err(|e| bad(path, 1, format!("cannot read: {e}")))?
        == 0
    {
        return Err(bad(path, 1, "the file is empty, not a backup"));
    }
    let first = open_line(path, 1, &raw)?;
    let header: Header = serde_json::from_str(first.text).map_err(|e| {
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
    if header.version == 0 {
        return Err(bad(path, 1, "format version 0 does not exist"));
    }
    let sealed = match header.checksum.as_deref() {
        None => false,
        Some(SHA256) => true,
        Some(other) => {
            return Err(bad(path, 1, format!("unknown checksum '{other}'")));
        }
    };
    if sealed && !first.sealed {
        return Err(bad(path, 1, MISSING));
    }
    let mut sha = Sha256::new();
    sha.update(&raw);
    let mut snap = Snapshot {
        seq: header.seq,
        month_start_day: header.month_start_day,
        unverified: !sealed,
        ..Snapshot::default()
    };
    let mut ids = HashSet::new();
    let mut schedule_ids = HashSet::new();
    let mut n = 1u64;
    let mut ended = false;
    loop {
        raw.clear();
        if reader
            .read_until(b'\n', &mut raw)
            .map_err(|e| bad(path, n + 1, format!("cannot read: {e}")))?
            == 0
        {
            break;
        }
        n += 1;
        if ended {
            if raw.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Err(bad(path, n, "data after the end record"));
        }
        let line = open_line(path, n, &raw)?;
        if sealed && !line.sealed {
            return Err(bad(path, n, MISSING));
        }
        let rec = match parse(line.text) {
            Ok(Some(r)) => r,
            Ok(None) => {
                snap.skipped += 1;
                sha.update(&raw);
                continue;
            }
            Err(e) => return Err(bad(path, n, format!("column {}: {e}", e.column()))),
        };
        if !matches!(rec, Line::End { .. }) {
            sha.update(&raw);
        }
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
                snap.budgets.push(super::super::Budget {
                    category,
                    currency,
                    amount: minor,
                });
            }
            Line::Schedule(r) => {
                let (id, item) = stored_schedule(&r).map_err(|e| bad(path, n, e))?;
                if !schedule_ids.insert(id) {
                    return Err(bad(path, n, format!("schedule {id} appears twice")));
                }
                snap.schedules.push((id, item));
            }
            Line::Import { hash } => {
                let h = super::super::keys::unhex::<16>(&hash).ok_or_else(|| {
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
                schedules,
                sha256,
            } => {
                match sha256 {
                    Some(want) => {
                        let have = hex(&sha.clone().finalize());
                        if want != have {
                            return Err(bad(
                                path,
                                n,
                                "the content does not match the checksum in the end record: \
                                 the file is damaged",
                            ));
                        }
                        snap.unverified = false;
                    }
                    None if sealed => return Err(bad(path, n, MISSING)),
                    None => {}
                }
                let have = (
                    snap.items.len() as u64,
                    snap.budgets.len() as u64,
                    snap.imports.len() as u64,
                    snap.schedules.len() as u64,
                );
                if have != (expenses, budgets, imports, schedules) {
                    return Err(bad(
                        path,
                        n,
                        format!(
                            "the end record counts {expenses} expenses, {budgets} budgets, {imports} imports, {schedules} schedules; the file holds {}, {}, {}, {}",
                            have.0, have.1, have.2, have.3
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
    snap.schedules.sort_by_key(|(id, _)| *id);
    Ok(snap)
}

/// What the header says every line has, and this one lacks.
const MISSING: &str = "the line has no checksum, though the header says the file has them: \
                       the file is damaged";

/// One line as read: its text (without the newline) and whether it carried a seal that holds.
struct Opened<'a> {
    text: &'a str,
    sealed: bool,
}

/// Checks line `n` (`raw`, with its newline if any): UTF-8, and its seal when it has one.
fn open_line<'a>(path: &Path, n: u64, raw: &'a [u8]) -> Result<Opened<'a>, StoreError> {
    let bytes = raw.strip_suffix(b"\n").unwrap_or(raw);
    let sealed = unseal(bytes).map_err(|e| bad(path, n, e))?;
    let text =
        std::str::from_utf8(bytes).map_err(|e| bad(path, n, format!("not UTF-8 text: {e}")))?;
    Ok(Opened { text, sealed })
}
