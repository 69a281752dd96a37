//! Tasks: spawn, join, abort at every stage, detach, panics, self-wakes, names.

mod support;

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use support::{Tracker, wait_flag};

#[test]
fn abort_before_first_poll_never_polls() {
    let tracker = Tracker::new();
    support::run(async {
        let handle = evloop::spawn(tracker.track(async { 1 }));
        handle.abort();
        assert!(handle.is_finished());
        assert!(handle.await.unwrap_err().is_cancelled());
    });
    assert_eq!(tracker.polls(), 0);
    assert_eq!(tracker.drops(), 1);
}

#[test]
fn abort_during_sleep_drops_the_future_at_once() {
    let tracker = Tracker::new();
    support::run(async {
        let handle = evloop::spawn(tracker.track(evloop::sleep(Duration::from_secs(3600))));
        evloop::yield_now().await;
        assert_eq!(tracker.polls(), 1);
        handle.abort();
        assert_eq!(tracker.drops(), 1, "abort must drop the future right away");
        assert!(handle.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn abort_after_completion_keeps_the_output() {
    support::run(async {
        let handle = evloop::spawn(async { "done" });
        evloop::yield_now().await;
        assert!(handle.is_finished());
        handle.abort();
        assert_eq!(handle.await.unwrap(), "done");
    });
}

#[test]
fn a_task_can_abort_itself() {
    support::run(async {
        let slot: Rc<RefCell<Option<evloop::JoinHandle<()>>>> = Rc::default();
        let reached_end = Rc::new(Cell::new(false));
        let (s, r) = (slot.clone(), reached_end.clone());
        let handle = evloop::spawn(async move {
            evloop::yield_now().await;
            s.borrow().as_ref().unwrap().abort(); // takes effect after this poll
            evloop::yield_now().await;
            r.set(true);
        });
        let id = handle.id();
        *slot.borrow_mut() = Some(handle);
        for _ in 0..4 {
            evloop::yield_now().await;
        }
        let handle = slot.borrow_mut().take().unwrap();
        assert_eq!(handle.id(), id);
        assert!(handle.await.unwrap_err().is_cancelled());
        assert!(!reached_end.get());
    });
}

#[test]
fn dropping_the_handle_detaches_the_task() {
    let ran = Rc::new(Cell::new(false));
    let flag = ran.clone();
    let seen = ran.clone();
    support::run(async move {
        drop(evloop::spawn(async move {
            evloop::sleep(Duration::from_millis(2)).await;
            flag.set(true);
        }));
        // Bounded wait: the detached task finishes on its own.
        for _ in 0..10_000 {
            if seen.get() {
                break;
            }
            evloop::sleep(Duration::from_millis(1)).await;
        }
    });
    assert!(ran.get(), "a detached task must run on");
}

#[test]
fn detached_task_output_is_dropped_when_it_finishes() {
    let output = Rc::new(());
    let inside = output.clone();
    support::run(async move {
        drop(evloop::spawn(async move { inside }));
        evloop::yield_now().await;
        evloop::yield_now().await;
        assert_eq!(
            Rc::strong_count(&output),
            1,
            "the output of a detached task leaked"
        );
    });
}

#[test]
fn a_panicking_task_reports_through_its_handle_and_the_loop_goes_on() {
    support::run(async {
        let bad = evloop::spawn(async {
            evloop::yield_now().await;
            panic!("task exploded");
        });
        let good = evloop::spawn(async { 3 });
        let err = bad.await.unwrap_err();
        assert!(err.is_panic());
        assert!(!err.is_cancelled());
        assert_eq!(err.to_string(), "task panicked: task exploded");
        assert_eq!(good.await.unwrap(), 3);
    });
}

#[test]
fn a_detached_panicking_task_does_not_stop_the_loop() {
    support::run(async {
        drop(evloop::spawn(async { panic!("nobody listens") }));
        evloop::yield_now().await;
        evloop::sleep(Duration::from_millis(1)).await;
    });
}

#[test]
fn a_task_woken_during_its_poll_is_polled_again_once() {
    let tracker = Tracker::new();
    support::run(async {
        let mut first = true;
        let handle = evloop::spawn(tracker.track(poll_fn(move |cx| {
            if first {
                first = false;
                // Three wakes during one poll: still one extra poll.
                cx.waker().wake_by_ref();
                cx.waker().wake_by_ref();
                let clone = cx.waker().clone(); // wake by value too
                clone.wake();
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })));
        handle.await.unwrap();
    });
    assert_eq!(tracker.polls(), 2);
}

#[test]
fn waking_a_finished_task_is_harmless() {
    support::run(async {
        let stash = Rc::new(RefCell::new(None));
        let s = stash.clone();
        evloop::spawn(poll_fn(move |cx| {
            *s.borrow_mut() = Some(cx.waker().clone());
            Poll::Ready(())
        }))
        .await
        .unwrap();
        // The slot is free now; a new task may reuse it.
        let next = evloop::spawn(async { 9 });
        stash.borrow_mut().take().unwrap().wake();
        assert_eq!(next.await.unwrap(), 9);
    });
}

#[test]
fn stale_waker_does_not_wake_the_next_occupant_of_the_slot() {
    let tracker = Tracker::new();
    support::run(async {
        let stash = Rc::new(RefCell::new(None));
        let s = stash.clone();
        evloop::spawn(poll_fn(move |cx| {
            *s.borrow_mut() = Some(cx.waker().clone());
            Poll::Ready(())
        }))
        .await
        .unwrap();
        let flag = Rc::new(Cell::new(false));
        let next = evloop::spawn(tracker.track(wait_flag(flag.clone())));
        evloop::yield_now().await;
        assert_eq!(tracker.polls(), 1);
        stash.borrow_mut().take().unwrap().wake(); // stale: same key, older generation
        evloop::yield_now().await;
        evloop::yield_now().await;
        assert_eq!(
            tracker.polls(),
            1,
            "a stale waker polled the slot's new task"
        );
        next.abort();
    });
}

#[test]
fn yield_now_lets_every_ready_task_run_first() {
    let order = Rc::new(RefCell::new(Vec::new()));
    support::run(async {
        let handles: Vec<_> = (0..3)
            .map(|i| {
                let order = order.clone();
                evloop::spawn(async move {
                    order.borrow_mut().push(i);
                    evloop::yield_now().await;
                    order.borrow_mut().push(i + 10);
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    });
    assert_eq!(*order.borrow(), [0, 1, 2, 10, 11, 12]);
}

#[test]
fn task_ids_names_and_current() {
    support::run(async {
        assert!(evloop::task::try_current().is_none());
        let named = evloop::spawn_named("worker", async { evloop::task::current() });
        let id = named.id();
        let debug = format!("{named:?}");
        assert!(debug.contains("worker"), "{debug}");
        assert!(debug.contains("task_lifecycle.rs"), "{debug}");
        assert_eq!(named.await.unwrap(), id);
        let other = evloop::spawn_named("other", async {});
        assert_ne!(other.id(), id);
    });
}

#[test]
fn join_error_into_panic_gives_the_payload() {
    support::run(async {
        let err = evloop::spawn(async { std::panic::panic_any(17u32) })
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "task panicked");
        assert_eq!(*err.into_panic().downcast::<u32>().unwrap(), 17);
    });
}

#[test]
fn handles_can_await_each_other_in_chains() {
    support::run(async {
        let mut handle = evloop::spawn(async { 0u32 });
        for _ in 0..100 {
            let prev = handle;
            handle = evloop::spawn(async move { prev.await.unwrap() + 1 });
        }
        assert_eq!(handle.await.unwrap(), 100);
    });
}
