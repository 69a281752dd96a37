//! `Id`: a task's public identity, and `current()`.

use std::fmt;
use std::num::NonZeroU64;

/// A task's id: unique among the tasks of one runtime, never reused by it.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let handle = evloop::spawn(async { evloop::task::current() });
///     let id = handle.id();
///     assert_eq!(handle.await.unwrap(), id);
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(pub(crate) NonZeroU64);

impl Id {
    pub(crate) fn new(raw: u64) -> Self {
        Id(NonZeroU64::new(raw).expect("task ids start at 1"))
    }

    /// The id as a number.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     assert!(evloop::spawn(async {}).id().as_u64() >= 1);
    /// });
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f) // honours width and alignment
    }
}

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
///     let info = evloop::task::Builder::new()
///         .name("indexer")
///         .spawn(async { evloop::task::current_info() })
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
