//! One change feed for every consumer that follows the stream: the session notifier (which pushes
//! to other TUIs), user triggers, `expense stream --follow` and the budget-alert consumer. Each
//! holds a [`Subscription`]: its own checkpoint over the store's commit feed
//! (`store::feed::Feed`), woken by a commit instead of polling the last sequence number.
//!
//! Rule: a subscription is a checkpoint, not a queue: a consumer that was busy while several
//! records were committed hears the newest seq once and reads the records it missed from the
//! stream itself, so nothing is dropped and no publisher ever waits for a consumer.

use crate::store::feed::Feed;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;

/// A consumer's place in the feed.
#[derive(Debug, Clone)]
pub struct Subscription {
    feed: Arc<Feed>,
    seen: u64,
    /// Wakes already answered (see `Feed::wait_after`).
    wakes: u64,
}

impl Subscription {
    /// Follows `store` from now on: records committed after this call are news.
    pub fn new(store: &Store) -> Subscription {
        let seen = store.feed().latest();
        Subscription::after(store, seen)
    }

    /// Follows `store` from `seen` on: records after it are news.
    pub fn after(store: &Store, seen: u64) -> Subscription {
        let feed = store.feed().clone();
        let wakes = feed.wakes();
        Subscription { feed, seen, wakes }
    }

    /// The last seq this consumer has taken as seen.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The newest committed seq when it is newer than what this consumer has seen (and takes it
    /// as seen); `None` at once otherwise. Costs a lock, no store read.
    pub fn poll(&mut self) -> Option<u64> {
        self.take(self.feed.latest())
    }

    /// Like [`Subscription::poll`], but waits up to `timeout` for a commit (or a
    /// [`Subscription::wake_all`]).
    pub fn wait(&mut self, timeout: Duration) -> Option<u64> {
        let (seq, wakes) = self.feed.wait_after(self.seen, self.wakes, timeout);
        self.wakes = wakes;
        self.take(seq)
    }

    /// Wakes every waiter of this store's feed, so stopping consumers see their stop flags now.
    pub fn wake_all(&self) {
        self.feed.wake_all();
    }

    fn take(&mut self, seq: u64) -> Option<u64> {
        (seq > self.seen).then(|| {
            self.seen = seq;
            seq
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Draft;
    use crate::store::Origin;
    use std::time::Instant;

    fn draft() -> Draft {
        Draft::sample(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            1250,
            "food",
            "Lidl",
        )
    }

    #[test]
    fn a_write_wakes_a_waiting_consumer_and_is_heard_once() {
        let store = Store::open_temporary().unwrap();
        store.put(draft(), Origin::User, 1).unwrap();
        let mut sub = Subscription::new(&store);
        assert_eq!(sub.poll(), None, "what was there before is not news");
        let writer = {
            let store = store.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(30));
                store.put(draft(), Origin::User, 2).unwrap().seq
            })
        };
        let t = Instant::now();
        let heard = sub.wait(Duration::from_secs(30));
        let seq = writer.join().unwrap();
        assert_eq!(heard, Some(seq));
        assert!(t.elapsed() < Duration::from_secs(30), "woken by the commit");
        assert_eq!(sub.poll(), None, "heard once");
        assert_eq!(sub.seen(), seq);
    }
}
