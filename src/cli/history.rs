//! `expense undo`, `expense redo` and `expense history [ID]`: the change stream from the shell.
//! Undo and redo work on the whole store, from any session, exactly as `u` and Ctrl-r in the TUI
//! (the same store calls and the same line printed); history is read a window at a time.

use super::Ctx;
use crate::clock::local_time;
use crate::domain::change::{step_text, Folded};
use crate::domain::ExpenseId;
use crate::store::{ChangeRecord, Store};
use color_eyre::eyre::{eyre, Result};

/// Options of `expense history`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only the records of this expense (its id from `expense list --json`), or of this
    /// schedule (`schedule:ID` as the stream keys it).
    pub id: Option<String>,
    /// How many records, newest first.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

/// Undoes the latest standing change in the store (a whole import at once); with `skip`, the
/// latest one that can be undone, saying which newer ones it left.
pub fn undo(ctx: &mut Ctx, skip: bool) -> Result<()> {
    let store = ctx.store()?;
    // An expense removed from the trash for good (a `ttl` record) is skipped; say so when that
    // was the latest change, so the undo of something older is no surprise.
    let last = store.last_seq()?;
    if let Some(rec) = store.stream_since(last.saturating_sub(1), 1)?.first() {
        if rec.event == crate::store::Event::Remove && rec.old_trash.is_some() {
            writeln!(
                ctx.err,
                "note: the latest change removed expense {} from the trash for good (expired or \
                 purged); that cannot be undone",
                rec.id
            )?;
        }
    }
    let step = if skip {
        let (step, left) = store.undo_step_skipping(ctx.now_ms())?;
        for what in left {
            writeln!(ctx.err, "left as it is (changed since): {what}")?;
        }
        step
    } else {
        store.undo_step(ctx.now_ms())?
    };
    match step {
        Some(s) => writeln!(ctx.out, "{}", step_text(false, &s))?,
        None => writeln!(ctx.out, "nothing to undo")?,
    }
    Ok(())
}

/// Redoes the latest undo not redone yet and not cleared by a newer change.
pub fn redo(ctx: &mut Ctx) -> Result<()> {
    let step = ctx.store()?.redo_step(ctx.now_ms())?;
    match step {
        Some(s) => writeln!(ctx.out, "{}", step_text(true, &s))?,
        None => writeln!(ctx.out, "nothing to redo")?,
    }
    Ok(())
}

/// Prints the newest records (of one expense with ID), one a line.
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    let id = match &args.id {
        // A schedule's id as the stream keys it (`schedule:ULID`) names it too.
        Some(text) => Some(
            text.strip_prefix("schedule:")
                .unwrap_or(text)
                .parse::<ExpenseId>()
                .map_err(|e| eyre!("history: the id {text:?}: {e}"))?,
        ),
        None => None,
    };
    let store: Store = ctx.store()?;
    let (records, folds) = match id {
        Some(id) => {
            let h = store.item_history(id, 0, args.limit)?;
            if h.total == 0 {
                return Err(eyre!("history: no change record names expense {id}"));
            }
            (h.records, Vec::new())
        }
        None => {
            let w = store.history_window(0, args.limit)?;
            (w.records, w.folds)
        }
    };
    for (i, r) in records.iter().enumerate() {
        match folds.get(i).and_then(Option::as_ref) {
            Some(f) => writeln!(ctx.out, "{}", folded_line(r, f))?,
            None => writeln!(ctx.out, "{}", line(r))?,
        }
    }
    Ok(())
}

/// A run of records shown as one (a category rename's batch): its last record's seq and time,
/// `BATCH`, the origin, the line and the records it holds: `  4123  2026-11-20 14:03:00  BATCH
/// rename  renamed food → drinks: 1,234 expenses, budget moved (records 2889-4123)`.
pub fn folded_line(r: &ChangeRecord, f: &Folded) -> String {
    format!(
        "{:>6}  {}  {:<6}  {:<6}  {} (records {}-{})",
        r.seq,
        local_time(r.at),
        "BATCH",
        r.origin.name(),
        f.text,
        f.first,
        r.seq
    )
}

/// `12  2026-11-20 14:03:00  INSERT  user    12.50 EUR food @Lidl`.
pub fn line(r: &ChangeRecord) -> String {
    format!(
        "{:>6}  {}  {:<6}  {:<6}  {}",
        r.seq,
        local_time(r.at),
        r.event,
        r.origin.name(),
        r.summary()
    )
}
