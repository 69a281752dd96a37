//! JoinSet, as_completed, wait_any and shield.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use support::Tracker;

/// Milliseconds per unit of the timing tests: under Miri a poll takes milliseconds, so
/// deadlines are stretched until their order cannot be confused with the polling order.
const UNIT: u64 = if cfg!(miri) { 60 } else { 1 };

fn ms(n: u64) -> Duration {
    Duration::from_millis(n * UNIT)
}

#[test]
fn join_set_yields_in_completion_order_and_reports_panics() {
    evloop::run(async {
        let mut set = evloop::JoinSet::new();
        let base = std::time::Instant::now();
        for n in [30u64, 10, 20] {
            set.spawn(async move {
                evloop::sleep_until(base + ms(n)).await;
                if n == 20 {
                    panic!("twenty");
                }
                n
            });
        }
        assert_eq!(set.join_next().await.unwrap().unwrap(), 10);
        assert!(set.join_next().await.unwrap().unwrap_err().is_panic());
        assert_eq!(set.join_next().await.unwrap().unwrap(), 30);
        assert!(set.join_next().await.is_none());
        assert!(set.is_empty());
    });
}

#[test]
fn join_set_reuses_slots_and_drop_aborts_everything() {
    let tracker = Tracker::new();
    evloop::run(async {
        let mut set = evloop::JoinSet::new();
        for round in 0..support::scaled(1_000) {
            set.spawn(async move { round });
            assert_eq!(set.join_next().await.unwrap().unwrap(), round);
        }
        set.spawn(tracker.track(std::future::pending::<usize>()));
        evloop::yield_now().await;
        drop(set);
        assert_eq!(tracker.drops(), 1, "dropping the set aborts its tasks");
    });
}

#[test]
fn join_next_is_cancel_safe() {
    evloop::run(async {
        let mut set = evloop::JoinSet::new();
        set.spawn(async {
            evloop::sleep(ms(50)).await;
            7
        });
        // Time out once: the result must not be lost.
        assert!(evloop::wait_for(ms(1), set.join_next()).await.is_err());
        assert_eq!(set.join_next().await.unwrap().unwrap(), 7);
    });
}

#[test]
fn join_set_shutdown_and_abort_all() {
    evloop::run(async {
        let mut set = evloop::JoinSet::new();
        for _ in 0..3 {
            set.spawn(std::future::pending::<()>());
        }
        set.abort_all();
        let mut cancelled = 0;
        while let Some(result) = set.join_next().await {
            assert!(result.unwrap_err().is_cancelled());
            cancelled += 1;
        }
        assert_eq!(cancelled, 3);
        set.spawn(std::future::pending::<()>());
        set.shutdown().await;
        assert!(set.is_empty());
    });
}

#[test]
fn as_completed_streams_outputs_as_they_finish() {
    evloop::run(async {
        let base = std::time::Instant::now();
        let mut done = evloop::as_completed([40u64, 10, 25, 0].map(|n| async move {
            evloop::sleep_until(base + ms(n)).await;
            n
        }));
        let mut order = Vec::new();
        while let Some(ms) = done.next().await {
            order.push(ms);
        }
        assert_eq!(order, [0, 10, 25, 40]);
    });
}

#[test]
fn as_completed_polls_only_woken_children() {
    let n = support::scaled(10_000);
    let trackers: Vec<Tracker> = (0..n).map(|_| Tracker::new()).collect();
    evloop::run(async {
        let mut done = evloop::as_completed((0..n).map(|i| {
            trackers[i].track(async move {
                evloop::yield_now().await;
                i
            })
        }));
        let mut count = 0;
        while done.next().await.is_some() {
            count += 1;
        }
        assert_eq!(count, n);
    });
    assert!(
        trackers.iter().all(|t| t.polls() == 2),
        "each child polled exactly twice"
    );
}

#[test]
fn wait_any_returns_the_first_and_the_rest() {
    let loser = Tracker::new();
    evloop::run(async {
        let futures: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = &str>>>> = vec![
            Box::pin(loser.track(async {
                evloop::sleep(Duration::from_secs(3600)).await;
                "slow"
            })),
            Box::pin(async {
                evloop::sleep(Duration::from_millis(2)).await;
                "fast"
            }),
        ];
        let (first, index, rest) = evloop::wait_any(futures).await;
        assert_eq!((first, index, rest.len()), ("fast", 1, 1));
        assert_eq!(
            loser.drops(),
            0,
            "the others are handed back, still pending"
        );
        drop(rest);
        assert_eq!(loser.drops(), 1);
    });
}

#[test]
fn wait_any_of_nothing_panics_with_guidance() {
    let message = support::panic_message(|| {
        evloop::run(async {
            evloop::wait_any(Vec::<std::future::Ready<()>>::new()).await;
        })
    });
    assert!(message.contains("at least one future"), "{message}");
}

#[test]
fn shield_keeps_the_work_alive_when_the_caller_is_cancelled() {
    let finished = Rc::new(Cell::new(false));
    evloop::run(async {
        let flag = finished.clone();
        let shielded = evloop::shield(async move {
            evloop::sleep(ms(50)).await;
            flag.set(true);
            5
        });
        assert!(evloop::wait_for(ms(1), shielded).await.is_err());
        assert!(!finished.get());
        for _ in 0..1_000 {
            if finished.get() {
                break;
            }
            evloop::sleep(Duration::from_millis(2)).await;
        }
        assert!(finished.get());
        assert_eq!(evloop::shield(async { 9 }).await, 9);
    });
}
