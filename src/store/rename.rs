//! Renaming and merging categories in one step ([`Store::rename_category`]): every expense of
//! the category and of its sub-categories gets the new path (`food:coffee` becomes
//! `drinks:coffee` when `food` becomes `drinks`), each as a MODIFY record with origin `rename`,
//! and the budgets and schedules of the tree move with it (budgets merged by a rule when the new name has one too,
//! `domain::rename::BudgetMerge`), all under one batch id, so one `u` / `expense undo` takes the
//! whole rename back (`Store::reverse_batch`, which also reverses budget records). The history
//! shows the batch as one line (a fold, `store/fold.rs`). The plan and the words are pure
//! (`domain/rename.rs`); a rename onto itself, into its own subcategory, of a category nothing
//! uses, to a name the category rules refuse, or whose budgets meet in two currencies is refused
//! before anything is written.
//!
//! Finding the expenses: one scan of the date index, whose values project the category (there is
//! no category index, see `tables::IDX_DATE`), then flushed transactions of `BATCH_CHUNK`
//! expenses, each re-reading every item it moves (one changed meanwhile is left as it is). The
//! budgets are written in the first chunk, checked against the plan.
//!
//! Whole or nothing, even when killed, as an import is (`store/import.rs`): while some chunks
//! are written and others not, `meta` holds `rename_incomplete ++ batch` (expenses expected and
//! written, and the rename's note), written in the transaction of each chunk but the last and
//! removed in the last. A chunk that fails moves the written expenses back at once
//! (`StoreError::RenameStopped`); a process killed mid-rename leaves the marker, and the next
//! open takes the written part back ([`Store::roll_back_interrupted_renames`], an undo batch
//! that `redo` never brings back) and says so in a notice. Rolled back rather than finished: the
//! person who asked saw no answer, and running the rename again is one command.
//!
//! Schedules (recurring expenses) name categories too: each one of the renamed tree moves in the
//! first chunk beside the budgets (a MODIFY with origin `rename` of the same batch, written by
//! `schedule::rename_in`), so the undo takes it back with the rest; one changed meanwhile so
//! that it no longer posts within the tree is left as it is, as an expense would be.

use super::codec::{decode_note, decode_projection, decode_u64, encode_note, StoredItem};
use super::fold::{self, Fold};
use super::keys;
use super::tables::{
    abort, Change, Trashing, Tx, TxResult, IDX_DATE, META, META_RENAME_INCOMPLETE,
};
use super::write::BATCH_CHUNK;
use super::{budget, schedule, Event, Origin, Store, StoreError};
use crate::domain::category::is_within;
use crate::domain::rename::{
    self, BudgetLine, BudgetMerge, RenameError, RenameNote, RenamePlan, RenamePreview, ScheduleLine,
};
use crate::domain::totals::{PerCurrency, Totals};
use crate::domain::validate::MAX_CATEGORY;
use crate::domain::ExpenseId;
use std::collections::BTreeMap;

/// A category as `expense categories list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryUse {
    /// The category path, exactly as stored.
    pub category: String,
    /// Expenses (and incomes) in exactly this category.
    pub count: u64,
    /// Spending and income per currency.
    pub totals: Vec<Totals>,
}

/// What [`Store::rename_category`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renamed {
    /// What it set out to do.
    pub plan: RenamePlan,
    /// The batch id of its records (the seq of the first); `None` when nothing was written.
    pub batch: Option<u64>,
    /// The history's note of it, with the expenses moved.
    pub note: RenameNote,
}

impl Store {
    /// Every category in use (and every one only a budget or a schedule names), by name: its
    /// count and its totals per currency, from `agg_day` (one scan), the budgets and the
    /// schedules.
    pub fn category_uses(&self) -> Result<Vec<CategoryUse>, StoreError> {
        let mut by: BTreeMap<String, PerCurrency> = BTreeMap::new();
        for kv in self.trees.agg_day.iter() {
            let (k, v) = kv?;
            let key = keys::AggKey::decode(&k)
                .ok_or_else(|| super::error::corrupt(super::tables::AGG_DAY, &k, "bad key"))?;
            let agg = super::codec::Agg::decode(super::tables::AGG_DAY, &k, &v)?;
            by.entry(key.category)
                .or_default()
                .add(key.currency, key.kind, agg.sum, agg.count);
        }
        for b in self.budgets()? {
            by.entry(b.category).or_default();
        }
        for s in self.schedules()? {
            by.entry(s.template.category).or_default();
        }
        Ok(by
            .into_iter()
            .map(|(category, per)| {
                let totals = per.done();
                CategoryUse {
                    category,
                    count: totals.iter().map(|t| t.count).sum(),
                    totals,
                }
            })
            .collect())
    }

    /// What renaming `from` to `to` would do (nothing is written): the counts come from the
    /// category counters, the budgets from `budgets-1`. `StoreError::Rename` says why it would
    /// be refused.
    pub fn plan_rename(
        &self,
        from: &str,
        to: &str,
        policy: BudgetMerge,
    ) -> Result<RenamePlan, StoreError> {
        let used = self.categories()?;
        let budgets = self.budget_lines()?;
        let schedules = self.schedule_lines()?;
        Ok(rename::plan_with(
            from, to, &used, &budgets, &schedules, policy,
        )?)
    }

    /// The counts of `from` and the plan to rename it to `to` as typed so far, or why that
    /// would be refused (the TUI's prompt, which asks while the name is typed).
    pub fn preview_rename(&self, from: &str, to: &str) -> Result<RenamePreview, StoreError> {
        let used = self.categories()?;
        let (exact, below) = rename::counts(from, &used);
        let budgets = self.budget_lines()?;
        let schedules = self.schedule_lines()?;
        let plan = rename::plan_with(from, to, &used, &budgets, &schedules, BudgetMerge::Sum);
        Ok(RenamePreview {
            from: from.to_string(),
            asked: to.to_string(),
            exact,
            below,
            plan: plan.map_err(|e| e.to_string()),
        })
    }

    fn schedule_lines(&self) -> Result<Vec<ScheduleLine>, StoreError> {
        Ok(self
            .schedules()?
            .into_iter()
            .map(|s| ScheduleLine {
                id: s.id,
                category: s.template.category,
            })
            .collect())
    }

    fn budget_lines(&self) -> Result<Vec<BudgetLine>, StoreError> {
        Ok(self
            .budgets()?
            .into_iter()
            .map(|b| BudgetLine {
                category: b.category,
                currency: b.currency,
                amount: b.amount,
            })
            .collect())
    }

    /// Renames (or merges) category `from` into `to`: the expenses of it and below it, and its
    /// budgets (see the module doc), as one batch of records with origin `rename`, in flushed
    /// transactions of `BATCH_CHUNK` expenses; `progress(moved, expected)` is called once the
    /// expenses are found and after each.
    /// Refused with `StoreError::Rename` before anything is written (see
    /// [`Store::plan_rename`]).
    pub fn rename_category(
        &self,
        from: &str,
        to: &str,
        policy: BudgetMerge,
        now_ms: i64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Renamed, StoreError> {
        self.check_writable()?;
        let plan = self.plan_rename(from, to, policy)?;
        let ids = self.ids_within(&plan.from)?;
        let expected = ids.len() as u64;
        let template = plan.note(0);
        let chunks: Vec<&[ExpenseId]> = if ids.is_empty() {
            vec![&[]]
        } else {
            ids.chunks(BATCH_CHUNK).collect()
        };
        let mut batch: Option<u64> = None;
        let mut folded: Option<Fold> = None;
        let mut moved = 0u64;
        progress(0, expected);
        for (n, chunk) in chunks.iter().enumerate() {
            let last = n + 1 == chunks.len();
            let written = self.transact(|tx| {
                let lo = tx.last_seq()? + 1;
                let mut b = batch;
                if n == 0 {
                    write_budgets(tx, &plan, now_ms, &mut b)?;
                    for m in &plan.schedules {
                        schedule::rename_in(tx, m.id, &plan.from, &plan.to, now_ms, &mut b)?;
                    }
                }
                let mut count = 0u64;
                for id in *chunk {
                    count += u64::from(move_one(tx, *id, &plan, now_ms, &mut b)?);
                }
                let f = fold::extend(tx, folded.as_ref(), lo, tx.last_seq()?, count, &template)?;
                // The marker says "not whole yet" from the first chunk that wrote until the
                // last, in the same transactions as the records.
                if let Some(b) = b {
                    let key = incomplete_key(b);
                    if last {
                        tx.meta.remove(&key[..])?;
                    } else {
                        let note = RenameNote {
                            expenses: moved + count,
                            ..template.clone()
                        };
                        match encode_note(expected, moved + count, &note) {
                            Ok(v) => drop(tx.meta.insert(&key[..], v)?),
                            Err(e) => return abort(e),
                        }
                    }
                }
                Ok((b, count, f))
            });
            let (b, count, f) = match (written, batch) {
                (Ok(done), _) => done,
                (Err(e), None) => return Err(e),
                (Err(e), Some(b)) => {
                    let rolled_back = self.roll_back_rename(b, now_ms).is_ok();
                    return Err(StoreError::RenameStopped {
                        written: moved,
                        expected,
                        cause: Box::new(e),
                        rolled_back,
                    });
                }
            };
            batch = b;
            folded = f;
            moved += count;
            progress(moved, expected);
        }
        let note = plan.note(moved);
        Ok(Renamed { plan, batch, note })
    }

    /// The ids of the expenses in `from` or below it: one scan of the date index's projections.
    fn ids_within(&self, from: &str) -> Result<Vec<ExpenseId>, StoreError> {
        let mut out = Vec::new();
        for kv in self.trees.idx_date.iter() {
            let (k, v) = kv?;
            let p = decode_projection(IDX_DATE, &k, &v)?;
            if is_within(p.category, from) {
                let (_, id) = keys::decode_date_key(&k)
                    .ok_or_else(|| super::error::corrupt(IDX_DATE, &k, "not a date key"))?;
                out.push(id);
            }
        }
        Ok(out)
    }

    /// Takes back every rename an earlier process left unfinished (its `rename_incomplete`
    /// marker), and keeps one sentence each for [`Store::take_notices`]: that it was taken back
    /// (expenses moved of expenses planned), or why it could not be (the marker stays and the
    /// next open tries again). Called by open, before anyone else sees the store; never fails
    /// the open.
    pub(super) fn roll_back_interrupted_renames(&self, now_ms: i64) {
        let mut marks = Vec::new();
        for kv in self.trees.meta.scan_prefix(META_RENAME_INCOMPLETE) {
            let found = kv.map_err(StoreError::from).and_then(|(k, v)| {
                let batch = decode_u64(META, &k, &k[META_RENAME_INCOMPLETE.len()..])?;
                Ok((batch, decode_note(META, &k, &v)?))
            });
            match found {
                Ok(m) => marks.push(m),
                Err(e) => {
                    self.notice(format!("could not look for an interrupted rename: {e}"));
                    return;
                }
            }
        }
        for (batch, (expected, written, note)) in marks {
            let what = format!(
                "a category rename interrupted earlier ({} → {}, {written} of {expected} \
                 expenses moved)",
                crate::domain::text::inert(&note.from),
                crate::domain::text::inert(&note.to)
            );
            let text = match self.roll_back_rename(batch, now_ms) {
                Ok(u) if u.kept == 0 => {
                    format!("{what} was taken back; nothing of it is stored (run it again)")
                }
                Ok(u) => format!(
                    "{what} was taken back, except {} change{} made since (kept)",
                    u.kept,
                    if u.kept == 1 { "" } else { "s" }
                ),
                Err(e) => format!(
                    "{what} could not be taken back: {e}; the next open of the store tries again"
                ),
            };
            self.notice(text);
        }
    }

    /// Takes back the written part of the unfinished rename `batch` (a batch undo) and, in the
    /// transaction of its last chunk, removes the rename's marker and records the undo batch as
    /// a rollback (so `redo` leaves it). A marker without any record of its batch is removed.
    fn roll_back_rename(
        &self,
        batch: u64,
        now_ms: i64,
    ) -> Result<crate::domain::change::BatchUndo, StoreError> {
        let key = incomplete_key(batch);
        let then = |tx: &Tx<'_>, undo: Option<u64>| -> TxResult<()> {
            tx.meta.remove(&key[..])?;
            if let Some(u) = undo {
                tx.meta.insert(
                    super::import::rolled_back_key(u),
                    &super::codec::encode_u64(batch)[..],
                )?;
            }
            Ok(())
        };
        match self.reverse_batch_then(batch, now_ms, &then) {
            Err(StoreError::UnknownBatch(_)) => {
                self.transact(|tx| then(tx, None))?;
                Ok(crate::domain::change::BatchUndo {
                    batch,
                    undone: 0,
                    kept: 0,
                    rename: None,
                    posting: None,
                })
            }
            r => r,
        }
    }
}

/// Writes the plan's budget moves inside `tx` (the rename's first chunk), each checked against
/// what the plan read: the budget of the old name is removed and the new name's set.
fn write_budgets(
    tx: &Tx<'_>,
    plan: &RenamePlan,
    now_ms: i64,
    batch: &mut Option<u64>,
) -> TxResult<()> {
    for m in &plan.budgets {
        let holds = |category: &str, amount: Option<i64>| -> TxResult<bool> {
            let cur = budget::current(tx, category)?;
            Ok(match (cur, amount) {
                (None, None) => true,
                (Some(c), Some(a)) => c.currency == m.currency.bytes() && c.amount == a,
                _ => false,
            })
        };
        if !holds(&m.from, Some(m.amount))? || !holds(&m.to, m.existing)? {
            return abort(StoreError::Invalid(format!(
                "the budgets of {} or {} changed while renaming; nothing was changed",
                crate::domain::text::inert(&m.from),
                crate::domain::text::inert(&m.to)
            )));
        }
        let origin = Origin::Rename;
        budget::write_batched(tx, &m.from, None, origin, now_ms, Some(batch))?;
        let limit = Some((m.currency, m.result));
        budget::write_batched(tx, &m.to, limit, origin, now_ms, Some(batch))?;
    }
    Ok(())
}

/// Moves expense `id` to its new category inside `tx` as a MODIFY of the batch; `false` when it
/// is gone or no longer in the renamed tree (changed since the plan: left as it is).
fn move_one(
    tx: &Tx<'_>,
    id: ExpenseId,
    plan: &RenamePlan,
    now_ms: i64,
    batch: &mut Option<u64>,
) -> TxResult<bool> {
    let Some(cur) = tx.current(id)? else {
        return Ok(false);
    };
    let Some(category) = rename::moved(&cur.category, &plan.from, &plan.to) else {
        return Ok(false);
    };
    if category.chars().count() > MAX_CATEGORY {
        return abort(RenameError::TooLong {
            from: cur.category.clone(),
            to: category,
        });
    }
    let seq = tx.next_seq()?;
    let new = StoredItem {
        category,
        updated: now_ms,
        version: cur.version + 1,
        last_seq: seq,
        ..cur.clone()
    };
    tx.write(&Change {
        id,
        seq,
        event: Event::Modify,
        origin: Origin::Rename,
        at: now_ms,
        prev_seq: Some(cur.last_seq),
        batch: Some(*batch.get_or_insert(seq)),
        old: Some(&cur),
        new: Some(&new),
        trashing: Trashing::No,
    })?;
    Ok(true)
}

impl From<RenameError> for super::tables::Abort {
    fn from(e: RenameError) -> Self {
        super::tables::Abort::Store(StoreError::Rename(e))
    }
}

fn incomplete_key(batch: u64) -> Vec<u8> {
    [META_RENAME_INCOMPLETE, &batch.to_be_bytes()[..]].concat()
}

#[cfg(test)]
#[path = "rename_tests.rs"]
mod tests;
