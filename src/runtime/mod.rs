//! The runtime: `Runtime`, `run`, `spawn`, and the glue the rest of the crate uses to reach
//! the runtime of the current thread.
//!
//! Only this module sees tasks, the reactor and the timer wheel together (in `Core`).

mod builder;
mod context;
mod core;
mod handle;
mod introspect;
mod remote_join;
mod shared;

pub use builder::Builder;
pub use handle::{Handle, TryCurrentError};
pub use remote_join::RemoteJoinHandle;

pub(crate) use self::core::Core;

use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::panic::Location;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use crate::blocking::BlockingPool;
use crate::reactor::Reactor;
use crate::task::store::TaskId;
use crate::task::{Id, JoinHandle};
use crate::time::wheel::{TimerKey, Wheel};
use builder::Config;
use shared::Shared;

/// An event loop: asyncio's loop object. It owns the tasks, the reactor and the timers, and
/// runs them on the thread that calls [`block_on`](Runtime::block_on).
///
/// A `Runtime` is `!Send`: it belongs to the thread that made it. Several runtimes on
/// several threads are independent. Dropping a runtime drops every task still pending (on
/// this thread, inside the runtime's context) and releases what they held.
///
/// ```compile_fail
/// fn assert_send<T: Send>() {}
/// assert_send::<evloop::Runtime>();
/// ```
///
/// # Examples
///
/// ```
/// let rt = evloop::Runtime::new().unwrap();
/// let answer = rt.block_on(async {
///     evloop::spawn(async { 40 + 2 }).await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
#[doc(alias = "loop")]
#[doc(alias = "event_loop")]
pub struct Runtime {
    core: Rc<Core>,
    /// The SIGQUIT listener of `dump_on_sigquit`, removed on drop.
    #[cfg(feature = "sigquit")]
    sigquit: Option<crate::signal::registry::Hook>,
    _not_send: PhantomData<*const ()>,
}

impl Runtime {
    /// A runtime with the default configuration.
    ///
    /// # Errors
    ///
    /// Fails if the OS cannot create the poller (`epoll`) or its waker (`eventfd`), for
    /// instance when out of file descriptors, or if 4096 runtimes are alive already.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new()?;
    /// assert_eq!(rt.block_on(async { evloop::spawn(async { 1 + 1 }).await.unwrap() }), 2);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// A builder to configure a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::builder().event_interval(32).build().unwrap();
    /// assert_eq!(rt.block_on(async { evloop::spawn(async { 1 + 1 }).await.unwrap() }), 2);
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    fn from_config(config: Config) -> io::Result<Runtime> {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        #[cfg_attr(not(feature = "sigquit"), allow(unused_mut))]
        let (mut reactor, waker) = Reactor::new(config.events_capacity)?;
        #[cfg(feature = "sigquit")]
        let sigquit = if config.dump_on_sigquit {
            // Self-pipe: the handler writes a byte, the reactor sees the read end readable.
            // Counted as a SIGQUIT listener, so the default action returns on drop.
            let (read, write) = std::os::unix::net::UnixStream::pair()?;
            read.set_nonblocking(true)?;
            reactor.register_signal_pipe(mio::net::UnixStream::from_std(read))?;
            Some(crate::signal::registry::Hook::register(
                crate::signal::SignalKind::quit(),
                write.into(),
            )?)
        } else {
            None
        };
        let blocking = BlockingPool::new(config.max_blocking_threads, config.blocking_keep_alive);
        let shared = Arc::new(Shared::new(waker, blocking));
        let (tag, generation) = shared::register(shared.clone())?;
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let core = Core::new(id, tag, generation, reactor, shared, config);
        Ok(Runtime {
            core: Rc::new(core),
            #[cfg(feature = "sigquit")]
            sigquit,
            _not_send: PhantomData,
        })
    }

    /// Runs `future` to completion on this thread, running spawned tasks, I/O and timers
    /// meanwhile; returns its output. Tasks still pending when it returns stay in the
    /// runtime (a later `block_on` runs them on) until the runtime is dropped.
    ///
    /// # Panics
    ///
    /// Panics when called from inside a running runtime (a task, or the future of another
    /// `block_on` on this thread): that would block the loop. `.await` the future, or spawn
    /// it, instead. A panic of `future` itself propagates; panics of spawned tasks do not
    /// (they go to their `JoinHandle`).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.core.block_on(future)
    }

    /// A snapshot of every live task (see [`crate::debug::tasks`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new().unwrap();
    /// rt.block_on(async { drop(evloop::spawn_named("left", std::future::pending::<()>())) });
    /// assert_eq!(rt.tasks()[0].name.as_deref(), Some("left"));
    /// ```
    #[doc(alias = "all_tasks")]
    pub fn tasks(&self) -> Vec<crate::debug::TaskSnapshot> {
        self.core.snapshot()
    }

    /// The task table (see [`crate::debug::dump`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new().unwrap();
    /// rt.block_on(async { drop(evloop::spawn_named("left", std::future::pending::<()>())) });
    /// assert!(rt.dump().contains("left"));
    /// ```
    pub fn dump(&self) -> String {
        crate::debug::format_table(&self.core.snapshot())
    }

    /// The runtime's counters (see [`crate::debug::RuntimeMetrics`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new().unwrap();
    /// rt.block_on(async { evloop::spawn(async {}).await.unwrap() });
    /// assert_eq!(rt.metrics().tasks_spawned, 1);
    /// ```
    pub fn metrics(&self) -> crate::debug::RuntimeMetrics {
        self.core.metrics()
    }

    /// A `Send + Sync` handle for spawning onto this runtime from other threads.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new().unwrap();
    /// let handle = rt.handle();
    /// let result = std::thread::spawn(move || handle.spawn(async { 5 })).join().unwrap();
    /// assert_eq!(rt.block_on(result).unwrap(), 5);
    /// ```
    pub fn handle(&self) -> Handle {
        Handle::new(self.core.shared.clone(), self.core.tag)
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // The write end goes before the reactor's read end (no send into a closed socket).
        #[cfg(feature = "sigquit")]
        drop(self.sigquit.take());
        self.core.shutdown();
        shared::unregister(self.core.tag, self.core.tasks.borrow().next_generation());
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("id", &self.core.id)
            .field("tasks", &self.core.tasks.borrow().len())
            .finish_non_exhaustive()
    }
}

/// Runs `future` on a new runtime and returns its output: asyncio's `asyncio.run(main())`.
///
/// When `future` completes, every task still pending is dropped (asyncio cancels them), on
/// this thread, inside the runtime, so what they held is released before `run` returns.
///
/// # Panics
///
/// Panics when called from inside a running runtime (use `.await` instead), or if the
/// runtime cannot be created (see [`Runtime::new`]); a panic of `future` propagates.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// async fn greet(name: &str) -> String {
///     evloop::sleep(Duration::from_millis(10)).await;
///     format!("Hello, {name}!")
/// }
///
/// let greetings = evloop::run(async {
///     evloop::gather(["Alice", "Bob"].map(greet)).await
/// });
/// assert_eq!(greetings, ["Hello, Alice!", "Hello, Bob!"]);
/// ```
#[doc(alias = "asyncio.run")]
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    let runtime = Runtime::new()
        .unwrap_or_else(|err| panic!("evloop::run: failed to create the runtime: {err}"));
    runtime.block_on(future)
}

/// Spawns `future` as a task on the current runtime: asyncio's `asyncio.create_task(coro)`.
///
/// The task starts at the loop's next turn and runs concurrently with the caller. The
/// future need not be `Send`. The call site is recorded (`#[track_caller]`) for debugging.
///
/// # Panics
///
/// Panics outside a runtime, with a message saying where to call it from instead.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let handle = evloop::spawn(async { "done" });
///     assert_eq!(handle.await.unwrap(), "done");
/// });
/// ```
#[doc(alias = "create_task")]
#[doc(alias = "ensure_future")]
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_inner(future, None, Location::caller())
}

/// Spawns a named task; see [`spawn`] and [`crate::task::Builder`].
///
/// # Panics
///
/// Panics outside a runtime.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let worker = evloop::spawn_named("worker", async {});
///     assert_eq!(evloop::debug::tasks()[0].name.as_deref(), Some("worker"));
///     worker.await.unwrap();
/// });
/// ```
#[track_caller]
pub fn spawn_named<F>(name: &str, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_inner(future, Some(name.into()), Location::caller())
}

#[track_caller]
pub(crate) fn spawn_inner<F>(
    future: F,
    name: Option<Box<str>>,
    location: &'static Location<'static>,
) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    match context::current_core() {
        Some(core) => core.spawn(future, name, location),
        None => panic!("evloop::spawn: {}", context::NO_RUNTIME),
    }
}

/// The current runtime's core, if this thread runs one.
pub(crate) fn current_core() -> Option<Rc<Core>> {
    context::current_core()
}

/// Records that the task being polled waits on `what` (see `debug::Waitable`).
pub(crate) fn note_primitive_wait(what: crate::debug::Waitable) {
    context::with_current(|core| {
        core.wait_note
            .set(crate::task::store::WaitNote::primitive(what))
    });
}

/// Cooperative scheduling: takes one unit of the current poll's budget (128 operations that
/// completed without waiting). When it is spent, wakes the task and returns `Pending`, so a
/// task that keeps finding work ready (a channel that never runs dry, a socket that always
/// has bytes) still lets the other tasks, timers and I/O run. Outside a runtime, `Ready`.
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    match context::with_current(Core::consume_budget) {
        Some(false) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        _ => Poll::Ready(()),
    }
}

/// Wakes task `id` of runtime `tag`: the one local/remote branch (see `task/waker.rs`).
pub(crate) fn wake_task(tag: u16, id: TaskId) {
    let woke_locally = context::with_current(|core| {
        if core.tag == tag {
            core.wake_local(id);
            true
        } else {
            false
        }
    });
    if woke_locally != Some(true) {
        shared::remote_wake(tag, id);
    }
}

/// Runs `f` on the timer wheel of runtime `runtime_id`, if it is the current one.
pub(crate) fn with_timers<R>(runtime_id: u64, f: impl FnOnce(&mut Wheel) -> R) -> Option<R> {
    context::with_current(|core| (core.id == runtime_id).then(|| f(&mut core.timers.borrow_mut())))
        .flatten()
}

/// Arms a timer on the current runtime; returns the runtime's id and the timer's key, or
/// `None` if the wheel's clock has already passed `deadline`.
#[track_caller]
pub(crate) fn arm_timer(deadline: Instant, waker: &Waker) -> Option<(u64, TimerKey)> {
    match context::with_current(|core| Some((core.id, core.arm_timer(deadline, waker)?))) {
        Some(armed) => armed,
        None => panic!(
            "evloop timer polled outside a runtime: {}",
            context::NO_RUNTIME
        ),
    }
}

/// The id of the task being polled on this thread.
pub(crate) fn current_task_id() -> Option<Id> {
    context::with_current(|core| {
        let id = core.current_task.get()?;
        Some(Id::new(core.tasks.borrow().get(id)?.meta.id))
    })
    .flatten()
}

/// The description of the task being polled on this thread.
pub(crate) fn current_task_info() -> Option<crate::debug::TaskInfo> {
    context::with_current(|core| core.current_info()).flatten()
}

/// Reports misuse through the current runtime's debug sink (debug mode only).
pub(crate) fn report_misuse(message: impl FnOnce() -> String) {
    context::with_current(|core| {
        if core.config.debug {
            core.misuse(message());
        }
    });
}

pub(crate) use context::NO_RUNTIME;
