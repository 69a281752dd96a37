//! `RemoteJoinHandle`: the `Send` result of a task spawned through a `Handle`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use super::join_error::JoinError;

struct State<T> {
    output: Option<Result<T, JoinError>>,
    done: bool,
    waker: Option<Waker>,
    /// `abort` was called: the task drops its future at its next poll.
    aborted: bool,
    /// The task's own waker (stored by `poll_aborted`), so `abort` can wake it.
    task: Option<Waker>,
}

struct Inner<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
}

impl<T> Inner<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Creates the two ends: the loop completes, the spawner awaits or joins.
pub(crate) fn completion<T>() -> (Completer<T>, RemoteJoinHandle<T>) {
    let inner = Arc::new(Inner {
        state: Mutex::new(State {
            output: None,
            done: false,
            waker: None,
            aborted: false,
            task: None,
        }),
        ready: Condvar::new(),
    });
    (
        Completer {
            inner: Some(inner.clone()),
        },
        RemoteJoinHandle { inner },
    )
}

/// The loop's end: delivers the output, or a cancellation if dropped without one.
pub(crate) struct Completer<T> {
    inner: Option<Arc<Inner<T>>>,
}

impl<T> Completer<T> {
    /// Whether the task was aborted; if not, keeps the task's waker (`cx`'s) so that an
    /// `abort` from any thread wakes it.
    pub(crate) fn poll_aborted(&self, cx: &Context<'_>) -> bool {
        let Some(inner) = &self.inner else {
            return true;
        };
        let mut state = inner.lock();
        if state.aborted {
            return true;
        }
        match &state.task {
            Some(task) if task.will_wake(cx.waker()) => {}
            _ => state.task = Some(cx.waker().clone()),
        }
        false
    }

    pub(crate) fn complete(mut self, output: Result<T, JoinError>) {
        if let Some(inner) = self.inner.take() {
            deliver(&inner, output);
        }
    }
}

impl<T> Drop for Completer<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            deliver(&inner, Err(JoinError::cancelled()));
        }
    }
}

fn deliver<T>(inner: &Inner<T>, output: Result<T, JoinError>) {
    let waker = {
        let mut state = inner.lock();
        state.output = Some(output);
        state.done = true;
        state.waker.take()
    };
    inner.ready.notify_all();
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// Handle to a task spawned with [`Handle::spawn`](super::Handle::spawn); `Send`, so the
/// spawning thread can keep it.
///
/// Await it (from any runtime or executor) or [`join`](Self::join) it from a plain thread.
/// Dropping it detaches the task.
///
/// # Examples
///
/// ```
/// let rt = evloop::Runtime::new().unwrap();
/// let handle = rt.handle();
/// let task = std::thread::spawn(move || handle.spawn(async { "hi" })).join().unwrap();
/// assert_eq!(rt.block_on(task).unwrap(), "hi");
/// ```
pub struct RemoteJoinHandle<T> {
    inner: Arc<Inner<T>>,
}

impl<T> RemoteJoinHandle<T> {
    /// Blocks this thread until the task finishes.
    ///
    /// # Errors
    ///
    /// [`JoinError`] if the task panicked or was cancelled (its runtime was dropped).
    ///
    /// # Panics
    ///
    /// Panics when called on a thread that is running an evloop runtime: blocking it could
    /// block the very loop that must run the task. `.await` the handle there instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new().unwrap();
    /// let handle = rt.handle();
    /// let waiter = std::thread::spawn(move || handle.spawn(async { 3 }).join());
    /// rt.block_on(async {
    ///     while !waiter.is_finished() {
    ///         evloop::sleep(std::time::Duration::from_millis(1)).await;
    ///     }
    /// });
    /// assert_eq!(waiter.join().unwrap().unwrap(), 3);
    /// ```
    #[track_caller]
    pub fn join(self) -> Result<T, JoinError> {
        assert!(
            !super::in_runtime(),
            "RemoteJoinHandle::join called on a thread running an evloop runtime; `.await` it instead"
        );
        let mut state = self.inner.lock();
        while !state.done {
            state = self
                .inner
                .ready
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        state
            .output
            .take()
            .unwrap_or_else(|| Err(JoinError::cancelled()))
    }

    /// Whether the task has finished.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new().unwrap();
    /// let task = rt.handle().spawn(async {});
    /// assert!(!task.is_finished());
    /// rt.block_on(async {
    ///     while !task.is_finished() {
    ///         evloop::yield_now().await; // the loop picks up remote spawns as it turns
    ///     }
    /// });
    /// assert!(task.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.inner.lock().done
    }

    /// Cancels the task, from any thread: asyncio's `Future.cancel()` on the result of
    /// `run_coroutine_threadsafe`.
    ///
    /// The task's future is dropped on the loop's thread at the task's next turn (a task
    /// that has not started yet never runs), and the handle then returns
    /// `Err(JoinError)` with [`is_cancelled`](JoinError::is_cancelled). Aborting a task
    /// that has already finished does nothing: its output is kept.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new().unwrap();
    /// let task = rt.handle().spawn(std::future::pending::<()>());
    /// let remote = std::thread::spawn(move || {
    ///     task.abort();
    ///     task.join() // blocks this thread until the loop has dropped the future
    /// });
    /// rt.block_on(async {
    ///     while !remote.is_finished() {
    ///         evloop::sleep(std::time::Duration::from_millis(1)).await;
    ///     }
    /// });
    /// assert!(remote.join().unwrap().unwrap_err().is_cancelled());
    /// ```
    #[doc(alias = "cancel")]
    pub fn abort(&self) {
        let task = {
            let mut state = self.inner.lock();
            if state.done {
                return;
            }
            state.aborted = true;
            state.task.take()
        };
        if let Some(task) = task {
            task.wake(); // through the cross-thread path when called from another thread
        }
    }
}

impl<T> Future for RemoteJoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.inner.lock();
        if state.done {
            return Poll::Ready(
                state
                    .output
                    .take()
                    .unwrap_or_else(|| Err(JoinError::cancelled())),
            );
        }
        match &state.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => state.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<T> fmt::Debug for RemoteJoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteJoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}
