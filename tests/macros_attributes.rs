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
