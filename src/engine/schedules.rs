//! Recurring expenses above the store: what falls due when (the month ahead, `expense
//! upcoming`), the posting pass every open that may write runs (`session::Holder::take`),
//! which says what it posted, and the TUI's schedule effects (`Engine::execute` hands them
//! here). Rule: the store decides what is posted, exactly once (`store/schedule.rs`); this room
//! only asks it at the right moments and words the answer.

use crate::domain::answer::{Answer, ScheduleSaved, SchedulesLoaded};
use crate::domain::schedule::{Confirm, Occurrence, Schedule};
use crate::domain::{Draft, ExpenseId};
use crate::store::{ChangeRecord, Origin, Posted, Store, StoreError};
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

/// True for a notice [`post_at_open`] left (the words of [`posted_text`]): news, not a failure.
pub fn is_posted_text(text: &str) -> bool {
    text.starts_with("Posted ") && text.contains(" recurring expense")
}

/// Every schedule and the due list for `today` (`Effect::LoadSchedules`).
pub fn load(store: &Store, today: NaiveDate) -> Answer {
    let read = || -> Result<SchedulesLoaded, StoreError> {
        let schedules = store.schedules()?;
        let due = store
            .due(today)?
            .into_iter()
            .map(|(s, o)| (s.id, o))
            .collect();
        Ok(SchedulesLoaded {
            today,
            schedules,
            due,
        })
    };
    match read() {
        Ok(l) => Answer::SchedulesLoaded(Box::new(l)),
        Err(e) => Answer::Failed(format!("reading the recurring expenses: {e}")),
    }
}

/// Stores `s` (`Effect::SaveSchedule`): new when its version is 0, else conditional.
pub fn save(store: &Store, s: &Schedule, now_ms: i64) -> Answer {
    answer(
        store
            .save_schedule(s, Origin::User, now_ms)
            .map(|r| vec![r]),
        None,
    )
}

/// Removes schedule `id` (`Effect::RemoveSchedule`).
pub fn remove(store: &Store, id: ExpenseId, expected_version: u64, now_ms: i64) -> Answer {
    let r = store.remove_schedule(id, expected_version, Origin::User, now_ms);
    answer(r.map(|r| vec![r]), None)
}

/// Posts or skips one occurrence (`Effect::HandleOccurrence`). A person posting from the due
/// list is the origin (`user`): undo then takes the expense back for good and the occurrence
/// waits in the due list again, where a posting by the schedule itself would go to the trash
/// and be stepped past.
pub fn handle(
    store: &Store,
    id: ExpenseId,
    expected_version: u64,
    natural: NaiveDate,
    how: Confirm,
    now_ms: i64,
) -> Answer {
    let r = store.handle_occurrence(id, expected_version, natural, how, Origin::User, now_ms);
    answer(r, Some(natural))
}

/// Posts what fell due on or before `today` (`Effect::PostDue`) and counts what waits.
pub fn post_due(store: &Store, today: NaiveDate, now_ms: i64) -> Answer {
    let run = || -> Result<Answer, StoreError> {
        let posted = store.post_due(today, now_ms)?;
        Ok(Answer::DuePosted {
            text: posted_text(&posted),
            waiting: store.due(today)?.len(),
        })
    };
    run().unwrap_or_else(|e| Answer::Failed(format!("posting the recurring expenses: {e}")))
}

/// The answer to a schedule write: its last record's schedule change, and the expense it
/// posted (the first record, when it is one); a conflict in words about a schedule.
fn answer(r: Result<Vec<ChangeRecord>, StoreError>, handled: Option<NaiveDate>) -> Answer {
    let records = match r {
        Ok(records) => records,
        Err(StoreError::Conflict {
            expected, found, ..
        }) => {
            let now = match found {
                Some(v) => format!("you read version {expected}, it is now version {v}"),
                None => "it was removed".to_string(),
            };
            return Answer::Failed(format!(
                "this recurring expense was changed elsewhere ({now}); the list is read \
                 again: look, then try again"
            ));
        }
        Err(e) => return Answer::Failed(e.to_string()),
    };
    let posted = records
        .first()
        .filter(|r| r.schedule.is_none())
        .and_then(|r| r.new.clone());
    match records.last() {
        Some(last) => match &last.schedule {
            Some(change) => Answer::ScheduleSaved(Box::new(ScheduleSaved {
                seq: last.seq,
                change: change.clone(),
                posted,
                handled,
            })),
            None => Answer::Failed(format!("change {} is not a schedule's", last.seq)),
        },
        None => Answer::Failed("the store wrote nothing".into()),
    }
}

#[cfg(test)]
#[path = "schedules_tests.rs"]
mod tests;
