//! `ReadySet`: one waker per child future, so a parent re-polls only the children that were
//! woken. Shared by `gather`, `JoinSet`, `as_completed` and `wait_any`.
//!
//! # Design
//!
//! Each child gets a waker (`Arc<ChildWaker>`, made once). Waking it records the child's
//! index in the ready list, unless it is already there, and wakes the parent's waker. The
//! parent takes the ready list at each poll and polls exactly those children, in the order
//! they were woken (the list is first in, first out: a child woken earlier is polled
//! earlier, and its parent's users see it first). Wakers must
//! be `Send + Sync`, so the list sits behind a `Mutex`; it is only contended when children
//! are woken from other threads.

use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Wake, Waker};

struct Inner {
    ready: Vec<usize>,
    /// `queued[i]`: child `i` is in `ready`.
    queued: Vec<bool>,
    parent: Option<Waker>,
}

struct Shared {
    inner: Mutex<Inner>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The waker of one child: marks it ready, then wakes the parent.
struct ChildWaker {
    index: usize,
    shared: Arc<Shared>,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let parent = {
            let mut inner = self.shared.lock();
            if inner.queued[self.index] {
                return;
            }
            inner.queued[self.index] = true;
            inner.ready.push(self.index);
            inner.parent.clone()
        };
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

/// Per-child wakers and the list of children woken since the parent last looked.
pub(crate) struct ReadySet {
    shared: Arc<Shared>,
    wakers: Vec<Waker>,
}

impl ReadySet {
    pub(crate) fn new() -> Self {
        ReadySet {
            shared: Arc::new(Shared {
                inner: Mutex::new(Inner {
                    ready: Vec::new(),
                    queued: Vec::new(),
                    parent: None,
                }),
            }),
            wakers: Vec::new(),
        }
    }

    /// Adds a child, ready to be polled; returns its index.
    pub(crate) fn add(&mut self) -> usize {
        self.add_with(true)
    }

    /// Adds a child that is listed only once its waker is woken; returns its index.
    pub(crate) fn add_idle(&mut self) -> usize {
        self.add_with(false)
    }

    fn add_with(&mut self, ready: bool) -> usize {
        let index = self.wakers.len();
        {
            let mut inner = self.shared.lock();
            inner.queued.push(ready);
            if ready {
                inner.ready.push(index);
            }
        }
        self.wakers.push(Waker::from(Arc::new(ChildWaker {
            index,
            shared: self.shared.clone(),
        })));
        index
    }

    /// Registers the parent's waker and moves the indices of the woken children into
    /// `batch` (which the caller reuses). Their `queued` marks are cleared, so a child woken
    /// while it is being polled is listed again.
    pub(crate) fn take(&self, cx: &Context<'_>, batch: &mut Vec<usize>) {
        let mut inner = self.shared.lock();
        match &inner.parent {
            Some(parent) if parent.will_wake(cx.waker()) => {}
            _ => inner.parent = Some(cx.waker().clone()),
        }
        std::mem::swap(&mut inner.ready, batch);
        for &index in batch.iter() {
            inner.queued[index] = false;
        }
    }

    /// The waker of child `index`.
    pub(crate) fn waker(&self, index: usize) -> &Waker {
        &self.wakers[index]
    }

    /// Marks child `index` ready (for instance a slot reused by a new child).
    pub(crate) fn requeue(&self, index: usize) {
        self.wakers[index].wake_by_ref();
    }
}
