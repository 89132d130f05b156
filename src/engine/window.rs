//! The ledger's pages: date-ordered, unfiltered pages come straight from the date index (a month
//! switch costs one aggregate scan plus one page); other orders and the fuzzy filter work on the
//! month's rows, loaded once and kept until the store changes.

use crate::domain::answer::{UpcomingRow, WindowLoaded};
use crate::domain::effect::{SortKey, WindowQuery};
use crate::domain::filter::Filter;
use crate::domain::totals::Totals;
use crate::domain::Expense;
use crate::store::{Store, StoreError};
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

/// The recurring expenses still to come in the query's range (pending occurrences of
/// schedules that are not paused), in date order; narrowed to the query's category, and none
/// under a filter (the filter searches what was spent). One read of the small `schedules-1`.
fn upcoming(store: &Store, q: &WindowQuery) -> Result<Vec<UpcomingRow>, StoreError> {
    if !q.filter.trim().is_empty() {
        return Ok(Vec::new());
    }
    let schedules = store.schedules()?;
    if schedules.is_empty() {
        return Ok(Vec::new());
    }
    Ok(super::schedules::upcoming(&schedules, q.from, q.to)
        .into_iter()
        .filter(|u| {
            q.category
                .as_deref()
                .is_none_or(|c| crate::domain::category::is_within(&u.draft.category, c))
        })
        .map(|u| UpcomingRow {
            date: u.occurrence.date,
            draft: u.draft,
            confirm: u.confirm,
        })
        .collect())
}

/// The ledger's window reader, with the month's rows cached for sorted and filtered views.
#[derive(Default)]
pub struct Ledger {
    month: Option<MonthRows>,
}

impl Ledger {
    pub fn window(
        &mut self,
        store: &Store,
        mut q: WindowQuery,
    ) -> Result<WindowLoaded, StoreError> {
        let summary = store.summary(q.from, q.to)?;
        let totals = summary.totals.clone();
        // A window that starts a page before the focused row keeps it on screen.
        let around = |q: &mut WindowQuery, at: Option<usize>| {
            if let Some(i) = at {
                q.start = i.saturating_sub(q.len / 3);
            }
            at
        };
        if q.sort == SortKey::Date && q.filter.trim().is_empty() && q.category.is_none() {
            let focus = match q.focus {
                Some(id) => store.position_in_range(q.from, q.to, q.descending, id)?,
                None => None,
            };
            let focus = around(&mut q, focus);
            let rows = store.range(q.from, q.to, q.descending, q.start, q.len)?;
            let total = usize::try_from(summary.count).unwrap_or(usize::MAX);
            let upcoming = upcoming(store, &q)?;
            return Ok(WindowLoaded {
                query: q,
                total,
                rows,
                totals,
                focus,
                month_count: None,
                upcoming,
            });
        }
        let month = self.month_view(store, &q)?;
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
        let upcoming = upcoming(store, &q)?;
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
            upcoming,
        })
    }

    /// The month's rows in the query's order, loaded and sorted only when something changed.
    fn month_view(&mut self, store: &Store, q: &WindowQuery) -> Result<&MonthRows, StoreError> {
        let seq = store.last_seq()?;
        let fresh = matches!(&self.month, Some(m) if m.from == q.from && m.to == q.to && m.seq == seq && m.category == q.category);
        if !fresh {
            self.month = None;
        }
        let m = match &mut self.month {
            Some(m) => m,
            slot => {
                let rows = match &q.category {
                    Some(c) => store.range_in_category(c, q.from, q.to)?,
                    None => store.range(q.from, q.to, false, 0, usize::MAX)?,
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
            let filter = Filter::parse(&view.2);
            let mut order: Vec<usize> = if filter.is_empty() {
                (0..m.rows.len()).collect()
            } else {
                let mut matcher = filter.matcher();
                (0..m.rows.len())
                    .filter(|&i| matcher.matches(&m.rows[i]))
                    .collect()
            };
            sort(&mut order, &m.rows, q.sort, q.descending);
            m.order = order;
            m.view = Some(view);
        }
        Ok(m)
    }
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

#[cfg(test)]
mod tests {
    // Amounts are written as units_cents (900_00 is 900.00).
    #![allow(clippy::inconsistent_digit_grouping)]
    use super::*;
    use crate::domain::{Currency, Draft, Kind};
    use crate::store::Origin;

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

    fn load(rt: &mut Ledger, store: &Store, filter: &str, category: Option<&str>) -> WindowLoaded {
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
        rt.window(store, q).unwrap()
    }

    #[test]
    fn a_narrowed_view_totals_what_it_lists_and_names_the_months_count() {
        let store = Store::open_temporary().unwrap();
        put(&store, 3, 4_50, "food:coffee", "Starbucks");
        put(&store, 5, 3_20, "food:coffee", "Starbucks");
        put(&store, 6, 40_00, "food:groceries", "Lidl");
        put(&store, 7, 900_00, "rent", "Landlord");
        let mut rt = Ledger::default();

        let all = load(&mut rt, &store, "", None);
        assert_eq!((all.totals[0].spent, all.totals[0].count), (947_70, 4));
        assert_eq!(all.month_count, None);

        let star = load(&mut rt, &store, "starb", None);
        assert_eq!(star.rows.len(), 2);
        assert_eq!((star.totals[0].spent, star.totals[0].count), (7_70, 2));
        assert_eq!(star.month_count, Some(4));

        let food = load(&mut rt, &store, "", Some("food"));
        assert_eq!((food.totals[0].spent, food.totals[0].count), (47_70, 3));
        assert_eq!(food.month_count, Some(4));

        let none = load(&mut rt, &store, "zzzz", None);
        assert!(none.totals.is_empty() && none.rows.is_empty());
        assert_eq!(none.month_count, Some(4));
    }

    /// The month ahead: pending occurrences of the range come with the window, in date order,
    /// not counted in its totals; paused schedules, other categories and a filter have none.
    #[test]
    #[allow(clippy::inconsistent_digit_grouping)]
    fn a_window_carries_the_recurring_expenses_still_to_come_outside_its_totals() {
        use crate::domain::schedule::{End, Every, MonthDay, Rule, Schedule};
        let store = Store::open_temporary().unwrap();
        put(&store, 3, 4_50, "food:coffee", "Starbucks");
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let rule = |d: u8| Rule::new(day(1), Every::Months(1, MonthDay::Day(d)), End::Never);
        let mk = |d: u8, cat: &str, cents: i64| {
            let draft = crate::domain::Draft::sample(day(1), cents, cat, "X");
            Schedule::new(
                crate::store::new_schedule_id(),
                draft,
                rule(d).unwrap(),
                false,
            )
        };
        // Rent on the 30th, gym on the 15th (paused), a pass on the 20th; the 2nd was posted.
        let mut rent = mk(30, "housing:rent", 950_00);
        rent.template.payee = "Landlord".into();
        store.save_schedule(&rent, Origin::User, 1).unwrap();
        let mut gym = mk(15, "sport", 30_00);
        gym.paused = true;
        store.save_schedule(&gym, Origin::User, 1).unwrap();
        store
            .save_schedule(&mk(20, "transport", 49_00), Origin::User, 1)
            .unwrap();
        store
            .post_due(day(2), 2)
            .map(|p| assert!(p.records.is_empty()))
            .unwrap();
        let mut rt = Ledger::default();
        let all = load(&mut rt, &store, "", None);
        let up: Vec<(u32, &str)> = all
            .upcoming
            .iter()
            .map(|u| (chrono::Datelike::day(&u.date), u.draft.category.as_str()))
            .collect();
        assert_eq!(up, [(20, "transport"), (30, "housing:rent")]);
        assert_eq!(all.totals[0].spent, 4_50, "still to come is not spent");
        let housing = load(&mut rt, &store, "", Some("housing"));
        assert_eq!(housing.upcoming.len(), 1);
        assert!(load(&mut rt, &store, "starb", None).upcoming.is_empty());
    }

    /// The filter keeps what a person means, and the totals count only that: `cof` once kept
    /// Spotify and BVG as well (their letters scattered over the whole row).
    #[test]
    #[allow(clippy::inconsistent_digit_grouping)]
    fn the_filter_keeps_what_a_person_means_and_totals_only_that() {
        let store = Store::open_temporary().unwrap();
        put(&store, 3, 3_80, "food:coffee", "Coffee Lab");
        put(&store, 4, 9_99, "fun:subscriptions", "Spotify");
        put(&store, 5, 49_00, "transport:public", "BVG");
        put(&store, 6, 4_50, "food:coffee", "Café Central");
        put(&store, 7, 23_50, "food:restaurants", "Pizza Roma");
        let mut rt = Ledger::default();
        let cof = load(&mut rt, &store, "cof", None);
        let payees: Vec<&str> = cof.rows.iter().map(|r| r.draft.payee.as_str()).collect();
        assert_eq!(payees, ["Café Central", "Coffee Lab"]);
        assert_eq!((cof.totals[0].spent, cof.totals[0].count), (8_30, 2));
        assert_eq!(cof.month_count, Some(5));
        let food = load(&mut rt, &store, "cat:food >4", None);
        assert_eq!(food.rows.len(), 2);
        assert_eq!(food.totals[0].spent, 28_00);
    }
}
