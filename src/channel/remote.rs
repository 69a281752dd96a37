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
//! Two flavours. [`channel`] is unbounded: `send` never blocks, for producers that must not
//! wait (a signal handler thread, a callback of a C library) and that are known to be
//! slower than the loop. [`bounded`] is the answer to a producer that outruns the loop: it
//! holds at most `capacity` values, and `send` blocks the producing *thread* until the
//! loop has taken one (as `std::sync::mpsc::sync_channel` does), while
//! [`try_send`](RemoteSender::try_send) returns `Full` instead. The blocked senders wait on
//! a `Condvar` that the receiver signals as it takes values.
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
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use futures_core::Stream;

pub use super::{SendError, TryRecvError, TrySendError};
use crate::debug::Wait;
use crate::sync::waiters::park;

struct Inner<T> {
    queue: VecDeque<T>,
    /// `None`: unbounded.
    capacity: Option<usize>,
    /// Senders blocked in `send`, waiting for room.
    blocked: usize,
    senders: usize,
    /// The receiver closed the channel or was dropped.
    closed: bool,
    waker: Option<Waker>,
}

impl<T> Inner<T> {
    fn is_full(&self) -> bool {
        self.capacity.is_some_and(|cap| self.queue.len() >= cap)
    }
}

struct Shared<T> {
    inner: Mutex<Inner<T>>,
    /// Signalled when a value is taken (room) or the receiver goes (no room ever).
    room: Condvar,
}

impl<T> Shared<T> {
    fn new(capacity: Option<usize>) -> Arc<Self> {
        Arc::new(Shared {
            inner: Mutex::new(Inner {
                queue: VecDeque::new(),
                capacity,
                blocked: 0,
                senders: 1,
                closed: false,
                waker: None,
            }),
            room: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes the next value, signalling a blocked sender that there is room.
    fn pop(&self, inner: &mut Inner<T>) -> Option<T> {
        let value = inner.queue.pop_front()?;
        if inner.blocked > 0 {
            self.room.notify_one();
        }
        Some(value)
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
    ends(Shared::new(None))
}

/// A remote channel that holds at most `capacity` values: a producer thread that outruns
/// the loop blocks in [`send`](RemoteSender::send) until the receiving task has taken a
/// value (or gets `Full` from [`try_send`](RemoteSender::try_send)).
///
/// # Panics
///
/// Panics if `capacity` is 0 (there would be no room for any value; use a capacity of 1
/// for a hand-off).
///
/// # Examples
///
/// ```
/// use evloop::channel::remote;
/// evloop::run(async {
///     let (tx, mut rx) = remote::bounded(4);
///     let producer = std::thread::spawn(move || {
///         for i in 0..100 {
///             tx.send(i).unwrap(); // blocks while 4 values wait for the loop
///         }
///     });
///     let mut sum = 0;
///     while let Some(i) = rx.recv().await {
///         assert!(rx.len() <= 4);
///         sum += i;
///     }
///     assert_eq!(sum, 4950);
///     producer.join().unwrap();
/// });
/// ```
#[track_caller]
pub fn bounded<T>(capacity: usize) -> (RemoteSender<T>, RemoteReceiver<T>) {
    assert!(
        capacity > 0,
        "remote::bounded(0): a channel needs room for at least one value; use bounded(1) for \
         a hand-off, or remote::channel() for no bound"
    );
    ends(Shared::new(Some(capacity)))
}

fn ends<T>(shared: Arc<Shared<T>>) -> (RemoteSender<T>, RemoteReceiver<T>) {
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
    /// Sends `value` to the receiving task, waking it (and its loop, if parked). On an
    /// unbounded channel ([`channel`]) it never blocks beyond a short lock; on a full
    /// [`bounded`] channel it blocks this thread until the receiver takes a value or goes.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver was closed or dropped (also while
    /// blocked waiting for room).
    ///
    /// # Panics
    ///
    /// Panics if the channel is bounded and full and this thread runs an evloop loop:
    /// blocking it could deadlock (it may be the receiver's loop). Use
    /// [`try_send`](Self::try_send) there. The same deadlock is *not* detected on a thread
    /// that owns the receiver's `Runtime` between two `block_on` calls: do not send on a
    /// full bounded channel from the receiver's own thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::channel::remote::channel();
    /// std::thread::spawn(move || tx.send(1).unwrap()).join().unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let mut inner = self.shared.lock();
        if inner.is_full() && !inner.closed {
            assert!(
                !crate::runtime::in_runtime(),
                "RemoteSender::send on a full bounded channel would block a thread that runs an \
                 evloop loop; use try_send there (or send from a plain thread)"
            );
            inner.blocked += 1;
            while inner.is_full() && !inner.closed {
                inner = self
                    .shared
                    .room
                    .wait(inner)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            inner.blocked -= 1;
        }
        if inner.closed {
            return Err(SendError(value));
        }
        push(inner, value);
        Ok(())
    }

    /// Sends `value` if the channel has room now; never blocks.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] with the value if a [`bounded`] channel is full,
    /// [`TrySendError::Closed`] if the receiver was closed or dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::channel::{TrySendError, remote};
    /// let (tx, mut rx) = remote::bounded(1);
    /// assert!(tx.try_send(1).is_ok());
    /// assert!(matches!(tx.try_send(2), Err(TrySendError::Full(2))));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(tx.try_send(3).is_ok());
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let inner = self.shared.lock();
        if inner.closed {
            return Err(TrySendError::Closed(value));
        }
        if inner.is_full() {
            return Err(TrySendError::Full(value));
        }
        push(inner, value);
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

/// Queues `value` (room checked by the caller) and wakes the receiver, outside the lock.
fn push<T>(mut inner: MutexGuard<'_, Inner<T>>, value: T) {
    inner.queue.push_back(value);
    let waker = inner.waker.take();
    drop(inner);
    if let Some(waker) = waker {
        waker.wake();
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
        if let Some(value) = self.shared.pop(&mut inner) {
            return Poll::Ready(Some(value));
        }
        if inner.closed || inner.senders == 0 {
            return Poll::Ready(None);
        }
        let old = park(&mut inner.waker, cx.waker(), Wait::REMOTE_RECV);
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
        match self.shared.pop(&mut inner) {
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
        self.shared.room.notify_all(); // blocked senders get their value back
    }

    /// Number of values waiting to be received.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::channel::remote::channel();
    /// tx.send('a').unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.shared.lock().queue.len()
    }

    /// Whether no value is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = evloop::channel::remote::channel::<u8>();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
        self.shared.room.notify_all(); // blocked senders get their value back
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
        .field("capacity", &inner.capacity)
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
