//! `ScheduledIo`: the readiness state of one registered source.

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

/// Readiness and waiters of one source.
pub(crate) struct ScheduledIo {
    pub(crate) generation: u32,
    pub(crate) readiness: u8,
    /// Incremented by every event, so a clear can tell whether readiness changed since.
    pub(crate) tick: u32,
    pub(crate) reader: Option<Waker>,
    pub(crate) writer: Option<Waker>,
}

impl ScheduledIo {
    pub(crate) fn new(generation: u32) -> Self {
        ScheduledIo {
            generation,
            // A fresh socket may already be writable or hold data; mio reports edges only
            // from registration on, so start optimistic: the first operation finds out.
            readiness: READABLE | WRITABLE,
            tick: 0,
            reader: None,
            writer: None,
        }
    }

    /// Records an event and hands over the wakers it satisfies.
    pub(crate) fn set_readiness(&mut self, event: &mio::event::Event, wakers: &mut Vec<Waker>) {
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
        self.readiness |= bits;
        self.tick = self.tick.wrapping_add(1);
        if bits & READ_INTEREST != 0 {
            wakers.extend(self.reader.take());
        }
        if bits & WRITE_INTEREST != 0 {
            wakers.extend(self.writer.take());
        }
    }
}
