//! `LoopPool` and `run_per_core`: one event loop per thread, for servers that outgrow a
//! core.
//!
//! # Design
//!
//! Thread-per-core, as in seastar or glommio: each thread runs its own [`Runtime`] and its
//! own copy of the application (`make(ctx)`), and the loops share nothing on the hot path.
//! A listening server binds one listener per loop on the same port with `SO_REUSEPORT`
//! ([`ListenOptions::reuse_port`](crate::net::ListenOptions::reuse_port)), and the kernel
//! spreads the connections over them. Loops talk only through the cross-thread doors:
//! [`Handle::spawn`] on another loop's [`Handle`] (from [`LoopContext::handle`]), or a
//! [`remote`](crate::channel::remote) channel.
//!
//! The pool stops every loop as soon as one loop's future returns an error or panics, or
//! when [`LoopContext::stop_all`] is called (for instance on Ctrl-C): each loop's future is
//! then dropped on its own thread, and [`run`](LoopPool::run) returns once every thread has
//! ended.

use std::fmt;
use std::future::Future;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::api::Runtime;
use super::handle::Handle;
use crate::channel::remote::{RemoteReceiver, RemoteSender, channel};

/// Runs `threads` event loops, one per thread; see [`run_per_core`] for the short form.
///
/// # Examples
///
/// ```
/// let sums = evloop::LoopPool::new(2)
///     .run(|ctx| async move {
///         // Each loop runs its own copy of the application.
///         Ok::<_, std::io::Error>(ctx.index() * 10)
///     })
///     .unwrap();
/// assert_eq!(sums, [0, 10]);
/// ```
#[derive(Clone, Debug)]
pub struct LoopPool {
    threads: usize,
    pin: bool,
}

/// What one loop of a [`LoopPool`] knows about the pool: its index, and every loop's
/// [`Handle`].
///
/// # Examples
///
/// ```
/// let seen = evloop::run_per_core(2, |ctx| async move {
///     Ok::<_, ()>(format!("loop {} of {}", ctx.index(), ctx.loops()))
/// })
/// .unwrap();
/// assert_eq!(seen, ["loop 0 of 2", "loop 1 of 2"]);
/// ```
pub struct LoopContext {
    index: usize,
    handles: Arc<[Handle]>,
    stop: Arc<Stop>,
}

/// Stops every loop: each loop's receiver is sent one `()`.
struct Stop {
    senders: Mutex<Vec<RemoteSender<()>>>,
}

impl Stop {
    fn all(&self) {
        let senders = self.senders.lock().unwrap_or_else(|p| p.into_inner());
        for sender in senders.iter() {
            let _ = sender.send(()); // a loop that already ended has dropped its receiver
        }
    }
}

/// Why [`LoopPool::run`] failed.
///
/// # Examples
///
/// ```
/// let err = evloop::run_per_core(1, |_ctx| async { Err::<(), _>("no config") }).unwrap_err();
/// assert!(matches!(err, evloop::PoolError::Failed { index: 0, error: "no config" }));
/// assert_eq!(err.to_string(), "loop 0 failed: no config");
/// ```
#[derive(Debug)]
pub enum PoolError<E> {
    /// A loop's runtime or thread could not be created.
    Io(io::Error),
    /// A loop's future returned this error (the first one; the other loops were stopped).
    Failed {
        /// Which loop.
        index: usize,
        /// Its error.
        error: E,
    },
}

impl<E: fmt::Display> fmt::Display for PoolError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::Io(err) => write!(f, "could not start the loops: {err}"),
            PoolError::Failed { index, error } => write!(f, "loop {index} failed: {error}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for PoolError<E> {}

impl LoopPool {
    /// A pool of `threads` loops, not pinned.
    ///
    /// # Panics
    ///
    /// Panics if `threads` is 0 (use 1 for a single loop on its own thread).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = evloop::LoopPool::new(4);
    /// # drop(pool);
    /// ```
    #[track_caller]
    pub fn new(threads: usize) -> LoopPool {
        assert!(
            threads > 0,
            "LoopPool::new(0): a pool needs at least one loop"
        );
        LoopPool {
            threads,
            pin: false,
        }
    }

    /// Pins loop `i` to CPU `i` (modulo the CPUs this process may use, with
    /// `sched_setaffinity`), so that each loop keeps its core's caches. Off by default. A
    /// CPU that cannot be used (a container's CPU set) leaves that loop unpinned.
    ///
    /// # Examples
    ///
    /// ```
    /// let cpus = evloop::LoopPool::new(1)
    ///     .pin_to_cores(true)
    ///     .run(|_ctx| async { Ok::<_, std::io::Error>(std::thread::available_parallelism()?.get()) })
    ///     .unwrap();
    /// assert!(cpus[0] >= 1);
    /// ```
    pub fn pin_to_cores(mut self, pin: bool) -> LoopPool {
        self.pin = pin;
        self
    }

    /// Starts the loops, runs `make(ctx)` on each, and returns their outputs in loop order
    /// once all have ended.
    ///
    /// # Errors
    ///
    /// [`PoolError::Failed`] with the first loop's error (every other loop is then stopped:
    /// its future is dropped); [`PoolError::Io`] if a runtime or thread cannot be created.
    ///
    /// # Panics
    ///
    /// A panic in a loop stops the others, then is raised again here.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let result = evloop::LoopPool::new(2).run(|ctx| async move {
    ///     if ctx.index() == 1 {
    ///         evloop::sleep(Duration::from_millis(10)).await;
    ///         return Err("loop 1 gave up");
    ///     }
    ///     std::future::pending::<()>().await; // stopped when loop 1 fails
    ///     Ok(())
    /// });
    /// assert!(matches!(result, Err(evloop::PoolError::Failed { index: 1, .. })));
    /// ```
    pub fn run<F, Fut, T, E>(self, make: F) -> Result<Vec<T>, PoolError<E>>
    where
        F: Fn(LoopContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, E>> + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        let make = Arc::new(make);
        let start = Arc::new(Start::new(self.threads));
        let receivers: Vec<_> = (0..self.threads).map(|_| channel::<()>()).collect();
        let stop = Arc::new(Stop {
            senders: Mutex::new(receivers.iter().map(|(tx, _)| tx.clone()).collect()),
        });
        let mut threads = Vec::with_capacity(self.threads);
        for (index, (_, stop_rx)) in receivers.into_iter().enumerate() {
            let (make, starting, stop) = (make.clone(), start.clone(), stop.clone());
            let pin = self.pin;
            let thread = std::thread::Builder::new()
                .name(format!("evloop-{index}"))
                .spawn(move || loop_thread(index, pin, &*make, &starting, stop, stop_rx));
            match thread {
                Ok(thread) => threads.push(thread),
                Err(err) => {
                    start.publish(false); // the loops already started end at once
                    for thread in threads {
                        let _ = thread.join();
                    }
                    return Err(PoolError::Io(err));
                }
            }
        }
        // Every loop has made its runtime (or failed to): publish all the handles.
        start.publish(true);
        let mut outputs = Vec::with_capacity(self.threads);
        let (mut failed, mut other_error, mut panic) = (None, None, None);
        for thread in threads {
            match thread.join() {
                Ok(Ok(value)) => outputs.push(value),
                Ok(Err(error @ PoolError::Failed { .. })) => {
                    failed.get_or_insert(error);
                }
                Ok(Err(error)) => {
                    other_error.get_or_insert(error);
                }
                Err(payload) => {
                    panic.get_or_insert(payload);
                }
            }
        }
        if let Some(payload) = panic {
            resume_unwind(payload);
        }
        // A loop's own error first: the others only report that they were stopped.
        match failed.or(other_error) {
            Some(error) => Err(error),
            None => Ok(outputs),
        }
    }
}

/// The start of a pool: each loop registers its runtime's `Handle`, then waits until the
/// pool publishes all of them (or gives up).
struct Start {
    state: Mutex<StartState>,
    changed: Condvar,
}

struct StartState {
    handles: Vec<Option<Handle>>,
    /// Loops that made their runtime (or failed to).
    made: usize,
    /// Set by `publish`: every handle, or `None` if the pool gave up.
    published: Option<Option<Arc<[Handle]>>>,
}

impl Start {
    fn new(loops: usize) -> Start {
        Start {
            state: Mutex::new(StartState {
                handles: vec![None; loops],
                made: 0,
                published: None,
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, StartState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Loop `index` made its runtime (`Some(handle)`) or failed to (`None`); waits for the
    /// pool's verdict: every loop's handle, or `None`.
    fn register(&self, index: usize, handle: Option<Handle>) -> Option<Arc<[Handle]>> {
        let mut state = self.lock();
        state.handles[index] = handle;
        state.made += 1;
        self.changed.notify_all();
        loop {
            if let Some(published) = &state.published {
                return published.clone();
            }
            state = self.changed.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Waits until every started loop registered (if `go`), then publishes the handles, or
    /// `None` if a loop failed to start or `go` is false.
    fn publish(&self, go: bool) {
        let mut state = self.lock();
        while go && state.made < state.handles.len() {
            state = self.changed.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        let all: Option<Vec<Handle>> = state.handles.iter().cloned().collect();
        state.published = Some(all.filter(|_| go).map(Into::into));
        self.changed.notify_all();
    }
}

/// The body of loop `index`'s thread.
fn loop_thread<F, Fut, T, E>(
    index: usize,
    pin: bool,
    make: &F,
    start: &Start,
    stop: Arc<Stop>,
    mut stop_rx: RemoteReceiver<()>,
) -> Result<T, PoolError<E>>
where
    F: Fn(LoopContext) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    if pin {
        pin_to_cpu(index);
    }
    let runtime = Runtime::new();
    let handles = start.register(index, runtime.as_ref().ok().map(Runtime::handle));
    let runtime = runtime.map_err(PoolError::Io)?;
    let Some(handles) = handles else {
        return Err(PoolError::Io(io::Error::other(
            "another loop of the pool could not start",
        )));
    };
    let ctx = LoopContext {
        index,
        handles,
        stop: stop.clone(),
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        runtime.block_on(async {
            let app = make(ctx);
            match crate::select(app, stop_rx.recv()).await {
                crate::Either::Left(result) => Some(result),
                crate::Either::Right(_) => None, // stopped by another loop
            }
        })
    }));
    match outcome {
        Ok(Some(Ok(value))) => Ok(value),
        Ok(Some(Err(error))) => {
            stop.all();
            Err(PoolError::Failed { index, error })
        }
        Ok(None) => Err(PoolError::Io(io::Error::new(
            io::ErrorKind::Interrupted,
            "stopped before it finished (stop_all, or another loop failed)",
        ))),
        Err(payload) => {
            stop.all();
            resume_unwind(payload)
        }
    }
}

/// Pins this thread to CPU `index`, modulo the CPUs it may use; does nothing on failure.
fn pin_to_cpu(index: usize) {
    // SAFETY: `cpu_set_t` is plain data; zeroed is the empty set.
    let mut allowed: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `allowed` is a valid, writable `cpu_set_t` of the size passed; 0 is this thread.
    let got = unsafe { libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut allowed) };
    if got != 0 {
        return;
    }
    let cpus: Vec<usize> = (0..libc::CPU_SETSIZE as usize)
        // SAFETY: `cpu` is below CPU_SETSIZE, the size of the set.
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &allowed) })
        .collect();
    let Some(&cpu) = cpus.get(index % cpus.len().max(1)) else {
        return;
    };
    // SAFETY: plain data; zeroed is the empty set.
    let mut one: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `cpu` is below CPU_SETSIZE, the size of the set.
    unsafe { libc::CPU_SET(cpu, &mut one) };
    // SAFETY: `one` is a valid `cpu_set_t` of the size passed; 0 is this thread.
    let _ = unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &one) };
}

impl LoopContext {
    /// This loop's index, `0..loops()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let indices = evloop::run_per_core(3, |ctx| async move { Ok::<_, ()>(ctx.index()) }).unwrap();
    /// assert_eq!(indices, [0, 1, 2]);
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// How many loops the pool runs.
    ///
    /// # Examples
    ///
    /// ```
    /// let counts = evloop::run_per_core(2, |ctx| async move { Ok::<_, ()>(ctx.loops()) }).unwrap();
    /// assert_eq!(counts, [2, 2]);
    /// ```
    pub fn loops(&self) -> usize {
        self.handles.len()
    }

    /// The [`Handle`] of loop `index`: spawn work onto that loop from this one.
    ///
    /// # Panics
    ///
    /// Panics if `index >= loops()`.
    ///
    /// # Examples
    ///
    /// ```
    /// // Loop 0 has loop 1 run a job; loop 1 serves until loop 0 says it is done.
    /// let (done_tx, done_rx) = evloop::channel::remote::channel::<()>();
    /// let done_rx = std::sync::Mutex::new(Some(done_rx));
    /// let answers = evloop::run_per_core(2, move |ctx| {
    ///     let done_tx = done_tx.clone();
    ///     let done_rx = if ctx.index() == 1 { done_rx.lock().unwrap().take() } else { None };
    ///     async move {
    ///         if let Some(mut done) = done_rx {
    ///             done.recv().await;
    ///             return Ok::<_, ()>(None);
    ///         }
    ///         let job = ctx.handle(1).spawn(async { std::thread::current().name().map(str::to_owned) });
    ///         let ran_on = job.await.unwrap();
    ///         done_tx.send(()).unwrap();
    ///         Ok(ran_on)
    ///     }
    /// })
    /// .unwrap();
    /// assert_eq!(answers, [Some("evloop-1".to_owned()), None]);
    /// ```
    #[track_caller]
    pub fn handle(&self, index: usize) -> &Handle {
        &self.handles[index]
    }

    /// Stops every loop of the pool (this one included): each loop's future is dropped at
    /// its loop's next turn, and [`LoopPool::run`] returns. For a graceful shutdown, have
    /// each loop watch its own signal (`evloop::signal`, which wakes every listener) and
    /// return instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let result = evloop::run_per_core(2, |ctx| async move {
    ///     if ctx.index() == 0 {
    ///         ctx.stop_all();
    ///     }
    ///     std::future::pending::<()>().await;
    ///     Ok::<(), ()>(())
    /// });
    /// assert!(matches!(result, Err(evloop::PoolError::Io(_)))); // stopped, not finished
    /// ```
    pub fn stop_all(&self) {
        self.stop.all();
    }
}

impl fmt::Debug for LoopContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopContext")
            .field("index", &self.index)
            .field("loops", &self.handles.len())
            .finish()
    }
}

/// Runs `threads` event loops, one per thread, each running `make(ctx)`: the short form
/// of [`LoopPool::new(threads).run(make)`](LoopPool::run).
///
/// # Errors
///
/// As [`LoopPool::run`].
///
/// # Panics
///
/// As [`LoopPool::new`] and [`LoopPool::run`].
///
/// # Examples
///
/// ```
/// let loops = std::thread::available_parallelism().map_or(1, |n| n.get());
/// let done = evloop::run_per_core(loops, |ctx| async move {
///     evloop::sleep(std::time::Duration::from_millis(1)).await;
///     Ok::<_, ()>(ctx.index())
/// })
/// .unwrap();
/// assert_eq!(done.len(), loops);
/// ```
#[track_caller]
pub fn run_per_core<F, Fut, T, E>(threads: usize, make: F) -> Result<Vec<T>, PoolError<E>>
where
    F: Fn(LoopContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, E>> + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    LoopPool::new(threads).run(make)
}
