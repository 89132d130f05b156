//! Reads done before they are asked for: the pages and months a screen is one key away from
//! (`app::prefetch` names them), read on a thread of their own while the person looks at the
//! screen, so that `PgDn`, `]` or `[` into rows not loaded yet draws from memory.
//!
//! Rule: a read ahead answers only the very effect it was read for, and only while the store's
//! last seq is the one it was read at: any commit (this session's or another's) makes every
//! answer kept here unusable, and the engine then reads as it would have. The thread holds a
//! clone of the store and ends with the engine ([`Prefetcher`]'s drop joins it), so a TUI that
//! lets the store go (ctrl-z, quit) closes every handle as before.

use super::window::Ledger;
use crate::domain::answer::Answer;
use crate::domain::effect::Effect;
use crate::store::{Store, StoreError};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// How many answers are kept (a screen asks for about six reads ahead).
const KEEP: usize = 16;

/// Performs a read that can be done ahead; `None` for any other effect. The engine's own reads
/// and the thread's go through here, so an answer read ahead is the one the engine would give.
pub(super) fn read(
    store: &Store,
    ledger: &mut Ledger,
    start_day: u32,
    effect: &Effect,
) -> Option<Result<Answer, StoreError>> {
    Some(match effect {
        Effect::LoadWindow(q) => ledger
            .window(store, q.clone())
            .map(|w| Answer::WindowLoaded(Box::new(w))),
        Effect::LoadReview(q) => {
            super::review::compute(store, q, start_day).map(|r| Answer::ReviewLoaded(Box::new(r)))
        }
        Effect::LoadReviewDetails { month } => {
            super::review::details(store, *month, start_day, super::review::DETAIL_LIMIT)
                .map(|d| Answer::DetailsLoaded(Box::new(d)))
        }
        Effect::LoadHistory(q) => {
            super::history(store, q.clone()).map(|h| Answer::HistoryLoaded(Box::new(h)))
        }
        _ => return None,
    })
}

/// An answer read ahead, good while the store's last seq is `seq`.
struct Ready {
    seq: u64,
    effect: Effect,
    answer: Answer,
}

/// The answers read ahead, newest last.
#[derive(Default)]
struct Shelf {
    ready: Vec<Ready>,
}

impl Shelf {
    fn get(&self, effect: &Effect, seq: u64) -> Option<Answer> {
        self.ready
            .iter()
            .find(|r| r.seq == seq && r.effect == *effect)
            .map(|r| r.answer.clone())
    }

    fn has(&self, effect: &Effect, seq: u64) -> bool {
        self.ready
            .iter()
            .any(|r| r.seq == seq && r.effect == *effect)
    }

    /// Keeps `ready`, dropping what an older seq read and the oldest beyond [`KEEP`].
    fn put(&mut self, ready: Ready) {
        self.ready
            .retain(|r| r.seq == ready.seq && r.effect != ready.effect);
        if self.ready.len() >= KEEP {
            self.ready.remove(0);
        }
        self.ready.push(ready);
    }
}

/// The reader ahead of one engine.
pub struct Prefetcher {
    store: Store,
    start_day: u32,
    shelf: Arc<Mutex<Shelf>>,
    /// To the thread, started at the first request (engines that serve no screen start none).
    jobs: Option<Sender<Vec<Effect>>>,
    thread: Option<JoinHandle<()>>,
    /// How many reads were answered from the shelf.
    served: u64,
}

impl Prefetcher {
    /// A reader ahead over `store`, counting review months from `start_day`.
    pub fn new(store: Store, start_day: u32) -> Prefetcher {
        Prefetcher {
            store,
            start_day,
            shelf: Arc::default(),
            jobs: None,
            thread: None,
            served: 0,
        }
    }

    /// Reads `effects` ahead (the reads among them), in order, in place of what an earlier
    /// request has not read yet: the screen moved on, and what it is one key away from now
    /// comes first.
    pub fn ask(&mut self, effects: Vec<Effect>) {
        let reads: Vec<Effect> = effects.into_iter().filter(Effect::is_read_ahead).collect();
        if reads.is_empty() {
            return;
        }
        if let Some(jobs) = &self.jobs {
            if jobs.send(reads).is_ok() {
                return;
            }
            return; // the thread is gone (it panicked): reads are done when asked for
        }
        let (tx, rx) = mpsc::channel();
        let store = self.store.clone();
        let shelf = self.shelf.clone();
        let start_day = self.start_day;
        let spawned = std::thread::Builder::new()
            .name("prefetch".into())
            .spawn(move || work(&store, start_day, &shelf, &rx));
        if let Ok(handle) = spawned {
            // The first request is sent now that the thread exists.
            let _ = tx.send(reads);
            self.jobs = Some(tx);
            self.thread = Some(handle);
        }
    }

    /// The answer read ahead for `effect`, if the store is still at the seq it was read at.
    pub fn take(&mut self, effect: &Effect, seq: u64) -> Option<Answer> {
        let answer = lock(&self.shelf).get(effect, seq);
        self.served += u64::from(answer.is_some());
        answer
    }

    /// How many reads were answered from what was read ahead.
    pub fn served(&self) -> u64 {
        self.served
    }
}

impl Drop for Prefetcher {
    fn drop(&mut self) {
        // Closing the channel ends the thread after the read it is in; joining it closes its
        // handle of the store before the engine's owner lets the store go.
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn lock(shelf: &Mutex<Shelf>) -> std::sync::MutexGuard<'_, Shelf> {
    shelf.lock().unwrap_or_else(|p| p.into_inner())
}

/// The thread: for each request (only the newest of those waiting), reads what is not on the
/// shelf for the store's seq now, and stops a request as soon as a newer one arrives.
fn work(store: &Store, start_day: u32, shelf: &Mutex<Shelf>, jobs: &Receiver<Vec<Effect>>) {
    let mut ledger = Ledger::default();
    let mut next = jobs.recv().ok();
    while let Some(reads) = next.take() {
        for effect in reads {
            match jobs.try_recv() {
                Ok(newer) => {
                    next = Some(newer);
                    break;
                }
                Err(TryRecvError::Disconnected) => return,
                Err(TryRecvError::Empty) => {}
            }
            let Ok(seq) = store.last_seq() else { continue };
            if lock(shelf).has(&effect, seq) {
                continue;
            }
            let Some(Ok(answer)) = read(store, &mut ledger, start_day, &effect) else {
                continue; // a failed read is read again, and reported, when asked for
            };
            // A commit while reading may have come before or after the read: keep only what is
            // known to be at one seq.
            if store.last_seq().ok() == Some(seq) {
                lock(shelf).put(Ready {
                    seq,
                    effect,
                    answer,
                });
            }
        }
        if next.is_none() {
            next = jobs.recv().ok();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::effect::{SortKey, WindowQuery};
    use crate::domain::{Currency, Draft, Kind, Month};
    use crate::store::Origin;
    use chrono::NaiveDate;
    use std::time::{Duration, Instant};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn month(m: u32) -> Effect {
        let from = day(m, 1);
        let to = from
            .checked_add_months(chrono::Months::new(1))
            .unwrap()
            .pred_opt()
            .unwrap();
        Effect::LoadWindow(WindowQuery {
            from,
            to,
            sort: SortKey::Date,
            descending: true,
            filter: String::new(),
            start: 0,
            len: 30,
            focus: None,
            category: None,
        })
    }

    fn add(store: &Store, m: u32, minor: i64) {
        let draft = Draft {
            date: day(m, 10),
            amount: minor,
            currency: Currency::EUR,
            category: "food".into(),
            payee: "Rewe".into(),
            note: String::new(),
            tags: Vec::new(),
            kind: Kind::Expense,
        };
        store.put(draft, Origin::User, 0).unwrap();
    }

    /// Waits (bounded) until the thread has put `effect` on the shelf for `seq`.
    fn wait_for(p: &mut Prefetcher, effect: &Effect, seq: u64) -> Option<Answer> {
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Some(a) = p.take(effect, seq) {
                return Some(a);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        None
    }

    #[test]
    fn an_answer_read_ahead_is_the_engines_and_dies_with_the_next_commit() {
        let store = Store::open_temporary().unwrap();
        add(&store, 3, 1_250);
        add(&store, 4, 900);
        let mut p = Prefetcher::new(store.clone(), 1);
        // Not a read: nothing starts.
        p.ask(vec![Effect::LoadCompletions]);
        assert!(p.thread.is_none());
        p.ask(vec![month(3), month(4)]);
        let seq = store.last_seq().unwrap();
        let ahead = wait_for(&mut p, &month(4), seq).expect("April read ahead");
        let direct = read(&store, &mut Ledger::default(), 1, &month(4))
            .unwrap()
            .unwrap();
        assert_eq!(ahead, direct);
        assert!(p.take(&month(3), seq).is_some());
        assert!(p.take(&month(5), seq).is_none(), "never asked for");
        // A commit: what was read is no answer any more.
        add(&store, 4, 100);
        let now = store.last_seq().unwrap();
        assert!(p.take(&month(4), now).is_none());
        p.ask(vec![month(4)]);
        let Some(Answer::WindowLoaded(w)) = wait_for(&mut p, &month(4), now) else {
            panic!("April read again")
        };
        assert_eq!(w.rows.len(), 2);
        drop(p);
        // The thread ended with it: only this handle is left.
        assert_eq!(store.last_seq().unwrap(), now);
    }

    #[test]
    fn the_shelf_keeps_one_seq_and_at_most_keep_answers() {
        let mut shelf = Shelf::default();
        let answer = Answer::Notice("x".into());
        for m in 1..=12 {
            shelf.put(Ready {
                seq: 1,
                effect: month(m),
                answer: answer.clone(),
            });
        }
        for m in 1..=8 {
            shelf.put(Ready {
                seq: 1,
                effect: Effect::LoadReviewDetails {
                    month: Month::containing(NaiveDate::from_ymd_opt(2025, m, 1).unwrap(), 1),
                },
                answer: answer.clone(),
            });
        }
        assert_eq!(shelf.ready.len(), KEEP);
        assert!(!shelf.has(&month(1), 1), "the oldest went first");
        assert!(shelf.has(&month(12), 1));
        shelf.put(Ready {
            seq: 2,
            effect: month(1),
            answer,
        });
        assert_eq!(shelf.ready.len(), 1, "a newer seq leaves only its own");
        assert!(shelf.get(&month(1), 2).is_some());
        assert!(shelf.get(&month(1), 1).is_none());
    }
}
