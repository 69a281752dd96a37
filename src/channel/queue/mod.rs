//! asyncio's queues: [`Queue`] (FIFO), [`PriorityQueue`] and [`LifoQueue`], all one
//! [`GenericQueue`] over a [`Buffer`] that picks the order.
//!
//! # Design
//!
//! A queue is a cheap `Clone` handle to one `Rc<RefCell<State>>`: clone it into every task
//! that puts or gets, as you would pass the same `asyncio.Queue` object around. (A handle
//! rather than `Rc<Queue>`: one `Rc` fewer to write, and asyncio code translates line for
//! line.) It is `!Send`: every task using it runs on the loop's thread. The state holds the
//! items (in a [`Buffer`]), two FIFO `WaitQueue`s (getters waiting for an item, putters
//! waiting for room), a third for `join`, the count of unfinished items, and the shut-down
//! flag.
//!
//! Items and free slots are handed to waiters as *promises*: when an item arrives while
//! getters wait, the oldest getter is notified and that item is promised to it, so a newer
//! `get` or a `try_get` cannot overtake it (asyncio lets them, and the woken getter then
//! queues again at the back). Likewise for room freed while putters wait. Hence:
//!
//! * waiters are served strictly in FIFO order (for `PriorityQueue` and `LifoQueue` the
//!   *getters* are FIFO; which item a getter receives is decided when it runs);
//! * [`len`](GenericQueue::len) counts the items not promised to a woken getter, that is,
//!   what a `try_get` can take now; `is_empty() == true` means `try_get` fails and
//!   `is_full() == true` means `try_put` fails;
//! * the bound `maxsize` covers every item the queue holds, *including* items promised to
//!   woken getters that have not run yet, plus room promised to woken putters: a producer
//!   can never get more than `maxsize` items ahead of the consumers, however many getters
//!   wait (as in asyncio, where an item counts until its getter takes it). So `is_full()`
//!   can be true while `len() < maxsize`: the difference is promised to getters;
//! * a waiter dropped after being notified passes its promise to the next waiter, or, if
//!   there is none, the item (or slot) returns to the queue: nothing is lost, no wakeup is
//!   lost. In that one case a bounded queue can briefly hold more than `maxsize` items (an
//!   item returned to a queue that was filled meanwhile); puts wait until it drains.
//!
//! # Ground rules
//!
//! * The `RefCell` is borrowed only inside one method call, never across an `.await`.
//! * Wakers are collected under the borrow and woken after it is released.
//! * No item is dropped under the borrow (an item's `Drop` may use the queue): items leave
//!   only by being returned to the caller. `Ord::cmp` of a `PriorityQueue` item does run
//!   under the borrow, so it must not use the queue.
//! * Each mutation frees at most one item and one slot, so it notifies at most one getter
//!   and one putter (`State::serve`); only [`shutdown`](GenericQueue::shutdown) wakes
//!   everyone.

mod buffer;
mod error;
mod future;
mod state;

use state::State;

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;
use std::task::Waker;

use buffer::Store;
pub use buffer::{Buffer, Fifo, Lifo, Priority};
pub use error::{QueueShutDown, TaskDoneError, TryGetError, TryPutError};
pub use future::{Get, Join, Put};

use crate::sync::waiters::{WaitQueue, wake_all};

/// A first-in, first-out queue: asyncio's `Queue`.
///
/// See [`GenericQueue`] for the methods; this is `GenericQueue<T, Fifo<T>>`.
///
/// # Examples
///
/// ```
/// use evloop::channel::Queue;
/// evloop::run(async {
///     let queue = Queue::bounded(2);
///     let consumer = evloop::spawn({
///         let queue = queue.clone();
///         async move {
///             let mut got = Vec::new();
///             while let Ok(item) = queue.get().await {
///                 got.push(item);
///                 queue.task_done().unwrap();
///             }
///             got
///         }
///     });
///     for i in 0..5 {
///         queue.put(i).await.unwrap(); // waits while 2 items are queued
///     }
///     queue.join().await; // every item was got and marked done
///     queue.shutdown(); // the consumer's next `get` fails
///     assert_eq!(consumer.await.unwrap(), [0, 1, 2, 3, 4]);
/// });
/// ```
#[doc(alias = "asyncio.Queue")]
pub type Queue<T> = GenericQueue<T, Fifo<T>>;

/// A queue that hands out its smallest item first (FIFO among equal items): asyncio's
/// `PriorityQueue`.
///
/// See [`GenericQueue`] for the methods; this is `GenericQueue<T, Priority<T>>`.
///
/// # Examples
///
/// ```
/// use evloop::channel::PriorityQueue;
/// evloop::run(async {
///     let queue = PriorityQueue::new();
///     queue.put((3, "later")).await.unwrap();
///     queue.put((1, "urgent")).await.unwrap();
///     assert_eq!(queue.get().await, Ok((1, "urgent")));
/// });
/// ```
#[doc(alias = "asyncio.PriorityQueue")]
pub type PriorityQueue<T> = GenericQueue<T, Priority<T>>;

/// A last-in, first-out queue (a stack): asyncio's `LifoQueue`.
///
/// See [`GenericQueue`] for the methods; this is `GenericQueue<T, Lifo<T>>`.
///
/// # Examples
///
/// ```
/// use evloop::channel::LifoQueue;
/// evloop::run(async {
///     let stack = LifoQueue::new();
///     stack.put(1).await.unwrap();
///     stack.put(2).await.unwrap();
///     assert_eq!(stack.get().await, Ok(2));
/// });
/// ```
#[doc(alias = "asyncio.LifoQueue")]
pub type LifoQueue<T> = GenericQueue<T, Lifo<T>>;

/// A queue of `T` handed out in the order chosen by `B`; use it through [`Queue`],
/// [`PriorityQueue`] or [`LifoQueue`].
///
/// Cloning the handle shares the queue (see the [module docs](self) for the design). The
/// queue is unbounded or bounded by `maxsize`; waiting `put`s and `get`s are served in FIFO
/// order.
///
/// # Examples
///
/// ```
/// use evloop::channel::Queue;
/// evloop::run(async {
///     let queue = Queue::new();
///     let producer = evloop::spawn({
///         let queue = queue.clone();
///         async move { queue.put("hello").await }
///     });
///     assert_eq!(queue.get().await, Ok("hello"));
///     producer.await.unwrap().unwrap();
/// });
/// ```
pub struct GenericQueue<T, B> {
    shared: Rc<RefCell<State<T, B>>>,
}

impl<T, B: Buffer<T>> GenericQueue<T, B> {
    fn with_maxsize(maxsize: Option<usize>) -> Self {
        GenericQueue {
            shared: Rc::new(RefCell::new(State {
                items: B::empty(),
                maxsize,
                getters: WaitQueue::new(),
                promised_items: 0,
                putters: WaitQueue::new(),
                promised_slots: 0,
                unfinished: 0,
                joiners: WaitQueue::new(),
                shut_down: false,
                _item: PhantomData,
            })),
        }
    }

    /// An unbounded queue: `put` never waits (asyncio's `Queue()`, `maxsize=0`).
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = evloop::channel::Queue::new();
    /// for i in 0..1000 {
    ///     queue.try_put(i).unwrap();
    /// }
    /// assert_eq!(queue.len(), 1000);
    /// ```
    pub fn new() -> Self {
        Self::with_maxsize(None)
    }

    /// A queue that holds at most `maxsize` items: `put` waits for room (asyncio's
    /// `Queue(maxsize)`).
    ///
    /// The bound counts every item put and not yet taken, including items already promised
    /// to woken getters whose tasks have not run yet: `bounded(2)` accepts two `try_put`s
    /// before any getter runs, however many getters wait. (The one exception: an item
    /// returned by a getter dropped after its wake, into a queue filled meanwhile; puts
    /// then wait until the queue drains below the bound.)
    ///
    /// # Panics
    ///
    /// Panics if `maxsize` is 0. (asyncio takes 0 to mean unbounded; say so with
    /// [`new`](Self::new).)
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = evloop::channel::Queue::bounded(1);
    /// queue.try_put('a').unwrap();
    /// assert!(queue.is_full());
    /// ```
    #[track_caller]
    pub fn bounded(maxsize: usize) -> Self {
        assert!(
            maxsize > 0,
            "bounded(0): a queue needs room for at least one item; use `new()` (`Queue::new()`, \
             `PriorityQueue::new()`, `LifoQueue::new()`) for an unbounded queue (asyncio's \
             maxsize=0)"
        );
        Self::with_maxsize(Some(maxsize))
    }

    /// Puts `item` at the back, waiting while the queue is full: asyncio's `await
    /// queue.put(item)`.
    ///
    /// Waiting puts are served in FIFO order. Every successful put counts one unfinished item
    /// for [`join`](Self::join).
    ///
    /// # Errors
    ///
    /// [`QueueShutDown`] with the item if the queue is (or, while waiting, gets)
    /// [shut down](Self::shutdown).
    ///
    /// # Cancellation
    ///
    /// Dropping the future before it completed puts nothing: the item is dropped with the
    /// future, never half-put. If room had been promised to it, the promise passes to the
    /// next waiting put.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let queue = evloop::channel::Queue::bounded(1);
    ///     queue.put(1).await.unwrap();
    ///     let putter = evloop::spawn({
    ///         let queue = queue.clone();
    ///         async move { queue.put(2).await } // waits: the queue is full
    ///     });
    ///     evloop::yield_now().await;
    ///     assert!(!putter.is_finished());
    ///     assert_eq!(queue.get().await, Ok(1)); // makes room
    ///     putter.await.unwrap().unwrap();
    ///     assert_eq!(queue.get().await, Ok(2));
    /// });
    /// ```
    pub fn put(&self, item: T) -> Put<'_, T, B> {
        Put::new(self, item)
    }

    /// Removes and returns the next item, waiting while the queue is empty: asyncio's
    /// `await queue.get()`.
    ///
    /// Waiting gets are served in FIFO order.
    ///
    /// # Errors
    ///
    /// [`QueueShutDown`] if the queue is empty and [shut down](Self::shutdown) (items queued
    /// before the shutdown are still returned).
    ///
    /// # Cancellation
    ///
    /// Dropping the future before it completed takes no item: an item promised to it goes
    /// to the next waiting get, or stays in the queue.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let queue = evloop::channel::Queue::new();
    ///     let getter = evloop::spawn({
    ///         let queue = queue.clone();
    ///         async move { queue.get().await } // waits for an item
    ///     });
    ///     evloop::yield_now().await;
    ///     queue.put("item").await.unwrap();
    ///     assert_eq!(getter.await.unwrap(), Ok("item"));
    /// });
    /// ```
    pub fn get(&self) -> Get<'_, T, B> {
        Get::new(self)
    }

    /// Puts `item` if there is room now: asyncio's `put_nowait`.
    ///
    /// It never overtakes a waiting `put`: while one waits, the queue is full.
    ///
    /// # Errors
    ///
    /// [`TryPutError::Full`] if the queue is full, [`TryPutError::ShutDown`] if it was shut
    /// down; both return the item.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::channel::{Queue, TryPutError};
    /// let queue = Queue::bounded(1);
    /// assert_eq!(queue.try_put(1), Ok(()));
    /// assert_eq!(queue.try_put(2), Err(TryPutError::Full(2)));
    /// ```
    #[doc(alias = "put_nowait")]
    pub fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        let mut state = self.shared.borrow_mut();
        if state.shut_down {
            return Err(TryPutError::ShutDown(item));
        }
        if !state.has_room() {
            return Err(TryPutError::Full(item));
        }
        state.push(item);
        let wake = state.serve();
        drop(state);
        wake.wake();
        Ok(())
    }

    /// Removes and returns the next item if there is one now: asyncio's `get_nowait`.
    ///
    /// Items promised to a waiting `get` that was already woken are not available (see
    /// [`len`](Self::len)).
    ///
    /// # Errors
    ///
    /// [`TryGetError::Empty`] if no item is available, [`TryGetError::ShutDown`] if none is
    /// and the queue was shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::channel::{Queue, TryGetError};
    /// let queue = Queue::new();
    /// queue.try_put(1).unwrap();
    /// assert_eq!(queue.try_get(), Ok(1));
    /// assert_eq!(queue.try_get(), Err(TryGetError::Empty));
    /// ```
    #[doc(alias = "get_nowait")]
    pub fn try_get(&self) -> Result<T, TryGetError> {
        let mut state = self.shared.borrow_mut();
        match state.try_get() {
            Some((item, wake)) => {
                drop(state);
                wake.wake();
                Ok(item)
            }
            None if state.shut_down => Err(TryGetError::ShutDown),
            None => Err(TryGetError::Empty),
        }
    }

    /// Number of items in the queue: asyncio's `qsize()`.
    ///
    /// Items already promised to a woken `get` (which will take them when its task runs)
    /// are not counted: this is what [`try_get`](Self::try_get) can take now.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = evloop::channel::Queue::new();
    /// queue.try_put('a').unwrap();
    /// queue.try_put('b').unwrap();
    /// assert_eq!(queue.len(), 2);
    /// ```
    #[doc(alias = "qsize")]
    pub fn len(&self) -> usize {
        self.shared.borrow().available()
    }

    /// Whether [`len`](Self::len) is 0: asyncio's `empty()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = evloop::channel::Queue::<u8>::new();
    /// assert!(queue.is_empty());
    /// ```
    #[doc(alias = "empty")]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether there is no room for another item now, so that
    /// [`try_put`](Self::try_put) would fail: asyncio's `full()`. Never true for an
    /// unbounded queue.
    ///
    /// Room already promised to a woken `put` counts as taken, and so do items promised to a
    /// woken `get` that has not taken them yet (they are not in [`len`](Self::len)), so
    /// `is_full()` can be true while `len() < maxsize`.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = evloop::channel::Queue::bounded(1);
    /// assert!(!queue.is_full());
    /// queue.try_put(()).unwrap();
    /// assert!(queue.is_full());
    /// ```
    #[doc(alias = "full")]
    pub fn is_full(&self) -> bool {
        !self.shared.borrow().has_room()
    }

    /// The bound given to [`bounded`](Self::bounded), or `None` for an unbounded queue
    /// (asyncio's `maxsize`, where 0 means unbounded).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::channel::Queue;
    /// assert_eq!(Queue::<u8>::bounded(8).maxsize(), Some(8));
    /// assert_eq!(Queue::<u8>::new().maxsize(), None);
    /// ```
    pub fn maxsize(&self) -> Option<usize> {
        self.shared.borrow().maxsize
    }

    /// Marks one item got earlier as processed: asyncio's `task_done()`.
    ///
    /// Each successful put counts one unfinished item; each `task_done` settles one. When
    /// none is left, every [`join`](Self::join) waiting completes.
    ///
    /// # Errors
    ///
    /// [`TaskDoneError`] if called more times than items were put (asyncio raises
    /// `ValueError`); the count is left at zero.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = evloop::channel::Queue::new();
    /// queue.try_put("job").unwrap();
    /// let _job = queue.try_get().unwrap();
    /// assert!(queue.task_done().is_ok());
    /// assert!(queue.task_done().is_err()); // one put, two task_done
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut state = self.shared.borrow_mut();
        if state.unfinished == 0 {
            return Err(TaskDoneError(()));
        }
        state.unfinished -= 1;
        if state.unfinished > 0 {
            return Ok(());
        }
        let wakers = state.joiners.notify_all();
        drop(state);
        wake_all(wakers);
        Ok(())
    }

    /// Waits until every item put so far has been marked done with
    /// [`task_done`](Self::task_done): asyncio's `await queue.join()`.
    ///
    /// Completes at once if no item is unfinished. A `join` woken because the count reached
    /// zero completes even if a new item is put before its task runs (as in asyncio).
    ///
    /// # Cancellation
    ///
    /// Dropping the future loses nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let queue = evloop::channel::Queue::new();
    ///     queue.put(21).await.unwrap();
    ///     let worker = evloop::spawn({
    ///         let queue = queue.clone();
    ///         async move {
    ///             let n = queue.get().await.unwrap();
    ///             queue.task_done().unwrap();
    ///             n * 2
    ///         }
    ///     });
    ///     queue.join().await;
    ///     assert!(worker.is_finished());
    ///     assert_eq!(worker.await.unwrap(), 42);
    /// });
    /// ```
    pub fn join(&self) -> Join<'_, T, B> {
        Join::new(self)
    }

    /// Shuts the queue down: asyncio 3.13's `queue.shutdown()` (with `immediate=False`).
    ///
    /// From now on every `put` and `try_put` fails with the item; `get` and `try_get` still
    /// return the items already queued, then fail with [`QueueShutDown`] instead of waiting.
    /// Waiting puts and gets (on an empty queue) wake up and fail. `join` and `task_done`
    /// are unaffected. Calling it again does nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let queue = evloop::channel::Queue::<u8>::new();
    ///     let getter = evloop::spawn({
    ///         let queue = queue.clone();
    ///         async move { queue.get().await }
    ///     });
    ///     evloop::yield_now().await; // the getter waits
    ///     queue.shutdown();
    ///     assert!(getter.await.unwrap().is_err());
    /// });
    /// ```
    pub fn shutdown(&self) {
        let mut state = self.shared.borrow_mut();
        if state.shut_down {
            return;
        }
        state.shut_down = true;
        let mut wakers = state.getters.notify_all();
        state.promised_items += wakers.len();
        let putters = state.putters.notify_all();
        state.promised_slots += putters.len();
        wakers.extend(putters);
        drop(state);
        wake_all(wakers);
    }

    /// Whether [`shutdown`](Self::shutdown) was called.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = evloop::channel::Queue::<u8>::new();
    /// queue.shutdown();
    /// assert!(queue.is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        self.shared.borrow().shut_down
    }
}

impl<T, B: Buffer<T>> Default for GenericQueue<T, B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, B> Clone for GenericQueue<T, B> {
    /// Another handle to the same queue.
    fn clone(&self) -> Self {
        GenericQueue {
            shared: self.shared.clone(),
        }
    }
}

impl<T, B: Buffer<T>> fmt::Debug for GenericQueue<T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.borrow();
        f.debug_struct("GenericQueue")
            .field("len", &state.available())
            .field("maxsize", &state.maxsize)
            .field("unfinished", &state.unfinished)
            .field("waiting_getters", &state.getters.waiting())
            .field("waiting_putters", &state.putters.waiting())
            .field("shut_down", &state.shut_down)
            .finish()
    }
}
