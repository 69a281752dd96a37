//! `PreciseTimer`: a `timerfd` registered with the reactor, for waits shorter than the
//! millisecond that `epoll_wait`'s timeout can express.
//!
//! # Design
//!
//! `epoll_wait` takes its timeout in whole milliseconds (mio rounds up), so a loop whose
//! next timer is 100 µs away would sleep a full millisecond. When the next deadline is a
//! *fine* one (armed less than a couple of milliseconds before it is due, see the timer
//! wheel), the reactor arms this timerfd for the exact remaining time before it waits: its
//! expiry is an ordinary event that ends `epoll_wait` on time. Created on first use, so a
//! loop that never arms a fine timer has no timerfd and pays nothing.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use crate::io::FdSource;

/// A non-blocking `CLOCK_MONOTONIC` timerfd.
#[derive(Debug)]
pub(super) struct PreciseTimer(pub(super) FdSource);

impl PreciseTimer {
    pub(super) fn new() -> io::Result<PreciseTimer> {
        // SAFETY: timerfd_create takes a clock id and flags and returns a new fd or -1.
        let fd = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by timerfd_create: open, and owned by nobody else.
        Ok(PreciseTimer(FdSource(unsafe { OwnedFd::from_raw_fd(fd) })))
    }

    /// Makes the timer expire once, `after` from now (at least 1 ns: zero would disarm it).
    pub(super) fn arm(&self, after: Duration) -> io::Result<()> {
        let after = after.max(Duration::from_nanos(1));
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: libc::time_t::try_from(after.as_secs()).unwrap_or(libc::time_t::MAX),
                tv_nsec: libc::c_long::from(after.subsec_nanos() as i32),
            },
        };
        // SAFETY: `spec` is a valid itimerspec; the old value is not asked for (null).
        let set =
            unsafe { libc::timerfd_settime(self.0.0.as_raw_fd(), 0, &spec, std::ptr::null_mut()) };
        if set < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Reads the expiry count, so the next expiry is a new edge (an empty read is fine).
    pub(super) fn drain(&self) {
        let mut count = [0u8; 8];
        // SAFETY: reads at most 8 bytes into an 8-byte buffer.
        let _ = unsafe { libc::read(self.0.0.as_raw_fd(), count.as_mut_ptr().cast(), count.len()) };
    }
}
