//! The receiving half of an `mpsc` channel.

use super::*;

/// The receiving end of a channel (bounded or unbounded); also a [`Stream`] of the values.
///
/// # Examples
///
/// ```
/// use std::pin::Pin;
/// use futures_core::Stream;
/// evloop::run(async {
///     let (tx, mut rx) = evloop::channel::mpsc::unbounded();
///     tx.send("via Stream").unwrap();
///     drop(tx);
///     let next = std::future::poll_fn(|cx| Pin::new(&mut rx).poll_next(cx)).await;
///     assert_eq!(next, Some("via Stream"));
/// });
/// ```
pub struct Receiver<T> {
    pub(super) chan: Shared<T>,
}

impl<T> Receiver<T> {
    /// Receives the next value, waiting while the buffer is empty.
    ///
    /// Returns `None` once the buffer is empty and no value can come: every sender is gone,
    /// or the channel was [closed](Self::close).
    ///
    /// # Cancellation
    ///
    /// Dropping the future loses no value: a value is taken from the buffer only when the
    /// future completes.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (tx, mut rx) = evloop::channel::mpsc::channel(1);
    ///     evloop::spawn(async move { tx.send("hi").await.unwrap() });
    ///     assert_eq!(rx.recv().await, Some("hi"));
    ///     assert_eq!(rx.recv().await, None);
    /// });
    /// ```
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv::new(self)
    }

    /// Polls for the next value: the building block of [`recv`](Self::recv) and of the
    /// `Stream` impl. Only the waker of the latest poll is woken.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::task::Poll;
    /// evloop::run(async {
    ///     let (tx, mut rx) = evloop::channel::mpsc::unbounded();
    ///     tx.send(5).unwrap();
    ///     let got = std::future::poll_fn(|cx| rx.poll_recv(cx)).await;
    ///     assert_eq!(got, Some(5));
    ///     assert!(std::future::poll_fn(|cx| Poll::Ready(rx.poll_recv(cx).is_pending())).await);
    /// });
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        if crate::runtime::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let mut chan = self.chan.borrow_mut();
        if let Some(value) = chan.buf.pop_front() {
            let waker = chan.serve();
            drop(chan);
            wake_all(waker);
            return Poll::Ready(Some(value));
        }
        if chan.closed || chan.senders == 0 {
            return Poll::Ready(None);
        }
        let old = park(&mut chan.rx_waker, cx.waker(), Wait::MPSC_RECV);
        drop(chan);
        drop(old);
        Poll::Pending
    }

    /// Receives a value if one is buffered now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if the buffer is empty but a value may still come,
    /// [`TryRecvError::Disconnected`] if it is empty and every sender is gone (or the channel
    /// was closed).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::channel::{TryRecvError, mpsc};
    /// let (tx, mut rx) = mpsc::channel(2);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1)); // buffered values outlive the senders
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut chan = self.chan.borrow_mut();
        if let Some(value) = chan.buf.pop_front() {
            let waker = chan.serve();
            drop(chan);
            wake_all(waker);
            return Ok(value);
        }
        if chan.closed || chan.senders == 0 {
            Err(TryRecvError::Disconnected)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Closes the channel from the receiving side: every send from now on fails (waiting
    /// sends wake up and fail), while values already buffered can still be received.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (tx, mut rx) = evloop::channel::mpsc::channel(4);
    ///     tx.send(1).await.unwrap();
    ///     rx.close();
    ///     assert!(tx.send(2).await.is_err());
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert_eq!(rx.recv().await, None); // even though `tx` is alive
    /// });
    /// ```
    pub fn close(&mut self) {
        let wakers = self.chan.borrow_mut().close();
        wake_all(wakers);
    }

    /// Number of values buffered.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::channel::mpsc::unbounded();
    /// tx.send(()).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.borrow().buf.len()
    }

    /// Whether no value is buffered.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = evloop::channel::mpsc::unbounded::<u8>();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut chan = self.chan.borrow_mut();
        let wakers = chan.close();
        let buffered = std::mem::take(&mut chan.buf);
        drop(chan);
        wake_all(wakers);
        drop(buffered); // outside the borrow: a value's Drop may use the channel
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_chan("Receiver", &self.chan, f)
    }
}
