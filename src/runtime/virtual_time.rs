//! The paused loop's turn: auto-advance, and the doors behind `evloop::time::{pause,
//! resume, advance, now}`.
//!
//! # The auto-advance rule
//!
//! A paused clock (`clock.rs`) moves only forward, and only here. When the loop has nothing
//! to poll (every task waits) and no wake from another thread is pending, it looks at why
//! the tasks wait:
//!
//! 1. No timer armed (or only parked ones, due 2^48 ms or more after the start: they never
//!    fire): nothing to jump to; the loop blocks for an event, as a real one does.
//! 2. A blocking job (`spawn_blocking`, a file call, a host name lookup) is queued or
//!    running: its result may be what a timeout races, so the clock stays; the loop waits
//!    for events (the job's wake) in slices of the grace period, at least 1 ms.
//! 3. A task waits on an I/O source (a socket read, an accept...) and the grace period
//!    (`Builder::auto_advance_grace`, 5 ms by default) is not zero: the loop waits up to the
//!    grace period, real time, for an I/O event. If one comes (or another thread wakes it),
//!    the clock stays and the loop runs what woke. Only a whole grace period with no event
//!    lets the clock jump. So bytes already on their way over loopback arrive before a
//!    timeout fires.
//! 4. Otherwise the clock jumps at once.
//!
//! A jump moves the clock to the earliest timer's deadline (never past it) and fires what is
//! due then, so timers fire one deadline at a time, in deadline order, and the tasks they
//! wake run before the clock moves again.
//!
//! `advance(d)` (from a task) moves the clock the same way, deadline by deadline up to
//! `now + d`, giving the woken tasks a turn (a yield) after each step.

use std::task::Waker;
use std::time::{Duration, Instant};

use super::context::with_current;
use super::core::Core;

impl Core {
    /// `park` when the clock is frozen: the auto-advance rule of the module docs. With a
    /// task to run, or no timer to jump to (rule 1), it parks as a real loop does.
    pub(super) fn park_virtual(&self, may_block: bool) {
        let idle = may_block && !self.shared.is_notified();
        let next = if idle {
            self.timers.borrow_mut().next_deadline()
        } else {
            None
        };
        let Some((deadline, _)) = next else {
            return self.park_real(may_block);
        };
        self.with_wakers(|wakers| {
            if self.quiet_for_jump(wakers) {
                self.clock.advance_to(self.next_stop(deadline));
            }
            self.fire_timers(wakers);
        });
        self.run_remote();
    }

    /// Rules 2 to 4 of the module docs, for an idle loop with a timer armed: polls the
    /// reactor (waking what its events satisfy onto `wakers`) and says whether the clock
    /// may jump.
    fn quiet_for_jump(&self, wakers: &mut Vec<Waker>) -> bool {
        let grace = self.config.advance_grace;
        if self.shared.blocking.is_busy() {
            // Rule 2: the clock stays.
            self.poll_io(Some(grace.max(Duration::from_millis(1))), false, wakers);
            return false;
        }
        if !grace.is_zero() && self.reactor.borrow().has_waiters() {
            // Rule 3: a whole grace period of real time with no event (a poll that returns
            // early, interrupted by a signal, waits again for the rest).
            let until = Instant::now() + grace;
            loop {
                let left = until.saturating_duration_since(Instant::now());
                if self.poll_io(Some(left), false, wakers) > 0 || self.shared.is_notified() {
                    return false;
                }
                if Instant::now() >= until {
                    return true;
                }
            }
        }
        // Rule 4; events already waiting are taken first all the same. A job that finished
        // since the loop found itself idle pushed its wake before the pool counted it done,
        // so `is_busy` seeing it done means the wake is visible here: check again rather
        // than jump past its result.
        self.poll_io(Some(Duration::ZERO), false, wakers) == 0 && !self.shared.is_notified()
    }

    /// Where the frozen clock goes to reach the timer due at `deadline`: there, or, if the
    /// wheel reports a deadline the clock already reached (an entry due past the end of
    /// the wheel's range waits in its top level and comes back due at each of its turns),
    /// one millisecond on, so that the clock always moves and the loop cannot spin in place.
    fn next_stop(&self, deadline: Instant) -> Instant {
        let now = self.clock.read();
        if deadline > now {
            deadline
        } else {
            now + Duration::from_millis(1)
        }
    }

    /// One step of `advance`: moves the frozen clock to the earliest timer due by `target`
    /// (or to `target` if none is) and fires what is due; unless tasks are still queued
    /// and `force` is false (they run first). `Err` if the clock is not frozen.
    fn advance_step(&self, target: Instant, force: bool) -> Result<Step, ()> {
        if !self.clock.is_paused() {
            return Err(());
        }
        if !force && !self.tasks.borrow().is_idle() {
            return Ok(Step::Busy);
        }
        let next = self.timers.borrow_mut().next_deadline();
        let (to, step) = match next {
            Some((deadline, _)) if deadline < target => {
                (self.next_stop(deadline).min(target), Step::Stopped)
            }
            _ => (target, Step::Done),
        };
        self.clock.advance_to(to);
        self.with_wakers(|wakers| self.fire_timers(wakers));
        Ok(step)
    }
}

/// What one step of `advance` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Tasks are still queued: the clock did not move.
    Busy,
    /// The clock stopped at a timer before the target.
    Stopped,
    /// The clock reached the target.
    Done,
}

/// The loop's time: the current runtime's virtual clock if it ever paused, else (and
/// outside a runtime) `Instant::now()`. Until any runtime of the process pauses, this is
/// `Instant::now()` plus one relaxed atomic load.
#[inline]
pub(crate) fn loop_now() -> Instant {
    if !super::clock::VIRTUAL_TIME_USED.load(std::sync::atomic::Ordering::Relaxed) {
        return Instant::now();
    }
    with_current(|core| core.clock.read()).unwrap_or_else(Instant::now)
}

/// Pauses the current runtime's clock; `None` outside a runtime.
pub(crate) fn pause_clock() -> Option<()> {
    with_current(|core| core.clock.pause())
}

/// Lets the current runtime's clock run again; `None` outside a runtime.
pub(crate) fn resume_clock() -> Option<()> {
    with_current(|core| core.clock.resume())
}

/// One step of `advance` on the current runtime: `None` outside a runtime, `Some(Err)` if
/// its clock is not paused (see `Core::advance_step`).
pub(crate) fn advance_clock(target: Instant, force: bool) -> Option<Result<Step, ()>> {
    with_current(|core| core.advance_step(target, force))
}
