//! The commit feed: the newest sequence number this process committed, and a way to wait for a
//! newer one. Every write that adds change records publishes its last seq here after its flushed
//! commit (and after the high-water mark moved), so whoever waits hears a record only once it is
//! durable and readable. Only the process that holds the store writes to it (sled's lock; other
//! processes write through its session), so this one in-memory signal hears every write.
//!
//! Rule: waiting never misses a commit (the seq is state, not an event: a waiter that was busy
//! sees the newest seq when it next asks), and a publisher never blocks on a slow waiter.
//! `engine::feed` hands out the subscriptions its consumers use.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The newest committed seq, with waiters.
#[derive(Debug)]
pub struct Feed {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Debug)]
struct State {
    /// The newest seq committed (or found at open).
    seq: u64,
    /// Bumped by [`Feed::wake_all`], so waiters return early to look at their stop flags.
    wakes: u64,
}

impl Feed {
    /// A feed whose newest seq is `seq` (the store's at open).
    pub(crate) fn new(seq: u64) -> Feed {
        Feed {
            state: Mutex::new(State { seq, wakes: 0 }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Announces that records up to `seq` are committed and durable.
    pub(crate) fn publish(&self, seq: u64) {
        let mut s = self.lock();
        if seq > s.seq {
            s.seq = seq;
            drop(s);
            self.changed.notify_all();
        }
    }

    /// Sets the newest seq to `seq` even when it is lower (a repair that moved the stream's last
    /// seq back), so that the next commits are heard; wakes every waiter.
    pub(crate) fn reset(&self, seq: u64) {
        self.lock().seq = seq;
        self.changed.notify_all();
    }

    /// The newest committed seq.
    pub fn latest(&self) -> u64 {
        self.lock().seq
    }

    /// How many times [`Feed::wake_all`] was called: a waiter that passes this to
    /// [`Feed::wait_after`] also returns for a wake that came before it started to wait.
    pub fn wakes(&self) -> u64 {
        self.lock().wakes
    }

    /// Waits until a seq newer than `after` is committed, at most `timeout`, or until
    /// [`Feed::wake_all`] was called more than `wakes` times in all; returns the newest seq then
    /// (`after` or older when nothing came) and the wake count.
    pub fn wait_after(&self, after: u64, wakes: u64, timeout: Duration) -> (u64, u64) {
        let deadline = Instant::now() + timeout;
        let mut s = self.lock();
        while s.seq <= after && s.wakes <= wakes {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            s = match self.changed.wait_timeout(s, left) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
        (s.seq, s.wakes)
    }

    /// Wakes every waiter now (a consumer that is stopping wants its thread back at once).
    pub fn wake_all(&self) {
        self.lock().wakes += 1;
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_waiter_hears_a_commit_at_once_and_never_misses_one() {
        let feed = Arc::new(Feed::new(4));
        assert_eq!(feed.wait_after(3, 0, Duration::ZERO).0, 4, "already newer");
        assert_eq!(
            feed.wait_after(4, 0, Duration::from_millis(5)).0,
            4,
            "timed out"
        );
        let f = feed.clone();
        let waiter = std::thread::spawn(move || {
            let t = Instant::now();
            (f.wait_after(4, 0, Duration::from_secs(30)).0, t.elapsed())
        });
        std::thread::sleep(Duration::from_millis(20));
        feed.publish(6);
        let (seq, took) = waiter.join().unwrap();
        assert_eq!(seq, 6);
        assert!(took < Duration::from_secs(30), "woken by the commit");
        feed.publish(5);
        assert_eq!(feed.latest(), 6, "the feed never goes back");
    }

    #[test]
    fn wake_all_returns_waiters_without_a_commit() {
        let feed = Arc::new(Feed::new(1));
        let f = feed.clone();
        let waiter = std::thread::spawn(move || f.wait_after(1, 0, Duration::from_secs(30)));
        std::thread::sleep(Duration::from_millis(20));
        feed.wake_all();
        assert_eq!(waiter.join().unwrap(), (1, 1));
        // A wake that came before the wait is not missed by a waiter that saw 0 wakes.
        assert_eq!(feed.wait_after(1, 0, Duration::from_secs(30)), (1, 1));
    }
}
