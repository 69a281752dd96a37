//! `wait_for` and `wait_until`: bounding how long a future may take.

use std::fmt;
use std::future::{Future, IntoFuture, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::{Duration, Instant};

use super::Sleep;

/// Error returned by [`wait_for`] and [`wait_until`] when the deadline passed first:
/// asyncio's `TimeoutError`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// evloop::run(async {
///     let err = evloop::wait_for(Duration::from_millis(1), std::future::pending::<()>()).await;
///     assert_eq!(err.unwrap_err().to_string(), "deadline elapsed");
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeoutError(());

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline elapsed")
    }
}

impl std::error::Error for TimeoutError {}

impl From<TimeoutError> for std::io::Error {
    fn from(_: TimeoutError) -> Self {
        std::io::ErrorKind::TimedOut.into()
    }
}

/// Runs `future` for at most `duration`: asyncio's `asyncio.wait_for(aw, timeout)`.
///
/// The inner future is always polled before the timer is checked, so a future that completes
/// in the same loop turn as the deadline returns `Ok`. A future that is ready at its first
/// poll costs no timer at all (the timer is armed only once the future is pending).
/// `Duration::MAX` means no timeout.
///
/// # Errors
///
/// [`TimeoutError`] if the deadline passed first; the inner future is then dropped.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// evloop::run(async {
///     let slow = evloop::sleep(Duration::from_secs(10));
///     assert!(evloop::wait_for(Duration::from_millis(5), slow).await.is_err());
///     assert_eq!(evloop::wait_for(Duration::from_secs(1), async { 7 }).await, Ok(7));
/// });
/// ```
///
/// # Panics
///
/// Panics if awaited outside an evloop runtime while the inner future is pending.
///
/// # Cancellation
///
/// Dropping the returned future drops the inner one and disarms the timer. The inner
/// future is dropped, not spawned: work it had in flight is lost, as with asyncio.
#[doc(alias = "timeout")]
#[doc(alias = "asyncio.wait_for")]
pub async fn wait_for<F: IntoFuture>(
    duration: Duration,
    future: F,
) -> Result<F::Output, TimeoutError> {
    with_timer(future.into_future(), || crate::sleep(duration)).await
}

/// Runs `future` until `deadline` at most: asyncio's `asyncio.timeout_at`.
///
/// Same rules as [`wait_for`].
///
/// # Errors
///
/// [`TimeoutError`] if the deadline passed first.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// evloop::run(async {
///     let deadline = Instant::now() + Duration::from_millis(5);
///     let result = evloop::wait_until(deadline, std::future::pending::<()>()).await;
///     assert!(result.is_err());
///     assert!(Instant::now() >= deadline);
/// });
/// ```
///
/// # Panics
///
/// Panics if awaited outside an evloop runtime while the inner future is pending.
///
/// # Cancellation
///
/// As [`wait_for`].
#[doc(alias = "timeout_at")]
pub async fn wait_until<F: IntoFuture>(
    deadline: Instant,
    future: F,
) -> Result<F::Output, TimeoutError> {
    with_timer(future.into_future(), || crate::sleep_until(deadline)).await
}

/// Polls `future`, then (only once it is pending) a timer made by `make_timer`.
async fn with_timer<F: Future>(
    future: F,
    make_timer: impl FnOnce() -> Sleep,
) -> Result<F::Output, TimeoutError> {
    let mut future = pin!(future);
    let mut make_timer = Some(make_timer);
    let mut timer: Option<Sleep> = None;
    poll_fn(|cx| {
        if let Poll::Ready(value) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(value));
        }
        let timer = timer.get_or_insert_with(|| (make_timer.take().expect("made once"))());
        match Pin::new(timer).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(TimeoutError(()))),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}
