//! `RwLock<T>`: a fair async reader-writer lock around a value.
//!
//! # Design
//!
//! State: the number of readers holding the lock, whether a writer holds it, and one FIFO
//! of waiters, each marked read or write. Like [`Mutex`](super::Mutex), the value sits in
//! a `RefCell` that only guards borrow, and the protocol guarantees those borrows succeed.
//!
//! Fairness is FIFO: `dispatch` grants from the front of the queue, as many
//! consecutive readers as there are, or one writer once the lock is free, and stops at the
//! first waiter that cannot go. A newcomer takes the fast path only if nobody is queued, so
//! a queued writer blocks every reader that arrives after it (writers cannot starve), and
//! the readers queued behind a writer go together once it is done (readers cannot starve
//! either). A waiter dropped after being granted gives its grant back and re-runs
//! `dispatch`; one dropped while blocking the head (a writer) re-runs it too, so the
//! readers behind it are not left waiting.

use std::cell::{Ref, RefCell, RefMut};
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::mutex::TryLockError;
use super::waiters::{WaitQueue, WaitRules, Waiter, wake_all};
use crate::debug::Wait;

/// An async reader-writer lock around a value: many readers at once, or one writer.
///
/// [`read`](Self::read)`.await` returns a [`RwLockReadGuard`] (shared access),
/// [`write`](Self::write)`.await` a [`RwLockWriteGuard`] (exclusive access). Guards may be
/// held across `.await` points.
///
/// **Fair**: waiters are served in arrival order. A writer waiting for the readers to
/// leave blocks the readers that arrive after it, so a stream of readers cannot starve a
/// writer; the readers queued behind that writer then go together. As with
/// [`Mutex`](super::Mutex), there is no poisoning.
///
/// `RwLock` is `!Send` and `!Sync`: share it between the tasks of one loop through an `Rc`.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use evloop::sync::RwLock;
/// evloop::run(async {
///     let config = Rc::new(RwLock::new(String::from("v1")));
///     let (a, b) = (config.read().await, config.read().await); // two readers at once
///     assert_eq!((a.as_str(), b.as_str()), ("v1", "v1"));
///     drop((a, b));
///     *config.write().await = String::from("v2");
///     assert_eq!(*config.read().await, "v2");
/// });
/// ```
pub struct RwLock<T: ?Sized> {
    state: RefCell<State>,
    value: RefCell<T>,
}

/// What a queued waiter wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

#[derive(Debug, Default)]
struct State {
    /// Readers holding the lock, counting granted ones that have not returned yet.
    readers: usize,
    /// A writer holds the lock (or was granted it and has not returned yet).
    writer: bool,
    waiters: WaitQueue<Access>,
}

impl State {
    /// Gives back one read or write hold and grants the lock to whoever may go next;
    /// returns the wakers to wake outside the borrow.
    fn release(&mut self, access: Access) -> Vec<Waker> {
        match access {
            Access::Read => self.readers -= 1,
            Access::Write => self.writer = false,
        }
        dispatch(self)
    }
}

/// The wait of [`RwLockRead`] and [`RwLockWrite`], for [`Waiter`]: the access it wants.
impl WaitRules<State> for Access {
    type Data = Access;
    type Output = ();

    fn waitable(&self) -> Wait {
        match self {
            Access::Read => Wait::RWLOCK_READ,
            Access::Write => Wait::RWLOCK_WRITE,
        }
    }

    fn queue(state: &mut State) -> &mut WaitQueue<Access> {
        &mut state.waiters
    }

    fn data(&self) -> Access {
        *self
    }

    fn fast_path(&mut self, state: &mut State) -> Option<()> {
        // Only if nobody is queued, so no one is overtaken.
        if state.writer || !state.waiters.is_empty() {
            return None;
        }
        match self {
            Access::Read => state.readers += 1,
            Access::Write if state.readers == 0 => state.writer = true,
            Access::Write => return None,
        }
        Some(())
    }

    /// Granted by `dispatch`, which already counted us in.
    fn take_grant(&mut self, _: &mut State, _: Access) {}

    fn leave(
        &mut self,
        state: &mut State,
        notified: bool,
        _: Access,
    ) -> impl IntoIterator<Item = Waker> + use<> {
        // Granted but never returned: give the grant back. Granted or not, whoever was
        // behind us may be able to go now.
        if notified {
            state.release(*self)
        } else {
            dispatch(state)
        }
    }
}

/// Grants the lock from the front of the queue: consecutive readers while no writer holds
/// it, or one writer once it is free. Returns the wakers to wake outside the borrow.
fn dispatch(state: &mut State) -> Vec<Waker> {
    let mut wakers = Vec::new();
    loop {
        match state.waiters.front() {
            Some(Access::Read) if !state.writer => state.readers += 1,
            Some(Access::Write) if !state.writer && state.readers == 0 => state.writer = true,
            _ => break,
        }
        wakers.extend(state.waiters.notify_one());
        if state.writer {
            break;
        }
    }
    wakers
}

impl<T> RwLock<T> {
    /// Creates an unlocked `RwLock` holding `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::RwLock::new(0);
    /// assert!(lock.try_write().is_ok());
    /// ```
    pub fn new(value: T) -> RwLock<T> {
        RwLock {
            state: RefCell::new(State::default()),
            value: RefCell::new(value),
        }
    }

    /// Consumes the lock and returns the value.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::RwLock::new(vec![1, 2]);
    /// assert_eq!(lock.into_inner(), [1, 2]);
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Locks for reading, waiting while a writer holds the lock or is queued ahead.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let lock = evloop::sync::RwLock::new(5);
    ///     let r1 = lock.read().await;
    ///     let r2 = lock.read().await;
    ///     assert_eq!(*r1 + *r2, 10);
    /// });
    /// ```
    ///
    /// # Cancellation
    ///
    /// The future registers at its first poll. Dropped before being granted the lock, it
    /// leaves the queue (and readers behind it are re-examined). Dropped after being
    /// granted but before it returned, it gives the read lock back, so a writer waiting
    /// for the readers to leave is not stranded.
    pub fn read(&self) -> RwLockRead<'_, T> {
        RwLockRead {
            wait: LockWait::new(self, Access::Read),
        }
    }

    /// Locks for writing, waiting until no reader or writer holds the lock and every
    /// waiter queued ahead has had its turn.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let lock = evloop::sync::RwLock::new(5);
    ///     *lock.write().await += 1;
    ///     assert_eq!(*lock.read().await, 6);
    /// });
    /// ```
    ///
    /// # Cancellation
    ///
    /// The future registers at its first poll. Dropped before being granted the lock, it
    /// leaves the queue, and the readers queued behind it may go. Dropped after being
    /// granted but before it returned, it hands the lock on: nothing is lost.
    pub fn write(&self) -> RwLockWrite<'_, T> {
        RwLockWrite {
            wait: LockWait::new(self, Access::Write),
        }
    }

    /// Locks for reading if that is possible without waiting.
    ///
    /// # Errors
    ///
    /// Returns [`TryLockError`] if a writer holds the lock, or if tasks are queued for it.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::RwLock::new(1);
    /// let r = lock.try_read().unwrap();
    /// assert!(lock.try_read().is_ok()); // readers share
    /// assert!(lock.try_write().is_err());
    /// drop(r);
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        let mut state = self.state.borrow_mut();
        if state.writer || !state.waiters.is_empty() {
            return Err(TryLockError(()));
        }
        state.readers += 1;
        drop(state);
        Ok(RwLockReadGuard::new(self))
    }

    /// Locks for writing if that is possible without waiting.
    ///
    /// # Errors
    ///
    /// Returns [`TryLockError`] if any reader or writer holds the lock, or if tasks are
    /// queued for it.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::RwLock::new(1);
    /// let mut w = lock.try_write().unwrap();
    /// *w = 2;
    /// assert!(lock.try_read().is_err());
    /// drop(w);
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        let mut state = self.state.borrow_mut();
        if state.writer || state.readers > 0 || !state.waiters.is_empty() {
            return Err(TryLockError(()));
        }
        state.writer = true;
        drop(state);
        Ok(RwLockWriteGuard::new(self))
    }

    /// A mutable reference to the value; no locking needed, since `&mut self` proves no
    /// guard exists.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut lock = evloop::sync::RwLock::new(1);
    /// *lock.get_mut() = 3;
    /// assert_eq!(lock.into_inner(), 3);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// Releases one read or write hold and grants the lock to whoever may go next.
    fn release(&self, access: Access) {
        let wakers = self.state.borrow_mut().release(access);
        wake_all(wakers);
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        let mut d = f.debug_struct("RwLock");
        match self.value.try_borrow() {
            Ok(value) if !state.writer => d.field("data", &&*value),
            _ => d.field("data", &format_args!("<locked>")),
        };
        d.field("readers", &state.readers)
            .field("writer", &state.writer)
            .field("waiters", &state.waiters.waiting())
            .finish()
    }
}

/// The waiting part shared by [`RwLockRead`] and [`RwLockWrite`].
struct LockWait<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    access: Access,
    waiter: Waiter,
}

impl<'a, T: ?Sized> LockWait<'a, T> {
    fn new(lock: &'a RwLock<T>, access: Access) -> Self {
        LockWait {
            lock,
            access,
            waiter: Waiter::Idle,
        }
    }

    /// Ready once the lock is held for `self.access` (the caller then builds the guard).
    fn poll_acquire(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.waiter.poll(cx, &self.lock.state, &mut self.access)
    }
}

impl<T: ?Sized> Drop for LockWait<'_, T> {
    fn drop(&mut self) {
        self.waiter.cancel(&self.lock.state, &mut self.access);
    }
}

impl<T: ?Sized> fmt::Debug for LockWait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(match self.access {
            Access::Read => "RwLockRead",
            Access::Write => "RwLockWrite",
        })
        .field("registered", &self.waiter.is_queued())
        .field("done", &self.waiter.is_done())
        .finish_non_exhaustive()
    }
}

/// Future returned by [`RwLock::read`]: resolves to a read guard.
///
/// # Panics
///
/// If polled again after it returned the guard (see [Polling after
/// completion](super#polling-after-completion)).
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let lock = evloop::sync::RwLock::new(1);
///     let read: evloop::sync::RwLockRead<'_, i32> = lock.read();
///     assert_eq!(*read.await, 1);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RwLockRead<'a, T: ?Sized> {
    wait: LockWait<'a, T>,
}

impl<'a, T: ?Sized> Future for RwLockRead<'a, T> {
    type Output = RwLockReadGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let lock = self.wait.lock;
        self.wait
            .poll_acquire(cx)
            .map(|()| RwLockReadGuard::new(lock))
    }
}

impl<T: ?Sized> fmt::Debug for RwLockRead<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.wait, f)
    }
}

/// Future returned by [`RwLock::write`]: resolves to a write guard.
///
/// # Panics
///
/// If polled again after it returned the guard, as [`RwLockRead`].
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let lock = evloop::sync::RwLock::new(1);
///     let write: evloop::sync::RwLockWrite<'_, i32> = lock.write();
///     *write.await = 2;
///     assert_eq!(*lock.read().await, 2);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RwLockWrite<'a, T: ?Sized> {
    wait: LockWait<'a, T>,
}

impl<'a, T: ?Sized> Future for RwLockWrite<'a, T> {
    type Output = RwLockWriteGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let lock = self.wait.lock;
        self.wait
            .poll_acquire(cx)
            .map(|()| RwLockWriteGuard::new(lock))
    }
}

impl<T: ?Sized> fmt::Debug for RwLockWrite<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.wait, f)
    }
}

/// Shared access to the value of an [`RwLock`]; dropping it releases the read lock.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let lock = evloop::sync::RwLock::new(vec![1, 2, 3]);
///     let guard = lock.read().await;
///     assert_eq!(guard.len(), 3);
/// });
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    /// `Some` until dropped: released before the lock is handed on.
    value: Option<Ref<'a, T>>,
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    fn new(lock: &'a RwLock<T>) -> Self {
        let value = lock
            .value
            .try_borrow()
            .expect("evloop RwLock: reader alongside a writer (lock protocol broken)");
        RwLockReadGuard {
            lock,
            value: Some(value),
        }
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.value.as_deref().expect("guard is live")
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.value = None;
        self.lock.release(Access::Read);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Exclusive access to the value of an [`RwLock`]; dropping it releases the write lock.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let lock = evloop::sync::RwLock::new(vec![1]);
///     lock.write().await.push(2);
///     assert_eq!(*lock.read().await, [1, 2]);
/// });
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    /// `Some` until dropped: released before the lock is handed on.
    value: Option<RefMut<'a, T>>,
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    fn new(lock: &'a RwLock<T>) -> Self {
        let value = lock
            .value
            .try_borrow_mut()
            .expect("evloop RwLock: two holders beside a writer (lock protocol broken)");
        RwLockWriteGuard {
            lock,
            value: Some(value),
        }
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.value.as_deref().expect("guard is live")
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value.as_deref_mut().expect("guard is live")
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.value = None;
        self.lock.release(Access::Write);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
