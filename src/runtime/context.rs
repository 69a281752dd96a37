//! The thread-local "current runtime", and the panics for using evloop outside one.
//!
//! # Ground rules
//!
//! `CURRENT` is set for the whole of a `block_on` (and of a runtime's shutdown) and is
//! otherwise `None`. It is only mutably borrowed by [`enter`] and the guard's drop, which run
//! no user code; everything else takes short shared borrows. A second `enter` on a thread
//! whose runtime is running is the "`block_on` inside a runtime" misuse and panics.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::Core;

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
pub(crate) fn with_current<R>(f: impl FnOnce(&Core) -> R) -> Option<R> {
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
pub(crate) fn current_core() -> Option<Rc<Core>> {
    CURRENT
        .try_with(|current| current.try_borrow().ok()?.clone())
        .ok()
        .flatten()
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
pub(crate) fn enter(core: Rc<Core>) -> EnterGuard {
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
pub(crate) fn enter_for_shutdown(core: Rc<Core>) -> EnterGuard {
    let previous = set_current(Some(core));
    EnterGuard { previous }
}

/// Restores the previous current runtime on drop.
pub(crate) struct EnterGuard {
    previous: Option<Rc<Core>>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        if CURRENT.try_with(|_| ()).is_ok() {
            // The old `Core` is dropped after both thread-locals stopped pointing at it.
            drop(set_current(previous));
        }
    }
}

/// The message of the "no runtime" panics.
pub(crate) const NO_RUNTIME: &str = "there is no evloop runtime running on this thread. \
    Call it from inside `evloop::run(...)` or `Runtime::block_on(...)`; from another thread, \
    use a `Handle` obtained with `Runtime::handle()`";
