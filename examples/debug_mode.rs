//! Debug mode, asyncio's `asyncio.run(main(), debug=True)`: run it with `EVLOOP_DEBUG=1`
//! and the loop reports a task that blocks it for 200 ms, a task left pending at exit and a
//! panicking task whose handle was dropped; at the end it prints the task table.
//!
//! ```text
//! EVLOOP_DEBUG=1 cargo run --example debug_mode
//! ```
//!
//! Without `EVLOOP_DEBUG=1` the program runs the same and reports nothing (but the table).

use std::time::Duration;

/// Blocks the whole loop: a mistake debug mode is there to catch. Use `spawn_blocking`.
async fn blocking_checksum() -> u64 {
    std::thread::sleep(Duration::from_millis(200));
    42
}

/// Waits for a reply that never comes: left pending when `main` returns.
async fn wait_for_reply() {
    evloop::sleep(Duration::from_secs(3600)).await;
}

/// Panics; nobody keeps its handle, so nobody would ever hear of it.
async fn parse_config() -> u32 {
    evloop::yield_now().await;
    "not a number"
        .parse()
        .expect("config value must be a number")
}

fn main() {
    // Keep the standard panic hook from printing its own message for the demo's panic.
    std::panic::set_hook(Box::new(|_| {}));
    evloop::run(async {
        let checksum = evloop::spawn_named("checksum", blocking_checksum());
        evloop::spawn_named("reply-waiter", wait_for_reply());
        drop(evloop::spawn_named("config-parser", parse_config()));
        println!("checksum = {}", checksum.await.unwrap());
        evloop::sleep(Duration::from_millis(20)).await;
        // What is alive right now, as `kill -QUIT` would print it with `dump_on_sigquit`.
        println!("{}", evloop::debug::dump());
    });
}
