//! JoinSet, as_completed, wait_any and shield.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::task::Poll;
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
    support::run(async {
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
    support::run(async {
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
    support::run(async {
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
    support::run(async {
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
    support::run(async {
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
    support::run(async {
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
    support::run(async {
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
        support::run(async {
            evloop::wait_any(Vec::<std::future::Ready<()>>::new()).await;
        })
    });
    assert!(message.contains("at least one future"), "{message}");
}

#[test]
fn shield_keeps_the_work_alive_when_the_caller_is_cancelled() {
    let finished = Rc::new(Cell::new(false));
    support::run(async {
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

#[test]
fn join_set_records_finish_order_before_it_is_polled() {
    // Regression (issue 9): tasks that finished before `join_next` was first polled came
    // out in reverse spawn order, whatever order they finished in.
    support::run(async {
        let mut set = evloop::JoinSet::new();
        for (name, yields) in [("a", 4), ("b", 0), ("c", 2)] {
            set.spawn(async move {
                support::yield_times(yields).await;
                name
            });
        }
        support::yield_times(10).await; // all three finish: b, then c, then a
        let mut order = Vec::new();
        while let Some(result) = set.join_next().await {
            order.push(result.unwrap());
        }
        assert_eq!(order, ["b", "c", "a"]);
    });
}

#[test]
fn join_set_returns_tasks_finishing_in_one_turn_in_finish_order() {
    // Regression (issue 9): several tasks finishing in the same loop turn came out last in,
    // first out. Here they are woken (and so run and finish) in the order c, a, b.
    support::run(async {
        let events: Vec<Rc<evloop::sync::Event>> = (0..3)
            .map(|_| Rc::new(evloop::sync::Event::new()))
            .collect();
        let mut set = evloop::JoinSet::new();
        for (name, event) in ["a", "b", "c"].into_iter().zip(&events) {
            let event = event.clone();
            set.spawn(async move {
                event.wait().await;
                name
            });
        }
        let setter = {
            let events = events.clone();
            evloop::spawn(async move {
                evloop::yield_now().await; // let the set's owner wait in join_next first
                for i in [2, 0, 1] {
                    events[i].set();
                }
            })
        };
        let mut order = Vec::new();
        while let Some(result) = set.join_next().await {
            order.push(result.unwrap());
        }
        setter.await.unwrap();
        assert_eq!(order, ["c", "a", "b"]);
    });
}

#[test]
fn as_completed_yields_in_wake_order_across_batches() {
    // Regression (issue 9): a child woken after the stream returned came out ahead of an
    // earlier-woken child still waiting from the previous batch.
    support::run(async {
        let events: Vec<Rc<evloop::sync::Event>> = (0..4)
            .map(|_| Rc::new(evloop::sync::Event::new()))
            .collect();
        let mut stream = evloop::as_completed(events.iter().enumerate().map(|(i, event)| {
            let event = event.clone();
            async move {
                event.wait().await;
                i
            }
        }));
        assert!(poll_next_once(&mut stream).await.is_pending()); // all wait on their events
        events[1].set();
        events[2].set();
        assert_eq!(poll_next_once(&mut stream).await, Poll::Ready(Some(1)));
        events[3].set(); // woken after 2, which is still waiting to be polled
        assert_eq!(poll_next_once(&mut stream).await, Poll::Ready(Some(2)));
        assert_eq!(poll_next_once(&mut stream).await, Poll::Ready(Some(3)));
        events[0].set();
        assert_eq!(poll_next_once(&mut stream).await, Poll::Ready(Some(0)));
        assert_eq!(poll_next_once(&mut stream).await, Poll::Ready(None));
    });
}

/// Polls `stream` once for its next item, with the current task's waker.
async fn poll_next_once<S: futures_core::Stream + Unpin>(stream: &mut S) -> Poll<Option<S::Item>> {
    std::future::poll_fn(|cx| Poll::Ready(std::pin::Pin::new(&mut *stream).poll_next(cx))).await
}
