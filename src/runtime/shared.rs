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
//! * A task is in the queue at most once: a wake of a task whose `Wake` is already queued
//!   (the `woken` set) changes nothing, so another thread waking one task a billion times
//!   queues it once, and the queue of wakes is bounded by the number of tasks. (The loop
//!   empties `woken` when it takes the queue; a wake after that queues the task again, so
//!   it is polled after the wake, as the contract wants.)
//! * Memory comes back after a burst: when the loop takes the queue, buffers grown past
//!   [`KEEP`] entries are freed rather than kept for the runtime's life.
//! * Spawns (`Handle::spawn`) are not bounded here: each is a closure a producer chose to
//!   send. See `Handle::spawn` for the documented answer to a producer that outruns the
//!   loop.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::blocking_pool::BlockingPool;
use super::store::TaskId;
use super::waker::MAX_RUNTIMES;

/// Work another thread sends to the loop.
pub(crate) enum Remote {
    /// Wake a task of this runtime.
    Wake(TaskId),
    /// Spawn a task (built on the loop's thread by this closure).
    Spawn(Box<dyn FnOnce() + Send>),
}

/// Entries a buffer of the inject path may keep when it is emptied; a larger one (after a
/// burst) is freed.
pub(crate) const KEEP: usize = 1024;

struct Inject {
    queue: Vec<Remote>,
    /// The tasks that have a `Remote::Wake` in `queue`.
    woken: HashSet<TaskId, BuildHasherDefault<TaskIdHasher>>,
    /// The longest the queue has been (for metrics).
    peak: usize,
    /// Wakes the loop out of `epoll_wait`; `None` once closed (the fd is released).
    waker: Option<Arc<mio::Waker>>,
    closed: bool,
}

/// A hasher for `TaskId`s (two `u32`s, already well spread): a multiply-rotate mix, much
/// cheaper than the default SipHash, which guards against attacker-chosen keys that a task
/// address cannot be.
#[derive(Default)]
pub(crate) struct TaskIdHasher(u64);

impl Hasher for TaskIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u32(u32::from(byte));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(n)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Thread-safe half of a runtime. `Handle`s keep it alive after the runtime is gone, so it
/// holds no OS resource past `close`: the `mio::Waker` (an eventfd) is dropped there.
pub(crate) struct Shared {
    inject: Mutex<Inject>,
    notified: AtomicBool,
    pub(crate) blocking: BlockingPool,
}

impl Shared {
    pub(crate) fn new(waker: mio::Waker, blocking: BlockingPool) -> Self {
        Shared {
            inject: Mutex::new(Inject {
                queue: Vec::new(),
                woken: HashSet::default(),
                peak: 0,
                waker: Some(Arc::new(waker)),
                closed: false,
            }),
            notified: AtomicBool::new(false),
            blocking,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inject> {
        // The queue stays consistent even if a thread panicked while holding the lock.
        self.inject
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sends `remote` to the loop. Gives it back if the runtime is shutting down. A wake of a
    /// task whose wake is already queued does nothing (that queued wake will poll it).
    pub(crate) fn push(&self, remote: Remote) -> Result<(), Remote> {
        let mut inject = self.lock();
        if inject.closed {
            return Err(remote);
        }
        if let Remote::Wake(id) = &remote {
            if !inject.woken.insert(*id) {
                return Ok(()); // queued already; `notified` was set by that push
            }
        }
        inject.queue.push(remote);
        inject.peak = inject.peak.max(inject.queue.len());
        if !self.notified.swap(true, Ordering::AcqRel) {
            // At most one push per loop turn gets here. The eventfd is written after the
            // lock is released (the loop it wakes takes that lock first thing), through a
            // clone of its `Arc`, so that `close` cannot free it meanwhile. A failed wake
            // (fd exhaustion) leaves the item queued for the next turn.
            let waker = inject.waker.clone();
            drop(inject);
            if let Some(waker) = waker {
                let _ = waker.wake();
            }
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

    /// Moves the queued items into `batch` (which must be empty; its buffer becomes the
    /// queue's), and forgets which tasks were queued.
    pub(crate) fn take_queue(&self, batch: &mut Vec<Remote>) {
        debug_assert!(batch.is_empty());
        let mut inject = self.lock();
        std::mem::swap(&mut inject.queue, batch);
        inject.woken.clear();
        if inject.woken.capacity() > KEEP {
            inject.woken.shrink_to(KEEP);
        }
        if inject.queue.capacity() > KEEP {
            inject.queue = Vec::new();
        }
    }

    /// Items queued now, and the most ever queued at once (for metrics).
    pub(crate) fn queue_len(&self) -> (usize, usize) {
        let inject = self.lock();
        (inject.queue.len(), inject.peak)
    }

    /// Refuses further pushes and returns what was queued (to drop outside the lock).
    pub(crate) fn close(&self) -> Vec<Remote> {
        let mut inject = self.lock();
        inject.closed = true;
        inject.woken = HashSet::default();
        inject.waker = None; // the eventfd: `Handle`s may outlive the runtime
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
