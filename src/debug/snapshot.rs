//! Task snapshots and the task table (`dump`).

use std::fmt::Write as _;
use std::panic::Location;
use std::time::{Duration, Instant};

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

/// What a task last waited on, where the runtime knows it (recorded when the wait was
/// registered: a task that since moved on may still show it).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::debug::WaitingOn;
/// evloop::run(async {
///     evloop::spawn(evloop::sleep(Duration::from_secs(60)));
///     evloop::yield_now().await;
///     let task = &evloop::debug::tasks()[0];
///     assert!(matches!(task.waiting_on, Some(WaitingOn::Timer { .. })));
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitingOn {
    /// A timer (`sleep`, `wait_for`, `interval`) due at `deadline`.
    Timer {
        /// When it is due.
        deadline: Instant,
    },
    /// An I/O source becoming readable.
    Readable,
    /// An I/O source becoming writable.
    Writable,
    /// Another task finishing (its `JoinHandle` was awaited).
    Task(Id),
    /// A synchronisation primitive or a channel, named as the call that waits:
    /// `"Mutex::lock"`, `"Semaphore::acquire"`, `"Queue::get"`, `"mpsc::Receiver::recv"`, ...
    Primitive(&'static str),
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
    pub waiting_on: Option<WaitingOn>,
}

/// A snapshot of every live task of the current runtime (asyncio's `all_tasks()`), in
/// spawn order.
///
/// # Panics
///
/// Panics outside a runtime; use [`Runtime::tasks`](crate::Runtime::tasks) from the
/// thread that owns one.
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
            Some(WaitingOn::Timer { deadline }) => match deadline.checked_duration_since(now) {
                Some(left) => format!("timer in {left:.1?}"),
                None => "timer (due)".to_owned(),
            },
            Some(WaitingOn::Readable) => "readable".to_owned(),
            Some(WaitingOn::Writable) => "writable".to_owned(),
            Some(WaitingOn::Task(id)) => format!("task {id}"),
            Some(WaitingOn::Primitive(name)) => name.to_owned(),
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
