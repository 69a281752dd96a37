//! `#[evloop::test]` and `#[evloop::main]` (feature `macros`) used for real: each test
//! below runs on a runtime the attribute builds.
#![cfg(feature = "macros")]

use std::time::{Duration, Instant};

#[evloop::test]
async fn a_test_body_runs_on_a_fresh_runtime() {
    let started = Instant::now();
    let (a, ()) = evloop::join!(
        evloop::spawn(async { 1 }),
        evloop::sleep(Duration::from_millis(5))
    );
    assert_eq!(a.unwrap(), 1);
    assert!(started.elapsed() >= Duration::from_millis(5));
    // One task of this test's own runtime has run; a fresh runtime numbers from 1.
    assert_eq!(evloop::debug::metrics().tasks_spawned, 1);
}

#[evloop::test]
async fn a_test_may_return_a_result() -> std::io::Result<()> {
    let meta = evloop::fs::metadata("Cargo.toml").await?;
    assert!(meta.len() > 0);
    Ok(())
}

#[evloop::test(debug = true, event_interval = 7)]
async fn options_reach_the_builder() {
    evloop::spawn(async {}).await.unwrap();
    let task = evloop::spawn(std::future::pending::<()>());
    evloop::yield_now().await;
    // Debug mode times polls: the pending task has a busy time.
    assert!(evloop::debug::tasks().iter().all(|t| t.busy.is_some()));
    task.abort();
}

mod entry {
    /// A named entry point (called from a plain test below).
    #[evloop::main]
    pub async fn main() -> u32 {
        evloop::spawn(async { 41 }).await.unwrap() + 1
    }
}

#[test]
fn main_attribute_returns_the_body_output() {
    assert_eq!(entry::main(), 42);
}

#[evloop::test(start_paused)]
async fn start_paused_runs_an_hour_of_timeouts_in_virtual_time() {
    // The README's example.
    let start = evloop::time::now();
    let slow = evloop::wait_for(
        std::time::Duration::from_secs(1800),
        std::future::pending::<()>(),
    );
    assert!(slow.await.is_err());
    assert_eq!(
        evloop::time::now() - start,
        std::time::Duration::from_secs(1800)
    );
}

#[evloop::test(start_paused = false, seed = 3)]
async fn seed_and_start_paused_false_reach_the_builder() {
    let order = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let order = order.clone();
            evloop::spawn(async move { order.borrow_mut().push(i) })
        })
        .collect();
    evloop::gather(tasks).await;
    assert_ne!(
        *order.borrow(),
        [0, 1, 2, 3, 4, 5],
        "seed 3 kept the FIFO order"
    );
    // Real time: a sleep takes its length in real time (a paused loop with nothing else to
    // wait for would jump over it at once).
    let start = std::time::Instant::now();
    evloop::sleep(std::time::Duration::from_millis(5)).await;
    assert!(start.elapsed() >= std::time::Duration::from_millis(5));
}

thread_local! {
    static SEEDS_RUN: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

#[evloop::test(seeds = 5)]
async fn seeds_runs_the_body_once_per_seed() -> Result<(), String> {
    SEEDS_RUN.with(|runs| runs.set(runs.get() + 1));
    evloop::yield_now().await;
    Ok(())
}

#[test]
fn seeds_ran_five_bodies_and_a_failing_seed_is_named() {
    if std::env::var_os("EVLOOP_SEED").is_some() {
        return;
    }
    seeds_runs_the_body_once_per_seed();
    assert_eq!(SEEDS_RUN.with(std::cell::Cell::get), 5);
    let failure = std::panic::catch_unwind(order_dependent).unwrap_err();
    let message = failure.downcast_ref::<String>().unwrap();
    assert!(
        message.starts_with("evloop::testing: failed with seed "),
        "{message}"
    );
    assert!(message.contains("ran first"), "{message}");
}

/// An order-dependent check, run under 50 seeds by the test above.
#[evloop::test(seeds = 50)]
#[ignore = "fails by design: run by seeds_ran_five_bodies_and_a_failing_seed_is_named"]
async fn order_dependent() -> Result<(), String> {
    let first = std::rc::Rc::new(std::cell::Cell::new(None));
    let tasks: Vec<_> = (0..2)
        .map(|i| {
            let first = first.clone();
            evloop::spawn(async move {
                if first.get().is_none() {
                    first.set(Some(i));
                }
            })
        })
        .collect();
    evloop::gather(tasks).await;
    match first.get() {
        Some(0) => Ok(()),
        other => Err(format!("task {other:?} ran first")),
    }
}

/// The example of `evloop::test`'s docs (doctests do not run `#[test]` functions).
#[evloop::test(start_paused, seeds = 20)]
async fn a_day_of_heartbeats_in_any_order() {
    let beats = std::rc::Rc::new(std::cell::Cell::new(0));
    let tasks: Vec<_> = (0..3)
        .map(|_| {
            let beats = beats.clone();
            evloop::spawn(async move {
                let mut every = evloop::interval(std::time::Duration::from_secs(60));
                for _ in 0..24 * 60 {
                    every.tick().await;
                    beats.set(beats.get() + 1);
                }
            })
        })
        .collect();
    evloop::gather(tasks).await;
    assert_eq!(beats.get(), 3 * 24 * 60);
}
