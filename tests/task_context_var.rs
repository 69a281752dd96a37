//! Context variables: copied at spawn, never leaking back, scoped per future, carried
//! across `spawn`, `gather` and `TaskGroup`, and dropped with their task.

mod support;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use evloop::task::ContextVar;
use evloop::{TaskGroup, gather, spawn};

static REQUEST_ID: ContextVar<u64> = ContextVar::new("request_id");
static USER: ContextVar<String> = ContextVar::new("user");

#[test]
fn a_spawned_task_copies_the_context_and_changes_do_not_cross() {
    support::run(async {
        assert_eq!(REQUEST_ID.get(), None);
        let before = spawn(async { REQUEST_ID.get() }); // spawned before the set
        REQUEST_ID.set(1);
        let (seen_tx, seen_rx) = evloop::channel::oneshot::channel();
        let (go_tx, go_rx) = evloop::channel::oneshot::channel::<()>();
        let child = spawn(async move {
            let inherited = REQUEST_ID.get();
            REQUEST_ID.set(2); // the child's copy only
            go_rx.await.unwrap();
            seen_tx.send(REQUEST_ID.get()).unwrap(); // the parent's later set does not reach it
            inherited
        });
        evloop::yield_now().await;
        assert_eq!(
            REQUEST_ID.get(),
            Some(1),
            "the child's set leaked to its parent"
        );
        REQUEST_ID.set(3);
        go_tx.send(()).unwrap();
        assert_eq!(child.await.unwrap(), Some(1));
        assert_eq!(seen_rx.await.unwrap(), Some(2));
        assert_eq!(before.await.unwrap(), None);
        assert_eq!(REQUEST_ID.get(), Some(3));
    });
}

#[test]
fn grandchildren_inherit_and_each_variable_is_separate() {
    support::run(async {
        REQUEST_ID.set(7);
        USER.set("ada".to_owned());
        let outer = spawn(async {
            USER.set("bob".to_owned());
            spawn(async { (REQUEST_ID.get(), USER.get()) })
                .await
                .unwrap()
        });
        assert_eq!(outer.await.unwrap(), (Some(7), Some("bob".to_owned())));
        assert_eq!(USER.get().as_deref(), Some("ada"));
        assert_eq!(USER.remove().as_deref(), Some("ada"));
        assert_eq!(USER.get(), None);
        assert_eq!(REQUEST_ID.get(), Some(7));
    });
}

/// A log that records each line with the request id of the context it was written in.
fn log(lines: &Rc<RefCell<Vec<String>>>, text: &str) {
    let id = REQUEST_ID.get().map_or("-".to_owned(), |id| id.to_string());
    lines.borrow_mut().push(format!("{id}: {text}"));
}

#[test]
fn a_request_id_follows_spawn_gather_and_task_group() {
    let lines = Rc::new(RefCell::new(Vec::new()));
    let log_lines = lines.clone();
    support::run(async move {
        let lines = log_lines;
        let requests = (1..=3u64).map(|id| {
            let lines = lines.clone();
            spawn(REQUEST_ID.scope(id, async move {
                log(&lines, "start");
                // gather: joined in this task, so they share its context.
                let queries = (0..2).map(|q| {
                    let lines = lines.clone();
                    async move {
                        evloop::yield_now().await;
                        log(&lines, &format!("query {q}"));
                    }
                });
                gather(queries).await;
                // TaskGroup: children are tasks, each with a copy.
                let group = TaskGroup::<(), ()>::new();
                for part in 0..2 {
                    let lines = lines.clone();
                    group.spawn(async move {
                        evloop::yield_now().await;
                        log(&lines, &format!("part {part}"));
                        Ok(())
                    });
                }
                group.join().await.unwrap();
                log(&lines, "done");
            }))
        });
        for request in gather(requests).await {
            request.unwrap();
        }
        log(&lines, "outside");
    });
    let lines = lines.take();
    assert_eq!(lines.len(), 3 * 6 + 1);
    for id in 1..=3 {
        let mine: Vec<_> = lines
            .iter()
            .filter(|l| l.starts_with(&format!("{id}:")))
            .collect();
        assert_eq!(mine.len(), 6, "request {id}: {lines:?}");
    }
    assert_eq!(lines.last().unwrap(), "-: outside");
}

#[test]
fn scope_gives_each_joined_future_its_own_value_and_restores_the_outer_one() {
    support::run(async {
        REQUEST_ID.set(100);
        let (a, b) = evloop::join!(
            REQUEST_ID.scope(1, async {
                evloop::yield_now().await;
                let first = REQUEST_ID.get();
                REQUEST_ID.set(11); // stays inside this scope
                evloop::yield_now().await;
                (first, REQUEST_ID.get())
            }),
            REQUEST_ID.scope(2, async {
                evloop::yield_now().await;
                REQUEST_ID.get()
            }),
        );
        assert_eq!(a, (Some(1), Some(11)));
        assert_eq!(b, Some(2));
        assert_eq!(REQUEST_ID.get(), Some(100));
        // A scope that panics still restores the outer value.
        let panicked = spawn(REQUEST_ID.scope(5, async { panic!("inside the scope") }));
        assert!(panicked.await.is_err());
        assert_eq!(REQUEST_ID.get(), Some(100));
    });
}

#[test]
fn the_block_on_future_starts_with_the_thread_context_and_does_not_leak_out() {
    REQUEST_ID.set(9); // outside any runtime: this thread's context
    let inside = evloop::run(async {
        let seen = REQUEST_ID.get();
        REQUEST_ID.set(10);
        (seen, spawn(async { REQUEST_ID.get() }).await.unwrap())
    });
    assert_eq!(inside, (Some(9), Some(10)));
    assert_eq!(REQUEST_ID.get(), Some(9));
    assert_eq!(REQUEST_ID.remove(), Some(9));
}

#[test]
fn a_task_spawned_from_another_thread_starts_with_no_context() {
    support::run(async {
        REQUEST_ID.set(42);
        let handle = evloop::Handle::current();
        let remote = std::thread::spawn(move || handle.spawn(async { REQUEST_ID.get() }))
            .join()
            .unwrap();
        assert_eq!(remote.await.unwrap(), None);
    });
}

/// Counts live values, and reads the context from its destructor (which must not find the
/// task store borrowed).
#[derive(Clone)]
struct Tracked(Rc<Cell<i32>>);

impl Tracked {
    fn new(live: &Rc<Cell<i32>>) -> Tracked {
        live.set(live.get() + 1);
        Tracked(live.clone())
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let _ = REQUEST_ID.get();
        self.0.set(self.0.get() - 1);
    }
}

static TRACKED: ContextVar<Rc<Tracked>> = ContextVar::new("tracked");

#[test]
fn values_are_dropped_with_their_task_and_when_replaced() {
    let live = Rc::new(Cell::new(0));
    let counter = live.clone();
    support::run(async move {
        let live = counter;
        let task = spawn({
            let live = live.clone();
            async move {
                TRACKED.set(Rc::new(Tracked::new(&live)));
                TRACKED.set(Rc::new(Tracked::new(&live))); // drops the first
                assert_eq!(live.get(), 1);
                let detached = spawn(async { evloop::yield_now().await }); // inherits it
                drop(detached);
            }
        });
        task.await.unwrap();
        evloop::yield_now().await;
        evloop::yield_now().await;
        assert_eq!(
            live.get(),
            0,
            "a finished task's context values were leaked"
        );
        TRACKED.set(Rc::new(Tracked::new(&live)));
        assert_eq!(TRACKED.remove().map(|t| t.0.get()), Some(1));
        assert_eq!(live.get(), 0);
    });
    assert_eq!(live.get(), 0);
}

static HANDLE: ContextVar<Rc<(evloop::JoinHandle<()>, Tracked)>> = ContextVar::new("handle");

#[test]
fn a_join_handle_kept_in_the_main_context_does_not_keep_the_runtime_alive() {
    // The handle holds the runtime, the runtime holds the main context: the context must
    // go when `block_on` ends, or neither is ever freed (nor the task's future).
    let live = Rc::new(Cell::new(0));
    let counter = live.clone();
    let runtime = evloop::Runtime::new().unwrap();
    runtime.block_on(async move {
        let guard = Tracked::new(&counter);
        let task = spawn(async move {
            std::future::pending::<()>().await;
            drop(guard);
        });
        HANDLE.set(Rc::new((task, Tracked::new(&counter))));
    });
    assert_eq!(
        live.get(),
        1,
        "the pending task is still there, the context is gone"
    );
    drop(runtime);
    assert_eq!(live.get(), 0, "the runtime (and its context) leaked");
}
