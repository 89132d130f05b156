//! The engine: everything that runs against an open `Store` and knows no terminal, socket or
//! command line. [`Engine::execute`] runs the reducer's effects (for a TUI in this process and
//! for TUIs in other processes through the session server alike) and answers with actions; the
//! rooms below hold the queries and consumers it and the commands share.
//!
//! Rule: the engine imports only `store`, `domain` (and `app`'s effect and answer vocabulary);
//! nothing here prints, draws or reads a socket.

pub mod alerts;
pub mod feed;
pub mod prefetch;
pub mod review;
pub mod schedules;
pub mod stream_dynamodb;
pub mod stream_format;
pub mod stream_json;
pub mod sync;
pub mod triggers;
pub mod window;

use crate::domain::answer::{
    Answer, Change, Completions, Conflicted, HistoryLoaded, HistoryRow, Stepped, Stored,
    TrashLoaded,
};
use crate::domain::effect::{Effect, HistoryQuery};
use crate::store::{ChangeRecord, Origin, Store, StoreError, Undone};

/// Executes effects against one store handle; one per TUI (local, or served by a session).
pub struct Engine {
    store: Store,
    ledger: window::Ledger,
    /// The month start day the store keeps its aggregates for (its holder's config): reviews
    /// and budget alerts count in those months.
    start_day: u32,
    /// Budget-alert checkpoint: the last seq whose alerts this session has shown.
    alerts_after: u64,
    /// Says when something was committed since the last look (so reads cost no store read).
    commits: feed::Subscription,
    /// The reads the screen is one key away from, done ahead (`Effect::Prefetch`).
    ahead: prefetch::Prefetcher,
    /// Whether the person was told that the store's folder went away (`Store::moved_away`).
    told_moved: bool,
}

impl Engine {
    /// An engine over `store`.
    pub fn new(store: Store) -> Engine {
        // Notices are for what is written from now on, by any session.
        let alerts_after = store.last_seq().unwrap_or(0);
        let commits = feed::Subscription::after(&store, alerts_after);
        // The holder keeps the month aggregates for its start day; alerts count in those months.
        let start_day = store.month_start_day().ok().flatten().unwrap_or(1);
        Engine {
            ahead: prefetch::Prefetcher::new(store.clone(), start_day),
            store,
            ledger: window::Ledger::default(),
            start_day,
            alerts_after,
            commits,
            told_moved: false,
        }
    }

    /// How many reads were answered from what was read ahead (`Effect::Prefetch`).
    pub fn answered_ahead(&self) -> u64 {
        self.ahead.served()
    }

    /// The store, for shutdown.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Performs one effect (not Quit/Suspend, which the loop handles) and reports the outcome:
    /// usually one action, then `BudgetAlerts` when records written since the last call (by this
    /// session or any other) crossed budget lines.
    pub fn execute(&mut self, effect: Effect, now_ms: i64) -> Vec<Answer> {
        // Looked at with the triggers' health, every few seconds: a stat or two.
        let periodic = matches!(effect, Effect::LoadTriggerHealth);
        let mut out = self.perform(effect, now_ms);
        if !out.is_empty() {
            out.extend(self.budget_alerts());
        }
        if periodic && !self.told_moved && self.store.moved_away() {
            self.told_moved = true;
            out.push(Answer::Notice(moved_away_notice(&self.store)));
        }
        // What the holder left for the person meanwhile (a background sync that failed).
        out.extend(self.store.take_notices().into_iter().map(Answer::Notice));
        out
    }

    /// Performs a batch of effects in order (what one key asked for, sent by a TUI in one
    /// request) and returns all their answers.
    pub fn execute_all(&mut self, effects: Vec<Effect>, now_ms: i64) -> Vec<Answer> {
        effects
            .into_iter()
            .flat_map(|fx| self.execute(fx, now_ms))
            .collect()
    }

    /// The budget-alert consumer: the alerts of the records after its checkpoint, and a notice
    /// when a sync among them replaced a change made here (a conflict, `store/sync.rs`).
    fn budget_alerts(&mut self) -> Vec<Answer> {
        // Nothing committed since the last look, by anyone: nothing to check.
        if self.commits.poll().is_none() {
            return Vec::new();
        }
        let conflicts = self
            .store
            .sync_conflicts_after(self.alerts_after)
            .unwrap_or(0);
        let mut out = Vec::new();
        if conflicts > 0 {
            out.push(Answer::Notice(format!(
                "sync: {conflicts} change{} made here replaced by a later one from another \
                 device; `expense sync --conflicts` lists them",
                if conflicts == 1 { "" } else { "s" }
            )));
        }
        match alerts::budget_alerts_since(&self.store, self.alerts_after, self.start_day) {
            Ok((alerts, upto)) => {
                self.alerts_after = upto;
                if !alerts.is_empty() {
                    out.push(Answer::BudgetAlerts(
                        alerts.into_iter().map(|(_, a)| a).collect(),
                    ));
                }
                out
            }
            Err(e) => {
                // Looked at again after the next effect.
                self.commits = feed::Subscription::after(&self.store, self.alerts_after);
                out.push(Answer::Failed(format!("checking budgets: {e}")));
                out
            }
        }
    }

    fn perform(&mut self, effect: Effect, now_ms: i64) -> Vec<Answer> {
        if effect.is_read_ahead() {
            if let Some(ready) = self
                .store
                .last_seq()
                .ok()
                .and_then(|seq| self.ahead.take(&effect, seq))
            {
                return vec![ready];
            }
        }
        if let Some(r) = prefetch::read(&self.store, &mut self.ledger, self.start_day, &effect) {
            return vec![r.unwrap_or_else(|e| Answer::Failed(e.to_string()))];
        }
        let result = match effect {
            Effect::Prefetch(reads) => {
                self.ahead.ask(reads);
                return Vec::new();
            }
            Effect::LoadCompletions => self.completions().map(Answer::CompletionsLoaded),
            Effect::LoadTriggerHealth => triggers::health(&self.store, &[])
                .map(|h| Answer::TriggerHealth(h.iter().find_map(triggers::Health::warning))),
            Effect::SetBudget { category, limit } => self
                .store
                .set_budget(&category, limit, Origin::User, now_ms)
                .map(|_| Answer::BudgetSaved { category, limit }),
            Effect::PreviewRename { from, to } => self
                .store
                .preview_rename(&from, &to)
                .map(|p| Answer::RenamePreviewed(Box::new(p))),
            Effect::RenameCategory { from, to, policy } => self
                .store
                .rename_category(&from, &to, policy, now_ms, &mut |_, _| {})
                .map(|r| Answer::Renamed(Box::new(r.note))),
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
            } => {
                // The holder's trash time says where it went; the answer tells the screen.
                let ttl_ms = self.store.trash_ttl();
                let change = if ttl_ms > 0 {
                    Change::Trashed
                } else {
                    Change::Deleted
                };
                return self.written(
                    self.store.trash(id, expected_version, now_ms, ttl_ms),
                    change,
                );
            }
            Effect::LoadTrash => self.store.trashed().map(|rows| {
                let ttl_ms = self.store.trash_ttl();
                Answer::TrashLoaded(Box::new(TrashLoaded {
                    rows,
                    now_ms,
                    ttl_ms,
                }))
            }),
            Effect::Restore { id } => {
                return self.written(self.store.restore(id, now_ms), Change::Restored)
            }
            Effect::Purge { id } => {
                return self.written(self.store.purge(id, now_ms), Change::Purged)
            }
            Effect::Undo => return self.stepped(false, self.store.undo_step(now_ms)),
            Effect::UndoSkip => {
                let r = self.store.undo_step_skipping(now_ms).map(|(step, _)| step);
                return self.stepped(false, r);
            }
            Effect::Redo => return self.stepped(true, self.store.redo_step(now_ms)),
            Effect::LoadSchedules { today } => return vec![schedules::load(&self.store, today)],
            Effect::SaveSchedule(s) => return vec![schedules::save(&self.store, &s, now_ms)],
            Effect::RemoveSchedule {
                id,
                expected_version,
            } => return vec![schedules::remove(&self.store, id, expected_version, now_ms)],
            Effect::HandleOccurrence {
                id,
                expected_version,
                natural,
                how,
            } => {
                let s = &self.store;
                return vec![schedules::handle(
                    s,
                    id,
                    expected_version,
                    natural,
                    how,
                    now_ms,
                )];
            }
            Effect::PostDue { today } => {
                return vec![schedules::post_due(&self.store, today, now_ms)]
            }
            // The reads were answered above; the loop handles these two.
            Effect::LoadWindow(_)
            | Effect::LoadReview(_)
            | Effect::LoadReviewDetails { .. }
            | Effect::LoadHistory(_)
            | Effect::Quit
            | Effect::Suspend => return Vec::new(),
        };
        vec![result.unwrap_or_else(|e| Answer::Failed(e.to_string()))]
    }

    /// The answer to a write (budget alerts follow from the stream, see `execute`).
    fn written(&self, r: Result<ChangeRecord, StoreError>, change: Change) -> Vec<Answer> {
        match r {
            Ok(record) => vec![stored(record, change)],
            Err(e @ StoreError::Conflict { id, .. }) if change == Change::Edited => {
                match self.store.get(id) {
                    Ok(current) => vec![Answer::Conflicted(Box::new(Conflicted {
                        message: e.to_string(),
                        current,
                    }))],
                    Err(read) => vec![Answer::Failed(format!("{e} ({read})"))],
                }
            }
            Err(e) => vec![Answer::Failed(e.to_string())],
        }
    }

    /// The answer to an undo or redo: `Stepped` with the line `expense undo`/`redo` prints,
    /// then budget alerts when a one-record step crossed a budget line.
    fn stepped(&self, redo: bool, r: Result<Option<Undone>, StoreError>) -> Vec<Answer> {
        let step = match r {
            Ok(s) => s,
            Err(e @ StoreError::Purged(_)) => return vec![Answer::UndoImpossible(e.to_string())],
            Err(e @ StoreError::UndoBlocked { .. }) => {
                return vec![Answer::UndoBlocked(e.to_string())]
            }
            Err(e) => return vec![Answer::Failed(e.to_string())],
        };
        let Some(step) = step else {
            let text = if redo {
                "Nothing to redo"
            } else {
                "Nothing to undo"
            };
            return vec![Answer::Stepped(Box::new(Stepped {
                redo,
                text: text.into(),
                expense: None,
            }))];
        };
        let text = crate::domain::change::step_text(redo, &step);
        let expense = match &step {
            Undone::One(rec) => rec.live_new().cloned(),
            Undone::Batch(_) => None,
        };
        // Budget notices follow from the stream (see `execute`).
        vec![Answer::Stepped(Box::new(Stepped {
            redo,
            text,
            expense,
        }))]
    }

    /// A window of the whole stream or of one expense's records.
    fn completions(&self) -> Result<Completions, StoreError> {
        Ok(Completions {
            categories: self.store.categories()?,
            payees: self.store.payees()?,
            tags: self.store.tags()?,
        })
    }
}

/// A window of the whole stream or of one expense's records.
fn history(store: &Store, q: HistoryQuery) -> Result<HistoryLoaded, StoreError> {
    match q.item {
        Some(id) => {
            let h = store.item_history(id, q.start, q.len)?;
            Ok(HistoryLoaded {
                total: h.total,
                rows: rows(h.records),
                query: q,
            })
        }
        None => {
            let w = store.history_window(q.start, q.len)?;
            let mut rows = rows(w.records);
            for (row, fold) in rows.iter_mut().zip(w.folds) {
                row.fold = fold;
            }
            Ok(HistoryLoaded {
                total: usize::try_from(w.total).unwrap_or(usize::MAX),
                rows,
                query: q,
            })
        }
    }
}

/// Records with their local times.
fn rows(records: Vec<ChangeRecord>) -> Vec<HistoryRow> {
    records
        .into_iter()
        .map(|record| HistoryRow {
            time: crate::clock::local_time(record.at),
            record,
            fold: None,
        })
        .collect()
}

fn stored(record: ChangeRecord, change: Change) -> Answer {
    let expense = record.new.or(record.old);
    match expense {
        Some(expense) => Answer::Stored(Box::new(Stored {
            seq: record.seq,
            change,
            expense,
        })),
        None => Answer::Failed(format!("change {} has no image", record.seq)),
    }
}

/// What a session says once its store's folder was deleted or replaced under it (every write is
/// refused from then on, `StoreError::MovedAway`).
fn moved_away_notice(store: &Store) -> String {
    let path = store
        .path()
        .map_or("the store's folder".into(), |p| p.display().to_string());
    // What to do first: a status line cuts the rest at the screen's width.
    format!(
        "changes are refused, quit and start expense again: the store's folder was deleted, \
         moved or replaced while this session was open (what is shown is what {path} held)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Draft;

    fn draft() -> Draft {
        Draft::sample(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            1250,
            "food",
            "Lidl",
        )
    }

    fn delete(engine: &mut Engine, store: &Store) -> Change {
        let rec = store.put(draft(), Origin::User, 1).unwrap();
        let fx = Effect::Delete {
            id: rec.id,
            expected_version: 1,
        };
        match engine.execute(fx, 2).remove(0) {
            Answer::Stored(s) => s.change,
            other => panic!("{other:?}"),
        }
    }

    /// The trash time is the holder's (set on the store), not the asking TUI's: the answer says
    /// where the expense went, so the screen's message is right for every session.
    #[test]
    fn a_delete_goes_where_the_holders_trash_time_sends_it() {
        let store = Store::open_temporary().unwrap();
        let mut engine = Engine::new(store.clone());
        store.set_trash_ttl(0);
        assert_eq!(delete(&mut engine, &store), Change::Deleted);
        assert!(store.trashed().unwrap().is_empty());
        store.set_trash_ttl(86_400_000);
        assert_eq!(delete(&mut engine, &store), Change::Trashed);
        assert_eq!(store.trashed().unwrap().len(), 1);
        match engine.execute(Effect::LoadTrash, 3).remove(0) {
            Answer::TrashLoaded(t) => assert_eq!(t.ttl_ms, 86_400_000),
            other => panic!("{other:?}"),
        }
    }

    /// A session whose store's folder is deleted says so once, at its next periodic look, and
    /// refuses writes with the reason.
    #[test]
    fn a_session_whose_folder_went_away_says_so_once() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("store");
        let store = Store::open(&dir).unwrap();
        let mut engine = Engine::new(store.clone());
        let notices = |answers: Vec<Answer>| {
            answers
                .into_iter()
                .filter_map(|a| match a {
                    Answer::Notice(n) => Some(n),
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        assert!(notices(engine.execute(Effect::LoadTriggerHealth, 1)).is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
        let said = notices(engine.execute(Effect::LoadTriggerHealth, 2));
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].contains("was deleted, moved or replaced"),
            "{}",
            said[0]
        );
        assert!(notices(engine.execute(Effect::LoadTriggerHealth, 3)).is_empty());
        match engine.execute(Effect::Put(draft()), 4).remove(0) {
            Answer::Failed(e) => assert!(e.contains("nothing was written"), "{e}"),
            other => panic!("{other:?}"),
        }
    }

    /// An edit based on an old version answers with the expense as stored now (the form keeps
    /// what was typed and offers both), and with `None` once it is gone; nothing is written.
    #[test]
    fn a_stale_edit_answers_with_the_version_stored_now() {
        let store = Store::open_temporary().unwrap();
        let mut engine = Engine::new(store.clone());
        let rec = store.put(draft(), Origin::User, 1).unwrap();
        let mut theirs = draft();
        theirs.payee = "Aldi".into();
        store.update(rec.id, 1, theirs, Origin::User, 2).unwrap();
        let mut mine = draft();
        mine.amount = 9_900;
        let stale = || Effect::Update {
            id: rec.id,
            expected_version: 1,
            draft: mine.clone(),
        };
        let seq = store.last_seq().unwrap();
        match engine.execute(stale(), 3).remove(0) {
            Answer::Conflicted(c) => {
                let now = c.current.expect("still stored");
                assert_eq!((now.version, now.draft.payee.as_str()), (2, "Aldi"));
                assert!(c.message.contains("changed elsewhere"), "{}", c.message);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(store.last_seq().unwrap(), seq);
        store.trash(rec.id, 2, 4, 0).unwrap();
        match engine.execute(stale(), 5).remove(0) {
            Answer::Conflicted(c) => assert!(c.current.is_none()),
            other => panic!("{other:?}"),
        }
    }
}
