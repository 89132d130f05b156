//! The budget-alert consumer of the change stream: budget alerts come from change records (their
//! old and new images) plus the aggregates, never a rescan of items. A consumer keeps a
//! checkpoint (the last seq it looked at) and asks for the alerts of the records after it: each
//! TUI session (in its engine, so it sees crossings made by any session, once each) and
//! `expense add` for its own record.

use crate::domain::budget::{AlertLevel, BudgetAlert};
use crate::domain::category::is_within;
use crate::domain::{Expense, Kind, Month};
use crate::store::{Budget, ChangeRecord, Origin, Store, StoreError};

/// The budget alerts `record` causes (see [`budget_alerts_since`]; later records in the stream
/// are accounted for, so the answer is the same whenever it is asked).
pub fn budget_alerts(
    store: &Store,
    record: &ChangeRecord,
    start_day: u32,
) -> Result<Vec<BudgetAlert>, StoreError> {
    let (alerts, _) = budget_alerts_since(store, record.seq.saturating_sub(1), start_day)?;
    Ok(alerts
        .into_iter()
        .filter(|(seq, _)| *seq == record.seq)
        .map(|(_, a)| a)
        .collect())
}

/// Records a budget-alert consumer looks at in one call; an older backlog is skipped (a session
/// that was away for longer than this gets no notices for it).
const ALERT_BACKLOG: usize = 10_000;

/// The budget alerts of the change records after `after` (a consumer's checkpoint), oldest
/// first, each with the seq of the record that caused it, and the seq read up to (the new
/// checkpoint). For each budget on the written category or a parent, in the written currency:
/// the month's spending after the record and before it. The spending now comes from the
/// aggregates; walking the records back from the newest, each record's "after" is the next
/// one's "before", and its "before" is its "after" minus its own old -> new contribution. A line
/// crossed upward (before below it, after at or above it) gives one alert; a write that crosses
/// both gives the 100 % one. A delete, an income or a category rename never alerts.
pub fn budget_alerts_since(
    store: &Store,
    after: u64,
    start_day: u32,
) -> Result<(Vec<(u64, BudgetAlert)>, u64), StoreError> {
    // Asked after every effect of a session: nothing new costs one meta read.
    let first = store.last_seq()?;
    if first <= after {
        return Ok((Vec::new(), after));
    }
    let budgets = store.budgets()?;
    let mut attempt = 0;
    loop {
        let last = store.last_seq()?;
        if last <= after || budgets.is_empty() {
            return Ok((Vec::new(), last.max(after)));
        }
        let from_seq = after.max(last.saturating_sub(ALERT_BACKLOG as u64));
        let records = store.stream_since(from_seq, ALERT_BACKLOG)?;
        let records: Vec<&ChangeRecord> = records.iter().filter(|r| r.seq <= last).collect();
        // The (budget, month) pairs any record touches, with the month's spending now.
        let mut spent: Vec<((usize, Month), i128)> = Vec::new();
        for r in &records {
            for e in [r.live_old(), r.live_new()].into_iter().flatten() {
                let month = Month::containing(e.draft.date, start_day);
                for (i, b) in budgets.iter().enumerate() {
                    if counts_against(e, b) && !spent.iter().any(|(k, _)| *k == (i, month)) {
                        spent.push(((i, month), 0));
                    }
                }
            }
        }
        for ((i, month), total) in &mut spent {
            let b = &budgets[*i];
            let (from, to) = month.range(start_day);
            store.for_each_agg(from, to, |row| {
                if row.kind == Kind::Expense
                    && row.currency == b.currency
                    && is_within(&row.category, &b.category)
                {
                    *total += i128::from(row.sum);
                }
            })?;
        }
        // A write between reading the stream and the aggregates would make them disagree.
        if store.last_seq()? != last && attempt < 3 {
            attempt += 1;
            continue;
        }
        let mut out = Vec::new();
        for r in records.iter().rev() {
            let contribution = |e: Option<&Expense>, i: usize, month: Month| -> i128 {
                match e {
                    Some(e)
                        if counts_against(e, &budgets[i])
                            && Month::containing(e.draft.date, start_day) == month =>
                    {
                        i128::from(e.draft.amount)
                    }
                    _ => 0,
                }
            };
            // A trashed image counts nowhere (it left every total when it went to the trash).
            // A category rename moves spending that was already there: it never alerts (a
            // merge into a budgeted category would otherwise cross its line in every month).
            let written = r
                .live_new()
                .filter(|e| e.draft.kind == Kind::Expense && r.origin != Origin::Rename);
            for ((i, month), total) in &mut spent {
                let (i, month) = (*i, *month);
                let after_r = *total;
                let before_r = after_r - contribution(r.live_new(), i, month)
                    + contribution(r.live_old(), i, month);
                *total = before_r;
                let Some(new) = written else { continue };
                let b = &budgets[i];
                if !counts_against(new, b) || Month::containing(new.draft.date, start_day) != month
                {
                    continue;
                }
                let limit = i128::from(b.amount);
                let crossed =
                    |pct: i128| before_r * 100 < limit * pct && after_r * 100 >= limit * pct;
                let level = if crossed(100) {
                    AlertLevel::Over
                } else if crossed(80) {
                    AlertLevel::Warning
                } else {
                    continue;
                };
                out.push((
                    r.seq,
                    BudgetAlert {
                        category: b.category.clone(),
                        month,
                        currency: b.currency,
                        budget: b.amount,
                        spent: i64::try_from(after_r).unwrap_or(i64::MAX),
                        level,
                    },
                ));
            }
        }
        out.reverse();
        return Ok((out, last));
    }
}

/// True when `e` is spending counted against budget `b`.
fn counts_against(e: &Expense, b: &Budget) -> bool {
    e.draft.kind == Kind::Expense
        && e.draft.currency == b.currency
        && is_within(&e.draft.category, &b.category)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;
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
        s.set_budget("food", Some((Currency::EUR, 10_000)), Origin::User, 0)
            .unwrap();
        s.set_budget("food:x", Some((Currency::EUR, 1_000)), Origin::User, 0)
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
    fn a_consumer_catching_up_sees_each_crossing_once_at_its_record() {
        let s = Store::open_temporary().unwrap();
        s.set_budget("food", Some((Currency::EUR, 10_000)), Origin::User, 0)
            .unwrap();
        let mut seqs = Vec::new();
        for (i, cents) in [5_000, 3_500, 1_000, 1_000, 500].into_iter().enumerate() {
            let r = s
                .put(
                    draft(11, 3, cents, "food:x", Kind::Expense),
                    Origin::User,
                    i as i64,
                )
                .unwrap();
            seqs.push(r.seq);
        }
        let want = vec![(seqs[1], AlertLevel::Warning), (seqs[3], AlertLevel::Over)];
        let got = |after: u64| -> Vec<(u64, AlertLevel)> {
            let (alerts, upto) = budget_alerts_since(&s, after, 1).unwrap();
            assert_eq!(upto, *seqs.last().unwrap());
            alerts.into_iter().map(|(q, a)| (q, a.level)).collect()
        };
        assert_eq!(got(0), want, "all at once, after the fact");
        assert_eq!(got(seqs[1]), want[1..], "from a later checkpoint");
        assert_eq!(got(seqs[4]), vec![], "nothing new");
        // Record by record, as a session that is always up to date would ask.
        let one_by_one: Vec<(u64, AlertLevel)> = seqs
            .iter()
            .flat_map(|q| {
                let r = s.stream_since(q - 1, 1).unwrap().remove(0);
                levels(&s, &r, 1)
                    .into_iter()
                    .map(|(_, l)| (*q, l))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(one_by_one, want);
    }
}
