//! `LoopPool` / `run_per_core`: one event loop per thread (issue 13).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use evloop::{LoopPool, PoolError, run_per_core};

#[test]
fn each_loop_runs_its_own_copy_on_its_own_thread() {
    let names = run_per_core(3, |ctx| async move {
        evloop::sleep(Duration::from_millis(1)).await;
        Ok::<_, ()>((
            ctx.index(),
            ctx.loops(),
            std::thread::current().name().map(str::to_owned),
        ))
    })
    .unwrap();
    assert_eq!(
        names,
        [
            (0, 3, Some("evloop-0".to_owned())),
            (1, 3, Some("evloop-1".to_owned())),
            (2, 3, Some("evloop-2".to_owned())),
        ]
    );
}

#[test]
fn loops_send_work_to_each_other_through_their_handles() {
    // Loop 0 asks loop 1 to run 100 jobs, then tells it (a remote channel) that it is done.
    let ran_on = Arc::new(AtomicUsize::new(0));
    let (done_tx, done_rx) = evloop::channel::remote::channel::<()>();
    let done_rx = Arc::new(Mutex::new(Some(done_rx)));
    let counter = ran_on.clone();
    let sums = run_per_core(2, move |ctx| {
        let (counter, done_tx, done_rx) = (counter.clone(), done_tx.clone(), done_rx.clone());
        async move {
            if ctx.index() == 1 {
                let mut done = done_rx.lock().unwrap().take().unwrap();
                done.recv().await; // serve loop 0's jobs until it is done
                return Ok::<_, ()>(0);
            }
            let mut sum = 0;
            for i in 0..100u64 {
                let counter = counter.clone();
                sum += ctx
                    .handle(1)
                    .spawn(async move {
                        assert_eq!(std::thread::current().name(), Some("evloop-1"));
                        counter.fetch_add(1, Ordering::Relaxed);
                        i
                    })
                    .await
                    .unwrap();
            }
            done_tx.send(()).unwrap();
            Ok(sum)
        }
    })
    .unwrap();
    assert_eq!(sums, [4950, 0]);
    assert_eq!(ran_on.load(Ordering::Relaxed), 100);
}

#[test]
fn the_first_failure_stops_every_loop() {
    let result = LoopPool::new(3).run(|ctx| async move {
        if ctx.index() == 2 {
            evloop::sleep(Duration::from_millis(5)).await;
            return Err(format!("loop {} failed", ctx.index()));
        }
        std::future::pending::<()>().await;
        Ok(())
    });
    match result {
        Err(PoolError::Failed { index, error }) => {
            assert_eq!((index, error.as_str()), (2, "loop 2 failed"));
        }
        other => panic!("expected loop 2's failure, got {other:?}"),
    }
}

#[test]
fn a_panic_in_a_loop_stops_the_others_and_comes_back() {
    let message = support::panic_message(|| {
        let _ = run_per_core(2, |ctx| async move {
            if ctx.index() == 0 {
                panic!("loop 0 exploded");
            }
            std::future::pending::<()>().await;
            Ok::<(), ()>(())
        });
    });
    assert!(message.contains("loop 0 exploded"), "{message}");
}

#[test]
#[cfg_attr(miri, ignore)] // sched_setaffinity is a foreign call
fn pinned_loops_run() {
    let done = LoopPool::new(2)
        .pin_to_cores(true)
        .run(|ctx| async move { Ok::<_, ()>(ctx.index()) })
        .unwrap();
    assert_eq!(done, [0, 1]);
}

#[test]
#[should_panic(expected = "at least one loop")]
fn zero_loops_panics() {
    let _ = LoopPool::new(0);
}
