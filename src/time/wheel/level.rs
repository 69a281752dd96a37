//! One level of the timer wheel: 64 slots, each the head of an intrusive list of entries,
//! and a bitmap of the slots that are occupied.

/// Index meaning "no entry" in the intrusive lists.
pub(crate) const NIL: u32 = u32::MAX;

/// Slots per level.
pub(crate) const SLOTS: usize = 64;

pub(crate) struct Level {
    heads: [u32; SLOTS],
    occupied: u64,
}

impl Level {
    pub(crate) const fn new() -> Self {
        Level {
            heads: [NIL; SLOTS],
            occupied: 0,
        }
    }

    pub(crate) fn head(&self, slot: usize) -> u32 {
        self.heads[slot]
    }

    /// Sets a slot's head, keeping the occupied bitmap in step.
    pub(crate) fn set_head(&mut self, slot: usize, head: u32) {
        self.heads[slot] = head;
        if head == NIL {
            self.occupied &= !(1 << slot);
        } else {
            self.occupied |= 1 << slot;
        }
    }

    /// The first occupied slot at or after `from`; if there is none, the first occupied slot
    /// before it (an entry that is overdue, which the wheel fires at once).
    pub(crate) fn next_occupied(&self, from: usize) -> Option<(usize, bool)> {
        if self.occupied == 0 {
            return None;
        }
        let ahead = self.occupied & (u64::MAX << from);
        if ahead != 0 {
            Some((ahead.trailing_zeros() as usize, false))
        } else {
            Some((self.occupied.trailing_zeros() as usize, true))
        }
    }
}
