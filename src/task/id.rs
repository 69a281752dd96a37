//! `current()`, `try_current()`, `current_info()`: which task is being polled.

use super::Id;

/// The id of the task being polled: asyncio's `current_task()`.
///
/// # Panics
///
/// Panics when called outside a spawned task (for instance in the future given to
/// `block_on`, which is not a task); use [`try_current`] there.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let handle = evloop::spawn(async { evloop::task::current() });
///     let id = handle.id();
///     assert_eq!(handle.await.unwrap(), id); // the task saw its own id
///     println!("ran as task {id}");
/// });
/// ```
#[doc(alias = "current_task")]
#[track_caller]
pub fn current() -> Id {
    try_current().expect(
        "evloop::task::current() called outside a spawned task; \
         use evloop::task::try_current() where there may be none",
    )
}

/// The id, name and spawn site of the task being polled, or `None` outside a spawned task.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let info = evloop::spawn_named("indexer", async { evloop::task::current_info() })
///         .await
///         .unwrap()
///         .unwrap();
///     assert_eq!(info.name.as_deref(), Some("indexer"));
///     assert!(info.location.file().ends_with(".rs"));
/// });
/// ```
pub fn current_info() -> Option<crate::debug::TaskInfo> {
    crate::runtime::current_task_info()
}

/// The id of the task being polled, or `None` outside a spawned task.
///
/// # Examples
///
/// ```
/// assert!(evloop::task::try_current().is_none());
/// evloop::run(async {
///     assert!(evloop::task::try_current().is_none()); // block_on's future is not a task
///     assert!(evloop::spawn(async { evloop::task::try_current() }).await.unwrap().is_some());
/// });
/// ```
pub fn try_current() -> Option<Id> {
    crate::runtime::current_task_id()
}
