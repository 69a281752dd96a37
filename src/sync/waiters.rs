//! The waiting machinery behind every primitive in `sync` and every channel that keeps a
//! queue of waiters: [`WaitQueue`], the FIFO of waiting tasks, and [`Waiter`], the one
//! state machine of a wait future.
//!
//! # The wait state machine
//!
//! A wait future (`Mutex::lock`, `RwLock::read` and `write`, `Semaphore::acquire*`,
//! `Event::wait`, `Notify::notified`, `Condvar::wait`, `Barrier::wait`, and the futures of
//! `Queue`, `mpsc`, `broadcast` and `watch`) holds a [`Waiter`], which moves through:
//!
//! | state | `poll` | `drop` |
//! |---|---|---|
//! | `Idle` | fast path: `Ready` (to `Done`); else queue with the waker, record the wait, `Pending` (to `Queued`) | nothing, no borrow |
//! | `Queued`, not notified | keep the place; store the new waker unless the old one `will_wake`; `Pending` | leave the queue |
//! | `Queued`, notified | leave the queue, take the grant; `Ready` (to `Done`) | leave the queue, hand the grant on |
//! | `Done` | panic: see "Polling after completion" in the `sync` docs | nothing |
//!
//! What varies from one primitive to the next is a [`WaitRules`] impl: a small value built
//! at each poll or drop (`Lock` for a mutex, `Permits(n)` for a semaphore, the item of a
//! queue's put), which supplies
//!
//! * [`waitable`](WaitRules::waitable): how the wait shows in task snapshots. [`Waiter`]
//!   records it when it queues the waiter, so no primitive records waits by hand;
//! * [`queue`](WaitRules::queue) and [`data`](WaitRules::data): which queue the waiter
//!   joins, with what payload;
//! * [`fast_path`](WaitRules::fast_path): the first poll's attempt to complete without
//!   waiting;
//! * [`take_grant`](WaitRules::take_grant): what taking a notification means (most
//!   primitives did their bookkeeping when they notified, so nothing; a getter takes its
//!   item);
//! * [`leave`](WaitRules::leave): what a waiter dropped while queued gives back. `notified`
//!   says it was granted something it never took (a lock, permits, a `notify_one`, a
//!   promised item), which it passes on.
//!
//! A wait that is not in a queue (a channel's single receiver, which keeps one `Waker` in a
//! slot) records itself through [`park`], the one other place that records a wait.
//!
//! # Ground rules
//!
//! * **One borrow per poll.** [`Waiter::poll`] borrows the primitive's `RefCell` once; the
//!   fast path, the queueing and the grant all run under that one borrow, so the
//!   uncontended path costs what a hand-written one would (no allocation: a waker is cloned
//!   only when the waiter queues). A `Waiter` that never queued does not borrow on drop.
//! * **FIFO fairness is the fast path's duty.** `fast_path` must not take what a queued
//!   waiter waits for: it succeeds only when nobody is queued, or when its primitive's
//!   invariant says that nobody can be (an `Event` that is set has woken everyone).
//! * **Wake outside the borrow.** `notify_*` marks waiters notified and *returns* their
//!   wakers; `leave` returns the wakers it collected, and a replaced or removed waker is
//!   dropped after the borrow ends, like the wakers are woken.
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
//! * A notified waiter leaves the FIFO at once; it stays in the slab until its future takes
//!   the grant (or is dropped), so a cancellation after the notification is seen and the
//!   grant is passed on, never lost.
//!
//! Single-threaded by design: the primitives live on one loop, so there are no atomics
//! anywhere on these paths. The queue is `!Send` (a `PhantomData<Rc<()>>` marker), which
//! makes every primitive built on it `!Send` and `!Sync` too.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::mem;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use slab::Slab;

use crate::debug::Wait;

/// Address of a waiter in a [`WaitQueue`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WaiterKey {
    key: usize,
    seq: u64,
}

#[derive(Debug)]
struct Entry<T> {
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
    pub(crate) waker: Option<Waker>,
}

/// Below this many FIFO entries the queue never bothers compacting.
const COMPACT_MIN: usize = 32;

/// A FIFO of waiting tasks, each with a payload `T`; see the module docs.
pub(crate) struct WaitQueue<T = ()> {
    waiters: Slab<Entry<T>>,
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

    /// Queues a new waiter carrying `data` at the back.
    pub(crate) fn push_with(&mut self, waker: &Waker, data: T) -> WaiterKey {
        self.next_seq += 1;
        let seq = self.next_seq;
        let key = self.waiters.insert(Entry {
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

    fn get(&self, id: WaiterKey) -> Option<&Entry<T>> {
        self.waiters.get(id.key).filter(|w| w.seq == id.seq)
    }

    fn get_mut(&mut self, id: WaiterKey) -> Option<&mut Entry<T>> {
        self.waiters.get_mut(id.key).filter(|w| w.seq == id.seq)
    }

    /// Whether the waiter was notified. A waiter that is gone counts as not notified.
    pub(crate) fn is_notified(&self, id: WaiterKey) -> bool {
        self.get(id).is_some_and(|w| w.notified)
    }

    /// Replaces the waiter's waker unless the stored one wakes the same task; returns the old
    /// one to drop outside the borrow.
    pub(crate) fn update_waker(&mut self, id: WaiterKey, waker: &Waker) -> Option<Waker> {
        replace_waker(&mut self.get_mut(id)?.waker, waker)
    }

    /// Removes the waiter if it was notified and returns its payload; leaves it queued
    /// (and returns `None`) if it was not.
    pub(crate) fn remove_notified(&mut self, id: WaiterKey) -> Option<T> {
        if !self.is_notified(id) {
            return None;
        }
        // Notified: its FIFO entry is already gone and it is not counted in `waiting`.
        Some(self.waiters.remove(id.key).data)
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

/// Stores `waker` in `slot` unless the stored one wakes the same task; returns the old one
/// to drop outside the borrow.
fn replace_waker(slot: &mut Option<Waker>, waker: &Waker) -> Option<Waker> {
    match slot {
        Some(old) if old.will_wake(waker) => None,
        _ => slot.replace(waker.clone()),
    }
}

/// Parks the polling task in a single-waiter slot (a channel's one receiver): stores
/// `waker` unless the stored one wakes the same task, and records that the task waits on
/// `what`. Returns the replaced waker, to drop after the borrow or lock is released.
///
/// The one place besides [`Waiter`] that records a wait: a receiver that keeps one `Waker`
/// (`mpsc`, `oneshot`, `remote`) has no queue, and so no [`Waiter`].
pub(crate) fn park(slot: &mut Option<Waker>, waker: &Waker, what: Wait) -> Option<Waker> {
    what.note();
    replace_waker(slot, waker)
}

/// The rules of one kind of wait on a primitive whose state `S` sits behind a `RefCell` and
/// holds the queue: the part of a wait future that [`Waiter`] does not know (see the module
/// docs).
/// Implemented by a small value built at each poll or drop, which borrows what it needs
/// from the future (the item of a put, a receiver's cursor).
pub(crate) trait WaitRules<S> {
    /// The payload each queued waiter carries.
    type Data;
    /// What the wait completes with, before the future builds its guard or result from it.
    type Output;

    /// How the wait shows in task snapshots; recorded when the waiter queues.
    fn waitable(&self) -> Wait;

    /// The queue the waiter joins, inside the state.
    fn queue(state: &mut S) -> &mut WaitQueue<Self::Data>;

    /// The payload the waiter queues with.
    fn data(&self) -> Self::Data;

    /// The first poll's attempt to complete without waiting; `None` queues the waiter. It
    /// must not take what a queued waiter waits for: it succeeds only when nobody is
    /// queued, or when the primitive's invariants say nobody can be.
    fn fast_path(&mut self, state: &mut S) -> Option<Self::Output>;

    /// Takes the grant of a notified waiter, which has just left the queue; `data` is its
    /// payload (as [`WaitQueue::notify_one_with`] may have marked it).
    fn take_grant(&mut self, state: &mut S, data: Self::Data) -> Self::Output;

    /// The waiter was dropped while queued and has just left the queue. If `notified`, it
    /// was granted something it never took: pass it on. Returns the wakers to wake once the
    /// borrow is released. By default there is nothing to pass on.
    fn leave(
        &mut self,
        state: &mut S,
        notified: bool,
        data: Self::Data,
    ) -> impl IntoIterator<Item = Waker> + use<Self, S> {
        let _ = (state, notified, data);
        None
    }
}

/// The registration state of one wait future: the state machine of the module docs,
/// written once for every primitive.
#[derive(Debug)]
pub(crate) enum Waiter {
    /// Not queued yet: the next poll tries the fast path.
    Idle,
    /// In the queue at this key, notified or not.
    Queued(WaiterKey),
    /// Returned `Ready` (or was cancelled).
    Done,
}

impl Waiter {
    /// Polls the wait `wait` on the primitive whose state is `state`, borrowing it once.
    ///
    /// # Panics
    ///
    /// If the wait already returned `Ready` (see "Polling after completion" in the `sync`
    /// docs), and if `state` is borrowed elsewhere.
    pub(crate) fn poll<S, W: WaitRules<S>>(
        &mut self,
        cx: &mut Context<'_>,
        state: &RefCell<S>,
        wait: &mut W,
    ) -> Poll<W::Output> {
        let mut state = state.borrow_mut();
        let output = match *self {
            Waiter::Idle => match wait.fast_path(&mut state) {
                Some(output) => output,
                None => {
                    self.enqueue(&mut *state, wait, cx.waker());
                    return Poll::Pending;
                }
            },
            Waiter::Queued(key) => match W::queue(&mut state).remove_notified(key) {
                Some(data) => wait.take_grant(&mut state, data),
                None => {
                    let old = W::queue(&mut state).update_waker(key, cx.waker());
                    drop(state);
                    drop(old);
                    return Poll::Pending;
                }
            },
            Waiter::Done => {
                drop(state);
                polled_after_completion(wait.waitable())
            }
        };
        drop(state);
        *self = Waiter::Done;
        Poll::Ready(output)
    }

    /// A waiter queued before its first poll, with `waker` standing in until that poll
    /// (`Condvar::wait` queues before it releases the caller's guard).
    pub(crate) fn queued<S, W: WaitRules<S>>(state: &RefCell<S>, wait: &W, waker: &Waker) -> Self {
        let mut waiter = Waiter::Idle;
        waiter.enqueue(&mut *state.borrow_mut(), wait, waker);
        waiter
    }

    fn enqueue<S, W: WaitRules<S>>(&mut self, state: &mut S, wait: &W, waker: &Waker) {
        let key = W::queue(state).push_with(waker, wait.data());
        wait.waitable().note();
        *self = Waiter::Queued(key);
    }

    /// Leaves the queue if the waiter is in it, and lets `wait` pass on a grant it never
    /// took ([`WaitRules::leave`]); the wait is over either way. Call it from the future's
    /// `Drop`: it borrows `state` only if the waiter is queued.
    pub(crate) fn cancel<S, W: WaitRules<S>>(&mut self, state: &RefCell<S>, wait: &mut W) {
        self.leave_queue(state, W::queue, |state, notified, data| {
            wait.leave(state, notified, data)
        });
    }

    /// [`cancel`](Self::cancel) spelled out, for a wait whose [`WaitRules`] are out of reach
    /// in its future's `Drop`: `queue` finds the queue, `leave` is [`WaitRules::leave`]. (A
    /// broadcast receiver's rules need `T: Clone`, which its `Drop` cannot require.)
    pub(crate) fn leave_queue<S, T, I: IntoIterator<Item = Waker>>(
        &mut self,
        state: &RefCell<S>,
        queue: fn(&mut S) -> &mut WaitQueue<T>,
        leave: impl FnOnce(&mut S, bool, T) -> I,
    ) {
        let Waiter::Queued(key) = mem::replace(self, Waiter::Done) else {
            return;
        };
        let mut state = state.borrow_mut();
        let Some(removed) = queue(&mut state).remove_entry(key) else {
            return;
        };
        let wakers = leave(&mut state, removed.notified, removed.data);
        drop(state);
        drop(removed.waker);
        wake_all(wakers);
    }

    /// Whether the waiter is in the queue (it has waited, and not returned yet).
    pub(crate) fn is_queued(&self) -> bool {
        matches!(self, Waiter::Queued(_))
    }

    /// Whether the wait returned `Ready`.
    pub(crate) fn is_done(&self) -> bool {
        matches!(self, Waiter::Done)
    }
}

#[cold]
#[inline(never)]
fn polled_after_completion(what: Wait) -> ! {
    panic!(
        "the future of `{}` was polled after it completed; a wait future completes once: \
         call `{}` again to wait again",
        what.name(),
        what.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    impl<T: Default> WaitQueue<T> {
        fn push(&mut self, waker: &Waker) -> WaiterKey {
            self.push_with(waker, T::default())
        }

        /// Whether the waiter had been notified (and is now gone).
        fn remove(&mut self, id: WaiterKey) -> bool {
            self.remove_entry(id)
                .is_some_and(|removed| removed.notified)
        }
    }

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

    #[test]
    fn polling_a_finished_wait_panics_with_the_call_to_make() {
        use std::future::Future;
        use std::panic::{AssertUnwindSafe, catch_unwind};

        let event = crate::sync::Event::new();
        event.set();
        let mut wait = std::pin::pin!(event.wait());
        let mut cx = Context::from_waker(Waker::noop());
        assert!(wait.as_mut().poll(&mut cx).is_ready());
        let again = catch_unwind(AssertUnwindSafe(|| wait.as_mut().poll(&mut cx)));
        let message = *again.unwrap_err().downcast::<String>().unwrap();
        assert!(message.contains("call `Event::wait` again"), "{message}");
        assert!(
            event.is_set(),
            "the event is still usable: no borrow left behind"
        );
    }
}
