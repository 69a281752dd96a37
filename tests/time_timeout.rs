//! `wait_for` / `wait_until`.

mod support;

use std::cell::Cell;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

use support::Tracker;

#[test]
fn times_out_and_drops_the_inner_future() {
    let tracker = Tracker::new();
    support::run(async {
        let start = Instant::now();
        let r = evloop::wait_for(
            Duration::from_millis(5),
            tracker.track(std::future::pending::<()>()),
        )
        .await;
        assert!(r.is_err());
        assert!(start.elapsed() >= Duration::from_millis(5));
    });
    assert_eq!(tracker.drops(), 1);
}

#[test]
fn ok_when_inner_finishes_first() {
    support::run(async {
        let fast = async {
            evloop::sleep(Duration::from_millis(1)).await;
            "fast"
        };
        assert_eq!(
            evloop::wait_for(Duration::from_secs(5), fast).await,
            Ok("fast")
        );
    });
}

#[test]
fn inner_ready_in_the_same_turn_as_the_deadline_wins() {
    support::run(async {
        // Far enough that the first poll (inner, then timer) cannot straddle it, even under
        // Miri, where a poll takes milliseconds.
        let deadline = Instant::now() + Duration::from_millis(if cfg!(miri) { 400 } else { 3 });
        // The inner future becomes ready exactly when the deadline passes; both are
        // observed in the same poll, and the inner future is polled first.
        let inner = poll_fn(move |cx| {
            if Instant::now() >= deadline {
                Poll::Ready("inner")
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        });
        assert_eq!(evloop::wait_until(deadline, inner).await, Ok("inner"));
    });
}

#[test]
fn ready_future_costs_no_timer() {
    // Polled outside any runtime: a timer would panic, so none is armed.
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut fut = std::pin::pin!(evloop::wait_for(Duration::from_secs(1), async { 5 }));
    assert_eq!(
        std::future::Future::poll(fut.as_mut(), &mut cx),
        Poll::Ready(Ok(5))
    );
}

#[test]
fn wait_until_past_deadline_still_polls_inner_once() {
    support::run(async {
        let past = Instant::now();
        assert_eq!(evloop::wait_until(past, async { 1 }).await, Ok(1));
        let polled = Rc::new(Cell::new(false));
        let p = polled.clone();
        let r = evloop::wait_until(
            past,
            poll_fn(move |_| {
                p.set(true);
                Poll::<()>::Pending
            }),
        )
        .await;
        assert!(r.is_err());
        assert!(polled.get());
    });
}

#[test]
fn timeout_error_converts_to_io_timed_out() {
    let err: std::io::Error = support::run(async {
        evloop::wait_for(Duration::ZERO, std::future::pending::<()>())
            .await
            .unwrap_err()
    })
    .into();
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
}

#[test]
fn a_million_ready_timeouts_do_not_touch_the_wheel() {
    support::run(async {
        let mut sum = 0u64;
        for i in 0..support::scaled(100_000) as u64 {
            sum += evloop::wait_for(Duration::from_secs(1), async move { i })
                .await
                .unwrap();
        }
        assert!(sum > 0);
    });
}

#[test]
fn a_timeout_cancelled_after_its_work_finished_leaves_the_wheel_sound() {
    // Regression: a wait_for whose deadline lands in level-0 slot 256..4095 (here ~300 ms)
    // and is cancelled early used to corrupt the timer wheel's lists.
    support::run(async {
        for _ in 0..3 {
            let quick = evloop::sleep(Duration::from_millis(2));
            assert!(
                evloop::wait_for(Duration::from_millis(300), quick)
                    .await
                    .is_ok()
            );
        }
        let start = Instant::now();
        evloop::sleep(Duration::from_millis(20)).await;
        assert!(start.elapsed() >= Duration::from_millis(20));
    });
}
