//! Runtime counters.

use std::time::Duration;

/// Counters of one runtime, read with [`metrics`] on the loop's thread.
///
/// # Examples
///
/// ```
/// let rt = evloop::Runtime::new().unwrap();
/// let m = rt.block_on(async {
///     evloop::spawn(async {}).await.unwrap();
///     evloop::debug::metrics()
/// });
/// assert_eq!(m.tasks_spawned, 1);
/// assert_eq!(m.tasks_alive, 0);
/// assert!(m.polls >= 1);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuntimeMetrics {
    /// Tasks spawned since the runtime was created.
    pub tasks_spawned: u64,
    /// Tasks alive now (pending, or finished with their output not yet taken).
    pub tasks_alive: u64,
    /// Task polls so far (not counting the `block_on` future).
    pub polls: u64,
    /// Tasks waiting in the run queue now.
    pub run_queue_depth: u64,
    /// Times the loop polled the reactor (`epoll_wait`).
    pub reactor_turns: u64,
    /// I/O events the reactor delivered.
    pub reactor_events: u64,
    /// Timers armed now.
    pub timers_armed: u64,
    /// Wakes and spawns received from other threads.
    pub remote_events: u64,
    /// Wakes and spawns from other threads waiting for the loop now. A task is queued at
    /// most once however often it is woken, so wakes alone keep this at most the number of
    /// tasks.
    pub remote_queued: u64,
    /// The most wakes and spawns from other threads that ever waited at once.
    pub remote_queue_peak: u64,
    /// Time spent blocked waiting for I/O or timers.
    pub time_parked: Duration,
    /// Time since the runtime was created, minus `time_parked`: running tasks and the loop.
    pub time_busy: Duration,
}

/// The counters of the current runtime.
///
/// # Panics
///
/// Panics outside a runtime (from the thread that owns an idle one:
/// `runtime.block_on(async { evloop::debug::metrics() })`).
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let before = evloop::debug::metrics().tasks_spawned;
///     evloop::spawn(async {}).await.unwrap();
///     assert_eq!(evloop::debug::metrics().tasks_spawned, before + 1);
/// });
/// ```
#[track_caller]
pub fn metrics() -> RuntimeMetrics {
    match crate::runtime::current_metrics() {
        Some(metrics) => metrics,
        None => panic!("evloop::debug::metrics: {}", crate::runtime::NO_RUNTIME),
    }
}
