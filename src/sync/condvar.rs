//! `Condvar`: wait for a condition on the value behind a [`Mutex`] (asyncio's
//! `asyncio.Condition`).
//!
//! # Design
//!
//! A `Condvar` is a FIFO of waiters and nothing else; it is not tied to one mutex. `wait`
//! registers the waiter *before* it releases the guard, so a `notify_*` sent by whoever
//! takes the lock next cannot be missed, then waits for a notification and relocks. Each
//! waiter's payload records whether its notification came from `notify_one`: such a waiter
//! dropped before it returned passes the notification to the next waiter, so a
//! cancellation never swallows a `notify_one` meant to make progress.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::mutex::{Mutex, MutexGuard};
use super::waiters::{WaitQueue, WaitRules, Waiter, wake_all};
use crate::debug::Wait;

/// A condition variable for [`Mutex`]: asyncio's `asyncio.Condition`.
///
/// [`wait`](Self::wait) takes a [`MutexGuard`], releases the lock while waiting for
/// [`notify_one`](Self::notify_one) or [`notify_all`](Self::notify_all), and relocks before
/// returning the guard. [`wait_until`](Self::wait_until) loops until a predicate on the
/// value holds, which is how a `Condvar` is almost always used: after a wake-up another
/// task may have changed the value before this one got the lock back.
///
/// Waiters are woken in FIFO order. Notifications are not stored: with nobody waiting,
/// `notify_*` does nothing. Several mutexes may share one `Condvar`, though one is usual.
///
/// `Condvar` is `!Send` and `!Sync`: share it between the tasks of one loop through an
/// `Rc`.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use evloop::sync::{Condvar, Mutex};
/// evloop::run(async {
///     let queue = Rc::new((Mutex::new(Vec::new()), Condvar::new()));
///     let consumer = evloop::spawn({
///         let queue = queue.clone();
///         async move {
///             let (items, ready) = &*queue;
///             let mut items = ready.wait_until(items.lock().await, |v| !v.is_empty()).await;
///             items.pop()
///         }
///     });
///     evloop::yield_now().await; // the consumer waits
///     queue.0.lock().await.push("job");
///     queue.1.notify_one();
///     assert_eq!(consumer.await.unwrap(), Some("job"));
/// });
/// ```
#[doc(alias = "Condition")]
#[doc(alias = "asyncio.Condition")]
pub struct Condvar {
    /// Each waiter's payload: "notified by `notify_one`" (to pass on if unused).
    waiters: RefCell<WaitQueue<bool>>,
}

impl Condvar {
    /// Creates a condition variable with nobody waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::sync::{Condvar, Mutex};
    /// evloop::run(async {
    ///     let (mutex, condvar) = (Mutex::new(()), Condvar::new());
    ///     condvar.notify_all(); // nobody waits: nothing happens, nothing is stored
    ///     let wait = condvar.wait(mutex.lock().await);
    ///     // Not woken by the earlier notify: even a zero timeout expires first.
    ///     assert!(evloop::wait_for(Duration::ZERO, wait).await.is_err());
    /// });
    /// ```
    pub fn new() -> Condvar {
        Condvar {
            waiters: RefCell::new(WaitQueue::new()),
        }
    }

    /// Releases the lock held by `guard`, waits for a notification, then relocks the
    /// same mutex and returns the new guard.
    ///
    /// The waiter is queued before the lock is released, so a notification sent by the
    /// next holder of the lock always reaches it. It may return with the condition still
    /// false (a `notify_all`, or another task ran first): check it in a loop, or use
    /// [`wait_until`](Self::wait_until).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// use evloop::sync::{Condvar, Mutex};
    /// evloop::run(async {
    ///     let pair = Rc::new((Mutex::new(false), Condvar::new()));
    ///     let setter = evloop::spawn({
    ///         let pair = pair.clone();
    ///         async move {
    ///             *pair.0.lock().await = true;
    ///             pair.1.notify_all();
    ///         }
    ///     });
    ///     let mut ready = pair.0.lock().await;
    ///     while !*ready {
    ///         ready = pair.1.wait(ready).await; // the setter takes the lock meanwhile
    ///     }
    ///     assert!(pair.0.is_locked()); // relocked: `ready` is a guard again
    ///     assert!(setter.is_finished());
    /// });
    /// ```
    ///
    /// # Cancellation
    ///
    /// The lock is released as soon as the future is first polled; dropping the future
    /// later does not give the guard back (the caller must lock again). If a
    /// [`notify_one`](Self::notify_one) had already chosen this waiter, the notification
    /// passes to the next waiter, whether the future is dropped while waiting for it or
    /// while relocking; a `notify_all` wake-up is not passed on.
    pub async fn wait<'a, T: ?Sized>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        let mutex: &'a Mutex<T> = MutexGuard::source(&guard);
        let mut wait = CondvarWait::register(self);
        drop(guard);
        (&mut wait).await;
        let guard = mutex.lock().await;
        wait.owes_notify = false; // consumed: we returned with the lock
        guard
    }

    /// Waits until `condition` holds for the value behind `guard`, returning the guard
    /// with the lock held: asyncio's `Condition.wait_for(predicate)`.
    ///
    /// The condition is checked first with the lock held (no waiting if it already
    /// holds), then after each wake-up, each time with the lock held again.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// use evloop::sync::{Condvar, Mutex};
    /// evloop::run(async {
    ///     let pair = Rc::new((Mutex::new(0), Condvar::new()));
    ///     let counter = evloop::spawn({
    ///         let pair = pair.clone();
    ///         async move {
    ///             for _ in 0..5 {
    ///                 *pair.0.lock().await += 1;
    ///                 pair.1.notify_all();
    ///                 evloop::yield_now().await;
    ///             }
    ///         }
    ///     });
    ///     let count = pair.1.wait_until(pair.0.lock().await, |n| *n >= 3).await;
    ///     assert!(*count >= 3);
    ///     drop(count);
    ///     counter.await.unwrap();
    /// });
    /// ```
    ///
    /// # Cancellation
    ///
    /// As for [`wait`](Self::wait): dropping the future while it waits releases the lock
    /// for good and passes on a `notify_one` it was chosen by.
    #[doc(alias = "wait_for")]
    pub async fn wait_until<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> MutexGuard<'a, T>
    where
        T: ?Sized,
        F: FnMut(&mut T) -> bool,
    {
        while !condition(&mut guard) {
            guard = self.wait(guard).await;
        }
        guard
    }

    /// Wakes the oldest waiting task, if any; nothing is stored if nobody waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// use evloop::sync::{Condvar, Mutex};
    /// evloop::run(async {
    ///     let pair = Rc::new((Mutex::new(()), Condvar::new()));
    ///     let waiter = |pair: Rc<(Mutex<()>, Condvar)>| {
    ///         evloop::spawn(async move { drop(pair.1.wait(pair.0.lock().await).await) })
    ///     };
    ///     let (first, second) = (waiter(pair.clone()), waiter(pair.clone()));
    ///     evloop::yield_now().await; // both wait
    ///     pair.1.notify_one();
    ///     first.await.unwrap(); // the oldest wakes
    ///     assert!(!second.is_finished()); // the other still waits
    /// });
    /// ```
    pub fn notify_one(&self) {
        let waker = notify_oldest(&mut self.waiters.borrow_mut());
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wakes every waiting task (they then relock one at a time, in FIFO order).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// use evloop::sync::{Condvar, Mutex};
    /// evloop::run(async {
    ///     let pair = Rc::new((Mutex::new(()), Condvar::new()));
    ///     let waiters: Vec<_> = (0..3)
    ///         .map(|_| {
    ///             let pair = pair.clone();
    ///             evloop::spawn(async move { drop(pair.1.wait(pair.0.lock().await).await) })
    ///         })
    ///         .collect();
    ///     evloop::yield_now().await; // all three wait
    ///     pair.1.notify_all();
    ///     evloop::yield_now().await; // they relock and return, one after the other
    ///     assert!(waiters.iter().all(|waiter| waiter.is_finished()));
    /// });
    /// ```
    pub fn notify_all(&self) {
        let wakers = self.waiters.borrow_mut().notify_all();
        wake_all(wakers);
    }
}

impl Default for Condvar {
    fn default() -> Self {
        Condvar::new()
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar")
            .field("waiters", &self.waiters.borrow().waiting())
            .finish()
    }
}

/// Notifies the oldest waiter, marking the notification as one to pass on if unused;
/// returns its waker, to wake after the borrow.
fn notify_oldest(waiters: &mut WaitQueue<bool>) -> Option<Waker> {
    waiters.notify_one_with(|one| *one = true)
}

/// The wait of [`CondvarWait`], for [`Waiter`]: for a notification. The payload (and the
/// output) says whether it came from `notify_one`.
struct Signal;

impl WaitRules<WaitQueue<bool>> for Signal {
    type Data = bool;
    type Output = bool;

    fn waitable(&self) -> Wait {
        Wait::CONDVAR_WAIT
    }

    fn queue(waiters: &mut WaitQueue<bool>) -> &mut WaitQueue<bool> {
        waiters
    }

    fn data(&self) -> bool {
        false
    }

    /// Never taken: the waiter is registered before its first poll.
    fn fast_path(&mut self, _: &mut WaitQueue<bool>) -> Option<bool> {
        None
    }

    fn take_grant(&mut self, _: &mut WaitQueue<bool>, one: bool) -> bool {
        one
    }

    fn leave(
        &mut self,
        waiters: &mut WaitQueue<bool>,
        notified: bool,
        one: bool,
    ) -> impl IntoIterator<Item = Waker> + use<> {
        // Chosen by `notify_one` but never returned: hand the notification on.
        if notified && one {
            notify_oldest(waiters)
        } else {
            None
        }
    }
}

/// One wait in a `Condvar`'s queue, registered eagerly (with a placeholder waker) so it is
/// queued before the caller's guard is released.
struct CondvarWait<'c> {
    condvar: &'c Condvar,
    waiter: Waiter,
    /// A `notify_one` chose us and we have not returned with the lock yet.
    owes_notify: bool,
}

impl<'c> CondvarWait<'c> {
    fn register(condvar: &'c Condvar) -> Self {
        CondvarWait {
            condvar,
            waiter: Waiter::queued(&condvar.waiters, &Signal, Waker::noop()),
            owes_notify: false,
        }
    }
}

impl Future for CondvarWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let signal = this.waiter.poll(cx, &this.condvar.waiters, &mut Signal);
        signal.map(|one| this.owes_notify = one)
    }
}

impl Drop for CondvarWait<'_> {
    fn drop(&mut self) {
        self.waiter.cancel(&self.condvar.waiters, &mut Signal);
        if self.owes_notify {
            // Chosen by `notify_one` but never returned: hand the notification on.
            self.condvar.notify_one();
        }
    }
}
