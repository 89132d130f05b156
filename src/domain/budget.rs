//! Budgets as the upper layers see them: the alert a write causes when it makes a category's month
//! cross 80 % or 100 % of its budget. Computed by `engine::alerts` from the change stream.

use super::money::format_grouped;
use super::{Currency, Month};

/// How far a budget is used.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum AlertLevel {
    /// 80 % or more of the budget is spent.
    Warning,
    /// The budget is reached or exceeded.
    Over,
}

/// A write made a category's month cross 80 % or 100 % of its budget.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BudgetAlert {
    /// The budgeted category (the written category or one of its parents).
    pub category: String,
    /// The budgeting month.
    pub month: Month,
    /// Currency of the budget.
    pub currency: Currency,
    /// The limit, minor units.
    pub budget: i64,
    /// Spent in the month after the write, minor units.
    pub spent: i64,
    /// Which line was crossed (the higher one when a write crosses both).
    pub level: AlertLevel,
}

impl BudgetAlert {
    /// The notice a person reads, e.g. `Budget food: 85% used in November 2026 (170.00 of 200.00 EUR)`.
    pub fn message(&self) -> String {
        let pct = i128::from(self.spent) * 100 / i128::from(self.budget.max(1));
        let what = match self.level {
            AlertLevel::Warning => "used",
            AlertLevel::Over => "used, over budget",
        };
        format!(
            "Budget {}: {pct}% {what} in {} ({} of {} {})",
            super::text::inert(&self.category),
            self.month.title(),
            format_grouped(self.spent, self.currency),
            format_grouped(self.budget, self.currency),
            self.currency
        )
    }
}

/// A monthly limit as a budget item holds it (a budget's image in the change stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limit {
    /// Currency of the limit.
    pub currency: Currency,
    /// The limit, positive minor units.
    pub amount: i64,
    /// The budget item's version (1 when set first, + 1 with each change).
    pub version: u64,
}

/// A change to a budget, as a change record carries it: budgets are items with their own key
/// space (`budget:CATEGORY`), so the history shows them, undo reverses them, triggers and
/// point-in-time restore see them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BudgetChange {
    /// The budgeted category.
    pub category: String,
    /// The limit before (None: no budget).
    pub old: Option<Limit>,
    /// The limit after (None: removed).
    pub new: Option<Limit>,
}

/// [`BudgetChange`] borrowed, as a [`super::change::ChangeView`] carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetView<'a> {
    /// The budgeted category.
    pub category: &'a str,
    /// The limit before.
    pub old: Option<Limit>,
    /// The limit after.
    pub new: Option<Limit>,
}

impl BudgetChange {
    /// The borrowed view.
    pub fn view(&self) -> BudgetView<'_> {
        BudgetView {
            category: &self.category,
            old: self.old,
            new: self.new,
        }
    }

    /// The history line: `budget food 150.00 EUR`, `budget food 150.00 → 200.00 EUR`,
    /// `budget food removed (was 150.00 EUR)`.
    pub fn summary(&self) -> String {
        let cat = super::text::inert(&self.category);
        let show = |l: &Limit| format!("{} {}", format_grouped(l.amount, l.currency), l.currency);
        match (&self.old, &self.new) {
            (None, Some(n)) => format!("budget {cat} {}", show(n)),
            (Some(o), Some(n)) => format!(
                "budget {cat} {} → {}",
                format_grouped(o.amount, o.currency),
                show(n)
            ),
            (Some(o), None) => format!("budget {cat} removed (was {})", show(o)),
            (None, None) => format!("budget {cat}"),
        }
    }

    /// What the change did, as a verb: `set budget food 150.00 EUR`, `remove budget ...`.
    pub fn describe(&self) -> String {
        match (&self.old, &self.new) {
            (None, Some(_)) | (Some(_), Some(_)) => format!("set {}", self.summary()),
            _ => format!("remove {}", self.summary()),
        }
    }
}
