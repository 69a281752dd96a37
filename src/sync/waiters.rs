//! `WaitQueue`: the FIFO of waiting tasks behind every primitive in `sync`.
//!
//! # Ground rules
//!
//! * A waiter is a slab entry addressed by a [`WaiterKey`] (key + sequence number, so a key
//!   reused by a later waiter is never confused with an earlier one). It carries a small
//!   payload `T` chosen by the primitive: how many permits it asks for, whether it wants to
//!   read or write, whether its notification came from a `notify_one`.
//! * The FIFO holds keys; a waiter that leaves (its future was dropped) is removed from the
//!   slab at once and its FIFO entry is skipped lazily when it reaches the front. When stale
//!   entries outnumber live ones, the FIFO is compacted, so a loop of "register, cancel"
//!   cannot grow it without bound. Push, notify and remove are all O(1) amortised, whatever
//!   the number of waiters; so are [`WaitQueue::waiting`] and [`WaitQueue::is_empty`] (a
//!   counter), which the primitives' fast paths call.
//! * `notify_*` marks waiters notified and *returns* their wakers: the caller wakes them after
//!   releasing its `RefCell` borrow (wake outside the borrow). A notified waiter leaves the
//!   FIFO at once; it stays in the slab until its future consumes the notification (or is
//!   dropped) and calls [`WaitQueue::remove`].
//! * A waiter that was notified and then dropped without consuming its notification reports
//!   it from [`WaitQueue::remove`]; permit-like primitives then pass it to the next waiter, so
//!   a cancellation never loses a grant.
//!
//! Single-threaded by design: the primitives live on one loop, so there are no atomics
//! anywhere on these paths. The queue is `!Send` (a `PhantomData<Rc<()>>` marker), which
//! makes every primitive built on it `!Send` and `!Sync` too.

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;
use std::task::Waker;

use slab::Slab;

/// Address of a waiter in a [`WaitQueue`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WaiterKey {
    key: usize,
    seq: u64,
}

#[derive(Debug)]
struct Waiter<T> {
    seq: u64,
    waker: Option<Waker>,
    notified: bool,
    data: T,
}

/// What [`WaitQueue::remove_entry`] hands back.
#[derive(Debug)]
pub(crate) struct Removed<T> {
    /// The waiter had been notified (and had not consumed it, if it is being cancelled).
    pub(crate) notified: bool,
    /// Its payload.
    pub(crate) data: T,
    /// Its waker, still stored if it was not notified: drop it outside the borrow.
    #[allow(dead_code, reason = "held only to be dropped after the borrow ends")]
    pub(crate) waker: Option<Waker>,
}

/// Below this many FIFO entries the queue never bothers compacting.
const COMPACT_MIN: usize = 32;

/// A FIFO of waiting tasks, each with a payload `T`; see the module docs.
pub(crate) struct WaitQueue<T = ()> {
    waiters: Slab<Waiter<T>>,
    /// Waiters not yet notified, oldest first, plus stale keys of waiters that left.
    order: VecDeque<WaiterKey>,
    next_seq: u64,
    /// Waiters in the slab that are not notified: exactly the live entries of `order`.
    waiting: usize,
    _not_send: PhantomData<Rc<()>>,
}

impl<T> Default for WaitQueue<T> {
    fn default() -> Self {
        WaitQueue {
            waiters: Slab::new(),
            order: VecDeque::new(),
            next_seq: 0,
            waiting: 0,
            _not_send: PhantomData,
        }
    }
}

impl<T> fmt::Debug for WaitQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitQueue")
            .field("waiting", &self.waiting)
            .field("notified", &(self.waiters.len() - self.waiting))
            .finish()
    }
}

impl<T> WaitQueue<T> {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Queues a new waiter with a default payload at the back.
    pub(crate) fn push(&mut self, waker: &Waker) -> WaiterKey
    where
        T: Default,
    {
        self.push_with(waker, T::default())
    }

    /// Queues a new waiter carrying `data` at the back.
    pub(crate) fn push_with(&mut self, waker: &Waker, data: T) -> WaiterKey {
        self.next_seq += 1;
        let seq = self.next_seq;
        let key = self.waiters.insert(Waiter {
            seq,
            waker: Some(waker.clone()),
            notified: false,
            data,
        });
        let id = WaiterKey { key, seq };
        self.order.push_back(id);
        self.waiting += 1;
        id
    }

    fn get(&self, id: WaiterKey) -> Option<&Waiter<T>> {
        self.waiters.get(id.key).filter(|w| w.seq == id.seq)
    }

    fn get_mut(&mut self, id: WaiterKey) -> Option<&mut Waiter<T>> {
        self.waiters.get_mut(id.key).filter(|w| w.seq == id.seq)
    }

    /// Whether the waiter was notified. A waiter that is gone counts as not notified.
    pub(crate) fn is_notified(&self, id: WaiterKey) -> bool {
        self.get(id).is_some_and(|w| w.notified)
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
    ///
    /// A waiter that was not notified still holds its waker, which this drops in place; use
    /// [`remove_entry`](Self::remove_entry) to drop it outside the borrow instead.
    pub(crate) fn remove(&mut self, id: WaiterKey) -> bool {
        self.remove_entry(id)
            .is_some_and(|removed| removed.notified)
    }

    /// Removes a waiter and returns what it held; `None` if it was already gone.
    pub(crate) fn remove_entry(&mut self, id: WaiterKey) -> Option<Removed<T>> {
        self.get(id)?;
        let waiter = self.waiters.remove(id.key);
        if !waiter.notified {
            // Its FIFO entry is now stale: skipped lazily, or dropped by a compaction.
            self.waiting -= 1;
            self.maybe_compact();
        }
        Some(Removed {
            notified: waiter.notified,
            data: waiter.data,
            waker: waiter.waker,
        })
    }

    /// Drops the stale FIFO entries once they outnumber the live ones (amortised O(1)).
    fn maybe_compact(&mut self) {
        if self.order.len() > COMPACT_MIN && self.order.len() > 2 * self.waiting {
            let waiters = &self.waiters;
            self.order.retain(|id| {
                waiters
                    .get(id.key)
                    .is_some_and(|w| w.seq == id.seq && !w.notified)
            });
        }
    }

    /// The payload of the oldest waiter that is not notified yet, if any.
    pub(crate) fn front(&mut self) -> Option<&T> {
        while let Some(&id) = self.order.front() {
            if self.get(id).is_some_and(|w| !w.notified) {
                return self.get(id).map(|w| &w.data);
            }
            self.order.pop_front();
        }
        None
    }

    /// Notifies the waiter at the front (oldest first) that is not notified yet; returns its
    /// waker to wake, or `None` if there is none.
    pub(crate) fn notify_one(&mut self) -> Option<Waker> {
        self.notify_one_with(|_| {})
    }

    /// Like [`notify_one`](Self::notify_one), and lets the caller mark the notified waiter's
    /// payload (for instance "this notification must be passed on if unused").
    pub(crate) fn notify_one_with(&mut self, mark: impl FnOnce(&mut T)) -> Option<Waker> {
        while let Some(id) = self.order.pop_front() {
            if let Some(waiter) = self.get_mut(id) {
                if !waiter.notified {
                    waiter.notified = true;
                    mark(&mut waiter.data);
                    let waker = waiter.waker.take();
                    self.waiting -= 1;
                    return Some(waker.unwrap_or_else(|| Waker::noop().clone()));
                }
            }
        }
        None
    }

    /// Notifies every waiting waiter; returns their wakers to wake.
    pub(crate) fn notify_all(&mut self) -> Vec<Waker> {
        let mut wakers = Vec::with_capacity(self.waiting);
        while let Some(waker) = self.notify_one() {
            wakers.push(waker);
        }
        wakers
    }

    /// Number of waiters still waiting (not notified, not removed).
    pub(crate) fn waiting(&self) -> usize {
        self.waiting
    }

    /// Whether no waiter is waiting.
    pub(crate) fn is_empty(&self) -> bool {
        self.waiting == 0
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
        let mut queue = WaitQueue::<()>::new();
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
        assert!(
            queue.remove(a),
            "a was notified: its grant must be reported"
        );
        let d = queue.push(w); // may reuse a slab key
        assert!(!queue.is_notified(d));
        assert!(!queue.remove(b), "a stale key removes nothing");
    }

    #[test]
    fn counts_and_front() {
        let mut queue = WaitQueue::new();
        let w = Waker::noop();
        assert!(queue.is_empty());
        assert!(queue.front().is_none());
        let a = queue.push_with(w, 1);
        let b = queue.push_with(w, 2);
        let _c = queue.push_with(w, 3);
        assert_eq!(queue.waiting(), 3);
        assert_eq!(queue.front(), Some(&1));
        let removed = queue.remove_entry(a).unwrap();
        assert!(!removed.notified && removed.data == 1 && removed.waker.is_some());
        assert_eq!(queue.front(), Some(&2));
        assert!(queue.notify_one_with(|n| *n = 20).is_some());
        assert_eq!(queue.waiting(), 1);
        assert_eq!(queue.front(), Some(&3));
        let removed = queue.remove_entry(b).unwrap();
        assert!(removed.notified && removed.data == 20 && removed.waker.is_none());
        assert!(queue.remove_entry(b).is_none());
        assert_eq!(queue.notify_all().len(), 1);
        assert!(queue.is_empty());
    }

    #[test]
    fn register_cancel_loop_stays_bounded() {
        let mut queue = WaitQueue::<()>::new();
        let w = Waker::noop();
        let head = queue.push(w); // never notified: lazy skipping alone would not help
        for _ in 0..10_000 {
            let id = queue.push(w);
            queue.remove(id);
        }
        assert!(
            queue.order.len() <= 2 * COMPACT_MIN + 2,
            "{}",
            queue.order.len()
        );
        assert_eq!(queue.waiting(), 1);
        assert!(queue.notify_one().is_some());
        assert!(queue.remove(head));
    }
}
