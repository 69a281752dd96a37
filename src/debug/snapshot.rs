//! Task snapshots and the task table (`dump`).

use std::fmt::Write as _;
use std::panic::Location;
use std::time::{Duration, Instant};

use super::Wait;
use crate::runtime::Id;

/// What a task is doing at the moment of a snapshot.
///
/// # Examples
///
/// ```
/// use evloop::debug::TaskState;
/// evloop::run(async {
///     let _idle = evloop::spawn(std::future::pending::<()>());
///     evloop::yield_now().await;
///     let states: Vec<TaskState> = evloop::debug::tasks().iter().map(|t| t.state).collect();
///     assert_eq!(states, [TaskState::Idle]);
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Being polled right now (the snapshot was taken from inside it).
    Running,
    /// Woken and waiting in the run queue for its turn.
    Scheduled,
    /// Waiting for a wake.
    Idle,
    /// Done; its output waits for its `JoinHandle`.
    Finished,
}

impl TaskState {
    fn as_str(self) -> &'static str {
        match self {
            TaskState::Running => "running",
            TaskState::Scheduled => "scheduled",
            TaskState::Idle => "idle",
            TaskState::Finished => "finished",
        }
    }
}

/// One live task, as seen by [`tasks`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TaskSnapshot {
    /// The task's id.
    pub id: Id,
    /// Its name, if given.
    pub name: Option<String>,
    /// Where it was spawned.
    pub location: &'static Location<'static>,
    /// What it is doing.
    pub state: TaskState,
    /// Time since it was spawned (to within one loop turn).
    pub age: Duration,
    /// How many times it was polled.
    pub polls: u64,
    /// Total time spent in its polls; measured in debug mode only (`None` otherwise).
    pub busy: Option<Duration>,
    /// What it last waited on, when known (timers, I/O readiness, other tasks); recorded
    /// when the wait was registered.
    pub waiting_on: Option<Wait>,
}

/// A snapshot of every live task of the current runtime (asyncio's `all_tasks()`), in
/// spawn order.
///
/// # Panics
///
/// Panics outside a runtime (from the thread that owns an idle one:
/// `runtime.block_on(async { evloop::debug::tasks() })`).
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     evloop::spawn_named("looper", std::future::pending::<()>());
///     let tasks = evloop::debug::tasks();
///     assert_eq!(tasks.len(), 1);
///     assert_eq!(tasks[0].name.as_deref(), Some("looper"));
/// });
/// ```
#[doc(alias = "all_tasks")]
#[track_caller]
pub fn tasks() -> Vec<TaskSnapshot> {
    match crate::runtime::current_snapshot() {
        Some(tasks) => tasks,
        None => panic!("evloop::debug::tasks: {}", crate::runtime::NO_RUNTIME),
    }
}

/// The task list of the current runtime as a table, one line per task: what to print when
/// a loop seems stuck.
///
/// # Panics
///
/// Panics outside a runtime, as [`tasks`] does.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     evloop::spawn_named("stuck", std::future::pending::<()>());
///     evloop::yield_now().await;
///     let table = evloop::debug::dump();
///     assert!(table.contains("stuck"));
///     assert!(table.contains("idle"));
/// });
/// ```
#[track_caller]
pub fn dump() -> String {
    format_table(&tasks())
}

/// Formats snapshots as the table [`dump`] prints.
///
/// # Examples
///
/// ```
/// let table = evloop::debug::format_table(&[]);
/// assert!(table.starts_with("evloop: 0 tasks"));
/// ```
pub fn format_table(tasks: &[TaskSnapshot]) -> String {
    let now = Instant::now();
    let mut out = String::new();
    let _ = writeln!(out, "evloop: {} tasks", tasks.len());
    let _ = writeln!(
        out,
        "{:>6}  {:<9}  {:>9}  {:>7}  {:>9}  {:<22}  {:<16}  SPAWNED AT",
        "ID", "STATE", "AGE", "POLLS", "BUSY", "WAITING ON", "NAME"
    );
    for task in tasks {
        let busy = task
            .busy
            .map_or_else(|| "-".to_owned(), |b| format!("{b:.1?}"));
        let waiting = match task.waiting_on {
            None => "-".to_owned(),
            Some(Wait::Timer { deadline }) => match deadline.checked_duration_since(now) {
                Some(left) => format!("timer in {left:.1?}"),
                None => "timer (due)".to_owned(),
            },
            Some(Wait::Readable) => "readable".to_owned(),
            Some(Wait::Writable) => "writable".to_owned(),
            Some(Wait::Task(id)) => format!("task {id}"),
            Some(Wait::Primitive(name)) => name.to_owned(),
        };
        let _ = writeln!(
            out,
            "{:>6}  {:<9}  {:>9}  {:>7}  {:>9}  {:<22}  {:<16}  {}",
            task.id,
            task.state.as_str(),
            format!("{:.1?}", task.age),
            task.polls,
            busy,
            waiting,
            task.name.as_deref().unwrap_or("-"),
            task.location
        );
    }
    out
}
