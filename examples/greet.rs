//! The first program of the asyncio seeds, on evloop: three greetings that each sleep one
//! second, run concurrently with `gather`, so the whole takes about one second, not three.
//!
//! ```text
//! cargo run --example greet
//! ```

use std::time::{Duration, Instant};

/// Greets `name`, then waits a second without blocking the loop.
async fn greet(name: &str) {
    println!("Hello, {name}!");
    evloop::sleep(Duration::from_secs(1)).await;
}

fn main() {
    let start = Instant::now();
    evloop::run(async {
        // The three coroutines run concurrently inside this one task.
        evloop::gather(["Alice", "Bob", "Eve"].map(greet)).await;
    });
    println!("Total time: {:.2} s", start.elapsed().as_secs_f64());
}
