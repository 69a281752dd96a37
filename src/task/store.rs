//! `TaskStore`: the slab of task slots plus the local run queue.
//!
//! The store and the queue sit behind one `RefCell` in the runtime core, so a wake costs one
//! borrow, one slab index and (at most) one `VecDeque::push_back`: no atomics, no syscall.

use std::collections::VecDeque;
use std::panic::Location;
use std::pin::Pin;
use std::task::Waker;

use slab::Slab;

use super::RawTask;

/// Bits of a generation that fit in a waker (see `waker.rs`). Wrapping is harmless: at worst
/// a waker kept across 2^20 reuses of one slot causes one spurious wake.
pub(crate) const GENERATION_MASK: u32 = (1 << 20) - 1;

/// Slab key reserved for the future passed to `block_on` (it is not stored in the slab).
pub(crate) const MAIN_KEY: u32 = u32::MAX;

/// Address of a task: slab key plus the generation of that key when the task was spawned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TaskId {
    pub(crate) key: u32,
    pub(crate) generation: u32,
}

impl TaskId {
    /// The id that wakes the `block_on` future.
    pub(crate) const MAIN: TaskId = TaskId {
        key: MAIN_KEY,
        generation: 0,
    };
}

pub(crate) const QUEUED: u8 = 1;
pub(crate) const RUNNING: u8 = 1 << 1;
pub(crate) const COMPLETE: u8 = 1 << 2;
pub(crate) const DETACHED: u8 = 1 << 3;
pub(crate) const ABORT: u8 = 1 << 4;

/// One task: its future (or output), its join waker and what debugging needs.
pub(crate) struct Slot {
    /// `None` only while the executor polls or cancels it, or after the output was taken.
    pub(crate) task: Option<Pin<Box<dyn RawTask>>>,
    pub(crate) join_waker: Option<Waker>,
    pub(crate) generation: u32,
    pub(crate) state: u8,
    pub(crate) polls: u32,
    pub(crate) meta: TaskMeta,
}

/// What a task is, for people: its id, name and where it was spawned.
pub(crate) struct TaskMeta {
    pub(crate) id: u64,
    pub(crate) name: Option<Box<str>>,
    pub(crate) location: &'static Location<'static>,
}

impl Slot {
    pub(crate) fn has(&self, flag: u8) -> bool {
        self.state & flag != 0
    }
}

/// The slab of tasks and the FIFO of task ids ready to run.
#[derive(Default)]
pub(crate) struct TaskStore {
    slots: Slab<Slot>,
    /// Spawn counter (masked): the next task's generation. One counter for all keys rather
    /// than one per key saves a memory access per spawn and removal; a key's successive
    /// occupants still get different generations unless exactly a multiple of 2^20 spawns
    /// apart, and then a stale waker causes at most a spurious poll.
    next_generation: u32,
    run_queue: VecDeque<TaskId>,
    /// Tasks woken by a timer: they run before `run_queue`, in the order their timers fired.
    urgent: VecDeque<TaskId>,
    /// While set, `schedule` queues on `urgent`.
    urgent_mode: bool,
    next_id: u64,
}

impl TaskStore {
    /// Stores a new task, already queued to run, and returns its address.
    pub(crate) fn insert(&mut self, task: Pin<Box<dyn RawTask>>, meta: TaskMeta) -> TaskId {
        let entry = self.slots.vacant_entry();
        let key = entry.key();
        assert!(
            key < MAIN_KEY as usize,
            "evloop: more than {} live tasks on one runtime",
            MAIN_KEY
        );
        let generation = self.next_generation;
        self.next_generation = (generation + 1) & GENERATION_MASK;
        entry.insert(Slot {
            task: Some(task),
            join_waker: None,
            generation,
            state: QUEUED,
            polls: 0,
            meta,
        });
        let id = TaskId {
            key: key as u32,
            generation,
        };
        self.run_queue.push_back(id);
        id
    }

    /// A fresh public task id.
    pub(crate) fn next_public_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The slot at `id`, if the task it names is still there.
    pub(crate) fn get_mut(&mut self, id: TaskId) -> Option<&mut Slot> {
        self.slots
            .get_mut(id.key as usize)
            .filter(|slot| slot.generation == id.generation)
    }

    /// The slot at `id`, if the task it names is still there.
    pub(crate) fn get(&self, id: TaskId) -> Option<&Slot> {
        self.slots
            .get(id.key as usize)
            .filter(|slot| slot.generation == id.generation)
    }

    /// Removes the slot at `id`. The caller drops the returned slot
    /// *after* releasing the borrow of the store (it may hold user code in its future).
    pub(crate) fn remove(&mut self, id: TaskId) -> Option<Slot> {
        self.get(id)?;
        Some(self.slots.remove(id.key as usize))
    }

    /// Queues the task for a poll unless it is queued, complete or gone. Returns whether it
    /// was queued now.
    pub(crate) fn schedule(&mut self, id: TaskId) -> bool {
        match self.get_mut(id) {
            Some(slot) if slot.state & (QUEUED | COMPLETE) == 0 => {
                slot.state |= QUEUED;
                if self.urgent_mode {
                    self.urgent.push_back(id);
                } else {
                    self.run_queue.push_back(id);
                }
                true
            }
            _ => false,
        }
    }

    /// From now on, scheduled tasks go to the urgent queue, which runs before the ordinary
    /// one, until [`end_urgent`](Self::end_urgent). Both queues are FIFO, so under overload
    /// timer wakes still run in the order their timers fired.
    pub(crate) fn begin_urgent(&mut self) {
        self.urgent_mode = true;
    }

    /// Back to queueing scheduled tasks at the back of the ordinary queue.
    pub(crate) fn end_urgent(&mut self) {
        self.urgent_mode = false;
    }

    /// The next task to poll: urgent ones first.
    pub(crate) fn pop(&mut self) -> Option<TaskId> {
        self.urgent
            .pop_front()
            .or_else(|| self.run_queue.pop_front())
    }

    /// Queues `id` at the back without checking its slot (the `block_on` future's id).
    pub(crate) fn push_back(&mut self, id: TaskId) {
        self.run_queue.push_back(id);
    }

    /// Whether no task is waiting to be polled.
    pub(crate) fn is_idle(&self) -> bool {
        self.run_queue.is_empty() && self.urgent.is_empty()
    }

    /// Number of tasks alive (not yet removed).
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Removes every slot and returns them, so the caller can drop them outside the borrow.
    pub(crate) fn drain(&mut self) -> Vec<Slot> {
        self.run_queue.clear();
        self.urgent.clear();
        let keys: Vec<usize> = self.slots.iter().map(|(key, _)| key).collect();
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            out.push(self.slots.remove(key));
        }
        out
    }
}
