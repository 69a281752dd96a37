//! A channel from other threads into the loop: [`RemoteSender`]s (`Send + Sync + Clone`)
//! on any thread feed one [`RemoteReceiver`] awaited by a task (asyncio's
//! `loop.call_soon_threadsafe(queue.put_nowait, item)` pattern).
//!
//! # Design
//!
//! The one channel that crosses threads, so the one built on `Arc<Mutex<..>>`: a
//! `VecDeque` of values, the count of live senders, a `closed` flag, and the waker of the
//! receiving task. A send pushes under the lock, takes the waker, releases the lock and
//! wakes it. That wake goes through the runtime's cross-thread path (inject queue +
//! `mio::Waker`), so it reaches a loop parked in the reactor with no timer armed: the
//! receiving task needs nothing else to notice values.
//!
//! Unbounded: senders may be plain threads that cannot await, and backpressure across
//! threads is better expressed by the producer (for instance a `std::sync::mpsc::sync_channel`
//! of permits) than by blocking a thread inside `send`.
//!
//! # Ground rules
//!
//! * The lock is held only to move a value or a waker in or out; wakes and value drops
//!   happen after it is released.
//! * A poisoned lock (a thread panicked while holding it; the critical sections do not
//!   panic, but a value's `Drop` elsewhere could) is used anyway: the state stays valid.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use futures_core::Stream;

pub use super::{SendError, TryRecvError};

struct Inner<T> {
    queue: VecDeque<T>,
    senders: usize,
    /// The receiver closed the channel or was dropped.
    closed: bool,
    waker: Option<Waker>,
}

struct Shared<T>(Mutex<Inner<T>>);

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Creates an unbounded channel whose sender can be used from any thread.
///
/// # Examples
///
/// ```
/// use evloop::channel::remote;
/// evloop::run(async {
///     let (tx, mut rx) = remote::channel();
///     let workers: Vec<_> = (0..3)
///         .map(|id| {
///             let tx = tx.clone();
///             std::thread::spawn(move || tx.send(id).unwrap())
///         })
///         .collect();
///     drop(tx);
///     let mut got = Vec::new();
///     while let Some(id) = rx.recv().await {
///         got.push(id); // the loop sleeps between values, and wakes for each
///     }
///     got.sort();
///     assert_eq!(got, [0, 1, 2]);
///     for worker in workers {
///         worker.join().unwrap();
///     }
/// });
/// ```
#[doc(alias = "call_soon_threadsafe")]
pub fn channel<T>() -> (RemoteSender<T>, RemoteReceiver<T>) {
    let shared = Arc::new(Shared(Mutex::new(Inner {
        queue: VecDeque::new(),
        senders: 1,
        closed: false,
        waker: None,
    })));
    (
        RemoteSender {
            shared: shared.clone(),
        },
        RemoteReceiver { shared },
    )
}

/// The sending end: `Send + Sync + Clone` (for `T: Send`), usable from any thread,
/// including `spawn_blocking` workers and the loop itself.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let (tx, mut rx) = evloop::channel::remote::channel();
///     let job = evloop::spawn_blocking(move || tx.send("computed off the loop").unwrap());
///     assert_eq!(rx.recv().await, Some("computed off the loop"));
///     job.await.unwrap();
/// });
/// ```
pub struct RemoteSender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> RemoteSender<T> {
    /// Sends `value` to the receiving task, waking it (and its loop, if parked). Never
    /// blocks beyond a short lock.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver was closed or dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::channel::remote::channel();
    /// std::thread::spawn(move || tx.send(1).unwrap()).join().unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let mut inner = self.shared.lock();
        if inner.closed {
            return Err(SendError(value));
        }
        inner.queue.push_back(value);
        let waker = inner.waker.take();
        drop(inner);
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Whether the receiver was closed or dropped: every send will fail.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::channel::remote::channel::<u8>();
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.lock().closed
    }
}

impl<T> Clone for RemoteSender<T> {
    fn clone(&self) -> Self {
        self.shared.lock().senders += 1;
        RemoteSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for RemoteSender<T> {
    fn drop(&mut self) {
        let mut inner = self.shared.lock();
        inner.senders -= 1;
        let waker = if inner.senders == 0 {
            inner.waker.take()
        } else {
            None
        };
        drop(inner);
        if let Some(waker) = waker {
            waker.wake(); // the receiver may now see the end
        }
    }
}

impl<T> fmt::Debug for RemoteSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_inner("RemoteSender", &self.shared, f)
    }
}

/// The receiving end, awaited on the loop; also a [`Stream`] of the values.
///
/// # Examples
///
/// ```
/// use std::pin::Pin;
/// use futures_core::Stream;
/// evloop::run(async {
///     let (tx, mut rx) = evloop::channel::remote::channel();
///     std::thread::spawn(move || tx.send('x').unwrap());
///     let next = std::future::poll_fn(|cx| Pin::new(&mut rx).poll_next(cx)).await;
///     assert_eq!(next, Some('x'));
/// });
/// ```
pub struct RemoteReceiver<T> {
    shared: Arc<Shared<T>>,
}

impl<T> RemoteReceiver<T> {
    /// Receives the next value, waiting while there is none.
    ///
    /// Returns `None` once every sender is gone (or the channel was
    /// [closed](Self::close)) and every value was received.
    ///
    /// # Cancellation
    ///
    /// Dropping the future loses no value.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (tx, mut rx) = evloop::channel::remote::channel::<u8>();
    ///     std::thread::spawn(move || drop(tx));
    ///     assert_eq!(rx.recv().await, None);
    /// });
    /// ```
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv { rx: self }
    }

    /// Polls for the next value: the building block of [`recv`](Self::recv) and of the
    /// `Stream` impl. Only the waker of the latest poll is woken.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (tx, mut rx) = evloop::channel::remote::channel();
    ///     tx.send(9).unwrap();
    ///     assert_eq!(std::future::poll_fn(|cx| rx.poll_recv(cx)).await, Some(9));
    /// });
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        if crate::runtime::poll_proceed(cx).is_pending() {
            return Poll::Pending; // cooperative yield
        }
        let mut inner = self.shared.lock();
        if let Some(value) = inner.queue.pop_front() {
            return Poll::Ready(Some(value));
        }
        if inner.closed || inner.senders == 0 {
            return Poll::Ready(None);
        }
        let old = match &inner.waker {
            Some(waker) if waker.will_wake(cx.waker()) => None,
            _ => inner.waker.replace(cx.waker().clone()),
        };
        crate::debug::Waitable::RemoteRecv.note();
        drop(inner);
        drop(old);
        Poll::Pending
    }

    /// Receives a value if one is there now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if there is none but a sender remains,
    /// [`TryRecvError::Disconnected`] if there is none and every sender is gone (or the
    /// channel was closed).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::channel::{TryRecvError, remote};
    /// let (tx, mut rx) = remote::channel::<u8>();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut inner = self.shared.lock();
        match inner.queue.pop_front() {
            Some(value) => Ok(value),
            None if inner.closed || inner.senders == 0 => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Closes the channel: sends fail from now on; values already sent can still be
    /// received.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::channel::remote::channel();
    /// tx.send(1).unwrap();
    /// rx.close();
    /// assert!(tx.send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn close(&mut self) {
        self.shared.lock().closed = true;
    }
}

impl<T> Stream for RemoteReceiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }
}

impl<T> Drop for RemoteReceiver<T> {
    fn drop(&mut self) {
        let mut inner = self.shared.lock();
        inner.closed = true;
        let queued = std::mem::take(&mut inner.queue);
        let waker = inner.waker.take();
        drop(inner);
        drop(waker);
        drop(queued); // outside the lock
    }
}

impl<T> fmt::Debug for RemoteReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_inner("RemoteReceiver", &self.shared, f)
    }
}

fn debug_inner<T>(name: &str, shared: &Shared<T>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let inner = shared.lock();
    f.debug_struct(name)
        .field("len", &inner.queue.len())
        .field("senders", &inner.senders)
        .field("closed", &inner.closed)
        .finish()
}

/// Future of [`RemoteReceiver::recv`].
///
/// # Cancellation
///
/// Dropping it loses no value.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let (tx, mut rx) = evloop::channel::remote::channel();
///     tx.send(()).unwrap();
///     assert_eq!(rx.recv().await, Some(()));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<'a, T> {
    rx: &'a mut RemoteReceiver<T>,
}

impl<T> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().rx.poll_recv(cx)
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv").finish_non_exhaustive()
    }
}
