//! A one-shot channel: a [`Sender`] delivers one value to a [`Receiver`], which is a
//! future (asyncio's `Future` with `set_result`).
//!
//! # Design
//!
//! Both ends share an `Rc<RefCell<Inner>>` with the value slot, a flag per end ("the sender
//! is done": sent or dropped; "the receiver is closed": closed or dropped) and one waker per
//! end. [`Sender::send`] consumes the sender, so at most one value is ever sent; dropping
//! the sender unsent wakes the receiver with [`RecvError`]. No waiting queue is needed:
//! there is one task on each side.
//!
//! # Ground rules
//!
//! * The borrow is held only inside one call; wakers are woken and the value is dropped
//!   after it is released.
//! * Either end going away is reported to the other: the receiver gets `Err(RecvError)`,
//!   the sender gets its value back from `send`.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

pub use super::{RecvError, TryRecvError};
use crate::debug::Wait;
use crate::sync::waiters::park;

struct Inner<T> {
    value: Option<T>,
    /// The sender sent or was dropped: no (other) value will come.
    tx_done: bool,
    /// The receiver closed the channel or was dropped.
    rx_closed: bool,
    rx_waker: Option<Waker>,
    /// For `Sender::closed`.
    tx_waker: Option<Waker>,
}

/// Creates a one-shot channel.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let (tx, rx) = evloop::channel::oneshot::channel();
///     evloop::spawn(async move { tx.send("done").unwrap() });
///     assert_eq!(rx.await, Ok("done"));
/// });
/// ```
#[doc(alias = "create_future")]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Rc::new(RefCell::new(Inner {
        value: None,
        tx_done: false,
        rx_closed: false,
        rx_waker: None,
        tx_waker: None,
    }));
    (
        Sender {
            inner: inner.clone(),
        },
        Receiver { inner },
    )
}

/// The sending end: sends one value, once.
///
/// Dropping it without sending makes the receiver fail with [`RecvError`].
///
/// # Examples
///
/// ```
/// use evloop::channel::{RecvError, oneshot};
/// evloop::run(async {
///     let (tx, rx) = oneshot::channel::<u8>();
///     drop(tx);
///     assert_eq!(rx.await, Err(RecvError));
/// });
/// ```
pub struct Sender<T> {
    inner: Rc<RefCell<Inner<T>>>,
}

impl<T> Sender<T> {
    /// Sends `value`, waking the receiver: asyncio's `future.set_result(value)`.
    ///
    /// # Errors
    ///
    /// Returns the value if the receiver was closed or dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::channel::oneshot::channel();
    /// tx.send(3).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(3));
    ///
    /// let (tx, rx) = evloop::channel::oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(4), Err(4));
    /// ```
    #[doc(alias = "set_result")]
    pub fn send(self, value: T) -> Result<(), T> {
        let mut inner = self.inner.borrow_mut();
        if inner.rx_closed {
            return Err(value);
        }
        inner.value = Some(value);
        inner.tx_done = true;
        let waker = inner.rx_waker.take();
        drop(inner);
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Whether the receiver was closed or dropped: [`send`](Self::send) would fail.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::channel::oneshot::channel::<u8>();
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    #[doc(alias = "cancelled")]
    pub fn is_closed(&self) -> bool {
        self.inner.borrow().rx_closed
    }

    /// Waits until the receiver is closed or dropped (for instance to give up computing a
    /// value nobody wants).
    ///
    /// # Cancellation
    ///
    /// Dropping the future loses nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (mut tx, rx) = evloop::channel::oneshot::channel::<u8>();
    ///     evloop::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert!(tx.is_closed());
    /// });
    /// ```
    pub fn closed(&mut self) -> Closed<'_, T> {
        Closed { tx: self }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut inner = self.inner.borrow_mut();
        inner.tx_done = true;
        let rx_waker = inner.rx_waker.take();
        let tx_waker = inner.tx_waker.take();
        drop(inner);
        drop(tx_waker);
        if let Some(waker) = rx_waker {
            waker.wake();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// The receiving end: a future of the value, or [`RecvError`] if the sender was dropped
/// without sending.
///
/// Polling it again after it completed returns `Err(RecvError)`.
///
/// # Cancellation
///
/// Dropping it (or the `.await` on it) closes the channel; a value already sent is dropped
/// with it.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let (tx, rx) = evloop::channel::oneshot::channel();
///     let task = evloop::spawn(rx);
///     tx.send(42).unwrap();
///     assert_eq!(task.await.unwrap(), Ok(42));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Receiver<T> {
    inner: Rc<RefCell<Inner<T>>>,
}

impl<T> Receiver<T> {
    /// Takes the value if it was sent.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if the sender may still send,
    /// [`TryRecvError::Disconnected`] if it never will (it was dropped, the value was
    /// already taken, or the receiver was closed).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::channel::{TryRecvError, oneshot};
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send('x').unwrap();
    /// assert_eq!(rx.try_recv(), Ok('x'));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut inner = self.inner.borrow_mut();
        match inner.value.take() {
            Some(value) => Ok(value),
            None if inner.tx_done || inner.rx_closed => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Closes the channel: a later [`Sender::send`] fails and returns its value. A value
    /// sent before the close can still be received; otherwise awaiting the receiver
    /// returns [`RecvError`].
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (tx, mut rx) = evloop::channel::oneshot::channel();
    ///     rx.close();
    ///     assert_eq!(tx.send(1), Err(1));
    ///     assert!(rx.await.is_err());
    /// });
    /// ```
    pub fn close(&mut self) {
        let mut inner = self.inner.borrow_mut();
        inner.rx_closed = true;
        let waker = inner.tx_waker.take();
        drop(inner);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut inner = self.inner.borrow_mut();
        if let Some(value) = inner.value.take() {
            return Poll::Ready(Ok(value));
        }
        if inner.tx_done || inner.rx_closed {
            return Poll::Ready(Err(RecvError));
        }
        let old = park(&mut inner.rx_waker, cx.waker(), Wait::ONESHOT_RECV);
        drop(inner);
        drop(old);
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut inner = self.inner.borrow_mut();
        inner.rx_closed = true;
        let value = inner.value.take();
        let tx_waker = inner.tx_waker.take();
        let rx_waker = inner.rx_waker.take();
        drop(inner);
        drop(rx_waker);
        drop(value); // outside the borrow: its Drop may use the channel
        if let Some(waker) = tx_waker {
            waker.wake();
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.inner.borrow();
        f.debug_struct("Receiver")
            .field("sent", &inner.value.is_some())
            .field("sender_done", &inner.tx_done)
            .field("closed", &inner.rx_closed)
            .finish()
    }
}

/// Future of [`Sender::closed`]: completes when the receiver is closed or dropped.
///
/// # Cancellation
///
/// Dropping it loses nothing.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// evloop::run(async {
///     let (mut tx, mut rx) = evloop::channel::oneshot::channel::<u8>();
///     rx.close();
///     // Completes at once: even a zero timeout does not expire first.
///     assert!(evloop::wait_for(Duration::ZERO, tx.closed()).await.is_ok());
///     assert!(tx.is_closed());
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Closed<'a, T> {
    tx: &'a mut Sender<T>,
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut inner = self.tx.inner.borrow_mut();
        if inner.rx_closed {
            return Poll::Ready(());
        }
        let old = match &inner.tx_waker {
            Some(waker) if waker.will_wake(cx.waker()) => None,
            _ => inner.tx_waker.replace(cx.waker().clone()),
        };
        drop(inner);
        drop(old);
        Poll::Pending
    }
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed").finish_non_exhaustive()
    }
}
