//! The permits a [`Semaphore`](super::Semaphore) hands out, and `TryAcquireError`.

use std::error::Error;
use std::fmt;
use std::mem;
use std::rc::Rc;

use super::Semaphore;

/// Permits borrowed from a [`Semaphore`]; dropping it gives them back.
///
/// # Examples
///
/// ```
/// let sem = evloop::sync::Semaphore::new(2);
/// let permit = sem.try_acquire_many(2).unwrap();
/// assert_eq!(permit.num_permits(), 2);
/// drop(permit);
/// assert_eq!(sem.available_permits(), 2);
/// ```
#[must_use = "permits are given back as soon as they are dropped"]
#[derive(Debug)]
pub struct SemaphorePermit<'a> {
    pub(super) semaphore: &'a Semaphore,
    pub(super) permits: usize,
}

impl SemaphorePermit<'_> {
    /// How many permits this holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = evloop::sync::Semaphore::new(1);
    /// assert_eq!(sem.try_acquire().unwrap().num_permits(), 1);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// Drops the permits without giving them back: the semaphore has that many fewer for
    /// good (until [`Semaphore::add_permits`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = evloop::sync::Semaphore::new(2);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        let permits = mem::take(&mut self.permits);
        if permits > 0 {
            self.semaphore.release(permits);
        }
    }
}

/// Permits from an `Rc<Semaphore>`, owning that `Rc`; dropping it gives them back.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// let sem = Rc::new(evloop::sync::Semaphore::new(1));
/// evloop::run(async {
///     let permit = sem.clone().acquire_owned().await;
///     assert!(Rc::ptr_eq(permit.semaphore(), &sem));
///     drop(permit);
///     assert_eq!(sem.available_permits(), 1);
/// });
/// ```
#[must_use = "permits are given back as soon as they are dropped"]
#[derive(Debug)]
pub struct OwnedSemaphorePermit {
    pub(super) semaphore: Rc<Semaphore>,
    pub(super) permits: usize,
}

impl OwnedSemaphorePermit {
    /// How many permits this holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// evloop::run(async {
    ///     let sem = Rc::new(evloop::sync::Semaphore::new(1));
    ///     assert_eq!(sem.acquire_owned().await.num_permits(), 1);
    /// });
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore the permits came from.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// evloop::run(async {
    ///     let sem = Rc::new(evloop::sync::Semaphore::new(1));
    ///     let permit = sem.acquire_owned().await;
    ///     assert_eq!(permit.semaphore().available_permits(), 0);
    /// });
    /// ```
    pub fn semaphore(&self) -> &Rc<Semaphore> {
        &self.semaphore
    }

    /// Drops the permits without giving them back; see [`SemaphorePermit::forget`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// evloop::run(async {
    ///     let sem = Rc::new(evloop::sync::Semaphore::new(1));
    ///     sem.clone().acquire_owned().await.forget();
    ///     assert_eq!(sem.available_permits(), 0);
    /// });
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        let permits = mem::take(&mut self.permits);
        if permits > 0 {
            self.semaphore.release(permits);
        }
    }
}

/// No permits could be taken without waiting: returned by [`Semaphore::try_acquire`] and
/// its variants.
///
/// # Examples
///
/// ```
/// let sem = evloop::sync::Semaphore::new(0);
/// let err = sem.try_acquire().unwrap_err();
/// assert_eq!(err.to_string(), "not enough permits available, or tasks are queued for them");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TryAcquireError(pub(super) ());

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not enough permits available, or tasks are queued for them")
    }
}

impl Error for TryAcquireError {}
