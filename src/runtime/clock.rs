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
//! # Virtual time
//!
//! Nothing else in the runtime reads `Instant::now()` for the loop's notion of time, so a
//! paused clock (tests: `evloop::time::pause`) is a state of this one:
//!
//! * **Real** (the default): the loop's time is `Instant::now()`.
//! * **Frozen** at a virtual instant: time moves only when `advance` or the loop's
//!   auto-advance (`virtual_time.rs`, `park_virtual`) moves it, never backwards, and
//!   always to a whole millisecond since `created` (the timer wheel's tick), so that a
//!   timer due at or before the frozen time has always fired.
//! * **Running** again after `resume`: virtual time goes on at real speed from where it was
//!   frozen (`virtual_at + real_at.elapsed()`), so deadlines already computed keep their
//!   meaning; it may then be ahead of (or behind) `Instant::now()`.
//!
//! A loop that never paused pays one well-predicted branch on the mode per clock read.
//! [`VIRTUAL_TIME_USED`] tells the public `evloop::time::now()` whether it must look at the
//! current runtime at all: until any runtime of the process pauses, it is `Instant::now()`.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::time::wheel::ms_ceil;

/// Set (for good) the first time any runtime of the process pauses its clock.
pub(crate) static VIRTUAL_TIME_USED: AtomicBool = AtomicBool::new(false);

/// Which time the loop reads. See the module docs.
#[derive(Clone, Copy, Debug)]
enum Mode {
    Real,
    Frozen(Instant),
    Running {
        virtual_at: Instant,
        real_at: Instant,
    },
}

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
    /// Real or virtual time.
    mode: Cell<Mode>,
}

impl Clock {
    pub(super) fn new() -> Clock {
        Clock {
            created: Instant::now(),
            ms: Cell::new(0),
            parks: Cell::new(0),
            mode: Cell::new(Mode::Real),
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
        let now = self.read();
        self.saw(now);
        now
    }

    /// Records the time after the loop blocked, given the real time the caller read.
    #[inline]
    pub(super) fn saw_real(&self, real: Instant) {
        match self.mode.get() {
            Mode::Real => self.saw(real),
            _ => self.saw(self.read()),
        }
    }

    /// The loop's time without recording it (for `evloop::time::now()`).
    #[inline]
    pub(super) fn read(&self) -> Instant {
        if matches!(self.mode.get(), Mode::Real) {
            Instant::now()
        } else {
            self.read_virtual()
        }
    }

    /// `read` for a clock that was paused: out of line, off the real loop's path.
    #[cold]
    fn read_virtual(&self) -> Instant {
        match self.mode.get() {
            Mode::Real => Instant::now(),
            Mode::Frozen(at) => at,
            Mode::Running {
                virtual_at,
                real_at,
            } => virtual_at + real_at.elapsed(),
        }
    }

    /// Whether the clock is frozen (paused).
    #[inline]
    pub(super) fn is_paused(&self) -> bool {
        matches!(self.mode.get(), Mode::Frozen(_))
    }

    /// Freezes the clock at the loop's time now (nothing if it already is).
    pub(super) fn pause(&self) {
        if self.is_paused() {
            return;
        }
        VIRTUAL_TIME_USED.store(true, Ordering::Relaxed);
        // Frozen on a whole millisecond since `created` (rounded up: time never goes back),
        // the timer wheel's tick, so that `advance(1s)` fires a timer armed for 1 s from now.
        let at = self.whole_ms(self.read());
        self.mode.set(Mode::Frozen(at));
        self.saw(at);
    }

    /// Lets a frozen clock run again at real speed from where it stands.
    pub(super) fn resume(&self) {
        if let Mode::Frozen(at) = self.mode.get() {
            self.mode.set(Mode::Running {
                virtual_at: at,
                real_at: Instant::now(),
            });
        }
    }

    /// Moves a frozen clock forward to `to` rounded up to a whole millisecond (never
    /// backwards). Callers check that the clock is frozen.
    pub(super) fn advance_to(&self, to: Instant) {
        let Mode::Frozen(at) = self.mode.get() else {
            return;
        };
        let to = self.whole_ms(to).max(at);
        self.mode.set(Mode::Frozen(to));
        self.saw(to);
    }

    /// `t` rounded up to a whole millisecond since `created`: a tick of the timer wheel.
    fn whole_ms(&self, t: Instant) -> Instant {
        self.created + Duration::from_millis(ms_ceil(self.created, t))
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
