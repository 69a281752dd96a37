//! `Shuffle`: the generator behind the seeded scheduling order (`Builder::seed`).
//!
//! # Design
//!
//! A seeded loop polls one task per turn (`Builder::build` sets its `event_interval` to 1),
//! and at the end of each park (`core.rs`) moves a task drawn uniformly at random among
//! every queued one (the urgent and the ordinary queue together) to the front: that is the
//! task polled next. That covers both halves of the promise: the order of ready tasks, and
//! the order in which simultaneous events (I/O readiness, timers due in the same turn) are
//! handled, since each of those only queues its task. Nothing else draws from the
//! generator, so a program that makes the same calls in the same order sees the same
//! picks: the seed replays the interleaving.
//!
//! Doing it at the park keeps the unseeded loop as it was: its only cost is one branch per
//! park, none per poll or wake.
//!
//! The generator is SplitMix64: 64 bits of state, a handful of instructions per draw, and
//! good enough statistics for picking among a few thousand queued tasks. It is not for
//! anything that needs to be unpredictable.

use std::cell::Cell;

use super::core::Core;

/// A seeded pseudo-random sequence (SplitMix64). See the module docs.
pub(super) struct Shuffle {
    state: Cell<u64>,
}

impl Shuffle {
    pub(super) fn new(seed: u64) -> Shuffle {
        Shuffle {
            state: Cell::new(seed),
        }
    }

    /// The next 64 random bits.
    pub(super) fn next(&self) -> u64 {
        let state = self.state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.state.set(state);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Core {
    /// Moves a queued task drawn from the seed to the front of the queue: the next to poll.
    #[cold]
    #[inline(never)]
    pub(super) fn pick_seeded(&self) {
        let shuffle = self
            .shuffle
            .as_ref()
            .expect("a seeded loop has a generator");
        self.tasks.borrow_mut().move_to_front(|len| {
            // Multiply-shift: uniform enough for a queue length, no division.
            ((u128::from(shuffle.next()) * len as u128) >> 64) as usize
        });
    }
}

#[cfg(test)]
mod tests {
    use super::Shuffle;

    #[test]
    fn same_seed_same_sequence_and_seeds_differ() {
        let draw = |seed| {
            let shuffle = Shuffle::new(seed);
            (0..8).map(|_| shuffle.next()).collect::<Vec<_>>()
        };
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
        assert_ne!(draw(0)[0], draw(0)[1]);
    }
}
