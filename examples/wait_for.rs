//! Timeouts: the asyncio seeds' `wait_for(fetch_data(), 0.5)` program, a deadline variant,
//! and a success case.
//!
//! ```text
//! cargo run --example wait_for
//! ```

use std::time::{Duration, Instant};

/// Simulates a slow fetch: two seconds.
async fn fetch_data() -> &'static str {
    evloop::sleep(Duration::from_secs(2)).await;
    "data"
}

fn main() {
    evloop::run(async {
        // 1. Times out after 0.5 s; fetch_data is dropped (cancelled).
        match evloop::wait_for(Duration::from_millis(500), fetch_data()).await {
            Ok(data) => println!("Got {data}"),
            Err(_) => println!("Operation timed out!"),
        }

        // 2. The same with an absolute deadline.
        let start = Instant::now();
        let deadline = start + Duration::from_millis(200);
        if evloop::wait_until(deadline, fetch_data()).await.is_err() {
            println!("Deadline passed after {:?}", start.elapsed());
        }

        // 3. A fetch that beats its timeout.
        let quick = async {
            evloop::sleep(Duration::from_millis(100)).await;
            "quick data"
        };
        match evloop::wait_for(Duration::from_secs(1), quick).await {
            Ok(data) => println!("Got {data} in time"),
            Err(_) => println!("Operation timed out!"),
        }
    });
}
