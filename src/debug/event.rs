//! What debug mode reports, and the policy for panics nobody observes.

use std::any::Any;
use std::fmt;
use std::panic::Location;
use std::time::Duration;

use crate::runtime::Id;

/// Who a report is about: a task (id, name, spawn site) or the future given to `block_on`
/// (no id, the `block_on` call site).
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let info = evloop::spawn_named("worker", async { evloop::task::current_info() })
///         .await
///         .unwrap()
///         .unwrap();
///     assert_eq!(info.name.as_deref(), Some("worker"));
///     assert!(info.to_string().contains("worker"));
/// });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskInfo {
    /// The task's id; `None` for the `block_on` future.
    pub id: Option<Id>,
    /// The task's name, if it was given one.
    pub name: Option<String>,
    /// Where the task was spawned (or where `block_on` was called).
    pub location: &'static Location<'static>,
}

impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.id, &self.name) {
            (Some(id), Some(name)) => write!(f, "task {id} \"{name}\"")?,
            (Some(id), None) => write!(f, "task {id}")?,
            (None, _) => f.write_str("the block_on future")?,
        }
        let verb = if self.id.is_some() {
            "spawned at"
        } else {
            "called at"
        };
        write!(f, " ({verb} {})", self.location)
    }
}

/// A report of debug mode. `Display` gives the one-line, `evloop:`-prefixed text printed to
/// stderr when no sink is set.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use std::time::Duration;
/// use evloop::debug::DebugEvent;
///
/// let seen = Rc::new(RefCell::new(Vec::new()));
/// let sink = seen.clone();
/// let rt = evloop::Runtime::builder()
///     .debug(true)
///     .slow_poll_threshold(Duration::from_millis(5))
///     .on_debug_event(move |event: &DebugEvent| {
///         if let DebugEvent::SlowPoll { duration, .. } = event {
///             assert!(*duration >= Duration::from_millis(5));
///         }
///         sink.borrow_mut().push(event.to_string());
///     })
///     .build()
///     .unwrap();
/// rt.block_on(async {
///     evloop::spawn(async { std::thread::sleep(Duration::from_millis(10)) }).await.unwrap();
/// });
/// assert!(seen.borrow()[0].starts_with("evloop: slow poll"));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum DebugEvent {
    /// One poll took longer than the slow-poll threshold: it blocked the loop.
    SlowPoll {
        /// The task polled.
        task: TaskInfo,
        /// How long the poll took.
        duration: Duration,
        /// The threshold in force.
        threshold: Duration,
    },
    /// The runtime is shutting down and this task is still pending; it is dropped next.
    PendingAtShutdown {
        /// The task.
        task: TaskInfo,
        /// Time since it was spawned.
        age: Duration,
        /// How many times it was polled.
        polls: u64,
    },
    /// A task panicked and its `JoinHandle` was dropped without looking at the result.
    UnobservedPanic {
        /// The task.
        task: TaskInfo,
        /// The panic message (or a placeholder when the payload is not a string).
        message: String,
    },
    /// The runtime was used in a way that works badly; the text says what to do instead.
    Misuse {
        /// What happened and what to do instead.
        message: String,
    },
    /// The task table, requested from outside (`SIGQUIT` with `dump_on_sigquit`).
    TaskDump {
        /// The table, as [`crate::debug::dump`] formats it.
        table: String,
    },
}

impl fmt::Display for DebugEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DebugEvent::SlowPoll {
                task,
                duration,
                threshold,
            } => write!(
                f,
                "evloop: slow poll: {task} took {duration:.1?} (threshold {threshold:?}); \
                 move blocking work to spawn_blocking"
            ),
            DebugEvent::PendingAtShutdown { task, age, polls } => write!(
                f,
                "evloop: task destroyed while pending: {task}, age {age:.1?}, polled {polls} times"
            ),
            DebugEvent::UnobservedPanic { task, message } => write!(
                f,
                "evloop: panic never retrieved: {task} panicked with \"{message}\" and its \
                 JoinHandle was dropped"
            ),
            DebugEvent::Misuse { message } => write!(f, "evloop: misuse: {message}"),
            DebugEvent::TaskDump { table } => f.write_str(table.trim_end()),
        }
    }
}

/// What a runtime does when a task panics and nobody will see it (its `JoinHandle` was
/// dropped): asyncio's loop exception handler.
///
/// # Examples
///
/// ```
/// use evloop::debug::UnhandledPanic;
/// let rt = evloop::Runtime::builder()
///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
///     .build()
///     .unwrap();
/// let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
///     rt.block_on(async {
///         drop(evloop::spawn(async { panic!("lost") }));
///         evloop::sleep(std::time::Duration::from_secs(60)).await;
///     })
/// }));
/// assert!(result.is_err()); // re-raised from block_on
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnhandledPanic {
    /// Drop the panic (reporting it in debug mode). The default.
    #[default]
    Ignore,
    /// Stop the loop: `block_on` re-raises the panic at its next step.
    ShutdownRuntime,
}

/// An unobserved task panic, as given to the handler set with
/// [`Builder::on_unhandled_panic`](crate::runtime::Builder::on_unhandled_panic).
#[derive(Debug)]
#[non_exhaustive]
pub struct UnhandledPanicInfo {
    /// The task that panicked.
    pub task: TaskInfo,
    /// The panic payload.
    pub payload: Box<dyn Any + Send + 'static>,
}

impl UnhandledPanicInfo {
    /// The panic message, if the payload is a string.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// let got = Rc::new(RefCell::new(None));
    /// let sink = got.clone();
    /// let rt = evloop::Runtime::builder()
    ///     .on_unhandled_panic(move |info| *sink.borrow_mut() = info.message().map(str::to_owned))
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     drop(evloop::spawn(async { panic!("oops") }));
    ///     evloop::yield_now().await;
    /// });
    /// assert_eq!(got.borrow().as_deref(), Some("oops"));
    /// ```
    pub fn message(&self) -> Option<&str> {
        crate::runtime::panic_message(self.payload.as_ref())
    }
}
