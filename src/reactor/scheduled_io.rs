//! `ScheduledIo`: the readiness state of one registered source.

use std::cell::Cell;
use std::task::Waker;

/// Readiness bits.
pub(crate) const READABLE: u8 = 1;
pub(crate) const WRITABLE: u8 = 1 << 1;
pub(crate) const READ_CLOSED: u8 = 1 << 2;
pub(crate) const WRITE_CLOSED: u8 = 1 << 3;
pub(crate) const ERROR: u8 = 1 << 4;

/// Bits that satisfy a reader, and a writer.
pub(crate) const READ_INTEREST: u8 = READABLE | READ_CLOSED | ERROR;
pub(crate) const WRITE_INTEREST: u8 = WRITABLE | WRITE_CLOSED | ERROR;
/// Bits a clear never removes: end-of-stream and hang-up. `ERROR` is not sticky: a
/// datagram socket reports an ICMP error (a refused port) once, through the next `recv`,
/// and then goes back to waiting; a sticky error bit made an idle `recv` spin.
pub(crate) const STICKY: u8 = READ_CLOSED | WRITE_CLOSED;

/// Readiness and waiters of one source, shared (`Rc`) by the reactor's slab and the
/// source's [`Registration`](super::Registration): the reactor sets readiness from events,
/// the registration reads and clears it without going through the reactor. Plain `Cell`s:
/// one thread, and no method hands out a reference into them.
pub(crate) struct ScheduledIo {
    pub(crate) generation: u32,
    readiness: Cell<u8>,
    /// Incremented by every event, so a clear can tell whether readiness changed since.
    tick: Cell<u32>,
    reader: Cell<Waiters>,
    writer: Cell<Waiters>,
    /// Set once the reactor let go of the source: no event will ever come.
    released: Cell<bool>,
}

impl ScheduledIo {
    pub(crate) fn new(generation: u32) -> Self {
        ScheduledIo {
            generation,
            // A fresh socket may already be writable or hold data; mio reports edges only
            // from registration on, so start optimistic: the first operation finds out.
            readiness: Cell::new(READABLE | WRITABLE),
            tick: Cell::new(0),
            reader: Cell::new(Waiters::default()),
            writer: Cell::new(Waiters::default()),
            released: Cell::new(false),
        }
    }

    /// The readiness bits and the event tick they were read at.
    #[inline]
    pub(crate) fn readiness(&self) -> (u8, u32) {
        (self.readiness.get(), self.tick.get())
    }

    /// Forgets `ready` (sticky bits excepted) unless an event arrived since `tick`.
    #[inline]
    pub(crate) fn clear(&self, tick: u32, ready: u8) {
        if self.tick.get() == tick {
            self.readiness
                .set(self.readiness.get() & !(ready & !STICKY));
        }
    }

    #[inline]
    pub(crate) fn is_released(&self) -> bool {
        self.released.get()
    }

    /// Adds `waker` to the waiters of one direction (`write`: the writers), unless an
    /// equivalent one is there already. Several tasks may wait on one direction (readers of
    /// a shared socket); every one of them is woken by the next event for it.
    pub(crate) fn store_waker(&self, write: bool, waker: &Waker) {
        let slot = if write { &self.writer } else { &self.reader };
        let mut waiters = slot.take();
        waiters.add(waker);
        slot.set(waiters);
    }

    /// Marks the source released and gives back its wakers (to drop outside any borrow).
    pub(crate) fn release(&self) -> [Waiters; 2] {
        self.released.set(true);
        [self.reader.take(), self.writer.take()]
    }

    /// Records an event and hands over the wakers it satisfies.
    pub(crate) fn set_readiness(&self, event: &mio::event::Event, wakers: &mut Vec<Waker>) {
        let mut bits = 0;
        if event.is_readable() {
            bits |= READABLE;
        }
        if event.is_writable() {
            bits |= WRITABLE;
        }
        if event.is_read_closed() {
            bits |= READ_CLOSED;
        }
        if event.is_write_closed() {
            bits |= WRITE_CLOSED;
        }
        if event.is_error() {
            bits |= ERROR;
        }
        self.readiness.set(self.readiness.get() | bits);
        self.tick.set(self.tick.get().wrapping_add(1));
        if bits & READ_INTEREST != 0 {
            Self::drain(&self.reader, wakers);
        }
        if bits & WRITE_INTEREST != 0 {
            Self::drain(&self.writer, wakers);
        }
    }

    /// Moves every waiter of one direction onto `wakers`, oldest first.
    #[inline]
    fn drain(slot: &Cell<Waiters>, wakers: &mut Vec<Waker>) {
        let mut waiters = slot.take();
        waiters.drain_into(wakers);
        slot.set(waiters);
    }
}

/// The tasks waiting on one direction of a source, in the order they registered. The
/// first waker is stored inline, so the common case (one reader, one writer) costs what a
/// single waker slot costs; a list is allocated only when a second, different task waits,
/// and it is kept (emptied) for the next time.
///
/// Waiters are never removed one by one (a `read` future dropped while waiting leaves its
/// waker): the next event for the direction wakes and removes them all, and a task that
/// registers again is not added twice (`will_wake`). So the list holds at most one waker
/// per task that waited since the last event.
#[derive(Default)]
pub(crate) struct Waiters {
    first: Option<Waker>,
    #[allow(
        clippy::box_collection,
        reason = "8 bytes per direction instead of 24 while there is one waiter (every socket)"
    )]
    more: Option<Box<Vec<Waker>>>,
}

impl Waiters {
    #[inline]
    fn add(&mut self, waker: &Waker) {
        match &self.first {
            None => self.first = Some(waker.clone()),
            Some(first) if first.will_wake(waker) => {}
            Some(_) => self.add_more(waker),
        }
    }

    /// A second (or later) task waits on this direction.
    #[cold]
    fn add_more(&mut self, waker: &Waker) {
        let more = self.more.get_or_insert_with(Default::default);
        if !more.iter().any(|w| w.will_wake(waker)) {
            more.push(waker.clone());
        }
    }

    #[inline]
    fn drain_into(&mut self, wakers: &mut Vec<Waker>) {
        if let Some(first) = self.first.take() {
            wakers.push(first);
            if let Some(more) = &mut self.more {
                wakers.append(more);
            }
        }
    }
}
