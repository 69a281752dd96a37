//! `task::Builder`: spawning with a name.

use std::future::Future;
use std::panic::Location;

use super::JoinHandle;

/// Configures a task before spawning it; today, its name.
///
/// The name shows in `Debug` output and in debugging reports; it costs one allocation.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let handle = evloop::task::Builder::new().name("fetcher").spawn(async { 1 });
///     assert_eq!(handle.await.unwrap(), 1);
/// });
/// ```
#[derive(Debug, Default, Clone)]
pub struct Builder {
    name: Option<Box<str>>,
}

impl Builder {
    /// A builder with no name set.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let task = evloop::task::Builder::new().spawn(async { evloop::task::current_info() });
    ///     assert_eq!(task.await.unwrap().unwrap().name, None);
    /// });
    /// ```
    pub fn new() -> Self {
        Builder::default()
    }

    /// Names the task (asyncio's `create_task(coro, name=...)`).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let builder = evloop::task::Builder::new().name("worker-1");
    ///     let task = builder.spawn(async { evloop::task::current_info() });
    ///     assert_eq!(task.await.unwrap().unwrap().name.as_deref(), Some("worker-1"));
    /// });
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into().into_boxed_str());
        self
    }

    /// Spawns `future` on the current runtime, as [`crate::spawn`] does.
    ///
    /// # Panics
    ///
    /// Panics outside a runtime, as [`crate::spawn`] does.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let out = evloop::task::Builder::new().name("t").spawn(async { "done" }).await;
    ///     assert_eq!(out.unwrap(), "done");
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        crate::runtime::spawn_inner(future, self.name, Location::caller())
    }
}
