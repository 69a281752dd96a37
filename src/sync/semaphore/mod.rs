//! `Semaphore`: a fair counter of permits (asyncio's `asyncio.Semaphore`).
//!
//! # Design
//!
//! State: the number of available permits and one FIFO of waiters, each carrying how many
//! permits it asks for. Permits are **handed over**: `dispatch` serves the queue from the
//! front, deducting each grant from the count before waking the waiter, and stops at the
//! first request that does not fit. So a large `acquire_many` at the head blocks smaller
//! requests behind it (it cannot be starved by them), and a newcomer takes the fast path
//! only when nobody is queued.
//!
//! A waiter dropped after being granted returns its permits and re-runs `dispatch`; one
//! dropped while still queued re-runs it too (it may have been the head holding others
//! back). Either way no permit is lost.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::waiters::{WaitQueue, WaitRules, Waiter, wake_all};
use crate::debug::Wait;

/// A fair async semaphore: a count of permits that tasks acquire and release, as in
/// asyncio's `asyncio.Semaphore`.
///
/// [`acquire`](Self::acquire)`.await` takes one permit (waiting if none is available) and
/// returns a [`SemaphorePermit`]; dropping the permit gives it back.
/// [`acquire_many`](Self::acquire_many) takes several at once, atomically. The
/// [`acquire_owned`](Self::acquire_owned) variants take an `Rc<Semaphore>` and return an
/// [`OwnedSemaphorePermit`] that can be moved into a spawned task.
///
/// **Fair**: requests are served in FIFO order. A request at the head of the queue that
/// needs more permits than are available blocks the requests behind it, even smaller ones
/// that would fit, so it cannot be starved.
///
/// At most [`Semaphore::MAX_PERMITS`] permits may be available at once.
///
/// `Semaphore` is `!Send` and `!Sync`: share it between the tasks of one loop through an
/// `Rc`.
///
/// # Examples
///
/// At most two downloads at a time:
///
/// ```
/// use std::rc::Rc;
/// use evloop::sync::Semaphore;
/// evloop::run(async {
///     let limit = Rc::new(Semaphore::new(2));
///     let tasks: Vec<_> = (0..5)
///         .map(|i| {
///             let limit = limit.clone();
///             evloop::spawn(async move {
///                 let _permit = limit.acquire().await;
///                 evloop::yield_now().await; // "download" i
///                 i
///             })
///         })
///         .collect();
///     let done: Vec<_> = evloop::gather(tasks).await.into_iter().map(Result::unwrap).collect();
///     assert_eq!(done, [0, 1, 2, 3, 4]);
///     assert_eq!(limit.available_permits(), 2);
/// });
/// ```
#[doc(alias = "asyncio.Semaphore")]
pub struct Semaphore {
    state: RefCell<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Available now: permits granted to a waiter are already deducted.
    permits: usize,
    /// Each waiter's payload: how many permits it asks for.
    waiters: WaitQueue<usize>,
}

impl State {
    /// Gives back `n` permits (never panics) and grants them from the front of the queue;
    /// returns the wakers to wake outside the borrow.
    fn release(&mut self, n: usize) -> Vec<Waker> {
        self.permits = self.permits.saturating_add(n);
        dispatch(self)
    }
}

/// The wait of [`Acquire`] and [`AcquireOwned`], for [`Waiter`]: how many permits it asks
/// for.
struct Permits(usize);

impl WaitRules<State> for Permits {
    type Data = usize;
    type Output = ();

    fn waitable(&self) -> Wait {
        Wait::SEMAPHORE_ACQUIRE
    }

    fn queue(state: &mut State) -> &mut WaitQueue<usize> {
        &mut state.waiters
    }

    fn data(&self) -> usize {
        self.0
    }

    fn fast_path(&mut self, state: &mut State) -> Option<()> {
        // Nothing asked, nothing to wait for. Otherwise only if nobody is queued, so no one
        // is overtaken.
        if self.0 > 0 && (state.permits < self.0 || !state.waiters.is_empty()) {
            return None;
        }
        state.permits -= self.0;
        Some(())
    }

    /// Granted by `dispatch`, which already deducted our permits.
    fn take_grant(&mut self, _: &mut State, _: usize) {}

    fn leave(
        &mut self,
        state: &mut State,
        notified: bool,
        _: usize,
    ) -> impl IntoIterator<Item = Waker> + use<> {
        // Give back a grant never returned. Granted or not, the requests behind us may fit
        // now: `release` re-runs `dispatch`.
        state.release(if notified { self.0 } else { 0 })
    }
}

/// Grants permits from the front of the queue while the head's request fits; returns the
/// wakers to wake outside the borrow.
fn dispatch(state: &mut State) -> Vec<Waker> {
    let mut wakers = Vec::new();
    while let Some(&wanted) = state.waiters.front() {
        if wanted > state.permits {
            break; // FIFO: the head blocks everyone behind it
        }
        state.permits -= wanted;
        wakers.extend(state.waiters.notify_one());
    }
    wakers
}

#[track_caller]
fn check_request(n: usize) {
    assert!(
        n <= Semaphore::MAX_PERMITS,
        "Semaphore: a request for {n} permits can never be granted (the maximum is \
         Semaphore::MAX_PERMITS = {}); ask for fewer",
        Semaphore::MAX_PERMITS
    );
}

impl Semaphore {
    /// The largest number of permits a semaphore may have available at once:
    /// `usize::MAX >> 3`. The headroom above it means returning permits never overflows.
    pub const MAX_PERMITS: usize = usize::MAX >> 3;

    /// Creates a semaphore with `permits` available permits.
    ///
    /// # Panics
    ///
    /// Panics if `permits` exceeds [`Semaphore::MAX_PERMITS`].
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = evloop::sync::Semaphore::new(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        assert!(
            permits <= Self::MAX_PERMITS,
            "Semaphore::new({permits}): more than Semaphore::MAX_PERMITS = {}; use a smaller \
             count (an effectively unlimited semaphore needs no more)",
            Self::MAX_PERMITS
        );
        Semaphore {
            state: RefCell::new(State {
                permits,
                waiters: WaitQueue::new(),
            }),
        }
    }

    /// Number of permits available right now (not counting permits already granted to
    /// queued tasks that have not run yet).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = evloop::sync::Semaphore::new(2);
    /// let _p = sem.try_acquire().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.state.borrow().permits
    }

    /// Adds `n` permits, waking the queued tasks they satisfy (in FIFO order).
    ///
    /// # Panics
    ///
    /// Panics if the available permits would exceed [`Semaphore::MAX_PERMITS`].
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = evloop::sync::Semaphore::new(0);
    /// sem.add_permits(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        let available = self.available_permits();
        assert!(
            available
                .checked_add(n)
                .is_some_and(|total| total <= Self::MAX_PERMITS),
            "Semaphore::add_permits({n}) with {available} available exceeds \
             Semaphore::MAX_PERMITS = {}; add fewer permits",
            Self::MAX_PERMITS
        );
        self.release(n);
    }

    /// Gives back permits held by a permit or an unused grant (never panics).
    fn release(&self, n: usize) {
        let wakers = self.state.borrow_mut().release(n);
        wake_all(wakers);
    }

    /// Acquires one permit, waiting (in FIFO order) until one is available.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let sem = evloop::sync::Semaphore::new(1);
    ///     let permit = sem.acquire().await;
    ///     assert_eq!(sem.available_permits(), 0);
    ///     drop(permit);
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    ///
    /// # Cancellation
    ///
    /// The future registers at its first poll. Dropped before being granted, it leaves
    /// the queue (letting the requests behind it be re-examined). Dropped after being
    /// granted but before it returned, it gives the permit back, which goes to the next
    /// waiter: no permit is lost.
    pub fn acquire(&self) -> Acquire<'_> {
        self.acquire_many(1)
    }

    /// Acquires `n` permits at once, waiting (in FIFO order) until they are all available.
    ///
    /// While this request is at the head of the queue, smaller requests behind it wait too.
    /// `acquire_many(0)` completes at once.
    ///
    /// # Panics
    ///
    /// Panics if `n` exceeds [`Semaphore::MAX_PERMITS`] (it could never be granted).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let sem = evloop::sync::Semaphore::new(5);
    ///     let permit = sem.acquire_many(3).await;
    ///     assert_eq!(permit.num_permits(), 3);
    ///     assert_eq!(sem.available_permits(), 2);
    /// });
    /// ```
    ///
    /// # Cancellation
    ///
    /// As for [`acquire`](Self::acquire): all `n` permits are given back if it is dropped
    /// after being granted.
    #[track_caller]
    pub fn acquire_many(&self, n: usize) -> Acquire<'_> {
        check_request(n);
        Acquire {
            semaphore: self,
            permits: n,
            waiter: Waiter::Idle,
        }
    }

    /// Acquires one permit through an `Rc`, returning a permit that owns the `Rc` (and so
    /// can move into a spawned task).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// evloop::run(async {
    ///     let sem = Rc::new(evloop::sync::Semaphore::new(1));
    ///     let permit = sem.clone().acquire_owned().await;
    ///     let task = evloop::spawn(async move {
    ///         let _permit = permit; // released when the task ends
    ///     });
    ///     task.await.unwrap();
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    ///
    /// # Cancellation
    ///
    /// As for [`acquire`](Self::acquire).
    pub fn acquire_owned(self: Rc<Self>) -> AcquireOwned {
        self.acquire_many_owned(1)
    }

    /// Acquires `n` permits through an `Rc`; see [`acquire_many`](Self::acquire_many) and
    /// [`acquire_owned`](Self::acquire_owned).
    ///
    /// # Panics
    ///
    /// Panics if `n` exceeds [`Semaphore::MAX_PERMITS`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// evloop::run(async {
    ///     let sem = Rc::new(evloop::sync::Semaphore::new(4));
    ///     let permit = sem.clone().acquire_many_owned(4).await;
    ///     assert_eq!(permit.num_permits(), 4);
    ///     assert_eq!(sem.available_permits(), 0);
    /// });
    /// ```
    ///
    /// # Cancellation
    ///
    /// As for [`acquire`](Self::acquire).
    #[track_caller]
    pub fn acquire_many_owned(self: Rc<Self>, n: usize) -> AcquireOwned {
        check_request(n);
        AcquireOwned {
            semaphore: self,
            permits: n,
            waiter: Waiter::Idle,
        }
    }

    /// Takes one permit if that is possible without waiting.
    ///
    /// # Errors
    ///
    /// Returns [`TryAcquireError`] if no permit is available, or if tasks are queued
    /// (taking a permit would jump the queue).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = evloop::sync::Semaphore::new(1);
    /// let permit = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_err());
    /// drop(permit);
    /// assert!(sem.try_acquire().is_ok());
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if that is possible without waiting.
    ///
    /// # Errors
    ///
    /// Returns [`TryAcquireError`] if fewer than `n` permits are available, or if tasks
    /// are queued.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = evloop::sync::Semaphore::new(3);
    /// assert!(sem.try_acquire_many(4).is_err());
    /// let permit = sem.try_acquire_many(3).unwrap();
    /// assert_eq!(permit.num_permits(), 3);
    /// ```
    pub fn try_acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_take(n)?;
        Ok(SemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    fn try_take(&self, n: usize) -> Result<(), TryAcquireError> {
        let mut state = self.state.borrow_mut();
        if n == 0 {
            return Ok(());
        }
        if state.permits < n || !state.waiters.is_empty() {
            return Err(TryAcquireError(()));
        }
        state.permits -= n;
        Ok(())
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("Semaphore")
            .field("permits", &state.permits)
            .field("waiters", &state.waiters.waiting())
            .finish()
    }
}

/// Future returned by [`Semaphore::acquire`] and [`Semaphore::acquire_many`].
///
/// # Panics
///
/// Polling it again after it returned the permit panics (one rule for every wait future:
/// see [Polling after completion](super#polling-after-completion)).
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let sem = evloop::sync::Semaphore::new(1);
///     let acquire: evloop::sync::Acquire<'_> = sem.acquire();
///     let permit = acquire.await;
///     assert_eq!(sem.available_permits(), 0);
///     drop(permit);
///     assert_eq!(sem.available_permits(), 1);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Acquire<'a> {
    semaphore: &'a Semaphore,
    permits: usize,
    waiter: Waiter,
}

impl<'a> Future for Acquire<'a> {
    type Output = SemaphorePermit<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit<'a>> {
        let (semaphore, permits) = (self.semaphore, self.permits);
        let acquire = self
            .waiter
            .poll(cx, &semaphore.state, &mut Permits(permits));
        acquire.map(|()| SemaphorePermit { semaphore, permits })
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        self.waiter
            .cancel(&self.semaphore.state, &mut Permits(self.permits));
    }
}

/// Future returned by [`Semaphore::acquire_owned`] and [`Semaphore::acquire_many_owned`].
///
/// # Panics
///
/// As for [`Acquire`]: polling it again after it returned the permit panics.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// evloop::run(async {
///     let sem = Rc::new(evloop::sync::Semaphore::new(1));
///     let acquire: evloop::sync::AcquireOwned = sem.clone().acquire_owned();
///     let permit = acquire.await;
///     assert_eq!(sem.available_permits(), 0);
///     drop(permit);
///     assert_eq!(sem.available_permits(), 1);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct AcquireOwned {
    semaphore: Rc<Semaphore>,
    permits: usize,
    waiter: Waiter,
}

impl Future for AcquireOwned {
    type Output = OwnedSemaphorePermit;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<OwnedSemaphorePermit> {
        let this = &mut *self;
        let acquire = this
            .waiter
            .poll(cx, &this.semaphore.state, &mut Permits(this.permits));
        acquire.map(|()| OwnedSemaphorePermit {
            semaphore: this.semaphore.clone(),
            permits: this.permits,
        })
    }
}

impl Drop for AcquireOwned {
    fn drop(&mut self) {
        self.waiter
            .cancel(&self.semaphore.state, &mut Permits(self.permits));
    }
}

mod permit;

pub use permit::{OwnedSemaphorePermit, SemaphorePermit, TryAcquireError};
