//! The executor half of `Core`: spawning a task, polling it, completing or aborting it,
//! and waking it on this thread. (`core.rs` holds `Core` itself and the loop turn that calls
//! these; `store.rs` the slots they act on.)
//!
//! # Ground rules
//!
//! * A task is polled where it lies, in its arena cell, as the core's `current_task`: its
//!   `TaskBox` stays in its slot, and nothing moves or drops it during the poll (an abort of
//!   it is deferred to the poll's end, see `poll_task`).
//! * No user code runs while the store is borrowed: a poll runs after the borrow ends, and a
//!   finished future, an output or a waker is moved out before it is dropped or woken
//!   (`after_complete`, `drop_detached`).
//! * A poll that returns `Pending` without noting a wait touches the store only before it
//!   (`finish_poll`): the common pending poll costs one slot lookup.

use std::future::Future;
use std::panic::Location;
use std::task::{Context, Waker};
use std::time::Instant;

use super::cell::TaskCell;
use super::core::Core;
use super::id::Id;
use super::store::{COMPLETE, Completed, QUEUED, RUNNING, TaskId, TaskMeta, TaskStore};
use super::task_arena::{RunningTask, TaskBox};
use super::waker::task_waker;

/// Ready `JoinHandle`s one poll may consume before it must yield.
pub(super) const POLL_BUDGET: u32 = 128;

impl Core {
    /// Polls one task (if it is still there and not complete), then records the outcome.
    ///
    /// The task is polled where it lies, in its cell, as `current_task`: the slot keeps its
    /// `TaskBox` and nothing else moves or drops it meanwhile (`abort` of the current task
    /// only raises `abort_current`, `poll_join` and `detach` remove only completed slots,
    /// and the store is drained only at shutdown, never during a poll). So a poll that
    /// returns `Pending` needs the slot again only to record what the task now waits on.
    /// Only a finished or aborted task is taken out, to complete it.
    pub(super) fn poll_task(&self, id: TaskId) {
        let task = {
            let mut store = self.tasks.borrow_mut();
            let Some(slot) = store.get_mut(id) else {
                return; // stale id: the task finished and its slot was freed
            };
            slot.state &= !QUEUED;
            // Aborted while queued, or being cancelled right now (`RUNNING`, set by
            // `begin_abort` while the future is dropped outside the borrow).
            if slot.has(COMPLETE | RUNNING) {
                return;
            }
            slot.polls = slot.polls.saturating_add(1);
            // Never two polls of one task at once: only a re-entered loop could try, and
            // `block_on` cannot be re-entered.
            debug_assert!(self.current_task.get().is_none(), "a poll inside a poll");
            slot.task
                .as_ref()
                .expect("an idle task owns its future")
                .running()
        };
        // From here until the outcome is recorded, the task is the current one: an abort of
        // it (even from user code around the poll, such as a tracing subscriber or a debug
        // sink in the observed path) waits for `finish_poll`.
        self.current_task.set(Some(id));
        self.abort_current.set(false);
        if self.config.observe_polls {
            return self.poll_task_observed(id, task);
        }
        let ready = self.run_poll(id, task);
        self.current_task.set(None);
        self.finish_poll(id, ready);
    }

    /// `poll_task` in debug mode (times the poll: busy time, slow-poll reports) or with
    /// poll spans (feature `tracing`). Kept out of line so that the plain path stays as
    /// short as it was.
    #[cold]
    #[inline(never)]
    fn poll_task_observed(&self, id: TaskId, task: RunningTask) {
        #[cfg(feature = "tracing")]
        let span = self.config.trace_polls.then(|| {
            let store = self.tasks.borrow();
            let meta = &store.get(id).expect("a running task keeps its slot").meta;
            crate::debug::trace::poll_span(meta.id, meta.name(), meta.location)
        });
        #[cfg(feature = "tracing")]
        let _entered = span.as_ref().map(tracing::Span::enter);
        let start = self.config.debug.then(Instant::now);
        let ready = self.run_poll(id, task);
        if let Some(start) = start {
            self.record_busy(id, start.elapsed());
        }
        #[cfg(feature = "tracing")]
        drop(_entered);
        self.current_task.set(None);
        self.finish_poll(id, ready);
    }

    /// Polls the current task in its cell, with its waker and budget; true when it
    /// finished.
    #[inline(always)]
    fn run_poll(&self, id: TaskId, task: RunningTask) -> bool {
        self.wait_note.set(0);
        self.budget.set(POLL_BUDGET);
        // Not dropped: an evloop waker holds nothing to release (`waker.rs`), and skipping
        // its drop skips an indirect call per poll.
        let waker = std::mem::ManuallyDrop::new(task_waker(self.tag, id));
        // The task is `current_task` for the call (see `poll_task`): nothing else reaches
        // it meanwhile, and its cell stays where it is.
        // SAFETY: `task` is the running task of slot `id`, alive and untouched by others.
        unsafe { task.poll(&mut Context::from_waker(&waker)) }.is_ready()
    }

    /// Ends a poll: the task stays in its slot (with what it now waits on, if it noted a
    /// wait), or is completed (output ready, or aborted during its poll).
    #[inline(always)]
    fn finish_poll(&self, id: TaskId, ready: bool) {
        let note = self.wait_note.get();
        let aborted = self.abort_current.get();
        if !ready && !aborted && note == 0 {
            return; // the common pending poll: nothing to record
        }
        let mut store = self.tasks.borrow_mut();
        let slot = store.get_mut(id).expect("a polled task keeps its slot");
        if note != 0 {
            slot.wait = note;
        }
        if !ready {
            if aborted {
                // Aborted during its poll, no longer current: the ordinary abort now.
                drop(store);
                self.abort(id);
            }
            return;
        }
        let task = slot.task.take().expect("a polled task keeps its future");
        self.complete(store, id, task);
    }

    /// Marks a task complete, stores (or drops, if detached) its output and wakes its joiner.
    #[inline]
    fn complete(&self, mut store: std::cell::RefMut<'_, TaskStore>, id: TaskId, task: TaskBox) {
        let completed = store.complete(id, task);
        drop(store);
        self.after_complete(completed);
    }

    /// The part of completing a task that runs user code (drops) or wakes: after the
    /// store's borrow ended.
    #[inline]
    fn after_complete(&self, completed: Completed) {
        match completed {
            Completed::Stored(Some(joiner)) => joiner.wake(),
            Completed::Stored(None) => {}
            Completed::Detached(slot, task) => self.drop_detached(slot, task),
        }
    }

    /// Drops a finished detached task and its slot, reporting a panic in it: nobody will
    /// read its output, so a panic there is an unobserved panic.
    #[inline(never)]
    fn drop_detached(&self, slot: Option<super::store::Slot>, mut task: TaskBox) {
        if let Some(payload) = task.as_mut().take_panic() {
            if let Some(slot) = &slot {
                self.unobserved_panic(&slot.meta, payload);
            }
        }
        drop(task); // the output of a detached task, dropped outside the borrow
        drop(slot);
    }

    /// Cancels a task: drops its future now, or after its current poll if it is running.
    pub(super) fn abort(&self, id: TaskId) {
        if self.current_task.get() == Some(id) {
            // It is being polled: its poll's end cancels it (`finish_poll`).
            self.abort_current.set(true);
            return;
        }
        let Some(mut task) = self.tasks.borrow_mut().begin_abort(id) else {
            return;
        };
        task.as_mut().cancel();
        self.complete(self.tasks.borrow_mut(), id, task);
    }

    /// Stores a new task, queued to run, and returns its address and public id.
    #[inline]
    pub(super) fn spawn<F>(
        &self,
        future: F,
        name: Option<Box<str>>,
        location: &'static Location<'static>,
    ) -> (TaskId, Id)
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let task = TaskBox::new(&self.arena, TaskCell::new(future));
        let mut store = self.tasks.borrow_mut();
        let public = store.next_public_id();
        if self.config.debug {
            self.clock.now(); // a fresh reading: spawn times to the millisecond
        }
        let spawned_ms = self.clock.ms();
        let meta = TaskMeta::new(public, name, location);
        let id = store.insert(task, meta, spawned_ms);
        if self.config.debug {
            store.reset_busy(id.key as usize);
        }
        // The child's context variables: a copy of the spawner's (`task_context.rs`), looked
        // up only once some variable was set on this runtime.
        if self.contexts_used.get() {
            drop(store);
            self.inherit_context(id);
        }
        (id, Id::new(public))
    }

    /// Takes one unit of the current poll's cooperative budget; `false` when it is spent, in
    /// which case the caller must return `Pending` after waking its task. This bounds how
    /// long one poll can run by consuming already-finished work (a loop over thousands of
    /// finished `JoinHandle`s, a channel that never runs dry, a socket that always has
    /// bytes), so timers and other tasks are not held up behind it.
    pub(super) fn consume_budget(&self) -> bool {
        let left = self.budget.get();
        if left == 0 {
            return false;
        }
        self.budget.set(left - 1);
        true
    }

    /// Same-thread wake: queue the task (or flag the `block_on` future).
    pub(super) fn wake_local(&self, id: TaskId) {
        if id.is_main() {
            // Only the current `block_on` future's id; a stale one (same key, earlier
            // generation) wakes nothing.
            if id == self.main_id.get() && !self.main_woken.replace(true) {
                self.tasks.borrow_mut().push_back(id);
            }
        } else {
            self.tasks.borrow_mut().schedule(id);
        }
    }

    /// Wakes a waker handed back by the reactor or the timer wheel: one of this runtime's
    /// tasks is queued directly (`waker::local_task`), any other waker is woken.
    #[inline]
    pub(super) fn wake_collected(&self, waker: Waker) {
        match super::waker::local_task(&waker, self.tag) {
            Some(id) => {
                // An evloop waker's drop releases nothing (`waker.rs`): skip its call.
                std::mem::forget(waker);
                self.wake_local(id);
            }
            None => waker.wake(),
        }
    }
}
