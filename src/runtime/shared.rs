//! `Shared`: the part of a runtime that other threads may touch, and the global registry
//! that lets a waker find it from any thread.
//!
//! # Ground rules
//!
//! * Another thread talks to a loop only by pushing a [`Remote`] on the inject queue; the
//!   first push after the loop last looked sets `notified` and calls `mio::Waker::wake`, so
//!   a loop parked in `epoll_wait` returns. Later pushes skip the syscall.
//! * The loop clears `notified` *before* taking the queue, so a push that races with the
//!   take always leaves either its item in the taken batch or the flag set.
//! * Once `close`d (the runtime is shutting down), pushes are refused and dropped by the
//!   pusher, which reports the cancellation to its own waiter.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::blocking::BlockingPool;
use crate::task::store::TaskId;
use crate::task::waker::MAX_RUNTIMES;

/// Work another thread sends to the loop.
pub(crate) enum Remote {
    /// Wake a task of this runtime.
    Wake(TaskId),
    /// Spawn a task (built on the loop's thread by this closure).
    Spawn(Box<dyn FnOnce() + Send>),
}

struct Inject {
    queue: Vec<Remote>,
    closed: bool,
}

/// Thread-safe half of a runtime.
pub(crate) struct Shared {
    inject: Mutex<Inject>,
    notified: AtomicBool,
    waker: mio::Waker,
    pub(crate) blocking: BlockingPool,
}

impl Shared {
    pub(crate) fn new(waker: mio::Waker, blocking: BlockingPool) -> Self {
        Shared {
            inject: Mutex::new(Inject {
                queue: Vec::new(),
                closed: false,
            }),
            notified: AtomicBool::new(false),
            waker,
            blocking,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inject> {
        // The queue stays consistent even if a thread panicked while holding the lock.
        self.inject
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sends `remote` to the loop. Gives it back if the runtime is shutting down.
    pub(crate) fn push(&self, remote: Remote) -> Result<(), Remote> {
        let mut inject = self.lock();
        if inject.closed {
            return Err(remote);
        }
        inject.queue.push(remote);
        drop(inject);
        if !self.notified.swap(true, Ordering::AcqRel) {
            // A failed wake (fd exhaustion) leaves the item queued for the next turn.
            let _ = self.waker.wake();
        }
        Ok(())
    }

    /// Whether something was pushed since the loop last took the queue.
    pub(crate) fn is_notified(&self) -> bool {
        self.notified.load(Ordering::Acquire)
    }

    /// Clears the notification; true if there was one.
    pub(crate) fn take_notified(&self) -> bool {
        self.notified.load(Ordering::Acquire) && self.notified.swap(false, Ordering::AcqRel)
    }

    /// Moves the queued items into `batch`.
    pub(crate) fn take_queue(&self, batch: &mut Vec<Remote>) {
        std::mem::swap(&mut self.lock().queue, batch);
    }

    /// Refuses further pushes and returns what was queued (to drop outside the lock).
    pub(crate) fn close(&self) -> Vec<Remote> {
        let mut inject = self.lock();
        inject.closed = true;
        std::mem::take(&mut inject.queue)
    }
}

/// One tag of the registry: the runtime using it, if any, and the generation counter its
/// next runtime starts from.
#[derive(Default)]
struct TagSlot {
    runtime: Option<Arc<Shared>>,
    /// Where the last runtime of this tag left its spawn counter. The next one continues
    /// from here, so stale wakers of the last one (same tag, same keys) name no task of the
    /// new one (see `task/waker.rs`, "Identity").
    next_generation: u32,
}

/// Every tag ever handed out, indexed by tag.
static REGISTRY: Mutex<Vec<TagSlot>> = Mutex::new(Vec::new());

fn registry() -> MutexGuard<'static, Vec<TagSlot>> {
    REGISTRY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Gives `shared` a tag, so wakers can find it from any thread. Returns the tag and the
/// generation its task store starts from.
pub(crate) fn register(shared: Arc<Shared>) -> std::io::Result<(u16, u32)> {
    let mut runtimes = registry();
    let tag = match runtimes.iter().position(|slot| slot.runtime.is_none()) {
        Some(free) => free,
        None if runtimes.len() < MAX_RUNTIMES => {
            runtimes.push(TagSlot::default());
            runtimes.len() - 1
        }
        None => {
            return Err(std::io::Error::other(format!(
                "evloop: {MAX_RUNTIMES} runtimes are alive already; drop one before creating another"
            )));
        }
    };
    runtimes[tag].runtime = Some(shared);
    Ok((tag as u16, runtimes[tag].next_generation))
}

/// Frees a tag, keeping `next_generation` (the runtime's spawn counter) for the tag's next
/// runtime. Wakers that still carry the tag find nothing, or a runtime whose tasks have
/// other generations.
pub(crate) fn unregister(tag: u16, next_generation: u32) {
    let removed = {
        let mut runtimes = registry();
        let slot = &mut runtimes[tag as usize];
        slot.next_generation = next_generation;
        slot.runtime.take()
    };
    drop(removed);
}

/// Wakes task `id` of the runtime tagged `tag`, from any thread.
pub(crate) fn remote_wake(tag: u16, id: TaskId) {
    let shared = registry()
        .get(tag as usize)
        .and_then(|slot| slot.runtime.clone());
    if let Some(shared) = shared {
        let _ = shared.push(Remote::Wake(id));
    }
}
