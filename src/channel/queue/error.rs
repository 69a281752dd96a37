//! The queue errors, after asyncio's exceptions: `QueueShutDown`, `QueueFull` and
//! `QueueEmpty` (as [`TryPutError`] and [`TryGetError`]), and `ValueError` from
//! `task_done` (as [`TaskDoneError`]).

use std::error::Error;
use std::fmt;

/// The queue was [shut down](super::GenericQueue::shutdown): asyncio's `QueueShutDown`.
///
/// Returned by [`put`](super::GenericQueue::put) with the item that was not put
/// (`QueueShutDown<T>`), and by [`get`](super::GenericQueue::get) on a shut-down queue that
/// is empty (`QueueShutDown<()>`, the default).
///
/// # Examples
///
/// ```
/// use evloop::channel::{Queue, QueueShutDown};
/// evloop::run(async {
///     let queue = Queue::new();
///     queue.shutdown();
///     assert_eq!(queue.put("late").await, Err(QueueShutDown("late")));
///     assert_eq!(queue.get().await, Err(QueueShutDown(())));
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct QueueShutDown<T = ()>(pub T);

impl<T> QueueShutDown<T> {
    /// The item that was not put (`()` for a `get`).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let queue = evloop::channel::Queue::new();
    ///     queue.shutdown();
    ///     assert_eq!(queue.put(5).await.unwrap_err().into_inner(), 5);
    /// });
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueShutDown(..)")
    }
}

impl<T> fmt::Display for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue was shut down")
    }
}

impl<T> Error for QueueShutDown<T> {}

/// Why [`try_put`](super::GenericQueue::try_put) did not put: asyncio's `QueueFull` or
/// `QueueShutDown` from `put_nowait`. The item is returned either way.
///
/// # Examples
///
/// ```
/// use evloop::channel::{Queue, TryPutError};
/// let queue = Queue::bounded(1);
/// queue.try_put(1).unwrap();
/// assert_eq!(queue.try_put(2), Err(TryPutError::Full(2)));
/// queue.shutdown();
/// assert_eq!(queue.try_put(3), Err(TryPutError::ShutDown(3)));
/// ```
#[doc(alias = "QueueFull")]
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TryPutError<T> {
    /// The queue holds `maxsize` items (asyncio's `QueueFull`); `put(..).await` would wait.
    Full(T),
    /// The queue was shut down (asyncio's `QueueShutDown`): no put will ever succeed.
    ShutDown(T),
}

impl<T> TryPutError<T> {
    /// The item that was not put.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = evloop::channel::Queue::bounded(1);
    /// queue.try_put("a").unwrap();
    /// assert_eq!(queue.try_put("b").unwrap_err().into_inner(), "b");
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TryPutError::Full(item) | TryPutError::ShutDown(item) => item,
        }
    }
}

impl<T> fmt::Debug for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("Full(..)"),
            TryPutError::ShutDown(_) => f.write_str("ShutDown(..)"),
        }
    }
}

impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("the queue is full"),
            TryPutError::ShutDown(_) => f.write_str("the queue was shut down"),
        }
    }
}

impl<T> Error for TryPutError<T> {}

/// Why [`try_get`](super::GenericQueue::try_get) returned no item: asyncio's `QueueEmpty`
/// or `QueueShutDown` from `get_nowait`.
///
/// # Examples
///
/// ```
/// use evloop::channel::{Queue, TryGetError};
/// let queue = Queue::<u8>::new();
/// assert_eq!(queue.try_get(), Err(TryGetError::Empty));
/// queue.shutdown();
/// assert_eq!(queue.try_get(), Err(TryGetError::ShutDown));
/// ```
#[doc(alias = "QueueEmpty")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryGetError {
    /// No item now (asyncio's `QueueEmpty`); `get().await` would wait.
    Empty,
    /// No item, and the queue was shut down: none will ever come.
    ShutDown,
}

impl fmt::Display for TryGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryGetError::Empty => f.write_str("the queue is empty"),
            TryGetError::ShutDown => f.write_str("the queue is empty and shut down"),
        }
    }
}

impl Error for TryGetError {}

/// [`task_done`](super::GenericQueue::task_done) was called more times than items were
/// put: asyncio's `ValueError('task_done() called too many times')`.
///
/// # Examples
///
/// ```
/// let queue = evloop::channel::Queue::<u8>::new();
/// assert!(queue.task_done().is_err());
/// ```
#[doc(alias = "ValueError")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskDoneError(pub(super) ());

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called more times than items were put")
    }
}

impl Error for TaskDoneError {}
