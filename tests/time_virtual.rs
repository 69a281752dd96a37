//! Virtual time: a paused clock, `advance`, and the auto-advance rule (no jump while bytes
//! are on their way, while a blocking job runs, or before the grace period).

mod support;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io::{Read, Write};
use std::rc::Rc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use futures_util::io::AsyncReadExt;

/// Runs `body` on a runtime built by `builder` (started paused), with a real-time watchdog:
/// the test deadline of `support::run` would be virtual here, so a hang is caught by a
/// thread that aborts the test binary after `support::TEST_LIMIT` of real time.
fn run_paused<F: Future>(builder: evloop::runtime::Builder, body: F) -> (F::Output, Duration) {
    let (done, watch) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if watch.recv_timeout(support::TEST_LIMIT) == Err(mpsc::RecvTimeoutError::Timeout) {
            eprintln!(
                "a paused test still runs after {:?}: hung",
                support::TEST_LIMIT
            );
            std::process::abort();
        }
    });
    let runtime = builder.start_paused(true).build().unwrap();
    let real = Instant::now();
    let output = runtime.block_on(body);
    let took = real.elapsed();
    drop(done);
    watchdog.join().unwrap();
    (output, took)
}

fn paused() -> evloop::runtime::Builder {
    evloop::Runtime::builder()
}

/// Spawns a task per entry of `secs` that sleeps that many seconds, then records the
/// entry and the virtual time elapsed since now, in the order the tasks wake.
fn spawn_sleepers(secs: &[u64]) -> Rc<RefCell<Vec<(u64, Duration)>>> {
    let start = evloop::time::now();
    let fired = Rc::new(RefCell::new(Vec::new()));
    for &secs in secs {
        let fired = fired.clone();
        evloop::spawn(async move {
            evloop::sleep(Duration::from_secs(secs)).await;
            fired.borrow_mut().push((secs, evloop::time::now() - start));
        });
    }
    fired
}

#[test]
fn an_hour_of_interval_ticks_runs_in_virtual_time_with_the_right_count() {
    // Under Miri (every poll ~1000x slower) a minute of ticks makes the same point.
    let span = Duration::from_secs(if cfg!(miri) { 60 } else { 3600 });
    let ((ticks, virtual_elapsed), real) = run_paused(paused(), async move {
        let start = evloop::time::now();
        let mut every = evloop::interval(Duration::from_secs(1));
        let mut ticks = 0u32;
        while evloop::time::now() - start < span {
            every.tick().await;
            ticks += 1;
        }
        (ticks, evloop::time::now() - start)
    });
    // Ticks at 0 s, 1 s, ..., 3600 s.
    assert_eq!(u64::from(ticks), span.as_secs() + 1);
    assert_eq!(virtual_elapsed, span);
    // Real time is bounded by `run_paused`'s watchdog (60 s, far below the hour); the
    // figure is printed, not asserted (no timing thresholds in tests).
    eprintln!("an hour of 1 s ticks took {real:?} of real time");
}

#[test]
fn a_thirty_minute_wait_for_times_out_in_virtual_time() {
    let ((result, virtual_elapsed), real) = run_paused(paused(), async {
        let start = evloop::time::now();
        let result =
            evloop::wait_for(Duration::from_secs(1800), std::future::pending::<()>()).await;
        (result, evloop::time::now() - start)
    });
    assert!(result.is_err());
    assert_eq!(virtual_elapsed, Duration::from_secs(1800));
    eprintln!("a 30-minute wait_for took {real:?} of real time"); // bounded by the watchdog
}

#[test]
fn timers_fire_in_deadline_order_each_at_its_deadline() {
    let (fired, _) = run_paused(paused(), async {
        let start = evloop::time::now();
        let fired = spawn_sleepers(&[3, 1, 2, 5, 4]);
        evloop::yield_now().await; // the sleepers arm their timers
        evloop::time::advance(Duration::from_secs(4)).await;
        // Everything due within 4 s fired, in order, each when the clock read its deadline.
        let seen = fired.borrow().clone();
        assert_eq!(evloop::time::now() - start, Duration::from_secs(4));
        evloop::time::advance(Duration::from_secs(1)).await;
        (seen, fired.take())
    });
    let (within_four, all) = fired;
    let expect = |n: u64| {
        (1..=n)
            .map(|s| (s, Duration::from_secs(s)))
            .collect::<Vec<_>>()
    };
    assert_eq!(within_four, expect(4));
    assert_eq!(all, expect(5));
}

#[test]
fn a_sleep_never_ends_early_in_virtual_time() {
    run_paused(paused(), async {
        for micros in [0u64, 1, 300, 999, 1000, 1001, 1500, 250_000, 7_000_000] {
            let start = evloop::time::now();
            evloop::sleep(Duration::from_micros(micros)).await;
            assert!(evloop::time::now() - start >= Duration::from_micros(micros));
        }
    });
}

#[test]
fn advance_needs_a_paused_clock_and_pause_needs_a_runtime() {
    let message = support::panic_message(|| {
        evloop::run(evloop::time::advance(Duration::from_secs(1)));
    });
    assert!(message.contains("the clock is not paused"), "{message}");
    assert!(message.contains("start_paused(true)"), "{message}");
    let message = support::panic_message(evloop::time::pause);
    assert!(message.contains("no evloop runtime"), "{message}");
    // Outside a runtime, the loop's time is the real time.
    let before = Instant::now();
    assert!(evloop::time::now() >= before);
}

#[test]
fn pause_mid_run_then_resume_continues_from_the_virtual_time() {
    // Not `support::run`: its 60 s test deadline would be virtual, and due within the
    // advance below.
    evloop::run(async {
        evloop::time::pause();
        let frozen = evloop::time::now();
        std::thread::sleep(Duration::from_millis(5)); // real time passes, virtual does not
        assert_eq!(evloop::time::now(), frozen);
        evloop::time::advance(Duration::from_secs(60)).await;
        evloop::time::resume();
        let resumed = evloop::time::now();
        assert!(resumed >= frozen + Duration::from_secs(60));
        // Virtual time now runs at real speed, ahead of `Instant::now()`.
        assert!(resumed > Instant::now() + Duration::from_secs(59));
        evloop::sleep(Duration::from_millis(3)).await;
        assert!(evloop::time::now() - resumed >= Duration::from_millis(3));
    });
}

/// A peer on a std thread that answers each line it reads with the same line.
fn echo_peer() -> (std::net::SocketAddr, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut buf = [0u8; 64];
        loop {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => stream.write_all(&buf[..n]).unwrap(),
            }
        }
    });
    (addr, peer)
}

#[test]
#[cfg_attr(miri, ignore)] // sockets
fn a_timeout_racing_a_socket_read_does_not_fire_while_the_reply_is_on_its_way() {
    let (addr, peer) = echo_peer();
    // A grace period far above any loopback round trip, so a loaded machine cannot make the
    // test flaky; the default (5 ms) is the same rule with a shorter wait.
    let builder = paused().auto_advance_grace(Duration::from_millis(500));
    let (answered, _) = run_paused(builder, async move {
        let mut stream = evloop::net::TcpStream::connect(addr).await.unwrap();
        let mut answered = 0;
        for round in 0..50u8 {
            stream.write_all(&[round]).await.unwrap();
            let mut byte = [0u8];
            // A 1 s virtual timeout: without the grace period the idle loop would jump to
            // it at once, before the peer's byte comes back.
            let read = evloop::wait_for(Duration::from_secs(1), stream.read_exact(&mut byte));
            read.await
                .expect("timed out with the reply on its way")
                .unwrap();
            assert_eq!(byte[0], round);
            answered += 1;
        }
        answered
    });
    assert_eq!(answered, 50);
    peer.join().unwrap();
}

#[test]
#[cfg_attr(miri, ignore)] // sockets
fn a_silent_peer_times_out_after_the_grace_period() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let ((result, virtual_elapsed), real) = run_paused(paused(), async move {
        let stream = evloop::net::TcpStream::connect(addr).await.unwrap();
        let start = evloop::time::now();
        let mut byte = [0u8];
        let result = evloop::wait_for(Duration::from_secs(30), stream.read(&mut byte)).await;
        (
            result.map(|read| read.map_err(|e| e.kind())),
            evloop::time::now() - start,
        )
    });
    assert!(result.is_err(), "the silent peer answered: {result:?}");
    assert_eq!(virtual_elapsed, Duration::from_secs(30));
    // At least one grace period (5 ms) of real time passed first: the lower bound only.
    assert!(
        real >= Duration::from_millis(5),
        "jumped without a grace period: {real:?}"
    );
    drop(listener);
}

#[test]
fn the_clock_stays_while_a_blocking_job_runs() {
    let (outcome, _) = run_paused(paused(), async {
        let start = evloop::time::now();
        let job = evloop::spawn_blocking(|| {
            std::thread::sleep(Duration::from_millis(30)); // real time
            7
        });
        let outcome = evloop::wait_for(Duration::from_secs(1), job).await;
        (outcome.map(Result::unwrap), evloop::time::now() - start)
    });
    let (result, virtual_elapsed) = outcome;
    assert_eq!(result, Ok(7));
    assert!(virtual_elapsed < Duration::from_secs(1));
}

#[test]
fn timer_wakes_run_before_the_clock_moves_on() {
    // Each sleeper re-arms at once; the clock must let it run after each fire, so that a
    // chain of 1 s sleeps covers 10 virtual seconds in 10 steps.
    let (steps, _) = run_paused(paused(), async {
        let steps = Rc::new(Cell::new(0u32));
        let counter = steps.clone();
        let chain = evloop::spawn(async move {
            for _ in 0..10 {
                evloop::sleep(Duration::from_secs(1)).await;
                counter.set(counter.get() + 1);
            }
        });
        evloop::time::advance(Duration::from_millis(5500)).await;
        let at_half = steps.get();
        chain.await.unwrap(); // auto-advance finishes it
        (at_half, steps.get())
    });
    assert_eq!(steps, (5, 10));
}

#[test]
fn timers_years_away_fire_without_spinning_the_paused_loop() {
    // Past the timer wheel's range (~795 days), entries wait in its top level and come back
    // due at each turn of it: the paused clock must still move on.
    const DAY: u64 = 86_400;
    let (elapsed, _) = run_paused(paused(), async {
        let start = evloop::time::now();
        evloop::sleep(Duration::from_secs(10 * 365 * DAY)).await;
        let slept = evloop::time::now() - start;
        // An interval through `advance` across a wheel window's end.
        let ticks = Rc::new(Cell::new(0u32));
        let counter = ticks.clone();
        evloop::spawn(async move {
            let mut every = evloop::interval(Duration::from_secs(30 * DAY));
            loop {
                every.tick().await;
                counter.set(counter.get() + 1);
            }
        });
        evloop::time::advance(Duration::from_secs(3 * 360 * DAY)).await;
        (slept, ticks.get())
    });
    assert!(elapsed.0 >= Duration::from_secs(10 * 365 * DAY));
    assert!(elapsed.0 < Duration::from_secs(10 * 365 * DAY + 1));
    assert_eq!(elapsed.1, 3 * 12 + 1);
}

#[test]
fn advance_by_less_than_a_millisecond_keeps_later_timers_exact() {
    let (fired, _) = run_paused(paused(), async {
        evloop::time::advance(Duration::from_micros(500)).await;
        let sleep = evloop::sleep(Duration::from_secs(1));
        let waiter = evloop::spawn(sleep);
        evloop::time::advance(Duration::from_secs(1)).await;
        waiter.is_finished()
    });
    assert!(fired, "a sleep due within advance(1s) did not fire");
}

#[test]
fn under_any_seed_advance_lets_woken_tasks_run_in_deadline_order() {
    for seed in 0..20 {
        let builder = paused().seed(seed);
        let (fired, _) = run_paused(builder, async {
            let fired = spawn_sleepers(&[4, 2, 5, 1, 3]);
            evloop::time::advance(Duration::from_secs(5)).await;
            fired.take()
        });
        let expect: Vec<_> = (1..=5).map(|s| (s, Duration::from_secs(s))).collect();
        assert_eq!(fired, expect, "seed {seed}");
    }
}
