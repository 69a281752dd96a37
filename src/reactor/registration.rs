//! `Registration`: a source's RAII handle on its readiness slot.

use std::io;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::ScheduledIo;
use super::scheduled_io::{READ_INTEREST, WRITE_INTEREST};
use crate::debug::Wait;
use crate::runtime::ReactorHandle;

/// Which side of a source a task waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    fn mask(self) -> u8 {
        match self {
            Direction::Read => READ_INTEREST,
            Direction::Write => WRITE_INTEREST,
        }
    }
}

/// Readiness observed by `poll_ready`, to pass back to `clear_readiness`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadyEvent {
    tick: u32,
    ready: u8,
}

/// A source registered with the current runtime's reactor.
///
/// The owner keeps the source beside it and must call [`deregister`](Self::deregister) with
/// it before dropping (types in `io` and `net` do so in `Drop`). A `Registration` dropped
/// without that still frees its slot; the OS registration goes away when the fd closes.
pub(crate) struct Registration {
    reactor: ReactorHandle,
    /// The readiness state, shared with the reactor's slab; it also holds the source's
    /// slab key and generation (one copy per source, not one per handle on it).
    io: Rc<ScheduledIo>,
}

impl Registration {
    /// Registers `source` with the runtime running on this thread.
    ///
    /// Errors if there is none, or if the OS refuses the registration.
    pub(crate) fn new(source: &mut impl mio::event::Source) -> io::Result<Registration> {
        let reactor = ReactorHandle::current().ok_or_else(|| {
            io::Error::other(
                "evloop: no runtime on this thread; create I/O objects inside evloop::run or \
                 Runtime::block_on",
            )
        })?;
        let io = reactor.register(source)?;
        Ok(Registration { reactor, io })
    }

    /// Ready when the source is (or may be) ready in `direction`; otherwise stores the
    /// waker (unless an equivalent one is stored) and returns `Pending`.
    #[inline]
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        let (readiness, tick) = self.io.readiness();
        let ready = readiness & direction.mask();
        if ready != 0 {
            return Poll::Ready(Ok(ReadyEvent { tick, ready }));
        }
        self.wait_ready(cx, direction)
    }

    /// The not-ready half of [`poll_ready`](Self::poll_ready), out of line so that the
    /// ready path inlines into every I/O call.
    #[inline(never)]
    fn wait_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        if self.io.is_released() {
            return Poll::Ready(Err(deregistered()));
        }
        self.io
            .store_waker(direction == Direction::Write, cx.waker());
        self.reactor.note_wait(match direction {
            Direction::Read => Wait::Readable,
            Direction::Write => Wait::Writable,
        });
        Poll::Pending
    }

    /// Forgets the readiness seen in `event`, after an operation returned `WouldBlock`.
    /// Does nothing if an event arrived since (the tick moved on).
    #[inline]
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        self.io.clear(event.tick, event.ready);
    }

    /// Runs `op` once the source is ready in `direction`, retrying while it returns
    /// `WouldBlock` (clearing readiness each time). This is the edge-triggered contract:
    /// readiness is only forgotten after the OS said `WouldBlock`.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_op(cx, direction, op, |_| false)
    }

    /// [`poll_io`](Self::poll_io) for a byte-stream transfer of `len` bytes where a transfer
    /// that moved some bytes but fewer than `len` drained the receive buffer (or filled the
    /// send buffer): the readiness is forgotten right away instead of after one more call
    /// that would return `WouldBlock`, which saves a syscall per short transfer. Sound when
    /// the kernel raises a new edge for every later arrival (or freed space) and this thread
    /// applies events only between polls. The caller decides where that holds (see
    /// `net::byte_stream::ByteStream`): not for datagrams, vectored writes (`IOV_MAX`), or reads
    /// on Unix stream sockets.
    #[inline]
    pub(crate) fn poll_transfer(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        len: usize,
        op: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_op(cx, direction, op, |&n| n > 0 && n < len)
    }

    /// The retry loop of `poll_io` and `poll_transfer`: `exhausted(&output)` says whether a
    /// successful `op` also used up the readiness.
    #[inline]
    fn poll_op<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut() -> io::Result<R>,
        exhausted: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        loop {
            let event = match self.poll_ready(cx, direction) {
                Poll::Ready(Ok(event)) => event,
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => return Poll::Pending,
            };
            if !self.reactor.consume_budget() {
                // Cooperative yield: this poll did enough I/O that never had to wait.
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            match op() {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.clear_readiness(event);
                }
                Ok(output) => {
                    if exhausted(&output) {
                        self.clear_readiness(event);
                    }
                    return Poll::Ready(Ok(output));
                }
                Err(err) => return Poll::Ready(Err(err)),
            }
        }
    }

    /// Runs `op` once if the source may be ready in `direction`, without storing any waker
    /// (it adds no waiter to the source); `WouldBlock` if it is not
    /// ready, or if `op` says so (which clears the readiness it saw).
    pub(crate) fn try_io<R>(
        &self,
        direction: Direction,
        op: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let (readiness, tick) = self.io.readiness();
        let ready = readiness & direction.mask();
        if ready == 0 {
            return Err(if self.io.is_released() {
                deregistered()
            } else {
                io::ErrorKind::WouldBlock.into()
            });
        }
        let event = ReadyEvent { tick, ready };
        let result = op();
        if matches!(&result, Err(err) if err.kind() == io::ErrorKind::WouldBlock) {
            self.clear_readiness(event);
        }
        result
    }

    /// Removes `source` from the reactor and frees the slot. Idempotent.
    pub(crate) fn deregister(&mut self, source: &mut impl mio::event::Source) {
        let removed = self.reactor.deregister(source, &self.io);
        // Wakers are dropped outside the reactor's borrow.
        if let Some(io) = removed {
            drop(io.release());
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // If the owner already deregistered, this finds the slot empty or holding another
        // source's state, and does nothing.
        let removed = self.reactor.release(&self.io);
        if let Some(io) = removed {
            drop(io.release());
        }
    }
}

fn deregistered() -> io::Error {
    io::Error::other("evloop: I/O source was deregistered")
}

#[cfg(test)]
mod tests {
    /// Every socket holds a `Registration` and every source a `ScheduledIo`: keep an idle
    /// connection's share of them small (the key and generation live once, in the
    /// `ScheduledIo`, whose padding had room for the key).
    #[test]
    fn registrations_stay_small() {
        assert!(std::mem::size_of::<super::Registration>() <= 16);
        assert!(std::mem::size_of::<super::ScheduledIo>() <= 56);
        // The socket itself (4 bytes in release builds; mio adds a selector id in debug
        // builds) plus the registration.
        let socket = std::mem::size_of::<Option<mio::net::TcpStream>>().next_multiple_of(8);
        assert!(std::mem::size_of::<crate::net::TcpStream>() <= socket + 16);
    }
}
