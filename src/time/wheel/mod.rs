//! A hierarchical timing wheel (Varghese & Lauck, 1987) with 1 ms slots.
//!
//! # Levels
//!
//! | level | slots | slot width | covers    |
//! |-------|------:|-----------:|----------:|
//! | 0     | 4096  | 1 ms       | ~4.1 s    |
//! | 1     | 64    | ~4.1 s     | ~4.4 min  |
//! | 2     | 64    | ~4.4 min   | ~4.7 h    |
//! | 3     | 64    | ~4.7 h     | ~12 days  |
//! | 4     | 64    | ~12 days   | ~2.2 years|
//!
//! Time is counted in ticks (milliseconds) since the wheel was made. An entry due at tick `t`
//! goes in the level of the highest bit in which `t` differs from `elapsed` (the tick
//! processed so far), in the slot named by that level's bits of `t`. When the wheel reaches a
//! slot of level > 0, its entries cascade into lower levels (or fire). Deadlines beyond the
//! top level wait in its last slot and are re-placed when it comes due. An entry due 2^48
//! ticks (about 8,900 years) or more after the wheel was made is *parked*: kept, so that its
//! key cancels it, but in no slot, so it never fires (a deadline too far away for `Instant`
//! never fires either). With that limit a tick fits in 48 bits and shares one word with
//! the entry's level and slot, so an entry is 40 bytes.
//!
//! Level 0 is wide (4096 slots rather than 64) so that the common timers (sleeps and
//! timeouts under a few seconds) never cascade: a cascade moves every entry of a slot at
//! once, and with 64 ms level-0 windows a burst of short timers paid for one every 64 ms
//! (measured: tens of thousands of entries relinked in one loop turn, delaying every timer
//! due meanwhile by milliseconds).
//!
//! # Costs
//!
//! Insert and cancel are O(1): a slab allocation and an intrusive doubly-linked-list link /
//! unlink. Finding the next deadline is a few bit operations per level: each level keeps a
//! bitmap of its occupied slots and a summary word of the bitmap's non-zero words
//! (`level.rs`), so the loop's per-turn look at the wheel does not scan level 0's 64 words.
//! Each entry cascades at most once per level.
//!
//! # Precision contract
//!
//! A deadline's tick is rounded *up*, and an entry fires only when the current tick (rounded
//! down) has reached it, so an entry never fires before its deadline. It may fire up to one
//! tick plus the loop's processing time after it.
//!
//! # Fine timers
//!
//! A slot is a millisecond, and an entry fires once the tick it rounds *up* to has been
//! reached, so an entry is up to a millisecond late; for a 100 µs sleep that is ten times
//! its length. So an entry armed at most [`FINE_TICKS`] ticks before it is due is also
//! listed in `fine` with its exact deadline: [`process`](Wheel::process) fires it as soon as
//! that deadline has passed (still never early), and
//! [`next_deadline`](Wheel::next_deadline) reports the exact deadline, marked *fine*, so the
//! loop waits for it precisely (a timerfd, `reactor/precise.rs`) instead of to the next
//! millisecond. A fine entry stays linked in its slot as usual, so cancelling and re-waking
//! it are unchanged; `fine` is pruned lazily. Loops that arm no short timers never touch it.
//!
//! # Order
//!
//! Entries fire in deadline order (by tick), and entries of the same tick in the order they
//! were armed (asyncio's `call_at`, tokio's wheel). Each slot's list is appended at its tail,
//! so a level-0 slot (one tick) is already in arming order; the entries one `process` call
//! fires are then sorted by `(tick, arming number)`, which also orders entries that reached
//! the same call from different levels or cascades. The sort is a no-op pass when they are
//! already in order (the common case: one slot fired).

mod level;

use std::num::NonZeroU64;
use std::task::Waker;
use std::time::{Duration, Instant};

use slab::Slab;

use level::{Level, NIL};

/// Bits of a tick that index level 0 (4096 slots of 1 ms: about 4 s).
const LEVEL0_BITS: u32 = 12;
/// Bits of a tick that index each higher level (64 slots).
const BITS: u32 = 6;
const LEVELS: usize = 5;
/// An entry due at most this many ticks after the wheel's current tick is *fine*: it fires
/// at its exact deadline rather than at its tick (see "Fine timers").
const FINE_TICKS: u64 = 3;

/// Ticks covered by the whole wheel (36 bits of milliseconds: about 2.2 years).
const RANGE_MASK: u64 = (1 << (LEVEL0_BITS + BITS * (LEVELS as u32 - 1))) - 1;

/// Lowest tick bit that indexes `level`.
const fn shift(level: usize) -> u32 {
    if level == 0 {
        0
    } else {
        LEVEL0_BITS + BITS * (level as u32 - 1)
    }
}

/// Bits of a tick that index `level`.
const fn bits(level: usize) -> u32 {
    if level == 0 { LEVEL0_BITS } else { BITS }
}

/// The level an entry due at `tick` goes in, seen from `elapsed`: the level of the highest
/// bit in which the two differ.
fn level_for(elapsed: u64, tick: u64) -> usize {
    let differ = elapsed ^ tick;
    if differ < (1 << LEVEL0_BITS) {
        return 0;
    }
    let significant = 63 - differ.leading_zeros();
    (1 + (significant - LEVEL0_BITS) / BITS) as usize
}

/// Milliseconds from `base` to `t`, rounded up (0 if `t` is earlier): the wheel's tick of a
/// deadline, which the paused clock and debug snapshots use too. u64 arithmetic (u128
/// division is slow on the hot path); saturates for far deadlines.
#[inline]
pub(crate) fn ms_ceil(base: Instant, t: Instant) -> u64 {
    let since = t.saturating_duration_since(base);
    let millis = since.as_secs().saturating_mul(1_000);
    let sub = u64::from(since.subsec_nanos()).div_ceil(1_000_000);
    millis.saturating_add(sub)
}

fn new_levels() -> [Level; LEVELS] {
    std::array::from_fn(|level| Level::new(1 << bits(level)))
}

/// Address of a timer entry: slab key plus the wheel-wide insertion number (a stale key
/// never cancels a newer timer: insertion numbers are 64-bit and never repeat).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    key: u32,
    /// Never zero (insertion numbers start at 1): the niche that tells a `Sleep`'s armed
    /// state from its unarmed one without a separate tag (`sleep.rs`, `TimerState`).
    generation: NonZeroU64,
}

/// Bits of an entry's tick: 48 bits of milliseconds, about 8,900 years.
const TICK_BITS: u32 = 48;
const TICK_MASK: u64 = (1 << TICK_BITS) - 1;
/// Where an entry's level sits in its `place` word (3 bits), then its slot (12 bits).
const LEVEL_SHIFT: u32 = TICK_BITS;
const SLOT_SHIFT: u32 = TICK_BITS + 3;
/// The level of a *parked* entry: one due at tick 2^48 or later (about 8,900 years after
/// the wheel was made), which its 48 bits cannot hold. It keeps its key (cancel and waker
/// updates work) but sits in no slot, so it never fires, like a deadline too far away for
/// `Instant`.
const PARKED: usize = 7;
const _: () = assert!(LEVELS <= PARKED && SLOT_SHIFT + LEVEL0_BITS <= 64);

struct Entry {
    /// The tick at which the entry is due (bits 0..48), its level (`PARKED`: none) and its
    /// slot in that level: one word rather than three fields, so an entry is 40 bytes, not
    /// 48 (one per task parked on a timer).
    place: u64,
    waker: Waker,
    generation: u64,
    prev: u32,
    next: u32,
}

impl Entry {
    #[inline(always)]
    fn tick(&self) -> u64 {
        self.place & TICK_MASK
    }

    #[inline(always)]
    fn level(&self) -> usize {
        ((self.place >> LEVEL_SHIFT) & 7) as usize
    }

    #[inline(always)]
    fn slot(&self) -> usize {
        (self.place >> SLOT_SHIFT) as usize
    }

    /// The `place` word of an entry due at `tick` in `level`, `slot`.
    #[inline(always)]
    fn place(tick: u64, level: usize, slot: usize) -> u64 {
        tick | (level as u64) << LEVEL_SHIFT | (slot as u64) << SLOT_SHIFT
    }
}

/// The entry `timer` names, if it is still armed (its slot holds the same insertion).
fn armed_entry(entries: &Slab<Entry>, timer: TimerKey) -> Option<&Entry> {
    entries
        .get(timer.key as usize)
        .filter(|e| e.generation == timer.generation.get())
}

/// The timer wheel. Entries are removed when they fire; a `Sleep` then sees its deadline
/// passed.
pub(crate) struct Wheel {
    base: Instant,
    elapsed: u64,
    levels: [Level; LEVELS],
    entries: Slab<Entry>,
    /// Insertion counter: the next entry's generation.
    inserted: u64,
    /// Scratch list of entries to re-place during `process`.
    relink: Vec<u32>,
    /// Scratch list of the entries one `process` call fires: `(tick, generation, waker)`.
    fired: Vec<(u64, u64, Waker)>,
    /// Fine entries (due within `FINE_TICKS` when armed) with their exact deadlines; may
    /// hold entries already fired or cancelled (checked by generation, pruned lazily).
    fine: Vec<(Instant, TimerKey)>,
}

impl Wheel {
    pub(crate) fn new(base: Instant) -> Self {
        Wheel {
            base,
            elapsed: 0,
            levels: new_levels(),
            entries: Slab::new(),
            inserted: 0,
            relink: Vec::new(),
            fired: Vec::new(),
            fine: Vec::new(),
        }
    }

    /// Number of armed timers.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The first tick at or after `deadline` (rounded up: never early).
    fn tick_of(&self, deadline: Instant) -> u64 {
        ms_ceil(self.base, deadline)
    }

    /// The last tick that `now` has fully reached (rounded down).
    fn now_tick(&self, now: Instant) -> u64 {
        let since = now.saturating_duration_since(self.base);
        let millis = since.as_secs().saturating_mul(1_000);
        millis.saturating_add(u64::from(since.subsec_millis()))
    }

    /// Arms a timer that wakes `waker` once `deadline` has passed. Returns `None` (arming
    /// nothing) if the wheel has already processed the deadline's tick: it has passed.
    #[cfg(test)]
    pub(crate) fn insert(&mut self, deadline: Instant, waker: &Waker) -> Option<TimerKey> {
        self.insert_at(deadline, waker).map(|(key, _)| key)
    }

    /// As [`insert`](Self::insert), also returning the entry's tick (milliseconds since the
    /// wheel's base instant).
    pub(crate) fn insert_at(
        &mut self,
        deadline: Instant,
        waker: &Waker,
    ) -> Option<(TimerKey, u64)> {
        let tick = self.tick_of(deadline);
        if tick <= self.elapsed {
            return None;
        }
        let entry = self.entries.vacant_entry();
        let key = entry.key();
        assert!(key < NIL as usize, "evloop: too many timers on one runtime");
        self.inserted += 1;
        let generation = self.inserted;
        entry.insert(Entry {
            place: 0, // written by `link`, or below for a parked entry
            waker: crate::runtime::clone_waker(waker),
            generation,
            prev: NIL,
            next: NIL,
        });
        let timer = TimerKey {
            key: key as u32,
            generation: NonZeroU64::new(generation).expect("insertion numbers start at 1"),
        };
        if tick > TICK_MASK {
            // Parked: in no slot and not fine, so nothing ever fires it.
            self.entries[key].place = Entry::place(0, PARKED, 0);
            return Some((timer, tick));
        }
        self.link(key as u32, tick);
        if tick <= self.elapsed + FINE_TICKS {
            self.push_fine(deadline, timer);
        }
        Some((timer, tick))
    }

    #[cfg(test)]
    /// Whether the timer is still armed (it has not fired and was not cancelled).
    pub(crate) fn is_armed(&self, timer: TimerKey) -> bool {
        self.entry(timer).is_some()
    }

    fn entry(&self, timer: TimerKey) -> Option<&Entry> {
        armed_entry(&self.entries, timer)
    }

    /// Replaces the waker of an armed timer unless it would wake the same task. Returns the
    /// old waker (to drop outside the borrow), or `Err(())` if the timer is no longer armed.
    pub(crate) fn update_waker(
        &mut self,
        timer: TimerKey,
        waker: &Waker,
    ) -> Result<Option<Waker>, ()> {
        let entry = self
            .entries
            .get_mut(timer.key as usize)
            .filter(|e| e.generation == timer.generation.get())
            .ok_or(())?;
        if entry.waker.will_wake(waker) {
            Ok(None)
        } else {
            let waker = crate::runtime::clone_waker(waker);
            Ok(Some(std::mem::replace(&mut entry.waker, waker)))
        }
    }

    /// Disarms a timer; returns its waker (to drop outside the borrow). A timer that already
    /// fired or was cancelled is left alone.
    pub(crate) fn cancel(&mut self, timer: TimerKey) -> Option<Waker> {
        self.entry(timer)?;
        self.unlink(timer.key);
        Some(self.remove(timer.key))
    }

    fn remove(&mut self, key: u32) -> Waker {
        self.entries.remove(key as usize).waker
    }

    /// Places entry `key`, due at `tick`, in the level and slot its tick calls for, relative
    /// to `elapsed`.
    fn link(&mut self, key: u32, tick: u64) {
        let mut placed = tick;
        if (self.elapsed ^ placed) > RANGE_MASK {
            // Beyond the top level: wait in the last tick of the current top-level window.
            placed = self.elapsed | RANGE_MASK;
            if placed == self.elapsed {
                placed = self.elapsed + 1;
            }
        }
        // Only the `elapsed + 1` fallback above can reach past the top level; it goes in the
        // top level's slot 0, which `next_expiration` treats as overdue and re-places.
        let level = level_for(self.elapsed, placed).min(LEVELS - 1);
        let slot = ((placed >> shift(level)) as usize) & (self.levels[level].slots() - 1);
        // Append at the tail (arming order). The tail is the head's `prev`: a list's `prev`
        // links are circular, its `next` links end in NIL.
        let head = self.levels[level].head(slot);
        let entry = &mut self.entries[key as usize];
        entry.place = Entry::place(tick, level, slot);
        entry.next = NIL;
        if head == NIL {
            entry.prev = key;
            self.levels[level].set_head(slot, key);
        } else {
            let tail = self.entries[head as usize].prev;
            self.entries[key as usize].prev = tail;
            self.entries[tail as usize].next = key;
            self.entries[head as usize].prev = key;
        }
    }

    #[inline(always)] // on the cancel path of every armed timeout
    fn unlink(&mut self, key: u32) {
        let (level, slot, prev, next) = {
            let e = &self.entries[key as usize];
            (e.level(), e.slot(), e.prev, e.next)
        };
        if level == PARKED {
            return; // in no list
        }
        let head = self.levels[level].head(slot);
        if key == head {
            // The new head (if any) inherits the tail link.
            self.levels[level].set_head(slot, next);
            if next != NIL {
                self.entries[next as usize].prev = prev;
            }
            return;
        }
        self.entries[prev as usize].next = next;
        if next == NIL {
            self.entries[head as usize].prev = prev; // `key` was the tail
        } else {
            self.entries[next as usize].prev = prev;
        }
    }

    /// The next slot to process: `(level, slot, first tick it covers)`, the earliest over all
    /// levels. (By construction a lower level's entries come before a higher level's next
    /// slot; taking the minimum costs a few bitmap scans and does not depend on that.) Ties
    /// go to the higher level, so its entries cascade before the lower slot is taken.
    fn next_expiration(&self) -> Option<(usize, usize, u64)> {
        let mut best: Option<(usize, usize, u64)> = None;
        for (level, slots) in self.levels.iter().enumerate() {
            let shift = shift(level);
            let pos = ((self.elapsed >> shift) as usize) & (slots.slots() - 1);
            let Some((slot, overdue)) = slots.next_occupied(pos) else {
                continue;
            };
            let start = if overdue {
                self.elapsed
            } else {
                let window = (1u64 << (shift + bits(level))) - 1;
                ((self.elapsed & !window) | ((slot as u64) << shift)).max(self.elapsed)
            };
            if best.is_none_or(|(_, _, earliest)| start <= earliest) {
                best = Some((level, slot, start));
            }
        }
        best
    }

    /// When the loop must next look at the wheel (a slot start: maybe only a cascade), and
    /// whether that is a fine entry's exact deadline (to be waited for precisely).
    pub(crate) fn next_deadline(&mut self) -> Option<(Instant, bool)> {
        let slot = self.next_expiration().map(|(_, _, tick)| {
            self.base
                .checked_add(Duration::from_millis(tick))
                .unwrap_or_else(|| self.base + Duration::from_secs(86_400 * 365 * 30))
        });
        match (slot, self.next_fine()) {
            (Some(slot), Some(fine)) if fine < slot => Some((fine, true)),
            (slot, fine) => slot
                .map(|slot| (slot, false))
                .or(fine.map(|fine| (fine, true))),
        }
    }

    /// Lists a fine entry (out of line: most timers are not fine).
    #[cold]
    #[inline(never)]
    fn push_fine(&mut self, deadline: Instant, timer: TimerKey) {
        self.fine.push((deadline, timer));
    }

    /// The earliest exact deadline of a fine entry still armed (dropping the stale ones).
    fn next_fine(&mut self) -> Option<Instant> {
        if self.fine.is_empty() {
            return None;
        }
        let entries = &self.entries;
        self.fine
            .retain(|&(_, timer)| armed_entry(entries, timer).is_some());
        self.fine.iter().map(|&(deadline, _)| deadline).min()
    }

    /// Fires the fine entries whose exact deadline has passed by `now` (their tick may not
    /// have been reached yet), onto `fired`.
    #[cold]
    #[inline(never)]
    fn process_fine(&mut self, now: Instant, fired: &mut Vec<(u64, u64, Waker)>) {
        let mut i = 0;
        while i < self.fine.len() {
            let (deadline, timer) = self.fine[i];
            if self.entry(timer).is_none() {
                self.fine.swap_remove(i);
                continue;
            }
            if deadline <= now {
                self.fine.swap_remove(i);
                self.unlink(timer.key);
                let tick = self.entries[timer.key as usize].tick();
                fired.push((tick, timer.generation.get(), self.remove(timer.key)));
                continue;
            }
            i += 1;
        }
    }

    /// Fires every entry due at `now`, pushing their wakers on `wakers`.
    ///
    /// Entries of processed slots that are not due yet are re-placed only after `elapsed`
    /// reached `now`, so each of them moves to a strictly later slot (no re-processing).
    pub(crate) fn process(&mut self, now: Instant, wakers: &mut Vec<Waker>) {
        let now_tick = self.now_tick(now);
        let mut relink = std::mem::take(&mut self.relink);
        let mut fired = std::mem::take(&mut self.fired);
        while let Some((level, slot, start)) = self.next_expiration() {
            if start > now_tick {
                break;
            }
            self.elapsed = self.elapsed.max(start);
            let mut cursor = self.levels[level].head(slot);
            self.levels[level].set_head(slot, NIL);
            while cursor != NIL {
                let entry = &self.entries[cursor as usize];
                let next = entry.next;
                if entry.tick() <= now_tick {
                    let (tick, generation) = (entry.tick(), entry.generation);
                    fired.push((tick, generation, self.remove(cursor)));
                } else {
                    relink.push(cursor);
                }
                cursor = next;
            }
        }
        self.elapsed = self.elapsed.max(now_tick);
        // Re-placed in arming order, so that they keep it among the entries of their new slot.
        if relink.len() > 1 {
            relink.sort_unstable_by_key(|&key| self.entries[key as usize].generation);
        }
        for key in relink.drain(..) {
            let tick = self.entries[key as usize].tick();
            self.link(key, tick);
        }
        self.relink = relink;
        // Fine entries due by `now`, once every entry is linked again.
        if !self.fine.is_empty() {
            self.process_fine(now, &mut fired);
        }
        // Deadline order, ties in arming order (generations are unique and increasing).
        if !fired.is_sorted_by_key(|&(tick, generation, _)| (tick, generation)) {
            fired.sort_unstable_by_key(|&(tick, generation, _)| (tick, generation));
        }
        wakers.extend(fired.drain(..).map(|(_, _, waker)| waker));
        self.fired = fired;
    }

    /// Removes every entry, returning their wakers (runtime shutdown).
    pub(crate) fn clear(&mut self) -> Vec<Waker> {
        self.levels = new_levels();
        self.fine.clear();
        self.entries.drain().map(|e| e.waker).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn at(base: Instant, ms: u64) -> Instant {
        base + Duration::from_millis(ms)
    }

    /// One per task parked on a timer: 40 bytes (the tick, level and slot share a word).
    #[test]
    fn an_entry_stays_small() {
        assert!(std::mem::size_of::<Entry>() <= 40);
    }

    /// A deadline at or past 2^48 ms (~8,900 years) is parked: armed (its key cancels and
    /// updates it) but in no slot, so it never fires and never sets the loop's wait; the
    /// wheel's other entries work as usual.
    #[test]
    fn a_deadline_past_the_ticks_range_is_parked() {
        let base = Instant::now();
        let mut wheel = Wheel::new(base);
        let far = wheel
            .insert(at(base, 1 << TICK_BITS), Waker::noop())
            .unwrap();
        let farther = wheel
            .insert(base + Duration::from_secs(u64::MAX / 4_000), Waker::noop())
            .unwrap();
        assert!(wheel.next_deadline().is_none());
        let near = wheel.insert(at(base, 5), Waker::noop()).unwrap();
        let mut wakers = Vec::new();
        wheel.process(at(base, 5), &mut wakers);
        assert_eq!(wakers.len(), 1);
        assert!(!wheel.is_armed(near));
        wheel.process(at(base, (1 << TICK_BITS) + 10), &mut wakers);
        assert_eq!(wakers.len(), 1, "a parked entry fired");
        assert!(wheel.is_armed(far) && wheel.is_armed(farther));
        assert!(wheel.update_waker(far, Waker::noop()).is_ok());
        // Once the wheel is past 2^48 ms (a paused clock advanced that far), even a short
        // timer is parked, never fired through the fine path.
        let late = wheel
            .insert(at(base, (1 << TICK_BITS) + 12), Waker::noop())
            .unwrap();
        wheel.process(at(base, (1 << TICK_BITS) + 20), &mut wakers);
        assert_eq!(wakers.len(), 1, "a parked entry fired");
        assert!(wheel.is_armed(late));
        assert!(wheel.cancel(far).is_some());
        assert!(!wheel.is_armed(far));
        assert_eq!(wheel.clear().len(), 2);
    }

    #[test]
    fn fires_in_order_and_never_early() {
        let base = Instant::now();
        let mut wheel = Wheel::new(base);
        let deadlines = [1u64, 5, 63, 64, 65, 200, 4095, 4096, 100_000, 5_000_000];
        for &d in &deadlines {
            wheel.insert(at(base, d), Waker::noop()).unwrap();
        }
        for &d in &deadlines {
            // Just before the deadline nothing fires; at the deadline exactly one entry does.
            let mut wakers = Vec::new();
            wheel.process(at(base, d - 1), &mut wakers);
            assert!(wakers.is_empty(), "fired early before {d} ms");
            wheel.process(at(base, d), &mut wakers);
            assert_eq!(wakers.len(), 1, "deadline {d} ms did not fire on time");
        }
        assert_eq!(wheel.len(), 0);
    }

    #[test]
    fn cascaded_entries_fire_on_time_beside_new_level0_entries() {
        // A (tick 4097) starts in level 1; once the wheel has cascaded it, C (tick 4098) lands
        // in level 0 beside it. Each fires at its own tick.
        let base = Instant::now();
        let mut wheel = Wheel::new(base);
        wheel.insert(at(base, 4097), Waker::noop()).unwrap();
        let mut wakers = Vec::new();
        wheel.process(at(base, 4095), &mut wakers);
        wheel.insert(at(base, 4100), Waker::noop()).unwrap(); // level 1, same slot as A
        wheel.process(at(base, 4096), &mut wakers);
        assert!(wakers.is_empty());
        wheel.insert(at(base, 4098), Waker::noop()).unwrap(); // level 0
        wheel.process(at(base, 4097), &mut wakers);
        assert_eq!(wakers.len(), 1, "A did not fire at its tick");
        wheel.process(at(base, 4098), &mut wakers);
        assert_eq!(wakers.len(), 2);
        wheel.process(at(base, 4100), &mut wakers);
        assert_eq!(wakers.len(), 3);
    }

    #[test]
    fn stays_on_time_while_entries_keep_arriving() {
        // Randomised: entries inserted as time advances must each fire exactly at their tick.
        let base = Instant::now();
        let mut wheel = Wheel::new(base);
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut due: Vec<(u64, TimerKey)> = Vec::new();
        let ticks = if cfg!(miri) { 150 } else { 8_000u64 };
        for now in 0..ticks {
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Mostly short, some across the level-0 window, a few across level 1's slots.
                let span = [300, 6_000, 9_000][(seed % 3) as usize];
                let tick = now + 1 + (seed >> 8) % span;
                due.push((tick, wheel.insert(at(base, tick), Waker::noop()).unwrap()));
            }
            let mut wakers = Vec::new();
            wheel.process(at(base, now), &mut wakers);
            let expected = due.iter().filter(|(t, _)| *t == now).count();
            assert_eq!(wakers.len(), expected, "at tick {now}");
            due.retain(|(t, _)| *t > now);
            if now % 97 == 0 {
                for (t, key) in &due {
                    assert!(wheel.is_armed(*key), "entry due at {t} gone at {now}");
                }
            }
        }
    }

    #[test]
    fn cancelling_an_entry_in_a_high_level0_slot_unlinks_it() {
        // Level 0 has 4096 slots: slot numbers above 255 must survive (regression: they were
        // stored in a u8, so a cancel cleared the wrong slot and corrupted the lists).
        let base = Instant::now();
        let mut wheel = Wheel::new(base);
        let a = wheel.insert(at(base, 300), Waker::noop()).unwrap();
        let b = wheel.insert(at(base, 300 + 256), Waker::noop()).unwrap();
        assert!(wheel.cancel(a).is_some());
        let c = wheel.insert(at(base, 44), Waker::noop()).unwrap(); // reuses a's slab key
        let mut wakers = Vec::new();
        wheel.process(at(base, 44), &mut wakers);
        assert_eq!(wakers.len(), 1);
        assert!(!wheel.is_armed(c));
        wheel.process(at(base, 600), &mut wakers);
        assert_eq!(wakers.len(), 2, "b fired once, a never");
        assert!(!wheel.is_armed(b));
        assert_eq!(wheel.len(), 0);
    }

    #[test]
    fn cancel_unlinks() {
        let base = Instant::now();
        let mut wheel = Wheel::new(base);
        let a = wheel.insert(at(base, 10), Waker::noop()).unwrap();
        let b = wheel.insert(at(base, 10), Waker::noop()).unwrap();
        assert!(wheel.cancel(a).is_some());
        assert!(wheel.cancel(a).is_none());
        let mut wakers = Vec::new();
        wheel.process(at(base, 10), &mut wakers);
        assert_eq!(wakers.len(), 1);
        assert!(!wheel.is_armed(b));
        assert_eq!(wheel.next_deadline(), None);
    }

    /// A waker that records its number in `log` when woken.
    fn logging_waker(n: usize, log: &std::sync::Arc<std::sync::Mutex<Vec<usize>>>) -> Waker {
        struct Logger(usize, std::sync::Arc<std::sync::Mutex<Vec<usize>>>);
        impl std::task::Wake for Logger {
            fn wake(self: std::sync::Arc<Self>) {
                self.1.lock().unwrap().push(self.0);
            }
        }
        Waker::from(std::sync::Arc::new(Logger(n, log.clone())))
    }

    #[test]
    fn same_deadline_fires_in_arming_order() {
        // Regression: a slot was a stack, so equal deadlines fired newest first.
        let base = Instant::now();
        let mut wheel = Wheel::new(base);
        let log = Default::default();
        for n in 0..5 {
            wheel.insert(at(base, 10), &logging_waker(n, &log)).unwrap();
        }
        let mut wakers = Vec::new();
        wheel.process(at(base, 10), &mut wakers);
        wakers.into_iter().for_each(Waker::wake);
        assert_eq!(*log.lock().unwrap(), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn fires_by_deadline_then_arming_order_across_levels_and_cascades() {
        // Entries armed at various times for deadlines spread over three levels, with the
        // wheel advanced in irregular jumps (several slots and levels per `process`): each
        // batch must come out sorted by (deadline, arming order), and batches in time order.
        let base = Instant::now();
        let mut wheel = Wheel::new(base);
        let log: std::sync::Arc<std::sync::Mutex<Vec<usize>>> = Default::default();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = move |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        let mut deadline_of = Vec::new();
        let mut now = 0;
        let rounds = if cfg!(miri) { 40 } else { 2_000 };
        for _ in 0..rounds {
            for _ in 0..4 {
                // Few distinct deadlines, so ties are common, some far enough to cascade.
                let tick =
                    now + 1 + [rand(8), 4_000 + rand(4) * 50, 300_000 + rand(3)][rand(3) as usize];
                let n = deadline_of.len();
                deadline_of.push(tick);
                wheel
                    .insert(at(base, tick), &logging_waker(n, &log))
                    .unwrap();
            }
            now += [1, 7, 700, 5_000][rand(4) as usize];
            let mut wakers = Vec::new();
            wheel.process(at(base, now), &mut wakers);
            wakers.into_iter().for_each(Waker::wake);
        }
        let mut wakers = Vec::new();
        wheel.process(at(base, now + 1_000_000), &mut wakers);
        wakers.into_iter().for_each(Waker::wake);
        let fired = log.lock().unwrap().clone();
        assert_eq!(fired.len(), deadline_of.len(), "every entry fires once");
        for pair in fired.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            assert!(
                (deadline_of[a], a) < (deadline_of[b], b),
                "entry {a} (tick {}) fired before entry {b} (tick {})",
                deadline_of[a],
                deadline_of[b]
            );
        }
    }

    #[test]
    fn a_fine_entry_fires_at_its_exact_deadline_never_before() {
        // Due 300 µs after the wheel's start: its tick (1) is a millisecond away, but it
        // fires as soon as 300 µs have passed, and is reported as the next, fine deadline.
        let base = Instant::now();
        let mut wheel = Wheel::new(base);
        let deadline = base + Duration::from_micros(300);
        let key = wheel.insert(deadline, Waker::noop()).unwrap();
        assert_eq!(wheel.next_deadline(), Some((deadline, true)));
        let mut wakers = Vec::new();
        wheel.process(base + Duration::from_micros(299), &mut wakers);
        assert!(wakers.is_empty(), "fired early");
        wheel.process(deadline, &mut wakers);
        assert_eq!(wakers.len(), 1);
        assert!(!wheel.is_armed(key));
        assert_eq!(wheel.next_deadline(), None);
        // A cancelled fine entry is forgotten; a far one is not fine.
        let cancelled = wheel
            .insert(base + Duration::from_micros(1_500), Waker::noop())
            .unwrap();
        assert!(wheel.cancel(cancelled).is_some());
        wheel
            .insert(base + Duration::from_secs(1), Waker::noop())
            .unwrap();
        assert!(matches!(wheel.next_deadline(), Some((_, false))));
    }

    #[test]
    fn far_deadline_waits_in_top_level() {
        let base = Instant::now();
        let mut wheel = Wheel::new(base);
        let far = base + Duration::from_secs(86_400 * 365 * 10);
        let key = wheel.insert(far, Waker::noop()).unwrap();
        let mut wakers = Vec::new();
        wheel.process(base + Duration::from_secs(86_400 * 365 * 3), &mut wakers);
        assert!(wakers.is_empty());
        assert!(wheel.is_armed(key));
        wheel.process(far, &mut wakers);
        assert_eq!(wakers.len(), 1);
    }
}
