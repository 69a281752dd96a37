//! Reproducible scheduling: a seed shuffles the order of ready tasks and simultaneous
//! events reproducibly; `testing::run_with_seeds` finds an order-dependent bug planted
//! here, names the seed, and the seed replays it.

mod support;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use evloop::Runtime;

/// The order in which 8 ready tasks run, on a runtime built by `builder`.
fn ready_order(builder: evloop::runtime::Builder) -> Vec<u32> {
    let runtime = builder.build().unwrap();
    support::block_on(&runtime, async {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let seen = seen.clone();
                evloop::spawn(async move {
                    seen.borrow_mut().push(i);
                    evloop::yield_now().await;
                    seen.borrow_mut().push(100 + i);
                })
            })
            .collect();
        evloop::gather(tasks).await;
        seen.take()
    })
}

#[test]
fn without_a_seed_the_order_is_fifo_and_a_seed_replays_its_own_order() {
    let fifo: Vec<u32> = (0..8).chain(100..108).collect();
    assert_eq!(ready_order(Runtime::builder()), fifo);
    for seed in [0, 1, 42, u64::MAX] {
        let first = ready_order(Runtime::builder().seed(seed));
        assert_eq!(
            first,
            ready_order(Runtime::builder().seed(seed)),
            "seed {seed}"
        );
    }
    let orders: std::collections::HashSet<_> = (0..16)
        .map(|seed| ready_order(Runtime::builder().seed(seed)))
        .collect();
    assert!(
        orders.len() > 8,
        "16 seeds gave only {} orders",
        orders.len()
    );
}

#[test]
#[cfg_attr(miri, ignore)] // sockets
fn simultaneous_timers_and_io_events_are_shuffled_by_the_seed() {
    // Four tasks wake on timers due at the same instant and four on datagrams that arrive
    // in one reactor turn: the seed decides who runs first.
    let order = |seed: Option<u64>| {
        let builder = Runtime::builder().start_paused(true);
        let runtime = match seed {
            Some(seed) => builder.seed(seed),
            None => builder,
        }
        .build()
        .unwrap();
        runtime.block_on(async {
            let seen = Rc::new(RefCell::new(Vec::new()));
            let mut tasks = Vec::new();
            for i in 0..4 {
                let seen = seen.clone();
                tasks.push(evloop::spawn(async move {
                    evloop::sleep(Duration::from_secs(1)).await;
                    seen.borrow_mut().push(format!("timer {i}"));
                }));
            }
            let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            for i in 0..4 {
                let socket = evloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
                let addr = socket.local_addr().unwrap();
                let seen = seen.clone();
                tasks.push(evloop::spawn(async move {
                    let mut buf = [0u8; 8];
                    socket.recv(&mut buf).await.unwrap();
                    seen.borrow_mut().push(format!("datagram {i}"));
                }));
                evloop::yield_now().await; // let it wait on the socket
                sender.send_to(b"x", addr).unwrap();
            }
            evloop::gather(tasks).await;
            seen.take()
        })
    };
    let replayed = order(Some(9));
    assert_eq!(replayed, order(Some(9)));
    let distinct: std::collections::HashSet<_> = (0..12).map(|seed| order(Some(seed))).collect();
    assert!(
        distinct.len() > 4,
        "12 seeds gave {} orders",
        distinct.len()
    );
    let _ = order(None); // and it works unseeded
}

/// The seed named by a `run_with_seeds` failure message.
fn failing_seed(message: &str) -> u64 {
    message
        .strip_prefix("evloop::testing: failed with seed ")
        .and_then(|rest| rest.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no seed in {message:?}"))
}

/// The planted bug: the reader assumes the writer (spawned first) already ran. Under the
/// FIFO order it always has; under some orders it has not.
async fn planted_bug(runs: Rc<Cell<u32>>) {
    runs.set(runs.get() + 1);
    let config = Rc::new(Cell::new(None::<u32>));
    let writer = evloop::spawn({
        let config = config.clone();
        async move { config.set(Some(42)) }
    });
    let reader = evloop::spawn(async move {
        assert_eq!(
            config.get(),
            Some(42),
            "PLANTED BUG: read the config before it was set"
        );
    });
    let (written, read) = evloop::join!(writer, reader);
    written.unwrap();
    if let Err(err) = read {
        panic!("{err}");
    }
}

#[test]
fn run_with_seeds_finds_the_planted_bug_and_its_seed_replays_it() {
    if std::env::var_os("EVLOOP_SEED").is_some() {
        return; // a replay of some other test: this one checks the search itself
    }
    // FIFO never shows the bug.
    let runs = Rc::new(Cell::new(0));
    for _ in 0..20 {
        support::block_on(&Runtime::new().unwrap(), planted_bug(runs.clone()));
    }
    // The seeds do, and the failure names one.
    let tried = Rc::new(Cell::new(0));
    let message = support::panic_message(|| {
        evloop::testing::run_with_seeds(0..1000, Runtime::builder, || planted_bug(tried.clone()));
    });
    assert!(
        message.starts_with("evloop::testing: failed with seed "),
        "{message}"
    );
    assert!(message.contains("PLANTED BUG"), "{message}");
    let seed = failing_seed(&message);
    eprintln!(
        "found the planted bug with seed {seed}, after {} runs",
        tried.get()
    );
    assert_eq!(
        tried.get() as u64,
        seed + 1,
        "seeds are tried in order, the first fails"
    );
    // Replaying that seed fails again, every time.
    for _ in 0..3 {
        let runtime = Runtime::builder().seed(seed).build().unwrap();
        let replay = support::panic_message(|| runtime.block_on(planted_bug(runs.clone())));
        assert!(replay.contains("PLANTED BUG"), "{replay}");
    }
    // A passing seed passes again, every time.
    if seed > 0 {
        for _ in 0..3 {
            let runtime = Runtime::builder().seed(seed - 1).build().unwrap();
            runtime.block_on(planted_bug(runs.clone()));
        }
    }
}

#[test]
#[cfg_attr(miri, ignore)] // processes
fn evloop_seed_replays_one_seed_in_a_child_process() {
    if std::env::var_os("EVLOOP_SEED").is_some() {
        return;
    }
    // Find a failing seed, then rerun only the child test with EVLOOP_SEED set: every
    // runtime it builds (no explicit seed) takes the order of that seed.
    let message = support::panic_message(|| {
        evloop::testing::run_with_seeds(0..1000, Runtime::builder, || {
            planted_bug(Rc::new(Cell::new(0)))
        });
    });
    let seed = failing_seed(&message).to_string();
    let child = |seed: &str| {
        support::child::rerun_test("replay_child", &["--ignored"], &[("EVLOOP_SEED", seed)])
    };
    // The test harness reports a failure on stdout, the panic itself goes to stderr.
    let text = |output: &std::process::Output| {
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr)
    };
    let failing = child(&seed);
    assert!(
        !failing.status.success(),
        "EVLOOP_SEED={seed} passed: {}",
        text(&failing)
    );
    assert!(text(&failing).contains("PLANTED BUG"), "{}", text(&failing));
    let bad = child("not-a-number");
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("EVLOOP_SEED must be a number"),
        "{}",
        text(&bad)
    );
}

/// Run by `evloop_seed_replays_one_seed_in_a_child_process` with `EVLOOP_SEED` set.
#[test]
#[ignore = "a child of evloop_seed_replays_one_seed_in_a_child_process"]
fn replay_child() {
    let runtime = Runtime::new().unwrap(); // seeded by EVLOOP_SEED
    runtime.block_on(planted_bug(Rc::new(Cell::new(0))));
}
