//! `Wait`: what a task waits on, the one wait type of the crate.
//!
//! # Design
//!
//! A wait is recorded where the waiter registers, in the shared mechanism that stores its
//! waker, not at call sites: `reactor::Registration` (readiness), `TaskHost::poll_join`
//! (another task), the timer wheel's `arm_timer` (timers) and the shared waiter of `sync`
//! and `channel` (primitives; each passes one of the `Wait::*` constants below). Recording
//! costs a thread-local read and a `Cell` write, on the waiting path only; the runtime keeps
//! the wait of the task being polled and stores it in the task's slot when the poll ends,
//! packed into one word ([`Wait::pack`]): kind in the top 3 bits, then a millisecond offset
//! from the runtime's clock base, a task id, or the index of a primitive's name.

use std::time::{Duration, Instant};

use crate::runtime::Id;

/// What a task last waited on, where the runtime knows it (recorded when the wait was
/// registered: a task that since moved on may still show it).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::debug::Wait;
/// evloop::run(async {
///     evloop::spawn(evloop::sleep(Duration::from_secs(60)));
///     evloop::yield_now().await;
///     let task = &evloop::debug::tasks()[0];
///     assert!(matches!(task.waiting_on, Some(Wait::Timer { .. })));
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Wait {
    /// A timer (`sleep`, `wait_for`, `interval`) due at `deadline`.
    Timer {
        /// When it is due.
        deadline: Instant,
    },
    /// An I/O source becoming readable.
    Readable,
    /// An I/O source becoming writable.
    Writable,
    /// Another task finishing (its `JoinHandle` was awaited).
    Task(Id),
    /// A synchronisation primitive or a channel, named as the call that waits:
    /// `"Mutex::lock"`, `"Semaphore::acquire"`, `"Queue::get"`, `"mpsc::Receiver::recv"`, ...
    Primitive(&'static str),
}

/// The names of the primitives and channel calls a task can wait on, by packed index.
const PRIMITIVES: [&str; 18] = [
    "Mutex::lock",
    "RwLock::read",
    "RwLock::write",
    "Semaphore::acquire",
    "Event::wait",
    "Notify::notified",
    "Condvar::wait",
    "Barrier::wait",
    "Queue::get",
    "Queue::put",
    "Queue::join",
    "mpsc::Sender::send",
    "mpsc::Sender::closed",
    "mpsc::Receiver::recv",
    "oneshot::Receiver",
    "broadcast::Receiver::recv",
    "watch::Receiver::changed",
    "remote::RemoteReceiver::recv",
];

impl Wait {
    pub(crate) const MUTEX_LOCK: Wait = Wait::Primitive(PRIMITIVES[0]);
    pub(crate) const RWLOCK_READ: Wait = Wait::Primitive(PRIMITIVES[1]);
    pub(crate) const RWLOCK_WRITE: Wait = Wait::Primitive(PRIMITIVES[2]);
    pub(crate) const SEMAPHORE_ACQUIRE: Wait = Wait::Primitive(PRIMITIVES[3]);
    pub(crate) const EVENT_WAIT: Wait = Wait::Primitive(PRIMITIVES[4]);
    pub(crate) const NOTIFY_NOTIFIED: Wait = Wait::Primitive(PRIMITIVES[5]);
    pub(crate) const CONDVAR_WAIT: Wait = Wait::Primitive(PRIMITIVES[6]);
    pub(crate) const BARRIER_WAIT: Wait = Wait::Primitive(PRIMITIVES[7]);
    pub(crate) const QUEUE_GET: Wait = Wait::Primitive(PRIMITIVES[8]);
    pub(crate) const QUEUE_PUT: Wait = Wait::Primitive(PRIMITIVES[9]);
    pub(crate) const QUEUE_JOIN: Wait = Wait::Primitive(PRIMITIVES[10]);
    pub(crate) const MPSC_SEND: Wait = Wait::Primitive(PRIMITIVES[11]);
    pub(crate) const MPSC_CLOSED: Wait = Wait::Primitive(PRIMITIVES[12]);
    pub(crate) const MPSC_RECV: Wait = Wait::Primitive(PRIMITIVES[13]);
    pub(crate) const ONESHOT_RECV: Wait = Wait::Primitive(PRIMITIVES[14]);
    pub(crate) const BROADCAST_RECV: Wait = Wait::Primitive(PRIMITIVES[15]);
    pub(crate) const WATCH_CHANGED: Wait = Wait::Primitive(PRIMITIVES[16]);
    pub(crate) const REMOTE_RECV: Wait = Wait::Primitive(PRIMITIVES[17]);

    /// The call that waits, for a primitive (`"Mutex::lock"`); a description otherwise.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Wait::Primitive(name) => name,
            Wait::Timer { .. } => "a timer",
            Wait::Readable => "readable",
            Wait::Writable => "writable",
            Wait::Task(_) => "JoinHandle",
        }
    }

    /// Records this wait for the task being polled (shown by `debug::tasks()`); nothing
    /// outside a task.
    #[inline]
    pub(crate) fn note(self) {
        crate::runtime::note_wait(self);
    }

    const SHIFT: u32 = 61;
    const VALUE: u64 = (1 << Self::SHIFT) - 1;

    /// Packs the wait into one word for a task's slot (0: nothing recorded). Timer
    /// deadlines are kept to the millisecond (rounded up) from `base`, the clock's base.
    /// Inlined: waits are noted on hot paths (every pending read) with constant arguments,
    /// which fold to a constant word.
    #[inline(always)]
    pub(crate) fn pack(self, base: Instant) -> u64 {
        let (kind, value) = match self {
            Wait::Timer { deadline } => (1, crate::time::wheel::ms_ceil(base, deadline)),
            Wait::Readable => (2, 0),
            Wait::Writable => (3, 0),
            Wait::Task(id) => (4, id.as_u64()),
            Wait::Primitive(name) => match PRIMITIVES.iter().position(|&known| known == name) {
                Some(index) => (5, index as u64),
                None => (0, 0),
            },
        };
        (kind << Self::SHIFT) | (value & Self::VALUE)
    }

    /// The packed form of a timer due `ms` milliseconds after the clock's base (the timer
    /// wheel's tick): no clock arithmetic on the arming path.
    #[inline]
    pub(crate) fn pack_timer_ms(ms: u64) -> u64 {
        (1 << Self::SHIFT) | (ms & Self::VALUE)
    }

    /// Inverse of [`pack`](Self::pack); `None` if nothing was recorded.
    pub(crate) fn unpack(word: u64, base: Instant) -> Option<Wait> {
        let value = word & Self::VALUE;
        match word >> Self::SHIFT {
            1 => base
                .checked_add(Duration::from_millis(value))
                .map(|deadline| Wait::Timer { deadline }),
            2 => Some(Wait::Readable),
            3 => Some(Wait::Writable),
            4 => Some(Wait::Task(Id::new(value))),
            5 => PRIMITIVES
                .get(value as usize)
                .map(|&name| Wait::Primitive(name)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_roundtrip() {
        let base = Instant::now();
        for wait in [
            Wait::Readable,
            Wait::Writable,
            Wait::Task(Id::new(7)),
            Wait::MUTEX_LOCK,
            Wait::REMOTE_RECV,
            Wait::Timer {
                deadline: base + Duration::from_millis(1_500),
            },
        ] {
            assert_eq!(Wait::unpack(wait.pack(base), base), Some(wait));
        }
        assert_eq!(Wait::unpack(0, base), None);
    }
}
