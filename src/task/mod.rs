//! Tasks, as their users see them: [`spawn`] and [`spawn_named`] (asyncio's
//! `create_task`), the [`JoinHandle`] to await, abort or detach a task, [`JoinError`], the
//! task [`Id`] and [`current`], [`yield_now`], and [`ContextVar`] (asyncio's
//! `contextvars`: values that follow a task into the tasks it spawns).
//!
//! How a task is stored, woken and polled is the runtime's business (`runtime/store.rs`
//! has the ground rules and the state table); this module reaches it only through the
//! runtime's doors (`TaskHost`), and the runtime never depends on this module.

mod context_var;
mod id;
mod join_handle;
mod spawn;
mod yield_now;

pub use crate::runtime::{Id, JoinError};
pub use context_var::{ContextVar, Scoped};
pub use id::{current, current_info, try_current};
pub use join_handle::JoinHandle;
pub use spawn::{spawn, spawn_named};
pub use yield_now::{YieldNow, yield_now};

pub(crate) use spawn::spawn_inner;
