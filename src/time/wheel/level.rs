//! One level of the timer wheel: `2^bits` slots, each the head of an intrusive list of
//! entries, and a bitmap of the slots that are occupied.

/// Index meaning "no entry" in the intrusive lists.
pub(crate) const NIL: u32 = u32::MAX;

pub(crate) struct Level {
    heads: Box<[u32]>,
    /// One bit per slot, 64 slots per word.
    occupied: Box<[u64]>,
}

impl Level {
    /// A level of `slots` slots (a power of two, at least 64).
    pub(crate) fn new(slots: usize) -> Self {
        debug_assert!(slots.is_power_of_two() && slots >= 64);
        Level {
            heads: vec![NIL; slots].into_boxed_slice(),
            occupied: vec![0; slots / 64].into_boxed_slice(),
        }
    }

    pub(crate) fn slots(&self) -> usize {
        self.heads.len()
    }

    pub(crate) fn head(&self, slot: usize) -> u32 {
        self.heads[slot]
    }

    /// Sets a slot's head, keeping the occupied bitmap in step.
    pub(crate) fn set_head(&mut self, slot: usize, head: u32) {
        self.heads[slot] = head;
        let (word, bit) = (slot / 64, slot % 64);
        if head == NIL {
            self.occupied[word] &= !(1 << bit);
        } else {
            self.occupied[word] |= 1 << bit;
        }
    }

    /// The first occupied slot at or after `from`, with `false`; if there is none, the first
    /// occupied slot before it (an entry that is overdue, which the wheel fires at once),
    /// with `true`.
    pub(crate) fn next_occupied(&self, from: usize) -> Option<(usize, bool)> {
        let first = from / 64;
        let masked = self.occupied[first] & (u64::MAX << (from % 64));
        if masked != 0 {
            return Some((first * 64 + masked.trailing_zeros() as usize, false));
        }
        for (i, &word) in self.occupied.iter().enumerate().skip(first + 1) {
            if word != 0 {
                return Some((i * 64 + word.trailing_zeros() as usize, false));
            }
        }
        for (i, &word) in self.occupied.iter().enumerate().take(first + 1) {
            if word != 0 {
                return Some((i * 64 + word.trailing_zeros() as usize, true));
            }
        }
        None
    }
}
