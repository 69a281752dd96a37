//! `WaitQueue`: the FIFO of waiting tasks behind every primitive in `sync`.
//!
//! # Ground rules
//!
//! * A waiter is a slab entry addressed by a [`WaiterKey`] (key + sequence number, so a key
//!   reused by a later waiter is never confused with an earlier one).
//! * The FIFO holds keys; a waiter that leaves (its future was dropped) is removed from the
//!   slab at once and its FIFO entry is skipped lazily when it reaches the front. So push,
//!   notify and remove are all O(1) amortised, whatever the number of waiters.
//! * `notify_*` marks waiters notified and *returns* their wakers: the caller wakes them after
//!   releasing its `RefCell` borrow (wake outside the borrow).
//! * A waiter that was notified and then dropped without consuming its notification reports
//!   it from [`WaitQueue::remove`]; permit-like primitives then pass it to the next waiter, so
//!   a cancellation never loses a grant.
//!
//! Single-threaded by design: the primitives live on one loop and are `!Send`, so there are
//! no atomics anywhere on these paths.

use std::collections::VecDeque;
use std::task::Waker;

use slab::Slab;

/// Address of a waiter in a [`WaitQueue`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WaiterKey {
    key: usize,
    seq: u64,
}

#[derive(Debug)]
struct Waiter {
    seq: u64,
    waker: Option<Waker>,
    notified: bool,
}

/// A FIFO of waiting tasks; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct WaitQueue {
    waiters: Slab<Waiter>,
    order: VecDeque<WaiterKey>,
    next_seq: u64,
}

impl WaitQueue {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Queues a new waiter at the back.
    pub(crate) fn push(&mut self, waker: &Waker) -> WaiterKey {
        self.next_seq += 1;
        let seq = self.next_seq;
        let key = self.waiters.insert(Waiter {
            seq,
            waker: Some(waker.clone()),
            notified: false,
        });
        let id = WaiterKey { key, seq };
        self.order.push_back(id);
        id
    }

    fn get_mut(&mut self, id: WaiterKey) -> Option<&mut Waiter> {
        self.waiters.get_mut(id.key).filter(|w| w.seq == id.seq)
    }

    /// Whether the waiter was notified. A waiter that is gone counts as not notified.
    pub(crate) fn is_notified(&self, id: WaiterKey) -> bool {
        self.waiters
            .get(id.key)
            .is_some_and(|w| w.seq == id.seq && w.notified)
    }

    /// Replaces the waiter's waker unless the stored one wakes the same task; returns the old
    /// one to drop outside the borrow.
    pub(crate) fn update_waker(&mut self, id: WaiterKey, waker: &Waker) -> Option<Waker> {
        let waiter = self.get_mut(id)?;
        match &waiter.waker {
            Some(old) if old.will_wake(waker) => None,
            _ => waiter.waker.replace(waker.clone()),
        }
    }

    /// Removes a waiter (it got what it waited for, or its future was dropped). Returns
    /// whether it had been notified, so a grant it did not use can be passed on.
    pub(crate) fn remove(&mut self, id: WaiterKey) -> bool {
        if self.get_mut(id).is_none() {
            return false;
        }
        let waiter = self.waiters.remove(id.key);
        waiter.notified
    }

    /// Notifies the waiter at the front (oldest first) that is not notified yet; returns its
    /// waker to wake, or `None` if there is none.
    pub(crate) fn notify_one(&mut self) -> Option<Waker> {
        while let Some(id) = self.order.pop_front() {
            if let Some(waiter) = self.get_mut(id) {
                if !waiter.notified {
                    waiter.notified = true;
                    return Some(waiter.waker.take().unwrap_or_else(|| Waker::noop().clone()));
                }
            }
        }
        None
    }

    /// Notifies every waiting waiter; returns their wakers to wake.
    pub(crate) fn notify_all(&mut self) -> Vec<Waker> {
        let mut wakers = Vec::new();
        while let Some(waker) = self.notify_one() {
            wakers.push(waker);
        }
        wakers
    }

    /// Number of waiters still waiting (not notified, not removed).
    pub(crate) fn waiting(&self) -> usize {
        self.waiters.iter().filter(|(_, w)| !w.notified).count()
    }

    /// Whether no waiter is waiting.
    pub(crate) fn is_empty(&self) -> bool {
        self.order
            .iter()
            .all(|id| !self.waiters.get(id.key).is_some_and(|w| w.seq == id.seq && !w.notified))
    }
}

/// Wakes every waker in `wakers` (after the caller released its borrow).
pub(crate) fn wake_all(wakers: impl IntoIterator<Item = Waker>) {
    for waker in wakers {
        waker.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_with_lazy_removal() {
        let mut queue = WaitQueue::new();
        let w = Waker::noop();
        let a = queue.push(w);
        let b = queue.push(w);
        let c = queue.push(w);
        assert!(!queue.remove(b)); // b leaves before being notified
        assert!(queue.notify_one().is_some());
        assert!(queue.is_notified(a));
        assert!(queue.notify_one().is_some());
        assert!(queue.is_notified(c));
        assert!(queue.notify_one().is_none());
        assert!(queue.remove(a), "a was notified: its grant must be reported");
        let d = queue.push(w); // may reuse a slab key
        assert!(!queue.is_notified(d));
        assert!(!queue.remove(b), "a stale key removes nothing");
    }
}
