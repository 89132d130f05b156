//! Triggers on the change stream: functions of one committed `ChangeRecord` (its old and new
//! images) plus the aggregates, never a rescan of items. Rule: called after commit, by whoever
//! made the write (the TUI runtime, `expense add`), so a notice is shown once per write.
//!
//! (The aggregate deltas themselves are applied inside the write transaction, see
//! `tables::Tx::write`.)

use super::{ChangeRecord, Store, StoreError};
use crate::domain::money::format_grouped;
use crate::domain::{Currency, Expense, Kind, Month};

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
            crate::domain::text::inert(&self.category),
            self.month.title(),
            format_grouped(self.spent, self.currency),
            format_grouped(self.budget, self.currency),
            self.currency
        )
    }
}

/// True when `category` is `parent` or below it (`food:x` is below `food`, `foodstuff` is not).
pub fn is_within(category: &str, parent: &str) -> bool {
    category == parent
        || (category.len() > parent.len()
            && category.starts_with(parent)
            && category.as_bytes()[parent.len()] == b':')
}

/// `food:groceries:organic`, `food:groceries`, `food`.
pub fn ancestors(category: &str) -> impl Iterator<Item = &str> {
    let cuts = category
        .char_indices()
        .filter(|(_, c)| *c == ':')
        .map(|(i, _)| i)
        .collect::<Vec<_>>();
    std::iter::once(category)
        .chain(cuts.into_iter().rev().map(move |i| &category[..i]))
        .filter(|c| !c.is_empty())
}

/// The budget alerts `record` causes: for each budget on the written category or a parent, in the
/// written currency, the spending of the month after the write (from the aggregates) and before
/// it (after minus this record's own old -> new contribution). A line crossed upward (before
/// below it, after at or above it) gives one alert; a write that crosses both gives the 100 % one.
pub fn budget_alerts(
    store: &Store,
    record: &ChangeRecord,
    start_day: u32,
) -> Result<Vec<BudgetAlert>, StoreError> {
    // Only a written expense can push spending up; a delete or an income never does.
    let Some(new) = record
        .new
        .as_ref()
        .filter(|e| e.draft.kind == Kind::Expense)
    else {
        return Ok(Vec::new());
    };
    let mut budgets = Vec::new();
    for cat in ancestors(&new.draft.category) {
        if let Some(b) = store.budget(cat)? {
            if b.currency == new.draft.currency {
                budgets.push(b);
            }
        }
    }
    if budgets.is_empty() {
        return Ok(Vec::new());
    }
    let month = Month::containing(new.draft.date, start_day);
    let (from, to) = month.range(start_day);
    let mut after = vec![0i128; budgets.len()];
    store.for_each_agg(from, to, |row| {
        if row.kind != Kind::Expense || row.currency != new.draft.currency {
            return;
        }
        for (i, b) in budgets.iter().enumerate() {
            if is_within(&row.category, &b.category) {
                after[i] += i128::from(row.sum);
            }
        }
    })?;
    let contribution = |e: Option<&Expense>, b: &super::Budget| -> i128 {
        match e {
            Some(e)
                if e.draft.kind == Kind::Expense
                    && e.draft.currency == b.currency
                    && e.draft.date >= from
                    && e.draft.date <= to
                    && is_within(&e.draft.category, &b.category) =>
            {
                i128::from(e.draft.amount)
            }
            _ => 0,
        }
    };
    let mut out = Vec::new();
    for (b, after) in budgets.into_iter().zip(after) {
        let before = after - contribution(Some(new), &b) + contribution(record.old.as_ref(), &b);
        let limit = i128::from(b.amount);
        let crossed = |pct: i128| before * 100 < limit * pct && after * 100 >= limit * pct;
        let level = if crossed(100) {
            AlertLevel::Over
        } else if crossed(80) {
            AlertLevel::Warning
        } else {
            continue;
        };
        out.push(BudgetAlert {
            category: b.category,
            month,
            currency: b.currency,
            budget: b.amount,
            spent: i64::try_from(after).unwrap_or(i64::MAX),
            level,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Draft;
    use crate::store::Origin;

    fn draft(m: u32, d: u32, cents: i64, cat: &str, kind: Kind) -> Draft {
        Draft {
            date: chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap(),
            amount: cents,
            currency: Currency::EUR,
            category: cat.into(),
            payee: String::new(),
            note: String::new(),
            tags: Vec::new(),
            kind,
        }
    }

    fn levels(s: &Store, r: &ChangeRecord, start_day: u32) -> Vec<(String, AlertLevel)> {
        budget_alerts(s, r, start_day)
            .unwrap()
            .into_iter()
            .map(|a| (a.category, a.level))
            .collect()
    }

    #[test]
    fn edits_deletes_and_jumps() {
        let s = Store::open_temporary().unwrap();
        s.set_budget("food", Some((Currency::EUR, 10_000))).unwrap();
        s.set_budget("food:x", Some((Currency::EUR, 1_000)))
            .unwrap();
        let e = Kind::Expense;
        let a = s
            .put(draft(11, 3, 7_000, "food", e), Origin::User, 1)
            .unwrap();
        assert!(levels(&s, &a, 1).is_empty(), "70%");
        // Editing 70 -> 85 crosses 80% (before = after - new + old).
        let a2 = s
            .update(a.id, 1, draft(11, 3, 8_500, "food", e), Origin::User, 2)
            .unwrap();
        assert_eq!(
            levels(&s, &a2, 1),
            [("food".to_string(), AlertLevel::Warning)]
        );
        // Same amount, new note: no crossing.
        let mut same = draft(11, 3, 8_500, "food", e);
        same.note = "n".into();
        let a3 = s.update(a.id, 2, same, Origin::User, 3).unwrap();
        assert!(levels(&s, &a3, 1).is_empty());
        // An income never alerts; a delete never alerts.
        let inc = s
            .put(draft(11, 4, 50_000, "food", Kind::Income), Origin::User, 4)
            .unwrap();
        assert!(levels(&s, &inc, 1).is_empty());
        let del = s.delete(a.id, 3, Origin::User, 5).unwrap();
        assert!(levels(&s, &del, 1).is_empty());
        // An expense moved from October into November, 0% -> 120% of food:x and 12% -> ...
        let b = s
            .put(draft(10, 9, 1_200, "food:x", e), Origin::User, 6)
            .unwrap();
        assert_eq!(
            levels(&s, &b, 1),
            [("food:x".to_string(), AlertLevel::Over)],
            "one alert for a jump over both lines"
        );
        let moved = s
            .update(b.id, 1, draft(11, 9, 1_200, "food:x", e), Origin::User, 7)
            .unwrap();
        assert_eq!(
            levels(&s, &moved, 1),
            [("food:x".to_string(), AlertLevel::Over)]
        );
        // With months starting on the 10th, Nov 9 belongs to October's budget month.
        let c = s
            .put(draft(11, 9, 8_000, "food", e), Origin::User, 8)
            .unwrap();
        assert_eq!(
            levels(&s, &c, 10),
            [("food".to_string(), AlertLevel::Warning)]
        );
        // Another currency is not counted against an EUR budget.
        let mut usd = draft(11, 9, 90_000, "food", e);
        usd.currency = Currency::parse("USD").unwrap();
        let u = s.put(usd, Origin::User, 9).unwrap();
        assert!(levels(&s, &u, 1).is_empty());
    }

    #[test]
    fn within_and_ancestors() {
        assert!(is_within("food:x", "food"));
        assert!(is_within("food", "food"));
        assert!(!is_within("foodstuff", "food"));
        assert!(!is_within("food", "food:x"));
        let a: Vec<&str> = ancestors("a:b:c").collect();
        assert_eq!(a, ["a:b:c", "a:b", "a"]);
        assert_eq!(ancestors("a").collect::<Vec<_>>(), ["a"]);
    }
}
