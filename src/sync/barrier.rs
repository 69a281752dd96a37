//! `Barrier`: let a fixed number of tasks meet before any goes on (asyncio's
//! `asyncio.Barrier`).
//!
//! # Design
//!
//! State: how many tasks the barrier waits for (`parties`), how many have arrived in the
//! current generation, and a FIFO of the waiting ones. A task arrives at the first poll of
//! its `wait` future. The last to arrive is the leader: it starts the next generation
//! (arrivals back to zero) and wakes the others, so exactly one task per generation sees
//! `is_leader()`. A waiter dropped before its generation trips withdraws its arrival.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::waiters::{WaitQueue, WaitRules, Waiter, wake_all};
use crate::debug::Wait;

/// Lets `n` tasks wait for each other: asyncio's `asyncio.Barrier`.
///
/// Each task calls [`wait`](Self::wait)`.await`; once `n` have arrived, all of them go on,
/// and exactly one of them gets a [`BarrierWaitResult`] whose
/// [`is_leader`](BarrierWaitResult::is_leader) is true. The barrier then resets and can be
/// used again for the next round (generation).
///
/// `Barrier::new(0)` behaves like `Barrier::new(1)`: every `wait` completes at once, as
/// the leader.
///
/// `Barrier` is `!Send` and `!Sync`: share it between the tasks of one loop through an
/// `Rc`.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use evloop::sync::Barrier;
/// evloop::run(async {
///     let barrier = Rc::new(Barrier::new(3));
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let barrier = barrier.clone();
///             evloop::spawn(async move { barrier.wait().await.is_leader() })
///         })
///         .collect();
///     let leaders = evloop::gather(tasks).await.into_iter().filter(|r| *r.as_ref().unwrap()).count();
///     assert_eq!(leaders, 1);
/// });
/// ```
#[doc(alias = "asyncio.Barrier")]
pub struct Barrier {
    state: RefCell<State>,
}

#[derive(Debug)]
struct State {
    /// Tasks per generation (at least 1).
    parties: usize,
    /// Tasks that arrived in the current generation.
    arrived: usize,
    /// Generations completed so far.
    generation: u64,
    waiters: WaitQueue,
}

/// The wait of [`BarrierWait`], for [`Waiter`]: one task's arrival. Completes with whether
/// it was the leader, and the wakers of the others when it was.
struct Arrival;

impl WaitRules<State> for Arrival {
    type Data = ();
    type Output = (bool, Vec<Waker>);

    fn waitable(&self) -> Wait {
        Wait::BARRIER_WAIT
    }

    fn queue(state: &mut State) -> &mut WaitQueue {
        &mut state.waiters
    }

    fn data(&self) {}

    /// Arrives. Others may be queued: they wait for this very arrival, so it overtakes
    /// nobody.
    fn fast_path(&mut self, state: &mut State) -> Option<(bool, Vec<Waker>)> {
        state.arrived += 1;
        if state.arrived < state.parties {
            return None;
        }
        // Last to arrive: trip the barrier and start the next generation.
        state.arrived = 0;
        state.generation += 1;
        Some((true, state.waiters.notify_all()))
    }

    /// Our generation tripped.
    fn take_grant(&mut self, _: &mut State, (): ()) -> (bool, Vec<Waker>) {
        (false, Vec::new())
    }

    fn leave(
        &mut self,
        state: &mut State,
        notified: bool,
        (): (),
    ) -> impl IntoIterator<Item = Waker> + use<> {
        if !notified {
            // Our generation has not tripped: withdraw our arrival.
            state.arrived -= 1;
        }
        None
    }
}

impl Barrier {
    /// Creates a barrier for `n` tasks (`0` counts as `1`).
    ///
    /// # Examples
    ///
    /// ```
    /// let barrier = evloop::sync::Barrier::new(4);
    /// assert_eq!(barrier.parties(), 4);
    /// assert_eq!(evloop::sync::Barrier::new(0).parties(), 1);
    /// ```
    pub fn new(n: usize) -> Barrier {
        Barrier {
            state: RefCell::new(State {
                parties: n.max(1),
                arrived: 0,
                generation: 0,
                waiters: WaitQueue::new(),
            }),
        }
    }

    /// How many tasks each generation waits for.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(evloop::sync::Barrier::new(2).parties(), 2);
    /// ```
    pub fn parties(&self) -> usize {
        self.state.borrow().parties
    }

    /// How many tasks are waiting in the current generation: asyncio's `n_waiting`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// evloop::run(async {
    ///     let barrier = Rc::new(evloop::sync::Barrier::new(2));
    ///     let first = evloop::spawn({
    ///         let barrier = barrier.clone();
    ///         async move { barrier.wait().await.is_leader() }
    ///     });
    ///     evloop::yield_now().await;
    ///     assert_eq!(barrier.n_waiting(), 1);
    ///     assert!(barrier.wait().await.is_leader()); // the second arrival trips it
    ///     assert!(!first.await.unwrap());
    /// });
    /// ```
    pub fn n_waiting(&self) -> usize {
        self.state.borrow().arrived
    }

    /// Arrives at the barrier and waits until `parties` tasks have arrived in this
    /// generation. The last one to arrive is the leader and completes at once.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let barrier = evloop::sync::Barrier::new(1);
    ///     for _ in 0..3 {
    ///         assert!(barrier.wait().await.is_leader()); // a party of one
    ///     }
    /// });
    /// ```
    ///
    /// # Cancellation
    ///
    /// A task arrives when the future is first polled. Dropped before its generation
    /// trips, the future withdraws the arrival: the barrier waits for another task in its
    /// place. Dropped after the generation tripped, nothing is lost (the others went on).
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            waiter: Waiter::Idle,
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("Barrier")
            .field("parties", &state.parties)
            .field("arrived", &state.arrived)
            .field("generation", &state.generation)
            .finish()
    }
}

/// Future returned by [`Barrier::wait`].
///
/// # Panics
///
/// Polling it again after it returned its result panics (one rule for every wait future:
/// see [Polling after completion](super#polling-after-completion)).
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let barrier = evloop::sync::Barrier::new(1);
///     let wait: evloop::sync::BarrierWait<'_> = barrier.wait();
///     assert!(wait.await.is_leader());
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct BarrierWait<'a> {
    barrier: &'a Barrier,
    /// Queued once we arrived (and are not the leader).
    waiter: Waiter,
}

impl Future for BarrierWait<'_> {
    type Output = BarrierWaitResult;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<BarrierWaitResult> {
        let barrier = self.barrier;
        let arrival = self.waiter.poll(cx, &barrier.state, &mut Arrival);
        arrival.map(|(leader, others)| {
            wake_all(others);
            BarrierWaitResult { leader }
        })
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        self.waiter.cancel(&self.barrier.state, &mut Arrival);
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait")
            .field("barrier", self.barrier)
            .field("arrived", &self.waiter.is_queued())
            .finish()
    }
}

/// What [`Barrier::wait`] returns: whether this task was the generation's leader.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let result = evloop::sync::Barrier::new(1).wait().await;
///     assert!(result.is_leader());
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BarrierWaitResult {
    leader: bool,
}

impl BarrierWaitResult {
    /// Whether this task was the leader: exactly one task per generation is (the last
    /// one to arrive).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     assert!(evloop::sync::Barrier::new(0).wait().await.is_leader());
    /// });
    /// ```
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}
