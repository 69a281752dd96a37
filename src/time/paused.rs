//! Virtual time for tests: `now`, `pause`, `resume`, `advance`.

use std::future::Future;

use crate::runtime::Step;
use std::time::{Duration, Instant};

/// The loop's time: what `sleep`, `interval` and `wait_for` measure their deadlines from.
///
/// On a runtime whose clock was never paused this is `Instant::now()`. Once it is paused
/// ([`pause`], [`Builder::start_paused`](crate::runtime::Builder::start_paused)) it is the
/// loop's virtual time, which moves only with [`advance`] and the loop's auto-advance, and
/// after [`resume`] it runs on from there at real speed. Outside a runtime it is
/// `Instant::now()`.
///
/// `std::time::Instant::now()` always returns the real time: a deadline meant for a paused
/// loop must be computed from this function (`evloop::time::now() + d`), not from
/// `Instant::now()`, which may lie far behind (or, after a `resume`, ahead of) the virtual
/// clock. `sleep(d)` and `wait_for(d, ..)` take care of that themselves.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let rt = evloop::Runtime::builder().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let start = evloop::time::now();
///     evloop::time::advance(Duration::from_secs(90)).await;
///     assert_eq!(evloop::time::now() - start, Duration::from_secs(90));
/// });
/// ```
#[doc(alias = "loop.time")]
pub fn now() -> Instant {
    crate::runtime::loop_now()
}

/// Pauses the current runtime's clock (virtual time): from now on it moves only when
/// [`advance`] moves it, or when the loop auto-advances.
///
/// **Auto-advance.** When no task can run (every task waits) and no wake from another
/// thread is pending, a paused loop moves its clock itself, to the earliest timer's
/// deadline, and fires what is due then, so timers fire one deadline at a time in deadline
/// order and the tasks they wake run before the clock moves on. It does so:
///
/// * never while a blocking job (`spawn_blocking`, an `evloop::fs` call, a host name
///   lookup) is queued or running: its result may be what a timeout races;
/// * when a task waits on I/O (a socket read, an accept), only after the loop stayed idle
///   for the grace period ([`Builder::auto_advance_grace`](crate::runtime::Builder::auto_advance_grace),
///   5 ms of real time by default) with no I/O event, so that bytes already on their way
///   over loopback arrive before a timeout fires; an event restarts the wait;
/// * otherwise at once: an hour of `interval` ticks takes milliseconds.
///
/// With no timer armed there is nothing to jump to: the loop waits for an event as a real
/// one does. Pausing a paused clock does nothing.
///
/// A blocking job that waits for something only a timer will bring (a `spawn_blocking`
/// closure blocked on a channel that a sleeping task feeds) holds the clock for good: the
/// test hangs. Give such a job a real-time bound, or send from a task that is not timed.
///
/// # Panics
///
/// Panics outside an evloop runtime.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// evloop::run(async {
///     evloop::time::pause();
///     let real = Instant::now();
///     // A 30-minute timeout, in virtual time.
///     let slow = evloop::wait_for(Duration::from_secs(1800), std::future::pending::<()>());
///     assert!(slow.await.is_err());
///     assert!(real.elapsed() < Duration::from_secs(60));
/// });
/// ```
#[track_caller]
pub fn pause() {
    if crate::runtime::pause_clock().is_none() {
        panic!(
            "evloop::time::pause: {}; to start a runtime paused, use \
             Builder::start_paused(true)",
            crate::runtime::NO_RUNTIME
        );
    }
}

/// Lets the current runtime's paused clock run again, at real speed from the virtual time
/// it stands at (which may be ahead of `Instant::now()`). Does nothing if it is not paused.
///
/// # Panics
///
/// Panics outside an evloop runtime.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// evloop::run(async {
///     evloop::time::pause();
///     evloop::time::advance(Duration::from_secs(5)).await;
///     evloop::time::resume();
///     let start = evloop::time::now();
///     evloop::sleep(Duration::from_millis(2)).await; // real time again
///     assert!(evloop::time::now() - start >= Duration::from_millis(2));
/// });
/// ```
#[track_caller]
pub fn resume() {
    if crate::runtime::resume_clock().is_none() {
        panic!("evloop::time::resume: {}", crate::runtime::NO_RUNTIME);
    }
}

/// Moves the paused clock forward by `duration`, firing every timer due within it, in
/// deadline order. The tasks already queued (just spawned, or woken) run first; then the
/// clock stops at each deadline, fires what is due, and lets the tasks
/// it woke run before it moves on. When it returns, the clock reads `now() + duration`
/// from when it was called (rounded up to a whole millisecond: a paused clock moves in the
/// timer wheel's ticks), and the tasks woken by the last timers have had a turn.
///
/// Tasks that keep waking themselves (a `yield_now` loop) do not hold the clock forever:
/// after 1,000 turns with tasks still queued it moves on regardless.
///
/// # Panics
///
/// Panics outside an evloop runtime, or if the clock is not paused (call [`pause`] first,
/// or build the runtime with `start_paused(true)`).
///
/// # Cancellation
///
/// Dropping it between steps leaves the clock where the last step put it.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use std::time::Duration;
/// let rt = evloop::Runtime::builder().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let ticks = Rc::new(Cell::new(0));
///     let counter = ticks.clone();
///     evloop::spawn(async move {
///         let mut every = evloop::interval(Duration::from_secs(1));
///         loop {
///             every.tick().await;
///             counter.set(counter.get() + 1);
///         }
///     });
///     evloop::time::advance(Duration::from_secs(10)).await;
///     assert_eq!(ticks.get(), 11);
/// });
/// ```
#[track_caller]
pub fn advance(duration: Duration) -> impl Future<Output = ()> {
    let location = std::panic::Location::caller();
    async move { advance_from(location, duration).await }
}

async fn advance_from(location: &'static std::panic::Location<'static>, duration: Duration) {
    let Some(target) = now().checked_add(duration) else {
        panic!("evloop::time::advance (at {location}): {duration:?} overflows Instant");
    };
    // Tasks already queued (just spawned, or woken) run first, and arm their timers.
    crate::yield_now().await;
    // Steps that found tasks still queued, in a row; past `MAX_WAITS` (tasks that keep
    // waking themselves), the clock moves on regardless.
    let mut waited = 0u32;
    loop {
        let step = match crate::runtime::advance_clock(target, waited >= MAX_WAITS) {
            Some(Ok(step)) => step,
            Some(Err(())) => panic!(
                "evloop::time::advance (at {location}): the clock is not paused; call \
                 evloop::time::pause() first, or build the runtime with \
                 Builder::start_paused(true)"
            ),
            None => panic!(
                "evloop::time::advance (at {location}): {}",
                crate::runtime::NO_RUNTIME
            ),
        };
        waited = if step == Step::Busy { waited + 1 } else { 0 };
        crate::yield_now().await; // the woken (or still queued) tasks run
        if step == Step::Done {
            break;
        }
    }
    // The tasks the last timers woke run before `advance` returns (under a seed, the
    // advancing task may be picked before them).
    for _ in 0..MAX_WAITS {
        if crate::runtime::advance_clock(target, false) != Some(Ok(Step::Busy)) {
            return;
        }
        crate::yield_now().await;
    }
}

/// Turns `advance` waits for queued tasks before it moves the clock anyway.
const MAX_WAITS: u32 = 1000;
