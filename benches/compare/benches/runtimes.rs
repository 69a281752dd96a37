//! Criterion benchmarks of evloop against tokio (current-thread runtime + `LocalSet`) and
//! smol (`async_executor::LocalExecutor` under `async_io::block_on`), at small sizes:
//!
//! ```text
//! cargo bench --bench runtimes
//! cargo bench --bench runtimes -- ping_pong      # one group
//! ```
//!
//! One criterion group per workload (`spawn_join`: 10,000 tasks; `yield_many`: 100 tasks ×
//! 100 yields; `ping_pong`: 100,000 messages; `timeout_ready` and `timeout_cancelled`:
//! 100,000 timeouts each), with one bench function per runtime (`evloop`, `tokio`, `smol`).
//! Each sample builds a fresh runtime and times only the iterations run inside it. For the
//! full-size side-by-side table, see `benches/compare.rs`.

#[path = "common/mod.rs"]
#[allow(dead_code)] // `sleep_lateness` and its helpers are only used by `compare`.
mod common;

use std::time::Duration;

use common::{Evloop, Rt, Sizes, Smol, Tokio, Workload};
use criterion::{
    BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime,
};

const SIZES: Sizes = Sizes {
    spawn_tasks: 10_000,
    yield_tasks: 100,
    yields: 100,
    messages: 100_000,
    timeouts: 100_000,
};

fn bench_runtime<R: Rt>(group: &mut BenchmarkGroup<'_, WallTime>, workload: Workload) {
    group.bench_function(R::NAME, |b| {
        b.iter_custom(|iters| workload.run::<R>(&SIZES, iters))
    });
}

fn runtimes(c: &mut Criterion) {
    for workload in Workload::ALL {
        let mut group = c.benchmark_group(workload.name());
        group
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        bench_runtime::<Evloop>(&mut group, workload);
        bench_runtime::<Tokio>(&mut group, workload);
        bench_runtime::<Smol>(&mut group, workload);
        group.finish();
    }
}

criterion_group!(benches, runtimes);
criterion_main!(benches);
