//! `spawn_blocking`: run blocking code on a bounded thread pool (asyncio's `to_thread` and
//! `run_in_executor`).
//!
//! # Design
//!
//! Each runtime owns a pool, started lazily: a job queue under a `Mutex`, a `Condvar`, and up
//! to `max_blocking_threads` worker threads. A new thread is started only when no idle
//! worker is waiting; an idle worker exits after `blocking_keep_alive` without work. The
//! result travels back in a small `Arc<Mutex<..>>` cell, and the worker wakes the waiting
//! task through its waker, that is, through the cross-thread path (inject queue +
//! `mio::Waker`), so a parked loop wakes up.
//!
//! The pool itself (`runtime/blocking_pool.rs`) belongs to the runtime; this module only
//! uses two of the runtime's doors: `runtime::execute_blocking` and `spawn`. When the
//! runtime is dropped, queued jobs that did not start are dropped and idle workers are
//! joined; a worker running a job is detached and exits after it.
use std::future::Future;
use std::panic::{AssertUnwindSafe, Location, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use crate::task::JoinHandle;

struct Cell<T> {
    result: Option<std::thread::Result<T>>,
    waker: Option<Waker>,
}

/// The task-side future: waits for the worker's result and re-raises its panic (which the
/// task turns into a `JoinError`).
struct BlockingResult<T> {
    cell: Arc<Mutex<Cell<T>>>,
}

impl<T> Future for BlockingResult<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut cell = self
            .cell
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match cell.result.take() {
            Some(Ok(value)) => Poll::Ready(value),
            Some(Err(payload)) => {
                drop(cell);
                resume_unwind(payload)
            }
            None => {
                match &cell.waker {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    _ => cell.waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }
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
    let executed = crate::runtime::execute_blocking(job)
        .unwrap_or_else(|| panic!("evloop::spawn_blocking: {NO_RUNTIME_HINT}"));
    if let Err(err) = executed {
        let message = format!("evloop::spawn_blocking: could not start a thread: {err}");
        cell.lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .result = Some(Err(Box::new(message)));
    }
    crate::task::spawn_inner(BlockingResult { cell }, None, location)
}

const NO_RUNTIME_HINT: &str = "there is no evloop runtime running on this thread; call it \
    inside `evloop::run(...)` (outside one, `std::thread::spawn` is the tool)";
