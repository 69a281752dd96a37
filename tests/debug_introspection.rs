//! Task snapshots, the task table, `current_info` and runtime metrics.

mod support;

use std::time::{Duration, Instant};

use evloop::Runtime;
use evloop::debug::{TaskState, Wait};

#[test]
fn snapshot_has_names_locations_states_and_waits() {
    support::run(async {
        let sleeper = evloop::spawn_named("sleeper", evloop::sleep(Duration::from_secs(3600)));
        let waiter = evloop::spawn_named("waiter", async move { sleeper.await.is_ok() });
        let _queued = evloop::spawn(async {});
        let _done = evloop::spawn_named("done", async { 1 });
        let me = evloop::spawn_named("inspector", async {
            evloop::yield_now().await;
            evloop::debug::tasks()
        });
        // Let everything run once, then queue a fresh task before the inspector looks.
        evloop::yield_now().await;
        let _late = evloop::spawn_named("late", async {});
        let tasks = me.await.unwrap();
        let find = |name: &str| {
            tasks
                .iter()
                .find(|t| t.name.as_deref() == Some(name))
                .unwrap()
        };

        let sleeper = find("sleeper");
        assert_eq!(sleeper.state, TaskState::Idle);
        assert!(
            matches!(sleeper.waiting_on, Some(Wait::Timer { deadline }) if deadline > Instant::now())
        );
        assert!(sleeper.location.file().ends_with("debug_introspection.rs"));
        assert_eq!(sleeper.polls, 1);

        let waiter_task = find("waiter");
        assert_eq!(waiter_task.state, TaskState::Idle);
        assert_eq!(waiter_task.waiting_on, Some(Wait::Task(sleeper.id)));

        assert_eq!(find("done").state, TaskState::Finished);
        assert_eq!(find("late").state, TaskState::Scheduled);
        assert_eq!(find("inspector").state, TaskState::Running);
        assert!(
            tasks.iter().all(|t| t.busy.is_none()),
            "busy time is debug-mode only"
        );
        // Sorted by id, i.e. spawn order.
        assert!(tasks.windows(2).all(|w| w[0].id < w[1].id));
        waiter.abort();
    });
}

#[test]
fn io_waits_show_in_the_snapshot() {
    support::run(async {
        let (tx, rx) = mio::unix::pipe::new().unwrap();
        let rx = evloop::io::IoSource::new(rx).unwrap();
        let reader = evloop::spawn_named("reader", async move {
            let mut buf = [0u8; 1];
            rx.read_with(|mut r| std::io::Read::read(&mut r, &mut buf))
                .await
        });
        evloop::yield_now().await;
        evloop::yield_now().await;
        let tasks = evloop::debug::tasks();
        assert_eq!(tasks[0].waiting_on, Some(Wait::Readable));
        drop(tx); // EOF ends the read
        assert_eq!(reader.await.unwrap().unwrap(), 0);
    });
}

#[test]
fn debug_mode_measures_busy_time_and_exact_age() {
    let rt = Runtime::builder().debug(true).build().unwrap();
    let tasks = rt.block_on(async {
        evloop::spawn_named("worker", async {
            let spin = Instant::now();
            while spin.elapsed() < Duration::from_millis(3) {}
            std::future::pending::<()>().await
        });
        evloop::sleep(Duration::from_millis(5)).await;
        evloop::debug::tasks()
    });
    let worker = &tasks[0];
    assert!(worker.busy.unwrap() >= Duration::from_millis(3));
    assert!(worker.age >= Duration::from_millis(5));
}

#[test]
fn waits_on_sync_primitives_and_channels_show_in_the_snapshot() {
    use evloop::channel::{Queue, mpsc, oneshot};
    use evloop::sync::{Mutex, RwLock, Semaphore};
    support::run(async {
        let mutex = std::rc::Rc::new(Mutex::new(0));
        let lock = std::rc::Rc::new(RwLock::new(0));
        let semaphore = std::rc::Rc::new(Semaphore::new(0));
        let queue: Queue<u8> = Queue::new();
        let (_tx, mut rx) = mpsc::unbounded::<u8>();
        let (_once_tx, once_rx) = oneshot::channel::<u8>();
        let _held = mutex.lock().await;
        let _read = lock.read().await;
        let waiters = [
            evloop::spawn_named("mutex", {
                let mutex = mutex.clone();
                async move { drop(mutex.lock().await) }
            }),
            evloop::spawn_named("write", {
                let lock = lock.clone();
                async move { drop(lock.write().await) }
            }),
            evloop::spawn_named("read behind write", {
                let lock = lock.clone();
                async move { drop(lock.read().await) }
            }),
            evloop::spawn_named("acquire", {
                let semaphore = semaphore.clone();
                async move { drop(semaphore.acquire().await) }
            }),
            evloop::spawn_named("get", {
                let queue = queue.clone();
                async move {
                    queue.get().await.ok();
                }
            }),
            evloop::spawn_named("recv", async move {
                rx.recv().await;
            }),
            evloop::spawn_named("oneshot", async move {
                once_rx.await.ok();
            }),
        ];
        evloop::yield_now().await;
        let expected = [
            ("mutex", "Mutex::lock"),
            ("write", "RwLock::write"),
            ("read behind write", "RwLock::read"),
            ("acquire", "Semaphore::acquire"),
            ("get", "Queue::get"),
            ("recv", "mpsc::Receiver::recv"),
            ("oneshot", "oneshot::Receiver"),
        ];
        let tasks = evloop::debug::tasks();
        for (name, waits_on) in expected {
            let task = tasks
                .iter()
                .find(|t| t.name.as_deref() == Some(name))
                .unwrap_or_else(|| panic!("no task {name}"));
            assert_eq!(task.state, TaskState::Idle, "{name}");
            assert_eq!(task.waiting_on, Some(Wait::Primitive(waits_on)), "{name}");
        }
        assert!(evloop::debug::dump().contains("Semaphore::acquire"));
        for waiter in waiters {
            waiter.abort();
        }
    });
}

#[test]
fn dump_formats_a_table() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        evloop::spawn_named("stuck-on-timer", evloop::sleep(Duration::from_secs(60)));
        evloop::yield_now().await;
    });
    let table = rt.block_on(async { evloop::debug::dump() });
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "evloop: 1 tasks");
    assert!(lines[1].contains("STATE") && lines[1].contains("SPAWNED AT"));
    assert!(lines[2].contains("idle"), "{table}");
    assert!(lines[2].contains("timer in"), "{table}");
    assert!(lines[2].contains("stuck-on-timer"), "{table}");
    assert!(lines[2].contains("debug_introspection.rs:"), "{table}");
}

#[test]
fn current_info_names_the_running_task() {
    support::run(async {
        assert!(evloop::task::current_info().is_none());
        let info = evloop::spawn_named("me", async { evloop::task::current_info() })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(info.name.as_deref(), Some("me"));
        assert!(info.location.file().ends_with("debug_introspection.rs"));
    });
}

#[test]
fn metrics_count_tasks_polls_timers_and_parking() {
    let rt = Runtime::new().unwrap();
    let before = rt.block_on(async { evloop::debug::metrics() });
    assert_eq!(before.tasks_spawned, 0);
    rt.block_on(async {
        let handles: Vec<_> = (0..10)
            .map(|_| evloop::spawn(async { evloop::yield_now().await }))
            .collect();
        for h in handles {
            h.await.unwrap();
        }
        let m = evloop::debug::metrics();
        assert_eq!(m.tasks_spawned, 10);
        assert_eq!(m.tasks_alive, 0);
        assert_eq!(m.polls, 20, "two polls per task");
        let _timer = evloop::spawn(evloop::sleep(Duration::from_secs(60)));
        evloop::yield_now().await;
        assert_eq!(evloop::debug::metrics().timers_armed, 1);
        assert_eq!(evloop::debug::metrics().tasks_alive, 1);
        // The loop parks (under Miri a turn takes milliseconds: sleep longer so it still does).
        let nap = if cfg!(miri) { 500 } else { 5 };
        evloop::sleep(Duration::from_millis(nap)).await;
    });
    let m = rt.block_on(async { evloop::debug::metrics() });
    assert!(m.time_parked >= Duration::from_millis(1), "{m:?}");
    assert!(m.reactor_turns >= 1);
    assert_eq!(m.run_queue_depth, 0);
    let handle = rt.handle();
    let remote = std::thread::spawn(move || handle.spawn(async {}))
        .join()
        .unwrap();
    rt.block_on(remote).unwrap();
    assert!(
        rt.block_on(async { evloop::debug::metrics() })
            .remote_events
            >= 1
    );
}
