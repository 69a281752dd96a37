//! `Clock`: the loop's one clock, owned by the runtime.
//!
//! # Design
//!
//! Timers, `wait_for`, `interval` and debug ages all measure time from one base instant,
//! the runtime's creation (the timer wheel's tick 0). Reading the time costs a clock read,
//! so the loop keeps its last reading, in milliseconds since the base, and refreshes it
//! whenever it reads the time anyway: when it computes how long to block, after blocking,
//! and before firing timers. A loop with no timer armed still refreshes it once every
//! [`STALE_PARKS`] parks, so that ages in debug reports do not freeze.
//!
//! A paused or virtual clock for tests (issue "Testing async code") belongs here: nothing
//! else in the runtime reads `Instant::now()` for the loop's notion of time.

use std::cell::Cell;
use std::time::Instant;

/// Parks after which a loop that read no time refreshes its clock anyway.
const STALE_PARKS: u32 = 64;

/// The loop's clock. See the module docs.
pub(super) struct Clock {
    /// The base instant: the runtime's creation.
    created: Instant,
    /// The last reading, in milliseconds since `created`.
    ms: Cell<u32>,
    /// Parks since the last reading.
    parks: Cell<u32>,
}

impl Clock {
    pub(super) fn new() -> Clock {
        Clock {
            created: Instant::now(),
            ms: Cell::new(0),
            parks: Cell::new(0),
        }
    }

    /// The base instant every loop time counts from.
    #[inline]
    pub(super) fn created(&self) -> Instant {
        self.created
    }

    /// Reads the time now, and records it as the loop's time.
    #[inline]
    pub(super) fn now(&self) -> Instant {
        let now = Instant::now();
        self.saw(now);
        now
    }

    /// Records `now`, read by the caller, as the loop's time.
    #[inline]
    pub(super) fn saw(&self, now: Instant) {
        let since = now.saturating_duration_since(self.created);
        let ms = since.as_secs().saturating_mul(1000) + u64::from(since.subsec_millis());
        self.ms.set(u32::try_from(ms).unwrap_or(u32::MAX));
        self.parks.set(0);
    }

    /// The loop's time, in milliseconds since `created` (as of the last reading).
    #[inline]
    pub(super) fn ms(&self) -> u32 {
        self.ms.get()
    }

    /// Called at each park that read no time: keeps the clock from going stale.
    #[inline]
    pub(super) fn tick(&self) {
        let parks = self.parks.get() + 1;
        if parks >= STALE_PARKS {
            self.now();
        } else {
            self.parks.set(parks);
        }
    }
}
