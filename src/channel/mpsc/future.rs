//! The futures of [`Sender::send`](super::Sender::send), [`Receiver::recv`] and
//! [`Sender::closed`](super::Sender::closed).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{Receiver, Shared};
use crate::channel::SendError;
use crate::sync::waiters::{WaiterKey, wake_all};

/// Future of [`Sender::send`](super::Sender::send).
///
/// # Cancellation
///
/// Dropping it before it completed drops the value unsent; room promised to it passes to
/// the next waiting send.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let (tx, mut rx) = evloop::channel::mpsc::channel(1);
///     let send = tx.send(1); // nothing happens until awaited
///     assert!(rx.try_recv().is_err());
///     send.await.unwrap();
///     assert_eq!(rx.try_recv(), Ok(1));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct SendFuture<'a, T> {
    chan: &'a Shared<T>,
    value: Option<T>,
    waiter: Option<WaiterKey>,
}

impl<'a, T> SendFuture<'a, T> {
    pub(super) fn new(chan: &'a Shared<T>, value: T) -> Self {
        SendFuture {
            chan,
            value: Some(value),
            waiter: None,
        }
    }
}

// The value is never pinned: it is moved into the buffer by value.
impl<T> Unpin for SendFuture<'_, T> {}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut chan = this.chan.borrow_mut();
        let promised = match this.waiter {
            Some(key) if chan.send_waiters.is_notified(key) => {
                chan.send_waiters.remove(key);
                this.waiter = None;
                chan.promised_slots -= 1;
                true
            }
            Some(key) => {
                let old = chan.send_waiters.update_waker(key, cx.waker());
                drop(chan);
                drop(old);
                return Poll::Pending;
            }
            None => false,
        };
        let value = this
            .value
            .take()
            .expect("`SendFuture` polled after it completed");
        if chan.closed {
            return Poll::Ready(Err(SendError(value)));
        }
        if promised || chan.has_room() {
            let waker = chan.push(value);
            drop(chan);
            wake_all(waker);
            return Poll::Ready(Ok(()));
        }
        this.value = Some(value);
        this.waiter = Some(chan.send_waiters.push(cx.waker()));
        crate::debug::Waitable::MpscSend.note();
        Poll::Pending
    }
}

impl<T> Drop for SendFuture<'_, T> {
    fn drop(&mut self) {
        let Some(key) = self.waiter.take() else {
            return;
        };
        let mut chan = self.chan.borrow_mut();
        if chan.send_waiters.remove(key) {
            // Notified but never came back: pass the promised room on.
            chan.promised_slots -= 1;
            let waker = chan.serve();
            drop(chan);
            wake_all(waker);
        }
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("done", &self.value.is_none())
            .field("waiting", &self.waiter.is_some())
            .finish()
    }
}

/// Future of [`Receiver::recv`].
///
/// # Cancellation
///
/// Dropping it loses no value.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let (tx, mut rx) = evloop::channel::mpsc::unbounded();
///     tx.send(1).unwrap();
///     assert_eq!(rx.recv().await, Some(1));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<'a, T> {
    rx: &'a mut Receiver<T>,
}

impl<'a, T> Recv<'a, T> {
    pub(super) fn new(rx: &'a mut Receiver<T>) -> Self {
        Recv { rx }
    }
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

/// Future of [`Sender::closed`](super::Sender::closed) and
/// [`UnboundedSender::closed`](super::UnboundedSender::closed): completes when the
/// receiver is closed or dropped.
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
///     let (tx, rx) = evloop::channel::mpsc::channel::<u8>(1);
///     drop(rx);
///     // Completes at once: even a zero timeout does not expire first.
///     assert!(evloop::wait_for(Duration::ZERO, tx.closed()).await.is_ok());
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Closed<'a, T> {
    chan: &'a Shared<T>,
    waiter: Option<WaiterKey>,
}

impl<'a, T> Closed<'a, T> {
    pub(super) fn new(chan: &'a Shared<T>) -> Self {
        Closed { chan, waiter: None }
    }
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let mut chan = this.chan.borrow_mut();
        if chan.closed {
            if let Some(key) = this.waiter.take() {
                chan.closed_waiters.remove(key);
            }
            return Poll::Ready(());
        }
        let old = match this.waiter {
            Some(key) => chan.closed_waiters.update_waker(key, cx.waker()),
            None => {
                this.waiter = Some(chan.closed_waiters.push(cx.waker()));
                crate::debug::Waitable::MpscClosed.note();
                None
            }
        };
        drop(chan);
        drop(old);
        Poll::Pending
    }
}

impl<T> Drop for Closed<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            self.chan.borrow_mut().closed_waiters.remove(key);
        }
    }
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed")
            .field("waiting", &self.waiter.is_some())
            .finish()
    }
}
