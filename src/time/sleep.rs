//! `sleep`, `sleep_until` and the `Sleep` future.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::wheel::TimerKey;

/// Waits until `duration` has elapsed: asyncio's `asyncio.sleep(delay)`.
///
/// The deadline is fixed when `sleep` is called. `Duration::ZERO` completes at the first
/// poll; `Duration::MAX` (or any deadline past what `Instant` can represent, or 2^48 ms,
/// about 8,900 years, or more after the runtime started) never completes.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// evloop::run(async {
///     let start = Instant::now();
///     evloop::sleep(Duration::from_millis(10)).await;
///     assert!(start.elapsed() >= Duration::from_millis(10)); // never early
/// });
/// ```
///
/// # Panics
///
/// Awaiting it outside an evloop runtime panics (there is no timer to register with).
///
/// # Cancellation
///
/// Dropping the future disarms the timer; nothing else is lost.
#[doc(alias = "asyncio.sleep")]
pub fn sleep(duration: Duration) -> Sleep {
    // A deadline at least one tick away cannot have passed unnoticed at the first poll: the
    // wheel itself says whether its tick is already behind (see `Sleep::poll`).
    let check_clock = duration < Duration::from_millis(1);
    Sleep::new(crate::time::now().checked_add(duration), check_clock)
}

/// Waits until `deadline`.
///
/// A deadline already past completes at the first poll; one 2^48 ms (about 8,900 years) or
/// more after the runtime started never completes.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// evloop::run(async {
///     let deadline = Instant::now() + Duration::from_millis(5);
///     evloop::sleep_until(deadline).await;
///     assert!(Instant::now() >= deadline);
/// });
/// ```
///
/// # Panics
///
/// Awaiting it outside an evloop runtime panics.
///
/// # Cancellation
///
/// Dropping the future disarms the timer.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(Some(deadline), true)
}

/// Future returned by [`sleep`] and [`sleep_until`].
///
/// It is `Unpin`, `Send` and `Sync`: plain data that registers with the wheel of the
/// runtime that polls it.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// evloop::run(async {
///     let mut sleep = evloop::sleep(Duration::from_secs(3600));
///     let now = Instant::now();
///     sleep.reset(now); // changed my mind
///     (&mut sleep).await; // `Unpin`: awaited through a reference
///     assert_eq!(sleep.deadline(), Some(now));
///     assert!(sleep.is_elapsed());
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Sleep {
    /// `None`: never.
    deadline: Option<Instant>,
    timer: TimerState,
}

/// Whether a [`Sleep`] is armed. One enum rather than an `Option` of the entry and a flag:
/// the flag fits beside the entry's non-zero generation, so a `Sleep` (which every task
/// parked on a timer holds) is 40 bytes rather than 48.
#[derive(Debug, Clone, Copy)]
enum TimerState {
    /// Not armed. `check_clock`: read the clock before arming, as the deadline may already
    /// have passed (a deadline under one tick away, `sleep_until`, a reset).
    Unarmed { check_clock: bool },
    /// Armed in the wheel of runtime `runtime` as `key`.
    Armed { runtime: u64, key: TimerKey },
}

impl Sleep {
    fn new(deadline: Option<Instant>, check_clock: bool) -> Self {
        Sleep {
            deadline,
            timer: TimerState::Unarmed { check_clock },
        }
    }

    /// The deadline, or `None` if it is too far away to represent (never).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// assert!(evloop::sleep(Duration::from_secs(1)).deadline().is_some());
    /// assert!(evloop::sleep(Duration::MAX).deadline().is_none());
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Whether the deadline has passed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// assert!(evloop::sleep(Duration::ZERO).is_elapsed());
    /// assert!(!evloop::sleep(Duration::from_secs(60)).is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        self.deadline.is_some_and(|d| crate::time::now() >= d)
    }

    /// Moves the deadline (earlier or later); the sleep can be awaited again after it
    /// completed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// evloop::run(async {
    ///     let mut sleep = evloop::sleep(Duration::from_millis(1));
    ///     (&mut sleep).await;
    ///     let again = Instant::now() + Duration::from_millis(2);
    ///     sleep.reset(again);
    ///     (&mut sleep).await;
    ///     assert!(Instant::now() >= again);
    /// });
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.disarm();
        self.deadline = Some(deadline);
    }

    /// Cancels the wheel entry, if it is in the current runtime; the next poll reads the
    /// clock before arming again.
    fn disarm(&mut self) {
        let unarmed = TimerState::Unarmed { check_clock: true };
        if let TimerState::Armed { runtime, key } = std::mem::replace(&mut self.timer, unarmed) {
            crate::runtime::with_timers(runtime, |wheel| wheel.cancel(key));
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(deadline) = self.deadline else {
            return Poll::Pending; // never: nothing will wake us, and nothing needs to
        };
        let check_clock = match self.timer {
            TimerState::Unarmed { check_clock } => check_clock,
            TimerState::Armed { runtime, key } => {
                // Armed: still pending unless the wheel fired it (which is never early).
                let armed = crate::runtime::with_timers(runtime, |wheel| {
                    wheel.update_waker(key, cx.waker())
                });
                match armed {
                    Some(Ok(old)) => {
                        drop(old);
                        return Poll::Pending;
                    }
                    Some(Err(())) => {
                        self.timer = TimerState::Unarmed { check_clock: true };
                        return Poll::Ready(());
                    }
                    // Polled on another runtime than the one it was armed in: arm again here.
                    None => {
                        crate::runtime::report_misuse(|| {
                            "a Sleep armed on one runtime was polled on another (moved to \
                             another thread?); its first timer stays armed there until it \
                             fires. Create timers on the runtime that awaits them"
                                .to_owned()
                        });
                        self.timer = TimerState::Unarmed { check_clock: true };
                        true
                    }
                }
            }
        };
        if check_clock && crate::time::now() >= deadline {
            return Poll::Ready(());
        }
        match crate::runtime::arm_timer(deadline, cx.waker()) {
            Some((runtime, key)) => {
                self.timer = TimerState::Armed { runtime, key };
                Poll::Pending
            }
            None => Poll::Ready(()), // the wheel's clock is already past the deadline
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.disarm();
    }
}

#[cfg(test)]
mod tests {
    /// Every idle task on a timer holds one: 40 bytes (the timer key's non-zero generation
    /// is the niche that tells armed from unarmed, with room for the unarmed flag beside
    /// it; 48 with an `Option` and a separate flag).
    #[test]
    fn sleep_stays_small() {
        assert!(std::mem::size_of::<super::Sleep>() <= 40);
    }
}
