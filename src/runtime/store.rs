//! `TaskStore`: the slab of task slots plus the local run queue.
//!
//! # Ground rules
//!
//! A task lives in one `Slot` of the runtime's `TaskStore` (this file), a
//! `slab::Slab` addressed by a `TaskId` = slab key + generation. The generation
//! changes every time a key is reused, so a stale id (in an old waker or a `JoinHandle` of a
//! task that is gone) never reaches the slot's next occupant.
//!
//! Who touches a slot, and when:
//!
//! * **The executor** (`runtime`) pops ids from the run queue and polls the task in its
//!   cell (`task_arena.rs`) as the core's `current_task`, with no borrow of the store held;
//!   the `TaskBox` stays in the slot, and nothing else touches it meanwhile (an abort of the
//!   current task is deferred to the end of its poll, a join or detach removes only a
//!   complete slot). A finished or aborted task is taken out of its slot to be completed.
//! * **A waker** (`waker.rs`) only sets `QUEUED` and pushes the id on the run queue, and only
//!   if the task is neither queued nor complete. Waking a finished task, a stale id or a task
//!   already queued does nothing.
//! * **A `JoinHandle`** (through `TaskHost`, `doors.rs`) reads `COMPLETE`, registers its
//!   waker, takes the output (which frees the slot), sets `DETACHED` when dropped early, or
//!   aborts: the operations below (`poll_join`, `detach`, `begin_abort`, `complete`) return
//!   what must be dropped or woken once the borrow ends.
//!
//! No user code (a poll, a `Drop`) ever runs while the store's `RefCell` is borrowed: a
//! poll runs after the borrow ends (its task the core's `current_task`), and a future or
//! output is moved out before it is dropped. That is what lets a task spawn, abort or join
//! other tasks from inside its poll or its destructor.
//!
//! # State
//!
//! | flag       | set by                         | cleared by                 |
//! |------------|--------------------------------|----------------------------|
//! | `QUEUED`   | spawn, wake                    | executor, before a poll    |
//! | `RUNNING`  | an abort, around the cancel    | completion, after it       |
//! | `COMPLETE` | executor (ready, panic, abort) | never (slot is removed)    |
//! | `DETACHED` | `JoinHandle` drop              | never                      |
//!
//! `RUNNING` marks a task whose future is out of its slot, being cancelled. The task being
//! polled is not marked in its slot: it is the runtime core's `current_task`, and an abort
//! of it is deferred to the end of its poll there.
//!
//! A slot is removed when it is `COMPLETE` and either `DETACHED` or its output was taken.
//!
//! The store and the queue sit behind one `RefCell` in the runtime core, so a wake costs one
//! borrow, one slab index and (at most) one `VecDeque::push_back`: no atomics, no syscall.

use std::collections::VecDeque;
use std::panic::Location;
use std::task::Waker;

use slab::Slab;

use super::id::Id;
use super::task_arena::TaskBox;
use super::task_context::TaskContext;
use crate::debug::TaskInfo;

/// Bits of a generation that fit in a waker (see `waker.rs`): 28, so a generation comes
/// back only after 2^28 (~268 million) spawns on runtimes of the same tag.
pub(crate) const GENERATION_MASK: u32 = (1 << 28) - 1;

/// Bits of a slab key that fit in a waker: 24.
pub(crate) const KEY_BITS: u32 = 24;

/// Slab key reserved for the future passed to `block_on` (it is not stored in the slab); the
/// largest key a waker can carry, so live tasks use keys below it (16,777,215 at once).
pub(crate) const MAIN_KEY: u32 = (1 << KEY_BITS) - 1;

/// Address of a task: slab key plus the generation of that key when the task was spawned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TaskId {
    pub(crate) key: u32,
    pub(crate) generation: u32,
}

impl TaskId {
    /// Whether this id names a `block_on` future (of this or of an earlier call; the
    /// generation tells which).
    pub(crate) fn is_main(self) -> bool {
        self.key == MAIN_KEY
    }
}

pub(crate) const QUEUED: u8 = 1;
pub(crate) const RUNNING: u8 = 1 << 1;
pub(crate) const COMPLETE: u8 = 1 << 2;
pub(crate) const DETACHED: u8 = 1 << 3;

/// One task: its future (or output), its join waker and what debugging needs.
pub(crate) struct Slot {
    /// `None` only while the executor completes or cancels it, or after the output was
    /// taken.
    pub(crate) task: Option<TaskBox>,
    pub(crate) join_waker: Option<Waker>,
    pub(crate) generation: u32,
    pub(crate) state: u8,
    pub(crate) polls: u32,
    /// When it was spawned, in milliseconds since the runtime was created, by the loop's
    /// clock (read at spawn in debug mode, else the loop's last reading: within a turn).
    pub(crate) spawned_ms: u32,
    /// What the task last waited on, when known.
    pub(crate) wait: u64,
    pub(crate) meta: TaskMeta,
}

/// What a task is, for people: its id, name and where it was spawned; and its context
/// variables.
pub(crate) struct TaskMeta {
    pub(crate) id: u64,
    /// Boxed so that unnamed tasks without context variables (the common case) keep the
    /// slot small.
    pub(crate) extra: Option<Box<TaskExtra>>,
    pub(crate) location: &'static Location<'static>,
}

/// The rarer parts of a task's description.
pub(crate) struct TaskExtra {
    pub(crate) name: Option<Box<str>>,
    /// Its context variables (`task_context.rs`); `None`: none set.
    pub(crate) context: Option<TaskContext>,
}

impl TaskMeta {
    /// The description of a new task; allocates only for a name. (Context variables are
    /// added by `Core::inherit_context`.)
    #[inline(always)]
    pub(crate) fn new(
        id: u64,
        name: Option<Box<str>>,
        location: &'static Location<'static>,
    ) -> TaskMeta {
        TaskMeta {
            id,
            extra: name.map(|name| {
                Box::new(TaskExtra {
                    name: Some(name),
                    context: None,
                })
            }),
            location,
        }
    }

    /// Its name, if it was spawned with one.
    pub(crate) fn name(&self) -> Option<&str> {
        self.extra.as_ref()?.name.as_deref()
    }

    /// The public description of this task.
    pub(crate) fn info(&self) -> TaskInfo {
        TaskInfo {
            id: Some(Id::new(self.id)),
            name: self.name().map(str::to_owned),
            location: self.location,
        }
    }
}

impl Slot {
    pub(crate) fn has(&self, flag: u8) -> bool {
        self.state & flag != 0
    }
}

/// What [`TaskStore::poll_join`] found.
pub(crate) enum Join {
    /// The task completed and its slot was removed: its finished task (the output is in
    /// it), and its name and context variables, to drop outside the borrow. (Not the whole
    /// slot: the rest is plain data, and moving it out cost a copy per join.)
    Finished(Option<TaskBox>, Option<Box<TaskExtra>>),
    /// The slot is gone: the runtime dropped the task while it was pending.
    Gone,
    /// Still running; the waker it replaced, to drop outside the borrow.
    Pending(Option<Waker>),
}

/// What [`TaskStore::detach`] found.
pub(crate) enum Detached {
    /// It had completed: its slot, removed, to drop outside the borrow.
    Finished(Slot),
    /// It runs on; the join waker it no longer needs, to drop outside the borrow.
    Running(Option<Waker>),
    /// Already gone.
    Gone,
}

/// What [`TaskStore::complete`] hands back, to act on after the borrow ends.
#[must_use = "wake the joiner and drop the detached task outside the borrow"]
pub(crate) enum Completed {
    /// The output is stored in the slot for the `JoinHandle`; its waker, to wake.
    Stored(Option<Waker>),
    /// Nobody will join it (its `JoinHandle` was dropped, which also dropped the join
    /// waker): its removed slot and finished task, to drop.
    Detached(Option<Slot>, TaskBox),
}

/// Queues `id` at the back of `queue`. The growth of the queue is a call out of line, so
/// that a wake (which inlines this) calls nothing on its common path and keeps few
/// registers live (callgrind: 6 instructions less per wake than `push_back` inline).
#[inline(always)]
fn push_task(queue: &mut VecDeque<TaskId>, id: TaskId) {
    if queue.len() == queue.capacity() {
        return grow_and_push(queue, id);
    }
    queue.push_back(id);
}

/// `push_task` when `queue` is full: grows it, then queues `id`.
#[cold]
#[inline(never)]
fn grow_and_push(queue: &mut VecDeque<TaskId>, id: TaskId) {
    queue.push_back(id);
}

/// The slab of tasks and the FIFO of task ids ready to run.
pub(crate) struct TaskStore {
    slots: Slab<Slot>,
    /// Spawn counter (masked): the next task's (or `block_on` future's) generation. One
    /// counter for all keys rather than one per key saves a memory access per spawn and
    /// removal. It starts where the previous runtime with the same tag left off (the
    /// registry keeps it, see `runtime/shared.rs`), so an address (tag, key, generation)
    /// names one task of one runtime until 2^28 more spawns on that tag: a waker that
    /// outlives its task, or its runtime, wakes nothing for that long. Only a waker kept
    /// across 2^28 spawns can meet its generation again, and then wakes (once per wake) the
    /// task that holds the same key and generation at that moment: a spurious poll, which
    /// the `Future` contract allows.
    next_generation: u32,
    run_queue: VecDeque<TaskId>,
    /// Tasks woken by a timer: they run before `run_queue`, in the order their timers fired.
    urgent: VecDeque<TaskId>,
    /// While set, `schedule` queues on `urgent`.
    urgent_mode: bool,
    next_id: u64,
    /// Polls of the tasks already removed (live ones count their own).
    retired_polls: u64,
    /// Debug mode only: nanoseconds spent in polls, by slab key (kept out of `Slot` so that
    /// debug-off spawns do not pay for it). Reset when a key is reused.
    busy_nanos: Vec<u64>,
}

impl TaskStore {
    /// An empty store whose first generation is `generation` (the tag's saved counter).
    pub(crate) fn new(generation: u32) -> Self {
        TaskStore {
            slots: Slab::new(),
            next_generation: generation & GENERATION_MASK,
            run_queue: VecDeque::new(),
            urgent: VecDeque::new(),
            urgent_mode: false,
            next_id: 0,
            retired_polls: 0,
            busy_nanos: Vec::new(),
        }
    }

    /// Takes a generation from the spawn counter (each `block_on` future gets its own).
    pub(crate) fn take_generation(&mut self) -> u32 {
        let generation = self.next_generation;
        self.next_generation = (generation + 1) & GENERATION_MASK;
        generation
    }

    /// The generation the next spawn would get (saved for the tag's next runtime).
    pub(crate) fn next_generation(&self) -> u32 {
        self.next_generation
    }

    /// Stores a new task, already queued to run, and returns its address.
    pub(crate) fn insert(&mut self, task: TaskBox, meta: TaskMeta, spawned_ms: u32) -> TaskId {
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
            spawned_ms,
            wait: 0,
            meta,
        });
        let id = TaskId {
            key: key as u32,
            generation,
        };
        push_task(&mut self.run_queue, id);
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
        let slot = self.slots.remove(id.key as usize);
        self.retired_polls += u64::from(slot.polls);
        Some(slot)
    }

    /// Whether the task at `id` has completed (or is gone).
    pub(crate) fn is_finished(&self, id: TaskId) -> bool {
        self.get(id).is_none_or(|slot| slot.has(COMPLETE))
    }

    /// A poll of a `JoinHandle`: takes the finished task's slot out, or stores `waker` to be
    /// woken when it completes.
    ///
    /// The slot must also carry the handle's `public_id`, not only its generation: the
    /// 28-bit generation can come round again (after 2^28 spawns, e.g. by destructors once
    /// shutdown freed the slots of live handles), the 64-bit public id never does, and the
    /// caller reads the output as the handle's type on the strength of this match.
    pub(crate) fn poll_join(&mut self, id: TaskId, public_id: u64, waker: &Waker) -> Join {
        let Some(slot) = self.get_mut(id).filter(|slot| slot.meta.id == public_id) else {
            return Join::Gone;
        };
        if slot.has(COMPLETE) {
            let slot = self.remove(id).expect("slot checked above");
            // Complete, so its join waker was taken (`complete`): the rest is plain data.
            debug_assert!(slot.join_waker.is_none());
            return Join::Finished(slot.task, slot.meta.extra);
        }
        match &slot.join_waker {
            Some(stored) if stored.will_wake(waker) => Join::Pending(None),
            _ => Join::Pending(slot.join_waker.replace(super::waker::clone_waker(waker))),
        }
    }

    /// Makes the task's completion wake `waker`: `Ok` with the waker replaced (to drop
    /// outside the borrow), or `Err(())` if it has completed or is gone.
    pub(crate) fn watch_join(&mut self, id: TaskId, waker: &Waker) -> Result<Option<Waker>, ()> {
        match self.get_mut(id) {
            Some(slot) if !slot.has(COMPLETE) => Ok(slot.join_waker.replace(waker.clone())),
            _ => Err(()),
        }
    }

    /// A `JoinHandle` dropped before it returned: a completed task's slot is removed and
    /// returned (its output, or panic, is dropped by the caller outside the borrow); a
    /// running one is marked `DETACHED` (it is removed when it completes) and its join waker
    /// is returned to drop.
    pub(crate) fn detach(&mut self, id: TaskId) -> Detached {
        let Some(slot) = self.get_mut(id) else {
            return Detached::Gone;
        };
        if slot.has(COMPLETE) {
            return Detached::Finished(self.remove(id).expect("slot checked above"));
        }
        slot.state |= DETACHED;
        Detached::Running(slot.join_waker.take())
    }

    /// First half of an abort of a task that is not being polled (the executor handles
    /// that one, see `Core::abort`): takes the future out (the slot marked `RUNNING`, to be
    /// cancelled by the caller outside the borrow and then [`complete`](Self::complete)d);
    /// a task already being cancelled is left to that cancel.
    pub(crate) fn begin_abort(&mut self, id: TaskId) -> Option<TaskBox> {
        let slot = self.get_mut(id)?;
        if slot.has(COMPLETE | RUNNING) {
            return None;
        }
        slot.state |= RUNNING;
        Some(slot.task.take().expect("an idle task owns its future"))
    }

    /// Marks a task complete with its finished `task` (output, panic or cancellation). A
    /// detached task's slot is removed and returned with it, for the caller to drop (and
    /// report an unobserved panic) outside the borrow; otherwise the joiner's waker is
    /// returned to wake.
    #[inline]
    pub(crate) fn complete(&mut self, id: TaskId, task: TaskBox) -> Completed {
        let slot = self.get_mut(id).expect("a completing task keeps its slot");
        slot.state = (slot.state & !RUNNING) | COMPLETE;
        if !slot.has(DETACHED) {
            slot.task = Some(task);
            return Completed::Stored(slot.join_waker.take());
        }
        // Detaching took the join waker, and nothing watches a detached task.
        debug_assert!(slot.join_waker.is_none());
        // Built in place, variant by variant: a struct of both outcomes cost a copy of the
        // whole slot's worth of bytes per completion (callgrind).
        Completed::Detached(self.remove(id), task)
    }

    /// Queues the task for a poll unless it is queued, complete or gone. Returns whether it
    /// was queued now.
    pub(crate) fn schedule(&mut self, id: TaskId) -> bool {
        match self.get_mut(id) {
            Some(slot) if slot.state & (QUEUED | COMPLETE) == 0 => {
                slot.state |= QUEUED;
                let queue = if self.urgent_mode {
                    &mut self.urgent
                } else {
                    &mut self.run_queue
                };
                push_task(queue, id);
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

    /// Moves the queued task at index `pick(len)` (below `len`) of the urgent queue followed
    /// by the ordinary one to the front, where `pop` takes it next: the seeded order. The
    /// front task takes the picked one's place (order means nothing in a seeded loop).
    pub(crate) fn move_to_front(&mut self, pick: impl FnOnce(usize) -> usize) {
        let len = self.urgent.len() + self.run_queue.len();
        if len == 0 {
            return;
        }
        let index = pick(len).min(len - 1);
        let picked = match index.checked_sub(self.urgent.len()) {
            None => self.urgent.swap_remove_front(index),
            Some(index) => self.run_queue.swap_remove_front(index),
        };
        if let Some(picked) = picked {
            self.urgent.push_front(picked);
        }
    }

    /// Queues `id` at the back without checking its slot (the `block_on` future's id).
    pub(crate) fn push_back(&mut self, id: TaskId) {
        push_task(&mut self.run_queue, id);
    }

    /// Whether no task is waiting to be polled.
    pub(crate) fn is_idle(&self) -> bool {
        self.run_queue.is_empty() && self.urgent.is_empty()
    }

    /// The live slots, in key order (for introspection).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Slot> {
        self.slots.iter().map(|(_, slot)| slot)
    }

    /// The live slots with their keys.
    pub(crate) fn iter_keyed(&self) -> impl Iterator<Item = (usize, &Slot)> {
        self.slots.iter()
    }

    /// Debug mode: adds `nanos` to the busy time of task `id`.
    pub(crate) fn add_busy(&mut self, id: TaskId, nanos: u64) {
        let key = id.key as usize;
        if self.busy_nanos.len() <= key {
            self.busy_nanos.resize(key + 1, 0);
        }
        self.busy_nanos[key] = self.busy_nanos[key].saturating_add(nanos);
    }

    /// Debug mode: time spent in the polls of the task at `key`.
    pub(crate) fn busy(&self, key: usize) -> u64 {
        self.busy_nanos.get(key).copied().unwrap_or(0)
    }

    /// Debug mode: forgets the busy time of a key about to be reused.
    pub(crate) fn reset_busy(&mut self, key: usize) {
        if let Some(busy) = self.busy_nanos.get_mut(key) {
            *busy = 0;
        }
    }

    /// Polls of every task so far.
    pub(crate) fn polls(&self) -> u64 {
        self.retired_polls + self.iter().map(|slot| u64::from(slot.polls)).sum::<u64>()
    }

    /// Number of tasks ever spawned.
    pub(crate) fn spawned(&self) -> u64 {
        self.next_id
    }

    /// Number of tasks waiting to be polled.
    pub(crate) fn queued(&self) -> usize {
        self.run_queue.len() + self.urgent.len()
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
            let slot = self.slots.remove(key);
            self.retired_polls += u64::from(slot.polls);
            out.push(slot);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every spawn writes a slot: keep it at 80 bytes (debug-off cost, see issue 5).
    #[test]
    fn slot_stays_small() {
        assert!(std::mem::size_of::<Slot>() <= 80);
    }

    /// A join whose public id does not match the slot's finds nothing, even with the right
    /// key and generation (a generation that came round again): its output is never read
    /// as the wrong type.
    #[test]
    fn a_join_must_match_the_public_id() {
        let mut store = TaskStore::new(0);
        let arena = super::super::task_arena::TaskArena::new();
        let task = TaskBox::new(&arena, super::super::cell::TaskCell::new(async { 7_u8 }));
        let public = store.next_public_id();
        let id = store.insert(task, TaskMeta::new(public, None, Location::caller()), 0);
        let waker = std::task::Waker::noop();
        assert!(matches!(store.poll_join(id, public + 1, waker), Join::Gone));
        assert!(matches!(
            store.poll_join(id, public, waker),
            Join::Pending(_)
        ));
    }
}
