//! `ContextVar`: a value that follows a task into the tasks it spawns (asyncio's
//! `contextvars.ContextVar`).

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

/// A variable whose value belongs to the running task and is inherited by the tasks it
/// spawns: asyncio's `contextvars.ContextVar`. Typical use: a request id that every log
/// line of one request carries, across `spawn`, `gather` and `TaskGroup`, without passing
/// it through every call.
///
/// Declare it as a `static` (a `const` does not compile: each use would be a new variable);
/// each task (and the `block_on` future) has its own value:
///
/// * a task spawned while a value is set starts with that value (the context is copied at
///   spawn, as asyncio copies it at `create_task`); later changes in the parent do not
///   reach it, and its own changes never reach its parent or siblings;
/// * futures joined inside one task (`gather`, `join!`, `select`) share that task's
///   context: use [`scope`](Self::scope) to give one of them its own value;
/// * the `block_on` future starts with a copy of the value set on this thread outside the
///   runtime; a task spawned by another thread (`Handle::spawn`) starts with none;
///   `spawn_blocking` closures run on other threads and see that thread's own context
///   (empty unless set there);
/// * the destructors of a cancelled task's future run in the context of whatever cancelled
///   it (the aborting task, or the `block_on` future).
///
/// Values are `Clone`d out by [`get`](Self::get), so a large value is best kept in an `Rc`
/// or `Arc`. Runtimes where no variable is ever set pay nothing for this: no lookup at
/// poll, one flag read at spawn.
///
/// # Examples
///
/// ```
/// use evloop::task::ContextVar;
///
/// static REQUEST_ID: ContextVar<u64> = ContextVar::new("request_id");
///
/// fn log(line: &str) -> String {
///     format!("[request {}] {line}", REQUEST_ID.get().unwrap_or(0))
/// }
///
/// evloop::run(async {
///     let handlers = (1..=3).map(|id| {
///         evloop::spawn(REQUEST_ID.scope(id, async {
///             // Tasks spawned here inherit the id.
///             evloop::spawn(async { log("query done") }).await.unwrap()
///         }))
///     });
///     let lines: Vec<String> = evloop::gather(handlers).await.into_iter().map(Result::unwrap).collect();
///     assert_eq!(lines, ["[request 1] query done", "[request 2] query done", "[request 3] query done"]);
///     assert_eq!(REQUEST_ID.get(), None); // the scopes did not leak
/// });
/// ```
#[doc(alias = "contextvars")]
#[doc(alias = "contextvars.ContextVar")]
#[doc(alias = "task_local")]
pub struct ContextVar<T: 'static> {
    name: &'static str,
    /// A process-unique key, given on first use (0: not yet). Being interior-mutable, it
    /// also keeps a `const` from being promoted to a `'static` copy per use: a variable
    /// must be a `static`.
    key: AtomicUsize,
    _value: PhantomData<fn(T) -> T>,
}

/// The last key given to a context variable.
static LAST_KEY: AtomicUsize = AtomicUsize::new(0);

impl<T: Clone + 'static> ContextVar<T> {
    /// A variable named `name` (for `Debug` output), unset in every context.
    ///
    /// # Examples
    ///
    /// ```
    /// static USER: evloop::task::ContextVar<String> = evloop::task::ContextVar::new("user");
    /// assert_eq!(USER.name(), "user");
    /// ```
    pub const fn new(name: &'static str) -> ContextVar<T> {
        ContextVar {
            name,
            key: AtomicUsize::new(0),
            _value: PhantomData,
        }
    }

    /// The name given to [`new`](Self::new).
    ///
    /// # Examples
    ///
    /// ```
    /// static DEPTH: evloop::task::ContextVar<u32> = evloop::task::ContextVar::new("depth");
    /// assert_eq!(format!("{DEPTH:?}"), "ContextVar(\"depth\")");
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// A clone of the value in the current context (the running task's, the `block_on`
    /// future's, or this thread's outside any runtime), or `None` if it is not set.
    ///
    /// # Examples
    ///
    /// ```
    /// static TENANT: evloop::task::ContextVar<&str> = evloop::task::ContextVar::new("tenant");
    /// evloop::run(async {
    ///     assert_eq!(TENANT.get(), None);
    ///     TENANT.set("acme");
    ///     let child = evloop::spawn(async { TENANT.get() });
    ///     assert_eq!(child.await.unwrap(), Some("acme"));
    /// });
    /// ```
    pub fn get(&'static self) -> Option<T> {
        let value = crate::runtime::context_get(self.key())?;
        Some(
            value
                .downcast_ref::<T>()
                .expect("a context variable holds values of its own type")
                .clone(),
        )
    }

    /// Sets the value in the current context; returns the previous one. Tasks spawned from
    /// now on inherit it; tasks spawned before do not see it.
    ///
    /// # Examples
    ///
    /// ```
    /// static LEVEL: evloop::task::ContextVar<u8> = evloop::task::ContextVar::new("level");
    /// evloop::run(async {
    ///     LEVEL.set(1);
    ///     let child = evloop::spawn(async {
    ///         let inherited = LEVEL.set(2); // the child's own copy
    ///         (inherited, LEVEL.get())
    ///     });
    ///     assert_eq!(child.await.unwrap(), (Some(1), Some(2)));
    ///     assert_eq!(LEVEL.get(), Some(1)); // not changed by the child
    /// });
    /// ```
    pub fn set(&'static self, value: T) -> Option<T> {
        let old = crate::runtime::context_set(self.key(), Some(Rc::new(value)));
        old.and_then(|old| old.downcast_ref::<T>().cloned())
    }

    /// Unsets the value in the current context; returns the previous one.
    ///
    /// # Examples
    ///
    /// ```
    /// static TRACE: evloop::task::ContextVar<bool> = evloop::task::ContextVar::new("trace");
    /// TRACE.set(true); // outside a runtime: this thread's context
    /// assert_eq!(TRACE.remove(), Some(true));
    /// assert_eq!(TRACE.get(), None);
    /// ```
    pub fn remove(&'static self) -> Option<T> {
        let old = crate::runtime::context_set(self.key(), None);
        old.and_then(|old| old.downcast_ref::<T>().cloned())
    }

    /// Runs `future` with the variable set to `value`: while it is polled (and in the tasks
    /// it spawns) the variable reads `value`; between its polls, the surrounding code sees
    /// its own value again. Changes `future` makes to this variable with `set` stay inside
    /// the scope (changes to other variables are made in the surrounding context).
    ///
    /// # Examples
    ///
    /// ```
    /// static NAME: evloop::task::ContextVar<&str> = evloop::task::ContextVar::new("name");
    /// evloop::run(async {
    ///     let (a, b) = evloop::join!(
    ///         NAME.scope("a", async { evloop::yield_now().await; NAME.get() }),
    ///         NAME.scope("b", async { evloop::yield_now().await; NAME.get() }),
    ///     );
    ///     assert_eq!((a, b), (Some("a"), Some("b")));
    ///     assert_eq!(NAME.get(), None);
    /// });
    /// ```
    ///
    /// # Cancellation
    ///
    /// Dropping the returned future drops `future` and the scope's value; the surrounding
    /// context is untouched.
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> Scoped<T, F> {
        Scoped {
            var: self,
            value: Some(Rc::new(value)),
            future,
        }
    }

    /// The variable's identity: a key unique in the process, given on first use.
    fn key(&'static self) -> usize {
        let key = self.key.load(Ordering::Relaxed);
        if key != 0 {
            return key;
        }
        let fresh = LAST_KEY.fetch_add(1, Ordering::Relaxed) + 1;
        match self
            .key
            .compare_exchange(0, fresh, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => fresh,
            Err(first) => first, // another thread gave it one first
        }
    }
}

impl<T> fmt::Debug for ContextVar<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ContextVar").field(&self.name).finish()
    }
}

/// Future returned by [`ContextVar::scope`].
///
///
/// # Examples
///
/// ```
/// static ID: evloop::task::ContextVar<u32> = evloop::task::ContextVar::new("id");
/// evloop::run(async {
///     let scoped: evloop::task::Scoped<u32, _> = ID.scope(7, async { ID.get() });
///     assert_eq!(scoped.await, Some(7));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Scoped<T: 'static, F> {
    var: &'static ContextVar<T>,
    /// The scope's value while the future is not being polled.
    value: Option<Rc<dyn std::any::Any>>,
    /// Structurally pinned (see `poll`).
    future: F,
}

impl<T: Clone + 'static, F: Future> Future for Scoped<T, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned and nothing else is: it is never moved out
        // of a `Scoped` (no method hands it out by value, there is no `Drop` impl), and
        // `Scoped` is `Unpin` only if `F` is (its other fields are `Unpin`).
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above: `this.future` stays where it is until `this` is dropped.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        let key = this.var.key();
        let outer = crate::runtime::context_set(key, this.value.take());
        // Put the outer value back however the poll ends (a panic included).
        struct Restore<'a> {
            key: usize,
            outer: Option<Option<Rc<dyn std::any::Any>>>,
            value: &'a mut Option<Rc<dyn std::any::Any>>,
        }
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                let outer = self.outer.take().expect("restored once");
                *self.value = crate::runtime::context_set(self.key, outer);
            }
        }
        let _restore = Restore {
            key,
            outer: Some(outer),
            value: &mut this.value,
        };
        future.poll(cx)
    }
}

impl<T, F> fmt::Debug for Scoped<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scoped")
            .field("var", &self.var)
            .finish_non_exhaustive()
    }
}
