//! The futures of [`GenericQueue::get`], [`GenericQueue::put`] and [`GenericQueue::join`].
//!
//! Each holds a [`Waiter`] (the state machine shared with `sync`) and supplies its
//! [`WaitRules`]: `GetItem`, `PutItem` and `Unfinished`. A notified getter or putter owns a
//! promise (an item, or a slot) until it returns or is dropped; `take_grant` and `leave`
//! settle the promise exactly once (see the parent module's docs).
//!
//! Each panics if polled again after it completed: see [Polling after
//! completion](crate::sync#polling-after-completion).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::state::{State, Wake};
use super::{Buffer, GenericQueue, QueueShutDown};
use crate::debug::Wait;
use crate::sync::waiters::{WaitQueue, WaitRules, Waiter};

/// The wait of [`Get`]: for an item, or the shutdown. Completes with the result and the
/// waiters its taking the item lets go on.
struct GetItem;

impl<T, B: Buffer<T>> WaitRules<State<T, B>> for GetItem {
    type Data = ();
    type Output = (Result<T, QueueShutDown>, Wake);

    fn waitable(&self) -> Wait {
        Wait::QUEUE_GET
    }

    fn queue(state: &mut State<T, B>) -> &mut WaitQueue {
        &mut state.getters
    }

    fn data(&self) {}

    /// `try_get` takes only items not promised to a notified getter, and no getter waits
    /// while such an item is there.
    fn fast_path(&mut self, state: &mut State<T, B>) -> Option<Self::Output> {
        if let Some((item, wake)) = state.try_get() {
            return Some((Ok(item), wake));
        }
        state
            .shut_down
            .then(|| (Err(QueueShutDown(())), Wake::default()))
    }

    /// Woken by a put (an item is promised to us) or by the shutdown.
    fn take_grant(&mut self, state: &mut State<T, B>, (): ()) -> Self::Output {
        state.promised_items -= 1;
        let item = state.items.pop();
        // Only a shutdown notifies a getter without an item to back the promise.
        debug_assert!(item.is_some() || state.shut_down);
        (item.ok_or(QueueShutDown(())), state.serve())
    }

    fn leave(
        &mut self,
        state: &mut State<T, B>,
        notified: bool,
        (): (),
    ) -> impl IntoIterator<Item = Waker> + use<T, B> {
        if !notified {
            return Wake::default();
        }
        // Notified but never came back: pass the promised item on (or return it).
        state.promised_items -= 1;
        state.serve()
    }
}

/// The wait of [`Put`], holding the future's item until it is put (or handed back).
struct PutItem<'i, T>(&'i mut Option<T>);

impl<T> PutItem<'_, T> {
    /// Puts the item, or hands it back if the queue was shut down.
    fn put<B: Buffer<T>>(
        &mut self,
        state: &mut State<T, B>,
    ) -> (Result<(), QueueShutDown<T>>, Wake) {
        let item = self
            .0
            .take()
            .expect("a put holds its item until it completes");
        if state.shut_down {
            return (Err(QueueShutDown(item)), Wake::default());
        }
        state.push(item);
        (Ok(()), state.serve())
    }
}

impl<'i, T, B: Buffer<T>> WaitRules<State<T, B>> for PutItem<'i, T> {
    type Data = ();
    type Output = (Result<(), QueueShutDown<T>>, Wake);

    fn waitable(&self) -> Wait {
        Wait::QUEUE_PUT
    }

    fn queue(state: &mut State<T, B>) -> &mut WaitQueue {
        &mut state.putters
    }

    fn data(&self) {}

    /// `has_room` counts the room promised to notified putters, and no putter waits while
    /// there is room.
    fn fast_path(&mut self, state: &mut State<T, B>) -> Option<Self::Output> {
        (state.shut_down || state.has_room()).then(|| self.put(state))
    }

    /// Woken by a get (room is promised to us) or by the shutdown.
    fn take_grant(&mut self, state: &mut State<T, B>, (): ()) -> Self::Output {
        state.promised_slots -= 1;
        self.put(state)
    }

    fn leave(
        &mut self,
        state: &mut State<T, B>,
        notified: bool,
        (): (),
    ) -> impl IntoIterator<Item = Waker> + use<'i, T, B> {
        if !notified {
            return Wake::default();
        }
        // Notified but never came back: pass the promised room on.
        state.promised_slots -= 1;
        state.serve()
    }
}

/// The wait of [`Join`]: for the count of unfinished items to reach zero.
struct Unfinished;

impl<T, B: Buffer<T>> WaitRules<State<T, B>> for Unfinished {
    type Data = ();
    type Output = ();

    fn waitable(&self) -> Wait {
        Wait::QUEUE_JOIN
    }

    fn queue(state: &mut State<T, B>) -> &mut WaitQueue {
        &mut state.joiners
    }

    fn data(&self) {}

    /// Joiners wait only while items are unfinished: the `task_done` that settles the last
    /// one wakes them all.
    fn fast_path(&mut self, state: &mut State<T, B>) -> Option<()> {
        (state.unfinished == 0).then_some(())
    }

    /// Woken because the count reached zero: done, even if an item was put since.
    fn take_grant(&mut self, _: &mut State<T, B>, (): ()) {}
}

/// Future of [`GenericQueue::get`]: the next item, or [`QueueShutDown`].
///
/// # Cancellation
///
/// Dropping it takes no item; an item promised to it goes to the next waiting get or stays
/// in the queue.
///
/// # Panics
///
/// If polled again after it returned: call [`get`](GenericQueue::get) again for the next
/// item (see [Polling after completion](crate::sync#polling-after-completion)).
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let queue = evloop::channel::Queue::new();
///     queue.try_put(1).unwrap();
///     let get = queue.get(); // nothing happens until awaited
///     assert_eq!(get.await, Ok(1));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Get<'a, T, B: Buffer<T>> {
    queue: &'a GenericQueue<T, B>,
    waiter: Waiter,
}

impl<'a, T, B: Buffer<T>> Get<'a, T, B> {
    pub(super) fn new(queue: &'a GenericQueue<T, B>) -> Self {
        Get {
            queue,
            waiter: Waiter::Idle,
        }
    }
}

impl<T, B: Buffer<T>> Future for Get<'_, T, B> {
    type Output = Result<T, QueueShutDown>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if !this.waiter.is_queued() && crate::runtime::poll_proceed(cx).is_pending() {
            return Poll::Pending; // cooperative yield before taking an item
        }
        let get = this.waiter.poll(cx, &this.queue.shared, &mut GetItem);
        get.map(|(item, wake)| {
            wake.wake();
            item
        })
    }
}

impl<T, B: Buffer<T>> Drop for Get<'_, T, B> {
    fn drop(&mut self) {
        self.waiter.cancel(&self.queue.shared, &mut GetItem);
    }
}

impl<T, B: Buffer<T>> fmt::Debug for Get<'_, T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get")
            .field("waiting", &self.waiter.is_queued())
            .finish()
    }
}

/// Future of [`GenericQueue::put`]: `Ok` once the item is in the queue, or
/// [`QueueShutDown`] with the item.
///
/// # Cancellation
///
/// Dropping it before it completed drops the item unput; room promised to it goes to the
/// next waiting put.
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
///     let queue = evloop::channel::Queue::bounded(1);
///     let put = queue.put("x"); // nothing happens until awaited
///     assert!(queue.is_empty());
///     put.await.unwrap();
///     assert_eq!(queue.len(), 1);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Put<'a, T, B: Buffer<T>> {
    queue: &'a GenericQueue<T, B>,
    /// `Some` until the put completes.
    item: Option<T>,
    waiter: Waiter,
}

// The item is never pinned: it is moved into the queue by value.
impl<T, B: Buffer<T>> Unpin for Put<'_, T, B> {}

impl<'a, T, B: Buffer<T>> Put<'a, T, B> {
    pub(super) fn new(queue: &'a GenericQueue<T, B>, item: T) -> Self {
        Put {
            queue,
            item: Some(item),
            waiter: Waiter::Idle,
        }
    }
}

impl<T, B: Buffer<T>> Future for Put<'_, T, B> {
    type Output = Result<(), QueueShutDown<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut item = PutItem(&mut this.item);
        let put = this.waiter.poll(cx, &this.queue.shared, &mut item);
        put.map(|(result, wake)| {
            wake.wake();
            result
        })
    }
}

impl<T, B: Buffer<T>> Drop for Put<'_, T, B> {
    fn drop(&mut self) {
        // The item (if still here) drops with the future, outside any borrow.
        let mut item = PutItem(&mut self.item);
        self.waiter.cancel(&self.queue.shared, &mut item);
    }
}

impl<T, B: Buffer<T>> fmt::Debug for Put<'_, T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Put")
            .field("done", &self.waiter.is_done())
            .field("waiting", &self.waiter.is_queued())
            .finish()
    }
}

/// Future of [`GenericQueue::join`]: completes when no put item is unfinished.
///
/// # Cancellation
///
/// Dropping it loses nothing.
///
/// # Panics
///
/// If polled again after it returned: call [`join`](GenericQueue::join) again to wait
/// again (see [Polling after completion](crate::sync#polling-after-completion)).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// evloop::run(async {
///     let queue = evloop::channel::Queue::new();
///     // Nothing was put: completes at once (even a zero timeout does not expire first).
///     assert!(evloop::wait_for(Duration::ZERO, queue.join()).await.is_ok());
///     queue.try_put(1).unwrap();
///     // One unfinished item: waits for its `task_done`.
///     assert!(evloop::wait_for(Duration::ZERO, queue.join()).await.is_err());
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Join<'a, T, B: Buffer<T>> {
    queue: &'a GenericQueue<T, B>,
    waiter: Waiter,
}

impl<'a, T, B: Buffer<T>> Join<'a, T, B> {
    pub(super) fn new(queue: &'a GenericQueue<T, B>) -> Self {
        Join {
            queue,
            waiter: Waiter::Idle,
        }
    }
}

impl<T, B: Buffer<T>> Future for Join<'_, T, B> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.waiter.poll(cx, &this.queue.shared, &mut Unfinished)
    }
}

impl<T, B: Buffer<T>> Drop for Join<'_, T, B> {
    fn drop(&mut self) {
        self.waiter.cancel(&self.queue.shared, &mut Unfinished);
    }
}

impl<T, B: Buffer<T>> fmt::Debug for Join<'_, T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join")
            .field("waiting", &self.waiter.is_queued())
            .finish()
    }
}
