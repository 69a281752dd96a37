//! Tasks: how a spawned future is stored, woken, polled and joined.
//!
//! # Ground rules
//!
//! A task lives in one `Slot` of the runtime's `TaskStore` (`store.rs`), a
//! `slab::Slab` addressed by a `TaskId` = slab key + generation. The generation
//! changes every time a key is reused, so a stale id (in an old waker or a `JoinHandle` of a
//! task that is gone) never reaches the slot's next occupant.
//!
//! Who touches a slot, and when:
//!
//! * **The executor** (`runtime`) pops ids from the run queue, takes the task's boxed future
//!   *out* of its slot, polls it with no borrow of the store held, and puts it back. While it
//!   is out, the slot is marked `RUNNING`.
//! * **A waker** (`waker.rs`) only sets `QUEUED` and pushes the id on the run queue, and only
//!   if the task is neither queued nor complete. Waking a finished task, a stale id or a task
//!   already queued does nothing.
//! * **A [`JoinHandle`]** reads `COMPLETE`, registers its waker, takes the output (which
//!   frees the slot), sets `DETACHED` when dropped early, or aborts.
//!
//! No user code (a poll, a `Drop`) ever runs while the store's `RefCell` is borrowed: the
//! future or output is always moved out first. That is what lets a task spawn, abort or
//! join other tasks from inside its poll or its destructor.
//!
//! # State
//!
//! | flag       | set by                         | cleared by                 |
//! |------------|--------------------------------|----------------------------|
//! | `QUEUED`   | spawn, wake                    | executor, before a poll    |
//! | `RUNNING`  | executor, around a poll/cancel | executor, after it         |
//! | `COMPLETE` | executor (ready, panic, abort) | never (slot is removed)    |
//! | `DETACHED` | `JoinHandle` drop              | never                      |
//! | `ABORT`    | `abort()` on a running task    | executor, when it cancels  |
//!
//! A slot is removed when it is `COMPLETE` and either `DETACHED` or its output was taken.

mod builder;
mod cell;
mod id;
mod join_handle;
pub(crate) mod store;
pub(crate) mod waker;
mod yield_now;

pub use builder::Builder;
pub use id::{Id, current, current_info, try_current};
pub use join_handle::{JoinError, JoinHandle};
pub use yield_now::{YieldNow, yield_now};

pub(crate) use cell::{RawTask, TaskCell};
pub(crate) use join_handle::panic_message;
