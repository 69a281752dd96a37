//! Synchronisation primitives for tasks on one loop: asyncio's `Event`, `Lock`,
//! `Semaphore`, `Condition` and `Barrier`, plus `RwLock` and `Notify`.
//!
//! These are `!Send` and use no atomics: every task that touches them runs on the same
//! thread. Waiters are served in FIFO order, and a waiter that is cancelled (its future
//! dropped) after being granted something passes it on, so nothing is lost (see
//! `waiters.rs`).

pub(crate) mod waiters;
