//! `select` and `race`: the first of two futures wins, the other is dropped.

use std::future::{IntoFuture, poll_fn};
use std::pin::pin;
use std::task::Poll;

/// The output of [`select`]: which future finished first, with its value.
///
/// # Examples
///
/// ```
/// use evloop::Either;
/// let left: Either<i32, &str> = Either::Left(1);
/// assert!(matches!(left, Either::Left(1)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Either<A, B> {
    /// The first future finished first.
    Left(A),
    /// The second future finished first.
    Right(B),
}

/// Awaits two futures and returns the output of the first to finish; the other is dropped:
/// asyncio's `wait(..., return_when=FIRST_COMPLETED)` for two awaitables.
///
/// Biased: when both are ready in the same poll, `a` wins.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::Either;
/// evloop::run(async {
///     let slow = evloop::sleep(Duration::from_secs(60));
///     let fast = async { "fast" };
///     assert_eq!(evloop::select(slow, fast).await, Either::Right("fast"));
/// });
/// ```
///
/// # Cancellation
///
/// Dropping the returned future drops both.
#[doc(alias = "FIRST_COMPLETED")]
pub async fn select<A, B>(a: A, b: B) -> Either<A::Output, B::Output>
where
    A: IntoFuture,
    B: IntoFuture,
{
    let mut a = pin!(a.into_future());
    let mut b = pin!(b.into_future());
    poll_fn(|cx| {
        if let Poll::Ready(value) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(value));
        }
        if let Poll::Ready(value) = b.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(value));
        }
        Poll::Pending
    })
    .await
}

/// Awaits two futures with the same output type and returns the first output; the other
/// future is dropped. Biased towards `a`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// evloop::run(async {
///     let winner = evloop::race(
///         async { evloop::sleep(Duration::from_millis(50)).await; "slow" },
///         async { evloop::sleep(Duration::from_millis(1)).await; "fast" },
///     )
///     .await;
///     assert_eq!(winner, "fast");
/// });
/// ```
///
/// # Cancellation
///
/// Dropping the returned future drops both.
pub async fn race<T, A, B>(a: A, b: B) -> T
where
    A: IntoFuture<Output = T>,
    B: IntoFuture<Output = T>,
{
    match select(a, b).await {
        Either::Left(value) | Either::Right(value) => value,
    }
}
