//! `spawn_blocking`: run blocking code on a bounded thread pool (asyncio's `to_thread` and
//! `run_in_executor`).
//!
//! # Design
//!
//! Each runtime owns a pool (`runtime/blocking_pool.rs`), started lazily, with three lanes
//! of bounded threads: user jobs (`spawn_blocking`, up to `max_blocking_threads`), file
//! calls ([`crate::fs`], up to `max_file_threads`) and host name lookups (up to 4), so
//! that no kind of work waits for another's threads. A call is a job plus a small
//! `Arc<Mutex<..>>` cell for its result ([`Blocking`]); the worker wakes the waiting task
//! through its waker, that is, through the cross-thread path (inject queue +
//! `mio::Waker`), so a parked loop wakes up. `spawn_blocking` wraps the call in a task so
//! that it can be joined, detached or aborted; `fs` awaits it directly.
//!
//! This module uses two of the runtime's doors: `runtime::execute_blocking` and `spawn`.
//! When the runtime is dropped, queued jobs that did not start are dropped and idle
//! workers are joined; a worker running a job is detached and exits after it.
use std::future::Future;
use std::io;
use std::panic::{AssertUnwindSafe, Location, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use crate::runtime::Lane;
use crate::task::JoinHandle;

struct Cell<T> {
    result: Option<std::thread::Result<T>>,
    waker: Option<Waker>,
}

/// A call running on a blocking lane, awaited without a task of its own: waits for the
/// worker's result and re-raises its panic. `spawn_blocking` wraps it in a task (so it can
/// be detached and joined); `evloop::fs` awaits it directly, one allocation per call.
///
/// Dropping it stops waiting; the call still runs to completion on its thread.
pub(crate) struct Blocking<T> {
    cell: Arc<Mutex<Cell<T>>>,
}

impl<T> Blocking<T> {
    /// The outcome as an `io::Result`: a panic of the call (or a thread that could not be
    /// started) becomes an error naming `what` (e.g. `"fs::File"`).
    pub(crate) fn poll_io(&self, cx: &mut Context<'_>, what: &str) -> Poll<io::Result<T>> {
        self.poll_outcome(cx).map(|outcome| {
            outcome.map_err(|payload| {
                let message = crate::runtime::panic_message(&*payload).unwrap_or("a panic");
                io::Error::other(format!("evloop::{what}: {message}"))
            })
        })
    }

    /// Registers `cx`'s waker for the outcome without taking it; true if the outcome is
    /// already there (then nothing is registered).
    pub(crate) fn register(&self, cx: &Context<'_>) -> bool {
        let mut cell = self.lock();
        if cell.result.is_some() {
            return true;
        }
        cell.set_waker(cx.waker());
        false
    }

    /// The call's outcome once it has one (a panic as `Err`); registers the waker until then.
    pub(crate) fn poll_outcome(&self, cx: &mut Context<'_>) -> Poll<std::thread::Result<T>> {
        let mut cell = self.lock();
        match cell.result.take() {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                cell.set_waker(cx.waker());
                Poll::Pending
            }
        }
    }

    /// The result cell (consistent even if a thread panicked while holding it).
    fn lock(&self) -> std::sync::MutexGuard<'_, Cell<T>> {
        self.cell
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<T> Cell<T> {
    /// Keeps the stored waker if it wakes the same task, else stores a clone of `waker`.
    fn set_waker(&mut self, waker: &Waker) {
        match &self.waker {
            Some(stored) if stored.will_wake(waker) => {}
            _ => self.waker = Some(waker.clone()),
        }
    }
}

impl<T> Future for Blocking<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.poll_outcome(cx) {
            Poll::Ready(Ok(value)) => Poll::Ready(value),
            Poll::Ready(Err(payload)) => resume_unwind(payload),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Starts `f` in `lane` of this thread's runtime's blocking pool; `None` outside a runtime.
/// If no thread could be started, the returned future panics with the reason (inside a
/// task, a `JoinError`).
pub(crate) fn submit<F, T>(lane: Lane, f: F) -> Option<Blocking<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let cell = Arc::new(Mutex::new(Cell {
        result: None,
        waker: None,
    }));
    let job_cell = cell.clone();
    let job = Box::new(move || {
        let result = catch_unwind(AssertUnwindSafe(f));
        let waker = {
            let mut cell = job_cell
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            cell.result = Some(result);
            cell.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    });
    if let Err(err) = crate::runtime::execute_blocking(lane, job)? {
        let message = format!("evloop: could not start a blocking thread: {err}");
        cell.lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .result = Some(Err(Box::new(message)));
    }
    Some(Blocking { cell })
}

/// Runs `f` in `lane` and awaits its result as an `io::Result`: an error outside a runtime,
/// and an error (not a panic) if the call panicked or no thread could be started.
pub(crate) async fn run_io<F, T>(lane: Lane, what: &'static str, f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    let call = submit(lane, f).ok_or_else(|| no_runtime(what))?;
    std::future::poll_fn(|cx| call.poll_io(cx, what)).await?
}

/// The error of a blocking call made outside a runtime, naming `what` (e.g. `"fs"`).
pub(crate) fn no_runtime(what: &str) -> io::Error {
    io::Error::other(format!("evloop::{what}: {NO_RUNTIME_HINT}"))
}

/// Runs `f` on the runtime's blocking thread pool and returns a handle to its result:
/// asyncio's `asyncio.to_thread(f)` / `loop.run_in_executor(None, f)`.
///
/// Use it for blocking calls (file I/O, CPU-heavy work, blocking libraries) that would
/// otherwise stall every task on the loop. At most `max_blocking_threads` run at once; more
/// calls wait in a queue. A panic in `f` comes back as a [`JoinError`](crate::JoinError).
///
/// # Panics
///
/// Panics outside a runtime.
///
/// # Cancellation
///
/// [`JoinHandle::abort`] stops waiting for the result, but `f` runs to completion on its
/// thread: a running thread cannot be interrupted.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let sum = evloop::spawn_blocking(|| (1..=100u32).sum::<u32>()).await.unwrap();
///     assert_eq!(sum, 5050);
/// });
/// ```
#[doc(alias = "to_thread")]
#[doc(alias = "run_in_executor")]
#[track_caller]
pub fn spawn_blocking<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let location = Location::caller();
    let call = submit(Lane::User, f)
        .unwrap_or_else(|| panic!("evloop::spawn_blocking: {NO_RUNTIME_HINT}"));
    crate::task::spawn_inner(call, None, location)
}

const NO_RUNTIME_HINT: &str = "there is no evloop runtime running on this thread; call it \
    inside `evloop::run(...)` (outside one, `std::thread::spawn` is the tool)";
