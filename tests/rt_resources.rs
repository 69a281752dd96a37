//! What a runtime holds from the OS goes back when it goes (issue 9): the eventfd that
//! `Handle`s keep alive, the blocking pool's threads, the memory of a burst of
//! cross-thread wakes. Counts come from `/proc/self` (Linux), so the tests run one at a
//! time (a lock), and not under Miri (no `/proc`).

mod support;

use std::future::poll_fn;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};
use std::time::Duration;

use evloop::Runtime;

/// Serialises the tests of this file: each counts process-wide resources.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Threads of this process named `evloop-blocking` (the pool's workers): other tests'
/// threads, which the harness starts and ends meanwhile, do not count.
fn blocking_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim() == "evloop-blocking")
        .count()
}

/// Resident memory in bytes (`/proc/self/statm`, second field, in pages of 4 KiB).
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[test]
#[cfg_attr(miri, ignore)]
fn handles_kept_after_their_runtimes_hold_no_fds() {
    // Regression: a `Handle` kept the runtime's eventfd open; 6,050 handles held 6,050 fds.
    let _serial = serial();
    let before = open_fds();
    let handles: Vec<evloop::Handle> = (0..200).map(|_| Runtime::new().unwrap().handle()).collect();
    let after = open_fds();
    assert!(
        after <= before + 2,
        "{} fds still open with {} handles of dropped runtimes",
        after - before,
        handles.len()
    );
    // The handles still work: a spawn onto a dropped runtime comes back cancelled.
    let task = handles[7].spawn(async { 1 });
    assert!(task.join().unwrap_err().is_cancelled());
}

#[test]
#[cfg_attr(miri, ignore)]
fn dropping_a_runtime_joins_its_idle_blocking_threads() {
    let _serial = serial();
    let before = blocking_threads();
    let runtime = Runtime::builder().max_blocking_threads(4).build().unwrap();
    support::block_on(&runtime, async {
        let jobs: Vec<_> = (0..4)
            .map(|i| {
                evloop::spawn_blocking(move || {
                    std::thread::sleep(Duration::from_millis(20));
                    i
                })
            })
            .collect();
        for job in jobs {
            job.await.unwrap();
        }
    });
    let with_pool = blocking_threads();
    assert!(with_pool > before, "the pool started threads");
    drop(runtime);
    // A joined thread can still show in /proc for a moment (the kernel wakes the joiner
    // just before it removes the task): allow it 200 ms to go.
    let mut after = blocking_threads();
    for _ in 0..200 {
        if after <= before {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
        after = blocking_threads();
    }
    assert!(
        after <= before,
        "{after} threads left after the drop (before the runtime: {before}, with its pool: {with_pool})"
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn memory_of_a_burst_of_cross_thread_wakes_is_given_back() {
    // Regression: the inject queue kept its largest size (and its swap buffer) for the
    // runtime's life, and queued one entry per wake.
    const TASKS: usize = 100_000;
    let _serial = serial();
    let runtime = Runtime::new().unwrap();
    let wakers: Arc<Mutex<Vec<Waker>>> = Arc::default();
    let handles = support::block_on(&runtime, {
        let wakers = wakers.clone();
        async move {
            let handles: Vec<_> = (0..TASKS)
                .map(|_| {
                    let wakers = wakers.clone();
                    let mut first = true;
                    evloop::spawn(poll_fn(move |cx| {
                        if std::mem::take(&mut first) {
                            wakers.lock().unwrap().push(cx.waker().clone());
                        }
                        Poll::<()>::Pending
                    }))
                })
                .collect();
            evloop::sleep(Duration::from_millis(1)).await; // every task polled once
            handles
        }
    });
    let wakers = std::mem::take(&mut *wakers.lock().unwrap());
    assert_eq!(wakers.len(), TASKS);
    let before = rss();
    // The burst: every task woken three times from another thread while the loop is idle.
    let wakers = std::thread::spawn(move || {
        for _ in 0..3 {
            for waker in &wakers {
                waker.wake_by_ref();
            }
        }
        wakers
    })
    .join()
    .unwrap();
    let peak = metrics(&runtime).remote_queue_peak;
    assert_eq!(peak, TASKS as u64, "each task queued once");
    support::block_on(&runtime, evloop::sleep(Duration::from_millis(1))); // the loop takes the queue
    assert_eq!(metrics(&runtime).remote_queued, 0);
    let after = rss();
    assert!(
        after < before + 1024 * 1024,
        "the process kept {} KiB after the burst",
        (after.saturating_sub(before)) / 1024
    );
    drop(wakers);
    for handle in handles {
        handle.abort();
    }
}

/// The counters of `runtime`, read on its loop without letting it park (`debug::metrics`).
fn metrics(runtime: &Runtime) -> evloop::debug::RuntimeMetrics {
    support::block_on(runtime, async { evloop::debug::metrics() })
}
