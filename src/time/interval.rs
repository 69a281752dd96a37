//! `interval`: a periodic ticker, with a documented policy for missed ticks.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::Sleep;

/// What an [`Interval`] does when the loop falls behind and ticks are missed.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::MissedTickBehavior;
/// evloop::run(async {
///     let ms = Duration::from_millis;
///     let mut every = evloop::interval(ms(10));
///     every.set_missed_tick_behavior(MissedTickBehavior::Skip);
///     let start = every.tick().await; // the first tick, at once
///     evloop::sleep(ms(35)).await; // the loop falls behind: 10, 20 and 30 ms are due
///     every.tick().await; // one late tick, at once
///     let next = every.tick().await;
///     assert!(next >= start + ms(40)); // the other missed ticks were dropped
///     assert_eq!((next - start).as_nanos() % ms(10).as_nanos(), 0); // on the old schedule
/// });
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks back to back until caught up, keeping the original schedule
    /// (`start + n * period`). The default.
    #[default]
    Burst,
    /// Restart the schedule from the late tick: the next one is `period` after it fired.
    Delay,
    /// Drop the missed ticks and fire at the next multiple of `period` on the original
    /// schedule.
    Skip,
}

/// A ticker that fires every `period`, the first tick at once.
///
/// # Panics
///
/// Panics if `period` is zero (it would spin); pick a non-zero period.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// evloop::run(async {
///     let start = Instant::now();
///     let mut every = evloop::interval(Duration::from_millis(5));
///     for _ in 0..3 {
///         every.tick().await; // at 0, 5 and 10 ms
///     }
///     assert!(start.elapsed() >= Duration::from_millis(10));
/// });
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    interval_at(crate::time::now(), period)
}

/// A ticker whose first tick is at `start`, then every `period`.
///
/// # Panics
///
/// Panics if `period` is zero.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// evloop::run(async {
///     let start = Instant::now() + Duration::from_millis(5);
///     let mut every = evloop::interval_at(start, Duration::from_millis(5));
///     assert!(every.tick().await >= start);
/// });
/// ```
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(
        !period.is_zero(),
        "evloop::interval: period must be non-zero; use yield_now() in a loop to run as often as possible"
    );
    Interval {
        period,
        next: start,
        sleep: crate::sleep_until(start),
        missed: MissedTickBehavior::default(),
    }
}

/// Stream of ticks made by [`interval`]; await [`tick`](Interval::tick).
#[derive(Debug)]
pub struct Interval {
    period: Duration,
    /// When the next tick is scheduled.
    next: Instant,
    sleep: Sleep,
    missed: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns the instant it was scheduled for.
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: a tick is consumed only when `tick` returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// evloop::run(async {
    ///     let mut every = evloop::interval(Duration::from_millis(1));
    ///     let first = every.tick().await;
    ///     let second = every.tick().await;
    ///     assert_eq!(second - first, Duration::from_millis(1));
    /// });
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick; see [`tick`](Self::tick).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::time::Duration;
    /// evloop::run(async {
    ///     let mut every = evloop::interval(Duration::from_millis(1));
    ///     let first = poll_fn(|cx| every.poll_tick(cx)).await;
    ///     let second = poll_fn(|cx| every.poll_tick(cx)).await;
    ///     assert_eq!(second - first, Duration::from_millis(1));
    /// });
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if Pin::new(&mut self.sleep).poll(cx).is_pending() {
            return Poll::Pending;
        }
        let scheduled = self.next;
        let now = crate::time::now();
        self.next = match self.missed {
            MissedTickBehavior::Burst => scheduled + self.period,
            MissedTickBehavior::Delay if now > scheduled + self.period => now + self.period,
            MissedTickBehavior::Delay => scheduled + self.period,
            MissedTickBehavior::Skip => {
                let behind = now.saturating_duration_since(scheduled).as_nanos();
                let periods = behind / self.period.as_nanos() + 1;
                let periods = u32::try_from(periods).unwrap_or(u32::MAX);
                scheduled + self.period.saturating_mul(periods)
            }
        };
        self.sleep.reset(self.next);
        Poll::Ready(scheduled)
    }

    /// Sets the policy for missed ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut every = evloop::interval(Duration::from_secs(1));
    /// every.set_missed_tick_behavior(evloop::MissedTickBehavior::Delay);
    /// assert_eq!(every.missed_tick_behavior(), evloop::MissedTickBehavior::Delay);
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }

    /// The policy for missed ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let every = evloop::interval(Duration::from_secs(1));
    /// assert_eq!(every.missed_tick_behavior(), evloop::MissedTickBehavior::Burst);
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// The period.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// assert_eq!(evloop::interval(Duration::from_secs(2)).period(), Duration::from_secs(2));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Restarts the schedule: the next tick is one period from now.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// evloop::run(async {
    ///     let mut every = evloop::interval(Duration::from_millis(2));
    ///     every.tick().await;
    ///     let before = Instant::now();
    ///     every.reset();
    ///     every.tick().await;
    ///     assert!(before.elapsed() >= Duration::from_millis(2));
    /// });
    /// ```
    pub fn reset(&mut self) {
        self.next = crate::time::now() + self.period;
        self.sleep.reset(self.next);
    }
}
