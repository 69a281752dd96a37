//! `TaskCell<F>`: a spawned future, then its output, in one cell of the task arena.
//!
//! The executor sees it as a `TaskBox` (`task_arena.rs`, a pinned `dyn RawTask`): poll it,
//! cancel it, or move its output into a typed `Option<Result<T, JoinError>>` through a
//! pointer whose type the caller vouches for (`take_output`). A panic in `poll` is caught
//! here and stored as the task's output, so the loop goes on.
//!
//! # Safety
//!
//! `Stage::Running(F)` is structurally pinned: the future is polled through a pin projection
//! and is never moved out; it is only ever dropped in place (by `Pin::set` or by assigning a
//! new stage through the projection). The other stages hold no pinned data.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::JoinError;

/// Polls `future` once, catching a panic: `Ready(Err(payload))` if the poll panicked. The
/// one `catch_unwind` around a poll in the crate (task cells, remote spawns and task-group
/// children use it).
#[inline]
pub(crate) fn poll_catching<F: Future + ?Sized>(
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<std::thread::Result<F::Output>> {
    match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
        Ok(Poll::Pending) => Poll::Pending,
        Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
        Err(payload) => Poll::Ready(Err(payload)),
    }
}

/// A type-erased task, as the executor drives it.
pub(crate) trait RawTask {
    /// Polls the future. `Ready(())` means the output (or a panic) is now stored.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()>;
    /// Drops the future in place and stores `JoinError::Cancelled` as the output.
    fn cancel(self: Pin<&mut Self>);
    /// Moves the output into `*dst`.
    ///
    /// # Safety
    ///
    /// `dst` must point to a live `Option<Result<T, JoinError>>` where `T` is the output
    /// type of the future this task was spawned with. (A typed pointer instead of a
    /// `&mut dyn Any` downcast: no `type_id` call per join.)
    unsafe fn take_output(self: Pin<&mut Self>, dst: *mut ());
    /// If the task finished by panicking, takes the payload (nobody will read the output).
    fn take_panic(self: Pin<&mut Self>) -> Option<Box<dyn Any + Send>>;
}

enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

/// The concrete task type behind `dyn RawTask`.
pub(crate) struct TaskCell<F: Future> {
    stage: Stage<F>,
}

impl<F: Future> TaskCell<F> {
    pub(crate) fn new(future: F) -> Self {
        TaskCell {
            stage: Stage::Running(future),
        }
    }
}

impl<F: Future> RawTask for TaskCell<F>
where
    F::Output: 'static,
{
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Pin projection onto `Stage::Running(F)` (module # Safety).
        // SAFETY: `F` is structurally pinned: polled in place, only ever dropped in place.
        let this = unsafe { self.get_unchecked_mut() };
        let Stage::Running(future) = &mut this.stage else {
            return Poll::Ready(());
        };
        // SAFETY: `future` lives inside a pinned `TaskBox` and is not moved until dropped.
        let future = unsafe { Pin::new_unchecked(future) };
        let output = match poll_catching(future, cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result.map_err(JoinError::panic),
        };
        // Drop the future in place (never moved), catching a panic from its destructor.
        let dropped = catch_unwind(AssertUnwindSafe(|| this.stage = Stage::Consumed));
        drop(dropped);
        this.stage = Stage::Finished(output);
        Poll::Ready(())
    }

    fn cancel(self: Pin<&mut Self>) {
        // SAFETY: assigning to the stage drops a running future in place; nothing moves.
        let this = unsafe { self.get_unchecked_mut() };
        if let Stage::Running(_) = this.stage {
            let dropped = catch_unwind(AssertUnwindSafe(|| this.stage = Stage::Consumed));
            drop(dropped);
            this.stage = Stage::Finished(Err(JoinError::cancelled()));
        }
    }

    unsafe fn take_output(self: Pin<&mut Self>, dst: *mut ()) {
        // SAFETY: only the `Finished` stage is moved out of, and it holds no pinned data.
        let this = unsafe { self.get_unchecked_mut() };
        if let Stage::Finished(_) = this.stage {
            let Stage::Finished(output) = std::mem::replace(&mut this.stage, Stage::Consumed)
            else {
                unreachable!()
            };
            let dst = dst.cast::<Option<Result<F::Output, JoinError>>>();
            // SAFETY: the caller's contract: `dst` is a live slot of exactly this type.
            unsafe { *dst = Some(output) };
        }
    }

    fn take_panic(self: Pin<&mut Self>) -> Option<Box<dyn Any + Send>> {
        // SAFETY: only the `Finished` stage is moved out of, and it holds no pinned data.
        let this = unsafe { self.get_unchecked_mut() };
        match &this.stage {
            Stage::Finished(Err(err)) if err.is_panic() => {}
            _ => return None,
        }
        match std::mem::replace(&mut this.stage, Stage::Consumed) {
            Stage::Finished(Err(err)) => err.try_into_panic().ok(),
            _ => unreachable!("checked above"),
        }
    }
}
