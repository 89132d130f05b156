//! History folds: a run of stream records the history shows as one line. A category rename
//! writes one MODIFY per moved expense (100,000 for a big category), and its undo and redo as
//! many again; the history lists each such batch as one entry (`renamed food → drinks: 1,234
//! expenses, budget moved`) while the stream keeps every record, so `expense stream`, triggers,
//! one expense's history and point-in-time restore see them all.
//!
//! A fold is a `meta` entry `history_fold ++ first seq` -> `last seq ++ 0 ++ note`
//! (`codec::encode_note`), written in the same transaction as the records it covers: each chunk
//! of a rename (or of its undo or redo) extends the fold of the chunk before it when its records
//! follow on directly, and starts a new fold when another write came between (the history then
//! shows two lines for one batch, each with its own count). So every record from `first` to
//! `last` belongs to the fold, and positions in the history are counted in entries: a record
//! outside folds is one entry, a fold is one. A history window costs a scan of the folds (one
//! per rename ever made) plus the window's records; the total is the record count minus what
//! the folds hide. Folds of trimmed records are clamped to the kept stream when read.

use super::codec::{decode_note, decode_u64, encode_note};
use super::tables::{Tx, TxResult, META, META_HISTORY_FOLD};
use super::{Store, StoreError};
use crate::domain::rename::RenameNote;

/// Records `first..=last` of the stream, shown as one history line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fold {
    /// Its first record's seq.
    pub first: u64,
    /// Its last record's seq.
    pub last: u64,
    /// What the history line says (with the expenses these records changed).
    pub note: RenameNote,
}

fn key(first: u64) -> Vec<u8> {
    [META_HISTORY_FOLD, &first.to_be_bytes()[..]].concat()
}

/// Folds the records `lo..=hi` that `tx` just wrote (`expenses` of them changed an expense) into
/// `prev` when it ends right before `lo`, else into a new fold with `note`'s words; returns the
/// fold as written (`prev` unchanged when nothing was written).
pub(crate) fn extend(
    tx: &Tx<'_>,
    prev: Option<&Fold>,
    lo: u64,
    hi: u64,
    expenses: u64,
    note: &RenameNote,
) -> TxResult<Option<Fold>> {
    if hi < lo {
        return Ok(prev.cloned());
    }
    let fold = match prev {
        Some(p) if p.last.checked_add(1) == Some(lo) => Fold {
            first: p.first,
            last: hi,
            note: RenameNote {
                expenses: p.note.expenses + expenses,
                ..p.note.clone()
            },
        },
        _ => Fold {
            first: lo,
            last: hi,
            note: RenameNote {
                expenses,
                ..note.clone()
            },
        },
    };
    let value = match encode_note(fold.last, 0, &fold.note) {
        Ok(v) => v,
        Err(e) => return super::tables::abort(e),
    };
    tx.meta.insert(key(fold.first), value)?;
    Ok(Some(fold))
}

impl Store {
    /// Every fold, by first seq.
    pub(crate) fn folds(&self) -> Result<Vec<Fold>, StoreError> {
        let mut out = Vec::new();
        for kv in self.trees.meta.scan_prefix(META_HISTORY_FOLD) {
            let (k, v) = kv?;
            out.push(decode(&k, &v)?);
        }
        Ok(out)
    }

    /// The fold that starts at `first` (a rename's batch id is its first record's seq, so this
    /// is the fold of a batch's first chunk).
    pub(crate) fn fold_at(&self, first: u64) -> Result<Option<Fold>, StoreError> {
        let k = key(first);
        match self.trees.meta.get(&k)? {
            Some(v) => decode(&k, &v).map(Some),
            None => Ok(None),
        }
    }
}

fn decode(k: &[u8], v: &[u8]) -> Result<Fold, StoreError> {
    let first = decode_u64(META, k, &k[META_HISTORY_FOLD.len()..])?;
    let (last, _, note) = decode_note(META, k, v)?;
    Ok(Fold { first, last, note })
}

/// A stretch of history entries: plain records `hi` down to `lo`, or one fold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Span {
    /// Records `lo..=hi`, one entry each, newest first.
    Plain {
        /// The newest record.
        hi: u64,
        /// The oldest record.
        lo: u64,
    },
    /// The fold at this index of the folds handed in.
    Fold(usize),
}

/// The entries at positions `skip .. skip + take` counted from the newest (0 = the newest) of a
/// stream holding records `first..=newest` with `folds` (ascending, disjoint, clamped to that
/// range), as spans newest first, and the number of entries. Pure.
pub(crate) fn locate(
    newest: u64,
    first: u64,
    folds: &[Fold],
    skip: u64,
    take: u64,
) -> (Vec<Span>, u64) {
    let records = (newest + 1).saturating_sub(first);
    let hidden: u64 = folds.iter().map(|f| f.last - f.first).sum();
    let total = records.saturating_sub(hidden);
    let (mut skip, mut take) = (skip, take);
    let mut out = Vec::new();
    // The next record to place (newest first); `None` once the stream's start is passed.
    let mut at = (newest >= first && records > 0).then_some(newest);
    for (i, f) in folds.iter().enumerate().rev() {
        let Some(a) = at else { break };
        if take == 0 {
            break;
        }
        plain(a, f.last + 1, &mut skip, &mut take, &mut out);
        if take == 0 {
            break;
        }
        if skip > 0 {
            skip -= 1;
        } else {
            out.push(Span::Fold(i));
            take -= 1;
        }
        at = f.first.checked_sub(1).filter(|s| *s >= first);
    }
    if let Some(a) = at {
        plain(a, first, &mut skip, &mut take, &mut out);
    }
    (out, total)
}

/// Places the plain records `at` down to `lo` (one entry each) into the window.
fn plain(at: u64, lo: u64, skip: &mut u64, take: &mut u64, out: &mut Vec<Span>) {
    if at < lo || *take == 0 {
        return;
    }
    let n = at - lo + 1;
    if *skip >= n {
        *skip -= n;
        return;
    }
    let hi = at - *skip;
    let count = (n - *skip).min(*take);
    out.push(Span::Plain {
        hi,
        lo: hi + 1 - count,
    });
    *take -= count;
    *skip = 0;
}

/// `folds` clamped to the kept records `first..=newest` (a trimmed stream keeps the newer part
/// of a fold), the ones wholly outside left out.
pub(crate) fn clamp(folds: Vec<Fold>, first: u64, newest: u64) -> Vec<Fold> {
    folds
        .into_iter()
        .filter_map(|f| {
            let (a, b) = (f.first.max(first), f.last.min(newest));
            (a <= b).then_some(Fold {
                first: a,
                last: b,
                ..f
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rename::RenameStep;

    fn fold(first: u64, last: u64) -> Fold {
        Fold {
            first,
            last,
            note: RenameNote {
                step: RenameStep::Rename,
                from: "a".into(),
                to: "b".into(),
                merged: false,
                expenses: last - first + 1,
                budgets_moved: 0,
                budgets_merged: 0,
                schedules: 0,
            },
        }
    }

    /// Every entry of the whole history, one position at a time, newest first.
    fn entries(newest: u64, first: u64, folds: &[Fold]) -> Vec<Span> {
        let (_, total) = locate(newest, first, folds, 0, 0);
        (0..total + 2)
            .flat_map(|p| locate(newest, first, folds, p, 1).0)
            .collect()
    }

    #[test]
    fn positions_count_a_fold_as_one_entry() {
        // Records 1..=20; 5..=14 is a fold: 11 entries.
        let folds = [fold(5, 14)];
        let (spans, total) = locate(20, 1, &folds, 0, 100);
        assert_eq!(total, 11);
        assert_eq!(
            spans,
            [
                Span::Plain { hi: 20, lo: 15 },
                Span::Fold(0),
                Span::Plain { hi: 4, lo: 1 }
            ]
        );
        // One at a time gives the same entries in the same order.
        let one: Vec<Span> = entries(20, 1, &folds);
        assert_eq!(one.len(), 11);
        assert_eq!(one[6], Span::Fold(0));
        assert_eq!(one[7], Span::Plain { hi: 4, lo: 4 });
        // A window starting inside the plain run before the fold.
        assert_eq!(
            locate(20, 1, &folds, 3, 5).0,
            [
                Span::Plain { hi: 17, lo: 15 },
                Span::Fold(0),
                Span::Plain { hi: 4, lo: 4 }
            ]
        );
        assert!(locate(20, 1, &folds, 11, 5).0.is_empty());
    }

    #[test]
    fn folds_at_the_ends_and_side_by_side() {
        let folds = [fold(1, 3), fold(4, 9), fold(10, 10)];
        let (spans, total) = locate(10, 1, &folds, 0, 10);
        assert_eq!(total, 3);
        assert_eq!(spans, [Span::Fold(2), Span::Fold(1), Span::Fold(0)]);
        assert_eq!(locate(10, 1, &folds, 2, 10).0, [Span::Fold(0)]);
        // An empty stream has no entry.
        assert_eq!(locate(0, 1, &[], 0, 10), (Vec::new(), 0));
        // A trimmed stream keeps the newer part of a fold.
        let kept = clamp(vec![fold(1, 6), fold(8, 9)], 4, 12);
        assert_eq!((kept[0].first, kept[0].last), (4, 6));
        let (spans, total) = locate(12, 4, &kept, 0, 20);
        assert_eq!(total, 9 - 2 - 1);
        assert_eq!(
            spans,
            [
                Span::Plain { hi: 12, lo: 10 },
                Span::Fold(1),
                Span::Plain { hi: 7, lo: 7 },
                Span::Fold(0)
            ]
        );
        assert!(clamp(vec![fold(1, 3)], 4, 12).is_empty());
    }
}
