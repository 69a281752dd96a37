//! A multi-producer, single-consumer channel: many [`Sender`]s (bounded, [`channel`]) or
//! [`UnboundedSender`]s ([`unbounded`]) feed one [`Receiver`].
//!
//! # Design
//!
//! Both ends share one `Rc<RefCell<Chan>>`: a `VecDeque` of values, the capacity
//! (`None`: unbounded), a count of live senders, a `closed` flag (set by
//! [`Receiver::close`] or by dropping the receiver), the receiver's waker, and a FIFO
//! `WaitQueue` of senders waiting for room. There is one receiver, so one waker slot is
//! enough for it.
//!
//! Two sender types, because the unbounded one never waits: its
//! [`send`](UnboundedSender::send) is a plain function, while a bounded
//! [`send`](Sender::send) is a future. Both count as senders: the receiver sees the end of
//! the stream (`None`) once every sender of either kind is gone and the buffer is empty.
//!
//! As in [`Queue`](super::Queue), room freed while senders wait is *promised* to the oldest
//! waiting sender, so [`Sender::try_send`] and newer sends never overtake it, and a
//! cancelled sender passes its promise on.
//!
//! # Ground rules
//!
//! * The borrow is held only inside one call; wakers are woken, and values dropped, after it
//!   is released (a value's `Drop` may use the channel).
//! * Dropping the receiver closes the channel and drops the buffered values at once.

mod future;
mod receiver;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_core::Stream;

pub use future::{Closed, Recv, SendFuture};
pub use receiver::Receiver;

pub use super::{SendError, TryRecvError, TrySendError};
use crate::debug::Wait;
use crate::sync::waiters::{WaitQueue, park, wake_all};

struct Chan<T> {
    buf: VecDeque<T>,
    /// `None`: unbounded.
    capacity: Option<usize>,
    /// Live `Sender`s and `UnboundedSender`s.
    senders: usize,
    /// The receiver closed the channel or was dropped.
    closed: bool,
    rx_waker: Option<Waker>,
    /// Bounded senders waiting for room.
    send_waiters: WaitQueue,
    /// Senders notified and not yet back: a free slot is promised to each.
    promised_slots: usize,
    /// `Sender::closed` futures.
    closed_waiters: WaitQueue,
}

type Shared<T> = Rc<RefCell<Chan<T>>>;

impl<T> Chan<T> {
    fn has_room(&self) -> bool {
        self.capacity
            .is_none_or(|cap| self.buf.len() + self.promised_slots < cap)
    }

    /// Queues a value; returns the receiver's waker to wake after the borrow.
    fn push(&mut self, value: T) -> Option<Waker> {
        self.buf.push_back(value);
        self.rx_waker.take()
    }

    /// Promises freed room to the oldest waiting sender (one slot frees at a time).
    fn serve(&mut self) -> Option<Waker> {
        if self.closed || !self.has_room() {
            return None;
        }
        let waker = self.send_waiters.notify_one();
        self.promised_slots += usize::from(waker.is_some());
        waker
    }

    /// Closes the channel; returns every waiting sender's waker.
    fn close(&mut self) -> Vec<Waker> {
        if self.closed {
            return Vec::new();
        }
        self.closed = true;
        let mut wakers = self.send_waiters.notify_all();
        self.promised_slots += wakers.len();
        wakers.extend(self.closed_waiters.notify_all());
        wakers
    }

    fn add_sender(&mut self) {
        self.senders += 1;
    }

    /// Returns the receiver's waker if this was the last sender.
    fn drop_sender(&mut self) -> Option<Waker> {
        self.senders -= 1;
        if self.senders == 0 {
            self.rx_waker.take()
        } else {
            None
        }
    }
}

/// `Clone` (one more sender), `Drop` (one fewer; the last one wakes the receiver) and
/// `Debug` for a sender type holding `chan`.
macro_rules! sender_impls {
    ($name:ident) => {
        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                self.chan.borrow_mut().add_sender();
                $name {
                    chan: self.chan.clone(),
                }
            }
        }

        impl<T> Drop for $name<T> {
            fn drop(&mut self) {
                let waker = self.chan.borrow_mut().drop_sender();
                wake_all(waker);
            }
        }

        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                debug_chan(stringify!($name), &self.chan, f)
            }
        }
    };
}

fn new_chan<T>(capacity: Option<usize>) -> Shared<T> {
    Rc::new(RefCell::new(Chan {
        buf: VecDeque::new(),
        capacity,
        senders: 1,
        closed: false,
        rx_waker: None,
        send_waiters: WaitQueue::new(),
        promised_slots: 0,
        closed_waiters: WaitQueue::new(),
    }))
}

/// Creates a bounded channel that buffers up to `capacity` values: a
/// [`send`](Sender::send) waits while the buffer is full (backpressure).
///
/// # Panics
///
/// Panics if `capacity` is 0 (use [`oneshot`](super::oneshot) for a single hand-off, or
/// [`unbounded`] for no bound).
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let (tx, mut rx) = evloop::channel::mpsc::channel(8);
///     evloop::spawn(async move {
///         for i in 0..3 {
///             tx.send(i).await.unwrap();
///         }
///     });
///     assert_eq!(rx.recv().await, Some(0));
///     assert_eq!(rx.recv().await, Some(1));
///     assert_eq!(rx.recv().await, Some(2));
///     assert_eq!(rx.recv().await, None); // the sender is gone
/// });
/// ```
#[track_caller]
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "mpsc::channel(0): a bounded channel needs room for at least one value; use \
         mpsc::unbounded() for no bound, or oneshot::channel() for a single hand-off"
    );
    let chan = new_chan(Some(capacity));
    (Sender { chan: chan.clone() }, Receiver { chan })
}

/// Creates an unbounded channel: [`send`](UnboundedSender::send) never waits (the buffer
/// grows as needed).
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let (tx, mut rx) = evloop::channel::mpsc::unbounded();
///     tx.send("no waiting").unwrap();
///     assert_eq!(rx.recv().await, Some("no waiting"));
/// });
/// ```
pub fn unbounded<T>() -> (UnboundedSender<T>, Receiver<T>) {
    let chan = new_chan(None);
    (UnboundedSender { chan: chan.clone() }, Receiver { chan })
}

/// The sending end of a bounded channel; clone it for more producers.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let (tx, mut rx) = evloop::channel::mpsc::channel(4);
///     let tx2 = tx.clone();
///     tx.send(1).await.unwrap();
///     tx2.send(2).await.unwrap();
///     drop((tx, tx2));
///     assert_eq!(rx.recv().await, Some(1));
///     assert_eq!(rx.recv().await, Some(2));
///     assert_eq!(rx.recv().await, None);
/// });
/// ```
pub struct Sender<T> {
    chan: Shared<T>,
}

impl<T> Sender<T> {
    /// Sends `value`, waiting while the channel is full.
    ///
    /// Waiting sends are served in FIFO order.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is (or, while waiting, gets) closed or
    /// dropped.
    ///
    /// # Cancellation
    ///
    /// Dropping the future before it completed sends nothing: the value is dropped with the
    /// future, never half-sent. Room promised to it passes to the next waiting send.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (tx, mut rx) = evloop::channel::mpsc::channel(1);
    ///     tx.send(1).await.unwrap();
    ///     let sender = evloop::spawn(async move { tx.send(2).await }); // full: waits
    ///     evloop::yield_now().await;
    ///     assert!(!sender.is_finished());
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     sender.await.unwrap().unwrap();
    ///     assert_eq!(rx.recv().await, Some(2));
    /// });
    /// ```
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture::new(&self.chan, value)
    }

    /// Sends `value` if there is room now.
    ///
    /// It never overtakes a waiting [`send`](Self::send): while one waits, the channel is
    /// full.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if the channel is full, [`TrySendError::Closed`] if the
    /// receiver is closed or dropped; both return the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::channel::{TrySendError, mpsc};
    /// let (tx, _rx) = mpsc::channel(1);
    /// assert_eq!(tx.try_send('a'), Ok(()));
    /// assert_eq!(tx.try_send('b'), Err(TrySendError::Full('b')));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let mut chan = self.chan.borrow_mut();
        if chan.closed {
            return Err(TrySendError::Closed(value));
        }
        if !chan.has_room() {
            return Err(TrySendError::Full(value));
        }
        let waker = chan.push(value);
        drop(chan);
        wake_all(waker);
        Ok(())
    }

    /// Whether the receiver was closed or dropped: every send will fail.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::channel::mpsc::channel::<u8>(1);
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.borrow().closed
    }

    /// Waits until the receiver is closed or dropped (for instance to stop producing).
    ///
    /// # Cancellation
    ///
    /// Dropping the future loses nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (tx, mut rx) = evloop::channel::mpsc::channel::<u8>(1);
    ///     evloop::spawn(async move { rx.close() });
    ///     tx.closed().await;
    ///     assert!(tx.is_closed());
    /// });
    /// ```
    pub fn closed(&self) -> Closed<'_, T> {
        Closed::new(&self.chan)
    }
}

sender_impls!(Sender);

/// The sending end of an unbounded channel; clone it for more producers.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let (tx, mut rx) = evloop::channel::mpsc::unbounded();
///     for i in 0..100 {
///         tx.send(i).unwrap(); // never waits
///     }
///     drop(tx);
///     let mut sum = 0;
///     while let Some(i) = rx.recv().await {
///         sum += i;
///     }
///     assert_eq!(sum, 4950);
/// });
/// ```
pub struct UnboundedSender<T> {
    chan: Shared<T>,
}

impl<T> UnboundedSender<T> {
    /// Sends `value` at once (the buffer grows as needed).
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is closed or dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::channel::mpsc::unbounded();
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let mut chan = self.chan.borrow_mut();
        if chan.closed {
            return Err(SendError(value));
        }
        let waker = chan.push(value);
        drop(chan);
        wake_all(waker);
        Ok(())
    }

    /// Whether the receiver was closed or dropped: every send will fail.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::channel::mpsc::unbounded::<u8>();
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.borrow().closed
    }

    /// Waits until the receiver is closed or dropped.
    ///
    /// # Cancellation
    ///
    /// Dropping the future loses nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (tx, rx) = evloop::channel::mpsc::unbounded::<u8>();
    ///     evloop::spawn(async move { drop(rx) });
    ///     tx.closed().await; // until the task drops the receiver
    ///     assert!(tx.send(1).is_err());
    /// });
    /// ```
    pub fn closed(&self) -> Closed<'_, T> {
        Closed::new(&self.chan)
    }
}

sender_impls!(UnboundedSender);

fn debug_chan<T>(name: &str, chan: &Shared<T>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let chan = chan.borrow();
    f.debug_struct(name)
        .field("len", &chan.buf.len())
        .field("capacity", &chan.capacity)
        .field("senders", &chan.senders)
        .field("waiting_senders", &chan.send_waiters.waiting())
        .field("closed", &chan.closed)
        .finish()
}
