//! The runtime: the event loop and everything only it may touch.
//!
//! # Layout
//!
//! * `api.rs`: the public face: [`Runtime`] (asyncio's loop object) and [`run`].
//! * `builder.rs`: [`Builder`] and the runtime's `Config`.
//! * `core.rs`: `Core`, everything one runtime owns, and the loop turn; `executor.rs`: the
//!   task half of `Core` (spawn, poll, complete, abort, wake).
//! * `store.rs`, `cell.rs`, `id.rs`, `join_error.rs`: the slab of tasks, a task's type-erased
//!   cell, its public [`Id`] and [`JoinError`].
//! * `waker.rs`: the only code that builds a `Waker`.
//! * `shared.rs`, `handle.rs`, `remote_join.rs`, `blocking_pool.rs`: what other threads
//!   touch: the inject queue and registry, [`Handle`], [`RemoteJoinHandle`], the
//!   `spawn_blocking` pool.
//! * `context.rs`: the thread-local current runtime, and the doors (functions) through which
//!   the rest of the crate reaches it; `doors.rs`: the two handles that keep a runtime alive
//!   for others (`TaskHost` for `JoinHandle`, `ReactorHandle` for I/O registrations).
//! * `introspect.rs`: snapshots, metrics and debug-mode reports.
//! * `pool.rs`: [`LoopPool`] and [`run_per_core`]: one loop per thread.
//! * `clock.rs`, `virtual_time.rs`: the loop's clock, and the paused loop's turn
//!   (auto-advance, `advance`); `shuffle.rs`: the seeded scheduling order;
//!   `task_context.rs`: where context variables live, and how a spawn copies them.
//!
//! # Who may call whom
//!
//! ```text
//!   lib.rs (re-exports)
//!      │
//!   task/ (JoinHandle, spawn, current) ─┐   blocking.rs (spawn_blocking) ─┐
//!   time/ (Sleep, wait_for, interval) ──┤   sync/, channel/, join/ ───────┤
//!   net/, io/ ── reactor/ (Registration)┤   debug/ (public reports) ──────┤
//!                                       ▼                                 ▼
//!                  runtime/ doors: context.rs functions, doors.rs handles
//!                                       │
//!                  runtime/core.rs: Core (private fields) ── store, waker, wheel, Reactor
//! ```
//!
//! Nothing outside this module names `Core` or its fields; `task/` and `blocking.rs`
//! depend on the runtime, never the other way round (no import cycle).

mod api;
mod blocking_pool;
mod builder;
mod cell;
mod clock;
mod context;
mod core;
mod doors;
mod executor;
mod handle;
mod id;
mod introspect;
mod join_error;
mod pool;
mod remote_join;
mod shared;
mod shuffle;
mod store;
mod task_arena;
mod task_context;
mod virtual_time;
mod waker;

pub use api::{Runtime, run};
pub use builder::Builder;
pub use handle::{Handle, TryCurrentError};
pub use id::Id;
pub use join_error::JoinError;
pub use pool::{LoopContext, LoopPool, PoolError, run_per_core};
pub use remote_join::RemoteJoinHandle;

pub(crate) use blocking_pool::Lane;
pub(crate) use builder::seed_from_env;
pub(crate) use cell::poll_catching;
pub(crate) use context::*;
pub(crate) use doors::{ReactorHandle, TaskHost};
pub(crate) use join_error::panic_message;
pub(crate) use store::TaskId;
pub(crate) use task_context::{context_get, context_set};
pub(crate) use virtual_time::{Step, advance_clock, loop_now, pause_clock, resume_clock};
pub(crate) use waker::clone_waker;
