//! `Handle`: spawning onto a loop from other threads.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use super::cell::poll_catching;
use super::context;
use super::join_error::JoinError;
use super::remote_join::{RemoteJoinHandle, completion};
use super::shared::{Remote, Shared};

/// A `Send + Sync + Clone` handle to a runtime, for other threads: asyncio's
/// `run_coroutine_threadsafe` and `call_soon_threadsafe`.
///
/// # Examples
///
/// ```
/// let rt = evloop::Runtime::new().unwrap();
/// let handle = rt.handle();
/// let worker = std::thread::spawn(move || {
///     let task = handle.spawn(async { "from another thread" });
///     task.join() // blocks this thread until the loop ran the task
/// });
/// rt.block_on(async {
///     while !worker.is_finished() {
///         evloop::sleep(std::time::Duration::from_millis(1)).await;
///     }
/// });
/// assert_eq!(worker.join().unwrap().unwrap(), "from another thread");
/// ```
#[derive(Clone)]
pub struct Handle {
    shared: Arc<Shared>,
    tag: u16,
}

/// Error of [`Handle::try_current`]: no runtime is running on this thread.
///
/// # Examples
///
/// ```
/// let err = evloop::Handle::try_current().unwrap_err();
/// assert!(err.to_string().contains("no evloop runtime"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryCurrentError(());

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(context::NO_RUNTIME)
    }
}

impl std::error::Error for TryCurrentError {}

impl Handle {
    pub(crate) fn new(shared: Arc<Shared>, tag: u16) -> Self {
        Handle { shared, tag }
    }

    /// The handle of the runtime running on this thread.
    ///
    /// # Panics
    ///
    /// Panics outside a runtime; use [`try_current`](Self::try_current) where there may be
    /// none.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let handle = evloop::Handle::current();
    ///     let spawn = move || handle.spawn(async { std::thread::current().id() });
    ///     let task = std::thread::spawn(spawn).join().unwrap();
    ///     // Spawned from another thread, run by this loop:
    ///     assert_eq!(task.await.unwrap(), std::thread::current().id());
    /// });
    /// ```
    #[doc(alias = "get_running_loop")]
    #[track_caller]
    pub fn current() -> Handle {
        Handle::try_current().unwrap_or_else(|err| panic!("evloop::Handle::current: {err}"))
    }

    /// The handle of the runtime running on this thread, if any.
    ///
    /// # Errors
    ///
    /// [`TryCurrentError`] outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(evloop::Handle::try_current().is_err());
    /// evloop::run(async { assert!(evloop::Handle::try_current().is_ok()) });
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::with_current(|core| Handle::new(core.shared.clone(), core.tag))
            .ok_or(TryCurrentError(()))
    }

    /// Spawns a `Send` future onto the loop from any thread: asyncio's
    /// `run_coroutine_threadsafe`. The loop wakes from `epoll_wait` to start it.
    ///
    /// The returned [`RemoteJoinHandle`] is `Send`: await it from any runtime, or block on
    /// it with [`RemoteJoinHandle::join`], or cancel it with [`RemoteJoinHandle::abort`].
    /// If the runtime is dropped before the task finishes (or already was), the handle
    /// yields a cancellation error.
    ///
    /// # Backpressure
    ///
    /// Spawning never blocks and is not bounded: each call queues the future for the loop,
    /// which starts every queued spawn at its next turn. A producer that spawns faster than
    /// the loop can run the tasks grows that queue and the set of live tasks. Bound it on the
    /// producer's side: keep at most N [`RemoteJoinHandle`]s unfinished (`join` the oldest
    /// before spawning more), or send the work items through a
    /// [`remote::bounded`](crate::channel::remote::bounded) channel to tasks already running
    /// on the loop, whose `send` blocks the producer while the channel is full.
    /// [`debug::metrics`](crate::debug::metrics) reports the queue (`remote_queued`,
    /// `remote_queue_peak`).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new().unwrap();
    /// let handle = rt.handle();
    /// let task = std::thread::spawn(move || handle.spawn(async { 1 + 1 })).join().unwrap();
    /// assert_eq!(rt.block_on(task).unwrap(), 2);
    /// ```
    #[doc(alias = "run_coroutine_threadsafe")]
    #[doc(alias = "call_soon_threadsafe")]
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> RemoteJoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let location = Location::caller();
        let (completer, handle) = completion();
        let spawn = Box::new(move || {
            let task = async move {
                let output = {
                    let mut future = pin!(future);
                    std::future::poll_fn(|cx| {
                        if completer.poll_aborted(cx) {
                            return Poll::Ready(Err(JoinError::cancelled()));
                        }
                        poll_catching(future.as_mut(), cx).map_err(JoinError::panic)
                    })
                    .await
                }; // the future is dropped here, before its joiner hears of the outcome
                completer.complete(output);
            };
            let _ = super::context::spawn_detached(task, location);
        });
        // A runtime that is gone drops the closure, whose completer reports cancellation.
        if let Err(refused) = self.shared.push(Remote::Spawn(spawn)) {
            drop(refused);
        }
        handle
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("tag", &self.tag)
            .finish_non_exhaustive()
    }
}
