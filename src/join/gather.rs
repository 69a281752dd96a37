//! `gather` and `try_gather`, with one waker per child.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::ready::ReadySet;

/// The shared engine of `gather` and `try_gather`.
struct JoinAll<F: Future> {
    children: Vec<Option<Pin<Box<F>>>>,
    outputs: Vec<Option<F::Output>>,
    ready: ReadySet,
    /// Scratch buffer of ready indices.
    batch: Vec<usize>,
    remaining: usize,
}

// Children are pinned in their own boxes and outputs are never pinned, so moving a
// `JoinAll` is fine whatever the types.
impl<F: Future> Unpin for JoinAll<F> {}

impl<F: Future> JoinAll<F> {
    fn new(futures: impl IntoIterator<Item = F>) -> Self {
        let children: Vec<_> = futures.into_iter().map(|f| Some(Box::pin(f))).collect();
        let mut ready = ReadySet::new();
        for _ in 0..children.len() {
            ready.add();
        }
        JoinAll {
            outputs: children.iter().map(|_| None).collect(),
            remaining: children.len(),
            children,
            ready,
            batch: Vec::new(),
        }
    }

    /// Polls the woken children. Returns `Ready(Ok(outputs))` when all are done, or
    /// `Ready(Err(output))` as soon as `fails(&output)` says so.
    fn poll(
        &mut self,
        cx: &mut Context<'_>,
        fails: impl Fn(&F::Output) -> bool,
    ) -> Poll<Result<Vec<F::Output>, F::Output>> {
        self.ready.take(cx, &mut self.batch);
        for i in 0..self.batch.len() {
            let index = self.batch[i];
            let Some(child) = self.children[index].as_mut() else {
                continue;
            };
            let waker = self.ready.waker(index);
            if let Poll::Ready(output) = child.as_mut().poll(&mut Context::from_waker(waker)) {
                self.children[index] = None;
                self.remaining -= 1;
                if fails(&output) {
                    self.batch.clear();
                    self.children.clear(); // drop the others now
                    return Poll::Ready(Err(output));
                }
                self.outputs[index] = Some(output);
            }
        }
        self.batch.clear();
        if self.remaining == 0 {
            let outputs = std::mem::take(&mut self.outputs);
            return Poll::Ready(Ok(outputs
                .into_iter()
                .map(|o| o.expect("every child finished"))
                .collect()));
        }
        Poll::Pending
    }
}

/// Runs all futures concurrently and returns their outputs in input order: asyncio's
/// `asyncio.gather(*aws)`.
///
/// The futures run inside the calling task (nothing is spawned). Each child has its own
/// waker: when one is woken, only that one is polled again. Woken children are polled in
/// the order they were woken (first in, first out); the output is in input order whatever
/// the completion order.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// evloop::run(async {
///     let delays = [30u64, 10, 20];
///     let out = evloop::gather(delays.map(|ms| async move {
///         evloop::sleep(Duration::from_millis(ms)).await;
///         ms
///     }))
///     .await;
///     assert_eq!(out, [30, 10, 20]); // input order, not completion order
/// });
/// ```
///
/// # Cancellation
///
/// Dropping the returned future drops every child, finished or not.
#[doc(alias = "asyncio.gather")]
#[doc(alias = "join_all")]
pub fn gather<I>(futures: I) -> Gather<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture,
{
    Gather {
        inner: JoinAll::new(futures.into_iter().map(IntoFuture::into_future)),
    }
}

/// Future returned by [`gather`].
#[must_use = "futures do nothing unless awaited"]
pub struct Gather<F: Future> {
    inner: JoinAll<F>,
}

impl<F: Future> Future for Gather<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut()
            .inner
            .poll(cx, |_| false)
            .map(|outputs| match outputs {
                Ok(outputs) => outputs,
                Err(_) => unreachable!("gather never fails early"),
            })
    }
}

impl<F: Future> fmt::Debug for Gather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gather")
            .field("remaining", &self.inner.remaining)
            .finish()
    }
}

/// Runs fallible futures concurrently: all their values in input order, or the first error
/// (the other futures are then dropped): asyncio's `gather` without `return_exceptions`.
///
/// # Errors
///
/// The first error any future returns, in completion order (children woken in the same
/// turn are polled in wake order, so the one woken first reports first).
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let parse = |s: &'static str| async move { s.parse::<u32>() };
///     assert_eq!(evloop::try_gather(["1", "2"].map(parse)).await, Ok(vec![1, 2]));
///     assert!(evloop::try_gather(["1", "x"].map(parse)).await.is_err());
/// });
/// ```
///
/// # Cancellation
///
/// Dropping the returned future drops every child.
#[doc(alias = "try_join_all")]
pub fn try_gather<I, T, E>(futures: I) -> TryGather<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture<Output = Result<T, E>>,
{
    TryGather {
        inner: JoinAll::new(futures.into_iter().map(IntoFuture::into_future)),
    }
}

/// Future returned by [`try_gather`].
#[must_use = "futures do nothing unless awaited"]
pub struct TryGather<F: Future> {
    inner: JoinAll<F>,
}

impl<F, T, E> Future for TryGather<F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<Vec<T>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut()
            .inner
            .poll(cx, Result::is_err)
            .map(|outputs| match outputs {
                Ok(outputs) => Ok(outputs.into_iter().filter_map(Result::ok).collect()),
                Err(Err(err)) => Err(err),
                Err(Ok(_)) => unreachable!("only errors fail early"),
            })
    }
}

impl<F: Future> fmt::Debug for TryGather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryGather")
            .field("remaining", &self.inner.remaining)
            .finish()
    }
}
