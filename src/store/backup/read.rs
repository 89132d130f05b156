//! Reading backups: `read_backup` reads and checks a whole file before anything is restored.
//! Rule: any problem is `StoreError::BadBackup` naming the file, the line and (for JSON errors)
//! the column; unknown record kinds are skipped and counted, a newer format version is refused.

use super::super::error::StoreError;
use super::super::keys::date_from_u32;
use super::format::{parse, stored_item, Header, Line, FORMAT, FORMAT_VERSION};
use super::{bad, io_err, Snapshot};
use crate::domain::money::Currency;
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

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
        let rec = match parse(&line) {
            Ok(Some(r)) => r,
            Ok(None) => {
                snap.skipped += 1;
                continue;
            }
            Err(e) => return Err(bad(path, n, format!("column {}: {e}", e.column()))),
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
                snap.budgets.push(super::super::Budget {
                    category,
                    currency,
                    amount: minor,
                });
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
