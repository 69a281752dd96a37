//! Timers: sleep never ends early, far deadlines, reset, interval policies, fairness.

mod support;

use std::cell::Cell;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

use evloop::MissedTickBehavior;

#[test]
fn sleep_never_ends_early() {
    support::run(async {
        for ms in [0u64, 1, 2, 3, 5, 8, 13] {
            let start = Instant::now();
            evloop::sleep(Duration::from_millis(ms)).await;
            assert!(
                start.elapsed() >= Duration::from_millis(ms),
                "sleep({ms} ms) ended early"
            );
        }
        // Sub-millisecond deadlines too.
        let start = Instant::now();
        evloop::sleep(Duration::from_micros(300)).await;
        assert!(start.elapsed() >= Duration::from_micros(300));
    });
}

#[test]
fn many_concurrent_sleeps_never_end_early() {
    let n = support::scaled(2_000);
    let early = Rc::new(Cell::new(0));
    support::run(async {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let early = early.clone();
                let d = Duration::from_micros((i as u64 * 7919) % 30_000);
                let deadline = Instant::now() + d;
                evloop::spawn(async move {
                    evloop::sleep_until(deadline).await;
                    if Instant::now() < deadline {
                        early.set(early.get() + 1);
                    }
                })
            })
            .collect();
        evloop::gather(handles).await;
    });
    assert_eq!(early.get(), 0);
}

#[test]
fn sleeps_complete_in_deadline_order() {
    let order = Rc::new(std::cell::RefCell::new(Vec::new()));
    support::run(async {
        let base = Instant::now();
        // Under Miri a poll takes milliseconds: stretch the deadlines so none has passed
        // before its task first runs.
        let unit = if cfg!(miri) { 50 } else { 1 };
        let handles: Vec<_> = [30u64, 5, 70, 15]
            .into_iter()
            .map(|ms| {
                let order = order.clone();
                evloop::spawn(async move {
                    evloop::sleep_until(base + Duration::from_millis(ms * unit)).await;
                    order.borrow_mut().push(ms);
                })
            })
            .collect();
        evloop::gather(handles).await;
    });
    assert_eq!(*order.borrow(), [5, 15, 30, 70]);
}

#[test]
fn duration_max_never_fires_and_does_not_panic() {
    support::run(async {
        let sleep = evloop::sleep(Duration::MAX);
        assert!(sleep.deadline().is_none());
        let r = evloop::wait_for(Duration::from_millis(2), sleep).await;
        assert!(r.is_err());
        // A timeout of Duration::MAX is no timeout.
        assert_eq!(evloop::wait_for(Duration::MAX, async { 1 }).await, Ok(1));
        let slow = async {
            evloop::sleep(Duration::from_millis(2)).await;
            2
        };
        assert_eq!(evloop::wait_for(Duration::MAX, slow).await, Ok(2));
        // A far (but representable) deadline arms a timer without overflow.
        let far = evloop::sleep(Duration::from_secs(60 * 60 * 24 * 365 * 50));
        assert!(
            evloop::wait_for(Duration::from_millis(1), far)
                .await
                .is_err()
        );
    });
}

#[test]
fn dropping_a_sleep_disarms_it() {
    support::run(async {
        for _ in 0..support::scaled(1_000) {
            let r = evloop::wait_for(Duration::ZERO, evloop::sleep(Duration::from_secs(10))).await;
            assert!(r.is_err());
        }
        // The loop would still be parked for 10 s if a timer leaked.
        let start = Instant::now();
        let outcome =
            evloop::wait_for(Duration::from_millis(1), std::future::pending::<()>()).await;
        assert!(outcome.is_err());
        assert!(start.elapsed() >= Duration::from_millis(1));
    });
}

#[test]
fn reset_moves_the_deadline() {
    support::run(async {
        let start = Instant::now();
        let mut sleep = evloop::sleep(Duration::from_secs(3600));
        // Arm it, then pull it in.
        assert!(evloop::wait_for(Duration::ZERO, &mut sleep).await.is_err());
        sleep.reset(start + Duration::from_millis(3));
        (&mut sleep).await;
        assert!(start.elapsed() >= Duration::from_millis(3));
        assert!(sleep.is_elapsed());
        // And again after it completed.
        let again = Instant::now() + Duration::from_millis(2);
        sleep.reset(again);
        sleep.await;
        assert!(Instant::now() >= again);
    });
}

/// A finished sleep awaited again, and a sleep reset to a deadline already past, are ready
/// at their first poll (the clock is read before arming; nothing waits for the wheel).
#[test]
fn a_finished_or_past_sleep_is_ready_at_once() {
    support::run(async {
        let mut sleep = evloop::sleep(Duration::from_millis(2));
        (&mut sleep).await;
        assert!(evloop::wait_for(Duration::ZERO, &mut sleep).await.is_ok());
        sleep.reset(Instant::now() - Duration::from_millis(1));
        assert!(evloop::wait_for(Duration::ZERO, &mut sleep).await.is_ok());
        // Armed far away, then reset into the past: disarmed, and ready at once.
        sleep.reset(Instant::now() + Duration::from_secs(3600));
        assert!(evloop::wait_for(Duration::ZERO, &mut sleep).await.is_err());
        sleep.reset(Instant::now() - Duration::from_millis(1));
        assert!(evloop::wait_for(Duration::ZERO, &mut sleep).await.is_ok());
    });
}

#[test]
fn sleep_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    assert_send_sync(&evloop::sleep(Duration::from_secs(1)));
}

#[test]
fn self_waking_task_does_not_starve_a_timer() {
    support::run(async {
        let stop = Rc::new(Cell::new(false));
        let spins = Rc::new(Cell::new(0u64));
        let (s, n) = (stop.clone(), spins.clone());
        let spinner = evloop::spawn(poll_fn(move |cx| {
            if s.get() {
                return Poll::Ready(());
            }
            n.set(n.get() + 1);
            cx.waker().wake_by_ref(); // forever ready
            Poll::Pending
        }));
        let start = Instant::now();
        evloop::sleep(Duration::from_millis(5)).await;
        assert!(start.elapsed() >= Duration::from_millis(5));
        stop.set(true);
        spinner.await.unwrap();
        assert!(spins.get() > 0, "the spinner must have run meanwhile");
    });
}

#[test]
fn interval_burst_keeps_the_schedule() {
    support::run(async {
        let mut every = evloop::interval(Duration::from_millis(5));
        let first = every.tick().await;
        std::thread::sleep(Duration::from_millis(16)); // miss three ticks
        let ticks = [every.tick().await, every.tick().await, every.tick().await];
        for (i, tick) in ticks.iter().enumerate() {
            assert_eq!(*tick - first, Duration::from_millis(5 * (i as u64 + 1)));
        }
    });
}

#[test]
fn interval_delay_restarts_from_the_late_tick() {
    support::run(async {
        let mut every = evloop::interval(Duration::from_millis(5));
        every.set_missed_tick_behavior(MissedTickBehavior::Delay);
        every.tick().await;
        std::thread::sleep(Duration::from_millis(12));
        every.tick().await; // late
        let late = Instant::now();
        every.tick().await;
        assert!(late.elapsed() >= Duration::from_millis(4));
    });
}

#[test]
fn interval_skip_drops_missed_ticks() {
    support::run(async {
        let mut every = evloop::interval(Duration::from_millis(5));
        every.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let first = every.tick().await;
        std::thread::sleep(Duration::from_millis(12));
        let _late = every.tick().await;
        let next = every.tick().await;
        let offset = next - first;
        assert_eq!(offset.as_millis() % 5, 0, "stays on the 5 ms grid");
        assert!(
            offset >= Duration::from_millis(15),
            "missed ticks were not skipped: {offset:?}"
        );
    });
}

#[test]
fn interval_zero_panics_with_guidance() {
    let message = support::panic_message(|| drop(evloop::interval(Duration::ZERO)));
    assert!(message.contains("non-zero"), "{message}");
}

#[test]
fn sleep_outside_a_runtime_panics_with_guidance() {
    let message = support::panic_message(|| {
        let mut sleep = std::pin::pin!(evloop::sleep(Duration::from_secs(1)));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let _ = std::future::Future::poll(sleep.as_mut(), &mut cx);
    });
    assert!(message.contains("outside a runtime"), "{message}");
}

#[test]
#[cfg_attr(miri, ignore)] // real-time spinning: Miri is too slow for the proportions
fn a_fired_timer_runs_before_a_long_run_queue() {
    // 2,000 busy tasks keep the queue long; the sleeper must run soon after its deadline,
    // not after every busy task had its turn.
    let n = support::scaled(2_000);
    let order = Rc::new(std::cell::RefCell::new(Vec::new()));
    support::run(async {
        let o = order.clone();
        let sleeper = evloop::spawn(async move {
            evloop::sleep(Duration::from_millis(2)).await;
            o.borrow_mut().push(usize::MAX);
        });
        evloop::yield_now().await; // the sleeper arms its timer
        let busy: Vec<_> = (0..n)
            .map(|i| {
                let o = order.clone();
                evloop::spawn(async move {
                    let spin = Instant::now();
                    while spin.elapsed() < Duration::from_micros(20) {}
                    o.borrow_mut().push(i);
                })
            })
            .collect();
        sleeper.await.unwrap();
        evloop::gather(busy).await;
    });
    let order = order.borrow();
    let position = order.iter().position(|&i| i == usize::MAX).unwrap();
    // 2 ms of 20 µs tasks is ~100 tasks, plus at most one batch (event_interval = 61).
    assert!(
        position < n / 2,
        "the timer's task ran after {position} of {n} busy tasks"
    );
}

#[test]
fn equal_deadlines_wake_in_arming_order() {
    // Regression (issue 9): timers in one wheel slot fired newest first, so tasks sleeping
    // until the same instant woke in reverse.
    support::run(async {
        // Far enough that every task arms its timer before it passes (Miri polls slowly).
        let deadline = Instant::now() + Duration::from_millis(if cfg!(miri) { 2_000 } else { 20 });
        let log = support::Log::new();
        let handles: Vec<_> = (0..8)
            .map(|n| {
                let log = log.clone();
                evloop::spawn(async move {
                    evloop::sleep_until(deadline).await;
                    log.push(n);
                })
            })
            .collect();
        for handle in handles {
            handle.await.unwrap();
        }
        assert_eq!(log.items(), (0..8).collect::<Vec<_>>());
    });
}

#[test]
fn timers_fire_in_deadline_order_then_arming_order() {
    // Deadlines armed out of order, some equal: the wakes come in (deadline, arming) order.
    // (Across wheel levels and cascades: the wheel's unit tests.)
    support::run(async {
        let base = Instant::now();
        let offsets = [30u64, 10, 40, 30, 10, 35, 20, 40];
        let log = support::Log::new();
        let handles: Vec<_> = offsets
            .iter()
            .enumerate()
            .map(|(n, &ms)| {
                let log = log.clone();
                evloop::spawn(async move {
                    let unit = if cfg!(miri) { 100 } else { 1 }; // every timer armed in time
                    evloop::sleep_until(base + Duration::from_millis(ms * unit)).await;
                    log.push((ms, n));
                })
            })
            .collect();
        for handle in handles {
            handle.await.unwrap();
        }
        let got = log.items();
        let mut sorted = got.clone();
        sorted.sort();
        assert_eq!(got, sorted);
    });
}

#[test]
fn sub_millisecond_sleeps_never_end_early() {
    // 50 µs to 1.5 ms: waited for precisely (a timerfd), never less than asked.
    support::run(async {
        for micros in [50u64, 100, 250, 700, 1_000, 1_500] {
            let asked = Duration::from_micros(micros);
            let start = Instant::now();
            evloop::sleep(asked).await;
            assert!(start.elapsed() >= asked, "a {asked:?} sleep ended early");
        }
    });
}
