//! `expense undo`, `expense redo` and `expense history [ID]`: the change stream from the shell.
//! Undo and redo work on the whole store, from any session, exactly as `u` and Ctrl-r in the TUI
//! (the same store calls and the same line printed); history is read a window at a time.

use super::ids::{check_prefix, one_of, stored_expense, EXPENSES};
use super::Ctx;
use crate::clock::local_time;
use crate::domain::budget::Limit;
use crate::domain::change::{step_text, Folded, Undone};
use crate::domain::money::format_plain;
use crate::domain::{Expense, ExpenseId};
use crate::store::{ChangeRecord, Store};
use color_eyre::eyre::{eyre, Result};
use serde_json::{json, Value};

/// Options of `expense history`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only the records of this expense (its id or a unique start of it, as `expense list`
    /// shows it; a deleted one's start is looked up in the trash), or of this schedule
    /// (`schedule:ID` as the stream keys it, whole).
    pub id: Option<String>,
    /// How many records, newest first.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// A JSON array of {seq, at, at_ms, event, origin, id, text, old, new, batch, budget,
    /// folded} (images shaped like `list --json` rows), newest first.
    #[arg(long)]
    pub json: bool,
}

/// Undoes the latest standing change in the store (a whole import at once); with `skip`, the
/// latest one that can be undone, saying which newer ones it left.
pub fn undo(ctx: &mut Ctx, skip: bool, json: bool) -> Result<()> {
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
    print_step(ctx, false, step.as_ref(), json)
}

/// Redoes the latest undo not redone yet and not cleared by a newer change.
pub fn redo(ctx: &mut Ctx, json: bool) -> Result<()> {
    let step = ctx.store()?.redo_step(ctx.now_ms())?;
    print_step(ctx, true, step.as_ref(), json)
}

/// The line of an undo or redo step (`nothing to undo` without one), or with `json` the object
/// {done, text, record, batch}: `done` false when there was nothing to do, `record` the new
/// record of a single step (shaped as in `history --json`), `batch` a whole batch's counts.
fn print_step(ctx: &mut Ctx, redo: bool, step: Option<&Undone>, json: bool) -> Result<()> {
    let verb = if redo { "redo" } else { "undo" };
    if !json {
        match step {
            Some(s) => writeln!(ctx.out, "{}", step_text(redo, s))?,
            None => writeln!(ctx.out, "nothing to {verb}")?,
        }
        return Ok(());
    }
    let (record, batch) = match step {
        Some(Undone::One(r)) => (record_json(r, None), Value::Null),
        Some(Undone::Batch(b)) => (
            Value::Null,
            json!({"batch": b.batch, "undone": b.undone, "kept": b.kept}),
        ),
        None => (Value::Null, Value::Null),
    };
    let out = json!({
        "done": step.is_some(),
        "action": verb,
        "text": step.map(|s| step_text(redo, s)),
        "record": record,
        "batch": batch,
    });
    serde_json::to_writer_pretty(&mut *ctx.out, &out)?;
    writeln!(ctx.out)?;
    Ok(())
}

/// One change record as `history --json` writes it; `folded` for a run shown as one.
fn record_json(r: &ChangeRecord, folded: Option<&Folded>) -> Value {
    let text = match folded {
        Some(f) => f.text.clone(),
        None => r.summary(),
    };
    json!({
        "seq": r.seq,
        "at": local_time(r.at),
        "at_ms": r.at,
        "event": r.event.to_string(),
        "origin": r.origin.name(),
        "id": r.id.to_string(),
        "text": text,
        "old": r.old.as_ref().map(Expense::to_row),
        "new": r.new.as_ref().map(Expense::to_row),
        "batch": r.batch,
        "budget": r.budget.as_ref().map(|b| {
            let limit = |l: &Option<Limit>| {
                l.map(|l| json!({"amount": format_plain(l.amount, l.currency), "currency": l.currency.to_string()}))
            };
            json!({"category": b.category, "old": limit(&b.old), "new": limit(&b.new)})
        }),
        "folded": folded.map(|f| json!({"first": f.first, "records": f.records})),
    })
}

/// `history --json`: the records (of one item with `id`) as an array, newest first.
fn json(ctx: &mut Ctx, store: &Store, id: Option<ExpenseId>, limit: usize) -> Result<()> {
    let out: Vec<Value> = match id {
        Some(id) => {
            let h = store.item_history(id, 0, limit)?;
            if h.total == 0 {
                return Err(eyre!("history: no change record names expense {id}"));
            }
            h.records.iter().map(|r| record_json(r, None)).collect()
        }
        None => {
            let w = store.history_window(0, limit)?;
            w.records
                .iter()
                .enumerate()
                .map(|(i, r)| record_json(r, w.folds.get(i).and_then(Option::as_ref)))
                .collect()
        }
    };
    serde_json::to_writer_pretty(&mut *ctx.out, &out)?;
    writeln!(ctx.out)?;
    Ok(())
}

/// Prints the newest records (of one expense with ID), one a line.
pub fn run(ctx: &mut Ctx, args: &Args) -> Result<()> {
    // A schedule's id as the stream keys it (`schedule:ULID`) names it too, in full; an
    // expense's may be the start of it, as `expense list` shows it.
    let whole = |text: &str| {
        text.parse::<ExpenseId>()
            .map_err(|e| eyre!("history: the id {text:?}: {e}"))
    };
    let given = match &args.id {
        Some(text) => match text.strip_prefix("schedule:") {
            Some(schedule) => Some(Given::Whole(whole(schedule)?)),
            None if text.trim().len() >= 26 => Some(Given::Whole(whole(text)?)),
            None => Some(Given::Start(check_prefix(text, &EXPENSES)?)),
        },
        None => None,
    };
    let store: Store = ctx.store()?;
    let id = match given {
        Some(Given::Whole(id)) => Some(id),
        Some(Given::Start(prefix)) => Some(start_of(&store, &prefix)?),
        None => None,
    };
    if args.json {
        return json(ctx, &store, id, args.limit);
    }
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

/// An id as given to `history`: whole (which may name a deleted expense or a schedule), or the
/// start of a stored one.
enum Given {
    Whole(ExpenseId),
    Start(String),
}

/// The expense whose id starts with `prefix`: a stored one, or else one in the trash.
fn start_of(store: &Store, prefix: &str) -> Result<ExpenseId> {
    match stored_expense(store, prefix) {
        Ok(e) => Ok(e.id),
        Err(stored) => {
            if !store.starting_with(prefix, 1)?.is_empty() {
                return Err(stored); // ambiguous among stored ones
            }
            let trashed: Vec<_> = store
                .trashed()?
                .into_iter()
                .map(|t| t.expense)
                .filter(|e| e.id.to_string().starts_with(prefix))
                .collect();
            if trashed.is_empty() {
                return Err(stored);
            }
            Ok(one_of(prefix, trashed, &EXPENSES)?.id)
        }
    }
}
