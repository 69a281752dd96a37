//! The thread-local "current runtime", and the panics for using evloop outside one.
//!
//! # Ground rules
//!
//! `CURRENT` is set for the whole of a `block_on` (and of a runtime's shutdown) and is
//! otherwise `None`. It is only mutably borrowed by [`enter`] and the guard's drop, which run
//! no user code; everything else takes short shared borrows. A second `enter` on a thread
//! whose runtime is running is the "`block_on` inside a runtime" misuse and panics.

use std::cell::RefCell;
use std::rc::Rc;

use super::Core;

thread_local! {
    static CURRENT: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
}

/// Runs `f` with the current runtime, or returns `None` if there is none (or the thread is
/// being torn down).
pub(crate) fn with_current<R>(f: impl FnOnce(&Rc<Core>) -> R) -> Option<R> {
    CURRENT
        .try_with(|current| {
            let current = current.try_borrow().ok()?;
            current.as_ref().map(f)
        })
        .ok()
        .flatten()
}

/// The current runtime, if any.
pub(crate) fn current_core() -> Option<Rc<Core>> {
    with_current(Rc::clone)
}

/// Makes `core` current until the guard drops.
///
/// # Panics
///
/// Panics if a runtime is already running on this thread: `block_on` would block the very
/// loop that must drive the future.
#[track_caller]
pub(crate) fn enter(core: Rc<Core>) -> EnterGuard {
    CURRENT.with(|current| {
        let mut current = current.borrow_mut();
        if current.is_some() {
            drop(current);
            panic!(
                "evloop: cannot call block_on (or evloop::run) from inside a running evloop \
                 runtime: it would block the thread that drives the loop. Use `.await` on the \
                 future instead, or `evloop::spawn` it and await its JoinHandle."
            );
        }
        *current = Some(core);
    });
    EnterGuard { previous: None }
}

/// Makes `core` current even if another runtime is (used while a runtime shuts down, so
/// destructors of its tasks see their own runtime); the previous one comes back on drop.
pub(crate) fn enter_for_shutdown(core: Rc<Core>) -> EnterGuard {
    let previous = CURRENT.with(|current| current.borrow_mut().replace(core));
    EnterGuard { previous }
}

/// Restores the previous current runtime on drop.
pub(crate) struct EnterGuard {
    previous: Option<Rc<Core>>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|current| {
            let old = std::mem::replace(&mut *current.borrow_mut(), previous);
            drop(old);
        });
    }
}

/// The message of the "no runtime" panics.
pub(crate) const NO_RUNTIME: &str = "there is no evloop runtime running on this thread. \
    Call it from inside `evloop::run(...)` or `Runtime::block_on(...)`; from another thread, \
    use a `Handle` obtained with `Runtime::handle()`";
