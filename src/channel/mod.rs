//! Channels and queues between tasks: asyncio's `Queue`, `PriorityQueue` and `LifoQueue`,
//! plus `mpsc`, `oneshot`, `broadcast` and `watch` channels, and a `remote` channel that
//! brings values from other threads into the loop.
//!
//! | need | use |
//! |---|---|
//! | asyncio's `Queue`, with `task_done`/`join`/`shutdown` | [`Queue`], [`PriorityQueue`], [`LifoQueue`] |
//! | many producers, one consumer | [`mpsc::channel`] (bounded), [`mpsc::unbounded`] |
//! | one value, once (asyncio's `Future.set_result`) | [`oneshot::channel`] |
//! | every receiver sees every value | [`broadcast::channel`] |
//! | receivers see the latest value | [`watch::channel`] |
//! | from `std::thread`s / `spawn_blocking` into the loop | [`remote::channel`], [`remote::bounded`] (backpressure) |
//!
//! ```
//! use evloop::channel::mpsc;
//! evloop::run(async {
//!     let (tx, mut rx) = mpsc::channel(16);
//!     for id in 0..3 {
//!         let tx = tx.clone();
//!         evloop::spawn(async move { tx.send(id).await.unwrap() });
//!     }
//!     drop(tx); // the channel closes when the last sender is gone
//!     let mut got = Vec::new();
//!     while let Some(id) = rx.recv().await {
//!         got.push(id);
//!     }
//!     assert_eq!(got, [0, 1, 2]);
//! });
//! ```
//!
//! # Ground rules
//!
//! * **Local.** Everything but [`remote`] is `!Send`: the state lives in an
//!   `Rc<RefCell<..>>` on the loop's thread, with no atomics and no `unsafe`. The borrow is
//!   held only inside one method call, never across an `.await`; wakers are collected
//!   under it and woken after it is released; values are never dropped under it.
//! * **FIFO.** Tasks waiting on the same thing (a `get`, a `send` on a full channel) are
//!   served oldest first, through the crate's `WaitQueue`. An item or free slot given to a
//!   woken waiter is promised to it, so nothing newer overtakes it. The futures that wait
//!   in a queue run the state machine of the `sync` primitives (the same fast path,
//!   cancellation and [polling-after-completion](crate::sync#polling-after-completion)
//!   rules), written once.
//! * **Cancellation loses nothing.** Every waiting future can be dropped at any point: a
//!   dropped `send`/`put` sends nothing (the value is dropped with the future, never
//!   half-sent); a dropped `recv`/`get` takes nothing; a promise held by a dropped waiter
//!   passes to the next one. Each future's `# Cancellation` section says what applies.
//! * **No hangs.** Closing or dropping either end is reported to the other: `Err(..)` or
//!   `None`, never a wait that cannot end. Failed sends return the value.
//!
//! ```compile_fail
//! // Local channels stay on their loop's thread.
//! fn assert_send<T: Send>(_: T) {}
//! assert_send(evloop::channel::mpsc::unbounded::<u8>());
//! ```
//!
//! ```
//! // The remote channel is what crosses threads.
//! fn assert_send<T: Send + Sync + Clone>(_: T) {}
//! let (tx, _rx) = evloop::channel::remote::channel::<u8>();
//! assert_send(tx);
//! ```

pub mod broadcast;
mod error;
pub mod mpsc;
pub mod oneshot;
pub mod queue;
pub mod remote;
pub mod watch;

pub use error::{RecvError, SendError, TryRecvError, TrySendError};
pub use queue::{
    LifoQueue, PriorityQueue, Queue, QueueShutDown, TaskDoneError, TryGetError, TryPutError,
};
