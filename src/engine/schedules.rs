//! Recurring expenses above the store: what falls due when (the month ahead, `expense
//! upcoming`), and the posting pass every open that may write runs (`session::Holder::take`),
//! which says what it posted. Rule: the store decides what is posted, exactly once
//! (`store/schedule.rs`); this room only asks it at the right moments and words the answer.

use crate::domain::schedule::{Occurrence, Schedule};
use crate::domain::{Draft, ExpenseId};
use crate::store::{Posted, Store, StoreError};
use chrono::NaiveDate;

/// One occurrence still to come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upcoming {
    /// The schedule it belongs to.
    pub schedule: ExpenseId,
    /// When, and which.
    pub occurrence: Occurrence,
    /// The expense it will post.
    pub draft: Draft,
    /// It waits for a confirmation instead of posting by itself.
    pub confirm: bool,
}

/// The occurrences of `schedules` not handled yet from `from` to `to` (both included), by date
/// (paused schedules have none).
pub fn upcoming(schedules: &[Schedule], from: NaiveDate, to: NaiveDate) -> Vec<Upcoming> {
    let mut out: Vec<Upcoming> = schedules
        .iter()
        .flat_map(|s| {
            s.upcoming(from, to).into_iter().map(|o| Upcoming {
                schedule: s.id,
                occurrence: o,
                draft: s.draft_for(&o),
                confirm: s.confirm,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (a.occurrence.date, &a.draft.category, a.schedule).cmp(&(
            b.occurrence.date,
            &b.draft.category,
            b.schedule,
        ))
    });
    out
}

/// How many schedules a posting notice names (`..., and 45 more`).
const NAMED: usize = 5;

/// What a posting pass did, in words (`None` when it posted nothing): `Posted 3 recurring
/// expenses (rent ×2, gym); undo takes them back`.
pub fn posted_text(p: &Posted) -> Option<String> {
    if p.records.is_empty() {
        return None;
    }
    let mut names: Vec<(String, usize)> = Vec::new();
    for r in &p.records {
        let Some(e) = &r.new else { continue };
        let name = if e.draft.payee.is_empty() {
            e.draft.category.clone()
        } else {
            e.draft.payee.clone()
        };
        match names.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => *c += 1,
            None => names.push((name, 1)),
        }
    }
    // A long absence with many schedules names the first few: a notice is one line.
    let more = names.len().saturating_sub(NAMED);
    let mut list: Vec<String> = names
        .iter()
        .take(NAMED)
        .map(|(n, c)| {
            let n = crate::domain::text::inert(n);
            if *c > 1 {
                format!("{n} ×{c}")
            } else {
                n.to_string()
            }
        })
        .collect();
    if more > 0 {
        list.push(format!("and {more} more"));
    }
    let n = p.records.len();
    Some(format!(
        "Posted {n} recurring expense{} ({}); undo takes {} back",
        if n == 1 { "" } else { "s" },
        list.join(", "),
        if n == 1 { "it" } else { "them" }
    ))
}

/// Posts what fell due on or before `today` (see `Store::post_due`) and leaves a notice for
/// the person (`Store::take_notices`) when it posted something or when occurrences wait for a
/// confirmation.
pub fn post_at_open(store: &Store, today: NaiveDate, now_ms: i64) -> Result<Posted, StoreError> {
    let posted = store.post_due(today, now_ms)?;
    if let Some(t) = posted_text(&posted) {
        store.add_notice(t);
    }
    Ok(posted)
}
