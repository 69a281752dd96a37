//! `spawn` and `spawn_named`: asyncio's `create_task`.

use std::future::Future;
use std::panic::Location;

use super::JoinHandle;

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

/// Spawns a named task (asyncio's `create_task(coro, name=...)`); see [`spawn`]. The
/// name shows in `debug::tasks()`, debug reports and `task::current_info()`.
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

/// Spawns on the current runtime; the body of `spawn` and `spawn_named`.
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
    match crate::runtime::spawn_task(future, name, location) {
        Some((host, id, public_id)) => JoinHandle::new(host, id, public_id),
        None => panic!("evloop::spawn: {}", crate::runtime::NO_RUNTIME),
    }
}
