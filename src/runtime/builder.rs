//! `Builder`: runtime configuration.

use std::io;
use std::time::Duration;

use super::Runtime;

/// Settings a runtime is built with.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) event_interval: u32,
    pub(crate) events_capacity: usize,
    pub(crate) max_blocking_threads: usize,
    pub(crate) blocking_keep_alive: Duration,
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
/// rt.block_on(async {});
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
    /// blocking threads that retire after 10 s idle.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::runtime::Builder::new().build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn new() -> Self {
        Builder {
            config: Config {
                event_interval: 61,
                events_capacity: 1024,
                max_blocking_threads: 64,
                blocking_keep_alive: Duration::from_secs(10),
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
    /// # drop(rt);
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
    /// # drop(rt);
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
    /// let rt = evloop::Runtime::builder().max_blocking_threads(4).build().unwrap();
    /// # drop(rt);
    /// ```
    #[track_caller]
    pub fn max_blocking_threads(mut self, n: usize) -> Self {
        assert!(n > 0, "max_blocking_threads must be at least 1");
        self.config.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking thread waits for work before it exits.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = evloop::Runtime::builder().blocking_keep_alive(Duration::from_millis(100)).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn blocking_keep_alive(mut self, keep_alive: Duration) -> Self {
        self.config.blocking_keep_alive = keep_alive;
        self
    }

    /// Builds the runtime.
    ///
    /// # Errors
    ///
    /// As [`Runtime::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::builder().build()?;
    /// # drop(rt);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn build(self) -> io::Result<Runtime> {
        Runtime::from_config(self.config)
    }
}
