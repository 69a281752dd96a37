//! Where context variables (`evloop::task::ContextVar`, asyncio's `contextvars`) live, and
//! how a spawn copies them.
//!
//! # Design
//!
//! A context is a small map from variable (the address of its `static`) to value,
//! `Rc<Vec<..>>`: copying it at spawn is one reference count, and a write copies the map
//! only if it is still shared (`Rc::make_mut`), so a child's writes never reach its parent
//! or its siblings, and the parent's later writes never reach the child. That is asyncio's
//! rule: `create_task` runs the coroutine in a copy of the current context.
//!
//! Who holds which context:
//!
//! * a task: its slot (`TaskMeta::extra`, boxed with the name, so tasks without either
//!   cost nothing);
//! * the `block_on` future: `Core::main_context`, which starts as a copy of the thread's
//!   context outside any runtime (as `asyncio.run` copies it into the main task);
//! * code outside any runtime: a thread-local;
//! * a task spawned by another thread (`Handle::spawn`) starts with an empty context
//!   (`run_remote` puts the `block_on` future's aside while it runs their spawns).
//!
//! The `block_on` future's context is dropped when its `block_on` ends, a task's with its
//! slot.
//!
//! # Cost
//!
//! Nothing is read on the poll path: the task being polled is already known
//! (`current_task`). A spawn reads one flag, `contexts_used`, which the first `set` on the
//! runtime raises; until then no context is looked up or copied.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use super::context::with_current;
use super::core::Core;
use super::store::{TaskExtra, TaskId, TaskMeta};

/// One context: (variable's address, value) pairs, shared until written.
pub(crate) type TaskContext = Rc<Vec<(usize, Rc<dyn Any>)>>;

thread_local! {
    /// The context of code that runs outside any runtime on this thread.
    static OUTSIDE: RefCell<Option<TaskContext>> = const { RefCell::new(None) };
}

impl Core {
    /// Gives the task `child`, just spawned, a copy (shared until written) of its
    /// spawner's context. Out of line: the spawn path only reads the flag that says whether
    /// to call this.
    #[cold]
    #[inline(never)]
    pub(super) fn inherit_context(&self, child: TaskId) {
        let Some(context) = self.with_context(|context| context.cloned()) else {
            return;
        };
        let mut store = self.tasks.borrow_mut();
        if let Some(slot) = store.get_mut(child) {
            extra_of(&mut slot.meta).context = Some(context);
        }
    }

    /// Drops the `block_on` future's context when its `block_on` ends (returns or unwinds):
    /// its values may hold the runtime (a `JoinHandle` does), which would then never be
    /// freed.
    pub(super) fn end_main_context(&self) {
        let context = self.main_context.take();
        drop(context); // outside the borrow: values may run user code when dropped
    }

    /// The context of the `block_on` future that starts now: a copy of the thread's context
    /// outside the runtime.
    pub(super) fn begin_main_context(&self) {
        let outside = OUTSIDE.with(|outside| outside.borrow().clone());
        if outside.is_some() {
            self.contexts_used.set(true);
        }
        let previous = self.main_context.replace(outside);
        drop(previous); // values of an earlier `block_on`: dropped outside the borrow
    }

    /// Runs `f` on the context of whatever runs now (a task, or the `block_on` future).
    /// `f` must not run user code; what it replaces it returns, to drop after the borrow.
    fn update_context<R>(&self, f: impl FnOnce(&mut Option<TaskContext>) -> R) -> R {
        self.contexts_used.set(true);
        match self.current_task.get() {
            Some(id) => {
                let mut store = self.tasks.borrow_mut();
                let slot = store.get_mut(id).expect("the running task keeps its slot");
                f(&mut extra_of(&mut slot.meta).context)
            }
            None => f(&mut self.main_context.borrow_mut()),
        }
    }

    fn read_context(&self, key: usize) -> Option<Rc<dyn Any>> {
        if !self.contexts_used.get() {
            return None;
        }
        self.with_context(|context| lookup(context?, key))
    }

    /// Runs `f` on the context of whatever runs now (a task, or the `block_on` future),
    /// read-only. `f` must not run user code.
    fn with_context<R>(&self, f: impl FnOnce(Option<&TaskContext>) -> R) -> R {
        match self.current_task.get() {
            Some(id) => {
                let store = self.tasks.borrow();
                let slot = store.get(id);
                f(slot.and_then(|slot| slot.meta.extra.as_ref()?.context.as_ref()))
            }
            None => f(self.main_context.borrow().as_ref()),
        }
    }
}

/// A task's `TaskExtra`, allocated on first use.
fn extra_of(meta: &mut TaskMeta) -> &mut TaskExtra {
    meta.extra.get_or_insert_with(|| {
        Box::new(TaskExtra {
            name: None,
            context: None,
        })
    })
}

fn lookup(context: &TaskContext, key: usize) -> Option<Rc<dyn Any>> {
    context
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, value)| value.clone())
}

/// Sets (`Some`) or removes (`None`) variable `key` in `context`; returns the old value.
fn write(
    context: &mut Option<TaskContext>,
    key: usize,
    value: Option<Rc<dyn Any>>,
) -> Option<Rc<dyn Any>> {
    let unset = |map: &TaskContext| map.iter().all(|(k, _)| *k != key);
    if value.is_none() && context.as_ref().is_none_or(unset) {
        return None; // removing what is not set: no copy, no allocation
    }
    let map = Rc::make_mut(context.get_or_insert_with(Default::default));
    let index = map.iter().position(|(k, _)| *k == key);
    match (index, value) {
        (Some(index), Some(value)) => Some(std::mem::replace(&mut map[index].1, value)),
        (Some(index), None) => Some(map.swap_remove(index).1),
        (None, Some(value)) => {
            map.push((key, value));
            None
        }
        (None, None) => None,
    }
}

/// The value of variable `key` in the current context.
pub(crate) fn context_get(key: usize) -> Option<Rc<dyn Any>> {
    match with_current(|core| core.read_context(key)) {
        Some(value) => value,
        None => OUTSIDE.with(|outside| lookup(outside.borrow().as_ref()?, key)),
    }
}

/// Sets (`Some`) or removes (`None`) variable `key` in the current context; returns the
/// old value (for the caller to drop: it may run user code).
pub(crate) fn context_set(key: usize, value: Option<Rc<dyn Any>>) -> Option<Rc<dyn Any>> {
    let mut value = Some(value);
    let old = with_current(|core| {
        let value = value.take().expect("taken once");
        core.update_context(|context| write(context, key, value))
    });
    match old {
        Some(old) => old,
        None => {
            let value = value.take().expect("not taken outside a runtime");
            OUTSIDE.with(|outside| write(&mut outside.borrow_mut(), key, value))
        }
    }
}
