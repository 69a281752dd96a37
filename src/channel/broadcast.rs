//! A broadcast channel: every [`Receiver`] sees every value sent after it subscribed, as
//! long as it keeps up.
//!
//! # Design
//!
//! The shared state (`Rc<RefCell<Shared>>`) is a ring of the last `capacity` values, in a
//! `VecDeque`, with the sequence number of its oldest value (`head`). Each receiver keeps
//! its own cursor: the sequence number of the next value it will read. Receiving *clones*
//! the value at the cursor, so values need `T: Clone`.
//!
//! Sending never waits: when the ring is full, the oldest value is dropped, whether or not
//! every receiver has read it. A receiver whose cursor fell behind the ring's head has
//! *lagged*: its next receive returns [`BroadcastRecvError::Lagged`] with the number of values it
//! missed, and moves its cursor to the oldest retained value. Receivers waiting for a value
//! wait in one FIFO `WaitQueue`; a send (or the last sender's drop) wakes them all.
//!
//! # Ground rules
//!
//! * The borrow is held only inside one call; wakers are woken and values dropped after it
//!   is released. `T::clone` runs under the borrow, so it must not use the channel.
//! * With no receiver left, a send fails and returns its value, and the ring is emptied
//!   (no future receiver could read it: a new one starts at the next value sent).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

pub use super::SendError;
use crate::debug::Wait;
use crate::sync::waiters::{WaitQueue, WaitRules, Waiter, wake_all};

struct Shared<T> {
    /// The last `capacity` values, oldest first.
    ring: VecDeque<T>,
    /// Sequence number of `ring[0]`; the next value sent gets `head + ring.len()`.
    head: u64,
    capacity: usize,
    senders: usize,
    receivers: usize,
    /// `recv` futures waiting for the next value.
    waiters: WaitQueue,
}

impl<T> Shared<T> {
    fn tail(&self) -> u64 {
        self.head + self.ring.len() as u64
    }
}

/// Creates a broadcast channel that retains the last `capacity` values for receivers
/// that are behind.
///
/// # Panics
///
/// Panics if `capacity` is 0.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let (tx, mut rx1) = evloop::channel::broadcast::channel(16);
///     let mut rx2 = tx.subscribe();
///     assert_eq!(tx.send("news").unwrap(), 2); // two receivers
///     assert_eq!(rx1.recv().await.unwrap(), "news");
///     assert_eq!(rx2.recv().await.unwrap(), "news");
/// });
/// ```
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "broadcast::channel(0): the channel must retain at least one value"
    );
    let shared = Rc::new(RefCell::new(Shared {
        ring: VecDeque::with_capacity(capacity.min(1024)),
        head: 0,
        capacity,
        senders: 1,
        receivers: 1,
        waiters: WaitQueue::new(),
    }));
    let rx = Receiver {
        shared: shared.clone(),
        next: 0,
    };
    (Sender { shared }, rx)
}

/// The sending end; clone it for more senders.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = evloop::channel::broadcast::channel(4);
/// let tx2 = tx.clone();
/// tx.send(1).unwrap();
/// tx2.send(2).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert_eq!(rx.try_recv(), Ok(2));
/// ```
pub struct Sender<T> {
    shared: Rc<RefCell<Shared<T>>>,
}

impl<T: Clone> Sender<T> {
    /// Sends `value` to every current receiver; returns how many there are.
    ///
    /// Never waits: if the ring is full, its oldest value is dropped (receivers that had
    /// not read it will see [`BroadcastRecvError::Lagged`]).
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if there is no receiver.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::channel::broadcast::channel(1);
    /// assert_eq!(tx.send('a'), Ok(1));
    /// drop(rx);
    /// assert_eq!(tx.send('b').unwrap_err().0, 'b');
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let mut shared = self.shared.borrow_mut();
        if shared.receivers == 0 {
            return Err(SendError(value));
        }
        shared.ring.push_back(value);
        let evicted = if shared.ring.len() > shared.capacity {
            shared.head += 1;
            shared.ring.pop_front()
        } else {
            None
        };
        let receivers = shared.receivers;
        let wakers = shared.waiters.notify_all();
        drop(shared);
        drop(evicted);
        wake_all(wakers);
        Ok(receivers)
    }

    /// A new receiver that will see every value sent from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = evloop::channel::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut late = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(late.try_recv(), Ok(2)); // 1 was sent before it subscribed
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        let mut shared = self.shared.borrow_mut();
        shared.receivers += 1;
        let next = shared.tail();
        drop(shared);
        Receiver {
            shared: self.shared.clone(),
            next,
        }
    }
}

impl<T> Sender<T> {
    /// Number of live receivers.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::channel::broadcast::channel::<u8>(4);
    /// let rx2 = tx.subscribe();
    /// assert_eq!(tx.receiver_count(), 2);
    /// drop((rx, rx2));
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.borrow().receivers
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.borrow_mut().senders += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut shared = self.shared.borrow_mut();
        shared.senders -= 1;
        if shared.senders > 0 {
            return;
        }
        let wakers = shared.waiters.notify_all();
        drop(shared);
        wake_all(wakers);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = self.shared.borrow();
        f.debug_struct("Sender")
            .field("retained", &shared.ring.len())
            .field("capacity", &shared.capacity)
            .field("receivers", &shared.receivers)
            .finish()
    }
}

/// A receiving end, from [`channel`] or [`Sender::subscribe`].
///
/// # Examples
///
/// ```
/// use evloop::channel::broadcast::{self, BroadcastRecvError};
/// evloop::run(async {
///     let (tx, mut rx) = broadcast::channel(8);
///     tx.send(1).unwrap();
///     drop(tx);
///     assert_eq!(rx.recv().await, Ok(1)); // retained values outlive the senders
///     assert_eq!(rx.recv().await, Err(BroadcastRecvError::Closed));
/// });
/// ```
pub struct Receiver<T> {
    shared: Rc<RefCell<Shared<T>>>,
    /// Sequence number of the next value to read.
    next: u64,
}

impl<T: Clone> Receiver<T> {
    /// Receives the next value, waiting until one is sent.
    ///
    /// # Errors
    ///
    /// * [`BroadcastRecvError::Lagged`]`(n)`: this receiver fell more than `capacity` values behind
    ///   and missed the oldest `n`; the next receive returns the oldest value retained.
    /// * [`BroadcastRecvError::Closed`]: every sender is gone and this receiver read every value.
    ///
    /// # Cancellation
    ///
    /// Dropping the future loses no value: the receiver's cursor moves only when a value
    /// (or `Lagged`) is returned.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::channel::broadcast::{self, BroadcastRecvError};
    /// evloop::run(async {
    ///     let (tx, mut rx) = broadcast::channel(2);
    ///     for i in 0..5 {
    ///         tx.send(i).unwrap(); // rx reads nothing meanwhile
    ///     }
    ///     assert_eq!(rx.recv().await, Err(BroadcastRecvError::Lagged(3))); // 0, 1, 2 are gone
    ///     assert_eq!(rx.recv().await, Ok(3));
    ///     assert_eq!(rx.recv().await, Ok(4));
    /// });
    /// ```
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            rx: self,
            waiter: Waiter::Idle,
        }
    }

    /// Receives the next value if there is one now.
    ///
    /// # Errors
    ///
    /// [`BroadcastTryRecvError::Empty`] if no value is ready yet; otherwise as [`recv`](Self::recv):
    /// [`BroadcastTryRecvError::Lagged`] or [`BroadcastTryRecvError::Closed`].
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::channel::broadcast::{self, BroadcastTryRecvError};
    /// let (tx, mut rx) = broadcast::channel(4);
    /// assert_eq!(rx.try_recv(), Err(BroadcastTryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, BroadcastTryRecvError> {
        let shared = self.shared.borrow();
        match read(&mut self.next, &shared) {
            Some(Ok(value)) => Ok(value),
            Some(Err(BroadcastRecvError::Lagged(n))) => Err(BroadcastTryRecvError::Lagged(n)),
            Some(Err(BroadcastRecvError::Closed)) => Err(BroadcastTryRecvError::Closed),
            None => Err(BroadcastTryRecvError::Empty),
        }
    }

    /// A new receiver of the same channel that starts at the next value sent (not at
    /// this receiver's cursor).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::channel::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut rx2 = rx.resubscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx2.try_recv(), Ok(2));
    /// ```
    pub fn resubscribe(&self) -> Receiver<T> {
        let mut shared = self.shared.borrow_mut();
        shared.receivers += 1;
        let next = shared.tail();
        drop(shared);
        Receiver {
            shared: self.shared.clone(),
            next,
        }
    }
}

/// Reads at `next`: a value, `Lagged`, `Closed`, or `None` to wait.
fn read<T: Clone>(next: &mut u64, shared: &Shared<T>) -> Option<Result<T, BroadcastRecvError>> {
    if *next < shared.head {
        let missed = shared.head - *next;
        *next = shared.head;
        return Some(Err(BroadcastRecvError::Lagged(missed)));
    }
    if let Some(value) = shared.ring.get((*next - shared.head) as usize) {
        *next += 1;
        return Some(Ok(value.clone()));
    }
    if shared.senders == 0 {
        return Some(Err(BroadcastRecvError::Closed));
    }
    None
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut shared = self.shared.borrow_mut();
        shared.receivers -= 1;
        let unreadable = if shared.receivers == 0 {
            // No future receiver can read these: a new one starts at the tail.
            let ring = std::mem::take(&mut shared.ring);
            shared.head += ring.len() as u64;
            ring
        } else {
            VecDeque::new()
        };
        drop(shared);
        drop(unreadable);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = self.shared.borrow();
        f.debug_struct("Receiver")
            .field("unread", &shared.tail().saturating_sub(self.next))
            .field("senders", &shared.senders)
            .finish()
    }
}

/// Future of [`Receiver::recv`].
///
/// # Cancellation
///
/// Dropping it loses no value.
///
/// # Panics
///
/// Polling it again after it returned panics (one rule for every wait future: see
/// [Polling after completion](crate::sync#polling-after-completion)); call
/// [`Receiver::recv`] again for the next value.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let (tx, mut rx) = evloop::channel::broadcast::channel(1);
///     let waiting = evloop::spawn(async move { rx.recv().await });
///     evloop::yield_now().await;
///     tx.send("wake").unwrap();
///     assert_eq!(waiting.await.unwrap(), Ok("wake"));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<'a, T> {
    rx: &'a mut Receiver<T>,
    waiter: Waiter,
}

/// The wait of [`Recv`]: for a value at the receiver's cursor (or `Lagged`, or the close).
struct Cursor<'n>(&'n mut u64);

impl<T: Clone> WaitRules<Shared<T>> for Cursor<'_> {
    type Data = ();
    type Output = Result<T, BroadcastRecvError>;

    fn waitable(&self) -> Wait {
        Wait::BROADCAST_RECV
    }

    fn queue(shared: &mut Shared<T>) -> &mut WaitQueue {
        &mut shared.waiters
    }

    fn data(&self) {}

    /// Each receiver reads at its own cursor: reading takes nothing from the others.
    fn fast_path(&mut self, shared: &mut Shared<T>) -> Option<Self::Output> {
        read(self.0, shared)
    }

    fn take_grant(&mut self, shared: &mut Shared<T>, (): ()) -> Self::Output {
        read(self.0, shared).expect(
            "evloop broadcast: every wake-up follows a send or the last sender's drop, so a \
             woken receiver has something to read (channel protocol broken)",
        )
    }
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, BroadcastRecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if crate::runtime::poll_proceed(cx).is_pending() {
            return Poll::Pending; // cooperative yield; a queued waiter keeps its place
        }
        let rx = &mut *this.rx;
        this.waiter.poll(cx, &rx.shared, &mut Cursor(&mut rx.next))
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        // `Cursor` has its rules only for `T: Clone`, which this `Drop` cannot require; a
        // receiver has nothing to pass on, so leaving the queue is all there is to do.
        let no_grant = |_: &mut Shared<T>, _, ()| None;
        self.waiter
            .leave_queue(&self.rx.shared, |shared| &mut shared.waiters, no_grant);
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv")
            .field("waiting", &self.waiter.is_queued())
            .finish()
    }
}

/// Why [`Receiver::recv`] returned no value.
///
/// # Examples
///
/// ```
/// use evloop::channel::broadcast::{self, BroadcastRecvError};
/// evloop::run(async {
///     let (tx, mut rx) = broadcast::channel::<u8>(1);
///     drop(tx);
///     assert_eq!(rx.recv().await, Err(BroadcastRecvError::Closed));
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BroadcastRecvError {
    /// Every sender is gone and every retained value was read.
    Closed,
    /// The receiver fell behind and missed this many values; it continues from the oldest
    /// value still retained.
    Lagged(u64),
}

impl fmt::Display for BroadcastRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BroadcastRecvError::Closed => f.write_str("channel closed"),
            BroadcastRecvError::Lagged(n) => write!(f, "receiver lagged behind by {n} values"),
        }
    }
}

impl Error for BroadcastRecvError {}

/// Why [`Receiver::try_recv`] returned no value.
///
/// # Examples
///
/// ```
/// use evloop::channel::broadcast::{self, BroadcastTryRecvError};
/// let (tx, mut rx) = broadcast::channel(1);
/// tx.send(1).unwrap();
/// tx.send(2).unwrap();
/// assert_eq!(rx.try_recv(), Err(BroadcastTryRecvError::Lagged(1)));
/// assert_eq!(rx.try_recv(), Ok(2));
/// assert_eq!(rx.try_recv(), Err(BroadcastTryRecvError::Empty));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BroadcastTryRecvError {
    /// No value yet; senders remain.
    Empty,
    /// Every sender is gone and every retained value was read.
    Closed,
    /// The receiver fell behind and missed this many values.
    Lagged(u64),
}

impl fmt::Display for BroadcastTryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BroadcastTryRecvError::Empty => f.write_str("channel empty"),
            BroadcastTryRecvError::Closed => f.write_str("channel closed"),
            BroadcastTryRecvError::Lagged(n) => write!(f, "receiver lagged behind by {n} values"),
        }
    }
}

impl Error for BroadcastTryRecvError {}
