//! Runs the reducer's effects against the store and answers with actions. The only place the TUI
//! touches the store. Date-ordered, unfiltered pages come straight from the date index (a month
//! switch costs one aggregate scan plus one page); other orders and the fuzzy filter work on the
//! month's rows, loaded once and kept until the store changes.

use crate::app::action::{
    Action, Change, Completions, HistoryLoaded, HistoryRow, Stepped, Stored, Totals, TrashLoaded,
    WindowLoaded,
};
use crate::app::effect::{Effect, HistoryQuery, SortKey, WindowQuery};
use crate::app::fuzzy::Fuzzy;
use crate::domain::money::format_plain;
use crate::domain::Expense;
use crate::store::{ChangeRecord, Origin, Store, StoreError, Undone};
use chrono::NaiveDate;

/// The month's rows for sorted or filtered views, valid while the store's last seq is unchanged,
/// with the last sorted/filtered order so that scrolling does not sort again.
struct MonthRows {
    from: NaiveDate,
    to: NaiveDate,
    category: Option<String>,
    seq: u64,
    rows: Vec<Expense>,
    /// (sort, descending, filter) of `order`.
    view: Option<(SortKey, bool, String)>,
    /// Indexes into `rows` in view order.
    order: Vec<usize>,
}

/// Executes effects; owns the store handle for the TUI.
pub struct Runtime {
    store: Store,
    month: Option<MonthRows>,
    /// Month start day for budget alerts.
    start_day: u32,
    /// Budget-alert checkpoint: the last seq whose alerts this session has shown.
    alerts_after: u64,
}

impl Runtime {
    /// A runtime over `store`.
    pub fn new(store: Store) -> Runtime {
        // Notices are for what is written from now on, by any session.
        let alerts_after = store.last_seq().unwrap_or(0);
        Runtime {
            store,
            month: None,
            start_day: 1,
            alerts_after,
        }
    }

    /// Months start on `day` (budget alerts use it).
    pub fn set_month_start_day(&mut self, day: u32) {
        self.start_day = day;
    }

    /// The store, for shutdown.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Performs one effect (not Quit/Suspend, which the loop handles) and reports the outcome:
    /// usually one action, then `BudgetAlerts` when records written since the last call (by this
    /// session or any other) crossed budget lines.
    pub fn execute(&mut self, effect: Effect, now_ms: i64) -> Vec<Action> {
        let mut out = self.perform(effect, now_ms);
        if !out.is_empty() {
            out.extend(self.budget_alerts());
        }
        out
    }

    /// The budget-alert consumer: the alerts of the records after its checkpoint.
    fn budget_alerts(&mut self) -> Option<Action> {
        match crate::store::triggers::budget_alerts_since(
            &self.store,
            self.alerts_after,
            self.start_day,
        ) {
            Ok((alerts, upto)) => {
                self.alerts_after = upto;
                (!alerts.is_empty())
                    .then(|| Action::BudgetAlerts(alerts.into_iter().map(|(_, a)| a).collect()))
            }
            Err(e) => Some(Action::Failed(format!("checking budgets: {e}"))),
        }
    }

    fn perform(&mut self, effect: Effect, now_ms: i64) -> Vec<Action> {
        let result = match effect {
            Effect::LoadWindow(q) => self.window(q).map(|w| Action::WindowLoaded(Box::new(w))),
            Effect::LoadCompletions => self.completions().map(Action::CompletionsLoaded),
            Effect::LoadTriggerHealth => crate::triggers::health(&self.store, &[]).map(|h| {
                Action::TriggerHealth(h.iter().find_map(crate::triggers::Health::warning))
            }),
            Effect::LoadReview(q) => {
                crate::review::compute(&self.store, &q).map(|r| Action::ReviewLoaded(Box::new(r)))
            }
            Effect::LoadReviewDetails { month, start_day } => {
                crate::review::details(&self.store, month, start_day, crate::review::DETAIL_LIMIT)
                    .map(|d| Action::DetailsLoaded(Box::new(d)))
            }
            Effect::SetBudget { category, limit } => self
                .store
                .set_budget(&category, limit)
                .map(|()| Action::BudgetSaved { category, limit }),
            Effect::Put(draft) => {
                return self.written(self.store.put(draft, Origin::User, now_ms), Change::Added)
            }
            Effect::Update {
                id,
                expected_version,
                draft,
            } => {
                return self.written(
                    self.store
                        .update(id, expected_version, draft, Origin::User, now_ms),
                    Change::Edited,
                )
            }
            Effect::Delete {
                id,
                expected_version,
                ttl_ms,
            } => {
                return self.written(
                    self.store.trash(id, expected_version, now_ms, ttl_ms),
                    Change::Deleted,
                )
            }
            Effect::LoadTrash => self
                .store
                .trashed()
                .map(|rows| Action::TrashLoaded(Box::new(TrashLoaded { rows, now_ms }))),
            Effect::Restore { id } => {
                return self.written(self.store.restore(id, now_ms), Change::Restored)
            }
            Effect::Purge { id } => {
                return self.written(self.store.purge(id, now_ms), Change::Purged)
            }
            Effect::Undo => return self.stepped(false, self.store.undo_step(now_ms)),
            Effect::Redo => return self.stepped(true, self.store.redo_step(now_ms)),
            Effect::LoadHistory(q) => self.history(q).map(|h| Action::HistoryLoaded(Box::new(h))),
            Effect::Quit | Effect::Suspend => return Vec::new(),
        };
        vec![result.unwrap_or_else(|e| Action::Failed(e.to_string()))]
    }

    /// The answer to a write (budget alerts follow from the stream, see `execute`).
    fn written(&self, r: Result<ChangeRecord, StoreError>, change: Change) -> Vec<Action> {
        match r {
            Ok(record) => vec![stored(record, change)],
            Err(e) => vec![Action::Failed(e.to_string())],
        }
    }

    /// The answer to an undo or redo: `Stepped` with the line `expense undo`/`redo` prints,
    /// then budget alerts when a one-record step crossed a budget line.
    fn stepped(&self, redo: bool, r: Result<Option<Undone>, StoreError>) -> Vec<Action> {
        let step = match r {
            Ok(s) => s,
            Err(e @ StoreError::Purged(_)) => return vec![Action::UndoImpossible(e.to_string())],
            Err(e) => return vec![Action::Failed(e.to_string())],
        };
        let Some(step) = step else {
            let text = if redo {
                "Nothing to redo"
            } else {
                "Nothing to undo"
            };
            return vec![Action::Stepped(Box::new(Stepped {
                redo,
                text: text.into(),
                expense: None,
            }))];
        };
        let text = crate::cli::history::step_text(redo, &step);
        let expense = match &step {
            Undone::One(rec) => rec.new.clone(),
            Undone::Batch(_) => None,
        };
        // Budget notices follow from the stream (see `execute`).
        vec![Action::Stepped(Box::new(Stepped {
            redo,
            text,
            expense,
        }))]
    }

    /// A window of the whole stream or of one expense's records.
    fn history(&self, q: HistoryQuery) -> Result<HistoryLoaded, StoreError> {
        match q.item {
            Some(id) => {
                let h = self.store.item_history(id, q.start, q.len)?;
                Ok(HistoryLoaded {
                    total: h.total,
                    rows: rows(h.records),
                    query: q,
                })
            }
            None => {
                let w = self.store.history_window(q.start, q.len)?;
                Ok(HistoryLoaded {
                    total: usize::try_from((w.newest + 1).saturating_sub(w.first))
                        .unwrap_or(usize::MAX),
                    rows: rows(w.records),
                    query: q,
                })
            }
        }
    }

    fn window(&mut self, mut q: WindowQuery) -> Result<WindowLoaded, StoreError> {
        let summary = self.store.summary(q.from, q.to)?;
        let totals: Vec<Totals> = summary
            .totals
            .iter()
            .map(|t| Totals {
                currency: t.currency,
                spent: t.spent,
                income: t.income,
                count: t.count,
            })
            .collect();
        // A window that starts a page before the focused row keeps it on screen.
        let around = |q: &mut WindowQuery, at: Option<usize>| {
            if let Some(i) = at {
                q.start = i.saturating_sub(q.len / 3);
            }
            at
        };
        if q.sort == SortKey::Date && q.filter.trim().is_empty() && q.category.is_none() {
            let focus = match q.focus {
                Some(id) => self
                    .store
                    .position_in_range(q.from, q.to, q.descending, id)?,
                None => None,
            };
            let focus = around(&mut q, focus);
            let rows = self
                .store
                .range(q.from, q.to, q.descending, q.start, q.len)?;
            let total = usize::try_from(summary.count).unwrap_or(usize::MAX);
            return Ok(WindowLoaded {
                query: q,
                total,
                rows,
                totals,
                focus,
                month_count: None,
            });
        }
        let month = self.month_view(&q)?;
        // A narrowed view totals what it lists; the header still says how many the month has.
        let narrowed = q.category.is_some() || !q.filter.trim().is_empty();
        let (totals, month_count) = if narrowed {
            let listed = month.order.iter().map(|&i| &month.rows[i]);
            (Totals::of(listed), Some(summary.count))
        } else {
            (totals, None)
        };
        let focus = q
            .focus
            .and_then(|id| month.order.iter().position(|&i| month.rows[i].id == id));
        let focus = around(&mut q, focus);
        let total = month.order.len();
        let rows = month
            .order
            .iter()
            .skip(q.start)
            .take(q.len)
            .map(|&i| month.rows[i].clone())
            .collect();
        Ok(WindowLoaded {
            query: q,
            total,
            rows,
            totals,
            focus,
            month_count,
        })
    }

    /// The month's rows in the query's order, loaded and sorted only when something changed.
    fn month_view(&mut self, q: &WindowQuery) -> Result<&MonthRows, StoreError> {
        let seq = self.store.last_seq()?;
        let fresh = matches!(&self.month, Some(m) if m.from == q.from && m.to == q.to && m.seq == seq && m.category == q.category);
        if !fresh {
            self.month = None;
        }
        let m = match &mut self.month {
            Some(m) => m,
            slot => {
                let rows = match &q.category {
                    Some(c) => self.store.range_in_category(c, q.from, q.to)?,
                    None => self.store.range(q.from, q.to, false, 0, usize::MAX)?,
                };
                slot.insert(MonthRows {
                    from: q.from,
                    to: q.to,
                    category: q.category.clone(),
                    seq,
                    rows,
                    view: None,
                    order: Vec::new(),
                })
            }
        };
        let view = (q.sort, q.descending, q.filter.trim().to_string());
        if m.view.as_ref() != Some(&view) {
            let mut order: Vec<usize> = if view.2.is_empty() {
                (0..m.rows.len()).collect()
            } else {
                let mut fuzzy = Fuzzy::new(&view.2);
                (0..m.rows.len())
                    .filter(|&i| fuzzy.score(&haystack(&m.rows[i])).is_some())
                    .collect()
            };
            sort(&mut order, &m.rows, q.sort, q.descending);
            m.order = order;
            m.view = Some(view);
        }
        Ok(m)
    }

    fn completions(&self) -> Result<Completions, StoreError> {
        Ok(Completions {
            categories: self.store.categories()?,
            payees: self.store.payees()?,
            tags: self.store.tags()?,
        })
    }
}

/// The text the filter matches: payee, category, note, tags and amount.
fn haystack(e: &Expense) -> String {
    let d = &e.draft;
    format!(
        "{} {} {} {} {}",
        d.payee,
        d.category,
        d.note,
        d.tags
            .iter()
            .map(|t| format!("#{t}"))
            .collect::<Vec<_>>()
            .join(" "),
        format_plain(d.amount, d.currency)
    )
}

fn sort(order: &mut [usize], rows: &[Expense], key: SortKey, descending: bool) {
    // Lower-cased names once, not per comparison.
    let names: Vec<String> = match key {
        SortKey::Category => rows
            .iter()
            .map(|e| e.draft.category.to_lowercase())
            .collect(),
        SortKey::Payee => rows.iter().map(|e| e.draft.payee.to_lowercase()).collect(),
        _ => Vec::new(),
    };
    order.sort_by(|&a, &b| {
        let (x, y) = (&rows[a], &rows[b]);
        let primary = match key {
            SortKey::Date => x.draft.date.cmp(&y.draft.date),
            SortKey::Amount => x.draft.amount.cmp(&y.draft.amount),
            SortKey::Category | SortKey::Payee => names[a].cmp(&names[b]),
        };
        let ord = primary
            .then(x.draft.date.cmp(&y.draft.date))
            .then(x.id.cmp(&y.id));
        if descending {
            ord.reverse()
        } else {
            ord
        }
    });
}

/// Records with their local times.
fn rows(records: Vec<ChangeRecord>) -> Vec<HistoryRow> {
    records
        .into_iter()
        .map(|record| HistoryRow {
            time: crate::cli::history::local_time(record.at),
            record,
        })
        .collect()
}

fn stored(record: ChangeRecord, change: Change) -> Action {
    let expense = record.new.or(record.old);
    match expense {
        Some(expense) => Action::Stored(Box::new(Stored {
            seq: record.seq,
            change,
            expense,
        })),
        None => Action::Failed(format!("change {} has no image", record.seq)),
    }
}

#[cfg(test)]
mod tests {
    // Amounts are written as units_cents (900_00 is 900.00).
    #![allow(clippy::inconsistent_digit_grouping)]
    use super::*;
    use crate::domain::{Currency, Draft, Kind};

    fn put(store: &Store, day: u32, cents: i64, category: &str, payee: &str) {
        let draft = Draft {
            date: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            amount: cents,
            currency: Currency::EUR,
            category: category.into(),
            payee: payee.into(),
            note: String::new(),
            tags: Vec::new(),
            kind: Kind::Expense,
        };
        store.put(draft, Origin::User, 0).unwrap();
    }

    fn load(rt: &mut Runtime, filter: &str, category: Option<&str>) -> WindowLoaded {
        let q = WindowQuery {
            from: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            sort: SortKey::Date,
            descending: true,
            filter: filter.into(),
            start: 0,
            len: 50,
            focus: None,
            category: category.map(str::to_string),
        };
        match rt.execute(Effect::LoadWindow(q), 0).remove(0) {
            Action::WindowLoaded(w) => *w,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_narrowed_view_totals_what_it_lists_and_names_the_months_count() {
        let store = Store::open_temporary().unwrap();
        put(&store, 3, 4_50, "food:coffee", "Starbucks");
        put(&store, 5, 3_20, "food:coffee", "Starbucks");
        put(&store, 6, 40_00, "food:groceries", "Lidl");
        put(&store, 7, 900_00, "rent", "Landlord");
        let mut rt = Runtime::new(store);

        let all = load(&mut rt, "", None);
        assert_eq!((all.totals[0].spent, all.totals[0].count), (947_70, 4));
        assert_eq!(all.month_count, None);

        let star = load(&mut rt, "starb", None);
        assert_eq!(star.rows.len(), 2);
        assert_eq!((star.totals[0].spent, star.totals[0].count), (7_70, 2));
        assert_eq!(star.month_count, Some(4));

        let food = load(&mut rt, "", Some("food"));
        assert_eq!((food.totals[0].spent, food.totals[0].count), (47_70, 3));
        assert_eq!(food.month_count, Some(4));

        let none = load(&mut rt, "zzzz", None);
        assert!(none.totals.is_empty() && none.rows.is_empty());
        assert_eq!(none.month_count, Some(4));
    }
}
