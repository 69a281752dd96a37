//! The only code that builds a `Waker`.
//!
//! # Design
//!
//! An evloop waker carries no pointer at all: its data word *is* the task's address, packed
//! as `runtime tag (12 bits) | generation (28 bits) | slab key (24 bits)`. So creating,
//! cloning and dropping a waker cost nothing (no allocation, no reference count, no atomic
//! read-modify-write), and the waker is trivially `Send + Sync`: it holds only an integer.
//!
//! Waking follows one branch, in one place ([`crate::runtime::wake_task`]):
//!
//! * on the loop's own thread, while its runtime is running, the id is pushed on the local
//!   run queue (one `RefCell` borrow, no syscall);
//! * anywhere else, the runtime is looked up by its tag in the global registry, the id is
//!   pushed on its thread-safe inject queue and `mio::Waker` wakes the loop from
//!   `epoll_wait`.
//!
//! # Identity
//!
//! An address names one task of one runtime for as long as a waker can plausibly be kept:
//!
//! * a slab key is reused at once, but with a new generation (one counter per runtime);
//! * a tag is reused by the next runtime created once its runtime is dropped, but that
//!   runtime's counter starts where the previous one of the tag stopped (the registry in
//!   `runtime/shared.rs` keeps it), so it never hands out a generation the previous one
//!   used recently;
//! * each `block_on` call takes a generation of its own for its future.
//!
//! So a stale waker (its task finished, or its runtime is gone) wakes nothing until 2^28
//! (~268 million) more spawns have happened on runtimes of its tag. Only a waker kept that
//! long can meet its generation again, and then each wake of it causes one spurious poll of
//! the task holding that key and generation, which the `Future` contract allows.
//!
//! # Portability
//!
//! The packing needs a 64-bit `usize`; evloop does not build on 32-bit targets.

use std::task::{RawWaker, RawWakerVTable, Waker};

use super::store::{GENERATION_MASK, KEY_BITS, MAIN_KEY, TaskId};

#[cfg(not(target_pointer_width = "64"))]
compile_error!("evloop packs task addresses into a 64-bit usize; 32-bit targets are not supported");

/// Number of runtimes that may be alive at once (the tag has 12 bits).
pub(crate) const MAX_RUNTIMES: usize = 1 << 12;

/// A `static`, not a `const`: its one address tells an evloop waker from any other
/// ([`local_task`]).
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, drop_waker);

/// Lowest bit of the generation in a waker's data word.
const GENERATION_SHIFT: u32 = KEY_BITS;
/// Lowest bit of the runtime tag in a waker's data word.
const TAG_SHIFT: u32 = KEY_BITS + 28;
const _: () = assert!(GENERATION_MASK == (1 << (TAG_SHIFT - GENERATION_SHIFT)) - 1);
const _: () = assert!(MAX_RUNTIMES == 1 << (64 - TAG_SHIFT));

/// Packs a task address into a waker's data word.
fn pack(tag: u16, id: TaskId) -> usize {
    debug_assert!(id.key <= MAIN_KEY, "slab keys stay below 2^24");
    ((tag as usize) << TAG_SHIFT)
        | (((id.generation & GENERATION_MASK) as usize) << GENERATION_SHIFT)
        | (id.key & MAIN_KEY) as usize
}

/// Inverse of [`pack`].
fn unpack(bits: usize) -> (u16, TaskId) {
    let tag = (bits >> TAG_SHIFT) as u16;
    let generation = ((bits >> GENERATION_SHIFT) as u32) & GENERATION_MASK;
    let key = (bits as u32) & MAIN_KEY;
    (tag, TaskId { key, generation })
}

/// Builds the waker of task `id` on the runtime tagged `tag`.
pub(crate) fn task_waker(tag: u16, id: TaskId) -> Waker {
    let data = std::ptr::without_provenance::<()>(pack(tag, id));
    // The `RawWaker` contract: `clone` returns a waker with the same word and vtable;
    // `wake`/`wake_by_ref` only read the integer and go through thread-safe paths
    // (`runtime::wake_task`: a thread-local on the loop's thread, a `Mutex` + `mio::Waker`
    // elsewhere); `drop` releases nothing because nothing was acquired.
    // SAFETY: the data word is a plain integer, never dereferenced: valid anywhere, forever.
    unsafe { Waker::new(data, &VTABLE) }
}

/// The task `waker` wakes, if it is an evloop waker of the runtime tagged `tag`: the loop
/// then queues it directly, without the call through the vtable and the thread-local lookup
/// of a `wake` (the reactor and the timer wheel hand back wakers in batches).
#[inline]
pub(crate) fn local_task(waker: &Waker, tag: u16) -> Option<TaskId> {
    if !std::ptr::eq(waker.vtable(), &VTABLE) {
        return None;
    }
    let (waker_tag, id) = unpack(waker.data().addr());
    (waker_tag == tag).then_some(id)
}

/// Clones `waker`; an evloop waker without the call through its vtable (its `clone` only
/// copies the word). For the places that store a task's waker on every wait (an I/O
/// source's waiter, a timer entry, a join): no call there keeps their common path free
/// of calls, and of the registers a call makes them save.
#[inline(always)]
pub(crate) fn clone_waker(waker: &Waker) -> Waker {
    if std::ptr::eq(waker.vtable(), &VTABLE) {
        // SAFETY: `RawWaker::new(data, &VTABLE)` is what the vtable's `clone` returns for
        // this data word, so the new waker keeps the contract the original one has.
        return unsafe { Waker::from_raw(RawWaker::new(waker.data(), &VTABLE)) };
    }
    waker.clone()
}

fn clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &VTABLE)
}

fn wake(data: *const ()) {
    let (tag, id) = unpack(data.addr());
    crate::runtime::wake_task(tag, id);
}

fn drop_waker(_: *const ()) {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only an evloop waker of the given runtime is taken for a local task.
    #[test]
    fn local_task_recognises_only_this_runtimes_wakers() {
        let id = TaskId {
            key: 42,
            generation: 9,
        };
        let waker = task_waker(7, id);
        assert_eq!(local_task(&waker, 7), Some(id));
        assert_eq!(local_task(&waker.clone(), 7), Some(id));
        assert_eq!(local_task(&waker, 8), None);
        assert_eq!(local_task(Waker::noop(), 7), None);
    }

    /// `clone_waker` keeps an evloop waker's word (the same task, no vtable call) and
    /// clones any other waker through its own vtable.
    #[test]
    fn clone_waker_keeps_the_task() {
        let id = TaskId {
            key: 3,
            generation: 5,
        };
        let waker = task_waker(1, id);
        let cloned = clone_waker(&waker);
        assert!(cloned.will_wake(&waker));
        assert_eq!(local_task(&cloned, 1), Some(id));
        // Any other waker: through its own vtable's `clone`.
        use std::sync::atomic::{AtomicUsize, Ordering};
        static CLONES: AtomicUsize = AtomicUsize::new(0);
        fn counted_clone(data: *const ()) -> RawWaker {
            CLONES.fetch_add(1, Ordering::Relaxed);
            RawWaker::new(data, &COUNTED)
        }
        fn nothing(_: *const ()) {}
        static COUNTED: RawWakerVTable =
            RawWakerVTable::new(counted_clone, nothing, nothing, nothing);
        // SAFETY: the vtable's functions ignore the data word, which is null.
        let foreign = unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &COUNTED)) };
        let cloned = clone_waker(&foreign);
        assert_eq!(CLONES.load(Ordering::Relaxed), 1);
        assert!(std::ptr::eq(cloned.vtable(), &COUNTED));
        assert_eq!(local_task(&cloned, 1), None);
    }

    #[test]
    fn pack_roundtrip() {
        let id = TaskId {
            key: 123_456,
            generation: GENERATION_MASK,
        };
        assert_eq!(unpack(pack(4095, id)), (4095, id));
        let main = TaskId {
            key: MAIN_KEY,
            generation: 7,
        };
        assert_eq!(unpack(pack(0, main)), (0, main));
        assert!(unpack(pack(4095, main)).1.is_main());
    }
}
