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
//! * **One wait machine.** Every wait future runs the same state machine, written once in
//!   `waiters.rs` (a `Waiter`): try the fast path at the first poll, else join the queue;
//!   while queued, keep the place and update the waker; once notified, leave the queue and
//!   take the grant; on `Drop`, leave the queue, handing on a grant that was never taken. A
//!   primitive supplies only what differs, as a small `WaitRules` impl: its fast path, what
//!   taking a grant means, what a cancelled waiter gives back, and the name of the wait in
//!   task snapshots, which the `Waiter` records when it queues (no primitive records waits
//!   by hand). The channels that queue waiters (`Queue`, `mpsc`, `broadcast`, `watch`)
//!   use the same machine.
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
//! # Polling after completion
//!
//! A wait future completes once: polling it again after it returned `Ready` **panics**,
//! with a message that names the call to make instead. The rule is the shared machine's,
//! so it holds for every wait future here ([`MutexLock`], [`RwLockRead`], [`RwLockWrite`],
//! [`Acquire`], [`AcquireOwned`], [`EventWait`], [`Notified`], [`BarrierWait`]; the future
//! of the `async fn` [`Condvar::wait`] panics too, as every `async fn` future does) and for
//! the channel futures built on it (`Queue`'s `get`, `put` and `join`, `mpsc`'s `send` and
//! `closed`, `broadcast`'s `recv`, `watch`'s `changed`). To wait again, call the method
//! again: a new future costs nothing until it is polled.
//!
//! Why a panic rather than `Ready` again: a future that hands out a guard, permits or an
//! item cannot be ready twice without granting twice, so "ready again" could only ever hold
//! for some of them, and a finished future polled again is a bug best caught where it
//! happens. [`Future::poll`] allows either. Not wait futures in
//! this sense: `mpsc::Receiver::recv` and `remote::RemoteReceiver::recv` are `poll_recv`
//! in a future (each poll is a new receive), and a `oneshot::Receiver` polled after it
//! returned its value returns `Err(RecvError)`.
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
