//! Producer/consumer workers over a bounded `Queue`, as in asyncio's Queue docs: the
//! producer blocks while the queue is full (backpressure), workers call `task_done()` for
//! each item, and `join()` waits until every item was processed.
//!
//! ```text
//! cargo run --example pipeline
//! ```

use std::time::{Duration, Instant};

use evloop::channel::Queue;

/// Takes jobs from the queue forever; the caller aborts it when the work is done.
async fn worker(
    name: &'static str,
    queue: Queue<u64>,
    total_ms: std::rc::Rc<std::cell::Cell<u64>>,
) {
    loop {
        let Ok(ms) = queue.get().await else { return }; // the queue was shut down
        evloop::sleep(Duration::from_millis(ms)).await; // "process" the job
        total_ms.set(total_ms.get() + ms);
        println!("{name} finished a {ms} ms job");
        queue.task_done().expect("one task_done per job taken");
    }
}

fn main() {
    evloop::run(async {
        // At most 4 jobs waiting: the producer waits when the workers fall behind.
        let queue = Queue::bounded(4);
        let total_ms = std::rc::Rc::new(std::cell::Cell::new(0));
        let workers: Vec<_> = ["worker-1", "worker-2", "worker-3"]
            .into_iter()
            .map(|name| evloop::spawn(worker(name, queue.clone(), total_ms.clone())))
            .collect();

        let start = Instant::now();
        for ms in [50u64, 20, 80, 10, 30, 60, 40, 20, 70, 10] {
            queue.put(ms).await.expect("the queue is open");
        }
        queue.join().await; // every job put was marked done
        println!(
            "10 jobs, {} ms of work, done in {:?} by 3 workers",
            total_ms.get(),
            start.elapsed()
        );

        // The workers wait on an empty queue forever: cancel them.
        for worker in &workers {
            worker.abort();
        }
        evloop::gather(workers).await;
    });
}
