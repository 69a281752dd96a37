//! Runtime: run, block_on, misuse panics, shutdown releasing everything.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use evloop::Runtime;
use support::{panic_message, scaled};

#[test]
fn run_returns_the_output() {
    assert_eq!(evloop::run(async { 40 + 2 }), 42);
}

#[test]
#[allow(clippy::async_yields_async)] // returning the handle un-awaited is the point
fn block_on_can_be_called_repeatedly_and_tasks_carry_over() {
    let rt = Runtime::new().unwrap();
    let counter = Rc::new(Cell::new(0));
    let c = counter.clone();
    let handle = rt.block_on(async move {
        evloop::spawn(async move {
            evloop::sleep(Duration::from_millis(2)).await;
            c.set(c.get() + 1);
            7
        })
    });
    assert_eq!(counter.get(), 0, "block_on returned before the task ran");
    assert_eq!(rt.block_on(handle).unwrap(), 7);
    assert_eq!(counter.get(), 1);
}

#[test]
fn nested_block_on_panics_with_guidance() {
    let message = panic_message(|| {
        evloop::run(async {
            let rt = Runtime::new().unwrap();
            rt.block_on(async {});
        })
    });
    assert!(message.contains("cannot call block_on"), "{message}");
    assert!(message.contains(".await"), "{message}");
}

#[test]
fn nested_run_inside_a_task_panics_and_the_loop_goes_on() {
    evloop::run(async {
        let err = evloop::spawn(async { evloop::run(async {}) })
            .await
            .unwrap_err();
        assert!(err.is_panic());
        // The outer loop still works.
        evloop::sleep(Duration::from_millis(1)).await;
    });
}

#[test]
fn spawn_outside_a_runtime_panics_with_guidance() {
    let message = panic_message(|| drop(evloop::spawn(async {})));
    assert!(message.contains("no evloop runtime"), "{message}");
    assert!(message.contains("evloop::run"), "{message}");
}

#[test]
fn handle_try_current_outside_is_an_error() {
    assert!(evloop::Handle::try_current().is_err());
    assert!(evloop::run(async { evloop::Handle::try_current().is_ok() }));
}

#[test]
fn runtime_drop_releases_every_pending_task() {
    let n = scaled(10_000);
    let held = Rc::new(());
    let dropped = Rc::new(Cell::new(0));
    struct CountDrop(Rc<Cell<usize>>);
    impl Drop for CountDrop {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    evloop::run(async {
        for i in 0..n {
            let held = held.clone();
            let guard = CountDrop(dropped.clone());
            evloop::spawn(async move {
                let _keep = (held, guard);
                if i % 2 == 0 {
                    evloop::sleep(Duration::from_secs(3600)).await; // holds a timer
                } else {
                    std::future::pending::<()>().await;
                }
            });
        }
        evloop::yield_now().await; // let them all start
    });
    assert_eq!(
        Rc::strong_count(&held),
        1,
        "a pending task leaked its captures"
    );
    assert_eq!(dropped.get(), n);
}

#[test]
fn pending_tasks_are_dropped_inside_the_runtime_context() {
    struct SpawnOnDrop(Rc<Cell<bool>>);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            // Destructors run on the loop's thread with the runtime current.
            self.0.set(evloop::Handle::try_current().is_ok());
            drop(evloop::spawn(async {}));
        }
    }
    let saw_runtime = Rc::new(Cell::new(false));
    let flag = saw_runtime.clone();
    evloop::run(async move {
        evloop::spawn(async move {
            let _guard = SpawnOnDrop(flag);
            std::future::pending::<()>().await;
        });
        evloop::yield_now().await;
    });
    assert!(saw_runtime.get());
}

#[test]
fn several_runtimes_on_several_threads_are_independent() {
    let threads: Vec<_> = (0..3)
        .map(|i| {
            std::thread::spawn(move || {
                evloop::run(async move {
                    let tasks = (0..10u64).map(|j| evloop::spawn(async move { i * 100 + j }));
                    let mut sum = 0;
                    for t in tasks.collect::<Vec<_>>() {
                        sum += t.await.unwrap();
                    }
                    sum
                })
            })
        })
        .collect();
    let sums: Vec<u64> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(sums, [45, 1045, 2045]);
}
