//! The two handles through which other rooms hold on to a runtime: [`TaskHost`] (for a
//! `JoinHandle`) and [`ReactorHandle`] (for an I/O `Registration`).
//!
//! # Design
//!
//! Each wraps the runtime's `Rc<Core>` (so it keeps the runtime's state alive, as the
//! `Rc<Core>` it replaces did, at the same cost) but exposes only the few operations its
//! holder needs, each a short borrow of one of `Core`'s rooms. Whatever must be dropped or
//! woken is handed back by the store or reactor and dropped or woken here, after the borrow
//! ended: no user code runs under a borrow.

use std::io;
use std::panic::Location;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::core::Core;
use super::id::Id;
use super::join_error::JoinError;
use super::store::{Detached, Join, TaskId};
use crate::debug::Wait;
use crate::reactor::ScheduledIo;

/// What a `JoinHandle` may do with the task it names, on the runtime that runs it.
pub(crate) struct TaskHost {
    core: Rc<Core>,
}

/// A task's name and spawn site, and whether it finished (for `Debug`).
pub(crate) struct TaskDescription {
    pub(crate) name: Option<String>,
    pub(crate) location: Option<&'static Location<'static>>,
    pub(crate) finished: bool,
}

impl TaskHost {
    pub(super) fn new(core: Rc<Core>) -> Self {
        TaskHost { core }
    }

    /// Whether the task completed (or is gone).
    pub(crate) fn is_finished(&self, id: TaskId) -> bool {
        self.core.tasks.borrow().is_finished(id)
    }

    /// Cancels the task (now, or after its current poll).
    pub(crate) fn abort(&self, id: TaskId) {
        self.core.abort(id);
    }

    /// Makes the task's completion wake `waker`; true if it has completed already.
    pub(crate) fn watch_completion(&self, id: TaskId, waker: &Waker) -> bool {
        let watched = self.core.tasks.borrow_mut().watch_join(id, waker);
        match watched {
            Ok(replaced) => {
                drop(replaced);
                false
            }
            Err(()) => true,
        }
    }

    /// A poll of a `JoinHandle`: the output once the task completed (a cancellation if the
    /// runtime dropped it), else `Pending` with `cx`'s waker stored. Takes one unit of the
    /// poll's cooperative budget.
    #[inline]
    pub(crate) fn poll_join<T: 'static>(
        &self,
        id: TaskId,
        public_id: Id,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, JoinError>> {
        if !self.core.consume_budget() {
            // This poll has consumed enough finished work: yield, come back next turn.
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let join = self
            .core
            .tasks
            .borrow_mut()
            .poll_join(id, public_id.as_u64(), cx.waker());
        match join {
            Join::Finished(task, extra) => {
                drop(extra);
                let mut output: Option<Result<T, JoinError>> = None;
                if let Some(mut task) = task {
                    // A `JoinHandle<T>` is only made by `spawn` of a future whose output is
                    // `T`, for the id and public id it polls with here, and `poll_join`
                    // matched both (the public id never repeats): this is that task, whose
                    // output type is `T`.
                    // SAFETY: `output` is a live `Option<Result<T, JoinError>>` (above).
                    unsafe { task.as_mut().take_output((&raw mut output).cast()) };
                }
                Poll::Ready(output.unwrap_or_else(|| Err(JoinError::cancelled())))
            }
            Join::Gone => Poll::Ready(Err(JoinError::cancelled())),
            Join::Pending(replaced) => {
                drop(replaced);
                self.core.note_wait(Wait::Task(public_id));
                Poll::Pending
            }
        }
    }

    /// The `JoinHandle` is dropped before it returned: the task runs on detached, or, if it
    /// has completed, its output is dropped (a panic in it is then unobserved).
    pub(crate) fn detach(&self, id: TaskId) {
        let detached = self.core.tasks.borrow_mut().detach(id);
        match detached {
            Detached::Finished(mut slot) => {
                let panic = slot
                    .task
                    .as_mut()
                    .and_then(|task| task.as_mut().take_panic());
                if let Some(payload) = panic {
                    self.core.unobserved_panic(&slot.meta, payload);
                }
            }
            Detached::Running(join_waker) => drop(join_waker),
            Detached::Gone => {}
        }
    }

    /// The task's name, spawn site and state, for `Debug`.
    pub(crate) fn describe(&self, id: TaskId) -> TaskDescription {
        let store = self.core.tasks.borrow();
        let meta = store.get(id).map(|slot| &slot.meta);
        TaskDescription {
            name: meta.and_then(|m| m.name().map(str::to_owned)),
            location: meta.map(|m| m.location),
            finished: store.is_finished(id),
        }
    }
}

/// What an I/O `Registration` may do with the reactor of the runtime it registered with.
pub(crate) struct ReactorHandle {
    core: Rc<Core>,
}

impl ReactorHandle {
    /// The reactor of the runtime running on this thread, if any.
    pub(crate) fn current() -> Option<ReactorHandle> {
        super::context::current_core().map(|core| ReactorHandle { core })
    }

    /// Registers `source` for both directions, edge-triggered; returns its readiness
    /// state, which also holds its slot key and generation.
    pub(crate) fn register(
        &self,
        source: &mut impl mio::event::Source,
    ) -> io::Result<Rc<ScheduledIo>> {
        self.core.reactor.borrow_mut().register(source)
    }

    /// Removes `source` from the reactor and frees its slot; returns its readiness state if
    /// it was still registered.
    pub(crate) fn deregister(
        &self,
        source: &mut impl mio::event::Source,
        io: &Rc<ScheduledIo>,
    ) -> Option<Rc<ScheduledIo>> {
        self.core.reactor.borrow_mut().deregister(source, io)
    }

    /// Frees the slot of a source whose owner did not deregister it.
    pub(crate) fn release(&self, io: &Rc<ScheduledIo>) -> Option<Rc<ScheduledIo>> {
        self.core.reactor.borrow_mut().release(io)
    }

    /// Records what the task being polled waits on (debug snapshots).
    #[inline]
    pub(crate) fn note_wait(&self, wait: Wait) {
        self.core.note_wait(wait);
    }

    /// Takes one unit of the current poll's cooperative budget (see `Core::consume_budget`).
    #[inline]
    pub(crate) fn consume_budget(&self) -> bool {
        self.core.consume_budget()
    }
}
