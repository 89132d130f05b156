//! Runs the reducer's effects against the store and answers with actions. The only place the TUI
//! touches the store. Date-ordered, unfiltered pages come straight from the date index (a month
//! switch costs one aggregate scan plus one page); other orders and the fuzzy filter work on the
//! month's rows, loaded once and kept until the store changes.

use crate::app::action::{Action, Change, Completions, Stored, Totals, WindowLoaded};
use crate::app::effect::{Effect, SortKey, WindowQuery};
use crate::app::fuzzy::Fuzzy;
use crate::domain::money::format_plain;
use crate::domain::Expense;
use crate::store::{ChangeRecord, Origin, Store, StoreError};
use chrono::NaiveDate;

/// The month's rows for sorted or filtered views, valid while the store's last seq is unchanged.
struct MonthRows {
    from: NaiveDate,
    to: NaiveDate,
    seq: u64,
    rows: Vec<Expense>,
}

/// Executes effects; owns the store handle for the TUI.
pub struct Runtime {
    store: Store,
    month: Option<MonthRows>,
}

impl Runtime {
    /// A runtime over `store`.
    pub fn new(store: Store) -> Runtime {
        Runtime { store, month: None }
    }

    /// The store, for shutdown.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Performs one effect (not Quit/Suspend, which the loop handles) and reports the outcome.
    pub fn execute(&mut self, effect: Effect, now_ms: i64) -> Option<Action> {
        let result = match effect {
            Effect::LoadWindow(q) => self.window(q).map(|w| Action::WindowLoaded(Box::new(w))),
            Effect::LoadCompletions => self.completions().map(Action::CompletionsLoaded),
            Effect::Put(draft) => self
                .store
                .put(draft, Origin::User, now_ms)
                .map(|r| stored(r, Change::Added)),
            Effect::Update {
                id,
                expected_version,
                draft,
            } => self
                .store
                .update(id, expected_version, draft, Origin::User, now_ms)
                .map(|r| stored(r, Change::Edited)),
            Effect::Delete {
                id,
                expected_version,
            } => self
                .store
                .delete(id, expected_version, Origin::User, now_ms)
                .map(|r| stored(r, Change::Deleted)),
            Effect::Undo { seq } => self
                .store
                .undo(seq, now_ms)
                .map(|r| stored(r, Change::Undone)),
            Effect::Quit | Effect::Suspend => return None,
        };
        Some(result.unwrap_or_else(|e| Action::Failed(e.to_string())))
    }

    fn window(&mut self, q: WindowQuery) -> Result<WindowLoaded, StoreError> {
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
        if q.sort == SortKey::Date && q.filter.trim().is_empty() {
            let rows = self
                .store
                .range(q.from, q.to, q.descending, q.start, q.len)?;
            let total = usize::try_from(summary.count).unwrap_or(usize::MAX);
            return Ok(WindowLoaded {
                query: q,
                total,
                rows,
                totals,
            });
        }
        let seq = self.store.last_seq()?;
        let fresh =
            matches!(&self.month, Some(m) if m.from == q.from && m.to == q.to && m.seq == seq);
        if !fresh {
            let rows = self.store.range(q.from, q.to, false, 0, usize::MAX)?;
            self.month = Some(MonthRows {
                from: q.from,
                to: q.to,
                seq,
                rows,
            });
        }
        let all = self.month.as_ref().map_or(&[][..], |m| m.rows.as_slice());
        let mut view: Vec<&Expense> = if q.filter.trim().is_empty() {
            all.iter().collect()
        } else {
            let mut fuzzy = Fuzzy::new(q.filter.trim());
            all.iter()
                .filter(|e| fuzzy.score(&haystack(e)).is_some())
                .collect()
        };
        sort(&mut view, q.sort, q.descending);
        let total = view.len();
        let rows = view
            .into_iter()
            .skip(q.start)
            .take(q.len)
            .cloned()
            .collect();
        Ok(WindowLoaded {
            query: q,
            total,
            rows,
            totals,
        })
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

fn sort(rows: &mut [&Expense], key: SortKey, descending: bool) {
    rows.sort_by(|a, b| {
        let (x, y) = (&a.draft, &b.draft);
        let primary = match key {
            SortKey::Date => x.date.cmp(&y.date),
            SortKey::Amount => x.amount.cmp(&y.amount),
            SortKey::Category => x.category.to_lowercase().cmp(&y.category.to_lowercase()),
            SortKey::Payee => x.payee.to_lowercase().cmp(&y.payee.to_lowercase()),
        };
        let ord = primary.then(x.date.cmp(&y.date)).then(a.id.cmp(&b.id));
        if descending {
            ord.reverse()
        } else {
            ord
        }
    });
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
