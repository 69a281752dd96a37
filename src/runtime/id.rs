//! `Id`: a task's public identity (re-exported as `evloop::task::Id`).

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
