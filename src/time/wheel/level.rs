//! One level of the timer wheel: `2^bits` slots, each the head of an intrusive list of
//! entries, and a bitmap of the slots that are occupied, summarised by one word whose bit
//! `i` says whether bitmap word `i` is non-zero: finding the next occupied slot is then a
//! few bit operations, not a scan of up to 64 words (level 0 has 4096 slots), which the
//! loop does at every turn that has timers armed.

/// Index meaning "no entry" in the intrusive lists.
pub(crate) const NIL: u32 = u32::MAX;

pub(crate) struct Level {
    heads: Box<[u32]>,
    /// One bit per slot, 64 slots per word (64 words at most).
    occupied: Box<[u64]>,
    /// Bit `i`: `occupied[i] != 0`.
    summary: u64,
}

impl Level {
    /// A level of `slots` slots (a power of two, from 64 to 4096).
    pub(crate) fn new(slots: usize) -> Self {
        debug_assert!(slots.is_power_of_two() && (64..=4096).contains(&slots));
        Level {
            heads: vec![NIL; slots].into_boxed_slice(),
            occupied: vec![0; slots / 64].into_boxed_slice(),
            summary: 0,
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
        let bits = &mut self.occupied[word];
        if head == NIL {
            *bits &= !(1 << bit);
            // The summary bit goes with the word's last slot.
            self.summary &= !(u64::from(*bits == 0) << word);
        } else {
            *bits |= 1 << bit;
            self.summary |= 1 << word;
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
        // Words after `first`, then (wrapping round) words up to and including `first`.
        let after = self.summary & u64::MAX.checked_shl(first as u32 + 1).unwrap_or(0);
        if after != 0 {
            return Some((self.first_in(after.trailing_zeros() as usize), false));
        }
        let up_to = self.summary & (u64::MAX >> (63 - first));
        if up_to != 0 {
            return Some((self.first_in(up_to.trailing_zeros() as usize), true));
        }
        None
    }

    /// The first occupied slot of bitmap word `word` (which is non-zero).
    fn first_in(&self, word: usize) -> usize {
        word * 64 + self.occupied[word].trailing_zeros() as usize
    }
}

#[cfg(test)]
mod tests {
    use super::{Level, NIL};

    /// `next_occupied` as a plain scan: the reference the summary must agree with.
    fn scan(level: &Level, from: usize) -> Option<(usize, bool)> {
        let slots = level.slots();
        (from..slots)
            .find(|&s| level.head(s) != NIL)
            .map(|s| (s, false))
            .or_else(|| (0..from).find(|&s| level.head(s) != NIL).map(|s| (s, true)))
    }

    #[test]
    fn the_summary_finds_what_a_scan_finds() {
        for slots in [64, 4096] {
            let mut level = Level::new(slots);
            let mut state = 0x2545_f491_4f6c_dd1d_u64;
            let mut next = || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            };
            for round in 0..2000 {
                let slot = (next() % slots as u64) as usize;
                // Mostly fill, sometimes empty, so words go to zero and back.
                let head = if next() % 3 == 0 { NIL } else { round };
                level.set_head(slot, head);
                for from in [0, slot, (next() % slots as u64) as usize, slots - 1] {
                    assert_eq!(level.next_occupied(from), scan(&level, from), "from {from}");
                }
            }
        }
    }
}
