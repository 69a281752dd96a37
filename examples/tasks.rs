//! Tasks: spawn and await, abort (asyncio's `task.cancel()`), a panicking task caught
//! through its handle while the loop goes on, and `spawn_blocking` for blocking work.
//!
//! ```text
//! cargo run --example tasks
//! ```

use std::time::{Duration, Instant};

fn main() {
    evloop::run(async {
        // Spawn: the task runs concurrently with this one.
        let worker = evloop::spawn_named("worker", async {
            evloop::sleep(Duration::from_millis(50)).await;
            "worker result"
        });
        println!("spawned task {} ({:?})", worker.id(), worker);
        println!("awaited: {}", worker.await.unwrap());

        // Abort: the task's future is dropped; awaiting says it was cancelled.
        let forever = evloop::spawn(async {
            evloop::sleep(Duration::from_secs(3600)).await;
        });
        forever.abort();
        match forever.await {
            Err(err) if err.is_cancelled() => println!("aborted task: {err}"),
            other => println!("unexpected: {other:?}"),
        }

        // Panic: caught, delivered to the handle; the loop keeps running. (The standard
        // panic hook still prints the panic message to stderr, as for any thread.)
        let faulty = evloop::spawn(async {
            evloop::yield_now().await;
            panic!("something went wrong in the task");
        });
        match faulty.await {
            Err(err) if err.is_panic() => println!("caught: {err}"),
            other => println!("unexpected: {other:?}"),
        }

        // spawn_blocking: a blocking call runs on the pool while the loop keeps ticking.
        let start = Instant::now();
        let blocking = evloop::spawn_blocking(|| {
            std::thread::sleep(Duration::from_millis(200)); // e.g. a blocking file read
            "blocking result"
        });
        let mut ticks = 0;
        while !blocking.is_finished() {
            evloop::sleep(Duration::from_millis(20)).await;
            ticks += 1;
        }
        println!(
            "{} after {:?}; the loop ticked {ticks} times meanwhile",
            blocking.await.unwrap(),
            start.elapsed()
        );
    });
}
