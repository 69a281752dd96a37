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
///
/// # Waiters
///
/// Several tasks may wait on one direction (readers of a shared socket); the next event for
/// that direction wakes all of them, oldest first. The first waiter of each direction is
/// stored inline (`reader`, `writer`): the common case, one reader and one writer, costs
/// what a single waker slot costs. Further waiters go to lists allocated the first time a
/// second, different task waits (`more`), which `extra` flags as non-empty so that an event
/// looks at them only when they hold something. A direction's list is non-empty only while
/// its inline slot is full (both are emptied by the same event).
///
/// Waiters are never removed one by one (a `read` future dropped while waiting leaves its
/// waker): the next event for the direction wakes and removes them all, and a task that
/// registers again is not added twice (`will_wake`). So a direction holds at most one waker
/// per task that waited on it since its last event.
pub(crate) struct ScheduledIo {
    /// The source's slab key in the reactor (fits in what was padding).
    pub(crate) key: u32,
    pub(crate) generation: u32,
    readiness: Cell<u8>,
    /// Incremented by every event, so a clear can tell whether readiness changed since.
    tick: Cell<u32>,
    reader: Cell<Option<Waker>>,
    writer: Cell<Option<Waker>>,
    /// Waiters after the first, `[readers, writers]`; allocated on first use, then kept.
    more: Cell<Option<Box<[Vec<Waker>; 2]>>>,
    /// Which lists of `more` are non-empty (bit 0: readers, bit 1: writers).
    extra: Cell<u8>,
    /// Set once the reactor let go of the source: no event will ever come.
    released: Cell<bool>,
}

/// Wakers a released source gives back, to drop outside any borrow.
pub(crate) type ReleasedWakers = (Option<Waker>, Option<Waker>, Option<Box<[Vec<Waker>; 2]>>);

impl ScheduledIo {
    pub(crate) fn new(key: u32, generation: u32) -> Self {
        ScheduledIo {
            key,
            generation,
            // A fresh socket may already be writable or hold data; mio reports edges only
            // from registration on, so start optimistic: the first operation finds out.
            readiness: Cell::new(READABLE | WRITABLE),
            tick: Cell::new(0),
            reader: Cell::new(None),
            writer: Cell::new(None),
            more: Cell::new(None),
            extra: Cell::new(0),
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
    /// equivalent one is there already.
    pub(crate) fn store_waker(&self, write: bool, waker: &Waker) {
        let slot = if write { &self.writer } else { &self.reader };
        match slot.take() {
            Some(stored) if stored.will_wake(waker) => slot.set(Some(stored)),
            None => slot.set(Some(crate::runtime::clone_waker(waker))),
            Some(stored) => {
                slot.set(Some(stored));
                self.add_more(write, waker);
            }
        }
    }

    /// A second (or later) task waits on one direction.
    #[cold]
    #[inline(never)]
    fn add_more(&self, write: bool, waker: &Waker) {
        let mut more = self.more.take().unwrap_or_default();
        let list = &mut more[usize::from(write)];
        if !list.iter().any(|stored| stored.will_wake(waker)) {
            list.push(waker.clone());
        }
        self.extra.set(self.extra.get() | 1 << u8::from(write));
        self.more.set(Some(more));
    }

    /// Whether a task waits on either direction (or did, and has not been woken since).
    pub(crate) fn has_waiter(&self) -> bool {
        let (reader, writer) = (self.reader.take(), self.writer.take());
        let waiting = reader.is_some() || writer.is_some() || self.extra.get() != 0;
        self.reader.set(reader);
        self.writer.set(writer);
        waiting
    }

    /// Marks the source released and gives back its wakers (to drop outside any borrow).
    pub(crate) fn release(&self) -> ReleasedWakers {
        self.released.set(true);
        self.extra.set(0);
        (self.reader.take(), self.writer.take(), self.more.take())
    }

    /// Records an event and hands over the wakers it satisfies, oldest first.
    #[inline(always)] // into the reactor's event loop
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
        let read = bits & READ_INTEREST != 0;
        let write = bits & WRITE_INTEREST != 0;
        if read {
            if let Some(waker) = self.reader.take() {
                wakers.push(waker);
            }
        }
        if write {
            if let Some(waker) = self.writer.take() {
                wakers.push(waker);
            }
        }
        if self.extra.get() != 0 {
            self.drain_more([read, write], wakers);
        }
    }

    /// Moves the listed waiters of the satisfied directions onto `wakers`.
    #[cold]
    #[inline(never)]
    fn drain_more(&self, satisfied: [bool; 2], wakers: &mut Vec<Waker>) {
        let Some(mut more) = self.more.take() else {
            return;
        };
        for (direction, list) in more.iter_mut().enumerate() {
            if satisfied[direction] {
                wakers.append(list);
                self.extra.set(self.extra.get() & !(1 << direction));
            }
        }
        self.more.set(Some(more));
    }
}
