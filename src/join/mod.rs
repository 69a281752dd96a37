//! Running several futures or tasks together: `gather`, `join!`, `select`, `as_completed`,
//! `wait_any` (futures inside one task), and `TaskGroup`, `JoinSet`, `shield` (tasks).
//!
//! These do not spawn: the futures run inside the task that awaits the combinator, and are
//! dropped with it. [`gather`] gives each child its own waker, so with 10,000 children a
//! wake re-polls only the children that were woken; `join!` (a handful of futures of mixed
//! types) polls its pending futures each time it is woken.

mod as_completed;
mod gather;
mod group;
mod join_set;
mod macros;
mod ready;
mod select;
mod shield;

pub use as_completed::{AsCompleted, WaitAny, as_completed, wait_any};
pub use gather::{Gather, TryGather, gather, try_gather};
pub use group::{GroupClosed, GroupError, GroupSpawner, TaskGroup};
pub use join_set::JoinSet;
pub use select::{Either, race, select};
pub use shield::{Shielded, shield};
