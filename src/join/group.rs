//! `TaskGroup`: structured concurrency with asyncio 3.11 semantics.
//!
//! # Ground rules
//!
//! * The group owns its children: each child is a spawned task wrapped so that it reports
//!   its outcome to the group's shared state (`Rc<RefCell<State>>`), panics included.
//! * The first child to fail (return `Err` or panic) records the error and aborts every
//!   other child at once; later failures are dropped (asyncio would group them; evloop
//!   returns the first, which is what callers act on).
//! * Every child holds a guard whose `Drop` counts it out of `running`, so an aborted child
//!   (or one dropped with the runtime) can never leave `join` waiting.
//! * Dropping the `TaskGroup` (or the future of `join`) aborts the children still running.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::rc::{Rc, Weak};
use std::task::{Poll, Waker};

use crate::task::JoinHandle;

/// Why a [`TaskGroup`] failed: the first child that returned an error, or panicked.
///
/// # Examples
///
/// ```
/// use evloop::GroupError;
/// evloop::run(async {
///     let group = evloop::TaskGroup::<(), &str>::new();
///     group.spawn(async { Err("no") });
///     assert!(matches!(group.join().await, Err(GroupError::Failed("no"))));
/// });
/// ```
#[non_exhaustive]
pub enum GroupError<E> {
    /// A child returned this error.
    Failed(E),
    /// A child panicked with this payload.
    Panicked(Box<dyn Any + Send + 'static>),
}

impl<E: fmt::Debug> fmt::Debug for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupError::Failed(err) => f.debug_tuple("Failed").field(err).finish(),
            GroupError::Panicked(payload) => f
                .debug_tuple("Panicked")
                .field(&crate::runtime::panic_message(payload.as_ref()))
                .finish(),
        }
    }
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupError::Failed(err) => write!(f, "a task of the group failed: {err}"),
            GroupError::Panicked(payload) => {
                match crate::runtime::panic_message(payload.as_ref()) {
                    Some(message) => write!(f, "a task of the group panicked: {message}"),
                    None => f.write_str("a task of the group panicked"),
                }
            }
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for GroupError<E> {}

struct State<T, E> {
    /// Handles of the children, by spawn order (`None` once finished).
    handles: Vec<Option<JoinHandle<()>>>,
    /// Outputs of the children that succeeded, by spawn order.
    outputs: Vec<Option<T>>,
    running: usize,
    failure: Option<GroupError<E>>,
    waiter: Option<Waker>,
}

type Shared<T, E> = Rc<RefCell<State<T, E>>>;

/// A group of tasks that succeed or fail together: asyncio's `TaskGroup`.
///
/// [`spawn`](Self::spawn) children returning `Result<T, E>`; [`join`](Self::join) waits for
/// all of them and returns their values in spawn order. The first child that fails (returns
/// `Err` or panics) cancels its siblings, and `join` returns that error. Dropping the group
/// (or cancelling `join`) cancels the children still running. Children can add siblings
/// through a [`GroupSpawner`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// evloop::run(async {
///     let group = evloop::TaskGroup::new();
///     for ms in [20u64, 10] {
///         group.spawn(async move {
///             evloop::sleep(Duration::from_millis(ms)).await;
///             Ok::<_, std::io::Error>(ms)
///         });
///     }
///     assert_eq!(group.join().await.unwrap(), [20, 10]);
/// });
/// ```
pub struct TaskGroup<T, E> {
    shared: Shared<T, E>,
}

/// A handle that adds children to a [`TaskGroup`] (for instance from inside a child); it
/// does not keep the group alive.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let group = evloop::TaskGroup::<u8, ()>::new();
///     let spawner = group.spawner();
///     group.spawn(async move {
///         spawner.spawn(async { Ok(2) }).unwrap(); // a sibling, from inside a child
///         Ok(1)
///     });
///     assert_eq!(group.join().await.unwrap(), [1, 2]);
/// });
/// ```
pub struct GroupSpawner<T, E> {
    shared: Weak<RefCell<State<T, E>>>,
}

impl<T, E> Clone for GroupSpawner<T, E> {
    fn clone(&self) -> Self {
        GroupSpawner {
            shared: self.shared.clone(),
        }
    }
}

/// Error of [`GroupSpawner::spawn`]: the group is gone or has already failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupClosed(());

impl fmt::Display for GroupClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the task group is gone or has failed; the task was not started")
    }
}

impl std::error::Error for GroupClosed {}

impl<T: 'static, E: 'static> TaskGroup<T, E> {
    /// An empty group.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let group = evloop::TaskGroup::<(), ()>::new();
    ///     assert!(group.join().await.unwrap().is_empty());
    /// });
    /// ```
    pub fn new() -> Self {
        TaskGroup {
            shared: Rc::new(RefCell::new(State {
                handles: Vec::new(),
                outputs: Vec::new(),
                running: 0,
                failure: None,
                waiter: None,
            })),
        }
    }

    /// Spawns `future` as a child: asyncio's `tg.create_task(coro)`. If the group has already
    /// failed, the future is dropped without running.
    ///
    /// # Panics
    ///
    /// Panics outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let group = evloop::TaskGroup::<i32, String>::new();
    ///     group.spawn(async { Ok(1) });
    ///     assert_eq!(group.join().await.unwrap(), [1]);
    /// });
    /// ```
    #[doc(alias = "create_task")]
    #[track_caller]
    pub fn spawn<F>(&self, future: F)
    where
        F: Future<Output = Result<T, E>> + 'static,
    {
        let _ = spawn_child(&self.shared, future);
    }

    /// A handle for adding children later, from anywhere on this loop.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let group = evloop::TaskGroup::<i32, ()>::new();
    ///     let spawner = group.spawner();
    ///     group.spawn(async move {
    ///         spawner.spawn(async { Ok(2) }).unwrap(); // a child adds a sibling
    ///         Ok(1)
    ///     });
    ///     assert_eq!(group.join().await.unwrap(), [1, 2]);
    /// });
    /// ```
    pub fn spawner(&self) -> GroupSpawner<T, E> {
        GroupSpawner {
            shared: Rc::downgrade(&self.shared),
        }
    }

    /// Number of children still running.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let group = evloop::TaskGroup::<(), ()>::new();
    ///     group.spawn(std::future::pending());
    ///     assert_eq!(group.running(), 1);
    /// });
    /// ```
    pub fn running(&self) -> usize {
        self.shared.borrow().running
    }

    /// Waits for every child; returns their values in spawn order, or the first failure (the
    /// other children were cancelled when it happened).
    ///
    /// # Errors
    ///
    /// [`GroupError::Failed`] with the first error a child returned, or
    /// [`GroupError::Panicked`] with the first panic payload.
    ///
    /// # Cancellation
    ///
    /// Dropping the returned future drops the group, which cancels the children still
    /// running (as cancelling the task inside `async with TaskGroup()` does).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// evloop::run(async {
    ///     let group = evloop::TaskGroup::new();
    ///     group.spawn(async {
    ///         evloop::sleep(Duration::from_secs(60)).await;
    ///         Ok(1)
    ///     });
    ///     group.spawn(async { Err("failed fast") });
    ///     // The failure cancels the 60 s sibling at once.
    ///     assert!(group.join().await.is_err());
    /// });
    /// ```
    pub async fn join(self) -> Result<Vec<T>, GroupError<E>> {
        poll_fn(|cx| {
            let mut state = self.shared.borrow_mut();
            if state.running > 0 {
                match &state.waiter {
                    Some(waiter) if waiter.will_wake(cx.waker()) => {}
                    _ => state.waiter = Some(cx.waker().clone()),
                }
                return Poll::Pending;
            }
            if let Some(failure) = state.failure.take() {
                return Poll::Ready(Err(failure));
            }
            let outputs = std::mem::take(&mut state.outputs);
            Poll::Ready(Ok(outputs.into_iter().flatten().collect()))
        })
        .await
    }
}

impl<T: 'static, E: 'static> Default for TaskGroup<T, E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: 'static, E: 'static> GroupSpawner<T, E> {
    /// Spawns `future` as a child of the group.
    ///
    /// # Errors
    ///
    /// [`GroupClosed`] if the group was dropped or has failed (the future is dropped).
    ///
    /// # Panics
    ///
    /// Panics outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let group = evloop::TaskGroup::<(), ()>::new();
    ///     let spawner = group.spawner();
    ///     drop(group);
    ///     assert!(spawner.spawn(async { Ok(()) }).is_err());
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Result<(), GroupClosed>
    where
        F: Future<Output = Result<T, E>> + 'static,
    {
        let shared = self.shared.upgrade().ok_or(GroupClosed(()))?;
        spawn_child(&shared, future)
    }
}

/// Spawns a child that reports to `shared`.
#[track_caller]
fn spawn_child<T: 'static, E: 'static, F>(
    shared: &Shared<T, E>,
    future: F,
) -> Result<(), GroupClosed>
where
    F: Future<Output = Result<T, E>> + 'static,
{
    let index = {
        let mut state = shared.borrow_mut();
        if state.failure.is_some() {
            return Err(GroupClosed(()));
        }
        state.handles.push(None);
        state.outputs.push(None);
        state.running += 1;
        state.handles.len() - 1
    };
    let guard = ChildGuard {
        shared: Rc::downgrade(shared),
        index,
        done: false,
    };
    let handle = crate::spawn(async move {
        let mut guard = guard;
        let mut future = pin!(future);
        let outcome = poll_fn(|cx| {
            crate::runtime::poll_catching(future.as_mut(), cx).map(|result| match result {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(err)) => Err(GroupError::Failed(err)),
                Err(payload) => Err(GroupError::Panicked(payload)),
            })
        })
        .await;
        guard.finish(outcome);
    });
    shared.borrow_mut().handles[index] = Some(handle);
    Ok(())
}

/// Counts a child out of the group when it finishes, is aborted, or is dropped.
struct ChildGuard<T, E> {
    shared: Weak<RefCell<State<T, E>>>,
    index: usize,
    done: bool,
}

impl<T, E> ChildGuard<T, E> {
    fn finish(&mut self, outcome: Result<T, GroupError<E>>) {
        let Some(shared) = self.shared.upgrade() else {
            return;
        };
        let to_abort = {
            let mut state = shared.borrow_mut();
            match outcome {
                Ok(value) => {
                    state.outputs[self.index] = Some(value);
                    Vec::new()
                }
                Err(failure) if state.failure.is_none() => {
                    state.failure = Some(failure);
                    // Cancel the siblings (outside the borrow: aborting drops their futures).
                    let me = self.index;
                    state
                        .handles
                        .iter_mut()
                        .enumerate()
                        .filter(|(i, _)| *i != me)
                        .filter_map(|(_, h)| h.take())
                        .collect()
                }
                Err(_) => Vec::new(), // a later failure: the first one is reported
            }
        };
        for handle in &to_abort {
            handle.abort();
        }
        drop(to_abort);
        self.count_out(&shared);
    }

    fn count_out(&mut self, shared: &Shared<T, E>) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let waiter = {
            let mut state = shared.borrow_mut();
            state.running -= 1;
            state.handles[self.index] = None;
            if state.running == 0 {
                state.waiter.take()
            } else {
                None
            }
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}

impl<T, E> Drop for ChildGuard<T, E> {
    fn drop(&mut self) {
        if !self.done {
            if let Some(shared) = self.shared.upgrade() {
                // `try_borrow_mut`: the group itself may be dropping us while it holds a
                // borrow; then there is nobody left to count for.
                if shared.try_borrow_mut().is_ok() {
                    self.count_out(&shared);
                }
            }
        }
    }
}

impl<T, E> Drop for TaskGroup<T, E> {
    fn drop(&mut self) {
        let handles: Vec<JoinHandle<()>> = {
            let mut state = self.shared.borrow_mut();
            state.handles.iter_mut().filter_map(Option::take).collect()
        };
        for handle in &handles {
            handle.abort();
        }
    }
}

impl<T, E> fmt::Debug for TaskGroup<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.borrow();
        f.debug_struct("TaskGroup")
            .field("running", &state.running)
            .field("failed", &state.failure.is_some())
            .finish()
    }
}

impl<T, E> fmt::Debug for GroupSpawner<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupSpawner")
            .field("alive", &(self.shared.strong_count() > 0))
            .finish()
    }
}
