//! `Notify`: wake one waiting task, or all of them, without sharing any data.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::waiters::{WaitQueue, WaitRules, Waiter, wake_all};
use crate::debug::Wait;

/// Wakes waiting tasks without sharing data: the building block of hand-made primitives
/// (tokio's `Notify`; in asyncio, a `Condition` without its lock).
///
/// * [`notified`](Self::notified)`.await` waits for a notification.
/// * [`notify_one`](Self::notify_one) wakes the oldest waiter; if nobody waits, it stores
///   **one** permit, consumed by the next `notified()` (which then completes at once).
///   Permits do not pile up: several `notify_one` calls with nobody waiting store one.
/// * [`notify_waiters`](Self::notify_waiters) wakes every current waiter and stores nothing.
///
/// Waiters are served in FIFO order. A `notified()` future registers at its first poll, so
/// only notifications sent after that poll reach it (plus a stored permit). In a
/// single-threaded loop, `if !ready() { notify.notified().await }` cannot miss a
/// notification: nothing else runs between the check and the first poll.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use evloop::sync::Notify;
/// evloop::run(async {
///     let notify = Rc::new(Notify::new());
///     let value = Rc::new(Cell::new(0));
///     let consumer = evloop::spawn({
///         let (notify, value) = (notify.clone(), value.clone());
///         async move {
///             while value.get() == 0 {
///                 notify.notified().await;
///             }
///             value.get()
///         }
///     });
///     value.set(7);
///     notify.notify_one();
///     assert_eq!(consumer.await.unwrap(), 7);
/// });
/// ```
pub struct Notify {
    state: RefCell<State>,
}

#[derive(Debug, Default)]
struct State {
    /// A `notify_one` found nobody waiting.
    permit: bool,
    /// Each waiter's payload: "notified by `notify_one`" (a grant to pass on if unused).
    waiters: WaitQueue<bool>,
}

impl State {
    /// Notifies the oldest waiter (returning its waker, to wake after the borrow), or
    /// stores the permit if nobody waits.
    fn notify_one(&mut self) -> Option<Waker> {
        let waker = self.waiters.notify_one_with(|one| *one = true);
        if waker.is_none() {
            self.permit = true;
        }
        waker
    }
}

/// The wait of [`Notified`], for [`Waiter`]: for a notification.
struct Notification;

impl WaitRules<State> for Notification {
    type Data = bool;
    type Output = ();

    fn waitable(&self) -> Wait {
        Wait::NOTIFY_NOTIFIED
    }

    fn queue(state: &mut State) -> &mut WaitQueue<bool> {
        &mut state.waiters
    }

    fn data(&self) -> bool {
        false
    }

    /// A stored permit means nobody is queued (a `notify_one` found nobody waiting).
    fn fast_path(&mut self, state: &mut State) -> Option<()> {
        if !state.permit {
            return None;
        }
        state.permit = false;
        Some(())
    }

    fn take_grant(&mut self, _: &mut State, _: bool) {}

    fn leave(
        &mut self,
        state: &mut State,
        notified: bool,
        one: bool,
    ) -> impl IntoIterator<Item = Waker> + use<> {
        // Chosen by `notify_one` but never returned: hand the notification on.
        if notified && one {
            state.notify_one()
        } else {
            None
        }
    }
}

impl Notify {
    /// Creates a `Notify` with no stored permit.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// evloop::run(async {
    ///     let notify = evloop::sync::Notify::new();
    ///     notify.notify_waiters(); // nobody waits: nothing happens
    ///     // No permit: `notified()` waits (even a zero timeout expires first).
    ///     assert!(evloop::wait_for(Duration::ZERO, notify.notified()).await.is_err());
    /// });
    /// ```
    pub fn new() -> Notify {
        Notify {
            state: RefCell::new(State::default()),
        }
    }

    /// Waits for a notification.
    ///
    /// Completes at once if a [`notify_one`](Self::notify_one) left a permit (consuming it);
    /// otherwise waits, in FIFO order with the other waiters, for `notify_one` or
    /// [`notify_waiters`](Self::notify_waiters).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// evloop::run(async {
    ///     let notify = evloop::sync::Notify::new();
    ///     notify.notify_one(); // nobody waits yet: stores a permit
    ///     notify.notified().await; // consumes it
    ///     // The permit is gone: the next `notified()` waits (a zero timeout expires first).
    ///     assert!(evloop::wait_for(Duration::ZERO, notify.notified()).await.is_err());
    /// });
    /// ```
    ///
    /// # Cancellation
    ///
    /// The future registers at its first poll. Dropped before being notified, it just
    /// leaves the queue. Dropped after a `notify_one` chose it but before it returned, it
    /// passes that notification on (to the next waiter, or as the stored permit), so a
    /// cancellation never loses a `notify_one`. A `notify_waiters` wake-up is not passed
    /// on: every waiter got one.
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            waiter: Waiter::Idle,
        }
    }

    /// Wakes the oldest waiter, or stores one permit for the next
    /// [`notified`](Self::notified) if nobody waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// use evloop::sync::Notify;
    /// evloop::run(async {
    ///     let notify = Rc::new(Notify::new());
    ///     let waiter = |notify: Rc<Notify>| evloop::spawn(async move { notify.notified().await });
    ///     let (first, second) = (waiter(notify.clone()), waiter(notify.clone()));
    ///     evloop::yield_now().await; // both waiters are queued
    ///     notify.notify_one();
    ///     first.await.unwrap(); // the oldest wakes
    ///     assert!(!second.is_finished()); // the other still waits
    /// });
    /// ```
    pub fn notify_one(&self) {
        let waker = self.state.borrow_mut().notify_one();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wakes every task currently waiting in [`notified`](Self::notified); stores nothing
    /// for later ones.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// use std::time::Duration;
    /// use evloop::sync::Notify;
    /// evloop::run(async {
    ///     let notify = Rc::new(Notify::new());
    ///     let waiters: Vec<_> = (0..3)
    ///         .map(|_| {
    ///             let notify = notify.clone();
    ///             evloop::spawn(async move { notify.notified().await })
    ///         })
    ///         .collect();
    ///     evloop::yield_now().await; // all three are queued
    ///     notify.notify_waiters();
    ///     evloop::yield_now().await; // they run
    ///     assert!(waiters.iter().all(|waiter| waiter.is_finished()));
    ///     // Nothing is stored for a later waiter (a zero timeout expires first):
    ///     assert!(evloop::wait_for(Duration::ZERO, notify.notified()).await.is_err());
    /// });
    /// ```
    pub fn notify_waiters(&self) {
        let wakers = self.state.borrow_mut().waiters.notify_all();
        wake_all(wakers);
    }
}

impl Default for Notify {
    fn default() -> Self {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("Notify")
            .field("permit", &state.permit)
            .field("waiters", &state.waiters.waiting())
            .finish()
    }
}

/// Future returned by [`Notify::notified`].
///
/// # Panics
///
/// Polling it again after it returned `Ready` panics (one rule for every wait future: see
/// [Polling after completion](super#polling-after-completion)); call
/// [`Notify::notified`] again to wait for the next notification.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// evloop::run(async {
///     let notify = evloop::sync::Notify::new();
///     let notified: evloop::sync::Notified<'_> = notify.notified();
///     notify.notify_one(); // `notified` was never polled, so not queued: stores a permit
///     // It takes the permit at once (even a zero timeout does not expire first).
///     assert!(evloop::wait_for(Duration::ZERO, notified).await.is_ok());
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Notified<'a> {
    notify: &'a Notify,
    waiter: Waiter,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let notify = self.notify;
        self.waiter.poll(cx, &notify.state, &mut Notification)
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        self.waiter.cancel(&self.notify.state, &mut Notification);
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("notify", self.notify)
            .field("registered", &self.waiter.is_queued())
            .finish()
    }
}
