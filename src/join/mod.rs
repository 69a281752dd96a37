//! Running several futures concurrently inside one task: `gather`, `join!`, `select`.
//!
//! These do not spawn: the futures run inside the task that awaits the combinator, and are
//! dropped with it. [`gather`] gives each child its own waker, so with 10,000 children a
//! wake re-polls only the children that were woken; `join!` (a handful of futures of mixed
//! types) polls its pending futures each time it is woken.

mod gather;
mod macros;
mod select;

pub use gather::{Gather, TryGather, gather, try_gather};
pub use select::{Either, race, select};
