//! `JoinSet`: a set of spawned tasks whose results come out in completion order.

use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::ready::ReadySet;
use crate::task::{JoinError, JoinHandle};

/// A collection of spawned tasks, awaited in the order they finish (asyncio's
/// `as_completed` over tasks, tokio's `JoinSet`).
///
/// Dropping the set aborts every task still in it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// evloop::run(async {
///     let mut set = evloop::JoinSet::new();
///     for ms in [30u64, 10, 20] {
///         set.spawn(async move {
///             evloop::sleep(Duration::from_millis(ms)).await;
///             ms
///         });
///     }
///     let mut order = Vec::new();
///     while let Some(result) = set.join_next().await {
///         order.push(result.unwrap());
///     }
///     assert_eq!(order, [10, 20, 30]);
/// });
/// ```
pub struct JoinSet<T> {
    handles: Vec<Option<JoinHandle<T>>>,
    ready: ReadySet,
    batch: Vec<usize>,
    /// Ready indices taken but not yet polled (one result is returned per call), in the
    /// order their tasks finished.
    pending: VecDeque<usize>,
    /// Indices of finished tasks, reused by later inserts (the set does not grow forever).
    free: Vec<usize>,
    len: usize,
}

impl<T: 'static> JoinSet<T> {
    /// An empty set.
    ///
    /// # Examples
    ///
    /// ```
    /// let set: evloop::JoinSet<()> = evloop::JoinSet::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> Self {
        JoinSet {
            handles: Vec::new(),
            ready: ReadySet::new(),
            batch: Vec::new(),
            pending: VecDeque::new(),
            free: Vec::new(),
            len: 0,
        }
    }

    /// Spawns `future` as a task in this set (see [`crate::spawn`]).
    ///
    /// # Panics
    ///
    /// Panics outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let mut set = evloop::JoinSet::new();
    ///     set.spawn(async { 1 });
    ///     assert_eq!(set.len(), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F)
    where
        F: Future<Output = T> + 'static,
    {
        let handle = crate::spawn(future);
        self.insert(handle);
    }

    /// Adds an already spawned task.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let mut set = evloop::JoinSet::new();
    ///     set.insert(evloop::spawn(async { 2 }));
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 2);
    /// });
    /// ```
    pub fn insert(&mut self, handle: JoinHandle<T>) {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                let index = self.ready.add_idle();
                debug_assert_eq!(index, self.handles.len());
                self.handles.push(None);
                index
            }
        };
        // The task's completion wakes this child's waker the moment it happens, which lists
        // the child in the ready set: finish order is recorded then, not when the set is
        // next polled. A task that has already finished is listed now.
        if handle.watch_completion(self.ready.waker(index)) {
            self.ready.requeue(index);
        }
        self.handles[index] = Some(handle);
        self.len += 1;
    }

    /// Number of tasks not yet returned by [`join_next`](Self::join_next).
    ///
    /// # Examples
    ///
    /// ```
    /// let set: evloop::JoinSet<u8> = evloop::JoinSet::new();
    /// assert_eq!(set.len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let set: evloop::JoinSet<u8> = evloop::JoinSet::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Waits for the next task to finish and returns its result; `None` when the set is
    /// empty.
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: if the future is dropped, no result is lost (it stays in the set).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let mut set = evloop::JoinSet::new();
    ///     set.spawn(async { panic!("boom") });
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_panic());
    ///     assert!(set.join_next().await.is_none());
    /// });
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Polls for the next finished task; see [`join_next`](Self::join_next).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// evloop::run(async {
    ///     let mut set = evloop::JoinSet::new();
    ///     set.spawn(async { 3 });
    ///     let next = poll_fn(|cx| set.poll_join_next(cx)).await;
    ///     assert_eq!(next.unwrap().unwrap(), 3);
    /// });
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        if self.len == 0 {
            return Poll::Ready(None);
        }
        self.ready.take(cx, &mut self.batch);
        self.pending.extend(self.batch.drain(..));
        while let Some(index) = self.pending.pop_front() {
            let Some(handle) = self.handles[index].as_mut() else {
                continue;
            };
            let mut child_cx = Context::from_waker(self.ready.waker(index));
            if let Poll::Ready(result) = Pin::new(handle).poll(&mut child_cx) {
                self.handles[index] = None;
                self.free.push(index);
                self.len -= 1;
                return Poll::Ready(Some(result));
            }
        }
        Poll::Pending
    }

    /// Aborts every task in the set; they still come out of
    /// [`join_next`](Self::join_next), as cancelled (or with their result if they had
    /// already finished).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let mut set = evloop::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.abort_all();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort_all(&self) {
        for handle in self.handles.iter().flatten() {
            handle.abort();
        }
    }

    /// Aborts every task and waits until all are gone.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let mut set = evloop::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.shutdown().await;
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }
}

impl<T: 'static> Default for JoinSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        for handle in self.handles.iter().flatten() {
            handle.abort();
        }
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len).finish()
    }
}
