//! The only code that builds a `Waker`.
//!
//! # Design
//!
//! An evloop waker carries no pointer at all: its data word *is* the task's address, packed
//! as `runtime tag (12 bits) | generation (20 bits) | slab key (32 bits)`. So creating,
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
//! A stale waker (the task finished, or its runtime is gone and the tag was reused) wakes
//! nothing or, at worst, causes one spurious poll, which the `Future` contract allows.
//!
//! # Portability
//!
//! The packing needs a 64-bit `usize`; evloop does not build on 32-bit targets.

use std::task::{RawWaker, RawWakerVTable, Waker};

use super::store::{GENERATION_MASK, TaskId};

#[cfg(not(target_pointer_width = "64"))]
compile_error!("evloop packs task addresses into a 64-bit usize; 32-bit targets are not supported");

/// Number of runtimes that may be alive at once (the tag has 12 bits).
pub(crate) const MAX_RUNTIMES: usize = 1 << 12;

const VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, drop_waker);

/// Packs a task address into a waker's data word.
fn pack(tag: u16, id: TaskId) -> usize {
    ((tag as usize) << 52) | (((id.generation & GENERATION_MASK) as usize) << 32) | id.key as usize
}

/// Inverse of [`pack`].
fn unpack(bits: usize) -> (u16, TaskId) {
    let tag = (bits >> 52) as u16;
    let generation = ((bits >> 32) as u32) & GENERATION_MASK;
    let key = bits as u32;
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

    #[test]
    fn pack_roundtrip() {
        let id = TaskId {
            key: 123_456,
            generation: GENERATION_MASK,
        };
        assert_eq!(unpack(pack(4095, id)), (4095, id));
        assert_eq!(unpack(pack(0, TaskId::MAIN)), (0, TaskId::MAIN));
    }
}
