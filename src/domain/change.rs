//! Changes to expenses: the nouns of the change stream ([`ChangeRecord`], [`Event`], [`Origin`],
//! [`ChangeView`]) and of undo ([`Undone`], [`BatchUndo`]), and how a change reads to a person:
//! the one-line summary of the history list, the field-by-field comparison of its detail view,
//! and the `Undid: ...` / `Redid: ...` line that the TUI toast and `expense undo`/`redo` share.
//! Pure: images in, text out; user text passes through [`inert`] here, so callers can print the
//! result as is. Rule: no storage here; how a record is stored (byte codes, keys) is the
//! store's business (`store/codec.rs`).

use super::budget::{BudgetChange, BudgetView};
use super::money::format_grouped;
use super::text::inert;
use super::trash::TrashMark;
use super::{Draft, Expense, ExpenseId, ExpenseView, Kind};
use serde::{Deserialize, Serialize};

/// What a change did to its item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Event {
    /// The item did not exist before.
    Insert,
    /// The item existed before and after.
    Modify,
    /// The item no longer exists.
    Remove,
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Event::Insert => "INSERT",
            Event::Modify => "MODIFY",
            Event::Remove => "REMOVE",
        })
    }
}

/// Who caused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A person, in the TUI or CLI.
    User,
    /// A CSV import.
    Import,
    /// An undo (`Store::undo`).
    Undo,
    /// Expiry of trashed items.
    Ttl,
    /// Replication from another device.
    Replica,
    /// `expense demo`.
    Demo,
    /// `Store::redo_step`: a change undone, made again.
    Redo,
    /// `expense restore`: the item as a backup or a point in time held it.
    Restore,
    /// An upgrade that put into the stream what an older store held outside it (its budgets):
    /// not a change anyone made, so undo passes over it.
    Migration,
    /// `expense categories rename` (or `R` on the review): a category renamed or merged, one
    /// batch of MODIFY records (plus its budgets' records) that one undo takes back. Its own
    /// origin so a consumer can tell a bulk rename from a person's edits (a trigger with
    /// `origins = ["user"]` does not run once per moved expense).
    Rename,
    /// A recurring expense falling due (`store/schedule.rs`): the occurrences posted at an open,
    /// one batch with the schedules' records, which one undo takes back.
    Schedule,
}

impl Origin {
    /// Every origin, in code order.
    pub const ALL: [Origin; 11] = [
        Origin::User,
        Origin::Import,
        Origin::Undo,
        Origin::Ttl,
        Origin::Replica,
        Origin::Demo,
        Origin::Redo,
        Origin::Restore,
        Origin::Migration,
        Origin::Rename,
        Origin::Schedule,
    ];

    /// The lowercase name, as serialized (`user`, `import`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Origin::User => "user",
            Origin::Import => "import",
            Origin::Undo => "undo",
            Origin::Ttl => "ttl",
            Origin::Replica => "replica",
            Origin::Demo => "demo",
            Origin::Redo => "redo",
            Origin::Restore => "restore",
            Origin::Migration => "migration",
            Origin::Rename => "rename",
            Origin::Schedule => "schedule",
        }
    }

    /// The origin named `name` (case-insensitive).
    pub fn parse(name: &str) -> Option<Origin> {
        Origin::ALL
            .into_iter()
            .find(|o| o.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// One committed change, with both images resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeRecord {
    /// Position in the stream, from 1, gap-free.
    pub seq: u64,
    /// INSERT, MODIFY or REMOVE.
    pub event: Event,
    /// When it was written, Unix ms.
    pub at: i64,
    /// Who caused it.
    pub origin: Origin,
    /// The expense changed.
    pub id: ExpenseId,
    /// The item before (None for INSERT).
    pub old: Option<Expense>,
    /// The item after (None for REMOVE).
    pub new: Option<Expense>,
    /// The import (or batch undo) this change belongs to, named by the seq of its first record;
    /// `expense undo` reverses a whole import in one step through it.
    pub batch: Option<u64>,
    /// Set when the old image was in the trash (the record restored, expired or purged it).
    pub old_trash: Option<TrashMark>,
    /// Set when the new image is in the trash (the record deleted the item: a MODIFY).
    pub new_trash: Option<TrashMark>,
    /// For a change to a budget (an item of its own key space): the category and its limit
    /// before and after; `old` and `new` are then None.
    pub budget: Option<BudgetChange>,
    /// For a change to a schedule (a recurring expense, an item of its own key space): the
    /// schedule before and after; `old` and `new` are then None.
    pub schedule: Option<super::schedule::ScheduleChange>,
}

/// One change record borrowed from the stream as it is read: what `Store::visit_stream` hands its
/// visitor; a [`ChangeRecord`] lends the same view ([`ChangeRecord::view`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangeView<'a> {
    /// Position in the stream.
    pub seq: u64,
    /// INSERT, MODIFY or REMOVE.
    pub event: Event,
    /// When it was written, Unix ms.
    pub at: i64,
    /// Who caused it.
    pub origin: Origin,
    /// The expense changed.
    pub id: ExpenseId,
    /// The item before, when asked for (None for INSERT).
    pub old: Option<ExpenseView<'a>>,
    /// The item after, when asked for (None for REMOVE).
    pub new: Option<ExpenseView<'a>>,
    /// Set when the old image was in the trash (see [`ChangeRecord::old_trash`]).
    pub old_trash: Option<TrashMark>,
    /// Set when the new image is in the trash (see [`ChangeRecord::new_trash`]).
    pub new_trash: Option<TrashMark>,
    /// For a change to a budget (see [`ChangeRecord::budget`]).
    pub budget: Option<BudgetView<'a>>,
}

impl ChangeRecord {
    /// The image before, unless it was in the trash: what counted in totals before the change.
    pub fn live_old(&self) -> Option<&Expense> {
        self.old.as_ref().filter(|_| self.old_trash.is_none())
    }

    /// The image after, unless it is in the trash: what counts in totals after the change.
    pub fn live_new(&self) -> Option<&Expense> {
        self.new.as_ref().filter(|_| self.new_trash.is_none())
    }

    /// The history list's one line for this record: [`summary`], with what a change to or from
    /// the trash did (`to the trash: 12.50 EUR food @Lidl`, `back from the trash: ...`,
    /// `expired from the trash: ...`, `purged from the trash: ...`).
    pub fn summary(&self) -> String {
        let what = |e: &Option<Expense>| e.as_ref().map(|e| short(&e.draft)).unwrap_or_default();
        if let Some(b) = &self.budget {
            b.summary()
        } else if self.new_trash.is_some() {
            format!("to the trash: {}", what(&self.new))
        } else if self.old_trash.is_some() && self.event == Event::Remove {
            let how = if self.origin == Origin::Ttl {
                "expired"
            } else {
                "purged"
            };
            format!("{how} from the trash: {}", what(&self.old))
        } else if self.old_trash.is_some() {
            format!("back from the trash: {}", what(&self.new))
        } else {
            summary(self.old.as_ref(), self.new.as_ref())
        }
    }

    /// The record as a borrowed view, with both images.
    pub fn view(&self) -> ChangeView<'_> {
        ChangeView {
            seq: self.seq,
            event: self.event,
            at: self.at,
            origin: self.origin,
            id: self.id,
            old: self.old.as_ref().map(Expense::view),
            new: self.new.as_ref().map(Expense::view),
            old_trash: self.old_trash,
            new_trash: self.new_trash,
            budget: self.budget.as_ref().map(BudgetChange::view),
        }
    }
}

/// What a batch undo or redo did (`Store::undo_batch`, an import taken back, or a history
/// batch reversed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchUndo {
    /// The batch reversed (the seq of its first record).
    pub batch: u64,
    /// Records reversed (one new record each, all in one new batch).
    pub undone: usize,
    /// Items changed or deleted since, left as they are.
    pub kept: usize,
    /// When the batch was a category rename (or its undo or redo): the new batch's note, with
    /// the expenses it changed.
    pub rename: Option<super::rename::RenameNote>,
}

/// A run of change records the history shows as one line: one batch of a category rename (or
/// of its undo or redo), however many expenses it moved. The records stay in the stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Folded {
    /// The seq of its first record (the line shows its last record's seq and time).
    pub first: u64,
    /// How many records it holds.
    pub records: u64,
    /// The line: `renamed food → drinks: 1,234 expenses, budget moved`.
    pub text: String,
}

/// What one undo or redo step reversed (`Store::undo_step`, `Store::redo_step`).
#[derive(Debug, Clone, PartialEq)]
pub enum Undone {
    /// One change.
    One(Box<ChangeRecord>),
    /// A whole batch (an import, or a batch undo/redo of one).
    Batch(BatchUndo),
}

/// One field of an expense as text, before and after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDiff {
    /// The field's name (`amount`, `category`, ...).
    pub field: &'static str,
    /// Its text before (empty when the expense did not exist).
    pub old: String,
    /// Its text after (empty when the expense no longer exists).
    pub new: String,
}

impl FieldDiff {
    /// True when the field differs between the two images.
    pub fn changed(&self) -> bool {
        self.old != self.new
    }
}

/// The fields of a draft in display order, as text.
fn fields(d: &Draft) -> [(&'static str, String); 8] {
    let sign = if d.kind == Kind::Income { "+" } else { "" };
    [
        ("date", d.date.format("%Y-%m-%d").to_string()),
        (
            "amount",
            format!("{sign}{}", format_grouped(d.amount, d.currency)),
        ),
        ("currency", d.currency.to_string()),
        ("kind", d.kind.as_str().to_string()),
        ("category", inert(&d.category).into_owned()),
        ("payee", inert(&d.payee).into_owned()),
        (
            "tags",
            d.tags
                .iter()
                .map(|t| format!("#{}", inert(t)))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        ("note", inert(&d.note).into_owned()),
    ]
}

/// Every field of the two images side by side (a missing image gives empty texts).
pub fn diff(old: Option<&Expense>, new: Option<&Expense>) -> Vec<FieldDiff> {
    let o = old.map(|e| fields(&e.draft));
    let n = new.map(|e| fields(&e.draft));
    let pick = |side: &Option<[(&'static str, String); 8]>, i: usize| {
        side.as_ref().map(|f| f[i].1.clone()).unwrap_or_default()
    };
    let names = o
        .as_ref()
        .or(n.as_ref())
        .map(|f| f.each_ref().map(|(name, _)| *name));
    let Some(names) = names else {
        return Vec::new();
    };
    names
        .iter()
        .enumerate()
        .map(|(i, field)| FieldDiff {
            field,
            old: pick(&o, i),
            new: pick(&n, i),
        })
        .collect()
}

/// `12.50 EUR food:groceries @Lidl` (kind sign, amount, currency, category, payee).
pub fn short(d: &Draft) -> String {
    let sign = if d.kind == Kind::Income { "+" } else { "" };
    let mut s = format!(
        "{sign}{} {} {}",
        format_grouped(d.amount, d.currency),
        d.currency,
        inert(&d.category)
    );
    if !d.payee.is_empty() {
        s.push_str(" @");
        s.push_str(&inert(&d.payee));
    }
    s
}

/// The history list's one line: the expense for an INSERT or REMOVE, what changed for a MODIFY
/// (`amount 12.50 → 13.00, category food → food:restaurants`).
pub fn summary(old: Option<&Expense>, new: Option<&Expense>) -> String {
    match (old, new) {
        (Some(_), Some(n)) => {
            let changed: Vec<String> = diff(old, new)
                .into_iter()
                .filter(FieldDiff::changed)
                .map(|d| {
                    let show = |s: &str| {
                        if s.is_empty() {
                            "-".to_string()
                        } else {
                            s.to_string()
                        }
                    };
                    format!("{} {} → {}", d.field, show(&d.old), show(&d.new))
                })
                .collect();
            if changed.is_empty() {
                format!("{} (no field changed)", short(&n.draft))
            } else {
                changed.join(", ")
            }
        }
        (None, Some(e)) | (Some(e), None) => short(&e.draft),
        (None, None) => String::new(),
    }
}

/// What a change did, as a verb and the expense: `add 12.50 EUR food @Lidl`, `delete ...`,
/// `edit 13.00 EUR food @Lidl (amount 12.50 → 13.00)`.
pub fn describe(old: Option<&Expense>, new: Option<&Expense>) -> String {
    match (old, new) {
        (None, Some(n)) => format!("add {}", short(&n.draft)),
        (Some(o), None) => format!("delete {}", short(&o.draft)),
        (Some(_), Some(n)) => format!("edit {} ({})", short(&n.draft), summary(old, new)),
        (None, None) => "nothing".to_string(),
    }
}

/// The line an undo or redo step prints (TUI toast and `expense undo`/`redo` alike), from the
/// record it wrote: `Undid: add 12.50 EUR food @Lidl` (the undo record removed the expense, so
/// the change undone was its adding), `Redid: edit ...`.
pub fn step_line(redo: bool, old: Option<&Expense>, new: Option<&Expense>) -> String {
    if redo {
        format!("Redid: {}", describe(old, new))
    } else {
        // The undo record goes from the change's new image back to its old one.
        format!("Undid: {}", describe(new, old))
    }
}

/// The line of a batch step: `Undid: import: removed 4 expenses; 1 changed or deleted since,
/// left as it is`. Batches are imports and their undos and redos, so an undo removes and a redo
/// restores.
pub fn batch_line(redo: bool, changed: usize, kept: usize) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut s = format!(
        "{}: import: {} {changed} expense{}",
        if redo { "Redid" } else { "Undid" },
        if redo { "restored" } else { "removed" },
        plural(changed)
    );
    if kept > 0 {
        s.push_str(&format!(
            "; {kept} changed or deleted since, left as {}",
            if kept == 1 { "it is" } else { "they are" }
        ));
    }
    s
}

/// The line an undo/redo step prints (the TUI shows the same as its message).
pub fn step_text(redo: bool, step: &Undone) -> String {
    match step {
        Undone::One(r) => match &r.budget {
            // The undo record goes from the change's new limit back to its old one.
            Some(b) if redo => format!("Redid: {}", b.describe()),
            Some(b) => format!(
                "Undid: {}",
                BudgetChange {
                    category: b.category.clone(),
                    old: b.new,
                    new: b.old,
                }
                .describe()
            ),
            // A step that moved the item into the trash undid a restore (or redid a delete);
            // one that took it out undid a delete (or redid a restore).
            None if r.new_trash.is_some() => match (redo, r.new.as_ref()) {
                (false, Some(e)) => format!("Undid: restore {} from the trash", short(&e.draft)),
                _ => step_line(redo, r.live_old(), r.live_new()),
            },
            None if r.old_trash.is_some() && r.event == Event::Modify => {
                match (redo, r.new.as_ref()) {
                    (true, Some(e)) => format!("Redid: restore {} from the trash", short(&e.draft)),
                    _ => step_line(redo, r.live_old(), r.live_new()),
                }
            }
            None => step_line(redo, r.live_old(), r.live_new()),
        },
        Undone::Batch(b) => match &b.rename {
            Some(note) => note.step_line(redo, b.kept),
            None => batch_line(redo, b.undone, b.kept),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Currency, ExpenseId};
    use chrono::NaiveDate;

    fn expense(amount: i64, category: &str, payee: &str) -> Expense {
        Expense {
            id: ExpenseId(1),
            draft: Draft {
                date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
                amount,
                currency: Currency::EUR,
                category: category.into(),
                payee: payee.into(),
                note: String::new(),
                tags: vec![],
                kind: Kind::Expense,
            },
            created: 0,
            updated: 0,
            version: 1,
        }
    }

    #[test]
    fn summaries_name_the_expense_or_what_changed() {
        let a = expense(1250, "food", "Lidl");
        let b = expense(1300, "food:restaurants", "Lidl");
        assert_eq!(summary(None, Some(&a)), "12.50 EUR food @Lidl");
        assert_eq!(summary(Some(&a), None), "12.50 EUR food @Lidl");
        assert_eq!(
            summary(Some(&a), Some(&b)),
            "amount 12.50 → 13.00, category food → food:restaurants"
        );
        assert_eq!(
            summary(Some(&a), Some(&a)),
            "12.50 EUR food @Lidl (no field changed)"
        );
        assert_eq!(describe(None, Some(&a)), "add 12.50 EUR food @Lidl");
        assert_eq!(describe(Some(&a), None), "delete 12.50 EUR food @Lidl");
        assert!(describe(Some(&a), Some(&b)).starts_with("edit 13.00 EUR food:restaurants @Lidl ("));
        // An undo record that removed the expense undid its adding.
        assert_eq!(
            step_line(false, Some(&a), None),
            "Undid: add 12.50 EUR food @Lidl"
        );
        assert_eq!(
            step_line(true, None, Some(&a)),
            "Redid: add 12.50 EUR food @Lidl"
        );
        assert_eq!(
            batch_line(false, 4, 1),
            "Undid: import: removed 4 expenses; 1 changed or deleted since, left as it is"
        );
        assert_eq!(batch_line(true, 1, 0), "Redid: import: restored 1 expense");
    }

    #[test]
    fn diff_marks_changed_fields_and_escapes_user_text() {
        let a = expense(1250, "food", "Li\x1b[2Jdl");
        let b = expense(1250, "food", "Aldi");
        let d = diff(Some(&a), Some(&b));
        assert_eq!(d.len(), 8);
        let changed: Vec<&str> = d.iter().filter(|f| f.changed()).map(|f| f.field).collect();
        assert_eq!(changed, vec!["payee"]);
        assert!(!d[5].old.contains('\x1b'), "{:?}", d[5].old);
        let added = diff(None, Some(&a));
        assert!(added.iter().all(|f| f.old.is_empty()));
        assert!(diff(None, None).is_empty());
    }
}
