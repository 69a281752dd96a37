//! `gather` and `try_gather`: several fetch-like coroutines of different durations run
//! concurrently; results come back in input order; `try_gather` fails fast on the first
//! error and drops the rest.
//!
//! ```text
//! cargo run --example gather
//! ```

use std::time::{Duration, Instant};

/// Pretends to fetch `url`, taking `ms` milliseconds.
async fn fetch(url: &str, ms: u64) -> String {
    evloop::sleep(Duration::from_millis(ms)).await;
    format!("<body of {url}>")
}

/// Like `fetch`, but some URLs fail.
async fn try_fetch(url: &'static str, ms: u64) -> Result<String, String> {
    evloop::sleep(Duration::from_millis(ms)).await;
    if url.contains("broken") {
        Err(format!("{url}: connection refused"))
    } else {
        Ok(format!("<body of {url}>"))
    }
}

fn main() {
    evloop::run(async {
        // Three fetches of 300, 100 and 200 ms: about 300 ms in total, not 600.
        let start = Instant::now();
        let pages = evloop::gather(
            [("a.example", 300), ("b.example", 100), ("c.example", 200)]
                .map(|(url, ms)| fetch(url, ms)),
        )
        .await;
        for page in &pages {
            println!("got {page}"); // in input order: a, b, c
        }
        println!("gather: {} pages in {:?}", pages.len(), start.elapsed());

        // try_gather stops at the first error (after ~50 ms) and drops the slow fetch.
        let start = Instant::now();
        let result = evloop::try_gather([
            try_fetch("ok.example", 20),
            try_fetch("broken.example", 50),
            try_fetch("slow.example", 5_000),
        ])
        .await;
        match result {
            Ok(pages) => println!("try_gather: all {} pages", pages.len()),
            Err(err) => println!("try_gather failed fast after {:?}: {err}", start.elapsed()),
        }

        // join! mixes output types.
        let (page, count) = evloop::join!(fetch("d.example", 10), async { 42u32 });
        println!("join!: {page} and {count}");
    });
}
