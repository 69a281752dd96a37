//! gather, try_gather, join!, try_join!, select, race.

mod support;

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use evloop::Either;
use support::Tracker;

#[test]
fn gather_runs_concurrently_and_keeps_input_order() {
    support::run(async {
        let start = Instant::now();
        let out = evloop::gather([30u64, 10, 20].map(|ms| async move {
            evloop::sleep(Duration::from_millis(ms)).await;
            ms * 2
        }))
        .await;
        assert_eq!(out, [60, 20, 40]);
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(30));
    });
}

#[test]
fn gather_of_nothing_is_empty() {
    let out: Vec<u8> = support::run(evloop::gather(Vec::<std::future::Ready<u8>>::new()));
    assert!(out.is_empty());
}

#[test]
fn gather_repolls_only_the_woken_children() {
    let n = support::scaled(10_000);
    let trackers: Vec<Tracker> = (0..n).map(|_| Tracker::new()).collect();
    let wakers: Rc<RefCell<Vec<Option<Waker>>>> = Rc::new(RefCell::new(vec![None; n]));
    let done: Rc<Vec<Cell<bool>>> = Rc::new((0..n).map(|_| Cell::new(false)).collect());
    support::run(async {
        let children = (0..n).map(|i| {
            let (wakers, done) = (wakers.clone(), done.clone());
            trackers[i].track(poll_fn(move |cx| {
                if done[i].get() {
                    return Poll::Ready(i);
                }
                wakers.borrow_mut()[i] = Some(cx.waker().clone());
                Poll::Pending
            }))
        });
        let gathered = evloop::spawn(evloop::gather(children.collect::<Vec<_>>()));
        evloop::yield_now().await;
        assert!(trackers.iter().all(|t| t.polls() == 1));
        // Wake children one at a time: each wake polls exactly that child once more.
        for i in (0..n).rev() {
            done[i].set(true);
            wakers.borrow_mut()[i].take().unwrap().wake();
            evloop::yield_now().await;
            assert_eq!(trackers[i].polls(), 2);
            if i > 0 {
                assert_eq!(trackers[i - 1].polls(), 1, "child {} was re-polled", i - 1);
            }
        }
        let out = gathered.await.unwrap();
        assert_eq!(out, (0..n).collect::<Vec<_>>());
    });
    let total: usize = trackers.iter().map(Tracker::polls).sum();
    assert_eq!(total, 2 * n, "gather polled children that were not woken");
}

#[test]
fn try_gather_returns_the_first_error_and_drops_the_rest() {
    let tracker = Tracker::new();
    support::run(async {
        type Boxed =
            std::pin::Pin<Box<dyn std::future::Future<Output = Result<u32, &'static str>>>>;
        let slow: Boxed = Box::pin(tracker.track(async {
            evloop::sleep(Duration::from_secs(60)).await;
            Ok(1)
        }));
        let failing: Boxed = Box::pin(async {
            evloop::sleep(Duration::from_millis(2)).await;
            Err("broken")
        });
        let start = Instant::now();
        assert_eq!(evloop::try_gather([slow, failing]).await, Err("broken"));
        assert!(start.elapsed() < Duration::from_secs(60));
    });
    assert_eq!(tracker.drops(), 1);
}

#[test]
fn try_gather_all_ok_keeps_order() {
    support::run(async {
        let out = evloop::try_gather([3u64, 1, 2].map(|ms| async move {
            evloop::sleep(Duration::from_millis(ms)).await;
            Ok::<_, ()>(ms)
        }))
        .await;
        assert_eq!(out, Ok(vec![3, 1, 2]));
    });
}

#[test]
fn join_macro_mixes_types_and_runs_concurrently() {
    support::run(async {
        let start = Instant::now();
        let (a, b, c) = evloop::join!(
            async {
                evloop::sleep(Duration::from_millis(10)).await;
                1u8
            },
            async {
                evloop::sleep(Duration::from_millis(10)).await;
                "two"
            },
            async { 3.0f64 },
        );
        assert_eq!((a, b, c), (1, "two", 3.0));
        assert!(start.elapsed() >= Duration::from_millis(10));
        let (single,) = evloop::join!(async { 'x' });
        assert_eq!(single, 'x');
    });
}

#[test]
fn try_join_macro_short_circuits() {
    let tracker = Tracker::new();
    support::run(async {
        let r: Result<(u8, u8), String> = evloop::try_join!(
            tracker.track(async {
                evloop::sleep(Duration::from_secs(60)).await;
                Ok(1)
            }),
            async {
                evloop::sleep(Duration::from_millis(1)).await;
                Err("bad".to_string())
            },
        );
        assert_eq!(r, Err("bad".into()));
        assert_eq!(tracker.drops(), 1, "the other future is dropped on error");
        let ok: Result<(u8, &str), ()> = evloop::try_join!(async { Ok(1) }, async { Ok("b") });
        assert_eq!(ok, Ok((1, "b")));
    });
}

#[test]
fn select_first_wins_and_the_loser_is_dropped() {
    let loser = Tracker::new();
    support::run(async {
        let slow = loser.track(evloop::sleep(Duration::from_secs(60)));
        let fast = async {
            evloop::sleep(Duration::from_millis(1)).await;
            "fast"
        };
        assert_eq!(evloop::select(slow, fast).await, Either::Right("fast"));
        assert_eq!(loser.drops(), 1);
        assert_eq!(
            evloop::select(async { 1 }, async { 2 }).await,
            Either::Left(1),
            "biased to a"
        );
        assert_eq!(evloop::race(async { 1 }, std::future::pending()).await, 1);
    });
}
