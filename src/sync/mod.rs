//! Synchronisation primitives for tasks on one loop: asyncio's `Event`, `Lock`,
//! `Semaphore`, `Condition` and `Barrier`, plus `RwLock` and `Notify`.
//!
//! | asyncio | evloop |
//! |---|---|
//! | `asyncio.Event` | [`Event`]: `set`, `clear`, `is_set`, `wait().await` |
//! | `asyncio.Lock` | [`Mutex<T>`]: `lock().await -> `[`MutexGuard`], `try_lock` |
//! | `asyncio.Semaphore` | [`Semaphore`]: `acquire().await -> `[`SemaphorePermit`], `acquire_many`, `_owned` variants |
//! | `asyncio.Condition` | [`Condvar`]: `wait(guard).await`, `wait_until(guard, predicate)`, `notify_one`, `notify_all` |
//! | `asyncio.Barrier` | [`Barrier`]: `wait().await -> `[`BarrierWaitResult`] |
//! | (none) | [`RwLock<T>`]: `read().await`, `write().await` |
//! | (none) | [`Notify`]: `notified().await`, `notify_one`, `notify_waiters` |
//!
//! # Ground rules
//!
//! * **One loop, one thread.** The primitives are `!Send` and `!Sync` and use no atomics
//!   and no `unsafe`: state sits in a `RefCell` inside the primitive, borrowed only for the
//!   few lines that update it and never across an `.await` or a call into other code.
//!   Share a primitive between spawned tasks through an `Rc`; the futures and guards
//!   borrow it (`Semaphore` also has `Rc`-owning `_owned` variants).
//! * **FIFO fairness.** Every primitive is built on one internal FIFO of waiters
//!   (`waiters.rs`). Waiters are served in arrival order, and the fast paths (lock free,
//!   permits available) are taken only when nobody is queued, so a newcomer never barges
//!   ahead of a queued task. Locks and permits are **handed over**: releasing one grants it
//!   to the oldest waiter directly, before that waiter even runs.
//! * **Lazy registration.** A wait future joins the queue at its first poll, not when it
//!   is created, and leaves it in `Drop`.
//! * **Cancellation loses nothing.** A wait future dropped before being granted just
//!   leaves the queue. One dropped after being granted (a lock, permits, a
//!   `notify_one`) but before it returned passes the grant to the next waiter. Each wait
//!   method documents this under `# Cancellation`.
//! * **Wake outside the borrow.** Wakers are collected under the `RefCell` borrow and
//!   woken after it is released.
//! * **No poisoning.** A task that panics (or is aborted) while holding a guard releases
//!   it as its future is dropped; the lock is usable afterwards, as in asyncio.
//!
//! ```compile_fail
//! fn assert_send<T: Send>() {}
//! assert_send::<evloop::sync::Semaphore>(); // one loop, one thread
//! ```

mod barrier;
mod condvar;
mod event;
mod mutex;
mod notify;
mod rwlock;
mod semaphore;
pub(crate) mod waiters;

pub use barrier::{Barrier, BarrierWait, BarrierWaitResult};
pub use condvar::Condvar;
pub use event::{Event, EventWait};
pub use mutex::{Mutex, MutexGuard, MutexLock, TryLockError};
pub use notify::{Notified, Notify};
pub use rwlock::{RwLock, RwLockRead, RwLockReadGuard, RwLockWrite, RwLockWriteGuard};
pub use semaphore::{
    Acquire, AcquireOwned, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};
