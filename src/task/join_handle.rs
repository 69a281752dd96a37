//! `JoinHandle<T>`: awaiting, aborting and detaching a task, through the runtime's
//! `TaskHost` door.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::{Id, JoinError};
use crate::runtime::{TaskHost, TaskId};

/// An owned permission to await, abort or detach a spawned task: asyncio's `Task` object.
///
/// Awaiting it yields the task's output, or a [`JoinError`] if the task was cancelled (see
/// [`abort`](Self::abort)) or panicked. Dropping it **detaches** the task: the task runs on
/// and its output is dropped when it finishes (unlike `async-task`'s `Task`, where dropping
/// cancels). That is why this type is not `#[must_use]`.
///
/// A `JoinHandle` belongs to the thread of its runtime (`!Send`).
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let handle = evloop::spawn(async { 6 * 7 });
///     assert_eq!(handle.await.unwrap(), 42);
/// });
/// ```
///
/// # Cancellation
///
/// Dropping the `.await` of a `JoinHandle` (for instance in a `wait_for` that times out)
/// does not cancel the task; call [`abort`](Self::abort) for that.
#[doc(alias = "Task")]
pub struct JoinHandle<T> {
    host: TaskHost,
    id: TaskId,
    public_id: Id,
    /// The output was taken: the slot is gone.
    done: bool,
    _output: PhantomData<fn() -> T>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(host: TaskHost, id: TaskId, public_id: Id) -> Self {
        JoinHandle {
            host,
            id,
            public_id,
            done: false,
            _output: PhantomData,
        }
    }

    /// Cancels the task: asyncio's `task.cancel()`.
    ///
    /// The task's future is dropped (on the loop's thread, releasing what it held) at once if
    /// the task is idle, or right after its current poll if the task aborts itself. Awaiting
    /// the handle then yields a `JoinError` for which [`JoinError::is_cancelled`] is true.
    /// Aborting a task that already finished does nothing: its output stays available.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// evloop::run(async {
    ///     let handle = evloop::spawn(evloop::sleep(Duration::from_secs(3600)));
    ///     handle.abort();
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    #[doc(alias = "cancel")]
    pub fn abort(&self) {
        if !self.done {
            self.host.abort(self.id);
        }
    }

    /// Whether the task has finished (returned, panicked or was cancelled): asyncio's
    /// `task.done()`.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let handle = evloop::spawn(async {});
    ///     assert!(!handle.is_finished());
    ///     evloop::yield_now().await;
    ///     assert!(handle.is_finished());
    /// });
    /// ```
    #[doc(alias = "done")]
    pub fn is_finished(&self) -> bool {
        self.done || self.host.is_finished(self.id)
    }

    /// The task's id, unique within its runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let a = evloop::spawn(async {});
    ///     let b = evloop::spawn(async {});
    ///     assert_ne!(a.id(), b.id());
    /// });
    /// ```
    pub fn id(&self) -> Id {
        self.public_id
    }
}

impl<T> JoinHandle<T> {
    /// Makes the task's completion wake `waker` (as a poll of this handle would, without
    /// taking the output or using the poll's budget); true if it has already completed.
    pub(crate) fn watch_completion(&self, waker: &Waker) -> bool {
        self.done || self.host.watch_completion(self.id, waker)
    }
}

impl<T: 'static> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        assert!(!this.done, "JoinHandle polled after it returned its output");
        let output = this.host.poll_join(this.id, this.public_id, cx);
        this.done = output.is_ready();
        output
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if !self.done {
            self.host.detach(self.id);
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let task = self.host.describe(self.id);
        f.debug_struct("JoinHandle")
            .field("id", &self.public_id)
            .field("name", &task.name)
            .field("spawned_at", &task.location)
            .field("finished", &(self.done || task.finished))
            .finish()
    }
}
