//! The thread-local "current runtime", the panics for using evloop outside one, and the
//! doors through which the rest of the crate reaches the runtime of the current thread.
//!
//! # Doors
//!
//! Other rooms never see `Core`: they call these functions (one short thread-local read
//! each), or hold one of the handles of `doors.rs` (`TaskHost` for `JoinHandle`,
//! `ReactorHandle` for I/O registrations), which keep the runtime alive.
//!
//! # Ground rules
//!
//! `CURRENT` is set for the whole of a `block_on` (and of a runtime's shutdown) and is
//! otherwise `None`. It is only mutably borrowed by [`enter`] and the guard's drop, which run
//! no user code; everything else takes short shared borrows. A second `enter` on a thread
//! whose runtime is running is the "`block_on` inside a runtime" misuse and panics.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io;
use std::panic::Location;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use super::blocking_pool::{Job, Lane};
use super::core::Core;
use super::doors::TaskHost;
use super::id::Id;
use super::shared;
use super::store::TaskId;
use crate::time::wheel::{TimerKey, Wheel};

thread_local! {
    /// Owns the current runtime's `Core` while it runs.
    static CURRENT: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
    /// The same `Core`, as a plain pointer, for the hot paths (every wake and timer goes
    /// through here): reading it needs no borrow flag and no destructor-state check.
    /// Non-null exactly while `CURRENT` is `Some`, and then equal to `Rc::as_ptr` of it.
    static CURRENT_PTR: Cell<*const Core> = const { Cell::new(std::ptr::null()) };
}

/// Runs `f` with the current runtime, or returns `None` if there is none (or the thread is
/// being torn down).
pub(super) fn with_current<R>(f: impl FnOnce(&Core) -> R) -> Option<R> {
    let ptr = CURRENT_PTR.try_with(Cell::get).ok()?;
    if ptr.is_null() {
        return None;
    }
    // `CURRENT_PTR` and `CURRENT` are set together in `set_current` and cleared together by
    // the guard; `f` cannot end the `block_on` or drop the guard. Only a shared reference is
    // made, on the owning thread; all of `Core`'s mutable state is behind `Cell`/`RefCell`.
    // SAFETY: non-null `ptr` means `CURRENT` holds an `Rc` to this `Core` for the whole call.
    Some(f(unsafe { &*ptr }))
}

/// The current runtime, if any.
pub(super) fn current_core() -> Option<Rc<Core>> {
    let ptr = CURRENT_PTR.try_with(Cell::get).ok()?;
    if ptr.is_null() {
        return None;
    }
    // A non-null `CURRENT_PTR` is `Rc::as_ptr` of the `Rc<Core>` that `CURRENT` holds (they
    // are set and cleared together, see `with_current`), so the allocation is alive with a
    // strong count of at least one; the increment is the new `Rc`'s own count. (`as_ptr`
    // gives the pointer `into_raw` would, which `increment_strong_count` and `from_raw`
    // ask for.) One thread-local read instead of a `RefCell` borrow of `CURRENT` (every
    // spawn comes here).
    // SAFETY: `ptr` comes from an `Rc<Core>` that stays alive for this call (above).
    Some(unsafe {
        Rc::increment_strong_count(ptr);
        Rc::from_raw(ptr)
    })
}

/// Installs `core` (or nothing) as current, keeping `CURRENT_PTR` in step; returns the
/// previous one, to be dropped by the caller after this returns.
fn set_current(core: Option<Rc<Core>>) -> Option<Rc<Core>> {
    let ptr = core.as_ref().map_or(std::ptr::null(), Rc::as_ptr);
    CURRENT.with(|current| {
        let previous = std::mem::replace(&mut *current.borrow_mut(), core);
        CURRENT_PTR.with(|p| p.set(ptr));
        previous
    })
}

/// Makes `core` current until the guard drops.
///
/// # Panics
///
/// Panics if a runtime is already running on this thread: `block_on` would block the very
/// loop that must drive the future.
#[track_caller]
pub(super) fn enter(core: Rc<Core>) -> EnterGuard {
    let running = CURRENT.with(|current| current.borrow().is_some());
    if running {
        panic!(
            "evloop: cannot call block_on (or evloop::run) from inside a running evloop \
                 runtime: it would block the thread that drives the loop. Use `.await` on the \
                 future instead, or `evloop::spawn` it and await its JoinHandle."
        );
    }
    drop(set_current(Some(core)));
    EnterGuard { previous: None }
}

/// Makes `core` current even if another runtime is (used while a runtime shuts down, so
/// destructors of its tasks see their own runtime); the previous one comes back on drop.
pub(super) fn enter_for_shutdown(core: Rc<Core>) -> EnterGuard {
    let previous = set_current(Some(core));
    EnterGuard { previous }
}

/// Restores the previous current runtime on drop.
pub(super) struct EnterGuard {
    previous: Option<Rc<Core>>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        if CURRENT.try_with(|_| ()).is_ok() {
            // The old `Core` is dropped after both thread-locals stopped pointing at it.
            drop(set_current(previous));
        } else {
            // `CURRENT` is already destroyed (thread exit): `CURRENT_PTR`, which has no
            // destructor, must not go on naming a `Core` nobody holds for it.
            let _ = CURRENT_PTR.try_with(|ptr| ptr.set(std::ptr::null()));
        }
    }
}

/// The message of the "no runtime" panics.
pub(crate) const NO_RUNTIME: &str = "there is no evloop runtime running on this thread. \
    Call it from inside `evloop::run(...)` or `Runtime::block_on(...)`; from another thread, \
    use a `Handle` obtained with `Runtime::handle()`";

/// Spawns `future` on the runtime of this thread: its host, address and public id, or
/// `None` outside a runtime.
#[inline]
pub(crate) fn spawn_task<F>(
    future: F,
    name: Option<Box<str>>,
    location: &'static Location<'static>,
) -> Option<(TaskHost, TaskId, Id)>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let core = current_core()?;
    let (id, public_id) = core.spawn(future, name, location);
    Some((TaskHost::new(core), id, public_id))
}

/// Spawns `future` on this thread's runtime, detached: nobody joins it (remote spawns, a
/// dropped file's last writes). False outside a runtime (the future is dropped).
pub(crate) fn spawn_detached<F>(future: F, location: &'static Location<'static>) -> bool
where
    F: Future<Output = ()> + 'static,
{
    match spawn_task(future, None, location) {
        Some((host, id, _)) => {
            host.detach(id);
            true
        }
        None => false,
    }
}

/// Runs `job` in `lane` of the blocking pool of this thread's runtime; `None` outside a
/// runtime.
pub(crate) fn execute_blocking(lane: Lane, job: Job) -> Option<io::Result<()>> {
    with_current(|core| core.shared.blocking.execute(lane, job))
}

/// Whether this thread runs an evloop runtime.
pub(crate) fn in_runtime() -> bool {
    with_current(|_| ()).is_some()
}

/// The task table of this thread's runtime (`debug::tasks()`).
pub(crate) fn current_snapshot() -> Option<Vec<crate::debug::TaskSnapshot>> {
    with_current(Core::snapshot)
}

/// The counters of this thread's runtime (`debug::metrics()`).
pub(crate) fn current_metrics() -> Option<crate::debug::RuntimeMetrics> {
    with_current(Core::metrics)
}

/// Records `wait` as what the task being polled waits on (debug snapshots); nothing
/// outside a task poll.
#[inline]
pub(crate) fn note_wait(wait: crate::debug::Wait) {
    with_current(|core| core.note_wait(wait));
}

/// Cooperative scheduling: takes one unit of the current poll's budget (128 operations that
/// completed without waiting). When it is spent, wakes the task and returns `Pending`, so a
/// task that keeps finding work ready (a channel that never runs dry, a socket that always
/// has bytes) still lets the other tasks, timers and I/O run. Outside a runtime, `Ready`.
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    match with_current(Core::consume_budget) {
        Some(false) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        _ => Poll::Ready(()),
    }
}

/// Wakes task `id` of runtime `tag`: the one local/remote branch (see `task/waker.rs`).
pub(crate) fn wake_task(tag: u16, id: TaskId) {
    let woke_locally = with_current(|core| {
        if core.tag == tag {
            core.wake_local(id);
            true
        } else {
            false
        }
    });
    if woke_locally != Some(true) {
        shared::remote_wake(tag, id);
    }
}

/// Runs `f` on the timer wheel of runtime `runtime_id`, if it is the current one.
pub(crate) fn with_timers<R>(runtime_id: u64, f: impl FnOnce(&mut Wheel) -> R) -> Option<R> {
    with_current(|core| (core.id == runtime_id).then(|| f(&mut core.timers.borrow_mut()))).flatten()
}

/// Arms a timer on the current runtime; returns the runtime's id and the timer's key, or
/// `None` if the wheel's clock has already passed `deadline`.
#[track_caller]
pub(crate) fn arm_timer(deadline: Instant, waker: &Waker) -> Option<(u64, TimerKey)> {
    match with_current(|core| Some((core.id, core.arm_timer(deadline, waker)?))) {
        Some(armed) => armed,
        None => panic!("evloop timer polled outside a runtime: {}", NO_RUNTIME),
    }
}

/// The id of the task being polled on this thread.
pub(crate) fn current_task_id() -> Option<Id> {
    with_current(|core| {
        let id = core.current_task.get()?;
        Some(Id::new(core.tasks.borrow().get(id)?.meta.id))
    })
    .flatten()
}

/// The description of the task being polled on this thread.
pub(crate) fn current_task_info() -> Option<crate::debug::TaskInfo> {
    with_current(|core| core.current_info()).flatten()
}

/// Reports misuse through the current runtime's debug sink (debug mode only).
pub(crate) fn report_misuse(message: impl FnOnce() -> String) {
    with_current(|core| {
        if core.config.debug {
            core.misuse(message());
        }
    });
}
