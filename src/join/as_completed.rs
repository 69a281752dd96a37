//! `as_completed` and `wait_any`: many futures, taken in the order they finish.

use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::ready::ReadySet;

/// Futures polled through per-child wakers, yielding outputs in completion order.
struct Completion<F: Future> {
    children: Vec<Option<Pin<Box<F>>>>,
    ready: ReadySet,
    batch: Vec<usize>,
    /// Ready indices taken but not yet polled (one output is returned per call).
    /// Woken children taken from the ready set and not yet polled, oldest wake first.
    pending: VecDeque<usize>,
    remaining: usize,
}

impl<F: Future> Completion<F> {
    fn new(futures: impl IntoIterator<Item = F>) -> Self {
        let children: Vec<_> = futures.into_iter().map(|f| Some(Box::pin(f))).collect();
        let mut ready = ReadySet::new();
        for _ in 0..children.len() {
            ready.add();
        }
        Completion {
            remaining: children.len(),
            children,
            ready,
            batch: Vec::new(),
            pending: VecDeque::new(),
        }
    }

    /// The next `(index, output)` to finish, `None` when all have.
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, F::Output)>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        self.ready.take(cx, &mut self.batch);
        // First in, first out, across batches: children left over from an earlier batch
        // were woken before this batch's.
        self.pending.extend(self.batch.drain(..));
        while let Some(index) = self.pending.pop_front() {
            let Some(child) = self.children[index].as_mut() else {
                continue;
            };
            let mut child_cx = Context::from_waker(self.ready.waker(index));
            if let Poll::Ready(output) = child.as_mut().poll(&mut child_cx) {
                self.children[index] = None;
                self.remaining -= 1;
                return Poll::Ready(Some((index, output)));
            }
        }
        Poll::Pending
    }
}

// Children are pinned in their own boxes; nothing else is pinned.
impl<F: Future> Unpin for Completion<F> {}

/// The outputs of `futures` in the order they complete, as a [`Stream`]: asyncio's
/// `as_completed`.
///
/// The futures run inside the task that polls the stream; each has its own waker, so only
/// the woken ones are polled again.
///
/// # Order
///
/// Woken futures are polled first in, first out: a future woken earlier is polled (and, if
/// it finishes, yielded) before one woken later, also when the stream returns in between.
/// At the first poll, every future is polled in input order, so futures that are ready at
/// once come out in input order.
///
/// # Examples
///
/// ```
/// use std::future::poll_fn;
/// use std::pin::Pin;
/// use std::time::Duration;
/// use futures_core::Stream;
///
/// evloop::run(async {
///     let mut stream = evloop::as_completed([30u64, 10, 20].map(|ms| async move {
///         evloop::sleep(Duration::from_millis(ms)).await;
///         ms
///     }));
///     let mut order = Vec::new();
///     while let Some(ms) = poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
///         order.push(ms);
///     }
///     assert_eq!(order, [10, 20, 30]);
/// });
/// ```
///
/// # Cancellation
///
/// Dropping the stream drops the futures that have not finished.
#[doc(alias = "asyncio.as_completed")]
pub fn as_completed<I>(futures: I) -> AsCompleted<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture,
{
    AsCompleted {
        inner: Completion::new(futures.into_iter().map(IntoFuture::into_future)),
    }
}

/// Stream returned by [`as_completed`].
#[must_use = "streams do nothing unless polled"]
pub struct AsCompleted<F: Future> {
    inner: Completion<F>,
}

impl<F: Future> AsCompleted<F> {
    /// The next output to complete, `None` when all have: the stream as an `async fn`.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let mut done = evloop::as_completed([1, 2].map(|n| async move { n }));
    ///     assert_eq!(done.next().await, Some(1));
    ///     assert_eq!(done.next().await, Some(2));
    ///     assert_eq!(done.next().await, None);
    /// });
    /// ```
    pub async fn next(&mut self) -> Option<F::Output> {
        std::future::poll_fn(|cx| self.inner.poll_next(cx).map(|o| o.map(|(_, v)| v))).await
    }
}

impl<F: Future> Stream for AsCompleted<F> {
    type Item = F::Output;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        self.get_mut()
            .inner
            .poll_next(cx)
            .map(|o| o.map(|(_, v)| v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.inner.remaining, Some(self.inner.remaining))
    }
}

impl<F: Future> fmt::Debug for AsCompleted<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("remaining", &self.inner.remaining)
            .finish()
    }
}

/// Waits for the first of `futures` to finish and returns its output, its index, and the
/// others, still pending, to await later or drop: asyncio's
/// `wait(aws, return_when=FIRST_COMPLETED)`.
///
/// Woken futures are polled in the order they were woken (first in, first out), so of two
/// futures that can finish in the same turn, the one woken first wins; at the first poll,
/// the first ready one in input order wins.
///
/// # Panics
///
/// Panics (when awaited) if `futures` is empty: there would be nothing to wait for.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// evloop::run(async {
///     let fetches = [50u64, 5, 30].map(|ms| async move {
///         evloop::sleep(Duration::from_millis(ms)).await;
///         ms
///     });
///     let (first, index, rest) = evloop::wait_any(fetches).await;
///     assert_eq!((first, index), (5, 1));
///     assert_eq!(rest.len(), 2);
///     assert_eq!(evloop::gather(rest).await, [50, 30]); // the others, still running
/// });
/// ```
///
/// # Cancellation
///
/// Dropping the returned future drops every input future.
#[doc(alias = "FIRST_COMPLETED")]
#[doc(alias = "wait")]
pub fn wait_any<I>(futures: I) -> WaitAny<<I::Item as IntoFuture>::IntoFuture>
where
    I: IntoIterator,
    I::Item: IntoFuture,
{
    WaitAny {
        inner: Some(Completion::new(
            futures.into_iter().map(IntoFuture::into_future),
        )),
    }
}

/// Future returned by [`wait_any`].
#[must_use = "futures do nothing unless awaited"]
pub struct WaitAny<F: Future> {
    inner: Option<Completion<F>>,
}

impl<F: Future> Future for WaitAny<F> {
    /// The first output, its index among the inputs, and the unfinished futures in input
    /// order.
    type Output = (F::Output, usize, Vec<Pin<Box<F>>>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let inner = this
            .inner
            .as_mut()
            .expect("WaitAny polled after completion");
        assert!(
            !inner.children.is_empty(),
            "evloop::wait_any needs at least one future to wait for"
        );
        match inner.poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => unreachable!("a non-empty set has a first future to finish"),
            Poll::Ready(Some((index, output))) => {
                let inner = this.inner.take().expect("checked above");
                let rest = inner.children.into_iter().flatten().collect();
                Poll::Ready((output, index, rest))
            }
        }
    }
}

impl<F: Future> fmt::Debug for WaitAny<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitAny")
            .field("remaining", &self.inner.as_ref().map(|i| i.remaining))
            .finish()
    }
}
