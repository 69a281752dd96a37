//! `Event`: a flag that tasks can wait for (asyncio's `asyncio.Event`).

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::waiters::{WaitQueue, WaitRules, Waiter, wake_all};
use crate::debug::Wait;

/// A flag that tasks can wait for: asyncio's `asyncio.Event`.
///
/// [`set`](Self::set) raises the flag and wakes every task waiting in
/// [`wait`](Self::wait); while the flag is up, `wait` completes at once.
/// [`clear`](Self::clear) lowers it again. A waiter woken by `set` returns even if `clear`
/// ran before it got to run: the wake-up, not the flag at that later moment, is what it
/// waited for.
///
/// `Event` is `!Send` and `!Sync`: share it between tasks of one loop by reference or
/// through an `Rc`.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use evloop::sync::Event;
/// evloop::run(async {
///     let ready = Rc::new(Event::new());
///     let waiter = evloop::spawn({
///         let ready = ready.clone();
///         async move {
///             ready.wait().await;
///             "go"
///         }
///     });
///     evloop::yield_now().await;
///     ready.set();
///     assert_eq!(waiter.await.unwrap(), "go");
/// });
/// ```
///
/// ```compile_fail
/// fn assert_send<T: Send>() {}
/// assert_send::<evloop::sync::Event>(); // one loop, one thread
/// ```
#[doc(alias = "asyncio.Event")]
pub struct Event {
    state: RefCell<State>,
}

#[derive(Debug, Default)]
struct State {
    set: bool,
    waiters: WaitQueue,
}

/// The wait of [`EventWait`], for [`Waiter`]: for the flag to go up.
struct UntilSet;

impl WaitRules<State> for UntilSet {
    type Data = ();
    type Output = ();

    fn waitable(&self) -> Wait {
        Wait::EVENT_WAIT
    }

    fn queue(state: &mut State) -> &mut WaitQueue {
        &mut state.waiters
    }

    fn data(&self) {}

    /// While the flag is up nobody is queued: `set` woke them all.
    fn fast_path(&mut self, state: &mut State) -> Option<()> {
        state.set.then_some(())
    }

    /// Woken by a `set`: done, even if the flag was cleared since.
    fn take_grant(&mut self, _: &mut State, (): ()) {}
}

impl Event {
    /// Creates an event whose flag is down.
    ///
    /// # Examples
    ///
    /// ```
    /// let event = evloop::sync::Event::new();
    /// assert!(!event.is_set());
    /// ```
    pub fn new() -> Event {
        Event {
            state: RefCell::new(State::default()),
        }
    }

    /// Raises the flag and wakes every task waiting in [`wait`](Self::wait).
    ///
    /// Setting an event that is already set does nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let event = evloop::sync::Event::new();
    ///     event.set();
    ///     assert!(event.is_set());
    ///     event.wait().await; // at once
    /// });
    /// ```
    pub fn set(&self) {
        let wakers = {
            let mut state = self.state.borrow_mut();
            state.set = true;
            state.waiters.notify_all()
        };
        wake_all(wakers);
    }

    /// Lowers the flag: later calls to [`wait`](Self::wait) wait for the next
    /// [`set`](Self::set).
    ///
    /// Tasks already woken by a `set` still return from their `wait`.
    ///
    /// # Examples
    ///
    /// ```
    /// let event = evloop::sync::Event::new();
    /// event.set();
    /// event.clear();
    /// assert!(!event.is_set());
    /// ```
    pub fn clear(&self) {
        self.state.borrow_mut().set = false;
    }

    /// Whether the flag is up.
    ///
    /// # Examples
    ///
    /// ```
    /// let event = evloop::sync::Event::new();
    /// assert!(!event.is_set());
    /// event.set();
    /// assert!(event.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.state.borrow().set
    }

    /// Waits until the flag is up: completes at once if it is, otherwise at the next
    /// [`set`](Self::set).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// use evloop::sync::Event;
    /// evloop::run(async {
    ///     let event = Rc::new(Event::new());
    ///     let setter = evloop::spawn({
    ///         let event = event.clone();
    ///         async move { event.set() }
    ///     });
    ///     event.wait().await; // until the setter runs
    ///     assert!(event.is_set());
    ///     assert!(setter.is_finished());
    /// });
    /// ```
    ///
    /// # Cancellation
    ///
    /// The future registers at its first poll. Dropping it leaves the queue of waiters;
    /// nothing else is lost (a `set` wakes everyone, so there is no grant to pass on).
    pub fn wait(&self) -> EventWait<'_> {
        EventWait {
            event: self,
            waiter: Waiter::Idle,
        }
    }
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("Event")
            .field("set", &state.set)
            .field("waiters", &state.waiters.waiting())
            .finish()
    }
}

/// Future returned by [`Event::wait`].
///
/// # Panics
///
/// Polling it again after it returned `Ready` panics (one rule for every wait future: see
/// [Polling after completion](super#polling-after-completion)); call [`Event::wait`] again
/// to wait again.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// evloop::run(async {
///     let event = evloop::sync::Event::new();
///     let wait: evloop::sync::EventWait<'_> = event.wait();
///     event.set();
///     // The flag is up: completes at once (even a zero timeout does not expire first).
///     assert!(evloop::wait_for(Duration::ZERO, wait).await.is_ok());
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct EventWait<'a> {
    event: &'a Event,
    waiter: Waiter,
}

impl Future for EventWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let event = self.event;
        self.waiter.poll(cx, &event.state, &mut UntilSet)
    }
}

impl Drop for EventWait<'_> {
    fn drop(&mut self) {
        self.waiter.cancel(&self.event.state, &mut UntilSet);
    }
}

impl fmt::Debug for EventWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventWait")
            .field("event", self.event)
            .field("registered", &self.waiter.is_queued())
            .finish()
    }
}
