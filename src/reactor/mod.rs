//! The reactor: one `mio::Poll`, and the readiness of every registered I/O source.
//!
//! # Design
//!
//! Each source registers once, edge-triggered, for both directions, and gets a
//! [`ScheduledIo`] in a slab: its readiness bits and the wakers of its reader and its
//! writer, shared (`Rc`) with the source's `Registration`, which reads and clears readiness
//! directly (no reactor borrow, no slab lookup per I/O call). The mio `Token` of a source packs its slab key and the slot's generation, so an
//! event still queued for a source that was dropped (and whose key was reused) is
//! recognised as stale and ignored.
//!
//! # Ground rules
//!
//! * Readiness is set by events and cleared only by [`Registration::clear_readiness`], which
//!   callers use after an operation returned `WouldBlock`, or after a byte-stream transfer
//!   that moved fewer bytes than asked where that proves the buffer drained or full
//!   ([`Registration::poll_transfer`]). A clear carries the event tick it
//!   saw, so it never erases readiness that arrived after it (the tick changed).
//! * `READ_CLOSED` and `WRITE_CLOSED` are sticky: once the peer closed, reads return EOF or
//!   an error, never `WouldBlock`. `ERROR` is cleared like readiness: a datagram socket
//!   reports an ICMP error once (the next `recv` returns it) and then waits again.
//! * Several tasks may wait on one direction of a source (readers of a shared socket): each
//!   direction keeps a list of wakers (the first inline) and an event wakes all of them,
//!   as tokio's `readable()` does. The ones that find nothing register again.
//! * `turn` collects wakers and returns them; the caller wakes them after releasing the
//!   reactor's borrow (wake outside the borrow).

mod precise;
mod registration;
mod scheduled_io;

pub(crate) use registration::{Direction, Registration};
pub(crate) use scheduled_io::ScheduledIo;

use std::io;
use std::rc::Rc;
use std::time::Duration;

use mio::{Events, Interest, Poll, Token};
use slab::Slab;

/// Token of the `mio::Waker` that other threads use to wake the loop. Slab keys never
/// reach it: a token packs a 31-bit generation above a 32-bit key.
pub(crate) const WAKE_TOKEN: Token = Token(usize::MAX);

/// Token of the self-pipe that a signal handler writes to (`dump_on_sigquit`).
pub(crate) const SIGNAL_TOKEN: Token = Token(usize::MAX - 1);

/// Token of the timerfd that ends a wait shorter than a millisecond (`precise.rs`).
const PRECISE_TOKEN: Token = Token(usize::MAX - 2);

const GENERATION_MASK: u32 = (1 << 31) - 1;

/// Owner of the `mio::Poll` and of every source's readiness.
pub(crate) struct Reactor {
    poll: Poll,
    events: Events,
    sources: Slab<Rc<ScheduledIo>>,
    generations: Vec<u32>,
    /// Number of `turn`s and of events seen (for metrics).
    pub(crate) turns: u64,
    pub(crate) events_seen: u64,
    /// Read end of the signal self-pipe, if one is registered, and whether it fired.
    signal_pipe: Option<mio::net::UnixStream>,
    signal_fired: bool,
    /// Ends sub-millisecond waits; made on first use.
    precise: Option<precise::PreciseTimer>,
}

impl Reactor {
    /// Creates the poller and the cross-thread `mio::Waker`.
    pub(crate) fn new(events_capacity: usize) -> io::Result<(Reactor, mio::Waker)> {
        let poll = Poll::new()?;
        let waker = mio::Waker::new(poll.registry(), WAKE_TOKEN)?;
        let reactor = Reactor {
            poll,
            events: Events::with_capacity(events_capacity),
            sources: Slab::new(),
            generations: Vec::new(),
            turns: 0,
            events_seen: 0,
            signal_pipe: None,
            signal_fired: false,
            precise: None,
        };
        Ok((reactor, waker))
    }

    /// Whether any I/O source is registered. With none, a non-blocking turn can only report
    /// the cross-thread waker, which the runtime tracks with an atomic flag instead: the
    /// executor then skips the `epoll_wait` syscall.
    pub(crate) fn has_sources(&self) -> bool {
        !self.sources.is_empty() || self.signal_pipe.is_some()
    }

    /// Whether a task waits on any registered source (a paused clock then gives bytes on
    /// their way a grace period before it jumps). Walks every source: paused clocks only.
    pub(crate) fn has_waiters(&self) -> bool {
        self.sources.iter().any(|(_, io)| io.has_waiter())
    }

    /// Registers the read end of a signal self-pipe; its events set a flag that
    /// [`take_signal`](Self::take_signal) reads.
    #[cfg_attr(not(feature = "sigquit"), allow(dead_code))]
    pub(crate) fn register_signal_pipe(
        &mut self,
        mut pipe: mio::net::UnixStream,
    ) -> io::Result<()> {
        self.poll
            .registry()
            .register(&mut pipe, SIGNAL_TOKEN, Interest::READABLE)?;
        self.signal_pipe = Some(pipe);
        Ok(())
    }

    /// Whether the signal pipe fired since the last call; drains it (read before acting,
    /// so a signal arriving meanwhile fires again).
    pub(crate) fn take_signal(&mut self) -> bool {
        if !std::mem::take(&mut self.signal_fired) {
            return false;
        }
        if let Some(pipe) = &mut self.signal_pipe {
            let mut buf = [0u8; 64];
            while matches!(io::Read::read(pipe, &mut buf), Ok(n) if n > 0) {}
        }
        true
    }

    /// Registers `source` for read and write readiness; returns its readiness state, which
    /// also holds its slab key and generation.
    pub(crate) fn register(
        &mut self,
        source: &mut impl mio::event::Source,
    ) -> io::Result<Rc<ScheduledIo>> {
        let entry = self.sources.vacant_entry();
        let key = entry.key();
        if key >= u32::MAX as usize {
            return Err(io::Error::other(
                "evloop: too many I/O sources on one runtime",
            ));
        }
        if self.generations.len() <= key {
            self.generations.resize(key + 1, 0);
        }
        let generation = self.generations[key];
        let token = Token(((generation as usize) << 32) | key);
        self.poll
            .registry()
            .register(source, token, Interest::READABLE | Interest::WRITABLE)?;
        let io = Rc::new(ScheduledIo::new(key as u32, generation));
        entry.insert(io.clone());
        Ok(io)
    }

    /// Deregisters `source` and frees its slot (see [`release`](Self::release)).
    pub(crate) fn deregister(
        &mut self,
        source: &mut impl mio::event::Source,
        io: &Rc<ScheduledIo>,
    ) -> Option<Rc<ScheduledIo>> {
        // An error here means the fd is already gone from the epoll set; nothing to undo.
        let _ = self.poll.registry().deregister(source);
        self.release(io)
    }

    /// Frees the slot of a source without touching the OS registration (the fd was closed,
    /// which removes it from the epoll set). Returns the slot's state, `None` if it was
    /// already freed; the caller calls [`ScheduledIo::release`] on it outside the borrow.
    ///
    /// The slot must hold this very `ScheduledIo` (the registration keeps it alive, so no
    /// other source can have its address): a slot freed and reused since, however often
    /// (its 31-bit generation may have come round), is left alone.
    pub(crate) fn release(&mut self, io: &Rc<ScheduledIo>) -> Option<Rc<ScheduledIo>> {
        let key = io.key as usize;
        self.sources
            .get(key)
            .filter(|registered| Rc::ptr_eq(registered, io))?;
        let io = self.sources.remove(key);
        self.generations[key] = (io.generation + 1) & GENERATION_MASK;
        Some(io)
    }

    /// As [`turn`](Self::turn), waiting `timeout` exactly rather than rounded up to the
    /// millisecond: a timerfd armed for `timeout` ends the wait (see `precise.rs`). Falls
    /// back to the millisecond wait if the timerfd cannot be made.
    pub(crate) fn turn_precise(
        &mut self,
        timeout: Duration,
        wakers: &mut Vec<std::task::Waker>,
    ) -> io::Result<usize> {
        if cfg!(miri) {
            return self.turn(Some(timeout), wakers); // Miri has no timerfd
        }
        if self.precise.is_none() {
            if let Ok(mut timer) = precise::PreciseTimer::new() {
                if self
                    .poll
                    .registry()
                    .register(&mut timer.0, PRECISE_TOKEN, Interest::READABLE)
                    .is_ok()
                {
                    self.precise = Some(timer);
                }
            }
        }
        if let Some(timer) = &self.precise {
            let _ = timer.arm(timeout); // on failure, the millisecond wait below still ends
        }
        self.turn(Some(timeout), wakers)
    }

    /// An event of a reserved token: the cross-thread waker (nothing to do: the runtime
    /// tracks it with a flag), the signal self-pipe, or the precise timer.
    #[cold]
    fn reserved_event(
        token: Token,
        signal_fired: &mut bool,
        precise: Option<&precise::PreciseTimer>,
    ) {
        if token == SIGNAL_TOKEN {
            *signal_fired = true;
        } else if token == PRECISE_TOKEN {
            if let Some(timer) = precise {
                timer.drain();
            }
        }
    }

    /// Waits for events (at most `timeout`; `None` blocks until one arrives) and records
    /// them, pushing the wakers to wake on `wakers`. Returns the number of events.
    ///
    /// `EINTR` is not an error: it returns `Ok(0)` and the loop simply turns again.
    pub(crate) fn turn(
        &mut self,
        timeout: Option<Duration>,
        wakers: &mut Vec<std::task::Waker>,
    ) -> io::Result<usize> {
        self.turns += 1;
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => return Ok(0),
            Err(err) => return Err(err),
        }
        let mut count = 0;
        for event in self.events.iter() {
            count += 1;
            let token = event.token();
            if token.0 >= PRECISE_TOKEN.0 {
                // The reserved tokens (slab keys never reach them): one comparison on the
                // path of every socket event.
                Self::reserved_event(token, &mut self.signal_fired, self.precise.as_ref());
                continue;
            }
            let key = token.0 as u32;
            let generation = (token.0 >> 32) as u32;
            let Some(io) = self
                .sources
                .get(key as usize)
                .filter(|io| io.generation == generation)
            else {
                continue; // stale event for a source that is gone
            };
            io.set_readiness(event, wakers);
        }
        self.events_seen += count as u64;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A registration whose slot was freed and taken by another source, even with the
    /// same generation (as after 2^31 reuses of the key), frees nothing of that source.
    #[test]
    fn a_stale_release_leaves_the_slots_new_source_alone() {
        let (mut reactor, _waker) = Reactor::new(16).unwrap();
        let (mut a, mut b) = mio::net::UnixStream::pair().unwrap();
        let first = reactor.register(&mut a).unwrap();
        assert!(reactor.deregister(&mut a, &first).is_some());
        // The generation comes round: the next source of this key gets the old one.
        reactor.generations[first.key as usize] = first.generation;
        let second = reactor.register(&mut b).unwrap();
        assert_eq!(
            (second.key, second.generation),
            (first.key, first.generation)
        );
        assert!(
            reactor.release(&first).is_none(),
            "freed the new source's slot"
        );
        assert!(reactor.release(&second).is_some());
    }
}
