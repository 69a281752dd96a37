//! `JoinHandle<T>` and `JoinError`: awaiting, aborting and detaching a task.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::Id;
use super::store::{COMPLETE, DETACHED, TaskId};
use crate::debug::WaitingOn;
use crate::runtime::Core;

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
    core: Rc<Core>,
    id: TaskId,
    public_id: Id,
    /// The output was taken: the slot is gone.
    done: bool,
    _output: PhantomData<fn() -> T>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(core: Rc<Core>, id: TaskId, public_id: Id) -> Self {
        JoinHandle {
            core,
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
            self.core.abort(self.id);
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
        if self.done {
            return true;
        }
        let store = self.core.tasks.borrow();
        store.get(self.id).is_none_or(|slot| slot.has(COMPLETE))
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
    pub(crate) fn watch_completion(&self, waker: &std::task::Waker) -> bool {
        if self.done {
            return true;
        }
        let mut store = self.core.tasks.borrow_mut();
        let Some(slot) = store.get_mut(self.id) else {
            return true;
        };
        if slot.has(COMPLETE) {
            return true;
        }
        let old = slot.join_waker.replace(waker.clone());
        drop(store);
        drop(old);
        false
    }
}

impl<T: 'static> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        assert!(!this.done, "JoinHandle polled after it returned its output");
        if !this.core.consume_budget() {
            // This poll has consumed enough finished work: yield, come back next turn.
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let mut store = this.core.tasks.borrow_mut();
        let Some(slot) = store.get_mut(this.id) else {
            // The runtime was dropped with the task still pending.
            this.done = true;
            return Poll::Ready(Err(JoinError::cancelled()));
        };
        if slot.has(COMPLETE) {
            let slot = store.remove(this.id).expect("slot checked above");
            drop(store);
            this.done = true;
            let mut output: Option<Result<T, JoinError>> = None;
            if let Some(mut task) = slot.task {
                task.as_mut().take_output(&mut output);
            }
            return Poll::Ready(output.unwrap_or_else(|| Err(JoinError::cancelled())));
        }
        let old = match &slot.join_waker {
            Some(waker) if waker.will_wake(cx.waker()) => None,
            _ => slot.join_waker.replace(cx.waker().clone()),
        };
        drop(store);
        drop(old);
        this.core.note_wait(WaitingOn::Task(this.public_id));
        Poll::Pending
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut store = self.core.tasks.borrow_mut();
        let Some(slot) = store.get_mut(self.id) else {
            return;
        };
        if slot.has(COMPLETE) {
            let removed = store.remove(self.id);
            drop(store);
            if let Some(mut slot) = removed {
                // Dropped without looking at the output: a panic in it was never retrieved.
                if let Some(payload) = slot.task.as_mut().and_then(|t| t.as_mut().take_panic()) {
                    self.core.unobserved_panic(&slot.meta, payload);
                }
            }
        } else {
            slot.state |= DETACHED;
            let waker = slot.join_waker.take();
            drop(store);
            drop(waker);
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let store = self.core.tasks.borrow();
        let meta = store.get(self.id).map(|slot| &slot.meta);
        f.debug_struct("JoinHandle")
            .field("id", &self.public_id)
            .field("name", &meta.and_then(|m| m.name.as_deref().map(|n| &**n)))
            .field("spawned_at", &meta.map(|m| m.location))
            .field(
                "finished",
                &(self.done || store.get(self.id).is_none_or(|s| s.has(COMPLETE))),
            )
            .finish()
    }
}

/// Why a task produced no output: it was cancelled, or it panicked.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let err = evloop::spawn(async { panic!("boom") }).await.unwrap_err();
///     assert!(err.is_panic());
///     assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
/// });
/// ```
#[doc(alias = "CancelledError")]
pub struct JoinError {
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(Box<dyn Any + Send + 'static>),
}

impl JoinError {
    pub(crate) fn cancelled() -> Self {
        JoinError {
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(payload: Box<dyn Any + Send + 'static>) -> Self {
        JoinError {
            repr: Repr::Panic(payload),
        }
    }

    /// Whether the task was cancelled (aborted, or dropped with its runtime).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let handle = evloop::spawn(std::future::pending::<()>());
    ///     handle.abort();
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// Whether the task panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let err = evloop::spawn(async { panic!("oops") }).await.unwrap_err();
    ///     assert!(err.is_panic());
    /// });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic payload, to inspect or to re-raise with `std::panic::resume_unwind`.
    ///
    /// # Panics
    ///
    /// Panics if the error is a cancellation; use [`try_into_panic`](Self::try_into_panic)
    /// when unsure.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let err = evloop::spawn(async { panic!("{}", 7) }).await.unwrap_err();
    ///     assert_eq!(*err.into_panic().downcast::<String>().unwrap(), "7");
    /// });
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("JoinError::into_panic called on a cancellation; check is_panic() first")
    }

    /// The panic payload, or the error back if the task was cancelled.
    ///
    /// # Errors
    ///
    /// Returns `Err(self)` when the task was cancelled rather than panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let handle = evloop::spawn(std::future::pending::<()>());
    ///     handle.abort();
    ///     assert!(handle.await.unwrap_err().try_into_panic().is_err());
    /// });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(payload) => Ok(payload),
            Repr::Cancelled => Err(self),
        }
    }
}

/// The message of a panic payload, when it is a string.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("task was cancelled"),
            Repr::Panic(payload) => match panic_message(payload.as_ref()) {
                Some(message) => write!(f, "task panicked: {message}"),
                None => f.write_str("task panicked"),
            },
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("JoinError::Cancelled"),
            Repr::Panic(payload) => f
                .debug_tuple("JoinError::Panic")
                .field(&panic_message(payload.as_ref()))
                .finish(),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(err: JoinError) -> Self {
        std::io::Error::other(err.to_string())
    }
}
