//! The futures of [`Sender::send`](super::Sender::send), [`Receiver::recv`] and
//! [`Sender::closed`](super::Sender::closed).
//!
//! `SendFuture` and `Closed` wait in the channel's queues through a [`Waiter`] (the state
//! machine shared with `sync`), with `SendValue` and `ReceiverGone` as their
//! [`WaitRules`]; like every such future they panic if polled again after they completed
//! (see [Polling after completion](crate::sync#polling-after-completion)). `Recv` is
//! [`Receiver::poll_recv`], which may be called any number of times.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::{Chan, Receiver, Shared};
use crate::channel::SendError;
use crate::debug::Wait;
use crate::sync::waiters::{WaitQueue, WaitRules, Waiter, wake_all};

/// The wait of [`SendFuture`], holding the future's value until it is sent (or handed
/// back). Completes with the result and the receiver's waker.
struct SendValue<'v, T>(&'v mut Option<T>);

impl<T> SendValue<'_, T> {
    /// Sends the value, or hands it back if the channel is closed.
    fn send(&mut self, chan: &mut Chan<T>) -> (Result<(), SendError<T>>, Option<Waker>) {
        let value = self
            .0
            .take()
            .expect("a send holds its value until it completes");
        if chan.closed {
            return (Err(SendError(value)), None);
        }
        (Ok(()), chan.push(value))
    }
}

impl<'v, T> WaitRules<Chan<T>> for SendValue<'v, T> {
    type Data = ();
    type Output = (Result<(), SendError<T>>, Option<Waker>);

    fn waitable(&self) -> Wait {
        Wait::MPSC_SEND
    }

    fn queue(chan: &mut Chan<T>) -> &mut WaitQueue {
        &mut chan.send_waiters
    }

    fn data(&self) {}

    /// `has_room` counts the room promised to notified senders, and no sender waits while
    /// there is room.
    fn fast_path(&mut self, chan: &mut Chan<T>) -> Option<Self::Output> {
        (chan.closed || chan.has_room()).then(|| self.send(chan))
    }

    /// Woken by a receive (room is promised to us) or by the close.
    fn take_grant(&mut self, chan: &mut Chan<T>, (): ()) -> Self::Output {
        chan.promised_slots -= 1;
        self.send(chan)
    }

    fn leave(
        &mut self,
        chan: &mut Chan<T>,
        notified: bool,
        (): (),
    ) -> impl IntoIterator<Item = Waker> + use<'v, T> {
        if !notified {
            return None;
        }
        // Notified but never came back: pass the promised room on.
        chan.promised_slots -= 1;
        chan.serve()
    }
}

/// The wait of [`Closed`]: for the receiver to close the channel or go.
struct ReceiverGone;

impl<T> WaitRules<Chan<T>> for ReceiverGone {
    type Data = ();
    type Output = ();

    fn waitable(&self) -> Wait {
        Wait::MPSC_CLOSED
    }

    fn queue(chan: &mut Chan<T>) -> &mut WaitQueue {
        &mut chan.closed_waiters
    }

    fn data(&self) {}

    /// Nobody waits once the channel is closed: the close woke them all.
    fn fast_path(&mut self, chan: &mut Chan<T>) -> Option<()> {
        chan.closed.then_some(())
    }

    /// Woken by the close, which is for good.
    fn take_grant(&mut self, _: &mut Chan<T>, (): ()) {}
}

/// Future of [`Sender::send`](super::Sender::send).
///
/// # Cancellation
///
/// Dropping it before it completed drops the value unsent; room promised to it passes to
/// the next waiting send.
///
/// # Panics
///
/// If polled again after it returned (see [Polling after
/// completion](crate::sync#polling-after-completion)).
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
    /// `Some` until the send completes.
    value: Option<T>,
    waiter: Waiter,
}

impl<'a, T> SendFuture<'a, T> {
    pub(super) fn new(chan: &'a Shared<T>, value: T) -> Self {
        SendFuture {
            chan,
            value: Some(value),
            waiter: Waiter::Idle,
        }
    }
}

// The value is never pinned: it is moved into the buffer by value.
impl<T> Unpin for SendFuture<'_, T> {}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let send = this
            .waiter
            .poll(cx, this.chan, &mut SendValue(&mut this.value));
        send.map(|(result, receiver)| {
            wake_all(receiver);
            result
        })
    }
}

impl<T> Drop for SendFuture<'_, T> {
    fn drop(&mut self) {
        // The value (if still here) drops with the future, outside any borrow.
        self.waiter
            .cancel(self.chan, &mut SendValue(&mut self.value));
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("done", &self.waiter.is_done())
            .field("waiting", &self.waiter.is_queued())
            .finish()
    }
}

/// Future of [`Receiver::recv`].
///
/// # Cancellation
///
/// Dropping it loses no value.
///
/// # Polling after completion
///
/// Unlike the waiting futures of `sync`, it may be polled again after it returned: it is
/// [`Receiver::poll_recv`], and each poll that returns `Ready` receives a new value.
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
/// # Panics
///
/// If polled again after it returned: call `closed` again, or check `is_closed` (see
/// [Polling after completion](crate::sync#polling-after-completion)).
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
    waiter: Waiter,
}

impl<'a, T> Closed<'a, T> {
    pub(super) fn new(chan: &'a Shared<T>) -> Self {
        Closed {
            chan,
            waiter: Waiter::Idle,
        }
    }
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.waiter.poll(cx, this.chan, &mut ReceiverGone)
    }
}

impl<T> Drop for Closed<'_, T> {
    fn drop(&mut self) {
        self.waiter.cancel(self.chan, &mut ReceiverGone);
    }
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed")
            .field("waiting", &self.waiter.is_queued())
            .finish()
    }
}
