//! `--fs [DIR]`: file I/O on evloop (`evloop::fs`) vs tokio (`tokio::fs`), same run.
//!
//! Three workloads, each run [`RUNS`] times per runtime, interleaved, median wall time:
//!
//! * write 1 GiB to one file in 64 KiB chunks (`write_all`, then `flush`);
//! * read it back in 64 KiB chunks;
//! * 10,000 small files (1 KiB): write each, then read each, one after another.
//!
//! Files live in `DIR` (default: the system's temporary directory) and are removed after.
//! Nothing is `fsync`ed: the page cache absorbs the writes, so the rows measure what the
//! runtimes add (thread hand-offs and wakes), not the disk. `EVLOOP_BENCH_SCALE` scales
//! the sizes (0.1: 100 MiB and 1,000 files).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::common::Rt;

const RUNS: usize = 5;

/// One row: (directory, chunks, files) → (evloop's time, tokio's time).
type Row = fn(&Path, usize, usize) -> (Duration, Duration);
const CHUNK: usize = 64 * 1024;

/// Runs the mode if `--fs` is on the command line.
pub fn fs_mode() -> bool {
    let Some(args) = super::flag_args("--fs") else {
        return false;
    };
    let dir = args
        .first()
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("evloop-fs-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scale = super::env_parse("EVLOOP_BENCH_SCALE", 1.0_f64);
    let chunks = ((16_384.0 * scale) as usize).max(1); // 16,384 × 64 KiB = 1 GiB
    let files = ((10_000.0 * scale) as usize).max(1);
    println!(
        "| file workload ({} MiB, {files} small files) | evloop | tokio | tokio / evloop |",
        (chunks * CHUNK) >> 20
    );
    println!("|---|---:|---:|---:|");
    let rows: [(&str, Row); 3] = [
        ("write in 64 KiB chunks", |dir, chunks, _| {
            (evloop_write(dir, chunks), tokio_write(dir, chunks))
        }),
        ("read in 64 KiB chunks", |dir, chunks, _| {
            (evloop_read(dir, chunks), tokio_read(dir, chunks))
        }),
        ("small files: write + read", |dir, _, files| {
            (evloop_small(dir, files), tokio_small(dir, files))
        }),
    ];
    for (name, row) in rows {
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let (a, b) = row(&dir, chunks, files);
            ours.push(a.as_secs_f64() * 1e3);
            theirs.push(b.as_secs_f64() * 1e3);
        }
        let (ours, theirs) = (super::median(ours), super::median(theirs));
        println!(
            "| {name} | {ours:.1} ms | {theirs:.1} ms | {} |",
            super::ratio(theirs, ours)
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
    true
}

fn chunk() -> Vec<u8> {
    (0..CHUNK).map(|i| (i % 251) as u8).collect()
}

fn evloop_write(dir: &Path, chunks: usize) -> Duration {
    use futures_lite::AsyncWriteExt;
    let path = dir.join("big-evloop");
    evloop::run(async move {
        let data = chunk();
        let start = Instant::now();
        let mut file = evloop::fs::File::create(&path).await.unwrap();
        for _ in 0..chunks {
            file.write_all(&data).await.unwrap();
        }
        file.flush().await.unwrap();
        start.elapsed()
    })
}

fn tokio_write(dir: &Path, chunks: usize) -> Duration {
    use tokio::io::AsyncWriteExt;
    let path = dir.join("big-tokio");
    super::Tokio::block_on(async move {
        let data = chunk();
        let start = Instant::now();
        let mut file = tokio::fs::File::create(&path).await.unwrap();
        for _ in 0..chunks {
            file.write_all(&data).await.unwrap();
        }
        file.flush().await.unwrap();
        start.elapsed()
    })
}

fn evloop_read(dir: &Path, chunks: usize) -> Duration {
    use futures_lite::AsyncReadExt;
    let path = dir.join("big-evloop");
    evloop::run(async move {
        let mut buf = vec![0; CHUNK];
        let start = Instant::now();
        let mut file = evloop::fs::File::open(&path).await.unwrap();
        let mut total = 0;
        loop {
            let n = file.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            total += n;
        }
        assert_eq!(total, chunks * CHUNK);
        start.elapsed()
    })
}

fn tokio_read(dir: &Path, chunks: usize) -> Duration {
    use tokio::io::AsyncReadExt;
    let path = dir.join("big-tokio");
    super::Tokio::block_on(async move {
        let mut buf = vec![0; CHUNK];
        let start = Instant::now();
        let mut file = tokio::fs::File::open(&path).await.unwrap();
        let mut total = 0;
        loop {
            let n = file.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            total += n;
        }
        assert_eq!(total, chunks * CHUNK);
        start.elapsed()
    })
}

fn evloop_small(dir: &Path, files: usize) -> Duration {
    let dir = dir.join("small-evloop");
    std::fs::create_dir_all(&dir).unwrap();
    evloop::run(async move {
        let data = vec![7u8; 1024];
        let start = Instant::now();
        for i in 0..files {
            evloop::fs::write(dir.join(i.to_string()), &data)
                .await
                .unwrap();
        }
        for i in 0..files {
            assert_eq!(
                evloop::fs::read(dir.join(i.to_string()))
                    .await
                    .unwrap()
                    .len(),
                1024
            );
        }
        start.elapsed()
    })
}

fn tokio_small(dir: &Path, files: usize) -> Duration {
    let dir = dir.join("small-tokio");
    std::fs::create_dir_all(&dir).unwrap();
    super::Tokio::block_on(async move {
        let data = vec![7u8; 1024];
        let start = Instant::now();
        for i in 0..files {
            tokio::fs::write(dir.join(i.to_string()), &data)
                .await
                .unwrap();
        }
        for i in 0..files {
            assert_eq!(
                tokio::fs::read(dir.join(i.to_string()))
                    .await
                    .unwrap()
                    .len(),
                1024
            );
        }
        start.elapsed()
    })
}
