//! The futures of [`GenericQueue::get`], [`GenericQueue::put`] and [`GenericQueue::join`].
//!
//! Each holds at most one [`WaiterKey`]: `None` until it has to wait, and again once it is
//! done. A notified waiter owns a promise (an item, or a slot) until it returns or is
//! dropped; both paths settle the promise exactly once (see the parent module's docs).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{Buffer, GenericQueue, QueueShutDown};
use crate::sync::waiters::WaiterKey;

/// Future of [`GenericQueue::get`]: the next item, or [`QueueShutDown`].
///
/// # Cancellation
///
/// Dropping it takes no item; an item promised to it goes to the next waiting get or stays
/// in the queue.
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
    waiter: Option<WaiterKey>,
}

impl<'a, T, B: Buffer<T>> Get<'a, T, B> {
    pub(super) fn new(queue: &'a GenericQueue<T, B>) -> Self {
        Get {
            queue,
            waiter: None,
        }
    }
}

impl<T, B: Buffer<T>> Future for Get<'_, T, B> {
    type Output = Result<T, QueueShutDown>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.waiter.is_none() && crate::runtime::poll_proceed(cx).is_pending() {
            return Poll::Pending; // cooperative yield before taking an item
        }
        let mut state = this.queue.shared.borrow_mut();
        match this.waiter {
            // Woken by a put (an item is promised to us) or by shutdown.
            Some(key) if state.getters.is_notified(key) => {
                state.getters.remove(key);
                this.waiter = None;
                state.promised_items -= 1;
                let item = state.items.pop();
                // Only a shutdown notifies a getter without an item to back the promise.
                debug_assert!(item.is_some() || state.shut_down);
                let wake = state.serve();
                drop(state);
                wake.wake();
                Poll::Ready(item.ok_or(QueueShutDown(())))
            }
            Some(key) => {
                let old = state.getters.update_waker(key, cx.waker());
                drop(state);
                drop(old);
                Poll::Pending
            }
            None => {
                if let Some((item, wake)) = state.try_get() {
                    drop(state);
                    wake.wake();
                    return Poll::Ready(Ok(item));
                }
                if state.shut_down {
                    return Poll::Ready(Err(QueueShutDown(())));
                }
                this.waiter = Some(state.getters.push(cx.waker()));
                crate::debug::Waitable::QueueGet.note();
                Poll::Pending
            }
        }
    }
}

impl<T, B: Buffer<T>> Drop for Get<'_, T, B> {
    fn drop(&mut self) {
        let Some(key) = self.waiter.take() else {
            return;
        };
        let mut state = self.queue.shared.borrow_mut();
        if state.getters.remove(key) {
            // Notified but never came back: pass the promised item on (or return it).
            state.promised_items -= 1;
            let wake = state.serve();
            drop(state);
            wake.wake();
        }
    }
}

impl<T, B: Buffer<T>> fmt::Debug for Get<'_, T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get")
            .field("waiting", &self.waiter.is_some())
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
    item: Option<T>,
    waiter: Option<WaiterKey>,
}

// The item is never pinned: it is moved into the queue by value.
impl<T, B: Buffer<T>> Unpin for Put<'_, T, B> {}

impl<'a, T, B: Buffer<T>> Put<'a, T, B> {
    pub(super) fn new(queue: &'a GenericQueue<T, B>, item: T) -> Self {
        Put {
            queue,
            item: Some(item),
            waiter: None,
        }
    }
}

impl<T, B: Buffer<T>> Future for Put<'_, T, B> {
    type Output = Result<(), QueueShutDown<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut state = this.queue.shared.borrow_mut();
        let promised = match this.waiter {
            Some(key) if state.putters.is_notified(key) => {
                state.putters.remove(key);
                this.waiter = None;
                state.promised_slots -= 1;
                true
            }
            Some(key) => {
                let old = state.putters.update_waker(key, cx.waker());
                drop(state);
                drop(old);
                return Poll::Pending;
            }
            None => false,
        };
        let item = this.item.take().expect("`Put` polled after it completed");
        if state.shut_down {
            return Poll::Ready(Err(QueueShutDown(item)));
        }
        if promised || state.has_room() {
            state.push(item);
            let wake = state.serve();
            drop(state);
            wake.wake();
            return Poll::Ready(Ok(()));
        }
        this.item = Some(item);
        this.waiter = Some(state.putters.push(cx.waker()));
        crate::debug::Waitable::QueuePut.note();
        Poll::Pending
    }
}

impl<T, B: Buffer<T>> Drop for Put<'_, T, B> {
    fn drop(&mut self) {
        let Some(key) = self.waiter.take() else {
            return; // the item (if still here) drops with the future, outside any borrow
        };
        let mut state = self.queue.shared.borrow_mut();
        if state.putters.remove(key) {
            // Notified but never came back: pass the promised room on.
            state.promised_slots -= 1;
            let wake = state.serve();
            drop(state);
            wake.wake();
        }
    }
}

impl<T, B: Buffer<T>> fmt::Debug for Put<'_, T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Put")
            .field("done", &self.item.is_none())
            .field("waiting", &self.waiter.is_some())
            .finish()
    }
}

/// Future of [`GenericQueue::join`]: completes when no put item is unfinished.
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
    waiter: Option<WaiterKey>,
}

impl<'a, T, B: Buffer<T>> Join<'a, T, B> {
    pub(super) fn new(queue: &'a GenericQueue<T, B>) -> Self {
        Join {
            queue,
            waiter: None,
        }
    }
}

impl<T, B: Buffer<T>> Future for Join<'_, T, B> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let mut state = this.queue.shared.borrow_mut();
        let notified = this
            .waiter
            .is_some_and(|key| state.joiners.is_notified(key));
        if notified || state.unfinished == 0 {
            if let Some(key) = this.waiter.take() {
                state.joiners.remove(key);
            }
            return Poll::Ready(());
        }
        match this.waiter {
            Some(key) => {
                let old = state.joiners.update_waker(key, cx.waker());
                drop(state);
                drop(old);
            }
            None => {
                this.waiter = Some(state.joiners.push(cx.waker()));
                crate::debug::Waitable::QueueJoin.note();
            }
        }
        Poll::Pending
    }
}

impl<T, B: Buffer<T>> Drop for Join<'_, T, B> {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            self.queue.shared.borrow_mut().joiners.remove(key);
        }
    }
}

impl<T, B: Buffer<T>> fmt::Debug for Join<'_, T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join")
            .field("waiting", &self.waiter.is_some())
            .finish()
    }
}
