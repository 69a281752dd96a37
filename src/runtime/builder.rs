//! `Builder`: runtime configuration.

use std::fmt;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use super::Runtime;
use crate::debug::{DebugEvent, UnhandledPanic, UnhandledPanicInfo};

/// Where debug events go (`None`: stderr).
pub(crate) type DebugSink = Rc<dyn Fn(&DebugEvent)>;

/// What to do with a panic nobody will observe.
#[derive(Clone)]
pub(crate) enum PanicPolicy {
    Ignore,
    ShutdownRuntime,
    Handler(Rc<dyn Fn(UnhandledPanicInfo)>),
}

/// Settings a runtime is built with.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) event_interval: u32,
    pub(crate) events_capacity: usize,
    pub(crate) max_blocking_threads: usize,
    pub(crate) max_file_threads: usize,
    pub(crate) blocking_keep_alive: Duration,
    pub(crate) debug: bool,
    /// Each task poll in a `tracing` span (feature `tracing`).
    pub(crate) trace_polls: bool,
    /// `debug || trace_polls`: polls take the observed path (set by `build`).
    pub(crate) observe_polls: bool,
    pub(crate) slow_poll_threshold: Duration,
    pub(crate) debug_sink: Option<DebugSink>,
    pub(crate) panic_policy: PanicPolicy,
    pub(crate) dump_on_sigquit: bool,
    /// Start with the clock paused (virtual time).
    pub(crate) start_paused: bool,
    /// Real time a paused loop with tasks waiting on I/O stays idle before its clock jumps.
    pub(crate) advance_grace: Duration,
    /// Seed of the shuffled scheduling order (`None`: FIFO).
    pub(crate) seed: Option<u64>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let policy = match self.panic_policy {
            PanicPolicy::Ignore => "ignore",
            PanicPolicy::ShutdownRuntime => "shutdown runtime",
            PanicPolicy::Handler(_) => "handler",
        };
        f.debug_struct("Config")
            .field("event_interval", &self.event_interval)
            .field("events_capacity", &self.events_capacity)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("max_file_threads", &self.max_file_threads)
            .field("blocking_keep_alive", &self.blocking_keep_alive)
            .field("debug", &self.debug)
            .field("trace_polls", &self.trace_polls)
            .field("slow_poll_threshold", &self.slow_poll_threshold)
            .field("debug_sink", &self.debug_sink.as_ref().map(|_| "callback"))
            .field("unhandled_panic", &policy)
            .field("dump_on_sigquit", &self.dump_on_sigquit)
            .field("start_paused", &self.start_paused)
            .field("advance_grace", &self.advance_grace)
            .field("seed", &self.seed)
            .finish()
    }
}

/// Whether `EVLOOP_DEBUG` asks for debug mode (set, and neither empty nor `0`).
fn debug_from_env() -> bool {
    std::env::var_os("EVLOOP_DEBUG").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The seed `EVLOOP_SEED` asks for, if set.
pub(crate) fn seed_from_env() -> io::Result<Option<u64>> {
    let Some(value) = std::env::var_os("EVLOOP_SEED") else {
        return Ok(None);
    };
    let text = value.to_string_lossy();
    match text.trim().parse() {
        Ok(seed) => Ok(Some(seed)),
        Err(_) if text.trim().is_empty() => Ok(None),
        Err(_) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("EVLOOP_SEED must be a number (a u64 seed to replay), got {text:?}"),
        )),
    }
}

/// Configures and builds a [`Runtime`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let rt = evloop::Runtime::builder()
///     .event_interval(61)
///     .max_blocking_threads(8)
///     .blocking_keep_alive(Duration::from_secs(5))
///     .build()
///     .unwrap();
/// let answer = rt.block_on(async { evloop::spawn_blocking(|| 6 * 7).await.unwrap() });
/// assert_eq!(answer, 42);
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    config: Config,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// The default configuration: `event_interval` 61, 1024 events per reactor turn, up to 64
    /// blocking threads that retire after 10 s idle, debug mode off unless the environment
    /// variable `EVLOOP_DEBUG` is set (to anything but `0`), slow-poll threshold 100 ms,
    /// unobserved panics ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::runtime::Builder::new().build().unwrap();
    /// assert_eq!(rt.block_on(async { evloop::spawn(async { 1 + 1 }).await.unwrap() }), 2);
    /// ```
    pub fn new() -> Self {
        Builder {
            config: Config {
                event_interval: 61,
                events_capacity: 1024,
                max_blocking_threads: 64,
                max_file_threads: 16,
                blocking_keep_alive: Duration::from_secs(10),
                debug: debug_from_env(),
                trace_polls: false,
                observe_polls: false,
                slow_poll_threshold: Duration::from_millis(100),
                debug_sink: None,
                panic_policy: PanicPolicy::Ignore,
                dump_on_sigquit: false,
                start_paused: false,
                advance_grace: Duration::from_millis(5),
                seed: None,
            },
        }
    }

    /// How many tasks the loop polls before it checks I/O and timers again (without
    /// blocking). Smaller is fairer to I/O, larger has less overhead. This is the bound that
    /// keeps a task which wakes itself forever from starving I/O and timers.
    ///
    /// # Panics
    ///
    /// Panics if `n` is zero: the loop would never poll a task.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::builder().event_interval(16).build().unwrap();
    /// let turns = rt.block_on(async {
    ///     // A registered socket: the loop has I/O to check.
    ///     let _socket = evloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let before = evloop::debug::metrics().reactor_turns;
    ///     for _ in 0..160 {
    ///         evloop::yield_now().await; // always ready again: the loop never has to wait
    ///     }
    ///     evloop::debug::metrics().reactor_turns - before
    /// });
    /// assert!(turns >= 10); // 160 polls: I/O checked at least every 16
    /// ```
    #[track_caller]
    pub fn event_interval(mut self, n: u32) -> Self {
        assert!(n > 0, "event_interval must be at least 1");
        self.config.event_interval = n;
        self
    }

    /// How many I/O events one reactor turn can take in.
    ///
    /// # Panics
    ///
    /// Panics if `n` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::builder().events_capacity(256).build().unwrap();
    /// assert_eq!(rt.block_on(async { evloop::spawn(async { 1 + 1 }).await.unwrap() }), 2);
    /// ```
    #[track_caller]
    pub fn events_capacity(mut self, n: usize) -> Self {
        assert!(n > 0, "events_capacity must be at least 1");
        self.config.events_capacity = n;
        self
    }

    /// The most threads `spawn_blocking` may run at once; further calls queue.
    ///
    /// # Panics
    ///
    /// Panics if `n` is zero: blocking work could never run.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::HashSet;
    /// let rt = evloop::Runtime::builder().max_blocking_threads(4).build().unwrap();
    /// let threads: HashSet<_> = rt.block_on(async {
    ///     let calls = (0..16).map(|_| evloop::spawn_blocking(|| std::thread::current().id()));
    ///     evloop::gather(calls).await.into_iter().map(Result::unwrap).collect()
    /// });
    /// assert!(threads.len() <= 4); // 16 calls, at most 4 threads
    /// ```
    #[track_caller]
    pub fn max_blocking_threads(mut self, n: usize) -> Self {
        assert!(n > 0, "max_blocking_threads must be at least 1");
        self.config.max_blocking_threads = n;
        self
    }

    /// The most threads [`evloop::fs`](crate::fs) may run file system calls on at once
    /// (default 16); further calls queue.
    ///
    /// File work has a lane of its own in the blocking pool, apart from `spawn_blocking`'s
    /// jobs (bounded by [`max_blocking_threads`](Self::max_blocking_threads)) and from host
    /// name lookups (up to 4 threads), so that slow jobs of one kind never hold up the
    /// others: a `connect` to a host name resolves while 64 user jobs and any number of
    /// file reads are queued.
    ///
    /// # Panics
    ///
    /// Panics if `n` is zero: file calls could never run.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::builder().max_file_threads(2).build().unwrap();
    /// rt.block_on(async {
    ///     let len = evloop::fs::metadata("Cargo.toml").await.unwrap().len();
    ///     assert!(len > 0);
    /// });
    /// ```
    #[track_caller]
    pub fn max_file_threads(mut self, n: usize) -> Self {
        assert!(n > 0, "max_file_threads must be at least 1");
        self.config.max_file_threads = n;
        self
    }

    /// How long an idle blocking thread waits for work before it exits.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = evloop::Runtime::builder().blocking_keep_alive(Duration::from_millis(100)).build().unwrap();
    /// assert_eq!(rt.block_on(async { evloop::spawn_blocking(|| 1 + 1).await.unwrap() }), 2);
    /// ```
    pub fn blocking_keep_alive(mut self, keep_alive: Duration) -> Self {
        self.config.blocking_keep_alive = keep_alive;
        self
    }

    /// Turns debug mode on or off: asyncio's `asyncio.run(main(), debug=True)`. The default
    /// comes from the environment variable `EVLOOP_DEBUG` (`EVLOOP_DEBUG=1 cargo run`).
    ///
    /// In debug mode the runtime reports slow polls, tasks still pending at shutdown,
    /// panics nobody retrieved and misuse; see [`crate::debug`]. It costs two clock reads
    /// per poll.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::builder().debug(true).build().unwrap();
    /// rt.block_on(async {
    ///     let task = evloop::spawn(async {});
    ///     evloop::yield_now().await; // the task runs
    ///     // Debug mode times each task's polls:
    ///     assert!(evloop::debug::tasks()[0].busy.is_some());
    ///     task.await.unwrap();
    /// });
    /// ```
    pub fn debug(mut self, on: bool) -> Self {
        self.config.debug = on;
        self
    }

    /// Runs each task poll inside a `tracing` span `poll` (target `evloop`, level TRACE)
    /// with the fields `task.id`, `task.name` and `task.spawned_at`, so that what a task
    /// logs carries them. Off by default; off, it costs nothing (the choice is made once,
    /// when the runtime is built). Feature `tracing`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::builder().trace_polls(true).build().unwrap();
    /// rt.block_on(async { evloop::spawn(async { tracing::info!("inside a poll span") }).await.unwrap() });
    /// ```
    #[cfg(feature = "tracing")]
    pub fn trace_polls(mut self, on: bool) -> Self {
        self.config.trace_polls = on;
        self
    }

    /// In debug mode, the poll duration above which a [`DebugEvent::SlowPoll`] is reported
    /// (asyncio's `loop.slow_callback_duration`). Default 100 ms.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// use std::time::Duration;
    /// use evloop::debug::DebugEvent;
    ///
    /// let slow = Rc::new(RefCell::new(Vec::new()));
    /// let sink = slow.clone();
    /// let rt = evloop::Runtime::builder()
    ///     .debug(true)
    ///     .slow_poll_threshold(Duration::from_millis(10))
    ///     .on_debug_event(move |event| {
    ///         if let DebugEvent::SlowPoll { threshold, .. } = event {
    ///             sink.borrow_mut().push(*threshold);
    ///         }
    ///     })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     // A poll that blocks the loop for 20 ms:
    ///     evloop::spawn(async { std::thread::sleep(Duration::from_millis(20)) }).await.unwrap();
    /// });
    /// assert_eq!(slow.borrow()[0], Duration::from_millis(10)); // reported: 20 ms > 10 ms
    /// ```
    #[doc(alias = "slow_callback_duration")]
    pub fn slow_poll_threshold(mut self, threshold: Duration) -> Self {
        self.config.slow_poll_threshold = threshold;
        self
    }

    /// Sends debug events to `sink` instead of stderr. The callback runs on the loop's
    /// thread, between polls; it may inspect the runtime (for instance call
    /// [`crate::debug::dump`]) but should be quick.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// let seen = Rc::new(RefCell::new(Vec::new()));
    /// let sink = seen.clone();
    /// let rt = evloop::Runtime::builder()
    ///     .debug(true)
    ///     .on_debug_event(move |event| sink.borrow_mut().push(event.to_string()))
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     evloop::spawn(std::future::pending::<()>()); // never finishes
    /// });
    /// drop(rt); // reports the task still pending
    /// assert!(seen.borrow().iter().any(|line| line.starts_with("evloop: task destroyed")));
    /// ```
    pub fn on_debug_event(mut self, sink: impl Fn(&DebugEvent) + 'static) -> Self {
        self.config.debug_sink = Some(Rc::new(sink));
        self
    }

    /// What to do when a task panics and its `JoinHandle` was dropped without looking:
    /// ignore it (the default; reported in debug mode) or shut the loop down by re-raising
    /// the panic from `block_on`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::panic::{AssertUnwindSafe, catch_unwind};
    /// use evloop::debug::UnhandledPanic;
    /// let rt = evloop::Runtime::builder()
    ///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
    ///     .build()
    ///     .unwrap();
    /// let result = catch_unwind(AssertUnwindSafe(|| {
    ///     rt.block_on(async {
    ///         drop(evloop::spawn(async { panic!("nobody looks") }));
    ///         evloop::sleep(std::time::Duration::from_secs(60)).await;
    ///     })
    /// }));
    /// assert!(result.is_err()); // re-raised from block_on, long before the 60 s
    /// ```
    pub fn unhandled_panic(mut self, policy: UnhandledPanic) -> Self {
        self.config.panic_policy = match policy {
            UnhandledPanic::ShutdownRuntime => PanicPolicy::ShutdownRuntime,
            _ => PanicPolicy::Ignore,
        };
        self
    }

    /// Calls `handler` with each panic nobody will retrieve (asyncio's
    /// `loop.set_exception_handler`). Replaces the [`unhandled_panic`](Self::unhandled_panic)
    /// policy. The handler runs on the loop's thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// let failed = Rc::new(RefCell::new(Vec::new()));
    /// let handler = failed.clone();
    /// let rt = evloop::Runtime::builder()
    ///     .on_unhandled_panic(move |info| handler.borrow_mut().push(info.task.name))
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     drop(evloop::spawn_named("worker", async { panic!("nobody looks") }));
    ///     evloop::yield_now().await; // the task runs and panics
    /// });
    /// assert_eq!(*failed.borrow(), [Some("worker".to_owned())]);
    /// ```
    #[doc(alias = "set_exception_handler")]
    pub fn on_unhandled_panic(mut self, handler: impl Fn(UnhandledPanicInfo) + 'static) -> Self {
        self.config.panic_policy = PanicPolicy::Handler(Rc::new(handler));
        self
    }

    /// Prints the task table ([`crate::debug::dump`]) whenever the process receives
    /// `SIGQUIT` (`kill -QUIT <pid>`, or Ctrl-\\ in a terminal), through the debug sink as a
    /// [`DebugEvent::TaskDump`]; so a loop that seems stuck can be inspected from outside.
    /// Replaces SIGQUIT's default action (core dump) while the runtime lives. The table is
    /// printed by the loop, between polls: a loop stuck inside one poll cannot print it (debug
    /// mode reports that poll once it returns).
    ///
    /// Needs the `sigquit` feature.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// let tables = Rc::new(RefCell::new(Vec::new()));
    /// let sink = tables.clone();
    /// let rt = evloop::Runtime::builder()
    ///     .dump_on_sigquit(true)
    ///     .on_debug_event(move |event| sink.borrow_mut().push(event.to_string()))
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     evloop::spawn_named("stuck", std::future::pending::<()>());
    ///     // As `kill -QUIT <pid>` from outside:
    ///     signal_hook::low_level::raise(signal_hook::consts::SIGQUIT).unwrap();
    ///     evloop::sleep(std::time::Duration::from_millis(1)).await; // the loop turns
    /// });
    /// assert!(tables.borrow().iter().any(|table| table.contains("stuck")));
    /// ```
    #[cfg(feature = "sigquit")]
    pub fn dump_on_sigquit(mut self, on: bool) -> Self {
        self.config.dump_on_sigquit = on;
        self
    }

    /// Starts the runtime with its clock paused: virtual time, for tests. Timers, `sleep`,
    /// `interval` and `wait_for` then follow the loop's virtual clock
    /// ([`evloop::time::now`](crate::time::now)), which moves only when
    /// [`evloop::time::advance`](crate::time::advance) moves it or when the loop
    /// auto-advances: see [`evloop::time::pause`](crate::time::pause) for the exact rule.
    /// An hour of timeouts runs in milliseconds.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let rt = evloop::Runtime::builder().start_paused(true).build().unwrap();
    /// let real = Instant::now();
    /// rt.block_on(async {
    ///     let start = evloop::time::now();
    ///     evloop::sleep(Duration::from_secs(3600)).await; // no task can run: the clock jumps
    ///     assert!(evloop::time::now() - start >= Duration::from_secs(3600));
    /// });
    /// assert!(real.elapsed() < Duration::from_secs(60));
    /// ```
    pub fn start_paused(mut self, paused: bool) -> Self {
        self.config.start_paused = paused;
        self
    }

    /// How long (real time) a paused loop whose tasks wait on I/O must stay idle, with no
    /// I/O event, before its clock jumps to the next timer; 5 ms by default. It lets bytes
    /// already on their way over loopback (or a reply a peer process is computing) arrive
    /// before a timeout fires. `Duration::ZERO` jumps at once. A loop with no task waiting
    /// on I/O jumps at once whatever this is.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = evloop::Runtime::builder()
    ///     .start_paused(true)
    ///     .auto_advance_grace(Duration::from_millis(50)) // a slow peer process
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(evloop::sleep(Duration::from_secs(1)));
    /// ```
    pub fn auto_advance_grace(mut self, grace: Duration) -> Self {
        self.config.advance_grace = grace;
        self
    }

    /// Shuffles the scheduling order reproducibly from `seed`, to find bugs that appear only
    /// in one interleaving: which ready task is polled next, and in which order several
    /// simultaneous I/O events and timers wake their tasks, are drawn from a generator
    /// seeded with `seed`. The same seed on the same program gives the same order. The
    /// FIFO and timers-first orders documented for the loop then no longer hold (that is
    /// the point); what a single future promises about its own children (`gather`) still
    /// does.
    ///
    /// A seeded loop polls one task per turn (its `event_interval` is 1), which makes it
    /// slower: it is a tool for tests. Without a seed (the default) the loop keeps its FIFO
    /// order and pays one branch per turn. The
    /// environment variable `EVLOOP_SEED` seeds every runtime built without an explicit
    /// seed: the way to replay a failure that
    /// [`evloop::testing::run_with_seeds`](crate::testing::run_with_seeds) reported.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// let order = |seed| {
    ///     let rt = evloop::Runtime::builder().seed(seed).build().unwrap();
    ///     rt.block_on(async {
    ///         let seen = Rc::new(RefCell::new(Vec::new()));
    ///         let tasks: Vec<_> = (0..8)
    ///             .map(|i| {
    ///                 let seen = seen.clone();
    ///                 evloop::spawn(async move { seen.borrow_mut().push(i) })
    ///             })
    ///             .collect();
    ///         evloop::gather(tasks).await;
    ///         seen.take()
    ///     })
    /// };
    /// assert_eq!(order(7), order(7)); // reproducible
    /// assert!((0..20).any(|seed| order(seed) != (0..8).collect::<Vec<_>>())); // shuffled
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = Some(seed);
        self
    }

    /// Builds the runtime.
    ///
    /// # Errors
    ///
    /// As [`Runtime::new`]; also `InvalidInput` if the environment variable `EVLOOP_SEED`
    /// is set but is not a number (`u64`).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::builder().build()?;
    /// assert_eq!(rt.block_on(async { evloop::spawn(async { 1 + 1 }).await.unwrap() }), 2);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn build(mut self) -> io::Result<Runtime> {
        self.config.observe_polls = self.config.debug || self.config.trace_polls;
        if self.config.seed.is_none() {
            self.config.seed = seed_from_env()?;
        }
        if self.config.seed.is_some() {
            // One poll per turn: each turn's pick is drawn from the seed (`shuffle.rs`).
            self.config.event_interval = 1;
        }
        Runtime::from_config(self.config)
    }
}
