//! Structured concurrency: a `TaskGroup` of fetch-like tasks where one fails and the others
//! are cancelled at once (asyncio 3.11's `TaskGroup`), then `as_completed` printing results
//! as they arrive, and a `JoinSet` draining spawned tasks in completion order.
//!
//! ```text
//! cargo run --example task_group
//! ```

use std::time::{Duration, Instant};

/// Pretends to fetch `url` in `ms` milliseconds; `bad.example` fails.
async fn fetch(url: &'static str, ms: u64) -> Result<String, String> {
    evloop::sleep(Duration::from_millis(ms)).await;
    if url == "bad.example" {
        return Err(format!("{url}: 503 Service Unavailable"));
    }
    println!("  fetched {url} after {ms} ms");
    Ok(format!("<body of {url}>"))
}

fn main() {
    evloop::run(async {
        // 1. A group where every fetch succeeds: values come back in spawn order.
        let group = evloop::TaskGroup::new();
        for (url, ms) in [("a.example", 30), ("b.example", 10)] {
            group.spawn(fetch(url, ms));
        }
        println!("all fetched: {:?}", group.join().await.unwrap());

        // 2. One fetch fails after 50 ms: the 2 s fetch is cancelled right then.
        let start = Instant::now();
        let group = evloop::TaskGroup::new();
        group.spawn(fetch("slow.example", 2_000));
        group.spawn(fetch("bad.example", 50));
        group.spawn(fetch("fast.example", 20));
        match group.join().await {
            Ok(pages) => println!("unexpected success: {pages:?}"),
            Err(err) => println!("group failed after {:?}: {err}", start.elapsed()),
        }

        // 3. as_completed: print each result as soon as it is ready.
        println!("as_completed:");
        let mut done = evloop::as_completed(
            [("x.example", 40), ("y.example", 5), ("z.example", 20)]
                .map(|(url, ms)| fetch(url, ms)),
        );
        while let Some(page) = done.next().await {
            println!("  arrived: {}", page.unwrap());
        }

        // 4. JoinSet: spawned tasks, collected in the order they finish.
        let mut set = evloop::JoinSet::new();
        for n in [3u64, 1, 2] {
            set.spawn(async move {
                evloop::sleep(Duration::from_millis(n * 10)).await;
                n
            });
        }
        let mut order = Vec::new();
        while let Some(n) = set.join_next().await {
            order.push(n.unwrap());
        }
        println!("JoinSet finished in order {order:?}");
    });
}
