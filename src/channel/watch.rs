//! A watch channel: one [`Sender`] publishes a value, any number of [`Receiver`]s read the
//! latest one and can wait for it to change.
//!
//! # Design
//!
//! The shared state holds the value in its own `RefCell` (so a [`borrow`](Receiver::borrow)
//! never conflicts with the bookkeeping) next to a `RefCell` of bookkeeping: a version
//! number bumped by every send, whether the sender is alive, the receiver count, and a FIFO
//! `WaitQueue` of [`changed`](Receiver::changed) futures. Each receiver remembers the last
//! version it has *seen*; `changed` completes when the current version differs. Receivers
//! see the latest value only: intermediate values sent between two reads are skipped.
//!
//! # Ground rules
//!
//! * The bookkeeping borrow is held only inside one call; wakers are woken and old values
//!   dropped after it is released.
//! * A `Ref` returned by `borrow` holds the value's `RefCell`: drop it before sending (and
//!   never hold it across an `.await`), or the send panics.
//! * Dropping the sender is reported to every receiver (`changed` returns `Err`); dropping
//!   every receiver is reported to the sender (`send` returns `Err` with the value).

use std::cell::{Ref, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

pub use super::{RecvError, SendError};
use crate::debug::Wait;
use crate::sync::waiters::{WaitQueue, WaitRules, Waiter, wake_all};

struct Shared<T> {
    value: RefCell<T>,
    state: RefCell<State>,
}

struct State {
    /// Bumped by every send.
    version: u64,
    sender_alive: bool,
    receivers: usize,
    /// `changed` futures.
    waiters: WaitQueue,
}

impl<T> Shared<T> {
    /// Replaces the value through `f` and tells the receivers; returns what `f` returned.
    #[track_caller]
    fn modify<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let result = {
            let mut value = self.value.try_borrow_mut().unwrap_or_else(|_| {
                panic!(
                    "watch::Sender: cannot send while a `borrow()` of the value is alive; drop \
                     the `Ref` first (and never hold it across an `.await`)"
                )
            });
            f(&mut value)
        };
        let mut state = self.state.borrow_mut();
        state.version += 1;
        let wakers = state.waiters.notify_all();
        drop(state);
        wake_all(wakers);
        result
    }
}

/// Creates a watch channel holding `initial`.
///
/// The initial value counts as seen: [`Receiver::changed`] waits for the first send.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let (tx, mut rx) = evloop::channel::watch::channel("starting");
///     let watcher = evloop::spawn(async move {
///         rx.changed().await.unwrap();
///         *rx.borrow_and_update()
///     });
///     evloop::yield_now().await;
///     tx.send("ready").unwrap();
///     assert_eq!(watcher.await.unwrap(), "ready");
/// });
/// ```
pub fn channel<T>(initial: T) -> (Sender<T>, Receiver<T>) {
    let shared = Rc::new(Shared {
        value: RefCell::new(initial),
        state: RefCell::new(State {
            version: 0,
            sender_alive: true,
            receivers: 1,
            waiters: WaitQueue::new(),
        }),
    });
    let rx = Receiver {
        shared: shared.clone(),
        seen: 0,
    };
    (Sender { shared }, rx)
}

/// The sending end: publishes new values.
///
/// Dropping it makes every [`Receiver::changed`] return [`RecvError`] (once the receiver
/// has seen the last value).
///
/// # Examples
///
/// ```
/// let (tx, rx) = evloop::channel::watch::channel(0);
/// tx.send(1).unwrap();
/// assert_eq!(*rx.borrow(), 1);
/// ```
pub struct Sender<T> {
    shared: Rc<Shared<T>>,
}

impl<T> Sender<T> {
    /// Replaces the value and wakes every receiver waiting in
    /// [`changed`](Receiver::changed).
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if every receiver is gone (the stored value is left
    /// unchanged; [`send_replace`](Self::send_replace) stores it anyway).
    ///
    /// # Panics
    ///
    /// Panics if a [`borrow`](Self::borrow) of the value is alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::channel::watch::channel(1);
    /// assert!(tx.send(2).is_ok());
    /// drop(rx);
    /// assert_eq!(tx.send(3).unwrap_err().0, 3);
    /// ```
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.state.borrow().receivers == 0 {
            return Err(SendError(value));
        }
        drop(self.send_replace(value));
        Ok(())
    }

    /// Replaces the value (even with no receiver left), wakes the waiting receivers, and
    /// returns the old value.
    ///
    /// # Panics
    ///
    /// Panics if a [`borrow`](Self::borrow) of the value is alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = evloop::channel::watch::channel('a');
    /// assert_eq!(tx.send_replace('b'), 'a');
    /// ```
    #[track_caller]
    pub fn send_replace(&self, value: T) -> T {
        self.shared
            .modify(|current| std::mem::replace(current, value))
    }

    /// Modifies the value in place (even with no receiver left) and wakes the waiting
    /// receivers.
    ///
    /// # Panics
    ///
    /// Panics if a [`borrow`](Self::borrow) of the value is alive, or if `modify` uses
    /// this channel (the value is borrowed while it runs). If `modify` panics, the receivers
    /// are not notified.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::channel::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// ```
    #[track_caller]
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.shared.modify(modify);
    }

    /// Borrows the current value.
    ///
    /// # Panics
    ///
    /// Panics while `send_modify` runs (from inside its closure).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = evloop::channel::watch::channel("v1");
    /// assert_eq!(*tx.borrow(), "v1");
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        self.shared.value.borrow()
    }

    /// A new receiver; the current value counts as seen by it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::channel::watch::channel(0);
    /// drop(rx);
    /// let rx = tx.subscribe();
    /// assert!(tx.send(1).is_ok());
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        let mut state = self.shared.state.borrow_mut();
        state.receivers += 1;
        let seen = state.version;
        drop(state);
        Receiver {
            shared: self.shared.clone(),
            seen,
        }
    }

    /// Number of live receivers.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::channel::watch::channel(());
    /// let _rx2 = rx.clone();
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.state.borrow().receivers
    }

    /// Whether every receiver is gone: [`send`](Self::send) would fail.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::channel::watch::channel(());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut state = self.shared.state.borrow_mut();
        state.sender_alive = false;
        let wakers = state.waiters.notify_all();
        drop(state);
        wake_all(wakers);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state.borrow();
        f.debug_struct("Sender")
            .field("version", &state.version)
            .field("receivers", &state.receivers)
            .finish()
    }
}

/// A receiving end: reads the latest value and waits for changes. Clone it for more
/// receivers (the clone has seen what this one has seen).
///
/// # Examples
///
/// ```
/// let (tx, rx) = evloop::channel::watch::channel(10);
/// let rx2 = rx.clone();
/// tx.send(11).unwrap();
/// assert_eq!((*rx.borrow(), *rx2.borrow()), (11, 11));
/// ```
pub struct Receiver<T> {
    shared: Rc<Shared<T>>,
    /// The last version this receiver has seen.
    seen: u64,
}

impl<T> Receiver<T> {
    /// Borrows the latest value, without marking it seen.
    ///
    /// Drop the `Ref` soon: while it is alive, sends panic.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::channel::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow(), 2);
    /// assert_eq!(rx.has_changed(), Ok(true)); // still unseen
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        self.shared.value.borrow()
    }

    /// Borrows the latest value and marks it seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::channel::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow_and_update(), 2);
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        self.seen = self.shared.state.borrow().version;
        self.shared.value.borrow()
    }

    /// Whether a value was sent since this receiver last saw one.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if there is no unseen value and the sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::channel::watch::channel(());
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// drop(tx);
    /// assert!(rx.has_changed().is_err());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.state.borrow();
        if state.version != self.seen {
            Ok(true)
        } else if state.sender_alive {
            Ok(false)
        } else {
            Err(RecvError)
        }
    }

    /// Waits until a value is sent that this receiver has not seen, and marks it seen.
    ///
    /// Completes at once if such a value is already there. Values sent between two reads
    /// are not queued: read the latest with [`borrow`](Self::borrow) afterwards.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once the sender is gone and this receiver has seen the last value.
    ///
    /// # Cancellation
    ///
    /// Dropping the future loses nothing: the value stays unseen.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (tx, mut rx) = evloop::channel::watch::channel(0);
    ///     tx.send(1).unwrap();
    ///     tx.send(2).unwrap();
    ///     assert!(rx.changed().await.is_ok()); // one change seen: 2
    ///     assert_eq!(*rx.borrow(), 2);
    ///     drop(tx);
    ///     assert!(rx.changed().await.is_err());
    /// });
    /// ```
    pub fn changed(&mut self) -> Changed<'_, T> {
        Changed {
            rx: self,
            waiter: Waiter::Idle,
        }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.state.borrow_mut().receivers += 1;
        Receiver {
            shared: self.shared.clone(),
            seen: self.seen,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.shared.state.borrow_mut().receivers -= 1;
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state.borrow();
        f.debug_struct("Receiver")
            .field("seen", &self.seen)
            .field("version", &state.version)
            .field("sender_alive", &state.sender_alive)
            .finish()
    }
}

/// Future of [`Receiver::changed`].
///
/// # Cancellation
///
/// Dropping it loses nothing.
///
/// # Panics
///
/// Polling it again after it returned panics (one rule for every wait future: see
/// [Polling after completion](crate::sync#polling-after-completion)); call
/// [`Receiver::changed`] again to wait for the next change.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let (tx, mut rx) = evloop::channel::watch::channel(0);
///     let watcher = evloop::spawn(async move { rx.changed().await });
///     evloop::yield_now().await;
///     tx.send_modify(|v| *v += 1);
///     assert!(watcher.await.unwrap().is_ok());
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Changed<'a, T> {
    rx: &'a mut Receiver<T>,
    waiter: Waiter,
}

/// The wait of [`Changed`]: for a version the receiver has not seen (or the sender's drop).
struct Unseen<'s>(&'s mut u64);

impl WaitRules<State> for Unseen<'_> {
    type Data = ();
    type Output = Result<(), RecvError>;

    fn waitable(&self) -> Wait {
        Wait::WATCH_CHANGED
    }

    fn queue(state: &mut State) -> &mut WaitQueue {
        &mut state.waiters
    }

    fn data(&self) {}

    /// Each receiver has its own "seen" version: seeing a change takes nothing from the
    /// others.
    fn fast_path(&mut self, state: &mut State) -> Option<Self::Output> {
        if state.version != *self.0 {
            *self.0 = state.version;
            Some(Ok(()))
        } else if !state.sender_alive {
            Some(Err(RecvError))
        } else {
            None
        }
    }

    fn take_grant(&mut self, state: &mut State, (): ()) -> Self::Output {
        self.fast_path(state).expect(
            "evloop watch: every wake-up follows a send or the sender's drop, so a woken \
             receiver has a change to see (channel protocol broken)",
        )
    }
}

impl<T> Future for Changed<'_, T> {
    type Output = Result<(), RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let rx = &mut *this.rx;
        this.waiter
            .poll(cx, &rx.shared.state, &mut Unseen(&mut rx.seen))
    }
}

impl<T> Drop for Changed<'_, T> {
    fn drop(&mut self) {
        let rx = &mut *self.rx;
        self.waiter
            .cancel(&rx.shared.state, &mut Unseen(&mut rx.seen));
    }
}

impl<T> fmt::Debug for Changed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Changed")
            .field("waiting", &self.waiter.is_queued())
            .finish()
    }
}
