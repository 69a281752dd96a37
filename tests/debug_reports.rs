//! Debug mode: each report is produced exactly when it should be, and never with debug off.

mod support;

use std::time::Duration;

use evloop::debug::DebugEvent;
use support::Recorder;

/// Blocks the loop for `ms` milliseconds inside one poll.
fn block_loop(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

#[test]
fn slow_poll_names_the_task_and_its_spawn_site() {
    let recorder = Recorder::new();
    // Under Miri every poll is slow: scale the threshold so only the blocker crosses it.
    let threshold = if cfg!(miri) { 500 } else { 20 };
    let rt = recorder
        .builder(true)
        .slow_poll_threshold(Duration::from_millis(threshold))
        .build()
        .unwrap();
    rt.block_on(async move {
        let slow = evloop::spawn_named("blocker", async move { block_loop(threshold * 2) });
        let fast = evloop::spawn_named("quick", async { evloop::yield_now().await });
        slow.await.unwrap();
        fast.await.unwrap();
    });
    let events = recorder.events();
    assert_eq!(events.len(), 1, "{:?}", recorder.lines());
    let DebugEvent::SlowPoll {
        task,
        duration,
        threshold: threshold_seen,
    } = &events[0]
    else {
        panic!("expected a slow poll, got {:?}", events[0]);
    };
    assert_eq!(task.name.as_deref(), Some("blocker"));
    assert!(task.id.is_some());
    assert!(
        task.location.file().ends_with("debug_reports.rs"),
        "{}",
        task.location
    );
    assert!(*duration >= Duration::from_millis(2 * threshold));
    assert_eq!(*threshold_seen, Duration::from_millis(threshold));
    let line = &recorder.lines()[0];
    assert!(line.starts_with("evloop: slow poll: task "), "{line}");
    assert!(line.contains("\"blocker\""), "{line}");
    assert!(line.contains("debug_reports.rs:"), "{line}");
}

#[test]
fn slow_poll_of_the_block_on_future_names_the_call_site() {
    let recorder = Recorder::new();
    let rt = recorder
        .builder(true)
        .slow_poll_threshold(Duration::from_millis(10))
        .build()
        .unwrap();
    rt.block_on(async { block_loop(20) });
    let events = recorder.events();
    assert_eq!(events.len(), 1);
    let DebugEvent::SlowPoll { task, .. } = &events[0] else {
        panic!("{:?}", events[0]);
    };
    assert_eq!(task.id, None);
    assert!(task.location.file().ends_with("debug_reports.rs"));
    assert!(recorder.lines()[0].contains("the block_on future"));
}

#[test]
fn pending_tasks_are_reported_at_shutdown_and_finished_ones_are_not() {
    let recorder = Recorder::new();
    let rt = recorder.builder(true).build().unwrap();
    rt.block_on(async {
        evloop::spawn_named("forever", std::future::pending::<()>());
        evloop::spawn_named("sleeper", evloop::sleep(Duration::from_secs(3600)));
        evloop::spawn_named("done", async {}); // finished, never joined
        evloop::spawn(async {}).await.unwrap(); // finished and joined
        evloop::yield_now().await;
    });
    assert!(
        recorder.events().is_empty(),
        "nothing is reported before shutdown"
    );
    drop(rt);
    let mut names: Vec<String> = recorder
        .events()
        .iter()
        .map(|event| match event {
            DebugEvent::PendingAtShutdown { task, polls, .. } => {
                assert_eq!(*polls, 1);
                task.name.clone().unwrap()
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    names.sort();
    assert_eq!(names, ["forever", "sleeper"]);
    assert!(recorder.lines()[0].starts_with("evloop: task destroyed while pending: task "));
}

#[test]
fn a_panic_is_unobserved_only_when_its_handle_is_dropped_unread() {
    let recorder = Recorder::new();
    // (Printing a panic's backtrace can take longer than the default slow-poll threshold.)
    let rt = recorder
        .builder(true)
        .slow_poll_threshold(Duration::from_secs(3600))
        .build()
        .unwrap();
    rt.block_on(async {
        // 1. Detached before it panics.
        drop(evloop::spawn_named("detached", async { panic!("first") }));
        // 2. Panics, then its handle is dropped without looking.
        let late = evloop::spawn_named("dropped", async { panic!("second") });
        evloop::yield_now().await;
        assert!(late.is_finished());
        drop(late);
        // 3. Observed: awaited.
        let seen = evloop::spawn_named("awaited", async { panic!("third") });
        assert!(seen.await.unwrap_err().is_panic());
        // 4. Aborted: a cancellation, not a panic.
        let aborted = evloop::spawn(std::future::pending::<()>());
        aborted.abort();
        drop(aborted);
    });
    let reports: Vec<(String, String)> = recorder
        .events()
        .into_iter()
        .map(|event| match event {
            DebugEvent::UnobservedPanic { task, message } => (task.name.unwrap(), message),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        reports,
        [
            ("detached".to_owned(), "first".to_owned()),
            ("dropped".to_owned(), "second".to_owned())
        ]
    );
    assert!(recorder.lines()[0].starts_with("evloop: panic never retrieved: task "));
}

#[test]
fn a_sleep_moved_to_another_runtime_is_reported() {
    let recorder = Recorder::new();
    let first = recorder.builder(true).build().unwrap();
    let second = recorder.builder(true).build().unwrap();
    let mut sleep = evloop::sleep(Duration::from_millis(5));
    // Armed on the first runtime...
    first.block_on(async {
        assert!(evloop::wait_for(Duration::ZERO, &mut sleep).await.is_err());
    });
    // ...then awaited on the second: it still completes, and the misuse is reported.
    second.block_on(&mut sleep);
    let events = recorder.events();
    assert_eq!(events.len(), 1, "{:?}", recorder.lines());
    assert!(matches!(&events[0], DebugEvent::Misuse { message } if message.contains("Sleep")));
}

#[test]
fn a_storm_of_cross_thread_wakes_is_reported() {
    let recorder = Recorder::new();
    let rt = recorder
        .builder(true)
        .slow_poll_threshold(Duration::from_secs(3600))
        .build()
        .unwrap();
    let handle = rt.handle();
    let total = support::scaled(150_000) as u64;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = done.clone();
    // Another thread sends many tiny spawns, each a separate cross-thread event.
    let sender = std::thread::spawn(move || {
        for _ in 0..total {
            let counter = counter.clone();
            drop(handle.spawn(async move {
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }));
        }
    });
    rt.block_on(async {
        let start = std::time::Instant::now();
        // Bounded: until every spawn ran (or 60 s passed).
        while done.load(std::sync::atomic::Ordering::Relaxed) < total
            && start.elapsed() < Duration::from_secs(60)
        {
            evloop::sleep(Duration::from_millis(1)).await;
        }
    });
    sender.join().unwrap();
    let storms = recorder
        .lines()
        .into_iter()
        .filter(|line| line.contains("from other threads"))
        .count();
    if cfg!(miri) {
        return; // too slow under Miri to reach the rate
    }
    assert_eq!(storms, 1, "{:?}", recorder.lines());
}

#[test]
fn debug_off_reports_nothing() {
    let recorder = Recorder::new();
    let rt = recorder
        .builder(false)
        .slow_poll_threshold(Duration::from_millis(1))
        .build()
        .unwrap();
    rt.block_on(async {
        evloop::spawn(async { block_loop(5) }).await.unwrap();
        drop(evloop::spawn(async { panic!("unobserved") }));
        evloop::spawn(std::future::pending::<()>());
        evloop::yield_now().await;
    });
    drop(rt);
    assert!(recorder.events().is_empty(), "{:?}", recorder.lines());
}

#[test]
#[cfg_attr(miri, ignore)] // spawns a process
fn evloop_debug_environment_variable_turns_debug_mode_on() {
    if std::env::var_os("EVLOOP_DEBUG_CHILD").is_some() {
        // Child: the default builder reads EVLOOP_DEBUG; reports go to stderr.
        support::run(async {
            evloop::spawn_named("left-behind", std::future::pending::<()>());
            evloop::yield_now().await;
        });
        return;
    }
    let run = |debug: &str| {
        support::child::rerun_test(
            "evloop_debug_environment_variable_turns_debug_mode_on",
            &["--nocapture"],
            &[("EVLOOP_DEBUG_CHILD", "1"), ("EVLOOP_DEBUG", debug)],
        )
    };
    let on = run("1");
    assert!(on.status.success());
    let stderr = String::from_utf8_lossy(&on.stderr);
    assert!(
        stderr.contains("evloop: task destroyed while pending: task 1 \"left-behind\""),
        "{stderr}"
    );
    let off = run("0");
    assert!(!String::from_utf8_lossy(&off.stderr).contains("evloop:"));
}

/// A debug sink that aborts the task its slow-poll report names and drops its handle, while
/// that report is delivered (after the poll, before its outcome is recorded): the abort
/// waits for the poll's end, and the task, finished in that poll, completes once, detached.
#[test]
fn an_abort_from_the_debug_sink_during_a_report_waits_for_the_poll() {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    /// The task's output: says when it is dropped.
    struct Output(Rc<Cell<bool>>);
    impl Drop for Output {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }

    let threshold = if cfg!(miri) { 500 } else { 20 };
    let handle: Rc<RefCell<Option<evloop::JoinHandle<Output>>>> = Rc::new(RefCell::new(None));
    let in_sink = handle.clone();
    let aborts = Rc::new(Cell::new(0));
    let aborts_seen = aborts.clone();
    let dropped = Rc::new(Cell::new(false));
    let rt = evloop::Runtime::builder()
        .debug(true)
        .slow_poll_threshold(Duration::from_millis(threshold))
        .on_debug_event(move |event| {
            if let DebugEvent::SlowPoll { .. } = event {
                if let Some(handle) = in_sink.borrow_mut().take() {
                    handle.abort();
                    drop(handle); // detached: nobody reads its output
                    aborts_seen.set(aborts_seen.get() + 1);
                }
            }
        })
        .build()
        .unwrap();
    let output_dropped = dropped.clone();
    rt.block_on(async move {
        let slow = evloop::spawn(async move {
            block_loop(threshold * 2);
            Output(output_dropped)
        });
        *handle.borrow_mut() = Some(slow);
        for _ in 0..3 {
            evloop::yield_now().await; // the slow task runs, is reported, completes
        }
    });
    assert_eq!(aborts.get(), 1);
    assert!(
        dropped.get(),
        "the detached task's output is dropped once it completes"
    );
}
