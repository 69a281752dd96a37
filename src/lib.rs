//! evloop: a single-threaded async runtime shaped after Python's asyncio.
//!
//! One event loop per thread: tasks are polled on the thread that runs the loop, so they
//! need not be `Send`, and everything on top (sleep, timeouts, joins) is cheap and
//! predictable.
//!
//! ```
//! use std::time::{Duration, Instant};
//!
//! async fn greet(name: &str) {
//!     println!("Hello, {name}!");
//!     evloop::sleep(Duration::from_millis(100)).await;
//! }
//!
//! let start = Instant::now();
//! evloop::run(async {
//!     evloop::gather(["Alice", "Bob", "Eve"].map(greet)).await; // ~100 ms, not 300 ms
//! });
//! assert!(start.elapsed() >= Duration::from_millis(100));
//! ```
//!
//! # asyncio ↔ evloop
//!
//! | asyncio | evloop |
//! |---|---|
//! | `asyncio.run(main())` | [`run`]`(main())`; `#[evloop::main]` (feature `macros`) |
//! | event loop object | [`Runtime`] (`new`, `builder`, `block_on`) |
//! | `asyncio.create_task(coro)` | [`spawn`]`(fut) -> `[`JoinHandle`] (`!Send` futures welcome) |
//! | `task.cancel()`, `task.done()` | [`JoinHandle::abort`], [`JoinHandle::is_finished`] |
//! | `await task` | `handle.await -> Result<T, `[`JoinError`]`>` |
//! | `asyncio.sleep(d)` | [`sleep`], [`sleep_until`], [`interval`] |
//! | `asyncio.sleep(0)` | [`yield_now`] |
//! | `asyncio.gather(*aws)` | [`gather`] (same type, input order), [`join!`] (mixed types) |
//! | `gather` failing fast | [`try_gather`], [`try_join!`] |
//! | `asyncio.wait_for(aw, t)` | [`wait_for`]`(t, fut)`, [`wait_until`]`(deadline, fut)` |
//! | `asyncio.wait(..., FIRST_COMPLETED)` | [`select`], [`race`], [`wait_any`] |
//! | `asyncio.as_completed(aws)` | [`as_completed`] |
//! | `asyncio.TaskGroup` | [`TaskGroup`]; [`JoinSet`] for completion order |
//! | `asyncio.shield(aw)` | [`shield`] |
//! | `Event`, `Lock`, `Semaphore`, `Condition`, `Barrier` | [`sync`] |
//! | `Queue`, `PriorityQueue`, `LifoQueue` | [`channel::Queue`], [`channel::PriorityQueue`], [`channel::LifoQueue`] |
//! | `asyncio.run(main(), debug=True)` | `Runtime::builder().debug(true)`, `EVLOOP_DEBUG=1`; see [`debug`] |
//! | `asyncio.to_thread(f)`, `run_in_executor` | [`spawn_blocking`] |
//! | `aiofiles.open(path)`, `os.scandir`, file calls in an executor | [`fs::File`], [`fs::read`], [`fs::read_dir`], ... |
//! | `run_coroutine_threadsafe` | [`Handle::spawn`] |
//! | `loop.add_reader(fd, cb)` | [`io::IoSource`] |
//! | `asyncio.create_subprocess_exec(...)` | [`process::Command`] → [`process::Child`] |
//! | `loop.add_signal_handler(SIGINT, cb)` | `signal::ctrl_c()`, `signal::signal(SignalKind::terminate())` (feature `signal`) |
//!
//! # Layout
//!
//! ```text
//!          ┌──────────── Runtime (one thread) ─────────────┐
//! spawn ──►│ Executor: Slab<Task>  ◄── run queue (ids)      │
//!          │      ▲ poll                 ▲ wake: same thread → push id
//!          │      │                      │       other thread → inject queue + mio::Waker
//!          │ Reactor: mio::Poll ── readiness ──► wakers of I/O sources
//!          │ Timers: hierarchical wheel ──► wakers of Sleep futures
//!          └────────────────────────────────────────────────┘
//! ```
//!
//! * [`runtime`]: `Runtime`, `run`, `Handle`; the loop turn (`runtime/core.rs`), the slab of
//!   tasks and the wakers, behind narrow doors (`runtime/context.rs`, `runtime/doors.rs`).
//! * [`task`]: `spawn`, `JoinHandle`, task ids: the public face of tasks.
//! * `reactor`: `mio::Poll` and per-source readiness; [`io::IoSource`] is its public face.
//! * [`time`]: the timer wheel, `sleep`, `interval`, `wait_for`.
//! * [`join`](mod@join): `gather`, `join!`, `select`, `as_completed`, `TaskGroup`, `JoinSet`.
//! * [`sync`]: `Event`, `Mutex`, `RwLock`, `Semaphore`, `Condvar`, `Barrier`, `Notify`.
//! * [`channel`]: queues and `mpsc`, `oneshot`, `broadcast`, `watch`, `remote` channels.
//! * [`debug`]: debug mode, task snapshots, metrics.
//! * [`process`]: subprocesses with piped standard streams (pidfd or `SIGCHLD` exits).
//! * `signal`: `ctrl_c` and signal streams over a self-pipe (feature `signal`, on by default).
//! * [`fs`]: files and directories, each call on the blocking pool's file lane.
//! * `blocking`: `spawn_blocking` (the pool itself is the runtime's, with lanes for user
//!   jobs, file calls and host name lookups).

#![warn(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unreachable_pub,
    clippy::undocumented_unsafe_blocks
)]
#![doc(test(attr(deny(warnings))))]

mod blocking;
pub mod channel;
pub mod compat;
pub mod debug;
pub mod fs;
pub mod io;
pub mod join;
pub mod net;
pub mod process;
mod reactor;
pub mod runtime;
#[cfg(feature = "signal")]
pub mod signal;
pub mod sync;
pub mod task;
pub mod testing;
pub mod time;

#[cfg(feature = "macros")]
mod macros;
#[cfg(feature = "macros")]
pub use macros::{main, test};

pub use blocking::spawn_blocking;
pub use join::{
    Either, GroupError, JoinSet, TaskGroup, as_completed, gather, race, select, shield, try_gather,
    wait_any,
};
pub use runtime::{
    Handle, LoopContext, LoopPool, PoolError, RemoteJoinHandle, Runtime, run, run_per_core,
};
pub use task::{ContextVar, JoinError, JoinHandle, spawn, spawn_named, yield_now};
pub use time::{
    Interval, MissedTickBehavior, Sleep, TimeoutError, interval, interval_at, sleep, sleep_until,
    wait_for, wait_until,
};
