//! `Mutex<T>`: a fair async lock around a value (asyncio's `asyncio.Lock`).
//!
//! # Design
//!
//! The lock state (`locked` + a FIFO of waiters) and the value live in two `RefCell`s. The
//! value's `RefCell` is only ever borrowed by a [`MutexGuard`], and the lock protocol makes
//! sure at most one guard exists, so that borrow never fails; it buys "no `unsafe`" for
//! the price of one flag check.
//!
//! Unlocking **hands the lock over**: if a task is queued, the lock stays locked and now
//! belongs to the oldest waiter, which finds it granted when it is next polled. A newcomer
//! therefore never barges ahead of queued tasks (the fast path in `lock` and `try_lock`
//! requires "unlocked and nobody queued"). A waiter dropped after the hand-over but before
//! it returned hands the lock on in turn, so cancellation never strands the lock.

use std::cell::{RefCell, RefMut};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::waiters::{WaitQueue, WaitRules, Waiter};
use crate::debug::Wait;

/// An async mutual-exclusion lock around a value: asyncio's `asyncio.Lock`, holding the
/// data it protects.
///
/// [`lock`](Self::lock)`.await` returns a [`MutexGuard`] that derefs to the value; dropping
/// the guard unlocks. Unlike `std::sync::Mutex`, the guard may be held across `.await`
/// points: other tasks wait for it without blocking the loop.
///
/// **Fair**: waiters get the lock in the order they started waiting (FIFO). Unlocking hands
/// the lock directly to the oldest waiter, so no task can take it in between.
///
/// There is no poisoning: a task that panics while holding the guard releases the lock as
/// it unwinds (or when it is aborted), and the value stays as that task left it.
///
/// `Mutex` is `!Send` and `!Sync`: share it between the tasks of one loop through an `Rc`.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use evloop::sync::Mutex;
/// evloop::run(async {
///     let counter = Rc::new(Mutex::new(0));
///     let tasks: Vec<_> = (0..10)
///         .map(|_| {
///             let counter = counter.clone();
///             evloop::spawn(async move {
///                 let mut n = counter.lock().await;
///                 evloop::yield_now().await; // still ours across the await
///                 *n += 1;
///             })
///         })
///         .collect();
///     evloop::gather(tasks).await;
///     assert_eq!(*counter.lock().await, 10);
/// });
/// ```
///
/// ```compile_fail
/// fn assert_send<T: Send>() {}
/// assert_send::<evloop::sync::Mutex<i32>>(); // one loop, one thread
/// ```
#[doc(alias = "Lock")]
#[doc(alias = "asyncio.Lock")]
pub struct Mutex<T: ?Sized> {
    state: RefCell<State>,
    value: RefCell<T>,
}

#[derive(Debug, Default)]
struct State {
    /// Held by a guard, or granted to a queued waiter that has not returned yet.
    locked: bool,
    waiters: WaitQueue,
}

impl State {
    /// Unlocks: hands the lock to the oldest waiter (returning its waker, to wake after the
    /// borrow), or marks it free if nobody waits.
    fn unlock(&mut self) -> Option<Waker> {
        let waker = self.waiters.notify_one();
        // With a waiter notified, the lock stays locked: it is that waiter's now.
        self.locked = waker.is_some();
        waker
    }
}

/// The wait of [`MutexLock`], for [`Waiter`].
struct Lock;

impl WaitRules<State> for Lock {
    type Data = ();
    type Output = ();

    fn waitable(&self) -> Wait {
        Wait::MUTEX_LOCK
    }

    fn queue(state: &mut State) -> &mut WaitQueue {
        &mut state.waiters
    }

    fn data(&self) {}

    fn fast_path(&mut self, state: &mut State) -> Option<()> {
        // Only if free and nobody is queued (a queued task must not be overtaken).
        if state.locked || !state.waiters.is_empty() {
            return None;
        }
        state.locked = true;
        Some(())
    }

    /// Handed over by `unlock`: `locked` stayed true on our behalf.
    fn take_grant(&mut self, _: &mut State, (): ()) {}

    fn leave(
        &mut self,
        state: &mut State,
        notified: bool,
        (): (),
    ) -> impl IntoIterator<Item = Waker> + use<> {
        // The lock was handed to us and we never took it: hand it on.
        if notified { state.unlock() } else { None }
    }
}

impl<T> Mutex<T> {
    /// Creates an unlocked mutex holding `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mutex = evloop::sync::Mutex::new(5);
    /// assert!(!mutex.is_locked());
    /// ```
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            state: RefCell::new(State::default()),
            value: RefCell::new(value),
        }
    }

    /// Consumes the mutex and returns the value.
    ///
    /// # Examples
    ///
    /// ```
    /// let mutex = evloop::sync::Mutex::new(String::from("hi"));
    /// assert_eq!(mutex.into_inner(), "hi");
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, waiting (in FIFO order) while another task holds it.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let mutex = evloop::sync::Mutex::new(vec![1]);
    ///     mutex.lock().await.push(2);
    ///     assert_eq!(*mutex.lock().await, [1, 2]);
    /// });
    /// ```
    ///
    /// # Cancellation
    ///
    /// The future registers at its first poll. Dropped before the lock was handed to it,
    /// it just leaves the queue. Dropped after the lock was handed to it but before it
    /// returned the guard, it hands the lock to the next waiter (or unlocks): nothing is
    /// lost either way.
    pub fn lock(&self) -> MutexLock<'_, T> {
        MutexLock {
            mutex: self,
            waiter: Waiter::Idle,
        }
    }

    /// Locks the mutex if that is possible without waiting.
    ///
    /// # Errors
    ///
    /// Returns [`TryLockError`] if the mutex is locked, or if tasks are queued for it
    /// (taking it would jump the queue).
    ///
    /// # Examples
    ///
    /// ```
    /// let mutex = evloop::sync::Mutex::new(1);
    /// let guard = mutex.try_lock().unwrap();
    /// assert!(mutex.try_lock().is_err());
    /// drop(guard);
    /// assert!(mutex.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        let mut state = self.state.borrow_mut();
        if state.locked || !state.waiters.is_empty() {
            return Err(TryLockError(()));
        }
        state.locked = true;
        drop(state);
        Ok(MutexGuard::new(self))
    }

    /// Whether the mutex is locked (held, or handed to a waiter that has not run yet).
    ///
    /// # Examples
    ///
    /// ```
    /// let mutex = evloop::sync::Mutex::new(());
    /// let guard = mutex.try_lock().unwrap();
    /// assert!(mutex.is_locked());
    /// drop(guard);
    /// assert!(!mutex.is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.state.borrow().locked
    }

    /// A mutable reference to the value; no locking needed, since `&mut self` proves no
    /// guard exists.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mutex = evloop::sync::Mutex::new(1);
    /// *mutex.get_mut() += 1;
    /// assert_eq!(mutex.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// Unlocks: hands the lock to the oldest waiter, or marks it free if nobody waits.
    fn unlock(&self) {
        let waker = self.state.borrow_mut().unlock();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        let mut d = f.debug_struct("Mutex");
        match self.value.try_borrow() {
            Ok(value) if !state.locked => d.field("data", &&*value),
            _ => d.field("data", &format_args!("<locked>")),
        };
        d.field("waiters", &state.waiters.waiting()).finish()
    }
}

/// Future returned by [`Mutex::lock`]: resolves to the guard.
///
/// # Panics
///
/// Polling it again after it returned the guard panics (one rule for every wait future:
/// see [Polling after completion](super#polling-after-completion)).
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let mutex = evloop::sync::Mutex::new(0);
///     let lock: evloop::sync::MutexLock<'_, i32> = mutex.lock();
///     *lock.await += 1;
///     assert_eq!(*mutex.lock().await, 1);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct MutexLock<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    waiter: Waiter,
}

impl<'a, T: ?Sized> Future for MutexLock<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let mutex = self.mutex;
        let lock = self.waiter.poll(cx, &mutex.state, &mut Lock);
        lock.map(|()| MutexGuard::new(mutex))
    }
}

impl<T: ?Sized> Drop for MutexLock<'_, T> {
    fn drop(&mut self) {
        self.waiter.cancel(&self.mutex.state, &mut Lock);
    }
}

impl<T: ?Sized> fmt::Debug for MutexLock<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MutexLock")
            .field("registered", &self.waiter.is_queued())
            .field("done", &self.waiter.is_done())
            .finish_non_exhaustive()
    }
}

/// Holds a [`Mutex`] locked; derefs to the protected value. Dropping it unlocks, handing
/// the lock to the oldest waiting task.
///
/// `!Send`: it must be dropped on the loop's thread.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let mutex = evloop::sync::Mutex::new(String::new());
///     let mut guard = mutex.lock().await;
///     guard.push_str("held");
///     assert_eq!(*guard, "held");
///     drop(guard);
///     assert!(!mutex.is_locked());
/// });
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    /// `Some` until the guard is dropped: released *before* the lock is handed on.
    value: Option<RefMut<'a, T>>,
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Wraps a lock the caller just acquired.
    fn new(mutex: &'a Mutex<T>) -> Self {
        let value = mutex
            .value
            .try_borrow_mut()
            .expect("evloop Mutex: a second guard (lock protocol broken)");
        MutexGuard {
            mutex,
            value: Some(value),
        }
    }

    /// The mutex this guard locks (for `Condvar`, which unlocks and relocks it).
    pub(super) fn source(this: &Self) -> &'a Mutex<T> {
        this.mutex
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.value.as_deref().expect("guard is live")
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value.as_deref_mut().expect("guard is live")
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.value = None;
        self.mutex.unlock();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// The lock could not be taken without waiting: returned by [`Mutex::try_lock`],
/// [`RwLock::try_read`](super::RwLock::try_read) and
/// [`RwLock::try_write`](super::RwLock::try_write).
///
/// # Examples
///
/// ```
/// let mutex = evloop::sync::Mutex::new(());
/// let _guard = mutex.try_lock().unwrap();
/// let err = mutex.try_lock().unwrap_err();
/// assert_eq!(err.to_string(), "lock is held, or tasks are queued for it");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TryLockError(pub(super) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("lock is held, or tasks are queued for it")
    }
}

impl Error for TryLockError {}
