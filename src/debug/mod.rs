//! Debug mode and introspection: asyncio's `debug=True`, and a task list you can read when
//! the loop hangs.
//!
//! # Debug mode
//!
//! Off by default; on with [`Builder::debug`](crate::runtime::Builder::debug) or the
//! environment variable `EVLOOP_DEBUG=1`. In debug mode the runtime reports, as
//! [`DebugEvent`]s:
//!
//! * **slow polls**: a poll that took longer than
//!   [`slow_poll_threshold`](crate::runtime::Builder::slow_poll_threshold) (100 ms by
//!   default, asyncio's `slow_callback_duration`), naming the task and where it was spawned;
//! * **tasks pending at shutdown**, before they are dropped ("Task was destroyed but it is
//!   pending!");
//! * **unobserved panics**: a task panicked and its `JoinHandle` was dropped without looking
//!   ("Task exception was never retrieved");
//! * **misuse**: a `Sleep` polled on another runtime than the one it was armed on, a storm
//!   of cross-thread wakes.
//!
//! Each event goes to the sink set with
//! [`on_debug_event`](crate::runtime::Builder::on_debug_event), if any. With the `tracing`
//! feature and a `tracing` subscriber installed, it also goes out as one structured
//! `tracing` event (target `evloop`, level WARN; fields `task.id`, `task.name`,
//! `task.spawned_at`, `duration_us`, ...; message `"slow poll"`, `"task destroyed while
//! pending"`, `"panic never retrieved"`, `"misuse"`). Only when neither took it is it
//! printed to stderr, as one line starting with `evloop:`. With the feature,
//! `Builder::trace_polls(true)` also runs each task poll inside a `poll` span (level
//! TRACE) carrying the task's id, name and spawn site.
//!
//! # Introspection
//!
//! Always available: [`tasks`] (a snapshot of every live task), [`dump`] (the same as a
//! table), [`metrics`] and [`crate::task::current_info`]. What costs a clock read per poll
//! (each task's busy time, slow-poll detection) is measured in debug mode only.
//!
//! # Cost
//!
//! With debug mode off, the bookkeeping is a few counter updates per poll and one `Cell`
//! per wait; the clock is read only where the loop already reads it.

mod event;
mod metrics;
mod snapshot;
#[cfg(feature = "tracing")]
pub(crate) mod trace;
mod wait;

pub use event::{DebugEvent, TaskInfo, UnhandledPanic, UnhandledPanicInfo};
pub use metrics::{RuntimeMetrics, metrics};
pub use snapshot::{TaskSnapshot, TaskState, dump, format_table, tasks};
pub use wait::Wait;
