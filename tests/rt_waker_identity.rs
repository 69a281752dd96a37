//! A waker names one task of one runtime: wakers kept from a dropped runtime must not wake
//! the tasks (or the `block_on` future) of the next runtime, which reuses the dropped one's
//! tag (issue 9).
//!
//! One test in this file on purpose: the test needs the second runtime to get the first
//! one's tag (the lowest free), which another test creating runtimes on a parallel thread
//! could take.

mod support;

use std::future::poll_fn;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use evloop::Runtime;
use support::Tracker;

/// Wakes every waker of `wakers` `times` times from a new thread, pausing between rounds.
fn wake_from_thread(
    wakers: Vec<Waker>,
    times: usize,
    pause: Duration,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for _ in 0..times {
            for waker in &wakers {
                waker.wake_by_ref();
            }
            std::thread::sleep(pause);
        }
    })
}

#[test]
fn stale_wakers_of_a_dropped_runtime_wake_nothing_in_the_next_one() {
    let rounds = if cfg!(miri) { 20 } else { 1_000 };
    // Runtime A: keep the wakers of its `block_on` future and of a task, then drop it.
    let captured: Arc<Mutex<Vec<Waker>>> = Arc::default();
    {
        let runtime = Runtime::new().unwrap();
        let captured = captured.clone();
        runtime.block_on(async move {
            let keep = |captured: Arc<Mutex<Vec<Waker>>>| {
                poll_fn(move |cx| {
                    captured.lock().unwrap().push(cx.waker().clone());
                    Poll::Ready(())
                })
            };
            keep(captured.clone()).await;
            evloop::spawn(keep(captured)).await.unwrap();
        });
    }
    let stale = captured.lock().unwrap().clone();
    assert_eq!(stale.len(), 2);

    // Runtime B: its first task sits where A's task was (same tag, same slab key).
    let runtime = Runtime::new().unwrap();
    let foreign = Tracker::new();
    runtime.block_on(async {
        let handle = evloop::spawn(foreign.track(std::future::pending::<()>()));
        support::yield_times(2).await;
        assert_eq!(foreign.polls(), 1, "its first poll");
        // Same-thread wakes, then wakes from another thread.
        for _ in 0..rounds {
            for waker in &stale {
                waker.wake_by_ref();
            }
            evloop::yield_now().await;
        }
        wake_from_thread(stale.clone(), rounds, Duration::ZERO)
            .join()
            .unwrap();
        evloop::sleep(Duration::from_millis(5)).await; // the loop takes the remote wakes
        support::yield_times(5).await;
        assert_eq!(
            foreign.polls(),
            1,
            "a task nothing woke was polled by another runtime's stale waker"
        );
        handle.abort();
    });

    // B's next `block_on` future is not woken by A's either.
    let main = Tracker::new();
    let spammer = wake_from_thread(stale, rounds, Duration::from_micros(50));
    runtime.block_on(main.track(evloop::sleep(Duration::from_millis(30))));
    spammer.join().unwrap();
    assert!(
        main.polls() <= 2,
        "the block_on future was polled {} times (its first poll and its timer: 2)",
        main.polls()
    );
}
