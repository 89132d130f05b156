//! Renaming and merging categories, the pure part: which two names a rename accepts, where each
//! category of the renamed tree goes (`food:coffee` becomes `drinks:coffee` when `food` becomes
//! `drinks`), what happens to budgets (moved; merged by a rule when the new name has one too),
//! what happens to schedules (they post to the new name from then on), and the words the
//! prompt, `expense categories rename` and the history use. The store plans with [`plan_with`]
//! and writes (`store/rename.rs`). Pure: names and numbers in, text out.
//!
//! A rename onto a name already in use is a merge: the expenses join the ones there, and so do
//! the sub-categories (`food:coffee` joins an existing `drinks:coffee`). A budget moves with its
//! category; when its new name has a budget too, [`BudgetMerge`] decides (summed by default,
//! said in the prompt and the output). Budgets in two currencies cannot be merged: the rename
//! is refused and nothing changes.

use super::category::is_within;
use super::money::{format_grouped, Currency};
use super::text::inert;
use super::validate::{parse_category, FieldError, MAX_CATEGORY};
use super::ExpenseId;
use serde::{Deserialize, Serialize};

/// How a budget of the renamed tree meets a budget already set on its new name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum BudgetMerge {
    /// The merged category's budget is the sum of both (the default).
    #[default]
    Sum,
    /// The budget already on the new name stays; the moved one goes.
    KeepNew,
    /// The moved budget replaces the one on the new name.
    KeepOld,
}

impl BudgetMerge {
    /// Every rule with its name (`sum`, `keep-new`, `keep-old`).
    pub const ALL: [(BudgetMerge, &'static str); 3] = [
        (BudgetMerge::Sum, "sum"),
        (BudgetMerge::KeepNew, "keep-new"),
        (BudgetMerge::KeepOld, "keep-old"),
    ];

    /// The rule named `name`.
    pub fn parse(name: &str) -> Option<BudgetMerge> {
        BudgetMerge::ALL
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name.trim()))
            .map(|(m, _)| *m)
    }

    /// The rule's name.
    pub fn name(self) -> &'static str {
        BudgetMerge::ALL
            .iter()
            .find(|(m, _)| *m == self)
            .map_or("sum", |(_, n)| n)
    }
}

/// Why a rename is refused; its `Display` is the message a person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenameError {
    /// The old name is not a category path.
    #[error("old name: {0}")]
    From(FieldError),
    /// The new name is not a category path (the rules every category obeys).
    #[error("new name: {0}")]
    To(FieldError),
    /// OLD and NEW are the same category.
    #[error("'{}' is already its name: a rename onto itself changes nothing", inert(.0))]
    Itself(String),
    /// NEW is below OLD.
    #[error(
        "'{}' is below '{}': a category cannot move into its own subcategory",
        inert(.to),
        inert(.from)
    )]
    IntoItself {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// No expense, budget or schedule uses OLD or anything below it.
    #[error(
        "no expense, budget or schedule uses category '{}'{}",
        inert(.name),
        known_text(.known)
    )]
    Unknown {
        /// The old name.
        name: String,
        /// Some categories in use, most used first.
        known: Vec<String>,
    },
    /// A moved sub-category would be longer than categories may be.
    #[error(
        "'{}' would become '{}', longer than {} characters",
        inert(.from),
        inert(.to),
        MAX_CATEGORY
    )]
    TooLong {
        /// The category that would move.
        from: String,
        /// Its new name.
        to: String,
    },
    /// A moved budget meets one in another currency on its new name.
    #[error(
        "the budgets of {} ({}) and {} ({}) are in different currencies and cannot be merged; \
         remove one first (expense budget rm CATEGORY)",
        inert(.from),
        limit_text(.from_limit),
        inert(.to),
        limit_text(.to_limit)
    )]
    Currencies {
        /// The moved budget's category.
        from: String,
        /// Its limit.
        from_limit: (Currency, i64),
        /// The category it would merge into.
        to: String,
        /// That one's limit.
        to_limit: (Currency, i64),
    },
}

fn known_text(known: &[String]) -> String {
    if known.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = known.iter().map(|k| inert(k).into_owned()).collect();
        format!(" (known: {})", names.join(", "))
    }
}

fn limit_text(l: &(Currency, i64)) -> String {
    format!("{} {}", format_grouped(l.1, l.0), l.0)
}

/// Where `category` goes when `from` becomes `to` (`food:coffee`, `food`, `drinks` gives
/// `drinks:coffee`); `None` when it is not `from` or below it.
pub fn moved(category: &str, from: &str, to: &str) -> Option<String> {
    is_within(category, from).then(|| format!("{to}{}", &category[from.len()..]))
}

/// The two names of a rename, written as every category is (`parse_category`: trimmed, no empty
/// part, no control character, at most 120 characters), and not the same or one below the other
/// that way round.
pub fn check_names(from: &str, to: &str) -> Result<(String, String), RenameError> {
    let from = parse_category(from).map_err(RenameError::From)?;
    let to = parse_category(to).map_err(RenameError::To)?;
    if from == to {
        return Err(RenameError::Itself(from));
    }
    if is_within(&to, &from) {
        return Err(RenameError::IntoItself { from, to });
    }
    Ok((from, to))
}

/// A budget as a plan reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetLine {
    /// The budgeted category.
    pub category: String,
    /// Its currency.
    pub currency: Currency,
    /// The monthly limit, minor units.
    pub amount: i64,
}

/// What a rename does to one budget of the renamed tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetMove {
    /// The budget's category now.
    pub from: String,
    /// Its category after the rename.
    pub to: String,
    /// Its currency (a budget it merges with has the same).
    pub currency: Currency,
    /// Its limit.
    pub amount: i64,
    /// The limit already set on `to`, if any (then the two merge).
    pub existing: Option<i64>,
    /// The limit `to` has after the rename.
    pub result: i64,
    /// `to` is a parent of `from` (a merge up, `food:coffee` into `food`): its budget already
    /// counts the moved category's spending, so a sum would count it twice; it is kept (unless
    /// the rule is keep-old).
    pub nested: bool,
}

/// A schedule (a recurring expense) as a plan reads it: its id and the category it posts to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleLine {
    /// The schedule's id.
    pub id: ExpenseId,
    /// The category of the expenses it posts.
    pub category: String,
}

/// What a rename does to one schedule of the renamed tree: it posts to the new name from now
/// on (what it posted already moves with the expenses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleMove {
    /// The schedule's id.
    pub id: ExpenseId,
    /// Its category now.
    pub from: String,
    /// Its category after the rename.
    pub to: String,
}

/// What a rename will do: the numbers the prompt and `--dry-run` show, and what the store
/// writes (the budget and schedule changes; the expenses are found when written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenamePlan {
    /// The old name.
    pub from: String,
    /// The new name.
    pub to: String,
    /// Expenses in exactly `from`.
    pub exact: u64,
    /// Expenses in categories below `from`.
    pub below: u64,
    /// `to` (or a category below it) is in use already: the rename merges.
    pub merge: bool,
    /// The budgets that move, in category order.
    pub budgets: Vec<BudgetMove>,
    /// The schedules that move, in category order.
    pub schedules: Vec<ScheduleMove>,
    /// How budgets that meet merge.
    pub policy: BudgetMerge,
}

/// Plans renaming `from` to `to` over the categories in use (`used`: name and expense count)
/// and the budgets set (`budgets`), merging budgets that meet by `policy`. Refused (see
/// [`RenameError`]) for names that are not allowed, a category nothing uses, a moved
/// sub-category that would be too long, and budgets that meet in different currencies.
pub fn plan(
    from: &str,
    to: &str,
    used: &[(String, u64)],
    budgets: &[BudgetLine],
    policy: BudgetMerge,
) -> Result<RenamePlan, RenameError> {
    plan_with(from, to, used, budgets, &[], policy)
}

/// [`plan`] over the schedules too (`schedules`: each one's id and category): they name
/// categories as budgets do (a category only a schedule uses can be renamed, a merge is one
/// onto a name a schedule uses), and each schedule of the renamed tree moves with it.
pub fn plan_with(
    from: &str,
    to: &str,
    used: &[(String, u64)],
    budgets: &[BudgetLine],
    schedules: &[ScheduleLine],
    policy: BudgetMerge,
) -> Result<RenamePlan, RenameError> {
    let (from, to) = check_names(from, to)?;
    let (exact, below) = counts(&from, used);
    let budgeted = budgets.iter().any(|b| is_within(&b.category, &from));
    let scheduled = schedules.iter().any(|s| is_within(&s.category, &from));
    if exact + below == 0 && !budgeted && !scheduled {
        return Err(RenameError::Unknown {
            name: from,
            known: used.iter().take(8).map(|(c, _)| c.clone()).collect(),
        });
    }
    let names = || {
        used.iter()
            .map(|(c, _)| c.as_str())
            .chain(budgets.iter().map(|b| b.category.as_str()))
            .chain(schedules.iter().map(|s| s.category.as_str()))
    };
    for c in names() {
        if let Some(new) = moved(c, &from, &to) {
            if new.chars().count() > MAX_CATEGORY {
                return Err(RenameError::TooLong {
                    from: c.to_string(),
                    to: new,
                });
            }
        }
    }
    let merge = names().any(|c| is_within(c, &to));
    let mut moves = Vec::new();
    for b in budgets {
        let Some(new) = moved(&b.category, &from, &to) else {
            continue;
        };
        let there = budgets.iter().find(|o| o.category == new);
        let nested = is_within(&b.category, &new);
        let (existing, result) = match there {
            None => (None, b.amount),
            Some(o) if o.currency != b.currency => {
                return Err(RenameError::Currencies {
                    from: b.category.clone(),
                    from_limit: (b.currency, b.amount),
                    to: new,
                    to_limit: (o.currency, o.amount),
                })
            }
            Some(o) => (
                Some(o.amount),
                match policy {
                    BudgetMerge::Sum if nested => o.amount,
                    BudgetMerge::Sum => o.amount.saturating_add(b.amount),
                    BudgetMerge::KeepNew => o.amount,
                    BudgetMerge::KeepOld => b.amount,
                },
            ),
        };
        moves.push(BudgetMove {
            from: b.category.clone(),
            to: new,
            currency: b.currency,
            amount: b.amount,
            existing,
            result,
            nested,
        });
    }
    moves.sort_by(|a, b| a.from.cmp(&b.from));
    let mut schedule_moves: Vec<ScheduleMove> = schedules
        .iter()
        .filter_map(|s| {
            Some(ScheduleMove {
                id: s.id,
                from: s.category.clone(),
                to: moved(&s.category, &from, &to)?,
            })
        })
        .collect();
    schedule_moves.sort_by(|a, b| (&a.from, a.id).cmp(&(&b.from, b.id)));
    Ok(RenamePlan {
        from,
        to,
        exact,
        below,
        merge,
        budgets: moves,
        schedules: schedule_moves,
        policy,
    })
}

/// Expenses in exactly `from`, and in the categories below it.
pub fn counts(from: &str, used: &[(String, u64)]) -> (u64, u64) {
    used.iter()
        .filter(|(c, _)| is_within(c, from))
        .fold((0, 0), |(exact, below), (c, n)| {
            if c == from {
                (exact + n, below)
            } else {
                (exact, below + n)
            }
        })
}

/// `1 expense`, `1,234 expenses`.
pub fn expenses_text(n: u64) -> String {
    format!("{} expense{}", grouped(n), if n == 1 { "" } else { "s" })
}

/// `1234567` as `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The expenses of a category and below it: `1,234 expenses (and 560 in subcategories)`,
/// `560 expenses in subcategories`, `3 expenses`.
pub fn counts_text(exact: u64, below: u64) -> String {
    match (exact, below) {
        (_, 0) => expenses_text(exact),
        (0, b) => format!("{} in subcategories", expenses_text(b)),
        (e, b) => format!("{} (and {} in subcategories)", expenses_text(e), grouped(b)),
    }
}

impl RenamePlan {
    /// Budgets that move to a name without one, and budgets that merge.
    pub fn budget_counts(&self) -> (u32, u32) {
        let merged = self.budgets.iter().filter(|b| b.existing.is_some()).count();
        let moved = self.budgets.len() - merged;
        (
            u32::try_from(moved).unwrap_or(u32::MAX),
            u32::try_from(merged).unwrap_or(u32::MAX),
        )
    }

    /// What will move: `1,234 expenses (and 560 in subcategories) will move to drinks`, or
    /// `will merge into drinks`.
    pub fn moving_text(&self) -> String {
        let s = counts_text(self.exact, self.below);
        let verb = if self.merge {
            "will merge into"
        } else {
            "will move to"
        };
        format!("{s} {verb} {}", inert(&self.to))
    }

    /// What happens to budgets, one phrase each: `budget 200.00 EUR moves to drinks`,
    /// `budgets of food and drinks merge: 200.00 + 100.00 = 300.00 EUR (summed)`; `no budget`.
    pub fn budget_text(&self) -> String {
        if self.budgets.is_empty() {
            return "no budget moves".into();
        }
        let parts: Vec<String> = self
            .budgets
            .iter()
            .map(|b| {
                let money = |v: i64| format_grouped(v, b.currency);
                match b.existing {
                    None => format!(
                        "budget {} {} {} moves to {}",
                        inert(&b.from),
                        money(b.amount),
                        b.currency,
                        inert(&b.to)
                    ),
                    Some(e) => {
                        let (f, t) = (inert(&b.from), inert(&b.to));
                        let c = b.currency;
                        match self.policy {
                            BudgetMerge::Sum if b.nested => format!(
                                "budget {f} {} {c} goes, {t} keeps {} {c} (it already counts \
                                 {f})",
                                money(b.amount),
                                money(e)
                            ),
                            BudgetMerge::Sum => format!(
                                "budgets of {f} and {t} merge: {} + {} = {} {c} (summed)",
                                money(b.amount),
                                money(e),
                                money(b.result)
                            ),
                            BudgetMerge::KeepNew => format!(
                                "budget {f} {} {c} goes, {t} keeps {} {c} (keep-new)",
                                money(b.amount),
                                money(e)
                            ),
                            BudgetMerge::KeepOld => format!(
                                "budget {f} {} {c} replaces {t}'s {} {c} (keep-old)",
                                money(b.amount),
                                money(e)
                            ),
                        }
                    }
                }
            })
            .collect();
        parts.join("; ")
    }

    /// What happens to schedules: `schedule 950.00 … moves to drinks` is too long for many,
    /// so a count: `1 schedule moves along (its future occurrences post to drinks)`, `3
    /// schedules move along …`; `None` when no schedule names the renamed tree.
    pub fn schedule_text(&self) -> Option<String> {
        let n = self.schedules.len();
        if n == 0 {
            return None;
        }
        let (one, what) = if n == 1 {
            ("schedule moves", "its")
        } else {
            ("schedules move", "their")
        };
        Some(format!(
            "{n} {one} along ({what} future occurrences post to {})",
            inert(&self.to)
        ))
    }

    /// The note the history keeps for this rename once written with `expenses` moved.
    pub fn note(&self, expenses: u64) -> RenameNote {
        let (budgets_moved, budgets_merged) = self.budget_counts();
        RenameNote {
            step: RenameStep::Rename,
            from: self.from.clone(),
            to: self.to.clone(),
            merged: self.merge,
            expenses,
            budgets_moved,
            budgets_merged,
            schedules: u32::try_from(self.schedules.len()).unwrap_or(u32::MAX),
        }
    }
}

/// What a preview of a rename found (the TUI's prompt asks while the name is typed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenamePreview {
    /// The category renamed.
    pub from: String,
    /// The new name as typed (the prompt keeps the preview of what it shows).
    pub asked: String,
    /// Expenses in exactly `from`.
    pub exact: u64,
    /// Expenses below it.
    pub below: u64,
    /// The plan, or why the rename would be refused.
    pub plan: Result<RenamePlan, String>,
}

/// Which step of a rename a stream batch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RenameStep {
    /// The rename itself.
    Rename,
    /// Its undo (also the rollback of an interrupted one).
    Undo,
    /// The redo of its undo.
    Redo,
}

/// One rename as the history shows it in one line, kept by the store beside the records of its
/// batch (`store/fold.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenameNote {
    /// The rename, or its undo or redo.
    pub step: RenameStep,
    /// The old name.
    pub from: String,
    /// The new name.
    pub to: String,
    /// The new name was in use: a merge.
    pub merged: bool,
    /// Expenses changed by this batch (or this part of it).
    pub expenses: u64,
    /// Budgets moved to a name without one.
    pub budgets_moved: u32,
    /// Budgets merged into one on the new name.
    pub budgets_merged: u32,
    /// Schedules moved to the new name (0 in notes written before schedules).
    pub schedules: u32,
}

impl RenameNote {
    /// The same rename as another step (its undo, or the redo of that), no expense counted yet.
    pub fn as_step(&self, step: RenameStep) -> RenameNote {
        RenameNote {
            step,
            expenses: 0,
            ..self.clone()
        }
    }

    /// `rename food → drinks` (or `merge food into drinks`).
    pub fn what(&self) -> String {
        if self.merged {
            format!("merge {} into {}", inert(&self.from), inert(&self.to))
        } else {
            format!("rename {} → {}", inert(&self.from), inert(&self.to))
        }
    }

    /// `1,234 expenses, budget moved`, `5 expenses, 2 budgets moved, schedule moved`.
    pub fn counts_text(&self) -> String {
        let mut s = expenses_text(self.expenses);
        let budgets = |n: u32, verb: &str| match n {
            0 => String::new(),
            1 => format!(", budget {verb}"),
            n => format!(", {n} budgets {verb}"),
        };
        s.push_str(&budgets(self.budgets_moved, "moved"));
        s.push_str(&budgets(self.budgets_merged, "merged"));
        match self.schedules {
            0 => {}
            1 => s.push_str(", schedule moved"),
            n => s.push_str(&format!(", {n} schedules moved")),
        }
        s
    }

    /// The history's one line: `renamed food → drinks: 1,234 expenses, budget moved`, `merged
    /// food into drinks: ...`, `undo of rename food → drinks: ...`, `redo of ...`.
    pub fn line(&self) -> String {
        let what = match self.step {
            RenameStep::Rename if self.merged => {
                format!("merged {} into {}", inert(&self.from), inert(&self.to))
            }
            RenameStep::Rename => format!("renamed {} → {}", inert(&self.from), inert(&self.to)),
            RenameStep::Undo => format!("undo of {}", self.what()),
            RenameStep::Redo => format!("redo of {}", self.what()),
        };
        format!("{what}: {}", self.counts_text())
    }

    /// The line an undo or redo of it prints: `Undid: rename food → drinks (1,234 expenses,
    /// budget moved)`, with the changes left as they were when `kept` > 0.
    pub fn step_line(&self, redo: bool, kept: usize) -> String {
        let mut s = format!(
            "{}: {} ({})",
            if redo { "Redid" } else { "Undid" },
            self.what(),
            self.counts_text()
        );
        if kept > 0 {
            s.push_str(&format!(
                "; {kept} changed since, left as {}",
                if kept == 1 { "it is" } else { "they are" }
            ));
        }
        s
    }
}

/// The changes the import settings in config.toml need after renaming `from` to `to`, one line
/// each, for the settings that name `from` or a category below it: `named` holds each rule's
/// payee pattern with its category, and `None` with `import.default_category`. The app never
/// rewrites the person's config file; it says what to change.
pub fn config_changes(named: &[(Option<String>, String)], from: &str, to: &str) -> Vec<String> {
    named
        .iter()
        .filter_map(|(pattern, category)| {
            let new = moved(category, from, to)?;
            let change = format!("\"{}\" → \"{}\"", inert(category), inert(&new));
            Some(match pattern {
                Some(p) => format!(
                    "[[import.rules]] payee = \"{}\": category {change}",
                    inert(p)
                ),
                None => format!("[import] default_category {change}"),
            })
        })
        .collect()
}

impl RenameNote {
    /// The status line of a rename just made: `Renamed food → drinks: 1,234 expenses, budget
    /// moved`.
    pub fn done_line(&self) -> String {
        let line = self.line();
        let mut c = line.chars();
        match c.next() {
            Some(first) => first.to_uppercase().chain(c).collect(),
            None => line,
        }
    }
}

#[cfg(test)]
#[path = "rename_tests.rs"]
mod tests;
