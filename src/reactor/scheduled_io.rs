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
/// Bits a clear never removes.
pub(crate) const STICKY: u8 = READ_CLOSED | WRITE_CLOSED | ERROR;

/// Readiness and waiters of one source, shared (`Rc`) by the reactor's slab and the
/// source's [`Registration`](super::Registration): the reactor sets readiness from events,
/// the registration reads and clears it without going through the reactor. Plain `Cell`s:
/// one thread, and no method hands out a reference into them.
pub(crate) struct ScheduledIo {
    pub(crate) generation: u32,
    readiness: Cell<u8>,
    /// Incremented by every event, so a clear can tell whether readiness changed since.
    tick: Cell<u32>,
    reader: Cell<Option<Waker>>,
    writer: Cell<Option<Waker>>,
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
            reader: Cell::new(None),
            writer: Cell::new(None),
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

    /// Stores `waker` as the waiter of one direction (`write`: the writer), unless an
    /// equivalent one is stored. The waker replaced is dropped after the slot is set.
    pub(crate) fn store_waker(&self, write: bool, waker: &Waker) {
        let slot = if write { &self.writer } else { &self.reader };
        match slot.take() {
            Some(stored) if stored.will_wake(waker) => slot.set(Some(stored)),
            old => {
                slot.set(Some(waker.clone()));
                drop(old);
            }
        }
    }

    /// Marks the source released and gives back its wakers (to drop outside any borrow).
    pub(crate) fn release(&self) -> [Option<Waker>; 2] {
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
            if let Some(waker) = self.reader.take() {
                wakers.push(waker);
            }
        }
        if bits & WRITE_INTEREST != 0 {
            if let Some(waker) = self.writer.take() {
                wakers.push(waker);
            }
        }
    }
}
