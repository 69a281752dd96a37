//! Cross-thread paths: wakes and spawns from other threads reach a parked loop.

mod support;

use std::future::poll_fn;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use evloop::Runtime;

#[test]
fn cross_thread_wake_reaches_a_parked_loop() {
    // The task parks with no timer and no I/O: only the mio::Waker can wake the loop.
    let slot: Arc<Mutex<(bool, Option<Waker>)>> = Arc::default();
    let remote = slot.clone();
    let waker_thread = std::thread::spawn(move || {
        loop {
            let waker = remote.lock().unwrap().1.take();
            if let Some(waker) = waker {
                std::thread::sleep(Duration::from_millis(20)); // the loop is parked by now
                remote.lock().unwrap().0 = true;
                waker.wake();
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    support::run(async {
        let task = evloop::spawn(poll_fn(move |cx| {
            let mut state = slot.lock().unwrap();
            if state.0 {
                Poll::Ready("woken")
            } else {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }));
        assert_eq!(task.await.unwrap(), "woken");
    });
    waker_thread.join().unwrap();
}

#[test]
fn many_cross_thread_wakes_are_harmless() {
    let hits: Arc<Mutex<(u32, Option<Waker>)>> = Arc::default();
    let remote = hits.clone();
    let target = 200u32;
    let thread = std::thread::spawn(move || {
        for _ in 0..target {
            loop {
                let waker = {
                    let mut state = remote.lock().unwrap();
                    let waker = state.1.take();
                    if waker.is_some() {
                        state.0 += 1;
                    }
                    waker
                };
                if let Some(waker) = waker {
                    waker.wake_by_ref(); // extra wakes of a queued task
                    waker.wake();
                    break;
                }
                std::thread::yield_now();
            }
        }
    });
    support::run(async {
        poll_fn(|cx| {
            let mut state = hits.lock().unwrap();
            if state.0 >= target {
                Poll::Ready(())
            } else {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    });
    thread.join().unwrap();
}

#[test]
fn handle_spawns_from_another_thread_while_parked() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let spawner = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        handle.spawn(async {
            evloop::sleep(Duration::from_millis(1)).await;
            std::thread::current().name().map(str::to_owned)
        })
    });
    let loop_thread = std::thread::current().name().map(str::to_owned);
    let out = support::block_on(&rt, async {
        // Park until the remote spawn arrives (no timers, no I/O).
        let task = loop {
            if spawner.is_finished() {
                break spawner.join().unwrap();
            }
            evloop::sleep(Duration::from_millis(5)).await;
        };
        task.await
    });
    assert_eq!(
        out.unwrap(),
        loop_thread,
        "the task must run on the loop's thread"
    );
}

#[test]
fn remote_join_blocks_until_the_loop_ran_the_task() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let waiter = std::thread::spawn(move || handle.spawn(async { 21 * 2 }).join());
    support::block_on(&rt, async {
        while !waiter.is_finished() {
            evloop::sleep(Duration::from_millis(1)).await;
        }
    });
    assert_eq!(waiter.join().unwrap().unwrap(), 42);
}

#[test]
fn remote_spawn_panic_is_reported() {
    let rt = Runtime::new().unwrap();
    let task = rt.handle().spawn(async { panic!("remote boom") });
    let err = support::block_on(&rt, task).unwrap_err();
    assert!(err.is_panic());
    assert_eq!(err.to_string(), "task panicked: remote boom");
}

#[test]
fn remote_spawn_after_runtime_drop_is_cancelled() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let pending = handle.spawn(std::future::pending::<()>());
    drop(rt);
    assert!(pending.join().unwrap_err().is_cancelled());
    let late = handle.spawn(async {});
    assert!(late.join().unwrap_err().is_cancelled());
}

#[test]
fn spawn_blocking_runs_off_the_loop_and_wakes_it() {
    support::run(async {
        let loop_thread = std::thread::current().id();
        let (thread, value) = evloop::spawn_blocking(move || {
            std::thread::sleep(Duration::from_millis(10));
            (std::thread::current().id(), 5)
        })
        .await
        .unwrap();
        assert_ne!(thread, loop_thread);
        assert_eq!(value, 5);
    });
}

#[test]
fn spawn_blocking_panic_comes_back_as_join_error() {
    support::run(async {
        let err = evloop::spawn_blocking(|| panic!("blocking boom"))
            .await
            .unwrap_err();
        assert!(err.is_panic());
        assert_eq!(err.to_string(), "task panicked: blocking boom");
    });
}

#[test]
fn spawn_blocking_is_bounded_and_queues_the_rest() {
    let rt = Runtime::builder().max_blocking_threads(2).build().unwrap();
    let running = Arc::new(Mutex::new((0usize, 0usize))); // (now, max)
    let results = support::block_on(&rt, async {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let running = running.clone();
                evloop::spawn_blocking(move || {
                    {
                        let mut r = running.lock().unwrap();
                        r.0 += 1;
                        r.1 = r.1.max(r.0);
                    }
                    std::thread::sleep(Duration::from_millis(5));
                    running.lock().unwrap().0 -= 1;
                    i
                })
            })
            .collect();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    });
    assert_eq!(results, (0..8).collect::<Vec<_>>());
    let max = running.lock().unwrap().1;
    assert!(
        max <= 2,
        "{max} blocking jobs ran at once with a bound of 2"
    );
}

#[test]
fn thread_safety_of_the_public_types() {
    fn send_sync_clone<T: Send + Sync + Clone>() {}
    fn send<T: Send>() {}
    send_sync_clone::<evloop::Handle>();
    send::<evloop::RemoteJoinHandle<u8>>();
    send::<evloop::Sleep>();
    send::<evloop::JoinError>();
    send::<evloop::TimeoutError>();
}

/// A task of `runtime` that stays pending, counting its polls, and its waker.
#[allow(
    clippy::async_yields_async,
    reason = "the handle is returned, not awaited"
)]
fn pending_task(runtime: &Runtime) -> (Arc<Mutex<usize>>, Waker, evloop::JoinHandle<()>) {
    let polls: Arc<Mutex<usize>> = Arc::default();
    let waker: Arc<Mutex<Option<Waker>>> = Arc::default();
    let handle = support::block_on(runtime, {
        let (polls, waker) = (polls.clone(), waker.clone());
        async move {
            let handle = evloop::spawn(poll_fn(move |cx| {
                *polls.lock().unwrap() += 1;
                *waker.lock().unwrap() = Some(cx.waker().clone());
                Poll::<()>::Pending
            }));
            evloop::yield_now().await; // its first poll
            handle
        }
    });
    let waker = waker.lock().unwrap().take().expect("polled once");
    (polls, waker, handle)
}

#[test]
fn millions_of_cross_thread_wakes_of_one_task_queue_it_once() {
    // Regression (issue 9): every wake from another thread appended an entry to the inject
    // queue; a thread waking an idle runtime's task for 2 s grew the process by 980 MB.
    let wakes = if cfg!(miri) { 1_000 } else { 10_000_000 };
    let runtime = Runtime::new().unwrap();
    let (polls, waker, handle) = pending_task(&runtime);
    assert_eq!(*polls.lock().unwrap(), 1);
    std::thread::spawn(move || {
        for _ in 0..wakes {
            waker.wake_by_ref();
        }
    })
    .join()
    .unwrap();
    let counters = metrics(&runtime);
    assert_eq!(counters.remote_queued, 1, "one task, queued once");
    assert!(counters.remote_queue_peak <= 1, "{counters:?}");
    support::block_on(&runtime, async {
        // The loop takes the queue when it parks; the task runs after that.
        for _ in 0..1_000 {
            if *polls.lock().unwrap() > 1 {
                break;
            }
            evloop::sleep(Duration::from_millis(1)).await;
        }
    });
    assert_eq!(
        *polls.lock().unwrap(),
        2,
        "polled once more for all those wakes"
    );
    assert_eq!(metrics(&runtime).remote_queued, 0);
    handle.abort();
}

#[test]
fn a_block_on_that_never_parks_still_takes_the_remote_queue() {
    let runtime = Runtime::new().unwrap();
    let (polls, waker, handle) = pending_task(&runtime);
    std::thread::spawn(move || waker.wake()).join().unwrap();
    assert_eq!(metrics(&runtime).remote_queued, 1);
    support::block_on(&runtime, async {}); // ready at its first poll: the loop never parks
    assert_eq!(metrics(&runtime).remote_queued, 0, "the wake was taken");
    support::block_on(&runtime, evloop::yield_now());
    assert_eq!(*polls.lock().unwrap(), 2);
    handle.abort();
}

#[test]
fn remote_join_handle_abort_from_another_thread() {
    let runtime = Runtime::new().unwrap();
    let handle = runtime.handle();
    let dropped = Arc::new(Mutex::new(false));
    // Aborted while it runs (parked on a timer far away).
    let guard = DropFlag(dropped.clone());
    let task = handle.spawn(async move {
        let _guard = guard;
        evloop::sleep(Duration::from_secs(3_600)).await;
    });
    let aborter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20)); // the task is waiting by now
        task.abort();
        task.join()
    });
    support::block_on(&runtime, async {
        for _ in 0..10_000 {
            if aborter.is_finished() {
                break;
            }
            evloop::sleep(Duration::from_millis(1)).await;
        }
    });
    let result = aborter.join().unwrap();
    assert!(result.unwrap_err().is_cancelled());
    assert!(*dropped.lock().unwrap(), "the future was dropped");
    // Aborted before it ever ran: it never runs.
    let ran = Arc::new(Mutex::new(false));
    let task = handle.spawn({
        let ran = ran.clone();
        async move { *ran.lock().unwrap() = true }
    });
    std::thread::spawn({
        move || {
            task.abort();
            task
        }
    })
    .join()
    .map(|task| {
        support::block_on(&runtime, async {
            while !task.is_finished() {
                evloop::yield_now().await;
            }
        });
        assert!(task.join().unwrap_err().is_cancelled());
    })
    .unwrap();
    assert!(!*ran.lock().unwrap());
    // Aborting a finished task keeps its output.
    let task = handle.spawn(async { 7 });
    support::block_on(&runtime, async {
        while !task.is_finished() {
            evloop::yield_now().await;
        }
    });
    task.abort();
    assert_eq!(task.join().unwrap(), 7);
}

/// Sets its flag when dropped.
struct DropFlag(Arc<Mutex<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = true;
    }
}

/// The counters of `runtime`, read on its loop without letting it park (`debug::metrics`).
fn metrics(runtime: &Runtime) -> evloop::debug::RuntimeMetrics {
    support::block_on(runtime, async { evloop::debug::metrics() })
}
