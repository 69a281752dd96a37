//! The public face of the runtime: `Runtime` (asyncio's loop object) and `run`.

use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::blocking_pool::BlockingPool;
use super::builder::{Builder, Config};
use super::core::Core;
use super::handle::Handle;
use super::shared::{self, Shared};
use crate::reactor::Reactor;

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

    pub(super) fn from_config(config: Config) -> io::Result<Runtime> {
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
        let blocking = BlockingPool::new(
            config.max_blocking_threads,
            config.max_file_threads,
            config.blocking_keep_alive,
        );
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
        // Even if a task's destructor panics during the shutdown, the tag goes back to the
        // registry and the blocking threads are told to end.
        let _release = Release(&self.core);
        self.core.shutdown();
    }
}

/// The last step of dropping a runtime, run even if the shutdown panicked: frees the
/// runtime's registry tag and shuts its blocking pool down.
struct Release<'a>(&'a Core);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        let next_generation = self
            .0
            .tasks
            .try_borrow()
            .map_or(0, |tasks| tasks.next_generation());
        shared::unregister(self.0.tag, next_generation);
        self.0.shared.blocking.shutdown();
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
