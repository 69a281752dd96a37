//! `shield`: let work finish even if the side awaiting it is cancelled.

use std::fmt;
use std::future::Future;
use std::panic::resume_unwind;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::task::JoinHandle;

/// Runs `future` as its own task and awaits it; if the awaiting side is cancelled (its
/// future dropped, e.g. by a `wait_for` timeout), the task runs on to completion: asyncio's
/// `asyncio.shield`.
///
/// # Panics
///
/// Panics outside a runtime (it spawns). Awaiting it re-raises a panic of `future`.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use std::time::Duration;
///
/// evloop::run(async {
///     let saved = Rc::new(Cell::new(false));
///     let flag = saved.clone();
///     let save = evloop::shield(async move {
///         evloop::sleep(Duration::from_millis(20)).await;
///         flag.set(true);
///     });
///     // The caller gives up after 1 ms...
///     assert!(evloop::wait_for(Duration::from_millis(1), save).await.is_err());
///     // ...but the shielded work completes.
///     evloop::sleep(Duration::from_millis(40)).await;
///     assert!(saved.get());
/// });
/// ```
///
/// # Cancellation
///
/// That is the point: dropping the returned future detaches the task instead of
/// cancelling it.
#[doc(alias = "asyncio.shield")]
#[track_caller]
pub fn shield<F>(future: F) -> Shielded<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    Shielded {
        handle: crate::spawn(future),
    }
}

/// Future returned by [`shield`].
#[must_use = "futures do nothing unless awaited"]
pub struct Shielded<T> {
    handle: JoinHandle<T>,
}

impl<T: 'static> Future for Shielded<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match Pin::new(&mut self.handle).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(value)) => Poll::Ready(value),
            Poll::Ready(Err(err)) => match err.try_into_panic() {
                Ok(payload) => resume_unwind(payload),
                // Only an explicit abort (or the runtime shutting down) cancels it.
                Err(err) => panic!("evloop::shield: the shielded task was {err}"),
            },
        }
    }
}

impl<T> fmt::Debug for Shielded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shielded")
            .field("task", &self.handle)
            .finish()
    }
}
