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
