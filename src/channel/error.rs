//! Error types shared by several channels: `SendError`, `TrySendError`, `TryRecvError` and
//! `RecvError`.
//!
//! Every error that gives up on a value carries it back (`SendError(value)`), so a failed
//! send never loses what was sent. The `Debug` impls do not require `T: Debug`.

use std::error::Error;
use std::fmt;

/// The value could not be sent: every receiver is gone (dropped or closed). The value is
/// returned in the error.
///
/// Used by [`mpsc`](super::mpsc), [`broadcast`](super::broadcast), [`watch`](super::watch)
/// and [`remote`](super::remote).
///
/// # Examples
///
/// ```
/// use evloop::channel::{SendError, mpsc};
/// let (tx, rx) = mpsc::unbounded::<String>();
/// drop(rx);
/// let SendError(value) = tx.send("lost?".to_owned()).unwrap_err();
/// assert_eq!(value, "lost?"); // never: it comes back
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The value that was not sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::channel::mpsc::unbounded();
    /// drop(rx);
    /// assert_eq!(tx.send(7).unwrap_err().into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending on a closed channel")
    }
}

impl<T> Error for SendError<T> {}

/// Why [`mpsc::Sender::try_send`](super::mpsc::Sender::try_send) did not send; the value
/// is returned either way.
///
/// # Examples
///
/// ```
/// use evloop::channel::{TrySendError, mpsc};
/// let (tx, mut rx) = mpsc::channel(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// rx.close();
/// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// The channel is at capacity; retry later or `send(..).await`.
    Full(T),
    /// The receiver is gone (dropped or closed): no send will ever succeed.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that was not sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = evloop::channel::mpsc::channel(1);
    /// tx.try_send("a").unwrap();
    /// assert_eq!(tx.try_send("b").unwrap_err().into_inner(), "b");
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(value) | TrySendError::Closed(value) => value,
        }
    }
}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(err: SendError<T>) -> Self {
        TrySendError::Closed(err.0)
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("no available capacity"),
            TrySendError::Closed(_) => f.write_str("sending on a closed channel"),
        }
    }
}

impl<T> Error for TrySendError<T> {}

/// Why a `try_recv` returned no value, in [`mpsc`](super::mpsc),
/// [`oneshot`](super::oneshot) and [`remote`](super::remote).
///
/// # Examples
///
/// ```
/// use evloop::channel::{TryRecvError, mpsc};
/// let (tx, mut rx) = mpsc::unbounded::<u8>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing to receive now, but senders remain: a value may still come.
    Empty,
    /// Nothing to receive, ever: every sender is gone (or the receiver was closed) and
    /// nothing is buffered.
    Disconnected,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("receiving on an empty channel"),
            TryRecvError::Disconnected => f.write_str("receiving on a closed channel"),
        }
    }
}

impl Error for TryRecvError {}

/// The sender is gone: no value will come. Returned by awaiting a
/// [`oneshot::Receiver`](super::oneshot::Receiver) and by
/// [`watch::Receiver::changed`](super::watch::Receiver::changed).
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvError;

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the sender was dropped")
    }
}

impl Error for RecvError {}
